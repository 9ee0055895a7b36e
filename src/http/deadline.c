#include "http/deadline.h"
#include "util/err.h"
#include "util/util.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

/* how often the watcher looks: a deadline is kept to within this */
#define SWEEP_MS 250

/* One connection, from MHD's NOTIFY_STARTED to its NOTIFY_CLOSED (which
 * MHD calls before it closes the socket: fd stays ours to shut down while
 * the entry is listed). */
struct conn {
	struct conn *prev, *next;
	int fd;
	uint64_t due_us;         /* 0: none (a request is being answered) */
	int shut;                /* shut down already */
};

struct deadline {
	uint64_t timeout_us;
	int min_rate;
	pthread_mutex_t mu;      /* the list, every entry's fields, stop */
	pthread_cond_t cv;       /* signalled when stop is set */
	struct conn head;        /* sentinel of a circular list */
	int stop;
	pthread_t th;
	atomic_ullong closed;
};

static uint64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Under mu: shuts down every overdue connection once. */
static void sweep(struct deadline *d, uint64_t now)
{
	for (struct conn *k = d->head.next; k != &d->head; k = k->next) {
		if (k->shut || !k->due_us || now < k->due_us)
			continue;
		/* MHD reads the end of the stream and closes it in its thread */
		shutdown(k->fd, SHUT_RDWR);
		k->shut = 1;
		atomic_fetch_add(&d->closed, 1);
	}
}

static void *watch(void *arg)
{
	struct deadline *d = arg;
	struct timespec until;

	pthread_mutex_lock(&d->mu);
	while (!d->stop) {
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_nsec += SWEEP_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		if (pthread_cond_timedwait(&d->cv, &d->mu, &until) == ETIMEDOUT)
			sweep(d, mono_us());
	}
	pthread_mutex_unlock(&d->mu);
	return NULL;
}

int deadline_new(int timeout, int min_rate, struct deadline **out)
{
	struct deadline *d;
	pthread_condattr_t attr;

	*out = NULL;
	if (timeout <= 0)
		return FINCA_OK;
	d = xcalloc(1, sizeof *d);
	d->timeout_us = (uint64_t)timeout * 1000000u;
	d->min_rate = min_rate;
	d->head.prev = d->head.next = &d->head;
	pthread_mutex_init(&d->mu, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&d->cv, &attr);
	pthread_condattr_destroy(&attr);
	if (pthread_create(&d->th, NULL, watch, d) != 0) {
		pthread_cond_destroy(&d->cv);
		pthread_mutex_destroy(&d->mu);
		free(d);
		return err_why(FINCA_ENOMEM, NULL, "server.thread",
			       "cannot start the request deadline thread");
	}
	*out = d;
	return FINCA_OK;
}

/* After the listeners are stopped: no connection is left. */
void deadline_free(struct deadline *d)
{
	if (!d)
		return;
	pthread_mutex_lock(&d->mu);
	d->stop = 1;
	pthread_cond_signal(&d->cv);
	pthread_mutex_unlock(&d->mu);
	pthread_join(d->th, NULL);
	pthread_cond_destroy(&d->cv);
	pthread_mutex_destroy(&d->mu);
	free(d);
}

void deadline_notify(void *cls, struct MHD_Connection *c, void **socket_context,
		     enum MHD_ConnectionNotificationCode code)
{
	struct deadline *d = cls;
	struct conn *k;
	const union MHD_ConnectionInfo *ci;

	if (!d)
		return;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		if (!ci)
			return;
		k = xcalloc(1, sizeof *k);
		k->fd = ci->connect_fd;
		pthread_mutex_lock(&d->mu);
		k->due_us = mono_us() + d->timeout_us;
		k->next = d->head.next;
		k->prev = &d->head;
		k->next->prev = k;
		d->head.next = k;
		pthread_mutex_unlock(&d->mu);
		*socket_context = k;
	} else if (code == MHD_CONNECTION_NOTIFY_CLOSED && (k = *socket_context)) {
		pthread_mutex_lock(&d->mu);
		k->prev->next = k->next;
		k->next->prev = k->prev;
		pthread_mutex_unlock(&d->mu);
		free(k);
		*socket_context = NULL;
	}
}

static struct conn *conn_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci ? ci->socket_context : NULL;
}

void deadline_body(struct deadline *d, struct MHD_Connection *c, size_t n)
{
	struct conn *k;

	if (!d || d->min_rate <= 0 || !(k = conn_of(c)))
		return;
	pthread_mutex_lock(&d->mu);
	if (k->due_us)
		k->due_us += (uint64_t)n * 1000000u / (uint64_t)d->min_rate;
	pthread_mutex_unlock(&d->mu);
}

void deadline_hold(struct deadline *d, struct MHD_Connection *c)
{
	struct conn *k;

	if (!d || !(k = conn_of(c)))
		return;
	pthread_mutex_lock(&d->mu);
	k->due_us = 0;
	pthread_mutex_unlock(&d->mu);
}

void deadline_restart(struct deadline *d, struct MHD_Connection *c)
{
	struct conn *k;

	if (!d || !(k = conn_of(c)))
		return;
	pthread_mutex_lock(&d->mu);
	k->due_us = mono_us() + d->timeout_us;
	pthread_mutex_unlock(&d->mu);
}

unsigned long long deadline_closed(const struct deadline *d)
{
	return d ? atomic_load(&d->closed) : 0;
}
