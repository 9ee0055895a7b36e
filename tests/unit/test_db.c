/* The store's SQL driver through db.h alone (the SQLite driver over a real
 * file): what every driver must do the same, PostgreSQL's to come too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/db.h"
#include "util/err.h"

struct fx {
	char path[64];
	struct db *db; /* owned */
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);

	assert_non_null(f);
	snprintf(f->path, sizeof f->path, "/tmp/finca-db-%d.db", (int)getpid());
	unlink(f->path);
	assert_int_equal(db_sqlite.open(f->path, 1, &f->db), FINCA_OK);
	assert_int_equal(db_exec(f->db, "CREATE TABLE t(id INTEGER PRIMARY KEY,"
				 " name TEXT UNIQUE, n INTEGER, b BLOB)"), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char p[80];

	f->db->ops->close(f->db);
	unlink(f->path);
	snprintf(p, sizeof p, "%s-wal", f->path);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", f->path);
	unlink(p);
	free(f);
	return 0;
}

static int64_t count(struct db *db)
{
	struct db_stmt *s = NULL;
	int64_t n = -1;

	assert_int_equal(db_prepare(db, "SELECT count(*) FROM t", &s), 0);
	if (db_step(s) == DB_ROW)
		n = db_col_int64(s, 0);
	db_finalize(s);
	return n;
}

static void insert(struct db *db, const char *name, int64_t n)
{
	struct db_stmt *s = NULL;

	assert_int_equal(db_prepare(db, "INSERT INTO t(name,n) VALUES(?,?)", &s), 0);
	db_bind_text(s, 1, name);
	db_bind_int64(s, 2, n);
	assert_int_equal(db_step(s), DB_DONE);
	db_finalize(s);
}

static void test_missing(void **state)
{
	struct db *db = NULL;
	char p[96];

	(void)state;
	snprintf(p, sizeof p, "/tmp/finca-db-none-%d/finca.db", (int)getpid());
	assert_int_equal(db_sqlite.open(p, 0, &db), FINCA_ENOTFOUND);
	assert_null(db);
	assert_non_null(strstr(err_msg(), "no database"));
}

/* DB_OPEN_READONLY (a replica's store): reads work, the engine refuses a
 * write, a transaction takes no write lock (a writer goes on meanwhile) */
static void test_readonly(void **state)
{
	struct fx *f = *state;
	struct db *ro = NULL;
	struct db_stmt *s = NULL;

	assert_int_equal(db_exec(f->db, "INSERT INTO t(name) VALUES('a')"), 0);
	assert_int_equal(db_sqlite.open(f->path, DB_OPEN_READONLY, &ro), FINCA_OK);
	assert_int_equal(db_prepare(ro, "SELECT count(*) FROM t", &s), 0);
	assert_int_equal(db_step(s), DB_ROW);
	assert_int_equal(db_col_int64(s, 0), 1);
	db_finalize(s);
	assert_int_not_equal(db_exec(ro, "INSERT INTO t(name) VALUES('b')"), 0);
	assert_int_equal(ro->ops->begin(ro), 0);
	assert_int_equal(f->db->ops->begin(f->db), 0); /* not blocked by the reader */
	assert_int_equal(f->db->ops->commit(f->db), 0);
	assert_int_equal(ro->ops->commit(ro), 0);
	ro->ops->close(ro);
}

/* values in, the same values out, NULL as NULL; numbered parameters */
static void test_values(void **state)
{
	struct fx *f = *state;
	static const unsigned char blob[] = { 0, 1, 0xff, 0, 7 };
	struct db_stmt *s = NULL;
	char copy[8] = "copied";

	assert_int_equal(db_prepare(f->db, "INSERT INTO t(name,n,b) VALUES(?1,?2,?3)", &s), 0);
	db_bind_text_copy(s, 1, copy, 4); /* "copi" */
	memset(copy, 'x', sizeof copy - 1); /* the driver kept its own */
	db_bind_int64(s, 2, INT64_MIN);
	db_bind_blob(s, 3, blob, sizeof blob);
	assert_int_equal(db_step(s), DB_DONE);
	assert_int_equal(db_changes(f->db), 1);
	assert_int_equal(db_last_id(f->db), 1);
	db_reset(s);
	db_clear(s); /* all NULL again */
	assert_int_equal(db_step(s), DB_DONE);
	assert_int_equal(db_last_id(f->db), 2);
	db_finalize(s);

	assert_int_equal(db_prepare(f->db, "SELECT id,name,n,b,?1 AS p FROM t ORDER BY id", &s), 0);
	db_bind_text(s, 1, "param");
	assert_int_equal(db_col_count(s), 5);
	assert_string_equal(db_col_name(s, 4), "p");
	assert_int_equal(db_step(s), DB_ROW);
	assert_int_equal(db_col_int64(s, 0), 1);
	assert_int_equal(db_col_type(s, 1), DB_TEXT);
	assert_string_equal(db_col_text(s, 1), "copi");
	assert_true(db_col_int64(s, 2) == INT64_MIN);
	assert_int_equal(db_col_type(s, 3), DB_BLOB);
	assert_int_equal(db_col_bytes(s, 3), sizeof blob);
	assert_memory_equal(db_col_blob(s, 3), blob, sizeof blob);
	assert_string_equal(db_col_text(s, 4), "param");
	assert_int_equal(db_step(s), DB_ROW);
	assert_int_equal(db_col_type(s, 1), DB_NULL);
	assert_null(db_col_text(s, 1));
	assert_int_equal(db_col_type(s, 2), DB_NULL);
	assert_int_equal(db_col_int64(s, 2), 0);
	assert_null(db_col_blob(s, 3));
	assert_int_equal(db_col_bytes(s, 3), 0);
	assert_int_equal(db_step(s), DB_DONE);
	/* reset: the same rows again, the binding kept */
	db_reset(s);
	assert_int_equal(db_step(s), DB_ROW);
	assert_string_equal(db_col_text(s, 4), "param");
	db_finalize(s);
	db_finalize(NULL);
}

