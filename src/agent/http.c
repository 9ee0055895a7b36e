/* The signing agent's HTTP service: GET /v1/certificates and POST
 * /v1/sign for the --origin pages, CORS and Private Network Access
 * preflights, one log line per request on stderr. */
#include "agent/agent_int.h"
#include "agent/produce.h"
#include "ca/ca.h"
#include "ca/dn.h"
#include "crypto/pem.h"
#include "crypto/sig.h"
#include "http/jsonreq.h"
#include "util/err.h"
#include "util/msg.h"
#include "util/util.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* One HTTP request. */
struct areq {
	char method[8], path[128];
	char origin[ORIGIN_LEN + 1];   /* as received, made printable: the log */
	const char *allow;         /* the --origin it matched (borrowed), or NULL */
	char *body;                /* owned */
	size_t len;
	int too_big, status;
	enum msg_lang lang;        /* of the answers: the caller's Accept-Language */
	char note[256];            /* what happened, for the log (never a PIN) */
};

/* --- answers --- */

static void headers(struct MHD_Response *resp, const struct areq *r)
{
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Vary", "Origin");
	if (r->allow)
		MHD_add_response_header(resp, "Access-Control-Allow-Origin", r->allow);
}

/* Queues j (taken) as the answer. */
static enum MHD_Result send_json(struct MHD_Connection *c, struct areq *r, int status,
				 json_t *j)
{
	char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
	struct MHD_Response *resp;
	enum MHD_Result ret;

	json_decref(j);
	if (!s)
		return MHD_NO;
	/* json_dumps allocates with malloc: MHD frees it with free */
	resp = MHD_create_response_from_buffer(strlen(s), s, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(s);
		return MHD_NO;
	}
	headers(resp, r);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	ret = MHD_queue_response(c, (unsigned)status, resp);
	MHD_destroy_response(resp);
	r->status = status;
	return ret;
}

/* The current error (util/err.h) as {"error": {"code", "reason",
 * "message", extra...}}: the message in the caller's language (as finca's
 * API says it), the log's note in English; extra (taken) may be NULL. */
static enum MHD_Result send_fail(struct MHD_Connection *c, struct areq *r, int status,
				 const char *code, json_t *extra)
{
	char msg[1024];
	json_t *e = json_pack("{s:s, s:s}", "code", code, "message",
			      msg_error(r->lang, msg, sizeof msg));

	if (err_reason())
		json_object_set_new(e, "reason", json_string(err_reason()));
	if (extra) {
		json_object_update(e, extra);
		json_decref(extra);
	}
	snprintf(r->note, sizeof r->note, "%s", err_msg());
	return send_json(c, r, status, json_pack("{s:o}", "error", e));
}


/* --- signing --- */

static enum MHD_Result handle_sign(struct agent *a, struct MHD_Connection *c,
				   struct areq *r)
{
	const char *id = NULL, *ch = NULL, *bad = NULL;
	const struct field f[] = {
		{ "id", F_STR, 1, &id },
		{ "challenge", F_STR, 1, &ch },
	};
	char serial[17], pin[PIN_MAX];
	unsigned char kid[64], *sig = NULL, *der = NULL;
	size_t kidlen = 0, siglen = 0;
	struct p11_token t;
	struct refusal why;
	struct ask q;
	json_t *body = NULL;
	X509 *x = NULL;
	char *subj = NULL, *b64s = NULL, *b64c = NULL;
	enum MHD_Result ret;
	int n, rc;

