/* Who is calling, decided here for every door: a login (TLS client
 * certificate or signed challenge, plus the password for the roles of
 * art. 11; throttled), the caller of each API call (a session, or a TLS
 * client certificate for roles without a password), and the holder an
 * application system asks about.  The HTTP door only reads the request
 * and renders what these say. */
#include "auth/auth.h"
#include "audit/audit.h"
#include "util/err.h"
#include "util/util.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

struct auth {
	struct challenges *login_ch, *app_ch; /* owned */
	struct certcache *certs;              /* owned */
	struct throttle *throttle;            /* owned */
};

struct auth *auth_new(void)
{
	struct auth *au = xcalloc(1, sizeof *au);

	au->login_ch = challenges_new(CHALLENGE_MAX);
	au->app_ch = challenges_new(CHALLENGE_MAX);
	au->certs = certcache_new();
	au->throttle = throttle_new();
	return au;
}

void auth_free(struct auth *au)
{
	if (!au)
		return;
	challenges_free(au->login_ch);
	challenges_free(au->app_ch);
	certcache_free(au->certs);
	throttle_free(au->throttle);
	free(au);
}

int auth_challenge(struct auth *au, struct ca *ca, const char *app, const char *source,
		   char *out, int64_t *expires)
{
	const struct auth_conf *ac = auth_conf(ca->cfg);

	/* a quota per owner keeps one flood from pushing out the others'
	 * challenges: an address for logins, an application system for
	 * its users */
	if (app)
		return challenge_issue(au->app_ch, app, ac->challenges_per_app, out, expires);
	return challenge_issue(au->login_ch, source, ac->challenges_per_address, out, expires);
}

/* Records a login event for who in a transaction of its own. */
static void audit_login(struct ca *ca, const char *who, const char *action, json_t *d)
{
	char obj[96];

	snprintf(obj, sizeof obj, "account:%s", who);
	if (store_begin(ca_store(ca)) != FINCA_OK)
		return;
	if (ca_audit(ca, who, action, obj, d) == FINCA_OK)
		store_commit(ca_store(ca));
	else
		store_rollback(ca_store(ca));
}

/* The account a login presents (not yet its password): by the signed
 * challenge or the TLS client certificate. */
static int presented(struct auth *au, struct ca *ca, const struct auth_login *q,
		     struct account_rec *acct, const char **how)
{
	struct holder h;
	int rc;

	if (q->certificate || q->challenge || q->signature) {
		/* signed challenge: SM2 holders, whose browsers cannot do TLS
		 * with SM2 certificates */
		*how = "challenge";
		memset(&h, 0, sizeof h);
		rc = holder_verify(ca, au->login_ch, au->certs, q->certificate, q->challenge,
				   q->signature, &h);
		if (rc == FINCA_OK) {
			rc = store_account_by_cert(ca_store(ca), h.c.serial, acct);
			/* a holder's first login with the USBKey makes its
			 * account (holder_account.c says why) */
			if (rc == FINCA_ENOTFOUND)
				rc = holder_account_open(ca, &h.c, acct);
			else if (rc == FINCA_OK && acct->disabled)
				rc = err_why(FINCA_EAUTH, NULL, "auth.disabled",
					     "account %s is disabled", acct->name);
		}
		holder_clear(&h);
		return rc;
	}
	*how = "tls";
	return account_for_der(ca, au->certs, q->peer, q->peer_len, acct);
}

int auth_login(struct auth *au, struct ca *ca, const struct auth_login *q,
	       struct auth_session *out)
{
	struct throttle_lock lk;
	char m[600];
	const char *how = "tls", *field = NULL; /* field: the input at fault */
	json_t *d;
	int rc, locked = 0;

