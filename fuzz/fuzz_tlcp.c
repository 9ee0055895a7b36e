/* libFuzzer harness: what a TLCP client sends to finca serve's TLCP
 * listener (src/tlcp/tlcp.c).
 *
 * The input is the client's whole byte stream: it is written into one end
 * of a socket pair, whose writing side is then shut, and tlcp_accept runs
 * the server's handshake on the other end against a fixed SM2 server pair
 * made at start (their certificates are signed by a throwaway P-256 key:
 * the server never checks its own chain).  The stream reaches the record
 * layer, ClientHello, ClientKeyExchange (SM2 decryption of whatever comes)
 * and ChangeCipherSpec; a Finished cannot be forged, so the handshake must
 * fail.  Nothing may crash, trip ASan/UBSan or leak; a handshake that
 * succeeds aborts. */
#include "tlcp/tlcp.h"
#include "util/err.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct tlcp_server *server;

static X509 *cert_for(EVP_PKEY *key, EVP_PKEY *signer, long serial)
{
	X509 *x = X509_new();

	if (!x || !X509_set_version(x, 2) || !ASN1_INTEGER_set(X509_get_serialNumber(x), serial) ||
	    !X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
					(const unsigned char *)"fuzz", -1, -1, 0) ||
	    !X509_set_issuer_name(x, X509_get_subject_name(x)) ||
	    !X509_gmtime_adj(X509_getm_notBefore(x), 0) ||
	    !X509_gmtime_adj(X509_getm_notAfter(x), 86400) || !X509_set_pubkey(x, key) ||
	    !X509_sign(x, signer, EVP_sha256()))
		abort();
	return x;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	EVP_PKEY *sign_key, *enc_key, *p256;
	X509 *sign, *enc;

	(void)argc;
	(void)argv;
	OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CRYPTO_STRINGS | OPENSSL_INIT_ADD_ALL_CIPHERS |
				    OPENSSL_INIT_ADD_ALL_DIGESTS,
			    NULL);
	sign_key = EVP_PKEY_Q_keygen(NULL, NULL, "SM2");
	enc_key = EVP_PKEY_Q_keygen(NULL, NULL, "SM2");
	p256 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (!sign_key || !enc_key || !p256)
		abort();
	sign = cert_for(sign_key, p256, 1);
	enc = cert_for(enc_key, p256, 2);
	if (tlcp_server_new(sign_key, sign, enc_key, enc, NULL, &server) != FINCA_OK)
		abort();
	X509_free(sign);
	X509_free(enc);
	EVP_PKEY_free(sign_key);
	EVP_PKEY_free(enc_key);
	EVP_PKEY_free(p256);
	ERR_clear_error();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tlcp_conn *c = NULL;
	int sv[2];

	/* the socket buffers hold the input and the server's flight */
	if (size > 65536 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		return 0;
	if (write(sv[1], data, size) != (ssize_t)size)
		abort();
	shutdown(sv[1], SHUT_WR);
	if (tlcp_accept(server, sv[0], &c) == FINCA_OK)
		abort();                /* no Finished can be right */
	close(sv[0]);
	close(sv[1]);
	ERR_clear_error();
	return 0;
}
