/* Organisations: nodes (province, cities, counties; a county may be served
 * by its city, 代管), approving departments and their application systems,
 * applying units, and the persons and devices that hold certificates. */
#include "ra/ra.h"
#include "ca/ident.h"
#include "util/err.h"
#include "util/util.h"

#include <ctype.h>
#include <string.h>

/* The kinds and their fields are util/org_schema.h's, shared with the
 * store; the rules each field follows are here (check). */
int org_kind_parse(const char *name) { return org_schema_kind(name); }
const char *org_kind_name(int kind) { return org_schema[kind].name; }
const char *org_kind_plural(int kind) { return org_schema[kind].plural; }
const char *const *org_fields(int kind) { return org_schema[kind].fields; }

const char *ra_str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s && *s ? s : NULL;
}

/* field is bad: why (English), reason (its Chinese, msg_zh_ra.c). */
static int bad(const char *field, const char *reason, const char *why)
{
	return err_why(FINCA_EINVAL, field, reason, "%s", why);
}

static int code_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 32)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' && *s != '.')
			return 0;
	return 1;
}

static int refers(struct ca *ca, const char *field, const char *table, const char *key)
{
	if (!key || store_row_exists(ca_store(ca), table, key))
		return FINCA_OK;
	return err_why(FINCA_EINVAL, field, "org.ref_missing", "no %s '%s'", table, key);
}

/* Checks every field of o (a whole object of kind) and normalises the
 * identity numbers in place. */
static int check(struct ca *ca, int kind, json_t *o)
{
	const char *const *f = org_schema[kind].fields;
	const char *key = ra_str(o, f[0]), *v;
	char norm[19];
	int rc;

	for (const char *const *p = f; *p; p++) {
		json_t *x = json_object_get(o, *p);
		if (x && !json_is_string(x) && !json_is_null(x))
			return bad(*p, "org.string", "expected a string");
		if ((v = ra_str(o, *p)) && strlen(v) > 256)
			return bad(*p, "org.too_long", "longer than 256 bytes");
	}
	if (!key)
		return bad(f[0], "org.missing", "missing");
	if (!ra_str(o, "name"))
		return bad("name", "org.missing", "missing");
	if ((v = ra_str(o, "email")) && (!strchr(v, '@') || strchr(v, ' ')))
		return bad("email", "org.email", "not an e-mail address");
	if ((v = ra_str(o, "webhook")) && strncmp(v, "https://", 8) && strncmp(v, "http://", 7))
		return bad("webhook", "org.webhook", "expected an http:// or https:// URL");
	if ((v = ra_str(o, "phone")) && (strlen(v) > 20 || strspn(v, "0123456789+- ") != strlen(v)))
		return bad("phone", "org.phone", "expected digits, '+', '-' and spaces");
	switch (kind) {
	case ORG_NODE: {
		const char *lv = ra_str(o, "level"), *par = ra_str(o, "parent"), *sb = ra_str(o, "served_by");
		if (strlen(key) != 6 || strspn(key, "0123456789") != 6)
			return bad("code", "org.node_code", "expected a 6-digit administrative division code");
		if (!lv || (strcmp(lv, "province") && strcmp(lv, "city") && strcmp(lv, "county")))
			return bad("level", "org.level", "expected province, city or county");
		if (!strcmp(lv, "province") ? par != NULL : par == NULL)
			return !strcmp(lv, "province") ?
			       bad("parent", "org.province_parent", "a province has no parent") :
			       bad("parent", "org.parent_missing", "a city or county names its parent node");
		if (sb && strcmp(lv, "county"))
			return bad("served_by", "org.served_by", "only a county is served by another node (代管)");
		if ((par && !strcmp(par, key)) || (sb && !strcmp(sb, key)))
			return bad(par && !strcmp(par, key) ? "parent" : "served_by", "org.self",
				   "a node cannot name itself");
		if ((rc = refers(ca, "parent", "node", par)) || (rc = refers(ca, "served_by", "node", sb)))
			return rc;
		break;
	}
	case ORG_DEPT:
	case ORG_APP:
	case ORG_DEVICE:
		if (!code_ok(key))
			return bad("code", "org.code", "1-32 letters, digits, '-', '_' or '.'");
		{
			/* the reference every one of them has */
			const char *ref = kind == ORG_DEPT ? "node" : kind == ORG_APP ? "dept" : "unit";
			if (!ra_str(o, ref))
				return bad(ref, "org.missing", "missing");
			if ((rc = refers(ca, ref, ref, ra_str(o, ref))) != FINCA_OK)
				return rc;
		}
		break;
	case ORG_UNIT:
		if (ident_uscc_check(key, norm) != FINCA_OK)
			return err_in(FINCA_EINVAL, "code");
		json_object_set_new(o, "code", json_string(norm));
		if (!ra_str(o, "type"))
			return bad("type", "org.missing", "missing (机构类型)");
		if (!ra_str(o, "node"))
			return bad("node", "org.missing", "missing");
		if ((rc = refers(ca, "node", "node", ra_str(o, "node"))))
			return rc;
		break;
	case ORG_PERSON:
		if (ident_resident_id_check(key, norm) != FINCA_OK)
			return err_in(FINCA_EINVAL, "id_number");
		json_object_set_new(o, "id_number", json_string(norm));
		if (!ra_str(o, "unit"))
			return bad("unit", "org.missing", "missing");
		if ((rc = refers(ca, "unit", "unit", ra_str(o, "unit"))))
			return rc;
		break;
	}
	return FINCA_OK;
}

