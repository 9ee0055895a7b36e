/* finca demo seed: a living demo of the Fujian node — nodes, approving
 * departments, application systems, applying units, persons, and one
 * account per role with its TLS client certificate.  Everything goes
 * through org_add, org_edit and account_add, so each object is checked
 * (division codes, GB 32100 and GB 11643 check characters, references) and
 * audited exactly as if an administrator had entered it.
 *
 * The whole seed is one store transaction (the calls below nest as
 * savepoints): a failure leaves the data directory as it was.  Key and
 * certificate files are written only after the commit, so no certificate
 * leaves that the store does not know (the rule ca_issue follows). */
#include "cli/cli.h"
#include "auth/auth.h"
#include "ca/ident.h"
#include "crypto/key.h"
#include "crypto/pem.h"
#include "ra/ra.h"
#include "util/err.h"
#include "util/util.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Administrative division codes (GB/T 2260).  闽侯县 has no making unit of
 * its own: Fuzhou serves it (代管, art. 6).  The making units (证书制作管理
 * 单位, art. 4): the province's information centre, a unit each city's
 * bureau designates. */
static const struct {
	const char *code, *name, *level, *parent, *served_by, *email, *making_unit;
} nodes[] = {
	{ "350000", "福建省", "province", NULL, NULL, "xxzx@example.cn", "福建省财政信息中心" },
	{ "350100", "福州市", "city", "350000", NULL, "fz-xxzx@example.cn",
	  "福州市财政局信息中心" },
	{ "350200", "厦门市", "city", "350000", NULL, "xm-xxzx@example.cn",
	  "厦门市财政局信息中心" },
	{ "350121", "闽侯县", "county", "350100", "350100", NULL, NULL },
	{ "350203", "思明区", "county", "350200", NULL, NULL, "厦门市思明区财政局信息中心" },
};

static const struct {
	const char *code, *name, *node;
} depts[] = {
	{ "yusuan", "预算处", "350000" },
	{ "guoku", "国库处", "350000" },
	{ "fz-yusuan", "福州市财政局预算科", "350100" },
};

static const struct {
	const char *code, *name, *dept;
} apps[] = {
	{ "ysgl", "预算管理一体化系统", "yusuan" },
	{ "gkzf", "国库集中支付系统", "guoku" },
	{ "fz-ysz", "福州市预算执行系统", "fz-yusuan" },
};

/* Applying units.  reg: the first two characters of the GB 32100 code,
 * registration authority and category (1 机构编制: 1 机关, 2 事业单位);
 * org: the 8-character body of the GB 11714 organisation code.  The codes
 * are completed by uscc_make. */
static const struct {
	const char *name, *node, *type, *reg, *org, *phone, *email;
} units[] = {
	{ "福建省财政厅办公室", "350000", "行政机关", "11", "00350017", "0591-87095001",
	  "czt-bgs@example.cn" },
	{ "福州市财政局", "350100", "行政机关", "11", "00358823", "0591-83356002",
	  "fzcz@example.cn" },
	{ "闽侯县财政局", "350121", "行政机关", "11", "00371054", "0591-22981003",
	  "mhcz@example.cn" },
	{ "闽侯县第一中学", "350121", "事业单位", "12", "48806392", "0591-22982004",
	  "mhyz@example.cn" },
	{ "厦门市思明区财政局", "350203", "行政机关", "11", "00420765", "0592-20395005",
	  "smcz@example.cn" },
};
#define U_FZCZ 1      /* 福州市财政局 */
#define U_MHCZ 2      /* 闽侯县财政局 */

/* Persons, four per unit.  The resident ID number is made by rid_make from
 * the unit's node, the birth date and the sex (GB 11643: the 17th digit is
 * odd for men, even for women). */
