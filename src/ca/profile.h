/* A profile turned into certificate content, as a list of steps applied in
 * order to a certificate template.  Adding a rule is adding a step. */
#ifndef FINCA_PROFILE_H
#define FINCA_PROFILE_H

#include "ca/ca.h"

struct tmpl {
	const struct profile *p;
	X509 *x;                /* the certificate being built (borrowed) */
	X509 *issuer;           /* borrowed */
	EVP_PKEY *pubkey;       /* borrowed */
	const X509_ALGOR *spki_alg; /* borrowed, optional: the CSR's key, */
	const ASN1_BIT_STRING *spki_bits; /* copied into the certificate as is */
	X509_NAME *subject;     /* borrowed */
	int64_t now;
	int days;
	char id_number[19], unit_code[19];
	int pair_role;          /* enum pair_role: the half's key usage */
	const struct config *cfg;
};

/* Who may have a profile's certificates made, by its class: one table
 * (profile.c; README "Who issues what").  FINCA_OK, or FINCA_EAUTH naming
 * the rule. */
int profile_may_issue(const struct profile *p, const struct actor *a);
const char *profile_class_name(const struct profile *p);
/* The name the console shows, Chinese (zh 1) or English: finca.conf's
 * title_zh/title_en, the shipped profiles' own, else the profile id.
 * Borrowed from p or static. */
const char *profile_title(const struct profile *p, int zh);
/* The profile as GET /api/v1/profiles answers it (caller frees). */
json_t *profile_json(const struct config *cfg, const struct profile *p);

/* Builds p->exts, the extensions fixed for every certificate of the profile
 * (key usage, EKU, basic constraints, policies, CDP, AIA, AKI). */
int profile_prepare(struct ca *ca, struct profile *p);
/* Checks the request against the profile and fills t->x (everything but
 * the serial and the signature). */
int profile_apply(struct tmpl *t);

#endif
