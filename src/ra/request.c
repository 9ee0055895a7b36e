/* Requests and batches (art. 19-22): what is asked, checked, and stored as
 * drafts, one request per operation, in a batch of one unit's.  The rest
 * of a request's life is in moves.c (the state machine), produce.c (what
 * producing does on the core), request_read.c, station_req.c (made at the
 * token station) and emergency.c (紧急冻结, art. 25); request_int.h is
 * what they share. */
#include "ra/request_int.h"
#include "ca/ident.h"
#include "token/token.h"
#include "util/err.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

/* What a request is to the scope checks: its unit, making node, holder,
 * and the department of its application system.  t's strings are
 * borrowed from r and *app (the caller's, json_decref). */
void req_target_of(struct ca *ca, json_t *r, struct target *t, json_t **app)
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
int req_may(struct ca *ca, const struct actor *a, const char *right, json_t *r)
{
	struct target t;
	json_t *app;
	int rc;

	req_target_of(ca, r, &t, &app);
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
		return err_why(FINCA_EINVAL, "cert_serial", "request.cert_missing",
				     "missing: which certificate");
	if (ca_serial_norm(ra_str(r, "cert_serial"), norm) != FINCA_OK)
		return err_why(FINCA_EINVAL, "cert_serial", "request.serial",
				     "not a serial number: %s", ra_str(r, "cert_serial"));
	if (store_cert_get(ca_store(ca), norm, c) != FINCA_OK)
		return err_why(FINCA_EINVAL, "cert_serial", "request.no_cert",
				     "no certificate %s", norm);
	json_object_set_new(r, "cert_serial", json_string(norm));
	if (!strcmp(kind, "person") ? !c->id_number || strcmp(c->id_number, subj)
				    : !strcmp(kind, "unit") ? !c->unit_code || strcmp(c->unit_code, subj)
							    : 0)
		return err_why(FINCA_EINVAL, "cert_serial", "request.not_subjects",
			      "certificate %s is not the subject's", norm);
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
		rc = err_why(FINCA_EINVAL, "type", "request.type", "expected one of " RA_TYPES);
		goto out;
	}
	json_object_set_new(r, "type", json_string(sp->type));
	if (strcmp(kind, "person") && strcmp(kind, "unit") && strcmp(kind, "device")) {
		rc = err_why(FINCA_EINVAL, "subject_kind", "request.subject_kind",
			     "expected person, unit or device, not %s", kind);
		goto out;
	}
	json_object_set_new(r, "subject_kind", json_string(kind));
	if (!sp->subject || !*sp->subject) {
		rc = err_why(FINCA_EINVAL, "subject", "request.missing", "missing");
		goto out;
	}
	if (!strcmp(kind, "person") && ident_resident_id_check(sp->subject, norm) != FINCA_OK) {
		rc = err_in(FINCA_EINVAL, "subject");
		goto out;
	}
	json_object_set_new(r, "subject", json_string(!strcmp(kind, "person") ? norm : sp->subject));
	if (store_row_get(ca_store(ca), kind, ra_str(r, "subject"), &subj) != FINCA_OK) {
		rc = err_why(FINCA_EINVAL, "subject", "request.no_subject", "no %s '%s'", kind,
			     ra_str(r, "subject"));
		goto out;
	}
	json_object_set(r, "name", json_object_get(subj, "name"));
	json_object_set_new(r, "unit", json_string(!strcmp(kind, "unit") ? ra_str(subj, "code")
						   : ra_str(subj, "unit")));
	if ((rc = org_making_node(ca, ra_str(r, "unit"), node)) != FINCA_OK)
		goto out;
	json_object_set_new(r, "node", json_string(node));
	if (!sp->app || !*sp->app) {
		rc = err_why(FINCA_EINVAL, "app", "request.app_missing",
			     "missing: the application system whose department approves");
		goto out;
	}
	if (!store_row_exists(ca_store(ca), "app", sp->app)) {
		rc = err_why(FINCA_EINVAL, "app", "request.no_app",
				     "no application system '%s'", sp->app);
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
		rc = err_why(FINCA_EINVAL, "cert_serial", "request.cert_not_for",
				     "not for %s", sp->type);
		goto out;
	}
	/* a renew or update without its certificate: the subject's one, or
	 * the error names them (duplicate.c) */
	if (ty->replaces && !ra_str(r, "cert_serial") && (rc = req_dup_check(ca, r)) != FINCA_OK)
		goto out;
	if (ty->cert == CERT_OWN && (rc = check_cert(ca, r, &c)) != FINCA_OK)
		goto out;
	if (ty->csr && strcmp(kind, "person") &&
	    !json_is_string(json_object_get(sp->data, "csr"))) {
		rc = err_why(FINCA_EINVAL, "data", "request.csr_needed",
			     "a %s certificate request carries its CSR (data.csr, PEM)", kind);
		goto out;
	}
	/* a request names subscribers' profiles only (profile.c's classes; the
	 * issuance checks it again) */
	if (ra_str(sp->data, "profile")) {
		const struct profile *pr = config_profile(ca->cfg, ra_str(sp->data, "profile"));
		if (!pr || pr->ca || pr->klass != PCLASS_SUBSCRIBER) {
			rc = err_why(FINCA_EINVAL, "data.profile", "request.profile",
					     "%s%s: a request names a "
				     "subscriber's profile (personal, unit, device)",
				     ra_str(sp->data, "profile"), pr ? " is not a subscriber's"
				     : " is no profile");
			goto out;
		}
	}
	if (ty->follows) {
		const char *nu = ra_str(sp->data, "unit");
		if (!ra_str(sp->data, "name") && !nu && !ra_str(sp->data, "profile")) {
			rc = err_why(FINCA_EINVAL, "data", "request.update_what",
				     "an update says what changed: name or unit");
			goto out;
		}
		if (nu && !store_row_exists(ca_store(ca), "unit", nu)) {
			rc = err_why(FINCA_EINVAL, "data.unit", "request.no_unit",
					     "no unit '%s'", nu);
			goto out;
		}
	}
	if (ty->reasons && (!sp->reason || !word_in(ty->reasons, sp->reason))) {
		rc = err_why(FINCA_EINVAL, "reason", "request.reason", "expected one of: %s",
			     ty->reasons);
		goto out;
	}
	if (ty->rfc5280 && sp->reason && *sp->reason && ca_reason_parse(sp->reason) < 0) {
		rc = err_why(FINCA_EINVAL, "reason", "request.rfc5280", "not an RFC 5280 reason: %s",
			     sp->reason);
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
			rc = err_why(FINCA_EINVAL, "data.action", "request.grant_action",
				     "expected grant or withdraw");
			goto out;
		}
		if (!strcmp(act, "grant") && !roles) {
			rc = err_why(FINCA_EINVAL, "data.roles", "request.roles",
				     "missing: the roles granted on %s", sp->app);
			goto out;
		}
		if (na && time_parse(na, &t) != FINCA_OK) {
			rc = err_in(FINCA_EINVAL, "data.not_after");
			goto out;
		}
		if (strcmp(kind, "person")) {
			rc = err_why(FINCA_EINVAL, "subject_kind", "request.grant_person",
				     "access is granted to persons");
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
			rc = err_why(FINCA_EINVAL, "cert_serial", "request.pin_cert",
				     "give the certificate on the USBKey whose PIN is "
				 "reset");
			goto out;
		}
		json_object_set_new(r, "token_serial", json_string(tk.serial));
	}
	/* what the subject already has (duplicate.c) */
	if ((rc = req_dup_check(ca, r)) != FINCA_OK)
		goto out;
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

