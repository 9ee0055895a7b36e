/* Certificate rows, their status log and CRL bookkeeping. */
#include "store/store.h"
#include "store/store_int.h"
#include "util/err.h"
#include "util/util.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CERT_COLS \
	"id,serial,serial_bin,issuer,profile,subject,id_number,unit_code," \
	"key_alg,not_before,not_after,issued_at,status,reason,revoked_at," \
	"replaces,superseded_by"

void cert_rec_clear(struct cert_rec *r)
{
	free(r->profile);
	free(r->subject);
	free(r->id_number);
	free(r->unit_code);
	free(r->key_alg);
	free(r->der);
	memset(r, 0, sizeof *r);
}

static void bind_opt_text(struct db_stmt *s, int i, const char *v)
{
	if (v)
		db_bind_text(s, i, v);
	else
		db_bind_null(s, i);
}

static void bind_opt_id(struct db_stmt *s, int i, int64_t v)
{
	if (v)
		db_bind_int64(s, i, v);
	else
		db_bind_null(s, i);
}

int store_cert_insert(struct store *st, struct cert_rec *r)
{
	static const char sql[] =
		"INSERT INTO cert(serial,serial_bin,issuer,profile,subject,"
		"id_number,unit_code,key_alg,not_before,not_after,issued_at,"
		"status,replaces,der) VALUES(?,?,?,?,?,?,?,?,?,?,?,0,?,?)";
	struct db_stmt *s = store_stmt(st, sql);
	int sr;

	if (!s)
		return FINCA_ESTORE;
	db_bind_text(s, 1, r->serial);
	db_bind_blob(s, 2, r->serial_bin, r->serial_len);
	db_bind_text(s, 3, r->issuer);
	db_bind_text(s, 4, r->profile);
	db_bind_text(s, 5, r->subject);
	bind_opt_text(s, 6, r->id_number);
	bind_opt_text(s, 7, r->unit_code);
	db_bind_text(s, 8, r->key_alg);
	db_bind_int64(s, 9, r->not_before);
	db_bind_int64(s, 10, r->not_after);
	db_bind_int64(s, 11, r->issued_at);
	bind_opt_id(s, 12, r->replaces);
	db_bind_blob(s, 13, r->der, r->der_len);
	sr = db_step(s);
	db_reset(s);
	if (sr == DB_UNIQUE)
		return err_set(FINCA_ESTATE, "serial %s is already taken",
			       r->serial);
	if (sr != DB_DONE)
		return store_err(st, "inserting certificate");
	r->id = db_last_id(st->db);
	return FINCA_OK;
}

static char *col_text(struct db_stmt *s, int i)
{
	const char *t = db_col_text(s, i);

	return t ? xstrdup(t) : NULL;
}

/* Reads a row of CERT_COLS (+ der at column 17 when with_der). */
static void row_to_rec(struct db_stmt *s, struct cert_rec *r, int with_der)
{
	const void *b;
	int n;

	memset(r, 0, sizeof *r);
	r->id = db_col_int64(s, 0);
	snprintf(r->serial, sizeof r->serial, "%s",
		 db_col_text(s, 1));
	b = db_col_blob(s, 2);
	n = db_col_bytes(s, 2);
	if (n > (int)sizeof r->serial_bin)
		n = (int)sizeof r->serial_bin;
	if (b)
		memcpy(r->serial_bin, b, (size_t)n);
	r->serial_len = (size_t)n;
	snprintf(r->issuer, sizeof r->issuer, "%s",
		 db_col_text(s, 3));
	r->profile = col_text(s, 4);
	r->subject = col_text(s, 5);
	r->id_number = col_text(s, 6);
	r->unit_code = col_text(s, 7);
	r->key_alg = col_text(s, 8);
	r->not_before = db_col_int64(s, 9);
	r->not_after = db_col_int64(s, 10);
	r->issued_at = db_col_int64(s, 11);
	r->status = db_col_int(s, 12);
	r->reason = db_col_int(s, 13);
	r->revoked_at = db_col_int64(s, 14);
	r->replaces = db_col_int64(s, 15);
	r->superseded_by = db_col_int64(s, 16);
	if (with_der) {
		n = db_col_bytes(s, 17);
		r->der = xcalloc(1, (size_t)n);
		if (n)
			memcpy(r->der, db_col_blob(s, 17), (size_t)n);
		r->der_len = (size_t)n;
	}
}

