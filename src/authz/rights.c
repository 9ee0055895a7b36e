/* The rights table: which roles have which right.  One table, for the
 * registration authority and the CA's API alike (api.c asks actor_has);
 * the console's menus come from it (actor_rights_json), never from a copy
 * in JavaScript.  Adding a right is adding a row. */
#include "authz/authz.h"
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
	{ "profile.read", "admin auditor operator" }, /* the configured profiles and CAs */
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
	/* the holder's desk (ra/me.c): its own certificates, USBKeys, grants
	 * and requests; the PIN change recorded, a renewal asked */
	/* the KM's enveloped keys of a dual pair (ra/cert.c), fetched by
	 * whoever makes the USBKey, in the certificate's scope; a holder
	 * fetches its own */
	{ "km.envelope", "operator holder system" },
	{ "me.read", "holder" },
	{ "me.write", "holder" },
};

int authz_role_has(const char *role, const char *right)
{
	for (size_t i = 0; i < ARRAY_LEN(rights); i++)
		if (!strcmp(rights[i].right, right))
			return role && *role && word_in(rights[i].roles, role);
	return 0;
}

int actor_has(const struct actor *a, const char *right)
{
	return authz_role_has(a->role, right);
}

json_t *actor_rights_json(const char *role)
{
	json_t *a = json_array();

	for (size_t i = 0; i < ARRAY_LEN(rights); i++)
		if (role && *role && word_in(rights[i].roles, role))
			json_array_append_new(a, json_string(rights[i].right));
	return a;
}

const char *authz_right_at(size_t i)
{
	return i < ARRAY_LEN(rights) ? rights[i].right : NULL;
}
