/* finca token ...: the token station of the making unit.  It drives the
 * USBKey through PKCS#11 (token/p11.h) and keeps the inventory through the
 * CA: directly on the CA host (-d DIR), or through the daemon's API when
 * --server is given (cli/remote.c).  Keys are made on the token and never
 * leave it. */
#include "cli/cli.h"
#include "cli/remote.h"
#include "crypto/key.h"
#include "crypto/pem.h"
#include "ca/dn.h"
#include "ra/ra.h"
#include "token/p11.h"
#include "token/token.h"
#include "util/err.h"
#include "util/util.h"

#include <getopt.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct opts {
	const char *module, *serial, *label, *profile, *subject, *person, *replaces;
	const char *unit_code, *node;
	long long request;        /* --request: the accepted request made here */
	const char *reason, *party, *note, *state, *data, *algo;
	struct remote_opts remote;
	int days, json;
};

/* One station run: the token module and where the inventory lives. */
struct station {
	struct opts o;
	struct p11 *m;
	struct p11_sm2 sm2;
	int algo;                 /* enum key_alg made on tokens */
	struct ca *ca;            /* the CA host, or */
	struct remote *r;         /* the daemon's API */
	struct actor act;         /* locally: who acts (--as, or the CA host) */
	json_t *spec;             /* what the request asks to issue (owned) */
	struct p11_token tok;     /* the token in front of us */
	struct p11s *s;
	json_t *list;             /* inventory --json */
};

static void station_free(struct station *st)
{
	json_decref(st->spec);
	p11_close(st->s);
	p11_free(st->m);
	ca_free(st->ca);
	remote_free(st->r);
}

enum { NEED_CA = 1, UNLOCK = 2, NEED_MODULE = 4 };

/* The inventory, locally (-d) or remotely (--server); NEED_CA: the command
 * cannot do without it; UNLOCK: the CA signs or opens sealed secrets;
 * NEED_MODULE: the command works on a token. */
static int station_open(struct cli *c, struct station *st, int need)
{
	const char *module = st->o.module, *algo = st->o.algo;
	int rc;

	if (st->o.remote.url) {
		if ((rc = remote_open(&st->o.remote, &st->r)) != FINCA_OK)
			return rc;
	} else if (c->dir || (need & NEED_CA)) {
		if ((rc = cli_open_rc(c, need & UNLOCK, &st->ca)) != FINCA_OK ||
		    (rc = cli_actor_or_host(c, st->ca, &st->act)) != FINCA_OK)
			return rc;
		if (!module)
			module = st->ca->cfg->token_module;
		if (!algo)
			algo = st->ca->cfg->token_algo;
		st->sm2.keygen = st->ca->cfg->sm2_keygen;
		st->sm2.sign = st->ca->cfg->sm2_sign;
	}
	if (!(need & NEED_MODULE))
		return FINCA_OK;
	if (!module)
		return err_set(FINCA_EINVAL, "no PKCS#11 module: give --module PATH or set "
			       "module in [token] of finca.conf");
	if ((st->algo = key_alg_parse(algo ? algo : "p256")) < 0)
		return err_set(FINCA_EINVAL, "--algo %s: expected sm2, p256, rsa2048 or rsa3072",
			       algo);
	return p11_load(module, &st->m);
}

/* Finds the token (--serial or the only one) and opens a session. */
static int station_token(struct station *st)
{
	int rc;

	if ((rc = p11_find(st->m, st->o.serial, &st->tok)) != FINCA_OK)
		return rc;
	if (!st->tok.initialized)
		return FINCA_OK;
	return p11_open(st->m, st->tok.slot, &st->s);
}

/* --- the inventory, local or remote --- */

/* The inventory record of serial as JSON, with its events when asked
 * (FINCA_ENOTFOUND when the token is unknown). */
static int inv_get(struct station *st, const char *serial, int events, json_t **out)
{
	struct token_rec t;
	int rc;

	if (st->r)
		return remote_call(st->r, "GET", "tokens/%s", NULL, out, serial);
	if (!st->ca)
		return err_set(FINCA_ENOTFOUND, "no inventory here (give -d DIR or --server)");
	if ((rc = ra_token_get(st->ca, &st->act, serial, &t)) != FINCA_OK)
		return rc;
	*out = token_json(st->ca, &t, events);
	token_rec_clear(&t);
	return FINCA_OK;
}

