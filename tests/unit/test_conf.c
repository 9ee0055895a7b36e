/* finca.conf's sections, each parsed by its own module through the
 * registry of ca/config.c: good and bad lines of every section, the error
 * naming the file, the line (or none, for rules checked after the file),
 * the section and the key; the getters' values; the defaults; and the
 * default file 'finca init' writes, which must load as written. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/auth.h"
#include "ca/config.h"
#include "http/conf.h"
#include "notify/notify.h"
#include "ra/ra.h"
#include "token/token.h"
#include "util/err.h"
#include "util/util.h"

/* Every test file starts with these three lines; a row's text is line 4
 * on. */
#define HEAD "[ca]\nname = T\nbase_url = http://x\n"

static char dir[] = "/tmp/test_conf.XXXXXX";
static char path[64];

static void write_conf(const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Loads HEAD + body; the caller frees. */
static int load(const char *body, struct config **out)
{
	char *text;

	if (asprintf(&text, "%s%s", HEAD, body) < 0)
		abort();
	write_conf(text);
	free(text);
	*out = NULL;
	return config_load(path, out);
}

/* Bad lines: the whole message, %s standing for the file's path. */
static const struct {
	const char *body;
	const char *err;
} bad[] = {
	/* [ca] and [identity] stay ca/'s */
	{ "workers = 999\n", "%s:4: [ca] workers: '999' is not a number from 0 to 256" },
	{ "colour = red\n", "%s:4: [ca]: unknown setting 'colour'" },
	{ "[identity]\nresident_id_oid = x\n",
	  "%s:5: [identity] resident_id_oid: 'x' is not an OID" },
	{ "[bogus]\nx = 1\n", "%s:5: unknown section [bogus]" },
	/* [server]: http/conf.c */
	{ "[server]\nlisten = 8080\n", "%s:5: [server] listen: '8080' is not ADDRESS:PORT" },
	{ "[server]\ntls_listen = x\n", "%s:5: [server] tls_listen: 'x' is not ADDRESS:PORT" },
	{ "[server]\nthreads = 300\n",
	  "%s:5: [server] threads: '300' is not a number from 0 to 256" },
	{ "[server]\nbody_max = 10\n",
	  "%s:5: [server] body_max: '10' is not a number from 1024 to 67108864" },
	{ "[server]\nidle_timeout = x\n",
	  "%s:5: [server] idle_timeout: 'x' is not a number from 1 to 3600" },
	{ "[server]\nper_ip_connections = -1\n",
	  "%s:5: [server] per_ip_connections: '-1' is not a number from 0 to 1000000" },
	{ "[server]\ntls_priority =\n",
	  "%s:5: [server] tls_priority: empty (omit it for the default)" },
	{ "[server]\nlog = file\n", "%s:5: [server] log: 'file' is not stderr, syslog or none" },
	{ "[server]\nthreads = 2\nport = 1\n", "%s:6: [server]: unknown setting 'port'" },
	/* [console]: http/conf.c */
	{ "[console]\nagent = http://10.0.0.1:8765\n",
	  "%s:5: [console] agent: 'http://10.0.0.1:8765' is not http(s)://HOST:PORT with HOST "
	  "127.0.0.1, localhost or [::1] (the signing agent listens on loopback only)" },
	{ "[console]\nagent = http://127.0.0.1:0\n",
	  "%s:5: [console] agent: 'http://127.0.0.1:0' is not http(s)://HOST:PORT with HOST "
	  "127.0.0.1, localhost or [::1] (the signing agent listens on loopback only)" },
	{ "[console]\nagent = http://localhost:80/x\n",
	  "%s:5: [console] agent: 'http://localhost:80/x' is not http(s)://HOST:PORT with HOST "
	  "127.0.0.1, localhost or [::1] (the signing agent listens on loopback only)" },
	{ "[console]\nport = 1\n", "%s:5: [console]: unknown setting 'port'" },
	/* [auth]: auth/conf.c */
	{ "[auth]\nfailures = 0\n", "%s:5: [auth] failures: '0' is not a number from 1 to 1000" },
	{ "[auth]\nsession_ttl = 4\n",
	  "%s:5: [auth] session_ttl: '4' is not a number from 5 to 604800" },
	{ "[auth]\nchallenges_per_app = 131073\n",
	  "%s:5: [auth] challenges_per_app: '131073' is not a number from 1 to 131072" },
	{ "[auth]\nlockout = 1\n", "%s:5: [auth]: unknown setting 'lockout'" },
	/* [token]: token/conf.c */
	{ "[token]\nalgorithm = dsa\n",
	  "%s:5: [token] algorithm: 'dsa' is not sm2, p256, rsa2048 or rsa3072" },
	{ "[token]\nsm2_sign_mechanism = 0xZZ\n",
	  "%s:5: [token] sm2_sign_mechanism: '0xZZ' is not a number (0x8000xxxx)" },
	{ "[token]\nsm2_keygen_mechanism =\n",
	  "%s:5: [token] sm2_keygen_mechanism: '' is not a number (0x8000xxxx)" },
	{ "[token]\npin = 1\n", "%s:5: [token]: unknown setting 'pin'" },
	/* [notify]: notify/conf.c */
	{ "[notify]\nthresholds = 0\n",
	  "%s:5: [notify] thresholds: '0' is not a number of days from 1 to 365" },
	{ "[notify]\nthresholds = 7, 7\n", "%s:5: [notify] thresholds: 7 is given twice" },
	{ "[notify]\nthresholds = 1,2,3,4,5,6,7,8,9\n",
	  "%s:5: [notify] thresholds: more than 8 thresholds" },
	{ "[notify]\nsmtp_url = http://m\n",
	  "%s:5: [notify] smtp_url: 'http://m' is not an smtp:// or smtps:// URL" },
	{ "[notify]\nsmtp_from = a b@c\n",
	  "%s:5: [notify] smtp_from: 'a b@c' is not a mail address (name@host)" },
	{ "[notify]\ninterval = 86401\n", "%s:5: [notify] interval: '86401' is not 0..86400 seconds" },
	{ "[notify]\ncolour = red\n", "%s:5: [notify]: unknown setting 'colour'" },
	/* [ra]: ra/conf.c */
	{ "[ra]\npaperless = maybe\n", "%s:5: [ra] paperless: 'maybe' is not true or false" },
	{ "[ra]\npaper = 1\n", "%s:5: [ra]: unknown setting 'paper'" },
	/* a rule across keys, checked after the file: no line */
	{ "[notify]\nsmtp_url = smtp://m\n", "%s: [notify] smtp_url needs smtp_from" },
};

static void bad_lines(void **state)
{
	char want[1024];
	struct config *c;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(load(bad[i].body, &c), FINCA_ECONFIG);
		assert_null(c);
		snprintf(want, sizeof want, bad[i].err, path);
		if (strcmp(err_msg(), want))
			fail_msg("%s\nwant: %s\ngot:  %s", bad[i].body, want, err_msg());
	}
}

