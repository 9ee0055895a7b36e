/* The unified spreadsheet: writing XLSX templates with libxlsxwriter. */
#include "doc/sheet.h"
#include "util/err.h"
#include "util/util.h"

#include <errno.h>
#include <stdio.h>
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

/* The formats of a template (owned by the workbook). */
struct formats {
	lxw_format *head, *text, *note;
};

/* The rows under the header and the notes and sample rows: where a list's
 * dropdown applies. */
#define LIST_ROWS 5000

static int write_sheet(lxw_workbook *wb, const struct sheet_def *d, const struct formats *f,
		       const struct sheet_list *lists, size_t nlists)
{
	lxw_worksheet *ws;
	lxw_row_t row = 1;
	lxw_error e;

	if (!d->name || !d->headers || d->ncols == 0 ||
	    d->ncols > SHEET_COLS_MAX)
		return err_why(FINCA_EINVAL, NULL, "sheet.write_def",
				"template sheet \"%s\": needs a "
			       "name and 1 to %d columns",
			       d->name ? d->name : "", SHEET_COLS_MAX);
	if ((e = workbook_validate_sheet_name(wb, d->name)) != LXW_NO_ERROR)
		return err_why(FINCA_EINVAL, NULL, "sheet.write_name", "template sheet \"%s\": %s",
			       d->name, lxw_strerror(e));
	if ((ws = workbook_add_worksheet(wb, d->name)) == NULL)
		return err_why(FINCA_ENOMEM, NULL, "sheet.write_add",
				"template sheet \"%s\": cannot "
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
					      f->text)) != LXW_NO_ERROR ||
		    (e = worksheet_write_string(ws, 0, (lxw_col_t)c, h,
						f->head)) != LXW_NO_ERROR ||
		    (d->notes &&
		     (e = worksheet_write_string(ws, 1, (lxw_col_t)c, d->notes[c] ? d->notes[c] : "",
						 f->note)) != LXW_NO_ERROR) ||
		    (d->sample &&
		     (e = worksheet_write_string(ws, d->notes ? 2 : 1, (lxw_col_t)c, s,
						 f->text)) != LXW_NO_ERROR))
			return err_why(FINCA_EINVAL, NULL, "sheet.write_column",
					"template sheet \"%s\", "
				       "column %zu: %s", d->name, c + 1,
				       lxw_strerror(e));
	}
	/* the dropdowns: from the first row an officer fills in on, the
	 * sample's included (it may be overwritten) */
	row += d->notes ? 1 : 0;
	for (size_t c = 0; d->list && c < d->ncols; c++) {
		lxw_data_validation v = { .validate = LXW_VALIDATION_TYPE_LIST_FORMULA,
					  .show_error = LXW_VALIDATION_ON };
		char ref[64];

		if (d->list[c] < 0)
			continue;
		if ((size_t)d->list[c] >= nlists)
			return err_why(FINCA_EINVAL, NULL, "sheet.write_no_list",
					"template sheet \"%s\", column %zu: no "
				       "list %d", d->name, c + 1, d->list[c]);
		snprintf(ref, sizeof ref, "='%s'!$%c$2:$%c$%zu", SHEET_LISTS,
			 'A' + d->list[c], 'A' + d->list[c], lists[d->list[c]].n + 1);
		v.value_formula = ref;
		v.error_title = "请从下拉列表中选择";
		v.error_message = "此列只能填写列表中的值（见“列表”工作表）。";
		if ((e = worksheet_data_validation_range(ws, row, (lxw_col_t)c, LIST_ROWS,
							 (lxw_col_t)c, &v)) != LXW_NO_ERROR)
			return err_why(FINCA_EINVAL, NULL, "sheet.write_column",
					"template sheet \"%s\", column %zu: %s",
				       d->name, c + 1, lxw_strerror(e));
	}
	worksheet_freeze_panes(ws, d->notes ? 2 : 1, 0);
	return FINCA_OK;
}

