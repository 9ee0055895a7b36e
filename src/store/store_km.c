/* Dual certificates (cert_pair) and the KM's escrow (km_escrow): the
 * tables of migration 13 (store.c); the enveloped keys kept for the
 * USBKey side (km_envelope): migration 14. */
#include "store/store.h"
#include "store/store_int.h"
#include "util/err.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

int store_pair_insert(struct store *st, int64_t sign_id, int64_t enc_id)
{
	static const char sql[] = "INSERT INTO cert_pair(sign_cert,enc_cert) VALUES(?,?)";
	struct db_stmt *s = store_stmt(st, sql);

	if (!s)
		return FINCA_ESTORE;
	db_bind_int64(s, 1, sign_id);
	db_bind_int64(s, 2, enc_id);
	return store_step_done(st, s, "certificate pair");
}

int store_pair_other(struct store *st, int64_t id, int64_t *other, int *is_sign)
{
	static const char sql[] =
		"SELECT enc_cert, 1 FROM cert_pair WHERE sign_cert=?1"
		" UNION ALL SELECT sign_cert, 0 FROM cert_pair WHERE enc_cert=?1";
	struct db_stmt *s = store_stmt(st, sql);
	int r;

	if (!s)
		return FINCA_ESTORE;
	db_bind_int64(s, 1, id);
	r = db_step(s);
	if (r == DB_ROW) {
		*other = db_col_int64(s, 0);
		*is_sign = (int)db_col_int64(s, 1);
		db_reset(s);
		return FINCA_OK;
	}
	db_reset(s);
	if (r == DB_DONE)
		return FINCA_ENOTFOUND; /* not an error: most certificates are alone */
	return store_err(st, "certificate pair");
}

int store_escrow_insert(struct store *st, const struct escrow_rec *e)
{
	static const char sql[] =
		"INSERT INTO km_escrow(enc_cert,sign_cert,key_alg,sealed,created_at)"
		" VALUES(?,?,?,?,?)";
	struct db_stmt *s = store_stmt(st, sql);

	if (!s)
		return FINCA_ESTORE;
	db_bind_int64(s, 1, e->enc_cert);
	db_bind_int64(s, 2, e->sign_cert);
	db_bind_text(s, 3, e->key_alg);
	db_bind_blob(s, 4, e->sealed, e->sealed_len);
	db_bind_int64(s, 5, e->created_at);
	return store_step_done(st, s, "key escrow");
}

int store_escrow_get(struct store *st, int64_t enc_id, unsigned char **sealed,
		     size_t *len)
{
	static const char sql[] = "SELECT sealed FROM km_escrow WHERE enc_cert=?";
	struct db_stmt *s = store_stmt(st, sql);
	int r, n;

	if (!s)
		return FINCA_ESTORE;
	db_bind_int64(s, 1, enc_id);
	r = db_step(s);
	if (r == DB_ROW) {
		n = db_col_bytes(s, 0);
		*sealed = xcalloc(1, (size_t)n + 1);
		memcpy(*sealed, db_col_blob(s, 0), (size_t)n);
		*len = (size_t)n;
		db_reset(s);
		return FINCA_OK;
	}
	db_reset(s);
	if (r == DB_DONE)
		return err_why(FINCA_ENOTFOUND, NULL, "km.no_escrow",
			       "certificate #%lld: no escrowed key", (long long)enc_id);
	return store_err(st, "key escrow");
}

int store_escrow_of(struct store *st, const char *id_number, const char *unit_code,
		    escrow_cb cb, void *arg)
{
	static const char sql[] =
		"SELECT c.serial, e.key_alg, e.sealed FROM km_escrow e"
		" JOIN cert c ON c.id=e.enc_cert"
		" WHERE (?1 IS NOT NULL AND c.id_number=?1)"
		/* a unit's own: its persons' certificates name the unit too */
		" OR (?1 IS NULL AND ?2 IS NOT NULL AND c.unit_code=?2 AND c.id_number IS NULL)"
		" ORDER BY e.created_at, c.id";
	struct db_stmt *s = store_stmt(st, sql);
	int r = DB_DONE, rc = FINCA_OK;

	if (!s)
		return FINCA_ESTORE;
	if (id_number)
		db_bind_text(s, 1, id_number);
	else
		db_bind_null(s, 1);
	if (unit_code)
		db_bind_text(s, 2, unit_code);
	else
		db_bind_null(s, 2);
	while (rc == FINCA_OK && (r = db_step(s)) == DB_ROW)
		rc = cb(arg, db_col_text(s, 0), db_col_text(s, 1), db_col_blob(s, 2),
			(size_t)db_col_bytes(s, 2));
	db_reset(s);
	if (rc != FINCA_OK)
		return rc;
	return r == DB_DONE ? FINCA_OK : store_err(st, "key escrow");
}

int store_envelope_put(struct store *st, const struct envelope_rec *e)
{
	static const char sql[] =
		"INSERT INTO km_envelope(sign_serial,enc_serial,format,data,"
		"recovered,created_at) VALUES(?,?,?,?,?,?)"
		" ON CONFLICT(sign_serial,enc_serial,format) DO UPDATE SET"
		" data=excluded.data, recovered=excluded.recovered,"
		" created_at=excluded.created_at";
	struct db_stmt *s = store_stmt(st, sql);

	if (!s)
		return FINCA_ESTORE;
	db_bind_text(s, 1, e->sign_serial);
	db_bind_text(s, 2, e->enc_serial);
	db_bind_text(s, 3, e->format);
	db_bind_blob(s, 4, e->blob, e->len);
	db_bind_int64(s, 5, e->recovered);
	db_bind_int64(s, 6, e->created_at);
	return store_step_done(st, s, "enveloped key");
}

int store_envelope_list(struct store *st, const char *sign_serial, envelope_cb cb,
			void *arg)
{
	static const char sql[] =
		"SELECT enc_serial, format, data, recovered, created_at FROM km_envelope"
		" WHERE sign_serial=? ORDER BY id";
	struct db_stmt *s = store_stmt(st, sql);
	struct envelope_rec e;
	int r = DB_DONE, rc = FINCA_OK;

	if (!s)
		return FINCA_ESTORE;
	db_bind_text(s, 1, sign_serial);
	while (rc == FINCA_OK && (r = db_step(s)) == DB_ROW) {
		memset(&e, 0, sizeof e);
		e.sign_serial = sign_serial;
		e.enc_serial = db_col_text(s, 0);
		e.format = db_col_text(s, 1);
		e.blob = db_col_blob(s, 2);
		e.len = (size_t)db_col_bytes(s, 2);
		e.recovered = (int)db_col_int64(s, 3);
		e.created_at = db_col_int64(s, 4);
		rc = cb(arg, &e);
	}
	db_reset(s);
	if (rc != FINCA_OK)
		return rc;
	return r == DB_DONE ? FINCA_OK : store_err(st, "enveloped key");
}
