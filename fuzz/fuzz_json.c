/* libFuzzer harness: JSON request bodies as the API receives them.
 *
 * Input bytes are a request body.  They go to jsonreq_parse with the
 * daemon's default limit (1 MiB); when it accepts them, the object goes to
 * jsonreq_decode against two field tables: the one of POST /api/v1/certs
 * (profile and csr required strings; subject, id_number, unit_code
 * strings; days an integer) and one with booleans (delta, as POST /crl,
 * plus a required boolean and an integer).  Like api.c (renew: the first
 * two fields; freeze: none), each table is also tried with each of its
 * prefixes.
 *
 * The result is checked against what the object holds:
 *   - jsonreq_parse: accepts only a JSON object, sets *out only then, and
 *     refuses the same body with a limit one byte smaller;
 *   - jsonreq_decode returns 0 exactly when every key of the object is in
 *     the table, every value has the field's type and every required field
 *     is present;
 *   - on success, every field present has its value in *out (the string
 *     borrowed from the object, without an embedded NUL), every required
 *     field's out pointer is set, and absent fields' outs are untouched;
 *   - on failure, *bad is set and names the key or the field at fault, and
 *     err_msg() says something.
 * Anything else aborts with the body on stderr.  Nothing may crash, trip
 * ASan/UBSan, or leak.  FUZZ_JSON_TRACE=1 prints what each call returned. */
#include "http/jsonreq.h"
#include "util/err.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define BODY_MAX ((size_t)1 << 20)
#define NFIELDS_MAX 8

static int trace; /* FUZZ_JSON_TRACE=1: say what each step returned */
static const uint8_t *cur;
static size_t cur_len;

__attribute__((noreturn)) static void finding(const char *what, const char *field)
{
	fprintf(stderr, "==fuzz_json== FINDING: %s%s%s\n", what,
		field ? ": " : "", field ? field : "");
	fprintf(stderr, "body (%zu bytes): ", cur_len);
	for (size_t i = 0; cur && i < cur_len && i < 512; i++)
		fprintf(stderr, cur[i] >= 0x20 && cur[i] < 0x7f && cur[i] != '\\' ?
				"%c" : "\\x%02x", cur[i]);
	fprintf(stderr, "%s\n", cur_len > 512 ? "..." : "");
	abort();
}

/* A table whose outs point into slots the checker can see. */
struct table {
	const char *name;
	size_t n;
	struct field f[NFIELDS_MAX];
};

union slot {
	const char *s;
	json_int_t i;
	int b;
};

static union slot slots[NFIELDS_MAX];

/* values that decode cannot produce, to see which outs it touched */
static const char untouched_s[] = "untouched";
#define UNTOUCHED_I ((json_int_t)0x5a5a5a5a5a5a5a5aLL)
#define UNTOUCHED_B 0x5a5a5a5a

static struct table tables[2] = {
	{ "POST /certs", 6, {
		{ "profile", F_STR, 1, &slots[0] },
		{ "csr", F_STR, 1, &slots[1] },
		{ "subject", F_STR, 0, &slots[2] },
		{ "days", F_INT, 0, &slots[3] },
		{ "id_number", F_STR, 0, &slots[4] },
		{ "unit_code", F_STR, 0, &slots[5] },
	} },
	{ "booleans", 4, {
		{ "delta", F_BOOL, 0, &slots[0] },
		{ "confirm", F_BOOL, 1, &slots[1] },
		{ "reason", F_STR, 0, &slots[2] },
		{ "limit", F_INT, 0, &slots[3] },
	} },
};

static void reset_slots(const struct field *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		union slot *s = f[i].out;
		memset(s, 0, sizeof *s);
		if (f[i].type == F_STR)
			s->s = untouched_s;
		else if (f[i].type == F_INT)
			s->i = UNTOUCHED_I;
		else
			s->b = UNTOUCHED_B;
	}
}

static int type_ok(const struct field *f, json_t *v)
{
	return f->type == F_STR ? json_is_string(v) :
	       f->type == F_INT ? json_is_integer(v) : json_is_boolean(v);
}

/* What jsonreq_decode should say, worked out independently. */
static int expect_ok(json_t *obj, const struct field *f, size_t n)
{
	const char *key;
	json_t *v;

	if (obj) {
		json_object_foreach(obj, key, v) {
			size_t i;
			for (i = 0; i < n && strcmp(f[i].name, key) != 0; i++)
				;
			if (i == n || !type_ok(&f[i], v))
				return 0;
		}
	}
	for (size_t i = 0; i < n; i++)
		if (f[i].required && (!obj || !json_object_get(obj, f[i].name)))
			return 0;
	return 1;
}