static int get_one(struct store *st, struct db_stmt *s, const char *what,
		   struct cert_rec *out)
{
	int r = db_step(s);

	if (r == DB_ROW) {
		cert_rec_clear(out);
		row_to_rec(s, out, 1);
		db_reset(s);
		return FINCA_OK;
	}
	db_reset(s);
	if (r == DB_DONE)
		return err_why(FINCA_ENOTFOUND, NULL, "cert.none", "certificate %s: not issued by this CA",
			       what);
	return store_err(st, "reading certificate");
}

int store_cert_get(struct store *st, const char *serial, struct cert_rec *out)
{
	static const char sql[] =
		"SELECT " CERT_COLS ",der FROM cert WHERE serial=?";
	struct db_stmt *s = store_stmt(st, sql);

	if (!s)
		return FINCA_ESTORE;
	db_bind_text(s, 1, serial);
	return get_one(st, s, serial, out);
}

int store_cert_get_id(struct store *st, int64_t id, struct cert_rec *out)
{
	static const char sql[] =
		"SELECT " CERT_COLS ",der FROM cert WHERE id=?";
	struct db_stmt *s = store_stmt(st, sql);
	char what[32];

	if (!s)
		return FINCA_ESTORE;
	db_bind_int64(s, 1, id);
	snprintf(what, sizeof what, "#%lld", (long long)id);
	return get_one(st, s, what, out);
}

int store_cert_set_status(struct store *st, int64_t id, int status,
			  int reason, int64_t at)
{
	static const char upd[] =
		"UPDATE cert SET status=?,reason=?,revoked_at=? WHERE id=?";
	static const char log[] =
		"INSERT INTO status_log(cert_id,status,reason,at) VALUES(?,?,?,?)";
	struct db_stmt *s;
	int rc;

	if ((s = store_stmt(st, upd)) == NULL)
		return FINCA_ESTORE;
	db_bind_int64(s, 1, status);
	if (status == CERT_VALID) {
		db_bind_null(s, 2);
		db_bind_null(s, 3);
	} else {
		db_bind_int64(s, 2, reason);
		db_bind_int64(s, 3, at);
	}
	db_bind_int64(s, 4, id);
	if ((rc = store_step_done(st, s, "updating status")) != FINCA_OK)
		return rc;
	if ((s = store_stmt(st, log)) == NULL)
		return FINCA_ESTORE;
	db_bind_int64(s, 1, id);
	db_bind_int64(s, 2, status);
	db_bind_int64(s, 3, reason);
	db_bind_int64(s, 4, at);
	if ((rc = store_step_done(st, s, "logging status")) != FINCA_OK)
		return rc;
	/* other processes' OCSP caches learn of it at the commit */
	if (st->db->ops->notify && st->db->ops->notify(st->db, STATUS_CHANNEL) != 0)
		return store_err(st, "notifying the status change");
	return FINCA_OK;
}

int store_cert_set_superseded(struct store *st, int64_t id, int64_t by)
{
	static const char sql[] = "UPDATE cert SET superseded_by=? WHERE id=?";
	struct db_stmt *s = store_stmt(st, sql);

	if (!s)
		return FINCA_ESTORE;
	db_bind_int64(s, 1, by);
	db_bind_int64(s, 2, id);
	return store_step_done(st, s, "superseding");
}

/* --- whose certificates: the scope rules of the lists (store.h) ---
 * Over "cert c LEFT JOIN person p" (the holder registered with the
 * certificate's ID number).  ?8 is the scope's value, ?9 the text sought. */
#define CERT_JOIN " FROM cert c LEFT JOIN person p ON p.id_number=c.id_number"
#define OWNER_UNIT "coalesce(p.unit, nullif(c.unit_code,''))"
/* v||U+10FFFF: the last character, as a literal (SQLite's char() is
 * PostgreSQL's chr()) */
#define PREFIX(col, v) "(" col ">=" v " AND " col "<" v "||'" DB_MAX_CHAR "')"
/* one unit's certificates, found from its persons and its unit code */
#define UNIT_CERTS "(SELECT c2.id FROM person p2 JOIN cert c2 ON c2.id_number=p2.id_number" \
	" WHERE p2.unit=?8 UNION ALL SELECT id FROM cert WHERE unit_code=?8)"
