/* Project-wide error codes and the thread's last error.
 *
 * Every library function returns 0 (FINCA_OK) or one of the negative codes
 * below, and on failure leaves, in thread-local storage, what went wrong:
 *   - a message for the operator, in English (err_msg());
 *   - the input at fault, when there is one (err_field(): "subject",
 *     "data.not_after");
 *   - a stable reason, when the call site names one (err_reason():
 *     "request.no_app"), the key under which a translation is found;
 *   - the parameters of the message: each argument of its format, as
 *     printed (err_param(i)), for a translation to place.
 * Only the doors (CLI, HTTP) show it; none of them reads the message to
 * find the field, the reason or a parameter. */
#ifndef FINCA_ERR_H
#define FINCA_ERR_H

#include <stdarg.h>
#include <stddef.h>

enum finca_rc {
	FINCA_OK = 0,
	FINCA_EINVAL = -1,     /* bad input from the caller */
	FINCA_ENOTFOUND = -2,  /* no such object */
	FINCA_ESTATE = -3,     /* transition not allowed in this state */
	FINCA_EPOLICY = -4,    /* refused by a profile or identity rule */
	FINCA_ECRYPTO = -5,    /* libcrypto failed or a signature is bad */
	FINCA_ESTORE = -6,     /* database failure */
	FINCA_EIO = -7,        /* file or terminal I/O */
	FINCA_ENOMEM = -8,
	FINCA_EAUTH = -9,      /* wrong passphrase, key locked */
	FINCA_EINTEGRITY = -10, /* audit chain or stored data tampered with */
	FINCA_ECONFIG = -11,   /* configuration file is invalid */
	FINCA_ELIMIT = -12,    /* too many tries: wait (login throttling, rate limits) */
};

#define ERR_PARAMS_MAX 8

/* The whole error of a thread, to carry it to another (err_save). */
struct err_state {
	int rc;               /* the code the error was made with */
	char msg[1024];
	char field[64];       /* "" when none */
	char reason[48];      /* "" when none */
	char params[512];     /* np NUL-terminated strings, one after another */
	unsigned np;
	size_t detail;        /* where msg says what is wrong with field */
};

/* Records a printf-style message and returns rc, so "return err_set(...)"
 * and "rc = err_set(...); goto out" read naturally.  The arguments of fmt
 * become the error's parameters; field and reason are forgotten. */
int err_set(int rc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* err_set for bad input: the message is "at: ..." and the field at fault
 * is remembered (err_field), so that a door can say which input to fix
 * without reading the message. */
int err_at(int rc, const char *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* err_at (err_set when at is NULL) with a stable reason: a short dotted
 * name, "request.no_app", under which a translation of fmt is found. */
int err_why(int rc, const char *at, const char *reason, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int err_vwhy(int rc, const char *at, const char *reason, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));
/* err_why for a message that names its input itself ("resident ID number
 * '...': ..."): the field at fault is remembered, the message is fmt as
 * printed, without "field: " before it. */
int err_why_of(int rc, const char *field, const char *reason, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The current error, now about the input at: the message becomes
 * "at: <message>"; its reason and parameters stay. */
int err_in(int rc, const char *at);
/* The field named by the last err_at, or NULL (err_set forgets it; err_wrap
 * keeps it). */
const char *err_field(void);
/* Names the field of the current error; NULL: none. */
void err_field_set(const char *at);
/* What err_at said of its field (the message after "field: ", as given
 * to err_at), or the whole message when there is none. */
const char *err_detail(void);
/* The code the current error was made with (FINCA_OK when none). */
int err_rc(void);
/* The reason named by err_why, or NULL. */
const char *err_reason(void);
/* The number of parameters, and the i-th (as printed in the message); NULL
 * past the end. */
unsigned err_nparams(void);
const char *err_param(unsigned i);
/* Like err_set, and appends the first reason on libcrypto's error queue,
 * then clears the queue. */
int err_ssl(int rc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* err_ssl with a stable reason (err_why); libcrypto's words stay out of
 * the parameters. */
int err_ssl_why(int rc, const char *reason, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Prefixes the current message with more context ("issuing ...: " + old);
 * field, reason and parameters stay. */
int err_wrap(int rc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Adds to the end of the current message; field, reason and parameters
 * stay. */
void err_append(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *err_msg(void);
void err_clear(void);
const char *err_name(int rc);
/* Copies this thread's error into *s, and back (the error of a worker
 * thread, reported by the thread that waits for it). */
void err_save(struct err_state *s);
void err_restore(const struct err_state *s);

#endif
