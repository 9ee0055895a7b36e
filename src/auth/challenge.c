#include "auth/auth.h"
#include "ca/dn.h"
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
	X509_free(h->cert);
	memset(h, 0, sizeof *h);
}

static int decode_b64(const char *in, unsigned char **out, size_t *len)
{
	size_t n = strlen(in), pad = 0;
	char *t;
	int dl;

	if (n == 0 || n > 65536)
		return err_set(FINCA_EINVAL, "base64: empty or too long");
	t = xcalloc(1, n + 4);
	for (size_t i = 0; i < n; i++)
		t[i] = in[i] == '-' ? '+' : in[i] == '_' ? '/' : in[i];
	while (n % 4)
		t[n++] = '=';
	for (size_t i = n; i > 0 && t[i - 1] == '='; i--)
		pad++;
	*out = xcalloc(1, n);
	dl = EVP_DecodeBlock(*out, (unsigned char *)t, (int)n);
	free(t);
	if (dl < 0 || (size_t)dl < pad) {
		free(*out);
		*out = NULL;
		return err_set(FINCA_EINVAL, "not base64");
	}
	*len = (size_t)dl - pad;
	return FINCA_OK;
}

static X509 *parse_cert(const char *s)
{
	X509 *x = NULL;

	ERR_clear_error();
	if (strstr(s, "-----BEGIN")) {
		BIO *b = BIO_new_mem_buf(s, -1);
		x = PEM_read_bio_X509(b, NULL, NULL, NULL);
		BIO_free(b);
	} else {
		unsigned char *der = NULL;
		size_t n;
		if (decode_b64(s, &der, &n) == FINCA_OK) {
			const unsigned char *p = der;
			x = d2i_X509(NULL, &p, (long)n);
		}
		free(der);
	}
	ERR_clear_error();
	return x;
}

static void entry(X509_NAME *n, int nid, char *out, size_t len)
{
	int i = X509_NAME_get_index_by_NID(n, nid, -1);
	unsigned char *u = NULL;
	int k;

	out[0] = '\0';
	if (i < 0)
		return;
	k = ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, i)));
	if (k > 0)
		snprintf(out, len, "%.*s", k, u);
	OPENSSL_free(u);
}

int holder_verify(struct ca *ca, struct challenges *c, const char *cert,
		  const char *challenge, const char *sig, struct holder *out)
{
	unsigned char *s = NULL;
	size_t slen;
	struct cert_rec r;
	int rc;

	memset(out, 0, sizeof *out);
	memset(&r, 0, sizeof r);
	if ((out->cert = parse_cert(cert)) == NULL) {
		rc = err_set(FINCA_EINVAL, "certificate: not a PEM or base64 DER certificate");
		goto fail;
	}
	if ((rc = decode_b64(sig, &s, &slen)) != FINCA_OK) {
		rc = err_set(FINCA_EINVAL, "signature: not base64");
		goto fail;
	}
	/* the challenge is consumed first: a wrong signature burns it too,
	 * so nobody can try keys against one challenge */
	if ((rc = challenge_take(c, challenge)) != FINCA_OK)
		goto fail;
	if (sig_verify(X509_get0_pubkey(out->cert), (const unsigned char *)challenge,
		       strlen(challenge), s, slen) != FINCA_OK) {
		rc = err_set(FINCA_EAUTH,
			     "signature: not made by the certificate's key over this challenge");
		goto fail;
	}
	if ((rc = ca_verify(ca, out->cert, &out->v)) != FINCA_OK)
		goto fail;
	if (out->v.chain_ok != 1) {
		rc = err_set(FINCA_EAUTH, "certificate %s: %s", out->v.serial,
			     out->v.chain_error[0] ? out->v.chain_error : "not issued by this CA");
		goto fail;
	}
	if (strcmp(out->v.status, "valid")) {
		rc = err_set(FINCA_EAUTH, "certificate %s is %s%s%s", out->v.serial,
			     out->v.status, out->v.reason ? " " : "",
			     out->v.reason ? ca_reason_name(out->v.reason) : "");
		goto fail;
	}
	entry(X509_get_subject_name(out->cert), NID_commonName, out->name, sizeof out->name);
	entry(X509_get_subject_name(out->cert), NID_organizationName, out->unit, sizeof out->unit);
	if (store_cert_get(ca_store(ca), out->v.serial, &r) == FINCA_OK) {
		snprintf(out->id_number, sizeof out->id_number, "%s", r.id_number ? r.id_number : "");
		snprintf(out->unit_code, sizeof out->unit_code, "%s", r.unit_code ? r.unit_code : "");
	}
	out->days_to_expiry = (out->v.not_after - clock_now()) / 86400;
	cert_rec_clear(&r);
	free(s);
	return FINCA_OK;
fail:
	cert_rec_clear(&r);
	free(s);
	holder_clear(out);
	return rc;
}
