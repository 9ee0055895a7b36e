/* Signatures, with SM2 done right.
 *
 * OpenSSL 3.0 only uses the GM/T 0009 default signer ID "1234567812345678"
 * for SM2 when told to, and offers no way to attach it when verifying CRLs
 * or OCSP responses.  Every SM2 signature finca makes or checks goes through
 * here, with the ID set. */
#ifndef FINCA_SIG_H
#define FINCA_SIG_H

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stddef.h>

#define SM2_DEFAULT_ID "1234567812345678"

/* A digest-sign context for key (SM3 + ID for SM2, SHA-256 otherwise), for
 * X509_sign_ctx and friends.  Caller frees with EVP_MD_CTX_free. */
int sig_sign_ctx(EVP_PKEY *key, EVP_MD_CTX **out);
/* Signs data; *sig is the caller's (OPENSSL_free). */
int sig_sign(EVP_PKEY *key, const unsigned char *data, size_t len,
	     unsigned char **sig, size_t *siglen);
/* Verifies a signature made by sig_sign.  FINCA_ECRYPTO when bad. */
int sig_verify(EVP_PKEY *pub, const unsigned char *data, size_t len,
	       const unsigned char *sig, size_t siglen);

/* The signature forms a USBKey returns: SKF (GM/T 0016) and PKCS#11 give
 * an EC or SM2 signature raw, r||s, each half the size of the curve's
 * order (64 bytes for SM2 and P-256); X.509 and OpenSSL use DER.
 * sig_raw_to_der makes the DER of a raw one (*der: OPENSSL_free);
 * FINCA_EINVAL (reason sig.form) when sig is not that size.
 * sig_verify_either verifies either form: FINCA_EINVAL for neither,
 * FINCA_ECRYPTO (sig.bad) for a signature that does not verify. */
int sig_raw_to_der(const EVP_PKEY *key, const unsigned char *raw, size_t len,
		   unsigned char **der, size_t *derlen);
int sig_verify_either(EVP_PKEY *pub, const unsigned char *data, size_t len,
		      const unsigned char *sig, size_t siglen);

/* Verifies any X.509 SIGNED{} structure in DER (certificate, CRL, CSR,
 * OCSP BasicOCSPResponse): SEQUENCE { tbs, AlgorithmIdentifier, BIT STRING }.
 * The TBS bytes are taken as they were received, not re-encoded. */
int sig_verify_signed(const unsigned char *der, size_t len, EVP_PKEY *pub);

/* Sets the SM2 ID on a certificate or CSR when its key is SM2, so that
 * libcrypto's own X509_verify / X509_verify_cert can check it. */
int sig_x509_set_sm2_id(X509 *x);

#endif
