/* The SQL driver under the store: one table of operations per database
 * engine, so that the typed store functions (store_*.c) and their SQL are
 * written once for every backend: SQLite (db_sqlite.c) and PostgreSQL
 * (db_pg.c, libpq).
 *
 * The shared SQL keeps SQLite's parameters, "?" and "?NNN" (numbered, may
 * repeat); a driver whose engine numbers them otherwise ($1...) rewrites
 * them when it prepares.  A parameter not bound since the statement was
 * prepared or cleared (db_clear) is NULL.  What one engine cannot say as
 * the other does is a named fragment of the driver (enum db_frag) or an
 * operation of its own (transactions, the schema version).
 *
 * What the shared SQL takes for granted, that a second driver must give:
 * integers are 64 bits and a boolean reads as 0 or 1 (EXISTS in a select
 * list); text compares byte by byte (the prefix ranges, col >= v AND
 * col < v||U+10FFFF: PostgreSQL's "C" collation); a parameter's type
 * comes from what was bound (?1 IS NULL, text bound for an integer key:
 * SQLite's affinity converts); last_id is the key of the row just inserted
 * into a table whose key is "id"; instr(text, text), SQLite's position of
 * a string in another (0: absent), which PostgreSQL lacks (its strpos:
 * the driver defines instr when it opens).
 *
 * Private to src/store/. */
#ifndef FINCA_DB_H
#define FINCA_DB_H

#include <stddef.h>
#include <stdint.h>

struct db;
struct db_stmt;

/* How a database is opened (db_ops.open). */
enum {
	DB_OPEN_CREATE = 1,   /* make it when it does not exist */
	/* Never write, not even at open (a PostgreSQL hot standby, where any
	 * write fails): begin takes no write lock, nothing is created, and
	 * the engine itself refuses a write should one be tried. */
	DB_OPEN_READONLY = 2,
};

/* What db_step answers. */
enum db_step {
	DB_ERROR = -1, /* db_errmsg says what */
	DB_DONE = 0,   /* no (more) rows */
	DB_ROW,        /* a row: read it with db_col_* */
	DB_UNIQUE,     /* a UNIQUE or PRIMARY KEY constraint was violated */
};

/* "No limit" for a LIMIT: SQLite's -1 is an error to PostgreSQL, whose
 * NULL (or ALL) SQLite refuses; both take the largest integer. */
#define DB_NO_LIMIT INT64_MAX
#define DB_NO_LIMIT_SQL "9223372036854775807"

/* U+10FFFF in UTF-8, the last character: "col < v||'" DB_MAX_CHAR "'" is
 * the end of the range of the strings that start with v. */
#define DB_MAX_CHAR "\xf4\x8f\xbf\xbf"

/* A column's type in the current row (db_col_type). */
enum db_type { DB_NULL, DB_INTEGER, DB_FLOAT, DB_TEXT, DB_BLOB };

/* SQL that differs between engines, given by the driver. */
enum db_frag {
	/* a row's order of insertion in a table without an integer key
	 * (session), as an expression to ORDER BY */
	DB_FRAG_INSERT_ORDER,
	/* after "FROM cert": read the covering index cert_crl (CRLs), or "" */
	DB_FRAG_CERT_CRL_INDEX,
	DB_NFRAGS
};

