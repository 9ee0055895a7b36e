/* The store's side of a backup and a restore (src/ca/backup.c,
 * restore.c): the copy through the driver, and the CRL-number floor a
 * restored store keeps. */
#include "store/store.h"
#include "store/store_int.h"
#include "util/err.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

const char *store_kind(struct store *st)
{
	return st->db->ops->name;
}

int store_backup(struct store *st, const char *dest)
{
	const struct db_ops *o = st->db->ops;

	if (!o->backup)
		return err_why(FINCA_ESTATE, NULL, "backup.store_kind",
			       "a %s store cannot be backed up by finca: use the database's own tools",
			       o->name);
	if (o->backup(st->db, dest) != 0)
		return FINCA_ESTORE; /* the driver set the error */
	return FINCA_OK;
}

int store_crl_floor_raise(struct store *st, int64_t floor)
{
	char *v = NULL, buf[32];
	int rc;

	rc = store_meta_get(st, STORE_META_CRL_FLOOR, &v);
	if (rc == FINCA_OK) {
		int64_t old = strtoll(v, NULL, 10);
		free(v);
		if (old >= floor)
			return FINCA_OK;
	} else if (rc != FINCA_ENOTFOUND) {
		return rc;
	}
	snprintf(buf, sizeof buf, "%" PRId64, floor);
	return store_meta_set(st, STORE_META_CRL_FLOOR, buf);
}
