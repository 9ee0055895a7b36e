#include "crypto/sig.h"
#include "crypto/key.h"
#include "util/err.h"

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <string.h>

static const char *md_for(const EVP_PKEY *key)
{
	return key_is_sm2(key) ? "SM3" : "SHA256";
}

/* Sets the SM2 ID on an initialised sign or verify context.  (Passing it as
 * a parameter to EVP_DigestSignInit_ex fails in OpenSSL 3.0; setting it
 * after init and before the first update works, the Z digest being computed
 * at the first update.) */
static int set_id(EVP_PKEY_CTX *pctx, const EVP_PKEY *key)
{
	if (!key_is_sm2(key))
		return 1;
	return EVP_PKEY_CTX_set1_id(pctx, SM2_DEFAULT_ID,
				    sizeof(SM2_DEFAULT_ID) - 1) == 1;
}

int sig_sign_ctx(EVP_PKEY *key, EVP_MD_CTX **out)
{
	const char *md = md_for(key);
	EVP_PKEY_CTX *pctx = NULL; /* owned by ctx */
	EVP_MD_CTX *ctx;

	ERR_clear_error();
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit_ex(ctx, &pctx, md, NULL, NULL, key, NULL) != 1 ||
	    !set_id(pctx, key)) {
		EVP_MD_CTX_free(ctx);
		return err_ssl_why(FINCA_ECRYPTO, "sig.prepare", "preparing %s signature", md);
	}
	*out = ctx;
	return FINCA_OK;
}

int sig_sign(EVP_PKEY *key, const unsigned char *data, size_t len,
	     unsigned char **sig, size_t *siglen)
{
	EVP_MD_CTX *ctx = NULL;
	unsigned char *s = NULL;
	size_t n = 0;
	int rc;

	if ((rc = sig_sign_ctx(key, &ctx)) != FINCA_OK)
		return rc;
	if (EVP_DigestSign(ctx, NULL, &n, data, len) != 1 ||
	    (s = OPENSSL_malloc(n)) == NULL ||
	    EVP_DigestSign(ctx, s, &n, data, len) != 1) {
		rc = err_ssl_why(FINCA_ECRYPTO, "sig.sign", "signing");
		OPENSSL_free(s);
		goto out;
	}
	*sig = s;
	*siglen = n;
out:
	EVP_MD_CTX_free(ctx);
	return rc;
}

static int verify_with(EVP_PKEY *pub, const char *md, const unsigned char *data,
		       size_t len, const unsigned char *sig, size_t siglen)
{
	EVP_PKEY_CTX *pctx = NULL; /* owned by ctx */
	EVP_MD_CTX *ctx = NULL;
	int rc = FINCA_OK, ok;

	ERR_clear_error();
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestVerifyInit_ex(ctx, &pctx, md, NULL, NULL, pub, NULL) != 1 ||
	    !set_id(pctx, pub)) {
		rc = err_ssl_why(FINCA_ECRYPTO, "sig.prepare_verify",
				 "preparing %s verification", md);
		goto out;
	}
	ok = EVP_DigestVerify(ctx, sig, siglen, data, len);
	ERR_clear_error();
	if (ok != 1)
		rc = err_why(FINCA_ECRYPTO, NULL, "sig.bad", "signature does not verify");
out:
	EVP_MD_CTX_free(ctx);
	return rc;
}

int sig_verify(EVP_PKEY *pub, const unsigned char *data, size_t len,
	       const unsigned char *sig, size_t siglen)
{
	return verify_with(pub, md_for(pub), data, len, sig, siglen);
}

/* The size of r and of s in a raw signature by key (the order's bytes),
 * or 0 for a key that is not EC or SM2. */
static size_t raw_half(const EVP_PKEY *key)
{
	if (!key_is_sm2(key) && EVP_PKEY_get_base_id(key) != EVP_PKEY_EC)
		return 0;
	return (size_t)(EVP_PKEY_get_bits(key) + 7) / 8;
}

/* Whether sig is exactly one DER ECDSA-Sig-Value, nothing after it. */
static int is_der_sig(const unsigned char *sig, size_t siglen)
{
	const unsigned char *p = sig;
	ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)siglen);
	int ok = es && p == sig + siglen;

	ECDSA_SIG_free(es);
	ERR_clear_error();
	return ok;
}

int sig_raw_to_der(const EVP_PKEY *key, const unsigned char *raw, size_t len,
		   unsigned char **der, size_t *derlen)
{
	size_t half = raw_half(key);
	ECDSA_SIG *es = NULL;
	BIGNUM *r = NULL, *s = NULL;
	unsigned char *out = NULL;
	int n, rc = FINCA_OK;

	if (!half || len != 2 * half)
		return err_why(FINCA_EINVAL, NULL, "sig.form", "signature: %zu bytes, neither "
			       "DER nor a raw r||s of %zu bytes", len, 2 * half);
	if ((es = ECDSA_SIG_new()) == NULL ||
	    (r = BN_bin2bn(raw, (int)half, NULL)) == NULL ||
	    (s = BN_bin2bn(raw + half, (int)half, NULL)) == NULL ||
	    !ECDSA_SIG_set0(es, r, s)) {
		BN_free(r);
		BN_free(s);
		rc = err_ssl_why(FINCA_ECRYPTO, "sig.encode", "encoding a signature");
		goto out;
	}
	/* r and s belong to es now */
	if ((n = i2d_ECDSA_SIG(es, &out)) <= 0) {
		rc = err_ssl_why(FINCA_ECRYPTO, "sig.encode", "encoding a signature");
		goto out;
	}
	*der = out;
	*derlen = (size_t)n;
out:
	ECDSA_SIG_free(es);
	return rc;
}

