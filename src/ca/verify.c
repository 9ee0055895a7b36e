/* Is this certificate good?  Chain, validity, and status in the store. */
#include "ca/ca.h"
#include "crypto/sig.h"
#include "util/err.h"
#include "util/util.h"

#include <openssl/err.h>
#include <string.h>

int ca_verify(struct ca *ca, X509 *cert, struct verify_result *res)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	STACK_OF(X509) *untrusted = sk_X509_new_null();
	struct cert_rec r;
	BIGNUM *bn = NULL;
	unsigned char sb[64];
	int n, rc = FINCA_OK;
	int64_t now = clock_now();
	struct tm tm;

	memset(res, 0, sizeof *res);
	memset(&r, 0, sizeof r);
	snprintf(res->status, sizeof res->status, "unknown");
	/* every SM2 signature in the chain needs the ID set on the signed
	 * certificate: libcrypto does not do it for chains */
	sig_x509_set_sm2_id(cert);
	if (ca->root)
		X509_STORE_add_cert(store, ca->root);
	if (ca->service)
		X509_STORE_add_cert(store, ca->service);
	if (ca->issuing)
		sk_X509_push(untrusted, ca->issuing);
	X509_STORE_CTX_init(ctx, store, cert, untrusted);
	X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx), (time_t)now);
	X509_VERIFY_PARAM_set_flags(X509_STORE_CTX_get0_param(ctx),
				    X509_V_FLAG_X509_STRICT);
	ERR_clear_error();
	if (X509_verify_cert(ctx) == 1) {
		res->chain_ok = 1;
	} else {
		int e = X509_STORE_CTX_get_error(ctx);
		snprintf(res->chain_error, sizeof res->chain_error, "%s",
			 X509_verify_cert_error_string(e));
		/* an expired certificate is still ours: report its status */
		if (e == X509_V_ERR_CERT_HAS_EXPIRED)
			res->chain_ok = -1;
	}
	ERR_clear_error();
	if (ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm))
		res->not_after = (int64_t)timegm(&tm);
	bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
	n = bn ? BN_num_bytes(bn) : 0;
	if (!bn || n > 20) {
		snprintf(res->chain_error, sizeof res->chain_error,
			 "serial number is not 1..20 octets");
		res->chain_ok = 0;
		goto out;
	}
	BN_bn2bin(bn, sb);
	hex_encode(sb, (size_t)n, res->serial);
	if (!res->chain_ok)
		goto out;
	rc = store_cert_get(ca_store(ca), res->serial, &r);
	if (rc == FINCA_ENOTFOUND) {
		/* chains to our CA, yet we have no record: say so loudly */
		rc = FINCA_OK;
		goto out;
	}
	if (rc)
		goto out;
	{
		unsigned char *der = NULL;
		int dl = i2d_X509(cert, &der);
		int same = dl > 0 && (size_t)dl == r.der_len && !memcmp(der, r.der, r.der_len);
		OPENSSL_free(der);
		if (!same) {
			snprintf(res->status, sizeof res->status, "unknown");
			snprintf(res->chain_error, sizeof res->chain_error,
				 "the store holds a different certificate with this serial");
			res->chain_ok = 0;
			goto out;
		}
	}
	snprintf(res->status, sizeof res->status, "%s", ca_status_name(&r, now));
	snprintf(res->issuer, sizeof res->issuer, "%s", r.issuer);
	res->reason = r.status == CERT_HOLD ? 6 : r.reason;
	res->revoked_at = r.revoked_at;
out:
	BN_free(bn);
	cert_rec_clear(&r);
	sk_X509_free(untrusted);
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	return rc;
}
