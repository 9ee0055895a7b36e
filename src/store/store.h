/* The store: typed operations over an SQL driver (db.h), today SQLite's
 * (db_sqlite.c: one file in WAL mode), PostgreSQL's to come.
 *
 * Callers see typed operations only (no SQL leaves src/store/); the SQL of
 * store_*.c is written once for every driver, and what an engine says its
 * own way is the driver's.  Every write happens inside
 * store_begin/store_commit; store_begin takes the write lock at once
 * (SQLite: BEGIN IMMEDIATE) so that the audit chain's "previous record"
 * read and the append that follows it cannot interleave with another
 * writer. */
#ifndef FINCA_STORE_H
#define FINCA_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

struct store;

/* Opens (create: creates) the database at where, a SQLite file or a
 * postgresql:// URL (the driver by its scheme), and runs the migrations. */
int store_open(const char *where, int create, struct store **out);
/* Opens the database at where for reading only (a PostgreSQL hot
 * standby: finca serve --ocsp-only): no migration runs, nothing is
 * written, not even at open; a schema other than this finca's is an
 * error that names both versions (store.schema_mismatch). */
int store_open_readonly(const char *where, struct store **out);
/* 1 when st was opened by store_open_readonly */
int store_is_readonly(const struct store *st);
/* Where the database of the data directory dir is, by finca.conf's
 * [store] url (conf.c): the URL, or dir/finca.db.  The caller frees. */
struct config;
char *store_where(const struct config *c, const char *dir);
/* The schema version of the database at where, without migrating. */
int store_version(const char *where, int *out);
/* 1 when url names a PostgreSQL database (postgresql:// or postgres://) */
int store_url_ok(const char *url);
/* The text of a finca.conf, conf, with its [store] url set to url (the
 * line replaced, or added, with the section if need be); the caller
 * frees.  For a restore into another database (conf.c). */
char *store_conf_with_url(const char *conf, const char *url);
void store_free(struct store *st);
int store_schema_version(struct store *st);
/* The schema version this finca makes: how many migrations it knows. */
int store_schema_latest(void);

int store_begin(struct store *st);
int store_commit(struct store *st);
void store_rollback(struct store *st);

/* *out is the caller's; FINCA_ENOTFOUND when absent. */
int store_meta_get(struct store *st, const char *key, char **out);
int store_meta_set(struct store *st, const char *key, const char *value);

/* --- certificates --- */

enum cert_status { CERT_VALID = 0, CERT_HOLD = 1, CERT_REVOKED = 2 };

struct cert_rec {
	int64_t id;
	char serial[41];              /* uppercase hex */
	unsigned char serial_bin[20]; /* big-endian content octets */
	size_t serial_len;
	char issuer[16];              /* "issuing" | "service" */
	char *profile, *subject, *id_number, *unit_code, *key_alg; /* owned */
	int64_t not_before, not_after, issued_at;
	int status, reason;
	int64_t revoked_at;
	int64_t replaces, superseded_by; /* cert ids, 0 when none */
	unsigned char *der;           /* owned */
	size_t der_len;
	/* set by store_cert_list only, borrowed for its callback (else NULL):
	 * the holder's name (person of id_number), the unit the certificate
	 * belongs to (see store_cert_list) and that unit's name */
	const char *holder_name, *owner_unit, *owner_unit_name;
};

void cert_rec_clear(struct cert_rec *r);
/* Inserts r and sets r->id.  A duplicate serial is FINCA_ESTATE. */
int store_cert_insert(struct store *st, struct cert_rec *r);
/* Fills out (cleared first) by serial (normalised hex) or by id. */
int store_cert_get(struct store *st, const char *serial, struct cert_rec *out);
int store_cert_get_id(struct store *st, int64_t id, struct cert_rec *out);
/* Sets the status and logs the change for delta CRLs. */
int store_cert_set_status(struct store *st, int64_t id, int status,
			  int reason, int64_t at);
int store_cert_set_superseded(struct store *st, int64_t id, int64_t by);

