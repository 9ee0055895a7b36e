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

/* What ca_crl builds, step by step; all owned, freed by crl_work_clear. */
struct crl_work {
	struct crl_rec rec;      /* number, times, base, entries: the store's row */
	struct entries e;        /* the revoked certificates, DER, without their SEQUENCE */
	X509_CRL *crl;           /* header and extensions, signed once empty */
	unsigned char *tbs, *alg; /* its TBS and signature algorithm, DER */
	int tbslen, alglen;
	struct der newtbs;       /* the TBS with the entries spliced in */
	struct der out;          /* the signed CRL */
};

static void crl_work_clear(struct crl_work *w)
{
	der_free(&w->e.d);
	X509_CRL_free(w->crl);
	OPENSSL_free(w->tbs);
	OPENSSL_free(w->alg);
	der_free(&w->newtbs);
	der_free(&w->out);
	memset(w, 0, sizeof *w);
}

/* The CRL's number, times and entries, inside the caller's transaction:
 * every certificate revoked or on hold and not expired (full), or what
 * changed since the last full CRL's log position (delta). */
static int crl_collect(struct ca *ca, int delta, struct crl_work *w)
{
	struct crl_rec base;
	int rc;

	w->rec.this_update = clock_now();
	w->rec.delta = delta;
	if ((rc = store_crl_next_number(ca_store(ca), &w->rec.number)) ||
	    (rc = store_status_seq(ca_store(ca), &w->rec.log_seq)))
		return rc;
	if (delta) {
		if ((rc = store_crl_last_full(ca_store(ca), &base)) != FINCA_OK)
			return rc;
		w->rec.base = base.number;
		w->rec.next_update = w->rec.this_update + 3600LL * ca->cfg->delta_crl_hours;
		struct delta_arg da = { &w->e, w->rec.this_update };
		rc = store_status_changes(ca_store(ca), "issuing", base.log_seq,
					  delta_entry, &da);
	} else {
		w->rec.next_update = w->rec.this_update + 3600LL * ca->cfg->crl_hours;
		rc = store_crl_entries(ca_store(ca), "issuing", w->rec.this_update,
				       full_entry, &w->e);
	}
	if (rc)
		return rc;
	w->rec.entries = w->e.n;
	return FINCA_OK;
}

/* deltaCRLIndicator (critical) for a delta CRL; freshestCRL, where the
 * delta CRLs are (RFC 5280 5.2.6), for a full one. */
static int crl_delta_ext(struct ca *ca, X509_CRL *crl, const struct crl_rec *rec)
{
	ASN1_INTEGER *basenum = NULL;
	X509_EXTENSION *x = NULL;
	char *url, buf[600];
	int rc = FINCA_OK;

	if (rec->delta) {
		basenum = ASN1_INTEGER_new();
		if (!basenum || !ASN1_INTEGER_set_int64(basenum, rec->base) ||
		    !add_ext_i2d(crl, NID_delta_crl, basenum, 1))
			rc = err_ssl_why(FINCA_ECRYPTO, "crl.build", "deltaCRLIndicator");
		goto out;
	}
	url = ca_url(ca, "delta-crl");
	snprintf(buf, sizeof buf, "URI:%s", url);
	free(url);
	x = X509V3_EXT_conf_nid(NULL, NULL, NID_freshest_crl, buf);
	if (!x || !X509_CRL_add_ext(crl, x, -1))
		rc = err_ssl_why(FINCA_ECRYPTO, "crl.build", "freshestCRL");
out:
	ASN1_INTEGER_free(basenum);
	X509_EXTENSION_free(x);
	return rc;
}

