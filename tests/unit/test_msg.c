/* The caller's language and the Chinese catalogue: which language a header
 * or the environment asks for, how parameters are placed, and an error told
 * in Chinese and in English. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/msg.h"

static void accept_language(void **state)
{
	static const struct {
		const char *h;
		enum msg_lang want;
	} t[] = {
		{ NULL, MSG_EN },
		{ "", MSG_EN },
		{ "zh-CN", MSG_ZH },
		{ "zh", MSG_ZH },
		{ "ZH-cn", MSG_ZH },
		{ "zh-Hans-CN", MSG_ZH },
		{ "en-US,en;q=0.9", MSG_EN },
		{ "zh-CN,zh;q=0.9,en;q=0.8", MSG_ZH },
		{ "en;q=0.5, zh-CN;q=0.9", MSG_ZH },
		{ "en-GB, zh;q=0.3", MSG_EN },
		{ "fr-FR, de", MSG_EN },
		{ "zh;q=0", MSG_EN },
		{ "zhx, en", MSG_EN },
		{ "*", MSG_EN },
	};

	(void)state;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		if (msg_lang_accept(t[i].h) != t[i].want)
			fail_msg("Accept-Language '%s': want %s", t[i].h ? t[i].h : "(none)",
				 t[i].want == MSG_ZH ? "zh" : "en");
	}
}

static void environment(void **state)
{
	(void)state;
	unsetenv("LC_ALL");
	unsetenv("LC_MESSAGES");
	setenv("LANG", "zh_CN.UTF-8", 1);
	assert_int_equal(msg_lang_env(), MSG_ZH);
	setenv("LC_MESSAGES", "C.UTF-8", 1);
	assert_int_equal(msg_lang_env(), MSG_EN);
	setenv("LC_ALL", "zh_TW.UTF-8", 1);
	assert_int_equal(msg_lang_env(), MSG_ZH);
	unsetenv("LC_ALL");
	unsetenv("LC_MESSAGES");
	unsetenv("LANG");
	assert_int_equal(msg_lang_env(), MSG_EN);
}

static void placing(void **state)
{
	const char *p[] = { "1", "36500" };
	char out[64];

	(void)state;
	msg_place("应为{1}到{2}之间的数字", p, 2, out, sizeof out);
	assert_string_equal(out, "应为1到36500之间的数字");
	/* a place the error has no parameter for, and braces, stay as written */
	msg_place("{2}{3}{0}{x}{", p, 2, out, sizeof out);
	assert_string_equal(out, "36500{3}{0}{x}{");
	/* cut to the buffer */
	msg_place("{2}{2}", p, 2, out, 8);
	assert_string_equal(out, "3650036");
}

static void an_error_in_both(void **state)
{
	char m[256];

	(void)state;
	err_why(FINCA_EINVAL, "expiring_within", "api.range", "expected a number from %ld to %ld",
		0L, 36500L);
	assert_string_equal(msg_error(MSG_ZH, m, sizeof m), "到期天数：应为0到36500之间的数字");
	assert_string_equal(msg_detail(MSG_ZH, m, sizeof m), "应为0到36500之间的数字");
	assert_string_equal(msg_error(MSG_EN, m, sizeof m),
			    "expiring_within: expected a number from 0 to 36500");
	assert_string_equal(msg_detail(MSG_EN, m, sizeof m), "expected a number from 0 to 36500");
	/* no reason named: the class's sentence, the English kept */
	err_set(FINCA_ENOTFOUND, "no certificate %s", "0A");
	assert_string_equal(msg_error(MSG_ZH, m, sizeof m), "没有找到（no certificate 0A）");
	assert_string_equal(msg_error(MSG_EN, m, sizeof m), "no certificate 0A");
	/* a field the catalogue does not name keeps its own */
	err_why(FINCA_EINVAL, "colour", "body.unknown_field", "unknown field");
	assert_string_equal(msg_error(MSG_ZH, m, sizeof m), "colour：未知字段");
	assert_string_equal(msg_field(MSG_ZH, "id_number"), "身份证号");
	assert_string_equal(msg_field(MSG_EN, "id_number"), "id_number");
	/* a message that names its input itself: the text does, and the
	 * field is still named for the door */
	err_why_of(FINCA_EINVAL, "id_number", "ident.id_check",
		   "resident ID number '%s': check character is %c, expected %c (GB 11643)",
		   "350102199003071230", '0', '5');
	assert_string_equal(msg_error(MSG_ZH, m, sizeof m), "身份证号：校验码应为5，实为0（GB 11643）");
	assert_string_equal(msg_error(MSG_EN, m, sizeof m), "resident ID number '350102199003071230': "
			    "check character is 0, expected 5 (GB 11643)");
	assert_string_equal(err_field(), "id_number");
	assert_string_equal(err_reason(), "ident.id_check");
	err_clear();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(accept_language),
		cmocka_unit_test(environment),
		cmocka_unit_test(placing),
		cmocka_unit_test(an_error_in_both),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
