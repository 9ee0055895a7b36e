/* The signing agent: the certificates on the tokens present, named by
 * "TOKENSERIAL:CKAIDHEX" ids (docs/console.md). */
#include "agent/agent_int.h"
#include "ca/ca.h"
#include "ca/dn.h"
#include "crypto/key.h"
#include "crypto/pem.h"
#include "util/err.h"
#include "util/util.h"

#include <openssl/core_names.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *alg_name(EVP_PKEY *k)
{
	char g[64];
	size_t gl;

	if (!k)
		return "other";
	if (key_is_sm2(k))
		return "sm2";
	if (EVP_PKEY_is_a(k, "RSA"))
		return "rsa";
	if (EVP_PKEY_is_a(k, "EC") &&
	    EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, g, sizeof g, &gl))
		return !strcmp(g, "prime256v1") ? "p256" : !strcmp(g, "SM2") ? "sm2" : "other";
	return "other";
}

/* "TOKENSERIAL:CKAIDHEX" of a certificate (out: 17 + 1 + 128 + 1 bytes). */
static void id_format(const char *serial, const struct p11_cert *pc, char *out, size_t len)
{
	char hex[2 * sizeof pc->id + 1];

	hex_encode(pc->id, pc->idlen, hex);
	snprintf(out, len, "%s:%s", serial, hex);
}

static int hexval(int ch)
{
	return ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
		: ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
}

/* Splits an id into the token serial and the CKA_ID; 0 when malformed.
 * The last ':' splits: the hex has none. */
int agent_id_parse(const char *s, char serial[17], unsigned char id[64], size_t *idlen)
{
	const char *colon = strrchr(s, ':');
	size_t sl, hl;

	if (!colon)
		return 0;
	sl = (size_t)(colon - s);
	hl = strlen(colon + 1);
	if (sl == 0 || sl > 16 || hl % 2 || hl / 2 > 64)
		return 0;
	for (size_t i = 0; i < hl / 2; i++) {
		int hi = hexval(colon[1 + 2 * i]), lo = hexval(colon[2 + 2 * i]);
		if (hi < 0 || lo < 0)
			return 0;
		id[i] = (unsigned char)(hi << 4 | lo);
	}
	memcpy(serial, s, sl);
	serial[sl] = '\0';
	*idlen = hl / 2;
	return 1;
}

static json_t *cert_json(const struct p11_token *t, const struct p11_cert *pc)
{
	char id[17 + 1 + 128 + 1], serial[41], na[32] = "";
	unsigned char *der = NULL;
	int n = i2d_X509(pc->x, &der);
	char *b64 = n > 0 ? b64_encode(der, (size_t)n) : NULL;
	char *subj = dn_format(X509_get_subject_name(pc->x));
	struct tm tm;
	json_t *j = NULL;

	id_format(t->serial, pc, id, sizeof id);
	ca_cert_serial(pc->x, serial);
	if (ASN1_TIME_to_tm(X509_get0_notAfter(pc->x), &tm) != 1 ||
	    !strftime(na, sizeof na, "%Y-%m-%dT%H:%M:%SZ", &tm))
		na[0] = '\0';
	if (b64)
		j = json_pack("{s:s, s:{s:s, s:s}, s:s, s:s, s:s, s:s, s:s}", "id", id, "token",
			      "serial", t->serial, "label", t->label, "certificate", b64,
			      "subject", subj ? subj : "", "serial", serial, "not_after", na,
			      "algorithm", alg_name(X509_get0_pubkey(pc->x)));
	OPENSSL_free(der);
	free(b64);
	free(subj);
	return j;
}

/* Every certificate on every initialised token present (*out: the
 * caller's).  A token that fails while read is left out and named in
 * note. */
int agent_certs_list(struct agent *a, json_t **out, char *note, size_t nlen)
{
	struct p11_token *t = NULL;
	size_t nt = 0;
	json_t *arr = json_array();
	int rc;

	pthread_mutex_lock(&a->tok_mu);
	if ((rc = p11_list(a->m, &t, &nt)) != FINCA_OK)
		goto out;
	for (size_t i = 0; i < nt; i++) {
		struct p11s *s = NULL;
		struct p11_cert *v = NULL;
		size_t nv = 0;
		if (!t[i].initialized)
			continue;
		if (p11_open(a->m, t[i].slot, &s) != FINCA_OK ||
		    p11_get_certs(s, &v, &nv) != FINCA_OK)
			snprintf(note, nlen, "token %s left out: %s", t[i].serial, err_msg());
		for (size_t k = 0; k < nv; k++) {
			json_t *j = cert_json(&t[i], &v[k]);
			if (j)
				json_array_append_new(arr, j);
		}
		p11_certs_free(v, nv);
		p11_close(s);
	}
	*out = arr;
	arr = NULL;
out:
	pthread_mutex_unlock(&a->tok_mu);
	free(t);
	json_decref(arr);
	return rc;
}

/* The token of serial and its certificate with CKA_ID id (*x: the
 * caller's).  FINCA_ENOTFOUND when either is not there.  Under tok_mu. */
int agent_cert_find(struct agent *a, const char *serial, const unsigned char *id,
		     size_t idlen, struct p11_token *t, X509 **x)
{
	struct p11s *s = NULL;
	struct p11_cert *v = NULL;
	size_t n = 0;
	int rc;

	if ((rc = p11_find(a->m, serial, t)) != FINCA_OK)
		return rc;
	if (!t->initialized)
		return err_why(FINCA_ENOTFOUND, NULL, "agent.token_blank", "token %s is not initialised", serial);
	if ((rc = p11_open(a->m, t->slot, &s)) != FINCA_OK ||
	    (rc = p11_get_certs(s, &v, &n)) != FINCA_OK)
		goto out;
	rc = err_why(FINCA_ENOTFOUND, NULL, "agent.no_cert", "token %s holds no such certificate", serial);
	for (size_t i = 0; i < n; i++)
		if (v[i].idlen == idlen && !memcmp(v[i].id, id, idlen)) {
			X509_up_ref(v[i].x);
			*x = v[i].x;
			rc = FINCA_OK;
			break;
		}
out:
	p11_certs_free(v, n);
	p11_close(s);
	return rc;
}

