/* The certificate holder's desk (证书用户, issue 15): what a holder logged
 * in with the USBKey (auth/holder_account.c) sees of itself, and the two
 * things it does there: record the PIN change its agent made (art. 23)
 * and ask for a renewal (art. 14).
 *
 * Everything is read through the holder's scope (its resident ID number,
 * authz/scope.c ROW_PERSON): the certificates whose ID number is its own,
 * the USBKeys bound to it, its access grants, the requests naming it.
 * Rights me.read and me.write are the holder's alone (rights.c): the other
 * roles' own certificates are account certificates, not subscribers', and
 * their desks are elsewhere. */
#include "ra/ra.h"
#include "ra/request_int.h"
#include "auth/auth.h"
#include "token/token.h"
#include "util/err.h"
#include "util/util.h"

#include <stdio.h>
#include <string.h>

/* the states of a request still on its way (as duplicate.c's PENDING) */
#define PENDING "draft submitted approved accepted produced"

/* The holder's own target: its person. */
static int may(struct ca *ca, const struct actor *a, const char *right)
{
	struct target t;

	memset(&t, 0, sizeof t);
	t.person = a->scope;
	return actor_may(ca, a, right, &t);
}

/* --- certificates --- */

struct certs_acc {
	struct ca *ca;
	json_t *arr;
	int64_t now;
};

/* The pending renew or update request of certificate serial, or 0. */
static int64_t renewal_in_hand(struct ca *ca, const char *person, const char *serial)
{
	struct row_query q;
	json_t *items = json_array(), *r;
	int64_t next = 0, id = 0;
	size_t i;

	memset(&q, 0, sizeof q);
	q.table = "request";
	q.scope = ROW_PERSON;
	q.scope_val = person;
	q.eq[0].col = "cert_serial";
	q.eq[0].val = serial;
	q.limit = 1000;
	if (store_row_list(ca_store(ca), &q, items, &next) == FINCA_OK)
		json_array_foreach(items, i, r)
			if (word_in("renew update", ra_str(r, "type")) &&
			    word_in(PENDING, ra_str(r, "state")))
				id = json_integer_value(json_object_get(r, "id"));
	json_decref(items);
	err_clear();
	return id;
}

static int cert_one(void *arg, const struct cert_rec *c)
{
	struct certs_acc *l = arg;
	const char *status = ca_status_name(c, l->now);
	int64_t days = (c->not_after - l->now) / 86400, in_hand;
	struct token_rec t;
	char nb[32], na[32];
	json_t *j;

	/* the CA's own services' certificates are no holder's */
	if (strcmp(c->issuer, "issuing"))
		return FINCA_OK;
	time_format(c->not_before, nb, sizeof nb);
	time_format(c->not_after, na, sizeof na);
	in_hand = renewal_in_hand(l->ca, c->id_number, c->serial);
	j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:b, s:b}", "serial", c->serial,
		      "subject", c->subject, "profile", c->profile, "status", status,
		      "not_before", nb, "not_after", na, "days_to_expiry", (json_int_t)days,
		      /* art. 14: the prompt from renewal_days ahead (30) */
		      "renewal_due", !strcmp(status, "valid") && !c->superseded_by &&
				     days <= l->ca->cfg->renewal_days,
		      "superseded", c->superseded_by != 0);
	json_object_set_new(j, "renewal_request", in_hand ? json_integer(in_hand) : json_null());
	memset(&t, 0, sizeof t);
	json_object_set_new(j, "token", store_token_by_cert(ca_store(l->ca), c->serial, &t) ==
			    FINCA_OK ? json_string(t.serial) : json_null());
	token_rec_clear(&t);
	err_clear();
	return json_array_append_new(l->arr, j) ? FINCA_ENOMEM : FINCA_OK;
}

static int certs(struct ca *ca, const struct actor *a, json_t **out)
{
	struct certs_acc l = { ca, json_array(), clock_now() };
	struct cert_filter f;
	int rc;

	memset(&f, 0, sizeof f);
	f.status = -1;
	f.now = l.now;
	f.scope = ROW_PERSON;
	f.scope_val = a->scope;
	if ((rc = store_cert_list(ca_store(ca), &f, cert_one, &l)) != FINCA_OK) {
		json_decref(l.arr);
		return rc;
	}
	*out = l.arr;
	return FINCA_OK;
}

