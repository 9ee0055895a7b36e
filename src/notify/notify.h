/* Sending one notice over the network with libcurl: a webhook POST of JSON
 * and a mail through an SMTP relay.
 *
 * Transport only: no store, no queue, no retry.  What is sent to whom, and
 * what a failure means (recorded, retried with backoff), is the caller's
 * (src/ra/remind.c delivers the notices that src/ra/notice.c queued).
 * Each call blocks for at most its timeout; no signal is used, so any
 * thread may call.  On failure err_msg() says why, starting with the
 * channel ("webhook: HTTP 500", "smtp: ..."), for the operator who reads
 * it in the notice's last error. */
#ifndef FINCA_NOTIFY_H
#define FINCA_NOTIFY_H

struct config;

/* [notify] of finca.conf (conf.c): when reminders are due, and where mail
 * goes. */
#define NOTIFY_THRESHOLDS_MAX 8
struct notify_conf {
	int thresholds[NOTIFY_THRESHOLDS_MAX]; /* days before expiry, descending,
						* distinct */
	int nthresholds;        /* 0: no reminders */
	char *smtp_url;         /* smtp:// or smtps:// relay; NULL: no mail */
	char *smtp_from;        /* the envelope's sender; NULL: no mail */
	int interval;           /* seconds between the daemon's passes, 0: none */
};

/* The [notify] settings of c (borrowed from c, valid until it is freed or
 * reloaded). */
const struct notify_conf *notify_conf(const struct config *c);
/* 1 when v is a bare mail address (name@host, printable ASCII, no spaces,
 * brackets or quotes): safe in SMTP commands and mail headers. */
int notify_mail_addr_ok(const char *v);

/* POSTs json_body (borrowed, NUL-terminated) to url, http:// or https://
 * only, as Content-Type: application/json.  FINCA_OK on a 2xx answer;
 * otherwise FINCA_EIO (or FINCA_ENOMEM). */
int notify_webhook(const char *url, const char *json_body);
/* Sends mail, a whole message with its RFC 5322 headers (notice_mail makes
 * it), to the one recipient `to` through nc's relay, from nc's sender.
 * FINCA_OK once the relay has taken it; FINCA_EIO when it refuses, cannot
 * be reached, or nc has no relay or sender (or FINCA_ENOMEM). */
int notify_mail(const struct notify_conf *nc, const char *to,
		const char *mail);

#endif
