/* finca restore: a data directory back from a backup (backup.h).
 *
 * Everything is checked before anything is touched: the manifest, every
 * file's size and SHA-256, the store's kind and schema, then, on a copy
 * in a temporary sibling of the target, that the store opens and its
 * audit chain verifies with the issuing CA's key and ends at the record
 * the manifest names.  Only then does the copy take the target's place,
 * by rename: the target is either as it was or the restored one.  An
 * existing data directory is refused without force, and with it moved
 * aside (DIR.old-TIMESTAMP), never deleted.
 *
 * Serial numbers need nothing: each is 16 random octets with 88 random
 * bits (ca_random_serial), so certificates issued after the restore do
 * not meet those issued between the backup and the loss, except by a
 * 2^-88 chance.  CRL numbers are a counter (RFC 5280 5.2.3: monotonically
 * increasing), and the restored store does not know the CRLs published
 * after its backup: the restore sets a floor (store_crl_floor_raise), the
 * larger of the backup's next number and the restore's time in
 * milliseconds since the epoch.  A counter that started at 1 is far below
 * 1.7e12; a counter already lifted to a time by an earlier restore
 * reached, by the loss, at most that time plus the CRLs made since, which
 * stays below the new time unless more than one CRL a millisecond was
 * published on average (the daemon makes one per interval, minutes).  The
 * number still fits the 20 octets RFC 5280 allows, and every int64. */
#include "ca/backup.h"
#include "audit/audit.h"
#include "ca/config.h"
#include "store/store.h"
#include "util/err.h"
#include "util/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
	(void)sb;
	(void)flag;
	(void)f;
	return remove(p);
}

