/* The unified spreadsheet's template and import (src/ra/import.c) on a
 * fresh data directory: the template read back, clean CSVs in UTF-8 (with
 * a BOM) and GB18030 making a batch, and a bad XLSX whose every problem is
 * listed by sheet, row and column while nothing at all is created. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xlsxwriter.h>

#include "fixture.h"
#include "ra/ra.h"
#include "doc/sheet.h"
#include "util/err.h"
#include "util/util.h"

#define UNIT1 "12350102MB0000001U"
#define UNIT2 "91350100M00010001T"

static struct fx fx;
static struct ca *ca; /* fx.ca */
static const struct actor sys = { "test", "system", "" };

/* Resident ID number i (Fuzhou Gulou, born in 1980), with its check
 * character. */
static const char *rid(int i)
{
	static const int w[17] = { 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2 };
	static char out[8][19];
	static int next;
	char *o = out[next++ % 8];
	int sum = 0;

	snprintf(o, 19, "35010219800101%03d", i % 1000);
	for (int k = 0; k < 17; k++)
		sum += (o[k] - '0') * w[k];
	o[17] = "10X98765432"[sum % 11];
	o[18] = '\0';
	return o;
}

static void add(int kind, json_t *o)
{
	json_t *out = NULL;

	if (org_add(ca, &sys, kind, o, &out) != FINCA_OK)
		fail_msg("org_add: %s", err_msg());
	json_decref(out);
	json_decref(o);
}

static int setup(void **state)
{
	(void)state;
	fx_open(&fx, "import", NULL);
	ca = fx.ca;
	add(ORG_NODE, json_pack("{s:s, s:s, s:s}", "code", "350000", "name", "福建省",
				"level", "province"));
	add(ORG_DEPT, json_pack("{s:s, s:s, s:s}", "code", "czt", "name", "福建省财政厅",
				"node", "350000"));
	add(ORG_APP, json_pack("{s:s, s:s, s:s}", "code", "ysyth", "name", "预算管理一体化系统",
			       "dept", "czt"));
	add(ORG_UNIT, json_pack("{s:s, s:s, s:s, s:s}", "code", UNIT1, "name", "鼓楼区教育局",
				"type", "行政单位", "node", "350000"));
	add(ORG_UNIT, json_pack("{s:s, s:s, s:s, s:s}", "code", UNIT2, "name", "鼓楼区财政局",
				"type", "行政单位", "node", "350000"));
	/* two persons registered before any import */
	add(ORG_PERSON, json_pack("{s:s, s:s, s:s}", "id_number", rid(0), "name", "王五",
				  "unit", UNIT1));
	add(ORG_PERSON, json_pack("{s:s, s:s, s:s}", "id_number", rid(1), "name", "赵六",
				  "unit", UNIT1));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fx_close(&fx);
	return 0;
}

/* How many persons and requests there are (the system sees all). */
static void counts(size_t *persons, size_t *requests)
{
	struct page p = { NULL, NULL, 0, 1000 };
	json_t *o = NULL;

	assert_int_equal(org_list(ca, &sys, ORG_PERSON, &p, &o), FINCA_OK);
	*persons = json_array_size(json_object_get(o, "items"));
	json_decref(o);
	assert_int_equal(ra_request_list(ca, &sys, &p, NULL, 0, &o), FINCA_OK);
	*requests = json_array_size(json_object_get(o, "items"));
	json_decref(o);
}

static unsigned char *slurp(const char *path, size_t *len)
{
	unsigned char *buf = NULL;

	if (file_read(path, BOOK_INPUT_MAX, &buf, len) != FINCA_OK)
		fail_msg("%s: %s", path, err_msg());
	return buf;
}

