#include "http/server_int.h"
#include "http/api.h"
#include "http/console.h"
#include "http/conf.h"
#include "http/deadline.h"
#include "crypto/key.h"
#include "crypto/pem.h"
#include "notify/notify.h"
#include "ra/ra.h"
#include "tlcp/tlcp_conf.h"
#include "util/addr.h"
#include "util/err.h"
#include "util/util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <gnutls/gnutls.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <syslog.h>
#include <unistd.h>

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static enum MHD_Result text(struct MHD_Connection *c, struct req *r, int status,
			    const char *msg)
{
	return reply(c, r, status, "text/plain; charset=utf-8", msg, strlen(msg));
}

/* --- OCSP (RFC 6960 A.1) --- */

static enum MHD_Result handle_ocsp(struct srv *s, struct MHD_Connection *c,
				   struct req *r, const char *url)
{
	unsigned char *der = NULL, *resp = NULL;
	size_t len = 0, rlen = 0;
	int rc;

	if (!strcmp(r->method, "POST") && !strcmp(url, "/ocsp")) {
		const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
							     MHD_HTTP_HEADER_CONTENT_TYPE);
		if (!ct || strncasecmp(ct, "application/ocsp-request", 24))
			return text(c, r, 415, "expected Content-Type: application/ocsp-request\n");
		rc = ocsp_respond(s->ocsp, (unsigned char *)r->body, r->len, &resp, &rlen);
	} else if (!strcmp(r->method, "GET") && !strncmp(url, "/ocsp/", 6)) {
		/* GET {url}/{url-encoding of base-64 encoding of the DER}; MHD
		 * has undone the URL encoding.  Undecodable: an empty request,
		 * which gets malformedRequest. */
		if (b64_decode(url + 6, 8192, &der, &len) != FINCA_OK)
			len = 0;
		rc = ocsp_respond(s->ocsp, der ? der : (const unsigned char *)"", len,
				  &resp, &rlen);
	} else {
		return text(c, r, 405, "OCSP is POST /ocsp or GET /ocsp/{base64}\n");
	}
	free(der);
	if (rc != FINCA_OK) {
		fprintf(stderr, "finca: ocsp: %s\n", err_msg());
		return text(c, r, 500, "internal error\n");
	}
	{
		enum MHD_Result ret = reply(c, r, 200, "application/ocsp-response", resp, rlen);
		free(resp);
		return ret;
	}
}

/* --- CRLs: made on demand; remade when a certificate's status changed
 * since, or when half their life has passed --- */

/* Remakes p when a status changed since it was made or half its life
 * (hours) has passed. */
static int refresh(struct ca *ca, int delta, struct published *p, int hours,
		   int64_t now, int64_t seq)
{
	unsigned char *der;
	size_t len;
	int rc;

	if (p->der && seq == p->seq && now - p->at <= 1800LL * hours)
		return FINCA_OK;
	if ((rc = ca_crl(ca, &ca->self, delta, &der, &len, NULL)) != FINCA_OK)
		return rc;
	free(p->der);
	p->der = der;
	p->len = len;
	p->at = now;
	p->seq = seq;
	return FINCA_OK;
}

/* Under crl_mu.  The full CRL first: a delta names its base. */
static int refresh_crls(struct srv *s)
{
	int64_t now = clock_now(), seq, base_at = s->crl.at;
	int rc;

	if ((rc = ca_status_position(s->ca, &seq)) != FINCA_OK ||
	    (rc = refresh(s->ca, 0, &s->crl, s->ca->cfg->crl_hours, now, seq)) != FINCA_OK)
		return rc;
	if (s->crl.at != base_at) { /* a new base: the delta must name it */
		free(s->delta.der);
		s->delta.der = NULL;
	}
	return refresh(s->ca, 1, &s->delta, s->ca->cfg->delta_crl_hours, now, seq);
}

/* A read-only node cannot make a CRL (its number and audit record are
 * writes): it serves the last one made on the primary, replicated with
 * the rest of the store (store_crl_publish).  It is as fresh as the
 * primary's last; its nextUpdate says until when it holds. */
