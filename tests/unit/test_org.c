/* Organisations (ra/org.c) against the schema declared once
 * (util/org_schema.h): for each kind, rows that are accepted and rows
 * that are refused, with the field at fault; and the schema itself. */
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
#include "util/org_schema.h"
#include "util/util.h"

#define UNIT "91350100MA2XXXXX0G"
#define PERSON "350102199003071234"

/* One object to add (JSON), and the field a refusal names (NULL: added;
 * "": refused, no field named: an unknown field, a key taken, a reference
 * to nothing, whose message names the field but err_field does not, XXX
 * in org.c's refers()).  The rows before it in the table are there
 * already. */
static const struct ocase {
	int kind;
	const char *json;
	const char *field;
} cases[] = {
	/* nodes: 6-digit division code, level, parent, 代管 (art. 6) */
	{ ORG_NODE, "{\"code\":\"350000\",\"name\":\"福建\",\"level\":\"province\"}", NULL },
	{ ORG_NODE, "{\"code\":\"350100\",\"name\":\"福州\",\"level\":\"city\",\"parent\":\"350000\"}", NULL },
	{ ORG_NODE, "{\"code\":\"350121\",\"name\":\"闽侯\",\"level\":\"county\",\"parent\":\"350100\","
		    "\"served_by\":\"350100\",\"email\":\"it@mh.example\",\"webhook\":\"https://h.example/x\"}", NULL },
	{ ORG_NODE, "{\"code\":\"35010\",\"name\":\"x\",\"level\":\"city\",\"parent\":\"350000\"}", "code" },
	{ ORG_NODE, "{\"code\":\"350200\",\"name\":\"x\",\"level\":\"town\",\"parent\":\"350000\"}", "level" },
	{ ORG_NODE, "{\"code\":\"350200\",\"name\":\"x\",\"level\":\"city\"}", "parent" },
	{ ORG_NODE, "{\"code\":\"360000\",\"name\":\"x\",\"level\":\"province\",\"parent\":\"350000\"}", "parent" },
	{ ORG_NODE, "{\"code\":\"350200\",\"name\":\"x\",\"level\":\"city\",\"parent\":\"350000\","
		    "\"served_by\":\"350100\"}", "served_by" },
	{ ORG_NODE, "{\"code\":\"350200\",\"name\":\"x\",\"level\":\"city\",\"parent\":\"350200\"}", "parent" },
	{ ORG_NODE, "{\"code\":\"350200\",\"name\":\"x\",\"level\":\"city\",\"parent\":\"359999\"}", "" },
	{ ORG_NODE, "{\"code\":\"350200\",\"level\":\"city\",\"parent\":\"350000\"}", "name" },
	{ ORG_NODE, "{\"code\":\"350200\",\"name\":\"x\",\"level\":\"city\",\"parent\":\"350000\","
		    "\"email\":\"nobody\"}", "email" },
	{ ORG_NODE, "{\"code\":\"350200\",\"name\":\"x\",\"level\":\"city\",\"parent\":\"350000\","
		    "\"webhook\":\"ftp://h\"}", "webhook" },
	{ ORG_NODE, "{\"code\":\"350200\",\"name\":7,\"level\":\"city\",\"parent\":\"350000\"}", "name" },
	{ ORG_NODE, "{\"code\":\"350200\",\"name\":\"x\",\"level\":\"city\",\"parent\":\"350000\","
		    "\"colour\":\"red\"}", "" }, /* not a field: no field named */
	{ ORG_NODE, "{\"code\":\"350100\",\"name\":\"again\",\"level\":\"city\",\"parent\":\"350000\"}", "" },
	/* departments and their systems */
	{ ORG_DEPT, "{\"code\":\"DP\",\"name\":\"预算处\",\"node\":\"350100\"}", NULL },
	{ ORG_DEPT, "{\"code\":\"D P\",\"name\":\"x\",\"node\":\"350100\"}", "code" },
	{ ORG_DEPT, "{\"code\":\"DQ\",\"name\":\"x\"}", "node" },
	{ ORG_DEPT, "{\"code\":\"DQ\",\"name\":\"x\",\"node\":\"999999\"}", "" },
	{ ORG_APP, "{\"code\":\"AP\",\"name\":\"预算系统\",\"dept\":\"DP\",\"account\":\"ap\"}", NULL },
	{ ORG_APP, "{\"code\":\"AQ\",\"name\":\"x\"}", "dept" },
	{ ORG_APP, "{\"code\":\"AQ\",\"name\":\"x\",\"dept\":\"NOPE\"}", "" },
	/* units: USCC (GB 32100) and its check character */
	{ ORG_UNIT, "{\"code\":\"" UNIT "\",\"name\":\"财政局\",\"type\":\"行政机关\",\"node\":\"350100\","
		    "\"phone\":\"+86 591-1234\"}", NULL },
	{ ORG_UNIT, "{\"code\":\"91350100MA2XXXXX0H\",\"name\":\"x\",\"type\":\"t\",\"node\":\"350100\"}", "code" },
	{ ORG_UNIT, "{\"code\":\"91350100M00010001T\",\"name\":\"x\",\"node\":\"350100\"}", "type" },
	{ ORG_UNIT, "{\"code\":\"91350100M00010001T\",\"name\":\"x\",\"type\":\"t\"}", "node" },
	{ ORG_UNIT, "{\"code\":\"91350100M00010001T\",\"name\":\"x\",\"type\":\"t\",\"node\":\"350100\","
		    "\"phone\":\"call me\"}", "phone" },
	/* persons: resident ID (GB 11643) and its check digit */
	{ ORG_PERSON, "{\"id_number\":\"" PERSON "\",\"name\":\"张三\",\"unit\":\"" UNIT "\"}", NULL },
	{ ORG_PERSON, "{\"id_number\":\"350102199003071235\",\"name\":\"x\",\"unit\":\"" UNIT "\"}", "id_number" },
	{ ORG_PERSON, "{\"id_number\":\"110101199003071233\",\"name\":\"x\"}", "unit" },
	{ ORG_PERSON, "{\"name\":\"x\",\"unit\":\"" UNIT "\"}", "id_number" },
	/* devices */
	{ ORG_DEVICE, "{\"code\":\"DEV-1\",\"name\":\"网关\",\"unit\":\"" UNIT "\"}", NULL },
	{ ORG_DEVICE, "{\"code\":\"DEV/2\",\"name\":\"x\",\"unit\":\"" UNIT "\"}", "code" },
	{ ORG_DEVICE, "{\"code\":\"DEV-2\",\"name\":\"x\",\"unit\":\"NOPE\"}", "" },
};

