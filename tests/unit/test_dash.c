/* The console's certificate list and dashboard (store_cert_list,
 * store_cert_scope_counts, store_cert_owner, ra_dashboard) over a real
 * data directory: for every scope, the list holds exactly the
 * certificates whose owner (unit, making node) the per-certificate check
 * sees, the counts agree with the list, and q finds what it should;
 * what is due for renewal (store_cert_due) and the to-do (ra_todo). */
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
#define T0 1900000000LL   /* 2030-03-17T17:46:40Z, 2030-03-18 in Beijing */

#define PA "350102199003071234"   /* 张三, unit U1 (county N2, served by N1) */
#define PB "350102199003075678"   /* 李四, unit U1 */
#define PC "350102199003079999"   /* 王五, unit U2 (city N1) */
#define PD "350200198001010011"   /* 赵六, unit U3 (city N3) */

/* The certificates, and whose each is by the rules of store.h. */
static const struct {
	const char *serial, *id, *unit;
	int64_t not_after;
	int status;
	const char *owner_unit, *owner_node;
} certs[] = {
	{ "A001", PA, "U1", T0 + 10 * DAY, 0, "U1", "N1" },   /* week 1 */
	{ "A002", PB, "U2", T0 + 100 * DAY, 0, "U1", "N1" },  /* the person's unit wins */
	{ "A003", PC, "U2", T0 - DAY, 0, "U2", "N1" },        /* expired */
	{ "A004", PD, "U3", T0 + 200 * DAY, 1, "U3", "N3" },  /* frozen */
	{ "A005", NULL, "U3", T0 + 3 * DAY, 0, "U3", "N3" },  /* a device: week 0 */
	{ "A006", "350102199901010000", NULL, T0 + 400 * DAY, 0, "", "P0" }, /* nobody's */
	{ "A007", NULL, "UX", T0 + 400 * DAY, 0, "UX", "P0" }, /* unregistered unit */
	{ "A008", PC, NULL, T0 + 50 * DAY, 2, "U2", "N1" },   /* revoked */
	{ "B009", PD, "U2", T0 + 20 * DAY, 0, "U3", "N3" },
};
#define NCERTS (sizeof certs / sizeof certs[0])

static int setup(void **state)
{
	struct fx *f = fx_new("dash", NULL);

	fx_no_certs(f);
	fx_sql(f, "INSERT INTO node(code,name,level,parent,served_by,created_at) VALUES"
	    "('P0','福建省','province',NULL,NULL,0), ('N1','福州市','city','P0',NULL,0),"
	    "('N2','闽侯县','county','N1','N1',0), ('N3','厦门市','city','P0',NULL,0);"
	    "INSERT INTO unit(code,name,type,node,created_at) VALUES"
	    "('U1','闽侯县甲中学','gov','N2',0), ('U2','福州市乙局','gov','N1',0),"
	    "('U3','厦门市丙小学','gov','N3',0);"
	    "INSERT INTO person(id_number,name,unit,created_at) VALUES"
	    "('" PA "','张三','U1',0), ('" PB "','李四','U1',0), ('" PC "','王五','U2',0),"
	    "('" PD "','赵六','U3',0);"
	    "INSERT INTO dept(code,name,node,created_at) VALUES ('DP','预算处','N1',0);"
	    "INSERT INTO app(code,name,dept,created_at) VALUES ('AP','预算系统','DP',0);"
	    /* the department sees A (a request) and D (a grant) */
	    "INSERT INTO request(type,state,unit,app,node,subject_kind,subject,name,"
	    "created_at,updated_at) VALUES ('apply','submitted','U1','AP','N1','person','"
	    PA "','张三',0,0), ('apply','draft','U3',NULL,'N3','person','" PD "','赵六',0,0);"
	    "INSERT INTO access_grant(person,app,roles,state,created_at,updated_at) VALUES"
	    "('" PD "','AP','录入','active',0,0);");
	for (size_t i = 0; i < NCERTS; i++) {
		fx_sql(f, "INSERT INTO cert(id,serial,serial_bin,issuer,profile,subject,"
			 "id_number,unit_code,key_alg,not_before,not_after,issued_at,status,der)"
			 " VALUES(%zu,'%s',x'01','issuing','personal','CN=x',%s%s%s,%s%s%s,'p256',"
			 "0,%lld,0,%d,x'00')", i + 1, certs[i].serial, certs[i].id ? "'" : "",
			 certs[i].id ? certs[i].id : "NULL", certs[i].id ? "'" : "",
			 certs[i].unit ? "'" : "", certs[i].unit ? certs[i].unit : "NULL",
			 certs[i].unit ? "'" : "", (long long)certs[i].not_after, certs[i].status);
	}
	*state = f;
	return 0;
}

