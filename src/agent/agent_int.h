/* Inside the signing agent: its state and what its files share (agent.h
 * names the files).
 *
 * What stands between a web page and the token: the listener is loopback
 * only; every request must carry an Origin given with --origin and a
 * loopback Host (a DNS-rebinding page sends its own name); a PIN is offered
 * to the token once per request, and a PIN the token refused is never
 * offered to it again.  Plain HTTP is enough: browsers treat
 * http://127.0.0.1 as a secure context. */
#ifndef FINCA_AGENT_INT_H
#define FINCA_AGENT_INT_H

#include "agent/agent.h"
#include "token/p11.h"

#include <jansson.h>
#include <microhttpd.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdatomic.h>

#define BODY_MAX 4096          /* {"id", "challenge"} fits many times over */
#define CHALLENGE_MAX 256      /* docs/console.md: printable ASCII */
#define PIN_MAX 128
#define PIN_FILE_MAX 65536
#define ASK_SECONDS 120        /* a login challenge lives 120 s (CHALLENGE_TTL) */
#define ORIGIN_LEN 200
#define REFUSED_MAX 16

/* A PIN a token refused, kept as HMAC(run key, serial, PIN): it is never
 * offered to that token again, so no page can burn the token's tries by
 * asking again and again with a stale --pin-file.  XXX: a PIN refused and
 * later made valid by a PIN change elsewhere stays refused until the agent
 * restarts or the token accepts another PIN. */
struct refused {
	char serial[17];           /* "" when free */
	unsigned char mac[32];
};

struct agent {
	struct agent_config cfg;   /* a copy; its strings borrowed */
	struct p11 *m;             /* owned */
	struct p11_sm2 sm2;
	char host[72];             /* the listening address as a Host names it */
	unsigned port;
	struct MHD_Daemon *d;      /* owned */
	pthread_mutex_t tok_mu;    /* one PKCS#11 conversation at a time */
	pthread_mutex_t ask_mu;    /* one PIN prompt at a time */
	unsigned char mac_key[32]; /* random per run, for refused */
	struct refused refused[REFUSED_MAX];   /* under tok_mu */
	size_t refused_next;
	struct produce *prod;      /* owned: USBKey production, or NULL */
	struct agent_instr *instr; /* owned: --ca-cert's instructions, or NULL */
};

/* Set when the agent stops: a PIN prompt in progress gives up. */
extern atomic_int agent_stopping;

/* --- who may ask (origin.c) --- */

/* A printable copy of an outside string, for logs and prompts. */
void agent_printable(char *out, size_t len, const char *in);
/* The Host must name the loopback listener. */
int agent_host_ok(const struct agent *a, const char *host);
/* The --origin equal to origin (borrowed from a), or NULL. */
const char *agent_origin_allowed(const struct agent *a, const char *origin);

/* --- the certificates on the tokens (certs.c) --- */

/* Splits an id "TOKENSERIAL:CKAIDHEX" into the token serial and the
 * CKA_ID; 0 when malformed. */
int agent_id_parse(const char *s, char serial[17], unsigned char id[64], size_t *idlen);
/* Every certificate on every initialised token present (*out: the
 * caller's).  A token that fails while read is left out and named in
 * note.  Takes tok_mu. */
int agent_certs_list(struct agent *a, json_t **out, char *note, size_t nlen);
/* The token of serial and its certificate with CKA_ID id (*x: the
 * caller's).  FINCA_ENOTFOUND when either is not there.  Under tok_mu. */
int agent_cert_find(struct agent *a, const char *serial, const unsigned char *id,
		    size_t idlen, struct p11_token *t, X509 **x);

/* --- the PIN (pin.c) --- */

/* What a PIN is asked for: the terminal says so (and asks a new PIN
 * twice); --pin-command is told FINCA_AGENT_PURPOSE. */
enum ask_for {
	ASK_SIGN,                  /* a login signature (/v1/sign) */
	ASK_PIN_OLD,               /* the current PIN, to change it */
	ASK_PIN_NEW,               /* the new PIN */
};

struct ask {
	const char *serial, *origin;
	char label[33], subject[256], cert[41];
	int final_try;
	enum ask_for what;
};

/* The PIN file must be a regular file neither group nor others can read
 * or write. */
int agent_pin_file_check(const char *path, int fd);
/* The PIN, from --pin-command, else the terminal, else --pin-file. */
int agent_pin_ask(struct agent *a, const struct ask *q, char *pin, size_t len);
/* HMAC(run key, serial, PIN), what a refused PIN is kept as. */
void agent_pin_mac(const struct agent *a, const char *serial, const char *pin,
		   unsigned char mac[32]);
/* Under tok_mu: whether the token refused this PIN before. */
int agent_pin_refused(const struct agent *a, const char *serial, const unsigned char mac[32]);
/* Under tok_mu: ok, the token took a PIN, forget what it refused; else
 * keep mac as refused. */
void agent_pin_remember(struct agent *a, const char *serial, const unsigned char mac[32],
			int ok);

/* --- signing (sign.c) --- */

/* What a failed signing answers. */
struct refusal {
	int status;                /* HTTP */
	const char *code;
	int tries_left;            /* -1: the token does not say */
};

/* Printable ASCII, 1 to CHALLENGE_MAX bytes. */
int agent_challenge_ok(const char *s, size_t len);
/* Logs in to token serial with pin, signs data with the key of CKA_ID id
 * (certificate x), logs out.  *sig (OPENSSL_free) is the caller's.  On
 * failure *why says how to answer.  Takes tok_mu. */
int agent_token_sign(struct agent *a, const char *serial, const char *pin, X509 *x,
		     const unsigned char *id, size_t idlen, const char *data,
		     unsigned char **sig, size_t *siglen, struct refusal *why);

/* --- the server's signed instructions (instr.c) --- */

struct instruction;
struct agent_instr;
/* Reads the service CA certificate ca_cert (NULL: *out NULL, the agent
 * takes no instructions).  *out: agent_instr_free. */
int agent_instr_start(const char *ca_cert, struct agent_instr **out);
void agent_instr_free(struct agent_instr *v);
/* Checks instr {payload, signature} (borrowed; NULL: absent) against the
 * service CA: signed, unexpired, for op, its nonce not taken before
 * (taken now); *out its contents.  FINCA_EAUTH with no CA (v NULL). */
int agent_instr_take(struct agent_instr *v, json_t *instr, const char *op,
		     struct instruction *out);
/* Takes "instruction" out of a request's body (not one of the body's own
 * fields): a reference of the caller's, or NULL when absent. */
json_t *agent_instr_pop(json_t *body);

/* --- the PIN change (pin_change.c) --- */

/* What an operation answers: status and, on success, answer (the
 * caller's); on failure code, the thread's error saying why. */
struct agent_answer {
	int status;
	const char *code;
	json_t *answer;
	char note[256];            /* for the log (never a PIN) */
};
/* POST /v1/change-pin: body (NULL: too large) {id, challenge}; both PINs
 * from the agent's PIN source; the proof {token, certificate, challenge,
 * signature} in ans->answer. */
int agent_change_pin(struct agent *a, const char *origin, const char *body, size_t len,
		     struct agent_answer *ans);

/* --- HTTP (http.c) --- */

/* libmicrohttpd's access handler and completion callback; cls is the
 * agent. */
enum MHD_Result agent_http_request(void *cls, struct MHD_Connection *c, const char *url,
		       const char *method, const char *version, const char *data,
				   size_t *data_size, void **req_cls);
void agent_http_done(void *cls, struct MHD_Connection *c, void **req_cls,
		     enum MHD_RequestTerminationCode toe);

#endif