#ifdef __SANITIZE_ADDRESS__
/* libxlsxwriter 1.1.4 never frees the copy of a data validation's formula
 * (the template's dropdowns): not ours; nothing else is suppressed. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:lxw_strdup\n";
}
#endif

static void template_round_trip(void **state)
{
	static const struct {
		const char *name;
		const char *headers[9];
	} want[] = {
		{ "申请", { "姓名", "身份证号", "单位编码", "应用系统编码", "手机", "邮箱", "备注" } },
		{ "延期", { "姓名", "身份证号", "单位编码", "应用系统编码", "证书序列号", "备注" } },
		{ "更新", { "姓名", "身份证号", "单位编码", "应用系统编码", "证书序列号", "新姓名",
			    "新单位编码", "备注" } },
		{ "补办", { "姓名", "身份证号", "单位编码", "应用系统编码", "证书序列号", "补办原因",
			    "备注" } },
		{ "冻结", { "姓名", "身份证号", "单位编码", "应用系统编码", "证书序列号", "备注" } },
		{ "解冻", { "姓名", "身份证号", "单位编码", "应用系统编码", "证书序列号", "备注" } },
		{ "注销", { "姓名", "身份证号", "单位编码", "应用系统编码", "证书序列号", "注销原因",
			    "备注" } },
		{ "密码初始化", { "姓名", "身份证号", "单位编码", "应用系统编码", "证书序列号",
				  "备注" } },
		{ "访问授权", { "姓名", "身份证号", "单位编码", "应用系统编码", "操作", "角色",
				"有效期至", "备注" } },
	};
	unsigned char *x = NULL;
	size_t len = 0, persons, requests, p2, r2;
	struct book *bk = NULL;
	json_t *out = NULL, *errs = NULL;

	(void)state;
	assert_int_equal(ra_template(NULL, NULL, &x, &len), FINCA_OK);
	assert_non_null(x);
	assert_int_equal(book_read(x, len, NULL, &bk), FINCA_OK);
	assert_int_equal(bk->nsheets, 10); /* and the hidden lists */
	assert_string_equal(bk->sheets[9].name, "列表");
	for (size_t i = 0; i < 9; i++) {
		const struct sheet *s = &bk->sheets[i];
		size_t n = 0;
		while (n < 9 && want[i].headers[n])
			n++;
		assert_string_equal(s->name, want[i].name);
		assert_int_equal(s->nrows, 3); /* headers, notes and the sample row */
		assert_int_equal(s->ncols, n);
		for (size_t c = 0; c < n; c++)
			assert_string_equal(sheet_cell(s, 0, c), want[i].headers[c]);
		assert_string_equal(sheet_cell(s, 1, 0), "必填：证书持有人的姓名");
		assert_string_equal(sheet_cell(s, 2, 1), "11010519491231002X");
	}
	book_free(bk);
	/* the template as it comes: its notes and sample rows are no requests */
	counts(&persons, &requests);
	assert_int_equal(ra_import(ca, &sys, x, len, "template.xlsx", &out, &errs), FINCA_EINVAL);
	assert_null(out);
	assert_int_equal(json_array_size(errs), 1);
	assert_non_null(strstr(json_string_value(json_object_get(json_array_get(errs, 0),
								  "message")), "no request rows"));
	assert_non_null(strstr(err_msg(), "no request rows"));
	json_decref(errs);
	counts(&p2, &r2);
	assert_int_equal(p2, persons);
	assert_int_equal(r2, requests);
	free(x);
}

/* A 申请 CSV in UTF-8 with a BOM: a registered person first (id a - 1,
 * registered here: an apply is refused to someone with one pending, so
 * each import has its own), then persons ids a and b, new; columns in
 * another order than the template's. */
static char *apply_csv(int a, int b)
{
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);

	add(ORG_PERSON, json_pack("{s:s, s:s, s:s}", "id_number", rid(a - 1), "name", "赵六",
				  "unit", UNIT1));
	fprintf(f, "\xEF\xBB\xBF" "身份证号,姓名,应用系统编码,单位编码,手机,邮箱,备注\r\n");
	fprintf(f, "%s,赵六,ysyth,%s,,,\r\n", rid(a - 1), UNIT1);
	fprintf(f, "%s, 孙七 ,ysyth,%s,13800000001,sunqi@example.gov.cn,新入职\r\n", rid(a),
		UNIT1);
	fprintf(f, "%s,周八,ysyth,%s,,,\"备注, 带逗号\"\r\n", rid(b), UNIT1);
	fprintf(f, ",,,,,,\r\n"); /* a blank row */
	fclose(f);
	return s;
}

