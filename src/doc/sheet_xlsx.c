/* The unified spreadsheet: reading an XLSX upload (OOXML, transitional or
 * strict) with libzip and libxml2's reader.  Every part is outside input:
 * its inflated size, the parts read together, and the XML's attributes,
 * namespaces and depth have limits checked before libxml2 sees it. */
#include "doc/sheet_int.h"
#include "util/err.h"
#include "util/util.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlreader.h>
#include <zip.h>

#define XLSX_ROW_MAX 1048576       /* Excel's grid: A1..XFD1048576 */
#define XLSX_COL_MAX 16384
#define RELS_MAX 1024              /* relationships in one .rels part */
#define XML_ATTS_MAX 64            /* attributes of one tag (Excel: ~15) */
#define XML_NS_MAX 64              /* namespace declarations in scope */
#define XML_DEPTH_MAX 256          /* libxml2's own default limit */
#define SST_MAX ((size_t)SHEET_ROWS_MAX * SHEET_COLS_MAX) /* shared strings */

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
		rc = err_why(FINCA_ENOTFOUND, NULL, "sheet.part_missing", "%s: missing from the file", name);
		goto out;
	}
	zip_stat_init(&st);
	if (zip_stat_index(za, (zip_uint64_t)idx, 0, &st) != 0 ||
	    !(st.valid & ZIP_STAT_SIZE)) {
		rc = err_why(FINCA_EINVAL, NULL, "sheet.damaged", "%s: %s", name, zip_strerror(za));
		goto out;
	}
	/* the size in the directory, checked before anything is inflated;
	 * reading more than it is refused below */
	if (st.size > BOOK_INPUT_MAX) {
		rc = err_why(FINCA_EINVAL, NULL, "sheet.unzip_large", "%s: %llu bytes uncompressed, more "
			     "than %zu MiB", name, (unsigned long long)st.size,
			     BOOK_INPUT_MAX >> 20);
		goto out;
	}
	if (st.size > pk->left) {
		rc = err_why(FINCA_EINVAL, NULL, "sheet.unzip_total", "%s: the parts read come to more "
			     "than %zu MiB uncompressed", name,
			     BOOK_UNZIP_MAX >> 20);
		goto out;
	}
	pk->left -= (size_t)st.size;
	if ((zf = zip_fopen_index(za, (zip_uint64_t)idx, 0)) == NULL) {
		rc = err_why(FINCA_EINVAL, NULL, "sheet.damaged", "%s: %s", name, zip_strerror(za));
		goto out;
	}
	data = xcalloc(1, (size_t)st.size + 1);
	n = zip_fread(zf, data, st.size);
	if (n < 0 || (zip_uint64_t)n != st.size) {
		rc = err_why(FINCA_EINVAL, NULL, "sheet.damaged", "%s: damaged: %s", name,
			     n < 0 ? zip_file_strerror(zf) : "shorter than stated");
		goto out;
	}
	/* the end of the data is where libzip checks the CRC */
	n = zip_fread(zf, &extra, 1);
	if (n != 0) {
		rc = err_why(FINCA_EINVAL, NULL, "sheet.damaged", "%s: damaged: %s", name,
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

	if (sheet_utf8_prefix(p, n) != n || memchr(p, '\0', n))
		return err_why(FINCA_EINVAL, NULL, "sheet.damaged", "%s: not UTF-8", part);
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
			return err_why(FINCA_EINVAL, NULL, "sheet.damaged", "%s: has a DTD", part);
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
			return err_why(FINCA_EINVAL, NULL, "sheet.damaged", "%s: a tag with more than %d "
				       "attributes", part, XML_ATTS_MAX);
		if (inscope + decls > XML_NS_MAX)
			return err_why(FINCA_EINVAL, NULL, "sheet.damaged", "%s: more than %d namespace "
				       "declarations in scope", part, XML_NS_MAX);
		if (j < n && p[j - 1] != '/') {
			if (depth == XML_DEPTH_MAX)
				return err_why(FINCA_EINVAL, NULL, "sheet.damaged", "%s: elements nested "
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
		return err_why(FINCA_EINVAL, NULL, "sheet.xml", "%s: not well-formed XML: %s",
			       x->part, x->err[0] ? x->err : "unknown error");
	/* xml_prescan refuses them first; this is the second line */
	if (r == 1 &&
	    xmlTextReaderNodeType(x->rd) == XML_READER_TYPE_DOCUMENT_TYPE)
		return err_why(FINCA_EINVAL, NULL, "sheet.damaged", "%s: has a DTD", x->part);
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
			sheet_buf_add(out, v, strlen((const char *)v));
	}
	return r < 0 ? r : err_why(FINCA_EINVAL, NULL, "sheet.damaged", "%s: ends inside an element",
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
	return r < 0 ? r : err_why(FINCA_EINVAL, NULL, "sheet.damaged", "%s: ends inside an element",
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

	sheet_buf_add(&p, "", 0);
	if (*s == '/')
		s++;
	else
		sheet_buf_add(&p, dir, dirlen);
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
			sheet_buf_add(&p, s, n);
			if (e)
				sheet_buf_add(&p, "/", 1);
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

	sheet_buf_add(&path, source, dirlen);
	sheet_buf_add(&path, "_rels/", 6);
	sheet_buf_add(&path, source + dirlen, strlen(source + dirlen));
	sheet_buf_add(&path, ".rels", 5);
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
			rc = err_why(FINCA_EINVAL, NULL, "sheet.damaged", "%s: a Relationship without "
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
			rc = err_why(FINCA_EINVAL, NULL, "sheet.damaged", "%s: more than %d "
				     "relationships", path.p, RELS_MAX);
			goto out;
		}
		t = part_resolve(source, dirlen, rl.target);
		free(rl.target);
		rl.target = t;
		rs->v = sheet_grow(rs->v, rs->n, &rs->cap, sizeof *rs->v);
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
			rc = err_why(FINCA_EINVAL, NULL, "sheet.too_many_sheets", "%s: more than %d sheets",
				     part, BOOK_SHEETS_MAX);
			goto out;
		}
		name = xml_attr(&x, "name", 0);
		rid = xml_attr(&x, "id", 1);
		bk->sheets[bk->nsheets].name = name;
		rids[bk->nsheets++] = rid;
		if (!name || !rid) {
			rc = err_why(FINCA_EINVAL, NULL, "sheet.damaged", "%s: a sheet without name or "
				     "r:id", part);
			goto out;
		}
	}
	rc = r < 0 ? r : FINCA_OK;
	if (rc == FINCA_OK && bk->nsheets == 0)
		rc = err_why(FINCA_EINVAL, NULL, "sheet.no_sheets", "%s: no sheets", part);
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
			rc = err_why(FINCA_EINVAL, NULL, "sheet.damaged", "%s: more than %zu strings",
				     part, SST_MAX);
			goto out;
		}
		sst->off = sheet_grow(sst->off, sst->n, &sst->cap,
				      sizeof *sst->off);
		/* the text is at most the part, less than 4 GiB */
		sst->off[sst->n++] = (uint32_t)sst->text.len;
		if ((rc = xml_rst(&x, &sst->text)) != FINCA_OK)
			goto out;
		sheet_buf_add(&sst->text, "", 1);
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
			return sheet_bld_fail(b, row, col, "sheet.cell_sst",
					      "no such shared string");
		s = sst->text.p + sst->off[i];
	} else if (t && strcmp(t, "b") == 0) {
		s = strcmp(s, "1") == 0 ? "TRUE" :
		    strcmp(s, "0") == 0 ? "FALSE" : s;
	} else if (!t || strcmp(t, "n") == 0 || strcmp(t, "str") == 0 ||
		   strcmp(t, "inlineStr") == 0 || strcmp(t, "e") == 0 ||
		   strcmp(t, "d") == 0) {
		/* as written: numbers are not reformatted */
	} else {
		return sheet_bld_fail(b, row, col, "sheet.cell_type", "unknown cell type");
	}
	return sheet_bld_add(b, row, col, s, strlen(s));
}

