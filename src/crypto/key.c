#include "crypto/key.h"
#include "util/err.h"
#include "util/util.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <string.h>

static const char *const alg_names[] = {
	[KEY_SM2] = "sm2",
	[KEY_P256] = "p256",
	[KEY_RSA2048] = "rsa2048",
	[KEY_RSA3072] = "rsa3072",
};

int key_alg_parse(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(alg_names); i++)
		if (strcmp(name, alg_names[i]) == 0)
			return (int)i;
	return -1;
}

const char *key_alg_name(int alg)
{
	if (alg < 0 || (size_t)alg >= ARRAY_LEN(alg_names))
		return "?";
	return alg_names[alg];
}

int key_generate(int alg, EVP_PKEY **out)
{
	EVP_PKEY *k = NULL;

	ERR_clear_error();
	switch (alg) {
	case KEY_SM2:
		k = EVP_PKEY_Q_keygen(NULL, NULL, "SM2");
		break;
	case KEY_P256:
		k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		break;
	case KEY_RSA2048:
		k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
		break;
	case KEY_RSA3072:
		k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)3072);
		break;
	default:
		return err_why(FINCA_EINVAL, NULL, "key.alg", "unknown key algorithm %d", alg);
	}
	if (!k)
		return err_ssl_why(FINCA_ECRYPTO, "key.generate", "generating %s key",
				   key_alg_name(alg));
	*out = k;
	return FINCA_OK;
}

int key_form_parse(const char *name)
{
	static const char *const forms[] = { [KEY_FORM_AUTO] = "auto", [KEY_FORM_GM] = "gm",
					      [KEY_FORM_STD] = "std" };

	for (size_t i = 0; i < ARRAY_LEN(forms); i++)
		if (!strcmp(name, forms[i]))
			return (int)i;
	return -1;
}

int key_save_form(const char *path, EVP_PKEY *key, const char *pass, int form)
{
	X509_SIG *p8 = NULL;
	BIO *mem = NULL;
	char *data;
	long n;
	int rc, ok;

	if (!pass || !*pass)
		return err_why(FINCA_EINVAL, NULL, "key.no_passphrase",
			       "%s: refusing to write a private key without a passphrase",
			       path);
	if (form == KEY_FORM_AUTO)
		form = key_is_sm2(key) ? KEY_FORM_GM : KEY_FORM_STD;
	ERR_clear_error();
	if (form == KEY_FORM_GM && (rc = key_gm_encrypt(key, pass, &p8)) != FINCA_OK)
		return rc;
	mem = BIO_new(BIO_s_mem());
	ok = mem && (p8 ? PEM_write_bio_PKCS8(mem, p8) :
		     PEM_write_bio_PKCS8PrivateKey(mem, key, EVP_aes_256_cbc(), pass,
						   (int)strlen(pass), NULL, NULL));
	if (!ok) {
		rc = err_ssl_why(FINCA_ECRYPTO, "key.encrypt", "%s: encrypting key", path);
		goto out;
	}
	n = BIO_get_mem_data(mem, &data);
	rc = file_write(path, data, (size_t)n, 0600);
out:
	X509_SIG_free(p8);
	BIO_free(mem);
	return rc;
}

int key_save(const char *path, EVP_PKEY *key, const char *pass)
{
	return key_save_form(path, key, pass, KEY_FORM_AUTO);
}

