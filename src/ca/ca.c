#include "ca/ca.h"
#include "audit/audit.h"
#include "ca/dn.h"
#include "ca/profile.h"
#include "crypto/key.h"
#include "crypto/pem.h"
#include "crypto/keystore.h"
#include "crypto/sig.h"
#include "km/km.h"
#include "util/err.h"
#include "util/util.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CA_FILE(ca, name) path_join((ca)->dir, "ca/" name)

char *ca_url(const struct ca *ca, const char *what)
{
	static const struct { const char *what, *path; } urls[] = {
		{ "crl", "/crl/issuing.crl" },
		{ "delta-crl", "/crl/issuing-delta.crl" },
		{ "service-crl", "/crl/service.crl" },
		{ "ocsp", "/ocsp" },
		{ "cert", "/ca/issuing.crt" },
		{ "service-cert", "/ca/service.crt" },
	};
	char *s;

	for (size_t i = 0; i < ARRAY_LEN(urls); i++)
		if (!strcmp(urls[i].what, what)) {
			if (asprintf(&s, "%s%s", ca->cfg->base_url, urls[i].path) < 0)
				abort();
			return s;
		}
	abort(); /* a programming error */
}

static _Thread_local int is_opener;

static void thread_store_free(void *p)
{
	store_free(p);
}

int ca_threaded(struct ca *ca)
{
	if (ca->threaded)
		return FINCA_OK;
	if (pthread_key_create(&ca->st_key, thread_store_free) != 0)
		return err_why(FINCA_ENOMEM, NULL, "ca.threads", "pthread_key_create");
	ca->threaded = 1;
	is_opener = 1;
	return FINCA_OK;
}

struct store *ca_store(struct ca *ca)
{
	struct store *st;
	char *p;

	if (!ca->threaded || is_opener)
		return ca->st;
	if ((st = pthread_getspecific(ca->st_key)) != NULL)
		return st;
	p = store_where(ca->cfg, ca->dir);
	if ((ca->readonly ? store_open_readonly(p, &st) : store_open(p, 0, &st)) != FINCA_OK)
		abort(); /* the database opened in this process a moment ago */
	free(p);
	pthread_setspecific(ca->st_key, st);
	return st;
}

X509 *ca_issuer_cert(const struct ca *ca, const char *issuer)
{
	return !strcmp(issuer, "service") ? ca->service : ca->issuing;
}

EVP_PKEY *ca_issuer_key(const struct ca *ca, const char *issuer)
{
	return !strcmp(issuer, "service") ? ca->service_key : ca->issuing_key;
}

int ca_audit(struct ca *ca, const char *actor, const char *action,
	     const char *object, json_t *details)
{
	int64_t seq = 0;
	int rc = audit_append(ca_store(ca), ca->audit_md, actor, action, object,
			      details, &seq);

	/* a signed checkpoint at every multiple of checkpoint_every (and at
	 * the end of each signing command) */
	if (rc == FINCA_OK && ca->issuing_key && seq % ca->cfg->checkpoint_every == 0)
		rc = audit_checkpoint(ca_store(ca), ca->audit_md, ca->issuing_key,
				      "issuing");
	return rc;
}

int ca_deny(struct ca *ca, const struct actor *a, json_t *details)
{
	struct store *st = ca_store(ca);
	struct err_state why;
	char obj[96];

	/* the refusal as made (its reason, field and parameters), past the
	 * audit's own calls */
	err_save(&why);
	audit_set_error(details, "why");
	json_object_set_new(details, "role", json_string(a->role));
	snprintf(obj, sizeof obj, "account:%s", a->name);
	if (store_begin(st) == FINCA_OK) {
		if (ca_audit(ca, a->name, "auth.denied", obj, details) == FINCA_OK)
			store_commit(st);
		else
			store_rollback(st);
	}
	json_decref(details);
	why.rc = FINCA_EAUTH;
	err_restore(&why);
	return FINCA_EAUTH;
}

int ca_atomic(struct ca *ca, int (*fn)(struct ca *ca, void *arg), void *arg)
{
	int rc;

	if ((rc = store_begin(ca_store(ca))) != FINCA_OK)
		return rc;
	if ((rc = fn(ca, arg)) != FINCA_OK) {
		store_rollback(ca_store(ca)); /* keeps the error message */
		return rc;
	}
	return store_commit(ca_store(ca));
}

int ca_checkpoint(struct ca *ca)
{
	int rc;

	if (!ca->issuing_key)
		return FINCA_OK;
	if ((rc = store_begin(ca_store(ca))) != FINCA_OK)
		return rc;
	if ((rc = audit_checkpoint(ca_store(ca), ca->audit_md, ca->issuing_key,
				   "issuing")) != FINCA_OK) {
		store_rollback(ca_store(ca));
		return rc;
	}
	return store_commit(ca_store(ca));
}

