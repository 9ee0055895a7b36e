/* The KM key, the encryption key pairs it makes, and their escrow.
 *
 * Sealing: SM2 encryption of the private scalar straight to the KM
 * public key (GM/T 0009 SM2Cipher), not an SM4 key wrapped by it.
 *   - Escrow needs only the public key (ca/km.pub): the KM private key
 *     stays locked in its file or HSM at every issuance and is opened
 *     only for a recovery.  A wrapped SM4 key would have to be unwrapped,
 *     or kept, to seal each new key.
 *   - The scalar is 32 octets, well within one SM2 encryption; SM2Cipher
 *     carries its own integrity check (C3 = SM3(x2||M||y2)), so a changed
 *     blob does not open, and there is no second key to store or rotate.
 *   - The same primitive as the envelope (envelope.c), and the one an SM2
 *     HSM offers for an unextractable key (SM2 decryption by the vendor's
 *     mechanism) when recovery is done in the HSM.
 * The sealed blob is bound to its row by the public key: opening checks
 * that the scalar gives the escrow row's (the certificate's) public key. */
#include "km/km.h"
#include "crypto/key.h"
#include "crypto/pem.h"
#include "util/err.h"
#include "util/util.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <stdlib.h>
#include <string.h>

int km_key_ensure(struct keystore *ks, const char *cadir, const char *pass)
{
	char *pubpath = path_join(cadir, "km.pub"), *pem;
	EVP_PKEY *k = NULL;
	int rc = FINCA_OK;

	if (path_exists(pubpath))
		goto out;
	rc = ks->ops->load(ks, "km", pass, &k);
	if (rc == FINCA_ENOTFOUND && !strcmp(ks->ops->name, "file")) {
		/* the first unlock since pairs came in: the KM key is made
		 * beside the CA keys, under the same passphrase */
		err_clear();
		if ((rc = key_generate(KEY_SM2, &k)) != FINCA_OK ||
		    (rc = ks->ops->save(ks, "km", k, pass)) != FINCA_OK)
			goto out;
	} else if (rc == FINCA_ENOTFOUND) {
		/* an HSM without finca-km: no pairs until one is made there */
		err_clear();
		rc = FINCA_OK;
		goto out;
	} else if (rc != FINCA_OK) {
		goto out;
	}
	pem = pem_pubkey(k);
	rc = file_write(pubpath, pem, strlen(pem), 0644);
	free(pem);
out:
	EVP_PKEY_free(k);
	free(pubpath);
	return rc;
}

int km_public_load(const char *cadir, EVP_PKEY **out)
{
	char *p = path_join(cadir, "km.pub");
	unsigned char *buf = NULL;
	size_t len;
	BIO *b = NULL;
	EVP_PKEY *k = NULL;
	int rc;

	if (!path_exists(p)) {
		rc = err_why(FINCA_ESTATE, NULL, "km.no_key",
			     "key management: no KM key (ca/km.pub; in an HSM, make an SM2 key labelled finca-km)");
		goto out;
	}
	if ((rc = file_read(p, 1 << 16, &buf, &len)) != FINCA_OK)
		goto out;
	ERR_clear_error();
	b = BIO_new_mem_buf(buf, (int)len);
	if ((k = PEM_read_bio_PUBKEY(b, NULL, NULL, NULL)) == NULL) {
		rc = err_ssl_why(FINCA_EINTEGRITY, "km.key_read", "%s", p);
		goto out;
	}
	if (!key_is_sm2(k)) {
		rc = err_why(FINCA_ECONFIG, NULL, "km.key_not_sm2",
			     "key management: the KM key must be an SM2 key (escrow is SM2 encryption)");
		goto out;
	}
	*out = k;
	k = NULL;
out:
	EVP_PKEY_free(k);
	BIO_free(b);
	free(buf);
	free(p);
	return rc;
}

int km_keypair_make(int alg, EVP_PKEY **out)
{
	if (alg != KEY_SM2 && alg != KEY_P256)
		return err_why(FINCA_EINVAL, NULL, "km.alg",
			       "key management: encryption key pairs are SM2 or P-256, not %s",
			       key_alg_name(alg));
	return key_generate(alg, out);
}

