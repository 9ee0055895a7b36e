/* finca cert ... */
#include "cli/cli.h"
#include "crypto/key.h"
#include "crypto/pem.h"
#include "ra/ra.h"
#include "util/err.h"
#include "util/util.h"

#include <getopt.h>
#include <libgen.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CSR_FILE_MAX (64 << 20)

/* The CSRs of one file, as DER: parsing them is left to the issuing
 * threads. */
struct csrs {
	unsigned char **der; /* owned (OPENSSL_free) */
	long *len;
	int n;
};

static void csrs_free(struct csrs *c)
{
	for (int i = 0; i < c->n; i++)
		OPENSSL_free(c->der[i]);
	free(c->der);
	free(c->len);
	memset(c, 0, sizeof *c);
}

static void csrs_push(struct csrs *c, unsigned char *der, long len)
{
	c->der = xrealloc(c->der, (size_t)(c->n + 1) * sizeof *c->der);
	c->len = xrealloc(c->len, (size_t)(c->n + 1) * sizeof *c->len);
	c->der[c->n] = der;
	c->len[c->n++] = len;
}

/* Reads every CSR in path (PEM, or one DER) into out (empty on entry). */
static int read_csrs(const char *path, struct csrs *out)
{
	unsigned char *buf = NULL, *der;
	char *name, *hdr;
	size_t len;
	long dlen;
	int rc;

	if ((rc = file_read(path, CSR_FILE_MAX, &buf, &len)) != FINCA_OK)
		goto out;
	ERR_clear_error();
	if (strstr((char *)buf, "-----BEGIN")) {
		BIO *b = BIO_new_mem_buf(buf, (int)len);
		while (PEM_read_bio(b, &name, &hdr, &der, &dlen)) {
			if (!strcmp(name, "CERTIFICATE REQUEST") ||
			    !strcmp(name, "NEW CERTIFICATE REQUEST"))
				csrs_push(out, der, dlen);
			else
				OPENSSL_free(der);
			OPENSSL_free(name);
			OPENSSL_free(hdr);
		}
		BIO_free(b);
	} else if (len > 2 && buf[0] == 0x30) { /* DER: a SEQUENCE */
		csrs_push(out, OPENSSL_memdup(buf, len), (long)len);
	}
	ERR_clear_error();
	if (out->n == 0)
		rc = err_set(FINCA_EINVAL, "%s: no certificate request (PEM or DER)", path);
out:
	if (rc != FINCA_OK)
		csrs_free(out);
	free(buf);
	return rc;
}

struct out {
	const char *file, *dir;
	BIO *mem;  /* --out: everything, written once at the end */
	size_t n;
};

/* Refuses an output that cannot be written before anything is issued: a
 * certificate committed but never written is one nobody received.  --out
 * FILE: its directory (the file itself is written at the end). */
static int out_check(const struct out *o, const char *nothing)
{
	char *copy = xstrdup(o->dir ? o->dir : o->file), m[600];
	int rc = dir_writable(o->dir ? copy : dirname(copy));

	free(copy);
	if (rc == FINCA_OK)
		return FINCA_OK;
	snprintf(m, sizeof m, "%s", err_msg());
	if (o->dir)
		return err_set(rc, "--out-dir %s; nothing was %s", m, nothing);
	return err_set(rc, "--out %s: %s; nothing was %s", o->file, m, nothing);
}

/* Called once a certificate is committed: its serial goes to stdout
 * before its file is written, so a batch stopped in between can be
 * finished with 'cert export' (README). */
static int emit(void *arg, size_t i, X509 *x)
{
	struct out *o = arg;
	char name[64], *path, *data;
	int rc;

	(void)i;
	o->n++;
	ca_cert_serial(x, name);
	printf("%s\n", name);
	fflush(stdout);
	if (o->file)
		return PEM_write_bio_X509(o->mem, x) ? FINCA_OK :
		       err_ssl(FINCA_ECRYPTO, "encoding");
	strcat(name, ".pem");
	path = path_join(o->dir, name);
	data = pem_x509(x);
	/* the store has the durable copy; one fsync per file would cost more
	 * than issuing the certificate */
	rc = file_write_nosync(path, data, strlen(data), 0644);
	free(data);
	free(path);
	return rc;
}

