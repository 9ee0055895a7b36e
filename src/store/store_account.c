/* Account rows. */
#include "store/store.h"
#include "store/store_int.h"
#include "util/err.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ACCOUNT_COLS "id,name,role,scope,cert_serial,password,created_at,disabled"

void account_rec_clear(struct account_rec *a)
{
	free(a->password);
	memset(a, 0, sizeof *a);
}

static void row_to_account(sqlite3_stmt *s, struct account_rec *a)
{
	const unsigned char *pw;

	memset(a, 0, sizeof *a);
	a->id = sqlite3_column_int64(s, 0);
	store_col_text(s, 1, a->name, sizeof a->name);
	store_col_text(s, 2, a->role, sizeof a->role);
	store_col_text(s, 3, a->scope, sizeof a->scope);
	store_col_text(s, 4, a->cert_serial, sizeof a->cert_serial);
	pw = sqlite3_column_text(s, 5);
	a->password = pw ? xstrdup((const char *)pw) : NULL;
	a->created_at = sqlite3_column_int64(s, 6);
	a->disabled = sqlite3_column_int(s, 7);
}

int store_account_insert(struct store *st, struct account_rec *a)
{
	static const char sql[] =
		"INSERT INTO account(name,role,scope,cert_serial,password,created_at)"
		" VALUES(?,?,?,?,?,?)";
	sqlite3_stmt *s = store_stmt(st, sql);
	int sr;

	if (!s)
		return FINCA_ESTORE;
	sqlite3_bind_text(s, 1, a->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, a->role, -1, SQLITE_STATIC);
	store_bind_opt(s, 3, a->scope);
	store_bind_opt(s, 4, a->cert_serial);
	if (a->password)
		sqlite3_bind_text(s, 5, a->password, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 6, a->created_at);
	sr = sqlite3_step(s);
	sqlite3_reset(s);
	if (sr == SQLITE_CONSTRAINT_UNIQUE)
		return err_set(FINCA_ESTATE,
			       "account '%s': the name or the certificate is already taken",
			       a->name);
	if (sr != SQLITE_DONE)
		return store_err(st, "inserting account");
	a->id = sqlite3_last_insert_rowid(st->db);
	return FINCA_OK;
}

static int get_one(struct store *st, sqlite3_stmt *s, const char *what,
		   struct account_rec *out)
{
	int sr = sqlite3_step(s);

	if (sr == SQLITE_ROW) {
		account_rec_clear(out);
		row_to_account(s, out);
	}
	sqlite3_reset(s);
	if (sr == SQLITE_ROW)
		return FINCA_OK;
	if (sr == SQLITE_DONE)
		return err_set(FINCA_ENOTFOUND, "no account for %s", what);
	return store_err(st, "reading account");
}

int store_account_by_name(struct store *st, const char *name, struct account_rec *out)
{
	static const char sql[] = "SELECT " ACCOUNT_COLS " FROM account WHERE name=?";
	sqlite3_stmt *s = store_stmt(st, sql);

	if (!s)
		return FINCA_ESTORE;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	return get_one(st, s, name, out);
}

int store_account_by_cert(struct store *st, const char *serial, struct account_rec *out)
{
	static const char sql[] = "SELECT " ACCOUNT_COLS " FROM account WHERE cert_serial=?";
	sqlite3_stmt *s = store_stmt(st, sql);

	if (!s)
		return FINCA_ESTORE;
	sqlite3_bind_text(s, 1, serial, -1, SQLITE_STATIC);
	return get_one(st, s, serial, out);
}

int store_account_by_id(struct store *st, int64_t id, struct account_rec *out)
{
	static const char sql[] = "SELECT " ACCOUNT_COLS " FROM account WHERE id=?";
	sqlite3_stmt *s = store_stmt(st, sql);
	char what[32];

	if (!s)
		return FINCA_ESTORE;
	sqlite3_bind_int64(s, 1, id);
	snprintf(what, sizeof what, "#%lld", (long long)id);
	return get_one(st, s, what, out);
}

int store_account_list(struct store *st, account_cb cb, void *arg)
{
	static const char sql[] = "SELECT " ACCOUNT_COLS " FROM account ORDER BY id";
	sqlite3_stmt *s = store_stmt(st, sql);
	struct account_rec a;
	int rc = FINCA_OK, sr;

	if (!s)
		return FINCA_ESTORE;
	while ((sr = sqlite3_step(s)) == SQLITE_ROW) {
		row_to_account(s, &a);
		rc = cb(arg, &a);
		account_rec_clear(&a);
		if (rc != FINCA_OK)
			break;
	}
	if (rc == FINCA_OK && sr != SQLITE_DONE && sr != SQLITE_ROW)
		rc = store_err(st, "listing accounts");
	sqlite3_reset(s);
	return rc;
}
