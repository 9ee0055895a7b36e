/* Certificates over the API: list, show, issue, freeze/unfreeze/revoke,
 * renew and rekey, CRL, profiles. */
#include "http/api_int.h"
#include "ca/profile.h"
#include "crypto/pem.h"
#include "ra/ra.h"
#include "util/err.h"
#include "util/util.h"

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <stdlib.h>
#include <string.h>

/* ?status ?q ?expiring_within ?after ?limit: the caller's certificates
 * (ra_cert_list: the scope is in the query, not filtered here). */
enum MHD_Result api_certs_list(struct call *k)
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

enum MHD_Result api_cert_issue(struct call *k)
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

/* /api/v1/certs/{serial}[/{op}] */
enum MHD_Result api_certs_route(struct call *k, const char *rest)
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
	if (!strcmp(op, "envelope")) {
		json_t *o = NULL;
		int rc;
		if (strcmp(k->r->method, "GET"))
			return send_err(k, 405, "method", NULL, "api.method", "GET only");
		if (!allow(k, "km.envelope", &ret))
			return ret;
		if ((rc = ra_cert_envelope(k->s->ca, &k->who, serial, &o)) != FINCA_OK)
			return send_rc(k, rc);
		return send_json(k, 200, o);
	}
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

enum MHD_Result api_crl_make(struct call *k)
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

/* The certificate profiles of finca.conf, as loaded, with their names
 * (profile_json; read only). */
enum MHD_Result api_profiles_list(struct call *k)
{
	const struct config *cfg = k->s->ca->cfg;
	json_t *arr = json_array();

	for (size_t i = 0; i < cfg->nprofiles; i++)
		json_array_append_new(arr, profile_json(cfg, &cfg->profiles[i]));
	return send_json(k, 200, json_pack("{s:o}", "profiles", arr));
}
