/* Certificates as the accounts see them: whose certificates an actor may
 * read and change, and for whom it may have one made.  The doors (the API's
 * /certs, the command line's `cert`) come through here; ca/ below only
 * checks profiles (profile.c: who may have which profile made) and signs.
 *
 *   - A scoped role (operator) issues only for a registered subject its
 *     node makes for (art. 6: its units and the counties it serves): the
 *     request names the holder (id_number) or the unit (unit_code).
 *   - It reads and changes only the certificates of that scope
 *     (store_cert_owner's rule, the same as the lists').
 *   - Certificates that bind accounts, and those of the CA's own services
 *     (OCSP signer, TLS), are the administrator's: right cert.admin, never
 *     an operator's, whatever its scope (an operator could otherwise lock
 *     the auditor out). */
#include "ra/ra.h"
#include "ca/ident.h"
#include "crypto/pem.h"
#include "util/err.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

/* The target of a stored certificate: its owner unit, making node, holder.
 * unit and node are filled (may stay ""). */
static int owner(struct ca *ca, const struct cert_rec *c, char unit[65], char node[16],
		 struct target *t)
{
	int rc = store_cert_owner(ca_store(ca), c->id, unit, node);

	memset(t, 0, sizeof *t);
	t->unit = unit;
	t->node = node;
	t->person = c->id_number;
	return rc;
}

/* 1 when c binds an account or is one of the CA's own (not a subscriber
 * profile's). */
static int is_internal(struct ca *ca, const struct cert_rec *c)
{
	const struct profile *p = config_profile(ca->cfg, c->profile);
	struct account_rec acc;
	int bound;

	err_clear();
	if (!p || p->ca || p->klass != PCLASS_SUBSCRIBER)
		return 1;
	memset(&acc, 0, sizeof acc);
	bound = store_account_by_cert(ca_store(ca), c->serial, &acc) == FINCA_OK;
	account_rec_clear(&acc);
	err_clear();
	return bound;
}

/* ca_deny (the refusal audited), keeping the refusal said before it with
 * its reason.  details: taken. */
static int deny(struct ca *ca, const struct actor *a, json_t *details)
{
	struct err_state refusal;

	err_save(&refusal);
	ca_deny(ca, a, details);
	err_restore(&refusal);
	return FINCA_EAUTH;
}

/* Loads serial into c when a may use right on it (cert.write is raised
 * to cert.admin for internal certificates). */
static int load(struct ca *ca, const struct actor *a, const char *right,
		const char *serial_in, struct cert_rec *c)
{
	char serial[41], unit[65], node[16];
	struct target t;
	int rc;

	memset(c, 0, sizeof *c);
	/* a role with neither right learns nothing, not even that it exists */
	if (!actor_has(a, right) && !(!strcmp(right, "cert.write") && actor_has(a, "cert.admin")))
		return actor_may(ca, a, right, NULL);
	if ((rc = ca_serial_norm(serial_in, serial)) != FINCA_OK ||
	    (rc = store_cert_get(ca_store(ca), serial, c)) != FINCA_OK)
		return rc;
	if (!strcmp(right, "cert.write") && is_internal(ca, c)) {
		if (!actor_has(a, "cert.admin")) {
			err_why(FINCA_EAUTH, NULL, "cert.internal", "certificate %s binds an "
				"account or serves the CA itself (profile %s): only the "
				"administrator changes it (%s %s)", c->serial, c->profile,
				a->role, a->name);
			rc = deny(ca, a, json_pack("{s:s, s:s, s:s}", "right", "cert.admin",
						      "certificate", c->serial, "profile", c->profile));
		}
	} else if (actor_row_scope(a) == ROW_ALL) {
		rc = actor_may(ca, a, right, NULL);
	} else if ((rc = owner(ca, c, unit, node, &t)) == FINCA_OK) {
		rc = actor_may(ca, a, right, &t);
	}
	if (rc != FINCA_OK)
		cert_rec_clear(c);
	return rc;
}

int ra_cert_get(struct ca *ca, const struct actor *a, const char *serial,
		struct cert_rec *out)
{
	return load(ca, a, "cert.read", serial, out);
}

