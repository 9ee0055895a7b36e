/* What the unit tests that need a real CA share: a fresh P-256 CA in a
 * temporary directory, finca's database opened beside it for setting up
 * rows, and their removal.  Header-only (each test is one file); include
 * it after cmocka.h. */
#ifndef FINCA_TEST_FIXTURE_H
#define FINCA_TEST_FIXTURE_H

#include "ca/ca.h"
#include "crypto/key.h"
#include "util/err.h"
#include "util/util.h"

#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fx {
	char dir[64];
	struct ca *ca;   /* owned */
	sqlite3 *db;     /* owned: a second connection to DIR/finca.db */
};

/* A new CA in /tmp/finca-TAG-XXXXXX, conf (NULL: none) appended to its
 * finca.conf before it is opened. */
static inline void fx_open(struct fx *f, const char *tag, const char *conf)
{
	struct ca_init_opts o;
	char *p;
	FILE *fp;

	memset(f, 0, sizeof *f);
	snprintf(f->dir, sizeof f->dir, "/tmp/finca-%s-XXXXXX", tag);
	assert_non_null(mkdtemp(f->dir));
	memset(&o, 0, sizeof o);
	o.dir = f->dir;
	o.name = "Test";
	o.base_url = "http://127.0.0.1:9";
	o.algorithm = KEY_P256;
	o.actor = "test";
	if (ca_init(&o, "test-passphrase") != FINCA_OK)
		fail_msg("ca_init: %s", err_msg());
	if (conf) {
		p = path_join(f->dir, "finca.conf");
		assert_non_null(fp = fopen(p, "a"));
		fputs(conf, fp);
		fclose(fp);
		free(p);
	}
	if (ca_open(f->dir, "test", &f->ca) != FINCA_OK)
		fail_msg("ca_open: %s", err_msg());
	p = path_join(f->dir, "finca.db");
	assert_int_equal(sqlite3_open(p, &f->db), SQLITE_OK);
	sqlite3_busy_timeout(f->db, 5000);
	free(p);
}

static inline void fx_close(struct fx *f)
{
	char cmd[96];

	sqlite3_close(f->db);
	ca_free(f->ca);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
}

/* Runs the SQL made from fmt on f->db; fails the test when it fails. */
__attribute__((format(printf, 2, 3)))
static inline void fx_sql(struct fx *f, const char *fmt, ...)
{
	char *q = NULL, *e = NULL;
	va_list ap;

	va_start(ap, fmt);
	assert_true(vasprintf(&q, fmt, ap) > 0);
	va_end(ap);
	if (sqlite3_exec(f->db, q, NULL, NULL, &e) != SQLITE_OK)
		fail_msg("%s: %s", q, e);
	free(q);
}

/* A new fixture (fx_open), freed by fx_teardown: cmocka's setup makes it
 * its *state. */
static inline struct fx *fx_new(const char *tag, const char *conf)
{
	struct fx *f = calloc(1, sizeof *f);

	assert_non_null(f);
	fx_open(f, tag, conf);
	return f;
}

/* cmocka's teardown of a fixture made by fx_new. */
static inline int fx_teardown(void **state)
{
	fx_close(*state);
	free(*state);
	return 0;
}

/* Leaves no certificate in the store (ca_init's own, the accounts bound to
 * them and their status log): a test then has only the rows it makes. */
static inline void fx_no_certs(struct fx *f)
{
	fx_sql(f, "DELETE FROM status_log; DELETE FROM account; UPDATE cert SET replaces=NULL,"
	       " superseded_by=NULL; DELETE FROM cert;");
}

#endif