static int finish_out(struct out *o)
{
	char *data;
	long n;

	if (!o->file)
		return FINCA_OK;
	n = BIO_get_mem_data(o->mem, &data);
	return file_write(o->file, data, (size_t)n, 0644);
}

/* FILE's name with its ".pem" (if any) replaced by suffix (caller frees) */
static char *pair_name(const char *file, const char *suffix)
{
	size_t n = strlen(file);
	char *s;

	if (n > 4 && !strcmp(file + n - 4, ".pem"))
		n -= 4;
	if (asprintf(&s, "%.*s%s", (int)n, file, suffix) < 0)
		abort();
	return s;
}

/* --dual: the pair and the envelope, written beside o->file as
 * NAME-enc.pem, NAME-enc.env (GM/T 0009 DER) and NAME-enc.skf (GM/T 0016
 * ENVELOPEDKEYBLOB), or for a P-256 pair NAME-enc.p11env (the PKCS#11
 * envelope); both serials on stdout, signing first. */
static int issue_dual(struct ca *ca, const struct actor *who, const struct issue_req *rq,
		      const struct out *o)
{
	struct dual_out d;
	char serial[41], *encpath = NULL, *envpath = NULL, *skfpath = NULL, *pem = NULL;
	int rc;

	memset(&d, 0, sizeof d);
	encpath = pair_name(o->file, "-enc.pem");
	envpath = pair_name(o->file, "-enc.env");
	skfpath = pair_name(o->file, "-enc.skf");
	if ((rc = ra_cert_issue_dual(ca, who, rq, &d)) != FINCA_OK)
		goto out;
	ca_cert_serial(d.sign, serial);
	printf("%s\n", serial);
	ca_cert_serial(d.enc, serial);
	printf("%s\n", serial);
	fflush(stdout);
	pem = pem_x509(d.sign);
	if ((rc = file_write(o->file, pem, strlen(pem), 0644)) != FINCA_OK)
		goto out;
	free(pem);
	pem = pem_x509(d.enc);
	if ((rc = file_write(encpath, pem, strlen(pem), 0644)) != FINCA_OK)
		goto out;
	if (d.env && !d.skf) {
		/* a P-256 pair: the PKCS#11 envelope (km/envelope.c) */
		free(envpath);
		envpath = pair_name(o->file, "-enc.p11env");
		if ((rc = file_write(envpath, d.env, d.env_len, 0644)) != FINCA_OK)
			goto out;
		fprintf(stderr, "issued a dual pair: %s (signing), %s (encryption), enveloped "
			"key %s\n", o->file, encpath, envpath);
		goto out;
	}
	if (d.env && ((rc = file_write(envpath, d.env, d.env_len, 0644)) ||
		      (rc = file_write(skfpath, d.skf, d.skf_len, 0644))))
		goto out;
	fprintf(stderr, "issued a dual pair: %s (signing), %s (encryption)%s%s%s%s\n",
		o->file, encpath, d.env ? ", enveloped key " : "", d.env ? envpath : "",
		d.env ? " and " : "", d.env ? skfpath : "");
out:
	free(pem);
	free(encpath);
	free(envpath);
	free(skfpath);
	dual_out_clear(&d);
	return rc;
}

