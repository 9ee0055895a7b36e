/* The annex's three forms as PDF, read back with poppler's pdftotext and
 * pdffonts: the Chinese text must come out as text, from embedded fonts.
 * One page of each form is kept as build/screenshots/forms-*.png for
 * people to look at. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <pango/pangocairo.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "doc/forms.h"
#include "util/err.h"
#include "util/util.h"

static char dir[64];

/* LeakSanitizer, for this binary only.  cairo 1.16 loses ~770 bytes per
 * OpenType/CFF font subset it embeds (three per document here) inside
 * cairo_surface_finish: a cairo bug, not ours.  Suppressing by that
 * exported function needs whole stacks (cairo has no frame pointers),
 * hence the slow unwinder.  The suppression also covers our own output
 * buffer, which grows in a callback under cairo_surface_finish: the
 * "steady" test below watches that instead.  fontconfig keeps its
 * configuration until exit, and FcFini() is not linkable here (fontconfig
 * is not among the Makefile's pkg-config packages). */
const char *__lsan_default_suppressions(void)
{
	return "leak:cairo_surface_finish\nleak:libfontconfig.so\n";
}

const char *__asan_default_options(void)
{
	return "fast_unwind_on_malloc=0";
}

#ifdef __SANITIZE_ADDRESS__
size_t __sanitizer_get_current_allocated_bytes(void);
#endif

static const struct form_doc doc = {
	.id = "B-20260302-0007",
	.date = "2026年3月2日",
	.officer = "王五",
	.approver = "福建省财政厅国库处",
	.maker = "福建省财政信息中心",
};

static const struct form_person people[] = {
	{
		.name = "张三",
		.id_number = "35010219850612118X",
		.unit = "福州市鼓楼区教育局",
		.unit_code = "12350000003591045H",
		.unit_type = "行政单位",
		.phone = "0591-87654321",
		.email = "zhangsan@example.gov.cn",
		.op = FORM_OP_APPLY,
		.reason = "新入职，首次申请证书",
		.app_systems = "预算管理一体化系统（录入、查询）",
	},
	{
		.name = "李四",
		.id_number = "11010519491231002X",
		.unit = "福州市鼓楼区教育局",
		.unit_code = "12350000003591045H",
		.unit_type = "行政单位",
		.phone = "13800000000",
		.op = FORM_OP_REISSUE,
		.reason = "USBKey损坏，申请补办",
		/* long enough to wrap inside its cell */
		.app_systems = "预算管理一体化系统（录入、审核、查询）、国库集中支付系统"
			       "（支付申请、查询）、非税收入收缴管理系统（查询）、"
			       "政府采购管理交易系统（采购计划录入）、资产管理信息系统（查询）",
		.old_cert = "5A3F0C19E2D44B7E",
		.old_token = "FJCA-K-000123",
	},
	{
		.name = "<b>赵六</b> & Co",   /* text, never markup */
		.id_number = "350102199003071234",
		.unit = "福州市鼓楼区教育局",
		.op = FORM_OP_REVOKE,
		.reason = "调出",
	},
};

static const struct form_unit units[] = {
	{
		.name = "福州市鼓楼区教育局",
		.unit_code = "12350000003591045H",
		.unit_type = "行政单位",
		.region = "福州市鼓楼区（350102）",
		.phone = "0591-87000000",
		.address = "福州市鼓楼区东街100号",
		.officer = "王五",
		.officer_id = "35010219850612118X",
		.officer_phone = "13900000000",
		.officer_email = "wangwu@example.gov.cn",
		.op = FORM_OP_RENEW,
		.reason = "证书即将到期",
		.app_systems = "电子印章、预算管理一体化系统单位签章",
		.old_cert = "7B21",
		.old_token = "FJCA-K-000045",
	},
};

static const struct form_pinreset pins[] = {
	{
		.name = "张三",
		.id_number = "35010219850612118X",
		.unit = "福州市鼓楼区教育局",
		.unit_code = "12350000003591045H",
		.phone = "0591-87654321",
		.token_serial = "FJCA-K-000123",
		.cert_serial = "5A3F0C19E2D44B7E",
		.cause = FORM_PIN_LOCKED,
		.reason = "连续输错PIN码，USBKey已锁定",
	},
};

