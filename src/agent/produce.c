/* The operator's USBKey production through the agent (agent/produce.h):
 * the token station with the remote inventory, driven by the console with
 * the server's signed instructions. */
#include "agent/agent_int.h"
/* agent_int.h's PIN_MAX (a buffer) is not token.h's (the art. 23 policy);
 * this file uses neither */
#undef PIN_MAX
#include "agent/produce.h"
#include "ca/dn.h"
#include "crypto/key.h"
#include "crypto/pem.h"
#include "doc/forms.h"
#include "http/jsonreq.h"
#include "station/station.h"
#include "token/instruction.h"
#include "util/err.h"
#include "util/util.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct produce {
	int algo;                  /* enum key_alg made on tokens */
};

int produce_start(const struct agent_config *cfg, struct produce **out)
{
	struct produce *p;
	int rc, listed = 0;

	*out = NULL;
	if (!cfg->server)
		return FINCA_OK;   /* --ca-cert alone: the holder's PIN change */
	if (!cfg->ca_cert)
		return err_why(FINCA_EINVAL, NULL, "agent.produce_config",
			       "USBKey production needs both --server (the console) and "
			       "--ca-cert (its service CA certificate)");
	for (size_t i = 0; i < cfg->norigins; i++)
		listed |= !strcmp(cfg->origins[i], cfg->server);
	if (strncmp(cfg->server, "https://", 8) || !listed)
		return err_why(FINCA_EINVAL, NULL, "agent.server",
			       "--server %.80s: the console's https:// origin, also given "
			       "with --origin", cfg->server);
	p = xcalloc(1, sizeof *p);
	if ((p->algo = key_alg_parse(cfg->algo ? cfg->algo : "p256")) < 0) {
		rc = err_why(FINCA_EINVAL, NULL, "station.algo",
			     "--algo %s: expected sm2, p256, rsa2048 or rsa3072", cfg->algo);
		goto fail;
	}
	*out = p;
	return FINCA_OK;
fail:
	produce_free(p);
	return rc;
}

void produce_free(struct produce *p)
{
	free(p);
}

int produce_path(const char *path)
{
	return !strcmp(path, "/v1/tokens") || !strcmp(path, "/v1/produce") ||
	       !strcmp(path, "/v1/pin-reset") || !strcmp(path, "/v1/wipe");
}

/* --- what the station asks its door --- */

/* The PIN of the token being made: the default PIN this agent just set
 * (arg: the envelope); never one from the page. */
static int envelope_pin(void *arg, enum station_secret what, char *buf, size_t len)
{
	const struct station_envelope *e = arg;

	if (what != STATION_PIN || strlen(e->pin) + 1 > len || !e->pin[0])
		return err_why(FINCA_EINVAL, NULL, "agent.produce_pin",
			       "the agent has no PIN for this step");
	memcpy(buf, e->pin, strlen(e->pin) + 1);
	return FINCA_OK;
}

/* --- the tokens present --- */

static int tokens_list(struct agent *a, json_t **out)
{
	struct p11_token *t = NULL;
	size_t n = 0;
	json_t *arr;
	int rc;

	pthread_mutex_lock(&a->tok_mu);
	rc = p11_list(a->m, &t, &n);
	pthread_mutex_unlock(&a->tok_mu);
	if (rc != FINCA_OK)
		return rc;
	arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, json_pack(
			"{s:s, s:s, s:s, s:s, s:b, s:b, s:b}", "serial", t[i].serial, "label",
			t[i].label, "manufacturer", t[i].manufacturer, "model", t[i].model,
			"initialized", t[i].initialized, "user_pin_set", t[i].user_pin_set,
			"pin_locked", t[i].pin_locked));
	free(t);
	*out = json_pack("{s:o}", "tokens", arr);
	return FINCA_OK;
}

/* --- instructions --- */

/* The token ins names, present: its serial, or with "" the one blank
 * token (a token without a serial until it is initialised). */
