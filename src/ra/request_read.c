/* Requests and batches as the console reads them: rows with times as
 * text, the actions the reader may take, the type's rules that apply. */
#include "ra/request_int.h"
#include "util/err.h"
#include "util/util.h"

#include <stdio.h>
#include <string.h>

static void decorate(json_t *r)
{
	const char *k;
	json_t *v;
	char t[32];

	/* times as text, for people */
	json_object_foreach(r, k, v)
		if ((!strcmp(k, "created_at") || !strcmp(k, "updated_at") ||
		     !strcmp(k, "handed_at") || !strcmp(k, "at")) && json_is_integer(v)) {
			time_format(json_integer_value(v), t, sizeof t);
			json_object_set_new(r, k, json_string(t));
		}
	if (json_is_integer(json_object_get(r, "emergency")))
		json_object_set_new(r, "emergency",
				    json_boolean(json_integer_value(json_object_get(r, "emergency"))));
	if (json_is_integer(json_object_get(r, "old_returned")))
		json_object_set_new(r, "old_returned",
				    json_boolean(json_integer_value(json_object_get(r, "old_returned"))));
}

/* What the console needs to know of request r (a row as stored, before
 * decorate) for actor a: the moves a may take now (state, right and scope,
 * checked without auditing, and what each move needs), and the type's
 * rules that apply to it. */
static void add_facts(struct ca *ca, const struct actor *a, json_t *r)
{
	json_t *app;
	struct target t;
	char cmd[64];

	req_target_of(ca, r, &t, &app);
	json_object_set_new(r, "actions", req_actions(a, r, &t));
	json_decref(app);
	json_object_set_new(r, "at_station", json_boolean(req_at_station(r)));
	json_object_set_new(r, "handover_due", json_boolean(req_handover_due(r)));
	json_object_set_new(r, "old_token_due", json_boolean(req_old_token_due(r)));
	/* art. 19: approval waits for the batch's stamped scan */
	if (word_in("draft submitted rejected", ra_str(r, "state")))
		json_object_set_new(r, "paper_due", json_boolean(ra_paper_due(ca,
				    json_integer_value(json_object_get(r, "batch")))));
	else
		json_object_set_new(r, "paper_due", json_false());
	/* made now at the station: an accepted request is */
	if (req_at_station(r) && !strcmp(ra_str(r, "state"), "accepted")) {
		snprintf(cmd, sizeof cmd, "finca token %s --request %lld", req_type_of(r)->station,
			 (long long)json_integer_value(json_object_get(r, "id")));
		json_object_set_new(r, "station_command", json_string(cmd));
		/* or from the console through the operator's agent: the
		 * instruction it asks for (ra/instruction.c) */
		json_object_set_new(r, "agent_op", json_string(req_type_of(r)->make == MAKE_PIN ?
							       "pin_reset" : "produce"));
	}
}

int ra_request_show(struct ca *ca, const struct actor *a, int64_t id, json_t **out)
{
	struct store *st = ca_store(ca);
	json_t *r = NULL, *ev = json_array();
	int rc;

	*out = NULL;
	if ((rc = store_row_get_id(st, "request", id, &r)) != FINCA_OK) {
		err_why(rc, NULL, "request.none", "no request %lld", (long long)id);
		goto out;
	}
	if ((rc = req_may(ca, a, "request.read", r)) != FINCA_OK ||
	    (rc = store_request_events(st, id, ev)) != FINCA_OK)
		goto out;
	for (size_t i = 0; i < json_array_size(ev); i++)
		decorate(json_array_get(ev, i));
	add_facts(ca, a, r);
	decorate(r);
	json_object_set(r, "events", ev);
	*out = r;
	r = NULL;
out:
	json_decref(r);
	json_decref(ev);
	return rc;
}

int ra_request_list(struct ca *ca, const struct actor *a, const struct page *p,
		    const char *state, int64_t batch, json_t **out)
{
	struct row_query q;
	json_t *items = json_array();
	char b[24];
	int64_t next = 0;
	int rc, e = 0;

	*out = NULL;
	memset(&q, 0, sizeof q);
	q.table = "request";
	q.q = p->q;
	q.after = p->after;
	q.limit = p->limit;
	if (state)
		q.eq[e].col = "state", q.eq[e++].val = state;
	if (batch) {
		snprintf(b, sizeof b, "%lld", (long long)batch);
		q.eq[e].col = "batch", q.eq[e++].val = b;
	}
	if (p->filter)
		q.eq[e].col = "type", q.eq[e++].val = p->filter;
	if ((rc = actor_may(ca, a, "request.read", NULL)) != FINCA_OK)
		goto fail;
	q.scope = actor_row_scope(a);
	q.scope_val = a->scope;
	if ((rc = store_row_list(ca_store(ca), &q, items, &next)) != FINCA_OK)
		goto fail;
	for (size_t i = 0; i < json_array_size(items); i++) {
		add_facts(ca, a, json_array_get(items, i));
		decorate(json_array_get(items, i));
	}
	*out = json_pack("{s:o, s:o}", "items", items, "next",
			 next ? json_integer(next) : json_null());
	return FINCA_OK;
fail:
	json_decref(items);
	return rc;
}

int ra_batch_show(struct ca *ca, const struct actor *a, int64_t id, json_t **out)
{
	struct store *st = ca_store(ca);
	struct page p = { NULL, NULL, 0, 1000 };
	json_t *b = NULL, *reqs = NULL, *att = json_array();
	struct target t;
	int rc;

	*out = NULL;
	if ((rc = store_row_get_id(st, "batch", id, &b)) != FINCA_OK) {
		err_why(rc, NULL, "batch.none", "no batch %lld", (long long)id);
		goto out;
	}
	memset(&t, 0, sizeof t);
	t.unit = ra_str(b, "unit");
	/* approvers and operators see a batch through its requests */
	if ((rc = ra_request_list(ca, a, &p, NULL, id, &reqs)) != FINCA_OK)
		goto out;
	if (json_array_size(json_object_get(reqs, "items")) == 0 &&
	    (rc = actor_may(ca, a, "request.read", &t)) != FINCA_OK)
		goto out;
	if ((rc = store_attachments(st, id, att)) != FINCA_OK)
		goto out;
	for (size_t i = 0; i < json_array_size(att); i++)
		decorate(json_array_get(att, i));
	decorate(b);
	json_object_set_new(b, "paper_due", json_boolean(json_array_size(att) == 0 &&
					!ra_conf(ca->cfg)->paperless));
	json_object_set(b, "requests", json_object_get(reqs, "items"));
	json_object_set(b, "attachments", att);
	*out = b;
	b = NULL;
out:
	json_decref(b);
	json_decref(reqs);
	json_decref(att);
	return rc;
}
