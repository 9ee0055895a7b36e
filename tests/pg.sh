# A private PostgreSQL server for the tests (sourced): Debian's
# PostgreSQL 15 binaries, a cluster in a temporary directory, a unix socket
# in a private directory and no TCP, fsync off; started and stopped by the
# test that sources this, never a system service (PG_FSYNC=on: durable
# commits, for bench/pg).  initdb and postgres
# refuse to run as root: under root they run as nobody.
#
#   pg_start        starts it; $PG_URL is a URL without a database name
#                   part ("postgresql://finca@/DB?host=SOCKDIR": put a name
#                   with pg_url)
#   pg_newdb        a fresh database; prints its URL
#   pg_standby_start
#                   a streaming hot standby of it (pg_basebackup -R into
#                   $PG_DIR/standby, its socket in $PG_DIR/ssock):
#                   pg_standby_url DB names a database on it; pg_replayed
#                   waits until it has replayed what the primary wrote
#   pg_primary_stop stops the primary only (the standby goes on)
#   pg_stop         stops both and removes the directory
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_DIR=${PG_DIR:-} PG_PID= PG_SPID=

PG_AS=()
[ "$(id -u)" = 0 ] && PG_AS=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
pg_as() { "${PG_AS[@]}" "$@"; } # CMD...: as the server's user

pg_url() { echo "postgresql://finca@/$1?host=$PG_DIR/sock"; }
pg_standby_url() { echo "postgresql://finca@/$1?host=$PG_DIR/ssock"; }

pg_start() {
	local i
	[ -x "$PG_BIN/initdb" ] || { echo "# no PostgreSQL in $PG_BIN"; return 1; }
	PG_DIR=$(mktemp -d /tmp/finca-pg.XXXXXX) || return 1
	mkdir "$PG_DIR/data" "$PG_DIR/sock"
	chmod 755 "$PG_DIR"
	[ "$(id -u)" = 0 ] && chown -R nobody:nogroup "$PG_DIR"
	(cd "$PG_DIR" && pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -U finca \
		--auth=trust -E UTF8 --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1) ||
		{ echo "# initdb failed:"; sed 's/^/#   /' "$PG_DIR/initdb.log"; return 1; }
	(cd "$PG_DIR" && exec "${PG_AS[@]}" "$PG_BIN/postgres" -D "$PG_DIR/data" -k "$PG_DIR/sock" \
		-c listen_addresses= -c fsync=${PG_FSYNC:-off} -c full_page_writes=${PG_FSYNC:-off} \
		-c max_connections=200 -c wal_level=replica -c max_wal_senders=4 \
		>"$PG_DIR/server.log" 2>&1) &
	PG_PID=$!
	for ((i = 0; i < 100; i++)); do
		"$PG_BIN/pg_isready" -q -h "$PG_DIR/sock" && break
		sleep 0.1
	done
	"$PG_BIN/pg_isready" -q -h "$PG_DIR/sock" ||
		{ echo "# postgres did not start:"; tail "$PG_DIR/server.log" | sed 's/^/#   /'; return 1; }
	# what the tests' own SQL needs of SQLite (hex, randomblob), for
	# every database made from now on
	psql -qAt "$(pg_url template1)" -v ON_ERROR_STOP=1 >/dev/null <<'SQL' || return 1
CREATE FUNCTION hex(bytea) RETURNS text LANGUAGE sql IMMUTABLE
 AS 'SELECT upper(encode($1, ''hex''))';
CREATE FUNCTION randomblob(integer) RETURNS bytea LANGUAGE sql
 AS 'SELECT decode(string_agg(lpad(to_hex((random()*255)::int), 2, ''0''), ''''), ''hex'') FROM generate_series(1, $1)';
SQL
	export PG_DIR
}

pg_newdb() {
	local name=t$$_$RANDOM$RANDOM
	psql -qAt "$(pg_url postgres)" -c "CREATE DATABASE $name" >/dev/null || return 1
	pg_url $name
}

# The standby: a base backup of the primary over the replication
# protocol (initdb's pg_hba.conf lets local replication in with trust),
# -R writing standby.signal and primary_conninfo; then a server on it,
# read-only (hot_standby), streaming from the primary.
pg_standby_start() {
	local i
	mkdir -p "$PG_DIR/ssock"
	[ "$(id -u)" = 0 ] && chown nobody:nogroup "$PG_DIR/ssock"
	(cd "$PG_DIR" && pg_as "$PG_BIN/pg_basebackup" -h "$PG_DIR/sock" -U finca \
		-D "$PG_DIR/standby" -R -X stream -c fast >"$PG_DIR/basebackup.log" 2>&1) ||
		{ echo "# pg_basebackup failed:"; sed 's/^/#   /' "$PG_DIR/basebackup.log"; return 1; }
	(cd "$PG_DIR" && exec "${PG_AS[@]}" "$PG_BIN/postgres" -D "$PG_DIR/standby" \
		-k "$PG_DIR/ssock" -c listen_addresses= -c hot_standby=on -c fsync=off \
		-c max_connections=200 >"$PG_DIR/standby.log" 2>&1) &
	PG_SPID=$!
	for ((i = 0; i < 100; i++)); do
		"$PG_BIN/pg_isready" -q -h "$PG_DIR/ssock" && break
		sleep 0.1
	done
	"$PG_BIN/pg_isready" -q -h "$PG_DIR/ssock" ||
		{ echo "# the standby did not start:"; tail "$PG_DIR/standby.log" | sed 's/^/#   /'; return 1; }
}

# pg_replayed [SECONDS]: waits (10 s by default) until the standby has
# replayed the primary's WAL as of now
pg_replayed() {
	local lsn i
	lsn=$(psql -qAt "$(pg_url postgres)" -c "SELECT pg_current_wal_lsn()") || return 1
	for ((i = 0; i < ${1:-10} * 10; i++)); do
		[ "$(psql -qAt "$(pg_standby_url postgres)" \
			-c "SELECT pg_last_wal_replay_lsn() >= '$lsn'::pg_lsn")" = t ] && return 0
		sleep 0.1
	done
	return 1
}

pg_primary_stop() {
	[ -n "$PG_PID" ] || return 0
	kill -INT "$PG_PID" 2>/dev/null   # fast shutdown
	wait "$PG_PID" 2>/dev/null
	PG_PID= PG_STOPPED=1
}

pg_stop() {
	if [ -n "$PG_SPID" ]; then
		kill -INT "$PG_SPID" 2>/dev/null
		wait "$PG_SPID" 2>/dev/null
		PG_SPID=
	fi
	# only what this shell started (PG_PID unset: not ours, or stopped
	# by pg_primary_stop, which sets PG_STOPPED)
	[ -n "$PG_PID" ] || [ -n "${PG_STOPPED:-}" ] || return 0
	pg_primary_stop
	PG_STOPPED=
	rm -rf "$PG_DIR"
}
