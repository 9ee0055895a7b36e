/* The annex's three application forms as PDF: cairo draws, pango sets the
 * text.  Each form is a list of table rows built from the caller's struct;
 * one helper (table_draw) draws the rows of all three.
 *
 * Threads: pango_cairo_create_context() uses pango's default font map,
 * which pango (>= 1.32) keeps per thread, so the HTTP door may render from
 * several threads at once. */
#include "doc/forms.h"
#include "util/err.h"
#include "util/util.h"

#include <cairo-pdf.h>
#include <pango/pangocairo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A4 portrait in PDF points (1/72 inch). */
#define PAGE_W 595.276
#define PAGE_H 841.890
#define MARGIN 56.0                     /* 2 cm */
#define TABLE_W (PAGE_W - 2 * MARGIN)
#define GRID 48                         /* cell widths are spans of TABLE_W/48 */
#define SPAN_LABEL 9                    /* a label */
#define SPAN_HALF 15                    /* a value beside a label, twice a row */
#define SPAN_FULL (GRID - SPAN_LABEL)   /* a value alone in its row */
#define PAD 5.0
#define ROW_H 30.0                      /* room for a handwritten line */
#define TALL_H 56.0                     /* reason, application systems */
#define BOX_H 150.0                     /* room for a 42 mm round seal */
#define NOTES_GAP 8.0
#define FOOT_W 120.0                    /* "申请单位（盖章）" and a date */
#define ROW_CELLS 4
#define DATE_BLANK "　　年　　月　　日"

enum font { F_TITLE, F_LABEL, F_VALUE, F_SMALL, F_COUNT };
static const char *const font_names[F_COUNT] = {
	[F_TITLE] = "Noto Serif CJK SC Bold 20",
	[F_LABEL] = "Noto Sans CJK SC 10.5",  /* 五号 */
	[F_VALUE] = "Noto Serif CJK SC 10.5",
	[F_SMALL] = "Noto Sans CJK SC 8.5",
};

enum cell_kind { CELL_LABEL, CELL_VALUE, CELL_BOX };

/* One cell: a label (centred), a value (left, centred vertically) or a
 * signature box (text at the top, foot in the lower right).  field names
 * the caller's struct member in error messages; NULL for our own text. */
struct cell {
	enum cell_kind kind;
	int span;
	const char *text, *foot, *field;
};

/* Cells with span 0 end the row. */
struct row {
	double min_h;
	struct cell c[ROW_CELLS];
};

#define LBL(t) { CELL_LABEL, SPAN_LABEL, (t), NULL, NULL }
#define VAL(n, s, m) { CELL_VALUE, (n), (s)->m, NULL, #m }
#define TXT(n, t) { CELL_VALUE, (n), (t), NULL, NULL }

/* The document being drawn.  The three signature boxes are the same on
 * every page of a document, so they are built once from the form_doc. */
struct pdf {
	cairo_t *cr;
	PangoContext *pc;
	PangoFontDescription *font[F_COUNT];
	char where[64];                 /* "personal form entry 3" */
	double y;                       /* top of the next thing drawn */
	double bottom;                  /* where the table must end */
	PangoLayout *notes;             /* the form's 说明, under the table */
	struct cell box[3];
	char box_text[3][FORMS_MAX_FIELD + 128];
	char box_foot[3][FORMS_MAX_FIELD + 128];
};

struct form_kind {
	const char *title, *what, *notes;
	size_t size;                    /* of one entry */
	int (*page)(struct pdf *d, const void *entry);
};

/* Rejects what pango should not be given or a form should not show.  Line
 * breaks are kept: a spreadsheet cell may hold several lines. */
static int text_check(const char *where, const char *field, const char *s,
		      size_t max)
{
	if (!s)
		return FINCA_OK;
	if (strlen(s) > max)
		return err_why(FINCA_EINVAL, NULL, "form.too_long", "%s: %s is longer than %zu bytes",
			       where, field, max);
	if (!g_utf8_validate(s, -1, NULL))
		return err_why(FINCA_EINVAL, NULL, "form.utf8", "%s: %s is not valid UTF-8", where, field);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p < 0x20 && *p != '\n' && *p != '\r') || *p == 0x7f)
			return err_why(FINCA_EINVAL, NULL, "form.control", "%s: %s contains control character 0x%02x",
				       where, field, *p);
	return FINCA_OK;
}

