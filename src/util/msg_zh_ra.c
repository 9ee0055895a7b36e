/* The Chinese catalogue (see msg_zh.c), this part: the registration authority:
 * organisations, requests, batches, grants, the spreadsheet, notices. */
#include "util/msg_int.h"

static const struct msg_entry reasons[] = {
	{ NULL, NULL },
};

static const struct msg_entry fields[] = {
	{ NULL, NULL },
};

const struct msg_table msg_zh_ra = { reasons, fields };