static void test_errors(void **state)
{
	struct fx *f = *state;
	struct db_stmt *s = NULL;

	assert_int_equal(db_prepare(f->db, "SELECT x FROM nowhere", &s), -1);
	assert_null(s);
	if (!strstr(db_errmsg(f->db), "nowhere"))
		fail_msg("%s", db_errmsg(f->db));
	insert(f->db, "a", 1);
	assert_int_equal(db_prepare(f->db, "INSERT INTO t(name) VALUES(?)", &s), 0);
	db_bind_text(s, 1, "a");
	assert_int_equal(db_step(s), DB_UNIQUE);
	db_reset(s);
	assert_non_null(strstr(db_errmsg(f->db), "UNIQUE"));
	db_finalize(s);
	assert_int_equal(db_exec(f->db, "INSERT INTO t(id) VALUES('x')"), -1);
	assert_int_equal(db_exec(f->db, "SELECT 1; nonsense"), -1);
	assert_int_equal(count(f->db), 1);
}

/* savepoints inside a transaction: the inner rolled back, the outer kept */
static void test_transactions(void **state)
{
	struct fx *f = *state;
	const struct db_ops *o = f->db->ops;

	assert_false(o->in_transaction(f->db));
	assert_int_equal(o->begin(f->db), 0);
	assert_true(o->in_transaction(f->db));
	insert(f->db, "outer", 1);
	assert_int_equal(o->savepoint(f->db, "nest"), 0);
	insert(f->db, "inner", 2);
	assert_int_equal(o->savepoint(f->db, "nest"), 0);
	insert(f->db, "innermost", 3);
	assert_int_equal(count(f->db), 3);
	assert_int_equal(o->rollback_to(f->db, "nest"), 0); /* innermost */
	assert_int_equal(count(f->db), 2);
	assert_int_equal(o->release(f->db, "nest"), 0); /* inner kept */
	assert_int_equal(o->savepoint(f->db, "nest"), 0);
	insert(f->db, "gone", 4);
	assert_int_equal(o->rollback_to(f->db, "nest"), 0);
	assert_true(o->in_transaction(f->db));
	assert_int_equal(o->commit(f->db), 0);
	assert_false(o->in_transaction(f->db));
	assert_int_equal(count(f->db), 2);

	/* a whole transaction rolled back, savepoint and all */
	assert_int_equal(o->begin(f->db), 0);
	insert(f->db, "later", 5);
	assert_int_equal(o->savepoint(f->db, "nest"), 0);
	insert(f->db, "later2", 6);
	assert_int_equal(o->rollback(f->db), 0);
	assert_false(o->in_transaction(f->db));
	assert_int_equal(count(f->db), 2);
	/* no transaction: nothing to commit */
	assert_int_equal(o->commit(f->db), -1);
}

static void test_schema_version(void **state)
{
	struct fx *f = *state;
	const struct db_ops *o = f->db->ops;

	assert_int_equal(o->schema_version(f->db), 0);
	assert_int_equal(o->set_schema_version(f->db, 9), 0);
	assert_int_equal(o->schema_version(f->db), 9);
	assert_non_null(db_native(f->db));
	for (int i = 0; i < DB_NFRAGS; i++)
		assert_non_null(db_frag(f->db, (enum db_frag)i));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_missing),
		cmocka_unit_test_setup_teardown(test_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transactions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_schema_version, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readonly, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
