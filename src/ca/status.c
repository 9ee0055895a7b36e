/* Certificate status and the transitions between states.  The table below
 * is the only place that says which operation is allowed when. */
#include "ca/ca.h"
#include "util/err.h"
#include "util/util.h"

#include <stdio.h>
#include <ctype.h>
#include <string.h>

static const char *const reasons[] = {
	[0] = "unspecified",
	[1] = "keyCompromise",
	[2] = "cACompromise",
	[3] = "affiliationChanged",
	[4] = "superseded",
	[5] = "cessationOfOperation",
	[6] = "certificateHold",
	[7] = NULL, /* unused in RFC 5280 */
	[8] = "removeFromCRL",
	[9] = "privilegeWithdrawn",
	[10] = "aACompromise",
};

int ca_reason_parse(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(reasons); i++)
		if (reasons[i] && !strcasecmp(name, reasons[i]))
			return (int)i;
	return -1;
}

const char *ca_reason_name(int code)
{
	if (code < 0 || (size_t)code >= ARRAY_LEN(reasons) || !reasons[code])
		return "unknown";
	return reasons[code];
}

void ca_cert_serial(const X509 *x, char out[41])
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	unsigned char b[20];
	int n = bn && BN_num_bytes(bn) <= (int)sizeof b ? BN_bn2bin(bn, b) : 0;

	BN_free(bn);
	hex_encode(b, (size_t)n, out);
}

int ca_serial_norm(const char *in, char out[41])
{
	size_t n = 0;
	const char *p = in;

	if (!strncmp(p, "0x", 2) || !strncmp(p, "0X", 2))
		p += 2;
	while (*p == '0' && p[1]) /* leading zero octets are not part of it */
		p++;
	for (; *p; p++) {
		if (*p == ':' || *p == ' ')
			continue;
		if (!isxdigit((unsigned char)*p) || n >= 40)
			return err_why_of(FINCA_EINVAL, "serial", "cert.serial_hex",
					  "serial '%.60s': expected up to 40 hex digits", in);
		out[n++] = (char)toupper((unsigned char)*p);
	}
	if (n == 0)
		return err_why(FINCA_EINVAL, "serial", "cert.serial_empty", "empty");
	out[n] = '\0';
	if (n % 2) { /* stored as whole octets */
		memmove(out + 1, out, n + 1);
		out[0] = '0';
	}
	return FINCA_OK;
}

/* The state a certificate is in now: its stored status, or expired. */
enum state { ST_VALID, ST_FROZEN, ST_REVOKED, ST_EXPIRED, ST_N };

static enum state state_of(const struct cert_rec *r, int64_t now)
{
	if (r->status == CERT_REVOKED)
		return ST_REVOKED;
	if (r->not_after < now)
		return ST_EXPIRED;
	return r->status == CERT_HOLD ? ST_FROZEN : ST_VALID;
}

static const char *const state_names[ST_N] = {
	"valid", "frozen", "revoked", "expired"
};

const char *ca_status_name(const struct cert_rec *r, int64_t now)
{
	return state_names[state_of(r, now)];
}

/* allowed[op][state]: renew and update (延期, 更新) also serve certificates
 * that have expired (art. 14); a frozen one must be unfrozen first. */
static const char allowed[][ST_N] = {
	/*               valid frozen revoked expired */
	[OP_REVOKE]   = { 1,    1,     0,      0 },
	[OP_FREEZE]   = { 1,    0,     0,      0 },
	[OP_UNFREEZE] = { 0,    1,     0,      0 },
	[OP_RENEW]    = { 1,    0,     0,      1 },
	[OP_UPDATE]   = { 1,    0,     0,      1 },
};

/* refused[op][state]: the reason of each refusal of allowed[][], one per
 * cell, so that the Chinese names the operation and the state in words
 * (tests/unit/test_status.c checks each has its text). */
static const char *const refused[][ST_N] = {
	/*               valid                  frozen                 revoked                  expired */
	[OP_REVOKE]   = { NULL,                  NULL,                  "cert.revoke_revoked",   "cert.revoke_expired" },
	[OP_FREEZE]   = { NULL,                  "cert.freeze_frozen",  "cert.freeze_revoked",   "cert.freeze_expired" },
	[OP_UNFREEZE] = { "cert.unfreeze_valid", NULL,                  "cert.unfreeze_revoked", "cert.unfreeze_expired" },
	[OP_RENEW]    = { NULL,                  "cert.renew_frozen",   "cert.renew_revoked",    NULL },
	[OP_UPDATE]   = { NULL,                  "cert.update_frozen",  "cert.update_revoked",   NULL },
};

static const char *const op_names[] = {
	[OP_REVOKE] = "revoke", [OP_FREEZE] = "freeze",
	[OP_UNFREEZE] = "unfreeze", [OP_RENEW] = "renew",
	[OP_UPDATE] = "update",
};

int ca_transition_check(const struct cert_rec *r, int op, int64_t now)
{
	enum state s = state_of(r, now);

	if (allowed[op][s])
		return FINCA_OK;
	return err_why(FINCA_ESTATE, NULL, refused[op][s],
		       "certificate %s: cannot %s a%s %s certificate",
		       r->serial, op_names[op], s == ST_EXPIRED ? "n" : "",
		       state_names[s]);
}

/* One certificate's change, checked and audited; with_pair: the serial
 * of the pair's half that was asked for, when r is the other half. */
