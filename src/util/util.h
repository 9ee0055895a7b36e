/* Small helpers shared by every layer: files, hex, time. */
#ifndef FINCA_UTIL_H
#define FINCA_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Reads a whole file of at most max bytes into *out (caller frees; a NUL
 * is appended but not counted in *len). */
int file_read(const char *path, size_t max, unsigned char **out, size_t *len);
/* Writes data to path atomically (temporary file, fsync, rename) with the
 * given mode. */
int file_write(const char *path, const void *data, size_t len, int mode);
/* The same without fsync, for bulk output whose durable copy is elsewhere
 * (certificates: the store holds them). */
int file_write_nosync(const char *path, const void *data, size_t len, int mode);
int dir_make(const char *path, int mode);
/* FINCA_OK when path is a directory in which this process can create a
 * file (tried: a file is made and removed); otherwise the error names path
 * and why. */
int dir_writable(const char *path);
int path_exists(const char *path);
/* "dir/name" into a new string (caller frees) or NULL. */
char *path_join(const char *dir, const char *name);

/* Uppercase hex of len bytes into out (2*len+1 bytes). */
void hex_encode(const unsigned char *in, size_t len, char *out);

/* The current time.  Test builds (FINCA_TESTING) honour FINCA_FAKE_TIME
 * (seconds since the epoch) so that expiry can be tested without waiting;
 * production builds ignore it, so nobody can backdate a certificate. */
int64_t clock_now(void);
/* "2026-11-23T10:00:00Z" (UTC) into out (at least 21 bytes). */
void time_format(int64_t t, char *out, size_t outlen);
/* Parses "YYYY-MM-DD", "YYYY-MM-DDTHH:MM:SSZ" or seconds since the epoch. */
int time_parse(const char *s, int64_t *out);

/* 1 when w (not NULL, not "") is one of the space-separated words of list. */
int word_in(const char *list, const char *w);

/* Duplicates s, or NULL when s is NULL (aborts on allocation failure:
 * finca does not try to limp on without memory). */
char *xstrdup(const char *s);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);

#endif
