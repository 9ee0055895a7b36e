/* Thin handlers: decode JSON, check the caller's role, call the core,
 * render JSON.  Errors are {"error": {"code", "message", "field"?}}. */
#include "http/api.h"
#include "http/api_int.h"
#include "http/jsonreq.h"
#include "audit/audit.h"
#include "auth/auth.h"
#include "ca/profile.h"
#include "crypto/pem.h"
#include "ra/ra.h"
#include "util/err.h"
#include "util/util.h"

#include <gnutls/gnutls.h>
#include <jansson.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

struct api {
	struct auth *auth;    /* owned */
};

struct api *api_new(void)
{
	struct api *a = xcalloc(1, sizeof *a);

	a->auth = auth_new();
	return a;
}

void api_free(struct api *a)
{
	if (!a)
		return;
	auth_free(a->auth);
	free(a);
}

enum MHD_Result send_json(struct call *k, int status, json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT);
	enum MHD_Result ret;

	json_decref(j);
	if (!s)
		return reply(k->c, k->r, 500, "text/plain", "encoding\n", 9);
	ret = reply(k->c, k->r, status, "application/json", s, strlen(s));
	free(s);
	return ret;
}

/* The thread's error as the API's error object (caller's): code, the
 * class of the error (err_name, or the door's own: "forbidden",
 * "method"); reason, the stable name of the message (the code when none
 * is named); field, the input at fault (null when none) with detail, what
 * is wrong with it; params, the message's arguments as printed; message,
 * the whole sentence. */
json_t *error_json(const char *code)
{
	json_t *params = json_array();

	for (unsigned i = 0; i < err_nparams(); i++)
		json_array_append_new(params, json_string(err_param(i)));
	return json_pack("{s:s, s:s, s:o, s:o, s:s, s:s}", "code", code, "reason",
			 err_reason() ? err_reason() : code, "field",
			 err_field() ? json_string(err_field()) : json_null(), "params", params,
			 "message", err_msg(), "detail", err_detail());
}

enum MHD_Result send_error(struct call *k, int status, const char *code)
{
	return send_json(k, status, json_pack("{s:o}", "error", error_json(code)));
}

enum MHD_Result send_err(struct call *k, int status, const char *code, const char *field,
			 const char *reason, const char *fmt, ...)
{
	va_list ap;

	/* the door's own errors are made as the core's: one object for both */
	va_start(ap, fmt);
	err_vwhy(FINCA_EINVAL, field, reason, fmt, ap);
	va_end(ap);
	return send_error(k, status, code);
}

/* Maps a core error to an HTTP status. */
enum MHD_Result send_rc(struct call *k, int rc)
{
	int st = rc == FINCA_EINVAL || rc == FINCA_EPOLICY ? 400 :
		 rc == FINCA_ENOTFOUND ? 404 : rc == FINCA_ESTATE ? 409 :
		 rc == FINCA_EAUTH ? 403 : 500;

	if (st == 500) {
		/* the log says what; the caller learns only that it failed */
		snprintf(k->r->error, sizeof k->r->error, "%s", err_msg());
		return send_err(k, st, err_name(rc), NULL, "internal", "internal error");
	}
	return send_error(k, st, err_name(rc));
}

/* 1 when the body fits the fields; otherwise sends 400 naming the field. */
int decode(struct call *k, const struct field *f, size_t n, enum MHD_Result *ret)
{
	const char *bad;

	if (jsonreq_decode(k->body, f, n, &bad) == FINCA_OK)
		return 1;
	*ret = send_error(k, 400, "invalid");
	return 0;
}

/* --- who is calling --- */

/* The client certificate of the TLS session, as DER (borrowed). */
static const unsigned char *peer_cert(struct MHD_Connection *c, size_t *len)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	const gnutls_datum_t *certs;
	unsigned int n = 0;

	if (!ci || !ci->tls_session)
		return NULL;
	certs = gnutls_certificate_get_peers((gnutls_session_t)ci->tls_session, &n);
	if (!certs || n == 0)
		return NULL;
	*len = certs[0].size;
	return certs[0].data;
}

