/* The token station's inventory on the CA host: the core's USBKey
 * inventory as the acting account may see and change it (ra/tokens.c),
 * with the same audit records as the daemon's API. */
#include "station/station.h"
#include "ra/ra.h"
#include "util/err.h"
#include "util/util.h"

#include <string.h>

struct local {
	struct ca *ca;             /* borrowed */
	const struct actor *act;   /* borrowed: who acts (--as, or the CA host) */
};

static int local_get(void *ctx, const char *serial, int events, json_t **out)
{
	struct local *l = ctx;
	struct token_rec t;
	int rc;

	if ((rc = ra_token_get(l->ca, l->act, serial, &t)) != FINCA_OK)
		return rc;
	*out = token_json(l->ca, &t, events);
	token_rec_clear(&t);
	return FINCA_OK;
}

struct gather {
	struct ca *ca;
	json_t *arr;
};

static int gather_one(void *arg, const struct token_rec *t)
{
	struct gather *g = arg;

	return json_array_append_new(g->arr, token_json(g->ca, t, 0)) ? FINCA_ENOMEM : FINCA_OK;
}

static int local_list(void *ctx, const char *state, json_t **out)
{
	struct local *l = ctx;
	struct gather g = { l->ca, json_array() };
	int rc;

	if ((rc = ra_token_list(l->ca, l->act, state, gather_one, &g)) == FINCA_OK) {
		*out = g.arr;
		g.arr = NULL;
	}
	json_decref(g.arr);
	return rc;
}

static int local_add(void *ctx, const struct token_info *ti, const char *so_pin,
		     char code[LOSS_CODE_BUF])
{
	struct local *l = ctx;

	return ra_token_register(l->ca, l->act, ti, so_pin, code);
}

static int local_so_pin(void *ctx, const char *serial, int64_t request, char **out)
{
	struct local *l = ctx;

	return ra_token_so_pin(l->ca, l->act, serial, request, out);
}

static int local_enroll_spec(void *ctx, int64_t request, json_t **out)
{
	struct local *l = ctx;

	return ra_enroll_spec(l->ca, l->act, request, out);
}

static int local_enroll_begin(void *ctx, const char *serial, const struct issue_req *rq,
			      X509 **out)
{
	struct local *l = ctx;

	return ra_token_enroll_begin(l->ca, l->act, serial, rq, out);
}

static int local_enroll_end(void *ctx, const char *serial, const char *cert, int64_t request,
			    const char *abort_why)
{
	struct local *l = ctx;

	return ra_token_enroll_end(l->ca, l->act, serial, cert, request, abort_why);
}

static int local_envelopes(void *ctx, const char *cert, json_t **out)
{
	struct local *l = ctx;

	return ra_cert_envelope(l->ca, l->act, cert, out);
}

static int local_key_import(void *ctx, const char *serial, const char *cert, const char *enc,
			    const char *format)
{
	struct local *l = ctx;

	return ra_token_key_import(l->ca, l->act, serial, cert, enc, format);
}

static int local_pin_event(void *ctx, const char *serial, int changed, int64_t request,
			   char code[LOSS_CODE_BUF])
{
	struct local *l = ctx;

	return ra_token_pin_event(l->ca, l->act, serial, changed, request, code);
}

static int local_move(void *ctx, const char *serial, const char *to, const char *reason,
		      const char *party, const char *note)
{
	struct local *l = ctx;
	int code = reason ? ca_reason_parse(reason) : -1;

	if (reason && code < 0)
		return err_why(FINCA_EINVAL, NULL, "station.reason",
			       "--reason %s: not a revocation reason", reason);
	return ra_token_move(l->ca, l->act, serial, to, code, party, note);
}

static int local_handover(void *ctx, const char *serial, const char *party, const char *note)
{
	struct local *l = ctx;

	return ra_token_handover(l->ca, l->act, serial, party, note);
}

static void local_free(void *ctx)
{
	free(ctx);
}

const struct station_ops station_local_ops = {
	.name = "local",
	.get = local_get,
	.list = local_list,
	.add = local_add,
	.so_pin = local_so_pin,
	.enroll_spec = local_enroll_spec,
	.enroll_begin = local_enroll_begin,
	.enroll_end = local_enroll_end,
	.envelopes = local_envelopes,
	.key_import = local_key_import,
	.pin_event = local_pin_event,
	.move = local_move,
	.handover = local_handover,
	.free = local_free,
};

void station_use_local(struct station *st, struct ca *ca, const struct actor *a)
{
	struct local *l = xcalloc(1, sizeof *l);

	l->ca = ca;
	l->act = a;
	st->ops = &station_local_ops;
	st->inv = l;
}
