/* Private to src/http/. */
#ifndef FINCA_SERVER_INT_H
#define FINCA_SERVER_INT_H

#include "ca/ocsp.h"
#include "http/metrics.h"
#include "http/server.h"
#include "store/store.h"

#include <microhttpd.h>
#include <pthread.h>


struct api;
struct console;
struct deadline;

enum { LOG_TO_STDERR, LOG_TO_SYSLOG, LOG_TO_NONE };

struct srv {
	struct ca *ca;                 /* borrowed */
	struct api *api;               /* owned */
	struct console *console;       /* owned (console.c) */
	struct ocsp_responder *ocsp;   /* owned */
	struct metrics metrics;
	struct deadline *deadline;     /* owned (deadline.c), NULL: none */
	atomic_ullong refused;         /* connections over a limit (MHD's log) */
	const char *listen, *tls_listen; /* in force */
	int threads, body_max, idle_timeout;
	int max_connections, per_ip_connections;
	int log;                       /* LOG_TO_* */
	pthread_rwlock_t cfg_lock;     /* requests read; SIGHUP reload writes */
	pthread_mutex_t crl_mu;        /* the published CRLs */
	struct published {
		unsigned char *der;    /* owned */
		size_t len;
		int64_t at, seq;       /* made when, at which status-log position */
	} crl, delta;
};

struct req {
	uint64_t start_us;
	int route, status, tls;
	char *body;                    /* owned */
	size_t len;
	int too_big;
	char method[8];
	char path[128];
	char account[sizeof(((struct account_rec *)0)->name)];
	char error[192];               /* an internal error's cause, for the log
					* only (the client sees "internal error") */
};

/* Queues a response with body (copied) and content type. */
enum MHD_Result reply(struct MHD_Connection *c, struct req *r, int status,
		      const char *type, const void *body, size_t len);
/* reply() for a file to save, not to show: Content-Disposition: attachment
 * with filename (UTF-8; RFC 6266). */
enum MHD_Result reply_file(struct MHD_Connection *c, struct req *r, int status,
			   const char *type, const void *body, size_t len,
			   const char *filename);
/* Queues resp (and destroys it) with the headers every answer carries:
 * X-Content-Type-Options: nosniff, and Strict-Transport-Security over
 * HTTPS.  NULL resp: MHD_NO.  (answer.c, with reply and reply_file) */
enum MHD_Result queue(struct MHD_Connection *c, struct req *r, int status,
		      struct MHD_Response *resp);

/* The Content-Disposition value for a download named filename (UTF-8):
 * attachment, an ASCII filename= and, when the name is not plain ASCII,
 * filename*=UTF-8''%XX (RFC 6266 4.3, RFC 5987).  Caller frees. */
char *answer_disposition(const char *filename);

#endif