/* The header and extensions, through libcrypto, into w->crl. */
static int crl_header(struct ca *ca, struct crl_work *w)
{
	const struct crl_rec *rec = &w->rec;
	ASN1_INTEGER *num = NULL;
	ASN1_TIME *t1 = NULL, *t2 = NULL;
	AUTHORITY_KEYID *akid = NULL;
	const ASN1_OCTET_STRING *ski;
	int rc = FINCA_OK, ok;

	ERR_clear_error();
	w->crl = X509_CRL_new();
	num = ASN1_INTEGER_new();
	t1 = ASN1_TIME_new();
	t2 = ASN1_TIME_new();
	if (!w->crl || !num || !t1 || !t2 || !X509_CRL_set_version(w->crl, X509_CRL_VERSION_2) ||
	    !X509_CRL_set_issuer_name(w->crl, X509_get_subject_name(ca->issuing)) ||
	    !ASN1_TIME_set(t1, (time_t)rec->this_update) ||
	    !ASN1_TIME_set(t2, (time_t)rec->next_update) ||
	    !X509_CRL_set1_lastUpdate(w->crl, t1) || !X509_CRL_set1_nextUpdate(w->crl, t2) ||
	    !ASN1_INTEGER_set_int64(num, rec->number)) {
		rc = err_ssl_why(FINCA_ECRYPTO, "crl.build", "CRL header");
		goto out;
	}
	akid = AUTHORITY_KEYID_new();
	ski = X509_get0_subject_key_id(ca->issuing);
	ok = akid && ski && (akid->keyid = ASN1_OCTET_STRING_dup(ski)) &&
	     add_ext_i2d(w->crl, NID_authority_key_identifier, akid, 0);
	if (!ok || !add_ext_i2d(w->crl, NID_crl_number, num, 0)) {
		rc = err_ssl_why(FINCA_ECRYPTO, "crl.build", "CRL extensions");
		goto out;
	}
	rc = crl_delta_ext(ca, w->crl, rec);
out:
	AUTHORITY_KEYID_free(akid);
	ASN1_INTEGER_free(num);
	ASN1_TIME_free(t1);
	ASN1_TIME_free(t2);
	return rc;
}

/* The TBS and signature algorithm of the header: the empty CRL is signed
 * once, so that libcrypto fills in the signature algorithm exactly as it
 * would for a certificate. */
static int crl_encode_header(struct ca *ca, struct crl_work *w)
{
	EVP_MD_CTX *mctx = NULL;
	const X509_ALGOR *palg;
	int rc;

	if ((rc = sig_sign_ctx(ca->issuing_key, &mctx)) != FINCA_OK)
		goto out;
	if (X509_CRL_sign_ctx(w->crl, mctx) <= 0) {
		rc = err_ssl_why(FINCA_ECRYPTO, "crl.sign", "signing CRL");
		goto out;
	}
	X509_CRL_get0_signature(w->crl, NULL, &palg);
	w->alglen = i2d_X509_ALGOR(palg, &w->alg);
	w->tbslen = i2d_re_X509_CRL_tbs(w->crl, &w->tbs);
	if (w->tbslen <= 0 || w->alglen <= 0)
		rc = err_ssl_why(FINCA_ECRYPTO, "crl.build", "encoding CRL");
out:
	EVP_MD_CTX_free(mctx);
	return rc;
}

/* w->newtbs: the TBS with the entries spliced in before crlExtensions
 * [0]; an empty list is omitted (RFC 5280 5.1.2.6). */
static int crl_splice(struct crl_work *w)
{
	const unsigned char *tbs = w->tbs;
	size_t h, clen, off, ins, body;

	h = tlv(tbs, (size_t)w->tbslen, &clen);
	if (!h || tbs[0] != 0x30)
		return err_why(FINCA_ECRYPTO, NULL, "crl.encoding", "CRL: unexpected TBS encoding");
	ins = off = h;
	while (off < h + clen) {
		size_t ch, cl;
		if (tbs[off] == 0xa0)
			break;
		if ((ch = tlv(tbs + off, h + clen - off, &cl)) == 0)
			return err_why(FINCA_ECRYPTO, NULL, "crl.encoding",
				       "CRL: unexpected TBS encoding");
		off += ch + cl;
		ins = off;
	}
	body = (ins - h) + (w->e.n ? der_tlv_size(w->e.d.len) : 0) + (h + clen - ins);
	der_header(&w->newtbs, 0x30, body);
	der_put(&w->newtbs, tbs + h, ins - h);
	if (w->e.n) {
		der_header(&w->newtbs, 0x30, w->e.d.len);
		der_put(&w->newtbs, w->e.d.p, w->e.d.len);
	}
	der_put(&w->newtbs, tbs + ins, h + clen - ins);
	return FINCA_OK;
}

