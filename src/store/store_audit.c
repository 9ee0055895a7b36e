/* Audit records and signed checkpoints.  The chain logic is in
 * src/audit/audit.c; this file only moves rows. */
#include "store/store.h"
#include "store/store_int.h"
#include "util/err.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void audit_rec_clear(struct audit_rec *r)
{
	free(r->actor);
	free(r->action);
	free(r->object);
	free(r->details);
	memset(r, 0, sizeof *r);
}

static size_t copy_blob(struct db_stmt *s, int i, unsigned char *dst, size_t max)
{
	size_t n = (size_t)db_col_bytes(s, i);

	if (n > max)
		n = max;
	if (n)
		memcpy(dst, db_col_blob(s, i), n);
	return n;
}

static void row_to_audit(struct db_stmt *s, struct audit_rec *r)
{
	memset(r, 0, sizeof *r);
	r->seq = db_col_int64(s, 0);
	r->at = db_col_int64(s, 1);
	r->actor = xstrdup(db_col_text(s, 2));
	r->action = xstrdup(db_col_text(s, 3));
	r->object = xstrdup(db_col_text(s, 4));
	r->details = xstrdup(db_col_text(s, 5));
	copy_blob(s, 6, r->prev, sizeof r->prev);
	r->hash_len = copy_blob(s, 7, r->hash, sizeof r->hash);
}

#define AUDIT_COLS "seq,at,actor,action,object,details,prev_hash,hash"

int store_audit_last(struct store *st, struct audit_rec *out)
{
	static const char sql[] =
		"SELECT " AUDIT_COLS " FROM audit ORDER BY seq DESC LIMIT 1";
	struct db_stmt *s = store_stmt(st, sql);
	int sr;

	if (!s)
		return FINCA_ESTORE;
	sr = db_step(s);
	if (sr == DB_ROW)
		row_to_audit(s, out);
	db_reset(s);
	if (sr == DB_ROW)
		return FINCA_OK;
	return sr == DB_DONE ? FINCA_ENOTFOUND : store_err(st, "audit");
}

int store_audit_insert(struct store *st, const struct audit_rec *r)
{
	static const char sql[] = "INSERT INTO audit(" AUDIT_COLS
				  ") VALUES(?,?,?,?,?,?,?,?)";
	struct db_stmt *s = store_stmt(st, sql);
	int sr;

	if (!s)
		return FINCA_ESTORE;
	db_bind_int64(s, 1, r->seq);
	db_bind_int64(s, 2, r->at);
	db_bind_text(s, 3, r->actor);
	db_bind_text(s, 4, r->action);
	db_bind_text(s, 5, r->object);
	db_bind_text(s, 6, r->details);
	db_bind_blob(s, 7, r->prev, r->hash_len);
	db_bind_blob(s, 8, r->hash, r->hash_len);
	sr = db_step(s);
	db_reset(s);
	return sr == DB_DONE ? FINCA_OK : store_err(st, "appending audit");
}

int store_audit_iter(struct store *st, int64_t since, audit_cb cb, void *arg)
{
	static const char sql[] =
		"SELECT " AUDIT_COLS " FROM audit WHERE at>=? ORDER BY seq";
	struct db_stmt *s = store_stmt(st, sql);
	struct audit_rec r;
	int rc = FINCA_OK, sr;

	if (!s)
		return FINCA_ESTORE;
	db_bind_int64(s, 1, since);
	while ((sr = db_step(s)) == DB_ROW) {
		row_to_audit(s, &r);
		rc = cb(arg, &r);
		audit_rec_clear(&r);
		if (rc != FINCA_OK)
			break;
	}
	if (rc == FINCA_OK && sr != DB_DONE && sr != DB_ROW)
		rc = store_err(st, "reading audit");
	db_reset(s);
	return rc;
}

/* Binds a text filter's value at *i and moves on; "" and NULL bind nothing. */
static void bind_text(struct db_stmt *s, int *i, const char *v, size_t n)
{
	if (v && *v)
		db_bind_text_copy(s, (*i)++, v, (int)n);
}

/* The SQL is made of fixed pieces, one per filter given; the values are
 * bound in the same order.  A prefix is a range on the column, so that
 * the index (binary collation) is used: col >= v AND col < v||U+10FFFF. */
#define AUDIT_PREFIX(col) " AND " col ">=? AND " col "<?||'" DB_MAX_CHAR "'"

