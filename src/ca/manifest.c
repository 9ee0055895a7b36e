/* A backup's manifest (backup.h): what a backup holds and what each file
 * must hash to.  It comes from outside (a backup directory may have been
 * carried on a disk): every line is checked, nothing is guessed. */
#include "ca/backup.h"
#include "store/store.h"
#include "util/err.h"
#include "util/util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void manifest_free(struct manifest *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nfiles; i++)
		free(m->files[i].path);
	free(m->files);
	free(m);
}

void manifest_add(struct manifest *m, const char *path, const unsigned char sha256[32],
		  uint64_t size)
{
	struct manifest_file *f;

	m->files = xrealloc(m->files, (m->nfiles + 1) * sizeof *m->files);
	f = &m->files[m->nfiles++];
	f->path = xstrdup(path);
	memcpy(f->sha256, sha256, 32);
	f->size = size;
}

static int bad(int line, const char *what)
{
	return err_why(FINCA_EINVAL, "manifest", "backup.manifest",
		       "line %d: %s", line, what);
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* n bytes of hex (exactly 2n digits) into out */
static int hex_decode(const char *s, size_t slen, unsigned char *out, size_t n)
{
	if (slen != 2 * n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int hi = hex_value(s[2 * i]), lo = hex_value(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

static int parse_i64(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

/* A relative path of plain components: no "/" first or last, no "//",
 * no "." or "..", printable ASCII without "\\" (where a restore writes
 * must be inside the new data directory). */
static int path_ok(const char *p)
{
	const char *c = p;
	size_t n = strlen(p);

	if (n == 0 || n >= MANIFEST_PATH_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (p[i] < 0x21 || p[i] > 0x7e || p[i] == '\\')
			return 0;
	for (;;) {
		const char *e = strchr(c, '/');
		size_t l = e ? (size_t)(e - c) : strlen(c);
		if (l == 0 || (l == 1 && c[0] == '.') || (l == 2 && c[0] == '.' && c[1] == '.'))
			return 0;
		if (!e)
			return 1;
		c = e + 1;
	}
}

static const char *const keys[] = { "finca-backup", "version", "schema", "store",
				     "time", "audit_seq", "audit_hash", "crl_next" };

static int parse_line(struct manifest *m, int ln, size_t k, char *v)
{
	int64_t n;
	unsigned char h[64];
	size_t vl = strlen(v);

	switch (k) {
	case 0:
		if (strcmp(v, "1"))
			return bad(ln, "unknown manifest format (this finca reads format 1)");
		m->format = 1;
		return FINCA_OK;
	case 1:
		if (vl == 0 || vl >= sizeof m->version)
			return bad(ln, "bad version");
		memcpy(m->version, v, vl + 1);
		return FINCA_OK;
	case 2:
		if (parse_i64(v, &n) || n < 1 || n > 100000)
			return bad(ln, "bad schema version");
		m->schema = (int)n;
		return FINCA_OK;
	case 3:
		if (vl == 0 || vl >= sizeof m->store)
			return bad(ln, "bad store kind");
		memcpy(m->store, v, vl + 1);
		return FINCA_OK;
	case 4:
		return parse_i64(v, &m->time) ? bad(ln, "bad time") : FINCA_OK;
	case 5:
		if (parse_i64(v, &m->audit_seq) || m->audit_seq < 1)
			return bad(ln, "bad audit_seq");
		return FINCA_OK;
	case 6:
		if ((vl != 64 && vl != 128) || hex_decode(v, vl, h, vl / 2))
			return bad(ln, "audit_hash: not 32 or 64 bytes of hex");
		for (size_t i = 0; i <= vl; i++)
			m->audit_hash[i] = (char)(v[i] >= 'a' && v[i] <= 'f' ? v[i] - 32 : v[i]);
		return FINCA_OK;
	default:
		if (parse_i64(v, &m->crl_next) || m->crl_next < 1)
			return bad(ln, "bad crl_next");
		return FINCA_OK;
	}
}

static int parse_file(struct manifest *m, int ln, char *v)
{
	char *sp1 = strchr(v, ' '), *sp2;
	unsigned char h[32];
	int64_t size;

	if (!sp1 || !(sp2 = strchr(sp1 + 1, ' ')))
		return bad(ln, "file: expected SHA256 SIZE PATH");
	*sp1 = *sp2 = '\0';
	if (hex_decode(v, strlen(v), h, 32))
		return bad(ln, "file: bad SHA-256");
	if (parse_i64(sp1 + 1, &size) || size < 0)
		return bad(ln, "file: bad size");
	if (!path_ok(sp2 + 1) || !strcmp(sp2 + 1, MANIFEST_NAME))
		return bad(ln, "file: bad path (relative, no '..', printable)");
	for (size_t i = 0; i < m->nfiles; i++)
		if (!strcmp(m->files[i].path, sp2 + 1))
			return bad(ln, "file: listed twice");
	if (m->nfiles >= MANIFEST_FILES_MAX)
		return bad(ln, "too many files");
	manifest_add(m, sp2 + 1, h, (uint64_t)size);
	return FINCA_OK;
}

static int has_file(const struct manifest *m, const char *p)
{
	for (size_t i = 0; i < m->nfiles; i++)
		if (!strcmp(m->files[i].path, p))
			return 1;
	return 0;
}

int manifest_parse(const char *text, size_t len, struct manifest **out)
{
	struct manifest *m = xcalloc(1, sizeof *m);
	char *buf = NULL, *line, *next;
	const char *sfile;
	size_t nkeys = 0;
	int ln = 0, rc = FINCA_OK;

	if (len > MANIFEST_MAX) {
		rc = bad(0, "larger than 1 MiB");
		goto out;
	}
	if (memchr(text, '\0', len)) {
		rc = bad(0, "contains a NUL byte");
		goto out;
	}
	buf = xcalloc(1, len + 1);
	memcpy(buf, text, len);
	for (line = buf; *line; line = next) {
		char *sp;
		ln++;
		if (!(next = strchr(line, '\n'))) {
			rc = bad(ln, "not ended by a newline (truncated?)");
			goto out;
		}
		*next++ = '\0';
		if (!(sp = strchr(line, ' '))) {
			rc = bad(ln, "expected KEY VALUE");
			goto out;
		}
		*sp = '\0';
		if (nkeys < ARRAY_LEN(keys)) {
			if (strcmp(line, keys[nkeys])) {
				rc = err_why(FINCA_EINVAL, "manifest", "backup.manifest_key",
					     "line %d: expected '%s', found '%s'", ln,
					     keys[nkeys], line);
				goto out;
			}
			if ((rc = parse_line(m, ln, nkeys++, sp + 1)) != FINCA_OK)
				goto out;
		} else if (!strcmp(line, "file")) {
			if ((rc = parse_file(m, ln, sp + 1)) != FINCA_OK)
				goto out;
		} else {
			rc = err_why(FINCA_EINVAL, "manifest", "backup.manifest_key",
				     "line %d: expected '%s', found '%s'", ln, "file", line);
			goto out;
		}
	}
	if (nkeys < ARRAY_LEN(keys)) {
		rc = err_why(FINCA_EINVAL, "manifest", "backup.manifest_short",
			     "'%s' missing (truncated?)", keys[nkeys]);
		goto out;
	}
	/* the store's copy is named by its kind; an unknown kind is the
	 * restore's to refuse, by name */
	sfile = store_backup_file(m->store);
	if ((sfile && !has_file(m, sfile)) || !has_file(m, "finca.conf")) {
		char what[64];
		snprintf(what, sizeof what, "file %s and finca.conf", sfile ? sfile : "finca.db");
		rc = err_why(FINCA_EINVAL, "manifest", "backup.manifest_short",
			     "'%s' missing (truncated?)", what);
		goto out;
	}
	*out = m;
	m = NULL;
out:
	free(buf);
	manifest_free(m);
	return rc;
}

char *manifest_format(const struct manifest *m)
{
	size_t cap = 512 + m->nfiles * (64 + 24 + MANIFEST_PATH_MAX + 8), n;
	char *s = xcalloc(1, cap), hex[65];

	n = (size_t)snprintf(s, cap,
			     "finca-backup 1\nversion %s\nschema %d\nstore %s\ntime %" PRId64
			     "\naudit_seq %" PRId64 "\naudit_hash %s\ncrl_next %" PRId64 "\n",
			     m->version, m->schema, m->store, m->time, m->audit_seq,
			     m->audit_hash, m->crl_next);
	for (size_t i = 0; i < m->nfiles && n < cap; i++) {
		hex_encode(m->files[i].sha256, 32, hex);
		n += (size_t)snprintf(s + n, cap - n, "file %s %" PRIu64 " %s\n", hex,
				      m->files[i].size, m->files[i].path);
	}
	return s;
}

/* SHA-256 and size of path, read once */
static int file_sha256(const char *path, unsigned char out[32], uint64_t *size)
{
	return backup_copy_file(path, NULL, 0, out, size);
}

int manifest_check_file(const struct manifest_file *f, const char *dir)
{
	unsigned char h[32];
	uint64_t size;
	char *p = path_join(dir, f->path);
	int rc;

	if ((rc = file_sha256(p, h, &size)) != FINCA_OK)
		goto out;
	if (size != f->size)
		rc = err_why(FINCA_EINTEGRITY, "file", "backup.file_size",
			     "%s: %llu bytes, the manifest says %llu", f->path,
			     (unsigned long long)size, (unsigned long long)f->size);
	else if (memcmp(h, f->sha256, 32))
		rc = err_why(FINCA_EINTEGRITY, "file", "backup.file_hash",
			     "%s: SHA-256 differs from the manifest's (altered or damaged)",
			     f->path);
out:
	free(p);
	return rc;
}

int backup_copy_file(const char *src, const char *dst, int mode,
		     unsigned char sha256[32], uint64_t *size)
{
	FILE *in = NULL, *o = NULL;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char buf[65536];
	uint64_t total = 0;
	unsigned int hl;
	size_t n;
	int rc = FINCA_OK;

	if (!md || !EVP_DigestInit_ex(md, EVP_sha256(), NULL)) {
		rc = err_set(FINCA_ECRYPTO, "SHA-256");
		goto out;
	}
	if (!(in = fopen(src, "rb"))) {
		rc = err_why(FINCA_EIO, "file", "backup.read", "%s: %s", src, strerror(errno));
		goto out;
	}
	if (dst) {
		FILE *tmp = NULL;
		int fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
		if (fd < 0 || !(tmp = fdopen(fd, "wb"))) {
			rc = err_why(FINCA_EIO, "file", "backup.write", "%s: %s", dst,
				     strerror(errno));
			if (fd >= 0)
				close(fd);
			goto out;
		}
		o = tmp;
	}
	while ((n = fread(buf, 1, sizeof buf, in)) > 0) {
		total += n;
		if (!EVP_DigestUpdate(md, buf, n)) {
			rc = err_set(FINCA_ECRYPTO, "SHA-256");
			goto out;
		}
		if (o && fwrite(buf, 1, n, o) != n) {
			rc = err_why(FINCA_EIO, "file", "backup.write", "%s: %s", dst,
				     strerror(errno));
			goto out;
		}
	}
	if (ferror(in)) {
		rc = err_why(FINCA_EIO, "file", "backup.read", "%s: %s", src, strerror(errno));
		goto out;
	}
	if (o) {
		int bad_close = fflush(o) || fsync(fileno(o));
		bad_close |= fclose(o);
		o = NULL;
		if (bad_close) {
			rc = err_why(FINCA_EIO, "file", "backup.write", "%s: %s", dst,
				     strerror(errno));
			goto out;
		}
	}
	if (sha256 && !EVP_DigestFinal_ex(md, sha256, &hl)) {
		rc = err_set(FINCA_ECRYPTO, "SHA-256");
		goto out;
	}
	if (size)
		*size = total;
out:
	if (in)
		fclose(in);
	if (o)
		fclose(o);
	EVP_MD_CTX_free(md);
	return rc;
}
