/* The signing agent: the PIN.  Asked of --pin-command, else on the
 * agent's terminal, else read from --pin-file; never from the page.  A PIN
 * a token refused is remembered (as an HMAC) and not offered again. */
#include "agent/agent_int.h"
#include "util/err.h"
#include "util/msg.h"
#include "util/util.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

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
		if (atomic_load(&agent_stopping))
			return err_why(FINCA_EIO, NULL, "agent.stopping",
					"%s: the agent is stopping", what);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - t0.tv_sec >= ASK_SECONDS) {
			OPENSSL_cleanse(out, len);
			return err_why(FINCA_EIO, NULL, "agent.pin_timeout",
					"%s: no PIN within %d seconds", what, ASK_SECONDS);
		}
		/* short waits, so that a stop is seen */
		if ((k = poll(&p, 1, 500)) < 0 && errno != EINTR)
			return err_why(FINCA_EIO, NULL, "agent.pin_read",
					"%s: %s", what, strerror(errno));
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
			return err_why(FINCA_EINVAL, NULL, "agent.pin_long",
					"%s: a PIN of more than %zu characters", what,
				       len - 1);
		}
		out[n++] = ch;
	}
	OPENSSL_cleanse(&ch, 1);
	if (n && out[n - 1] == '\r')
		n--;
	out[n] = '\0';
	return n ? FINCA_OK : err_why(FINCA_EIO, NULL, "agent.pin_none", "%s: no PIN given", what);
}

/* The PIN file must be a regular file neither group nor others can read or
 * write (a writer could plant wrong PINs and lock the token). */
