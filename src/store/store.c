#include "store/store.h"
#include "store/store_int.h"
#include "util/err.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Migrations, applied in order; PRAGMA user_version records how many ran.
 * Never edit a shipped entry: append a new one. */
static const char *const migrations[] = {
	/* 1: certificates, CRL bookkeeping, audit chain */
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE cert("
	" id INTEGER PRIMARY KEY,"
	" serial TEXT NOT NULL UNIQUE,"
	" serial_bin BLOB NOT NULL,"
	" issuer TEXT NOT NULL,"
	" profile TEXT NOT NULL,"
	" subject TEXT NOT NULL,"
	" id_number TEXT, unit_code TEXT,"
	" key_alg TEXT NOT NULL,"
	" not_before INTEGER NOT NULL, not_after INTEGER NOT NULL,"
	" issued_at INTEGER NOT NULL,"
	" status INTEGER NOT NULL DEFAULT 0 CHECK(status IN (0,1,2)),"
	" reason INTEGER, revoked_at INTEGER,"
	" replaces INTEGER REFERENCES cert(id),"
	" superseded_by INTEGER REFERENCES cert(id),"
	" der BLOB NOT NULL);" /* last, so scans skip the blob */
	"CREATE INDEX cert_not_after ON cert(not_after);"
	"CREATE INDEX cert_id_number ON cert(id_number) WHERE id_number IS NOT NULL;"
	/* covering index for CRL generation: no table row is read */
	"CREATE INDEX cert_crl ON cert(issuer, status, not_after, serial_bin,"
	" revoked_at, reason) WHERE status != 0;"
	"CREATE TABLE status_log(seq INTEGER PRIMARY KEY,"
	" cert_id INTEGER NOT NULL REFERENCES cert(id),"
	" status INTEGER NOT NULL, reason INTEGER, at INTEGER NOT NULL);"
	"CREATE INDEX status_log_cert ON status_log(cert_id, seq);"
	"CREATE TABLE crl(number INTEGER PRIMARY KEY, delta INTEGER NOT NULL,"
	" base INTEGER, this_update INTEGER NOT NULL,"
	" next_update INTEGER NOT NULL, log_seq INTEGER NOT NULL,"
	" entries INTEGER NOT NULL);"
	"CREATE TABLE audit(seq INTEGER PRIMARY KEY, at INTEGER NOT NULL,"
	" actor TEXT NOT NULL, action TEXT NOT NULL, object TEXT NOT NULL,"
	" details TEXT NOT NULL, prev_hash BLOB NOT NULL, hash BLOB NOT NULL);"
	"CREATE INDEX audit_at ON audit(at);"
	"CREATE TABLE audit_checkpoint(seq INTEGER PRIMARY KEY,"
	" at INTEGER NOT NULL, hash BLOB NOT NULL, signer TEXT NOT NULL,"
	" sig BLOB NOT NULL);",
	/* 2: accounts, each bound to one certificate, one role */
	"CREATE TABLE account(id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE,"
	" role TEXT NOT NULL CHECK(role IN ('admin','operator','approver',"
	"  'officer','auditor','app')),"
	" scope TEXT,"
	" cert_serial TEXT UNIQUE,"
	" password TEXT,"
	" created_at INTEGER NOT NULL,"
	" disabled INTEGER NOT NULL DEFAULT 0);",
	/* 3: USBKey inventory and its handover/return/state records */
	"CREATE TABLE token(id INTEGER PRIMARY KEY,"
	" serial TEXT NOT NULL UNIQUE,"
	" label TEXT NOT NULL, manufacturer TEXT NOT NULL, model TEXT NOT NULL,"
	" state TEXT NOT NULL CHECK(state IN ('in_stock','initialized','issued',"
	"  'suspended','returned','lost','damaged','destroyed')),"
	" pin_default INTEGER NOT NULL DEFAULT 1,"
	" so_pin BLOB,"
	" holder TEXT, holder_name TEXT,"
	" cert_serial TEXT, pending_serial TEXT,"
	" created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
	"CREATE INDEX token_holder ON token(holder) WHERE holder IS NOT NULL;"
	"CREATE INDEX token_cert ON token(cert_serial) WHERE cert_serial IS NOT NULL;"
	"CREATE TABLE token_event(id INTEGER PRIMARY KEY,"
	" token_id INTEGER NOT NULL REFERENCES token(id),"
	" at INTEGER NOT NULL, kind TEXT NOT NULL,"
	" from_state TEXT, to_state TEXT, actor TEXT NOT NULL,"
	" party TEXT, cert_serial TEXT, note TEXT);"
	"CREATE INDEX token_event_token ON token_event(token_id, id);",
	/* 4: the registration authority: organisations, requests and batches,
	 * attachments, access grants, expiry reminders and their delivery */
	"CREATE TABLE node(id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE,"
	" name TEXT NOT NULL,"
	" level TEXT NOT NULL CHECK(level IN ('province','city','county')),"
	" parent TEXT REFERENCES node(code), served_by TEXT REFERENCES node(code),"
	" email TEXT, webhook TEXT, created_at INTEGER NOT NULL);"
	"CREATE TABLE dept(id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE,"
	" name TEXT NOT NULL, node TEXT NOT NULL REFERENCES node(code),"
	" created_at INTEGER NOT NULL);"
	"CREATE TABLE app(id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE,"
	" name TEXT NOT NULL, dept TEXT NOT NULL REFERENCES dept(code),"
	" account TEXT, created_at INTEGER NOT NULL);"
	"CREATE TABLE unit(id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE,"
	" name TEXT NOT NULL, type TEXT NOT NULL,"
	" node TEXT NOT NULL REFERENCES node(code), officer TEXT,"
	" phone TEXT, email TEXT, webhook TEXT, created_at INTEGER NOT NULL);"
	"CREATE TABLE person(id INTEGER PRIMARY KEY, id_number TEXT NOT NULL UNIQUE,"
	" name TEXT NOT NULL, unit TEXT NOT NULL REFERENCES unit(code),"
	" phone TEXT, email TEXT, created_at INTEGER NOT NULL);"
	"CREATE INDEX person_unit ON person(unit);"
	"CREATE TABLE device(id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE,"
	" name TEXT NOT NULL, unit TEXT NOT NULL REFERENCES unit(code),"
	" created_at INTEGER NOT NULL);"
	"CREATE TABLE batch(id INTEGER PRIMARY KEY, unit TEXT NOT NULL,"
	" source TEXT, submitter TEXT NOT NULL, created_at INTEGER NOT NULL);"
	"CREATE TABLE request(id INTEGER PRIMARY KEY,"
	" batch INTEGER REFERENCES batch(id), type TEXT NOT NULL, state TEXT NOT NULL,"
	" unit TEXT NOT NULL, app TEXT, node TEXT NOT NULL,"
	" subject_kind TEXT NOT NULL, subject TEXT NOT NULL, name TEXT NOT NULL,"
	" cert_serial TEXT, token_serial TEXT, reason TEXT, data TEXT,"
	" emergency INTEGER NOT NULL DEFAULT 0,"
	" submitter TEXT, approver TEXT, operator TEXT, note TEXT,"
	" handler TEXT, handed_at INTEGER, new_token TEXT,"
	" old_returned INTEGER NOT NULL DEFAULT 0, result_serial TEXT,"
	" created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
	"CREATE INDEX request_batch ON request(batch);"
	"CREATE INDEX request_state ON request(state, node);"
	"CREATE INDEX request_unit ON request(unit, state);"
	"CREATE INDEX request_subject ON request(subject);"
	"CREATE TABLE request_event(id INTEGER PRIMARY KEY,"
	" request INTEGER NOT NULL REFERENCES request(id), at INTEGER NOT NULL,"
	" actor TEXT NOT NULL, from_state TEXT, to_state TEXT NOT NULL, note TEXT);"
	"CREATE INDEX request_event_request ON request_event(request, id);"
	"CREATE TABLE attachment(id INTEGER PRIMARY KEY,"
	" batch INTEGER NOT NULL REFERENCES batch(id), name TEXT NOT NULL,"
	" mime TEXT NOT NULL, sha256 TEXT NOT NULL, data BLOB NOT NULL,"
	" actor TEXT NOT NULL, at INTEGER NOT NULL);"
	"CREATE TABLE access_grant(id INTEGER PRIMARY KEY,"
	" person TEXT NOT NULL, app TEXT NOT NULL REFERENCES app(code),"
	" roles TEXT NOT NULL, not_after INTEGER,"
	" state TEXT NOT NULL CHECK(state IN ('active','withdrawn')),"
	" request INTEGER, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,"
	" UNIQUE(person, app));"
	"CREATE TABLE reminder(cert_serial TEXT NOT NULL, days INTEGER NOT NULL,"
	" at INTEGER NOT NULL, PRIMARY KEY(cert_serial, days));"
	"CREATE TABLE notice(id INTEGER PRIMARY KEY, created_at INTEGER NOT NULL,"
	" channel TEXT NOT NULL CHECK(channel IN ('webhook','smtp')),"
	" target TEXT NOT NULL, subject TEXT NOT NULL, body TEXT NOT NULL,"
	" state TEXT NOT NULL CHECK(state IN ('pending','sent','failed')),"
	" attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL,"
	" last_error TEXT);"
	"CREATE INDEX notice_due ON notice(state, next_at);",
	/* 5: the console's certificate list and dashboard (store_cert.c):
	 * certificates found from a holder or a unit code, counted from the
	 * indexes alone (cert_owner: every column a scope's count reads, in
	 * an order that keeps the holders' look-ups near each other), persons
	 * sought by name */
	"DROP INDEX cert_id_number;"
	"CREATE INDEX cert_holder ON cert(id_number, status, not_after)"
	" WHERE id_number IS NOT NULL;"
	"CREATE INDEX cert_owner ON cert(unit_code, id_number, status, not_after);"
	"CREATE INDEX cert_status ON cert(status, not_after);"
	"CREATE INDEX person_name ON person(name);",
	/* 6: the auditor's search (store_audit_find): an actor's or an
	 * action's records in seq order (keyset pages), objects by prefix */
	"CREATE INDEX audit_actor ON audit(actor, seq);"
	"CREATE INDEX audit_action ON audit(action, seq);"
	"CREATE INDEX audit_object ON audit(object, seq);",
	/* 7: containment.  A USBKey belongs to the node that made it (its
	 * operators see and act on it; NULL: the province's).  Sessions are
	 * kept hashed, bound to the certificate and the TLS client
	 * certificate they were opened with (auth/session.c). */
	"ALTER TABLE token ADD COLUMN node TEXT;"
	"CREATE INDEX token_node ON token(node, serial);"
	"CREATE TABLE session(hash BLOB PRIMARY KEY,"
	" account INTEGER NOT NULL REFERENCES account(id),"
	" cert_serial TEXT NOT NULL, peer BLOB,"
	" created_at INTEGER NOT NULL, seen_at INTEGER NOT NULL,"
	" expires_at INTEGER NOT NULL);"
	"CREATE INDEX session_account ON session(account, created_at);",
	/* 8: the loss-report code (挂失码) of each USBKey's PIN envelope, as an
	 * argon2id encoding (token/loss_code.c); a token's new envelope
	 * replaces its row */
	"CREATE TABLE loss_code(token TEXT PRIMARY KEY REFERENCES token(serial),"
	" hash TEXT NOT NULL, created_at INTEGER NOT NULL);",
	/* 9: art. 6 (代管): a county without a making unit of its own has its
	 * certificates made by the city that serves it.  The node that makes
	 * a unit's certificates is its node's served_by when set, else its
	 * node; an empty served_by serves nothing.  The one statement of the
	 * rule: every query and store_unit_maker read this view. */
	"CREATE VIEW unit_maker(unit, node) AS SELECT u.code,"
	" coalesce(nullif(n.served_by,''), n.code) FROM unit u JOIN node n ON n.code=u.node;",
};

int store_err(struct store *st, const char *what)
{
	return err_set(FINCA_ESTORE, "database: %s: %s", what,
		       sqlite3_errmsg(st->db));
}

int store_step_done(struct store *st, sqlite3_stmt *s, const char *what)
{
	int r = sqlite3_step(s);

	sqlite3_reset(s);
	return r == SQLITE_DONE ? FINCA_OK : store_err(st, what);
}

void store_bind_opt(sqlite3_stmt *s, int i, const char *v)
{
	if (v[0])
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, i);
}