/* A layout of text in width w (0: unbounded), or NULL when a character has
 * no glyph in any installed font: a form must not show a blank box where a
 * name was.  Caller unrefs. */
static PangoLayout *layout_new(struct pdf *d, enum font f, const char *text,
			       double w, PangoAlignment align)
{
	PangoLayout *l = pango_layout_new(d->pc);

	pango_layout_set_font_description(l, d->font[f]);
	if (w > 0) {
		pango_layout_set_width(l, pango_units_from_double(w));
		pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
	}
	pango_layout_set_alignment(l, align);
	pango_layout_set_text(l, text ? text : "", -1);
	if (pango_layout_get_unknown_glyphs_count(l) > 0) {
		g_object_unref(l);
		return NULL;
	}
	return l;
}

static double layout_h(PangoLayout *l)
{
	int w, h;

	pango_layout_get_size(l, &w, &h);
	return (double)h / PANGO_SCALE;
}

static void layout_show(struct pdf *d, PangoLayout *l, double x, double y)
{
	cairo_move_to(d->cr, x, y);
	pango_cairo_show_layout(d->cr, l);
}

static int no_glyph(struct pdf *d, const struct cell *c)
{
	if (c->field)
		return err_why(FINCA_EINVAL, NULL, "form.no_glyph", "%s: %s has a character no installed "
			       "font can print", d->where, c->field);
	return err_why(FINCA_EINVAL, NULL, "form.no_font", "%s: no font for '%s' (is fonts-noto-cjk "
		       "installed?)", d->where, c->text);
}

/* The foot of a box sits in its lower right, where the seal goes. */
static double foot_w(double inner)
{
	return inner * 0.72 < FOOT_W ? inner * 0.72 : FOOT_W;
}

/* Lays out one row's cells into lay[][0] (text) and lay[][1] (box foot)
 * and returns the row's height in *h. */
static int row_layout(struct pdf *d, const struct row *r,
		      PangoLayout *lay[ROW_CELLS][2], double *h)
{
	const double unit = TABLE_W / GRID;

	*h = r->min_h;
	for (int i = 0; i < ROW_CELLS && r->c[i].span; i++) {
		const struct cell *c = &r->c[i];
		double w = c->span * unit - 2 * PAD, ch;

		if (c->kind == CELL_LABEL)
			lay[i][0] = layout_new(d, F_LABEL, c->text, w, PANGO_ALIGN_CENTER);
		else
			lay[i][0] = layout_new(d, c->kind == CELL_BOX ? F_LABEL : F_VALUE,
					       c->text, w, PANGO_ALIGN_LEFT);
		if (!lay[i][0])
			return no_glyph(d, c);
		ch = layout_h(lay[i][0]) + 2 * PAD;
		if (c->foot) {
			lay[i][1] = layout_new(d, F_LABEL, c->foot, foot_w(w),
					       PANGO_ALIGN_LEFT);
			if (!lay[i][1])
				return no_glyph(d, c);
			ch += layout_h(lay[i][1]) + 3 * PAD;
		}
		if (ch > *h)
			*h = ch;
	}
	return FINCA_OK;
}

/* Draws rows from d->y down, checking every value first.  Fails when the
 * table would run into the footer. */
