/* Issuance: one certificate or ten thousand, through the same path.
 *
 * Phase 0 (this thread): look up superseded certificates in the store.
 * Phase 1 (workers): verify each CSR, apply the profile, build the TBS.
 *   Any failure refuses the whole batch before anything is stored.
 * Phase 2 (workers sign, this thread commits): certificates are signed in
 *   parallel while this thread commits them in groups; a group's
 *   certificates reach emit only after its transaction is durable. */
#include "ca/ca.h"
#include "audit/audit.h"
#include "ca/dn.h"
#include "ca/ident.h"
#include "ca/profile.h"
#include "crypto/csr.h"
#include "crypto/key.h"
#include "crypto/keystore.h"
#include "crypto/sig.h"
#include "km/km.h"
#include "util/err.h"
#include "util/util.h"

#include <openssl/err.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct item {
	const struct issue_req *rq;
	const struct profile *p;
	X509 *x;                  /* owned: template, then the certificate */
	int64_t old_id;           /* the superseded certificate, 0 if none */
	int64_t rec_id;           /* its record, once stored */
	char id_number[19], unit_code[19];
	char key_alg[32];
	int64_t not_before, not_after;
	int rc;
	struct err_state *err;    /* owned: the failure's error, or NULL */
	int done;                 /* under batch.mu */
};

struct batch {
	struct ca *ca;
	const struct actor *a;  /* borrowed: who asked */
	struct item *it;
	size_t n;
	int64_t now;
	int phase;
	atomic_size_t next;
	atomic_int stop;
	pthread_mutex_t mu;
	pthread_cond_t cv;
};

static int item_fail(struct item *it, int rc)
{
	it->rc = rc;
	if (!it->err)
		it->err = malloc(sizeof *it->err);
	if (it->err)
		err_save(it->err);
	return rc;
}

static int prepare(struct batch *b, size_t i)
{
	struct item *it = &b->it[i];
	const struct issue_req *rq = it->rq;
	struct tmpl t;
	struct csr csr;
	X509_NAME *subject = NULL;
	EVP_PKEY *pub = rq->pubkey;
	int rc;

	memset(&t, 0, sizeof t);
	memset(&csr, 0, sizeof csr);
	if ((it->p = config_profile(b->ca->cfg, rq->profile)) == NULL) {
		rc = FINCA_EINVAL;
		goto out;
	}
	if (rq->csr_der) {
		if ((rc = csr_parse(rq->csr_der, rq->csr_len, &csr)) != FINCA_OK)
			goto out;
		pub = csr.key;
		t.spki_alg = csr.key_alg;
		t.spki_bits = csr.key_bits;
	}
	if (!pub) {
		rc = err_why(FINCA_EINVAL, NULL, "issue.no_key", "no CSR and no public key");
		goto out;
	}
	if ((rc = key_check_strength(pub, rq->csr_der ? "CSR" : "key")) != FINCA_OK)
		goto out;
	key_describe(pub, it->key_alg, sizeof it->key_alg);
	if (rq->subject_name) {
		subject = X509_NAME_dup(rq->subject_name);
	} else if (rq->subject) {
		if ((rc = dn_parse(rq->subject, &subject)) != FINCA_OK)
			goto out;
	} else if (csr.subject && X509_NAME_entry_count(csr.subject) > 0) {
		subject = csr.subject;
		csr.subject = NULL;
	} else {
		rc = err_why(FINCA_EINVAL, "subject", "issue.no_subject",
			     "missing (neither the request nor its CSR gives one)");
		goto out;
	}
	if (rq->id_number &&
	    (rc = ident_resident_id_check(rq->id_number, it->id_number)) != FINCA_OK)
		goto out;
	if (rq->unit_code &&
	    (rc = ident_uscc_check(rq->unit_code, it->unit_code)) != FINCA_OK)
		goto out;
	if (!ca_issuer_cert(b->ca, it->p->issuer)) {
		rc = err_why(FINCA_ESTATE, NULL, "ca.not_installed",
			     "the %s CA certificate is not installed (finca ca install)",
			     it->p->issuer);
		goto out;
	}
	if (!ca_issuer_key(b->ca, it->p->issuer)) {
		rc = err_why(FINCA_EAUTH, NULL, "ca.key_locked",
			     "the %s CA key is locked", it->p->issuer);
		goto out;
	}
	t.p = it->p;
	t.cfg = b->ca->cfg;
	t.issuer = ca_issuer_cert(b->ca, it->p->issuer);
	t.pubkey = pub;
	t.subject = subject;
	t.now = b->now;
	t.days = rq->days;
	t.pair_role = rq->pair_role;
	memcpy(t.id_number, it->id_number, sizeof t.id_number);
	memcpy(t.unit_code, it->unit_code, sizeof t.unit_code);
	t.x = it->x = X509_new();
	if ((rc = profile_apply(&t)) != FINCA_OK)
		goto out;
	{
		struct tm tm;
		ASN1_TIME_to_tm(X509_get0_notBefore(it->x), &tm);
		it->not_before = (int64_t)timegm(&tm);
		ASN1_TIME_to_tm(X509_get0_notAfter(it->x), &tm);
		it->not_after = (int64_t)timegm(&tm);
	}
out:
	X509_NAME_free(subject);
	csr_clear(&csr);
	return rc == FINCA_OK ? FINCA_OK : item_fail(it, rc);
}

