# Helpers for end-to-end tests: each check prints "ok - NAME" or
# "not ok - NAME"; tests/run.sh counts them.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FINCA=${FINCA:-$ROOT/build/san/finca}
export FINCA_PASSPHRASE=${FINCA_PASSPHRASE:-test-passphrase}
# Every test works in its own directory under /tmp, never in the caller's
# (a test run from the repository root once left admin.key and serve.log
# there): without $T, stop at once.
T=$(mktemp -d /tmp/finca-e2e.XXXXXX) && cd "$T" ||
	{ echo "not ok - no temporary directory"; exit 1; }
trap on_exit EXIT
DISTID=1234567812345678

# FINCA_TEST_STORE=pg (tests/e2e/pg.sh, with the server of tests/pg.sh in
# $PG_DIR): "finca -d DIR init" makes its CA on a fresh PostgreSQL database
if [ "${FINCA_TEST_STORE:-}" = pg ]; then
	. "$ROOT/tests/pg.sh"
	finca() {
		if [ "${1-}" = -d ] && [ "${3-}" = init ]; then
			"$FINCA" "$@" --store "$(pg_newdb)"
		else
			"$FINCA" "$@"
		fi
	}
else
	finca() { "$FINCA" "$@"; }
fi

# db_sql DIR SQL: SQL on the store of data directory DIR, with the sqlite3
# tool or psql (its [store] url), rows as sqlite3 prints them (a|b)
db_sql() {
	local url
	url=$(sed -n 's/^url *= *//p' "$1/finca.conf" 2>/dev/null)
	if [ -n "$url" ]; then
		psql -qAt -v ON_ERROR_STOP=1 "$url" -c "$2"
	else
		sqlite3 "$1/finca.db" "$2"
	fi
}

# ok NAME CMD...: CMD must succeed
ok() {
	local name=$1; shift
	local out
	if out=$("$@" 2>&1); then
		echo "ok - $name"
	else
		echo "not ok - $name"
		echo "# command: $*"
		echo "$out" | sed 's/^/#   /' | head -20
	fi
}

# fails NAME PATTERN CMD...: CMD must fail and print PATTERN (grep -E)
fails() {
	local name=$1 pat=$2; shift 2
	local out
	if out=$("$@" 2>&1); then
		echo "not ok - $name (succeeded)"
		echo "# command: $*"
	elif grep -qE -- "$pat" <<<"$out"; then
		echo "ok - $name"
	else
		echo "not ok - $name (message lacks /$pat/)"
		echo "# command: $*"
		echo "$out" | sed 's/^/#   /' | head -20
	fi
}

# same NAME A B: two strings are equal
same() {
	if [ "$2" = "$3" ]; then echo "ok - $1"; else
		echo "not ok - $1"; echo "#   got '$2', want '$3'"; fi
}

# has NAME PATTERN TEXT: TEXT matches PATTERN (grep -E)
has() {
	if grep -qE -- "$2" <<<"$3"; then echo "ok - $1"; else
		echo "not ok - $1"; echo "#   /$2/ not in:"; echo "$3" | head -20 | sed 's/^/#   /'; fi
}

serial_of() { openssl x509 -in "$1" -noout -serial | cut -d= -f2; }

# db_save DIR / db_restore DIR: a copy of DIR's store, and back to it
db_save() {
	local url db
	url=$(sed -n 's/^url *= *//p' "$1/finca.conf" 2>/dev/null)
	if [ -z "$url" ]; then cp "$1/finca.db" "$1/saved.db"; return; fi
	db=${url#*@/}; db=${db%%\?*}
	psql -qAt "${url/\/$db?//postgres?}" -c "DROP DATABASE IF EXISTS ${db}_saved" \
		-c "CREATE DATABASE ${db}_saved TEMPLATE $db"
}
db_restore() {
	local url db
	url=$(sed -n 's/^url *= *//p' "$1/finca.conf" 2>/dev/null)
	if [ -z "$url" ]; then cp "$1/saved.db" "$1/finca.db"; return; fi
	db=${url#*@/}; db=${db%%\?*}
	psql -qAt "${url/\/$db?//postgres?}" -c "DROP DATABASE $db" \
		-c "CREATE DATABASE $db TEMPLATE ${db}_saved"
}

# the number of rows in a table, read with the database's own tool
rows() { db_sql "$1" "SELECT count(*) FROM $2"; }

# csr ALG SUBJECT OUT: a key and CSR made by openssl, not by finca
csr() {
	local alg=$1 subj=$2 out=$3
	case $alg in
	sm2) openssl genpkey -algorithm SM2 -out "$out.key" 2>/dev/null
	     openssl req -new -utf8 -key "$out.key" -subj "$subj" \
	       -sigopt distid:$DISTID -out "$out" ;;
	p256) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$out.key"
	      openssl req -new -utf8 -key "$out.key" -subj "$subj" -out "$out" ;;
	rsa*) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:${alg#rsa} -out "$out.key" 2>/dev/null
	      openssl req -new -utf8 -key "$out.key" -subj "$subj" -out "$out" ;;
	esac
}

# A TLS client certificate NAME.crt from the service CA of data directory
# ca, its key decrypted into NAME.key (for curl and the remote station).
mk_tls() { # NAME
	FINCA_KEY_PASSPHRASE=keypass1234 "$FINCA" -d ca cert issue --profile tls-client --genkey \
		--subject "CN=$1" --out $1.crt >/dev/null 2>&1 &&
	openssl pkey -in $1.crt.key -passin pass:keypass1234 -out $1.key
}