/* stdout of cmd (caller frees). */
static char *run(const char *cmd)
{
	FILE *f = popen(cmd, "r");
	char *buf = xcalloc(1, 1);
	size_t len = 0, n;
	char chunk[4096];

	assert_non_null(f);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		buf = xrealloc(buf, len + n + 1);
		memcpy(buf + len, chunk, n);
		len += n;
	}
	assert_int_equal(pclose(f), 0);
	buf[len] = '\0';
	return buf;
}

/* Output of a poppler tool on path ("-" as tail: to stdout). */
static char *poppler(const char *tool, const char *path, const char *tail)
{
	char cmd[256];

	snprintf(cmd, sizeof cmd, "%s '%s' %s", tool, path, tail);
	return run(cmd);
}

static void has(const char *text, const char *want)
{
	if (!strstr(text, want)) {
		fprintf(stderr, "%s\n", text); /* fail_msg would cut it short */
		fail_msg("'%s' is missing from the text above", want);
	}
}

/* Writes buf to dir/name.pdf and returns the path (caller frees). */
static char *save(const char *name, const unsigned char *buf, size_t len)
{
	char file[64];
	char *path;

	snprintf(file, sizeof file, "%s.pdf", name);
	path = path_join(dir, file);
	assert_int_equal(file_write_nosync(path, buf, len, 0600), FINCA_OK);
	return path;
}

/* Page 1 as build/screenshots/forms-<name>.png, at 60 dpi. */
static void screenshot(const char *path, const char *name)
{
	char png[96];

	assert_int_equal(system("mkdir -p build/screenshots"), 0);
	snprintf(png, sizeof png, "build/screenshots/forms-%s", name);
	free(poppler("pdftoppm -png -r 60 -f 1 -l 1 -singlefile", path, png));
}

/* Every font embedded, and one of them Noto CJK. */
static void fonts_embedded(const char *path)
{
	char *out = poppler("pdffonts", path, ""), *save_ptr = NULL;
	int lines = 0, cjk = 0;

	for (char *l = strtok_r(out, "\n", &save_ptr); l; l = strtok_r(NULL, "\n", &save_ptr)) {
		if (++lines <= 2)       /* header and its underline */
			continue;
		/* columns ... emb sub uni object ID: the emb column is the
		 * fifth word from the end */
		char *w[16];
		int n = 0;
		for (char *t = strtok(l, " "); t && n < 16; t = strtok(NULL, " "))
			w[n++] = t;
		assert_true(n >= 6);
		if (strcmp(w[n - 5], "yes") != 0)
			fail_msg("%s: font %s not embedded", path, w[0]);
		if (strstr(w[0], "CJK"))
			cjk++;
	}
	assert_true(cjk > 0);
	free(out);
}

static void person(void **state)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	char *path, *text, *info;
	(void)state;

	assert_int_equal(forms_person_pdf_mem(&doc, people, ARRAY_LEN(people),
					      &buf, &len), FINCA_OK);
	assert_true(len > 1000);
	assert_memory_equal(buf, "%PDF-", 5);
	path = save("person", buf, len);
	screenshot(path, "person");
	text = poppler("pdftotext -layout", path, "-");
	has(text, "个人数字证书申请表");
	for (const char *const *l = (const char *const[]){ "姓名", "身份证号",
		"所属单位", "单位编码", "机构类型", "联系电话", "业务类型",
		"申请原因", "原证书序列号", "申请单位意见", "申请单位（盖章）",
		"经办人", "审批部门意见", "审批部门（盖章）", "证书制作管理单位办理情况",
		"证书用户签名", "新USBKey编号", "领取人签字", NULL }; *l; l++)
		has(text, *l);
	has(text, "张三");
	has(text, "35010219850612118X");
	has(text, "11010519491231002X");
	has(text, "福州市鼓楼区教育局");
	has(text, "12350000003591045H");
	has(text, "■申请");
	has(text, "■补办");
	has(text, "■注销");
	has(text, "FJCA-K-000123");
	has(text, "非税收入收缴管理系统");    /* from the wrapped cell */
	has(text, "福建省财政厅国库处");
	has(text, "信息员：王五");
	has(text, "<b>赵六</b> & Co");
	has(text, "2026年3月2日");
	has(text, "B-20260302-0007");
	has(text, "第1页/共3页");
	has(text, "第3页/共3页");
	info = poppler("pdfinfo", path, "");
	has(info, "Pages:           3");
	has(info, "(A4)");
	has(info, "个人数字证书申请表");
	fonts_embedded(path);
	free(info);
	free(text);
	free(path);
	free(buf);
}

