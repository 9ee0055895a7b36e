/* The unified spreadsheet: CSV and XLSX uploads in, XLSX templates out.
 *
 * Reading fills a per-sheet builder with the non-blank cells (row, column,
 * text) in whatever order the file has them, then lays them out as a
 * rectangle.  Blank cells cost nothing until then, so a line of a million
 * commas or an XLSX cell at XFD1048576 with nothing in it is harmless; a
 * non-blank cell outside the limits of sheet.h is an error. */
#include "doc/sheet.h"
#include "util/err.h"
#include "util/util.h"

#include <errno.h>
#include <iconv.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/xmlreader.h>
#include <xlsxwriter.h>
#include <zip.h>

#define STR_(x) #x
#define STR(x) STR_(x)

#define XLSX_ROW_MAX 1048576       /* Excel's grid: A1..XFD1048576 */
#define XLSX_COL_MAX 16384
#define RELS_MAX 1024              /* relationships in one .rels part */
#define XML_ATTS_MAX 64            /* attributes of one tag (Excel: ~15) */
#define XML_NS_MAX 64              /* namespace declarations in scope */
#define XML_DEPTH_MAX 256          /* libxml2's own default limit */
#define SST_MAX ((size_t)SHEET_ROWS_MAX * SHEET_COLS_MAX) /* shared strings */

/* ---- small helpers ---- */

/* Growable text; p is NULL or NUL-terminated at len. */
struct buf {
	char *p;
	size_t len, cap;
};

static void buf_add(struct buf *b, const void *s, size_t n)
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
static void *grow(void *v, size_t n, size_t *cap, size_t sz)
{
	if (n < *cap)
		return v;
	*cap = *cap ? *cap * 2 : 16;
	return xrealloc(v, *cap * sz);
}

/* Length of the longest valid UTF-8 prefix of s (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF). */
static size_t utf8_prefix(const unsigned char *s, size_t n)
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

/* Decimal digits only, value <= max. */
static int parse_uint(const char *s, size_t max, size_t *out)
{
	size_t v = 0;

	if (*s == '\0')
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > max / 10)
			return -1;
		v = v * 10 + (size_t)(*s - '0');
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

/* ---- building a sheet from its non-blank cells ---- */

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

static void bld_init(struct builder *b, size_t *left, const char *part)
{
	memset(b, 0, sizeof *b);
	buf_add(&b->text, "", 1);
	b->left = left;
	b->part = part;
}

static void bld_free(struct builder *b)
{
	free(b->text.p);
	free(b->refs);
	free(b->lines);
}

static int bld_fail(const struct builder *b, size_t row, size_t col,
		    const char *what)
{
	char cn[16];

	col_name(col, cn);
	if (row < b->nlines)
		return err_set(FINCA_EINVAL, "line %zu, column %s: %s",
			       b->lines[row], cn, what);
	return err_set(FINCA_EINVAL, "%s: row %zu, column %s: %s", b->part,
		       row + 1, cn, what);
}

/* CSV: record number nlines starts on this line. */
static int bld_line(struct builder *b, size_t line)
{
	if (b->nlines == SHEET_ROWS_MAX)
		return err_set(FINCA_EINVAL, "line %zu: more than %d rows", line,
			       SHEET_ROWS_MAX);
	b->lines = grow(b->lines, b->nlines, &b->linecap, sizeof *b->lines);
	b->lines[b->nlines++] = line;
	return FINCA_OK;
}

/* Cell (row, col), 0-based, holds s[0..n).  A later cell at the same place
 * wins (only a broken XLSX has two). */
static int bld_add(struct builder *b, size_t row, size_t col, const char *s,
		   size_t n)
{
	if (n == 0)
		return FINCA_OK;
	if (row >= SHEET_ROWS_MAX)
		return bld_fail(b, row, col,
				"more than " STR(SHEET_ROWS_MAX) " rows");
	if (col >= SHEET_COLS_MAX)
		return bld_fail(b, row, col,
				"more than " STR(SHEET_COLS_MAX) " columns");
	if (n > SHEET_CELL_MAX)
		return bld_fail(b, row, col,
				"more than " STR(SHEET_CELL_MAX) " bytes");
	if (memchr(s, '\0', n))
		return bld_fail(b, row, col, "contains a NUL byte");
	if (utf8_prefix((const unsigned char *)s, n) != n)
		return bld_fail(b, row, col, "not UTF-8");
	if (n + 1 > *b->left)
		return bld_fail(b, row, col, "more than 64 MiB of text in all");
	*b->left -= n + 1;
	b->refs = grow(b->refs, b->nrefs, &b->refcap, sizeof *b->refs);
	b->refs[b->nrefs++] = (struct cellref){
		(uint32_t)row, (uint32_t)col, (uint32_t)b->text.len };
	buf_add(&b->text, s, n);
	buf_add(&b->text, "", 1);
	if (row >= b->nrows)
		b->nrows = row + 1;
	if (col >= b->ncols)
		b->ncols = col + 1;
	return FINCA_OK;
}

