#!/usr/bin/env bash
# Several finca nodes on one PostgreSQL (issue 17): a private primary and a
# streaming hot standby (tests/pg.sh); nodes A and B serve the API on the
# primary, each from its own copy of the data directory; R is an OCSP
# replica (finca serve --ocsp-only) on the standby.  A session made on A
# works on B; a batch goes through both at once while A is killed -9; no
# serial twice, none answered and lost, the audit chain verifies; a freeze
# on B shows in A's OCSP at once and in R's once replayed; R keeps
# answering with the primary down.  Checked with psql, openssl and curl.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/pg.sh"
at_exit 'for p in ${NODE_PIDS[@]:-}; do kill -KILL $p 2>/dev/null; done; pg_stop'
declare -A NODE_PIDS PORT
if ! pg_start || ! pg_standby_start; then
	echo "not ok - a private PostgreSQL primary and its standby start"
	exit 0
fi
echo "ok - a private PostgreSQL primary and its streaming standby start"
same "the standby is in recovery (read-only)" \
	"$(psql -qAt "$(pg_standby_url postgres)" -c 'SELECT pg_is_in_recovery()')" t

# mk_tls_in DIR NAME: a TLS client certificate NAME.crt of DIR's service
# CA, its key decrypted into NAME.key
mk_tls_in() {
	FINCA_KEY_PASSPHRASE=keypass1234 "$FINCA" -d $1 cert issue --profile tls-client --genkey \
		--subject "CN=$2" --out $2.crt >/dev/null 2>&1 &&
	openssl pkey -in $2.crt.key -passin pass:keypass1234 -out $2.key
}

