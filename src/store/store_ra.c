/* The registration authority's rows: organisations, batches, requests and
 * grants, moved as JSON objects whose members are the table's columns.
 * The tables are listed once below; every statement is made from that
 * list, once per process, so that the statement cache can keep them. */
#include "store/store.h"
#include "store/store_int.h"
#include "util/err.h"
#include "util/util.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct tbl {
	const char *name, *key, *search; /* search: two columns text is sought in */
	const char *cols[28];      /* key first; created_at is added */
	size_t ncols;
	char ins[1024], upd[1024], get[256], ex[256]; /* made by build() */
} tbls[] = {
	{ .name = "node", .key = "code", .search = "name,code",
	  .cols = { "code", "name", "level", "parent", "served_by", "email", "webhook",
		    "making_unit" } },
	{ .name = "dept", .key = "code", .search = "name,code",
	  .cols = { "code", "name", "node" } },
	{ .name = "app", .key = "code", .search = "name,code",
	  .cols = { "code", "name", "dept", "account" } },
	{ .name = "unit", .key = "code", .search = "name,code",
	  .cols = { "code", "name", "type", "node", "officer", "phone", "email", "webhook" } },
	{ .name = "person", .key = "id_number", .search = "name,id_number",
	  .cols = { "id_number", "name", "unit", "phone", "email" } },
	{ .name = "device", .key = "code", .search = "name,code",
	  .cols = { "code", "name", "unit" } },
	{ .name = "batch", .key = "id", .search = "source,submitter",
	  .cols = { "id", "unit", "source", "submitter" } },
	{ .name = "request", .key = "id", .search = "name,subject",
	  .cols = { "id", "batch", "type", "state", "unit", "app", "node", "subject_kind",
		    "subject", "name", "cert_serial", "token_serial", "reason", "data",
		    "emergency", "submitter", "approver", "operator", "note", "handler",
		    "handed_at", "new_token", "old_returned", "result_serial", "updated_at",
		    "approver1", "result" } },
	{ .name = "access_grant", .key = "id", .search = "person,app",
	  .cols = { "id", "person", "app", "roles", "not_after", "state", "request",
		    "updated_at" } },
};

static pthread_once_t once = PTHREAD_ONCE_INIT;

/* INSERT (every column, created_at last), UPDATE (every column but the key
 * and created_at, by key) and SELECT by key. */
static void build(void)
{
	for (size_t t = 0; t < ARRAY_LEN(tbls); t++) {
		struct tbl *b = &tbls[t];
		size_t n = 0, i;
		int o, p, q;

		while (n < ARRAY_LEN(b->cols) && b->cols[n])
			n++;
		b->ncols = n;
		o = snprintf(b->ins, sizeof b->ins, "INSERT INTO %s(", b->name);
		for (i = 0; i < n; i++)
			o += snprintf(b->ins + o, sizeof b->ins - (size_t)o, "%s,", b->cols[i]);
		o += snprintf(b->ins + o, sizeof b->ins - (size_t)o, "created_at) VALUES(");
		for (i = 0; i <= n; i++)
			o += snprintf(b->ins + o, sizeof b->ins - (size_t)o, "?%zu%s", i + 1,
				      i == n ? ")" : ",");
		p = snprintf(b->upd, sizeof b->upd, "UPDATE %s SET ", b->name);
		for (i = 1; i < n; i++)
			p += snprintf(b->upd + p, sizeof b->upd - (size_t)p, "%s=?%zu%s",
				      b->cols[i], i + 1, i + 1 == n ? "" : ",");
		p += snprintf(b->upd + p, sizeof b->upd - (size_t)p, " WHERE %s=?1", b->key);
		q = snprintf(b->get, sizeof b->get, "SELECT * FROM %s WHERE %s=?1",
			     b->name, b->key);
		snprintf(b->ex, sizeof b->ex, "SELECT 1 FROM %s WHERE %s=?1", b->name, b->key);
		if (o >= (int)sizeof b->ins || p >= (int)sizeof b->upd ||
		    q >= (int)sizeof b->get)
			abort(); /* a programming error: the buffers are too small */
	}
}

static struct tbl *table(const char *name)
{
	pthread_once(&once, build);
	for (size_t t = 0; t < ARRAY_LEN(tbls); t++)
		if (!strcmp(tbls[t].name, name))
			return &tbls[t];
	abort(); /* a programming error: no such table */
}

