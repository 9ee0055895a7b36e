#include "auth/auth.h"
#include "util/err.h"
#include "util/util.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SESSIONS 4096

struct sessions {
	pthread_mutex_t mu;
	struct sess {
		char token[TOKEN_LEN + 1];
		int64_t account, expires;
	} v[MAX_SESSIONS];
};

struct sessions *sessions_new(void)
{
	struct sessions *s = xcalloc(1, sizeof *s);

	pthread_mutex_init(&s->mu, NULL);
	return s;
}

void sessions_free(struct sessions *s)
{
	if (!s)
		return;
	OPENSSL_cleanse(s->v, sizeof s->v);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

int session_open(struct sessions *s, int64_t account, char *token)
{
	static const char a[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned char r[TOKEN_LEN];
	int64_t now = clock_now();
	size_t victim = 0;

	if (RAND_bytes(r, sizeof r) != 1)
		return err_set(FINCA_ECRYPTO, "random token");
	for (size_t i = 0; i < TOKEN_LEN; i++)
		token[i] = a[r[i] & 63];
	token[TOKEN_LEN] = '\0';
	pthread_mutex_lock(&s->mu);
	/* a free or expired slot, else the one closest to expiry */
	for (size_t i = 0; i < MAX_SESSIONS; i++) {
		if (s->v[i].expires < now) {
			victim = i;
			break;
		}
		if (s->v[i].expires < s->v[victim].expires)
			victim = i;
	}
	memcpy(s->v[victim].token, token, TOKEN_LEN + 1);
	s->v[victim].account = account;
	s->v[victim].expires = now + SESSION_TTL;
	pthread_mutex_unlock(&s->mu);
	return FINCA_OK;
}

int64_t session_account(struct sessions *s, const char *token)
{
	int64_t now = clock_now(), acct = 0;

	if (strlen(token) != TOKEN_LEN)
		return 0;
	pthread_mutex_lock(&s->mu);
	for (size_t i = 0; i < MAX_SESSIONS; i++)
		if (s->v[i].expires >= now && !CRYPTO_memcmp(s->v[i].token, token, TOKEN_LEN)) {
			acct = s->v[i].account;
			break;
		}
	pthread_mutex_unlock(&s->mu);
	return acct;
}

void session_close(struct sessions *s, const char *token)
{
	if (strlen(token) != TOKEN_LEN)
		return;
	pthread_mutex_lock(&s->mu);
	for (size_t i = 0; i < MAX_SESSIONS; i++)
		if (!CRYPTO_memcmp(s->v[i].token, token, TOKEN_LEN)) {
			OPENSSL_cleanse(&s->v[i], sizeof s->v[i]);
			break;
		}
	pthread_mutex_unlock(&s->mu);
}
