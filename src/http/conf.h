/* [server] and [console] of finca.conf (conf.c). */
#ifndef FINCA_HTTP_CONF_H
#define FINCA_HTTP_CONF_H

#include "ca/config.h"

/* TLS 1.3, and TLS 1.2 with ECDHE and AEAD suites only: no TLS 1.0/1.1, no
 * CBC, no SHA-1 MAC, no RSA key exchange (no forward secrecy).  The service
 * certificate is ECDSA P-256; ECDHE-RSA stays for an RSA one. */
#define SERVER_TLS_PRIORITY                                                  \
	"SECURE128:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-CIPHER-ALL:"         \
	"+AES-256-GCM:+AES-128-GCM:+CHACHA20-POLY1305:-MAC-ALL:+AEAD:"       \
	"-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA"

/* [server]: finca serve */
struct server_conf {
	char *listen, *tls_listen; /* tls_listen NULL: no HTTPS */
	int threads;           /* 0: one per core */
	int body_max;          /* bytes of a request body */
	int idle_timeout;      /* seconds a silent connection is kept */
	int request_timeout;   /* seconds to send a whole request, 0: none */
	int body_min_rate;     /* body bytes a second that extend it, 0: none */
	int max_connections;   /* per listener */
	int per_ip_connections; /* per client address and listener, 0: none */
	char *tls_priority;    /* GnuTLS priority string of the HTTPS listener */
	char *log;             /* stderr | syslog | none */
};

/* [console]: the web console */
struct console_conf {
	char *agent;           /* origin of the signing agent (finca agent):
				* http(s)://127.0.0.1|localhost|[::1]:PORT */
};

/* The settings of c (borrowed from c, valid until it is freed or
 * reloaded). */
const struct server_conf *server_conf(const struct config *c);
const struct console_conf *console_conf(const struct config *c);

#endif
