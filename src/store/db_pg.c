/* The PostgreSQL driver of the store (db.h), over libpq: the only file that
 * knows libpq and the SQL only PostgreSQL speaks.  "where" is a connection
 * URL (postgresql://...).
 *
 * How it gives what the shared SQL takes for granted (db.h):
 *   - parameters: "?" and "?NNN" become $N when a statement is prepared
 *     (quoted strings and identifiers skipped);
 *   - types: parameters go untyped, so that PostgreSQL infers them from
 *     their context and parses the text we send (a key bound as text
 *     reads as the integer, as SQLite's affinity does).  Where it cannot
 *     infer one (?1 IS NULL), the prepare fails; the statement then runs
 *     with the types of what was bound.  A parameter inferred as a 32-bit
 *     integer (?1 + ?2*86400) is prepared again as 64 bits: the shared SQL
 *     binds times and keys that need them;
 *   - results come as text; bytea is decoded (PQunescapeBytea) when read;
 *   - last_id: an INSERT into a table with an "id" column gets
 *     "RETURNING id" added when it is prepared;
 *   - begin: BEGIN and a transaction-scoped advisory lock, one for every
 *     finca, so writers take turns as under SQLite's BEGIN IMMEDIATE (the
 *     audit chain's last record and the next, the serial checks);
 *   - the schema version is a row of the table finca_schema; instr() is
 *     defined in SQL (strpos) when missing;
 *   - the migrations are SQLite's DDL: exec translates its types (pg_ddl).
 *
 * One difference stays: an error inside a transaction aborts it in
 * PostgreSQL, where SQLite goes on.  The store's callers roll back after
 * every failure (a UNIQUE violation included), so this does not show.
 *
 * Private to src/store/. */
#include "store/db.h"
#include "util/err.h"
#include "util/util.h"

#include <ctype.h>
#include <errno.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* pg_type OIDs (server/catalog/pg_type_d.h, stable) */
#define OID_BOOL 16
#define OID_BYTEA 17
#define OID_INT8 20
#define OID_INT2 21
#define OID_INT4 23
#define OID_TEXT 25
#define OID_OID 26
#define OID_FLOAT4 700
#define OID_FLOAT8 701
#define OID_NUMERIC 1700

/* the advisory lock every finca writer takes: "finca" in ASCII */
#define PG_WRITE_LOCK "110386729101665"

/* tables known to have (1) or lack (0) an "id" column, per connection */
#define PG_TABLES_MAX 64

struct pg_db {
	struct db base;
	PGconn *c;
	int readonly;       /* DB_OPEN_READONLY (a standby): never writes */
	char *err;          /* the last failure's message */
	int64_t changes, last_id;
	unsigned nprepared; /* names the statements: "f<n>" */
	struct {
		char name[64];
		int has_id;
	} tables[PG_TABLES_MAX];
	int ntables;
};

struct pg_param {
	const char *v;  /* NULL: SQL NULL */
	int len, binary;
	Oid type;       /* what was bound: for a statement that needs types */
	char *own;      /* a copy the statement keeps (text copied, integers) */
};

struct pg_stmt {
	struct db_stmt base;
	struct pg_db *db;
	char *sql;        /* with $N (and RETURNING id) */
	char name[16];    /* the prepared statement's, "" when typed */
	int persistent;
	int returning;    /* "RETURNING id" was added: the row is the key */
	int nparams;
	struct pg_param *p;
	PGresult *res;
	int row, nrows;
	unsigned char **blob; /* decoded bytea of the current row, per column */
	size_t *blen;
	int nblob;
};

#define D(d) ((struct pg_db *)(d))
#define S(s) ((struct pg_stmt *)(s))

static void set_err(struct pg_db *d, const char *msg)
{
	size_t n;

	free(d->err);
	d->err = xstrdup(msg && *msg ? msg : "unknown PostgreSQL error");
	n = strlen(d->err);
	while (n && (d->err[n - 1] == '\n' || d->err[n - 1] == ' '))
		d->err[--n] = '\0';
}

static void set_res_err(struct pg_db *d, const PGresult *r)
{
	set_err(d, r ? PQresultErrorMessage(r) : PQerrorMessage(d->c));
}

static int res_ok(const PGresult *r)
{
	ExecStatusType t = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;

	return t == PGRES_COMMAND_OK || t == PGRES_TUPLES_OK;
}

static const char *sqlstate(const PGresult *r)
{
	const char *s = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;

	return s ? s : "";
}

/* A command with no parameters: 0 ok, -1 (db_errmsg). */
static int pg_run(struct pg_db *d, const char *sql)
{
	PGresult *r = PQexec(d->c, sql);
	int rc = 0;

	if (!res_ok(r)) {
		set_res_err(d, r);
		rc = -1;
	}
	PQclear(r);
	return rc;
}

