/* The signing agent: the holder changes the USBKey's PIN (art. 23: the
 * envelope's default PIN must be changed before the certificate is used;
 * 6-10 characters, digits and letters).  POST /v1/change-pin {id,
 * challenge}: both PINs come from the agent's own PIN source, never from
 * the page (the terminal; --pin-command, told FINCA_AGENT_TOKEN=SERIAL for
 * the current PIN and SERIAL/new for the new one; --pin-file, lines
 * "SERIAL PIN" and "SERIAL/new NEWPIN").  The new PIN is checked against
 * the policy (token/pin.c, the one place of the rule) before the token is
 * touched; the token changes it (C_SetPIN, logged in with the current
 * PIN); then the agent logs in with the new PIN and signs AUTH_PIN_PROOF
 * and the server's challenge with the token's key: the proof the console
 * posts to finca (POST /api/v1/me/tokens/{serial}/pin-changed).  The
 * proof's text has a line break, which /v1/sign refuses to sign: no page
 * can get one without a change.
 *
 * The change needs the server's signed instruction (instr.c), op
 * change_pin for this token, which the server gives only to the token's
 * holder logged in (POST /api/v1/me/tokens/{serial}/instruction): a page
 * that is not the holder's console cannot start a PIN change, and a
 * leaked instruction serves once, for one token, within minutes.  It is
 * bound to the token, not to a session: the agent has none here (the
 * holder typing both PINs into the agent is the rest of the consent). */
#include "agent/agent_int.h"
#include "auth/pin_proof.h"
#include "crypto/pem.h"
#include "ca/ca.h"
#include "ca/dn.h"
#include "crypto/sig.h"
#include "http/jsonreq.h"
#include "token/instruction.h"
#include "util/err.h"
#include "util/util.h"

/* the agent's PIN buffer; token.h names the policy's maximum PIN_MAX too */
enum { AGENT_PIN_BUF = PIN_MAX };
#undef PIN_MAX
#include "token/token.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A failure: its HTTP status and code, the thread's error saying why. */
static int fail(struct agent_answer *ans, int status, const char *code)
{
	ans->status = status;
	ans->code = code;
	return FINCA_EINVAL;
}

/* Under tok_mu: logs in to token serial with old and sets new.  On
 * failure ans says how to answer. */
static int set_pin(struct agent *a, const char *serial, const char *old, const char *new_pin,
		   struct agent_answer *ans)
{
	struct p11_token t;
	struct p11s *s = NULL;
	unsigned char mac[32];
	int rc;

	agent_pin_mac(a, serial, old, mac);
	if (agent_pin_refused(a, serial, mac)) {
		err_why(FINCA_EAUTH, NULL, "agent.pin_refused",
			"token %s refused this PIN before; it is not offered again", serial);
		rc = fail(ans, 401, "wrong_pin");
		goto out;
	}
	if ((rc = p11_find(a->m, serial, &t)) != FINCA_OK) {
		rc = fail(ans, rc == FINCA_ENOTFOUND ? 404 : 500,
			  rc == FINCA_ENOTFOUND ? "not_found" : "token");
		goto out;
	}
	if ((rc = p11_open(a->m, t.slot, &s)) != FINCA_OK) {
		rc = fail(ans, 500, "token");
		goto out;
	}
	rc = p11_login(s, 0, old);
	if (rc == FINCA_EAUTH || rc == FINCA_EINVAL) {
		char msg[256];
		snprintf(msg, sizeof msg, "%s", err_msg());
		agent_pin_remember(a, serial, mac, 0);
		if (p11_find(a->m, serial, &t) == FINCA_OK && t.pin_locked) {
			err_why(FINCA_EAUTH, NULL, "agent.pin_now_locked",
				"token %s: %s; the PIN is now locked", serial, msg);
			rc = fail(ans, 423, "pin_locked");
		} else {
			err_why(FINCA_EAUTH, NULL, "agent.wrong_pin", "token %s: %s", serial, msg);
			rc = fail(ans, 401, "wrong_pin");
		}
		goto out;
	}
	if (rc != FINCA_OK || (rc = p11_set_pin(s, old, new_pin)) != FINCA_OK) {
		rc = fail(ans, 500, "token");
		goto out;
	}
	agent_pin_remember(a, serial, mac, 1);
out:
	p11_close(s);              /* logs out */
	OPENSSL_cleanse(mac, sizeof mac);
	return rc;
}

int agent_change_pin(struct agent *a, const char *origin, const char *body, size_t len,
		     struct agent_answer *ans)
{
	const char *id = NULL, *ch = NULL, *bad = NULL;
	const struct field f[] = {
		{ "id", F_STR, 1, &id },
		{ "challenge", F_STR, 1, &ch },
	};
	struct instruction ins;
	json_t *instr = NULL;      /* owned: req's "instruction" */
	char serial[17], newname[24], old[AGENT_PIN_BUF], new_pin[AGENT_PIN_BUF];
	unsigned char kid[64], *sig = NULL, *der = NULL;
	size_t kidlen = 0, siglen = 0;
	struct p11_token t;
	struct refusal why;
	struct ask q;
	json_t *req = NULL;
	X509 *x = NULL;
	char *subj = NULL, *text = NULL, *b64s = NULL, *b64c = NULL;
	int n, rc;

