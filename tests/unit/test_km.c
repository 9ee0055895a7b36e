/* The KM (src/km/): the enveloped key built, parsed and opened again,
 * each field of the GM/T 0009 DER and of the GM/T 0016 SKF blob at its
 * size and place, a wrong key or an altered envelope refused, and the
 * escrow sealed to the KM key opening only to its own public key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/key.h"
#include "crypto/keystore.h"
#include "km/km.h"
#include "util/err.h"
#include "util/util.h"

static char dir[] = "/tmp/finca-test-km-XXXXXX";

static void priv_of(EVP_PKEY *k, unsigned char d[32])
{
	BIGNUM *bn = NULL;

	assert_true(EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_PRIV_KEY, &bn));
	assert_int_equal(BN_bn2binpad(bn, d, 32), 32);
	BN_clear_free(bn);
}

static void pub_of(EVP_PKEY *k, unsigned char p[65])
{
	size_t n = 0;

	assert_true(EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_PUB_KEY, p, 65, &n));
	assert_int_equal(n, 65);
}

static uint32_t u32le(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void envelope_round_trip(void **state)
{
	EVP_PKEY *enc = NULL, *sign = NULL, *other = NULL, *back = NULL;
	unsigned char *der = NULL, *skf = NULL, d[32], pub[65];
	size_t len = 0, skflen = 0;
	struct envelope e;

	(void)state;
	assert_int_equal(km_keypair_make(KEY_SM2, &enc), FINCA_OK);
	assert_int_equal(key_generate(KEY_SM2, &sign), FINCA_OK);
	assert_int_equal(key_generate(KEY_SM2, &other), FINCA_OK);
	assert_int_equal(envelope_build(enc, sign, &der, &len), FINCA_OK);
	assert_int_equal(envelope_parse(der, len, &e), FINCA_OK);

	/* GM/T 0009 §7.4 field sizes */
	assert_string_equal(e.sym_oid, "1.2.156.10197.1.104.1");
	pub_of(enc, pub);
	assert_memory_equal(e.pub, pub, 65);
	assert_int_equal(e.pub[0], 4);
	assert_true(e.sym_cipher_len > 32 + 16 && e.sym_cipher_len < 160);
	priv_of(enc, d);
	assert_memory_not_equal(e.enc_priv, d, 32); /* never in clear */
	assert_null(memmem(der, len, d, 32));

	/* opened by the signing key: the same key pair */
	assert_int_equal(envelope_open(&e, sign, &back), FINCA_OK);
	assert_int_equal(EVP_PKEY_eq(enc, back), 1);
	EVP_PKEY_free(back);
	back = NULL;

	/* another key: refused as the wrong key */
	assert_int_equal(envelope_open(&e, other, &back), FINCA_EINTEGRITY);
	assert_string_equal(err_reason(), "km.wrong_key");
	assert_null(back);

	/* GM/T 0016 ENVELOPEDKEYBLOB: sizes and places */
	assert_int_equal(envelope_to_skf(&e, &skf, &skflen), FINCA_OK);
	assert_int_equal(skflen, SKF_ENVELOPE_FIXED + 16);
	assert_int_equal(u32le(skf), 1);                    /* Version */
	assert_int_equal(u32le(skf + 4), SKF_SGD_SM4_ECB);  /* ulSymmAlgID */
	assert_int_equal(u32le(skf + 8), 256);              /* ulBits */
	for (int i = 0; i < 32; i++)                        /* cbEncryptedPriKey */
		assert_int_equal(skf[12 + i], 0);
	assert_memory_equal(skf + 12 + 32, e.enc_priv, 32);
	assert_int_equal(u32le(skf + 76), 256);             /* PubKey.BitLen */
	assert_memory_equal(skf + 80 + 32, pub + 1, 32);    /* X, right-aligned */
	assert_memory_equal(skf + 144 + 32, pub + 33, 32);  /* Y */
	assert_int_equal(u32le(skf + 208 + 160), 16);       /* CipherLen */

	/* an altered private key ciphertext gives another scalar: refused
	 * as not matching the public key */
	e.enc_priv[5] ^= 1;
	assert_int_equal(envelope_open(&e, sign, &back), FINCA_EINTEGRITY);
	assert_null(back);
	envelope_clear(&e);

	/* a truncated or padded DER is not an envelope */
	assert_int_equal(envelope_parse(der, len - 1, &e), FINCA_EINVAL);
	envelope_clear(&e);
	OPENSSL_cleanse(d, sizeof d);
	free(der);
	free(skf);
	EVP_PKEY_free(enc);
	EVP_PKEY_free(sign);
	EVP_PKEY_free(other);
}

/* A P-256 key cannot be enveloped the GM way (SM2 only). */
static void envelope_sm2_only(void **state)
{
	EVP_PKEY *enc = NULL, *sign = NULL;
	unsigned char *der = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(km_keypair_make(KEY_P256, &enc), FINCA_OK);
	assert_int_equal(key_generate(KEY_SM2, &sign), FINCA_OK);
	assert_int_equal(envelope_build(enc, sign, &der, &len), FINCA_EINVAL);
	assert_null(der);
	EVP_PKEY_free(enc);
	enc = NULL;
	assert_int_equal(km_keypair_make(KEY_RSA2048, &enc), FINCA_EINVAL);
	assert_null(enc);
	EVP_PKEY_free(enc);
	EVP_PKEY_free(sign);
}

/* The PKCS#11 envelope of a P-256 key: parsed field by field, opened
 * with the signing key to the same key pair, refused with another key,
 * altered, or truncated; SM2 keys refused. */
