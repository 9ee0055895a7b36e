/* The organisation schema, declared once: the kinds of organisation the
 * registration authority keeps (regulation chapter 2, DESIGN.md) and the
 * fields of each.  ra/org.c checks objects against it and the store makes
 * its tables' statements from it, so a field is added here and nowhere
 * else (the store's CREATE TABLE migrations aside: a migration is history,
 * written once).  It sits in util/ because it is below both ra/ and
 * store/ and knows neither. */
#ifndef FINCA_UTIL_ORG_SCHEMA_H
#define FINCA_UTIL_ORG_SCHEMA_H

/* node: a making node (art. 6: province, cities, counties, a county
 * possibly served by its city, 代管); dept: an approving department; app:
 * one of its application systems; unit: an applying unit; person and
 * device: the holders of certificates in a unit. */
enum org_kind { ORG_NODE, ORG_DEPT, ORG_APP, ORG_UNIT, ORG_PERSON, ORG_DEVICE,
		ORG_KINDS };

#define ORG_MAX_FIELDS 8

struct org_schema {
	const char *name;     /* "node": the store's table, the audit's object */
	const char *plural;   /* "nodes": the API's path */
	const char *search;   /* the two columns a text search looks in */
	/* The fields, key first (code, or id_number for a person), NULL-
	 * terminated: the table's columns but id and created_at, which the
	 * store adds. */
	const char *fields[ORG_MAX_FIELDS + 1];
};

/* Indexed by enum org_kind. */
extern const struct org_schema org_schema[ORG_KINDS];

/* The kind whose name or plural is name; -1 when none. */
int org_schema_kind(const char *name);

#endif
