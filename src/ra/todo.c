/* 待办: what each role has to do next, in its scope.  The requests
 * waiting for a move the actor may make (the move's right is the state
 * machine's, moves.c), and for those who ask for renewals, the
 * certificates due within 30 days (art. 14; store_cert_due's rule, which
 * leaves out what the daemon renews itself and what is being renewed).
 * The console's dashboard opens on it. */
#include "ra/request_int.h"
#include "util/err.h"
#include "util/util.h"

#include <string.h>

#define TODO_DAYS 30  /* art. 14: the officer renews within 30 days */
#define TODO_SHOWN 5  /* certificates due, listed on the dashboard */

/* Each task: the requests in state that move would take on, those with a
 * USBKey to hand over (1), without (0) or either (-1). */
static const struct {
	const char *task, *move, *state;
	int handover;
} tasks[] = {
	{ "submit", "submit", "draft", -1 },         /* drafts to submit */
	{ "resubmit", "resubmit", "rejected", -1 },  /* sent back: amend or withdraw */
	{ "approve", "approve", "submitted", -1 },   /* waiting for approval */
	{ "accept", "accept", "approved", -1 },      /* approved: to accept */
	{ "produce", "produce", "accepted", -1 },    /* the production queue */
	{ "handover", "handover", "produced", 1 },   /* the handover queue */
	{ "collect", "submit", "produced", 1 },      /* USBKeys ready to collect */
	{ "complete", "complete", "produced", 0 },   /* done, nothing to hand over */
	{ "complete", "complete", "handed_over", -1 },
};

/* The actor's requests in state, by type, into *out {type: n}. */
static int count_types(struct ca *ca, const struct actor *a, const char *state, json_t **out)
{
	struct row_query q;
	json_t *by = json_object();
	int rc;

	memset(&q, 0, sizeof q);
	q.table = "request";
	q.scope = actor_row_scope(a);
	q.scope_val = a->scope;
	q.eq[0].col = "state";
	q.eq[0].val = state;
	if ((rc = store_row_count(ca_store(ca), &q, "type", by)) != FINCA_OK) {
		json_decref(by);
		return rc;
	}
	*out = by;
	return FINCA_OK;
}

/* The task's count: requests of state whose type hands a USBKey over as
 * the task says. */
static int64_t count_of(json_t *by_type, int handover)
{
	const char *type;
	json_t *n;
	int64_t sum = 0;

	json_object_foreach(by_type, type, n) {
		const struct req_type *t = req_type_get(type);
		if (handover < 0 || (t && t->handover == handover))
			sum += json_integer_value(n);
	}
	return sum;
}

static json_t *task_find(json_t *list, const char *task)
{
	size_t i;
	json_t *v;

	json_array_foreach(list, i, v)
		if (!strcmp(json_string_value(json_object_get(v, "task")), task))
			return v;
	return NULL;
}

static int requests_todo(struct ca *ca, const struct actor *a, json_t *list)
{
	json_t *by_state = json_object(); /* state -> {type: n}, read once */
	int rc = FINCA_OK;

	for (size_t i = 0; i < ARRAY_LEN(tasks); i++) {
		json_t *by = json_object_get(by_state, tasks[i].state), *t;
		if (!actor_has(a, req_move_right(tasks[i].move)))
			continue;
		if (!by) {
			if ((rc = count_types(ca, a, tasks[i].state, &by)) != FINCA_OK)
				goto out;
			json_object_set_new(by_state, tasks[i].state, by);
		}
		if (!(t = task_find(list, tasks[i].task))) {
			t = json_pack("{s:s, s:s, s:I}", "task", tasks[i].task, "state",
				      tasks[i].state, "count", (json_int_t)0);
			json_array_append_new(list, t);
		} else if (strcmp(json_string_value(json_object_get(t, "state")), tasks[i].state))
			json_object_del(t, "state"); /* several states: no one list */
		json_object_set_new(t, "count", json_integer(json_integer_value(
				    json_object_get(t, "count")) + count_of(by, tasks[i].handover)));
	}
out:
	json_decref(by_state);
	return rc;
}

/* The certificates due within TODO_DAYS, the first TODO_SHOWN of them
 * listed, for those who ask for renewals. */
static int renew_todo(struct ca *ca, const struct actor *a, int64_t now, json_t *list)
{
	struct due_query q = { 0 };
	json_t *items = json_array();
	int64_t weeks[(TODO_DAYS + 6) / 7], n = 0, next;
	char profiles[1024];
	int rc;

	q.now = q.from = now;
	q.until = now + (int64_t)TODO_DAYS * 86400;
	q.limit = TODO_SHOWN;
	if ((rc = ra_due(ca, a, &q, profiles, sizeof profiles)) != FINCA_OK ||
	    (rc = store_cert_due(ca_store(ca), &q, items, &next)) != FINCA_OK)
		goto out;
	/* the count: the weeks of the window, its end bounding the last */
	if ((rc = store_cert_due_weeks(ca_store(ca), &q, weeks, ARRAY_LEN(weeks))) != FINCA_OK)
		goto out;
	for (size_t i = 0; i < ARRAY_LEN(weeks); i++)
		n += weeks[i];
	json_array_append_new(list, json_pack("{s:s, s:i, s:I, s:O}", "task", "renew", "days",
					      TODO_DAYS, "count", (json_int_t)n,
					      "items", items));
out:
	json_decref(items);
	return rc;
}

int ra_todo(struct ca *ca, const struct actor *a, int64_t now, json_t **out)
{
	json_t *list = json_array();
	int rc;

	*out = NULL;
	if ((rc = requests_todo(ca, a, list)) != FINCA_OK)
		goto fail;
	if (actor_has(a, "request.create") && actor_has(a, "expiry.read") &&
	    (rc = renew_todo(ca, a, now, list)) != FINCA_OK)
		goto fail;
	*out = list;
	return FINCA_OK;
fail:
	json_decref(list);
	return rc;
}