static const struct {
	int unit;
	const char *name, *pinyin, *birth;
	int female;
} persons[] = {
	{ 0, "林志强", "lin.zhiqiang", "19780314", 0 },
	{ 0, "陈秀英", "chen.xiuying", "19831102", 1 },
	{ 0, "黄建华", "huang.jianhua", "19900625", 0 },
	{ 0, "郑丽娟", "zheng.lijuan", "19860908", 1 },
	{ 1, "张伟", "zhang.wei", "19810119", 0 },
	{ 1, "王芳", "wang.fang", "19880430", 1 },
	{ 1, "吴国平", "wu.guoping", "19751207", 0 },
	{ 1, "刘晓燕", "liu.xiaoyan", "19920716", 1 },
	{ 2, "李明辉", "li.minghui", "19840521", 0 },
	{ 2, "许美玲", "xu.meiling", "19891011", 1 },
	{ 2, "何文斌", "he.wenbin", "19790228", 0 },
	{ 2, "杨雪梅", "yang.xuemei", "19930803", 1 },
	{ 3, "蔡少峰", "cai.shaofeng", "19800709", 0 },
	{ 3, "谢婷婷", "xie.tingting", "19910327", 1 },
	{ 3, "周海涛", "zhou.haitao", "19871215", 0 },
	{ 3, "叶春兰", "ye.chunlan", "19760504", 1 },
	{ 4, "庄俊杰", "zhuang.junjie", "19850919", 0 },
	{ 4, "苏雅琴", "su.yaqin", "19900123", 1 },
	{ 4, "洪志明", "hong.zhiming", "19821130", 0 },
	{ 4, "曾慧敏", "zeng.huimin", "19940612", 1 },
};

/* One account per role (admin comes from 'finca init').  unit >= 0: an
 * information officer, scoped to that unit's code, and named as the unit's
 * officer. */
static const struct {
	const char *name, *role, *scope;
	int unit;
	const char *person;  /* 姓名 */
} accounts[] = {
	{ "op-province", "operator", "350000", -1, "郭立新" },
	{ "op-fuzhou", "operator", "350100", -1, "陈宏" },
	{ "ap-yusuan", "approver", "yusuan", -1, "林静" },
	{ "ap-guoku", "approver", "guoku", -1, "黄振宇" },
	{ "io-minhou", "officer", NULL, U_MHCZ, "王丽萍" },
	{ "io-fzcz", "officer", NULL, U_FZCZ, "吴建新" },
	{ "auditor", "auditor", NULL, -1, "赵敏" },
};
#define N_ACCOUNTS ARRAY_LEN(accounts)

/* What the seed made and the files still to write. */
struct seed {
	char uscc[ARRAY_LEN(units)][19];
	X509 *cert[N_ACCOUNTS];     /* owned */
	EVP_PKEY *key[N_ACCOUNTS];  /* owned */
	char pw[N_ACCOUNTS][32];    /* "" for roles without a password */
};

static void seed_clear(struct seed *s)
{
	for (size_t i = 0; i < N_ACCOUNTS; i++) {
		X509_free(s->cert[i]);
		EVP_PKEY_free(s->key[i]);
	}
	OPENSSL_cleanse(s->pw, sizeof s->pw);
	memset(s, 0, sizeof *s);
}

/* The GB 32100 code of unit u into out: reg (2) + division code (6) +
 * GB 11714 organisation code (8 + its check character), then the check
 * character over those 17. */
static void uscc_make(size_t u, char out[19])
{
	/* GB 11714: digits count as themselves, letters A..Z as 10..35 */
	static const int w11714[8] = { 3, 7, 9, 10, 5, 8, 4, 2 };
	const char *org = units[u].org;
	int sum = 0, c9;

	for (int i = 0; i < 8; i++)
		sum += (org[i] <= '9' ? org[i] - '0' : org[i] - 'A' + 10) * w11714[i];
	c9 = 11 - sum % 11;
	snprintf(out, 19, "%s%s%s%c", units[u].reg, units[u].node, org,
		 c9 == 10 ? 'X' : c9 == 11 ? '0' : (char)('0' + c9));
	out[17] = ident_uscc_char(out);
	out[18] = '\0';
}

/* The GB 11643 resident ID number of person p (the p-th of the table) into
 * out: the unit's division code, the birth date, a sequence code whose
 * last digit gives the sex, then the check character. */
static void rid_make(size_t p, char out[19])
{
	snprintf(out, 19, "%s%s%03d", units[persons[p].unit].node, persons[p].birth,
		 (int)(100 + 2 * p + !persons[p].female));
	out[17] = ident_resident_id_char(out);
	out[18] = '\0';
}

static int add(struct ca *ca, const struct actor *a, int kind, json_t *o)
{
	json_t *out = NULL;
	int rc = org_add(ca, a, kind, o, &out);

	json_decref(out);
	json_decref(o);
	return rc;
}

