/* The unified spreadsheet: CSV and XLSX uploads in, XLSX templates out.
 *
 * Reading fills a per-sheet builder with the non-blank cells (row, column,
 * text) in whatever order the file has them, then lays them out as a
 * rectangle.  Blank cells cost nothing until then, so a line of a million
 * commas or an XLSX cell at XFD1048576 with nothing in it is harmless; a
 * non-blank cell outside the limits of sheet.h is an error.
 *
 * This file has the helpers and the builder that both readers use
 * (sheet_int.h), and the public entry points; the CSV reader is in
 * sheet_csv.c, the XLSX reader in sheet_xlsx.c, the templates in
 * sheet_write.c. */
#include "doc/sheet_int.h"
#include "util/err.h"
#include "util/util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STR_(x) #x
#define STR(x) STR_(x)

/* ---- small helpers ---- */

/* Growable text (struct buf): doubles from 64 bytes. */
void sheet_buf_add(struct buf *b, const void *s, size_t n)
{
	if (b->cap - b->len < n + 1) {
		size_t cap = b->cap ? b->cap : 64;
		while (cap - b->len < n + 1)
			cap *= 2;
		b->p = xrealloc(b->p, cap);
		b->cap = cap;
	}
	if (n)
		memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* Returns v with room for element n (of size sz), growing *cap. */
void *sheet_grow(void *v, size_t n, size_t *cap, size_t sz)
{
	if (n < *cap)
		return v;
	*cap = *cap ? *cap * 2 : 16;
	return xrealloc(v, *cap * sz);
}

/* Length of the longest valid UTF-8 prefix of s (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF). */
size_t sheet_utf8_prefix(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i], len, k;
		uint32_t cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			len = 2, cp = c & 0x1F;
		else if (c >= 0xE0 && c <= 0xEF)
			len = 3, cp = c & 0x0F;
		else if (c >= 0xF0 && c <= 0xF4)
			len = 4, cp = c & 0x07;
		else
			break;
		if (n - i < len)
			break;
		for (k = 1; k < len && (s[i + k] & 0xC0) == 0x80; k++)
			cp = cp << 6 | (s[i + k] & 0x3F);
		if (k < len || (len == 3 && cp < 0x800) ||
		    (cp >= 0xD800 && cp <= 0xDFFF) ||
		    (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
			break;
		i += len;
	}
	return i;
}

/* Spreadsheet column letters of 0-based col: 0 "A", 25 "Z", 26 "AA". */
static void col_name(size_t col, char out[16])
{
	char tmp[16];
	size_t n = 0, i;

	for (col++; col && n < sizeof tmp - 1; col = (col - 1) / 26)
		tmp[n++] = (char)('A' + (col - 1) % 26);
	for (i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	out[n] = '\0';
}

/* ---- building a sheet from its non-blank cells ---- */

void sheet_bld_init(struct builder *b, size_t *left, const char *part)
{
	memset(b, 0, sizeof *b);
	sheet_buf_add(&b->text, "", 1);
	b->left = left;
	b->part = part;
}

void sheet_bld_free(struct builder *b)
{
	free(b->text.p);
	free(b->refs);
	free(b->lines);
}

int sheet_bld_fail(const struct builder *b, size_t row, size_t col,
		   const char *why, const char *what)
{
	char cn[16], x[48];

	col_name(col, cn);
	if (row < b->nlines)
		return err_why(FINCA_EINVAL, NULL, why, "line %zu, column %s: %s",
			       b->lines[row], cn, what);
	snprintf(x, sizeof x, "%s_x", why);
	return err_why(FINCA_EINVAL, NULL, x, "%s: row %zu, column %s: %s", b->part,
		       row + 1, cn, what);
}

/* CSV: record number nlines starts on this line. */
int sheet_bld_line(struct builder *b, size_t line)
{
	if (b->nlines == SHEET_ROWS_MAX)
		return err_why(FINCA_EINVAL, NULL, "sheet.rows", "line %zu: more than %d rows", line,
			       SHEET_ROWS_MAX);
	b->lines = sheet_grow(b->lines, b->nlines, &b->linecap,
			      sizeof *b->lines);
	b->lines[b->nlines++] = line;
	return FINCA_OK;
}

/* Cell (row, col), 0-based, holds s[0..n).  A later cell at the same place
 * wins (only a broken XLSX has two). */
int sheet_bld_add(struct builder *b, size_t row, size_t col, const char *s,
		  size_t n)
{
	if (n == 0)
		return FINCA_OK;
	if (row >= SHEET_ROWS_MAX)
		return sheet_bld_fail(b, row, col, "sheet.cell_rows", "more than "
				      STR(SHEET_ROWS_MAX) " rows");
	if (col >= SHEET_COLS_MAX)
		return sheet_bld_fail(b, row, col, "sheet.cell_cols", "more than "
				      STR(SHEET_COLS_MAX) " columns");
	if (n > SHEET_CELL_MAX)
		return sheet_bld_fail(b, row, col, "sheet.cell_long", "more than "
				      STR(SHEET_CELL_MAX) " bytes");
	if (memchr(s, '\0', n))
		return sheet_bld_fail(b, row, col, "sheet.cell_nul", "contains a NUL byte");
	if (sheet_utf8_prefix((const unsigned char *)s, n) != n)
		return sheet_bld_fail(b, row, col, "sheet.cell_utf8", "not UTF-8");
	if (n + 1 > *b->left)
		return sheet_bld_fail(b, row, col, "sheet.cell_total",
				      "more than 64 MiB of text in all");
	*b->left -= n + 1;
	b->refs = sheet_grow(b->refs, b->nrefs, &b->refcap, sizeof *b->refs);
	b->refs[b->nrefs++] = (struct cellref){
		(uint32_t)row, (uint32_t)col, (uint32_t)b->text.len };
	sheet_buf_add(&b->text, s, n);
	sheet_buf_add(&b->text, "", 1);
	if (row >= b->nrows)
		b->nrows = row + 1;
	if (col >= b->ncols)
		b->ncols = col + 1;
	return FINCA_OK;
}

/* Lays the cells out in s (whose name is left alone); the text moves from
 * b to s. */
void sheet_bld_finish(struct builder *b, struct sheet *s)
{
	size_t r, i, n = b->nrows * b->ncols;

	s->nrows = b->nrows;
	s->ncols = b->ncols;
	s->text = b->text.p;
	b->text.p = NULL;
	if (s->nrows == 0)
		return;
	s->grid = xcalloc(n, sizeof *s->grid);
	s->cells = xcalloc(s->nrows, sizeof *s->cells);
	s->row_no = xcalloc(s->nrows, sizeof *s->row_no);
	for (i = 0; i < n; i++)
		s->grid[i] = s->text;
	for (i = 0; i < b->nrefs; i++)
		s->grid[b->refs[i].row * s->ncols + b->refs[i].col] =
			s->text + b->refs[i].off;
	for (r = 0; r < s->nrows; r++) {
		s->cells[r] = s->grid + r * s->ncols;
		s->row_no[r] = r < b->nlines ? b->lines[r] : r + 1;
	}
}

/* ---- the public functions ---- */

int book_read(const unsigned char *buf, size_t len, const char *filename_hint,
	      struct book **out)
{
	struct book *bk = NULL;
	int rc;

	if (len > BOOK_INPUT_MAX)
		return err_why(FINCA_EINVAL, NULL, "sheet.too_large", "larger than %zu MiB",
			       BOOK_INPUT_MAX >> 20);
	/* what people upload instead, by mistake */
	if (len >= 8 && memcmp(buf, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) == 0)
		return err_why(FINCA_EINVAL, NULL, "sheet.xls", "an Excel 97-2003 (.xls) or "
			       "password-protected workbook: save it as .xlsx "
			       "without a password, or as CSV");
	if (len >= 2 && (memcmp(buf, "\xFF\xFE", 2) == 0 ||
			 memcmp(buf, "\xFE\xFF", 2) == 0))
		return err_why(FINCA_EINVAL, NULL, "sheet.utf16", "UTF-16 text (\"Unicode text\"): "
			       "save it as .xlsx or CSV");
	bk = xcalloc(1, sizeof *bk);
	if (len >= 4 && memcmp(buf, "PK\3\4", 4) == 0)
		rc = sheet_xlsx_read(buf, len, bk);
	else
		rc = sheet_csv_read(buf, len, filename_hint, bk);
	if (rc == FINCA_OK) {
		*out = bk;
		bk = NULL;
	}
	book_free(bk);
	return rc;
}

void book_free(struct book *bk)
{
	if (bk == NULL)
		return;
	for (size_t i = 0; i < bk->nsheets; i++) {
		struct sheet *s = &bk->sheets[i];

		free(s->name);
		free(s->cells);
		free(s->row_no);
		free(s->grid);
		free(s->text);
	}
	free(bk->sheets);
	free(bk);
}

const char *sheet_cell(const struct sheet *s, size_t r, size_t c)
{
	return r < s->nrows && c < s->ncols ? s->cells[r][c] : "";
}
