/* CA keys in a PKCS#11 module (an HSM; SoftHSM2 in tests), through libp11,
 * which hands out EVP_PKEYs whose signatures are made by the token.  The
 * keys are found by label ("finca-root", "finca-issuing", ...) in the
 * token named in finca.conf; the secret is the token's user PIN.  Keys are
 * generated in the HSM with the vendor's tools (or pkcs11-tool), never
 * here.  SM2 needs a vendor module with an SM2 mechanism. */
/* libp11.h declares functions returning RSA_METHOD and EC_KEY_METHOD,
 * types hidden by OPENSSL_NO_DEPRECATED.  This file only calls libp11's
 * PKCS11_* functions; OPENSSL_API_COMPAT=30000 stays, so a call to a
 * deprecated OpenSSL function here still fails the build (-Werror). */
#undef OPENSSL_NO_DEPRECATED
#include "crypto/keystore.h"
#include "util/err.h"
#include "util/util.h"

#include <libp11.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct p11 {
	PKCS11_CTX *ctx;
	PKCS11_SLOT *slots;
	unsigned int nslots;
	PKCS11_SLOT *slot;       /* borrowed from slots */
	int logged_in;
};

static int p11_login(struct keystore *ks, struct p11 *p, const char *pin)
{
	if (p->logged_in)
		return FINCA_OK;
	if (PKCS11_open_session(p->slot, 0) != 0)
		return err_why(FINCA_EIO, NULL, "hsm.session",
			       "pkcs11 token '%s': cannot open a session", ks->token);
	if (!pin || PKCS11_login(p->slot, 0, pin) != 0)
		return err_why(FINCA_EAUTH, NULL, "hsm.login",
			       "pkcs11 token '%s': login refused (wrong PIN?)",
			       ks->token);
	p->logged_in = 1;
	return FINCA_OK;
}

static int p11_load(struct keystore *ks, const char *name, const char *secret,
		    EVP_PKEY **out)
{
	struct p11 *p = ks->impl;
	PKCS11_KEY *keys;
	unsigned int n;
	char label[64];
	int rc;

	if ((rc = p11_login(ks, p, secret)) != FINCA_OK)
		return rc;
	snprintf(label, sizeof label, "finca-%s", name);
	if (PKCS11_enumerate_keys(p->slot->token, &keys, &n) != 0)
		return err_why(FINCA_EIO, NULL, "hsm.list_keys",
			       "pkcs11 token '%s': cannot list keys", ks->token);
	for (unsigned int i = 0; i < n; i++)
		if (keys[i].isPrivate && keys[i].label && !strcmp(keys[i].label, label)) {
			if ((*out = PKCS11_get_private_key(&keys[i])) == NULL)
				return err_why(FINCA_ECRYPTO, NULL, "hsm.key_unusable",
					       "pkcs11 token '%s': key '%s' is not usable", ks->token,
					       label);
			return FINCA_OK;
		}
	return err_why(FINCA_ENOTFOUND, NULL, "hsm.no_key",
		       "pkcs11 token '%s': no private key labelled '%s' (make it in the HSM)",
		       ks->token, label);
}

static int p11_save(struct keystore *ks, const char *name, EVP_PKEY *key,
		    const char *secret)
{
	(void)key;
	(void)secret;
	return err_why(FINCA_ESTATE, NULL, "hsm.no_import",
		       "pkcs11 token '%s': finca does not import keys; generate 'finca-%s' in the HSM",
		       ks->token, name);
}

static void p11_free(struct keystore *ks)
{
	struct p11 *p = ks->impl;

	if (!p)
		return;
	if (p->slots)
		PKCS11_release_all_slots(p->ctx, p->slots, p->nslots);
	if (p->ctx) {
		PKCS11_CTX_unload(p->ctx);
		PKCS11_CTX_free(p->ctx);
	}
	free(p);
}

static const struct keystore_ops p11_ops = {
	"pkcs11", p11_load, p11_save, p11_free,
};

int keystore_open_pkcs11(const char *module, const char *token,
			 struct keystore **out)
{
	struct keystore *ks = xcalloc(1, sizeof *ks);
	struct p11 *p = xcalloc(1, sizeof *p);
	int rc;

	ks->ops = &p11_ops;
	ks->impl = p;
	ks->module = xstrdup(module);
	ks->token = xstrdup(token);
	/* one signing thread: not every module copes with concurrent
	 * signatures in one session */
	ks->single_thread = 1;
	if ((p->ctx = PKCS11_CTX_new()) == NULL || PKCS11_CTX_load(p->ctx, module) != 0) {
		rc = err_why(FINCA_EIO, NULL, "hsm.module",
			     "pkcs11 module %s: cannot load it", module);
		goto fail;
	}
	if (PKCS11_enumerate_slots(p->ctx, &p->slots, &p->nslots) != 0) {
		rc = err_why(FINCA_EIO, NULL, "hsm.slots",
			     "pkcs11 module %s: cannot list slots", module);
		goto fail;
	}
	for (unsigned int i = 0; i < p->nslots; i++)
		if (p->slots[i].token && p->slots[i].token->initialized &&
		    !strcmp(p->slots[i].token->label, token))
			p->slot = &p->slots[i];
	if (!p->slot) {
		rc = err_why(FINCA_ENOTFOUND, NULL, "hsm.no_token",
			     "pkcs11 module %s: no token labelled '%s'",
			     module, token);
		goto fail;
	}
	*out = ks;
	return FINCA_OK;
fail:
	keystore_free(ks);
	return rc;
}
