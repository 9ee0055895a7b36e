/* [server] and [console] of finca.conf: finca serve's listeners, limits
 * and log (server.c, deadline.c), and the web console (console.c).
 * Parsed, checked and documented here; registered with ca/config.c's
 * section registry by the constructor at the end. */
#include "http/conf.h"
#include "util/err.h"
#include "util/util.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* --- [server] --- */

#define SERVER_INT(name, field, lo, hi) CONFIG_INT(name, struct server_conf, field, lo, hi)
static const struct config_int server_ints[] = {
	SERVER_INT("threads", threads, 0, 256),
	SERVER_INT("body_max", body_max, 1024, 64 << 20),
	SERVER_INT("idle_timeout", idle_timeout, 1, 3600),
	SERVER_INT("request_timeout", request_timeout, 0, 3600),
	SERVER_INT("body_min_rate", body_min_rate, 0, 1 << 30),
	SERVER_INT("max_connections", max_connections, 1, 1000000),
	SERVER_INT("per_ip_connections", per_ip_connections, 0, 1000000),
};

static void server_defaults(void *data)
{
	struct server_conf *s = data;

	s->listen = xstrdup("127.0.0.1:8080");
	s->body_max = 24 << 20; /* uploads: spreadsheets, scanned forms (base64) */
	s->idle_timeout = 10;
	s->request_timeout = 20;
	s->body_min_rate = 8192;
	s->max_connections = 2000;
	s->per_ip_connections = 128;
	s->tls_priority = xstrdup(SERVER_TLS_PRIORITY);
	s->log = xstrdup("stderr");
}

static int server_set(void *data, const char *key, const char *v)
{
	struct server_conf *s = data;
	int rc = config_set_int("server", server_ints, ARRAY_LEN(server_ints), s, key, v);

	if (rc != CONFIG_NO_KEY)
		return rc;
	if (!strcmp(key, "listen") || !strcmp(key, "tls_listen")) {
		char **dst = !strcmp(key, "listen") ? &s->listen : &s->tls_listen;
		if (*v && !strchr(v, ':'))
			return err_set(FINCA_ECONFIG, "[server] %s: '%s' is not ADDRESS:PORT",
				       key, v);
		free(*dst);
		*dst = *v ? xstrdup(v) : NULL;
	} else if (!strcmp(key, "tls_priority")) {
		/* checked by GnuTLS when the HTTPS listener starts */
		if (!*v)
			return err_set(FINCA_ECONFIG,
				       "[server] tls_priority: empty (omit it for the default)");
		free(s->tls_priority);
		s->tls_priority = xstrdup(v);
	} else if (!strcmp(key, "log")) {
		if (strcmp(v, "stderr") && strcmp(v, "syslog") && strcmp(v, "none"))
			return err_set(FINCA_ECONFIG,
				       "[server] log: '%s' is not stderr, syslog or none", v);
		free(s->log);
		s->log = xstrdup(v);
	} else {
		return CONFIG_NO_KEY;
	}
	return FINCA_OK;
}

static void server_conf_free(void *data)
{
	struct server_conf *s = data;

	free(s->listen);
	free(s->tls_listen);
	free(s->tls_priority);
	free(s->log);
}

