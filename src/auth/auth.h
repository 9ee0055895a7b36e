/* Who is calling: accounts bound to certificates, passwords, single-use
 * challenges signed by a certificate holder's key, sessions.  The same
 * signed-challenge check serves finca's own login and the application
 * systems' authentication API. */
#ifndef FINCA_AUTH_H
#define FINCA_AUTH_H

#include "auth/pin_proof.h"
#include "ca/ca.h"

#include <sys/socket.h>

/* --- [auth] of finca.conf (conf.c) --- */

struct auth_conf {
	int session_ttl;            /* seconds a session lasts at most */
	int session_idle;           /* seconds without a call that end it */
	int failures;               /* failed logins before the first lock */
	int lock;                   /* first lock, seconds; doubles per further failure */
	int account_lock_max;       /* longest lock of an account, seconds */
	int address_lock_max;       /* longest lock of a source address, seconds */
	int window;                 /* quiet seconds after a lock that forget a count */
	int challenges_per_address; /* login challenges outstanding per address */
	int challenges_per_app;     /* authentication challenges per application */
};

/* The [auth] settings of c (borrowed from c, valid until it is freed or
 * reloaded). */
const struct auth_conf *auth_conf(const struct config *c);

/* --- verified certificates (certcache.c) --- */

/* A certificate checked now: chain (cached), validity, status (read). */
struct checked {
	char serial[41];
	char status[16];          /* valid frozen revoked expired */
	int reason;
	int64_t not_after;
	char name[129], unit[129], id_number[19], unit_code[19];
	EVP_PKEY *key;            /* owned reference */
};

struct certcache;
struct certcache *certcache_new(void);
void certcache_free(struct certcache *c);
/* Checks the certificate der (chain to finca's CAs, remembered; validity
 * and stored status, every time).  FINCA_EAUTH when it does not chain or
 * is outside its validity; a revoked or frozen one is FINCA_OK with its
 * status (the caller decides).  out->key must be freed. */
int certcache_check(struct certcache *c, struct ca *ca, const unsigned char *der,
		    size_t len, struct checked *out);

/* --- accounts (account.c) --- */

/* "admin" ... "app"; 0 when name is not a role. */
int role_valid(const char *role);
/* Administrators and operators also need their password (art. 11). */
int role_needs_password(const char *role);

/* Creates an account bound to cert (one of finca's, in the store).  pw may
 * be NULL for roles that need none; it must have 10 or more characters.
 * person: the person's name (姓名, account_person_check), NULL or "" when
 * not given. */
int account_add(struct ca *ca, const struct actor *actor, const char *name,
		const char *person, const char *role, const char *scope, X509 *cert,
		const char *pw, struct account_rec *out);
/* FINCA_EINVAL unless person is a name people can read: at most 32
 * characters of UTF-8, no control characters, not starting or ending
 * with a space ("" is no name). */
int account_person_check(const char *person);
/* Sets the person's name of account name (audited account.person): an
 * administrator (right account.write) any account's, anyone their own. */
int account_set_person(struct ca *ca, const struct actor *actor, const char *name,
		       const char *person);
/* The account whose certificate (DER) this is, when the certificate is
 * valid now (chain, validity, not frozen or revoked) and the account is
 * enabled. */
int account_for_der(struct ca *ca, struct certcache *cc, const unsigned char *der,
		    size_t len, struct account_rec *out);
/* The first administrator, made by 'finca init': a P-256 TLS client
 * certificate from the service CA (DIR/admin.crt), its key encrypted under
 * a random password (DIR/admin.key), the account "admin".  The password is
 * written to pw_out (at least 21 bytes), to be shown once. */
int account_bootstrap_admin(struct ca *ca, char *pw_out, size_t pw_len);
/* FINCA_EAUTH unless pw matches (constant time, argon2id). */
int account_check_password(const struct account_rec *a, const char *pw);
/* FINCA_EAUTH: certificate serial may not log in, being status ("frozen",
 * "revoked", "expired", "not yet valid"; then, when given, the revocation
 * reason's name). */
int account_cert_refused(const char *serial, const char *status, const char *reason);

/* --- the certificate holder's account (holder_account.c) --- */

/* The holder account of certificate c (valid, just proved by a signed
 * challenge), made now (audited account.holder): role holder, scope the
 * person's ID number, bound to c.  FINCA_EAUTH when c is not a subscriber
 * certificate of a registered person.  *out is set on success only. */
int holder_account_open(struct ca *ca, const struct checked *c, struct account_rec *out);

/* --- challenges (challenge.c) --- */

#define CHALLENGE_LEN 43       /* base64url of 32 random bytes */
#define CHALLENGE_TTL 120      /* seconds */
#define CHALLENGE_MAX 131072   /* outstanding in one table */

struct challenges;
/* A table of at most max outstanding challenges (a power of two). */
struct challenges *challenges_new(uint32_t max);
void challenges_free(struct challenges *c);
/* A fresh challenge in out (CHALLENGE_LEN + 1 bytes) and when it expires,
 * for owner (who asked: a source address, an application system).  An
 * owner has at most quota outstanding: beyond that its own oldest is
 * dropped, so a flood from one owner cannot push out another's. */
int challenge_issue(struct challenges *c, const char *owner, int quota, char *out,
		    int64_t *expires);
/* Consumes the challenge: FINCA_EAUTH when unknown, used or expired. */
int challenge_take(struct challenges *c, const char *challenge);

