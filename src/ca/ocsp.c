#include "ca/ocsp.h"
#include "crypto/key.h"
#include "crypto/sig.h"
#include "util/err.h"
#include "util/util.h"

#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NBUCKETS 65536

/* the CertID hashes clients use: SHA-1 (most), SHA-256, SM3 */
static const int id_mds[3] = { NID_sha1, NID_sha256, NID_sm3 };

struct entry {
	struct entry *next;
	unsigned char serial[20];
	size_t serial_len;
	int md_nid;               /* CertID hash of the request it answers */
	int64_t produced, next_update;
	unsigned char *der;       /* OCSPResponse, owned */
	size_t len;
};

struct ocsp_responder {
	struct ca *ca;            /* borrowed */
	int validity;             /* seconds from thisUpdate to nextUpdate */
	pthread_rwlock_t lock;    /* signer, cache, seen_seq */
	X509 *signer;             /* owned */
	EVP_PKEY *signer_key;     /* owned, in memory only */
	int64_t signer_from, signer_until;
	struct entry **buckets;   /* owned */
	int64_t seen_seq;         /* status log position the cache reflects */
	OCSP_CERTID *issuer_ids[3]; /* owned: the issuing CA by SHA-1, SHA-256,
				 * SM3 (clients choose the CertID hash) */
	struct ocsp_stats stats;  /* stats.push: the watcher keeps seen_seq current */
	pthread_t watcher;        /* when watching */
	int watching;
	atomic_int stop;          /* the watcher's */
};

static size_t bucket_of(const unsigned char *s, size_t n)
{
	uint32_t h = 2166136261u; /* FNV-1a: serials are random already */

	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 16777619u;
	return h & (NBUCKETS - 1);
}

static void entry_free(struct entry *e)
{
	if (e) {
		free(e->der);
		free(e);
	}
}

/* Under the write lock. */
static void drop(struct ocsp_responder *r, const unsigned char *s, size_t n)
{
	struct entry **pp = &r->buckets[bucket_of(s, n)];

	while (*pp) {
		struct entry *e = *pp;
		if (e->serial_len == n && !memcmp(e->serial, s, n)) {
			*pp = e->next;
			entry_free(e);
		} else {
			pp = &e->next;
		}
	}
}

static void drop_all(struct ocsp_responder *r)
{
	for (size_t i = 0; i < NBUCKETS; i++) {
		while (r->buckets[i]) {
			struct entry *e = r->buckets[i];
			r->buckets[i] = e->next;
			entry_free(e);
		}
	}
}

static int64_t asn1_time(const ASN1_TIME *t)
{
	struct tm tm;

	return ASN1_TIME_to_tm(t, &tm) ? (int64_t)timegm(&tm) : 0;
}

/* Issues a fresh delegated signer: a new key and a certificate of profile
 * "ocsp", both kept in memory only (RFC 6960 4.2.2.2). */
static int new_signer(struct ocsp_responder *r)
{
	struct issue_req rq;
	EVP_PKEY *key = NULL;
	X509 *x = NULL;
	char subj[300];
	int rc;

	memset(&rq, 0, sizeof rq);
	snprintf(subj, sizeof subj, "C=CN, O=%s, CN=%s OCSP Responder",
		 r->ca->cfg->name, r->ca->cfg->name);
	if ((rc = key_generate(key_alg_parse(r->ca->algorithm), &key)) != FINCA_OK)
		return rc;
	rq.profile = "ocsp";
	rq.pubkey = key;
	rq.subject = subj;
	rq.action = "ocsp.signer";
	if ((rc = ca_issue_one(r->ca, &r->ca->self, &rq, &x)) != FINCA_OK) {
		EVP_PKEY_free(key);
		return err_wrap(rc, "issuing the OCSP signer");
	}
	pthread_rwlock_wrlock(&r->lock);
	X509_free(r->signer);
	EVP_PKEY_free(r->signer_key);
	r->signer = x;
	r->signer_key = key;
	r->signer_from = asn1_time(X509_get0_notBefore(x));
	r->signer_until = asn1_time(X509_get0_notAfter(x));
	drop_all(r); /* cached answers name the old signer */
	pthread_rwlock_unlock(&r->lock);
	return FINCA_OK;
}