static void bind_json(struct db_stmt *s, int i, json_t *v)
{
	if (json_is_string(v))
		db_bind_text_copy(s, i, json_string_value(v), -1);
	else if (json_is_integer(v))
		db_bind_int64(s, i, json_integer_value(v));
	else if (json_is_boolean(v))
		db_bind_int64(s, i, json_is_true(v));
	else if (json_is_object(v) || json_is_array(v)) {
		char *d = json_dumps(v, JSON_COMPACT);
		db_bind_text_copy(s, i, d ? d : "{}", -1);
		free(d);
	} else
		db_bind_null(s, i);
}

/* The current row as an object: integers, text, null; "data" parsed. */
json_t *store_row_json(struct db_stmt *s)
{
	json_t *o = json_object();
	int n = db_col_count(s);

	for (int i = 0; i < n; i++) {
		const char *c = db_col_name(s, i);
		json_t *v;

		switch (db_col_type(s, i)) {
		case DB_INTEGER:
			v = json_integer(db_col_int64(s, i));
			break;
		case DB_NULL:
			v = json_null();
			break;
		default: {
			const char *t = db_col_text(s, i);
			v = !strcmp(c, "data") ? json_loads(t, 0, NULL) : NULL;
			if (!v)
				v = json_string(t);
		}
		}
		json_object_set_new(o, c, v ? v : json_null());
	}
	return o;
}

int store_row_put(struct store *st, const char *tname, json_t *obj, int insert,
		  int64_t *id)
{
	struct tbl *t = table(tname);
	struct db_stmt *s = store_stmt(st, insert ? t->ins : t->upd);
	int rc;

	if (!s)
		return FINCA_ESTORE;
	for (size_t i = 0; i < t->ncols; i++)
		bind_json(s, (int)i + 1, json_object_get(obj, t->cols[i]));
	if (insert)
		db_bind_int64(s, (int)t->ncols + 1, clock_now());
	rc = db_step(s);
	db_reset(s);
	/* XXX: a constraint broken (a code taken twice) is the caller's
	 * mistake (FINCA_ESTATE) but is reported as a database failure: the
	 * test for the plain constraint code that stood here never matched
	 * the extended result codes the driver turns on; kept as it was. */
	if (rc != DB_DONE)
		return store_err(st, tname);
	if (insert && id)
		*id = db_last_id(st->db);
	if (!insert && db_changes(st->db) == 0)
		return err_set(FINCA_ENOTFOUND, "%s: no such record", tname);
	return FINCA_OK;
}

int store_row_get(struct store *st, const char *tname, const char *key, json_t **out)
{
	struct tbl *t = table(tname);
	struct db_stmt *s = store_stmt(st, t->get);
	int rc;

	*out = NULL;
	if (!s)
		return FINCA_ESTORE;
	db_bind_text_copy(s, 1, key, -1);
	rc = db_step(s);
	if (rc == DB_ROW)
		*out = store_row_json(s);
	db_reset(s);
	if (rc == DB_ROW)
		return FINCA_OK;
	if (rc == DB_DONE)
		return err_set(FINCA_ENOTFOUND, "no %s '%s'", tname, key);
	return store_err(st, tname);
}

int store_unit_maker(struct store *st, const char *unit, char node[16])
{
	static const char sql[] = "SELECT node FROM unit_maker WHERE unit=?1";
	struct db_stmt *s = store_stmt(st, sql);
	int sr;

	if (!s)
		return FINCA_ESTORE;
	db_bind_text_copy(s, 1, unit, -1);
	if ((sr = db_step(s)) == DB_ROW)
		store_col_text(s, 0, node, 16);
	db_reset(s);
	if (sr == DB_ROW)
		return FINCA_OK;
	return sr == DB_DONE ? err_set(FINCA_ENOTFOUND, "no unit '%s'", unit ? unit : "")
				 : store_err(st, "unit_maker");
}

int store_row_get_id(struct store *st, const char *tname, int64_t id, json_t **out)
{
	char k[24];

	snprintf(k, sizeof k, "%lld", (long long)id);
	return store_row_get(st, tname, k, out);
}

/* Scope conditions, by table and scope kind; ?1 is the scope's value.  A
 * missing entry means the scope sees no row of that table.  A draft is
 * its unit's until submitted: the making node and the approving
 * department list and count requests from submission on. */
