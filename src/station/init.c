/* The token station: a blank or returned USBKey made ready.  It gets a new
 * random SO PIN, kept by the CA sealed (token/token.c), and a random
 * default PIN for the envelope, which the holder must change at first use;
 * the inventory registers it and gives the envelope's loss-report code. */
#include "station/station_int.h"
#include "util/err.h"
#include "util/util.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

/* The token init works on: --serial, else the only blank one, else the
 * only one. */
static int pick_for_init(struct station *st)
{
	struct p11_token *t;
	size_t n, blank = 0, hit = 0;
	int rc;

	if (st->a.serial)
		return p11_find(st->m, st->a.serial, &st->tok);
	if ((rc = p11_list(st->m, &t, &n)) != FINCA_OK)
		return rc;
	for (size_t i = 0; i < n; i++)
		if (!t[i].initialized) {
			blank++;
			hit = i;
		}
	if (blank == 1)
		st->tok = t[hit];
	free(t);
	if (blank > 1)
		return err_why(FINCA_EINVAL, NULL, "station.blank_many",
			       "%zu blank tokens are present: insert one at a time",
			       blank);
	return blank ? FINCA_OK : p11_find(st->m, NULL, &st->tok);
}

/* A blank token gets its serial (and, with SoftHSM, a new slot) when it is
 * initialised: find it again by label, the one finca does not know yet. */
static int refind(struct station *st, const char *label)
{
	struct p11_token *t;
	size_t n, found = 0;
	json_t *inv = NULL;
	int rc;

	if (st->tok.serial[0])
		return p11_find(st->m, st->tok.serial, &st->tok);
	if ((rc = p11_list(st->m, &t, &n)) != FINCA_OK)
		return rc;
	for (size_t i = 0; i < n; i++)
		if (t[i].initialized && !strcmp(t[i].label, label) &&
		    station_get(st, t[i].serial, 0, &inv) == FINCA_ENOTFOUND) {
			st->tok = t[i];
			found++;
		} else {
			json_decref(inv);
			inv = NULL;
		}
	free(t);
	return found == 1 ? FINCA_OK : err_why(FINCA_EIO, NULL, "station.init_lost",
					       "the initialised token cannot be "
					       "found again (was it removed?)");
}

int station_init(struct station *st, struct station_envelope *out)
{
	char so[17], pin[PIN_DEFAULT_LEN + 1], code[LOSS_CODE_BUF], *old_so = NULL;
	const char *label = st->a.label ? st->a.label : "finca";
	struct token_info ti;
	json_t *inv = NULL;
	int rc;

	if (!st->ops)
		return err_why(FINCA_EINVAL, NULL, "station.no_inventory",
			       "init: no inventory (give -d DIR or --server)");
	if ((rc = pick_for_init(st)) != FINCA_OK)
		return rc;
	/* the inventory must allow it before the token is wiped */
	rc = st->tok.serial[0] ? station_get(st, st->tok.serial, 0, &inv) : FINCA_ENOTFOUND;
	if (rc == FINCA_OK)
		rc = token_move_check(json_string_value(json_object_get(inv, "state")),
				      "initialized");
	else if (rc == FINCA_ENOTFOUND)
		rc = FINCA_OK;
	json_decref(inv);
	if (rc != FINCA_OK)
		return rc;
	if ((rc = pin_random_so(so)) || (rc = pin_random(pin)))
		return rc;
	/* an initialised token is erased with its current SO PIN: the one
	 * finca kept, or the door's (a vendor's default) */
	if (st->tok.initialized) {
		if (st->a.old_so_pin && *st->a.old_so_pin)
			old_so = xstrdup(st->a.old_so_pin);
		else if ((rc = st->ops->so_pin(st->inv, st->tok.serial, st->a.request,
					       &old_so)) != FINCA_OK) {
			/* the SO PIN's own error keeps its reason */
			err_wrap(rc, "token %s is initialised", st->tok.serial);
			err_append(" (or give its SO PIN in FINCA_SO_PIN)");
			goto out;
		}
	}
	if ((rc = p11_init_token(st->m, st->tok.slot, old_so ? old_so : so, label)) ||
	    (rc = refind(st, label)) ||
	    (rc = p11_open(st->m, st->tok.slot, &st->s)) ||
	    (rc = p11_login(st->s, 1, old_so ? old_so : so)) ||
	    (old_so && (rc = p11_set_pin(st->s, old_so, so))) ||
	    (rc = p11_init_pin(st->s, pin)))
		goto out;
	ti = (struct token_info){ st->tok.serial, st->tok.label, st->tok.manufacturer,
				  st->tok.model, st->a.node };
	if ((rc = st->ops->add(st->inv, &ti, so, code)) != FINCA_OK)
		goto out;
	memcpy(out->pin, pin, sizeof out->pin);
	memcpy(out->code, code, sizeof out->code);
out:
	if (old_so) {
		OPENSSL_cleanse(old_so, strlen(old_so));
		free(old_so);
	}
	OPENSSL_cleanse(so, sizeof so);
	OPENSSL_cleanse(pin, sizeof pin);
	OPENSSL_cleanse(code, sizeof code);
	return rc;
}
