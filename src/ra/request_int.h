/* What the files of requests share (request.c, moves.c, produce.c,
 * request_read.c, station_req.c, emergency.c), private to ra/.
 * The public side is ra.h's "requests and batches".  Every json_t *r
 * below is a request row as stored, borrowed and changed in place. */
#ifndef FINCA_RA_REQUEST_INT_H
#define FINCA_RA_REQUEST_INT_H

#include "ra/ra.h"

/* --- request.c: the request as a target, creating one --- */

/* What request r is to the scope checks: its unit, making node, holder,
 * and the department of its application system.  t's strings are
 * borrowed from r and *app (the caller's, json_decref). */
void req_target_of(struct ca *ca, json_t *r, struct target *t, json_t **app);
/* Checks the actor against request r (actor_may: a refusal is audited). */
int req_may(struct ca *ca, const struct actor *a, const char *right, json_t *r);
/* Stores r as a new request of batch (0: none) in state, with its first
 * event and audit record; *id its new id (also set in r). */
int req_insert(struct ca *ca, const struct actor *a, json_t *r, int64_t batch,
	       const char *state, int64_t *id);

/* --- duplicate.c: does the subject already have it --- */

/* For an apply, refuses r when its subject has a current certificate for
 * r's system or another apply pending for it; for a renew or update, fills
 * in r's cert_serial when the subject has exactly one current certificate
 * for the system, else names them, and refuses one no longer current or
 * already being renewed.  Other types pass.  r may be stored (its id is
 * then not counted as another). */
int req_dup_check(struct ca *ca, json_t *r);

/* --- moves.c: the state machine --- */

/* The right the move action needs (NULL: no such move). */
const char *req_move_right(const char *action);

/* Writes r in state to with its event (note) and audit record (details,
 * taken, with action, from and to added). */
int req_record_move(struct ca *ca, const struct actor *a, json_t *r, const char *action,
		    const char *to, const char *note, json_t *details);
/* Reads request id, checks the actor's right on it, and runs fn inside
 * one transaction with the request read again there. */
int req_in_tx(struct ca *ca, const struct actor *a, int64_t id, const char *right,
	      int (*fn)(struct ca *, const struct actor *, json_t *, void *), void *arg);
/* The moves a may take on r now (state, right and scope against t,
 * checked without auditing, and what each move needs), as a new array of
 * strings (caller's). */
json_t *req_actions(const struct actor *a, json_t *r, const struct target *t);

/* --- produce.c: production on the core, handover --- */

/* The operation itself, inside the move's transaction (not for one made
 * at the token station). */
int req_produce(struct ca *ca, const struct actor *a, json_t *r);
/* Freezes (freeze 1) or unfreezes r's certificate, through its USBKey's
 * state when it is on one. */
int req_freeze_or_thaw(struct ca *ca, const struct actor *a, json_t *r, int freeze);
/* The RFC 5280 reason that revokes the certificate of a reissue. */
int req_reissue_reason(json_t *r);
/* Key recovery (recover.c): the two-person rule of a move (action) of r
 * by a, which may keep the request where it is (*to) after a first
 * approval; and production, inside the move's transaction. */
int req_two_person(const struct actor *a, json_t *r, const char *action, const char **to);
/* What bars a from approving r under the two-person rule ("filed",
 * "approved": its first approval), or NULL. */
const char *req_two_person_bar(const struct actor *a, json_t *r);
int req_recover(struct ca *ca, const struct actor *a, json_t *r);
/* Handover (交接) of r: args {handler, date?, new_token?, old_returned?}. */
int req_handover(struct ca *ca, const struct actor *a, json_t *r, json_t *args);
/* The old USBKey of r is back at the making unit (art. 22); who brought it. */
int req_old_back(struct ca *ca, const struct actor *a, json_t *r, const char *who);

/* --- cert_app.c: the application system a certificate is for --- */

/* The system of holder's request that made certificate serial, or NULL
 * (borrowed from reqs, the caller's array, which gets the holder's
 * requests). */
const char *ra_cert_app(struct store *st, const char *holder, const char *serial,
			json_t *reqs);
/* The system a renewal of person's certificate serial is for, into out:
 * app when given, else the system the certificate was made for, else the
 * person's one access grant; out is "" when none decides (*ngrants: how
 * many grants the person has, for the caller's error). */
int ra_renew_app(struct ca *ca, const char *person, const char *serial, const char *app,
		 char out[64], size_t *ngrants);

#endif