int agent_pin_file_check(const char *path, int fd)
{
	struct stat st;

	if (fstat(fd, &st) != 0)
		return err_why(FINCA_EIO, NULL, "agent.pin_file_io",
				"--pin-file %s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return err_why(FINCA_EPOLICY, NULL, "agent.pin_file_type",
				"--pin-file %s: not a regular file", path);
	if (st.st_mode & (S_IRGRP | S_IWGRP | S_IROTH | S_IWOTH))
		return err_why(FINCA_EPOLICY, NULL, "agent.pin_file_mode",
				"--pin-file %s: mode %03o lets group or others read "
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
		rc = err_why(FINCA_EIO, NULL, "agent.pin_file_io",
				"--pin-file %s: %s", path, strerror(errno));
		goto out;
	}
	if ((rc = agent_pin_file_check(path, fd)) != FINCA_OK)
		goto out;
	while (n < PIN_FILE_MAX && (got = read(fd, buf + n, PIN_FILE_MAX - n)) != 0) {
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rc = err_why(FINCA_EIO, NULL, "agent.pin_file_io",
					"--pin-file %s: %s", path, strerror(errno));
			goto out;
		}
		n += (size_t)got;
	}
	if (n == PIN_FILE_MAX) {
		rc = err_why(FINCA_EINVAL, NULL, "agent.pin_file_big",
				"--pin-file %s: larger than %d bytes", path, PIN_FILE_MAX);
		goto out;
	}
	rc = err_why(FINCA_EIO, NULL, "agent.pin_file_none",
			"--pin-file %s: no line for token %s", path, serial);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		size_t sl = strcspn(line, " \t"), pl;
		char *p = line + sl;
		if (line[0] == '#' || sl != strlen(serial) || strncmp(line, serial, sl))
			continue;
		p += strspn(p, " \t");
		pl = strcspn(p, "\r");
		if (pl == 0 || pl >= len) {
			rc = err_why(FINCA_EINVAL, NULL, "agent.pin_file_pin",
					"--pin-file %s: the PIN of token %s is empty or "
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

/* What the terminal says, in the agent's language (LANG): the request,
 * the final-try warning, the prompt, the new PIN's second prompt. */
static const struct tty_text {
	const char *asks[3], *cert, *serial, *final_try, *prompt[3], *again, *differ;
} tty_text[2] = {
	{ { "asks for a login signature by", "asks to change the PIN of the USBKey of",
	    "asks to change the PIN of the USBKey of" }, "certificate", "serial",
	  "One more wrong PIN locks the USBKey.\n",
	  { "PIN: ", "Current PIN: ", "New PIN (6-10 digits and letters): " },
	  "New PIN again: ", "The two new PINs differ: nothing was changed.\n" },
	{ { "请求以下证书的登录签名：", "请求修改以下证书所在USBKey的PIN码：",
	    "请求修改以下证书所在USBKey的PIN码：" }, "证书", "序列号",
	  "再输错一次PIN码，USBKey将被锁定。\n",
	  { "PIN码：", "当前PIN码：", "新PIN码（6至10位数字和字母）：" },
	  "再次输入新PIN码：", "两次输入的新PIN码不一致：未作任何修改。\n" },
};

/* Asks on the agent's terminal, echo off; a new PIN twice.  FINCA_ENOTFOUND
 * when there is none it may read: no controlling terminal, or the agent
 * runs in the background of one (reading would stop it). */
static int pin_from_tty(const struct ask *q, char *pin, size_t len)
{
	const struct tty_text *tx = &tty_text[msg_lang_env() == MSG_ZH];
	struct termios old, quiet;
	char again[PIN_MAX];
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
	dprintf(fd, "\nfinca agent: %s %s\n  %s\n  (%s %s, USBKey %s, %s %s)\n%s%s",
		q->origin, tx->asks[q->what], q->subject, tx->cert, q->cert, q->label,
		tx->serial, q->serial,
		q->final_try ? tx->final_try : "", tx->prompt[q->what]);
	rc = read_line(fd, pin, len, "the terminal");
	if (rc == FINCA_OK && q->what == ASK_PIN_NEW) {
		dprintf(fd, "\n%s", tx->again);
		rc = read_line(fd, again, sizeof again, "the terminal");
		if (rc == FINCA_OK && strcmp(again, pin)) {
			dprintf(fd, "\n%s", tx->differ);
			OPENSSL_cleanse(pin, len);
			rc = err_why(FINCA_EINVAL, NULL, "agent.pin_differ",
				     "the new PIN was typed differently the second time");
		}
		OPENSSL_cleanse(again, sizeof again);
	}
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
	char *argv[] = { "sh", "-c", (char *)a->cfg.pin_command, NULL };
	static const char *const purpose[] = { "sign", "current-pin", "new-pin" };
	char *mine[7] = { NULL }, **envp;
	size_t ne = 0, k = 0;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, def;
	pid_t pid;
	int p[2], err, st = 0, killed = 0, rc;

	if (pipe2(p, O_CLOEXEC) != 0)
		return err_why(FINCA_EIO, NULL, "agent.pin_command_io",
				"--pin-command: %s", strerror(errno));
	if (asprintf(&mine[0], "FINCA_AGENT_TOKEN=%s", q->serial) < 0 ||
	    asprintf(&mine[1], "FINCA_AGENT_LABEL=%s", q->label) < 0 ||
	    asprintf(&mine[2], "FINCA_AGENT_SUBJECT=%s", q->subject) < 0 ||
	    asprintf(&mine[3], "FINCA_AGENT_ORIGIN=%s", q->origin) < 0 ||
	    asprintf(&mine[4], "FINCA_AGENT_PROMPT=PIN of USBKey %s (%s) for %s, asked by %s%s",
		     q->label, q->serial, q->subject, q->origin,
		     q->final_try ? " (one more wrong PIN locks it)" : "") < 0 ||
	    asprintf(&mine[5], "FINCA_AGENT_PURPOSE=%s", purpose[q->what]) < 0)
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
		return err_why(FINCA_EIO, NULL, "agent.pin_command_run",
				"--pin-command: cannot run /bin/sh: %s", strerror(err));
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
		rc = err_why(FINCA_EIO, NULL, "agent.pin_command_failed",
				"--pin-command failed (%s %d): no PIN",
			     WIFEXITED(st) ? "exit status" : "signal",
			     WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
	}
	return rc;
}

/* The PIN, from --pin-command, else the terminal, else --pin-file. */
int agent_pin_ask(struct agent *a, const struct ask *q, char *pin, size_t len)
{
	int rc;

	pthread_mutex_lock(&a->ask_mu);
	if (a->cfg.pin_command)
		rc = pin_from_command(a, q, pin, len);
	else if ((rc = pin_from_tty(q, pin, len)) == FINCA_ENOTFOUND)
		rc = a->cfg.pin_file ? pin_from_file(a->cfg.pin_file, q->serial, pin, len)
			: err_why(FINCA_EIO, NULL, "agent.pin_nowhere",
					"no terminal to ask for the PIN on, and neither "
				  "--pin-command nor --pin-file");
	pthread_mutex_unlock(&a->ask_mu);
	return rc;
}

void agent_pin_mac(const struct agent *a, const char *serial, const char *pin,
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
int agent_pin_refused(const struct agent *a, const char *serial, const unsigned char mac[32])
{
	for (size_t i = 0; i < REFUSED_MAX; i++)
		if (!strcmp(a->refused[i].serial, serial) &&
		    !CRYPTO_memcmp(a->refused[i].mac, mac, 32))
			return 1;
	return 0;
}

/* Under tok_mu: ok, the token took a PIN, forget what it refused. */
void agent_pin_remember(struct agent *a, const char *serial, const unsigned char mac[32],
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

