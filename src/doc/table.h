/* A table handed out to be read: a header row and rows of text, written as
 * CSV (for any tool) or XLSX (for Excel and WPS), row by row as they come.
 *
 * CSV is UTF-8 with a BOM (Excel in China reads a file without one as GBK)
 * and RFC 4180 quoting, CRLF between records.  XLSX has a bold, frozen
 * header row and the widths asked for. */
#ifndef FINCA_TABLE_H
#define FINCA_TABLE_H

#include <stddef.h>

#define TABLE_COLS_MAX 64
#define TABLE_CELL_MAX 32000 /* bytes: XLSX holds 32767 characters in a cell */
#define TABLE_OUT_MAX ((size_t)256 << 20)

enum table_format { TABLE_CSV, TABLE_XLSX };

struct table;

/* Starts a table of ncols columns (1..TABLE_COLS_MAX) with headers
 * (borrowed, copied); widths (may be NULL: the headers') in Excel's unit,
 * the width of a digit; sheet names the XLSX sheet (Excel rules).  *out
 * (NULL on entry) is set on success; the caller frees it with table_free. */
int table_open(enum table_format fmt, const char *sheet, const char *const *headers,
	       const double *widths, size_t ncols, struct table **out);
/* Appends a row of the table's ncols cells (borrowed; NULL is "").  A cell
 * past TABLE_CELL_MAX bytes is cut on a character boundary and ends in
 * "…".  In CSV a cell that starts with = + - @ gets a leading ' so that a
 * spreadsheet does not run it as a formula (OWASP "CSV injection"). */
int table_row(struct table *t, const char *const *cells);
/* Ends the table: *out (caller frees, NULL on entry) and *len hold the
 * file.  The table is spent: free it with table_free. */
int table_close(struct table *t, unsigned char **out, size_t *len);
void table_free(struct table *t);

#endif