/* --- CA certificates --- */

int ca_random_serial(X509 *x)
{
	unsigned char b[16];
	uint64_t t = (uint64_t)clock_now();
	BIGNUM *bn = NULL;
	int ok;

	/* 16 octets, positive: 01 + 38 bits of the issuing second, then 88
	 * bits from the CSPRNG (more than the 64 that RFC 5280 practice and
	 * the CA/B rules ask for).  The time prefix puts new serials at the
	 * right edge of the store's serial index, so issuing stays as fast
	 * with a million certificates as with none. */
	if (RAND_bytes(b + 5, sizeof b - 5) != 1)
		return err_ssl_why(FINCA_ECRYPTO, "ca.random", "random serial");
	b[0] = (unsigned char)(0x40 | ((t >> 32) & 0x3f));
	b[1] = (unsigned char)(t >> 24);
	b[2] = (unsigned char)(t >> 16);
	b[3] = (unsigned char)(t >> 8);
	b[4] = (unsigned char)t;
	ok = (bn = BN_bin2bn(b, sizeof b, NULL)) != NULL &&
	     BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL;
	BN_free(bn);
	return ok ? FINCA_OK : err_ssl_why(FINCA_ECRYPTO, "ca.serial", "serial");
}

static int add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *e;
	int ok;

	X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	ok = e && X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	return ok ? FINCA_OK : err_ssl_why(FINCA_ECRYPTO, "ca.extension",
					   "CA extension %s", OBJ_nid2sn(nid));
}

/* A CA certificate for key, signed by signer (self-signed when issuer is
 * NULL). */
static int make_ca_cert(const char *subject, EVP_PKEY *key, X509 *issuer,
			EVP_PKEY *signer, int days, int pathlen, X509 **out)
{
	X509 *x = X509_new();
	X509_NAME *name = NULL;
	EVP_MD_CTX *mctx = NULL;
	char bc[64];
	int rc;

	if ((rc = dn_parse(subject, &name)) != FINCA_OK)
		goto out;
	if (pathlen >= 0)
		snprintf(bc, sizeof bc, "critical,CA:TRUE,pathlen:%d", pathlen);
	else
		snprintf(bc, sizeof bc, "critical,CA:TRUE");
	if (!X509_set_version(x, X509_VERSION_3) ||
	    !X509_set_subject_name(x, name) ||
	    !X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name) ||
	    !X509_set_pubkey(x, key) ||
	    !X509_time_adj_ex(X509_getm_notBefore(x), 0, 0, &(time_t){ (time_t)clock_now() }) ||
	    !X509_time_adj_ex(X509_getm_notAfter(x), days, 0, &(time_t){ (time_t)clock_now() })) {
		rc = err_ssl_why(FINCA_ECRYPTO, "ca.cert_build", "CA certificate");
		goto out;
	}
	if ((rc = ca_random_serial(x)) ||
	    (rc = add_ext(x, issuer, NID_basic_constraints, bc)) ||
	    (rc = add_ext(x, issuer, NID_key_usage, "critical,keyCertSign,cRLSign")) ||
	    (rc = add_ext(x, issuer, NID_subject_key_identifier, "hash")) ||
	    (issuer && (rc = add_ext(x, issuer, NID_authority_key_identifier,
				     "keyid:always"))))
		goto out;
	if ((rc = sig_sign_ctx(signer, &mctx)) != FINCA_OK)
		goto out;
	if (X509_sign_ctx(x, mctx) <= 0) {
		rc = err_ssl_why(FINCA_ECRYPTO, "ca.cert_sign", "signing CA certificate");
		goto out;
	}
	*out = x;
	x = NULL;
out:
	X509_free(x);
	X509_NAME_free(name);
	EVP_MD_CTX_free(mctx);
	return rc;
}

static int read_pem_cert(const char *path, X509 **out)
{
	unsigned char *buf = NULL;
	size_t len;
	BIO *b;
	int rc;

	if ((rc = file_read(path, 1 << 20, &buf, &len)) != FINCA_OK)
		return rc;
	b = BIO_new_mem_buf(buf, (int)len);
	*out = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	free(buf);
	if (!*out)
		return err_ssl_why(FINCA_EINVAL, "ca.cert_pem", "%s: not a PEM certificate", path);
	return sig_x509_set_sm2_id(*out);
}

static void fingerprint(X509 *x, char out[65])
{
	unsigned char md[32];
	unsigned int n = 0;

	X509_digest(x, EVP_sha256(), md, &n);
	hex_encode(md, n, out);
}