int ra_cert_each(struct ca *ca, const struct actor *a, const struct cert_filter *f,
		 cert_cb cb, void *arg)
{
	struct cert_filter g = *f;
	int rc;

	if ((rc = actor_may(ca, a, "cert.read", NULL)) != FINCA_OK)
		return rc;
	g.scope = actor_row_scope(a);
	g.scope_val = a->scope;
	return store_cert_list(ca_store(ca), &g, cb, arg);
}

int ra_cert_change(struct ca *ca, const struct actor *a, const char *serial, int op,
		   int reason)
{
	struct cert_rec c;
	int rc;

	if ((op == OP_REVOKE && (rc = ca_revocation_reason(reason)) != FINCA_OK) ||
	    (rc = load(ca, a, "cert.write", serial, &c)) != FINCA_OK)
		return rc;
	rc = op == OP_REVOKE ? ca_revoke(ca, a, c.serial, reason) :
	     op == OP_FREEZE ? ca_freeze(ca, a, c.serial) : ca_unfreeze(ca, a, c.serial);
	cert_rec_clear(&c);
	return rc;
}

/* A scoped actor names a registered owner of its scope: unit (a unit
 * code) or, when unit is NULL, the unit of person. */
static int owner_may(struct ca *ca, const struct actor *a, const char *person,
		     const char *unit)
{
	json_t *p = NULL;
	char node[16] = "";
	struct target t;
	int rc;

	if (!unit && store_row_get(ca_store(ca), "person", person, &p) == FINCA_OK)
		unit = ra_str(p, "unit");
	if (!unit || !store_row_exists(ca_store(ca), "unit", unit)) {
		json_decref(p);
		if (unit)
			err_why(FINCA_EAUTH, NULL, "cert.unit_unknown", "cert.write (%s %s): %s "
				"%s is not registered: a certificate is made for a registered "
				"holder or unit of your node", a->role, a->name, "unit", unit);
		else
			err_why(FINCA_EAUTH, NULL, "cert.holder_unknown", "cert.write (%s %s): %s "
				"%s is not registered: a certificate is made for a registered "
				"holder or unit of your node", a->role, a->name, "holder", person);
		return deny(ca, a, json_pack("{s:s, s:s?, s:s?}", "right", "cert.write",
						"id_number", person, "unit_code", unit));
	}
	memset(&t, 0, sizeof t);
	t.unit = unit;
	t.person = person;
	t.node = node;
	if ((rc = org_making_node(ca, unit, node)) == FINCA_OK)
		rc = actor_may(ca, a, "cert.write", &t);
	json_decref(p);
	return rc;
}

/* The subject of rq is one a may have a certificate made for: for a
 * scoped role, every identity it names (holder, unit) is registered and in
 * its scope, and it names one. */
int ra_cert_may_issue(struct ca *ca, const struct actor *a, const struct issue_req *rq)
{
	const char *idn = rq->id_number && *rq->id_number ? rq->id_number : NULL;
	const char *uc = rq->unit_code && *rq->unit_code ? rq->unit_code : NULL;
	char idn_n[19], uc_n[19];
	int rc = FINCA_OK;

	/* bad input is named as such first (GB 11643, GB 32100) */
	if ((idn && (rc = ident_resident_id_check(idn, idn_n)) != FINCA_OK) ||
	    (uc && (rc = ident_uscc_check(uc, uc_n)) != FINCA_OK))
		return rc;
	idn = idn ? idn_n : NULL;
	uc = uc ? uc_n : NULL;
	if (actor_row_scope(a) == ROW_ALL)
		return actor_may(ca, a, "cert.write", NULL);
	if (!idn && !uc) {
		err_why(FINCA_EAUTH, NULL, "cert.whose", "cert.write (%s %s): profile %s: name "
			"the holder (id_number) or the unit (unit_code) the certificate is for",
			a->role, a->name, rq->profile);
		return deny(ca, a, json_pack("{s:s, s:s}", "right", "cert.write",
						"profile", rq->profile));
	}
	if (idn)
		rc = owner_may(ca, a, idn, NULL);
	if (rc == FINCA_OK && uc)
		rc = owner_may(ca, a, NULL, uc);
	return rc;
}

int ra_cert_issue(struct ca *ca, const struct actor *a, const struct issue_req *rq,
		  size_t n, issue_emit_cb emit, void *arg)
{
	int rc;

	for (size_t i = 0; i < n; i++)
		if ((rc = ra_cert_may_issue(ca, a, &rq[i])) != FINCA_OK)
			return n > 1 ? err_wrap(rc, "request %zu of %zu", i + 1, n) : rc;
	return ca_issue(ca, a, rq, n, emit, arg);
}

