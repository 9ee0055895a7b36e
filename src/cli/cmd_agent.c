/* finca agent: the holder's signing agent (docs/console.md, "The agent").
 * A small HTTP server on loopback that lists the certificates on the
 * USBKeys present and signs a login challenge with a token's key, for the
 * console page in the holder's browser.  The agent asks for the PIN itself;
 * the page never sees it.
 *
 * What stands between a web page and the token: the listener is loopback
 * only; every request must carry an Origin given with --origin and a
 * loopback Host (a DNS-rebinding page sends its own name); a PIN is offered
 * to the token once per request, and a PIN the token refused is never
 * offered to it again.  Plain HTTP is enough: browsers treat
 * http://127.0.0.1 as a secure context. */
#include "cli/cli.h"
#include "ca/dn.h"
#include "crypto/key.h"
#include "crypto/pem.h"
#include "crypto/sig.h"
#include "http/jsonreq.h"
#include "token/p11.h"
#include "util/err.h"
#include "util/util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <microhttpd.h>
#include <netdb.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define BODY_MAX 4096          /* {"id", "challenge"} fits many times over */
#define CHALLENGE_MAX 256      /* docs/console.md: printable ASCII */
#define PIN_MAX 128
#define PIN_FILE_MAX 65536
#define ASK_SECONDS 120        /* a login challenge lives 120 s (CHALLENGE_TTL) */
#define ORIGINS_MAX 32
#define ORIGIN_LEN 200
#define REFUSED_MAX 16

/* A PIN a token refused, kept as HMAC(run key, serial, PIN): it is never
 * offered to that token again, so no page can burn the token's tries by
 * asking again and again with a stale --pin-file.  XXX: a PIN refused and
 * later made valid by a PIN change elsewhere stays refused until the agent
 * restarts or the token accepts another PIN. */
struct refused {
	char serial[17];           /* "" when free */
	unsigned char mac[32];
};

struct agent {
	struct p11 *m;             /* owned */
	struct p11_sm2 sm2;
	const char *origins[ORIGINS_MAX];  /* borrowed: argv or env_origins */
	size_t norigins;
	char *env_origins;         /* owned copy of $FINCA_AGENT_ORIGINS, split */
	const char *pin_file, *pin_command;
	char host[72];             /* the listening address as a Host names it */
	unsigned port;
	pthread_mutex_t tok_mu;    /* one PKCS#11 conversation at a time */
	pthread_mutex_t ask_mu;    /* one PIN prompt at a time */
	unsigned char mac_key[32]; /* random per run, for refused */
	struct refused refused[REFUSED_MAX];   /* under tok_mu */
	size_t refused_next;
};

/* Set on SIGINT/SIGTERM: a PIN prompt in progress gives up. */
static atomic_int stopping;

/* One HTTP request. */
struct areq {
	char method[8], path[128];
	char origin[ORIGIN_LEN + 1];   /* as received, made printable: the log */
	const char *allow;         /* the --origin it matched (borrowed), or NULL */
	char *body;                /* owned */
	size_t len;
	int too_big, status;
	char note[256];            /* what happened, for the log (never a PIN) */
};

/* --- answers --- */

static void headers(struct MHD_Response *resp, const struct areq *r)
{
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Vary", "Origin");
	if (r->allow)
		MHD_add_response_header(resp, "Access-Control-Allow-Origin", r->allow);
}

/* Queues j (taken) as the answer. */
static enum MHD_Result send_json(struct MHD_Connection *c, struct areq *r, int status,
				 json_t *j)
{
	char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
	struct MHD_Response *resp;
	enum MHD_Result ret;

	json_decref(j);
	if (!s)
		return MHD_NO;
	/* json_dumps allocates with malloc: MHD frees it with free */
	resp = MHD_create_response_from_buffer(strlen(s), s, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(s);
		return MHD_NO;
	}
	headers(resp, r);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	ret = MHD_queue_response(c, (unsigned)status, resp);
	MHD_destroy_response(resp);
	r->status = status;
	return ret;
}

/* {"error": {"code", "message", extra...}}; extra (taken) may be NULL. */
static enum MHD_Result send_err(struct MHD_Connection *c, struct areq *r, int status,
				const char *code, const char *msg, json_t *extra)
{
	json_t *e = json_pack("{s:s, s:s}", "code", code, "message", msg);

	if (extra) {
		json_object_update(e, extra);
		json_decref(extra);
	}
	snprintf(r->note, sizeof r->note, "%s", msg);
	return send_json(c, r, status, json_pack("{s:o}", "error", e));
}

/* --- who may ask --- */

/* A printable copy of an outside string, for logs and prompts. */
static void printable(char *out, size_t len, const char *in)
{
	size_t i;

	for (i = 0; in && in[i] && i + 1 < len; i++)
		out[i] = (unsigned char)in[i] < 0x20 || in[i] == 0x7f ? '?' : in[i];
	out[i] = '\0';
}

/* The Host must name the loopback listener: a page on evil.example that
 * re-points its name at 127.0.0.1 sends Host: evil.example. */
static int host_ok(const struct agent *a, const char *host)
{
	char want[96];
	const char *names[] = { "127.0.0.1", "localhost", a->host };

	if (!host)
		return 0;
	for (size_t i = 0; i < ARRAY_LEN(names); i++) {
		snprintf(want, sizeof want, "%s:%u", names[i], a->port);
		if (!strcasecmp(host, want))
			return 1;
	}
	return 0;
}