static int change_one(struct ca *ca, const struct actor *a, const struct cert_rec *r, int op,
		      int status, int reason, const char *action, const char *with_pair,
		      int64_t now)
{
	char obj[64];
	json_t *d = NULL;
	int rc;

	if ((rc = ca_transition_check(r, op, now)) ||
	    (rc = store_cert_set_status(ca_store(ca), r->id, status, reason, now)))
		return rc;
	d = json_pack("{s:s, s:s}", "from", ca_status_name(r, now), "subject", r->subject);
	if (op == OP_REVOKE)
		json_object_set_new(d, "reason", json_string(ca_reason_name(reason)));
	if (with_pair)
		json_object_set_new(d, "with_pair", json_string(with_pair));
	snprintf(obj, sizeof obj, "cert:%s", r->serial);
	rc = ca_audit(ca, a->name, action, obj, d);
	json_decref(d);
	return rc;
}

static int change(struct ca *ca, const struct actor *a, const char *serial_in, int op,
		  int status, int reason, const char *action)
{
	struct cert_rec r, other;
	char serial[41];
	int64_t now = clock_now(), other_id;
	int rc, is_sign;

	memset(&r, 0, sizeof r);
	memset(&other, 0, sizeof other);
	if ((rc = ca_serial_norm(serial_in, serial)) != FINCA_OK)
		return rc;
	if ((rc = store_begin(ca_store(ca))) != FINCA_OK)
		return rc;
	if ((rc = store_cert_get(ca_store(ca), serial, &r)) ||
	    (rc = change_one(ca, a, &r, op, status, reason, action, NULL, now)))
		goto fail;
	/* a dual pair moves together (GM/T 0034): the other half in the
	 * same transaction, audited as the pair's */
	rc = store_pair_other(ca_store(ca), r.id, &other_id, &is_sign);
	if (rc == FINCA_OK) {
		if ((rc = store_cert_get_id(ca_store(ca), other_id, &other)) ||
		    (rc = change_one(ca, a, &other, op, status, reason, action, serial, now)))
			goto fail;
	} else if (rc != FINCA_ENOTFOUND) {
		goto fail;
	}
	rc = store_commit(ca_store(ca));
	goto out;
fail:
	store_rollback(ca_store(ca));
out:
	cert_rec_clear(&r);
	cert_rec_clear(&other);
	return rc;
}

int ca_revocation_reason(int reason)
{
	if (reason < 0 || reason == 6 || reason == 8 || reason > 10 || reason == 7)
		return err_why_of(FINCA_EINVAL, "reason", "cert.revoke_reason",
				  "reason %s: not a revocation reason (use freeze for certificateHold)",
				  ca_reason_name(reason));
	return FINCA_OK;
}

int ca_revoke(struct ca *ca, const struct actor *a, const char *serial, int reason)
{
	int rc = ca_revocation_reason(reason);

	if (rc != FINCA_OK)
		return rc;
	return change(ca, a, serial, OP_REVOKE, CERT_REVOKED, reason, "cert.revoke");
}

int ca_freeze(struct ca *ca, const struct actor *a, const char *serial)
{
	return change(ca, a, serial, OP_FREEZE, CERT_HOLD, 6, "cert.freeze");
}

int ca_unfreeze(struct ca *ca, const struct actor *a, const char *serial)
{
	return change(ca, a, serial, OP_UNFREEZE, CERT_VALID, 0, "cert.unfreeze");
}

int ca_status_position(struct ca *ca, int64_t *seq)
{
	return store_status_seq(ca_store(ca), seq);
}

int ca_cert_counts(struct ca *ca, int64_t now, int64_t counts[4])
{
	return store_cert_counts(ca_store(ca), now, counts);
}

json_t *ca_cert_json(struct ca *ca, const struct cert_rec *r, int64_t now)
{
	char nb[32], na[32], ia[32], ra[32];
	struct cert_rec other;
	json_t *j;

	time_format(r->not_before, nb, sizeof nb);
	time_format(r->not_after, na, sizeof na);
	time_format(r->issued_at, ia, sizeof ia);
	j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s?, s:s?}",
		      "serial", r->serial, "status", ca_status_name(r, now),
		      "issuer", r->issuer, "profile", r->profile,
		      "subject", r->subject, "key", r->key_alg,
		      "not_before", nb, "not_after", na, "issued_at", ia,
		      "id_number", r->id_number, "unit_code", r->unit_code);
	if (r->status != CERT_VALID) {
		time_format(r->revoked_at, ra, sizeof ra);
		json_object_set_new(j, "revoked_at", json_string(ra));
		json_object_set_new(j, "reason", json_string(ca_reason_name(
			r->status == CERT_HOLD ? 6 : r->reason)));
	}
	memset(&other, 0, sizeof other);
	if (r->replaces && store_cert_get_id(ca_store(ca), r->replaces, &other) == FINCA_OK)
		json_object_set_new(j, "replaces", json_string(other.serial));
	cert_rec_clear(&other);
	if (r->superseded_by &&
	    store_cert_get_id(ca_store(ca), r->superseded_by, &other) == FINCA_OK)
		json_object_set_new(j, "superseded_by", json_string(other.serial));
	cert_rec_clear(&other);
	{
		int64_t oid;
		int is_sign;
		/* a dual pair: which half this is, and the other's serial */
		if (store_pair_other(ca_store(ca), r->id, &oid, &is_sign) == FINCA_OK &&
		    store_cert_get_id(ca_store(ca), oid, &other) == FINCA_OK) {
			json_object_set_new(j, "pair", json_string(other.serial));
			json_object_set_new(j, "half", json_string(is_sign ? "signing"
									    : "encryption"));
			/* the console shows a pair as one item, both states */
			json_object_set_new(j, "pair_status",
					    json_string(ca_status_name(&other, now)));
		}
	}
	cert_rec_clear(&other);
	return j;
}
