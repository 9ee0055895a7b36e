#include "crypto/csr.h"
#include "crypto/sig.h"
#include "util/err.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <string.h>

void csr_clear(struct csr *c)
{
	X509_NAME_free(c->subject);
	X509_ALGOR_free(c->key_alg);
	ASN1_BIT_STRING_free(c->key_bits);
	EVP_PKEY_free(c->key);
	memset(c, 0, sizeof *c);
}

/* One DER header at *p: checks the tag, returns the content length and
 * advances *p to the content, or -1. */
static long expect(const unsigned char **p, const unsigned char *end, int tag,
		   int xclass)
{
	long clen;
	int t, c, r;

	if (*p >= end)
		return -1;
	r = ASN1_get_object(p, &clen, &t, &c, end - *p);
	if ((r & 0x80) || r == 0x21 || t != tag || c != xclass || clen > end - *p)
		return -1;
	return clen;
}

static EVP_PKEY *ec_key(const char *type, const char *group,
			const unsigned char *pt, size_t len)
{
	OSSL_PARAM p[3];
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	EVP_PKEY *k = NULL;

	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)group, 0);
	p[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)pt, len);
	p[2] = OSSL_PARAM_construct_end();
	if (!c || EVP_PKEY_fromdata_init(c) <= 0 ||
	    EVP_PKEY_fromdata(c, &k, EVP_PKEY_PUBLIC_KEY, p) <= 0)
		k = NULL;
	EVP_PKEY_CTX_free(c);
	return k;
}

static int make_key(struct csr *c, const unsigned char *spki, long spki_len)
{
	const ASN1_OBJECT *alg;
	const void *pval;
	int ptype, nid, curve;

	X509_ALGOR_get0(&alg, &ptype, &pval, c->key_alg);
	nid = OBJ_obj2nid(alg);
	if (nid == NID_X9_62_id_ecPublicKey) {
		if (ptype != V_ASN1_OBJECT)
			return err_why_of(FINCA_EPOLICY, "csr", "csr.explicit_curve",
					  "CSR: EC key with explicit parameters is not accepted (named curves only)");
		curve = OBJ_obj2nid(pval);
		c->key = ec_key(curve == NID_sm2 ? "SM2" : "EC",
				curve == NID_sm2 ? "SM2" : OBJ_nid2sn(curve),
				ASN1_STRING_get0_data(c->key_bits),
				(size_t)ASN1_STRING_length(c->key_bits));
		if (!c->key)
			return err_ssl_why(FINCA_EINVAL, "csr.ec_point",
					   "CSR: EC public key on curve %s is not valid",
					   OBJ_nid2sn(curve));
		return FINCA_OK;
	}
	/* RSA and anything else: the general decoder (slow, but rare here and
	 * RSA verification is cheap); key_check_strength decides later */
	const unsigned char *q = spki;
	if ((c->key = d2i_PUBKEY(NULL, &q, spki_len)) == NULL)
		return err_ssl_why(FINCA_EINVAL, "csr.key",
				   "CSR: unsupported or malformed public key");
	return FINCA_OK;
}

int csr_parse(const unsigned char *der, size_t len, struct csr *out)
{
	const unsigned char *p = der, *end = der + len, *cri_end, *q, *spki;
	long n, spki_len;
	int rc;

	memset(out, 0, sizeof *out);
	ERR_clear_error();
	/* CertificationRequest ::= SEQUENCE { certificationRequestInfo, ... } */
	if ((n = expect(&p, end, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL)) < 0 || p + n != end)
		goto malformed;
	if ((n = expect(&p, end, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL)) < 0)
		goto malformed;
	cri_end = p + n;
	/* version INTEGER { v1(0) } */
	if ((n = expect(&p, cri_end, V_ASN1_INTEGER, V_ASN1_UNIVERSAL)) != 1 || p[0] != 0)
		goto malformed;
	p += 1;
	q = p;
	if ((out->subject = d2i_X509_NAME(NULL, &q, cri_end - p)) == NULL)
		goto malformed;
	p = q;
	/* SubjectPublicKeyInfo ::= SEQUENCE { algorithm, subjectPublicKey } */
	spki = p;
	if ((n = expect(&p, cri_end, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL)) < 0)
		goto malformed;
	{
		const unsigned char *spki_end = p + n;
		q = p;
		if ((out->key_alg = d2i_X509_ALGOR(NULL, &q, spki_end - p)) == NULL)
			goto malformed;
		p = q;
		if ((out->key_bits = d2i_ASN1_BIT_STRING(NULL, &q, spki_end - p)) == NULL ||
		    q != spki_end)
			goto malformed;
		p = q;
	}
	spki_len = p - spki;
	/* attributes [0] IMPLICIT SET OF Attribute: present, possibly empty */
	if (expect(&p, cri_end, 0, V_ASN1_CONTEXT_SPECIFIC) < 0)
		goto malformed;
	if ((rc = make_key(out, spki, spki_len)) != FINCA_OK)
		goto fail;
	/* proof of possession: signed by the key it carries */
	if (sig_verify_signed(der, len, out->key) != FINCA_OK) {
		rc = err_why_of(FINCA_EINVAL, "csr", "csr.pop",
				"CSR: signature does not verify with its own key (no proof of possession)");
		goto fail;
	}
	return FINCA_OK;
malformed:
	rc = err_why_of(FINCA_EINVAL, "csr", "csr.malformed",
			"CSR: not a well-formed PKCS#10 request");
	ERR_clear_error();
fail:
	csr_clear(out);
	return rc;
}
