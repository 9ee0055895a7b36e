/* The unified spreadsheet: writing XLSX templates with libxlsxwriter. */
#include "doc/sheet.h"
#include "util/err.h"
#include "util/util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xlsxwriter.h>

static const char *tmp_dir(void)
{
	const char *d = getenv("TMPDIR");

	return d && *d ? d : "/tmp";
}

/* Column width for s in Excel's unit, the width of a digit: characters from
 * U+1000 on (CJK among them: 3- and 4-byte UTF-8) take two. */
static double text_width(const char *s)
{
	size_t w = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p & 0xC0) != 0x80)
			w += *p >= 0xE1 ? 2 : 1;
	return (double)w;
}

static int write_sheet(lxw_workbook *wb, const struct sheet_def *d,
		       lxw_format *head, lxw_format *text)
{
	lxw_worksheet *ws;
	lxw_error e;

	if (!d->name || !d->headers || d->ncols == 0 ||
	    d->ncols > SHEET_COLS_MAX)
		return err_set(FINCA_EINVAL, "template sheet \"%s\": needs a "
			       "name and 1 to %d columns",
			       d->name ? d->name : "", SHEET_COLS_MAX);
	if ((e = workbook_validate_sheet_name(wb, d->name)) != LXW_NO_ERROR)
		return err_set(FINCA_EINVAL, "template sheet \"%s\": %s",
			       d->name, lxw_strerror(e));
	if ((ws = workbook_add_worksheet(wb, d->name)) == NULL)
		return err_set(FINCA_ENOMEM, "template sheet \"%s\": cannot "
			       "add it", d->name);
	for (size_t c = 0; c < d->ncols; c++) {
		const char *h = d->headers[c] ? d->headers[c] : "";
		const char *s = d->sample && d->sample[c] ? d->sample[c] : "";
		double w = text_width(h) > text_width(s) ? text_width(h) :
							   text_width(s);

		w = w + 2 < 8 ? 8 : w + 2 > 60 ? 60 : w + 2;
		/* the format of the whole column, so that what is typed
		 * below the sample is text too */
		if ((e = worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, w,
					      text)) != LXW_NO_ERROR ||
		    (e = worksheet_write_string(ws, 0, (lxw_col_t)c, h,
						head)) != LXW_NO_ERROR ||
		    (d->sample &&
		     (e = worksheet_write_string(ws, 1, (lxw_col_t)c, s,
						 text)) != LXW_NO_ERROR))
			return err_set(FINCA_EINVAL, "template sheet \"%s\", "
				       "column %zu: %s", d->name, c + 1,
				       lxw_strerror(e));
	}
	worksheet_freeze_panes(ws, 1, 0);
	return FINCA_OK;
}

int book_write_xlsx(const char *path, const struct sheet_def *defs,
		    size_t ndefs)
{
	lxw_workbook_options opt = { .tmpdir = (char *)tmp_dir() };
	lxw_workbook *wb = NULL;
	lxw_format *head, *text;
	lxw_error e;
	int rc;

	if (ndefs == 0 || ndefs > BOOK_SHEETS_MAX) {
		rc = err_set(FINCA_EINVAL, "a template has 1 to %d sheets",
			     BOOK_SHEETS_MAX);
		goto out;
	}
	if ((wb = workbook_new_opt(path, &opt)) == NULL) {
		rc = err_set(FINCA_ENOMEM, "%s: cannot start a workbook", path);
		goto out;
	}
	/* 49 is Excel's built-in "@", text */
	text = workbook_add_format(wb);
	format_set_num_format_index(text, 49);
	head = workbook_add_format(wb);
	format_set_num_format_index(head, 49);
	format_set_bold(head);
	for (size_t i = 0; i < ndefs; i++)
		if ((rc = write_sheet(wb, &defs[i], head, text)) != FINCA_OK)
			goto out;
	e = workbook_close(wb);
	wb = NULL;
	if (e != LXW_NO_ERROR) {
		rc = err_set(FINCA_EIO, "%s: %s", path, lxw_strerror(e));
		goto out;
	}
	rc = FINCA_OK;
out:
	if (wb)
		lxw_workbook_free(wb);
	return rc;
}

int book_write_xlsx_mem(const struct sheet_def *defs, size_t ndefs,
			unsigned char **out, size_t *len)
{
	char *path = path_join(tmp_dir(), "finca-sheet-XXXXXX");
	int fd = -1, rc;

	if (path == NULL)
		return err_set(FINCA_ENOMEM, "out of memory");
	if ((fd = mkstemp(path)) < 0) {
		rc = err_set(FINCA_EIO, "%s: %s", path, strerror(errno));
		goto out;
	}
	close(fd);
	if ((rc = book_write_xlsx(path, defs, ndefs)) != FINCA_OK)
		goto out;
	rc = file_read(path, BOOK_INPUT_MAX, out, len);
out:
	if (fd >= 0)
		unlink(path);
	free(path);
	return rc;
}
