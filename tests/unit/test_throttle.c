/* Login throttling (auth/throttle.c) on the test clock (FINCA_FAKE_TIME),
 * and the login challenges' quota per owner (auth/challenge.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "auth/auth.h"
#include "util/err.h"

static int64_t now_t = 1800000000;

static void at(int64_t t)
{
	char s[24];

	now_t = t;
	snprintf(s, sizeof s, "%lld", (long long)t);
	setenv("FINCA_FAKE_TIME", s, 1);
}

/* The defaults of finca.conf [auth]. */
static struct auth_conf rule(void)
{
	struct auth_conf c;

	memset(&c, 0, sizeof c);
	c.failures = 5;
	c.lock = 1;
	c.account_lock_max = 300;
	c.address_lock_max = 900;
	c.window = 900;
	return c;
}

static void doubling(void **state)
{
	struct auth_conf c = rule();
	struct throttle *t = throttle_new();
	struct throttle_lock lk;
	static const int64_t want[] = { 1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300 };
	static const int64_t want_addr[] = { 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900 };

	(void)state;
	at(1800000000);
	for (int i = 1; i < 5; i++) {
		assert_int_equal(throttle_fail(t, &c, "10.0.0.1", "op1", &lk), 0);
		assert_int_equal(throttle_check(t, &c, "10.0.0.1", "op1", &lk), FINCA_OK);
	}
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		assert_int_equal(throttle_fail(t, &c, "10.0.0.1", "op1", &lk), 1);
		assert_int_equal(lk.account_lock, want[i]);
		assert_int_equal(lk.account_failures, (int)(5 + i));
		/* the address's lock goes on to its own, longer cap */
		assert_int_equal(lk.address_lock, want_addr[i]);
		assert_int_equal(throttle_check(t, &c, "10.0.0.1", "op1", &lk), FINCA_ELIMIT);
		/* tries during the lock are refused, not counted */
		assert_int_equal(throttle_check(t, &c, "10.0.0.1", "op1", &lk), FINCA_ELIMIT);
		at(now_t + lk.retry);
	}
	assert_int_equal(throttle_fail(t, &c, "10.0.0.1", "op1", &lk), 1);
	assert_int_equal(lk.address_lock, 900);
	assert_string_equal(lk.msg, "address 10.0.0.1: 16 failed logins, try again in 900 s");
	throttle_free(t);
}

static void message_and_reset(void **state)
{
	struct auth_conf c = rule();
	struct throttle *t = throttle_new();
	struct throttle_lock lk;

	(void)state;
	at(1800000000);
	/* one failure from each of six addresses: only the account locks */
	for (int i = 0; i < 6; i++) {
		char a[32];
		snprintf(a, sizeof a, "10.0.1.%d", i);
		throttle_fail(t, &c, a, "op-fuzhou", &lk);
	}
	assert_int_equal(lk.address_lock, 0);
	assert_int_equal(throttle_check(t, &c, "10.0.2.1", "op-fuzhou", &lk), FINCA_ELIMIT);
	assert_string_equal(err_msg(), "account op-fuzhou: 6 failed logins, try again in 2 s");
	assert_int_equal(lk.retry, 2);
	/* the account alone: nobody else is touched */
	assert_int_equal(throttle_check(t, &c, "10.0.2.1", "op-xiamen", &lk), FINCA_OK);
	assert_int_equal(throttle_check(t, &c, "10.0.2.1", NULL, &lk), FINCA_OK);
	/* a login resets the account's count */
	at(now_t + 2);
	throttle_ok(t, "op-fuzhou");
	assert_int_equal(throttle_fail(t, &c, "10.0.2.1", "op-fuzhou", &lk), 0);
	assert_int_equal(lk.account_failures, 1);
	throttle_free(t);
}

static void address_only_and_window(void **state)
{
	struct auth_conf c = rule();
	struct throttle *t = throttle_new();
	struct throttle_lock lk;

	(void)state;
	at(1800000000);
	/* failures without a proved key count for the address only */
	for (int i = 0; i < 5; i++)
		throttle_fail(t, &c, "10.0.0.9", NULL, &lk);
	assert_int_equal(lk.address_lock, 1);
	assert_int_equal(throttle_check(t, &c, "10.0.0.9", "op1", &lk), FINCA_ELIMIT);
	assert_int_equal(lk.account_failures, 0);
	assert_string_equal(lk.msg, "address 10.0.0.9: 5 failed logins, try again in 1 s");
	/* a login does not clear the address */
	throttle_ok(t, "op1");
	at(now_t + 1);
	assert_int_equal(throttle_fail(t, &c, "10.0.0.9", NULL, &lk), 1);
	assert_int_equal(lk.address_lock, 2);
	/* window seconds after the lock ended the count is forgotten */
	at(now_t + 2 + 900);
	assert_int_equal(throttle_fail(t, &c, "10.0.0.9", NULL, &lk), 1);
	at(now_t + 4 + 901);
	assert_int_equal(throttle_fail(t, &c, "10.0.0.9", NULL, &lk), 0);
	assert_int_equal(lk.address_failures, 1);
	throttle_free(t);
}

