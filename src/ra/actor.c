/* Who may do what, and to whose objects.  One table of rights, for the
 * registration authority and the CA's API alike (api.c asks actor_has);
 * one scope rule per role.  Every operation of the registration authority
 * asks actor_may() before it opens its transaction. */
#include "ra/ra.h"
#include "auth/auth.h"
#include "util/err.h"
#include "util/util.h"

#include <string.h>

static const struct {
	const char *right, *roles;
} rights[] = {
	/* the certificate API; an officer reads its unit's (the console's
	 * "the unit's people and certificates") */
	{ "cert.read", "admin auditor operator officer system" },
	{ "cert.write", "operator system" },
	/* certificates that bind accounts or serve the CA (ra/cert.c) */
	{ "cert.admin", "admin system" },
	{ "crl.make", "operator system" },
	{ "audit.read", "auditor system" },
	{ "account.read", "admin auditor system" },
	{ "account.write", "admin system" },
	{ "profile.read", "admin auditor operator" }, /* the configured profiles */
	{ "app.auth", "app" },                 /* /auth/challenge, /auth/verify */
	{ "token.read", "operator auditor admin system" },
	{ "token.write", "operator system" },
	/* the console's counts: every person's role, each in its scope */
	{ "dash.read", "admin auditor operator approver officer holder system" },
	{ "org.read", "admin auditor operator approver officer system" },
	{ "org.write", "admin system" },        /* nodes, departments, systems, units */
	{ "person.write", "admin officer system" }, /* persons and devices of a unit */
	{ "request.read", "admin auditor operator approver officer holder system" },
	{ "request.create", "officer system" },
	{ "request.submit", "officer system" },    /* submit, withdraw, resubmit */
	{ "request.approve", "approver system" },  /* approve, reject */
	{ "request.produce", "operator system" },  /* accept, produce, handover */
	{ "request.complete", "operator officer system" },
	{ "freeze.emergency", "officer holder system" },
	{ "batch.attach", "officer system" },
	{ "forms.print", "officer approver operator system" },
	{ "expiry.read", "admin auditor operator officer holder system" },
};

int actor_has(const struct actor *a, const char *right)
{
	for (size_t i = 0; i < ARRAY_LEN(rights); i++)
		if (!strcmp(rights[i].right, right))
			return *a->role && word_in(rights[i].roles, a->role);
	return 0;
}

json_t *actor_rights_json(const char *role)
{
	json_t *a = json_array();

	for (size_t i = 0; i < ARRAY_LEN(rights); i++)
		if (role && *role && word_in(rights[i].roles, role))
			json_array_append_new(a, json_string(rights[i].right));
	return a;
}

/* NULL when t is inside a's scope, else why not. */
static const char *out_of_scope(const struct actor *a, const struct target *t)
{
	const char *r = a->role, *have;

	if (!t || !strcmp(r, "admin") || !strcmp(r, "auditor") || !strcmp(r, "system"))
		return NULL;
	have = !strcmp(r, "officer") ? t->unit : !strcmp(r, "operator") ? t->node :
	       !strcmp(r, "approver") ? t->dept : !strcmp(r, "holder") ? t->person : NULL;
	if (have && *a->scope && !strcmp(have, a->scope))
		return NULL;
	return !strcmp(r, "officer") ? "it belongs to another unit" :
	       !strcmp(r, "operator") ? "another node makes it" :
	       !strcmp(r, "approver") ? "another department approves it" :
	       !strcmp(r, "holder") ? "it is not yours" : "your role has no scope here";
}

int actor_may(struct ca *ca, const struct actor *a, const char *right,
	      const struct target *t)
{
	const char *why = actor_has(a, right) ? out_of_scope(a, t) : "your role may not do this";

	if (!why)
		return FINCA_OK;
	err_set(FINCA_EAUTH, "%s (%s %s): %s", right, a->role, a->name, why);
	return ca_deny(ca, a, json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:s?}", "right", right,
					"scope", a->scope, "unit", t ? t->unit : NULL,
					"node", t ? t->node : NULL, "dept", t ? t->dept : NULL,
					"person", t ? t->person : NULL));
}

int actor_can(const struct actor *a, const char *right, const struct target *t)
{
	return actor_has(a, right) && !out_of_scope(a, t);
}

int actor_row_scope(const struct actor *a)
{
	const char *r = a->role;

	return !strcmp(r, "officer") ? ROW_UNIT : !strcmp(r, "operator") ? ROW_NODE :
	       !strcmp(r, "approver") ? ROW_DEPT : !strcmp(r, "holder") ? ROW_PERSON : ROW_ALL;
}

void actor_from_account(const struct account_rec *a, struct actor *out)
{
	memset(out, 0, sizeof *out);
	snprintf(out->name, sizeof out->name, "%s", a->name);
	snprintf(out->role, sizeof out->role, "%s", a->role);
	snprintf(out->scope, sizeof out->scope, "%s", a->scope);
}

int actor_login(struct ca *ca, const char *name, const char *pw, struct actor *out)
{
	struct account_rec a;
	int rc;

	memset(&a, 0, sizeof a);
	memset(out, 0, sizeof *out);
	if ((rc = store_account_by_name(ca_store(ca), name, &a)) != FINCA_OK) {
		rc = rc == FINCA_ENOTFOUND ? err_set(FINCA_EAUTH, "no account '%s'", name) : rc;
		goto out;
	}
	if (a.disabled) {
		rc = err_set(FINCA_EAUTH, "account '%s' is disabled", name);
		goto out;
	}
	if (role_needs_password(a.role)) {
		if (!pw) {
			rc = err_set(FINCA_EAUTH, "account '%s' (%s) needs its password"
				     " ($FINCA_ACCOUNT_PASSWORD)", name, a.role);
			goto out;
		}
		if ((rc = account_check_password(&a, pw)) != FINCA_OK)
			goto out;
	}
	actor_from_account(&a, out);
out:
	account_rec_clear(&a);
	return rc;
}
