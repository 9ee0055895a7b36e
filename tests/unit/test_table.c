/* src/doc/table.c: a table handed out as CSV (BOM, RFC 4180 quoting, no
 * formula run by a spreadsheet, long cells cut on a character) and XLSX
 * (read back by our own reader, src/doc/sheet.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "doc/sheet.h"
#include "doc/table.h"
#include "util/err.h"

static const char *const head[] = { "序号", "摘要", "详细内容" };

static char *csv_of(const char *const *cells)
{
	struct table *t = NULL;
	unsigned char *out = NULL;
	size_t len = 0;

	assert_int_equal(table_open(TABLE_CSV, "x", head, NULL, 3, &t), FINCA_OK);
	assert_int_equal(table_row(t, cells), FINCA_OK);
	assert_int_equal(table_close(t, &out, &len), FINCA_OK);
	table_free(t);
	out = realloc(out, len + 1);
	out[len] = '\0';
	return (char *)out;
}

static void csv(void **state)
{
	const char *const row[] = { "1", "证书 0A，主题 \"CN=a, O=b\"", "{\"a\":1}\nx" };
	const char *const formula[] = { "=1+1", "-2", NULL };
	char *s;

	(void)state;
	s = csv_of(row);
	assert_string_equal(s, "\xEF\xBB\xBF序号,摘要,详细内容\r\n"
			       "1,\"证书 0A，主题 \"\"CN=a, O=b\"\"\",\"{\"\"a\"\":1}\nx\"\r\n");
	free(s);
	s = csv_of(formula);
	assert_string_equal(s, "\xEF\xBB\xBF序号,摘要,详细内容\r\n'=1+1,'-2,\r\n");
	free(s);
}

static void long_cell(void **state)
{
	char *big = malloc(TABLE_CELL_MAX + 100), *s, *c;
	const char *row[3] = { "1", NULL, "" };

	(void)state;
	/* "中" is 3 bytes: TABLE_CELL_MAX (32000) falls inside one */
	for (size_t i = 0; i + 3 < TABLE_CELL_MAX + 100; i += 3)
		memcpy(big + i, "中", 3);
	big[(TABLE_CELL_MAX + 99) / 3 * 3] = '\0';
	row[1] = big;
	s = csv_of(row);
	c = strstr(s, "\r\n1,") + 4;
	assert_non_null(strstr(c, "…,\r\n"));
	assert_int_equal(strstr(c, "…") - c, TABLE_CELL_MAX / 3 * 3);
	free(s);
	free(big);
}

static void xlsx(void **state)
{
	const char *const r1[] = { "1", "证书冻结", "{\"from\":\"valid\"}" };
	const char *const r2[] = { "2", "=SUM(A1)", NULL };
	struct table *t = NULL;
	struct book *bk = NULL;
	unsigned char *out = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(table_open(TABLE_XLSX, "审计日志", head, (const double[]){ 8, 60, 80 }, 3, &t),
			 FINCA_OK);
	assert_int_equal(table_row(t, r1), FINCA_OK);
	assert_int_equal(table_row(t, r2), FINCA_OK);
	assert_int_equal(table_close(t, &out, &len), FINCA_OK);
	table_free(t);
	assert_memory_equal(out, "PK\3\4", 4);
	assert_int_equal(book_read(out, len, NULL, &bk), FINCA_OK);
	assert_string_equal(bk->sheets[0].name, "审计日志");
	assert_int_equal(bk->sheets[0].nrows, 3);
	assert_string_equal(sheet_cell(&bk->sheets[0], 0, 2), "详细内容");
	assert_string_equal(sheet_cell(&bk->sheets[0], 1, 1), "证书冻结");
	/* a string, not a formula: XLSX keeps it as text */
	assert_string_equal(sheet_cell(&bk->sheets[0], 2, 1), "=SUM(A1)");
	book_free(bk);
	free(out);
}

static void bad(void **state)
{
	struct table *t = NULL;

	(void)state;
	assert_int_equal(table_open(TABLE_CSV, "x", head, NULL, 0, &t), FINCA_EINVAL);
	assert_null(t);
	table_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(csv),
		cmocka_unit_test(long_cell),
		cmocka_unit_test(xlsx),
		cmocka_unit_test(bad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
