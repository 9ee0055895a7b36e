/* Notices by webhook and mail, queued for delivery (notice.h). */
#include "ra/notice.h"
#include "crypto/pem.h"
#include "notify/notify.h"
#include "util/err.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void notice_mask_id(const char *id, char *out, size_t n)
{
	size_t len = strlen(id);

	if (len < 11) {
		snprintf(out, n, "%s", id);
		return;
	}
	snprintf(out, n, "%.6s%.*s%s", id, (int)(len - 10), "****************", id + len - 4);
}

const char *notice_utf8(const char *s)
{
	json_t *j = json_string(s);
	int ok = j != NULL;

	json_decref(j);
	return ok ? s : "?";
}

int notice_webhook_ok(const char *url)
{
	return url && (!strncmp(url, "http://", 7) || !strncmp(url, "https://", 8)) &&
	       strcmp(notice_utf8(url), "?");
}

int notice_email_ok(const struct config *cfg, const char *addr)
{
	return addr && *addr && notify_mail_addr_ok(addr) &&
	       notify_conf(cfg)->smtp_url;
}

/* RFC 5322 date (English names whatever the locale). */
static void mail_date(int64_t t, char *out, size_t n)
{
	static const char *const wd[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const mo[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
					  "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	snprintf(out, n, "%s, %02d %s %04d %02d:%02d:%02d +0000", wd[tm.tm_wday], tm.tm_mday,
		 mo[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* RFC 2047 B-encoded words of UTF-8 text, folded: at most 39 octets per word
 * (52 base64 characters), so that a header line stays within 76, and never
 * splitting a character. */
static void put_encoded(FILE *f, const char *text)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t len = strlen(text);

	while (len) {
		size_t n = len < 39 ? len : 39;
		char *b;
		while (n > 1 && n < len && (p[n] & 0xc0) == 0x80)
			n--;  /* back to the start of the character */
		b = b64_encode(p, n);
		fprintf(f, "=?UTF-8?B?%s?=%s", b, len > n ? "\r\n " : "");
		free(b);
		p += n;
		len -= n;
	}
}

char *notice_mail(const struct config *cfg, const char *to, const char *subject,
		  const char *text, int64_t now)
{
	size_t tlen = strlen(text), mlen = 0, i, k;
	char *crlf, *b64, *msg = NULL, date[40];
	FILE *f;

	/* CRLF line ends (RFC 5322), then base64 in lines of 76 (7-bit clean
	 * through any relay) */
	crlf = xcalloc(2, tlen + 1);
	for (i = k = 0; i < tlen; i++) {
		if (text[i] == '\n')
			crlf[k++] = '\r';
		crlf[k++] = text[i];
	}
	b64 = b64_encode((unsigned char *)crlf, k);
	mail_date(now, date, sizeof date);
	if (!(f = open_memstream(&msg, &mlen)))
		abort();
	fprintf(f, "From: %s\r\nTo: %s\r\nSubject: ", notify_conf(cfg)->smtp_from, to);
	put_encoded(f, subject);
	fprintf(f, "\r\nDate: %s\r\nMIME-Version: 1.0\r\n"
		"Content-Type: text/plain; charset=UTF-8\r\n"
		"Content-Transfer-Encoding: base64\r\n\r\n", date);
	for (i = 0, tlen = strlen(b64); i < tlen; i += 76)
		fprintf(f, "%.76s\r\n", b64 + i);
	fclose(f);
	free(crlf);
	free(b64);
	return msg;
}

int notice_queue(struct store *st, int64_t now, const char *channel, const char *target,
		 const char *subject, const char *body, int *queued)
{
	struct notice_rec n;
	int rc;

	memset(&n, 0, sizeof n);
	snprintf(n.channel, sizeof n.channel, "%s", channel);
	n.target = (char *)target;   /* borrowed: n is not cleared */
	n.subject = (char *)subject;
	n.body = (char *)body;
	n.created_at = n.next_at = now;
	if ((rc = store_notice_insert(st, &n)) == FINCA_OK)
		(*queued)++;
	return rc;
}

int notice_send(struct ca *ca, int64_t now, const char *email, const char *webhook,
		const char *subject, const char *text, json_t *event, int *queued)
{
	struct store *st = ca_store(ca);
	char *body;
	int rc = FINCA_OK;

	if (notice_webhook_ok(webhook)) {
		body = json_dumps(event, JSON_COMPACT);
		rc = body ? notice_queue(st, now, "webhook", webhook, subject, body, queued)
			  : err_why(FINCA_EINVAL, NULL, "notice.event",
					     "notice '%s': the event is not JSON", subject);
		free(body);
	}
	if (rc == FINCA_OK && notice_email_ok(ca->cfg, email)) {
		body = notice_mail(ca->cfg, email, subject, text, now);
		rc = notice_queue(st, now, "smtp", email, subject, body, queued);
		free(body);
	}
	return rc;
}
