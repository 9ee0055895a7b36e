/* The certificate authority: a data directory, its CAs, its store.
 *
 * Layout of a data directory:
 *   finca.conf            configuration (config.h)
 *   finca.db              SQLite store (store.h), unless finca.conf's
 *                         [store] url names a PostgreSQL database
 *   ca/root.crt .key      root CA (absent with an external root)
 *   ca/issuing.crt .key   issuing CA: signs subscribers, CRLs, checkpoints
 *   ca/issuing.csr        with an external root, until 'ca install'
 *   ca/service.crt .key   ECDSA P-256 service CA for TLS (browsers and TLS
 *                         stacks do not speak SM2)
 * Keys are PKCS#8 PEM encrypted under the CA passphrase. */
#ifndef FINCA_CA_H
#define FINCA_CA_H

#include "ca/config.h"
#include "store/store.h"

#include <jansson.h>
#include <pthread.h>
#include <openssl/x509.h>

/* Who acts: every core operation takes one, for its checks and the audit
 * trail.  Roles: admin operator approver officer auditor app (accounts),
 * holder (a certificate user: scope is its resident ID number), system
 * (finca itself or the CA host: whoever holds the data directory and the
 * CA passphrase; demo seed, reminders, the daemon's own certificates).
 * Scope: operator a node code, approver a department code, officer a unit
 * code, app an application system code. */
struct actor {
	char name[65], role[16], scope[65];
};

struct ca {
	char *dir;
	struct config *cfg;   /* owned */
	struct store *st;     /* owned; the opening thread's (see ca_store) */
	char algorithm[16];   /* sm2 | p256 | rsa2048 | rsa3072 */
	char audit_md[16];    /* SM3 for SM2 deployments, SHA256 otherwise */
	X509 *root, *issuing, *service; /* owned; NULL when not installed */
	EVP_PKEY *issuing_key, *service_key; /* owned; NULL until ca_unlock */
	struct keystore *keys; /* owned: where root and issuing keys live */
	EVP_PKEY *km_key;     /* owned; the KM private key, NULL until
			       * ca_unlock_km: only key recovery opens it */
	struct actor self;    /* the process itself (cli:root): role system */
	int readonly;         /* ca_open_readonly: nothing is written */
	int threaded;         /* ca_threaded() was called */
	pthread_key_t st_key; /* per-thread stores when threaded */
};

struct ca_init_opts {
	const char *dir, *name, *base_url;
	int algorithm;        /* enum key_alg */
	int external_root;    /* only the issuing key and a CSR */
	const char *pkcs11_module, *pkcs11_token; /* root and issuing keys in
				 * an HSM (both NULL: encrypted files) */
	const char *store_url; /* a PostgreSQL database (NULL: finca.db) */
	const char *actor;
};

/* Creates a new data directory.  Refuses one that already has a database.
 * pass encrypts the CA keys. */
int ca_init(const struct ca_init_opts *o, const char *pass);
/* Runs the pending migrations of dir's store (finca.conf's [store]):
 * *from the schema version found, *to the version now. */
int ca_migrate(const char *dir, int *from, int *to);
/* Opens dir: configuration, store, CA certificates.  A changed finca.conf
 * is recorded in the audit trail.  *out is the caller's (ca_free). */
int ca_open(const char *dir, const char *actor, struct ca **out);
/* ca_open for a node that never writes (finca serve --ocsp-only on a
 * PostgreSQL hot standby): the store opened read-only (no migration, a
 * schema mismatch named), finca.conf's changes not audited (a replica's
 * audit trail is the primary's); every thread's store read-only too. */
int ca_open_readonly(const char *dir, const char *actor, struct ca **out);
void ca_free(struct ca *ca);
/* The store for the calling thread.  A SQLite connection is not shared
 * between threads: once ca_threaded() was called, each thread other than
 * the opener gets its own connection, closed when the thread ends. */
struct store *ca_store(struct ca *ca);
int ca_threaded(struct ca *ca);

/* Reads finca.conf again (SIGHUP).  On any error the old configuration
 * stays.  The caller keeps every other user of ca->cfg out meanwhile. */
int ca_reload_config(struct ca *ca);

/* Decrypts the CA keys; needed for anything that signs. */
int ca_unlock(struct ca *ca, const char *pass);
/* Opens the KM private key (km/km.h) with the same passphrase, for key
 * recovery (ra/recover.c): the serve daemon does at its start.  A
 * keystore without a KM key leaves ca->km_key NULL and is no error. */
int ca_unlock_km(struct ca *ca, const char *pass);
/* Installs the issuing CA certificate signed by an external root: pem holds
 * the issuing certificate, then its chain up to the root. */
int ca_install(struct ca *ca, const char *pem, size_t len, const char *pass);
/* The CA certificate named "issuing" or "service" (borrowed). */
X509 *ca_issuer_cert(const struct ca *ca, const char *issuer);
EVP_PKEY *ca_issuer_key(const struct ca *ca, const char *issuer);

/* Seals a secret (NUL-terminated) for later, bound to aad; *out is the
 * caller's.  Opening needs the unlocked CA (seal.c). */
