/* The daemon's JSON API as a client: what the token station uses when the
 * CA is remote (station/remote.c).  Logs in with the operator's TLS client
 * certificate and password, then calls with the session token. */
#ifndef FINCA_CLIENT_H
#define FINCA_CLIENT_H

#include <jansson.h>

struct client_opts {
	const char *url;     /* https://host:port (the API is under /api/v1) */
	const char *cert, *key, *cacert; /* PEM files; cacert: the service CA */
	const char *key_passphrase;      /* of key, or NULL */
	/* The account's password into buf (len bytes), "" for none (a role
	 * that needs none); the door decides where it comes from.  NULL: no
	 * password. */
	int (*password)(void *arg, char *buf, size_t len);
	void *password_arg;
};
struct client;

/* Connects and logs in; *out (client_free) is the caller's. */
int client_open(const struct client_opts *o, struct client **out);
/* Calls with a session opened elsewhere: the console's operator session
 * handed to the USBKey agent (agent/produce.c).  url as in client_opts,
 * cacert the service CA (PEM file) the server's certificate must chain
 * to, bearer the session token (copied; at most 127 characters).  *out
 * (client_free) is the caller's.  A session opened with a TLS client
 * certificate is bound to it, so only a session the console opened with
 * a signed challenge works here (auth/session.c). */
int client_open_session(const char *url, const char *cacert, const char *bearer,
			struct client **out);
/* The server's refusals in lang (enum msg_lang) rather than the language
 * of the environment: the agent asks in its page's language. */
void client_set_lang(struct client *r, int lang);
/* NULL is a no-op. */
void client_free(struct client *r);
/* method path (printf format, under /api/v1) with body (stolen; NULL for
 * none).  *out (may be NULL) receives the JSON answer.  An error answer
 * becomes the matching FINCA_E* with the server's message. */
int client_call(struct client *r, const char *method, const char *fmt, json_t *body,
		json_t **out, ...);

#endif