/* The scope an object of kind sits in. */
static void target_of(int kind, json_t *o, struct target *t)
{
	memset(t, 0, sizeof *t);
	if (kind == ORG_UNIT)
		t->unit = ra_str(o, "code");
	else if (kind == ORG_PERSON || kind == ORG_DEVICE)
		t->unit = ra_str(o, "unit");
	if (kind == ORG_PERSON)
		t->person = ra_str(o, "id_number");
}

static const char *write_right(int kind)
{
	return kind == ORG_PERSON || kind == ORG_DEVICE ? "person.write" : "org.write";
}

/* Only the object's own fields, as given. */
static json_t *pick(int kind, json_t *in)
{
	json_t *o = json_object();

	for (const char *const *f = org_schema[kind].fields; *f; f++) {
		json_t *v = json_object_get(in, *f);
		if (v)
			json_object_set(o, *f, v);
	}
	return o;
}

static int unknown_field(int kind, json_t *in)
{
	const char *k;
	json_t *v;

	json_object_foreach(in, k, v) {
		const char *const *f;
		for (f = org_schema[kind].fields; *f && strcmp(*f, k); f++)
			;
		if (!*f)
			return err_why(FINCA_EINVAL, k, "org.unknown_field", "not a field of a %s",
				       org_schema[kind].name);
	}
	return FINCA_OK;
}

static int save(struct ca *ca, const struct actor *a, int kind, json_t *o, int insert, const char *action,
		json_t **out)
{
	struct store *st = ca_store(ca);
	char obj[128];
	int64_t id = 0;
	int rc;

	if ((rc = store_begin(st)) != FINCA_OK)
		return rc;
	snprintf(obj, sizeof obj, "%s:%s", org_schema[kind].name, ra_str(o, org_schema[kind].fields[0]));
	if ((rc = store_row_put(st, org_schema[kind].name, o, insert, &id)) != FINCA_OK ||
	    (rc = ca_audit(ca, a->name, action, obj, o)) != FINCA_OK) {
		store_rollback(st);
		if (rc == FINCA_ESTATE && insert)
			err_why(rc, NULL, "org.exists",
					     "%s '%s' exists already", org_schema[kind].name,
				ra_str(o, org_schema[kind].fields[0]));
		return rc;
	}
	if ((rc = store_commit(st)) != FINCA_OK)
		return rc;
	return store_row_get(st, org_schema[kind].name, ra_str(o, org_schema[kind].fields[0]), out);
}

int org_add(struct ca *ca, const struct actor *a, int kind, json_t *in, json_t **out)
{
	json_t *o = pick(kind, in);
	struct target t;
	char act[32];
	int rc;

	*out = NULL;
	if ((rc = unknown_field(kind, in)) || (rc = check(ca, kind, o)))
		goto out;
	target_of(kind, o, &t);
	if ((rc = actor_may(ca, a, write_right(kind), &t)) != FINCA_OK)
		goto out;
	snprintf(act, sizeof act, "%s.add", org_schema[kind].name);
	rc = save(ca, a, kind, o, 1, act, out);
out:
	json_decref(o);
	return rc;
}

