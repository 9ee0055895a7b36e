/* The loss-report code (挂失码) of art. 25: printed in the USBKey's PIN
 * envelope next to the default PIN, it lets a holder who lost the USBKey
 * freeze its certificate at once without logging in (ra/loss.c).  The
 * serial, name and ID number do not: anyone who has seen the certificate
 * knows them.  The code is known only to whoever opened the envelope.
 *
 * 12 characters from 32 that cannot be mistaken for one another (no 0 O
 * 1 I), 60 bits from the CSPRNG, printed in groups of four (7KQM-2X9P-HT4C);
 * read back in any case, with or without the dashes and spaces.
 *
 * Kept only as argon2id with the account passwords' parameters
 * (auth/account.c), not as a fast salted hash: online, 60 bits are far
 * beyond 5 tries an hour (ra/loss.c), but a copy of finca.db (a backup)
 * hashed with SHA-256 would give up one chosen holder's code to a rented
 * GPU farm in weeks (2^59 tries on average); argon2id's 19 MiB per try
 * puts that out of reach.  The daemon pays one argon2id per try that
 * passes the rate limits (they are checked first) and per token in use of
 * the holder (one, unless the profile allows more). */
#include "token/token.h"
#include "util/err.h"
#include "util/util.h"

#include <argon2.h>
#include <ctype.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

/* as auth/account.c: argon2id, OWASP's minimum: 19 MiB, 2 passes, 1 lane */
#define A2_T 2
#define A2_M (19 * 1024)
#define A2_P 1

static const char alphabet[] = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

int loss_code_norm(const char *in, char out[LOSS_CODE_LEN + 1])
{
	size_t n = 0;

	for (const char *p = in; *p; p++) {
		int c = toupper((unsigned char)*p);
		if (c == '-' || c == ' ')
			continue;
		if (n == LOSS_CODE_LEN || !c || !strchr(alphabet, c)) {
			OPENSSL_cleanse(out, LOSS_CODE_LEN + 1);
			return err_why_of(FINCA_EINVAL, "loss_code", "loss_code.format",
					  "loss-report code (挂失码): expected %d letters "
					  "and digits as printed in the PIN envelope", LOSS_CODE_LEN);
		}
		out[n++] = (char)c;
	}
	out[n] = '\0';
	if (n != LOSS_CODE_LEN) {
		OPENSSL_cleanse(out, LOSS_CODE_LEN + 1);
		return err_why_of(FINCA_EINVAL, "loss_code", "loss_code.format",
				  "loss-report code (挂失码): expected %d letters and "
				  "digits as printed in the PIN envelope", LOSS_CODE_LEN);
	}
	return FINCA_OK;
}

int loss_code_new(struct ca *ca, const char *token, char out[LOSS_CODE_BUF])
{
	unsigned char b[LOSS_CODE_LEN], salt[16];
	char code[LOSS_CODE_LEN + 1];
	size_t n = argon2_encodedlen(A2_T, A2_M, A2_P, sizeof salt, 32, Argon2_id);
	char *enc = xcalloc(1, n);
	int rc;

	if (RAND_bytes(b, sizeof b) != 1 || RAND_bytes(salt, sizeof salt) != 1) {
		rc = err_ssl_why(FINCA_ECRYPTO, "loss_code.random",
				 "token %s: loss-report code: no randomness", token);
		goto out;
	}
	/* 32 characters: the low 5 bits of each byte, without bias */
	for (size_t i = 0; i < LOSS_CODE_LEN; i++)
		code[i] = alphabet[b[i] & 31];
	code[LOSS_CODE_LEN] = '\0';
	if (argon2id_hash_encoded(A2_T, A2_M, A2_P, code, LOSS_CODE_LEN, salt, sizeof salt, 32,
				  enc, n) != ARGON2_OK) {
		rc = err_why(FINCA_ECRYPTO, NULL, "loss_code.hash",
			     "token %s: hashing the loss-report code", token);
		goto out;
	}
	if ((rc = store_loss_code_put(ca_store(ca), token, enc, clock_now())) != FINCA_OK)
		goto out;
	/* printed in groups of four */
	for (size_t i = 0, k = 0; i < LOSS_CODE_LEN; i++) {
		if (i && i % 4 == 0)
			out[k++] = '-';
		out[k++] = code[i];
		out[k] = '\0';
	}
out:
	OPENSSL_cleanse(b, sizeof b);
	OPENSSL_cleanse(code, sizeof code);
	free(enc);
	return rc;
}

int loss_code_match(const char *hash, const char *code)
{
	/* the parameters above, of no code finca made: a check without a
	 * token takes as long as one with a token */
	static const char none[] = "$argon2id$v=19$m=19456,t=2,p=1$ZmluY2EtbG9zcy1kdW1teQ$"
				   "ziexVKlXChD/SPHaXt/23IfW7ELAo2jZ6v6o4rkyQcE";
	int ok;

	if (!code)
		return 0;
	ok = argon2id_verify(hash ? hash : none, code, strlen(code)) == ARGON2_OK;
	return hash && ok;
}