/* The --origin equal to origin, or NULL. */
static const char *origin_allowed(const struct agent *a, const char *origin)
{
	if (!origin)
		return NULL;
	for (size_t i = 0; i < a->norigins; i++)
		if (!strcmp(origin, a->origins[i]))
			return a->origins[i];
	return NULL;
}

/* An origin as browsers send it: scheme "://" host [":" port] in lower
 * case, nothing after. */
static int origin_valid(const char *o)
{
	const char *h = !strncmp(o, "https://", 8) ? o + 8 : !strncmp(o, "http://", 7) ? o + 7
		: NULL;

	if (!h || !*h || strlen(o) > ORIGIN_LEN)
		return 0;
	for (; *h; h++)
		if (!((*h >= 'a' && *h <= 'z') || (*h >= '0' && *h <= '9') || strchr("-.:[]", *h)))
			return 0;
	return 1;
}

static int origin_add(struct agent *a, const char *o)
{
	if (!origin_valid(o))
		return err_set(FINCA_EINVAL, "--origin '%.80s': an origin is scheme://host[:port] in "
			       "lower case with nothing after, as browsers send it "
			       "(e.g. https://ca.example:8443)", o);
	if (a->norigins == ORIGINS_MAX)
		return err_set(FINCA_EINVAL, "--origin: at most %d origins", ORIGINS_MAX);
	a->origins[a->norigins++] = o;
	return FINCA_OK;
}

/* --- the certificates on the tokens --- */

static const char *alg_name(EVP_PKEY *k)
{
	char g[64];
	size_t gl;

	if (!k)
		return "other";
	if (key_is_sm2(k))
		return "sm2";
	if (EVP_PKEY_is_a(k, "RSA"))
		return "rsa";
	if (EVP_PKEY_is_a(k, "EC") &&
	    EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, g, sizeof g, &gl))
		return !strcmp(g, "prime256v1") ? "p256" : !strcmp(g, "SM2") ? "sm2" : "other";
	return "other";
}

/* "TOKENSERIAL:CKAIDHEX" of a certificate (out: 17 + 1 + 128 + 1 bytes). */
static void id_format(const char *serial, const struct p11_cert *pc, char *out, size_t len)
{
	char hex[2 * sizeof pc->id + 1];

	hex_encode(pc->id, pc->idlen, hex);
	snprintf(out, len, "%s:%s", serial, hex);
}

static int hexval(int ch)
{
	return ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
		: ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
}

/* Splits an id into the token serial and the CKA_ID; 0 when malformed.
 * The last ':' splits: the hex has none. */
static int id_parse(const char *s, char serial[17], unsigned char id[64], size_t *idlen)
{
	const char *colon = strrchr(s, ':');
	size_t sl, hl;

	if (!colon)
		return 0;
	sl = (size_t)(colon - s);
	hl = strlen(colon + 1);
	if (sl == 0 || sl > 16 || hl % 2 || hl / 2 > 64)
		return 0;
	for (size_t i = 0; i < hl / 2; i++) {
		int hi = hexval(colon[1 + 2 * i]), lo = hexval(colon[2 + 2 * i]);
		if (hi < 0 || lo < 0)
			return 0;
		id[i] = (unsigned char)(hi << 4 | lo);
	}
	memcpy(serial, s, sl);
	serial[sl] = '\0';
	*idlen = hl / 2;
	return 1;
}

static json_t *cert_json(const struct p11_token *t, const struct p11_cert *pc)
{
	char id[17 + 1 + 128 + 1], serial[41], na[32] = "";
	unsigned char *der = NULL;
	int n = i2d_X509(pc->x, &der);
	char *b64 = n > 0 ? b64_encode(der, (size_t)n) : NULL;
	char *subj = dn_format(X509_get_subject_name(pc->x));
	struct tm tm;
	json_t *j = NULL;

	id_format(t->serial, pc, id, sizeof id);
	ca_cert_serial(pc->x, serial);
	if (ASN1_TIME_to_tm(X509_get0_notAfter(pc->x), &tm) != 1 ||
	    !strftime(na, sizeof na, "%Y-%m-%dT%H:%M:%SZ", &tm))
		na[0] = '\0';
	if (b64)
		j = json_pack("{s:s, s:{s:s, s:s}, s:s, s:s, s:s, s:s, s:s}", "id", id, "token",
			      "serial", t->serial, "label", t->label, "certificate", b64,
			      "subject", subj ? subj : "", "serial", serial, "not_after", na,
			      "algorithm", alg_name(X509_get0_pubkey(pc->x)));
	OPENSSL_free(der);
	free(b64);
	free(subj);
	return j;
}

/* Every certificate on every initialised token present (*out: the
 * caller's).  A token that fails while read is left out and named in
 * note. */
static int certs_list(struct agent *a, json_t **out, char *note, size_t nlen)
{
	struct p11_token *t = NULL;
	size_t nt = 0;
	json_t *arr = json_array();
	int rc;

	pthread_mutex_lock(&a->tok_mu);
	if ((rc = p11_list(a->m, &t, &nt)) != FINCA_OK)
		goto out;
	for (size_t i = 0; i < nt; i++) {
		struct p11s *s = NULL;
		struct p11_cert *v = NULL;
		size_t nv = 0;
		if (!t[i].initialized)
			continue;
		if (p11_open(a->m, t[i].slot, &s) != FINCA_OK ||
		    p11_get_certs(s, &v, &nv) != FINCA_OK)
			snprintf(note, nlen, "token %s left out: %s", t[i].serial, err_msg());
		for (size_t k = 0; k < nv; k++) {
			json_t *j = cert_json(&t[i], &v[k]);
			if (j)
				json_array_append_new(arr, j);
		}
		p11_certs_free(v, nv);
		p11_close(s);
	}
	*out = arr;
	arr = NULL;
out:
	pthread_mutex_unlock(&a->tok_mu);
	free(t);
	json_decref(arr);
	return rc;
}