/* libpq prints the server's notices (IF NOT EXISTS...) on stderr */
static void quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

static void pg_close(struct db *db)
{
	if (!db)
		return;
	PQfinish(D(db)->c);
	free(D(db)->err);
	free(db);
}

/* The end of a quoted run starting at s (s[0] the quote); doubled quotes
 * stay inside. */
static const char *skip_quoted(const char *s)
{
	char q = *s++;

	for (; *s; s++)
		if (*s == q) {
			if (s[1] != q)
				return s + 1;
			s++;
		}
	return s;
}

/* SQLite's DDL in PostgreSQL's words; the caller frees.  Only the types
 * the migrations use: INTEGER PRIMARY KEY (the row id) becomes an identity
 * column, INTEGER 64 bits, BLOB bytea, TEXT compared byte by byte (the
 * "C" collation, db.h). */
static char *pg_ddl(const char *in)
{
	size_t cap = strlen(in) * 4 + 64, o = 0;
	char *out = xrealloc(NULL, cap);
	const char *s = in;

	while (*s) {
		if (*s == '\'' || *s == '"') {
			const char *e = skip_quoted(s);
			memcpy(out + o, s, (size_t)(e - s));
			o += (size_t)(e - s);
			s = e;
			continue;
		}
		if (isalpha((unsigned char)*s) || *s == '_') {
			const char *e = s, *rep = NULL;
			size_t n;

			while (isalnum((unsigned char)*e) || *e == '_')
				e++;
			n = (size_t)(e - s);
			if (n == 7 && !strncasecmp(s, "INTEGER", 7)) {
				const char *k = e;
				while (*k == ' ')
					k++;
				if (!strncasecmp(k, "PRIMARY KEY", 11) &&
				    !isalnum((unsigned char)k[11]) && k[11] != '_' &&
				    k[11] != '(') {
					rep = "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY";
					e = k + 11;
					k = e;
					while (*k == ' ')
						k++;
					if (!strncasecmp(k, "AUTOINCREMENT", 13))
						e = k + 13;
				} else {
					rep = "BIGINT";
				}
			} else if (n == 4 && !strncasecmp(s, "BLOB", 4)) {
				rep = "BYTEA";
			} else if (n == 4 && !strncasecmp(s, "TEXT", 4)) {
				rep = "TEXT COLLATE \"C\"";
			}
			if (rep) {
				size_t rn = strlen(rep);
				if (o + rn + 1 >= cap) {
					cap = (o + rn) * 2 + 64;
					out = xrealloc(out, cap);
				}
				memcpy(out + o, rep, rn);
				o += rn;
			} else {
				if (o + n + 1 >= cap) {
					cap = (o + n) * 2 + 64;
					out = xrealloc(out, cap);
				}
				memcpy(out + o, s, n);
				o += n;
			}
			s = e;
			continue;
		}
		if (o + 2 >= cap) {
			cap = cap * 2;
			out = xrealloc(out, cap);
		}
		out[o++] = *s++;
	}
	out[o] = '\0';
	return out;
}

/* After a script: identity columns given explicit keys (a table made
 * again with its rows, migration 12) start past the largest; and a NULL
 * given for the key makes one, as SQLite's INTEGER PRIMARY KEY does (the
 * RA's generic insert binds every column, its id NULL), by a trigger
 * (finca_rowid: column and sequence as its arguments). */
static const char resync_sql[] =
	"CREATE OR REPLACE FUNCTION finca_rowid() RETURNS trigger LANGUAGE plpgsql AS $$"
	" BEGIN IF to_jsonb(NEW)->>TG_ARGV[0] IS NULL THEN"
	"  NEW := jsonb_populate_record(NEW, jsonb_build_object(TG_ARGV[0],"
	"   nextval(TG_ARGV[1])));"
	" END IF; RETURN NEW; END$$;"
	"DO $$DECLARE r record; BEGIN"
	" FOR r IN SELECT c.relname AS t, a.attname AS col,"
	"  pg_get_serial_sequence(quote_ident(c.relname), a.attname) AS seq"
	"  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
	"  WHERE a.attidentity <> '' AND c.relnamespace = current_schema()::regnamespace"
	" LOOP EXECUTE format('SELECT setval(%L, coalesce((SELECT max(%I) FROM %I), 0) + 1, false)',"
	"  r.seq, r.col, r.t);"
	" EXECUTE format('CREATE OR REPLACE TRIGGER %I BEFORE INSERT ON %I FOR EACH ROW"
	"  EXECUTE FUNCTION finca_rowid(%L, %L)', r.t || '_rowid', r.t, r.col, r.seq);"
	" END LOOP; END$$";

