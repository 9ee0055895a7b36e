/* 紧急冻结 (art. 25): a certificate frozen at once, without approval,
 * recorded as a completed freeze request marked emergency. */
#include "ra/request_int.h"
#include "util/err.h"
#include "util/util.h"

#include <stdio.h>
#include <string.h>

int ra_emergency_freeze(struct ca *ca, const struct actor *a, const char *serial,
			const char *note, json_t **out)
{
	struct store *st = ca_store(ca);
	struct cert_rec c;
	struct target t;
	json_t *p = NULL, *r = NULL, *reqs = json_array();
	char norm[41], node[16];
	int64_t id = 0;
	int rc;

	*out = NULL;
	memset(&c, 0, sizeof c);
	if (ca_serial_norm(serial, norm) != FINCA_OK || store_cert_get(st, norm, &c) != FINCA_OK) {
		rc = err_why(FINCA_ENOTFOUND, NULL, "cert.none", "no certificate %s", serial);
		goto out;
	}
	if (!c.id_number || store_row_get(st, "person", c.id_number, &p) != FINCA_OK) {
		rc = err_why(FINCA_EINVAL, NULL, "cert.no_person",
				     "certificate %s belongs to no registered person", norm);
		goto out;
	}
	memset(&t, 0, sizeof t);
	t.unit = ra_str(p, "unit");
	t.person = c.id_number;
	if ((rc = actor_may(ca, a, "freeze.emergency", &t)) != FINCA_OK)
		goto out;
	if ((rc = org_making_node(ca, t.unit, node)) != FINCA_OK)
		goto out;
	/* the system kept, for the reissue that follows (emergency.js) */
	r = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s?, s:s?}", "type", "freeze",
		      "subject_kind", "person", "subject", c.id_number, "name", ra_str(p, "name"),
		      "unit", t.unit, "node", node, "cert_serial", norm, "emergency", 1,
		      "note", note, "app", ra_cert_app(st, c.id_number, norm, reqs));
	if ((rc = store_begin(st)) != FINCA_OK)
		goto out;
	if ((rc = req_freeze_or_thaw(ca, a, r, 1)) != FINCA_OK ||
	    (rc = req_insert(ca, a, r, 0, "completed", &id)) != FINCA_OK) {
		store_rollback(st); /* keeps the error message */
		goto out;
	}
	{
		char obj[48];
		json_t *d = json_pack("{s:s, s:s, s:s, s:s?}", "certificate", norm, "by", a->name,
				      "role", a->role, "note", note);
		snprintf(obj, sizeof obj, "request:%lld", (long long)id);
		rc = ca_audit(ca, a->name, "request.emergency_freeze", obj, d);
		json_decref(d);
	}
	if (rc != FINCA_OK || (rc = store_commit(st)) != FINCA_OK) {
		store_rollback(st);
		goto out;
	}
	rc = ra_request_show(ca, a, id, out);
out:
	cert_rec_clear(&c);
	json_decref(p);
	json_decref(r);
	json_decref(reqs);
	return rc;
}
