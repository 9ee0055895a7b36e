#include "crypto/der.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void der_free(struct der *d)
{
	free(d->p);
	d->p = NULL;
	d->len = d->cap = 0;
}

void der_put(struct der *d, const void *data, size_t n)
{
	if (d->len + n > d->cap) {
		size_t cap = d->cap ? d->cap : 256;
		while (cap < d->len + n)
			cap *= 2;
		d->p = xrealloc(d->p, cap);
		d->cap = cap;
	}
	memcpy(d->p + d->len, data, n);
	d->len += n;
}

void der_header(struct der *d, unsigned char tag, size_t n)
{
	unsigned char h[6];
	size_t k = 0;

	h[k++] = tag;
	if (n < 0x80) {
		h[k++] = (unsigned char)n;
	} else {
		int bytes = n > 0xffffff ? 4 : n > 0xffff ? 3 : n > 0xff ? 2 : 1;
		h[k++] = (unsigned char)(0x80 | bytes);
		for (int i = bytes - 1; i >= 0; i--)
			h[k++] = (unsigned char)(n >> (8 * i));
	}
	der_put(d, h, k);
}

size_t der_tlv_size(size_t n)
{
	return 1 + (n < 0x80 ? 1 : n <= 0xff ? 2 : n <= 0xffff ? 3 :
		    n <= 0xffffff ? 4 : 5) + n;
}

void der_uint(struct der *d, const unsigned char *be, size_t n)
{
	while (n > 1 && be[0] == 0) {
		be++;
		n--;
	}
	if (n > 0 && (be[0] & 0x80)) {
		der_header(d, 0x02, n + 1);
		der_put(d, "", 1);
	} else {
		der_header(d, 0x02, n);
	}
	der_put(d, be, n);
}

void der_time(struct der *d, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char buf[32];

	gmtime_r(&tt, &tm);
	if (tm.tm_year + 1900 < 2050) {
		/* UTCTime: two-digit year (RFC 5280 4.1.2.5.1) */
		snprintf(buf, sizeof buf, "%02d%02d%02d%02d%02d%02dZ",
			 tm.tm_year % 100, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
			 tm.tm_min, tm.tm_sec);
		der_header(d, 0x17, 13);
		der_put(d, buf, 13);
	} else {
		strftime(buf, sizeof buf, "%Y%m%d%H%M%SZ", &tm);
		der_header(d, 0x18, 15);
		der_put(d, buf, 15);
	}
}