static enum MHD_Result handle_published_crl(struct srv *s, struct MHD_Connection *c,
					    struct req *r, const char *url, int delta)
{
	unsigned char *der = NULL;
	size_t len = 0;
	enum MHD_Result ret;
	int rc = ca_crl_published(s->ca, delta, &der, &len);

	if (rc == FINCA_ENOTFOUND)
		return text(c, r, 404, "no CRL published yet: a node on the primary makes one "
				       "when it serves its first\n");
	if (rc != FINCA_OK) {
		fprintf(stderr, "finca: crl: %s\n", err_msg());
		return text(c, r, 500, "internal error\n");
	}
	ret = reply_file(c, r, 200, "application/pkix-crl", der, len, url + 5);
	free(der);
	return ret;
}

static enum MHD_Result handle_crl(struct srv *s, struct MHD_Connection *c,
				  struct req *r, const char *url)
{
	int delta = !strcmp(url, "/crl/issuing-delta.crl");
	enum MHD_Result ret;
	int rc;

	if (!delta && strcmp(url, "/crl/issuing.crl"))
		return text(c, r, 404, "no such CRL\n");
	if (s->ca->readonly) /* a replica: the CRL a writing node made last */
		return handle_published_crl(s, c, r, url, delta);
	pthread_mutex_lock(&s->crl_mu);
	rc = refresh_crls(s);
	if (rc == FINCA_OK)
		ret = reply_file(c, r, 200, "application/pkix-crl",
				 delta ? s->delta.der : s->crl.der,
				 delta ? s->delta.len : s->crl.len, url + 5);
	pthread_mutex_unlock(&s->crl_mu);
	if (rc != FINCA_OK) {
		fprintf(stderr, "finca: crl: %s\n", err_msg());
		return text(c, r, 500, "internal error\n");
	}
	return ret;
}

static enum MHD_Result handle_cacert(struct srv *s, struct MHD_Connection *c,
				     struct req *r, const char *url)
{
	X509 *x = !strcmp(url, "/ca/issuing.crt") ? s->ca->issuing :
		  !strcmp(url, "/ca/root.crt") ? s->ca->root :
		  !strcmp(url, "/ca/service.crt") ? s->ca->service : NULL;
	unsigned char *der = NULL;
	int n;
	enum MHD_Result ret;

	if (!x)
		return text(c, r, 404, "no such CA certificate\n");
	n = i2d_X509(x, &der);
	ret = reply_file(c, r, 200, "application/pkix-cert", der, (size_t)n, url + 4);
	OPENSSL_free(der);
	return ret;
}

static enum MHD_Result handle_metrics(struct srv *s, struct MHD_Connection *c,
				      struct req *r)
{
	const struct ocsp_stats *os = ocsp_stats(s->ocsp);
	int64_t counts[4] = { 0 };
	char extra[2048];
	char *body;
	enum MHD_Result ret;

