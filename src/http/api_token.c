/* /api/v1/tokens: the USBKey inventory for token stations working against a
 * remote CA, and for the console.  The token itself never reaches the
 * server: stations send what they read off it and the CSRs it signed. */
#include "http/api_int.h"
#include "ra/ra.h"
#include "crypto/pem.h"
#include "token/token.h"
#include "util/err.h"
#include "util/util.h"

#include <openssl/crypto.h>
#include <string.h>

/* The token after a change; with the new envelope's loss-report code
 * when there is one (shown once: the station prints it). */
static enum MHD_Result ok_code(struct call *k, int rc, const char *serial, char *code)
{
	struct token_rec t;
	json_t *j;

	if (rc == FINCA_OK)
		rc = ra_token_get(k->s->ca, &k->who, serial, &t);
	if (rc != FINCA_OK) {
		if (code)
			OPENSSL_cleanse(code, LOSS_CODE_BUF);
		return send_rc(k, rc);
	}
	j = token_json(k->s->ca, &t, 1);
	if (code) {
		json_object_set_new(j, "loss_code", json_string(code));
		OPENSSL_cleanse(code, LOSS_CODE_BUF);
	}
	token_rec_clear(&t);
	return send_json(k, 200, j);
}

static enum MHD_Result ok(struct call *k, int rc, const char *serial)
{
	return ok_code(k, rc, serial, NULL);
}

struct list_acc {
	struct ca *ca;
	json_t *arr;
};

static int list_one(void *arg, const struct token_rec *t)
{
	struct list_acc *l = arg;

	return json_array_append_new(l->arr, token_json(l->ca, t, 0)) ? FINCA_ENOMEM : FINCA_OK;
}

static enum MHD_Result list(struct call *k)
{
	const char *state = MHD_lookup_connection_value(k->c, MHD_GET_ARGUMENT_KIND, "state");
	struct list_acc l = { k->s->ca, json_array() };
	int rc;

	if ((rc = ra_token_list(k->s->ca, &k->who, state, list_one, &l)) != FINCA_OK) {
		json_decref(l.arr);
		return send_rc(k, rc);
	}
	return send_json(k, 200, l.arr);
}

static enum MHD_Result add(struct call *k)
{
	struct token_info ti = { NULL, "", "", "", NULL };
	const char *so = NULL;
	const struct field f[] = {
		{ "serial", F_STR, 1, &ti.serial },
		{ "label", F_STR, 0, &ti.label },
		{ "manufacturer", F_STR, 0, &ti.manufacturer },
		{ "model", F_STR, 0, &ti.model },
		{ "so_pin", F_STR, 1, &so },
		{ "node", F_STR, 0, &ti.node },
	};
	enum MHD_Result ret;
	char code[LOSS_CODE_BUF];

	if (!decode(k, f, ARRAY_LEN(f), &ret))
		return ret;
	return ok_code(k, ra_token_register(k->s->ca, &k->who, &ti, so, code), ti.serial, code);
}

static enum MHD_Result so_pin(struct call *k, const char *serial)
{
	json_int_t request = 0;
	const struct field f[] = { { "request", F_INT, 0, &request } };
	enum MHD_Result ret;
	char *pin = NULL;
	int rc;

	if (!decode(k, f, ARRAY_LEN(f), &ret))
		return ret;
	/* request: a PIN reset for an accepted request (附件3) */
	if ((rc = ra_token_so_pin(k->s->ca, &k->who, serial, request, &pin)) != FINCA_OK)
		return send_rc(k, rc);
	ret = send_json(k, 200, json_pack("{s:s}", "so_pin", pin));
	OPENSSL_cleanse(pin, strlen(pin));
	free(pin);
	return ret;
}

static enum MHD_Result enroll(struct call *k, const char *serial)
{
	const char *profile = NULL, *csr = NULL, *idn = NULL, *replaces = NULL, *uc = NULL;
	json_int_t days = 0;
	const struct field f[] = {
		{ "profile", F_STR, 1, &profile },
		{ "csr", F_STR, 1, &csr },
		{ "id_number", F_STR, 0, &idn },
		{ "days", F_INT, 0, &days },
		{ "replaces", F_STR, 0, &replaces },
		{ "unit_code", F_STR, 0, &uc },
	};
	struct issue_req rq;
	unsigned char *der = NULL;
	enum MHD_Result ret;
	char *pem;
	X509 *x = NULL;
	int rc;

	if (!decode(k, f, ARRAY_LEN(f), &ret) ||
	    !issue_fields(k, profile, csr, days, idn, &rq, &der, &ret))
		return ret;
	rq.replaces = replaces;
	rq.unit_code = uc;
	rq.action = "cert.issue.token";
	rc = ra_token_enroll_begin(k->s->ca, &k->who, serial, &rq, &x);
	OPENSSL_free(der);
	if (rc != FINCA_OK)
		return send_rc(k, rc);
	pem = pem_x509(x);
	X509_free(x);
	ret = send_json(k, 201, json_pack("{s:s}", "certificate", pem));
	free(pem);
	return ret;
}

