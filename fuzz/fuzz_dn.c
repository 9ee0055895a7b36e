/* libFuzzer harness: subject names and identity numbers as operators type
 * them.
 *
 * Input bytes, cut at the first NUL, are a string.  When dn_parse accepts
 * it, dn_format of the result must be read back by dn_parse into the same
 * name: X509_NAME_cmp == 0 and, stricter, the same DER.  Anything else is
 * a real finding and aborts, with the strings on stderr.  The same string
 * also goes to ident_resident_id_check and ident_uscc_check, which must not
 * crash and, when they accept, must give a normalised form that they accept
 * again unchanged.
 *
 * FUZZ_DN_ALLOW_LONG=1 in the environment skips the round trip when
 * dn_format's output is longer than DN_MAX (a known finding, see
 * crashes/README.md), so that a run can look for other ones. */
#include "ca/dn.h"
#include "ca/ident.h"
#include "util/err.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int allow_long;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *e = getenv("FUZZ_DN_ALLOW_LONG");
	X509_NAME *n = NULL;

	(void)argc;
	(void)argv;
	allow_long = e && *e && strcmp(e, "0") != 0;
	OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CRYPTO_STRINGS, NULL);
	/* builds libcrypto's object and string tables once */
	if (dn_parse("C=CN, O=warm-up, CN=warm-up", &n) == FINCA_OK) {
		free(dn_format(n));
		X509_NAME_free(n);
	}
	ERR_clear_error();
	return 0;
}

/* Prints s with bytes outside printable ASCII as \xNN. */
static void dump(const char *what, const char *s)
{
	fprintf(stderr, "%s: \"", what);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p >= 0x7f || *p == '"')
			fprintf(stderr, "\\x%02x", *p);
		else
			fputc(*p, stderr);
	}
	fprintf(stderr, "\"\n");
}

static void finding(const char *why, const char *in, const char *fmt1,
		    const X509_NAME *again)
{
	fprintf(stderr, "\n==fuzz_dn== ROUND TRIP FAILURE: %s\n", why);
	dump("input          ", in);
	dump("dn_format      ", fmt1);
	if (again) {
		char *f2 = dn_format(again);
		dump("re-parsed, fmt ", f2);
		free(f2);
	} else {
		fprintf(stderr, "dn_parse error  : %s\n", err_msg());
	}
	abort();
}

static int same_der(const X509_NAME *a, const X509_NAME *b)
{
	unsigned char *da = NULL, *db = NULL;
	int la = i2d_X509_NAME(a, &da), lb = i2d_X509_NAME(b, &db);
	int same = la > 0 && la == lb && memcmp(da, db, (size_t)la) == 0;

	OPENSSL_free(da);
	OPENSSL_free(db);
	return same;
}

static void round_trip(const char *s)
{
	X509_NAME *n1 = NULL, *n2 = NULL;
	char *f1;

	if (dn_parse(s, &n1) != FINCA_OK) {
		ERR_clear_error();
		return;
	}
	f1 = dn_format(n1);
	if (!f1)
		abort();
	if (allow_long && strlen(f1) > DN_MAX) {
		free(f1);
		X509_NAME_free(n1);
		return;
	}
	if (dn_parse(f1, &n2) != FINCA_OK)
		finding("dn_parse rejects what dn_format wrote", s, f1, NULL);
	if (X509_NAME_cmp(n1, n2) != 0)
		finding("X509_NAME_cmp != 0", s, f1, n2);
	if (!same_der(n1, n2))
		finding("X509_NAME_cmp == 0 but the DER differs", s, f1, n2);
	free(f1);
	X509_NAME_free(n1);
	X509_NAME_free(n2);
}

static void ident(const char *s)
{
	char norm[19], again[19];

	if (ident_resident_id_check(s, norm) == FINCA_OK) {
		if (strlen(norm) != 18 ||
		    ident_resident_id_check(norm, again) != FINCA_OK ||
		    strcmp(norm, again) != 0) {
			dump("resident ID accepted, normalised form not stable", s);
			abort();
		}
	}
	if (ident_uscc_check(s, norm) == FINCA_OK) {
		if (strlen(norm) != 18 ||
		    ident_uscc_check(norm, again) != FINCA_OK ||
		    strcmp(norm, again) != 0) {
			dump("credit code accepted, normalised form not stable", s);
			abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	round_trip(s);
	ident(s);
	free(s);
	err_clear();
	return 0;
}
