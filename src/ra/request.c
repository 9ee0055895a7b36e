/* Requests and batches (art. 19-22): one request per operation, the state
 * machine of DESIGN.md, production on the core, handover, the emergency
 * freeze of art. 25, access grants.
 *
 *   draft -> submitted -> approved | rejected -> accepted -> produced
 *         -> handed_over -> completed;  withdrawn before approval;
 *   rejected -> submitted again (resubmit) or withdrawn.
 * Operations with nothing to hand over (freeze, unfreeze, authorize) go
 * from produced to completed. */
#include "ra/ra.h"
#include "ca/ident.h"
#include "token/token.h"
#include "util/err.h"
#include "util/util.h"

#include <openssl/pem.h>
#include <stdlib.h>
#include <string.h>


/* What a request is to the scope checks: its unit, making node, holder,
 * and the department of its application system.  t's strings are
 * borrowed from r and *app (the caller's, json_decref). */
static void target_of(struct ca *ca, json_t *r, struct target *t, json_t **app)
{
	memset(t, 0, sizeof *t);
	*app = NULL;
	t->unit = ra_str(r, "unit");
	t->node = ra_str(r, "node");
	t->person = !strcmp(ra_str(r, "subject_kind"), "person") ? ra_str(r, "subject") : NULL;
	if (ra_str(r, "app") && store_row_get(ca_store(ca), "app", ra_str(r, "app"), app) == FINCA_OK)
		t->dept = ra_str(*app, "dept");
}

/* Checks the actor against a request (actor_may: a refusal is audited). */
static int may(struct ca *ca, const struct actor *a, const char *right, json_t *r)
{
	struct target t;
	json_t *app;
	int rc;

	target_of(ca, r, &t, &app);
	rc = actor_may(ca, a, right, &t);
	json_decref(app);
	return rc;
}

/* --- checking what is asked --- */

/* The certificate serial of a request, checked to belong to its subject. */
static int check_cert(struct ca *ca, json_t *r, struct cert_rec *c)
{
	const char *kind = ra_str(r, "subject_kind"), *subj = ra_str(r, "subject");
	char norm[41];

	if (!ra_str(r, "cert_serial"))
		return err_at(FINCA_EINVAL, "cert_serial", "missing: which certificate");
	if (ca_serial_norm(ra_str(r, "cert_serial"), norm) != FINCA_OK)
		return err_at(FINCA_EINVAL, "cert_serial", "not a serial number: %s", ra_str(r, "cert_serial"));
	if (store_cert_get(ca_store(ca), norm, c) != FINCA_OK)
		return err_at(FINCA_EINVAL, "cert_serial", "no certificate %s", norm);
	json_object_set_new(r, "cert_serial", json_string(norm));
	if (!strcmp(kind, "person") ? !c->id_number || strcmp(c->id_number, subj)
				    : !strcmp(kind, "unit") ? !c->unit_code || strcmp(c->unit_code, subj)
							    : 0)
		return err_at(FINCA_EINVAL, "cert_serial", "certificate %s is not the subject's", norm);
	return FINCA_OK;
}

/* Fills the row r from sp and checks it: the subject and its unit, the
 * application system, the certificate and token concerned, the reason
 * and the type's data. */
