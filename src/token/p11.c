/* PKCS#11 for USBKeys (see p11.h).  The module is loaded with dlopen and
 * driven through its function list; no other PKCS#11 layer is in between,
 * so every CK_RV reaches ck_fail and vendor mechanisms can be named. */
#include "token/p11.h"
#include "crypto/key.h"
#include "crypto/sig.h"
#include "util/err.h"
#include "util/util.h"

#include <dlfcn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/x509v3.h>
#include <p11-kit/pkcs11.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct p11 {
	void *dl;
	CK_FUNCTION_LIST *f;
	int finalize;           /* C_Initialize was ours */
	char *path;
};

struct p11s {
	struct p11 *m;          /* borrowed */
	CK_SESSION_HANDLE h;
};

/* What a token's answer means to the person in front of it. */
static int ck_fail(CK_RV rv, const char *what)
{
	switch (rv) {
	case CKR_PIN_INCORRECT:
		return err_why(FINCA_EAUTH, NULL, "token.pin_wrong", "%s: wrong PIN", what);
	case CKR_PIN_LOCKED:
		return err_why(FINCA_EAUTH, NULL, "token.pin_locked",
			       "%s: the PIN is locked after too many wrong tries; "
			       "an approved PIN reset request is needed", what);
	case CKR_PIN_EXPIRED:
		return err_why(FINCA_EAUTH, NULL, "token.pin_expired",
			       "%s: the PIN has expired; change it", what);
	case CKR_PIN_LEN_RANGE:
		return err_why(FINCA_EINVAL, NULL, "token.pin_length",
			       "%s: the token refuses a PIN of this length", what);
	case CKR_PIN_INVALID:
		return err_why(FINCA_EINVAL, NULL, "token.pin_chars",
			       "%s: the token refuses characters in this PIN", what);
	case CKR_TOKEN_NOT_PRESENT: case CKR_DEVICE_REMOVED: case CKR_SESSION_CLOSED:
	case CKR_SESSION_HANDLE_INVALID: case CKR_TOKEN_NOT_RECOGNIZED:
	case CKR_SLOT_ID_INVALID:
		return err_why(FINCA_EIO, NULL, "token.removed",
			       "%s: the token was removed or is not present; "
			       "insert it and start again", what);
	case CKR_TOKEN_WRITE_PROTECTED:
		return err_why(FINCA_EIO, NULL, "token.write_protected",
			       "%s: the token is write-protected", what);
	case CKR_DEVICE_MEMORY:
		return err_why(FINCA_EIO, NULL, "token.full", "%s: the token is full", what);
	case CKR_USER_NOT_LOGGED_IN:
		return err_why(FINCA_EAUTH, NULL, "token.not_logged_in",
			       "%s: not logged in to the token", what);
	case CKR_USER_PIN_NOT_INITIALIZED:
		return err_why(FINCA_ESTATE, NULL, "token.no_user_pin",
			       "%s: the token has no user PIN yet (run 'finca token init')",
			       what);
	case CKR_MECHANISM_INVALID: case CKR_MECHANISM_PARAM_INVALID:
		return err_why(FINCA_EPOLICY, NULL, "token.mechanism",
			       "%s: the token does not offer this mechanism", what);
	case CKR_CRYPTOKI_NOT_INITIALIZED:
		return err_why(FINCA_EIO, NULL, "token.module_init",
			       "%s: the PKCS#11 module is not initialised", what);
	default:
		return err_why(FINCA_EIO, NULL, "token.error",
			       "%s: token error 0x%lx", what, (unsigned long)rv);
	}
}

