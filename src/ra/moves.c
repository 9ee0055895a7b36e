/* The state machine of a request (DESIGN.md): one table of moves, each
 * with its right, the states it starts from and what else it needs.
 *
 *   draft -> submitted -> approved | rejected -> accepted -> produced
 *         -> handed_over -> completed;  withdrawn before approval;
 *   rejected -> submitted again (resubmit) or withdrawn.
 * Operations with nothing to hand over (freeze, unfreeze, authorize) go
 * from produced to completed.  What producing and the handover do on the
 * core is produce.c's. */
#include "ra/request_int.h"
#include "util/err.h"
#include "util/util.h"

#include <string.h>

/* What a move needs of request r besides its state: FINCA_OK when it may
 * run, else the error code.  With say, a refusal also sets the message
 * (the move itself); without, it says nothing (the list of actions). */
#define REFUSE(say, rc, why, ...) ((say) ? err_why((rc), NULL, why, __VA_ARGS__) : (rc))

static int old_is_back(json_t *r)
{
	json_t *v = json_object_get(r, "old_returned"); /* 0/1 in the store */

	return json_is_true(v) || json_integer_value(v);
}

static int when_produce(json_t *r, int say)
{
	long long id = (long long)json_integer_value(json_object_get(r, "id"));

	if (req_at_station(r))
		return REFUSE(say, FINCA_ESTATE, "request.at_station",
			      "request %lld is made at the token station: "
			      "finca token %s --request %lld", id, req_type_of(r)->station, id);
	return FINCA_OK;
}

static int when_handover(json_t *r, int say)
{
	/* XXX: the move has always accepted a request with nothing to hand
	 * over (a batch's handover takes every produced request); only the
	 * list of actions leaves it out, as the console did */
	return say || req_handover_due(r) ? FINCA_OK : FINCA_ESTATE;
}

static int when_return(json_t *r, int say)
{
	long long id = (long long)json_integer_value(json_object_get(r, "id"));

	if (old_is_back(r))
		return REFUSE(say, FINCA_ESTATE, "request.old_back",
				      "request %lld: the old USBKey is back already", id);
	if (!req_old_token_due(r))
		return REFUSE(say, FINCA_EINVAL, "request.no_old_key",
				      "request %lld needs no USBKey back", id);
	return FINCA_OK;
}

static int when_complete(json_t *r, int say)
{
	long long id = (long long)json_integer_value(json_object_get(r, "id"));

	if (!strcmp(ra_str(r, "state"), "produced") && req_handover_due(r))
		return REFUSE(say, FINCA_ESTATE, "request.handover_first",
			      "request %lld: record the handover first "
			      "(handler, new USBKey)", id);
	if (req_old_token_due(r) && !old_is_back(r))
		return REFUSE(say, FINCA_ESTATE, "request.old_key_first",
			      "request %lld: the old USBKey %s must be "
			      "returned first (art. 22)", id, ra_str(r, "token_serial"));
	return FINCA_OK;
}

/* The state machine of the header comment, in the console's order of
 * buttons.  not_now: the reason of a move from a state it does not start
 * from, one per move, so that the Chinese says the rule in the console's
 * words (msg_zh_ra.c) rather than placing the English state names. */
static const struct move {
	const char *action, *from, *to, *right, *not_now;
	int (*when)(json_t *r, int say); /* NULL: the state is enough */
} moves[] = {
	{ "submit", "draft", "submitted", "request.submit", "request.state_submit", NULL },
	{ "resubmit", "rejected", "submitted", "request.submit", "request.state_resubmit", NULL },
	{ "withdraw", "draft submitted rejected", "withdrawn", "request.submit",
	  "request.state_withdraw", NULL },
	{ "approve", "submitted", "approved", "request.approve", "request.state_approve", NULL },
	{ "reject", "submitted", "rejected", "request.approve", "request.state_reject", NULL },
	{ "accept", "approved", "accepted", "request.produce", "request.state_accept", NULL },
	{ "produce", "accepted", "produced", "request.produce", "request.state_produce",
	  when_produce },
	{ "handover", "produced", "handed_over", "request.produce", "request.state_handover",
	  when_handover },
	/* the old key back later (art. 22) */
	{ "return", "handed_over", "handed_over", "request.produce", "request.state_return",
	  when_return },
	{ "complete", "produced handed_over", "completed", "request.complete",
	  "request.state_complete", when_complete },
};

const char *req_move_right(const char *action)
{
	for (size_t i = 0; i < ARRAY_LEN(moves); i++)
		if (!strcmp(moves[i].action, action))
			return moves[i].right;
	return NULL;
}

