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
#include <stdint.h>
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

/* --- the PKCS#11 envelope of a P-256 encryption key ---
 *
 * Why not GM/T 0009: its SM4 key is SM2-encrypted to the signing key, and
 * a token that has no SM2 (SoftHSM2, any P-256 USBKey) cannot open it.
 * What every PKCS#11 token with EC keys can do without the private key
 * ever reaching the host is ECDH and key unwrapping, so the envelope is
 * made for exactly that pair of calls:
 *
 *   C_DeriveKey(CKM_ECDH1_DERIVE {kdf CKD_NULL, ephemeral point},
 *               signing private key) -> AES-256 session key, unwrap only
 *   C_UnwrapKey(CKM_AES_KEY_WRAP_PAD, that key, wrappedKey)
 *               -> the encryption private key as a token object
 *
 *   FincaP11EnvelopedKey ::= SEQUENCE {
 *     version       INTEGER (1),  -- P-256, ECDH CKD_NULL, AES-256-KWP
 *     ephemeral     OCTET STRING, -- 65: 04||x||y, a fresh P-256 key
 *     encPublicKey  OCTET STRING, -- 65: 04||x||y, the enveloped key's
 *     wrappedKey    OCTET STRING } -- RFC 5649 AES-KWP of the PKCS#8
 *                                  -- PrivateKeyInfo of the key
 *
 * The AES key is Z, the x-coordinate of the shared point (SEC 1 §3.3.1),
 * as CKD_NULL hands it out: 32 octets for P-256, the length of AES-256.
 * XXX: Z is not a uniformly random string; a KDF (CKD_SHA256_KDF) would
 * be better, but SoftHSM2 2.6 and most USBKeys take CKD_NULL only.  The
 * ephemeral key is used once, and KWP's integrity check makes any other
 * key or an altered blob fail to unwrap.  Format name in km_envelope:
 * "p11ecdh". */

#define P11ENV_VERSION 1

typedef struct {
	ASN1_INTEGER *version;
	ASN1_OCTET_STRING *eph;
	ASN1_OCTET_STRING *pub;
	ASN1_OCTET_STRING *wrapped;
} FINCA_P11_ENVELOPED_KEY;

ASN1_SEQUENCE(FINCA_P11_ENVELOPED_KEY) = {
	ASN1_SIMPLE(FINCA_P11_ENVELOPED_KEY, version, ASN1_INTEGER),
	ASN1_SIMPLE(FINCA_P11_ENVELOPED_KEY, eph, ASN1_OCTET_STRING),
	ASN1_SIMPLE(FINCA_P11_ENVELOPED_KEY, pub, ASN1_OCTET_STRING),
	ASN1_SIMPLE(FINCA_P11_ENVELOPED_KEY, wrapped, ASN1_OCTET_STRING),
} static_ASN1_SEQUENCE_END(FINCA_P11_ENVELOPED_KEY)

#define P11ENV_IT ASN1_ITEM_rptr(FINCA_P11_ENVELOPED_KEY)

void envelope_p11_clear(struct envelope_p11 *e)
{
	if (!e)
		return;
	free(e->wrapped);
	OPENSSL_cleanse(e, sizeof *e);
}

int envelope_p11_fits(EVP_PKEY *k)
{
	char g[32];

	return EVP_PKEY_is_a(k, "EC") &&
	       EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, g, sizeof g, NULL) &&
	       !strcmp(g, "prime256v1");
}

/* The uncompressed point of a P-256 key into pt. */
static int point_of(EVP_PKEY *k, unsigned char pt[65])
{
	size_t n = 0;

	return EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_PUB_KEY, pt, 65, &n) &&
	       n == 65 && pt[0] == 4;
}

/* The P-256 public key of point pt (*out: the caller's). */
static int p256_public(const unsigned char pt[65], EVP_PKEY **out)
{
	OSSL_PARAM params[3];
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	int ok;

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
						     (char *)"prime256v1", 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)pt, 65);
	params[2] = OSSL_PARAM_construct_end();
	ok = c && EVP_PKEY_fromdata_init(c) > 0 &&
	     EVP_PKEY_fromdata(c, out, EVP_PKEY_PUBLIC_KEY, params) > 0;
	EVP_PKEY_CTX_free(c);
	return ok;
}