static json_t *cert_json(X509 *x)
{
	char fp[65], *subj = dn_format(X509_get_subject_name(x));
	json_t *j;

	fingerprint(x, fp);
	j = json_pack("{s:s, s:s}", "subject", subj, "sha256", fp);
	free(subj);
	return j;
}

/* What ca_init makes in memory before it writes anything; all owned. */
struct init_state {
	struct keystore *hsm;  /* the root's and issuing keys' HSM, or NULL */
	EVP_PKEY *root_key, *issuing_key, *service_key;
	X509 *root, *issuing, *service;
	X509_REQ *csr;         /* the issuing CA's, for an external root */
};

/* Drops the root's and issuing CA's keys and certificates, and the HSM:
 * the certificates hold references to the keys, and the HSM's keys go
 * before the module they live in. */
static void init_state_drop_keys(struct init_state *s)
{
	X509_free(s->root);
	X509_free(s->issuing);
	s->root = s->issuing = NULL;
	EVP_PKEY_free(s->root_key);
	EVP_PKEY_free(s->issuing_key);
	s->root_key = s->issuing_key = NULL;
	keystore_free(s->hsm);
	s->hsm = NULL;
}

static void init_state_clear(struct init_state *s)
{
	EVP_PKEY_free(s->service_key);
	X509_free(s->service);
	X509_REQ_free(s->csr);
	init_state_drop_keys(s);
	memset(s, 0, sizeof *s);
}

static int write_csr(const char *path, X509_REQ *req)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data;
	long n;
	int rc;

	if (!PEM_write_bio_X509_REQ(b, req)) {
		BIO_free(b);
		return err_ssl_why(FINCA_ECRYPTO, "ca.csr_write", "%s", path);
	}
	n = BIO_get_mem_data(b, &data);
	rc = file_write(path, data, (size_t)n, 0644);
	BIO_free(b);
	return rc;
}

static int make_csr(const char *subject, EVP_PKEY *key, X509_REQ **out)
{
	X509_REQ *r = X509_REQ_new();
	X509_NAME *name = NULL;
	EVP_MD_CTX *mctx = NULL;
	int rc;

	if ((rc = dn_parse(subject, &name)) != FINCA_OK)
		goto out;
	if (!X509_REQ_set_subject_name(r, name) || !X509_REQ_set_pubkey(r, key)) {
		rc = err_ssl_why(FINCA_ECRYPTO, "ca.csr_build", "CSR");
		goto out;
	}
	if ((rc = sig_sign_ctx(key, &mctx)) != FINCA_OK)
		goto out;
	if (X509_REQ_sign_ctx(r, mctx) <= 0) {
		rc = err_ssl_why(FINCA_ECRYPTO, "ca.csr_sign", "signing CSR");
		goto out;
	}
	*out = r;
	r = NULL;
out:
	X509_REQ_free(r);
	X509_NAME_free(name);
	EVP_MD_CTX_free(mctx);
	return rc;
}

/* The directory is new and the CA's name fits in a DN. */
static int init_check(const struct ca_init_opts *o, const char *dbpath)
{
	struct store *st = NULL;

	if (path_exists(dbpath))
		return err_why(FINCA_ESTATE, NULL, "ca.initialised",
			       "%s: already initialised", o->dir);
	if (o->store_url && !store_url_ok(o->store_url))
		return err_why(FINCA_EINVAL, "store", "store.url",
			       "[store] url: not a postgresql:// URL");
	/* a PostgreSQL database that has a CA already */
	if (o->store_url && store_open(o->store_url, 0, &st) == FINCA_OK) {
		store_free(st);
		return err_why(FINCA_ESTATE, "store", "store.initialised",
			       "the PostgreSQL database has a CA already");
	}
	for (const char *c = o->name; *c; c++)
		if (strchr(",/\\=+", *c))
			return err_why(FINCA_EINVAL, NULL, "ca.name_chars",
				       "CA name '%s': may not contain , / \\ = +",
				       o->name);
	return FINCA_OK;
}

/* The issuing key: the HSM's (with the root's), or generated. */
static int init_keys(const struct ca_init_opts *o, const char *pass, struct init_state *s)
{
	int rc;

	if (!o->pkcs11_module)
		return key_generate(o->algorithm, &s->issuing_key);
	if (o->external_root)
		return err_why(FINCA_EINVAL, NULL, "ca.hsm_external",
			       "an external root with the CA keys in an HSM is not supported yet");
	if ((rc = keystore_open_pkcs11(o->pkcs11_module, o->pkcs11_token, &s->hsm)) ||
	    (rc = s->hsm->ops->load(s->hsm, "root", pass, &s->root_key)) ||
	    (rc = s->hsm->ops->load(s->hsm, "issuing", pass, &s->issuing_key)))
		return rc;
	return FINCA_OK;
}