struct db_ops {
	const char *name;
	/* Opens the database at where, as flags say (DB_OPEN_*); *out is the
	 * caller's (close).  Fails with FINCA_ENOTFOUND when it does not
	 * exist and DB_OPEN_CREATE is not given; the error is set
	 * (util/err.h). */
	int (*open)(const char *where, int flags, struct db **out);
	void (*close)(struct db *db);
	/* Compiles sql (NUL-terminated); persistent: the statement will be
	 * used many times (the store's cache).  *out is the caller's
	 * (finalize).  -1 on failure (db_errmsg). */
	int (*prepare)(struct db *db, const char *sql, int persistent,
		       struct db_stmt **out);
	void (*finalize)(struct db_stmt *s);
	/* Parameters count from 1.  Text of n bytes (-1: to the NUL); copy 0:
	 * v stays valid and unchanged until the statement is reset or bound
	 * again, copy 1: the driver keeps its own copy. */
	void (*bind_text)(struct db_stmt *s, int i, const char *v, int n, int copy);
	void (*bind_int64)(struct db_stmt *s, int i, int64_t v);
	/* not copied: as bind_text with copy 0 */
	void (*bind_blob)(struct db_stmt *s, int i, const void *v, size_t n);
	void (*bind_null)(struct db_stmt *s, int i);
	/* The next row; enum db_step. */
	int (*step)(struct db_stmt *s);
	/* Back to before the first row; the bindings stay (clear: all NULL). */
	void (*reset)(struct db_stmt *s);
	void (*clear)(struct db_stmt *s);
	/* Columns of the current row, from 0.  Text and blobs are the
	 * driver's until the next step, reset or finalize; text is NULL for
	 * NULL, a blob NULL when NULL or empty. */
	int (*col_count)(struct db_stmt *s);
	const char *(*col_name)(struct db_stmt *s, int i);
	int (*col_type)(struct db_stmt *s, int i);
	int64_t (*col_int64)(struct db_stmt *s, int i);
	const char *(*col_text)(struct db_stmt *s, int i);
	const void *(*col_blob)(struct db_stmt *s, int i);
	int (*col_bytes)(struct db_stmt *s, int i);
	/* Runs a script of statements with no parameters and no rows wanted
	 * (migrations).  -1 on failure (db_errmsg). */
	int (*exec)(struct db *db, const char *sql);
	/* Transactions: begin takes the write lock at once, so that no
	 * other writer comes between a transaction's reads and its writes
	 * (the audit chain's last record and the next; SQLite: BEGIN
	 * IMMEDIATE; PostgreSQL needs a lock of its own for it).  Savepoints
	 * nest inside (name: an SQL identifier).  0 ok, -1 failure
	 * (db_errmsg). */
	int (*begin)(struct db *db);
	int (*commit)(struct db *db);
	int (*rollback)(struct db *db);
	int (*savepoint)(struct db *db, const char *name);
	int (*release)(struct db *db, const char *name);
	/* rolls back to the savepoint and releases it */
	int (*rollback_to)(struct db *db, const char *name);
	/* 1 while a transaction is open (also after a failed commit) */
	int (*in_transaction)(struct db *db);
	/* Rows changed by the last INSERT, UPDATE or DELETE. */
	int64_t (*changes)(struct db *db);
	/* The integer key given to the last row inserted (INTEGER PRIMARY KEY
	 * "id"). */
	int64_t (*last_id)(struct db *db);
	/* The last failure's message; the driver's, valid until the next call. */
	const char *(*errmsg)(struct db *db);
	/* How many migrations have run (schema_version: -1 on failure). */
	int (*schema_version)(struct db *db);
	int (*set_schema_version)(struct db *db, int v);
	/* The engine's own connection handle, borrowed: for a tool
	 * that measures the engine itself (bench/list), never for the store. */
	void *(*native)(struct db *db);
	/* Copies the whole database, consistent as of one moment, to dest (a
	 * file, which must not exist), while other connections go on reading
	 * and writing.  SQLite: the online backup API, dest a database the
	 * store opens; PostgreSQL (pg_backup.c): pg_dump of a snapshot.
	 * within, when the driver's copy is no database the store can open,
	 * is called once on this very connection inside the moment copied
	 * (a transaction that sees exactly what the copy holds), so that the
	 * caller reads the copy's audit head and counters there; SQLite does
	 * not call it (the caller opens the copy).  NULL: this engine cannot
	 * back itself up.  FINCA_OK or an error code (the error is set,
	 * util/err.h). */
	int (*backup)(struct db *db, const char *dest, int (*within)(void *arg), void *arg);
	/* Loads src, a copy made by backup, into the database at where,
	 * which must hold no table (nothing is overwritten), then calls then
	 * (checks of what was loaded); when the load or then fails, what was
	 * loaded is removed again.  NULL: the copy is the database itself
	 * (SQLite: a file that the restore puts in place).  FINCA_OK or an
	 * error code (set). */
	int (*restore)(const char *where, const char *src, int (*then)(void *arg), void *arg);
	/* the copy's file name in a backup directory */
	const char *backup_file;
	/* Change notification between connections (PostgreSQL's NOTIFY and
	 * LISTEN); NULL where the engine has none (SQLite: readers look).
	 * notify: inside the writer's transaction, delivered at its commit
	 * (not at all on a rollback).  listen: this connection receives the
	 * channel's notifications from now on (fails on a hot standby).
	 * wait: blocks until one arrived (1, every pending one taken), ms
	 * passed (0), or the connection failed (-1, db_errmsg). */
	int (*notify)(struct db *db, const char *channel);
	int (*listen)(struct db *db, const char *channel);
	int (*wait)(struct db *db, int ms);
	const char *frag[DB_NFRAGS];
};