/* The ids listed, as a bit set (bit i: certs[i - 1]). */
static int add_bit(void *arg, const struct cert_rec *r)
{
	*(unsigned *)arg |= 1u << r->id;
	return FINCA_OK;
}

static unsigned listed(struct fx *f, int scope, const char *val, const char *q)
{
	struct cert_filter cf;
	unsigned got = 0;

	memset(&cf, 0, sizeof cf);
	cf.status = -1;
	cf.now = T0;
	cf.scope = scope;
	cf.scope_val = val;
	cf.q = q;
	if (store_cert_list(ca_store(f->ca), &cf, add_bit, &got) != FINCA_OK)
		fail_msg("store_cert_list: %s", err_msg());
	return got;
}

/* The ids whose owner is in the scope by the table above. */
static unsigned wanted(int scope, const char *val)
{
	unsigned w = 0;

	for (size_t i = 0; i < NCERTS; i++) {
		const char *id = certs[i].id ? certs[i].id : "";
		int in = scope == ROW_ALL ||
			 (scope == ROW_UNIT && !strcmp(certs[i].owner_unit, val)) ||
			 (scope == ROW_NODE && !strcmp(certs[i].owner_node, val)) ||
			 (scope == ROW_PERSON && !strcmp(id, val)) ||
			 (scope == ROW_DEPT && (!strcmp(id, PA) || !strcmp(id, PD)));
		if (in)
			w |= 1u << (i + 1);
	}
	return w;
}

static void owners(void **state)
{
	struct fx *f = *state;
	char unit[65], node[16];

	for (size_t i = 0; i < NCERTS; i++) {
		if (store_cert_owner(ca_store(f->ca), (int64_t)i + 1, unit, node) != FINCA_OK)
			fail_msg("store_cert_owner: %s", err_msg());
		assert_string_equal(unit, certs[i].owner_unit);
		assert_string_equal(node, certs[i].owner_node);
	}
	assert_int_equal(store_cert_owner(ca_store(f->ca), 99, unit, node), FINCA_ENOTFOUND);
}

static void scopes(void **state)
{
	static const struct {
		int scope;
		const char *val;
	} s[] = {
		{ ROW_ALL, NULL }, { ROW_UNIT, "U1" }, { ROW_UNIT, "U2" }, { ROW_UNIT, "U3" },
		{ ROW_UNIT, "UX" }, { ROW_NODE, "P0" }, { ROW_NODE, "N1" },
		{ ROW_NODE, "N2" },  /* served by N1: makes nothing itself */
		{ ROW_NODE, "N3" }, { ROW_DEPT, "DP" }, { ROW_PERSON, PC },
		{ ROW_PERSON, PB },
	};
	struct fx *f = *state;

	for (size_t i = 0; i < sizeof s / sizeof s[0]; i++) {
		unsigned got = listed(f, s[i].scope, s[i].val, NULL);
		int64_t counts[4], weeks[DASH_WEEKS], want[4] = { 0 }, wweeks[DASH_WEEKS] = { 0 };
		if (got != wanted(s[i].scope, s[i].val))
			fail_msg("scope %d %s: listed %#x, want %#x", s[i].scope,
				 s[i].val ? s[i].val : "-", got, wanted(s[i].scope, s[i].val));
		/* the counts are the list's */
		for (size_t k = 0; k < NCERTS; k++) {
			if (!(got & (1u << (k + 1))))
				continue;
			if (certs[k].status == 0 && certs[k].not_after < T0)
				want[3]++;
			else
				want[certs[k].status]++;
			if (certs[k].status == 0 && certs[k].not_after >= T0 &&
			    (certs[k].not_after - T0) / (7 * DAY) < DASH_WEEKS)
				wweeks[(certs[k].not_after - T0) / (7 * DAY)]++;
		}
		struct due_query q = { s[i].scope, s[i].val, NULL, T0, T0, T0 + DASH_WEEKS * 7 * DAY,
				       0, 0 };
		if (store_cert_scope_counts(ca_store(f->ca), s[i].scope, s[i].val, T0,
					    counts) != FINCA_OK ||
		    store_cert_due_weeks(ca_store(f->ca), &q, weeks, DASH_WEEKS) != FINCA_OK)
			fail_msg("store_cert_scope_counts: %s", err_msg());
		assert_memory_equal(counts, want, sizeof want);
		assert_memory_equal(weeks, wweeks, sizeof wweeks);
	}
	/* a scoped role without a scope value sees nothing */
	assert_int_equal(listed(f, ROW_UNIT, "", NULL), 0);
}

