/* POST /api/v1/instructions {op, request?, token?}: the server's signed
 * consent for the operator's USBKey agent (ra/instruction.c).  The console
 * asks for one and hands it to the agent with the operator's session. */
#include "http/api_int.h"
#include "ra/ra.h"
#include "util/err.h"
#include "util/util.h"

enum MHD_Result api_instructions(struct call *k)
{
	const char *op = NULL, *token = NULL;
	json_int_t request = 0;
	const struct field f[] = {
		{ "op", F_STR, 1, &op },
		{ "request", F_INT, 0, &request },
		{ "token", F_STR, 0, &token },
	};
	enum MHD_Result ret;
	json_t *j = NULL;
	int rc;

	if (!allow(k, "token.write", &ret) || !decode(k, f, ARRAY_LEN(f), &ret))
		return ret;
	if ((rc = ra_instruction(k->s->ca, &k->who, op, request, token, &j)) != FINCA_OK)
		return send_rc(k, rc);
	return send_json(k, 201, j);
}