static void check_decode(json_t *obj, const struct field *f, size_t n)
{
	const char *bad = untouched_s;
	int rc, want = expect_ok(obj, f, n);

	reset_slots(f, n);
	err_clear();
	rc = jsonreq_decode(obj, f, n, &bad);
	if (trace)
		fprintf(stderr, "fuzz_json:   decode %s (%zu fields): %s%s%s\n",
			f == tables[0].f ? tables[0].name : tables[1].name, n,
			rc == FINCA_OK ? "ok" : err_msg(), rc == FINCA_OK ? "" : ": ",
			rc == FINCA_OK ? "" : bad ? bad : "(null)");
	if (rc != FINCA_OK && rc != FINCA_EINVAL)
		finding("jsonreq_decode: unexpected return code", err_name(rc));
	if ((rc == FINCA_OK) != want)
		finding(want ? "jsonreq_decode refused a body that fits the table" :
			       "jsonreq_decode accepted a body that does not fit",
			rc == FINCA_OK ? NULL : bad);
	if (rc != FINCA_OK) {
		int named = 0;
		if (!bad || bad == untouched_s)
			finding("jsonreq_decode failed without setting *bad", NULL);
		for (size_t i = 0; i < n; i++)
			named |= !strcmp(bad, f[i].name);
		if (!named && !(obj && json_object_get(obj, bad)))
			finding("*bad names neither a field nor a key", bad);
		if (!err_msg()[0])
			finding("jsonreq_decode failed without a message", bad);
		return;
	}
	if (bad != NULL)
		finding("jsonreq_decode succeeded but set *bad", bad);
	for (size_t i = 0; i < n; i++) {
		union slot *s = f[i].out;
		json_t *v = obj ? json_object_get(obj, f[i].name) : NULL;

		if (!v) {
			if (f[i].required)
				finding("required field absent after success", f[i].name);
			if ((f[i].type == F_STR && s->s != untouched_s) ||
			    (f[i].type == F_INT && s->i != UNTOUCHED_I) ||
			    (f[i].type == F_BOOL && s->b != UNTOUCHED_B))
				finding("out of an absent field was written", f[i].name);
			continue;
		}
		switch (f[i].type) {
		case F_STR:
			if (s->s == untouched_s || s->s == NULL)
				finding("string field present but out not set", f[i].name);
			if (s->s != json_string_value(v))
				finding("string out is not the object's string", f[i].name);
			if (strlen(s->s) != json_string_length(v))
				finding("string with an embedded NUL: C callers see less",
					f[i].name);
			break;
		case F_INT:
			if (s->i != json_integer_value(v))
				finding("integer out differs from the value", f[i].name);
			break;
		case F_BOOL:
			if (s->b != (json_is_true(v) ? 1 : 0))
				finding("boolean out is not 0/1 as in the body", f[i].name);
			break;
		}
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	trace = getenv("FUZZ_JSON_TRACE") && strcmp(getenv("FUZZ_JSON_TRACE"), "0") != 0;
	/* no body at all: the required fields are missing */
	cur = NULL;
	cur_len = 0;
	for (size_t t = 0; t < 2; t++)
		for (size_t n = 0; n <= tables[t].n; n++)
			check_decode(NULL, tables[t].f, n);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a copy of exactly size bytes, so a read past the body is caught */
	char *body = malloc(size ? size : 1);
	json_t *obj = NULL, *obj2 = NULL;
	int rc;

	if (!body)
		abort();
	memcpy(body, data, size);
	cur = data;
	cur_len = size;

	err_clear();
	rc = jsonreq_parse(body, size, BODY_MAX, &obj);
	if (trace)
		fprintf(stderr, "fuzz_json: parse %zu bytes: %s\n", size,
			rc == FINCA_OK ? "ok" : err_msg());
	if (rc != FINCA_OK) {
		if (rc != FINCA_EINVAL)
			finding("jsonreq_parse: unexpected return code", err_name(rc));
		if (obj)
			finding("jsonreq_parse failed but set *out", NULL);
		if (!err_msg()[0])
			finding("jsonreq_parse failed without a message", NULL);
	} else {
		if (!obj || !json_is_object(obj))
			finding("jsonreq_parse accepted something that is not an object",
				NULL);
		/* the limit is a limit */
		if (size > 0 && jsonreq_parse(body, size, size - 1, &obj2) == FINCA_OK)
			finding("jsonreq_parse accepted a body over its limit", NULL);
		if (obj2)
			finding("jsonreq_parse refused (limit) but set *out", NULL);
		for (size_t t = 0; t < 2; t++)
			for (size_t n = 0; n <= tables[t].n; n++)
				check_decode(obj, tables[t].f, n);
	}
	json_decref(obj);
	free(body);
	err_clear();
	return 0;
}
