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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Outstanding challenges: a table with a hash index, so taking one costs
 * the same however many are open and in whatever order they come back,
 * and an age list: when the table is full, the oldest of all goes.
 *
 * Each challenge has an owner (who asked: a source address, an application
 * system) and an owner has at most a quota outstanding, kept as a list
 * oldest first: beyond the quota its own oldest goes (and its expired
 * ones).  So one owner's flood pushes out only its own challenges; to
 * fill the table and push out others' takes max / quota owners at once.
 * An owner exists while it has challenges, so owners never outnumber
 * slots. */

struct slot {
	char c[CHALLENGE_LEN + 1];   /* "" when free */
	int64_t expires;
	uint32_t next;               /* next slot in the bucket, or free, +1 */
	uint32_t older, younger;     /* neighbours in the age list, +1 */
	uint32_t owner;              /* its owner, +1 */
	uint32_t onext;              /* the owner's next younger slot, +1 */
};

struct owner {
	uint64_t key;                /* owner_key() of its name */
	uint32_t head, tail;         /* its oldest and youngest slot, +1 */
	uint32_t n;                  /* its slots */
	uint32_t next;               /* next owner in the bucket, or free, +1 */
};

struct challenges {
	pthread_mutex_t mu;
	uint32_t max;                /* slots, owners, buckets: a power of two */
	struct slot *v;              /* owned, max */
	uint32_t *bucket;            /* owned, max: first slot + 1 */
	struct owner *o;             /* owned, max */
	uint32_t *obucket;           /* owned, max: first owner + 1 */
	uint32_t sfree, ofree;       /* first free slot, owner, +1 */
	uint32_t oldest, youngest;   /* ends of the age list, +1 */
	uint64_t seed;               /* owner_key(): unguessable collisions */
};

struct challenges *challenges_new(uint32_t max)
{
	struct challenges *c = xcalloc(1, sizeof *c);

	pthread_mutex_init(&c->mu, NULL);
	c->max = max;
	c->v = xcalloc(max, sizeof *c->v);
	c->bucket = xcalloc(max, sizeof *c->bucket);
	c->o = xcalloc(max, sizeof *c->o);
	c->obucket = xcalloc(max, sizeof *c->obucket);
	for (uint32_t i = 0; i + 1 < max; i++)
		c->v[i].next = c->o[i].next = i + 2;
	c->sfree = c->ofree = 1;
	if (RAND_bytes((unsigned char *)&c->seed, sizeof c->seed) != 1)
		c->seed = (uint64_t)clock_now();
	return c;
}

void challenges_free(struct challenges *c)
{
	if (!c)
		return;
	pthread_mutex_destroy(&c->mu);
	free(c->v);
	free(c->bucket);
	free(c->o);
	free(c->obucket);
	free(c);
}

static uint32_t hash(const struct challenges *c, const char *s)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < CHALLENGE_LEN; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h & (c->max - 1);
}

/* 64-bit FNV-1a of the name, seeded: two owners that collide share a quota,
 * and nobody outside can choose names that do. */
static uint64_t owner_key(const struct challenges *c, const char *name)
{
	uint64_t h = 14695981039346656037u ^ c->seed;

	for (; *name; name++)
		h = (h ^ (unsigned char)*name) * 1099511628211u;
	return h;
}

/* The owner of key, +1, or 0; with make, made when missing (under mu;
 * there is always a free one: each owner has a slot, and the caller holds
 * a free slot). */
static uint32_t owner_get(struct challenges *c, uint64_t key, int make)
{
	uint32_t *b = &c->obucket[key & (c->max - 1)], i;

	for (i = *b; i; i = c->o[i - 1].next)
		if (c->o[i - 1].key == key)
			return i;
	if (!make)
		return 0;
	i = c->ofree;
	c->ofree = c->o[i - 1].next;
	memset(&c->o[i - 1], 0, sizeof c->o[i - 1]);
	c->o[i - 1].key = key;
	c->o[i - 1].next = *b;
	*b = i;
	return i;
}

/* Frees slot i: out of its bucket, the age list and its owner's list (the
 * owner too when it was its last), onto the free list (under mu). */
