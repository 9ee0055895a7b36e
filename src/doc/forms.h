/* The three application forms of the regulation's annex (附件1-3), pre-filled
 * and printable as PDF (A4 portrait), to be signed and stamped on paper:
 *
 *   forms_person_pdf*   个人数字证书申请表       one page per person
 *   forms_unit_pdf*     单位数字证书申请表       one page per unit
 *   forms_pinreset_pdf* 证书介质USBKey密码初始化申请表  one page per USBKey
 *   forms_envelope_pdf_mem  USBKey密码信封 (not an annex form: the PIN
 *                       envelope the operator's agent prints)
 *
 * Every page carries the document's id and "第x页/共y页" in its footer, so
 * the stamped paper of a batch can be matched to the batch again.
 *
 * XXX: the regulation's text names the three forms but does not reproduce
 * them; their fields follow what the articles ask for (art. 12 信息员, 15 the
 * user data, 19 stamps of the applying unit and the approving department,
 * 20 handover, 22 old USBKey returned, 23 PIN rules).  Compare with the
 * paper forms when they are at hand.
 *
 * All strings are borrowed, UTF-8, printed as plain text (never markup); a
 * NULL or "" value leaves its cell blank to be filled in by hand.  Invalid
 * UTF-8, control characters other than line breaks, a value over
 * FORMS_MAX_FIELD bytes, a character no installed font can draw, or an
 * entry that does not fit on its page are refused with FINCA_EINVAL naming
 * the entry and the struct member ("personal form entry 2: name is not
 * valid UTF-8").
 *
 * Text is set with pango in "Noto Serif CJK SC" / "Noto Sans CJK SC"
 * (fonts-noto-cjk); cairo embeds the subset of glyphs used. */
#ifndef FINCA_DOC_FORMS_H
#define FINCA_DOC_FORMS_H

#include <stddef.h>

#define FORMS_MAX_FIELD 600          /* bytes per value (200 CJK characters) */
#define FORMS_MAX_ID 64              /* bytes of form_doc's id and date */
#define FORMS_MAX_PAGES 1000         /* entries per document */
#define FORMS_MAX_PDF (64u << 20)    /* bytes of PDF output */

/* 业务类型: the operations of art. 5 and 19, ticked on the form. */
enum form_op {
	FORM_OP_APPLY,     /* 申请 */
	FORM_OP_RENEW,     /* 延期 */
	FORM_OP_UPDATE,    /* 更新 */
	FORM_OP_REISSUE,   /* 补办 */
	FORM_OP_FREEZE,    /* 冻结 */
	FORM_OP_UNFREEZE,  /* 解冻 */
	FORM_OP_REVOKE,    /* 注销 */
	FORM_OP_AUTHORIZE, /* 访问授权 */
};

/* Why a USBKey's PIN is to be initialised, ticked on form 3. */
enum form_pin_cause {
	FORM_PIN_FORGOTTEN, /* 忘记PIN码 */
	FORM_PIN_LOCKED,    /* PIN码已锁定 */
	FORM_PIN_OTHER,     /* 其他 (say which in reason) */
};

/* What every page of one document shares. */
struct form_doc {
	const char *id;       /* request or batch id; required */
	const char *date;     /* 填表日期 as printed, e.g. "2026年3月2日";
			       * NULL: blanks to fill in by hand */
	const char *officer;  /* the applying unit's 信息员 (art. 12) */
	const char *approver; /* 证书审批单位, the 处室/科室 (art. 7, 8) */
	const char *maker;    /* 证书制作管理单位 (art. 4) */
};

/* 附件1: the user data of art. 15 and the operation asked for. */
struct form_person {
	const char *name;        /* 姓名 */
	const char *id_number;   /* 身份证号 */
	const char *unit;        /* 所属单位 */
	const char *unit_code;   /* 单位编码 */
	const char *unit_type;   /* 机构类型 */
	const char *phone;       /* 联系电话 */
	const char *email;       /* 电子邮箱 */
	enum form_op op;         /* 业务类型 */
	const char *reason;      /* 申请原因 (what changed, lost or damaged, ...) */
	const char *app_systems; /* 应用系统及权限 */
	const char *old_cert;    /* 原证书序列号 (renew, update, reissue, ...) */
	const char *old_token;   /* 原USBKey编号, to be handed back (art. 22) */
};

/* 附件2: a certificate for the applying unit itself. */
struct form_unit {
	const char *name;          /* 单位名称 */
	const char *unit_code;     /* 单位编码 (统一社会信用代码) */
	const char *unit_type;     /* 机构类型 */
	const char *region;        /* 所属地区 (node, e.g. "福州市（350100）") */
	const char *phone;         /* 单位电话 */
	const char *address;       /* 单位地址 */
	const char *officer;       /* 信息员 (art. 12) */
	const char *officer_id;    /* 信息员身份证号 */
	const char *officer_phone; /* 信息员联系电话 */
	const char *officer_email; /* 信息员电子邮箱 */
	enum form_op op;           /* 业务类型 */
	const char *reason;        /* 申请原因 */
	const char *app_systems;   /* 证书用途及应用系统 */
	const char *old_cert;      /* 原证书序列号 */
	const char *old_token;     /* 原USBKey编号 */
};

/* 附件3: the user PIN of one USBKey to be reset with the SO PIN. */
struct form_pinreset {
	const char *name;         /* 姓名 */
	const char *id_number;    /* 身份证号 */
	const char *unit;         /* 所属单位 */
	const char *unit_code;    /* 单位编码 */
	const char *phone;        /* 联系电话 */
	const char *token_serial; /* USBKey编号 */
	const char *cert_serial;  /* 证书序列号 */
	enum form_pin_cause cause;
	const char *reason;       /* 情况说明 */
};

/* The PIN envelope (密码信封) of a USBKey made or reset: the default PIN
 * and the loss-report code (挂失码, art. 25), printed once where the
 * USBKey is made.  The server never sees the PIN: the operator's agent
 * renders this page itself (agent/produce.c) and hands the PDF bytes only
 * to the console page that asked, to print. */
struct form_envelope {
	const char *name;         /* 姓名 */
	const char *unit;         /* 所属单位 */
	const char *token_serial; /* USBKey编号 */
	const char *cert_serial;  /* 证书序列号 */
	const char *pin;          /* 默认PIN码 */
	const char *loss_code;    /* 挂失码 */
};

/* Each renders n entries (1..FORMS_MAX_PAGES), one page each, into a new
 * buffer *out of *outlen bytes (caller frees with free()).  *out is set
 * only on success. */
int forms_person_pdf_mem(const struct form_doc *doc,
			 const struct form_person *p, size_t n,
			 unsigned char **out, size_t *outlen);
int forms_unit_pdf_mem(const struct form_doc *doc,
		       const struct form_unit *u, size_t n,
		       unsigned char **out, size_t *outlen);
int forms_pinreset_pdf_mem(const struct form_doc *doc,
			   const struct form_pinreset *r, size_t n,
			   unsigned char **out, size_t *outlen);

int forms_envelope_pdf_mem(const struct form_doc *doc,
			   const struct form_envelope *e, size_t n,
			   unsigned char **out, size_t *outlen);

/* The same written to path (mode 0640: the forms carry ID numbers). */
int forms_person_pdf(const char *path, const struct form_doc *doc,
		     const struct form_person *p, size_t n);
int forms_unit_pdf(const char *path, const struct form_doc *doc,
		   const struct form_unit *u, size_t n);
int forms_pinreset_pdf(const char *path, const struct form_doc *doc,
		       const struct form_pinreset *r, size_t n);

#endif