/* The envelope's loss-report code from the daemon's answer j, into code
 * (shown once: a missing one is an error, the envelope needs it). */
static int answer_code(json_t *j, const char *serial, char code[LOSS_CODE_BUF])
{
	const char *c = json_string_value(json_object_get(j, "loss_code"));

	if (!c || strlen(c) != LOSS_CODE_BUF - 1)
		return err_set(FINCA_EIO, "token %s: the server sent no loss-report code (挂失码) "
			       "for the envelope", serial);
	memcpy(code, c, LOSS_CODE_BUF);
	return FINCA_OK;
}

/* Registers the token; code gets its envelope's loss-report code. */
static int inv_register(struct station *st, const char *so_pin, char code[LOSS_CODE_BUF])
{
	struct token_info ti = { st->tok.serial, st->tok.label, st->tok.manufacturer,
				 st->tok.model, st->o.node };
	json_t *j = NULL;
	int rc;

	if (!st->r)
		return ra_token_register(st->ca, &st->act, &ti, so_pin, code);
	rc = remote_call(st->r, "POST", "tokens", json_pack(
		"{s:s, s:s, s:s, s:s, s:s, s:s*}", "serial", ti.serial, "label", ti.label,
		"manufacturer", ti.manufacturer, "model", ti.model, "so_pin", so_pin,
		"node", ti.node), &j);
	if (rc == FINCA_OK)
		rc = answer_code(j, ti.serial, code);
	json_decref(j);
	return rc;
}

static int inv_so_pin(struct station *st, char **out)
{
	json_t *j = NULL;
	int rc;

	if (!st->r)
		return ra_token_so_pin(st->ca, &st->act, st->tok.serial, st->o.request, out);
	/* with --request the daemon checks it is an accepted PIN reset */
	if ((rc = remote_call(st->r, "POST", "tokens/%s/so-pin", st->o.request ?
			      json_pack("{s:I}", "request", (json_int_t)st->o.request) :
			      json_object(), &j, st->tok.serial)) == FINCA_OK)
		*out = xstrdup(json_string_value(json_object_get(j, "so_pin")) ?: "");
	json_decref(j);
	return rc;
}

static int inv_enroll_begin(struct station *st, const unsigned char *csr, size_t len,
			    X509 **out)
{
	struct issue_req rq;
	json_t *j = NULL;
	char *pem = NULL;
	int rc;

	if (!st->r) {
		memset(&rq, 0, sizeof rq);
		rq.profile = st->o.profile;
		rq.csr_der = csr;
		rq.csr_len = len;
		rq.id_number = st->o.person;
		rq.days = st->o.days;
		rq.replaces = st->o.replaces;
		rq.unit_code = st->o.unit_code;
		rq.action = "cert.issue.token";
		return ra_token_enroll_begin(st->ca, &st->act, st->tok.serial, &rq, out);
	}
	pem = pem_encode("CERTIFICATE REQUEST", csr, len);
	rc = remote_call(st->r, "POST", "tokens/%s/enroll", json_pack(
		"{s:s, s:s, s:s*, s:i, s:s*, s:s*}", "csr", pem, "profile", st->o.profile,
		"id_number", st->o.person, "days", st->o.days, "replaces", st->o.replaces,
		"unit_code", st->o.unit_code), &j, st->tok.serial);
	if (rc == FINCA_OK)
		rc = pem_x509_parse(json_string_value(json_object_get(j, "certificate")), out);
	free(pem);
	json_decref(j);
	return rc;
}

static int inv_enroll_end(struct station *st, const char *cert, const char *abort_why)
{
	if (st->r)
		return remote_call(st->r, "POST", abort_why ? "tokens/%s/enroll-abort"
				   : "tokens/%s/enroll-commit",
				   json_pack("{s:s, s:s*, s:I}", "certificate", cert, "reason",
					     abort_why, "request", (json_int_t)st->o.request),
				   NULL, st->tok.serial);
	return ra_token_enroll_end(st->ca, &st->act, st->tok.serial, cert, st->o.request,
				   abort_why);
}

/* --request: the request says what to issue (revoking first what a
 * reissue replaces); the station fills its options from it. */
