/* The enveloped key: how the KM hands an encryption key pair to the
 * USBKey that holds the pair's signing key.
 *
 * GM/T 0009-2012 §7.4 (SM2 cryptography usage; repeated in GB/T 35276-2017
 * and used by GM/T 0010 certificate requests and GM/T 0092):
 *
 *   SM2EnvelopedKey ::= SEQUENCE {
 *     symAlgID               AlgorithmIdentifier,  -- SM4-ECB
 *     symEncryptedKey        SM2Cipher,            -- the SM4 key, SM2-encrypted
 *     sm2PublicKey           SM2PublicKey,         -- BIT STRING 04||x||y
 *     sm2EncryptedPrivateKey BIT STRING }          -- SM4-ECB(d)
 *   SM2Cipher ::= SEQUENCE {                       -- GM/T 0009 §7.2
 *     XCoordinate INTEGER, YCoordinate INTEGER,    -- C1
 *     HASH OCTET STRING (SIZE(32)),                -- C3 = SM3(x2||M||y2)
 *     CipherText OCTET STRING }                    -- C2
 *
 * Field by field, as written here and where it was checked:
 *   symAlgID: OID 1.2.156.10197.1.104.1 (SM4-ECB, GM/T 0006) with NULL
 *     parameters, as emmansun/gmsm's MarshalEnvelopedPrivateKey writes it
 *     (sm2 envelope code, "follows GB/T 35276-2017"); its parser and ours
 *     also take the bare SM4 OID 1.2.156.10197.1.104 and any parameters.
 *   symEncryptedKey: a fresh 16-octet SM4 key encrypted with SM2 to the
 *     signing public key.  OpenSSL 3.0's SM2 encryption writes exactly
 *     this SEQUENCE (x, y INTEGER, 32-octet SM3 hash, ciphertext), so
 *     `openssl pkeyutl -decrypt` with the signing key opens it as is.
 *   sm2PublicKey: the encryption public key, 65 octets 04||x||y, no
 *     unused bits (SM2PublicKey ::= BIT STRING, GM/T 0009 §7.1).
 *   sm2EncryptedPrivateKey: the 32-octet private scalar, big-endian,
 *     SM4-ECB under the symmetric key, no padding (32 is two blocks; the
 *     standard does not say whether ECB pads, gmsm's note says so too:
 *     without padding is what SKF tokens take, 32 octets at
 *     cbEncryptedPriKey+32).
 *
 * GM/T 0016-2012 (SKF) §6.4.8-6.4.10, the C structures every vendor
 * header repeats (checked in several public SKF headers with find_string:
 * "ENVELOPEDKEYBLOB", "ECCCIPHERBLOB"; ECC_MAX_XCOORDINATE_BITS_LEN 512):
 *   ENVELOPEDKEYBLOB { ULONG Version (=1); ULONG ulSymmAlgID (SGD_SM4_ECB,
 *     "ECB mode only"); ULONG ulBits (256, the encryption key's size);
 *     BYTE cbEncryptedPriKey[64] (the private key's ciphertext,
 *     right-aligned: vendors' samples encrypt into cbEncryptedPriKey+32);
 *     ECCPUBLICKEYBLOB PubKey; ECCCIPHERBLOB ECCCipherBlob }
 *   ECCPUBLICKEYBLOB { ULONG BitLen (256); BYTE XCoordinate[64];
 *     BYTE YCoordinate[64] } -- coordinates right-aligned in 64 octets
 *   ECCCIPHERBLOB { BYTE XCoordinate[64]; BYTE YCoordinate[64];
 *     BYTE HASH[32]; ULONG CipherLen; BYTE Cipher[CipherLen] }
 *   SGD_SM4_ECB = 0x00000401 (GM/T 0006-2012; most vendor headers).
 * XXX: a few vendor headers number SM4-ECB 0x00002001; a module that
 * refuses the blob's ulSymmAlgID needs that value (a token setting).
 *
 * Checked by hand with an independent toolkit (GmSSL master, built from
 * source): a signing key and CSR made by `gmssl sm2keygen`/`reqgen`, the
 * pair issued by finca, then `gmssl sm2decrypt` opens symEncryptedKey and
 * `gmssl sm4_ecb -decrypt` the 32 octets to the private key of the
 * encryption certificate.  tests/e2e/dual.sh does the same with openssl. */
#include "km/km.h"
#include "crypto/key.h"
#include "util/err.h"
#include "util/util.h"

#include <openssl/asn1t.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

#define SM4_ECB_OID "1.2.156.10197.1.104.1"
#define SM4_OID "1.2.156.10197.1.104"
#define SYM_KEY_LEN 16
#define ENVELOPE_MAX 4096 /* a real one is ~300 octets */