	ca_cert_counts(s->ca, clock_now(), counts);
	snprintf(extra, sizeof extra,
		 "# HELP finca_ocsp_cache_total OCSP answers from the cache (hit) or signed (miss).\n"
		 "# TYPE finca_ocsp_cache_total counter\n"
		 "finca_ocsp_cache_total{result=\"hit\"} %llu\n"
		 "finca_ocsp_cache_total{result=\"miss\"} %llu\n"
		 "finca_ocsp_cache_total{result=\"error\"} %llu\n"
		 "# HELP finca_ocsp_status_push 1 while status changes are pushed to this node (PostgreSQL LISTEN), 0 while each answer asks the store.\n"
		 "# TYPE finca_ocsp_status_push gauge\n"
		 "finca_ocsp_status_push %d\n"
		 "# HELP finca_certificates Certificates by status.\n"
		 "# TYPE finca_certificates gauge\n"
		 "finca_certificates{status=\"valid\"} %lld\n"
		 "finca_certificates{status=\"frozen\"} %lld\n"
		 "finca_certificates{status=\"revoked\"} %lld\n"
		 "finca_certificates{status=\"expired\"} %lld\n"
		 "# HELP finca_http_connections_refused_total Connections closed at once: over max_connections or per_ip_connections.\n"
		 "# TYPE finca_http_connections_refused_total counter\n"
		 "finca_http_connections_refused_total %llu\n"
		 "# HELP finca_http_deadline_closed_total Connections closed for not sending a whole request within request_timeout.\n"
		 "# TYPE finca_http_deadline_closed_total counter\n"
		 "finca_http_deadline_closed_total %llu\n",
		 (unsigned long long)atomic_load(&os->hits),
		 (unsigned long long)atomic_load(&os->misses),
		 (unsigned long long)atomic_load(&os->errors), atomic_load(&os->push),
		 (long long)counts[0], (long long)counts[1], (long long)counts[2],
		 (long long)counts[3], (unsigned long long)atomic_load(&s->refused),
		 deadline_closed(s->deadline));
	body = metrics_render(&s->metrics, extra);
	ret = reply(c, r, 200, "text/plain; version=0.0.4", body, strlen(body));
	free(body);
	return ret;
}

static enum MHD_Result dispatch(struct srv *s, struct MHD_Connection *c,
				struct req *r, const char *url)
{
	if (!strncmp(url, "/api/v1/", 8))
		return api_dispatch(s, c, r, url);
	if (r->too_big)
		return text(c, r, 413, "request body too large\n");
	if (!strcmp(url, "/ocsp") || !strncmp(url, "/ocsp/", 6)) {
		r->route = R_OCSP;
		return handle_ocsp(s, c, r, url);
	}
	if (strcmp(r->method, "GET") && strcmp(r->method, "HEAD"))
		return text(c, r, 405, "method not allowed\n");
	if (!strncmp(url, "/crl/", 5)) {
		r->route = R_CRL;
		return handle_crl(s, c, r, url);
	}
	if (!strncmp(url, "/ca/", 4)) {
		r->route = R_CACERT;
		return handle_cacert(s, c, r, url);
	}
	if (!strcmp(url, "/metrics")) {
		r->route = R_METRICS;
		return handle_metrics(s, c, r);
	}
	if (!strcmp(url, "/healthz")) {
		r->route = R_HEALTH;
		return text(c, r, 200, "ok\n");
	}
	/* the web console: HTTPS only (the plain listener answers 404) */
	if (r->tls && (!strcmp(url, "/") || !strcmp(url, "/ui") || !strncmp(url, "/ui/", 4))) {
		r->route = R_CONSOLE;
		return console_handle(s, c, r, url);
	}
	return text(c, r, 404, "not found\n");
}

/* One listener: which server, and whether it speaks TLS. */
struct door {
	struct srv *s;
	int tls;
};

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
				  const char *url, const char *method,
				  const char *version, const char *data,
				  size_t *data_size, void **req_cls)
{
	struct door *d = cls;
	struct srv *s = d->s;
	struct req *r = *req_cls;

	(void)version;
	if (!r) {
		r = xcalloc(1, sizeof *r);
		r->start_us = now_us();
		r->tls = d->tls;
		r->route = R_OTHER;
		snprintf(r->method, sizeof r->method, "%s", method);
		snprintf(r->path, sizeof r->path, "%s", url);
		*req_cls = r;
		return MHD_YES;
	}
	if (*data_size) {
		deadline_body(s->deadline, c, *data_size);
		if (r->len + *data_size > (size_t)s->body_max) {
			r->too_big = 1; /* keep reading, answer 413 at the end */
		} else if (!r->too_big) {
			r->body = xrealloc(r->body, r->len + *data_size + 1);
			memcpy(r->body + r->len, data, *data_size);
			r->len += *data_size;
			r->body[r->len] = '\0';
		}
		*data_size = 0;
		return MHD_YES;
	}
	{
		enum MHD_Result ret;
		deadline_hold(s->deadline, c); /* received whole: no deadline */
		pthread_rwlock_rdlock(&s->cfg_lock);
		ret = dispatch(s, c, r, url);
		pthread_rwlock_unlock(&s->cfg_lock);
		return ret;
	}
}

