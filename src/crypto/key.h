/* Key pairs: generation, encrypted PEM storage, strength checks. */
#ifndef FINCA_KEY_H
#define FINCA_KEY_H

#include <openssl/evp.h>
#include <openssl/x509.h>

enum key_alg { KEY_SM2, KEY_P256, KEY_RSA2048, KEY_RSA3072 };

/* "sm2", "p256", "rsa2048", "rsa3072" -> enum; -1 when unknown. */
int key_alg_parse(const char *name);
const char *key_alg_name(int alg);

/* Generates a key of alg into *out (caller frees with EVP_PKEY_free). */
int key_generate(int alg, EVP_PKEY **out);

/* How a private key is encrypted on disk (PKCS#8 PBES2 under a
 * passphrase): KEY_FORM_GM, PBKDF2-HMAC-SM3 and SM4-CBC, the form GM
 * toolkits read (key_gm.c); KEY_FORM_STD, PBKDF2-HMAC-SHA256 and
 * AES-256-CBC, OpenSSL's; KEY_FORM_AUTO, GM for SM2 keys, STD otherwise. */
enum key_form { KEY_FORM_AUTO, KEY_FORM_GM, KEY_FORM_STD };
/* "auto", "gm", "std" -> enum; -1 when unknown. */
int key_form_parse(const char *name);

/* Writes the private key as encrypted PKCS#8 PEM under pass (never
 * unencrypted: pass must be non-empty), mode 0600, in form. */
int key_save_form(const char *path, EVP_PKEY *key, const char *pass, int form);
/* key_save_form with KEY_FORM_AUTO. */
int key_save(const char *path, EVP_PKEY *key, const char *pass);
/* Loads an encrypted PEM private key of either form.  A wrong passphrase
 * is FINCA_EAUTH. */
int key_load(const char *path, const char *pass, EVP_PKEY **out);

/* The GM form (key_gm.c): the EncryptedPrivateKeyInfo of key under pass
 * into *out (caller frees, X509_SIG_free); and back, FINCA_ENOTFOUND when
 * sig is not PBKDF2-HMAC-SM3 (another form), FINCA_EAUTH when pass does
 * not open it. */
int key_gm_encrypt(EVP_PKEY *key, const char *pass, X509_SIG **out);
int key_gm_decrypt(const X509_SIG *sig, const char *pass, EVP_PKEY **out);

/* Refuses keys finca will not certify: RSA below 2048 or above 8192 bits,
 * EC curves other than SM2, P-256 and P-384, anything else.  what names the
 * object in the message ("csr 3", "key"). */
int key_check_strength(EVP_PKEY *key, const char *what);
/* What key_check_strength accepts, in words ("SM2", "RSA 2048-8192");
 * NULL-terminated. */
extern const char *const key_accepted[];
/* "SM2", "EC P-256", "RSA 2048" into out. */
void key_describe(EVP_PKEY *key, char *out, size_t outlen);
int key_is_sm2(const EVP_PKEY *key);
/* 1 when both hold the same public key. */
int key_public_equal(EVP_PKEY *a, EVP_PKEY *b);

#endif