typedef struct {
	ASN1_INTEGER *x, *y;
	ASN1_OCTET_STRING *hash, *ct;
} FINCA_SM2_CIPHER;

ASN1_SEQUENCE(FINCA_SM2_CIPHER) = {
	ASN1_SIMPLE(FINCA_SM2_CIPHER, x, ASN1_INTEGER),
	ASN1_SIMPLE(FINCA_SM2_CIPHER, y, ASN1_INTEGER),
	ASN1_SIMPLE(FINCA_SM2_CIPHER, hash, ASN1_OCTET_STRING),
	ASN1_SIMPLE(FINCA_SM2_CIPHER, ct, ASN1_OCTET_STRING),
} static_ASN1_SEQUENCE_END(FINCA_SM2_CIPHER)

typedef struct {
	X509_ALGOR *sym_alg;
	FINCA_SM2_CIPHER *sym_key;
	ASN1_BIT_STRING *pub;
	ASN1_BIT_STRING *priv;
} FINCA_SM2_ENVELOPED_KEY;

ASN1_SEQUENCE(FINCA_SM2_ENVELOPED_KEY) = {
	ASN1_SIMPLE(FINCA_SM2_ENVELOPED_KEY, sym_alg, X509_ALGOR),
	ASN1_SIMPLE(FINCA_SM2_ENVELOPED_KEY, sym_key, FINCA_SM2_CIPHER),
	ASN1_SIMPLE(FINCA_SM2_ENVELOPED_KEY, pub, ASN1_BIT_STRING),
	ASN1_SIMPLE(FINCA_SM2_ENVELOPED_KEY, priv, ASN1_BIT_STRING),
} static_ASN1_SEQUENCE_END(FINCA_SM2_ENVELOPED_KEY)

#define ENV_IT ASN1_ITEM_rptr(FINCA_SM2_ENVELOPED_KEY)
#define CIPHER_IT ASN1_ITEM_rptr(FINCA_SM2_CIPHER)

void envelope_clear(struct envelope *e)
{
	if (!e)
		return;
	free(e->sym_cipher);
	OPENSSL_cleanse(e, sizeof *e);
}

/* One SM4-ECB pass over 32 octets, no padding; enc: encrypt. */
static int sm4_ecb(int enc, const unsigned char key[SYM_KEY_LEN], const unsigned char in[32],
		   unsigned char out[32])
{
	EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, "SM4-ECB", NULL);
	EVP_CIPHER_CTX *cx = EVP_CIPHER_CTX_new();
	int n = 0, m = 0, rc = FINCA_OK;

	ERR_clear_error();
	if (!c || !cx || !EVP_CipherInit_ex2(cx, c, key, NULL, enc, NULL) ||
	    !EVP_CIPHER_CTX_set_padding(cx, 0) ||
	    !EVP_CipherUpdate(cx, out, &n, in, 32) ||
	    !EVP_CipherFinal_ex(cx, out + n, &m) || n + m != 32)
		rc = err_ssl_why(FINCA_ECRYPTO, "km.sm4", "SM4-ECB of the private key");
	EVP_CIPHER_CTX_free(cx);
	EVP_CIPHER_free(c);
	return rc;
}

