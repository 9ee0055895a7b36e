/* Making a CA (ca_init, in named steps): a table of options and what
 * each leaves in the directory, refusals leaving no database. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "ca/ca.h"
#include "util/err.h"
#include "util/util.h"

#define ALL_FILES "ca/issuing.key ca/issuing.csr ca/root.key ca/root.crt ca/issuing.crt " \
		  "ca/service.key ca/service.crt finca.conf finca.db"

static void cases_run(void **state)
{
	static const struct {
		const char *name, *pass, *pkcs11;
		int alg, external, twice;
		int rc;
		const char *files;   /* of ALL_FILES, those there afterwards */
		const char *audit;   /* "ca.init" when recorded */
	} cases[] = {
		{ "Test", "test-passphrase", NULL, KEY_P256, 0, 0, FINCA_OK,
		  "ca/issuing.key ca/root.key ca/root.crt ca/issuing.crt ca/service.key "
		  "ca/service.crt finca.conf finca.db", "ca.init" },
		{ "Test", "test-passphrase", NULL, KEY_P256, 1, 0, FINCA_OK,
		  "ca/issuing.key ca/issuing.csr ca/service.key ca/service.crt finca.conf "
		  "finca.db", "ca.init" },
		{ "Test", "test-passphrase", NULL, KEY_SM2, 0, 0, FINCA_OK,
		  "ca/issuing.key ca/root.key ca/root.crt ca/issuing.crt ca/service.key "
		  "ca/service.crt finca.conf finca.db", "ca.init" },
		{ "Test", "short", NULL, KEY_P256, 0, 0, FINCA_EINVAL, "", NULL },
		{ "Te,st", "test-passphrase", NULL, KEY_P256, 0, 0, FINCA_EINVAL, "", NULL },
		{ "Te=st", "test-passphrase", NULL, KEY_P256, 0, 0, FINCA_EINVAL, "", NULL },
		{ "Test", "test-passphrase", "/nonexistent/module.so", KEY_P256, 1, 0, FINCA_EINVAL,
		  "", NULL },
		/* a second time in the same directory: refused, the first stays */
		{ "Test", "test-passphrase", NULL, KEY_P256, 0, 1, FINCA_ESTATE,
		  "ca/issuing.key ca/root.key ca/root.crt ca/issuing.crt ca/service.key "
		  "ca/service.crt finca.conf finca.db", "ca.init" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct ca_init_opts o;
		char dir[64], cmd[96], files[256] = "", *all, *save = NULL;
		int rc;

		snprintf(dir, sizeof dir, "/tmp/finca-init-XXXXXX");
		assert_non_null(mkdtemp(dir));
		memset(&o, 0, sizeof o);
		o.dir = dir;
		o.name = cases[i].name;
		o.base_url = "http://127.0.0.1:9";
		o.algorithm = cases[i].alg;
		o.external_root = cases[i].external;
		o.pkcs11_module = cases[i].pkcs11;
		o.actor = "test";
		if (cases[i].twice && ca_init(&o, cases[i].pass) != FINCA_OK)
			fail_msg("case %zu: first ca_init: %s", i, err_msg());
		rc = ca_init(&o, cases[i].pass);
		if (rc != cases[i].rc)
			fail_msg("case %zu: %d (%s), expected %d", i, rc, err_msg(), cases[i].rc);
		all = xstrdup(ALL_FILES);
		for (char *w = strtok_r(all, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
			char *p = path_join(dir, w);
			if (path_exists(p))
				snprintf(files + strlen(files), sizeof files - strlen(files), "%s%s",
					 *files ? " " : "", w);
			free(p);
		}
		free(all);
		if (strcmp(files, cases[i].files))
			fail_msg("case %zu: files \"%s\", expected \"%s\"", i, files, cases[i].files);
		if (cases[i].audit) {
			struct ca *ca = NULL;
			sqlite3 *db = NULL;
			sqlite3_stmt *q;
			char *p = path_join(dir, "finca.db");
			assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
			free(p);
			assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM audit WHERE"
							    " action=?1", -1, &q, NULL), SQLITE_OK);
			sqlite3_bind_text(q, 1, cases[i].audit, -1, SQLITE_STATIC);
			assert_int_equal(sqlite3_step(q), SQLITE_ROW);
			assert_int_equal(sqlite3_column_int(q, 0), 1);
			sqlite3_finalize(q);
			sqlite3_close(db);
			/* and it opens as any command would */
			if (ca_open(dir, "test", &ca) != FINCA_OK)
				fail_msg("case %zu: ca_open: %s", i, err_msg());
			ca_free(ca);
		}
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		assert_int_equal(system(cmd), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cases_run),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