static void on_done(void *cls, struct MHD_Connection *c, void **req_cls,
		    enum MHD_RequestTerminationCode toe)
{
	struct srv *s = ((struct door *)cls)->s;
	struct req *r = *req_cls;
	uint64_t us;

	deadline_restart(s->deadline, c); /* the next request's clock */
	if (!r)
		return;
	us = now_us() - r->start_us;
	if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK && !r->status)
		r->status = 499; /* the client went away */
	metrics_observe(&s->metrics, r->route, r->status, us);
	if (s->log == LOG_TO_STDERR)
		fprintf(stderr, "%s %s %d %lluus %s%s%s\n", r->method, r->path, r->status,
			(unsigned long long)us, r->account[0] ? r->account : "-",
			r->error[0] ? " error: " : "", r->error);
	else if (s->log == LOG_TO_SYSLOG)
		syslog(r->error[0] ? LOG_ERR : LOG_INFO, "%s %s %d %lluus %s%s%s", r->method,
		       r->path, r->status, (unsigned long long)us,
		       r->account[0] ? r->account : "-", r->error[0] ? " error: " : "", r->error);
	free(r->body);
	free(r);
	*req_cls = NULL;
}

/* TLS material for the HTTPS listener, PEM in memory. */
struct tls_pem {
	char *key, *cert, *trust;      /* owned; key cleansed at the end */
};

/* Issues the daemon's HTTPS certificate from the service CA (profile
 * tls-server, CN = the listening address), key in memory only. */
static int tls_material(struct srv *s, const char *listen, struct tls_pem *t)
{
	struct issue_req rq;
	EVP_PKEY *key = NULL;
	X509 *x = NULL;
	char subj[300], host[128];
	const char *colon = strrchr(listen, ':');
	size_t hl = colon ? (size_t)(colon - listen) : strlen(listen);
	int rc;

	if (hl >= sizeof host)
		hl = sizeof host - 1;
	memcpy(host, listen, hl);
	host[hl] = '\0';
	if (host[0] == '[') { /* [::1] */
		memmove(host, host + 1, strlen(host));
		host[strcspn(host, "]")] = '\0';
	}
	snprintf(subj, sizeof subj, "O=%s, CN=%s", s->ca->cfg->name, host);
	memset(&rq, 0, sizeof rq);
	rq.profile = "tls-server";
	rq.subject = subj;
	rq.action = "tls.server";
	if ((rc = key_generate(KEY_P256, &key)) != FINCA_OK)
		return rc;
	rq.pubkey = key;
	if ((rc = ca_issue_one(s->ca, &s->ca->self, &rq, &x)) != FINCA_OK) {
		EVP_PKEY_free(key);
		return err_wrap(rc, "issuing the HTTPS certificate");
	}
	t->key = pem_key(key);
	{
		char *leaf = pem_x509(x), *ca = pem_x509(s->ca->service);
		if (asprintf(&t->cert, "%s%s", leaf, ca) < 0)
			abort();
		t->trust = ca;
		free(leaf);
	}
	X509_free(x);
	EVP_PKEY_free(key);
	return FINCA_OK;
}

/* MHD's error log, to stderr, but for two lines it writes per connection
 * (a flood under attack): a connection refused for a limit (counted for
 * /metrics instead) and a client gone mid-request. */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct srv *s = cls;

	if (strstr(fmt, "reached connection limit")) {
		atomic_fetch_add(&s->refused, 1);
		return;
	}
	/* a client gone mid-request: what the deadline does to a trickler,
	 * or a broken link; nothing for the operator to do */
	if (strstr(fmt, "closed by remote side") || strstr(fmt, "Connection socket is closed"))
		return;
	fputs("finca: http: ", stderr);
	vfprintf(stderr, fmt, ap);
}

