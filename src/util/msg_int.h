/* Private to the catalogue (util/msg*.c): its parts' tables. */
#ifndef FINCA_MSG_INT_H
#define FINCA_MSG_INT_H

#include <stddef.h>

struct msg_entry {
	const char *key, *zh;
};
/* Each table ends with { NULL, NULL }. */
struct msg_table {
	const struct msg_entry *reasons, *fields;
};

/* The parts, one file each (msg_zh_*.c). */
extern const struct msg_table msg_zh_door, msg_zh_core, msg_zh_ra, msg_zh_names,
	msg_zh_produce, msg_zh_backup, msg_zh_km, msg_zh_import;

#endif
