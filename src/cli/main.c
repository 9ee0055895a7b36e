#include "cli/cli.h"
#include "ra/ra.h"
#include "util/err.h"
#include "util/msg.h"
#include "util/util.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ui.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef FINCA_VERSION
#define FINCA_VERSION "0.1.0"
#endif

static const char usage[] =
"usage: finca [-d DIR] COMMAND ...\n"
"\n"
"  init [--algo sm2|p256|rsa2048|rsa3072] [--name NAME] [--url BASE_URL]\n"
"       [--external-root] [--pkcs11-module SO --pkcs11-token LABEL]\n"
"       [--store postgresql://...]      create a data directory and its CAs\n"
"                                       (--store: the database in PostgreSQL)\n"
"  migrate                              run the store's pending migrations\n"
"  ca chain | show | install FILE       the CA certificates\n"
"  cert issue --profile P (--csr FILE | --genkey [--key-out FILE]\n"
"       [--key-form auto|gm|std])       gm: PBKDF2-HMAC-SM3 + SM4-CBC (auto\n"
"                                       for SM2 keys), std: OpenSSL's AES\n"
"       [--subject DN] [--days N] [--id-number ID] [--unit-code CODE]\n"
"       (--out FILE | --out-dir DIR)    issue certificates (a CSR file may\n"
"                                       hold many: one batch); prints each serial\n"
"                                       once committed, before writing its file\n"
"       [--dual]                        SM2 subscriber profiles: a signing and\n"
"                                       an encryption certificate (KM-made key,\n"
"                                       escrowed): FILE, NAME-enc.pem and the\n"
"                                       enveloped key NAME-enc.env (GM/T 0009\n"
"                                       DER) and NAME-enc.skf (GM/T 0016 blob)\n"
"  cert export --out-dir DIR SERIAL...  write stored certificates as issue does\n"
"                                       (finishes a batch stopped after its commit)\n"
"  cert show SERIAL [--json] [--pem]\n"
"  cert list [--status valid|frozen|revoked|expired] [--expiring-within DAYS]\n"
"       [--limit N] [--json]\n"
"  cert revoke SERIAL --reason REASON   RFC 5280 reason, e.g. keyCompromise\n"
"  cert freeze SERIAL | unfreeze SERIAL certificateHold on and off\n"
"  cert renew SERIAL [--csr FILE] [--days N] --out FILE            (延期)\n"
"  cert update SERIAL [--subject DN] [--id-number ID] [--unit-code CODE]\n"
"       [--csr FILE] --out FILE                                     (更新)\n"
"  cert verify FILE                     chain, validity and status\n"
"  crl [--delta] [--der] --out FILE     make a full or delta CRL\n"
"  crl verify FILE                      check a CRL's signature (SM2 too)\n"
"  audit verify | list [--since T] [--json] | checkpoint\n"
"  serve [--listen ADDR:PORT] [--tls-listen ADDR:PORT|''] [--tlcp-listen ADDR:PORT|'']\n"
"        [--threads N] [--quiet]        the daemon: OCSP, CRLs, CA certificates,\n"
"                                       and the HTTPS JSON API ([server] in finca.conf);\n"
"                                       the public part over TLCP too ([tlcp])\n"
"        [--ocsp-only]                  a replica on a read-only standby: OCSP (signed\n"
"                                       by the issuing CA), CRLs, CA certificates only\n"
"  account add NAME --role ROLE --cert FILE [--scope S] [--name PERSON]\n"
"       | edit NAME --name PERSON | list [--json]\n"
"                                       accounts (admin, operator: password from\n"
"                                       $FINCA_ACCOUNT_PASSWORD or the terminal);\n"
"                                       PERSON: the person's name (姓名)\n"
"  app add NAME --cert FILE | list [--json]\n"
"                                       application systems (mutual TLS)\n"
"  token list | init [--label L] | enroll (--request ID | --profile P --subject DN [--person ID])\n"
"       [--replaces SERIAL] [--days N] | change-pin | reset-pin | sign --data TEXT\n"
"       | import-keys (a key recovery's keys onto the new USBKey)\n"
"       [--module PATH] [--serial S] [--algo A] [--server URL --cert F --key F]\n"
"                                       the USBKey station (PINs: $FINCA_PIN,\n"
"                                       $FINCA_NEW_PIN, $FINCA_SO_PIN or the terminal)\n"
"  token inventory [--state S] | show SERIAL | handover SERIAL --to WHOM\n"
"       | return SERIAL --from WHOM [--reason R] | mark SERIAL STATE\n"
"                                       the token inventory and its records\n"
"  demo seed                            the Fujian demo node: nodes, departments,\n"
"                                       systems, units, persons, one account per role\n"
"                                       (certificates and keys in DIR/demo)\n"
"  remind [--now TIME]                  one reminder pass: queue expiry notices\n"
"                                       and deliver what is due ([notify])\n"
"  agent --module PATH --origin URL... [--listen 127.0.0.1:8765]\n"
"       [--pin-file FILE | --pin-command CMD] [--sm2-sign MECH]\n"
"                                       the holder's signing agent for the web\n"
"                                       console (loopback HTTP; asks the PIN itself)\n"
"\n"
"Registration authority: every command acts as an account, --as NAME (or\n"
"$FINCA_AS; administrators and operators give $FINCA_ACCOUNT_PASSWORD), and\n"
"is checked against its role and scope.\n"
"  node|dept|app|unit|person|device add --FIELD VALUE ... | edit KEY --FIELD VALUE ...\n"
"       | show KEY | list [--q TEXT] [--filter CODE] [--after ID] [--limit N] [--json]\n"
"       node: code name level(province|city|county) parent served_by making_unit\n"
"             email webhook (making_unit: 证书制作管理单位's name)\n"
"       dept: code name node;  app: code name dept (app add CODE --cert F: its account)\n"
"       unit: code(统一社会信用代码) name type node officer phone email webhook\n"
"       person: id_number name unit phone email;  device: code name unit\n"
"  request create --type T --subject ID --app CODE [--cert SERIAL] [--reason R]\n"
"       [--data JSON] [--kind person|unit|device] [--note N]\n"
"       T: apply renew update reissue freeze unfreeze revoke pin-reset authorize\n"
"  request ACTION ID [--reason R] [--handler H] [--date D] [--old-returned]\n"
"       ACTION: submit withdraw resubmit approve reject accept produce handover\n"
"       return complete  (apply/renew/update/reissue of a person and pin-reset are\n"
"       produced at the token station: token enroll|reset-pin --request ID)\n"
"  request show ID | list [--state S] [--batch B] [--filter TYPE] [--q TEXT] [--json]\n"
"  request freeze-now SERIAL [--note N]  紧急冻结: freeze at once (art. 25)\n"
"  request form ID --out F.pdf          the annex form, pre-filled\n"
"  batch template --out F.xlsx | import FILE | show ID | ACTION ID ...\n"
"       | forms ID --out F.pdf [--form person|unit|pinreset] | attach ID --file SCAN\n"
"  expiring [--days N] [--json] | --renew [--app CODE]  certificates due in your\n"
"                                       scope; --renew: one batch of renew requests\n"
"  backup DIR                           a consistent copy of the data directory\n"
"                                       and its store (SQLite or PostgreSQL,\n"
"                                       pg_dump) while in use (manifest: SHA-256s)\n"
"  restore DIR [--force] [--store URL]  check a backup and make it the data\n"
"                                       directory (--force: the old one is\n"
"                                       moved aside to DIR.old-TIMESTAMP); a\n"
"                                       PostgreSQL store goes into an empty\n"
"                                       database, the backup's or URL's\n"
"  version\n"
"\n"
"DIR defaults to $FINCA_DIR.  The CA passphrase comes from $FINCA_PASSPHRASE\n"
"or the terminal.\n";

