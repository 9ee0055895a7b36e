/* finca backup DIR, finca restore DIR [--force] [--store URL]: the door of
 * src/ca/backup.c and restore.c. */
#include "ca/backup.h"
#include "cli/cli.h"
#include "util/err.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

int cmd_backup(struct cli *c, int argc, char **argv)
{
	struct ca *ca = NULL;
	struct manifest *m = NULL;
	int rc;

	if (argc != 2 || argv[1][0] == '-')
		return cli_usage("backup DIR");
	if ((rc = cli_open(c, 0, &ca)))
		return rc;
	if ((rc = ca_backup(ca, c->actor, argv[1], &m)) != FINCA_OK) {
		rc = cli_fail(rc);
		goto out;
	}
	printf("backup %s: %zu files, %s store (schema %d), audit record %lld, next CRL number %lld\n",
	       argv[1], m->nfiles, m->store, m->schema, (long long)m->audit_seq,
	       (long long)m->crl_next);
out:
	manifest_free(m);
	ca_free(ca);
	return rc;
}

int cmd_restore(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "store", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	struct restore_report rep;
	const char *url = NULL;
	int ch, force = 0, rc;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'f')
			force = 1;
		else if (ch == 's')
			url = optarg;
		else
			return cli_usage("restore: bad option");
	}
	if (optind != argc - 1)
		return cli_usage("restore DIR [--force] [--store URL]");
	if (!c->dir)
		return cli_usage("restore: the data directory to restore into: -d DIR");
	if ((rc = ca_restore(argv[optind], c->dir, url, force, c->actor, &rep)) != FINCA_OK)
		return cli_fail(rc);
	printf("restored %s into %s: %zu files, audit chain verified to record %lld, "
	       "CRL numbers from %lld\n", argv[optind], c->dir, rep.files,
	       (long long)rep.audit_seq, (long long)rep.crl_floor);
	if (rep.moved_aside[0])
		printf("the previous data directory is now %s\n", rep.moved_aside);
	return 0;
}
