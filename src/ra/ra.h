/* The registration authority: who may ask for what, who approves, who
 * produces, and what is recorded (regulation chapters 2-4, DESIGN.md).
 *
 *   actor.c    who acts: an account's role and scope (login); the rights
 *              table and the scope checks every operation below goes
 *              through are authz/'s (authz.h), as are access grants
 *   org.c      nodes, approving departments, application systems, applying
 *              units, persons, devices: the rules of their fields (the kinds
 *              and fields themselves: util/org_schema.h, shared with the store)
 *   reqtype.c  the request types and their rules, one table
 *   request.c  requests and batches: what is asked, checked, stored as drafts
 *              (request_int.h: what the request files share)
 *   moves.c    their state machine, one table of moves (ra_request_act,
 *              ra_batch_act)
 *   produce.c  production on the core (an authorize request's grant through
 *              authz/grant.c), the handover, the old USBKey back (art. 22)
 *   request_read.c  requests and batches as read, with what the caller
 *              may do with each (actions)
 *   station_req.c  requests made at the token station (USBKey, PIN reset)
 *   emergency.c  the emergency freeze (紧急冻结, art. 25)
 *   paper.c    a batch's paper: the annex's forms (drawn by src/doc/forms.h),
 *              scanned attachments
 *   import.c   the unified spreadsheet: template and import (the files are
 *              read and written by src/doc/sheet.h)
 *   problem.c  the problems of a batch or an upload, kept structured and
 *              said in the caller's language (the one renderer)
 *   loss.c     the holder's loss report without login (挂失码, art. 25)
 *   expiry.c   certificates due for renewal, and renew requests from them
 *   remind.c   expiry reminders and the delivery of queued notices, sent
 *              by src/notify/ (webhook, SMTP); notice.c queues them
 *   cert.c     certificates as the accounts see them (read, issue, change)
 *   tokens.c   the USBKey inventory as the accounts see it
 *   me.c       the certificate holder's desk: its certificates, USBKeys,
 *              grants and requests; its PIN change recorded, a renewal asked
 *   trail.c    the audit trail and the accounts, read; the trail exported
 *   dash.c     the console's dashboard and certificate list
 *   duplicate.c  does the subject already have it: a certificate or a
 *              pending request (issue 14), at prepare and at submit
 *   conf.c     [ra] of finca.conf (paperless)
 *
 * Every change is one store transaction with its audit record.  A refused
 * call (role or scope) is FINCA_EAUTH, audited as auth.denied, and changes
 * nothing else.  Objects come and go as JSON (jansson); *out is the
 * caller's (json_decref). */
#ifndef FINCA_RA_H
#define FINCA_RA_H

#include "authz/authz.h"
#include "ca/ca.h"
#include "doc/table.h"
#include "util/msg.h"
#include "util/org_schema.h"

#include "util/msg.h"

#include <jansson.h>

/* --- who acts (actor.c) --- */

/* The actor of account name; roles with a password (art. 11) need pw. */
int actor_login(struct ca *ca, const char *name, const char *pw, struct actor *out);
void actor_from_account(const struct account_rec *a, struct actor *out);
/* The rights table, scopes (struct target, actor_may, actor_can,
 * actor_has, actor_rights_json, actor_row_scope) and access grants are
 * authz/'s (authz.h). */

/* A member's string, NULL when absent or "" (borrowed from o). */
const char *ra_str(json_t *o, const char *k);
/* Adds, beside each code of a unit, system, department or node in j (its
 * objects, the arrays in them, "items"), the name of its row as
 * "<member>_name" ("unit" → "unit_name"; "unit_code" → "unit_name"): what
 * the doors show people (names.c).  Codes of no row get no name. */
void ra_names(struct ca *ca, json_t *j);
/* The person's name (姓名) of account, into out (n bytes): the account's
 * name when it has none.  FINCA_ENOTFOUND when there is no such account. */
int ra_account_person(struct ca *ca, const char *account, char *out, size_t n);

/* --- organisations (org.c) --- */

/* enum org_kind and the fields of each kind: util/org_schema.h. */
int org_kind_parse(const char *name);        /* -1 when unknown */
const char *org_kind_name(int kind);         /* "node" ... */
const char *org_kind_plural(int kind);       /* "nodes" ... (API paths) */
/* The fields of a kind, key first, NULL-terminated (org_schema[kind].fields);
 * the CLI's usage (cli/main.c) says what each takes. */
