/* finca node|dept|app|unit|person|device ..., finca request ..., finca batch
 * ..., finca expiring: the registration authority at the command line.
 * Every command acts as an account (--as NAME or $FINCA_AS; the password
 * of administrators and operators from $FINCA_ACCOUNT_PASSWORD) and is
 * checked against its role and scope like the API. */
#include "cli/cli.h"
#include "ra/ra.h"
#include "auth/auth.h"
#include "util/err.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Every option of the command being run (freed by its end): take() hands
 * out strings from here while it deletes them from the caller's object. */
static json_t *all_opts;

/* "--some-name value" pairs into an object {"some_name": "value"}; the
 * flags listed take no value and become true. */
static int parse_opts(int argc, char **argv, const char *flags, json_t **out,
		      const char **pos)
{
	json_t *o = json_object();

	*pos = NULL;
	for (int i = 0; i < argc; i++) {
		char key[64];
		const char *a = argv[i];
		if (strncmp(a, "--", 2)) {
			if (*pos) {
				json_decref(o);
				return cli_usage("unexpected '%s'", a);
			}
			*pos = a;
			continue;
		}
		snprintf(key, sizeof key, "%s", a + 2);
		for (char *p = key; *p; p++)
			if (*p == '-')
				*p = '_';
		if (strstr(flags, a + 2)) {
			json_object_set_new(o, key, json_true());
			continue;
		}
		if (i + 1 >= argc) {
			json_decref(o);
			return cli_usage("%s: missing value", a);
		}
		json_object_set_new(o, key, json_string(argv[++i]));
	}
	json_decref(all_opts);
	all_opts = json_deep_copy(o);
	*out = o;
	return 0;
}

