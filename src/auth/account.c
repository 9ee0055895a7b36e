#include "auth/auth.h"
#include "authz/authz.h"
#include "crypto/key.h"
#include "crypto/pem.h"
#include "util/err.h"
#include "util/util.h"

#include <argon2.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const roles[] = {
	"admin", "operator", "approver", "officer", "auditor", "app",
};

int role_valid(const char *role)
{
	for (size_t i = 0; i < ARRAY_LEN(roles); i++)
		if (!strcmp(role, roles[i]))
			return 1;
	return 0;
}

int role_needs_password(const char *role)
{
	return !strcmp(role, "admin") || !strcmp(role, "operator");
}

/* argon2id, OWASP's minimum: 19 MiB, 2 passes, 1 lane */
#define A2_T 2
#define A2_M (19 * 1024)
#define A2_P 1

static int hash_password(const char *pw, char **out)
{
	unsigned char salt[16];
	size_t n = argon2_encodedlen(A2_T, A2_M, A2_P, sizeof salt, 32, Argon2_id);
	char *enc = xcalloc(1, n);

	if (RAND_bytes(salt, sizeof salt) != 1 ||
	    argon2id_hash_encoded(A2_T, A2_M, A2_P, pw, strlen(pw), salt, sizeof salt,
				  32, enc, n) != ARGON2_OK) {
		free(enc);
		return err_why(FINCA_ECRYPTO, NULL, "auth.hash_password", "hashing the password");
	}
	*out = enc;
	return FINCA_OK;
}

int account_check_password(const struct account_rec *a, const char *pw)
{
	if (a->password && (!pw || !*pw))
		return err_why_of(FINCA_EAUTH, "password", "account.password_needed",
				  "account %s (%s): password: this role logs in with "
				  "its certificate and a password (art. 11)", a->name, a->role);
	if (!a->password || !pw ||
	    argon2id_verify(a->password, pw, strlen(pw)) != ARGON2_OK)
		return err_why_of(FINCA_EAUTH, "password", "account.wrong_password",
				  "account %s: wrong password", a->name);
	return FINCA_OK;
}

int account_person_check(const char *person)
{
	const unsigned char *p = (const unsigned char *)person;
	size_t n = 0, len = strlen(person);

	if (len && (p[0] == ' ' || p[len - 1] == ' '))
		goto bad;
	while (*p) {
		/* the length of the sequence *p starts; continuation bytes follow */
		int k = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3 :
			(*p & 0xf8) == 0xf0 ? 4 : 0;
		if (k == 0 || *p < 0x20 || *p == 0x7f)
			goto bad;
		for (int i = 1; i < k; i++)
			if ((p[i] & 0xc0) != 0x80)
				goto bad;
		p += k;
		if (++n > 32)
			goto bad;
	}
	return FINCA_OK;
bad:
	return err_why(FINCA_EINVAL, "person", "account.person",
		       "a person's name: at most 32 characters, no control characters, "
		       "no space at either end");
}

int account_set_person(struct ca *ca, const struct actor *actor, const char *name,
		       const char *person)
{
	json_t *d = NULL;
	char obj[96];
	int rc;

	/* a user names themself; an administrator anyone */
	if (strcmp(actor->name, name) &&
	    (rc = actor_may(ca, actor, "account.write", NULL)) != FINCA_OK)
		return rc;
	if ((rc = account_person_check(person)) != FINCA_OK)
		return rc;
	if ((rc = store_begin(ca_store(ca))) != FINCA_OK)
		return rc;
	d = json_pack("{s:s}", "person", person);
	snprintf(obj, sizeof obj, "account:%s", name);
	if ((rc = store_account_set_person(ca_store(ca), name, person)) != FINCA_OK ||
	    (rc = ca_audit(ca, actor->name, "account.person", obj, d)) != FINCA_OK) {
		store_rollback(ca_store(ca));
		goto out;
	}
	rc = store_commit(ca_store(ca));
out:
	json_decref(d);
	return rc;
}

