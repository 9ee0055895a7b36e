#include "ca/profile.h"
#include "crypto/key.h"
#include "util/err.h"
#include "util/util.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

static int add_conf_ext(STACK_OF(X509_EXTENSION) *sk, X509V3_CTX *ctx, int nid,
			const char *value, const struct profile *p)
{
	X509_EXTENSION *e;

	ERR_clear_error();
	if ((e = X509V3_EXT_conf_nid(NULL, ctx, nid, value)) == NULL)
		return err_ssl_why(FINCA_ECONFIG, "profile.extension",
				   "profile %s: extension %s = '%s'",
				   p->name, OBJ_nid2sn(nid), value);
	if (!sk_X509_EXTENSION_push(sk, e)) {
		X509_EXTENSION_free(e);
		return err_why(FINCA_ENOMEM, NULL, "util.no_memory", "out of memory");
	}
	return FINCA_OK;
}

/* The key usage bits by their RFC 5280 names (4.2.1.3), in bit order. */
static const struct { unsigned bit; const char *name; } ku_names[] = {
	{ KU_DIGITAL_SIGNATURE, "digitalSignature" },
	{ KU_NON_REPUDIATION, "nonRepudiation" },
	{ KU_KEY_ENCIPHERMENT, "keyEncipherment" },
	{ KU_DATA_ENCIPHERMENT, "dataEncipherment" },
	{ KU_KEY_AGREEMENT, "keyAgreement" },
	{ KU_KEY_CERT_SIGN, "keyCertSign" },
	{ KU_CRL_SIGN, "cRLSign" },
	{ KU_ENCIPHER_ONLY, "encipherOnly" },
	{ KU_DECIPHER_ONLY, "decipherOnly" },
};

static void ku_string(unsigned bits, char *out, size_t n)
{
	snprintf(out, n, "critical");
	for (size_t i = 0; i < ARRAY_LEN(ku_names); i++)
		if (bits & ku_names[i].bit) {
			strncat(out, ",", n - strlen(out) - 1);
			strncat(out, ku_names[i].name, n - strlen(out) - 1);
		}
}

/* Who may have which certificates made.  Role system is the CA host (the
 * command line without --as, holding the data directory and the CA
 * passphrase) and the daemon itself; operators make subscribers'
 * certificates, within their node (ra/cert.c checks the subject's scope).
 * Nothing else is ever issued through the API or by an operator: an OCSP
 * signer would sign "good" for a revoked certificate, a TLS server
 * certificate from the service CA would impersonate the console. */
static const struct {
	int klass;
	const char *name, *roles, *who;
	const char *refused; /* the reason of a refusal (util/msg_zh_core.c) */
} classes[] = {
	{ PCLASS_SUBSCRIBER, "subscriber", "operator system",
	  "operators of the making node, and the CA host", "profile.class_subscriber" },
	{ PCLASS_ACCOUNT, "account", "system",
	  "the administrator on the CA host (account certificates)", "profile.class_account" },
	{ PCLASS_SERVICE, "service", "system",
	  "the CA host and the daemon itself (OCSP, TLS servers)", "profile.class_service" },
	{ PCLASS_CA, "ca", "system", "a key ceremony on the CA host", "profile.class_ca" },
};

int profile_class_parse(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(classes); i++)
		if (!strcmp(classes[i].name, name))
			return classes[i].klass;
	return -1;
}

static size_t class_of(const struct profile *p)
{
	int k = p->ca ? PCLASS_CA : p->klass;
	size_t i = 0;

	while (i + 1 < ARRAY_LEN(classes) && classes[i].klass != k)
		i++;
	return i;
}

int profile_may_pair(const struct profile *p)
{
	if (p->ca)
		return 0;
	if (p->klass == PCLASS_SUBSCRIBER)
		return 1;
	return p->klass == PCLASS_SERVICE && !strcmp(p->issuer, "issuing") && p->eku &&
	       strstr(p->eku, "serverAuth") && !p->ocsp_nocheck;
}

const char *profile_class_name(const struct profile *p)
{
	return classes[class_of(p)].name;
}

