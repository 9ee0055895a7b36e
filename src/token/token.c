/* The USBKey inventory: states, the one table of allowed moves and their
 * effect on the token's certificate (after Dogtag TPS and art. 22-25),
 * registration, enrolment, handover, PIN events.  Every change is one
 * transaction with its event and its audit record. */
#include "token/token.h"
#include "ca/dn.h"
#include "util/err.h"
#include "util/util.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { KEEP = -1 };                 /* no effect on the certificate */
#define REASON_CALLER (-1)          /* revocation reason given by the caller */

static const struct move {
	const char *from, *to;
	int op;                         /* enum cert_op or KEEP */
	int reason;                     /* for OP_REVOKE */
	const char *via;                /* made by this command, not by a move */
} moves[] = {
	{ "in_stock",    "initialized", KEEP, 0, "finca token init" },
	{ "returned",    "initialized", KEEP, 0, "finca token init" },
	{ "initialized", "issued",      KEEP, 0, "finca token enroll" },
	{ "returned",    "in_stock",    KEEP, 0, NULL },
	{ "issued",      "suspended",   OP_FREEZE, 0, NULL },
	{ "suspended",   "issued",      OP_UNFREEZE, 0, NULL },
	{ "issued",      "lost",        OP_REVOKE, 1 /* keyCompromise */, NULL },
	{ "suspended",   "lost",        OP_REVOKE, 1, NULL },
	{ "issued",      "damaged",     OP_REVOKE, 4 /* superseded */, NULL },
	{ "issued",      "returned",    OP_REVOKE, REASON_CALLER, NULL },
	{ "suspended",   "returned",    OP_REVOKE, REASON_CALLER, NULL },
	{ "in_stock",    "damaged",     KEEP, 0, NULL },
	{ "initialized", "damaged",     KEEP, 0, NULL },
	{ "in_stock",    "destroyed",   KEEP, 0, NULL },
	{ "initialized", "destroyed",   KEEP, 0, NULL },
	{ "returned",    "destroyed",   KEEP, 0, NULL },
	{ "damaged",     "destroyed",   KEEP, 0, NULL },
	{ "lost",        "destroyed",   KEEP, 0, NULL },
};

static const char *const states[] = {
	"in_stock", "initialized", "issued", "suspended", "returned", "lost",
	"damaged", "destroyed",
};

static const struct move *find_move(const char *from, const char *to)
{
	for (size_t i = 0; i < ARRAY_LEN(moves); i++)
		if (!strcmp(moves[i].from, from) && !strcmp(moves[i].to, to))
			return &moves[i];
	return NULL;
}

int token_move_check(const char *from, const char *to)
{
	char next[160] = "";
	int known = 0;

	for (size_t i = 0; i < ARRAY_LEN(states); i++)
		known |= !strcmp(states[i], to);
	if (!known)
		return err_why(FINCA_EINVAL, NULL, "token.state_name",
			       "token state '%s': expected in_stock, initialized, "
			       "issued, suspended, returned, lost, damaged or destroyed", to);
	if (find_move(from, to))
		return FINCA_OK;
	for (size_t i = 0; i < ARRAY_LEN(moves); i++)
		if (!strcmp(moves[i].from, from)) {
			strncat(next, next[0] ? ", " : "", sizeof next - strlen(next) - 1);
			strncat(next, moves[i].to, sizeof next - strlen(next) - 1);
		}
	return err_why(FINCA_ESTATE, NULL, "token.move",
		       "token is %s: it cannot become %s (%s%s)", from, to,
		       next[0] ? "allowed: " : "no way out of this state", next);
}

/* The event row and the audit record of a change to t, in the caller's
 * transaction. */
