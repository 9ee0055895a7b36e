#include "audit/audit.h"
#include "crypto/sig.h"
#include "store/store.h"
#include "util/err.h"
#include "util/util.h"

#include <openssl/err.h>
#include <stdlib.h>
#include <string.h>

static void put_be64(unsigned char *p, int64_t v)
{
	for (int i = 7; i >= 0; i--, v = (int64_t)((uint64_t)v >> 8))
		p[i] = (unsigned char)(v & 0xff);
}

static int hash_update_str(EVP_MD_CTX *c, const char *s)
{
	unsigned char len[8];
	size_t n = strlen(s);

	put_be64(len, (int64_t)n);
	return EVP_DigestUpdate(c, len, 8) && EVP_DigestUpdate(c, s, n);
}

/* hash = H(prev || seq || at || actor || action || object || details), each
 * string length-prefixed so that no two records share an encoding. */
static int record_hash(const char *md, const struct audit_rec *r,
		       unsigned char *out, size_t *outlen)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned char num[16];
	unsigned int n = 0;
	int ok;

	put_be64(num, r->seq);
	put_be64(num + 8, r->at);
	ok = c && EVP_DigestInit_ex2(c, EVP_get_digestbyname(md), NULL) &&
	     EVP_DigestUpdate(c, r->prev, r->hash_len) &&
	     EVP_DigestUpdate(c, num, sizeof num) &&
	     hash_update_str(c, r->actor) && hash_update_str(c, r->action) &&
	     hash_update_str(c, r->object) && hash_update_str(c, r->details) &&
	     EVP_DigestFinal_ex(c, out, &n);
	EVP_MD_CTX_free(c);
	if (!ok)
		return err_ssl_why(FINCA_ECRYPTO, "audit.hash", "audit: hashing with %s", md);
	*outlen = n;
	return FINCA_OK;
}

int audit_append(struct store *st, const char *md, const char *actor,
		 const char *action, const char *object, json_t *details,
		 int64_t *seq_out)
{
	struct audit_rec last, r;
	int rc;
	int md_len = EVP_MD_get_size(EVP_get_digestbyname(md));

	memset(&r, 0, sizeof r);
	memset(&last, 0, sizeof last);
	if (md_len <= 0 || md_len > AUDIT_HASH_MAX)
		return err_why(FINCA_EINVAL, NULL, "audit.digest", "audit: unknown digest %s", md);
	if ((rc = store_audit_last(st, &last)) == FINCA_OK) {
		r.seq = last.seq + 1;
		memcpy(r.prev, last.hash, last.hash_len);
	} else if (rc == FINCA_ENOTFOUND) {
		r.seq = 1; /* genesis: prev is all zeros */
	} else {
		goto out;
	}
	r.hash_len = (size_t)md_len;
	r.at = clock_now();
	r.actor = (char *)actor;
	r.action = (char *)action;
	r.object = (char *)object;
	r.details = details ? json_dumps(details, JSON_COMPACT | JSON_SORT_KEYS)
			    : xstrdup("{}");
	if (!r.details) {
		rc = err_why(FINCA_ENOMEM, NULL, "audit.encode", "audit: encoding details");
		goto out;
	}
	if ((rc = record_hash(md, &r, r.hash, &r.hash_len)) != FINCA_OK)
		goto out;
	if ((rc = store_audit_insert(st, &r)) != FINCA_OK)
		goto out;
	if (seq_out)
		*seq_out = r.seq;
out:
	free(r.details);
	audit_rec_clear(&last);
	return rc;
}

static void checkpoint_data(const struct checkpoint_rec *c, unsigned char *buf,
			    size_t *len)
{
	static const char label[] = "finca audit checkpoint";

	memcpy(buf, label, sizeof label - 1);
	put_be64(buf + sizeof label - 1, c->seq);
	memcpy(buf + sizeof label - 1 + 8, c->hash, c->hash_len);
	*len = sizeof label - 1 + 8 + c->hash_len;
}

int audit_checkpoint(struct store *st, const char *md, EVP_PKEY *key,
		     const char *signer)
{
	struct audit_rec last;
	struct checkpoint_rec prev, c;
	unsigned char data[128], *sig = NULL;
	size_t len, siglen;
	int rc;

	(void)md;
	memset(&last, 0, sizeof last);
	if ((rc = store_audit_last(st, &last)) != FINCA_OK)
		return rc == FINCA_ENOTFOUND ? FINCA_OK : rc;
	rc = store_checkpoint_last(st, &prev);
	if (rc == FINCA_OK && prev.seq == last.seq)
		goto out; /* nothing new */
	if (rc != FINCA_OK && rc != FINCA_ENOTFOUND)
		goto out;
	memset(&c, 0, sizeof c);
	c.seq = last.seq;
	c.at = clock_now();
	memcpy(c.hash, last.hash, last.hash_len);
	c.hash_len = last.hash_len;
	snprintf(c.signer, sizeof c.signer, "%s", signer);
	checkpoint_data(&c, data, &len);
	if ((rc = sig_sign(key, data, len, &sig, &siglen)) != FINCA_OK)
		goto out;
	if (siglen > sizeof c.sig) {
		rc = err_why(FINCA_ECRYPTO, NULL, "audit.checkpoint_long",
			     "audit: checkpoint signature too long");
		goto out;
	}
	memcpy(c.sig, sig, siglen);
	c.sig_len = siglen;
	rc = store_checkpoint_insert(st, &c);
out:
	OPENSSL_free(sig);
	audit_rec_clear(&last);
	return rc;
}