static int prepare(struct ca *ca, const struct req_spec *sp, json_t **out)
{
	const char *kind = sp->subject_kind && *sp->subject_kind ? sp->subject_kind : "person";
	const struct req_type *ty = req_type_get(sp->type);
	json_t *r = json_object(), *subj = NULL;
	struct cert_rec c;
	struct token_rec tk;
	char node[16], norm[19];
	int rc = FINCA_OK;

	memset(&c, 0, sizeof c);
	memset(&tk, 0, sizeof tk);
	*out = NULL;
	if (!ty) {
		rc = err_at(FINCA_EINVAL, "type", "expected one of " RA_TYPES);
		goto out;
	}
	json_object_set_new(r, "type", json_string(sp->type));
	if (strcmp(kind, "person") && strcmp(kind, "unit") && strcmp(kind, "device")) {
		rc = err_at(FINCA_EINVAL, "subject_kind", "expected person, unit or device, not %s", kind);
		goto out;
	}
	json_object_set_new(r, "subject_kind", json_string(kind));
	if (!sp->subject || !*sp->subject) {
		rc = err_at(FINCA_EINVAL, "subject", "missing");
		goto out;
	}
	if (!strcmp(kind, "person") && ident_resident_id_check(sp->subject, norm) != FINCA_OK) {
		rc = err_at(FINCA_EINVAL, "subject", "%s", err_msg());
		goto out;
	}
	json_object_set_new(r, "subject", json_string(!strcmp(kind, "person") ? norm : sp->subject));
	if (store_row_get(ca_store(ca), kind, ra_str(r, "subject"), &subj) != FINCA_OK) {
		rc = err_at(FINCA_EINVAL, "subject", "no %s '%s'", kind, ra_str(r, "subject"));
		goto out;
	}
	json_object_set(r, "name", json_object_get(subj, "name"));
	json_object_set_new(r, "unit", json_string(!strcmp(kind, "unit") ? ra_str(subj, "code")
						   : ra_str(subj, "unit")));
	if ((rc = org_making_node(ca, ra_str(r, "unit"), node)) != FINCA_OK)
		goto out;
	json_object_set_new(r, "node", json_string(node));
	if (!sp->app || !*sp->app) {
		rc = err_at(FINCA_EINVAL, "app", "missing: the application system whose department approves");
		goto out;
	}
	if (!store_row_exists(ca_store(ca), "app", sp->app)) {
		rc = err_at(FINCA_EINVAL, "app", "no application system '%s'", sp->app);
		goto out;
	}
	json_object_set_new(r, "app", json_string(sp->app));
	if (sp->cert_serial && *sp->cert_serial)
		json_object_set_new(r, "cert_serial", json_string(sp->cert_serial));
	if (sp->data)
		json_object_set(r, "data", sp->data);
	if (sp->note && *sp->note)
		json_object_set_new(r, "note", json_string(sp->note));

	if (ty->cert == CERT_NONE && sp->cert_serial && *sp->cert_serial) {
		rc = err_at(FINCA_EINVAL, "cert_serial", "not for %s", sp->type);
		goto out;
	}
	if (ty->cert == CERT_OWN && (rc = check_cert(ca, r, &c)) != FINCA_OK)
		goto out;
	if (ty->csr && strcmp(kind, "person") &&
	    !json_is_string(json_object_get(sp->data, "csr"))) {
		rc = err_at(FINCA_EINVAL, "data", "a %s certificate request carries its CSR (data.csr, PEM)", kind);
		goto out;
	}
	/* a request names subscribers' profiles only (profile.c's classes; the
	 * issuance checks it again) */
	if (ra_str(sp->data, "profile")) {
		const struct profile *pr = config_profile(ca->cfg, ra_str(sp->data, "profile"));
		if (!pr || pr->ca || pr->klass != PCLASS_SUBSCRIBER) {
			rc = err_at(FINCA_EINVAL, "data.profile", "%s%s: a request names a "
				     "subscriber's profile (personal, unit, device)",
				     ra_str(sp->data, "profile"), pr ? " is not a subscriber's"
				     : " is no profile");
			goto out;
		}
	}
	if (ty->follows) {
		const char *nu = ra_str(sp->data, "unit");
		if (!ra_str(sp->data, "name") && !nu && !ra_str(sp->data, "profile")) {
			rc = err_at(FINCA_EINVAL, "data", "an update says what changed: name or unit");
			goto out;
		}
		if (nu && !store_row_exists(ca_store(ca), "unit", nu)) {
			rc = err_at(FINCA_EINVAL, "data.unit", "no unit '%s'", nu);
			goto out;
		}
	}
	if (ty->reasons && (!sp->reason || !word_in(ty->reasons, sp->reason))) {
		rc = err_at(FINCA_EINVAL, "reason", "expected one of: %s", ty->reasons);
		goto out;
	}
	if (ty->rfc5280 && sp->reason && *sp->reason && ca_reason_parse(sp->reason) < 0) {
		rc = err_at(FINCA_EINVAL, "reason", "not an RFC 5280 reason: %s", sp->reason);
		goto out;
	}
	if (sp->reason && *sp->reason)
		json_object_set_new(r, "reason", json_string(sp->reason));
	else if (ty->default_reason)
		json_object_set_new(r, "reason", json_string(ty->default_reason));
	if (ty->make == MAKE_GRANT) {
		const char *act = ra_str(sp->data, "action"), *roles = ra_str(sp->data, "roles");
		const char *na = ra_str(sp->data, "not_after");
		int64_t t;
		if (!act || (strcmp(act, "grant") && strcmp(act, "withdraw"))) {
			rc = err_at(FINCA_EINVAL, "data.action", "expected grant or withdraw");
			goto out;
		}
		if (!strcmp(act, "grant") && !roles) {
			rc = err_at(FINCA_EINVAL, "data.roles", "missing: the roles granted on %s", sp->app);
			goto out;
		}
		if (na && time_parse(na, &t) != FINCA_OK) {
			rc = err_at(FINCA_EINVAL, "data.not_after", "%s", err_msg());
			goto out;
		}
		if (strcmp(kind, "person")) {
			rc = err_at(FINCA_EINVAL, "subject_kind", "access is granted to persons");
			goto out;
		}
	}
	/* the USBKey concerned: the one holding the certificate, or for a PIN
	 * reset the holder's key in use */
	if (c.serial[0] && store_token_by_cert(ca_store(ca), c.serial, &tk) == FINCA_OK)
		json_object_set_new(r, "token_serial", json_string(tk.serial));
	if (ty->cert == CERT_ON_KEY) {
		if (!sp->cert_serial || !*sp->cert_serial ||
		    store_token_by_cert(ca_store(ca), sp->cert_serial, &tk) != FINCA_OK ||
		    strcmp(tk.holder, ra_str(r, "subject"))) {
			rc = err_at(FINCA_EINVAL, "cert_serial", "give the certificate on the USBKey whose PIN is "
				 "reset");
			goto out;
		}
		json_object_set_new(r, "token_serial", json_string(tk.serial));
	}
	*out = r;
	r = NULL;
out:
	cert_rec_clear(&c);
	token_rec_clear(&tk);
	json_decref(r);
	json_decref(subj);
	return rc;
}

/* --- storing and moving --- */

static int insert(struct ca *ca, const struct actor *a, json_t *r, int64_t batch,
		  const char *state, int64_t *id)
{
	struct store *st = ca_store(ca);
	char obj[32];
	int rc;

	json_object_set_new(r, "batch", batch ? json_integer(batch) : json_null());
	json_object_set_new(r, "state", json_string(state));
	json_object_set_new(r, "submitter", json_string(a->name));
	json_object_set_new(r, "updated_at", json_integer(clock_now()));
	if (!json_object_get(r, "emergency"))
		json_object_set_new(r, "emergency", json_integer(0));
	json_object_set_new(r, "old_returned", json_integer(0));
	if ((rc = store_row_put(st, "request", r, 1, id)) != FINCA_OK)
		return rc;
	json_object_set_new(r, "id", json_integer(*id));
	snprintf(obj, sizeof obj, "request:%lld", (long long)*id);
	if ((rc = store_request_event(st, *id, a->name, NULL, state, NULL)) != FINCA_OK)
		return rc;
	return ca_audit(ca, a->name, "request.create", obj, r);
}

static int new_batch(struct ca *ca, const struct actor *a, const char *unit,
		     const char *source, int64_t *id)
{
	json_t *b = json_pack("{s:s, s:s?, s:s}", "unit", unit, "source", source,
			      "submitter", a->name);
	int rc = store_row_put(ca_store(ca), "batch", b, 1, id);
	char obj[32];

	snprintf(obj, sizeof obj, "batch:%lld", (long long)*id);
	if (rc == FINCA_OK)
		rc = ca_audit(ca, a->name, "batch.create", obj, b);
	json_decref(b);
	return rc;
}