/* A read-only node (ca_open_readonly: an OCSP replica on a standby)
 * cannot record a delegated signer, and a certificate finca issued but
 * did not record is one it could not account for: the issuing CA signs
 * the answers itself (RFC 6960 4.2.2.2, the first of the three signers a
 * client accepts); its certificate goes in every answer. */
static int ca_signs(struct ocsp_responder *r)
{
	if (!r->ca->issuing || !r->ca->issuing_key)
		return err_why(FINCA_EAUTH, NULL, "ca.key_locked", "the issuing CA key is locked");
	X509_up_ref(r->ca->issuing);
	EVP_PKEY_up_ref(r->ca->issuing_key);
	r->signer = r->ca->issuing;
	r->signer_key = r->ca->issuing_key;
	r->signer_from = asn1_time(X509_get0_notBefore(r->signer));
	r->signer_until = asn1_time(X509_get0_notAfter(r->signer));
	return FINCA_OK;
}

int ocsp_maintain(struct ocsp_responder *r)
{
	int64_t now = clock_now(), from, until;

	if (r->ca->readonly)
		return FINCA_OK; /* the CA's own certificate: nothing to renew */

	pthread_rwlock_rdlock(&r->lock);
	from = r->signer_from;
	until = r->signer_until;
	pthread_rwlock_unlock(&r->lock);
	if (r->signer && now < until - (until - from) / 3)
		return FINCA_OK;
	return new_signer(r);
}

int ocsp_responder_new(struct ca *ca, int validity_secs,
		       struct ocsp_responder **out)
{
	struct ocsp_responder *r = xcalloc(1, sizeof *r);
	int rc;

	r->ca = ca;
	r->validity = validity_secs;
	r->buckets = xcalloc(NBUCKETS, sizeof *r->buckets);
	pthread_rwlock_init(&r->lock, NULL);
	if (!config_profile(ca->cfg, "ocsp")) {
		rc = err_why(FINCA_ECONFIG, NULL, "ocsp.no_profile",
			     "%s: the OCSP responder needs a [profile ocsp]",
			     ca->cfg->path);
		goto fail;
	}
	for (size_t i = 0; i < ARRAY_LEN(id_mds) && ca->issuing; i++)
		r->issuer_ids[i] = OCSP_cert_to_id(EVP_get_digestbynid(id_mds[i]), NULL,
						   ca->issuing);
	if ((rc = store_status_seq(ca_store(ca), &r->seen_seq)) != FINCA_OK ||
	    (rc = ca->readonly ? ca_signs(r) : new_signer(r)) != FINCA_OK)
		goto fail;
	*out = r;
	return FINCA_OK;
fail:
	ocsp_responder_free(r);
	return rc;
}

void ocsp_responder_free(struct ocsp_responder *r)
{
	if (!r)
		return;
	if (r->watching) {
		atomic_store(&r->stop, 1);
		pthread_join(r->watcher, NULL);
	}
	drop_all(r);
	free(r->buckets);
	X509_free(r->signer);
	EVP_PKEY_free(r->signer_key);
	for (size_t i = 0; i < ARRAY_LEN(id_mds); i++)
		OCSP_CERTID_free(r->issuer_ids[i]);
	pthread_rwlock_destroy(&r->lock);
	free(r);
}

const struct ocsp_stats *ocsp_stats(const struct ocsp_responder *r)
{
	return &r->stats;
}

X509 *ocsp_signer_cert(const struct ocsp_responder *r)
{
	return r->signer;
}