/* The token of serial and its certificate with CKA_ID id (*x: the
 * caller's).  FINCA_ENOTFOUND when either is not there.  Under tok_mu. */
static int cert_find(struct agent *a, const char *serial, const unsigned char *id,
		     size_t idlen, struct p11_token *t, X509 **x)
{
	struct p11s *s = NULL;
	struct p11_cert *v = NULL;
	size_t n = 0;
	int rc;

	if ((rc = p11_find(a->m, serial, t)) != FINCA_OK)
		return rc;
	if (!t->initialized)
		return err_set(FINCA_ENOTFOUND, "token %s is not initialised", serial);
	if ((rc = p11_open(a->m, t->slot, &s)) != FINCA_OK ||
	    (rc = p11_get_certs(s, &v, &n)) != FINCA_OK)
		goto out;
	rc = err_set(FINCA_ENOTFOUND, "token %s holds no such certificate", serial);
	for (size_t i = 0; i < n; i++)
		if (v[i].idlen == idlen && !memcmp(v[i].id, id, idlen)) {
			X509_up_ref(v[i].x);
			*x = v[i].x;
			rc = FINCA_OK;
			break;
		}
out:
	p11_certs_free(v, n);
	p11_close(s);
	return rc;
}

/* --- the PIN --- */

/* What the holder is asked about. */
struct ask {
	const char *serial, *origin;
	char label[33], subject[256], cert[41];
	int final_try;
};

/* One line from fd into out, waiting at most ASK_SECONDS; a PIN is
 * neither empty nor longer than len - 1. */
static int read_line(int fd, char *out, size_t len, const char *what)
{
	struct timespec t0, now;
	size_t n = 0;
	char ch;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t got;
		int k;
		if (atomic_load(&stopping))
			return err_set(FINCA_EIO, "%s: the agent is stopping", what);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - t0.tv_sec >= ASK_SECONDS) {
			OPENSSL_cleanse(out, len);
			return err_set(FINCA_EIO, "%s: no PIN within %d seconds", what, ASK_SECONDS);
		}
		/* short waits, so that a stop is seen */
		if ((k = poll(&p, 1, 500)) < 0 && errno != EINTR)
			return err_set(FINCA_EIO, "%s: %s", what, strerror(errno));
		if (k <= 0)
			continue;
		/* a byte at a time: nothing after the line is taken */
		if ((got = read(fd, &ch, 1)) < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (got <= 0 || ch == '\n')
			break;
		if (n + 1 >= len) {
			OPENSSL_cleanse(out, len);
			OPENSSL_cleanse(&ch, 1);
			return err_set(FINCA_EINVAL, "%s: a PIN of more than %zu characters", what,
				       len - 1);
		}
		out[n++] = ch;
	}
	OPENSSL_cleanse(&ch, 1);
	if (n && out[n - 1] == '\r')
		n--;
	out[n] = '\0';
	return n ? FINCA_OK : err_set(FINCA_EIO, "%s: no PIN given", what);
}

/* The PIN file must be a regular file neither group nor others can read or
 * write (a writer could plant wrong PINs and lock the token). */
static int pin_file_check(const char *path, int fd)
{
	struct stat st;

	if (fstat(fd, &st) != 0)
		return err_set(FINCA_EIO, "--pin-file %s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return err_set(FINCA_EPOLICY, "--pin-file %s: not a regular file", path);
	if (st.st_mode & (S_IRGRP | S_IWGRP | S_IROTH | S_IWOTH))
		return err_set(FINCA_EPOLICY, "--pin-file %s: mode %03o lets group or others read "
			       "or write it; chmod 600 it", path, (unsigned)(st.st_mode & 0777));
	return FINCA_OK;
}

/* The PIN of token serial from --pin-file: lines "TOKENSERIAL PIN", '#'
 * starts a comment line.  Read at each request: an edit takes effect. */
static int pin_from_file(const char *path, const char *serial, char *pin, size_t len)
{
	char *buf = xcalloc(1, PIN_FILE_MAX + 1), *line, *save = NULL;
	size_t n = 0;
	ssize_t got;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;

	if (fd < 0) {
		rc = err_set(FINCA_EIO, "--pin-file %s: %s", path, strerror(errno));
		goto out;
	}
	if ((rc = pin_file_check(path, fd)) != FINCA_OK)
		goto out;
	while (n < PIN_FILE_MAX && (got = read(fd, buf + n, PIN_FILE_MAX - n)) != 0) {
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rc = err_set(FINCA_EIO, "--pin-file %s: %s", path, strerror(errno));
			goto out;
		}
		n += (size_t)got;
	}
	if (n == PIN_FILE_MAX) {
		rc = err_set(FINCA_EINVAL, "--pin-file %s: larger than %d bytes", path, PIN_FILE_MAX);
		goto out;
	}
	rc = err_set(FINCA_EIO, "--pin-file %s: no line for token %s", path, serial);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		size_t sl = strcspn(line, " \t"), pl;
		char *p = line + sl;
		if (line[0] == '#' || sl != strlen(serial) || strncmp(line, serial, sl))
			continue;
		p += strspn(p, " \t");
		pl = strcspn(p, "\r");
		if (pl == 0 || pl >= len) {
			rc = err_set(FINCA_EINVAL, "--pin-file %s: the PIN of token %s is empty or "
				     "longer than %zu characters", path, serial, len - 1);
			break;
		}
		memcpy(pin, p, pl);
		pin[pl] = '\0';
		rc = FINCA_OK;
		break;
	}
