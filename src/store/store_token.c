/* USBKey inventory rows and their event records. */
#include "store/store.h"
#include "store/store_int.h"
#include "util/err.h"
#include "util/util.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#define TOKEN_COLS "id,serial,label,manufacturer,model,state,pin_default,so_pin," \
	"holder,holder_name,cert_serial,pending_serial,created_at,updated_at," \
	STORE_OR_PROVINCE("node")

void token_rec_clear(struct token_rec *t)
{
	if (t->so_pin)
		OPENSSL_cleanse(t->so_pin, t->so_pin_len);
	free(t->so_pin);
	memset(t, 0, sizeof *t);
}

static void row_to_token(struct db_stmt *s, struct token_rec *t)
{
	const void *b;

	memset(t, 0, sizeof *t);
	t->id = db_col_int64(s, 0);
	store_col_text(s, 1, t->serial, sizeof t->serial);
	store_col_text(s, 2, t->label, sizeof t->label);
	store_col_text(s, 3, t->manufacturer, sizeof t->manufacturer);
	store_col_text(s, 4, t->model, sizeof t->model);
	store_col_text(s, 5, t->state, sizeof t->state);
	t->pin_default = db_col_int(s, 6);
	if ((b = db_col_blob(s, 7)) != NULL) {
		t->so_pin_len = (size_t)db_col_bytes(s, 7);
		t->so_pin = xcalloc(1, t->so_pin_len);
		memcpy(t->so_pin, b, t->so_pin_len);
	}
	store_col_text(s, 8, t->holder, sizeof t->holder);
	store_col_text(s, 9, t->holder_name, sizeof t->holder_name);
	store_col_text(s, 10, t->cert_serial, sizeof t->cert_serial);
	store_col_text(s, 11, t->pending_serial, sizeof t->pending_serial);
	t->created_at = db_col_int64(s, 12);
	t->updated_at = db_col_int64(s, 13);
	store_col_text(s, 14, t->node, sizeof t->node);
}

/* Binds the mutable fields at 1..9. */
static void bind_token(struct db_stmt *s, const struct token_rec *t)
{
	db_bind_text(s, 1, t->label);
	db_bind_text(s, 2, t->manufacturer);
	db_bind_text(s, 3, t->model);
	db_bind_text(s, 4, t->state);
	db_bind_int64(s, 5, t->pin_default);
	if (t->so_pin)
		db_bind_blob(s, 6, t->so_pin, t->so_pin_len);
	store_bind_opt(s, 7, t->holder);
	store_bind_opt(s, 8, t->holder_name);
	store_bind_opt(s, 9, t->cert_serial);
	store_bind_opt(s, 10, t->pending_serial);
	db_bind_int64(s, 11, t->updated_at);
	store_bind_opt(s, 12, t->node);
}

int store_token_insert(struct store *st, struct token_rec *t)
{
	static const char sql[] =
		"INSERT INTO token(label,manufacturer,model,state,pin_default,so_pin,"
		"holder,holder_name,cert_serial,pending_serial,updated_at,node,serial,created_at)"
		" VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
	struct db_stmt *s = store_stmt(st, sql);
	int sr;

	if (!s)
		return FINCA_ESTORE;
	bind_token(s, t);
	db_bind_text(s, 13, t->serial);
	db_bind_int64(s, 14, t->created_at);
	sr = db_step(s);
	if (sr == DB_UNIQUE)
		return err_set(FINCA_ESTATE, "token %s is already in the inventory", t->serial);
	if (sr != DB_DONE)
		return store_err(st, "insert token");
	t->id = db_last_id(st->db);
	return FINCA_OK;
}

int store_token_update(struct store *st, const struct token_rec *t)
{
	static const char sql[] =
		"UPDATE token SET label=?,manufacturer=?,model=?,state=?,pin_default=?,"
		"so_pin=?,holder=?,holder_name=?,cert_serial=?,pending_serial=?,updated_at=?,"
		"node=? WHERE id=?";
	struct db_stmt *s = store_stmt(st, sql);

	if (!s)
		return FINCA_ESTORE;
	bind_token(s, t);
	db_bind_int64(s, 13, t->id);
	return store_step_done(st, s, "update token");
}

static int get_one(struct store *st, struct db_stmt *s, const char *key,
		   struct token_rec *out)
{
	int sr;

	memset(out, 0, sizeof *out);
	if (!s)
		return FINCA_ESTORE;
	db_bind_text(s, 1, key);
	sr = db_step(s);
	if (sr == DB_ROW)
		row_to_token(s, out);
	/* reset at once: a statement left stepping holds a read snapshot */
	db_reset(s);
	if (sr == DB_ROW)
		return FINCA_OK;
	if (sr == DB_DONE)
		return err_set(FINCA_ENOTFOUND, "token %s: not in the inventory", key);
	return store_err(st, "read token");
}

int store_token_get(struct store *st, const char *serial, struct token_rec *out)
{
	static const char sql[] = "SELECT " TOKEN_COLS " FROM token WHERE serial=?";

	return get_one(st, store_stmt(st, sql), serial, out);
}