# ports: A and B two each (HTTP, HTTPS), R one
serve_ports 5
PORT[a]=$port PORT[b]=$((port + 2)) PORT[r]=$((port + 4))
url=$(pg_newdb)
db=${url#*@/}; db=${db%%\?*}
out=$("$FINCA" -d a init --algo p256 --url http://127.0.0.1:${PORT[a]} --store "$url" 2>&1)
has "init on PostgreSQL" "administrator account: admin" "$out"
adminpw=$(sed -n 's/^  password *\([^ ]*\) .*/\1/p' <<<"$out")
ok "TLS certificate of an operator" mk_tls_in a op1
ok "the province's node" env FINCA_ACCOUNT_PASSWORD=$adminpw "$FINCA" -d a --as admin node add --code 350000 --name 福建省 --level province
UP=$(uscc 11350000MB0000001)
ok "a unit of the province" env FINCA_ACCOUNT_PASSWORD=$adminpw "$FINCA" -d a --as admin unit add \
	--code $UP --name 福建省财政厅 --type 行政机关 --node 350000
ok "a holder registered" env FINCA_ACCOUNT_PASSWORD=$adminpw "$FINCA" -d a --as admin person add \
	--id-number 35010419700101001X --name 赵六 --unit $UP
ok "operator account" env FINCA_ACCOUNT_PASSWORD=operator-pass-1 "$FINCA" -d a \
	account add op1 --role operator --scope 350000 --cert op1.crt

# node B: a copy of A's data directory, the same finca.conf (the same
# [store] url); R: a copy whose url names the standby
cp -a a b
cp -a a r
sed -i "s|^url *=.*|url = $(pg_standby_url $db)|" r/finca.conf
ok "the standby has replayed the set-up" pg_replayed

# node NAME [ARGS]: finca serve of directory NAME on its ports
# (called as "started NAME node NAME ...", never inside $(...): the
# command substitution would wait for the daemon)
node() {
	local n=$1 i; shift
	"$FINCA" -d $n serve --listen 127.0.0.1:${PORT[$n]} "$@" >/dev/null 2>>"$T/$n.log" &
	NODE_PIDS[$n]=$!
	for ((i = 0; i < 200; i++)); do
		kill -0 ${NODE_PIDS[$n]} 2>/dev/null || break
		curl -sf -m 2 http://127.0.0.1:${PORT[$n]}/healthz >/dev/null && return 0
		sleep 0.1
	done
	echo "# node $n did not start:"; tail "$T/$n.log" | sed 's/^/#   /'
	return 1
}
started() { # NAME CMD...: ok for a command that must run in this shell
	local name=$1; shift
	if "$@"; then echo "ok - $name"; else echo "not ok - $name"; fi
}
node_stop() { # NAME: SIGTERM, its exit status (the sanitizers')
	local p=${NODE_PIDS[$1]}
	kill -TERM $p 2>/dev/null
	wait $p
	local rc=$?
	unset "NODE_PIDS[$1]"
	return $rc
}
tls() { echo 127.0.0.1:$((PORT[$1] + 1)); }
started "node A serves" node a --tls-listen $(tls a)
started "node B serves" node b --tls-listen $(tls b)
audit_before=$(psql -qAt "$url" -c "SELECT count(*) FROM audit")
fails "finca serve (writing) refuses the standby" "read-only standby" \
	"$FINCA" -d r serve --listen 127.0.0.1:${PORT[r]}
started "replica R serves (--ocsp-only, on the standby)" node r --ocsp-only
same "R wrote nothing: the audit trail as before" \
	"$(psql -qAt "$url" -c "SELECT count(*) FROM audit")" "$audit_before"

C="curl -s --cacert a/ca/service.crt --cert op1.crt --key op1.key"
api() { echo https://$(tls $1)/api/v1; }

# a session is a row of the store: made on A, good on B
tok=$($C -X POST -d '{"password":"operator-pass-1"}' $(api a)/login | jq -r .token)
same "login on A gives a token" "${#tok}" 43
has "A's token works on B" '"role":"operator"' \
	"$($C -H "Authorization: Bearer $tok" $(api b)/whoami)"
same "R: the API answers 503" \
	"$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:${PORT[r]}/api/v1/certs)" 503
has "R: the reason is named" '"reason":"api.ocsp_only"' \
	"$(curl -s http://127.0.0.1:${PORT[r]}/api/v1/certs)"

# the batch: 30 through each node at once, A killed -9 within its half
N=${NODES_BATCH:-30}
for i in $(seq 1 $((2 * N))); do csr p256 "/C=CN/O=福建省财政厅/CN=赵六" c$i.csr; done
batch() { # NODE FIRST: N issues, one line per answer: "HTTP serial"
	local n=$1 first=$2 i body
	for ((i = first; i < first + N; i++)); do
		body=$(jq -n --arg csr "$(cat c$i.csr)" '{profile:"personal", csr:$csr, id_number:"35010419700101001X"}')
		$C -m 20 -H "Authorization: Bearer $tok" -X POST -d "$body" \
			-w '\n%{http_code}\n' $(api $n)/certs 2>/dev/null | tee -a $n.raw |
			jq -Rrs 'split("\n") as $l | "\($l[-2]) \(($l[0] | fromjson? | .serial) // "-")"'
	done >$n.out
}
batch a 1 &
ba=$!
batch b $((N + 1)) &
bb=$!
for ((i = 0; i < 300; i++)); do
	[ "$(grep -c '^201' a.out 2>/dev/null)" -ge $((N / 3)) ] && break
	sleep 0.1
done
kill -KILL ${NODE_PIDS[a]}
wait ${NODE_PIDS[a]} 2>/dev/null
unset "NODE_PIDS[a]"
wait $ba $bb
a201=$(grep -c '^201' a.out)
b201=$(grep -c '^201' b.out)
grep -q '^201' b.out || { echo "# B's first answer:"; head -c 600 b.raw | sed 's/^/#   /'; }
echo "# A answered 201 for $a201 of $N before kill -9, B for $b201 of $N"
[ "$a201" -ge 1 ] && [ "$a201" -lt $N ] && echo "ok - A was killed in the middle of its half ($a201/$N)" ||
	echo "not ok - A was killed in the middle of its half ($a201/$N)"
same "B finished its whole half" "$b201" $N
same "no serial twice in the store" \
	"$(psql -qAt "$url" -c "SELECT count(*) - count(DISTINCT serial) FROM cert")" 0
answered=$(grep -h '^201' a.out b.out | awk '{print $2}' | sort -u)
same "every serial answered is distinct" "$(wc -l <<<"$answered")" $((a201 + b201))
list=$(sed "s/.*/'&'/" <<<"$answered" | paste -sd,)
same "every serial answered 201 is in the store (none lost)" \
	"$(psql -qAt "$url" -c "SELECT count(*) FROM cert WHERE serial IN ($list)")" $((a201 + b201))
echo "# personal certificates in the store: $(psql -qAt "$url" -c "SELECT count(*) FROM cert WHERE profile='personal'") (answered: $((a201 + b201)))"
ok "the audit chain verifies (finca audit verify)" "$FINCA" -d b audit verify
same "audit seq has no gap" \
	"$(psql -qAt "$url" -c "SELECT max(seq) - min(seq) + 1 - count(*) FROM audit")" 0

# A again, on the same store: a freeze on B shows in A's OCSP at once
started "node A serves again" node a --tls-listen $(tls a)
s1=$(awk '/^201/ {print $2; exit}' b.out)
ocsp() { # NODE SERIAL [args]: openssl ocsp's answer from NODE
	local n=$1 s=${2:-0}; shift 2 || shift $#
	openssl ocsp -issuer a/ca/issuing.crt -serial 0x$s -url http://127.0.0.1:${PORT[$n]}/ocsp \
		-CAfile a/ca/root.crt -verify_other a/ca/issuing.crt "$@" 2>&1
}
push() { curl -s http://127.0.0.1:${PORT[$1]}/metrics | sed -n 's/^finca_ocsp_status_push //p'; }
same "A hears status changes pushed (LISTEN)" "$(push a)" 1
same "B too" "$(push b)" 1
same "R cannot listen on a standby: it looks at the store per answer" "$(push r)" 0
has "A: good before the freeze (cached: no nonce)" "0x$s1: good" "$(ocsp a $s1 -no_nonce)"
has "R: good before the freeze" "0x$s1: good" "$(ocsp r $s1 -no_nonce)"
same "freeze on B" "$($C -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tok" \
	-X POST $(api b)/certs/$s1/freeze)" 200
out=$(ocsp a $s1 -no_nonce)
has "A: certificateHold at once (its cache dropped by B's pushed change)" \
	"Reason: certificateHold" "$out"
has "A's answer verifies (delegated signer)" "Response verify OK" "$out"
t0=$(date +%s%N)
for ((i = 0; i < 50; i++)); do
	out=$(ocsp r $s1 -no_nonce)
	grep -q certificateHold <<<"$out" && break
	sleep 0.1
done
echo "# R showed the hold after $(((($(date +%s%N) - t0) / 1000000))) ms"
has "R: certificateHold once the standby replays" "Reason: certificateHold" "$out"
has "R's answer verifies (signed by the issuing CA)" "Response verify OK" "$out"

# R's answers match the primary's for a sample (a revoked one too)
s2=$(awk '/^201/ {print $2}' b.out | sed -n 2p)
ok "revoke one on A (CLI)" "$FINCA" -d a cert revoke $s2 --reason keyCompromise
ok "replayed" pg_replayed
sample="$s1 $s2 $(grep -h '^201' a.out b.out | awk '{print $2}' | shuf -n 6 --random-source=/dev/zero | paste -sd' ') 0DEADBEEF"
diff=0
for s in $sample; do
	x=$(ocsp a $s | grep -E "^0x$s:|Reason:")
	y=$(ocsp r $s | grep -E "^0x$s:|Reason:")
	[ -n "$x" ] && [ "$x" = "$y" ] || { diff=1; echo "#   $s: A '$x', R '$y'"; }
done
same "R's answers match A's for $(wc -w <<<"$sample") serials (good, held, revoked, unknown)" $diff 0

# CRLs: made on A, published in the store, served by R
curl -sf http://127.0.0.1:${PORT[a]}/crl/issuing.crl -o a.crl
has "A's CRL lists the held serial" "$s1" "$(openssl crl -inform DER -in a.crl -noout -text)"
ok "replayed" pg_replayed
curl -sf http://127.0.0.1:${PORT[r]}/crl/issuing.crl -o r.crl
same "R serves the same CRL, byte for byte" "$(sha256sum <r.crl)" "$(sha256sum <a.crl)"
ok "R's CRL verifies against the issuing CA (openssl)" \
	openssl crl -inform DER -in r.crl -CAfile a/ca/issuing.crt -noout

# a schema this finca does not know: a replica refuses to start, naming it
psql -qAt "$url" -c "UPDATE finca_schema SET version = version + 1" >/dev/null
ok "replayed" pg_replayed
fails "a replica on a newer schema refuses, naming both versions" "schema version [0-9]+, this finca's [0-9]+" \
	"$FINCA" -d r serve --ocsp-only --listen 127.0.0.1:$((PORT[r] + 20))
psql -qAt "$url" -c "UPDATE finca_schema SET version = version - 1" >/dev/null

# the primary down: R goes on (a nonce: no cached answer)
node_stop a >/dev/null
node_stop b >/dev/null
pg_primary_stop
has "primary down: R still answers OCSP (fresh, with nonce)" "Reason: certificateHold" "$(ocsp r $s1)"
has "primary down: R still serves the CRL" "$s1" \
	"$(curl -sf http://127.0.0.1:${PORT[r]}/crl/issuing.crl | openssl crl -inform DER -noout -text)"
started "R stops cleanly (sanitizers)" node_stop r