/* the units whose certificates the node ?1 makes (art. 6) */
#define NODE_UNITS STORE_NODE_UNITS("?1")
#define DEPT_APPS "(SELECT code FROM app WHERE dept=?1)"
static const struct {
	const char *table;
	int scope;
	const char *cond;
} scopes[] = {
	{ "unit", ROW_UNIT, "code=?1" },
	{ "person", ROW_UNIT, "unit=?1" },
	{ "device", ROW_UNIT, "unit=?1" },
	{ "batch", ROW_UNIT, "unit=?1" },
	{ "request", ROW_UNIT, "unit=?1" },
	{ "unit", ROW_NODE, "code IN " NODE_UNITS },
	{ "person", ROW_NODE, "unit IN " NODE_UNITS },
	{ "device", ROW_NODE, "unit IN " NODE_UNITS },
	{ "batch", ROW_NODE, "id IN (SELECT batch FROM request WHERE node=?1"
			     " AND state<>'draft')" },
	{ "request", ROW_NODE, "node=?1 AND state<>'draft'" },
	{ "unit", ROW_DEPT, "code IN (SELECT unit FROM request WHERE app IN " DEPT_APPS ")" },
	{ "person", ROW_DEPT, "id_number IN (SELECT subject FROM request WHERE app IN "
			      DEPT_APPS ")" },
	{ "batch", ROW_DEPT, "id IN (SELECT batch FROM request WHERE app IN " DEPT_APPS
			     " AND state<>'draft')" },
	{ "request", ROW_DEPT, "app IN " DEPT_APPS " AND state<>'draft'" },
	{ "person", ROW_PERSON, "id_number=?1" },
	{ "request", ROW_PERSON, "subject=?1" },
	{ "access_grant", ROW_PERSON, "person=?1" },
};

static int known_col(const struct tbl *t, const char *c)
{
	if (!strcmp(c, "created_at"))
		return 1;
	for (size_t i = 0; i < t->ncols; i++)
		if (!strcmp(t->cols[i], c))
			return 1;
	return 0;
}

/* The condition of q's scope on its table ("1=1": every row), or NULL when
 * the scope sees no row of it. */
static const char *scope_cond(const struct row_query *q)
{
	if (q->scope == ROW_ALL)
		return "1=1";
	for (size_t i = 0; i < ARRAY_LEN(scopes); i++)
		if (!strcmp(scopes[i].table, q->table) && scopes[i].scope == q->scope)
			return scopes[i].cond;
	return NULL;
}

/* Appends q's conditions (the columns of eq, the text sought) to sql at o,
 * as parameters ?3 on; the new length. */
static int filters_sql(const struct tbl *t, const struct row_query *q, char *sql,
		       size_t size, int o)
{
	const char *comma = strchr(t->search, ',');
	int arg = 2;

	for (size_t i = 0; i < ARRAY_LEN(q->eq) && q->eq[i].col; i++) {
		if (!known_col(t, q->eq[i].col))
			abort(); /* a programming error */
		o += snprintf(sql + o, size - (size_t)o, " AND %s=?%d", q->eq[i].col, ++arg);
	}
	/* either search column contains q: instr() as a comparison (db.h:
	 * a driver gives instr) */
	if (q->q && *q->q)
		o += snprintf(sql + o, size - (size_t)o, " AND (instr(%.*s, ?%d)>0 OR instr(%s, ?%d)>0)",
			      (int)(comma - t->search), t->search, arg + 1, comma + 1, arg + 1);
	return o;
}

/* Binds the scope's value (?1) and the parameters of filters_sql. */
static void filters_bind(struct db_stmt *s, const struct row_query *q)
{
	int arg = 2;

	if (q->scope != ROW_ALL)
		db_bind_text_copy(s, 1, q->scope_val, -1);
	for (size_t i = 0; i < ARRAY_LEN(q->eq) && q->eq[i].col; i++)
		db_bind_text_copy(s, ++arg, q->eq[i].val, -1);
	if (q->q && *q->q)
		db_bind_text_copy(s, arg + 1, q->q, -1);
}