/* Removes a temporary directory of our own making. */
static void rm_tree(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* 1 when path exists and is not an empty directory */
static int occupied(const char *path)
{
	struct stat sb;
	DIR *d;
	struct dirent *e;
	int full = 0;

	if (lstat(path, &sb) != 0)
		return 0;
	if (!S_ISDIR(sb.st_mode) || !(d = opendir(path)))
		return 1;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			full = 1;
	closedir(d);
	return full;
}

/* Makes the directories of rel (a checked manifest path) under root. */
static int make_parents(const char *root, const char *rel)
{
	char buf[4096];
	size_t off = strlen(root) + 1;
	int n = snprintf(buf, sizeof buf, "%s/%s", root, rel);

	if (n < 0 || (size_t)n >= sizeof buf)
		return err_why(FINCA_EINVAL, NULL, "backup.long_path",
			       "%s/%s: path too long for a backup", root, rel);
	for (char *s = buf + off; (s = strchr(s, '/')); s++) {
		*s = '\0';
		if (mkdir(buf, 0700) != 0 && errno != EEXIST)
			return err_why(FINCA_EIO, "file", "backup.write", "%s: %s", buf,
				       strerror(errno));
		*s = '/';
	}
	return FINCA_OK;
}

/* The backup's files into tmp, each checked again as it is copied (the
 * backup may change between the check and the copy). */
static int copy_in(const struct manifest *m, const char *from, const char *tmp)
{
	int rc = FINCA_OK;

	for (size_t i = 0; i < m->nfiles && rc == FINCA_OK; i++) {
		const struct manifest_file *f = &m->files[i];
		char *s = path_join(from, f->path), *d = path_join(tmp, f->path);
		unsigned char h[32];
		uint64_t size;

		if ((rc = make_parents(tmp, f->path)) == FINCA_OK &&
		    (rc = backup_copy_file(s, d, 0600, h, &size)) == FINCA_OK &&
		    (size != f->size || memcmp(h, f->sha256, 32)))
			rc = err_why(FINCA_EINTEGRITY, "file", "backup.file_hash",
				     "%s: SHA-256 differs from the manifest's (altered or damaged)",
				     f->path);
		free(s);
		free(d);
	}
	return rc;
}

/* The restored store (at where) ends at the manifest's audit record. */
static int check_head(const struct manifest *m, const char *where)
{
	struct store *st = NULL;
	struct audit_rec last;
	char hex[2 * AUDIT_HASH_MAX + 1];
	int rc;

	memset(&last, 0, sizeof last);
	if ((rc = store_open(where, 0, &st)) != FINCA_OK)
		goto out;
	if ((rc = store_audit_last(st, &last)) != FINCA_OK)
		goto out;
	hex_encode(last.hash, last.hash_len, hex);
	if (last.seq != m->audit_seq || strcmp(hex, m->audit_hash))
		rc = err_why(FINCA_EINTEGRITY, "manifest", "backup.audit_head",
			     "the store's last audit record is %lld, the manifest names %lld with another hash",
			     (long long)last.seq, (long long)m->audit_seq);
out:
	audit_rec_clear(&last);
	store_free(st);
	return rc;
}

struct restore_arg {
	const char *actor, *from;
	const struct manifest *m;
	int64_t floor;
};

static int record_restore(struct ca *ca, void *arg)
{
	struct restore_arg *a = arg;
	json_t *d;
	int rc;

	if ((rc = store_crl_floor_raise(ca_store(ca), a->floor)) != FINCA_OK)
		return rc;
	d = json_pack("{s:s,s:I,s:I,s:I}", "from", a->from, "backup_time",
		      (json_int_t)a->m->time, "audit_seq", (json_int_t)a->m->audit_seq,
		      "crl_floor", (json_int_t)a->floor);
	rc = ca_audit(ca, a->actor, "ca.restore", "backup", d);
	json_decref(d);
	return rc;
}

/* Opens the copy as a CA: the audit chain verifies with the issuing
 * CA's key; then the floor and ca.restore, in one transaction. */
static int settle(const struct manifest *m, const char *from, const char *tmp,
		  const char *actor, struct restore_report *rep)
{
	struct ca *ca = NULL;
	struct audit_report ar;
	struct timeval tv;
	struct restore_arg a = { actor, from, m, 0 };
	int rc;

	if ((rc = ca_open(tmp, actor, &ca)) != FINCA_OK)
		goto out;
	if (!ca->issuing) {
		rc = err_why(FINCA_ESTATE, NULL, "backup.no_issuing",
			     "the backup has no issuing CA certificate: its audit chain cannot be checked");
		goto out;
	}
	if ((rc = audit_verify(ca_store(ca), ca->audit_md, X509_get0_pubkey(ca->issuing),
			       &ar)) != FINCA_OK)
		goto out;
	gettimeofday(&tv, NULL);
	a.floor = (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
	if (a.floor < m->crl_next)
		a.floor = m->crl_next;
	if ((rc = ca_atomic(ca, record_restore, &a)) != FINCA_OK)
		goto out;
	rep->audit_seq = m->audit_seq;
	rep->crl_floor = a.floor;
out:
	ca_free(ca);
	return rc;
}

struct then_arg {
	const struct manifest *m;
	const char *from, *tmp, *where, *actor;
	struct restore_report *rep;
};

/* The checks of the store once it is back (store_restore's then). */
static int restored(void *arg)
{
	struct then_arg *a = arg;
	int rc;

	if ((rc = check_head(a->m, a->where)) != FINCA_OK)
		return rc;
	return settle(a->m, a->from, a->tmp, a->actor, a->rep);
}

/* tmp/finca.conf naming the database url */
static int set_url(const char *tmp, const char *url)
{
	char *p = path_join(tmp, "finca.conf"), *conf = NULL;
	unsigned char *text = NULL;
	size_t len;
	int rc;

	if ((rc = file_read(p, MANIFEST_MAX, &text, &len)) != FINCA_OK)
		goto out;
	conf = store_conf_with_url((const char *)text, url);
	if (unlink(p) != 0) {
		rc = err_why(FINCA_EIO, "file", "backup.write", "%s: %s", p, strerror(errno));
		goto out;
	}
	rc = file_write(p, conf, strlen(conf), 0600);
out:
	free(conf);
	free(text);
	free(p);
	return rc;
}

/* Where the store of the data directory tmp is (its finca.conf); the
 * caller frees *out */
static int where_of(const char *tmp, char **out)
{
	char *p = path_join(tmp, "finca.conf");
	struct config *cfg = NULL;
	int rc;

	if ((rc = config_load(p, &cfg)) == FINCA_OK)
		*out = store_where(cfg, tmp);
	config_free(cfg);
	free(p);
	return rc;
}

/* DIR.old-YYYYMMDDTHHMMSSZ, or with -N when taken */
static void aside_name(const char *dir, char *out, size_t n)
{
	time_t t = time(NULL);
	struct tm tm;
	char ts[32];

	gmtime_r(&t, &tm);
	strftime(ts, sizeof ts, "%Y%m%dT%H%M%SZ", &tm);
	snprintf(out, n, "%s.old-%s", dir, ts);
	for (int i = 2; path_exists(out) && i < 1000; i++)
		snprintf(out, n, "%s.old-%s-%d", dir, ts, i);
}

int ca_restore(const char *from, const char *dir, const char *store_url, int force,
	       const char *actor, struct restore_report *rep)
{
	struct manifest *m = NULL;
	unsigned char *text = NULL;
	char *mpath = path_join(from, MANIFEST_NAME), *parent = NULL, *base = NULL;
	char tmp[4096] = "", *dcopy = xstrdup(dir), *bcopy = xstrdup(dir);
	char *where = NULL, *src = NULL;
	const char *sfile;
	struct then_arg ta;
	size_t len;
	int rc, exists;

	memset(rep, 0, sizeof *rep);
	if (!path_exists(mpath)) {
		rc = err_why(FINCA_ENOTFOUND, "manifest", "backup.no_manifest",
			     "%s: no manifest (not a backup, or one cut short)", from);
		goto out;
	}
	if ((rc = file_read(mpath, MANIFEST_MAX, &text, &len)) != FINCA_OK ||
	    (rc = manifest_parse((const char *)text, len, &m)) != FINCA_OK)
		goto out;
	if (!(sfile = store_backup_file(m->store))) {
		rc = err_why(FINCA_EINVAL, "manifest", "backup.unknown_store",
			     "store kind '%s': this finca restores sqlite and postgresql stores",
			     m->store);
		goto out;
	}
	if (store_url && !store_url_ok(store_url)) {
		rc = err_why(FINCA_EINVAL, "store", "store.url",
			     "[store] url: not a postgresql:// URL");
		goto out;
	}
	if (store_url && strcmp(m->store, "postgresql")) {
		rc = err_why(FINCA_EINVAL, "store", "backup.store_url",
			     "--store: the backup holds a %s store, which comes back into the data directory",
			     m->store);
		goto out;
	}
	if (m->schema > store_schema_latest()) {
		rc = err_why(FINCA_ESTATE, "manifest", "backup.schema_newer",
			     "the backup's schema version %d is newer than this finca's (%d): restore with finca %s or later",
			     m->schema, store_schema_latest(), m->version);
		goto out;
	}
	exists = occupied(dir);
	if (exists && !force) {
		rc = err_why(FINCA_ESTATE, "dir", "backup.target_exists",
			     "%s: a data directory is there: --force moves it aside", dir);
		goto out;
	}
	for (size_t i = 0; i < m->nfiles; i++)
		if ((rc = manifest_check_file(&m->files[i], from)) != FINCA_OK)
			goto out;
	/* a sibling: on the same file system, so that rename is atomic */
	parent = dirname(dcopy);
	base = basename(bcopy);
	snprintf(tmp, sizeof tmp, "%s/.%s.restore-XXXXXX", parent, base);
	if (!mkdtemp(tmp)) {
		rc = err_why(FINCA_EIO, "dir", "backup.write", "%s: %s", tmp, strerror(errno));
		tmp[0] = '\0';
		goto out;
	}
	chmod(tmp, 0750); /* as ca_init makes it */
	if ((rc = copy_in(m, from, tmp)) != FINCA_OK ||
	    (store_url && (rc = set_url(tmp, store_url)) != FINCA_OK) ||
	    (rc = where_of(tmp, &where)) != FINCA_OK)
		goto out;
	/* the store back (SQLite: the copy is finca.db, in place already;
	 * PostgreSQL: loaded into its empty database), then checked and
	 * settled; a check that fails takes the load back */
	src = path_join(tmp, sfile);
	ta = (struct then_arg){ m, from, tmp, where, actor, rep };
	if ((rc = store_restore(m->store, src, where, restored, &ta)) != FINCA_OK)
		goto out;
	/* a dump is no part of a data directory */
	if (strcmp(src, where) && unlink(src) != 0) {
		rc = err_why(FINCA_EIO, "file", "backup.write", "%s: %s", src, strerror(errno));
		goto out;
	}
	/* XXX: from here a failure leaves a loaded PostgreSQL database
	 * without its data directory; the restore can be run again into
	 * another database (--store) */
	if (exists) {
		/* one atomic swap, then the old one gets its name */
		aside_name(dir, rep->moved_aside, sizeof rep->moved_aside);
		if (renameat2(AT_FDCWD, tmp, AT_FDCWD, dir, RENAME_EXCHANGE) != 0) {
			rc = err_why(FINCA_EIO, "dir", "backup.rename", "%s: %s", dir,
				     strerror(errno));
			goto out;
		}
		if (rename(tmp, rep->moved_aside) != 0) {
			/* the restore is in place; the old one keeps tmp's name */
			snprintf(rep->moved_aside, sizeof rep->moved_aside, "%s", tmp);
		}
		tmp[0] = '\0';
	} else {
		/* rename replaces an empty directory */
		if (rename(tmp, dir) != 0) {
			rc = err_why(FINCA_EIO, "dir", "backup.rename", "%s: %s", dir,
				     strerror(errno));
			goto out;
		}
		tmp[0] = '\0';
	}
	rep->files = m->nfiles;
out:
	if (tmp[0])
		rm_tree(tmp);
	manifest_free(m);
	free(text);
	free(mpath);
	free(where);
	free(src);
	free(dcopy);
	free(bcopy);
	return rc;
}