static int inv_request_spec(struct station *st)
{
	json_t *s;
	int rc;

	if (st->r)
		rc = remote_call(st->r, "POST", "requests/%lld/enroll-spec", NULL, &st->spec,
				 st->o.request);
	else
		rc = ra_enroll_spec(st->ca, &st->act, st->o.request, &st->spec);
	if (rc != FINCA_OK)
		return rc;
	s = st->spec;
	if (st->o.profile || st->o.subject || st->o.person || st->o.replaces)
		return err_set(FINCA_EINVAL, "--request says what to issue: leave out --profile, "
			       "--subject, --person and --replaces");
	st->o.profile = json_string_value(json_object_get(s, "profile"));
	st->o.subject = json_string_value(json_object_get(s, "subject"));
	st->o.person = json_string_value(json_object_get(s, "id_number"));
	st->o.unit_code = json_string_value(json_object_get(s, "unit_code"));
	st->o.replaces = json_string_value(json_object_get(s, "replaces"));
	return FINCA_OK;
}

/* A PIN event; after a reset (changed 0) code gets the new envelope's
 * loss-report code. */
static int inv_pin_event(struct station *st, int changed, char code[LOSS_CODE_BUF])
{
	json_t *j = NULL;
	int rc;

	if (!st->r)
		return ra_token_pin_event(st->ca, &st->act, st->tok.serial, changed, st->o.request,
					  code);
	rc = remote_call(st->r, "POST", "tokens/%s/pin", json_pack("{s:b, s:I}", "changed",
			 changed, "request", (json_int_t)st->o.request), &j, st->tok.serial);
	if (rc == FINCA_OK && !changed)
		rc = answer_code(j, st->tok.serial, code);
	json_decref(j);
	return rc;
}

/* --- subcommands --- */

static int token_list(struct station *st)
{
	struct p11_token *t = NULL;
	size_t n = 0;
	json_t *arr = json_array();
	int rc;

	if ((rc = p11_list(st->m, &t, &n)) != FINCA_OK)
		goto out;
	for (size_t i = 0; i < n; i++) {
		json_t *inv = NULL, *j;
		j = json_pack("{s:I, s:s, s:s, s:s, s:s, s:b, s:b}", "slot", (json_int_t)t[i].slot,
			      "serial", t[i].serial, "label", t[i].label, "manufacturer",
			      t[i].manufacturer, "model", t[i].model, "initialized",
			      t[i].initialized, "pin_locked", t[i].pin_locked);
		rc = inv_get(st, t[i].serial, 0, &inv);
		if (rc == FINCA_OK)
			json_object_set_new(j, "inventory", inv);
		else if (rc != FINCA_ENOTFOUND)
			goto out;
		rc = FINCA_OK;
		if (!st->o.json)
			printf("slot %-4lu %-16s %-24s %-12s %s\n", t[i].slot, t[i].serial,
			       t[i].label, json_string_value(json_object_get(inv, "state")) ?: "unknown",
			       json_string_value(json_object_get(inv, "holder_name")) ?: "");
		json_array_append_new(arr, j);
	}
	if (st->o.json) {
		cli_json(arr);
		arr = NULL;
	}
out:
	json_decref(arr);
	free(t);
	return rc;
}

/* The token init works on: --serial, else the only blank one, else the
 * only one. */
static int pick_for_init(struct station *st)
{
	struct p11_token *t;
	size_t n, blank = 0, hit = 0;
	int rc;

	if (st->o.serial)
		return p11_find(st->m, st->o.serial, &st->tok);
	if ((rc = p11_list(st->m, &t, &n)) != FINCA_OK)
		return rc;
	for (size_t i = 0; i < n; i++)
		if (!t[i].initialized) {
			blank++;
			hit = i;
		}
	if (blank == 1)
		st->tok = t[hit];
	free(t);
	if (blank > 1)
		return err_set(FINCA_EINVAL, "%zu blank tokens are present: insert one at a time",
			       blank);
	return blank ? FINCA_OK : p11_find(st->m, NULL, &st->tok);
}

/* A blank token gets its serial (and, with SoftHSM, a new slot) when it is
 * initialised: find it again by label, the one finca does not know yet. */
