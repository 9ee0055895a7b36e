/* The holder's signing agent (docs/console.md, "The agent"): a small HTTP
 * server on loopback that lists the certificates on the USBKeys present and
 * signs a login challenge with a token's key, for the console page in the
 * holder's browser.  The agent asks for the PIN itself; the page never sees
 * it.  `finca agent` (cli/cmd_agent.c) is its door.
 *
 *   origin.c  who may ask: the --origin pages and a loopback Host
 *   certs.c   the certificates on the tokens, and their ids
 *   pin.c     the PIN: --pin-command, the terminal, --pin-file; PINs refused
 *   sign.c    one login signature on a token
 *   http.c    the HTTP service: answers, routes, the request log
 *   produce.c the operator's USBKey production from the console
 *   agent.c   start, stop, run until a signal */
#ifndef FINCA_AGENT_H
#define FINCA_AGENT_H

#include <stddef.h>

#define AGENT_ORIGINS_MAX 32

/* What the agent is started with.  Every string is borrowed and must
 * outlive the agent. */
struct agent_config {
	const char *module;        /* the USBKey's PKCS#11 module */
	const char *listen;        /* HOST:PORT, loopback only */
	const char *origins[AGENT_ORIGINS_MAX];  /* the pages that may ask */
	size_t norigins;
	const char *pin_file;      /* lines "TOKENSERIAL PIN", or NULL */
	const char *pin_command;   /* sh command printing the PIN, or NULL */
	unsigned long sm2_sign;    /* the vendor's SM2 signing mechanism, or 0 */
	unsigned long sm2_keygen;  /* its SM2 key generation mechanism, or 0 */
	unsigned long sm2_import;  /* its SM2 envelope import (p11.h), or 0 */
	/* USBKey production (agent/produce.h); NULL: none */
	const char *server;        /* the console's origin, its API under /api/v1 */
	const char *ca_cert;       /* the service CA certificate (PEM file) */
	const char *algo;          /* key made on tokens: p256 (NULL), sm2, rsa... */
};

struct agent;

/* Adds origin to cfg->origins after checking it is one as browsers send
 * it (the string is borrowed). */
int agent_origin_add(struct agent_config *cfg, const char *origin);
/* Checks --pin-file, loads the module and listens; *out (agent_stop) is
 * the caller's.  Block SIGINT/SIGTERM first when a thread waits for them:
 * the agent's threads inherit the mask. */
int agent_start(const struct agent_config *cfg, struct agent **out);
/* Stops serving (a PIN prompt in progress gives up) and frees a; NULL is
 * a no-op. */
void agent_stop(struct agent *a);
/* agent_start, then serves until SIGINT or SIGTERM, then agent_stop. */
int agent_run(const struct agent_config *cfg);

#endif
