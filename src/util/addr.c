#include "util/addr.h"
#include "util/err.h"

#include <netdb.h>
#include <stdio.h>
#include <string.h>

int addr_parse(const char *spec, int loopback, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[256];
	const char *colon = strrchr(spec, ':');
	struct addrinfo hints, *ai = NULL;
	size_t hl;

	if (!colon || colon == spec)
		return err_why(FINCA_EINVAL, NULL, "server.listen_format",
			       "listen address '%s': expected HOST:PORT", spec);
	hl = (size_t)(colon - spec);
	if (spec[0] == '[' && hl >= 2 && spec[hl - 1] == ']') {
		spec++;
		hl -= 2;
	}
	if (hl >= sizeof host)
		return err_why(FINCA_EINVAL, NULL, "server.listen_host",
			       "listen address '%s': host too long", spec);
	memcpy(host, spec, hl);
	host[hl] = '\0';
	if (loopback && !strcmp(host, "0.0.0.0"))
		snprintf(host, sizeof host, "127.0.0.1");
	if (loopback && !strcmp(host, "::"))
		snprintf(host, sizeof host, "::1");
	memset(&hints, 0, sizeof hints);
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, colon + 1, &hints, &ai) != 0)
		return err_why(FINCA_EINVAL, NULL, "server.listen_ip",
			       "listen address '%s': expected a numeric IP and port", spec);
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	if (len)
		*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return FINCA_OK;
}