static int sign(struct batch *b, size_t i)
{
	struct item *it = &b->it[i];
	EVP_MD_CTX *mctx = NULL;
	int rc;

	if ((rc = ca_random_serial(it->x)) != FINCA_OK)
		goto out;
	if ((rc = sig_sign_ctx(ca_issuer_key(b->ca, it->p->issuer), &mctx)) != FINCA_OK)
		goto out;
	if (X509_sign_ctx(it->x, mctx) <= 0)
		rc = err_ssl_why(FINCA_ECRYPTO, "issue.sign", "signing the certificate");
out:
	EVP_MD_CTX_free(mctx);
	return rc == FINCA_OK ? FINCA_OK : item_fail(it, rc);
}

static void *worker(void *arg)
{
	struct batch *b = arg;
	size_t i;

	while (!atomic_load(&b->stop) && (i = atomic_fetch_add(&b->next, 1)) < b->n) {
		int rc = b->phase == 1 ? prepare(b, i) : sign(b, i);
		if (rc != FINCA_OK && b->phase == 1)
			atomic_store(&b->stop, 1);
		pthread_mutex_lock(&b->mu);
		b->it[i].done = 1;
		pthread_cond_broadcast(&b->cv);
		pthread_mutex_unlock(&b->mu);
	}
	return NULL;
}

static int nworkers(const struct ca *ca, size_t n)
{
	long w = ca->cfg->workers;

	if (w <= 0)
		w = sysconf(_SC_NPROCESSORS_ONLN);
	if (ca->keys && ca->keys->single_thread)
		w = 1;
	if (w < 1)
		w = 1;
	if ((size_t)w > n)
		w = (long)n;
	return (int)w;
}

static int start(struct batch *b, int phase, pthread_t *th, int nth)
{
	b->phase = phase;
	atomic_store(&b->next, 0);
	for (size_t i = 0; i < b->n; i++)
		b->it[i].done = 0;
	for (int k = 0; k < nth; k++)
		if (pthread_create(&th[k], NULL, worker, b) != 0) {
			atomic_store(&b->stop, 1);
			for (int j = 0; j < k; j++)
				pthread_join(th[j], NULL);
			return err_why(FINCA_ENOMEM, NULL, "ca.threads",
				       "cannot start worker threads");
		}
	return FINCA_OK;
}

static void join(pthread_t *th, int nth)
{
	for (int k = 0; k < nth; k++)
		pthread_join(th[k], NULL);
}