int ra_batch_create(struct ca *ca, const struct actor *a, const char *source,
		    const struct req_spec *sp, size_t n, json_t **out, json_t **errors)
{
	json_t **rows = xcalloc(n ? n : 1, sizeof *rows), *errs = json_array(), *ids;
	json_t *seen = json_object(); /* "type subject" of the rows checked */
	char key[160];
	struct store *st = ca_store(ca);
	const char *unit = NULL;
	int64_t batch = 0, id;
	int rc = FINCA_OK;
	size_t i;

	*out = NULL;
	if (errors)
		*errors = NULL;
	if (n == 0) {
		rc = err_set(FINCA_EINVAL, "the batch is empty");
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct target t;
		if (prepare(ca, &sp[i], &rows[i]) != FINCA_OK) {
			json_array_append_new(errs, json_pack("{s:I, s:s, s:s}", "index",
				(json_int_t)i, "field", err_field() ? err_field() : "",
				"message", err_detail()));
			continue;
		}
		/* one lookup per row, not a scan of the rows before it: a
		 * spreadsheet of 10,000 rows took 10-50 s in that scan */
		snprintf(key, sizeof key, "%s %s", ra_str(rows[i], "type"), ra_str(rows[i], "subject"));
		if (json_object_get(seen, key))
			json_array_append_new(errs, json_pack("{s:I, s:s, s:s}", "index",
				(json_int_t)i, "field", "subject", "message",
				"the same subject twice for the same operation in one batch"));
		else
			json_object_set_new(seen, key, json_true());
		if (!unit)
			unit = ra_str(rows[i], "unit");
		else if (strcmp(unit, ra_str(rows[i], "unit")))
			json_array_append_new(errs, json_pack("{s:I, s:s, s:s}", "index",
				(json_int_t)i, "field", "subject", "message",
				"a batch is one unit's: this subject belongs to another unit"));
		memset(&t, 0, sizeof t);
		t.unit = ra_str(rows[i], "unit");
		if (json_array_size(errs) == 0 &&
		    (rc = actor_may(ca, a, "request.create", &t)) != FINCA_OK)
			goto out;
	}
	if (json_array_size(errs)) {
		json_t *e0 = json_array_get(errs, 0);
		const char *f = json_string_value(json_object_get(e0, "field"));
		const char *m = json_string_value(json_object_get(e0, "message"));
		/* one request (ra_request_create): its own error, field and all */
		if (n == 1 && f && *f)
			rc = err_at(FINCA_EINVAL, f, "%s", m);
		else
			rc = err_set(FINCA_EINVAL, "%zu problem(s); the first: request %lld: %s%s%s",
				     json_array_size(errs), (long long)json_integer_value(
				     json_object_get(e0, "index")) + 1, f && *f ? f : "",
				     f && *f ? ": " : "", m);
		if (errors) {
			*errors = errs;
			errs = NULL;
		}
		goto out;
	}
	if ((rc = store_begin(st)) != FINCA_OK)
		goto out;
	ids = json_array();
	if ((rc = new_batch(ca, a, unit, source, &batch)) == FINCA_OK)
		for (i = 0; i < n && rc == FINCA_OK; i++)
			if ((rc = insert(ca, a, rows[i], batch, "draft", &id)) == FINCA_OK)
				json_array_append_new(ids, json_integer(id));
	if (rc != FINCA_OK || (rc = store_commit(st)) != FINCA_OK) {
		store_rollback(st);
		json_decref(ids);
		goto out;
	}
	*out = json_pack("{s:I, s:s, s:I, s:o}", "batch", (json_int_t)batch, "unit", unit,
			 "requests", (json_int_t)n, "ids", ids);
out:
	for (i = 0; i < n; i++)
		json_decref(rows[i]);
	free(rows);
	json_decref(errs);
	json_decref(seen);
	return rc;
}

int ra_request_create(struct ca *ca, const struct actor *a, const struct req_spec *sp,
		      json_t **out)
{
	json_t *b = NULL;
	int rc = ra_batch_create(ca, a, NULL, sp, 1, &b, NULL);

	*out = NULL;
	if (rc == FINCA_OK)
		rc = ra_request_show(ca, a, json_integer_value(json_array_get(
					 json_object_get(b, "ids"), 0)), out);
	json_decref(b);
	return rc;
}

/* --- production on the core --- */

static int freeze_or_thaw(struct ca *ca, const struct actor *a, json_t *r, int freeze)
{
	struct token_rec t;
	const char *serial = ra_str(r, "cert_serial");
	int rc;

	memset(&t, 0, sizeof t);
	if (store_token_by_cert(ca_store(ca), serial, &t) == FINCA_OK &&
	    !strcmp(t.state, freeze ? "issued" : "suspended"))
		rc = token_move(ca, a, t.serial, freeze ? "suspended" : "issued", -1, NULL,
				freeze ? "certificate frozen" : "certificate unfrozen");
	else
		rc = freeze ? ca_freeze(ca, a, serial) : ca_unfreeze(ca, a, serial);
	token_rec_clear(&t);
	return rc;
}

static int grant(struct ca *ca, const struct actor *a, json_t *r)
{
	struct store *st = ca_store(ca);
	json_t *d = json_object_get(r, "data"), *g = NULL;
	const char *na = ra_str(d, "not_after");
	int withdraw = !strcmp(ra_str(d, "action"), "withdraw");
	int64_t t = 0, id;
	int rc, found;

	if (na && time_parse(na, &t) != FINCA_OK)
		return err_at(FINCA_EINVAL, "data.not_after", "%s", err_msg());
	found = store_grant_find(st, ra_str(r, "subject"), ra_str(r, "app"), &g) == FINCA_OK;
	if (withdraw && (!found || strcmp(ra_str(g, "state"), "active"))) {
		json_decref(g);
		return err_set(FINCA_ESTATE, "%s has no access to %s to withdraw",
			       ra_str(r, "subject"), ra_str(r, "app"));
	}
	if (!found)
		g = json_pack("{s:s, s:s}", "person", ra_str(r, "subject"), "app", ra_str(r, "app"));
	if (!withdraw) {
		json_object_set_new(g, "roles", json_string(ra_str(d, "roles")));
		json_object_set_new(g, "not_after", t ? json_integer(t) : json_null());
	}
	json_object_set_new(g, "state", json_string(withdraw ? "withdrawn" : "active"));
	json_object_set(g, "request", json_object_get(r, "id"));
	json_object_set_new(g, "updated_at", json_integer(clock_now()));
	rc = store_row_put(st, "access_grant", g, !found, &id);
	if (rc == FINCA_OK)
		rc = ca_audit(ca, a->name, withdraw ? "grant.withdraw" : "grant.give", "grant", g);
	json_decref(g);
	return rc;
}

/* A unit's or device's certificate from the request's CSR, or a renewal
 * or update of one with the same key. */