int p11_load(const char *module, struct p11 **out)
{
	struct p11 *m = xcalloc(1, sizeof *m);
	CK_C_INITIALIZE_ARGS args;
	CK_RV (*get)(CK_FUNCTION_LIST **);
	CK_RV rv;

	m->path = xstrdup(module);
	if ((m->dl = dlopen(module, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		err_why(FINCA_EIO, NULL, "token.module_load",
			"PKCS#11 module %s: cannot load it (%s)", module, dlerror());
		goto fail;
	}
	*(void **)&get = dlsym(m->dl, "C_GetFunctionList");
	if (!get || get(&m->f) != CKR_OK || !m->f) {
		err_why(FINCA_EIO, NULL, "token.module_fn",
			"PKCS#11 module %s: no C_GetFunctionList", module);
		goto fail;
	}
	memset(&args, 0, sizeof args);
	args.flags = CKF_OS_LOCKING_OK;
	rv = m->f->C_Initialize(&args);
	if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
		ck_fail(rv, module);
		goto fail;
	}
	m->finalize = rv == CKR_OK;
	*out = m;
	return FINCA_OK;
fail:
	p11_free(m);
	return FINCA_EIO;
}

void p11_free(struct p11 *m)
{
	if (!m)
		return;
	if (m->finalize)
		m->f->C_Finalize(NULL);
	if (m->dl)
		dlclose(m->dl);
	free(m->path);
	free(m);
}

/* A blank-padded PKCS#11 string as C text. */
static void padded(char *out, const unsigned char *in, size_t n)
{
	memcpy(out, in, n);
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
}

int p11_list(struct p11 *m, struct p11_token **out, size_t *n)
{
	CK_SLOT_ID *slots = NULL;
	CK_ULONG ns = 0;
	CK_TOKEN_INFO ti;
	CK_RV rv;
	int rc = FINCA_OK;

	*out = NULL;
	*n = 0;
	if ((rv = m->f->C_GetSlotList(CK_TRUE, NULL, &ns)) != CKR_OK)
		return ck_fail(rv, "list slots");
	slots = xcalloc(ns ? ns : 1, sizeof *slots);
	if ((rv = m->f->C_GetSlotList(CK_TRUE, slots, &ns)) != CKR_OK) {
		rc = ck_fail(rv, "list slots");
		goto out;
	}
	*out = xcalloc(ns ? ns : 1, sizeof **out);
	for (CK_ULONG i = 0; i < ns; i++) {
		struct p11_token *t = &(*out)[*n];
		if (m->f->C_GetTokenInfo(slots[i], &ti) != CKR_OK)
			continue;   /* pulled out while we looked */
		t->slot = slots[i];
		padded(t->label, ti.label, sizeof ti.label);
		padded(t->serial, ti.serialNumber, sizeof ti.serialNumber);
		padded(t->manufacturer, ti.manufacturerID, sizeof ti.manufacturerID);
		padded(t->model, ti.model, sizeof ti.model);
		t->initialized = !!(ti.flags & CKF_TOKEN_INITIALIZED);
		t->user_pin_set = !!(ti.flags & CKF_USER_PIN_INITIALIZED);
		t->pin_locked = !!(ti.flags & CKF_USER_PIN_LOCKED);
		t->so_pin_locked = !!(ti.flags & CKF_SO_PIN_LOCKED);
		t->pin_count_low = !!(ti.flags & CKF_USER_PIN_COUNT_LOW);
		t->pin_final_try = !!(ti.flags & CKF_USER_PIN_FINAL_TRY);
		t->min_pin = ti.ulMinPinLen;
		t->max_pin = ti.ulMaxPinLen;
		(*n)++;
	}
out:
	free(slots);
	return rc;
}

int p11_find(struct p11 *m, const char *serial, struct p11_token *out)
{
	struct p11_token *t;
	size_t n, hit = 0, found = 0;
	int rc;

	if ((rc = p11_list(m, &t, &n)) != FINCA_OK)
		return rc;
	for (size_t i = 0; i < n; i++)
		if (serial ? !strcmp(t[i].serial, serial) : t[i].initialized) {
			hit = i;
			found++;
		}
	if (found == 1)
		*out = t[hit];
	else if (serial)
		rc = err_why(FINCA_ENOTFOUND, NULL, "token.not_present",
			     "no token with serial %s is present", serial);
	else if (found == 0)
		rc = err_why(FINCA_ENOTFOUND, NULL, "token.none_present",
			     "no initialised token is present: insert one");
	else
		rc = err_why(FINCA_EINVAL, NULL, "token.several",
			     "%zu tokens are present: say which (its serial)", found);
	free(t);
	return rc;
}

int p11_init_token(struct p11 *m, unsigned long slot, const char *so_pin,
		   const char *label)
{
	unsigned char lab[32];
	size_t n = strlen(label);
	CK_RV rv;

	/* 32 bytes, blank-padded, cut between UTF-8 characters */
	if (n > sizeof lab)
		for (n = sizeof lab; n > 0 && ((unsigned char)label[n] & 0xc0) == 0x80; n--)
			;
	memset(lab, ' ', sizeof lab);
	memcpy(lab, label, n);
	rv = m->f->C_InitToken(slot, (CK_UTF8CHAR *)so_pin, strlen(so_pin), lab);
	return rv == CKR_OK ? FINCA_OK : ck_fail(rv, "initialise the token");
}

int p11_open(struct p11 *m, unsigned long slot, struct p11s **out)
{
	struct p11s *s = xcalloc(1, sizeof *s);
	CK_RV rv;

	s->m = m;
	rv = m->f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s->h);
	if (rv != CKR_OK) {
		free(s);
		return ck_fail(rv, "open a session on the token");
	}
	*out = s;
	return FINCA_OK;
}

void p11_close(struct p11s *s)
{
	if (!s)
		return;
	s->m->f->C_Logout(s->h);
	s->m->f->C_CloseSession(s->h);
	free(s);
}

int p11_login(struct p11s *s, int so, const char *pin)
{
	CK_RV rv = s->m->f->C_Login(s->h, so ? CKU_SO : CKU_USER, (CK_UTF8CHAR *)pin,
				    strlen(pin));

	if (rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN)
		return FINCA_OK;
	return ck_fail(rv, so ? "log in as security officer" : "log in");
}

int p11_init_pin(struct p11s *s, const char *pin)
{
	CK_RV rv = s->m->f->C_InitPIN(s->h, (CK_UTF8CHAR *)pin, strlen(pin));

	return rv == CKR_OK ? FINCA_OK : ck_fail(rv, "set the user PIN");
}

