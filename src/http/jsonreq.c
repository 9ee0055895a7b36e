#include "http/jsonreq.h"
#include "util/err.h"

#include <string.h>

int jsonreq_parse(const char *body, size_t len, size_t max, json_t **out)
{
	json_error_t je;
	json_t *j;

	if (len > max)
		return err_why(FINCA_EINVAL, NULL, "body.too_large", "body larger than %zu bytes", max);
	/* duplicate keys are refused: which one would count? */
	j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
	if (!j || !json_is_object(j)) {
		json_decref(j);
		return j ? err_why(FINCA_EINVAL, NULL, "body.not_object",
				   "body is not a JSON object: another JSON value")
			 : err_why(FINCA_EINVAL, NULL, "body.not_json",
				   "body is not a JSON object: %s", je.text);
	}
	*out = j;
	return FINCA_OK;
}

int jsonreq_decode(json_t *obj, const struct field *f, size_t n,
		   const char **bad)
{
	const char *key;
	json_t *v;

	*bad = NULL;
	if (obj) {
		json_object_foreach(obj, key, v) {
			size_t i;
			for (i = 0; i < n && strcmp(f[i].name, key); i++)
				;
			if (i == n) {
				*bad = key;
				return err_why(FINCA_EINVAL, key, "body.unknown_field",
					       "unknown field");
			}
			if ((f[i].type == F_STR && !json_is_string(v)) ||
			    (f[i].type == F_INT && !json_is_integer(v)) ||
			    (f[i].type == F_BOOL && !json_is_boolean(v))) {
				*bad = f[i].name;
				return f[i].type == F_STR
				       ? err_why(FINCA_EINVAL, key, "body.string", "expected a string")
				       : f[i].type == F_INT
				       ? err_why(FINCA_EINVAL, key, "body.integer", "expected an integer")
				       : err_why(FINCA_EINVAL, key, "body.boolean",
						 "expected true or false");
			}
			if (f[i].type == F_STR)
				*(const char **)f[i].out = json_string_value(v);
			else if (f[i].type == F_INT)
				*(json_int_t *)f[i].out = json_integer_value(v);
			else
				*(int *)f[i].out = json_is_true(v);
		}
	}
	for (size_t i = 0; i < n; i++)
		if (f[i].required && (!obj || !json_object_get(obj, f[i].name))) {
			*bad = f[i].name;
			return err_why(FINCA_EINVAL, f[i].name, "body.missing", "missing field");
		}
	return FINCA_OK;
}