struct cert_filter {
	int status;           /* -1: any; CERT_*; CERT_EXPIRED_FILTER */
	int64_t now;
	int64_t expiring_before; /* 0: no bound; else valid and not_after <= this */
	int64_t after_id;     /* pagination: ids greater than this */
	int limit;            /* 0: no limit */
	int with_der;
	int scope;            /* enum row_scope (below): whose; ROW_ALL: every one */
	const char *scope_val; /* the scope's unit, node, department or ID number */
	const char *q;        /* text sought, NULL or "": none (see below) */
};
#define CERT_EXPIRED_FILTER 3
/* The callback's non-zero result stops the list and is returned. */
typedef int (*cert_cb)(void *arg, const struct cert_rec *r);
/* Certificates matching f in id order.  Whose a certificate is: it
 * belongs to its holder's unit (the person registered with its ID
 * number), else to its own unit code; it is made by that unit's making
 * node (the view unit_maker: its node or the node serving it, 代管), and
 * by the province when its unit is not registered.  ROW_UNIT: that unit;
 * ROW_NODE: that making node; ROW_DEPT: holders with a request or an access grant
 * on the department's application systems; ROW_PERSON: that ID number.
 * q matches a serial or a resident ID number by prefix (any case), a
 * holder's name by prefix, a unit by code prefix or by part of its name. */
int store_cert_list(struct store *st, const struct cert_filter *f,
		    cert_cb cb, void *arg);
/* Counts by status: counts[0..2] as CERT_*, counts[3] expired. */
int store_cert_counts(struct store *st, int64_t now, int64_t counts[4]);
/* The certificates of a scope (as store_cert_list) by status: counts[0..2]
 * as CERT_*, counts[3] expired (valid past not_after). */
int store_cert_scope_counts(struct store *st, int scope, const char *val, int64_t now,
			    int64_t counts[4]);
/* Certificates due for renewal (art. 14): valid, of the issuing CA, of
 * one of profiles (space-separated; NULL: any), not yet renewed, with no
 * renew or update request in hand, with not_after in [from, until), in
 * the scope as store_cert_list. */
struct due_query {
	int scope;             /* enum row_scope */
	const char *scope_val;
	const char *profiles;
	int64_t now, from, until;
	int64_t after;         /* pagination: ids greater than this */
	int limit;             /* 0: 100 */
};
/* Appends {id, serial, subject, name (the holder's), id_number,
 * unit_code, unit, profile, not_after, days_left} in id order to items;
 * *next as store_row_list. */
int store_cert_due(struct store *st, const struct due_query *q, json_t *items,
		   int64_t *next);
/* weeks[i]: those with not_after in [from + 7i days, from + 7(i+1) days),
 * i < nweeks (q's until bounds them too). */
int store_cert_due_weeks(struct store *st, const struct due_query *q, int64_t *weeks,
			 int nweeks);
/* The unit certificate id belongs to and the node that makes for it, as
 * store_cert_list decides ("" when none: no unit, no province node). */
int store_cert_owner(struct store *st, int64_t id, char unit[65], char node[16]);

/* --- CRLs --- */

/* One CRL entry: serial, revocation time, reason, status. */
typedef int (*crl_entry_cb)(void *arg, const unsigned char *serial,
			    size_t serial_len, int64_t at, int reason,
			    int status);
/* Every certificate of issuer on hold or revoked and not yet expired. */
int store_crl_entries(struct store *st, const char *issuer, int64_t now,
		      crl_entry_cb cb, void *arg);
/* For each certificate of issuer whose status changed after status-log
 * sequence since_seq: its record now and its status at since_seq. */
typedef int (*status_change_cb)(void *arg, const struct cert_rec *now,
				int old_status);
int store_status_changes(struct store *st, const char *issuer,
			 int64_t since_seq, status_change_cb cb, void *arg);
int store_status_seq(struct store *st, int64_t *out);
/* Status changes pushed by other connections (PostgreSQL: every status
 * change notifies at its commit).  listen: from now on this connection
 * hears them; FINCA_ENOTFOUND where the engine cannot (SQLite), an error
 * where the server refuses (a hot standby).  wait (after listen): 1 when
 * a change was committed since the last wait, 0 when ms passed, else an
 * error code (the connection is lost). */
int store_status_listen(struct store *st);
int store_status_wait(struct store *st, int ms);

struct crl_rec {
	int64_t number, base, this_update, next_update, log_seq, entries;
	int delta;
};
/* The next CRL number: one more than the last recorded, and never below
 * the floor a restore set (store_crl_floor_raise). */
int store_crl_next_number(struct store *st, int64_t *out);
int store_crl_insert(struct store *st, const struct crl_rec *r);
/* The last CRL of its kind (delta or full) as handed out, replacing the
 * one before; store_crl_published reads it back (*der the caller's),
 * FINCA_ENOTFOUND when none was made yet (crl.none_published). */
