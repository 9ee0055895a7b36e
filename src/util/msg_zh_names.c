/* The Chinese catalogue (see msg_zh.c), this part: people's names on
 * accounts (issue 14), and the messages that had no reason yet: the
 * spreadsheet writer (src/doc/sheet_write.c), notices (src/notify/), a
 * certificate the store does not have, and the signing agent
 * (src/agent/http.c). */
#include "util/msg_int.h"

static const struct msg_entry reasons[] = {
	/* accounts' person names (auth/account.c) */
	{ "account.person", "姓名最多32个字，不能含控制字符，首尾不能有空格" },

	{ NULL, NULL },
};

static const struct msg_entry fields[] = {
	{ "person", "姓名" },
	{ "making_unit", "证书制作管理单位" },
	{ NULL, NULL },
};

const struct msg_table msg_zh_names = { reasons, fields };