static int pg_exec(struct db *db, const char *sql)
{
	char *t = pg_ddl(sql);
	int rc = pg_run(D(db), t);

	free(t);
	if (rc == 0)
		rc = pg_run(D(db), resync_sql);
	return rc;
}

/* Opens where.  Read-only (DB_OPEN_READONLY, e.g. a hot standby, where
 * any write fails): nothing is made; what a writer would make at open
 * (finca_schema, instr) must be there already, made by the primary. */
static int pg_open(const char *where, int how, struct db **out)
{
	struct pg_db *d = xcalloc(1, sizeof *d);
	PGresult *r = NULL;
	int rc, create = (how & DB_OPEN_CREATE) != 0;

	d->base.ops = &db_pg;
	d->readonly = (how & DB_OPEN_READONLY) != 0;
	d->c = PQconnectdb(where);
	if (PQstatus(d->c) != CONNECTION_OK) {
		/* the URL may hold a password: name only what failed */
		rc = err_set(FINCA_ESTORE, "database: PostgreSQL: %s",
			     PQerrorMessage(d->c));
		goto fail;
	}
	PQsetNoticeProcessor(d->c, quiet, NULL);
	/* the server refuses any write of this session, should one be
	 * tried (a standby refuses them anyway) */
	if (d->readonly && pg_run(d, "SET default_transaction_read_only = on") != 0) {
		rc = err_set(FINCA_ESTORE, "database: PostgreSQL: %s", d->err);
		goto fail;
	}
	r = PQexec(d->c, "SELECT to_regclass('finca_schema') IS NULL,"
			 " to_regprocedure('instr(text,text)') IS NULL,"
			 " pg_is_in_recovery()");
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		rc = err_set(FINCA_ESTORE, "database: PostgreSQL: %s",
			     PQresultErrorMessage(r));
		goto fail;
	}
	if (*PQgetvalue(r, 0, 2) == 't' && !d->readonly) {
		rc = err_why(FINCA_ESTORE, NULL, "store.standby",
			     "PostgreSQL database %s is a read-only standby (in recovery): "
			     "only 'finca serve --ocsp-only' runs on a standby", PQdb(d->c));
		goto fail;
	}
	if (*PQgetvalue(r, 0, 0) == 't') {
		if (!create || d->readonly) {
			rc = err_set(FINCA_ENOTFOUND,
				     "PostgreSQL database %s has no finca schema "
				     "(run 'finca init --store' first)", PQdb(d->c));
			goto fail;
		}
		if (pg_run(d, "CREATE TABLE IF NOT EXISTS finca_schema(version integer NOT NULL);"
			      "INSERT INTO finca_schema SELECT 0 WHERE NOT EXISTS"
			      " (SELECT 1 FROM finca_schema)") != 0) {
			rc = err_set(FINCA_ESTORE, "database: PostgreSQL: %s", d->err);
			goto fail;
		}
	}
	/* SQLite's instr: the position of b in a, from 1; 0 when absent */
	if (*PQgetvalue(r, 0, 1) == 't' && d->readonly) {
		rc = err_set(FINCA_ESTORE,
			     "PostgreSQL database %s lacks the function instr(text, text) "
			     "that finca makes when it opens it for writing: run "
			     "'finca migrate' against the primary", PQdb(d->c));
		goto fail;
	}
	if (*PQgetvalue(r, 0, 1) == 't' &&
	    pg_run(d, "CREATE OR REPLACE FUNCTION instr(a text, b text) RETURNS integer"
		      " LANGUAGE sql IMMUTABLE STRICT AS 'SELECT strpos(a, b)'") != 0) {
		rc = err_set(FINCA_ESTORE, "database: PostgreSQL: %s", d->err);
		goto fail;
	}
	PQclear(r);
	*out = &d->base;
	return FINCA_OK;
fail:
	PQclear(r);
	pg_close(&d->base);
	return rc;
}

/* Does table (an identifier) have a column "id"?  1 yes, 0 no, -1 error. */
static int table_has_id(struct pg_db *d, const char *table)
{
	const char *v[1] = { table };
	PGresult *r;
	int has;

	for (int i = 0; i < d->ntables; i++)
		if (!strcmp(d->tables[i].name, table))
			return d->tables[i].has_id;
	r = PQexecParams(d->c,
			 "SELECT count(*) FROM pg_attribute WHERE attrelid = to_regclass($1)"
			 " AND attname = 'id' AND NOT attisdropped",
			 1, NULL, v, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		set_res_err(d, r);
		PQclear(r);
		return -1;
	}
	has = strcmp(PQgetvalue(r, 0, 0), "0") != 0;
	PQclear(r);
	if (d->ntables < PG_TABLES_MAX && strlen(table) < sizeof d->tables[0].name) {
		snprintf(d->tables[d->ntables].name, sizeof d->tables[0].name, "%s", table);
		d->tables[d->ntables++].has_id = has;
	}
	return has;
}

