/* The signing agent's life: start (check --pin-file, listen on loopback,
 * load the module), serve until a signal, stop. */
#include "agent/agent_int.h"
#include "agent/produce.h"
#include "util/err.h"
#include "util/util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

atomic_int agent_stopping;

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
		return err_why(FINCA_EINVAL, NULL, "agent.listen_format",
				"--listen '%.80s': expected HOST:PORT", spec);
	memcpy(host, spec, hl);
	host[hl] = '\0';
	port = strtoul(colon + 1, &end, 10);
	if (*end || end == colon + 1 || port == 0 || port > 65535)
		return err_why(FINCA_EINVAL, NULL, "agent.listen_port",
				"--listen '%.80s': expected a port 1-65535", spec);
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
		return err_why(FINCA_EINVAL, NULL, "agent.listen_ip",
				"--listen '%.80s': expected a numeric IP address and "
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
		return err_why(FINCA_EPOLICY, NULL, "agent.listen_loopback",
				"--listen %.80s: the agent listens on loopback only "
			       "(127.0.0.1 or [::1]); on another address anyone on the network "
			       "could ask the USBKey for signatures", spec);
	a->port = (unsigned)port;
	return FINCA_OK;
}

int agent_start(const struct agent_config *cfg, struct agent **out)
{
	struct agent *a = xcalloc(1, sizeof *a);
	struct sockaddr_storage ss;
	int fd, rc;

	a->cfg = *cfg;
	a->sm2.sign = cfg->sm2_sign;
	a->sm2.keygen = cfg->sm2_keygen;
	a->sm2.import = cfg->sm2_import;
	pthread_mutex_init(&a->tok_mu, NULL);
	pthread_mutex_init(&a->ask_mu, NULL);
	atomic_store(&agent_stopping, 0);
	if (cfg->pin_file) {
		if ((fd = open(cfg->pin_file, O_RDONLY | O_CLOEXEC)) < 0) {
			rc = err_why(FINCA_EIO, NULL, "agent.pin_file_io",
					"--pin-file %s: %s", cfg->pin_file, strerror(errno));
			goto out;
		}
		rc = agent_pin_file_check(cfg->pin_file, fd);
		close(fd);
		if (rc != FINCA_OK)
			goto out;
	}
	if (RAND_bytes(a->mac_key, sizeof a->mac_key) != 1) {
		rc = err_ssl(FINCA_ECRYPTO, "agent: random key");
		goto out;
	}
	if ((rc = listen_parse(cfg->listen, &ss, a)) != FINCA_OK ||
	    (rc = agent_instr_start(cfg->ca_cert, &a->instr)) != FINCA_OK ||
	    (rc = produce_start(cfg, &a->prod)) != FINCA_OK)
		goto out;
	signal(SIGPIPE, SIG_IGN);
	if ((rc = p11_load(cfg->module, &a->m)) != FINCA_OK)
		goto out;
	/* a thread per connection: a request waiting for its PIN holds up
	 * only itself (the token itself is taken one request at a time) */
	errno = 0;
	a->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
				MHD_USE_ITC | MHD_USE_ERROR_LOG |
				(ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
				0, NULL, NULL, agent_http_request, a,
				MHD_OPTION_SOCK_ADDR, &ss,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)30,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned int)32,
				MHD_OPTION_NOTIFY_COMPLETED, agent_http_done, a,
				MHD_OPTION_END);
	if (!a->d) {
		rc = err_why(FINCA_EIO, NULL, "agent.listen",
				"cannot listen on %s: %s", cfg->listen,
			     errno ? strerror(errno) : "see above");
		goto out;
	}
	fprintf(stderr, "finca agent: listening on http://%s:%u for %zu origin%s; PIN from %s\n",
		a->host, a->port, cfg->norigins, cfg->norigins == 1 ? "" : "s",
		cfg->pin_command ? "--pin-command" : cfg->pin_file ? "the terminal, else --pin-file"
		: "the terminal");
	*out = a;
	a = NULL;
out:
	agent_stop(a);
	return rc;
}

void agent_stop(struct agent *a)
{
	if (!a)
		return;
	if (a->d) {
		fprintf(stderr, "finca agent: stopping\n");
		atomic_store(&agent_stopping, 1);
		MHD_stop_daemon(a->d);
	}
	produce_free(a->prod);
	agent_instr_free(a->instr);
	p11_free(a->m);
	OPENSSL_cleanse(a->mac_key, sizeof a->mac_key);
	OPENSSL_cleanse(a->refused, sizeof a->refused);
	pthread_mutex_destroy(&a->tok_mu);
	pthread_mutex_destroy(&a->ask_mu);
	free(a);
}

int agent_run(const struct agent_config *cfg)
{
	struct agent *a = NULL;
	sigset_t set;
	int sig = 0, rc;

	/* signals are taken by sigwait below; every thread made after this
	 * (MHD's, the module's) inherits the mask */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if ((rc = agent_start(cfg, &a)) != FINCA_OK)
		return rc;
	while (sig != SIGINT && sig != SIGTERM)
		if (sigwait(&set, &sig) != 0)
			sig = 0;
	agent_stop(a);
	return FINCA_OK;
}