#define DEPT_APPS "(SELECT code FROM app WHERE dept=?8)"
/* The row's condition for each scope.  ROW_UNIT, ROW_DEPT and ROW_PERSON
 * start from an index (a unit's persons and unit code, holders); ROW_NODE
 * and ROW_ALL are read in id order (a node holds a large share: a page of
 * it comes sooner that way than by gathering the whole set first).  Kept
 * equal to store_cert_owner's answer by tests/unit/test_dash.c. */
static const char *const scope_cond[] = {
	[ROW_ALL] = "1=1",
	[ROW_UNIT] = OWNER_UNIT "=?8 AND c.id IN " UNIT_CERTS,
	[ROW_NODE] = STORE_MADE_BY(OWNER_UNIT, "?8"),
	[ROW_DEPT] = "c.id_number IN (SELECT subject FROM request WHERE app IN " DEPT_APPS
		     " UNION SELECT person FROM access_grant WHERE app IN " DEPT_APPS ")",
	[ROW_PERSON] = "c.id_number=?8",
};
/* q: a serial or ID number prefix, a holder's name prefix, a unit */
/* name contains ?9: instr() as a comparison (db.h: a driver gives
 * instr) */
#define Q_UNITS "(SELECT code FROM unit WHERE instr(name, ?9)>0 OR " \
	PREFIX("code", "upper(?9)") ")"
#define Q_COND "(" PREFIX("c.serial", "upper(?9)") " OR " PREFIX("c.id_number", "upper(?9)") \
	" OR " PREFIX("p.name", "?9") " OR " OWNER_UNIT " IN " Q_UNITS ")"
/* the same as a set of ids from the indexes (a superset, for wide scopes) */
#define Q_CERTS "c.id IN (SELECT id FROM cert WHERE " PREFIX("serial", "upper(?9)") \
	" UNION ALL SELECT id FROM cert WHERE " PREFIX("id_number", "upper(?9)") \
	" UNION ALL SELECT c2.id FROM person p2 JOIN cert c2 ON c2.id_number=p2.id_number" \
	" WHERE " PREFIX("p2.name", "?9") \
	" UNION ALL SELECT c2.id FROM person p2 JOIN cert c2 ON c2.id_number=p2.id_number" \
	" WHERE p2.unit IN " Q_UNITS " UNION ALL SELECT id FROM cert WHERE unit_code IN " \
	Q_UNITS ")"

#define CERT_COLS_C \
	"c.id,c.serial,c.serial_bin,c.issuer,c.profile,c.subject,c.id_number," \
	"c.unit_code,c.key_alg,c.not_before,c.not_after,c.issued_at,c.status," \
	"c.reason,c.revoked_at,c.replaces,c.superseded_by"

/* Due for renewal (art. 14): valid, of the issuing CA, of one of the
 * profiles ?5 (space-separated words; NULL: any), not yet renewed, with
 * no renewal or update in hand, expiring in [?3, ?4).  A format of
 * snprintf's (its %%). */
#define DUE_COND "c.issuer='issuing' AND c.status=0 AND c.superseded_by IS NULL" \
	" AND c.not_after>=?3 AND c.not_after<?4" \
	" AND (?5 IS NULL OR ' '||?5||' ' LIKE '%% '||c.profile||' %%')" \
	" AND NOT EXISTS(SELECT 1 FROM request r WHERE r.cert_serial=c.serial" \
	" AND r.type IN ('renew','update') AND r.state NOT IN ('completed','withdrawn'))"

#define NSCOPES 5
/* Made once from the rules above: the list (by scope, without and with
 * q) and the counts (by scope). */
