/* Dual certificates (双证书, GM/T 0015, GM/T 0034): a signing certificate
 * for the subscriber's own key and an encryption certificate for a key
 * pair made by the KM (km/km.h), issued as one batch of two through
 * ca_issue, so that the pair, its link and the escrowed key are stored in
 * one transaction, or none of them. */
#include "ca/ca.h"
#include "crypto/csr.h"
#include "crypto/key.h"
#include "km/km.h"
#include "util/err.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

void dual_out_clear(struct dual_out *o)
{
	if (!o)
		return;
	X509_free(o->sign);
	X509_free(o->enc);
	free(o->env);
	free(o->skf);
	memset(o, 0, sizeof *o);
}

int ca_profile_dual(const struct ca *ca, const struct profile *p)
{
	if (!profile_may_pair(p) || p->dual == 0)
		return 0;
	if (p->dual == 1)
		return !strcmp(ca->algorithm, "sm2") || !strcmp(ca->algorithm, "p256");
	return !strcmp(ca->algorithm, "sm2");
}

static int keep_two(void *arg, size_t i, X509 *cert)
{
	return ca_cert_copy(cert, &((X509 **)arg)[i]);
}

/* out: the caller's, filled only on success */
int ca_issue_dual(struct ca *ca, const struct actor *a, const struct issue_req *rq,
		  struct dual_out *out)
{
	const struct profile *p = config_profile(ca->cfg, rq->profile);
	struct issue_req two[2];
	struct csr csr;
	struct envelope env;
	EVP_PKEY *km_pub = NULL, *enc = NULL, *sign_key;
	unsigned char *env_der = NULL, *skf = NULL;
	size_t env_len = 0, skf_len = 0;
	X509 *xs[2] = { NULL, NULL };
	unsigned char *sealed = NULL;
	size_t sealed_len = 0;
	char *cadir = NULL;
	int rc;

	memset(&csr, 0, sizeof csr);
	memset(&env, 0, sizeof env);
	memset(out, 0, sizeof *out);
	if (!p) {
		rc = FINCA_EINVAL;
		goto out;
	}
	if (!ca_profile_dual(ca, p)) {
		rc = err_why(FINCA_EPOLICY, NULL, "km.profile_no_dual",
			     "profile %s: issues no dual certificates (subscriber profiles of an SM2 CA, or dual = yes)",
			     p->name);
		goto out;
	}
	cadir = path_join(ca->dir, "ca");
	if ((rc = km_public_load(cadir, &km_pub)) != FINCA_OK ||
	    (rc = km_keypair_make(!strcmp(ca->algorithm, "sm2") ? KEY_SM2 : KEY_P256, &enc)) ||
	    (rc = km_escrow_seal(km_pub, enc, &sealed, &sealed_len)))
		goto out;
	two[0] = *rq;
	two[0].pair_role = PAIR_SIGN;
	two[1] = *rq;
	two[1].csr_der = NULL;
	two[1].csr_len = 0;
	two[1].pubkey = enc;
	two[1].replaces = rq->pair_replaces;
	two[1].pair_role = PAIR_ENC;
	two[1].escrow = sealed;
	two[1].escrow_len = sealed_len;
	/* the signing key, and the same subject for both halves: the
	 * request's, else the CSR's (ca_issue checks the CSR again) */
	sign_key = rq->pubkey;
	if (rq->csr_der) {
		if ((rc = csr_parse(rq->csr_der, rq->csr_len, &csr)) != FINCA_OK)
			goto out;
		sign_key = csr.key;
		if (!rq->subject && !rq->subject_name)
			two[1].subject_name = csr.subject;
	}
	if (!sign_key) {
		rc = err_why(FINCA_EINVAL, NULL, "issue.no_key", "no CSR and no public key");
		goto out;
	}
	/* the envelope for the signing key's USBKey (SM2: GM/T 0009; a
	 * P-256 signing key: the PKCS#11 envelope any token opens), made
	 * before anything is issued, so that a pair is never stored without
	 * it; another signing key (RSA) gets none: its holder's key stays with
	 * the KM */
	if (key_is_sm2(enc)) {
		if ((rc = envelope_build(enc, sign_key, &env_der, &env_len)) ||
		    (rc = envelope_parse(env_der, env_len, &env)) ||
		    (rc = envelope_to_skf(&env, &skf, &skf_len)))
			goto out;
	} else if (envelope_p11_fits(sign_key)) {
		if ((rc = envelope_p11_build(enc, sign_key, &env_der, &env_len)) != FINCA_OK)
			goto out;
		two[1].env_format = ENVELOPE_P11_FORMAT;
	}
	two[1].env = env_der;
	two[1].env_len = env_len;
	two[1].skf = skf;
	two[1].skf_len = skf_len;
	if ((rc = ca_issue(ca, a, two, 2, keep_two, xs)) != FINCA_OK)
		goto out;
	out->env = env_der;
	out->env_len = env_len;
	out->skf = skf;
	out->skf_len = skf_len;
	env_der = skf = NULL;
	out->sign = xs[0];
	out->enc = xs[1];
	xs[0] = xs[1] = NULL;
out:
	if (rc != FINCA_OK)
		dual_out_clear(out);
	X509_free(xs[0]);
	X509_free(xs[1]);
	envelope_clear(&env);
	csr_clear(&csr);
	EVP_PKEY_free(km_pub);
	EVP_PKEY_free(enc);
	if (sealed)
		OPENSSL_cleanse(sealed, sealed_len);
	free(sealed);
	free(env_der);
	free(skf);
	free(cadir);
	return rc;
}

/* 1 when the signing key of rq (its CSR's, or rq->pubkey) is SM2. */
static int sign_key_sm2(const struct issue_req *rq)
{
	struct csr csr;
	int sm2;

	if (!rq->csr_der)
		return rq->pubkey && key_is_sm2(rq->pubkey);
	memset(&csr, 0, sizeof csr);
	sm2 = csr_parse(rq->csr_der, rq->csr_len, &csr) == FINCA_OK && key_is_sm2(csr.key);
	csr_clear(&csr);
	err_clear(); /* a bad CSR is named by ca_issue itself */
	return sm2;
}

int ca_issue_auto(struct ca *ca, const struct actor *a, const struct issue_req *rq,
		  X509 **out)
{
	const struct profile *p = config_profile(ca->cfg, rq->profile);
	struct dual_out d;
	int rc;

	if (!p || !ca_profile_dual(ca, p))
		return ca_issue_one(ca, a, rq, out); /* names an unknown profile */
	/* an SM2 pair's encryption key reaches its USBKey only as a GM/T 0009
	 * envelope, SM2 encryption to the signing key: a signing key of
	 * another kind (a P-256 key made on a token that has no SM2, as
	 * SoftHSM) gets one certificate, as before pairs.  `cert issue
	 * --dual` asks for the pair and is refused instead. */
	if (!strcmp(ca->algorithm, "sm2") && !sign_key_sm2(rq))
		return ca_issue_one(ca, a, rq, out);
	if ((rc = ca_issue_dual(ca, a, rq, &d)) == FINCA_OK) {
		*out = d.sign;
		d.sign = NULL;
	}
	dual_out_clear(&d);
	return rc;
}