/* Nothing but [ca]: every section's defaults. */
static void defaults(void **state)
{
	struct config *c;
	const struct server_conf *s;
	const struct auth_conf *a;
	const struct notify_conf *n;

	(void)state;
	assert_int_equal(load("", &c), FINCA_OK);
	s = server_conf(c);
	assert_non_null(s);
	assert_string_equal(s->listen, "127.0.0.1:8080");
	assert_null(s->tls_listen);
	assert_int_equal(s->threads, 0);
	assert_int_equal(s->body_max, 24 << 20);
	assert_int_equal(s->idle_timeout, 10);
	assert_int_equal(s->request_timeout, 20);
	assert_int_equal(s->body_min_rate, 8192);
	assert_int_equal(s->max_connections, 2000);
	assert_int_equal(s->per_ip_connections, 128);
	assert_string_equal(s->tls_priority, SERVER_TLS_PRIORITY);
	assert_string_equal(s->log, "stderr");
	assert_string_equal(console_conf(c)->agent, "http://127.0.0.1:8765");
	a = auth_conf(c);
	assert_int_equal(a->session_ttl, 8 * 3600);
	assert_int_equal(a->session_idle, 30 * 60);
	assert_int_equal(a->failures, 5);
	assert_int_equal(a->lock, 1);
	assert_int_equal(a->account_lock_max, 300);
	assert_int_equal(a->address_lock_max, 900);
	assert_int_equal(a->window, 900);
	assert_int_equal(a->challenges_per_address, 64);
	assert_int_equal(a->challenges_per_app, 32768);
	assert_null(token_conf(c)->module);
	assert_null(token_conf(c)->algorithm);
	assert_int_equal(token_conf(c)->sm2_keygen, 0);
	assert_int_equal(token_conf(c)->sm2_sign, 0);
	n = notify_conf(c);
	assert_int_equal(n->nthresholds, 3);
	assert_int_equal(n->thresholds[0], 30);
	assert_int_equal(n->thresholds[1], 15);
	assert_int_equal(n->thresholds[2], 7);
	assert_null(n->smtp_url);
	assert_null(n->smtp_from);
	assert_int_equal(n->interval, 300);
	assert_int_equal(ra_conf(c)->paperless, 0); /* art. 19: paper by default */
	config_free(c);
}

/* Good lines of every section, read back through the getters; a later
 * line of a key wins, a section may come twice. */