void store_col_text(sqlite3_stmt *s, int i, char *dst, size_t n)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	snprintf(dst, n, "%s", t ? (const char *)t : "");
}

sqlite3_stmt *store_stmt(struct store *st, const char *sql)
{
	size_t i;

	for (i = 0; i < st->nstmts; i++)
		if (st->stmts[i].sql == sql) {
			sqlite3_reset(st->stmts[i].s);
			sqlite3_clear_bindings(st->stmts[i].s);
			return st->stmts[i].s;
		}
	if (st->nstmts == ARRAY_LEN(st->stmts))
		abort(); /* a programming error: raise the cache size */
	if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
			       &st->stmts[i].s, NULL) != SQLITE_OK) {
		store_err(st, "prepare");
		return NULL;
	}
	st->stmts[i].sql = sql;
	st->nstmts++;
	return st->stmts[i].s;
}

static int exec(struct store *st, const char *sql)
{
	char *e = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &e) != SQLITE_OK) {
		int rc = err_set(FINCA_ESTORE, "database: %s", e ? e : "?");
		sqlite3_free(e);
		return rc;
	}
	return FINCA_OK;
}

int store_schema_version(struct store *st)
{
	sqlite3_stmt *s;
	int v = -1;

	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) !=
	    SQLITE_OK)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return v;
}