int profile_may_issue(const struct profile *p, const struct actor *a)
{
	size_t i = class_of(p);

	if (word_in(classes[i].roles, a->role))
		return FINCA_OK;
	return err_why(FINCA_EAUTH, NULL, classes[i].refused, "profile %s (class %s) is issued "
		       "only by %s, not by %s %s", p->name, classes[i].name, classes[i].who,
		       a->role, a->name);
}

int profile_prepare(struct ca *ca, struct profile *p)
{
	STACK_OF(X509_EXTENSION) *sk = sk_X509_EXTENSION_new_null();
	X509 *issuer = ca_issuer_cert(ca, p->issuer);
	X509V3_CTX ctx;
	char buf[1024], *crl = NULL, *ocsp = NULL, *cai = NULL;
	int rc, bc;

	if (!issuer) {
		rc = err_why(FINCA_ESTATE, NULL, "profile.ca_missing",
			     "profile %s: the %s CA is not installed",
			     p->name, p->issuer);
		goto out;
	}
	X509V3_set_ctx(&ctx, issuer, NULL, NULL, NULL, 0);
	/* BasicConstraints: always in a CA's certificate; an end entity's
	 * CA:FALSE is the DEFAULT, so DER encodes it as an empty SEQUENCE,
	 * which GM TLS (TLCP, GB/T 38636) stacks refuse: GM/T 0015 leaves
	 * the extension out of end-entity certificates, and so does auto
	 * under an SM2 CA */
	bc = p->ca || p->basic_constraints == 1 ||
	     (p->basic_constraints < 0 && !key_is_sm2(X509_get0_pubkey(issuer)));
	if (p->ca && p->pathlen >= 0)
		snprintf(buf, sizeof buf, "critical,CA:TRUE,pathlen:%d", p->pathlen);
	else
		snprintf(buf, sizeof buf, "critical,CA:%s", p->ca ? "TRUE" : "FALSE");
	if (bc && (rc = add_conf_ext(sk, &ctx, NID_basic_constraints, buf, p)))
		goto out;
	ku_string(p->key_usage, buf, sizeof buf);
	if ((rc = add_conf_ext(sk, &ctx, NID_key_usage, buf, p)))
		goto out;
	if (p->eku && (rc = add_conf_ext(sk, &ctx, NID_ext_key_usage, p->eku, p)))
		goto out;
	if ((rc = add_conf_ext(sk, &ctx, NID_authority_key_identifier,
			       "keyid:always", p)))
		goto out;
	if (p->policies &&
	    (rc = add_conf_ext(sk, &ctx, NID_certificate_policies, p->policies, p)))
		goto out;
	crl = ca_url(ca, !strcmp(p->issuer, "service") ? "service-crl" : "crl");
	ocsp = ca_url(ca, "ocsp");
	cai = ca_url(ca, !strcmp(p->issuer, "service") ? "service-cert" : "cert");
	snprintf(buf, sizeof buf, "URI:%s", crl);
	if ((rc = add_conf_ext(sk, &ctx, NID_crl_distribution_points, buf, p)))
		goto out;
	snprintf(buf, sizeof buf, "OCSP;URI:%s,caIssuers;URI:%s", ocsp, cai);
	if ((rc = add_conf_ext(sk, &ctx, NID_info_access, buf, p)))
		goto out;
	if (p->ocsp_nocheck &&
	    (rc = add_conf_ext(sk, &ctx, NID_id_pkix_OCSP_noCheck, "ignored", p)))
		goto out;
	sk_X509_EXTENSION_pop_free(p->exts, X509_EXTENSION_free);
	p->exts = sk;
	sk = NULL;
out:
	sk_X509_EXTENSION_pop_free(sk, X509_EXTENSION_free);
	free(crl);
	free(ocsp);
	free(cai);
	return rc;
}

/* --- steps --- */