static void search(void **state)
{
	struct fx *f = *state;
	unsigned b1 = 1u << 1, b2 = 1u << 2, b4 = 1u << 4, b5 = 1u << 5, b9 = 1u << 9;

	assert_int_equal(listed(f, ROW_ALL, NULL, "张三"), b1);
	assert_int_equal(listed(f, ROW_ALL, NULL, "李"), b2);          /* name prefix */
	assert_int_equal(listed(f, ROW_ALL, NULL, "三"), 0);           /* not inside a name */
	assert_int_equal(listed(f, ROW_ALL, NULL, "b0"), b9);          /* serial, any case */
	assert_int_equal(listed(f, ROW_ALL, NULL, "a00"), 0x1feu & ~b9);
	assert_int_equal(listed(f, ROW_ALL, NULL, "35020019"), b4 | b9); /* ID number prefix */
	assert_int_equal(listed(f, ROW_ALL, NULL, "甲"), b1 | b2);     /* part of a unit name */
	assert_int_equal(listed(f, ROW_ALL, NULL, "u3"), b4 | b5 | b9); /* unit code */
	assert_int_equal(listed(f, ROW_NODE, "N1", "赵"), 0);          /* another node's */
	assert_int_equal(listed(f, ROW_NODE, "N3", "赵"), b4 | b9);
	assert_int_equal(listed(f, ROW_UNIT, "U1", "a002"), b2);
	assert_int_equal(listed(f, ROW_UNIT, "U1", "b0"), 0);
}

struct names {
	int n;
	char holder[4][32], unit[4][16], unit_name[4][64];
};

static int names_of(void *arg, const struct cert_rec *r)
{
	struct names *x = arg;

	if (x->n == 4)
		return 1; /* stop: returned as is */
	snprintf(x->holder[x->n], 32, "%s", r->holder_name ? r->holder_name : "-");
	snprintf(x->unit[x->n], 16, "%s", r->owner_unit ? r->owner_unit : "-");
	snprintf(x->unit_name[x->n], 64, "%s", r->owner_unit_name ? r->owner_unit_name : "-");
	x->n++;
	return FINCA_OK;
}

static void pages(void **state)
{
	struct fx *f = *state;
	struct cert_filter cf;
	struct names nm;
	json_t *out = NULL;
	struct actor io = { "io", "officer", "U1" };
	unsigned all = 0;
	int64_t after = 0;

	/* what a row knows besides the certificate; a callback may stop */
	memset(&cf, 0, sizeof cf);
	memset(&nm, 0, sizeof nm);
	cf.status = -1;
	cf.now = T0;
	assert_int_equal(store_cert_list(ca_store(f->ca), &cf, names_of, &nm), 1);
	assert_string_equal(nm.holder[1], "李四");
	assert_string_equal(nm.unit[1], "U1");
	assert_string_equal(nm.unit_name[1], "闽侯县甲中学");
	assert_string_equal(nm.holder[2], "王五");
	assert_string_equal(nm.unit[3], "U3");

	/* keyset pages of two through ra_cert_list, as the API calls it */
	for (int page = 0; page < 10; page++) {
		json_t *v, *next;
		size_t i;
		cf.after_id = after;
		cf.limit = 2;
		if (ra_cert_list(f->ca, &io, &cf, &out) != FINCA_OK)
			fail_msg("ra_cert_list: %s", err_msg());
		json_array_foreach(json_object_get(out, "certificates"), i, v)
			for (size_t k = 0; k < NCERTS; k++)
				if (!strcmp(certs[k].serial, json_string_value(json_object_get(v, "serial"))))
					all |= 1u << (k + 1);
		next = json_object_get(out, "next");
		after = json_integer_value(next);
		if (json_is_null(next)) {
			json_decref(out);
			break;
		}
		assert_int_equal(json_array_size(json_object_get(out, "certificates")), 2);
		json_decref(out);
	}
	assert_int_equal(all, wanted(ROW_UNIT, "U1"));
}

static void dashboard(void **state)
{
	struct fx *f = *state;
	struct actor op = { "op", "operator", "N1" }, app = { "ap", "app", "AP" };
	json_t *d = NULL, *w;
	char *s;

	if (ra_dashboard(f->ca, &op, T0, &d) != FINCA_OK)
		fail_msg("ra_dashboard: %s", err_msg());
	s = json_dumps(json_object_get(d, "certificates"), JSON_COMPACT);
	assert_string_equal(s, "{\"valid\":2,\"frozen\":0,\"revoked\":1,\"expired\":1}");
	free(s);
	s = json_dumps(json_object_get(d, "requests"), JSON_COMPACT);
	assert_string_equal(s, "{\"draft\":0,\"submitted\":1,\"approved\":0,\"rejected\":0,"
			    "\"accepted\":0,\"produced\":0,\"handed_over\":0,\"completed\":0,"
			    "\"withdrawn\":0}");
	free(s);
	w = json_object_get(d, "expiring_weeks");
	assert_int_equal(json_array_size(w), DASH_WEEKS);
	assert_int_equal(json_integer_value(json_array_get(w, 0)), 0);
	assert_int_equal(json_integer_value(json_array_get(w, 1)), 1);   /* A001: 10 days */
	assert_int_equal(json_integer_value(json_array_get(w, 14)), 1);  /* A002: 100 days */
	assert_string_equal(json_string_value(json_object_get(d, "week_start")), "2030-03-18");
	json_decref(d);
	/* an application system has no dashboard */
	d = NULL;
	assert_int_equal(ra_dashboard(f->ca, &app, T0, &d), FINCA_EAUTH);
	assert_null(d);
}

