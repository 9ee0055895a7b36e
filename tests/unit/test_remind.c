/* Expiry reminders over a real data directory: each threshold crossed once,
 * notices grouped per holder, unit and making node, and delivery with
 * backoff (a closed port) until given up, and to a loopback webhook. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fixture.h"
#include "notify/notify.h"
#include "ra/ra.h"
#include "util/err.h"
#include "util/util.h"

#define DAY 86400
#define T0 1900000000LL   /* 2030-03-17 */

/* The first column of the first row as an integer. */
static int64_t num(struct fx *f, const char *q)
{
	sqlite3_stmt *s;
	int64_t v = -1;

	assert_int_equal(sqlite3_prepare_v2(f->db, q, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* The first column of the first row as text (caller frees), or NULL. */
static char *text(struct fx *f, const char *q)
{
	sqlite3_stmt *s;
	char *v = NULL;

	assert_int_equal(sqlite3_prepare_v2(f->db, q, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
		v = xstrdup((const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	return v;
}

static int setup(void **state)
{
	/* nothing listens on port 9 (discard) of loopback here */
	struct fx *f = fx_new("remind",
		"[notify]\nsmtp_url = smtp://127.0.0.1:9\nsmtp_from = ca@example.org\n");

	/* a city node serving a county node; units under both */
	fx_sql(f, "INSERT INTO node(code,name,level,email,webhook,created_at) VALUES"
	    "('N1','福州市','city','n1@example.org','http://127.0.0.1:9/n1',0);"
	    "INSERT INTO node(code,name,level,parent,served_by,created_at) VALUES"
	    "('N2','闽侯县','county','N1','N1',0);"
	    "INSERT INTO unit(code,name,type,node,email,webhook,created_at) VALUES"
	    "('U1','甲单位','gov','N2','u1@example.org','http://127.0.0.1:9/u1',0),"
	    "('U2','乙单位','gov','N1','u2@example.org',NULL,0),"
	    "('U3','丙单位','gov','N1',NULL,NULL,0);"
	    "INSERT INTO person(id_number,name,unit,email,created_at) VALUES"
	    "('350102199003071234','张三','U1','zs@example.org',0),"
	    "('350102199003075678','李四','U1',NULL,0),"
	    "('350102199003079999','王五','U2','ww@example.org',0);");
	*state = f;
	return 0;
}

/* A certificate row: serial, id number or unit code, expiry, status. */
static void cert(struct fx *f, const char *serial, const char *id, const char *unit,
		 int64_t not_after, int status, const char *issuer)
{
	fx_sql(f, "INSERT INTO cert(serial,serial_bin,issuer,profile,subject,id_number,"
	    "unit_code,key_alg,not_before,not_after,issued_at,status,der) VALUES"
	    "('%s',x'01','%s','personal','CN=%s',%s%s%s,%s%s%s,'p256',0,%lld,0,%d,x'00')",
	    serial, issuer, serial, id ? "'" : "", id ? id : "NULL", id ? "'" : "",
	    unit ? "'" : "", unit ? unit : "NULL", unit ? "'" : "", (long long)not_after,
	    status);
}

static int scan(struct fx *f, int64_t now)
{
	int q = -1;

	if (ra_remind_scan(f->ca, "test", now, &q) != FINCA_OK)
		fail_msg("ra_remind_scan: %s", err_msg());
	return q;
}

static void once(void **state)
{
	struct fx *f = *state;
	char *b;

	cert(f, "0A", "350102199003071234", NULL, T0 + 20 * DAY, 0, "issuing");
	cert(f, "0B", "350102199003071234", NULL, T0 + 5 * DAY, 0, "issuing");
	/* neither: too far, revoked, expired, frozen, from the service CA */
	cert(f, "0C", "350102199003071234", NULL, T0 + 40 * DAY, 0, "issuing");
	cert(f, "0D", "350102199003071234", NULL, T0 + 5 * DAY, 2, "issuing");
	cert(f, "0E", "350102199003071234", NULL, T0 - DAY, 0, "issuing");
	cert(f, "0F", "350102199003071234", NULL, T0 + 5 * DAY, 1, "issuing");
	cert(f, "10", "350102199003071234", NULL, T0 + 5 * DAY, 0, "service");

	/* 0A crosses 30; 0B crosses 30, 15 and 7 at once: noticed at 7 only.
	 * Holder mail, unit mail and webhook, node webhook and mail, for each
	 * of the two thresholds: 2 * 5 */
	assert_int_equal(scan(f, T0), 10);
	assert_int_equal(num(f, "SELECT count(*) FROM reminder"), 4);
	assert_int_equal(num(f, "SELECT count(*) FROM reminder WHERE cert_serial='0B'"), 3);
	assert_int_equal(num(f, "SELECT count(*) FROM notice WHERE body LIKE '%\"days\":15%'"
			     " OR subject LIKE '% 15 天%'"), 0);
	b = text(f, "SELECT body FROM notice WHERE target='http://127.0.0.1:9/u1'"
		 " AND body LIKE '%\"days\":7%'");
	assert_non_null(b);
	assert_non_null(strstr(b, "\"event\":\"cert.expiring\""));
	assert_non_null(strstr(b, "\"serial\":\"0B\""));
	assert_non_null(strstr(b, "\"days_left\":5"));
	assert_non_null(strstr(b, "\"name\":\"张三\""));
	assert_non_null(strstr(b, "\"id_number\":\"350102199003071234\""));
	assert_non_null(strstr(b, "\"unit\":\"U1\""));
	assert_null(strstr(b, "\"0A\""));
	free(b);
	/* the mail: headers, encoded subject, base64 text */
	b = text(f, "SELECT body FROM notice WHERE channel='smtp' AND target='zs@example.org'"
		 " AND subject LIKE '% 7 天%'");
	assert_non_null(b);
	assert_non_null(strstr(b, "From: ca@example.org\r\nTo: zs@example.org\r\n"
			       "Subject: =?UTF-8?B?"));
	assert_non_null(strstr(b, "Content-Type: text/plain; charset=UTF-8\r\n"));
	assert_non_null(strstr(b, "Date: Sun, 17 Mar 2030 "));
	free(b);
	assert_int_equal(num(f, "SELECT count(*) FROM audit WHERE action='remind.scan'"), 1);

	/* again: nothing new, and no audit record for nothing */
	assert_int_equal(scan(f, T0), 0);
	assert_int_equal(scan(f, T0 + 3600), 0);
	assert_int_equal(num(f, "SELECT count(*) FROM audit WHERE action='remind.scan'"), 1);

	/* six days on, 0A is 14 days away: its 15-day notices */
	assert_int_equal(scan(f, T0 + 6 * DAY), 5);
	assert_int_equal(num(f, "SELECT count(*) FROM reminder WHERE cert_serial='0A'"), 2);
	assert_int_equal(scan(f, T0 + 6 * DAY), 0);
	/* 0A at 7, 0C at 30; 0B expired meanwhile: nothing more for it */
	assert_int_equal(scan(f, T0 + 13 * DAY), 10);
	assert_int_equal(num(f, "SELECT count(*) FROM reminder"), 7);
	assert_int_equal(num(f, "SELECT count(*) FROM audit WHERE action='remind.scan'"), 3);
	b = text(f, "SELECT details FROM audit WHERE action='remind.scan' ORDER BY seq DESC");
	assert_non_null(strstr(b, "\"queued\":10"));
	assert_non_null(strstr(b, "\"thresholds\":[30,15,7]"));
	free(b);
}

/* A threshold added to [notify] later: what was told sooner is not told
 * again at the new, larger one. */
static void added(void **state)
{
	struct fx *f = *state;
	/* the live settings, changed in place as a reload would change them */
	struct notify_conf *c = (struct notify_conf *)notify_conf(f->ca->cfg);

	cert(f, "0A", "350102199003071234", NULL, T0 + 5 * DAY, 0, "issuing");
	assert_int_equal(scan(f, T0), 5);
	cert(f, "0B", "350102199003079999", NULL, T0 + 45 * DAY, 0, "issuing");
	memmove(c->thresholds + 1, c->thresholds, 3 * sizeof c->thresholds[0]);
	c->thresholds[0] = 60;
	c->nthresholds = 4;
	/* 0B: holder, U2 mail, N1 mail and webhook; nothing for 0A */
	assert_int_equal(scan(f, T0), 4);
	assert_int_equal(num(f, "SELECT count(*) FROM reminder WHERE days=60"), 2);
	assert_int_equal(num(f, "SELECT count(*) FROM notice WHERE channel='webhook'"
			     " AND body LIKE '%\"days\":60%' AND body LIKE '%\"0B\"%'"), 1);
	assert_int_equal(num(f, "SELECT count(*) FROM notice WHERE channel='webhook'"
			     " AND body LIKE '%\"days\":60%' AND body LIKE '%\"0A\"%'"), 0);
}

static void grouping(void **state)
{
	struct fx *f = *state;
	char *b;

	/* two holders in U1 (under N2, served by N1), one in U2 (under N1),
	 * one unit certificate of U3 */
	cert(f, "01", "350102199003071234", NULL, T0 + 10 * DAY, 0, "issuing");
	cert(f, "02", "350102199003071234", NULL, T0 + 11 * DAY, 0, "issuing");
	cert(f, "03", "350102199003075678", NULL, T0 + 12 * DAY, 0, "issuing");
	cert(f, "04", "350102199003079999", NULL, T0 + 13 * DAY, 0, "issuing");
	cert(f, "05", NULL, "U3", T0 + 14 * DAY, 0, "issuing");
	/* holders: 张三 one mail for two certificates, 李四 none (no address),
	 * 王五 one; units: U1 mail + webhook, U2 mail, U3 nothing to send to;
	 * node N1 (making for U1 through N2, and for U2, U3): mail + webhook */
	assert_int_equal(scan(f, T0), 2 + 3 + 2);
	assert_int_equal(num(f, "SELECT count(*) FROM notice WHERE target='zs@example.org'"), 1);
	b = text(f, "SELECT body FROM notice WHERE target='http://127.0.0.1:9/u1'");
	assert_non_null(strstr(b, "\"01\""));
	assert_non_null(strstr(b, "\"02\""));
	assert_non_null(strstr(b, "\"03\""));
	assert_null(strstr(b, "\"04\""));
	assert_non_null(strstr(b, "\"recipient\":{\"kind\":\"unit\",\"code\":\"U1\""));
	free(b);
	b = text(f, "SELECT body FROM notice WHERE target='http://127.0.0.1:9/n1'");
	for (const char *s = "01\0" "02\0" "03\0" "04\0" "05\0"; *s; s += 3) {
		char want[16];
		snprintf(want, sizeof want, "\"%s\"", s);
		if (!strstr(b, want))
			fail_msg("node notice lacks %s: %s", s, b);
	}
	assert_non_null(strstr(b, "\"kind\":\"node\",\"code\":\"N1\""));
	free(b);
	assert_int_equal(num(f, "SELECT count(*) FROM notice WHERE target LIKE '%n2%'"), 0);
	assert_int_equal(num(f, "SELECT count(*) FROM notice WHERE target='n1@example.org'"), 1);
	assert_int_equal(num(f, "SELECT count(*) FROM reminder WHERE days=15"), 5);
}

static void queue_webhook(struct fx *f, const char *url)
{
	struct store *st = ca_store(f->ca);
	struct notice_rec n;

	memset(&n, 0, sizeof n);
	snprintf(n.channel, sizeof n.channel, "webhook");
	n.target = (char *)url;
	n.subject = (char *)"s";
	n.body = (char *)"{\"event\":\"cert.expiring\"}";
	n.created_at = n.next_at = T0;
	assert_int_equal(store_begin(st), FINCA_OK);
	assert_int_equal(store_notice_insert(st, &n), FINCA_OK);
	assert_int_equal(store_commit(st), FINCA_OK);
}

static void deliver(struct fx *f, int64_t now, int want_sent, int want_failed)
{
	int s = -1, fl = -1;

	if (ra_notify_deliver(f->ca, now, &s, &fl) != FINCA_OK)
		fail_msg("ra_notify_deliver: %s", err_msg());
	assert_int_equal(s, want_sent);
	assert_int_equal(fl, want_failed);
}

static void backoff(void **state)
{
	struct fx *f = *state;
	int64_t at = T0, wait = 60;
	char *e;

	queue_webhook(f, "http://127.0.0.1:9/closed");
	for (int k = 1; k <= 8; k++) {
		deliver(f, at, 0, 1);
		assert_int_equal(num(f, "SELECT attempts FROM notice"), k);
		if (k < 8) {
			assert_int_equal(num(f, "SELECT next_at FROM notice"), at + wait);
			assert_int_equal(num(f, "SELECT count(*) FROM notice WHERE state='pending'"), 1);
			deliver(f, at + wait - 1, 0, 0);  /* not yet */
			at += wait;
			wait *= 2;
		}
	}
	assert_int_equal(num(f, "SELECT count(*) FROM notice WHERE state='failed'"), 1);
	e = text(f, "SELECT last_error FROM notice");
	assert_non_null(e);
	assert_non_null(strstr(e, "webhook: "));
	free(e);
	deliver(f, at + 100 * DAY, 0, 0);  /* given up */
}

/* A one-shot HTTP server on loopback: answers one request with status and
 * keeps its body. */
struct peer {
	int fd, status;
	char body[4096];
};

static void *serve_one(void *arg)
{
	struct peer *p = arg;
	char buf[8192], resp[128];
	size_t n = 0;
	ssize_t r;
	char *h;
	int c = accept(p->fd, NULL, NULL);

	if (c < 0)
		return NULL;
	while (n < sizeof buf - 1 && (r = read(c, buf + n, sizeof buf - 1 - n)) > 0) {
		n += (size_t)r;
		buf[n] = '\0';
		if ((h = strstr(buf, "\r\n\r\n")) != NULL) {
			const char *cl = strcasestr(buf, "Content-Length:");
			size_t want = cl ? strtoul(cl + 15, NULL, 10) : 0;
			if (n - (size_t)(h + 4 - buf) >= want) {
				snprintf(p->body, sizeof p->body, "%s", h + 4);
				break;
			}
		}
	}
	snprintf(resp, sizeof resp, "HTTP/1.1 %d X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
		 p->status);
	if (write(c, resp, strlen(resp)) < 0)
		p->status = -1;  /* no cmocka asserts off the main thread */
	close(c);
	return NULL;
}

static int listen_any(int *port)
{
	struct sockaddr_in a;
	socklen_t len = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

static void webhook(void **state)
{
	struct fx *f = *state;
	struct peer p;
	pthread_t th;
	char url[64];
	char *e;
	int port;

	memset(&p, 0, sizeof p);
	p.fd = listen_any(&port);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/hook", port);
	/* 500: a failure, kept */
	p.status = 500;
	queue_webhook(f, url);
	assert_int_equal(pthread_create(&th, NULL, serve_one, &p), 0);
	deliver(f, T0, 0, 1);
	pthread_join(th, NULL);
	e = text(f, "SELECT last_error FROM notice");
	assert_string_equal(e, "webhook: HTTP 500");
	free(e);
	/* 200 a minute later: sent, with the JSON as it was queued */
	p.status = 200;
	p.body[0] = '\0';
	assert_int_equal(pthread_create(&th, NULL, serve_one, &p), 0);
	deliver(f, T0 + 60, 1, 0);
	pthread_join(th, NULL);
	assert_string_equal(p.body, "{\"event\":\"cert.expiring\"}");
	assert_int_equal(num(f, "SELECT count(*) FROM notice WHERE state='sent' AND attempts=2"
			     " AND last_error IS NULL"), 1);
	deliver(f, T0 + DAY, 0, 0);
	close(p.fd);
}

static void config(void **state)
{
	static const struct { const char *text, *err; } bad[] = {
		{ "thresholds = 30, 0", "not a number of days from 1 to 365" },
		{ "thresholds = 30, 366", "not a number of days" },
		{ "thresholds = 7, 7", "7 is given twice" },
		{ "thresholds = 1,2,3,4,5,6,7,8,9", "more than 8 thresholds" },
		{ "smtp_url = http://x", "not an smtp:// or smtps:// URL" },
		{ "smtp_from = a b@c", "not a mail address" },
		{ "smtp_from = <x@y>", "not a mail address" },
		{ "smtp_url = smtp://x", "smtp_url needs smtp_from" },
		{ "interval = -1", "0..86400" },
		{ "colour = red", "unknown setting 'colour'" },
	};
	struct fx *f = *state;
	struct config *c = NULL;
	char *p = path_join(f->dir, "t.conf");
	FILE *fp;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_non_null(fp = fopen(p, "w"));
		fprintf(fp, "[ca]\nname = T\nbase_url = http://x\n[notify]\n%s\n", bad[i].text);
		fclose(fp);
		assert_int_equal(config_load(p, &c), FINCA_ECONFIG);
		if (!strstr(err_msg(), bad[i].err))
			fail_msg("%s: %s", bad[i].text, err_msg());
	}
	assert_non_null(fp = fopen(p, "w"));
	fputs("[ca]\nname = T\nbase_url = http://x\n[notify]\nthresholds = 7, 60 ,15\n"
	      "interval = 0\n", fp);
	fclose(fp);
	assert_int_equal(config_load(p, &c), FINCA_OK);
	assert_int_equal(notify_conf(c)->nthresholds, 3);
	assert_int_equal(notify_conf(c)->thresholds[0], 60);
	assert_int_equal(notify_conf(c)->thresholds[2], 7);
	assert_int_equal(notify_conf(c)->interval, 0);
	assert_null(notify_conf(c)->smtp_url);
	config_free(c);
	/* the defaults, as 'finca init' writes them */
	assert_int_equal(notify_conf(f->ca->cfg)->nthresholds, 3);
	assert_int_equal(notify_conf(f->ca->cfg)->thresholds[0], 30);
	assert_int_equal(notify_conf(f->ca->cfg)->interval, 300);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(once, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(added, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(grouping, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(backoff, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(webhook, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(config, setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