int store_crl_publish(struct store *st, int delta, int64_t number,
		      const unsigned char *der, size_t len);
int store_crl_published(struct store *st, int delta, unsigned char **der, size_t *len);
/* The newest full CRL; FINCA_ENOTFOUND when none was made. */
int store_crl_last_full(struct store *st, struct crl_rec *out);

/* --- accounts --- */

struct account_rec {
	int64_t id, created_at;
	char name[65];
	char role[16];
	char scope[65];
	char cert_serial[41];    /* "" when not bound */
	char person[97];         /* the person's name (姓名), "" when not given */
	char *password;          /* owned: argon2id encoding, NULL when none */
	int disabled;
};
void account_rec_clear(struct account_rec *a);

/* A login session (store_session.c), found by the SHA-256 of its token;
 * the token itself is never stored. */
struct session_rec {
	unsigned char hash[32];
	int64_t account;
	char cert_serial[41];     /* the account's certificate at login */
	unsigned char peer[32];   /* SHA-256 of the TLS client certificate */
	int has_peer;             /* 0: opened without one */
	int64_t created_at, seen_at, expires_at;
};
/* Inserts r; then removes the sessions of r->account beyond the keep
 * newest (an account evicts only its own) and every expired one. */
int store_session_insert(struct store *st, const struct session_rec *r, int keep);
int store_session_get(struct store *st, const unsigned char hash[32],
		      struct session_rec *out);
int store_session_touch(struct store *st, const unsigned char hash[32], int64_t now);
int store_session_delete(struct store *st, const unsigned char hash[32]);
/* A duplicate name or certificate is FINCA_ESTATE. */
int store_account_insert(struct store *st, struct account_rec *a);
/* By name, or by bound certificate serial; FINCA_ENOTFOUND when none. */
int store_account_by_name(struct store *st, const char *name, struct account_rec *out);
int store_account_by_cert(struct store *st, const char *serial, struct account_rec *out);
int store_account_by_id(struct store *st, int64_t id, struct account_rec *out);
/* Sets the person's name (姓名) of account name; FINCA_ENOTFOUND when none. */
int store_account_set_person(struct store *st, const char *name, const char *person);
typedef int (*account_cb)(void *arg, const struct account_rec *a);
int store_account_list(struct store *st, account_cb cb, void *arg);

/* --- USBKey tokens --- */

struct token_rec {
	int64_t id, created_at, updated_at;
	char serial[33], label[33], manufacturer[33], model[17];
	char state[16];           /* token.c: the states and transitions */
	int pin_default;          /* the envelope PIN was not changed yet */
	unsigned char *so_pin;    /* owned: the sealed SO PIN, or NULL */
	size_t so_pin_len;
	char holder[19];          /* holder's resident ID number, or "" */
	char holder_name[129];
	char cert_serial[41];     /* the certificate on the token, or "" */
	char pending_serial[41];  /* issued for it, not yet written, or "" */
	char node[16];            /* the node that made it; "": the province */
};
void token_rec_clear(struct token_rec *t);
/* Inserts t and sets t->id; a known serial is FINCA_ESTATE. */
int store_token_insert(struct store *st, struct token_rec *t);
/* Writes every field of t (by t->id). */
int store_token_update(struct store *st, const struct token_rec *t);
/* By token serial, or by the serial of the certificate it holds. */
int store_token_get(struct store *st, const char *serial, struct token_rec *out);
int store_token_by_cert(struct store *st, const char *cert_serial,
			struct token_rec *out);
typedef int (*token_cb)(void *arg, const struct token_rec *t);
/* Every token (state NULL) or those in state, of node (NULL: every node;
 * a token of no node is the province's), by serial. */
int store_token_list(struct store *st, const char *state, const char *node,
		     token_cb cb, void *arg);
/* Every token ever bound to holder (a resident ID number), the latest
 * change first. */
int store_token_of_holder(struct store *st, const char *holder, token_cb cb, void *arg);
/* Tokens of holder in use (issued or suspended). */
int store_token_active(struct store *st, const char *holder, int64_t *n);

struct token_event {
	int64_t at;
	char kind[16];            /* init enroll state handover return pin */
	char from_state[16], to_state[16];
	char actor[128], party[129], cert_serial[41], note[257];
};
int store_token_event_insert(struct store *st, int64_t token_id,
			     const struct token_event *e);
typedef int (*token_event_cb)(void *arg, const struct token_event *e);
int store_token_events(struct store *st, int64_t token_id, token_event_cb cb,
		       void *arg);