const char *const *org_fields(int kind);

/* Adds obj (fields of the kind, strings) after checking every field:
 * codes and their check characters, references to other objects, the
 * actor's right and scope. */
int org_add(struct ca *ca, const struct actor *a, int kind, json_t *obj, json_t **out);
/* Changes the given fields of the object with key (its code or resident ID
 * number); the key itself cannot change. */
int org_edit(struct ca *ca, const struct actor *a, int kind, const char *key,
	     json_t *changes, json_t **out);
int org_show(struct ca *ca, const struct actor *a, int kind, const char *key, json_t **out);

struct page {
	const char *q;        /* search text (name, code, ID number), or NULL */
	const char *filter;   /* kind-specific: unit for persons, node for units... */
	int64_t after;        /* ids greater than this */
	int limit;            /* 1..1000, 0: 100 */
};
/* {"items": [...], "next": id or null}, restricted to the actor's scope. */
int org_list(struct ca *ca, const struct actor *a, int kind, const struct page *p,
	     json_t **out);

/* The node that makes certificates for unit (its node, or the city serving
 * a county: store_unit_maker), into node (7 bytes).  FINCA_ENOTFOUND for
 * an unknown unit. */
int org_making_node(struct ca *ca, const char *unit, char node[16]);

/* --- request types (reqtype.c) --- */

/* Request types, one per operation: the names of reqtype.c's table, in its
 * order (tests/unit/test_request.c checks that they agree). */
#define RA_TYPES "apply renew update reissue freeze unfreeze revoke pin-reset authorize recover"

/* What producing a request does on the core (produce.c's req_produce). */
enum req_make { MAKE_ISSUE, MAKE_RENEW, MAKE_UPDATE, MAKE_REISSUE, MAKE_FREEZE,
		MAKE_UNFREEZE, MAKE_REVOKE, MAKE_PIN, MAKE_GRANT, MAKE_RECOVER };
/* What a request's cert_serial names: none allowed, one of the subject's
 * certificates, or the certificate on the USBKey whose PIN is reset. */
enum req_cert { CERT_NONE, CERT_OWN, CERT_ON_KEY };
/* When the old USBKey comes back before completion (art. 22), provided
 * the certificate is on a registered one. */
enum req_old { OLD_NO, OLD_YES, OLD_IF_DAMAGED };

/* One request type and its rules (reqtype.c's table says which article). */
struct req_type {
	const char *name;
	enum req_make make;
	enum req_cert cert;
	enum req_old old;
	const char *station;        /* a person's is made at the token station by
				     * `finca token STATION --request ID`; NULL:
				     * produced by the operator in the console */
	unsigned handover:1;        /* ends with a handover (交接) */
	unsigned new_key:1;         /* the handover gives the holder a new USBKey */
	unsigned csr:1;             /* a unit's or device's carries its CSR */
	unsigned replaces:1;        /* the new certificate replaces the old */
	unsigned follows:1;         /* the register follows the data (name, unit) */
	unsigned rfc5280:1;         /* reason: an RFC 5280 name, optional */
	unsigned two_person:1;      /* approved twice, by two accounts
				     * (recover.c's req_two_person) */
	const char *reasons;        /* reason: one of these words, required */
	const char *default_reason; /* when none is given */
};
/* The type called name, or NULL; the i-th of the table, or NULL past it. */
const struct req_type *req_type_get(const char *name);
const struct req_type *req_type_at(size_t i);
/* The type of request row r (an empty type, all rules off, when unknown). */
const struct req_type *req_type_of(json_t *r);
/* Rules of a request row r that depend on more than its type: */
int req_at_station(json_t *r);    /* made at the token station: a person's */
int req_old_token_due(json_t *r); /* art. 22: its old USBKey must come back */
int req_handover_due(json_t *r);  /* completed only after a handover */

/* --- requests and batches (request.c, moves.c, produce.c, request_read.c,
 *     station_req.c, emergency.c) --- */

/* Request states, in the order of the machine (moves.c). */
#define RA_STATES "draft submitted approved rejected accepted produced handed_over " \
		  "completed withdrawn"

