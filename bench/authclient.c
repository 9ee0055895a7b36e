/* authclient: load for bench/auth, the holder authentication API of
 * 'finca serve' (POST /api/v1/auth/challenge, POST /api/v1/auth/verify) as
 * an application system sees it: mutual TLS with the system's certificate,
 * HTTP/1.1 keep-alive, one request at a time on each connection.
 *
 *   authclient -a 127.0.0.1:PORT -C service.crt -c app.crt -k app.key
 *              -u holder.pem -K holder.key [-n N] [-t T] [-p SERVER_PID]
 *              [-- CMD ARGS...]
 *
 * Phase 1 (not timed): T connections (TLS handshakes), N challenges, each
 * connection fetching its share; then every challenge signed with the
 * holder key (SM2: SM3 with the ID 1234567812345678; EC: SHA-256), as the
 * holder's own machine would, and the N verify requests built.
 * Phase 2 (timed): each connection sends its verify requests in the order
 * it fetched the challenges, the next once the answer to the last is in;
 * an answer counts as valid if it is 200 with "valid":true.  With -p, the
 * server's CPU time (utime + stime of /proc/PID/stat) over phase 2.  CMD
 * (e.g. perf record -p PID) is started 1 s before phase 2 and sent SIGINT
 * at its end; its output goes to stderr.
 *
 * Output: "key value" lines on stdout (see report()), for the script. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "authclient: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	ERR_print_errors_fp(stderr);
	exit(1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* --- options, shared state --- */
static const char *host = "127.0.0.1", *cafile, *appcert, *appkey, *holdercert,
		  *holderkey;
static int port, nreq = 5000, nconn = 8, sm2;
static long server_pid;
static SSL_CTX *ctx;
static EVP_PKEY *hkey;
static char *cert_b64;

/* distinct refusal answers, for the report */
#define MAX_REFUSALS 8
static struct {
	char what[200];
	long n;
} refusals[MAX_REFUSALS];
static long refusals_other;
static pthread_mutex_t refusals_mu = PTHREAD_MUTEX_INITIALIZER;

static void refused(int status, const char *body)
{
	char w[200];
	const char *m = strstr(body, "\"message\"");
	int i;

	snprintf(w, sizeof w, "%d %.180s", status, m ? m : body);
	pthread_mutex_lock(&refusals_mu);
	for (i = 0; i < MAX_REFUSALS && refusals[i].n; i++)
		if (!strcmp(refusals[i].what, w))
			break;
	if (i < MAX_REFUSALS) {
		if (!refusals[i].n)
			snprintf(refusals[i].what, sizeof refusals[i].what, "%s", w);
		refusals[i].n++;
	} else {
		refusals_other++;
	}
	pthread_mutex_unlock(&refusals_mu);
}

/* --- one connection --- */
struct conn {
	int id, fd, first, count; /* requests [first, first + count) */
	SSL *ssl;
	char in[65536];
	size_t have;
	pthread_t th;
	/* results */
	long valid, bad;
	double *lat; /* seconds, one per request */
	double t_end;
};

static char **challenge; /* nreq, each CHALLENGE text */
static char **verify_req; /* nreq, full HTTP requests */
static size_t *verify_len;
static pthread_barrier_t start2;
static double t_start2;

static void conn_open(struct conn *c)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int one = 1;

	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
		die("%s: not an IPv4 address", host);
	if ((c->fd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    connect(c->fd, (struct sockaddr *)&sa, sizeof sa) != 0)
		die("connect %s:%d: %s", host, port, strerror(errno));
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (!(c->ssl = SSL_new(ctx)) || !SSL_set_fd(c->ssl, c->fd) ||
	    !X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), host))
		die("SSL_new");
	if (SSL_connect(c->ssl) != 1)
		die("TLS handshake with %s:%d (verify: %s)", host, port,
		    X509_verify_cert_error_string(SSL_get_verify_result(c->ssl)));
}

static void send_all(struct conn *c, const char *buf, size_t len)
{
	while (len) {
		int w = SSL_write(c->ssl, buf, (int)(len > 1 << 30 ? 1 << 30 : len));
		if (w <= 0)
			die("connection %d: SSL_write failed", c->id);
		buf += w;
		len -= (size_t)w;
	}
}