int p11_set_pin(struct p11s *s, const char *old_pin, const char *new_pin)
{
	CK_RV rv = s->m->f->C_SetPIN(s->h, (CK_UTF8CHAR *)old_pin, strlen(old_pin),
				     (CK_UTF8CHAR *)new_pin, strlen(new_pin));

	return rv == CKR_OK ? FINCA_OK : ck_fail(rv, "change the PIN");
}

/* Reads attribute type of object o (*out malloc'ed). */
static int get_attr(struct p11s *s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type,
		    unsigned char **out, size_t *len)
{
	CK_ATTRIBUTE a = { type, NULL, 0 };
	CK_RV rv;

	if ((rv = s->m->f->C_GetAttributeValue(s->h, o, &a, 1)) != CKR_OK ||
	    a.ulValueLen == CK_UNAVAILABLE_INFORMATION)
		return ck_fail(rv == CKR_OK ? CKR_ATTRIBUTE_TYPE_INVALID : rv, "read the token");
	a.pValue = xcalloc(1, a.ulValueLen + 1);
	if ((rv = s->m->f->C_GetAttributeValue(s->h, o, &a, 1)) != CKR_OK) {
		free(a.pValue);
		return ck_fail(rv, "read the token");
	}
	*out = a.pValue;
	*len = a.ulValueLen;
	return FINCA_OK;
}

/* Up to max objects matching t; *n found. */
static int find(struct p11s *s, CK_ATTRIBUTE *t, CK_ULONG nt, CK_OBJECT_HANDLE *o,
		CK_ULONG max, CK_ULONG *n)
{
	CK_RV rv;

	if ((rv = s->m->f->C_FindObjectsInit(s->h, t, nt)) != CKR_OK)
		return ck_fail(rv, "search the token");
	rv = s->m->f->C_FindObjects(s->h, o, max, n);
	s->m->f->C_FindObjectsFinal(s->h);
	return rv == CKR_OK ? FINCA_OK : ck_fail(rv, "search the token");
}

static const unsigned char oid_p256[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 };
static const unsigned char oid_sm2[] = { 0x06, 0x08, 0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x82, 0x2d };

/* The public key of a freshly generated key pair, as libcrypto sees it. */
static int read_pub(struct p11s *s, int alg, CK_OBJECT_HANDLE o, EVP_PKEY **out)
{
	unsigned char *a = NULL, *b = NULL;
	size_t alen = 0, blen = 0;
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	BIGNUM *n = NULL, *e = NULL;
	int rc;

	if (alg == KEY_SM2 || alg == KEY_P256) {
		/* CKA_EC_POINT is a DER OCTET STRING around the point; some
		 * modules hand out the bare point */
		const unsigned char *pt;
		size_t ptlen;
		if ((rc = get_attr(s, o, CKA_EC_POINT, &a, &alen)) != FINCA_OK)
			goto out;
		pt = a;
		ptlen = alen;
		if (alen == 67 && a[0] == 0x04 && a[1] == 65) {
			pt = a + 2;
			ptlen = 65;
		}
		if (ptlen != 65 || pt[0] != 0x04) {
			rc = err_why(FINCA_ECRYPTO, NULL, "token.ec_point",
				     "token: unexpected EC point (%zu bytes)", alen);
			goto out;
		}
		OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
						alg == KEY_SM2 ? "SM2" : "prime256v1", 0);
		OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pt, ptlen);
		ctx = EVP_PKEY_CTX_new_from_name(NULL, alg == KEY_SM2 ? "SM2" : "EC", NULL);
	} else {
		if ((rc = get_attr(s, o, CKA_MODULUS, &a, &alen)) != FINCA_OK ||
		    (rc = get_attr(s, o, CKA_PUBLIC_EXPONENT, &b, &blen)) != FINCA_OK)
			goto out;
		n = BN_bin2bn(a, (int)alen, NULL);
		e = BN_bin2bn(b, (int)blen, NULL);
		OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n);
		OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e);
		ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	}
	if (!ctx || (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, out, EVP_PKEY_PUBLIC_KEY, params) <= 0) {
		rc = err_ssl_why(FINCA_ECRYPTO, "token.pubkey", "token: the public key");
		goto out;
	}
	rc = FINCA_OK;
out:
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	BN_free(n);
	BN_free(e);
	free(a);
	free(b);
	return rc;
}