#ifdef __SANITIZE_ADDRESS__
/* LeakSanitizer in the test build: cairo 1.16 and fontconfig keep caches
 * they never free when a form is drawn (see tests/unit/test_forms.c), and
 * libxlsxwriter 1.1.4 never frees the copy of a data validation's formula
 * (the template's dropdowns; fixed upstream later); not ours to fix, and
 * nothing else is suppressed. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:cairo_surface_finish\nleak:libfontconfig.so\nleak:libcairo.so\n"
	       "leak:lxw_strdup\n";
}
#endif

/* The error in the operator's language (LANG: Chinese under zh_CN). */
int cli_fail(int rc)
{
	char m[2048];

	(void)rc;
	fprintf(stderr, "finca: %s\n", msg_error(msg_lang_env(), m, sizeof m));
	return 1;
}

int cli_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "finca: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(see 'finca help')\n");
	return EXIT_USAGE;
}

void cli_json(json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2));

	if (s)
		printf("%s\n", s);
	free(s);
	json_decref(j);
}

int cli_passphrase(const char *env, const char *prompt, int confirm,
		   char *buf, size_t len)
{
	const char *v = getenv(env);

	if (v && *v) {
		if (strlen(v) >= len)
			return err_set(FINCA_EINVAL, "%s: too long", env);
		snprintf(buf, len, "%s", v);
		return FINCA_OK;
	}
	if (!isatty(STDIN_FILENO))
		return err_set(FINCA_EAUTH,
			       "no passphrase: set %s or run on a terminal", env);
	if (EVP_read_pw_string(buf, (int)len, prompt, confirm) != 0)
		return err_set(FINCA_EAUTH, "no passphrase given");
	return FINCA_OK;
}

