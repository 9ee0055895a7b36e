/* bench/import: ra_import of a 10,000-row 申请 sheet (XLSX), against the
 * target of 2 seconds, next to what SQLite alone takes to insert the same
 * rows into a table like finca's request table.
 *
 *   make bench                             (all benches)
 *   make build/bench/import && ./build/bench/import
 *   BENCH_N=2000 BENCH_ALGO=p256 ./build/bench/import
 *
 * One data directory (ca_init, like 'finca init'; BENCH_ALGO sm2 by
 * default, so the audit chain hashes with SM3) with a node, a department,
 * an application system and a unit (org_add as the system actor).  Then:
 *   new        3 rounds, each a new XLSX of N persons not registered yet:
 *              every row registers its person and makes a draft request
 *   registered 3 rounds re-importing the first round's file: the persons
 *              are registered, every row makes a draft request
 * Each round is one ra_import (reading the XLSX included), timed; the best
 * of 3 is reported.  book_read alone is timed too.  The peers, best of 3:
 *   sqlite3 API  one transaction of N INSERTs (prepared statement) into a
 *                table with the request table's columns and indexes, WAL,
 *                synchronous=FULL (finca's settings), in a new database
 *   sqlite3 CLI  '.import' of the same rows as CSV into that table by the
 *                sqlite3 program
 * The peers store N rows; finca stores per row a request, its event and
 * an audit record (and for a new person the person and its audit record),
 * after checking the row. */
#include "ra/ra.h"
#include "doc/sheet.h"
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
#include <xlsxwriter.h>

#define PASS "bench-passphrase"
#define UNIT "12350000003591045H"

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void die(const char *what, int rc)
{
	fprintf(stderr, "bench/import: %s: %s (%s)\n", what, err_msg(), err_name(rc));
	exit(1);
}

/* Resident ID number i: Fuzhou Gulou, born 1960-01-01 plus i / 1000 days,
 * sequence i % 1000, and its check character. */
static void rid(size_t i, char out[19])
{
	time_t t = (time_t)(-315619200 + (long)(i / 1000) * 86400); /* 1960-01-01 */
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(out, 19, "350102%04u%02u%02u%03u", (unsigned)(tm.tm_year + 1900) % 10000u,
		 (unsigned)(tm.tm_mon + 1) % 100u, (unsigned)tm.tm_mday % 100u,
		 (unsigned)(i % 1000));
	out[17] = ident_resident_id_char(out);
	out[18] = '\0';
}

/* The 申请 sheet of persons first..first+n-1 into path. */
static void write_xlsx(const char *path, size_t first, size_t n)
{
	static const char *const h[] = { "姓名", "身份证号", "单位编码", "应用系统编码", "手机",
					 "邮箱", "备注" };
	lxw_workbook *wb = workbook_new(path);
	lxw_worksheet *ws = workbook_add_worksheet(wb, "申请");
	char id[19], name[32], phone[16], mail[48];

	for (lxw_col_t c = 0; c < 7; c++)
		worksheet_write_string(ws, 0, c, h[c], NULL);
	for (size_t i = 0; i < n; i++) {
		lxw_row_t r = (lxw_row_t)(i + 1);
		rid(first + i, id);
		snprintf(name, sizeof name, "职工%06zu", first + i);
		snprintf(phone, sizeof phone, "138%08zu", first + i);
		snprintf(mail, sizeof mail, "p%zu@example.gov.cn", first + i);
		worksheet_write_string(ws, r, 0, name, NULL);
		worksheet_write_string(ws, r, 1, id, NULL);
		worksheet_write_string(ws, r, 2, UNIT, NULL);
		worksheet_write_string(ws, r, 3, "ysyth", NULL);
		worksheet_write_string(ws, r, 4, phone, NULL);
		worksheet_write_string(ws, r, 5, mail, NULL);
		worksheet_write_string(ws, r, 6, "新入职", NULL);
	}
	if (workbook_close(wb) != LXW_NO_ERROR) {
		fprintf(stderr, "bench/import: %s: cannot write\n", path);
		exit(1);
	}
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

/* One ra_import of file; its seconds.  Checks what it made. */
static double import_once(struct ca *ca, const struct actor *a, const char *file,
			  size_t n, size_t want_new)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	json_t *out = NULL, *errs = NULL;
	double t0, t;
	int rc;

	if ((rc = file_read(file, BOOK_INPUT_MAX, &buf, &len)) != FINCA_OK)
		die(file, rc);
	t0 = now_s();
	rc = ra_import(ca, a, buf, len, "申请.xlsx", &out, &errs);
	t = now_s() - t0;
	if (rc != FINCA_OK) {
		char *e = errs ? json_dumps(json_array_get(errs, 0), 0) : NULL;
		fprintf(stderr, "first problem: %s\n", e ? e : "-");
		free(e);
		die("ra_import", rc);
	}
	if ((size_t)json_integer_value(json_object_get(out, "requests")) != n ||
	    (size_t)json_integer_value(json_object_get(out, "persons_registered")) != want_new) {
		char *d = json_dumps(json_object_get(out, "persons_registered"), JSON_ENCODE_ANY);
		fprintf(stderr, "bench/import: unexpected answer (persons_registered %s)\n", d);
		exit(1);
	}
	json_decref(out);
	free(buf);
	return t;
}

