/* Account rows. */
#include "store/store.h"
#include "store/store_int.h"
#include "util/err.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ACCOUNT_COLS "id,name,role,scope,cert_serial,password,created_at,disabled,person"

void account_rec_clear(struct account_rec *a)
{
	free(a->password);
	memset(a, 0, sizeof *a);
}

static void row_to_account(struct db_stmt *s, struct account_rec *a)
{
	const char *pw;

	memset(a, 0, sizeof *a);
	a->id = db_col_int64(s, 0);
	store_col_text(s, 1, a->name, sizeof a->name);
	store_col_text(s, 2, a->role, sizeof a->role);
	store_col_text(s, 3, a->scope, sizeof a->scope);
	store_col_text(s, 4, a->cert_serial, sizeof a->cert_serial);
	pw = db_col_text(s, 5);
	a->password = pw ? xstrdup(pw) : NULL;
	a->created_at = db_col_int64(s, 6);
	a->disabled = db_col_int(s, 7);
	store_col_text(s, 8, a->person, sizeof a->person);
}

int store_account_insert(struct store *st, struct account_rec *a)
{
	static const char sql[] =
		"INSERT INTO account(name,role,scope,cert_serial,password,created_at,person)"
		" VALUES(?,?,?,?,?,?,?)";
	struct db_stmt *s = store_stmt(st, sql);
	int sr;

	if (!s)
		return FINCA_ESTORE;
	db_bind_text(s, 1, a->name);
	db_bind_text(s, 2, a->role);
	store_bind_opt(s, 3, a->scope);
	store_bind_opt(s, 4, a->cert_serial);
	if (a->password)
		db_bind_text(s, 5, a->password);
	db_bind_int64(s, 6, a->created_at);
	db_bind_text(s, 7, a->person);
	sr = db_step(s);
	db_reset(s);
	if (sr == DB_UNIQUE)
		return err_set(FINCA_ESTATE,
			       "account '%s': the name or the certificate is already taken",
			       a->name);
	if (sr != DB_DONE)
		return store_err(st, "inserting account");
	a->id = db_last_id(st->db);
	return FINCA_OK;
}

static int get_one(struct store *st, struct db_stmt *s, const char *what,
		   struct account_rec *out)
{
	int sr = db_step(s);

	if (sr == DB_ROW) {
		account_rec_clear(out);
		row_to_account(s, out);
	}
	db_reset(s);
	if (sr == DB_ROW)
		return FINCA_OK;
	if (sr == DB_DONE)
		return err_why(FINCA_ENOTFOUND, NULL, "account.none", "no account for %s", what);
	return store_err(st, "reading account");
}

int store_account_by_name(struct store *st, const char *name, struct account_rec *out)
{
	static const char sql[] = "SELECT " ACCOUNT_COLS " FROM account WHERE name=?";
	struct db_stmt *s = store_stmt(st, sql);

	if (!s)
		return FINCA_ESTORE;
	db_bind_text(s, 1, name);
	return get_one(st, s, name, out);
}

int store_account_by_cert(struct store *st, const char *serial, struct account_rec *out)
{
	static const char sql[] = "SELECT " ACCOUNT_COLS " FROM account WHERE cert_serial=?";
	struct db_stmt *s = store_stmt(st, sql);

	if (!s)
		return FINCA_ESTORE;
	db_bind_text(s, 1, serial);
	return get_one(st, s, serial, out);
}

int store_account_by_id(struct store *st, int64_t id, struct account_rec *out)
{
	static const char sql[] = "SELECT " ACCOUNT_COLS " FROM account WHERE id=?";
	struct db_stmt *s = store_stmt(st, sql);
	char what[32];

	if (!s)
		return FINCA_ESTORE;
	db_bind_int64(s, 1, id);
	snprintf(what, sizeof what, "#%lld", (long long)id);
	return get_one(st, s, what, out);
}

int store_account_set_person(struct store *st, const char *name, const char *person)
{
	static const char sql[] = "UPDATE account SET person=? WHERE name=?";
	struct db_stmt *s = store_stmt(st, sql);
	int rc;

	if (!s)
		return FINCA_ESTORE;
	db_bind_text(s, 1, person);
	db_bind_text(s, 2, name);
	if ((rc = store_step_done(st, s, "renaming account")) != FINCA_OK)
		return rc;
	if (db_changes(st->db) == 0)
		return err_why(FINCA_ENOTFOUND, NULL, "account.none", "no account '%s'", name);
	return FINCA_OK;
}

int store_account_list(struct store *st, account_cb cb, void *arg)
{
	static const char sql[] = "SELECT " ACCOUNT_COLS " FROM account ORDER BY id";
	struct db_stmt *s = store_stmt(st, sql);
	struct account_rec a;
	int rc = FINCA_OK, sr;

	if (!s)
		return FINCA_ESTORE;
	while ((sr = db_step(s)) == DB_ROW) {
		row_to_account(s, &a);
		rc = cb(arg, &a);
		account_rec_clear(&a);
		if (rc != FINCA_OK)
			break;
	}
	if (rc == FINCA_OK && sr != DB_DONE && sr != DB_ROW)
		rc = store_err(st, "listing accounts");
	db_reset(s);
	return rc;
}
