/* bench/list: the console's certificate list and dashboard over 100,000
 * certificates, against the target of 200 ms a page, next to the same SQL
 * run bare.
 *
 *   make bench                             (all benches)
 *   make build/bench/list && ./build/bench/list
 *   BENCH_N=20000 BENCH_KEEP=1 ./build/bench/list
 *
 * One data directory (ca_init, like 'finca init') holding an organisation
 * like the province's: the province, 9 cities and 8 counties served by
 * their cities, 240 units of very different sizes on them, about 0.96 N
 * persons (Chinese names, GB 11643 resident ID numbers of their node's
 * region) and N certificates: one per person, 4% of them renewed (the old
 * one revoked as superseded), devices and holders of no registered unit;
 * about 3% frozen, 3% revoked, 6% expired, the rest expiring over the next
 * three years.  Plus N/20 requests in every state.  Rows are written through
 * the store (store_row_put, store_cert_insert, store_cert_set_status) in
 * one transaction; a certificate's DER is 640 random bytes (the list does
 * not parse it).
 *
 * Cases, each run 5 times (best and median reported): the first page (50)
 * for the administrator, an operator of one city (and the 3 counties it
 * serves) and an officer of one unit; a deep page (keyset, after= an id
 * near the end of the operator's scope); the second half of a status
 * filter that matches 3%; searches (q) by name, by resident ID number, by
 * serial prefix, and "35", which every ID number matches; the dashboard
 * for the three.  "finca" is the core call the API handler
 * makes (ra_cert_list, ra_dashboard) and the JSON text of its answer.
 * "peer" is the same SQL, captured from finca's connection with its
 * parameters bound (sqlite3_expanded_sql), prepared once (finca keeps its
 * statements prepared too) and stepped to the end on a connection of its
 * own with finca's cache size, reading every column: what SQLite alone
 * takes.  The sqlite3 program running that SQL is timed too (its start-up
 * included). */
#include "ra/ra.h"
#include "store/store_int.h"
#include "ca/ident.h"
#include "crypto/key.h"
#include "util/err.h"
#include "util/util.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PASS "bench-passphrase"
#define ROUNDS 5
#define DAY 86400

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void die(const char *what, int rc)
{
	fprintf(stderr, "bench/list: %s: %s (%s)\n", what, err_msg(), err_name(rc));
	exit(1);
}

/* A small fast generator, so that every run makes the same data. */
static uint64_t rng = 0x9E3779B97F4A7C15u;
static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11);
}

/* --- the organisation --- */

static const struct {
	const char *code, *name, *level, *parent, *served_by;
} nodes[] = {
	{ "350000", "福建省", "province", NULL, NULL },
	{ "350100", "福州市", "city", "350000", NULL },
	{ "350200", "厦门市", "city", "350000", NULL },
	{ "350300", "莆田市", "city", "350000", NULL },
	{ "350400", "三明市", "city", "350000", NULL },
	{ "350500", "泉州市", "city", "350000", NULL },
	{ "350600", "漳州市", "city", "350000", NULL },
	{ "350700", "南平市", "city", "350000", NULL },
	{ "350800", "龙岩市", "city", "350000", NULL },
	{ "350900", "宁德市", "city", "350000", NULL },
	{ "350121", "闽侯县", "county", "350100", "350100" },
	{ "350122", "连江县", "county", "350100", "350100" },
	{ "350128", "平潭县", "county", "350100", "350100" },
	{ "350521", "惠安县", "county", "350500", "350500" },
	{ "350524", "安溪县", "county", "350500", "350500" },
	{ "350622", "云霄县", "county", "350600", "350600" },
	{ "350721", "顺昌县", "county", "350700", "350700" },
	{ "350821", "长汀县", "county", "350800", "350800" },
};
#define NNODES (sizeof nodes / sizeof nodes[0])
#define NUNITS 240
#define CITY "350100"      /* the operator's: the city and its 3 counties */

static const char *const surnames[] = { "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴",
	"周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "罗", "高", "郑", "梁", "谢", "宋",
	"唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "潘", "袁", "蔡", "蒋",
	"余", "于", "杜", "叶", "程", "魏", "苏", "吕", "丁", "任", "卢" };
static const char *const given[] = { "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军",
	"洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "霞", "平", "刚", "桂英", "建华",
	"文", "华", "金凤", "志强", "海燕", "建国", "丹", "萍", "鹏", "辉", "玲", "宇", "浩",
	"凯", "婷", "雪", "琳", "晨", "欣", "思远", "子涵", "雨桐", "梓萱", "国平", "春梅" };