static int token_named(struct agent *a, const struct instruction *ins, struct p11_token *t)
{
	struct p11_token *v = NULL;
	size_t n = 0, blank = 0;
	int rc;

	if (ins->token[0])
		return p11_find(a->m, ins->token, t);
	if ((rc = p11_list(a->m, &v, &n)) != FINCA_OK)
		return rc;
	for (size_t i = 0; i < n; i++)
		if (!v[i].initialized) {
			if (v[i].serial[0]) {
				free(v);
				return err_why(FINCA_EAUTH, "instruction", "agent.instr_blank",
					       "the blank token present has serial %s: the "
					       "instruction must name it", v[i].serial);
			}
			*t = v[i];
			blank++;
		}
	free(v);
	if (blank == 1)
		return FINCA_OK;
	return err_why(blank ? FINCA_EINVAL : FINCA_ENOTFOUND, NULL, "agent.blank_count",
		       "%zu blank USBKeys are present: insert exactly one", blank);
}

/* The session handed over is the account the instruction was given to:
 * an instruction that leaked is no use with another operator's session. */
static int session_is(struct station *st, const struct instruction *ins)
{
	struct client *c = station_client(st);
	const char *who;
	json_t *j = NULL;
	int rc;

	if (!c || (rc = client_call(c, "GET", "whoami", NULL, &j)) != FINCA_OK)
		return c ? rc : FINCA_EINVAL;
	who = json_string_value(json_object_get(j, "account"));
	rc = who && !strcmp(who, ins->account) ? FINCA_OK
		: err_why(FINCA_EAUTH, "session", "agent.instr_account",
			  "the instruction was given to %s, not to %s", ins->account,
			  who ? who : "this session");
	json_decref(j);
	return rc;
}

/* --- production --- */

/* The holder's name and unit from the issued subject (spec "subject"). */
static void holder_of(json_t *spec, char *name, size_t nl, char *unit, size_t ul)
{
	X509_NAME *dn = NULL;

	name[0] = unit[0] = '\0';
	if (dn_parse(json_string_value(json_object_get(spec, "subject")), &dn) != FINCA_OK)
		return;
	dn_attr(dn, NID_commonName, name, nl);
	dn_attr(dn, NID_organizationName, unit, ul);
	X509_NAME_free(dn);
}

