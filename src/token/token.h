/* USBKeys as finca keeps them: the PIN policy (art. 23), the inventory with
 * its states and transitions (one table, token.c), and the steps of
 * enrolment that touch the CA.  The station (station/station.h) drives the
 * token itself through p11.h and calls these, locally (through ra/tokens.c)
 * or through the API. */
#ifndef FINCA_TOKEN_H
#define FINCA_TOKEN_H

#include "ca/ca.h"

/* [token] of finca.conf (conf.c): the token station's defaults. */
struct token_conf {
	char *module;              /* PKCS#11 module of the USBKeys, or NULL */
	char *algorithm;           /* key algorithm made on tokens, or NULL */
	unsigned long sm2_keygen, sm2_sign; /* vendor mechanisms, 0: none */
	unsigned long sm2_import; /* the vendor's envelope import (p11.h) */
};

/* The [token] settings of c (borrowed from c, valid until it is freed or
 * reloaded). */
const struct token_conf *token_conf(const struct config *c);

/* --- PIN policy (pin.c) --- */
#define PIN_MIN 6
#define PIN_MAX 10
#define PIN_DEFAULT_LEN 8
/* FINCA_EPOLICY naming the rule a new PIN breaks: 6-10 characters, digits
 * and letters both present, only digits and letters, not the default PIN
 * (old, may be NULL). */
int pin_check(const char *pin, const char *old);
/* A random default PIN of the policy's shape (out: PIN_DEFAULT_LEN + 1),
 * without look-alike characters, for the envelope. */
int pin_random(char *out);
/* A random SO PIN (out: 17 bytes). */
int pin_random_so(char *out);

/* --- the loss-report code of the PIN envelope (loss_code.c, art. 25) --- */
#define LOSS_CODE_LEN 12          /* characters, 60 bits */
#define LOSS_CODE_BUF 15          /* printed: XXXX-XXXX-XXXX and NUL */
/* A new random code for token, stored as its argon2id encoding (replacing
 * the token's older code) in the caller's transaction; out gets it as
 * printed in the envelope.  Shown once: finca cannot show it again. */
int loss_code_new(struct ca *ca, const char *token, char out[LOSS_CODE_BUF]);
/* The code as typed (any case, dashes and spaces ignored) into out, or
 * FINCA_EINVAL naming the rule. */
int loss_code_norm(const char *in, char out[LOSS_CODE_LEN + 1]);
/* 1 when code (normalised) is the one hash was made from.  hash NULL:
 * 0, after as long as a real check takes (no token in use must not show
 * in the time of the answer). */
int loss_code_match(const char *hash, const char *code);

/* --- inventory (token.c) ---
 * Every operation takes its actor for the token's
 * events and the audit trail; who may act on which token is decided above,
 * in ra/ (ra_token_*), the doors' way in. */
/* States: in_stock initialized issued suspended returned lost damaged
 * destroyed.  FINCA_ESTATE, naming the allowed next states, unless the
 * table allows from -> to. */
int token_move_check(const char *from, const char *to);

struct token_info {               /* what the station read off the token */
	const char *serial, *label, *manufacturer, *model;
	const char *node;         /* where it is made; NULL: the province */
};
/* Records a freshly initialised token (new, in stock or returned) as
 * initialized with its sealed SO PIN and a default user PIN, and gives it
 * a new loss-report code, written to loss_code for the envelope. */
int token_register(struct ca *ca, const struct actor *a, const struct token_info *t,
		   const char *so_pin, char loss_code[LOSS_CODE_BUF]);
/* The SO PIN of serial, for a PIN reset (audited).  *out: cleanse, free. */
int token_so_pin(struct ca *ca, const struct actor *a, const char *serial, char **out);

/* Enrolment, in two steps around writing the certificate to the token:
 * begin checks the token (initialized, registered) and the holder (no more
 * tokens in use than the profile allows), issues the certificate and
 * remembers it as pending; commit binds it once it is on the token (state
 * issued); abort revokes it (cessationOfOperation) when it never got there.
 * A pending certificate left by a station that died is revoked by the next
 * begin on the same token.  *out is the caller's. */
int token_enroll_begin(struct ca *ca, const struct actor *a, const char *serial, const struct issue_req *rq,
		       X509 **out);
int token_enroll_commit(struct ca *ca, const struct actor *a, const char *serial, const char *cert_serial);
int token_enroll_abort(struct ca *ca, const struct actor *a, const char *serial, const char *cert_serial,
		       const char *why);

/* Moves serial to state to, with the table's effect on its certificate:
 * suspended -> frozen; issued again -> unfrozen; lost -> revoked
 * keyCompromise; damaged -> revoked superseded; returned -> revoked with
 * reason (-1: cessationOfOperation) unless already revoked.  The token
 * change, the certificate change, the event (party: to or from whom) and
 * the audit record are one transaction. */
int token_move(struct ca *ca, const struct actor *a, const char *serial, const char *to, int reason,
	       const char *party, const char *note);
/* 交接: the issued token serial was handed to party. */
int token_handover(struct ca *ca, const struct actor *a, const char *serial, const char *party,
		   const char *note);
/* The holder changed the default PIN (changed 1), or a PIN reset set a new
 * default one (changed 0): a new envelope, with a new loss-report code
 * written to loss_code (the old one stops working). */
int token_pin_event(struct ca *ca, const struct actor *a, const char *serial, int changed,
		    char loss_code[LOSS_CODE_BUF]);

/* A token record with its events, for the CLI and the API (caller
 * decrefs). */
json_t *token_json(struct ca *ca, const struct token_rec *t, int events);

#endif
