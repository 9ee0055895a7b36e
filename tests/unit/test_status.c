/* Every cell of the transition table, and reason and serial parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "ca/ca.h"
#include "util/err.h"
#include "util/msg.h"

static struct cert_rec rec(int status, int expired)
{
	struct cert_rec r;

	memset(&r, 0, sizeof r);
	strcpy(r.serial, "0A");
	r.status = status;
	r.not_after = expired ? 1000 : 3000;
	return r;
}

static void table(void **state)
{
	/* states: valid, frozen, revoked, expired, expired-while-frozen */
	static const struct { int status, expired; } st[] = {
		{ CERT_VALID, 0 }, { CERT_HOLD, 0 }, { CERT_REVOKED, 0 },
		{ CERT_VALID, 1 }, { CERT_HOLD, 1 },
	};
	static const int want[][5] = {
		[OP_REVOKE] = { 1, 1, 0, 0, 0 },
		[OP_FREEZE] = { 1, 0, 0, 0, 0 },
		[OP_UNFREEZE] = { 0, 1, 0, 0, 0 },
		[OP_RENEW] = { 1, 0, 0, 1, 1 },
		[OP_UPDATE] = { 1, 0, 0, 1, 1 },
	};
	(void)state;
	for (int op = OP_REVOKE; op <= OP_UPDATE; op++)
		for (int s = 0; s < 5; s++) {
			struct cert_rec r = rec(st[s].status, st[s].expired);
			int rc = ca_transition_check(&r, op, 2000);
			if (want[op][s])
				assert_int_equal(rc, FINCA_OK);
			else
				assert_int_equal(rc, FINCA_ESTATE);
		}
	struct cert_rec r = rec(CERT_REVOKED, 0);
	ca_transition_check(&r, OP_UNFREEZE, 2000);
	assert_string_equal(err_msg(), "certificate 0A: cannot unfreeze a revoked certificate");
	/* every refusal has its reason and its Chinese */
	for (int op = OP_REVOKE; op <= OP_UPDATE; op++)
		for (int s = 0; s < 5; s++) {
			struct cert_rec q = rec(st[s].status, st[s].expired);
			if (ca_transition_check(&q, op, 2000) == FINCA_OK)
				continue;
			assert_non_null(err_reason());
			assert_non_null(msg_zh(err_reason()));
		}
	ca_transition_check(&r, OP_FREEZE, 2000);
	assert_string_equal(err_reason(), "cert.freeze_revoked");
}

static void reasons(void **state)
{
	(void)state;
	assert_int_equal(ca_reason_parse("keyCompromise"), 1);
	assert_int_equal(ca_reason_parse("KEYCOMPROMISE"), 1);
	assert_int_equal(ca_reason_parse("removeFromCRL"), 8);
	assert_int_equal(ca_reason_parse("nope"), -1);
	assert_string_equal(ca_reason_name(6), "certificateHold");
	assert_string_equal(ca_reason_name(7), "unknown");
}

static void serials(void **state)
{
	char s[41];
	(void)state;
	assert_int_equal(ca_serial_norm("0x0a:bc", s), FINCA_OK);
	assert_string_equal(s, "0ABC");
	assert_int_equal(ca_serial_norm("47302025f725f20ace96fee70bfffba3", s), FINCA_OK);
	assert_string_equal(s, "47302025F725F20ACE96FEE70BFFFBA3");
	assert_int_equal(ca_serial_norm("xyz", s), FINCA_EINVAL);
	assert_int_equal(ca_serial_norm("", s), FINCA_EINVAL);
	assert_int_equal(ca_serial_norm("FF112233445566778899AABBCCDDEEFF0011223344", s),
			 FINCA_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(table),
		cmocka_unit_test(reasons),
		cmocka_unit_test(serials),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
