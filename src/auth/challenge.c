#include "auth/auth.h"
#include "ca/dn.h"
#include "crypto/pem.h"
#include "crypto/sig.h"
#include "util/err.h"
#include "util/util.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Outstanding challenges: a ring (the oldest is replaced when full) with a
 * hash index, so taking one costs the same however many are open and in
 * whatever order they come back. */
#define MAX_OPEN 131072          /* a power of two */
#define NBUCKET MAX_OPEN

struct slot {
	char c[CHALLENGE_LEN + 1];   /* "" when free */
	int64_t expires;
	uint32_t next;               /* next slot in the bucket, +1; 0 ends */
};

struct challenges {
	pthread_mutex_t mu;
	struct slot *v;              /* owned, MAX_OPEN */
	uint32_t *bucket;            /* owned, NBUCKET: first slot + 1 */
	uint32_t next;               /* ring position */
};

struct challenges *challenges_new(void)
{
	struct challenges *c = xcalloc(1, sizeof *c);

	pthread_mutex_init(&c->mu, NULL);
	c->v = xcalloc(MAX_OPEN, sizeof *c->v);
	c->bucket = xcalloc(NBUCKET, sizeof *c->bucket);
	return c;
}

void challenges_free(struct challenges *c)
{
	if (!c)
		return;
	pthread_mutex_destroy(&c->mu);
	free(c->v);
	free(c->bucket);
	free(c);
}

static uint32_t hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < CHALLENGE_LEN; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h & (NBUCKET - 1);
}

/* Removes slot i from its bucket (under mu). */
static void unlink_slot(struct challenges *c, uint32_t i)
{
	uint32_t *pp = &c->bucket[hash(c->v[i].c)];

	while (*pp && *pp != i + 1)
		pp = &c->v[*pp - 1].next;
	if (*pp)
		*pp = c->v[i].next;
	c->v[i].c[0] = '\0';
	c->v[i].next = 0;
}

/* base64url without padding of n bytes */
static void b64url(const unsigned char *in, size_t n, char *out)
{
	static const char a[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t o = 0;
	uint32_t acc = 0;
	int bits = 0;

	for (size_t i = 0; i < n; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			out[o++] = a[(acc >> bits) & 63];
		}
	}
	if (bits)
		out[o++] = a[(acc << (6 - bits)) & 63];
	out[o] = '\0';
}

int challenge_issue(struct challenges *c, char *out, int64_t *expires)
{
	unsigned char r[32];
	uint32_t i;

	if (RAND_bytes(r, sizeof r) != 1)
		return err_ssl(FINCA_ECRYPTO, "random challenge");
	b64url(r, sizeof r, out);
	*expires = clock_now() + CHALLENGE_TTL;
	pthread_mutex_lock(&c->mu);
	i = c->next;
	c->next = (c->next + 1) & (MAX_OPEN - 1);
	if (c->v[i].c[0])
		unlink_slot(c, i); /* the oldest makes room */
	memcpy(c->v[i].c, out, CHALLENGE_LEN + 1);
	c->v[i].expires = *expires;
	c->v[i].next = c->bucket[hash(out)];
	c->bucket[hash(out)] = i + 1;
	pthread_mutex_unlock(&c->mu);
	return FINCA_OK;
}

int challenge_take(struct challenges *c, const char *ch)
{
	int rc = err_set(FINCA_EAUTH, "challenge: unknown or already used");
	uint32_t i;

	if (strlen(ch) != CHALLENGE_LEN)
		return err_set(FINCA_EAUTH, "challenge: malformed");
	pthread_mutex_lock(&c->mu);
	for (i = c->bucket[hash(ch)]; i; i = c->v[i - 1].next)
		if (!CRYPTO_memcmp(c->v[i - 1].c, ch, CHALLENGE_LEN)) {
			rc = c->v[i - 1].expires < clock_now() ?
			     err_set(FINCA_EAUTH, "challenge: expired") : FINCA_OK;
			unlink_slot(c, i - 1); /* single use, expired or not */
			break;
		}
	pthread_mutex_unlock(&c->mu);
	return rc;
}

void holder_clear(struct holder *h)
{
	EVP_PKEY_free(h->c.key);
	memset(h, 0, sizeof *h);
}

/* The DER of a certificate given as PEM or base64 DER (*der: free()). */
static int cert_der(const char *s, unsigned char **der, size_t *len)
{
	if (strstr(s, "-----BEGIN")) {
		BIO *b = BIO_new_mem_buf(s, -1);
		char *name = NULL, *hdr = NULL;
		unsigned char *d = NULL;
		long n = 0;
		int ok = PEM_read_bio(b, &name, &hdr, &d, &n) && !strcmp(name, "CERTIFICATE");
		BIO_free(b);
		OPENSSL_free(name);
		OPENSSL_free(hdr);
		ERR_clear_error();
		if (ok) {
			*der = xcalloc(1, (size_t)n);
			memcpy(*der, d, (size_t)n);
			*len = (size_t)n;
		}
		OPENSSL_free(d);
		return ok ? FINCA_OK : FINCA_EINVAL;
	}
	return b64_decode(s, 65536, der, len);
}

int holder_verify(struct ca *ca, struct challenges *c, struct certcache *cc,
		  const char *cert, const char *challenge, const char *sig,
		  struct holder *out)
{
	unsigned char *s = NULL, *der = NULL;
	size_t slen, dlen;
	int rc;

	memset(out, 0, sizeof *out);
	if (cert_der(cert, &der, &dlen) != FINCA_OK) {
		rc = err_set(FINCA_EINVAL, "certificate: not a PEM or base64 DER certificate");
		goto fail;
	}
	if (b64_decode(sig, 65536, &s, &slen) != FINCA_OK) {
		rc = err_set(FINCA_EINVAL, "signature: not base64");
		goto fail;
	}
	/* the challenge is consumed first: a wrong signature burns it too,
	 * so nobody can try keys against one challenge */
	if ((rc = challenge_take(c, challenge)) != FINCA_OK ||
	    (rc = certcache_check(cc, ca, der, dlen, &out->c)) != FINCA_OK)
		goto fail;
	if (sig_verify(out->c.key, (const unsigned char *)challenge, strlen(challenge),
		       s, slen) != FINCA_OK) {
		rc = err_set(FINCA_EAUTH,
			     "signature: not made by the certificate's key over this challenge");
		goto fail;
	}
	if (strcmp(out->c.status, "valid")) {
		rc = err_set(FINCA_EAUTH, "certificate %s is %s%s%s", out->c.serial,
			     out->c.status, out->c.reason ? " " : "",
			     out->c.reason ? ca_reason_name(out->c.reason) : "");
		goto fail;
	}
	out->days_to_expiry = (out->c.not_after - clock_now()) / 86400;
	free(s);
	free(der);
	return FINCA_OK;
fail:
	free(s);
	free(der);
	holder_clear(out);
	return rc;
}