out:
	if (fd >= 0)
		close(fd);
	OPENSSL_cleanse(buf, PIN_FILE_MAX + 1);
	free(buf);
	return rc;
}

/* Asks on the agent's terminal, echo off.  FINCA_ENOTFOUND when there is
 * none it may read: no controlling terminal, or the agent runs in the
 * background of one (reading would stop it). */
static int pin_from_tty(const struct ask *q, char *pin, size_t len)
{
	struct termios old, quiet;
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC), rc;

	if (fd < 0)
		return FINCA_ENOTFOUND;
	if (tcgetpgrp(fd) != getpgrp() || tcgetattr(fd, &old) != 0) {
		close(fd);
		return FINCA_ENOTFOUND;
	}
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	tcsetattr(fd, TCSAFLUSH, &quiet);
	dprintf(fd, "\nfinca agent: %s asks for a login signature by\n  %s\n"
		"  (certificate %s on USBKey %s, serial %s)\n%sPIN: ", q->origin, q->subject,
		q->cert, q->label, q->serial,
		q->final_try ? "One more wrong PIN locks the USBKey.\n" : "");
	rc = read_line(fd, pin, len, "the terminal");
	tcsetattr(fd, TCSAFLUSH, &old);
	dprintf(fd, "\n");
	close(fd);
	return rc;
}

/* Runs --pin-command with sh and takes the first line it prints.  The
 * command learns what is asked from FINCA_AGENT_* in its environment, never
 * from its command line: no quoting to get wrong. */
