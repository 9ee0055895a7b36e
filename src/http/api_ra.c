/* The registration authority over HTTP: thin handlers over src/ra/, which
 * checks every caller's role and scope itself.
 *
 *   GET|POST  /api/v1/{nodes,depts,apps,units,persons,devices}
 *   GET|PATCH /api/v1/{kind}/{key}
 *   GET|POST  /api/v1/requests            GET /requests/{id}[/form.pdf]
 *   POST      /api/v1/requests/{id}/{submit|withdraw|...|complete}
 *   POST      /api/v1/batches             (an upload, or a list of requests)
 *   GET       /api/v1/batches/{id}[/forms.pdf]
 *   POST      /api/v1/batches/{id}/{action}
 *   POST|GET  /api/v1/batches/{id}/attachments[/{n}]
 *   GET       /api/v1/template.xlsx
 *   POST      /api/v1/emergency-freeze
 *   GET       /api/v1/expiring            POST /api/v1/expiring/renew */
#include "http/api_int.h"
#include "ra/ra.h"
#include "crypto/pem.h"
#include "util/err.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int page_of(struct call *k, struct page *p, enum MHD_Result *ret)
{
	long after = 0, limit = 100;

	memset(p, 0, sizeof *p);
	if (!query_int(k, "after", 0, LONG_MAX, &after, ret) ||
	    !query_int(k, "limit", 1, 1000, &limit, ret))
		return 0;
	p->q = query(k, "q");
	p->filter = query(k, "filter");
	p->after = after;
	p->limit = (int)limit;
	return 1;
}

/* Answers a core result: 200/201 with *out, or the error.  out is a
 * pointer, read here, after the call that fills it: in result(k, f(&out),
 * 200, &out) the order of evaluation would be unspecified. */
static enum MHD_Result result(struct call *k, int rc, int status, json_t **out)
{
	if (rc != FINCA_OK) {
		json_decref(*out);
		return send_rc(k, rc);
	}
	return send_json(k, status, *out);
}

/* A file to save (Content-Disposition: attachment; filename, UTF-8), or
 * the error.  Frees buf. */
static enum MHD_Result binary(struct call *k, int rc, const char *type,
			      unsigned char *buf, size_t len, const char *filename)
{
	enum MHD_Result ret;

	if (rc != FINCA_OK)
		return send_rc(k, rc);
	ret = reply_file(k->c, k->r, 200, type, buf, len, filename);
	free(buf);
	return ret;
}

static enum MHD_Result org(struct call *k, struct actor *a, int kind, const char *key)
{
	const char *m = k->r->method;
	json_t *out = NULL;
	enum MHD_Result ret;
	struct page p;

	if (!key && !strcmp(m, "GET")) {
		if (!page_of(k, &p, &ret))
			return ret;
		return result(k, org_list(k->s->ca, a, kind, &p, &out), 200, &out);
	}
	if (!key && !strcmp(m, "POST"))
		return result(k, k->body ? org_add(k->s->ca, a, kind, k->body, &out)
					 : err_why(FINCA_EINVAL, NULL, "api.not_object", "expected a JSON object"),
			      201, &out);
	if (key && !strcmp(m, "GET"))
		return result(k, org_show(k->s->ca, a, kind, key, &out), 200, &out);
	if (key && !strcmp(m, "PATCH"))
		return result(k, k->body ? org_edit(k->s->ca, a, kind, key, k->body, &out)
					 : err_why(FINCA_EINVAL, NULL, "api.not_object", "expected a JSON object"),
			      200, &out);
	return send_err(k, 405, "method", NULL, "api.method", "not for this resource");
}