int p11_keygen(struct p11s *s, int alg, const struct p11_sm2 *sm2,
	       const unsigned char *id, size_t idlen, const char *label,
	       EVP_PKEY **pub)
{
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ULONG bits = alg == KEY_RSA3072 ? 3072 : 2048;
	unsigned char f4[] = { 1, 0, 1 };
	CK_MECHANISM mech = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
	CK_ATTRIBUTE pt[10] = {
		{ CKA_TOKEN, &yes, sizeof yes },
		{ CKA_VERIFY, &yes, sizeof yes },
		{ CKA_ENCRYPT, &no, sizeof no },
		{ CKA_WRAP, &no, sizeof no },
		{ CKA_ID, (void *)id, idlen },
		{ CKA_LABEL, (void *)label, strlen(label) },
	};
	CK_ATTRIBUTE kt[] = {
		{ CKA_TOKEN, &yes, sizeof yes },
		{ CKA_PRIVATE, &yes, sizeof yes },
		{ CKA_SENSITIVE, &yes, sizeof yes },
		{ CKA_EXTRACTABLE, &no, sizeof no },
		{ CKA_SIGN, &yes, sizeof yes },
		{ CKA_DECRYPT, &no, sizeof no },
		{ CKA_UNWRAP, &no, sizeof no },
		{ CKA_ID, (void *)id, idlen },
		{ CKA_LABEL, (void *)label, strlen(label) },
		/* an EC signing key also opens the envelope of its pair's
		 * encryption key (ECDH, p11_import_p256), as the SM2 one of
		 * GM/T 0016 decrypts it (SKF_ImportECCKeyPair) */
		{ CKA_DERIVE, &yes, sizeof yes },
	};
	CK_ULONG npt = 6, nkt = ARRAY_LEN(kt);
	CK_OBJECT_HANDLE hpub, hpriv;
	CK_RV rv;
	int rc;

	switch (alg) {
	case KEY_SM2:
		if (!sm2 || !sm2->keygen || !sm2->sign)
			return err_why(FINCA_EPOLICY, NULL, "token.sm2_keygen",
				       "SM2 on a token needs the vendor's PKCS#11 mechanisms: set "
				       "sm2_keygen_mechanism and sm2_sign_mechanism in [token] of "
				       "finca.conf (SoftHSM2 has none; use --algo p256 or rsa2048)");
		mech.mechanism = sm2->keygen;
		pt[npt++] = (CK_ATTRIBUTE){ CKA_EC_PARAMS, (void *)oid_sm2, sizeof oid_sm2 };
		break;
	case KEY_P256:
		pt[npt++] = (CK_ATTRIBUTE){ CKA_EC_PARAMS, (void *)oid_p256, sizeof oid_p256 };
		break;
	default:
		nkt--;          /* no ECDH for RSA */
		mech.mechanism = CKM_RSA_PKCS_KEY_PAIR_GEN;
		pt[npt++] = (CK_ATTRIBUTE){ CKA_MODULUS_BITS, &bits, sizeof bits };
		pt[npt++] = (CK_ATTRIBUTE){ CKA_PUBLIC_EXPONENT, f4, sizeof f4 };
		break;
	}
	rv = s->m->f->C_GenerateKeyPair(s->h, &mech, pt, npt, kt, nkt, &hpub, &hpriv);
	if (rv != CKR_OK)
		return ck_fail(rv, "generate the key pair on the token");
	if ((rc = read_pub(s, alg, hpub, pub)) != FINCA_OK)
		p11_destroy(s, id, idlen);
	return rc;
}

int p11_sm2_digest(EVP_PKEY *pub, const unsigned char *data, size_t len,
		   unsigned char e[32])
{
	static const char id[] = SM2_DEFAULT_ID;
	unsigned char entl[2] = { 0, (sizeof id - 1) * 8 }, buf[6 * 32], pt[65], z[32];
	EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_sm2);
	BIGNUM *p = BN_new(), *a = BN_new(), *b = BN_new(), *x = BN_new(), *y = BN_new();
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	size_t ptlen = 0;
	int rc = err_why(FINCA_ECRYPTO, NULL, "token.sm2_digest", "SM2 digest: libcrypto failed");

	if (!g || !p || !a || !b || !x || !y || !md ||
	    !EC_GROUP_get_curve(g, p, a, b, NULL) ||
	    !EC_POINT_get_affine_coordinates(g, EC_GROUP_get0_generator(g), x, y, NULL) ||
	    !EVP_PKEY_get_octet_string_param(pub, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof pt,
					     &ptlen) || ptlen != 65 ||
	    BN_bn2binpad(a, buf, 32) < 0 || BN_bn2binpad(b, buf + 32, 32) < 0 ||
	    BN_bn2binpad(x, buf + 64, 32) < 0 || BN_bn2binpad(y, buf + 96, 32) < 0)
		goto out;
	memcpy(buf + 128, pt + 1, 64);
	/* Z = SM3(ENTL || ID || a || b || xG || yG || xA || yA) */
	if (!EVP_DigestInit_ex(md, EVP_sm3(), NULL) || !EVP_DigestUpdate(md, entl, 2) ||
	    !EVP_DigestUpdate(md, id, sizeof id - 1) || !EVP_DigestUpdate(md, buf, sizeof buf) ||
	    !EVP_DigestFinal_ex(md, z, NULL) ||
	    !EVP_DigestInit_ex(md, EVP_sm3(), NULL) || !EVP_DigestUpdate(md, z, 32) ||
	    !EVP_DigestUpdate(md, data, len) || !EVP_DigestFinal_ex(md, e, NULL))
		goto out;
	rc = FINCA_OK;