int envelope_build(EVP_PKEY *key, EVP_PKEY *to, unsigned char **der, size_t *len)
{
	FINCA_SM2_ENVELOPED_KEY *env = NULL;
	unsigned char sym[SYM_KEY_LEN], d[32], encd[32], pub[65];
	unsigned char *ct = NULL, *out = NULL;
	const unsigned char *p;
	size_t ctlen = 0, publen = 0;
	BIGNUM *bn = NULL;
	int n, rc;

	if (!key_is_sm2(key) || !key_is_sm2(to)) {
		rc = err_why(FINCA_EINVAL, NULL, "km.envelope_sm2",
			     "enveloped key: GM/T 0009 envelopes are SM2 keys to SM2 keys");
		goto out;
	}
	ERR_clear_error();
	if (!EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_PRIV_KEY, &bn) ||
	    BN_bn2binpad(bn, d, sizeof d) != (int)sizeof d ||
	    !EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof pub,
					     &publen) || publen != sizeof pub || pub[0] != 4) {
		rc = err_ssl_why(FINCA_ECRYPTO, "km.key_parts", "encryption key's parts");
		goto out;
	}
	if (RAND_priv_bytes(sym, sizeof sym) != 1) {
		rc = err_ssl_why(FINCA_ECRYPTO, "km.random", "random SM4 key");
		goto out;
	}
	if ((rc = sm4_ecb(1, sym, d, encd)) != FINCA_OK ||
	    (rc = km_sm2_crypt(1, to, sym, sizeof sym, &ct, &ctlen)) != FINCA_OK)
		goto out;
	if ((env = (FINCA_SM2_ENVELOPED_KEY *)ASN1_item_new(ENV_IT)) == NULL) {
		rc = err_ssl_why(FINCA_ECRYPTO, "km.envelope_build", "enveloped key");
		goto out;
	}
	ASN1_item_free((ASN1_VALUE *)env->sym_key, CIPHER_IT);
	p = ct;
	/* OpenSSL's SM2 ciphertext is the SM2Cipher SEQUENCE itself */
	env->sym_key = (FINCA_SM2_CIPHER *)ASN1_item_d2i(NULL, &p, (long)ctlen, CIPHER_IT);
	if (!env->sym_key || p != ct + ctlen ||
	    !X509_ALGOR_set0(env->sym_alg, OBJ_txt2obj(SM4_ECB_OID, 1), V_ASN1_NULL, NULL) ||
	    !ASN1_BIT_STRING_set(env->pub, pub, sizeof pub) ||
	    !ASN1_BIT_STRING_set(env->priv, encd, sizeof encd)) {
		rc = err_ssl_why(FINCA_ECRYPTO, "km.envelope_build", "enveloped key");
		goto out;
	}
	/* BIT STRINGs of whole octets: no unused bits */
	env->pub->flags = (env->pub->flags & ~0x07) | ASN1_STRING_FLAG_BITS_LEFT;
	env->priv->flags = (env->priv->flags & ~0x07) | ASN1_STRING_FLAG_BITS_LEFT;
	if ((n = ASN1_item_i2d((ASN1_VALUE *)env, &out, ENV_IT)) <= 0) {
		rc = err_ssl_why(FINCA_ECRYPTO, "km.envelope_build", "enveloped key");
		goto out;
	}
	*der = malloc((size_t)n);
	if (!*der)
		abort();
	memcpy(*der, out, (size_t)n);
	*len = (size_t)n;
	rc = FINCA_OK;
out:
	OPENSSL_cleanse(sym, sizeof sym);
	OPENSSL_cleanse(d, sizeof d);
	BN_clear_free(bn);
	OPENSSL_free(ct);
	OPENSSL_free(out);
	ASN1_item_free((ASN1_VALUE *)env, ENV_IT);
	return rc;
}

int envelope_parse(const unsigned char *der, size_t len, struct envelope *out)
{
	FINCA_SM2_ENVELOPED_KEY *env = NULL;
	const unsigned char *p = der;
	const ASN1_OBJECT *obj = NULL;
	unsigned char *c = NULL;
	int n, rc = FINCA_OK;

	memset(out, 0, sizeof *out);
	if (len > ENVELOPE_MAX) {
		return err_why(FINCA_EINVAL, NULL, "km.envelope_size",
			       "enveloped key: %zu octets, more than %d", len, ENVELOPE_MAX);
	}
	ERR_clear_error();
	env = (FINCA_SM2_ENVELOPED_KEY *)ASN1_item_d2i(NULL, &p, (long)len, ENV_IT);
	if (!env || p != der + len) {
		rc = err_ssl_why(FINCA_EINVAL, "km.envelope_der",
				 "enveloped key: not a GM/T 0009 SM2EnvelopedKey");
		goto out;
	}
	X509_ALGOR_get0(&obj, NULL, NULL, env->sym_alg);
	OBJ_obj2txt(out->sym_oid, sizeof out->sym_oid, obj, 1);
	if ((strcmp(out->sym_oid, SM4_ECB_OID) && strcmp(out->sym_oid, SM4_OID)) ||
	    ASN1_STRING_length(env->pub) != 65 || ASN1_STRING_get0_data(env->pub)[0] != 4 ||
	    ASN1_STRING_length(env->priv) != 32 ||
	    ASN1_STRING_length(env->sym_key->hash) != 32 ||
	    ASN1_STRING_length(env->sym_key->ct) != SYM_KEY_LEN) {
		rc = err_why(FINCA_EINVAL, NULL, "km.envelope_fields",
			     "enveloped key: a field has the wrong algorithm or size (GM/T 0009 §7.4: SM4-ECB, 65-octet public key, 32-octet private key, 16-octet SM4 key)");
		goto out;
	}
	memcpy(out->pub, ASN1_STRING_get0_data(env->pub), 65);
	memcpy(out->enc_priv, ASN1_STRING_get0_data(env->priv), 32);
	if ((n = ASN1_item_i2d((ASN1_VALUE *)env->sym_key, &c, CIPHER_IT)) <= 0) {
		rc = err_ssl_why(FINCA_ECRYPTO, "km.envelope_der", "enveloped key");
		goto out;
	}
	out->sym_cipher = malloc((size_t)n);
	if (!out->sym_cipher)
		abort();
	memcpy(out->sym_cipher, c, (size_t)n);
	out->sym_cipher_len = (size_t)n;
out:
	OPENSSL_free(c);
	ASN1_item_free((ASN1_VALUE *)env, ENV_IT);
	if (rc != FINCA_OK)
		envelope_clear(out);
	return rc;
}

