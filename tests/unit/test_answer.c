/* Content-Disposition of downloads (RFC 6266, RFC 5987): what a browser
 * saves, and nothing it could misread. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "http/server_int.h"

static void is(const char *name, const char *want)
{
	char *d = answer_disposition(name);

	assert_string_equal(d, want);
	free(d);
}

static void ascii(void **state)
{
	(void)state;
	is("issuing.crl", "attachment; filename=\"issuing.crl\"");
	is("scan 1.pdf", "attachment; filename=\"scan 1.pdf\"");
}

static void utf8(void **state)
{
	(void)state;
	/* three bytes, three '_', per character: 申请表 E7 94 B3 E8 AF B7 E8 A1 A8 */
	is("申请表-批次3.pdf",
	   "attachment; filename=\"_________-______3.pdf\"; "
	   "filename*=UTF-8''%E7%94%B3%E8%AF%B7%E8%A1%A8-%E6%89%B9%E6%AC%A13.pdf");
}

static void hostile(void **state)
{
	(void)state;
	/* a quote or backslash would end or escape the quoted string; CR LF
	 * would start a header: none reaches the value */
	is("a\"b\\c.pdf",
	   "attachment; filename=\"a_b_c.pdf\"; filename*=UTF-8''a%22b%5Cc.pdf");
	is("x\r\nSet-Cookie: y",
	   "attachment; filename=\"x__Set-Cookie: y\"; filename*=UTF-8''x__Set-Cookie%3A%20y");
	is("", "attachment; filename=\"\"; filename*=UTF-8''");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ascii),
		cmocka_unit_test(utf8),
		cmocka_unit_test(hostile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
