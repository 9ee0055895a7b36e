#include "ca/config.h"
#include "util/err.h"
#include "util/util.h"

#include <ini.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	unsigned bit;
} ku_names[] = {
	{ "digitalSignature", KU_DIGITAL_SIGNATURE },
	{ "nonRepudiation", KU_NON_REPUDIATION },
	{ "contentCommitment", KU_NON_REPUDIATION },
	{ "keyEncipherment", KU_KEY_ENCIPHERMENT },
	{ "dataEncipherment", KU_DATA_ENCIPHERMENT },
	{ "keyAgreement", KU_KEY_AGREEMENT },
	{ "keyCertSign", KU_KEY_CERT_SIGN },
	{ "cRLSign", KU_CRL_SIGN },
	{ "encipherOnly", KU_ENCIPHER_ONLY },
	{ "decipherOnly", KU_DECIPHER_ONLY },
};

/* Subject attributes a profile may allow. */
static const char *const dn_attrs[] = {
	"C", "ST", "L", "O", "OU", "CN", "emailAddress", "serialNumber",
	"title", "street", "postalCode", "givenName", "SN",
};

struct load {
	struct config *c;
	char err[512];
};

static void trim_copy(char *dst, size_t n, const char *s, size_t len)
{
	while (len && (*s == ' ' || *s == '\t'))
		s++, len--;
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (len >= n)
		len = n - 1;
	memcpy(dst, s, len);
	dst[len] = '\0';
}

int config_each_item(const char *list, int (*fn)(void *, const char *), void *arg)
{
	char item[128];
	const char *p = list;

	while (*p) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		int r;
		trim_copy(item, sizeof item, p, len);
		if (item[0] && (r = fn(arg, item)) != 0)
			return r;
		p += len + (e ? 1 : 0);
	}
	return 0;
}

int config_parse_int(const char *v, int lo, int hi, int *out)
{
	char *e;
	long n = strtol(v, &e, 10);

	if (!*v || *e || n < lo || n > hi)
		return -1;
	*out = (int)n;
	return 0;
}

static int parse_bool(const char *v, int *out)
{
	if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1"))
		*out = 1;
	else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0"))
		*out = 0;
	else
		return -1;
	return 0;
}

struct ku_acc {
	unsigned bits;
	char bad[128];
};

static int ku_item(void *arg, const char *item)
{
	struct ku_acc *a = arg;

	for (size_t i = 0; i < ARRAY_LEN(ku_names); i++)
		if (!strcmp(item, ku_names[i].name)) {
			a->bits |= ku_names[i].bit;
			return 0;
		}
	snprintf(a->bad, sizeof a->bad, "%s", item);
	return -1;
}

static int eku_item(void *arg, const char *item)
{
	(void)arg;
	return OBJ_txt2nid(item) == NID_undef ? -1 : 0;
}

static int oid_item(void *arg, const char *item)
{
	ASN1_OBJECT *o = OBJ_txt2obj(item, 1);

	(void)arg;
	ASN1_OBJECT_free(o);
	return o ? 0 : -1;
}

static int attr_item(void *arg, const char *item)
{
	(void)arg;
	for (size_t i = 0; i < ARRAY_LEN(dn_attrs); i++)
		if (!strcmp(item, dn_attrs[i]))
			return 0;
	return -1;
}

static int fail(struct load *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct load *l, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(l->err, sizeof l->err, fmt, ap);
	va_end(ap);
	return 0; /* tells inih to stop and report the line */
}

/* The registry of the modules' sections, in rank order.  Filled by the
 * modules' constructors before main (config_section_register), read only
 * afterwards: no lock. */
#define SECTIONS_MAX 16
static const struct config_section *sections[SECTIONS_MAX];
static size_t nsections;

void config_section_register(const struct config_section *s)
{
	size_t i;

	if (nsections == SECTIONS_MAX)
		abort(); /* a programming error: raise SECTIONS_MAX */
	for (i = nsections; i > 0 && sections[i - 1]->rank > s->rank; i--)
		sections[i] = sections[i - 1];
	sections[i] = s;
	nsections++;
}

const void *config_section(const struct config *c, const struct config_section *s)
{
	for (size_t i = 0; i < c->nsections; i++)
		if (sections[i] == s)
			return c->sections[i];
	return NULL;
}

