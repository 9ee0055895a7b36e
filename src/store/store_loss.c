/* The loss-report codes (挂失码) of USBKeys (token/loss_code.c): one row per
 * token, holding only the code's argon2id encoding. */
#include "store/store.h"
#include "store/store_int.h"
#include "util/err.h"
#include "util/util.h"

#include <string.h>

int store_loss_code_put(struct store *st, const char *token, const char *hash, int64_t at)
{
	static const char sql[] =
		"INSERT INTO loss_code(token, hash, created_at) VALUES(?,?,?)"
		" ON CONFLICT(token) DO UPDATE SET hash = excluded.hash,"
		" created_at = excluded.created_at";
	struct db_stmt *s = store_stmt(st, sql);

	if (!s)
		return FINCA_ESTORE;
	db_bind_text(s, 1, token);
	db_bind_text(s, 2, hash);
	db_bind_int64(s, 3, at);
	return store_step_done(st, s, "store the loss-report code");
}

int store_loss_code_find(struct store *st, const char *cert_serial, const char *holder,
			 int64_t now, loss_code_cb cb, void *arg)
{
	/* a token in use whose certificate still counts: a returned, lost or
	 * re-initialised token's code, or one whose certificate was revoked
	 * (renewed, updated, reissued) or expired, finds nothing */
	static const char sql[] =
		"SELECT t.serial, t.cert_serial, coalesce(t.holder, ''), t.state, l.hash"
		" FROM token t JOIN loss_code l ON l.token = t.serial"
		" JOIN cert c ON c.serial = t.cert_serial"
		" WHERE t.state IN ('issued', 'suspended') AND c.status IN (0, 1)"
		" AND c.not_after > ?3"
		" AND (t.cert_serial = ?1 OR (?1 IS NULL AND t.holder = ?2))"
		" ORDER BY t.id";
	struct db_stmt *s = store_stmt(st, sql);
	struct loss_code_rec r;
	int sr = DB_DONE, rc = FINCA_OK;

	if (!s)
		return FINCA_ESTORE;
	if (cert_serial)
		db_bind_text(s, 1, cert_serial);
	if (holder)
		db_bind_text(s, 2, holder);
	db_bind_int64(s, 3, now);
	while (rc == FINCA_OK && (sr = db_step(s)) == DB_ROW) {
		memset(&r, 0, sizeof r);
		store_col_text(s, 0, r.token, sizeof r.token);
		store_col_text(s, 1, r.cert_serial, sizeof r.cert_serial);
		store_col_text(s, 2, r.holder, sizeof r.holder);
		store_col_text(s, 3, r.state, sizeof r.state);
		r.hash = db_col_text(s, 4);
		rc = cb(arg, &r);
	}
	if (rc == FINCA_OK && sr != DB_DONE)
		rc = store_err(st, "loss-report codes");
	/* reset at once: a statement left stepping holds a read snapshot */
	db_reset(s);
	return rc;
}
