/* Certificate rows, their status log and CRL bookkeeping. */
#include "store/store.h"
#include "store/store_int.h"
#include "util/err.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CERT_COLS \
	"id,serial,serial_bin,issuer,profile,subject,id_number,unit_code," \
	"key_alg,not_before,not_after,issued_at,status,reason,revoked_at," \
	"replaces,superseded_by"

void cert_rec_clear(struct cert_rec *r)
{
	free(r->profile);
	free(r->subject);
	free(r->id_number);
	free(r->unit_code);
	free(r->key_alg);
	free(r->der);
	memset(r, 0, sizeof *r);
}

static void bind_opt_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, i);
}

static void bind_opt_id(sqlite3_stmt *s, int i, int64_t v)
{
	if (v)
		sqlite3_bind_int64(s, i, v);
	else
		sqlite3_bind_null(s, i);
}

int store_cert_insert(struct store *st, struct cert_rec *r)
{
	static const char sql[] =
		"INSERT INTO cert(serial,serial_bin,issuer,profile,subject,"
		"id_number,unit_code,key_alg,not_before,not_after,issued_at,"
		"status,replaces,der) VALUES(?,?,?,?,?,?,?,?,?,?,?,0,?,?)";
	sqlite3_stmt *s = store_stmt(st, sql);
	int sr;

	if (!s)
		return FINCA_ESTORE;
	sqlite3_bind_text(s, 1, r->serial, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 2, r->serial_bin, (int)r->serial_len, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, r->issuer, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, r->profile, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, r->subject, -1, SQLITE_STATIC);
	bind_opt_text(s, 6, r->id_number);
	bind_opt_text(s, 7, r->unit_code);
	sqlite3_bind_text(s, 8, r->key_alg, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 9, r->not_before);
	sqlite3_bind_int64(s, 10, r->not_after);
	sqlite3_bind_int64(s, 11, r->issued_at);
	bind_opt_id(s, 12, r->replaces);
	sqlite3_bind_blob(s, 13, r->der, (int)r->der_len, SQLITE_STATIC);
	sr = sqlite3_step(s);
	sqlite3_reset(s);
	if (sr == SQLITE_CONSTRAINT_UNIQUE)
		return err_set(FINCA_ESTATE, "serial %s is already taken",
			       r->serial);
	if (sr != SQLITE_DONE)
		return store_err(st, "inserting certificate");
	r->id = sqlite3_last_insert_rowid(st->db);
	return FINCA_OK;
}

static char *col_text(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t ? xstrdup((const char *)t) : NULL;
}

/* Reads a row of CERT_COLS (+ der at column 17 when with_der). */
static void row_to_rec(sqlite3_stmt *s, struct cert_rec *r, int with_der)
{
	const void *b;
	int n;

	memset(r, 0, sizeof *r);
	r->id = sqlite3_column_int64(s, 0);
	snprintf(r->serial, sizeof r->serial, "%s",
		 (const char *)sqlite3_column_text(s, 1));
	b = sqlite3_column_blob(s, 2);
	n = sqlite3_column_bytes(s, 2);
	if (n > (int)sizeof r->serial_bin)
		n = (int)sizeof r->serial_bin;
	if (b)
		memcpy(r->serial_bin, b, (size_t)n);
	r->serial_len = (size_t)n;
	snprintf(r->issuer, sizeof r->issuer, "%s",
		 (const char *)sqlite3_column_text(s, 3));
	r->profile = col_text(s, 4);
	r->subject = col_text(s, 5);
	r->id_number = col_text(s, 6);
	r->unit_code = col_text(s, 7);
	r->key_alg = col_text(s, 8);
	r->not_before = sqlite3_column_int64(s, 9);
	r->not_after = sqlite3_column_int64(s, 10);
	r->issued_at = sqlite3_column_int64(s, 11);
	r->status = sqlite3_column_int(s, 12);
	r->reason = sqlite3_column_int(s, 13);
	r->revoked_at = sqlite3_column_int64(s, 14);
	r->replaces = sqlite3_column_int64(s, 15);
	r->superseded_by = sqlite3_column_int64(s, 16);
	if (with_der) {
		n = sqlite3_column_bytes(s, 17);
		r->der = xcalloc(1, (size_t)n);
		if (n)
			memcpy(r->der, sqlite3_column_blob(s, 17), (size_t)n);
		r->der_len = (size_t)n;
	}
}

