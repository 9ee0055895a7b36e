/* finca account ..., finca app ... */
#include "cli/cli.h"
#include "ra/ra.h"
#include "auth/auth.h"
#include "util/err.h"
#include "util/util.h"

#include <getopt.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

static int account_add_cmd(struct cli *c, int argc, char **argv, const char *fixed_role)
{
	static const struct option opts[] = {
		{ "role", required_argument, NULL, 'r' },
		{ "cert", required_argument, NULL, 'c' },
		{ "scope", required_argument, NULL, 's' },
		{ "name", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	const char *role = fixed_role, *cert = NULL, *scope = NULL, *person = NULL;
	STACK_OF(X509) *certs = NULL;
	struct actor who;
	struct ca *ca = NULL;
	char pw[256];
	int ch, rc, have_pw = 0;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'r':
			if (fixed_role)
				return cli_usage("app add: the role is app");
			role = optarg;
			break;
		case 'c': cert = optarg; break;
		case 's': scope = optarg; break;
		case 'n': person = optarg; break;
		default: return cli_usage("%s add: bad option", argv[0]);
		}
	}
	if (fixed_role && !scope && optind < argc)
		scope = argv[optind]; /* an application system account: its code */
	if (optind + 1 != argc || !role || !cert)
		return cli_usage("%s add NAME%s --cert FILE [--scope S] [--name PERSON]", argv[0],
				 fixed_role ? "" : " --role ROLE");
	if (!role_valid(role))
		return cli_usage("--role %s: expected admin, operator, approver, officer, auditor or app",
				 role);
	if (role_needs_password(role)) {
		/* with --as, $FINCA_ACCOUNT_PASSWORD is the acting account's */
		const char *env = c->as || getenv("FINCA_NEW_PASSWORD") ? "FINCA_NEW_PASSWORD"
				  : "FINCA_ACCOUNT_PASSWORD";
		if ((rc = cli_passphrase(env, "New account's password:", 1, pw,
					 sizeof pw)) != FINCA_OK)
			return cli_fail(rc);
		have_pw = 1;
	}
	if ((rc = cli_open(c, 0, &ca)))
		goto out;
	if ((rc = cli_actor_or_host(c, ca, &who)) ||
	    (rc = actor_may(ca, &who, "account.write", NULL)) ||
	    (rc = cli_read_certs(cert, &certs)) ||
	    (rc = account_add(ca, &who, argv[optind], person, role, scope, sk_X509_value(certs, 0),
			      have_pw ? pw : NULL, NULL))) {
		rc = cli_fail(rc);
		goto out;
	}
	printf("account %s (%s) added\n", argv[optind], role);
out:
	OPENSSL_cleanse(pw, sizeof pw);
	sk_X509_pop_free(certs, X509_free);
	ca_free(ca);
	return rc;
}

struct list_st {
	json_t *arr;
	const char *only;
};

static int list_one(void *arg, const struct account_rec *a)
{
	struct list_st *ls = arg;
	char t[32];

	if (ls->only && strcmp(a->role, ls->only))
		return FINCA_OK;
	time_format(a->created_at, t, sizeof t);
	if (ls->arr)
		json_array_append_new(ls->arr, json_pack("{s:I, s:s, s:s, s:s, s:s, s:b, s:s, s:s}",
			"id", (json_int_t)a->id, "name", a->name, "role", a->role,
			"scope", a->scope, "certificate", a->cert_serial,
			"disabled", a->disabled, "created_at", t, "person", a->person));
	else
		printf("%-4lld %-20s %-9s %-32s %s%s%s%s\n", (long long)a->id, a->name, a->role,
		       a->cert_serial, a->scope, *a->person ? "  " : "", a->person,
		       a->disabled ? " (disabled)" : "");
	return FINCA_OK;
}

/* finca account edit ACCOUNT --name PERSON: an administrator any
 * account's name, anyone (--as) their own */
static int account_edit_cmd(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	const char *person = NULL;
	struct actor who;
	struct ca *ca = NULL;
	int ch, rc;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 'n')
			return cli_usage("%s edit: bad option", argv[0]);
		person = optarg;
	}
	if (optind + 1 != argc || !person)
		return cli_usage("%s edit ACCOUNT --name PERSON", argv[0]);
	if ((rc = cli_open(c, 0, &ca)))
		return rc;
	if ((rc = cli_actor_or_host(c, ca, &who)) ||
	    (rc = account_set_person(ca, &who, argv[optind], person)))
		rc = cli_fail(rc);
	else
		printf("account %s: %s\n", argv[optind], person);
	ca_free(ca);
	return rc;
}

int cmd_account(struct cli *c, int argc, char **argv)
{
	int app = !strcmp(argv[0], "app");
	struct ca *ca = NULL;
	int rc;

	if (argc < 2)
		return cli_usage("%s: expected add, edit or list", argv[0]);
	if (!strcmp(argv[1], "add"))
		return account_add_cmd(c, argc - 1, argv + 1, app ? "app" : NULL);
	if (!strcmp(argv[1], "edit"))
		return account_edit_cmd(c, argc - 1, argv + 1);
	if (!strcmp(argv[1], "list")) {
		struct list_st ls = { NULL, app ? "app" : NULL };
		if (argc == 3 && !strcmp(argv[2], "--json"))
			ls.arr = json_array();
		else if (argc != 2)
			return cli_usage("%s list [--json]", argv[0]);
		if ((rc = cli_open(c, 0, &ca))) {
			json_decref(ls.arr);
			return rc;
		}
		struct actor who;
		if ((rc = cli_actor_or_host(c, ca, &who)) != FINCA_OK ||
		    (rc = ra_account_list(ca, &who, 1, list_one, &ls)) != FINCA_OK) {
			json_decref(ls.arr);
			rc = cli_fail(rc);
		} else if (ls.arr) {
			cli_json(ls.arr);
		}
		ca_free(ca);
		return rc;
	}
	return cli_usage("%s: unknown subcommand '%s'", argv[0], argv[1]);
}