static int pin_from_command(const struct agent *a, const struct ask *q, char *pin,
			    size_t len)
{
	char *argv[] = { "sh", "-c", (char *)a->pin_command, NULL };
	char *mine[6] = { NULL }, **envp;
	size_t ne = 0, k = 0;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, def;
	pid_t pid;
	int p[2], err, st = 0, killed = 0, rc;

	if (pipe2(p, O_CLOEXEC) != 0)
		return err_set(FINCA_EIO, "--pin-command: %s", strerror(errno));
	if (asprintf(&mine[0], "FINCA_AGENT_TOKEN=%s", q->serial) < 0 ||
	    asprintf(&mine[1], "FINCA_AGENT_LABEL=%s", q->label) < 0 ||
	    asprintf(&mine[2], "FINCA_AGENT_SUBJECT=%s", q->subject) < 0 ||
	    asprintf(&mine[3], "FINCA_AGENT_ORIGIN=%s", q->origin) < 0 ||
	    asprintf(&mine[4], "FINCA_AGENT_PROMPT=PIN of USBKey %s (%s) for %s, asked by %s%s",
		     q->label, q->serial, q->subject, q->origin,
		     q->final_try ? " (one more wrong PIN locks it)" : "") < 0)
		abort();
	while (environ[ne])
		ne++;
	envp = xcalloc(ne + ARRAY_LEN(mine), sizeof *envp);
	for (size_t i = 0; i < ne; i++)
		if (strncmp(environ[i], "FINCA_AGENT_", 12))
			envp[k++] = environ[i];
	for (size_t i = 0; mine[i]; i++)
		envp[k++] = mine[i];
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], STDOUT_FILENO);
	/* the agent blocks SIGINT/SIGTERM (sigwait) and ignores SIGPIPE; the
	 * command gets the defaults back */
	posix_spawnattr_init(&at);
	sigemptyset(&none);
	sigemptyset(&def);
	sigaddset(&def, SIGINT);
	sigaddset(&def, SIGTERM);
	sigaddset(&def, SIGPIPE);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &def);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	err = posix_spawn(&pid, "/bin/sh", &fa, &at, argv, envp);
	close(p[1]);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	free(envp);
	for (size_t i = 0; i < ARRAY_LEN(mine); i++)
		free(mine[i]);
	if (err) {
		close(p[0]);
		return err_set(FINCA_EIO, "--pin-command: cannot run /bin/sh: %s", strerror(err));
	}
	rc = read_line(p[0], pin, len, "--pin-command");
	close(p[0]);
	/* a command that never gave its line, or lingers 2 s after it, is
	 * ended; one that ends by itself must end well */
	for (int i = 0; waitpid(pid, &st, WNOHANG) == 0; i++) {
		if (i == 40 || rc != FINCA_OK) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			killed = 1;
			break;
		}
		usleep(50000);
	}
	if (rc == FINCA_OK && !killed && !(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
		OPENSSL_cleanse(pin, len);
		rc = err_set(FINCA_EIO, "--pin-command failed (%s %d): no PIN",
			     WIFEXITED(st) ? "exit status" : "signal",
			     WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
	}
	return rc;
}

/* The PIN, from --pin-command, else the terminal, else --pin-file. */
static int pin_ask(struct agent *a, const struct ask *q, char *pin, size_t len)
{
	int rc;

	pthread_mutex_lock(&a->ask_mu);
	if (a->pin_command)
		rc = pin_from_command(a, q, pin, len);
	else if ((rc = pin_from_tty(q, pin, len)) == FINCA_ENOTFOUND)
		rc = a->pin_file ? pin_from_file(a->pin_file, q->serial, pin, len)
			: err_set(FINCA_EIO, "no terminal to ask for the PIN on, and neither "
				  "--pin-command nor --pin-file");
	pthread_mutex_unlock(&a->ask_mu);
	return rc;
}

static void pin_mac(const struct agent *a, const char *serial, const char *pin,
		    unsigned char mac[32])
{
	unsigned char buf[17 + PIN_MAX];
	size_t sl = strlen(serial) + 1, pl = strlen(pin);
	unsigned int ml = 32;

	memcpy(buf, serial, sl);      /* the NUL keeps serial and PIN apart */
	memcpy(buf + sl, pin, pl);
	HMAC(EVP_sha256(), a->mac_key, sizeof a->mac_key, buf, sl + pl, mac, &ml);
	OPENSSL_cleanse(buf, sizeof buf);
}

/* Under tok_mu. */
static int pin_refused(const struct agent *a, const char *serial, const unsigned char mac[32])
{
	for (size_t i = 0; i < REFUSED_MAX; i++)
		if (!strcmp(a->refused[i].serial, serial) &&
		    !CRYPTO_memcmp(a->refused[i].mac, mac, 32))
			return 1;
	return 0;
}

/* Under tok_mu: ok, the token took a PIN, forget what it refused. */
static void pin_remember(struct agent *a, const char *serial, const unsigned char mac[32],
			 int ok)
{
	if (ok) {
		for (size_t i = 0; i < REFUSED_MAX; i++)
			if (!strcmp(a->refused[i].serial, serial))
				memset(&a->refused[i], 0, sizeof a->refused[i]);
		return;
	}
	snprintf(a->refused[a->refused_next].serial, sizeof a->refused->serial, "%s", serial);
	memcpy(a->refused[a->refused_next].mac, mac, 32);
	a->refused_next = (a->refused_next + 1) % REFUSED_MAX;
}

/* --- signing --- */

/* What a failed signing answers. */
struct refusal {
	int status;                /* HTTP */
	const char *code;
	int tries_left;            /* -1: the token does not say */
};

/* Logs in to token serial with pin, signs data with the key of CKA_ID id
 * (certificate x), logs out.  *sig (OPENSSL_free) is the caller's.  On
 * failure *why says how to answer.  The PIN is offered once, and never
 * when the token refused it before. */
static int token_sign(struct agent *a, const char *serial, const char *pin, X509 *x,
		      const unsigned char *id, size_t idlen, const char *data,
		      unsigned char **sig, size_t *siglen, struct refusal *why)
{
	struct p11_token t;
	struct p11s *s = NULL;
	unsigned char mac[32];
	int rc;

	*why = (struct refusal){ 500, "token", -1 };
	pin_mac(a, serial, pin, mac);
	pthread_mutex_lock(&a->tok_mu);
	if (pin_refused(a, serial, mac)) {
		*why = (struct refusal){ 401, "wrong_pin", -1 };
		rc = err_set(FINCA_EAUTH, "token %s refused this PIN before; it is not offered "
			     "again", serial);
		goto out;
	}
	if ((rc = p11_find(a->m, serial, &t)) != FINCA_OK) {
		if (rc == FINCA_ENOTFOUND)
			*why = (struct refusal){ 404, "not_found", -1 };
		goto out;
	}
	if (t.pin_locked) {
		*why = (struct refusal){ 423, "pin_locked", -1 };
		rc = err_set(FINCA_EAUTH, "token %s: the PIN is locked", serial);
		goto out;
	}
	if ((rc = p11_open(a->m, t.slot, &s)) != FINCA_OK)
		goto out;
	rc = p11_login(s, 0, pin);
	/* wrong, expired or refused by length or characters: the flags say
	 * whether the token is now locked */
	if (rc == FINCA_EAUTH || rc == FINCA_EINVAL) {
		char msg[256];
		snprintf(msg, sizeof msg, "%s", err_msg());
		pin_remember(a, serial, mac, 0);
		if (p11_find(a->m, serial, &t) == FINCA_OK && t.pin_locked) {
			*why = (struct refusal){ 423, "pin_locked", -1 };
			rc = err_set(FINCA_EAUTH, "token %s: %s; the PIN is now locked", serial, msg);
		} else {
			*why = (struct refusal){ 401, "wrong_pin", t.pin_final_try ? 1 : -1 };
			rc = err_set(FINCA_EAUTH, "token %s: %s%s", serial, msg, t.pin_final_try ?
				     "; one more wrong PIN locks it" : "");
		}
		goto out;
	}
	if (rc != FINCA_OK)
		goto out;
	pin_remember(a, serial, mac, 1);
	rc = p11_sign(s, &a->sm2, X509_get0_pubkey(x), id, idlen, (const unsigned char *)data,
		      strlen(data), sig, siglen);
out:
	p11_close(s);              /* logs out */
	pthread_mutex_unlock(&a->tok_mu);
	OPENSSL_cleanse(mac, sizeof mac);
	return rc;
}

/* Printable ASCII, 1 to CHALLENGE_MAX bytes. */
static int challenge_ok(const char *s, size_t len)
{
	if (len == 0 || len > CHALLENGE_MAX || strlen(s) != len)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return 0;
	return 1;
}

static enum MHD_Result handle_sign(struct agent *a, struct MHD_Connection *c,
				   struct areq *r)
{
	const char *id = NULL, *ch = NULL, *bad = NULL;
	const struct field f[] = {
		{ "id", F_STR, 1, &id },
		{ "challenge", F_STR, 1, &ch },
	};
	char serial[17], pin[PIN_MAX], msg[320];
	unsigned char kid[64], *sig = NULL, *der = NULL;
	size_t kidlen = 0, siglen = 0;
	struct p11_token t;
	struct refusal why;
	struct ask q;
	json_t *body = NULL;
	X509 *x = NULL;
	char *subj = NULL, *b64s = NULL, *b64c = NULL;
	enum MHD_Result ret;
	int n, rc;

	memset(&q, 0, sizeof q);
	if (r->too_big) {
		ret = send_err(c, r, 400, "invalid", "body larger than 4096 bytes", NULL);
		goto out;
	}
	if (jsonreq_parse(r->body ? r->body : "", r->len, BODY_MAX, &body) != FINCA_OK ||
	    jsonreq_decode(body, f, ARRAY_LEN(f), &bad) != FINCA_OK) {
		snprintf(msg, sizeof msg, "%s%s%s", bad ? bad : "", bad ? ": " : "", err_msg());
		ret = send_err(c, r, 400, "invalid", msg, NULL);
		goto out;
	}
	if (!challenge_ok(ch, json_string_length(json_object_get(body, "challenge")))) {
		ret = send_err(c, r, 400, "invalid", "challenge: 1 to 256 printable ASCII characters",
			       NULL);
		goto out;
	}
	if (strlen(id) != json_string_length(json_object_get(body, "id")) ||
	    !id_parse(id, serial, kid, &kidlen)) {
		ret = send_err(c, r, 400, "invalid", "id: expected TOKENSERIAL:CKAIDHEX, as "
			       "GET /v1/certificates lists it", NULL);
		goto out;
	}
	pthread_mutex_lock(&a->tok_mu);
	rc = cert_find(a, serial, kid, kidlen, &t, &x);
	pthread_mutex_unlock(&a->tok_mu);
	if (rc != FINCA_OK) {
		ret = rc == FINCA_ENOTFOUND ? send_err(c, r, 404, "not_found", err_msg(), NULL)
			: send_err(c, r, 500, "token", err_msg(), NULL);
		goto out;
	}
	if (t.pin_locked) {
		snprintf(msg, sizeof msg, "token %s: the PIN is locked; an approved PIN reset "
			 "request is needed", serial);
		ret = send_err(c, r, 423, "pin_locked", msg, NULL);
		goto out;
	}
	q.serial = serial;
	q.origin = r->allow;
	q.final_try = t.pin_final_try;
	printable(q.label, sizeof q.label, t.label);
	subj = dn_format(X509_get_subject_name(x));
	printable(q.subject, sizeof q.subject, subj);
	ca_cert_serial(x, q.cert);
	if ((rc = pin_ask(a, &q, pin, sizeof pin)) != FINCA_OK) {
		ret = send_err(c, r, 503, "no_pin", err_msg(), NULL);
		goto out;
	}
	rc = token_sign(a, serial, pin, x, kid, kidlen, ch, &sig, &siglen, &why);
	OPENSSL_cleanse(pin, sizeof pin);
	if (rc != FINCA_OK) {
		ret = send_err(c, r, why.status, why.code, err_msg(), why.tries_left >= 0 ?
			       json_pack("{s:i}", "tries_left", why.tries_left) : NULL);
		goto out;
	}
	/* what finca's holder_verify will check, checked here first: a key
	 * that does not match its certificate is named now, not at login */
	if (sig_verify(X509_get0_pubkey(x), (const unsigned char *)ch, strlen(ch), sig,
		       siglen) != FINCA_OK) {
		snprintf(msg, sizeof msg, "token %s: the signature does not verify with the "
			 "certificate (its key is another)", serial);
		ret = send_err(c, r, 500, "token", msg, NULL);
		goto out;
	}
	if ((n = i2d_X509(x, &der)) <= 0) {
		ret = send_err(c, r, 500, "token", "the certificate does not encode", NULL);
		goto out;
	}
	b64c = b64_encode(der, (size_t)n);
	b64s = b64_encode(sig, siglen);
	snprintf(r->note, sizeof r->note, "signed with token %s, certificate %s", serial, q.cert);
	ret = send_json(c, r, 200, json_pack("{s:s, s:s}", "certificate", b64c, "signature", b64s));
out:
	json_decref(body);
	X509_free(x);
	OPENSSL_free(sig);
	OPENSSL_free(der);
	free(subj);
	free(b64c);
	free(b64s);
	return ret;
}

/* --- HTTP --- */

static enum MHD_Result preflight(struct MHD_Connection *c, struct areq *r)
{
	const char *pna = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						      "Access-Control-Request-Private-Network");
	struct MHD_Response *resp = MHD_create_response_from_buffer(0, NULL,
								    MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (!resp)
		return MHD_NO;
	headers(resp, r);
	MHD_add_response_header(resp, "Access-Control-Allow-Methods", "GET, POST");
	MHD_add_response_header(resp, "Access-Control-Allow-Headers", "Content-Type");
	MHD_add_response_header(resp, "Access-Control-Max-Age", "600");
	/* Private Network Access: a public page may call a loopback server
	 * only when the server says so */
	if (pna && !strcasecmp(pna, "true"))
		MHD_add_response_header(resp, "Access-Control-Allow-Private-Network", "true");
	ret = MHD_queue_response(c, 204, resp);
	MHD_destroy_response(resp);
	r->status = 204;
	return ret;
}

static enum MHD_Result dispatch(struct agent *a, struct MHD_Connection *c, struct areq *r,
				const char *url)
{
	const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
	const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
	int list = !strcmp(url, "/v1/certificates"), sign = !strcmp(url, "/v1/sign");
	char msg[128];

	if (!host_ok(a, host)) {
		snprintf(msg, sizeof msg, "Host must be 127.0.0.1:%u or localhost:%u", a->port,
			 a->port);
		return send_err(c, r, 403, "forbidden", msg, NULL);
	}
	if ((r->allow = origin_allowed(a, origin)) == NULL)
		return send_err(c, r, 403, "forbidden", origin ? "this Origin may not use the "
				"agent (--origin)" : "no Origin: only the pages named with --origin "
				"may use the agent", NULL);
	if (!list && !sign)
		return send_err(c, r, 404, "not_found", "no such path (GET /v1/certificates, "
				"POST /v1/sign)", NULL);
	if (!strcmp(r->method, "OPTIONS"))
		return preflight(c, r);
	if (list && !strcmp(r->method, "GET")) {
		json_t *arr = NULL;
		if (certs_list(a, &arr, r->note, sizeof r->note) != FINCA_OK)
			return send_err(c, r, 500, "token", err_msg(), NULL);
		if (!r->note[0])
			snprintf(r->note, sizeof r->note, "%zu certificate%s", json_array_size(arr),
				 json_array_size(arr) == 1 ? "" : "s");
		return send_json(c, r, 200, json_pack("{s:o}", "certificates", arr));
	}
	if (sign && !strcmp(r->method, "POST"))
		return handle_sign(a, c, r);
	return send_err(c, r, 405, "method", list ? "GET /v1/certificates" : "POST /v1/sign",
			NULL);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *data,
				  size_t *data_size, void **req_cls)
{
	struct agent *a = cls;
	struct areq *r = *req_cls;

	(void)version;
	if (!r) {
		r = xcalloc(1, sizeof *r);
		printable(r->method, sizeof r->method, method);
		printable(r->path, sizeof r->path, url);
		printable(r->origin, sizeof r->origin,
			  MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin"));
		*req_cls = r;
		return MHD_YES;
	}
	if (*data_size) {
		if (r->len + *data_size > BODY_MAX) {
			r->too_big = 1;    /* read on, answer at the end */
		} else {
			r->body = xrealloc(r->body, r->len + *data_size + 1);
			memcpy(r->body + r->len, data, *data_size);
			r->len += *data_size;
			r->body[r->len] = '\0';
		}
		*data_size = 0;
		return MHD_YES;
	}
	return dispatch(a, c, r, url);
}

/* One line per request on stderr: method, path, origin, status, why. */
static void on_done(void *cls, struct MHD_Connection *c, void **req_cls,
		    enum MHD_RequestTerminationCode toe)
{
	struct areq *r = *req_cls;

	(void)cls;
	(void)c;
	if (!r)
		return;
	if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK && !r->status)
		r->status = 499;   /* the client went away */
	fprintf(stderr, "finca agent: %s %s origin=%s %d%s%s\n", r->method, r->path,
		r->origin[0] ? r->origin : "-", r->status, r->note[0] ? " " : "", r->note);
	free(r->body);
	free(r);
	*req_cls = NULL;
}

/* --listen HOST:PORT, loopback only: 127.0.0.0/8, ::1 or localhost. */
static int listen_parse(const char *spec, struct sockaddr_storage *ss, struct agent *a)
{
	char host[64];
	const char *colon = strrchr(spec, ':');
	struct addrinfo hints, *ai = NULL;
	size_t hl = colon ? (size_t)(colon - spec) : 0;
	char *end;
	unsigned long port;
	int loop;

	if (!colon || hl == 0 || hl >= sizeof host)
		return err_set(FINCA_EINVAL, "--listen '%.80s': expected HOST:PORT", spec);
	memcpy(host, spec, hl);
	host[hl] = '\0';
	port = strtoul(colon + 1, &end, 10);
	if (*end || end == colon + 1 || port == 0 || port > 65535)
		return err_set(FINCA_EINVAL, "--listen '%.80s': expected a port 1-65535", spec);
	if (!strcmp(host, "localhost"))
		snprintf(host, sizeof host, "127.0.0.1");
	snprintf(a->host, sizeof a->host, "%s", host);
	hl = strlen(host);
	if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {   /* [::1] */
		memmove(host, host + 1, hl - 2);
		host[hl - 2] = '\0';
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, colon + 1, &hints, &ai) != 0)
		return err_set(FINCA_EINVAL, "--listen '%.80s': expected a numeric IP address and "
			       "a port", spec);
	loop = ai->ai_family == AF_INET ?
		(ntohl(((struct sockaddr_in *)ai->ai_addr)->sin_addr.s_addr) >> 24) == 127 :
		ai->ai_family == AF_INET6 &&
		IN6_IS_ADDR_LOOPBACK(&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr);
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	if (ai->ai_family == AF_INET6 && a->host[0] != '[')
		snprintf(a->host, sizeof a->host, "[%s]", host);
	freeaddrinfo(ai);
	if (!loop)
		return err_set(FINCA_EPOLICY, "--listen %.80s: the agent listens on loopback only "
			       "(127.0.0.1 or [::1]); on another address anyone on the network "
			       "could ask the USBKey for signatures", spec);
	a->port = (unsigned)port;
	return FINCA_OK;
}

