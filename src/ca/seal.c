/* Secrets the CA keeps for later (a token's SO PIN): AES-256-GCM under a
 * key derived with HKDF-SHA256 from the service CA's private key, which is
 * always an encrypted file (also when the CA keys are in an HSM), so that
 * only an unlocked CA can open them.  Format: 12-byte nonce, ciphertext,
 * 16-byte tag; aad binds a secret to what it belongs to (a token serial). */
#include "ca/ca.h"
#include "util/err.h"
#include "util/util.h"

#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>
#include <string.h>

#define NONCE 12
#define TAG 16

static int seal_key(struct ca *ca, unsigned char key[32])
{
	static const char info[] = "finca sealed secrets v1";
	unsigned char priv[32];
	BIGNUM *d = NULL;
	EVP_KDF *kdf = NULL;
	EVP_KDF_CTX *kc = NULL;
	OSSL_PARAM p[4];
	int rc = FINCA_OK;

	if (!ca->service_key)
		return err_why(FINCA_EAUTH, NULL, "ca.locked",
			       "the CA is locked: its passphrase is needed");
	if (!EVP_PKEY_get_bn_param(ca->service_key, OSSL_PKEY_PARAM_PRIV_KEY, &d) ||
	    BN_bn2binpad(d, priv, sizeof priv) < 0 ||
	    (kdf = EVP_KDF_fetch(NULL, "HKDF", NULL)) == NULL ||
	    (kc = EVP_KDF_CTX_new(kdf)) == NULL) {
		rc = err_ssl_why(FINCA_ECRYPTO, "seal.key", "sealing key");
		goto out;
	}
	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, "SHA256", 0);
	p[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, priv, sizeof priv);
	p[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info,
						 sizeof info - 1);
	p[3] = OSSL_PARAM_construct_end();
	if (EVP_KDF_derive(kc, key, 32, p) <= 0)
		rc = err_ssl_why(FINCA_ECRYPTO, "seal.key", "sealing key");
out:
	OPENSSL_cleanse(priv, sizeof priv);
	BN_clear_free(d);
	EVP_KDF_CTX_free(kc);
	EVP_KDF_free(kdf);
	return rc;
}

/* One AES-256-GCM pass; enc: seal, else open (tag checked). */
static int gcm(struct ca *ca, int enc, const char *aad, const unsigned char *nonce,
	       const unsigned char *in, size_t n, unsigned char *out, unsigned char *tag)
{
	unsigned char key[32];
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int len, rc;

	if ((rc = seal_key(ca, key)) != FINCA_OK)
		goto out;
	if (!c || !EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, key, nonce, enc) ||
	    !EVP_CipherUpdate(c, NULL, &len, (const unsigned char *)aad, (int)strlen(aad)) ||
	    !EVP_CipherUpdate(c, out, &len, in, (int)n) ||
	    (!enc && !EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, TAG, tag)) ||
	    !EVP_CipherFinal_ex(c, out + len, &len) ||
	    (enc && !EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, TAG, tag)))
		rc = enc ? err_why(FINCA_EINTEGRITY, NULL, "seal.seal", "sealed secret of %s: %s",
				   aad, "cannot seal")
			 : err_why(FINCA_EINTEGRITY, NULL, "seal.open", "sealed secret of %s: %s",
				   aad, "does not open (wrong CA or altered)");
out:
	OPENSSL_cleanse(key, sizeof key);
	EVP_CIPHER_CTX_free(c);
	return rc;
}

int ca_seal(struct ca *ca, const char *aad, const char *secret,
	    unsigned char **out, size_t *outlen)
{
	size_t n = strlen(secret);
	unsigned char *b = xcalloc(1, NONCE + n + TAG);
	int rc;

	if (RAND_bytes(b, NONCE) != 1)
		rc = err_ssl_why(FINCA_ECRYPTO, "seal.nonce", "nonce");
	else
		rc = gcm(ca, 1, aad, b, (const unsigned char *)secret, n, b + NONCE,
			 b + NONCE + n);
	if (rc != FINCA_OK) {
		free(b);
		return rc;
	}
	*out = b;
	*outlen = NONCE + n + TAG;
	return FINCA_OK;
}

int ca_unseal(struct ca *ca, const char *aad, const unsigned char *in, size_t len,
	      char **out)
{
	char *s;
	int rc;

	if (len < NONCE + TAG)
		return err_why(FINCA_EINTEGRITY, NULL, "seal.truncated",
			       "sealed secret of %s: truncated", aad);
	s = xcalloc(1, len - NONCE - TAG + 1);
	rc = gcm(ca, 0, aad, in, in + NONCE, len - NONCE - TAG, (unsigned char *)s,
		 (unsigned char *)in + len - TAG);
	if (rc != FINCA_OK) {
		OPENSSL_cleanse(s, len - NONCE - TAG);
		free(s);
		return rc;
	}
	*out = s;
	return FINCA_OK;
}
