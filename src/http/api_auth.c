/* The API's ways in and its accounts: login (TLS certificate, signed
 * challenge, password; auth/login.c decides), whoami, the application
 * systems' challenge and verify, accounts. */
#include "http/api_int.h"
#include "audit/audit.h"
#include "auth/auth.h"
#include "ra/ra.h"
#include "util/err.h"
#include "util/util.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <string.h>

/* A challenge for a login (from anyone: a quota per address) or, for an
 * application system, for its users' authentication. */
enum MHD_Result api_challenge(struct call *k, struct api *a, const char *app)
{
	char ch[CHALLENGE_LEN + 1], t[32], addr[THROTTLE_SOURCE_LEN];
	int64_t exp;
	int rc;

	call_source(k, addr);
	if ((rc = auth_challenge(a->auth, k->s->ca, app, addr, ch, &exp)) != FINCA_OK)
		return send_rc(k, rc);
	time_format(exp, t, sizeof t);
	return send_json(k, 200, json_pack("{s:s, s:s}", "challenge", ch, "expires_at", t));
}

enum MHD_Result api_login(struct call *k, struct api *a)
{
	struct auth_login q = { .peer = k->peer, .peer_len = k->peer_len };
	const struct field f[] = {
		{ "certificate", F_STR, 0, &q.certificate },
		{ "challenge", F_STR, 0, &q.challenge },
		{ "signature", F_STR, 0, &q.signature },
		{ "password", F_STR, 0, &q.password },
	};
	struct auth_session ses;
	char t[32], addr[THROTTLE_SOURCE_LEN];
	enum MHD_Result ret;
	int rc;

	if (!decode(k, f, ARRAY_LEN(f), &ret))
		return ret;
	call_source(k, addr);
	q.source = addr;
	if ((rc = auth_login(a->auth, k->s->ca, &q, &ses)) == FINCA_ELIMIT)
		return send_too_many(k, ses.retry);
	if (rc != FINCA_OK)
		return send_error(k, rc == FINCA_EAUTH ? 401 : 400, err_name(rc));
	snprintf(k->r->account, sizeof k->r->account, "%s", ses.acct.name);
	time_format(ses.expires, t, sizeof t);
	ret = send_json(k, 200, json_pack("{s:s, s:s, s:s, s:s, s:s}", "token", ses.token,
					  "account", ses.acct.name, "role", ses.acct.role,
					  "expires_at", t, "person", ses.acct.person));
	OPENSSL_cleanse(ses.token, sizeof ses.token);
	account_rec_clear(&ses.acct);
	return ret;
}

enum MHD_Result api_whoami(struct call *k)
{
	json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:o, s:s}", "account", k->acct.name,
			      "role", k->acct.role, "scope", k->acct.scope,
			      "certificate", k->acct.cert_serial,
			      "rights", actor_rights_json(k->acct.role), "person", k->acct.person);
	char name[130];

	if (ra_scope_name(k->s->ca, &k->who, name, sizeof name) == FINCA_OK)
		json_object_set_new(j, "name", json_string(name));
	return send_json(k, 200, j);
}

/* Application systems: authenticate a certificate holder (art. 14: tell
 * them when renewal is due). */
/* Application systems: authenticate a certificate holder (art. 14: tell
 * them when renewal is due). */
enum MHD_Result api_app_verify(struct call *k, struct api *a)
{
	const char *cert = NULL, *challenge = NULL, *sig = NULL;
	const struct field f[] = {
		{ "certificate", F_STR, 1, &cert },
		{ "challenge", F_STR, 1, &challenge },
		{ "signature", F_STR, 1, &sig },
	};
	struct holder h;
	json_t *grants = NULL;
	enum MHD_Result ret;
	char na[32];
	int rc, default_pin;

