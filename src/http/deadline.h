/* The deadline of a request: a client has [server] request_timeout seconds
 * to send a whole request (TLS handshake, request line, headers, body),
 * however it spaces its bytes, counted from the connection's start or from
 * the previous answer; each body_min_rate bytes of a body add a second.
 *
 * libmicrohttpd's own timeout (MHD_OPTION_CONNECTION_TIMEOUT, finca's
 * idle_timeout) closes silent connections only: a byte every few seconds
 * keeps one open for ever, and a few thousand such (slowloris) hold every
 * slot.  MHD cannot close a connection from outside its own threads, nor
 * calls finca before the headers are complete; so a watcher thread
 * shuts overdue sockets down (shutdown(2): the descriptor stays valid), and
 * MHD, reading the end of the stream, closes the connection itself. */
#ifndef FINCA_DEADLINE_H
#define FINCA_DEADLINE_H

#include <microhttpd.h>
#include <stdatomic.h>
#include <stddef.h>

struct deadline;

/* A watcher for connections that get timeout seconds per request and a
 * second more per min_rate body bytes (0: none); timeout 0: no deadline,
 * *out is NULL and every function below is a no-op.  deadline_free stops
 * the thread and frees it. */
int deadline_new(int timeout, int min_rate, struct deadline **out);
void deadline_free(struct deadline *d);

/* MHD_OPTION_NOTIFY_CONNECTION's callback (cls: the struct deadline). */
void deadline_notify(void *cls, struct MHD_Connection *c, void **socket_context,
		     enum MHD_ConnectionNotificationCode code);
/* The access handler's marks: n body bytes arrived; the request is
 * complete (no deadline while it is answered); the answer is done (the
 * next request's clock starts). */
void deadline_body(struct deadline *d, struct MHD_Connection *c, size_t n);
void deadline_hold(struct deadline *d, struct MHD_Connection *c);
void deadline_restart(struct deadline *d, struct MHD_Connection *c);
/* Connections shut down so far for missing their deadline. */
unsigned long long deadline_closed(const struct deadline *d);

#endif
