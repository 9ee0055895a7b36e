/* Notices over the network with libcurl (notify.h): webhook and SMTP. */
#include "notify/notify.h"
#include "util/err.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define CONNECT_TIMEOUT 5L
#define WEBHOOK_TIMEOUT 10L
#define SMTP_TIMEOUT 30L

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init(void)
{
	/* once per process, before any handle: not safe to race */
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t discard(char *data, size_t size, size_t n, void *arg)
{
	(void)data;
	(void)arg;
	return size * n;
}

struct upload {
	const char *p;
	size_t left;
};

static size_t feed(char *buf, size_t size, size_t n, void *arg)
{
	struct upload *u = arg;
	size_t k = size * n < u->left ? size * n : u->left;

	memcpy(buf, u->p, k);
	u->p += k;
	u->left -= k;
	return k;
}

/* A handle with what both channels set, its error text into eb
 * (CURL_ERROR_SIZE bytes, which must outlive it); the caller cleans it up.
 * NULL, with err_set, when libcurl cannot make one. */
static CURL *easy_new(char *eb)
{
	CURL *c;

	pthread_once(&curl_once, curl_init);
	if ((c = curl_easy_init()) == NULL) {
		err_why(FINCA_ENOMEM, NULL, "notify.curl", "curl_easy_init failed");
		return NULL;
	}
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  /* threads: no SIGALRM */
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, eb);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	return c;
}

/* Runs the transfer; on failure the message starts with channel. */
static int perform(CURL *c, const char *channel, const char *eb)
{
	CURLcode cc = curl_easy_perform(c);

	if (cc != CURLE_OK)
		return err_why(FINCA_EIO, NULL, "notify.send", "%s: %s", channel,
			       eb[0] ? eb : curl_easy_strerror(cc));
	return FINCA_OK;
}

int notify_webhook(const char *url, const char *json_body)
{
	char eb[CURL_ERROR_SIZE] = "";
	struct curl_slist *h = NULL;
	long code = 0;
	CURL *c;
	int rc;

	if ((c = easy_new(eb)) == NULL)
		return FINCA_ENOMEM;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_TIMEOUT, WEBHOOK_TIMEOUT);
	h = curl_slist_append(h, "Content-Type: application/json");
	h = curl_slist_append(h, "Expect:");  /* no 100-continue round trip */
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "finca");
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, json_body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(json_body));
	if ((rc = perform(c, "webhook", eb)) != FINCA_OK)
		goto out;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	if (code / 100 != 2) {
		rc = err_why(FINCA_EIO, NULL, "notify.webhook_status", "webhook: HTTP %ld", code);
		goto out;
	}
	rc = FINCA_OK;
out:
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return rc;
}

int notify_mail(const struct notify_conf *nc, const char *to,
		const char *mail)
{
	char eb[CURL_ERROR_SIZE] = "", addr[300];
	struct upload up = { mail, strlen(mail) };
	struct curl_slist *h = NULL;
	CURL *c;
	int rc;

	if ((c = easy_new(eb)) == NULL)
		return FINCA_ENOMEM;
	if (!nc->smtp_url || !nc->smtp_from) {
		rc = err_why(FINCA_EIO, NULL, "notify.smtp_unset", "[notify] smtp_url and smtp_from are "
			     "not set");
		goto out;
	}
	curl_easy_setopt(c, CURLOPT_URL, nc->smtp_url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(c, CURLOPT_TIMEOUT, SMTP_TIMEOUT);
	snprintf(addr, sizeof addr, "<%s>", nc->smtp_from);
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, addr);
	snprintf(addr, sizeof addr, "<%s>", to);
	h = curl_slist_append(h, addr);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, h);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, feed);
	curl_easy_setopt(c, CURLOPT_READDATA, &up);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	rc = perform(c, "smtp", eb);
out:
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return rc;
}
