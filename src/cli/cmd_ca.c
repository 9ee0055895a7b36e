/* finca init, finca ca ... */
#include "cli/cli.h"
#include "auth/auth.h"
#include "ca/dn.h"
#include "crypto/key.h"
#include "util/err.h"
#include "util/util.h"

#include <getopt.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_init(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "algo", required_argument, NULL, 'a' },
		{ "name", required_argument, NULL, 'n' },
		{ "url", required_argument, NULL, 'u' },
		{ "external-root", no_argument, NULL, 'x' },
		{ "pkcs11-module", required_argument, NULL, 'm' },
		{ "pkcs11-token", required_argument, NULL, 'T' },
		{ "store", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	struct ca_init_opts o;
	char pass[256];
	int ch, rc;

	memset(&o, 0, sizeof o);
	o.algorithm = KEY_SM2;
	o.name = "finca";
	o.base_url = "http://127.0.0.1:8080";
	o.actor = c->actor;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'a':
			if ((o.algorithm = key_alg_parse(optarg)) < 0)
				return cli_usage("--algo %s: expected sm2, p256, rsa2048 or rsa3072",
						 optarg);
			break;
		case 'n': o.name = optarg; break;
		case 'u': o.base_url = optarg; break;
		case 'x': o.external_root = 1; break;
		case 'm': o.pkcs11_module = optarg; break;
		case 'T': o.pkcs11_token = optarg; break;
		case 's': o.store_url = optarg; break;
		default: return cli_usage("init: bad option");
		}
	}
	if (optind != argc)
		return cli_usage("init: unexpected '%s'", argv[optind]);
	if (!c->dir)
		return cli_usage("init: give the data directory with -d DIR");
	if (!o.pkcs11_module != !o.pkcs11_token)
		return cli_usage("init: --pkcs11-module and --pkcs11-token go together");
	o.dir = c->dir;
	if (strncmp(o.base_url, "http://", 7) && strncmp(o.base_url, "https://", 8))
		return cli_usage("--url %s: expected http://HOST[:PORT]", o.base_url);
	if ((rc = cli_passphrase("FINCA_PASSPHRASE", "New CA passphrase:", 1, pass,
				 sizeof pass)) == FINCA_OK)
		rc = ca_init(&o, pass);
	OPENSSL_cleanse(pass, sizeof pass);
	if (rc != FINCA_OK)
		return cli_fail(rc);
	printf("initialised %s (%s)\n", c->dir, key_alg_name(o.algorithm));
	if (!o.external_root) {
		struct ca *ca = NULL;
		char pw[32];
		if ((rc = cli_open(c, 1, &ca)))
			return rc;
		rc = account_bootstrap_admin(ca, pw, sizeof pw);
		ca_free(ca);
		if (rc != FINCA_OK)
			return cli_fail(rc);
		printf("administrator account: admin\n"
		       "  certificate %s/admin.crt, key %s/admin.key\n"
		       "  password    %s   (shown once: it also opens admin.key)\n",
		       c->dir, c->dir, pw);
		OPENSSL_cleanse(pw, sizeof pw);
	}
	if (o.external_root)
		printf("next: have the root sign %s/ca/issuing.csr, then run\n"
		       "  finca -d %s ca install ISSUING+CHAIN.pem\n", c->dir, c->dir);
	else
		printf("next: finca -d %s cert issue --profile device --genkey "
		       "--subject 'CN=host1' --out host1.pem\n", c->dir);
	return 0;
}

static void show_cert(const char *role, X509 *x)
{
	char *s = dn_format(X509_get_subject_name(x)), nb[32], na[32], desc[64];
	unsigned char md[32];
	unsigned int n;
	char fp[65];
	struct tm tm;

	ASN1_TIME_to_tm(X509_get0_notBefore(x), &tm);
	strftime(nb, sizeof nb, "%Y-%m-%d", &tm);
	ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm);
	strftime(na, sizeof na, "%Y-%m-%d", &tm);
	key_describe(X509_get0_pubkey(x), desc, sizeof desc);
	X509_digest(x, EVP_sha256(), md, &n);
	hex_encode(md, n, fp);
	printf("%-8s %s\n         key %s, valid %s to %s\n         sha256 %s\n",
	       role, s, desc, nb, na, fp);
	free(s);
}

int cmd_ca(struct cli *c, int argc, char **argv)
{
	struct ca *ca = NULL;
	int rc = 0;

	if (argc < 2)
		return cli_usage("ca: expected chain, show or install");
	if (!strcmp(argv[1], "chain")) {
		if ((rc = cli_open(c, 0, &ca)))
			return rc;
		if (!ca->issuing) {
			err_set(FINCA_ESTATE, "the issuing CA certificate is not installed");
			rc = cli_fail(FINCA_ESTATE);
		} else {
			PEM_write_X509(stdout, ca->issuing);
			if (ca->root)
				PEM_write_X509(stdout, ca->root);
		}
	} else if (!strcmp(argv[1], "show")) {
		if ((rc = cli_open(c, 0, &ca)))
			return rc;
		printf("algorithm %s, audit digest %s\n", ca->algorithm, ca->audit_md);
		if (ca->root)
			show_cert("root", ca->root);
		if (ca->issuing)
			show_cert("issuing", ca->issuing);
		else
			printf("issuing  (awaiting its certificate: ca/issuing.csr)\n");
		show_cert("service", ca->service);
	} else if (!strcmp(argv[1], "install")) {
		unsigned char *buf = NULL;
		size_t len;
		char pass[256];
		if (argc != 3)
			return cli_usage("ca install FILE");
		if ((rc = cli_open(c, 0, &ca)))
			return rc;
		if ((rc = file_read(argv[2], 1 << 20, &buf, &len)) == FINCA_OK &&
		    (rc = cli_passphrase("FINCA_PASSPHRASE", "CA passphrase:", 0, pass,
					 sizeof pass)) == FINCA_OK)
			rc = ca_install(ca, (char *)buf, len, pass);
		OPENSSL_cleanse(pass, sizeof pass);
		free(buf);
		if (rc != FINCA_OK)
			rc = cli_fail(rc);
		else
			printf("installed the issuing CA certificate\n");
	} else {
		rc = cli_usage("ca: unknown subcommand '%s'", argv[1]);
	}
	ca_free(ca);
	return rc;
}

/* finca migrate: the pending migrations of the configured store */
int cmd_migrate(struct cli *c, int argc, char **argv)
{
	int from = 0, to = 0, rc;

	if (argc != 1)
		return cli_usage("migrate: unexpected '%s'", argv[1]);
	if (!c->dir)
		return cli_usage("migrate: give the data directory with -d DIR");
	if ((rc = ca_migrate(c->dir, &from, &to)) != FINCA_OK)
		return cli_fail(rc);
	if (from == to)
		printf("schema version %d: up to date\n", to);
	else
		printf("schema version %d -> %d\n", from, to);
	return 0;
}
