/* The unified spreadsheet: CSV and XLSX uploads, XLSX templates
 * (src/doc/sheet*.c).  Run from the top of the tree (tests/run.sh does):
 * tests/data/sheet/handmade.xlsx is read from there. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zip.h>

#include "doc/sheet.h"
#include "util/err.h"
#include "util/util.h"

#define HANDMADE "tests/data/sheet/handmade.xlsx"

/* Reads len bytes (or strlen) and checks the result has one sheet. */
static struct book *read_ok(const char *buf, size_t len, const char *hint)
{
	struct book *bk = NULL;
	int rc = book_read((const unsigned char *)buf, len ? len : strlen(buf),
			   hint, &bk);

	if (rc != FINCA_OK)
		fail_msg("book_read: %s", err_msg());
	assert_non_null(bk);
	return bk;
}

/* book_read must fail with rc and a message containing want. */
static void read_fails(const void *buf, size_t len, int rc, const char *want)
{
	struct book *bk = NULL;

	assert_int_equal(book_read(buf, len, "x.csv", &bk), rc);
	assert_null(bk);
	if (strstr(err_msg(), want) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", err_msg(), want);
}

/* Row r of s must be exactly the cells given (NULL-terminated). */
static void row_is(const struct sheet *s, size_t r, ...)
{
	va_list ap;
	const char *want;
	size_t c = 0;

	assert_true(r < s->nrows);
	va_start(ap, r);
	while ((want = va_arg(ap, const char *)) != NULL) {
		assert_true(c < s->ncols);
		assert_string_equal(s->cells[r][c], want);
		c++;
	}
	va_end(ap);
	assert_int_equal(c, s->ncols);
}

static void csv_utf8(void **state)
{
	static const char body[] = "姓名,身份证号\r\n张三,11010519491231002X\r\n";
	struct book *bk;
	char bom[sizeof body + 3];

	(void)state;
	bk = read_ok(body, 0, "个人证书申请.csv");
	assert_int_equal(bk->nsheets, 1);
	assert_string_equal(bk->sheets[0].name, "个人证书申请");
	assert_int_equal(bk->sheets[0].nrows, 2);
	row_is(&bk->sheets[0], 0, "姓名", "身份证号", NULL);
	row_is(&bk->sheets[0], 1, "张三", "11010519491231002X", NULL);
	assert_string_equal(sheet_cell(&bk->sheets[0], 1, 0), "张三");
	assert_string_equal(sheet_cell(&bk->sheets[0], 2, 0), "");
	assert_string_equal(sheet_cell(&bk->sheets[0], 0, 9), "");
	book_free(bk);

	/* the BOM Excel writes for "CSV UTF-8"; a Windows path as old
	 * browsers send it */
	memcpy(bom, "\xEF\xBB\xBF", 3);
	memcpy(bom + 3, body, sizeof body);
	bk = read_ok(bom, 0, "C:\\Users\\张\\a.b.csv");
	assert_string_equal(bk->sheets[0].name, "a.b");
	row_is(&bk->sheets[0], 0, "姓名", "身份证号", NULL);
	book_free(bk);

	bk = read_ok("a\n", 0, NULL);
	assert_string_equal(bk->sheets[0].name, "");
	book_free(bk);
	bk = read_ok("a\n", 0, ".csv");
	assert_string_equal(bk->sheets[0].name, ".csv");
	book_free(bk);

	/* empty: one sheet, no rows */
	bk = read_ok("", 0, "e.csv");
	assert_int_equal(bk->nsheets, 1);
	assert_int_equal(bk->sheets[0].nrows, 0);
	assert_int_equal(bk->sheets[0].ncols, 0);
	assert_string_equal(sheet_cell(&bk->sheets[0], 0, 0), "");
	book_free(bk);
}

static void csv_gb18030(void **state)
{
	/* 姓名,证书 / 张三,𠀀 (U+20000, a four-byte GB18030 sequence) /
	 * €: GBK's A2E3 */
	static const char gbk[] = "\xD0\xD5\xC3\xFB,\xD6\xA4\xCA\xE9\r\n"
				  "\xD5\xC5\xC8\xFD,\x95\x32\x82\x36\r\n"
				  "\xA2\xE3\r\n";
	/* GB18030's own BOM, 84 31 95 33, then 张三 */
	static const char gbbom[] = "\x84\x31\x95\x33\xD5\xC5\xC8\xFD\n";
	struct book *bk;

	(void)state;
	bk = read_ok(gbk, 0, "名单.csv");
	row_is(&bk->sheets[0], 0, "姓名", "证书", NULL);
	row_is(&bk->sheets[0], 1, "张三", "\xF0\xA0\x80\x80", NULL);
	row_is(&bk->sheets[0], 2, "€", "", NULL);
	book_free(bk);

	bk = read_ok(gbbom, 0, NULL);
	row_is(&bk->sheets[0], 0, "张三", NULL);
	book_free(bk);
}

static void csv_quoting(void **state)
{
	/* CRLF, a quoted comma, a doubled quote, quoted CRLF, CR and LF (each
	 * becomes LF), a lone quote inside an unquoted field, a trailing empty
	 * field, a short row, a blank row in the middle, a lone CR ending a
	 * record, and blank rows at the end */
	static const char body[] =
		"a,\"b,c\",\"d\"\"e\",\"l1\r\nl2\r\r\nl3\nl4\"\r\n"
		"x\"y,,\"\"\r\n"
		"\r\n"
		"last,,\r"
		"cr\n"
		",,,\n\n\r\n";
	struct book *bk;
	const struct sheet *s;

	(void)state;
	bk = read_ok(body, 0, "q.csv");
	s = &bk->sheets[0];
	assert_int_equal(s->nrows, 5);
	assert_int_equal(s->ncols, 4);
	row_is(s, 0, "a", "b,c", "d\"e", "l1\nl2\n\nl3\nl4", NULL);
	row_is(s, 1, "x\"y", "", "", "", NULL);
	row_is(s, 2, "", "", "", "", NULL);
	row_is(s, 3, "last", "", "", "", NULL);
	row_is(s, 4, "cr", "", "", "", NULL);
	/* the line each record starts on: the first spans five */
	assert_int_equal(s->row_no[0], 1);
	assert_int_equal(s->row_no[1], 6);
	assert_int_equal(s->row_no[2], 7);
	assert_int_equal(s->row_no[3], 8);
	assert_int_equal(s->row_no[4], 9);
	book_free(bk);

	/* LF only, no final newline */
	bk = read_ok("h1,h2\nv1,\"v2\"", 0, NULL);
	row_is(&bk->sheets[0], 1, "v1", "v2", NULL);
	book_free(bk);

	/* blank fields far out do not count as columns */
	{
		char wide[2000];

		memset(wide, ',', sizeof wide - 1);
		wide[0] = 'a';
		wide[sizeof wide - 1] = '\0';
		bk = read_ok(wide, 0, NULL);
		assert_int_equal(bk->sheets[0].ncols, 1);
		book_free(bk);
	}
}

/* a literal and its length, NULs included */
#define S(lit) lit, sizeof lit - 1

static void csv_errors(void **state)
{
	char *big;
	size_t i, n;

	(void)state;
	/* 0xFF is in neither encoding */
	read_fails(S("ok,ok\n\xFF\xFE\xFD,x\n"), FINCA_EINVAL,
		   "line 2: invalid byte sequence (neither UTF-8 nor GB18030)");
	/* UTF-8 up to line 3, then a stray byte: the line is the UTF-8 one */
	read_fails(S("张三\n李四\nab\x80\n"), FINCA_EINVAL, "line 3: invalid");
	/* GB18030 cut in the middle of a character */
	read_fails(S("\xD5\xC5\n\xD5"), FINCA_EINVAL, "line 2: invalid");
	read_fails(S("a,\"b\nc\n"), FINCA_EINVAL, "line 1: quoted field not closed");
	read_fails(S("a\n\"b\"c\n"), FINCA_EINVAL,
		   "line 2: text after the closing quote");
	read_fails(S("a,b\nc\0d,e\n"), FINCA_EINVAL, "line 2, column A: contains a NUL");
	read_fails(S("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest"), FINCA_EINVAL, ".xls");
	read_fails(S("\xFF\xFEh\0i\0"), FINCA_EINVAL, "UTF-16");

	/* 65 non-blank columns */
	big = xcalloc(1, 200000 * 2 + 10);
	for (i = 0, n = 0; i < 65; i++)
		n += (size_t)sprintf(big + n, "%s%zu", i ? "," : "", i);
	read_fails(big, n, FINCA_EINVAL, "line 1, column BM: more than 64 columns");
	/* a cell of 4097 bytes */
	memset(big, 'x', 4097);
	read_fails(big, 4097, FINCA_EINVAL, "column A: more than 4096 bytes");
	book_free(read_ok(big, 4096, NULL));
	/* 100 001 rows */
	for (i = 0; i < 100001; i++)
		memcpy(big + 2 * i, "1\n", 2);
	read_fails(big, 200002, FINCA_EINVAL, "line 100001: more than 100000 rows");
	book_free(read_ok(big, 200000, NULL));
	free(big);
}

/* ---- XLSX ---- */

static const char *const hdr1[] = { "姓名", "身份证号码", "手机号", "单位名称（全称）" };
static const char *const smp1[] = { "张三", "350102199003071234", "13800000000", "福建省财政厅" };
static const char *const hdr2[] = { "统一社会信用代码", "备注" };

static const struct sheet_def defs[] = {
	{ "个人证书", hdr1, NULL, smp1, NULL, 4 },
	{ "机构证书", hdr2, NULL, NULL, NULL, 2 },
};

static void xlsx_round_trip(void **state)
{
	unsigned char *x = NULL, *y = NULL;
	size_t xl = 0, yl = 0, c;
	struct book *bk = NULL;
	char path[] = "/tmp/test_sheet-XXXXXX";
	int fd;

	(void)state;
	assert_int_equal(book_write_xlsx_mem(defs, 2, NULL, 0, &x, &xl), FINCA_OK);
	assert_true(xl > 4 && memcmp(x, "PK\3\4", 4) == 0);
	assert_int_equal(book_read(x, xl, "ignored.xlsx", &bk), FINCA_OK);
	assert_int_equal(bk->nsheets, 2);
	assert_string_equal(bk->sheets[0].name, "个人证书");
	assert_int_equal(bk->sheets[0].nrows, 2);
	assert_int_equal(bk->sheets[0].ncols, 4);
	for (c = 0; c < 4; c++) {
		assert_string_equal(bk->sheets[0].cells[0][c], hdr1[c]);
		assert_string_equal(bk->sheets[0].cells[1][c], smp1[c]);
	}
	assert_int_equal(bk->sheets[0].row_no[1], 2);
	assert_string_equal(bk->sheets[1].name, "机构证书");
	row_is(&bk->sheets[1], 0, "统一社会信用代码", "备注", NULL);
	assert_int_equal(bk->sheets[1].nrows, 1);
	book_free(bk);
	bk = NULL;

	/* to a path, the same bytes (give or take the creation time) */
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(book_write_xlsx(path, defs, 1, NULL, 0), FINCA_OK);
	assert_int_equal(file_read(path, 1 << 20, &y, &yl), FINCA_OK);
	assert_int_equal(book_read(y, yl, NULL, &bk), FINCA_OK);
	assert_int_equal(bk->nsheets, 1);
	book_free(bk);
	free(y);
	unlink(path);
	free(x);
}

static void xlsx_write_errors(void **state)
{
	struct sheet_def bad[BOOK_SHEETS_MAX + 1];
	unsigned char *x = NULL;
	size_t xl = 0, i;

	(void)state;
	for (i = 0; i < BOOK_SHEETS_MAX + 1; i++)
		bad[i] = defs[1];
	assert_int_equal(book_write_xlsx_mem(bad, BOOK_SHEETS_MAX + 1, NULL, 0, &x, &xl),
			 FINCA_EINVAL);
	assert_int_equal(book_write_xlsx_mem(bad, 0, NULL, 0, &x, &xl), FINCA_EINVAL);
	/* the same name twice */
	assert_int_equal(book_write_xlsx_mem(bad, 2, NULL, 0, &x, &xl), FINCA_EINVAL);
	assert_non_null(strstr(err_msg(), "机构证书"));
	bad[0].name = "a[1]";
	assert_int_equal(book_write_xlsx_mem(bad, 1, NULL, 0, &x, &xl), FINCA_EINVAL);
	bad[0].name = "ok";
	bad[0].ncols = 0;
	assert_int_equal(book_write_xlsx_mem(bad, 1, NULL, 0, &x, &xl), FINCA_EINVAL);
	bad[0].ncols = SHEET_COLS_MAX + 1;
	assert_int_equal(book_write_xlsx_mem(bad, 1, NULL, 0, &x, &xl), FINCA_EINVAL);
	assert_null(x);
	assert_int_equal(book_write_xlsx("/nonexistent/dir/t.xlsx", defs, 1, NULL, 0),
			 FINCA_EIO);
}

static void xlsx_handmade(void **state)
{
	unsigned char *x = NULL;
	size_t xl = 0;
	struct book *bk = NULL;
	const struct sheet *s;

	(void)state;
	assert_int_equal(file_read(HANDMADE, 1 << 20, &x, &xl), FINCA_OK);
	if (book_read(x, xl, NULL, &bk) != FINCA_OK)
		fail_msg("%s: %s", HANDMADE, err_msg());
	assert_int_equal(bk->nsheets, 2);
	s = &bk->sheets[0];
	assert_string_equal(s->name, "申请");
	assert_int_equal(s->nrows, 4);
	assert_int_equal(s->ncols, 6);
	row_is(s, 0, "姓名", "身份证号码 ", "", "备注", "", "", NULL);
	row_is(s, 1, "张三", "", "1.10105194912310E+17", "TRUE", "", "张三!", NULL);
	row_is(s, 2, "", "", "", "", "", "", NULL);
	row_is(s, 3, "a&b <c>", "42", "FALSE", "", "", "", NULL);
	assert_int_equal(s->row_no[3], 4);
	s = &bk->sheets[1];
	assert_string_equal(s->name, "名单");
	row_is(s, 0, "单位", "代码", NULL);
	row_is(s, 1, "福建省财政厅", "12350000003591045H", NULL);
	book_free(bk);
	free(x);
}

/* An XLSX in memory with the given worksheet parts: sheet i+1 is "S<i+1>"
 * in xl/worksheets/sheet<i+1>.xml, or in sheet1.xml when sheets[i] is
 * NULL; sst (may be NULL) is the shared strings. */
static unsigned char *xlsx_make(const char *const *sheets, size_t nsheets,
				const char *sst, size_t *len)
{
	zip_error_t ze;
	zip_source_t *src;
	zip_t *za;
	struct { char name[64]; char *data; } part[40];
	size_t np = 0, i;
	char *wb, *rels;
	size_t wn = 0, rn = 0;
	unsigned char *out;
	zip_stat_t st;

	wb = xcalloc(1, 8192);
	rels = xcalloc(1, 8192);
	wn += (size_t)sprintf(wb, "<workbook xmlns:r=\"urn:r\"><sheets>");
	rn += (size_t)sprintf(rels, "<Relationships>");
	for (i = 0; i < nsheets; i++) {
		wn += (size_t)sprintf(wb + wn, "<sheet name=\"S%zu\" r:id=\"s%zu\"/>",
				      i + 1, i + 1);
		rn += (size_t)sprintf(rels + rn, "<Relationship Id=\"s%zu\" Type=\"t/"
				      "worksheet\" Target=\"worksheets/sheet%zu.xml\"/>",
				      i + 1, sheets[i] ? i + 1 : 1);
		if (sheets[i] == NULL)
			continue;
		snprintf(part[np].name, 64, "xl/worksheets/sheet%zu.xml", i + 1);
		part[np++].data = xstrdup(sheets[i]);
	}
	sprintf(wb + wn, "</sheets></workbook>");
	if (sst)
		rn += (size_t)sprintf(rels + rn, "<Relationship Id=\"x\" "
				      "Type=\"t/sharedStrings\" Target="
				      "\"sharedStrings.xml\"/>");
	sprintf(rels + rn, "</Relationships>");
	snprintf(part[np].name, 64, "_rels/.rels");
	part[np++].data = xstrdup("<Relationships><Relationship Id=\"r\" "
				  "Type=\"t/officeDocument\" "
				  "Target=\"xl/workbook.xml\"/></Relationships>");
	snprintf(part[np].name, 64, "xl/workbook.xml");
	part[np++].data = wb;
	snprintf(part[np].name, 64, "xl/_rels/workbook.xml.rels");
	part[np++].data = rels;
	if (sst) {
		snprintf(part[np].name, 64, "xl/sharedStrings.xml");
		part[np++].data = xstrdup(sst);
	}

	zip_error_init(&ze);
	src = zip_source_buffer_create(NULL, 0, 0, &ze);
	assert_non_null(src);
	za = zip_open_from_source(src, ZIP_TRUNCATE, &ze);
	assert_non_null(za);
	zip_source_keep(src);
	for (i = 0; i < np; i++) {
		zip_source_t *s = zip_source_buffer(za, part[i].data,
						    strlen(part[i].data), 0);
		zip_int64_t idx = zip_file_add(za, part[i].name, s, 0);

		assert_true(idx >= 0);
		assert_int_equal(zip_set_file_compression(za, (zip_uint64_t)idx,
							  ZIP_CM_DEFLATE, 1), 0);
	}
	assert_int_equal(zip_close(za), 0);
	for (i = 0; i < np; i++)
		free(part[i].data);
	assert_int_equal(zip_source_stat(src, &st), 0);
	out = xcalloc(1, (size_t)st.size);
	assert_int_equal(zip_source_open(src), 0);
	assert_int_equal(zip_source_read(src, out, st.size), (zip_int64_t)st.size);
	zip_source_close(src);
	zip_source_free(src);
	zip_error_fini(&ze);
	*len = (size_t)st.size;
	return out;
}

/* Sets the uncompressed size of entry name, in its local header and in the
 * central directory, to size. */
static void zip_patch_size(unsigned char *z, size_t len, const char *name,
			   uint32_t size)
{
	size_t nl = strlen(name), i, hits = 0;
	unsigned char le[4] = { (unsigned char)size, (unsigned char)(size >> 8),
				(unsigned char)(size >> 16),
				(unsigned char)(size >> 24) };

	for (i = 0; i + 46 + nl <= len; i++) {
		if (memcmp(z + i, "PK\3\4", 4) == 0 && memcmp(z + i + 30, name, nl) == 0)
			memcpy(z + i + 22, le, 4), hits++;
		if (memcmp(z + i, "PK\1\2", 4) == 0 && memcmp(z + i + 46, name, nl) == 0)
			memcpy(z + i + 24, le, 4), hits++;
	}
	assert_int_equal(hits, 2);
}

#define SHEET(rows) "<worksheet><sheetData>" rows "</sheetData></worksheet>"
#define INL(ref, text) "<c r=\"" ref "\" t=\"inlineStr\"><is><t>" text "</t></is></c>"

static void xlsx_fails(const char *sheet, const char *sst, int rc,
		       const char *want)
{
	size_t len;
	unsigned char *z = xlsx_make(&sheet, 1, sst, &len);

	read_fails(z, len, rc, want);
	free(z);
}

static void xlsx_hostile(void **state)
{
	const char *sheets[BOOK_SHEETS_MAX + 1];
	const char *ok = SHEET("<row>" INL("A1", "x") "</row>");
	unsigned char *z;
	struct book *bk = NULL;
	size_t len, i;
	char *big;

	(void)state;
	/* what the builder makes reads back */
	z = xlsx_make(&ok, 1, NULL, &len);
	assert_int_equal(book_read(z, len, NULL, &bk), FINCA_OK);
	row_is(&bk->sheets[0], 0, "x", NULL);
	book_free(bk);
	bk = NULL;

	/* a truncated file */
	read_fails(z, len - 30, FINCA_EINVAL, "not a readable XLSX file");
	read_fails(z, 30, FINCA_EINVAL, "not a readable XLSX file");
	/* a part stated larger than 64 MiB: refused before it is read */
	zip_patch_size(z, len, "xl/worksheets/sheet1.xml", 100u << 20);
	read_fails(z, len, FINCA_EINVAL,
		   "xl/worksheets/sheet1.xml: 104857600 bytes uncompressed, "
		   "more than 64 MiB");
	/* a part stated smaller than it is */
	zip_patch_size(z, len, "xl/worksheets/sheet1.xml", 10);
	read_fails(z, len, FINCA_EINVAL, "xl/worksheets/sheet1.xml: damaged");
	free(z);

	xlsx_fails(SHEET("<row r=\"7\">" INL("BL7", "x") INL("BM7", "y") "</row>"),
		   NULL, FINCA_EINVAL,
		   "sheet \"S1\": xl/worksheets/sheet1.xml: row 7, column BM: "
		   "more than 64 columns");
	xlsx_fails(SHEET("<row r=\"100001\">" INL("A100001", "x") "</row>"),
		   NULL, FINCA_EINVAL, "row 100001, column A: more than 100000 rows");
	xlsx_fails(SHEET("<row>" INL("A0", "x") "</row>"), NULL, FINCA_EINVAL,
		   "bad cell reference \"A0\"");
	xlsx_fails(SHEET("<row r=\"x\"/>"), NULL, FINCA_EINVAL,
		   "bad row number \"x\"");
	xlsx_fails(SHEET("<row><c t=\"s\"><v>1</v></c></row>"),
		   "<sst><si><t>only</t></si></sst>", FINCA_EINVAL,
		   "row 1, column A: no such shared string");
	xlsx_fails(SHEET("<row><c t=\"s\"><v>0</v></c></row>"), NULL,
		   FINCA_EINVAL, "no such shared string");
	xlsx_fails(SHEET("<row><c t=\"zz\"><v>0</v></c></row>"), NULL,
		   FINCA_EINVAL, "unknown cell type");
	/* no DTD, so no entities: neither billion laughs nor external files */
	xlsx_fails("<!DOCTYPE w [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b "
		   "\"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]><worksheet><sheetData>"
		   "<row>" INL("A1", "&b;") "</row></sheetData></worksheet>",
		   NULL, FINCA_EINVAL, "xl/worksheets/sheet1.xml: has a DTD");
	xlsx_fails("<!DOCTYPE w SYSTEM \"file:///etc/passwd\"><worksheet/>",
		   NULL, FINCA_EINVAL, "has a DTD");
	xlsx_fails("<!-- <!DOCTYPE in a comment is fine --><worksheet><!ELEMENT "
		   "x ANY></worksheet>", NULL, FINCA_EINVAL, "has a DTD");
	xlsx_fails(SHEET("<row>" INL("A1", "&xxe;") "</row>"), NULL,
		   FINCA_EINVAL, "not well-formed XML: line 1: Entity 'xxe' not defined");
	xlsx_fails("<worksheet><sheetData><row>", NULL, FINCA_EINVAL,
		   "not well-formed XML");

	/* parts libxml2 would read in another encoding than our checks */
	xlsx_fails("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>"
		   "<worksheet><sheetData><row>" INL("A1", "caf\xE9")
		   "</row></sheetData></worksheet>", NULL, FINCA_EINVAL,
		   "xl/worksheets/sheet1.xml: not UTF-8");
	/* a UTF-16 byte order mark (UTF-16 markup has NULs, refused too) */
	xlsx_fails("\xFF\xFE<worksheet/>", NULL, FINCA_EINVAL, "not UTF-8");
	/* declared UTF-7, where +ADw- is '<': read as UTF-8, it is text */
	z = xlsx_make((const char *[]){
		"<?xml version=\"1.0\" encoding=\"UTF-7\"?><worksheet><sheetData>"
		"<row>" INL("A1", "+ADw-b+AD4-") "</row></sheetData></worksheet>" },
		1, NULL, &len);
	assert_int_equal(book_read(z, len, NULL, &bk), FINCA_OK);
	row_is(&bk->sheets[0], 0, "+ADw-b+AD4-", NULL);
	book_free(bk);
	bk = NULL;
	free(z);

	/* what keeps libxml2 busy for minutes: many attributes in one tag,
	 * many namespace declarations in scope, deep nesting */
	big = xcalloc(1, 1 << 16);
	strcpy(big, "<worksheet><sheetData><row><c");
	for (i = 0; i < 65; i++)
		sprintf(big + strlen(big), " a%zu=\"\"", i);
	strcat(big, "/></row></sheetData></worksheet>");
	xlsx_fails(big, NULL, FINCA_EINVAL, "a tag with more than 64 attributes");
	strcpy(big, "<worksheet xmlns=\"urn:x\">");
	for (i = 0; i < 64; i++)
		sprintf(big + strlen(big), "<e xmlns:p%zu='urn:%zu'>", i, i);
	strcat(big, "<sheetData/>");
	for (i = 0; i < 64; i++)
		strcat(big, "</e>");
	strcat(big, "</worksheet>");
	xlsx_fails(big, NULL, FINCA_EINVAL,
		   "more than 64 namespace declarations in scope");
	/* the same declarations one after the other are fine */
	strcpy(big, "<worksheet xmlns=\"urn:x\">");
	for (i = 0; i < 64; i++)
		sprintf(big + strlen(big), "<e xmlns:p%zu='urn:%zu'/>", i, i);
	strcat(big, "<sheetData><row>" INL("A1", "ok") "</row></sheetData></worksheet>");
	z = xlsx_make((const char *const *)&big, 1, NULL, &len);
	assert_int_equal(book_read(z, len, NULL, &bk), FINCA_OK);
	book_free(bk);
	bk = NULL;
	free(z);
	strcpy(big, "<worksheet>");
	for (i = 0; i < 256; i++)
		strcat(big, "<e>");
	xlsx_fails(big, NULL, FINCA_EINVAL, "elements nested more than 256 deep");
	free(big);

	/* a cell of 4097 bytes */
	big = xcalloc(1, 8192);
	strcpy(big, "<worksheet><sheetData><row><c t=\"inlineStr\"><is><t>");
	memset(big + strlen(big), 'x', 4097);
	strcat(big, "</t></is></c></row></sheetData></worksheet>");
	xlsx_fails(big, NULL, FINCA_EINVAL, "row 1, column A: more than 4096 bytes");
	free(big);

	/* blank cells out of range cost nothing and do not count */
	z = xlsx_make((const char *[]){ SHEET(
		"<row r=\"2\">" INL("B2", "x") "<c r=\"XFD2\"/><c r=\"C2\"><v></v></c></row>"
		"<row r=\"1048576\"><c r=\"XFD1048576\" s=\"1\"/></row>") },
		1, NULL, &len);
	assert_int_equal(book_read(z, len, NULL, &bk), FINCA_OK);
	assert_int_equal(bk->sheets[0].nrows, 2);
	assert_int_equal(bk->sheets[0].ncols, 2);
	row_is(&bk->sheets[0], 0, "", "", NULL);
	row_is(&bk->sheets[0], 1, "", "x", NULL);
	book_free(bk);
	bk = NULL;
	free(z);

	/* 45 MiB of white space and empty elements (under 1 MiB zipped),
	 * read three times: past what a book may inflate in all */
	big = xcalloc(1, (45 << 20) + 64);
	memset(big, ' ', 45 << 20);
	for (i = 1024; i < 45 << 20; i += 1024)
		memcpy(big + i, "<x/>", 4);
	memcpy(big, "<worksheet>", 11);
	strcpy(big + (45 << 20), "</worksheet>");
	z = xlsx_make((const char *[]){ big, NULL, NULL }, 3, NULL, &len);
	free(big);
	assert_true(len < 1 << 20);
	read_fails(z, len, FINCA_EINVAL, "sheet \"S3\": xl/worksheets/sheet1.xml: "
		   "the parts read come to more than 128 MiB uncompressed");
	free(z);

	/* 17 sheets */
	for (i = 0; i < BOOK_SHEETS_MAX + 1; i++)
		sheets[i] = ok;
	z = xlsx_make(sheets, BOOK_SHEETS_MAX, NULL, &len);
	assert_int_equal(book_read(z, len, NULL, &bk), FINCA_OK);
	assert_int_equal(bk->nsheets, BOOK_SHEETS_MAX);
	book_free(bk);
	free(z);
	z = xlsx_make(sheets, BOOK_SHEETS_MAX + 1, NULL, &len);
	read_fails(z, len, FINCA_EINVAL, "xl/workbook.xml: more than 16 sheets");
	free(z);
	z = xlsx_make(sheets, 0, NULL, &len);
	read_fails(z, len, FINCA_EINVAL, "xl/workbook.xml: no sheets");
	free(z);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(csv_utf8),
		cmocka_unit_test(csv_gb18030),
		cmocka_unit_test(csv_quoting),
		cmocka_unit_test(csv_errors),
		cmocka_unit_test(xlsx_round_trip),
		cmocka_unit_test(xlsx_write_errors),
		cmocka_unit_test(xlsx_handmade),
		cmocka_unit_test(xlsx_hostile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
