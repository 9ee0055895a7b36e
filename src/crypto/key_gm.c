/* Private keys in the form GM toolkits read (GmSSL, vendors' tools): PKCS#8
 * EncryptedPrivateKeyInfo with PBES2, PBKDF2 with HMAC-SM3 as its PRF and
 * SM4-CBC as its cipher.  OpenSSL 3.0 has SM3 and SM4 but no OID for
 * HMAC-SM3 as a PBKDF2 PRF, so it can neither write nor read this form
 * itself; the structure is built here from its ASN.1 types, and the key
 * derived with EVP_KDF PBKDF2 over SM3.
 *
 *   EncryptedPrivateKeyInfo ::= SEQUENCE {
 *     encryptionAlgorithm SEQUENCE { pbes2 (1.2.840.113549.1.5.13),
 *       PBES2-params SEQUENCE {
 *         keyDerivationFunc SEQUENCE { pbkdf2 (1.2.840.113549.1.5.12),
 *           PBKDF2-params SEQUENCE { salt OCTET STRING, iterationCount
 *             INTEGER, keyLength INTEGER (16), prf SEQUENCE {
 *             hmac-sm3 (1.2.156.10197.1.401.2) } } }   -- no parameters
 *         encryptionScheme SEQUENCE { sm4-cbc (1.2.156.10197.1.104.2),
 *           iv OCTET STRING (16) } } }
 *     encryptedData OCTET STRING }  -- SM4-CBC, PKCS#7 padding, of the
 *                                   -- DER PrivateKeyInfo */
#include "crypto/key.h"
#include "util/err.h"
#include "util/util.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/kdf.h>
#include <openssl/objects.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <string.h>

#define OID_HMAC_SM3 "1.2.156.10197.1.401.2"
#define GM_ITER 65536 /* PBKDF2 rounds written (GmSSL's) */
#define SM4_LEN 16    /* SM4's key, IV and block */

/* The SM4 key from pass by PBKDF2-HMAC-SM3. */
static int derive(const char *pass, const unsigned char *salt, size_t saltlen,
		  uint64_t iter, unsigned char key[SM4_LEN])
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "PBKDF2", NULL);
	EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	OSSL_PARAM p[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, "SM3", 0),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD,
						  (void *)pass, strlen(pass)),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
						  (void *)salt, saltlen),
		OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_ITER, &iter),
		OSSL_PARAM_construct_end(),
	};
	int rc = ctx && EVP_KDF_derive(ctx, key, SM4_LEN, p) == 1 ? FINCA_OK :
		 err_ssl_why(FINCA_ECRYPTO, "key.gm_kdf", "PBKDF2-HMAC-SM3");

	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	return rc;
}

/* SM4-CBC of in (PKCS#7 padding) into *out (caller's, OPENSSL_free). */
static int sm4(int enc, const unsigned char key[SM4_LEN], const unsigned char iv[SM4_LEN],
	       const unsigned char *in, int len, unsigned char **out, int *outlen)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	unsigned char *b = OPENSSL_zalloc((size_t)len + SM4_LEN);
	int n = 0, m = 0, rc = FINCA_OK;

	if (!c || !b || EVP_CipherInit_ex2(c, EVP_sm4_cbc(), key, iv, enc, NULL) != 1 ||
	    EVP_CipherUpdate(c, b, &n, in, len) != 1 ||
	    EVP_CipherFinal_ex(c, b + n, &m) != 1) {
		ERR_clear_error();
		rc = FINCA_EAUTH; /* decrypting: a wrong passphrase, said by the caller */
		OPENSSL_clear_free(b, (size_t)len + SM4_LEN);
		goto out;
	}
	*out = b;
	*outlen = n + m;
out:
	EVP_CIPHER_CTX_free(c);
	return rc;
}

