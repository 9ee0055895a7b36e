#include "util/err.h"

#include <openssl/err.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char msg[1024];
static _Thread_local char field[64]; /* the input at fault, or "" */
static _Thread_local size_t detail;  /* where the message says why */

int err_set(int rc, const char *fmt, ...)
{
	va_list ap;

	field[0] = '\0';
	detail = 0;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return rc;
}

int err_at(int rc, const char *at, const char *fmt, ...)
{
	char why[sizeof msg - sizeof field]; /* an argument may be err_msg() itself */
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	snprintf(field, sizeof field, "%s", at);
	/* field and why fit: 63 + 2 + 959 < 1024 */
	snprintf(msg, sizeof msg, "%s: %.*s", field, (int)(sizeof msg - sizeof field - 2), why);
	detail = strlen(field) + 2;
	return rc;
}

const char *err_field(void)
{
	return field[0] ? field : NULL;
}

void err_field_set(const char *at)
{
	snprintf(field, sizeof field, "%s", at ? at : "");
	detail = 0;
}

const char *err_detail(void)
{
	return detail < strlen(msg) ? msg + detail : err_msg();
}

int err_ssl(int rc, const char *fmt, ...)
{
	va_list ap;
	unsigned long e;
	size_t n;

	field[0] = '\0';
	detail = 0;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	e = ERR_get_error();
	n = strlen(msg);
	if (e != 0 && n < sizeof msg - 3) {
		const char *r = ERR_reason_error_string(e);
		snprintf(msg + n, sizeof msg - n, ": %s",
			 r ? r : "libcrypto error");
	}
	ERR_clear_error();
	return rc;
}

int err_wrap(int rc, const char *fmt, ...)
{
	char prefix[512], old[sizeof msg];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(prefix, sizeof prefix, fmt, ap);
	va_end(ap);
	memcpy(old, msg, sizeof old);
	/* truncation is fine: the message is for people */
	size_t n = strlen(prefix);
	if (n > sizeof msg - 3)
		n = sizeof msg - 3;
	memcpy(msg, prefix, n);
	memcpy(msg + n, ": ", 2);
	memcpy(msg + n + 2, old, sizeof msg - n - 3);
	msg[sizeof msg - 1] = '\0';
	if (field[0])
		detail += n + 2;
	return rc;
}

const char *err_msg(void)
{
	return msg[0] ? msg : "unknown error";
}

void err_clear(void)
{
	msg[0] = field[0] = '\0';
	detail = 0;
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