out:
	EVP_MD_CTX_free(md);
	BN_free(p); BN_free(a); BN_free(b); BN_free(x); BN_free(y);
	EC_GROUP_free(g);
	return rc;
}

int p11_sign(struct p11s *s, const struct p11_sm2 *sm2, EVP_PKEY *pub,
	     const unsigned char *id, size_t idlen, const unsigned char *data,
	     size_t len, unsigned char **sig, size_t *siglen)
{
	/* DigestInfo for SHA-256, RFC 8017 section 9.2 */
	static const unsigned char di[] = {
		0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03,
		0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20 };
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE t[] = { { CKA_CLASS, &cls, sizeof cls }, { CKA_ID, (void *)id, idlen } };
	CK_MECHANISM mech = { CKM_ECDSA, NULL, 0 };
	unsigned char in[sizeof di + 32], out[1024];
	CK_ULONG outlen = sizeof out, n = 0;
	size_t inlen = 32;
	CK_OBJECT_HANDLE key;
	CK_RV rv;
	int rc;

	if ((rc = find(s, t, ARRAY_LEN(t), &key, 1, &n)) != FINCA_OK)
		return rc;
	if (n == 0)
		return err_why(FINCA_ENOTFOUND, NULL, "token.no_key",
			       "the token has no private key for this certificate");
	if (key_is_sm2(pub)) {
		if (!sm2 || !sm2->sign)
			return err_why(FINCA_EPOLICY, NULL, "token.sm2_sign",
				       "SM2 signing needs the vendor's mechanism "
				       "(sm2_sign_mechanism in [token] of finca.conf)");
		mech.mechanism = sm2->sign;
		rc = p11_sm2_digest(pub, data, len, in);
	} else if (EVP_PKEY_is_a(pub, "RSA")) {
		mech.mechanism = CKM_RSA_PKCS;
		memcpy(in, di, sizeof di);
		inlen = sizeof di + 32;
		rc = EVP_Digest(data, len, in + sizeof di, NULL, EVP_sha256(), NULL)
			? FINCA_OK : err_ssl_why(FINCA_ECRYPTO, "token.digest", "SHA-256");
	} else {
		rc = EVP_Digest(data, len, in, NULL, EVP_sha256(), NULL)
			? FINCA_OK : err_ssl_why(FINCA_ECRYPTO, "token.digest", "SHA-256");
	}
	if (rc != FINCA_OK)
		return rc;
	if ((rv = s->m->f->C_SignInit(s->h, &mech, key)) != CKR_OK ||
	    (rv = s->m->f->C_Sign(s->h, in, inlen, out, &outlen)) != CKR_OK)
		return ck_fail(rv, "sign with the token");
	if (mech.mechanism == CKM_RSA_PKCS) {
		*sig = OPENSSL_memdup(out, outlen);
		*siglen = outlen;
		return FINCA_OK;
	}
	if (outlen == 0 || outlen % 2 || outlen > 132)
		return err_why(FINCA_ECRYPTO, NULL, "token.sig_length",
			       "token signature of unexpected length %lu",
			       (unsigned long)outlen);
	return sig_raw_to_der(pub, out, outlen, sig, siglen); /* r || s into DER */
}

int p11_put_cert(struct p11s *s, const unsigned char *id, size_t idlen,
		 const char *label, X509 *x)
{
	CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
	CK_CERTIFICATE_TYPE ct = CKC_X_509;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	unsigned char *der = NULL, *subj = NULL, *iss = NULL, *sn = NULL;
	int dl = i2d_X509(x, &der), sl = i2d_X509_NAME(X509_get_subject_name(x), &subj);
	int il = i2d_X509_NAME(X509_get_issuer_name(x), &iss);
	int nl = i2d_ASN1_INTEGER(X509_get0_serialNumber(x), &sn);
	CK_OBJECT_HANDLE o;
	CK_RV rv;
	int rc;

	if (dl <= 0 || sl <= 0 || il <= 0 || nl <= 0) {
		rc = err_ssl_why(FINCA_ECRYPTO, "token.cert_encode", "encode the certificate");
		goto out;
	}
	CK_ATTRIBUTE t[] = {
		{ CKA_CLASS, &cls, sizeof cls },
		{ CKA_CERTIFICATE_TYPE, &ct, sizeof ct },
		{ CKA_TOKEN, &yes, sizeof yes },
		{ CKA_PRIVATE, &no, sizeof no },
		{ CKA_ID, (void *)id, idlen },
		{ CKA_LABEL, (void *)label, strlen(label) },
		{ CKA_SUBJECT, subj, (CK_ULONG)sl },
		{ CKA_ISSUER, iss, (CK_ULONG)il },
		{ CKA_SERIAL_NUMBER, sn, (CK_ULONG)nl },
		{ CKA_VALUE, der, (CK_ULONG)dl },
	};
#ifdef FINCA_TESTING
	/* tests end the station between issuance and writing (a crash, a
	 * power cut): the compensation must hold without the station */
	if (getenv("FINCA_FAULT") && !strcmp(getenv("FINCA_FAULT"), "crash-before-write"))
		_exit(86);
#endif
	rv = s->m->f->C_CreateObject(s->h, t, ARRAY_LEN(t), &o);
#ifdef FINCA_TESTING
	/* tests pull the token out at the worst moment */
	if (getenv("FINCA_FAULT") && !strcmp(getenv("FINCA_FAULT"), "token-removed"))
		rv = CKR_DEVICE_REMOVED;
#endif
	rc = rv == CKR_OK ? FINCA_OK : ck_fail(rv, "write the certificate to the token");
out:
	OPENSSL_free(der);
	OPENSSL_free(subj);
	OPENSSL_free(iss);
	OPENSSL_free(sn);
	return rc;
}