static struct MHD_Daemon *start(struct door *d, const char *listen, int threads,
				const struct tls_pem *t)
{
	struct srv *s = d->s;
	struct sockaddr_storage ss;
	/* one option list for both listeners; HTTPS adds its four */
	struct MHD_OptionItem o[20];
	size_t n = 0;

	if (addr_parse(listen, 0, &ss, NULL) != FINCA_OK)
		return NULL;
#define OPT(opt, v, p) (o[n++] = (struct MHD_OptionItem){ (opt), (intptr_t)(v), (p) })
	OPT(MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s); /* first: MHD says so */
	OPT(MHD_OPTION_SOCK_ADDR, 0, &ss);
	OPT(MHD_OPTION_THREAD_POOL_SIZE, threads, NULL);
	/* a client that sends nothing loses its connection after this many
	 * idle seconds; one that trickles, at its deadline (deadline.c) */
	OPT(MHD_OPTION_CONNECTION_TIMEOUT, s->idle_timeout, NULL);
	OPT(MHD_OPTION_NOTIFY_CONNECTION, deadline_notify, s->deadline);
	/* MHD closes a connection over either limit at once: one address
	 * cannot take every slot */
	OPT(MHD_OPTION_CONNECTION_LIMIT, s->max_connections, NULL);
	if (s->per_ip_connections > 0)
		OPT(MHD_OPTION_PER_IP_CONNECTION_LIMIT, s->per_ip_connections, NULL);
	/* request line and headers must fit (else 431 or 414) */
	OPT(MHD_OPTION_CONNECTION_MEMORY_LIMIT, 65536, NULL);
	OPT(MHD_OPTION_NOTIFY_COMPLETED, on_done, d);
	if (t) {
		OPT(MHD_OPTION_HTTPS_MEM_KEY, 0, t->key);
		OPT(MHD_OPTION_HTTPS_MEM_CERT, 0, t->cert);
		/* asks browsers and clients for a certificate; finca checks it
		 * itself (chain and status) */
		OPT(MHD_OPTION_HTTPS_MEM_TRUST, 0, t->trust);
		OPT(MHD_OPTION_HTTPS_PRIORITIES, 0, server_conf(s->ca->cfg)->tls_priority);
	}
	OPT(MHD_OPTION_END, 0, NULL);
#undef OPT
	return MHD_start_daemon(
		MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG |
			(t ? MHD_USE_TLS : 0) | (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
		0, NULL, NULL, on_request, d, MHD_OPTION_ARRAY, o, MHD_OPTION_END);
}

/* The GnuTLS priority string, checked before MHD gets it (MHD only says
 * that the daemon did not start). */
static int tls_priority_check(const char *prio)
{
	gnutls_priority_t p;
	const char *at = NULL;

	if (gnutls_priority_init(&p, prio, &at) != GNUTLS_E_SUCCESS)
		return err_set(FINCA_ECONFIG, "[server] tls_priority: GnuTLS does not accept "
			       "'%s' (at '%s'; gnutls-cli --list --priority STRING explains)",
			       prio, at ? at : prio);
	gnutls_priority_deinit(p);
	return FINCA_OK;
}

/* One descriptor per connection.  systemd and most shells start daemons
 * with a soft limit of 1024 open files: past it accept() fails and MHD
 * stops accepting for everyone until a connection closes.  So the soft
 * limit is raised to the hard one, and max_connections kept within it
 * (a reserve for the store, logs and PKCS#11). */
static void fd_budget(struct srv *s, int listeners)
{
	struct rlimit rl;
	long long avail;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0 || getrlimit(RLIMIT_NOFILE, &rl) != 0)
			return;
	}
	if (rl.rlim_cur == RLIM_INFINITY)
		return;
	avail = ((long long)rl.rlim_cur - 256) / listeners;
	if (avail < 16)
		avail = 16;
	if (s->max_connections > avail) {
		fprintf(stderr, "finca: [server] max_connections %d lowered to %lld: the open-file "
			"limit is %llu (ulimit -n, systemd LimitNOFILE=)\n", s->max_connections,
			avail, (unsigned long long)rl.rlim_cur);
		s->max_connections = (int)avail;
	}
}