static const char *const kinds[] = { "第一中学", "实验小学", "人民医院", "财政局", "教育局",
	"卫生健康委员会", "中心小学", "疾病预防控制中心", "第二中学", "职业技术学院",
	"机关事务服务中心", "自然资源局" };

struct unit {
	char code[19], node[7], name[96];
	size_t persons;
};

/* GB 32100 check character over 17 characters. */
static void uscc(const char *b17, char out[19])
{
	memcpy(out, b17, 17);
	out[17] = ident_uscc_char(b17);
	out[18] = '\0';
}

/* GB 11643: region, a birth date from i, sequence, check character. */
static void rid(const char *region, size_t i, char out[19])
{
	time_t t = (time_t)(-315619200 + (long)((i / 997) % 14000) * DAY); /* 1960-01-01 on */
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(out, 19, "%.6s%04u%02u%02u%03u", region, (unsigned)(tm.tm_year + 1900) % 10000u,
		 (unsigned)(tm.tm_mon + 1) % 100u, (unsigned)tm.tm_mday % 100u,
		 (unsigned)(i % 997));
	out[17] = ident_resident_id_char(out);
	out[18] = '\0';
}

static void add(struct ca *ca, const struct actor *a, int kind, json_t *o)
{
	json_t *out = NULL;
	int rc = org_add(ca, a, kind, o, &out);

	if (rc != FINCA_OK)
		die("org_add", rc);
	json_decref(out);
	json_decref(o);
}

static void put(struct store *st, const char *table, json_t *o)
{
	int rc = store_row_put(st, table, o, 1, NULL);

	if (rc != FINCA_OK)
		die(table, rc);
	json_decref(o);
}

/* One certificate row: a serial as ca_random_serial makes them (16
 * octets: 0x40 | 38 bits of the issuing second, then random), issued at
 * issued for years, then its status. */
static int64_t cert(struct store *st, const char *subject, const char *idn, const char *unit,
		    const char *profile, int64_t issued, int years, int status, int64_t replaces)
{
	static unsigned char der[640];
	struct cert_rec r;
	int rc;

	memset(&r, 0, sizeof r);
	for (size_t i = 0; i < sizeof der; i++)
		der[i] = (unsigned char)rnd();
	der[0] = 0x30;
	r.serial_len = 16;
	for (size_t i = 5; i < 16; i++)
		r.serial_bin[i] = (unsigned char)rnd();
	r.serial_bin[0] = (unsigned char)(0x40 | (((uint64_t)issued >> 32) & 0x3f));
	for (int i = 1; i < 5; i++)
		r.serial_bin[i] = (unsigned char)((uint64_t)issued >> (8 * (4 - i)));
	hex_encode(r.serial_bin, 16, r.serial);
	snprintf(r.issuer, sizeof r.issuer, "issuing");
	r.profile = (char *)profile;
	r.subject = (char *)subject;
	r.id_number = (char *)idn;
	r.unit_code = (char *)unit;
	r.key_alg = (char *)"SM2";
	r.not_before = issued;
	r.issued_at = issued;
	r.not_after = issued + (int64_t)years * 365 * DAY;
	r.replaces = replaces;
	r.der = der;
	r.der_len = sizeof der;
	if ((rc = store_cert_insert(st, &r)) != FINCA_OK)
		die("store_cert_insert", rc);
	if (status != CERT_VALID &&
	    (rc = store_cert_set_status(st, r.id, status, status == CERT_HOLD ? 6 :
					replaces ? 4 : 3, issued + 30 * DAY)) != FINCA_OK)
		die("store_cert_set_status", rc);
	return r.id;
}

static const char *const states[] = { "draft", "submitted", "approved", "rejected", "accepted",
	"produced", "handed_over", "completed", "withdrawn" };

/* Fills the data directory's store; the unit of the officer (a unit of
 * CITY of middling size) into officer_unit, a holder's name and ID number
 * and a serial for the searches. */
