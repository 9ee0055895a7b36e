/* The token station's requests: a person's certificate made on a USBKey
 * (apply, renew, update, reissue) and a PIN reset (附件3), asked for and
 * reported by `finca token STATION --request ID`. */
#include "ra/request_int.h"
#include "token/token.h"
#include "util/err.h"
#include "util/util.h"

#include <stdio.h>
#include <string.h>

/* r is an accepted request made on a USBKey at the token station. */
static int enroll_ok(json_t *r)
{
	if (strcmp(ra_str(r, "state"), "accepted"))
		return err_why(FINCA_ESTATE, NULL, "station.not_accepted",
				     "request %lld is %s: a USBKey is made for an "
			       "accepted request", (long long)json_integer_value(
			       json_object_get(r, "id")), ra_str(r, "state"));
	if (!req_at_station(r) || !req_type_of(r)->new_key)
		return err_why(FINCA_ESTATE, NULL, "station.no_key",
				     "request %lld (%s of a %s) is not made on a USBKey",
			       (long long)json_integer_value(json_object_get(r, "id")),
			       ra_str(r, "type"), ra_str(r, "subject_kind"));
	return FINCA_OK;
}

static int enroll_check_fn(struct ca *ca, const struct actor *a, json_t *r, void *arg)
{
	(void)ca;
	(void)a;
	(void)arg;
	return enroll_ok(r);
}

int ra_enroll_check(struct ca *ca, const struct actor *a, int64_t id)
{
	return req_in_tx(ca, a, id, "request.produce", enroll_check_fn, NULL);
}

static int enroll_spec_fn(struct ca *ca, const struct actor *a, json_t *r, void *arg)
{
	json_t **spec = arg, *d = json_object_get(r, "data"), *p = NULL, *u = NULL, *k;
	const char *name, *unit;
	char dn[512];
	int rc;

	if ((rc = enroll_ok(r)) != FINCA_OK)
		return rc;
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
			rc = ca_revoke(ca, a, c.serial, req_reissue_reason(r));
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
	return req_in_tx(ca, a, id, "request.produce", enroll_spec_fn, spec);
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
		return err_why(FINCA_ESTATE, NULL, "station.not_accepted",
				     "request %lld is %s, not accepted",
			       (long long)json_integer_value(json_object_get(r, "id")),
			       ra_str(r, "state"));
	/* 更新: the register follows the certificate (name, unit) */
	if (req_type_of(r)->follows && (rc = person_follows(ca, a, r)) != FINCA_OK)
		return rc;
	return req_record_move(ca, a, r, "produce", "produced", x->token,
			   json_pack("{s:s, s:s?}", "token", x->token, "certificate", x->cert));
}

int ra_enroll_done(struct ca *ca, const struct actor *a, int64_t id,
		   const char *token_serial, const char *cert_serial)
{
	struct done_arg x = { token_serial, cert_serial };

	return req_in_tx(ca, a, id, "request.produce", enroll_done_fn, &x);
}

static int pin_check_fn(struct ca *ca, const struct actor *a, json_t *r, void *arg)
{
	const char *token = arg;

	(void)ca;
	(void)a;
	if (req_type_of(r)->make != MAKE_PIN || strcmp(ra_str(r, "state"), "accepted") ||
	    !ra_str(r, "token_serial") || strcmp(ra_str(r, "token_serial"), token))
		return err_why(FINCA_ESTATE, NULL, "station.pin_reset",
				     "request %lld is not an accepted PIN reset of "
			       "USBKey %s (it is a %s, %s, for %s)",
			       (long long)json_integer_value(json_object_get(r, "id")), token,
			       ra_str(r, "type"), ra_str(r, "state"),
			       ra_str(r, "token_serial") ? ra_str(r, "token_serial") : "no USBKey");
	return FINCA_OK;
}

int ra_pin_reset_check(struct ca *ca, const struct actor *a, int64_t id, const char *token)
{
	return req_in_tx(ca, a, id, "request.produce", pin_check_fn, (void *)token);
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
	return req_in_tx(ca, a, id, "request.produce", pin_done_fn, NULL);
}