static void import_ok(const unsigned char *buf, size_t len, const char *name)
{
	size_t persons, requests, p2, r2;
	json_t *out = NULL, *errs = NULL, *b = NULL;

	counts(&persons, &requests);
	if (ra_import(ca, &sys, buf, len, name, &out, &errs) != FINCA_OK) {
		char *e = errs ? json_dumps(errs, JSON_INDENT(1)) : NULL;
		fail_msg("ra_import %s: %s\n%s", name, err_msg(), e ? e : "");
	}
	assert_null(errs);
	assert_int_equal(json_integer_value(json_object_get(out, "requests")), 3);
	assert_int_equal(json_integer_value(json_object_get(out, "persons_registered")), 2);
	assert_string_equal(json_string_value(json_object_get(out, "unit")), UNIT1);
	counts(&p2, &r2);
	assert_int_equal(p2, persons + 2);
	assert_int_equal(r2, requests + 3);
	assert_int_equal(ra_batch_show(ca, &sys, json_integer_value(json_object_get(out, "batch")),
				       &b), FINCA_OK);
	assert_string_equal(json_string_value(json_object_get(b, "source")), name);
	assert_int_equal(json_array_size(json_object_get(b, "requests")), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
		json_object_get(b, "requests"), 1), "name")), "孙七");
	json_decref(b);
	json_decref(out);
}

static void csv_utf8(void **state)
{
	char *csv = apply_csv(10, 11);

	(void)state;
	import_ok((const unsigned char *)csv, strlen(csv), "people.csv");
	free(csv);
}

static void csv_gb18030(void **state)
{
	char in[128], out[128], cmd[384];
	char *csv = apply_csv(20, 21);
	unsigned char *buf;
	size_t len;
	FILE *f;

	(void)state;
	snprintf(in, sizeof in, "%s/utf8.csv", fx.dir);
	snprintf(out, sizeof out, "%s/申请.csv", fx.dir);
	assert_non_null(f = fopen(in, "w"));
	fputs(csv, f);
	fclose(f);
	free(csv);
	snprintf(cmd, sizeof cmd, "iconv -f UTF-8 -t GB18030 '%s' > '%s'", in, out);
	assert_int_equal(system(cmd), 0);
	buf = slurp(out, &len);
	/* GB18030 indeed: 孙 is 0xCB 0xEF there */
	assert_non_null(memmem(buf, len, "\xCB\xEF", 2));
	import_ok(buf, len, "申请.csv");
	free(buf);
}

/* A CSV of one of the sheets with the same columns, named after none. */
static void csv_ambiguous(void **state)
{
	static const char csv[] = "姓名,身份证号,单位编码,应用系统编码,证书序列号,备注\n"
				  "王五,350102198001010000,12350102MB0000001U,ysyth,0A,\n";
	json_t *out = NULL, *errs = NULL;
	const char *m;

	(void)state;
	assert_int_equal(ra_import(ca, &sys, (const unsigned char *)csv, strlen(csv), "x.csv",
				   &out, &errs), FINCA_EINVAL);
	assert_null(out);
	assert_int_equal(json_array_size(errs), 1);
	m = json_string_value(json_object_get(json_array_get(errs, 0), "message"));
	assert_non_null(strstr(m, "延期, 冻结, 解冻, 密码初始化"));
	assert_non_null(strstr(m, "name the file after its sheet"));
	json_decref(errs);
}

static void row(lxw_worksheet *ws, lxw_row_t r, const char *const *cells, size_t n)
{
	for (size_t c = 0; c < n; c++)
		if (cells[c])
			worksheet_write_string(ws, r, (lxw_col_t)c, cells[c], NULL);
}