static void good_lines(void **state)
{
	struct config *c;
	const struct server_conf *s;
	const struct auth_conf *a;
	const struct token_conf *t;
	const struct notify_conf *n;

	(void)state;
	assert_int_equal(load("[server]\nlisten = 0.0.0.0:80\ntls_listen =\nthreads = 4\n"
			      "log = none\ntls_priority = NORMAL\nbody_max = 1024\n"
			      "[console]\nagent = https://localhost:9000/\n"
			      "[auth]\nfailures = 3\nsession_idle = 60\nchallenges_per_app = 131072\n"
			      "[token]\nmodule = /x.so\nalgorithm = sm2\n"
			      "sm2_keygen_mechanism = 0x80000001\nsm2_sign_mechanism = 12\n"
			      "[notify]\nthresholds = 1, 60 ,10\nsmtp_url = smtps://m:465\n"
			      "smtp_from = ca@example.org\ninterval = 0\n"
			      "[ra]\npaperless = true\n"
			      "[server]\nthreads = 8\n", &c), FINCA_OK);
	assert_int_equal(ra_conf(c)->paperless, 1);
	s = server_conf(c);
	assert_string_equal(s->listen, "0.0.0.0:80");
	assert_null(s->tls_listen);
	assert_int_equal(s->threads, 8);
	assert_string_equal(s->log, "none");
	assert_string_equal(s->tls_priority, "NORMAL");
	assert_int_equal(s->body_max, 1024);
	assert_int_equal(s->idle_timeout, 10); /* not set: the default */
	assert_string_equal(console_conf(c)->agent, "https://localhost:9000");
	a = auth_conf(c);
	assert_int_equal(a->failures, 3);
	assert_int_equal(a->session_idle, 60);
	assert_int_equal(a->challenges_per_app, 131072);
	assert_int_equal(a->session_ttl, 8 * 3600);
	t = token_conf(c);
	assert_string_equal(t->module, "/x.so");
	assert_string_equal(t->algorithm, "sm2");
	assert_int_equal(t->sm2_keygen, 0x80000001UL);
	assert_int_equal(t->sm2_sign, 12);
	n = notify_conf(c);
	assert_int_equal(n->nthresholds, 3);
	assert_int_equal(n->thresholds[0], 60);
	assert_int_equal(n->thresholds[1], 10);
	assert_int_equal(n->thresholds[2], 1);
	assert_string_equal(n->smtp_url, "smtps://m:465");
	assert_string_equal(n->smtp_from, "ca@example.org");
	assert_int_equal(n->interval, 0);
	config_free(c);
	/* empty thresholds: no reminders */
	assert_int_equal(load("[notify]\nthresholds =\n", &c), FINCA_OK);
	assert_int_equal(notify_conf(c)->nthresholds, 0);
	config_free(c);
}

/* What 'finca init' writes: each section's text in its place, and the
 * file loads as written. */
static void default_file(void **state)
{
	static const char *const order[] = {
		"\n[ca]\n", "\n[server]\n", "\n[console]\n", "\n[token]\n", "\n[notify]\n",
		"\n[ra]\n", "\n[auth]\n", "\n[identity]\n", "\n[profile personal]\n", "\n[profile subca]\n",
	};
	char *text = config_default_text("Test CA", "http://ca.example", NULL, NULL);
	const char *at = text;
	struct config *c;

	(void)state;
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
		const char *p = strstr(text, order[i]);
		if (!p || p < at)
			fail_msg("%s: missing or out of place", order[i] + 1);
		at = p;
	}
	assert_non_null(strstr(text, "name = Test CA\n"));
	assert_non_null(strstr(text, "key_store = file\n"));
	write_conf(text);
	free(text);
	assert_int_equal(config_load(path, &c), FINCA_OK);
	assert_string_equal(server_conf(c)->tls_listen, "127.0.0.1:8443");
	assert_string_equal(server_conf(c)->tls_priority, SERVER_TLS_PRIORITY);
	assert_string_equal(token_conf(c)->algorithm, "p256");
	assert_null(token_conf(c)->module);
	assert_int_equal(notify_conf(c)->nthresholds, 3);
	assert_int_equal(auth_conf(c)->session_idle, 1800);
	assert_int_equal(ra_conf(c)->paperless, 0);
	assert_non_null(config_profile(c, "tls-server"));
	config_free(c);
	/* with an HSM */
	text = config_default_text("T", "http://x", "/m.so", "tok");
	assert_non_null(strstr(text, "key_store = pkcs11\npkcs11_module = /m.so\n"
			       "pkcs11_token = tok\n"));
	write_conf(text);
	free(text);
	assert_int_equal(config_load(path, &c), FINCA_OK);
	assert_string_equal(c->key_store, "pkcs11");
	config_free(c);
}

static void mail_addr(void **state)
{
	(void)state;
	assert_true(notify_mail_addr_ok("ca@example.org"));
	assert_false(notify_mail_addr_ok("a b@c"));
	assert_false(notify_mail_addr_ok("<a@b>"));
	assert_false(notify_mail_addr_ok("a@b@c"));
	assert_false(notify_mail_addr_ok("@b"));
	assert_false(notify_mail_addr_ok("a@"));
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof path, "%s/finca.conf", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	rmdir(dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bad_lines),
		cmocka_unit_test(defaults),
		cmocka_unit_test(good_lines),
		cmocka_unit_test(default_file),
		cmocka_unit_test(mail_addr),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