/* Fills k->acct: auth/login.c decides. */
static int identify(struct call *k, struct api *a)
{
	const char *h = MHD_lookup_connection_value(k->c, MHD_HEADER_KIND,
						    MHD_HTTP_HEADER_AUTHORIZATION);

	return auth_identify(a->auth, k->s->ca, h && !strncmp(h, "Bearer ", 7) ? h + 7 : NULL,
			     k->peer, k->peer_len, &k->acct);
}

/* 1 when allowed (the one rights table: src/ra/actor.c); otherwise sends
 * 403, audits the attempt, returns 0. */
int allow(struct call *k, const char *right, enum MHD_Result *ret)
{
	if (actor_has(&k->who, right))
		return 1;
	err_set(FINCA_EAUTH, "%s (%s %s): your role may not do this", right, k->who.role,
		k->who.name);
	ca_deny(k->s->ca, &k->who, json_pack("{s:s, s:s, s:s}", "right", right,
					     "method", k->r->method, "path", k->r->path));
	*ret = send_err(k, 403, "forbidden", NULL, "api.forbidden", "your role may not do this");
	return 0;
}

/* --- handlers --- */

/* The caller's source address, as throttling counts it. */
void call_source(struct call *k, char out[THROTTLE_SOURCE_LEN])
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(k->c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);

	throttle_source(ci ? ci->client_addr : NULL, out);
}

enum MHD_Result send_too_many(struct call *k, int64_t retry)
{
	json_t *e = error_json(err_name(FINCA_ELIMIT));
	json_t *j = json_pack("{s:o}", "error", e);
	char *body, ra[24];
	struct MHD_Response *resp;

	json_object_set_new(e, "retry_after", json_integer(retry));
	body = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (!body)
		return reply(k->c, k->r, 500, "text/plain", "encoding\n", 9);
	resp = MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(body);
		return MHD_NO;
	}
	snprintf(ra, sizeof ra, "%lld", (long long)retry);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, ra);
	return queue(k->c, k->r, 429, resp);
}

/* A challenge for a login (from anyone: a quota per address) or, for an
 * application system, for its users' authentication. */
static enum MHD_Result challenge(struct call *k, struct api *a, const char *app)
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

static enum MHD_Result login(struct call *k, struct api *a)
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
	ret = send_json(k, 200, json_pack("{s:s, s:s, s:s, s:s}", "token", ses.token,
					  "account", ses.acct.name, "role", ses.acct.role,
					  "expires_at", t));
	OPENSSL_cleanse(ses.token, sizeof ses.token);
	account_rec_clear(&ses.acct);
	return ret;
}

/* The rights of role (the one table: actor.c): the console shows the
 * menus they allow; every call is checked anyway. */
static json_t *role_rights(const char *role)
{
	return actor_rights_json(role);
}

static enum MHD_Result whoami(struct call *k)
{
	json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:o}", "account", k->acct.name,
			      "role", k->acct.role, "scope", k->acct.scope,
			      "certificate", k->acct.cert_serial,
			      "rights", role_rights(k->acct.role));
	char name[130];

	if (ra_scope_name(k->s->ca, &k->who, name, sizeof name) == FINCA_OK)
		json_object_set_new(j, "name", json_string(name));
	return send_json(k, 200, j);
}

const char *query(struct call *k, const char *name)
{
	return MHD_lookup_connection_value(k->c, MHD_GET_ARGUMENT_KIND, name);
}

int query_int(struct call *k, const char *name, long lo, long hi, long *out,
	      enum MHD_Result *ret)
{
	const char *v = query(k, name);
	char *e;
	long n;

	if (!v)
		return 1;
	n = strtol(v, &e, 10);
	if (!*v || *e || n < lo || n > hi) {
		*ret = send_err(k, 400, "invalid", name, "api.range", "expected a number in range");
		return 0;
	}
	*out = n;
	return 1;
}

/* ?status ?q ?expiring_within ?after ?limit: the caller's certificates
 * (ra_cert_list: the scope is in the query, not filtered here). */
static enum MHD_Result certs_list(struct call *k)
{
	struct cert_filter f;
	struct actor a;
	const char *st = query(k, "status"), *q = query(k, "q");
	long limit = 100, after = 0, days = -1;
	json_t *out = NULL;
	enum MHD_Result ret;
	int rc;

