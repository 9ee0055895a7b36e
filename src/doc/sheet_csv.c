/* The unified spreadsheet: reading a CSV upload (RFC 4180) in UTF-8 or
 * GB18030 into a book of one sheet. */
#include "doc/sheet_int.h"
#include "util/err.h"
#include "util/util.h"

#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>

/* The line (1-based) that byte off (< the length) of t is on.  A line ends
 * at LF, CRLF or a lone CR, as in csv_parse. */
static size_t line_at(const unsigned char *t, size_t off)
{
	size_t i, line = 1;

	for (i = 0; i < off; i++)
		if (t[i] == '\n' || (t[i] == '\r' && t[i + 1] != '\n'))
			line++;
	return line;
}

/* The upload as UTF-8 in *out: as it is when it is valid UTF-8, otherwise
 * from GB18030.  Chinese Excel and WPS save "CSV (逗号分隔)" in the ANSI
 * code page, GBK, which GB18030 contains. */
static int csv_decode(const unsigned char *buf, size_t len, struct buf *out)
{
	size_t ok = sheet_utf8_prefix(buf, len), inleft = len, oleft;
	char *in = (char *)buf, *o;
	iconv_t cd;
	int rc = FINCA_OK;

	if (ok == len) {
		sheet_buf_add(out, buf, len);
		return FINCA_OK;
	}
	cd = iconv_open("UTF-8", "GB18030");
	if (cd == (iconv_t)-1)
		return err_set(FINCA_EIO, "iconv from GB18030: %s",
			       strerror(errno));
	/* a GB18030 sequence of 1, 2 or 4 bytes is 1, at most 3, at most 4
	 * bytes of UTF-8 */
	out->cap = len + len / 2 + 1;
	out->p = xrealloc(out->p, out->cap);
	o = out->p;
	oleft = out->cap - 1;
	if (iconv(cd, &in, &inleft, &o, &oleft) == (size_t)-1) {
		size_t bad = (size_t)((unsigned char *)in - buf);

		/* Of the two readings, the one that got further is the likelier
		 * encoding: name its line. */
		rc = err_why(FINCA_EINVAL, NULL, "sheet.encoding", "line %zu: invalid byte sequence "
			     "(neither UTF-8 nor GB18030)",
			     line_at(buf, bad > ok ? bad : ok));
	}
	iconv_close(cd);
	out->len = (size_t)(o - out->p);
	out->p[out->len] = '\0';
	return rc;
}

/* RFC 4180 records from t (UTF-8, modifiable: quoted fields are unescaped
 * in place).  Outside quotes a record ends at LF, CRLF or a lone CR; inside,
 * each of them becomes LF, as a line break in an Excel cell is.  A quote
 * inside an unquoted field is taken as it is. */
static int csv_parse(char *t, size_t n, struct builder *b)
{
	size_t i = 0, line = 1, row, col;
	int rc;

	for (row = 0; i < n; row++) {
		if ((rc = sheet_bld_line(b, line)) != FINCA_OK)
			return rc;
		for (col = 0;; col++) {
			char *f = t + i, *w;

			if (i < n && t[i] == '"') {
				size_t open = line;

				for (w = f, i++;; i++) {
					if (i == n)
						return err_why(FINCA_EINVAL, NULL, "sheet.quote",
							"line %zu: quoted field "
							"not closed", open);
					if (t[i] == '"' &&
					    (i + 1 == n || t[i + 1] != '"'))
						break;
					if (t[i] == '"' ||
					    (t[i] == '\r' && i + 1 < n &&
					     t[i + 1] == '\n'))
						i++;
					if (t[i] == '\n' || t[i] == '\r') {
						line++;
						*w++ = '\n';
					} else {
						*w++ = t[i];
					}
				}
				i++;
				if (i < n && t[i] != ',' && t[i] != '\n' &&
				    t[i] != '\r')
					return err_why(FINCA_EINVAL, NULL, "sheet.after_quote",
						"line %zu: text after the closing "
						"quote of a field", line);
			} else {
				while (i < n && t[i] != ',' && t[i] != '\n' &&
				       t[i] != '\r')
					i++;
				w = t + i;
			}
			if ((rc = sheet_bld_add(b, row, col, f,
						(size_t)(w - f))) != FINCA_OK)
				return rc;
			if (i == n || t[i] != ',')
				break;
			i++;
		}
		if (i < n) {
			if (t[i] == '\r' && i + 1 < n && t[i + 1] == '\n')
				i++;
			i++;
			line++;
		}
	}
	return FINCA_OK;
}

/* The CSV's sheet name: the base name of hint without its extension, ""
 * when there is none or it is not reasonable UTF-8.  Browsers on Windows
 * used to send the full path, hence the backslash. */
static char *csv_name(const char *hint)
{
	const char *base = hint ? hint : "", *p, *dot;
	size_t n;
	char *name;

	for (p = base; *p; p++)
		if (*p == '/' || *p == '\\')
			base = p + 1;
	dot = strrchr(base, '.');
	n = dot && dot != base ? (size_t)(dot - base) : strlen(base);
	if (n > 255 || sheet_utf8_prefix((const unsigned char *)base, n) != n)
		n = 0;
	name = xcalloc(1, n + 1);
	memcpy(name, base, n);
	return name;
}

/* Reading a CSV: decoded to UTF-8, parsed into one sheet named after
 * hint. */
int sheet_csv_read(const unsigned char *buf, size_t len, const char *hint,
		   struct book *bk)
{
	struct buf t = { 0 };
	struct builder b;
	size_t left = BOOK_TEXT_MAX, bom;
	int rc;

	sheet_bld_init(&b, &left, NULL);
	if ((rc = csv_decode(buf, len, &t)) != FINCA_OK)
		goto out;
	/* UTF-8 BOM, or GB18030's 84 31 95 33 now converted to it */
	bom = t.len >= 3 && memcmp(t.p, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
	if ((rc = csv_parse(t.p + bom, t.len - bom, &b)) != FINCA_OK)
		goto out;
	bk->sheets = xcalloc(1, sizeof *bk->sheets);
	bk->nsheets = 1;
	bk->sheets[0].name = csv_name(hint);
	sheet_bld_finish(&b, &bk->sheets[0]);
out:
	free(t.p);
	sheet_bld_free(&b);
	return rc;
}