static void envelope_p11(void **state)
{
	EVP_PKEY *enc = NULL, *sign = NULL, *other = NULL, *back = NULL, *sm2 = NULL;
	unsigned char *der = NULL, d[32], d2[32], pub[65];
	size_t len = 0;
	struct envelope_p11 e;

	(void)state;
	assert_int_equal(km_keypair_make(KEY_P256, &enc), FINCA_OK);
	assert_int_equal(key_generate(KEY_P256, &sign), FINCA_OK);
	assert_int_equal(key_generate(KEY_P256, &other), FINCA_OK);
	assert_int_equal(envelope_p11_build(enc, sign, &der, &len), FINCA_OK);
	assert_true(len < 400);
	assert_int_equal(envelope_p11_parse(der, len, &e), FINCA_OK);
	pub_of(enc, pub);
	assert_memory_equal(e.pub, pub, 65);
	assert_int_equal(e.wrapped_len % 8, 0);
	assert_int_equal(envelope_p11_open(&e, sign, &back), FINCA_OK);
	priv_of(enc, d);
	priv_of(back, d2);
	assert_memory_equal(d, d2, 32);
	EVP_PKEY_free(back);
	back = NULL;
	assert_int_equal(envelope_p11_open(&e, other, &back), FINCA_EINTEGRITY);
	assert_null(back);
	e.wrapped[3] ^= 1;
	assert_int_equal(envelope_p11_open(&e, sign, &back), FINCA_EINTEGRITY);
	envelope_p11_clear(&e);
	assert_int_equal(envelope_p11_parse(der, len - 1, &e), FINCA_EINVAL);
	assert_int_equal(key_generate(KEY_SM2, &sm2), FINCA_OK);
	free(der);
	der = NULL;
	assert_int_equal(envelope_p11_build(sm2, sign, &der, &len), FINCA_EINVAL);
	assert_int_equal(envelope_p11_build(enc, sm2, &der, &len), FINCA_EINVAL);
	assert_null(der);
	EVP_PKEY_free(enc);
	EVP_PKEY_free(sign);
	EVP_PKEY_free(other);
	EVP_PKEY_free(sm2);
}

/* Escrow: the KM key made in a file keystore, km.pub written; a sealed
 * key opens with the KM key to the same key pair (SM2 and P-256), not
 * with another key, and not as another certificate's key. */
static void escrow(void **state)
{
	struct keystore *ks = NULL;
	EVP_PKEY *km_pub = NULL, *km = NULL, *enc = NULL, *p256 = NULL, *back = NULL;
	unsigned char *sealed = NULL, *sealed2 = NULL, d[32];
	size_t len = 0, len2 = 0;
	char *kp;

	(void)state;
	assert_int_equal(keystore_open_file(dir, &ks), FINCA_OK);
	assert_int_equal(km_public_load(dir, &km_pub), FINCA_ESTATE); /* none yet */
	assert_int_equal(km_key_ensure(ks, dir, "km-pass-2026"), FINCA_OK);
	assert_int_equal(km_key_ensure(ks, dir, "km-pass-2026"), FINCA_OK); /* kept */
	assert_int_equal(km_public_load(dir, &km_pub), FINCA_OK);
	kp = path_join(dir, "km.key");
	assert_int_equal(key_load(kp, "km-pass-2026", &km), FINCA_OK);
	assert_int_equal(EVP_PKEY_eq(km, km_pub), 1);

	assert_int_equal(km_keypair_make(KEY_SM2, &enc), FINCA_OK);
	assert_int_equal(km_escrow_seal(km_pub, enc, &sealed, &len), FINCA_OK);
	priv_of(enc, d);
	assert_null(memmem(sealed, len, d, 32));
	assert_int_equal(km_escrow_open(km, sealed, len, enc, &back), FINCA_OK);
	assert_int_equal(EVP_PKEY_eq(enc, back), 1);
	EVP_PKEY_free(back);
	back = NULL;
	/* the KM public key cannot open it (no private key), nor can the
	 * encryption key itself */
	assert_int_not_equal(km_escrow_open(enc, sealed, len, enc, &back), FINCA_OK);
	assert_null(back);

	/* P-256 pairs escrow the same way */
	assert_int_equal(km_keypair_make(KEY_P256, &p256), FINCA_OK);
	assert_int_equal(km_escrow_seal(km_pub, p256, &sealed2, &len2), FINCA_OK);
	assert_int_equal(km_escrow_open(km, sealed2, len2, p256, &back), FINCA_OK);
	assert_int_equal(EVP_PKEY_eq(p256, back), 1);
	EVP_PKEY_free(back);
	back = NULL;
	/* a sealed key moved to another row: refused */
	assert_int_equal(km_escrow_open(km, sealed2, len2, enc, &back), FINCA_EINTEGRITY);
	assert_null(back);

	OPENSSL_cleanse(d, sizeof d);
	unlink(kp);
	free(kp);
	kp = path_join(dir, "km.pub");
	unlink(kp);
	free(kp);
	free(sealed);
	free(sealed2);
	EVP_PKEY_free(km_pub);
	EVP_PKEY_free(km);
	EVP_PKEY_free(enc);
	EVP_PKEY_free(p256);
	keystore_free(ks);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(envelope_round_trip),
		cmocka_unit_test(envelope_sm2_only),
		cmocka_unit_test(envelope_p11),
		cmocka_unit_test(escrow),
	};
	int rc;

	if (!mkdtemp(dir))
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	rmdir(dir);
	return rc;
}
