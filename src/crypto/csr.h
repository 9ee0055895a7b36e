/* PKCS#10 certification requests (RFC 2986), parsed for issuance.
 *
 * d2i_X509_REQ in OpenSSL 3.0 runs the generic key decoder for every
 * request, under locks shared by all threads: 94 us a request, and two
 * threads no faster than one.  Here the structure is walked directly and
 * libcrypto parses each part (Name, AlgorithmIdentifier, BIT STRING); the
 * key is built with EVP_PKEY_fromdata (17 us).  Attributes (extension
 * requests) are not used: the profile decides a certificate's content. */
#ifndef FINCA_CSR_H
#define FINCA_CSR_H

#include <openssl/evp.h>
#include <openssl/x509.h>

struct csr {
	X509_NAME *subject;      /* owned */
	X509_ALGOR *key_alg;     /* owned: subjectPublicKeyInfo.algorithm */
	ASN1_BIT_STRING *key_bits; /* owned: subjectPublicKey */
	EVP_PKEY *key;           /* owned */
};

/* Parses der and checks its signature with its own key (proof of
 * possession).  FINCA_EINVAL naming the problem when it is not a valid,
 * self-signed request. */
int csr_parse(const unsigned char *der, size_t len, struct csr *out);
void csr_clear(struct csr *c);

#endif
