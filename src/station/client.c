/* A small client of finca's own API over HTTPS (libcurl). */
#include "station/client.h"
#include "util/err.h"
#include "util/msg.h"
#include "util/util.h"

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct client {
	CURL *c;
	char *base;
	char bearer[128];
	int lang;              /* enum msg_lang + 1; 0: the environment's */
};

struct buf {
	char *p;
	size_t n;
};

static size_t collect(char *data, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;
	size_t len = size * n;

	if (b->n + len > (16u << 20))
		return 0;  /* an answer this large is not ours */
	b->p = xrealloc(b->p, b->n + len + 1);
	memcpy(b->p + b->n, data, len);
	b->n += len;
	b->p[b->n] = '\0';
	return len;
}

static int status_rc(long st)
{
	return st == 400 ? FINCA_EINVAL : st == 401 || st == 403 ? FINCA_EAUTH :
	       st == 404 ? FINCA_ENOTFOUND : st == 409 ? FINCA_ESTATE : FINCA_EIO;
}

static int call(struct client *r, const char *method, const char *path, json_t *body,
		json_t **out)
{
	struct curl_slist *h = NULL;
	struct buf b = { NULL, 0 };
	char *url = NULL, *text = NULL, auth[160];
	json_t *j = NULL;
	long st = 0;
	CURLcode cc;
	int rc;

	if (asprintf(&url, "%s/api/v1/%s", r->base, path) < 0)
		abort();
	h = curl_slist_append(h, "Content-Type: application/json");
	h = curl_slist_append(h, "Accept: application/json");
	/* the server's refusals in the language of whoever runs the station */
	if ((r->lang ? (enum msg_lang)(r->lang - 1) : msg_lang_env()) == MSG_ZH)
		h = curl_slist_append(h, "Accept-Language: zh-CN");
	if (r->bearer[0]) {
		snprintf(auth, sizeof auth, "Authorization: Bearer %s", r->bearer);
		h = curl_slist_append(h, auth);
	}
	curl_easy_setopt(r->c, CURLOPT_URL, url);
	curl_easy_setopt(r->c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(r->c, CURLOPT_HTTPGET, 1L);   /* forget the last call's POST */
	if (body) {
		text = json_dumps(body, JSON_COMPACT);
		curl_easy_setopt(r->c, CURLOPT_POSTFIELDS, text);
	}
	curl_easy_setopt(r->c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(r->c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(r->c, CURLOPT_WRITEDATA, &b);
	if ((cc = curl_easy_perform(r->c)) != CURLE_OK) {
		rc = err_why(FINCA_EIO, NULL, "station.connect",
			     "%s: %s", r->base, curl_easy_strerror(cc));
		goto out;
	}
	curl_easy_getinfo(r->c, CURLINFO_RESPONSE_CODE, &st);
	j = b.p ? json_loads(b.p, 0, NULL) : NULL;
	if (st / 100 != 2) {
		const char *m = json_string_value(json_object_get(json_object_get(j, "error"),
								      "message"));
		/* the server's message, in this station's language (the
		 * Accept-Language above) */
		rc = err_why(status_rc(st), NULL, "station.server", "%s (HTTP %ld)",
			     m ? m : "the server refused", st);
		goto out;
	}
	if (!j) {
		rc = err_why(FINCA_EIO, NULL, "station.not_json",
			     "%s: the answer is not JSON", r->base);
		goto out;
	}
	rc = FINCA_OK;
	if (out) {
		*out = j;
		j = NULL;
	}
out:
	curl_easy_setopt(r->c, CURLOPT_POSTFIELDS, NULL);
	curl_slist_free_all(h);
	json_decref(j);
	json_decref(body);
	free(text);
	free(b.p);
	free(url);
	return rc;
}

int client_call(struct client *r, const char *method, const char *fmt, json_t *body,
		json_t **out, ...)
{
	char path[512];
	va_list ap;

	va_start(ap, out);
	vsnprintf(path, sizeof path, fmt, ap);
	va_end(ap);
	return call(r, method, path, body, out);
}

int client_open(const struct client_opts *o, struct client **out)
{
	struct client *r = xcalloc(1, sizeof *r);
	json_t *j = NULL;
	char pw[256] = "";
	const char *kp = o->key_passphrase;
	int rc;

	if (!o->cert || !o->key) {
		free(r);
		return err_why(FINCA_EINVAL, NULL, "station.needs_cert",
			       "--server needs --cert and --key (the operator's "
			       "TLS client certificate)");
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	r->base = xstrdup(o->url);
	if (r->base[0] && r->base[strlen(r->base) - 1] == '/')
		r->base[strlen(r->base) - 1] = '\0';
	r->c = curl_easy_init();
	curl_easy_setopt(r->c, CURLOPT_SSLCERT, o->cert);
	curl_easy_setopt(r->c, CURLOPT_SSLKEY, o->key);
	if (kp)
		curl_easy_setopt(r->c, CURLOPT_KEYPASSWD, kp);
	if (o->cacert)
		curl_easy_setopt(r->c, CURLOPT_CAINFO, o->cacert);
	curl_easy_setopt(r->c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(r->c, CURLOPT_TIMEOUT, 60L);
	if (o->password && (rc = o->password(o->password_arg, pw, sizeof pw)) != FINCA_OK)
		goto fail;
	rc = call(r, "POST", "login", pw[0] ? json_pack("{s:s}", "password", pw) : json_object(),
		  &j);
	OPENSSL_cleanse(pw, sizeof pw);
	if (rc != FINCA_OK)
		goto fail;
	snprintf(r->bearer, sizeof r->bearer, "%s", json_string_value(json_object_get(j, "token")) ?: "");
	json_decref(j);
	*out = r;
	return FINCA_OK;
fail:
	client_free(r);
	return rc;
}

void client_set_lang(struct client *r, int lang)
{
	r->lang = lang + 1;
}

int client_open_session(const char *url, const char *cacert, const char *bearer,
			struct client **out)
{
	struct client *r;

	if (!bearer || !*bearer || strlen(bearer) >= sizeof r->bearer ||
	    strspn(bearer, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")
	    != strlen(bearer))
		return err_why(FINCA_EINVAL, "session", "station.session",
			       "the session token is missing or malformed");
	r = xcalloc(1, sizeof *r);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	r->base = xstrdup(url);
	if (r->base[0] && r->base[strlen(r->base) - 1] == '/')
		r->base[strlen(r->base) - 1] = '\0';
	r->c = curl_easy_init();
	if (cacert)
		curl_easy_setopt(r->c, CURLOPT_CAINFO, cacert);
	curl_easy_setopt(r->c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(r->c, CURLOPT_TIMEOUT, 60L);
	snprintf(r->bearer, sizeof r->bearer, "%s", bearer);
	*out = r;
	return FINCA_OK;
}

void client_free(struct client *r)
{
	if (!r)
		return;
	curl_easy_cleanup(r->c);
	OPENSSL_cleanse(r->bearer, sizeof r->bearer);
	free(r->base);
	free(r);
}
