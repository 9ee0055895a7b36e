/* finca agent: the holder's signing agent (agent/agent.h, docs/console.md
 * "The agent").  Reads the options and $FINCA_AGENT_ORIGINS and runs the
 * agent until SIGINT or SIGTERM. */
#include "cli/cli.h"
#include "agent/agent.h"
#include "util/err.h"
#include "util/util.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static int usage(void)
{
	return cli_usage(
		"agent --module PATH --origin URL... [--listen 127.0.0.1:8765]\n"
		"       [--pin-file FILE | --pin-command CMD] [--sm2-sign MECH]\n"
		"       [--ca-cert FILE] [--server URL [--algo p256|sm2|rsa2048|rsa3072]\n"
		"        [--sm2-keygen MECH] [--sm2-import MECH]]\n"
		"  the holder's signing agent for the web console (docs/console.md);\n"
		"  with --ca-cert (the console's service CA, which signs its instructions)\n"
		"  the holder changes the USBKey's PIN; with --server (the console, also\n"
		"  an origin) too, the operator makes USBKeys from the production queue;\n"
		"  origins also from $FINCA_AGENT_ORIGINS (space-separated)");
}

int cmd_agent(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "module", required_argument, NULL, 'm' },
		{ "listen", required_argument, NULL, 'l' },
		{ "origin", required_argument, NULL, 'o' },
		{ "pin-file", required_argument, NULL, 'f' },
		{ "pin-command", required_argument, NULL, 'p' },
		{ "sm2-sign", required_argument, NULL, 's' },
		{ "server", required_argument, NULL, 'S' },
		{ "ca-cert", required_argument, NULL, 'c' },
		{ "algo", required_argument, NULL, 'a' },
		{ "sm2-keygen", required_argument, NULL, 'k' },
		{ "sm2-import", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 },
	};
	struct agent_config cfg;
	const char *env;
	char *end, *save = NULL, *w, *env_origins = NULL;  /* owned: split, cfg borrows */
	int ch, rc = FINCA_OK;

	(void)c;
	memset(&cfg, 0, sizeof cfg);
	cfg.listen = "127.0.0.1:8765";
	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'm': cfg.module = optarg; break;
		case 'l': cfg.listen = optarg; break;
		case 'o':
			if ((rc = agent_origin_add(&cfg, optarg)) != FINCA_OK)
				goto out;
			break;
		case 'f': cfg.pin_file = optarg; break;
		case 'S': cfg.server = optarg; break;
		case 'c': cfg.ca_cert = optarg; break;
		case 'a': cfg.algo = optarg; break;
		case 'k':
			errno = 0;
			cfg.sm2_keygen = strtoul(optarg, &end, 0);
			if (errno || *end || end == optarg || !cfg.sm2_keygen) {
				rc = err_set(FINCA_EINVAL, "--sm2-keygen '%.40s': expected the vendor's "
					     "mechanism number", optarg);
				goto out;
			}
			break;
		case 'i':
			/* the vendor's GM/T 0016 envelope import (p11_import_sm2) */
			errno = 0;
			cfg.sm2_import = strtoul(optarg, &end, 0);
			if (errno || *end || end == optarg || !cfg.sm2_import) {
				rc = err_set(FINCA_EINVAL, "--sm2-import '%.40s': expected the vendor's "
					     "mechanism number", optarg);
				goto out;
			}
			break;
		case 'p': cfg.pin_command = optarg; break;
		case 's':
			errno = 0;
			cfg.sm2_sign = strtoul(optarg, &end, 0);
			if (errno || *end || end == optarg || !cfg.sm2_sign) {
				rc = err_set(FINCA_EINVAL, "--sm2-sign '%.40s': expected the vendor's "
					     "mechanism number (e.g. 0x80000101)", optarg);
				goto out;
			}
			break;
		default:
			rc = usage();
			goto done;
		}
	}
	if (optind != argc) {
		rc = usage();
		goto done;
	}
	if ((env = getenv("FINCA_AGENT_ORIGINS")) != NULL) {
		env_origins = xstrdup(env);
		for (w = strtok_r(env_origins, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
			if ((rc = agent_origin_add(&cfg, w)) != FINCA_OK)
				goto out;
	}
	/* the console is an origin of its own agent */
	if (cfg.server) {
		size_t i;
		for (i = 0; i < cfg.norigins && strcmp(cfg.origins[i], cfg.server); i++)
			;
		if (i == cfg.norigins && (rc = agent_origin_add(&cfg, cfg.server)) != FINCA_OK)
			goto out;
	}
	if (!cfg.module) {
		rc = err_set(FINCA_EINVAL, "agent: give --module PATH, the USBKey's PKCS#11 module");
		goto out;
	}
	if (cfg.norigins == 0) {
		rc = err_set(FINCA_EINVAL, "agent: give --origin URL (or $FINCA_AGENT_ORIGINS): the "
			     "console page that may use the agent, e.g. https://ca.example:8443");
		goto out;
	}
	if (cfg.pin_file && cfg.pin_command) {
		rc = err_set(FINCA_EINVAL, "agent: --pin-file or --pin-command, not both");
		goto out;
	}
	rc = agent_run(&cfg);
out:
	rc = rc == FINCA_OK ? 0 : cli_fail(rc);
done:
	free(env_origins);
	return rc;
}