static int setup(void **state)
{
	*state = fx_new("org", NULL);
	return 0;
}

static void rows(void **state)
{
	struct fx *f = *state;
	struct actor a;

	memset(&a, 0, sizeof a);
	snprintf(a.name, sizeof a.name, "sys");
	snprintf(a.role, sizeof a.role, "system");
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		json_error_t je;
		json_t *o = json_loads(cases[i].json, 0, &je), *out = NULL;
		int rc;
		if (!o)
			fail_msg("case %zu: %s", i, je.text);
		rc = org_add(f->ca, &a, cases[i].kind, o, &out);
		if (!cases[i].field && rc != FINCA_OK)
			fail_msg("case %zu (%s): refused: %s", i, org_kind_name(cases[i].kind), err_msg());
		if (cases[i].field) {
			if (rc == FINCA_OK)
				fail_msg("case %zu (%s): accepted", i, org_kind_name(cases[i].kind));
			if (*cases[i].field && (!err_field() || strcmp(err_field(), cases[i].field)))
				fail_msg("case %zu: field %s, expected %s (%s)", i,
					 err_field() ? err_field() : "none", cases[i].field, err_msg());
		}
		json_decref(o);
		json_decref(out);
	}
}

/* The schema: every kind named, its plural parsed back, its key first,
 * its fields distinct and within ORG_MAX_FIELDS, and org.c's view the
 * same table. */
static void schema(void **state)
{
	(void)state;
	for (int k = 0; k < ORG_KINDS; k++) {
		const struct org_schema *s = &org_schema[k];
		size_t n = 0;
		assert_non_null(s->name);
		assert_int_equal(org_kind_parse(s->name), k);
		assert_int_equal(org_kind_parse(s->plural), k);
		assert_ptr_equal(org_fields(k), s->fields);
		assert_string_equal(s->fields[0], k == ORG_PERSON ? "id_number" : "code");
		for (; s->fields[n]; n++)
			for (size_t j = 0; j < n; j++)
				assert_string_not_equal(s->fields[j], s->fields[n]);
		assert_true(n <= ORG_MAX_FIELDS);
		assert_non_null(strstr(s->search, "name"));
	}
	assert_int_equal(org_kind_parse("nodes"), ORG_NODE);
	assert_int_equal(org_kind_parse("organisation"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(schema),
		cmocka_unit_test_setup_teardown(rows, setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