int store_row_list(struct store *st, const struct row_query *q, json_t *items,
		   int64_t *next)
{
	struct tbl *t = table(q->table);
	char sql[2048];
	const char *cond = scope_cond(q);
	struct db_stmt *s = NULL;
	int o, rc, n = 0, limit = q->limit > 0 ? q->limit : 100;

	*next = 0;
	if (!cond)
		return FINCA_OK; /* nothing of this table is in that scope */
	o = snprintf(sql, sizeof sql, "SELECT * FROM %s WHERE %s AND id>?2", q->table, cond);
	o = filters_sql(t, q, sql, sizeof sql, o);
	snprintf(sql + o, sizeof sql - (size_t)o, " ORDER BY id LIMIT %d", limit + 1);
	if (db_prepare(st->db, sql, &s) != 0)
		return store_err(st, "list");
	filters_bind(s, q);
	db_bind_int64(s, 2, q->after);
	while ((rc = db_step(s)) == DB_ROW) {
		json_t *r = store_row_json(s);
		if (n++ == limit) { /* more follow: the last id shown */
			*next = json_integer_value(json_object_get(json_array_get(items,
						   json_array_size(items) - 1), "id"));
			json_decref(r);
			break;
		}
		json_array_append_new(items, r);
	}
	db_finalize(s);
	if (rc != DB_ROW && rc != DB_DONE)
		return store_err(st, "list");
	return FINCA_OK;
}

int store_row_count(struct store *st, const struct row_query *q, const char *by,
		    json_t *counts)
{
	struct tbl *t = table(q->table);
	char sql[2048];
	const char *cond = scope_cond(q);
	struct db_stmt *s = NULL;
	int o, rc;

	if (!known_col(t, by))
		abort(); /* a programming error */
	if (!cond)
		return FINCA_OK;
	/* ?2 (store_row_list's after) is not used: the filters keep their numbers */
	o = snprintf(sql, sizeof sql, "SELECT %s, count(*) FROM %s WHERE %s", by, q->table, cond);
	o = filters_sql(t, q, sql, sizeof sql, o);
	snprintf(sql + o, sizeof sql - (size_t)o, " GROUP BY 1");
	if (db_prepare(st->db, sql, &s) != 0)
		return store_err(st, "count");
	filters_bind(s, q);
	while ((rc = db_step(s)) == DB_ROW)
		if (db_col_type(s, 0) != DB_NULL)
			json_object_set_new(counts, db_col_text(s, 0),
					    json_integer(db_col_int64(s, 1)));
	db_finalize(s);
	return rc == DB_DONE ? FINCA_OK : store_err(st, "count");
}

int store_row_exists(struct store *st, const char *tname, const char *key)
{
	struct db_stmt *s = store_stmt(st, table(tname)->ex);
	int rc;

	if (!s)
		return 0;
	db_bind_text_copy(s, 1, key, -1);
	rc = db_step(s);
	db_reset(s);
	return rc == DB_ROW;
}

int store_request_event(struct store *st, int64_t request, const char *actor,
			const char *from, const char *to, const char *note)
{
	static const char sql[] = "INSERT INTO request_event(request, at, actor,"
				  " from_state, to_state, note) VALUES(?1,?2,?3,?4,?5,?6)";
	struct db_stmt *s = store_stmt(st, sql);

	if (!s)
		return FINCA_ESTORE;
	db_bind_int64(s, 1, request);
	db_bind_int64(s, 2, clock_now());
	db_bind_text_copy(s, 3, actor, -1);
	store_bind_opt(s, 4, from ? from : "");
	db_bind_text_copy(s, 5, to, -1);
	store_bind_opt(s, 6, note ? note : "");
	return store_step_done(st, s, "request event");
}

int store_request_events(struct store *st, int64_t request, json_t *arr)
{
	static const char sql[] = "SELECT at, actor, from_state, to_state, note"
				  " FROM request_event WHERE request=?1 ORDER BY id";
	struct db_stmt *s = store_stmt(st, sql);
	int rc;

	if (!s)
		return FINCA_ESTORE;
	db_bind_int64(s, 1, request);
	while ((rc = db_step(s)) == DB_ROW)
		json_array_append_new(arr, store_row_json(s));
	db_reset(s);
	return rc == DB_DONE ? FINCA_OK : store_err(st, "request events");
}