	memset(&q, 0, sizeof q);
	memset(old, 0, sizeof old);
	memset(new_pin, 0, sizeof new_pin);
	ans->answer = NULL;
	if (!body) {
		err_why(FINCA_EINVAL, NULL, "body.too_large", "body larger than %d bytes", BODY_MAX);
		rc = fail(ans, 400, "invalid");
		goto out;
	}
	if (jsonreq_parse(body, len, BODY_MAX, &req) != FINCA_OK) {
		rc = fail(ans, 400, "invalid");
		goto out;
	}
	instr = agent_instr_pop(req);
	if (jsonreq_decode(req, f, ARRAY_LEN(f), &bad) != FINCA_OK) {
		rc = fail(ans, 400, "invalid");
		goto out;
	}
	if (!agent_challenge_ok(ch, json_string_length(json_object_get(req, "challenge")))) {
		err_why(FINCA_EINVAL, "challenge", "agent.challenge",
			"1 to 256 printable ASCII characters");
		rc = fail(ans, 400, "invalid");
		goto out;
	}
	if (strlen(id) != json_string_length(json_object_get(req, "id")) ||
	    !agent_id_parse(id, serial, kid, &kidlen)) {
		err_why(FINCA_EINVAL, "id", "agent.id",
			"expected TOKENSERIAL:CKAIDHEX, as GET /v1/certificates lists it");
		rc = fail(ans, 400, "invalid");
		goto out;
	}
	/* the server's consent, for this token */
	if ((rc = agent_instr_take(a->instr, instr, "change_pin", &ins)) != FINCA_OK) {
		rc = fail(ans, rc == FINCA_EINVAL ? 400 : 403,
			  rc == FINCA_EINVAL ? "invalid" : "forbidden");
		goto out;
	}
	if (strcmp(ins.token, serial)) {
		err_why(FINCA_EAUTH, "instruction", "agent.instr_other_token",
			"the instruction is for USBKey %s, not %s", ins.token, serial);
		rc = fail(ans, 403, "forbidden");
		goto out;
	}
	pthread_mutex_lock(&a->tok_mu);
	rc = agent_cert_find(a, serial, kid, kidlen, &t, &x);
	pthread_mutex_unlock(&a->tok_mu);
	if (rc != FINCA_OK) {
		rc = fail(ans, rc == FINCA_ENOTFOUND ? 404 : 500,
			  rc == FINCA_ENOTFOUND ? "not_found" : "token");
		goto out;
	}
	if (t.pin_locked) {
		err_why(FINCA_EAUTH, NULL, "agent.pin_locked",
			"token %s: the PIN is locked; an approved PIN reset request is needed",
			serial);
		rc = fail(ans, 423, "pin_locked");
		goto out;
	}
	/* the current PIN, then the new one, from the agent's own source */
	q.serial = serial;
	q.origin = origin;
	q.final_try = t.pin_final_try;
	agent_printable(q.label, sizeof q.label, t.label);
	subj = dn_format(X509_get_subject_name(x));
	ca_cert_serial(x, q.cert);
	snprintf(q.subject, sizeof q.subject, "%s", subj);
	q.what = ASK_PIN_OLD;
	if ((rc = agent_pin_ask(a, &q, old, sizeof old)) != FINCA_OK) {
		rc = fail(ans, 503, "no_pin");
		goto out;
	}
	snprintf(newname, sizeof newname, "%s/new", serial);
	q.serial = newname;
	q.final_try = 0;
	q.what = ASK_PIN_NEW;
	if ((rc = agent_pin_ask(a, &q, new_pin, sizeof new_pin)) != FINCA_OK) {
		rc = fail(ans, 503, "no_pin");
		goto out;
	}
	/* art. 23, before the token is touched */
	if ((rc = pin_check(new_pin, old)) != FINCA_OK) {
		rc = fail(ans, 400, "pin_policy");
		goto out;
	}
	pthread_mutex_lock(&a->tok_mu);
	rc = set_pin(a, serial, old, new_pin, ans);
	pthread_mutex_unlock(&a->tok_mu);
	if (rc != FINCA_OK)
		goto out;
	/* the proof: the token's key, unlocked by the new PIN */
	if (asprintf(&text, "%s%s", AUTH_PIN_PROOF, ch) < 0)
		abort();
	if ((rc = agent_token_sign(a, serial, new_pin, x, kid, kidlen, text, &sig, &siglen,
				   &why)) != FINCA_OK) {
		rc = fail(ans, why.status, why.code);
		goto out;
	}
	if (sig_verify(X509_get0_pubkey(x), (const unsigned char *)text, strlen(text), sig,
		       siglen) != FINCA_OK) {
		err_why(FINCA_ECRYPTO, NULL, "agent.key_mismatch",
			"token %s: the signature does not verify with the certificate "
			"(its key is another)", serial);
		rc = fail(ans, 500, "token");
		goto out;
	}
	if ((n = i2d_X509(x, &der)) <= 0) {
		err_why(FINCA_ECRYPTO, NULL, "agent.cert_encode", "the certificate does not encode");
		rc = fail(ans, 500, "token");
		goto out;
	}
	b64c = b64_encode(der, (size_t)n);
	b64s = b64_encode(sig, siglen);
	snprintf(ans->note, sizeof ans->note, "PIN changed on token %s, certificate %s", serial,
		 q.cert);
	ans->status = 200;
	ans->answer = json_pack("{s:s, s:s, s:s, s:s}", "token", serial, "certificate", b64c,
				"challenge", ch, "signature", b64s);
	rc = FINCA_OK;
out:
	OPENSSL_cleanse(old, sizeof old);
	OPENSSL_cleanse(new_pin, sizeof new_pin);
	json_decref(req);
	json_decref(instr);
	X509_free(x);
	OPENSSL_free(sig);
	OPENSSL_free(der);
	free(subj);
	free(text);
	free(b64c);
	free(b64s);
	return rc;
}