/* A registered section's line: 1 to go on, 0 (fail) to stop. */
static int set_section(struct load *l, size_t i, const char *name, const char *v)
{
	int rc = sections[i]->set(l->c->sections[i], name, v);

	if (rc == CONFIG_NO_KEY)
		return fail(l, "[%s]: unknown setting '%s'", sections[i]->name, name);
	if (rc != FINCA_OK)
		return fail(l, "%s", err_msg());
	return 1;
}

int config_set_int(const char *section, const struct config_int *k, size_t n,
		   void *data, const char *key, const char *v)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(key, k[i].name))
			return config_parse_int(v, k[i].lo, k[i].hi,
						(int *)(void *)((char *)data + k[i].off))
			       ? err_set(FINCA_ECONFIG, "[%s] %s: '%s' is not a number from %d to %d",
					 section, key, v, k[i].lo, k[i].hi) : FINCA_OK;
	return CONFIG_NO_KEY;
}

static int set_ca(struct load *l, const char *name, const char *v)
{
#define CA_INT(name, field, lo, hi) CONFIG_INT(name, struct config, field, lo, hi)
	static const struct config_int ints[] = {
		CA_INT("crl_validity_hours", crl_hours, 1, 24 * 366),
		CA_INT("delta_crl_validity_hours", delta_crl_hours, 1, 24 * 366),
		CA_INT("workers", workers, 0, 256),
		CA_INT("commit_group", commit_group, 1, 100000),
		CA_INT("renewal_days", renewal_days, 0, 3650),
		CA_INT("audit_checkpoint_every", checkpoint_every, 1, 1000000),
	};
#undef CA_INT
	struct config *c = l->c;
	int rc = config_set_int("ca", ints, ARRAY_LEN(ints), c, name, v);

	if (rc == FINCA_OK)
		return 1;
	if (rc < 0)
		return fail(l, "%s", err_msg());
	if (!strcmp(name, "name")) {
		free(c->name);
		c->name = xstrdup(v);
	} else if (!strcmp(name, "base_url")) {
		if (strncmp(v, "http://", 7) && strncmp(v, "https://", 8))
			return fail(l, "[ca] %s: '%s' is not an http:// URL",
				    name, v);
		free(c->base_url);
		c->base_url = xstrdup(v);
		/* no trailing slash: URLs are built as base_url + "/crl/..." */
		while (strlen(c->base_url) > 8 &&
		       c->base_url[strlen(c->base_url) - 1] == '/')
			c->base_url[strlen(c->base_url) - 1] = '\0';
	} else if (!strcmp(name, "key_store")) {
		if (strcmp(v, "file") && strcmp(v, "pkcs11"))
			return fail(l, "[ca] %s: '%s' is not 'file' or 'pkcs11'", name, v);
		free(c->key_store);
		c->key_store = xstrdup(v);
	} else if (!strcmp(name, "pkcs11_module")) {
		free(c->pkcs11_module);
		c->pkcs11_module = xstrdup(v);
	} else if (!strcmp(name, "pkcs11_token")) {
		free(c->pkcs11_token);
		c->pkcs11_token = xstrdup(v);
	} else {
		return fail(l, "[ca]: unknown setting '%s'", name);
	}
	return 1;
}

static int set_identity(struct load *l, const char *name, const char *v)
{
	struct config *c = l->c;
	char **dst;

	if (!strcmp(name, "resident_id_oid"))
		dst = &c->resident_id_oid;
	else if (!strcmp(name, "unit_code_oid"))
		dst = &c->unit_code_oid;
	else
		return fail(l, "[identity]: unknown setting '%s'", name);
	if (oid_item(NULL, v))
		return fail(l, "[identity] %s: '%s' is not an OID", name, v);
	free(*dst);
	*dst = xstrdup(v);
	return 1;
}

