# Helpers for end-to-end tests: each check prints "ok - NAME" or
# "not ok - NAME"; tests/run.sh counts them.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FINCA=${FINCA:-$ROOT/build/san/finca}
export FINCA_PASSPHRASE=${FINCA_PASSPHRASE:-test-passphrase}
T=$(mktemp -d /tmp/finca-e2e.XXXXXX)
trap 'rm -rf "$T"' EXIT
cd "$T"
DISTID=1234567812345678

finca() { "$FINCA" "$@"; }

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

# the number of rows in a table, read with the sqlite3 tool
rows() { sqlite3 "$1/finca.db" "SELECT count(*) FROM $2"; }

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
