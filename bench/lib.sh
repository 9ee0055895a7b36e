# Shared by bench/issue and bench/crl (sourced, not run).

# report FORMAT ARGS...: one line of the final report
REPORT=()
report() { local l; printf -v l "$@"; REPORT+=("$l"); }
print_report() {
	printf '\n==== %s ====\n' "$1"
	printf '%s\n' "${REPORT[@]}"
	printf '==== end ====\n'
}

# calc EXPR [DECIMALS]: floating-point arithmetic
calc() { awk "BEGIN { printf \"%.${2:-0}f\", ($1) }"; }

# timed [-k] NAME CMD...: runs CMD in the current directory, its output
# into NAME.log; sets NAME_s (wall seconds) and NAME_cmd (the command,
# quoted).  If CMD fails: shows the log's tail and exits, or with -k
# returns 1.
timed() {
	local keep=0 name t0 t1 q
	[ "$1" = -k ] && { keep=1; shift; }
	name=$1
	shift
	q=$(printf '%q ' "$@")
	printf -v "${name}_cmd" %s "${q% }"
	echo "bench: $name: ${q:0:200}" >&2
	t0=$EPOCHREALTIME
	if ! "$@" >"$name.log" 2>&1; then
		echo "bench: $name failed: ${q:0:200}" >&2
		tail -n 5 "$name.log" >&2
		[ "$keep" = 1 ] && return 1
		exit 1
	fi
	t1=$EPOCHREALTIME
	printf -v "${name}_s" %s "$(calc "$t1 - $t0" 3)"
}

# fill DB N STATUS: inserts N synthetic certificates of the issuing CA into
# a finca store in one transaction: random 127-bit serials shaped like
# finca's (16 octets, first in 0x40..0x7f), 700 random bytes of "DER".
# STATUS 0: valid; 2: revoked (keyCompromise, now); all expire in 10 years.
# Flushed to disk before returning, so that the write-back of a gigabyte
# does not land in the next measurement.  Sets FILL_SQL to the statement.
fill() {
	local db=$1 n=$2 status=$3 now
	now=$(date +%s)
	local reason=NULL revoked=NULL
	if [ "$status" = 2 ]; then reason=1 revoked=$now; fi
	FILL_SQL="WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i<$n),
 s(i,b) AS MATERIALIZED (SELECT i, CAST(CAST(char(64+(random()&63)) AS BLOB)||randomblob(15) AS BLOB) FROM c)
INSERT INTO cert(serial,serial_bin,issuer,profile,subject,key_alg,not_before,not_after,issued_at,status,reason,revoked_at,der)
SELECT hex(b), b, 'issuing', 'device', 'CN=fill-'||i||', O=bench', 'EC P-256',
 $now, $now+3650*86400, $now, $status, $reason, $revoked, randomblob(700) FROM s;"
	sqlite3 "$db" "PRAGMA journal_mode=DELETE; PRAGMA synchronous=OFF;
BEGIN; $FILL_SQL COMMIT; PRAGMA journal_mode=WAL;" >/dev/null
	sync "$db"
}
