/* Where CA private keys live: encrypted PEM files, or a PKCS#11 module (an
 * HSM).  Each backend implements the same few operations in its own file
 * (keystore_file.c, keystore_pkcs11.c). */
#ifndef FINCA_KEYSTORE_H
#define FINCA_KEYSTORE_H

#include <openssl/evp.h>

struct keystore;

struct keystore_ops {
	const char *name;
	/* Loads the private key called name ("root", "issuing", "service");
	 * *out is the caller's.  secret: the passphrase or the token PIN. */
	int (*load)(struct keystore *ks, const char *name, const char *secret,
		    EVP_PKEY **out);
	/* Keeps a new key (file backend; an HSM's keys are made in the HSM). */
	int (*save)(struct keystore *ks, const char *name, EVP_PKEY *key,
		    const char *secret);
	void (*free)(struct keystore *ks);
};

struct keystore {
	const struct keystore_ops *ops;
	char *dir;              /* file: where NAME.key live */
	char *module, *token;   /* pkcs11 */
	void *impl;             /* backend state */
	int single_thread;      /* sign from one thread only */
};

/* dir: the CA directory (files); module/token: PKCS#11 (NULL for files). */
int keystore_open_file(const char *dir, struct keystore **out);
int keystore_open_pkcs11(const char *module, const char *token,
			 struct keystore **out);
void keystore_free(struct keystore *ks);

#endif
