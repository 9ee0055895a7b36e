/* How an answer leaves finca serve: the headers every answer carries, and
 * how a file is handed over.  Every handler answers through queue(). */
#include "http/server_int.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One year (RFC 6797 11.2 suggests a long max-age).  No includeSubDomains:
 * other hosts under the CA's domain may not all speak HTTPS. */
#define HSTS "max-age=31536000"

/* RFC 5987 3.2.1 attr-char: sent as is in filename*; the rest as %XX */
static int attr_char(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || (ch && strchr("!#$&+-.^_`|~", ch));
}

char *answer_disposition(const char *filename)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)filename;
	size_t n = strlen(filename), i, o = 0, plain = 1;
	/* "attachment; filename=\"" + n + "\"; filename*=UTF-8''" + 3n */
	char *s = xcalloc(1, 64 + 4 * n), *e;

	o += (size_t)sprintf(s, "attachment; filename=\"");
	/* the fallback for old clients: printable ASCII, no quote or
	 * backslash (RFC 6266 4.3: no escapes that clients misread) */
	for (i = 0; i < n; i++) {
		int ok = p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"' && p[i] != '\\';
		s[o++] = ok ? (char)p[i] : '_';
		plain &= ok;
	}
	s[o++] = '"';
	if (!plain || !n) {
		/* RFC 6266 4.3: recipients that know filename* prefer it */
		e = s + o;
		o += (size_t)sprintf(e, "; filename*=UTF-8''");
		for (i = 0; i < n; i++) {
			if (attr_char(p[i])) {
				s[o++] = (char)p[i];
			} else if (p[i] >= 0x20 && p[i] != 0x7f) {
				s[o++] = '%';
				s[o++] = hex[p[i] >> 4];
				s[o++] = hex[p[i] & 15];
			} else {
				s[o++] = '_'; /* a control character: not in a name */
			}
		}
	}
	s[o] = '\0';
	return s;
}

enum MHD_Result queue(struct MHD_Connection *c, struct req *r, int status,
		      struct MHD_Response *resp)
{
	enum MHD_Result ret;

	if (!resp)
		return MHD_NO;
	/* a browser must not guess HTML or script in a download or an
	 * error message: the type sent is the type */
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	if (r->tls)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_STRICT_TRANSPORT_SECURITY, HSTS);
	ret = MHD_queue_response(c, (unsigned)status, resp);
	MHD_destroy_response(resp);
	r->status = status;
	return ret;
}

enum MHD_Result reply_file(struct MHD_Connection *c, struct req *r, int status,
			   const char *type, const void *body, size_t len,
			   const char *filename)
{
	struct MHD_Response *resp;

	resp = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return MHD_NO;
	if (type)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (filename) {
		char *d = answer_disposition(filename);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_DISPOSITION, d);
		free(d);
	}
	return queue(c, r, status, resp);
}

enum MHD_Result reply(struct MHD_Connection *c, struct req *r, int status,
		      const char *type, const void *body, size_t len)
{
	return reply_file(c, r, status, type, body, len, NULL);
}
