/* The audit chain over a real SQLite file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit/audit.h"
#include "crypto/key.h"
#include "store/store.h"
#include "util/err.h"

struct fx {
	char path[64];
	struct store *st;
	EVP_PKEY *key;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	snprintf(f->path, sizeof f->path, "/tmp/finca-audit-%d.db", (int)getpid());
	unlink(f->path);
	assert_int_equal(store_open(f->path, 1, &f->st), FINCA_OK);
	assert_int_equal(key_generate(KEY_SM2, &f->key), FINCA_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char p[80];
	store_free(f->st);
	EVP_PKEY_free(f->key);
	unlink(f->path);
	snprintf(p, sizeof p, "%s-wal", f->path);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", f->path);
	unlink(p);
	free(f);
	return 0;
}

static void append(struct fx *f, int n)
{
	assert_int_equal(store_begin(f->st), FINCA_OK);
	for (int i = 0; i < n; i++) {
		json_t *d = json_pack("{s:i, s:s}", "i", i, "name", "张三");
		assert_int_equal(audit_append(f->st, "SM3", "tester", "test.act", "obj", d, NULL),
				 FINCA_OK);
		json_decref(d);
	}
	assert_int_equal(store_commit(f->st), FINCA_OK);
}

static void sql(struct fx *f, const char *q)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, q, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static void chain(void **state)
{
	struct fx *f = *state;
	struct audit_report rep;

	append(f, 10);
	assert_int_equal(store_begin(f->st), FINCA_OK);
	assert_int_equal(audit_checkpoint(f->st, "SM3", f->key, "issuing"), FINCA_OK);
	assert_int_equal(store_commit(f->st), FINCA_OK);
	append(f, 5);
	assert_int_equal(audit_verify(f->st, "SM3", f->key, &rep), FINCA_OK);
	assert_int_equal(rep.records, 15);
	assert_int_equal(rep.checkpoints, 1);
	assert_int_equal(rep.last_checkpoint, 10);

	sql(f, "UPDATE audit SET details='{}' WHERE seq=7");
	assert_int_equal(audit_verify(f->st, "SM3", f->key, &rep), FINCA_EINTEGRITY);
	assert_int_equal(rep.bad_seq, 7);
}

static void truncated(void **state)
{
	struct fx *f = *state;
	struct audit_report rep;

	append(f, 3);
	assert_int_equal(store_begin(f->st), FINCA_OK);
	assert_int_equal(audit_checkpoint(f->st, "SM3", f->key, "issuing"), FINCA_OK);
	assert_int_equal(store_commit(f->st), FINCA_OK);
	sql(f, "DELETE FROM audit WHERE seq=3");
	assert_int_equal(audit_verify(f->st, "SM3", f->key, &rep), FINCA_EINTEGRITY);
	assert_non_null(strstr(err_msg(), "records after 2 were removed"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(chain, setup, teardown),
		cmocka_unit_test_setup_teardown(truncated, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
