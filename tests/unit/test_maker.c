/* The making node of a unit (art. 6, 代管): the view unit_maker (migration
 * 9) and everything that reads it agree, for a county served by its city,
 * a county with no served_by and one whose served_by is '' (not served:
 * the reminders once took '' for a node and told no making unit):
 * org_making_node, store_cert_owner, the certificate list and counts of
 * an operator's scope, the organisation lists of that scope, the
 * dashboard and the making unit told of an expiry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "ra/ra.h"
#include "util/err.h"
#include "util/util.h"

#define DAY 86400
#define T0 1900000000LL

#define PA "350102199003071234"   /* a holder in U4 */

/* Each unit, its node and the node that makes for it. */
static const struct {
	const char *unit, *node, *maker;
} units[] = {
	{ "U1", "N2", "N1" },   /* county served by its city */
	{ "U2", "N1", "N1" },   /* the city itself */
	{ "U3", "N3", "N3" },   /* county, served_by NULL */
	{ "U4", "N4", "N4" },   /* county, served_by '': not served */
};

/* The certificates (id = index + 1) and whose each is. */
static const struct {
	const char *serial, *id_number, *unit_code, *owner_unit, *owner_node;
} certs[] = {
	{ "C1", NULL, "U1", "U1", "N1" },
	{ "C2", NULL, "U2", "U2", "N1" },
	{ "C3", NULL, "U3", "U3", "N3" },
	{ "C4", NULL, "U4", "U4", "N4" },
	{ "C5", PA, NULL, "U4", "N4" },
	{ "C6", NULL, NULL, "", "P0" },   /* no unit: the province's */
};
#define NCERTS (sizeof certs / sizeof certs[0])

static const char *const nodes[] = { "P0", "N1", "N2", "N3", "N4" };

static int setup(void **state)
{
	struct fx *f = fx_new("maker", NULL);

	fx_no_certs(f);
	/* '' is written on a connection without foreign keys, as an import
	 * or a hand edit could leave it */
	fx_sql(f, "INSERT INTO node(code,name,level,parent,served_by,email,created_at) VALUES"
	    "('P0','福建省','province',NULL,NULL,'p0@example.org',0),"
	    "('N1','福州市','city','P0',NULL,'n1@example.org',0),"
	    "('N2','闽侯县','county','N1','N1','n2@example.org',0),"
	    "('N3','连江县','county','N1',NULL,'n3@example.org',0),"
	    "('N4','罗源县','county','N1','','n4@example.org',0);"
	    "INSERT INTO unit(code,name,type,node,created_at) VALUES"
	    "('U1','甲','gov','N2',0), ('U2','乙','gov','N1',0),"
	    "('U3','丙','gov','N3',0), ('U4','丁','gov','N4',0);"
	    "INSERT INTO person(id_number,name,unit,created_at) VALUES"
	    "('" PA "','张三','U4',0);");
	for (size_t i = 0; i < NCERTS; i++)
		fx_sql(f, "INSERT INTO cert(id,serial,serial_bin,issuer,profile,subject,"
			 "id_number,unit_code,key_alg,not_before,not_after,issued_at,status,der)"
			 " VALUES(%zu,'%s',x'01','issuing','personal','CN=x',%s%s%s,%s%s%s,"
			 "'p256',0,%lld,0,0,x'00')", i + 1, certs[i].serial,
			 certs[i].id_number ? "'" : "", certs[i].id_number ? certs[i].id_number : "NULL",
			 certs[i].id_number ? "'" : "", certs[i].unit_code ? "'" : "",
			 certs[i].unit_code ? certs[i].unit_code : "NULL",
			 certs[i].unit_code ? "'" : "", T0 + 10 * DAY);
	*state = f;
	return 0;
}

static void view_and_function(void **state)
{
	struct fx *f = *state;
	char node[16];
	sqlite3_stmt *s;

	for (size_t i = 0; i < ARRAY_LEN(units); i++) {
		assert_int_equal(sqlite3_prepare_v2(f->db, "SELECT node FROM unit_maker"
						    " WHERE unit=?", -1, &s, NULL), SQLITE_OK);
		sqlite3_bind_text(s, 1, units[i].unit, -1, SQLITE_STATIC);
		assert_int_equal(sqlite3_step(s), SQLITE_ROW);
		assert_string_equal((const char *)sqlite3_column_text(s, 0), units[i].maker);
		sqlite3_finalize(s);
		memset(node, 0, sizeof node);
		if (org_making_node(f->ca, units[i].unit, node) != FINCA_OK)
			fail_msg("org_making_node %s: %s", units[i].unit, err_msg());
		assert_string_equal(node, units[i].maker);
	}
	/* an unknown unit is named, and node is left alone */
	strcpy(node, "-");
	assert_int_equal(org_making_node(f->ca, "UX", node), FINCA_ENOTFOUND);
	assert_non_null(strstr(err_msg(), "no unit 'UX'"));
	assert_string_equal(node, "-");
}