	memset(&q, 0, sizeof q);
	if (r->too_big) {
		err_why(FINCA_EINVAL, NULL, "body.too_large", "body larger than %d bytes", BODY_MAX);
		ret = send_fail(c, r, 400, "invalid", NULL);
		goto out;
	}
	if (jsonreq_parse(r->body ? r->body : "", r->len, BODY_MAX, &body) != FINCA_OK ||
	    jsonreq_decode(body, f, ARRAY_LEN(f), &bad) != FINCA_OK) {
		ret = send_fail(c, r, 400, "invalid", NULL);
		goto out;
	}
	if (!agent_challenge_ok(ch, json_string_length(json_object_get(body, "challenge")))) {
		err_why(FINCA_EINVAL, "challenge", "agent.challenge",
			"1 to 256 printable ASCII characters");
		ret = send_fail(c, r, 400, "invalid", NULL);
		goto out;
	}
	if (strlen(id) != json_string_length(json_object_get(body, "id")) ||
	    !agent_id_parse(id, serial, kid, &kidlen)) {
		err_why(FINCA_EINVAL, "id", "agent.id",
			"expected TOKENSERIAL:CKAIDHEX, as GET /v1/certificates lists it");
		ret = send_fail(c, r, 400, "invalid", NULL);
		goto out;
	}
	pthread_mutex_lock(&a->tok_mu);
	rc = agent_cert_find(a, serial, kid, kidlen, &t, &x);
	pthread_mutex_unlock(&a->tok_mu);
	if (rc != FINCA_OK) {
		ret = rc == FINCA_ENOTFOUND ? send_fail(c, r, 404, "not_found", NULL)
			: send_fail(c, r, 500, "token", NULL);
		goto out;
	}
	if (t.pin_locked) {
		err_why(FINCA_EAUTH, NULL, "agent.pin_locked",
			"token %s: the PIN is locked; an approved PIN reset request is needed",
			serial);
		ret = send_fail(c, r, 423, "pin_locked", NULL);
		goto out;
	}
	q.serial = serial;
	q.origin = r->allow;
	q.final_try = t.pin_final_try;
	agent_printable(q.label, sizeof q.label, t.label);
	subj = dn_format(X509_get_subject_name(x));
	agent_printable(q.subject, sizeof q.subject, subj);
	ca_cert_serial(x, q.cert);
	if ((rc = agent_pin_ask(a, &q, pin, sizeof pin)) != FINCA_OK) {
		ret = send_fail(c, r, 503, "no_pin", NULL);
		goto out;
	}
	rc = agent_token_sign(a, serial, pin, x, kid, kidlen, ch, &sig, &siglen, &why);
	OPENSSL_cleanse(pin, sizeof pin);
	if (rc != FINCA_OK) {
		ret = send_fail(c, r, why.status, why.code, why.tries_left >= 0 ?
			       json_pack("{s:i}", "tries_left", why.tries_left) : NULL);
		goto out;
	}
	/* what finca's holder_verify will check, checked here first: a key
	 * that does not match its certificate is named now, not at login */
	if (sig_verify(X509_get0_pubkey(x), (const unsigned char *)ch, strlen(ch), sig,
		       siglen) != FINCA_OK) {
		err_why(FINCA_ECRYPTO, NULL, "agent.key_mismatch",
			"token %s: the signature does not verify with the certificate "
			"(its key is another)", serial);
		ret = send_fail(c, r, 500, "token", NULL);
		goto out;
	}
	if ((n = i2d_X509(x, &der)) <= 0) {
		err_why(FINCA_ECRYPTO, NULL, "agent.cert_encode", "the certificate does not encode");
		ret = send_fail(c, r, 500, "token", NULL);
		goto out;
	}
	b64c = b64_encode(der, (size_t)n);
	b64s = b64_encode(sig, siglen);
	snprintf(r->note, sizeof r->note, "signed with token %s, certificate %s", serial, q.cert);
	ret = send_json(c, r, 200, json_pack("{s:s, s:s}", "certificate", b64c, "signature", b64s));
out:
	json_decref(body);
	X509_free(x);
	OPENSSL_free(sig);
	OPENSSL_free(der);
	free(subj);
	free(b64c);
	free(b64s);
	return ret;
}

/* --- HTTP --- */

static enum MHD_Result preflight(struct MHD_Connection *c, struct areq *r)
{
	const char *pna = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						      "Access-Control-Request-Private-Network");
	struct MHD_Response *resp = MHD_create_response_from_buffer(0, NULL,
								    MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (!resp)
		return MHD_NO;
	headers(resp, r);
	MHD_add_response_header(resp, "Access-Control-Allow-Methods", "GET, POST");
	MHD_add_response_header(resp, "Access-Control-Allow-Headers", "Content-Type");
	MHD_add_response_header(resp, "Access-Control-Max-Age", "600");
	/* Private Network Access: a public page may call a loopback server
	 * only when the server says so */
	if (pna && !strcasecmp(pna, "true"))
		MHD_add_response_header(resp, "Access-Control-Allow-Private-Network", "true");
	ret = MHD_queue_response(c, 204, resp);
	MHD_destroy_response(resp);
	r->status = 204;
	return ret;
}

