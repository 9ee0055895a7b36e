/* Which application system a certificate is for: the system of the
 * holder's request that made it.  A renewal names the department that
 * approves it through that system (the system asked, else the one the
 * certificate was made for, else the holder's one access grant); the
 * emergency freeze keeps it for the reissue that follows. */
#include "authz/authz.h"
#include "ra/request_int.h"
#include "util/err.h"
#include "util/util.h"

#include <stdio.h>
#include <string.h>

const char *ra_cert_app(struct store *st, const char *holder, const char *serial,
			json_t *reqs)
{
	struct row_query q;
	int64_t next = 0;
	json_t *v;
	size_t i;

	memset(&q, 0, sizeof q);
	q.table = "request";
	q.eq[0].col = "subject";
	q.eq[0].val = holder;
	q.limit = 10000;
	if (store_row_list(st, &q, reqs, &next) != FINCA_OK)
		return NULL;
	json_array_foreach(reqs, i, v)
		if (ra_str(v, "result_serial") && !strcmp(ra_str(v, "result_serial"), serial) &&
		    ra_str(v, "app"))
			return ra_str(v, "app");
	return NULL;
}

int ra_renew_app(struct ca *ca, const char *person, const char *serial, const char *app,
		 char out[64], size_t *ngrants)
{
	json_t *reqs = json_array(), *g = NULL;
	const char *made;
	int rc = FINCA_OK;

	out[0] = '\0';
	*ngrants = 0;
	if (app) {
		snprintf(out, 64, "%s", app);
	} else if ((made = ra_cert_app(ca_store(ca), person, serial, reqs))) {
		snprintf(out, 64, "%s", made);
	} else if ((rc = authz_grants(ca, person, NULL, &g)) == FINCA_OK) {
		*ngrants = json_array_size(g);
		if (*ngrants == 1)
			snprintf(out, 64, "%s", ra_str(json_array_get(g, 0), "app"));
	}
	json_decref(reqs);
	json_decref(g);
	return rc;
}