void ocsp_invalidate(struct ocsp_responder *r, const char *serial)
{
	unsigned char b[20];
	size_t n = strlen(serial) / 2;

	if (n == 0 || n > sizeof b)
		return;
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		if (sscanf(serial + 2 * i, "%2X", &v) != 1)
			return;
		b[i] = (unsigned char)v;
	}
	pthread_rwlock_wrlock(&r->lock);
	drop(r, b, n);
	pthread_rwlock_unlock(&r->lock);
}

static int drop_changed(void *arg, const struct cert_rec *rec, int old)
{
	(void)old;
	drop(arg, rec->serial_bin, rec->serial_len);
	return FINCA_OK;
}

/* Drops what another process changed since we last looked (through st,
 * the calling thread's store). */
static int sync_from(struct ocsp_responder *r, struct store *st)
{
	int64_t seq, seen;
	int rc;

	if ((rc = store_status_seq(st, &seq)) != FINCA_OK)
		return rc;
	pthread_rwlock_rdlock(&r->lock);
	seen = r->seen_seq;
	pthread_rwlock_unlock(&r->lock);
	if (seq == seen)
		return FINCA_OK;
	pthread_rwlock_wrlock(&r->lock);
	if (seq > r->seen_seq) {
		rc = store_status_changes(st, "issuing", r->seen_seq, drop_changed, r);
		if (rc == FINCA_OK)
			r->seen_seq = seq;
	}
	pthread_rwlock_unlock(&r->lock);
	return rc;
}

/* Before an answer: nothing to do while the watcher hears every change. */
static int sync_store(struct ocsp_responder *r)
{
	return atomic_load(&r->stats.push) ? FINCA_OK : sync_from(r, ca_store(r->ca));
}

/* The watcher's thread: with its own connection it listens for status
 * changes (PostgreSQL's NOTIFY at each change's commit, from any node),
 * catches up, and from then on answers no longer look at the store each
 * time: they take seen_seq as the watcher keeps it, a few milliseconds
 * behind a commit.  Where the store cannot push (SQLite; a hot standby,
 * where LISTEN is refused) it ends at once; when its connection fails,
 * answers look again. */
static void *watch(void *arg)
{
	struct ocsp_responder *r = arg;
	struct store *st = ca_store(r->ca);
	int w, rc;

	if ((rc = store_status_listen(st)) != FINCA_OK) {
		/* SQLite (ENOTFOUND) and a standby: as expected */
		if (rc != FINCA_ENOTFOUND && !r->ca->readonly)
			fprintf(stderr, "finca: ocsp: no status notifications (%s): each answer "
				"looks at the store\n", err_msg());
		return NULL;
	}
	if (sync_from(r, st) != FINCA_OK)
		goto lost;
	atomic_store(&r->stats.push, 1);
	while (!atomic_load(&r->stop)) {
		if ((w = store_status_wait(st, 250)) < 0 || (w == 1 && sync_from(r, st) != FINCA_OK))
			goto lost;
	}
	return NULL;
lost:
	atomic_store(&r->stats.push, 0);
	fprintf(stderr, "finca: ocsp: status notifications lost (%s): each answer looks at "
		"the store again\n", err_msg());
	return NULL;
}

int ocsp_watch(struct ocsp_responder *r)
{
	if (pthread_create(&r->watcher, NULL, watch, r) != 0)
		return err_set(FINCA_EIO, "ocsp: cannot start the status watcher");
	r->watching = 1;
	return FINCA_OK;
}

static int error_response(int status, unsigned char **out, size_t *len)
{
	OCSP_RESPONSE *resp = OCSP_response_create(status, NULL);
	unsigned char *der = NULL;
	int n;

	if (!resp || (n = i2d_OCSP_RESPONSE(resp, &der)) <= 0) {
		OCSP_RESPONSE_free(resp);
		return err_ssl_why(FINCA_ECRYPTO, "ocsp.encode",
				   "OCSP: encoding an error response");
	}
	OCSP_RESPONSE_free(resp);
	*out = xcalloc(1, (size_t)n);
	memcpy(*out, der, (size_t)n);
	*len = (size_t)n;
	OPENSSL_free(der);
	return FINCA_OK;
}