/* Lays the cells out in s (whose name is left alone); the text moves from
 * b to s. */
static void bld_finish(struct builder *b, struct sheet *s)
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

/* ---- CSV ---- */

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
	size_t ok = utf8_prefix(buf, len), inleft = len, oleft;
	char *in = (char *)buf, *o;
	iconv_t cd;
	int rc = FINCA_OK;

	if (ok == len) {
		buf_add(out, buf, len);
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
		rc = err_set(FINCA_EINVAL, "line %zu: invalid byte sequence "
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
		if ((rc = bld_line(b, line)) != FINCA_OK)
			return rc;
		for (col = 0;; col++) {
			char *f = t + i, *w;

			if (i < n && t[i] == '"') {
				size_t open = line;

				for (w = f, i++;; i++) {
					if (i == n)
						return err_set(FINCA_EINVAL,
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
					return err_set(FINCA_EINVAL,
						"line %zu: text after the closing "
						"quote of a field", line);
			} else {
				while (i < n && t[i] != ',' && t[i] != '\n' &&
				       t[i] != '\r')
					i++;
				w = t + i;
			}
			if ((rc = bld_add(b, row, col, f, (size_t)(w - f))) !=
			    FINCA_OK)
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
	if (n > 255 || utf8_prefix((const unsigned char *)base, n) != n)
		n = 0;
	name = xcalloc(1, n + 1);
	memcpy(name, base, n);
	return name;
}

static int csv_read(const unsigned char *buf, size_t len, const char *hint,
		    struct book *bk)
{
	struct buf t = { 0 };
	struct builder b;
	size_t left = BOOK_TEXT_MAX, bom;
	int rc;

	bld_init(&b, &left, NULL);
	if ((rc = csv_decode(buf, len, &t)) != FINCA_OK)
		goto out;
	/* UTF-8 BOM, or GB18030's 84 31 95 33 now converted to it */
	bom = t.len >= 3 && memcmp(t.p, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
	if ((rc = csv_parse(t.p + bom, t.len - bom, &b)) != FINCA_OK)
		goto out;
	bk->sheets = xcalloc(1, sizeof *bk->sheets);
	bk->nsheets = 1;
	bk->sheets[0].name = csv_name(hint);
	bld_finish(&b, &bk->sheets[0]);
out:
	free(t.p);
	bld_free(&b);
	return rc;
}

/* ---- XLSX: zip parts and XML ---- */

/* The package being read, and how much more it may inflate. */
struct pkg {
	zip_t *za;
	size_t left;
};

/* Reads part name whole into *out (caller frees; NUL-terminated). */
static int zip_part(struct pkg *pk, const char *name, unsigned char **out,
		    size_t *len)
{
	zip_t *za = pk->za;
	zip_int64_t idx = zip_name_locate(za, name, 0), n;
	zip_file_t *zf = NULL;
	zip_stat_t st;
	unsigned char *data = NULL, extra;
	int rc = FINCA_EINVAL;

	if (idx < 0) {
		rc = err_set(FINCA_ENOTFOUND, "%s: missing from the file", name);
		goto out;
	}
	zip_stat_init(&st);
	if (zip_stat_index(za, (zip_uint64_t)idx, 0, &st) != 0 ||
	    !(st.valid & ZIP_STAT_SIZE)) {
		rc = err_set(FINCA_EINVAL, "%s: %s", name, zip_strerror(za));
		goto out;
	}
	/* the size in the directory, checked before anything is inflated;
	 * reading more than it is refused below */
	if (st.size > BOOK_INPUT_MAX) {
		rc = err_set(FINCA_EINVAL, "%s: %llu bytes uncompressed, more "
			     "than %zu MiB", name, (unsigned long long)st.size,
			     BOOK_INPUT_MAX >> 20);
		goto out;
	}
	if (st.size > pk->left) {
		rc = err_set(FINCA_EINVAL, "%s: the parts read come to more "
			     "than %zu MiB uncompressed", name,
			     BOOK_UNZIP_MAX >> 20);
		goto out;
	}
	pk->left -= (size_t)st.size;
	if ((zf = zip_fopen_index(za, (zip_uint64_t)idx, 0)) == NULL) {
		rc = err_set(FINCA_EINVAL, "%s: %s", name, zip_strerror(za));
		goto out;
	}
	data = xcalloc(1, (size_t)st.size + 1);
	n = zip_fread(zf, data, st.size);
	if (n < 0 || (zip_uint64_t)n != st.size) {
		rc = err_set(FINCA_EINVAL, "%s: damaged: %s", name,
			     n < 0 ? zip_file_strerror(zf) : "shorter than stated");
		goto out;
	}
	/* the end of the data is where libzip checks the CRC */
	n = zip_fread(zf, &extra, 1);
	if (n != 0) {
		rc = err_set(FINCA_EINVAL, "%s: damaged: %s", name,
			     n < 0 ? zip_file_strerror(zf) : "longer than stated");
		goto out;
	}
	*out = data;
	*len = (size_t)st.size;
	data = NULL;
	rc = FINCA_OK;
out:
	if (zf)
		zip_fclose(zf);
	free(data);
	return rc;
}

/* Whether s (n bytes) starts with the literal lit. */
static int starts(const unsigned char *s, size_t n, const char *lit)
{
	size_t l = strlen(lit);

	return n >= l && memcmp(s, lit, l) == 0;
}

/* A lexical pass over a part before libxml2 parses it.  libxml2 2.9 takes
 * time quadratic in the attributes of one tag (its duplicate check) and in
 * the namespace declarations in scope (each prefix lookup walks them all):
 * a few MiB of either keep it busy for minutes.  This bounds both, and the
 * depth, and refuses a DTD (and any other <! declaration) before libxml2
 * reads it.  The part must be UTF-8 without NUL, and libxml2 is told to
 * read it as UTF-8 whatever it declares (xml_open), so that the markup seen
 * here is the markup it parses. */
static int xml_prescan(const unsigned char *p, size_t n, const char *part)
{
	size_t opened[XML_DEPTH_MAX]; /* declarations of each open element */
	size_t depth = 0, inscope = 0, i = 0;

	if (utf8_prefix(p, n) != n || memchr(p, '\0', n))
		return err_set(FINCA_EINVAL, "%s: not UTF-8", part);
	while (i < n) {
		const unsigned char *lt = memchr(p + i, '<', n - i), *e;
		const char *end = NULL;
		size_t atts = 0, decls = 0, j;
		unsigned char quote = 0;

		if (lt == NULL)
			break;
		i = (size_t)(lt - p) + 1;
		if (starts(p + i, n - i, "!--"))
			end = "-->";
		else if (starts(p + i, n - i, "![CDATA["))
			end = "]]>";
		else if (starts(p + i, n - i, "!"))
			return err_set(FINCA_EINVAL, "%s: has a DTD", part);
		else if (starts(p + i, n - i, "?") || starts(p + i, n - i, "/"))
			end = p[i] == '?' ? "?>" : ">";
		if (end) {
			if (p[i] == '/' && depth)
				inscope -= opened[--depth];
			e = memmem(p + i, n - i, end, strlen(end));
			i = e ? (size_t)(e - p) + strlen(end) : n;
			continue;
		}
		/* a start tag, to the first '>' outside quotes; an attribute
		 * name follows white space */
		for (j = i; j < n && (quote || p[j] != '>'); j++) {
			if (quote)
				quote = p[j] == quote ? 0 : quote;
			else if (p[j] == '"' || p[j] == '\'')
				quote = p[j];
			else if (p[j] == '=')
				atts++;
			else if (strchr(" \t\r\n", p[j]) &&
				 starts(p + j + 1, n - j - 1, "xmlns"))
				decls++;
		}
		if (atts > XML_ATTS_MAX)
			return err_set(FINCA_EINVAL, "%s: a tag with more than %d "
				       "attributes", part, XML_ATTS_MAX);
		if (inscope + decls > XML_NS_MAX)
			return err_set(FINCA_EINVAL, "%s: more than %d namespace "
				       "declarations in scope", part, XML_NS_MAX);
		if (j < n && p[j - 1] != '/') {
			if (depth == XML_DEPTH_MAX)
				return err_set(FINCA_EINVAL, "%s: elements nested "
					       "more than %d deep", part,
					       XML_DEPTH_MAX);
			opened[depth++] = decls;
			inscope += decls;
		}
		i = j + 1;
	}
	return FINCA_OK;
}

struct xml {
	xmlTextReaderPtr rd;
	unsigned char *data;     /* the part, which rd reads in place */
	const char *part;        /* borrowed */
	char err[256];           /* libxml2's first complaint */
};

/* libxml2 would print its errors on stderr; keep the first for err_set. */
static void xml_error(void *arg, xmlErrorPtr e)
{
	struct xml *x = arg;

	if (x->err[0] == '\0' && e && e->message && e->level >= XML_ERR_ERROR) {
		snprintf(x->err, sizeof x->err, "line %d: %s", e->line,
			 e->message);
		x->err[strcspn(x->err, "\n")] = '\0';
	}
}

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

static int xml_open(struct xml *x, struct pkg *pk, const char *part)
{
	size_t len = 0;
	int rc;

	memset(x, 0, sizeof *x);
	x->part = part;
	if ((rc = zip_part(pk, part, &x->data, &len)) != FINCA_OK ||
	    (rc = xml_prescan(x->data, len, part)) != FINCA_OK)
		return rc;
	pthread_once(&xml_once, xmlInitParser);
	/* No XML_PARSE_NOENT or XML_PARSE_DTDLOAD: entities stay unexpanded
	 * and nothing outside the part is read (and xml_prescan has refused
	 * any DTD: no OOXML part has one).  UTF-8 whatever the part says, as
	 * xml_prescan saw it. */
	x->rd = xmlReaderForMemory((const char *)x->data, (int)len, NULL,
				   "UTF-8", XML_PARSE_NONET |
				   XML_PARSE_IGNORE_ENC);
	if (x->rd == NULL)
		return err_set(FINCA_ENOMEM, "%s: cannot start the XML reader",
			       part);
	xmlTextReaderSetStructuredErrorHandler(x->rd, xml_error, x);
	return FINCA_OK;
}

static void xml_close(struct xml *x)
{
	if (x->rd)
		xmlFreeTextReader(x->rd);
	free(x->data);
	x->rd = NULL;
	x->data = NULL;
}

/* Moves to the next node: 1, 0 at the end, or an error code. */
static int xml_next(struct xml *x)
{
	int r = xmlTextReaderRead(x->rd);

	if (r < 0)
		return err_set(FINCA_EINVAL, "%s: not well-formed XML: %s",
			       x->part, x->err[0] ? x->err : "unknown error");
	/* xml_prescan refuses them first; this is the second line */
	if (r == 1 &&
	    xmlTextReaderNodeType(x->rd) == XML_READER_TYPE_DOCUMENT_TYPE)
		return err_set(FINCA_EINVAL, "%s: has a DTD", x->part);
	return r;
}

/* Whether the node is of this type (XML_READER_TYPE_ELEMENT or _END_ELEMENT)
 * and local name, whatever its namespace (transitional and strict OOXML
 * differ only there). */
static int xml_at(struct xml *x, int type, const char *name)
{
	const xmlChar *n = xmlTextReaderConstLocalName(x->rd);

	return xmlTextReaderNodeType(x->rd) == type && n &&
	       strcmp((const char *)n, name) == 0;
}

/* A copy (caller frees) of the element's attribute with this local name,
 * without a namespace (ns 0: "r" of <c>) or with one (ns 1: r:id), or
 * NULL. */
static char *xml_attr(struct xml *x, const char *local, int ns)
{
	char *v = NULL;

	if (xmlTextReaderMoveToFirstAttribute(x->rd) != 1)
		return NULL;
	do {
		const xmlChar *n = xmlTextReaderConstLocalName(x->rd);
		const xmlChar *val = xmlTextReaderConstValue(x->rd);

		if (!v && n && val && strcmp((const char *)n, local) == 0 &&
		    (xmlTextReaderConstNamespaceUri(x->rd) != NULL) == ns &&
		    xmlTextReaderIsNamespaceDecl(x->rd) != 1)
			v = xstrdup((const char *)val);
	} while (xmlTextReaderMoveToNextAttribute(x->rd) == 1);
	xmlTextReaderMoveToElement(x->rd);
	return v;
}

/* Appends the text inside the element the reader is on (<v>, <t>) to out
 * and leaves the reader on its end tag. */
static int xml_text(struct xml *x, struct buf *out)
{
	int depth = xmlTextReaderDepth(x->rd), r;

	if (xmlTextReaderIsEmptyElement(x->rd))
		return FINCA_OK;
	while ((r = xml_next(x)) == 1) {
		int type = xmlTextReaderNodeType(x->rd);
		const xmlChar *v;

		if (type == XML_READER_TYPE_END_ELEMENT &&
		    xmlTextReaderDepth(x->rd) == depth)
			return FINCA_OK;
		if ((type == XML_READER_TYPE_TEXT ||
		     type == XML_READER_TYPE_CDATA ||
		     type == XML_READER_TYPE_WHITESPACE ||
		     type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE) &&
		    (v = xmlTextReaderConstValue(x->rd)) != NULL)
			buf_add(out, v, strlen((const char *)v));
	}
	return r < 0 ? r : err_set(FINCA_EINVAL, "%s: ends inside an element",
				   x->part);
}

/* Appends the text of a rich string (<si> of sharedStrings, <is> of an
 * inline string): its <t>, and the <t> of its runs <r>, but not the
 * phonetic guide <rPh> (furigana), which is not part of the value. */
static int xml_rst(struct xml *x, struct buf *out)
{
	int depth = xmlTextReaderDepth(x->rd), in_rph = 0, r, rc;

	if (xmlTextReaderIsEmptyElement(x->rd))
		return FINCA_OK;
	while ((r = xml_next(x)) == 1) {
		if (xmlTextReaderNodeType(x->rd) == XML_READER_TYPE_END_ELEMENT &&
		    xmlTextReaderDepth(x->rd) == depth)
			return FINCA_OK;
		if (xml_at(x, XML_READER_TYPE_ELEMENT, "rPh"))
			in_rph = !xmlTextReaderIsEmptyElement(x->rd);
		else if (xml_at(x, XML_READER_TYPE_END_ELEMENT, "rPh"))
			in_rph = 0;
		else if (!in_rph && xml_at(x, XML_READER_TYPE_ELEMENT, "t") &&
			 (rc = xml_text(x, out)) != FINCA_OK)
			return rc;
	}
	return r < 0 ? r : err_set(FINCA_EINVAL, "%s: ends inside an element",
				   x->part);
}

/* ---- XLSX: relationships, workbook, shared strings, sheets ---- */

struct rel {
	char *id, *type, *target; /* target: the part's name in the zip */
};

struct rels {
	struct rel *v;
	size_t n, cap;
};

static void rel_free(struct rel *rl)
{
	free(rl->id);
	free(rl->type);
	free(rl->target);
	memset(rl, 0, sizeof *rl);
}

static void rels_free(struct rels *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		rel_free(&rs->v[i]);
	free(rs->v);
}

/* The part a Target names, from the folder dir (dirlen bytes, "" or ending
 * in '/') of its source part: "worksheets/sheet1.xml" from "xl/" is
 * "xl/worksheets/sheet1.xml", "/xl/styles.xml" is "xl/styles.xml", ".."
 * climbs.  Caller frees. */
static char *part_resolve(const char *dir, size_t dirlen, const char *target)
{
	struct buf p = { 0 };
	const char *s = target;

	buf_add(&p, "", 0);
	if (*s == '/')
		s++;
	else
		buf_add(&p, dir, dirlen);
	while (*s) {
		const char *e = strchr(s, '/');
		size_t n = e ? (size_t)(e - s) : strlen(s);

		if (n == 2 && memcmp(s, "..", 2) == 0) {
			if (p.len)
				p.len--;
			while (p.len && p.p[p.len - 1] != '/')
				p.len--;
			p.p[p.len] = '\0';
		} else if (n && !(n == 1 && *s == '.')) {
			buf_add(&p, s, n);
			if (e)
				buf_add(&p, "/", 1);
		}
		s += n + (e != NULL);
	}
	return p.p;
}

/* The relationships of part source ("" for the package itself):
 * "xl/workbook.xml" has them in "xl/_rels/workbook.xml.rels".  Targets
 * outside the package (TargetMode="External") are left out. */
static int rels_read(struct pkg *pk, const char *source, struct rels *rs)
{
	const char *slash = strrchr(source, '/');
	size_t dirlen = slash ? (size_t)(slash + 1 - source) : 0;
	struct buf path = { 0 };
	struct xml x = { 0 };
	struct rel rl = { 0 };
	char *mode = NULL, *t;
	int external, r, rc;

	buf_add(&path, source, dirlen);
	buf_add(&path, "_rels/", 6);
	buf_add(&path, source + dirlen, strlen(source + dirlen));
	buf_add(&path, ".rels", 5);
	if ((rc = xml_open(&x, pk, path.p)) != FINCA_OK)
		goto out;
	while ((r = xml_next(&x)) == 1) {
		if (!xml_at(&x, XML_READER_TYPE_ELEMENT, "Relationship"))
			continue;
		rl.id = xml_attr(&x, "Id", 0);
		rl.type = xml_attr(&x, "Type", 0);
		rl.target = xml_attr(&x, "Target", 0);
		mode = xml_attr(&x, "TargetMode", 0);
		if (!rl.id || !rl.type || !rl.target) {
			rc = err_set(FINCA_EINVAL, "%s: a Relationship without "
				     "Id, Type or Target", path.p);
			goto out;
		}
		external = mode && strcmp(mode, "External") == 0;
		free(mode);
		mode = NULL;
		if (external) {
			rel_free(&rl);
			continue;
		}
		if (rs->n == RELS_MAX) {
			rc = err_set(FINCA_EINVAL, "%s: more than %d "
				     "relationships", path.p, RELS_MAX);
			goto out;
		}
		t = part_resolve(source, dirlen, rl.target);
		free(rl.target);
		rl.target = t;
		rs->v = grow(rs->v, rs->n, &rs->cap, sizeof *rs->v);
		rs->v[rs->n++] = rl;
		memset(&rl, 0, sizeof rl);
	}
	rc = r < 0 ? r : FINCA_OK;
out:
	rel_free(&rl);
	free(mode);
	xml_close(&x);
	free(path.p);
	return rc;
}

/* The target of the relationship with this id, or else of the first one
 * whose type ends in type_suffix ("/sharedStrings"; strict OOXML has other
 * URIs before it), or NULL. */
static const char *rels_target(const struct rels *rs, const char *id,
			       const char *type_suffix)
{
	for (size_t i = 0; i < rs->n; i++) {
		size_t tl = strlen(rs->v[i].type);

		if (id ? strcmp(rs->v[i].id, id) == 0 :
			 tl >= strlen(type_suffix) &&
			 strcmp(rs->v[i].type + tl - strlen(type_suffix),
				type_suffix) == 0)
			return rs->v[i].target;
	}
	return NULL;
}

/* The sheets of the workbook, in tab order: their names into
 * bk->sheets[i].name, their relationship ids into rids[i] (caller frees). */
static int workbook_read(struct pkg *pk, const char *part, struct book *bk,
			 char *rids[BOOK_SHEETS_MAX])
{
	struct xml x;
	int r, rc;

	bk->sheets = xcalloc(BOOK_SHEETS_MAX, sizeof *bk->sheets);
	if ((rc = xml_open(&x, pk, part)) != FINCA_OK)
		goto out;
	while ((r = xml_next(&x)) == 1) {
		char *name, *rid;

		if (!xml_at(&x, XML_READER_TYPE_ELEMENT, "sheet"))
			continue;
		if (bk->nsheets == BOOK_SHEETS_MAX) {
			rc = err_set(FINCA_EINVAL, "%s: more than %d sheets",
				     part, BOOK_SHEETS_MAX);
			goto out;
		}
		name = xml_attr(&x, "name", 0);
		rid = xml_attr(&x, "id", 1);
		bk->sheets[bk->nsheets].name = name;
		rids[bk->nsheets++] = rid;
		if (!name || !rid) {
			rc = err_set(FINCA_EINVAL, "%s: a sheet without name or "
				     "r:id", part);
			goto out;
		}
	}
	rc = r < 0 ? r : FINCA_OK;
	if (rc == FINCA_OK && bk->nsheets == 0)
		rc = err_set(FINCA_EINVAL, "%s: no sheets", part);
out:
	xml_close(&x);
	return rc;
}

/* Shared strings: string i is text.p + off[i]. */
struct sst {
	struct buf text;
	uint32_t *off;
	size_t n, cap;
};

static int sst_read(struct pkg *pk, const char *part, struct sst *sst)
{
	struct xml x;
	int r, rc;

	if ((rc = xml_open(&x, pk, part)) != FINCA_OK)
		goto out;
	while ((r = xml_next(&x)) == 1) {
		if (!xml_at(&x, XML_READER_TYPE_ELEMENT, "si"))
			continue;
		if (sst->n == SST_MAX) {
			rc = err_set(FINCA_EINVAL, "%s: more than %zu strings",
				     part, SST_MAX);
			goto out;
		}
		sst->off = grow(sst->off, sst->n, &sst->cap, sizeof *sst->off);
		/* the text is at most the part, less than 4 GiB */
		sst->off[sst->n++] = (uint32_t)sst->text.len;
		if ((rc = xml_rst(&x, &sst->text)) != FINCA_OK)
			goto out;
		buf_add(&sst->text, "", 1);
	}
	rc = r < 0 ? r : FINCA_OK;
out:
	xml_close(&x);
	return rc;
}

/* "C7" into 0-based *row, *col. */
static int cell_ref(const char *ref, size_t *row, size_t *col)
{
	size_t c = 0, n = 0, r;

	for (; *ref >= 'A' && *ref <= 'Z' && n < 3; ref++, n++)
		c = c * 26 + (size_t)(*ref - 'A' + 1);
	if (n == 0 || c > XLSX_COL_MAX || parse_uint(ref, XLSX_ROW_MAX, &r) ||
	    r == 0)
		return -1;
	*row = r - 1;
	*col = c - 1;
	return 0;
}

/* A cell's value from its type t (absent: a number) and the text of its
 * <v> or <is> (v->p not NULL). */
static int cell_add(struct builder *b, const struct sst *sst, size_t row,
		    size_t col, const char *t, const struct buf *v)
{
	const char *s = v->p;
	size_t i;

	if (t && strcmp(t, "s") == 0) {
		if (parse_uint(s, SIZE_MAX, &i) != 0 || i >= sst->n)
			return bld_fail(b, row, col, "no such shared string");
		s = sst->text.p + sst->off[i];
	} else if (t && strcmp(t, "b") == 0) {
		s = strcmp(s, "1") == 0 ? "TRUE" :
		    strcmp(s, "0") == 0 ? "FALSE" : s;
	} else if (!t || strcmp(t, "n") == 0 || strcmp(t, "str") == 0 ||
		   strcmp(t, "inlineStr") == 0 || strcmp(t, "e") == 0 ||
		   strcmp(t, "d") == 0) {
		/* as written: numbers are not reformatted */
	} else {
		return bld_fail(b, row, col, "unknown cell type");
	}
	return bld_add(b, row, col, s, strlen(s));
}

/* Cells of a worksheet part.  A <c> without r follows the previous one, a
 * <row> without r the previous row; formulas (<f>) are ignored, their
 * cached value (<v>) taken. */
static int sheet_read(struct pkg *pk, const char *part, const struct sst *sst,
		      struct builder *b)
{
	struct xml x;
	struct buf v = { 0 };
	size_t next_row = 0, next_col = 0, row = 0, col = 0;
	char *t = NULL, *ref = NULL;
	int in_cell = 0, r, rc;

	if ((rc = xml_open(&x, pk, part)) != FINCA_OK)
		goto out;
	while ((r = xml_next(&x)) == 1) {
		rc = FINCA_OK;
		if (xml_at(&x, XML_READER_TYPE_ELEMENT, "row")) {
			if ((ref = xml_attr(&x, "r", 0)) == NULL) {
				row = next_row;
			} else if (parse_uint(ref, XLSX_ROW_MAX, &row) ||
				   row-- == 0) {
				rc = err_set(FINCA_EINVAL, "%s: bad row number "
					     "\"%.20s\"", part, ref);
				goto out;
			}
			next_row = row + 1;
			next_col = 0;
		} else if (xml_at(&x, XML_READER_TYPE_ELEMENT, "c")) {
			free(t);
			t = xml_attr(&x, "t", 0);
			ref = xml_attr(&x, "r", 0);
			col = next_col;
			if (ref && cell_ref(ref, &row, &col) != 0) {
				rc = err_set(FINCA_EINVAL, "%s: row %zu: bad cell "
					     "reference \"%.20s\"", part, row + 1,
					     ref);
				goto out;
			}
			next_col = col + 1;
			v.len = 0;
			buf_add(&v, "", 0);
			in_cell = !xmlTextReaderIsEmptyElement(x.rd);
		} else if (in_cell && xml_at(&x, XML_READER_TYPE_ELEMENT, "v")) {
			rc = xml_text(&x, &v);
		} else if (in_cell && xml_at(&x, XML_READER_TYPE_ELEMENT, "is")) {
			rc = xml_rst(&x, &v);
		} else if (in_cell && xml_at(&x, XML_READER_TYPE_END_ELEMENT, "c")) {
			in_cell = 0;
			rc = cell_add(b, sst, row, col, t, &v);
		}
		free(ref);
		ref = NULL;
		if (rc != FINCA_OK)
			goto out;
	}
	rc = r < 0 ? r : FINCA_OK;
out:
	free(ref);
	free(t);
	free(v.p);
	xml_close(&x);
	return rc;
}

static int xlsx_read(const unsigned char *buf, size_t len, struct book *bk)
{
	zip_error_t ze;
	zip_source_t *src;
	struct pkg pk = { NULL, BOOK_UNZIP_MAX };
	struct rels root = { 0 }, wbrels = { 0 };
	struct sst sst = { 0 };
	char *rids[BOOK_SHEETS_MAX] = { 0 };
	const char *wb, *part;
	size_t left = BOOK_TEXT_MAX, i;
	int rc;

	zip_error_init(&ze);
	if ((src = zip_source_buffer_create(buf, len, 0, &ze)) == NULL ||
	    (pk.za = zip_open_from_source(src, ZIP_RDONLY, &ze)) == NULL) {
		rc = err_set(FINCA_EINVAL, "not a readable XLSX file: %s",
			     zip_error_strerror(&ze));
		zip_source_free(src);
		goto out;
	}
	if ((rc = rels_read(&pk, "", &root)) != FINCA_OK)
		goto out;
	if ((wb = rels_target(&root, NULL, "/officeDocument")) == NULL) {
		rc = err_set(FINCA_EINVAL, "_rels/.rels: no workbook");
		goto out;
	}
	if ((rc = rels_read(&pk, wb, &wbrels)) != FINCA_OK ||
	    (rc = workbook_read(&pk, wb, bk, rids)) != FINCA_OK)
		goto out;
	/* a workbook with numbers only has no shared strings */
	part = rels_target(&wbrels, NULL, "/sharedStrings");
	if (part && (rc = sst_read(&pk, part, &sst)) != FINCA_OK)
		goto out;
	for (i = 0; i < bk->nsheets; i++) {
		struct sheet *s = &bk->sheets[i];
		struct builder b;

		if ((part = rels_target(&wbrels, rids[i], NULL)) == NULL) {
			rc = err_set(FINCA_EINVAL, "sheet \"%s\": relationship "
				     "%s not found", s->name, rids[i]);
			goto out;
		}
		bld_init(&b, &left, part);
		rc = sheet_read(&pk, part, &sst, &b);
		if (rc == FINCA_OK)
			bld_finish(&b, s);
		bld_free(&b);
		if (rc != FINCA_OK) {
			err_wrap(rc, "sheet \"%s\"", s->name);
			goto out;
		}
	}
	rc = FINCA_OK;
out:
	for (i = 0; i < BOOK_SHEETS_MAX; i++)
		free(rids[i]);
	free(sst.text.p);
	free(sst.off);
	rels_free(&root);
	rels_free(&wbrels);
	if (pk.za)
		zip_discard(pk.za);
	zip_error_fini(&ze);
	return rc;
}

/* ---- the public functions ---- */

int book_read(const unsigned char *buf, size_t len, const char *filename_hint,
	      struct book **out)
{
	struct book *bk = NULL;
	int rc;

	if (len > BOOK_INPUT_MAX)
		return err_set(FINCA_EINVAL, "larger than %zu MiB",
			       BOOK_INPUT_MAX >> 20);
	/* what people upload instead, by mistake */
	if (len >= 8 && memcmp(buf, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) == 0)
		return err_set(FINCA_EINVAL, "an Excel 97-2003 (.xls) or "
			       "password-protected workbook: save it as .xlsx "
			       "without a password, or as CSV");
	if (len >= 2 && (memcmp(buf, "\xFF\xFE", 2) == 0 ||
			 memcmp(buf, "\xFE\xFF", 2) == 0))
		return err_set(FINCA_EINVAL, "UTF-16 text (\"Unicode text\"): "
			       "save it as .xlsx or CSV");
	bk = xcalloc(1, sizeof *bk);
	if (len >= 4 && memcmp(buf, "PK\3\4", 4) == 0)
		rc = xlsx_read(buf, len, bk);
	else
		rc = csv_read(buf, len, filename_hint, bk);
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

/* ---- writing templates ---- */

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