static char list_sql[NSCOPES][2][3072], count_sql[NSCOPES][1024];
static char due_sql[NSCOPES][2048], due_weeks_sql[NSCOPES][2048];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void build(void)
{
	for (int k = 0; k < NSCOPES; k++) {
		for (int q = 0; q < 2; q++) {
			int n = snprintf(list_sql[k][q], sizeof list_sql[k][q],
				"SELECT " CERT_COLS_C ",CASE WHEN ?7<>0 THEN c.der END,p.name,"
				OWNER_UNIT ",un.name" CERT_JOIN
				" LEFT JOIN unit un ON un.code=" OWNER_UNIT " WHERE c.id>?1"
				" AND (?2<0 OR (?2=3 AND c.status=0 AND c.not_after<?3)"
				"  OR (?2=0 AND c.status=0 AND c.not_after>=?3)"
				"  OR (?2 IN (1,2) AND c.status=?2))"
				" AND (?4=0 OR (c.status=0 AND c.not_after>=?3 AND c.not_after<=?4))"
				" AND %s%s%s ORDER BY c.id LIMIT ?5", scope_cond[k],
				q ? " AND " Q_COND : "",
				q && (k == ROW_ALL || k == ROW_NODE) ? " AND " Q_CERTS : "");
			if (n >= (int)sizeof list_sql[k][q])
				abort(); /* a programming error: the buffer is too small */
		}
		/* by status (3: expired).  Grouped by an expression, which no
		 * index is in the order of, so that SQLite reads a covering
		 * index (cert_status, cert_owner) rather than cert_status in
		 * order and every row of the table. */
		if (snprintf(count_sql[k], sizeof count_sql[k],
			     "SELECT CASE WHEN c.status=0 AND c.not_after<?3 THEN 3"
			     " ELSE c.status END, count(*)%s WHERE %s GROUP BY 1",
			     k == ROW_ALL ? " FROM cert c" : CERT_JOIN,
			     scope_cond[k]) >= (int)sizeof count_sql[k] ||
		    snprintf(due_sql[k], sizeof due_sql[k],
			     "SELECT c.id, c.serial, c.subject, p.name, c.id_number, c.unit_code,"
			     " " OWNER_UNIT " AS unit, c.profile, c.not_after,"
			     " (c.not_after-?2)/86400 AS days_left" CERT_JOIN
			     " WHERE c.id>?1 AND " DUE_COND " AND %s ORDER BY c.id LIMIT ?6",
			     scope_cond[k]) >= (int)sizeof due_sql[k] ||
		    snprintf(due_weeks_sql[k], sizeof due_weeks_sql[k],
			     "SELECT (c.not_after-?3)/604800, count(*)" CERT_JOIN
			     " WHERE " DUE_COND " AND %s GROUP BY 1",
			     scope_cond[k]) >= (int)sizeof due_weeks_sql[k])
			abort();
	}
}

static int scope_ok(int scope, const char *val)
{
	if (scope < 0 || scope >= NSCOPES)
		abort(); /* a programming error: not an enum row_scope */
	return scope == ROW_ALL || (val && *val);
}

int store_cert_list(struct store *st, const struct cert_filter *f,
		    cert_cb cb, void *arg)
{
	/* One statement per scope and q or not: the other conditions are
	 * switched off by their own parameters, so the plans stay cached. */
	int has_q = f->q && *f->q;
	struct db_stmt *s;
	struct cert_rec r;
	int rc = FINCA_OK, sr;

	if (!scope_ok(f->scope, f->scope_val))
		return FINCA_OK; /* a scope with no value sees nothing */
	pthread_once(&once, build);
	if (!(s = store_stmt(st, list_sql[f->scope][has_q])))
		return FINCA_ESTORE;
	db_bind_int64(s, 1, f->after_id);
	db_bind_int64(s, 2, f->status);
	db_bind_int64(s, 3, f->now);
	db_bind_int64(s, 4, f->expiring_before);
	db_bind_int64(s, 5, f->limit > 0 ? f->limit : DB_NO_LIMIT);
	db_bind_int64(s, 7, f->with_der);
	if (f->scope != ROW_ALL)
		db_bind_text(s, 8, f->scope_val);
	if (has_q)
		db_bind_text(s, 9, f->q);
	while ((sr = db_step(s)) == DB_ROW) {
		row_to_rec(s, &r, f->with_der);
		r.holder_name = db_col_text(s, 18);
		r.owner_unit = db_col_text(s, 19);
		r.owner_unit_name = db_col_text(s, 20);
		rc = cb(arg, &r);
		cert_rec_clear(&r);
		if (rc != FINCA_OK)
			break;
	}
	if (rc == FINCA_OK && sr != DB_DONE && sr != DB_ROW)
		rc = store_err(st, "listing certificates");
	db_reset(s);
	return rc;
}