/* Adds the answer for one CertID to bs. */
static int add_status(struct ocsp_responder *r, OCSP_BASICRESP *bs, OCSP_CERTID *cid,
		      const struct cert_rec *rec, int found, int64_t now)
{
	ASN1_TIME *thisupd = ASN1_TIME_set(NULL, (time_t)now);
	ASN1_TIME *nextupd = ASN1_TIME_set(NULL, (time_t)(now + r->validity));
	ASN1_TIME *revtime = NULL;
	int status, reason = -1, ok;

	if (!found) {
		status = V_OCSP_CERTSTATUS_UNKNOWN;
	} else if (rec->status == CERT_VALID) {
		status = V_OCSP_CERTSTATUS_GOOD;
	} else {
		status = V_OCSP_CERTSTATUS_REVOKED;
		reason = rec->status == CERT_HOLD ? OCSP_REVOKED_STATUS_CERTIFICATEHOLD :
			 rec->reason;
		revtime = ASN1_TIME_set(NULL, (time_t)rec->revoked_at);
	}
	ERR_clear_error();
	ok = thisupd && nextupd &&
	     OCSP_basic_add1_status(bs, cid, status, reason, revtime, thisupd, nextupd);
	ASN1_TIME_free(thisupd);
	ASN1_TIME_free(nextupd);
	ASN1_TIME_free(revtime);
	return ok ? FINCA_OK : err_ssl_why(FINCA_ECRYPTO, "ocsp.answer", "OCSP: adding an answer");
}

/* Signs bs (with the request's nonce, if req is given) into an
 * OCSPResponse in *out (caller frees). */
static int sign_basic(struct ocsp_responder *r, OCSP_BASICRESP *bs, OCSP_REQUEST *req,
		      unsigned char **out, size_t *len)
{
	OCSP_RESPONSE *resp = NULL;
	EVP_MD_CTX *mctx = NULL;
	unsigned char *der = NULL;
	int n, rc;

	ERR_clear_error();
	if (req && OCSP_check_nonce(req, bs) == -1 /* absent in bs */ &&
	    !OCSP_copy_nonce(bs, req))
		goto fail;
	/* OCSP_basic_sign_ctx puts the signer's certificate in the response
	 * (no OCSP_NOCERTS), so that clients can check the delegation (RFC
	 * 6960 4.2.2.2) */
	pthread_rwlock_rdlock(&r->lock);
	rc = sig_sign_ctx(r->signer_key, &mctx);
	if (rc == FINCA_OK && !OCSP_basic_sign_ctx(bs, r->signer, mctx, NULL, 0))
		rc = FINCA_ECRYPTO;
	pthread_rwlock_unlock(&r->lock);
	if (rc != FINCA_OK)
		goto fail;
	if ((resp = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, bs)) == NULL ||
	    (n = i2d_OCSP_RESPONSE(resp, &der)) <= 0)
		goto fail;
	*out = xcalloc(1, (size_t)n);
	memcpy(*out, der, (size_t)n);
	*len = (size_t)n;
	rc = FINCA_OK;
	goto out;
fail:
	rc = err_ssl_why(FINCA_ECRYPTO, "ocsp.sign", "OCSP: signing the response");
out:
	OPENSSL_free(der);
	OCSP_RESPONSE_free(resp);
	EVP_MD_CTX_free(mctx);
	return rc;
}

/* 1 when cid names our issuing CA (by name and key hash, in the hash the
 * client chose). */
static int our_issuer(struct ocsp_responder *r, OCSP_CERTID *cid, int *md_nid)
{
	ASN1_OBJECT *md_obj = NULL;

	OCSP_id_get0_info(NULL, &md_obj, NULL, NULL, cid);
	*md_nid = OBJ_obj2nid(md_obj);
	for (size_t i = 0; i < ARRAY_LEN(id_mds); i++)
		if (id_mds[i] == *md_nid && r->issuer_ids[i])
			return OCSP_id_issuer_cmp(r->issuer_ids[i], cid) == 0;
	return 0;
}

