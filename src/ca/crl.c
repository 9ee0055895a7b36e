/* CRLs of the issuing CA, full and delta (RFC 5280 5).
 *
 * The CRL's header and extensions are built with libcrypto; the list of
 * revoked certificates, which may hold a million entries, is encoded here
 * directly from the store's covering index and spliced into the TBS before
 * signing.  Building a million X509_REVOKED objects costs seconds and
 * hundreds of megabytes; this costs a scan and one buffer. */
#include "ca/ca.h"
#include "audit/audit.h"
#include "crypto/der.h"
#include "crypto/sig.h"
#include "util/err.h"
#include "util/util.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

struct entries {
	struct der d;
	int64_t n;
};

static void put_entry(struct entries *e, const unsigned char *serial,
		      size_t serial_len, int64_t at, int reason)
{
	/* reasonCode extension: SEQUENCE { OID 2.5.29.21, OCTET STRING {
	 * ENUMERATED reason } }, absent for unspecified (RFC 5280 5.3.1) */
	static const unsigned char rc_prefix[] = {
		0x30, 0x0c, 0x30, 0x0a, 0x06, 0x03, 0x55, 0x1d, 0x15,
		0x04, 0x03, 0x0a, 0x01
	};
	size_t slen = serial_len + ((serial_len && (serial[0] & 0x80)) ? 1 : 0);
	size_t tlen = der_tlv_size(slen) + (at >= 2524608000LL ? 17 : 15) +
		      (reason > 0 ? sizeof rc_prefix + 1 : 0);

	der_header(&e->d, 0x30, tlen);
	der_uint(&e->d, serial, serial_len);
	der_time(&e->d, at);
	if (reason > 0) {
		unsigned char r = (unsigned char)reason;
		der_put(&e->d, rc_prefix, sizeof rc_prefix);
		der_put(&e->d, &r, 1);
	}
	e->n++;
}

static int full_entry(void *arg, const unsigned char *serial, size_t len,
		      int64_t at, int reason, int status)
{
	put_entry(arg, serial, len, at, status == CERT_HOLD ? 6 : reason);
	return FINCA_OK;
}

struct delta_arg {
	struct entries *e;
	int64_t now;
};

static int delta_entry(void *arg, const struct cert_rec *r, int old)
{
	struct delta_arg *a = arg;

	if (r->not_after < a->now)
		return FINCA_OK;
	if (r->status == CERT_REVOKED || r->status == CERT_HOLD)
		put_entry(a->e, r->serial_bin, r->serial_len, r->revoked_at,
			  r->status == CERT_HOLD ? 6 : r->reason);
	else if (old == CERT_HOLD) /* released from hold: RFC 5280 5.3.1 */
		put_entry(a->e, r->serial_bin, r->serial_len, a->now, 8);
	return FINCA_OK;
}

static int add_ext_i2d(X509_CRL *crl, int nid, void *value, int crit)
{
	return X509_CRL_add1_ext_i2d(crl, nid, value, crit, X509V3_ADD_DEFAULT) == 1;
}

/* Reads one TLV header (single-byte tags); returns header length or 0. */
static size_t tlv(const unsigned char *p, size_t avail, size_t *clen)
{
	size_t n, h = 2;

	if (avail < 2)
		return 0;
	if (p[1] < 0x80) {
		n = p[1];
	} else {
		size_t k = p[1] & 0x7f;
		if (k == 0 || k > 4 || avail < 2 + k)
			return 0;
		n = 0;
		for (size_t i = 0; i < k; i++)
			n = (n << 8) | p[2 + i];
		h += k;
	}
	if (n > avail - h)
		return 0;
	*clen = n;
	return h;
}

int ca_crl(struct ca *ca, const struct actor *a, int delta, unsigned char **der_out, size_t *len_out,
	   struct crl_rec *info)
{
	X509_CRL *crl = NULL;
	ASN1_INTEGER *num = NULL, *basenum = NULL;
	ASN1_TIME *t1 = NULL, *t2 = NULL;
	EVP_MD_CTX *mctx = NULL;
	unsigned char *tbs = NULL, *alg = NULL, *sig = NULL;
	struct entries e;
	struct der out, newtbs;
	struct crl_rec rec, base;
	int tbslen, alglen, rc;
	size_t siglen, off, h, clen, ins;
	char obj[32];
	json_t *d = NULL;