int ra_cert_issue_one(struct ca *ca, const struct actor *a, const struct issue_req *rq,
		      X509 **out)
{
	int rc = ra_cert_may_issue(ca, a, rq);

	return rc == FINCA_OK ? ca_issue_auto(ca, a, rq, out) : rc;
}

int ra_cert_issue_dual(struct ca *ca, const struct actor *a, const struct issue_req *rq,
		       struct dual_out *out)
{
	int rc = ra_cert_may_issue(ca, a, rq);

	return rc == FINCA_OK ? ca_issue_dual(ca, a, rq, out) : rc;
}

int ra_cert_renew(struct ca *ca, const struct actor *a, int op, const char *serial,
		  const struct issue_req *over, X509 **out)
{
	struct cert_rec c;
	int rc;

	if ((rc = load(ca, a, "cert.write", serial, &c)) != FINCA_OK)
		return rc;
	/* an update may move the certificate to another holder or unit: the
	 * new one must be in scope too */
	if ((over->id_number || over->unit_code) && actor_row_scope(a) != ROW_ALL) {
		struct issue_req to = *over;
		to.profile = c.profile;
		if (!to.id_number)
			to.id_number = c.id_number;
		if (!to.unit_code)
			to.unit_code = c.unit_code;
		rc = ra_cert_may_issue(ca, a, &to);
	}
	if (rc == FINCA_OK)
		rc = ca_renew(ca, a, op, c.serial, over, out);
	cert_rec_clear(&c);
	return rc;
}

static int envelope_item(void *arg, const struct envelope_rec *e)
{
	char at[32], *b64 = b64_encode(e->blob, e->len);

	time_format(e->created_at, at, sizeof at);
	json_array_append_new(arg, json_pack("{s:s, s:s, s:b, s:s, s:s}", "enc_serial",
					     e->enc_serial, "format", e->format, "recovered",
					     e->recovered, "created_at", at, "der", b64));
	free(b64);
	return FINCA_OK;
}

int ra_cert_envelope(struct ca *ca, const struct actor *a, const char *serial, json_t **out)
{
	struct cert_rec c;
	json_t *items = json_array(), *d;
	char obj[64];
	int rc;

	*out = NULL;
	if ((rc = load(ca, a, "km.envelope", serial, &c)) != FINCA_OK)
		goto out;
	if ((rc = store_envelope_list(ca_store(ca), c.serial, envelope_item, items)) != FINCA_OK)
		goto out;
	if (json_array_size(items) == 0) {
		rc = err_why(FINCA_ENOTFOUND, NULL, "km.no_envelope",
			     "certificate %s: no enveloped key (not the signing half of a "
			     "dual pair)", c.serial);
		goto out;
	}
	/* each with its encryption certificate, which goes onto the USBKey
	 * beside the imported key (station/enroll.c) */
	for (size_t i = 0; i < json_array_size(items); i++) {
		json_t *it = json_array_get(items, i);
		struct cert_rec ec;
		char *pem;
		memset(&ec, 0, sizeof ec);
		if ((rc = store_cert_get(ca_store(ca), json_string_value(json_object_get(
			     it, "enc_serial")), &ec)) != FINCA_OK)
			goto out;
		pem = pem_encode("CERTIFICATE", ec.der, ec.der_len);
		json_object_set_new(it, "certificate", json_string(pem));
		free(pem);
		cert_rec_clear(&ec);
	}
	snprintf(obj, sizeof obj, "cert:%s", c.serial);
	d = json_pack("{s:I}", "envelopes", (json_int_t)json_array_size(items));
	/* who took which enveloped key: recorded before it leaves */
	if ((rc = store_begin(ca_store(ca))) == FINCA_OK) {
		if ((rc = ca_audit(ca, a->name, "km.envelope", obj, d)) == FINCA_OK)
			rc = store_commit(ca_store(ca));
		else
			store_rollback(ca_store(ca));
	}
	json_decref(d);
	if (rc != FINCA_OK)
		goto out;
	*out = json_pack("{s:s, s:O}", "serial", c.serial, "envelopes", items);
out:
	cert_rec_clear(&c);
	json_decref(items);
	return rc;
}