static int set_profile(struct load *l, struct profile *p, const char *name,
		       const char *v)
{
	const char *pn = p->name;
	char **dst = NULL;

	if (!strcmp(name, "class")) {
		if ((p->klass = profile_class_parse(v)) < 0)
			return fail(l, "[profile %s] class: '%s' is not subscriber, account, "
				    "service or ca", pn, v);
	} else if (!strcmp(name, "issuer")) {
		if (strcmp(v, "issuing") && strcmp(v, "service"))
			return fail(l, "[profile %s] issuer: '%s' is not 'issuing' or 'service'",
				    pn, v);
		snprintf(p->issuer, sizeof p->issuer, "%s", v);
	} else if (!strcmp(name, "validity_days")) {
		if (config_parse_int(v, 1, 36500, &p->validity_days))
			return fail(l, "[profile %s] validity_days: '%s' is not 1..36500",
				    pn, v);
	} else if (!strcmp(name, "key_usage")) {
		struct ku_acc a = { 0, "" };
		if (config_each_item(v, ku_item, &a))
			return fail(l, "[profile %s] key_usage: unknown usage '%s'",
				    pn, a.bad);
		p->key_usage = a.bits;
	} else if (!strcmp(name, "extended_key_usage")) {
		if (config_each_item(v, eku_item, NULL))
			return fail(l, "[profile %s] extended_key_usage: unknown purpose in '%s'",
				    pn, v);
		dst = &p->eku;
	} else if (!strcmp(name, "ca")) {
		if (parse_bool(v, &p->ca))
			goto badbool;
	} else if (!strcmp(name, "pathlen")) {
		if (config_parse_int(v, -1, 10, &p->pathlen))
			return fail(l, "[profile %s] pathlen: '%s' is not -1..10",
				    pn, v);
	} else if (!strcmp(name, "subject")) {
		if (config_each_item(v, attr_item, NULL))
			return fail(l, "[profile %s] subject: unknown attribute in '%s'",
				    pn, v);
		dst = &p->subject_allowed;
	} else if (!strcmp(name, "subject_required")) {
		if (config_each_item(v, attr_item, NULL))
			return fail(l, "[profile %s] subject_required: unknown attribute in '%s'",
				    pn, v);
		dst = &p->subject_required;
	} else if (!strcmp(name, "policies")) {
		if (config_each_item(v, oid_item, NULL))
			return fail(l, "[profile %s] policies: '%s' is not a list of OIDs",
				    pn, v);
		dst = &p->policies;
	} else if (!strcmp(name, "identity")) {
		if (!strcmp(v, "none"))
			p->identity = IDENT_NONE;
		else if (!strcmp(v, "person"))
			p->identity = IDENT_PERSON;
		else if (!strcmp(v, "unit"))
			p->identity = IDENT_UNIT;
		else
			return fail(l, "[profile %s] identity: '%s' is not none, person or unit",
				    pn, v);
	} else if (!strcmp(name, "genkey")) {
		if (parse_bool(v, &p->genkey))
			goto badbool;
	} else if (!strcmp(name, "ocsp_nocheck")) {
		if (parse_bool(v, &p->ocsp_nocheck))
			goto badbool;
	} else if (!strcmp(name, "san_from_cn")) {
		if (parse_bool(v, &p->san_from_cn))
			goto badbool;
	} else if (!strcmp(name, "basic_constraints")) {
		if (!strcmp(v, "auto"))
			p->basic_constraints = -1;
		else if (parse_bool(v, &p->basic_constraints))
			return fail(l, "[profile %s] basic_constraints: '%s' is not yes, no or auto",
				    pn, v);
	} else if (!strcmp(name, "dual")) {
		if (!strcmp(v, "auto"))
			p->dual = -1;
		else if (parse_bool(v, &p->dual))
			return fail(l, "[profile %s] dual: '%s' is not yes, no or auto",
				    pn, v);
	} else if (!strcmp(name, "tokens")) {
		if (config_parse_int(v, 1, 100, &p->tokens))
			return fail(l, "[profile %s] tokens: '%s' is not a number from 1 to 100",
				    pn, v);
	} else if (!strcmp(name, "title_zh") || !strcmp(name, "title_en")) {
		if (strlen(v) > 64)
			return fail(l, "[profile %s] %s: longer than 64 bytes", pn, name);
		dst = name[6] == 'z' ? &p->title_zh : &p->title_en;
	} else {
		return fail(l, "[profile %s]: unknown setting '%s'", pn, name);
	}
	if (dst) {
		free(*dst);
		*dst = *v ? xstrdup(v) : NULL;
	}
	return 1;
badbool:
	return fail(l, "[profile %s] %s: '%s' is not yes or no", pn, name, v);
}