/* sql with $N for SQLite's ? and ?NNN; *nparams: the largest number.
 * The caller frees. */
static char *rewrite(const char *sql, int *nparams)
{
	size_t cap = strlen(sql) * 4 + 32, o = 0;
	char *out = xrealloc(NULL, cap);
	const char *s = sql;
	int max = 0;

	while (*s) {
		if (*s == '\'' || *s == '"') {
			const char *e = skip_quoted(s);
			memcpy(out + o, s, (size_t)(e - s));
			o += (size_t)(e - s);
			s = e;
		} else if (*s == '?') {
			int n;
			s++;
			if (isdigit((unsigned char)*s)) {
				n = (int)strtol(s, (char **)&s, 10);
			} else {
				n = max + 1;
			}
			if (n > max)
				max = n;
			o += (size_t)sprintf(out + o, "$%d", n);
		} else {
			out[o++] = *s++;
		}
	}
	out[o] = '\0';
	*nparams = max;
	return out;
}

/* "INSERT INTO t..." into a table with an "id": add "RETURNING id".
 * 1 added, 0 not, -1 error. */
static int add_returning(struct pg_db *d, char **sql)
{
	const char *s = *sql;
	char table[64];
	size_t n = 0, len;
	int has;

	while (isspace((unsigned char)*s))
		s++;
	if (strncasecmp(s, "INSERT INTO ", 12) || strcasestr(s, "RETURNING"))
		return 0;
	s += 12;
	while (*s == ' ')
		s++;
	while ((isalnum((unsigned char)s[n]) || s[n] == '_') && n < sizeof table - 1)
		n++;
	memcpy(table, s, n);
	table[n] = '\0';
	if (!n || (has = table_has_id(d, table)) <= 0)
		return n ? has : 0;
	len = strlen(*sql);
	while (len && ((*sql)[len - 1] == ';' || isspace((unsigned char)(*sql)[len - 1])))
		len--;
	*sql = xrealloc(*sql, len + sizeof " RETURNING id");
	memcpy(*sql + len, " RETURNING id", sizeof " RETURNING id");
	return 1;
}

/* PostgreSQL could not give a parameter a type from its context */
static int inference_failed(const PGresult *r)
{
	const char *st = sqlstate(r);

	/* 42P18 indeterminate_datatype, 42P08 ambiguous_parameter,
	 * 42725 ambiguous_function, 42883 undefined_function (an operator
	 * on unknown) */
	return !strcmp(st, "42P18") || !strcmp(st, "42P08") || !strcmp(st, "42725") ||
	       !strcmp(st, "42883");
}

/* Prepares s->sql as s->name, inside a savepoint in a transaction (a
 * failure must not abort it).  0 ok, 1 the types could not be inferred
 * (the statement runs typed), -1 error. */
static int prepare_named(struct pg_stmt *s)
{
	struct pg_db *d = s->db;
	int in_tx = PQtransactionStatus(d->c) != PQTRANS_IDLE;
	PGresult *r;
	Oid *types = NULL;
	int rc = -1, widen = 0;

	if (in_tx && pg_run(d, "SAVEPOINT finca_prepare") != 0)
		return -1;
	r = PQprepare(d->c, s->name, s->sql, s->nparams, NULL);
	if (!res_ok(r)) {
		rc = inference_failed(r) ? 1 : -1;
		if (rc < 0)
			set_res_err(d, r);
		goto out;
	}
	PQclear(r);
	r = NULL;
	/* 32-bit integer parameters: prepared again as 64 bits */
	if (s->nparams) {
		r = PQdescribePrepared(d->c, s->name);
		if (!res_ok(r)) {
			set_res_err(d, r);
			goto out;
		}
		types = xcalloc((size_t)s->nparams, sizeof *types);
		for (int i = 0; i < s->nparams && i < PQnparams(r); i++) {
			Oid t = PQparamtype(r, i);
			if (t == OID_INT4 || t == OID_INT2 || t == OID_NUMERIC) {
				t = OID_INT8;
				widen = 1;
			}
			types[i] = t;
		}
		PQclear(r);
		r = NULL;
		if (widen) {
			char dealloc[48];
			snprintf(dealloc, sizeof dealloc, "DEALLOCATE %s", s->name);
			if (pg_run(d, dealloc) != 0)
				goto out;
			r = PQprepare(d->c, s->name, s->sql, s->nparams, types);
			if (!res_ok(r)) {
				set_res_err(d, r);
				goto out;
			}
		}
	}
	rc = 0;
out:
	PQclear(r);
	free(types);
	if (in_tx) {
		if (rc != 0)
			pg_run(d, "ROLLBACK TO finca_prepare");
		if (pg_run(d, "RELEASE finca_prepare") != 0)
			rc = -1;
	}
	return rc;
}