static int cert_issue(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "profile", required_argument, NULL, 'p' },
		{ "csr", required_argument, NULL, 'c' },
		{ "genkey", no_argument, NULL, 'g' },
		{ "key-alg", required_argument, NULL, 'A' },
		{ "key-out", required_argument, NULL, 'k' },
		{ "key-form", required_argument, NULL, 'F' },
		{ "subject", required_argument, NULL, 's' },
		{ "days", required_argument, NULL, 'D' },
		{ "id-number", required_argument, NULL, 'i' },
		{ "unit-code", required_argument, NULL, 'u' },
		{ "out", required_argument, NULL, 'o' },
		{ "out-dir", required_argument, NULL, 'O' },
		{ "dual", no_argument, NULL, '2' },
		{ NULL, 0, NULL, 0 },
	};
	const char *profile = NULL, *csr = NULL, *keyout = NULL, *alg = NULL;
	int dual = 0;
	struct issue_req proto, *rq = NULL;
	struct actor who;
	struct csrs csrs = { NULL, NULL, 0 };
	EVP_PKEY *key = NULL;
	struct ca *ca = NULL;
	struct out o;
	char *keypath = NULL, kpass[256];
	int ch, rc, genkey = 0, n, form = KEY_FORM_AUTO;

	memset(&proto, 0, sizeof proto);
	memset(&o, 0, sizeof o);
	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'p': profile = optarg; break;
		case 'c': csr = optarg; break;
		case 'g': genkey = 1; break;
		case 'A': alg = optarg; break;
		case 'k': keyout = optarg; break;
		case 'F':
			if ((form = key_form_parse(optarg)) < 0)
				return cli_usage("--key-form %s: expected auto, gm or std", optarg);
			break;
		case 's': proto.subject = optarg; break;
		case 'D':
			proto.days = atoi(optarg);
			if (proto.days <= 0)
				return cli_usage("--days %s: expected a positive number", optarg);
			break;
		case 'i': proto.id_number = optarg; break;
		case 'u': proto.unit_code = optarg; break;
		case 'o': o.file = optarg; break;
		case 'O': o.dir = optarg; break;
		case '2': dual = 1; break;
		default: return cli_usage("cert issue: bad option");
		}
	}
	if (optind != argc)
		return cli_usage("cert issue: unexpected '%s'", argv[optind]);
	if (!profile)
		return cli_usage("cert issue: --profile is required");
	if (!!csr + genkey != 1)
		return cli_usage("cert issue: give either --csr FILE or --genkey");
	if (!!o.file + !!o.dir != 1)
		return cli_usage("cert issue: give either --out FILE or --out-dir DIR");
	if (dual && !o.file)
		return cli_usage("cert issue --dual: use --out FILE (the pair's other files are named after it)");
	if (out_check(&o, "issued") != FINCA_OK)
		return cli_fail(FINCA_EIO);
	if ((rc = cli_open(c, 1, &ca)))
		return rc;
	if ((rc = cli_actor_or_host(c, ca, &who)) != FINCA_OK) {
		ca_free(ca);
		return cli_fail(rc);
	}
	proto.profile = profile;
	if (genkey) {
		const struct profile *p = config_profile(ca->cfg, profile);
		/* the service CA's certificates are for TLS stacks without SM2 */
		int a = key_alg_parse(alg ? alg : p && !strcmp(p->issuer, "service") ?
				      "p256" : ca->algorithm);
		if (!p) {
			rc = cli_fail(FINCA_EINVAL);
			goto out;
		}
		if (!p->genkey) {
			err_set(FINCA_EPOLICY,
				"profile %s: keys are made by their holder (genkey = no); give --csr",
				profile);
			rc = cli_fail(FINCA_EPOLICY);
			goto out;
		}
		if (a < 0) {
			rc = cli_usage("--key-alg %s: expected sm2, p256, rsa2048 or rsa3072", alg);
			goto out;
		}
		if (!o.file) {
			rc = cli_usage("cert issue --genkey: use --out FILE");
			goto out;
		}
		if (keyout)
			keypath = xstrdup(keyout);
		else if (asprintf(&keypath, "%s.key", o.file) < 0)
			abort();
		if (path_exists(keypath)) {
			err_set(FINCA_ESTATE, "%s: exists; not overwriting a key", keypath);
			rc = cli_fail(FINCA_ESTATE);
			goto out;
		}
		if ((rc = cli_passphrase("FINCA_KEY_PASSPHRASE", "Passphrase for the new key:",
					 1, kpass, sizeof kpass)) ||
		    (rc = key_generate(a, &key)) ||
		    (rc = key_save_form(keypath, key, kpass, form))) {
			OPENSSL_cleanse(kpass, sizeof kpass);
			free(keypath);
			keypath = NULL; /* nothing of ours to remove */
			rc = cli_fail(rc);
			goto out;
		}
		OPENSSL_cleanse(kpass, sizeof kpass);
		proto.pubkey = key;
		n = 1;
		rq = xcalloc(1, sizeof *rq);
		rq[0] = proto;
	} else {
		if ((rc = read_csrs(csr, &csrs)) != FINCA_OK) {
			rc = cli_fail(rc);
			goto out;
		}
		n = csrs.n;
		rq = xcalloc((size_t)n, sizeof *rq);
		for (int i = 0; i < n; i++) {
			rq[i] = proto;
			rq[i].csr_der = csrs.der[i];
			rq[i].csr_len = (size_t)csrs.len[i];
		}
	}
	if (dual) {
		if (n != 1) {
			rc = cli_usage("cert issue --dual: one CSR at a time");
			goto out;
		}
		if ((rc = issue_dual(ca, &who, &rq[0], &o)) != FINCA_OK) {
			if (keypath)
				unlink(keypath);
			rc = cli_fail(rc);
		}
		goto out;
	}
	if (o.file)
		o.mem = BIO_new(BIO_s_mem());
	if ((rc = ra_cert_issue(ca, &who, rq, (size_t)n, emit, &o)) != FINCA_OK ||
	    (rc = finish_out(&o)) != FINCA_OK) {
		if (keypath && o.n == 0)
			unlink(keypath); /* no certificate: the key is useless */
		rc = cli_fail(rc);
		if (o.n)
			fprintf(stderr, "finca: the %zu serial%s printed %s issued; write %s with "
				"'finca cert export --out-dir DIR SERIAL...'\n", o.n,
				o.n == 1 ? "" : "s", o.n == 1 ? "is" : "are",
				o.n == 1 ? "it" : "them");
		goto out;
	}
	fprintf(stderr, "issued %zu certificate%s\n", o.n, o.n == 1 ? "" : "s");
	rc = 0;