int ca_seal(struct ca *ca, const char *aad, const char *secret,
	    unsigned char **out, size_t *outlen);
/* *out (NUL-terminated) is the caller's: cleanse and free it. */
int ca_unseal(struct ca *ca, const char *aad, const unsigned char *in, size_t len,
	      char **out);

/* Sets a positive 16-octet serial with 88 random bits (see ca.c). */
int ca_random_serial(X509 *x);

/* The installed CA certificates as GET /api/v1/ca answers them: {cas:
 * [{name, title_zh, title_en, subject, issuer, serial, not_before,
 * not_after, key, signature, sha256, url, crl, ocsp}]} (caller frees). */
json_t *ca_info_json(const struct ca *ca);
/* The URLs certificates carry (caller frees). */
char *ca_url(const struct ca *ca, const char *what);

/* Appends an audit record made by actor (the acting account's name, or the
 * process's own ca->actor for what no account asked) and, every
 * cfg->checkpoint_every records when a key is unlocked, a signed
 * checkpoint.  Inside a transaction.  Every core operation below takes its
 * actor explicitly: the audit trail names who asked, whatever the door. */
int ca_audit(struct ca *ca, const char *actor, const char *action,
	     const char *object, json_t *details);
int ca_checkpoint(struct ca *ca);
/* Runs fn(ca, arg) in one transaction: all of it is kept, or nothing. */
int ca_atomic(struct ca *ca, int (*fn)(struct ca *ca, void *arg), void *arg);
/* A refusal: records auth.denied (details, taken; the message added as
 * "why") against a's account in a transaction of its own, and returns
 * FINCA_EAUTH with the current message kept. */
int ca_deny(struct ca *ca, const struct actor *a, json_t *details);

/* --- issuance (issue.c) --- */

struct issue_req {
	const char *profile;
	const unsigned char *csr_der; /* borrowed: a PKCS#10 request (DER),
				 * parsed and checked by the worker threads */
	size_t csr_len;
	EVP_PKEY *pubkey;       /* borrowed; the key when there is no CSR */
	const char *subject;    /* DN text; NULL: the CSR's subject */
	const X509_NAME *subject_name; /* borrowed, or the subject as it is
				 * (renewal keeps it byte for byte) */
	int days;               /* 0: the profile's validity */
	const char *id_number;  /* persons: resident ID number */
	const char *unit_code;  /* units: unified social credit code */
	const char *replaces;   /* renew/update: the serial superseded */
	const char *action;     /* audit action, "cert.issue" when NULL */
	int pair_role;          /* PAIR_NONE, or a half of a dual pair
				 * (dual.c): a PAIR_ENC request follows its
				 * PAIR_SIGN one in the same batch */
	const unsigned char *escrow; /* PAIR_ENC: the sealed private key */
	size_t escrow_len;      /* (km_escrow_seal), kept with the record */
	const unsigned char *env, *skf; /* PAIR_ENC: the enveloped key for
				 * the signing half (GM/T 0009 DER, GM/T 0016
				 * blob), kept for the USBKey side (km_envelope);
				 * a P-256 pair's: the PKCS#11 envelope, skf NULL */
	size_t env_len, skf_len;
	const char *env_format; /* env's format in km_envelope: NULL
				 * "gmt0009", or ENVELOPE_P11_FORMAT */
	const char *pair_replaces; /* PAIR_SIGN given to ca_issue_dual: the
				 * encryption half superseded with replaces */
};

/* The halves of a dual pair (双证书, GM/T 0015 key usages per half). */
enum pair_role { PAIR_NONE, PAIR_SIGN, PAIR_ENC };

/* Called once per certificate, in request order, after its record is
 * durable.  cert is borrowed. */
typedef int (*issue_emit_cb)(void *arg, size_t i, X509 *cert);

/* Issues n certificates.  Every request is checked first (CSR signature,
 * key strength, profile rules, identity numbers); one bad request refuses
 * the whole batch and changes nothing.  Then certificates are signed by
 * cfg->workers threads and committed in groups of cfg->commit_group, each
 * group durable before any of its certificates reaches emit. */
int ca_issue(struct ca *ca, const struct actor *a, const struct issue_req *rq, size_t n,
	     issue_emit_cb emit, void *arg);

/* A certificate as issue_emit_cb hands it, copied from its DER (only the
 * copy has a usable public key); *out is the caller's. */
int ca_cert_copy(X509 *cert, X509 **out);

/* Issues one certificate; *out is the caller's. */
int ca_issue_one(struct ca *ca, const struct actor *a, const struct issue_req *rq,
		 X509 **out);

/* Renew (延期, op OP_RENEW) or update (更新, OP_UPDATE) the certificate
 * serial: a new certificate with the old one's profile, subject and
 * identity unless over says otherwise (over->csr_der: a new key; over->subject,
 * id_number, unit_code: changed data; over->days).  The old certificate is
 * revoked as superseded in the same transaction.  A half of a dual pair
 * renews the pair (both halves superseded; a new KM key for the encryption
 * half); *out is then the new signing half.  *out is the caller's. */