static int table_draw(struct pdf *d, const struct row *rows, size_t n)
{
	const double unit = TABLE_W / GRID, top = d->y;
	int rc = FINCA_OK;

	for (size_t i = 0; i < n; i++)
		for (int j = 0; j < ROW_CELLS && rows[i].c[j].span; j++)
			if (rows[i].c[j].field &&
			    (rc = text_check(d->where, rows[i].c[j].field,
					     rows[i].c[j].text, FORMS_MAX_FIELD)) != FINCA_OK)
				return rc;

	cairo_set_source_rgb(d->cr, 0, 0, 0);
	for (size_t i = 0; i < n && rc == FINCA_OK; i++) {
		PangoLayout *lay[ROW_CELLS][2] = {{NULL}};
		double h, x = MARGIN;

		rc = row_layout(d, &rows[i], lay, &h);
		if (rc == FINCA_OK && d->y + h > d->bottom)
			rc = err_why(FINCA_EINVAL, NULL, "form.too_big", "%s: does not fit on one A4 page; "
				     "shorten the longest values", d->where);
		for (int j = 0; rc == FINCA_OK && j < ROW_CELLS && rows[i].c[j].span; j++) {
			const struct cell *c = &rows[i].c[j];
			double w = c->span * unit;

			cairo_set_line_width(d->cr, 0.6);
			cairo_rectangle(d->cr, x, d->y, w, h);
			cairo_stroke(d->cr);
			if (c->kind == CELL_BOX) {
				layout_show(d, lay[j][0], x + PAD, d->y + PAD);
				if (lay[j][1])
					layout_show(d, lay[j][1],
						    x + w - PAD - foot_w(w - 2 * PAD),
						    d->y + h - 2 * PAD - layout_h(lay[j][1]));
			} else {
				layout_show(d, lay[j][0], x + PAD,
					    d->y + (h - layout_h(lay[j][0])) / 2);
			}
			x += w;
		}
		for (int j = 0; j < ROW_CELLS; j++)
			for (int k = 0; k < 2; k++)
				if (lay[j][k])
					g_object_unref(lay[j][k]);
		d->y += h;
	}
	if (rc == FINCA_OK) {
		cairo_set_line_width(d->cr, 1.5);
		cairo_rectangle(d->cr, MARGIN, top, TABLE_W, d->y - top);
		cairo_stroke(d->cr);
	}
	return rc;
}

/* Our own text at d->y, advancing d->y by its height plus gap. */
static int text_draw(struct pdf *d, enum font f, const char *text,
		     PangoAlignment align, double gap)
{
	PangoLayout *l = layout_new(d, f, text, TABLE_W, align);
	const struct cell c = { CELL_VALUE, 0, text, NULL, NULL };

	if (!l)
		return no_glyph(d, &c);
	layout_show(d, l, MARGIN, d->y);
	d->y += layout_h(l) + gap;
	g_object_unref(l);
	return FINCA_OK;
}

/* Title, then id on the left and date on the right. */
static int header_draw(struct pdf *d, const char *title,
		       const struct form_doc *doc)
{
	char id[FORMS_MAX_ID + 16], date[FORMS_MAX_ID + 16];
	PangoLayout *l = NULL, *r = NULL;
	int rc;

	d->y = MARGIN;
	if ((rc = text_draw(d, F_TITLE, title, PANGO_ALIGN_CENTER, 14)) != FINCA_OK)
		return rc;
	snprintf(id, sizeof id, "编号：%s", doc->id);
	snprintf(date, sizeof date, "填表日期：%s",
		 doc->date && *doc->date ? doc->date : DATE_BLANK);
	l = layout_new(d, F_LABEL, id, TABLE_W / 2, PANGO_ALIGN_LEFT);
	r = layout_new(d, F_LABEL, date, TABLE_W / 2, PANGO_ALIGN_RIGHT);
	if (!l || !r) {
		const struct cell c = { CELL_VALUE, 0, NULL, NULL, l ? "date" : "id" };
		rc = no_glyph(d, &c);
	} else {
		layout_show(d, l, MARGIN, d->y);
		layout_show(d, r, MARGIN + TABLE_W / 2, d->y);
		d->y += (layout_h(l) > layout_h(r) ? layout_h(l) : layout_h(r)) + 6;
	}
	if (l)
		g_object_unref(l);
	if (r)
		g_object_unref(r);
	return rc;
}

static int footer_draw(struct pdf *d, const struct form_doc *doc,
		       size_t page, size_t pages)
{
	char s[FORMS_MAX_ID + 64];

	snprintf(s, sizeof s, "编号：%s　　第%zu页/共%zu页", doc->id, page, pages);
	d->y = PAGE_H - MARGIN + 14;
	return text_draw(d, F_SMALL, s, PANGO_ALIGN_CENTER, 0);
}