static int issue_direct(struct ca *ca, const struct actor *a, json_t *r)
{
	json_t *d = json_object_get(r, "data");
	const char *csr = ra_str(d, "csr");
	struct issue_req rq;
	unsigned char *der = NULL;
	long len = 0;
	X509 *x = NULL;
	char serial[41];
	int rc;

	memset(&rq, 0, sizeof rq);
	if (csr) {
		BIO *b = BIO_new_mem_buf(csr, -1);
		char *name = NULL, *hdr = NULL;
		int ok = PEM_read_bio(b, &name, &hdr, &der, &len);
		BIO_free(b);
		OPENSSL_free(name);
		OPENSSL_free(hdr);
		if (!ok)
			return err_at(FINCA_EINVAL, "data.csr", "not a PEM certificate request");
		rq.csr_der = der;
		rq.csr_len = (size_t)len;
	}
	if (req_type_of(r)->make == MAKE_ISSUE) {
		rq.profile = ra_str(d, "profile") ? ra_str(d, "profile") : ra_str(r, "subject_kind");
		rq.subject = ra_str(d, "subject");
		rq.unit_code = !strcmp(ra_str(r, "subject_kind"), "unit") ? ra_str(r, "subject") : NULL;
		rc = ca_issue_one(ca, a, &rq, &x);
	} else {
		rq.subject = ra_str(d, "subject");
		rq.unit_code = ra_str(d, "unit_code");
		rc = ca_renew(ca, a, req_type_of(r)->make == MAKE_RENEW ? OP_RENEW : OP_UPDATE,
			      ra_str(r, "cert_serial"), &rq, &x);
	}
	OPENSSL_free(der);
	if (rc == FINCA_OK) {
		ca_cert_serial(x, serial);
		json_object_set_new(r, "result_serial", json_string(serial));
	}
	X509_free(x);
	return rc;
}

/* The RFC 5280 reason that revokes the certificate of a reissue: a lost
 * USBKey's key is compromised (1), a damaged one's superseded (4). */
static int reissue_reason(json_t *r)
{
	return !strcmp(ra_str(r, "reason"), "lost") ? 1 : 4;
}

/* The operation itself, inside the move's transaction (not for one made
 * at the token station). */
static int produce(struct ca *ca, const struct actor *a, json_t *r)
{
	const struct req_type *ty = req_type_of(r);

	switch (ty->make) { /* made at the station: refused by when_produce */
	case MAKE_FREEZE:
	case MAKE_UNFREEZE:
		return freeze_or_thaw(ca, a, r, ty->make == MAKE_FREEZE);
	case MAKE_REVOKE:
		return ca_revoke(ca, a, ra_str(r, "cert_serial"), ca_reason_parse(ra_str(r, "reason")));
	case MAKE_GRANT:
		return grant(ca, a, r);
	case MAKE_REISSUE: /* a unit's or device's: revoke; apply anew */
		return ca_revoke(ca, a, ra_str(r, "cert_serial"), reissue_reason(r));
	default: /* apply, renew, update (and a PIN reset not at the station) */
		return issue_direct(ca, a, r);
	}
}

/* The old USBKey is back at the making unit (art. 22). */
static int old_back(struct ca *ca, const struct actor *a, json_t *r, const char *who)
{
	const char *old = ra_str(r, "token_serial");
	struct token_rec t;
	int rc = FINCA_OK;

	if (!req_old_token_due(r))
		return err_set(FINCA_EINVAL, "request %lld needs no USBKey back",
			       (long long)json_integer_value(json_object_get(r, "id")));
	memset(&t, 0, sizeof t);
	if ((rc = store_token_get(ca_store(ca), old, &t)) == FINCA_OK &&
	    (!strcmp(t.state, "issued") || !strcmp(t.state, "suspended")))
		rc = token_move(ca, a, old, "returned", -1, who, "returned with the request");
	token_rec_clear(&t);
	json_object_set_new(r, "old_returned", json_integer(1));
	return rc;
}

/* Handover (交接): handler, date, the new token, the old one back. */
static int handover(struct ca *ca, const struct actor *a, json_t *r, json_t *args)
{
	const char *handler = ra_str(args, "handler"), *date = ra_str(args, "date");
	const char *nt = ra_str(args, "new_token");
	int returned = json_is_true(json_object_get(args, "old_returned"));
	int64_t at = clock_now();
	int rc = FINCA_OK;

	if (!handler)
		return err_at(FINCA_EINVAL, "handler", "missing (经办人, who takes the USBKey)");
	if (date && time_parse(date, &at) != FINCA_OK)
		return err_at(FINCA_EINVAL, "date", "%s", err_msg());
	if (nt && ra_str(r, "new_token") && strcmp(nt, ra_str(r, "new_token")))
		return err_at(FINCA_EINVAL, "new_token", "the certificate was made on %s, not %s",
			       ra_str(r, "new_token"), nt);
	json_object_set_new(r, "handler", json_string(handler));
	json_object_set_new(r, "handed_at", json_integer(at));
	if (ra_str(r, "new_token") && req_type_of(r)->new_key)
		rc = token_handover(ca, a, ra_str(r, "new_token"), handler, "request handover");
	if (rc == FINCA_OK && returned)
		rc = old_back(ca, a, r, handler);
	return rc;
}

/* What a move needs of request r besides its state: FINCA_OK when it may
 * run, else the error code.  With say, a refusal also sets the message
 * (the move itself); without, it says nothing (the list of actions). */
#define REFUSE(say, rc, ...) ((say) ? err_set((rc), __VA_ARGS__) : (rc))

static int old_is_back(json_t *r)
{
	json_t *v = json_object_get(r, "old_returned"); /* 0/1 in the store */

	return json_is_true(v) || json_integer_value(v);
}

static int when_produce(json_t *r, int say)
{
	long long id = (long long)json_integer_value(json_object_get(r, "id"));

	if (req_at_station(r))
		return REFUSE(say, FINCA_ESTATE, "request %lld is made at the token station: "
			      "finca token %s --request %lld", id, req_type_of(r)->station, id);
	return FINCA_OK;
}

static int when_handover(json_t *r, int say)
{
	/* XXX: the move has always accepted a request with nothing to hand
	 * over (a batch's handover takes every produced request); only the
	 * list of actions leaves it out, as the console did */
	return say || req_handover_due(r) ? FINCA_OK : FINCA_ESTATE;
}