int ca_renew(struct ca *ca, const struct actor *a, int op, const char *serial,
	     const struct issue_req *over, X509 **out);

/* --- dual certificates (dual.c) --- */

struct dual_out {
	X509 *sign, *enc;            /* owned: the pair */
	unsigned char *env, *skf;    /* owned: the encryption key enveloped to
				      * the signing key, as GM/T 0009
				      * SM2EnvelopedKey DER and as the GM/T
				      * 0016 SKF ENVELOPEDKEYBLOB; a P-256
				      * pair: the PKCS#11 envelope, skf NULL
				      * (km/km.h) */
	size_t env_len, skf_len;
};
void dual_out_clear(struct dual_out *o);

/* Issues a pair for rq (a CSR or a key: the signing key): the signing
 * certificate (digitalSignature, nonRepudiation) and an encryption
 * certificate (keyEncipherment, dataEncipherment, keyAgreement) for a key
 * pair the KM makes, same subject and identity, linked in the store with
 * the encryption key escrowed, all in one transaction; then the envelope
 * for the signing key's USBKey.  The profile must allow pairs (its dual
 * setting).  out is the caller's to clear. */
int ca_issue_dual(struct ca *ca, const struct actor *a, const struct issue_req *rq,
		  struct dual_out *out);
/* Issues rq as its profile says (ca_profile_dual): a pair, with its
 * envelope kept in the store for the USBKey side, or one certificate.
 * The one entry point of every issuing door (RA production, token
 * station, API).  *out, the signing (or only) certificate, is the
 * caller's. */
int ca_issue_auto(struct ca *ca, const struct actor *a, const struct issue_req *rq,
		  X509 **out);
/* Whether p issues pairs in this deployment (dual = auto: subscriber
 * profiles of an SM2 CA). */
int ca_profile_dual(const struct ca *ca, const struct profile *p);

/* --- lifecycle (status.c) --- */

enum cert_op { OP_REVOKE, OP_FREEZE, OP_UNFREEZE, OP_RENEW, OP_UPDATE };

/* RFC 5280 reason names <-> codes; -1 when unknown. */
int ca_reason_parse(const char *name);
const char *ca_reason_name(int code);
/* Normalises a serial typed by a person (hex, any case, ':' allowed, 0x
 * prefix) into out. */
int ca_serial_norm(const char *in, char out[41]);
/* "valid", "frozen", "revoked", "expired" for a record at time now. */
/* The serial of a certificate this CA issued (at most 20 octets), in
 * the form ca_serial_norm gives. */
void ca_cert_serial(const X509 *x, char out[41]);
const char *ca_status_name(const struct cert_rec *r, int64_t now);
/* FINCA_OK when op is allowed on r now, else FINCA_ESTATE naming why. */
int ca_transition_check(const struct cert_rec *r, int op, int64_t now);

/* FINCA_EINVAL unless reason is one a revocation may give (RFC 5280;
 * certificateHold is a freeze). */
int ca_revocation_reason(int reason);
int ca_revoke(struct ca *ca, const struct actor *a, const char *serial, int reason);
int ca_freeze(struct ca *ca, const struct actor *a, const char *serial);
int ca_unfreeze(struct ca *ca, const struct actor *a, const char *serial);

/* Where the status log stands (it moves with every status change: a
 * published CRL is remade then), and the certificates by status
 * (counts[0..2] as CERT_*, counts[3] expired): the daemon's own reads. */
int ca_status_position(struct ca *ca, int64_t *seq);
int ca_cert_counts(struct ca *ca, int64_t now, int64_t counts[4]);

/* A certificate record as JSON, for the CLI and the API (caller decrefs). */
json_t *ca_cert_json(struct ca *ca, const struct cert_rec *r, int64_t now);

/* --- CRLs (crl.c) --- */

/* Makes, records and returns a full (or delta) CRL of the issuing CA.
 * *der is the caller's (free). */
int ca_crl(struct ca *ca, const struct actor *a, int delta, unsigned char **der, size_t *len,
	   struct crl_rec *info);
/* The last full (or delta) CRL ca_crl made, on whichever node, as it was
 * handed out: what a read-only node serves.  *der is the caller's (free);
 * FINCA_ENOTFOUND (crl.none_published) before the first. */
int ca_crl_published(struct ca *ca, int delta, unsigned char **der, size_t *len);

struct crl_summary {
	int64_t number, base, entries, this_update, next_update;
	int delta;
};
/* Parses a CRL (PEM or DER) and checks its signature against issuer, SM2
 * included. */
int crl_check(const unsigned char *data, size_t len, X509 *issuer,
	      struct crl_summary *out);

/* --- verification (verify.c) --- */

struct verify_result {
	int chain_ok;
	char chain_error[256];
	char status[16];        /* valid frozen revoked expired unknown */
	int reason;
	int64_t revoked_at, not_after;
	char serial[41];
	char issuer[16];
};
/* Checks cert's chain up to finca's root (or the service CA), its validity
 * period and its status in the store. */
int ca_verify(struct ca *ca, X509 *cert, struct verify_result *res);

#endif
