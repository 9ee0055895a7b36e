/* finca remind: one expiry reminder pass, then one delivery pass (what the
 * daemon does every [notify] interval; for cron without the daemon). */
#include "cli/cli.h"
#include "ra/ra.h"
#include "util/err.h"
#include "util/util.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

int cmd_remind(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "now", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	struct ca *ca = NULL;
	int64_t now = clock_now();
	int ch, rc, queued = 0, sent = 0, failed = 0;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'n':
			/* as if it were TIME: for trying thresholds out */
			if (time_parse(optarg, &now) != FINCA_OK)
				return cli_usage("--now: %s", err_msg());
			break;
		default: return cli_usage("remind: bad option");
		}
	}
	if (optind != argc)
		return cli_usage("remind [--now TIME]");
	if ((rc = cli_open(c, 0, &ca)))
		return rc;
	if ((rc = ra_remind_scan(ca, c->actor, now, &queued)) != FINCA_OK) {
		rc = cli_fail(rc);
		goto out;
	}
	/* a pass takes a few dozen notices: go on until none is due */
	for (;;) {
		int s = 0, f = 0;
		if ((rc = ra_notify_deliver(ca, now, &s, &f)) != FINCA_OK) {
			rc = cli_fail(rc);
			goto out;
		}
		if (s + f == 0)
			break;
		sent += s;
		failed += f;
	}
	printf("queued %d, sent %d, failed %d\n", queued, sent, failed);
out:
	ca_free(ca);
	return rc;
}
