/* The token station of the making unit: USBKey init with the SO PIN kept
 * sealed by the CA, enrolment with the key made on the token (and the
 * certificate revoked again when it never reaches the token), PIN change
 * and reset, handover and return.  It drives the USBKey through PKCS#11
 * (token/p11.h) and keeps the inventory through one table of operations,
 * struct station_ops:
 *
 *   local.c    on the CA host: the core (ra_token_*, ra/tokens.c)
 *   remote.c   elsewhere: the daemon's API (/api/v1/tokens) through client.c
 *
 *   station.c  a station's life, the token in front of it, the inventory
 *              and the holder's commands (list, change-pin, sign)
 *   init.c     a blank or returned USBKey made ready (its SO PIN sealed)
 *   enroll.c   a key made on the token, its certificate, the compensating
 *              revoke; the encryption keys imported (import-keys); the PIN
 *              reset
 *
 * `finca token` (cli/cmd_token.c) is its door: it parses, asks for PINs
 * and prints.  Keys are made on the token and never leave it. */
#ifndef FINCA_STATION_H
#define FINCA_STATION_H

#include "ca/ca.h"
#include "station/client.h"
#include "token/p11.h"
#include "token/token.h"

#include <jansson.h>
#include <stdint.h>

struct actor;

/* The inventory: the CA's records of the USBKeys, kept locally or
 * remotely.  ctx is the implementation's (free releases it).  Every
 * json_t ** and char ** out-parameter is the caller's. */
struct station_ops {
	const char *name;      /* "local", "remote" */
	/* The record of serial, with its events when asked;
	 * FINCA_ENOTFOUND when the token is unknown. */
	int (*get)(void *ctx, const char *serial, int events, json_t **out);
	/* Every record (of state, when not NULL) as the inventory lists it. */
	int (*list)(void *ctx, const char *state, json_t **out);
	/* Registers an initialised token with its SO PIN (sealed by the CA);
	 * code gets its envelope's loss-report code. */
	int (*add)(void *ctx, const struct token_info *ti, const char *so_pin,
		   char code[LOSS_CODE_BUF]);
	/* The SO PIN kept for serial; with request, an accepted PIN reset of
	 * this token. */
	int (*so_pin)(void *ctx, const char *serial, int64_t request, char **out);
	/* What the accepted request asks to issue. */
	int (*enroll_spec)(void *ctx, int64_t request, json_t **out);
	/* Issues rq (its CSR made on the token) for serial. */
	int (*enroll_begin)(void *ctx, const char *serial, const struct issue_req *rq,
			    X509 **out);
	/* The certificate cert reached the token (abort_why NULL; with
	 * request, the request moves on) or never did (revoked, abort_why). */
	int (*enroll_end)(void *ctx, const char *serial, const char *cert, int64_t request,
			  const char *abort_why);
	/* The enveloped keys made for the signing certificate cert
	 * (ra_cert_envelope's answer: {serial, envelopes: [{enc_serial,
	 * format, der, certificate}]}); FINCA_ENOTFOUND when it has none. */
	int (*envelopes)(void *ctx, const char *cert, json_t **out);
	/* The encryption key of enc (its envelope's format) was imported
	 * onto the token serial beside cert's key: recorded. */
	int (*key_import)(void *ctx, const char *serial, const char *cert, const char *enc,
			  const char *format);
	/* The default PIN was changed (changed 1), or reset (changed 0: code
	 * gets the new envelope's loss-report code). */
	int (*pin_event)(void *ctx, const char *serial, int changed, int64_t request,
			 char code[LOSS_CODE_BUF]);
	/* A state change (reason: an RFC 5280 reason name or NULL). */
	int (*move)(void *ctx, const char *serial, const char *to, const char *reason,
		    const char *party, const char *note);
	/* 交接: the issued token handed to party. */
	int (*handover)(void *ctx, const char *serial, const char *party, const char *note);
	void (*free)(void *ctx);
};

/* The secrets the station asks its door for. */
enum station_secret {
	STATION_PIN,           /* the USBKey PIN, to log in */
	STATION_PIN_CURRENT,   /* change-pin: the current PIN */
	STATION_PIN_NEW,       /* change-pin: the new PIN (confirmed) */
};

/* What the command works on (strings borrowed). */
struct station_args {
	const char *serial;    /* the token; NULL: the only one present */
	const char *label;     /* init: the token's label; NULL: "finca" */
	const char *node;      /* init: the making node */
	int64_t request;       /* the accepted request worked on, or 0 */
	const char *profile, *subject, *person, *replaces, *unit_code;
	int days;
	/* init: an initialised token's SO PIN when finca kept none (a
	 * vendor's default), or NULL */
	const char *old_so_pin;
};

