/* The request workflow as the console sees it (ra_request_show): for every
 * request type (reqtype.c's table) x state x role, the actions the caller
 * may take and the flags (at_station, handover_due, old_token_due,
 * station_command).  The expected actions are the rules the console kept
 * in JavaScript before the server said them, restated here on their own. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "ra/ra.h"
#include "util/err.h"
#include "util/util.h"

#define PA "350102199003071234"   /* a person of unit U1, city node N1 */

/* A request and what the regulation says of it. */
static const struct tcase {
	const char *type, *kind, *reason;
	int token;                   /* its certificate is on a registered USBKey */
	int station, handover, old;  /* expected flags */
} cases[] = {
	{ "apply", "person", NULL, 0, 1, 1, 0 },
	{ "apply", "unit", NULL, 0, 0, 1, 0 },        /* from its CSR */
	{ "renew", "person", NULL, 1, 1, 1, 1 },      /* art. 22 */
	{ "renew", "person", NULL, 0, 1, 1, 0 },      /* no USBKey to bring back */
	{ "update", "person", NULL, 1, 1, 1, 1 },
	{ "update", "unit", NULL, 0, 0, 1, 0 },
	{ "reissue", "person", "lost", 1, 1, 1, 0 },  /* a lost key cannot come back */
	{ "reissue", "person", "damaged", 1, 1, 1, 1 },
	{ "freeze", "person", NULL, 1, 0, 0, 0 },
	{ "unfreeze", "person", NULL, 1, 0, 0, 0 },
	{ "revoke", "person", "cessationOfOperation", 1, 0, 1, 1 },
	{ "revoke", "unit", "cessationOfOperation", 0, 0, 0, 0 },
	{ "pin-reset", "person", NULL, 1, 1, 1, 0 },
	{ "authorize", "person", NULL, 0, 0, 0, 0 },
};

static const char *const states[] = { "draft", "submitted", "approved", "rejected", "accepted",
	"produced", "handed_over", "completed", "withdrawn" };

/* Who asks, and which of the workflow's rights (actor.c) its role has:
 * S submit/withdraw/resubmit, A approve/reject, P accept/produce/handover/
 * return, C complete. */
static const struct role {
	const char *role, *scope, *rights;
} roles[] = {
	{ "officer", "U1", "S C" },
	{ "approver", "DP", "A" },
	{ "operator", "N1", "P C" },
	{ "system", "", "S A P C" },
	{ "admin", "", "" },
	{ "auditor", "", "" },
};

/* The actions expected, in the console's order. */
static void expect(const struct tcase *c, const char *s, int back, const char *rights,
		   char *out, size_t len)
{
	const struct {
		const char *action, *right;
		int when;
	} rules[] = {
		{ "submit", "S", !strcmp(s, "draft") },
		{ "resubmit", "S", !strcmp(s, "rejected") },
		{ "withdraw", "S", word_in("draft submitted rejected", s) },
		{ "approve", "A", !strcmp(s, "submitted") },
		{ "reject", "A", !strcmp(s, "submitted") },
		{ "accept", "P", !strcmp(s, "approved") },
		{ "produce", "P", !strcmp(s, "accepted") && !c->station },
		{ "handover", "P", !strcmp(s, "produced") && c->handover },
		{ "return", "P", !strcmp(s, "handed_over") && c->old && !back },
		{ "complete", "C", (!strcmp(s, "produced") && !c->handover) ||
				   (!strcmp(s, "handed_over") && (!c->old || back)) },
	};

	*out = '\0';
	for (size_t i = 0; i < ARRAY_LEN(rules); i++)
		if (rules[i].when && word_in(rights, rules[i].right))
			snprintf(out + strlen(out), len - strlen(out), "%s%s", *out ? " " : "",
				 rules[i].action);
}

static int setup(void **state)
{
	struct fx *f = fx_new("request", NULL);

	fx_sql(f, "INSERT INTO node(code,name,level,created_at) VALUES ('N1','福州','city',0);"
	       "INSERT INTO unit(code,name,type,node,created_at) VALUES"
	       " ('U1','财政局','行政机关','N1',0);"
	       "INSERT INTO person(id_number,name,unit,created_at) VALUES ('" PA "','张三','U1',0);"
	       "INSERT INTO dept(code,name,node,created_at) VALUES ('DP','预算处','N1',0);"
	       "INSERT INTO app(code,name,dept,created_at) VALUES ('AP','预算系统','DP',0);");
	*state = f;
	return 0;
}