#define MAX_IDS 16 /* CertIDs in one request */

/* Checks one CertID: OCSP_RESPONSE_STATUS_SUCCESSFUL with its hash and
 * serial, or the status to answer the whole request with. */
static int check_cid(struct ocsp_responder *r, OCSP_CERTID *cid, int *md_nid,
		     unsigned char serial[20], int *n)
{
	ASN1_INTEGER *sn = NULL;
	OCSP_CERTID *dup;
	BIGNUM *bn;
	int ok;

	/* the answer repeats the CertID, re-encoded: one that does not survive
	 * that (odd algorithm parameters) is malformed, not a reason for a
	 * 500 */
	dup = OCSP_CERTID_dup(cid);
	ERR_clear_error();
	if (!dup)
		return OCSP_RESPONSE_STATUS_MALFORMEDREQUEST;
	OCSP_CERTID_free(dup);
	if (!our_issuer(r, cid, md_nid))
		return OCSP_RESPONSE_STATUS_UNAUTHORIZED;
	OCSP_id_get0_info(NULL, NULL, NULL, &sn, cid);
	bn = sn ? ASN1_INTEGER_to_BN(sn, NULL) : NULL;
	ok = bn && !BN_is_negative(bn) && (*n = BN_num_bytes(bn)) <= 20 && *n > 0;
	if (ok)
		BN_bn2bin(bn, serial);
	BN_free(bn);
	return ok ? OCSP_RESPONSE_STATUS_SUCCESSFUL : OCSP_RESPONSE_STATUS_MALFORMEDREQUEST;
}

/* The serial of a checked CertID. */
struct idserial {
	unsigned char b[20];
	int n;
};

/* A request with several CertIDs (checked by the caller, ids[i] their
 * serials): one response, signed once, not cached. */
static int respond_many(struct ocsp_responder *r, OCSP_REQUEST *req, int count,
			const struct idserial *ids, unsigned char **out, size_t *outlen)
{
	OCSP_BASICRESP *bs = OCSP_BASICRESP_new();
	struct cert_rec rec;
	char hex[41];
	int64_t now = clock_now();
	int rc = bs ? FINCA_OK : FINCA_ENOMEM;

	memset(&rec, 0, sizeof rec);
	for (int i = 0; i < count && rc == FINCA_OK; i++) {
		OCSP_CERTID *cid = OCSP_onereq_get0_id(OCSP_request_onereq_get0(req, i));
		hex_encode(ids[i].b, (size_t)ids[i].n, hex);
		rc = store_cert_get(ca_store(r->ca), hex, &rec);
		if (rc == FINCA_OK || rc == FINCA_ENOTFOUND)
			rc = add_status(r, bs, cid, &rec, rc == FINCA_OK &&
					!strcmp(rec.issuer, "issuing"), now);
		cert_rec_clear(&rec);
	}
	if (rc == FINCA_OK)
		rc = sign_basic(r, bs, req, out, outlen);
	OCSP_BASICRESP_free(bs);
	atomic_fetch_add(&r->stats.misses, 1);
	return rc;
}