int p11_get_cert(struct p11s *s, X509 **out, unsigned char *id, size_t *idlen)
{
	struct p11_cert *v = NULL;
	size_t n = 0;
	int rc;

	if ((rc = p11_get_certs(s, &v, &n)) != FINCA_OK)
		return rc;
	if (n == 0) {
		rc = err_why(FINCA_ENOTFOUND, NULL, "token.no_cert",
			     "the token holds no certificate");
	} else {
		*out = v[0].x;
		v[0].x = NULL;
		memcpy(id, v[0].id, v[0].idlen);
		*idlen = v[0].idlen;
	}
	p11_certs_free(v, n);
	return rc;
}

/* An encryption certificate of a dual pair (keyUsage without
 * digitalSignature and nonRepudiation, GM/T 0015): its key signs
 * nothing, so the holder's side never offers it for a signature. */
static int enc_only(X509 *x)
{
	uint32_t ku = X509_get_key_usage(x);

	return ku != UINT32_MAX && !(ku & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION));
}

/* The certificates of the token of one kind: enc 1 the encryption
 * certificates of dual pairs, 0 every other one. */
static int certs_of(struct p11s *s, int enc, struct p11_cert **out, size_t *n)
{
	CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
	CK_CERTIFICATE_TYPE ct = CKC_X_509;
	CK_ATTRIBUTE t[] = { { CKA_CLASS, &cls, sizeof cls },
			     { CKA_CERTIFICATE_TYPE, &ct, sizeof ct } };
	CK_OBJECT_HANDLE o[P11_CERTS_MAX];
	CK_ULONG found = 0;
	struct p11_cert *v = NULL;
	size_t nv = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = find(s, t, ARRAY_LEN(t), o, ARRAY_LEN(o), &found)) != FINCA_OK)
		return rc;
	v = xcalloc(found ? found : 1, sizeof *v);
	for (CK_ULONG i = 0; i < found; i++) {
		unsigned char *der = NULL, *cid = NULL;
		const unsigned char *p;
		size_t len = 0, clen = 0;
		/* a vendor's odd object is skipped, not a reason to show none */
		if (get_attr(s, o[i], CKA_VALUE, &der, &len) == FINCA_OK &&
		    get_attr(s, o[i], CKA_ID, &cid, &clen) == FINCA_OK && clen <= sizeof v->id) {
			p = der;
			if ((v[nv].x = d2i_X509(NULL, &p, (long)len)) != NULL &&
			    enc_only(v[nv].x) != enc) {
				X509_free(v[nv].x);
				v[nv].x = NULL;
			} else if (v[nv].x) {
				memcpy(v[nv].id, cid, clen);
				v[nv].idlen = clen;
				nv++;
			}
		}
		free(der);
		free(cid);
	}
	ERR_clear_error();
	err_clear();
	*out = v;
	*n = nv;
	return FINCA_OK;
}

int p11_get_certs(struct p11s *s, struct p11_cert **out, size_t *n)
{
	return certs_of(s, 0, out, n);
}

int p11_get_enc_certs(struct p11s *s, struct p11_cert **out, size_t *n)
{
	return certs_of(s, 1, out, n);
}

void p11_certs_free(struct p11_cert *c, size_t n)
{
	if (!c)
		return;
	for (size_t i = 0; i < n; i++)
		X509_free(c[i].x);
	free(c);
}

int p11_destroy(struct p11s *s, const unsigned char *id, size_t idlen)
{
	CK_ATTRIBUTE t[] = { { CKA_ID, (void *)id, idlen } };
	CK_OBJECT_HANDLE o[64];
	CK_ULONG n = 0;
	CK_RV rv;
	int rc;

	if ((rc = find(s, t, id ? 1 : 0, o, ARRAY_LEN(o), &n)) != FINCA_OK)
		return rc;
	for (CK_ULONG i = 0; i < n; i++)
		if ((rv = s->m->f->C_DestroyObject(s->h, o[i])) != CKR_OK)
			return ck_fail(rv, "remove a key from the token");
	return FINCA_OK;
}

/* --- the encryption key of a dual pair, imported (p11.h) --- */