	if (!decode(k, f, ARRAY_LEN(f), &ret))
		return ret;
	memset(&h, 0, sizeof h);
	if ((rc = auth_app_verify(a->auth, k->s->ca, cert, challenge, sig, &h,
				  &default_pin)) != FINCA_OK)
		return send_error(k, rc == FINCA_EINVAL ? 400 : 403,
				  rc == FINCA_EINVAL ? "invalid" : "refused");
	time_format(h.c.not_after, na, sizeof na);
	/* the caller's own system only: an app account's scope is its code */
	if (!*k->acct.scope || ra_grants(k->s->ca, h.c.id_number, k->acct.scope, &grants) != FINCA_OK)
		grants = json_array();
	ret = send_json(k, 200, json_pack(
		"{s:b, s:s, s:{s:s, s:s, s:s, s:s}, s:s, s:I, s:b, s:b, s:o}",
		"valid", 1, "serial", h.c.serial,
		"holder", "name", h.c.name, "id_number", h.c.id_number, "unit", h.c.unit,
		"unit_code", h.c.unit_code,
		"not_after", na, "days_to_expiry", (json_int_t)h.days_to_expiry,
		"renewal_due", h.days_to_expiry <= k->s->ca->cfg->renewal_days,
		"default_pin", default_pin, "grants", grants));
	holder_clear(&h);
	return ret;
}

static int account_one(void *arg, const struct account_rec *a)
{
	char t[32];

	time_format(a->created_at, t, sizeof t);
	json_array_append_new(arg, json_pack("{s:I, s:s, s:s, s:s, s:s, s:b, s:s, s:s}",
		"id", (json_int_t)a->id, "name", a->name, "role", a->role,
		"scope", a->scope, "certificate", a->cert_serial,
		"disabled", a->disabled, "created_at", t, "person", a->person));
	return FINCA_OK;
}

enum MHD_Result api_accounts_list(struct call *k)
{
	const char *h = query(k, "holders");
	json_t *arr = json_array();
	/* the holders' accounts only when asked (?holders=1) */
	int rc = ra_account_list(k->s->ca, &k->who, h && !strcmp(h, "1"), account_one, arr);

	if (rc != FINCA_OK) {
		json_decref(arr);
		return send_rc(k, rc);
	}
	return send_json(k, 200, json_pack("{s:o}", "accounts", arr));
}

/* An account for a person or an application system (role app), bound to
 * one of this CA's valid certificates. */
enum MHD_Result api_accounts_add(struct call *k)
{
	const char *name = NULL, *role = NULL, *cert = NULL, *scope = NULL, *pw = NULL;
	const char *person = NULL;
	const struct field f[] = {
		{ "name", F_STR, 1, &name },
		{ "person", F_STR, 0, &person },
		{ "role", F_STR, 1, &role },
		{ "certificate", F_STR, 1, &cert },
		{ "scope", F_STR, 0, &scope },
		{ "password", F_STR, 0, &pw },
	};
	struct account_rec a;
	enum MHD_Result ret;
	BIO *b;
	X509 *x;
	int rc;

	if (!decode(k, f, ARRAY_LEN(f), &ret))
		return ret;
	b = BIO_new_mem_buf(cert, -1);
	x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	ERR_clear_error();
	if (!x)
		return send_err(k, 400, "invalid", "certificate", "api.cert_pem", "expected a PEM certificate");
	memset(&a, 0, sizeof a);
	rc = account_add(k->s->ca, &k->who, name, person, role, scope, x, pw, &a);
	X509_free(x);
	if (rc != FINCA_OK)
		return send_rc(k, rc);
	ret = send_json(k, 201, json_pack("{s:I, s:s, s:s, s:s, s:s}", "id", (json_int_t)a.id,
					  "name", a.name, "role", a.role,
					  "certificate", a.cert_serial, "person", a.person));
	account_rec_clear(&a);
	return ret;
}

enum MHD_Result api_accounts_edit(struct call *k, const char *name)
{
	const char *person = NULL;
	const struct field f[] = {
		{ "person", F_STR, 1, &person },
	};
	enum MHD_Result ret;
	int rc;

	if (!decode(k, f, ARRAY_LEN(f), &ret))
		return ret;
	if ((rc = account_set_person(k->s->ca, &k->who, name, person)) != FINCA_OK)
		return send_rc(k, rc);
	return send_json(k, 200, json_pack("{s:s, s:s}", "name", name, "person", person));
}