static int when_return(json_t *r, int say)
{
	long long id = (long long)json_integer_value(json_object_get(r, "id"));

	if (old_is_back(r))
		return REFUSE(say, FINCA_ESTATE, "request %lld: the old USBKey is back already", id);
	if (!req_old_token_due(r))
		return REFUSE(say, FINCA_EINVAL, "request %lld needs no USBKey back", id);
	return FINCA_OK;
}

static int when_complete(json_t *r, int say)
{
	long long id = (long long)json_integer_value(json_object_get(r, "id"));

	if (!strcmp(ra_str(r, "state"), "produced") && req_handover_due(r))
		return REFUSE(say, FINCA_ESTATE, "request %lld: record the handover first "
			      "(handler, new USBKey)", id);
	if (req_old_token_due(r) && !old_is_back(r))
		return REFUSE(say, FINCA_ESTATE, "request %lld: the old USBKey %s must be "
			      "returned first (art. 22)", id, ra_str(r, "token_serial"));
	return FINCA_OK;
}

/* The state machine of the header comment, in the console's order of
 * buttons. */
static const struct move {
	const char *action, *from, *to, *right;
	int (*when)(json_t *r, int say); /* NULL: the state is enough */
} moves[] = {
	{ "submit", "draft", "submitted", "request.submit", NULL },
	{ "resubmit", "rejected", "submitted", "request.submit", NULL },
	{ "withdraw", "draft submitted rejected", "withdrawn", "request.submit", NULL },
	{ "approve", "submitted", "approved", "request.approve", NULL },
	{ "reject", "submitted", "rejected", "request.approve", NULL },
	{ "accept", "approved", "accepted", "request.produce", NULL },
	{ "produce", "accepted", "produced", "request.produce", when_produce },
	{ "handover", "produced", "handed_over", "request.produce", when_handover },
	/* the old key back later (art. 22) */
	{ "return", "handed_over", "handed_over", "request.produce", when_return },
	{ "complete", "produced handed_over", "completed", "request.complete", when_complete },
};

/* Writes r in state to with its event (note) and audit record (details,
 * taken, with action, from and to added). */
static int record_move(struct ca *ca, const struct actor *a, json_t *r, const char *action,
		       const char *to, const char *note, json_t *details)
{
	int64_t id = json_integer_value(json_object_get(r, "id"));
	char obj[32], from[16];
	int rc;

	snprintf(from, sizeof from, "%s", ra_str(r, "state")); /* replaced below */
	json_object_set_new(r, "state", json_string(to));
	json_object_set_new(r, "updated_at", json_integer(clock_now()));
	json_object_set_new(details, "action", json_string(action));
	json_object_set_new(details, "from", json_string(from));
	json_object_set_new(details, "to", json_string(to));
	snprintf(obj, sizeof obj, "request:%lld", (long long)id);
	if ((rc = store_row_put(ca_store(ca), "request", r, 0, NULL)) == FINCA_OK &&
	    (rc = store_request_event(ca_store(ca), id, a->name, from, to, note)) == FINCA_OK)
		rc = ca_audit(ca, a->name, "request.move", obj, details);
	json_decref(details);
	return rc;
}

/* The move m of r (read inside the transaction), its effect and record. */
static int apply_move(struct ca *ca, const struct actor *a, const struct move *m,
		      json_t *r, json_t *args)
{
	const char *why = ra_str(args, "reason"), *from = ra_str(r, "state");
	int64_t id = json_integer_value(json_object_get(r, "id"));
	int rc;

	if (!word_in(m->from, from))
		return err_set(FINCA_ESTATE, "request %lld is %s: cannot %s it (only from %s)",
			       (long long)id, from, m->action, m->from);
	if (!strcmp(m->action, "reject") && !why)
		return err_at(FINCA_EINVAL, "reason", "a rejection says why");
	if (m->when && (rc = m->when(r, 1)) != FINCA_OK)
		return rc;
	if (!strcmp(m->action, "approve") || !strcmp(m->action, "reject"))
		json_object_set_new(r, "approver", json_string(a->name));
	if (!strcmp(m->action, "accept") || !strcmp(m->action, "produce"))
		json_object_set_new(r, "operator", json_string(a->name));
	if (!strcmp(m->action, "produce") && (rc = produce(ca, a, r)) != FINCA_OK)
		return rc;
	if (!strcmp(m->action, "handover") && (rc = handover(ca, a, r, args)) != FINCA_OK)
		return rc;
	if (!strcmp(m->action, "return") &&
	    (rc = old_back(ca, a, r, ra_str(args, "handler") ? ra_str(args, "handler") : a->name)))
		return rc;
	return record_move(ca, a, r, m->action, m->to, why,
			   json_pack("{s:s?, s:O?}", "reason", why, "args", args));
}

static const struct move *find_move(const char *action)
{
	for (size_t i = 0; i < ARRAY_LEN(moves); i++)
		if (!strcmp(moves[i].action, action))
			return &moves[i];
	return NULL;
}

/* Reads request id, checks the actor, and runs fn inside one
 * transaction with the request read again there. */
static int in_tx(struct ca *ca, const struct actor *a, int64_t id, const char *right,
		 int (*fn)(struct ca *, const struct actor *, json_t *, void *), void *arg)
{
	struct store *st = ca_store(ca);
	json_t *r = NULL;
	int rc;

	if ((rc = store_row_get_id(st, "request", id, &r)) != FINCA_OK)
		return err_set(rc, "no request %lld", (long long)id);
	rc = may(ca, a, right, r);
	json_decref(r);
	r = NULL;
	if (rc != FINCA_OK)
		return rc;
	if ((rc = store_begin(st)) != FINCA_OK)
		return rc;
	if ((rc = store_row_get_id(st, "request", id, &r)) == FINCA_OK)
		rc = fn(ca, a, r, arg);
	json_decref(r);
	if (rc != FINCA_OK) {
		store_rollback(st); /* keeps the error message */
		return rc;
	}
	return store_commit(st);
}

struct act_arg {
	const struct move *m;
	json_t *args;
};

static int act_fn(struct ca *ca, const struct actor *a, json_t *r, void *arg)
{
	struct act_arg *x = arg;

	return apply_move(ca, a, x->m, r, x->args);
}