static int record(struct ca *ca, const struct actor *a, const struct token_rec *t, const char *kind,
		  const char *from, const char *party, const char *cert,
		  const char *note)
{
	struct token_event e;
	char obj[64];
	char action[32];
	json_t *d;
	int rc;

	memset(&e, 0, sizeof e);
	e.at = clock_now();
	snprintf(e.kind, sizeof e.kind, "%s", kind);
	snprintf(e.from_state, sizeof e.from_state, "%s", from ? from : "");
	snprintf(e.to_state, sizeof e.to_state, "%s", t->state);
	snprintf(e.actor, sizeof e.actor, "%s", a->name);
	snprintf(e.party, sizeof e.party, "%s", party ? party : "");
	snprintf(e.cert_serial, sizeof e.cert_serial, "%s", cert ? cert : "");
	snprintf(e.note, sizeof e.note, "%s", note ? note : "");
	if ((rc = store_token_event_insert(ca_store(ca), t->id, &e)) != FINCA_OK)
		return rc;
	d = json_pack("{s:s}", "state", t->state);
	if (from)
		json_object_set_new(d, "from", json_string(from));
	if (party && *party)
		json_object_set_new(d, "party", json_string(party));
	if (cert && *cert)
		json_object_set_new(d, "certificate", json_string(cert));
	if (note && *note)
		json_object_set_new(d, "note", json_string(note));
	snprintf(obj, sizeof obj, "token:%s", t->serial);
	snprintf(action, sizeof action, "token.%s", kind);
	rc = ca_audit(ca, a->name, action, obj, d);
	json_decref(d);
	return rc;
}

/* Loads serial inside a transaction the caller ends with finish(). */
static int start(struct ca *ca, const char *serial, struct token_rec *t)
{
	int rc;

	memset(t, 0, sizeof *t);
	if ((rc = store_begin(ca_store(ca))) != FINCA_OK)
		return rc;
	if ((rc = store_token_get(ca_store(ca), serial, t)) != FINCA_OK)
		store_rollback(ca_store(ca));
	return rc;
}

static int finish(struct ca *ca, struct token_rec *t, int rc)
{
	if (rc == FINCA_OK)
		rc = store_commit(ca_store(ca));
	else
		store_rollback(ca_store(ca));
	token_rec_clear(t);
	return rc;
}

int token_register(struct ca *ca, const struct actor *a, const struct token_info *ti,
		   const char *so_pin, char loss_code[LOSS_CODE_BUF])
{
	struct token_rec t;
	char from[16] = "", code[LOSS_CODE_BUF];
	int rc, fresh = 0;

	memset(&t, 0, sizeof t);
	if ((rc = store_begin(ca_store(ca))) != FINCA_OK)
		return rc;
	rc = store_token_get(ca_store(ca), ti->serial, &t);
	if (rc == FINCA_ENOTFOUND) {
		fresh = 1;
		snprintf(t.serial, sizeof t.serial, "%s", ti->serial);
		snprintf(t.state, sizeof t.state, "in_stock");
		t.created_at = clock_now();
	} else if (rc != FINCA_OK) {
		goto out;
	}
	snprintf(from, sizeof from, "%s", t.state);
	if ((rc = token_move_check(t.state, "initialized")) != FINCA_OK)
		goto out;
	snprintf(t.label, sizeof t.label, "%s", ti->label);
	snprintf(t.manufacturer, sizeof t.manufacturer, "%s", ti->manufacturer);
	snprintf(t.model, sizeof t.model, "%s", ti->model);
	snprintf(t.node, sizeof t.node, "%s", ti->node ? ti->node : "");
	snprintf(t.state, sizeof t.state, "initialized");
	t.pin_default = 1;
	t.holder[0] = t.holder_name[0] = t.cert_serial[0] = t.pending_serial[0] = '\0';
	free(t.so_pin);
	t.so_pin = NULL;
	if ((rc = ca_seal(ca, t.serial, so_pin, &t.so_pin, &t.so_pin_len)) != FINCA_OK)
		goto out;
	t.updated_at = clock_now();
	rc = fresh ? store_token_insert(ca_store(ca), &t) : store_token_update(ca_store(ca), &t);
	if (rc == FINCA_OK)
		rc = record(ca, a, &t, "init", from, NULL, NULL, t.label);
	/* a new envelope, a new code: the old one stops working (art. 25) */
	if (rc == FINCA_OK && (rc = loss_code_new(ca, t.serial, code)) == FINCA_OK)
		memcpy(loss_code, code, LOSS_CODE_BUF);
	OPENSSL_cleanse(code, sizeof code);
out:
	return finish(ca, &t, rc);
}

