/* The token state table cell by cell, the PIN policy of art. 23, the
 * loss-report code as typed back (art. 25), and the SM2 digest handed to
 * vendor tokens (checked against libcrypto's SM2). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "crypto/key.h"
#include "crypto/sig.h"
#include "token/p11.h"
#include "token/token.h"
#include "util/err.h"

static void states(void **state)
{
	static const char *const st[] = {
		"in_stock", "initialized", "issued", "suspended", "returned", "lost",
		"damaged", "destroyed",
	};
	/* want[from][to]: 1 allowed */
	static const int want[8][8] = {
		/*               ins ini iss sus ret los dam des */
		/* in_stock */ { 0,  1,  0,  0,  0,  0,  1,  1 },
		/* initialized*/{ 0,  0,  1,  0,  0,  0,  1,  1 },
		/* issued */   { 0,  0,  0,  1,  1,  1,  1,  0 },
		/* suspended */{ 0,  0,  1,  0,  1,  1,  0,  0 },
		/* returned */ { 1,  1,  0,  0,  0,  0,  0,  1 },
		/* lost */     { 0,  0,  0,  0,  0,  0,  0,  1 },
		/* damaged */  { 0,  0,  0,  0,  0,  0,  0,  1 },
		/* destroyed */{ 0,  0,  0,  0,  0,  0,  0,  0 },
	};
	(void)state;
	for (int f = 0; f < 8; f++)
		for (int t = 0; t < 8; t++) {
			int rc = token_move_check(st[f], st[t]);
			if ((rc == FINCA_OK) != want[f][t])
				fail_msg("%s -> %s: got %d", st[f], st[t], rc);
			if (rc != FINCA_OK)
				assert_int_equal(rc, FINCA_ESTATE);
		}
	assert_int_equal(token_move_check("issued", "stolen"), FINCA_EINVAL);
	assert_non_null(strstr(err_msg(), "expected in_stock"));
	assert_int_equal(token_move_check("destroyed", "issued"), FINCA_ESTATE);
	assert_non_null(strstr(err_msg(), "no way out"));
}

static void pins(void **state)
{
	static const struct { const char *pin, *why; } bad[] = {
		{ "ab12", "too short" }, { "abc12", "too short" },
		{ "abcdef12345", "too long" }, { "abcdefgh", "needs a digit" },
		{ "12345678", "needs a letter" }, { "abc 1234", "only digits and letters" },
		{ "密码abc123", "only digits and letters" }, { "Old12345", "must differ" },
	};
	char p[PIN_DEFAULT_LEN + 1], so[17];
	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(pin_check(bad[i].pin, "Old12345"), FINCA_EPOLICY);
		if (!strstr(err_msg(), bad[i].why))
			fail_msg("%s: %s", bad[i].pin, err_msg());
	}
	assert_int_equal(pin_check("abc123", NULL), FINCA_OK);
	assert_int_equal(pin_check("Fujian2026", "Old12345"), FINCA_OK);
	for (int i = 0; i < 200; i++) {
		assert_int_equal(pin_random(p), FINCA_OK);
		assert_int_equal(strlen(p), PIN_DEFAULT_LEN);
		assert_int_equal(pin_check(p, NULL), FINCA_OK);
		assert_null(strpbrk(p, "01OlI"));
	}
	assert_int_equal(pin_random_so(so), FINCA_OK);
	assert_int_equal(strlen(so), 16);
}

/* A vendor token signs e = SM3(Z || M) raw; libcrypto's SM2 signing of a
 * given digest does the same, so its signature over our e must verify as an
 * SM2-with-SM3 signature over M with the default ID. */
static void loss_codes(void **state)
{
	/* the argon2id of "NOT-A-CODE" with loss_code.c's parameters */
	static const char h[] = "$argon2id$v=19$m=19456,t=2,p=1$ZmluY2EtbG9zcy1kdW1teQ$"
				"ziexVKlXChD/SPHaXt/23IfW7ELAo2jZ6v6o4rkyQcE";
	static const char *const bad[] = {
		"", "7KQM-2X9P-HT4", "7KQM-2X9P-HT4CX", "7KQM-2X9P-HT4O" /* O */,
		"7KQM-2X9P-HT41" /* 1 */, "7KQM-2X9P-HT4I", "7KQM_2X9P_HT4C", "7KQM-2X9P-HT4Ç",
	};
	char out[LOSS_CODE_LEN + 1];

	(void)state;
	assert_int_equal(loss_code_norm("7kqm 2x9p-ht4c", out), FINCA_OK);
	assert_string_equal(out, "7KQM2X9PHT4C");
	assert_int_equal(loss_code_norm("7KQM2X9PHT4C", out), FINCA_OK);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (loss_code_norm(bad[i], out) != FINCA_EINVAL)
			fail_msg("'%s' was taken for a loss-report code", bad[i]);
	assert_non_null(strstr(err_msg(), "挂失码"));
	assert_int_equal(loss_code_match(h, "NOT-A-CODE"), 1);
	assert_int_equal(loss_code_match(h, "NOT-A-CODF"), 0);
	/* no token: no match, whatever is given */
	assert_int_equal(loss_code_match(NULL, "NOT-A-CODE"), 0);
	assert_int_equal(loss_code_match(h, NULL), 0);
}

static void sm2_digest(void **state)
{
	static const unsigned char msg[] = "challenge-text";
	unsigned char e[32], sig[128];
	size_t siglen = sizeof sig;
	EVP_PKEY *k = NULL;
	EVP_PKEY_CTX *c;
	(void)state;
	assert_int_equal(key_generate(KEY_SM2, &k), FINCA_OK);
	assert_int_equal(p11_sm2_digest(k, msg, sizeof msg - 1, e), FINCA_OK);
	c = EVP_PKEY_CTX_new(k, NULL);
	assert_non_null(c);
	assert_int_equal(EVP_PKEY_sign_init(c), 1);
	assert_int_equal(EVP_PKEY_sign(c, sig, &siglen, e, sizeof e), 1);
	EVP_PKEY_CTX_free(c);
	assert_int_equal(sig_verify(k, msg, sizeof msg - 1, sig, siglen), FINCA_OK);
	assert_int_not_equal(sig_verify(k, msg, sizeof msg - 2, sig, siglen), FINCA_OK);
	EVP_PKEY_free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(states),
		cmocka_unit_test(pins),
		cmocka_unit_test(loss_codes),
		cmocka_unit_test(sm2_digest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