static int add_bit(void *arg, const struct cert_rec *r)
{
	*(unsigned *)arg |= 1u << r->id;
	return FINCA_OK;
}

/* For every node: the certificates its operator lists and counts are
 * those store_cert_owner gives it, and the dashboard says as much. */
static void cert_scope(void **state)
{
	struct fx *f = *state;
	char unit[65], node[16];

	for (size_t i = 0; i < NCERTS; i++) {
		if (store_cert_owner(ca_store(f->ca), (int64_t)i + 1, unit, node) != FINCA_OK)
			fail_msg("store_cert_owner: %s", err_msg());
		assert_string_equal(unit, certs[i].owner_unit);
		assert_string_equal(node, certs[i].owner_node);
	}
	for (size_t n = 0; n < ARRAY_LEN(nodes); n++) {
		struct actor op = { "op", "operator", "" };
		struct cert_filter cf;
		int64_t counts[4];
		unsigned got = 0, want = 0;
		json_t *d = NULL;
		snprintf(op.scope, sizeof op.scope, "%s", nodes[n]);
		for (size_t i = 0; i < NCERTS; i++)
			if (!strcmp(certs[i].owner_node, nodes[n]))
				want |= 1u << (i + 1);
		memset(&cf, 0, sizeof cf);
		cf.status = -1;
		cf.now = T0;
		cf.scope = ROW_NODE;
		cf.scope_val = nodes[n];
		if (store_cert_list(ca_store(f->ca), &cf, add_bit, &got) != FINCA_OK)
			fail_msg("store_cert_list: %s", err_msg());
		if (got != want)
			fail_msg("node %s: listed %#x, want %#x", nodes[n], got, want);
		if (store_cert_scope_counts(ca_store(f->ca), ROW_NODE, nodes[n], T0,
					    counts) != FINCA_OK)
			fail_msg("store_cert_scope_counts: %s", err_msg());
		assert_int_equal(counts[0], __builtin_popcount(want));
		if (ra_dashboard(f->ca, &op, T0, &d) != FINCA_OK)
			fail_msg("ra_dashboard: %s", err_msg());
		assert_int_equal(json_integer_value(json_object_get(json_object_get(d,
				 "certificates"), "valid")), __builtin_popcount(want));
		json_decref(d);
	}
}

/* The organisation rows of a node's scope are those of the units it makes
 * for: a served county's scope holds none of them. */
static void org_scope(void **state)
{
	struct fx *f = *state;

	for (size_t n = 0; n < ARRAY_LEN(nodes); n++) {
		struct row_query q;
		json_t *items = json_array(), *v;
		int64_t next = 0;
		size_t k, want = 0;
		memset(&q, 0, sizeof q);
		q.table = "unit";
		q.scope = ROW_NODE;
		q.scope_val = nodes[n];
		if (store_row_list(ca_store(f->ca), &q, items, &next) != FINCA_OK)
			fail_msg("store_row_list: %s", err_msg());
		for (size_t i = 0; i < ARRAY_LEN(units); i++)
			want += !strcmp(units[i].maker, nodes[n]);
		assert_int_equal(json_array_size(items), want);
		json_array_foreach(items, k, v)
			for (size_t i = 0; i < ARRAY_LEN(units); i++)
				if (!strcmp(units[i].unit, json_string_value(json_object_get(v, "code"))))
					assert_string_equal(units[i].maker, nodes[n]);
		json_decref(items);
	}
}

struct told {
	char node[NCERTS][16];
};

static int due(void *arg, const struct expiring_rec *e)
{
	struct told *t = arg;

	for (size_t i = 0; i < NCERTS; i++)
		if (!strcmp(certs[i].serial, e->serial))
			snprintf(t->node[i], sizeof t->node[i], "%s", e->node);
	return FINCA_OK;
}

/* The making unit told of an expiry is the unit's making node; served_by
 * '' once joined no node, and the county's making unit heard nothing. */
static void reminders(void **state)
{
	struct fx *f = *state;
	struct told t;

	memset(&t, 0, sizeof t);
	if (store_reminder_due(ca_store(f->ca), T0, 30, due, &t) != FINCA_OK)
		fail_msg("store_reminder_due: %s", err_msg());
	for (size_t i = 0; i < NCERTS; i++)
		if (*certs[i].owner_unit)
			assert_string_equal(t.node[i], certs[i].owner_node);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(view_and_function, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(cert_scope, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(org_scope, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(reminders, setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
