/* Tries per key in a fixed window, in a bounded table (ratelimit.h). */
#include "util/ratelimit.h"

#include <stdio.h>
#include <string.h>

int ratelimit_take(struct ratelimit *rl, const char *key, int64_t now)
{
	struct ratelimit_slot *s = NULL, *oldest = NULL, *free_slot = NULL;
	char k[RATELIMIT_KEY];
	int wait = 0;

	snprintf(k, sizeof k, "%s", key);
	pthread_mutex_lock(&rl->mu);
	for (size_t i = 0; i < RATELIMIT_SLOTS && !s; i++) {
		struct ratelimit_slot *x = &rl->slot[i];
		if (x->count && !strcmp(x->key, k))
			s = x;
		else if (!x->count || now - x->start >= rl->window)
			free_slot = free_slot ? free_slot : x;   /* empty, or its window closed */
		else if (!oldest || x->start < oldest->start)
			oldest = x;
	}
	if (s && now - s->start >= rl->window)
		s->count = 0;                        /* its window closed: a new one */
	if (!s) {
		s = free_slot ? free_slot : oldest;
		snprintf(s->key, sizeof s->key, "%s", k);
		s->count = 0;
	}
	if (!s->count)
		s->start = now;
	if (s->count < rl->max)
		s->count++;
	else if ((wait = (int)(s->start + rl->window - now)) < 1)
		wait = 1;
	pthread_mutex_unlock(&rl->mu);
	return wait;
}
