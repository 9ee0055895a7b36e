/* finca token ...: the door of the token station (station/station.h).  It
 * parses the options, chooses the inventory -- the CA host itself (-d DIR)
 * or the daemon's API (--server) -- takes the PINs from the environment or
 * the terminal, and prints what the station made. */
#include "cli/cli.h"
#include "ra/ra.h"
#include "station/station.h"
#include "util/err.h"
#include "util/util.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct opts {
	struct station_args a;
	const char *module, *reason, *party, *note, *state, *data, *algo;
	struct client_opts remote;
	int json;
};

/* The PINs: FINCA_PIN, FINCA_NEW_PIN or the terminal. */
static int secret(void *arg, enum station_secret what, char *buf, size_t len)
{
	(void)arg;
	switch (what) {
	case STATION_PIN:
		return cli_passphrase("FINCA_PIN", "USBKey PIN:", 0, buf, len);
	case STATION_PIN_CURRENT:
		return cli_passphrase("FINCA_PIN", "Current PIN:", 0, buf, len);
	case STATION_PIN_NEW:
		return cli_passphrase("FINCA_NEW_PIN", "New PIN (6-10 digits and letters):", 1,
				      buf, len);
	}
	return err_set(FINCA_EINVAL, "no such secret");
}

/* The account's password for --server: FINCA_ACCOUNT_PASSWORD, or the
 * terminal when there is one; else none (a role that needs none). */
static int account_password(void *arg, char *buf, size_t len)
{
	(void)arg;
	buf[0] = '\0';
	if (!getenv("FINCA_ACCOUNT_PASSWORD") && !isatty(0))
		return FINCA_OK;
	return cli_passphrase("FINCA_ACCOUNT_PASSWORD", "Account password:", 0, buf, len);
}

enum { NEED_CA = 1, UNLOCK = 2, NEED_MODULE = 4 };

/* The inventory, locally (-d) or remotely (--server); NEED_CA: the command
 * cannot do without it; UNLOCK: the CA signs or opens sealed secrets;
 * NEED_MODULE: the command works on a token.  *ca and *act: the CA host
 * and who acts there, the caller's (ca_free) and borrowed by st. */
static int open_station(struct cli *c, struct opts *o, struct station *st, int need,
			struct ca **ca, struct actor *act)
{
	const char *module = o->module, *algo = o->algo;
	int rc;

	st->secret = secret;
	if (o->remote.url) {
		o->remote.key_passphrase = getenv("FINCA_KEY_PASSPHRASE");
		o->remote.password = account_password;
		if ((rc = station_use_remote(st, &o->remote)) != FINCA_OK)
			return rc;
	} else if (c->dir || (need & NEED_CA)) {
		if ((rc = cli_open_rc(c, need & UNLOCK, ca)) != FINCA_OK ||
		    (rc = cli_actor_or_host(c, *ca, act)) != FINCA_OK)
			return rc;
		const struct token_conf *tc = token_conf((*ca)->cfg);
		station_use_local(st, *ca, act);
		if (!module)
			module = tc->module;
		if (!algo)
			algo = tc->algorithm;
		st->sm2.keygen = tc->sm2_keygen;
		st->sm2.sign = tc->sm2_sign;
		st->sm2.import = tc->sm2_import;
	}
	if (!(need & NEED_MODULE))
		return FINCA_OK;
	return station_load(st, module, algo);
}

/* --- printing --- */

struct listing {
	int json;
	json_t *arr;
};

static int list_one(void *arg, const struct p11_token *t, json_t *row)
{
	struct listing *l = arg;
	json_t *inv = json_object_get(row, "inventory");

	if (!l->json)
		printf("slot %-4lu %-16s %-24s %-12s %s\n", t->slot, t->serial, t->label,
		       json_string_value(json_object_get(inv, "state")) ?: "unknown",
		       json_string_value(json_object_get(inv, "holder_name")) ?: "");
	json_array_append(l->arr, row);
	return FINCA_OK;
}

static int token_list(struct station *st, int json)
{
	struct listing l = { json, json_array() };
	int rc;

	if ((rc = station_list(st, list_one, &l)) == FINCA_OK && json) {
		cli_json(l.arr);
		l.arr = NULL;
	}
	json_decref(l.arr);
	return rc;
}

/* The local inventory as a table: serial, state, PIN, holder, certificate. */
static void inventory_table(json_t *arr)
{
	size_t i;
	json_t *t;

	json_array_foreach(arr, i, t)
		printf("%-16s %-12s %-8s %-20s %s\n",
		       json_string_value(json_object_get(t, "serial")) ?: "",
		       json_string_value(json_object_get(t, "state")) ?: "",
		       json_is_true(json_object_get(t, "default_pin")) ? "default" : "changed",
		       json_string_value(json_object_get(t, "holder_name")) ?: "",
		       json_string_value(json_object_get(t, "certificate")) ?: "");
}

