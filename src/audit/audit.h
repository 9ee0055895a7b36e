/* The audit chain: every change appends a record, in the same transaction
 * as the change, carrying the hash of the record before it.  Checkpoints
 * sign the chain's head with a CA key.  Editing, removing or reordering a
 * record breaks the chain; removing the tail past a checkpoint breaks the
 * checkpoint. */
#ifndef FINCA_AUDIT_H
#define FINCA_AUDIT_H

#include <jansson.h>
#include <openssl/evp.h>
#include <stdint.h>

struct store;

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

#endif