/* Cells of a worksheet part.  A <c> without r follows the previous one, a
 * <row> without r the previous row; formulas (<f>) are ignored, their
 * cached value (<v>) taken. */
static int worksheet_read(struct pkg *pk, const char *part,
			  const struct sst *sst, struct builder *b)
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
				rc = err_why(FINCA_EINVAL, NULL, "sheet.damaged", "%s: bad row number "
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
				rc = err_why(FINCA_EINVAL, NULL, "sheet.damaged", "%s: row %zu: bad cell "
					     "reference \"%.20s\"", part, row + 1,
					     ref);
				goto out;
			}
			next_col = col + 1;
			v.len = 0;
			sheet_buf_add(&v, "", 0);
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

/* Reading an XLSX: the package's relationships lead to the workbook, its
 * sheets in tab order and its shared strings. */
int sheet_xlsx_read(const unsigned char *buf, size_t len, struct book *bk)
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
		rc = err_why(FINCA_EINVAL, NULL, "sheet.not_xlsx", "not a readable XLSX file: %s",
			     zip_error_strerror(&ze));
		zip_source_free(src);
		goto out;
	}
	if ((rc = rels_read(&pk, "", &root)) != FINCA_OK)
		goto out;
	if ((wb = rels_target(&root, NULL, "/officeDocument")) == NULL) {
		rc = err_why(FINCA_EINVAL, NULL, "sheet.no_workbook", "_rels/.rels: no workbook");
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
			rc = err_why(FINCA_EINVAL, NULL, "sheet.damaged", "sheet \"%s\": relationship "
				     "%s not found", s->name, rids[i]);
			goto out;
		}
		sheet_bld_init(&b, &left, part);
		rc = worksheet_read(&pk, part, &sst, &b);
		if (rc == FINCA_OK)
			sheet_bld_finish(&b, s);
		sheet_bld_free(&b);
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
