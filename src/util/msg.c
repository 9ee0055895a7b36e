#include "util/msg.h"
#include "util/msg_int.h"
#include "util/err.h"
#include "util/util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The catalogue's parts (msg_zh*.c). */
static const struct msg_table *const parts[] = { &msg_zh_door, &msg_zh_core, &msg_zh_ra,
						  &msg_zh_names, &msg_zh_produce, &msg_zh_backup,
						  &msg_zh_km, &msg_zh_import };

/* key's Chinese in the reasons (fields 0) or the fields (1) of every part. */
static const char *find(int fields, const char *key)
{
	if (!key)
		return NULL;
	for (size_t p = 0; p < ARRAY_LEN(parts); p++) {
		for (const struct msg_entry *t = fields ? parts[p]->fields : parts[p]->reasons;
		     t->key; t++)
			if (!strcmp(t->key, key))
				return t->zh;
	}
	return NULL;
}

const char *msg_zh(const char *reason)
{
	return find(0, reason);
}

const char *msg_field(enum msg_lang lang, const char *field)
{
	const char *z = lang == MSG_ZH ? find(1, field) : NULL;

	return z ? z : field;
}

/* The q-value of one Accept-Language element ("zh-CN;q=0.8"): 1 when none. */
static double qvalue(const char *p, const char *end)
{
	const char *q = memchr(p, ';', (size_t)(end - p));

	while (q && q < end) {
		q++;
		while (*q == ' ')
			q++;
		if ((*q == 'q' || *q == 'Q') && q[1] == '=')
			return strtod(q + 2, NULL);
		q = memchr(q, ';', (size_t)(end - q));
	}
	return 1;
}

enum msg_lang msg_lang_accept(const char *accept)
{
	double zh = 0, en = 0;

	for (const char *p = accept; p && *p;) {
		const char *end = strchr(p, ',');
		double q;

		if (!end)
			end = p + strlen(p);
		while (*p == ' ')
			p++;
		q = qvalue(p, end);
		if (!strncasecmp(p, "zh", 2) && !isalpha((unsigned char)p[2]) && q > zh)
			zh = q;
		else if (!strncasecmp(p, "en", 2) && !isalpha((unsigned char)p[2]) && q > en)
			en = q;
		p = *end ? end + 1 : end;
	}
	return zh > 0 && zh >= en ? MSG_ZH : MSG_EN;
}

enum msg_lang msg_lang_env(void)
{
	const char *names[] = { "LC_ALL", "LC_MESSAGES", "LANG" };

	for (size_t i = 0; i < ARRAY_LEN(names); i++) {
		const char *v = getenv(names[i]);
		if (v && *v)
			return !strncmp(v, "zh", 2) ? MSG_ZH : MSG_EN;
	}
	return MSG_EN;
}

void msg_place(const char *t, const char *const *params, unsigned np, char *out, size_t n)
{
	size_t o = 0;

	if (!n)
		return;
	for (const char *p = t; *p && o + 1 < n; p++) {
		char *e;
		unsigned long i;

		if (*p == '{' && isdigit((unsigned char)p[1]) &&
		    (i = strtoul(p + 1, &e, 10)) >= 1 && i <= np && *e == '}') {
			size_t l = strlen(params[i - 1]);
			if (l > n - 1 - o)
				l = n - 1 - o;
			memcpy(out + o, params[i - 1], l);
			o += l;
			p = e;
			continue;
		}
		out[o++] = *p;
	}
	out[o] = '\0';
}

const char *msg_detail(enum msg_lang lang, char *out, size_t n)
{
	const char *params[ERR_PARAMS_MAX], *t = msg_zh(err_reason());
	unsigned np = err_nparams();

	if (lang == MSG_EN) {
		snprintf(out, n, "%s", err_detail());
		return out;
	}
	if (!t) {
		/* a reason not in the catalogue yet: its class's sentence, and
		 * what the English says, rather than nothing */
		t = msg_zh(err_name(err_rc()));
		snprintf(out, n, "%s（%s）", t ? t : "操作失败", err_detail());
		return out;
	}
	for (unsigned i = 0; i < np; i++)
		params[i] = err_param(i);
	msg_place(t, params, np, out, n);
	return out;
}

const char *msg_error(enum msg_lang lang, char *out, size_t n)
{
	size_t o;

	/* the field's name goes before the text when the English puts it
	 * before the message ("password: ..."); a message that names its
	 * input itself (err_why_of: "account op1: wrong password") has a text
	 * that does so too */
	if (lang == MSG_EN || !err_field() || err_detail() == err_msg()) {
		if (lang == MSG_EN)
			snprintf(out, n, "%s", err_msg());
		else
			msg_detail(lang, out, n);
		return out;
	}
	snprintf(out, n, "%s：", msg_field(lang, err_field()));
	o = strlen(out);
	msg_detail(lang, out + o, n - o);
	return out;
}