static int open_rc(const struct cli *c, int unlock, int readonly, struct ca **out)
{
	char pass[256];
	int rc;

	*out = NULL;
	if (!c->dir)
		return err_set(FINCA_EINVAL, "no data directory: give -d DIR or set FINCA_DIR");
	rc = readonly ? ca_open_readonly(c->dir, c->actor, out) : ca_open(c->dir, c->actor, out);
	if (rc != FINCA_OK || !unlock)
		return rc;
	rc = cli_passphrase("FINCA_PASSPHRASE", "CA passphrase:", 0, pass, sizeof pass);
	if (rc == FINCA_OK)
		rc = ca_unlock(*out, pass);
	/* unlock 2: the KM key too (the serve daemon, for key recovery) */
	if (rc == FINCA_OK && unlock == 2)
		rc = ca_unlock_km(*out, pass);
	OPENSSL_cleanse(pass, sizeof pass);
	if (rc != FINCA_OK) {
		ca_free(*out);
		*out = NULL;
	}
	return rc;
}

int cli_open_rc(const struct cli *c, int unlock, struct ca **out)
{
	return open_rc(c, unlock, 0, out);
}

int cli_open(const struct cli *c, int unlock, struct ca **out)
{
	int rc = open_rc(c, unlock, 0, out);

	return rc == FINCA_OK ? 0 : cli_fail(rc);
}

int cli_open_readonly(const struct cli *c, struct ca **out)
{
	int rc = open_rc(c, 1, 1, out);

	return rc == FINCA_OK ? 0 : cli_fail(rc);
}

int cli_read_certs(const char *path, STACK_OF(X509) **out)
{
	unsigned char *buf = NULL;
	size_t len;
	STACK_OF(X509) *sk = sk_X509_new_null();
	X509 *x;
	int rc;

	if ((rc = file_read(path, 16 << 20, &buf, &len)) != FINCA_OK)
		goto out;
	if (strstr((char *)buf, "-----BEGIN")) {
		BIO *b = BIO_new_mem_buf(buf, (int)len);
		while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL)
			sk_X509_push(sk, x);
		BIO_free(b);
	} else {
		const unsigned char *p = buf;
		if ((x = d2i_X509(NULL, &p, (long)len)) != NULL)
			sk_X509_push(sk, x);
	}
	ERR_clear_error();
	if (sk_X509_num(sk) == 0) {
		rc = err_set(FINCA_EINVAL, "%s: no certificate (PEM or DER)", path);
		goto out;
	}
	*out = sk;
	sk = NULL;
