/* Sessions: a random token, given once to the caller, kept in the store
 * only as its SHA-256 (they survive a restart; a copy of the database
 * does not hand out live tokens).  A session is bound to the account's
 * certificate and to the TLS client certificate (or its absence) it was
 * opened with, and ends at the first of: its absolute lifetime, an idle
 * time, logout, the certificate frozen, revoked or expired, the account
 * disabled or bound to another certificate.  Every call checks all of it:
 * three indexed reads (session, account, certificate). */
#include "auth/auth.h"
#include "util/err.h"
#include "util/util.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <string.h>

/* Sessions an account may hold at once; a new one ends its oldest. */
#define SESSIONS_PER_ACCOUNT 16
/* seen_at is written at most every quarter of the idle time, and at
 * least every 30 s: the idle time is measured to within it */
#define SESSION_TOUCH(idle) ((idle) / 4 < 30 ? (idle) / 4 : 30)

static void digest(const void *p, size_t n, unsigned char out[32])
{
	EVP_Digest(p, n, out, NULL, EVP_sha256(), NULL);
}

int session_open(struct ca *ca, const struct account_rec *a, const unsigned char *peer,
		 size_t peer_len, char *token, int64_t *expires)
{
	static const char al[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned char r[TOKEN_LEN];
	struct session_rec s;
	int64_t now = clock_now();
	int rc;

	if (RAND_bytes(r, sizeof r) != 1)
		return err_why(FINCA_ECRYPTO, NULL, "auth.random", "random token");
	for (size_t i = 0; i < TOKEN_LEN; i++)
		token[i] = al[r[i] & 63];
	token[TOKEN_LEN] = '\0';
	OPENSSL_cleanse(r, sizeof r);
	memset(&s, 0, sizeof s);
	digest(token, TOKEN_LEN, s.hash);
	s.account = a->id;
	snprintf(s.cert_serial, sizeof s.cert_serial, "%s", a->cert_serial);
	if (peer) {
		digest(peer, peer_len, s.peer);
		s.has_peer = 1;
	}
	s.created_at = s.seen_at = now;
	s.expires_at = now + auth_conf(ca->cfg)->session_ttl;
	if ((rc = store_session_insert(ca_store(ca), &s, SESSIONS_PER_ACCOUNT)) != FINCA_OK) {
		OPENSSL_cleanse(token, TOKEN_LEN);
		return rc;
	}
	*expires = s.expires_at;
	return FINCA_OK;
}

/* FINCA_EAUTH naming why the session ended, after removing it. */
static int ended(struct store *st, const struct session_rec *s, const char *reason,
		 const char *fmt, const char *arg)
{
	store_session_delete(st, s->hash);
	return err_why(FINCA_EAUTH, NULL, reason, fmt, arg);
}

int session_check(struct ca *ca, const char *token, const unsigned char *peer,
		  size_t peer_len, struct account_rec *out)
{
	struct store *st = ca_store(ca);
	struct session_rec s;
	struct cert_rec c;
	unsigned char h[32];
	int64_t now = clock_now();
	int rc;

	memset(out, 0, sizeof *out);
	if (strlen(token) != TOKEN_LEN)
		return err_why(FINCA_EAUTH, NULL, "session.malformed",
			       "session: not a session token");
	digest(token, TOKEN_LEN, h);
	if ((rc = store_session_get(st, h, &s)) != FINCA_OK)
		return rc == FINCA_ENOTFOUND ? err_why(FINCA_EAUTH, NULL, "session.unknown",
						       "session: unknown or ended; "
						       "log in again") : rc;
	if (now >= s.expires_at)
		return ended(st, &s, "session.expired", "session: expired after %s; log in again",
			     "its lifetime");
	if (now - s.seen_at > auth_conf(ca->cfg)->session_idle)
		return ended(st, &s, "session.idle",
			     "session: ended after %s without a call; log in again", "the idle time");
	/* a token is no use on another TLS connection's certificate */
	if (peer) {
		unsigned char ph[32];
		digest(peer, peer_len, ph);
		if (!s.has_peer || CRYPTO_memcmp(ph, s.peer, sizeof ph))
			return s.has_peer ?
			       err_why(FINCA_EAUTH, NULL, "session.other_cert",
				       "session: opened with %s TLS client certificate", "another") :
			       err_why(FINCA_EAUTH, NULL, "session.no_cert",
				       "session: opened with %s TLS client certificate", "no");
	} else if (s.has_peer) {
		return err_why(FINCA_EAUTH, NULL, "session.need_cert",
			       "session: present the TLS client certificate it "
			       "was opened with");
	}
	if ((rc = store_account_by_id(st, s.account, out)) != FINCA_OK || out->disabled ||
	    strcmp(out->cert_serial, s.cert_serial)) {
		account_rec_clear(out);
		return rc != FINCA_OK ?
		       ended(st, &s, "session.account_gone", "session: the account is %s; log in again",
			     "gone") :
		       ended(st, &s, "session.account_changed",
			     "session: the account is %s; log in again",
			     "disabled or bound to another certificate");
	}
	memset(&c, 0, sizeof c);
	if (store_cert_get(st, s.cert_serial, &c) != FINCA_OK || c.status != CERT_VALID ||
	    now > c.not_after) {
		/* a reason per state, so that the Chinese says it in words */
		static const char *const why[][2] = {
			{ "unknown", "session.cert_unknown" }, { "frozen", "session.cert_frozen" },
			{ "revoked", "session.cert_revoked" }, { "expired", "session.cert_expired" },
		};
		int w = !c.serial[0] ? 0 : c.status == CERT_HOLD ? 1 :
			c.status == CERT_REVOKED ? 2 : 3;
		cert_rec_clear(&c);
		account_rec_clear(out);
		return ended(st, &s, why[w][1], "session: the account's certificate is %s", why[w][0]);
	}
	cert_rec_clear(&c);
	if (now - s.seen_at >= SESSION_TOUCH(auth_conf(ca->cfg)->session_idle))
		store_session_touch(st, h, now); /* best effort: a busy store waits */
	return FINCA_OK;
}

void session_close(struct ca *ca, const char *token)
{
	unsigned char h[32];

	if (strlen(token) != TOKEN_LEN)
		return;
	digest(token, TOKEN_LEN, h);
	store_session_delete(ca_store(ca), h);
}