/* --- loss-report codes of USBKeys (store_loss.c) --- */

/* Sets token's code (its argon2id encoding), replacing an older one. */
int store_loss_code_put(struct store *st, const char *token, const char *hash, int64_t at);
struct loss_code_rec {
	char token[33], cert_serial[41], holder[19], state[16];
	const char *hash;         /* borrowed: valid during the callback */
};
/* The callback must not write to the store (it runs inside a SELECT). */
typedef int (*loss_code_cb)(void *arg, const struct loss_code_rec *r);
/* The codes of the tokens in use (issued or suspended) whose certificate is
 * valid or frozen and not expired at now: the token holding cert_serial,
 * or (cert_serial NULL) every token of holder. */
int store_loss_code_find(struct store *st, const char *cert_serial, const char *holder,
			 int64_t now, loss_code_cb cb, void *arg);

/* --- audit --- */

#define AUDIT_HASH_MAX 64
struct audit_rec {
	int64_t seq, at;
	char *actor, *action, *object, *details; /* owned */
	unsigned char prev[AUDIT_HASH_MAX], hash[AUDIT_HASH_MAX];
	size_t hash_len;
};
void audit_rec_clear(struct audit_rec *r);
int store_audit_last(struct store *st, struct audit_rec *out);
int store_audit_insert(struct store *st, const struct audit_rec *r);
typedef int (*audit_cb)(void *arg, const struct audit_rec *r);
/* Records with at >= since, in sequence order. */
int store_audit_iter(struct store *st, int64_t since, audit_cb cb, void *arg);

/* What store_audit_find returns; zero or NULL/"" fields do not filter. */
struct audit_filter {
	int64_t since, until; /* at >= since; at < until (0: no bound) */
	const char *actor;    /* exact */
	const char *action;   /* exact, or a prefix when it ends in '.' or '*' */
	const char *object;   /* a prefix (the audit_object index finds it) */
	int desc;             /* newest first */
	int64_t from;         /* keyset: seq < from (desc) or seq > from (asc) */
	int limit;            /* 0: no limit */
};
/* The records matching f, in seq order (descending when f->desc), at most
 * f->limit; *next (may be NULL) is set to the last seq passed to cb when
 * more follow, else 0.  The callback's non-zero result stops and is
 * returned.  Values are bound, never pasted into the SQL. */
int store_audit_find(struct store *st, const struct audit_filter *f,
		     audit_cb cb, void *arg, int64_t *next);

struct checkpoint_rec {
	int64_t seq, at;
	unsigned char hash[AUDIT_HASH_MAX];
	size_t hash_len;
	unsigned char sig[1024];
	size_t sig_len;
	char signer[41];
};
int store_checkpoint_insert(struct store *st, const struct checkpoint_rec *c);
int store_checkpoint_last(struct store *st, struct checkpoint_rec *out);
typedef int (*checkpoint_cb)(void *arg, const struct checkpoint_rec *c);
int store_checkpoint_iter(struct store *st, checkpoint_cb cb, void *arg);

/* --- registration authority rows (store_ra.c) ---
 * Tables node dept app unit person device batch request access_grant, as
 * JSON objects whose members are the columns (integers, text, null; a
 * request's "data" is an object).  Keys: code (person: id_number; batch,
 * request, access_grant: id). */

/* Writes obj's members that are columns of table: insert (sets created_at,
 * *id) or update by key (every column: absent members become NULL).  A
 * unique or reference violation is FINCA_ESTATE. */
int store_row_put(struct store *st, const char *table, json_t *obj, int insert,
		  int64_t *id);
/* *out (caller's) by key; FINCA_ENOTFOUND naming it when absent. */
int store_row_get(struct store *st, const char *table, const char *key, json_t **out);
int store_row_get_id(struct store *st, const char *table, int64_t id, json_t **out);
int store_row_exists(struct store *st, const char *table, const char *key);
/* The node that makes the certificates of unit (art. 6, 代管: the view
 * unit_maker) into node; FINCA_ENOTFOUND naming the unit when unknown. */
int store_unit_maker(struct store *st, const char *unit, char node[16]);

