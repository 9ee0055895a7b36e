/* [ra] of finca.conf: the registration authority's settings.  Parsed,
 * checked and documented here; registered with ca/config.c's section
 * registry by the constructor at the end. */
#include "ra/ra.h"
#include "ca/config.h"
#include "util/err.h"

#include <string.h>

static int ra_set(void *data, const char *key, const char *v)
{
	struct ra_conf *r = data;

	if (strcmp(key, "paperless"))
		return CONFIG_NO_KEY;
	if (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "1"))
		r->paperless = 1;
	else if (!strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "0"))
		r->paperless = 0;
	else
		return err_set(FINCA_ECONFIG, "[ra] paperless: '%s' is not true or false", v);
	return FINCA_OK;
}

static const struct config_section ra_section = {
	.name = "ra",
	.rank = 45,
	.size = sizeof(struct ra_conf),
	.set = ra_set,
	.default_text =
"[ra]\n"
"# Art. 19: a batch is approved only once the scan of its stamped paper\n"
"# forms is attached (PDF, PNG or JPEG).  true: the deployment works\n"
"# paperless and approval needs no scan.\n"
"paperless = false\n"
"\n",
};

const struct ra_conf *ra_conf(const struct config *c)
{
	static const struct ra_conf none; /* not registered: the defaults */
	const struct ra_conf *r = config_section(c, &ra_section);

	return r ? r : &none;
}

/* Before main: see config_section_register (ca/config.h) for why a
 * constructor. */
__attribute__((constructor)) static void ra_conf_register(void)
{
	config_section_register(&ra_section);
}
