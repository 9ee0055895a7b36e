/* Key recovery (密钥恢复, GM/T 0034: a holder whose USBKey broke, a judicial
 * request): the request type `recover` (reqtype.c) and the two rules that
 * are its own.
 *
 *   - The two-person rule: a recovery hands out private keys, so one
 *     account never decides it alone.  It is approved twice, by two
 *     accounts with the approving right; the second approval must come
 *     from an account that neither filed the request nor gave the first
 *     approval.  Only then is the request approved and goes on to the
 *     operator as any other.
 *   - Production opens the KM key (ca->km_key: the serve daemon opens it
 *     at its start, ca_unlock_km) and delivers the subject's escrowed
 *     encryption keys, all of them or the one named (data.enc_serial),
 *     each enveloped to the signing certificate the request names
 *     (cert_serial: the signing half of the new USBKey's pair), kept in
 *     km_envelope as the pair's own envelope is, for the USBKey side to
 *     fetch (GET /certs/{serial}/envelope).  The KM key never leaves the
 *     process, and no key is written in clear. */
#include "ra/request_int.h"
#include "crypto/key.h"
#include "km/km.h"
#include "util/err.h"
#include "util/util.h"

#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

const char *req_two_person_bar(const struct actor *a, json_t *r)
{
	const char *first = ra_str(r, "approver1"), *filer = ra_str(r, "submitter");

	if (filer && !strcmp(filer, a->name))
		return "filed";
	if (first && !strcmp(first, a->name))
		return "approved";
	return NULL;
}

int req_two_person(const struct actor *a, json_t *r, const char *action, const char **to)
{
	long long id = (long long)json_integer_value(json_object_get(r, "id"));
	const char *did;

	if (!strcmp(action, "reject") || !strcmp(action, "resubmit")) {
		/* a rejection starts the two approvals again */
		json_object_set_new(r, "approver1", json_null());
		return FINCA_OK;
	}
	if (strcmp(action, "approve"))
		return FINCA_OK;
	if ((did = req_two_person_bar(a, r)))
		return err_why(FINCA_EAUTH, NULL, "request.two_person",
			       "request %lld (key recovery): %s already %s it; the second step "
			       "needs another account (two-person rule)", id, a->name, did);
	if (!ra_str(r, "approver1")) {
		/* the first approval: the request waits for the second */
		json_object_set_new(r, "approver1", json_string(a->name));
		*to = "submitted";
	}
	return FINCA_OK;
}

struct recover_ctx {
	struct ca *ca;
	EVP_PKEY *to;            /* borrowed: the new signing key */
	const char *to_serial;   /* its certificate */
	const char *own_enc;     /* the encryption half of to's own pair */
	const char *only;        /* data.enc_serial, or NULL: all */
	int64_t now;
	json_t *done;            /* the serials delivered */
};

/* One escrowed key: opened, enveloped to ctx->to, kept. */
static int recover_one(void *arg, const char *enc_serial, const char *key_alg,
		       const unsigned char *sealed, size_t len)
{
	struct recover_ctx *x = arg;
	struct cert_rec c;
	struct envelope env;
	struct envelope_rec e;
	EVP_PKEY *key = NULL;
	X509 *cx = NULL;
	const unsigned char *p;
	unsigned char *der = NULL, *skf = NULL;
	size_t der_len = 0, skf_len = 0;
	int rc;

	(void)key_alg;
	if ((x->only && strcmp(x->only, enc_serial)) || !strcmp(x->own_enc, enc_serial))
		return FINCA_OK;
	memset(&c, 0, sizeof c);
	memset(&env, 0, sizeof env);
	/* the sealed key opens only as its certificate's key (km_escrow_open) */
	if ((rc = store_cert_get(ca_store(x->ca), enc_serial, &c)) != FINCA_OK)
		goto out;
	p = c.der;
	if (!(cx = d2i_X509(NULL, &p, (long)c.der_len))) {
		rc = err_ssl_why(FINCA_EINTEGRITY, "cert.der_unreadable",
				 "certificate %s: stored DER is unreadable", enc_serial);
		goto out;
	}
	if ((rc = km_escrow_open(x->ca->km_key, sealed, len, X509_get0_pubkey(cx), &key)))
		goto out;
	/* the envelope the new USBKey opens: GM/T 0009 and SKF for an SM2
	 * key, the PKCS#11 envelope for a P-256 one (km/envelope.c) */
	if (key_is_sm2(key) && key_is_sm2(x->to)) {
		if ((rc = envelope_build(key, x->to, &der, &der_len)) ||
		    (rc = envelope_parse(der, der_len, &env)) ||
		    (rc = envelope_to_skf(&env, &skf, &skf_len)))
			goto out;
	} else if ((rc = envelope_p11_build(key, x->to, &der, &der_len)) != FINCA_OK) {
		goto out;
	}
	memset(&e, 0, sizeof e);
	e.sign_serial = x->to_serial;
	e.enc_serial = enc_serial;
	e.recovered = 1;
	e.created_at = x->now;
	e.format = skf ? "gmt0009" : ENVELOPE_P11_FORMAT;
	e.blob = der;
	e.len = der_len;
	if ((rc = store_envelope_put(ca_store(x->ca), &e)) != FINCA_OK)
		goto out;
	if (skf) {
		e.format = "skf";
		e.blob = skf;
		e.len = skf_len;
		if ((rc = store_envelope_put(ca_store(x->ca), &e)) != FINCA_OK)
			goto out;
	}
	json_array_append_new(x->done, json_string(enc_serial));
out:
	envelope_clear(&env);
	EVP_PKEY_free(key);
	X509_free(cx);
	free(der);
	free(skf);
	cert_rec_clear(&c);
	return rc;
}

