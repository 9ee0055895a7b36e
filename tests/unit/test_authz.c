/* authz/: the rights table (role x right -> allowed), the scope rules
 * (role x target -> inside, or why not; the rows a list shows), and the
 * access grants an authorize request gives and withdraws.  The expected
 * values are the regulation's roles restated here on their own, not read
 * back from rights.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "authz/authz.h"
#include "util/err.h"
#include "util/util.h"

#define ROLES "admin auditor operator approver officer holder system app"

/* Every right, and the roles that have it. */
static const struct {
	const char *right, *roles;
} want_rights[] = {
	{ "cert.read", "admin auditor operator officer system" },
	{ "cert.write", "operator system" },
	{ "cert.admin", "admin system" },
	{ "crl.make", "operator system" },
	{ "audit.read", "auditor system" },
	{ "account.read", "admin auditor system" },
	{ "account.write", "admin system" },
	{ "profile.read", "admin auditor operator" },
	{ "app.auth", "app" },
	{ "token.read", "admin auditor operator system" },
	{ "token.write", "operator system" },
	{ "dash.read", "admin auditor operator approver officer holder system" },
	{ "org.read", "admin auditor operator approver officer system" },
	{ "org.write", "admin system" },
	{ "person.write", "admin officer system" },
	{ "request.read", "admin auditor operator approver officer holder system" },
	{ "request.create", "officer system" },
	{ "request.submit", "officer system" },
	{ "request.approve", "approver system" },
	{ "request.produce", "operator system" },
	{ "request.complete", "operator officer system" },
	{ "freeze.emergency", "officer holder system" },
	{ "batch.attach", "officer system" },
	{ "forms.print", "officer approver operator system" },
	{ "expiry.read", "admin auditor operator officer holder system" },
	{ "km.envelope", "operator holder system" },
	{ "me.read", "holder" },
	{ "me.write", "holder" },
};

static void role_at(size_t i, char *out, size_t n)
{
	const char *p = ROLES;
	size_t len;

	while (i--)
		p = strchr(p, ' ') + 1;
	len = strcspn(p, " ");
	snprintf(out, n, "%.*s", (int)(len < n ? len : n - 1), p);
}

static void rights(void **state)
{
	char role[16];
	size_t n = 0;

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(want_rights); i++)
		for (size_t r = 0; r < 8; r++) {
			struct actor a;
			role_at(r, role, sizeof role);
			memset(&a, 0, sizeof a);
			snprintf(a.role, sizeof a.role, "%s", role);
			if (actor_has(&a, want_rights[i].right) !=
			    word_in(want_rights[i].roles, role))
				fail_msg("%s x %s: expected %s", role, want_rights[i].right,
					 word_in(want_rights[i].roles, role) ? "allowed" : "refused");
		}
	/* the table has exactly these rights, in this order */
	for (n = 0; authz_right_at(n); n++) {
		assert_true(n < ARRAY_LEN(want_rights));
		assert_string_equal(authz_right_at(n), want_rights[n].right);
	}
	assert_int_equal(n, ARRAY_LEN(want_rights));
	/* nothing for an unknown right, an unknown role, no role */
	assert_false(authz_role_has("system", "cert.destroy"));
	assert_false(authz_role_has("root", "cert.read"));
	assert_false(authz_role_has("", "cert.read"));
	assert_false(authz_role_has(NULL, "cert.read"));
}

static void rights_json(void **state)
{
	char role[16];

	(void)state;
	for (size_t r = 0; r < 8; r++) {
		json_t *j;
		size_t k = 0;
		role_at(r, role, sizeof role);
		j = actor_rights_json(role);
		for (size_t i = 0; i < ARRAY_LEN(want_rights); i++)
			if (word_in(want_rights[i].roles, role)) {
				assert_true(k < json_array_size(j));
				assert_string_equal(json_string_value(json_array_get(j, k)),
						    want_rights[i].right);
				k++;
			}
		assert_int_equal(k, json_array_size(j));
		json_decref(j);
	}
	json_t *none = actor_rights_json("");
	assert_int_equal(json_array_size(none), 0);
	json_decref(none);
}

