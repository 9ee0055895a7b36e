/* The organisation schema (org_schema.h): one row per kind. */
#include "util/org_schema.h"

#include <string.h>

const struct org_schema org_schema[ORG_KINDS] = {
	[ORG_NODE] = { "node", "nodes", "name,code",
		       { "code", "name", "level", "parent", "served_by", "email", "webhook",
			 "making_unit" } },
	[ORG_DEPT] = { "dept", "depts", "name,code", { "code", "name", "node" } },
	[ORG_APP] = { "app", "apps", "name,code", { "code", "name", "dept", "account" } },
	[ORG_UNIT] = { "unit", "units", "name,code",
		       { "code", "name", "type", "node", "officer", "phone", "email",
			 "webhook" } },
	[ORG_PERSON] = { "person", "persons", "name,id_number",
			 { "id_number", "name", "unit", "phone", "email" } },
	[ORG_DEVICE] = { "device", "devices", "name,code", { "code", "name", "unit" } },
};

int org_schema_kind(const char *name)
{
	for (int k = 0; k < ORG_KINDS; k++)
		if (!strcmp(name, org_schema[k].name) || !strcmp(name, org_schema[k].plural))
			return k;
	return -1;
}
