/* Distinguished names as operators type them: parse, format, round trip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "ca/dn.h"
#include "util/err.h"

static void roundtrip(const char *in, const char *want)
{
	X509_NAME *a = NULL, *b = NULL;
	char *s;

	assert_int_equal(dn_parse(in, &a), FINCA_OK);
	s = dn_format(a);
	assert_string_equal(s, want);
	assert_int_equal(dn_parse(s, &b), FINCA_OK);
	assert_int_equal(X509_NAME_cmp(a, b), 0);
	free(s);
	X509_NAME_free(a);
	X509_NAME_free(b);
}

static void forms(void **state)
{
	(void)state;
	roundtrip("C=CN, O=福建省财政厅, CN=张三", "C=CN, O=福建省财政厅, CN=张三");
	roundtrip("/C=CN/O=福建省财政厅/CN=张三", "C=CN, O=福建省财政厅, CN=张三");
	roundtrip("CN=a\\, b", "CN=a\\, b");
	roundtrip("  CN =  spaced  ", "CN=spaced");
	roundtrip("/CN=x\\/y", "CN=x/y");
}

static void bad(void **state)
{
	X509_NAME *n = NULL;
	(void)state;
	assert_int_equal(dn_parse("", &n), FINCA_EINVAL);
	assert_int_equal(dn_parse("CN", &n), FINCA_EINVAL);
	assert_int_equal(dn_parse("XX=1", &n), FINCA_EINVAL);
	assert_non_null(strstr(err_msg(), "unknown attribute 'XX'"));
	assert_int_equal(dn_parse("CN=", &n), FINCA_EINVAL);
	assert_int_equal(dn_parse("C=CHN", &n), FINCA_EINVAL); /* C is 2 letters */
	assert_int_equal(dn_parse("CN=\xff\xfe", &n), FINCA_EINVAL);
	assert_int_equal(dn_parse("CN=a\x01", &n), FINCA_EINVAL);
	assert_null(n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(forms),
		cmocka_unit_test(bad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
