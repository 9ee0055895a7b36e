/* Private to the unified spreadsheet (src/doc/sheet*.c), not for callers
 * of sheet.h: what the CSV and XLSX readers share.
 *
 *   sheet.c        the helpers and the builder below; book_read, book_free
 *                  and sheet_cell
 *   sheet_csv.c    reading a CSV (sheet_csv_read)
 *   sheet_xlsx.c   reading an XLSX (sheet_xlsx_read)
 *   sheet_write.c  writing the XLSX templates (book_write_xlsx*)
 *
 * These were statics of one sheet.c; shared now, they carry its sheet_
 * prefix. */
#ifndef FINCA_DOC_SHEET_INT_H
#define FINCA_DOC_SHEET_INT_H

#include "doc/sheet.h"

#include <stddef.h>
#include <stdint.h>

/* Growable text; p is NULL or NUL-terminated at len.  The owner frees p. */
struct buf {
	char *p;
	size_t len, cap;
};

/* Appends s[0..n) to b, NUL-terminated (n 0 still allocates). */
void sheet_buf_add(struct buf *b, const void *s, size_t n);
/* Returns v with room for element n (of size sz), growing *cap. */
void *sheet_grow(void *v, size_t n, size_t *cap, size_t sz);
/* Length of the longest valid UTF-8 prefix of s (RFC 3629). */
size_t sheet_utf8_prefix(const unsigned char *s, size_t n);

/* A sheet being read: its non-blank cells in the order the file has them,
 * laid out as a rectangle by sheet_bld_finish. */
struct cellref {
	uint32_t row, col, off;
};

struct builder {
	struct buf text;         /* text.p[0] == '\0', for every blank cell */
	struct cellref *refs;
	size_t nrefs, refcap;
	size_t *lines;           /* CSV: the line each record starts on */
	size_t nlines, linecap;
	size_t nrows, ncols;     /* extent of the non-blank cells */
	size_t *left;            /* text the book may still take */
	const char *part;        /* XLSX: the sheet's part, for messages */
};

/* left (borrowed) is shared by the sheets of a book; part (borrowed, may
 * be NULL for a CSV) names the sheet in messages.  sheet_bld_free frees
 * what the builder still holds. */
void sheet_bld_init(struct builder *b, size_t *left, const char *part);
void sheet_bld_free(struct builder *b);
/* FINCA_EINVAL naming the cell (CSV line, or part and row) and what; its
 * reason is why (a CSV's line), or why + "_x" (an XLSX part's row), the
 * two placing the place's parameters differently (msg_zh_ra.c). */
int sheet_bld_fail(const struct builder *b, size_t row, size_t col,
		   const char *why, const char *what);
/* CSV: the next record starts on this line. */
int sheet_bld_line(struct builder *b, size_t line);
/* Cell (row, col), 0-based, holds s[0..n) (copied), checked against the
 * limits of sheet.h. */
int sheet_bld_add(struct builder *b, size_t row, size_t col, const char *s,
		  size_t n);
/* Lays the cells out in s; the text moves from b to s. */
void sheet_bld_finish(struct builder *b, struct sheet *s);

/* The readers behind book_read: they fill bk (bk->sheets and nsheets),
 * which book_read frees on failure. */
int sheet_csv_read(const unsigned char *buf, size_t len, const char *hint,
		   struct book *bk);
int sheet_xlsx_read(const unsigned char *buf, size_t len, struct book *bk);

#endif