static void cert_to_rec(struct item *it, X509 *x, struct cert_rec *r)
{
	const ASN1_INTEGER *sn = X509_get0_serialNumber(x);
	BIGNUM *bn = ASN1_INTEGER_to_BN(sn, NULL);

	memset(r, 0, sizeof *r);
	r->serial_len = (size_t)BN_bn2bin(bn, r->serial_bin);
	BN_free(bn);
	hex_encode(r->serial_bin, r->serial_len, r->serial);
	snprintf(r->issuer, sizeof r->issuer, "%s", it->p->issuer);
	r->profile = xstrdup(it->p->name);
	r->subject = dn_format(X509_get_subject_name(x));
	r->id_number = it->id_number[0] ? xstrdup(it->id_number) : NULL;
	r->unit_code = it->unit_code[0] ? xstrdup(it->unit_code) : NULL;
	r->key_alg = xstrdup(it->key_alg);
	r->not_before = it->not_before;
	r->not_after = it->not_after;
	r->issued_at = clock_now();
	r->replaces = it->old_id;
	r->der_len = (size_t)i2d_X509(x, &r->der);
}

/* The enveloped keys of a pair's encryption half (rq), for the USBKey of
 * its signing half sign: kept with the pair, in its transaction. */
static int keep_envelopes(struct batch *b, const struct issue_req *rq, const char *sign,
			  const char *enc)
{
	struct envelope_rec e;
	int rc;

	memset(&e, 0, sizeof e);
	e.sign_serial = sign;
	e.enc_serial = enc;
	e.created_at = b->now;
	e.format = rq->env_format ? rq->env_format : "gmt0009";
	e.blob = rq->env;
	e.len = rq->env_len;
	if ((rc = store_envelope_put(ca_store(b->ca), &e)) != FINCA_OK || !rq->skf)
		return rc;
	e.format = "skf";
	e.blob = rq->skf;
	e.len = rq->skf_len;
	return store_envelope_put(ca_store(b->ca), &e);
}

/* Records item i: certificate row, superseding, audit. */
static int record(struct batch *b, size_t i)
{
	struct item *it = &b->it[i];
	struct cert_rec r, old;
	char na[32], obj[64];
	json_t *d = NULL;
	int rc;

	memset(&old, 0, sizeof old);
	cert_to_rec(it, it->x, &r);
	if ((rc = store_cert_insert(ca_store(b->ca), &r)) != FINCA_OK)
		goto out;
	it->rec_id = r.id;
	time_format(r.not_after, na, sizeof na);
	d = json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s?}", "profile", r.profile,
		      "subject", r.subject, "not_after", na, "key", r.key_alg,
		      "id_number", r.id_number, "unit_code", r.unit_code);
	if (it->rq->pair_role == PAIR_ENC) {
		/* the signing half is the item before, in the same group
		 * (ca_issue keeps a pair together) */
		struct item *sg = &b->it[i - 1];
		char ss[41];
		if ((rc = store_pair_insert(ca_store(b->ca), sg->rec_id, r.id)) ||
		    (rc = km_escrow_keep(ca_store(b->ca), r.id, sg->rec_id, r.key_alg,
					 it->rq->escrow, it->rq->escrow_len)))
			goto out;
		ca_cert_serial(sg->x, ss);
		if (it->rq->env && (rc = keep_envelopes(b, it->rq, ss, r.serial)))
			goto out;
		json_object_set_new(d, "pair", json_string(ss));
		json_object_set_new(d, "half", json_string("encryption"));
		json_object_set_new(d, "escrow", json_string("km"));
	} else if (it->rq->pair_role == PAIR_SIGN) {
		json_object_set_new(d, "half", json_string("signing"));
	}
	if (it->old_id) {
		/* checked again inside the transaction: it may have changed
		 * since phase 0 */
		if ((rc = store_cert_get_id(ca_store(b->ca), it->old_id, &old)) ||
		    (rc = ca_transition_check(&old, OP_RENEW, b->now)) ||
		    (rc = store_cert_set_status(ca_store(b->ca), old.id, CERT_REVOKED,
						4 /* superseded */, b->now)) ||
		    (rc = store_cert_set_superseded(ca_store(b->ca), old.id, r.id)))
			goto out;
		json_object_set_new(d, "replaces", json_string(old.serial));
		snprintf(obj, sizeof obj, "cert:%s", old.serial);
		json_t *od = json_pack("{s:s, s:s}", "reason", "superseded",
				       "superseded_by", r.serial);
		rc = ca_audit(b->ca, b->a->name, "cert.revoke", obj, od);
		json_decref(od);
		if (rc)
			goto out;
	}
	snprintf(obj, sizeof obj, "cert:%s", r.serial);
	rc = ca_audit(b->ca, b->a->name, it->rq->action ? it->rq->action : "cert.issue", obj, d);