/* The three signature boxes of art. 19-20: the applying unit stamps and
 * sends, the approving department stamps, the making unit produces and
 * hands the USBKey over. */
static void boxes_build(struct pdf *d, const struct form_doc *doc)
{
	static const char *const field[3] = { "officer", "approver", "maker" };
	const char *opt[3] = { doc->officer, doc->approver, doc->maker };
	int has[3];

	for (int i = 0; i < 3; i++)
		has[i] = opt[i] && *opt[i];
	snprintf(d->box_text[0], sizeof d->box_text[0], "申请单位意见：");
	snprintf(d->box_foot[0], sizeof d->box_foot[0],
		 "信息员：%s\n经办人：\n申请单位（盖章）\n%s",
		 has[0] ? doc->officer : "", DATE_BLANK);
	snprintf(d->box_text[1], sizeof d->box_text[1], "审批部门意见：%s%s",
		 has[1] ? "\n" : "", has[1] ? doc->approver : "");
	snprintf(d->box_foot[1], sizeof d->box_foot[1],
		 "审批人：\n审批部门（盖章）\n%s", DATE_BLANK);
	snprintf(d->box_text[2], sizeof d->box_text[2],
		 "证书制作管理单位办理情况：%s%s", has[2] ? "\n" : "",
		 has[2] ? doc->maker : "");
	snprintf(d->box_foot[2], sizeof d->box_foot[2],
		 "经办人：\n制作单位（盖章）\n%s", DATE_BLANK);
	for (int i = 0; i < 3; i++)
		d->box[i] = (struct cell){ CELL_BOX, GRID / 3, d->box_text[i],
					   d->box_foot[i], field[i] };
}

/* "■申请　□延期　…" with entry on ticked. */
static void ticks(char *buf, size_t len, const char *const *names, size_t n,
		  size_t on)
{
	size_t k = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && k < len; i++)
		k += (size_t)snprintf(buf + k, len - k, "%s%s%s", i ? "　" : "",
				      i == on ? "■" : "□", names[i]);
}

static const char *const op_names[] = {
	[FORM_OP_APPLY] = "申请", [FORM_OP_RENEW] = "延期",
	[FORM_OP_UPDATE] = "更新", [FORM_OP_REISSUE] = "补办",
	[FORM_OP_FREEZE] = "冻结", [FORM_OP_UNFREEZE] = "解冻",
	[FORM_OP_REVOKE] = "注销", [FORM_OP_AUTHORIZE] = "访问授权",
};

static const char *const cause_names[] = {
	[FORM_PIN_FORGOTTEN] = "忘记PIN码", [FORM_PIN_LOCKED] = "PIN码已锁定",
	[FORM_PIN_OTHER] = "其他",
};

static int op_ticks(struct pdf *d, enum form_op op, char *buf, size_t len)
{
	if ((unsigned)op >= ARRAY_LEN(op_names))
		return err_set(FINCA_EINVAL, "%s: operation %d is not one of the "
			       "form's", d->where, (int)op);
	ticks(buf, len, op_names, ARRAY_LEN(op_names), (size_t)op);
	return FINCA_OK;
}