int store_token_by_cert(struct store *st, const char *cert_serial,
			struct token_rec *out)
{
	static const char sql[] = "SELECT " TOKEN_COLS " FROM token WHERE cert_serial=?";

	return get_one(st, store_stmt(st, sql), cert_serial, out);
}

int store_token_list(struct store *st, const char *state, const char *node,
		     token_cb cb, void *arg)
{
	static const char sql[] = "SELECT " TOKEN_COLS " FROM token"
		" WHERE (?1 IS NULL OR state=?1) AND (?2 IS NULL OR "
		STORE_OR_PROVINCE("node") "=?2) ORDER BY serial";
	struct db_stmt *s = store_stmt(st, sql);
	struct token_rec t;
	int sr = DB_DONE, rc = FINCA_OK;

	if (!s)
		return FINCA_ESTORE;
	if (state)
		db_bind_text(s, 1, state);
	if (node)
		db_bind_text(s, 2, node);
	while (rc == FINCA_OK && (sr = db_step(s)) == DB_ROW) {
		row_to_token(s, &t);
		rc = cb(arg, &t);
		token_rec_clear(&t);
	}
	if (rc == FINCA_OK && sr != DB_DONE)
		rc = store_err(st, "list tokens");
	db_reset(s);
	return rc;
}

int store_token_of_holder(struct store *st, const char *holder, token_cb cb, void *arg)
{
	static const char sql[] = "SELECT " TOKEN_COLS " FROM token WHERE holder=?"
		" ORDER BY updated_at DESC, serial";
	struct db_stmt *s = store_stmt(st, sql);
	struct token_rec t;
	int sr = DB_DONE, rc = FINCA_OK;

	if (!s)
		return FINCA_ESTORE;
	db_bind_text(s, 1, holder);
	while (rc == FINCA_OK && (sr = db_step(s)) == DB_ROW) {
		row_to_token(s, &t);
		rc = cb(arg, &t);
		token_rec_clear(&t);
	}
	if (rc == FINCA_OK && sr != DB_DONE)
		rc = store_err(st, "list a holder's tokens");
	db_reset(s);
	return rc;
}

int store_token_active(struct store *st, const char *holder, int64_t *n)
{
	static const char sql[] = "SELECT count(*) FROM token"
		" WHERE holder=? AND state IN ('issued','suspended')";
	struct db_stmt *s = store_stmt(st, sql);

	if (!s)
		return FINCA_ESTORE;
	db_bind_text(s, 1, holder);
	if (db_step(s) != DB_ROW) {
		db_reset(s);
		return store_err(st, "count tokens");
	}
	*n = db_col_int64(s, 0);
	db_reset(s);
	return FINCA_OK;
}

int store_token_event_insert(struct store *st, int64_t token_id,
			     const struct token_event *e)
{
	static const char sql[] =
		"INSERT INTO token_event(token_id,at,kind,from_state,to_state,actor,party,"
		"cert_serial,note) VALUES(?,?,?,?,?,?,?,?,?)";
	struct db_stmt *s = store_stmt(st, sql);

	if (!s)
		return FINCA_ESTORE;
	db_bind_int64(s, 1, token_id);
	db_bind_int64(s, 2, e->at);
	db_bind_text(s, 3, e->kind);
	store_bind_opt(s, 4, e->from_state);
	store_bind_opt(s, 5, e->to_state);
	db_bind_text(s, 6, e->actor);
	store_bind_opt(s, 7, e->party);
	store_bind_opt(s, 8, e->cert_serial);
	store_bind_opt(s, 9, e->note);
	return store_step_done(st, s, "insert token event");
}

int store_token_events(struct store *st, int64_t token_id, token_event_cb cb,
		       void *arg)
{
	static const char sql[] =
		"SELECT at,kind,from_state,to_state,actor,party,cert_serial,note"
		" FROM token_event WHERE token_id=? ORDER BY id";
	struct db_stmt *s = store_stmt(st, sql);
	struct token_event e;
	int sr = DB_DONE, rc = FINCA_OK;

	if (!s)
		return FINCA_ESTORE;
	db_bind_int64(s, 1, token_id);
	while (rc == FINCA_OK && (sr = db_step(s)) == DB_ROW) {
		memset(&e, 0, sizeof e);
		e.at = db_col_int64(s, 0);
		store_col_text(s, 1, e.kind, sizeof e.kind);
		store_col_text(s, 2, e.from_state, sizeof e.from_state);
		store_col_text(s, 3, e.to_state, sizeof e.to_state);
		store_col_text(s, 4, e.actor, sizeof e.actor);
		store_col_text(s, 5, e.party, sizeof e.party);
		store_col_text(s, 6, e.cert_serial, sizeof e.cert_serial);
		store_col_text(s, 7, e.note, sizeof e.note);
		rc = cb(arg, &e);
	}
	if (rc == FINCA_OK && sr != DB_DONE)
		rc = store_err(st, "list token events");
	db_reset(s);
	return rc;
}