int req_recover(struct ca *ca, const struct actor *a, json_t *r)
{
	const char *to_serial = ra_str(r, "cert_serial");
	const char *only = ra_str(json_object_get(r, "data"), "enc_serial");
	struct cert_rec sc, ec;
	struct recover_ctx x;
	char onlyn[41], obj[64], *list = NULL;
	X509 *sx = NULL;
	const unsigned char *p;
	int64_t other;
	int is_sign, rc;
	json_t *d;

	memset(&sc, 0, sizeof sc);
	memset(&ec, 0, sizeof ec);
	memset(&x, 0, sizeof x);
	x.done = json_array();
	if (!ca->km_key) {
		rc = err_why(FINCA_ESTATE, NULL, "km.locked",
			     "key management: the KM key is not open; key recovery runs in the "
			     "serve daemon, which opens it with the CA passphrase");
		goto out;
	}
	if (only) {
		if (ca_serial_norm(only, onlyn) != FINCA_OK) {
			rc = err_why(FINCA_EINVAL, "data.enc_serial", "request.serial",
				     "not a serial number: %s", only);
			goto out;
		}
		only = onlyn;
	}
	/* the new USBKey's signing certificate: the valid signing half of
	 * an SM2 pair (the envelope is SM2 encryption to its key) or of a
	 * P-256 pair (the PKCS#11 envelope: ECDH with its key) */
	if ((rc = store_cert_get(ca_store(ca), to_serial, &sc)) != FINCA_OK)
		goto out;
	p = sc.der;
	if (sc.status != CERT_VALID || sc.not_after <= clock_now() ||
	    store_pair_other(ca_store(ca), sc.id, &other, &is_sign) != FINCA_OK || !is_sign ||
	    !(sx = d2i_X509(NULL, &p, (long)sc.der_len)) ||
	    (!key_is_sm2(X509_get0_pubkey(sx)) &&
	     !envelope_p11_fits((EVP_PKEY *)X509_get0_pubkey(sx)))) {
		err_clear();
		rc = err_why(FINCA_EINVAL, "cert_serial", "km.recover_to",
			     "certificate %s: not the valid signing half of an SM2 or P-256 dual pair; "
			     "recovered keys are enveloped to the new USBKey's signing certificate",
			     sc.serial);
		goto out;
	}
	if ((rc = store_cert_get_id(ca_store(ca), other, &ec)) != FINCA_OK)
		goto out;
	x.ca = ca;
	x.to = X509_get0_pubkey(sx);
	x.to_serial = sc.serial;
	x.own_enc = ec.serial;
	x.only = only;
	x.now = clock_now();
	/* the subject's escrow only: a person's by ID number, a unit's by its
	 * code (the subject of the signing certificate the request names,
	 * which request.c checked is the request's subject) */
	if ((rc = store_escrow_of(ca_store(ca), sc.id_number, sc.id_number ? NULL : sc.unit_code,
				  recover_one, &x)) != FINCA_OK)
		goto out;
	if (json_array_size(x.done) == 0) {
		if (only)
			rc = err_why(FINCA_EINVAL, "data.enc_serial", "km.recover_enc",
				     "encryption certificate %s: not the subject's, or not "
				     "escrowed", only);
		else
			rc = err_why(FINCA_ENOTFOUND, NULL, "km.nothing",
				     "%s has no escrowed encryption key to recover (besides "
				     "the new pair's own)", ra_str(r, "subject"));
		goto out;
	}
	{
		size_t n = 0, i;
		for (i = 0; i < json_array_size(x.done); i++)
			n += strlen(json_string_value(json_array_get(x.done, i))) + 1;
		list = xcalloc(1, n + 1);
		for (i = 0; i < json_array_size(x.done); i++) {
			if (i)
				strcat(list, " ");
			strcat(list, json_string_value(json_array_get(x.done, i)));
		}
	}
	json_object_set_new(r, "result", json_string(list));
	json_object_set_new(r, "result_serial", json_string(sc.serial));
	snprintf(obj, sizeof obj, "cert:%s", sc.serial);
	d = json_pack("{s:s, s:I}", "recovered", list, "request",
		      (json_int_t)json_integer_value(json_object_get(r, "id")));
	rc = ca_audit(ca, a->name, "km.recover", obj, d);
	json_decref(d);
out:
	free(list);
	X509_free(sx);
	cert_rec_clear(&sc);
	cert_rec_clear(&ec);
	json_decref(x.done);
	return rc;
}
