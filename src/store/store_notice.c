/* Expiry reminders (which certificate was reminded at which threshold) and
 * the notices queued for delivery (ra/remind.c). */
#include "store/store.h"
#include "store/store_int.h"
#include "util/err.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

static const char *col(struct db_stmt *s, int i)
{
	const char *t = db_col_text(s, i);

	return t ? t : "";
}

int store_reminder_due(struct store *st, int64_t now, int days,
		       expiring_cb cb, void *arg)
{
	/* The unit is the certificate's own (unit certificates) or its
	 * holder's; the making node is the unit's (view unit_maker, art. 6). */
	static const char sql[] =
		"SELECT c.serial, c.subject, c.not_after, c.id_number,"
		" coalesce(c.unit_code, p.unit), p.name, p.email,"
		" u.name, u.email, u.webhook, n.code, n.name, n.email, n.webhook,"
		" EXISTS (SELECT 1 FROM reminder r"
		"  WHERE r.cert_serial = c.serial AND r.days < ?2)"
		" FROM cert c"
		" LEFT JOIN person p ON p.id_number = c.id_number"
		" LEFT JOIN unit u ON u.code = coalesce(c.unit_code, p.unit)"
		" LEFT JOIN node n ON n.code = " STORE_UNIT_MAKER("u.code")
		" WHERE c.issuer = 'issuing' AND c.status = 0"
		" AND c.not_after > ?1 AND c.not_after <= ?1 + ?2 * 86400"
		" AND NOT EXISTS (SELECT 1 FROM reminder r"
		"  WHERE r.cert_serial = c.serial AND r.days = ?2)"
		" ORDER BY c.not_after, c.id";
	struct db_stmt *s = store_stmt(st, sql);
	struct expiring_rec e;
	int sr = DB_DONE, rc = FINCA_OK;

	if (!s)
		return FINCA_ESTORE;
	db_bind_int64(s, 1, now);
	db_bind_int64(s, 2, days);
	while (rc == FINCA_OK && (sr = db_step(s)) == DB_ROW) {
		e.serial = col(s, 0);
		e.subject = col(s, 1);
		e.not_after = db_col_int64(s, 2);
		e.id_number = col(s, 3);
		e.unit = col(s, 4);
		e.holder_name = col(s, 5);
		e.holder_email = col(s, 6);
		e.unit_name = col(s, 7);
		e.unit_email = col(s, 8);
		e.unit_webhook = col(s, 9);
		e.node = col(s, 10);
		e.node_name = col(s, 11);
		e.node_email = col(s, 12);
		e.node_webhook = col(s, 13);
		e.reminded_sooner = db_col_int(s, 14);
		rc = cb(arg, &e);
	}
	if (rc == FINCA_OK && sr != DB_DONE)
		rc = store_err(st, "certificates due for a reminder");
	/* reset at once: a statement left stepping holds a read snapshot */
	db_reset(s);
	return rc;
}

int store_reminder_insert(struct store *st, const char *serial, int days, int64_t at)
{
	/* the first reminder at a threshold stays (the key is both) */
	static const char sql[] =
		"INSERT INTO reminder(cert_serial, days, at) VALUES(?,?,?)"
		" ON CONFLICT(cert_serial, days) DO NOTHING";
	struct db_stmt *s = store_stmt(st, sql);

	if (!s)
		return FINCA_ESTORE;
	db_bind_text(s, 1, serial);
	db_bind_int64(s, 2, days);
	db_bind_int64(s, 3, at);
	return store_step_done(st, s, "insert reminder");
}

void notice_rec_clear(struct notice_rec *n)
{
	free(n->target);
	free(n->subject);
	free(n->body);
	free(n->last_error);
	memset(n, 0, sizeof *n);
}

