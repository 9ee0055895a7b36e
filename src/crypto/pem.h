/* PEM text of certificates and keys, as NUL-terminated strings. */
#ifndef FINCA_PEM_H
#define FINCA_PEM_H

#include <openssl/evp.h>
#include <openssl/x509.h>

/* The PEM of x (caller frees with free()); aborts only without memory. */
char *pem_x509(X509 *x);
/* An unencrypted private key, for handing to a TLS library in memory
 * (caller cleanses and frees). */
char *pem_key(EVP_PKEY *key);
/* The public key of key as SubjectPublicKeyInfo PEM (caller frees). */
char *pem_pubkey(EVP_PKEY *key);
/* Writes x to path as PEM (0644, atomically, fsynced). */
int pem_x509_write(const char *path, X509 *x);

/* Decodes base64 (standard or URL-safe alphabet, padding optional) of at
 * most max characters into *out (caller frees with free()). */
int b64_decode(const char *in, size_t max, unsigned char **out, size_t *len);

/* Base64 of in, one line (caller frees). */
char *b64_encode(const unsigned char *in, size_t len);
/* PEM armour around der under label (caller frees). */
char *pem_encode(const char *label, const unsigned char *der, size_t len);
/* The first certificate in PEM text; *out is the caller's. */
int pem_x509_parse(const char *pem, X509 **out);
#endif