/* The self-signed root (20 years), with a key of its own unless the HSM
 * gave one; none for an external root. */
static int init_root(const struct ca_init_opts *o, struct init_state *s)
{
	char subj[512];
	int rc;

	if (o->external_root)
		return FINCA_OK;
	if (!s->root_key && (rc = key_generate(o->algorithm, &s->root_key)) != FINCA_OK)
		return rc;
	snprintf(subj, sizeof subj, "C=CN, O=%s, CN=%s Root CA", o->name, o->name);
	return make_ca_cert(subj, s->root_key, NULL, s->root_key, 7305, -1, &s->root);
}

/* The issuing CA (10 years, pathlen 0) signed by the root, or its CSR
 * for an external root. */
static int init_issuing(const struct ca_init_opts *o, struct init_state *s)
{
	char subj[512];

	snprintf(subj, sizeof subj, "C=CN, O=%s, CN=%s Issuing CA", o->name, o->name);
	if (o->external_root)
		return make_csr(subj, s->issuing_key, &s->csr);
	return make_ca_cert(subj, s->issuing_key, s->root, s->root_key, 3652, 0, &s->issuing);
}

/* The service CA: the daemon's TLS, P-256 whatever the CA's algorithm. */
static int init_service(const struct ca_init_opts *o, struct init_state *s)
{
	char subj[512];
	int rc;

	if ((rc = key_generate(KEY_P256, &s->service_key)) != FINCA_OK)
		return rc;
	snprintf(subj, sizeof subj, "C=CN, O=%s, CN=%s Service CA", o->name, o->name);
	return make_ca_cert(subj, s->service_key, NULL, s->service_key, 3652, 0, &s->service);
}

static int write_key(const char *cadir, const char *name, EVP_PKEY *key, const char *pass)
{
	char *p = path_join(cadir, name);
	int rc = key_save(p, key, pass);

	free(p);
	return rc;
}

static int write_cert(const char *cadir, const char *name, X509 *x)
{
	char *p = path_join(cadir, name);
	int rc = pem_x509_write(p, x);

	free(p);
	return rc;
}

/* The directories, and under ca/ the keys (not the HSM's) and
 * certificates, or the issuing CA's CSR for an external root. */
static int init_write_files(const struct ca_init_opts *o, const char *pass,
			    const struct init_state *s)
{
	char *cadir = path_join(o->dir, "ca"), *p;
	int rc;

	if ((rc = dir_make(o->dir, 0750)) || (rc = dir_make(cadir, 0700)))
		goto out;
	if (!s->hsm && (rc = write_key(cadir, "issuing.key", s->issuing_key, pass)))
		goto out;
	if (s->csr) {
		p = path_join(cadir, "issuing.csr");
		rc = write_csr(p, s->csr);
		free(p);
		if (rc)
			goto out;
	} else if ((!s->hsm && (rc = write_key(cadir, "root.key", s->root_key, pass))) ||
		   (rc = write_cert(cadir, "root.crt", s->root)) ||
		   (rc = write_cert(cadir, "issuing.crt", s->issuing))) {
		goto out;
	}
	if ((rc = write_key(cadir, "service.key", s->service_key, pass)) ||
	    (rc = write_cert(cadir, "service.crt", s->service)))
		goto out;
out:
	free(cadir);
	return rc;
}

/* conf (freed) with "url = URL" under its [store] line; the caller frees */
static char *with_store_url(char *conf, const char *url)
{
	char *at = strstr(conf, "\n[store]\n"), *out;
	size_t head;

	if (!at)
		abort(); /* a programming error: store/conf.c's section is linked in */
	head = (size_t)(at - conf) + strlen("\n[store]\n");
	out = xcalloc(1, strlen(conf) + strlen(url) + 16);
	memcpy(out, conf, head);
	sprintf(out + head, "url = %s\n%s", url, conf + head);
	free(conf);
	return out;
}

/* finca.conf with the defaults, unless the directory has one already. */
static int init_write_config(const struct ca_init_opts *o)
{
	char *confpath = path_join(o->dir, "finca.conf"), *conf = NULL;
	int rc = FINCA_OK;

	if (!path_exists(confpath)) {
		conf = config_default_text(o->name, o->base_url, o->pkcs11_module,
					   o->pkcs11_token);
		if (o->store_url)
			conf = with_store_url(conf, o->store_url);
		rc = file_write(confpath, conf, strlen(conf), 0640);
	}
	free(conf);
	free(confpath);
	return rc;
}

