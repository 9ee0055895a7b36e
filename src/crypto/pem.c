#include "crypto/pem.h"
#include "util/err.h"
#include "util/util.h"

#include <openssl/pem.h>
#include <stdlib.h>
#include <string.h>

static char *drain(BIO *b, int ok)
{
	char *data, *s;
	long n;

	if (!ok)
		abort(); /* writing to a memory BIO fails only without memory */
	n = BIO_get_mem_data(b, &data);
	s = xcalloc(1, (size_t)n + 1);
	memcpy(s, data, (size_t)n);
	BIO_free(b);
	return s;
}

char *pem_x509(X509 *x)
{
	BIO *b = BIO_new(BIO_s_mem());

	return drain(b, b && PEM_write_bio_X509(b, x));
}

char *pem_key(EVP_PKEY *key)
{
	BIO *b = BIO_new(BIO_s_mem());

	return drain(b, b && PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL));
}

int pem_x509_write(const char *path, X509 *x)
{
	char *s = pem_x509(x);
	int rc = file_write(path, s, strlen(s), 0644);

	free(s);
	return rc;
}