int account_add(struct ca *ca, const struct actor *actor, const char *name,
		const char *person, const char *role, const char *scope, X509 *cert,
		const char *pw, struct account_rec *out)
{
	struct verify_result v;
	struct account_rec a;
	json_t *d = NULL;
	char obj[96];
	int rc;

	memset(&a, 0, sizeof a);
	if (!*name || strlen(name) >= sizeof a.name ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-@") !=
		    strlen(name))
		return err_why_of(FINCA_EINVAL, "name", "account.name",
				  "account name '%.80s': 1-64 letters, digits, '.', '_', '-', '@'",
				  name);
	if (!role_valid(role))
		return err_why_of(FINCA_EINVAL, "role", "account.role",
				  "role '%.40s': expected admin, operator, approver, officer, auditor or app",
				  role);
	if (role_needs_password(role) && !pw)
		return err_why(FINCA_EINVAL, NULL, "account.role_password",
			       "role %s needs a password (art. 11)", role);
	if (person && (rc = account_person_check(person)) != FINCA_OK)
		return rc;
	if (pw && strlen(pw) < 10)
		return err_why(FINCA_EINVAL, "password", "account.password_short",
			       "at least 10 characters");
	if ((rc = ca_verify(ca, cert, &v)) != FINCA_OK)
		return rc;
	if (v.chain_ok != 1 || strcmp(v.status, "valid"))
		return err_why(FINCA_EINVAL, NULL, "account.cert_invalid",
			       "account %s: the certificate is not a valid certificate of this CA (%s, %s)",
			       name, v.chain_ok == 1 ? "chain ok" : v.chain_error, v.status);
	snprintf(a.name, sizeof a.name, "%s", name);
	snprintf(a.role, sizeof a.role, "%s", role);
	snprintf(a.person, sizeof a.person, "%s", person ? person : "");
	snprintf(a.scope, sizeof a.scope, "%s", scope ? scope : "");
	snprintf(a.cert_serial, sizeof a.cert_serial, "%s", v.serial);
	a.created_at = clock_now();
	if (pw && (rc = hash_password(pw, &a.password)) != FINCA_OK)
		return rc;
	if ((rc = store_begin(ca_store(ca))) != FINCA_OK)
		goto out;
	d = json_pack("{s:s, s:s, s:s, s:b}", "role", role, "scope", a.scope,
		      "cert", v.serial, "password", pw != NULL);
	if (*a.person)
		json_object_set_new(d, "person", json_string(a.person));
	snprintf(obj, sizeof obj, "account:%s", name);
	if ((rc = store_account_insert(ca_store(ca), &a)) != FINCA_OK ||
	    (rc = ca_audit(ca, actor->name, "account.add", obj, d)) != FINCA_OK) {
		store_rollback(ca_store(ca));
		goto out;
	}
	if ((rc = store_commit(ca_store(ca))) != FINCA_OK)
		goto out;
	if (out) {
		*out = a;
		a.password = NULL;
	}
out:
	json_decref(d);
	account_rec_clear(&a);
	return rc;
}

int account_cert_refused(const char *serial, const char *status, const char *reason)
{
	/* a reason per state, so that the Chinese says it in words */
	const char *why = !strcmp(status, "frozen") ? "auth.cert_frozen" :
			  !strcmp(status, "revoked") ? "auth.cert_revoked" :
			  !strcmp(status, "expired") ? "auth.cert_expired" :
			  !strcmp(status, "not yet valid") ? "auth.cert_not_yet" : "auth.cert_state";

	return err_why(FINCA_EAUTH, NULL, why, "certificate %s is %s%s%s", serial, status,
		       reason ? " " : "", reason ? reason : "");
}

int account_for_der(struct ca *ca, struct certcache *cc, const unsigned char *der,
		    size_t len, struct account_rec *out)
{
	struct checked k;
	int rc;

	if ((rc = certcache_check(cc, ca, der, len, &k)) != FINCA_OK)
		return rc;
	EVP_PKEY_free(k.key);
	if (strcmp(k.status, "valid"))
		return account_cert_refused(k.serial, k.status, NULL);
	if ((rc = store_account_by_cert(ca_store(ca), k.serial, out)) != FINCA_OK)
		return rc == FINCA_ENOTFOUND ?
		       err_why(FINCA_EAUTH, NULL, "auth.no_account",
			       "certificate %s belongs to no account", k.serial) : rc;
	if (out->disabled)
		return err_why(FINCA_EAUTH, NULL, "auth.disabled",
			       "account %s is disabled", out->name);
	return FINCA_OK;
}

int account_bootstrap_admin(struct ca *ca, char *pw_out, size_t pw_len)
{
	static const char a[] = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";
	struct issue_req rq;
	unsigned char r[20];
	EVP_PKEY *key = NULL;
	X509 *x = NULL;
	char *kp = NULL, *cp = NULL;
	int rc;

	if (pw_len < sizeof r + 1 || RAND_bytes(r, sizeof r) != 1)
		return err_why(FINCA_ECRYPTO, NULL, "auth.random", "random password");
	for (size_t i = 0; i < sizeof r; i++)
		pw_out[i] = a[r[i] % (sizeof a - 1)];
	pw_out[sizeof r] = '\0';
	memset(&rq, 0, sizeof rq);
	rq.profile = "tls-client";
	rq.subject = "CN=admin";
	rq.action = "account.cert";
	if ((rc = key_generate(KEY_P256, &key)) != FINCA_OK)
		goto out;
	rq.pubkey = key;
	kp = path_join(ca->dir, "admin.key");
	cp = path_join(ca->dir, "admin.crt");
	/* the key is encrypted under the administrator's password */
	if ((rc = key_save(kp, key, pw_out)) != FINCA_OK ||
	    (rc = ca_issue_one(ca, &ca->self, &rq, &x)) != FINCA_OK)
		goto out;
	if ((rc = pem_x509_write(cp, x)) != FINCA_OK)
		goto out;
	rc = account_add(ca, &ca->self, "admin", NULL, "admin", NULL, x, pw_out, NULL);
out:
	X509_free(x);
	EVP_PKEY_free(key);
	free(kp);
	free(cp);
	return rc;
}