int key_load(const char *path, const char *pass, EVP_PKEY **out)
{
	unsigned char *buf = NULL;
	size_t len;
	BIO *mem = NULL;
	X509_SIG *p8 = NULL;
	EVP_PKEY *k = NULL;
	int rc;

	if ((rc = file_read(path, 1 << 20, &buf, &len)) != FINCA_OK)
		goto out;
	if (!strstr((char *)buf, "ENCRYPTED")) {
		rc = err_why(FINCA_EINTEGRITY, NULL, "key.plain",
			     "%s: private key is not encrypted; refusing to use it",
			     path);
		goto out;
	}
	ERR_clear_error();
	/* the GM form first (OpenSSL 3.0 cannot read it), then OpenSSL's */
	mem = BIO_new_mem_buf(buf, (int)len);
	if ((p8 = PEM_read_bio_PKCS8(mem, NULL, NULL, NULL)) != NULL &&
	    (rc = key_gm_decrypt(p8, pass ? pass : "", &k)) != FINCA_ENOTFOUND) {
		if (rc == FINCA_EAUTH)
			goto wrong;
		if (rc != FINCA_OK)
			goto out;
	} else {
		BIO_free(mem);
		ERR_clear_error();
		mem = BIO_new_mem_buf(buf, (int)len);
		if (!(k = PEM_read_bio_PrivateKey(mem, NULL, NULL, (void *)(pass ? pass : ""))))
			goto wrong;
	}
	*out = k;
	rc = FINCA_OK;
	goto out;
wrong:
	rc = err_why(FINCA_EAUTH, NULL, "key.decrypt",
		     "%s: cannot decrypt the key (wrong passphrase?)", path);
	ERR_clear_error();
out:
	X509_SIG_free(p8);
	BIO_free(mem);
	if (buf)
		OPENSSL_cleanse(buf, len);
	free(buf);
	return rc;
}

static int group_name(EVP_PKEY *key, char *g, size_t glen)
{
	size_t n;

	g[0] = '\0';
	return EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME,
					      g, glen, &n);
}

int key_is_sm2(const EVP_PKEY *key)
{
	return EVP_PKEY_is_a(key, "SM2");
}

const char *const key_accepted[] = { "SM2", "EC P-256", "EC P-384", "RSA 2048-8192", NULL };

int key_check_strength(EVP_PKEY *key, const char *what)
{
	char g[64];

	if (key_is_sm2(key))
		return FINCA_OK;
	if (EVP_PKEY_is_a(key, "RSA") || EVP_PKEY_is_a(key, "RSA-PSS")) {
		int bits = EVP_PKEY_get_bits(key);
		if (bits < 2048)
			return err_why(FINCA_EPOLICY, NULL, "key.rsa_weak",
				       "%s: RSA key of %d bits is too weak (at least 2048)",
				       what, bits);
		if (bits > 8192)
			return err_why(FINCA_EPOLICY, NULL, "key.rsa_large",
				       "%s: RSA key of %d bits is larger than 8192",
				       what, bits);
		return FINCA_OK;
	}
	if (EVP_PKEY_is_a(key, "EC")) {
		group_name(key, g, sizeof g);
		if (strcmp(g, "prime256v1") == 0 || strcmp(g, "secp384r1") == 0 ||
		    strcmp(g, "SM2") == 0)
			return FINCA_OK;
		return err_why(FINCA_EPOLICY, NULL, "key.curve",
			       "%s: EC curve '%s' is not accepted (SM2, P-256, P-384)",
			       what, g[0] ? g : "explicit parameters");
	}
	return err_why(FINCA_EPOLICY, NULL, "key.type",
		       "%s: key type %s is not accepted (SM2, ECDSA, RSA)", what,
		       EVP_PKEY_get0_type_name(key));
}

void key_describe(EVP_PKEY *key, char *out, size_t outlen)
{
	char g[64];

	if (key_is_sm2(key)) {
		snprintf(out, outlen, "SM2");
	} else if (EVP_PKEY_is_a(key, "EC")) {
		group_name(key, g, sizeof g);
		snprintf(out, outlen, "EC %s",
			 strcmp(g, "prime256v1") == 0 ? "P-256" :
			 strcmp(g, "secp384r1") == 0 ? "P-384" : g);
	} else if (EVP_PKEY_is_a(key, "RSA")) {
		snprintf(out, outlen, "RSA %d", EVP_PKEY_get_bits(key));
	} else {
		snprintf(out, outlen, "%s", EVP_PKEY_get0_type_name(key));
	}
}

int key_public_equal(EVP_PKEY *a, EVP_PKEY *b)
{
	/* the encoded SubjectPublicKeyInfo: EVP_PKEY_eq refuses keys made by
	 * different means (from a token's attributes, from a certificate) */
	unsigned char *da = NULL, *db = NULL;
	int la = i2d_PUBKEY(a, &da), lb = i2d_PUBKEY(b, &db);
	int eq = la > 0 && la == lb && !memcmp(da, db, (size_t)la);

	OPENSSL_free(da);
	OPENSSL_free(db);
	return eq;
}
