/* The daemon's JSON API as a client: what the token station uses when the
 * CA is remote.  Logs in with the operator's TLS client certificate and
 * password, then calls with the session token. */
#ifndef FINCA_REMOTE_H
#define FINCA_REMOTE_H

#include <jansson.h>

struct remote_opts {
	const char *url;     /* https://host:port (the API is under /api/v1) */
	const char *cert, *key, *cacert; /* PEM files; cacert: the service CA */
};
struct remote;

/* Connects and logs in (password: FINCA_ACCOUNT_PASSWORD or the terminal,
 * for roles that need one; key passphrase: FINCA_KEY_PASSPHRASE). */
int remote_open(const struct remote_opts *o, struct remote **out);
void remote_free(struct remote *r);
/* method path (printf format, under /api/v1) with body (stolen; NULL for
 * none).  *out (may be NULL) receives the JSON answer.  An error answer
 * becomes the matching FINCA_E* with the server's message. */
int remote_call(struct remote *r, const char *method, const char *fmt, json_t *body,
		json_t **out, ...);

#endif
