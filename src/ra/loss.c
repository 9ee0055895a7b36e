/* 挂失 (art. 25): a holder who lost the USBKey cannot log in, yet must be
 * able to stop its abuse at once.  The report names the certificate (its
 * serial) or the holder (resident ID number) and gives the loss-report
 * code (挂失码) of the USBKey's PIN envelope (token/loss_code.c): the serial,
 * the name and the ID number are printed in the certificate, which anyone
 * may have seen, so they alone are refused.  A good report freezes at
 * once, as the officer's emergency freeze does (ra_emergency_freeze: a
 * completed freeze request marked emergency), and tells the holder's unit
 * (its information officer, by the unit's email and webhook) in the same
 * transaction.
 *
 * Guessing is bounded per source address (as the door gives it,
 * throttle_source's: an IPv6 address by its /64) and per holder, in
 * memory (util/ratelimit.h: a restart starts the counts afresh; a daemon
 * counts alone).  Every try counts, good or bad; the
 * limits are checked before any argon2id is computed.  A refusal for a
 * missing or wrong code is audited; a refusal past a limit is not (it
 * would let anyone fill the audit trail), the daemon's request log shows
 * it. */
#include "ra/ra.h"
#include "ra/notice.h"
#include "ca/ident.h"
#include "token/token.h"
#include "util/err.h"
#include "util/ratelimit.h"
#include "util/util.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WINDOW 3600            /* seconds */
#define NOTE_MAX 1000          /* bytes of a report's note */
#define CANDIDATES 8           /* tokens in use of one holder, at most looked at */

static struct ratelimit by_addr = RATELIMIT_INIT(LOSS_TRIES_ADDR, WINDOW);
static struct ratelimit by_holder = RATELIMIT_INIT(LOSS_TRIES_HOLDER, WINDOW);

/* The tokens whose code may be the one given (hash strings owned). */
struct cands {
	size_t n;
	struct loss_code_rec r[CANDIDATES];
};

static int cand(void *arg, const struct loss_code_rec *r)
{
	struct cands *k = arg;

	if (k->n < CANDIDATES) {
		k->r[k->n] = *r;
		k->r[k->n++].hash = xstrdup(r->hash);
	}
	return FINCA_OK;
}

static void cands_clear(struct cands *k)
{
	for (size_t i = 0; i < k->n; i++)
		free((char *)k->r[i].hash);
	k->n = 0;
}

/* The refusal, audited in its own transaction (actor "anonymous": nobody
 * logged in; the source address is in the details): the operator reads
 * why; FINCA_EAUTH, the caller's message made by the caller. */
static int refuse(struct ca *ca, const struct loss_report *lr, const char *object,
		  const char *why, const char *reason)
{
	struct store *st = ca_store(ca);
	json_t *d = json_pack("{s:s?, s:s?, s:s, s:s, s:s, s:b}", "serial", lr->serial,
			      "id_number", lr->id_number, "source", lr->source ? lr->source : "",
			      "why", why, "why_reason", reason, /* the trail's Chinese */
			      "loss_code_given", lr->loss_code && *lr->loss_code);

	if (store_begin(st) == FINCA_OK) {
		if (ca_audit(ca, "anonymous", "loss_report.refused", object, d) == FINCA_OK)
			store_commit(st);
		else
			store_rollback(st);
	}
	json_decref(d);
	return FINCA_EAUTH;
}

/* The letter to the unit about request req (ra_request_show's JSON), LF
 * line ends.  Caller frees. */
static char *letter(const struct config *cfg, json_t *unit, json_t *req,
		    const struct loss_report *lr, const char *token, int64_t now)
{
	const char *note = lr->note && *lr->note ? lr->note : "（未填写）";
	char *text = NULL, masked[40], when[32];
	size_t len = 0;
	time_t tt = (time_t)(now + 8 * 3600);  /* Beijing time */
	struct tm tm;
	FILE *f;

	if (!(f = open_memstream(&text, &len)))
		abort();
	gmtime_r(&tt, &tm);
	strftime(when, sizeof when, "%Y-%m-%d %H:%M", &tm);
	notice_mask_id(ra_str(req, "subject") ? ra_str(req, "subject") : "", masked,
		       sizeof masked);
	fprintf(f, "%s：\n\n本单位 %s（证件号码 %s）报告证书介质USBKey丢失，已凭PIN码信封中的"
		"挂失码紧急冻结其证书（第二十五条）。\n\n", notice_utf8(ra_str(unit, "name")),
		notice_utf8(ra_str(req, "name")), masked);
	fprintf(f, "   证书序列号：%s\n   USBKey：%s\n   冻结时间：%s（北京时间）\n"
		"   申请编号：%lld（紧急冻结，已完成）\n   来源地址：%s\n   情况说明：%s\n\n",
		ra_str(req, "cert_serial"), token, when,
		(long long)json_integer_value(json_object_get(req, "id")),
		lr->source ? lr->source : "", note);
	fprintf(f, "请与持有人核实：如确系丢失，请为其办理补办申请；如非本人所为，请办理解冻申请。\n"
		"此邮件由%s证书系统自动发送，请勿直接回复。\n", cfg->name);
	fclose(f);
	return text;
}