static int token_init_cmd(struct station *st)
{
	struct station_envelope e;
	int rc;

	memset(&e, 0, sizeof e);
	if ((rc = station_init(st, &e)) == FINCA_OK)
		printf("token %s initialised (label %s)\ndefault PIN for the envelope: %s\n"
		       "(the holder must change it at first use)\n"
		       "loss-report code (挂失码) for the envelope: %s\n"
		       "(if the USBKey is lost, it freezes the certificate without login)\n",
		       st->tok.serial, st->a.label ? st->a.label : "finca", e.pin, e.code);
	station_envelope_clear(&e);
	return rc;
}

static int token_enroll_cmd(struct station *st)
{
	struct station_enrolled e;
	int rc;

	memset(&e, 0, sizeof e);
	rc = station_enroll(st, &e);
	if (rc == FINCA_OK) {
		printf("token %s enrolled: certificate %s for %s\n", st->tok.serial, e.cert,
		       e.label);
		for (size_t i = 0; i < e.nenc; i++)
			printf("encryption key imported: certificate %s\n", e.enc[i]);
	}
	else if (e.unrevoked[0])
		fprintf(stderr, "finca: could not revoke certificate %s: %s\n", e.cert,
			e.unrevoked);
	return rc;
}

static int token_import_keys(struct station *st)
{
	struct station_imported e;
	int rc;

	memset(&e, 0, sizeof e);
	if ((rc = station_import_keys(st, &e)) != FINCA_OK)
		return rc;
	for (size_t i = 0; i < e.nenc; i++)
		printf("encryption key imported: certificate %s\n", e.enc[i]);
	if (e.nenc == 0)
		printf("token %s: nothing to import (%zu encryption key%s already on the token)\n",
		       st->tok.serial, e.present, e.present == 1 ? "" : "s");
	return FINCA_OK;
}

static int token_change_pin(struct station *st)
{
	int rc = station_pin_change(st);

	if (rc == FINCA_OK)
		printf("PIN of token %s changed\n", st->tok.serial);
	return rc;
}

static int token_reset_pin(struct station *st)
{
	struct station_envelope e;
	int rc;

	memset(&e, 0, sizeof e);
	if ((rc = station_pin_reset(st, &e)) == FINCA_OK)
		printf("PIN of token %s reset\nnew default PIN for the envelope: %s\n"
		       "(the holder must change it at first use)\n"
		       "new loss-report code (挂失码) for the envelope: %s\n"
		       "(the old envelope's code no longer works)\n", st->tok.serial, e.pin,
		       e.code);
	station_envelope_clear(&e);
	return rc;
}

static int token_sign(struct station *st, const char *data)
{
	json_t *j = NULL;
	int rc;

	if ((rc = station_sign(st, data, &j)) == FINCA_OK)
		cli_json(j);
	return rc;
}

static int usage(void)
{
	return cli_usage(
		"token list|init|enroll|change-pin|reset-pin|sign|import-keys [--module PATH] [--serial S]\n"
		"       token enroll --profile P --subject DN [--person ID] [--days N] [--replaces SERIAL]\n"
		"       token import-keys   (the holder's PIN: the keys a key recovery delivered)\n"
		"       token init [--node CODE]   (the making node; an operator's: its own)\n"
		"       token inventory [--state S] | show SERIAL\n"
		"       token handover SERIAL --to WHOM | return SERIAL --from WHOM [--reason R]\n"
		"       token mark SERIAL suspended|issued|lost|damaged|in_stock|destroyed [--note T]\n"
		"  remote: --server URL --cert FILE --key FILE [--cacert FILE] (password: FINCA_ACCOUNT_PASSWORD)\n"
		"  PINs: FINCA_PIN, FINCA_NEW_PIN, FINCA_SO_PIN or the terminal");
}