/* What a request asks; strings borrowed. */
struct req_spec {
	const char *type;
	const char *subject_kind; /* person (default), unit, device */
	const char *subject;      /* resident ID number, unit code, device code */
	const char *app;          /* application system (its department approves) */
	const char *cert_serial;  /* the certificate concerned (not for apply) */
	const char *reason;       /* reissue: lost|damaged; revoke: RFC 5280 name */
	json_t *data;             /* type-specific: update {name, unit, ...},
				   * authorize {action grant|withdraw, roles,
				   * not_after}, apply {profile, csr} */
	const char *note;
};

/* Creates a draft request (in batch, 0: a batch of its own). */
int ra_request_create(struct ca *ca, const struct actor *a, const struct req_spec *sp,
		      json_t **out);
/* Creates a batch of n drafts in one transaction after checking all of
 * them.  When any is bad, nothing is created, the result is FINCA_EINVAL
 * and *errors (caller's) lists every problem as {index, field, message,
 * reason, params} (problem.c). */
int ra_batch_create(struct ca *ca, const struct actor *a, const char *source,
		    const struct req_spec *sp, size_t n, json_t **out, json_t **errors);

/* Moves request id on: submit withdraw resubmit approve reject accept
 * produce handover complete.  args: reject {reason}; handover {handler,
 * date?, new_token?, old_returned?}; produce {token?} for the operations
 * without a USBKey station.  The core operation that producing executes
 * (revoke, freeze, unfreeze, renew, update, grant) is in the same
 * transaction as the move. */
int ra_request_act(struct ca *ca, const struct actor *a, int64_t id, const char *action,
		   json_t *args, json_t **out);
/* The same for every request of a batch (stops at the first refusal,
 * changing nothing). */
int ra_batch_act(struct ca *ca, const struct actor *a, int64_t batch, const char *action,
		 json_t *args, json_t **out);
/* A request as the console needs it: its row, and "actions", the moves
 * actor a may take on it now (its state, a's rights and scope, the type's
 * rules; nothing audited), "at_station", "handover_due", "old_token_due"
 * (art. 22) and, for an accepted one made at the token station,
 * "station_command" and "agent_op" (the console's agent instruction).  ra_request_show adds its events; ra_batch_show and
 * ra_request_list give each request the same. */
int ra_request_show(struct ca *ca, const struct actor *a, int64_t id, json_t **out);
int ra_batch_show(struct ca *ca, const struct actor *a, int64_t id, json_t **out);
/* p->filter: a type, or NULL. */
int ra_request_list(struct ca *ca, const struct actor *a, const struct page *p,
		    const char *state, int64_t batch, json_t **out);

/* Token-made requests (apply, renew, update, reissue of a person): the
 * station asks what to issue, *spec {request, profile, subject, id_number,
 * unit_code, replaces?} (caller's), then reports the certificate on the
 * token.  A reissue's old certificate is revoked here, first. */
int ra_enroll_spec(struct ca *ca, const struct actor *a, int64_t id, json_t **spec);
/* The checks of ra_enroll_spec without its effects: request id is an
 * accepted one made on a USBKey that a may produce. */
int ra_enroll_check(struct ca *ca, const struct actor *a, int64_t id);
int ra_enroll_done(struct ca *ca, const struct actor *a, int64_t id,
		   const char *token_serial, const char *cert_serial);
/* A PIN reset request for token serial, accepted, in the actor's scope:
 * FINCA_OK; ra_pin_reset_done moves it to produced. */
int ra_pin_reset_check(struct ca *ca, const struct actor *a, int64_t id, const char *token);
int ra_pin_reset_done(struct ca *ca, const struct actor *a, int64_t id);

/* A signed instruction (token/instruction.h) for a USBKey agent: op
 * ("produce" or "pin_reset") of the accepted request on the token serial
 * ("" or NULL: a blank token without one), when a may produce it, audited
 * (request.instruction); or "change_pin" (request ignored) of the holder
 * a's own USBKey in use, audited (token.instruction).  *out {payload,
 * signature, expires} is the caller's. */
int ra_instruction(struct ca *ca, const struct actor *a, const char *op, int64_t request,
		   const char *token, json_t **out);

/* 紧急冻结 (art. 25): freezes the certificate serial at once, without
 * approval, and records a completed freeze request marked emergency.  The
 * information officer of the holder's unit may; so may the holder (role
 * holder) for its own certificates. */
