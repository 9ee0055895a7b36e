#include "util/err.h"

#include <openssl/err.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local struct err_state e;

/* Markers put around each conversion of a format, so that the printed
 * arguments can be found in the printed message (see vformat). */
#define OPEN '\x02'
#define CLOSE '\x03'

/* Copies fmt into out (n bytes) with every conversion ("%s", "%.*s",
 * "%zu"; not "%%") between OPEN and CLOSE.  0, or -1 when it does not fit. */
static int mark(const char *fmt, char *out, size_t n)
{
	size_t o = 0;

	for (const char *p = fmt; *p; p++) {
		if (o + 4 >= n)
			return -1;
		if (*p != '%' || p[1] == '%') {
			out[o++] = *p;
			if (*p == '%')
				out[o++] = *++p;
			continue;
		}
		out[o++] = OPEN;
		out[o++] = *p++;
		/* flags, width, precision, length: up to the conversion letter */
		while (*p && strchr("-+ #0'I123456789.*hlLqjzZt", *p) && o + 3 < n)
			out[o++] = *p++;
		if (!*p || o + 3 >= n)
			return -1;
		out[o++] = *p;
		out[o++] = CLOSE;
	}
	out[o] = '\0';
	return 0;
}

/* Prints fmt into t->msg + off, keeping each printed argument as a
 * parameter of t.  A message whose arguments themselves hold the markers
 * (text from outside with control characters) keeps no parameters.  t is
 * not the thread's error: an argument may be err_msg(). */
static void vformat(struct err_state *t, size_t off, const char *fmt, va_list ap)
{
	char mfmt[512], out[sizeof t->msg + 2 * sizeof t->params];
	size_t m = off, pn = 0;
	int in = 0, ok = 1;

	t->np = 0;
	if (mark(fmt, mfmt, sizeof mfmt) < 0) {
		vsnprintf(t->msg + off, sizeof t->msg - off, fmt, ap);
		return;
	}
	vsnprintf(out, sizeof out, mfmt, ap);
	for (const char *p = out; *p; p++) {
		if (*p == OPEN || *p == CLOSE) {
			ok = ok && (*p == OPEN) == !in && (in || t->np < ERR_PARAMS_MAX);
			in = *p == OPEN;
			if (ok && !in && pn < sizeof t->params) {
				t->params[pn++] = '\0';
				t->np++;
			}
			continue;
		}
		if (m + 1 < sizeof t->msg)
			t->msg[m++] = *p;
		/* a parameter that does not fit is cut; the last byte ends it */
		if (in && ok && pn + 1 < sizeof t->params)
			t->params[pn++] = *p;
	}
	t->msg[m] = '\0';
	if (!ok || in)
		t->np = 0;
}

/* The new error of the thread: "at: " + fmt printed (at NULL: fmt alone). */
int err_vwhy(int rc, const char *at, const char *reason, const char *fmt, va_list ap)
{
	struct err_state n;
	size_t off = 0;

	n.rc = rc;
	n.field[0] = n.reason[0] = n.msg[0] = '\0';
	if (at && *at) {
		snprintf(n.field, sizeof n.field, "%s", at);
		off = (size_t)snprintf(n.msg, sizeof n.msg, "%s: ", n.field);
	}
	if (reason)
		snprintf(n.reason, sizeof n.reason, "%s", reason);
	n.detail = off;
	vformat(&n, off, fmt, ap);
	e = n;
	return rc;
}

int err_set(int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rc = err_vwhy(rc, NULL, NULL, fmt, ap);
	va_end(ap);
	return rc;
}

int err_at(int rc, const char *at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rc = err_vwhy(rc, at, NULL, fmt, ap);
	va_end(ap);
	return rc;
}

int err_why(int rc, const char *at, const char *reason, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rc = err_vwhy(rc, at, reason, fmt, ap);
	va_end(ap);
	return rc;
}

int err_why_of(int rc, const char *field, const char *reason, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rc = err_vwhy(rc, NULL, reason, fmt, ap);
	va_end(ap);
	err_field_set(field);
	return rc;
}

