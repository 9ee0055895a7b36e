/* finca serve */
#include "cli/cli.h"
#include "http/server.h"
#include "util/err.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

int cmd_serve(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "tls-listen", required_argument, NULL, 't' },
		{ "tlcp-listen", required_argument, NULL, 'g' },
		{ "threads", required_argument, NULL, 'n' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "ocsp-only", no_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	struct server_opts o;
	struct ca *ca = NULL;
	int ch, rc, ocsp_only = 0;

	memset(&o, 0, sizeof o);
	o.threads = -1;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'l': o.listen = optarg; break;
		case 't': o.tls_listen = optarg; break;
		case 'g': o.tlcp_listen = optarg; break;
		case 'n': o.threads = atoi(optarg); break;
		case 'q': o.quiet = 1; break;
		case 'o': ocsp_only = 1; break;
		default: return cli_usage("serve: bad option");
		}
	}
	if (optind != argc)
		return cli_usage("serve: unexpected '%s'", argv[optind]);
	/* --ocsp-only: a replica on a read-only standby, which writes
	 * nothing (server.h); the issuing key only (no KM: no recovery) */
	if (ocsp_only) {
		if ((rc = cli_open_readonly(c, &ca)))
			return rc;
	} else if ((rc = cli_open(c, 2, &ca))) {
		return rc;
	}
	rc = server_run(ca, &o);
	ca_free(ca);
	return rc == FINCA_OK ? 0 : cli_fail(rc);
}
