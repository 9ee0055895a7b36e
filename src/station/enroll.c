/* The token station: enrolment, the encryption keys imported (at
 * enrolment, and after a key recovery: import-keys) and the PIN reset.
 * The key is made on the token, the token signs the PKCS#10 request
 * itself, and the certificate goes back onto the token; one that never
 * gets there is revoked again (the compensating revoke), so no
 * certificate is valid without its USBKey. */
#include "station/station_int.h"
#include "ca/dn.h"
#include "crypto/key.h"
#include "crypto/pem.h"
#include "km/km.h"
#include "util/err.h"
#include "util/util.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
		rc = err_ssl_why(FINCA_ECRYPTO, "station.csr", "certificate request");
		goto out;
	}
	if ((rc = p11_sign(st->s, &st->sm2, pub, id, idlen, tbs, (size_t)tl, &sig,
			   &siglen)) != FINCA_OK)
		goto out;
	if ((bits = ASN1_BIT_STRING_new()) == NULL ||
	    !ASN1_BIT_STRING_set(bits, sig, (int)siglen)) {
		rc = err_ssl_why(FINCA_ECRYPTO, "station.csr", "certificate request");
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
		rc = err_ssl_why(FINCA_ECRYPTO, "station.csr", "certificate request");
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

/* --- the encryption key of a dual pair (issue 16) ---
 *
 * A pair's encryption key is made by the KM, not on the token; it reaches
 * the token only as an envelope opened there by the signing key (km/km.h):
 * the PKCS#11 envelope of a P-256 key through C_DeriveKey and C_UnwrapKey
 * (p11_import_p256), the GM/T 0016 blob of an SM2 key through the
 * vendor's mechanism (p11_import_sm2).  The clear key is never on this
 * host.
 *
 * When: after the signing certificate is on the token and before the
 * enrolment is committed, so that an enrolment is not done until its
 * encryption key is imported: a failure takes the compensating path of
 * any other (the pair revoked, the token's objects of this enrolment
 * destroyed), and a station that dies in between leaves the token
 * initialised with a pending certificate, which the next enrolment
 * revokes and wipes, as before pairs.  The envelope is kept by the CA
 * (km_envelope), so an import can always be made again from it. */

/* Imports one envelope item {enc_serial, format, der, certificate} under
 * a new CKA_ID; *done 1 when it was a format this token takes (gmt0009
 * is skipped: its skf twin carries the same key for the SKF path). */
static int import_one(struct station *st, json_t *it, const unsigned char *sign_id,
		      size_t sign_idlen, const char *label, unsigned char eid[16], int *done)
{
	const char *fmt = json_string_value(json_object_get(it, "format"));
	const char *b64 = json_string_value(json_object_get(it, "der"));
	const char *pem = json_string_value(json_object_get(it, "certificate"));
	struct envelope_p11 e;
	unsigned char *der = NULL;
	size_t len = 0;
	char elabel[80];
	X509 *x = NULL;
	int rc;

	*done = 0;
	memset(&e, 0, sizeof e);
	if (!fmt || (strcmp(fmt, ENVELOPE_P11_FORMAT) && strcmp(fmt, "skf")))
		return FINCA_OK;
	if (!b64 || !pem || b64_decode(b64, 16384, &der, &len) != FINCA_OK ||
	    pem_x509_parse(pem, &x) != FINCA_OK) {
		rc = err_why(FINCA_EIO, NULL, "station.envelope_answer",
			     "the server's enveloped key is incomplete (der, certificate)");
		goto out;
	}
	if (RAND_bytes(eid, 16) != 1) {
		rc = err_ssl_why(FINCA_ECRYPTO, "station.key_id", "key id");
		goto out;
	}
	/* the label says which key it is: the holder's name, encryption */
	snprintf(elabel, sizeof elabel, "%.60s (enc)", label);
	if (!strcmp(fmt, "skf")) {
		rc = p11_import_sm2(st->s, &st->sm2, sign_id, sign_idlen, der, len, eid, 16,
				    elabel, x);
	} else if ((rc = envelope_p11_parse(der, len, &e)) == FINCA_OK) {
		rc = p11_import_p256(st->s, sign_id, sign_idlen, e.eph, e.wrapped, e.wrapped_len,
				     eid, 16, elabel, x);
	}
	*done = rc == FINCA_OK;
out:
	envelope_p11_clear(&e);
	free(der);
	X509_free(x);
	return rc;
}

/* One run of imports onto the token: what it put there, recorded once
 * all of it went on (import_record), or destroyed should any of it fail
 * (import_undo), so a failed run leaves the token as it found it and
 * records nothing. */
struct import_run {
	size_t n;                                  /* keys put on the token */
	unsigned char eid[STATION_ENC_MAX][16];    /* their CKA_IDs */
	char sign[STATION_ENC_MAX][41];            /* the signing certificate */
	char enc[STATION_ENC_MAX][41];             /* the encryption certificate */
	char fmt[STATION_ENC_MAX][16];             /* its envelope's format */
	/* the encryption certificates on the token, found there or put
	 * there by this run: an envelope of one of them is not imported
	 * again (import-keys run twice adds nothing) */
	char on[P11_CERTS_MAX + STATION_ENC_MAX][41];
	size_t non;
};

static int import_on(const struct import_run *r, const char *enc)
{
	for (size_t i = 0; i < r->non; i++)
		if (!strcasecmp(r->on[i], enc))
			return 1;
	return 0;
}

/* Every enveloped key of the signing certificate serial not yet on the
 * token onto it, beside the signing key sign_id, added to r. */
static int import_keys(struct station *st, const char *serial, const unsigned char *sign_id,
		       size_t sign_idlen, const char *label, struct import_run *r)
{
	json_t *j = NULL, *arr;
	int rc, done;

	rc = st->ops->envelopes(st->inv, serial, &j);
	if (rc == FINCA_ENOTFOUND) {
		err_clear();           /* one certificate, no pair */
		return FINCA_OK;
	}
	if (rc != FINCA_OK)
		return rc;
	arr = json_object_get(j, "envelopes");
	for (size_t i = 0; i < json_array_size(arr) && rc == FINCA_OK; i++) {
		json_t *it = json_array_get(arr, i);
		const char *enc = json_string_value(json_object_get(it, "enc_serial")) ?: "";
		const char *fmt = json_string_value(json_object_get(it, "format")) ?: "";
		if (import_on(r, enc))
			continue;
		if (r->n == STATION_ENC_MAX) {
			rc = err_why(FINCA_ELIMIT, NULL, "station.envelopes_max",
				     "certificate %s: more than %d enveloped keys", serial,
				     STATION_ENC_MAX);
			break;
		}
		if ((rc = import_one(st, it, sign_id, sign_idlen, label, r->eid[r->n], &done))) {
			err_append(" (encryption certificate %s of certificate %s)", enc, serial);
			break;
		}
		if (!done)
			continue;
		snprintf(r->sign[r->n], sizeof r->sign[0], "%s", serial);
		snprintf(r->enc[r->n], sizeof r->enc[0], "%s", enc);
		snprintf(r->fmt[r->n], sizeof r->fmt[0], "%s", fmt);
		snprintf(r->on[r->non++], sizeof r->on[0], "%s", enc);
		r->n++;
	}
	json_decref(j);
	return rc;
}

/* Each import of r recorded (audited token.key_import).  XXX: when one
 * record is refused after others were made, import_undo takes all the
 * keys off the token, and the trail keeps those records with no record
 * of the removal. */
static int import_record(struct station *st, const struct import_run *r)
{
	int rc = FINCA_OK;

#ifdef FINCA_TESTING
	/* tests pull the token out after the key went on, before the import
	 * is recorded: the compensation must take both halves */
	if (r->n && getenv("FINCA_FAULT") && !strcmp(getenv("FINCA_FAULT"), "import-removed"))
		return err_why(FINCA_EIO, NULL, "token.removed",
			       "%s: the token was removed or is not present; "
			       "insert it and start again", "import the encryption key");
#endif
	for (size_t i = 0; i < r->n && rc == FINCA_OK; i++)
		rc = st->ops->key_import(st->inv, st->tok.serial, r->sign[i], r->enc[i],
					 r->fmt[i]);
	return rc;
}

/* The keys r put on the token destroyed (best effort: the token may be
 * gone). */
static void import_undo(struct station *st, struct import_run *r)
{
	for (size_t i = 0; i < r->n; i++)
		p11_destroy(st->s, r->eid[i], sizeof r->eid[i]);
	r->n = 0;
}

int station_import_keys(struct station *st, struct station_imported *out)
{
	struct p11_cert *sc = NULL, *ec = NULL;
	struct import_run run, *r = &run;
	size_t nsc = 0, nec = 0;
	char serial[41], label[64];
	int rc;

	memset(r, 0, sizeof *r);
	if (!st->ops)
		return err_why(FINCA_EINVAL, NULL, "station.no_inventory",
			       "import-keys: no inventory (give -d DIR or --server)");
	if ((rc = station_token(st)) || (rc = station_user_login(st)) ||
	    (rc = p11_get_certs(st->s, &sc, &nsc)) || (rc = p11_get_enc_certs(st->s, &ec, &nec)))
		goto out;
	if (nsc == 0) {
		rc = err_why(FINCA_ENOTFOUND, NULL, "token.no_cert",
			     "the token holds no certificate");
		goto out;
	}
	for (size_t i = 0; i < nec && r->non < P11_CERTS_MAX; i++)
		ca_cert_serial(ec[i].x, r->on[r->non++]);
	/* each signing certificate's envelopes: its pair's own key, and the
	 * old keys a key recovery (ra/recover.c) enveloped to it */
	for (size_t i = 0; i < nsc && rc == FINCA_OK; i++) {
		ca_cert_serial(sc[i].x, serial);
		dn_attr(X509_get_subject_name(sc[i].x), NID_commonName, label, sizeof label);
		if (!label[0])
			snprintf(label, sizeof label, "finca");
		rc = import_keys(st, serial, sc[i].id, sc[i].idlen, label, r);
	}
	if (rc == FINCA_OK)
		rc = import_record(st, r);
	if (rc != FINCA_OK) {
		if (r->n)
			err_append(" (nothing of this run left on the token)");
		import_undo(st, r);
		goto out;
	}
	for (size_t i = 0; i < r->n; i++)
		snprintf(out->enc[i], sizeof out->enc[0], "%s", r->enc[i]);
	out->nenc = r->n;
	out->present = nec;
out:
	p11_certs_free(sc, nsc);
	p11_certs_free(ec, nec);
	return rc;
}

/* The request says what to issue (revoking first what a reissue
 * replaces); the station's arguments are filled from it (borrowed from
 * st->spec). */
static int request_spec(struct station *st)
{
	json_t *s;
	int rc;

	if ((rc = st->ops->enroll_spec(st->inv, st->a.request, &st->spec)) != FINCA_OK)
		return rc;
	s = st->spec;
	if (st->a.profile || st->a.subject || st->a.person || st->a.replaces)
		return err_why(FINCA_EINVAL, NULL, "station.request_only",
			       "--request says what to issue: leave out --profile, "
			       "--subject, --person and --replaces");
	st->a.profile = json_string_value(json_object_get(s, "profile"));
	st->a.subject = json_string_value(json_object_get(s, "subject"));
	st->a.person = json_string_value(json_object_get(s, "id_number"));
	st->a.unit_code = json_string_value(json_object_get(s, "unit_code"));
	st->a.replaces = json_string_value(json_object_get(s, "replaces"));
	return FINCA_OK;
}

int station_enroll(struct station *st, struct station_enrolled *out)
{
	unsigned char id[16], *csr = NULL;
	size_t csrlen = 0;
	struct import_run run, *r = &run;   /* the token is wiped below: none on it */
	char serial[41], label[64];
	struct issue_req rq;
	X509_NAME *name = NULL;
	EVP_PKEY *pub = NULL;
	X509 *x = NULL;
	json_t *inv = NULL;
	int rc, keys = 0;
	const char *state;

	memset(r, 0, sizeof *r);
	if (!st->ops)
		return err_why(FINCA_EINVAL, NULL, "station.no_inventory",
			       "enroll: no inventory (give -d DIR or --server)");
	if (st->a.request && (rc = request_spec(st)) != FINCA_OK)
		return rc;
	if (!st->a.profile || !st->a.subject)
		return err_why(FINCA_EINVAL, NULL, "station.enroll_what",
			       "enroll: give --request ID, or --profile and --subject "
			       "(and --person for a person)");
	if ((rc = station_token(st)) || (rc = station_user_login(st)))
		return rc;
	if (RAND_bytes(id, sizeof id) != 1)
		return err_ssl_why(FINCA_ECRYPTO, "station.key_id", "key id");
	/* only a token the inventory has as initialised is enrolled; it holds
	 * nothing of value, so keys left by an enrolment that died go */
	if ((rc = station_get(st, st->tok.serial, 0, &inv)) != FINCA_OK) {
		err_append(" (finca token init registers it)");
		return rc;
	}
	state = json_string_value(json_object_get(inv, "state"));
	if (!state || strcmp(state, "initialized"))
		rc = err_why(FINCA_ESTATE, NULL, "station.enroll_state",
			     "token %s is %s: enrolment needs an initialised token",
			     st->tok.serial, state ? state : "unknown");
	json_decref(inv);
	if (rc != FINCA_OK || (rc = dn_parse(st->a.subject, &name)) != FINCA_OK)
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
	if ((rc = token_csr(st, name, pub, id, sizeof id, &csr, &csrlen)) != FINCA_OK)
		goto out;
	memset(&rq, 0, sizeof rq);
	rq.profile = st->a.profile;
	rq.csr_der = csr;
	rq.csr_len = csrlen;
	rq.id_number = st->a.person;
	rq.days = st->a.days;
	rq.replaces = st->a.replaces;
	rq.unit_code = st->a.unit_code;
	rq.action = "cert.issue.token";
	if ((rc = st->ops->enroll_begin(st->inv, st->tok.serial, &rq, &x)) != FINCA_OK)
		goto out;
	ca_cert_serial(x, serial);
	if (!key_public_equal(pub, X509_get0_pubkey(x)))
		rc = err_why(FINCA_EINTEGRITY, NULL, "station.cert_key",
			     "the CA returned a certificate for another key");
	else
		rc = p11_put_cert(st->s, id, sizeof id, label, x);
	if (rc == FINCA_OK && (rc = import_keys(st, serial, id, sizeof id, label, r)) == FINCA_OK)
		rc = import_record(st, r);
	if (rc == FINCA_OK && (rc = st->ops->enroll_end(st->inv, st->tok.serial, serial,
						       st->a.request, NULL)) == FINCA_OK) {
		keys = 0;
		snprintf(out->cert, sizeof out->cert, "%s", serial);
		snprintf(out->label, sizeof out->label, "%s", label);
		for (size_t i = 0; i < r->n; i++)
			snprintf(out->enc[i], sizeof out->enc[0], "%s", r->enc[i]);
		out->nenc = r->n;
		goto out;
	}
	/* the certificate never became usable: revoke it; the key goes below */
	{
		char why[256];
		struct err_state e;
		/* the failure as made (reason, field, parameters), past the
		 * revocation's calls */
		err_save(&e);
		snprintf(why, sizeof why, "%s", err_msg());
		snprintf(out->cert, sizeof out->cert, "%s", serial);
		if (st->ops->enroll_end(st->inv, st->tok.serial, serial, st->a.request,
					why) != FINCA_OK)
			snprintf(out->unrevoked, sizeof out->unrevoked, "%s", err_msg());
		e.rc = rc;
		err_restore(&e);
		err_append(" (certificate %s revoked, nothing left on the token)", serial);
	}
out:
	if (keys) {
		p11_destroy(st->s, id, sizeof id);   /* best effort: it may be gone */
		import_undo(st, r);
	}
	X509_NAME_free(name);
	EVP_PKEY_free(pub);
	X509_free(x);
	OPENSSL_free(csr);
	return rc;
}

int station_pin_reset(struct station *st, struct station_envelope *out)
{
	char pin[PIN_DEFAULT_LEN + 1], code[LOSS_CODE_BUF], *so = NULL;
	int rc;

	if (!st->ops)
		return err_why(FINCA_EINVAL, NULL, "station.no_inventory",
			       "reset-pin: no inventory (give -d DIR or --server)");
	if ((rc = station_token(st)) != FINCA_OK)
		return rc;
	if (!st->s)
		return err_why(FINCA_ESTATE, NULL, "station.not_initialised",
			       "token %s is not initialised", st->tok.serial);
	/* with a request: an accepted PIN reset of this token (so_pin checks,
	 * pin_event moves the request on) */
	if ((rc = pin_random(pin)) ||
	    (rc = st->ops->so_pin(st->inv, st->tok.serial, st->a.request, &so)) ||
	    (rc = p11_login(st->s, 1, so)) || (rc = p11_init_pin(st->s, pin)) ||
	    (rc = st->ops->pin_event(st->inv, st->tok.serial, 0, st->a.request, code)))
		goto out;
	memcpy(out->pin, pin, sizeof out->pin);
	memcpy(out->code, code, sizeof out->code);
out:
	if (so) {
		OPENSSL_cleanse(so, strlen(so));
		free(so);
	}
	OPENSSL_cleanse(pin, sizeof pin);
	OPENSSL_cleanse(code, sizeof code);
	return rc;
}