/* Loads the module, listens, serves until SIGINT or SIGTERM. */
static int agent_run(struct agent *a, const char *module, const char *listen)
{
	struct sockaddr_storage ss;
	struct MHD_Daemon *d = NULL;
	sigset_t set;
	int sig = 0, rc;

	if ((rc = listen_parse(listen, &ss, a)) != FINCA_OK)
		return rc;
	/* signals are taken by sigwait below; every thread made after this
	 * (MHD's, the module's) inherits the mask */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((rc = p11_load(module, &a->m)) != FINCA_OK)
		return rc;
	/* a thread per connection: a request waiting for its PIN holds up
	 * only itself (the token itself is taken one request at a time) */
	errno = 0;
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
			     MHD_USE_ITC | MHD_USE_ERROR_LOG |
			     (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
			     0, NULL, NULL, on_request, a,
			     MHD_OPTION_SOCK_ADDR, &ss,
			     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)30,
			     MHD_OPTION_CONNECTION_LIMIT, (unsigned int)32,
			     MHD_OPTION_NOTIFY_COMPLETED, on_done, a,
			     MHD_OPTION_END);
	if (!d)
		return err_set(FINCA_EIO, "cannot listen on %s: %s", listen,
			       errno ? strerror(errno) : "see above");
	fprintf(stderr, "finca agent: listening on http://%s:%u for %zu origin%s; PIN from %s\n",
		a->host, a->port, a->norigins, a->norigins == 1 ? "" : "s",
		a->pin_command ? "--pin-command" : a->pin_file ? "the terminal, else --pin-file"
		: "the terminal");
	while (sig != SIGINT && sig != SIGTERM)
		if (sigwait(&set, &sig) != 0)
			sig = 0;
	fprintf(stderr, "finca agent: stopping\n");
	atomic_store(&stopping, 1);
	MHD_stop_daemon(d);
	return FINCA_OK;
}

