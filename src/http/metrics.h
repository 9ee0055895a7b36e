/* Counters for GET /metrics (Prometheus text format). */
#ifndef FINCA_METRICS_H
#define FINCA_METRICS_H

#include <stdatomic.h>
#include <stdint.h>

enum route {
	R_OCSP, R_CRL, R_CACERT, R_METRICS, R_HEALTH, R_API, R_CONSOLE, R_OTHER, R_N
};
enum status_class { S_2XX, S_3XX, S_4XX, S_5XX, S_N };

#define LAT_BUCKETS 10

struct metrics {
	atomic_ullong requests[R_N][S_N];
	atomic_ullong lat[R_N][LAT_BUCKETS + 1]; /* cumulative at render */
	atomic_ullong lat_sum_us[R_N];
};

void metrics_observe(struct metrics *m, int route, int status, uint64_t us);
/* Appends the exposition text to a new string (caller frees). */
char *metrics_render(struct metrics *m, const char *extra);
const char *route_name(int route);

#endif
