/* The audit chain: every change appends a record, in the same transaction
 * as the change, carrying the hash of the record before it.  Checkpoints
 * sign the chain's head with a CA key.  Editing, removing or reordering a
 * record breaks the chain; removing the tail past a checkpoint breaks the
 * checkpoint. */
#ifndef FINCA_AUDIT_H
#define FINCA_AUDIT_H

#include <jansson.h>
#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>

#include "util/msg.h"

struct store;
struct audit_rec;

/* Appends one record (call inside store_begin/commit).  md names the chain's
 * digest ("SM3", "SHA256"); details is borrowed and may be NULL; *seq_out
 * (may be NULL) gets the record's sequence number. */
int audit_append(struct store *st, const char *md, const char *actor,
		 const char *action, const char *object, json_t *details,
		 int64_t *seq_out);

/* Signs the chain's head when records were added since the last checkpoint
 * (call inside a transaction).  signer names the key ("issuing"). */
int audit_checkpoint(struct store *st, const char *md, EVP_PKEY *key,
		     const char *signer);

struct audit_report {
	int64_t records, checkpoints, last_seq, last_checkpoint;
	int64_t bad_seq; /* first bad record, 0 when none */
};
/* Walks the whole chain.  FINCA_EINTEGRITY, with a message naming the first
 * bad record, when anything was edited, removed or reordered. */
int audit_verify(struct store *st, const char *md, EVP_PKEY *checkpoint_pub,
		 struct audit_report *rep);

/* The trail read by people (actions.c): every action's name and a one-line
 * summary of its details, in Chinese or English.  The raw record stays
 * what it is; these only render it. */

/* The name of an action code ("证书冻结" for "cert.freeze"), or the code
 * itself when the table has none.  Borrowed, static. */
const char *audit_action_name(const char *action, enum msg_lang lang);
/* The name of one record: the action's, or for an action told apart by a
 * detail (request.move by its move: "审批通过") that finer name.  Static,
 * or r->action. */
const char *audit_rec_name(const struct audit_rec *r, enum msg_lang lang);
/* One line saying what r did, into out (n bytes, truncated on a character
 * boundary): the action's template with the object's id and the detail
 * values placed, codes among them (states, reasons, roles…) named; a part
 * whose value is missing is left out with its punctuation.  An action the
 * table does not know: its code and the details as "key=value, …".
 * Returns out. */
const char *audit_summary(const struct audit_rec *r, enum msg_lang lang, char *out, size_t n);
/* The name of value in dictionary dict (the console's prefixes in
 * web/strings.js: "state", "type", "action", "reason", "role", "kind",
 * "token", "cert"), or NULL when the dictionary has none. */
const char *audit_value_name(const char *dict, const char *value, enum msg_lang lang);

/* Records the current error (util/err.h) in d under key: its message,
 * and key_reason, key_params (its reason and parameters) when it has a
 * reason, so that the summary's "{key:msg}" says it in the reader's
 * language (the catalogue's text), not the English it was made in. */
void audit_set_error(json_t *d, const char *key);

/* The i-th known action code (i from 0), or NULL past the last. */
const char *audit_action_at(size_t i);
/* The i-th family of actions for a filter: *prefix is an action filter
 * ("cert.", "loss_report*") and the return its name ("证书（全部）"), or
 * NULL past the last. */
const char *audit_family_at(size_t i, enum msg_lang lang, const char **prefix);

#endif
