/* [auth] of finca.conf: console and API sessions (session.c), login
 * throttling (throttle.c) and challenge quotas (challenge.c, login.c).
 * Parsed, checked and documented here; registered with ca/config.c's
 * section registry by the constructor at the end. */
#include "auth/auth.h"
#include "util/err.h"
#include "util/util.h"

#include <stddef.h>

#define AUTH_INT(name, field, lo, hi) CONFIG_INT(name, struct auth_conf, field, lo, hi)
static const struct config_int auth_ints[] = {
	/* login throttling (throttle.c) */
	AUTH_INT("failures", failures, 1, 1000),
	AUTH_INT("lock", lock, 1, 86400),
	AUTH_INT("account_lock_max", account_lock_max, 1, 86400),
	AUTH_INT("address_lock_max", address_lock_max, 1, 86400),
	AUTH_INT("window", window, 1, 86400),
	AUTH_INT("challenges_per_address", challenges_per_address, 1, 65536),
	AUTH_INT("challenges_per_app", challenges_per_app, 1, 131072),
	/* sessions (session.c) */
	AUTH_INT("session_ttl", session_ttl, 5, 7 * 86400),
	AUTH_INT("session_idle", session_idle, 5, 7 * 86400),
};

static void auth_defaults(void *data)
{
	struct auth_conf *a = data;

	a->session_ttl = 8 * 3600;
	a->session_idle = 30 * 60;
	a->failures = 5;
	a->lock = 1;
	a->account_lock_max = 300;
	a->address_lock_max = 900;
	a->window = 900;
	a->challenges_per_address = 64;
	a->challenges_per_app = 32768;
}

static int auth_set(void *data, const char *key, const char *v)
{
	return config_set_int("auth", auth_ints, ARRAY_LEN(auth_ints), data, key, v);
}

static const struct config_section auth_section = {
	.name = "auth",
	.rank = 50,
	.size = sizeof(struct auth_conf),
	.defaults = auth_defaults,
	.set = auth_set,
	.default_text =
"[auth]\n"
"# Console and API sessions: the longest a login lasts, and how long without\n"
"# a call ends it (seconds).  A session also ends when the certificate it was\n"
"# opened with is frozen, revoked or expired.\n"
"session_ttl = 28800\n"
"session_idle = 1800\n"
"# Login throttling (POST /api/v1/login).  After `failures` failed logins a\n"
"# lock of `lock` seconds, doubled by each further failure, at most\n"
"# account_lock_max for an account (it applies from every address, so it\n"
"# stays short) and address_lock_max for a source address (an IPv6 /64).  An\n"
"# account counts only failures of callers who proved they hold its key (a\n"
"# wrong password); everything counts for the address.  A count is\n"
"# forgotten `window` seconds after its lock ended; a login resets the\n"
"# account's.  Kept in memory: a restart forgets it.\n"
"failures = 5\n"
"lock = 1\n"
"account_lock_max = 300\n"
"address_lock_max = 900\n"
"window = 900\n"
"# Challenges outstanding at once per source address (login) and per\n"
"# application system (/auth/challenge); beyond it the same caller's oldest\n"
"# is dropped, never another's.\n"
"challenges_per_address = 64\n"
"challenges_per_app = 32768\n"
"\n",
};

const struct auth_conf *auth_conf(const struct config *c)
{
	return config_section(c, &auth_section);
}

/* Before main: see config_section_register (ca/config.h) for why a
 * constructor. */
__attribute__((constructor)) static void auth_conf_register(void)
{
	config_section_register(&auth_section);
}