static struct profile *profile_get(struct config *c, const char *name)
{
	for (size_t i = 0; i < c->nprofiles; i++)
		if (!strcmp(c->profiles[i].name, name))
			return &c->profiles[i];
	c->profiles = xrealloc(c->profiles, (c->nprofiles + 1) * sizeof *c->profiles);
	struct profile *p = &c->profiles[c->nprofiles++];
	memset(p, 0, sizeof *p);
	snprintf(p->name, sizeof p->name, "%s", name);
	snprintf(p->issuer, sizeof p->issuer, "issuing");
	p->pathlen = -1;
	p->tokens = 1;
	p->basic_constraints = -1;
	p->dual = -1;
	return p;
}

static int handler(void *user, const char *section, const char *name,
		   const char *value)
{
	struct load *l = user;

	if (!strcmp(section, "ca"))
		return set_ca(l, name, value);
	if (!strcmp(section, "identity"))
		return set_identity(l, name, value);
	for (size_t i = 0; i < l->c->nsections; i++)
		if (!strcmp(section, sections[i]->name))
			return set_section(l, i, name, value);
	if (!strncmp(section, "profile ", 8)) {
		const char *pn = section + 8;
		if (!*pn || strlen(pn) >= sizeof(((struct profile *)0)->name) ||
		    strspn(pn, "abcdefghijklmnopqrstuvwxyz0123456789_-") != strlen(pn))
			return fail(l, "[%s]: profile names are lowercase letters, digits, '-' and '_'",
				    section);
		return set_profile(l, profile_get(l->c, pn), name, value);
	}
	return fail(l, "unknown section [%s]", section);
}

/* Rules across fields, checked once the whole file is read. */
static int check_profile(const struct config *c, const struct profile *p)
{
	if (p->validity_days == 0)
		return err_set(FINCA_ECONFIG, "%s: [profile %s] validity_days: missing",
			       c->path, p->name);
	if (p->key_usage == 0)
		return err_set(FINCA_ECONFIG, "%s: [profile %s] key_usage: missing",
			       c->path, p->name);
	if (!p->subject_allowed)
		return err_set(FINCA_ECONFIG, "%s: [profile %s] subject: missing",
			       c->path, p->name);
	if (p->ca && !(p->key_usage & KU_KEY_CERT_SIGN))
		return err_set(FINCA_ECONFIG,
			       "%s: [profile %s] key_usage: a CA profile needs keyCertSign",
			       c->path, p->name);
	if (!p->ca && (p->key_usage & (KU_KEY_CERT_SIGN | KU_CRL_SIGN)))
		return err_set(FINCA_ECONFIG,
			       "%s: [profile %s] key_usage: keyCertSign/cRLSign only in CA profiles (RFC 5280 4.2.1.3)",
			       c->path, p->name);
	if (p->ca && p->basic_constraints == 0)
		return err_set(FINCA_ECONFIG,
			       "%s: [profile %s] basic_constraints: a CA profile keeps them "
			       "(RFC 5280 4.2.1.9)", c->path, p->name);
	if (p->dual == 1 && !profile_may_pair(p))
		return err_set(FINCA_ECONFIG,
			       "%s: [profile %s] dual: pairs are for subscribers' and TLS servers' "
			       "profiles only",
			       c->path, p->name);
	if (p->pathlen >= 0 && !p->ca)
		return err_set(FINCA_ECONFIG,
			       "%s: [profile %s] pathlen: only for CA profiles",
			       c->path, p->name);
	/* a subscriber's certificate must not sign certificates, OCSP answers
	 * or stand in for the daemon (profile_may_issue lets operators have
	 * subscriber certificates made) */
	if (p->klass == PCLASS_SUBSCRIBER &&
	    (p->ca || !strcmp(p->issuer, "service") ||
	     (p->eku && strcasestr(p->eku, "OCSPSigning"))))
		return err_set(FINCA_ECONFIG, "%s: [profile %s] class: a subscriber profile "
			       "cannot be a CA, come from the service CA or sign OCSP answers",
			       c->path, p->name);
	if (p->ca && p->klass == PCLASS_ACCOUNT)
		return err_set(FINCA_ECONFIG, "%s: [profile %s] class: a CA profile is class ca",
			       c->path, p->name);
	return FINCA_OK;
}

