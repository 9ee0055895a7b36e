/* [tlcp] of finca.conf: finca serve's TLCP listener (tlcp.h) and the SM2
 * server pair it presents, as `finca cert issue --profile server --genkey
 * --dual` writes it: the signing certificate and its key (encrypted, the
 * passphrase in FINCA_TLCP_KEY_PASSPHRASE), the encryption certificate and
 * the KM's enveloped key (GM/T 0009), opened with the signing key at
 * start, so that the encryption key is never on disk in clear.  Registered
 * with ca/config.c's section registry by the constructor at the end. */
#include "tlcp/tlcp_conf.h"
#include "crypto/key.h"
#include "crypto/pem.h"
#include "km/km.h"
#include "util/err.h"
#include "util/util.h"

#include <openssl/pem.h>
#include <stdlib.h>
#include <string.h>

static int tlcp_set(void *data, const char *key, const char *v)
{
	struct tlcp_conf *t = data;
	char **dst = !strcmp(key, "listen") ? &t->listen :
		     !strcmp(key, "sign_cert") ? &t->sign_cert :
		     !strcmp(key, "sign_key") ? &t->sign_key :
		     !strcmp(key, "enc_cert") ? &t->enc_cert :
		     !strcmp(key, "enc_envelope") ? &t->enc_envelope : NULL;

	if (!dst)
		return CONFIG_NO_KEY;
	free(*dst);
	*dst = *v ? xstrdup(v) : NULL;
	return FINCA_OK;
}

static int complete(const struct tlcp_conf *t)
{
	return t->sign_cert && t->sign_key && t->enc_cert && t->enc_envelope;
}

static int incomplete(void)
{
	return err_why(FINCA_ECONFIG, NULL, "tlcp.config", "[tlcp]: a TLCP listener needs "
		       "sign_cert, sign_key, enc_cert and enc_envelope (a server pair: "
		       "finca cert issue --profile server --genkey --dual)");
}

static int tlcp_check(void *data)
{
	const struct tlcp_conf *t = data;

	return t->listen && !complete(t) ? incomplete() : FINCA_OK;
}

static void tlcp_conf_free(void *data)
{
	struct tlcp_conf *t = data;

	free(t->listen);
	free(t->sign_cert);
	free(t->sign_key);
	free(t->enc_cert);
	free(t->enc_envelope);
}

static const struct config_section tlcp_section = {
	.name = "tlcp",
	.rank = 25,
	.size = sizeof(struct tlcp_conf),
	.set = tlcp_set,
	.check = tlcp_check,
	.free = tlcp_conf_free,
	.default_text =
"[tlcp]\n"
"# TLCP (GB/T 38636, the Chinese TLS) for GM clients: finca serve answers\n"
"# what its plain HTTP listener serves (OCSP, CRLs, CA certificates) over\n"
"# TLCP with an SM2 server pair (finca cert issue --profile server --genkey\n"
"# --dual --out tlcp.pem).  Paths are relative to this directory; the\n"
"# signing key's passphrase comes from FINCA_TLCP_KEY_PASSPHRASE.\n"
"# --tlcp-listen overrides listen; empty: off.\n"
"# listen = 0.0.0.0:8444\n"
"# sign_cert = tlcp.pem\n"
"# sign_key = tlcp.pem.key\n"
"# enc_cert = tlcp-enc.pem\n"
"# enc_envelope = tlcp-enc.env\n"
"\n",
};

const struct tlcp_conf *tlcp_conf(const struct config *c)
{
	return config_section(c, &tlcp_section);
}

static int read_cert(const char *dir, const char *name, X509 **out)
{
	char *path = path_join(dir, name);
	unsigned char *buf = NULL;
	size_t len = 0;
	int rc;

	if ((rc = file_read(path, 1 << 20, &buf, &len)) == FINCA_OK) {
		buf = xrealloc(buf, len + 1);
		buf[len] = '\0';
		if (pem_x509_parse((const char *)buf, out) != FINCA_OK)
			rc = err_why(FINCA_EINVAL, NULL, "tlcp.cert", "[tlcp] %s: not a PEM "
				     "certificate", path);
	}
	free(buf);
	free(path);
	return rc;
}

int tlcp_conf_load(const struct tlcp_conf *t, const char *dir, X509 *issuing,
		   struct tlcp_server **out)
{
	X509 *sign = NULL, *enc = NULL;
	EVP_PKEY *sign_key = NULL, *enc_key = NULL;
	STACK_OF(X509) *chain = sk_X509_new_null();
	struct envelope e;
	unsigned char *der = NULL;
	size_t len = 0;
	char *path = NULL;
	const char *pass = getenv("FINCA_TLCP_KEY_PASSPHRASE");
	int rc;

	memset(&e, 0, sizeof e);
	*out = NULL;
	if (!complete(t)) {
		rc = incomplete();
		goto out;
	}
	if ((rc = read_cert(dir, t->sign_cert, &sign)) || (rc = read_cert(dir, t->enc_cert, &enc)))
		goto out;
	path = path_join(dir, t->sign_key);
	if ((rc = key_load(path, pass, &sign_key)) != FINCA_OK) {
		err_append(" ([tlcp] sign_key; its passphrase from FINCA_TLCP_KEY_PASSPHRASE)");
		goto out;
	}
	free(path);
	path = path_join(dir, t->enc_envelope);
	if ((rc = file_read(path, 1 << 16, &der, &len)) != FINCA_OK ||
	    (rc = envelope_parse(der, len, &e)) != FINCA_OK ||
	    (rc = envelope_open(&e, sign_key, &enc_key)) != FINCA_OK) {
		err_append(" ([tlcp] enc_envelope %s, opened with sign_key)", path);
		goto out;
	}
	if (issuing)
		sk_X509_push(chain, issuing);
	rc = tlcp_server_new(sign_key, sign, enc_key, enc, chain, out);
out:
	envelope_clear(&e);
	free(der);
	free(path);
	sk_X509_free(chain);        /* issuing is borrowed */
	X509_free(sign);
	X509_free(enc);
	EVP_PKEY_free(sign_key);
	EVP_PKEY_free(enc_key);
	return rc;
}

/* Before main: see config_section_register (ca/config.h) for why a
 * constructor. */
__attribute__((constructor)) static void tlcp_conf_register(void)
{
	config_section_register(&tlcp_section);
}
