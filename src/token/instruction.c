/* Signed instructions for the USBKey agent (instruction.h): made by the
 * server with the service CA's key, checked by the agent with its
 * certificate. */
#include "token/instruction.h"
#include "crypto/pem.h"
#include "crypto/sig.h"
#include "util/err.h"
#include "util/util.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int instruction_sign(EVP_PKEY *key, struct instruction *ins, json_t **out)
{
	unsigned char nonce[16], *sig = NULL;
	size_t siglen = 0;
	char *text = NULL, *b64p = NULL, *b64s = NULL;
	json_t *p = NULL;
	int rc;

	if (!key)
		return err_why(FINCA_EAUTH, NULL, "ca.locked",
			       "the CA is locked: its passphrase is needed");
	if (!ins->nonce[0]) {
		if (RAND_bytes(nonce, sizeof nonce) != 1)
			return err_ssl_why(FINCA_ECRYPTO, "instr.random", "instruction nonce");
		hex_encode(nonce, sizeof nonce, ins->nonce);
	}
	p = json_pack("{s:s, s:s, s:I, s:s, s:I, s:s}", "account", ins->account, "op", ins->op,
		      "request", (json_int_t)ins->request, "token", ins->token, "expires",
		      (json_int_t)ins->expires, "nonce", ins->nonce);
	if (!p || (text = json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS)) == NULL) {
		rc = FINCA_ENOMEM;
		goto out;
	}
	if ((rc = sig_sign(key, (const unsigned char *)text, strlen(text), &sig, &siglen)) != FINCA_OK)
		goto out;
	b64p = b64_encode((const unsigned char *)text, strlen(text));
	b64s = b64_encode(sig, siglen);
	*out = json_pack("{s:s, s:s, s:I}", "payload", b64p, "signature", b64s, "expires",
			 (json_int_t)ins->expires);
out:
	json_decref(p);
	free(text);
	free(b64p);
	free(b64s);
	OPENSSL_free(sig);
	return rc;
}

/* A string member of p that fits in len bytes (NUL included). */
static int member(json_t *p, const char *name, char *buf, size_t len)
{
	const char *s = json_string_value(json_object_get(p, name));

	if (!s || strlen(s) >= len)
		return 0;
	memcpy(buf, s, strlen(s) + 1);
	return 1;
}

int instruction_verify(X509 *cert, const char *payload, const char *signature, int64_t now,
		       struct instruction *out)
{
	unsigned char *text = NULL, *sig = NULL;
	size_t tl = 0, sl = 0;
	struct instruction ins;
	json_t *p = NULL;
	int rc;

	memset(&ins, 0, sizeof ins);
	if (!cert)
		return err_why(FINCA_ECONFIG, NULL, "instr.no_ca",
			       "the agent has no CA certificate to check instructions with "
			       "(--ca-cert)");
	if (!payload || !signature ||
	    b64_decode(payload, INSTR_MAX, &text, &tl) != FINCA_OK ||
	    b64_decode(signature, INSTR_MAX, &sig, &sl) != FINCA_OK) {
		rc = err_why(FINCA_EINVAL, "instruction", "instr.form",
			     "an instruction is {payload, signature}, both base64, as the "
			     "server gives it");
		goto out;
	}
	/* the signature first: nothing of an unsigned payload is read */
	if (sig_verify(X509_get0_pubkey(cert), text, tl, sig, sl) != FINCA_OK) {
		rc = err_why(FINCA_ECRYPTO, "instruction", "instr.signature",
			     "the instruction is not signed by the server's service CA");
		goto out;
	}
	p = json_loadb((const char *)text, tl, JSON_REJECT_DUPLICATES, NULL);
	if (!p || !member(p, "op", ins.op, sizeof ins.op) ||
	    !member(p, "account", ins.account, sizeof ins.account) ||
	    !member(p, "token", ins.token, sizeof ins.token) ||
	    !member(p, "nonce", ins.nonce, sizeof ins.nonce) || strlen(ins.nonce) != 32 ||
	    !json_is_integer(json_object_get(p, "request")) ||
	    !json_is_integer(json_object_get(p, "expires"))) {
		rc = err_why(FINCA_EINVAL, "instruction", "instr.payload",
			     "the instruction's payload lacks account, op, request, token, "
			     "expires or nonce");
		goto out;
	}
	ins.request = json_integer_value(json_object_get(p, "request"));
	ins.expires = json_integer_value(json_object_get(p, "expires"));
	if (ins.expires <= now) {
		rc = err_why(FINCA_EAUTH, "instruction", "instr.expired",
			     "the instruction expired %lld s ago: ask the server for a new one",
			     (long long)(now - ins.expires));
		goto out;
	}
	if (ins.expires - now > INSTR_TTL_MAX) {
		rc = err_why(FINCA_EAUTH, "instruction", "instr.too_long",
			     "the instruction lives %lld s, more than %d (is the agent's clock "
			     "right?)", (long long)(ins.expires - now), INSTR_TTL_MAX);
		goto out;
	}
	*out = ins;
	rc = FINCA_OK;
out:
	json_decref(p);
	free(text);
	free(sig);
	return rc;
}