/* w->out: the new TBS signed with the issuing key. */
static int crl_sign(struct ca *ca, struct crl_work *w)
{
	unsigned char *sig = NULL;
	size_t siglen;
	int rc;

	if ((rc = sig_sign(ca->issuing_key, w->newtbs.p, w->newtbs.len, &sig, &siglen)))
		return rc;
	der_header(&w->out, 0x30, w->newtbs.len + (size_t)w->alglen + der_tlv_size(siglen + 1));
	der_put(&w->out, w->newtbs.p, w->newtbs.len);
	der_put(&w->out, w->alg, (size_t)w->alglen);
	der_header(&w->out, 0x03, siglen + 1);
	der_put(&w->out, "", 1); /* no unused bits */
	der_put(&w->out, sig, siglen);
	OPENSSL_free(sig);
	return FINCA_OK;
}

/* The CRL in the store, its audit record (crl.issue) and a checkpoint of
 * the audit chain, before it is handed out. */
static int crl_record(struct ca *ca, const struct actor *a, const struct crl_rec *rec)
{
	char obj[32];
	json_t *d;
	int rc;

	if ((rc = store_crl_insert(ca_store(ca), rec)) != FINCA_OK)
		return rc;
	d = json_pack("{s:b, s:I, s:I, s:I}", "delta", rec->delta, "entries",
		      (json_int_t)rec->entries, "base", (json_int_t)rec->base,
		      "next_update", (json_int_t)rec->next_update);
	snprintf(obj, sizeof obj, "crl:%lld", (long long)rec->number);
	if ((rc = ca_audit(ca, a->name, "crl.issue", obj, d)) == FINCA_OK)
		rc = audit_checkpoint(ca_store(ca), ca->audit_md, ca->issuing_key, "issuing");
	json_decref(d);
	return rc;
}

/* A full or delta CRL of the issuing CA, in one read transaction (the
 * entries, the log position and the CRL number agree with each other):
 * collect the entries, build and encode the header, splice the entries
 * in, sign, record and audit.  *der_out is the caller's (free). */
int ca_crl(struct ca *ca, const struct actor *a, int delta, unsigned char **der_out, size_t *len_out,
	   struct crl_rec *info)
{
	struct crl_work w;
	int rc;

	memset(&w, 0, sizeof w);
	if (!ca->issuing || !ca->issuing_key)
		return err_why(FINCA_EAUTH, NULL, "ca.key_locked", "the issuing CA key is locked");
	if ((rc = store_begin(ca_store(ca))) != FINCA_OK)
		return rc;
	if ((rc = crl_collect(ca, delta, &w)) != FINCA_OK ||
	    (rc = crl_header(ca, &w)) != FINCA_OK ||
	    (rc = crl_encode_header(ca, &w)) != FINCA_OK ||
	    (rc = crl_splice(&w)) != FINCA_OK ||
	    (rc = crl_sign(ca, &w)) != FINCA_OK ||
	    (rc = crl_record(ca, a, &w.rec)) != FINCA_OK ||
	    (rc = store_crl_publish(ca_store(ca), delta, w.rec.number, w.out.p,
				    w.out.len)) != FINCA_OK) {
		store_rollback(ca_store(ca));
		goto out;
	}
	if ((rc = store_commit(ca_store(ca))) != FINCA_OK)
		goto out;
	*der_out = w.out.p;
	*len_out = w.out.len;
	w.out.p = NULL;
	if (info)
		*info = w.rec;
out:
	crl_work_clear(&w);
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
			rc = err_ssl_why(FINCA_EINVAL, "crl.pem", "CRL: bad PEM");
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
			rc = err_ssl_why(FINCA_EINVAL, "crl.der", "CRL: not a DER CRL");
			goto out;
		}
	}
	if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(issuer))) {
		rc = err_why(FINCA_ECRYPTO, NULL, "crl.issuer", "CRL: issued by another CA");
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

int ca_crl_published(struct ca *ca, int delta, unsigned char **der, size_t *len)
{
	return store_crl_published(ca_store(ca), delta, der, len);
}
