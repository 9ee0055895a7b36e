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

int b64_decode(const char *in, size_t max, unsigned char **out, size_t *len)
{
	size_t n = strlen(in), pad = 0;
	char *t;
	int dl;

	if (n == 0 || n > max)
		return err_set(FINCA_EINVAL, "base64: empty or longer than %zu", max);
	/* the URL-safe alphabet too, and padding optional */
	t = xcalloc(1, n + 4);
	for (size_t i = 0; i < n; i++)
		t[i] = in[i] == '-' ? '+' : in[i] == '_' ? '/' : in[i];
	while (n % 4)
		t[n++] = '=';
	for (size_t i = n; i > 0 && t[i - 1] == '='; i--)
		pad++;
	*out = xcalloc(1, n);
	dl = pad <= 2 ? EVP_DecodeBlock(*out, (unsigned char *)t, (int)n) : -1;
	free(t);
	if (dl < 0 || (size_t)dl < pad) {
		free(*out);
		*out = NULL;
		return err_set(FINCA_EINVAL, "not base64");
	}
	*len = (size_t)dl - pad; /* DecodeBlock counts padding as zero bytes */
	return FINCA_OK;
}
