#include "store/store.h"
#include "store/store_int.h"
#include "util/err.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Migrations, applied in order; the driver records how many ran (SQLite:
 * PRAGMA user_version).  Never edit a shipped entry: append a new one.
 * The text is SQLite's DDL (INTEGER PRIMARY KEY as the row id, BLOB); the
 * PostgreSQL driver translates its types when it runs it (db_pg.c): the
 * words INTEGER, BLOB and TEXT, wherever they stand, so no column may be
 * named after a type (km_envelope's blob column was, once). */
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
	/* 10: the requests that name a certificate (a renewal in hand takes
	 * it off the list of certificates due: store_cert_due) */
	"CREATE INDEX request_cert ON request(cert_serial) WHERE cert_serial IS NOT NULL;",
	/* 11: names people read (issue 14): an account's person (姓名), shown
	 * in greetings, beside submitter and approver, and as the 信息员 of
	 * the annex forms; a node's making unit (证书制作管理单位, art. 4:
	 * "省财政信息中心"), printed on the forms instead of the node's
	 * (a city's) name */
	"ALTER TABLE account ADD COLUMN person TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE node ADD COLUMN making_unit TEXT;",
	/* 12: the certificate holder (证书用户, issue 15) logs in with the
	 * USBKey: an account of role holder, made at its first login
	 * (auth/holder_account.c).  SQLite cannot change a CHECK: the table
	 * is made again, rows and ids kept.  The sessions, which reference
	 * it, go first and come back empty (everyone logs in again once). */
	"DROP TABLE session;"
	"CREATE TABLE account_new(id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE,"
	" role TEXT NOT NULL CHECK(role IN ('admin','operator','approver',"
	"  'officer','auditor','app','holder')),"
	" scope TEXT,"
	" cert_serial TEXT UNIQUE,"
	" password TEXT,"
	" created_at INTEGER NOT NULL,"
	" disabled INTEGER NOT NULL DEFAULT 0,"
	" person TEXT NOT NULL DEFAULT '');"
	"INSERT INTO account_new(id,name,role,scope,cert_serial,password,created_at,"
	" disabled,person) SELECT id,name,role,scope,cert_serial,password,created_at,"
	" disabled,person FROM account;"
	"DROP TABLE account;"
	"ALTER TABLE account_new RENAME TO account;"
	"CREATE TABLE session(hash BLOB PRIMARY KEY,"
	" account INTEGER NOT NULL REFERENCES account(id),"
	" cert_serial TEXT NOT NULL, peer BLOB,"
	" created_at INTEGER NOT NULL, seen_at INTEGER NOT NULL,"
	" expires_at INTEGER NOT NULL);"
	"CREATE INDEX session_account ON session(account, created_at);",
	/* 13 (issue 16): dual certificates.  cert_pair links a signing
	 * certificate to its encryption certificate (each certificate is in
	 * at most one pair); km_escrow keeps the encryption private key
	 * sealed to the KM key (km/km.c: SM2 encryption to ca/km.pub; never
	 * the clear key) */
	"CREATE TABLE cert_pair(sign_cert INTEGER PRIMARY KEY REFERENCES cert(id),"
	" enc_cert INTEGER NOT NULL UNIQUE REFERENCES cert(id));"
	"CREATE TABLE km_escrow(enc_cert INTEGER PRIMARY KEY REFERENCES cert(id),"
	" sign_cert INTEGER NOT NULL REFERENCES cert(id),"
	" key_alg TEXT NOT NULL, sealed BLOB NOT NULL,"
	" created_at INTEGER NOT NULL);",
	/* 14 (issue 16): the enveloped keys the KM made for a signing
	 * certificate's USBKey (km/envelope.c), kept so that the station or
	 * the agent fetches them later (GET /certs/{serial}/envelope): the
	 * pair's own encryption key at issuance, old ones at a key recovery.
	 * Each is encrypted to sign_serial's public key: useless without the
	 * USBKey */
	"CREATE TABLE km_envelope(id INTEGER PRIMARY KEY,"
	" sign_serial TEXT NOT NULL, enc_serial TEXT NOT NULL,"
	" format TEXT NOT NULL CHECK(format IN ('gmt0009','skf')),"
	" data BLOB NOT NULL, recovered INTEGER NOT NULL DEFAULT 0,"
	" created_at INTEGER NOT NULL,"
	" UNIQUE(sign_serial, enc_serial, format));",
	/* 15 (issue 16): key recovery's two-person rule (ra/recover.c): the
	 * first of its two approvals, by an account the second must not be;
	 * and what a production delivered besides one serial (the recovered
	 * encryption certificates, JSON) */
	"ALTER TABLE request ADD COLUMN approver1 TEXT;"
	"ALTER TABLE request ADD COLUMN result TEXT;",
	/* 16 (issue 17): the last CRL made of each kind ('full', 'delta'),
	 * signed, as handed out: what an OCSP replica on a read-only standby
	 * serves (finca serve --ocsp-only), which cannot make one */
	"CREATE TABLE crl_published(kind TEXT PRIMARY KEY"
	" CHECK(kind IN ('full','delta')),"
	" number INTEGER NOT NULL, der BLOB NOT NULL);",
	/* 17 (issue 16): km_envelope takes the PKCS#11 envelope of a P-256
	 * pair too (format p11ecdh, km/envelope.c), for tokens without SM2.
	 * A CHECK cannot be altered in SQLite: the table is made again,
	 * rows and ids kept (the PostgreSQL driver moves its identity on) */
	"CREATE TABLE km_envelope_new(id INTEGER PRIMARY KEY,"
	" sign_serial TEXT NOT NULL, enc_serial TEXT NOT NULL,"
	" format TEXT NOT NULL CHECK(format IN ('gmt0009','skf','p11ecdh')),"
	" data BLOB NOT NULL, recovered INTEGER NOT NULL DEFAULT 0,"
	" created_at INTEGER NOT NULL,"
	" UNIQUE(sign_serial, enc_serial, format));"
	"INSERT INTO km_envelope_new(id,sign_serial,enc_serial,format,data,recovered,"
	" created_at) SELECT id,sign_serial,enc_serial,format,data,recovered,created_at"
	" FROM km_envelope;"
	"DROP TABLE km_envelope;"
	"ALTER TABLE km_envelope_new RENAME TO km_envelope;",
};