static void fill(struct ca *ca, size_t n, char officer_unit[19], char name[32],
		 char idn[19], char serial[41])
{
	struct actor sys = { "bench", "system", "" };
	struct store *st = ca_store(ca);
	struct unit *u = xcalloc(NUNITS, sizeof *u);
	int64_t now = clock_now();
	double t0 = now_s();
	size_t persons = n - n / 25 - n / 100, made = 0, np = 0, i;
	double wsum = 0, *w = xcalloc(NUNITS, sizeof *w);
	char subj[256], id[19], nm[32], b17[18];
	int rc;

	for (i = 0; i < NNODES; i++)
		add(ca, &sys, ORG_NODE, json_pack("{s:s, s:s, s:s, s:s?, s:s?}", "code", nodes[i].code,
			"name", nodes[i].name, "level", nodes[i].level, "parent", nodes[i].parent,
			"served_by", nodes[i].served_by));
	for (i = 0; i < 10; i++) { /* a department and its system per city */
		char d[16], a[16], dn[64], an[64];
		snprintf(d, sizeof d, "yusuan%zu", i);
		snprintf(a, sizeof a, "ysgl%zu", i);
		snprintf(dn, sizeof dn, "%s预算处", nodes[i].name);
		snprintf(an, sizeof an, "%s预算管理一体化系统", nodes[i].name);
		add(ca, &sys, ORG_DEPT, json_pack("{s:s, s:s, s:s}", "code", d, "name", dn,
						  "node", nodes[i].code));
		add(ca, &sys, ORG_APP, json_pack("{s:s, s:s, s:s}", "code", a, "name", an,
						 "dept", d));
	}
	/* units: sizes from 1/(k+1) (a few large, many small) */
	for (i = 0; i < NUNITS; i++) {
		size_t nd = i < 20 ? 0 : 1 + (i * 7) % (NNODES - 1);
		snprintf(b17, sizeof b17, "12%.6sMB%07zu", nodes[nd].code, i + 1);
		uscc(b17, u[i].code);
		snprintf(u[i].node, sizeof u[i].node, "%s", nodes[nd].code);
		snprintf(u[i].name, sizeof u[i].name, "%s%s%s", nodes[nd].name,
			 i % 3 ? "" : "第三", kinds[i % (sizeof kinds / sizeof kinds[0])]);
		if (i % 3 == 0) /* names stay unique */
			snprintf(u[i].name, sizeof u[i].name, "%s%s%zu号", nodes[nd].name,
				 kinds[i % (sizeof kinds / sizeof kinds[0])], i);
		add(ca, &sys, ORG_UNIT, json_pack("{s:s, s:s, s:s, s:s}", "code", u[i].code,
			"name", u[i].name, "type", i % 2 ? "事业单位" : "行政单位", "node", u[i].node));
		w[i] = 1.0 / (double)(1 + (i * 37) % NUNITS);
		wsum += w[i];
	}
	for (i = 0; i < NUNITS; i++)
		u[i].persons = (size_t)((double)persons * w[i] / wsum);
	officer_unit[0] = '\0';
	for (i = 0; i < NUNITS; i++) /* the officer: a unit of CITY, 200-2000 persons */
		if (!officer_unit[0] && !strcmp(u[i].node, CITY) && u[i].persons >= 200 &&
		    u[i].persons <= 2000)
			snprintf(officer_unit, 19, "%s", u[i].code);
	if ((rc = store_begin(st)) != FINCA_OK)
		die("begin", rc);
	for (i = 0; i < NUNITS; i++) {
		for (size_t k = 0; k < u[i].persons && made < n; k++, np++) {
			int64_t issued = now - (int64_t)(rnd() % (3 * 365 * DAY));
			uint32_t dice = rnd() % 100;
			int64_t old;
			rid(u[i].node, np, id);
			snprintf(nm, sizeof nm, "%s%s", surnames[rnd() % 50], given[rnd() % 48]);
			put(st, "person", json_pack("{s:s, s:s, s:s, s:s}", "id_number", id, "name", nm,
						    "unit", u[i].code, "phone", "13800000000"));
			snprintf(subj, sizeof subj, "C=CN, O=%s, CN=%s", u[i].name, nm);
			if (dice < 4 && made + 1 < n) { /* renewed: the old one superseded */
				old = cert(st, subj, id, u[i].code, "personal", issued - 3 * 365 * DAY,
					   3, CERT_REVOKED, 0);
				made++;
				int64_t nw = cert(st, subj, id, u[i].code, "personal", issued, 3,
						  CERT_VALID, old);
				if ((rc = store_cert_set_superseded(st, old, nw)) != FINCA_OK)
					die("superseded", rc);
			} else {
				/* 6% expired: issued three to four years ago for three */
				if (dice >= 4 && dice < 10)
					issued -= 3 * 365 * DAY;
				cert(st, subj, id, u[i].code, "personal", issued, 3,
				     dice >= 10 && dice < 13 ? CERT_HOLD :
				     dice >= 13 && dice < 16 ? CERT_REVOKED : CERT_VALID, 0);
			}
			made++;
			if (np == 4321) {
				snprintf(name, 32, "%s", nm);
				snprintf(idn, 19, "%s", id);
			}
		}
	}
	for (i = 0; made < n; i++, made++) { /* devices, and holders of no registered unit */
		int64_t issued = now - (int64_t)(rnd() % (3 * 365 * DAY));
		if (i % 2) {
			snprintf(subj, sizeof subj, "C=CN, O=%s, CN=gw%zu", u[i % NUNITS].name, i);
			cert(st, subj, NULL, u[i % NUNITS].code, "device", issued, 3, CERT_VALID, 0);
		} else {
			rid("350102", 900000 + i, id);
			snprintf(subj, sizeof subj, "C=CN, O=未登记单位, CN=外来%zu", i);
			cert(st, subj, id, NULL, "personal", issued, 3, CERT_VALID, 0);
		}
	}
	for (i = 0; i < n / 20; i++) { /* requests in every state */
		const struct unit *x = &u[rnd() % NUNITS];
		char app[16], node[7];
		snprintf(app, sizeof app, "ysgl%zu", (size_t)(rnd() % 10));
		snprintf(node, sizeof node, "%s", x->node);
		for (size_t k = 0; k < NNODES; k++)
			if (!strcmp(nodes[k].code, x->node) && nodes[k].served_by)
				snprintf(node, sizeof node, "%s", nodes[k].served_by);
		rid(x->node, 700000 + i, id);
		put(st, "request", json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:i, s:i}",
			"type", i % 5 ? "apply" : "renew", "state", states[rnd() % 9], "unit", x->code,
			"app", app, "node", node, "subject_kind", "person", "subject", id,
			"name", "申请人", "updated_at", (json_int_t)now, "emergency", 0,
			"old_returned", 0));
	}
	if ((rc = store_commit(st)) != FINCA_OK)
		die("commit", rc);
	{ /* a serial for the prefix search: the 12345th certificate's */
		struct cert_rec r;
		memset(&r, 0, sizeof r);
		if ((rc = store_cert_get_id(st, 12345 % (int64_t)n + 1, &r)) != FINCA_OK)
			die("serial", rc);
		snprintf(serial, 41, "%s", r.serial);
		cert_rec_clear(&r);
	}
	fprintf(stderr, "bench/list: %zu certificates, %zu persons, %d units, %zu requests in %.1f s\n",
		made, np, NUNITS, n / 20, now_s() - t0);
	free(u);
	free(w);
}

