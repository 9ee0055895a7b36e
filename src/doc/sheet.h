/* The unified spreadsheet (统一电子表格): tables that information officers
 * download as an XLSX template, fill in with Excel or WPS, and upload back
 * as XLSX or CSV.
 *
 * This module only moves cells in and out of files; what a column means is
 * for the caller (src/ra/import.c).  Everything read is outside input, so
 * every dimension has a maximum and going past it is an error, not a
 * truncation. */
#ifndef FINCA_SHEET_H
#define FINCA_SHEET_H

#include <stddef.h>

#define BOOK_SHEETS_MAX 16
#define SHEET_ROWS_MAX 100000
#define SHEET_COLS_MAX 64
#define SHEET_CELL_MAX 4096                 /* bytes of UTF-8 in one cell */
#define BOOK_INPUT_MAX ((size_t)64 << 20)  /* an upload, one XLSX part */
#define BOOK_UNZIP_MAX ((size_t)128 << 20) /* all XLSX parts read, inflated */
#define BOOK_TEXT_MAX ((size_t)64 << 20)   /* all cell text of a book */

/* One table.  Rows run from the first row of the source to the last one
 * with a non-blank cell; blank rows in between are kept (as rows of "").
 * Columns run from A to the last column with a non-blank cell in any row,
 * so every row has ncols cells. */
struct sheet {
	char *name;       /* XLSX sheet name; CSV: the file name's stem, or "" */
	size_t nrows, ncols;
	char ***cells;    /* cells[r][c]: UTF-8, NUL-terminated, never NULL,
			   * "" when blank; no NUL inside, at most
			   * SHEET_CELL_MAX bytes */
	size_t *row_no;   /* row_no[r]: 1-based line of the CSV record's start,
			   * or XLSX row number, for messages */
	/* storage behind cells; use cells */
	char **grid;      /* nrows * ncols pointers into text */
	char *text;       /* every cell, NUL-terminated; text[0] == '\0' */
};

struct book {
	struct sheet *sheets;
	size_t nsheets;
};

/* Reads an upload.  XLSX when buf starts with the zip magic "PK\3\4";
 * otherwise CSV (RFC 4180, comma-separated, CRLF or LF), in UTF-8 when it is
 * valid UTF-8 and GB18030 (which covers GBK, what Chinese Excel writes)
 * otherwise; a BOM is skipped.  filename_hint (may be NULL) names the CSV's
 * only sheet: its base name without extension.  XLSX numbers are kept as
 * the file's text ("1.23E+17" stays so: an ID typed as a number has lost
 * its digits already), booleans become "TRUE"/"FALSE", a formula gives its
 * cached value; every sheet is read, hidden ones too, in tab order.
 * *out (NULL on entry) is set on success; the caller frees it with
 * book_free().  On failure err_msg() names the line, sheet, row or column
 * at fault. */
int book_read(const unsigned char *buf, size_t len, const char *filename_hint,
	      struct book **out);
void book_free(struct book *bk);

/* The cell at (r, c), or "" outside the table (borrowed from s). */
const char *sheet_cell(const struct sheet *s, size_t r, size_t c);

/* A list that cells may be chosen from (a dropdown): written, header and
 * items, as a column of the template's hidden sheet SHEET_LISTS. */
struct sheet_list {
	const char *name;                /* the column's header */
	const char *const *items;
	size_t n;                        /* 1..SHEET_ROWS_MAX - 1 */
};
#define SHEET_LISTS "列表"

/* One sheet of a template: a bold header row; when notes is not NULL, a
 * row saying how to fill each column in (grey, italic); when sample is not
 * NULL, one sample row; each of ncols cells.  list[c] >= 0: the cells of
 * column c below those rows are chosen from that list of the book
 * (validated, with a dropdown); list NULL: none. */
struct sheet_def {
	const char *name;                /* Excel rules: 1-31 characters, no []:*?/\ */
	const char *const *headers;
	const char *const *notes;        /* may be NULL */
	const char *const *sample;       /* may be NULL */
	const int *list;                 /* may be NULL */
	size_t ncols;                    /* 1..SHEET_COLS_MAX */
};

/* Writes a template to path (replaced if present): one sheet per def, in
 * order, at most BOOK_SHEETS_MAX, and the lists (nlists may be 0) in a
 * hidden sheet SHEET_LISTS after them.  Every column is formatted as text
 * ("@"), so that ID numbers typed in stay text, and is wide enough for its
 * header and sample; the header row is frozen.  libxlsxwriter keeps its
 * own temporary files in $TMPDIR (or /tmp). */
int book_write_xlsx(const char *path, const struct sheet_def *defs, size_t ndefs,
		    const struct sheet_list *lists, size_t nlists);
/* The same into memory: *out (caller frees, NULL on entry) and *len.  Goes
 * through a temporary file in $TMPDIR (or /tmp), removed before return. */
int book_write_xlsx_mem(const struct sheet_def *defs, size_t ndefs,
			const struct sheet_list *lists, size_t nlists,
			unsigned char **out, size_t *len);

#endif