static void unit(void **state)
{
	char *path = path_join(dir, "unit.pdf"), *text;
	struct stat st;
	(void)state;

	assert_int_equal(forms_unit_pdf(path, &doc, units, 1), FINCA_OK);
	screenshot(path, "unit");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	text = poppler("pdftotext -layout", path, "-");
	has(text, "单位数字证书申请表");
	has(text, "单位名称");
	has(text, "福州市鼓楼区教育局");
	has(text, "12350000003591045H");
	has(text, "福州市鼓楼区（350102）");
	has(text, "信息员");
	has(text, "35010219850612118X");
	has(text, "■延期");
	has(text, "证书用途及");
	has(text, "申请单位（盖章）");
	has(text, "第1页/共1页");
	fonts_embedded(path);
	free(text);
	free(path);
}

static void pinreset(void **state)
{
	char *path = path_join(dir, "pinreset.pdf"), *text;
	(void)state;

	assert_int_equal(forms_pinreset_pdf(path, &doc, pins, 1), FINCA_OK);
	screenshot(path, "pinreset");
	text = poppler("pdftotext -layout", path, "-");
	has(text, "证书介质USBKey密码初始化申请表");
	has(text, "张三");
	has(text, "35010219850612118X");
	has(text, "USBKey编号");
	has(text, "FJCA-K-000123");
	has(text, "■PIN码已锁定");
	has(text, "□忘记PIN码");
	has(text, "6-10位数字和");
	has(text, "证书用户签名");
	has(text, "申请单位（盖章）");
	fonts_embedded(path);
	free(text);
	free(path);
}

/* Blank forms: only the doc id is required; every cell may stay empty. */
static void blank(void **state)
{
	const struct form_doc d = { .id = "R-1" };
	const struct form_person p = { 0 };
	unsigned char *buf = NULL;
	size_t len = 0;
	(void)state;

	assert_int_equal(forms_person_pdf_mem(&d, &p, 1, &buf, &len), FINCA_OK);
	free(buf);
}

/* Rendering again and again holds no more memory than cairo's own loss:
 * what LeakSanitizer cannot see under its suppression, and what matters
 * to a daemon. */
static void steady(void **state)
{
#ifdef __SANITIZE_ADDRESS__
	struct form_person bad[2] = { people[0], people[0] };
	char *path = path_join(dir, "steady.pdf");
	unsigned char *buf = NULL;
	size_t len = 0, before;
	(void)state;

	bad[1].name = "\xff";
	/* the first rounds fill pango's and fontconfig's caches */
	for (int round = 0; round < 2; round++) {
		before = __sanitizer_get_current_allocated_bytes();
		for (int i = 0; i < 4; i++) {
			assert_int_equal(forms_person_pdf_mem(&doc, people, 2, &buf, &len),
					 FINCA_OK);
			free(buf);
			buf = NULL;
			assert_int_equal(forms_person_pdf_mem(&doc, bad, 2, &buf, &len),
					 FINCA_EINVAL);
			assert_int_equal(forms_unit_pdf(path, &doc, units, 1), FINCA_OK);
		}
	}
	/* 12 documents, cairo loses ~2.3 KB each; one lost PDF is > 100 KB */
	assert_true(__sanitizer_get_current_allocated_bytes() < before + 12 * 4096);
	free(path);
#else
	(void)state;
	skip();
#endif
}

static void refuse(int rc, const char *want)
{
	assert_int_equal(rc, FINCA_EINVAL);
	if (!strstr(err_msg(), want))
		fail_msg("message '%s' lacks '%s'", err_msg(), want);
}