/* --- measuring --- */

/* The statements of one finca call that read the lists and counts (not
 * ca_cert_json's look-ups of the certificates a row replaces), with their
 * parameters: what the peer runs. */
struct capture {
	int on;
	char *sql[4];
	sqlite3_stmt *ps[4];    /* prepared on the peer's connection */
	size_t n;
};

static int trace(unsigned type, void *ctx, void *p, void *x)
{
	struct capture *c = ctx;
	char *e;

	(void)type;
	(void)x;
	if (!c->on || c->n == 4 || !(e = sqlite3_expanded_sql(p)))
		return 0;
	if (!strncmp(e, "SELECT c.id,", 12) || strstr(e, "count(*)"))
		c->sql[c->n++] = xstrdup(e);
	sqlite3_free(e);
	return 0;
}

struct bcase {
	const char *name;
	const struct actor *a;
	int dash;               /* ra_dashboard, else ra_cert_list */
	struct cert_filter f;
	double t[ROUNDS], peer[ROUNDS], cli;
	size_t rows;            /* certificates in the answer */
	struct capture cap;
};

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(const double *t)
{
	double s[ROUNDS];

	memcpy(s, t, sizeof s);
	qsort(s, ROUNDS, sizeof s[0], cmp_d);
	return s[ROUNDS / 2];
}

static double best(const double *t)
{
	double b = t[0];

	for (int i = 1; i < ROUNDS; i++)
		b = t[i] < b ? t[i] : b;
	return b;
}

/* One finca call and the JSON text of its answer; seconds. */
static double finca_once(struct ca *ca, struct bcase *c)
{
	json_t *out = NULL;
	double t0 = now_s(), t;
	char *text;
	int rc;

	rc = c->dash ? ra_dashboard(ca, c->a, clock_now(), &out)
		     : ra_cert_list(ca, c->a, &c->f, &out);
	if (rc != FINCA_OK)
		die(c->name, rc);
	text = json_dumps(out, JSON_COMPACT);
	t = now_s() - t0;
	if (!c->dash)
		c->rows = json_array_size(json_object_get(out, "certificates"));
	free(text);
	json_decref(out);
	return t;
}