int req_insert(struct ca *ca, const struct actor *a, json_t *r, int64_t batch,
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

/* The problem of item i of a batch, on field. */
static json_t *item_problem(size_t i, const char *field, const char *reason, const char *m)
{
	json_t *e = json_pack("{s:I, s:s}", "index", (json_int_t)i, "field", field);

	ra_problem_why(e, reason, "%s", m);
	return e;
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
		rc = err_why(FINCA_EINVAL, NULL, "batch.empty", "the batch is empty");
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct target t;
		if (prepare(ca, &sp[i], &rows[i]) != FINCA_OK) {
			json_t *e = json_pack("{s:I, s:s}", "index", (json_int_t)i, "field",
					      err_field() ? err_field() : "");
			ra_problem_err(e);
			json_array_append_new(errs, e);
			continue;
		}
		/* one lookup per row, not a scan of the rows before it: a
		 * spreadsheet of 10,000 rows took 10-50 s in that scan */
		snprintf(key, sizeof key, "%s %s", ra_str(rows[i], "type"), ra_str(rows[i], "subject"));
		if (json_object_get(seen, key))
			json_array_append_new(errs, item_problem(i, "subject", "batch.twice",
				"the same subject twice for the same operation in one batch"));
		else
			json_object_set_new(seen, key, json_true());
		if (!unit)
			unit = ra_str(rows[i], "unit");
		else if (strcmp(unit, ra_str(rows[i], "unit")))
			json_array_append_new(errs, item_problem(i, "subject", "batch.one_unit",
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
			rc = ra_problem_restore(e0, FINCA_EINVAL);
		else
			rc = err_why(FINCA_EINVAL, NULL, "batch.problems",
				     "%zu problem(s); the first: request %lld: %s%s%s",
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
			if ((rc = req_insert(ca, a, rows[i], batch, "draft", &id)) == FINCA_OK)
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