int ra_request_act(struct ca *ca, const struct actor *a, int64_t id, const char *action,
		   json_t *args, json_t **out)
{
	struct act_arg x = { find_move(action), args };
	int rc;

	*out = NULL;
	if (!x.m)
		return err_set(FINCA_EINVAL, "%s: not an action (submit withdraw resubmit approve "
			       "reject accept produce handover return complete)", action);
	if ((rc = in_tx(ca, a, id, x.m->right, act_fn, &x)) != FINCA_OK)
		return rc;
	return ra_request_show(ca, a, id, out);
}

int ra_batch_act(struct ca *ca, const struct actor *a, int64_t batch, const char *action,
		 json_t *args, json_t **out)
{
	struct store *st = ca_store(ca);
	struct row_query q;
	json_t *items = json_array(), *done = json_array();
	const struct move *m = find_move(action);
	int64_t next = 0;
	size_t i;
	int rc;

	*out = NULL;
	memset(&q, 0, sizeof q);
	q.table = "request";
	q.eq[0].col = "batch";
	char b[24];
	snprintf(b, sizeof b, "%lld", (long long)batch);
	q.eq[0].val = b;
	q.limit = 100000;
	if (!m) {
		rc = err_set(FINCA_EINVAL, "%s: not an action", action);
		goto out;
	}
	if ((rc = store_row_list(st, &q, items, &next)) != FINCA_OK)
		goto out;
	if (json_array_size(items) == 0) {
		rc = err_set(FINCA_ENOTFOUND, "no batch %lld", (long long)batch);
		goto out;
	}
	for (i = 0; i < json_array_size(items); i++)
		if ((rc = may(ca, a, m->right, json_array_get(items, i))) != FINCA_OK)
			goto out;
	if ((rc = store_begin(st)) != FINCA_OK)
		goto out;
	for (i = 0; i < json_array_size(items) && rc == FINCA_OK; i++) {
		json_t *r = json_array_get(items, i);
		/* requests already moved on (or withdrawn) are left as they are */
		if (!word_in(m->from, ra_str(r, "state")))
			continue;
		if ((rc = apply_move(ca, a, m, r, args)) == FINCA_OK)
			json_array_append(done, json_object_get(r, "id"));
		else
			err_wrap(rc, "request %lld", (long long)json_integer_value(
				 json_object_get(r, "id")));
	}
	if (rc == FINCA_OK && json_array_size(done) == 0)
		rc = err_set(FINCA_ESTATE, "no request of batch %lld can %s now", (long long)batch,
			     action);
	if (rc != FINCA_OK) {
		store_rollback(st); /* keeps the error message */
		goto out;
	}
	if ((rc = store_commit(st)) != FINCA_OK)
		goto out;
	*out = json_pack("{s:I, s:s, s:O}", "batch", (json_int_t)batch, "action", action,
			 "requests", done);
out:
	json_decref(items);
	json_decref(done);
	return rc;
}

/* --- reading --- */

static void decorate(json_t *r)
{
	const char *k;
	json_t *v;
	char t[32];

	/* times as text, for people */
	json_object_foreach(r, k, v)
		if ((!strcmp(k, "created_at") || !strcmp(k, "updated_at") ||
		     !strcmp(k, "handed_at") || !strcmp(k, "at")) && json_is_integer(v)) {
			time_format(json_integer_value(v), t, sizeof t);
			json_object_set_new(r, k, json_string(t));
		}
	if (json_is_integer(json_object_get(r, "emergency")))
		json_object_set_new(r, "emergency",
				    json_boolean(json_integer_value(json_object_get(r, "emergency"))));
	if (json_is_integer(json_object_get(r, "old_returned")))
		json_object_set_new(r, "old_returned",
				    json_boolean(json_integer_value(json_object_get(r, "old_returned"))));
}

/* What the console needs to know of request r (a row as stored, before
 * decorate) for actor a: the moves a may take now (state, right and scope,
 * checked without auditing, and what each move needs), and the type's
 * rules that apply to it. */
static void add_facts(struct ca *ca, const struct actor *a, json_t *r)
{
	json_t *acts = json_array(), *app;
	struct target t;
	char cmd[64];

	target_of(ca, r, &t, &app);
	for (size_t i = 0; i < ARRAY_LEN(moves); i++)
		if (word_in(moves[i].from, ra_str(r, "state")) &&
		    (!moves[i].when || moves[i].when(r, 0) == FINCA_OK) &&
		    actor_can(a, moves[i].right, &t))
			json_array_append_new(acts, json_string(moves[i].action));
	json_decref(app);
	json_object_set_new(r, "actions", acts);
	json_object_set_new(r, "at_station", json_boolean(req_at_station(r)));
	json_object_set_new(r, "handover_due", json_boolean(req_handover_due(r)));
	json_object_set_new(r, "old_token_due", json_boolean(req_old_token_due(r)));
	/* made now at the station: an accepted request is */
	if (req_at_station(r) && !strcmp(ra_str(r, "state"), "accepted")) {
		snprintf(cmd, sizeof cmd, "finca token %s --request %lld", req_type_of(r)->station,
			 (long long)json_integer_value(json_object_get(r, "id")));
		json_object_set_new(r, "station_command", json_string(cmd));
	}
}

int ra_request_show(struct ca *ca, const struct actor *a, int64_t id, json_t **out)
{
	struct store *st = ca_store(ca);
	json_t *r = NULL, *ev = json_array();
	int rc;

	*out = NULL;
	if ((rc = store_row_get_id(st, "request", id, &r)) != FINCA_OK) {
		err_set(rc, "no request %lld", (long long)id);
		goto out;
	}
	if ((rc = may(ca, a, "request.read", r)) != FINCA_OK ||
	    (rc = store_request_events(st, id, ev)) != FINCA_OK)
		goto out;
	for (size_t i = 0; i < json_array_size(ev); i++)
		decorate(json_array_get(ev, i));
	add_facts(ca, a, r);
	decorate(r);
	json_object_set(r, "events", ev);
	*out = r;
	r = NULL;
out:
	json_decref(r);
	json_decref(ev);
	return rc;
}