int ra_emergency_freeze(struct ca *ca, const struct actor *a, const char *serial,
			const char *note, json_t **out);

/* 挂失 (art. 25, loss.c): a holder who lost the USBKey, without login.
 * Strings borrowed. */
struct loss_report {
	const char *serial;       /* the certificate, or NULL and */
	const char *id_number;    /* the holder: each of its USBKeys in use */
	const char *loss_code;    /* 挂失码 from the USBKey's PIN envelope */
	const char *source;       /* the caller's address as throttle_source gives
				   * it (rate limit, audit) */
	const char *note;         /* what happened, or NULL */
};
#define LOSS_TRIES_ADDR 20        /* tries an hour per source address */
#define LOSS_TRIES_HOLDER 5       /* tries an hour per holder (or certificate) */
/* Freezes at once, as ra_emergency_freeze does, the certificate of the
 * USBKey in use whose envelope's loss-report code lr gives, and queues a
 * notice to the holder's unit (its information officer: the unit's email
 * and webhook), in one transaction.  Without the code, or with a wrong
 * one, FINCA_EAUTH: nothing changes, the refusal is audited (serial, name
 * and ID number are printed in the certificate: they prove nothing).
 * Past LOSS_TRIES_* in an hour, FINCA_ELIMIT with *retry_after seconds.
 * *out: the completed emergency freeze request. */
int ra_loss_report(struct ca *ca, const struct loss_report *lr, json_t **out,
		   int *retry_after);

/* Scanned, stamped paper for a batch (PDF, PNG or JPEG, at most 16 MiB). */
int ra_attach(struct ca *ca, const struct actor *a, int64_t batch, const char *name,
	      const unsigned char *data, size_t len, json_t **out);
int ra_attachment(struct ca *ca, const struct actor *a, int64_t batch, int64_t id,
		  char **name, char **mime, unsigned char **data, size_t *len);
/* Art. 19: 1 when batch still needs its stamped scan before approval (the
 * deployment is not paperless and nothing is attached), else 0. */
int ra_paper_due(struct ca *ca, int64_t batch);
/* Refuses (batch.paper_missing) the approval of a request of batch while
 * its paper is due; FINCA_OK otherwise. */
int ra_paper_check(struct ca *ca, int64_t batch);

/* [ra] of finca.conf (conf.c). */
struct ra_conf {
	int paperless; /* art. 19's scan not needed before approval */
};
/* c's [ra] (the defaults when the section is not registered). */
const struct ra_conf *ra_conf(const struct config *c);
/* The annex forms, pre-filled, for one request or a whole batch (batch
 * non-zero): persons on 附件1, units on 附件2, PIN resets on 附件3; form
 * (person, unit, pinreset) picks one when a batch has several, NULL: the
 * first there is.  (paper.c, with the attachments) 
 * *pdf is the caller's (free). */
int ra_forms(struct ca *ca, const struct actor *a, int64_t request, int64_t batch,
	     const char *form, unsigned char **pdf, size_t *len);

/* XXX: authz_grants under its old name, for src/http/api.c (another
 * engineer's folder in this step); call authz_grants and drop this. */
static inline int ra_grants(struct ca *ca, const char *person, const char *app, json_t **out)
{
	return authz_grants(ca, person, app, out);
}

/* --- problems of a batch or an upload (problem.c) ---
 *
 * A problem is a JSON object: where ({index, field} of a batch's item, or
 * {sheet, row, column} of a spreadsheet's cell, any of them null) and the
 * error: message (English), reason (null: none named), params, code (the
 * class, err_name). */

/* Puts the thread's error into problem p. */
void ra_problem_err(json_t *p);
/* Puts an error of reason and fmt (as err_why) into p; the thread's error
 * stays. */
