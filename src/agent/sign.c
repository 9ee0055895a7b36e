/* The signing agent: one login signature on a token.  The PIN is offered
 * to the token once, and never when the token refused it before. */
#include "agent/agent_int.h"
#include "util/err.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

/* Logs in to token serial with pin, signs data with the key of CKA_ID id
 * (certificate x), logs out.  *sig (OPENSSL_free) is the caller's.  On
 * failure *why says how to answer.  The PIN is offered once, and never
 * when the token refused it before. */
int agent_token_sign(struct agent *a, const char *serial, const char *pin, X509 *x,
		     const unsigned char *id, size_t idlen, const char *data,
		     unsigned char **sig, size_t *siglen, struct refusal *why)
{
	struct p11_token t;
	struct p11s *s = NULL;
	unsigned char mac[32];
	int rc;

	*why = (struct refusal){ 500, "token", -1 };
	agent_pin_mac(a, serial, pin, mac);
	pthread_mutex_lock(&a->tok_mu);
	if (agent_pin_refused(a, serial, mac)) {
		*why = (struct refusal){ 401, "wrong_pin", -1 };
		rc = err_why(FINCA_EAUTH, NULL, "agent.pin_refused",
				"token %s refused this PIN before; it is not offered "
			     "again", serial);
		goto out;
	}
	if ((rc = p11_find(a->m, serial, &t)) != FINCA_OK) {
		if (rc == FINCA_ENOTFOUND)
			*why = (struct refusal){ 404, "not_found", -1 };
		goto out;
	}
	if (t.pin_locked) {
		*why = (struct refusal){ 423, "pin_locked", -1 };
		rc = err_why(FINCA_EAUTH, NULL, "agent.pin_locked",
				"token %s: the PIN is locked", serial);
		goto out;
	}
	if ((rc = p11_open(a->m, t.slot, &s)) != FINCA_OK)
		goto out;
	rc = p11_login(s, 0, pin);
	/* wrong, expired or refused by length or characters: the flags say
	 * whether the token is now locked */
	if (rc == FINCA_EAUTH || rc == FINCA_EINVAL) {
		char msg[256];
		snprintf(msg, sizeof msg, "%s", err_msg());
		agent_pin_remember(a, serial, mac, 0);
		if (p11_find(a->m, serial, &t) == FINCA_OK && t.pin_locked) {
			*why = (struct refusal){ 423, "pin_locked", -1 };
			rc = err_why(FINCA_EAUTH, NULL, "agent.pin_now_locked",
				     "token %s: %s; the PIN is now locked", serial, msg);
		} else if (t.pin_final_try) {
			*why = (struct refusal){ 401, "wrong_pin", 1 };
			rc = err_why(FINCA_EAUTH, NULL, "agent.wrong_pin_final",
				     "token %s: %s; one more wrong PIN locks it", serial, msg);
		} else {
			*why = (struct refusal){ 401, "wrong_pin", -1 };
			rc = err_why(FINCA_EAUTH, NULL, "agent.wrong_pin",
					"token %s: %s", serial, msg);
		}
		goto out;
	}
	if (rc != FINCA_OK)
		goto out;
	agent_pin_remember(a, serial, mac, 1);
	rc = p11_sign(s, &a->sm2, X509_get0_pubkey(x), id, idlen, (const unsigned char *)data,
		      strlen(data), sig, siglen);
out:
	p11_close(s);              /* logs out */
	pthread_mutex_unlock(&a->tok_mu);
	OPENSSL_cleanse(mac, sizeof mac);
	return rc;
}

/* Printable ASCII, 1 to CHALLENGE_MAX bytes. */
int agent_challenge_ok(const char *s, size_t len)
{
	if (len == 0 || len > CHALLENGE_MAX || strlen(s) != len)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return 0;
	return 1;
}

