/* Key management (KM, 密钥管理中心; GM/T 0034 dual certificates): the
 * encryption key pairs of dual certificates are made here, not on the
 * USBKey, so that they can be recovered (a broken USBKey, a judicial
 * request).  Each private key is kept escrowed, sealed to the KM key, and
 * delivered to its USBKey as an enveloped key encrypted to the pair's
 * signing public key (envelope.c).
 *
 * The KM key is an SM2 key kept like the CA keys (crypto/keystore.h):
 * ca/km.key encrypted under the CA passphrase, or "finca-km" in the HSM.
 * Its public half is also written to ca/km.pub, so that escrowing needs
 * no private key at all: only key recovery (ra/recover.c, the request type
 * with the two-person rule, in the serve daemon: ca_unlock_km) opens the
 * KM key.
 *
 * Layer: beside ca/ (it knows the store and the crypto wrappers, not
 * struct ca). */
#ifndef FINCA_KM_H
#define FINCA_KM_H

#include "crypto/keystore.h"
#include "store/store.h"

#include <openssl/evp.h>

/* --- the KM key and escrow (km.c) --- */

/* Makes sure cadir/km.pub exists: from the keystore's "km" key, made
 * (SM2) and saved under pass when the file keystore has none.  An HSM
 * without a "finca-km" key leaves the KM off (no km.pub): pairs are then
 * refused by km_public_load. */
int km_key_ensure(struct keystore *ks, const char *cadir, const char *pass);
/* The KM public key from cadir/km.pub; *out is the caller's. */
int km_public_load(const char *cadir, EVP_PKEY **out);

/* An encryption key pair: alg is KEY_SM2 or KEY_P256 (crypto/key.h).
 * *out is the caller's. */
int km_keypair_make(int alg, EVP_PKEY **out);

/* Seals key's 32-octet private scalar to the KM public key km_pub (SM2
 * encryption, GM/T 0009 SM2Cipher DER).  *out (malloc) is the caller's. */
int km_escrow_seal(EVP_PKEY *km_pub, EVP_PKEY *key, unsigned char **out, size_t *len);
/* Opens a sealed key with the KM private key; the result must have the
 * public key pub (the escrow row's, or the certificate's): a sealed blob
 * moved to another row does not open as that row's key.  *out is the
 * caller's. */
int km_escrow_open(EVP_PKEY *km_key, const unsigned char *sealed, size_t len,
		   EVP_PKEY *pub, EVP_PKEY **out);
/* A key pair of type ("SM2" or "EC" on P-256) from its private scalar d
 * (32 octets) and its public point pub (04||x||y), refused unless d*G is
 * pub.  *out is the caller's. */
int km_key_from_parts(const char *type, const unsigned char d[32],
		      const unsigned char *pub, size_t publen, EVP_PKEY **out);
/* SM2 encryption (enc 1) to key's public key, or decryption (enc 0) with
 * its private key: OpenSSL 3.0 reads and writes the GM/T 0009 SM2Cipher
 * DER.  A decryption that fails (the wrong key, an altered ciphertext:
 * the C3 hash) is FINCA_EINTEGRITY.  *out (OPENSSL_malloc) is the
 * caller's: OPENSSL_clear_free. */
int km_sm2_crypt(int enc, EVP_PKEY *key, const unsigned char *in, size_t n,
		 unsigned char **out, size_t *outlen);
/* Records the escrow of the encryption certificate enc_id (the pair of
 * sign_id), inside the caller's transaction. */
int km_escrow_keep(struct store *st, int64_t enc_id, int64_t sign_id,
		   const char *key_alg, const unsigned char *sealed, size_t len);

/* --- the enveloped key (envelope.c) --- */

/* GM/T 0009 SM2EnvelopedKey, parsed.  Sizes are fixed by the format. */
struct envelope {
	char sym_oid[64];             /* symAlgID: 1.2.156.10197.1.104.1 */
	unsigned char *sym_cipher;    /* owned: symEncryptedKey, SM2Cipher DER */
	size_t sym_cipher_len;
	unsigned char pub[65];        /* sm2PublicKey: 04||x||y */
	unsigned char enc_priv[32];   /* sm2EncryptedPrivateKey: SM4-ECB(d) */
};
void envelope_clear(struct envelope *e);

/* The SM2EnvelopedKey of key (an SM2 key pair), its symmetric key
 * encrypted to to (the signing certificate's SM2 public key).  *der
 * (malloc) is the caller's. */
int envelope_build(EVP_PKEY *key, EVP_PKEY *to, unsigned char **der, size_t *len);
/* Parses DER; out is the caller's to clear.  Every field's size is
 * checked. */
int envelope_parse(const unsigned char *der, size_t len, struct envelope *out);
/* Opens a parsed envelope with the signing private key; *out is the
 * caller's.  A wrong key is FINCA_EINTEGRITY. */
int envelope_open(const struct envelope *e, EVP_PKEY *sign_key, EVP_PKEY **out);
/* The same envelope as GM/T 0016 SKF ENVELOPEDKEYBLOB, the bytes
 * SKF_ImportECCKeyPair takes (little-endian ULONGs, as the x86 and ARM
 * hosts of every USBKey driver).  *out (malloc) is the caller's. */
int envelope_to_skf(const struct envelope *e, unsigned char **out, size_t *len);
/* Sizes of the SKF blob's parts (envelope.c says where each is from). */
#define SKF_ENVELOPE_FIXED (4 + 4 + 4 + 64 + (4 + 64 + 64) + (64 + 64 + 32 + 4))
#define SKF_SGD_SM4_ECB 0x00000401u

/* The PKCS#11 envelope of a P-256 encryption key (envelope.c says why
 * and defines FincaP11EnvelopedKey), for tokens without SM2: the token
 * opens it with C_DeriveKey (ECDH, its signing key) and C_UnwrapKey
 * (AES-KWP), so the private key is never in the token host's memory. */
#define ENVELOPE_P11_FORMAT "p11ecdh"
struct envelope_p11 {
	unsigned char eph[65];        /* the ephemeral public point */
	unsigned char pub[65];        /* the enveloped key's public point */
	unsigned char *wrapped;       /* owned: AES-256-KWP of its PKCS#8 */
	size_t wrapped_len;
};
void envelope_p11_clear(struct envelope_p11 *e);
/* 1 when k is a P-256 key (the only curve of this envelope). */
int envelope_p11_fits(EVP_PKEY *k);
/* The envelope of key (P-256) to to (the P-256 signing key); *der
 * (malloc) is the caller's. */
int envelope_p11_build(EVP_PKEY *key, EVP_PKEY *to, unsigned char **der, size_t *len);
/* Parses DER, every field's size checked; out is the caller's to clear. */
int envelope_p11_parse(const unsigned char *der, size_t len, struct envelope_p11 *out);
/* Opens it in software with the signing private key (what the token
 * does; for tests and checks).  *out is the caller's; a wrong key or an
 * altered envelope is FINCA_EINTEGRITY. */
int envelope_p11_open(const struct envelope_p11 *e, EVP_PKEY *sign_key, EVP_PKEY **out);

#endif
