/* The error of a call: its message and, for bad input, the field at fault
 * (err_at), which the doors hand on without reading the message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "ca/ca.h"
#include "util/err.h"

static void field_kept_and_forgotten(void **state)
{
	(void)state;
	assert_int_equal(err_at(FINCA_EINVAL, "subject", "longer than %d characters", 512),
			 FINCA_EINVAL);
	assert_string_equal(err_msg(), "subject: longer than 512 characters");
	assert_string_equal(err_field(), "subject");
	/* context added around it keeps the field */
	err_wrap(FINCA_EINVAL, "request %d of %d", 3, 10);
	assert_string_equal(err_msg(), "request 3 of 10: subject: longer than 512 characters");
	assert_string_equal(err_field(), "subject");
	/* a later error of no field forgets it */
	err_set(FINCA_ESTATE, "certificate %s is revoked", "0A");
	assert_null(err_field());
	/* what err_at said of the field, without it, after context too */
	err_at(FINCA_EINVAL, "data.not_after", "%s", "not a date");
	assert_string_equal(err_detail(), "not a date");
	err_wrap(FINCA_EINVAL, "row %d", 4);
	assert_string_equal(err_msg(), "row 4: data.not_after: not a date");
	assert_string_equal(err_detail(), "not a date");
	/* the message itself as an argument */
	err_set(FINCA_EINVAL, "bad time");
	err_at(FINCA_EINVAL, "data.not_after", "%s", err_msg());
	assert_string_equal(err_msg(), "data.not_after: bad time");
	err_at(FINCA_EINVAL, "serial", "empty");
	err_clear();
	assert_null(err_field());
}

/* The arguments of the message, as printed, are its parameters; a reason
 * names it for a translation; both survive context and threads. */
static void reason_and_parameters(void **state)
{
	struct err_state saved;

	(void)state;
	err_why(FINCA_EINVAL, "app", "request.no_app", "no application system '%s' in %.*s (%zu%%)",
		"ysgl", 2, "350100", (size_t)7);
	assert_string_equal(err_msg(), "app: no application system 'ysgl' in 35 (7%)");
	assert_string_equal(err_reason(), "request.no_app");
	assert_string_equal(err_detail(), "no application system 'ysgl' in 35 (7%)");
	assert_int_equal(err_nparams(), 3);
	assert_string_equal(err_param(0), "ysgl");
	assert_string_equal(err_param(1), "35");
	assert_string_equal(err_param(2), "7");
	assert_null(err_param(3));
	err_wrap(FINCA_EINVAL, "row %d", 4);
	assert_string_equal(err_reason(), "request.no_app");
	assert_string_equal(err_param(0), "ysgl");
	/* carried to another thread and back */
	err_save(&saved);
	err_set(FINCA_EIO, "disk %s", "full");
	assert_null(err_reason());
	assert_string_equal(err_param(0), "full");
	err_restore(&saved);
	assert_string_equal(err_msg(), "row 4: app: no application system 'ysgl' in 35 (7%)");
	assert_string_equal(err_field(), "app");
	assert_string_equal(err_param(2), "7");
	/* the current error moved to another field keeps what it says */
	err_why(FINCA_EINVAL, NULL, "time.bad", "not a date: %s", "2026-13-01");
	assert_int_equal(err_in(FINCA_EINVAL, "data.not_after"), FINCA_EINVAL);
	assert_string_equal(err_msg(), "data.not_after: not a date: 2026-13-01");
	assert_string_equal(err_detail(), "not a date: 2026-13-01");
	assert_string_equal(err_reason(), "time.bad");
	assert_string_equal(err_param(0), "2026-13-01");
	/* an argument with the markers' bytes: the message, no parameters */
	err_set(FINCA_EINVAL, "name %s", "a\x02" "b\x03" "c");
	assert_string_equal(err_msg(), "name abc");
	assert_int_equal(err_nparams(), 0);
	/* more arguments than parameters kept: none kept, the message whole */
	err_set(FINCA_EINVAL, "%d%d%d%d%d%d%d%d%d", 1, 2, 3, 4, 5, 6, 7, 8, 9);
	assert_string_equal(err_msg(), "123456789");
	assert_int_equal(err_nparams(), 0);
	err_clear();
	assert_null(err_reason());
	assert_int_equal(err_nparams(), 0);
}

static void core_errors_name_their_field(void **state)
{
	char out[41];

	(void)state;
	assert_int_equal(ca_serial_norm("", out), FINCA_EINVAL);
	assert_string_equal(err_field(), "serial");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(field_kept_and_forgotten),
		cmocka_unit_test(reason_and_parameters),
		cmocka_unit_test(core_errors_name_their_field),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
