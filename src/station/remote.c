/* The token station's inventory elsewhere: the daemon's /api/v1/tokens
 * (http/api_token.c) through client.c, as the operator logged in there.
 * The daemon makes the same core calls and audit records as local.c. */
#include "station/station.h"
#include "crypto/pem.h"
#include "util/err.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

/* The envelope's loss-report code from the daemon's answer j, into code
 * (shown once: a missing one is an error, the envelope needs it). */
static int answer_code(json_t *j, const char *serial, char code[LOSS_CODE_BUF])
{
	const char *c = json_string_value(json_object_get(j, "loss_code"));

	if (!c || strlen(c) != LOSS_CODE_BUF - 1)
		return err_why(FINCA_EIO, NULL, "station.no_loss_code",
			       "token %s: the server sent no loss-report code (挂失码) "
			       "for the envelope", serial);
	memcpy(code, c, LOSS_CODE_BUF);
	return FINCA_OK;
}

static int remote_get(void *ctx, const char *serial, int events, json_t **out)
{
	(void)events;          /* the daemon's answer has them */
	return client_call(ctx, "GET", "tokens/%s", NULL, out, serial);
}

static int remote_list(void *ctx, const char *state, json_t **out)
{
	return client_call(ctx, "GET", state ? "tokens?state=%s" : "tokens", NULL, out, state);
}

static int remote_add(void *ctx, const struct token_info *ti, const char *so_pin,
		      char code[LOSS_CODE_BUF])
{
	json_t *j = NULL;
	int rc;

	rc = client_call(ctx, "POST", "tokens", json_pack(
		"{s:s, s:s, s:s, s:s, s:s, s:s*}", "serial", ti->serial, "label", ti->label,
		"manufacturer", ti->manufacturer, "model", ti->model, "so_pin", so_pin,
		"node", ti->node), &j);
	if (rc == FINCA_OK)
		rc = answer_code(j, ti->serial, code);
	json_decref(j);
	return rc;
}

static int remote_so_pin(void *ctx, const char *serial, int64_t request, char **out)
{
	json_t *j = NULL;
	int rc;

	/* with request the daemon checks it is an accepted PIN reset */
	if ((rc = client_call(ctx, "POST", "tokens/%s/so-pin", request ?
			      json_pack("{s:I}", "request", (json_int_t)request) :
			      json_object(), &j, serial)) == FINCA_OK)
		*out = xstrdup(json_string_value(json_object_get(j, "so_pin")) ?: "");
	json_decref(j);
	return rc;
}

static int remote_enroll_spec(void *ctx, int64_t request, json_t **out)
{
	return client_call(ctx, "POST", "requests/%lld/enroll-spec", NULL, out,
			   (long long)request);
}

static int remote_enroll_begin(void *ctx, const char *serial, const struct issue_req *rq,
			       X509 **out)
{
	char *pem = pem_encode("CERTIFICATE REQUEST", rq->csr_der, rq->csr_len);
	json_t *j = NULL;
	int rc;

	rc = client_call(ctx, "POST", "tokens/%s/enroll", json_pack(
		"{s:s, s:s, s:s*, s:i, s:s*, s:s*}", "csr", pem, "profile", rq->profile,
		"id_number", rq->id_number, "days", rq->days, "replaces", rq->replaces,
		"unit_code", rq->unit_code), &j, serial);
	if (rc == FINCA_OK)
		rc = pem_x509_parse(json_string_value(json_object_get(j, "certificate")), out);
	free(pem);
	json_decref(j);
	return rc;
}

static int remote_enroll_end(void *ctx, const char *serial, const char *cert, int64_t request,
			     const char *abort_why)
{
	return client_call(ctx, "POST", abort_why ? "tokens/%s/enroll-abort"
			   : "tokens/%s/enroll-commit",
			   json_pack("{s:s, s:s*, s:I}", "certificate", cert, "reason", abort_why,
				     "request", (json_int_t)request), NULL, serial);
}

static int remote_envelopes(void *ctx, const char *cert, json_t **out)
{
	return client_call(ctx, "GET", "certs/%s/envelope", NULL, out, cert);
}

static int remote_key_import(void *ctx, const char *serial, const char *cert, const char *enc,
			     const char *format)
{
	return client_call(ctx, "POST", "tokens/%s/key-import", json_pack(
		"{s:s, s:s, s:s}", "certificate", cert, "enc_certificate", enc, "format",
		format), NULL, serial);
}

static int remote_pin_event(void *ctx, const char *serial, int changed, int64_t request,
			    char code[LOSS_CODE_BUF])
{
	json_t *j = NULL;
	int rc;

	rc = client_call(ctx, "POST", "tokens/%s/pin", json_pack("{s:b, s:I}", "changed",
			 changed, "request", (json_int_t)request), &j, serial);
	if (rc == FINCA_OK && !changed)
		rc = answer_code(j, serial, code);
	json_decref(j);
	return rc;
}

static int remote_move(void *ctx, const char *serial, const char *to, const char *reason,
		       const char *party, const char *note)
{
	return client_call(ctx, "POST", "tokens/%s/state", json_pack(
		"{s:s, s:s*, s:s*, s:s*}", "state", to, "reason", reason, "party", party,
		"note", note), NULL, serial);
}

static int remote_handover(void *ctx, const char *serial, const char *party, const char *note)
{
	return client_call(ctx, "POST", "tokens/%s/handover", json_pack(
		"{s:s*, s:s*}", "to", party, "note", note), NULL, serial);
}

static void remote_free(void *ctx)
{
	client_free(ctx);
}

const struct station_ops station_remote_ops = {
	.name = "remote",
	.get = remote_get,
	.list = remote_list,
	.add = remote_add,
	.so_pin = remote_so_pin,
	.enroll_spec = remote_enroll_spec,
	.enroll_begin = remote_enroll_begin,
	.enroll_end = remote_enroll_end,
	.envelopes = remote_envelopes,
	.key_import = remote_key_import,
	.pin_event = remote_pin_event,
	.move = remote_move,
	.handover = remote_handover,
	.free = remote_free,
};

int station_use_remote(struct station *st, const struct client_opts *o)
{
	struct client *c = NULL;
	int rc;

	if ((rc = client_open(o, &c)) != FINCA_OK)
		return rc;
	st->ops = &station_remote_ops;
	st->inv = c;
	return FINCA_OK;
}

struct client *station_client(struct station *st)
{
	return st->ops == &station_remote_ops ? st->inv : NULL;
}

int station_use_session(struct station *st, const char *url, const char *cacert,
			const char *bearer)
{
	struct client *c = NULL;
	int rc;

	if ((rc = client_open_session(url, cacert, bearer, &c)) != FINCA_OK)
		return rc;
	st->ops = &station_remote_ops;
	st->inv = c;
	return FINCA_OK;
}
