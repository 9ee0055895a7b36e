/* Instructions for the operator's USBKey agent (token/instruction.h): the
 * server's consent, signed with the service CA's key, to one change of the
 * token in front of the operator's agent for one accepted request.  Who may
 * have one is who may produce the request (request.produce in its scope,
 * the checks of the token station's own calls); every instruction given is
 * audited.  The agent still goes through the token API for everything it
 * does (register, issue, commit), so an instruction grants nothing the
 * operator's session could not do: it keeps pages that are not the console
 * from changing a token through the agent at all. */
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

static const struct instr_op {
	const char *op;
	int (*ok)(struct ca *, const struct actor *, int64_t, const char *);
} ops[] = {
	{ "produce", produce_ok },     /* init (or resume), key, certificate, envelope */
	{ "pin_reset", pin_reset_ok }, /* 附件3: a new default PIN and envelope */
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
			       "op '%.40s': expected produce or pin_reset", op ? op : "");
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
	ins.request = request;
	ins.expires = clock_now() + INSTR_TTL;
	if ((rc = instruction_sign(ca->service_key, &ins, &j)) != FINCA_OK ||
	    (rc = req_in_tx(ca, a, request, "request.produce", audit_fn, &arg)) != FINCA_OK) {
		json_decref(j);
		return rc;
	}
	*out = j;
	return FINCA_OK;
}
