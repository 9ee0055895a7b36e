/* Does this subject already have it (issue 14, item 4): mistakes caught
 * when a request is prepared (request.c, the spreadsheet's rows too) and
 * again at submit (moves.c), since drafts made before another batch went
 * through must be caught as well.
 *
 *   apply          refused when the person, unit or device already has a
 *                  current certificate for the request's application
 *                  system, or another apply for it is pending;
 *   renew, update  the certificate acted on: filled in when the subject
 *                  has exactly one current certificate for the system,
 *                  else the error names them; refused when the one given
 *                  is no longer current (revoked or replaced: the error
 *                  names the current one) or another renew or update of it
 *                  is pending.
 *
 * A certificate is current when valid or frozen, not expired, not replaced
 * (superseded), and a subscriber's (profile class).  It is for the system
 * of the request that made it (result_serial); one made with no request
 * (`finca cert issue`) is for every system, when its profile is the one
 * the apply would make. */
#include "ra/request_int.h"
#include "util/err.h"
#include "util/util.h"

#include <stdio.h>
#include <string.h>

/* the states of a request still on its way to a certificate */
#define PENDING "draft submitted approved accepted produced"

/* What the checks found of r's subject: its requests (the rows, owned)
 * and its current certificates for r's system (serials, owned). */
struct dup {
	struct ca *ca;
	json_t *r;          /* the request checked (borrowed) */
	json_t *reqs;       /* the subject's requests */
	json_t *certs;      /* serials of its current certificates for the system */
	const char *profile; /* the apply's profile (borrowed) */
	int64_t now;
};

/* The system the certificate serial was made for (a request of the
 * subject that made it), or NULL. */
static const char *made_for(struct dup *d, const char *serial)
{
	json_t *q;
	size_t i;

	json_array_foreach(d->reqs, i, q)
		if (ra_str(q, "result_serial") && !strcmp(ra_str(q, "result_serial"), serial))
			return ra_str(q, "app");
	return NULL;
}

static int current(struct dup *d, const struct cert_rec *c)
{
	const struct profile *pr = c->profile ? config_profile(d->ca->cfg, c->profile) : NULL;

	return (c->status == CERT_VALID || c->status == CERT_HOLD) && c->not_after > d->now &&
	       !c->superseded_by && !strcmp(c->issuer, "issuing") && pr && !pr->ca &&
	       pr->klass == PCLASS_SUBSCRIBER;
}

/* Keeps c when it is current and for r's system (profile NULL: any
 * profile for a certificate made without a request). */
static int keep_cert(void *arg, const struct cert_rec *c)
{
	struct dup *d = arg;
	const char *app;
	size_t i;
	json_t *v;

	if (!current(d, c))
		return 0;
	if (!strcmp(ra_str(d->r, "subject_kind"), "unit") &&
	    (c->id_number || !c->unit_code || strcmp(c->unit_code, ra_str(d->r, "subject"))))
		return 0; /* the unit's scope holds its persons' certificates too */
	app = made_for(d, c->serial);
	if (app ? strcmp(app, ra_str(d->r, "app"))
		: d->profile && (!c->profile || strcmp(c->profile, d->profile)))
		return 0;
	json_array_foreach(d->certs, i, v)
		if (!strcmp(json_string_value(v), c->serial))
			return 0;
	json_array_append_new(d->certs, json_string(c->serial));
	return 0;
}

/* Fills d->reqs and d->certs for r. */
static int gather(struct dup *d)
{
	struct store *st = ca_store(d->ca);
	const char *kind = ra_str(d->r, "subject_kind"), *subj = ra_str(d->r, "subject");
	struct row_query q;
	struct cert_filter f;
	struct cert_rec c;
	json_t *v;
	int64_t next = 0;
	size_t i;
	int rc;

	memset(&q, 0, sizeof q);
	q.table = "request";
	q.eq[0].col = "subject";
	q.eq[0].val = subj;
	q.eq[1].col = "subject_kind";
	q.eq[1].val = kind;
	q.limit = 10000;
	if ((rc = store_row_list(st, &q, d->reqs, &next)) != FINCA_OK)
		return rc;
	/* certificates registered to the person or unit */
	if (strcmp(kind, "device")) {
		memset(&f, 0, sizeof f);
		f.status = -1;
		f.now = d->now;
		f.scope = !strcmp(kind, "person") ? ROW_PERSON : ROW_UNIT;
		f.scope_val = subj;
		if ((rc = store_cert_list(st, &f, keep_cert, d)) != FINCA_OK)
			return rc;
	}
	/* and those its requests made (a device's are known only so) */
	json_array_foreach(d->reqs, i, v) {
		if (!ra_str(v, "result_serial"))
			continue;
		memset(&c, 0, sizeof c);
		if (store_cert_get(st, ra_str(v, "result_serial"), &c) == FINCA_OK)
			keep_cert(d, &c);
		cert_rec_clear(&c);
	}
	return FINCA_OK;
}

/* The other request of d's subject pending with one of types (and on
 * serial when given), or NULL. */
