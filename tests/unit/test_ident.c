/* Resident ID numbers (GB 11643) and unified social credit codes (GB 32100). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "ca/ident.h"
#include "util/err.h"

static void resident_id(void **state)
{
	char n[19];
	(void)state;
	assert_int_equal(ident_resident_id_check("350102199003071234", n), FINCA_OK);
	assert_string_equal(n, "350102199003071234");
	assert_int_equal(ident_resident_id_check("11010519491231002X", n), FINCA_OK);
	/* lowercase x is normalised */
	assert_int_equal(ident_resident_id_check("11010519491231002x", n), FINCA_OK);
	assert_string_equal(n, "11010519491231002X");
	assert_int_equal(ident_resident_id_check("350102199003071235", n), FINCA_EINVAL);
	assert_non_null(strstr(err_msg(), "expected 4"));
	assert_int_equal(ident_resident_id_check("35010219900307123", n), FINCA_EINVAL);
	assert_int_equal(ident_resident_id_check("3501021990030712345", n), FINCA_EINVAL);
	assert_int_equal(ident_resident_id_check("35010219900307123A", n), FINCA_EINVAL);
	assert_int_equal(ident_resident_id_check("3501021990O3071234", n), FINCA_EINVAL);
	assert_int_equal(ident_resident_id_check("", n), FINCA_EINVAL);
	/* valid check digit, impossible date (30 February) */
	assert_int_equal(ident_resident_id_check("350102199002301237", n), FINCA_EINVAL);
	assert_non_null(strstr(err_msg(), "not a date"));
}

static void credit_code(void **state)
{
	char n[19];
	(void)state;
	assert_int_equal(ident_uscc_check("12350000003591045H", n), FINCA_OK);
	assert_int_equal(ident_uscc_check("91350100MA2XXXXX0G", n), FINCA_OK);
	assert_int_equal(ident_uscc_check("91350100ma2xxxxx0g", n), FINCA_OK);
	assert_string_equal(n, "91350100MA2XXXXX0G");
	assert_int_equal(ident_uscc_check("12350000003591045A", n), FINCA_EINVAL);
	assert_non_null(strstr(err_msg(), "expected H"));
	/* I, O, Z, S, V are not in the alphabet */
	assert_int_equal(ident_uscc_check("1235000000359104IH", n), FINCA_EINVAL);
	assert_int_equal(ident_uscc_check("12350000003591045", n), FINCA_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(resident_id),
		cmocka_unit_test(credit_code),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
