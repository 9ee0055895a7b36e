/* A minimal DER writer, for the parts of a CRL that are too large to build
 * through libcrypto's object model (a million entries).  Output is checked
 * by libcrypto's own parser in tests. */
#ifndef FINCA_DER_H
#define FINCA_DER_H

#include <stddef.h>
#include <stdint.h>

struct der {
	unsigned char *p; /* owned */
	size_t len, cap;
};

void der_free(struct der *d);
void der_put(struct der *d, const void *data, size_t n);
/* Tag and length header for content of n bytes. */
void der_header(struct der *d, unsigned char tag, size_t n);
/* Size of a TLV with content of n bytes. */
size_t der_tlv_size(size_t n);
/* INTEGER from big-endian unsigned bytes (a leading 0 added when needed). */
void der_uint(struct der *d, const unsigned char *be, size_t n);
/* UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280 4.1.2.5). */
void der_time(struct der *d, int64_t t);

#endif