void ra_problem_why(json_t *p, const char *reason, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Makes p the thread's error again (code rc, its field); returns rc. */
int ra_problem_restore(json_t *p, int rc);
/* p as one line in lang into out: "申请 第3行 身份证号：校验码应为5",
 * "申请 row 3, 身份证号: ...", "第2项 申请类型：...", "item 2, type: ...". */
const char *ra_problem_say(json_t *p, enum msg_lang lang, char *out, size_t n);
/* Says every problem of list in lang: message becomes what is wrong in
 * lang, text the whole line (ra_problem_say), field_name the field's name
 * in lang (a batch's item). */
void ra_problems_say(json_t *list, enum msg_lang lang);

/* --- the unified spreadsheet (import.c) --- */

/* The template, as XLSX: one sheet per request type, a row of notes under
 * the headers, a sample row, and dropdowns (the registered application
 * systems, the reasons, grant or withdraw); made for an officer (ca and a
 * not NULL), the unit column offers the officer's unit alone and the
 * sample row is the officer's unit and a registered system.  ca NULL: the
 * same for everyone.  *out: caller frees. */
int ra_template(struct ca *ca, const struct actor *a, unsigned char **out, size_t *len);
/* Reads an upload (XLSX or CSV; a CSV's type comes from its header row),
 * checks every row and creates one batch of drafts.  When any row is bad,
 * nothing is created and *errors lists its problems {sheet, row, column,
 * message, reason, params} (problem.c). */
int ra_import(struct ca *ca, const struct actor *a, const unsigned char *buf, size_t len,
	      const char *filename, json_t **out, json_t **errors);

/* --- expiry reminders (remind.c) --- */

/* Certificates due for renewal (store_cert_due: valid, a subscriber's,
 * not renewed nor being renewed) expiring from `from` days to `days` days
 * from now, in the actor's scope (holder: its own; officer: its unit;
 * operator: its node): {from, days, items, next}.  Right expiry.read. */
int ra_expiring(struct ca *ca, const struct actor *a, int from, int days, const struct page *p,
		json_t **out);
/* Fills q's scope and profiles for a (profiles into buf, n bytes) once a
 * may read what is due; q's times and page are the caller's. */
int ra_due(struct ca *ca, const struct actor *a, struct due_query *q, char *buf, size_t n);
/* One step from that list (expiry.c): a batch of renew requests for every
 * certificate in the actor's scope expiring within days, for app (NULL:
 * each holder's one granted system). */
int ra_renew_due(struct ca *ca, const struct actor *a, int days, const char *app,
		 json_t **out, json_t **errors);
/* The reminder pass: for each threshold of [notify] (30, 15, 7 days) and
 * each certificate crossing it, once: notices for the holder, the unit's
 * information officer and the making unit, queued for delivery. */
int ra_remind_scan(struct ca *ca, const char *actor, int64_t now, int *queued);
/* Delivers due notices (webhook POST of JSON, SMTP mail via libcurl);
 * a failure is retried later with backoff, at most 8 times. */
int ra_notify_deliver(struct ca *ca, int64_t now, int *sent, int *failed);

/* --- certificates as the accounts see them (cert.c) --- */

/* ca_issue / ca_issue_one for actor a: a scoped actor (operator) names for
 * each certificate a registered holder (id_number) or unit (unit_code) its
 * node makes for; refusals are audited and change nothing. */
int ra_cert_issue(struct ca *ca, const struct actor *a, const struct issue_req *rq,
		  size_t n, issue_emit_cb emit, void *arg);
/* A dual pair (ca_issue_dual), with ra_cert_issue's scope rule. */
int ra_cert_issue_dual(struct ca *ca, const struct actor *a, const struct issue_req *rq,
		       struct dual_out *out);
/* The enveloped keys kept for the USBKey of signing certificate serial
 * (a dual pair's own, and old ones a key recovery delivered), when a may
 * use km.envelope on it: {"serial", "envelopes": [{"enc_serial",
 * "format" (gmt0009|skf), "recovered", "created_at", "der" (base64)}]}.
 * Audited (km.envelope).  *out is the caller's. */
int ra_cert_envelope(struct ca *ca, const struct actor *a, const char *serial, json_t **out);
/* One certificate, or a pair when its profile says so (ca_issue_auto). */
int ra_cert_issue_one(struct ca *ca, const struct actor *a, const struct issue_req *rq,
		      X509 **out);
/* That rule alone (right cert.write, the subject in a's scope). */
int ra_cert_may_issue(struct ca *ca, const struct actor *a, const struct issue_req *rq);
/* store_cert_list in a's scope (f's scope is a's, whatever it says). */
int ra_cert_each(struct ca *ca, const struct actor *a, const struct cert_filter *f,
		 cert_cb cb, void *arg);
/* Certificate serial when a may read it (right cert.read, scope). */
int ra_cert_get(struct ca *ca, const struct actor *a, const char *serial,
		struct cert_rec *out);
/* Revoke (reason), freeze or unfreeze (op OP_*); renew or update.  Right
 * cert.write in scope; cert.admin for certificates that bind accounts or
 * serve the CA itself. */
int ra_cert_change(struct ca *ca, const struct actor *a, const char *serial, int op,
		   int reason);
int ra_cert_renew(struct ca *ca, const struct actor *a, int op, const char *serial,
		  const struct issue_req *over, X509 **out);

/* --- the USBKey inventory as the accounts see it (tokens.c); the token
 * station's local inventory (station/local.c) and /api/v1/tokens call it --- */

struct token_info;
struct token_rec;
/* Right token.read or token.write, and the token's node (where it was
 * made; the province's when none) in a scoped actor's scope; each then
 * calls token.h's function of the same name.  Enrolment also checks the
 * holder (ra_cert_issue's rule). */
int ra_token_list(struct ca *ca, const struct actor *a, const char *state,
		  int (*cb)(void *arg, const struct token_rec *t), void *arg);
int ra_token_get(struct ca *ca, const struct actor *a, const char *serial,
		 struct token_rec *out);
/* ra_token_get for right (token.write: a token the actor may change). */
int ra_token_get_for(struct ca *ca, const struct actor *a, const char *right,
		     const char *serial, struct token_rec *out);
/* ti->node: where the token is made (an operator's: its own node).
 * loss_code (LOSS_CODE_BUF bytes): the envelope's new loss-report code. */
int ra_token_register(struct ca *ca, const struct actor *a, const struct token_info *ti,
		      const char *so_pin, char *loss_code);
/* request non-zero: an accepted PIN reset of the token (附件3). */
int ra_token_so_pin(struct ca *ca, const struct actor *a, const char *serial,
		    int64_t request, char **out);
int ra_token_enroll_begin(struct ca *ca, const struct actor *a, const char *serial,
			  const struct issue_req *rq, X509 **out);
/* commit (request non-zero: with its request's move) or abort (why). */
int ra_token_enroll_end(struct ca *ca, const struct actor *a, const char *serial,
			const char *cert, int64_t request, const char *abort_why);
/* changed 0: a PIN reset (with request: done for that request), whose
 * new envelope's loss-report code goes to loss_code. */
int ra_token_pin_event(struct ca *ca, const struct actor *a, const char *serial,
		       int changed, int64_t request, char *loss_code);
/* The station imported the encryption key of enc (the pair of, or a key
 * recovered to, the signing certificate sign; format: the envelope's)
 * onto the token serial: audited (token.key_import).  Refused unless
 * sign has an envelope of enc. */
int ra_token_key_import(struct ca *ca, const struct actor *a, const char *serial,
			const char *sign, const char *enc, const char *format);
int ra_token_move(struct ca *ca, const struct actor *a, const char *serial,
		  const char *to, int reason, const char *party, const char *note);
int ra_token_handover(struct ca *ca, const struct actor *a, const char *serial,
		      const char *party, const char *note);

/* --- the certificate holder's desk (me.c, issue 15) --- */

/* Who the caller is: {account, role, holder}; for a holder also its
 * person {name, id_number}, unit {code, name}, renewal_days, renewal_due
 * (a certificate within renewal_days of its end, art. 14) and default_pin
 * (a USBKey in use still has the envelope's PIN, art. 23). */
int ra_me(struct ca *ca, const struct actor *a, json_t **out);
/* The holder's certificates: [{serial, subject, profile, status,
 * not_before, not_after, days_to_expiry, renewal_due, superseded,
 * renewal_request (a pending renew/update's id, or null), token}]. */
int ra_me_certs(struct ca *ca, const struct actor *a, json_t **out);
/* The USBKeys bound to the holder: [{serial, label, model, state,
 * default_pin, certificate}]. */
int ra_me_tokens(struct ca *ca, const struct actor *a, json_t **out);
/* Its access grants now: [{app, app_name, dept, roles, not_after}]. */
int ra_me_grants(struct ca *ca, const struct actor *a, json_t **out);
/* The requests naming it (as ra_request_list). */
int ra_me_requests(struct ca *ca, const struct actor *a, json_t **out);
/* What finca agent sends back after a PIN change (strings borrowed). */
struct pin_proof {
	const char *certificate, *challenge, *signature;
};
struct auth;
/* Records that the holder changed the PIN of its USBKey token (token
 * default_pin false, audited token.pin), when p is the signature of the
 * certificate on that token, the holder's own and valid, over
 * AUTH_PIN_PROOF and a challenge of au's (auth_pin_proof). */
int ra_me_pin_changed(struct ca *ca, struct auth *au, const struct actor *a,
		      const char *token, const struct pin_proof *p);
/* Files a draft renewal (art. 14) of the holder's certificate serial in
 * its unit, for the unit's information officer to submit; app: the
 * application system whose department approves (NULL: the holder's only
 * one).  Refused while another renew or update of it is pending
 * (duplicate.c).  *out: the request (ra_request_show). */
int ra_me_renew(struct ca *ca, const struct actor *a, const char *serial, const char *app,
		json_t **out);

/* --- the audit trail and the accounts, read (trail.c) --- */

/* store_audit_find and store_account_list for a (rights audit.read,
 * account.read; refusals audited). */
int ra_audit_find(struct ca *ca, const struct actor *a, const struct audit_filter *f,
		  audit_cb cb, void *arg, int64_t *next);
/* holders: 0 leaves the certificate holders' accounts out (one per
 * holder who ever logged in: auth/holder_account.c), 1 lists them too. */
int ra_account_list(struct ca *ca, const struct actor *a, int holders, account_cb cb,
		    void *arg);
/* The whole trail from since, in order (store_audit_iter). */
int ra_audit_iter(struct ca *ca, const struct actor *a, int64_t since, audit_cb cb,
		  void *arg);
/* The most records one export holds: past it, narrow the filter. */
#define RA_AUDIT_EXPORT_MAX 100000
/* The records matching f (its from and limit ignored) as a file for
 * inspectors, in fmt: 序号, 时间 (Beijing time), 操作者, 操作, 对象, 摘要,
 * 详细内容 (the raw details), headers and names in lang.  The export is
 * itself audited (audit.export, with the filter and the count) before the
 * file is handed out.  *out (caller frees, NULL on entry), *len and *rows
 * (may be NULL) are set on success; FINCA_EINVAL naming the cap when more
 * than RA_AUDIT_EXPORT_MAX records match. */
int ra_audit_export(struct ca *ca, const struct actor *a, const struct audit_filter *f,
		    enum table_format fmt, enum msg_lang lang, unsigned char **out,
		    size_t *len, size_t *rows);
/* The name of the organisation a's scope names (unit, node, department,
 * application system), into out; FINCA_ENOTFOUND when none. */
int ra_scope_name(struct ca *ca, const struct actor *a, char *out, size_t n);

/* --- what the console shows first (dash.c) --- */

/* Weeks of the dashboard's expiry histogram. */
#define DASH_WEEKS 26
/* The actor's certificates by status {valid, frozen, revoked, expired},
 * its requests by state (every state of RA_STATES), its to-do (ra_todo),
 * and for those who may read the expiry list, the certificates due for
 * renewal (store_cert_due) in each of the DASH_WEEKS weeks from now, all
 * in the actor's scope (store_cert_list's rules for certificates,
 * store_row_list's for requests):
 * {"certificates": {...}, "requests": {...}, "todo": [...],
 *  "expiring_weeks": [n...] (when may), "week_start": "YYYY-MM-DD" (now,
 *  in Beijing time)}.  Right dash.read. */
int ra_dashboard(struct ca *ca, const struct actor *a, int64_t now, json_t **out);
/* 待办 (todo.c): what a has to do next, in its scope, as an array of
 * {task, count, state (the requests' when one), days and items (renew:
 * the first certificates due)}; a task for each move a may make
 * (submit, resubmit, approve, accept, produce, handover, collect,
 * complete) and, for those who ask for renewals, renew. */
int ra_todo(struct ca *ca, const struct actor *a, int64_t now, json_t **out);
/* The certificates matching f in the actor's scope (f's scope and
 * scope_val are the actor's, whatever f says; f->limit 0: 100):
 * {"certificates": [...], "next": last id shown when more follow, or null}.
 * Each item is ca_cert_json's with holder_name, unit and unit_name (whose
 * it is, store.h) when known.  Right cert.read. */
int ra_cert_list(struct ca *ca, const struct actor *a, const struct cert_filter *f,
		 json_t **out);

#endif
