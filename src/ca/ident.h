/* Chinese identity numbers carried in certificates. */
#ifndef FINCA_IDENT_H
#define FINCA_IDENT_H

/* GB 11643 resident ID number: 17 digits, a birth date, and the check
 * character (weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2, sum mod 11 indexes
 * "10X98765432").  A lowercase 'x' is accepted and must be given as 'X' in
 * certificates; *norm (19 bytes) receives the normalised form. */
int ident_resident_id_check(const char *s, char norm[19]);
/* GB 32100 unified social credit code: 18 characters from
 * "0123456789ABCDEFGHJKLMNPQRTUWXY", check = 31 - (weighted sum mod 31). */
int ident_uscc_check(const char *s, char norm[19]);

/* The check character of the first 17 characters of a resident ID number
 * (digits) or of a unified social credit code (the alphabet above, upper
 * case); '\0' when one of them does not belong. */
char ident_resident_id_char(const char *s17);
char ident_uscc_char(const char *s17);

#endif
