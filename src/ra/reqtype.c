/* The request types (DESIGN.md's lifecycle table, art. 13-18, 20-25): one
 * row per operation, and every rule of the regulation about a type stated
 * there once.  request.c, moves.c and produce.c ask this table; the API hands its answers to the
 * console (at_station, handover_due, old_token_due), which keeps no copy.
 * XXX: DESIGN.md gives the lifecycle's articles as a range; a row cites an
 * article only where finca already knew which one it is. */
#include "ra/ra.h"
#include "util/util.h"

#include <string.h>

static const struct req_type types[] = {
	/* 申请: a new key and certificate; a person's key is made on a new
	 * USBKey at the token station, a unit's or device's certificate from
	 * the CSR the request carries */
	{ .name = "apply", .make = MAKE_ISSUE, .cert = CERT_NONE, .old = OLD_NO,
	  .station = "enroll", .handover = 1, .new_key = 1, .csr = 1 },
	/* 延期: a new certificate replacing the old; the old USBKey comes
	 * back (art. 22) */
	{ .name = "renew", .make = MAKE_RENEW, .cert = CERT_OWN, .old = OLD_YES,
	  .station = "enroll", .handover = 1, .new_key = 1, .replaces = 1 },
	/* 更新: the changed subject data (name, unit) in a new certificate
	 * replacing the old, the register following; the old USBKey comes
	 * back (art. 22) */
	{ .name = "update", .make = MAKE_UPDATE, .cert = CERT_OWN, .old = OLD_YES,
	  .station = "enroll", .handover = 1, .new_key = 1, .replaces = 1, .follows = 1 },
	/* 补办: lost or damaged; the old certificate is revoked first, a
	 * damaged USBKey comes back, a lost one is marked lost (art. 16, 22, 25) */
	{ .name = "reissue", .make = MAKE_REISSUE, .cert = CERT_OWN, .old = OLD_IF_DAMAGED,
	  .station = "enroll", .handover = 1, .new_key = 1, .reasons = "lost damaged" },
	/* 冻结, 解冻: on the certificate; the holder keeps the USBKey (art. 25) */
	{ .name = "freeze", .make = MAKE_FREEZE, .cert = CERT_OWN, .old = OLD_NO },
	{ .name = "unfreeze", .make = MAKE_UNFREEZE, .cert = CERT_OWN, .old = OLD_NO },
	/* 注销: an RFC 5280 reason, cessationOfOperation when none is given;
	 * the USBKey comes back (art. 22) */
	{ .name = "revoke", .make = MAKE_REVOKE, .cert = CERT_OWN, .old = OLD_YES,
	  .rfc5280 = 1, .default_reason = "cessationOfOperation" },
	/* 密码初始化: the SO PIN resets the user PIN of the USBKey holding the
	 * given certificate, at the token station; the same key goes back to
	 * the holder (art. 23, 24, 附件3) */
	{ .name = "pin-reset", .make = MAKE_PIN, .cert = CERT_ON_KEY, .old = OLD_NO,
	  .station = "reset-pin", .handover = 1 },
	/* 访问授权: a person's access to an application system, granted or
	 * withdrawn */
	{ .name = "authorize", .make = MAKE_GRANT, .cert = CERT_NONE, .old = OLD_NO },
	/* 密钥恢复 (GM/T 0034 key recovery: a broken USBKey, a judicial
	 * request): the subject's old escrowed encryption keys, all or
	 * data.enc_serial, enveloped by the KM to the signing certificate
	 * cert_serial (the new USBKey's); two approvals by two accounts */
	{ .name = "recover", .make = MAKE_RECOVER, .cert = CERT_OWN, .old = OLD_NO,
	  .two_person = 1 },
};

const struct req_type *req_type_get(const char *name)
{
	for (size_t i = 0; name && i < ARRAY_LEN(types); i++)
		if (!strcmp(types[i].name, name))
			return &types[i];
	return NULL;
}

const struct req_type *req_type_at(size_t i)
{
	return i < ARRAY_LEN(types) ? &types[i] : NULL;
}

const struct req_type *req_type_of(json_t *r)
{
	static const struct req_type none = { .name = "" };
	const struct req_type *t = req_type_get(ra_str(r, "type"));

	return t ? t : &none;
}

int req_at_station(json_t *r)
{
	return req_type_of(r)->station && !strcmp(ra_str(r, "subject_kind"), "person");
}

int req_old_token_due(json_t *r)
{
	const struct req_type *t = req_type_of(r);
	const char *why = ra_str(r, "reason");

	return ra_str(r, "token_serial") &&
	       (t->old == OLD_YES ||
		(t->old == OLD_IF_DAMAGED && why && !strcmp(why, "damaged")));
}

int req_handover_due(json_t *r)
{
	return req_type_of(r)->handover || req_old_token_due(r);
}