static int migrate(struct store *st)
{
	int v, rc;
	char pragma[64];

	if ((rc = store_begin(st)) != FINCA_OK)
		return rc;
	v = store_schema_version(st);
	if (v < 0 || (size_t)v > ARRAY_LEN(migrations)) {
		store_rollback(st);
		return err_set(FINCA_ESTORE,
			       "database schema version %d is newer than this finca (%zu)",
			       v, ARRAY_LEN(migrations));
	}
	for (; (size_t)v < ARRAY_LEN(migrations); v++) {
		if ((rc = exec(st, migrations[v])) != FINCA_OK) {
			store_rollback(st);
			return err_wrap(rc, "migration %d", v + 1);
		}
	}
	snprintf(pragma, sizeof pragma, "PRAGMA user_version=%d", v);
	if ((rc = exec(st, pragma)) != FINCA_OK) {
		store_rollback(st);
		return rc;
	}
	return store_commit(st);
}

int store_open(const char *path, int create, struct store **out)
{
	struct store *st = xcalloc(1, sizeof *st);
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	int rc;

	if (create)
		flags |= SQLITE_OPEN_CREATE;
	else if (!path_exists(path)) {
		rc = err_set(FINCA_ENOTFOUND,
			     "%s: no database (run 'finca init' first)", path);
		goto fail;
	}
	if (sqlite3_open_v2(path, &st->db, flags, NULL) != SQLITE_OK) {
		rc = store_err(st, path);
		goto fail;
	}
	if (create)
		chmod(path, 0600); /* holds subscribers' identity numbers */
	sqlite3_busy_timeout(st->db, 10000);
	sqlite3_extended_result_codes(st->db, 1);
	/* WAL for concurrent readers; FULL so that a commit that returned is
	 * on disk: a certificate is never handed out before its record is
	 * durable. */
	if ((rc = exec(st, "PRAGMA journal_mode=WAL;"
			   "PRAGMA synchronous=FULL;"
			   "PRAGMA foreign_keys=ON;"
			   "PRAGMA cache_size=-65536;")) != FINCA_OK)
		goto fail;
	if ((rc = migrate(st)) != FINCA_OK)
		goto fail;
	*out = st;
	return FINCA_OK;
fail:
	store_free(st);
	return rc;
}

