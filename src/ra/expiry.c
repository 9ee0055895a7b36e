/* Certificates due for renewal (art. 14), as each role may see them, and
 * the information officer's one step from that list to renew requests. */
#include "ra/ra.h"
#include "ra/request_int.h"
#include "ca/profile.h"
#include "util/err.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

/* The profiles whose certificates are art. 14 work, space-separated:
 * the subscribers' (the daemon renews its own, the administrator the
 * accounts'). */
static void subscriber_profiles(struct ca *ca, char *out, size_t n)
{
	*out = '\0';
	for (size_t i = 0; i < ca->cfg->nprofiles; i++) {
		const struct profile *pr = &ca->cfg->profiles[i];
		if (strcmp(profile_class_name(pr), "subscriber"))
			continue;
		strncat(out, " ", n - strlen(out) - 1);
		strncat(out, pr->name, n - strlen(out) - 1);
	}
}

int ra_due(struct ca *ca, const struct actor *a, struct due_query *q, char *buf, size_t n)
{
	int rc;

	if ((rc = actor_may(ca, a, "expiry.read", NULL)) != FINCA_OK)
		return rc;
	subscriber_profiles(ca, buf, n);
	q->scope = actor_row_scope(a); /* approvers have no expiry.read */
	q->scope_val = a->scope;
	q->profiles = buf;
	return FINCA_OK;
}

int ra_expiring(struct ca *ca, const struct actor *a, int from, int days, const struct page *p,
		json_t **out)
{
	json_t *items = json_array(), *v;
	struct due_query q = { 0 };
	char profiles[1024];
	int64_t next = 0;
	size_t i;
	int rc;

	*out = NULL;
	q.now = clock_now();
	q.from = q.now + (int64_t)from * 86400;
	q.until = q.now + (int64_t)days * 86400;
	q.after = p->after;
	q.limit = p->limit;
	if ((rc = ra_due(ca, a, &q, profiles, sizeof profiles)) != FINCA_OK ||
	    (rc = store_cert_due(ca_store(ca), &q, items, &next)) != FINCA_OK) {
		json_decref(items);
		return rc;
	}
	json_array_foreach(items, i, v) {
		char t[32];
		time_format(json_integer_value(json_object_get(v, "not_after")), t, sizeof t);
		json_object_set_new(v, "not_after", json_string(t));
	}
	*out = json_pack("{s:i, s:i, s:o, s:o}", "from", from, "days", days, "items", items,
			 "next", next ? json_integer(next) : json_null());
	return FINCA_OK;
}

int ra_renew_due(struct ca *ca, const struct actor *a, int days, const char *app,
		 json_t **out, json_t **errors)
{
	struct page p = { NULL, NULL, 0, 1000 };
	json_t *due = NULL, *items, *v;
	struct req_spec *sp = NULL;
	char (*apps)[64] = NULL;
	size_t i, n;
	int rc;

	*out = NULL;
	*errors = NULL;
	if ((rc = ra_expiring(ca, a, 0, days, &p, &due)) != FINCA_OK)
		return rc;
	items = json_object_get(due, "items");
	n = json_array_size(items);
	if (n == 0) {
		rc = err_why(FINCA_ENOTFOUND, NULL, "expiry.none",
				     "no certificate of yours expires within %d days", days);
		goto out;
	}
	sp = xcalloc(n, sizeof *sp);
	apps = xcalloc(n, sizeof *apps);
	json_array_foreach(items, i, v) {
		const char *person = json_string_value(json_object_get(v, "id_number"));
		if (!person) {
			rc = err_why(FINCA_EINVAL, NULL, "expiry.no_holder",
					     "certificate %s has no holder to renew for",
				     json_string_value(json_object_get(v, "serial")));
			goto out;
		}
		const char *serial = json_string_value(json_object_get(v, "serial"));
		size_t ng;
		if ((rc = ra_renew_app(ca, person, serial, app, apps[i], &ng)) != FINCA_OK)
			goto out;
		if (!apps[i][0]) {
			rc = err_why(FINCA_EINVAL, "app", "expiry.which_app",
				     "%s has access to %zu systems; say which "
				     "department approves the renewal", person, ng);
			goto out;
		}
		sp[i].type = "renew";
		sp[i].subject = person;
		sp[i].cert_serial = serial;
		sp[i].app = apps[i];
		sp[i].note = "renewal due (art. 14)";
	}
	rc = ra_batch_create(ca, a, "expiry list", sp, n, out, errors);
out:
	free(sp);
	free(apps);
	json_decref(due);
	return rc;
}