static int list_has(const char *list, const char *item)
{
	size_t n = strlen(item);
	const char *p = list;

	while (p && *p) {
		while (*p == ' ' || *p == ',')
			p++;
		if (!strncmp(p, item, n) && (p[n] == '\0' || p[n] == ',' || p[n] == ' '))
			return 1;
		p = strchr(p, ',');
	}
	return 0;
}

static int step_subject(struct tmpl *t)
{
	const struct profile *p = t->p;
	int n = X509_NAME_entry_count(t->subject);

	for (int i = 0; i < n; i++) {
		X509_NAME_ENTRY *e = X509_NAME_get_entry(t->subject, i);
		const char *sn = OBJ_nid2sn(OBJ_obj2nid(X509_NAME_ENTRY_get_object(e)));
		if (!list_has(p->subject_allowed, sn))
			return err_why(FINCA_EPOLICY, NULL, "profile.attr_denied",
				       "profile %s: subject attribute %s is not allowed (allowed: %s)",
				       p->name, sn, p->subject_allowed);
	}
	if (p->subject_required) {
		char item[64];
		const char *q = p->subject_required;
		while (*q) {
			size_t len = strcspn(q, ",");
			size_t k = 0;
			for (size_t j = 0; j < len && k < sizeof item - 1; j++)
				if (q[j] != ' ')
					item[k++] = q[j];
			item[k] = '\0';
			if (k && X509_NAME_get_index_by_NID(t->subject, OBJ_txt2nid(item), -1) < 0)
				return err_why(FINCA_EPOLICY, NULL, "profile.attr_missing",
					       "profile %s: subject lacks %s", p->name, item);
			q += len + (q[len] ? 1 : 0);
		}
	}
	if (!X509_set_subject_name(t->x, t->subject))
		return err_ssl_why(FINCA_ECRYPTO, "issue.build", "setting subject");
	return FINCA_OK;
}

static int step_validity(struct tmpl *t)
{
	int64_t nb = t->now, na;
	int64_t ca_end;
	int days = t->days ? t->days : t->p->validity_days;
	const ASN1_TIME *end = X509_get0_notAfter(t->issuer);
	struct tm tm;

	if (days < 1 || days > t->p->validity_days)
		return err_why(FINCA_EPOLICY, NULL, "profile.days",
			       "profile %s: validity of %d days is outside 1..%d",
			       t->p->name, days, t->p->validity_days);
	na = nb + (int64_t)days * 86400;
	/* never beyond the issuer's own validity (RFC 5280 6.1.3) */
	if (ASN1_TIME_to_tm(end, &tm)) {
		ca_end = (int64_t)timegm(&tm);
		if (na > ca_end)
			na = ca_end;
	}
	if (na <= nb)
		return err_why(FINCA_ESTATE, NULL, "ca.expired", "the %s CA has expired",
			       t->p->issuer);
	if (!X509_time_adj_ex(X509_getm_notBefore(t->x), 0, 0, &(time_t){ (time_t)nb }) ||
	    !X509_time_adj_ex(X509_getm_notAfter(t->x), 0, 0, &(time_t){ (time_t)na }))
		return err_ssl_why(FINCA_ECRYPTO, "issue.build", "setting validity");
	return FINCA_OK;
}

/* Copies the CSR's SubjectPublicKeyInfo as it is.  X509_set_pubkey would
 * encode the EVP_PKEY again, and OpenSSL 3.0 builds a decoder context for
 * that: it was most of the cost of issuing a P-256 certificate. */
static int copy_spki(X509 *x, const X509_ALGOR *alg, const ASN1_BIT_STRING *bits)
{
	const ASN1_OBJECT *obj;
	const void *pval;
	int ptype;
	void *val = NULL;
	unsigned char *b;
	int len = ASN1_STRING_length(bits);

	X509_ALGOR_get0(&obj, &ptype, &pval, alg);
	if (ptype == V_ASN1_OBJECT)
		val = OBJ_dup(pval);
	else if (ptype == V_ASN1_SEQUENCE)
		val = ASN1_STRING_dup(pval);
	else if (ptype != V_ASN1_NULL && ptype != V_ASN1_UNDEF)
		return 0;
	if (ptype != V_ASN1_NULL && ptype != V_ASN1_UNDEF && !val)
		return 0;
	if ((b = OPENSSL_memdup(ASN1_STRING_get0_data(bits), (size_t)len)) != NULL &&
	    X509_PUBKEY_set0_param(X509_get_X509_PUBKEY(x), OBJ_dup(obj), ptype, val, b, len))
		return 1;
	OPENSSL_free(b);
	if (ptype == V_ASN1_OBJECT)
		ASN1_OBJECT_free(val);
	else
		ASN1_STRING_free(val);
	return 0;
}