static void fill(struct conn *c)
{
	int r;

	if (c->have >= sizeof c->in - 1)
		die("connection %d: answer too long", c->id);
	r = SSL_read(c->ssl, c->in + c->have, (int)(sizeof c->in - 1 - c->have));
	if (r <= 0)
		die("connection %d: connection closed by the server (SSL error %d)",
		    c->id, SSL_get_error(c->ssl, r));
	c->have += (size_t)r;
	c->in[c->have] = '\0';
}

/* Reads one HTTP/1.1 answer (Content-Length framing): its status, its body
 * copied NUL-terminated into body (bodysz bytes). */
static int read_answer(struct conn *c, char *body, size_t bodysz)
{
	char *end, *p;
	size_t hlen, clen;
	int status;

	while (!(end = strstr(c->in, "\r\n\r\n")))
		fill(c);
	hlen = (size_t)(end - c->in) + 4;
	if (sscanf(c->in, "HTTP/1.%*d %d", &status) != 1)
		die("connection %d: not an HTTP answer: %.60s", c->id, c->in);
	for (p = c->in; p && p < end; p = strstr(p, "\r\n")) {
		p += 2;
		if (!strncasecmp(p, "Content-Length:", 15))
			break;
	}
	if (!p || p >= end)
		die("connection %d: no Content-Length in the answer", c->id);
	clen = strtoul(p + 15, NULL, 10);
	if (hlen + clen >= sizeof c->in)
		die("connection %d: answer too long", c->id);
	while (c->have < hlen + clen)
		fill(c);
	snprintf(body, bodysz, "%.*s", (int)clen, c->in + hlen);
	memmove(c->in, c->in + hlen + clen, c->have - hlen - clen);
	c->have -= hlen + clen;
	c->in[c->have] = '\0';
	return status;
}

static void *phase1(void *arg)
{
	struct conn *c = arg;
	char req[256], body[4096];
	int n;

	conn_open(c);
	n = snprintf(req, sizeof req,
		     "POST /api/v1/auth/challenge HTTP/1.1\r\nHost: %s:%d\r\n"
		     "Content-Length: 0\r\n\r\n", host, port);
	for (int i = c->first; i < c->first + c->count; i++) {
		char *p, *q;
		int st;

		send_all(c, req, (size_t)n);
		st = read_answer(c, body, sizeof body);
		if (st != 200 || !(p = strstr(body, "\"challenge\":\"")) ||
		    !(q = strchr(p += 13, '"')))
			die("POST /api/v1/auth/challenge: %d %s", st, body);
		challenge[i] = strndup(p, (size_t)(q - p));
	}
	return NULL;
}

/* Signs challenges [first, first + count) with the holder key and builds
 * their verify requests. */
static void *sign_slice(void *arg)
{
	struct conn *c = arg;
	unsigned char sig[256];
	char sig64[400];

	for (int i = c->first; i < c->first + c->count; i++) {
		EVP_MD_CTX *m = EVP_MD_CTX_new();
		EVP_PKEY_CTX *pc = NULL;
		size_t slen = sizeof sig;
		char *body;

		if (!m || EVP_DigestSignInit_ex(m, &pc, sm2 ? "SM3" : "SHA256", NULL, NULL,
						hkey, NULL) != 1 ||
		    (sm2 && EVP_PKEY_CTX_set1_id(pc, "1234567812345678", 16) != 1) ||
		    EVP_DigestSign(m, sig, &slen, (unsigned char *)challenge[i],
				   strlen(challenge[i])) != 1)
			die("signing a challenge");
		EVP_MD_CTX_free(m);
		EVP_EncodeBlock((unsigned char *)sig64, sig, (int)slen);
		if (asprintf(&body, "{\"certificate\":\"%s\",\"challenge\":\"%s\",\"signature\":\"%s\"}",
			     cert_b64, challenge[i], sig64) < 0 ||
		    asprintf(&verify_req[i], "POST /api/v1/auth/verify HTTP/1.1\r\nHost: %s:%d\r\n"
			     "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
			     host, port, strlen(body), body) < 0)
			die("out of memory");
		verify_len[i] = strlen(verify_req[i]);
		free(body);
	}
	return NULL;
}

static void *phase2(void *arg)
{
	struct conn *c = arg;
	char body[8192];

	pthread_barrier_wait(&start2);
	for (int k = 0; k < c->count; k++) {
		int i = c->first + k, st;
		double t0 = now();

		send_all(c, verify_req[i], verify_len[i]);
		st = read_answer(c, body, sizeof body);
		c->lat[k] = now() - t0;
		if (st == 200 && strstr(body, "\"valid\":true"))
			c->valid++;
		else {
			c->bad++;
			refused(st, body);
		}
	}
	c->t_end = now();
	return NULL;
}