/* What a valid signature over a challenge proves. */
struct holder {
	struct checked c;         /* c.key owned */
	int64_t days_to_expiry;
};
void holder_clear(struct holder *h);
/* Parses the holder's certificate (PEM or base64 DER), checks that sig
 * (base64) is its key's signature over the challenge text (SM2 with the
 * default ID, ECDSA or RSA with SHA-256), that the challenge is ours and
 * unused, and that the certificate is valid now.  FINCA_EAUTH names why
 * not. */
int holder_verify(struct ca *ca, struct challenges *c, struct certcache *cc,
		  const char *cert, const char *challenge, const char *sig,
		  struct holder *out);

/* holder_verify of a signature over AUTH_PIN_PROOF followed by the
 * challenge. */
int holder_verify_pin_proof(struct ca *ca, struct challenges *c, struct certcache *cc,
			    const char *cert, const char *challenge, const char *sig,
			    struct holder *out);

/* --- login throttling (throttle.c) --- */

#define THROTTLE_SOURCE_LEN 48   /* "ffff:ffff:ffff:ffff::/64" or IPv4 */

/* The source address of sa as throttling and the challenge quota count
 * it: IPv4 dotted, IPv6 by its /64 (one host commonly holds a whole /64). */
void throttle_source(const struct sockaddr *sa, char out[THROTTLE_SOURCE_LEN]);

/* A lock, as told to the caller and recorded in the audit trail. */
struct throttle_lock {
	int64_t retry;            /* seconds until the later lock ends, >= 1 */
	char msg[192];            /* names the rule: "account op1: 6 failed
				   * logins, try again in 32 s" */
	int account_failures, address_failures; /* counts now */
	int64_t account_lock, address_lock;   /* seconds left, 0: not locked */
};

struct throttle;
struct throttle *throttle_new(void);
void throttle_free(struct throttle *t);
/* FINCA_OK when a login from address addr, as account (NULL while not
 * known), may be tried now; otherwise FINCA_ELIMIT with the message and
 * *out filled.  ac: the [auth] rule in force. */
int throttle_check(struct throttle *t, const struct auth_conf *ac, const char *addr,
		   const char *account, struct throttle_lock *out);
/* Counts a failed login against addr, and against account when it is not
 * NULL: pass it only when the caller proved it holds the account's key (a
 * TLS client certificate, a signed challenge), so that nobody can lock an
 * account by naming it.  1 with *out filled when the failure starts a
 * lock, else 0. */
int throttle_fail(struct throttle *t, const struct auth_conf *ac, const char *addr,
		  const char *account, struct throttle_lock *out);
/* A successful login: the account's count starts again. */
void throttle_ok(struct throttle *t, const char *account);

/* --- sessions (session.c) --- */

#define TOKEN_LEN 43

/* Opens a session for account a, bound to its certificate and to the TLS
 * client certificate peer (DER; NULL: none).  token: TOKEN_LEN + 1 bytes,
 * given to the caller once; *expires: when it ends at the latest
 * ([auth] session_ttl). */
int session_open(struct ca *ca, const struct account_rec *a, const unsigned char *peer,
		 size_t peer_len, char *token, int64_t *expires);
/* The account of a live session presented on a connection with TLS client
 * certificate peer (NULL: none), into out; FINCA_EAUTH naming why not
 * (expired, idle, another connection's certificate, the certificate
 * frozen, revoked or expired, the account disabled). */
int session_check(struct ca *ca, const char *token, const unsigned char *peer,
		  size_t peer_len, struct account_rec *out);
void session_close(struct ca *ca, const char *token);

/* --- the doors' way in (login.c) --- */

/* The challenges, the verified-certificate cache and the throttle of one
 * daemon. */
struct auth;
struct auth *auth_new(void);
void auth_free(struct auth *au);

/* A fresh challenge: for application system app (its /auth/challenge
 * users), or when app is NULL for a login from source (an address). */
int auth_challenge(struct auth *au, struct ca *ca, const char *app, const char *source,
		   char *out, int64_t *expires);

/* What a login presents (borrowed): the TLS client certificate (DER, or
 * NULL), or a certificate with a signed challenge, and the password. */
struct auth_login {
	const unsigned char *peer;
	size_t peer_len;
	const char *certificate, *challenge, *signature, *password;
	const char *source;       /* the caller's address (throttle_source) */
};
struct auth_session {
	struct account_rec acct;  /* who logged in */
	char token[TOKEN_LEN + 1];
	int64_t expires;
	int64_t retry;            /* FINCA_ELIMIT: seconds to wait */
};
/* Logs in: FINCA_OK with a session; FINCA_EINVAL (err_field), FINCA_EAUTH
 * naming why, or FINCA_ELIMIT while throttled (out->retry).  Every attempt
 * is audited; failures count towards the throttle. */
int auth_login(struct auth *au, struct ca *ca, const struct auth_login *q,
	       struct auth_session *out);
/* The account of an API call: the session bearer (when not NULL) on a
 * connection with TLS client certificate peer, or that certificate alone
 * for roles without a password. */
int auth_identify(struct auth *au, struct ca *ca, const char *bearer,
		  const unsigned char *peer, size_t peer_len, struct account_rec *out);
/* A PIN change's proof (art. 23): the signature the agent made with the
 * token's key, after the change, over AUTH_PIN_PROOF and a login
 * challenge of ours (POST /login/challenge); *out as holder_verify. */
int auth_pin_proof(struct auth *au, struct ca *ca, const char *cert, const char *challenge,
		   const char *sig, struct holder *out);
/* An application system's question: is this the holder's signature over
 * our challenge, and is the certificate valid now?  *default_pin: its
 * USBKey still has the envelope PIN (art. 23). */
int auth_app_verify(struct auth *au, struct ca *ca, const char *cert, const char *challenge,
		    const char *sig, struct holder *out, int *default_pin);

#endif
