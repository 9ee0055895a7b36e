#!/usr/bin/env bash
# The store's seam (src/store/db.h): SQLite is one driver among the ones to
# come (PostgreSQL), so its API is named in src/store/db_sqlite.c alone;
# every other file under src/ reaches the database through db.h.
. "$(dirname "$0")/../lib.sh"

# sqlite3.h, sqlite3_* calls, SQLITE_* codes, "sqlite3 *" handles
others=$(cd "$ROOT" && grep -rliE 'sqlite3|SQLITE_' src | grep -vx 'src/store/db_sqlite.c')
if [ -z "$others" ]; then
	echo "ok - only src/store/db_sqlite.c names SQLite's API"
else
	echo "not ok - SQLite's API named outside src/store/db_sqlite.c"
	echo "$others" | sed 's/^/#   /'
fi
has_driver() { grep -q '#include <sqlite3.h>' "$ROOT/src/store/db_sqlite.c"; }
ok "src/store/db_sqlite.c is the SQLite driver" has_driver