struct verify_state {
	const char *md;
	struct checkpoint_rec *cps; /* owned array, ordered by seq */
	size_t ncps, next_cp;
	struct audit_report *rep;
	unsigned char prev[AUDIT_HASH_MAX];
	size_t prev_len;
	int64_t prev_seq;
};

static int collect_cp(void *arg, const struct checkpoint_rec *c)
{
	struct verify_state *vs = arg;

	vs->cps = xrealloc(vs->cps, (vs->ncps + 1) * sizeof *vs->cps);
	vs->cps[vs->ncps++] = *c;
	return FINCA_OK;
}

static int verify_one(void *arg, const struct audit_rec *r)
{
	struct verify_state *vs = arg;
	struct audit_rec tmp = *r;
	unsigned char h[AUDIT_HASH_MAX];
	size_t hl;
	int rc;

	vs->rep->records++;
	if (r->seq != vs->prev_seq + 1) {
		vs->rep->bad_seq = vs->prev_seq + 1;
		return err_why(FINCA_EINTEGRITY, NULL, "audit.missing",
			       "audit record %lld: missing (next present is %lld): records were removed",
			       (long long)(vs->prev_seq + 1), (long long)r->seq);
	}
	if (r->hash_len != vs->prev_len && vs->prev_seq > 0) {
		vs->rep->bad_seq = r->seq;
		return err_why(FINCA_EINTEGRITY, NULL, "audit.hash_length",
			       "audit record %lld: hash length changed",
			       (long long)r->seq);
	}
	if (memcmp(r->prev, vs->prev, r->hash_len) != 0) {
		vs->rep->bad_seq = r->seq;
		return err_why(FINCA_EINTEGRITY, NULL, "audit.order",
			       "audit record %lld: does not follow record %lld (reordered, or the one before was replaced)",
			       (long long)r->seq, (long long)vs->prev_seq);
	}
	if ((rc = record_hash(vs->md, &tmp, h, &hl)) != FINCA_OK)
		return rc;
	if (hl != r->hash_len || memcmp(h, r->hash, hl) != 0) {
		vs->rep->bad_seq = r->seq;
		return err_why(FINCA_EINTEGRITY, NULL, "audit.edited",
			       "audit record %lld: content does not match its hash (edited)",
			       (long long)r->seq);
	}
	while (vs->next_cp < vs->ncps && vs->cps[vs->next_cp].seq == r->seq) {
		const struct checkpoint_rec *c = &vs->cps[vs->next_cp++];
		if (c->hash_len != hl || memcmp(c->hash, h, hl) != 0) {
			vs->rep->bad_seq = r->seq;
			return err_why(FINCA_EINTEGRITY, NULL, "audit.checkpoint_differs",
				       "audit record %lld: differs from the signed checkpoint over it",
				       (long long)r->seq);
		}
		vs->rep->checkpoints++;
		vs->rep->last_checkpoint = c->seq;
	}
	memcpy(vs->prev, h, hl);
	vs->prev_len = hl;
	vs->prev_seq = r->seq;
	vs->rep->last_seq = r->seq;
	return FINCA_OK;
}

int audit_verify(struct store *st, const char *md, EVP_PKEY *checkpoint_pub,
		 struct audit_report *rep)
{
	struct verify_state vs;
	unsigned char data[128];
	size_t len;
	int rc;

	memset(&vs, 0, sizeof vs);
	memset(rep, 0, sizeof *rep);
	vs.md = md;
	vs.rep = rep;
	if ((rc = store_checkpoint_iter(st, collect_cp, &vs)) != FINCA_OK)
		goto out;
	/* checkpoint signatures first: a forged checkpoint proves nothing */
	for (size_t i = 0; i < vs.ncps; i++) {
		checkpoint_data(&vs.cps[i], data, &len);
		if (sig_verify(checkpoint_pub, data, len, vs.cps[i].sig,
			       vs.cps[i].sig_len) != FINCA_OK) {
			rep->bad_seq = vs.cps[i].seq;
			rc = err_why(FINCA_EINTEGRITY, NULL, "audit.checkpoint_sig",
				     "audit checkpoint at record %lld: signature does not verify with the %s CA key",
				     (long long)vs.cps[i].seq, vs.cps[i].signer);
			goto out;
		}
	}
	if ((rc = store_audit_iter(st, 0, verify_one, &vs)) != FINCA_OK)
		goto out;
	if (vs.next_cp < vs.ncps) {
		rep->bad_seq = rep->last_seq + 1;
		rc = err_why(FINCA_EINTEGRITY, NULL, "audit.truncated",
			     "audit records after %lld were removed: a signed checkpoint covers record %lld",
			     (long long)rep->last_seq,
			     (long long)vs.cps[vs.next_cp].seq);
	}
out:
	free(vs.cps);
	return rc;
}
