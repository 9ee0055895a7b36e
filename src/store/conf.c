/* [store] of finca.conf: where the database is.  Without it, the SQLite
 * file finca.db of the data directory; with url, a PostgreSQL database
 * (db_pg.c).  Keys and files stay in the data directory either way.
 * Parsed and documented here; registered with ca/config.c's section
 * registry by the constructor at the end (the registry's types only: the
 * store calls nothing of ca/). */
#include "store/store.h"
#include "ca/config.h"
#include "util/err.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

struct store_conf {
	char *url; /* NULL: finca.db */
};

static int url_ok(const char *v)
{
	return !strncmp(v, "postgresql://", 13) || !strncmp(v, "postgres://", 11);
}

static int store_set(void *data, const char *key, const char *v)
{
	struct store_conf *s = data;

	if (strcmp(key, "url"))
		return CONFIG_NO_KEY;
	/* the URL may carry a password: not repeated in the message */
	if (!url_ok(v))
		return err_why(FINCA_ECONFIG, NULL, "store.url",
			       "[store] url: not a postgresql:// URL");
	free(s->url);
	s->url = xstrdup(v);
	return FINCA_OK;
}

static void store_conf_free(void *data)
{
	free(((struct store_conf *)data)->url);
}

static const struct config_section store_section = {
	.name = "store",
	.rank = 5,
	.size = sizeof(struct store_conf),
	.set = store_set,
	.free = store_conf_free,
	.default_text =
"[store]\n"
"# The database.  Without url: the SQLite file finca.db here.  With url, a\n"
"# PostgreSQL database (libpq's URL; 'finca init --store URL' writes it), e.g.\n"
"#   url = postgresql://finca@/finca?host=/run/postgresql\n"
"# Keys, certificates and this file stay in this directory either way.\n"
"\n",
};

char *store_where(const struct config *c, const char *dir)
{
	const struct store_conf *s = config_section(c, &store_section);

	return s && s->url ? xstrdup(s->url) : path_join(dir, "finca.db");
}

int store_url_ok(const char *url)
{
	return url_ok(url);
}

/* 1 when line (up to its end) is "url" then "=", spaces allowed */
static int is_url_line(const char *line)
{
	while (*line == ' ' || *line == '\t')
		line++;
	if (strncmp(line, "url", 3))
		return 0;
	line += 3;
	while (*line == ' ' || *line == '\t')
		line++;
	return *line == '=';
}

char *store_conf_with_url(const char *conf, const char *url)
{
	const char *sec = NULL, *p, *end, *at = NULL, *after;
	size_t n = strlen(conf), ul = strlen(url);
	char *out;

	/* the [store] header, at a line's start */
	for (p = conf; p && *p; p = (p = strchr(p, '\n')) ? p + 1 : NULL)
		if (!strncmp(p, "[store]", 7)) {
			sec = p;
			break;
		}
	out = xrealloc(NULL, n + ul + 32);
	if (!sec) {
		snprintf(out, n + ul + 32, "%s%s[store]\nurl = %s\n", conf,
			 n && conf[n - 1] != '\n' ? "\n" : "", url);
		return out;
	}
	/* its url line, before the next section */
	end = strchr(sec, '\n');
	after = end ? end + 1 : conf + n;
	for (p = after; *p && *p != '['; p = (end = strchr(p, '\n')) ? end + 1 : conf + n)
		if (is_url_line(p)) {
			at = p;
			break;
		}
	if (at) {
		const char *le = strchr(at, '\n');
		const char *rest = le ? le + 1 : conf + n;
		snprintf(out, n + ul + 32, "%.*surl = %s\n%s", (int)(at - conf), conf, url, rest);
	} else {
		snprintf(out, n + ul + 32, "%.*surl = %s\n%s", (int)(after - conf), conf, url,
			 after);
	}
	return out;
}

/* Before main: see config_section_register (ca/config.h) for why a
 * constructor. */
__attribute__((constructor)) static void store_conf_register(void)
{
	config_section_register(&store_section);
}