/* --- measurements around phase 2 --- */
static double proc_cpu(long pid) /* seconds of user + system CPU, all threads */
{
	char path[64], buf[2048], *p;
	unsigned long long ut = 0, st = 0;
	FILE *f;
	size_t n;

	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	if (!(f = fopen(path, "r")))
		die("%s: %s", path, strerror(errno));
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	if (!(p = strrchr(buf, ')')) ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		die("%s: unreadable", path);
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static void machine(unsigned long long *busy, unsigned long long *all)
{
	unsigned long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "r");

	if (!f || fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
			 &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) != 8)
		die("/proc/stat: unreadable");
	fclose(f);
	*busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
	*all = *busy + v[3] + v[4];
}

static double self_cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static int cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void usage(void)
{
	fprintf(stderr, "usage: authclient -a HOST:PORT -C CA.pem -c APP.crt -k APP.key "
			"-u HOLDER.pem -K HOLDER.key [-n N] [-t CONNS] [-p SERVER_PID] "
			"[-- CMD ARGS... (run during phase 2, then sent SIGINT)]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static char hostbuf[64];
	struct conn *cs;
	pthread_t *th;
	X509 *hc;
	FILE *f;
	unsigned char *der = NULL;
	int dl, o;
	double t0, t1, sv0 = 0, sv1 = 0, cl0, cl1, *lat, tmax;
	unsigned long long b0, a0, b1, a1;
	long valid = 0, bad = 0;
	pid_t perf = 0;
	char **cmdv = NULL;

	while ((o = getopt(argc, argv, "+a:C:c:k:u:K:n:t:p:")) != -1) {
		switch (o) {
		case 'a': {
			char *colon = strrchr(optarg, ':');
			if (!colon || (size_t)(colon - optarg) >= sizeof hostbuf)
				usage();
			snprintf(hostbuf, sizeof hostbuf, "%.*s", (int)(colon - optarg), optarg);
			host = hostbuf;
			port = atoi(colon + 1);
			break;
		}
		case 'C': cafile = optarg; break;
		case 'c': appcert = optarg; break;
		case 'k': appkey = optarg; break;
		case 'u': holdercert = optarg; break;
		case 'K': holderkey = optarg; break;
		case 'n': nreq = atoi(optarg); break;
		case 't': nconn = atoi(optarg); break;
		case 'p': server_pid = atol(optarg); break;
		default: usage();
		}
	}
	if (optind < argc)
		cmdv = argv + optind;
	if (!port || !cafile || !appcert || !appkey || !holdercert || !holderkey ||
	    nreq < 1 || nconn < 1 || nconn > nreq)
		usage();
	signal(SIGPIPE, SIG_IGN);

	/* the holder: certificate (base64 DER), key */
	if (!(f = fopen(holdercert, "r")) || !(hc = PEM_read_X509(f, NULL, NULL, NULL)))
		die("%s: no PEM certificate", holdercert);
	fclose(f);
	if ((dl = i2d_X509(hc, &der)) <= 0)
		die("%s: DER", holdercert);
	cert_b64 = malloc((size_t)dl * 4 / 3 + 8);
	EVP_EncodeBlock((unsigned char *)cert_b64, der, dl);
	OPENSSL_free(der);
	X509_free(hc);
	if (!(f = fopen(holderkey, "r")) || !(hkey = PEM_read_PrivateKey(f, NULL, NULL, NULL)))
		die("%s: no PEM private key (unencrypted)", holderkey);
	fclose(f);
	sm2 = EVP_PKEY_is_a(hkey, "SM2");

	/* the application system's TLS client */
	if (!(ctx = SSL_CTX_new(TLS_client_method())) ||
	    SSL_CTX_load_verify_locations(ctx, cafile, NULL) != 1 ||
	    SSL_CTX_use_certificate_chain_file(ctx, appcert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, appkey, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1)
		die("TLS client setup (%s, %s, %s)", cafile, appcert, appkey);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);

	challenge = calloc((size_t)nreq, sizeof *challenge);
	verify_req = calloc((size_t)nreq, sizeof *verify_req);
	verify_len = calloc((size_t)nreq, sizeof *verify_len);
	cs = calloc((size_t)nconn, sizeof *cs);
	th = calloc((size_t)nconn, sizeof *th);
	lat = malloc((size_t)nreq * sizeof *lat);
	if (!challenge || !verify_req || !verify_len || !cs || !th || !lat)
		die("out of memory");
	for (int k = 0, first = 0; k < nconn; k++) {
		cs[k].id = k;
		cs[k].first = first;
		cs[k].count = nreq / nconn + (k < nreq % nconn);
		cs[k].lat = lat + first;
		first += cs[k].count;
	}

	/* phase 1: connections, challenges, signatures */
	t0 = now();
	for (int k = 0; k < nconn; k++)
		if (pthread_create(&th[k], NULL, phase1, &cs[k]))
			die("pthread_create");
	for (int k = 0; k < nconn; k++)
		pthread_join(th[k], NULL);
	t1 = now();
	printf("challenge_s %.3f\n", t1 - t0);
	printf("challenge_rate %.0f\n", nreq / (t1 - t0));
	t0 = now();
	for (int k = 0; k < nconn; k++)
		if (pthread_create(&th[k], NULL, sign_slice, &cs[k]))
			die("pthread_create");
	for (int k = 0; k < nconn; k++)
		pthread_join(th[k], NULL);
	t1 = now();
	printf("sign_s %.3f\n", t1 - t0);
	printf("request_bytes %zu\n", verify_len[0]);

	if (cmdv) {
		posix_spawn_file_actions_t fa;

		/* its output to stderr: stdout holds the results */
		posix_spawn_file_actions_init(&fa);
		posix_spawn_file_actions_adddup2(&fa, 2, 1);
		if (posix_spawnp(&perf, cmdv[0], &fa, NULL, cmdv, environ) != 0)
			die("%s: cannot start", cmdv[0]);
		posix_spawn_file_actions_destroy(&fa);
		sleep(1); /* perf attaches */
	}

	/* phase 2: the verify requests */
	pthread_barrier_init(&start2, NULL, (unsigned)nconn + 1);
	for (int k = 0; k < nconn; k++)
		if (pthread_create(&th[k], NULL, phase2, &cs[k]))
			die("pthread_create");
	if (server_pid)
		sv0 = proc_cpu(server_pid);
	cl0 = self_cpu();
	machine(&b0, &a0);
	t_start2 = now();
	pthread_barrier_wait(&start2);
	for (int k = 0; k < nconn; k++)
		pthread_join(th[k], NULL);
	t1 = now();
	machine(&b1, &a1);
	cl1 = self_cpu();
	if (server_pid)
		sv1 = proc_cpu(server_pid);
	if (perf) {
		int st;
		kill(perf, SIGINT);
		if (waitpid(perf, &st, 0) != perf || !WIFEXITED(st) || WEXITSTATUS(st))
			fprintf(stderr, "authclient: %s ended badly\n", cmdv[0]);
	}

	tmax = t1 - t_start2;
	for (int k = 0; k < nconn; k++) {
		valid += cs[k].valid;
		bad += cs[k].bad;
	}
	qsort(lat, (size_t)nreq, sizeof *lat, cmpd);
	printf("requests %d\n", nreq);
	printf("connections %d\n", nconn);
	printf("valid %ld\n", valid);
	printf("refused %ld\n", bad);
	printf("seconds %.3f\n", tmax);
	printf("rate_all %.0f\n", nreq / tmax);
	printf("rate_valid %.0f\n", valid / tmax);
	printf("p50_ms %.3f\n", 1000 * lat[(size_t)((nreq - 1) * 0.50)]);
	printf("p99_ms %.3f\n", 1000 * lat[(size_t)((nreq - 1) * 0.99)]);
	printf("max_ms %.3f\n", 1000 * lat[nreq - 1]);
	if (server_pid) {
		printf("server_cpu_s %.2f\n", sv1 - sv0);
		printf("server_cores %.2f\n", (sv1 - sv0) / tmax);
		printf("valid_per_server_cpu_s %.0f\n", sv1 > sv0 ? valid / (sv1 - sv0) : 0.0);
	}
	printf("client_cpu_s %.2f\n", cl1 - cl0);
	printf("client_cores %.2f\n", (cl1 - cl0) / tmax);
	printf("machine_cores %.2f\n",
	       a1 > a0 ? (double)sysconf(_SC_NPROCESSORS_ONLN) * (double)(b1 - b0) / (double)(a1 - a0) : 0.0);
	for (int i = 0; i < MAX_REFUSALS && refusals[i].n; i++)
		printf("refusal %ld %s\n", refusals[i].n, refusals[i].what);
	if (refusals_other)
		printf("refusal %ld (other answers)\n", refusals_other);
	return 0;
}
