/* The API's door: who is calling, the routes, and the answers every
 * handler shares (JSON, the one error object, 429).  The handlers are thin:
 * decode JSON, check the caller's right, call the core, render JSON
 * (api_auth.c, api_cert.c, api_audit.c, api_ra.c, api_token.c,
 * api_dash.c). */
#include "http/api.h"
#include "http/api_int.h"
#include "http/jsonreq.h"
#include "auth/auth.h"
#include "ra/ra.h"
#include "util/err.h"
#include "util/util.h"

#include <gnutls/gnutls.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

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
	char *s;
	enum MHD_Result ret;

	/* names beside the codes of every answer (ra/names.c) */
	if (status < 300 && j && !k->raw)
		ra_names(k->s->ca, j);
	s = json_dumps(j, JSON_COMPACT);

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
 * the whole sentence.  message and detail in the caller's language. */
json_t *error_json(struct call *k, const char *code)
{
	json_t *params = json_array();
	char m[2048], d[2048];

	for (unsigned i = 0; i < err_nparams(); i++)
		json_array_append_new(params, json_string(err_param(i)));
	return json_pack("{s:s, s:s, s:o, s:o, s:s, s:s}", "code", code, "reason",
			 err_reason() ? err_reason() : code, "field",
			 err_field() ? json_string(err_field()) : json_null(), "params", params,
			 "message", msg_error(k->lang, m, sizeof m), "detail",
			 msg_detail(k->lang, d, sizeof d));
}

enum MHD_Result send_error(struct call *k, int status, const char *code)
{
	return send_json(k, status, json_pack("{s:o}", "error", error_json(k, code)));
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
	err_why(FINCA_EAUTH, NULL, "api.forbidden",
		"%s (%s %s): your role may not do this", right, k->who.role,
		k->who.name);
	ca_deny(k->s->ca, &k->who, json_pack("{s:s, s:s, s:s}", "right", right,
					     "method", k->r->method, "path", k->r->path));
	*ret = send_err(k, 403, "forbidden", NULL, "api.forbidden", "your role may not do this");
	return 0;
}

/* --- the call's address and query --- */

/* The caller's source address, as throttling counts it. */
void call_source(struct call *k, char out[THROTTLE_SOURCE_LEN])
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(k->c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);

	throttle_source(ci ? ci->client_addr : NULL, out);
}

enum MHD_Result send_too_many(struct call *k, int64_t retry)
{
	json_t *e = error_json(k, err_name(FINCA_ELIMIT));
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
		*ret = send_err(k, 400, "invalid", name, "api.range",
				"expected a number from %ld to %ld", lo, hi);
		return 0;
	}
	*out = n;
	return 1;
}

/* --- routes --- */

static enum MHD_Result route(struct call *k, struct api *a, const char *p)
{
	const char *m = k->r->method;
	enum MHD_Result ret;
	int rc;

	if (!strcmp(p, "login/challenge") && !strcmp(m, "POST"))
		return api_challenge(k, a, NULL);
	if (!strcmp(p, "login") && !strcmp(m, "POST"))
		return api_login(k, a);
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
		return api_whoami(k);
	if (!strncmp(p, "me", 2) && (p[2] == '\0' || p[2] == '/'))
		return api_me(k, a, p + 2);
	if (!strcmp(p, "dashboard") && !strcmp(m, "GET"))
		return api_dashboard(k);
	if (!strcmp(p, "certs") && !strcmp(m, "GET"))
		return allow(k, "cert.read", &ret) ? api_certs_list(k) : ret;
	if (!strcmp(p, "certs") && !strcmp(m, "POST"))
		return allow(k, "cert.write", &ret) ? api_cert_issue(k) : ret;
	if (!strncmp(p, "certs/", 6))
		return api_certs_route(k, p + 6);
	if (!strcmp(p, "crl") && !strcmp(m, "POST"))
		return allow(k, "crl.make", &ret) ? api_crl_make(k) : ret;
	if (!strcmp(p, "audit") && !strcmp(m, "GET"))
		return allow(k, "audit.read", &ret) ? api_audit_list(k) : ret;
	if (!strcmp(p, "audit/actions") && !strcmp(m, "GET"))
		return allow(k, "audit.read", &ret) ? api_audit_actions(k) : ret;
	if (!strcmp(p, "audit/export") && !strcmp(m, "GET"))
		return allow(k, "audit.read", &ret) ? api_audit_export(k) : ret;
	if (!strcmp(p, "audit/verify") && !strcmp(m, "GET"))
		return allow(k, "audit.read", &ret) ? api_audit_check(k) : ret;
	if (!strcmp(p, "profiles") && !strcmp(m, "GET"))
		return allow(k, "profile.read", &ret) ? api_profiles_list(k) : ret;
	if (!strcmp(p, "ca") && !strcmp(m, "GET"))
		return allow(k, "profile.read", &ret) ?
		       send_json(k, 200, ca_info_json(k->s->ca)) : ret;
	if (!strcmp(p, "accounts") && !strcmp(m, "GET"))
		return allow(k, "account.read", &ret) ? api_accounts_list(k) : ret;
	if (!strcmp(p, "accounts") && !strcmp(m, "POST"))
		return allow(k, "account.write", &ret) ? api_accounts_add(k) : ret;
	if (!strncmp(p, "accounts/", 9) && !strcmp(m, "PATCH"))
		return api_accounts_edit(k, p + 9);
	if (!strcmp(p, "instructions") && !strcmp(m, "POST"))
		return api_instructions(k);
	if (!strncmp(p, "tokens", 6) && (p[6] == '\0' || p[6] == '/'))
		return api_tokens(k, p + 6);
	if ((ret = api_ra(k, p)) != MHD_NO || k->r->status)
		return ret;
	if (!strcmp(p, "auth/challenge") && !strcmp(m, "POST"))
		return allow(k, "app.auth", &ret) ? api_challenge(k, a, k->acct.name) : ret;
	if (!strcmp(p, "auth/verify") && !strcmp(m, "POST"))
		return allow(k, "app.auth", &ret) ? api_app_verify(k, a) : ret;
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
	k.lang = msg_lang_accept(MHD_lookup_connection_value(c, MHD_HEADER_KIND,
							     MHD_HTTP_HEADER_ACCEPT_LANGUAGE));
	/* a replica on a read-only standby (finca serve --ocsp-only) writes
	 * nothing, and nearly every call writes (a session, the audit) */
	if (s->ca->readonly)
		return send_err(&k, 503, "ocsp_only", NULL, "api.ocsp_only",
				"this node only answers OCSP and serves CRLs and CA certificates "
				"(finca serve --ocsp-only, on a read-only standby): use a node "
				"on the primary for the API");
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