out:
	free(keypath);
	free(rq);
	EVP_PKEY_free(key);
	BIO_free(o.mem);
	csrs_free(&csrs);
	ca_free(ca);
	return rc;
}

static int status_filter(const char *s)
{
	if (!strcmp(s, "valid")) return CERT_VALID;
	if (!strcmp(s, "frozen")) return CERT_HOLD;
	if (!strcmp(s, "revoked")) return CERT_REVOKED;
	if (!strcmp(s, "expired")) return CERT_EXPIRED_FILTER;
	return -2;
}

struct list_state {
	struct ca *ca;
	json_t *arr;
	int64_t now;
};

static int list_one(void *arg, const struct cert_rec *r)
{
	struct list_state *ls = arg;
	char na[32];

	if (ls->arr) {
		json_array_append_new(ls->arr, ca_cert_json(ls->ca, r, ls->now));
		return FINCA_OK;
	}
	time_format(r->not_after, na, sizeof na);
	na[10] = '\0';
	printf("%-32s %-8s %s  %-9s %s\n", r->serial, ca_status_name(r, ls->now),
	       na, r->profile, r->subject);
	return FINCA_OK;
}

static int cert_list(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "status", required_argument, NULL, 's' },
		{ "expiring-within", required_argument, NULL, 'e' },
		{ "limit", required_argument, NULL, 'l' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct cert_filter f;
	struct list_state ls;
	struct ca *ca = NULL;
	struct actor who;
	int ch, rc, json = 0, days = -1;

	memset(&f, 0, sizeof f);
	f.status = -1;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
			if ((f.status = status_filter(optarg)) == -2)
				return cli_usage("--status %s: expected valid, frozen, revoked or expired",
						 optarg);
			break;
		case 'e':
			days = atoi(optarg);
			if (days < 0 || !*optarg)
				return cli_usage("--expiring-within %s: expected days", optarg);
			break;
		case 'l': f.limit = atoi(optarg); break;
		case 'j': json = 1; break;
		default: return cli_usage("cert list: bad option");
		}
	}
	if (optind != argc)
		return cli_usage("cert list: unexpected '%s'", argv[optind]);
	if ((rc = cli_open(c, 0, &ca)))
		return rc;
	f.now = clock_now();
	if (days >= 0)
		f.expiring_before = f.now + (int64_t)days * 86400;
	ls.ca = ca;
	ls.now = f.now;
	ls.arr = json ? json_array() : NULL;
	if ((rc = cli_actor_or_host(c, ca, &who)) == FINCA_OK)
		rc = ra_cert_each(ca, &who, &f, list_one, &ls);
	if (rc != FINCA_OK) {
		json_decref(ls.arr);
		rc = cli_fail(rc);
	} else if (json) {
		cli_json(ls.arr);
	}
	ca_free(ca);
	return rc;
}