	memset(&f, 0, sizeof f);
	f.status = -1;
	if (!query_int(k, "limit", 1, 1000, &limit, &ret) ||
	    !query_int(k, "after", 0, INT64_MAX, &after, &ret) ||
	    !query_int(k, "expiring_within", 0, 36500, &days, &ret))
		return ret;
	if (st) {
		f.status = !strcmp(st, "valid") ? CERT_VALID : !strcmp(st, "frozen") ? CERT_HOLD :
			   !strcmp(st, "revoked") ? CERT_REVOKED :
			   !strcmp(st, "expired") ? CERT_EXPIRED_FILTER : -2;
		if (f.status == -2)
			return send_err(k, 400, "invalid", "status", "api.cert_status",
					"expected valid, frozen, revoked or expired");
	}
	if (q && strlen(q) > 64)
		return send_err(k, 400, "invalid", "q", "api.too_long", "at most 64 bytes");
	f.now = clock_now();
	f.limit = (int)limit;
	f.after_id = after;
	f.q = q;
	if (days >= 0)
		f.expiring_before = f.now + days * 86400;
	actor_from_account(&k->acct, &a);
	if ((rc = ra_cert_list(k->s->ca, &a, &f, &out)) != FINCA_OK)
		return send_rc(k, rc);
	return send_json(k, 200, out);
}

/* A certificate record as JSON with its PEM, with HTTP status st. */
static enum MHD_Result send_rec(struct call *k, const struct cert_rec *r, int st)
{
	json_t *j = ca_cert_json(k->s->ca, r, clock_now());
	const unsigned char *p = r->der;
	X509 *x = d2i_X509(NULL, &p, (long)r->der_len);

	if (x) {
		char *pem = pem_x509(x);
		json_object_set_new(j, "pem", json_string(pem));
		free(pem);
	}
	X509_free(x);
	return send_json(k, st, j);
}

/* Certificate serial as the caller may see it (ra_cert_get), status st. */
static enum MHD_Result show(struct call *k, const char *serial, int st)
{
	struct cert_rec r;
	enum MHD_Result ret;
	int rc;

	if ((rc = ra_cert_get(k->s->ca, &k->who, serial, &r)) != FINCA_OK)
		return send_rc(k, rc);
	ret = send_rec(k, &r, st);
	cert_rec_clear(&r);
	return ret;
}

static int pem_to_der(const char *pem, unsigned char **der, long *len)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	char *name = NULL, *hdr = NULL;
	int ok = PEM_read_bio(b, &name, &hdr, der, len) &&
		 (!strcmp(name, "CERTIFICATE REQUEST") || !strcmp(name, "NEW CERTIFICATE REQUEST"));

	BIO_free(b);
	OPENSSL_free(name);
	OPENSSL_free(hdr);
	ERR_clear_error();
	if (!ok) {
		OPENSSL_free(*der);
		*der = NULL;
	}
	return ok;
}

int issue_fields(struct call *k, const char *profile, const char *csr, json_int_t days,
		 const char *id_number, struct issue_req *rq, unsigned char **der,
		 enum MHD_Result *ret)
{
	long dl;

	if (days < 0 || days > 36500) {
		*ret = send_err(k, 400, "invalid", "days", "api.days", "expected 1..36500");
		return 0;
	}
	if (!pem_to_der(csr, der, &dl)) {
		*ret = send_err(k, 400, "invalid", "csr", "api.csr_pem", "expected a PEM certificate request");
		return 0;
	}
	memset(rq, 0, sizeof *rq);
	rq->profile = profile;
	rq->csr_der = *der;
	rq->csr_len = (size_t)dl;
	rq->days = (int)days;
	rq->id_number = id_number;
	return 1;
}

/* A certificate just issued: 201 and its record. */
static enum MHD_Result send_cert(struct call *k, X509 *x)
{
	char serial[41];

	ca_cert_serial(x, serial);
	return show(k, serial, 201);
}