/* Queues the notices to the holder's unit, in the caller's transaction. */
static int tell_unit(struct ca *ca, json_t *req, const struct loss_report *lr,
		     const char *token, int64_t now, int *queued)
{
	json_t *u = NULL, *ev = NULL;
	char subject[200], at[32], *text = NULL;
	int rc;

	if ((rc = store_row_get(ca_store(ca), "unit", ra_str(req, "unit"), &u)) != FINCA_OK)
		return rc;
	snprintf(subject, sizeof subject, "紧急冻结通知：%s 的证书已凭挂失码冻结",
		 notice_utf8(ra_str(req, "name")));
	time_format(now, at, sizeof at);
	ev = json_pack("{s:s, s:{s:s, s:s, s:s}, s:O, s:{s:s, s:s, s:s, s:s}, s:s, s:s,"
		       " s:s, s:s?}", "event", "cert.loss_report",
		       "recipient", "kind", "unit", "code", ra_str(u, "code"),
		       "name", notice_utf8(ra_str(u, "name")),
		       "request", json_object_get(req, "id"),
		       "certificate", "serial", ra_str(req, "cert_serial"),
		       "name", notice_utf8(ra_str(req, "name")), "id_number", ra_str(req, "subject"),
		       "unit", ra_str(req, "unit"), "token", token, "at", at,
		       "source", lr->source ? lr->source : "", "note", lr->note);
	text = letter(ca->cfg, u, req, lr, token, now);
	rc = ev ? notice_send(ca, now, ra_str(u, "email"), ra_str(u, "webhook"), subject, text,
			      ev, queued)
		: err_why(FINCA_EINVAL, NULL, "notice.unit",
				     "unit %s: the notice cannot be written", ra_str(u, "code"));
	free(text);
	json_decref(ev);
	json_decref(u);
	return rc;
}

/* Freezes c's certificate for holder and tells the unit, in one
 * transaction. */
static int freeze(struct ca *ca, const struct loss_report *lr, const struct loss_code_rec *c,
		  int64_t now, json_t **out)
{
	struct store *st = ca_store(ca);
	struct actor a;
	json_t *d = NULL;
	char obj[48];
	int rc, queued = 0;

	memset(&a, 0, sizeof a);
	snprintf(a.name, sizeof a.name, "holder:%s (挂失码)", c->holder);
	snprintf(a.role, sizeof a.role, "holder");
	snprintf(a.scope, sizeof a.scope, "%s", c->holder);
	if ((rc = store_begin(st)) != FINCA_OK)
		return rc;
	/* its own transaction nests (a savepoint) in this one */
	if ((rc = ra_emergency_freeze(ca, &a, c->cert_serial, lr->note, out)) != FINCA_OK ||
	    (rc = tell_unit(ca, *out, lr, c->token, now, &queued)) != FINCA_OK)
		goto fail;
	d = json_pack("{s:s, s:s, s:s, s:s, s:i}", "certificate", c->cert_serial, "token",
		      c->token, "by", a.name, "source", lr->source ? lr->source : "",
		      "notices", queued);
	snprintf(obj, sizeof obj, "request:%lld",
		 (long long)json_integer_value(json_object_get(*out, "id")));
	if ((rc = ca_audit(ca, a.name, "loss_report", obj, d)) != FINCA_OK ||
	    (rc = store_commit(st)) != FINCA_OK)
		goto fail;
	json_decref(d);
	return FINCA_OK;
fail:
	store_rollback(st);  /* keeps the error message */
	json_decref(*out);
	*out = NULL;
	json_decref(d);
	return rc;
}

