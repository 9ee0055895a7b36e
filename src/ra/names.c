/* Names beside codes: a unit, an application system, a department, a node
 * or an account (by its person's name, 姓名) appears in the API's answers
 * by its code (what the rules use) and, beside it, by its name (what
 * people read).  One table says which member names what; ra_names adds
 * "<member>_name" to every object of a JSON answer that has such a
 * member. */
#include "ra/ra.h"
#include "util/err.h"
#include "util/util.h"

#include <string.h>

/* member (a code) → the table of its row and the member named; the name's
 * member is member_name, or as given. */
static const struct named {
	const char *member, *table, *as;
} named[] = {
	{ "unit", "unit", NULL },
	{ "unit_code", "unit", "unit_name" },
	{ "new_unit", "unit", NULL },
	{ "app", "app", NULL },
	{ "dept", "dept", NULL },
	{ "node", "node", NULL },
	{ "parent", "node", NULL },
	{ "served_by", "node", NULL },
	{ "maker", "node", NULL },
	/* accounts by their person's name (姓名): who submitted, approved,
	 * produced; a unit's information officer */
	{ "submitter", "account", NULL },
	{ "approver", "account", NULL },
	{ "operator", "account", NULL },
	{ "officer", "account", NULL },
};

int ra_account_person(struct ca *ca, const char *account, char *out, size_t n)
{
	struct account_rec a;
	int rc;

	memset(&a, 0, sizeof a);
	out[0] = '\0';
	if ((rc = store_account_by_name(ca_store(ca), account, &a)) == FINCA_OK)
		snprintf(out, n, "%s", *a.person ? a.person : a.name);
	account_rec_clear(&a);
	return rc;
}

/* the person's name of account code, into row's "name"; NULL when the
 * account has none */
static json_t *account_row(struct ca *ca, const char *code)
{
	char person[sizeof ((struct account_rec *)0)->person];

	if (ra_account_person(ca, code, person, sizeof person) != FINCA_OK) {
		err_clear();
		return NULL;
	}
	if (!strcmp(person, code))
		return NULL;
	return json_pack("{s:s}", "name", person);
}

/* The names looked up in one answer, "table\ncode" → name (or null when
 * there is none), so that a list of 1000 rows of one unit reads it once. */
static const char *lookup(struct ca *ca, json_t *seen, const char *table, const char *code)
{
	char key[160];
	json_t *v, *row = NULL;

	snprintf(key, sizeof key, "%s\n%s", table, code);
	if ((v = json_object_get(seen, key)))
		return json_string_value(v);
	if (!strcmp(table, "account"))
		row = account_row(ca, code);
	else if (store_row_get(ca_store(ca), table, code, &row) != FINCA_OK)
		err_clear();
	v = ra_str(row, "name") ? json_string(ra_str(row, "name")) : json_null();
	json_object_set_new(seen, key, v);
	json_decref(row);
	return json_string_value(v);
}

static void walk(struct ca *ca, json_t *seen, json_t *j, int depth)
{
	const char *k;
	json_t *v;
	size_t i;

	if (depth > 4)
		return;
	if (json_is_array(j)) {
		json_array_foreach(j, i, v)
			walk(ca, seen, v, depth + 1);
		return;
	}
	if (!json_is_object(j))
		return;
	for (i = 0; i < ARRAY_LEN(named); i++) {
		const char *code = ra_str(j, named[i].member), *name;
		char as[48];
		if (!code || !*code)
			continue;
		snprintf(as, sizeof as, "%s_name", named[i].member);
		if (json_object_get(j, named[i].as ? named[i].as : as))
			continue;
		if ((name = lookup(ca, seen, named[i].table, code)))
			json_object_set_new(j, named[i].as ? named[i].as : as, json_string(name));
	}
	json_object_foreach(j, k, v)
		if (json_is_array(v) || json_is_object(v))
			walk(ca, seen, v, depth + 1);
}

void ra_names(struct ca *ca, json_t *j)
{
	json_t *seen = json_object();

	walk(ca, seen, j, 0);
	json_decref(seen);
}
