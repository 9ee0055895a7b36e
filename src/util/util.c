#include "util/util.h"
#include "util/err.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int file_read(const char *path, size_t max, unsigned char **out, size_t *len)
{
	FILE *f = NULL;
	unsigned char *buf = NULL;
	size_t n = 0, cap = 4096;
	int rc = FINCA_EIO;

	if ((f = fopen(path, "rb")) == NULL) {
		rc = errno == ENOENT ?
		     err_why(FINCA_ENOTFOUND, NULL, "file.none", "%s: %s", path, strerror(errno)) :
		     err_why(FINCA_EIO, NULL, "file.open", "%s: %s", path, strerror(errno));
		goto out;
	}
	buf = xcalloc(1, cap + 1);
	for (;;) {
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (n > max) {
			rc = err_why(FINCA_EINVAL, NULL, "file.too_large",
				     "%s: larger than %zu bytes",
				     path, max);
			goto out;
		}
		if (got == 0)
			break;
		if (n == cap) {
			cap *= 2;
			buf = xrealloc(buf, cap + 1);
		}
	}
	if (ferror(f)) {
		rc = err_why(FINCA_EIO, NULL, "file.read", "%s: read error", path);
		goto out;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	buf = NULL;
	rc = FINCA_OK;
out:
	if (f)
		fclose(f);
	free(buf);
	return rc;
}

static int write_file(const char *path, const void *data, size_t len, int mode,
		      int sync)
{
	char *tmp = NULL;
	int fd = -1, rc = FINCA_EIO;
	size_t off = 0;

	if (asprintf(&tmp, "%s.tmp.%ld", path, (long)getpid()) < 0) {
		tmp = NULL;
		rc = err_why(FINCA_ENOMEM, NULL, "util.no_memory", "out of memory");
		goto out;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0) {
		rc = err_why(FINCA_EIO, NULL, "file.write", "%s: %s", path, strerror(errno));
		goto out;
	}
	while (off < len) {
		ssize_t w = write(fd, (const char *)data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rc = err_why(FINCA_EIO, NULL, "file.write",
				     "%s: %s", path, strerror(errno));
			goto out;
		}
		off += (size_t)w;
	}
	if ((sync && fsync(fd) != 0) || close(fd) != 0) {
		fd = -1;
		rc = err_why(FINCA_EIO, NULL, "file.write", "%s: %s", path, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		rc = err_why(FINCA_EIO, NULL, "file.write", "%s: %s", path, strerror(errno));
		goto out;
	}
	rc = FINCA_OK;
out:
	if (fd >= 0)
		close(fd);
	if (rc != FINCA_OK && tmp)
		unlink(tmp);
	free(tmp);
	return rc;
}

int file_write(const char *path, const void *data, size_t len, int mode)
{
	return write_file(path, data, len, mode, 1);
}

int file_write_nosync(const char *path, const void *data, size_t len, int mode)
{
	return write_file(path, data, len, mode, 0);
}

int dir_make(const char *path, int mode)
{
	if (mkdir(path, (mode_t)mode) == 0 || errno == EEXIST)
		return FINCA_OK;
	return err_why(FINCA_EIO, NULL, "dir.make", "%s: %s", path, strerror(errno));
}

int dir_writable(const char *path)
{
	struct stat st;
	char *probe;
	int fd, rc = FINCA_OK;

	if (stat(path, &st) != 0)
		return errno == ENOENT ?
		       err_why(FINCA_ENOTFOUND, NULL, "dir.none", "%s: %s", path,
			       "no such directory") :
		       err_why(FINCA_EIO, NULL, "dir.open", "%s: %s", path, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return err_why(FINCA_EINVAL, NULL, "dir.not_dir", "%s: not a directory", path);
	/* access(W_OK) says yes to root on a read-only mount: try for real */
	probe = path_join(path, ".finca-probe.XXXXXX");
	if ((fd = mkstemp(probe)) < 0) {
		rc = err_why(FINCA_EIO, NULL, "dir.not_writable",
			     "%s: cannot create a file in it: %s", path,
			     strerror(errno));
	} else {
		close(fd);
		unlink(probe);
	}
	free(probe);
	return rc;
}

int path_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

char *path_join(const char *dir, const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", dir, name) < 0)
		abort();
	return p;
}

void hex_encode(const unsigned char *in, size_t len, char *out)
{
	static const char digits[] = "0123456789ABCDEF";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * len] = '\0';
}

int64_t clock_now(void)
{
#ifdef FINCA_TESTING
	const char *fake = getenv("FINCA_FAKE_TIME");
	if (fake && *fake)
		return strtoll(fake, NULL, 10);
#endif
	return (int64_t)time(NULL);
}

void time_format(int64_t t, char *out, size_t outlen)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int time_parse(const char *s, int64_t *out)
{
	struct tm tm;
	const char *end;
	char *e;
	long long v;

	memset(&tm, 0, sizeof tm);
	if ((end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm)) && *end == '\0')
		goto ok;
	memset(&tm, 0, sizeof tm);
	if ((end = strptime(s, "%Y-%m-%d", &tm)) && *end == '\0')
		goto ok;
	errno = 0;
	v = strtoll(s, &e, 10);
	if (errno == 0 && *s && *e == '\0' && v >= 0) {
		*out = v;
		return FINCA_OK;
	}
	return err_why(FINCA_EINVAL, NULL, "time.format",
		       "time '%s': expected YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or seconds",
		       s);
ok:
	*out = (int64_t)timegm(&tm);
	return FINCA_OK;
}

char *xstrdup(const char *s)
{
	char *p;

	if (!s)
		return NULL;
	if ((p = strdup(s)) == NULL)
		abort();
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		abort();
	return p;
}

void *xrealloc(void *p, size_t size)
{
	void *q = realloc(p, size ? size : 1);

	if (!q)
		abort();
	return q;
}

int word_in(const char *list, const char *w)
{
	size_t n = w ? strlen(w) : 0;

	if (n == 0)
		return 0;
	for (const char *p = list; (p = strstr(p, w)) != NULL; p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return 1;
	return 0;
}
