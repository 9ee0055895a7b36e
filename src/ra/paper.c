/* The paper side of a batch (art. 19): the annex's forms pre-filled from
 * the requests, and the scanned, stamped paper attached back to it. */
#include "ra/ra.h"
#include "doc/forms.h"
#include "util/err.h"
#include "util/util.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


#define ATTACH_MAX (16u << 20)

int ra_attach(struct ca *ca, const struct actor *a, int64_t batch, const char *name,
	      const unsigned char *data, size_t len, json_t **out)
{
	struct store *st = ca_store(ca);
	unsigned char md[32];
	char hex[65], obj[32];
	const char *mime = len > 4 && !memcmp(data, "%PDF", 4) ? "application/pdf" :
			   len > 8 && !memcmp(data, "\x89PNG\r\n\x1a\n", 8) ? "image/png" :
			   len > 3 && !memcmp(data, "\xff\xd8\xff", 3) ? "image/jpeg" : NULL;
	const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
	json_t *b = NULL, *d;
	struct target t;
	int64_t id = 0;
	int rc;

	*out = NULL;
	if (!mime)
		return err_why(FINCA_EINVAL, NULL, "paper.scan",
				     "%s: expected a scan as PDF, PNG or JPEG", base);
	if (len > ATTACH_MAX)
		return err_why(FINCA_EINVAL, NULL, "paper.too_large",
				     "%s: larger than 16 MiB", base);
	if (!*base || strlen(base) > 200)
		return err_why(FINCA_EINVAL, "name", "paper.name", "1-200 bytes");
	if ((rc = store_row_get_id(st, "batch", batch, &b)) != FINCA_OK)
		return err_why(rc, NULL, "batch.none", "no batch %lld", (long long)batch);
	memset(&t, 0, sizeof t);
	t.unit = ra_str(b, "unit");
	if ((rc = actor_may(ca, a, "batch.attach", &t)) != FINCA_OK)
		goto out;
	EVP_Digest(data, len, md, NULL, EVP_sha256(), NULL);
	hex_encode(md, sizeof md, hex);
	if ((rc = store_begin(st)) != FINCA_OK)
		goto out;
	snprintf(obj, sizeof obj, "batch:%lld", (long long)batch);
	d = json_pack("{s:s, s:s, s:s, s:I}", "name", base, "mime", mime, "sha256", hex,
		      "size", (json_int_t)len);
	if ((rc = store_attachment_insert(st, batch, base, mime, hex, data, len, a->name,
					  &id)) != FINCA_OK ||
	    (rc = ca_audit(ca, a->name, "batch.attach", obj, d)) != FINCA_OK ||
	    (rc = store_commit(st)) != FINCA_OK)
		store_rollback(st);
	else
		*out = json_pack("{s:I, s:I, s:O}", "batch", (json_int_t)batch, "attachment",
				 (json_int_t)id, "file", d);
	json_decref(d);
out:
	json_decref(b);
	return rc;
}

int ra_attachment(struct ca *ca, const struct actor *a, int64_t batch, int64_t id,
		  char **name, char **mime, unsigned char **data, size_t *len)
{
	json_t *b = NULL;
	int rc = ra_batch_show(ca, a, batch, &b); /* the reading rule of the batch */

	json_decref(b);
	if (rc != FINCA_OK)
		return rc;
	return store_attachment_get(ca_store(ca), batch, id, name, mime, data, len);
}

int ra_paper_due(struct ca *ca, int64_t batch)
{
	json_t *att;
	int due;

	if (!batch || ra_conf(ca->cfg)->paperless)
		return 0;
	att = json_array();
	/* a store error counts as no scan: approval waits */
	due = store_attachments(ca_store(ca), batch, att) != FINCA_OK || json_array_size(att) == 0;
	json_decref(att);
	return due;
}

int ra_paper_check(struct ca *ca, int64_t batch)
{
	if (!ra_paper_due(ca, batch))
		return FINCA_OK;
	return err_why(FINCA_ESTATE, NULL, "batch.paper_missing",
		       "batch %lld has no scan of its stamped paper forms attached yet "
		       "(art. 19): attach it before approving", (long long)batch);
}

/* --- forms --- */

static enum form_op form_op(const char *type)
{
	static const char *const t[] = { "apply", "renew", "update", "reissue", "freeze",
					 "unfreeze", "revoke", "authorize" };
	for (size_t i = 0; i < ARRAY_LEN(t); i++)
		if (!strcmp(type, t[i]))
			return (enum form_op)i;
	return FORM_OP_APPLY;
}

/* Looks up table/key once per call and keeps the row alive in keep. */
static json_t *row(struct ca *ca, json_t *keep, const char *table, const char *key)
{
	json_t *o = NULL;

	if (!key || store_row_get(ca_store(ca), table, key, &o) != FINCA_OK)
		return NULL;
	json_array_append_new(keep, o);
	return o;
}

/* The person's name of the officer's account into out (borrowed back);
 * the account's name when it has none or is unknown, NULL for NULL. */
static const char *officer_name(struct ca *ca, const char *account, char *out, size_t n)
{
	if (!account)
		return NULL;
	if (ra_account_person(ca, account, out, n) != FINCA_OK) {
		err_clear();
		snprintf(out, n, "%s", account);
	}
	return out;
}

static const char *kind_of(json_t *r)
{
	return !strcmp(ra_str(r, "type"), "pin-reset") ? "pinreset" :
	       !strcmp(ra_str(r, "subject_kind"), "unit") ? "unit" :
	       !strcmp(ra_str(r, "subject_kind"), "person") ? "person" : "none";
}

