/* The USBKey inventory as the accounts see it.  A token belongs to a node:
 * the one whose operator registered it, and once a certificate is on it,
 * the holder's making node (art. 6; token.c sets it).  A scoped actor (an
 * operator) reads and works only on its node's tokens: it cannot read
 * another node's token, fetch its SO PIN, or mark it lost (which revokes
 * the holder's certificate).  Every refusal is audited (actor_may). */
#include "ra/ra.h"
#include "token/token.h"
#include "util/err.h"
#include "util/util.h"

#include <stdio.h>
#include <string.h>

/* Loads serial into t when a may use right on it. */
static int load(struct ca *ca, const struct actor *a, const char *right, const char *serial,
		struct token_rec *t)
{
	struct target tg;
	int rc;

	memset(t, 0, sizeof *t);
	/* a role without the right learns nothing, not even that it exists */
	if (!actor_has(a, right))
		return actor_may(ca, a, right, NULL);
	if ((rc = store_token_get(ca_store(ca), serial, t)) != FINCA_OK)
		return rc;
	memset(&tg, 0, sizeof tg);
	tg.node = t->node;
	tg.person = t->holder[0] ? t->holder : NULL;
	if (actor_row_scope(a) == ROW_ALL)
		rc = actor_may(ca, a, right, NULL);
	else
		rc = actor_may(ca, a, right, &tg);
	if (rc != FINCA_OK)
		token_rec_clear(t);
	return rc;
}

/* load() for a change: the token record is not needed after. */
static int may(struct ca *ca, const struct actor *a, const char *serial)
{
	struct token_rec t;
	int rc = load(ca, a, "token.write", serial, &t);

	token_rec_clear(&t);
	return rc;
}

int ra_token_get(struct ca *ca, const struct actor *a, const char *serial,
		 struct token_rec *out)
{
	return load(ca, a, "token.read", serial, out);
}

int ra_token_get_for(struct ca *ca, const struct actor *a, const char *right,
		     const char *serial, struct token_rec *out)
{
	return load(ca, a, right, serial, out);
}

int ra_token_list(struct ca *ca, const struct actor *a, const char *state,
		  int (*cb)(void *arg, const struct token_rec *t), void *arg)
{
	int rc;

	if ((rc = actor_may(ca, a, "token.read", NULL)) != FINCA_OK)
		return rc;
	return store_token_list(ca_store(ca), state,
				actor_row_scope(a) == ROW_ALL ? NULL : a->scope, cb, arg);
}

int ra_token_register(struct ca *ca, const struct actor *a, const struct token_info *ti,
		      const char *so_pin, char *loss_code)
{
	struct token_info mine = *ti;
	struct token_rec t;
	int rc;

	if (actor_row_scope(a) != ROW_ALL)
		mine.node = a->scope; /* an operator registers for its own node */
	/* a token known already (returned, to be used again) must be ours */
	rc = load(ca, a, "token.write", ti->serial, &t);
	token_rec_clear(&t);
	if (rc == FINCA_ENOTFOUND)
		rc = actor_may(ca, a, "token.write", NULL);
	if (rc != FINCA_OK)
		return rc;
	return token_register(ca, a, &mine, so_pin, loss_code);
}

int ra_token_so_pin(struct ca *ca, const struct actor *a, const char *serial,
		    int64_t request, char **out)
{
	int rc;

	if ((rc = may(ca, a, serial)) != FINCA_OK ||
	    (request && (rc = ra_pin_reset_check(ca, a, request, serial)) != FINCA_OK))
		return rc;
	return token_so_pin(ca, a, serial, out);
}

int ra_token_enroll_begin(struct ca *ca, const struct actor *a, const char *serial,
			  const struct issue_req *rq, X509 **out)
{
	int rc;

	if ((rc = may(ca, a, serial)) != FINCA_OK)
		return rc;
	/* the holder too: an operator makes USBKeys for its own node's people */
	if ((rc = ra_cert_may_issue(ca, a, rq)) != FINCA_OK)
		return rc;
	return token_enroll_begin(ca, a, serial, rq, out);
}

int ra_token_enroll_end(struct ca *ca, const struct actor *a, const char *serial,
			const char *cert, int64_t request, const char *abort_why)
{
	int rc;

	if ((rc = may(ca, a, serial)) != FINCA_OK)
		return rc;
	if (abort_why)
		return token_enroll_abort(ca, a, serial, cert, abort_why);
	/* with a request, the binding and the request's move are one change */
	return request ? ra_enroll_done(ca, a, request, serial, cert)
		       : token_enroll_commit(ca, a, serial, cert);
}

int ra_token_pin_event(struct ca *ca, const struct actor *a, const char *serial,
		       int changed, int64_t request, char *loss_code)
{
	int rc;

	if ((rc = may(ca, a, serial)) != FINCA_OK ||
	    (rc = token_pin_event(ca, a, serial, changed, loss_code)) != FINCA_OK)
		return rc;
	return request && !changed ? ra_pin_reset_done(ca, a, request) : FINCA_OK;
}

struct env_find {
	const char *enc, *format;
	int found;
};

static int env_match(void *arg, const struct envelope_rec *e)
{
	struct env_find *f = arg;

	f->found |= !strcmp(e->enc_serial, f->enc) && !strcmp(e->format, f->format);
	return FINCA_OK;
}

int ra_token_key_import(struct ca *ca, const struct actor *a, const char *serial,
			const char *sign, const char *enc, const char *format)
{
	struct env_find f = { enc, format, 0 };
	char sn[41], en[41], obj[64];
	json_t *d;
	int rc;

	if ((rc = may(ca, a, serial)) != FINCA_OK)
		return rc;
	if (ca_serial_norm(sign, sn) != FINCA_OK || ca_serial_norm(enc, en) != FINCA_OK)
		return err_why(FINCA_EINVAL, "certificate", "request.serial",
			       "not a serial number: %s", ca_serial_norm(sign, sn) ? sign : enc);
	f.enc = en;
	if ((rc = store_envelope_list(ca_store(ca), sn, env_match, &f)) != FINCA_OK)
		return rc;
	if (!f.found)
		return err_why(FINCA_EINVAL, "enc_certificate", "token.import_unknown",
			       "certificate %s has no %s envelope of encryption certificate %s",
			       sn, format, en);
	snprintf(obj, sizeof obj, "token:%s", serial);
	d = json_pack("{s:s, s:s, s:s}", "certificate", sn, "enc_certificate", en,
		      "format", format);
	if ((rc = store_begin(ca_store(ca))) == FINCA_OK) {
		if ((rc = ca_audit(ca, a->name, "token.key_import", obj, d)) == FINCA_OK)
			rc = store_commit(ca_store(ca));
		else
			store_rollback(ca_store(ca));
	}
	json_decref(d);
	return rc;
}

int ra_token_move(struct ca *ca, const struct actor *a, const char *serial,
		  const char *to, int reason, const char *party, const char *note)
{
	int rc = may(ca, a, serial);

	return rc == FINCA_OK ? token_move(ca, a, serial, to, reason, party, note) : rc;
}

int ra_token_handover(struct ca *ca, const struct actor *a, const char *serial,
		      const char *party, const char *note)
{
	int rc = may(ca, a, serial);

	return rc == FINCA_OK ? token_handover(ca, a, serial, party, note) : rc;
}