out:
	if (rc != FINCA_OK)
		item_fail(it, rc);
	json_decref(d);
	cert_rec_clear(&r);
	cert_rec_clear(&old);
	return rc;
}

/* Every profile of the batch may be issued by its actor (profile.c's
 * table), before anything is checked or signed; a refusal is audited. */
static int may_issue(struct batch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		const struct profile *p = config_profile(b->ca->cfg, b->it[i].rq->profile);
		if (!p)
			continue; /* prepare says so, with the request's number */
		if (profile_may_issue(p, b->a) != FINCA_OK)
			return ca_deny(b->ca, b->a, json_pack("{s:s, s:s, s:s}", "right",
				       "cert.issue", "profile", p->name, "class",
				       profile_class_name(p)));
	}
	return FINCA_OK;
}

static int phase0(struct batch *b)
{
	struct cert_rec old;
	char serial[41];
	int rc = FINCA_OK;

	memset(&old, 0, sizeof old);
	for (size_t i = 0; i < b->n && rc == FINCA_OK; i++) {
		const struct issue_req *rq = b->it[i].rq;
		if (!rq->replaces)
			continue;
		if ((rc = ca_serial_norm(rq->replaces, serial)) ||
		    (rc = store_cert_get(ca_store(b->ca), serial, &old)) ||
		    (rc = ca_transition_check(&old, OP_RENEW, b->now))) {
			item_fail(&b->it[i], rc);
			break;
		}
		b->it[i].old_id = old.id;
	}
	cert_rec_clear(&old);
	return rc;
}