static enum MHD_Result dispatch(struct agent *a, struct MHD_Connection *c, struct areq *r,
				const char *url)
{
	const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
	const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
	int list = !strcmp(url, "/v1/certificates"), sign = !strcmp(url, "/v1/sign");
	int chpin = !strcmp(url, "/v1/change-pin");

	r->lang = msg_lang_accept(MHD_lookup_connection_value(c, MHD_HEADER_KIND,
							      MHD_HTTP_HEADER_ACCEPT_LANGUAGE));
	if (!agent_host_ok(a, host)) {
		err_why(FINCA_EAUTH, NULL, "agent.host", "Host must be 127.0.0.1:%u or localhost:%u",
			a->port, a->port);
		return send_fail(c, r, 403, "forbidden", NULL);
	}
	if ((r->allow = agent_origin_allowed(a, origin)) == NULL) {
		if (origin)
			err_why(FINCA_EAUTH, NULL, "agent.origin",
				"this Origin may not use the agent (--origin)");
		else
			err_why(FINCA_EAUTH, NULL, "agent.no_origin",
				"no Origin: only the pages named with --origin may use the agent");
		return send_fail(c, r, 403, "forbidden", NULL);
	}
	if (!list && !sign && !chpin && !produce_path(url)) {
		err_why(FINCA_ENOTFOUND, NULL, "agent.no_path",
			"no such path (GET /v1/certificates, POST /v1/sign)");
		return send_fail(c, r, 404, "not_found", NULL);
	}
	if (!strcmp(r->method, "OPTIONS"))
		return preflight(c, r);
	if (produce_path(url)) {
		const char *code = "token";
		json_t *j = NULL;
		int st = produce_call(a, r->method, url, r->allow, (int)r->lang, r->body, r->len,
				      r->too_big, &j, &code, r->note, sizeof r->note);
		return j ? send_json(c, r, st, j) : send_fail(c, r, st, code, NULL);
	}
	if (list && !strcmp(r->method, "GET")) {
		json_t *arr = NULL;
		if (agent_certs_list(a, &arr, r->note, sizeof r->note) != FINCA_OK)
			return send_fail(c, r, 500, "token", NULL);
		if (!r->note[0])
			snprintf(r->note, sizeof r->note, "%zu certificate%s", json_array_size(arr),
				 json_array_size(arr) == 1 ? "" : "s");
		return send_json(c, r, 200, json_pack("{s:o}", "certificates", arr));
	}
	if (sign && !strcmp(r->method, "POST"))
		return handle_sign(a, c, r);
	if (chpin && !strcmp(r->method, "POST")) {  /* pin_change.c */
		struct agent_answer ans = { 500, "token", NULL, "" };
		int rc = agent_change_pin(a, r->allow, r->too_big ? NULL : r->body ? r->body : "",
					  r->len, &ans);
		snprintf(r->note, sizeof r->note, "%s", ans.note);
		return rc == FINCA_OK ? send_json(c, r, ans.status, ans.answer)
				      : send_fail(c, r, ans.status, ans.code, NULL);
	}
	err_why(FINCA_EINVAL, NULL, "agent.method", "%s", list ? "GET /v1/certificates"
							       : chpin ? "POST /v1/change-pin" : "POST /v1/sign");
	return send_fail(c, r, 405, "method", NULL);
}

enum MHD_Result agent_http_request(void *cls, struct MHD_Connection *c, const char *url,
				   const char *method, const char *version, const char *data,
				   size_t *data_size, void **req_cls)
{
	struct agent *a = cls;
	struct areq *r = *req_cls;

	(void)version;
	if (!r) {
		r = xcalloc(1, sizeof *r);
		agent_printable(r->method, sizeof r->method, method);
		agent_printable(r->path, sizeof r->path, url);
		agent_printable(r->origin, sizeof r->origin,
			  MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin"));
		*req_cls = r;
		return MHD_YES;
	}
	if (*data_size) {
		if (r->len + *data_size > BODY_MAX) {
			r->too_big = 1;    /* read on, answer at the end */
		} else {
			r->body = xrealloc(r->body, r->len + *data_size + 1);
			memcpy(r->body + r->len, data, *data_size);
			r->len += *data_size;
			r->body[r->len] = '\0';
		}
		*data_size = 0;
		return MHD_YES;
	}
	return dispatch(a, c, r, url);
}

/* One line per request on stderr: method, path, origin, status, why. */
void agent_http_done(void *cls, struct MHD_Connection *c, void **req_cls,
		     enum MHD_RequestTerminationCode toe)
{
	struct areq *r = *req_cls;

	(void)cls;
	(void)c;
	if (!r)
		return;
	if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK && !r->status)
		r->status = 499;   /* the client went away */
	fprintf(stderr, "finca agent: %s %s origin=%s %d%s%s\n", r->method, r->path,
		r->origin[0] ? r->origin : "-", r->status, r->note[0] ? " " : "", r->note);
	free(r->body);
	free(r);
	*req_cls = NULL;
}