/* An AlgorithmIdentifier of oid (dotted) with params (taken; NULL: none). */
static X509_ALGOR *algor(const char *oid, ASN1_TYPE *params)
{
	X509_ALGOR *a = X509_ALGOR_new();
	ASN1_OBJECT *o = OBJ_txt2obj(oid, 1);

	if (!a || !o || !X509_ALGOR_set0(a, o, params ? params->type : V_ASN1_UNDEF,
					  params ? params->value.ptr : NULL)) {
		X509_ALGOR_free(a);
		ASN1_OBJECT_free(o);
		ASN1_TYPE_free(params);
		return NULL;
	}
	if (params) { /* its value now belongs to a */
		params->value.ptr = NULL;
		params->type = V_ASN1_UNDEF;
		ASN1_TYPE_free(params);
	}
	return a;
}

static int is_oid(const ASN1_OBJECT *o, const char *oid)
{
	char b[64];

	return o && OBJ_obj2txt(b, sizeof b, o, 1) > 0 && !strcmp(b, oid);
}

/* Sets t (NULL: a new one) to an OCTET STRING of d; NULL on failure. */
static ASN1_TYPE *octets(ASN1_TYPE *t, const unsigned char *d, size_t n)
{
	ASN1_OCTET_STRING *s = ASN1_OCTET_STRING_new();
	ASN1_TYPE *mine = t ? NULL : (t = ASN1_TYPE_new());

	if (!s || !t || !ASN1_OCTET_STRING_set(s, d, (int)n)) {
		ASN1_OCTET_STRING_free(s);
		ASN1_TYPE_free(mine);
		return NULL;
	}
	ASN1_TYPE_set(t, V_ASN1_OCTET_STRING, s);
	return t;
}

int key_gm_encrypt(EVP_PKEY *key, const char *pass, X509_SIG **out)
{
	PKCS8_PRIV_KEY_INFO *p8 = EVP_PKEY2PKCS8(key);
	PBKDF2PARAM *kdf = PBKDF2PARAM_new();
	PBE2PARAM *pbe2 = PBE2PARAM_new();
	unsigned char salt[16], iv[SM4_LEN], k[SM4_LEN], *der = NULL, *enc = NULL;
	X509_SIG *sig = NULL;
	X509_ALGOR *alg;
	ASN1_OCTET_STRING *data;
	ASN1_TYPE *params = NULL;
	int n = 0, elen = 0, rc = FINCA_ECRYPTO;

	if (!p8 || !kdf || !pbe2 || RAND_bytes(salt, sizeof salt) != 1 ||
	    RAND_bytes(iv, sizeof iv) != 1 || (n = i2d_PKCS8_PRIV_KEY_INFO(p8, &der)) <= 0)
		goto fail;
	if (derive(pass, salt, sizeof salt, GM_ITER, k) != FINCA_OK ||
	    sm4(1, k, iv, der, n, &enc, &elen) != FINCA_OK)
		goto fail;
	/* PBKDF2-params: salt, rounds, key length, HMAC-SM3 */
	if (!octets(kdf->salt, salt, sizeof salt) ||
	    !ASN1_INTEGER_set(kdf->iter, GM_ITER) ||
	    !(kdf->keylength = ASN1_INTEGER_new()) ||
	    !ASN1_INTEGER_set(kdf->keylength, SM4_LEN) ||
	    !(kdf->prf = algor(OID_HMAC_SM3, NULL)))
		goto fail;
	/* PBES2-params: the KDF and SM4-CBC with its IV */
	X509_ALGOR_free(pbe2->keyfunc);
	X509_ALGOR_free(pbe2->encryption);
	pbe2->encryption = NULL;
	if (!(pbe2->keyfunc = algor("1.2.840.113549.1.5.12",
				    ASN1_TYPE_pack_sequence(ASN1_ITEM_rptr(PBKDF2PARAM), kdf, NULL))) ||
	    !(pbe2->encryption = algor("1.2.156.10197.1.104.2", octets(NULL, iv, sizeof iv))))
		goto fail;
	if (!(params = ASN1_TYPE_pack_sequence(ASN1_ITEM_rptr(PBE2PARAM), pbe2, NULL)) ||
	    !(sig = X509_SIG_new()))
		goto fail;
	X509_SIG_getm(sig, &alg, &data);
	if (!X509_ALGOR_set0(alg, OBJ_nid2obj(NID_pbes2), V_ASN1_SEQUENCE, params->value.sequence))
		goto fail;
	params->value.ptr = NULL; /* alg's now */
	ASN1_STRING_set0(data, enc, elen);
	enc = NULL;
	*out = sig;
	sig = NULL;
	rc = FINCA_OK;
fail:
	if (rc != FINCA_OK)
		rc = err_ssl_why(FINCA_ECRYPTO, "key.gm_encrypt",
				 "encrypting the key (PBKDF2-HMAC-SM3, SM4-CBC)");
	if (der)
		OPENSSL_cleanse(der, (size_t)n);
	OPENSSL_free(der);
	OPENSSL_free(enc);
	OPENSSL_cleanse(k, sizeof k);
	ASN1_TYPE_free(params);
	X509_SIG_free(sig);
	PBE2PARAM_free(pbe2);
	PBKDF2PARAM_free(kdf);
	PKCS8_PRIV_KEY_INFO_free(p8);
	return rc;
}