int sig_verify_either(EVP_PKEY *pub, const unsigned char *data, size_t len,
		      const unsigned char *sig, size_t siglen)
{
	unsigned char *der = NULL;
	size_t derlen, half = raw_half(pub);
	int rc;

	if (!half || is_der_sig(sig, siglen)) {
		rc = sig_verify(pub, data, len, sig, siglen);
		/* a raw r||s that happens to parse as DER is tried raw too */
		if (rc == FINCA_OK || siglen != 2 * half)
			return rc;
	}
	if ((rc = sig_raw_to_der(pub, sig, siglen, &der, &derlen)) != FINCA_OK)
		return rc;
	rc = sig_verify(pub, data, len, der, derlen);
	OPENSSL_free(der);
	return rc;
}

/* Reads one DER TLV header at *p (at most end); returns the content length
 * and advances *p past the header. */
static int der_header(const unsigned char **p, const unsigned char *end,
		      int *tag, long *clen)
{
	int xclass, ret;

	ret = ASN1_get_object(p, clen, tag, &xclass, end - *p);
	if ((ret & 0x80) || ret == 0x21) /* error, or indefinite length */
		return -1;
	if (*clen < 0 || *clen > end - *p)
		return -1;
	return 0;
}

int sig_verify_signed(const unsigned char *der, size_t len, EVP_PKEY *pub)
{
	const unsigned char *p = der, *end = der + len, *tbs, *q;
	long clen, tlen;
	int tag, md_nid = NID_undef, pk_nid = NID_undef, rc;
	X509_ALGOR *alg = NULL;
	ASN1_BIT_STRING *bits = NULL;

	/* outer SEQUENCE */
	if (der_header(&p, end, &tag, &clen) || tag != V_ASN1_SEQUENCE)
		return err_why(FINCA_ECRYPTO, NULL, "sig.not_der",
			       "signed object: not a DER SEQUENCE");
	end = p + clen;
	/* tbs, kept with its header */
	tbs = p;
	if (der_header(&p, end, &tag, &tlen) || tag != V_ASN1_SEQUENCE)
		return err_why(FINCA_ECRYPTO, NULL, "sig.tbs",
			       "signed object: bad to-be-signed part");
	p += tlen;
	clen = p - tbs;
	q = p;
	if ((alg = d2i_X509_ALGOR(NULL, &q, end - p)) == NULL) {
		rc = err_ssl_why(FINCA_ECRYPTO, "sig.alg",
				 "signed object: bad signature algorithm");
		goto out;
	}
	p = q;
	if ((bits = d2i_ASN1_BIT_STRING(NULL, &q, end - p)) == NULL) {
		rc = err_ssl_why(FINCA_ECRYPTO, "sig.value", "signed object: bad signature value");
		goto out;
	}
	if (!OBJ_find_sigid_algs(OBJ_obj2nid(alg->algorithm), &md_nid, &pk_nid) ||
	    md_nid == NID_undef) {
		rc = err_why(FINCA_ECRYPTO, NULL, "sig.unsupported",
			     "signed object: unsupported signature algorithm");
		goto out;
	}
	/* the algorithm must fit the key: an RSA signature cannot be checked
	 * with an EC key, nor ECDSA with an SM2 key */
	if ((pk_nid == NID_sm2) != (key_is_sm2(pub) != 0) ||
	    (pk_nid == NID_rsaEncryption && !EVP_PKEY_is_a(pub, "RSA")) ||
	    (pk_nid == NID_X9_62_id_ecPublicKey && !EVP_PKEY_is_a(pub, "EC"))) {
		rc = err_why(FINCA_ECRYPTO, NULL, "sig.alg_mismatch",
			     "signed object: signature algorithm does not match the issuer's key");
		goto out;
	}
	rc = verify_with(pub, OBJ_nid2sn(md_nid), tbs, (size_t)clen,
			 ASN1_STRING_get0_data(bits),
			 (size_t)ASN1_STRING_length(bits));
out:
	X509_ALGOR_free(alg);
	ASN1_BIT_STRING_free(bits);
	return rc;
}

int sig_x509_set_sm2_id(X509 *x)
{
	ASN1_OCTET_STRING *id;

	/* the ID belongs to the signer: it matters when x was signed with SM2 */
	if (X509_get_signature_nid(x) != NID_SM2_with_SM3)
		return FINCA_OK;
	if ((id = ASN1_OCTET_STRING_new()) == NULL ||
	    !ASN1_OCTET_STRING_set(id, (const unsigned char *)SM2_DEFAULT_ID,
				   sizeof(SM2_DEFAULT_ID) - 1)) {
		ASN1_OCTET_STRING_free(id);
		return err_ssl_why(FINCA_ENOMEM, "sig.sm2_id", "setting SM2 ID");
	}
	X509_set0_distinguishing_id(x, id); /* takes ownership */
	return FINCA_OK;
}
