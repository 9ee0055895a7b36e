/* Signed instructions for the USBKey agent (token/instruction.c): what the
 * server signs the agent reads back, and nothing else passes: another key,
 * a payload changed by one byte, an expired instruction, one that lives too
 * long, malformed base64 or payloads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/key.h"
#include "crypto/pem.h"
#include "crypto/sig.h"
#include "token/instruction.h"
#include "util/err.h"

static X509 *cert_of(EVP_PKEY *key)
{
	X509 *x = X509_new();
	EVP_MD_CTX *m = NULL;

	X509_set_version(x, X509_VERSION_3);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_UTF8,
				   (const unsigned char *)"service CA", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, key);
	assert_int_equal(sig_sign_ctx(key, &m), FINCA_OK);
	assert_true(X509_sign_ctx(x, m) > 0);
	EVP_MD_CTX_free(m);
	return x;
}

/* A signed instruction's payload and signature (caller frees both). */
static void make(EVP_PKEY *k, int64_t expires, char **payload, char **sig)
{
	struct instruction ins = { "produce", 42, "", expires, "", "op-fuzhou" };
	json_t *j = NULL;

	assert_int_equal(instruction_sign(k, &ins, &j), FINCA_OK);
	assert_int_equal(strlen(ins.nonce), 32);
	*payload = strdup(json_string_value(json_object_get(j, "payload")));
	*sig = strdup(json_string_value(json_object_get(j, "signature")));
	json_decref(j);
}

static void round_trip(void **state)
{
	EVP_PKEY *k = NULL;
	X509 *x;
	char *p, *s;
	struct instruction got;

	(void)state;
	assert_int_equal(key_generate(KEY_P256, &k), FINCA_OK);
	x = cert_of(k);
	make(k, 1000 + INSTR_TTL, &p, &s);
	assert_int_equal(instruction_verify(x, p, s, 1000, &got), FINCA_OK);
	assert_string_equal(got.op, "produce");
	assert_int_equal(got.request, 42);
	assert_string_equal(got.token, "");
	assert_string_equal(got.account, "op-fuzhou");
	assert_int_equal(got.expires, 1000 + INSTR_TTL);
	/* expired, and one that claims to live longer than the agent allows */
	assert_int_equal(instruction_verify(x, p, s, 1000 + INSTR_TTL, &got), FINCA_EAUTH);
	assert_int_equal(instruction_verify(x, p, s, 1000 + INSTR_TTL - INSTR_TTL_MAX - 1, &got),
			 FINCA_EAUTH);
	free(p);
	free(s);
	X509_free(x);
	EVP_PKEY_free(k);
}

static void forged(void **state)
{
	EVP_PKEY *k = NULL, *other = NULL;
	X509 *x;
	char *p, *s, *p2, *s2;
	unsigned char *raw = NULL;
	size_t n = 0;
	struct instruction got;

	(void)state;
	assert_int_equal(key_generate(KEY_P256, &k), FINCA_OK);
	assert_int_equal(key_generate(KEY_P256, &other), FINCA_OK);
	x = cert_of(k);
	/* signed by another key */
	make(other, 1000 + INSTR_TTL, &p2, &s2);
	assert_int_equal(instruction_verify(x, p2, s2, 1000, &got), FINCA_ECRYPTO);
	/* the payload changed (the request id), the signature kept */
	make(k, 1000 + INSTR_TTL, &p, &s);
	assert_int_equal(b64_decode(p, INSTR_MAX, &raw, &n), FINCA_OK);
	char *at = strstr((char *)raw, "\"request\":42");
	assert_non_null(at);
	at[11] = '3';
	char *changed = b64_encode(raw, n);
	assert_int_equal(instruction_verify(x, changed, s, 1000, &got), FINCA_ECRYPTO);
	/* a signature of another payload */
	assert_int_equal(instruction_verify(x, p, s2, 1000, &got), FINCA_ECRYPTO);
	/* malformed */
	assert_int_equal(instruction_verify(x, "***", s, 1000, &got), FINCA_EINVAL);
	assert_int_equal(instruction_verify(x, NULL, s, 1000, &got), FINCA_EINVAL);
	assert_int_equal(instruction_verify(NULL, p, s, 1000, &got), FINCA_ECONFIG);
	free(changed);
	free(raw);
	free(p);
	free(s);
	free(p2);
	free(s2);
	X509_free(x);
	EVP_PKEY_free(k);
	EVP_PKEY_free(other);
}

/* A payload signed by the right key but lacking fields is refused. */
static void incomplete(void **state)
{
	EVP_PKEY *k = NULL;
	X509 *x;
	const char *text = "{\"op\":\"produce\",\"request\":1,\"expires\":2000}";
	unsigned char *sig = NULL;
	size_t n = 0;
	char *p, *s;
	struct instruction got;

	(void)state;
	assert_int_equal(key_generate(KEY_P256, &k), FINCA_OK);
	x = cert_of(k);
	assert_int_equal(sig_sign(k, (const unsigned char *)text, strlen(text), &sig, &n), FINCA_OK);
	p = b64_encode((const unsigned char *)text, strlen(text));
	s = b64_encode(sig, n);
	assert_int_equal(instruction_verify(x, p, s, 1000, &got), FINCA_EINVAL);
	OPENSSL_free(sig);
	free(p);
	free(s);
	X509_free(x);
	EVP_PKEY_free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),
		cmocka_unit_test(forged),
		cmocka_unit_test(incomplete),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