out:
	sk_X509_pop_free(sk, X509_free);
	free(buf);
	return rc;
}

/* Takes "-d DIR" / "--dir DIR" / "--dir=DIR" and "--as ACCOUNT" out of
 * argv wherever they are (before or after the subcommand). */
static void take_dir(int *argc, char **argv, const char **dir, const char **as)
{
	int i = 1, j = 1;

	while (i < *argc) {
		if (!strcmp(argv[i], "--")) {
			while (i < *argc)
				argv[j++] = argv[i++];
			break;
		}
		if ((!strcmp(argv[i], "-d") || !strcmp(argv[i], "--dir")) &&
		    i + 1 < *argc) {
			*dir = argv[i + 1];
			i += 2;
		} else if (!strcmp(argv[i], "--as") && i + 1 < *argc) {
			*as = argv[i + 1];
			i += 2;
		} else if (!strncmp(argv[i], "--dir=", 6)) {
			*dir = argv[i] + 6;
			i++;
		} else {
			argv[j++] = argv[i++];
		}
	}
	*argc = j;
	argv[j] = NULL;
}

static void set_actor(struct cli *c)
{
	const char *a = getenv("FINCA_ACTOR");
	struct passwd *pw;

	if (a && *a) {
		snprintf(c->actor, sizeof c->actor, "%s", a);
		return;
	}
	pw = getpwuid(getuid());
	snprintf(c->actor, sizeof c->actor, "cli:%s", pw ? pw->pw_name : "?");
}

int main(int argc, char **argv)
{
	struct cli c;
	const char *cmd;

	memset(&c, 0, sizeof c);
	c.dir = getenv("FINCA_DIR");
	c.as = getenv("FINCA_AS");
	take_dir(&argc, argv, &c.dir, &c.as);
	set_actor(&c);
	if (argc < 2) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	cmd = argv[1];
	argc--;
	argv++;
	if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		fputs(usage, stdout);
		return 0;
	}
	if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
		printf("finca %s (%s)\n", FINCA_VERSION, OpenSSL_version(OPENSSL_VERSION));
		return 0;
	}
	if (!strcmp(cmd, "init"))
		return cmd_init(&c, argc, argv);
	if (!strcmp(cmd, "migrate"))
		return cmd_migrate(&c, argc, argv);
	if (!strcmp(cmd, "ca"))
		return cmd_ca(&c, argc, argv);
	if (!strcmp(cmd, "cert"))
		return cmd_cert(&c, argc, argv);
	if (!strcmp(cmd, "crl"))
		return cmd_crl(&c, argc, argv);
	if (!strcmp(cmd, "audit"))
		return cmd_audit(&c, argc, argv);
	if (!strcmp(cmd, "account"))
		return cmd_account(&c, argc, argv);
	if (org_kind_parse(cmd) >= 0)
		return cmd_org(&c, argc, argv);
	if (!strcmp(cmd, "request") || !strcmp(cmd, "batch"))
		return cmd_request(&c, argc, argv);
	if (!strcmp(cmd, "expiring"))
		return cmd_expiring(&c, argc, argv);
	if (!strcmp(cmd, "token"))
		return cmd_token(&c, argc, argv);
	if (!strcmp(cmd, "serve"))
		return cmd_serve(&c, argc, argv);
	if (!strcmp(cmd, "remind"))
		return cmd_remind(&c, argc, argv);
	if (!strcmp(cmd, "demo"))
		return cmd_demo(&c, argc, argv);
	if (!strcmp(cmd, "agent"))
		return cmd_agent(&c, argc, argv);
	if (!strcmp(cmd, "backup"))
		return cmd_backup(&c, argc, argv);
	if (!strcmp(cmd, "restore"))
		return cmd_restore(&c, argc, argv);
	return cli_usage("unknown command '%s'", cmd);
}
