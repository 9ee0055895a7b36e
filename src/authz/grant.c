/* Access grants (访问授权): a holder's access to an application system,
 * given or withdrawn by producing an authorize request, and read by the
 * systems that ask /auth/verify. */
#include "ra/request_int.h"
#include "util/err.h"
#include "util/util.h"

#include <string.h>

int req_grant(struct ca *ca, const struct actor *a, json_t *r)
{
	struct store *st = ca_store(ca);
	json_t *d = json_object_get(r, "data"), *g = NULL;
	const char *na = ra_str(d, "not_after");
	int withdraw = !strcmp(ra_str(d, "action"), "withdraw");
	int64_t t = 0, id;
	int rc, found;

	if (na && time_parse(na, &t) != FINCA_OK)
		return err_at(FINCA_EINVAL, "data.not_after", "%s", err_msg());
	found = store_grant_find(st, ra_str(r, "subject"), ra_str(r, "app"), &g) == FINCA_OK;
	if (withdraw && (!found || strcmp(ra_str(g, "state"), "active"))) {
		json_decref(g);
		return err_set(FINCA_ESTATE, "%s has no access to %s to withdraw",
			       ra_str(r, "subject"), ra_str(r, "app"));
	}
	if (!found)
		g = json_pack("{s:s, s:s}", "person", ra_str(r, "subject"), "app", ra_str(r, "app"));
	if (!withdraw) {
		json_object_set_new(g, "roles", json_string(ra_str(d, "roles")));
		json_object_set_new(g, "not_after", t ? json_integer(t) : json_null());
	}
	json_object_set_new(g, "state", json_string(withdraw ? "withdrawn" : "active"));
	json_object_set(g, "request", json_object_get(r, "id"));
	json_object_set_new(g, "updated_at", json_integer(clock_now()));
	rc = store_row_put(st, "access_grant", g, !found, &id);
	if (rc == FINCA_OK)
		rc = ca_audit(ca, a->name, withdraw ? "grant.withdraw" : "grant.give", "grant", g);
	json_decref(g);
	return rc;
}

int ra_grants(struct ca *ca, const char *person, const char *app, json_t **out)
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
