/* The unified spreadsheet (统一电子表格, art. 19): the XLSX template with one
 * sheet per request type, and the import of a filled-in copy (XLSX, or one
 * sheet saved as CSV) as one batch of draft requests.
 *
 * An import is all or nothing.  Every row is checked first (cells, identity
 * numbers, the person and its unit, duplicates) and every problem is kept,
 * so that the officer fixes the whole file in one go.  Then, inside one
 * outer transaction, the persons named on the 申请 sheet who are not
 * registered yet are registered (org_add) and the requests created
 * (ra_batch_create); both commit savepoints only, and the outer
 * transaction is rolled back when anything at all was wrong. */
#include "ra/ra.h"
#include "doc/sheet.h"
#include "ca/ident.h"
#include "util/err.h"
#include "util/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define IMPORT_ROWS_MAX 100000    /* request rows in one upload */
#define IMPORT_PROBLEMS_MAX 10000 /* problems listed; the others are counted */

/* What a column means, whatever its header says. */
enum col { C_NAME, C_ID, C_UNIT, C_APP, C_SERIAL, C_REASON, C_NEW_NAME, C_NEW_UNIT,
	   C_ACTION, C_ROLES, C_UNTIL, C_PHONE, C_EMAIL, C_NOTE, NCOLS };

#define KIND_COLS 9

struct col_def {
	int col;              /* enum col */
	const char *header;   /* NULL: end of the sheet's columns */
	int required;
	const char *sample;
	const char *note;     /* how to fill it in: the template's second row */
};

/* The sample row's person, unit and system: an ID number and codes with
 * valid check characters, so that the sample reads as a real row would (an
 * officer's template has the officer's unit and a registered system). */
#define S_NAME { C_NAME, "姓名", 1, "张三", "必填：证书持有人的姓名" }
#define S_ID { C_ID, "身份证号", 1, "11010519491231002X", \
	"必填：18位居民身份证号码，末位校验码可为X" }
#define S_UNIT { C_UNIT, "单位编码", 1, "12350000003591045H", \
	"必填：单位的18位统一社会信用代码" }
#define S_APP { C_APP, "应用系统编码", 1, "ysyth", "必填：使用证书的应用系统，从下拉列表选择" }
#define S_SERIAL { C_SERIAL, "证书序列号", 1, "4F2A9C0E5B7D1836A0C4E2F19B3D5A7C", \
	"必填：要办理的证书的序列号（证书详情中可查）" }
#define S_NOTE(s) { C_NOTE, "备注", 0, s, "选填：说明情况" }

/* One sheet per request type.  The reason columns are named after their
 * sheet (补办原因, 注销原因) so that a CSV saved from either sheet is told
 * apart by its header row; 延期, 冻结, 解冻 and 密码初始化 have the same
 * columns, and a CSV of one of them is named after its sheet (冻结.csv). */
static const struct kind {
	const char *sheet, *type;
	struct col_def cols[KIND_COLS];
} kinds[] = {
	{ "申请", "apply", { S_NAME, S_ID, S_UNIT, S_APP,
		{ C_PHONE, "手机", 0, "13800000000", "选填：11位手机号码，用于证书到期提醒" },
		{ C_EMAIL, "邮箱", 0, "zhangsan@example.gov.cn", "选填：电子邮箱，用于证书到期提醒" },
		S_NOTE("新入职，首次申请") } },
	{ "延期", "renew", { S_NAME, S_ID, S_UNIT, S_APP, S_SERIAL, S_NOTE("证书即将到期") } },
	{ "更新", "update", { S_NAME, S_ID, S_UNIT, S_APP, S_SERIAL,
		{ C_NEW_NAME, "新姓名", 0, "张叁", "姓名变更时填写" },
		{ C_NEW_UNIT, "新单位编码", 0, "113501000035910019", "调入新单位时填写其统一社会信用代码" },
		S_NOTE("姓名变更，调入新单位") } },
	{ "补办", "reissue", { S_NAME, S_ID, S_UNIT, S_APP, S_SERIAL,
		{ C_REASON, "补办原因", 1, "丢失", "必填：丢失或损坏，从下拉列表选择" },
		S_NOTE("USBKey遗失") } },
	{ "冻结", "freeze", { S_NAME, S_ID, S_UNIT, S_APP, S_SERIAL, S_NOTE("长期外出，暂停使用") } },
	{ "解冻", "unfreeze", { S_NAME, S_ID, S_UNIT, S_APP, S_SERIAL, S_NOTE("返岗，恢复使用") } },
	{ "注销", "revoke", { S_NAME, S_ID, S_UNIT, S_APP, S_SERIAL,
		{ C_REASON, "注销原因", 0, "调出", "选填：调出、退休、其他或密钥泄露，从下拉列表选择" },
		S_NOTE("调往其他单位") } },
	{ "密码初始化", "pin-reset", { S_NAME, S_ID, S_UNIT, S_APP, S_SERIAL,
		S_NOTE("PIN码输错已锁定") } },
	{ "访问授权", "authorize", { S_NAME, S_ID, S_UNIT, S_APP,
		{ C_ACTION, "操作", 1, "授权", "必填：授权或撤销，从下拉列表选择" },
		{ C_ROLES, "角色", 0, "录入,查询", "选填：在该系统中的角色，多个用逗号分隔" },
		{ C_UNTIL, "有效期至", 0, "2027-12-31", "选填：授权截止日期，如2027-12-31" },
		S_NOTE("") } },
};
#define NKINDS (sizeof kinds / sizeof kinds[0])

/* Words people write, and what the request says. */
static const struct word {
	const char *type, *word, *value;
} words[] = {
	{ "reissue", "丢失", "lost" }, { "reissue", "遗失", "lost" },
	{ "reissue", "损坏", "damaged" }, { "reissue", "lost", "lost" },
	{ "reissue", "damaged", "damaged" },
	{ "revoke", "调出", "affiliationChanged" },
	{ "revoke", "退休", "cessationOfOperation" },
	{ "revoke", "其他", "cessationOfOperation" },
	{ "revoke", "密钥泄露", "keyCompromise" },
	{ "authorize", "授权", "grant" }, { "authorize", "撤销", "withdraw" },
	{ "authorize", "grant", "grant" }, { "authorize", "withdraw", "withdraw" },
};