int envelope_open(const struct envelope *e, EVP_PKEY *sign_key, EVP_PKEY **out)
{
	unsigned char *sym = NULL, d[32];
	size_t symlen = 0;
	int rc;

	rc = km_sm2_crypt(0, sign_key, e->sym_cipher, e->sym_cipher_len, &sym, &symlen);
	if (rc == FINCA_EINTEGRITY || (rc == FINCA_OK && symlen != SYM_KEY_LEN)) {
		rc = err_why(FINCA_EINTEGRITY, NULL, "km.wrong_key",
			     "enveloped key: does not open with this key (not the pair's signing key, or altered)");
		goto out;
	}
	if (rc != FINCA_OK)
		goto out;
	if ((rc = sm4_ecb(0, sym, e->enc_priv, d)) != FINCA_OK)
		goto out;
	rc = km_key_from_parts("SM2", d, e->pub, sizeof e->pub, out);
out:
	OPENSSL_clear_free(sym, symlen);
	OPENSSL_cleanse(d, sizeof d);
	return rc;
}

/* x as an unsigned big-endian number right-aligned in 64 octets */
static int put_coord(unsigned char *dst, const ASN1_INTEGER *x)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(x, NULL);
	int ok = bn && !BN_is_negative(bn) && BN_bn2binpad(bn, dst, 64) == 64;

	BN_free(bn);
	return ok;
}

static void put_u32(unsigned char *dst, uint32_t v)
{
	dst[0] = (unsigned char)v;
	dst[1] = (unsigned char)(v >> 8);
	dst[2] = (unsigned char)(v >> 16);
	dst[3] = (unsigned char)(v >> 24);
}

int envelope_to_skf(const struct envelope *e, unsigned char **out, size_t *len)
{
	FINCA_SM2_CIPHER *c = NULL;
	const unsigned char *p = e->sym_cipher;
	unsigned char *b, *q;
	size_t ctlen, n;
	int rc = FINCA_OK;

	ERR_clear_error();
	c = (FINCA_SM2_CIPHER *)ASN1_item_d2i(NULL, &p, (long)e->sym_cipher_len, CIPHER_IT);
	if (!c || ASN1_STRING_length(c->hash) != 32)
		return err_ssl_why(FINCA_EINVAL, "km.envelope_der", "enveloped key: SM2Cipher");
	ctlen = (size_t)ASN1_STRING_length(c->ct);
	n = SKF_ENVELOPE_FIXED + ctlen;
	q = b = xcalloc(1, n);
	put_u32(q, 1);                 /* Version */
	put_u32(q + 4, SKF_SGD_SM4_ECB); /* ulSymmAlgID */
	put_u32(q + 8, 256);           /* ulBits */
	q += 12;
	memcpy(q + 32, e->enc_priv, 32); /* cbEncryptedPriKey[64], right-aligned */
	q += 64;
	put_u32(q, 256);               /* PubKey.BitLen */
	memcpy(q + 4 + 32, e->pub + 1, 32);      /* PubKey.XCoordinate[64] */
	memcpy(q + 4 + 64 + 32, e->pub + 33, 32); /* PubKey.YCoordinate[64] */
	q += 4 + 64 + 64;
	if (!put_coord(q, c->x) || !put_coord(q + 64, c->y)) { /* ECCCipherBlob */
		rc = err_why(FINCA_EINVAL, NULL, "km.envelope_fields",
			     "enveloped key: a field has the wrong algorithm or size (GM/T 0009 §7.4: SM4-ECB, 65-octet public key, 32-octet private key, 16-octet SM4 key)");
		free(b);
		goto out;
	}
	memcpy(q + 128, ASN1_STRING_get0_data(c->hash), 32); /* HASH[32] */
	put_u32(q + 160, (uint32_t)ctlen);                   /* CipherLen */
	memcpy(q + 164, ASN1_STRING_get0_data(c->ct), ctlen); /* Cipher */
	*out = b;
	*len = n;
out:
	ASN1_item_free((ASN1_VALUE *)c, CIPHER_IT);
	return rc;
}
