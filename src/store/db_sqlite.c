/* The SQLite driver of the store (db.h): the only file that knows SQLite's
 * API, its pragmas and the SQL only it speaks. */
#include "store/db.h"
#include "util/err.h"
#include "util/util.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

struct sq_db {
	struct db base;
	sqlite3 *h;
	int readonly; /* DB_OPEN_READONLY: query_only, BEGIN without the lock */
};

struct sq_stmt {
	struct db_stmt base;
	sqlite3_stmt *s;
};

#define DB(d) (((struct sq_db *)(d))->h)
#define ST(x) (((struct sq_stmt *)(x))->s)

static void sq_close(struct db *db)
{
	if (!db)
		return;
	sqlite3_close(DB(db));
	free(db);
}

static int sq_exec(struct db *db, const char *sql)
{
	return sqlite3_exec(DB(db), sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

static int sq_open(const char *path, int how, struct db **out)
{
	struct sq_db *d;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	int create = (how & DB_OPEN_CREATE) && !(how & DB_OPEN_READONLY);
	int rc;

	if (create)
		flags |= SQLITE_OPEN_CREATE;
	else if (!path_exists(path))
		return err_set(FINCA_ENOTFOUND,
			       "%s: no database (run 'finca init' first)", path);
	d = xcalloc(1, sizeof *d);
	d->base.ops = &db_sqlite;
	d->readonly = (how & DB_OPEN_READONLY) != 0;
	if (sqlite3_open_v2(path, &d->h, flags, NULL) != SQLITE_OK) {
		rc = err_set(FINCA_ESTORE, "database: %s: %s", path,
			     sqlite3_errmsg(d->h));
		goto fail;
	}
	if (create)
		chmod(path, 0600); /* holds subscribers' identity numbers */
	sqlite3_busy_timeout(d->h, 10000);
	/* step tells a UNIQUE violation from other constraints */
	sqlite3_extended_result_codes(d->h, 1);
	/* WAL for concurrent readers; FULL so that a commit that returned is
	 * on disk: a certificate is never handed out before its record is
	 * durable. */
	if (sq_exec(&d->base, "PRAGMA journal_mode=WAL;"
			      "PRAGMA synchronous=FULL;"
			      "PRAGMA foreign_keys=ON;"
			      "PRAGMA cache_size=-65536;") != 0 ||
	    (d->readonly && sq_exec(&d->base, "PRAGMA query_only=1") != 0)) {
		rc = err_set(FINCA_ESTORE, "database: %s", sqlite3_errmsg(d->h));
		goto fail;
	}
	*out = &d->base;
	return FINCA_OK;
fail:
	sq_close(&d->base);
	return rc;
}

static int sq_prepare(struct db *db, const char *sql, int persistent,
		      struct db_stmt **out)
{
	sqlite3_stmt *s;
	struct sq_stmt *x;

	if (sqlite3_prepare_v3(DB(db), sql, -1,
			       persistent ? SQLITE_PREPARE_PERSISTENT : 0, &s,
			       NULL) != SQLITE_OK)
		return -1;
	x = xcalloc(1, sizeof *x);
	x->base.ops = &db_sqlite;
	x->s = s;
	*out = &x->base;
	return 0;
}

static void sq_finalize(struct db_stmt *s)
{
	sqlite3_finalize(ST(s));
	free(s);
}

static void sq_bind_text(struct db_stmt *s, int i, const char *v, int n, int copy)
{
	sqlite3_bind_text(ST(s), i, v, n, copy ? SQLITE_TRANSIENT : SQLITE_STATIC);
}

static void sq_bind_int64(struct db_stmt *s, int i, int64_t v)
{
	sqlite3_bind_int64(ST(s), i, v);
}

static void sq_bind_blob(struct db_stmt *s, int i, const void *v, size_t n)
{
	sqlite3_bind_blob64(ST(s), i, v, (sqlite3_uint64)n, SQLITE_STATIC);
}

static void sq_bind_null(struct db_stmt *s, int i)
{
	sqlite3_bind_null(ST(s), i);
}

static int sq_step(struct db_stmt *s)
{
	switch (sqlite3_step(ST(s))) {
	case SQLITE_ROW:
		return DB_ROW;
	case SQLITE_DONE:
		return DB_DONE;
	case SQLITE_CONSTRAINT_UNIQUE:
		return DB_UNIQUE;
	default:
		return DB_ERROR;
	}
}

static void sq_reset(struct db_stmt *s)
{
	sqlite3_reset(ST(s));
}

static void sq_clear(struct db_stmt *s)
{
	sqlite3_clear_bindings(ST(s));
}

static int sq_col_count(struct db_stmt *s)
{
	return sqlite3_column_count(ST(s));
}

static const char *sq_col_name(struct db_stmt *s, int i)
{
	return sqlite3_column_name(ST(s), i);
}

static int sq_col_type(struct db_stmt *s, int i)
{
	switch (sqlite3_column_type(ST(s), i)) {
	case SQLITE_INTEGER:
		return DB_INTEGER;
	case SQLITE_FLOAT:
		return DB_FLOAT;
	case SQLITE_TEXT:
		return DB_TEXT;
	case SQLITE_BLOB:
		return DB_BLOB;
	default:
		return DB_NULL;
	}
}

static int64_t sq_col_int64(struct db_stmt *s, int i)
{
	return sqlite3_column_int64(ST(s), i);
}

static const char *sq_col_text(struct db_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(ST(s), i);
}

static const void *sq_col_blob(struct db_stmt *s, int i)
{
	return sqlite3_column_blob(ST(s), i);
}

static int sq_col_bytes(struct db_stmt *s, int i)
{
	return sqlite3_column_bytes(ST(s), i);
}

/* IMMEDIATE: take the write lock now rather than fail to upgrade a read
 * lock later (SQLITE_BUSY past the busy timeout's help) */
static int sq_begin(struct db *db)
{
	if (((struct sq_db *)db)->readonly)
		return sq_exec(db, "BEGIN"); /* a reader: no write lock */
	return sq_exec(db, "BEGIN IMMEDIATE");
}

static int sq_commit(struct db *db)
{
	return sq_exec(db, "COMMIT");
}

static int sq_rollback(struct db *db)
{
	return sq_exec(db, "ROLLBACK");
}

static int sq_named(struct db *db, const char *fmt, const char *name)
{
	char *sql = sqlite3_mprintf(fmt, name);
	int rc;

	if (!sql)
		return -1;
	rc = sq_exec(db, sql);
	sqlite3_free(sql);
	return rc;
}

static int sq_savepoint(struct db *db, const char *name)
{
	return sq_named(db, "SAVEPOINT \"%w\"", name);
}

static int sq_release(struct db *db, const char *name)
{
	return sq_named(db, "RELEASE \"%w\"", name);
}

static int sq_rollback_to(struct db *db, const char *name)
{
	int rc = sq_named(db, "ROLLBACK TO \"%w\"", name);

	return sq_named(db, "RELEASE \"%w\"", name) ? -1 : rc;
}

static int sq_in_transaction(struct db *db)
{
	return !sqlite3_get_autocommit(DB(db));
}

static int64_t sq_changes(struct db *db)
{
	return sqlite3_changes(DB(db));
}

static int64_t sq_last_id(struct db *db)
{
	return sqlite3_last_insert_rowid(DB(db));
}

static const char *sq_errmsg(struct db *db)
{
	return sqlite3_errmsg(DB(db));
}

/* PRAGMA user_version: the number of migrations run */
static int sq_schema_version(struct db *db)
{
	sqlite3_stmt *s;
	int v = -1;

	if (sqlite3_prepare_v2(DB(db), "PRAGMA user_version", -1, &s, NULL) !=
	    SQLITE_OK)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return v;
}

static int sq_set_schema_version(struct db *db, int v)
{
	char sql[64];

	snprintf(sql, sizeof sql, "PRAGMA user_version=%d", v);
	return sq_exec(db, sql);
}

static void *sq_native(struct db *db)
{
	return DB(db);
}

/* The online backup API: every page in one step, under one read
 * transaction of the source, so the copy is the database as of one
 * commit; in WAL mode writers go on meanwhile (and nothing restarts the
 * copy, as a step-by-step backup would after a write from another
 * connection).  A busy or locked answer (a checkpoint) is retried. */
static int sq_backup(struct db *db, const char *dest, int (*within)(void *arg), void *arg)
{
	sqlite3 *to = NULL;
	sqlite3_backup *b = NULL;
	int r, rc = FINCA_ESTORE, tries = 0;

	(void)within; /* the caller opens the copy */
	(void)arg;

	if (path_exists(dest)) {
		return err_set(FINCA_ESTATE, "%s: already exists", dest);
	}
	if (sqlite3_open_v2(dest, &to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		err_set(FINCA_ESTORE, "database: %s: %s", dest, sqlite3_errmsg(to));
		goto out;
	}
	chmod(dest, 0600); /* as sq_open: identity numbers */
	if (!(b = sqlite3_backup_init(to, "main", DB(db), "main"))) {
		err_set(FINCA_ESTORE, "database: backup to %s: %s", dest, sqlite3_errmsg(to));
		goto out;
	}
	while ((r = sqlite3_backup_step(b, -1)) == SQLITE_BUSY || r == SQLITE_LOCKED) {
		if (++tries > 1000)
			break;
		sqlite3_sleep(10);
	}
	r = sqlite3_backup_finish(b);
	b = NULL;
	if (r != SQLITE_OK) {
		err_set(FINCA_ESTORE, "database: backup to %s: %s", dest, sqlite3_errstr(r));
		goto out;
	}
	rc = FINCA_OK;
out:
	if (b)
		sqlite3_backup_finish(b);
	if (to && sqlite3_close(to) != SQLITE_OK && rc == FINCA_OK)
		rc = err_set(FINCA_ESTORE, "database: closing %s", dest);
	return rc;
}

const struct db_ops db_sqlite = {
	.name = "sqlite",
	.open = sq_open,
	.close = sq_close,
	.prepare = sq_prepare,
	.finalize = sq_finalize,
	.bind_text = sq_bind_text,
	.bind_int64 = sq_bind_int64,
	.bind_blob = sq_bind_blob,
	.bind_null = sq_bind_null,
	.step = sq_step,
	.reset = sq_reset,
	.clear = sq_clear,
	.col_count = sq_col_count,
	.col_name = sq_col_name,
	.col_type = sq_col_type,
	.col_int64 = sq_col_int64,
	.col_text = sq_col_text,
	.col_blob = sq_col_blob,
	.col_bytes = sq_col_bytes,
	.exec = sq_exec,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.savepoint = sq_savepoint,
	.release = sq_release,
	.rollback_to = sq_rollback_to,
	.in_transaction = sq_in_transaction,
	.changes = sq_changes,
	.last_id = sq_last_id,
	.errmsg = sq_errmsg,
	.schema_version = sq_schema_version,
	.set_schema_version = sq_set_schema_version,
	.native = sq_native,
	.backup = sq_backup,
	.backup_file = "finca.db",
	.frag = {
		/* session has a BLOB key: its rows keep SQLite's rowid */
		[DB_FRAG_INSERT_ORDER] = "rowid",
		[DB_FRAG_CERT_CRL_INDEX] = " INDEXED BY cert_crl",
	},
};