/* A target with one field set, by its initial: u(nit) n(ode) d(ept)
 * p(erson), or none. */
static void target_of(struct target *t, char field, const char *v)
{
	memset(t, 0, sizeof *t);
	if (field == 'u')
		t->unit = v;
	else if (field == 'n')
		t->node = v;
	else if (field == 'd')
		t->dept = v;
	else if (field == 'p')
		t->person = v;
}

static void scopes(void **state)
{
	static const struct {
		const char *role, *scope;
		char field;          /* what the target names (0: nothing) */
		const char *value;
		const char *why;     /* NULL: inside the scope */
	} cases[] = {
		{ "officer", "U1", 'u', "U1", NULL },
		{ "officer", "U1", 'u', "U2", "it belongs to another unit" },
		{ "officer", "U1", 'n', "U1", "it belongs to another unit" },
		{ "officer", "", 'u', "", "it belongs to another unit" },
		{ "operator", "N1", 'n', "N1", NULL },
		{ "operator", "N1", 'n', "N2", "another node makes it" },
		{ "operator", "N1", 'u', "N1", "another node makes it" },
		{ "approver", "DP", 'd', "DP", NULL },
		{ "approver", "DP", 'd', "DQ", "another department approves it" },
		{ "approver", "DP", 0, NULL, "another department approves it" },
		{ "holder", "350102199003071234", 'p', "350102199003071234", NULL },
		{ "holder", "350102199003071234", 'p', "110101199003071239", "it is not yours" },
		{ "admin", "", 'u', "U9", NULL },
		{ "auditor", "", 'n', "N9", NULL },
		{ "system", "", 'p', "x", NULL },
		{ "app", "AP", 'u', "AP", "your role has no scope here" },
		{ "", "", 'u', "U1", "your role has no scope here" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct actor a;
		struct target t;
		const char *got;
		memset(&a, 0, sizeof a);
		snprintf(a.role, sizeof a.role, "%s", cases[i].role);
		snprintf(a.scope, sizeof a.scope, "%s", cases[i].scope);
		target_of(&t, cases[i].field, cases[i].value);
		got = authz_out_of_scope(&a, &t);
		if (cases[i].why ? !got || strcmp(got, cases[i].why) : got != NULL)
			fail_msg("case %zu (%s %s): expected %s, got %s", i, cases[i].role,
				 cases[i].scope, cases[i].why ? cases[i].why : "inside",
				 got ? got : "inside");
		/* no target: nothing to check */
		assert_null(authz_out_of_scope(&a, NULL));
	}
}

static void row_scopes(void **state)
{
	static const struct {
		const char *role;
		int rows;
	} cases[] = {
		{ "officer", ROW_UNIT }, { "operator", ROW_NODE }, { "approver", ROW_DEPT },
		{ "holder", ROW_PERSON }, { "admin", ROW_ALL }, { "auditor", ROW_ALL },
		{ "system", ROW_ALL }, { "app", ROW_ALL },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct actor a;
		memset(&a, 0, sizeof a);
		snprintf(a.role, sizeof a.role, "%s", cases[i].role);
		if (actor_row_scope(&a) != cases[i].rows)
			fail_msg("%s: rows %d, expected %d", cases[i].role, actor_row_scope(&a),
				 cases[i].rows);
	}
}

/* actor_can is actor_has and the scope; actor_may says the same, and a
 * refusal is FINCA_EAUTH. */
static void may(void **state)
{
	static const struct {
		const char *role, *scope, *right, *unit;
		int ok;
	} cases[] = {
		{ "officer", "U1", "request.create", "U1", 1 },
		{ "officer", "U1", "request.create", "U2", 0 },   /* scope */
		{ "officer", "U1", "request.approve", "U1", 0 },  /* right */
		{ "system", "", "request.approve", "U2", 1 },
		{ "auditor", "", "request.create", NULL, 0 },
	};
	struct fx *f = *state;

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct actor a;
		struct target t;
		int rc;
		memset(&a, 0, sizeof a);
		snprintf(a.name, sizeof a.name, "t%zu", i);
		snprintf(a.role, sizeof a.role, "%s", cases[i].role);
		snprintf(a.scope, sizeof a.scope, "%s", cases[i].scope);
		target_of(&t, 'u', cases[i].unit);
		assert_int_equal(actor_can(&a, cases[i].right, &t), cases[i].ok);
		rc = actor_may(f->ca, &a, cases[i].right, &t);
		if (rc != (cases[i].ok ? FINCA_OK : FINCA_EAUTH))
			fail_msg("case %zu: actor_may %d (%s)", i, rc, err_msg());
	}
}

