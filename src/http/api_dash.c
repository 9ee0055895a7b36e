/* GET /api/v1/dashboard: the console's first page, counted in the
 * caller's scope by the core (ra/dash.c: ra_dashboard). */
#include "http/api_int.h"
#include "ra/ra.h"
#include "util/err.h"
#include "util/util.h"

enum MHD_Result api_dashboard(struct call *k)
{
	struct actor a;
	json_t *out = NULL;
	int rc;

	actor_from_account(&k->acct, &a);
	if ((rc = ra_dashboard(k->s->ca, &a, clock_now(), &out)) != FINCA_OK)
		return send_rc(k, rc);
	return send_json(k, 200, out);
}
