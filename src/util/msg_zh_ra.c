/* The Chinese catalogue (see msg_zh.c), this part: the registration authority:
 * organisations, requests, batches, grants, the spreadsheet, notices. */
#include "util/msg_int.h"

static const struct msg_entry reasons[] = {
	/* the audit trail's export (trail.c) */
	{ "audit.export_cap", "符合条件的审计记录超过 {1} 条，请缩小查找条件（起始日期、操作者、操作、对象）后再导出" },
	{ NULL, NULL },
};

static const struct msg_entry fields[] = {
	{ NULL, NULL },
};

const struct msg_table msg_zh_ra = { reasons, fields };