void store_free(struct store *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->nstmts; i++)
		sqlite3_finalize(st->stmts[i].s);
	sqlite3_close(st->db);
	free(st);
}

/* Transactions nest: an inner begin is a savepoint, so that an operation
 * that is one transaction on its own (revoking a certificate) can also be
 * part of a larger one (reporting a token lost). */
int store_begin(struct store *st)
{
	int rc = exec(st, st->depth ? "SAVEPOINT nest" : "BEGIN IMMEDIATE");

	if (rc == FINCA_OK)
		st->depth++;
	return rc;
}

int store_commit(struct store *st)
{
	int rc;

	if (st->depth > 1) {
		st->depth--;
		return exec(st, "RELEASE nest");
	}
	st->depth = 0;
	if ((rc = exec(st, "COMMIT")) != FINCA_OK && !sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

void store_rollback(struct store *st)
{
	if (st->depth > 1) {
		st->depth--;
		sqlite3_exec(st->db, "ROLLBACK TO nest; RELEASE nest", NULL, NULL, NULL);
		return;
	}
	st->depth = 0;
	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

int store_meta_get(struct store *st, const char *key, char **out)
{
	static const char sql[] = "SELECT value FROM meta WHERE key=?";
	sqlite3_stmt *s = store_stmt(st, sql);
	int r;

	if (!s)
		return FINCA_ESTORE;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	r = sqlite3_step(s);
	if (r == SQLITE_ROW) {
		*out = xstrdup((const char *)sqlite3_column_text(s, 0));
		sqlite3_reset(s);
		return FINCA_OK;
	}
	sqlite3_reset(s);
	if (r == SQLITE_DONE)
		return err_set(FINCA_ENOTFOUND, "no meta value '%s'", key);
	return store_err(st, "meta");
}

int store_meta_set(struct store *st, const char *key, const char *value)
{
	static const char sql[] =
		"INSERT INTO meta(key,value) VALUES(?,?) "
		"ON CONFLICT(key) DO UPDATE SET value=excluded.value";
	sqlite3_stmt *s = store_stmt(st, sql);
	int r;

	if (!s)
		return FINCA_ESTORE;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, value, -1, SQLITE_STATIC);
	r = sqlite3_step(s);
	sqlite3_reset(s);
	return r == SQLITE_DONE ? FINCA_OK : store_err(st, "meta");
}