static int person_page(struct pdf *d, const void *entry)
{
	const struct form_person *p = entry;
	char ops[256];
	int rc;

	if ((rc = op_ticks(d, p->op, ops, sizeof ops)) != FINCA_OK)
		return rc;
	const struct row rows[] = {
		{ ROW_H, { LBL("姓名"), VAL(SPAN_HALF, p, name),
			   LBL("身份证号"), VAL(SPAN_HALF, p, id_number) } },
		{ ROW_H, { LBL("所属单位"), VAL(SPAN_FULL, p, unit) } },
		{ ROW_H, { LBL("单位编码"), VAL(SPAN_HALF, p, unit_code),
			   LBL("机构类型"), VAL(SPAN_HALF, p, unit_type) } },
		{ ROW_H, { LBL("联系电话"), VAL(SPAN_HALF, p, phone),
			   LBL("电子邮箱"), VAL(SPAN_HALF, p, email) } },
		{ ROW_H, { LBL("业务类型"), TXT(SPAN_FULL, ops) } },
		{ TALL_H, { LBL("申请原因"), VAL(SPAN_FULL, p, reason) } },
		{ TALL_H, { LBL("应用系统及权限"), VAL(SPAN_FULL, p, app_systems) } },
		{ ROW_H, { LBL("原证书序列号"), VAL(SPAN_HALF, p, old_cert),
			   LBL("原USBKey编号"), VAL(SPAN_HALF, p, old_token) } },
		{ ROW_H, { LBL("证书用户签名"), TXT(SPAN_HALF, NULL),
			   LBL("日期"), TXT(SPAN_HALF, DATE_BLANK) } },
		{ ROW_H, { LBL("新USBKey编号"), TXT(SPAN_HALF, NULL),
			   LBL("领取人签字"), TXT(SPAN_HALF, NULL) } },
		{ BOX_H, { d->box[0], d->box[1], d->box[2] } },
	};
	return table_draw(d, rows, ARRAY_LEN(rows));
}

static int unit_page(struct pdf *d, const void *entry)
{
	const struct form_unit *u = entry;
	char ops[256];
	int rc;

	if ((rc = op_ticks(d, u->op, ops, sizeof ops)) != FINCA_OK)
		return rc;
	const struct row rows[] = {
		{ ROW_H, { LBL("单位名称"), VAL(SPAN_FULL, u, name) } },
		{ ROW_H, { LBL("单位编码"), VAL(SPAN_HALF, u, unit_code),
			   LBL("机构类型"), VAL(SPAN_HALF, u, unit_type) } },
		{ ROW_H, { LBL("所属地区"), VAL(SPAN_HALF, u, region),
			   LBL("单位电话"), VAL(SPAN_HALF, u, phone) } },
		{ ROW_H, { LBL("单位地址"), VAL(SPAN_FULL, u, address) } },
		{ ROW_H, { LBL("信息员"), VAL(SPAN_HALF, u, officer),
			   LBL("身份证号"), VAL(SPAN_HALF, u, officer_id) } },
		{ ROW_H, { LBL("联系电话"), VAL(SPAN_HALF, u, officer_phone),
			   LBL("电子邮箱"), VAL(SPAN_HALF, u, officer_email) } },
		{ ROW_H, { LBL("业务类型"), TXT(SPAN_FULL, ops) } },
		{ TALL_H, { LBL("申请原因"), VAL(SPAN_FULL, u, reason) } },
		{ TALL_H, { LBL("证书用途及\n应用系统"), VAL(SPAN_FULL, u, app_systems) } },
		{ ROW_H, { LBL("原证书序列号"), VAL(SPAN_HALF, u, old_cert),
			   LBL("原USBKey编号"), VAL(SPAN_HALF, u, old_token) } },
		{ ROW_H, { LBL("新USBKey编号"), TXT(SPAN_HALF, NULL),
			   LBL("领取人签字"), TXT(SPAN_HALF, NULL) } },
		{ BOX_H, { d->box[0], d->box[1], d->box[2] } },
	};
	return table_draw(d, rows, ARRAY_LEN(rows));
}