/* Due for renewal: a subscriber's, of the issuing CA, not renewed and not
 * being renewed; the list and the weeks agree. */
static void due(void **state)
{
	struct fx *f = *state;
	struct due_query q = { ROW_ALL, NULL, "personal unit", T0, T0, T0 + 30 * DAY, 0, 0 };
	json_t *items = json_array();
	int64_t weeks[5], next, n = 0;

	fx_sql(f, "INSERT INTO cert(id,serial,serial_bin,issuer,profile,subject,key_alg,"
	       "not_before,not_after,issued_at,status,der) VALUES"
	       "(20,'C020',x'02','issuing','ocsp','CN=ocsp','p256',0,%lld,0,0,x'00'),"
	       "(21,'C021',x'03','service','tls-server','CN=tls','p256',0,%lld,0,0,x'00'),"
	       "(22,'C022',x'04','issuing','personal','CN=new','p256',0,%lld,0,0,x'00')",
	       T0 + 5 * DAY, T0 + 5 * DAY, T0 + 400 * DAY);
	/* B009 (20 days) being renewed; A005 (3 days) renewed by C022 */
	fx_sql(f, "INSERT INTO request(type,state,unit,node,subject_kind,subject,name,"
	       "cert_serial,created_at,updated_at) VALUES ('renew','submitted','U2','N1',"
	       "'person','" PD "','赵六','B009',0,0); UPDATE cert SET superseded_by=22 WHERE id=5");
	if (store_cert_due(ca_store(f->ca), &q, items, &next) != FINCA_OK ||
	    store_cert_due_weeks(ca_store(f->ca), &q, weeks, 5) != FINCA_OK)
		fail_msg("store_cert_due: %s", err_msg());
	/* A001 alone: not the OCSP signer, the TLS certificate, A005, B009 */
	assert_int_equal(json_array_size(items), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "serial")),
			    "A001");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 0),
							    "days_left")), 10);
	for (int i = 0; i < 5; i++)
		n += weeks[i];
	assert_int_equal(n, 1);
	/* the withdrawn renewal puts B009 back */
	fx_sql(f, "UPDATE request SET state='withdrawn' WHERE cert_serial='B009'");
	json_array_clear(items);
	if (store_cert_due(ca_store(f->ca), &q, items, &next) != FINCA_OK)
		fail_msg("store_cert_due: %s", err_msg());
	assert_int_equal(json_array_size(items), 2);
	json_decref(items);
}

/* The to-do: each role its moves, drafts only for their unit. */
static void todo(void **state)
{
	struct fx *f = *state;
	struct actor op = { "op", "operator", "N1" }, io = { "io", "officer", "U3" },
		     ap = { "ap", "approver", "DP" };
	json_t *t = NULL;
	char *s;

	if (ra_todo(f->ca, &ap, T0, &t) != FINCA_OK)
		fail_msg("ra_todo: %s", err_msg());
	s = json_dumps(t, JSON_COMPACT);
	assert_string_equal(s, "[{\"task\":\"approve\",\"state\":\"submitted\",\"count\":1}]");
	free(s);
	json_decref(t);
	if (ra_todo(f->ca, &io, T0, &t) != FINCA_OK)
		fail_msg("ra_todo: %s", err_msg());
	/* U3's draft; its device's A005 (3 days) and 赵六's B009 (20) due */
	assert_int_equal(json_integer_value(json_object_get(json_array_get(t, 0), "count")), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(t, 0), "task")),
			    "submit");
	s = json_dumps(json_array_get(t, json_array_size(t) - 1), JSON_COMPACT);
	assert_non_null(strstr(s, "\"task\":\"renew\",\"days\":30,\"count\":2"));
	assert_non_null(strstr(s, "A005"));
	free(s);
	json_decref(t);
	/* the operator: its queues, no drafts */
	if (ra_todo(f->ca, &op, T0, &t) != FINCA_OK)
		fail_msg("ra_todo: %s", err_msg());
	s = json_dumps(t, JSON_COMPACT);
	assert_null(strstr(s, "submit"));
	assert_non_null(strstr(s, "\"task\":\"produce\""));
	free(s);
	json_decref(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(owners, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(scopes, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(search, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(pages, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(dashboard, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(due, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(todo, setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
