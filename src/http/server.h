/* finca serve: the HTTP door.  Plain HTTP serves what relying parties
 * fetch (OCSP, CRLs, CA certificates, metrics); HTTPS serves the JSON API.
 * Handlers parse, call the core, render; nothing else. */
#ifndef FINCA_SERVER_H
#define FINCA_SERVER_H

#include "ca/ca.h"

/* Overrides of finca.conf's [server] section (NULL / -1: the file's). */
struct server_opts {
	const char *listen;      /* "127.0.0.1:8080" */
	const char *tls_listen;  /* "" turns HTTPS off */
	const char *tlcp_listen; /* [tlcp] listen's override; "" turns TLCP off */
	int threads;
	int quiet;               /* no request log */
};

/* Runs until SIGTERM or SIGINT; ca must be unlocked.  A ca opened
 * read-only (ca_open_readonly: finca serve --ocsp-only) is served as an
 * OCSP replica: OCSP signed by the issuing CA, the CRLs the primary's
 * nodes made last, the CA certificates; no HTTPS, no console, the API
 * answers 503 (api.ocsp_only), no reminders, nothing written.  SIGHUP rereads
 * finca.conf; listeners and threads stay as started. */
int server_run(struct ca *ca, const struct server_opts *o);

#endif
