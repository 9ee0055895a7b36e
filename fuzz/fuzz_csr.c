/* libFuzzer harness: a CSR as it arrives from a requester.
 *
 * Input bytes are a DER PKCS#10 request.  When libcrypto parses them, the
 * harness does what finca does with a CSR (src/ca/issue.c, prepare):
 * proof of possession with sig_verify_signed over the DER (the bytes as
 * received, and i2d_X509_REQ's re-encoding, which is what prepare hands
 * it), key_check_strength on the public key, and dn_format on the subject.
 * It also feeds the raw input straight to sig_verify_signed, since that
 * parser takes any SIGNED{} structure (certificates, CRLs, OCSP).
 *
 * Nothing here may crash, trip ASan/UBSan, or leak.
 *
 * FUZZ_CSR_ROUNDTRIP=1 in the environment adds a check that matters for
 * cert renew/update: finca stores dn_format(subject) and ca_renew hands
 * that string back to dn_parse.  When dn_parse accepts the stored string it
 * must give the same name (X509_NAME_cmp == 0); otherwise the harness
 * aborts.  (dn_parse refusing the string only makes renewal fail, and is
 * not reported.)  It is off by default because a CSR subject with a
 * multi-valued RDN already fails it (see crashes/README.md). */
#include "ca/dn.h"
#include "crypto/key.h"
#include "crypto/sig.h"
#include "util/err.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static EVP_PKEY *p256_key; /* a fixed key, for raw SIGNED{} inputs */
static int roundtrip;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *e = getenv("FUZZ_CSR_ROUNDTRIP");

	(void)argc;
	(void)argv;
	roundtrip = e && *e && strcmp(e, "0") != 0;
	/* Load providers, algorithm tables and error strings once, so that
	 * libcrypto's lazily built global state is not counted as a leak of
	 * the first input. */
	OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CRYPTO_STRINGS |
				    OPENSSL_INIT_ADD_ALL_CIPHERS |
				    OPENSSL_INIT_ADD_ALL_DIGESTS,
			    NULL);
	EVP_MD_free(EVP_MD_fetch(NULL, "SM3", NULL));
	EVP_MD_free(EVP_MD_fetch(NULL, "SHA256", NULL));
	p256_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (!p256_key)
		abort();
	/* warm up the verify paths for each key type */
	{
		EVP_PKEY *k[2] = { EVP_PKEY_Q_keygen(NULL, NULL, "SM2"), p256_key };
		static const unsigned char junk[] = { 0x30, 0x00 };
		for (int i = 0; i < 2; i++) {
			if (!k[i])
				abort();
			(void)sig_verify(k[i], junk, sizeof junk, junk, sizeof junk);
			(void)key_check_strength(k[i], "warm-up");
		}
		EVP_PKEY_free(k[0]);
	}
	ERR_clear_error();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const unsigned char *p = data;
	unsigned char *der = NULL;
	X509_REQ *req;
	EVP_PKEY *pub;
	int len;

	/* sig_verify_signed on arbitrary bytes: it must reject junk cleanly */
	(void)sig_verify_signed(data, size, p256_key);

	if (size > (size_t)LONG_MAX)
		return 0;
	req = d2i_X509_REQ(NULL, &p, (long)size);
	if (!req) {
		ERR_clear_error();
		return 0;
	}
	pub = X509_REQ_get0_pubkey(req); /* owned by req */
	if (pub) {
		/* proof of possession over the bytes as received (only the
		 * parsed prefix: d2i may stop before the end) ... */
		(void)sig_verify_signed(data, (size_t)(p - data), pub);
		/* ... and over the re-encoding, as prepare() does */
		if ((len = i2d_X509_REQ(req, &der)) > 0)
			(void)sig_verify_signed(der, (size_t)len, pub);
		OPENSSL_free(der);
		(void)key_check_strength(pub, "CSR");
		/* and against a key of another type: must refuse, not crash */
		(void)sig_verify_signed(data, (size_t)(p - data), p256_key);
	}
	{
		const X509_NAME *subj = X509_REQ_get_subject_name(req);
		char *s = dn_format(subj);
		X509_NAME *back = NULL;

		if (!s)
			abort();
		if (roundtrip && dn_parse(s, &back) == FINCA_OK &&
		    X509_NAME_cmp(subj, back) != 0) {
			char *s2 = dn_format(back);
			fprintf(stderr,
				"\n==fuzz_csr== SUBJECT CHANGES ON RENEWAL\n"
				"dn_format(CSR subject): %s\n"
				"dn_format(dn_parse(that)): %s\n", s, s2);
			free(s2);
			abort();
		}
		X509_NAME_free(back);
		free(s);
	}
	X509_REQ_free(req);
	ERR_clear_error();
	err_clear();
	return 0;
}