static const char *word_value(const char *type, const char *w)
{
	for (size_t i = 0; i < ARRAY_LEN(words); i++)
		if (!strcmp(words[i].type, type) && !strcmp(words[i].word, w))
			return words[i].value;
	return NULL;
}

static const struct col_def *kind_col(const struct kind *k, int col)
{
	for (const struct col_def *d = k->cols; d < k->cols + KIND_COLS && d->header; d++)
		if (d->col == col)
			return d;
	return NULL;
}

static size_t kind_ncols(const struct kind *k)
{
	size_t n = 0;

	while (n < KIND_COLS && k->cols[n].header)
		n++;
	return n;
}

static const struct kind *kind_by_sheet(const char *name)
{
	for (size_t i = 0; i < NKINDS; i++)
		if (!strcmp(kinds[i].sheet, name))
			return &kinds[i];
	return NULL;
}

/* --- the template --- */

/* The template's lists (its hidden sheet 列表): what the dropdowns offer. */
enum { L_APP, L_REISSUE, L_REVOKE, L_ACTION, L_UNIT, NLISTS };

/* The words of type's sheet that words[] knows, in order, into w (n). */
static size_t type_words(const char *type, const char **w, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < ARRAY_LEN(words) && k < n; i++)
		if (!strcmp(words[i].type, type) && (unsigned char)words[i].word[0] >= 0x80)
			w[k++] = words[i].word;
	return k;
}

/* The registered application systems' codes (*codes: caller frees each and
 * the array), as a's to read; none when a may not read them. */
static size_t app_codes(struct ca *ca, const struct actor *a, char ***codes)
{
	struct page pg = { .limit = 1000 };
	json_t *out = NULL, *v;
	size_t n = 0, i;

	*codes = NULL;
	if (!ca || org_list(ca, a, ORG_APP, &pg, &out) != FINCA_OK) {
		err_clear();
		return 0;
	}
	*codes = xcalloc(json_array_size(json_object_get(out, "items")) + 1, sizeof **codes);
	json_array_foreach(json_object_get(out, "items"), i, v)
		if (ra_str(v, "code"))
			(*codes)[n++] = xstrdup(ra_str(v, "code"));
	json_decref(out);
	return n;
}

int ra_template(struct ca *ca, const struct actor *a, unsigned char **out, size_t *len)
{
	const char *h[NKINDS][KIND_COLS], *s[NKINDS][KIND_COLS], *nt[NKINDS][KIND_COLS];
	const char *reissue[8], *revoke[8], *action[8], *unit[1];
	int lst[NKINDS][KIND_COLS];
	struct sheet_def defs[NKINDS];
	struct sheet_list lists[NLISTS] = {
		[L_APP] = { "应用系统编码", NULL, 0 },
		[L_REISSUE] = { "补办原因", reissue, type_words("reissue", reissue, 8) },
		[L_REVOKE] = { "注销原因", revoke, type_words("revoke", revoke, 8) },
		[L_ACTION] = { "操作", action, type_words("authorize", action, 8) },
		[L_UNIT] = { "单位编码", unit, 0 },
	};
	char **apps = NULL;
	int rc;

	*out = NULL;
	*len = 0;
	/* an officer's own unit, and the systems registered */
	if (ca && a && !strcmp(a->role, "officer") && *a->scope) {
		unit[0] = a->scope;
		lists[L_UNIT].n = 1;
	}
	lists[L_APP].n = app_codes(ca, a, &apps);
	lists[L_APP].items = (const char *const *)apps;
	for (size_t i = 0; i < NKINDS; i++) {
		defs[i].name = kinds[i].sheet;
		defs[i].ncols = kind_ncols(&kinds[i]);
		for (size_t c = 0; c < defs[i].ncols; c++) {
			const struct col_def *d = &kinds[i].cols[c];
			int l = d->col == C_APP ? L_APP : d->col == C_UNIT ? L_UNIT :
				d->col == C_ACTION ? L_ACTION :
				d->col == C_REASON ? (!strcmp(kinds[i].type, "reissue") ? L_REISSUE
										 : L_REVOKE) : -1;
			h[i][c] = d->header;
			nt[i][c] = d->note;
			s[i][c] = d->sample;
			lst[i][c] = l >= 0 && lists[l].n ? l : -1;
			/* the officer's sample row is the officer's unit and a
			 * registered system: it would import as it stands */
			if (l == L_UNIT && lists[l].n)
				s[i][c] = lists[l].items[0];
			if (l == L_APP && lists[l].n)
				s[i][c] = lists[l].items[0];
		}
		defs[i].headers = h[i];
		defs[i].notes = nt[i];
		defs[i].sample = s[i];
		defs[i].list = lst[i];
	}
	/* the lists that have items, the dropdowns renumbered to them */
	{
		struct sheet_list used[NLISTS];
		int at[NLISTS];
		size_t nu = 0;

		for (size_t l = 0; l < NLISTS; l++) {
			at[l] = lists[l].n ? (int)nu : -1;
			if (lists[l].n)
				used[nu++] = lists[l];
		}
		for (size_t i = 0; i < NKINDS; i++)
			for (size_t c = 0; c < defs[i].ncols; c++)
				if (lst[i][c] >= 0)
					lst[i][c] = at[lst[i][c]];
		rc = book_write_xlsx_mem(defs, NKINDS, used, nu, out, len);
	}
	for (size_t i = 0; apps && apps[i]; i++)
		free(apps[i]);
	free(apps);
	return rc;
}

/* --- problems --- */

/* One problem of the upload; sheet SIZE_MAX: the file as a whole. */
struct problem {
	size_t sheet, row;   /* row: 1-based, 0 when none */
	size_t order, seq;   /* column position in its sheet; arrival (sorting) */
	const char *column;  /* a static header, or NULL */
	json_t *e;           /* owned: its error (problem.c's message, reason, params) */
};

/* A request row read from a sheet. */
struct row {
	const struct kind *k;
	size_t sheet, row_no;
	const char *v[NCOLS]; /* trimmed cells (the book's), "" when blank or absent */
	char id[19], unit[19], new_unit[19]; /* normalised, "" until valid */
	const char *reason, *action; /* the request's words for 原因 and 操作 */
	char until[16];       /* 有效期至 as YYYY-MM-DD, "" when none */
	int bad;              /* a problem was found in it */
	int enrol;            /* registers its person (申请, not yet registered) */
};

