/* Production on the core: what producing a request does (issue, renew,
 * update, revoke, freeze, unfreeze, grant; reqtype.c's `make`), inside
 * the move's transaction, and the handover (交接) with the old USBKey
 * coming back (art. 22). */
#include "ra/request_int.h"
#include "token/token.h"
#include "util/err.h"
#include "util/util.h"

#include <openssl/pem.h>
#include <string.h>

int req_freeze_or_thaw(struct ca *ca, const struct actor *a, json_t *r, int freeze)
{
	struct token_rec t;
	const char *serial = ra_str(r, "cert_serial");
	int rc;

	memset(&t, 0, sizeof t);
	if (store_token_by_cert(ca_store(ca), serial, &t) == FINCA_OK &&
	    !strcmp(t.state, freeze ? "issued" : "suspended"))
		rc = token_move(ca, a, t.serial, freeze ? "suspended" : "issued", -1, NULL,
				freeze ? "certificate frozen" : "certificate unfrozen");
	else
		rc = freeze ? ca_freeze(ca, a, serial) : ca_unfreeze(ca, a, serial);
	token_rec_clear(&t);
	return rc;
}

/* An authorize request's effect: the holder's access to the request's
 * application system, given or withdrawn (authz/grant.c). */
static int grant(struct ca *ca, const struct actor *a, json_t *r)
{
	json_t *d = json_object_get(r, "data");
	const char *na = ra_str(d, "not_after");
	struct grant_change g;

	memset(&g, 0, sizeof g);
	if (na && time_parse(na, &g.not_after) != FINCA_OK)
		return err_in(FINCA_EINVAL, "data.not_after");
	g.person = ra_str(r, "subject");
	g.app = ra_str(r, "app");
	g.withdraw = !strcmp(ra_str(d, "action"), "withdraw");
	g.roles = ra_str(d, "roles");
	g.request = json_object_get(r, "id");
	return authz_grant_set(ca, a, &g);
}

/* A unit's or device's certificate from the request's CSR, or a renewal
 * or update of one with the same key. */
static int issue_direct(struct ca *ca, const struct actor *a, json_t *r)
{
	json_t *d = json_object_get(r, "data");
	const char *csr = ra_str(d, "csr");
	struct issue_req rq;
	unsigned char *der = NULL;
	long len = 0;
	X509 *x = NULL;
	char serial[41];
	int rc;

	memset(&rq, 0, sizeof rq);
	if (csr) {
		BIO *b = BIO_new_mem_buf(csr, -1);
		char *name = NULL, *hdr = NULL;
		int ok = PEM_read_bio(b, &name, &hdr, &der, &len);
		BIO_free(b);
		OPENSSL_free(name);
		OPENSSL_free(hdr);
		if (!ok)
			return err_why(FINCA_EINVAL, "data.csr", "request.csr",
					     "not a PEM certificate request");
		rq.csr_der = der;
		rq.csr_len = (size_t)len;
	}
	if (req_type_of(r)->make == MAKE_ISSUE) {
		rq.profile = ra_str(d, "profile") ? ra_str(d, "profile") : ra_str(r, "subject_kind");
		rq.subject = ra_str(d, "subject");
		rq.unit_code = !strcmp(ra_str(r, "subject_kind"), "unit") ? ra_str(r, "subject") : NULL;
		rc = ca_issue_auto(ca, a, &rq, &x);
	} else {
		rq.subject = ra_str(d, "subject");
		rq.unit_code = ra_str(d, "unit_code");
		rc = ca_renew(ca, a, req_type_of(r)->make == MAKE_RENEW ? OP_RENEW : OP_UPDATE,
			      ra_str(r, "cert_serial"), &rq, &x);
	}
	OPENSSL_free(der);
	if (rc == FINCA_OK) {
		ca_cert_serial(x, serial);
		json_object_set_new(r, "result_serial", json_string(serial));
	}
	X509_free(x);
	return rc;
}

/* The RFC 5280 reason that revokes the certificate of a reissue: a lost
 * USBKey's key is compromised (1), a damaged one's superseded (4). */
int req_reissue_reason(json_t *r)
{
	return !strcmp(ra_str(r, "reason"), "lost") ? 1 : 4;
}

/* The operation itself, inside the move's transaction (not for one made
 * at the token station). */
int req_produce(struct ca *ca, const struct actor *a, json_t *r)
{
	const struct req_type *ty = req_type_of(r);

	switch (ty->make) { /* made at the station: refused by when_produce */
	case MAKE_FREEZE:
	case MAKE_UNFREEZE:
		return req_freeze_or_thaw(ca, a, r, ty->make == MAKE_FREEZE);
	case MAKE_REVOKE:
		return ca_revoke(ca, a, ra_str(r, "cert_serial"), ca_reason_parse(ra_str(r, "reason")));
	case MAKE_GRANT:
		return grant(ca, a, r);
	case MAKE_RECOVER:
		return req_recover(ca, a, r);
	case MAKE_REISSUE: /* a unit's or device's: revoke; apply anew */
		return ca_revoke(ca, a, ra_str(r, "cert_serial"), req_reissue_reason(r));
	default: /* apply, renew, update (and a PIN reset not at the station) */
		return issue_direct(ca, a, r);
	}
}

/* The old USBKey is back at the making unit (art. 22). */
int req_old_back(struct ca *ca, const struct actor *a, json_t *r, const char *who)
{
	const char *old = ra_str(r, "token_serial");
	struct token_rec t;
	int rc = FINCA_OK;

	if (!req_old_token_due(r))
		return err_why(FINCA_EINVAL, NULL, "request.no_old_key",
				     "request %lld needs no USBKey back",
			       (long long)json_integer_value(json_object_get(r, "id")));
	memset(&t, 0, sizeof t);
	if ((rc = store_token_get(ca_store(ca), old, &t)) == FINCA_OK &&
	    (!strcmp(t.state, "issued") || !strcmp(t.state, "suspended")))
		rc = token_move(ca, a, old, "returned", -1, who, "returned with the request");
	token_rec_clear(&t);
	json_object_set_new(r, "old_returned", json_integer(1));
	return rc;
}

/* Handover (交接): handler, date, the new token, the old one back. */
int req_handover(struct ca *ca, const struct actor *a, json_t *r, json_t *args)
{
	const char *handler = ra_str(args, "handler"), *date = ra_str(args, "date");
	const char *nt = ra_str(args, "new_token");
	int returned = json_is_true(json_object_get(args, "old_returned"));
	int64_t at = clock_now();
	int rc = FINCA_OK;

	if (!handler)
		return err_why(FINCA_EINVAL, "handler", "request.handler",
				     "missing (经办人, who takes the USBKey)");
	if (date && time_parse(date, &at) != FINCA_OK)
		return err_in(FINCA_EINVAL, "date");
	if (nt && ra_str(r, "new_token") && strcmp(nt, ra_str(r, "new_token")))
		return err_why(FINCA_EINVAL, "new_token", "request.new_token",
				     "the certificate was made on %s, not %s",
			       ra_str(r, "new_token"), nt);
	json_object_set_new(r, "handler", json_string(handler));
	json_object_set_new(r, "handed_at", json_integer(at));
	if (ra_str(r, "new_token") && req_type_of(r)->new_key)
		rc = token_handover(ca, a, ra_str(r, "new_token"), handler, "request handover");
	if (rc == FINCA_OK && returned)
		rc = req_old_back(ca, a, r, handler);
	return rc;
}