static enum MHD_Result enroll_end(struct call *k, const char *serial, int commit)
{
	const char *cert = NULL, *reason = NULL;
	json_int_t request = 0;
	const struct field f[] = {
		{ "certificate", F_STR, 1, &cert },
		{ "reason", F_STR, 0, &reason },
		{ "request", F_INT, 0, &request },
	};
	enum MHD_Result ret;

	if (!decode(k, f, ARRAY_LEN(f), &ret))
		return ret;
	return ok(k, ra_token_enroll_end(k->s->ca, &k->who, serial, cert, commit ? request : 0,
					 commit ? NULL : reason ? reason
					 : "aborted by the station"), serial);
}

/* The station imported an encryption key onto the token: recorded. */
static enum MHD_Result key_import(struct call *k, const char *serial)
{
	const char *cert = NULL, *enc = NULL, *format = NULL;
	const struct field f[] = {
		{ "certificate", F_STR, 1, &cert },
		{ "enc_certificate", F_STR, 1, &enc },
		{ "format", F_STR, 1, &format },
	};
	enum MHD_Result ret;

	if (!decode(k, f, ARRAY_LEN(f), &ret))
		return ret;
	return ok(k, ra_token_key_import(k->s->ca, &k->who, serial, cert, enc, format), serial);
}

static enum MHD_Result change(struct call *k, const char *serial, const char *op)
{
	const char *state = NULL, *reason = NULL, *party = NULL, *note = NULL;
	int changed = 0, code = -1;
	json_int_t request = 0;
	const struct field pf[] = { { "changed", F_BOOL, 1, &changed },
				    { "request", F_INT, 0, &request } };
	const struct field sf[] = {
		{ "state", F_STR, 1, &state },
		{ "reason", F_STR, 0, &reason },
		{ "party", F_STR, 0, &party },
		{ "note", F_STR, 0, &note },
	};
	const struct field hf[] = { { "to", F_STR, 1, &party }, { "note", F_STR, 0, &note } };
	enum MHD_Result ret;

	if (!strcmp(op, "pin")) {
		char lc[LOSS_CODE_BUF];
		if (!decode(k, pf, ARRAY_LEN(pf), &ret))
			return ret;
		return ok_code(k, ra_token_pin_event(k->s->ca, &k->who, serial, changed, request,
						     lc), serial, changed ? NULL : lc);
	}
	if (!strcmp(op, "handover")) {
		if (!decode(k, hf, ARRAY_LEN(hf), &ret))
			return ret;
		return ok(k, ra_token_handover(k->s->ca, &k->who, serial, party, note), serial);
	}
	if (!decode(k, sf, ARRAY_LEN(sf), &ret))
		return ret;
	if (reason && (code = ca_reason_parse(reason)) < 0)
		return send_err(k, 400, "invalid", "reason", "api.crl_reason", "not an RFC 5280 reason");
	return ok(k, ra_token_move(k->s->ca, &k->who, serial, state, code, party, note), serial);
}

enum MHD_Result api_tokens(struct call *k, const char *rest)
{
	const char *m = k->r->method, *op;
	char serial[33];
	enum MHD_Result ret;
	size_t n;

	/* the role first (before the body is read: a role without the right
	 * learns nothing); ra/tokens.c checks it again with the token's node */
	if (!allow(k, strcmp(m, "GET") ? "token.write" : "token.read", &ret))
		return ret;
	if (!*rest) {
		if (!strcmp(m, "GET"))
			return list(k);
		if (!strcmp(m, "POST"))
			return add(k);
		return send_err(k, 405, "method", NULL, "api.method", "GET or POST");
	}
	if (*rest++ != '/')
		return send_err(k, 404, "not_found", NULL, "api.no_resource", "no such resource");
	op = strchr(rest, '/');
	n = op ? (size_t)(op - rest) : strlen(rest);
	if (n == 0 || n >= sizeof serial)
		return send_err(k, 404, "not_found", NULL, "token.none", "no such token");
	memcpy(serial, rest, n);
	serial[n] = '\0';
	if (!op) {
		if (strcmp(m, "GET"))
			return send_err(k, 405, "method", NULL, "api.method", "GET only");
		return ok(k, FINCA_OK, serial);
	}
	op++;
	if (strcmp(m, "POST"))
		return send_err(k, 405, "method", NULL, "api.method", "POST only");
	if (!strcmp(op, "so-pin"))
		return so_pin(k, serial);
	if (!strcmp(op, "enroll"))
		return enroll(k, serial);
	if (!strcmp(op, "enroll-commit") || !strcmp(op, "enroll-abort"))
		return enroll_end(k, serial, !strcmp(op, "enroll-commit"));
	if (!strcmp(op, "key-import"))
		return key_import(k, serial);
	if (!strcmp(op, "pin") || !strcmp(op, "state") || !strcmp(op, "handover"))
		return change(k, serial, op);
	return send_err(k, 404, "not_found", NULL, "api.no_resource", "no such operation");
}