static int cert_show(struct cli *c, int argc, char **argv)
{
	struct ca *ca = NULL;
	struct actor who;
	struct cert_rec r;
	int rc, json = 0, pem = 0;
	const char *sn = NULL;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (!strcmp(argv[i], "--pem"))
			pem = 1;
		else if (!sn && argv[i][0] != '-')
			sn = argv[i];
		else
			return cli_usage("cert show: unexpected '%s'", argv[i]);
	}
	if (!sn)
		return cli_usage("cert show SERIAL [--json] [--pem]");
	memset(&r, 0, sizeof r);
	if ((rc = cli_open(c, 0, &ca)))
		return rc;
	if ((rc = cli_actor_or_host(c, ca, &who)) || (rc = ra_cert_get(ca, &who, sn, &r))) {
		rc = cli_fail(rc);
		goto out;
	}
	if (pem) {
		const unsigned char *p = r.der;
		X509 *x = d2i_X509(NULL, &p, (long)r.der_len);
		if (x)
			PEM_write_X509(stdout, x);
		X509_free(x);
	} else {
		json_t *j = ca_cert_json(ca, &r, clock_now());
		if (json) {
			cli_json(j);
		} else {
			const char *k;
			json_t *v;
			json_object_foreach(j, k, v)
				printf("%-13s %s\n", k, json_string_value(v));
			json_decref(j);
		}
	}
out:
	cert_rec_clear(&r);
	ca_free(ca);
	return rc;
}

/* Writes stored certificates into DIR as 'cert issue --out-dir' does
 * (DIR/SERIAL.pem, the serial printed): finishes a batch stopped after its
 * commit without issuing again.  Every serial is read first, so one typo
 * writes nothing. */
static int cert_export(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out-dir", required_argument, NULL, 'O' },
		{ NULL, 0, NULL, 0 },
	};
	struct ca *ca = NULL;
	struct actor who;
	X509 **x = NULL;
	struct out o;
	int ch, rc, n;

	memset(&o, 0, sizeof o);
	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 'O')
			return cli_usage("cert export: bad option");
		o.dir = optarg;
	}
	if (!o.dir || optind == argc)
		return cli_usage("cert export --out-dir DIR SERIAL...");
	if (out_check(&o, "written") != FINCA_OK)
		return cli_fail(FINCA_EIO);
	if ((rc = cli_open(c, 0, &ca)))
		return rc;
	if ((rc = cli_actor_or_host(c, ca, &who)) != FINCA_OK) {
		ca_free(ca);
		return cli_fail(rc);
	}
	n = argc - optind;
	x = xcalloc((size_t)n, sizeof *x);
	for (int i = 0; i < n; i++) {
		struct cert_rec r;
		const unsigned char *p;
		memset(&r, 0, sizeof r);
		if ((rc = ra_cert_get(ca, &who, argv[optind + i], &r)) == FINCA_OK) {
			p = r.der;
			if (!(x[i] = d2i_X509(NULL, &p, (long)r.der_len)))
				rc = err_ssl(FINCA_EINTEGRITY, "certificate %s: stored DER does not parse",
					     r.serial);
		}
		cert_rec_clear(&r);
		if (rc != FINCA_OK) {
			char m[600];
			snprintf(m, sizeof m, "%s", err_msg());
			rc = cli_fail(err_set(rc, "%s; nothing was written", m));
			goto out;
		}
	}
	for (int i = 0; i < n && rc == FINCA_OK; i++)
		rc = emit(&o, (size_t)i, x[i]);
	if (rc != FINCA_OK) {
		rc = cli_fail(rc);
		goto out;
	}
	fprintf(stderr, "wrote %d certificate%s into %s\n", n, n == 1 ? "" : "s", o.dir);