int ra_loss_report(struct ca *ca, const struct loss_report *lr, json_t **out,
		   int *retry_after)
{
	struct store *st = ca_store(ca);
	struct cert_rec c;
	struct cands k;
	char serial[41], id[19], code[LOSS_CODE_LEN + 1], object[64];
	const char *holder;
	int64_t now = clock_now();
	int rc, wait;
	size_t i, match = CANDIDATES;    /* none */

	*out = NULL;
	*retry_after = 0;
	memset(&c, 0, sizeof c);
	memset(&k, 0, sizeof k);
	memset(code, 0, sizeof code);
	if (lr->serial ? ca_serial_norm(lr->serial, serial) != FINCA_OK :
	    !lr->id_number ? 1 : ident_resident_id_check(lr->id_number, id) != FINCA_OK)
		return err_why(FINCA_EINVAL, NULL, "loss.what",
				     "a loss report names the certificate (serial, hex) or "
			       "the holder (id_number, GB 11643) and gives the loss-report code "
			       "(loss_code, 挂失码) of the PIN envelope");
	if (lr->note && strlen(lr->note) > NOTE_MAX)
		return err_why(FINCA_EINVAL, "note", "loss.note", "at most %d bytes", NOTE_MAX);
	if ((wait = ratelimit_take(&by_addr, lr->source ? lr->source : "", now)) > 0) {
		*retry_after = wait;
		return err_why(FINCA_ELIMIT, NULL, "loss.throttled_addr",
				     "too many loss reports from %s (%d an hour): try again "
			       "in %d minutes, or ask your unit's information officer to freeze "
			       "the certificate", lr->source ? lr->source : "", LOSS_TRIES_ADDR,
			       (wait + 59) / 60);
	}
	/* the holder: the certificate's, or the one named */
	if (lr->serial && store_cert_get(st, serial, &c) == FINCA_OK && c.id_number)
		holder = c.id_number;
	else
		holder = lr->serial ? serial : id;
	if ((wait = ratelimit_take(&by_holder, holder, now)) > 0) {
		*retry_after = wait;
		rc = err_why(FINCA_ELIMIT, NULL, "loss.throttled",
				     "too many loss reports for %s %s (%d an hour): try again "
			     "in %d minutes, or ask your unit's information officer to freeze the "
			     "certificate", lr->serial ? "certificate" : "holder",
			     lr->serial ? serial : id, LOSS_TRIES_HOLDER, (wait + 59) / 60);
		goto out;
	}
	snprintf(object, sizeof object, lr->serial ? "cert:%s" : "person:%s",
		 lr->serial ? serial : id);
	if (!lr->loss_code || !*lr->loss_code) {
		rc = err_why(refuse(ca, lr, object, "no loss-report code",
					    "loss.why_no_code"), "loss_code",
			     "loss.no_code", "refused: a loss report without login needs the loss-report code "
			    "(挂失码) printed in the USBKey's PIN envelope; the serial, name and ID "
			    "number are printed in the certificate and prove nothing (art. 25). "
			    "Nothing was frozen. Without the code, ask your unit's information "
			    "officer to freeze the certificate");
		goto out;
	}
	/* not even the shape of a code (counted all the same) */
	if ((rc = loss_code_norm(lr->loss_code, code)) != FINCA_OK)
		goto out;
	/* a certificate's own token, or every token of the holder */
	if ((rc = store_loss_code_find(st, lr->serial ? serial : NULL, lr->serial ? NULL : id, now,
				       cand, &k)) != FINCA_OK)
		goto out;
	for (i = 0; i < k.n && match == CANDIDATES; i++)
		if (loss_code_match(k.r[i].hash, code))
			match = i;
	if (!k.n)
		loss_code_match(NULL, code);
	if (match == CANDIDATES) {
		rc = err_why(refuse(ca, lr, object, k.n ? "wrong loss-report code" :
				    "no USBKey in use with a loss-report code", k.n ?
				    "loss.why_wrong_code" : "loss.why_no_token"), "loss_code",
			     "loss.wrong_code", "refused: the loss-report code (挂失码) does not match a USBKey in use "
			    "for this certificate or holder (a reissued, renewed or returned "
			    "USBKey's code no longer counts). Nothing was frozen. Check the code "
			    "in the PIN envelope, or ask your unit's information officer to freeze "
			    "the certificate");
		goto out;
	}
	rc = freeze(ca, lr, &k.r[match], now, out);
out:
	OPENSSL_cleanse(code, sizeof code);
	cands_clear(&k);
	cert_rec_clear(&c);
	return rc;
}