int ca_issue(struct ca *ca, const struct actor *a, const struct issue_req *rq, size_t n,
	     issue_emit_cb emit, void *arg)
{
	struct batch b;
	pthread_t *th = NULL;
	int nth, rc = FINCA_OK, threaded;
	size_t group, g0, committed = 0;

	if (n == 0)
		return FINCA_OK;
	memset(&b, 0, sizeof b);
	b.ca = ca;
	b.a = a;
	b.n = n;
	b.now = clock_now();
	b.it = xcalloc(n, sizeof *b.it);
	for (size_t i = 0; i < n; i++)
		b.it[i].rq = &rq[i];
	pthread_mutex_init(&b.mu, NULL);
	pthread_cond_init(&b.cv, NULL);
	nth = nworkers(ca, n);
	threaded = n >= 8 && nth > 1;
	th = xcalloc((size_t)nth, sizeof *th);

	for (size_t i = 0; i < n; i++)
		if (rq[i].pair_role == PAIR_ENC &&
		    (i == 0 || rq[i - 1].pair_role != PAIR_SIGN || !rq[i].escrow)) {
			rc = err_set(FINCA_EINVAL, "request %zu: an encryption half without "
				     "its signing half or its escrow", i + 1);
			goto fail;
		}
	if ((rc = may_issue(&b)) != FINCA_OK || (rc = phase0(&b)) != FINCA_OK)
		goto fail;

	/* phase 1: check and build everything; nothing is stored yet */
	if (threaded) {
		if ((rc = start(&b, 1, th, nth)) != FINCA_OK)
			goto out;
		join(th, nth);
	} else {
		b.phase = 1;
		for (size_t i = 0; i < n; i++)
			if (prepare(&b, i) != FINCA_OK)
				break;
	}
	for (size_t i = 0; i < n; i++)
		if (b.it[i].rc != FINCA_OK) {
			rc = b.it[i].rc;
			goto fail;
		}

	/* phase 2: sign in parallel, commit in groups */
	group = (size_t)ca->cfg->commit_group;
	if (threaded && (rc = start(&b, 2, th, nth)) != FINCA_OK)
		goto out;
	b.phase = 2;
	for (g0 = 0; g0 < n; g0 = committed) {
		size_t g1 = g0 + group < n ? g0 + group : n;
		/* the two halves of a pair are committed together */
		if (g1 < n && rq[g1].pair_role == PAIR_ENC)
			g1++;
		if (threaded) {
			pthread_mutex_lock(&b.mu);
			for (size_t i = g0; i < g1; i++)
				while (!b.it[i].done)
					pthread_cond_wait(&b.cv, &b.mu);
			pthread_mutex_unlock(&b.mu);
		} else {
			for (size_t i = g0; i < g1; i++)
				sign(&b, i);
		}
		for (size_t i = g0; i < g1; i++)
			if (b.it[i].rc != FINCA_OK) {
				rc = b.it[i].rc;
				goto stop;
			}
		if ((rc = store_begin(ca_store(ca))) != FINCA_OK)
			goto stop;
		for (size_t i = g0; i < g1 && rc == FINCA_OK; i++)
			rc = record(&b, i);
		if (rc == FINCA_OK && g1 == n && ca->issuing_key)
			rc = audit_checkpoint(ca_store(ca), ca->audit_md,
					      ca->issuing_key, "issuing");
		if (rc != FINCA_OK) {
			store_rollback(ca_store(ca));
			goto stop;
		}
		if ((rc = store_commit(ca_store(ca))) != FINCA_OK)
			goto stop;
		committed = g1;
		/* durable: now the certificates may leave */
		for (size_t i = g0; i < g1; i++) {
			if (emit && rc == FINCA_OK)
				rc = emit(arg, i, b.it[i].x);
			X509_free(b.it[i].x);
			b.it[i].x = NULL;
		}
		if (rc != FINCA_OK)
			goto stop;
	}
stop:
	atomic_store(&b.stop, 1);
	if (threaded)
		join(th, nth);
fail:
	if (rc != FINCA_OK) {
		size_t bad = n; /* n when no request failed (storing, or emit) */
		for (size_t i = 0; i < n && bad == n; i++)
			if (b.it[i].rc != FINCA_OK)
				bad = i;
		if (bad < n && b.it[bad].err)
			err_restore(b.it[bad].err);
		if (n > 1 && committed)
			err_append(" (%zu of %zu certificates were issued before it)", committed, n);
		else if (n > 1)
			err_append("; nothing was issued");
		if (n > 1 && bad < n)
			err_wrap(rc, "request %zu", bad + 1);
	}
out:
	for (size_t i = 0; i < n; i++) {
		X509_free(b.it[i].x);
		free(b.it[i].err);
	}
	free(b.it);
	free(th);
	pthread_mutex_destroy(&b.mu);
	pthread_cond_destroy(&b.cv);
	return rc;
}

/* A copy decoded from the DER as it was signed: the certificate being
 * built carries its key only as bits, so X509_get0_pubkey works on the
 * copy only. */
int ca_cert_copy(X509 *cert, X509 **out)
{
	unsigned char *der = NULL;
	const unsigned char *p;
	int n = i2d_X509(cert, &der);

	p = der;
	*out = n > 0 ? d2i_X509(NULL, &p, n) : NULL;
	OPENSSL_free(der);
	return *out ? FINCA_OK : err_ssl_why(FINCA_ECRYPTO, "issue.copy", "certificate copy");
}

static int keep_one(void *arg, size_t i, X509 *cert)
{
	(void)i;
	return ca_cert_copy(cert, arg);
}

