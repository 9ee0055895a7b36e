/* libFuzzer harness: spreadsheet uploads (src/doc/sheet*.c).
 *
 * The input goes to book_read as it is: a CSV, or an XLSX when it starts
 * with "PK\3\4".  Mutated XLSX files mostly fail libzip's CRC check, so an
 * input starting with "#parts\n" is instead split at each "\n#--\n" into up
 * to four XML parts, xl/workbook.xml, xl/worksheets/sheet1.xml,
 * xl/sharedStrings.xml and xl/worksheets/sheet2.xml (an empty element for
 * each one missing), which are packed into an XLSX (stored, with fixed
 * _rels: rId1 and rId2 are the two sheets) to reach the XML readers
 * directly.
 *
 * On success the book must keep sheet.h's promises: 1 to 16 sheets, at
 * most 100 000 rows and 64 columns, every cell non-NULL, valid UTF-8 and
 * at most 4 096 bytes, row_no increasing, no trailing blank row or column.
 * A CSV is also written back (every field quoted) and read again: it must
 * give the same cells.  On failure err_msg() must say something.  Anything
 * else aborts; nothing may crash, trip ASan/UBSan, leak, or take long.
 * FUZZ_SHEET_TRACE=1 prints what book_read returned. */
#include "doc/sheet.h"
#include "util/err.h"
#include "util/util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int trace;

static void finding(const char *what, const struct sheet *s, size_t r,
		    size_t c)
{
	fprintf(stderr, "==fuzz_sheet== FINDING: %s", what);
	if (s)
		fprintf(stderr, " (sheet \"%s\", row %zu, column %zu)", s->name,
			r, c);
	fprintf(stderr, "\n");
	abort();
}

/* An independent UTF-8 check: decode and re-encode each code point. */
static int utf8_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		unsigned n = *p < 0x80 ? 1 : *p >> 5 == 6 ? 2 : *p >> 4 == 14 ? 3 :
			     *p >> 3 == 30 ? 4 : 0;
		uint32_t cp;
		unsigned i, need;

		if (n == 0)
			return 0;
		cp = n == 1 ? *p : *p & (0x7F >> n);
		for (i = 1; i < n; i++) {
			if ((p[i] & 0xC0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i] & 0x3F);
		}
		need = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
		if (need != n || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		p += n;
	}
	return 1;
}

static void check_sheet(const struct sheet *s)
{
	size_t r, c;
	int last_row = 0, last_col = 0;

	if (!s->name || !utf8_ok(s->name))
		finding("sheet name NULL or not UTF-8", NULL, 0, 0);
	if (s->nrows > SHEET_ROWS_MAX || s->ncols > SHEET_COLS_MAX)
		finding("sheet larger than the limits", s, s->nrows, s->ncols);
	if ((s->nrows == 0) != (s->ncols == 0))
		finding("rows without columns or columns without rows", s,
			s->nrows, s->ncols);
	for (r = 0; r < s->nrows; r++) {
		if (s->row_no[r] < r + 1 || (r && s->row_no[r] <= s->row_no[r - 1]))
			finding("row_no not increasing from 1", s, r, 0);
		for (c = 0; c < s->ncols; c++) {
			const char *v = s->cells[r][c];

			if (v == NULL)
				finding("NULL cell", s, r, c);
			if (strlen(v) > SHEET_CELL_MAX)
				finding("cell longer than SHEET_CELL_MAX", s, r, c);
			if (!utf8_ok(v))
				finding("cell not UTF-8", s, r, c);
			if (sheet_cell(s, r, c) != v)
				finding("sheet_cell disagrees with cells", s, r, c);
			if (*v && r + 1 == s->nrows)
				last_row = 1;
			if (*v && c + 1 == s->ncols)
				last_col = 1;
		}
	}
	if (s->nrows && (!last_row || !last_col))
		finding("a trailing blank row or column", s, s->nrows, s->ncols);
	if (*sheet_cell(s, s->nrows, 0) || *sheet_cell(s, 0, s->ncols))
		finding("sheet_cell outside the table is not \"\"", s, 0, 0);
}

static void check_book(const struct book *bk)
{
	if (bk == NULL || bk->nsheets == 0 || bk->nsheets > BOOK_SHEETS_MAX)
		finding("no book, or a wrong number of sheets", NULL, 0, 0);
	for (size_t i = 0; i < bk->nsheets; i++)
		check_sheet(&bk->sheets[i]);
}

/* Writes the CSV's only sheet back, every field quoted, reads it again
 * and compares. */
