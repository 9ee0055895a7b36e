/* Expiry reminders (art. 14: holders are told in time to renew) and their
 * delivery.
 *
 * The scan finds the certificates crossing a threshold of [notify] and
 * queues notices in the store: one mail per holder, and for each unit and
 * each making node one mail and/or one webhook listing its certificates.
 * Delivery reads the queue and sends each notice through src/notify/
 * (webhook POST, SMTP) with no transaction open; each result is recorded
 * in a short transaction of its own, and a failure is retried with backoff
 * (store_notice_failed). */
#include "ra/ra.h"
#include "ra/notice.h"
#include "notify/notify.h"
#include "util/err.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NOTICE_CERTS 200     /* certificates listed in one notice at most */
#define DELIVER_BATCH 32     /* notices taken by one delivery pass */
#define DELIVER_BUDGET 30    /* seconds a pass keeps starting deliveries */
#define LEASE 600            /* seconds a notice in delivery is hidden */

/* --- the scan --- */

struct scan {
	const struct config *cfg;
	int64_t now;
	int days;            /* the threshold being scanned */
	json_t *seen;        /* serial -> true: noticed at a smaller threshold */
	json_t *serials;     /* serials crossing days, reminded once the SELECT ends */
	json_t *groups;      /* "kind:days:code" -> {kind, code, name, days, email,
			      * webhook, certificates} */
};

/* Adds cert to the group of kind and code for the threshold being
 * scanned, making the group on first use.  Strings borrowed. */
static void group_add(struct scan *s, const char *kind, const char *code,
		      const char *name, const char *email, const char *webhook,
		      json_t *cert)
{
	char key[256];
	json_t *g;

	if (!notice_email_ok(s->cfg, email))
		email = "";
	if (!notice_webhook_ok(webhook))
		webhook = "";
	if (!*code || (!*email && !*webhook))
		return;  /* nobody to tell */
	snprintf(key, sizeof key, "%s:%d:%s", kind, s->days, code);
	if (!(g = json_object_get(s->groups, key))) {
		g = json_pack("{s:s, s:s, s:s, s:i, s:s, s:s, s:[]}", "kind", kind,
			      "code", notice_utf8(code), "name", notice_utf8(name), "days", s->days, "email", email,
			      "webhook", webhook, "certificates");
		json_object_set_new(s->groups, key, g);
	}
	json_array_append(json_object_get(g, "certificates"), cert);
}

static int on_due(void *arg, const struct expiring_rec *e)
{
	struct scan *s = arg;
	char t[32];
	const char *name;
	json_t *cert;

	json_array_append_new(s->serials, json_string(e->serial));
	/* crossing several thresholds at once: the smallest one speaks (also
	 * when a larger threshold was added to [notify] since) */
	if (e->reminded_sooner || json_object_get(s->seen, e->serial))
		return FINCA_OK;
	json_object_set_new(s->seen, e->serial, json_true());
	name = *e->holder_name ? e->holder_name :
	       !*e->id_number && *e->unit_name ? e->unit_name : e->subject;
	time_format(e->not_after, t, sizeof t);
	cert = json_pack("{s:s, s:s, s:s?, s:s?, s:s, s:I}", "serial", e->serial,
			 "name", notice_utf8(name), "id_number", *e->id_number ? notice_utf8(e->id_number) : NULL,
			 "unit", *e->unit ? notice_utf8(e->unit) : NULL, "not_after", t,
			 "days_left", (json_int_t)((e->not_after - s->now + 86399) / 86400));
	group_add(s, "holder", e->id_number, e->holder_name, e->holder_email, "", cert);
	group_add(s, "unit", e->unit, e->unit_name, e->unit_email, e->unit_webhook, cert);
	group_add(s, "node", e->node, e->node_name, e->node_email, e->node_webhook, cert);
	json_decref(cert);
	return FINCA_OK;
}

/* The letter for group g (certificates certs, at most NOTICE_CERTS), LF
 * line ends.  Caller frees. */
