/* TLCP (GB/T 38636-2020, earlier GM/T 0024-2014), the Chinese TLS, on the
 * server side: what GM TLS clients speak to a server that holds an SM2
 * pair (a signing certificate, and an encryption certificate whose key the
 * KM made; ca/dual.c).  OpenSSL 3.0 has no TLCP; this is the protocol over
 * its SM2, SM3 and SM4.  One suite: ECC_SM4_CBC_SM3 (0xE013): the client
 * encrypts the pre-master secret to the encryption certificate, the server
 * signs both randoms and that certificate with the signing key; records are
 * SM4-CBC with an explicit IV and HMAC-SM3, TLS 1.1 style; the PRF is
 * TLS 1.2's P_hash over HMAC-SM3.  No client certificates, no session
 * resumption, no renegotiation (a second ClientHello is refused). */
#ifndef FINCA_TLCP_H
#define FINCA_TLCP_H

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stddef.h>
#include <sys/types.h>

#define TLCP_RECORD_MAX 16384   /* plaintext of one record */

/* The server's pair and chain, read-only once made: shared by every
 * connection. */
struct tlcp_server;

/* Takes references to the keys and certificates (the caller keeps its
 * own); chain: the CA certificates sent after the pair, or NULL.  Checks
 * that each key is its certificate's and that both are SM2. */
int tlcp_server_new(EVP_PKEY *sign_key, X509 *sign, EVP_PKEY *enc_key, X509 *enc,
		    STACK_OF(X509) *chain, struct tlcp_server **out);
void tlcp_server_free(struct tlcp_server *s);

struct tlcp_conn;

/* The handshake on fd, a connected socket (blocking; its timeouts are the
 * caller's).  On failure an alert has been sent where the protocol has
 * one, and *out is NULL.  The connection borrows s and fd. */
int tlcp_accept(const struct tlcp_server *s, int fd, struct tlcp_conn **out);
/* The next record's application data, whole (n >= TLCP_RECORD_MAX):
 * its length; 0 at the peer's close_notify or end of stream; -1 on an
 * error (a bad record: bad_record_mac sent). */
ssize_t tlcp_read(struct tlcp_conn *c, unsigned char *buf, size_t n);
/* Sends buf as application data records.  FINCA_OK or FINCA_EIO. */
int tlcp_write(struct tlcp_conn *c, const unsigned char *buf, size_t n);
/* Sends close_notify (when the session is up) and frees c; fd stays open. */
void tlcp_conn_free(struct tlcp_conn *c);

/* The PRF (GM/T 0024 5.3.1.4: P_SM3): out = P_SM3(secret, label || seed).
 * Exposed for the unit test. */
int tlcp_prf(const unsigned char *secret, size_t slen, const char *label,
	     const unsigned char *seed, size_t seedlen, unsigned char *out, size_t outlen);

#endif