/* The database, with the key algorithm and the audit chain's digest. */
static int init_store(const struct ca_init_opts *o, const char *dbpath)
{
	struct store *st = NULL;
	int rc;

	if ((rc = store_open(dbpath, 1, &st)) != FINCA_OK)
		return rc;
	rc = store_begin(st);
	if (!rc)
		rc = store_meta_set(st, "algorithm", key_alg_name(o->algorithm));
	if (!rc)
		rc = store_meta_set(st, "audit_digest", o->algorithm == KEY_SM2 ? "SM3" : "SHA256");
	if (!rc)
		rc = store_commit(st);
	else
		store_rollback(st);
	store_free(st);
	return rc;
}

/* Opens the new CA as any command would and records its birth (ca.init)
 * with the first checkpoint of the audit chain.  One PKCS#11 context at
 * a time: a second C_Finalize ends the first's sessions, so the keys made
 * in memory and their HSM go first. */
static int init_record(const struct ca_init_opts *o, const char *pass, struct init_state *s)
{
	struct ca *ca = NULL;
	json_t *d = NULL;
	int rc;

	init_state_drop_keys(s);
	if ((rc = ca_open(o->dir, o->actor, &ca)) != FINCA_OK)
		goto out;
	if ((rc = ca_unlock(ca, pass)) != FINCA_OK)
		goto out;
	d = json_pack("{s:s, s:s, s:b, s:o*, s:o*, s:o}", "algorithm",
		      key_alg_name(o->algorithm), "base_url", o->base_url,
		      "external_root", o->external_root,
		      "root", ca->root ? cert_json(ca->root) : NULL,
		      "issuing", ca->issuing ? cert_json(ca->issuing) : NULL,
		      "service", cert_json(s->service));
	if ((rc = store_begin(ca_store(ca))) != FINCA_OK)
		goto out;
	if ((rc = ca_audit(ca, ca->self.name, "ca.init", "ca", d)) != FINCA_OK ||
	    (ca->issuing && (rc = audit_checkpoint(ca_store(ca), ca->audit_md,
						   ca->issuing_key, "issuing")))) {
		store_rollback(ca_store(ca));
		goto out;
	}
	rc = store_commit(ca_store(ca));
out:
	json_decref(d);
	ca_free(ca);
	return rc;
}

/* Makes a new CA in o->dir, as the procedure reads:
 *
 *   init_check        the passphrase, the directory, the CA's name
 *   init_keys         the issuing key (and the root's): generated, or the
 *                     HSM's
 *   init_root         the self-signed root, unless the root is external
 *   init_issuing      the issuing CA: signed by the root, or a CSR for an
 *                     external one
 *   init_service      the service CA (the daemon's TLS, P-256)
 *   init_write_files  keys and certificates under ca/
 *   init_write_config finca.conf, unless there is one
 *   init_store        the database, with the algorithm and audit digest
 *   init_record       opened as any command would: the first audit record
 *                     (ca.init) and checkpoint
 *
 * Everything that can fail is made in memory first; s owns what is made. */
int ca_init(const struct ca_init_opts *o, const char *pass)
{
	struct init_state s;
	char *dbpath = NULL;
	int rc;

	memset(&s, 0, sizeof s);
	if (!pass || strlen(pass) < 8)
		return err_why(FINCA_EINVAL, NULL, "ca.passphrase_short",
			       "the CA passphrase must have at least 8 characters (FINCA_PASSPHRASE)");
	dbpath = o->store_url ? xstrdup(o->store_url) : path_join(o->dir, "finca.db");
	if ((rc = init_check(o, dbpath)) != FINCA_OK ||
	    (rc = init_keys(o, pass, &s)) != FINCA_OK ||
	    (rc = init_root(o, &s)) != FINCA_OK ||
	    (rc = init_issuing(o, &s)) != FINCA_OK ||
	    (rc = init_service(o, &s)) != FINCA_OK ||
	    (rc = init_write_files(o, pass, &s)) != FINCA_OK ||
	    (rc = init_write_config(o)) != FINCA_OK ||
	    (rc = init_store(o, dbpath)) != FINCA_OK)
		goto out;
	rc = init_record(o, pass, &s);
out:
	init_state_clear(&s);
	free(dbpath);
	return rc;
}

int ca_migrate(const char *dir, int *from, int *to)
{
	struct config *cfg = NULL;
	struct store *st = NULL;
	char *p = path_join(dir, "finca.conf"), *where = NULL;
	int rc;

	if ((rc = config_load(p, &cfg)) != FINCA_OK)
		goto out;
	where = store_where(cfg, dir);
	if ((rc = store_version(where, from)) != FINCA_OK ||
	    (rc = store_open(where, 0, &st)) != FINCA_OK)
		goto out;
	*to = store_schema_version(st);
out:
	store_free(st);
	config_free(cfg);
	free(where);
	free(p);
	return rc;
}