int cmd_token(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "module", required_argument, NULL, 'm' },
		{ "serial", required_argument, NULL, 's' },
		{ "label", required_argument, NULL, 'l' },
		{ "profile", required_argument, NULL, 'p' },
		{ "subject", required_argument, NULL, 'S' },
		{ "person", required_argument, NULL, 'P' },
		{ "days", required_argument, NULL, 'D' },
		{ "replaces", required_argument, NULL, 'R' },
		{ "request", required_argument, NULL, 'Q' },
		{ "node", required_argument, NULL, 'N' },
		{ "reason", required_argument, NULL, 'r' },
		{ "to", required_argument, NULL, 't' },
		{ "from", required_argument, NULL, 'f' },
		{ "note", required_argument, NULL, 'n' },
		{ "state", required_argument, NULL, 'x' },
		{ "data", required_argument, NULL, 'd' },
		{ "algo", required_argument, NULL, 'a' },
		{ "server", required_argument, NULL, 'u' },
		{ "cert", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'k' },
		{ "cacert", required_argument, NULL, 'C' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct station st;
	struct opts o;
	struct ca *ca = NULL;
	struct actor act;
	const char *sub;
	json_t *arr = NULL;
	int ch, rc, nargs;

	memset(&st, 0, sizeof st);
	memset(&o, 0, sizeof o);
	memset(&act, 0, sizeof act);
	if (argc < 2)
		return usage();
	sub = argv[1];
	argc--;
	argv++;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'm': o.module = optarg; break;
		case 's': o.a.serial = optarg; break;
		case 'l': o.a.label = optarg; break;
		case 'p': o.a.profile = optarg; break;
		case 'S': o.a.subject = optarg; break;
		case 'P': o.a.person = optarg; break;
		case 'D': o.a.days = atoi(optarg); break;
		case 'R': o.a.replaces = optarg; break;
		case 'Q': o.a.request = atoll(optarg); break;
		case 'N': o.a.node = optarg; break;
		case 'r': o.reason = optarg; break;
		case 't': case 'f': o.party = optarg; break;
		case 'n': o.note = optarg; break;
		case 'x': o.state = optarg; break;
		case 'd': o.data = optarg; break;
		case 'a': o.algo = optarg; break;
		case 'u': o.remote.url = optarg; break;
		case 'c': o.remote.cert = optarg; break;
		case 'k': o.remote.key = optarg; break;
		case 'C': o.remote.cacert = optarg; break;
		case 'j': o.json = 1; break;
		default: return usage();
		}
	}
	/* an initialised token is erased with its current SO PIN: the one
	 * finca kept, or this one (a vendor's default) */
	o.a.old_so_pin = getenv("FINCA_SO_PIN");
	st.a = o.a;
	nargs = argc - optind;
	if (!strcmp(sub, "inventory") || !strcmp(sub, "show") || !strcmp(sub, "handover") ||
	    !strcmp(sub, "return") || !strcmp(sub, "mark")) {
		/* the CA's records only: no token module needed */
		int need = !strcmp(sub, "inventory") ? 0 : !strcmp(sub, "mark") ? 2 : 1;
		if (nargs != need)
			return usage();
		if ((rc = open_station(c, &o, &st, NEED_CA | UNLOCK, &ca, &act)) != FINCA_OK)
			goto out;
		if (!strcmp(sub, "show")) {
			if ((rc = station_get(&st, argv[optind], 1, &arr)) == FINCA_OK)
				cli_json(arr);
			arr = NULL;
		}
		else if (!strcmp(sub, "handover"))
			rc = station_change(&st, argv[optind], "handover", o.reason, o.party, o.note);
		else if (!strcmp(sub, "return"))
			rc = station_change(&st, argv[optind], "returned", o.reason, o.party, o.note);
		else if (!strcmp(sub, "mark"))
			rc = station_change(&st, argv[optind], argv[optind + 1], o.reason, o.party,
					    o.note);
		else if ((rc = station_inventory(&st, o.state, &arr)) == FINCA_OK) {
			/* the daemon's answer as it comes; the local records as
			 * a table unless --json */
			if (o.json || o.remote.url) {
				cli_json(arr);
				arr = NULL;
			} else {
				inventory_table(arr);
			}
		}
		goto out;
	}
	if (nargs != 0)
		return usage();
	if (strcmp(sub, "list") && strcmp(sub, "init") && strcmp(sub, "enroll") &&
	    strcmp(sub, "change-pin") && strcmp(sub, "reset-pin") && strcmp(sub, "sign") &&
	    strcmp(sub, "import-keys"))
		return usage();
	/* list and sign work on a holder's computer, without the CA */
	if ((rc = open_station(c, &o, &st, !strcmp(sub, "list") || !strcmp(sub, "sign")
			       ? NEED_MODULE : NEED_CA | UNLOCK | NEED_MODULE, &ca, &act)) != FINCA_OK)
		goto out;
	if (!strcmp(sub, "list"))
		rc = token_list(&st, o.json);
	else if (!strcmp(sub, "init"))
		rc = token_init_cmd(&st);
	else if (!strcmp(sub, "enroll"))
		rc = token_enroll_cmd(&st);
	else if (!strcmp(sub, "change-pin"))
		rc = token_change_pin(&st);
	else if (!strcmp(sub, "reset-pin"))
		rc = token_reset_pin(&st);
	else if (!strcmp(sub, "import-keys"))
		rc = token_import_keys(&st);
	else
		rc = token_sign(&st, o.data);
out:
	json_decref(arr);
	station_free(&st);
	ca_free(ca);
	return rc == FINCA_OK ? 0 : cli_fail(rc);
}
