/* The audit trail read by people (src/audit/actions.c): records and the
 * names and summaries they get in Chinese and English; unknown actions and
 * missing details; and the dictionaries agreeing with the console's
 * web/strings.js (run from the top of the tree, as tests/run.sh does). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "store/store.h"

struct row {
	const char *action, *object, *details;
	const char *name_zh, *name_en, *zh, *en;
};

static const struct row rows[] = {
	{ "cert.freeze", "cert:0A1B", "{\"from\":\"valid\",\"subject\":\"CN=张三\"}",
	  "证书冻结", "Certificate frozen",
	  "证书 0A1B（原状态：有效），主题 CN=张三",
	  "Certificate 0A1B (was Valid), subject CN=张三" },
	{ "cert.revoke", "cert:0A1B",
	  "{\"from\":\"frozen\",\"reason\":\"keyCompromise\",\"subject\":\"CN=x\"}",
	  "证书注销", "Certificate revoked",
	  "证书 0A1B，原因：密钥泄露（keyCompromise）（原状态：冻结），主题 CN=x",
	  "Certificate 0A1B, reason: keyCompromise (was Frozen), subject CN=x" },
	/* a superseded certificate: no from, no subject */
	{ "cert.revoke", "cert:01", "{\"reason\":\"superseded\",\"superseded_by\":\"02\"}",
	  "证书注销", "Certificate revoked",
	  "证书 01，原因：已被取代（superseded），由 02 取代",
	  "Certificate 01, reason: superseded, superseded by 02" },
	{ "request.move", "request:12",
	  "{\"action\":\"approve\",\"from\":\"submitted\",\"to\":\"approved\"}",
	  "审批通过", "Request approved",
	  "申请 12：批准，待审批 → 已批准",
	  "Request 12: Approve, Submitted → Approved" },
	{ "request.move", "request:12",
	  "{\"action\":\"reject\",\"from\":\"submitted\",\"to\":\"rejected\",\"reason\":\"材料不全\"}",
	  "审批驳回", "Request rejected",
	  "申请 12：驳回，待审批 → 已驳回，理由：材料不全",
	  "Request 12: Reject, Submitted → Rejected, reason: 材料不全" },
	/* a move the table does not name: the family's name, the code as is */
	{ "request.move", "request:3", "{\"action\":\"teleport\"}",
	  "申请流转", "Request moved", "申请 3：teleport", "Request 3: teleport" },
	{ "request.create", "request:7",
	  "{\"type\":\"apply\",\"subject_kind\":\"person\",\"subject\":\"350102199001011234\","
	  "\"name\":\"李四\",\"unit\":\"U1\",\"app\":null,\"batch\":3}",
	  "申请创建", "Request created",
	  "申请 7，类型：申请，个人 李四（350102199001011234），单位 U1，批次 3",
	  "Request 7, type Apply, for Person 李四 (350102199001011234), unit U1, batch 3" },
	/* the API's UTC time in Beijing time */
	{ "cert.issue", "cert:0B", "{\"subject\":\"CN=a\",\"not_after\":\"2028-12-03T18:59:51Z\"}",
	  "证书签发", "Certificate issued",
	  "证书 0B，主题 CN=a，有效期至 2028-12-04 02:59:51",
	  "Certificate 0B, subject CN=a, valid until 2028-12-04 02:59:51" },
	{ "token.handover", "token:AB12", "{\"state\":\"issued\",\"note\":\"request handover\"}",
	  "USBKey交接", "USBKey handed over",
	  "USBKey AB12，状态 已发放，说明：按申请交接", "USBKey AB12, state Issued, note: request handover" },
	{ "token.state", "token:AB12",
	  "{\"from\":\"issued\",\"state\":\"suspended\",\"party\":\"王五\"}",
	  "USBKey状态变更", "USBKey state changed",
	  "USBKey AB12，状态 已发放 → 挂失（暂停），相关人员 王五",
	  "USBKey AB12, state Issued → Suspended, party 王五" },
	/* from missing: the arrow goes with it */
	{ "token.enroll", "token:AB12", "{\"state\":\"issued\",\"certificate\":\"0C\"}",
	  "USBKey制作", "USBKey enrolled",
	  "USBKey AB12，状态 已发放，证书 0C", "USBKey AB12, state Issued, certificate 0C" },
	{ "token.pin", "token:AB12", "{\"state\":\"issued\",\"note\":\"PIN reset to a new default PIN\"}",
	  "USBKey密码初始化", "USBKey PIN reset",
	  "USBKey AB12：PIN已重置为新的默认PIN", "USBKey AB12: PIN reset to a new default PIN" },
	{ "grant.give", "grant",
	  "{\"person\":\"P1\",\"app\":\"oa\",\"roles\":\"user\",\"not_after\":1800000000}",
	  "访问授权", "Access granted",
	  "授权 P1 访问 oa，角色 user，至 2027-01-15 16:00:00",
	  "Access for P1 to oa, roles user, until 2027-01-15 16:00:00" },
	{ "auth.denied", "account:bob",
	  "{\"right\":\"audit.read\",\"role\":\"officer\",\"why\":\"no right\"}",
	  "越权被拒绝", "Refused",
	  "账户 bob（信息员） 被拒绝，所需权限 audit.read：no right",
	  "Account bob (Information officer) refused, right audit.read: no right" },
	/* a refusal recorded with its reason (audit_set_error): the
	 * catalogue's Chinese, the English as made */
	{ "auth.denied", "account:aud1",
	  "{\"right\":\"token.write\",\"role\":\"auditor\",\"why\":\"token.write (auditor aud1): "
	  "your role may not do this\",\"why_reason\":\"api.forbidden\",\"why_params\":[\"token.write\","
	  "\"auditor\",\"aud1\"]}",
	  "越权被拒绝", "Refused",
	  "账户 aud1（审计员） 被拒绝，所需权限 token.write：您的角色无权进行此操作",
	  "Account aud1 (Auditor) refused, right token.write: token.write (auditor aud1): your role "
	  "may not do this" },
	{ "auth.login.denied", "account:io1",
	  "{\"method\":\"challenge\",\"result\":\"wrong password\",\"result_reason\":\"no.such.reason\"}",
	  "登录失败", "Login refused",
	  "账户 io1 登录失败：wrong password，方式 challenge",
	  "Account io1 not logged in: wrong password, by challenge" },
	{ "loss_report.refused", "cert:0A",
	  "{\"serial\":\"0A\",\"source\":\"10.0.0.9\",\"why\":\"wrong loss-report code\","
	  "\"why_reason\":\"loss.why_wrong_code\"}",
	  "挂失被拒绝", "Loss report refused",
	  "挂失被拒绝：挂失码不符，证书 0A，地址 10.0.0.9",
	  "Loss report refused: wrong loss-report code, certificate 0A, from 10.0.0.9" },
	{ "crl.issue", "crl:4", "{\"delta\":false,\"entries\":2,\"base\":0}",
	  "CRL签发", "CRL issued",
	  "完整CRL 第 4 号，2 个条目，基于第 0 号", "full CRL number 4, 2 entries, base 0" },
	{ "audit.export", "audit",
	  "{\"format\":\"csv\",\"rows\":5,\"filter\":{\"action\":\"cert.\"}}",
	  "审计日志导出", "Audit trail exported",
	  "导出审计日志（csv），5 条，操作 cert.", "Audit trail exported (csv), 5 records, action cert." },
	/* every detail missing: no dangling punctuation */
	{ "cert.freeze", "cert:0A1B", "{}", "证书冻结", "Certificate frozen",
	  "证书 0A1B", "Certificate 0A1B" },
	{ "grant.withdraw", "grant", NULL, "撤销授权", "Access withdrawn",
	  "撤销授权", "Access withdrawn" },
	{ "person.add", "person:350102199001011234", "{\"name\":\"\",\"id_number\":\"350102199001011234\"}",
	  "人员新增", "Person added",
	  "人员（身份证号 350102199001011234）", "Person (ID 350102199001011234)" },
	/* an action nobody named: its code, object and details */
	{ "thing.frob", "thing:9", "{\"a\":1,\"b\":\"x\",\"c\":[1,2]}",
	  "thing.frob", "thing.frob",
	  "thing.frob thing:9：a=1, b=x, c=1、2", "thing.frob thing:9: a=1, b=x, c=1, 2" },
	{ "thing.frob", "", "{}", "thing.frob", "thing.frob", "thing.frob", "thing.frob" },
};