/* The private key object of CKA_ID id. */
static int find_priv(struct p11s *s, const unsigned char *id, size_t idlen,
		     CK_OBJECT_HANDLE *o)
{
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE t[] = { { CKA_CLASS, &cls, sizeof cls }, { CKA_ID, (void *)id, idlen } };
	CK_ULONG n = 0;
	int rc;

	if ((rc = find(s, t, ARRAY_LEN(t), o, 1, &n)) != FINCA_OK)
		return rc;
	return n ? FINCA_OK : err_why(FINCA_ENOTFOUND, NULL, "token.no_sign_key",
				      "the token has no signing key to open the enveloped key with");
}

/* The public key object and the certificate of an imported private key:
 * the point is the certificate's (checked against the private key's
 * CKA_EC_POINT when the module gives one). */
static int import_rest(struct p11s *s, CK_OBJECT_HANDLE priv, const unsigned char *params,
		       size_t plen, const unsigned char *id, size_t idlen, const char *label,
		       X509 *cert)
{
	CK_OBJECT_CLASS cls = CKO_PUBLIC_KEY;
	CK_KEY_TYPE kt = CKK_EC;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	unsigned char pt[67], *own = NULL;
	size_t n = 0, ownlen = 0;
	CK_OBJECT_HANDLE o;
	CK_RV rv;

	/* CKA_EC_POINT: the DER OCTET STRING around the point */
	pt[0] = 0x04;
	pt[1] = 65;
	if (!EVP_PKEY_get_octet_string_param(X509_get0_pubkey(cert), OSSL_PKEY_PARAM_PUB_KEY,
					     pt + 2, 65, &n) || n != 65)
		return err_ssl_why(FINCA_ECRYPTO, "token.pubkey", "token: the public key");
	if (get_attr(s, priv, CKA_EC_POINT, &own, &ownlen) == FINCA_OK) {
		int same = (ownlen == 67 && !memcmp(own, pt, 67)) ||
			   (ownlen == 65 && !memcmp(own, pt + 2, 65));
		free(own);
		if (!same)
			return err_why(FINCA_EINTEGRITY, NULL, "token.import_mismatch",
				       "the imported key is not the encryption certificate's key");
	}
	err_clear(); /* a module that keeps no point on the private key */
	CK_ATTRIBUTE t[] = {
		{ CKA_CLASS, &cls, sizeof cls },
		{ CKA_KEY_TYPE, &kt, sizeof kt },
		{ CKA_TOKEN, &yes, sizeof yes },
		{ CKA_PRIVATE, &no, sizeof no },
		{ CKA_VERIFY, &no, sizeof no },
		{ CKA_ENCRYPT, &no, sizeof no },
		{ CKA_WRAP, &no, sizeof no },
		{ CKA_EC_PARAMS, (void *)params, plen },
		{ CKA_EC_POINT, pt, sizeof pt },
		{ CKA_ID, (void *)id, idlen },
		{ CKA_LABEL, (void *)label, strlen(label) },
	};
	if ((rv = s->m->f->C_CreateObject(s->h, t, ARRAY_LEN(t), &o)) != CKR_OK)
		return ck_fail(rv, "write the encryption public key to the token");
	return p11_put_cert(s, id, idlen, label, cert);
}

/* The private key template of an imported encryption key: kept on the
 * token, sensitive, for key agreement (ECDH) and decryption (SM2, or a
 * module's ECIES), not for signatures nor for unwrapping other keys
 * (keyUsage of the encryption certificate, GM/T 0015). */
#define IMPORT_PRIV_TEMPLATE(cls, kt, yes, no, id, idlen, label) \
	{ CKA_CLASS, &cls, sizeof cls }, \
	{ CKA_KEY_TYPE, &kt, sizeof kt }, \
	{ CKA_TOKEN, &yes, sizeof yes }, \
	{ CKA_PRIVATE, &yes, sizeof yes }, \
	{ CKA_SENSITIVE, &yes, sizeof yes }, \
	{ CKA_EXTRACTABLE, &no, sizeof no }, \
	{ CKA_DERIVE, &yes, sizeof yes }, \
	{ CKA_DECRYPT, &yes, sizeof yes }, \
	{ CKA_UNWRAP, &no, sizeof no }, \
	{ CKA_SIGN, &no, sizeof no }, \
	{ CKA_ID, (void *)id, idlen }, \
	{ CKA_LABEL, (void *)label, strlen(label) }

