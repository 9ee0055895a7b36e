/* Authorisation: who may do what, and to whose objects (DESIGN.md's
 * layers: cli/http -> ra/authz/notify -> ca/token/audit -> crypto/store).
 *
 *   rights.c  the rights table: roles x rights, one table for the
 *             registration authority and the CA's API alike
 *   scope.c   one scope rule per role (an officer's unit, an operator's
 *             node, an approver's department, a holder's own), and the
 *             check every operation of the registration authority makes
 *             before it opens its transaction (actor_may)
 *   grant.c   access grants (访问授权): a holder's roles on an application
 *             system, as produced by an authorize request and as the
 *             systems read them (/auth/verify)
 *
 * authz knows accounts (struct actor, ca.h) and the organisation only as
 * the codes a target names; it does not know requests or organisation
 * rows: ra/ fills a struct target from those and asks here.
 * XXX: the functions keep their actor_* names (and ra_grants in ra.h) so
 * that the doors (src/http/, src/cli/) need no change in this step. */
#ifndef FINCA_AUTHZ_H
#define FINCA_AUTHZ_H

#include "ca/ca.h"

#include <jansson.h>

/* --- the rights table (rights.c) --- */

/* 1 when the role alone has the right (menus, list filtering). */
int actor_has(const struct actor *a, const char *right);
/* 1 when role has right in the table (role NULL or "": none). */
int authz_role_has(const char *role, const char *right);
/* The rights of role in the table, as a new array of strings (caller's):
 * the console's menus. */
json_t *actor_rights_json(const char *role);
/* The i-th right of the table, or NULL past its end (tests, listings). */
const char *authz_right_at(size_t i);

/* --- scopes (scope.c) --- */

/* What an actor wants to do, and to what; strings borrowed. */
struct target {
	const char *unit;     /* the unit the object belongs to, or NULL */
	const char *node;     /* the node that makes for it (art. 6: unit_maker) */
	const char *dept;     /* the department approving for its app */
	const char *person;   /* the holder concerned (resident ID) */
};
/* NULL when t (NULL: nothing to check) is inside a's scope, else why not
 * (a static string). */
const char *authz_out_of_scope(const struct actor *a, const struct target *t);
/* FINCA_OK when actor's role has right and t is inside its scope (t NULL:
 * no scope to check).  Otherwise FINCA_EAUTH naming why, audited as
 * auth.denied in its own transaction. */
int actor_may(struct ca *ca, const struct actor *a, const char *right,
	      const struct target *t);
/* 1 when actor_may would answer FINCA_OK, without auditing anything: what
 * the actor could do (the actions a request lists). */
int actor_can(const struct actor *a, const char *right, const struct target *t);
/* Whose rows a list shows the actor (enum row_scope of store.h; the
 * value is a->scope). */
int actor_row_scope(const struct actor *a);

/* --- access grants (grant.c) --- */

/* A change of a holder's access to an application system; strings
 * borrowed. */
struct grant_change {
	const char *person;   /* resident ID number */
	const char *app;      /* application system code */
	int withdraw;         /* 1: withdraw the active grant; 0: give roles */
	const char *roles;    /* given: the roles on app */
	int64_t not_after;    /* given: until then (0: no end) */
	json_t *request;      /* the request that asked it (its id), borrowed */
};
/* Gives or withdraws g's access, inside the caller's transaction, with
 * its audit record (grant.give, grant.withdraw).  Withdrawing what is not
 * active is FINCA_ESTATE. */
int authz_grant_set(struct ca *ca, const struct actor *a, const struct grant_change *g);
/* Access grants a holder has on app now (active, not expired, and the
 * holder has a valid certificate): [{app, roles, not_after}], not_after
 * as text.  app NULL: on every system.  *out: caller's (json_decref). */
int authz_grants(struct ca *ca, const char *person, const char *app, json_t **out);

#endif