static enum MHD_Result cert_issue(struct call *k)
{
	const char *profile = NULL, *csr = NULL, *subject = NULL, *idn = NULL, *uc = NULL;
	json_int_t days = 0;
	const struct field f[] = {
		{ "profile", F_STR, 1, &profile },
		{ "csr", F_STR, 1, &csr },
		{ "subject", F_STR, 0, &subject },
		{ "days", F_INT, 0, &days },
		{ "id_number", F_STR, 0, &idn },
		{ "unit_code", F_STR, 0, &uc },
	};
	struct issue_req rq;
	unsigned char *der = NULL;
	X509 *x = NULL;
	enum MHD_Result ret;
	int rc;

	if (!decode(k, f, ARRAY_LEN(f), &ret) ||
	    !issue_fields(k, profile, csr, days, idn, &rq, &der, &ret))
		return ret;
	rq.subject = subject;
	rq.unit_code = uc;
	rc = ra_cert_issue_one(k->s->ca, &k->who, &rq, &x);
	OPENSSL_free(der);
	if (rc != FINCA_OK)
		return send_rc(k, rc);
	ret = send_cert(k, x);
	X509_free(x);
	return ret;
}

static enum MHD_Result cert_change(struct call *k, const char *serial, const char *op)
{
	const char *reason = NULL;
	const struct field f[] = { { "reason", F_STR, 0, &reason } };
	enum MHD_Result ret;
	int rc, code = 0;

	if (!decode(k, f, strcmp(op, "revoke") ? 0 : 1, &ret))
		return ret;
	if (!strcmp(op, "revoke")) {
		if (!reason)
			return send_err(k, 400, "invalid", "reason", "api.missing", "missing field");
		if ((code = ca_reason_parse(reason)) < 0)
			return send_err(k, 400, "invalid", "reason", "api.crl_reason", "not an RFC 5280 reason");
	}
	rc = ra_cert_change(k->s->ca, &k->who, serial, !strcmp(op, "revoke") ? OP_REVOKE :
			    !strcmp(op, "freeze") ? OP_FREEZE : OP_UNFREEZE, code);
	if (rc != FINCA_OK)
		return send_rc(k, rc);
	{
		char norm[41];
		ca_serial_norm(serial, norm);
		ocsp_invalidate(k->s->ocsp, norm);
		return show(k, norm, 200);
	}
}

static enum MHD_Result cert_renew(struct call *k, const char *serial, int op)
{
	const char *csr = NULL, *subject = NULL, *idn = NULL, *uc = NULL;
	json_int_t days = 0;
	const struct field f[] = {
		{ "csr", F_STR, 0, &csr },
		{ "days", F_INT, 0, &days },
		{ "subject", F_STR, 0, &subject },
		{ "id_number", F_STR, 0, &idn },
		{ "unit_code", F_STR, 0, &uc },
	};
	struct issue_req over;
	unsigned char *der = NULL;
	long dl = 0;
	X509 *x = NULL;
	enum MHD_Result ret;
	int rc;

	if (!decode(k, f, op == OP_RENEW ? 2 : ARRAY_LEN(f), &ret))
		return ret;
	if (days < 0 || days > 36500)
		return send_err(k, 400, "invalid", "days", "api.days", "expected 1..36500");
	if (csr && !pem_to_der(csr, &der, &dl))
		return send_err(k, 400, "invalid", "csr", "api.csr_pem", "expected a PEM certificate request");
	memset(&over, 0, sizeof over);
	over.csr_der = der;
	over.csr_len = (size_t)dl;
	over.days = (int)days;
	over.subject = subject;
	over.id_number = idn;
	over.unit_code = uc;
	rc = ra_cert_renew(k->s->ca, &k->who, op, serial, &over, &x);
	OPENSSL_free(der);
	if (rc != FINCA_OK)
		return send_rc(k, rc);
	{
		char norm[41];
		ca_serial_norm(serial, norm);
		ocsp_invalidate(k->s->ocsp, norm);
	}
	ret = send_cert(k, x);
	X509_free(x);
	return ret;
}

static enum MHD_Result crl_make(struct call *k)
{
	int delta = 0;
	const struct field f[] = { { "delta", F_BOOL, 0, &delta } };
	unsigned char *der = NULL;
	size_t len;
	enum MHD_Result ret;
	int rc;