static int refind(struct station *st, const char *label)
{
	struct p11_token *t;
	size_t n, found = 0;
	json_t *inv = NULL;
	int rc;

	if (st->tok.serial[0])
		return p11_find(st->m, st->tok.serial, &st->tok);
	if ((rc = p11_list(st->m, &t, &n)) != FINCA_OK)
		return rc;
	for (size_t i = 0; i < n; i++)
		if (t[i].initialized && !strcmp(t[i].label, label) &&
		    inv_get(st, t[i].serial, 0, &inv) == FINCA_ENOTFOUND) {
			st->tok = t[i];
			found++;
		} else {
			json_decref(inv);
			inv = NULL;
		}
	free(t);
	return found == 1 ? FINCA_OK : err_set(FINCA_EIO, "the initialised token cannot be "
					       "found again (was it removed?)");
}

static int token_init_cmd(struct station *st)
{
	char so[17], pin[PIN_DEFAULT_LEN + 1], code[LOSS_CODE_BUF], *old_so = NULL;
	const char *label = st->o.label ? st->o.label : "finca";
	json_t *inv = NULL;
	int rc;

	if ((rc = pick_for_init(st)) != FINCA_OK)
		return rc;
	/* the inventory must allow it before the token is wiped */
	rc = st->tok.serial[0] ? inv_get(st, st->tok.serial, 0, &inv) : FINCA_ENOTFOUND;
	if (rc == FINCA_OK)
		rc = token_move_check(json_string_value(json_object_get(inv, "state")),
				      "initialized");
	else if (rc == FINCA_ENOTFOUND)
		rc = FINCA_OK;
	json_decref(inv);
	if (rc != FINCA_OK)
		return rc;
	if ((rc = pin_random_so(so)) || (rc = pin_random(pin)))
		return rc;
	/* an initialised token is erased with its current SO PIN: the one
	 * finca kept, or FINCA_SO_PIN (a vendor's default) */
	if (st->tok.initialized) {
		if (getenv("FINCA_SO_PIN") && *getenv("FINCA_SO_PIN"))
			old_so = xstrdup(getenv("FINCA_SO_PIN"));
		else if ((rc = inv_so_pin(st, &old_so)) != FINCA_OK) {
			rc = err_set(rc, "token %s is initialised: %s (or give its SO PIN in "
				     "FINCA_SO_PIN)", st->tok.serial, err_msg());
			goto out;
		}
	}
	if ((rc = p11_init_token(st->m, st->tok.slot, old_so ? old_so : so, label)) ||
	    (rc = refind(st, label)) ||
	    (rc = p11_open(st->m, st->tok.slot, &st->s)) ||
	    (rc = p11_login(st->s, 1, old_so ? old_so : so)) ||
	    (old_so && (rc = p11_set_pin(st->s, old_so, so))) ||
	    (rc = p11_init_pin(st->s, pin)) ||
	    (rc = inv_register(st, so, code)))
		goto out;
	printf("token %s initialised (label %s)\ndefault PIN for the envelope: %s\n"
	       "(the holder must change it at first use)\n"
	       "loss-report code (挂失码) for the envelope: %s\n"
	       "(if the USBKey is lost, it freezes the certificate without login)\n",
	       st->tok.serial, label, pin, code);
out:
	if (old_so) {
		OPENSSL_cleanse(old_so, strlen(old_so));
		free(old_so);
	}
	OPENSSL_cleanse(so, sizeof so);
	OPENSSL_cleanse(pin, sizeof pin);
	OPENSSL_cleanse(code, sizeof code);
	return rc;
}

