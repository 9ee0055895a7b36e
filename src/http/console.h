/* The web console on the HTTPS listener (docs/console.md, "Serving"). */
#ifndef FINCA_CONSOLE_H
#define FINCA_CONSOLE_H

#include "http/server_int.h"

#include <stddef.h>

/* One file of web/, built into the program: build/gen/console_assets.c,
 * written by scripts/embed.sh at make time. */
struct console_asset {
	const char *path;              /* relative to web/: "index.html", "js/app.js" */
	const unsigned char *data;     /* len bytes, then a NUL */
	size_t len;
};
/* Sorted by path (strcmp order); ends with { NULL, NULL, 0 }. */
extern const struct console_asset console_assets[];
extern const size_t console_nassets;

struct console;

/* Reads FINCA_CONSOLE_DIR (development: the files are then read from that
 * directory at each request; FINCA_EINVAL when it is not a directory) and
 * hashes the built-in files for their ETags.  *out is the caller's
 * (console_free). */
int console_new(struct console **out);
void console_free(struct console *k);

/* GET or HEAD of "/", "/ui" or "/ui/..." on the TLS listener: redirects,
 * files, /ui/config.json.  Under cfg_lock (reads the [console] agent). */
enum MHD_Result console_handle(struct srv *s, struct MHD_Connection *c, struct req *r,
			       const char *url);

#endif