	if (!decode(k, f, ARRAY_LEN(f), &ret))
		return ret;
	if ((rc = ca_crl(k->s->ca, &k->who, delta, &der, &len, NULL)) != FINCA_OK)
		return send_rc(k, rc);
	ret = reply_file(k->c, k->r, 201, "application/pkix-crl", der, len,
			 delta ? "issuing-delta.crl" : "issuing.crl");
	free(der);
	return ret;
}

static int audit_one(void *arg, const struct audit_rec *r)
{
	char t[32];
	json_t *d;

	time_format(r->at, t, sizeof t);
	d = json_loads(r->details, 0, NULL);
	json_array_append_new(arg, json_pack("{s:I, s:s, s:s, s:s, s:s, s:o}",
		"seq", (json_int_t)r->seq, "at", t, "actor", r->actor, "action", r->action,
		"object", r->object, "details", d ? d : json_object()));
	return FINCA_OK;
}

/* ?since ?until ?actor ?action ?object ?order ?before ?after ?limit: the
 * audit trail searched (ra_audit_find), a page at a time. */
static enum MHD_Result audit_list(struct call *k)
{
	struct audit_filter f = { .actor = query(k, "actor"), .action = query(k, "action"),
				  .object = query(k, "object") };
	const char *since = query(k, "since"), *until = query(k, "until");
	const char *order = query(k, "order");
	long limit = 1000, before = 0, after = 0;
	int64_t next = 0;
	json_t *arr;
	enum MHD_Result ret;
	int rc;

	if (!query_int(k, "limit", 1, 10000, &limit, &ret) ||
	    !query_int(k, "before", 1, INT64_MAX, &before, &ret) ||
	    !query_int(k, "after", 0, INT64_MAX, &after, &ret))
		return ret;
	if (since && time_parse(since, &f.since) != FINCA_OK)
		return send_error(k, 400, err_name(err_in(FINCA_EINVAL, "since")));
	if (until && time_parse(until, &f.until) != FINCA_OK)
		return send_error(k, 400, err_name(err_in(FINCA_EINVAL, "until")));
	if (order && strcmp(order, "asc") && strcmp(order, "desc"))
		return send_err(k, 400, "invalid", "order", "api.order", "expected asc or desc");
	f.desc = order && !strcmp(order, "desc");
	if (before && !f.desc)
		return send_err(k, 400, "invalid", "before", "api.order", "only with order=desc");
	if (after && f.desc)
		return send_err(k, 400, "invalid", "after", "api.order", "only with order=asc");
	f.from = f.desc ? before : after;
	f.limit = (int)limit;
	arr = json_array();
	rc = ra_audit_find(k->s->ca, &k->who, &f, audit_one, arr, &next);
	if (rc != FINCA_OK) {
		json_decref(arr);
		return send_rc(k, rc);
	}
	return send_json(k, 200, json_pack("{s:o, s:o}", "records", arr,
		"next", next ? json_integer(next) : json_null()));
}

static enum MHD_Result audit_check(struct call *k)
{
	struct audit_report rep;
	int rc;

	if (!k->s->ca->issuing)
		return send_rc(k, FINCA_ESTATE);
	rc = audit_verify(ca_store(k->s->ca), k->s->ca->audit_md,
			  X509_get0_pubkey(k->s->ca->issuing), &rep);
	if (rc != FINCA_OK && rc != FINCA_EINTEGRITY)
		return send_rc(k, rc);
	return send_json(k, 200, json_pack("{s:b, s:I, s:I, s:I, s:s?}", "ok", rc == FINCA_OK,
		"records", (json_int_t)rep.records, "checkpoints", (json_int_t)rep.checkpoints,
		"first_bad", (json_int_t)rep.bad_seq, "message", rc == FINCA_OK ? NULL : err_msg()));
}

/* The certificate profiles of finca.conf, as configured (read only). */
static enum MHD_Result profiles_list(struct call *k)
{
	const struct config *cfg = k->s->ca->cfg;
	json_t *arr = json_array();