static char *letter(const struct scan *s, json_t *g, json_t *certs)
{
	const char *kind = json_string_value(json_object_get(g, "kind"));
	const char *name = json_string_value(json_object_get(g, "name"));
	const char *code = json_string_value(json_object_get(g, "code"));
	int days = (int)json_integer_value(json_object_get(g, "days"));
	char *text = NULL;
	size_t tlen = 0, i;
	FILE *f;
	json_t *c;

	if (!(f = open_memstream(&text, &tlen)))
		abort();
	if (!*name)
		name = code;
	if (!strcmp(kind, "holder"))
		fprintf(f, "%s，您好：\n\n您的", name);
	else if (!strcmp(kind, "unit"))
		fprintf(f, "%s：\n\n本单位的", name);
	else
		fprintf(f, "%s：\n\n由本节点制作的", name);
	fprintf(f, "以下证书将于%d天内到期，请及时办理延期，以免影响使用。\n\n", days);
	json_array_foreach(certs, i, c) {
		const char *id = json_string_value(json_object_get(c, "id_number"));
		const char *unit = json_string_value(json_object_get(c, "unit"));
		int64_t na = 0;
		char masked[40], when[32];
		time_t tt;
		struct tm tm;
		/* back from the JSON's UTC text */
		time_parse(json_string_value(json_object_get(c, "not_after")), &na);
		tt = (time_t)(na + 8 * 3600);  /* Beijing time */
		gmtime_r(&tt, &tm);
		strftime(when, sizeof when, "%Y-%m-%d %H:%M", &tm);
		fprintf(f, "%zu. %s", i + 1, json_string_value(json_object_get(c, "name")));
		if (id) {
			notice_mask_id(id, masked, sizeof masked);
			fprintf(f, "（证件号码 %s）", masked);
		}
		fprintf(f, "\n   证书序列号：%s\n", json_string_value(json_object_get(c, "serial")));
		if (unit)
			fprintf(f, "   单位代码：%s\n", unit);
		fprintf(f, "   到期时间：%s（北京时间），剩余 %d 天\n\n", when,
			(int)json_integer_value(json_object_get(c, "days_left")));
	}
	fprintf(f, "此邮件由%s证书系统自动发送，请勿直接回复。\n", s->cfg->name);
	fclose(f);
	return text;
}

/* Queues the notices of every group, NOTICE_CERTS certificates at most
 * in each. */
static int queue_groups(struct ca *ca, const struct scan *s, int *queued)
{
	const char *key;
	json_t *g;
	int rc = FINCA_OK;

	json_object_foreach(s->groups, key, g) {
		json_t *all = json_object_get(g, "certificates");
		const char *email = json_string_value(json_object_get(g, "email"));
		const char *hook = json_string_value(json_object_get(g, "webhook"));
		int days = (int)json_integer_value(json_object_get(g, "days"));
		for (size_t from = 0; rc == FINCA_OK && from < json_array_size(all);
		     from += NOTICE_CERTS) {
			json_t *part = json_array(), *b;
			char subject[160], *text;
			for (size_t i = from; i < from + NOTICE_CERTS && i < json_array_size(all); i++)
				json_array_append(part, json_array_get(all, i));
			snprintf(subject, sizeof subject, "证书到期提醒：%zu 张证书将于 %d 天内到期",
				 json_array_size(part), days);
			b = json_pack("{s:s, s:i, s:{s:O, s:O, s:O}, s:O}",
				      "event", "cert.expiring", "days", days,
				      "recipient", "kind", json_object_get(g, "kind"),
				      "code", json_object_get(g, "code"),
				      "name", json_object_get(g, "name"),
				      "certificates", part);
			text = letter(s, g, part);
			rc = notice_send(ca, s->now, email, hook, subject, text, b, queued);
			free(text);
			json_decref(b);
			json_decref(part);
		}
		if (rc != FINCA_OK)
			break;
	}
	return rc;
}

