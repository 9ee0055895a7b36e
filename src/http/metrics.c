#include "http/metrics.h"
#include "util/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* latency bucket bounds in microseconds */
static const uint64_t bounds[LAT_BUCKETS] = {
	100, 250, 500, 1000, 2500, 5000, 10000, 50000, 250000, 1000000
};

static const char *const routes[R_N] = {
	"ocsp", "crl", "ca_cert", "metrics", "health", "api", "console", "other"
};

const char *route_name(int route)
{
	return routes[route];
}

void metrics_observe(struct metrics *m, int route, int status, uint64_t us)
{
	int c = status >= 500 ? S_5XX : status >= 400 ? S_4XX : status >= 300 ? S_3XX : S_2XX;
	int b = 0;

	while (b < LAT_BUCKETS && us > bounds[b])
		b++;
	atomic_fetch_add(&m->requests[route][c], 1);
	atomic_fetch_add(&m->lat[route][b], 1);
	atomic_fetch_add(&m->lat_sum_us[route], us);
}

struct sbuf {
	char *p;
	size_t len, cap;
};

static void put(struct sbuf *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct sbuf *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(s->p + s->len, s->cap - s->len, fmt, ap);
		va_end(ap);
		if ((size_t)n < s->cap - s->len)
			break;
		s->cap = s->cap * 2 + (size_t)n;
		s->p = xrealloc(s->p, s->cap);
	}
	s->len += (size_t)n;
}

char *metrics_render(struct metrics *m, const char *extra)
{
	static const char *const cls[S_N] = { "2xx", "3xx", "4xx", "5xx" };
	struct sbuf s = { xcalloc(1, 4096), 0, 4096 };

	put(&s, "# HELP finca_http_requests_total HTTP requests by route and status class.\n"
		"# TYPE finca_http_requests_total counter\n");
	for (int r = 0; r < R_N; r++)
		for (int c = 0; c < S_N; c++) {
			unsigned long long v = atomic_load(&m->requests[r][c]);
			if (v)
				put(&s, "finca_http_requests_total{route=\"%s\",status=\"%s\"} %llu\n",
				    routes[r], cls[c], v);
		}
	put(&s, "# HELP finca_http_request_duration_seconds Request latency.\n"
		"# TYPE finca_http_request_duration_seconds histogram\n");
	for (int r = 0; r < R_N; r++) {
		unsigned long long cum = 0;
		for (int b = 0; b <= LAT_BUCKETS; b++) {
			cum += atomic_load(&m->lat[r][b]);
			if (b < LAT_BUCKETS)
				put(&s, "finca_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
				    routes[r], (double)bounds[b] / 1e6, cum);
			else
				put(&s, "finca_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n",
				    routes[r], cum);
		}
		put(&s, "finca_http_request_duration_seconds_sum{route=\"%s\"} %g\n", routes[r],
		    (double)atomic_load(&m->lat_sum_us[r]) / 1e6);
		put(&s, "finca_http_request_duration_seconds_count{route=\"%s\"} %llu\n", routes[r], cum);
	}
	if (extra)
		put(&s, "%s", extra);
	return s.p;
}
