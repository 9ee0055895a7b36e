/* libFuzzer harness: an OCSP request as the daemon receives it.
 *
 * LLVMFuzzerInitialize builds a real CA the way `finca init` and `finca
 * serve` do: ca_init (P-256, name "fuzz") into a fresh mkdtemp directory,
 * ca_open, ca_unlock, ca_threaded, then ocsp_responder_new, which issues
 * the delegated OCSP signer.  It also issues three "device" certificates
 * (ca_issue_one) and revokes one (keyCompromise) and freezes another, so
 * that requests can reach the good, revoked and on-hold answers.  A self
 * test then makes one request and checks the answer as a client does:
 * chain up to the root and delegation (OCSP_basic_verify, no flags).
 *
 * Each input goes to ocsp_respond, as the body of POST /ocsp (and the
 * decoded base64 of GET /ocsp/...) does.  It must return FINCA_OK for any
 * input: malformed requests and other issuers are answered, not errors.
 * The response must parse (d2i_OCSP_RESPONSE, all bytes) and agree with the
 * request:
 *   - a request that does not parse, has trailing bytes, is longer than
 *     64 KiB or holds no CertID or more than 16 gets malformedRequest;
 *   - a well-formed request gets unauthorized when its CertID does not
 *     name our issuing CA (name and key hash, in the CertID's digest),
 *     malformedRequest when its serial is not positive or is longer than
 *     20 octets, and successful otherwise;
 *   - a successful response is a basic response with one SingleResponse,
 *     for the request's CertID (OCSP_id_cmp), with the right status for
 *     the serial (good, revoked keyCompromise, revoked certificateHold,
 *     unknown), a current thisUpdate/nextUpdate, the request's nonce when
 *     it had one and none otherwise, the signer certificate once and no
 *     other, and a signature that verifies with that certificate.
 * Any disagreement aborts with "==fuzz_ocsp== FINDING" on stderr.
 *
 * The CA is new on every start, so its issuing key and the serials differ
 * from run to run.  The seeds in corpus/ocsp were made against one fixed
 * CA, the "seed CA" (ocsp_seed_ca.h, made by ocsp-seeds.sh).  Before an
 * input is answered, every occurrence in it of a seed CA issuer hash (name
 * and key, for each CertID digest) or seed serial is replaced with the
 * live one, byte for byte (the lengths are the same).  So seed requests,
 * and what the fuzzer makes of them, get past the issuer check.
 *
 * Environment:
 *   FUZZ_OCSP_TRACE=1    print each responseStatus and certificate status
 *   FUZZ_OCSP_RESPOUT=f  write each response to f (the last one stays)
 *   FUZZ_OCSP_RAW=1      no seed CA substitution
 *   FUZZ_OCSP_KEEP=1     keep the data directory and print its path and
 *                        serials (ocsp-seeds.sh); otherwise it is removed at
 *                        exit or on a FINDING, though not after a sanitizer
 *                        report or a timeout: /tmp/fuzz-ocsp.* */
#include "ca/ca.h"
#include "ca/ocsp.h"
#include "crypto/key.h"
#include "util/err.h"
#include "util/util.h"

#include "ocsp_seed_ca.h"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PASS "fuzz-passphrase"

enum { C_GOOD, C_REVOKED, C_FROZEN, C_SIGNER, NCERTS };

static char dir[64];
static int keep, trace;
static const char *respout; /* FUZZ_OCSP_RESPOUT: write the response there */
static struct ca *ca;
static struct ocsp_responder *resp;
static X509 *certs[NCERTS];  /* certs[C_SIGNER] borrowed from resp */
static X509 *seed_issuer;    /* the seed CA's issuing certificate */

/* byte strings of the seed CA replaced by the live CA's */
struct subst {
	unsigned char from[64], to[64];
	size_t len;
};
static struct subst subst[64];
static size_t nsubst;

__attribute__((noreturn)) static void die(const char *what)
{
	fprintf(stderr, "==fuzz_ocsp== setup: %s: %s\n", what, err_msg());
	ERR_print_errors_fp(stderr);
	abort();
}