static void bad_file(void **state)
{
	static const char *const apply_h[] = { "姓名", "身份证号", "单位编码", "应用系统编码",
					       "手机", "邮箱", "备注" };
	static const char *const revoke_h[] = { "姓名", "身份证号", "单位编码", "应用系统编码",
						"证书序列号", "注销原因", "备注" };
	static const char *const auth_h[] = { "姓名", "身份证号", "单位编码", "应用系统编码",
					      "角色" };
	/* what must be reported, in order: sheet, row, column, a word of it */
	static const struct { const char *sheet; int row; const char *column, *msg; } want[] = {
		{ "申请", 2, "身份证号", "check character" },
		{ "申请", 3, "单位编码", "is registered with unit " UNIT1 },
		{ "申请", 4, "应用系统编码", "missing" },
		{ "申请", 5, "邮箱", "not an e-mail address" },
		{ "申请", 7, "身份证号", "twice" },
		{ "注销", 2, "注销原因", "not a reason" },
		{ "注销", 3, "证书序列号", "no certificate" },
		{ "访问授权", 1, "操作", "missing column" },
	};
	char path[128], bad_id[19];
	lxw_workbook *wb;
	lxw_worksheet *ws;
	unsigned char *buf;
	size_t len, persons, requests, p2, r2;
	json_t *out = NULL, *errs = NULL;

	(void)state;
	snprintf(bad_id, sizeof bad_id, "%s", rid(30));
	bad_id[17] = bad_id[17] == '1' ? '2' : '1';
	snprintf(path, sizeof path, "%s/bad.xlsx", fx.dir);
	assert_non_null(wb = workbook_new(path));
	ws = workbook_add_worksheet(wb, "申请");
	row(ws, 0, apply_h, 7);
	row(ws, 1, (const char *const[]){ "甲", bad_id, UNIT1, "ysyth" }, 4);
	row(ws, 2, (const char *const[]){ "王五", rid(0), UNIT2, "ysyth" }, 4);
	row(ws, 3, (const char *const[]){ "乙", rid(31), UNIT1, "" }, 4);
	row(ws, 4, (const char *const[]){ "丙", rid(32), UNIT1, "ysyth", "", "bing" }, 6);
	/* a good row: its person is registered inside the import, and undone */
	row(ws, 5, (const char *const[]){ "丁", rid(33), UNIT1, "ysyth" }, 4);
	row(ws, 6, (const char *const[]){ "丁", rid(33), UNIT1, "ysyth" }, 4);
	ws = workbook_add_worksheet(wb, "注销");
	row(ws, 0, revoke_h, 7);
	row(ws, 1, (const char *const[]){ "王五", rid(0), UNIT1, "ysyth", "0A", "辞职" }, 6);
	row(ws, 2, (const char *const[]){ "赵六", rid(1), UNIT1, "ysyth", "0B", "调出" }, 6);
	ws = workbook_add_worksheet(wb, "访问授权");
	row(ws, 0, auth_h, 5);
	row(ws, 1, (const char *const[]){ "王五", rid(0), UNIT1, "ysyth", "录入" }, 5);
	workbook_add_worksheet(wb, "说明"); /* not a sheet of the template */
	assert_int_equal(workbook_close(wb), LXW_NO_ERROR);
	buf = slurp(path, &len);

	counts(&persons, &requests);
	assert_int_equal(ra_import(ca, &sys, buf, len, path, &out, &errs), FINCA_EINVAL);
	assert_null(out);
	assert_non_null(errs);
	if (json_array_size(errs) != sizeof want / sizeof want[0]) {
		char *d = json_dumps(errs, JSON_INDENT(1));
		fail_msg("%zu problems, not %zu:\n%s", json_array_size(errs),
			 sizeof want / sizeof want[0], d);
	}
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		json_t *e = json_array_get(errs, i);
		const char *m = json_string_value(json_object_get(e, "message"));
		assert_string_equal(json_string_value(json_object_get(e, "sheet")), want[i].sheet);
		assert_int_equal(json_integer_value(json_object_get(e, "row")), want[i].row);
		assert_string_equal(json_string_value(json_object_get(e, "column")),
				    want[i].column);
		if (!strstr(m, want[i].msg))
			fail_msg("problem %zu: '%s' lacks '%s'", i, m, want[i].msg);
	}
	assert_non_null(strstr(err_msg(), "8 problem(s); the first: 申请 row 2, 身份证号: "));
	json_decref(errs);
	/* nothing at all: not the person of the good row either */
	counts(&p2, &r2);
	assert_int_equal(p2, persons);
	assert_int_equal(r2, requests);
	free(buf);
}

