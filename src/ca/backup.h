/* Backups of a data directory and their restore (issue 17 item 4).
 *
 * A backup is a directory: the store copied online (store_backup:
 * finca.db for SQLite, finca.pgdump, pg_dump's custom format, for
 * PostgreSQL), every
 * other file of the data directory as it is on disk (the CA keys stay
 * encrypted under the CA passphrase: nothing is decrypted), and a
 * "manifest" naming each file with its SHA-256 and size, the finca and
 * schema versions, the store's kind, the time, the last audit record of
 * the copied store and the next CRL number it would have given.
 *
 * Manifest format (text, one "key value" a line, in this order):
 *   finca-backup 1
 *   version 0.1.0
 *   schema 13
 *   store sqlite               (or postgresql)
 *   time 1764940000            (seconds since the epoch)
 *   audit_seq 42
 *   audit_hash 3FA2...         (hex, the record's chain hash)
 *   crl_next 7
 *   file SHA256HEX SIZE PATH   (one a file; PATH relative, no "..")
 */
#ifndef FINCA_BACKUP_H
#define FINCA_BACKUP_H

#include "ca/ca.h"

#include <stddef.h>
#include <stdint.h>

#ifndef FINCA_VERSION
#define FINCA_VERSION "0.1.0"
#endif

#define MANIFEST_NAME "manifest"
#define MANIFEST_MAX (1 << 20)   /* bytes */
#define MANIFEST_FILES_MAX 10000
#define MANIFEST_PATH_MAX 256

struct manifest_file {
	char *path;                 /* owned; relative, checked */
	unsigned char sha256[32];
	uint64_t size;
};

struct manifest {
	int format;
	char version[32], store[16];
	int schema;
	int64_t time, audit_seq, crl_next;
	char audit_hash[2 * 64 + 1]; /* uppercase hex */
	struct manifest_file *files; /* owned */
	size_t nfiles;
};

/* Parses text (len bytes).  Every line is checked: an unknown or missing
 * key, a bad number, hash or path, a duplicate file, or a backup without
 * its store's copy (finca.db, finca.pgdump) or finca.conf is FINCA_EINVAL (reason backup.manifest, the line
 * named).  *out is the caller's (manifest_free). */
int manifest_parse(const char *text, size_t len, struct manifest **out);
/* The manifest as text (caller frees). */
char *manifest_format(const struct manifest *m);
/* Adds a file (path copied). */
void manifest_add(struct manifest *m, const char *path, const unsigned char sha256[32],
		  uint64_t size);
/* Checks dir/f->path against f: FINCA_EINTEGRITY (backup.file_size,
 * backup.file_hash) when it differs, FINCA_EIO when it cannot be read. */
int manifest_check_file(const struct manifest_file *f, const char *dir);
void manifest_free(struct manifest *m);

/* Copies src to dst (created, mode), its SHA-256 and size into sha256 and
 * *size (either may be NULL). */
int backup_copy_file(const char *src, const char *dst, int mode,
		     unsigned char sha256[32], uint64_t *size);

/* Backs up ca's data directory into dir (made; it must not exist or be
 * empty) while the CA stays in use.  Appends ca.backup by actor first (see
 * backup.c).  *out (may be NULL) gets the manifest (caller's). */
int ca_backup(struct ca *ca, const char *actor, const char *dir, struct manifest **out);

struct restore_report {
	char moved_aside[4096]; /* where the old data directory went, or "" */
	int64_t audit_seq, crl_floor;
	size_t files;
};
/* Restores the backup in from into the data directory dir.  Checks
 * everything first; refuses an existing data directory unless force, and
 * then moves it aside (dir.old-TIMESTAMP).  The new directory appears at
 * once (rename); on failure dir is as it was.  A PostgreSQL store is
 * loaded into the database its finca.conf names, or store_url (then
 * written into the restored finca.conf; NULL: as backed up), which must
 * hold no table, force or not (store_restore).  Appends ca.restore by
 * actor in the restored store. */
int ca_restore(const char *from, const char *dir, const char *store_url, int force,
	       const char *actor, struct restore_report *rep);

#endif
