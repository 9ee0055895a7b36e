/* Login throttling (issue 12, point 5): failed logins slow down per source
 * address and per account, with a lock that doubles after each further
 * failure ([auth] in finca.conf).
 *
 * What counts where, and why:
 * - An address counts every failed login from it: a wrong password, a
 *   certificate of no account, a bad signature, a used challenge.  Its lock
 *   is the stricter one (address_lock_max, 15 min by default): it stops one
 *   machine guessing and hurts nobody else (but the machines behind the
 *   same NAT, a price we accept).  IPv6 counts by /64.
 * - An account counts only failures of callers who proved they hold its
 *   key (the TLS handshake with its certificate, or our challenge signed):
 *   a wrong or missing password.  A certificate is public; if naming an
 *   account were enough, anyone could lock its holder out from everywhere.
 *   What is left is a thief of the key guessing the password from many
 *   addresses: the account's lock slows them, and stays short
 *   (account_lock_max, 5 min) because it locks the holder out too.
 * - Attempts refused during a lock are not counted (they never reach the
 *   password), so hammering a lock does not lengthen it; only a failure
 *   after it ended doubles it.  A count is forgotten `window` seconds
 *   after its lock (or its last failure) ended.  A login resets the
 *   account's count, not the address's: one good account of its own would
 *   otherwise let an attacker clear its address between guesses.
 * - Logins already past the check when a lock starts still finish: at
 *   most one per server thread, a bound we accept.
 *
 * In memory, two fixed tables; a restart forgets everything (README).  A
 * full table drops the entry that matters least: the one whose lock (or
 * last failure) ended first.  An attacker with more addresses than the
 * table holds can cycle through it; the account's count still stops the
 * key thief. */
#include "auth/auth.h"
#include "util/err.h"
#include "util/util.h"

#include <arpa/inet.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NACCOUNT 1024
#define NADDRESS 4096

struct entry {
	char key[72];           /* account name or address; "" when free */
	int failures;
	int64_t until;          /* the lock's end, or the last failure */
};

struct throttle {
	pthread_mutex_t mu;
	struct entry account[NACCOUNT], address[NADDRESS];
};

struct throttle *throttle_new(void)
{
	struct throttle *t = xcalloc(1, sizeof *t);

	pthread_mutex_init(&t->mu, NULL);
	return t;
}

void throttle_free(struct throttle *t)
{
	if (!t)
		return;
	pthread_mutex_destroy(&t->mu);
	free(t);
}

void throttle_source(const struct sockaddr *sa, char out[THROTTLE_SOURCE_LEN])
{
	if (sa && sa->sa_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
			  out, THROTTLE_SOURCE_LEN);
	} else if (sa && sa->sa_family == AF_INET6) {
		struct in6_addr a = ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
		if (IN6_IS_ADDR_V4MAPPED(&a)) {
			inet_ntop(AF_INET, &a.s6_addr[12], out, THROTTLE_SOURCE_LEN);
			return;
		}
		memset(&a.s6_addr[8], 0, 8);
		inet_ntop(AF_INET6, &a, out, THROTTLE_SOURCE_LEN - 3);
		strcat(out, "/64");
	} else {
		snprintf(out, THROTTLE_SOURCE_LEN, "unknown");
	}
}

static int live(const struct entry *e, const struct auth_conf *ac, int64_t now)
{
	return e->failures > 0 && now <= e->until + ac->window;
}

/* key's entry in v, or NULL (under mu). */
static struct entry *find(struct entry *v, size_t n, const char *key,
			  const struct auth_conf *ac, int64_t now)
{
	for (size_t i = 0; i < n; i++)
		if (live(&v[i], ac, now) && !strcmp(v[i].key, key))
			return &v[i];
	return NULL;
}

/* key's entry in v, made when missing in a free slot, else in place of
 * the one whose lock or last failure ended first (under mu). */
static struct entry *get(struct entry *v, size_t n, const char *key,
			 const struct auth_conf *ac, int64_t now)
{
	struct entry *e = find(v, n, key, ac, now), *victim = NULL;

	if (e)
		return e;
	for (size_t i = 0; i < n; i++) {
		if (!live(&v[i], ac, now)) {
			victim = &v[i];
			break;
		}
		if (!victim || v[i].until < victim->until)
			victim = &v[i];
	}
	memset(victim, 0, sizeof *victim);
	snprintf(victim->key, sizeof victim->key, "%s", key);
	return victim;
}

/* Counts one failure in e; the lock it starts in seconds, 0 for none. */
static int64_t count(struct entry *e, const struct auth_conf *ac, int max, int64_t now)
{
	int64_t lock = 0;

	if (e->failures < INT_MAX)
		e->failures++;
	if (e->failures >= ac->failures) {
		lock = ac->lock;
		for (int i = ac->failures; i < e->failures && lock < max; i++)
			lock *= 2;
		if (lock > max)
			lock = max;
	}
	e->until = now + lock;
	return lock;
}

/* Fills out's message and retry from its locks: the one that ends later
 * is named (under mu or not: out is the caller's). */
static void describe(struct throttle_lock *out, const char *addr, const char *account)
{
	int acct = out->account_lock >= out->address_lock;

	out->retry = acct ? out->account_lock : out->address_lock;
	snprintf(out->msg, sizeof out->msg, "%s %s: %d failed logins, try again in %lld s",
		 acct ? "account" : "address", acct ? account : addr,
		 acct ? out->account_failures : out->address_failures, (long long)out->retry);
}

int throttle_check(struct throttle *t, const struct auth_conf *ac, const char *addr,
		   const char *account, struct throttle_lock *out)
{
	int64_t now = clock_now();
	struct entry *e;

	memset(out, 0, sizeof *out);
	pthread_mutex_lock(&t->mu);
	if ((e = find(t->address, NADDRESS, addr, ac, now)) != NULL) {
		out->address_failures = e->failures;
		out->address_lock = e->until > now ? e->until - now : 0;
	}
	if (account && (e = find(t->account, NACCOUNT, account, ac, now)) != NULL) {
		out->account_failures = e->failures;
		out->account_lock = e->until > now ? e->until - now : 0;
	}
	pthread_mutex_unlock(&t->mu);
	if (!out->address_lock && !out->account_lock)
		return FINCA_OK;
	describe(out, addr, account);
	return err_why(FINCA_ELIMIT, NULL, "login.throttled", "%s", out->msg);
}

int throttle_fail(struct throttle *t, const struct auth_conf *ac, const char *addr,
		  const char *account, struct throttle_lock *out)
{
	int64_t now = clock_now();
	struct entry *e;

	memset(out, 0, sizeof *out);
	pthread_mutex_lock(&t->mu);
	e = get(t->address, NADDRESS, addr, ac, now);
	out->address_lock = count(e, ac, ac->address_lock_max, now);
	out->address_failures = e->failures;
	if (account) {
		e = get(t->account, NACCOUNT, account, ac, now);
		out->account_lock = count(e, ac, ac->account_lock_max, now);
		out->account_failures = e->failures;
	}
	pthread_mutex_unlock(&t->mu);
	if (!out->address_lock && !out->account_lock)
		return 0;
	describe(out, addr, account);
	return 1;
}

void throttle_ok(struct throttle *t, const char *account)
{
	pthread_mutex_lock(&t->mu);
	for (size_t i = 0; i < NACCOUNT; i++)
		if (t->account[i].failures && !strcmp(t->account[i].key, account))
			memset(&t->account[i], 0, sizeof t->account[i]);
	pthread_mutex_unlock(&t->mu);
}