/* Records a change of finca.conf since the last time it was opened. */
static int audit_config(struct ca *ca)
{
	unsigned char *buf = NULL, md[32];
	size_t len;
	unsigned int n;
	char hex[65], *old = NULL;
	json_t *d = NULL;
	int rc;

	if (ca->readonly)
		return FINCA_OK; /* a replica: the primary's nodes audit */
	if ((rc = file_read(ca->cfg->path, 1 << 20, &buf, &len)) != FINCA_OK)
		return rc;
	EVP_Digest(buf, len, md, &n, EVP_sha256(), NULL);
	hex_encode(md, n, hex);
	free(buf);
	rc = store_meta_get(ca_store(ca), "config_sha256", &old);
	if (rc == FINCA_OK && !strcmp(old, hex))
		goto out;
	if (rc != FINCA_OK && rc != FINCA_ENOTFOUND)
		goto out;
	if ((rc = store_begin(ca_store(ca))) != FINCA_OK)
		goto out;
	d = json_pack("{s:s?, s:s}", "old_sha256", old, "new_sha256", hex);
	if ((rc = ca_audit(ca, ca->self.name, old ? "config.change" : "config.load",
			   "finca.conf", d)) ||
	    (rc = store_meta_set(ca_store(ca), "config_sha256", hex))) {
		store_rollback(ca_store(ca));
		goto out;
	}
	rc = store_commit(ca_store(ca));
out:
	json_decref(d);
	free(old);
	return rc;
}

int ca_reload_config(struct ca *ca)
{
	struct config *old = ca->cfg, *neu = NULL;
	char *p = path_join(ca->dir, "finca.conf");
	int rc = config_load(p, &neu);

	free(p);
	if (rc != FINCA_OK)
		return rc;
	ca->cfg = neu;
	for (size_t i = 0; i < neu->nprofiles; i++) {
		struct profile *pr = &neu->profiles[i];
		if (ca_issuer_cert(ca, pr->issuer) &&
		    (rc = profile_prepare(ca, pr)) != FINCA_OK) {
			ca->cfg = old; /* keep serving with what worked */
			config_free(neu);
			return rc;
		}
	}
	config_free(old);
	return audit_config(ca);
}

static int open_ca(const char *dir, const char *actor, int readonly, struct ca **out)
{
	struct ca *ca = xcalloc(1, sizeof *ca);
	char *p = NULL, *v = NULL;
	int rc;

	ca->readonly = readonly;
	ca->dir = xstrdup(dir);
	snprintf(ca->self.name, sizeof ca->self.name, "%s", actor ? actor : "?");
	snprintf(ca->self.role, sizeof ca->self.role, "system");
	p = path_join(dir, "finca.conf");
	rc = config_load(p, &ca->cfg);
	free(p);
	if (rc)
		goto fail;
	p = store_where(ca->cfg, dir);
	rc = readonly ? store_open_readonly(p, &ca->st) : store_open(p, 0, &ca->st);
	free(p);
	if (rc)
		goto fail;
	if ((rc = store_meta_get(ca_store(ca), "algorithm", &v)) != FINCA_OK)
		goto fail;
	snprintf(ca->algorithm, sizeof ca->algorithm, "%s", v);
	free(v);
	if ((rc = store_meta_get(ca_store(ca), "audit_digest", &v)) != FINCA_OK)
		goto fail;
	snprintf(ca->audit_md, sizeof ca->audit_md, "%s", v);
	free(v);
	p = CA_FILE(ca, "root.crt");
	if (path_exists(p) && (rc = read_pem_cert(p, &ca->root)) != FINCA_OK)
		goto failp;
	free(p);
	p = CA_FILE(ca, "issuing.crt");
	if (path_exists(p) && (rc = read_pem_cert(p, &ca->issuing)) != FINCA_OK)
		goto failp;
	free(p);
	p = CA_FILE(ca, "service.crt");
	if ((rc = read_pem_cert(p, &ca->service)) != FINCA_OK)
		goto failp;
	free(p);
	p = NULL;
	for (size_t i = 0; i < ca->cfg->nprofiles; i++) {
		struct profile *pr = &ca->cfg->profiles[i];
		if (!ca_issuer_cert(ca, pr->issuer))
			continue; /* external root not installed yet */
		if ((rc = profile_prepare(ca, pr)) != FINCA_OK)
			goto fail;
	}
	if ((rc = audit_config(ca)) != FINCA_OK)
		goto fail;
	*out = ca;
	return FINCA_OK;
failp:
	free(p);
fail:
	ca_free(ca);
	return rc;
}

int ca_open(const char *dir, const char *actor, struct ca **out)
{
	return open_ca(dir, actor, 0, out);
}

int ca_open_readonly(const char *dir, const char *actor, struct ca **out)
{
	return open_ca(dir, actor, 1, out);
}