/* The envelope PDF of one token, base64 (*out: the caller's). */
static int envelope(int64_t request, const char *name, const char *unit, const char *token,
		    const char *cert, const struct station_envelope *env, char **out)
{
	struct form_envelope e = { name, unit, token, cert, env->pin, env->code };
	char id[32], date[48];
	struct form_doc doc = { id, date, NULL, NULL, NULL };
	unsigned char *pdf = NULL;
	size_t len = 0;
	time_t now = time(NULL);
	struct tm tm;
	int rc;

	snprintf(id, sizeof id, "%lld", (long long)request);
	localtime_r(&now, &tm);
	snprintf(date, sizeof date, "%d年%d月%d日", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	if ((rc = forms_envelope_pdf_mem(&doc, &e, 1, &pdf, &len)) != FINCA_OK)
		return rc;
	*out = b64_encode(pdf, len);
	/* the PIN is in these bytes */
	OPENSSL_cleanse(pdf, len);
	free(pdf);
	return FINCA_OK;
}

/* Makes the token ready: a blank one initialised, a returned one
 * re-initialised with its kept SO PIN, one left initialised by an
 * enrolment that died given a new default PIN with that SO PIN (its
 * pending certificate is revoked by the next enrolment).  env gets the
 * PIN and loss-report code; *resumed 1 in the last case. */
static int ready(struct station *st, const struct p11_token *t, struct station_envelope *env,
		 int *resumed)
{
	const char *state;
	json_t *inv = NULL;
	int rc;

	*resumed = 0;
	if (!t->initialized)
		return station_init(st, env);
	if ((rc = station_get(st, t->serial, 0, &inv)) != FINCA_OK) {
		if (rc == FINCA_ENOTFOUND)
			err_append(" (an initialised USBKey finca does not know: its SO PIN is "
				   "needed, give it to finca token init)");
		return rc;
	}
	state = json_string_value(json_object_get(inv, "state"));
	if (state && !strcmp(state, "initialized")) {
		*resumed = 1;
		rc = station_pin_reset(st, env);
		p11_close(st->s);        /* enrolment opens its own session */
		st->s = NULL;
	} else if (state && (!strcmp(state, "returned") || !strcmp(state, "in_stock"))) {
		rc = station_init(st, env);
	} else {
		rc = err_why(FINCA_ESTATE, NULL, "agent.produce_state",
			     "USBKey %s is %s: only a blank, returned or initialised USBKey "
			     "is made", t->serial, state ? state : "unknown");
	}
	json_decref(inv);
	return rc;
}

/* The token station the agent runs for one instruction: the agent's
 * module (borrowed: station_done gives it back), the envelope's PIN
 * source, the server as the operator the console's session is (checked
 * against the one ins names), refusals in the page's language; *t the
 * token ins names.  *st and *env are set up for station_done whatever
 * the outcome. */
static int station_for(struct agent *a, const struct instruction *ins, const char *session,
		       int lang, struct station *st, struct station_envelope *env,
		       struct p11_token *t)
{
	int rc;

	memset(st, 0, sizeof *st);
	memset(env, 0, sizeof *env);
	st->m = a->m;
	st->sm2 = a->sm2;
	st->algo = a->prod->algo;
	st->secret = envelope_pin;
	st->secret_arg = env;
	if ((rc = token_named(a, ins, t)) != FINCA_OK ||
	    (rc = station_use_session(st, a->cfg.server, a->cfg.ca_cert, session)) != FINCA_OK)
		return rc;
	client_set_lang(station_client(st), lang);
	return session_is(st, ins);
}

/* Frees what station_for set up, and the envelope's PDF (it holds the
 * default PIN: cleansed). */
static void station_done(struct station *st, struct station_envelope *env, char *pdf)
{
	if (pdf) {
		OPENSSL_cleanse(pdf, strlen(pdf));
		free(pdf);
	}
	station_envelope_clear(env);
	st->m = NULL;
	station_free(st);
}

/* One USBKey for the accepted request of ins, under tok_mu. */
static int produce_one(struct agent *a, const struct instruction *ins, const char *session,
		       int lang, json_t **out, char *note, size_t nlen)
{
	struct station st;
	struct station_envelope env;
	struct station_enrolled en;
	struct p11_token t;
	char serial[17], name[64], unit[256], *pdf = NULL;
	int rc, resumed = 0;

	memset(&en, 0, sizeof en);
	if ((rc = station_for(a, ins, session, lang, &st, &env, &t)) != FINCA_OK)
		goto out;
	snprintf(serial, sizeof serial, "%s", t.serial);
	st.a.serial = serial[0] ? serial : NULL;
	if ((rc = ready(&st, &t, &env, &resumed)) != FINCA_OK)
		goto out;
	/* init learnt the serial (SoftHSM gives one only then) */
	snprintf(serial, sizeof serial, "%s", st.tok.serial);
	st.a.serial = serial;
	p11_close(st.s);
	st.s = NULL;
	st.a.request = ins->request;
	if ((rc = station_enroll(&st, &en)) != FINCA_OK) {
		if (en.unrevoked[0])
			err_append(" (XXX: certificate %s could not be revoked: %s)", en.cert,
				   en.unrevoked);
		goto out;
	}
	holder_of(st.spec, name, sizeof name, unit, sizeof unit);
	if ((rc = envelope(ins->request, name, unit, serial, en.cert, &env, &pdf)) != FINCA_OK) {
		err_append(" (USBKey %s is made, certificate %s; its envelope was not: "
			   "a PIN reset makes a new one)", serial, en.cert);
		goto out;
	}
	*out = json_pack("{s:s, s:s, s:s, s:s, s:I, s:b, s:s}", "token", serial, "certificate",
			 en.cert, "holder", name, "unit", unit, "request",
			 (json_int_t)ins->request, "resumed", resumed, "envelope", pdf);
	/* a dual pair: the encryption certificates whose keys went on too */
	if (en.nenc) {
		json_t *encs = json_array();
		for (size_t i = 0; i < en.nenc; i++)
			json_array_append_new(encs, json_string(en.enc[i]));
		json_object_set_new(*out, "enc_certificates", encs);
	}
	snprintf(note, nlen, "request %lld: USBKey %s, certificate %s%s", (long long)ins->request,
		 serial, en.cert, resumed ? " (resumed)" : "");
out:
	station_done(&st, &env, pdf);
	return rc;
}

/* A PIN reset (附件3) of the token ins names, under tok_mu. */
static int pin_reset_one(struct agent *a, const struct instruction *ins, const char *session,
			 int lang, json_t **out, char *note, size_t nlen)
{
	struct station st;
	struct station_envelope env;
	struct p11_token t;
	json_t *inv = NULL;
	char serial[17], *pdf = NULL;
	const char *holder, *cert;
	int rc;

	if ((rc = station_for(a, ins, session, lang, &st, &env, &t)) != FINCA_OK)
		goto out;
	snprintf(serial, sizeof serial, "%s", t.serial);
	st.a.serial = serial;
	st.a.request = ins->request;
	if ((rc = station_pin_reset(&st, &env)) != FINCA_OK ||
	    (rc = station_get(&st, serial, 0, &inv)) != FINCA_OK)
		goto out;
	holder = json_string_value(json_object_get(inv, "holder_name"));
	cert = json_string_value(json_object_get(inv, "certificate"));
	if ((rc = envelope(ins->request, holder, NULL, serial, cert, &env, &pdf)) != FINCA_OK)
		goto out;
	*out = json_pack("{s:s, s:I, s:s}", "token", serial, "request", (json_int_t)ins->request,
			 "envelope", pdf);
	snprintf(note, nlen, "request %lld: PIN of USBKey %s reset", (long long)ins->request,
		 serial);
out:
	json_decref(inv);
	station_done(&st, &env, pdf);
	return rc;
}

/* A USBKey taken back (art. 22) made blank at once, under tok_mu: the
 * token station re-initialises it with its kept SO PIN (C_InitToken: every
 * key and certificate on it is destroyed) and records it initialised with
 * a new sealed SO PIN.  The default PIN that sets is thrown away: the
 * token's next production gives it a new one and its envelope. */
static int wipe_one(struct agent *a, const struct instruction *ins, const char *session,
		    int lang, json_t **out, char *note, size_t nlen)
{
	struct station st;
	struct station_envelope env;
	struct p11_token t;
	json_t *inv = NULL;
	const char *state;
	char serial[17];
	int rc;

	if ((rc = station_for(a, ins, session, lang, &st, &env, &t)) != FINCA_OK)
		goto out;
	snprintf(serial, sizeof serial, "%s", t.serial);
	st.a.serial = serial;
	if ((rc = station_get(&st, serial, 0, &inv)) != FINCA_OK)
		goto out;
	/* the server checked it when it gave the instruction; the token may
	 * have moved since */
	state = json_string_value(json_object_get(inv, "state"));
	if (!state || strcmp(state, "returned")) {
		rc = err_why(FINCA_ESTATE, "token", "instr.wipe_state",
			     "USBKey %s is %s: only a USBKey taken back (returned) is wiped",
			     serial, state ? state : "unknown");
		goto out;
	}
	if ((rc = station_init(&st, &env)) != FINCA_OK)
		goto out;
	*out = json_pack("{s:s, s:s}", "token", serial, "state", "initialized");
	snprintf(note, nlen, "USBKey %s wiped", serial);
out:
	json_decref(inv);
	station_done(&st, &env, NULL);
	return rc;
}

/* The POST operations: the path, the instruction's op, whether it must
 * name its USBKey (a blank one has no serial to name), what does it. */
static const struct {
	const char *path, *op;
	int named;
	int (*run)(struct agent *, const struct instruction *, const char *, int, json_t **,
		   char *, size_t);
} posts[] = {
	{ "/v1/produce", "produce", 0, produce_one },
	{ "/v1/pin-reset", "pin_reset", 1, pin_reset_one },
	{ "/v1/wipe", "wipe", 1, wipe_one },
};

/* The HTTP status of a failed step. */
static int status_of(int rc, const char **code)
{
	switch (rc) {
	case FINCA_EINVAL: *code = "invalid"; return 400;
	case FINCA_EAUTH: *code = "forbidden"; return 403;
	case FINCA_ENOTFOUND: *code = "not_found"; return 404;
	case FINCA_ESTATE: case FINCA_EPOLICY: *code = "conflict"; return 409;
	case FINCA_ELIMIT: *code = "too_many"; return 429;
	case FINCA_ECRYPTO: *code = "forbidden"; return 403;
	default: *code = "token"; return 500;
	}
}

int produce_call(struct agent *a, const char *method, const char *path, const char *allow,
		 int lang, const char *body, size_t len, int too_big, json_t **out,
		 const char **code, char *note, size_t nlen)
{
	const char *session = NULL, *bad = NULL;
	const struct field f[] = {
		{ "session", F_STR, 1, &session },
	};
	size_t op = 0;
	int rc;
	struct instruction ins;
	json_t *j = NULL, *instr;

	*out = NULL;
	if (!strcmp(path, "/v1/tokens")) {
		if (strcmp(method, "GET")) {
			err_why(FINCA_EINVAL, NULL, "agent.method", "%s", "GET /v1/tokens");
			*code = "method";
			return 405;
		}
		if ((rc = tokens_list(a, out)) != FINCA_OK)
			return status_of(rc, code);
		snprintf(note, nlen, "%zu token(s)", json_array_size(json_object_get(*out, "tokens")));
		return 200;
	}
	while (op < ARRAY_LEN(posts) - 1 && strcmp(path, posts[op].path))
		op++;
	if (strcmp(method, "POST")) {
		err_why(FINCA_EINVAL, NULL, "agent.method", "POST %s", posts[op].path);
		*code = "method";
		return 405;
	}
	if (!a->prod) {
		err_why(FINCA_ENOTFOUND, NULL, "agent.no_produce",
			"this agent makes no USBKeys (start it with --server and --ca-cert)");
		*code = "not_found";
		return 404;
	}
	/* only the console itself: another --origin page may sign in, not
	 * change a token */
	if (!allow || strcmp(allow, a->cfg.server)) {
		err_why(FINCA_EAUTH, NULL, "agent.not_console",
			"only the console (%s) may change a USBKey", a->cfg.server);
		*code = "forbidden";
		return 403;
	}
	if (too_big) {
		err_why(FINCA_EINVAL, NULL, "body.too_large", "body larger than %d bytes", BODY_MAX);
		*code = "invalid";
		return 400;
	}
	if ((rc = jsonreq_parse(body ? body : "", len, BODY_MAX, &j)) != FINCA_OK)
		goto fail;
	instr = agent_instr_pop(j);
	rc = jsonreq_decode(j, f, ARRAY_LEN(f), &bad);
	if (rc == FINCA_OK)
		rc = agent_instr_take(a->instr, instr, posts[op].op, &ins);
	json_decref(instr);
	if (rc == FINCA_OK && posts[op].named && !ins.token[0])
		rc = err_why(FINCA_EINVAL, "instruction", "agent.instr_token",
			     "a %s instruction names its USBKey", posts[op].op);
	if (rc != FINCA_OK)
		goto fail;
	pthread_mutex_lock(&a->tok_mu);
	rc = posts[op].run(a, &ins, session, lang, out, note, nlen);
	pthread_mutex_unlock(&a->tok_mu);
	if (rc != FINCA_OK)
		goto fail;
	json_decref(j);
	return 200;
fail:
	json_decref(j);
	return status_of(rc, code);
}