static int usage(void)
{
	return cli_usage(
		"agent --module PATH --origin URL... [--listen 127.0.0.1:8765]\n"
		"       [--pin-file FILE | --pin-command CMD] [--sm2-sign MECH]\n"
		"  the holder's signing agent for the web console (docs/console.md);\n"
		"  origins also from $FINCA_AGENT_ORIGINS (space-separated)");
}

int cmd_agent(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "module", required_argument, NULL, 'm' },
		{ "listen", required_argument, NULL, 'l' },
		{ "origin", required_argument, NULL, 'o' },
		{ "pin-file", required_argument, NULL, 'f' },
		{ "pin-command", required_argument, NULL, 'p' },
		{ "sm2-sign", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	struct agent a;
	const char *module = NULL, *listen = "127.0.0.1:8765", *env;
	char *end, *save = NULL, *w;
	int ch, fd, rc = FINCA_OK;

	(void)c;
	memset(&a, 0, sizeof a);
	pthread_mutex_init(&a.tok_mu, NULL);
	pthread_mutex_init(&a.ask_mu, NULL);
	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'm': module = optarg; break;
		case 'l': listen = optarg; break;
		case 'o':
			if ((rc = origin_add(&a, optarg)) != FINCA_OK)
				goto out;
			break;
		case 'f': a.pin_file = optarg; break;
		case 'p': a.pin_command = optarg; break;
		case 's':
			errno = 0;
			a.sm2.sign = strtoul(optarg, &end, 0);
			if (errno || *end || end == optarg || !a.sm2.sign) {
				rc = err_set(FINCA_EINVAL, "--sm2-sign '%.40s': expected the vendor's "
					     "mechanism number (e.g. 0x80000101)", optarg);
				goto out;
			}
			break;
		default:
			rc = usage();
			goto done;
		}
	}
	if (optind != argc) {
		rc = usage();
		goto done;
	}
	if ((env = getenv("FINCA_AGENT_ORIGINS")) != NULL) {
		a.env_origins = xstrdup(env);
		for (w = strtok_r(a.env_origins, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
			if ((rc = origin_add(&a, w)) != FINCA_OK)
				goto out;
	}
	if (!module) {
		rc = err_set(FINCA_EINVAL, "agent: give --module PATH, the USBKey's PKCS#11 module");
		goto out;
	}
	if (a.norigins == 0) {
		rc = err_set(FINCA_EINVAL, "agent: give --origin URL (or $FINCA_AGENT_ORIGINS): the "
			     "console page that may use the agent, e.g. https://ca.example:8443");
		goto out;
	}
	if (a.pin_file && a.pin_command) {
		rc = err_set(FINCA_EINVAL, "agent: --pin-file or --pin-command, not both");
		goto out;
	}
	if (a.pin_file) {
		if ((fd = open(a.pin_file, O_RDONLY | O_CLOEXEC)) < 0) {
			rc = err_set(FINCA_EIO, "--pin-file %s: %s", a.pin_file, strerror(errno));
			goto out;
		}
		rc = pin_file_check(a.pin_file, fd);
		close(fd);
		if (rc != FINCA_OK)
			goto out;
	}
	if (RAND_bytes(a.mac_key, sizeof a.mac_key) != 1) {
		rc = err_ssl(FINCA_ECRYPTO, "agent: random key");
		goto out;
	}
	rc = agent_run(&a, module, listen);
out:
	rc = rc == FINCA_OK ? 0 : cli_fail(rc);
done:
	p11_free(a.m);
	free(a.env_origins);
	OPENSSL_cleanse(&a.mac_key, sizeof a.mac_key);
	OPENSSL_cleanse(a.refused, sizeof a.refused);
	pthread_mutex_destroy(&a.tok_mu);
	pthread_mutex_destroy(&a.ask_mu);
	return rc;
}