/* --- expiry reminders: a pass every [notify] interval in a thread of its
 * own, so that slow mail relays and webhooks never hold a request --- */

struct reminder {
	struct srv *s;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;       /* signalled when stop is set */
	int stop, started;
};

static int remind_stopping(struct reminder *r)
{
	int stop;

	pthread_mutex_lock(&r->mu);
	stop = r->stop;
	pthread_mutex_unlock(&r->mu);
	return stop;
}

/* A scan, then deliveries until none is due (each call is bounded in
 * time, so a stop waits for one call at most).  Under cfg_lock for
 * reading: a SIGHUP reload waits for the call, requests do not. */
static void remind_pass(struct reminder *r)
{
	struct srv *s = r->s;
	int queued = 0, sent = 0, failed = 0, a, b, rc;

	pthread_rwlock_rdlock(&s->cfg_lock);
	rc = ra_remind_scan(s->ca, "system", clock_now(), &queued);
	pthread_rwlock_unlock(&s->cfg_lock);
	if (rc != FINCA_OK)
		fprintf(stderr, "finca: remind: %s\n", err_msg());
	do {
		a = b = 0;
		pthread_rwlock_rdlock(&s->cfg_lock);
		rc = ra_notify_deliver(s->ca, clock_now(), &a, &b);
		pthread_rwlock_unlock(&s->cfg_lock);
		sent += a;
		failed += b;
	} while (rc == FINCA_OK && a + b > 0 && !remind_stopping(r));
	if (rc != FINCA_OK)
		fprintf(stderr, "finca: notify: %s\n", err_msg());
	if ((queued || sent || failed) && s->log == LOG_TO_STDERR)
		fprintf(stderr, "finca: remind: queued %d, sent %d, failed %d\n", queued,
			sent, failed);
	else if ((queued || sent || failed) && s->log == LOG_TO_SYSLOG)
		syslog(LOG_INFO, "remind: queued %d, sent %d, failed %d", queued, sent, failed);
}

static void *remind_main(void *arg)
{
	struct reminder *r = arg;
	struct timespec until;
	int interval;

	while (!remind_stopping(r)) {
		pthread_rwlock_rdlock(&r->s->cfg_lock);
		interval = notify_conf(r->s->ca->cfg)->interval;
		pthread_rwlock_unlock(&r->s->cfg_lock);
		if (interval > 0)
			remind_pass(r);
		/* interval 0 (none): look again after a minute (SIGHUP) */
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += interval > 0 ? interval : 60;
		pthread_mutex_lock(&r->mu);
		while (!r->stop && pthread_cond_timedwait(&r->cv, &r->mu, &until) != ETIMEDOUT)
			;
		pthread_mutex_unlock(&r->mu);
	}
	return NULL;
}

static int remind_start(struct reminder *r, struct srv *s)
{
	pthread_condattr_t attr;

	r->s = s;
	pthread_mutex_init(&r->mu, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&r->cv, &attr);
	pthread_condattr_destroy(&attr);
	/* after the signal mask is set: the thread inherits it */
	if (pthread_create(&r->th, NULL, remind_main, r) != 0) {
		pthread_cond_destroy(&r->cv);
		pthread_mutex_destroy(&r->mu);
		return err_why(FINCA_ENOMEM, NULL, "server.thread",
			       "cannot start the reminder thread");
	}
	r->started = 1;
	return FINCA_OK;
}

static void remind_stop(struct reminder *r)
{
	if (!r->started)
		return;
	pthread_mutex_lock(&r->mu);
	r->stop = 1;
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
	pthread_join(r->th, NULL);
	pthread_cond_destroy(&r->cv);
	pthread_mutex_destroy(&r->mu);
	r->started = 0;
}