struct imp {
	struct ca *ca;
	const struct actor *a;
	struct book *bk;
	const char *sname[BOOK_SHEETS_MAX]; /* sheet names for messages */
	struct row *rows;     /* owned */
	size_t nrows;
	struct problem *pb;   /* owned, at most IMPORT_PROBLEMS_MAX */
	size_t npb, total;    /* kept, found */
	/* the last unit and system looked up: a file is mostly one of each */
	char unit_seen[19], app_seen[33];
	int unit_ok, app_ok;
};

/* A new problem at sheet, row and column col of kind k (none: -1), its
 * error (e) still empty; NULL past IMPORT_PROBLEMS_MAX (counted). */
static json_t *add(struct imp *im, size_t sheet, size_t row, const struct kind *k, int col)
{
	const struct col_def *d = k && col >= 0 ? kind_col(k, col) : NULL;
	struct problem *p;

	if (im->total++ >= IMPORT_PROBLEMS_MAX)
		return NULL;
	if (im->npb % 256 == 0)
		im->pb = xrealloc(im->pb, (im->npb + 256) * sizeof *im->pb);
	p = &im->pb[im->npb];
	p->sheet = sheet;
	p->row = row;
	p->order = d ? (size_t)(d - k->cols) : KIND_COLS;
	p->seq = im->npb++;
	p->column = d ? d->header : NULL;
	return p->e = json_object();
}

/* The error of reason, fmt and ap (as err_why) into problem e (NULL:
 * none); the thread's error stays. */
static void vsay(json_t *e, const char *reason, const char *fmt, va_list ap)
{
	struct err_state keep;

	if (!e)
		return;
	err_save(&keep);
	err_vwhy(FINCA_EINVAL, NULL, reason, fmt, ap);
	ra_problem_err(e);
	err_restore(&keep);
}

/* A problem of the file or of a sheet (row 0: none). */
__attribute__((format(printf, 5, 6)))
static void problem(struct imp *im, size_t sheet, size_t row, const char *reason,
		    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(add(im, sheet, row, NULL, -1), reason, fmt, ap);
	va_end(ap);
}

/* The thread's error (what a check of the core said) as a problem of the
 * file. */
static void problem_err(struct imp *im)
{
	json_t *e = add(im, SIZE_MAX, 0, NULL, -1);

	if (e)
		ra_problem_err(e);
}

/* A problem of a row's column col (-1: the row as a whole); marks it bad. */
__attribute__((format(printf, 5, 6)))
static void bad(struct imp *im, struct row *rw, int col, const char *reason,
		const char *fmt, ...)
{
	va_list ap;

	rw->bad = 1;
	va_start(ap, fmt);
	vsay(add(im, rw->sheet, rw->row_no, rw->k, col), reason, fmt, ap);
	va_end(ap);
}

/* The thread's error as a problem of row rw's column col; marks it bad. */
static void bad_err(struct imp *im, struct row *rw, int col)
{
	json_t *e = add(im, rw->sheet, rw->row_no, rw->k, col);

	rw->bad = 1;
	if (e)
		ra_problem_err(e);
}

/* A problem of a header (column col of kind k) in row of sheet. */
__attribute__((format(printf, 7, 8)))
static void bad_header(struct imp *im, size_t sheet, size_t row, const struct kind *k,
		       int col, const char *reason, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(add(im, sheet, row, k, col), reason, fmt, ap);
	va_end(ap);
}