/* Prepares the captured SQL on the peer's own connection, once (as finca
 * keeps its statements prepared). */
static void peer_prepare(sqlite3 *db, struct capture *cap)
{
	for (size_t i = 0; i < cap->n; i++)
		if (sqlite3_prepare_v2(db, cap->sql[i], -1, &cap->ps[i], NULL) != SQLITE_OK) {
			fprintf(stderr, "bench/list: peer: %s\n", sqlite3_errmsg(db));
			exit(1);
		}
}

/* The captured statements stepped to the end, every row and column
 * read; seconds. */
static double peer_once(const struct capture *cap)
{
	double t0 = now_s();

	for (size_t i = 0; i < cap->n; i++) {
		sqlite3_stmt *s = cap->ps[i];
		while (sqlite3_step(s) == SQLITE_ROW)
			for (int k = 0; k < sqlite3_column_count(s); k++)
				if (sqlite3_column_type(s, k) == SQLITE_BLOB)
					(void)sqlite3_column_blob(s, k);
				else
					(void)sqlite3_column_text(s, k);
		sqlite3_reset(s);
	}
	return now_s() - t0;
}

/* The sqlite3 program on the same SQL (its start-up included); seconds. */
static double cli_once(const char *dir, const struct capture *cap)
{
	char path[600], cmd[1400];
	double t0;
	FILE *f;

	snprintf(path, sizeof path, "%s/peer.sql", dir);
	if (!(f = fopen(path, "w")))
		exit(1);
	for (size_t i = 0; i < cap->n; i++)
		fprintf(f, "%s;\n", cap->sql[i]);
	fclose(f);
	snprintf(cmd, sizeof cmd, "sqlite3 -readonly '%s/finca.db' '.read %s' >/dev/null", dir, path);
	t0 = now_s();
	if (system(cmd) != 0) {
		fprintf(stderr, "bench/list: %s failed\n", cmd);
		exit(1);
	}
	return now_s() - t0;
}

struct ids {
	int64_t *v;
	size_t n, cap;
};

static int collect(void *arg, const struct cert_rec *r)
{
	struct ids *x = arg;

	if (x->n == x->cap)
		x->v = xrealloc(x->v, (x->cap = x->cap ? 2 * x->cap : 1024) * sizeof *x->v);
	x->v[x->n++] = r->id;
	return FINCA_OK;
}

