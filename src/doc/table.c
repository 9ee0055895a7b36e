/* A table handed out to be read, as CSV or XLSX (table.h). */
#include "doc/table.h"
#include "util/err.h"
#include "util/util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xlsxwriter.h>

struct table {
	enum table_format fmt;
	size_t ncols, nrows;
	/* CSV: the file so far */
	char *buf;
	size_t len, cap;
	/* XLSX: the workbook being written to path, row by row */
	lxw_workbook *wb;
	lxw_worksheet *ws;
	lxw_format *text;
	char *path;
};

static const char *tmp_dir(void)
{
	const char *d = getenv("TMPDIR");

	return d && *d ? d : "/tmp";
}

static int add(struct table *t, const char *s, size_t n)
{
	if (t->len + n > TABLE_OUT_MAX)
		return err_set(FINCA_ELIMIT, "table: more than %zu MiB", TABLE_OUT_MAX >> 20);
	if (t->len + n + 1 > t->cap) {
		size_t cap = t->cap ? t->cap : 4096;
		while (cap < t->len + n + 1)
			cap *= 2;
		t->buf = xrealloc(t->buf, cap);
		t->cap = cap;
	}
	memcpy(t->buf + t->len, s, n);
	t->len += n;
	return FINCA_OK;
}

/* s cut to TABLE_CELL_MAX bytes on a character boundary, with "…": into
 * b (TABLE_CELL_MAX + 4 bytes), or s itself when it fits */
static const char *cell(const char *s, char *b)
{
	size_t n = strlen(s);

	if (n <= TABLE_CELL_MAX)
		return s;
	n = TABLE_CELL_MAX;
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	memcpy(b, s, n);
	memcpy(b + n, "…", sizeof "…");
	return b;
}

/* RFC 4180: a field with a comma, quote, CR or LF is quoted, its quotes
 * doubled */
static int csv_field(struct table *t, const char *s)
{
	int rc = FINCA_OK;

	if (*s && strchr("=+-@", *s) && (rc = add(t, "'", 1)) != FINCA_OK)
		return rc;
	if (!strpbrk(s, ",\"\r\n"))
		return add(t, s, strlen(s));
	if ((rc = add(t, "\"", 1)) != FINCA_OK)
		return rc;
	for (const char *p = s; *p && rc == FINCA_OK; p++)
		rc = *p == '"' ? add(t, "\"\"", 2) : add(t, p, 1);
	return rc == FINCA_OK ? add(t, "\"", 1) : rc;
}

static int csv_row(struct table *t, const char *const *cells)
{
	char *b = NULL;
	int rc = FINCA_OK;

	for (size_t c = 0; c < t->ncols && rc == FINCA_OK; c++) {
		const char *s = cells[c] ? cells[c] : "";
		if (c && (rc = add(t, ",", 1)) != FINCA_OK)
			break;
		if (strlen(s) > TABLE_CELL_MAX) {
			if (!b)
				b = xcalloc(1, TABLE_CELL_MAX + 4);
			s = cell(s, b);
		}
		rc = csv_field(t, s);
	}
	free(b);
	return rc == FINCA_OK ? add(t, "\r\n", 2) : rc;
}

static int xlsx_row(struct table *t, size_t r, const char *const *cells, lxw_format *f)
{
	char *b = NULL;
	lxw_error e = LXW_NO_ERROR;
	int rc = FINCA_OK;

	if (r >= LXW_ROW_MAX)
		return err_set(FINCA_ELIMIT, "table: more than %d rows", LXW_ROW_MAX - 1);
	for (size_t c = 0; c < t->ncols && e == LXW_NO_ERROR; c++) {
		const char *s = cells[c] ? cells[c] : "";
		if (strlen(s) > TABLE_CELL_MAX) {
			if (!b)
				b = xcalloc(1, TABLE_CELL_MAX + 4);
			s = cell(s, b);
		}
		if (*s)
			e = worksheet_write_string(t->ws, (lxw_row_t)r, (lxw_col_t)c, s, f);
	}
	if (e != LXW_NO_ERROR)
		rc = err_set(FINCA_EIO, "table row %zu: %s", r + 1, lxw_strerror(e));
	free(b);
	return rc;
}

int table_open(enum table_format fmt, const char *sheet, const char *const *headers,
	       const double *widths, size_t ncols, struct table **out)
{
	lxw_workbook_options opt = { .constant_memory = LXW_TRUE, .tmpdir = (char *)tmp_dir() };
	struct table *t = NULL;
	lxw_format *head;
	int fd, rc;

	if (ncols == 0 || ncols > TABLE_COLS_MAX)
		return err_set(FINCA_EINVAL, "a table has 1 to %d columns", TABLE_COLS_MAX);
	t = xcalloc(1, sizeof *t);
	t->fmt = fmt;
	t->ncols = ncols;
	if (fmt == TABLE_CSV) {
		/* the BOM: Excel then reads UTF-8 */
		if ((rc = add(t, "\xEF\xBB\xBF", 3)) != FINCA_OK ||
		    (rc = csv_row(t, headers)) != FINCA_OK)
			goto out;
		goto done;
	}
	t->path = path_join(tmp_dir(), "finca-table-XXXXXX");
	if ((fd = mkstemp(t->path)) < 0) {
		rc = err_set(FINCA_EIO, "%s: %s", t->path, strerror(errno));
		free(t->path);
		t->path = NULL;
		goto out;
	}
	close(fd);
	if ((t->wb = workbook_new_opt(t->path, &opt)) == NULL ||
	    (t->ws = workbook_add_worksheet(t->wb, sheet)) == NULL) {
		rc = err_set(FINCA_EINVAL, "table \"%s\": cannot start a workbook", sheet);
		goto out;
	}
	/* 49 is Excel's built-in "@": text stays text (ID numbers, serials) */
	t->text = workbook_add_format(t->wb);
	format_set_num_format_index(t->text, 49);
	head = workbook_add_format(t->wb);
	format_set_num_format_index(head, 49);
	format_set_bold(head);
	for (size_t c = 0; c < ncols; c++)
		worksheet_set_column(t->ws, (lxw_col_t)c, (lxw_col_t)c,
				     widths ? widths[c] : 12, t->text);
	worksheet_freeze_panes(t->ws, 1, 0);
	if ((rc = xlsx_row(t, 0, headers, head)) != FINCA_OK)
		goto out;
done:
	*out = t;
	t = NULL;
	rc = FINCA_OK;
out:
	table_free(t);
	return rc;
}

int table_row(struct table *t, const char *const *cells)
{
	int rc = t->fmt == TABLE_CSV ? csv_row(t, cells) : xlsx_row(t, t->nrows + 1, cells, t->text);

	if (rc == FINCA_OK)
		t->nrows++;
	return rc;
}

int table_close(struct table *t, unsigned char **out, size_t *len)
{
	lxw_error e;

	if (t->fmt == TABLE_CSV) {
		*out = (unsigned char *)t->buf;
		*len = t->len;
		t->buf = NULL;
		t->len = t->cap = 0;
		return FINCA_OK;
	}
	if (!t->wb)
		return err_set(FINCA_ESTATE, "table: closed already");
	e = workbook_close(t->wb);
	t->wb = NULL;
	if (e != LXW_NO_ERROR)
		return err_set(FINCA_EIO, "table: %s", lxw_strerror(e));
	return file_read(t->path, TABLE_OUT_MAX, out, len);
}

void table_free(struct table *t)
{
	if (!t)
		return;
	if (t->wb)
		lxw_workbook_free(t->wb);
	if (t->path) {
		unlink(t->path);
		free(t->path);
	}
	free(t->buf);
	free(t);
}