static int grant_setup(void **state)
{
	struct fx *f = fx_new("authz", NULL);

	fx_sql(f, "INSERT INTO node(code,name,level,created_at) VALUES ('N1','福州','city',0);"
	       "INSERT INTO dept(code,name,node,created_at) VALUES ('DP','预算处','N1',0);"
	       "INSERT INTO app(code,name,dept,created_at) VALUES ('AP','预算系统','DP',0);");
	*state = f;
	return 0;
}

/* The grant row of PA on AP as "state roles not_after", or "none". */
static void grant_row(struct fx *f, char *out, size_t n)
{
	sqlite3_stmt *q;

	assert_int_equal(sqlite3_prepare_v2(f->db, "SELECT state, roles, coalesce(not_after, 0)"
					    " FROM access_grant WHERE person='P1' AND app='AP'",
					    -1, &q, NULL), SQLITE_OK);
	if (sqlite3_step(q) == SQLITE_ROW)
		snprintf(out, n, "%s %s %lld", sqlite3_column_text(q, 0),
			 sqlite3_column_text(q, 1), (long long)sqlite3_column_int64(q, 2));
	else
		snprintf(out, n, "none");
	sqlite3_finalize(q);
}

static void grants(void **state)
{
	static const struct {
		int withdraw;
		const char *roles;
		int64_t not_after;
		int rc;
		const char *row;     /* the row afterwards */
	} steps[] = {
		{ 1, NULL, 0, FINCA_ESTATE, "none" },          /* nothing to withdraw */
		{ 0, "reader", 0, FINCA_OK, "active reader 0" },
		{ 0, "reader,writer", 4102444800, FINCA_OK, "active reader,writer 4102444800" },
		{ 1, NULL, 0, FINCA_OK, "withdrawn reader,writer 4102444800" },
		{ 1, NULL, 0, FINCA_ESTATE, "withdrawn reader,writer 4102444800" },
		{ 0, "reader", 0, FINCA_OK, "active reader 0" },
	};
	struct fx *f = *state;
	struct actor a;
	json_t *id = json_integer(7);
	char row[128];

	memset(&a, 0, sizeof a);
	snprintf(a.name, sizeof a.name, "op");
	snprintf(a.role, sizeof a.role, "operator");
	for (size_t i = 0; i < ARRAY_LEN(steps); i++) {
		struct grant_change g = { "P1", "AP", steps[i].withdraw, steps[i].roles,
					  steps[i].not_after, id };
		int rc = authz_grant_set(f->ca, &a, &g);
		if (rc != steps[i].rc)
			fail_msg("step %zu: %d (%s)", i, rc, err_msg());
		grant_row(f, row, sizeof row);
		if (strcmp(row, steps[i].row))
			fail_msg("step %zu: row %s, expected %s", i, row, steps[i].row);
	}
	json_decref(id);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rights),
		cmocka_unit_test(rights_json),
		cmocka_unit_test(scopes),
		cmocka_unit_test(row_scopes),
		cmocka_unit_test_setup_teardown(may, grant_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(grants, grant_setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