static Oid bound_type(const struct pg_param *p)
{
	return p->type ? p->type : OID_TEXT; /* a NULL of no known type: text */
}

/* A statement whose parameters PostgreSQL could not all type alone, at its
 * first run: prepared again with the type of what is bound for each
 * parameter it names ("could not determine data type of parameter $N"),
 * one at a time, the others left to inference (a key bound as text still
 * reads as its integer); at last, every parameter typed.  In a savepoint
 * when in a transaction.  0 ok, -1 error. */
static int prepare_typed(struct pg_stmt *s)
{
	struct pg_db *d = s->db;
	int in_tx = PQtransactionStatus(d->c) != PQTRANS_IDLE;
	Oid *types = xcalloc((size_t)s->nparams + 1, sizeof *types);
	PGresult *r = NULL;
	int rc = -1, all = 0;

	snprintf(s->name, sizeof s->name, "f%u", ++d->nprepared);
	for (int tries = 0; tries <= s->nparams + 1; tries++) {
		const char *m, *at;
		int n = 0;

		if (in_tx && pg_run(d, "SAVEPOINT finca_prepare") != 0)
			break;
		r = PQprepare(d->c, s->name, s->sql, s->nparams, types);
		if (res_ok(r)) {
			rc = 0;
			if (in_tx && pg_run(d, "RELEASE finca_prepare") != 0)
				rc = -1;
			break;
		}
		set_res_err(d, r);
		if (in_tx && (pg_run(d, "ROLLBACK TO finca_prepare") != 0 ||
			      pg_run(d, "RELEASE finca_prepare") != 0))
			break;
		m = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
		if ((!strcmp(sqlstate(r), "42P18") || !strcmp(sqlstate(r), "42P08")) && m &&
		    (at = strstr(m, "parameter $")) != NULL)
			n = atoi(at + 11);
		PQclear(r);
		r = NULL;
		if (n >= 1 && n <= s->nparams && !types[n - 1]) {
			types[n - 1] = bound_type(&s->p[n - 1]);
		} else if (!all) {
			for (int i = 0; i < s->nparams; i++)
				types[i] = bound_type(&s->p[i]);
			all = 1;
		} else {
			break;
		}
	}
	PQclear(r);
	free(types);
	if (rc != 0)
		s->name[0] = '\0';
	return rc;
}

static void pg_finalize(struct db_stmt *st);

static int pg_prepare(struct db *db, const char *sql, int persistent,
		      struct db_stmt **out)
{
	struct pg_db *d = D(db);
	struct pg_stmt *s = xcalloc(1, sizeof *s);
	int r;

	s->base.ops = &db_pg;
	s->db = d;
	s->persistent = persistent;
	s->row = -1;
	s->sql = rewrite(sql, &s->nparams);
	if ((s->returning = add_returning(d, &s->sql)) < 0)
		goto fail;
	if (s->nparams)
		s->p = xcalloc((size_t)s->nparams, sizeof *s->p);
	snprintf(s->name, sizeof s->name, "f%u", ++d->nprepared);
	if ((r = prepare_named(s)) < 0)
		goto fail;
	if (r == 1)
		s->name[0] = '\0'; /* typed, at each step */
	*out = &s->base;
	return 0;
fail:
	s->name[0] = '\0';
	pg_finalize(&s->base);
	return -1;
}

static void drop_row(struct pg_stmt *s)
{
	for (int i = 0; i < s->nblob; i++)
		if (s->blob[i])
			PQfreemem(s->blob[i]);
	free(s->blob);
	free(s->blen);
	s->blob = NULL;
	s->blen = NULL;
	s->nblob = 0;
}

static void pg_reset(struct db_stmt *st)
{
	struct pg_stmt *s = S(st);

	drop_row(s);
	PQclear(s->res);
	s->res = NULL;
	s->row = -1;
	s->nrows = 0;
}

static void unbind(struct pg_param *p)
{
	free(p->own);
	memset(p, 0, sizeof *p);
}

static void pg_clear(struct db_stmt *st)
{
	struct pg_stmt *s = S(st);

	for (int i = 0; i < s->nparams; i++)
		unbind(&s->p[i]);
}

