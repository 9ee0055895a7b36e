/* Private to src/store/: the database handle (db.h) and its statement
 * cache. */
#ifndef FINCA_STORE_INT_H
#define FINCA_STORE_INT_H

#include "store/db.h"

#include <jansson.h>

/* The province's node: what belongs to no unit (account certificates,
 * holders of no registered unit, a token of no node) is the province's to
 * make and to keep.  STORE_OR_PROVINCE(node): node (an SQL expression), or
 * the province's when it is NULL. */
#define STORE_PROVINCE "(SELECT code FROM node WHERE level='province' ORDER BY id LIMIT 1)"
#define STORE_OR_PROVINCE(node) "coalesce(" node "," STORE_PROVINCE ")"
/* The node that makes the certificates of a unit (SQL expressions here):
 * the view unit_maker (art. 6, 代管; migration 9), else the province's.
 *   STORE_MAKER(unit)        that node
 *   STORE_UNIT_MAKER(unit)   the view's alone (NULL: an unregistered unit)
 *   STORE_NODE_UNITS(node)   the units node makes for, as a set
 *   STORE_MADE_BY(unit, node) STORE_MAKER(unit)=node as a condition, the
 *       node's units read once (a node's list and counts: bench/list);
 *       kept equal to STORE_MAKER by tests/unit/test_maker.c */
#define STORE_UNIT_MAKER(unit) "(SELECT node FROM unit_maker WHERE unit=" unit ")"
#define STORE_MAKER(unit) STORE_OR_PROVINCE(STORE_UNIT_MAKER(unit))
#define STORE_NODE_UNITS(node) "(SELECT unit FROM unit_maker WHERE node=" node ")"
#define STORE_MADE_BY(unit, node) "(" unit " IN " STORE_NODE_UNITS(node) " OR (" node "=" \
	STORE_PROVINCE " AND NOT EXISTS(SELECT 1 FROM unit_maker WHERE unit=" unit ")))"

/* meta key: the lowest CRL number still to be given (store_backup.c) */
#define STORE_META_CRL_FLOOR "crl_floor"

/* The notification channel of status changes (store_status_listen). */
#define STATUS_CHANNEL "finca_status"

struct store {
	struct db *db;   /* owned */
	struct {
		const char *sql; /* static string: its address is the key */
		struct db_stmt *s;
	} stmts[160];
	size_t nstmts;
	int depth;       /* open transactions: 1 BEGIN, then savepoints */
	int readonly;    /* store_open_readonly */
};

/* A prepared statement for sql (a static string), reset and unbound;
 * the cache's (NULL: the error is set). */
struct db_stmt *store_stmt(struct store *st, const char *sql);
/* The same for tmpl, a static string with one "%s" where the driver's
 * fragment f goes (SQL that differs between engines); tmpl is the key. */
struct db_stmt *store_stmt_frag(struct store *st, const char *tmpl, enum db_frag f);
/* Records "database: what: driver's message" and returns FINCA_ESTORE. */
int store_err(struct store *st, const char *what);
/* Runs a statement that returns no rows and resets it. */
int store_step_done(struct store *st, struct db_stmt *s, const char *what);
/* Binds v at i, or NULL when v is "". */
void store_bind_opt(struct db_stmt *s, int i, const char *v);
/* The current row as an object {column: integer, text or null}, a
 * column "data" parsed as JSON (caller's). */
json_t *store_row_json(struct db_stmt *s);
/* Copies text column i into dst (n bytes; "" for NULL). */
void store_col_text(struct db_stmt *s, int i, char *dst, size_t n);

#endif
