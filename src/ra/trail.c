/* What the accounts read that has no workflow of its own: the audit trail
 * (the auditor's) and the list of accounts (the administrator's and the
 * auditor's).  The right is checked here, for every door. */
#include "ra/ra.h"
#include "util/err.h"
#include "util/util.h"

#include <stdio.h>
#include <string.h>

int ra_audit_find(struct ca *ca, const struct actor *a, const struct audit_filter *f,
		  audit_cb cb, void *arg, int64_t *next)
{
	int rc = actor_may(ca, a, "audit.read", NULL);

	return rc == FINCA_OK ? store_audit_find(ca_store(ca), f, cb, arg, next) : rc;
}

int ra_audit_iter(struct ca *ca, const struct actor *a, int64_t since, audit_cb cb,
		  void *arg)
{
	int rc = actor_may(ca, a, "audit.read", NULL);

	return rc == FINCA_OK ? store_audit_iter(ca_store(ca), since, cb, arg) : rc;
}

int ra_account_list(struct ca *ca, const struct actor *a, account_cb cb, void *arg)
{
	int rc = actor_may(ca, a, "account.read", NULL);

	return rc == FINCA_OK ? store_account_list(ca_store(ca), cb, arg) : rc;
}

int ra_scope_name(struct ca *ca, const struct actor *a, char *out, size_t n)
{
	/* the organisation a role's scope names, for the console's title */
	static const struct {
		const char *role, *table;
	} scoped[] = { { "officer", "unit" }, { "operator", "node" },
		       { "approver", "dept" }, { "app", "app" } };
	json_t *org = NULL;
	int rc = FINCA_ENOTFOUND;

	out[0] = '\0';
	for (size_t i = 0; i < ARRAY_LEN(scoped) && *a->scope; i++)
		if (!strcmp(a->role, scoped[i].role) &&
		    (rc = store_row_get(ca_store(ca), scoped[i].table, a->scope, &org)) == FINCA_OK &&
		    ra_str(org, "name"))
			snprintf(out, n, "%s", ra_str(org, "name"));
	json_decref(org);
	err_clear();
	return out[0] ? FINCA_OK : FINCA_ENOTFOUND;
}