static int pinreset_page(struct pdf *d, const void *entry)
{
	const struct form_pinreset *r = entry;
	char causes[128];

	if ((unsigned)r->cause >= ARRAY_LEN(cause_names))
		return err_set(FINCA_EINVAL, "%s: cause %d is not one of the form's",
			       d->where, (int)r->cause);
	ticks(causes, sizeof causes, cause_names, ARRAY_LEN(cause_names),
	      (size_t)r->cause);
	const struct row rows[] = {
		{ ROW_H, { LBL("姓名"), VAL(SPAN_HALF, r, name),
			   LBL("身份证号"), VAL(SPAN_HALF, r, id_number) } },
		{ ROW_H, { LBL("所属单位"), VAL(SPAN_FULL, r, unit) } },
		{ ROW_H, { LBL("单位编码"), VAL(SPAN_HALF, r, unit_code),
			   LBL("联系电话"), VAL(SPAN_HALF, r, phone) } },
		{ ROW_H, { LBL("USBKey编号"), VAL(SPAN_HALF, r, token_serial),
			   LBL("证书序列号"), VAL(SPAN_HALF, r, cert_serial) } },
		{ ROW_H, { LBL("申请原因"), TXT(SPAN_FULL, causes) } },
		{ TALL_H, { LBL("情况说明"), VAL(SPAN_FULL, r, reason) } },
		/* art. 23 and 24, which the user signs for */
		{ 2 * TALL_H, { LBL("用户承诺"), { CELL_BOX, SPAN_FULL,
			"本人确认以上信息属实，该USBKey由本人保管使用，未转借他人。"
			"密码初始化后，本人将立即修改默认PIN码，新PIN码为6-10位数字和"
			"字母的组合，不泄露他人。",
			"证书用户签名：\n" DATE_BLANK, NULL } } },
		{ ROW_H, { LBL("领取人签字"), TXT(SPAN_HALF, NULL),
			   LBL("领取日期"), TXT(SPAN_HALF, DATE_BLANK) } },
		{ BOX_H, { d->box[0], d->box[1], d->box[2] } },
	};
	return table_draw(d, rows, ARRAY_LEN(rows));
}

/* The envelope: what the holder needs and nothing to stamp; the PIN and
 * the code in their own rows, large enough to read without mistakes. */
static int envelope_page(struct pdf *d, const void *entry)
{
	const struct form_envelope *e = entry;
	const struct row rows[] = {
		{ ROW_H, { LBL("姓名"), VAL(SPAN_HALF, e, name),
			   LBL("USBKey编号"), VAL(SPAN_HALF, e, token_serial) } },
		{ ROW_H, { LBL("所属单位"), VAL(SPAN_FULL, e, unit) } },
		{ ROW_H, { LBL("证书序列号"), VAL(SPAN_FULL, e, cert_serial) } },
		{ TALL_H, { LBL("默认PIN码"), VAL(SPAN_FULL, e, pin) } },
		{ TALL_H, { LBL("挂失码"), VAL(SPAN_FULL, e, loss_code) } },
		{ ROW_H, { LBL("领取人签字"), TXT(SPAN_HALF, NULL),
			   LBL("领取日期"), TXT(SPAN_HALF, DATE_BLANK) } },
	};
	return table_draw(d, rows, ARRAY_LEN(rows));
}

static const struct form_kind person_form = {
	"个人数字证书申请表", "personal form",
	"说明：1. 申请单位信息员按统一电子表格填写，申请单位盖章后连同电子表格报证书审批单位，"
	"审批单位审核盖章后交证书制作管理单位（第十九条）。"
	"2. 办理延期、更新、补办（介质损坏）、注销时，须交回原证书介质USBKey（第二十二条）。"
	"3. 首次使用证书须修改默认PIN码，新PIN码为6-10位数字和字母的组合（第二十三条）。",
	sizeof(struct form_person), person_page,
};

static const struct form_kind unit_form = {
	"单位数字证书申请表", "unit form",
	"说明：1. 申请单位信息员填写，申请单位盖章后连同电子表格报证书审批单位，"
	"审批单位审核盖章后交证书制作管理单位（第十九条）。"
	"2. 办理延期、更新、补办（介质损坏）、注销时，须交回原证书介质USBKey（第二十二条）。",
	sizeof(struct form_unit), unit_page,
};

static const struct form_kind pinreset_form = {
	"证书介质USBKey密码初始化申请表", "PIN reset form",
	"说明：1. 申请单位盖章、证书审批单位审核盖章后交证书制作管理单位办理，办理时须携带该USBKey。"
	"2. 初始化后USBKey的PIN码恢复为默认PIN码，用户须立即修改（第二十三条）。",
	sizeof(struct form_pinreset), pinreset_page,
};