enum row_scope { ROW_ALL, ROW_UNIT, ROW_NODE, ROW_DEPT, ROW_PERSON };
struct row_query {
	const char *table;
	int scope;                 /* enum row_scope: whose rows */
	const char *scope_val;     /* unit code, node code, dept code, ID number */
	struct { const char *col, *val; } eq[4]; /* and col = val (col NULL: end) */
	const char *q;             /* text sought in the table's name and key */
	int64_t after;             /* ids greater than this */
	int limit;                 /* 0: 100 */
};
/* Appends the matching rows in id order to items; *next is the last id
 * shown when more follow, else 0. */
int store_row_list(struct store *st, const struct row_query *q, json_t *items,
		   int64_t *next);
/* The number of rows matching q (its after and limit aside) for each
 * value of column by, into counts as {value: n} (caller's object). */
int store_row_count(struct store *st, const struct row_query *q, const char *by,
		    json_t *counts);

int store_request_event(struct store *st, int64_t request, const char *actor,
			const char *from, const char *to, const char *note);
int store_request_events(struct store *st, int64_t request, json_t *arr);
int store_attachment_insert(struct store *st, int64_t batch, const char *name,
			    const char *mime, const char *sha256,
			    const unsigned char *data, size_t len, const char *actor,
			    int64_t *id);
int store_attachments(struct store *st, int64_t batch, json_t *arr);
/* The attachment's name, type and bytes (all the caller's). */
int store_attachment_get(struct store *st, int64_t batch, int64_t id, char **name,
			 char **mime, unsigned char **data, size_t *len);
/* Active, unexpired grants of person (on app, or every app when NULL)
 * while the person holds a valid certificate: [{app, roles, not_after}]. */
int store_grants(struct store *st, const char *person, const char *app, int64_t now,
		 json_t *arr);
/* The grant row of person on app; FINCA_ENOTFOUND (no message) when none. */
int store_grant_find(struct store *st, const char *person, const char *app, json_t **out);

/* --- expiry reminders and notices --- (store_notice.c, for ra/remind.c) */

/* A certificate due for a reminder and whom to tell.  Strings are borrowed
 * for the callback's duration only, "" when unknown. */
struct expiring_rec {
	const char *serial, *subject, *id_number;
	const char *unit;                  /* the certificate's unit or its holder's */
	const char *holder_name, *holder_email;
	const char *unit_name, *unit_email, *unit_webhook;
	const char *node, *node_name, *node_email, *node_webhook; /* making node */
	int64_t not_after;
	int reminded_sooner;               /* has a reminder at a smaller threshold */
};
/* The callback must not write to the store (it runs inside a SELECT). */
typedef int (*expiring_cb)(void *arg, const struct expiring_rec *e);
/* Certificates of the issuing CA valid at now (status valid, not_after >
 * now) that expire within days and have no reminder for days yet, soonest
 * first.  Joined: the holder (person by the certificate's ID number), the
 * unit (the certificate's unit code, else the holder's unit) and the
 * making node (view unit_maker: the unit's node, or the node serving it;
 * none when the unit is not registered). */
int store_reminder_due(struct store *st, int64_t now, int days,
		       expiring_cb cb, void *arg);
/* Records that serial was reminded at threshold days (once: a second
 * insert is ignored). */
int store_reminder_insert(struct store *st, const char *serial, int days, int64_t at);

/* A failing notice is retried 1, 2, 4 ... minutes later, then given up. */
#define NOTICE_MAX_ATTEMPTS 8

struct notice_rec {
	int64_t id, created_at;
	int64_t next_at;            /* pending: not before; sent: when */
	char channel[8];            /* "webhook" | "smtp" */
	char *target;               /* owned: a URL, or a mail address */
	char *subject, *body;       /* owned: body is JSON, or a whole mail */
	char state[8];              /* "pending" | "sent" | "failed" */
	int attempts;
	char *last_error;           /* owned, NULL when none */
};
void notice_rec_clear(struct notice_rec *n);
/* Queues n (channel, target, subject, body, created_at, next_at) as
 * pending; sets n->id. */
int store_notice_insert(struct store *st, struct notice_rec *n);
/* The callback may take n's strings (setting them NULL); it must not write
 * to the store. */
typedef int (*notice_cb)(void *arg, struct notice_rec *n);
/* Pending notices with next_at <= now, oldest first, at most limit (0:
 * 100). */
int store_notice_due(struct store *st, int64_t now, int limit, notice_cb cb, void *arg);
/* Moves a pending notice's next_at to until: a delivery in progress is
 * not picked up again by another process meanwhile. */
