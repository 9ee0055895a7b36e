/* The certificate holder's desk over HTTP (issue 15): thin handlers over
 * src/ra/me.c, which checks the caller's role and scope itself.
 *
 *   GET   /api/v1/me                  who: every role; a holder's summary
 *   GET   /api/v1/me/{certs,tokens,grants,requests}   the holder's own
 *   POST  /api/v1/me/renew            {cert_serial, app?}: a draft renewal
 *   POST  /api/v1/me/tokens/{serial}/pin-changed
 *                                     {certificate, challenge, signature}:
 *                                     finca agent's proof of a PIN change
 *   POST  /api/v1/me/tokens/{serial}/instruction
 *                                     the signed instruction the agent
 *                                     needs to change the PIN (no body) */
#include "http/api_int.h"
#include "ra/ra.h"
#include "util/err.h"
#include "util/util.h"

#include <string.h>

/* 200/201 with *out, or the error (out read after the call that fills
 * it). */
static enum MHD_Result result(struct call *k, int rc, int status, json_t **out)
{
	if (rc != FINCA_OK) {
		json_decref(*out);
		return send_rc(k, rc);
	}
	return send_json(k, status, *out);
}

static enum MHD_Result renew(struct call *k)
{
	const char *serial = NULL, *app = NULL;
	const struct field f[] = {
		{ "cert_serial", F_STR, 1, &serial },
		{ "app", F_STR, 0, &app },
	};
	enum MHD_Result ret;
	json_t *out = NULL;

	if (!decode(k, f, ARRAY_LEN(f), &ret))
		return ret;
	return result(k, ra_me_renew(k->s->ca, &k->who, serial, app, &out), 201, &out);
}

static enum MHD_Result pin_changed(struct call *k, struct api *a, const char *serial)
{
	struct pin_proof p = { NULL, NULL, NULL };
	const struct field f[] = {
		{ "certificate", F_STR, 1, &p.certificate },
		{ "challenge", F_STR, 1, &p.challenge },
		{ "signature", F_STR, 1, &p.signature },
	};
	enum MHD_Result ret;
	json_t *out = NULL;
	int rc;

	if (!decode(k, f, ARRAY_LEN(f), &ret))
		return ret;
	if ((rc = ra_me_pin_changed(k->s->ca, a->auth, &k->who, serial, &p)) == FINCA_OK)
		rc = ra_me_tokens(k->s->ca, &k->who, &out);
	return result(k, rc, 200, &out);
}

enum MHD_Result api_me(struct call *k, struct api *a, const char *rest)
{
	const char *m = k->r->method;
	json_t *out = NULL;
	char serial[33];
	size_t n;

	if (!*rest || !strcmp(rest, "/")) {
		if (strcmp(m, "GET"))
			return send_err(k, 405, "method", NULL, "api.method", "GET only");
		return result(k, ra_me(k->s->ca, &k->who, &out), 200, &out);
	}
	if (*rest++ != '/')
		return send_err(k, 404, "not_found", NULL, "api.no_resource", "no such resource");
	if (!strcmp(rest, "renew")) {
		if (strcmp(m, "POST"))
			return send_err(k, 405, "method", NULL, "api.method", "POST only");
		return renew(k);
	}
	if (!strncmp(rest, "tokens/", 7)) {
		const char *op = strchr(rest + 7, '/');
		n = op ? (size_t)(op - rest - 7) : 0;
		if (!op || n == 0 || n >= sizeof serial ||
		    (strcmp(op, "/pin-changed") && strcmp(op, "/instruction")))
			return send_err(k, 404, "not_found", NULL, "api.no_resource",
					"no such resource");
		if (strcmp(m, "POST"))
			return send_err(k, 405, "method", NULL, "api.method", "POST only");
		memcpy(serial, rest + 7, n);
		serial[n] = '\0';
		if (!strcmp(op, "/instruction"))
			return result(k, ra_instruction(k->s->ca, &k->who, "change_pin", 0, serial,
							&out), 201, &out);
		return pin_changed(k, a, serial);
	}
	if (strcmp(m, "GET"))
		return send_err(k, 405, "method", NULL, "api.method", "GET only");
	if (!strcmp(rest, "certs"))
		return result(k, ra_me_certs(k->s->ca, &k->who, &out), 200, &out);
	if (!strcmp(rest, "tokens"))
		return result(k, ra_me_tokens(k->s->ca, &k->who, &out), 200, &out);
	if (!strcmp(rest, "grants"))
		return result(k, ra_me_grants(k->s->ca, &k->who, &out), 200, &out);
	if (!strcmp(rest, "requests"))
		return result(k, ra_me_requests(k->s->ca, &k->who, &out), 200, &out);
	return send_err(k, 404, "not_found", NULL, "api.no_resource", "no such resource");
}
