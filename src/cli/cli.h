/* The command-line door: parses argv, calls the core, prints. */
#ifndef FINCA_CLI_H
#define FINCA_CLI_H

#include "ca/ca.h"

#define EXIT_USAGE 2

struct cli {
	const char *dir;
	const char *as;      /* --as ACCOUNT / $FINCA_AS, or NULL */
	char actor[65];      /* the host acting (cli:USER, $FINCA_ACTOR) */
};

struct actor;
/* The account named by --as, logged in (its password from
 * $FINCA_ACCOUNT_PASSWORD or the terminal when its role needs one). */
int cli_actor(const struct cli *c, struct ca *ca, struct actor *a);
/* cli_actor with --as; without it the CA host itself (c->actor, role
 * system): whoever holds the data directory and the CA passphrase.  The
 * audit trail names which. */
int cli_actor_or_host(const struct cli *c, struct ca *ca, struct actor *a);

/* Opens the data directory (and unlocks the CA keys when unlock is set,
 * and the KM key too when it is 2: ca_unlock_km);
 * prints the error and returns non-zero on failure. */
int cli_open(const struct cli *c, int unlock, struct ca **out);
/* The same, silent: the FINCA_E* code with the error set. */
int cli_open_rc(const struct cli *c, int unlock, struct ca **out);
/* cli_open(c, 1, out) of a store opened read-only (ca_open_readonly) */
int cli_open_readonly(const struct cli *c, struct ca **out);
/* The CA passphrase: FINCA_PASSPHRASE, or asked on the terminal. */
int cli_passphrase(const char *env, const char *prompt, int confirm,
		   char *buf, size_t len);
/* Prints "finca: message" and returns 1 (or 2 for usage errors). */
int cli_fail(int rc);
int cli_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints a JSON value to stdout (takes ownership). */
void cli_json(json_t *j);
/* Reads certificates (PEM, possibly several) or one DER certificate. */
int cli_read_certs(const char *path, STACK_OF(X509) **out);

int cmd_init(struct cli *c, int argc, char **argv);
int cmd_migrate(struct cli *c, int argc, char **argv);
int cmd_ca(struct cli *c, int argc, char **argv);
int cmd_cert(struct cli *c, int argc, char **argv);
int cmd_crl(struct cli *c, int argc, char **argv);
int cmd_audit(struct cli *c, int argc, char **argv);
int cmd_serve(struct cli *c, int argc, char **argv);
int cmd_account(struct cli *c, int argc, char **argv);
int cmd_token(struct cli *c, int argc, char **argv);
/* node dept app unit person device (cmd_ra.c) */
int cmd_org(struct cli *c, int argc, char **argv);
/* request, batch */
int cmd_request(struct cli *c, int argc, char **argv);
int cmd_expiring(struct cli *c, int argc, char **argv);
int cmd_remind(struct cli *c, int argc, char **argv);
int cmd_demo(struct cli *c, int argc, char **argv);
/* the signing agent on a holder's computer (cmd_agent.c) */
int cmd_agent(struct cli *c, int argc, char **argv);
/* backup, restore (cmd_backup.c) */
int cmd_backup(struct cli *c, int argc, char **argv);
int cmd_restore(struct cli *c, int argc, char **argv);

#endif