void ca_free(struct ca *ca)
{
	if (!ca)
		return;
	config_free(ca->cfg);
	store_free(ca->st);
	if (ca->threaded)
		pthread_key_delete(ca->st_key);
	X509_free(ca->root);
	X509_free(ca->issuing);
	X509_free(ca->service);
	EVP_PKEY_free(ca->issuing_key);
	EVP_PKEY_free(ca->service_key);
	EVP_PKEY_free(ca->km_key);
	keystore_free(ca->keys); /* after the keys it holds */
	free(ca->dir);
	free(ca);
}

int ca_unlock(struct ca *ca, const char *pass)
{
	EVP_PKEY *ik = NULL, *sk = NULL;
	char *p;
	int rc;

	if (!ca->keys) {
		char *cadir = path_join(ca->dir, "ca");
		if (!strcmp(ca->cfg->key_store, "pkcs11"))
			rc = keystore_open_pkcs11(ca->cfg->pkcs11_module,
						  ca->cfg->pkcs11_token, &ca->keys);
		else
			rc = keystore_open_file(cadir, &ca->keys);
		free(cadir);
		if (rc)
			goto out;
	}
	if ((rc = ca->keys->ops->load(ca->keys, "issuing", pass, &ik)) != FINCA_OK)
		goto out;
	/* the KM key's public half for escrow (km/km.h): made with the
	 * passphrase at the first unlock of a file keystore */
	p = path_join(ca->dir, "ca");
	rc = km_key_ensure(ca->keys, p, pass);
	free(p);
	if (rc)
		goto out;
	if (ca->issuing && !key_public_equal(ik, X509_get0_pubkey(ca->issuing))) {
		rc = err_why(FINCA_EINTEGRITY, NULL, "ca.key_mismatch",
			     "ca/issuing.key does not match ca/issuing.crt");
		goto out;
	}
	p = CA_FILE(ca, "service.key");
	rc = key_load(p, pass, &sk);
	free(p);
	if (rc)
		goto out;
	EVP_PKEY_free(ca->issuing_key);
	EVP_PKEY_free(ca->service_key);
	ca->issuing_key = ik;
	ca->service_key = sk;
	ik = sk = NULL;
out:
	EVP_PKEY_free(ik);
	EVP_PKEY_free(sk);
	return rc;
}

int ca_unlock_km(struct ca *ca, const char *pass)
{
	EVP_PKEY *k = NULL;
	int rc;

	if (!ca->keys)
		return err_set(FINCA_ESTATE, "the CA keys are locked");
	rc = ca->keys->ops->load(ca->keys, "km", pass, &k);
	if (rc == FINCA_ENOTFOUND) {
		err_clear(); /* an HSM without finca-km: no recovery here */
		return FINCA_OK;
	}
	if (rc != FINCA_OK)
		return rc;
	EVP_PKEY_free(ca->km_key);
	ca->km_key = k;
	return FINCA_OK;
}

