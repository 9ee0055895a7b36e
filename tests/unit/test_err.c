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
		cmocka_unit_test(core_errors_name_their_field),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
