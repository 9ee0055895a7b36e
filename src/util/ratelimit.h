/* A bounded in-memory table of tries per key in a fixed window ("5 an
 * hour"), for unauthenticated doors that must not be guessed at (the loss
 * report, ra/loss.c).  Thread-safe; nothing survives the process (a
 * restart starts every count afresh, and each process counts its own).
 *
 * The table has RATELIMIT_SLOTS keys.  When it is full of keys whose window
 * is still open, the key whose window started first gives its slot up:
 * flooding the table with as many fresh keys resets the oldest count,
 * which is why a caller limits by several keys at once (address and
 * target), each in its own table. */
#ifndef FINCA_RATELIMIT_H
#define FINCA_RATELIMIT_H

#include <pthread.h>
#include <stdint.h>

#define RATELIMIT_SLOTS 1024
#define RATELIMIT_KEY 72          /* longer keys are cut (and share a slot) */

struct ratelimit {
	pthread_mutex_t mu;
	int max, window;              /* max tries per window seconds */
	struct ratelimit_slot {
		char key[RATELIMIT_KEY];
		int64_t start;            /* the window opened then */
		int count;
	} slot[RATELIMIT_SLOTS];
};
/* A table of max tries per window seconds, for a static variable. */
#define RATELIMIT_INIT(max_, window_) \
	{ .mu = PTHREAD_MUTEX_INITIALIZER, .max = (max_), .window = (window_) }

/* Counts one try of key at now and returns 0, or, when key has had its
 * max tries in the window, counts nothing and returns the seconds until
 * it may try again (at least 1). */
int ratelimit_take(struct ratelimit *rl, const char *key, int64_t now);

#endif