	for (size_t i = 0; i < cfg->nprofiles; i++) {
		const struct profile *pr = &cfg->profiles[i];
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:i, s:s?, s:b, s:s?, s:s?, "
			"s:s?, s:s, s:b, s:i}", "name", pr->name, "class", profile_class_name(pr),
			"issuer", pr->issuer,
			"validity_days", pr->validity_days, "extended_key_usage", pr->eku,
			"ca", pr->ca, "subject", pr->subject_allowed, "subject_required",
			pr->subject_required, "policies", pr->policies, "identity",
			pr->identity == IDENT_PERSON ? "person" : pr->identity == IDENT_UNIT ?
			"unit" : "none", "genkey", pr->genkey, "tokens", pr->tokens));
	}
	return send_json(k, 200, json_pack("{s:o}", "profiles", arr));
}

static int account_one(void *arg, const struct account_rec *a)
{
	char t[32];

	time_format(a->created_at, t, sizeof t);
	json_array_append_new(arg, json_pack("{s:I, s:s, s:s, s:s, s:s, s:b, s:s}",
		"id", (json_int_t)a->id, "name", a->name, "role", a->role,
		"scope", a->scope, "certificate", a->cert_serial,
		"disabled", a->disabled, "created_at", t));
	return FINCA_OK;
}

static enum MHD_Result accounts_list(struct call *k)
{
	json_t *arr = json_array();
	int rc = ra_account_list(k->s->ca, &k->who, account_one, arr);

	if (rc != FINCA_OK) {
		json_decref(arr);
		return send_rc(k, rc);
	}
	return send_json(k, 200, json_pack("{s:o}", "accounts", arr));
}

/* An account for a person or an application system (role app), bound to
 * one of this CA's valid certificates. */
static enum MHD_Result accounts_add(struct call *k)
{
	const char *name = NULL, *role = NULL, *cert = NULL, *scope = NULL, *pw = NULL;
	const struct field f[] = {
		{ "name", F_STR, 1, &name },
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
	rc = account_add(k->s->ca, &k->who, name, role, scope, x, pw, &a);
	X509_free(x);
	if (rc != FINCA_OK)
		return send_rc(k, rc);
	ret = send_json(k, 201, json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)a.id,
					  "name", a.name, "role", a.role,
					  "certificate", a.cert_serial));
	account_rec_clear(&a);
	return ret;
}

/* Application systems: authenticate a certificate holder (art. 14: tell
 * them when renewal is due). */
/* Application systems: authenticate a certificate holder (art. 14: tell
 * them when renewal is due). */
static enum MHD_Result app_verify(struct call *k, struct api *a)
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

/* /api/v1/certs/{serial}[/{op}] */
static enum MHD_Result certs_route(struct call *k, const char *rest)
{
	char serial[64];
	const char *op = strchr(rest, '/');
	size_t n = op ? (size_t)(op - rest) : strlen(rest);
	enum MHD_Result ret;

	if (n == 0 || n >= sizeof serial)
		return send_err(k, 404, "not_found", NULL, "api.no_resource", "no such resource");
	memcpy(serial, rest, n);
	serial[n] = '\0';
	if (!op) {
		if (strcmp(k->r->method, "GET"))
			return send_err(k, 405, "method", NULL, "api.method", "GET only");
		return show(k, serial, 200);
	}
	op++;
	if (strcmp(k->r->method, "POST"))
		return send_err(k, 405, "method", NULL, "api.method", "POST only");
	/* the role first, before the body is read; ra/cert.c decides:
	 * cert.write in scope, cert.admin for account and service certificates */
	if (!allow(k, actor_has(&k->who, "cert.admin") ? "cert.admin" : "cert.write", &ret))
		return ret;
	if (!strcmp(op, "revoke") || !strcmp(op, "freeze") || !strcmp(op, "unfreeze"))
		return cert_change(k, serial, op);
	if (!strcmp(op, "renew"))
		return cert_renew(k, serial, OP_RENEW);
	if (!strcmp(op, "update"))
		return cert_renew(k, serial, OP_UPDATE);
	return send_err(k, 404, "not_found", NULL, "api.no_resource", "no such operation");
}

static enum MHD_Result route(struct call *k, struct api *a, const char *p)
{
	const char *m = k->r->method;
	enum MHD_Result ret;
	int rc;