int token_so_pin(struct ca *ca, const struct actor *a, const char *serial, char **out)
{
	struct token_rec t;
	int rc;

	if ((rc = start(ca, serial, &t)) != FINCA_OK)
		return rc;
	if (!t.so_pin)
		rc = err_why(FINCA_ENOTFOUND, NULL, "token.no_so_pin",
			     "token %s: finca keeps no SO PIN for it", serial);
	else if ((rc = ca_unseal(ca, t.serial, t.so_pin, t.so_pin_len, out)) == FINCA_OK &&
		 (rc = record(ca, a, &t, "so_pin", NULL, NULL, NULL, "SO PIN handed out")) != FINCA_OK) {
		OPENSSL_cleanse(*out, strlen(*out));
		free(*out);
		*out = NULL;
	}
	return finish(ca, &t, rc);
}

/* Applies the move's effect to cert (may be ""), in the caller's
 * transaction. */
static int effect(struct ca *ca, const struct actor *a, const struct move *m, const char *cert, int reason)
{
	struct cert_rec r;
	int64_t now = clock_now();
	int rc = FINCA_OK;

	if (m->op == KEEP || !cert[0])
		return FINCA_OK;
	memset(&r, 0, sizeof r);
	if ((rc = store_cert_get(ca_store(ca), cert, &r)) != FINCA_OK)
		return rc;
	if (m->op == OP_REVOKE && (r.status == CERT_REVOKED || now > r.not_after))
		goto out;   /* renewed, updated or expired already: nothing to do */
	if (m->op == OP_FREEZE)
		rc = ca_freeze(ca, a, cert);
	else if (m->op == OP_UNFREEZE)
		rc = ca_unfreeze(ca, a, cert);
	else
		rc = ca_revoke(ca, a, cert, m->reason == REASON_CALLER ?
			       (reason >= 0 ? reason : 5 /* cessationOfOperation */) : m->reason);
out:
	cert_rec_clear(&r);
	return rc;
}

int token_move(struct ca *ca, const struct actor *a, const char *serial, const char *to, int reason,
	       const char *party, const char *note)
{
	const struct move *m;
	struct token_rec t;
	char from[16];
	int rc;

	if ((rc = start(ca, serial, &t)) != FINCA_OK)
		return rc;
	snprintf(from, sizeof from, "%s", t.state);
	if ((rc = token_move_check(from, to)) != FINCA_OK)
		goto out;
	m = find_move(from, to);
	if (m->via) {
		rc = err_why(FINCA_ESTATE, NULL, "token.move_via",
			     "token %s: %s -> %s is made by '%s'", serial, from, to,
			     m->via);
		goto out;
	}
	if ((rc = effect(ca, a, m, t.cert_serial, reason)) != FINCA_OK)
		goto out;
	snprintf(t.state, sizeof t.state, "%s", to);
	t.updated_at = clock_now();
	if ((rc = store_token_update(ca_store(ca), &t)) == FINCA_OK)
		rc = record(ca, a, &t, !strcmp(to, "returned") ? "return" : "state", from, party,
			    t.cert_serial, note);
out:
	return finish(ca, &t, rc);
}

int token_handover(struct ca *ca, const struct actor *a, const char *serial, const char *party,
		   const char *note)
{
	struct token_rec t;
	int rc;

	if (!party || !*party)
		return err_why(FINCA_EINVAL, "to", "token.to", "say to whom the USBKey was handed");
	if ((rc = start(ca, serial, &t)) != FINCA_OK)
		return rc;
	if (strcmp(t.state, "issued"))
		rc = err_why(FINCA_ESTATE, NULL, "token.handover_state",
			     "token %s is %s: only an issued token is handed over",
			     serial, t.state);
	else
		rc = record(ca, a, &t, "handover", NULL, party, t.cert_serial, note);
	return finish(ca, &t, rc);
}

int token_pin_event(struct ca *ca, const struct actor *a, const char *serial, int changed,
		    char loss_code[LOSS_CODE_BUF])
{
	struct token_rec t;
	int rc;

	if ((rc = start(ca, serial, &t)) != FINCA_OK)
		return rc;
	t.pin_default = !changed;
	t.updated_at = clock_now();
	if ((rc = store_token_update(ca_store(ca), &t)) == FINCA_OK)
		rc = record(ca, a, &t, "pin", NULL, NULL, NULL,
			    changed ? "default PIN changed by the holder"
				    : "PIN reset to a new default PIN");
	/* the reset's envelope replaces the first one, code and all */
	if (rc == FINCA_OK && !changed)
		rc = loss_code_new(ca, t.serial, loss_code);
	return finish(ca, &t, rc);
}

