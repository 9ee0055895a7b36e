/* The certificate holder's account (证书用户, DESIGN.md; issue 15).  A
 * holder logs in with the USBKey's certificate and a signed challenge,
 * like every other account; nobody creates holder accounts by hand.
 *
 * Why an account row at all: sessions, the audit trail, the throttle and
 * the rights table all speak of accounts (session.c binds a session to an
 * account and checks its certificate on every call).  Making the row at
 * the first login, rather than a second kind of session, keeps one path
 * for everyone: the row is bound to that certificate (a renewed
 * certificate makes a new row at its first login: the old one's sessions
 * end with it), its role is holder and its scope the person's resident
 * ID number, which is what authz/scope.c's ROW_PERSON rule reads.  Only a
 * valid subscriber certificate (profile class subscriber) whose ID number
 * is a registered person makes one: the registration authority vouched
 * for that person.  The row is audited (account.holder); the
 * administrator's account list leaves holders out unless asked. */
#include "auth/auth.h"
#include "util/err.h"
#include "util/util.h"

#include <stdio.h>
#include <string.h>

/* The person's row fields (borrowed from o), "" when absent. */
static const char *text(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

int holder_account_open(struct ca *ca, const struct checked *c, struct account_rec *out)
{
	struct store *st = ca_store(ca);
	const struct profile *p;
	struct account_rec a;
	struct cert_rec r;
	json_t *person = NULL, *d = NULL;
	char obj[96];
	int rc;

	memset(&a, 0, sizeof a);
	memset(&r, 0, sizeof r);
	if ((rc = store_cert_get(st, c->serial, &r)) != FINCA_OK)
		goto out;
	p = config_profile(ca->cfg, r.profile);
	err_clear();
	if (!p || p->klass != PCLASS_SUBSCRIBER || !r.id_number || !*r.id_number) {
		rc = err_why(FINCA_EAUTH, NULL, "auth.no_account",
			     "certificate %s belongs to no account", c->serial);
		goto out;
	}
	if ((rc = store_row_get(st, "person", r.id_number, &person)) != FINCA_OK) {
		rc = rc == FINCA_ENOTFOUND ?
		     err_why(FINCA_EAUTH, NULL, "auth.holder_unregistered",
			     "certificate %s: its holder is not a registered person; "
			     "ask the unit's information officer", c->serial) : rc;
		goto out;
	}
	/* "holder-" and the serial: unique, as the certificate is */
	snprintf(a.name, sizeof a.name, "holder-%s", c->serial);
	snprintf(a.role, sizeof a.role, "holder");
	snprintf(a.scope, sizeof a.scope, "%s", r.id_number);
	snprintf(a.person, sizeof a.person, "%s", text(person, "name"));
	snprintf(a.cert_serial, sizeof a.cert_serial, "%s", c->serial);
	a.created_at = clock_now();
	if ((rc = store_begin(st)) != FINCA_OK)
		goto out;
	d = json_pack("{s:s, s:s, s:s, s:s}", "role", "holder", "cert", c->serial,
		      "id_number", r.id_number, "unit", text(person, "unit"));
	snprintf(obj, sizeof obj, "account:%s", a.name);
	if ((rc = store_account_insert(st, &a)) != FINCA_OK ||
	    (rc = ca_audit(ca, a.name, "account.holder", obj, d)) != FINCA_OK) {
		store_rollback(st);
		/* two first logins at once: the other one made it */
		if (rc == FINCA_ESTATE)
			rc = store_account_by_cert(st, c->serial, out);
		goto out;
	}
	if ((rc = store_commit(st)) != FINCA_OK)
		goto out;
	*out = a;
	memset(&a, 0, sizeof a);
out:
	json_decref(d);
	json_decref(person);
	cert_rec_clear(&r);
	account_rec_clear(&a);
	return rc;
}