int ca_issue_one(struct ca *ca, const struct actor *a, const struct issue_req *rq,
		 X509 **out)
{
	X509 *x = NULL;
	int rc = ca_issue(ca, a, rq, 1, keep_one, &x);

	if (rc == FINCA_OK)
		*out = x;
	else
		X509_free(x);
	return rc;
}

int ca_renew(struct ca *ca, const struct actor *a, int op, const char *serial_in,
	     const struct issue_req *over, X509 **out)
{
	struct cert_rec old;
	struct issue_req rq;
	char serial[41];
	char enc_serial[41] = "";
	X509 *oldx = NULL;
	const unsigned char *p;
	int64_t other;
	int rc, is_sign;

	memset(&old, 0, sizeof old);
	if ((rc = ca_serial_norm(serial_in, serial)) ||
	    (rc = store_cert_get(ca_store(ca), serial, &old)) ||
	    (rc = ca_transition_check(&old, op, clock_now())))
		goto out;
	if (store_pair_other(ca_store(ca), old.id, &other, &is_sign) == FINCA_OK) {
		/* a pair is renewed or updated as a pair, from its signing
		 * half, whichever half was named */
		if (!is_sign) {
			cert_rec_clear(&old);
			if ((rc = store_cert_get_id(ca_store(ca), other, &old)) != FINCA_OK)
				goto out;
			snprintf(enc_serial, sizeof enc_serial, "%s", serial);
			snprintf(serial, sizeof serial, "%s", old.serial);
			if ((rc = ca_transition_check(&old, op, clock_now())) != FINCA_OK)
				goto out;
		} else {
			struct cert_rec e;
			memset(&e, 0, sizeof e);
			if ((rc = store_cert_get_id(ca_store(ca), other, &e)) != FINCA_OK)
				goto out;
			snprintf(enc_serial, sizeof enc_serial, "%s", e.serial);
			cert_rec_clear(&e);
		}
	}
	p = old.der;
	if ((oldx = d2i_X509(NULL, &p, (long)old.der_len)) == NULL) {
		rc = err_ssl_why(FINCA_EINTEGRITY, "cert.der_unreadable",
				 "certificate %s: stored DER is unreadable",
				 serial);
		goto out;
	}
	memset(&rq, 0, sizeof rq);
	rq.profile = old.profile;
	rq.csr_der = over->csr_der;
	rq.csr_len = over->csr_len;
	rq.pubkey = over->csr_der ? NULL : X509_get0_pubkey(oldx);
	/* the old name itself, not its text: formatting and parsing again
	 * would not give back every name (multi-valued RDNs, escapes, string
	 * types) */
	if (over->subject)
		rq.subject = over->subject;
	else
		rq.subject_name = X509_get_subject_name(oldx);
	rq.days = over->days;
	rq.id_number = over->id_number ? over->id_number : old.id_number;
	rq.unit_code = over->unit_code ? over->unit_code : old.unit_code;
	rq.replaces = serial;
	rq.action = op == OP_RENEW ? "cert.renew" : "cert.update";
	if (op == OP_UPDATE && !over->subject && !over->id_number && !over->unit_code) {
		rc = err_why(FINCA_EINVAL, NULL, "cert.update_nothing",
			     "update: nothing changes (give a new subject, ID number or unit code)");
		goto out;
	}
	if (enc_serial[0]) {
		struct dual_out d;
		/* both halves replaced: the signing half as any certificate,
		 * and a NEW encryption key pair from the KM.  An encryption
		 * key is not extended: a new certificate is a new key, and
		 * the old key stays escrowed, for recovery of what was
		 * encrypted to it (ra/recover.c) */
		rq.pair_replaces = enc_serial;
		if ((rc = ca_issue_dual(ca, a, &rq, &d)) == FINCA_OK) {
			*out = d.sign;
			d.sign = NULL;
		}
		dual_out_clear(&d);
		goto out;
	}
	rc = ca_issue_one(ca, a, &rq, out);
out:
	X509_free(oldx);
	cert_rec_clear(&old);
	return rc;
}
