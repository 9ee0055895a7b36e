#!/usr/bin/env bash
# Two finca processes issuing at the same time on one PostgreSQL database
# (issue 17 item 2, writers on one primary): two data directories of one
# CA (node b a copy of node a: the same encrypted keys, the same [store]
# url), each issuing a batch of CSRs in one process and, meanwhile, one
# certificate per process in a loop.  Afterwards, read with psql and
# openssl: every certificate issued is stored, no serial twice, the two
# nodes' writes interleave (they ran at once), the audit chain has one
# record per sequence number and 'finca audit verify' passes from either
# node.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/pg.sh"
at_exit pg_stop
if ! pg_start; then
	echo "not ok - a private PostgreSQL server starts"
	exit 0
fi
N=${PG_WRITERS_N:-60}   # CSRs in each node's batch
L=${PG_WRITERS_L:-15}   # single issuances in each node's loop

url=$(pg_newdb)
ok "init on PostgreSQL" finca -d a init --algo p256 --store "$url"
cp -a a b
same "node b is the same CA on the same database" "$(sed -n 's/^url *= *//p' b/finca.conf)" "$url"

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out k.pem
for n in a b; do
	for ((i = 1; i <= N; i++)); do
		openssl req -new -key k.pem -subj "/CN=$n-batch-$i" 2>/dev/null
	done >$n-batch.csr
	for ((i = 1; i <= L; i++)); do
		openssl req -new -key k.pem -subj "/CN=$n-one-$i" -out $n-one-$i.csr 2>/dev/null
	done
done
same "the CSRs are made" "$(grep -c 'BEGIN CERTIFICATE REQUEST' a-batch.csr b-batch.csr | cut -d: -f2 | tr '\n' ' ')" "$N $N "

mkdir a.out b.out
loop() { # NODE: one certificate per finca process
	for ((i = 1; i <= L; i++)); do
		"$FINCA" -d $1 cert issue --profile device --csr $1-one-$i.csr --out $1-one-$i.pem ||
			echo "fail $1 $i"
	done
}
# four writers at once: a batch and a loop on each node
"$FINCA" -d a cert issue --profile device --csr a-batch.csr --out-dir a.out >a-batch.log 2>&1 &
pa=$!
"$FINCA" -d b cert issue --profile device --csr b-batch.csr --out-dir b.out >b-batch.log 2>&1 &
pb=$!
loop a >a-loop.log 2>&1 &
la=$!
loop b >b-loop.log 2>&1 &
lb=$!
wait $pa; ra=$?
wait $pb; rb=$?
wait $la $lb
same "node a's batch is issued" "$ra" 0
same "node b's batch is issued" "$rb" 0
[ $ra = 0 ] || sed 's/^/#   /' a-batch.log | tail -5
[ $rb = 0 ] || sed 's/^/#   /' b-batch.log | tail -5
fails=$(cat a-loop.log b-loop.log | grep -c '^fail')
same "every single issuance succeeded" "$fails" 0
[ "$fails" = 0 ] || grep -hv '^issued\|^[0-9A-F]*$' a-loop.log b-loop.log | head -5 | sed 's/^/#   /'

total=$((2 * (N + L)))
files=$(ls a.out/*.pem b.out/*.pem a-one-*.pem b-one-*.pem 2>/dev/null | wc -l)
same "$total certificates written" "$files" "$total"
for f in a.out/*.pem b.out/*.pem a-one-*.pem b-one-*.pem; do serial_of "$f"; done | sort >serials.files
same "no serial twice among the files (openssl)" "$(uniq -d serials.files)" ""
db_sql a "SELECT serial FROM cert WHERE subject LIKE 'CN=a-%' OR subject LIKE 'CN=b-%'" | sort >serials.db
same "every certificate issued is stored (psql)" "$(comm -23 serials.files serials.db)" ""
same "and nothing else" "$(comm -13 serials.files serials.db)" ""
same "no serial twice in the database" \
	"$(db_sql a "SELECT count(*) - count(DISTINCT serial) FROM cert")" 0
switches=$(db_sql a "SELECT substr(subject, 4, 1) FROM cert WHERE subject LIKE 'CN=_-%' ORDER BY id" |
	uniq | wc -l)
if [ "$switches" -gt 2 ]; then echo "ok - the nodes' writes interleave ($switches runs in insertion order)"
else echo "not ok - the nodes' writes interleave (only $switches runs: they did not overlap)"; fi
same "the audit chain has one record per sequence number" \
	"$(db_sql a "SELECT count(*) = max(seq) AND count(*) = count(DISTINCT seq) FROM audit")" t
issued=$(db_sql a "SELECT count(*) FROM audit WHERE action = 'cert.issue'")
if [ "$issued" -ge "$total" ]; then echo "ok - every issuance is audited ($issued cert.issue records)"
else echo "not ok - every issuance is audited ($issued cert.issue records for $total)"; fi
ok "audit verify from node a" finca -d a audit verify
ok "audit verify from node b" finca -d b audit verify
ok "openssl verifies a certificate of each node" \
	openssl verify -partial_chain -CAfile a/ca/issuing.crt a.out/$(ls a.out | head -1) b-one-1.pem