/* Z = ECDH(priv, peer) (32 octets). */
static int ecdh_z(EVP_PKEY *priv, EVP_PKEY *peer, unsigned char z[32])
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, priv, NULL);
	size_t n = 32;
	int ok;

	ok = c && EVP_PKEY_derive_init(c) > 0 && EVP_PKEY_derive_set_peer(c, peer) > 0 &&
	     EVP_PKEY_derive(c, z, &n) > 0 && n == 32;
	EVP_PKEY_CTX_free(c);
	return ok;
}

/* AES-256-KWP (RFC 5649) of in under kek; *out (malloc) is the caller's. */
static int kwp(int enc, const unsigned char kek[32], const unsigned char *in, size_t n,
	       unsigned char **out, size_t *outlen)
{
	EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, "AES-256-WRAP-PAD", NULL);
	EVP_CIPHER_CTX *cx = EVP_CIPHER_CTX_new();
	unsigned char *b = xcalloc(1, n + 16);
	int l = 0, m = 0, ok;

	EVP_CIPHER_CTX_set_flags(cx, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
	ok = c && cx && n <= INT32_MAX && EVP_CipherInit_ex2(cx, c, kek, NULL, enc, NULL) &&
	     EVP_CipherUpdate(cx, b, &l, in, (int)n) && EVP_CipherFinal_ex(cx, b + l, &m);
	EVP_CIPHER_CTX_free(cx);
	EVP_CIPHER_free(c);
	if (!ok) {
		OPENSSL_clear_free(b, n + 16);
		return 0;
	}
	*out = b;
	*outlen = (size_t)(l + m);
	return 1;
}

int envelope_p11_build(EVP_PKEY *key, EVP_PKEY *to, unsigned char **der, size_t *len)
{
	FINCA_P11_ENVELOPED_KEY *env = NULL;
	EVP_PKEY *eph = NULL;
	PKCS8_PRIV_KEY_INFO *p8 = NULL;
	unsigned char z[32], ept[65], kpt[65], *p8der = NULL, *w = NULL, *out = NULL;
	size_t wlen = 0;
	int p8len = 0, n, rc;

	if (!envelope_p11_fits(key) || !envelope_p11_fits(to)) {
		rc = err_why(FINCA_EINVAL, NULL, "km.envelope_ec",
			     "enveloped key: the PKCS#11 envelope is a P-256 key to a P-256 signing key");
		goto out;
	}
	ERR_clear_error();
	if ((rc = key_generate(KEY_P256, &eph)) != FINCA_OK)
		goto out;
	if (!point_of(eph, ept) || !point_of(key, kpt) || !ecdh_z(eph, to, z) ||
	    (p8 = EVP_PKEY2PKCS8(key)) == NULL ||
	    (p8len = i2d_PKCS8_PRIV_KEY_INFO(p8, &p8der)) <= 0 ||
	    !kwp(1, z, p8der, (size_t)p8len, &w, &wlen) ||
	    (env = (FINCA_P11_ENVELOPED_KEY *)ASN1_item_new(P11ENV_IT)) == NULL ||
	    !ASN1_INTEGER_set(env->version, P11ENV_VERSION) ||
	    !ASN1_OCTET_STRING_set(env->eph, ept, sizeof ept) ||
	    !ASN1_OCTET_STRING_set(env->pub, kpt, sizeof kpt) ||
	    !ASN1_OCTET_STRING_set(env->wrapped, w, (int)wlen) ||
	    (n = ASN1_item_i2d((ASN1_VALUE *)env, &out, P11ENV_IT)) <= 0) {
		rc = err_ssl_why(FINCA_ECRYPTO, "km.envelope_build", "enveloped key");
		goto out;
	}
	*der = xcalloc(1, (size_t)n);
	memcpy(*der, out, (size_t)n);
	*len = (size_t)n;
	rc = FINCA_OK;
out:
	OPENSSL_cleanse(z, sizeof z);
	if (p8der)
		OPENSSL_clear_free(p8der, (size_t)p8len);
	PKCS8_PRIV_KEY_INFO_free(p8);
	free(w);
	OPENSSL_free(out);
	ASN1_item_free((ASN1_VALUE *)env, P11ENV_IT);
	EVP_PKEY_free(eph);
	return rc;
}