static void quiesce(struct MHD_Daemon *d)
{
	if (!d)
		return;
	MHD_quiesce_daemon(d);
	for (int i = 0; i < 100; i++) {
		const union MHD_DaemonInfo *di =
			MHD_get_daemon_info(d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
		if (!di || di->num_connections == 0)
			break;
		usleep(100000);
	}
}

/* The TLCP listener ([tlcp], --tlcp-listen), relaying to the plain one;
 * none when neither names one. */
static int tlcp_start(struct srv *s, const struct server_opts *o, struct tlcp_server **ts,
		      struct tlcp_front **front)
{
	const struct tlcp_conf *tc = tlcp_conf(s->ca->cfg);
	const char *listen = o->tlcp_listen ? o->tlcp_listen : tc->listen;
	int rc;

	if (!listen || !*listen)
		return FINCA_OK;
	if ((rc = tlcp_conf_load(tc, s->ca->dir, ca_issuer_cert(s->ca, "issuing"), ts)) ||
	    (rc = tlcp_front_start(listen, s->listen, *ts, s->max_connections, front)))
		return rc;
	fprintf(stderr, "finca: serving TLCP on %s (ECC_SM4_CBC_SM3: OCSP, CRLs and CA "
		"certificates, as http://%s)\n", listen, s->listen);
	return FINCA_OK;
}

int server_run(struct ca *ca, const struct server_opts *o)
{
	struct srv s;
	struct MHD_Daemon *plain = NULL, *tls = NULL;
	struct door pd, td;
	struct tls_pem tp;
	struct tlcp_server *tlcp = NULL;
	struct tlcp_front *tlcp_front = NULL;
	struct reminder rem;
	sigset_t set;
	int sig, rc, threads;
	const struct server_conf *sc = server_conf(ca->cfg);

	memset(&s, 0, sizeof s);
	memset(&tp, 0, sizeof tp);
	memset(&rem, 0, sizeof rem);
	s.ca = ca;
	s.listen = o->listen ? o->listen : sc->listen;
	s.tls_listen = o->tls_listen ? o->tls_listen : sc->tls_listen;
	/* a read-only node (an OCSP replica) serves the plain door only:
	 * HTTPS carries the API and the console, which write */
	if ((s.tls_listen && !*s.tls_listen) || ca->readonly)
		s.tls_listen = NULL;
	s.threads = threads = o->threads >= 0 ? o->threads : sc->threads;
	s.body_max = sc->body_max;
	s.idle_timeout = sc->idle_timeout;
	s.max_connections = sc->max_connections;
	s.per_ip_connections = sc->per_ip_connections;
	s.log = o->quiet || !strcmp(sc->log, "none") ? LOG_TO_NONE :
		!strcmp(sc->log, "syslog") ? LOG_TO_SYSLOG : LOG_TO_STDERR;
	if (s.log == LOG_TO_SYSLOG)
		openlog("finca", LOG_PID, LOG_DAEMON);
	s.api = api_new();
	pd.s = td.s = &s;
	pd.tls = 0;
	td.tls = 1;
	pthread_mutex_init(&s.crl_mu, NULL);
	pthread_rwlock_init(&s.cfg_lock, NULL);
	if (threads <= 0)
		threads = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (threads < 1)
		threads = 1;
	/* signals are taken by sigwait below, in this thread only */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	fd_budget(&s, s.tls_listen ? 2 : 1);
	if ((rc = ca_threaded(ca)) != FINCA_OK ||
	    (s.tls_listen && (rc = tls_priority_check(sc->tls_priority)) != FINCA_OK) ||
	    (rc = deadline_new(sc->request_timeout, sc->body_min_rate, &s.deadline)) != FINCA_OK ||
	    (rc = console_new(&s.console)) != FINCA_OK ||
	    (rc = ocsp_responder_new(ca, 3600, &s.ocsp)) != FINCA_OK ||
	    (rc = ocsp_watch(s.ocsp)) != FINCA_OK)
		goto out;
	pthread_mutex_lock(&s.crl_mu);
	rc = ca->readonly ? FINCA_OK : refresh_crls(&s);
	pthread_mutex_unlock(&s.crl_mu);
	if (rc != FINCA_OK)
		goto out;
	if ((plain = start(&pd, s.listen, threads, NULL)) == NULL) {
		rc = err_why(FINCA_EIO, NULL, "server.listen", "cannot listen on %s: %s", s.listen,
			     errno ? strerror(errno) : "see above");
		goto out;
	}
	fprintf(stderr, "finca: serving http://%s (%d threads)%s\n", s.listen, threads,
		ca->readonly ? ": OCSP, CRLs and CA certificates only, from a read-only store" : "");
	/* before HTTPS: a caller that waits for both finds TLCP up too */
	if ((rc = tlcp_start(&s, o, &tlcp, &tlcp_front)) != FINCA_OK)
		goto out;
	if (s.tls_listen) {
		if ((rc = tls_material(&s, s.tls_listen, &tp)) != FINCA_OK)
			goto out;
		if ((tls = start(&td, s.tls_listen, threads, &tp)) == NULL) {
			rc = err_why(FINCA_EIO, NULL, "server.listen",
				     "cannot listen on %s: %s", s.tls_listen,
				     errno ? strerror(errno) : "see above");
			goto out;
		}
		fprintf(stderr, "finca: serving https://%s (API, console at /ui/; trust ca/service.crt)\n",
			s.tls_listen);
		if (getenv("FINCA_CONSOLE_DIR") && *getenv("FINCA_CONSOLE_DIR"))
			fprintf(stderr, "finca: console files read from %s (FINCA_CONSOLE_DIR)\n",
				getenv("FINCA_CONSOLE_DIR"));
	}
	/* the reminders write (notices, their audit): not on a replica */
	if (!ca->readonly && (rc = remind_start(&rem, &s)) != FINCA_OK)
		goto out;
	for (;;) {
		struct timespec ts = { 60, 0 };
		sig = sigtimedwait(&set, NULL, &ts);
		if (sig == SIGTERM || sig == SIGINT)
			break;
		if (sig == SIGHUP) {
			pthread_rwlock_wrlock(&s.cfg_lock);
			rc = ca_reload_config(ca);
			pthread_rwlock_unlock(&s.cfg_lock);
			if (rc == FINCA_OK)
				fprintf(stderr, "finca: SIGHUP: configuration reloaded\n");
			else
				fprintf(stderr, "finca: SIGHUP: %s; keeping the running configuration\n",
					err_msg());
		}
		/* once a minute: keep the OCSP signer fresh */
		if (ocsp_maintain(s.ocsp) != FINCA_OK)
			fprintf(stderr, "finca: ocsp: %s\n", err_msg());
	}
	fprintf(stderr, "finca: stopping\n");
	remind_stop(&rem);
	/* the TLCP connections end first: their relays would hold the
	 * plain listener's quiescence */
	tlcp_front_stop(tlcp_front);
	tlcp_front = NULL;
	/* stop accepting, let requests in flight finish (at most 10 s each) */
	quiesce(plain);
	quiesce(tls);
	rc = FINCA_OK;
out:
	remind_stop(&rem);
	tlcp_front_stop(tlcp_front);  /* on a failed start; before its backend */
	tlcp_server_free(tlcp);
	if (plain)
		MHD_stop_daemon(plain);
	if (tls)
		MHD_stop_daemon(tls);
	deadline_free(s.deadline); /* after the listeners: no connection left */
	if (tp.key)
		OPENSSL_cleanse(tp.key, strlen(tp.key));
	free(tp.key);
	free(tp.cert);
	free(tp.trust);
	api_free(s.api);
	console_free(s.console);
	if (s.log == LOG_TO_SYSLOG)
		closelog();
	ocsp_responder_free(s.ocsp);
	free(s.crl.der);
	free(s.delta.der);
	pthread_mutex_destroy(&s.crl_mu);
	pthread_rwlock_destroy(&s.cfg_lock);
	return rc;
}
