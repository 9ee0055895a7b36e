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

char *pem_pubkey(EVP_PKEY *key)
{
	BIO *b = BIO_new(BIO_s_mem());

	return drain(b, b && PEM_write_bio_PUBKEY(b, key));
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
		return err_why(FINCA_EINVAL, NULL, "pem.base64_size",
			       "base64: empty or longer than %zu", max);
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
		return err_why(FINCA_EINVAL, NULL, "pem.base64", "not base64");
	}
	*len = (size_t)dl - pad; /* DecodeBlock counts padding as zero bytes */
	return FINCA_OK;
}

char *b64_encode(const unsigned char *in, size_t len)
{
	char *s = xcalloc(1, 4 * ((len + 2) / 3) + 1);

	EVP_EncodeBlock((unsigned char *)s, in, (int)len);
	return s;
}

char *pem_encode(const char *label, const unsigned char *der, size_t len)
{
	BIO *b = BIO_new(BIO_s_mem());

	return drain(b, b && PEM_write_bio(b, label, "", der, (long)len));
}

int pem_x509_parse(const char *pem, X509 **out)
{
	BIO *b;

	if (!pem)
		return err_why(FINCA_EINVAL, NULL, "pem.no_cert", "no certificate");
	b = BIO_new_mem_buf(pem, -1);
	*out = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
	BIO_free(b);
	return *out ? FINCA_OK : err_ssl_why(FINCA_EINVAL, "pem.cert", "certificate (PEM)");
}