static int get_one(struct store *st, sqlite3_stmt *s, const char *what,
		   struct cert_rec *out)
{
	int r = sqlite3_step(s);

	if (r == SQLITE_ROW) {
		cert_rec_clear(out);
		row_to_rec(s, out, 1);
		sqlite3_reset(s);
		return FINCA_OK;
	}
	sqlite3_reset(s);
	if (r == SQLITE_DONE)
		return err_set(FINCA_ENOTFOUND, "certificate %s: not issued by this CA",
			       what);
	return store_err(st, "reading certificate");
}

int store_cert_get(struct store *st, const char *serial, struct cert_rec *out)
{
	static const char sql[] =
		"SELECT " CERT_COLS ",der FROM cert WHERE serial=?";
	sqlite3_stmt *s = store_stmt(st, sql);

	if (!s)
		return FINCA_ESTORE;
	sqlite3_bind_text(s, 1, serial, -1, SQLITE_STATIC);
	return get_one(st, s, serial, out);
}

int store_cert_get_id(struct store *st, int64_t id, struct cert_rec *out)
{
	static const char sql[] =
		"SELECT " CERT_COLS ",der FROM cert WHERE id=?";
	sqlite3_stmt *s = store_stmt(st, sql);
	char what[32];

	if (!s)
		return FINCA_ESTORE;
	sqlite3_bind_int64(s, 1, id);
	snprintf(what, sizeof what, "#%lld", (long long)id);
	return get_one(st, s, what, out);
}

int store_cert_set_status(struct store *st, int64_t id, int status,
			  int reason, int64_t at)
{
	static const char upd[] =
		"UPDATE cert SET status=?,reason=?,revoked_at=? WHERE id=?";
	static const char log[] =
		"INSERT INTO status_log(cert_id,status,reason,at) VALUES(?,?,?,?)";
	sqlite3_stmt *s;
	int rc;

	if ((s = store_stmt(st, upd)) == NULL)
		return FINCA_ESTORE;
	sqlite3_bind_int(s, 1, status);
	if (status == CERT_VALID) {
		sqlite3_bind_null(s, 2);
		sqlite3_bind_null(s, 3);
	} else {
		sqlite3_bind_int(s, 2, reason);
		sqlite3_bind_int64(s, 3, at);
	}
	sqlite3_bind_int64(s, 4, id);
	if ((rc = store_step_done(st, s, "updating status")) != FINCA_OK)
		return rc;
	if ((s = store_stmt(st, log)) == NULL)
		return FINCA_ESTORE;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int(s, 2, status);
	sqlite3_bind_int(s, 3, reason);
	sqlite3_bind_int64(s, 4, at);
	return store_step_done(st, s, "logging status");
}

int store_cert_set_superseded(struct store *st, int64_t id, int64_t by)
{
	static const char sql[] = "UPDATE cert SET superseded_by=? WHERE id=?";
	sqlite3_stmt *s = store_stmt(st, sql);

	if (!s)
		return FINCA_ESTORE;
	sqlite3_bind_int64(s, 1, by);
	sqlite3_bind_int64(s, 2, id);
	return store_step_done(st, s, "superseding");
}