int store_err(struct store *st, const char *what)
{
	return err_set(FINCA_ESTORE, "database: %s: %s", what,
		       db_errmsg(st->db));
}

int store_step_done(struct store *st, struct db_stmt *s, const char *what)
{
	int r = db_step(s);

	db_reset(s);
	return r == DB_DONE ? FINCA_OK : store_err(st, what);
}

void store_bind_opt(struct db_stmt *s, int i, const char *v)
{
	if (v[0])
		db_bind_text(s, i, v);
	else
		db_bind_null(s, i);
}

void store_col_text(struct db_stmt *s, int i, char *dst, size_t n)
{
	const char *t = db_col_text(s, i);

	snprintf(dst, n, "%s", t ? t : "");
}

/* key: the static string that names the statement; sql: its text */
static struct db_stmt *stmt(struct store *st, const char *key, const char *sql)
{
	size_t i;

	for (i = 0; i < st->nstmts; i++)
		if (st->stmts[i].sql == key) {
			db_reset(st->stmts[i].s);
			db_clear(st->stmts[i].s);
			return st->stmts[i].s;
		}
	if (st->nstmts == ARRAY_LEN(st->stmts))
		abort(); /* a programming error: raise the cache size */
	if (st->db->ops->prepare(st->db, sql, 1, &st->stmts[i].s) != 0) {
		store_err(st, "prepare");
		return NULL;
	}
	st->stmts[i].sql = key;
	st->nstmts++;
	return st->stmts[i].s;
}

struct db_stmt *store_stmt(struct store *st, const char *sql)
{
	return stmt(st, sql, sql);
}

struct db_stmt *store_stmt_frag(struct store *st, const char *tmpl, enum db_frag f)
{
	char sql[4096];

	if (snprintf(sql, sizeof sql, tmpl, db_frag(st->db, f)) >= (int)sizeof sql)
		abort(); /* a programming error: the buffer is too small */
	return stmt(st, tmpl, sql);
}

/* a script: "database: message" */
static int exec(struct store *st, const char *sql)
{
	if (db_exec(st->db, sql) != 0)
		return err_set(FINCA_ESTORE, "database: %s", db_errmsg(st->db));
	return FINCA_OK;
}

int store_schema_latest(void)
{
	return (int)ARRAY_LEN(migrations);
}

int store_schema_version(struct store *st)
{
	return st->db->ops->schema_version(st->db);
}

static int migrate(struct store *st)
{
	int v, rc;

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
	if (st->db->ops->set_schema_version(st->db, v) != 0) {
		rc = err_set(FINCA_ESTORE, "database: %s", db_errmsg(st->db));
		store_rollback(st);
		return rc;
	}
	return store_commit(st);
}

/* A reader's check in place of the migrations: the schema must be the
 * one this finca knows, since it may not make it so. */
