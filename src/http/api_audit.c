/* The audit trail over the API: pages of it in the caller's language, the
 * names of its actions for the filter, its export as a file, and its
 * verification. */
#include "http/api_int.h"
#include "audit/audit.h"
#include "ra/ra.h"
#include "util/err.h"
#include "util/util.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct page_arg {
	json_t *arr;
	enum msg_lang lang;
};

static int audit_one(void *arg, const struct audit_rec *r)
{
	struct page_arg *p = arg;
	char t[32], sum[1024];
	json_t *d;

	time_format(r->at, t, sizeof t);
	d = json_loads(r->details, 0, NULL);
	json_array_append_new(p->arr, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:o}",
		"seq", (json_int_t)r->seq, "at", t, "actor", r->actor, "action", r->action,
		"action_name", audit_rec_name(r, p->lang),
		"summary", audit_summary(r, p->lang, sum, sizeof sum),
		"object", r->object, "details", d ? d : json_object()));
	return FINCA_OK;
}

/* ?since ?until ?actor ?action ?object ?order into f: 1, or 0 after
 * answering 400 */
static int filter_of(struct call *k, struct audit_filter *f, enum MHD_Result *ret)
{
	const char *since = query(k, "since"), *until = query(k, "until");
	const char *order = query(k, "order");

	memset(f, 0, sizeof *f);
	f->actor = query(k, "actor");
	f->action = query(k, "action");
	f->object = query(k, "object");
	if (since && time_parse(since, &f->since) != FINCA_OK) {
		*ret = send_error(k, 400, err_name(err_in(FINCA_EINVAL, "since")));
		return 0;
	}
	if (until && time_parse(until, &f->until) != FINCA_OK) {
		*ret = send_error(k, 400, err_name(err_in(FINCA_EINVAL, "until")));
		return 0;
	}
	if (order && strcmp(order, "asc") && strcmp(order, "desc")) {
		*ret = send_err(k, 400, "invalid", "order", "api.order", "expected asc or desc");
		return 0;
	}
	f->desc = order && !strcmp(order, "desc");
	return 1;
}

/* ?since ?until ?actor ?action ?object ?order ?before ?after ?limit: the
 * audit trail searched (ra_audit_find), a page at a time, each record
 * with its action's name and summary in the caller's language. */
enum MHD_Result api_audit_list(struct call *k)
{
	struct audit_filter f;
	struct page_arg pa = { .lang = k->lang };
	long limit = 1000, before = 0, after = 0;
	int64_t next = 0;
	json_t *arr;
	enum MHD_Result ret;
	int rc;

	if (!query_int(k, "limit", 1, 10000, &limit, &ret) ||
	    !query_int(k, "before", 1, INT64_MAX, &before, &ret) ||
	    !query_int(k, "after", 0, INT64_MAX, &after, &ret) ||
	    !filter_of(k, &f, &ret))
		return ret;
	if (before && !f.desc)
		return send_err(k, 400, "invalid", "before", "api.order_desc", "only with order=desc");
	if (after && f.desc)
		return send_err(k, 400, "invalid", "after", "api.order_asc", "only with order=asc");
	f.from = f.desc ? before : after;
	f.limit = (int)limit;
	/* the records as they were hash-chained: no unit_name added to a
	 * details object that has a unit (ra_names) */
	k->raw = 1;
	arr = pa.arr = json_array();
	rc = ra_audit_find(k->s->ca, &k->who, &f, audit_one, &pa, &next);
	if (rc != FINCA_OK) {
		json_decref(arr);
		return send_rc(k, rc);
	}
	return send_json(k, 200, json_pack("{s:o, s:o}", "records", arr,
		"next", next ? json_integer(next) : json_null()));
}

/* The actions the trail knows, named in the caller's language, and the
 * families a filter may ask for by prefix ("cert.": 证书（全部）). */
enum MHD_Result api_audit_actions(struct call *k)
{
	json_t *acts = json_array(), *fams = json_array();
	const char *a, *prefix, *name;

	for (size_t i = 0; (a = audit_action_at(i)); i++)
		json_array_append_new(acts, json_pack("{s:s, s:s}", "action", a, "name",
						       audit_action_name(a, k->lang)));
	for (size_t i = 0; (name = audit_family_at(i, k->lang, &prefix)); i++)
		json_array_append_new(fams, json_pack("{s:s, s:s}", "prefix", prefix, "name", name));
	return send_json(k, 200, json_pack("{s:o, s:o}", "actions", acts, "families", fams));
}

/* ?format=csv|xlsx and the filters of the list: the matching trail as a
 * file to save (ra_audit_export, which audits the export). */
enum MHD_Result api_audit_export(struct call *k)
{
	const char *format = query(k, "format");
	struct audit_filter f;
	enum table_format fmt;
	unsigned char *buf = NULL;
	size_t len = 0;
	char name[64];
	struct tm tm;
	time_t now;
	enum MHD_Result ret;
	int rc;

	if (!format || (strcmp(format, "csv") && strcmp(format, "xlsx")))
		return send_err(k, 400, "invalid", "format", "api.export_format",
				"expected csv or xlsx");
	if (!filter_of(k, &f, &ret))
		return ret;
	fmt = !strcmp(format, "csv") ? TABLE_CSV : TABLE_XLSX;
	rc = ra_audit_export(k->s->ca, &k->who, &f, fmt, k->lang, &buf, &len, NULL);
	if (rc != FINCA_OK)
		return send_rc(k, rc);
	/* the day in Beijing, in the file's name */
	now = (time_t)clock_now() + 8 * 3600;
	gmtime_r(&now, &tm);
	snprintf(name, sizeof name, "%s-%04d%02d%02d.%s",
		 k->lang == MSG_ZH ? "审计日志" : "audit-trail", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, format);
	ret = reply_file(k->c, k->r, 200, fmt == TABLE_CSV ? "text/csv; charset=utf-8" :
			 "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
			 buf, len, name);
	free(buf);
	return ret;
}

enum MHD_Result api_audit_check(struct call *k)
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