/* Writes r in state to with its event (note) and audit record (details,
 * taken, with action, from and to added). */
int req_record_move(struct ca *ca, const struct actor *a, json_t *r, const char *action,
		    const char *to, const char *note, json_t *details)
{
	int64_t id = json_integer_value(json_object_get(r, "id"));
	char obj[32], from[16];
	int rc;

	snprintf(from, sizeof from, "%s", ra_str(r, "state")); /* replaced below */
	json_object_set_new(r, "state", json_string(to));
	json_object_set_new(r, "updated_at", json_integer(clock_now()));
	json_object_set_new(details, "action", json_string(action));
	json_object_set_new(details, "from", json_string(from));
	json_object_set_new(details, "to", json_string(to));
	snprintf(obj, sizeof obj, "request:%lld", (long long)id);
	if ((rc = store_row_put(ca_store(ca), "request", r, 0, NULL)) == FINCA_OK &&
	    (rc = store_request_event(ca_store(ca), id, a->name, from, to, note)) == FINCA_OK)
		rc = ca_audit(ca, a->name, "request.move", obj, details);
	json_decref(details);
	return rc;
}

/* The move m of r (read inside the transaction), its effect and record. */
static int apply_move(struct ca *ca, const struct actor *a, const struct move *m,
		      json_t *r, json_t *args)
{
	const char *why = ra_str(args, "reason"), *from = ra_str(r, "state"), *to = m->to;
	int64_t id = json_integer_value(json_object_get(r, "id"));
	int rc;

	if (!word_in(m->from, from))
		return err_why(FINCA_ESTATE, NULL, m->not_now,
			       "request %lld is %s: cannot %s it (only from %s)",
			       (long long)id, from, m->action, m->from);
	if (!strcmp(m->action, "reject") && !why)
		return err_why(FINCA_EINVAL, "reason", "request.reject_why",
				     "a rejection says why");
	if (m->when && (rc = m->when(r, 1)) != FINCA_OK)
		return rc;
	/* what the subject has now, again: drafts made before another batch
	 * went through (duplicate.c) */
	if (!strcmp(m->to, "submitted") && (rc = req_dup_check(ca, r)) != FINCA_OK)
		return rc;
	/* art. 19: the stamped paper first, unless paperless (paper.c) */
	if (!strcmp(m->action, "approve") &&
	    (rc = ra_paper_check(ca, json_integer_value(json_object_get(r, "batch")))) != FINCA_OK)
		return rc;
	/* key recovery: two approvals by two accounts (recover.c) */
	if (req_type_of(r)->two_person &&
	    (rc = req_two_person(a, r, m->action, &to)) != FINCA_OK)
		return rc;
	if (!strcmp(m->action, "approve") || !strcmp(m->action, "reject"))
		json_object_set_new(r, "approver", json_string(a->name));
	if (!strcmp(m->action, "accept") || !strcmp(m->action, "produce"))
		json_object_set_new(r, "operator", json_string(a->name));
	if (!strcmp(m->action, "produce") && (rc = req_produce(ca, a, r)) != FINCA_OK)
		return rc;
	if (!strcmp(m->action, "handover") && (rc = req_handover(ca, a, r, args)) != FINCA_OK)
		return rc;
	if (!strcmp(m->action, "return") &&
	    (rc = req_old_back(ca, a, r, ra_str(args, "handler") ? ra_str(args, "handler") : a->name)))
		return rc;
	return req_record_move(ca, a, r, m->action, to, why,
			   json_pack("{s:s?, s:O?}", "reason", why, "args", args));
}

json_t *req_actions(const struct actor *a, json_t *r, const struct target *t)
{
	json_t *acts = json_array();

	for (size_t i = 0; i < ARRAY_LEN(moves); i++)
		if (word_in(moves[i].from, ra_str(r, "state")) &&
		    (!moves[i].when || moves[i].when(r, 0) == FINCA_OK) &&
		    actor_can(a, moves[i].right, t) &&
		    /* the second approval of a key recovery is another account's */
		    !(req_type_of(r)->two_person && !strcmp(moves[i].action, "approve") &&
		      req_two_person_bar(a, r)))
			json_array_append_new(acts, json_string(moves[i].action));
	return acts;
}

static const struct move *find_move(const char *action)
{
	for (size_t i = 0; i < ARRAY_LEN(moves); i++)
		if (!strcmp(moves[i].action, action))
			return &moves[i];
	return NULL;
}