static int seed_org(struct ca *ca, const struct actor *a, struct seed *s)
{
	int rc;

	for (size_t i = 0; i < ARRAY_LEN(nodes); i++)
		if ((rc = add(ca, a, ORG_NODE,
			      json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:s?, s:s?}", "code", nodes[i].code,
					"name", nodes[i].name, "level", nodes[i].level,
					"parent", nodes[i].parent, "served_by", nodes[i].served_by,
					"email", nodes[i].email,
					"making_unit", nodes[i].making_unit))))
			return err_wrap(rc, "node %s", nodes[i].code);
	for (size_t i = 0; i < ARRAY_LEN(depts); i++)
		if ((rc = add(ca, a, ORG_DEPT,
			      json_pack("{s:s, s:s, s:s}", "code", depts[i].code,
					"name", depts[i].name, "node", depts[i].node))))
			return err_wrap(rc, "dept %s", depts[i].code);
	for (size_t i = 0; i < ARRAY_LEN(apps); i++)
		if ((rc = add(ca, a, ORG_APP,
			      json_pack("{s:s, s:s, s:s}", "code", apps[i].code,
					"name", apps[i].name, "dept", apps[i].dept))))
			return err_wrap(rc, "app %s", apps[i].code);
	for (size_t i = 0; i < ARRAY_LEN(units); i++) {
		uscc_make(i, s->uscc[i]);
		if ((rc = add(ca, a, ORG_UNIT,
			      json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "code", s->uscc[i],
					"name", units[i].name, "type", units[i].type,
					"node", units[i].node, "phone", units[i].phone,
					"email", units[i].email))))
			return err_wrap(rc, "unit %s", units[i].name);
	}
	for (size_t i = 0; i < ARRAY_LEN(persons); i++) {
		/* mobile numbers: 13x, the city's area code, a sequence */
		const char *area = !strncmp(units[persons[i].unit].node, "3502", 4) ? "0592" : "0591";
		char id[19], phone[16], mail[64];

		rid_make(i, id);
		snprintf(phone, sizeof phone, "13%c%s%04zu", "8957"[i % 4], area, i + 1);
		snprintf(mail, sizeof mail, "%s@example.cn", persons[i].pinyin);
		if ((rc = add(ca, a, ORG_PERSON,
			      json_pack("{s:s, s:s, s:s, s:s, s:s}", "id_number", id,
					"name", persons[i].name, "unit", s->uscc[persons[i].unit],
					"phone", phone, "email", mail))))
			return err_wrap(rc, "person %s", persons[i].name);
	}
	return FINCA_OK;
}

/* Account i: a P-256 TLS client certificate from the service CA (as
 * account_bootstrap_admin makes the administrator's), the account bound
 * to it, and for an information officer its unit's officer field. */
static int seed_account(struct ca *ca, const struct actor *a, struct seed *s, size_t i)
{
	const char *role = accounts[i].role;
	const char *scope = accounts[i].unit >= 0 ? s->uscc[accounts[i].unit] : accounts[i].scope;
	struct issue_req rq;
	char subject[96];
	json_t *ch = NULL, *out = NULL;
	int rc;

	memset(&rq, 0, sizeof rq);
	snprintf(subject, sizeof subject, "CN=%s", accounts[i].name);
	rq.profile = "tls-client";
	rq.subject = subject;
	rq.action = "account.cert";
	if ((rc = key_generate(KEY_P256, &s->key[i])) != FINCA_OK)
		return rc;
	rq.pubkey = s->key[i];
	if ((rc = ca_issue_one(ca, a, &rq, &s->cert[i])) != FINCA_OK)
		return err_wrap(rc, "account %s: certificate", accounts[i].name);
	/* art. 11: the roles that log in with certificate and password */
	if (role_needs_password(role))
		snprintf(s->pw[i], sizeof s->pw[i], "Demo-%s-2026", role);
	/* account_add's messages name the account */
	if ((rc = account_add(ca, a, accounts[i].name, accounts[i].person, role, scope, s->cert[i],
			      s->pw[i][0] ? s->pw[i] : NULL, NULL)) != FINCA_OK)
		return rc;
	if (accounts[i].unit < 0)
		return FINCA_OK;
	ch = json_pack("{s:s}", "officer", accounts[i].name);
	rc = org_edit(ca, a, ORG_UNIT, scope, ch, &out);
	json_decref(ch);
	json_decref(out);
	return rc ? err_wrap(rc, "unit %s: officer", units[accounts[i].unit].name) : FINCA_OK;
}