# rid DIGITS17 / uscc CHARS17: a resident ID number (GB 11643) or a unified
# social credit code (GB 32100) with its check character, computed here
# independently of finca
rid() { # 17 DIGITS
	local b=$1 w=(7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2) s=0 i c=10X98765432
	for i in {0..16}; do s=$((s + ${b:i:1} * w[i])); done
	echo "$b${c:s%11:1}"
}
uscc() { # 17 CHARACTERS
	local a=0123456789ABCDEFGHJKLMNPQRTUWXY b=$1 s=0 i p
	local w=(1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28)
	for i in {0..16}; do p=${a%%"${b:i:1}"*}; s=$((s + ${#p} * w[i])); done
	echo "$b${a:(31 - s % 31) % 31:1}"
}

# softhsm: SoftHSM2 with its own token directory under $T (M: the module)
M=/usr/lib/softhsm/libsofthsm2.so
softhsm() {
	mkdir -p "$T/tokens"
	printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' \
		"$T" >"$T/softhsm2.conf"
	export SOFTHSM2_CONF=$T/softhsm2.conf
}

# --- the daemon -----------------------------------------------------------
# serve_ports [N]: pick N free consecutive loopback ports (2 by default),
# the first in $port, the second in $tport, and set $base (HTTP) and $api
# (HTTPS API).  A port is taken when something answers a connect on it;
# another test running at the same time may still take it before finca
# serve does, which serve_start handles when it picked the ports itself.
serve_ports() {
	local n=${1:-2} i try
	for try in 1 2 3 4 5 6 7 8 9 10; do
		port=$((20000 + RANDOM % 20000))
		for ((i = 0; i < n; i++)); do
			(: <>/dev/tcp/127.0.0.1/$((port + i))) 2>/dev/null && continue 2
		done
		break
	done
	tport=$((port + 1))
	base=http://127.0.0.1:$port; api=https://127.0.0.1:$tport/api/v1
}

# serve_start [--no-tls] DIR [ARG...]: finca -d DIR serve on 127.0.0.1:$port
# (HTTP) and :$tport (HTTPS, unless --no-tls), with ARGs; its stderr
# appended to $SERVE_LOG ($T/serve.log unless set), its process id in $pid.
# Returns once /healthz answers on both listeners (the HTTPS one starts
# after the HTTP one), waiting at most 20 s; returns 1, with the log's end,
# if it never does.  When $port is unset it picks the ports itself and
# tries new ones if the daemon exits at start (a port taken meanwhile);
# ports chosen before (serve_ports, e.g. for init --url $base) are kept.
SERVE_LOG=${SERVE_LOG:-$T/serve.log}
pid=
serve_start() {
	local tls=1 try tries=1 i
	[ "${1-}" = --no-tls ] && { tls=; shift; }
	SERVE_DIR=$1; shift
	SERVE_ARGS=("$@") SERVE_TLS=$tls
	[ -n "${port:-}" ] || { serve_ports; tries=5; }
	for ((try = 1; try <= tries; try++)); do
		[ $try = 1 ] || serve_ports
		"$FINCA" -d "$SERVE_DIR" serve --listen 127.0.0.1:$port \
			--tls-listen "${tls:+127.0.0.1:$tport}" "$@" 2>>"$SERVE_LOG" &
		pid=$!
		for ((i = 0; i < 200; i++)); do
			kill -0 $pid 2>/dev/null || break
			curl -sf -m 2 $base/healthz >/dev/null &&
				{ [ -z "$tls" ] || curl -sfk -m 2 https://127.0.0.1:$tport/healthz >/dev/null; } &&
				return 0
			sleep 0.1
		done
		kill -0 $pid 2>/dev/null && break
		wait $pid 2>/dev/null; pid=
	done
	echo "# finca serve on $port/$tport did not answer /healthz; its log ends:"
	tail -20 "$SERVE_LOG" | sed 's/^/#   /'
	return 1
}

# serve_stop: SIGTERM to the daemon and wait (at most 30 s, then SIGKILL);
# returns its exit status, which the sanitizer build makes non-zero on a
# leak or an error.
serve_stop() {
	local i rc
	[ -n "$pid" ] || return 0
	kill -TERM $pid 2>/dev/null
	for ((i = 0; i < 300; i++)); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
	if kill -0 $pid 2>/dev/null; then
		echo "# finca serve did not stop within 30 s after SIGTERM; killed"
		kill -KILL $pid 2>/dev/null
	fi
	wait $pid; rc=$?
	pid=
	return $rc
}

# serve_restart: serve_stop, then serve_start again with the same directory,
# ports and arguments
serve_restart() {
	serve_stop
	if [ -n "$SERVE_TLS" ]; then serve_start "$SERVE_DIR" "${SERVE_ARGS[@]}"
	else serve_start --no-tls "$SERVE_DIR" "${SERVE_ARGS[@]}"; fi
}

# at_exit CMD: eval CMD when the test exits (before the daemon is stopped
# and $T removed), e.g. to stop a helper process or keep a log
EXIT_CMDS=()
at_exit() { EXIT_CMDS+=("$1"); }
on_exit() {
	local c
	for c in "${EXIT_CMDS[@]}"; do eval "$c"; done
	serve_stop >/dev/null 2>&1
	rm -rf "$T"
}
