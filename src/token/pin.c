/* The USBKey PIN policy of art. 23: 6 to 10 characters, digits and letters
 * both present; the envelope's default PIN must be changed at first use. */
#include "token/token.h"
#include "util/err.h"

#include <ctype.h>
#include <openssl/rand.h>
#include <string.h>

int pin_check(const char *pin, const char *old)
{
	size_t n = strlen(pin), digits = 0, letters = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)pin[i];
		if (c < 0x80 && isdigit(c))
			digits++;
		else if (c < 0x80 && isalpha(c))
			letters++;
		else
			return err_why(FINCA_EPOLICY, NULL, "pin.chars",
				       "PIN: only digits and letters");
	}
	if (n < PIN_MIN)
		return err_why(FINCA_EPOLICY, NULL, "pin.short",
			       "PIN: too short (%d to %d characters)", PIN_MIN,
			       PIN_MAX);
	if (n > PIN_MAX)
		return err_why(FINCA_EPOLICY, NULL, "pin.long",
			       "PIN: too long (%d to %d characters)", PIN_MIN,
			       PIN_MAX);
	if (!digits)
		return err_why(FINCA_EPOLICY, NULL, "pin.digit",
			       "PIN: needs a digit as well as letters");
	if (!letters)
		return err_why(FINCA_EPOLICY, NULL, "pin.letter",
			       "PIN: needs a letter as well as digits");
	if (old && !strcmp(pin, old))
		return err_why(FINCA_EPOLICY, NULL, "pin.same",
			       "PIN: the new PIN must differ from the default one");
	return FINCA_OK;
}

/* n random characters without look-alikes (0 O 1 l I), digits and letters
 * both present. */
static int random_pin(char *out, size_t n)
{
	static const char set[] = "23456789abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ";
	const size_t m = sizeof set - 1, lim = 256 - 256 % m;
	unsigned char b[64];
	size_t k;

	do {
		k = 0;
		while (k < n) {
			if (RAND_bytes(b, sizeof b) != 1)
				return err_why(FINCA_ECRYPTO, NULL, "pin.random",
					       "random PIN: no randomness");
			for (size_t i = 0; i < sizeof b && k < n; i++)
				if (b[i] < lim)   /* no modulo bias */
					out[k++] = set[b[i] % m];
		}
		out[n] = '\0';
	} while (strcspn(out, "23456789") == n || strspn(out, "23456789") == n);
	return FINCA_OK;
}

int pin_random(char *out)
{
	return random_pin(out, PIN_DEFAULT_LEN);
}

int pin_random_so(char *out)
{
	return random_pin(out, 16);
}
