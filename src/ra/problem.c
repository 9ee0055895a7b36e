/* Problems: what is wrong with one item of a batch or one cell of a
 * spreadsheet, kept with its error's structure (the English message, the
 * reason and the parameters, util/err.h) so that each door says it in its
 * caller's language through the one renderer below. */
#include "ra/ra.h"
#include "util/err.h"
#include "util/msg.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void ra_problem_err(json_t *p)
{
	json_t *params = json_array();

	for (unsigned i = 0; i < err_nparams(); i++)
		json_array_append_new(params, json_string(err_param(i)));
	json_object_set_new(p, "message", json_string(err_detail()));
	json_object_set_new(p, "reason", err_reason() ? json_string(err_reason()) : json_null());
	json_object_set_new(p, "params", params);
	json_object_set_new(p, "code", json_string(err_name(err_rc())));
}

void ra_problem_why(json_t *p, const char *reason, const char *fmt, ...)
{
	struct err_state keep;
	va_list ap;

	/* the problem is made as an error, to find its parameters; the
	 * thread's error stays */
	err_save(&keep);
	va_start(ap, fmt);
	err_vwhy(FINCA_EINVAL, NULL, reason, fmt, ap);
	va_end(ap);
	ra_problem_err(p);
	err_restore(&keep);
}

int ra_problem_restore(json_t *p, int rc)
{
	const char *f = json_string_value(json_object_get(p, "field"));
	const char *m = json_string_value(json_object_get(p, "message"));
	const char *r = json_string_value(json_object_get(p, "reason"));
	json_t *params = json_object_get(p, "params"), *v;
	struct err_state s;
	size_t i, o = 0;

	memset(&s, 0, sizeof s);
	s.rc = rc;
	snprintf(s.field, sizeof s.field, "%s", f ? f : "");
	snprintf(s.reason, sizeof s.reason, "%s", r ? r : "");
	snprintf(s.msg, sizeof s.msg, "%s%s%s", s.field, *s.field ? ": " : "", m ? m : "");
	s.detail = *s.field ? strlen(s.field) + 2 : 0;
	json_array_foreach(params, i, v) {
		const char *x = json_string_value(v);
		size_t l = x ? strlen(x) : 0;
		if (s.np == ERR_PARAMS_MAX || o + l + 1 > sizeof s.params)
			break;
		memcpy(s.params + o, x ? x : "", l + 1);
		o += l + 1;
		s.np++;
	}
	err_restore(&s);
	return rc;
}

/* What is wrong, in lang: English, the message; Chinese, the reason's
 * text with the parameters placed, or (a reason not catalogued) the
 * class's sentence and the English in brackets, as msg_detail says it. */
static const char *detail(json_t *p, enum msg_lang lang, char *out, size_t n)
{
	const char *m = json_string_value(json_object_get(p, "message"));
	const char *t = lang == MSG_ZH ? msg_zh(json_string_value(json_object_get(p, "reason")))
				       : NULL;
	const char *params[ERR_PARAMS_MAX];
	json_t *ps = json_object_get(p, "params"), *v;
	unsigned np = 0;
	size_t i;

	if (!m)
		m = "";
	if (lang == MSG_EN) {
		snprintf(out, n, "%s", m);
		return out;
	}
	if (!t) {
		const char *c = msg_zh(json_string_value(json_object_get(p, "code")));
		snprintf(out, n, "%s（%s）", c ? c : "输入有误", m);
		return out;
	}
	json_array_foreach(ps, i, v)
		if (np < ERR_PARAMS_MAX && json_is_string(v))
			params[np++] = json_string_value(v);
	msg_place(t, params, np, out, n);
	return out;
}

const char *ra_problem_say(json_t *p, enum msg_lang lang, char *out, size_t n)
{
	const char *sheet = json_string_value(json_object_get(p, "sheet"));
	const char *col = json_string_value(json_object_get(p, "column"));
	const char *field = json_string_value(json_object_get(p, "field"));
	json_int_t row = json_integer_value(json_object_get(p, "row"));
	json_t *ix = json_object_get(p, "index");
	char d[1024], where[512] = "";
	int zh = lang == MSG_ZH;

	detail(p, lang, d, sizeof d);
	if (sheet && row && col)
		snprintf(where, sizeof where, zh ? "%s 第%lld行 %s：" : "%s row %lld, %s: ", sheet,
			 (long long)row, col);
	else if (sheet && row)
		snprintf(where, sizeof where, zh ? "%s 第%lld行：" : "%s row %lld: ", sheet,
			 (long long)row);
	else if (sheet)
		snprintf(where, sizeof where, zh ? "%s：" : "%s: ", sheet);
	else if (json_is_integer(ix) && field && *field)
		snprintf(where, sizeof where, zh ? "第%lld项 %s：" : "item %lld, %s: ",
			 (long long)json_integer_value(ix) + 1, msg_field(lang, field));
	else if (json_is_integer(ix))
		snprintf(where, sizeof where, zh ? "第%lld项：" : "item %lld: ",
			 (long long)json_integer_value(ix) + 1);
	snprintf(out, n, "%s%s", where, d);
	return out;
}

void ra_problems_say(json_t *list, enum msg_lang lang)
{
	char d[1024], t[2048];
	size_t i;
	json_t *p;

	json_array_foreach(list, i, p) {
		const char *f = json_string_value(json_object_get(p, "field"));
		if (f && *f)
			json_object_set_new(p, "field_name", json_string(msg_field(lang, f)));
		json_object_set_new(p, "text", json_string(ra_problem_say(p, lang, t, sizeof t)));
		json_object_set_new(p, "message", json_string(detail(p, lang, d, sizeof d)));
	}
}
