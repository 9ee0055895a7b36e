#!/bin/bash
# The store on PostgreSQL: a private server (tests/pg.sh), then end-to-end
# tests written for SQLite run again with FINCA_TEST_STORE=pg, each CA on
# a fresh database (lib.sh's finca init), their own SQL through db_sql.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/pg.sh"
at_exit pg_stop
if ! pg_start; then
	echo "not ok - a private PostgreSQL server starts"
	exit 0
fi
echo "ok - a private PostgreSQL server starts"

for t in ${PG_TESTS:-api ra audit}; do
	out=$(FINCA_TEST_STORE=pg PG_DIR=$PG_DIR FINCA=$FINCA bash "$ROOT/tests/e2e/$t.sh" 2>&1)
	grep -E '^(not )?ok' <<<"$out" | sed "s/^\(not ok\|ok\) - /\1 - pg $t: /"
	grep -qE '^(not )?ok' <<<"$out" || { echo "not ok - pg $t: no result"; echo "$out" | tail -5 | sed 's/^/#   /'; }
	grep -A8 '^not ok' <<<"$out" | grep '^#' | head -40
done