int store_cert_list(struct store *st, const struct cert_filter *f,
		    cert_cb cb, void *arg)
{
	/* One statement for every filter: each condition is switched off by
	 * its own parameter, so the plan stays cached. */
	static const char sql[] =
		"SELECT " CERT_COLS ",CASE WHEN ?7 THEN der END FROM cert WHERE id>?1"
		" AND (?2<0 OR (?2=3 AND status=0 AND not_after<?3)"
		"  OR (?2=0 AND status=0 AND not_after>=?3)"
		"  OR (?2 IN (1,2) AND status=?2))"
		" AND (?4=0 OR (status=0 AND not_after>=?3 AND not_after<=?4))"
		" ORDER BY id LIMIT ?5";
	sqlite3_stmt *s = store_stmt(st, sql);
	struct cert_rec r;
	int rc = FINCA_OK, sr;

	if (!s)
		return FINCA_ESTORE;
	sqlite3_bind_int64(s, 1, f->after_id);
	sqlite3_bind_int(s, 2, f->status);
	sqlite3_bind_int64(s, 3, f->now);
	sqlite3_bind_int64(s, 4, f->expiring_before);
	sqlite3_bind_int64(s, 5, f->limit > 0 ? f->limit : -1);
	sqlite3_bind_int(s, 7, f->with_der);
	while ((sr = sqlite3_step(s)) == SQLITE_ROW) {
		row_to_rec(s, &r, f->with_der);
		rc = cb(arg, &r);
		cert_rec_clear(&r);
		if (rc != FINCA_OK)
			break;
	}
	if (rc == FINCA_OK && sr != SQLITE_DONE && sr != SQLITE_ROW)
		rc = store_err(st, "listing certificates");
	sqlite3_reset(s);
	return rc;
}

int store_cert_counts(struct store *st, int64_t now, int64_t counts[4])
{
	static const char sql[] =
		"SELECT CASE WHEN status=0 AND not_after<?1 THEN 3 ELSE status END,"
		" count(*) FROM cert GROUP BY 1";
	sqlite3_stmt *s = store_stmt(st, sql);
	int sr;

	if (!s)
		return FINCA_ESTORE;
	memset(counts, 0, 4 * sizeof counts[0]);
	sqlite3_bind_int64(s, 1, now);
	while ((sr = sqlite3_step(s)) == SQLITE_ROW) {
		int k = sqlite3_column_int(s, 0);
		if (k >= 0 && k < 4)
			counts[k] = sqlite3_column_int64(s, 1);
	}
	sqlite3_reset(s);
	return sr == SQLITE_DONE ? FINCA_OK : store_err(st, "counting");
}

int store_crl_entries(struct store *st, const char *issuer, int64_t now,
		      crl_entry_cb cb, void *arg)
{
	static const char sql[] =
		"SELECT serial_bin,revoked_at,reason,status FROM cert"
		" INDEXED BY cert_crl"
		" WHERE issuer=? AND status!=0 AND not_after>=?";
	sqlite3_stmt *s = store_stmt(st, sql);
	int rc = FINCA_OK, sr;

	if (!s)
		return FINCA_ESTORE;
	sqlite3_bind_text(s, 1, issuer, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, now);
	while ((sr = sqlite3_step(s)) == SQLITE_ROW) {
		rc = cb(arg, sqlite3_column_blob(s, 0),
			(size_t)sqlite3_column_bytes(s, 0),
			sqlite3_column_int64(s, 1), sqlite3_column_int(s, 2),
			sqlite3_column_int(s, 3));
		if (rc != FINCA_OK)
			break;
	}
	if (rc == FINCA_OK && sr != SQLITE_DONE)
		rc = store_err(st, "reading CRL entries");
	sqlite3_reset(s);
	return rc;
}