/* A PKCS#10 request for pub, signed by the token key id (*der: caller's). */
static int token_csr(struct station *st, const X509_NAME *name, EVP_PKEY *pub,
		     const unsigned char *id, size_t idlen, unsigned char **der, size_t *len)
{
	X509_REQ *req = X509_REQ_new();
	X509_ALGOR *alg = NULL;
	ASN1_BIT_STRING *bits = NULL;
	unsigned char *tbs = NULL, *sig = NULL;
	size_t siglen = 0;
	int tl, n, nid, rc;

	nid = key_is_sm2(pub) ? NID_SM2_with_SM3 : EVP_PKEY_is_a(pub, "RSA") ?
		NID_sha256WithRSAEncryption : NID_ecdsa_with_SHA256;
	if (!req || !X509_REQ_set_version(req, 0) || !X509_REQ_set_subject_name(req, name) ||
	    !X509_REQ_set_pubkey(req, pub) || (alg = X509_ALGOR_new()) == NULL ||
	    !X509_ALGOR_set0(alg, OBJ_nid2obj(nid), nid == NID_sha256WithRSAEncryption ?
			     V_ASN1_NULL : V_ASN1_UNDEF, NULL) ||
	    !X509_REQ_set1_signature_algo(req, alg) ||
	    (tl = i2d_re_X509_REQ_tbs(req, &tbs)) <= 0) {
		rc = err_ssl(FINCA_ECRYPTO, "certificate request");
		goto out;
	}
	if ((rc = p11_sign(st->s, &st->sm2, pub, id, idlen, tbs, (size_t)tl, &sig,
			   &siglen)) != FINCA_OK)
		goto out;
	if ((bits = ASN1_BIT_STRING_new()) == NULL ||
	    !ASN1_BIT_STRING_set(bits, sig, (int)siglen)) {
		rc = err_ssl(FINCA_ECRYPTO, "certificate request");
		goto out;
	}
	/* all bits used: without the flag, i2d drops trailing zero octets of
	 * the signature and counts trailing zero bits as unused */
	bits->flags &= ~(ASN1_STRING_FLAG_BITS_LEFT | 0x07);
	bits->flags |= ASN1_STRING_FLAG_BITS_LEFT;
	X509_REQ_set0_signature(req, bits);
	bits = NULL;
	*der = NULL;
	if ((n = i2d_X509_REQ(req, der)) <= 0) {
		rc = err_ssl(FINCA_ECRYPTO, "certificate request");
		goto out;
	}
	*len = (size_t)n;
out:
	ASN1_BIT_STRING_free(bits);
	X509_ALGOR_free(alg);
	X509_REQ_free(req);
	OPENSSL_free(tbs);
	OPENSSL_free(sig);
	return rc;
}

/* The PIN of the token in front of us, and a login with it. */
static int user_login(struct station *st)
{
	char pin[64];
	int rc;

	if (!st->s)
		return err_set(FINCA_ESTATE, "token %s is not initialised (finca token init)",
			       st->tok.serial);
	if ((rc = cli_passphrase("FINCA_PIN", "USBKey PIN:", 0, pin, sizeof pin)) == FINCA_OK)
		rc = p11_login(st->s, 0, pin);
	OPENSSL_cleanse(pin, sizeof pin);
	return rc;
}

static int token_enroll_cmd(struct station *st)
{
	unsigned char id[16], *csr = NULL;
	size_t csrlen = 0;
	char serial[41], label[64];
	X509_NAME *name = NULL;
	EVP_PKEY *pub = NULL;
	X509 *x = NULL;
	json_t *inv = NULL;
	int rc, keys = 0;
	const char *state;

	if (st->o.request && (rc = inv_request_spec(st)) != FINCA_OK)
		return rc;
	if (!st->o.profile || !st->o.subject)
		return err_set(FINCA_EINVAL, "enroll: give --request ID, or --profile and --subject "
			       "(and --person for a person)");
	if ((rc = station_token(st)) || (rc = user_login(st)))
		return rc;
	if (RAND_bytes(id, sizeof id) != 1)
		return err_ssl(FINCA_ECRYPTO, "key id");
	/* only a token the inventory has as initialised is enrolled; it holds
	 * nothing of value, so keys left by an enrolment that died go */
	if ((rc = inv_get(st, st->tok.serial, 0, &inv)) != FINCA_OK)
		return err_set(rc, "%s (finca token init registers it)", err_msg());
	state = json_string_value(json_object_get(inv, "state"));
	if (!state || strcmp(state, "initialized"))
		rc = err_set(FINCA_ESTATE, "token %s is %s: enrolment needs an initialised token",
			     st->tok.serial, state ? state : "unknown");
	json_decref(inv);
	if (rc != FINCA_OK || (rc = dn_parse(st->o.subject, &name)) != FINCA_OK)
		return rc;
	/* the readable label: the holder's name */
	dn_attr(name, NID_commonName, label, sizeof label);
	if (!label[0])
		snprintf(label, sizeof label, "finca");
	if ((rc = p11_destroy(st->s, NULL, 0)) != FINCA_OK)
		goto out;
	if ((rc = p11_keygen(st->s, st->algo, &st->sm2, id, sizeof id, label, &pub)) != FINCA_OK)
		goto out;
	keys = 1;
	if ((rc = token_csr(st, name, pub, id, sizeof id, &csr, &csrlen)) ||
	    (rc = inv_enroll_begin(st, csr, csrlen, &x)))
		goto out;
	ca_cert_serial(x, serial);
	if (!key_public_equal(pub, X509_get0_pubkey(x)))
		rc = err_set(FINCA_EINTEGRITY, "the CA returned a certificate for another key");
	else
		rc = p11_put_cert(st->s, id, sizeof id, label, x);
	if (rc == FINCA_OK && (rc = inv_enroll_end(st, serial, NULL)) == FINCA_OK) {
		keys = 0;
		printf("token %s enrolled: certificate %s for %s\n", st->tok.serial, serial,
		       label);
		goto out;
	}
	/* the certificate never became usable: revoke it; the key goes below */
	{
		char why[256];
		int keep = rc;
		snprintf(why, sizeof why, "%s", err_msg());
		if (inv_enroll_end(st, serial, why) != FINCA_OK)
			fprintf(stderr, "finca: could not revoke certificate %s: %s\n", serial,
				err_msg());
		rc = err_set(keep, "%s (certificate %s revoked, nothing left on the token)",
			     why, serial);
	}
out:
	if (keys)
		p11_destroy(st->s, id, sizeof id);   /* best effort: it may be gone */
	X509_NAME_free(name);
	EVP_PKEY_free(pub);
	X509_free(x);
	OPENSSL_free(csr);
	return rc;
}