static const char *jstr(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static void spec_of(json_t *o, struct req_spec *sp)
{
	memset(sp, 0, sizeof *sp);
	sp->type = jstr(o, "type");
	sp->subject_kind = jstr(o, "subject_kind");
	sp->subject = jstr(o, "subject");
	sp->app = jstr(o, "app");
	sp->cert_serial = jstr(o, "cert_serial");
	sp->reason = jstr(o, "reason");
	sp->data = json_object_get(o, "data");
	sp->note = jstr(o, "note");
}

/* 400 with every bad row, each said in the caller's language, or the
 * batch. */
static enum MHD_Result batch_result(struct call *k, int rc, json_t *out, json_t *errs)
{
	if (rc == FINCA_EINVAL && errs) {
		ra_problems_say(errs, k->lang);
		return send_json(k, 400, json_pack("{s:o, s:o}", "error", error_json(k, "invalid"),
						   "problems", errs));
	}
	json_decref(errs);
	return result(k, rc, 201, &out);
}

static enum MHD_Result batch_post(struct call *k, struct actor *a)
{
	json_t *reqs = json_object_get(k->body, "requests"), *out = NULL, *errs = NULL, *v;
	const char *file = jstr(k->body, "file");
	unsigned char *buf = NULL;
	struct req_spec *sp;
	size_t len, i;
	int rc;

	if (file) {
		if (b64_decode(file, 64 << 20, &buf, &len) != FINCA_OK)
			return send_err(k, 400, "invalid", "file", "api.base64", "expected base64");
		rc = ra_import(k->s->ca, a, buf, len, jstr(k->body, "filename"), &out, &errs);
		free(buf);
		return batch_result(k, rc, out, errs);
	}
	if (!json_is_array(reqs))
		return send_err(k, 400, "invalid", "requests", "api.batch_body",
				"expected a file (base64 XLSX or CSV) or a list of requests");
	sp = xcalloc(json_array_size(reqs) + 1, sizeof *sp);
	json_array_foreach(reqs, i, v)
		spec_of(v, &sp[i]);
	rc = ra_batch_create(k->s->ca, a, jstr(k->body, "source"), sp, json_array_size(reqs),
			     &out, &errs);
	free(sp);
	return batch_result(k, rc, out, errs);
}

/* requests/{id}[/op] and batches/{id}[/op[/n]] */
static enum MHD_Result one(struct call *k, struct actor *a, int batch, const char *rest)
{
	struct ca *ca = k->s->ca;
	const char *m = k->r->method;
	char *end;
	long long id = strtoll(rest, &end, 10);
	const char *op = *end == '/' ? end + 1 : NULL;
	json_t *out = NULL;
	unsigned char *buf = NULL;
	size_t len = 0;
	int rc;

	if (id <= 0 || (*end && *end != '/'))
		return send_err(k, 404, "not_found", NULL, "api.no_resource", "no such resource");
	if (!op && !strcmp(m, "GET"))
		return result(k, batch ? ra_batch_show(ca, a, id, &out)
				       : ra_request_show(ca, a, id, &out), 200, &out);
	if (op && (!strcmp(op, "form.pdf") || !strcmp(op, "forms.pdf")) && !strcmp(m, "GET")) {
		char fn[64];
		snprintf(fn, sizeof fn, "%s%lld.pdf", batch ? "申请表-批次" : "申请表-申请", id);
		rc = ra_forms(ca, a, batch ? 0 : id, batch ? id : 0, query(k, "form"), &buf, &len);
		return binary(k, rc, "application/pdf", buf, len, fn);
	}
	if (batch && op && !strncmp(op, "attachments", 11)) {
		const char *data = jstr(k->body, "data"), *name = jstr(k->body, "name");
		char *fname = NULL, *mime = NULL;
		enum MHD_Result ret;
		if (op[11] == '/' && !strcmp(m, "GET")) {
			rc = ra_attachment(ca, a, id, atoll(op + 12), &fname, &mime, &buf, &len);
			ret = binary(k, rc, mime ? mime : "", buf, len,
				     fname ? fname : "attachment");
			free(fname);
			free(mime);
			return ret;
		}
		if (op[11] || strcmp(m, "POST"))
			return send_err(k, 405, "method", NULL, "api.method", "POST attachments, GET attachments/{n}");
		if (!data || !name)
			return send_err(k, 400, "invalid", data ? "name" : "data", "api.missing",
					"expected {name, data (base64)}");
		if (b64_decode(data, 16 << 20, &buf, &len) != FINCA_OK)
			return send_err(k, 400, "invalid", "data", "api.base64", "expected base64, at most 16 MiB");
		rc = ra_attach(ca, a, id, name, buf, len, &out);
		free(buf);
		return result(k, rc, 201, &out);
	}
	if (!op || strcmp(m, "POST"))
		return send_err(k, 405, "method", NULL, "api.method", "GET it, or POST an action to it");
	if (!batch && !strcmp(op, "enroll-spec")) {
		/* the token station asks what to issue for an accepted request */
		return result(k, ra_enroll_spec(ca, a, id, &out), 200, &out);
	}
	return result(k, batch ? ra_batch_act(ca, a, id, op, k->body, &out)
			       : ra_request_act(ca, a, id, op, k->body, &out), 200, &out);
}

enum MHD_Result api_ra(struct call *k, const char *p)
{
	struct ca *ca = k->s->ca;
	const char *m = k->r->method, *slash = strchr(p, '/');
	char head[32];
	size_t n = slash ? (size_t)(slash - p) : strlen(p);
	json_t *out = NULL, *errs = NULL;
	struct actor a;
	struct page pg;
	enum MHD_Result ret;
	int kind, rc;

	if (n >= sizeof head)
		return MHD_NO;
	memcpy(head, p, n);
	head[n] = '\0';
	actor_from_account(&k->acct, &a);
	if ((kind = org_kind_parse(head)) >= 0 && !strcmp(head, org_kind_plural(kind)))
		return org(k, &a, kind, slash && slash[1] ? slash + 1 : NULL);
	if (!strcmp(head, "requests") && !slash) {
		if (!strcmp(m, "POST")) {
			struct req_spec sp;
			if (!k->body)
				return send_err(k, 400, "invalid", NULL, "api.not_object", "expected a JSON object");
			spec_of(k->body, &sp);
			return result(k, ra_request_create(ca, &a, &sp, &out), 201, &out);
		}
		if (!page_of(k, &pg, &ret))
			return ret;
		{
			long batch = 0;
			if (!query_int(k, "batch", 1, LONG_MAX, &batch, &ret))
				return ret;
			pg.filter = query(k, "type");
			return result(k, ra_request_list(ca, &a, &pg, query(k, "state"), batch, &out),
				      200, &out);
		}
	}
	if (!strcmp(head, "requests") || !strcmp(head, "batches")) {
		if (!slash && !strcmp(m, "POST"))
			return batch_post(k, &a);
		if (!slash)
			return send_err(k, 405, "method", NULL, "api.method", "POST a batch");
		return one(k, &a, !strcmp(head, "batches"), slash + 1);
	}
	if (!strcmp(p, "template.xlsx") && !strcmp(m, "GET")) {
		unsigned char *buf = NULL;
		size_t len = 0;
		rc = ra_template(ca, &a, &buf, &len);
		return binary(k, rc, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
			      buf, len, "统一电子表格.xlsx");
	}
	if (!strcmp(p, "emergency-freeze") && !strcmp(m, "POST")) {
		const char *serial = jstr(k->body, "serial");
		if (!serial)
			return send_err(k, 400, "invalid", "serial", "api.missing", "missing");
		return result(k, ra_emergency_freeze(ca, &a, serial, jstr(k->body, "note"), &out),
			      201, &out);
	}
	if (!strcmp(p, "expiring") && !strcmp(m, "GET")) {
		long days = 30, from = 0;
		if (!query_int(k, "days", 1, 3650, &days, &ret) ||
		    !query_int(k, "from", 0, 3650, &from, &ret) || !page_of(k, &pg, &ret))
			return ret;
		return result(k, ra_expiring(ca, &a, (int)from, (int)days, &pg, &out), 200, &out);
	}
	if (!strcmp(p, "expiring/renew") && !strcmp(m, "POST")) {
		json_int_t days = json_integer_value(json_object_get(k->body, "days"));
		rc = ra_renew_due(ca, &a, days > 0 && days <= 3650 ? (int)days : 30,
				  jstr(k->body, "app"), &out, &errs);
		return batch_result(k, rc, out, errs);
	}
	return MHD_NO;
}

/* 挂失: a holder who lost the USBKey, and so cannot log in, freezes its
 * certificate with the loss-report code of the PIN envelope (ra/loss.c
 * decides everything). */
enum MHD_Result api_ra_claim(struct call *k)
{
	struct loss_report lr = { jstr(k->body, "serial"), jstr(k->body, "id_number"),
				  jstr(k->body, "loss_code"), NULL, jstr(k->body, "note") };
	char addr[THROTTLE_SOURCE_LEN];
	json_t *out = NULL;
	int rc, wait = 0;

	call_source(k, addr);
	lr.source = addr;
	rc = ra_loss_report(k->s->ca, &lr, &out, &wait);
	if (rc == FINCA_ELIMIT)
		return send_too_many(k, wait);
	if (rc == FINCA_EAUTH)
		return send_error(k, 403, "refused");
	return result(k, rc, 201, &out);
}
