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

/* Where mail goes: [notify] of the configuration.  Strings borrowed. */
struct notify_conf {
	const char *smtp_url;   /* smtp:// or smtps:// relay; NULL: no mail */
	const char *smtp_from;  /* the envelope's sender; NULL: no mail */
};

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