static void summaries(void **state)
{
	char b[512];

	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		const struct row *w = &rows[i];
		struct audit_rec r = { .seq = (int64_t)i + 1, .actor = "admin",
				       .action = (char *)w->action, .object = (char *)w->object,
				       .details = (char *)w->details };

		assert_string_equal(audit_rec_name(&r, MSG_ZH), w->name_zh);
		assert_string_equal(audit_rec_name(&r, MSG_EN), w->name_en);
		assert_string_equal(audit_summary(&r, MSG_ZH, b, sizeof b), w->zh);
		assert_string_equal(audit_summary(&r, MSG_EN, b, sizeof b), w->en);
	}
}

static void names(void **state)
{
	const char *p = NULL, *n;

	(void)state;
	assert_string_equal(audit_action_name("cert.freeze", MSG_ZH), "证书冻结");
	assert_string_equal(audit_action_name("request.move", MSG_ZH), "申请流转");
	assert_string_equal(audit_action_name("no.such", MSG_ZH), "no.such");
	/* every listed action has a Chinese name of its own */
	for (size_t i = 0; audit_action_at(i); i++)
		assert_string_not_equal(audit_action_name(audit_action_at(i), MSG_ZH),
					audit_action_at(i));
	n = audit_family_at(2, MSG_ZH, &p);
	assert_string_equal(p, "cert.");
	assert_string_equal(n, "证书（全部）");
	assert_null(audit_family_at(1000, MSG_ZH, &p));
}