int ca_install(struct ca *ca, const char *pem, size_t len, const char *pass)
{
	BIO *b = BIO_new_mem_buf(pem, (int)len);
	X509 *issuing = NULL, *root = NULL, *x;
	STACK_OF(X509) *chain = sk_X509_new_null();
	X509_STORE *store = NULL;
	X509_STORE_CTX *vctx = NULL;
	json_t *d = NULL;
	char *p = NULL;
	int rc;

	if (ca->issuing) {
		rc = err_why(FINCA_ESTATE, NULL, "ca.installed",
			     "the issuing CA certificate is already installed");
		goto out;
	}
	if ((rc = ca_unlock(ca, pass)) != FINCA_OK)
		goto out;
	while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
		sig_x509_set_sm2_id(x);
		if (!issuing)
			issuing = x;
		else
			sk_X509_push(chain, x);
	}
	ERR_clear_error();
	if (!issuing || sk_X509_num(chain) == 0) {
		rc = err_why(FINCA_EINVAL, NULL, "ca.chain_expected",
			     "expected the issuing CA certificate followed by its chain up to the root (PEM)");
		goto out;
	}
	if (!key_public_equal(X509_get0_pubkey(issuing), ca->issuing_key)) {
		rc = err_why(FINCA_EINVAL, NULL, "ca.chain_key",
			     "the certificate's public key is not ca/issuing.key's");
		goto out;
	}
	if (!(X509_get_extension_flags(issuing) & EXFLAG_CA) ||
	    !(X509_get_key_usage(issuing) & KU_KEY_CERT_SIGN)) {
		rc = err_why(FINCA_EINVAL, NULL, "ca.chain_not_ca",
			     "the certificate is not a CA certificate with keyCertSign");
		goto out;
	}
	root = sk_X509_value(chain, sk_X509_num(chain) - 1);
	if (X509_check_issued(root, root) != X509_V_OK) {
		rc = err_why(FINCA_EINVAL, NULL, "ca.chain_root",
			     "the chain does not end in a self-signed root");
		goto out;
	}
	store = X509_STORE_new();
	X509_STORE_add_cert(store, root);
	vctx = X509_STORE_CTX_new();
	X509_STORE_CTX_init(vctx, store, issuing, chain);
	X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(vctx), (time_t)clock_now());
	if (X509_verify_cert(vctx) != 1) {
		rc = err_why(FINCA_EINVAL, NULL, "ca.chain_verify",
			     "the issuing CA certificate does not verify: %s",
			     X509_verify_cert_error_string(X509_STORE_CTX_get_error(vctx)));
		goto out;
	}
	p = CA_FILE(ca, "root.crt");
	if ((rc = pem_x509_write(p, root)) != FINCA_OK)
		goto out;
	free(p);
	p = CA_FILE(ca, "issuing.crt");
	if ((rc = pem_x509_write(p, issuing)) != FINCA_OK)
		goto out;
	d = json_pack("{s:o, s:o}", "issuing", cert_json(issuing), "root", cert_json(root));
	if ((rc = store_begin(ca_store(ca))) != FINCA_OK)
		goto out;
	if ((rc = ca_audit(ca, ca->self.name, "ca.install", "ca", d)) != FINCA_OK) {
		store_rollback(ca_store(ca));
		goto out;
	}
	rc = store_commit(ca_store(ca));
	X509_up_ref(issuing);
	X509_up_ref(root);
	ca->issuing = issuing;
	ca->root = root;
	for (size_t i = 0; rc == FINCA_OK && i < ca->cfg->nprofiles; i++)
		rc = profile_prepare(ca, &ca->cfg->profiles[i]);
out:
	json_decref(d);
	free(p);
	X509_STORE_CTX_free(vctx);
	X509_STORE_free(store);
	X509_free(issuing);
	sk_X509_pop_free(chain, X509_free);
	BIO_free(b);
	return rc;
}

/* An ASN1_TIME as "YYYY-MM-DDTHH:MM:SSZ" into out ("" when unreadable). */
static void asn1_time_format(const ASN1_TIME *t, char *out, size_t len)
{
	struct tm tm;

	out[0] = '\0';
	if (ASN1_TIME_to_tm(t, &tm) == 1)
		time_format((int64_t)timegm(&tm), out, len);
}

json_t *ca_info_json(const struct ca *ca)
{
	/* the CAs by their role; the names as the regulation's users say them */
	const struct {
		const char *name, *zh, *en, *file, *crl;
		X509 *x;
	} cas[] = {
		{ "root", "根CA", "Root CA", "/ca/root.crt", NULL, ca->root },
		{ "issuing", "签发CA（用户CA）", "Issuing CA (user CA)", "/ca/issuing.crt", "crl",
		  ca->issuing },
		{ "service", "服务CA", "Service CA (TLS)", "/ca/service.crt", "service-crl",
		  ca->service },
	};
	json_t *arr = json_array();
	char *ocsp = ca_url(ca, "ocsp");

	for (size_t i = 0; i < ARRAY_LEN(cas); i++) {
		X509 *x = cas[i].x;
		char serial[41], nb[32], na[32], key[64], fp[65], *subj, *iss, *crl, *url;
		int sig;

		if (!x)
			continue;
		ca_cert_serial(x, serial);
		asn1_time_format(X509_get0_notBefore(x), nb, sizeof nb);
		asn1_time_format(X509_get0_notAfter(x), na, sizeof na);
		key_describe(X509_get0_pubkey(x), key, sizeof key);
		fingerprint(x, fp);
		sig = X509_get_signature_nid(x);
		subj = dn_format(X509_get_subject_name(x));
		iss = dn_format(X509_get_issuer_name(x));
		crl = cas[i].crl ? ca_url(ca, cas[i].crl) : NULL;
		if (asprintf(&url, "%s%s", ca->cfg->base_url, cas[i].file) < 0)
			abort();
		json_array_append_new(arr, json_pack(
			"{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s?, s:s?}",
			"name", cas[i].name, "title_zh", cas[i].zh, "title_en", cas[i].en,
			"subject", subj, "issuer", iss, "serial", serial, "not_before", nb,
			"not_after", na, "key", key, "signature", OBJ_nid2sn(sig),
			"sha256", fp, "url", url, "crl", crl,
			"ocsp", strcmp(cas[i].name, "issuing") ? NULL : ocsp));
		free(subj);
		free(iss);
		free(crl);
		free(url);
	}
	free(ocsp);
	return json_pack("{s:o}", "cas", arr);
}