	memset(out, 0, sizeof *out);
	if (q->certificate || q->challenge || q->signature) {
		if (!q->certificate || !q->challenge || !q->signature)
			return err_why(FINCA_EINVAL, !q->certificate ? "certificate" :
				       !q->challenge ? "challenge" : "signature", "login.together",
				       "certificate, challenge and signature go together");
	} else if (!q->peer) {
		return err_why(FINCA_EAUTH, NULL, "login.no_certificate", "present a client "
			       "certificate, or a certificate with a signed challenge");
	}
	rc = presented(au, ca, q, &out->acct, &how);
	/* locked: refused before the password (the right one too), neither
	 * counted nor audited one by one (the lock was, when it began), so
	 * hammering a lock neither lengthens it nor floods the audit trail */
	if (throttle_check(au->throttle, auth_conf(ca->cfg), q->source,
			   rc == FINCA_OK ? out->acct.name : NULL, &lk) != FINCA_OK) {
		out->retry = lk.retry;
		account_rec_clear(&out->acct);
		return err_why(FINCA_ELIMIT, NULL, "login.throttled", "%s", lk.msg);
	}
	if (rc == FINCA_OK && role_needs_password(out->acct.role) &&
	    (rc = account_check_password(&out->acct, q->password)) != FINCA_OK)
		field = "password";
	if (rc == FINCA_OK)
		rc = session_open(ca, &out->acct, q->peer, q->peer_len, out->token,
				  &out->expires);
	/* the account is known only once its key was proved (TLS handshake,
	 * signed challenge): only then does the account's count go up */
	if (rc == FINCA_OK)
		throttle_ok(au->throttle, out->acct.name);
	else if (rc == FINCA_EAUTH)
		locked = throttle_fail(au->throttle, auth_conf(ca->cfg), q->source,
				       out->acct.id ? out->acct.name : NULL, &lk);
	snprintf(m, sizeof m, "%s", rc == FINCA_OK ? "ok" : err_msg());
	d = json_pack("{s:s, s:s, s:s}", "method", how, "result", m, "address", q->source);
	if (rc != FINCA_OK)
		audit_set_error(d, "result"); /* with its reason: read in Chinese */
	audit_login(ca, out->acct.name[0] ? out->acct.name : "?",
		    rc == FINCA_OK ? "auth.login" : "auth.login.denied", d);
	json_decref(d);
	if (locked) {
		d = json_pack("{s:s, s:s, s:i, s:I, s:i, s:I}", "rule", lk.msg, "address",
			      q->source, "address_failures", lk.address_failures,
			      "address_lock", (json_int_t)lk.address_lock,
			      "account_failures", lk.account_failures,
			      "account_lock", (json_int_t)lk.account_lock);
		audit_login(ca, out->acct.name[0] ? out->acct.name : "?", "auth.throttled", d);
		json_decref(d);
		out->retry = lk.retry;
		rc = err_why(FINCA_ELIMIT, NULL, "login.throttled", "%s; %s", m, lk.msg);
	}
	if (rc != FINCA_OK) {
		if (field)
			err_field_set(field);
		OPENSSL_cleanse(out->token, sizeof out->token);
		account_rec_clear(&out->acct);
	}
	return rc;
}

int auth_identify(struct auth *au, struct ca *ca, const char *bearer,
		  const unsigned char *peer, size_t peer_len, struct account_rec *out)
{
	int rc;

	/* the session's account, certificate and TLS binding are checked
	 * on every call (session.c) */
	if (bearer)
		return session_check(ca, bearer, peer, peer_len, out);
	if (!peer)
		return err_why(FINCA_EAUTH, NULL, "auth.not_logged_in",
			       "not logged in: present a client certificate or a "
			       "session token");
	if ((rc = account_for_der(ca, au->certs, peer, peer_len, out)) != FINCA_OK)
		return rc;
	if (role_needs_password(out->role)) {
		account_rec_clear(out);
		return err_why(FINCA_EAUTH, NULL, "auth.password_first",
			       "role needs a password: POST /api/v1/login first");
	}
	return FINCA_OK;
}

int auth_pin_proof(struct auth *au, struct ca *ca, const char *cert, const char *challenge,
		   const char *sig, struct holder *out)
{
	return holder_verify_pin_proof(ca, au->login_ch, au->certs, cert, challenge, sig, out);
}

int auth_app_verify(struct auth *au, struct ca *ca, const char *cert, const char *challenge,
		    const char *sig, struct holder *out, int *default_pin)
{
	struct token_rec t;
	int rc;

	*default_pin = 0;
	if ((rc = holder_verify(ca, au->app_ch, au->certs, cert, challenge, sig, out)) != FINCA_OK)
		return rc;
	/* a certificate on a USBKey whose envelope PIN was never changed is not
	 * in use yet (art. 23): the application system decides what to allow */
	memset(&t, 0, sizeof t);
	*default_pin = store_token_by_cert(ca_store(ca), out->c.serial, &t) == FINCA_OK &&
		       t.pin_default;
	token_rec_clear(&t);
	err_clear();
	return FINCA_OK;
}