static void bounded(void **state)
{
	struct auth_conf c = rule();
	struct throttle *t = throttle_new();
	struct throttle_lock lk;
	char a[32];

	(void)state;
	at(1800000000);
	for (int i = 0; i < 7; i++)
		throttle_fail(t, &c, "192.0.2.1", NULL, &lk);
	assert_int_equal(lk.address_lock, 4);
	/* 10000 other addresses, one failure each: the table is full twice
	 * over, and the lock is what stays */
	for (int i = 0; i < 10000; i++) {
		snprintf(a, sizeof a, "10.%d.%d.1", i / 256, i % 256);
		assert_int_equal(throttle_fail(t, &c, a, NULL, &lk), 0);
	}
	assert_int_equal(throttle_check(t, &c, "192.0.2.1", NULL, &lk), FINCA_ELIMIT);
	assert_int_equal(lk.address_failures, 7);
	throttle_free(t);
}

static void sources(void **state)
{
	struct sockaddr_in v4;
	struct sockaddr_in6 v6;
	char s[THROTTLE_SOURCE_LEN];

	(void)state;
	memset(&v4, 0, sizeof v4);
	v4.sin_family = AF_INET;
	inet_pton(AF_INET, "127.0.0.2", &v4.sin_addr);
	throttle_source((struct sockaddr *)&v4, s);
	assert_string_equal(s, "127.0.0.2");
	memset(&v6, 0, sizeof v6);
	v6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8:1:2:3:4:5:6", &v6.sin6_addr);
	throttle_source((struct sockaddr *)&v6, s);
	assert_string_equal(s, "2001:db8:1:2::/64");
	inet_pton(AF_INET6, "::ffff:192.0.2.7", &v6.sin6_addr);
	throttle_source((struct sockaddr *)&v6, s);
	assert_string_equal(s, "192.0.2.7");
	inet_pton(AF_INET6, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", &v6.sin6_addr);
	throttle_source((struct sockaddr *)&v6, s);
	assert_string_equal(s, "ffff:ffff:ffff:ffff::/64");
	throttle_source(NULL, s);
	assert_string_equal(s, "unknown");
}

static void challenge_quota(void **state)
{
	struct challenges *c = challenges_new(1024);
	char mine[CHALLENGE_LEN + 1], theirs[CHALLENGE_LEN + 1], ch[CHALLENGE_LEN + 1];
	char first[CHALLENGE_LEN + 1], last[CHALLENGE_LEN + 1];
	int64_t exp;

	(void)state;
	at(1800000000);
	assert_int_equal(challenge_issue(c, "10.0.0.2", 16, theirs, &exp), FINCA_OK);
	assert_int_equal(exp, now_t + CHALLENGE_TTL);
	assert_int_equal(challenge_issue(c, "10.0.0.1", 16, first, &exp), FINCA_OK);
	/* a flood from one owner, five times the whole table */
	for (int i = 0; i < 5000; i++)
		assert_int_equal(challenge_issue(c, "10.0.0.1", 16, last, &exp), FINCA_OK);
	assert_int_equal(challenge_take(c, theirs), FINCA_OK);
	assert_int_equal(challenge_take(c, theirs), FINCA_EAUTH);
	assert_int_equal(challenge_take(c, first), FINCA_EAUTH);
	assert_int_equal(challenge_take(c, last), FINCA_OK);

	/* many owners fill the ring: then the oldest of all goes, as before */
	assert_int_equal(challenge_issue(c, "10.0.0.3", 16, mine, &exp), FINCA_OK);
	for (int i = 0; i < 1024; i++) {
		char o[32];
		snprintf(o, sizeof o, "10.1.%d.%d", i / 256, i % 256);
		assert_int_equal(challenge_issue(c, o, 16, ch, &exp), FINCA_OK);
	}
	assert_int_equal(challenge_take(c, mine), FINCA_EAUTH);
	assert_int_equal(challenge_take(c, ch), FINCA_OK);

	/* taken out of order, and expired ones make room for their owner */
	char v[20][CHALLENGE_LEN + 1];
	for (int i = 0; i < 20; i++)
		assert_int_equal(challenge_issue(c, "10.0.0.4", 20, v[i], &exp), FINCA_OK);
	assert_int_equal(challenge_take(c, v[19]), FINCA_OK);
	assert_int_equal(challenge_take(c, v[7]), FINCA_OK);
	assert_int_equal(challenge_take(c, v[0]), FINCA_OK);
	at(now_t + CHALLENGE_TTL + 1);
	assert_int_equal(challenge_take(c, v[5]), FINCA_EAUTH);
	assert_string_equal(err_msg(), "challenge: expired");
	assert_int_equal(challenge_issue(c, "10.0.0.4", 20, mine, &exp), FINCA_OK);
	assert_int_equal(challenge_take(c, v[6]), FINCA_EAUTH);
	assert_string_equal(err_msg(), "challenge: unknown or already used");
	assert_int_equal(challenge_take(c, mine), FINCA_OK);
	challenges_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(doubling),
		cmocka_unit_test(message_and_reset),
		cmocka_unit_test(address_only_and_window),
		cmocka_unit_test(bounded),
		cmocka_unit_test(sources),
		cmocka_unit_test(challenge_quota),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
