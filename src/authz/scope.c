/* Scopes: one rule per role, saying whose objects it reaches.  An
 * officer acts for its unit, an operator for the units its node makes
 * for (art. 6), an approver for the application systems of its
 * department, a holder for itself; admin, auditor and system reach
 * everything.  Every operation of the registration authority asks
 * actor_may() before it opens its transaction. */
#include "authz/authz.h"
#include "util/err.h"
#include "util/util.h"

#include <stddef.h>
#include <string.h>

static const struct {
	const char *role;
	size_t field;       /* offsetof(struct target, ...): what the scope names */
	int rows;           /* enum row_scope for lists */
	const char *refusal, *reason; /* the refusal's reason: its Chinese in msg_zh_ra.c */
} scopes[] = {
	{ "officer", offsetof(struct target, unit), ROW_UNIT, "it belongs to another unit",
	  "scope.unit" },
	{ "operator", offsetof(struct target, node), ROW_NODE, "another node makes it",
	  "scope.node" },
	{ "approver", offsetof(struct target, dept), ROW_DEPT, "another department approves it",
	  "scope.dept" },
	{ "holder", offsetof(struct target, person), ROW_PERSON, "it is not yours",
	  "scope.person" },
};

#define NO_SCOPE "your role has no scope here"
#define NO_RIGHT "your role may not do this"

/* Roles whose scope is everything. */
#define UNSCOPED "admin auditor system"

static int scope_of(const char *role)
{
	for (size_t i = 0; i < ARRAY_LEN(scopes); i++)
		if (!strcmp(scopes[i].role, role))
			return (int)i;
	return -1;
}

const char *authz_out_of_scope(const struct actor *a, const struct target *t)
{
	int s = scope_of(a->role);
	const char *have;

	if (!t || word_in(UNSCOPED, a->role))
		return NULL;
	if (s < 0)
		return NO_SCOPE;
	have = *(const char *const *)((const char *)t + scopes[s].field);
	if (have && *a->scope && !strcmp(have, a->scope))
		return NULL;
	return scopes[s].refusal;
}

int actor_may(struct ca *ca, const struct actor *a, const char *right,
	      const struct target *t)
{
	int has = actor_has(a, right);
	const char *why = has ? authz_out_of_scope(a, t) : NO_RIGHT;
	const char *reason = has ? "scope.none" : "scope.right";
	struct err_state refusal;

	if (!why)
		return FINCA_OK;
	for (size_t i = 0; i < ARRAY_LEN(scopes); i++)
		if (!strcmp(why, scopes[i].refusal))
			reason = scopes[i].reason;
	err_why(FINCA_EAUTH, NULL, reason, "%s (%s %s): %s", right, a->role, a->name, why);
	/* ca_deny audits the refusal and says it again, without its reason:
	 * the refusal stays the one said here */
	err_save(&refusal);
	ca_deny(ca, a, json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:s?}", "right", right,
				 "scope", a->scope, "unit", t ? t->unit : NULL,
				 "node", t ? t->node : NULL, "dept", t ? t->dept : NULL,
				 "person", t ? t->person : NULL));
	err_restore(&refusal);
	return FINCA_EAUTH;
}

int actor_can(const struct actor *a, const char *right, const struct target *t)
{
	return actor_has(a, right) && !authz_out_of_scope(a, t);
}

int actor_row_scope(const struct actor *a)
{
	int s = scope_of(a->role);

	return s < 0 ? ROW_ALL : scopes[s].rows;
}
