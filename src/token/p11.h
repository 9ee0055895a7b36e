/* USBKeys through PKCS#11: the module, its tokens, sessions, and the few
 * operations a token station needs.  Every CK_RV a token can answer becomes
 * a message saying what the holder or operator should do.
 *
 * SoftHSM2 stands in for a USBKey in tests.  SM2 has no standard PKCS#11
 * mechanism: a vendor module's key-generation and signing mechanism numbers
 * are given in struct p11_sm2 (finca.conf [token]); signing is then over
 * e = SM3(Z || M), Z computed here with the default signer ID. */
#ifndef FINCA_P11_H
#define FINCA_P11_H

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stddef.h>

struct p11;        /* a loaded module */
struct p11s;       /* a read-write session on one token */

struct p11_token {
	unsigned long slot;
	char label[33], serial[17], manufacturer[33], model[17];
	int initialized;      /* CKF_TOKEN_INITIALIZED */
	int user_pin_set;     /* CKF_USER_PIN_INITIALIZED */
	int pin_locked, so_pin_locked;
	unsigned long min_pin, max_pin;
	/* CKF_USER_PIN_COUNT_LOW: a wrong PIN since the last good one;
	 * CKF_USER_PIN_FINAL_TRY: one more wrong PIN locks it */
	int pin_count_low, pin_final_try;
};

/* Vendor SM2 mechanisms; 0 when the module has none.  import: the
 * mechanism that takes a GM/T 0016 ENVELOPEDKEYBLOB (p11_import_sm2). */
struct p11_sm2 {
	unsigned long keygen, sign, import;
};

int p11_load(const char *module, struct p11 **out);
void p11_free(struct p11 *m);
/* The tokens present (*out is the caller's, free()). */
int p11_list(struct p11 *m, struct p11_token **out, size_t *n);
/* The token with this serial, or with serial NULL the only initialised
 * token present (FINCA_EINVAL naming the choice when there are several). */
int p11_find(struct p11 *m, const char *serial, struct p11_token *out);

/* C_InitToken: erases the token, sets the SO PIN and the label. */
int p11_init_token(struct p11 *m, unsigned long slot, const char *so_pin,
		   const char *label);

int p11_open(struct p11 *m, unsigned long slot, struct p11s **out);
void p11_close(struct p11s *s);
/* so: log in as security officer rather than user. */
int p11_login(struct p11s *s, int so, const char *pin);
/* C_InitPIN (SO logged in) and C_SetPIN (user logged in). */
int p11_init_pin(struct p11s *s, const char *pin);
int p11_set_pin(struct p11s *s, const char *old_pin, const char *new_pin);

/* Generates a key pair of alg (enum key_alg) on the token, private key
 * sensitive and never extractable, both objects with CKA_ID id and label.
 * *pub (the caller's) is its public key. */
int p11_keygen(struct p11s *s, int alg, const struct p11_sm2 *sm2,
	       const unsigned char *id, size_t idlen, const char *label,
	       EVP_PKEY **pub);
/* Signs data with the private key of CKA_ID id, whose public key is pub:
 * SM2 with SM3 and the default ID, ECDSA or RSA PKCS#1 v1.5 with SHA-256.
 * *sig (OPENSSL_free) is DER for SM2 and ECDSA, as X.509 carries them. */
int p11_sign(struct p11s *s, const struct p11_sm2 *sm2, EVP_PKEY *pub,
	     const unsigned char *id, size_t idlen, const unsigned char *data,
	     size_t len, unsigned char **sig, size_t *siglen);
/* Writes x as a token certificate object with CKA_ID id and label. */
int p11_put_cert(struct p11s *s, const unsigned char *id, size_t idlen,
		 const char *label, X509 *x);
/* The first signing certificate on the token and its CKA_ID (id: 64
 * bytes). */
int p11_get_cert(struct p11s *s, X509 **out, unsigned char *id, size_t *idlen);
/* A certificate object of a token and its CKA_ID. */
struct p11_cert {
	X509 *x;                  /* owned */
	unsigned char id[64];
	size_t idlen;
};
#define P11_CERTS_MAX 64
/* Every X.509 certificate object on the token (at most P11_CERTS_MAX),
 * in the token's order; objects that do not parse or have a CKA_ID over
 * 64 bytes are left out, and so are encryption certificates of a dual
 * pair (keyUsage without digitalSignature and nonRepudiation): these
 * are the certificates a holder signs with.  *out is the caller's: p11_certs_free. */
int p11_get_certs(struct p11s *s, struct p11_cert **out, size_t *n);
/* The encryption certificates of dual pairs on the token, those
 * p11_get_certs leaves out (same rules, same ownership). */
int p11_get_enc_certs(struct p11s *s, struct p11_cert **out, size_t *n);
void p11_certs_free(struct p11_cert *c, size_t n);
/* Destroys every object with CKA_ID id (keys and certificate), or with id
 * NULL every object the session sees. */
int p11_destroy(struct p11s *s, const unsigned char *id, size_t idlen);

/* --- the encryption key of a dual pair, imported (issue 16) ---
 * Both put a private key object (CKA_DERIVE; an encryption key, never
 * CKA_SIGN), its public key object and the encryption certificate under
 * CKA_ID id with label, opened on the token by the signing private key of
 * CKA_ID sign_id; nothing of the key passes through the host.  On failure
 * nothing of id is left. */

/* A P-256 key from a PKCS#11 envelope (km/envelope.c, FincaP11EnvelopedKey):
 * C_DeriveKey(CKM_ECDH1_DERIVE, CKD_NULL, eph) with the signing key into a
 * session AES-256 key that may only unwrap, then
 * C_UnwrapKey(CKM_AES_KEY_WRAP_PAD) of wrapped (its PKCS#8).  The
 * unwrapped key's public point must be pub (65 octets, 04||x||y), the
 * certificate's. */
int p11_import_p256(struct p11s *s, const unsigned char *sign_id, size_t sign_idlen,
		    const unsigned char eph[65], const unsigned char *wrapped, size_t wlen,
		    const unsigned char *id, size_t idlen, const char *label, X509 *cert);
/* An SM2 key from a GM/T 0016 ENVELOPEDKEYBLOB (SKF_ImportECCKeyPair's
 * input) through the vendor's mechanism sm2->import: C_UnwrapKey with
 * that mechanism, the blob as both its parameter and the wrapped key,
 * the signing private key as the unwrapping key.  Refused
 * (token.import_unsupported) when the module offers none. */
int p11_import_sm2(struct p11s *s, const struct p11_sm2 *sm2, const unsigned char *sign_id,
		   size_t sign_idlen, const unsigned char *blob, size_t len,
		   const unsigned char *id, size_t idlen, const char *label, X509 *cert);

/* e = SM3(Z || data) for an SM2 public key and the default signer ID. */
int p11_sm2_digest(EVP_PKEY *pub, const unsigned char *data, size_t len,
		   unsigned char e[32]);

#endif