/* The request of case c in state s (back: the old USBKey returned). */
static int64_t add(struct fx *f, const struct tcase *c, const char *s, int back)
{
	fx_sql(f, "INSERT INTO request(type,state,unit,app,node,subject_kind,subject,name,"
	       "cert_serial,token_serial,reason,old_returned,created_at,updated_at) VALUES"
	       " ('%s','%s','U1','AP','N1','%s','%s','张三','0A0B',%s,%s%s%s,%d,0,0)",
	       c->type, s, c->kind, !strcmp(c->kind, "unit") ? "U1" : PA,
	       c->token ? "'TK1'" : "NULL", c->reason ? "'" : "", c->reason ? c->reason : "NULL",
	       c->reason ? "'" : "", back);
	return sqlite3_last_insert_rowid(f->db);
}

static void actions(void **state)
{
	struct fx *f = *state;
	char want[128], got[128], cmd[64];
	int n = 0;

	for (size_t i = 0; i < ARRAY_LEN(cases); i++)
		for (size_t k = 0; k <= ARRAY_LEN(states); k++) {
			/* the last round: handed over with the old USBKey back */
			const char *s = k < ARRAY_LEN(states) ? states[k] : "handed_over";
			int back = k == ARRAY_LEN(states);
			int64_t id = add(f, &cases[i], s, back);

			for (size_t j = 0; j < ARRAY_LEN(roles); j++) {
				struct actor a;
				json_t *r = NULL, *v;
				size_t x;

				memset(&a, 0, sizeof a);
				snprintf(a.name, sizeof a.name, "t-%s", roles[j].role);
				snprintf(a.role, sizeof a.role, "%s", roles[j].role);
				snprintf(a.scope, sizeof a.scope, "%s", roles[j].scope);
				if (ra_request_show(f->ca, &a, id, &r) != FINCA_OK)
					fail_msg("show %s as %s: %s", cases[i].type, a.role, err_msg());
				got[0] = '\0';
				json_array_foreach(json_object_get(r, "actions"), x, v)
					snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s",
						 x ? " " : "", json_string_value(v));
				expect(&cases[i], s, back, roles[j].rights, want, sizeof want);
				if (strcmp(got, want))
					fail_msg("%s of a %s (%s, %s%s) as %s: actions [%s], expected [%s]",
						 cases[i].type, cases[i].kind,
						 cases[i].reason ? cases[i].reason : "no reason", s,
						 back ? ", old key back" : "", a.role, got, want);
				assert_int_equal(json_is_true(json_object_get(r, "at_station")),
						 cases[i].station);
				assert_int_equal(json_is_true(json_object_get(r, "handover_due")),
						 cases[i].handover);
				assert_int_equal(json_is_true(json_object_get(r, "old_token_due")),
						 cases[i].old);
				snprintf(cmd, sizeof cmd, "finca token %s --request %lld",
					 !strcmp(cases[i].type, "pin-reset") ? "reset-pin" : "enroll",
					 (long long)id);
				if (cases[i].station && !strcmp(s, "accepted"))
					assert_string_equal(json_string_value(json_object_get(r,
							    "station_command")), cmd);
				else
					assert_null(json_object_get(r, "station_command"));
				json_decref(r);
				n++;
			}
		}
	assert_int_equal(n, ARRAY_LEN(cases) * (ARRAY_LEN(states) + 1) * ARRAY_LEN(roles));
}

/* The list gives each request the same actions as the request alone. */
static void listed(void **state)
{
	struct fx *f = *state;
	struct actor a = { "t-operator", "operator", "N1" };
	struct page p = { NULL, NULL, 0, 100 };
	json_t *l = NULL, *one = NULL, *r;
	size_t i;

	add(f, &cases[2], "produced", 0);
	add(f, &cases[8], "produced", 0);
	add(f, &cases[2], "handed_over", 0);
	if (ra_request_list(f->ca, &a, &p, NULL, 0, &l) != FINCA_OK)
		fail_msg("list: %s", err_msg());
	assert_int_equal(json_array_size(json_object_get(l, "items")), 3);
	json_array_foreach(json_object_get(l, "items"), i, r) {
		assert_int_equal(ra_request_show(f->ca, &a, json_integer_value(json_object_get(r, "id")),
						 &one), FINCA_OK);
		assert_true(json_equal(json_object_get(r, "actions"), json_object_get(one, "actions")));
		assert_true(json_array_size(json_object_get(r, "actions")) > 0);
		json_decref(one);
	}
	json_decref(l);
}

/* RA_TYPES (messages, documentation) names the table's types, in order. */
static void types(void **state)
{
	char names[256] = "";
	const struct req_type *t;

	(void)state;
	for (size_t i = 0; (t = req_type_at(i)) != NULL; i++)
		snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s",
			 i ? " " : "", t->name);
	assert_string_equal(names, RA_TYPES);
	assert_null(req_type_get("nonsense"));
	assert_null(req_type_get(NULL));
	for (size_t i = 0; i < ARRAY_LEN(cases); i++)
		assert_non_null(req_type_get(cases[i].type));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(types),
		cmocka_unit_test_setup_teardown(actions, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(listed, setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