static int rm_one(const char *path, const struct stat *sb, int flag,
		  struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

__attribute__((noreturn)) static void finding(const char *what)
{
	fprintf(stderr, "==fuzz_ocsp== FINDING: %s\n", what);
	if (!keep && dir[0]) /* abort() skips atexit */
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	abort();
}

static void cleanup(void)
{
	ocsp_responder_free(resp);
	resp = NULL;
	for (int i = 0; i < NCERTS; i++)
		if (i != C_SIGNER)
			X509_free(certs[i]);
	X509_free(seed_issuer);
	ca_free(ca);
	ca = NULL;
	if (!keep && dir[0])
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static X509 *issue(const char *cn)
{
	struct issue_req rq;
	EVP_PKEY *key = NULL;
	X509 *x = NULL;

	memset(&rq, 0, sizeof rq);
	if (key_generate(KEY_P256, &key) != FINCA_OK)
		die("key_generate");
	rq.profile = "device";
	rq.pubkey = key;
	rq.subject = cn;
	if (ca_issue_one(ca, &ca->self, &rq, &x) != FINCA_OK)
		die("ca_issue_one");
	EVP_PKEY_free(key);
	return x;
}

static void serial_hex(X509 *x, char out[41])
{
	const ASN1_INTEGER *s = X509_get0_serialNumber(x);

	if (ASN1_STRING_length(s) > 20)
		abort();
	hex_encode(ASN1_STRING_get0_data(s), (size_t)ASN1_STRING_length(s), out);
}

static void add_subst(const unsigned char *from, const unsigned char *to,
		      size_t len)
{
	if (len == 0 || len > sizeof subst[0].from || nsubst == ARRAY_LEN(subst))
		abort();
	if (!memcmp(from, to, len))
		return; /* the issuer name hashes: same name, same hash */
	memcpy(subst[nsubst].from, from, len);
	memcpy(subst[nsubst].to, to, len);
	subst[nsubst++].len = len;
}

/* Seed CA -> live CA: issuer name and key hashes for every CertID digest
 * the responder might accept, and the serials. */
static void setup_subst(void)
{
	static const int mds[] = { NID_sha1, NID_sha224, NID_sha256, NID_sha384,
				   NID_sha512, NID_sm3, NID_md5, NID_sha3_256 };
	BIO *b;

	if (!seed_issuer_pem[0])
		return; /* no seed CA yet (ocsp-seeds.sh makes one) */
	b = BIO_new_mem_buf(seed_issuer_pem, -1);
	seed_issuer = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
	BIO_free(b);
	if (!seed_issuer)
		die("ocsp_seed_ca.h: seed_issuer_pem");
	for (size_t i = 0; i < ARRAY_LEN(mds); i++) {
		const EVP_MD *md = EVP_get_digestbynid(mds[i]);
		OCSP_CERTID *a, *l;
		ASN1_OCTET_STRING *an, *ak, *ln, *lk;

		if (!md)
			continue;
		a = OCSP_cert_to_id(md, NULL, seed_issuer);
		l = OCSP_cert_to_id(md, NULL, ca->issuing);
		if (!a || !l)
			die("OCSP_cert_to_id");
		OCSP_id_get0_info(&an, NULL, &ak, NULL, a);
		OCSP_id_get0_info(&ln, NULL, &lk, NULL, l);
		add_subst(an->data, ln->data, (size_t)an->length);
		add_subst(ak->data, lk->data, (size_t)ak->length);
		OCSP_CERTID_free(a);
		OCSP_CERTID_free(l);
	}
	for (int i = 0; i < NCERTS; i++) {
		unsigned char from[20];
		const ASN1_INTEGER *s = X509_get0_serialNumber(certs[i]);
		size_t n = strlen(seed_serial[i]) / 2;

		if (n != (size_t)ASN1_STRING_length(s) || n > sizeof from)
			die("ocsp_seed_ca.h: seed serial length");
		for (size_t k = 0; k < n; k++) {
			unsigned v;
			if (sscanf(seed_serial[i] + 2 * k, "%2X", &v) != 1)
				die("ocsp_seed_ca.h: seed serial");
			from[k] = (unsigned char)v;
		}
		add_subst(from, ASN1_STRING_get0_data(s), n);
	}
}

/* Once: a request as `openssl ocsp` sends it for the good certificate,
 * and the full check a client makes of the answer (chain up to the root,
 * delegation: the signer is issued by the CertID's issuer and has
 * OCSPSigning). */
static void self_test(void)
{
	OCSP_REQUEST *req = OCSP_REQUEST_new();
	OCSP_CERTID *id = OCSP_cert_to_id(EVP_sha256(), certs[C_GOOD], ca->issuing);
	OCSP_RESPONSE *rsp = NULL;
	OCSP_BASICRESP *bs = NULL;
	X509_STORE *store = X509_STORE_new();
	STACK_OF(X509) *chain = sk_X509_new_null();
	unsigned char *der = NULL, *out = NULL;
	const unsigned char *p;
	size_t outlen;
	int n, status = -1;

	if (!req || !id || !store || !chain ||
	    !OCSP_request_add0_id(req, OCSP_CERTID_dup(id)) ||
	    !OCSP_request_add1_nonce(req, NULL, -1) ||
	    (n = i2d_OCSP_REQUEST(req, &der)) <= 0)
		die("self test: making a request");
	if (ocsp_respond(resp, der, (size_t)n, &out, &outlen) != FINCA_OK)
		die("self test: ocsp_respond");
	p = out;
	if ((rsp = d2i_OCSP_RESPONSE(NULL, &p, (long)outlen)) == NULL ||
	    OCSP_response_status(rsp) != OCSP_RESPONSE_STATUS_SUCCESSFUL ||
	    (bs = OCSP_response_get1_basic(rsp)) == NULL)
		die("self test: not a successful basic response");
	if (!X509_STORE_add_cert(store, ca->root) || !sk_X509_push(chain, ca->issuing) ||
	    OCSP_basic_verify(bs, chain, store, 0) != 1)
		die("self test: OCSP_basic_verify (chain and delegation)");
	if (!OCSP_resp_find_status(bs, id, &status, NULL, NULL, NULL, NULL) ||
	    status != V_OCSP_CERTSTATUS_GOOD || OCSP_check_nonce(req, bs) != 1)
		die("self test: status or nonce");
	OPENSSL_free(der);
	free(out);
	OCSP_BASICRESP_free(bs);
	OCSP_RESPONSE_free(rsp);
	OCSP_CERTID_free(id);
	OCSP_REQUEST_free(req);
	X509_STORE_free(store);
	sk_X509_free(chain);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct ca_init_opts o;
	const char *e;
	char hex[NCERTS][41];

	(void)argc;
	(void)argv;
	e = getenv("FUZZ_OCSP_KEEP");
	keep = e && *e && strcmp(e, "0") != 0;
	e = getenv("FUZZ_OCSP_TRACE");
	trace = e && *e && strcmp(e, "0") != 0;
	respout = getenv("FUZZ_OCSP_RESPOUT");
	OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CRYPTO_STRINGS |
				    OPENSSL_INIT_ADD_ALL_CIPHERS |
				    OPENSSL_INIT_ADD_ALL_DIGESTS,
			    NULL);
	snprintf(dir, sizeof dir, "/tmp/fuzz-ocsp.XXXXXX");
	if (!mkdtemp(dir))
		die("mkdtemp");
	atexit(cleanup);

	memset(&o, 0, sizeof o);
	o.dir = dir;
	o.name = "fuzz";
	o.base_url = "http://127.0.0.1:1";
	o.algorithm = KEY_P256;
	o.actor = "fuzz";
	if (ca_init(&o, PASS) != FINCA_OK)
		die("ca_init");
	if (ca_open(dir, "fuzz", &ca) != FINCA_OK)
		die("ca_open");
	if (ca_unlock(ca, PASS) != FINCA_OK)
		die("ca_unlock");
	if (ca_threaded(ca) != FINCA_OK)
		die("ca_threaded");
	if (ocsp_responder_new(ca, 3600, &resp) != FINCA_OK)
		die("ocsp_responder_new");

	certs[C_GOOD] = issue("CN=fuzz");
	certs[C_REVOKED] = issue("CN=fuzz revoked");
	certs[C_FROZEN] = issue("CN=fuzz frozen");
	certs[C_SIGNER] = ocsp_signer_cert(resp);
	for (int i = 0; i < NCERTS; i++)
		serial_hex(certs[i], hex[i]);
	if (ca_revoke(ca, &ca->self, hex[C_REVOKED], OCSP_REVOKED_STATUS_KEYCOMPROMISE) != FINCA_OK)
		die("ca_revoke");
	if (ca_freeze(ca, &ca->self, hex[C_FROZEN]) != FINCA_OK)
		die("ca_freeze");

	self_test();
	e = getenv("FUZZ_OCSP_RAW");
	if (!(e && *e && strcmp(e, "0") != 0))
		setup_subst();
	if (keep)
		fprintf(stderr, "fuzz_ocsp: dir=%s good=%s revoked=%s frozen=%s signer=%s\n",
			dir, hex[C_GOOD], hex[C_REVOKED], hex[C_FROZEN], hex[C_SIGNER]);
	ERR_clear_error();
	err_clear();
	return 0;
}

static void substitute(unsigned char *buf, size_t size)
{
	for (size_t i = 0; i < nsubst; i++) {
		unsigned char *p = buf, *end = buf + size;
		while ((size_t)(end - p) >= subst[i].len &&
		       (p = memmem(p, (size_t)(end - p), subst[i].from,
				   subst[i].len)) != NULL) {
			memcpy(p, subst[i].to, subst[i].len);
			p += subst[i].len;
		}
	}
}

/* What the request asks, as a client library would read it: NULL when it
 * is malformed by the rules ocsp.h states. */
static OCSP_REQUEST *parse_request(const unsigned char *buf, size_t size)
{
	const unsigned char *p = buf;
	OCSP_REQUEST *req;

	if (size > 65536)
		return NULL;
	req = d2i_OCSP_REQUEST(NULL, &p, (long)size);
	if (req && (p != buf + size || OCSP_request_onereq_count(req) < 1 ||
		    OCSP_request_onereq_count(req) > 16)) {
		OCSP_REQUEST_free(req);
		req = NULL;
	}
	/* a CertID that does not survive a copy (the answer repeats it) is
	 * malformed too: crashes/fuzz_ocsp-certid-eoc-params.der */
	for (int i = 0; req && i < OCSP_request_onereq_count(req); i++) {
		OCSP_CERTID *dup = OCSP_CERTID_dup(
			OCSP_onereq_get0_id(OCSP_request_onereq_get0(req, i)));
		ERR_clear_error();
		if (!dup) {
			OCSP_REQUEST_free(req);
			req = NULL;
		}
		OCSP_CERTID_free(dup);
	}
	return req;
}

/* 1 when cid names the live issuing CA under its own digest, one of those
 * the responder takes (SHA-1, SHA-256, SM3: id_mds in src/ca/ocsp.c). */
static int for_us(OCSP_CERTID *cid)
{
	static const int accepted[] = { NID_sha1, NID_sha256, NID_sm3 };
	ASN1_OBJECT *alg = NULL;
	const EVP_MD *md = NULL;
	OCSP_CERTID *ours;
	int same, nid;

	OCSP_id_get0_info(NULL, &alg, NULL, NULL, cid);
	nid = OBJ_obj2nid(alg);
	for (size_t i = 0; i < ARRAY_LEN(accepted); i++)
		if (accepted[i] == nid)
			md = EVP_get_digestbynid(nid);
	if (!md)
		return 0;
	ours = OCSP_cert_to_id(md, NULL, ca->issuing);
	same = ours && OCSP_id_issuer_cmp(ours, cid) == 0;
	OCSP_CERTID_free(ours);
	return same;
}

/* 1 when the serial is one a responder can look up: positive, 1..20
 * octets. */
static int usable_serial(const ASN1_INTEGER *sn)
{
	BIGNUM *bn = sn ? ASN1_INTEGER_to_BN(sn, NULL) : NULL;
	int ok = bn && !BN_is_negative(bn) && !BN_is_zero(bn) && BN_num_bytes(bn) <= 20;

	BN_free(bn);
	return ok;
}

/* 0 when the request's CertID does not survive i2d/d2i (OCSP_CERTID_dup),
 * as the one in findings/fuzz_ocsp-certid-eoc-params: its hashAlgorithm
 * parameters are a constructed [UNIVERSAL 0], read as an empty V_ASN1_EOC
 * value and written back as 00 00, end-of-contents. */
static void check_successful(OCSP_REQUEST *req, OCSP_RESPONSE *rsp)
{
	OCSP_BASICRESP *bs = OCSP_response_get1_basic(rsp);
	OCSP_CERTID *rcid = OCSP_onereq_get0_id(OCSP_request_onereq_get0(req, 0));
	OCSP_SINGLERESP *single;
	const OCSP_CERTID *scid;
	ASN1_INTEGER *sn = NULL;
	ASN1_GENERALIZEDTIME *rev = NULL, *thisupd = NULL, *nextupd = NULL;
	const STACK_OF(X509) *signer;
	X509_STORE *store;
	int status, reason = -1, want = V_OCSP_CERTSTATUS_UNKNOWN, want_reason = -1;
	int nonce_req, nonce;

	if (!bs)
		finding("successful response without a BasicOCSPResponse");
	if (OCSP_resp_count(bs) != OCSP_request_onereq_count(req))
		finding("successful response with another number of SingleResponses than CertIDs");
	/* the first answer is checked in depth */
	single = OCSP_resp_get0(bs, 0);
	scid = OCSP_SINGLERESP_get0_id(single);
	if (OCSP_id_cmp(scid, rcid) != 0)
		finding("the SingleResponse names another CertID than the request");
	status = OCSP_single_get0_status(single, &reason, &rev, &thisupd, &nextupd);
	if (trace)
		fprintf(stderr, "fuzz_ocsp: successful, %s%s%s, nonce %s\n",
			OCSP_cert_status_str(status), reason >= 0 ? " " : "",
			reason >= 0 ? OCSP_crl_reason_str(reason) : "",
			OCSP_REQUEST_get_ext_by_NID(req, NID_id_pkix_OCSP_Nonce, -1) >= 0 ?
			"yes" : "no");

	OCSP_id_get0_info(NULL, NULL, NULL, &sn, rcid);
	for (int i = 0; i < NCERTS; i++)
		if (!ASN1_INTEGER_cmp(sn, X509_get0_serialNumber(certs[i]))) {
			want = i == C_GOOD || i == C_SIGNER ? V_OCSP_CERTSTATUS_GOOD :
			       V_OCSP_CERTSTATUS_REVOKED;
			want_reason = i == C_REVOKED ? OCSP_REVOKED_STATUS_KEYCOMPROMISE :
				      i == C_FROZEN ? OCSP_REVOKED_STATUS_CERTIFICATEHOLD : -1;
		}
	if (status != want)
		finding("wrong certificate status for the serial");
	if (status == V_OCSP_CERTSTATUS_REVOKED && (reason != want_reason || !rev))
		finding("wrong revocation reason or no revocation time");
	if (!thisupd || !nextupd || !OCSP_check_validity(thisupd, nextupd, 300, -1))
		finding("thisUpdate/nextUpdate missing or not current");

	/* 1: both carry the same nonce; 2: neither; 3: only the response */
	nonce_req = OCSP_REQUEST_get_ext_by_NID(req, NID_id_pkix_OCSP_Nonce, -1) >= 0;
	nonce = OCSP_check_nonce(req, bs);
	if (nonce_req ? nonce != 1 : nonce != 2)
		finding("the response's nonce does not match the request's");

	/* the signature, with the signer certificate the response carries
	 * (the chain and the delegation are checked once, in self_test) */
	signer = OCSP_resp_get0_certs(bs);
	/* crashes/fuzz_ocsp-signer-cert-twice: it once came twice */
	if (sk_X509_num(signer) != 1 ||
	    X509_cmp(sk_X509_value(signer, 0), certs[C_SIGNER]) != 0) {
		fprintf(stderr, "==fuzz_ocsp== %d certificates in the response\n",
			sk_X509_num(signer));
		finding("the response does not carry the signer certificate, once");
	}
	store = X509_STORE_new();
	if (!store || OCSP_basic_verify(bs, NULL, store, OCSP_NOVERIFY) != 1) {
		ERR_print_errors_fp(stderr);
		finding("the response's signature does not verify");
	}
	X509_STORE_free(store);
	OCSP_BASICRESP_free(bs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *buf = malloc(size ? size : 1), *out = NULL;
	const unsigned char *p;
	size_t outlen = 0;
	OCSP_REQUEST *req = NULL;
	OCSP_RESPONSE *rsp;
	int st, want;

	if (!buf)
		abort();
	memcpy(buf, data, size);
	substitute(buf, size);

	if (ocsp_respond(resp, buf, size, &out, &outlen) != FINCA_OK) {
		free(buf);
		fprintf(stderr, "==fuzz_ocsp== ocsp_respond: %s\n", err_msg());
		finding("ocsp_respond made no response");
	}
	p = out;
	rsp = d2i_OCSP_RESPONSE(NULL, &p, (long)outlen);
	if (!rsp || p != out + outlen)
		finding("the response does not parse as an OCSPResponse");
	st = OCSP_response_status(rsp);
	if (trace)
		fprintf(stderr, "fuzz_ocsp: %zu bytes in, responseStatus %s, %zu bytes out\n",
			size, OCSP_response_status_str(st), outlen);
	if (respout) {
		FILE *f = fopen(respout, "wb");
		if (!f || fwrite(out, 1, outlen, f) != outlen || fclose(f) != 0)
			perror(respout);
	}

	req = parse_request(buf, size);
	if (!req) {
		if (st != OCSP_RESPONSE_STATUS_MALFORMEDREQUEST)
			finding("a malformed request was not answered malformedRequest");
	} else {
		want = OCSP_RESPONSE_STATUS_SUCCESSFUL;
		/* the first CertID at fault decides, as the responder checks
		 * them in order */
		for (int i = 0; i < OCSP_request_onereq_count(req) &&
				want == OCSP_RESPONSE_STATUS_SUCCESSFUL; i++) {
			OCSP_CERTID *cid = OCSP_onereq_get0_id(OCSP_request_onereq_get0(req, i));
			ASN1_INTEGER *sn = NULL;

			OCSP_id_get0_info(NULL, NULL, NULL, &sn, cid);
			want = !for_us(cid) ? OCSP_RESPONSE_STATUS_UNAUTHORIZED :
			       !usable_serial(sn) ? OCSP_RESPONSE_STATUS_MALFORMEDREQUEST :
			       OCSP_RESPONSE_STATUS_SUCCESSFUL;
		}
		if (st != want) {
			fprintf(stderr, "==fuzz_ocsp== responseStatus %d, expected %d\n",
				st, want);
			finding("wrong responseStatus for a well-formed request");
		}
		if (st == OCSP_RESPONSE_STATUS_SUCCESSFUL)
			check_successful(req, rsp);
	}
	OCSP_REQUEST_free(req);
	OCSP_RESPONSE_free(rsp);
	free(out);
	free(buf);
	ERR_clear_error();
	err_clear();
	return 0;
}