int store_notice_insert(struct store *st, struct notice_rec *n)
{
	static const char sql[] =
		"INSERT INTO notice(created_at, channel, target, subject, body, state,"
		" attempts, next_at) VALUES(?,?,?,?,?,'pending',0,?)";
	struct db_stmt *s = store_stmt(st, sql);
	int rc;

	if (!s)
		return FINCA_ESTORE;
	db_bind_int64(s, 1, n->created_at);
	db_bind_text(s, 2, n->channel);
	db_bind_text(s, 3, n->target);
	db_bind_text(s, 4, n->subject);
	db_bind_text(s, 5, n->body);
	db_bind_int64(s, 6, n->next_at);
	if ((rc = store_step_done(st, s, "insert notice")) != FINCA_OK)
		return rc;
	n->id = db_last_id(st->db);
	snprintf(n->state, sizeof n->state, "pending");
	n->attempts = 0;
	return FINCA_OK;
}

static char *dup_col(struct db_stmt *s, int i)
{
	const char *t = db_col_text(s, i);

	return t ? xstrdup(t) : NULL;
}

int store_notice_due(struct store *st, int64_t now, int limit, notice_cb cb, void *arg)
{
	static const char sql[] =
		"SELECT id, created_at, channel, target, subject, body, state, attempts,"
		" next_at, last_error FROM notice"
		" WHERE state = 'pending' AND next_at <= ? ORDER BY next_at, id LIMIT ?";
	struct db_stmt *s = store_stmt(st, sql);
	struct notice_rec n;
	int sr = DB_DONE, rc = FINCA_OK;

	if (!s)
		return FINCA_ESTORE;
	db_bind_int64(s, 1, now);
	db_bind_int64(s, 2, limit > 0 ? limit : 100);
	while (rc == FINCA_OK && (sr = db_step(s)) == DB_ROW) {
		memset(&n, 0, sizeof n);
		n.id = db_col_int64(s, 0);
		n.created_at = db_col_int64(s, 1);
		store_col_text(s, 2, n.channel, sizeof n.channel);
		n.target = dup_col(s, 3);
		n.subject = dup_col(s, 4);
		n.body = dup_col(s, 5);
		store_col_text(s, 6, n.state, sizeof n.state);
		n.attempts = db_col_int(s, 7);
		n.next_at = db_col_int64(s, 8);
		n.last_error = dup_col(s, 9);
		rc = cb(arg, &n);
		notice_rec_clear(&n);
	}
	if (rc == FINCA_OK && sr != DB_DONE)
		rc = store_err(st, "due notices");
	db_reset(s);
	return rc;
}

int store_notice_lease(struct store *st, int64_t id, int64_t until)
{
	static const char sql[] =
		"UPDATE notice SET next_at = ? WHERE id = ? AND state = 'pending'";
	struct db_stmt *s = store_stmt(st, sql);

	if (!s)
		return FINCA_ESTORE;
	db_bind_int64(s, 1, until);
	db_bind_int64(s, 2, id);
	return store_step_done(st, s, "lease notice");
}

int store_notice_sent(struct store *st, int64_t id, int64_t at)
{
	static const char sql[] =
		"UPDATE notice SET state = 'sent', attempts = attempts + 1, next_at = ?,"
		" last_error = NULL WHERE id = ?";
	struct db_stmt *s = store_stmt(st, sql);

	if (!s)
		return FINCA_ESTORE;
	db_bind_int64(s, 1, at);
	db_bind_int64(s, 2, id);
	return store_step_done(st, s, "mark notice sent");
}

int store_notice_failed(struct store *st, int64_t id, int64_t now, const char *error)
{
	/* The right-hand sides see the row before the update: after the k-th
	 * failure the next try is 2^(k-1) minutes later (1, 2, 4 ... 64). */
	static const char sql[] =
		"UPDATE notice SET attempts = attempts + 1, last_error = ?3,"
		" state = CASE WHEN attempts + 1 >= ?4 THEN 'failed' ELSE 'pending' END,"
		" next_at = ?2 + (60 << attempts) WHERE id = ?1";
	struct db_stmt *s = store_stmt(st, sql);

	if (!s)
		return FINCA_ESTORE;
	db_bind_int64(s, 1, id);
	db_bind_int64(s, 2, now);
	db_bind_text(s, 3, error);
	db_bind_int64(s, 4, NOTICE_MAX_ATTEMPTS);
	return store_step_done(st, s, "mark notice failed");
}