static int token_change_pin(struct station *st)
{
	char old[64], pin[64];
	json_t *inv = NULL;
	int rc;

	if ((rc = station_token(st)) != FINCA_OK)
		return rc;
	if (!st->s)
		return err_set(FINCA_ESTATE, "token %s is not initialised", st->tok.serial);
	if ((rc = cli_passphrase("FINCA_PIN", "Current PIN:", 0, old, sizeof old)) ||
	    (rc = cli_passphrase("FINCA_NEW_PIN", "New PIN (6-10 digits and letters):", 1, pin,
				 sizeof pin)) ||
	    (rc = pin_check(pin, old)) ||
	    (rc = p11_login(st->s, 0, old)) ||
	    (rc = p11_set_pin(st->s, old, pin)))
		goto out;
	if ((rc = inv_get(st, st->tok.serial, 0, &inv)) == FINCA_OK &&
	    json_is_true(json_object_get(inv, "default_pin")))
		rc = inv_pin_event(st, 1, NULL);
	if (rc == FINCA_OK)
		printf("PIN of token %s changed\n", st->tok.serial);
	else
		rc = err_set(rc, "the PIN was changed on the token, but finca could not record "
			     "it: %s", err_msg());
out:
	json_decref(inv);
	OPENSSL_cleanse(old, sizeof old);
	OPENSSL_cleanse(pin, sizeof pin);
	return rc;
}

static int token_reset_pin(struct station *st)
{
	char pin[PIN_DEFAULT_LEN + 1], code[LOSS_CODE_BUF], *so = NULL;
	int rc;

	if ((rc = station_token(st)) != FINCA_OK)
		return rc;
	if (!st->s)
		return err_set(FINCA_ESTATE, "token %s is not initialised", st->tok.serial);
	/* with --request: an accepted PIN reset of this token (inv_so_pin
	 * checks, inv_pin_event moves the request on) */
	if ((rc = pin_random(pin)) || (rc = inv_so_pin(st, &so)) ||
	    (rc = p11_login(st->s, 1, so)) || (rc = p11_init_pin(st->s, pin)) ||
	    (rc = inv_pin_event(st, 0, code)))
		goto out;
	printf("PIN of token %s reset\nnew default PIN for the envelope: %s\n"
	       "(the holder must change it at first use)\n"
	       "new loss-report code (挂失码) for the envelope: %s\n"
	       "(the old envelope's code no longer works)\n", st->tok.serial, pin, code);
out:
	if (so) {
		OPENSSL_cleanse(so, strlen(so));
		free(so);
	}
	OPENSSL_cleanse(pin, sizeof pin);
	OPENSSL_cleanse(code, sizeof code);
	return rc;
}

/* Signs --data with the token's key: what a holder's browser agent does
 * with a login or authentication challenge. */