/* Revokes a pending certificate that never reached the token. */
static int drop_pending(struct ca *ca, const struct actor *a, struct token_rec *t, const char *why)
{
	struct cert_rec r;
	int rc;

	if (!t->pending_serial[0])
		return FINCA_OK;
	memset(&r, 0, sizeof r);
	if ((rc = store_cert_get(ca_store(ca), t->pending_serial, &r)) != FINCA_OK)
		return rc;
	if (r.status != CERT_REVOKED)
		rc = ca_revoke(ca, a, t->pending_serial, 5 /* cessationOfOperation */);
	cert_rec_clear(&r);
	if (rc == FINCA_OK)
		rc = record(ca, a, t, "enroll_abort", NULL, NULL, t->pending_serial, why);
	t->pending_serial[0] = '\0';
	return rc;
}

/* What enrolment needs of the token and of the holder. */
static int enroll_check(struct ca *ca, const struct token_rec *t, const struct issue_req *rq)
{
	const struct profile *p = config_profile(ca->cfg, rq->profile);
	int64_t n = 0;
	int rc;

	if (strcmp(t->state, "initialized"))
		return err_why(FINCA_ESTATE, NULL, "token.enroll_state",
			       "token %s is %s: enrolment needs an initialised token "
			       "(finca token init)", t->serial, t->state);
	if (!p)
		return FINCA_EINVAL;
	if (rq->id_number && *rq->id_number) {
		struct token_rec old;
		if ((rc = store_token_active(ca_store(ca), rq->id_number, &n)) != FINCA_OK)
			return rc;
		/* a renewal or update replaces the certificate of a token in use:
		 * that token is handed back with the new one (art. 22) */
		memset(&old, 0, sizeof old);
		if (rq->replaces && store_token_by_cert(ca_store(ca), rq->replaces, &old) == FINCA_OK &&
		    (!strcmp(old.state, "issued") || !strcmp(old.state, "suspended")))
			n--;
		token_rec_clear(&old);
		if (n >= p->tokens)
			return err_why(FINCA_EPOLICY, NULL, "token.too_many",
				       "holder %s already has %lld token(s) in use; "
				       "profile %s allows %d (report the old one lost, damaged or "
				       "returned first)", rq->id_number, (long long)n, p->name,
				       p->tokens);
	}
	return FINCA_OK;
}

int token_enroll_begin(struct ca *ca, const struct actor *a, const char *serial, const struct issue_req *rq,
		       X509 **out)
{
	struct token_rec t;
	X509 *x = NULL;
	char cs[41];
	int rc;

	/* a certificate left pending by a station that died goes first */
	if ((rc = start(ca, serial, &t)) != FINCA_OK)
		return rc;
	if ((rc = enroll_check(ca, &t, rq)) == FINCA_OK && t.pending_serial[0] &&
	    (rc = drop_pending(ca, a, &t, "a new enrolment started")) == FINCA_OK)
		rc = store_token_update(ca_store(ca), &t);
	if ((rc = finish(ca, &t, rc)) != FINCA_OK)
		return rc;
	if ((rc = ca_issue_auto(ca, a, rq, &x)) != FINCA_OK)
		return rc;
	ca_cert_serial(x, cs);
	if ((rc = start(ca, serial, &t)) == FINCA_OK) {
		/* another station may have enrolled it meanwhile */
		if ((rc = enroll_check(ca, &t, rq)) == FINCA_OK) {
			snprintf(t.pending_serial, sizeof t.pending_serial, "%s", cs);
			t.updated_at = clock_now();
			if ((rc = store_token_update(ca_store(ca), &t)) == FINCA_OK)
				rc = record(ca, a, &t, "enroll_begin", NULL, NULL, cs, rq->profile);
		}
		rc = finish(ca, &t, rc);
	}
	if (rc != FINCA_OK) {
		struct err_state why;
		/* the failure as made (reason, field, parameters), not the
		 * revocation's */
		err_save(&why);
		ca_revoke(ca, a, cs, 5);
		X509_free(x);
		why.rc = rc;
		err_restore(&why);
		return rc;
	}
	*out = x;
	return FINCA_OK;
}