static const struct config_section server_section = {
	.name = "server",
	.rank = 10,
	.size = sizeof(struct server_conf),
	.defaults = server_defaults,
	.set = server_set,
	.free = server_conf_free,
	.default_text =
"[server]\n"
"# finca serve: plain HTTP (OCSP, CRLs, CA certificates) and HTTPS (the JSON\n"
"# API; empty: none).  --listen and --tls-listen override these.\n"
"listen = 127.0.0.1:8080\n"
"tls_listen = 127.0.0.1:8443\n"
"# Worker threads (0: one per core), largest request body in bytes, seconds\n"
"# a silent connection is kept, where request lines go (stderr, syslog or\n"
"# none).\n"
"threads = 0\n"
"body_max = 25165824\n"
"idle_timeout = 10\n"
"log = stderr\n"
"# Abusive clients (slowloris: a byte every few seconds keeps a connection\n"
"# that idle_timeout never closes).  A request (line, headers and body) must\n"
"# arrive whole within request_timeout seconds of the connection's start or\n"
"# of the previous answer (0: no deadline); each body_min_rate bytes of a\n"
"# body add a second (large uploads on slow links; 0: none).  Connections\n"
"# per listener, and per client address and listener (0: no limit; raise it\n"
"# when a proxy or a NAT puts many clients behind one address).\n"
"request_timeout = 20\n"
"body_min_rate = 8192\n"
"max_connections = 2000\n"
"per_ip_connections = 128\n"
"# The HTTPS listener's GnuTLS priority string; the default (below) allows\n"
"# TLS 1.3, and TLS 1.2 with ECDHE and AEAD suites only.  To see what a\n"
"# string allows: gnutls-cli --list --priority 'STRING'.\n"
"# tls_priority = " SERVER_TLS_PRIORITY "\n"
"\n",
};

const struct server_conf *server_conf(const struct config *c)
{
	return config_section(c, &server_section);
}

/* --- [console] --- */

/* 1 when v is the origin of a signing agent: http or https, a loopback
 * host (the agent refuses any other address, docs/console.md) and a port,
 * nothing else but an optional final '/'.  The origin goes verbatim into
 * the console's Content-Security-Policy, so nothing else may pass. */
static int agent_origin_ok(const char *v)
{
	static const char *const hosts[] = { "127.0.0.1:", "localhost:", "[::1]:" };
	const char *p = !strncmp(v, "http://", 7) ? v + 7 :
			!strncmp(v, "https://", 8) ? v + 8 : NULL;
	char port[6];
	size_t i, n;
	int num;

	if (!p)
		return 0;
	for (i = 0; i < ARRAY_LEN(hosts); i++)
		if (!strncmp(p, hosts[i], strlen(hosts[i])))
			break;
	if (i == ARRAY_LEN(hosts))
		return 0;
	p += strlen(hosts[i]);
	n = strspn(p, "0123456789");
	if (n == 0 || p[0] == '0' || n >= sizeof port || (p[n] && strcmp(p + n, "/")))
		return 0;
	memcpy(port, p, n);
	port[n] = '\0';
	return config_parse_int(port, 1, 65535, &num) == 0;
}

static void console_defaults(void *data)
{
	struct console_conf *c = data;

	c->agent = xstrdup("http://127.0.0.1:8765");
}

static int console_set(void *data, const char *key, const char *v)
{
	struct console_conf *c = data;

	if (strcmp(key, "agent"))
		return CONFIG_NO_KEY;
	if (!agent_origin_ok(v))
		return err_set(FINCA_ECONFIG,
			       "[console] agent: '%s' is not http(s)://HOST:PORT with HOST "
			       "127.0.0.1, localhost or [::1] (the signing agent listens on "
			       "loopback only)", v);
	free(c->agent);
	c->agent = xstrdup(v);
	if (v[strlen(v) - 1] == '/') /* an origin has no path */
		c->agent[strlen(v) - 1] = '\0';
	return FINCA_OK;
}

static void console_conf_free(void *data)
{
	struct console_conf *c = data;

	free(c->agent);
}

static const struct config_section console_section = {
	.name = "console",
	.rank = 20,
	.size = sizeof(struct console_conf),
	.defaults = console_defaults,
	.set = console_set,
	.free = console_conf_free,
	.default_text =
"[console]\n"
"# The web console at https://TLS_LISTEN/ui/.  agent: the origin of the\n"
"# signing agent (finca agent) on the users' computers, which the console's\n"
"# pages may call to sign login challenges with a USBKey: http or https,\n"
"# host 127.0.0.1, localhost or [::1] (it listens on loopback only), a port.\n"
"agent = http://127.0.0.1:8765\n"
"\n",
};

const struct console_conf *console_conf(const struct config *c)
{
	return config_section(c, &console_section);
}

/* Before main: see config_section_register (ca/config.h) for why a
 * constructor. */
__attribute__((constructor)) static void http_conf_register(void)
{
	config_section_register(&server_section);
	config_section_register(&console_section);
}
