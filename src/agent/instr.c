/* The agent's side of the server's signed instructions
 * (token/instruction.h): the service CA certificate it was started with
 * (--ca-cert) and the nonces it has taken.  Every operation that changes a
 * token goes through agent_instr_take first: the operator's production
 * and PIN reset (produce.c) and the holder's PIN change (pin_change.c).
 * The nonce memory is per run: a restart forgets it, and each instruction
 * still expires within INSTR_TTL_MAX seconds. */
#include "agent/agent_int.h"
#include "http/jsonreq.h"
#include "token/instruction.h"
#include "util/err.h"
#include "util/util.h"

#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NONCES 64              /* instructions alive at once (INSTR_TTL each) */

struct agent_instr {
	X509 *ca;                  /* owned: the service CA (--ca-cert) */
	pthread_mutex_t mu;        /* over used */
	struct {
		char nonce[33];
		int64_t expires;
	} used[NONCES];
};

int agent_instr_start(const char *ca_cert, struct agent_instr **out)
{
	struct agent_instr *v;
	FILE *f;

	*out = NULL;
	if (!ca_cert)
		return FINCA_OK;
	v = xcalloc(1, sizeof *v);
	if ((f = fopen(ca_cert, "r")) == NULL ||
	    (v->ca = PEM_read_X509(f, NULL, NULL, NULL)) == NULL) {
		if (f)
			fclose(f);
		free(v);
		return err_why(FINCA_EIO, NULL, "agent.ca_cert",
			       "--ca-cert %s: not a readable PEM certificate", ca_cert);
	}
	fclose(f);
	pthread_mutex_init(&v->mu, NULL);
	*out = v;
	return FINCA_OK;
}

void agent_instr_free(struct agent_instr *v)
{
	if (!v)
		return;
	X509_free(v->ca);
	pthread_mutex_destroy(&v->mu);
	free(v);
}

/* Takes ins's nonce, once: FINCA_EAUTH when it was taken before. */
static int nonce_take(struct agent_instr *v, const struct instruction *ins, int64_t now)
{
	int free_slot = -1, rc = FINCA_OK;

	pthread_mutex_lock(&v->mu);
	for (int i = 0; i < NONCES; i++) {
		if (v->used[i].expires > now && !strcmp(v->used[i].nonce, ins->nonce)) {
			rc = err_why(FINCA_EAUTH, "instruction", "agent.instr_replay",
				     "this instruction was used already: ask the server "
				     "for a new one");
			goto out;
		}
		if (free_slot < 0 && v->used[i].expires <= now)
			free_slot = i;
	}
	if (free_slot < 0) {
		rc = err_why(FINCA_ELIMIT, "instruction", "agent.instr_many",
			     "more than %d instructions within %d s", NONCES, INSTR_TTL_MAX);
		goto out;
	}
	snprintf(v->used[free_slot].nonce, sizeof v->used[free_slot].nonce, "%s", ins->nonce);
	v->used[free_slot].expires = ins->expires;
out:
	pthread_mutex_unlock(&v->mu);
	return rc;
}

json_t *agent_instr_pop(json_t *body)
{
	json_t *instr = json_incref(json_object_get(body, "instruction"));

	json_object_del(body, "instruction");
	return instr;
}

int agent_instr_take(struct agent_instr *v, json_t *instr, const char *op,
		     struct instruction *out)
{
	const char *payload = NULL, *sig = NULL, *bad = NULL;
	const struct field f[] = {
		{ "payload", F_STR, 1, &payload },
		{ "signature", F_STR, 1, &sig },
	};
	int64_t now = clock_now();
	int rc;

	if (!v)
		return err_why(FINCA_EAUTH, "instruction", "instr.no_ca",
			       "the agent has no CA certificate to check instructions with "
			       "(--ca-cert)");
	if (!json_is_object(instr))
		return err_why(FINCA_EINVAL, "instruction", "instr.form",
			       "an instruction is {payload, signature}, both base64, as the "
			       "server gives it");
	if ((rc = jsonreq_decode(instr, f, ARRAY_LEN(f), &bad)) != FINCA_OK ||
	    (rc = instruction_verify(v->ca, payload, sig, now, out)) != FINCA_OK)
		return rc;
	if (strcmp(out->op, op))
		return err_why(FINCA_EAUTH, "instruction", "agent.instr_op",
			       "the instruction is for %s, not for %s", out->op, op);
	return nonce_take(v, out, now);
}