static void csv_round_trip(const struct book *bk)
{
	const struct sheet *s = &bk->sheets[0];
	struct book *again = NULL;
	char *out, *o;
	size_t r, c, cap = 1;

	for (r = 0; r < s->nrows; r++)
		for (c = 0; c < s->ncols; c++)
			cap += 2 * strlen(s->cells[r][c]) + 4;
	o = out = xcalloc(1, cap);
	for (r = 0; r < s->nrows; r++) {
		for (c = 0; c < s->ncols; c++) {
			const char *v = s->cells[r][c];

			if (c)
				*o++ = ',';
			*o++ = '"';
			for (; *v; v++) {
				if (*v == '"')
					*o++ = '"';
				*o++ = *v;
			}
			*o++ = '"';
		}
		*o++ = '\n';
	}
	if (book_read((unsigned char *)out, (size_t)(o - out), "x.csv",
		      &again) != FINCA_OK) {
		fprintf(stderr, "==fuzz_sheet== %s\n", err_msg());
		finding("a CSV written back is refused", NULL, 0, 0);
	}
	if (again->sheets[0].nrows != s->nrows ||
	    again->sheets[0].ncols != s->ncols)
		finding("a CSV written back has another size", s, again->sheets[0].nrows,
			again->sheets[0].ncols);
	for (r = 0; r < s->nrows; r++)
		for (c = 0; c < s->ncols; c++)
			if (strcmp(s->cells[r][c], again->sheets[0].cells[r][c]))
				finding("a CSV written back reads differently",
					s, r, c);
	book_free(again);
	free(out);
}

/* ---- "#parts" inputs: XML parts packed into an XLSX ---- */

static const char parts_magic[] = "#parts\n";
static const char parts_sep[] = "\n#--\n";

static const char root_rels[] =
	"<Relationships><Relationship Id=\"r\" Type=\"x/officeDocument\" "
	"Target=\"xl/workbook.xml\"/></Relationships>";
static const char wb_rels[] =
	"<Relationships>"
	"<Relationship Id=\"rId1\" Type=\"x/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
	"<Relationship Id=\"rId2\" Type=\"x/worksheet\" Target=\"/xl/worksheets/sheet2.xml\"/>"
	"<Relationship Id=\"rId3\" Type=\"x/sharedStrings\" Target=\"sharedStrings.xml\"/>"
	"</Relationships>";

/* The zip (caller frees) of the parts in data; those not there are
 * empty elements. */
static unsigned char *pack(const uint8_t *data, size_t size, size_t *len)
{
	static const char *const names[] = {
		"xl/workbook.xml", "xl/worksheets/sheet1.xml",
		"xl/sharedStrings.xml", "xl/worksheets/sheet2.xml",
	};
	static const char *const empty[] = {
		"", "<worksheet/>", "<sst/>", "<worksheet/>",
	};
	zip_error_t ze;
	zip_source_t *src;
	zip_t *za;
	zip_stat_t st;
	unsigned char *out = NULL;
	size_t i;

	zip_error_init(&ze);
	if ((src = zip_source_buffer_create(NULL, 0, 0, &ze)) == NULL ||
	    (za = zip_open_from_source(src, ZIP_TRUNCATE, &ze)) == NULL)
		abort();
	zip_source_keep(src);
	for (i = 0; i < 2 + ARRAY_LEN(names); i++) {
		const void *p;
		size_t n;
		zip_source_t *s;
		zip_int64_t idx;

		if (i == 0) {
			p = root_rels, n = strlen(root_rels);
		} else if (i == 1) {
			p = wb_rels, n = strlen(wb_rels);
		} else {
			const uint8_t *e = memmem(data, size, parts_sep,
						  strlen(parts_sep));

			if (size == 0 && i > 2) {
				p = empty[i - 2], n = strlen(empty[i - 2]);
			} else {
				p = data;
				n = e ? (size_t)(e - data) : size;
				data += e ? n + strlen(parts_sep) : size;
				size -= e ? n + strlen(parts_sep) : size;
			}
		}
		if ((s = zip_source_buffer(za, p, n, 0)) == NULL ||
		    (idx = zip_file_add(za, i == 0 ? "_rels/.rels" : i == 1 ?
					"xl/_rels/workbook.xml.rels" :
					names[i - 2], s, 0)) < 0 ||
		    zip_set_file_compression(za, (zip_uint64_t)idx,
					     ZIP_CM_STORE, 0) != 0)
			abort();
	}
	if (zip_close(za) != 0 || zip_source_stat(src, &st) != 0 ||
	    zip_source_open(src) != 0)
		abort();
	out = xcalloc(1, (size_t)st.size + 1);
	if (zip_source_read(src, out, st.size) != (zip_int64_t)st.size)
		abort();
	zip_source_close(src);
	zip_source_free(src);
	zip_error_fini(&ze);
	*len = (size_t)st.size;
	return out;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	trace = getenv("FUZZ_SHEET_TRACE") != NULL;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct book *bk = NULL;
	unsigned char *packed = NULL;
	int rc, csv;

	if (size >= strlen(parts_magic) &&
	    memcmp(data, parts_magic, strlen(parts_magic)) == 0) {
		packed = pack(data + strlen(parts_magic),
			      size - strlen(parts_magic), &size);
		data = packed;
	}
	csv = size < 4 || memcmp(data, "PK\3\4", 4) != 0;
	err_clear();
	rc = book_read(data, size, "fuzz.csv", &bk);
	if (trace)
		fprintf(stderr, "book_read: %s%s%s\n", err_name(rc),
			rc ? ": " : "", rc ? err_msg() : "");
	if (rc == FINCA_OK) {
		check_book(bk);
		if (csv && bk->nsheets == 1)
			csv_round_trip(bk);
		book_free(bk);
	} else if (bk != NULL || *err_msg() == '\0') {
		finding("a failure without a message, or with a book", NULL, 0, 0);
	}
	free(packed);
	return 0;
}
