/* A backup's manifest (ca/backup.h): a good one round-trips; bad ones
 * (wrong order, unknown keys, bad numbers and hashes, paths that leave
 * the directory, duplicates, truncation, a missing store) are refused
 * naming the line; a file that does not hash as listed is found. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ca/backup.h"
#include "util/err.h"
#include "util/util.h"

#define H64 "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"
#define HEAD "finca-backup 1\nversion 0.1.0\nschema 13\nstore sqlite\ntime 1764940000\n" \
	"audit_seq 42\naudit_hash " H64 "\ncrl_next 7\n"
#define FILES "file " H64 " 0 finca.db\nfile " H64 " 0 finca.conf\n"

static int parse(const char *text, struct manifest **m)
{
	*m = NULL;
	return manifest_parse(text, strlen(text), m);
}

static void good(void **state)
{
	struct manifest *m, *m2;
	char *s;

	(void)state;
	assert_int_equal(parse(HEAD FILES "file " H64 " 0 ca/issuing.key\n", &m), FINCA_OK);
	assert_string_equal(m->store, "sqlite");
	assert_int_equal(m->schema, 13);
	assert_int_equal(m->audit_seq, 42);
	assert_int_equal(m->crl_next, 7);
	assert_int_equal(m->nfiles, 3);
	assert_string_equal(m->files[2].path, "ca/issuing.key");
	s = manifest_format(m);
	assert_int_equal(parse(s, &m2), FINCA_OK);
	assert_string_equal(s, HEAD FILES "file " H64 " 0 ca/issuing.key\n");
	free(s);
	manifest_free(m);
	manifest_free(m2);
}

static void refused(const char *text, const char *reason, const char *in_msg)
{
	struct manifest *m = NULL;

	assert_int_equal(parse(text, &m), FINCA_EINVAL);
	assert_null(m);
	assert_string_equal(err_reason(), reason);
	if (!strstr(err_msg(), in_msg))
		fail_msg("'%s' not in '%s'", in_msg, err_msg());
}

static void bad(void **state)
{
	(void)state;
	refused("", "backup.manifest_short", "'finca-backup' missing");
	refused("finca-backup 2\n", "backup.manifest", "line 1: unknown manifest format");
	refused(HEAD FILES "extra x\n", "backup.manifest_key", "line 11: expected 'file'");
	refused("version 0.1.0\n", "backup.manifest_key", "expected 'finca-backup'");
	refused("finca-backup 1\nversion 0.1.0\nschema x\n", "backup.manifest", "line 3: bad schema");
	refused("finca-backup 1\nversion 0.1.0\nschema -3\n", "backup.manifest", "bad schema");
	refused(HEAD, "backup.manifest_short", "finca.db and finca.conf");
	refused(HEAD FILES "file " H64 " 0 finca.db\n", "backup.manifest", "listed twice");
	refused(HEAD "file " H64 " 0 ../etc/passwd\n", "backup.manifest", "bad path");
	refused(HEAD "file " H64 " 0 /etc/passwd\n", "backup.manifest", "bad path");
	refused(HEAD "file " H64 " 0 ca/./x\n", "backup.manifest", "bad path");
	refused(HEAD "file " H64 " 0 ca//x\n", "backup.manifest", "bad path");
	refused(HEAD "file " H64 " 0 manifest\n", "backup.manifest", "bad path");
	refused(HEAD "file " H64 " -1 finca.db\n", "backup.manifest", "bad size");
	refused(HEAD "file " H64 " 1x finca.db\n", "backup.manifest", "bad size");
	refused(HEAD "file ABC 0 finca.db\n", "backup.manifest", "bad SHA-256");
	refused(HEAD "file " H64 "\n", "backup.manifest", "expected SHA256 SIZE PATH");
	refused(HEAD FILES "file " H64 " 0 ca/x", "backup.manifest", "not ended by a newline");
	refused("finca-backup 1\nversion 0.1.0\nschema 13\nstore sqlite\ntime 1\naudit_seq 1\n"
		"audit_hash 12\n", "backup.manifest", "audit_hash");
	refused("finca-backup 1\nversion 0.1.0\nschema 13\nstore sqlite\ntime 1\naudit_seq 0\n",
		"backup.manifest", "bad audit_seq");
}

static void check_file(void **state)
{
	char dir[] = "/tmp/test_backup.XXXXXX", *p;
	struct manifest *m;
	unsigned char h[32];
	uint64_t size;

	(void)state;
	assert_non_null(mkdtemp(dir));
	p = path_join(dir, "finca.db");
	assert_int_equal(file_write(p, "", 0, 0600), FINCA_OK);
	assert_int_equal(parse(HEAD FILES, &m), FINCA_OK);
	/* the empty file hashes as H64 */
	assert_int_equal(manifest_check_file(&m->files[0], dir), FINCA_OK);
	assert_int_equal(file_write(p, "x", 1, 0600), FINCA_OK);
	assert_int_equal(manifest_check_file(&m->files[0], dir), FINCA_EINTEGRITY);
	assert_string_equal(err_reason(), "backup.file_size");
	/* same size, other bytes */
	assert_int_equal(backup_copy_file(p, NULL, 0, h, &size), FINCA_OK);
	m->files[0].size = 1;
	assert_int_equal(manifest_check_file(&m->files[0], dir), FINCA_EINTEGRITY);
	assert_string_equal(err_reason(), "backup.file_hash");
	memcpy(m->files[0].sha256, h, 32);
	assert_int_equal(manifest_check_file(&m->files[0], dir), FINCA_OK);
	/* finca.conf is not there */
	assert_int_equal(manifest_check_file(&m->files[1], dir), FINCA_EIO);
	unlink(p);
	rmdir(dir);
	free(p);
	manifest_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good),
		cmocka_unit_test(bad),
		cmocka_unit_test(check_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