static const char *opt(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* Takes option k out of o; its value stays valid until the command ends
 * (all_opts keeps it). */
static const char *take(json_t *o, const char *k)
{
	const char *v = opt(all_opts, k);

	json_object_del(o, k);
	return v;
}

static int take_flag(json_t *o, const char *k)
{
	int v = json_is_true(json_object_get(all_opts, k));

	json_object_del(o, k);
	return v;
}

int cli_actor(const struct cli *c, struct ca *ca, struct actor *a)
{
	char pw[256];
	int rc;

	if (!c->as)
		return err_set(FINCA_EAUTH, "who is acting? give --as ACCOUNT (or set FINCA_AS)");
	memset(pw, 0, sizeof pw);
	if (getenv("FINCA_ACCOUNT_PASSWORD") || isatty(0))
		cli_passphrase("FINCA_ACCOUNT_PASSWORD", "Account password:", 0, pw, sizeof pw);
	rc = actor_login(ca, c->as, *pw ? pw : NULL, a);
	OPENSSL_cleanse(pw, sizeof pw);
	return rc;
}

int cli_actor_or_host(const struct cli *c, struct ca *ca, struct actor *a)
{
	if (c->as)
		return cli_actor(c, ca, a);
	memset(a, 0, sizeof *a);
	snprintf(a->name, sizeof a->name, "%s", c->actor);
	snprintf(a->role, sizeof a->role, "system");
	return FINCA_OK;
}

/* Prints an object: JSON, or "key: value" lines. */
static void print_obj(json_t *o, int as_json)
{
	const char *k;
	json_t *v;

	if (as_json) {
		cli_json(o);
		return;
	}
	json_object_foreach(o, k, v) {
		char *s;
		if (json_is_null(v) || (json_is_array(v) && !json_array_size(v)))
			continue;
		s = json_is_string(v) ? xstrdup(json_string_value(v)) : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		printf("%-14s %s\n", k, s ? s : "");
		free(s);
	}
	json_decref(o);
}

static void print_list(json_t *l, const char *const *cols, int as_json)
{
	json_t *items = json_object_get(l, "items"), *v;
	size_t i;

	if (as_json) {
		cli_json(l);
		return;
	}
	json_array_foreach(items, i, v) {
		printf("%-6lld", (long long)json_integer_value(json_object_get(v, "id")));
		for (const char *const *c = cols; *c; c++) {
			const char *s = opt(v, *c);
			json_t *x = json_object_get(v, *c);
			if (json_is_integer(x))
				printf(" %lld", (long long)json_integer_value(x));
			else
				printf(" %s", s && *s ? s : "-");
		}
		putchar('\n');
	}
	if (json_is_integer(json_object_get(l, "next")))
		printf("(more: --after %lld)\n", (long long)json_integer_value(json_object_get(l, "next")));
	json_decref(l);
}

/* Every bad row of an import or batch, one line each, on stderr, in the
 * language of the environment. */
static void print_problems(json_t *errs)
{
	enum msg_lang lang = msg_lang_env();
	char m[2048];
	size_t i;
	json_t *e;

	json_array_foreach(errs, i, e)
		fprintf(stderr, "%s\n", ra_problem_say(e, lang, m, sizeof m));
}

static int page_opts(json_t *o, struct page *p)
{
	const char *v;

	memset(p, 0, sizeof p[0]);
	p->q = take(o, "q");
	p->filter = take(o, "filter");
	if ((v = take(o, "after")))
		p->after = atoll(v);
	if ((v = take(o, "limit")) && ((p->limit = atoi(v)) < 1 || p->limit > 1000))
		return cli_usage("--limit: 1..1000");
	return 0;
}

/* --- organisations --- */

static int org_cmd(struct cli *c, int kind, int argc, char **argv)
{
	const char *verb = argv[1], *key;
	struct ca *ca = NULL;
	struct actor a;
	json_t *o = NULL, *res = NULL;
	struct page p;
	int rc, as_json;

	if ((rc = parse_opts(argc - 2, argv + 2, "json", &o, &key)))
		return rc;
	as_json = take_flag(o, "json");
	if ((rc = cli_open(c, 0, &ca)))
		goto out;
	if ((rc = cli_actor(c, ca, &a)) != FINCA_OK) {
		rc = cli_fail(rc);
		goto out;
	}
	if (!strcmp(verb, "add") && !key)
		rc = org_add(ca, &a, kind, o, &res);
	else if (!strcmp(verb, "edit") && key)
		rc = org_edit(ca, &a, kind, key, o, &res);
	else if (!strcmp(verb, "show") && key && !json_object_size(o))
		rc = org_show(ca, &a, kind, key, &res);
	else if (!strcmp(verb, "list") && !key) {
		if ((rc = page_opts(o, &p)))
			goto out;
		if (json_object_size(o)) {
			rc = cli_usage("%s list [--q TEXT] [--filter CODE] [--after ID] [--limit N] [--json]",
				       argv[0]);
			goto out;
		}
		if ((rc = org_list(ca, &a, kind, &p, &res)) == FINCA_OK) {
			print_list(res, org_fields(kind), as_json);
			res = NULL;
		}
	} else {
		rc = cli_usage("%s add --FIELD VALUE ... | edit KEY --FIELD VALUE ... | show KEY"
			       " | list [--q TEXT] [--json]   (fields: see 'finca help')", argv[0]);
		goto out;
	}
	if (rc != FINCA_OK) {
		rc = cli_fail(rc);
		goto out;
	}
	if (res) {
		print_obj(res, as_json);
		res = NULL;
	}
out:
	json_decref(all_opts);
	all_opts = NULL;
	json_decref(o);
	json_decref(res);
	ca_free(ca);
	return rc;
}

/* finca app add CODE --cert FILE (no --dept): the application system's
 * account alone, as before there were organisations. */
int cmd_org(struct cli *c, int argc, char **argv)
{
	int kind = org_kind_parse(argv[0]);

	if (argc < 2)
		return cli_usage("%s: expected add, edit, show or list", argv[0]);
	if (kind == ORG_APP && !strcmp(argv[1], "add")) {
		int has_dept = 0, has_cert = 0;
		for (int i = 2; i < argc; i++) {
			has_dept |= !strcmp(argv[i], "--dept");
			has_cert |= !strcmp(argv[i], "--cert");
		}
		if (has_cert && !has_dept)
			return cmd_account(c, argc, argv);
		if (has_cert)
			return cli_usage("app add: register the system first (--code --name --dept), "
					 "then its account: finca app add CODE --cert FILE");
	}
	if (kind == ORG_APP && !strcmp(argv[1], "accounts"))
		return cmd_account(c, 2, (char *[]){ argv[0], "list", NULL });
	return org_cmd(c, kind, argc, argv);
}

/* --- requests and batches --- */

static const char *const req_cols[] = { "type", "state", "subject", "name", "unit", "app",
					"cert_serial", NULL };

static int write_out(const char *path, const unsigned char *buf, size_t len)
{
	int rc = file_write(path, buf, len, 0640);

	if (rc == FINCA_OK)
		printf("%s: %zu bytes\n", path, len);
	return rc;
}

static int req_cmd(struct cli *c, int batch, int argc, char **argv)
{
	const char *verb = argv[1], *pos, *v;
	struct ca *ca = NULL;
	struct actor a;
	json_t *o = NULL, *res = NULL, *errs = NULL;
	unsigned char *buf = NULL;
	size_t len = 0;
	struct page p;
	int rc, as_json;
	int64_t id;

	if ((rc = parse_opts(argc - 2, argv + 2, "json old-returned", &o, &pos)))
		return rc;
	as_json = take_flag(o, "json");
	id = pos ? atoll(pos) : 0;
	if (!strcmp(verb, "template") && batch) { /* the same for everyone: no data directory */
		if (!(v = take(o, "out"))) {
			rc = cli_usage("batch template --out FILE.xlsx");
			goto out;
		}
		if ((rc = ra_template(NULL, NULL, &buf, &len)) == FINCA_OK)
			rc = write_out(v, buf, len);
		if (rc < 0)
			goto fail;
		goto out;
	}
	if ((rc = cli_open(c, 0, &ca)))
		goto out;
	if ((rc = cli_actor(c, ca, &a)) != FINCA_OK)
		goto fail;
	if (!strcmp(verb, "import") && batch && pos) {
		if ((rc = file_read(pos, 64 << 20, &buf, &len)) == FINCA_OK &&
		    (rc = ra_import(ca, &a, buf, len, pos, &res, &errs)) != FINCA_OK)
			print_problems(errs);
	} else if (!strcmp(verb, "create") && !batch) {
		struct req_spec sp;
		json_t *data = NULL;
		memset(&sp, 0, sizeof sp);
		sp.type = take(o, "type");
		sp.subject_kind = take(o, "kind");
		sp.subject = take(o, "subject");
		sp.app = take(o, "app");
		sp.cert_serial = take(o, "cert");
		sp.reason = take(o, "reason");
		sp.note = take(o, "note");
		if ((v = take(o, "data")) && !(data = json_loads(v, 0, NULL))) {
			rc = cli_usage("--data: not JSON");
			goto out;
		}
		sp.data = data;
		if (json_object_size(o))
			rc = cli_usage("request create --type T --subject ID --app CODE [--cert SERIAL]"
				       " [--reason R] [--data JSON] [--kind person|unit|device] [--note N]");
		else
			rc = ra_request_create(ca, &a, &sp, &res);
		json_decref(data);
	} else if (!strcmp(verb, "show") && id) {
		rc = batch ? ra_batch_show(ca, &a, id, &res) : ra_request_show(ca, &a, id, &res);
	} else if (!strcmp(verb, "list") && !batch) {
		const char *state = take(o, "state"), *b = take(o, "batch");
		if ((rc = page_opts(o, &p)))
			goto out;
		if ((rc = ra_request_list(ca, &a, &p, state, b ? atoll(b) : 0, &res)) == FINCA_OK) {
			print_list(res, req_cols, as_json);
			res = NULL;
		}
	} else if (!strcmp(verb, "freeze-now") && !batch && pos) {
		rc = ra_emergency_freeze(ca, &a, pos, take(o, "note"), &res);
	} else if ((!strcmp(verb, "form") || !strcmp(verb, "forms")) && id) {
		if (!(v = take(o, "out"))) {
			rc = cli_usage("%s %s ID --out FILE.pdf [--form person|unit|pinreset]",
				       argv[0], verb);
			goto out;
		}
		if ((rc = ra_forms(ca, &a, batch ? 0 : id, batch ? id : 0, take(o, "form"),
				   &buf, &len)) == FINCA_OK)
			rc = write_out(v, buf, len);
	} else if (!strcmp(verb, "attach") && batch && id && (v = take(o, "file"))) {
		if ((rc = file_read(v, 16 << 20, &buf, &len)) == FINCA_OK)
			rc = ra_attach(ca, &a, id, v, buf, len, &res);
	} else if (id) {
		/* a move: submit withdraw resubmit approve reject accept produce
		 * handover complete; the remaining options are its arguments */
		if (take_flag(o, "old_returned"))
			json_object_set_new(o, "old_returned", json_true());
		rc = batch ? ra_batch_act(ca, &a, id, verb, o, &res)
			   : ra_request_act(ca, &a, id, verb, o, &res);
	} else {
		rc = cli_usage("%s %s: see 'finca help'", argv[0], verb);
		goto out;
	}
	if (rc < 0)
		goto fail;
	if (res) {
		print_obj(res, as_json);
		res = NULL;
	}
	goto out;
fail:
	rc = cli_fail(rc);
out:
	json_decref(all_opts);
	all_opts = NULL;
	free(buf);
	json_decref(o);
	json_decref(res);
	json_decref(errs);
	ca_free(ca);
	return rc;
}

int cmd_request(struct cli *c, int argc, char **argv)
{
	if (argc < 2)
		return cli_usage("%s: expected a subcommand (see 'finca help')", argv[0]);
	return req_cmd(c, !strcmp(argv[0], "batch"), argc, argv);
}

int cmd_expiring(struct cli *c, int argc, char **argv)
{
	static const char *const cols[] = { "serial", "name", "id_number", "unit_code",
					    "not_after", "days_left", NULL };
	struct ca *ca = NULL;
	struct actor a;
	json_t *o = NULL, *res = NULL, *errs = NULL;
	const char *pos, *d, *app;
	struct page p;
	int rc, as_json, renew, days = 30;

	if ((rc = parse_opts(argc - 1, argv + 1, "json renew", &o, &pos)))
		return rc;
	as_json = take_flag(o, "json");
	renew = take_flag(o, "renew");
	app = take(o, "app");
	if ((d = take(o, "days")) && ((days = atoi(d)) < 1 || days > 3650)) {
		rc = cli_usage("--days: 1..3650");
		goto out;
	}
	if ((rc = page_opts(o, &p)))
		goto out;
	if ((rc = cli_open(c, 0, &ca)))
		goto out;
	if ((rc = cli_actor(c, ca, &a)) != FINCA_OK ||
	    (rc = renew ? ra_renew_due(ca, &a, days, app, &res, &errs)
			: ra_expiring(ca, &a, 0, days, &p, &res)) != FINCA_OK) {
		print_problems(errs);
		rc = cli_fail(rc);
		goto out;
	}
	if (renew)
		print_obj(res, as_json);
	else
		print_list(res, cols, as_json);
	res = NULL;
out:
	json_decref(all_opts);
	all_opts = NULL;
	json_decref(o);
	json_decref(res);
	json_decref(errs);
	ca_free(ca);
	return rc;
}