/* Every driver's handles start with these. */
struct db {
	const struct db_ops *ops;
};
struct db_stmt {
	const struct db_ops *ops;
};

extern const struct db_ops db_sqlite;
extern const struct db_ops db_pg;

/* db_pg's backup and restore members (pg_backup.c) */
int pg_backup_copy(struct db *db, const char *dest, int (*within)(void *arg), void *arg);
int pg_backup_load(const char *where, const char *src, int (*then)(void *arg), void *arg);

/* The driver for where: a postgresql:// or postgres:// URL, else a
 * SQLite file. */
const struct db_ops *db_driver(const char *where);

/* The operations as functions, for reading. */
static inline int db_prepare(struct db *db, const char *sql, struct db_stmt **out)
{
	return db->ops->prepare(db, sql, 0, out);
}
static inline void db_finalize(struct db_stmt *s)
{
	if (s)
		s->ops->finalize(s);
}
/* v must outlive the binding (until reset or the next bind of i) */
static inline void db_bind_text(struct db_stmt *s, int i, const char *v)
{
	s->ops->bind_text(s, i, v, -1, 0);
}
/* the driver copies v (n bytes; -1: to the NUL) */
static inline void db_bind_text_copy(struct db_stmt *s, int i, const char *v, int n)
{
	s->ops->bind_text(s, i, v, n, 1);
}
static inline void db_bind_int64(struct db_stmt *s, int i, int64_t v)
{
	s->ops->bind_int64(s, i, v);
}
static inline void db_bind_blob(struct db_stmt *s, int i, const void *v, size_t n)
{
	s->ops->bind_blob(s, i, v, n);
}
static inline void db_bind_null(struct db_stmt *s, int i)
{
	s->ops->bind_null(s, i);
}
static inline int db_step(struct db_stmt *s)
{
	return s->ops->step(s);
}
static inline void db_reset(struct db_stmt *s)
{
	s->ops->reset(s);
}
static inline void db_clear(struct db_stmt *s)
{
	s->ops->clear(s);
}
static inline int db_col_count(struct db_stmt *s)
{
	return s->ops->col_count(s);
}
static inline const char *db_col_name(struct db_stmt *s, int i)
{
	return s->ops->col_name(s, i);
}
static inline int db_col_type(struct db_stmt *s, int i)
{
	return s->ops->col_type(s, i);
}
static inline int64_t db_col_int64(struct db_stmt *s, int i)
{
	return s->ops->col_int64(s, i);
}
/* an integer column known to fit an int (status, reason, flags) */
static inline int db_col_int(struct db_stmt *s, int i)
{
	return (int)s->ops->col_int64(s, i);
}
static inline const char *db_col_text(struct db_stmt *s, int i)
{
	return s->ops->col_text(s, i);
}
static inline const void *db_col_blob(struct db_stmt *s, int i)
{
	return s->ops->col_blob(s, i);
}
static inline int db_col_bytes(struct db_stmt *s, int i)
{
	return s->ops->col_bytes(s, i);
}
static inline int db_exec(struct db *db, const char *sql)
{
	return db->ops->exec(db, sql);
}
static inline int64_t db_changes(struct db *db)
{
	return db->ops->changes(db);
}
static inline int64_t db_last_id(struct db *db)
{
	return db->ops->last_id(db);
}
static inline const char *db_errmsg(struct db *db)
{
	return db->ops->errmsg(db);
}
static inline void *db_native(struct db *db)
{
	return db->ops->native(db);
}
static inline const char *db_frag(struct db *db, enum db_frag f)
{
	return db->ops->frag[f];
}

#endif
