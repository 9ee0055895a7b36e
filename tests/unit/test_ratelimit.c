/* The rate limit's table (util/ratelimit.h): max tries per window, the
 * seconds to wait, keys apart, a new window, and a full table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>

#include "util/ratelimit.h"

static struct ratelimit rl5 = RATELIMIT_INIT(5, 3600);
static struct ratelimit rl1 = RATELIMIT_INIT(1, 60);

static void window(void **state)
{
	(void)state;
	for (int i = 0; i < 5; i++)
		assert_int_equal(ratelimit_take(&rl5, "cert:0A", 1000 + i), 0);
	/* the sixth waits until the window that opened at 1000 closes */
	assert_int_equal(ratelimit_take(&rl5, "cert:0A", 1010), 3590);
	assert_int_equal(ratelimit_take(&rl5, "cert:0A", 4599), 1);
	/* a refused try is not counted: the next window is whole */
	for (int i = 0; i < 5; i++)
		assert_int_equal(ratelimit_take(&rl5, "cert:0A", 4600 + i), 0);
	assert_true(ratelimit_take(&rl5, "cert:0A", 4610) > 0);
	/* another key counts apart */
	assert_int_equal(ratelimit_take(&rl5, "cert:0B", 4610), 0);
}

static void full(void **state)
{
	char k[32];

	(void)state;
	assert_int_equal(ratelimit_take(&rl1, "first", 0), 0);
	assert_true(ratelimit_take(&rl1, "first", 1) > 0);
	/* RATELIMIT_SLOTS other keys, all within the window: the oldest
	 * ("first") gives its slot up, and nothing else is lost */
	for (int i = 0; i < RATELIMIT_SLOTS; i++) {
		snprintf(k, sizeof k, "k%d", i);
		assert_int_equal(ratelimit_take(&rl1, k, 2), 0);
	}
	assert_true(ratelimit_take(&rl1, "k7", 3) > 0);
	assert_int_equal(ratelimit_take(&rl1, "first", 3), 0);
	/* the window over, every key starts again */
	assert_int_equal(ratelimit_take(&rl1, "k7", 70), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(window),
		cmocka_unit_test(full),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