int store_attachment_insert(struct store *st, int64_t batch, const char *name,
			    const char *mime, const char *sha256,
			    const unsigned char *data, size_t len, const char *actor,
			    int64_t *id)
{
	static const char sql[] = "INSERT INTO attachment(batch, name, mime, sha256,"
				  " data, actor, at) VALUES(?1,?2,?3,?4,?5,?6,?7)";
	struct db_stmt *s = store_stmt(st, sql);
	int rc;

	if (!s)
		return FINCA_ESTORE;
	db_bind_int64(s, 1, batch);
	db_bind_text_copy(s, 2, name, -1);
	db_bind_text(s, 3, mime);
	db_bind_text_copy(s, 4, sha256, -1);
	db_bind_blob(s, 5, data, len);
	db_bind_text_copy(s, 6, actor, -1);
	db_bind_int64(s, 7, clock_now());
	if ((rc = store_step_done(st, s, "attachment")) == FINCA_OK)
		*id = db_last_id(st->db);
	return rc;
}

int store_attachments(struct store *st, int64_t batch, json_t *arr)
{
	static const char sql[] = "SELECT id, name, mime, sha256, length(data) AS size,"
				  " actor, at FROM attachment WHERE batch=?1 ORDER BY id";
	struct db_stmt *s = store_stmt(st, sql);
	int rc;

	if (!s)
		return FINCA_ESTORE;
	db_bind_int64(s, 1, batch);
	while ((rc = db_step(s)) == DB_ROW)
		json_array_append_new(arr, store_row_json(s));
	db_reset(s);
	return rc == DB_DONE ? FINCA_OK : store_err(st, "attachments");
}

int store_attachment_get(struct store *st, int64_t batch, int64_t id, char **name,
			 char **mime, unsigned char **data, size_t *len)
{
	static const char sql[] = "SELECT name, mime, data FROM attachment"
				  " WHERE batch=?1 AND id=?2";
	struct db_stmt *s = store_stmt(st, sql);
	int rc;

	if (!s)
		return FINCA_ESTORE;
	db_bind_int64(s, 1, batch);
	db_bind_int64(s, 2, id);
	rc = db_step(s);
	if (rc == DB_ROW) {
		*len = (size_t)db_col_bytes(s, 2);
		*data = xcalloc(1, *len + 1);
		memcpy(*data, db_col_blob(s, 2), *len);
		*name = xstrdup(db_col_text(s, 0));
		*mime = xstrdup(db_col_text(s, 1));
	}
	db_reset(s);
	if (rc == DB_ROW)
		return FINCA_OK;
	return rc == DB_DONE ? err_set(FINCA_ENOTFOUND, "no attachment %lld in batch %lld",
					   (long long)id, (long long)batch)
				 : store_err(st, "attachment");
}

int store_grants(struct store *st, const char *person, const char *app, int64_t now,
		 json_t *arr)
{
	static const char sql[] =
		"SELECT app, roles, not_after FROM access_grant"
		" WHERE person=?1 AND (?2 IS NULL OR app=?2) AND state='active'"
		" AND (not_after IS NULL OR not_after>?3)"
		" AND EXISTS(SELECT 1 FROM cert WHERE id_number=?1 AND status=0"
		" AND not_after>?3 AND issuer='issuing') ORDER BY app";
	struct db_stmt *s = store_stmt(st, sql);
	int rc;

	if (!s)
		return FINCA_ESTORE;
	db_bind_text_copy(s, 1, person, -1);
	if (app)
		db_bind_text_copy(s, 2, app, -1);
	db_bind_int64(s, 3, now);
	while ((rc = db_step(s)) == DB_ROW)
		json_array_append_new(arr, store_row_json(s));
	db_reset(s);
	return rc == DB_DONE ? FINCA_OK : store_err(st, "grants");
}

int store_grant_find(struct store *st, const char *person, const char *app, json_t **out)
{
	static const char sql[] = "SELECT * FROM access_grant WHERE person=?1 AND app=?2";
	struct db_stmt *s = store_stmt(st, sql);
	int rc;

	*out = NULL;
	if (!s)
		return FINCA_ESTORE;
	db_bind_text_copy(s, 1, person, -1);
	db_bind_text_copy(s, 2, app, -1);
	rc = db_step(s);
	if (rc == DB_ROW)
		*out = store_row_json(s);
	db_reset(s);
	if (rc == DB_ROW)
		return FINCA_OK;
	return rc == DB_DONE ? FINCA_ENOTFOUND : store_err(st, "grant");
}