struct station {
	struct station_args a;
	const struct station_ops *ops;   /* NULL: no inventory here */
	void *inv;                       /* owned by ops */
	struct p11 *m;                   /* owned */
	struct p11_sm2 sm2;
	int algo;                        /* enum key_alg made on tokens */
	struct p11_token tok;            /* the token in front of us */
	struct p11s *s;                  /* owned: its session */
	json_t *spec;                    /* owned: what the request asks to issue */
	/* The door's: a PIN into buf (len bytes), from wherever the door
	 * takes it; needed by enroll, change-pin and sign. */
	int (*secret)(void *arg, enum station_secret what, char *buf, size_t len);
	void *secret_arg;
};

/* The inventory on the CA host: ca and a are borrowed and must outlive st. */
void station_use_local(struct station *st, struct ca *ca, const struct actor *a);
/* The inventory through the daemon's API: connects and logs in. */
int station_use_remote(struct station *st, const struct client_opts *o);
/* The inventory through the daemon's API with a session opened elsewhere
 * (client_open_session: the console's, handed to the USBKey agent). */
int station_use_session(struct station *st, const char *url, const char *cacert,
			const char *bearer);
/* The daemon's API client of a remote inventory (borrowed), or NULL. */
struct client *station_client(struct station *st);
/* Loads the PKCS#11 module (module NULL: an error naming where to give
 * it); algo: sm2, p256 (NULL), rsa2048 or rsa3072. */
int station_load(struct station *st, const char *module, const char *algo);
/* Frees what st holds (not st itself). */
void station_free(struct station *st);

/* The inventory record of serial, with its events when asked (*out: the
 * caller's); FINCA_ENOTFOUND when unknown or when there is no inventory. */
int station_get(struct station *st, const char *serial, int events, json_t **out);
/* The inventory's records (of state when not NULL; *out: the caller's). */
int station_inventory(struct station *st, const char *state, json_t **out);
/* handover, returned, or a state mark of serial. */
int station_change(struct station *st, const char *serial, const char *what,
		   const char *reason, const char *party, const char *note);

/* Each token present, with its inventory record when there is one: cb is
 * called per token with row (borrowed) and may stop the walk. */
int station_list(struct station *st,
		 int (*cb)(void *arg, const struct p11_token *t, json_t *row), void *arg);

/* What init and a PIN reset give for the envelope (station_envelope_clear
 * after printing). */
struct station_envelope {
	char pin[PIN_DEFAULT_LEN + 1];
	char code[LOSS_CODE_BUF];
};
void station_envelope_clear(struct station_envelope *e);

/* Initialises the token (st->a.serial, else the only blank one, else the
 * only one) with a new SO PIN and a default PIN, and registers it. */
int station_init(struct station *st, struct station_envelope *out);
/* What an enrolment made. */
#define STATION_ENC_MAX 8
struct station_enrolled {
	char cert[41];         /* the certificate's serial */
	char label[64];        /* the token key's label: the holder's name */
	/* the encryption certificates whose keys were imported (dual pair) */
	char enc[STATION_ENC_MAX][41];
	size_t nenc;
	/* set when the certificate that never reached the token could not be
	 * revoked: why (the enrolment failed all the same) */
	char unrevoked[320];
};
/* Makes a key on the token, has its certificate issued and puts it on the
 * token, with the encryption key pair of a dual pair imported from its
 * envelope (km/envelope.c); revokes the certificate when any of it does
 * not get there. */
int station_enroll(struct station *st, struct station_enrolled *out);
/* What import-keys put on the token. */
struct station_imported {
	char enc[STATION_ENC_MAX][41];   /* the encryption certificates imported */
	size_t nenc;
	size_t present;   /* encryption certificates found on the token */
};
/* With the holder's PIN: every enveloped key of each signing certificate
 * on the token (its pair's own, and the old ones a key recovery enveloped
 * to it, ra/recover.c) that is not on the token yet, imported and
 * recorded (token.key_import); when one fails, none of this run stays on
 * the token and none is recorded. */
int station_import_keys(struct station *st, struct station_imported *out);
/* Changes the token's PIN (the door is asked the current and the new). */
int station_pin_change(struct station *st);
/* Resets the token's PIN with the SO PIN the inventory keeps. */
int station_pin_reset(struct station *st, struct station_envelope *out);
/* Signs data with the token's key: {"certificate", "signature"} (*out:
 * the caller's). */
int station_sign(struct station *st, const char *data, json_t **out);

extern const struct station_ops station_local_ops, station_remote_ops;

#endif