/* a cut never splits a character */
static void truncated(void **state)
{
	struct audit_rec r = { .action = "cert.freeze", .object = "cert:0A1B",
			       .details = "{\"subject\":\"CN=张三\"}" };
	char b[12];

	(void)state;
	audit_summary(&r, MSG_ZH, b, sizeof b);
	assert_string_equal(b, "证书 0A1B");
	audit_summary(&r, MSG_ZH, b, 9);
	assert_string_equal(b, "证书 0");
	audit_summary(&r, MSG_ZH, b, 5); /* 4 bytes: 证 and a third of 书 */
	assert_string_equal(b, "证");
}

/* web/strings.js: each table's 'dict.value': 'text' line, zh then en */
static void console_agrees(void **state)
{
	static const char *const dicts[] = { "state", "type", "action", "reason", "role",
					     "kind", "token", "cert", "level" };
	FILE *f = fopen("web/strings.js", "r");
	char line[2048];
	enum msg_lang lang = MSG_ZH;
	int seen = 0, tables = 0;

	(void)state;
	assert_non_null(f);
	while (fgets(line, sizeof line, f)) {
		char key[128], val[1024], *p = line, *q;
		size_t k = 0, v = 0;
		const char *mine;

		if (!strncmp(line, "export const zh", 15) || !strncmp(line, "export const en", 15)) {
			lang = line[13] == 'z' ? MSG_ZH : MSG_EN;
			tables++;
			continue;
		}
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p++ != '\'')
			continue;
		while (*p && *p != '\'' && k + 1 < sizeof key)
			key[k++] = *p++;
		key[k] = '\0';
		if (strncmp(p, "': '", 4))
			continue;
		for (p += 4; *p && *p != '\'' && v + 1 < sizeof val; p++) {
			if (*p == '\\' && p[1])
				p++;
			val[v++] = *p;
		}
		val[v] = '\0';
		if (!(q = strchr(key, '.')))
			continue;
		*q = '\0';
		for (size_t i = 0; i < sizeof dicts / sizeof dicts[0]; i++) {
			if (strcmp(key, dicts[i]) || !(mine = audit_value_name(key, q + 1, lang)))
				continue;
			if (strcmp(mine, val))
				fail_msg("%s.%s (%s): web/strings.js says \"%s\", "
					 "src/audit/actions.c \"%s\"", key, q + 1,
					 lang == MSG_ZH ? "zh" : "en", val, mine);
			seen++;
		}
	}
	fclose(f);
	assert_int_equal(tables, 2);
	/* the check did compare: both tables, every dictionary */
	assert_true(seen > 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(summaries),
		cmocka_unit_test(names),
		cmocka_unit_test(truncated),
		cmocka_unit_test(console_agrees),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