static void pg_finalize(struct db_stmt *st)
{
	struct pg_stmt *s = S(st);

	pg_reset(st);
	pg_clear(st);
	/* a statement of its own is dropped; the server drops the others
	 * with the connection */
	if (s->name[0] && !s->persistent) {
		char sql[48];
		snprintf(sql, sizeof sql, "DEALLOCATE %s", s->name);
		PQclear(PQexec(s->db->c, sql));
	}
	free(s->p);
	free(s->sql);
	free(s);
}

/* The parameter i (from 1), emptied; NULL when out of range (as SQLite,
 * a bind past the last is ignored). */
static struct pg_param *param(struct pg_stmt *s, int i)
{
	if (i < 1 || i > s->nparams)
		return NULL;
	unbind(&s->p[i - 1]);
	return &s->p[i - 1];
}

static void pg_bind_text(struct db_stmt *st, int i, const char *v, int n, int copy)
{
	struct pg_param *p = param(S(st), i);

	if (!p || !v)
		return;
	/* text goes in text format, NUL-terminated: a length means a copy */
	if (copy || n >= 0) {
		size_t len = n >= 0 ? (size_t)n : strlen(v);
		p->own = xrealloc(NULL, len + 1);
		memcpy(p->own, v, len);
		p->own[len] = '\0';
		v = p->own;
	}
	p->v = v;
	p->type = OID_TEXT;
}

static void pg_bind_int64(struct db_stmt *st, int i, int64_t v)
{
	struct pg_param *p = param(S(st), i);

	if (!p)
		return;
	p->own = xrealloc(NULL, 24);
	snprintf(p->own, 24, "%lld", (long long)v);
	p->v = p->own;
	p->type = OID_INT8;
}

static void pg_bind_blob(struct db_stmt *st, int i, const void *v, size_t n)
{
	struct pg_param *p = param(S(st), i);

	if (!p || !v)
		return;
	p->v = n ? v : "";
	p->len = (int)n;
	p->binary = 1;
	p->type = OID_BYTEA;
}

static void pg_bind_null(struct db_stmt *st, int i)
{
	param(S(st), i);
}

static int is_write(const char *status)
{
	return !strncmp(status, "INSERT", 6) || !strncmp(status, "UPDATE", 6) ||
	       !strncmp(status, "DELETE", 6) || !strncmp(status, "MERGE", 5);
}

/* Runs the statement with its bindings: the whole answer at once. */
static int run(struct pg_stmt *s)
{
	struct pg_db *d = s->db;
	int n = s->nparams;
	const char **vals = NULL;
	int *lens = NULL, *fmts = NULL;
	PGresult *r;
	int rc;

	if (n) {
		vals = xcalloc((size_t)n, sizeof *vals);
		lens = xcalloc((size_t)n, sizeof *lens);
		fmts = xcalloc((size_t)n, sizeof *fmts);
		for (int i = 0; i < n; i++) {
			vals[i] = s->p[i].v;
			lens[i] = s->p[i].len;
			fmts[i] = s->p[i].binary;
		}
	}
	if (!s->name[0] && prepare_typed(s) != 0) {
		free(vals);
		free(lens);
		free(fmts);
		return DB_ERROR;
	}
	r = PQexecPrepared(d->c, s->name, n, vals, lens, fmts, 0);
	free(vals);
	free(lens);
	free(fmts);
	if (!res_ok(r)) {
		rc = !strcmp(sqlstate(r), "23505") ? DB_UNIQUE : DB_ERROR;
		set_res_err(d, r);
		PQclear(r);
		return rc;
	}
	if (is_write(PQcmdStatus(r)))
		d->changes = strtoll(PQcmdTuples(r), NULL, 10);
	if (s->returning) {
		if (PQntuples(r) > 0)
			d->last_id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
		PQclear(r);
		return DB_DONE;
	}
	s->res = r;
	s->nrows = PQntuples(r);
	return DB_DONE;
}

static int pg_step(struct db_stmt *st)
{
	struct pg_stmt *s = S(st);
	int rc;

	drop_row(s);
	if (!s->res && s->row < 0) {
		if ((rc = run(s)) != DB_DONE || !s->res)
			return rc;
	}
	if (!s->res)
		return DB_DONE;
	if (++s->row < s->nrows)
		return DB_ROW;
	s->row = s->nrows;
	return DB_DONE;
}

static int pg_col_count(struct db_stmt *st)
{
	return S(st)->res ? PQnfields(S(st)->res) : 0;
}

static const char *pg_col_name(struct db_stmt *st, int i)
{
	return S(st)->res ? PQfname(S(st)->res, i) : NULL;
}

static int valid(struct pg_stmt *s, int i)
{
	return s->res && s->row >= 0 && s->row < s->nrows && i >= 0 &&
	       i < PQnfields(s->res);
}