out:
	for (int i = 0; x && i < n; i++)
		X509_free(x[i]);
	free(x);
	ca_free(ca);
	return rc;
}

static int cert_change(struct cli *c, int argc, char **argv)
{
	const char *op = argv[0], *sn = NULL, *reason = NULL;
	struct actor who;
	struct ca *ca = NULL;
	int rc, code = -1;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--reason") && i + 1 < argc)
			reason = argv[++i];
		else if (!strncmp(argv[i], "--reason=", 9))
			reason = argv[i] + 9;
		else if (!sn && argv[i][0] != '-')
			sn = argv[i];
		else
			return cli_usage("cert %s: unexpected '%s'", op, argv[i]);
	}
	if (!sn)
		return cli_usage("cert %s SERIAL%s", op,
				 !strcmp(op, "revoke") ? " --reason REASON" : "");
	if (!strcmp(op, "revoke")) {
		if (!reason)
			return cli_usage("cert revoke: --reason is required (e.g. keyCompromise, "
					 "affiliationChanged, superseded, cessationOfOperation)");
		if ((code = ca_reason_parse(reason)) < 0)
			return cli_usage("--reason %s: not an RFC 5280 reason", reason);
	} else if (reason) {
		return cli_usage("cert %s: takes no --reason", op);
	}
	if ((rc = cli_open(c, 0, &ca)))
		return rc;
	if ((rc = cli_actor_or_host(c, ca, &who)) == FINCA_OK)
		rc = ra_cert_change(ca, &who, sn, !strcmp(op, "revoke") ? OP_REVOKE :
				    !strcmp(op, "freeze") ? OP_FREEZE : OP_UNFREEZE, code);
	if (rc != FINCA_OK)
		rc = cli_fail(rc);
	else
		printf("%s: %s\n", sn, !strcmp(op, "revoke") ? "revoked" :
		       !strcmp(op, "freeze") ? "frozen" : "unfrozen");
	ca_free(ca);
	return rc;
}

