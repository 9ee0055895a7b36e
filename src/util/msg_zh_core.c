/* The Chinese catalogue (see msg_zh.c), this part: the core below the registration
 * authority: util, crypto, store, audit, ca, token. */
#include "util/msg_int.h"

static const struct msg_entry reasons[] = {
	{ NULL, NULL },
};

static const struct msg_entry fields[] = {
	{ NULL, NULL },
};

const struct msg_table msg_zh_core = { reasons, fields };