static int is_null(struct pg_stmt *s, int i)
{
	return !valid(s, i) || PQgetisnull(s->res, s->row, i);
}

static int pg_col_type(struct db_stmt *st, int i)
{
	struct pg_stmt *s = S(st);

	if (is_null(s, i))
		return DB_NULL;
	switch (PQftype(s->res, i)) {
	case OID_BOOL:
	case OID_INT2:
	case OID_INT4:
	case OID_INT8:
	case OID_OID:
		return DB_INTEGER;
	case OID_NUMERIC: /* sum() of integers */
		return strchr(PQgetvalue(s->res, s->row, i), '.') ? DB_FLOAT : DB_INTEGER;
	case OID_FLOAT4:
	case OID_FLOAT8:
		return DB_FLOAT;
	case OID_BYTEA:
		return DB_BLOB;
	default:
		return DB_TEXT;
	}
}

static int64_t pg_col_int64(struct db_stmt *st, int i)
{
	struct pg_stmt *s = S(st);
	const char *v;

	if (is_null(s, i))
		return 0;
	v = PQgetvalue(s->res, s->row, i);
	if (PQftype(s->res, i) == OID_BOOL)
		return *v == 't';
	return strtoll(v, NULL, 10);
}

static const char *pg_col_text(struct db_stmt *st, int i)
{
	struct pg_stmt *s = S(st);

	if (is_null(s, i))
		return NULL;
	/* a boolean reads as SQLite's 0 or 1 (db.h) */
	if (PQftype(s->res, i) == OID_BOOL)
		return *PQgetvalue(s->res, s->row, i) == 't' ? "1" : "0";
	return PQgetvalue(s->res, s->row, i);
}

/* The bytes of column i: bytea decoded once per row. */
static const unsigned char *col_bytes(struct pg_stmt *s, int i, size_t *len)
{
	if (is_null(s, i)) {
		*len = 0;
		return NULL;
	}
	if (PQftype(s->res, i) != OID_BYTEA) {
		*len = (size_t)PQgetlength(s->res, s->row, i);
		return (const unsigned char *)PQgetvalue(s->res, s->row, i);
	}
	if (!s->blob) {
		s->nblob = PQnfields(s->res);
		s->blob = xcalloc((size_t)s->nblob, sizeof *s->blob);
		s->blen = xcalloc((size_t)s->nblob, sizeof *s->blen);
	}
	if (!s->blob[i]) {
		s->blob[i] = PQunescapeBytea(
			(const unsigned char *)PQgetvalue(s->res, s->row, i), &s->blen[i]);
		if (!s->blob[i])
			abort(); /* out of memory, as xmalloc */
	}
	*len = s->blen[i];
	return s->blob[i];
}

static const void *pg_col_blob(struct db_stmt *st, int i)
{
	size_t n;
	const unsigned char *b = col_bytes(S(st), i, &n);

	return n ? b : NULL;
}

static int pg_col_bytes(struct db_stmt *st, int i)
{
	size_t n;

	col_bytes(S(st), i, &n);
	return (int)n;
}

/* BEGIN and the writers' lock, in one round trip; a reader (read-only)
 * takes no lock: its transactions only read, together */
static int pg_begin(struct db *db)
{
	if (D(db)->readonly)
		return pg_run(D(db), "BEGIN READ ONLY");
	return pg_run(D(db), "BEGIN; SELECT pg_advisory_xact_lock(" PG_WRITE_LOCK ")");
}

static int pg_commit(struct db *db)
{
	struct pg_db *d = D(db);
	PGresult *r = PQexec(d->c, "COMMIT");
	int rc = 0;

	/* COMMIT of a failed transaction "succeeds" as ROLLBACK */
	if (!res_ok(r) || strcmp(PQcmdStatus(r), "COMMIT")) {
		if (res_ok(r))
			set_err(d, "the transaction failed and was rolled back");
		else
			set_res_err(d, r);
		rc = -1;
	}
	PQclear(r);
	return rc;
}

static int pg_rollback(struct db *db)
{
	return pg_run(D(db), "ROLLBACK");
}

/* "VERB "name"" with the name quoted as an identifier */
static int pg_named(struct db *db, const char *verb, const char *name)
{
	struct pg_db *d = D(db);
	char *id = PQescapeIdentifier(d->c, name, strlen(name)), *sql;
	int rc;

	if (!id) {
		set_err(d, PQerrorMessage(d->c));
		return -1;
	}
	sql = xrealloc(NULL, strlen(verb) + strlen(id) + 2);
	sprintf(sql, "%s %s", verb, id);
	rc = pg_run(d, sql);
	free(sql);
	PQfreemem(id);
	return rc;
}