static int cert_renew(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "csr", required_argument, NULL, 'c' },
		{ "subject", required_argument, NULL, 's' },
		{ "days", required_argument, NULL, 'D' },
		{ "id-number", required_argument, NULL, 'i' },
		{ "unit-code", required_argument, NULL, 'u' },
		{ "out", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	int update = !strcmp(argv[0], "update");
	const char *csr = NULL, *outf = NULL;
	struct csrs csrs = { NULL, NULL, 0 };
	struct issue_req over;
	struct actor who;
	struct ca *ca = NULL;
	X509 *x = NULL;
	struct out o;
	int ch, rc;

	memset(&over, 0, sizeof over);
	memset(&o, 0, sizeof o);
	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': csr = optarg; break;
		case 's':
		case 'i':
		case 'u':
			if (!update)
				return cli_usage("cert renew keeps the subject; use cert update");
			if (ch == 's') over.subject = optarg;
			if (ch == 'i') over.id_number = optarg;
			if (ch == 'u') over.unit_code = optarg;
			break;
		case 'D':
			over.days = atoi(optarg);
			if (over.days <= 0)
				return cli_usage("--days %s: expected a positive number", optarg);
			break;
		case 'o': outf = optarg; break;
		default: return cli_usage("cert %s: bad option", argv[0]);
		}
	}
	if (optind + 1 != argc || !outf)
		return cli_usage("cert %s SERIAL ... --out FILE", argv[0]);
	o.file = outf;
	if (out_check(&o, "issued") != FINCA_OK)
		return cli_fail(FINCA_EIO);
	if ((rc = cli_open(c, 1, &ca)))
		return rc;
	if (csr) {
		if ((rc = read_csrs(csr, &csrs)) != FINCA_OK) {
			rc = cli_fail(rc);
			goto out;
		}
		if (csrs.n != 1) {
			rc = cli_usage("--csr %s: expected one request", csr);
			goto out;
		}
		over.csr_der = csrs.der[0];
		over.csr_len = (size_t)csrs.len[0];
	}
	o.mem = BIO_new(BIO_s_mem());
	if ((rc = cli_actor_or_host(c, ca, &who)) ||
	    (rc = ra_cert_renew(ca, &who, update ? OP_UPDATE : OP_RENEW, argv[optind], &over, &x)) ||
	    (rc = emit(&o, 0, x)) || (rc = finish_out(&o))) {
		rc = cli_fail(rc);
		goto out;
	}
	fprintf(stderr, "%s %s: new certificate written to %s\n",
		update ? "updated" : "renewed", argv[optind], outf);
out:
	X509_free(x);
	BIO_free(o.mem);
	csrs_free(&csrs);
	ca_free(ca);
	return rc;
}

static int cert_verify(struct cli *c, int argc, char **argv)
{
	STACK_OF(X509) *certs = NULL;
	struct verify_result v;
	struct ca *ca = NULL;
	char t[32];
	int rc;

	if (argc != 2)
		return cli_usage("cert verify FILE");
	if ((rc = cli_open(c, 0, &ca)))
		return rc;
	if ((rc = cli_read_certs(argv[1], &certs)) ||
	    (rc = ca_verify(ca, sk_X509_value(certs, 0), &v))) {
		rc = cli_fail(rc);
		goto out;
	}
	printf("serial   %s\n", v.serial);
	printf("chain    %s\n", v.chain_ok == 1 ? "ok" : v.chain_error);
	printf("status   %s", v.status);
	if (!strcmp(v.status, "revoked") || !strcmp(v.status, "frozen")) {
		time_format(v.revoked_at, t, sizeof t);
		printf(" (%s, %s)", ca_reason_name(v.reason), t);
	}
	printf("\n");
	time_format(v.not_after, t, sizeof t);
	printf("expires  %s\n", t);
	rc = v.chain_ok == 1 && !strcmp(v.status, "valid") ? 0 : 1;
out:
	sk_X509_pop_free(certs, X509_free);
	ca_free(ca);
	return rc;
}

int cmd_cert(struct cli *c, int argc, char **argv)
{
	const char *sub;

	if (argc < 2)
		return cli_usage("cert: expected issue, export, show, list, revoke, freeze, "
				 "unfreeze, renew, update or verify");
	sub = argv[1];
	argc--;
	argv++;
	if (!strcmp(sub, "issue"))
		return cert_issue(c, argc, argv);
	if (!strcmp(sub, "list"))
		return cert_list(c, argc, argv);
	if (!strcmp(sub, "show"))
		return cert_show(c, argc, argv);
	if (!strcmp(sub, "export"))
		return cert_export(c, argc, argv);
	if (!strcmp(sub, "revoke") || !strcmp(sub, "freeze") || !strcmp(sub, "unfreeze"))
		return cert_change(c, argc, argv);
	if (!strcmp(sub, "renew") || !strcmp(sub, "update"))
		return cert_renew(c, argc, argv);
	if (!strcmp(sub, "verify"))
		return cert_verify(c, argc, argv);
	return cli_usage("cert: unknown subcommand '%s'", sub);
}
