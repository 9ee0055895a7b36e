/* CRLs (ca/crl.c, in named steps): a table of status changes, each
 * followed by a full or delta CRL, and what that CRL lists (RFC 5280
 * 5.2.4, 5.3.1): every revoked or held certificate on a full CRL; on a
 * delta, what changed since the last full one, a release from hold as
 * removeFromCRL.  Every CRL is checked against the issuing CA, numbered
 * in order, and recorded in the audit trail. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "ca/ca.h"
#include "util/err.h"
#include "util/util.h"

#include <openssl/x509.h>
#include <openssl/x509v3.h>

static int setup(void **state)
{
	struct fx *f = fx_new("crl", NULL);
	static const char *const serials[] = { "0A", "0B", "0C", "0D" };

	fx_no_certs(f);
	for (size_t i = 0; i < ARRAY_LEN(serials); i++)
		fx_sql(f, "INSERT INTO cert(id,serial,serial_bin,issuer,profile,subject,"
		       "key_alg,not_before,not_after,issued_at,status,der) VALUES(%zu,'%s',x'%s',"
		       "'issuing','device','CN=x','p256',0,4102444800,0,0,x'00')", i + 1,
		       serials[i], serials[i]);
	if (ca_unlock(f->ca, "test-passphrase") != FINCA_OK)
		fail_msg("ca_unlock: %s", err_msg());
	*state = f;
	return 0;
}

/* The entries of CRL der as "SERIAL:REASON ..." in serial order (reason 0:
 * no reasonCode). */
static void entries(const unsigned char *der, size_t len, char *out, size_t n)
{
	const unsigned char *p = der;
	X509_CRL *crl = d2i_X509_CRL(NULL, &p, (long)len);
	STACK_OF(X509_REVOKED) *revs;
	char *words[16];
	int k = 0;

	assert_non_null(crl);
	revs = X509_CRL_get_REVOKED(crl);
	for (int i = 0; i < sk_X509_REVOKED_num(revs) && k < 16; i++) {
		X509_REVOKED *r = sk_X509_REVOKED_value(revs, i);
		ASN1_ENUMERATED *why = X509_REVOKED_get_ext_d2i(r, NID_crl_reason, NULL, NULL);
		BIGNUM *bn = ASN1_INTEGER_to_BN(X509_REVOKED_get0_serialNumber(r), NULL);
		char *hex = BN_bn2hex(bn);
		assert_true(asprintf(&words[k++], "%s%s:%ld", strlen(hex) % 2 ? "0" : "", hex,
				     why ? ASN1_ENUMERATED_get(why) : 0L) > 0);
		OPENSSL_free(hex);
		BN_free(bn);
		ASN1_ENUMERATED_free(why);
	}
	X509_CRL_free(crl);
	/* serial order: the table says them so */
	for (int i = 1; i < k; i++)
		for (int j = i; j > 0 && strcmp(words[j - 1], words[j]) > 0; j--) {
			char *t = words[j];
			words[j] = words[j - 1];
			words[j - 1] = t;
		}
	out[0] = '\0';
	for (int i = 0; i < k; i++) {
		snprintf(out + strlen(out), n - strlen(out), "%s%s", i ? " " : "", words[i]);
		free(words[i]);
	}
}

static void steps(void **state)
{
	enum { NONE, REVOKE, FREEZE, UNFREEZE };
	static const struct {
		int op;
		const char *serial;
		int reason;          /* REVOKE: RFC 5280 reason */
		int delta;           /* then: a delta CRL, or a full one */
		int64_t number, base;
		const char *want;    /* its entries */
	} cases[] = {
		{ NONE, NULL, 0, 0, 1, 0, "" },                /* nothing revoked yet */
		{ REVOKE, "0A", 1, 0, 2, 0, "0A:1" },          /* keyCompromise */
		{ FREEZE, "0B", 0, 1, 3, 2, "0B:6" },          /* certificateHold */
		{ REVOKE, "0C", 0, 1, 4, 2, "0B:6 0C:0" },     /* unspecified: no reasonCode */
		{ NONE, NULL, 0, 0, 5, 0, "0A:1 0B:6 0C:0" },
		{ UNFREEZE, "0B", 0, 1, 6, 5, "0B:8" },        /* released: removeFromCRL */
		{ NONE, NULL, 0, 0, 7, 0, "0A:1 0C:0" },
		{ REVOKE, "0D", 4, 1, 8, 7, "0D:4" },          /* superseded */
		{ NONE, NULL, 0, 1, 9, 7, "0D:4" },
	};
	struct fx *f = *state;
	struct actor a;
	char got[256];
	sqlite3_stmt *q;

	memset(&a, 0, sizeof a);
	snprintf(a.name, sizeof a.name, "op");
	snprintf(a.role, sizeof a.role, "operator");
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		unsigned char *der = NULL;
		size_t len = 0;
		struct crl_rec info;
		struct crl_summary sum;
		int rc = FINCA_OK;

		if (cases[i].op == REVOKE)
			rc = ca_revoke(f->ca, &a, cases[i].serial, cases[i].reason);
		else if (cases[i].op == FREEZE)
			rc = ca_freeze(f->ca, &a, cases[i].serial);
		else if (cases[i].op == UNFREEZE)
			rc = ca_unfreeze(f->ca, &a, cases[i].serial);
		if (rc != FINCA_OK)
			fail_msg("step %zu: %s", i, err_msg());
		if (ca_crl(f->ca, &a, cases[i].delta, &der, &len, &info) != FINCA_OK)
			fail_msg("step %zu: ca_crl: %s", i, err_msg());
		assert_int_equal(crl_check(der, len, f->ca->issuing, &sum), FINCA_OK);
		assert_int_equal(sum.delta, cases[i].delta);
		assert_int_equal(info.delta, cases[i].delta);
		assert_int_equal(sum.number, cases[i].number);
		assert_int_equal(info.number, cases[i].number);
		if (cases[i].delta)
			assert_int_equal(info.base, cases[i].base);
		entries(der, len, got, sizeof got);
		if (strcmp(got, cases[i].want))
			fail_msg("step %zu: entries \"%s\", expected \"%s\"", i, got, cases[i].want);
		assert_int_equal(sum.entries, info.entries);
		free(der);
	}
	/* one crl.issue record per CRL, numbered as made */
	assert_int_equal(sqlite3_prepare_v2(f->db, "SELECT count(*) FROM audit WHERE"
					    " action='crl.issue'", -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(q, 0), ARRAY_LEN(cases));
	sqlite3_finalize(q);
}

/* Without the issuing key, no CRL, and nothing recorded. */
static void locked(void **state)
{
	struct fx *f = fx_new("crl", NULL);
	struct actor a;
	unsigned char *der = NULL;
	size_t len = 0;

	(void)state;
	memset(&a, 0, sizeof a);
	snprintf(a.name, sizeof a.name, "op");
	assert_int_equal(ca_crl(f->ca, &a, 0, &der, &len, NULL), FINCA_EAUTH);
	assert_null(der);
	fx_close(f);
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(steps, setup, fx_teardown),
		cmocka_unit_test(locked),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