#define PEER_TABLE \
	"CREATE TABLE request(id INTEGER PRIMARY KEY," \
	" batch INTEGER, type TEXT NOT NULL, state TEXT NOT NULL," \
	" unit TEXT NOT NULL, app TEXT, node TEXT NOT NULL," \
	" subject_kind TEXT NOT NULL, subject TEXT NOT NULL, name TEXT NOT NULL," \
	" note TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);" \
	"CREATE INDEX request_batch ON request(batch);" \
	"CREATE INDEX request_state ON request(state, node);" \
	"CREATE INDEX request_unit ON request(unit, state);" \
	"CREATE INDEX request_subject ON request(subject);"

static void sql(sqlite3 *db, const char *s)
{
	char *e = NULL;

	if (sqlite3_exec(db, s, NULL, NULL, &e) != SQLITE_OK) {
		fprintf(stderr, "bench/import: sqlite: %s\n", e ? e : "?");
		exit(1);
	}
}

/* N INSERTs in one transaction into a new database at path; seconds. */
static double peer_api(const char *path, size_t first, size_t n)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	char id[19], name[32];
	double t0, t;

	unlink(path);
	if (sqlite3_open(path, &db) != SQLITE_OK)
		exit(1);
	sql(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;" PEER_TABLE);
	t0 = now_s();
	sql(db, "BEGIN IMMEDIATE");
	if (sqlite3_prepare_v2(db, "INSERT INTO request(batch, type, state, unit, app, node,"
			       " subject_kind, subject, name, note, created_at, updated_at)"
			       " VALUES(1, 'apply', 'draft', ?1, 'ysyth', '350000', 'person',"
			       " ?2, ?3, '新入职', ?4, ?4)", -1, &s, NULL) != SQLITE_OK)
		exit(1);
	for (size_t i = 0; i < n; i++) {
		rid(first + i, id);
		snprintf(name, sizeof name, "职工%06zu", first + i);
		sqlite3_bind_text(s, 1, UNIT, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(s, 3, name, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(s, 4, (sqlite3_int64)time(NULL));
		if (sqlite3_step(s) != SQLITE_DONE)
			exit(1);
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
	sql(db, "COMMIT");
	t = now_s() - t0;
	sqlite3_close(db);
	return t;
}

/* The sqlite3 program's .import of the same rows as CSV; seconds. */
static double peer_cli(const char *dir, size_t first, size_t n)
{
	char csv[512], db[512], cmd[2048], id[19];
	sqlite3 *h;
	FILE *f;
	double t0, t;
	long now = (long)time(NULL);

	snprintf(csv, sizeof csv, "%s/peer.csv", dir);
	snprintf(db, sizeof db, "%s/peer-cli.db", dir);
	unlink(db);
	if (!(f = fopen(csv, "w")))
		exit(1);
	for (size_t i = 0; i < n; i++) {
		rid(first + i, id);
		fprintf(f, "%zu,1,apply,draft,%s,ysyth,350000,person,%s,职工%06zu,新入职,%ld,%ld\n",
			i + 1, UNIT, id, first + i, now, now);
	}
	fclose(f);
	if (sqlite3_open(db, &h) != SQLITE_OK)
		exit(1);
	sql(h, "PRAGMA journal_mode=WAL;" PEER_TABLE);
	sqlite3_close(h);
	snprintf(cmd, sizeof cmd, "sqlite3 -cmd 'PRAGMA synchronous=FULL' '%s' "
		 "'.mode csv' '.import %s request' >/dev/null", db, csv);
	t0 = now_s();
	if (system(cmd) != 0) {
		fprintf(stderr, "bench/import: %s failed\n", cmd);
		exit(1);
	}
	t = now_s() - t0;
	return t;
}

static double best(const double *t, size_t n)
{
	double b = t[0];

	for (size_t i = 1; i < n; i++)
		if (t[i] < b)
			b = t[i];
	return b;
}

int main(void)
{
	const char *e = getenv("BENCH_N"), *alg = getenv("BENCH_ALGO");
	size_t n = e ? strtoul(e, NULL, 10) : 10000;
	struct actor sys = { "bench", "system", "" };
	struct ca_init_opts o;
	struct ca *ca = NULL;
	char dir[] = "/tmp/finca-bench-import.XXXXXX", file[3][512], peer[512];
	double t_new[3], t_reg[3], t_read[3], t_api[3], t_cli[3];
	int rc;

	if (n == 0 || n > 100000 || !mkdtemp(dir)) {
		fprintf(stderr, "bench/import: BENCH_N 1..100000, and a /tmp\n");
		return 1;
	}
	memset(&o, 0, sizeof o);
	o.dir = dir;
	o.name = "bench";
	o.base_url = "http://127.0.0.1:8080";
	o.algorithm = alg ? key_alg_parse(alg) : KEY_SM2;
	o.actor = "bench";
	if (o.algorithm < 0)
		return fprintf(stderr, "bench/import: BENCH_ALGO sm2|p256|rsa2048|rsa3072\n"), 1;
	if ((rc = ca_init(&o, PASS)) != FINCA_OK)
		die("ca_init", rc);
	if ((rc = ca_open(dir, "bench", &ca)) != FINCA_OK)
		die("ca_open", rc);
	add(ca, &sys, ORG_NODE, json_pack("{s:s, s:s, s:s}", "code", "350000", "name", "福建省",
					  "level", "province"));
	add(ca, &sys, ORG_DEPT, json_pack("{s:s, s:s, s:s}", "code", "czt", "name", "福建省财政厅",
					  "node", "350000"));
	add(ca, &sys, ORG_APP, json_pack("{s:s, s:s, s:s}", "code", "ysyth",
					 "name", "预算管理一体化系统", "dept", "czt"));
	add(ca, &sys, ORG_UNIT, json_pack("{s:s, s:s, s:s, s:s}", "code", UNIT,
					  "name", "福建省财政厅", "type", "行政单位",
					  "node", "350000"));
	for (size_t r = 0; r < 3; r++) {
		snprintf(file[r], sizeof file[r], "%s/apply-%zu.xlsx", dir, r);
		write_xlsx(file[r], r * n, n);
	}
	for (size_t r = 0; r < 3; r++) {
		unsigned char *buf = NULL;
		size_t len = 0;
		struct book *bk = NULL;
		double t0;
		if ((rc = file_read(file[r], BOOK_INPUT_MAX, &buf, &len)) != FINCA_OK)
			die(file[r], rc);
		t0 = now_s();
		if ((rc = book_read(buf, len, NULL, &bk)) != FINCA_OK)
			die("book_read", rc);
		t_read[r] = now_s() - t0;
		book_free(bk);
		free(buf);
	}
	for (size_t r = 0; r < 3; r++) {
		t_new[r] = import_once(ca, &sys, file[r], n, n);
		fprintf(stderr, "bench/import: new persons, round %zu: %.3f s\n", r + 1, t_new[r]);
	}
	for (size_t r = 0; r < 3; r++) {
		t_reg[r] = import_once(ca, &sys, file[0], n, 0);
		fprintf(stderr, "bench/import: registered persons, round %zu: %.3f s\n", r + 1,
			t_reg[r]);
	}
	snprintf(peer, sizeof peer, "%s/peer-api.db", dir);
	for (size_t r = 0; r < 3; r++) {
		t_api[r] = peer_api(peer, r * n, n);
		t_cli[r] = peer_cli(dir, r * n, n);
	}
	printf("\n==== bench/import: %zu rows, %s ====\n", n, alg ? alg : "sm2");
	printf("ra_import, new persons (register + request)   best %.3f s  %8.0f rows/s\n",
	       best(t_new, 3), (double)n / best(t_new, 3));
	printf("ra_import, registered persons (request)       best %.3f s  %8.0f rows/s\n",
	       best(t_reg, 3), (double)n / best(t_reg, 3));
	printf("  of which book_read (XLSX)                   best %.3f s\n", best(t_read, 3));
	printf("peer: sqlite3 API, %zu INSERTs, 1 transaction best %.3f s  %8.0f rows/s\n", n,
	       best(t_api, 3), (double)n / best(t_api, 3));
	printf("peer: sqlite3 CLI, .import CSV                best %.3f s  %8.0f rows/s\n",
	       best(t_cli, 3), (double)n / best(t_cli, 3));
	printf("target: %zu rows in under 2 s: %s\n", n,
	       best(t_new, 3) < 2.0 * (double)n / 10000 ? "met" : "NOT met");
	printf("==== end ====\n");
	ca_free(ca);
	if (!getenv("BENCH_KEEP")) {
		char cmd[600];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "bench/import: could not remove %s\n", dir);
	} else {
		printf("kept %s\n", dir);
	}
	return 0;
}