static json_t *pending(struct dup *d, const char *types, const char *serial)
{
	json_int_t id = json_integer_value(json_object_get(d->r, "id"));
	json_t *q;
	size_t i;

	json_array_foreach(d->reqs, i, q)
		if (json_integer_value(json_object_get(q, "id")) != id &&
		    word_in(types, ra_str(q, "type")) && word_in(PENDING, ra_str(q, "state")) &&
		    (serial ? ra_str(q, "cert_serial") && !strcmp(ra_str(q, "cert_serial"), serial)
			    : ra_str(q, "app") && !strcmp(ra_str(q, "app"), ra_str(d->r, "app"))))
			return q;
	return NULL;
}

/* The subject's name and the system's, for the messages. */
static const char *who(struct dup *d)
{
	return ra_str(d->r, "name") ? ra_str(d->r, "name") : ra_str(d->r, "subject");
}

static int check_apply(struct dup *d, const char *app)
{
	json_t *q;

	if (json_array_size(d->certs))
		return err_why(FINCA_EINVAL, "subject", "request.duplicate_cert",
			       "%s (%s) already has certificate %s for %s: renew or update it "
			       "instead of applying", who(d), ra_str(d->r, "subject"),
			       json_string_value(json_array_get(d->certs, 0)), app);
	if ((q = pending(d, "apply", NULL)))
		return err_why(FINCA_EINVAL, "subject", "request.duplicate_request",
			       "%s (%s) already has apply request %lld pending for %s",
			       who(d), ra_str(d->r, "subject"),
			       (long long)json_integer_value(json_object_get(q, "id")), app);
	return FINCA_OK;
}

/* The certificate a renew or update acts on, filled in or checked. */
static int check_replace(struct dup *d, const char *app)
{
	const char *serial = ra_str(d->r, "cert_serial");
	char list[512] = "";
	struct cert_rec c;
	json_t *q, *v;
	size_t i;
	int rc = FINCA_OK;

	json_array_foreach(d->certs, i, v)
		if (strlen(list) + strlen(json_string_value(v)) + 3 < sizeof list)
			snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
				 i ? ", " : "", json_string_value(v));
	if (!serial) {
		if (json_array_size(d->certs) == 1) {
			json_object_set(d->r, "cert_serial", json_array_get(d->certs, 0));
			return FINCA_OK;
		}
		if (json_array_size(d->certs) == 0)
			return err_why(FINCA_EINVAL, "cert_serial", "request.renew_none",
				       "%s (%s) has no current certificate for %s: apply instead",
				       who(d), ra_str(d->r, "subject"), app);
		return err_why(FINCA_EINVAL, "cert_serial", "request.which_cert",
			       "%s (%s) has %zu certificates for %s: say which (%s)", who(d),
			       ra_str(d->r, "subject"), json_array_size(d->certs), app, list);
	}
	memset(&c, 0, sizeof c);
	if (store_cert_get(ca_store(d->ca), serial, &c) == FINCA_OK &&
	    (c.status == CERT_REVOKED || c.superseded_by)) {
		if (json_array_size(d->certs) == 0)
			rc = err_why(FINCA_EINVAL, "cert_serial", "request.cert_gone",
				     "certificate %s is revoked or replaced and %s (%s) has no "
				     "current one for %s: apply instead", serial, who(d),
				     ra_str(d->r, "subject"), app);
		else
			rc = err_why(FINCA_EINVAL, "cert_serial", "request.cert_not_current",
				     "certificate %s is revoked or replaced: act on %s", serial, list);
	}
	cert_rec_clear(&c);
	if (rc == FINCA_OK && (q = pending(d, "renew update", serial)))
		rc = err_why(FINCA_EINVAL, "cert_serial", "request.duplicate_replace",
			     "%s (%s): request %lld for certificate %s is pending already",
			     who(d), ra_str(d->r, "subject"),
			     (long long)json_integer_value(json_object_get(q, "id")), serial);
	return rc;
}

int req_dup_check(struct ca *ca, json_t *r)
{
	const struct req_type *ty = req_type_of(r);
	const char *kind = ra_str(r, "subject_kind");
	struct dup d = { ca, r, NULL, NULL, NULL, clock_now() };
	json_t *app = NULL;
	char name[256];
	int rc;

	if (ty->make != MAKE_ISSUE && !ty->replaces)
		return FINCA_OK;
	if (!ra_str(r, "subject") || !kind || !ra_str(r, "app"))
		return FINCA_OK; /* prepare() has refused it already */
	if (ty->make == MAKE_ISSUE)
		d.profile = ra_str(json_object_get(r, "data"), "profile") ? ra_str(json_object_get(
			    r, "data"), "profile") : !strcmp(kind, "person") ? "personal" : kind;
	/* the system by name, with its code */
	if (store_row_get(ca_store(ca), "app", ra_str(r, "app"), &app) == FINCA_OK &&
	    ra_str(app, "name"))
		snprintf(name, sizeof name, "%s (%s)", ra_str(app, "name"), ra_str(r, "app"));
	else
		snprintf(name, sizeof name, "%s", ra_str(r, "app"));
	d.reqs = json_array();
	d.certs = json_array();
	if ((rc = gather(&d)) == FINCA_OK)
		rc = ty->make == MAKE_ISSUE ? check_apply(&d, name) : check_replace(&d, name);
	json_decref(app);
	json_decref(d.reqs);
	json_decref(d.certs);
	return rc;
}
