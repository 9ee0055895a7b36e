/* The audit trail over the API: pages of it, and its verification. */
#include "http/api_int.h"
#include "audit/audit.h"
#include "ra/ra.h"
#include "util/err.h"
#include "util/util.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

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
enum MHD_Result api_audit_list(struct call *k)
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
		return send_err(k, 400, "invalid", "before", "api.order_desc", "only with order=desc");
	if (after && f.desc)
		return send_err(k, 400, "invalid", "after", "api.order_asc", "only with order=asc");
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
