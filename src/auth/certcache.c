/* Verified certificates remembered by the SHA-256 of their DER.
 *
 * Checking a presented certificate costs a decode (OpenSSL 3.0's decoder)
 * and a chain of signature checks; an application system sends the same
 * TLS certificate and the same holders' certificates again and again.
 * What cannot change is kept: the key, that the chain verified, serial,
 * validity, subject fields.  What can change, the status, is read from the
 * store every time, so a revocation or freeze counts at the next request. */
#include "auth/auth.h"
#include "ca/dn.h"
#include "util/err.h"
#include "util/util.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define NSLOT 1024 /* a power of two; direct-mapped */

struct entry {
	unsigned char hash[32];
	int used;
	EVP_PKEY *key;          /* owned reference */
	char serial[41];
	int64_t not_before, not_after;
	char name[129], unit[129];
};

struct certcache {
	pthread_mutex_t mu;
	struct entry *e;        /* owned, NSLOT */
};

struct certcache *certcache_new(void)
{
	struct certcache *c = xcalloc(1, sizeof *c);

	pthread_mutex_init(&c->mu, NULL);
	c->e = xcalloc(NSLOT, sizeof *c->e);
	return c;
}

void certcache_free(struct certcache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < NSLOT; i++)
		EVP_PKEY_free(c->e[i].key);
	pthread_mutex_destroy(&c->mu);
	free(c->e);
	free(c);
}

static int64_t asn1_time(const ASN1_TIME *t)
{
	struct tm tm;

	return ASN1_TIME_to_tm(t, &tm) ? (int64_t)timegm(&tm) : 0;
}

/* Decodes and chain-checks der; fills e (key referenced). */
static int full_check(struct ca *ca, const unsigned char *der, size_t len,
		      struct entry *e)
{
	const unsigned char *p = der;
	struct verify_result v;
	X509 *x = d2i_X509(NULL, &p, (long)len);
	int rc;

	if (!x || p != der + len) {
		X509_free(x);
		return err_why(FINCA_EINVAL, "certificate", "auth.cert_der",
			       "not a DER certificate");
	}
	if ((rc = ca_verify(ca, x, &v)) != FINCA_OK)
		goto out;
	/* a certificate of ours that has expired (ca_verify's -1, the leaf
	 * itself past its end) is refused below, by its time, with a reason
	 * of its own (auth.cert_expired) rather than as a broken chain */
	if (v.chain_ok != 1 && !(v.chain_ok == -1 && clock_now() > v.not_after)) {
		rc = err_why(FINCA_EAUTH, NULL, "auth.cert_chain", "certificate %s: %s", v.serial,
			     v.chain_error[0] ? v.chain_error : "not issued by this CA");
		goto out;
	}
	memcpy(e->serial, v.serial, sizeof e->serial);
	e->not_before = asn1_time(X509_get0_notBefore(x));
	e->not_after = asn1_time(X509_get0_notAfter(x));
	dn_attr(X509_get_subject_name(x), NID_commonName, e->name, sizeof e->name);
	dn_attr(X509_get_subject_name(x), NID_organizationName, e->unit, sizeof e->unit);
	e->key = X509_get0_pubkey(x);
	EVP_PKEY_up_ref(e->key);
	e->used = 1;
out:
	X509_free(x);
	return rc;
}

int certcache_check(struct certcache *c, struct ca *ca, const unsigned char *der,
		    size_t len, struct checked *out)
{
	struct entry e;
	struct cert_rec r;
	unsigned char h[32];
	unsigned int hl;
	int64_t now = clock_now();
	size_t slot;
	int rc, hit = 0;

	memset(out, 0, sizeof *out);
	memset(&e, 0, sizeof e);
	memset(&r, 0, sizeof r);
	if (!EVP_Digest(der, len, h, &hl, EVP_sha256(), NULL))
		return err_why(FINCA_ECRYPTO, NULL, "auth.hash", "hashing a certificate");
	slot = ((size_t)h[0] | (size_t)h[1] << 8) & (NSLOT - 1);
	pthread_mutex_lock(&c->mu);
	if (c->e[slot].used && !memcmp(c->e[slot].hash, h, 32)) {
		e = c->e[slot];
		EVP_PKEY_up_ref(e.key);
		hit = 1;
	}
	pthread_mutex_unlock(&c->mu);
	if (!hit) {
		if ((rc = full_check(ca, der, len, &e)) != FINCA_OK)
			return rc;
		memcpy(e.hash, h, 32);
		pthread_mutex_lock(&c->mu);
		EVP_PKEY_free(c->e[slot].key);
		c->e[slot] = e;
		EVP_PKEY_up_ref(e.key);
		pthread_mutex_unlock(&c->mu);
	}
	/* what may have changed since: time and status */
	if (now < e.not_before || now > e.not_after) {
		rc = account_cert_refused(e.serial, now > e.not_after ? "expired" : "not yet valid",
					  NULL);
		goto out;
	}
	if ((rc = store_cert_get(ca_store(ca), e.serial, &r)) != FINCA_OK) {
		if (rc == FINCA_ENOTFOUND)
			rc = err_why(FINCA_EAUTH, NULL, "auth.cert_foreign",
				     "certificate %s: not issued by this CA", e.serial);
		goto out;
	}
	{
		/* the stored certificate must be this very one */
		unsigned char h2[32];
		unsigned int h2l;
		if (!EVP_Digest(r.der, r.der_len, h2, &h2l, EVP_sha256(), NULL) ||
		    memcmp(h, h2, 32)) {
			rc = err_why(FINCA_EAUTH, NULL, "auth.cert_twin",
				     "certificate %s: the store holds another certificate with this serial",
				     e.serial);
			goto out;
		}
	}
	snprintf(out->status, sizeof out->status, "%s", ca_status_name(&r, now));
	out->reason = r.status == CERT_HOLD ? 6 : r.reason;
	memcpy(out->serial, e.serial, sizeof out->serial);
	out->not_after = e.not_after;
	memcpy(out->name, e.name, sizeof out->name);
	memcpy(out->unit, e.unit, sizeof out->unit);
	snprintf(out->id_number, sizeof out->id_number, "%s", r.id_number ? r.id_number : "");
	snprintf(out->unit_code, sizeof out->unit_code, "%s", r.unit_code ? r.unit_code : "");
	out->key = e.key;
	e.key = NULL;
	rc = FINCA_OK;
out:
	EVP_PKEY_free(e.key);
	cert_rec_clear(&r);
	return rc;
}
