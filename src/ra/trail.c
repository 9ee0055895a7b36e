/* What the accounts read that has no workflow of its own: the audit trail
 * (the auditor's) and the list of accounts (the administrator's and the
 * auditor's).  The right is checked here, for every door. */
#include "ra/ra.h"
#include "audit/audit.h"
#include "util/err.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int ra_audit_find(struct ca *ca, const struct actor *a, const struct audit_filter *f,
		  audit_cb cb, void *arg, int64_t *next)
{
	int rc = actor_may(ca, a, "audit.read", NULL);

	return rc == FINCA_OK ? store_audit_find(ca_store(ca), f, cb, arg, next) : rc;
}

struct export {
	struct table *t;
	enum msg_lang lang;
	size_t rows;
};

/* "2026-12-04 18:34:11": Beijing time (UTC+8, no summer time), what the
 * inspectors read */
static void bj_time(int64_t at, char *out, size_t n)
{
	time_t t = (time_t)at + 8 * 3600;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, n, "%Y-%m-%d %H:%M:%S", &tm);
}

static int export_one(void *arg, const struct audit_rec *r)
{
	struct export *x = arg;
	char seq[24], at[32], sum[1024];
	const char *cells[7];

	if (x->rows == RA_AUDIT_EXPORT_MAX)
		return err_why(FINCA_EINVAL, NULL, "audit.export_cap",
			       "more than %d records match: narrow the filter", RA_AUDIT_EXPORT_MAX);
	snprintf(seq, sizeof seq, "%lld", (long long)r->seq);
	bj_time(r->at, at, sizeof at);
	cells[0] = seq;
	cells[1] = at;
	cells[2] = r->actor;
	cells[3] = audit_rec_name(r, x->lang);
	cells[4] = r->object;
	cells[5] = audit_summary(r, x->lang, sum, sizeof sum);
	cells[6] = r->details;
	x->rows++;
	return table_row(x->t, cells);
}

/* The filter as the export's audit record keeps it */
static json_t *filter_json(const struct audit_filter *f)
{
	char since[32], until[32];

	if (f->since)
		bj_time(f->since, since, sizeof since);
	if (f->until)
		bj_time(f->until, until, sizeof until);
	return json_pack("{s:s?, s:s?, s:s?, s:s?, s:s?, s:s}", "since", f->since ? since : NULL,
			 "until", f->until ? until : NULL, "actor", f->actor && *f->actor ? f->actor : NULL,
			 "action", f->action && *f->action ? f->action : NULL,
			 "object", f->object && *f->object ? f->object : NULL,
			 "order", f->desc ? "desc" : "asc");
}

int ra_audit_export(struct ca *ca, const struct actor *a, const struct audit_filter *f,
		    enum table_format fmt, enum msg_lang lang, unsigned char **out,
		    size_t *len, size_t *rows)
{
	static const char *const zh[] = { "序号", "时间", "操作者", "操作", "对象", "摘要", "详细内容" };
	static const char *const en[] = { "Seq", "Time (UTC+8)", "Actor", "Action", "Object",
					  "Summary", "Details" };
	static const double widths[] = { 8, 20, 16, 18, 28, 60, 80 };
	struct audit_filter all = *f;
	struct export x = { .lang = lang };
	struct store *st = ca_store(ca);
	unsigned char *buf = NULL;
	size_t n = 0;
	json_t *d = NULL;
	int rc;

	if ((rc = actor_may(ca, a, "audit.read", NULL)) != FINCA_OK)
		return rc;
	all.from = 0;
	all.limit = 0;
	if ((rc = table_open(fmt, lang == MSG_ZH ? "审计日志" : "Audit trail",
			     lang == MSG_ZH ? zh : en, widths, ARRAY_LEN(zh), &x.t)) != FINCA_OK ||
	    (rc = store_audit_find(st, &all, export_one, &x, NULL)) != FINCA_OK ||
	    (rc = table_close(x.t, &buf, &n)) != FINCA_OK)
		goto out;
	/* accountable: no file leaves without its record */
	d = json_pack("{s:s, s:I, s:o}", "format", fmt == TABLE_CSV ? "csv" : "xlsx",
		      "rows", (json_int_t)x.rows, "filter", filter_json(f));
	if ((rc = store_begin(st)) != FINCA_OK)
		goto out;
	if ((rc = ca_audit(ca, a->name, "audit.export", "audit", d)) != FINCA_OK ||
	    (rc = store_commit(st)) != FINCA_OK) {
		store_rollback(st);
		goto out;
	}
	*out = buf;
	*len = n;
	buf = NULL;
	if (rows)
		*rows = x.rows;
out:
	json_decref(d);
	free(buf);
	table_free(x.t);
	return rc;
}

int ra_audit_iter(struct ca *ca, const struct actor *a, int64_t since, audit_cb cb,
		  void *arg)
{
	int rc = actor_may(ca, a, "audit.read", NULL);

	return rc == FINCA_OK ? store_audit_iter(ca_store(ca), since, cb, arg) : rc;
}

struct account_filter {
	account_cb cb;
	void *arg;
};

static int not_holder(void *arg, const struct account_rec *a)
{
	struct account_filter *f = arg;

	return strcmp(a->role, "holder") ? f->cb(f->arg, a) : FINCA_OK;
}

int ra_account_list(struct ca *ca, const struct actor *a, int holders, account_cb cb,
		    void *arg)
{
	struct account_filter f = { cb, arg };
	int rc = actor_may(ca, a, "account.read", NULL);

	if (rc != FINCA_OK)
		return rc;
	return holders ? store_account_list(ca_store(ca), cb, arg)
		       : store_account_list(ca_store(ca), not_holder, &f);
}

int ra_scope_name(struct ca *ca, const struct actor *a, char *out, size_t n)
{
	/* the organisation a role's scope names, for the console's title */
	static const struct {
		const char *role, *table;
	} scoped[] = { { "officer", "unit" }, { "operator", "node" },
		       { "approver", "dept" }, { "app", "app" } };
	json_t *org = NULL;
	int rc = FINCA_ENOTFOUND;

	out[0] = '\0';
	for (size_t i = 0; i < ARRAY_LEN(scoped) && *a->scope; i++)
		if (!strcmp(a->role, scoped[i].role) &&
		    (rc = store_row_get(ca_store(ca), scoped[i].table, a->scope, &org)) == FINCA_OK &&
		    ra_str(org, "name"))
			snprintf(out, n, "%s", ra_str(org, "name"));
	json_decref(org);
	err_clear();
	return out[0] ? FINCA_OK : FINCA_ENOTFOUND;
}