static int token_sign(struct station *st)
{
	unsigned char id[64], *sig = NULL;
	size_t idlen = 0, siglen = 0;
	X509 *x = NULL;
	char *b64 = NULL, *pem = NULL;
	int rc;

	if (!st->o.data)
		return err_set(FINCA_EINVAL, "sign: give --data TEXT");
	if ((rc = station_token(st)) || (rc = user_login(st)) ||
	    (rc = p11_get_cert(st->s, &x, id, &idlen)) ||
	    (rc = p11_sign(st->s, &st->sm2, X509_get0_pubkey(x), id, idlen,
			   (const unsigned char *)st->o.data, strlen(st->o.data), &sig, &siglen)))
		goto out;
	b64 = b64_encode(sig, siglen);
	pem = pem_x509(x);
	cli_json(json_pack("{s:s, s:s}", "certificate", pem, "signature", b64));
out:
	free(b64);
	free(pem);
	OPENSSL_free(sig);
	X509_free(x);
	return rc;
}

/* --- inventory commands: the CA's records, no token needed --- */

static int inv_list_one(void *arg, const struct token_rec *t)
{
	struct station *st = arg;

	if (st->o.json)
		return json_array_append_new(st->list, token_json(st->ca, t, 0)) ? FINCA_ENOMEM
										      : FINCA_OK;
	printf("%-16s %-12s %-8s %-20s %s\n", t->serial, t->state,
	       t->pin_default ? "default" : "changed", t->holder_name, t->cert_serial);
	return FINCA_OK;
}

static int inv_change(struct station *st, const char *serial, const char *what)
{
	int reason = -1;

	if (st->o.reason && (reason = ca_reason_parse(st->o.reason)) < 0)
		return err_set(FINCA_EINVAL, "--reason %s: not a revocation reason", st->o.reason);
	if (st->r) {
		if (!strcmp(what, "handover"))
			return remote_call(st->r, "POST", "tokens/%s/handover", json_pack(
				"{s:s*, s:s*}", "to", st->o.party, "note", st->o.note), NULL, serial);
		return remote_call(st->r, "POST", "tokens/%s/state", json_pack(
			"{s:s, s:s*, s:s*, s:s*}", "state", what, "reason", st->o.reason,
			"party", st->o.party, "note", st->o.note), NULL, serial);
	}
	if (!strcmp(what, "handover"))
		return ra_token_handover(st->ca, &st->act, serial, st->o.party, st->o.note);
	return ra_token_move(st->ca, &st->act, serial, what, reason, st->o.party, st->o.note);
}

static int usage(void)
{
	return cli_usage(
		"token list|init|enroll|change-pin|reset-pin|sign [--module PATH] [--serial S]\n"
		"       token enroll --profile P --subject DN [--person ID] [--days N] [--replaces SERIAL]\n"
		"       token init [--node CODE]   (the making node; an operator's: its own)\n"
		"       token inventory [--state S] | show SERIAL\n"
		"       token handover SERIAL --to WHOM | return SERIAL --from WHOM [--reason R]\n"
		"       token mark SERIAL suspended|issued|lost|damaged|in_stock|destroyed [--note T]\n"
		"  remote: --server URL --cert FILE --key FILE [--cacert FILE] (password: FINCA_ACCOUNT_PASSWORD)\n"
		"  PINs: FINCA_PIN, FINCA_NEW_PIN, FINCA_SO_PIN or the terminal");
}

