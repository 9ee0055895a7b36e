/* Listening and connecting addresses as finca's options write them. */
#ifndef FINCA_ADDR_H
#define FINCA_ADDR_H

#include <sys/socket.h>

/* "HOST:PORT" or "[V6]:PORT", numeric only, to *ss (and its length in
 * *len, when not NULL).  With loopback, the any-address (0.0.0.0, ::)
 * becomes loopback's: where to reach a listener bound to any. */
int addr_parse(const char *spec, int loopback, struct sockaddr_storage *ss, socklen_t *len);

#endif