int err_in(int rc, const char *at)
{
	char old[sizeof e.msg];
	int n;

	e.rc = rc;
	if (!at || !*at)
		return rc;
	memcpy(old, e.msg, sizeof old);
	snprintf(e.field, sizeof e.field, "%s", at);
	n = snprintf(e.msg, sizeof e.msg, "%s: %s", e.field, old);
	e.detail = n < 0 ? 0 : strlen(e.field) + 2;
	return rc;
}

const char *err_field(void)
{
	return e.field[0] ? e.field : NULL;
}

void err_field_set(const char *at)
{
	snprintf(e.field, sizeof e.field, "%s", at ? at : "");
	e.detail = 0;
}

const char *err_detail(void)
{
	return e.detail < strlen(e.msg) ? e.msg + e.detail : err_msg();
}

int err_rc(void)
{
	return e.rc;
}

const char *err_reason(void)
{
	return e.reason[0] ? e.reason : NULL;
}

unsigned err_nparams(void)
{
	return e.np;
}

const char *err_param(unsigned i)
{
	const char *p = e.params;

	if (i >= e.np)
		return NULL;
	while (i--)
		p += strlen(p) + 1;
	return p;
}

/* Appends the first reason on libcrypto's queue to the message; clears it. */
static void ssl_append(void)
{
	unsigned long x = ERR_get_error();
	size_t n;

	n = strlen(e.msg);
	if (x != 0 && n < sizeof e.msg - 3) {
		const char *r = ERR_reason_error_string(x);
		snprintf(e.msg + n, sizeof e.msg - n, ": %s",
			 r ? r : "libcrypto error");
	}
	ERR_clear_error();
}

int err_ssl(int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rc = err_vwhy(rc, NULL, NULL, fmt, ap);
	va_end(ap);
	ssl_append();
	return rc;
}

int err_ssl_why(int rc, const char *reason, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rc = err_vwhy(rc, NULL, reason, fmt, ap);
	va_end(ap);
	ssl_append();
	return rc;
}

int err_wrap(int rc, const char *fmt, ...)
{
	char prefix[512], old[sizeof e.msg];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(prefix, sizeof prefix, fmt, ap);
	va_end(ap);
	memcpy(old, e.msg, sizeof old);
	e.rc = rc;
	/* truncation is fine: the message is for people */
	size_t n = strlen(prefix);
	if (n > sizeof e.msg - 3)
		n = sizeof e.msg - 3;
	memcpy(e.msg, prefix, n);
	memcpy(e.msg + n, ": ", 2);
	memcpy(e.msg + n + 2, old, sizeof e.msg - n - 3);
	e.msg[sizeof e.msg - 1] = '\0';
	if (e.field[0])
		e.detail += n + 2;
	return rc;
}

void err_append(const char *fmt, ...)
{
	size_t n = strlen(e.msg);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e.msg + n, sizeof e.msg - n, fmt, ap);
	va_end(ap);
}

const char *err_msg(void)
{
	return e.msg[0] ? e.msg : "unknown error";
}

void err_clear(void)
{
	e.msg[0] = e.field[0] = e.reason[0] = '\0';
	e.rc = FINCA_OK;
	e.np = 0;
	e.detail = 0;
}

void err_save(struct err_state *s)
{
	*s = e;
}

void err_restore(const struct err_state *s)
{
	e = *s;
}

const char *err_name(int rc)
{
	switch (rc) {
	case FINCA_OK: return "ok";
	case FINCA_EINVAL: return "invalid";
	case FINCA_ENOTFOUND: return "not_found";
	case FINCA_ESTATE: return "conflict";
	case FINCA_EPOLICY: return "policy";
	case FINCA_ECRYPTO: return "crypto";
	case FINCA_ESTORE: return "store";
	case FINCA_EIO: return "io";
	case FINCA_ENOMEM: return "no_memory";
	case FINCA_EAUTH: return "auth";
	case FINCA_EINTEGRITY: return "integrity";
	case FINCA_ECONFIG: return "config";
	case FINCA_ELIMIT: return "too_many";
	}
	return "error";
}