	if (!strcmp(p, "login/challenge") && !strcmp(m, "POST"))
		return challenge(k, a, NULL);
	if (!strcmp(p, "login") && !strcmp(m, "POST"))
		return login(k, a);
	if (!strcmp(p, "emergency-freeze") && !strcmp(m, "POST") &&
	    (json_object_get(k->body, "id_number") || json_object_get(k->body, "loss_code")))
		return api_ra_claim(k);
	/* everything else needs a caller */
	if ((rc = identify(k, a)) != FINCA_OK)
		return send_error(k, 401, "auth");
	snprintf(k->r->account, sizeof k->r->account, "%s", k->acct.name);
	actor_from_account(&k->acct, &k->who);
	if (!strcmp(p, "logout") && !strcmp(m, "POST")) {
		const char *h = MHD_lookup_connection_value(k->c, MHD_HEADER_KIND,
							    MHD_HTTP_HEADER_AUTHORIZATION);
		if (h && !strncmp(h, "Bearer ", 7))
			session_close(k->s->ca, h + 7);
		return send_json(k, 200, json_pack("{s:b}", "ok", 1));
	}
	if (!strcmp(p, "whoami") && !strcmp(m, "GET"))
		return whoami(k);
	if (!strcmp(p, "dashboard") && !strcmp(m, "GET"))
		return api_dashboard(k);
	if (!strcmp(p, "certs") && !strcmp(m, "GET"))
		return allow(k, "cert.read", &ret) ? certs_list(k) : ret;
	if (!strcmp(p, "certs") && !strcmp(m, "POST"))
		return allow(k, "cert.write", &ret) ? cert_issue(k) : ret;
	if (!strncmp(p, "certs/", 6))
		return certs_route(k, p + 6);
	if (!strcmp(p, "crl") && !strcmp(m, "POST"))
		return allow(k, "crl.make", &ret) ? crl_make(k) : ret;
	if (!strcmp(p, "audit") && !strcmp(m, "GET"))
		return allow(k, "audit.read", &ret) ? audit_list(k) : ret;
	if (!strcmp(p, "audit/verify") && !strcmp(m, "GET"))
		return allow(k, "audit.read", &ret) ? audit_check(k) : ret;
	if (!strcmp(p, "profiles") && !strcmp(m, "GET"))
		return allow(k, "profile.read", &ret) ? profiles_list(k) : ret;
	if (!strcmp(p, "accounts") && !strcmp(m, "GET"))
		return allow(k, "account.read", &ret) ? accounts_list(k) : ret;
	if (!strcmp(p, "accounts") && !strcmp(m, "POST"))
		return allow(k, "account.write", &ret) ? accounts_add(k) : ret;
	if (!strncmp(p, "tokens", 6) && (p[6] == '\0' || p[6] == '/'))
		return api_tokens(k, p + 6);
	if ((ret = api_ra(k, p)) != MHD_NO || k->r->status)
		return ret;
	if (!strcmp(p, "auth/challenge") && !strcmp(m, "POST"))
		return allow(k, "app.auth", &ret) ? challenge(k, a, k->acct.name) : ret;
	if (!strcmp(p, "auth/verify") && !strcmp(m, "POST"))
		return allow(k, "app.auth", &ret) ? app_verify(k, a) : ret;
	return send_err(k, 404, "not_found", NULL, "api.no_resource", "no such resource");
}

enum MHD_Result api_dispatch(struct srv *s, struct MHD_Connection *c,
			     struct req *r, const char *url)
{
	struct call k;
	enum MHD_Result ret;

	memset(&k, 0, sizeof k);
	k.s = s;
	k.c = c;
	k.r = r;
	r->route = R_API;
	if (!r->tls)
		return send_err(&k, 403, "tls", NULL, "api.https_only", "the API is served over HTTPS only");
	if (r->too_big)
		return send_err(&k, 413, "too_large", NULL, "api.too_large", "request body too large");
	if (r->len && jsonreq_parse(r->body, r->len, (size_t)s->body_max, &k.body) != FINCA_OK)
		return send_error(&k, 400, "invalid");
	k.peer = peer_cert(c, &k.peer_len);
	ret = route(&k, s->api, url + strlen("/api/v1/"));
	json_decref(k.body);
	account_rec_clear(&k.acct);
	return ret;
}
