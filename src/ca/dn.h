/* Distinguished names as operators type them. */
#ifndef FINCA_DN_H
#define FINCA_DN_H

#include <openssl/x509.h>

#define DN_MAX 4096

/* Parses "C=CN, O=福建省财政厅, CN=张三" (attributes in the order written,
 * C first as in X.500; '\' escapes ',', '/', '+' and '\') or OpenSSL's
 * "/C=CN/O=.../CN=...".  Values are UTF-8.  *out is the caller's. */
int dn_parse(const char *s, X509_NAME **out);
/* "C=CN, O=..., CN=..." in UTF-8, the same form dn_parse reads (caller
 * frees). */
char *dn_format(const X509_NAME *name);

/* The first nid attribute of n in UTF-8 into out ("" when absent). */
void dn_attr(const X509_NAME *n, int nid, char *out, size_t len);
#endif