int config_load(const char *path, struct config **out)
{
	struct load l;
	struct config *c = xcalloc(1, sizeof *c);
	int line, rc;

	c->path = xstrdup(path);
	c->crl_hours = 24;
	c->delta_crl_hours = 4;
	c->commit_group = 256;
	c->checkpoint_every = 1000;
	c->renewal_days = 30;
	c->resident_id_oid = xstrdup("1.2.156.10260.4.1.1");
	c->unit_code_oid = xstrdup("1.2.156.10260.4.1.4");
	/* the sections registered now, each with its defaults */
	c->nsections = nsections;
	c->sections = xcalloc(nsections ? nsections : 1, sizeof *c->sections);
	for (size_t i = 0; i < nsections; i++) {
		c->sections[i] = xcalloc(1, sections[i]->size);
		if (sections[i]->defaults)
			sections[i]->defaults(c->sections[i]);
	}
	l.c = c;
	l.err[0] = '\0';
	line = ini_parse(path, handler, &l);
	if (line == -1) {
		rc = err_set(FINCA_ENOTFOUND, "%s: cannot open the configuration",
			     path);
		goto fail;
	}
	if (line != 0) {
		rc = err_set(FINCA_ECONFIG, "%s:%d: %s", path, line,
			     l.err[0] ? l.err : "syntax error");
		goto fail;
	}
	if (!c->name || !c->base_url) {
		rc = err_set(FINCA_ECONFIG, "%s: [ca] %s: missing", path,
			     c->name ? "base_url" : "name");
		goto fail;
	}
	if (!c->key_store)
		c->key_store = xstrdup("file");
	if (!strcmp(c->key_store, "pkcs11") && (!c->pkcs11_module || !c->pkcs11_token)) {
		rc = err_set(FINCA_ECONFIG, "%s: [ca] key_store = pkcs11 needs %s", path,
			     c->pkcs11_module ? "pkcs11_token" : "pkcs11_module");
		goto fail;
	}
	for (size_t i = 0; i < c->nsections; i++)
		if (sections[i]->check &&
		    (rc = sections[i]->check(c->sections[i])) != FINCA_OK) {
			snprintf(l.err, sizeof l.err, "%s", err_msg());
			rc = err_set(FINCA_ECONFIG, "%s: %s", path, l.err);
			goto fail;
		}
	for (size_t i = 0; i < c->nprofiles; i++)
		if ((rc = check_profile(c, &c->profiles[i])) != FINCA_OK)
			goto fail;
	*out = c;
	return FINCA_OK;
fail:
	config_free(c);
	return rc;
}

void config_free(struct config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nprofiles; i++) {
		struct profile *p = &c->profiles[i];
		free(p->eku);
		free(p->subject_allowed);
		free(p->subject_required);
		free(p->policies);
		free(p->title_zh);
		free(p->title_en);
		sk_X509_EXTENSION_pop_free(p->exts, X509_EXTENSION_free);
	}
	free(c->profiles);
	free(c->path);
	free(c->name);
	free(c->base_url);
	free(c->resident_id_oid);
	free(c->unit_code_oid);
	for (size_t i = 0; i < c->nsections; i++) {
		if (c->sections[i] && sections[i]->free)
			sections[i]->free(c->sections[i]);
		free(c->sections[i]);
	}
	free(c->sections);
	free(c->key_store);
	free(c->pkcs11_module);
	free(c->pkcs11_token);
	free(c);
}

const struct profile *config_profile(const struct config *c, const char *name)
{
	for (size_t i = 0; i < c->nprofiles; i++)
		if (!strcmp(c->profiles[i].name, name))
			return &c->profiles[i];
	err_set(FINCA_EINVAL, "profile '%s': no such profile in %s", name,
		c->path);
	return NULL;
}

/* Before the registered sections: [ca] (three %s: name, base_url and the
 * key store lines). */