int envelope_p11_parse(const unsigned char *der, size_t len, struct envelope_p11 *out)
{
	FINCA_P11_ENVELOPED_KEY *env = NULL;
	const unsigned char *p = der;
	int wl, rc = FINCA_OK;

	memset(out, 0, sizeof *out);
	if (len > ENVELOPE_MAX)
		return err_why(FINCA_EINVAL, NULL, "km.envelope_size",
			       "enveloped key: %zu octets, more than %d", len, ENVELOPE_MAX);
	ERR_clear_error();
	env = (FINCA_P11_ENVELOPED_KEY *)ASN1_item_d2i(NULL, &p, (long)len, P11ENV_IT);
	if (!env || p != der + len) {
		rc = err_ssl_why(FINCA_EINVAL, "km.envelope_ec_der",
				 "enveloped key: not a finca PKCS#11 envelope (FincaP11EnvelopedKey)");
		goto out;
	}
	wl = ASN1_STRING_length(env->wrapped);
	if (ASN1_INTEGER_get(env->version) != P11ENV_VERSION ||
	    ASN1_STRING_length(env->eph) != 65 || ASN1_STRING_get0_data(env->eph)[0] != 4 ||
	    ASN1_STRING_length(env->pub) != 65 || ASN1_STRING_get0_data(env->pub)[0] != 4 ||
	    wl < 16 || wl % 8) {
		rc = err_why(FINCA_EINVAL, NULL, "km.envelope_ec_fields",
			     "enveloped key: a field has the wrong version or size (version 1, 65-octet points, a key wrap of whole 8-octet blocks)");
		goto out;
	}
	memcpy(out->eph, ASN1_STRING_get0_data(env->eph), 65);
	memcpy(out->pub, ASN1_STRING_get0_data(env->pub), 65);
	out->wrapped = xcalloc(1, (size_t)wl);
	memcpy(out->wrapped, ASN1_STRING_get0_data(env->wrapped), (size_t)wl);
	out->wrapped_len = (size_t)wl;
out:
	ASN1_item_free((ASN1_VALUE *)env, P11ENV_IT);
	return rc;
}

int envelope_p11_open(const struct envelope_p11 *e, EVP_PKEY *sign_key, EVP_PKEY **out)
{
	EVP_PKEY *eph = NULL, *k = NULL;
	PKCS8_PRIV_KEY_INFO *p8 = NULL;
	unsigned char z[32], *p8der = NULL, pt[65];
	const unsigned char *p;
	size_t p8len = 0;
	int rc = FINCA_OK;

	ERR_clear_error();
	if (!p256_public(e->eph, &eph) || !ecdh_z(sign_key, eph, z)) {
		rc = err_ssl_why(FINCA_ECRYPTO, "km.envelope_ec",
				 "enveloped key: the PKCS#11 envelope is a P-256 key to a P-256 signing key");
		goto out;
	}
	if (!kwp(0, z, e->wrapped, e->wrapped_len, &p8der, &p8len)) {
		rc = err_why(FINCA_EINTEGRITY, NULL, "km.wrong_key",
			     "enveloped key: does not open with this key (not the pair's signing key, or altered)");
		goto out;
	}
	p = p8der;
	if ((p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, (long)p8len)) == NULL ||
	    (k = EVP_PKCS82PKEY(p8)) == NULL || !point_of(k, pt) || memcmp(pt, e->pub, 65)) {
		rc = err_why(FINCA_EINTEGRITY, NULL, "km.key_mismatch",
			     "key management: the private key does not give its public key (altered, or not this pair's)");
		goto out;
	}
	*out = k;
	k = NULL;
out:
	OPENSSL_cleanse(z, sizeof z);
	if (p8der)
		OPENSSL_clear_free(p8der, p8len);
	PKCS8_PRIV_KEY_INFO_free(p8);
	EVP_PKEY_free(k);
	EVP_PKEY_free(eph);
	return rc;
}
