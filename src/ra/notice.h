/* Notices to people, queued in the store in the caller's transaction and
 * delivered later by ra_notify_deliver (remind.c): a webhook POST of JSON
 * and/or a mail.  Used by the expiry reminders (remind.c) and the loss
 * report (loss.c). */
#ifndef FINCA_NOTICE_H
#define FINCA_NOTICE_H

#include "ca/ca.h"

#include <jansson.h>

/* A resident ID number as a mail, which travels in clear, may show it:
 * 350102********1234. */
void notice_mask_id(const char *id, char *out, size_t n);
/* s, or "?" when it is not UTF-8 (JSON would refuse it; the store does
 * not check what was imported). */
const char *notice_utf8(const char *s);
/* 1 when a webhook URL, or a mail address with [notify] smtp_url set, can
 * be used. */
int notice_webhook_ok(const char *url);
int notice_email_ok(const struct config *cfg, const char *addr);
/* The whole mail to `to` (RFC 5322 headers, the UTF-8 text with LF line
 * ends as base64), from [notify] smtp_from.  Caller frees. */
char *notice_mail(const struct config *cfg, const char *to, const char *subject,
		  const char *text, int64_t now);
/* Queues one notice on channel ("webhook": body is JSON; "smtp": body is a
 * whole mail) due now; counts it in *queued. */
int notice_queue(struct store *st, int64_t now, const char *channel, const char *target,
		 const char *subject, const char *body, int *queued);
/* Queues event (JSON) for webhook and text as a mail for email, each when
 * it can be used (NULL or "" : none). */
int notice_send(struct ca *ca, int64_t now, const char *email, const char *webhook,
		const char *subject, const char *text, json_t *event, int *queued);

#endif