	memset(&e, 0, sizeof e);
	memset(&out, 0, sizeof out);
	memset(&newtbs, 0, sizeof newtbs);
	memset(&rec, 0, sizeof rec);
	if (!ca->issuing || !ca->issuing_key)
		return err_set(FINCA_EAUTH, "the issuing CA key is locked");
	/* one read transaction: the entries, the log position and the CRL
	 * number are consistent with each other */
	if ((rc = store_begin(ca_store(ca))) != FINCA_OK)
		return rc;
	rec.this_update = clock_now();
	rec.delta = delta;
	if ((rc = store_crl_next_number(ca_store(ca), &rec.number)) ||
	    (rc = store_status_seq(ca_store(ca), &rec.log_seq)))
		goto fail;
	if (delta) {
		if ((rc = store_crl_last_full(ca_store(ca), &base)) != FINCA_OK)
			goto fail;
		rec.base = base.number;
		rec.next_update = rec.this_update + 3600LL * ca->cfg->delta_crl_hours;
		struct delta_arg da = { &e, rec.this_update };
		rc = store_status_changes(ca_store(ca), "issuing", base.log_seq,
					  delta_entry, &da);
	} else {
		rec.next_update = rec.this_update + 3600LL * ca->cfg->crl_hours;
		rc = store_crl_entries(ca_store(ca), "issuing", rec.this_update,
				       full_entry, &e);
	}
	if (rc)
		goto fail;
	rec.entries = e.n;

	/* the header, through libcrypto */
	ERR_clear_error();
	crl = X509_CRL_new();
	num = ASN1_INTEGER_new();
	t1 = ASN1_TIME_new();
	t2 = ASN1_TIME_new();
	if (!crl || !num || !t1 || !t2 || !X509_CRL_set_version(crl, X509_CRL_VERSION_2) ||
	    !X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca->issuing)) ||
	    !ASN1_TIME_set(t1, (time_t)rec.this_update) ||
	    !ASN1_TIME_set(t2, (time_t)rec.next_update) ||
	    !X509_CRL_set1_lastUpdate(crl, t1) || !X509_CRL_set1_nextUpdate(crl, t2) ||
	    !ASN1_INTEGER_set_int64(num, rec.number)) {
		rc = err_ssl(FINCA_ECRYPTO, "CRL header");
		goto fail;
	}
	{
		AUTHORITY_KEYID *akid = AUTHORITY_KEYID_new();
		const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id(ca->issuing);
		int ok = akid && ski && (akid->keyid = ASN1_OCTET_STRING_dup(ski)) &&
			 add_ext_i2d(crl, NID_authority_key_identifier, akid, 0);
		AUTHORITY_KEYID_free(akid);
		if (!ok || !add_ext_i2d(crl, NID_crl_number, num, 0)) {
			rc = err_ssl(FINCA_ECRYPTO, "CRL extensions");
			goto fail;
		}
	}
	if (delta) {
		basenum = ASN1_INTEGER_new();
		if (!basenum || !ASN1_INTEGER_set_int64(basenum, rec.base) ||
		    !add_ext_i2d(crl, NID_delta_crl, basenum, 1)) {
			rc = err_ssl(FINCA_ECRYPTO, "deltaCRLIndicator");
			goto fail;
		}
	} else {
		/* freshestCRL: where the delta CRLs are (RFC 5280 5.2.6) */
		char *url = ca_url(ca, "delta-crl"), buf[600];
		X509_EXTENSION *x;
		snprintf(buf, sizeof buf, "URI:%s", url);
		free(url);
		x = X509V3_EXT_conf_nid(NULL, NULL, NID_freshest_crl, buf);
		if (!x || !X509_CRL_add_ext(crl, x, -1)) {
			X509_EXTENSION_free(x);
			rc = err_ssl(FINCA_ECRYPTO, "freshestCRL");
			goto fail;
		}
		X509_EXTENSION_free(x);
	}
	/* sign the empty CRL once, so that libcrypto fills in the signature
	 * algorithm exactly as it would for a certificate */
	if ((rc = sig_sign_ctx(ca->issuing_key, &mctx)) != FINCA_OK)
		goto fail;
	if (X509_CRL_sign_ctx(crl, mctx) <= 0) {
		rc = err_ssl(FINCA_ECRYPTO, "signing CRL");
		goto fail;
	}
	{
		const X509_ALGOR *palg;
		X509_CRL_get0_signature(crl, NULL, &palg);
		alglen = i2d_X509_ALGOR(palg, &alg);
	}
	tbslen = i2d_re_X509_CRL_tbs(crl, &tbs);
	if (tbslen <= 0 || alglen <= 0) {
		rc = err_ssl(FINCA_ECRYPTO, "encoding CRL");
		goto fail;
	}

	/* splice the entries in before crlExtensions [0] */
	h = tlv(tbs, (size_t)tbslen, &clen);
	if (!h || tbs[0] != 0x30) {
		rc = err_set(FINCA_ECRYPTO, "CRL: unexpected TBS encoding");
		goto fail;
	}
	ins = off = h;
	while (off < h + clen) {
		size_t ch, cl;
		if (tbs[off] == 0xa0)
			break;
		if ((ch = tlv(tbs + off, h + clen - off, &cl)) == 0) {
			rc = err_set(FINCA_ECRYPTO, "CRL: unexpected TBS encoding");
			goto fail;
		}
		off += ch + cl;
		ins = off;
	}
	{
		size_t body = (ins - h) + (e.n ? der_tlv_size(e.d.len) : 0) +
			      (h + clen - ins);
		der_header(&newtbs, 0x30, body);
		der_put(&newtbs, tbs + h, ins - h);
		if (e.n) { /* an empty list is omitted (RFC 5280 5.1.2.6) */
			der_header(&newtbs, 0x30, e.d.len);
			der_put(&newtbs, e.d.p, e.d.len);
		}
		der_put(&newtbs, tbs + ins, h + clen - ins);
	}
	if ((rc = sig_sign(ca->issuing_key, newtbs.p, newtbs.len, &sig, &siglen)))
		goto fail;
	der_header(&out, 0x30, newtbs.len + (size_t)alglen + der_tlv_size(siglen + 1));
	der_put(&out, newtbs.p, newtbs.len);
	der_put(&out, alg, (size_t)alglen);
	der_header(&out, 0x03, siglen + 1);
	der_put(&out, "", 1); /* no unused bits */
	der_put(&out, sig, siglen);

	/* recorded (and audited) before it is handed out */
	if ((rc = store_crl_insert(ca_store(ca), &rec)) != FINCA_OK)
		goto fail;
	d = json_pack("{s:b, s:I, s:I, s:I}", "delta", delta, "entries",
		      (json_int_t)rec.entries, "base", (json_int_t)rec.base,
		      "next_update", (json_int_t)rec.next_update);
	snprintf(obj, sizeof obj, "crl:%lld", (long long)rec.number);
	if ((rc = ca_audit(ca, a->name, "crl.issue", obj, d)) != FINCA_OK ||
	    (rc = audit_checkpoint(ca_store(ca), ca->audit_md, ca->issuing_key,
				   "issuing")) != FINCA_OK)
		goto fail;
	if ((rc = store_commit(ca_store(ca))) != FINCA_OK)
		goto out;
	*der_out = out.p;
	*len_out = out.len;
	out.p = NULL;
	if (info)
		*info = rec;
	goto out;