int store_status_changes(struct store *st, const char *issuer,
			 int64_t since_seq, status_change_cb cb, void *arg)
{
	/* the status at since_seq is the last logged one at or before it,
	 * or valid when none was logged */
	static const char sql[] =
		"SELECT " CERT_COLS ", (SELECT l2.status FROM status_log l2"
		"  WHERE l2.cert_id=c.id AND l2.seq<=?2"
		"  ORDER BY l2.seq DESC LIMIT 1)"
		" FROM cert c WHERE c.issuer=?1 AND c.id IN"
		" (SELECT DISTINCT cert_id FROM status_log WHERE seq>?2)";
	sqlite3_stmt *s = store_stmt(st, sql);
	struct cert_rec r;
	int rc = FINCA_OK, sr;

	if (!s)
		return FINCA_ESTORE;
	sqlite3_bind_text(s, 1, issuer, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, since_seq);
	while ((sr = sqlite3_step(s)) == SQLITE_ROW) {
		int old = sqlite3_column_type(s, 17) == SQLITE_NULL ?
				  CERT_VALID : sqlite3_column_int(s, 17);
		row_to_rec(s, &r, 0);
		rc = cb(arg, &r, old);
		cert_rec_clear(&r);
		if (rc != FINCA_OK)
			break;
	}
	if (rc == FINCA_OK && sr != SQLITE_DONE && sr != SQLITE_ROW)
		rc = store_err(st, "reading status changes");
	sqlite3_reset(s);
	return rc;
}

static int scalar(struct store *st, const char *sql, int64_t *out)
{
	sqlite3_stmt *s = store_stmt(st, sql);
	int sr;

	if (!s)
		return FINCA_ESTORE;
	sr = sqlite3_step(s);
	if (sr == SQLITE_ROW)
		*out = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return sr == SQLITE_ROW ? FINCA_OK : store_err(st, "query");
}

int store_status_seq(struct store *st, int64_t *out)
{
	static const char sql[] = "SELECT coalesce(max(seq),0) FROM status_log";

	return scalar(st, sql, out);
}

int store_crl_next_number(struct store *st, int64_t *out)
{
	/* full and delta CRLs share one numbering (RFC 5280 5.2.3) */
	static const char sql[] = "SELECT coalesce(max(number),0)+1 FROM crl";

	return scalar(st, sql, out);
}

int store_crl_insert(struct store *st, const struct crl_rec *c)
{
	static const char sql[] =
		"INSERT INTO crl(number,delta,base,this_update,next_update,"
		"log_seq,entries) VALUES(?,?,?,?,?,?,?)";
	sqlite3_stmt *s = store_stmt(st, sql);

	if (!s)
		return FINCA_ESTORE;
	sqlite3_bind_int64(s, 1, c->number);
	sqlite3_bind_int(s, 2, c->delta);
	bind_opt_id(s, 3, c->base);
	sqlite3_bind_int64(s, 4, c->this_update);
	sqlite3_bind_int64(s, 5, c->next_update);
	sqlite3_bind_int64(s, 6, c->log_seq);
	sqlite3_bind_int64(s, 7, c->entries);
	return store_step_done(st, s, "recording CRL");
}

int store_crl_last_full(struct store *st, struct crl_rec *out)
{
	static const char sql[] =
		"SELECT number,this_update,next_update,log_seq,entries FROM crl"
		" WHERE delta=0 ORDER BY number DESC LIMIT 1";
	sqlite3_stmt *s = store_stmt(st, sql);
	int sr;

	if (!s)
		return FINCA_ESTORE;
	sr = sqlite3_step(s);
	if (sr == SQLITE_ROW) {
		memset(out, 0, sizeof *out);
		out->number = sqlite3_column_int64(s, 0);
		out->this_update = sqlite3_column_int64(s, 1);
		out->next_update = sqlite3_column_int64(s, 2);
		out->log_seq = sqlite3_column_int64(s, 3);
		out->entries = sqlite3_column_int64(s, 4);
	}
	sqlite3_reset(s);
	if (sr == SQLITE_ROW)
		return FINCA_OK;
	if (sr == SQLITE_DONE)
		return err_set(FINCA_ENOTFOUND,
			       "no full CRL has been made yet (run 'finca crl' first)");
	return store_err(st, "reading CRLs");
}