int ra_request_list(struct ca *ca, const struct actor *a, const struct page *p,
		    const char *state, int64_t batch, json_t **out)
{
	struct row_query q;
	json_t *items = json_array();
	char b[24];
	int64_t next = 0;
	int rc, e = 0;

	*out = NULL;
	memset(&q, 0, sizeof q);
	q.table = "request";
	q.q = p->q;
	q.after = p->after;
	q.limit = p->limit;
	if (state)
		q.eq[e].col = "state", q.eq[e++].val = state;
	if (batch) {
		snprintf(b, sizeof b, "%lld", (long long)batch);
		q.eq[e].col = "batch", q.eq[e++].val = b;
	}
	if (p->filter)
		q.eq[e].col = "type", q.eq[e++].val = p->filter;
	if ((rc = actor_may(ca, a, "request.read", NULL)) != FINCA_OK)
		goto fail;
	q.scope = actor_row_scope(a);
	q.scope_val = a->scope;
	if ((rc = store_row_list(ca_store(ca), &q, items, &next)) != FINCA_OK)
		goto fail;
	for (size_t i = 0; i < json_array_size(items); i++) {
		add_facts(ca, a, json_array_get(items, i));
		decorate(json_array_get(items, i));
	}
	*out = json_pack("{s:o, s:o}", "items", items, "next",
			 next ? json_integer(next) : json_null());
	return FINCA_OK;
fail:
	json_decref(items);
	return rc;
}

int ra_batch_show(struct ca *ca, const struct actor *a, int64_t id, json_t **out)
{
	struct store *st = ca_store(ca);
	struct page p = { NULL, NULL, 0, 1000 };
	json_t *b = NULL, *reqs = NULL, *att = json_array();
	struct target t;
	int rc;

	*out = NULL;
	if ((rc = store_row_get_id(st, "batch", id, &b)) != FINCA_OK) {
		err_set(rc, "no batch %lld", (long long)id);
		goto out;
	}
	memset(&t, 0, sizeof t);
	t.unit = ra_str(b, "unit");
	/* approvers and operators see a batch through its requests */
	if ((rc = ra_request_list(ca, a, &p, NULL, id, &reqs)) != FINCA_OK)
		goto out;
	if (json_array_size(json_object_get(reqs, "items")) == 0 &&
	    (rc = actor_may(ca, a, "request.read", &t)) != FINCA_OK)
		goto out;
	if ((rc = store_attachments(st, id, att)) != FINCA_OK)
		goto out;
	for (size_t i = 0; i < json_array_size(att); i++)
		decorate(json_array_get(att, i));
	decorate(b);
	json_object_set(b, "requests", json_object_get(reqs, "items"));
	json_object_set(b, "attachments", att);
	*out = b;
	b = NULL;
out:
	json_decref(b);
	json_decref(reqs);
	json_decref(att);
	return rc;
}

/* --- the token station's requests --- */

static int enroll_spec_fn(struct ca *ca, const struct actor *a, json_t *r, void *arg)
{
	json_t **spec = arg, *d = json_object_get(r, "data"), *p = NULL, *u = NULL, *k;
	const char *name, *unit;
	char dn[512];
	int rc;

	if (strcmp(ra_str(r, "state"), "accepted"))
		return err_set(FINCA_ESTATE, "request %lld is %s: a USBKey is made for an "
			       "accepted request", (long long)json_integer_value(
			       json_object_get(r, "id")), ra_str(r, "state"));
	if (!req_at_station(r) || !req_type_of(r)->new_key)
		return err_set(FINCA_ESTATE, "request %lld (%s of a %s) is not made on a USBKey",
			       (long long)json_integer_value(json_object_get(r, "id")),
			       ra_str(r, "type"), ra_str(r, "subject_kind"));
	if ((rc = store_row_get(ca_store(ca), "person", ra_str(r, "subject"), &p)) != FINCA_OK)
		return rc;
	name = ra_str(d, "name") ? ra_str(d, "name") : ra_str(p, "name");
	unit = ra_str(d, "unit") ? ra_str(d, "unit") : ra_str(p, "unit");
	if ((rc = store_row_get(ca_store(ca), "unit", unit, &u)) != FINCA_OK) {
		json_decref(p);
		return rc;
	}
	snprintf(dn, sizeof dn, "C=CN,O=%s,CN=%s", ra_str(u, "name"), name);
	k = json_pack("{s:s, s:s, s:s, s:s, s:s?}", "profile",
		      ra_str(d, "profile") ? ra_str(d, "profile") : "personal", "subject", dn,
		      "id_number", ra_str(r, "subject"), "unit_code", ra_str(u, "code"),
		      "replaces", req_type_of(r)->replaces ? ra_str(r, "cert_serial") : NULL);
	json_decref(p);
	json_decref(u);
	/* 补办: the lost or damaged key's certificate is revoked now, before
	 * the new one exists (art. 16, 25) */
	if (req_type_of(r)->make == MAKE_REISSUE) {
		struct cert_rec c;
		struct token_rec t;
		const char *to = !strcmp(ra_str(r, "reason"), "lost") ? "lost" : "damaged";
		memset(&c, 0, sizeof c);
		memset(&t, 0, sizeof t);
		if (ra_str(r, "token_serial") &&
		    store_token_get(ca_store(ca), ra_str(r, "token_serial"), &t) == FINCA_OK &&
		    token_move_check(t.state, to) == FINCA_OK)
			rc = token_move(ca, a, t.serial, to, -1, NULL, "reissue request");
		else if (store_cert_get(ca_store(ca), ra_str(r, "cert_serial"), &c) == FINCA_OK &&
			 c.status != CERT_REVOKED)
			rc = ca_revoke(ca, a, c.serial, reissue_reason(r));
		cert_rec_clear(&c);
		token_rec_clear(&t);
		if (rc != FINCA_OK) {
			json_decref(k);
			return rc;
		}
	}
	json_object_set(k, "request", json_object_get(r, "id"));
	*spec = k;
	return FINCA_OK;
}

int ra_enroll_spec(struct ca *ca, const struct actor *a, int64_t id, json_t **spec)
{
	*spec = NULL;
	return in_tx(ca, a, id, "request.produce", enroll_spec_fn, spec);
}

struct done_arg {
	const char *token, *cert;
};

static int person_follows(struct ca *ca, const struct actor *a, json_t *r)
{
	json_t *d = json_object_get(r, "data"), *p = NULL;
	int rc;

	if (!ra_str(d, "name") && !ra_str(d, "unit"))
		return FINCA_OK;
	if ((rc = store_row_get(ca_store(ca), "person", ra_str(r, "subject"), &p)) != FINCA_OK)
		return rc;
	if (ra_str(d, "name"))
		json_object_set_new(p, "name", json_string(ra_str(d, "name")));
	if (ra_str(d, "unit"))
		json_object_set_new(p, "unit", json_string(ra_str(d, "unit")));
	if ((rc = store_row_put(ca_store(ca), "person", p, 0, NULL)) == FINCA_OK)
		rc = ca_audit(ca, a->name, "person.edit", "person", p);
	json_decref(p);
	return rc;
}

