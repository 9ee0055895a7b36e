/* Instructions for the operator's USBKey agent (token/instruction.h): the
 * server's consent, signed with the service CA's key, to one change of the
 * token in front of the operator's agent for one accepted request.  Who may
 * have one is who may produce the request (request.produce in its scope,
 * the checks of the token station's own calls); every instruction given is
 * audited.  The holder's PIN change (change_pin) serves no request: the
 * holder may have one for a USBKey of its own in use (me.write, its
 * scope), audited on the token; so is the wipe of a USBKey taken back
 * (returned, art. 22) by an operator of its node (token.write), which the
 * agent re-initialises at once: keys and certificates gone, a new SO PIN
 * sealed.  The agent still goes through the token
 * API for everything it does (register, issue, commit), so an instruction
 * grants nothing the operator's session could not do: it keeps pages that
 * are not the console from changing a token through the agent at all. */
#include "ra/request_int.h"
#include "token/instruction.h"
#include "util/err.h"
#include "util/util.h"

#include <stdio.h>
#include <string.h>

/* The operations an instruction may name, and what each asks of the
 * request. */
static int produce_ok(struct ca *ca, const struct actor *a, int64_t id, const char *token)
{
	(void)token;   /* a blank token has none yet; the token API checks the rest */
	return ra_enroll_check(ca, a, id);
}

static int pin_reset_ok(struct ca *ca, const struct actor *a, int64_t id, const char *token)
{
	return ra_pin_reset_check(ca, a, id, token);
}

/* The holder's own USBKey, in use (request: none). */
static int change_pin_ok(struct ca *ca, const struct actor *a, int64_t id, const char *token)
{
	struct token_rec t;
	struct target tg;
	int rc;

	(void)id;
	memset(&tg, 0, sizeof tg);
	tg.person = a->scope;
	memset(&t, 0, sizeof t);
	if ((rc = actor_may(ca, a, "me.write", &tg)) != FINCA_OK)
		return rc;
	rc = store_token_get(ca_store(ca), token, &t);
	if (rc == FINCA_OK && strcmp(t.holder, a->scope))
		rc = FINCA_ENOTFOUND;
	if (rc == FINCA_ENOTFOUND)
		rc = err_why(FINCA_ENOTFOUND, "token", "me.no_token",
			     "you hold no USBKey %.40s", token);
	else if (rc == FINCA_OK && strcmp(t.state, "issued"))
		rc = err_why(FINCA_ESTATE, "token", "me.token_state",
			     "USBKey %s is %s: only a USBKey in use has its PIN changed", token,
			     t.state);
	token_rec_clear(&t);
	return rc;
}

/* A USBKey taken back, of the actor's node (request: none). */
static int wipe_ok(struct ca *ca, const struct actor *a, int64_t id, const char *token)
{
	struct token_rec t;
	int rc;

	(void)id;
	if ((rc = ra_token_get_for(ca, a, "token.write", token, &t)) != FINCA_OK)
		return rc;
	if (strcmp(t.state, "returned"))
		rc = err_why(FINCA_ESTATE, "token", "instr.wipe_state",
			     "USBKey %s is %s: only a USBKey taken back (returned) is wiped",
			     token, t.state);
	token_rec_clear(&t);
	return rc;
}

static const struct instr_op {
	const char *op;
	int (*ok)(struct ca *, const struct actor *, int64_t, const char *);
	int request;                   /* serves a request (audited there) */
} ops[] = {
	{ "produce", produce_ok, 1 },     /* init (or resume), key, certificate, envelope */
	{ "pin_reset", pin_reset_ok, 1 }, /* 附件3: a new default PIN and envelope */
	{ "change_pin", change_pin_ok, 0 }, /* art. 23: the holder's own */
	{ "wipe", wipe_ok, 0 },           /* art. 22: a USBKey taken back, made blank */
};

struct audit_arg {
	const struct instruction *ins;
};

static int audit_fn(struct ca *ca, const struct actor *a, json_t *r, void *arg)
{
	const struct instruction *ins = ((struct audit_arg *)arg)->ins;
	char obj[48];
	json_t *d;
	int rc;

	snprintf(obj, sizeof obj, "request:%lld",
		 (long long)json_integer_value(json_object_get(r, "id")));
	d = json_pack("{s:s, s:s, s:I, s:s}", "op", ins->op, "token", ins->token, "expires",
		      (json_int_t)ins->expires, "nonce", ins->nonce);
	/* the account is the record's actor */
	rc = ca_audit(ca, a->name, "request.instruction", obj, d);
	json_decref(d);
	return rc;
}

/* An instruction that serves no request, audited on its token. */
static int token_audit(struct ca *ca, const struct actor *a, const struct instruction *ins)
{
	char obj[48];
	json_t *d;
	int rc;

	snprintf(obj, sizeof obj, "token:%s", ins->token);
	d = json_pack("{s:s, s:I, s:s}", "op", ins->op, "expires", (json_int_t)ins->expires,
		      "nonce", ins->nonce);
	rc = ca_audit(ca, a->name, "token.instruction", obj, d);
	json_decref(d);
	return rc;
}

int ra_instruction(struct ca *ca, const struct actor *a, const char *op, int64_t request,
		   const char *token, json_t **out)
{
	const struct instr_op *o = NULL;
	struct instruction ins;
	struct audit_arg arg = { &ins };
	json_t *j = NULL;
	int rc;

	for (size_t i = 0; i < ARRAY_LEN(ops); i++)
		if (op && !strcmp(ops[i].op, op))
			o = &ops[i];
	if (!o)
		return err_why(FINCA_EINVAL, "op", "instr.op",
			       "op '%.40s': expected produce, pin_reset, change_pin or wipe",
			       op ? op : "");
	if (!token)
		token = "";
	if (strlen(token) >= sizeof ins.token)
		return err_why(FINCA_EINVAL, "token", "instr.token",
			       "token '%.40s': a USBKey serial has at most 16 characters", token);
	if ((rc = o->ok(ca, a, request, token)) != FINCA_OK)
		return rc;
	memset(&ins, 0, sizeof ins);
	snprintf(ins.op, sizeof ins.op, "%s", o->op);
	snprintf(ins.token, sizeof ins.token, "%s", token);
	snprintf(ins.account, sizeof ins.account, "%s", a->name);
	ins.request = o->request ? request : 0;
	ins.expires = clock_now() + INSTR_TTL;
	if ((rc = instruction_sign(ca->service_key, &ins, &j)) == FINCA_OK)
		rc = o->request ? req_in_tx(ca, a, request, "request.produce", audit_fn, &arg)
				: token_audit(ca, a, &ins);
	if (rc != FINCA_OK) {
		json_decref(j);
		return rc;
	}
	*out = j;
	return FINCA_OK;
}