/* Reads request id, checks the actor, and runs fn inside one
 * transaction with the request read again there. */
int req_in_tx(struct ca *ca, const struct actor *a, int64_t id, const char *right,
	      int (*fn)(struct ca *, const struct actor *, json_t *, void *), void *arg)
{
	struct store *st = ca_store(ca);
	json_t *r = NULL;
	int rc;

	if ((rc = store_row_get_id(st, "request", id, &r)) != FINCA_OK)
		return err_why(rc, NULL, "request.none", "no request %lld", (long long)id);
	rc = req_may(ca, a, right, r);
	json_decref(r);
	r = NULL;
	if (rc != FINCA_OK)
		return rc;
	if ((rc = store_begin(st)) != FINCA_OK)
		return rc;
	if ((rc = store_row_get_id(st, "request", id, &r)) == FINCA_OK)
		rc = fn(ca, a, r, arg);
	json_decref(r);
	if (rc != FINCA_OK) {
		store_rollback(st); /* keeps the error message */
		return rc;
	}
	return store_commit(st);
}

struct act_arg {
	const struct move *m;
	json_t *args;
};

static int act_fn(struct ca *ca, const struct actor *a, json_t *r, void *arg)
{
	struct act_arg *x = arg;

	return apply_move(ca, a, x->m, r, x->args);
}

int ra_request_act(struct ca *ca, const struct actor *a, int64_t id, const char *action,
		   json_t *args, json_t **out)
{
	struct act_arg x = { find_move(action), args };
	int rc;

	*out = NULL;
	if (!x.m)
		return err_why(FINCA_EINVAL, NULL, "request.action",
			       "%s: not an action (submit withdraw resubmit approve "
			       "reject accept produce handover return complete)", action);
	if ((rc = req_in_tx(ca, a, id, x.m->right, act_fn, &x)) != FINCA_OK)
		return rc;
	return ra_request_show(ca, a, id, out);
}

int ra_batch_act(struct ca *ca, const struct actor *a, int64_t batch, const char *action,
		 json_t *args, json_t **out)
{
	struct store *st = ca_store(ca);
	struct row_query q;
	json_t *items = json_array(), *done = json_array();
	const struct move *m = find_move(action);
	int64_t next = 0;
	size_t i;
	int rc;

	*out = NULL;
	memset(&q, 0, sizeof q);
	q.table = "request";
	q.eq[0].col = "batch";
	char b[24];
	snprintf(b, sizeof b, "%lld", (long long)batch);
	q.eq[0].val = b;
	q.limit = 100000;
	if (!m) {
		rc = err_why(FINCA_EINVAL, NULL, "request.action", "%s: not an action", action);
		goto out;
	}
	if ((rc = store_row_list(st, &q, items, &next)) != FINCA_OK)
		goto out;
	if (json_array_size(items) == 0) {
		rc = err_why(FINCA_ENOTFOUND, NULL, "batch.none",
				     "no batch %lld", (long long)batch);
		goto out;
	}
	for (i = 0; i < json_array_size(items); i++)
		if ((rc = req_may(ca, a, m->right, json_array_get(items, i))) != FINCA_OK)
			goto out;
	/* art. 19: said once for the batch, not per request */
	if (!strcmp(m->action, "approve") && (rc = ra_paper_check(ca, batch)) != FINCA_OK)
		goto out;
	if ((rc = store_begin(st)) != FINCA_OK)
		goto out;
	for (i = 0; i < json_array_size(items) && rc == FINCA_OK; i++) {
		json_t *r = json_array_get(items, i);
		/* requests already moved on (or withdrawn) are left as they are */
		if (!word_in(m->from, ra_str(r, "state")))
			continue;
		if ((rc = apply_move(ca, a, m, r, args)) == FINCA_OK)
			json_array_append(done, json_object_get(r, "id"));
		else
			err_wrap(rc, "request %lld", (long long)json_integer_value(
				 json_object_get(r, "id")));
	}
	if (rc == FINCA_OK && json_array_size(done) == 0)
		rc = err_why(FINCA_ESTATE, NULL, "batch.none_can", "no request of batch %lld can "
			     "%s now", (long long)batch, action);
	if (rc != FINCA_OK) {
		store_rollback(st); /* keeps the error message */
		goto out;
	}
	if ((rc = store_commit(st)) != FINCA_OK)
		goto out;
	*out = json_pack("{s:I, s:s, s:O}", "batch", (json_int_t)batch, "action", action,
			 "requests", done);
out:
	json_decref(items);
	json_decref(done);
	return rc;
}

