/* The TLCP listener of finca serve (tlcp_conf.h): a thread accepts, a
 * thread per connection runs the handshake and then carries bytes between
 * the client and finca's own plain HTTP listener on loopback, which answers
 * as it answers anyone (OCSP, CRLs, CA certificates: public material).
 * The API stays on HTTPS: its client certificates would not cross this
 * front.  Every connection the backend sees comes from loopback, so the
 * front keeps its own limit (max_conns). */
#include "tlcp/tlcp_conf.h"
#include "util/addr.h"
#include "util/err.h"
#include "util/util.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum { HANDSHAKE_S = 30, IDLE_S = 60 };

struct tlcp_front {
	const struct tlcp_server *ts;      /* borrowed */
	struct sockaddr_storage backend;
	socklen_t backend_len;
	int lfd, wake[2], max, active;
	int *fds;                          /* the clients' sockets, max of them, -1 free */
	pthread_t acceptor;
	pthread_mutex_t mu;
	pthread_cond_t idle;
};

struct job {
	struct tlcp_front *f;
	int slot, fd;
};

static void timeouts(int fd, int seconds)
{
	struct timeval tv = { seconds, 0 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

/* Carries bytes both ways until either side closes or is idle. */
static void relay(struct tlcp_conn *c, int fd, int be)
{
	static const size_t cap = TLCP_RECORD_MAX;
	unsigned char *buf = xcalloc(1, cap);
	struct pollfd p[2] = { { fd, POLLIN, 0 }, { be, POLLIN, 0 } };

	for (;;) {
		int r = poll(p, 2, IDLE_S * 1000);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (p[0].revents) {
			ssize_t n = tlcp_read(c, buf, cap);
			if (n <= 0 || write(be, buf, (size_t)n) != n)
				break;
		}
		if (p[1].revents) {
			ssize_t n = read(be, buf, cap);
			if (n <= 0 || tlcp_write(c, buf, (size_t)n) != FINCA_OK)
				break;
		}
	}
	free(buf);
}

static void *serve_one(void *arg)
{
	struct job *j = arg;
	struct tlcp_front *f = j->f;
	struct tlcp_conn *c = NULL;
	int be = -1;

	timeouts(j->fd, HANDSHAKE_S);
	if (tlcp_accept(f->ts, j->fd, &c) != FINCA_OK) {
		fprintf(stderr, "finca: %s\n", err_msg());
		goto out;
	}
	timeouts(j->fd, IDLE_S);
	if ((be = socket(f->backend.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(be, (struct sockaddr *)&f->backend, f->backend_len) < 0) {
		fprintf(stderr, "finca: tlcp: cannot reach the HTTP listener: %s\n", strerror(errno));
		goto out;
	}
	relay(c, j->fd, be);
out:
	tlcp_conn_free(c);
	if (be >= 0)
		close(be);
	pthread_mutex_lock(&f->mu);
	close(j->fd);
	f->fds[j->slot] = -1;
	if (--f->active == 0)
		pthread_cond_broadcast(&f->idle);
	pthread_mutex_unlock(&f->mu);
	free(j);
	return NULL;
}

static void *accept_loop(void *arg)
{
	struct tlcp_front *f = arg;
	struct pollfd p[2] = { { f->lfd, POLLIN, 0 }, { f->wake[0], POLLIN, 0 } };

	for (;;) {
		struct job *j;
		pthread_t t;
		pthread_attr_t at;
		int fd, slot = -1;

		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[1].revents)
			break;
		if (!(p[0].revents & POLLIN) ||
		    (fd = accept4(f->lfd, NULL, NULL, SOCK_CLOEXEC)) < 0)
			continue;
		pthread_mutex_lock(&f->mu);
		for (int i = 0; i < f->max && slot < 0; i++)
			if (f->fds[i] < 0)
				slot = i;
		if (slot >= 0) {
			f->fds[slot] = fd;
			f->active++;
		}
		pthread_mutex_unlock(&f->mu);
		if (slot < 0) {           /* full: the client may try again */
			close(fd);
			continue;
		}
		j = xcalloc(1, sizeof *j);
		j->f = f;
		j->slot = slot;
		j->fd = fd;
		pthread_attr_init(&at);
		pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
		if (pthread_create(&t, &at, serve_one, j) != 0) {
			pthread_mutex_lock(&f->mu);
			close(fd);
			f->fds[slot] = -1;
			f->active--;
			pthread_mutex_unlock(&f->mu);
			free(j);
		}
		pthread_attr_destroy(&at);
	}
	return NULL;
}

/* What tlcp_front_start made, once no thread uses it. */
static void front_free(struct tlcp_front *f)
{
	if (f->lfd >= 0)
		close(f->lfd);
	if (f->wake[0] >= 0) {
		close(f->wake[0]);
		close(f->wake[1]);
	}
	pthread_mutex_destroy(&f->mu);
	pthread_cond_destroy(&f->idle);
	free(f->fds);
	free(f);
}

int tlcp_front_start(const char *addr, const char *backend, const struct tlcp_server *ts,
		     int max_conns, struct tlcp_front **out)
{
	struct tlcp_front *f = xcalloc(1, sizeof *f);
	struct sockaddr_storage ss;
	socklen_t len = 0;
	int one = 1, rc;

	*out = NULL;
	f->ts = ts;
	f->lfd = f->wake[0] = f->wake[1] = -1;
	f->max = max_conns > 0 ? max_conns : 64;
	f->fds = xcalloc((size_t)f->max, sizeof *f->fds);
	for (int i = 0; i < f->max; i++)
		f->fds[i] = -1;
	pthread_mutex_init(&f->mu, NULL);
	pthread_cond_init(&f->idle, NULL);
	if ((rc = addr_parse(backend, 1, &f->backend, &f->backend_len)) != FINCA_OK ||
	    (rc = addr_parse(addr, 0, &ss, &len)) != FINCA_OK)
		goto fail;
	if ((f->lfd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    setsockopt(f->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(f->lfd, (struct sockaddr *)&ss, len) < 0 || listen(f->lfd, 64) < 0 ||
	    pipe2(f->wake, O_CLOEXEC) < 0) {
		rc = err_why(FINCA_EIO, NULL, "server.listen", "cannot listen on %s: %s", addr,
			     strerror(errno));
		goto fail;
	}
	if (pthread_create(&f->acceptor, NULL, accept_loop, f) != 0) {
		rc = err_set(FINCA_EIO, "tlcp: cannot start the listener thread");
		goto fail;
	}
	*out = f;
	return FINCA_OK;
fail:
	front_free(f);
	return rc;
}

void tlcp_front_stop(struct tlcp_front *f)
{
	if (!f)
		return;
	if (write(f->wake[1], "x", 1) != 1)
		fprintf(stderr, "finca: tlcp: cannot wake the listener\n");
	pthread_join(f->acceptor, NULL);
	pthread_mutex_lock(&f->mu);
	for (int i = 0; i < f->max; i++)
		if (f->fds[i] >= 0)
			shutdown(f->fds[i], SHUT_RDWR);
	while (f->active > 0)
		pthread_cond_wait(&f->idle, &f->mu);
	pthread_mutex_unlock(&f->mu);
	front_free(f);
}
