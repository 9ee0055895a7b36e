/* The token station: its life (the inventory chosen, the module loaded),
 * the token in front of it, the inventory through the ops table, and the
 * commands a holder's computer runs too (list, change-pin, sign). */
#include "station/station.h"
#include "crypto/key.h"
#include "crypto/pem.h"
#include "station/station_int.h"
#include "util/err.h"
#include "util/util.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

int station_load(struct station *st, const char *module, const char *algo)
{
	if (!module)
		return err_why(FINCA_EINVAL, NULL, "station.no_module",
			       "no PKCS#11 module: give --module PATH or set "
			       "module in [token] of finca.conf");
	if ((st->algo = key_alg_parse(algo ? algo : "p256")) < 0)
		return err_why(FINCA_EINVAL, NULL, "station.algo",
			       "--algo %s: expected sm2, p256, rsa2048 or rsa3072",
			       algo);
	return p11_load(module, &st->m);
}

void station_free(struct station *st)
{
	json_decref(st->spec);
	p11_close(st->s);
	p11_free(st->m);
	if (st->ops)
		st->ops->free(st->inv);
	st->spec = NULL;
	st->s = NULL;
	st->m = NULL;
	st->ops = NULL;
	st->inv = NULL;
}

int station_token(struct station *st)
{
	int rc;

	if ((rc = p11_find(st->m, st->a.serial, &st->tok)) != FINCA_OK)
		return rc;
	if (!st->tok.initialized)
		return FINCA_OK;
	return p11_open(st->m, st->tok.slot, &st->s);
}

int station_user_login(struct station *st)
{
	char pin[64];
	int rc;

	if (!st->s)
		return err_why(FINCA_ESTATE, NULL, "station.not_initialised_hint",
			       "token %s is not initialised (finca token init)",
			       st->tok.serial);
	if ((rc = st->secret(st->secret_arg, STATION_PIN, pin, sizeof pin)) == FINCA_OK)
		rc = p11_login(st->s, 0, pin);
	OPENSSL_cleanse(pin, sizeof pin);
	return rc;
}

/* --- the inventory --- */

int station_get(struct station *st, const char *serial, int events, json_t **out)
{
	if (!st->ops)
		return err_why(FINCA_ENOTFOUND, NULL, "station.no_inventory",
			       "no inventory here (give -d DIR or --server)");
	return st->ops->get(st->inv, serial, events, out);
}

int station_inventory(struct station *st, const char *state, json_t **out)
{
	if (!st->ops)
		return err_why(FINCA_ENOTFOUND, NULL, "station.no_inventory",
			       "no inventory here (give -d DIR or --server)");
	return st->ops->list(st->inv, state, out);
}

int station_change(struct station *st, const char *serial, const char *what,
		   const char *reason, const char *party, const char *note)
{
	if (reason && ca_reason_parse(reason) < 0)
		return err_why(FINCA_EINVAL, NULL, "station.reason",
			       "--reason %s: not a revocation reason", reason);
	if (!st->ops)
		return err_why(FINCA_ENOTFOUND, NULL, "station.no_inventory",
			       "no inventory here (give -d DIR or --server)");
	if (!strcmp(what, "handover"))
		return st->ops->handover(st->inv, serial, party, note);
	return st->ops->move(st->inv, serial, what, reason, party, note);
}

/* --- a holder's commands --- */

int station_list(struct station *st,
		 int (*cb)(void *arg, const struct p11_token *t, json_t *row), void *arg)
{
	struct p11_token *t = NULL;
	size_t n = 0;
	int rc;

	if ((rc = p11_list(st->m, &t, &n)) != FINCA_OK)
		goto out;
	for (size_t i = 0; i < n; i++) {
		json_t *inv = NULL, *j;
		j = json_pack("{s:I, s:s, s:s, s:s, s:s, s:b, s:b}", "slot", (json_int_t)t[i].slot,
			      "serial", t[i].serial, "label", t[i].label, "manufacturer",
			      t[i].manufacturer, "model", t[i].model, "initialized",
			      t[i].initialized, "pin_locked", t[i].pin_locked);
		rc = station_get(st, t[i].serial, 0, &inv);
		if (rc == FINCA_OK)
			json_object_set_new(j, "inventory", inv);
		else if (rc != FINCA_ENOTFOUND) {
			json_decref(j);
			goto out;
		}
		rc = cb(arg, &t[i], j);
		json_decref(j);
		if (rc != FINCA_OK)
			goto out;
	}
out:
	free(t);
	return rc;
}

int station_pin_change(struct station *st)
{
	char old[64], pin[64];
	json_t *inv = NULL;
	int rc;

	if ((rc = station_token(st)) != FINCA_OK)
		return rc;
	if (!st->s)
		return err_why(FINCA_ESTATE, NULL, "station.not_initialised",
			       "token %s is not initialised", st->tok.serial);
	if ((rc = st->secret(st->secret_arg, STATION_PIN_CURRENT, old, sizeof old)) ||
	    (rc = st->secret(st->secret_arg, STATION_PIN_NEW, pin, sizeof pin)) ||
	    (rc = pin_check(pin, old)) ||
	    (rc = p11_login(st->s, 0, old)) ||
	    (rc = p11_set_pin(st->s, old, pin)))
		goto out;
	if ((rc = station_get(st, st->tok.serial, 0, &inv)) == FINCA_OK &&
	    json_is_true(json_object_get(inv, "default_pin")))
		rc = st->ops->pin_event(st->inv, st->tok.serial, 1, st->a.request, NULL);
	if (rc != FINCA_OK)
		rc = err_why(rc, NULL, "station.pin_unrecorded",
			     "the PIN was changed on the token, but finca could not record "
			     "it: %s", err_msg());
out:
	json_decref(inv);
	OPENSSL_cleanse(old, sizeof old);
	OPENSSL_cleanse(pin, sizeof pin);
	return rc;
}

/* Signs data with the token's key: what a holder's browser agent does
 * with a login or authentication challenge. */
int station_sign(struct station *st, const char *data, json_t **out)
{
	unsigned char id[64], *sig = NULL;
	size_t idlen = 0, siglen = 0;
	X509 *x = NULL;
	char *b64 = NULL, *pem = NULL;
	int rc;

	if (!data)
		return err_why(FINCA_EINVAL, NULL, "station.sign_data", "sign: give --data TEXT");
	if ((rc = station_token(st)) || (rc = station_user_login(st)) ||
	    (rc = p11_get_cert(st->s, &x, id, &idlen)) ||
	    (rc = p11_sign(st->s, &st->sm2, X509_get0_pubkey(x), id, idlen,
			   (const unsigned char *)data, strlen(data), &sig, &siglen)))
		goto out;
	b64 = b64_encode(sig, siglen);
	pem = pem_x509(x);
	*out = json_pack("{s:s, s:s}", "certificate", pem, "signature", b64);
out:
	free(b64);
	free(pem);
	OPENSSL_free(sig);
	X509_free(x);
	return rc;
}

void station_envelope_clear(struct station_envelope *e)
{
	OPENSSL_cleanse(e, sizeof *e);
}