int ocsp_respond(struct ocsp_responder *r, const unsigned char *in, size_t inlen,
		 unsigned char **out, size_t *outlen)
{
	const unsigned char *p = in;
	OCSP_REQUEST *req = NULL;
	OCSP_CERTID *cid;
	struct cert_rec rec;
	struct idserial ids[MAX_IDS];
	int md_nid, nonce, found, rc, count = 0, st;
	int64_t now = clock_now(), seen;
	char hex[41];

	memset(&rec, 0, sizeof rec);
	ERR_clear_error();
	if (inlen <= 65536 && (req = d2i_OCSP_REQUEST(NULL, &p, (long)inlen)) != NULL &&
	    p == in + inlen)
		count = OCSP_request_onereq_count(req);
	ERR_clear_error();
	st = count < 1 || count > MAX_IDS ? OCSP_RESPONSE_STATUS_MALFORMEDREQUEST :
	     OCSP_RESPONSE_STATUS_SUCCESSFUL;
	for (int i = 0; i < count && st == OCSP_RESPONSE_STATUS_SUCCESSFUL; i++)
		st = check_cid(r, OCSP_onereq_get0_id(OCSP_request_onereq_get0(req, i)),
			       &md_nid, ids[i].b, &ids[i].n);
	if (st != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
		atomic_fetch_add(&r->stats.errors, 1);
		rc = error_response(st, out, outlen);
		goto out;
	}
	if (count > 1) {
		rc = respond_many(r, req, count, ids, out, outlen);
		goto out;
	}
	cid = OCSP_onereq_get0_id(OCSP_request_onereq_get0(req, 0));
	const unsigned char *serial = ids[0].b;
	int n = ids[0].n;
	nonce = OCSP_REQUEST_get_ext_by_NID(req, NID_id_pkix_OCSP_Nonce, -1) >= 0;
	if ((rc = sync_store(r)) != FINCA_OK)
		goto out;
	pthread_rwlock_rdlock(&r->lock);
	seen = r->seen_seq;
	pthread_rwlock_unlock(&r->lock);

	/* the fast path: a cached answer for this serial and hash */
	if (!nonce) {
		struct entry *e;
		pthread_rwlock_rdlock(&r->lock);
		for (e = r->buckets[bucket_of(serial, (size_t)n)]; e; e = e->next)
			if (e->serial_len == (size_t)n && !memcmp(e->serial, serial, (size_t)n) &&
			    e->md_nid == md_nid && now < e->produced + r->validity / 2) {
				*out = xcalloc(1, e->len);
				memcpy(*out, e->der, e->len);
				*outlen = e->len;
				break;
			}
		pthread_rwlock_unlock(&r->lock);
		if (e) {
			atomic_fetch_add(&r->stats.hits, 1);
			rc = FINCA_OK;
			goto out;
		}
	}
	atomic_fetch_add(&r->stats.misses, 1);
	hex_encode(serial, (size_t)n, hex);
	rc = store_cert_get(ca_store(r->ca), hex, &rec);
	found = rc == FINCA_OK && !strcmp(rec.issuer, "issuing");
	if (rc != FINCA_OK && rc != FINCA_ENOTFOUND)
		goto out;
	{
		OCSP_BASICRESP *bs = OCSP_BASICRESP_new();
		rc = bs ? add_status(r, bs, cid, &rec, found, now) : FINCA_ENOMEM;
		if (rc == FINCA_OK)
			rc = sign_basic(r, bs, nonce ? req : NULL, out, outlen);
		OCSP_BASICRESP_free(bs);
		if (rc != FINCA_OK)
			goto out;
	}
	if (!nonce && found) {
		struct entry *e = xcalloc(1, sizeof *e);
		memcpy(e->serial, serial, (size_t)n);
		e->serial_len = (size_t)n;
		e->md_nid = md_nid;
		e->produced = now;
		e->der = xcalloc(1, *outlen);
		memcpy(e->der, *out, *outlen);
		e->len = *outlen;
		pthread_rwlock_wrlock(&r->lock);
		/* if a sync ran since we read the record, the record may be
		 * stale: answer, but do not cache */
		if (r->seen_seq == seen) {
			drop(r, serial, (size_t)n);
			e->next = r->buckets[bucket_of(serial, (size_t)n)];
			r->buckets[bucket_of(serial, (size_t)n)] = e;
			e = NULL;
		}
		pthread_rwlock_unlock(&r->lock);
		entry_free(e);
	}
out:
	cert_rec_clear(&rec);
	OCSP_REQUEST_free(req);
	return rc;
}