int ra_me_certs(struct ca *ca, const struct actor *a, json_t **out)
{
	int rc;

	*out = NULL;
	if ((rc = may(ca, a, "me.read")) != FINCA_OK)
		return rc;
	return certs(ca, a, out);
}

/* --- USBKeys --- */

static int token_one(void *arg, const struct token_rec *t)
{
	json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:b, s:s}", "serial", t->serial,
			      "label", t->label, "model", t->model, "state", t->state,
			      /* art. 23: the envelope's PIN must be changed first */
			      "default_pin", t->pin_default, "certificate", t->cert_serial);

	return json_array_append_new(arg, j) ? FINCA_ENOMEM : FINCA_OK;
}

static int tokens(struct ca *ca, const struct actor *a, json_t **out)
{
	json_t *arr = json_array();
	int rc;

	if ((rc = store_token_of_holder(ca_store(ca), a->scope, token_one, arr)) != FINCA_OK) {
		json_decref(arr);
		return rc;
	}
	*out = arr;
	return FINCA_OK;
}

int ra_me_tokens(struct ca *ca, const struct actor *a, json_t **out)
{
	int rc;

	*out = NULL;
	if ((rc = may(ca, a, "me.read")) != FINCA_OK)
		return rc;
	return tokens(ca, a, out);
}

/* --- access grants and requests --- */

int ra_me_grants(struct ca *ca, const struct actor *a, json_t **out)
{
	json_t *g = NULL, *v, *app;
	size_t i;
	int rc;

	*out = NULL;
	if ((rc = may(ca, a, "me.read")) != FINCA_OK ||
	    (rc = authz_grants(ca, a->scope, NULL, &g)) != FINCA_OK)
		return rc;
	/* the system's name and its department, for people */
	json_array_foreach(g, i, v) {
		app = NULL;
		if (store_row_get(ca_store(ca), "app", ra_str(v, "app"), &app) == FINCA_OK) {
			json_object_set_new(v, "app_name", json_string(ra_str(app, "name")));
			json_object_set_new(v, "dept", json_string(ra_str(app, "dept")));
		}
		json_decref(app);
		err_clear();
	}
	*out = g;
	return FINCA_OK;
}

int ra_me_requests(struct ca *ca, const struct actor *a, json_t **out)
{
	struct page p = { NULL, NULL, 0, 1000 };
	int rc;

	*out = NULL;
	if ((rc = may(ca, a, "me.read")) != FINCA_OK)
		return rc;
	/* the holder's scope (ROW_PERSON): the requests naming it */
	return ra_request_list(ca, a, &p, NULL, 0, out);
}

/* --- who --- */

int ra_me(struct ca *ca, const struct actor *a, json_t **out)
{
	struct store *st = ca_store(ca);
	json_t *j, *person = NULL, *unit = NULL, *cs = NULL, *ts = NULL, *v;
	int due = 0, dflt = 0, rc;
	size_t i;

	*out = NULL;
	j = json_pack("{s:s, s:s, s:b}", "account", a->name, "role", a->role,
		      "holder", !strcmp(a->role, "holder"));
	/* every role may ask who it is; only a holder has a desk here */
	if (!actor_has(a, "me.read")) {
		*out = j;
		return FINCA_OK;
	}
	if ((rc = may(ca, a, "me.read")) != FINCA_OK ||
	    (rc = store_row_get(st, "person", a->scope, &person)) != FINCA_OK ||
	    (rc = store_row_get(st, "unit", ra_str(person, "unit"), &unit)) != FINCA_OK ||
	    (rc = certs(ca, a, &cs)) != FINCA_OK || (rc = tokens(ca, a, &ts)) != FINCA_OK)
		goto out;
	json_array_foreach(cs, i, v)
		due |= json_is_true(json_object_get(v, "renewal_due"));
	json_array_foreach(ts, i, v)
		dflt |= word_in("issued suspended", ra_str(v, "state")) &&
			json_is_true(json_object_get(v, "default_pin"));
	json_object_set_new(j, "person", json_pack("{s:s, s:s}", "name", ra_str(person, "name"),
						   "id_number", ra_str(person, "id_number")));
	json_object_set_new(j, "unit", json_pack("{s:s, s:s}", "code", ra_str(unit, "code"),
						 "name", ra_str(unit, "name")));
	json_object_set_new(j, "renewal_days", json_integer(ca->cfg->renewal_days));
	json_object_set_new(j, "renewal_due", json_boolean(due));
	/* art. 23: until the envelope's PIN is changed, the console says so first */
	json_object_set_new(j, "default_pin", json_boolean(dflt));
	*out = j;
	j = NULL;
out:
	json_decref(j);
	json_decref(person);
	json_decref(unit);
	json_decref(cs);
	json_decref(ts);
	return rc;
}

