/* finca crl ..., finca audit ... */
#include "cli/cli.h"
#include "ra/ra.h"
#include "audit/audit.h"
#include "util/err.h"
#include "util/util.h"

#include <getopt.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int crl_verify(struct cli *c, const char *path)
{
	struct ca *ca = NULL;
	struct crl_summary s;
	unsigned char *buf = NULL;
	size_t len;
	char t1[32], t2[32];
	int rc;

	if ((rc = cli_open(c, 0, &ca)))
		return rc;
	if ((rc = file_read(path, 256 << 20, &buf, &len)) ||
	    (rc = ca->issuing ? crl_check(buf, len, ca->issuing, &s) :
	     err_set(FINCA_ESTATE, "no issuing CA certificate installed"))) {
		rc = cli_fail(rc);
		goto out;
	}
	time_format(s.this_update, t1, sizeof t1);
	time_format(s.next_update, t2, sizeof t2);
	printf("signature ok\n%s CRL number %lld", s.delta ? "delta" : "full",
	       (long long)s.number);
	if (s.delta)
		printf(" (base %lld)", (long long)s.base);
	printf(", %lld entries, this update %s, next update %s\n",
	       (long long)s.entries, t1, t2);
	if (s.next_update && s.next_update < clock_now()) {
		printf("expired: nextUpdate has passed\n");
		rc = 1;
	}
out:
	free(buf);
	ca_free(ca);
	return rc;
}

int cmd_crl(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "delta", no_argument, NULL, 'd' },
		{ "der", no_argument, NULL, 'D' },
		{ "out", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	const char *outf = NULL;
	int ch, rc, delta = 0, der = 0;
	struct ca *ca = NULL;
	unsigned char *crl = NULL;
	size_t len;
	struct crl_rec info;
	struct actor who;

	if (argc >= 2 && !strcmp(argv[1], "verify")) {
		if (argc != 3)
			return cli_usage("crl verify FILE");
		return crl_verify(c, argv[2]);
	}
	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': delta = 1; break;
		case 'D': der = 1; break;
		case 'o': outf = optarg; break;
		default: return cli_usage("crl: bad option");
		}
	}
	if (optind != argc || !outf)
		return cli_usage("crl [--delta] [--der] --out FILE");
	if ((rc = cli_open(c, 1, &ca)))
		return rc;
	if ((rc = cli_actor_or_host(c, ca, &who)) != FINCA_OK ||
	    (rc = actor_may(ca, &who, "crl.make", NULL)) != FINCA_OK ||
	    (rc = ca_crl(ca, &who, delta, &crl, &len, &info)) != FINCA_OK) {
		rc = cli_fail(rc);
		goto out;
	}
	if (der) {
		rc = file_write(outf, crl, len, 0644);
	} else {
		BIO *b = BIO_new(BIO_s_mem());
		char *data;
		long n;
		PEM_write_bio(b, "X509 CRL", "", crl, (long)len);
		n = BIO_get_mem_data(b, &data);
		rc = file_write(outf, data, (size_t)n, 0644);
		BIO_free(b);
	}
	if (rc != FINCA_OK) {
		rc = cli_fail(rc);
		goto out;
	}
	fprintf(stderr, "%s CRL %lld: %lld entries, %zu bytes\n",
		delta ? "delta" : "full", (long long)info.number,
		(long long)info.entries, len);
out:
	free(crl);
	ca_free(ca);
	return rc;
}

struct audit_print {
	json_t *arr;
};

static int print_rec(void *arg, const struct audit_rec *r)
{
	struct audit_print *ap = arg;
	char t[32];

	time_format(r->at, t, sizeof t);
	if (ap->arr) {
		json_t *d = json_loads(r->details, 0, NULL);
		json_array_append_new(ap->arr,
			json_pack("{s:I, s:s, s:s, s:s, s:s, s:o}", "seq", (json_int_t)r->seq,
				  "at", t, "actor", r->actor, "action", r->action,
				  "object", r->object, "details", d ? d : json_object()));
		return FINCA_OK;
	}
	printf("%6lld %s %-16s %-14s %-40s %s\n", (long long)r->seq, t, r->actor,
	       r->action, r->object, r->details);
	return FINCA_OK;
}

int cmd_audit(struct cli *c, int argc, char **argv)
{
	struct ca *ca = NULL;
	int rc;

	if (argc < 2)
		return cli_usage("audit: expected verify, list or checkpoint");
	if (!strcmp(argv[1], "verify")) {
		struct audit_report rep;
		if (argc != 2)
			return cli_usage("audit verify");
		if ((rc = cli_open(c, 0, &ca)))
			return rc;
		if (!ca->issuing) {
			err_set(FINCA_ESTATE, "no issuing CA certificate installed");
			rc = cli_fail(FINCA_ESTATE);
		} else if ((rc = audit_verify(ca_store(ca), ca->audit_md,
					      X509_get0_pubkey(ca->issuing), &rep))) {
			rc = cli_fail(rc);
		} else {
			printf("audit chain ok: %lld records, %lld signed checkpoints "
			       "(last at record %lld)\n", (long long)rep.records,
			       (long long)rep.checkpoints, (long long)rep.last_checkpoint);
			if (rep.last_checkpoint < rep.last_seq)
				printf("records %lld..%lld follow the last checkpoint\n",
				       (long long)rep.last_checkpoint + 1,
				       (long long)rep.last_seq);
		}
	} else if (!strcmp(argv[1], "list")) {
		struct audit_print ap = { NULL };
		int64_t since = 0;
		for (int i = 2; i < argc; i++) {
			if (!strcmp(argv[i], "--json"))
				ap.arr = ap.arr ? ap.arr : json_array();
			else if (!strcmp(argv[i], "--since") && i + 1 < argc) {
				if (time_parse(argv[++i], &since) != FINCA_OK) {
					json_decref(ap.arr);
					return cli_usage("%s", err_msg());
				}
			} else {
				json_decref(ap.arr);
				return cli_usage("audit list [--since T] [--json]");
			}
		}
		if ((rc = cli_open(c, 0, &ca))) {
			json_decref(ap.arr);
			return rc;
		}
		struct actor who;
		if ((rc = cli_actor_or_host(c, ca, &who)) ||
		    (rc = ra_audit_iter(ca, &who, since, print_rec, &ap))) {
			json_decref(ap.arr);
			rc = cli_fail(rc);
		} else if (ap.arr) {
			cli_json(ap.arr);
		}
	} else if (!strcmp(argv[1], "checkpoint")) {
		if ((rc = cli_open(c, 1, &ca)))
			return rc;
		if ((rc = ca_checkpoint(ca)))
			rc = cli_fail(rc);
		else
			printf("checkpoint signed\n");
	} else {
		return cli_usage("audit: unknown subcommand '%s'", argv[1]);
	}
	ca_free(ca);
	return rc;
}