int cmd_token(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "module", required_argument, NULL, 'm' },
		{ "serial", required_argument, NULL, 's' },
		{ "label", required_argument, NULL, 'l' },
		{ "profile", required_argument, NULL, 'p' },
		{ "subject", required_argument, NULL, 'S' },
		{ "person", required_argument, NULL, 'P' },
		{ "days", required_argument, NULL, 'D' },
		{ "replaces", required_argument, NULL, 'R' },
		{ "request", required_argument, NULL, 'Q' },
		{ "node", required_argument, NULL, 'N' },
		{ "reason", required_argument, NULL, 'r' },
		{ "to", required_argument, NULL, 't' },
		{ "from", required_argument, NULL, 'f' },
		{ "note", required_argument, NULL, 'n' },
		{ "state", required_argument, NULL, 'x' },
		{ "data", required_argument, NULL, 'd' },
		{ "algo", required_argument, NULL, 'a' },
		{ "server", required_argument, NULL, 'u' },
		{ "cert", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'k' },
		{ "cacert", required_argument, NULL, 'C' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct station st;
	const char *sub;
	json_t *arr = NULL;
	int ch, rc, nargs;

	memset(&st, 0, sizeof st);
	if (argc < 2)
		return usage();
	sub = argv[1];
	argc--;
	argv++;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		struct opts *o = &st.o;
		switch (ch) {
		case 'm': o->module = optarg; break;
		case 's': o->serial = optarg; break;
		case 'l': o->label = optarg; break;
		case 'p': o->profile = optarg; break;
		case 'S': o->subject = optarg; break;
		case 'P': o->person = optarg; break;
		case 'D': o->days = atoi(optarg); break;
		case 'R': o->replaces = optarg; break;
		case 'Q': o->request = atoll(optarg); break;
		case 'N': o->node = optarg; break;
		case 'r': o->reason = optarg; break;
		case 't': case 'f': o->party = optarg; break;
		case 'n': o->note = optarg; break;
		case 'x': o->state = optarg; break;
		case 'd': o->data = optarg; break;
		case 'a': o->algo = optarg; break;
		case 'u': o->remote.url = optarg; break;
		case 'c': o->remote.cert = optarg; break;
		case 'k': o->remote.key = optarg; break;
		case 'C': o->remote.cacert = optarg; break;
		case 'j': o->json = 1; break;
		default: return usage();
		}
	}
	nargs = argc - optind;
	if (!strcmp(sub, "inventory") || !strcmp(sub, "show") || !strcmp(sub, "handover") ||
	    !strcmp(sub, "return") || !strcmp(sub, "mark")) {
		/* the CA's records only: no token module needed */
		int need = !strcmp(sub, "inventory") ? 0 : !strcmp(sub, "mark") ? 2 : 1;
		if (nargs != need)
			return usage();
		if ((rc = station_open(c, &st, NEED_CA | UNLOCK)) != FINCA_OK)
			goto out;
		if (!strcmp(sub, "show")) {
			if ((rc = inv_get(&st, argv[optind], 1, &arr)) == FINCA_OK)
				cli_json(arr);
			arr = NULL;
		}
		else if (!strcmp(sub, "handover"))
			rc = inv_change(&st, argv[optind], "handover");
		else if (!strcmp(sub, "return"))
			rc = inv_change(&st, argv[optind], "returned");
		else if (!strcmp(sub, "mark"))
			rc = inv_change(&st, argv[optind], argv[optind + 1]);
		else if (st.r) {
			if ((rc = remote_call(st.r, "GET", st.o.state ? "tokens?state=%s" : "tokens",
					      NULL, &arr, st.o.state)) == FINCA_OK)
				cli_json(arr);
			arr = NULL;
		} else {
			arr = st.list = json_array();
			rc = ra_token_list(st.ca, &st.act, st.o.state, inv_list_one, &st);
			if (st.o.json && rc == FINCA_OK) {
				cli_json(arr);
				arr = NULL;
			}
		}
		goto out;
	}
	if (nargs != 0)
		return usage();
	if (strcmp(sub, "list") && strcmp(sub, "init") && strcmp(sub, "enroll") &&
	    strcmp(sub, "change-pin") && strcmp(sub, "reset-pin") && strcmp(sub, "sign"))
		return usage();
	/* list and sign work on a holder's computer, without the CA */
	if ((rc = station_open(c, &st, !strcmp(sub, "list") || !strcmp(sub, "sign") ? NEED_MODULE
				       : NEED_CA | UNLOCK | NEED_MODULE)) != FINCA_OK)
		goto out;
	if (!strcmp(sub, "list"))
		rc = token_list(&st);
	else if (!strcmp(sub, "init"))
		rc = token_init_cmd(&st);
	else if (!strcmp(sub, "enroll"))
		rc = token_enroll_cmd(&st);
	else if (!strcmp(sub, "change-pin"))
		rc = token_change_pin(&st);
	else if (!strcmp(sub, "reset-pin"))
		rc = token_reset_pin(&st);
	else
		rc = token_sign(&st);
out:
	json_decref(arr);
	station_free(&st);
	return rc == FINCA_OK ? 0 : cli_fail(rc);
}
