/* Project-wide error codes and the thread's last error message.
 *
 * Every library function returns 0 (FINCA_OK) or one of the negative codes
 * below, and on failure leaves a message for the operator in a thread-local
 * buffer (err_msg()).  Only the doors (CLI, HTTP) print it. */
#ifndef FINCA_ERR_H
#define FINCA_ERR_H

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

/* Records a printf-style message and returns rc, so "return err_set(...)"
 * and "rc = err_set(...); goto out" read naturally. */
int err_set(int rc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* err_set for bad input: the message is "at: ..." and the field at fault
 * is remembered (err_field), so that a door can say which input to fix
 * without reading the message. */
int err_at(int rc, const char *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The field named by the last err_at, or NULL (err_set forgets it; err_wrap
 * keeps it). */
const char *err_field(void);
/* Names the field of the current error (a message carried from another
 * thread keeps its field this way); NULL: none. */
void err_field_set(const char *at);
/* What err_at said of its field (the message after "field: ", as given
 * to err_at), or the whole message when there is none. */
const char *err_detail(void);
/* Like err_set, and appends the first reason on libcrypto's error queue,
 * then clears the queue. */
int err_ssl(int rc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Prefixes the current message with more context ("issuing ...: " + old). */
int err_wrap(int rc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
const char *err_msg(void);
void err_clear(void);
const char *err_name(int rc);

#endif