static void unlink_slot(struct challenges *c, uint32_t i)
{
	struct slot *s = &c->v[i];
	struct owner *o = &c->o[s->owner - 1];
	uint32_t *pp = &c->bucket[hash(c, s->c)], prev = 0;

	while (*pp != i + 1)
		pp = &c->v[*pp - 1].next;
	*pp = s->next;
	*(s->older ? &c->v[s->older - 1].younger : &c->oldest) = s->younger;
	*(s->younger ? &c->v[s->younger - 1].older : &c->youngest) = s->older;
	for (pp = &o->head; *pp != i + 1; pp = &c->v[*pp - 1].onext)
		prev = *pp;
	*pp = s->onext;
	if (o->tail == i + 1)
		o->tail = prev;
	if (--o->n == 0) {
		for (pp = &c->obucket[o->key & (c->max - 1)]; *pp != s->owner;
		     pp = &c->o[*pp - 1].next)
			;
		*pp = o->next;
		o->next = c->ofree;
		c->ofree = s->owner;
	}
	memset(s, 0, sizeof *s);
	s->next = c->sfree;
	c->sfree = i + 1;
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

int challenge_issue(struct challenges *c, const char *owner, int quota, char *out,
		    int64_t *expires)
{
	uint64_t key = owner_key(c, owner);
	int64_t now = clock_now();
	unsigned char r[32];
	uint32_t i, o;

	if (RAND_bytes(r, sizeof r) != 1)
		return err_ssl_why(FINCA_ECRYPTO, "auth.random", "random challenge");
	b64url(r, sizeof r, out);
	*expires = now + CHALLENGE_TTL;
	pthread_mutex_lock(&c->mu);
	/* the owner's expired ones, then its oldest beyond the quota */
	while ((o = owner_get(c, key, 0)) != 0 &&
	       (c->v[c->o[o - 1].head - 1].expires < now || c->o[o - 1].n >= (uint32_t)quota))
		unlink_slot(c, c->o[o - 1].head - 1);
	if (!c->sfree)
		unlink_slot(c, c->oldest - 1); /* full: the oldest of all makes room */
	i = c->sfree - 1;
	c->sfree = c->v[i].next;
	o = owner_get(c, key, 1);
	memcpy(c->v[i].c, out, CHALLENGE_LEN + 1);
	c->v[i].expires = *expires;
	c->v[i].next = c->bucket[hash(c, out)];
	c->bucket[hash(c, out)] = i + 1;
	c->v[i].older = c->youngest;
	*(c->youngest ? &c->v[c->youngest - 1].younger : &c->oldest) = i + 1;
	c->youngest = i + 1;
	c->v[i].owner = o;
	*(c->o[o - 1].tail ? &c->v[c->o[o - 1].tail - 1].onext : &c->o[o - 1].head) = i + 1;
	c->o[o - 1].tail = i + 1;
	c->o[o - 1].n++;
	pthread_mutex_unlock(&c->mu);
	return FINCA_OK;
}

int challenge_take(struct challenges *c, const char *ch)
{
	int rc = err_why(FINCA_EAUTH, NULL, "challenge.unknown",
			 "challenge: unknown or already used");
	uint32_t i;

	if (strlen(ch) != CHALLENGE_LEN)
		return err_why(FINCA_EAUTH, NULL, "challenge.malformed", "challenge: malformed");
	pthread_mutex_lock(&c->mu);
	for (i = c->bucket[hash(c, ch)]; i; i = c->v[i - 1].next)
		if (!CRYPTO_memcmp(c->v[i - 1].c, ch, CHALLENGE_LEN)) {
			rc = c->v[i - 1].expires < clock_now() ?
			     err_why(FINCA_EAUTH, NULL, "challenge.expired",
				     "challenge: expired") : FINCA_OK;
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

/* holder_verify over the text purpose + challenge (purpose "" for a
 * login). */
static int verify(struct ca *ca, struct challenges *c, struct certcache *cc, const char *cert,
		  const char *purpose, const char *challenge, const char *sig,
		  struct holder *out)
{
	unsigned char *s = NULL, *der = NULL;
	size_t slen, dlen;
	char *text = NULL;
	int rc;

	memset(out, 0, sizeof *out);
	if (cert_der(cert, &der, &dlen) != FINCA_OK) {
		rc = err_why_of(FINCA_EINVAL, "certificate", "challenge.cert",
				"certificate: not a PEM or base64 DER certificate");
		goto fail;
	}
	if (b64_decode(sig, 65536, &s, &slen) != FINCA_OK) {
		rc = err_why_of(FINCA_EINVAL, "signature", "challenge.sig_base64",
				"signature: not base64");
		goto fail;
	}
	/* the challenge is consumed first: a wrong signature burns it too,
	 * so nobody can try keys against one challenge */
	if ((rc = challenge_take(c, challenge)) != FINCA_OK ||
	    (rc = certcache_check(cc, ca, der, dlen, &out->c)) != FINCA_OK)
		goto fail;
	/* DER or raw r||s (USBKeys), over purpose and the challenge; a
	 * signature of neither form is named as such, one that does not
	 * verify as a bad signature */
	if (asprintf(&text, "%s%s", purpose, challenge) < 0)
		abort();
	rc = sig_verify_either(out->c.key, (const unsigned char *)text, strlen(text), s, slen);
	if (rc == FINCA_EINVAL) {
		/* a failed proof all the same: a login counts it against the
		 * address (throttle.sh: "AAAA" as a signature locks it) */
		rc = err_why_of(FINCA_EAUTH, "signature", "challenge.sig_form",
				"signature: %zu bytes, neither DER nor a raw r||s of the "
				"certificate's key", slen);
		goto fail;
	}
	if (rc != FINCA_OK) {
		rc = err_why_of(FINCA_EAUTH, "signature", "challenge.sig_bad",
				"signature: bad signature (it does not verify over this "
				"challenge with the certificate's public key)");
		goto fail;
	}
	if (strcmp(out->c.status, "valid")) {
		rc = account_cert_refused(out->c.serial, out->c.status,
					  out->c.reason ? ca_reason_name(out->c.reason) : NULL);
		goto fail;
	}
	out->days_to_expiry = (out->c.not_after - clock_now()) / 86400;
	free(text);
	free(s);
	free(der);
	return FINCA_OK;
fail:
	free(text);
	free(s);
	free(der);
	holder_clear(out);
	return rc;
}

int holder_verify(struct ca *ca, struct challenges *c, struct certcache *cc,
		  const char *cert, const char *challenge, const char *sig,
		  struct holder *out)
{
	return verify(ca, c, cc, cert, "", challenge, sig, out);
}

int holder_verify_pin_proof(struct ca *ca, struct challenges *c, struct certcache *cc,
			    const char *cert, const char *challenge, const char *sig,
			    struct holder *out)
{
	return verify(ca, c, cc, cert, AUTH_PIN_PROOF, challenge, sig, out);
}
