/* The web console on the HTTPS listener (docs/console.md, "Serving"):
 * "/" and "/ui" redirect to "/ui/", /ui/PATH is web/PATH from the copy
 * built into the program (or read from FINCA_CONSOLE_DIR at each request,
 * for development), /ui/config.json is made here.  Every answer carries the
 * same headers; the Content-Security-Policy lets the pages talk to this
 * server and to the signing agent of [console] agent, nothing else. */
#include "http/console.h"
#include "http/conf.h"
#include "util/err.h"
#include "util/util.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* XXX: the same default as cli/main.c; one definition for both would be
 * better (the Makefile may pass -DFINCA_VERSION to both). */
#ifndef FINCA_VERSION
#define FINCA_VERSION "0.1.0"
#endif

#define UI_PATH_MAX 256          /* longest PATH in /ui/PATH */
#define DISK_FILE_MAX (32 << 20) /* largest file read from FINCA_CONSOLE_DIR */
#define ETAG_SIZE 67             /* '"', 64 hex digits of SHA-256, '"', NUL */

struct console {
	char *dir;                 /* FINCA_CONSOLE_DIR (owned), NULL: built-in */
	char (*etag)[ETAG_SIZE];   /* owned; one per console_assets[i] */
};

/* The entity tag of a file's bytes; "" when hashing fails (no ETag then). */
static void etag_of(const unsigned char *p, size_t len, char out[ETAG_SIZE])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	char hex[2 * 32 + 1];

	out[0] = '\0';
	if (!EVP_Digest(p, len, md, &n, EVP_sha256(), NULL) || n != 32)
		return;
	hex_encode(md, n, hex);
	snprintf(out, ETAG_SIZE, "\"%s\"", hex);
}

int console_new(struct console **out)
{
	const char *dir = getenv("FINCA_CONSOLE_DIR");
	struct console *k;
	struct stat st;

	if (dir && *dir && (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)))
		return err_why(FINCA_EINVAL, NULL, "console.dir",
			       "FINCA_CONSOLE_DIR '%s': not a directory", dir);
	k = xcalloc(1, sizeof *k);
	k->dir = dir && *dir ? xstrdup(dir) : NULL;
	k->etag = xcalloc(console_nassets + 1, sizeof *k->etag);
	for (size_t i = 0; i < console_nassets; i++)
		etag_of(console_assets[i].data, console_assets[i].len, k->etag[i]);
	*out = k;
	return FINCA_OK;
}

void console_free(struct console *k)
{
	if (!k)
		return;
	free(k->dir);
	free(k->etag);
	free(k);
}

/* 1 when rel, what follows "/ui/", may name a file under web/.  MHD has
 * already undone the percent-encoding once, so "%2e%2e" arrives as "..";
 * a '%' left over would be a second encoding and is refused too.  A NUL
 * (%00) ends the decoded string where it stands: it can shorten a path,
 * never lead out ("/ui/..%00/x" arrives as "/ui/..").
 * Refused rather than normalised: the console never asks for such paths.
 * No segment may be empty (no leading '/', no "//") except the last, nor
 * start with '.' (".", "..", dotfiles); no backslash, '%' or control
 * character anywhere. */
static int path_ok(const char *rel)
{
	const char *seg = rel, *p;

	if (strlen(rel) > UI_PATH_MAX)
		return 0;
	for (p = rel;; p++) {
		if (*p == '/' || *p == '\0') {
			if (*seg == '.' || (*p == '/' && p == seg))
				return 0;
			if (!*p)
				return 1;
			seg = p + 1;
		} else if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '\\' || *p == '%') {
			return 0;
		}
	}
}

/* 1 when the last segment of rel has no dot: a route of the console's own
 * (it routes with #/..., but a reload of a deeper path lands here), which
 * answers index.html. */
static int is_route(const char *rel)
{
	const char *last = strrchr(rel, '/');

	return !strchr(last ? last + 1 : rel, '.');
}

static const char *content_type(const char *rel)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
		{ "html", "text/html; charset=utf-8" },
		{ "js", "text/javascript; charset=utf-8" },
		{ "mjs", "text/javascript; charset=utf-8" },
		{ "css", "text/css; charset=utf-8" },
		{ "json", "application/json" },
		{ "svg", "image/svg+xml" },
		{ "png", "image/png" },
		{ "jpg", "image/jpeg" },
		{ "ico", "image/x-icon" },
		{ "woff2", "font/woff2" },
		{ "txt", "text/plain; charset=utf-8" },
	};
	const char *dot = strrchr(rel, '.');

	if (dot && !strchr(dot, '/'))
		for (size_t i = 0; i < ARRAY_LEN(types); i++)
			if (!strcmp(dot + 1, types[i].ext))
				return types[i].type;
	/* with nosniff, the browser will neither run nor style it */
	return "application/octet-stream";
}

/* Queues resp with status and the headers of every console answer, then
 * drops our reference to it. */
static enum MHD_Result answer(struct srv *s, struct MHD_Connection *c, struct req *r,
			      int status, struct MHD_Response *resp, const char *type,
			      const char *etag)
{
	char csp[512];

	if (!resp)
		return MHD_NO;
	/* the agent origin was checked at load (http/conf.c): no ';' or
	 * quote can reach the policy from finca.conf */
	snprintf(csp, sizeof csp,
		 "default-src 'self'; script-src 'self'; style-src 'self'; "
		 "img-src 'self' data:; connect-src 'self' %s; frame-ancestors 'none'; "
		 "base-uri 'none'; form-action 'self'", console_conf(s->ca->cfg)->agent);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "Content-Security-Policy", csp);
	if (etag && *etag)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
	return queue(c, r, status, resp); /* nosniff, HSTS */
}