int key_gm_decrypt(const X509_SIG *sig, const char *pass, EVP_PKEY **out)
{
	const X509_ALGOR *alg;
	const ASN1_OCTET_STRING *data;
	PBE2PARAM *pbe2 = NULL;
	PBKDF2PARAM *kdf = NULL;
	PKCS8_PRIV_KEY_INFO *p8 = NULL;
	const unsigned char *p;
	unsigned char k[SM4_LEN], *plain = NULL;
	const ASN1_OCTET_STRING *salt, *iv;
	uint64_t iter;
	long klen = SM4_LEN;
	int n = 0, rc = FINCA_ENOTFOUND;

	X509_SIG_get0(sig, &alg, &data);
	if (OBJ_obj2nid(alg->algorithm) != NID_pbes2 ||
	    !(pbe2 = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBE2PARAM), alg->parameter)) ||
	    OBJ_obj2nid(pbe2->keyfunc->algorithm) != NID_id_pbkdf2 ||
	    !(kdf = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBKDF2PARAM),
					      pbe2->keyfunc->parameter)) ||
	    !kdf->prf || !is_oid(kdf->prf->algorithm, OID_HMAC_SM3))
		goto out; /* not this form: the caller reads it as OpenSSL does */
	rc = err_why(FINCA_EINVAL, NULL, "key.gm_form", "the key's PBES2 parameters are "
		     "not PBKDF2-HMAC-SM3 with SM4-CBC as GM/T toolkits write them");
	if (!is_oid(pbe2->encryption->algorithm, "1.2.156.10197.1.104.2") ||
	    !pbe2->encryption->parameter ||
	    pbe2->encryption->parameter->type != V_ASN1_OCTET_STRING ||
	    (iv = pbe2->encryption->parameter->value.octet_string)->length != SM4_LEN ||
	    kdf->salt->type != V_ASN1_OCTET_STRING ||
	    (salt = kdf->salt->value.octet_string)->length < 1 ||
	    !ASN1_INTEGER_get_uint64(&iter, kdf->iter) || iter < 1 || iter > 10000000 ||
	    (kdf->keylength && (klen = ASN1_INTEGER_get(kdf->keylength)) != SM4_LEN))
		goto out;
	if ((rc = derive(pass, salt->data, (size_t)salt->length, iter, k)) != FINCA_OK)
		goto out;
	if (sm4(0, k, iv->data, data->data, data->length, &plain, &n) != FINCA_OK ||
	    !(p = plain, p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, n)) ||
	    !(*out = EVP_PKCS82PKEY(p8))) {
		ERR_clear_error();
		rc = FINCA_EAUTH; /* said by key_load, which knows the path */
		goto out;
	}
	rc = FINCA_OK;
out:
	OPENSSL_clear_free(plain, (size_t)n);
	OPENSSL_cleanse(k, sizeof k);
	PKCS8_PRIV_KEY_INFO_free(p8);
	PBKDF2PARAM_free(kdf);
	PBE2PARAM_free(pbe2);
	return rc;
}