/* Loads the token and checks that cert_serial is its pending certificate. */
static int pending(struct ca *ca, const char *serial, const char *cert_in,
		   struct token_rec *t)
{
	char cert[41];
	int rc;

	if ((rc = ca_serial_norm(cert_in, cert)) != FINCA_OK ||
	    (rc = start(ca, serial, t)) != FINCA_OK)
		return rc;
	if (strcmp(t->pending_serial, cert)) {
		rc = err_why(FINCA_ESTATE, NULL, "token.enroll_cert",
			     "token %s: certificate %s is not the one being enrolled",
			     serial, cert);
		store_rollback(ca_store(ca));
		token_rec_clear(t);
	}
	return rc;
}

int token_enroll_commit(struct ca *ca, const struct actor *a, const char *serial, const char *cert)
{
	struct cert_rec r;
	struct token_rec t;
	const unsigned char *p;
	X509 *x = NULL;
	int rc;

	memset(&r, 0, sizeof r);
	if ((rc = pending(ca, serial, cert, &t)) != FINCA_OK)
		return rc;
	if ((rc = store_cert_get(ca_store(ca), t.pending_serial, &r)) != FINCA_OK)
		goto out;
	if (r.status != CERT_VALID) {
		rc = err_why(FINCA_ESTATE, NULL, "token.cert_invalid",
			     "certificate %s is no longer valid", r.serial);
		goto out;
	}
	snprintf(t.cert_serial, sizeof t.cert_serial, "%s", t.pending_serial);
	t.pending_serial[0] = '\0';
	snprintf(t.holder, sizeof t.holder, "%s", r.id_number ? r.id_number : "");
	p = r.der;
	if ((x = d2i_X509(NULL, &p, (long)r.der_len)) == NULL) {
		rc = err_ssl_why(FINCA_EINTEGRITY, "cert.der_unreadable",
				 "certificate %s: stored DER is unreadable", r.serial);
		goto out;
	}
	dn_attr(X509_get_subject_name(x), NID_commonName, t.holder_name, sizeof t.holder_name);
	/* from now on the token is the holder's making node's (art. 6) */
	{
		char unit[65], node[16];
		if (store_cert_owner(ca_store(ca), r.id, unit, node) == FINCA_OK && *node)
			snprintf(t.node, sizeof t.node, "%s", node);
	}
	snprintf(t.state, sizeof t.state, "issued");
	t.updated_at = clock_now();
	if ((rc = store_token_update(ca_store(ca), &t)) == FINCA_OK)
		rc = record(ca, a, &t, "enroll", "initialized", t.holder_name, t.cert_serial, NULL);
out:
	X509_free(x);
	cert_rec_clear(&r);
	return finish(ca, &t, rc);
}

int token_enroll_abort(struct ca *ca, const struct actor *a, const char *serial, const char *cert,
		       const char *why)
{
	struct token_rec t;
	int rc;

	if ((rc = pending(ca, serial, cert, &t)) != FINCA_OK)
		return rc;
	if ((rc = drop_pending(ca, a, &t, why)) == FINCA_OK) {
		t.updated_at = clock_now();
		rc = store_token_update(ca_store(ca), &t);
	}
	return finish(ca, &t, rc);
}

static int event_json(void *arg, const struct token_event *e)
{
	char at[32];

	time_format(e->at, at, sizeof at);
	json_array_append_new(arg, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
					     "at", at, "kind", e->kind, "from", e->from_state,
					     "to", e->to_state, "actor", e->actor, "party",
					     e->party, "certificate", e->cert_serial, "note",
					     e->note));
	return FINCA_OK;
}

json_t *token_json(struct ca *ca, const struct token_rec *t, int events)
{
	char up[32];
	json_t *j;

	time_format(t->updated_at, up, sizeof up);
	j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:s, s:s}", "serial", t->serial,
		      "label", t->label, "manufacturer", t->manufacturer, "model", t->model,
		      "state", t->state, "default_pin", t->pin_default, "holder", t->holder,
		      "holder_name", t->holder_name, "certificate", t->cert_serial,
		      "updated_at", up);
	if (events) {
		json_t *ev = json_array();
		store_token_events(ca_store(ca), t->id, event_json, ev);
		json_object_set_new(j, "events", ev);
	}
	return j;
}
