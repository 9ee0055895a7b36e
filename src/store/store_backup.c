/* The store's side of a backup and a restore (src/ca/backup.c,
 * restore.c): the copy through the driver (db.h's backup and restore:
 * SQLite's online backup API in db_sqlite.c, pg_dump and pg_restore in
 * pg_backup.c), what the copy holds, and the CRL-number floor a restored
 * store keeps. */
#include "store/store.h"
#include "store/store_int.h"
#include "util/err.h"
#include "util/util.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *store_kind(struct store *st)
{
	return st->db->ops->name;
}

static const struct db_ops *const drivers[] = { &db_sqlite, &db_pg };

static const struct db_ops *driver_of(const char *kind)
{
	for (size_t i = 0; i < ARRAY_LEN(drivers); i++)
		if (!strcmp(drivers[i]->name, kind))
			return drivers[i];
	return NULL;
}

const char *store_backup_file(const char *kind)
{
	const struct db_ops *o = driver_of(kind);

	return o ? o->backup_file : NULL;
}

void store_copy_clear(struct store_copy *c)
{
	audit_rec_clear(&c->last);
	memset(c, 0, sizeof *c);
}

/* The copy as st sees it now: inside the driver's snapshot, or st opened
 * on the copy itself. */
static int describe(struct store *st, struct store_copy *c)
{
	int rc;

	snprintf(c->kind, sizeof c->kind, "%s", store_kind(st));
	if ((c->schema = store_schema_version(st)) < 0)
		return err_set(FINCA_ESTORE, "database: %s", db_errmsg(st->db));
	if ((rc = store_audit_last(st, &c->last)) != FINCA_OK ||
	    (rc = store_crl_next_number(st, &c->crl_next)) != FINCA_OK)
		return rc;
	return FINCA_OK;
}

struct within_arg {
	struct store *st;
	struct store_copy *c;
	int called;
};

static int within(void *arg)
{
	struct within_arg *a = arg;

	a->called = 1;
	return describe(a->st, a->c);
}

int store_backup(struct store *st, const char *dest, struct store_copy *out)
{
	const struct db_ops *o = st->db->ops;
	struct within_arg a = { st, out, 0 };
	struct store *copy = NULL;
	int rc;

	memset(out, 0, sizeof *out);
	if (!o->backup)
		return err_why(FINCA_ESTATE, NULL, "backup.store_kind",
			       "a %s store cannot be backed up by finca: use the database's own tools",
			       o->name);
	if ((rc = o->backup(st->db, dest, within, &a)) != FINCA_OK)
		goto out;
	if (!a.called) {
		/* a copy the store opens (SQLite) */
		if ((rc = store_open(dest, 0, &copy)) != FINCA_OK)
			goto out;
		rc = describe(copy, out);
	}
out:
	store_free(copy);
	if (rc != FINCA_OK)
		store_copy_clear(out);
	return rc;
}

int store_restore(const char *kind, const char *src, const char *where,
		  int (*then)(void *arg), void *arg)
{
	const struct db_ops *o = driver_of(kind);

	if (!o)
		return err_why(FINCA_EINVAL, "manifest", "backup.unknown_store",
			       "store kind '%s': this finca restores sqlite and postgresql stores",
			       kind);
	if (o != db_driver(where))
		return err_why(FINCA_EINVAL, "store", "backup.store_mismatch",
			       "the backup holds a %s store, the configuration names a %s one",
			       kind, db_driver(where)->name);
	if (!o->restore)
		return then(arg); /* the copy is in place already */
	return o->restore(where, src, then, arg);
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
