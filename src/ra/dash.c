/* What the console shows an actor: the dashboard (certificates by status
 * and by week of expiry, requests by state) and the certificate list, in
 * the actor's scope.  The scope is decided here (actor_row_scope); the
 * store counts and lists in SQL by the rules of store.h, the same rules
 * the API's per-certificate check uses (store_cert_owner). */
#include "ra/ra.h"
#include "util/err.h"
#include "util/util.h"

#include <string.h>
#include <time.h>

#define BEIJING (8 * 3600) /* UTC+8, no summer time */

int ra_dashboard(struct ca *ca, const struct actor *a, int64_t now, json_t **out)
{
	static const char *const cert_names[4] = { "valid", "frozen", "revoked", "expired" };
	struct store *st = ca_store(ca);
	int scope = actor_row_scope(a);
	int64_t counts[4], weeks[DASH_WEEKS];
	json_t *by_state = json_object(), *certs = NULL, *reqs = NULL, *todo = NULL;
	struct row_query q;
	struct due_query due = { 0 };
	char day[16], states[] = RA_STATES, *save = NULL, profiles[1024];
	time_t t = (time_t)(now + BEIJING);
	struct tm tm;
	int rc;

	*out = NULL;
	memset(&q, 0, sizeof q);
	q.table = "request";
	q.scope = scope;
	q.scope_val = a->scope;
	if ((rc = actor_may(ca, a, "dash.read", NULL)) != FINCA_OK ||
	    (rc = store_cert_scope_counts(st, scope, a->scope, now, counts)) != FINCA_OK ||
	    (rc = store_row_count(st, &q, "state", by_state)) != FINCA_OK ||
	    (rc = ra_todo(ca, a, now, &todo)) != FINCA_OK)
		goto out;
	certs = json_object();
	for (int i = 0; i < 4; i++)
		json_object_set_new(certs, cert_names[i], json_integer(counts[i]));
	/* every state, in the machine's order, 0 when none */
	reqs = json_object();
	for (char *s = strtok_r(states, " ", &save); s; s = strtok_r(NULL, " ", &save)) {
		json_t *n = json_object_get(by_state, s);
		json_object_set_new(reqs, s, n ? json_incref(n) : json_integer(0));
	}
	gmtime_r(&t, &tm);
	strftime(day, sizeof day, "%Y-%m-%d", &tm);
	*out = json_pack("{s:o, s:o, s:o, s:s}", "certificates", certs, "requests", reqs,
			 "todo", todo, "week_start", day);
	todo = NULL;
	/* the chart: what is due for renewal, week by week, for those who
	 * may read the list its bars open */
	if (!actor_has(a, "expiry.read"))
		goto out;
	due.now = due.from = now;
	due.until = now + (int64_t)DASH_WEEKS * 604800;
	if ((rc = ra_due(ca, a, &due, profiles, sizeof profiles)) != FINCA_OK ||
	    (rc = store_cert_due_weeks(st, &due, weeks, DASH_WEEKS)) != FINCA_OK) {
		json_decref(*out);
		*out = NULL;
		goto out;
	}
	json_object_set_new(*out, "expiring_weeks", json_array());
	for (int i = 0; i < DASH_WEEKS; i++)
		json_array_append_new(json_object_get(*out, "expiring_weeks"),
				      json_integer(weeks[i]));
out:
	json_decref(by_state);
	json_decref(todo);
	return rc;
}

struct list_acc {
	struct ca *ca;
	json_t *arr;
	int64_t now, last, next;
	int left;      /* rows still to show; the one after them means more */
};

static int list_one(void *arg, const struct cert_rec *r)
{
	struct list_acc *la = arg;
	json_t *j;

	if (la->left-- == 0) {
		la->next = la->last; /* more follow */
		return 1;
	}
	j = ca_cert_json(la->ca, r, la->now);
	if (r->holder_name)
		json_object_set_new(j, "holder_name", json_string(r->holder_name));
	if (r->owner_unit)
		json_object_set_new(j, "unit", json_string(r->owner_unit));
	if (r->owner_unit_name)
		json_object_set_new(j, "unit_name", json_string(r->owner_unit_name));
	json_array_append_new(la->arr, j);
	la->last = r->id;
	return FINCA_OK;
}

int ra_cert_list(struct ca *ca, const struct actor *a, const struct cert_filter *f,
		 json_t **out)
{
	struct list_acc la = { ca, json_array(), f->now, 0, 0, f->limit > 0 ? f->limit : 100 };
	struct cert_filter g = *f;
	int rc;

	*out = NULL;
	g.scope = actor_row_scope(a);
	g.scope_val = a->scope;
	g.limit = la.left + 1; /* one more: whether more follow */
	if ((rc = actor_may(ca, a, "cert.read", NULL)) != FINCA_OK ||
	    ((rc = store_cert_list(ca_store(ca), &g, list_one, &la)) != FINCA_OK && rc != 1)) {
		json_decref(la.arr);
		return rc;
	}
	*out = json_pack("{s:o, s:o}", "certificates", la.arr, "next",
			 la.next ? json_integer(la.next) : json_null());
	return FINCA_OK;
}