int store_notice_lease(struct store *st, int64_t id, int64_t until);
/* Delivered at at (counted as an attempt; next_at becomes at). */
int store_notice_sent(struct store *st, int64_t id, int64_t at);
/* One more failed attempt (error kept in last_error): pending again with
 * backoff, or failed after NOTICE_MAX_ATTEMPTS. */
int store_notice_failed(struct store *st, int64_t id, int64_t now, const char *error);

/* --- end of expiry reminders and notices --- */

/* --- dual certificates and key escrow (store_km.c) --- */

/* Links the signing certificate sign_id and the encryption certificate
 * enc_id as one pair. */
int store_pair_insert(struct store *st, int64_t sign_id, int64_t enc_id);
/* The other half of id's pair: *other its id, *is_sign 1 when id is the
 * signing half.  FINCA_ENOTFOUND when id is in no pair. */
int store_pair_other(struct store *st, int64_t id, int64_t *other, int *is_sign);

struct escrow_rec {
	int64_t enc_cert, sign_cert;   /* cert ids */
	const char *key_alg;           /* borrowed (insert) */
	const unsigned char *sealed;   /* borrowed (insert) */
	size_t sealed_len;
	int64_t created_at;
};
int store_escrow_insert(struct store *st, const struct escrow_rec *e);
/* The sealed key of the encryption certificate enc_id; *sealed (malloc)
 * is the caller's. */
int store_escrow_get(struct store *st, int64_t enc_id, unsigned char **sealed,
		     size_t *len);


/* --- backup (store_backup.c) --- */

/* The store's kind, its driver's name ("sqlite"); static. */
const char *store_kind(struct store *st);
/* What a backup's copy of the store holds, read as of the moment
 * copied: its kind, schema version, last audit record and next CRL
 * number.  Clear with store_copy_clear. */
struct store_copy {
	char kind[16];
	int schema;
	struct audit_rec last;
	int64_t crl_next;
};
void store_copy_clear(struct store_copy *c);
/* The name a store of kind ("sqlite", "postgresql") has in a backup
 * directory ("finca.db", "finca.pgdump"); NULL for an unknown kind.
 * Static. */
const char *store_backup_file(const char *kind);
/* Copies the whole store, consistent as of one commit, to dest (a new
 * file, named store_backup_file), while the store stays in use (writers
 * included), and describes the copy in *out (the caller clears it).
 * FINCA_ESTATE with reason backup.store_kind when the driver cannot. */
int store_backup(struct store *st, const char *dest, struct store_copy *out);
/* Puts the copy src of a store of kind back as the database at where:
 * SQLite's copy is the database file itself (placed by the caller, where
 * names it), PostgreSQL's is loaded into where, which must hold no table
 * (nothing is ever overwritten).  then(arg) checks the loaded store; when
 * it fails, what was loaded is removed again and its code returned. */
int store_restore(const char *kind, const char *src, const char *where,
		  int (*then)(void *arg), void *arg);
/* CRL numbers below floor are never given again (meta crl_floor): a
 * restored store does not know the CRLs made after its backup (RFC 5280
 * 5.2.3: the number increases monotonically).  Lowers nothing.  Inside a
 * transaction. */
int store_crl_floor_raise(struct store *st, int64_t floor);

/* The escrowed encryption keys of a subject (id_number, or when it is
 * NULL the unit unit_code's own, not its persons'), oldest first: cb(arg, enc_serial, key_alg, sealed,
 * len) with borrowed values; a non-zero return stops and is returned. */
typedef int (*escrow_cb)(void *arg, const char *enc_serial, const char *key_alg,
			 const unsigned char *sealed, size_t len);
int store_escrow_of(struct store *st, const char *id_number, const char *unit_code,
		    escrow_cb cb, void *arg);

/* An enveloped key for the USBKey of signing certificate sign_serial
 * (migration 14): format "gmt0009" or "skf"; recovered 1 when a key
 * recovery delivered it.  Inside the caller's transaction; the same one
 * again replaces it. */
struct envelope_rec {
	const char *sign_serial, *enc_serial, *format; /* borrowed (put) */
	const unsigned char *blob;
	size_t len;
	int recovered;
	int64_t created_at;
};
int store_envelope_put(struct store *st, const struct envelope_rec *e);
/* The envelopes kept for sign_serial, oldest first: cb(arg, e) with e
 * and its strings borrowed for the call. */
typedef int (*envelope_cb)(void *arg, const struct envelope_rec *e);
int store_envelope_list(struct store *st, const char *sign_serial, envelope_cb cb,
			void *arg);

#endif