int store_cert_scope_counts(struct store *st, int scope, const char *val, int64_t now,
			    int64_t counts[4])
{
	struct db_stmt *s;
	int sr;

	memset(counts, 0, 4 * sizeof counts[0]);
	if (!scope_ok(scope, val))
		return FINCA_OK;
	pthread_once(&once, build);
	if (!(s = store_stmt(st, count_sql[scope])))
		return FINCA_ESTORE;
	db_bind_int64(s, 3, now);
	if (scope != ROW_ALL)
		db_bind_text(s, 8, val);
	while ((sr = db_step(s)) == DB_ROW) {
		int k = db_col_int(s, 0);
		if (k >= 0 && k < 4)
			counts[k] += db_col_int64(s, 1);
	}
	db_reset(s);
	return sr == DB_DONE ? FINCA_OK : store_err(st, "counting certificates");
}

static void due_bind(struct db_stmt *s, const struct due_query *q)
{
	db_bind_int64(s, 2, q->now);
	db_bind_int64(s, 3, q->from);
	db_bind_int64(s, 4, q->until);
	store_bind_opt(s, 5, q->profiles ? q->profiles : "");
	if (q->scope != ROW_ALL)
		db_bind_text(s, 8, q->scope_val);
}

int store_cert_due(struct store *st, const struct due_query *q, json_t *items,
		   int64_t *next)
{
	int limit = q->limit > 0 ? q->limit : 100, n = 0, sr;
	struct db_stmt *s;
	int64_t last = 0;

	*next = 0;
	if (!scope_ok(q->scope, q->scope_val))
		return FINCA_OK;
	pthread_once(&once, build);
	if (!(s = store_stmt(st, due_sql[q->scope])))
		return FINCA_ESTORE;
	due_bind(s, q);
	db_bind_int64(s, 1, q->after);
	db_bind_int64(s, 6, limit + 1);
	while ((sr = db_step(s)) == DB_ROW) {
		if (n++ == limit) {
			*next = last; /* more follow */
			break;
		}
		last = db_col_int64(s, 0);
		json_array_append_new(items, store_row_json(s));
	}
	db_reset(s);
	return sr == DB_ROW || sr == DB_DONE ? FINCA_OK : store_err(st, "listing certificates due");
}

int store_cert_due_weeks(struct store *st, const struct due_query *q, int64_t *weeks,
			 int nweeks)
{
	struct db_stmt *s;
	int sr;

	memset(weeks, 0, (size_t)nweeks * sizeof weeks[0]);
	if (!scope_ok(q->scope, q->scope_val))
		return FINCA_OK;
	pthread_once(&once, build);
	if (!(s = store_stmt(st, due_weeks_sql[q->scope])))
		return FINCA_ESTORE;
	due_bind(s, q);
	while ((sr = db_step(s)) == DB_ROW) {
		int64_t w = db_col_int64(s, 0);
		if (w >= 0 && w < nweeks)
			weeks[w] += db_col_int64(s, 1);
	}
	db_reset(s);
	return sr == DB_DONE ? FINCA_OK : store_err(st, "counting certificates due");
}

int store_cert_owner(struct store *st, int64_t id, char unit[65], char node[16])
{
	static const char sql[] =
		"SELECT " OWNER_UNIT ", " STORE_MAKER(OWNER_UNIT) CERT_JOIN " WHERE c.id=?1";
	struct db_stmt *s = store_stmt(st, sql);
	int sr;

	unit[0] = node[0] = '\0';
	if (!s)
		return FINCA_ESTORE;
	db_bind_int64(s, 1, id);
	sr = db_step(s);
	if (sr == DB_ROW) {
		store_col_text(s, 0, unit, 65);
		store_col_text(s, 1, node, 16);
	}
	db_reset(s);
	if (sr == DB_ROW)
		return FINCA_OK;
	return sr == DB_DONE ? err_why(FINCA_ENOTFOUND, NULL, "cert.none_id",
					   "certificate #%lld: not issued by this CA", (long long)id)
				 : store_err(st, "reading whose a certificate is");
}