static int step_key(struct tmpl *t)
{
	if (!X509_set_version(t->x, X509_VERSION_3) ||
	    !X509_set_issuer_name(t->x, X509_get_subject_name(t->issuer)) ||
	    !(t->spki_alg ? copy_spki(t->x, t->spki_alg, t->spki_bits) :
	      X509_set_pubkey(t->x, t->pubkey)))
		return err_ssl_why(FINCA_ECRYPTO, "issue.build", "setting key");
	return FINCA_OK;
}

static int step_fixed(struct tmpl *t)
{
	for (int i = 0; i < sk_X509_EXTENSION_num(t->p->exts); i++) {
		X509_EXTENSION *e = sk_X509_EXTENSION_value(t->p->exts, i);
		int nid = OBJ_obj2nid(X509_EXTENSION_get_object(e));
		/* a half of a pair gets its own key usage (step_pair); the
		 * profile's EKU says what the subscriber signs for (TLS
		 * client, e-mail), so it goes on the signing half only: the
		 * encryption half is for key transport and agreement (GM/T
		 * 0015) */
		if (t->pair_role != PAIR_NONE && nid == NID_key_usage)
			continue;
		if (t->pair_role == PAIR_ENC && nid == NID_ext_key_usage)
			continue;
		if (!X509_add_ext(t->x, e, -1))
			return err_ssl_why(FINCA_ECRYPTO, "issue.build", "adding extension");
	}
	return FINCA_OK;
}

/* GM/T 0015 for the halves of a dual pair: the signing certificate
 * digitalSignature + nonRepudiation, the encryption certificate
 * keyEncipherment + dataEncipherment + keyAgreement; both critical,
 * neither with keyCertSign/cRLSign. */
static int step_pair(struct tmpl *t)
{
	unsigned bits;
	char buf[128];
	X509_EXTENSION *e;
	int ok;

	if (t->pair_role == PAIR_NONE)
		return FINCA_OK;
	bits = t->pair_role == PAIR_SIGN ? KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION
					 : KU_KEY_ENCIPHERMENT | KU_DATA_ENCIPHERMENT |
						   KU_KEY_AGREEMENT;
	ku_string(bits, buf, sizeof buf);
	ERR_clear_error();
	e = X509V3_EXT_conf_nid(NULL, NULL, NID_key_usage, buf);
	ok = e && X509_add_ext(t->x, e, -1);
	X509_EXTENSION_free(e);
	return ok ? FINCA_OK : err_ssl_why(FINCA_ECRYPTO, "issue.build", "key usage of a pair");
}

static int step_ski(struct tmpl *t)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n;
	ASN1_OCTET_STRING *os = NULL;
	int ok;

	/* RFC 5280 4.2.1.2 method (1): SHA-1 of the subjectPublicKey bits */
	ok = X509_pubkey_digest(t->x, EVP_sha1(), md, &n) &&
	     (os = ASN1_OCTET_STRING_new()) != NULL &&
	     ASN1_OCTET_STRING_set(os, md, (int)n) &&
	     X509_add1_ext_i2d(t->x, NID_subject_key_identifier, os, 0, 0);
	ASN1_OCTET_STRING_free(os);
	return ok ? FINCA_OK : err_ssl_why(FINCA_ECRYPTO, "issue.build", "subject key identifier");
}

