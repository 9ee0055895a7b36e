/* Access grants (访问授权): a holder's roles on an application system,
 * given or withdrawn when an authorize request is produced (ra/produce.c),
 * and read by the systems that ask /auth/verify and by the renewal of
 * expiring certificates (ra/expiry.c).  The access_grant table holds one
 * row per holder and system; a withdrawn grant stays, marked so. */
#include "authz/authz.h"
#include "util/err.h"
#include "util/util.h"

#include <string.h>

int authz_grant_set(struct ca *ca, const struct actor *a, const struct grant_change *c)
{
	struct store *st = ca_store(ca);
	json_t *g = NULL;
	const char *state;
	int64_t id;
	int rc, found;

	found = store_grant_find(st, c->person, c->app, &g) == FINCA_OK;
	state = found ? json_string_value(json_object_get(g, "state")) : NULL;
	if (c->withdraw && (!found || !state || strcmp(state, "active"))) {
		json_decref(g);
		return err_why(FINCA_ESTATE, NULL, "grant.none", "%s has no access to %s to withdraw",
			       c->person, c->app);
	}
	if (!found)
		g = json_pack("{s:s, s:s}", "person", c->person, "app", c->app);
	if (!c->withdraw) {
		json_object_set_new(g, "roles", json_string(c->roles));
		json_object_set_new(g, "not_after", c->not_after ? json_integer(c->not_after)
								 : json_null());
	}
	json_object_set_new(g, "state", json_string(c->withdraw ? "withdrawn" : "active"));
	json_object_set(g, "request", c->request);
	json_object_set_new(g, "updated_at", json_integer(clock_now()));
	rc = store_row_put(st, "access_grant", g, !found, &id);
	if (rc == FINCA_OK)
		rc = ca_audit(ca, a->name, c->withdraw ? "grant.withdraw" : "grant.give", "grant", g);
	json_decref(g);
	return rc;
}

int authz_grants(struct ca *ca, const char *person, const char *app, json_t **out)
{
	json_t *arr = json_array();
	int rc = store_grants(ca_store(ca), person, app, clock_now(), arr);

	*out = NULL;
	if (rc != FINCA_OK) {
		json_decref(arr);
		return rc;
	}
	for (size_t i = 0; i < json_array_size(arr); i++) {
		json_t *g = json_array_get(arr, i), *na = json_object_get(g, "not_after");
		char t[32];
		if (json_is_integer(na)) {
			time_format(json_integer_value(na), t, sizeof t);
			json_object_set_new(g, "not_after", json_string(t));
		}
	}
	*out = arr;
	return FINCA_OK;
}
