/* Login sessions, kept by the hash of their token (auth/session.c). */
#include "store/store.h"
#include "store/store_int.h"
#include "util/err.h"

#include <string.h>

int store_session_insert(struct store *st, const struct session_rec *r, int keep)
{
	static const char ins[] =
		"INSERT INTO session(hash,account,cert_serial,peer,created_at,seen_at,expires_at)"
		" VALUES(?,?,?,?,?,?,?)";
	/* the account's own oldest beyond keep, and everyone's expired; the
	 * latest inserted first among those opened in the same second (%s:
	 * the driver's order of insertion) */
	static const char trim[] =
		"DELETE FROM session WHERE expires_at<?2 OR hash IN (SELECT hash FROM session"
		" WHERE account=?1 ORDER BY created_at DESC, %s DESC"
		" LIMIT " DB_NO_LIMIT_SQL " OFFSET ?3)";
	struct db_stmt *s;
	int rc;

	if ((rc = store_begin(st)) != FINCA_OK)
		return rc;
	if (!(s = store_stmt(st, ins))) {
		rc = FINCA_ESTORE;
		goto fail;
	}
	db_bind_blob(s, 1, r->hash, sizeof r->hash);
	db_bind_int64(s, 2, r->account);
	db_bind_text(s, 3, r->cert_serial);
	if (r->has_peer)
		db_bind_blob(s, 4, r->peer, sizeof r->peer);
	db_bind_int64(s, 5, r->created_at);
	db_bind_int64(s, 6, r->seen_at);
	db_bind_int64(s, 7, r->expires_at);
	if ((rc = store_step_done(st, s, "insert session")) != FINCA_OK)
		goto fail;
	if (!(s = store_stmt_frag(st, trim, DB_FRAG_INSERT_ORDER))) {
		rc = FINCA_ESTORE;
		goto fail;
	}
	db_bind_int64(s, 1, r->account);
	db_bind_int64(s, 2, r->created_at);
	db_bind_int64(s, 3, keep);
	if ((rc = store_step_done(st, s, "trim sessions")) != FINCA_OK)
		goto fail;
	return store_commit(st);
fail:
	store_rollback(st);
	return rc;
}

int store_session_get(struct store *st, const unsigned char hash[32], struct session_rec *out)
{
	static const char sql[] =
		"SELECT account,cert_serial,peer,created_at,seen_at,expires_at FROM session"
		" WHERE hash=?";
	struct db_stmt *s = store_stmt(st, sql);
	const void *p;
	int sr;

	memset(out, 0, sizeof *out);
	if (!s)
		return FINCA_ESTORE;
	db_bind_blob(s, 1, hash, 32);
	sr = db_step(s);
	if (sr == DB_ROW) {
		memcpy(out->hash, hash, sizeof out->hash);
		out->account = db_col_int64(s, 0);
		store_col_text(s, 1, out->cert_serial, sizeof out->cert_serial);
		if ((p = db_col_blob(s, 2)) != NULL &&
		    db_col_bytes(s, 2) == (int)sizeof out->peer) {
			memcpy(out->peer, p, sizeof out->peer);
			out->has_peer = 1;
		}
		out->created_at = db_col_int64(s, 3);
		out->seen_at = db_col_int64(s, 4);
		out->expires_at = db_col_int64(s, 5);
	}
	db_reset(s);
	if (sr == DB_ROW)
		return FINCA_OK;
	if (sr == DB_DONE)
		return err_set(FINCA_ENOTFOUND, "session: unknown or ended");
	return store_err(st, "read session");
}

int store_session_touch(struct store *st, const unsigned char hash[32], int64_t now)
{
	static const char sql[] = "UPDATE session SET seen_at=?2 WHERE hash=?1";
	struct db_stmt *s = store_stmt(st, sql);

	if (!s)
		return FINCA_ESTORE;
	db_bind_blob(s, 1, hash, 32);
	db_bind_int64(s, 2, now);
	return store_step_done(st, s, "touch session");
}

int store_session_delete(struct store *st, const unsigned char hash[32])
{
	static const char sql[] = "DELETE FROM session WHERE hash=?";
	struct db_stmt *s = store_stmt(st, sql);

	if (!s)
		return FINCA_ESTORE;
	db_bind_blob(s, 1, hash, 32);
	return store_step_done(st, s, "end session");
}