int ra_forms(struct ca *ca, const struct actor *a, int64_t request, int64_t batch,
	     const char *form, unsigned char **pdf, size_t *len)
{
	json_t *reqs = NULL, *keep = NULL, *one = NULL, *r;
	struct form_person *fp = NULL;
	struct form_unit *fu = NULL;
	struct form_pinreset *fr = NULL;
	struct form_doc doc;
	char id[32], date[40], officer[97];
	size_t i, n = 0;
	time_t now = (time_t)clock_now();
	struct tm tm;
	int rc;

	*pdf = NULL;
	if (form && strcmp(form, "person") && strcmp(form, "unit") && strcmp(form, "pinreset"))
		return err_why(FINCA_EINVAL, "form", "paper.form",
				     "expected person, unit or pinreset");
	if ((rc = actor_may(ca, a, "forms.print", NULL)) != FINCA_OK)
		return rc;
	keep = json_array(); /* the rows the forms' strings point into */
	if (batch) {
		if ((rc = ra_batch_show(ca, a, batch, &one)) != FINCA_OK)
			goto out;
		reqs = json_incref(json_object_get(one, "requests"));
		snprintf(id, sizeof id, "批次 %lld", (long long)batch);
	} else {
		if ((rc = ra_request_show(ca, a, request, &one)) != FINCA_OK)
			goto out;
		reqs = json_pack("[O]", one);
		snprintf(id, sizeof id, "申请 %lld", (long long)request);
	}
	json_array_foreach(reqs, i, r)
		if (!form && strcmp(kind_of(r), "none"))
			form = kind_of(r);
	if (!form) {
		rc = err_why(FINCA_EINVAL, NULL, "paper.no_form",
				     "no request here has a form (devices have none)");
		goto out;
	}
	n = json_array_size(reqs);
	fp = xcalloc(n + 1, sizeof *fp);
	fu = xcalloc(n + 1, sizeof *fu);
	fr = xcalloc(n + 1, sizeof *fr);
	memset(&doc, 0, sizeof doc);
	gmtime_r(&(time_t){ now + 8 * 3600 }, &tm); /* Beijing time */
	snprintf(date, sizeof date, "%d年%d月%d日", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	doc.id = id;
	doc.date = date;
	n = 0;
	json_array_foreach(reqs, i, r) {
		json_t *unit, *node, *app, *dept, *person;
		if (strcmp(kind_of(r), form))
			continue;
		unit = row(ca, keep, "unit", ra_str(r, "unit"));
		node = row(ca, keep, "node", ra_str(r, "node"));
		app = row(ca, keep, "app", ra_str(r, "app"));
		dept = app ? row(ca, keep, "dept", ra_str(app, "dept")) : NULL;
		person = strcmp(form, "unit") ? row(ca, keep, "person", ra_str(r, "subject")) : NULL;
		/* 信息员：王某 (the account's person), 证书制作管理单位 by name */
		doc.officer = officer_name(ca, ra_str(unit, "officer"), officer, sizeof officer);
		doc.approver = ra_str(dept, "name");
		doc.maker = ra_str(node, "making_unit") && *ra_str(node, "making_unit")
			    ? ra_str(node, "making_unit") : ra_str(node, "name");
		if (!strcmp(form, "person")) {
			fp[n].name = ra_str(r, "name");
			fp[n].id_number = ra_str(r, "subject");
			fp[n].unit = ra_str(unit, "name");
			fp[n].unit_code = ra_str(unit, "code");
			fp[n].unit_type = ra_str(unit, "type");
			fp[n].phone = ra_str(person, "phone");
			fp[n].email = ra_str(person, "email");
			fp[n].op = form_op(ra_str(r, "type"));
			fp[n].reason = ra_str(r, "reason") ? ra_str(r, "reason") : ra_str(r, "note");
			fp[n].app_systems = ra_str(app, "name");
			fp[n].old_cert = ra_str(r, "cert_serial");
			fp[n].old_token = ra_str(r, "token_serial");
		} else if (!strcmp(form, "unit")) {
			fu[n].name = ra_str(unit, "name");
			fu[n].unit_code = ra_str(unit, "code");
			fu[n].unit_type = ra_str(unit, "type");
			fu[n].region = ra_str(node, "name");
			fu[n].phone = ra_str(unit, "phone");
			fu[n].officer = doc.officer;
			fu[n].officer_email = ra_str(unit, "email");
			fu[n].op = form_op(ra_str(r, "type"));
			fu[n].reason = ra_str(r, "reason") ? ra_str(r, "reason") : ra_str(r, "note");
			fu[n].app_systems = ra_str(app, "name");
			fu[n].old_cert = ra_str(r, "cert_serial");
			fu[n].old_token = ra_str(r, "token_serial");
		} else {
			fr[n].name = ra_str(r, "name");
			fr[n].id_number = ra_str(r, "subject");
			fr[n].unit = ra_str(unit, "name");
			fr[n].unit_code = ra_str(unit, "code");
			fr[n].phone = ra_str(person, "phone");
			fr[n].token_serial = ra_str(r, "token_serial");
			fr[n].cert_serial = ra_str(r, "cert_serial");
			fr[n].cause = FORM_PIN_FORGOTTEN;
			fr[n].reason = ra_str(r, "note");
		}
		n++;
	}
	if (n == 0) {
		rc = err_why(FINCA_EINVAL, NULL, "paper.form_unused",
				     "form %s: no request here is for it", form);
		goto out;
	}
	rc = !strcmp(form, "person") ? forms_person_pdf_mem(&doc, fp, n, pdf, len) :
	     !strcmp(form, "unit") ? forms_unit_pdf_mem(&doc, fu, n, pdf, len) :
				     forms_pinreset_pdf_mem(&doc, fr, n, pdf, len);
out:
	free(fp);
	free(fu);
	free(fr);
	json_decref(reqs);
	json_decref(one);
	json_decref(keep);
	return rc;
}