int p11_import_p256(struct p11s *s, const unsigned char *sign_id, size_t sign_idlen,
		    const unsigned char eph[65], const unsigned char *wrapped, size_t wlen,
		    const unsigned char *id, size_t idlen, const char *label, X509 *cert)
{
	CK_OBJECT_CLASS sec = CKO_SECRET_KEY, pcls = CKO_PRIVATE_KEY;
	CK_KEY_TYPE aes = CKK_AES, ec = CKK_EC;
	CK_ULONG klen = 32;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ECDH1_DERIVE_PARAMS dp = { CKD_NULL, 0, NULL, 65, (CK_BYTE *)eph };
	CK_MECHANISM derive = { CKM_ECDH1_DERIVE, &dp, sizeof dp };
	CK_MECHANISM unwrap = { CKM_AES_KEY_WRAP_PAD, NULL, 0 };
	/* the key-encryption key: a session object that can only unwrap */
	CK_ATTRIBUTE kek_t[] = {
		{ CKA_CLASS, &sec, sizeof sec },
		{ CKA_KEY_TYPE, &aes, sizeof aes },
		{ CKA_VALUE_LEN, &klen, sizeof klen },
		{ CKA_TOKEN, &no, sizeof no },
		{ CKA_SENSITIVE, &yes, sizeof yes },
		{ CKA_EXTRACTABLE, &no, sizeof no },
		{ CKA_UNWRAP, &yes, sizeof yes },
		{ CKA_ENCRYPT, &no, sizeof no },
		{ CKA_DECRYPT, &no, sizeof no },
		{ CKA_WRAP, &no, sizeof no },
	};
	CK_ATTRIBUTE priv_t[] = { IMPORT_PRIV_TEMPLATE(pcls, ec, yes, no, id, idlen, label) };
	CK_OBJECT_HANDLE sk, kek = CK_INVALID_HANDLE, priv;
	CK_RV rv;
	int rc;

	if ((rc = find_priv(s, sign_id, sign_idlen, &sk)) != FINCA_OK)
		return rc;
	if ((rv = s->m->f->C_DeriveKey(s->h, &derive, sk, kek_t, ARRAY_LEN(kek_t), &kek)) !=
	    CKR_OK) {
		if (rv == CKR_KEY_FUNCTION_NOT_PERMITTED || rv == CKR_KEY_TYPE_INCONSISTENT)
			return err_why(FINCA_EPOLICY, NULL, "token.import_derive",
				       "this USBKey's signing key may not do ECDH (CKA_DERIVE): "
				       "it was made before finca imported encryption keys; "
				       "make the USBKey again");
		return ck_fail(rv, "open the enveloped key on the token (ECDH)");
	}
	rv = s->m->f->C_UnwrapKey(s->h, &unwrap, kek, (CK_BYTE *)wrapped, wlen, priv_t,
				  ARRAY_LEN(priv_t), &priv);
	s->m->f->C_DestroyObject(s->h, kek);
	if (rv == CKR_WRAPPED_KEY_INVALID || rv == CKR_ENCRYPTED_DATA_INVALID ||
	    rv == CKR_WRAPPED_KEY_LEN_RANGE)
		return err_why(FINCA_EINTEGRITY, NULL, "token.import_wrong_key",
			       "the enveloped key does not open with this USBKey's signing key "
			       "(made for another USBKey, or altered)");
	if (rv != CKR_OK)
		return ck_fail(rv, "unwrap the encryption key on the token");
	if ((rc = import_rest(s, priv, oid_p256, sizeof oid_p256, id, idlen, label, cert)))
		p11_destroy(s, id, idlen);
	return rc;
}

int p11_import_sm2(struct p11s *s, const struct p11_sm2 *sm2, const unsigned char *sign_id,
		   size_t sign_idlen, const unsigned char *blob, size_t len,
		   const unsigned char *id, size_t idlen, const char *label, X509 *cert)
{
	CK_OBJECT_CLASS pcls = CKO_PRIVATE_KEY;
	CK_KEY_TYPE ec = CKK_EC;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ATTRIBUTE priv_t[] = {
		IMPORT_PRIV_TEMPLATE(pcls, ec, yes, no, id, idlen, label),
		{ CKA_EC_PARAMS, (void *)oid_sm2, sizeof oid_sm2 },
	};
	CK_MECHANISM m = { sm2 ? sm2->import : 0, (void *)blob, len };
	CK_OBJECT_HANDLE sk, priv;
	CK_RV rv;
	int rc;

	if (!sm2 || !sm2->import)
		return err_why(FINCA_EPOLICY, NULL, "token.import_unsupported",
			       "this USBKey module cannot import an SM2 enveloped key: it needs "
			       "a vendor mechanism that unwraps a GM/T 0016 ENVELOPEDKEYBLOB with "
			       "the SM2 signing key (sm2_import_mechanism in [token] of "
			       "finca.conf; SoftHSM2 has none)");
	if ((rc = find_priv(s, sign_id, sign_idlen, &sk)) != FINCA_OK)
		return rc;
	rv = s->m->f->C_UnwrapKey(s->h, &m, sk, (CK_BYTE *)blob, len, priv_t,
				  ARRAY_LEN(priv_t), &priv);
	if (rv == CKR_WRAPPED_KEY_INVALID || rv == CKR_ENCRYPTED_DATA_INVALID)
		return err_why(FINCA_EINTEGRITY, NULL, "token.import_wrong_key",
			       "the enveloped key does not open with this USBKey's signing key "
			       "(made for another USBKey, or altered)");
	if (rv != CKR_OK)
		return ck_fail(rv, "import the SM2 encryption key on the token");
	if ((rc = import_rest(s, priv, oid_sm2, sizeof oid_sm2, id, idlen, label, cert)))
		p11_destroy(s, id, idlen);
	return rc;
}