/* A person registered on the 申请 sheet is given access on the 访问授权
 * sheet of the same file; Excel's 2027/12/31 becomes 2027-12-31. */
static void cross_sheets(void **state)
{
	static const char *const apply_h[] = { "姓名", "身份证号", "单位编码", "应用系统编码" };
	static const char *const auth_h[] = { "姓名", "身份证号", "单位编码", "应用系统编码",
					      "操作", "角色", "有效期至", "备注" };
	struct page p = { NULL, NULL, 0, 100 };
	char path[128];
	lxw_workbook *wb;
	lxw_worksheet *ws;
	unsigned char *buf;
	size_t len;
	json_t *out = NULL, *errs = NULL, *list = NULL, *d = NULL;

	(void)state;
	snprintf(path, sizeof path, "%s/cross.xlsx", fx.dir);
	assert_non_null(wb = workbook_new(path));
	/* the 访问授权 sheet first: the order of the sheets does not matter */
	ws = workbook_add_worksheet(wb, "访问授权");
	row(ws, 0, auth_h, 8);
	row(ws, 1, (const char *const[]){ "吴九", rid(40), UNIT1, "ysyth", "授权", "录入,查询",
					  "2027/12/31", "" }, 8);
	ws = workbook_add_worksheet(wb, "申请");
	row(ws, 0, apply_h, 4);
	row(ws, 1, (const char *const[]){ "吴九", rid(40), UNIT1, "ysyth" }, 4);
	assert_int_equal(workbook_close(wb), LXW_NO_ERROR);
	buf = slurp(path, &len);
	if (ra_import(ca, &sys, buf, len, path, &out, &errs) != FINCA_OK) {
		char *e = errs ? json_dumps(errs, JSON_INDENT(1)) : NULL;
		fail_msg("ra_import: %s\n%s", err_msg(), e ? e : "");
	}
	assert_int_equal(json_integer_value(json_object_get(out, "persons_registered")), 1);
	assert_int_equal(json_integer_value(json_object_get(out, "requests")), 2);
	p.filter = "authorize";
	assert_int_equal(ra_request_list(ca, &sys, &p, NULL,
					 json_integer_value(json_object_get(out, "batch")), &list),
			 FINCA_OK);
	assert_int_equal(json_array_size(json_object_get(list, "items")), 1);
	d = json_object_get(json_array_get(json_object_get(list, "items"), 0), "data");
	assert_string_equal(json_string_value(json_object_get(d, "action")), "grant");
	assert_string_equal(json_string_value(json_object_get(d, "roles")), "录入,查询");
	assert_string_equal(json_string_value(json_object_get(d, "not_after")), "2027-12-31");
	json_decref(list);
	json_decref(out);
	free(buf);
}

/* An information officer imports for its own unit only; a refusal
 * changes nothing. */
static void officer_scope(void **state)
{
	struct actor other = { "officer2", "officer", UNIT2 };
	struct actor own = { "officer1", "officer", UNIT1 };
	char *csv = apply_csv(50, 51);
	size_t persons, requests, p2, r2;
	json_t *out = NULL, *errs = NULL;

	(void)state;
	counts(&persons, &requests);
	assert_int_equal(ra_import(ca, &other, (const unsigned char *)csv, strlen(csv), "a.csv",
				   &out, &errs), FINCA_EAUTH);
	assert_null(out);
	assert_null(errs);
	counts(&p2, &r2);
	assert_int_equal(p2, persons);
	assert_int_equal(r2, requests);
	assert_int_equal(ra_import(ca, &own, (const unsigned char *)csv, strlen(csv), "a.csv",
				   &out, &errs), FINCA_OK);
	assert_int_equal(json_integer_value(json_object_get(out, "persons_registered")), 2);
	json_decref(out);
	free(csv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(template_round_trip),
		cmocka_unit_test(csv_utf8),
		cmocka_unit_test(csv_gb18030),
		cmocka_unit_test(csv_ambiguous),
		cmocka_unit_test(bad_file),
		cmocka_unit_test(cross_sheets),
		cmocka_unit_test(officer_scope),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