static const struct form_kind envelope_form = {
	"USBKey密码信封", "PIN envelope",
	"说明：1. 本信封由证书用户本人拆阅，妥善保管，不得转交他人。"
	"2. 首次使用证书前须修改默认PIN码，新PIN码为6-10位数字和字母的组合（第二十三条）。"
	"3. USBKey遗失时，凭挂失码立即挂失（紧急冻结，第二十五条）；挂失码只在本信封中出现，"
	"系统不保存其明文。",
	sizeof(struct form_envelope), envelope_page,
};

struct sink {
	unsigned char *buf;
	size_t len, cap;
	int over;       /* FORMS_MAX_PDF reached */
	int discard;    /* failed: what cairo still writes is dropped */
};

static cairo_status_t sink_write(void *closure, const unsigned char *data,
				 unsigned int n)
{
	struct sink *s = closure;

	if (s->discard)
		return CAIRO_STATUS_WRITE_ERROR;
	if (n > FORMS_MAX_PDF - s->len) {
		s->over = 1;
		return CAIRO_STATUS_WRITE_ERROR;
	}
	if (s->len + n > s->cap) {
		s->cap = s->cap ? s->cap : 64 * 1024;
		while (s->cap < s->len + n)
			s->cap *= 2;
		s->buf = xrealloc(s->buf, s->cap);
	}
	memcpy(s->buf + s->len, data, n);
	s->len += n;
	return CAIRO_STATUS_SUCCESS;
}

static int doc_check(const struct form_kind *k, const struct form_doc *doc)
{
	int rc;

	if (!doc || !doc->id || !*doc->id)
		return err_why(FINCA_EINVAL, NULL, "form.no_id", "%s: the document needs an id", k->what);
	if ((rc = text_check(k->what, "id", doc->id, FORMS_MAX_ID)) != FINCA_OK ||
	    (rc = text_check(k->what, "date", doc->date, FORMS_MAX_ID)) != FINCA_OK ||
	    (rc = text_check(k->what, "officer", doc->officer,
			     FORMS_MAX_FIELD)) != FINCA_OK ||
	    (rc = text_check(k->what, "approver", doc->approver,
			     FORMS_MAX_FIELD)) != FINCA_OK ||
	    (rc = text_check(k->what, "maker", doc->maker,
			     FORMS_MAX_FIELD)) != FINCA_OK)
		return rc;
	return FINCA_OK;
}

static int render(const struct form_kind *k, const struct form_doc *doc,
		  const void *entries, size_t n, unsigned char **out,
		  size_t *outlen)
{
	struct sink s = { 0 };
	struct pdf *d = xcalloc(1, sizeof *d);
	cairo_surface_t *surf = NULL;
	cairo_font_options_t *fo = NULL;
	int rc;

	if ((rc = doc_check(k, doc)) != FINCA_OK)
		goto out;
	if (!entries || n == 0 || n > FORMS_MAX_PAGES) {
		rc = err_why(FINCA_EINVAL, NULL, "form.entries", "%s %s: needs 1 to %d entries, got %zu",
			     k->what, doc->id, FORMS_MAX_PAGES, entries ? n : 0);
		goto out;
	}
	surf = cairo_pdf_surface_create_for_stream(sink_write, &s, PAGE_W, PAGE_H);
	cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_TITLE, k->title);
	cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_CREATOR, "finca");
	d->cr = cairo_create(surf);
	d->pc = pango_cairo_create_context(d->cr);
	/* PDF is resolution-free: lay out in points, unhinted, unrounded */
	pango_cairo_context_set_resolution(d->pc, 72);
	fo = cairo_font_options_create();
	cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
	cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
	pango_cairo_context_set_font_options(d->pc, fo);
	pango_context_set_round_glyph_positions(d->pc, FALSE);
	/* Han characters in their mainland (SC) forms, Chinese line breaking */
	pango_context_set_language(d->pc, pango_language_from_string("zh-cn"));
	for (int f = 0; f < F_COUNT; f++)
		d->font[f] = pango_font_description_from_string(font_names[f]);
	boxes_build(d, doc);
	if (!(d->notes = layout_new(d, F_SMALL, k->notes, TABLE_W, PANGO_ALIGN_LEFT))) {
		const struct cell c = { CELL_VALUE, 0, k->notes, NULL, NULL };
		rc = no_glyph(d, &c);
		goto out;
	}
	d->bottom = PAGE_H - MARGIN - NOTES_GAP - layout_h(d->notes);

	for (size_t i = 0; i < n; i++) {
		snprintf(d->where, sizeof d->where, "%s entry %zu", k->what, i + 1);
		if ((rc = header_draw(d, k->title, doc)) != FINCA_OK ||
		    (rc = k->page(d, (const char *)entries + i * k->size)) != FINCA_OK)
			goto out;
		layout_show(d, d->notes, MARGIN, d->y + NOTES_GAP);
		if ((rc = footer_draw(d, doc, i + 1, n)) != FINCA_OK)
			goto out;
		cairo_show_page(d->cr);
	}
	if (cairo_status(d->cr) != CAIRO_STATUS_SUCCESS) {
		rc = err_set(FINCA_EIO, "%s %s: drawing failed: %s", k->what, doc->id,
			     cairo_status_to_string(cairo_status(d->cr)));
		goto out;
	}
	cairo_surface_finish(surf);
	if (s.over || cairo_surface_status(surf) != CAIRO_STATUS_SUCCESS) {
		if (s.over)
			rc = err_why(FINCA_EINVAL, NULL, "form.pdf_large", "%s %s: the PDF would exceed %u bytes",
				     k->what, doc->id, FORMS_MAX_PDF);
		else
			rc = err_set(FINCA_EIO, "%s %s: %s", k->what, doc->id,
				     cairo_status_to_string(cairo_surface_status(surf)));
		goto out;
	}
	*out = s.buf;
	*outlen = s.len;
	s.buf = NULL;
	rc = FINCA_OK;
