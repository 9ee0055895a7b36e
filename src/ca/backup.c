/* finca backup: a consistent copy of a data directory while the CA runs
 * (backup.h).
 *
 * The store is copied through its driver (store_backup, as of one
 * commit, writers going on: SQLite's online backup API into finca.db,
 * PostgreSQL's pg_dump of an exported snapshot into finca.pgdump, the
 * manifest's audit head and CRL number read in that same snapshot); the
 * other files are
 * copied as they are on disk: finca.conf, the CA certificates and their
 * keys, which are PKCS#8 encrypted under the CA passphrase and stay so
 * (nothing here decrypts; a backup is no weaker than the data directory).
 * The manifest is written last: a backup cut short has none, and restore
 * refuses it.
 *
 * ca.backup is appended to the live store BEFORE the copy: the record is
 * then inside the backup, covered by the manifest's audit head, so a
 * restored trail shows which backup it came from; a record made after the
 * copy would be lost with the store the backup is there to replace. */
#include "ca/backup.h"
#include "store/store.h"
#include "util/err.h"
#include "util/util.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DIR_DEPTH_MAX 8

/* The store's own files: the store is copied through its driver. */
static int is_store_file(const char *rel)
{
	return !strcmp(rel, "finca.db") || !strcmp(rel, "finca.db-wal") ||
	       !strcmp(rel, "finca.db-shm") || !strcmp(rel, "finca.db-journal") ||
	       !strcmp(rel, "finca.pgdump");
}

/* Copies every regular file under src/rel (rel "" at the top) into
 * dst/rel, adding each to m. */
static int copy_tree(const char *src, const char *dst, const char *rel, int depth,
		     struct manifest *m)
{
	char *sdir = *rel ? path_join(src, rel) : xstrdup(src);
	DIR *d = NULL;
	struct dirent *e;
	int rc = FINCA_OK;

	if (depth > DIR_DEPTH_MAX) {
		rc = err_why(FINCA_EINVAL, NULL, "backup.deep",
			     "%s: directories nested deeper than %d", sdir, DIR_DEPTH_MAX);
		goto out;
	}
	if (!(d = opendir(sdir))) {
		rc = err_why(FINCA_EIO, "file", "backup.read", "%s: %s", sdir, strerror(errno));
		goto out;
	}
	while (rc == FINCA_OK && (e = readdir(d))) {
		char r[MANIFEST_PATH_MAX], *sp = NULL, *dp = NULL;
		struct stat sb;
		unsigned char h[32];
		uint64_t size;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if ((size_t)snprintf(r, sizeof r, "%s%s%s", rel, *rel ? "/" : "", e->d_name) >=
		    sizeof r) {
			rc = err_why(FINCA_EINVAL, NULL, "backup.long_path",
				     "%s/%s: path too long for a backup", sdir, e->d_name);
			break;
		}
		if (!*rel && is_store_file(r))
			continue;
		sp = path_join(src, r);
		dp = path_join(dst, r);
		if (lstat(sp, &sb) != 0) {
			rc = err_why(FINCA_EIO, "file", "backup.read", "%s: %s", sp, strerror(errno));
		} else if (S_ISDIR(sb.st_mode)) {
			if (mkdir(dp, 0700) != 0)
				rc = err_why(FINCA_EIO, "file", "backup.write", "%s: %s", dp,
					     strerror(errno));
			else
				rc = copy_tree(src, dst, r, depth + 1, m);
		} else if (S_ISREG(sb.st_mode)) {
			/* 0600: the keys are encrypted, but the rest is
			 * nobody else's business either */
			if ((rc = backup_copy_file(sp, dp, 0600, h, &size)) == FINCA_OK)
				manifest_add(m, r, h, size);
		}
		/* sockets, fifos, symbolic links: not the CA's data */
		free(sp);
		free(dp);
	}
out:
	if (d)
		closedir(d);
	free(sdir);
	return rc;
}

/* Empty or absent: a backup never mixes with other files. */
static int dir_fresh(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int empty = 1;

	if (!d)
		return errno == ENOENT ? 1 : 0;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			empty = 0;
	closedir(d);
	return empty;
}

/* 1 when dir (made) lies inside the data directory: the copy would
 * copy itself */
static int inside(const char *dir, const char *data)
{
	char *a = realpath(dir, NULL), *b = realpath(data, NULL);
	size_t n = b ? strlen(b) : 0;
	int in = a && b && !strncmp(a, b, n) && (a[n] == '/' || a[n] == '\0');

	free(a);
	free(b);
	return in;
}

/* What the copied store holds, into the manifest. */
static void describe_copy(const struct store_copy *c, struct manifest *m)
{
	snprintf(m->store, sizeof m->store, "%s", c->kind);
	m->schema = c->schema;
	m->crl_next = c->crl_next;
	m->audit_seq = c->last.seq;
	hex_encode(c->last.hash, c->last.hash_len, m->audit_hash);
}

struct record_arg {
	const char *actor, *dir;
};

static int record_backup(struct ca *ca, void *arg)
{
	struct record_arg *a = arg;
	json_t *d = json_pack("{s:s}", "dir", a->dir);
	int rc = ca_audit(ca, a->actor, "ca.backup", "backup", d);

	json_decref(d);
	return rc;
}

int ca_backup(struct ca *ca, const char *actor, const char *dir, struct manifest **out)
{
	struct manifest *m = xcalloc(1, sizeof *m);
	struct record_arg ra = { actor, dir };
	struct store_copy copy;
	const char *sfile;
	char *db = NULL, *mpath = NULL, *text = NULL;
	unsigned char h[32];
	uint64_t size;
	int rc;

	memset(&copy, 0, sizeof copy);
	if (!dir_fresh(dir)) {
		rc = err_why(FINCA_ESTATE, "dir", "backup.not_empty",
			     "%s: not empty (a backup goes into a new directory)", dir);
		goto out;
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		rc = err_why(FINCA_EIO, "dir", "backup.write", "%s: %s", dir, strerror(errno));
		goto out;
	}
	if (inside(dir, ca->dir)) {
		rmdir(dir);
		rc = err_why(FINCA_EINVAL, "dir", "backup.inside",
			     "%s: inside the data directory %s: a backup goes elsewhere", dir,
			     ca->dir);
		goto out;
	}
	if ((rc = ca_atomic(ca, record_backup, &ra)) != FINCA_OK)
		goto out;
	m->time = clock_now(); /* the snapshot's, near enough */
	/* ca_atomic opened the store: its kind is known */
	sfile = store_backup_file(store_kind(ca_store(ca)));
	db = path_join(dir, sfile);
	if ((rc = store_backup(ca_store(ca), db, &copy)) != FINCA_OK)
		goto out;
	describe_copy(&copy, m);
	if ((rc = backup_copy_file(db, NULL, 0, h, &size)) != FINCA_OK)
		goto out;
	manifest_add(m, sfile, h, size);
	if ((rc = copy_tree(ca->dir, dir, "", 0, m)) != FINCA_OK)
		goto out;
	m->format = 1;
	snprintf(m->version, sizeof m->version, "%s", FINCA_VERSION);
	text = manifest_format(m);
	mpath = path_join(dir, MANIFEST_NAME);
	if ((rc = file_write(mpath, text, strlen(text), 0600)) != FINCA_OK)
		goto out;
	if (out) {
		*out = m;
		m = NULL;
	}
out:
	store_copy_clear(&copy);
	manifest_free(m);
	free(db);
	free(mpath);
	free(text);
	return rc;
}