/* --- what the holder does --- */

int ra_me_pin_changed(struct ca *ca, struct auth *au, const struct actor *a,
		      const char *token, const struct pin_proof *p)
{
	struct holder h;
	struct token_rec t;
	int rc;

	memset(&h, 0, sizeof h);
	memset(&t, 0, sizeof t);
	if ((rc = may(ca, a, "me.write")) != FINCA_OK)
		return rc;
	/* the token's key signed the server's challenge after the change:
	 * the certificate, valid now, is the holder's and is on that token */
	if ((rc = auth_pin_proof(au, ca, p->certificate, p->challenge, p->signature, &h)) !=
	    FINCA_OK)
		goto out;
	if (strcmp(h.c.id_number, a->scope)) {
		rc = err_why(FINCA_EAUTH, NULL, "me.proof_not_yours",
			     "the proof is signed with certificate %s, which is not yours",
			     h.c.serial);
		goto out;
	}
	if ((rc = store_token_get(ca_store(ca), token, &t)) != FINCA_OK)
		goto out;
	if (strcmp(t.cert_serial, h.c.serial) || strcmp(t.holder, a->scope)) {
		rc = err_why(FINCA_EAUTH, NULL, "me.proof_other_token",
			     "USBKey %s does not hold certificate %s", token, h.c.serial);
		goto out;
	}
	rc = token_pin_event(ca, a, token, 1, NULL);
out:
	holder_clear(&h);
	token_rec_clear(&t);
	return rc;
}

int ra_me_renew(struct ca *ca, const struct actor *a, const char *serial, const char *app,
		json_t **out)
{
	struct req_spec sp;
	struct cert_rec c;
	struct actor unit;
	json_t *person = NULL, *b = NULL;
	char norm[41], sys[64] = "";
	size_t ng;
	int rc;

	*out = NULL;
	memset(&c, 0, sizeof c);
	if ((rc = may(ca, a, "me.write")) != FINCA_OK)
		return rc;
	if (ca_serial_norm(serial, norm) != FINCA_OK) {
		rc = err_why(FINCA_EINVAL, "cert_serial", "request.serial",
			     "not a serial number: %s", serial);
		goto out;
	}
	/* another's certificate is refused as though it did not exist */
	if (store_cert_get(ca_store(ca), norm, &c) != FINCA_OK || !c.id_number ||
	    strcmp(c.id_number, a->scope)) {
		rc = err_why(FINCA_ENOTFOUND, "cert_serial", "me.no_cert",
			     "you have no certificate %s", norm);
		goto out;
	}
	/* the department that approves: through the system the renewal is for */
	if ((rc = ra_renew_app(ca, a->scope, norm, app, sys, &ng)) != FINCA_OK)
		goto out;
	if (!sys[0]) {
		rc = err_why(FINCA_EINVAL, "app", "me.which_app",
			     "you have access to %zu systems; say which one the renewal is for", ng);
		goto out;
	}
	if ((rc = store_row_get(ca_store(ca), "person", a->scope, &person)) != FINCA_OK)
		goto out;
	/* The draft is the unit's, for its information officer to check and
	 * submit (art. 14, 19): it is made as the unit's, under the holder's
	 * own name, for this one certificate of its own; request.c checks it
	 * as any renewal (state, duplicates: one pending at a time). */
	memset(&unit, 0, sizeof unit);
	snprintf(unit.name, sizeof unit.name, "%s", a->name);
	snprintf(unit.role, sizeof unit.role, "officer");
	snprintf(unit.scope, sizeof unit.scope, "%s", ra_str(person, "unit"));
	memset(&sp, 0, sizeof sp);
	sp.type = "renew";
	sp.subject = a->scope;
	sp.cert_serial = norm;
	sp.app = sys;
	sp.note = "asked by the holder (art. 14)";
	if ((rc = ra_batch_create(ca, &unit, "holder", &sp, 1, &b, NULL)) != FINCA_OK)
		goto out;
	rc = ra_request_show(ca, a, json_integer_value(json_array_get(json_object_get(b, "ids"),
					 0)), out);
out:
	cert_rec_clear(&c);
	json_decref(person);
	json_decref(b);
	return rc;
}
