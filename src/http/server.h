/* finca serve: the HTTP door.  Plain HTTP serves what relying parties
 * fetch (OCSP, CRLs, CA certificates, metrics); HTTPS serves the JSON API.
 * Handlers parse, call the core, render; nothing else. */
#ifndef FINCA_SERVER_H
#define FINCA_SERVER_H

#include "ca/ca.h"

struct server_opts {
	const char *listen;      /* "127.0.0.1:8080" */
	const char *tls_listen;  /* NULL: no HTTPS */
	int threads;             /* 0: one per core */
	int quiet;               /* no request log */
};

/* Runs until SIGTERM or SIGINT; ca must be unlocked. */
int server_run(struct ca *ca, const struct server_opts *o);

#endif