fail:
	store_rollback(ca_store(ca));
out:
	json_decref(d);
	X509_CRL_free(crl);
	ASN1_INTEGER_free(num);
	ASN1_INTEGER_free(basenum);
	ASN1_TIME_free(t1);
	ASN1_TIME_free(t2);
	EVP_MD_CTX_free(mctx);
	OPENSSL_free(tbs);
	OPENSSL_free(alg);
	OPENSSL_free(sig);
	der_free(&e.d);
	der_free(&out);
	der_free(&newtbs);
	return rc;
}

int crl_check(const unsigned char *data, size_t len, X509 *issuer,
	      struct crl_summary *s)
{
	unsigned char *der = NULL;
	const unsigned char *p;
	long dlen = (long)len;
	X509_CRL *crl = NULL;
	BIO *b = NULL;
	ASN1_INTEGER *n = NULL;
	int rc, crit;

	memset(s, 0, sizeof s[0]);
	ERR_clear_error();
	if (len > 11 && !memcmp(data, "-----BEGIN", 10)) {
		char *name = NULL, *hdr = NULL;
		b = BIO_new_mem_buf(data, (int)len);
		if (!PEM_read_bio(b, &name, &hdr, &der, &dlen)) {
			rc = err_ssl(FINCA_EINVAL, "CRL: bad PEM");
			goto out;
		}
		OPENSSL_free(name);
		OPENSSL_free(hdr);
		p = der;
	} else {
		p = data;
	}
	{
		const unsigned char *q = p;
		if ((crl = d2i_X509_CRL(NULL, &q, dlen)) == NULL) {
			rc = err_ssl(FINCA_EINVAL, "CRL: not a DER CRL");
			goto out;
		}
	}
	if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(issuer))) {
		rc = err_set(FINCA_ECRYPTO, "CRL: issued by another CA");
		goto out;
	}
	if ((rc = sig_verify_signed(p, (size_t)dlen, X509_get0_pubkey(issuer))) != FINCA_OK) {
		rc = err_wrap(rc, "CRL");
		goto out;
	}
	if ((n = X509_CRL_get_ext_d2i(crl, NID_crl_number, &crit, NULL)))
		ASN1_INTEGER_get_int64(&s->number, n);
	ASN1_INTEGER_free(n);
	if ((n = X509_CRL_get_ext_d2i(crl, NID_delta_crl, &crit, NULL))) {
		s->delta = 1;
		ASN1_INTEGER_get_int64(&s->base, n);
	}
	{
		struct tm tm;
		if (ASN1_TIME_to_tm(X509_CRL_get0_lastUpdate(crl), &tm))
			s->this_update = (int64_t)timegm(&tm);
		if (X509_CRL_get0_nextUpdate(crl) &&
		    ASN1_TIME_to_tm(X509_CRL_get0_nextUpdate(crl), &tm))
			s->next_update = (int64_t)timegm(&tm);
	}
	s->entries = sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl));
	if (s->entries < 0)
		s->entries = 0;
	rc = FINCA_OK;
out:
	ASN1_INTEGER_free(n);
	X509_CRL_free(crl);
	OPENSSL_free(der);
	BIO_free(b);
	return rc;
}