/* The lists, a column each, in the hidden sheet SHEET_LISTS. */
static int write_lists(lxw_workbook *wb, const struct sheet_list *lists, size_t nlists,
		       const struct formats *f)
{
	lxw_worksheet *ws;
	lxw_error e = LXW_NO_ERROR;

	if (nlists == 0)
		return FINCA_OK;
	if (nlists > 26)
		return err_why(FINCA_EINVAL, NULL, "sheet.write_lists_max",
				"a template has at most 26 lists");
	if ((ws = workbook_add_worksheet(wb, SHEET_LISTS)) == NULL)
		return err_why(FINCA_ENOMEM, NULL, "sheet.write_lists_add",
				"template: cannot add the lists");
	for (size_t l = 0; l < nlists && e == LXW_NO_ERROR; l++) {
		if (lists[l].n == 0 || lists[l].n >= SHEET_ROWS_MAX)
			return err_why(FINCA_EINVAL, NULL, "sheet.write_list_items",
					"template list \"%s\": 1 to %d items",
				       lists[l].name, SHEET_ROWS_MAX - 1);
		e = worksheet_set_column(ws, (lxw_col_t)l, (lxw_col_t)l, 24, f->text);
		if (e == LXW_NO_ERROR)
			e = worksheet_write_string(ws, 0, (lxw_col_t)l, lists[l].name, f->head);
		for (size_t i = 0; i < lists[l].n && e == LXW_NO_ERROR; i++)
			e = worksheet_write_string(ws, (lxw_row_t)(i + 1), (lxw_col_t)l,
						   lists[l].items[i], f->text);
	}
	if (e != LXW_NO_ERROR)
		return err_why(FINCA_EINVAL, NULL, "sheet.write_lists",
				"template lists: %s", lxw_strerror(e));
	worksheet_hide(ws);
	return FINCA_OK;
}

int book_write_xlsx(const char *path, const struct sheet_def *defs, size_t ndefs,
		    const struct sheet_list *lists, size_t nlists)
{
	lxw_workbook_options opt = { .tmpdir = (char *)tmp_dir() };
	lxw_workbook *wb = NULL;
	struct formats f;
	lxw_error e;
	int rc;

	if (ndefs == 0 || ndefs > BOOK_SHEETS_MAX) {
		rc = err_why(FINCA_EINVAL, NULL, "sheet.write_sheets",
				"a template has 1 to %d sheets",
			     BOOK_SHEETS_MAX);
		goto out;
	}
	if ((wb = workbook_new_opt(path, &opt)) == NULL) {
		rc = err_why(FINCA_ENOMEM, NULL, "sheet.write_start",
				"%s: cannot start a workbook", path);
		goto out;
	}
	/* 49 is Excel's built-in "@", text */
	f.text = workbook_add_format(wb);
	format_set_num_format_index(f.text, 49);
	f.head = workbook_add_format(wb);
	format_set_num_format_index(f.head, 49);
	format_set_bold(f.head);
	f.note = workbook_add_format(wb);
	format_set_num_format_index(f.note, 49);
	format_set_italic(f.note);
	format_set_font_color(f.note, 0x808080);
	format_set_text_wrap(f.note);
	for (size_t i = 0; i < ndefs; i++)
		if ((rc = write_sheet(wb, &defs[i], &f, lists, nlists)) != FINCA_OK)
			goto out;
	if ((rc = write_lists(wb, lists, nlists, &f)) != FINCA_OK)
		goto out;
	e = workbook_close(wb);
	wb = NULL;
	if (e != LXW_NO_ERROR) {
		rc = err_why(FINCA_EIO, NULL, "sheet.write_close", "%s: %s", path, lxw_strerror(e));
		goto out;
	}
	rc = FINCA_OK;
out:
	if (wb)
		lxw_workbook_free(wb);
	return rc;
}

int book_write_xlsx_mem(const struct sheet_def *defs, size_t ndefs,
			const struct sheet_list *lists, size_t nlists,
			unsigned char **out, size_t *len)
{
	char *path = path_join(tmp_dir(), "finca-sheet-XXXXXX");
	int fd = -1, rc;

	if (path == NULL)
		return err_why(FINCA_ENOMEM, NULL, "util.no_memory", "out of memory");
	if ((fd = mkstemp(path)) < 0) {
		rc = err_why(FINCA_EIO, NULL, "sheet.write_temp", "%s: %s", path, strerror(errno));
		goto out;
	}
	close(fd);
	if ((rc = book_write_xlsx(path, defs, ndefs, lists, nlists)) != FINCA_OK)
		goto out;
	rc = file_read(path, BOOK_INPUT_MAX, out, len);
out:
	if (fd >= 0)
		unlink(path);
	free(path);
	return rc;
}
