/* Decoding of JSON request bodies: every field known, every type checked,
 * the first fault named.  No HTTP here, so it can be fuzzed. */
#ifndef FINCA_JSONREQ_H
#define FINCA_JSONREQ_H

#include <jansson.h>
#include <stddef.h>

enum ftype { F_STR, F_INT, F_BOOL };

struct field {
	const char *name;
	enum ftype type;
	int required;
	void *out;          /* const char ** (borrowed from the object),
			     * json_int_t *, int * */
};

/* Parses body (len bytes, at most max) into a JSON object (*out is the
 * caller's).  FINCA_EINVAL with a message when it is not one. */
int jsonreq_parse(const char *body, size_t len, size_t max, json_t **out);
/* Fills the fields from obj (NULL: no body).  FINCA_EINVAL with *bad set to
 * the field at fault (unknown, wrong type, missing). */
int jsonreq_decode(json_t *obj, const struct field *f, size_t n,
		   const char **bad);

#endif