int org_edit(struct ca *ca, const struct actor *a, int kind, const char *key,
	     json_t *changes, json_t **out)
{
	struct target before, after;
	json_t *o = NULL, *ch = pick(kind, changes);
	const char *k;
	json_t *v;
	char act[32];
	int rc;

	*out = NULL;
	if ((rc = unknown_field(kind, changes)) != FINCA_OK)
		goto out;
	if (json_object_get(ch, org_schema[kind].fields[0])) {
		rc = err_why(FINCA_EINVAL, org_schema[kind].fields[0], "org.key_fixed",
			     "the key cannot change");
		goto out;
	}
	if ((rc = store_row_get(ca_store(ca), org_schema[kind].name, key, &o)) != FINCA_OK)
		goto out;
	target_of(kind, o, &before);
	if ((rc = actor_may(ca, a, write_right(kind), &before)) != FINCA_OK)
		goto out;
	json_object_foreach(ch, k, v)
		json_object_set(o, k, v);
	if ((rc = check(ca, kind, o)) != FINCA_OK)
		goto out;
	target_of(kind, o, &after);
	if ((rc = actor_may(ca, a, write_right(kind), &after)) != FINCA_OK)
		goto out;
	snprintf(act, sizeof act, "%s.edit", org_schema[kind].name);
	rc = save(ca, a, kind, o, 0, act, out);
out:
	json_decref(o);
	json_decref(ch);
	return rc;
}

/* The actor's view of table: ROW_ALL for the directory (nodes,
 * departments, systems) and for whole-deployment roles. */
/* The actor's view of a kind: the directory (nodes, departments, systems)
 * is everyone's; units, persons and devices follow the actor's scope. */
static void scope_of(const struct actor *a, int kind, struct row_query *q)
{
	q->scope_val = a->scope;
	q->scope = kind == ORG_NODE || kind == ORG_DEPT || kind == ORG_APP ? ROW_ALL
									: actor_row_scope(a);
}

int org_list(struct ca *ca, const struct actor *a, int kind, const struct page *p,
	     json_t **out)
{
	struct row_query q;
	json_t *items = json_array();
	int64_t next = 0;
	int rc;

	*out = NULL;
	memset(&q, 0, sizeof q);
	q.table = org_schema[kind].name;
	q.q = p->q;
	q.after = p->after;
	q.limit = p->limit;
	if (p->filter)
		q.eq[0].col = kind == ORG_PERSON || kind == ORG_DEVICE ? "unit" :
			      kind == ORG_APP ? "dept" : kind == ORG_NODE ? "parent" : "node",
		q.eq[0].val = p->filter;
	if ((rc = actor_may(ca, a, "org.read", NULL)) != FINCA_OK)
		goto fail;
	scope_of(a, kind, &q);
	if ((rc = store_row_list(ca_store(ca), &q, items, &next)) != FINCA_OK)
		goto fail;
	*out = json_pack("{s:o, s:o}", "items", items, "next",
			 next ? json_integer(next) : json_null());
	return FINCA_OK;
fail:
	json_decref(items);
	return rc;
}

int org_show(struct ca *ca, const struct actor *a, int kind, const char *key, json_t **out)
{
	struct row_query q;
	json_t *items = json_array(), *o = NULL;
	int64_t next;
	int rc;

	*out = NULL;
	if ((rc = store_row_get(ca_store(ca), org_schema[kind].name, key, &o)) != FINCA_OK)
		goto out;
	memset(&q, 0, sizeof q);
	q.table = org_schema[kind].name;
	q.eq[0].col = org_schema[kind].fields[0];
	q.eq[0].val = ra_str(o, org_schema[kind].fields[0]);
	scope_of(a, kind, &q);
	if ((rc = store_row_list(ca_store(ca), &q, items, &next)) != FINCA_OK)
		goto out;
	if (json_array_size(items) == 0 || !actor_has(a, "org.read")) {
		struct target t;
		target_of(kind, o, &t);
		/* denied: the rule names why (role or scope) and audits it */
		if ((rc = actor_may(ca, a, "org.read", &t)) == FINCA_OK)
			rc = err_why(FINCA_ENOTFOUND, NULL, "org.none", "no %s '%s' in your scope",
				     org_schema[kind].name, key);
		goto out;
	}
	*out = o;
	o = NULL;
out:
	json_decref(o);
	json_decref(items);
	return rc;
}

int org_making_node(struct ca *ca, const char *unit, char node[16])
{
	return store_unit_maker(ca_store(ca), unit, node);
}

