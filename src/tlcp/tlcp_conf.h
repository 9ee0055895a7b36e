/* [tlcp] of finca.conf (tlcp/conf.c) and the listener finca serve runs
 * with it (tlcp/front.c). */
#ifndef FINCA_TLCP_CONF_H
#define FINCA_TLCP_CONF_H

#include "ca/config.h"
#include "tlcp/tlcp.h"

struct tlcp_conf {
	char *listen;          /* "0.0.0.0:8444", or NULL: off */
	char *sign_cert, *sign_key, *enc_cert, *enc_envelope; /* paths in the data dir */
};

const struct tlcp_conf *tlcp_conf(const struct config *c);

/* The server pair t names, under dir (the data directory), with issuing
 * (borrowed, or NULL) sent after it. */
int tlcp_conf_load(const struct tlcp_conf *t, const char *dir, X509 *issuing,
		   struct tlcp_server **out);

/* The listener: each connection's handshake (at most 30 s), then its
 * bytes to and from backend (finca serve's plain HTTP listener, HOST:PORT;
 * 0.0.0.0 and [::] reached at loopback), at most max_conns at once, each
 * closed after 60 s without a byte.  ts is borrowed until tlcp_front_stop. */
struct tlcp_front;
int tlcp_front_start(const char *addr, const char *backend, const struct tlcp_server *ts,
		     int max_conns, struct tlcp_front **out);
/* Stops accepting, ends the connections, waits for their threads. */
void tlcp_front_stop(struct tlcp_front *f);

#endif