static const char default_head[] =
"# finca configuration.\n"
"#\n"
"# Read at every start; a mistake is reported with its line and nothing runs.\n"
"# Every change to this file is recorded in the audit trail the next time\n"
"# finca opens the data directory.  Lines starting with '#' are comments.\n"
"\n"
"[ca]\n"
"# Name used in the CA certificates' subjects (set at 'finca init').\n"
"name = %s\n"
"# Base URL of the daemon's plain-HTTP side.  Certificates carry\n"
"#   CRL distribution point  BASE_URL/crl/issuing.crl (delta: /crl/issuing-delta.crl)\n"
"#   OCSP responder          BASE_URL/ocsp\n"
"#   CA issuers              BASE_URL/ca/issuing.crt\n"
"base_url = %s\n"
"# Where the root and issuing CA keys live: file (PKCS#8 encrypted under the\n"
"# CA passphrase, in ca/) or pkcs11 (an HSM: keys labelled finca-root and\n"
"# finca-issuing in the token; FINCA_PASSPHRASE is then the token's PIN).\n"
"%s"
"# Hours from thisUpdate to nextUpdate of full and delta CRLs.\n"
"crl_validity_hours = 24\n"
"delta_crl_validity_hours = 4\n"
"# Threads that verify requests and sign certificates (0: one per core).\n"
"workers = 0\n"
"# Certificates committed to the database per transaction in batch issuance.\n"
"# A certificate is never written out before its transaction is durable.\n"
"commit_group = 256\n"
"# Sign an audit checkpoint at least every N records.\n"
"audit_checkpoint_every = 1000\n"
"# Days before expiry from which the authentication API says renewal_due\n"
"# (the automatic expiry prompt of art. 14).\n"
"renewal_days = 30\n"
"\n";