/* A non-critical extension whose value is the given DER. */
static int add_raw_ext(X509 *x, const char *oid, const unsigned char *der,
		       size_t len)
{
	ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
	ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
	X509_EXTENSION *e = NULL;
	int ok;

	ok = obj && os && ASN1_OCTET_STRING_set(os, der, (int)len) &&
	     (e = X509_EXTENSION_create_by_OBJ(NULL, obj, 0, os)) != NULL &&
	     X509_add_ext(x, e, -1);
	ASN1_OBJECT_free(obj);
	ASN1_OCTET_STRING_free(os);
	X509_EXTENSION_free(e);
	return ok ? FINCA_OK : err_ssl_why(FINCA_ECRYPTO, "issue.build",
					   "adding extension %s", oid);
}

static int step_identity(struct tmpl *t)
{
	unsigned char der[64];

	if (t->p->identity == IDENT_PERSON) {
		if (!t->id_number[0])
			return err_why(FINCA_EPOLICY, NULL, "profile.id_required",
				       "profile %s: a resident ID number is required (GM/T 0015 IdentifyCode)",
				       t->p->name);
		/* IdentifyCode ::= CHOICE { residentCertNumber [0] PrintableString,
		 * ... }, tagged explicitly as deployed readers expect */
		der[0] = 0xa0;
		der[1] = 20;
		der[2] = 0x13;
		der[3] = 18;
		memcpy(der + 4, t->id_number, 18);
		return add_raw_ext(t->x, t->cfg->resident_id_oid, der, 22);
	}
	if (t->p->identity == IDENT_UNIT) {
		if (!t->unit_code[0])
			return err_why(FINCA_EPOLICY, NULL, "profile.uscc_required",
				       "profile %s: a unified social credit code is required",
				       t->p->name);
		der[0] = 0x13;
		der[1] = 18;
		memcpy(der + 2, t->unit_code, 18);
		return add_raw_ext(t->x, t->cfg->unit_code_oid, der, 20);
	}
	if (t->id_number[0] || t->unit_code[0])
		return err_why(FINCA_EPOLICY, NULL, "profile.no_identity",
			       "profile %s: carries no identity number (identity = none)",
			       t->p->name);
	return FINCA_OK;
}

static int step_san(struct tmpl *t)
{
	int i = X509_NAME_get_index_by_NID(t->subject, NID_commonName, -1);
	const ASN1_STRING *cn;
	char buf[300];
	X509_EXTENSION *e;
	int ok;

	if (!t->p->san_from_cn || i < 0)
		return FINCA_OK;
	cn = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(t->subject, i));
	{
		/* an IP address as CN becomes an iPAddress SAN */
		unsigned char ip[16];
		char txt[64];
		snprintf(txt, sizeof txt, "%.*s", ASN1_STRING_length(cn),
			 (const char *)ASN1_STRING_get0_data(cn));
		if (inet_pton(AF_INET, txt, ip) == 1 || inet_pton(AF_INET6, txt, ip) == 1) {
			snprintf(buf, sizeof buf, "IP:%s", txt);
			goto add;
		}
	}
	if (ASN1_STRING_length(cn) > 253 ||
	    strspn((const char *)ASN1_STRING_get0_data(cn),
		   "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-*") !=
		    (size_t)ASN1_STRING_length(cn))
		return err_why(FINCA_EPOLICY, NULL, "profile.cn_host",
			       "profile %s: CN must be a host name (it becomes the DNS subjectAltName)",
			       t->p->name);
	snprintf(buf, sizeof buf, "DNS:%.*s", ASN1_STRING_length(cn),
		 (const char *)ASN1_STRING_get0_data(cn));
add:
	e = X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name, buf);
	ok = e && X509_add_ext(t->x, e, -1);
	X509_EXTENSION_free(e);
	return ok ? FINCA_OK : err_ssl_why(FINCA_ECRYPTO, "issue.build", "subjectAltName");
}

typedef int (*step_fn)(struct tmpl *t);

static const step_fn steps[] = {
	step_key, step_subject, step_validity, step_fixed, step_pair, step_ski,
	step_identity, step_san,
};

int profile_apply(struct tmpl *t)
{
	int rc;

	for (size_t i = 0; i < ARRAY_LEN(steps); i++)
		if ((rc = steps[i](t)) != FINCA_OK)
			return rc;
	return FINCA_OK;
}

