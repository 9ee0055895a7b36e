/* The signing agent: who may ask.  Only the pages named with --origin, and
 * only through a Host naming the loopback listener. */
#include "agent/agent_int.h"
#include "util/err.h"
#include "util/util.h"

#include <string.h>
#include <strings.h>
#include <stdio.h>

/* A printable copy of an outside string, for logs and prompts. */
void agent_printable(char *out, size_t len, const char *in)
{
	size_t i;

	for (i = 0; in && in[i] && i + 1 < len; i++)
		out[i] = (unsigned char)in[i] < 0x20 || in[i] == 0x7f ? '?' : in[i];
	out[i] = '\0';
}

/* The Host must name the loopback listener: a page on evil.example that
 * re-points its name at 127.0.0.1 sends Host: evil.example. */
int agent_host_ok(const struct agent *a, const char *host)
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
const char *agent_origin_allowed(const struct agent *a, const char *origin)
{
	if (!origin)
		return NULL;
	for (size_t i = 0; i < a->cfg.norigins; i++)
		if (!strcmp(origin, a->cfg.origins[i]))
			return a->cfg.origins[i];
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

int agent_origin_add(struct agent_config *cfg, const char *o)
{
	if (!origin_valid(o))
		return err_why(FINCA_EINVAL, NULL, "agent.origin_format",
				"--origin '%.80s': an origin is scheme://host[:port] in "
			       "lower case with nothing after, as browsers send it "
			       "(e.g. https://ca.example:8443)", o);
	if (cfg->norigins == AGENT_ORIGINS_MAX)
		return err_why(FINCA_EINVAL, NULL, "agent.origins_max",
				"--origin: at most %d origins", AGENT_ORIGINS_MAX);
	cfg->origins[cfg->norigins++] = o;
	return FINCA_OK;
}