int store_cert_counts(struct store *st, int64_t now, int64_t counts[4])
{
	static const char sql[] =
		"SELECT CASE WHEN status=0 AND not_after<?1 THEN 3 ELSE status END,"
		" count(*) FROM cert GROUP BY 1";
	struct db_stmt *s = store_stmt(st, sql);
	int sr;

	if (!s)
		return FINCA_ESTORE;
	memset(counts, 0, 4 * sizeof counts[0]);
	db_bind_int64(s, 1, now);
	while ((sr = db_step(s)) == DB_ROW) {
		int k = db_col_int(s, 0);
		if (k >= 0 && k < 4)
			counts[k] = db_col_int64(s, 1);
	}
	db_reset(s);
	return sr == DB_DONE ? FINCA_OK : store_err(st, "counting");
}

int store_crl_entries(struct store *st, const char *issuer, int64_t now,
		      crl_entry_cb cb, void *arg)
{
	/* %s: SQLite is told to read the covering index cert_crl */
	static const char sql[] =
		"SELECT serial_bin,revoked_at,reason,status FROM cert%s"
		" WHERE issuer=? AND status!=0 AND not_after>=?";
	struct db_stmt *s = store_stmt_frag(st, sql, DB_FRAG_CERT_CRL_INDEX);
	int rc = FINCA_OK, sr;

	if (!s)
		return FINCA_ESTORE;
	db_bind_text(s, 1, issuer);
	db_bind_int64(s, 2, now);
	while ((sr = db_step(s)) == DB_ROW) {
		rc = cb(arg, db_col_blob(s, 0),
			(size_t)db_col_bytes(s, 0),
			db_col_int64(s, 1), db_col_int(s, 2),
			db_col_int(s, 3));
		if (rc != FINCA_OK)
			break;
	}
	if (rc == FINCA_OK && sr != DB_DONE)
		rc = store_err(st, "reading CRL entries");
	db_reset(s);
	return rc;
}

int store_status_changes(struct store *st, const char *issuer,
			 int64_t since_seq, status_change_cb cb, void *arg)
{
	/* the status at since_seq is the last logged one at or before it,
	 * or valid when none was logged */
	static const char sql[] =
		"SELECT " CERT_COLS ", (SELECT l2.status FROM status_log l2"
		"  WHERE l2.cert_id=c.id AND l2.seq<=?2"
		"  ORDER BY l2.seq DESC LIMIT 1)"
		" FROM cert c WHERE c.issuer=?1 AND c.id IN"
		" (SELECT DISTINCT cert_id FROM status_log WHERE seq>?2)";
	struct db_stmt *s = store_stmt(st, sql);
	struct cert_rec r;
	int rc = FINCA_OK, sr;

	if (!s)
		return FINCA_ESTORE;
	db_bind_text(s, 1, issuer);
	db_bind_int64(s, 2, since_seq);
	while ((sr = db_step(s)) == DB_ROW) {
		int old = db_col_type(s, 17) == DB_NULL ?
				  CERT_VALID : db_col_int(s, 17);
		row_to_rec(s, &r, 0);
		rc = cb(arg, &r, old);
		cert_rec_clear(&r);
		if (rc != FINCA_OK)
			break;
	}
	if (rc == FINCA_OK && sr != DB_DONE && sr != DB_ROW)
		rc = store_err(st, "reading status changes");
	db_reset(s);
	return rc;
}

static int scalar(struct store *st, const char *sql, int64_t *out)
{
	struct db_stmt *s = store_stmt(st, sql);
	int sr;

	if (!s)
		return FINCA_ESTORE;
	sr = db_step(s);
	if (sr == DB_ROW)
		*out = db_col_int64(s, 0);
	db_reset(s);
	return sr == DB_ROW ? FINCA_OK : store_err(st, "query");
}

int store_status_listen(struct store *st)
{
	if (!st->db->ops->listen)
		return err_set(FINCA_ENOTFOUND, "%s has no change notification",
			       st->db->ops->name);
	return st->db->ops->listen(st->db, STATUS_CHANNEL) ? store_err(st, "LISTEN") : FINCA_OK;
}

int store_status_wait(struct store *st, int ms)
{
	int r = st->db->ops->wait(st->db, ms);

	return r < 0 ? store_err(st, "waiting for status changes") : r;
}

int store_status_seq(struct store *st, int64_t *out)
{
	static const char sql[] = "SELECT coalesce(max(seq),0) FROM status_log";

	return scalar(st, sql, out);
}

