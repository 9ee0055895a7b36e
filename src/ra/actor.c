/* Who acts: the actor of an account, by login or from its record.  What
 * the actor may do, and to whose objects, is authz/'s (rights.c, scope.c). */
#include "ra/ra.h"
#include "auth/auth.h"
#include "util/err.h"
#include "util/util.h"

#include <string.h>

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
		rc = rc == FINCA_ENOTFOUND ? err_why(FINCA_EAUTH, NULL, "account.none",
				     "no account '%s'", name) : rc;
		goto out;
	}
	if (a.disabled) {
		rc = err_why(FINCA_EAUTH, NULL, "account.disabled",
				     "account '%s' is disabled", name);
		goto out;
	}
	if (role_needs_password(a.role)) {
		if (!pw) {
			rc = err_why(FINCA_EAUTH, NULL, "account.password",
					     "account '%s' (%s) needs its password"
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