static int problem_cmp(const void *x, const void *y)
{
	const struct problem *a = x, *b = y;

	if (a->sheet != b->sheet)
		return a->sheet < b->sheet ? -1 : 1;
	if (a->row != b->row)
		return a->row < b->row ? -1 : 1;
	if (a->order != b->order)
		return a->order < b->order ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* The problems as [{sheet, row, column, message}] (caller's), in sheet,
 * row and column order, and err_msg() naming the count and the first. */
static json_t *problems_json(struct imp *im)
{
	json_t *arr = json_array();

	qsort(im->pb, im->npb, sizeof *im->pb, problem_cmp);
	for (size_t i = 0; i < im->npb; i++) {
		const struct problem *p = &im->pb[i];
		json_object_set_new(p->e, "sheet", p->sheet == SIZE_MAX ? json_null() :
				    json_string(im->sname[p->sheet]));
		json_object_set_new(p->e, "row", p->row ? json_integer((json_int_t)p->row) :
				    json_null());
		json_object_set_new(p->e, "column", p->column ? json_string(p->column) :
				    json_null());
		json_array_append(arr, p->e);
	}
	if (im->total > im->npb) {
		json_t *e = json_pack("{s:n, s:n, s:n}", "sheet", "row", "column");
		ra_problem_why(e, "sheet.more", "more problems, not listed: fix these first");
		json_array_append_new(arr, e);
	}
	if (im->npb) {
		const struct problem *p = &im->pb[0];
		char where[512] = "", row[32] = "";
		if (p->row)
			snprintf(row, sizeof row, " row %zu", p->row);
		if (p->sheet != SIZE_MAX)
			snprintf(where, sizeof where, "%s%s%s%s: ", im->sname[p->sheet], row,
				 p->column ? ", " : "", p->column ? p->column : "");
		err_why(FINCA_EINVAL, NULL, "sheet.problems", "spreadsheet: %zu problem(s); the "
			"first: %s%s", im->total, where,
			json_string_value(json_object_get(p->e, "message")));
	}
	return arr;
}

/* --- reading the sheets --- */

/* Cuts ASCII white space, NBSP and the ideographic space (U+3000) off both
 * ends of s, in place. */
static char *trim(char *s)
{
	char *e;

	for (;;) {
		if (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
			s++;
		else if (!strncmp(s, "\xC2\xA0", 2))
			s += 2;
		else if (!strncmp(s, "\xE3\x80\x80", 3))
			s += 3;
		else
			break;
	}
	e = s + strlen(s);
	for (;;) {
		if (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
			e--;
		else if (e - s >= 2 && !strncmp(e - 2, "\xC2\xA0", 2))
			e -= 2;
		else if (e - s >= 3 && !strncmp(e - 3, "\xE3\x80\x80", 3))
			e -= 3;
		else
			break;
	}
	*e = '\0';
	return s;
}

/* The first row with a non-blank cell, trimmed in place; nrows when none. */
static size_t header_row(struct sheet *s)
{
	for (size_t r = 0; r < s->nrows; r++) {
		int any = 0;
		for (size_t c = 0; c < s->ncols; c++)
			if (*(s->cells[r][c] = trim(s->cells[r][c])))
				any = 1;
		if (any)
			return r;
	}
	return s->nrows;
}

/* The kind whose columns the header row r of CSV sheet si has: every
 * header is one of the kind's and the required ones are there, the kind
 * with exactly those columns first.  NULL (a problem recorded) when none
 * or several fit. */
static const struct kind *kind_by_headers(struct imp *im, size_t si, size_t r)
{
	const struct sheet *s = &im->bk->sheets[si];
	const struct kind *fit = NULL, *exact = NULL;
	size_t nfit = 0, nexact = 0, nh = 0;
	char fits[256] = "", exacts[256] = "";

	for (size_t c = 0; c < s->ncols; c++)
		nh += *s->cells[r][c] != '\0';
	for (size_t i = 0; i < NKINDS; i++) {
		const struct kind *k = &kinds[i];
		size_t have = 0, c;
		int ok = 1;
		for (c = 0; c < s->ncols && ok; c++) {
			const struct col_def *d;
			if (!*s->cells[r][c])
				continue;
			for (d = k->cols; d < k->cols + KIND_COLS && d->header; d++)
				if (!strcmp(d->header, s->cells[r][c]))
					break;
			ok = d < k->cols + KIND_COLS && d->header;
		}
		for (const struct col_def *d = k->cols; ok && d < k->cols + KIND_COLS && d->header;
		     d++) {
			int found = 0;
			for (c = 0; c < s->ncols && !found; c++)
				found = !strcmp(d->header, s->cells[r][c]);
			have += found;
			if (d->required && !found)
				ok = 0;
		}
		if (!ok)
			continue;
		nfit++;
		fit = k;
		snprintf(fits + strlen(fits), sizeof fits - strlen(fits), "%s%s",
			 *fits ? ", " : "", k->sheet);
		if (have == kind_ncols(k) && have == nh) {
			nexact++;
			exact = k;
			snprintf(exacts + strlen(exacts), sizeof exacts - strlen(exacts), "%s%s",
				 *exacts ? ", " : "", k->sheet);
		}
	}
	if (nexact == 1)
		return exact;
	if (nfit == 1)
		return fit;
	if (nfit == 0)
		problem(im, si, s->row_no[r], "sheet.headers", "the header row fits no sheet of the template: use "
			"the template's headers, or name the file after its sheet (申请.csv, "
			"延期.csv, 更新.csv, 补办.csv, 冻结.csv, 解冻.csv, 注销.csv, "
			"密码初始化.csv, 访问授权.csv)");
	else
		problem(im, si, s->row_no[r], "sheet.headers_many", "the header row fits the sheets %s: name the file "
			"after its sheet, e.g. %s.csv", nexact ? exacts : fits,
			nexact ? exact->sheet : fit->sheet);
	return NULL;
}

/* The template's notes row, or its sample row (whose unit and system may
 * be an officer's own), left as they were: not requests. */
static int row_is_template(const struct kind *k, const int map[NCOLS], char **cells)
{
	int sample = 1, notes = 1;

	for (size_t i = 0; i < kind_ncols(k); i++) {
		const struct col_def *d = &k->cols[i];
		const char *v = map[d->col] >= 0 ? cells[map[d->col]] : NULL;
		if (!v)
			continue;
		if (strcmp(v, d->note) && *v)
			notes = 0;
		if (strcmp(v, d->sample) && d->col != C_UNIT && d->col != C_APP)
			sample = 0;
	}
	return sample || notes;
}

/* Reads the rows of sheet si, of kind k, under header row hr.  Too many
 * rows: FINCA_EINVAL, a problem recorded. */
static int read_rows(struct imp *im, size_t si, const struct kind *k, size_t hr)
{
	struct sheet *s = &im->bk->sheets[si];
	int map[NCOLS], missing = 0;
	size_t r, c;

	for (c = 0; c < NCOLS; c++)
		map[c] = -1;
	/* headers by text, in any order; columns of no meaning are left alone
	 * (a 序号 column, say) */
	for (c = 0; c < s->ncols; c++) {
		const struct col_def *d;
		for (d = k->cols; d < k->cols + KIND_COLS && d->header; d++)
			if (!strcmp(d->header, s->cells[hr][c]))
				break;
		if (d == k->cols + KIND_COLS || !d->header)
			continue;
		if (map[d->col] >= 0)
			bad_header(im, si, s->row_no[hr], k, d->col, "sheet.header_twice",
				   "two columns are headed %s",
				   d->header);
		map[d->col] = (int)c;
	}
	for (const struct col_def *d = k->cols; d < k->cols + KIND_COLS && d->header; d++)
		if (d->required && map[d->col] < 0) {
			bad_header(im, si, s->row_no[hr], k, d->col, "sheet.header_missing",
				   "missing column: the %s sheet "
				   "needs a column headed %s", k->sheet, d->header);
			missing = 1;
		}
	if (missing)
		return FINCA_OK; /* every row would miss it too */
	for (r = hr + 1; r < s->nrows; r++) {
		struct row *rw;
		int any = 0;
		for (c = 0; c < NCOLS; c++)
			if (map[c] >= 0 && *(s->cells[r][map[c]] = trim(s->cells[r][map[c]])))
				any = 1;
		if (!any || row_is_template(k, map, s->cells[r]))
			continue;
		if (im->nrows == IMPORT_ROWS_MAX) {
			problem(im, SIZE_MAX, 0, "sheet.too_many_rows", "more than %d request rows: split the file into "
				"several uploads", IMPORT_ROWS_MAX);
			return FINCA_EINVAL;
		}
		if (im->nrows % 1024 == 0)
			im->rows = xrealloc(im->rows, (im->nrows + 1024) * sizeof *im->rows);
		rw = &im->rows[im->nrows++];
		memset(rw, 0, sizeof *rw);
		rw->k = k;
		rw->sheet = si;
		rw->row_no = s->row_no[r];
		for (c = 0; c < NCOLS; c++)
			rw->v[c] = map[c] >= 0 ? s->cells[r][map[c]] : "";
	}
	return FINCA_OK;
}

/* The sheets of the book: an XLSX's by name, a CSV's by its name or its
 * header row. */
static int read_sheets(struct imp *im, int csv)
{
	for (size_t si = 0; si < im->bk->nsheets; si++) {
		struct sheet *s = &im->bk->sheets[si];
		const struct kind *k = kind_by_sheet(trim(s->name));
		size_t hr = header_row(s);
		int rc;

		im->sname[si] = k ? k->sheet : *s->name ? s->name : csv ? "CSV" : "";
		if (hr == s->nrows)
			continue; /* empty */
		if (csv && !k && !(k = kind_by_headers(im, si, hr)))
			continue;
		if (!k)
			continue; /* not a sheet of the template (a note, a list) */
		im->sname[si] = k->sheet;
		if ((rc = read_rows(im, si, k, hr)) != FINCA_OK)
			return rc;
	}
	return FINCA_OK;
}

/* --- checking rows --- */

/* Reads min..max digits at *p into *v, moving *p past them. */
static int digits(const char **p, size_t min, size_t max, int *v)
{
	size_t n = strspn(*p, "0123456789");

	if (n < min || n > max)
		return 0;
	*v = 0;
	for (size_t i = 0; i < n; i++)
		*v = *v * 10 + (*p)[i] - '0';
	*p += n;
	return 1;
}

/* The date in s (YYYY-MM-DD, YYYY/M/D, YYYY.M.D, YYYY年M月D日, or the day
 * number Excel keeps for a cell formatted as a date) as YYYY-MM-DD. */
static int parse_day(const char *s, char out[16])
{
	static const struct { const char *a, *b, *end; } forms[] = {
		{ "-", "-", "" }, { "/", "/", "" }, { ".", ".", "" },
		{ "年", "月", "日" }, { "年", "月", "" },
	};
	struct tm tm;
	int y = 0, m = 0, d = 0;
	size_t i, n = strspn(s, "0123456789");
	time_t t;

	memset(&tm, 0, sizeof tm);
	if (n == strlen(s) && n >= 5 && n <= 7) {
		/* Excel counts days from 1899-12-30 (from March 1900 on, past
		 * the 29th of February 1900 that never was); 25569 is 1970-01-01 */
		long days = strtol(s, NULL, 10);
		if (days < 25569 || days > 2958465)
			return FINCA_EINVAL;
		t = (time_t)(days - 25569) * 86400;
		if (!gmtime_r(&t, &tm))
			return FINCA_EINVAL;
	} else {
		for (i = 0; i < ARRAY_LEN(forms); i++) {
			const char *p = s;
			if (!digits(&p, 4, 4, &y) || strncmp(p, forms[i].a, strlen(forms[i].a)))
				continue;
			p += strlen(forms[i].a);
			if (!digits(&p, 1, 2, &m) || strncmp(p, forms[i].b, strlen(forms[i].b)))
				continue;
			p += strlen(forms[i].b);
			if (digits(&p, 1, 2, &d) && !strcmp(p, forms[i].end))
				break;
		}
		if (i == ARRAY_LEN(forms) || y < 1970 || m < 1 || m > 12 || d < 1 || d > 31)
			return FINCA_EINVAL;
		tm.tm_year = y - 1900;
		tm.tm_mon = m - 1;
		tm.tm_mday = d;
		tm.tm_hour = 12;
		/* timegm normalises the 31st of April into May */
		if (timegm(&tm) == (time_t)-1 || tm.tm_mday != d || tm.tm_mon != m - 1)
			return FINCA_EINVAL;
	}
	/* the moduli only tell the compiler the widths: the date is checked */
	snprintf(out, 16, "%04u-%02u-%02u", (unsigned)(tm.tm_year + 1900) % 10000u,
		 (unsigned)(tm.tm_mon + 1) % 100u, (unsigned)tm.tm_mday % 100u);
	return FINCA_OK;
}

/* What an identity number typed into a number cell has become. */
static const char *number_hint(const char *v)
{
	return strpbrk(v, "Ee.") && strspn(v, "0123456789.E+e") == strlen(v) ?
	       " (Excel kept it as a number and lost digits: format the column as "
	       "text and type it again)" : "";
}

/* The identity number v of column col is bad (the thread's error says
 * how); typed into a number cell, Excel's rounding is the cause. */
static void bad_ident(struct imp *im, struct row *rw, int col, const char *v)
{
	if (*number_hint(v))
		bad(im, rw, col, "sheet.number_cell", "%s%s", err_msg(), number_hint(v));
	else
		bad_err(im, rw, col);
}

/* The checks that need no database: required cells, identity numbers,
 * the words of 原因 and 操作, dates, phone and e-mail. */
static void check_cells(struct imp *im, struct row *rw)
{
	const struct kind *k = rw->k;
	const char *v;

	for (size_t i = 0; i < kind_ncols(k); i++)
		if (k->cols[i].required && !*rw->v[k->cols[i].col])
			bad(im, rw, k->cols[i].col, "sheet.missing", "missing");
	if (*(v = rw->v[C_ID])) {
		if (ident_resident_id_check(v, rw->id) != FINCA_OK) {
			bad_ident(im, rw, C_ID, v);
			rw->id[0] = '\0';
		}
	}
	if (*(v = rw->v[C_UNIT]) && ident_uscc_check(v, rw->unit) != FINCA_OK) {
		bad_ident(im, rw, C_UNIT, v);
		rw->unit[0] = '\0';
	}
	if (*(v = rw->v[C_NEW_UNIT]) && ident_uscc_check(v, rw->new_unit) != FINCA_OK) {
		bad_err(im, rw, C_NEW_UNIT);
		rw->new_unit[0] = '\0';
	}
	if (!strcmp(k->type, "update") && !*rw->v[C_NEW_NAME] && !*rw->v[C_NEW_UNIT])
		bad(im, rw, C_NEW_NAME, "sheet.update_what", "an update changes 新姓名 or 新单位编码: give one of them");
	if (*(v = rw->v[C_REASON])) {
		rw->reason = word_value(k->type, v);
		if (!rw->reason && !strcmp(k->type, "revoke") && ca_reason_parse(v) >= 0)
			rw->reason = v;
		if (!rw->reason && !strcmp(k->type, "reissue"))
			bad(im, rw, C_REASON, "sheet.reason_reissue", "'%.64s' is not a reason: "
			    "expected %s", v, "丢失 or 损坏");
		else if (!rw->reason)
			bad(im, rw, C_REASON, "sheet.reason", "'%.64s' is not a reason: expected %s",
			    v, "调出, 退休, 其他, 密钥泄露 or an RFC 5280 reason name");
	}
	if (*(v = rw->v[C_ACTION])) {
		if (!(rw->action = word_value(k->type, v)))
			bad(im, rw, C_ACTION, "sheet.action", "'%.64s': expected 授权 or 撤销", v);
		else if (!strcmp(rw->action, "grant") && !*rw->v[C_ROLES])
			bad(im, rw, C_ROLES, "sheet.roles", "missing: the roles granted on the system");
	}
	if (*(v = rw->v[C_UNTIL]) && parse_day(v, rw->until) != FINCA_OK)
		bad(im, rw, C_UNTIL, "sheet.date", "'%.64s' is not a date: expected YYYY-MM-DD", v);
	if (*(v = rw->v[C_PHONE]) &&
	    (strlen(v) > 20 || strspn(v, "0123456789+- ") != strlen(v)))
		bad(im, rw, C_PHONE, "sheet.phone", "'%.64s': expected digits, '+', '-' and spaces",
		    v);
	if (*(v = rw->v[C_EMAIL]) && (!strchr(v, '@') || strchr(v, ' ')))
		bad(im, rw, C_EMAIL, "sheet.email", "'%.64s' is not an e-mail address", v);
}

static int row_cmp(const void *x, const void *y)
{
	const struct row *a = *(const struct row *const *)x, *b = *(const struct row *const *)y;
	int c = strcmp(a->k->type, b->k->type);

	if (!c)
		c = strcmp(a->id, b->id);
	if (!c)
		c = a->sheet != b->sheet ? (a->sheet < b->sheet ? -1 : 1) :
		    a->row_no < b->row_no ? -1 : a->row_no > b->row_no;
	return c;
}

static int id_cmp(const void *key, const void *x)
{
	const struct row *b = *(const struct row *const *)x;

	return strcmp(key, b->id);
}

/* The same person twice for the same type: the later rows are bad. */
static void check_duplicates(struct imp *im, struct row **by)
{
	for (size_t i = 0; i < im->nrows; i++)
		by[i] = &im->rows[i];
	qsort(by, im->nrows, sizeof *by, row_cmp);
	for (size_t i = 1; i < im->nrows; i++) {
		struct row *p = by[i - 1], *r = by[i];
		if (r->id[0] && p->k == r->k && !strcmp(p->id, r->id))
			bad(im, r, C_ID, "sheet.twice", "%s is on the %s sheet twice (row %zu): one request per "
			    "person and type", r->id, r->k->sheet, p->row_no);
	}
}

/* Whether the unit with code (normalised) is registered. */
static int unit_known(struct imp *im, const char *code)
{
	if (strcmp(im->unit_seen, code)) {
		snprintf(im->unit_seen, sizeof im->unit_seen, "%s", code);
		im->unit_ok = store_row_exists(ca_store(im->ca), "unit", code);
	}
	return im->unit_ok;
}

static int app_known(struct imp *im, const char *code)
{
	if (strlen(code) >= sizeof im->app_seen)
		return store_row_exists(ca_store(im->ca), "app", code);
	if (strcmp(im->app_seen, code)) {
		snprintf(im->app_seen, sizeof im->app_seen, "%s", code);
		im->app_ok = store_row_exists(ca_store(im->ca), "app", code);
	}
	return im->app_ok;
}

static int unit_cmp(const void *x, const void *y)
{
	const struct row *a = *(const struct row *const *)x, *b = *(const struct row *const *)y;

	return strcmp(a->unit, b->unit);
}

/* The unit most rows name (a batch is one unit's, and a stray row should
 * not make all the others wrong); NULL when no row has a valid one. */
static const char *main_unit(struct imp *im)
{
	struct row **by = xcalloc(im->nrows ? im->nrows : 1, sizeof *by);
	const char *best = NULL;
	size_t n = 0, run = 0, most = 0;

	for (size_t i = 0; i < im->nrows; i++)
		if (im->rows[i].unit[0])
			by[n++] = &im->rows[i];
	qsort(by, n, sizeof *by, unit_cmp);
	for (size_t i = 0; i < n; i++) {
		run = i && !strcmp(by[i - 1]->unit, by[i]->unit) ? run + 1 : 1;
		if (run > most) {
			most = run;
			best = by[i]->unit;
		}
	}
	free(by);
	return best;
}

/* The checks against what is registered: the person and its unit, the
 * unit a new person joins, the new unit of an update, the application
 * system; and that the row is for the batch's unit.  new[] holds the 申请
 * rows that register their person, by ID number, once the 申请 rows are
 * checked (pass 0 of check_rows). */
static int check_registered(struct imp *im, struct row *rw, struct row **new, size_t nnew,
			    const char *batch_unit)
{
	struct store *st = ca_store(im->ca);
	json_t *p = NULL;
	const char *name;
	int rc = FINCA_OK, unit_bad = 0;

	if (*rw->v[C_APP] && !app_known(im, rw->v[C_APP]))
		bad(im, rw, C_APP, "sheet.no_app", "no application system is registered with code '%.64s'",
		    rw->v[C_APP]);
	if (rw->new_unit[0] && !unit_known(im, rw->new_unit))
		bad(im, rw, C_NEW_UNIT, "sheet.no_unit", "no unit is registered with code %s",
		    rw->new_unit);
	if (!rw->id[0] || !rw->unit[0])
		return FINCA_OK;
	if ((rc = store_row_get(st, "person", rw->id, &p)) == FINCA_OK) {
		const char *pu = json_string_value(json_object_get(p, "unit"));
		name = json_string_value(json_object_get(p, "name"));
		/* XXX: an officer learns which unit another unit's person is
		 * with; the ID number is needed to ask, so it stays */
		if (pu && strcmp(pu, rw->unit)) {
			bad(im, rw, C_UNIT, "sheet.other_unit", "%s is registered with unit %s, not %s", rw->id, pu,
			    rw->unit);
			unit_bad = 1;
		} else if (*rw->v[C_NAME] && name && strcmp(name, rw->v[C_NAME])) {
			if (!strcmp(rw->k->type, "update"))
				bad(im, rw, C_NAME, "sheet.name_update", "'%.64s' is not the name "
				    "registered for %s%s", rw->v[C_NAME], rw->id,
				    " (the new name goes under 新姓名)");
			else
				bad(im, rw, C_NAME, "sheet.name", "'%.64s' is not the name "
				    "registered for %s%s", rw->v[C_NAME], rw->id, "");
		}
	} else if (rc != FINCA_ENOTFOUND) {
		goto out;
	} else if (!strcmp(rw->k->type, "apply")) {
		if (unit_known(im, rw->unit)) {
			rw->enrol = 1;
		} else {
			bad(im, rw, C_UNIT, "sheet.no_unit", "no unit is registered with code %s", rw->unit);
			unit_bad = 1;
		}
	} else {
		struct row **hit = nnew ? bsearch(rw->id, new, nnew, sizeof *new, id_cmp) : NULL;
		if (!hit) {
			bad(im, rw, C_ID, "sheet.no_person", "no person is registered with ID number %s (a new "
			    "person is registered through a row of the 申请 sheet)", rw->id);
		} else if (strcmp((*hit)->unit, rw->unit)) {
			bad(im, rw, C_UNIT, "sheet.joins_unit", "%s joins unit %s on the 申请 sheet, not %s", rw->id,
			    (*hit)->unit, rw->unit);
			unit_bad = 1;
		}
	}
	rc = FINCA_OK;
	if (!unit_bad && strcmp(batch_unit, rw->unit))
		bad(im, rw, C_UNIT, "sheet.one_unit", "a batch is one unit's: the other rows are for unit %s, "
		    "this one for %s", batch_unit, rw->unit);
out:
	json_decref(p);
	return rc;
}

static int check_rows(struct imp *im, const char **batch_unit)
{
	struct row **by = xcalloc(im->nrows ? im->nrows : 1, sizeof *by), **new = NULL;
	size_t nnew = 0, i;
	int rc = FINCA_OK;

	for (i = 0; i < im->nrows; i++)
		check_cells(im, &im->rows[i]);
	check_duplicates(im, by);
	*batch_unit = main_unit(im);
	/* the 申请 rows first: a person registered there may be named on
	 * the other sheets of the same file */
	for (int pass = 0; pass < 2; pass++) {
		for (i = 0; i < im->nrows && rc == FINCA_OK; i++)
			if (!strcmp(im->rows[i].k->type, "apply") == !pass)
				rc = check_registered(im, &im->rows[i], new, nnew, *batch_unit);
		if (rc != FINCA_OK || pass)
			break;
		/* by[] is sorted by type then ID number: the new persons are a
		 * sorted run of it */
		for (i = 0; i < im->nrows; i++)
			if (by[i]->enrol && !by[i]->bad)
				by[nnew++] = by[i];
		new = by;
	}
	free(by);
	return rc;
}

/* --- creating --- */

/* The column of a field named in a message of org_add or ra_batch_create. */
static int field_col(const char *f, size_t n)
{
	static const struct { const char *field; int col; } m[] = {
		{ "subject", C_ID }, { "subject_kind", C_ID }, { "id_number", C_ID },
		{ "name", C_NAME }, { "unit", C_UNIT }, { "app", C_APP },
		{ "cert_serial", C_SERIAL }, { "reason", C_REASON }, { "note", C_NOTE },
		{ "phone", C_PHONE }, { "email", C_EMAIL }, { "data.action", C_ACTION },
		{ "data.roles", C_ROLES }, { "data.not_after", C_UNTIL },
		{ "data.name", C_NEW_NAME }, { "data.unit", C_NEW_UNIT },
	};

	for (size_t i = 0; i < ARRAY_LEN(m); i++)
		if (strlen(m[i].field) == n && !strncmp(m[i].field, f, n))
			return m[i].col;
	return -1;
}

/* A problem of row rw, on the column of field (NULL or "": none known):
 * the problem src of a batch (its message, reason and parameters), or
 * (NULL) the thread's error. */
static void bad_field(struct imp *im, struct row *rw, const char *field, json_t *src)
{
	int col = field && *field ? field_col(field, strlen(field)) : -1;
	json_t *e;

	if (col >= 0 && !kind_col(rw->k, col))
		col = -1;
	if (!src) {
		bad_err(im, rw, col);
		return;
	}
	rw->bad = 1;
	if (!(e = add(im, rw->sheet, rw->row_no, rw->k, col)))
		return;
	json_object_set(e, "message", json_object_get(src, "message"));
	json_object_set(e, "reason", json_object_get(src, "reason"));
	json_object_set(e, "params", json_object_get(src, "params"));
	json_object_set(e, "code", json_object_get(src, "code"));
}

static int enrol(struct imp *im, struct row *rw, int *n)
{
	json_t *o = json_pack("{s:s, s:s, s:s}", "id_number", rw->id, "name", rw->v[C_NAME],
			      "unit", rw->unit), *out = NULL;
	int rc;

	if (*rw->v[C_PHONE])
		json_object_set_new(o, "phone", json_string(rw->v[C_PHONE]));
	if (*rw->v[C_EMAIL])
		json_object_set_new(o, "email", json_string(rw->v[C_EMAIL]));
	rc = org_add(im->ca, im->a, ORG_PERSON, o, &out);
	if (rc == FINCA_EINVAL || rc == FINCA_ESTATE) {
		/* a bad field, or registered meanwhile by someone else */
		bad_field(im, rw, err_field(), NULL);
		rc = FINCA_OK;
	} else if (rc == FINCA_OK) {
		++*n;
	}
	json_decref(o);
	json_decref(out);
	return rc;
}

/* The request of row rw; the data object is the caller's. */
static void spec_of(const struct row *rw, struct req_spec *sp)
{
	memset(sp, 0, sizeof *sp);
	sp->type = rw->k->type;
	sp->subject_kind = "person";
	sp->subject = rw->id;
	sp->app = rw->v[C_APP];
	sp->cert_serial = *rw->v[C_SERIAL] ? rw->v[C_SERIAL] : NULL;
	sp->reason = rw->reason;
	sp->note = *rw->v[C_NOTE] ? rw->v[C_NOTE] : NULL;
	if (!strcmp(sp->type, "update")) {
		sp->data = json_object();
		if (*rw->v[C_NEW_NAME])
			json_object_set_new(sp->data, "name", json_string(rw->v[C_NEW_NAME]));
		if (rw->new_unit[0])
			json_object_set_new(sp->data, "unit", json_string(rw->new_unit));
	} else if (!strcmp(sp->type, "authorize")) {
		sp->data = json_pack("{s:s?}", "action", rw->action);
		if (*rw->v[C_ROLES])
			json_object_set_new(sp->data, "roles", json_string(rw->v[C_ROLES]));
		if (rw->until[0])
			json_object_set_new(sp->data, "not_after", json_string(rw->until));
	}
}

/* Registers the new persons and creates the batch of the rows without a
 * problem, inside the caller's transaction.  A refusal of a row is a
 * problem (FINCA_OK); any other failure is returned.  *res (caller's) is
 * ra_batch_create's answer. */
static int create(struct imp *im, const char *source, int *registered, json_t **res)
{
	struct req_spec *sp = NULL;
	struct row **of = NULL;
	json_t *errs = NULL, *e;
	size_t n = 0, i;
	int rc = FINCA_OK;

	for (i = 0; i < im->nrows && rc == FINCA_OK; i++)
		if (im->rows[i].enrol && !im->rows[i].bad)
			rc = enrol(im, &im->rows[i], registered);
	if (rc != FINCA_OK)
		goto out;
	sp = xcalloc(im->nrows ? im->nrows : 1, sizeof *sp);
	of = xcalloc(im->nrows ? im->nrows : 1, sizeof *of);
	for (i = 0; i < im->nrows; i++)
		if (!im->rows[i].bad) {
			of[n] = &im->rows[i];
			spec_of(of[n], &sp[n]);
			n++;
		}
	if (n == 0)
		goto out;
	/* even when other rows are bad already, so that every problem is
	 * listed at once; the caller rolls it all back then */
	rc = ra_batch_create(im->ca, im->a, source, sp, n, res, &errs);
	if (rc == FINCA_EINVAL && errs) {
		json_array_foreach(errs, i, e) {
			json_int_t ix = json_integer_value(json_object_get(e, "index"));
			const char *f = json_string_value(json_object_get(e, "field"));
			if (ix < 0 || (size_t)ix >= n)
				continue;
			bad_field(im, of[ix], f ? f : "", e);
		}
		rc = FINCA_OK;
	} else if (rc == FINCA_EINVAL) {
		problem_err(im);
		rc = FINCA_OK;
	}
out:
	for (i = 0; i < n; i++)
		json_decref(sp[i].data);
	free(sp);
	free(of);
	json_decref(errs);
	return rc;
}

/* The scope check of the unit, before the transaction: inside it, a
 * refusal's auth.denied record would be rolled back with the rest. */
static int may_unit(struct imp *im, const char *unit)
{
	struct target t;
	int rc, enrols = 0;

	for (size_t i = 0; i < im->nrows && !enrols; i++)
		enrols = im->rows[i].enrol && !im->rows[i].bad;
	memset(&t, 0, sizeof t);
	t.unit = unit;
	if ((rc = actor_may(im->ca, im->a, "request.create", &t)) != FINCA_OK)
		return rc;
	return enrols ? actor_may(im->ca, im->a, "person.write", &t) : FINCA_OK;
}

/* The batch's source: the upload's file name without its folders. */
static const char *source_of(const char *filename)
{
	const char *b = filename && *filename ? filename : "upload";

	for (const char *p = b; *p; p++)
		if (*p == '/' || *p == '\\')
			b = p + 1;
	return *b && strlen(b) <= 255 ? b : "upload";
}

int ra_import(struct ca *ca, const struct actor *a, const unsigned char *buf, size_t len,
	      const char *filename, json_t **out, json_t **errors)
{
	struct store *st = ca_store(ca);
	struct imp im;
	const char *unit = NULL;
	json_t *res = NULL;
	int rc, registered = 0, in_tx = 0, good = 0;

	*out = NULL;
	if (errors)
		*errors = NULL;
	memset(&im, 0, sizeof im);
	im.ca = ca;
	im.a = a;
	if ((rc = actor_may(ca, a, "request.create", NULL)) != FINCA_OK)
		goto out;
	if ((rc = book_read(buf, len, filename, &im.bk)) != FINCA_OK) {
		if (rc != FINCA_EINVAL)
			goto out;
		problem_err(&im);
		goto report;
	}
	/* FINCA_EINVAL: too many rows, a problem recorded */
	if (read_sheets(&im, !(len >= 4 && !memcmp(buf, "PK\3\4", 4))) != FINCA_OK)
		goto report;
	if (im.nrows == 0 && im.total == 0) {
		problem(&im, SIZE_MAX, 0, "sheet.no_rows", "no request rows: fill in the sheets of the template "
			"(申请, 延期, 更新, 补办, 冻结, 解冻, 注销, 密码初始化, 访问授权) below "
			"their sample row");
		goto report;
	}
	if ((rc = check_rows(&im, &unit)) != FINCA_OK)
		goto out;
	for (size_t i = 0; i < im.nrows && !good; i++)
		good = !im.rows[i].bad;
	if (!good)
		goto report;
	/* unit: the unit of the rows, the most named one when they differ */
	if (unit && (rc = may_unit(&im, unit)) != FINCA_OK)
		goto out;
	if ((rc = store_begin(st)) != FINCA_OK)
		goto out;
	in_tx = 1;
	if ((rc = create(&im, source_of(filename), &registered, &res)) != FINCA_OK)
		goto out;
report:
	if (im.total) {
		json_t *list = problems_json(&im);
		rc = FINCA_EINVAL;
		if (errors)
			*errors = list;
		else
			json_decref(list);
		goto out;
	}
	if ((rc = store_commit(st)) != FINCA_OK) {
		in_tx = 0; /* store_commit rolled back */
		goto out;
	}
	in_tx = 0;
	json_object_set_new(res, "persons_registered", json_integer(registered));
	*out = res;
	res = NULL;
out:
	if (in_tx)
		store_rollback(st); /* keeps the error message */
	json_decref(res);
	for (size_t i = 0; i < im.npb; i++)
		json_decref(im.pb[i].e);
	free(im.pb);
	free(im.rows);
	book_free(im.bk);
	return rc;
}