static enum MHD_Result message(struct srv *s, struct MHD_Connection *c, struct req *r,
			       int status, const char *msg)
{
	return answer(s, c, r, status,
		      MHD_create_response_from_buffer(strlen(msg), (void *)msg,
						      MHD_RESPMEM_PERSISTENT),
		      "text/plain; charset=utf-8", NULL);
}

/* 1 when the client's If-None-Match names etag (RFC 9110 13.1.2: "*" or
 * a list of tags compared weakly, so W/"x" matches "x"). */
static int not_modified(struct MHD_Connection *c, const char *etag)
{
	const char *inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						      MHD_HTTP_HEADER_IF_NONE_MATCH);

	if (!inm || !*etag)
		return 0;
	inm += strspn(inm, " \t");
	return !strncmp(inm, "*", 1) || strstr(inm, etag) != NULL;
}

/* A file's bytes: borrowed (built-in) or taken over (read from disk). */
static enum MHD_Result send_file(struct srv *s, struct MHD_Connection *c, struct req *r,
				 const char *rel, unsigned char *data, size_t len,
				 int owned, const char *etag)
{
	int fresh = not_modified(c, etag); /* the client's copy is this one */
	struct MHD_Response *resp =
		fresh ? MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT) :
		MHD_create_response_from_buffer(len, data, owned ? MHD_RESPMEM_MUST_FREE :
								   MHD_RESPMEM_PERSISTENT);

	/* MHD frees data only once a response of its own holds it */
	if (owned && (fresh || !resp))
		free(data);
	return answer(s, c, r, fresh ? 304 : 200, resp, content_type(rel), etag);
}

/* {"agent", "version", "ca", "tz"}: made at each request, so that a
 * SIGHUP's new finca.conf shows. */
static enum MHD_Result config_json(struct srv *s, struct MHD_Connection *c, struct req *r)
{
	const struct config *cfg = s->ca->cfg;
	json_t *j = json_pack("{s:s, s:s, s:s, s:s}", "agent", console_conf(cfg)->agent,
			      "version", FINCA_VERSION, "ca", cfg->name, "tz", "Asia/Shanghai");
	char *body = j ? json_dumps(j, JSON_COMPACT) : NULL;
	enum MHD_Result ret;

	json_decref(j);
	if (!body) {
		snprintf(r->error, sizeof r->error, "console: config.json: cannot encode");
		return message(s, c, r, 500, "internal error\n");
	}
	ret = answer(s, c, r, 200,
		     MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_COPY),
		     "application/json", NULL);
	free(body);
	return ret;
}

static const struct console_asset *builtin_find(const char *rel, size_t *i)
{
	for (*i = 0; *i < console_nassets; (*i)++)
		if (!strcmp(console_assets[*i].path, rel))
			return &console_assets[*i];
	return NULL;
}

static enum MHD_Result from_builtin(struct srv *s, struct MHD_Connection *c,
				    struct req *r, const char *rel)
{
	const struct console *k = s->console;
	const struct console_asset *a;
	size_t i;

	if (!(a = builtin_find(rel, &i)) && is_route(rel))
		a = builtin_find(rel = "index.html", &i);
	if (!a)
		return message(s, c, r, 404, "no such console file\n");
	return send_file(s, c, r, rel, (unsigned char *)a->data, a->len, 0, k->etag[i]);
}

/* Reads dir/rel when it is a regular file: FINCA_OK with *data (caller
 * frees), FINCA_ENOTFOUND when there is none, another error otherwise. */
static int disk_read(const char *dir, const char *rel, unsigned char **data, size_t *len)
{
	char *path = path_join(dir, rel);
	struct stat st;
	int rc;

	/* a directory or a FIFO is not a console file (and fopen would block
	 * on a FIFO) */
	if (!path || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		rc = err_why(FINCA_ENOTFOUND, NULL, "console.no_file",
			     "%s/%s: no such file", dir, rel);
	else
		rc = file_read(path, DISK_FILE_MAX, data, len);
	free(path);
	return rc;
}

static enum MHD_Result from_disk(struct srv *s, struct MHD_Connection *c,
				 struct req *r, const char *rel)
{
	unsigned char *data = NULL;
	size_t len = 0;
	char etag[ETAG_SIZE];
	int rc;

	rc = disk_read(s->console->dir, rel, &data, &len);
	if (rc == FINCA_ENOTFOUND && is_route(rel))
		rc = disk_read(s->console->dir, rel = "index.html", &data, &len);
	if (rc == FINCA_ENOTFOUND)
		return message(s, c, r, 404, "no such console file\n");
	if (rc != FINCA_OK) {
		snprintf(r->error, sizeof r->error, "console: %s", err_msg());
		return message(s, c, r, 500, "internal error\n");
	}
	etag_of(data, len, etag);
	return send_file(s, c, r, rel, data, len, 1, etag);
}

enum MHD_Result console_handle(struct srv *s, struct MHD_Connection *c, struct req *r,
			       const char *url)
{
	const char *rel;

	if (!strcmp(url, "/") || !strcmp(url, "/ui")) {
		struct MHD_Response *resp =
			MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
		if (resp)
			MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, "/ui/");
		return answer(s, c, r, 302, resp, "text/plain; charset=utf-8", NULL);
	}
	rel = url + strlen("/ui/");
	if (!path_ok(rel))
		return message(s, c, r, 400, "bad console path\n");
	if (!strcmp(rel, "config.json"))
		return config_json(s, c, r);
	if (!*rel)
		rel = "index.html";
	return s->console->dir ? from_disk(s, c, r, rel) : from_builtin(s, c, r, rel);
}