int main(void)
{
	const char *e = getenv("BENCH_N");
	size_t n = e ? strtoul(e, NULL, 10) : 100000;
	struct ca_init_opts o;
	struct ca *ca = NULL;
	char dir[] = "/tmp/finca-bench-list.XXXXXX", unit[19], name[32], idn[19], serial[41];
	char prefix[13], path[600];
	struct actor admin = { "bench-admin", "admin", "" }, op = { "bench-op", "operator", CITY },
		     io = { "bench-io", "officer", "" };
	struct ids scope = { NULL, 0, 0 };
	struct cert_filter all;
	sqlite3 *peer;
	int rc, met = 1;

	if (n < 1000 || n > 1000000 || !mkdtemp(dir)) {
		fprintf(stderr, "bench/list: BENCH_N 1000..1000000, and a /tmp\n");
		return 1;
	}
	memset(&o, 0, sizeof o);
	o.dir = dir;
	o.name = "bench";
	o.base_url = "http://127.0.0.1:8080";
	o.algorithm = KEY_SM2;
	o.actor = "bench";
	if ((rc = ca_init(&o, PASS)) != FINCA_OK)
		die("ca_init", rc);
	if ((rc = ca_open(dir, "bench", &ca)) != FINCA_OK)
		die("ca_open", rc);
	fill(ca, n, unit, name, idn, serial);
	snprintf(io.scope, sizeof io.scope, "%s", unit);
	snprintf(prefix, sizeof prefix, "%.12s", serial);
	/* the operator's scope in id order: the deep page starts 60 from its end */
	memset(&all, 0, sizeof all);
	all.status = -1;
	all.now = clock_now();
	all.scope = ROW_NODE;
	all.scope_val = CITY;
	if ((rc = store_cert_list(ca_store(ca), &all, collect, &scope)) != FINCA_OK || scope.n < 100)
		die("operator's scope", rc);

	struct bcase cases[] = {
		{ .name = "first page, administrator", .a = &admin },
		{ .name = "first page, operator (city + 3 counties)", .a = &op },
		{ .name = "first page, officer (one unit)", .a = &io },
		{ .name = "deep page, operator (after=)", .a = &op,
		  .f = { .after_id = scope.v[scope.n - 60] } },
		{ .name = "page 2 of a frozen filter, administrator", .a = &admin,
		  .f = { .status = CERT_HOLD, .after_id = (int64_t)n / 2 } },
		{ .name = "q=name, administrator", .a = &admin, .f = { .q = name } },
		{ .name = "q=name, operator", .a = &op, .f = { .q = name } },
		{ .name = "q=ID number, administrator", .a = &admin, .f = { .q = idn } },
		{ .name = "q=serial prefix (12), administrator", .a = &admin, .f = { .q = prefix } },
		{ .name = "q=\"35\" (matches nearly all), operator", .a = &op, .f = { .q = "35" } },
		{ .name = "dashboard, administrator", .a = &admin, .dash = 1 },
		{ .name = "dashboard, operator", .a = &op, .dash = 1 },
		{ .name = "dashboard, officer", .a = &io, .dash = 1 },
	};
	size_t nc = sizeof cases / sizeof cases[0];

	snprintf(path, sizeof path, "%s/finca.db", dir);
	if (sqlite3_open_v2(path, &peer, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		return fprintf(stderr, "bench/list: peer connection\n"), 1;
	sqlite3_exec(peer, "PRAGMA cache_size=-65536", NULL, NULL, NULL); /* finca's */
	for (size_t i = 0; i < nc; i++) {
		struct bcase *c = &cases[i];
		if (!c->dash) {
			c->f.now = clock_now();
			c->f.limit = 50;
			if (c->f.status == CERT_VALID) /* 0 in the table above: any */
				c->f.status = -1;
		}
		finca_once(ca, c); /* warm the cache, capture the SQL */
		sqlite3_trace_v2(db_native(ca_store(ca)->db), SQLITE_TRACE_STMT, trace, &c->cap);
		c->cap.on = 1;
		finca_once(ca, c);
		c->cap.on = 0;
		sqlite3_trace_v2(db_native(ca_store(ca)->db), 0, NULL, NULL);
		peer_prepare(peer, &c->cap);
		peer_once(&c->cap);
		for (int r = 0; r < ROUNDS; r++) {
			c->t[r] = finca_once(ca, c);
			c->peer[r] = peer_once(&c->cap);
		}
		c->cli = cli_once(dir, &c->cap);
		fprintf(stderr, "bench/list: %s: %.1f ms\n", c->name, 1000 * best(c->t));
	}
	printf("\n==== bench/list: %zu certificates, pages of 50, best / median of %d ====\n", n,
	       ROUNDS);
	printf("%-42s %5s %9s %9s %9s %9s %7s %8s\n", "case", "rows", "finca", "median", "peer",
	       "median", "ratio", "cli");
	for (size_t i = 0; i < nc; i++) {
		struct bcase *c = &cases[i];
		printf("%-42s %5zu %7.2fms %7.2fms %7.2fms %7.2fms %6.1fx %6.1fms\n", c->name,
		       c->dash ? (size_t)0 : c->rows, 1000 * best(c->t), 1000 * median(c->t),
		       1000 * best(c->peer), 1000 * median(c->peer), best(c->t) / best(c->peer),
		       1000 * c->cli);
		if (!c->dash && best(c->t) >= 0.2)
			met = 0;
		for (size_t k = 0; k < c->cap.n; k++) {
			sqlite3_finalize(c->cap.ps[k]);
			free(c->cap.sql[k]);
		}
	}
	printf("finca: ra_cert_list / ra_dashboard and the JSON text; peer: the same SQL, "
	       "sqlite3_prepare/step; cli: sqlite3 program, .read of that SQL\n");
	printf("target: every list page under 200 ms: %s\n", met ? "met" : "NOT met");
	printf("==== end ====\n");
	sqlite3_close(peer);
	ca_free(ca);
	free(scope.v);
	if (!getenv("BENCH_KEEP")) {
		char cmd[600];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "bench/list: could not remove %s\n", dir);
	} else {
		printf("kept %s unit=%s name=%s id=%s serial=%s\n", dir, unit, name, idn, serial);
	}
	return 0;
}
