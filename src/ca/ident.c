#include "ca/ident.h"
#include "util/err.h"

#include <stdio.h>
#include <ctype.h>
#include <string.h>
#include <time.h>

static const char uscc_alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

char ident_resident_id_char(const char *s17)
{
	static const int w[17] = { 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2 };
	int sum = 0;

	for (int i = 0; i < 17; i++) {
		if (!isdigit((unsigned char)s17[i]))
			return '\0';
		sum += (s17[i] - '0') * w[i];
	}
	return "10X98765432"[sum % 11];
}

char ident_uscc_char(const char *s17)
{
	static const int w[17] = { 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13,
				   8, 24, 10, 30, 28 };
	int sum = 0;

	for (int i = 0; i < 17; i++) {
		const char *p = s17[i] ? strchr(uscc_alphabet, s17[i]) : NULL;
		if (!p)
			return '\0';
		sum += (int)(p - uscc_alphabet) * w[i];
	}
	return uscc_alphabet[(31 - sum % 31) % 31];
}

int ident_resident_id_check(const char *s, char norm[19])
{
	int y, m, d;
	struct tm tm;
	char c, want;

	if (strlen(s) != 18)
		return err_why_of(FINCA_EINVAL, "id_number", "ident.id_length",
				  "resident ID number '%.40s': must be 18 characters", s);
	for (int i = 0; i < 17; i++)
		if (!isdigit((unsigned char)s[i]))
			return err_why_of(FINCA_EINVAL, "id_number", "ident.id_digit",
					  "resident ID number '%s': character %d is not a digit",
					  s, i + 1);
	want = ident_resident_id_char(s);
	c = (char)toupper((unsigned char)s[17]);
	if (c != want)
		return err_why_of(FINCA_EINVAL, "id_number", "ident.id_check",
				  "resident ID number '%s': check character is %c, expected %c (GB 11643)",
				  s, s[17], want);
	y = (s[6] - '0') * 1000 + (s[7] - '0') * 100 + (s[8] - '0') * 10 + (s[9] - '0');
	m = (s[10] - '0') * 10 + (s[11] - '0');
	d = (s[12] - '0') * 10 + (s[13] - '0');
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_hour = 12;
	if (y < 1900 || m < 1 || m > 12 || d < 1 || d > 31 ||
	    timegm(&tm) == (time_t)-1 || tm.tm_mday != d || tm.tm_mon != m - 1)
		return err_why_of(FINCA_EINVAL, "id_number", "ident.id_birth",
				  "resident ID number '%s': birth date %.8s is not a date",
				  s, s + 6);
	memcpy(norm, s, 17);
	norm[17] = c;
	norm[18] = '\0';
	return FINCA_OK;
}

int ident_uscc_check(const char *s, char norm[19])
{
	char want;

	if (strlen(s) != 18)
		return err_why_of(FINCA_EINVAL, "unit_code", "ident.uscc_length",
				  "unified social credit code '%.40s': must be 18 characters",
				  s);
	for (int i = 0; i < 18; i++) {
		char c = (char)toupper((unsigned char)s[i]);
		if (!c || !strchr(uscc_alphabet, c))
			return err_why_of(FINCA_EINVAL, "unit_code", "ident.uscc_char",
					  "unified social credit code '%s': character %d ('%c') is not allowed (GB 32100)",
					  s, i + 1, s[i]);
		norm[i] = c;
	}
	norm[18] = '\0';
	if (norm[17] != (want = ident_uscc_char(norm)))
		return err_why_of(FINCA_EINVAL, "unit_code", "ident.uscc_check",
				  "unified social credit code '%s': check character is %c, expected %c (GB 32100)",
				  s, s[17], want);
	return FINCA_OK;
}