/* DIR/demo/NAME.crt, NAME.key (unencrypted: a demo, mode 0600) and the
 * service CA that verifies them, service-ca.crt. */
static int write_files(struct ca *ca, const struct seed *s, const char *demo)
{
	char name[96], *p = NULL, *pem = NULL;
	int rc;

	if ((rc = dir_make(demo, 0700)) != FINCA_OK)
		return rc;
	p = path_join(demo, "service-ca.crt");
	rc = pem_x509_write(p, ca_issuer_cert(ca, "service"));
	free(p);
	for (size_t i = 0; i < N_ACCOUNTS && rc == FINCA_OK; i++) {
		snprintf(name, sizeof name, "%s.crt", accounts[i].name);
		p = path_join(demo, name);
		rc = pem_x509_write(p, s->cert[i]);
		free(p);
		if (rc != FINCA_OK)
			break;
		snprintf(name, sizeof name, "%s.key", accounts[i].name);
		p = path_join(demo, name);
		if ((pem = pem_key(s->key[i])) == NULL)
			rc = err_set(FINCA_ECRYPTO, "%s: cannot encode the key", p);
		else
			rc = file_write(p, pem, strlen(pem), 0600);
		if (pem) {
			OPENSSL_cleanse(pem, strlen(pem));
			free(pem);
		}
		free(p);
	}
	return rc;
}

static void print_table(const struct seed *s, const char *demo)
{
	printf("demo data: %zu nodes, %zu departments, %zu application systems, %zu units, "
	       "%zu persons, %zu accounts\n\n", ARRAY_LEN(nodes), ARRAY_LEN(depts),
	       ARRAY_LEN(apps), ARRAY_LEN(units), ARRAY_LEN(persons), N_ACCOUNTS);
	printf("%-12s %-9s %-18s %-20s %s\n", "account", "role", "scope", "password",
	       "certificate (key: .key)");
	for (size_t i = 0; i < N_ACCOUNTS; i++) {
		const char *scope = accounts[i].unit >= 0 ? s->uscc[accounts[i].unit] :
				    accounts[i].scope ? accounts[i].scope : "-";
		printf("%-12s %-9s %-18s %-20s %s/%s.crt\n", accounts[i].name, accounts[i].role,
		       scope, s->pw[i][0] ? s->pw[i] : "-", demo, accounts[i].name);
	}
	printf("\nkeys are unencrypted (a demo); the CA that verifies the certificates: "
	       "%s/service-ca.crt\n", demo);
}

static const struct actor sys = { "demo-seed", "system", "" };

/* The organisations and the accounts, all or nothing (ca_atomic). */
static int seed_all(struct ca *ca, void *arg)
{
	struct seed *s = arg;
	int rc = seed_org(ca, &sys, s);

	for (size_t i = 0; i < N_ACCOUNTS && rc == FINCA_OK; i++)
		rc = seed_account(ca, &sys, s, i);
	return rc;
}

int cmd_demo(struct cli *c, int argc, char **argv)
{
	struct ca *ca = NULL;
	struct seed s;
	json_t *present = NULL;
	char *demo = NULL;
	int rc;

	memset(&s, 0, sizeof s);
	if (argc != 2 || strcmp(argv[1], "seed"))
		return cli_usage("demo seed");
	if ((rc = cli_open(c, 1, &ca)))
		return rc;
	if (org_show(ca, &sys, ORG_NODE, nodes[0].code, &present) == FINCA_OK) {
		printf("demo data present\n");
		goto out;
	}
	if ((rc = ca_atomic(ca, seed_all, &s)) != FINCA_OK) {
		rc = cli_fail(err_wrap(rc, "demo seed (nothing was kept)"));
		goto out;
	}
	demo = path_join(c->dir, "demo");
	if ((rc = write_files(ca, &s, demo)) != FINCA_OK) {
		rc = cli_fail(err_wrap(rc, "demo seed: the data is in, but the files are not"));
		goto out;
	}
	print_table(&s, demo);
out:
	json_decref(present);
	free(demo);
	seed_clear(&s);
	ca_free(ca);
	return rc;
}
