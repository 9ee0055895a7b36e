/* libFuzzer harness: a CSR as it arrives from a requester.
 *
 * Input bytes go through csr_parse (src/crypto/csr.c), the structural walk
 * finca uses instead of d2i_X509_REQ, and its proof-of-possession check;
 * then key_check_strength and dn_format, as issuance does.  The raw bytes
 * also go to sig_verify_signed, which takes any SIGNED{} structure.
 * Nothing here may crash, trip ASan/UBSan, or leak.
 *
 * (Renewal no longer rebuilds a subject from its text: ca_renew passes the
 * old X509_NAME on, so the round-trip findings in crashes/ are regression
 * inputs for that.) */
#include "ca/dn.h"
#include "crypto/csr.h"
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

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
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
	struct csr c;

	/* sig_verify_signed on arbitrary bytes: it must reject junk cleanly */
	(void)sig_verify_signed(data, size, p256_key);

	/* what finca does with a request: parse, proof of possession */
	if (csr_parse(data, size, &c) == FINCA_OK) {
		char *s;
		(void)key_check_strength(c.key, "CSR");
		/* against a key of another type: must refuse, not crash */
		(void)sig_verify_signed(data, size, p256_key);
		if ((s = dn_format(c.subject)) == NULL)
			abort();
		free(s);
		/* a parsed request's key must be encodable into a certificate */
		if (ASN1_STRING_length(c.key_bits) <= 0)
			abort();
		csr_clear(&c);
	}
	ERR_clear_error();
	err_clear();
	return 0;
}