/* After the registered sections. */
static const char default_tail[] =
"[identity]\n"
"# GM/T 0015 identity extensions.  The 2023 revision moved some OIDs;\n"
"# set what your relying parties expect.\n"
"# Resident ID number of a person (IdentifyCode, [0] PrintableString).\n"
"resident_id_oid = 1.2.156.10260.4.1.1\n"
"# Unified social credit code of a unit (PrintableString).\n"
"unit_code_oid = 1.2.156.10260.4.1.4\n"
"\n"
"# Profiles.  Settings:\n"
"#   issuer              issuing (the CA hierarchy) or service (the P-256 TLS CA)\n"
"#   validity_days       default and maximum validity\n"
"#   key_usage           digitalSignature, nonRepudiation, keyEncipherment,\n"
"#                       dataEncipherment, keyAgreement, keyCertSign, cRLSign\n"
"#   extended_key_usage  clientAuth, serverAuth, emailProtection, OCSPSigning, ...\n"
"#   ca, pathlen         CA certificates only\n"
"#   subject             attributes a request may set (C, ST, L, O, OU, CN, ...)\n"
"#   subject_required    attributes a request must set\n"
"#   policies            certificate policy OIDs\n"
"#   identity            none, person (resident ID number) or unit (credit code)\n"
"#   genkey              yes: finca may generate the key (devices, units)\n"
"#   ocsp_nocheck        yes: id-pkix-ocsp-nocheck (OCSP signers)\n"
"#   san_from_cn         yes: the CN is copied into a DNS subjectAltName\n"
"#   tokens              USBKeys a holder may have in use at once (default 1)\n"
"#   basic_constraints   auto (default): end-entity certificates of an SM2 CA\n"
"#                       leave BasicConstraints out (GM/T 0015; TLCP stacks\n"
"#                       refuse CA:FALSE), others carry CA:FALSE; yes, no\n"
"#   dual                auto (default): subscriber profiles of an SM2 CA may\n"
"#                       issue dual certificates (signing + KM-made encryption\n"
"#                       key, GM/T 0034); yes: also under a P-256 CA; no\n"
"#   title_zh, title_en  the name the console shows (个人证书); the shipped\n"
"#                       profiles have theirs built in\n"
"#   class               who may have it made (README, \"Who issues what\"):\n"
"#                       subscriber (operators, in their scope), account,\n"
"#                       service (the default) or ca (the CA host only)\n"
"\n"
"# A person's signature certificate, on a USBKey (GM/T 0015: digitalSignature\n"
"# and nonRepudiation).\n"
"[profile personal]\nclass = subscriber\n"
"validity_days = 730\n"
"key_usage = digitalSignature, nonRepudiation\n"
"extended_key_usage = clientAuth, emailProtection\n"
"subject = C, ST, L, O, OU, CN, emailAddress\n"
"subject_required = CN\n"
"identity = person\n"
"\n"
"# A unit's certificate (单位证书).\n"
"[profile unit]\nclass = subscriber\n"
"validity_days = 730\n"
"key_usage = digitalSignature, nonRepudiation\n"
"extended_key_usage = clientAuth, emailProtection\n"
"subject = C, ST, L, O, OU, CN\n"
"subject_required = CN, O\n"
"identity = unit\n"
"genkey = yes\n"
"\n"
"# A device's certificate, key kept on the device's disk (art. 10).\n"
"[profile device]\nclass = subscriber\n"
"validity_days = 1095\n"
"key_usage = digitalSignature, keyEncipherment\n"
"extended_key_usage = clientAuth, serverAuth\n"
"subject = C, ST, L, O, OU, CN\n"
"subject_required = CN\n"
"genkey = yes\n"
"\n"
"# A TLS server.\n"
"[profile server]\nclass = service\n"
"validity_days = 397\n"
"key_usage = digitalSignature, keyEncipherment\n"
"extended_key_usage = serverAuth\n"
"subject = C, ST, L, O, OU, CN\n"
"subject_required = CN\n"
"genkey = yes\n"
"san_from_cn = yes\n"
"\n"
"# Administrators, operators, approvers, information officers, auditors.\n"
"[profile operator]\nclass = account\n"
"validity_days = 730\n"
"key_usage = digitalSignature, nonRepudiation\n"
"extended_key_usage = clientAuth\n"
"subject = C, ST, L, O, OU, CN\n"
"subject_required = CN\n"
"identity = person\n"
"\n"
"# The delegated OCSP signer (RFC 6960 4.2.2.2).\n"
"[profile ocsp]\nclass = service\n"
"validity_days = 30\n"
"key_usage = digitalSignature, nonRepudiation\n"
"extended_key_usage = OCSPSigning\n"
"subject = C, O, OU, CN\n"
"subject_required = CN\n"
"ocsp_nocheck = yes\n"
"genkey = yes\n"
"\n"
"# The daemon's HTTPS certificate, from the P-256 service CA (browsers and\n"
"# TLS stacks do not speak SM2).  An IP address as CN becomes an IP SAN.\n"
"[profile tls-server]\nclass = service\n"
"issuer = service\n"
"validity_days = 397\n"
"key_usage = digitalSignature, keyEncipherment\n"
"extended_key_usage = serverAuth\n"
"subject = C, O, OU, CN\n"
"subject_required = CN\n"
"genkey = yes\n"
"san_from_cn = yes\n"
"\n"
"# TLS client certificates for console accounts and application systems\n"
"# (mutual TLS), from the service CA.\n"
"[profile tls-client]\nclass = account\n"
"issuer = service\n"
"validity_days = 730\n"
"key_usage = digitalSignature\n"
"extended_key_usage = clientAuth\n"
"subject = C, ST, L, O, OU, CN\n"
"subject_required = CN\n"
"genkey = yes\n"
"\n"
"# A subordinate CA (for a city node with its own CA).\n"
"[profile subca]\nclass = ca\n"
"validity_days = 3650\n"
"key_usage = keyCertSign, cRLSign\n"
"ca = yes\n"
"pathlen = 0\n"
"subject = C, ST, L, O, OU, CN\n"
"subject_required = CN, O\n";

/* s followed by t, in a new string; frees s. */
static char *text_append(char *s, const char *t)
{
	size_t n = strlen(s), m = strlen(t);
	char *r = xrealloc(s, n + m + 1);

	memcpy(r + n, t, m + 1);
	return r;
}

char *config_default_text(const char *name, const char *base_url,
			  const char *module, const char *token)
{
	char *s, *ks;

	if (module) {
		if (asprintf(&ks, "key_store = pkcs11\npkcs11_module = %s\npkcs11_token = %s\n",
			     module, token) < 0)
			abort();
	} else {
		ks = xstrdup("key_store = file\n");
	}
	if (asprintf(&s, default_head, name, base_url, ks) < 0)
		abort();
	free(ks);
	for (size_t i = 0; i < nsections; i++)
		s = text_append(s, sections[i]->default_text);
	return text_append(s, default_tail);
}
