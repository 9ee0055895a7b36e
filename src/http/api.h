/* The JSON API on the HTTPS listener (documented in docs/openapi.yaml). */
#ifndef FINCA_API_H
#define FINCA_API_H

#include "http/server_int.h"

struct api;
struct api *api_new(void);
void api_free(struct api *a);
enum MHD_Result api_dispatch(struct srv *s, struct MHD_Connection *c,
			     struct req *r, const char *url);

#endif