static int enroll_done_fn(struct ca *ca, const struct actor *a, json_t *r, void *arg)
{
	struct done_arg *x = arg;
	int rc;

	if (x->cert && (rc = token_enroll_commit(ca, a, x->token, x->cert)) != FINCA_OK)
		return rc;
	if (x->cert)
		json_object_set_new(r, "result_serial", json_string(x->cert));
	json_object_set_new(r, "new_token", json_string(x->token));
	/* the station did the work: record it as produced */
	json_object_set_new(r, "operator", json_string(a->name));
	if (strcmp(ra_str(r, "state"), "accepted"))
		return err_set(FINCA_ESTATE, "request %lld is %s, not accepted",
			       (long long)json_integer_value(json_object_get(r, "id")),
			       ra_str(r, "state"));
	/* 更新: the register follows the certificate (name, unit) */
	if (req_type_of(r)->follows && (rc = person_follows(ca, a, r)) != FINCA_OK)
		return rc;
	return record_move(ca, a, r, "produce", "produced", x->token,
			   json_pack("{s:s, s:s?}", "token", x->token, "certificate", x->cert));
}

int ra_enroll_done(struct ca *ca, const struct actor *a, int64_t id,
		   const char *token_serial, const char *cert_serial)
{
	struct done_arg x = { token_serial, cert_serial };

	return in_tx(ca, a, id, "request.produce", enroll_done_fn, &x);
}

static int pin_check_fn(struct ca *ca, const struct actor *a, json_t *r, void *arg)
{
	const char *token = arg;

	(void)ca;
	(void)a;
	if (req_type_of(r)->make != MAKE_PIN || strcmp(ra_str(r, "state"), "accepted") ||
	    !ra_str(r, "token_serial") || strcmp(ra_str(r, "token_serial"), token))
		return err_set(FINCA_ESTATE, "request %lld is not an accepted PIN reset of "
			       "USBKey %s (it is a %s, %s, for %s)",
			       (long long)json_integer_value(json_object_get(r, "id")), token,
			       ra_str(r, "type"), ra_str(r, "state"),
			       ra_str(r, "token_serial") ? ra_str(r, "token_serial") : "no USBKey");
	return FINCA_OK;
}

int ra_pin_reset_check(struct ca *ca, const struct actor *a, int64_t id, const char *token)
{
	return in_tx(ca, a, id, "request.produce", pin_check_fn, (void *)token);
}

static int pin_done_fn(struct ca *ca, const struct actor *a, json_t *r, void *arg)
{
	struct done_arg x = { ra_str(r, "token_serial"), NULL };
	int rc;

	(void)arg;
	if ((rc = pin_check_fn(ca, a, r, (void *)x.token)) != FINCA_OK)
		return rc;
	return enroll_done_fn(ca, a, r, &x);
}

int ra_pin_reset_done(struct ca *ca, const struct actor *a, int64_t id)
{
	return in_tx(ca, a, id, "request.produce", pin_done_fn, NULL);
}

/* --- 紧急冻结 --- */

int ra_emergency_freeze(struct ca *ca, const struct actor *a, const char *serial,
			const char *note, json_t **out)
{
	struct store *st = ca_store(ca);
	struct cert_rec c;
	struct target t;
	json_t *p = NULL, *r = NULL;
	char norm[41], node[16];
	int64_t id = 0;
	int rc;

	*out = NULL;
	memset(&c, 0, sizeof c);
	if (ca_serial_norm(serial, norm) != FINCA_OK || store_cert_get(st, norm, &c) != FINCA_OK) {
		rc = err_set(FINCA_ENOTFOUND, "no certificate %s", serial);
		goto out;
	}
	if (!c.id_number || store_row_get(st, "person", c.id_number, &p) != FINCA_OK) {
		rc = err_set(FINCA_EINVAL, "certificate %s belongs to no registered person", norm);
		goto out;
	}
	memset(&t, 0, sizeof t);
	t.unit = ra_str(p, "unit");
	t.person = c.id_number;
	if ((rc = actor_may(ca, a, "freeze.emergency", &t)) != FINCA_OK)
		goto out;
	if ((rc = org_making_node(ca, t.unit, node)) != FINCA_OK)
		goto out;
	r = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s?}", "type", "freeze",
		      "subject_kind", "person", "subject", c.id_number, "name", ra_str(p, "name"),
		      "unit", t.unit, "node", node, "cert_serial", norm, "emergency", 1,
		      "note", note);
	if ((rc = store_begin(st)) != FINCA_OK)
		goto out;
	if ((rc = freeze_or_thaw(ca, a, r, 1)) != FINCA_OK ||
	    (rc = insert(ca, a, r, 0, "completed", &id)) != FINCA_OK) {
		store_rollback(st); /* keeps the error message */
		goto out;
	}
	{
		char obj[48];
		json_t *d = json_pack("{s:s, s:s, s:s, s:s?}", "certificate", norm, "by", a->name,
				      "role", a->role, "note", note);
		snprintf(obj, sizeof obj, "request:%lld", (long long)id);
		rc = ca_audit(ca, a->name, "request.emergency_freeze", obj, d);
		json_decref(d);
	}
	if (rc != FINCA_OK || (rc = store_commit(st)) != FINCA_OK) {
		store_rollback(st);
		goto out;
	}
	rc = ra_request_show(ca, a, id, out);
out:
	cert_rec_clear(&c);
	json_decref(p);
	json_decref(r);
	return rc;
}

int ra_grants(struct ca *ca, const char *person, const char *app, json_t **out)
{
	json_t *arr = json_array();
	int rc = store_grants(ca_store(ca), person, app, clock_now(), arr);

	*out = NULL;
	if (rc != FINCA_OK) {
		json_decref(arr);
		return rc;
	}
	for (size_t i = 0; i < json_array_size(arr); i++) {
		json_t *g = json_array_get(arr, i), *na = json_object_get(g, "not_after");
		char t[32];
		if (json_is_integer(na)) {
			time_format(json_integer_value(na), t, sizeof t);
			json_object_set_new(g, "not_after", json_string(t));
		}
	}
	*out = arr;
	return FINCA_OK;
}