int store_crl_next_number(struct store *st, int64_t *out)
{
	/* full and delta CRLs share one numbering (RFC 5280 5.2.3) */
	static const char sql[] = "SELECT coalesce(max(number),0)+1 FROM crl";
	int64_t n, floor = 0;
	char *v = NULL;
	int rc;

	if ((rc = scalar(st, sql, &n)) != FINCA_OK)
		return rc;
	rc = store_meta_get(st, STORE_META_CRL_FLOOR, &v);
	if (rc == FINCA_OK) {
		floor = strtoll(v, NULL, 10);
		free(v);
	} else if (rc != FINCA_ENOTFOUND) {
		return rc;
	}
	*out = n > floor ? n : floor;
	return FINCA_OK;
}

int store_crl_insert(struct store *st, const struct crl_rec *c)
{
	static const char sql[] =
		"INSERT INTO crl(number,delta,base,this_update,next_update,"
		"log_seq,entries) VALUES(?,?,?,?,?,?,?)";
	struct db_stmt *s = store_stmt(st, sql);

	if (!s)
		return FINCA_ESTORE;
	db_bind_int64(s, 1, c->number);
	db_bind_int64(s, 2, c->delta);
	bind_opt_id(s, 3, c->base);
	db_bind_int64(s, 4, c->this_update);
	db_bind_int64(s, 5, c->next_update);
	db_bind_int64(s, 6, c->log_seq);
	db_bind_int64(s, 7, c->entries);
	return store_step_done(st, s, "recording CRL");
}

int store_crl_publish(struct store *st, int delta, int64_t number,
		      const unsigned char *der, size_t len)
{
	static const char sql[] =
		"INSERT INTO crl_published(kind,number,der) VALUES(?1,?2,?3)"
		" ON CONFLICT(kind) DO UPDATE SET number=?2, der=?3";
	struct db_stmt *s = store_stmt(st, sql);

	if (!s)
		return FINCA_ESTORE;
	db_bind_text(s, 1, delta ? "delta" : "full");
	db_bind_int64(s, 2, number);
	db_bind_blob(s, 3, der, len);
	return store_step_done(st, s, "publishing the CRL");
}

int store_crl_published(struct store *st, int delta, unsigned char **der, size_t *len)
{
	static const char sql[] = "SELECT der FROM crl_published WHERE kind=?";
	struct db_stmt *s = store_stmt(st, sql);
	int sr, n;

	if (!s)
		return FINCA_ESTORE;
	db_bind_text(s, 1, delta ? "delta" : "full");
	sr = db_step(s);
	if (sr == DB_ROW && (n = db_col_bytes(s, 0)) > 0) {
		*der = xcalloc(1, (size_t)n);
		memcpy(*der, db_col_blob(s, 0), (size_t)n);
		*len = (size_t)n;
		db_reset(s);
		return FINCA_OK;
	}
	db_reset(s);
	if (sr == DB_ROW || sr == DB_DONE)
		return err_why(FINCA_ENOTFOUND, NULL, "crl.none_published",
			       "no %s CRL published yet: one is made when a node that "
			       "writes serves or makes one", delta ? "delta" : "full");
	return store_err(st, "reading the published CRL");
}

int store_crl_last_full(struct store *st, struct crl_rec *out)
{
	static const char sql[] =
		"SELECT number,this_update,next_update,log_seq,entries FROM crl"
		" WHERE delta=0 ORDER BY number DESC LIMIT 1";
	struct db_stmt *s = store_stmt(st, sql);
	int sr;

	if (!s)
		return FINCA_ESTORE;
	sr = db_step(s);
	if (sr == DB_ROW) {
		memset(out, 0, sizeof *out);
		out->number = db_col_int64(s, 0);
		out->this_update = db_col_int64(s, 1);
		out->next_update = db_col_int64(s, 2);
		out->log_seq = db_col_int64(s, 3);
		out->entries = db_col_int64(s, 4);
	}
	db_reset(s);
	if (sr == DB_ROW)
		return FINCA_OK;
	if (sr == DB_DONE)
		return err_why(FINCA_ENOTFOUND, NULL, "crl.none_full",
			       "no full CRL has been made yet (run 'finca crl' first)");
	return store_err(st, "reading CRLs");
}