/* --- the profile as the console shows it (GET /api/v1/profiles) --- */

/* The names of the shipped profiles (config.c's default text); a profile
 * of finca.conf may set its own (title_zh, title_en). */
static const struct {
	const char *name, *zh, *en;
} titles[] = {
	{ "personal", "个人证书", "Personal certificate" },
	{ "unit", "单位证书", "Unit certificate" },
	{ "device", "设备证书", "Device certificate" },
	{ "server", "服务器证书", "Server certificate" },
	{ "operator", "操作员证书", "Operator certificate" },
	{ "ocsp", "OCSP签名证书", "OCSP signing certificate" },
	{ "tls-server", "TLS服务器证书", "TLS server certificate" },
	{ "tls-client", "TLS客户端证书", "TLS client certificate" },
	{ "subca", "下级CA证书", "Subordinate CA certificate" },
};

const char *profile_title(const struct profile *p, int zh)
{
	const char *own = zh ? p->title_zh : p->title_en;

	if (own)
		return own;
	for (size_t i = 0; i < ARRAY_LEN(titles); i++)
		if (!strcmp(titles[i].name, p->name))
			return zh ? titles[i].zh : titles[i].en;
	return p->name;
}

/* The key usage bits as a list of their names. */
static json_t *ku_json(unsigned bits)
{
	json_t *a = json_array();

	for (size_t i = 0; i < ARRAY_LEN(ku_names); i++)
		if (bits & ku_names[i].bit)
			json_array_append_new(a, json_string(ku_names[i].name));
	return a;
}

/* "a, b,c" as ["a", "b", "c"]; NULL as []. */
static json_t *list_json(const char *list)
{
	json_t *a = json_array();
	const char *s = list;

	while (s && *s) {
		size_t n;
		while (*s == ' ' || *s == ',')
			s++;
		n = strcspn(s, ",");
		while (n && s[n - 1] == ' ')
			n--;
		if (n)
			json_array_append_new(a, json_stringn(s, n));
		s += strcspn(s, ",");
	}
	return a;
}

json_t *profile_json(const struct config *cfg, const struct profile *p)
{
	json_t *keys = json_array(), *ident = json_array();

	for (size_t i = 0; key_accepted[i]; i++)
		json_array_append_new(keys, json_string(key_accepted[i]));
	if (p->identity == IDENT_PERSON)
		json_array_append_new(ident, json_pack("{s:s, s:s}", "kind", "resident_id",
						       "oid", cfg->resident_id_oid));
	if (p->identity == IDENT_UNIT)
		json_array_append_new(ident, json_pack("{s:s, s:s}", "kind", "unit_code",
						       "oid", cfg->unit_code_oid));
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:o, s:o, s:o, s:s?, s:o, s:o, "
			 "s:b, s:b, s:b, s:i, s:o, s:o, s:o*, s:s, s:s}",
			 "name", p->name, "title_zh", profile_title(p, 1),
			 "title_en", profile_title(p, 0), "class", profile_class_name(p),
			 "issuer", p->issuer, "validity_days", p->validity_days,
			 "key_usage", ku_json(p->key_usage),
			 "extended_key_usage", list_json(p->eku),
			 "keys", keys, "identity", p->identity == IDENT_PERSON ? "person" :
			 p->identity == IDENT_UNIT ? "unit" : NULL,
			 "identity_extensions", ident,
			 "subject", list_json(p->subject_allowed),
			 "ca", p->ca, "genkey", p->genkey, "ocsp_nocheck", p->ocsp_nocheck,
			 "tokens", p->tokens, "subject_required", list_json(p->subject_required),
			 "policies", list_json(p->policies),
			 "pathlen", p->ca && p->pathlen >= 0 ? json_integer(p->pathlen) : NULL,
			 "issued_by", classes[class_of(p)].who,
			 "basic_constraints", p->basic_constraints < 0 ? "auto" :
			 p->basic_constraints ? "yes" : "no");
}
