#include "ca/dn.h"
#include "util/err.h"
#include "util/util.h"

#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 1 when s is well-formed UTF-8 without control characters. */
static int utf8_ok(const unsigned char *s)
{
	while (*s) {
		int n = *s < 0x80 ? 0 : (*s & 0xe0) == 0xc0 ? 1 :
			(*s & 0xf0) == 0xe0 ? 2 : (*s & 0xf8) == 0xf0 ? 3 : -1;
		if (n < 0 || (n == 0 && *s < 0x20) || *s == 0x7f)
			return 0;
		for (int i = 1; i <= n; i++)
			if ((s[i] & 0xc0) != 0x80)
				return 0;
		s += n + 1;
	}
	return 1;
}

static void trim(char *s)
{
	size_t n = strlen(s), k = 0;

	while (n && s[n - 1] == ' ')
		s[--n] = '\0';
	while (s[k] == ' ')
		k++;
	memmove(s, s + k, n - k + 1);
}

/* rc, with the field at fault: the subject. */
static int bad_subject(int rc)
{
	err_field_set("subject");
	return rc;
}

static int add_rdn(X509_NAME *name, char *rdn, const char *whole)
{
	char *eq = strchr(rdn, '=');
	int nid;

	if (!eq)
		return bad_subject(err_why(FINCA_EINVAL, NULL, "dn.no_equals",
					   "subject '%s': '%s' lacks '='", whole,
					   rdn));
	*eq = '\0';
	trim(rdn);
	trim(eq + 1);
	if ((nid = OBJ_txt2nid(rdn)) == NID_undef)
		return bad_subject(err_why(FINCA_EINVAL, NULL, "dn.attribute",
					   "subject '%s': unknown attribute '%s'",
					   whole, rdn));
	if (!eq[1])
		return bad_subject(err_why(FINCA_EINVAL, NULL, "dn.empty",
					   "subject '%s': %s is empty", whole,
					   rdn));
	if (!utf8_ok((const unsigned char *)eq + 1))
		return err_why(FINCA_EINVAL, "subject", "dn.utf8", "%s is not valid UTF-8 text",
			       rdn);
	ERR_clear_error();
	if (!X509_NAME_add_entry_by_NID(name, nid, MBSTRING_UTF8,
					(const unsigned char *)eq + 1, -1, -1, 0))
		return bad_subject(err_ssl_why(FINCA_EINVAL, "dn.value",
					       "subject '%s': %s='%s' not accepted",
					       whole, rdn, eq + 1));
	return FINCA_OK;
}

int dn_parse(const char *s, X509_NAME **out)
{
	X509_NAME *name = NULL;
	char *buf = NULL;
	size_t n = 0, total = 0, len = strlen(s);
	char sep = ',';
	const char *p = s;
	int rc = FINCA_OK;

	/* the limit is on the text without its escapes, so that whatever
	 * dn_format writes (escaping doubles some characters) reads back */
	if (len == 0 || len > 2 * DN_MAX)
		return err_why(FINCA_EINVAL, "subject", "dn.length",
			       "must be 1 to %d characters", DN_MAX);
	if (*p == '/') {
		sep = '/';
		p++;
	}
	name = X509_NAME_new();
	buf = xcalloc(1, len + 1);
	for (;; p++) {
		if (*p == '\\' && p[1]) {
			buf[n++] = *++p;
			total++;
			continue;
		}
		if (*p == sep || *p == '\0') {
			buf[n] = '\0';
			if ((rc = add_rdn(name, buf, s)) != FINCA_OK)
				goto out;
			n = 0;
			if (*p == '\0')
				break;
			continue;
		}
		buf[n++] = *p;
		total++;
	}
	if (total > DN_MAX) {
		rc = err_why(FINCA_EINVAL, "subject", "dn.too_long",
			     "longer than %d characters", DN_MAX);
		goto out;
	}
	*out = name;
	name = NULL;
out:
	X509_NAME_free(name);
	free(buf);
	return rc;
}

char *dn_format(const X509_NAME *name)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data, *s;
	long n;

	X509_NAME_print_ex(b, name, 0,
			   XN_FLAG_SEP_CPLUS_SPC | XN_FLAG_FN_SN |
				   ((ASN1_STRFLGS_RFC2253 | ASN1_STRFLGS_UTF8_CONVERT) &
				    ~ASN1_STRFLGS_ESC_MSB));
	n = BIO_get_mem_data(b, &data);
	s = xcalloc(1, (size_t)n + 1);
	memcpy(s, data, (size_t)n);
	BIO_free(b);
	return s;
}

void dn_attr(const X509_NAME *n, int nid, char *out, size_t len)
{
	int i = X509_NAME_get_index_by_NID(n, nid, -1);
	unsigned char *u = NULL;
	int k;

	out[0] = '\0';
	if (i < 0)
		return;
	k = ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, i)));
	if (k > 0)
		snprintf(out, len, "%.*s", k, u);
	OPENSSL_free(u);
}