int km_key_from_parts(const char *type, const unsigned char d[32],
		      const unsigned char *pub, size_t publen, EVP_PKEY **out)
{
	int sm2 = !strcmp(type, "SM2");
	EC_GROUP *g = EC_GROUP_new_by_curve_name(sm2 ? NID_sm2 : NID_X9_62_prime256v1);
	BIGNUM *bd = BN_bin2bn(d, 32, NULL);
	EC_POINT *pt = g ? EC_POINT_new(g) : NULL;
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *pc = NULL;
	EVP_PKEY *k = NULL;
	unsigned char chk[65];
	int rc = FINCA_OK;

	ERR_clear_error();
	if (!g || !bd || !pt || !bld || !EC_POINT_mul(g, pt, bd, NULL, NULL, NULL) ||
	    EC_POINT_point2oct(g, pt, POINT_CONVERSION_UNCOMPRESSED, chk, sizeof chk,
			       NULL) != sizeof chk) {
		rc = err_ssl_why(FINCA_ECRYPTO, "km.key_parts", "encryption key's parts");
		goto out;
	}
	if (publen != sizeof chk || memcmp(chk, pub, sizeof chk)) {
		rc = err_why(FINCA_EINTEGRITY, NULL, "km.key_mismatch",
			     "key management: the private key does not give its public key (altered, or not this pair's)");
		goto out;
	}
	if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
					     sm2 ? "SM2" : "prime256v1", 0) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, bd) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, publen) ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (pc = EVP_PKEY_CTX_new_from_name(NULL, sm2 ? "SM2" : "EC", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(pc) <= 0 ||
	    EVP_PKEY_fromdata(pc, &k, EVP_PKEY_KEYPAIR, params) <= 0) {
		rc = err_ssl_why(FINCA_ECRYPTO, "km.key_parts", "encryption key's parts");
		goto out;
	}
	*out = k;
out:
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(pc);
	EC_POINT_free(pt);
	EC_GROUP_free(g);
	BN_clear_free(bd);
	OPENSSL_cleanse(chk, sizeof chk);
	return rc;
}

int km_sm2_crypt(int enc, EVP_PKEY *key, const unsigned char *in, size_t n,
		 unsigned char **out, size_t *outlen)
{
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	unsigned char *b = NULL;
	size_t len = 0;
	int rc = FINCA_OK;

	ERR_clear_error();
	if (!pc || (enc ? EVP_PKEY_encrypt_init(pc) : EVP_PKEY_decrypt_init(pc)) <= 0 ||
	    (enc ? EVP_PKEY_encrypt(pc, NULL, &len, in, n)
		 : EVP_PKEY_decrypt(pc, NULL, &len, in, n)) <= 0 ||
	    (b = OPENSSL_malloc(len ? len : 1)) == NULL ||
	    (enc ? EVP_PKEY_encrypt(pc, b, &len, in, n)
		 : EVP_PKEY_decrypt(pc, b, &len, in, n)) <= 0) {
		rc = err_ssl_why(enc ? FINCA_ECRYPTO : FINCA_EINTEGRITY, "km.sm2",
				 "SM2 %s", enc ? "encryption" : "decryption");
		goto out;
	}
	*out = b;
	*outlen = len;
	b = NULL;
out:
	OPENSSL_clear_free(b, len);
	EVP_PKEY_CTX_free(pc);
	return rc;
}

int km_escrow_seal(EVP_PKEY *km_pub, EVP_PKEY *key, unsigned char **out, size_t *len)
{
	unsigned char d[32], *ct = NULL;
	size_t ctlen = 0;
	BIGNUM *bn = NULL;
	int rc;

	ERR_clear_error();
	if (!EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_PRIV_KEY, &bn) ||
	    BN_bn2binpad(bn, d, sizeof d) != (int)sizeof d) {
		rc = err_ssl_why(FINCA_ECRYPTO, "km.key_parts", "encryption key's parts");
		goto out;
	}
	if ((rc = km_sm2_crypt(1, km_pub, d, sizeof d, &ct, &ctlen)) != FINCA_OK)
		goto out;
	*out = xcalloc(1, ctlen);
	memcpy(*out, ct, ctlen);
	*len = ctlen;
out:
	OPENSSL_cleanse(d, sizeof d);
	BN_clear_free(bn);
	OPENSSL_clear_free(ct, ctlen);
	return rc;
}

int km_escrow_open(EVP_PKEY *km_key, const unsigned char *sealed, size_t len,
		   EVP_PKEY *pub, EVP_PKEY **out)
{
	unsigned char *d = NULL, p[65];
	size_t dlen = 0, plen = 0;
	int rc;

	if ((rc = km_sm2_crypt(0, km_key, sealed, len, &d, &dlen)) != FINCA_OK) {
		if (rc == FINCA_EINTEGRITY)
			rc = err_why(rc, NULL, "km.escrow_open",
				     "escrow: the sealed key does not open with this KM key");
		goto out;
	}
	ERR_clear_error();
	if (dlen != 32 ||
	    !EVP_PKEY_get_octet_string_param(pub, OSSL_PKEY_PARAM_PUB_KEY, p, sizeof p, &plen)) {
		rc = err_why(FINCA_EINTEGRITY, NULL, "km.key_mismatch",
			     "key management: the private key does not give its public key (altered, or not this pair's)");
		goto out;
	}
	rc = km_key_from_parts(key_is_sm2(pub) ? "SM2" : "EC", d, p, plen, out);
out:
	OPENSSL_clear_free(d, dlen);
	return rc;
}

int km_escrow_keep(struct store *st, int64_t enc_id, int64_t sign_id,
		   const char *key_alg, const unsigned char *sealed, size_t len)
{
	struct escrow_rec e;

	memset(&e, 0, sizeof e);
	e.enc_cert = enc_id;
	e.sign_cert = sign_id;
	e.key_alg = key_alg;
	e.sealed = sealed;
	e.sealed_len = len;
	e.created_at = clock_now();
	return store_escrow_insert(st, &e);
}