static int pg_savepoint(struct db *db, const char *name)
{
	return pg_named(db, "SAVEPOINT", name);
}

static int pg_release(struct db *db, const char *name)
{
	return pg_named(db, "RELEASE", name);
}

static int pg_rollback_to(struct db *db, const char *name)
{
	int rc = pg_named(db, "ROLLBACK TO", name);

	return pg_named(db, "RELEASE", name) ? -1 : rc;
}

static int pg_in_transaction(struct db *db)
{
	return PQtransactionStatus(D(db)->c) != PQTRANS_IDLE;
}

static int64_t pg_changes(struct db *db)
{
	return D(db)->changes;
}

static int64_t pg_last_id(struct db *db)
{
	return D(db)->last_id;
}

static const char *pg_errmsg(struct db *db)
{
	return D(db)->err ? D(db)->err : "no error";
}

static int pg_schema_version(struct db *db)
{
	struct pg_db *d = D(db);
	PGresult *r = PQexec(d->c, "SELECT version FROM finca_schema");
	int v = -1;

	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
		v = atoi(PQgetvalue(r, 0, 0));
	else
		set_res_err(d, r);
	PQclear(r);
	return v;
}

static int pg_set_schema_version(struct db *db, int v)
{
	char sql[64];

	snprintf(sql, sizeof sql, "UPDATE finca_schema SET version=%d", v);
	return pg_run(D(db), sql);
}

static void *pg_native(struct db *db)
{
	return D(db)->c;
}

/* NOTIFY and LISTEN: channel is one of the store's own names (an SQL
 * identifier), never the caller's text. */
static int pg_channel(struct pg_db *d, const char *verb, const char *channel)
{
	char sql[96];

	snprintf(sql, sizeof sql, "%s %s", verb, channel);
	return pg_run(d, sql);
}

static int pg_notify(struct db *db, const char *channel)
{
	return pg_channel(D(db), "NOTIFY", channel);
}

static int pg_listen(struct db *db, const char *channel)
{
	return pg_channel(D(db), "LISTEN", channel);
}

/* The notifications that arrived: 1 any, 0 none, -1 the connection failed. */
static int take_notifies(struct pg_db *d)
{
	PGnotify *n;
	int got = 0;

	if (!PQconsumeInput(d->c)) {
		set_err(d, PQerrorMessage(d->c));
		return -1;
	}
	while ((n = PQnotifies(d->c)) != NULL) {
		got = 1;
		PQfreemem(n);
	}
	return got;
}

static int pg_wait(struct db *db, int ms)
{
	struct pg_db *d = D(db);
	struct pollfd p = { PQsocket(d->c), POLLIN, 0 };
	int r;

	/* what came in with the connection's last commands first */
	if ((r = take_notifies(d)) != 0)
		return r;
	if (p.fd < 0) {
		set_err(d, "the connection is closed");
		return -1;
	}
	do
		r = poll(&p, 1, ms);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		set_err(d, strerror(errno));
		return -1;
	}
	return r == 0 ? 0 : take_notifies(d);
}

const struct db_ops db_pg = {
	.name = "postgresql",
	.open = pg_open,
	.close = pg_close,
	.prepare = pg_prepare,
	.finalize = pg_finalize,
	.bind_text = pg_bind_text,
	.bind_int64 = pg_bind_int64,
	.bind_blob = pg_bind_blob,
	.bind_null = pg_bind_null,
	.step = pg_step,
	.reset = pg_reset,
	.clear = pg_clear,
	.col_count = pg_col_count,
	.col_name = pg_col_name,
	.col_type = pg_col_type,
	.col_int64 = pg_col_int64,
	.col_text = pg_col_text,
	.col_blob = pg_col_blob,
	.col_bytes = pg_col_bytes,
	.exec = pg_exec,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.savepoint = pg_savepoint,
	.release = pg_release,
	.rollback_to = pg_rollback_to,
	.in_transaction = pg_in_transaction,
	.changes = pg_changes,
	.last_id = pg_last_id,
	.errmsg = pg_errmsg,
	.schema_version = pg_schema_version,
	.set_schema_version = pg_set_schema_version,
	.native = pg_native,
	.backup = pg_backup_copy,
	.restore = pg_backup_load,
	.backup_file = "finca.pgdump",
	.notify = pg_notify,
	.listen = pg_listen,
	.wait = pg_wait,
	.frag = {
		/* session has a bytea key and no row id: the inserting
		 * transaction's id (each session is inserted in its own) */
		[DB_FRAG_INSERT_ORDER] = "xmin::text::bigint",
		/* the planner picks the index itself */
		[DB_FRAG_CERT_CRL_INDEX] = "",
	},
};