static int schema_check(struct store *st)
{
	int v = store_schema_version(st);

	if (v < 0)
		return err_set(FINCA_ESTORE, "database: %s", db_errmsg(st->db));
	if (v != store_schema_latest())
		return err_why(FINCA_ESTORE, NULL, "store.schema_mismatch",
			       "database schema version %d, this finca's %d: a read-only "
			       "node migrates nothing (run the same finca's 'finca migrate' "
			       "against the primary)", v, store_schema_latest());
	return FINCA_OK;
}

const struct db_ops *db_driver(const char *where)
{
	if (!strncmp(where, "postgresql://", 13) || !strncmp(where, "postgres://", 11))
		return &db_pg;
	return &db_sqlite;
}

int store_open(const char *where, int create, struct store **out)
{
	struct store *st = xcalloc(1, sizeof *st);
	int rc;

	if ((rc = db_driver(where)->open(where, create ? DB_OPEN_CREATE : 0,
					 &st->db)) != FINCA_OK)
		goto fail;
	if ((rc = migrate(st)) != FINCA_OK)
		goto fail;
	*out = st;
	return FINCA_OK;
fail:
	store_free(st);
	return rc;
}

int store_open_readonly(const char *where, struct store **out)
{
	struct store *st = xcalloc(1, sizeof *st);
	int rc;

	if ((rc = db_driver(where)->open(where, DB_OPEN_READONLY, &st->db)) != FINCA_OK)
		goto fail;
	if ((rc = schema_check(st)) != FINCA_OK)
		goto fail;
	st->readonly = 1;
	*out = st;
	return FINCA_OK;
fail:
	store_free(st);
	return rc;
}

int store_version(const char *where, int *out)
{
	struct db *db = NULL;
	int rc;

	if ((rc = db_driver(where)->open(where, 0, &db)) != FINCA_OK)
		return rc;
	if ((*out = db->ops->schema_version(db)) < 0)
		rc = err_set(FINCA_ESTORE, "database: %s", db_errmsg(db));
	db->ops->close(db);
	return rc;
}

int store_is_readonly(const struct store *st)
{
	return st->readonly;
}

void store_free(struct store *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->nstmts; i++)
		db_finalize(st->stmts[i].s);
	if (st->db)
		st->db->ops->close(st->db);
	free(st);
}

/* Transactions nest: an inner begin is a savepoint, so that an operation
 * that is one transaction on its own (revoking a certificate) can also be
 * part of a larger one (reporting a token lost). */
int store_begin(struct store *st)
{
	const struct db_ops *o = st->db->ops;

	if ((st->depth ? o->savepoint(st->db, "nest") : o->begin(st->db)) != 0)
		return err_set(FINCA_ESTORE, "database: %s", db_errmsg(st->db));
	st->depth++;
	return FINCA_OK;
}

int store_commit(struct store *st)
{
	const struct db_ops *o = st->db->ops;
	int rc = FINCA_OK;

	if (st->depth > 1) {
		st->depth--;
		if (o->release(st->db, "nest") != 0)
			rc = err_set(FINCA_ESTORE, "database: %s", db_errmsg(st->db));
		return rc;
	}
	st->depth = 0;
	if (o->commit(st->db) != 0) {
		rc = err_set(FINCA_ESTORE, "database: %s", db_errmsg(st->db));
		if (o->in_transaction(st->db))
			o->rollback(st->db);
	}
	return rc;
}

void store_rollback(struct store *st)
{
	const struct db_ops *o = st->db->ops;

	if (st->depth > 1) {
		st->depth--;
		o->rollback_to(st->db, "nest");
		return;
	}
	st->depth = 0;
	if (o->in_transaction(st->db))
		o->rollback(st->db);
}

int store_meta_get(struct store *st, const char *key, char **out)
{
	static const char sql[] = "SELECT value FROM meta WHERE key=?";
	struct db_stmt *s = store_stmt(st, sql);
	int r;

	if (!s)
		return FINCA_ESTORE;
	db_bind_text(s, 1, key);
	r = db_step(s);
	if (r == DB_ROW) {
		*out = xstrdup(db_col_text(s, 0));
		db_reset(s);
		return FINCA_OK;
	}
	db_reset(s);
	if (r == DB_DONE)
		return err_set(FINCA_ENOTFOUND, "no meta value '%s'", key);
	return store_err(st, "meta");
}

int store_meta_set(struct store *st, const char *key, const char *value)
{
	static const char sql[] =
		"INSERT INTO meta(key,value) VALUES(?,?) "
		"ON CONFLICT(key) DO UPDATE SET value=excluded.value";
	struct db_stmt *s = store_stmt(st, sql);
	int r;

	if (!s)
		return FINCA_ESTORE;
	db_bind_text(s, 1, key);
	db_bind_text(s, 2, value);
	r = db_step(s);
	db_reset(s);
	return r == DB_DONE ? FINCA_OK : store_err(st, "meta");
}