static void invalid(void **state)
{
	struct form_person p[2] = { people[0], people[0] };
	struct form_pinreset r = pins[0];
	struct form_doc d = doc;
	unsigned char *buf = NULL;
	size_t len = 0;
	char *lines;
	(void)state;

	p[1].name = "\xe5\xbc\xa0\xff";                 /* 张 + a stray byte */
	refuse(forms_person_pdf_mem(&doc, p, 2, &buf, &len),
	       "personal form entry 2: name is not valid UTF-8");
	p[1].name = "\xc0\xaf";                         /* overlong "/" */
	refuse(forms_person_pdf_mem(&doc, p, 2, &buf, &len), "not valid UTF-8");
	p[1].name = "\xed\xa0\x80";                     /* a surrogate */
	refuse(forms_person_pdf_mem(&doc, p, 2, &buf, &len), "not valid UTF-8");
	p[1].name = people[1].name;
	p[1].email = "a\x1b[31m";
	refuse(forms_person_pdf_mem(&doc, p, 2, &buf, &len),
	       "entry 2: email contains control character 0x1b");
	p[1].email = NULL;
	p[1].op = (enum form_op)42;
	refuse(forms_person_pdf_mem(&doc, p, 2, &buf, &len), "operation 42");
	p[1].op = FORM_OP_APPLY;
	p[1].unit = "\xf4\x8f\xbf\xbd";                 /* U+10FFFD: no font has it */
	refuse(forms_person_pdf_mem(&doc, p, 2, &buf, &len),
	       "entry 2: unit has a character no installed font can print");
	p[1].unit = NULL;

	/* as many lines as the field allows do not fit on the page */
	lines = xcalloc(1, FORMS_MAX_FIELD + 1);
	for (size_t i = 0; i + 2 <= FORMS_MAX_FIELD; i += 2)
		memcpy(lines + i, "a\n", 2);
	p[1].reason = lines;
	refuse(forms_person_pdf_mem(&doc, p, 2, &buf, &len),
	       "entry 2: does not fit on one A4 page");
	free(lines);
	lines = xcalloc(1, FORMS_MAX_FIELD + 2);
	memset(lines, 'a', FORMS_MAX_FIELD + 1);
	p[1].reason = lines;
	refuse(forms_person_pdf_mem(&doc, p, 2, &buf, &len), "longer than 600 bytes");
	free(lines);

	r.cause = (enum form_pin_cause)7;
	refuse(forms_pinreset_pdf_mem(&doc, &r, 1, &buf, &len), "cause 7");
	d.approver = "\x80";
	refuse(forms_unit_pdf_mem(&d, units, 1, &buf, &len),
	       "unit form: approver is not valid UTF-8");
	d.approver = NULL;
	char long_id[FORMS_MAX_ID + 2] = { 0 };
	memset(long_id, '7', FORMS_MAX_ID + 1);
	d.id = long_id;
	refuse(forms_unit_pdf_mem(&d, units, 1, &buf, &len), "id is longer than 64 bytes");
	d.id = "";
	refuse(forms_unit_pdf_mem(&d, units, 1, &buf, &len), "needs an id");
	refuse(forms_unit_pdf_mem(&doc, units, 0, &buf, &len), "needs 1 to 1000 entries");
	refuse(forms_unit_pdf_mem(&doc, NULL, 1, &buf, &len), "got 0");
	assert_null(buf);
	/* a failed render leaves no file behind */
	char *path = path_join(dir, "bad.pdf");
	refuse(forms_unit_pdf(path, &d, units, 1), "needs an id");
	assert_false(path_exists(path));
	free(path);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/finca-forms-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[96];
	(void)state;

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(person),
		cmocka_unit_test(unit),
		cmocka_unit_test(pinreset),
		cmocka_unit_test(blank),
		cmocka_unit_test(invalid),
		cmocka_unit_test(steady),
	};
	int rc;

	/* GLib < 2.76 hands pango's small objects out of its own slabs, where
	 * LeakSanitizer cannot see them leak.  GLib reads G_SLICE while the
	 * program loads, so start again with it set. */
	(void)argc;
	if (!getenv("G_SLICE")) {
		setenv("G_SLICE", "always-malloc", 1);
		execv("/proc/self/exe", argv);
		fprintf(stderr, "re-executing with G_SLICE set: %s\n", strerror(errno));
		return 1;
	}
	rc = cmocka_run_group_tests(tests, setup, teardown);

	/* Drop pango's and cairo's font caches, which live until exit, so
	 * that LeakSanitizer reports only what forms.c itself leaks. */
	pango_cairo_font_map_set_default(NULL);
	cairo_debug_reset_static_data();
	return rc;
}
