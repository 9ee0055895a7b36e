/* [notify] of finca.conf: expiry reminders (ra/remind.c), the notices
 * they queue (ra/notice.c) and the mail relay that sends them
 * (notify_mail).  Parsed, checked and documented here; registered with
 * ca/config.c's section registry by the constructor at the end. */
#include "notify/notify.h"
#include "ca/config.h"
#include "util/err.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* It goes into SMTP commands and mail headers: no spaces, brackets, quotes
 * or line breaks. */
int notify_mail_addr_ok(const char *v)
{
	const char *at = strchr(v, '@');

	if (!at || at == v || !at[1] || strchr(at + 1, '@') || strlen(v) > 254)
		return 0;  /* 254: RFC 5321 4.5.3.1 (path of 256 with the brackets) */
	for (; *v; v++)
		if (*v <= ' ' || *v >= 0x7f || strchr("<>()[]\\,;:\"", *v))
			return 0;
	return 1;
}

struct days_acc {
	int v[NOTIFY_THRESHOLDS_MAX], n;
	char bad[160];
};

static int days_item(void *arg, const char *item)
{
	struct days_acc *a = arg;
	int d;

	if (config_parse_int(item, 1, 365, &d)) {
		snprintf(a->bad, sizeof a->bad, "'%s' is not a number of days from 1 to 365",
			 item);
		return -1;
	}
	for (int i = 0; i < a->n; i++)
		if (a->v[i] == d) {
			snprintf(a->bad, sizeof a->bad, "%d is given twice", d);
			return -1;
		}
	if (a->n == (int)ARRAY_LEN(a->v)) {
		snprintf(a->bad, sizeof a->bad, "more than %zu thresholds", ARRAY_LEN(a->v));
		return -1;
	}
	a->v[a->n++] = d;
	return 0;
}

static int days_desc(const void *a, const void *b)
{
	return *(const int *)b - *(const int *)a;
}

static void notify_defaults(void *data)
{
	struct notify_conf *n = data;

	n->thresholds[0] = 30;
	n->thresholds[1] = 15;
	n->thresholds[2] = 7;
	n->nthresholds = 3;
	n->interval = 300;
}

static int notify_set(void *data, const char *key, const char *v)
{
	struct notify_conf *n = data;

	if (!strcmp(key, "thresholds")) {
		struct days_acc a = { { 0 }, 0, "" };
		if (config_each_item(v, days_item, &a))
			return err_why(FINCA_ECONFIG, NULL, "notify.thresholds", "[notify] thresholds: %s", a.bad);
		qsort(a.v, (size_t)a.n, sizeof a.v[0], days_desc);
		memcpy(n->thresholds, a.v, sizeof a.v);
		n->nthresholds = a.n;
	} else if (!strcmp(key, "smtp_url")) {
		if (*v && strncmp(v, "smtp://", 7) && strncmp(v, "smtps://", 8))
			return err_why(FINCA_ECONFIG, NULL, "notify.smtp_url",
				       "[notify] smtp_url: '%s' is not an smtp:// or smtps:// URL", v);
		free(n->smtp_url);
		n->smtp_url = *v ? xstrdup(v) : NULL;
	} else if (!strcmp(key, "smtp_from")) {
		if (*v && !notify_mail_addr_ok(v))
			return err_why(FINCA_ECONFIG, NULL, "notify.smtp_from",
				       "[notify] smtp_from: '%s' is not a mail address (name@host)", v);
		free(n->smtp_from);
		n->smtp_from = *v ? xstrdup(v) : NULL;
	} else if (!strcmp(key, "interval")) {
		if (config_parse_int(v, 0, 86400, &n->interval))
			return err_why(FINCA_ECONFIG, NULL, "notify.interval",
				       "[notify] interval: '%s' is not 0..86400 seconds",
				       v);
	} else {
		return CONFIG_NO_KEY;
	}
	return FINCA_OK;
}

static int notify_check(void *data)
{
	const struct notify_conf *n = data;

	if (n->smtp_url && !n->smtp_from)
		return err_why(FINCA_ECONFIG, NULL, "notify.smtp_from_missing",
			       "[notify] smtp_url needs smtp_from");
	return FINCA_OK;
}

static void notify_conf_free(void *data)
{
	struct notify_conf *n = data;

	free(n->smtp_url);
	free(n->smtp_from);
}

static const struct config_section notify_section = {
	.name = "notify",
	.rank = 40,
	.size = sizeof(struct notify_conf),
	.defaults = notify_defaults,
	.set = notify_set,
	.check = notify_check,
	.free = notify_conf_free,
	.default_text =
"[notify]\n"
"# Expiry reminders: when a certificate comes within one of these numbers of\n"
"# days of its expiry, its holder (mail), its unit (mail and/or webhook) and\n"
"# the node that makes for the unit (mail and/or webhook) are told, once per\n"
"# threshold.  At most 8 thresholds from 1 to 365 days; empty: no reminders.\n"
"thresholds = 30, 15, 7\n"
"# The mail relay (smtp:// or smtps://) and the sender address; without\n"
"# smtp_url no mail is queued, only webhooks.\n"
"# smtp_url = smtp://127.0.0.1:25\n"
"# smtp_from = finca@example.org\n"
"# Seconds between the daemon's reminder and delivery passes (0: none; run\n"
"# 'finca remind' from cron instead).  A failed delivery is retried after\n"
"# 1, 2, 4 ... minutes, at most 8 times.\n"
"interval = 300\n"
"\n",
};

const struct notify_conf *notify_conf(const struct config *c)
{
	return config_section(c, &notify_section);
}

/* Before main: see config_section_register (ca/config.h) for why a
 * constructor. */
__attribute__((constructor)) static void notify_conf_register(void)
{
	config_section_register(&notify_section);
}