out:
	if (d->notes)
		g_object_unref(d->notes);
	for (int f = 0; f < F_COUNT; f++)
		if (d->font[f])
			pango_font_description_free(d->font[f]);
	if (fo)
		cairo_font_options_destroy(fo);
	if (d->pc)
		g_object_unref(d->pc);
	if (d->cr)
		cairo_destroy(d->cr);
	s.discard = 1;
	if (surf)
		cairo_surface_destroy(surf); /* finishes, when a failure left it open */
	free(s.buf);
	free(d);
	return rc;
}

static int render_file(const char *path, const struct form_kind *k,
		       const struct form_doc *doc, const void *entries, size_t n)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	int rc;

	if ((rc = render(k, doc, entries, n, &buf, &len)) == FINCA_OK)
		rc = file_write(path, buf, len, 0640);
	free(buf);
	return rc;
}

int forms_person_pdf_mem(const struct form_doc *doc, const struct form_person *p,
			 size_t n, unsigned char **out, size_t *outlen)
{
	return render(&person_form, doc, p, n, out, outlen);
}

int forms_unit_pdf_mem(const struct form_doc *doc, const struct form_unit *u,
		       size_t n, unsigned char **out, size_t *outlen)
{
	return render(&unit_form, doc, u, n, out, outlen);
}

int forms_pinreset_pdf_mem(const struct form_doc *doc,
			   const struct form_pinreset *r, size_t n,
			   unsigned char **out, size_t *outlen)
{
	return render(&pinreset_form, doc, r, n, out, outlen);
}

int forms_envelope_pdf_mem(const struct form_doc *doc,
			   const struct form_envelope *e, size_t n,
			   unsigned char **out, size_t *outlen)
{
	return render(&envelope_form, doc, e, n, out, outlen);
}

int forms_person_pdf(const char *path, const struct form_doc *doc,
		     const struct form_person *p, size_t n)
{
	return render_file(path, &person_form, doc, p, n);
}

int forms_unit_pdf(const char *path, const struct form_doc *doc,
		   const struct form_unit *u, size_t n)
{
	return render_file(path, &unit_form, doc, u, n);
}

int forms_pinreset_pdf(const char *path, const struct form_doc *doc,
		       const struct form_pinreset *r, size_t n)
{
	return render_file(path, &pinreset_form, doc, r, n);
}