int store_audit_find(struct store *st, const struct audit_filter *f,
		     audit_cb cb, void *arg, int64_t *next)
{
	char sql[512];
	size_t alen = f->action ? strlen(f->action) : 0;
	int aprefix = alen && (f->action[alen - 1] == '.' || f->action[alen - 1] == '*');
	int has_obj = f->object && *f->object;
	struct db_stmt *s = NULL;
	struct audit_rec r;
	int64_t last = 0;
	int rc = FINCA_OK, sr, i = 1, n = 0;

	if (next)
		*next = 0;
	snprintf(sql, sizeof sql, "SELECT " AUDIT_COLS " FROM audit WHERE at>=?%s%s%s%s%s"
		 " ORDER BY seq%s LIMIT ?",
		 f->until ? " AND at<?" : "",
		 f->actor && *f->actor ? " AND actor=?" : "",
		 !alen ? "" : aprefix ? AUDIT_PREFIX("action") : " AND action=?",
		 has_obj ? AUDIT_PREFIX("object") : "",
		 !f->from ? "" : f->desc ? " AND seq<?" : " AND seq>?",
		 f->desc ? " DESC" : "");
	if (db_prepare(st->db, sql, &s) != 0)
		return store_err(st, "searching audit");
	db_bind_int64(s, i++, f->since);
	if (f->until)
		db_bind_int64(s, i++, f->until);
	bind_text(s, &i, f->actor, f->actor ? strlen(f->actor) : 0);
	/* "request." keeps its dot; "request*" seeks "request" */
	bind_text(s, &i, f->action, aprefix && f->action[alen - 1] == '*' ? alen - 1 : alen);
	if (aprefix)
		bind_text(s, &i, f->action, f->action[alen - 1] == '*' ? alen - 1 : alen);
	if (has_obj) {
		bind_text(s, &i, f->object, strlen(f->object));
		bind_text(s, &i, f->object, strlen(f->object));
	}
	if (f->from)
		db_bind_int64(s, i++, f->from);
	db_bind_int64(s, i, f->limit > 0 ? (int64_t)f->limit + 1 : DB_NO_LIMIT);
	while ((sr = db_step(s)) == DB_ROW) {
		if (f->limit > 0 && n++ == f->limit) { /* more follow */
			if (next)
				*next = last;
			break;
		}
		row_to_audit(s, &r);
		last = r.seq;
		rc = cb(arg, &r);
		audit_rec_clear(&r);
		if (rc != FINCA_OK)
			break;
	}
	if (rc == FINCA_OK && sr != DB_DONE && sr != DB_ROW)
		rc = store_err(st, "searching audit");
	db_finalize(s);
	return rc;
}

int store_checkpoint_insert(struct store *st, const struct checkpoint_rec *c)
{
	static const char sql[] =
		"INSERT INTO audit_checkpoint(seq,at,hash,signer,sig)"
		" VALUES(?,?,?,?,?)";
	struct db_stmt *s = store_stmt(st, sql);
	int sr;

	if (!s)
		return FINCA_ESTORE;
	db_bind_int64(s, 1, c->seq);
	db_bind_int64(s, 2, c->at);
	db_bind_blob(s, 3, c->hash, c->hash_len);
	db_bind_text(s, 4, c->signer);
	db_bind_blob(s, 5, c->sig, c->sig_len);
	sr = db_step(s);
	db_reset(s);
	return sr == DB_DONE ? FINCA_OK : store_err(st, "checkpoint");
}

static void row_to_checkpoint(struct db_stmt *s, struct checkpoint_rec *c)
{
	memset(c, 0, sizeof *c);
	c->seq = db_col_int64(s, 0);
	c->at = db_col_int64(s, 1);
	c->hash_len = copy_blob(s, 2, c->hash, sizeof c->hash);
	snprintf(c->signer, sizeof c->signer, "%s",
		 db_col_text(s, 3));
	c->sig_len = copy_blob(s, 4, c->sig, sizeof c->sig);
}

int store_checkpoint_last(struct store *st, struct checkpoint_rec *out)
{
	static const char sql[] = "SELECT seq,at,hash,signer,sig FROM"
				  " audit_checkpoint ORDER BY seq DESC LIMIT 1";
	struct db_stmt *s = store_stmt(st, sql);
	int sr;

	if (!s)
		return FINCA_ESTORE;
	sr = db_step(s);
	if (sr == DB_ROW)
		row_to_checkpoint(s, out);
	db_reset(s);
	if (sr == DB_ROW)
		return FINCA_OK;
	return sr == DB_DONE ? FINCA_ENOTFOUND : store_err(st, "checkpoint");
}

int store_checkpoint_iter(struct store *st, checkpoint_cb cb, void *arg)
{
	static const char sql[] = "SELECT seq,at,hash,signer,sig FROM"
				  " audit_checkpoint ORDER BY seq";
	struct db_stmt *s = store_stmt(st, sql);
	struct checkpoint_rec c;
	int rc = FINCA_OK, sr;

	if (!s)
		return FINCA_ESTORE;
	while ((sr = db_step(s)) == DB_ROW) {
		row_to_checkpoint(s, &c);
		if ((rc = cb(arg, &c)) != FINCA_OK)
			break;
	}
	if (rc == FINCA_OK && sr != DB_DONE && sr != DB_ROW)
		rc = store_err(st, "reading checkpoints");
	db_reset(s);
	return rc;
}
