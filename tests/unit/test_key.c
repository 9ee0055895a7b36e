/* Private keys on disk in both forms: GM (PBKDF2-HMAC-SM3, SM4-CBC) and
 * OpenSSL's (PBKDF2-HMAC-SHA256, AES-256-CBC); each read back, a wrong
 * passphrase refused as such. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/key.h"
#include "util/err.h"
#include "util/util.h"

static char dir[] = "/tmp/finca-test-key-XXXXXX";

static void round_trip(int alg, int form)
{
	char path[128];
	unsigned char *buf = NULL;
	size_t len;
	EVP_PKEY *k = NULL, *back = NULL;

	snprintf(path, sizeof path, "%s/k%d-%d.pem", dir, alg, form);
	assert_int_equal(key_generate(alg, &k), FINCA_OK);
	assert_int_equal(key_save_form(path, k, "pass-2026", form), FINCA_OK);
	assert_int_equal(file_read(path, 1 << 20, &buf, &len), FINCA_OK);
	assert_non_null(strstr((char *)buf, "ENCRYPTED PRIVATE KEY"));
	free(buf);
	assert_int_equal(key_load(path, "pass-2026", &back), FINCA_OK);
	assert_int_equal(EVP_PKEY_eq(k, back), 1);
	EVP_PKEY_free(back);
	back = NULL;
	assert_int_equal(key_load(path, "wrong-pass", &back), FINCA_EAUTH);
	assert_null(back);
	unlink(path);
	EVP_PKEY_free(k);
}

static void both_forms(void **state)
{
	(void)state;
	round_trip(KEY_SM2, KEY_FORM_AUTO);
	round_trip(KEY_SM2, KEY_FORM_STD);
	round_trip(KEY_P256, KEY_FORM_AUTO);
	round_trip(KEY_P256, KEY_FORM_GM);
	round_trip(KEY_RSA2048, KEY_FORM_GM);
}

/* The GM form's structure, and a changed ciphertext refused. */
static void gm_structure(void **state)
{
	EVP_PKEY *k = NULL, *back = NULL;
	X509_SIG *sig = NULL;
	const X509_ALGOR *alg;
	const ASN1_OCTET_STRING *data;

	(void)state;
	assert_int_equal(key_generate(KEY_SM2, &k), FINCA_OK);
	assert_int_equal(key_gm_encrypt(k, "pass-2026", &sig), FINCA_OK);
	X509_SIG_get0(sig, &alg, &data);
	assert_int_equal(OBJ_obj2nid(alg->algorithm), NID_pbes2);
	assert_int_equal(key_gm_decrypt(sig, "pass-2026", &back), FINCA_OK);
	assert_int_equal(EVP_PKEY_eq(k, back), 1);
	EVP_PKEY_free(back);
	back = NULL;
	/* CBC: a bit flipped in the block before the last flips the same
	 * bit of the last plaintext byte, the padding's length: never valid */
	data->data[data->length - 17] ^= 1;
	assert_int_equal(key_gm_decrypt(sig, "pass-2026", &back), FINCA_EAUTH);
	assert_null(back);
	X509_SIG_free(sig);
	EVP_PKEY_free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(both_forms),
		cmocka_unit_test(gm_structure),
	};
	int rc;

	if (!mkdtemp(dir))
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	rmdir(dir);
	return rc;
}