int ra_remind_scan(struct ca *ca, const char *actor, int64_t now, int *queued)
{
	const struct config *cfg = ca->cfg;
	const struct notify_conf *nc = notify_conf(cfg);
	struct store *st = ca_store(ca);
	struct scan s;
	json_t *th = json_array(), *d = NULL, *v;
	int rc, n = 0, reminded = 0;
	size_t i;
	char t[32];

	memset(&s, 0, sizeof s);
	s.cfg = cfg;
	s.now = now;
	s.seen = json_object();
	s.groups = json_object();
	if ((rc = store_begin(st)) != FINCA_OK)
		goto out;
	/* smallest threshold first, so that a certificate crossing several
	 * is noticed at the smallest (and reminded at all of them) */
	for (int k = nc->nthresholds - 1; k >= 0; k--) {
		s.days = nc->thresholds[k];
		json_array_insert_new(th, 0, json_integer(s.days));
		json_decref(s.serials);
		s.serials = json_array();
		if ((rc = store_reminder_due(st, now, s.days, on_due, &s)) != FINCA_OK)
			goto fail;
		json_array_foreach(s.serials, i, v) {
			if ((rc = store_reminder_insert(st, json_string_value(v), s.days,
							now)) != FINCA_OK)
				goto fail;
			reminded++;
		}
	}
	if ((rc = queue_groups(ca, &s, &n)) != FINCA_OK)
		goto fail;
	/* nothing crossed: no audit record every few minutes */
	if (reminded) {
		time_format(now, t, sizeof t);
		d = json_pack("{s:i, s:i, s:O, s:s}", "queued", n, "certificates", reminded,
			      "thresholds", th, "now", t);
		if ((rc = ca_audit(ca, actor, "remind.scan", "notice", d)) != FINCA_OK)
			goto fail;
	}
	if ((rc = store_commit(st)) != FINCA_OK)
		goto out;
	*queued = n;
	goto out;
fail:
	store_rollback(st);
out:
	json_decref(d);
	json_decref(th);
	json_decref(s.seen);
	json_decref(s.serials);
	json_decref(s.groups);
	return rc;
}

/* --- delivery --- */

/* Sends n through notify/, on its channel; on failure writes why into
 * err. */
static int deliver(const struct config *cfg, const struct notice_rec *n, char *err,
		   size_t errlen)
{
	int rc;

	if (!strcmp(n->channel, "webhook"))
		rc = notify_webhook(n->target, n->body);
	else
		rc = notify_mail(notify_conf(cfg), n->target, n->body);
	if (rc != FINCA_OK)
		snprintf(err, errlen, "%s", err_msg());
	return rc;
}

struct due {
	struct notice_rec v[DELIVER_BATCH];
	size_t n;
};

static int take(void *arg, struct notice_rec *n)
{
	struct due *d = arg;

	if (d->n == DELIVER_BATCH)
		return FINCA_OK;
	d->v[d->n++] = *n;  /* the strings move to d */
	memset(n, 0, sizeof *n);
	return FINCA_OK;
}

/* Records one result in a transaction of its own. */
static int record(struct store *st, const struct notice_rec *n, int ok, int64_t now,
		  const char *err)
{
	int rc;

	if ((rc = store_begin(st)) != FINCA_OK)
		return rc;
	rc = ok == 1 ? store_notice_sent(st, n->id, now) :
	     ok == 0 ? store_notice_failed(st, n->id, now, err) :
	     store_notice_lease(st, n->id, n->next_at);  /* not tried: as it was */
	if (rc != FINCA_OK) {
		store_rollback(st);
		return rc;
	}
	return store_commit(st);
}

int ra_notify_deliver(struct ca *ca, int64_t now, int *sent, int *failed)
{
	struct store *st = ca_store(ca);
	struct due *d = xcalloc(1, sizeof *d);
	struct timespec t0, t;
	char err[512];
	int rc, nsent = 0, nfailed = 0;
	size_t i;

	/* take the due notices and hide them from other passes meanwhile */
	if ((rc = store_begin(st)) != FINCA_OK)
		goto out;
	rc = store_notice_due(st, now, DELIVER_BATCH, take, d);
	for (i = 0; rc == FINCA_OK && i < d->n; i++)
		rc = store_notice_lease(st, d->v[i].id, now + LEASE);
	if (rc != FINCA_OK) {
		store_rollback(st);
		goto out;
	}
	if ((rc = store_commit(st)) != FINCA_OK)
		goto out;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < d->n; i++) {
		int ok = -1;
		clock_gettime(CLOCK_MONOTONIC, &t);
		/* a slow or silent peer must not hold the pass (and a daemon's
		 * shutdown) for long: what is left waits for the next pass */
		if (t.tv_sec - t0.tv_sec < DELIVER_BUDGET) {
			err[0] = '\0';
			ok = deliver(ca->cfg, &d->v[i], err, sizeof err) == FINCA_OK;
			if (ok)
				nsent++;
			else
				nfailed++;
		}
		if ((rc = record(st, &d->v[i], ok, now, err)) != FINCA_OK)
			goto out;
	}
	*sent = nsent;
	*failed = nfailed;
out:
	for (i = 0; i < d->n; i++)
		notice_rec_clear(&d->v[i]);
	free(d);
	return rc;
}
