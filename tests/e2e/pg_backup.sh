#!/usr/bin/env bash
# The backup drill of backup.sh on a PostgreSQL store (issue 17 item 4): a
# CA in use is backed up online (pg_dump of one snapshot, run by finca)
# while certificates are being issued; the data directory and the
# database are lost; the backup is restored into an empty database; the
# audit chain verifies, openssl verifies certificates and a CRL of the
# restored CA, serials (read with psql) are never reused and CRL numbers
# go on above every CRL published before the loss.  Refused: a database
# that holds a finca store (even with --force) or any table, a dump
# altered by one byte, a manifest naming another audit head (loaded,
# found wrong, taken back: the database is empty again).
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/pg.sh"
at_exit pg_stop
if ! pg_start; then
	echo "not ok - a private PostgreSQL server starts"
	exit 0
fi

crlnum() { printf '%d' "$(openssl crl -in "$1" -noout -crlnumber | cut -d= -f2)"; }
issue() { # NAME: a device certificate from an openssl CSR
	csr p256 "/CN=$1" $1.csr && finca -d data cert issue --profile device --csr $1.csr --out $1.pem
}
tables() { psql -qAt "$1" -c "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r','S')"; }
psql_db() { psql -qAt -v ON_ERROR_STOP=1 "$(pg_url postgres)" -c "$1" >/dev/null; }

url=$(pg_newdb)
db=${url#*@/}; db=${db%%\?*}
serve_ports
ok "init on PostgreSQL" finca -d data init --algo p256 --url $base --store "$url"
for i in 1 2 3; do ok "issue before $i" issue pre$i; done
ok "revoke one before" finca -d data cert revoke "$(serial_of pre3.pem)" --reason keyCompromise
ok "CRL 1" finca -d data crl --out crl1.pem
serve_start --no-tls data || echo "not ok - serve"
ok "CRL 2 (delta)" finca -d data crl --delta --out crl2.pem

# issuing goes on while pg_dump runs (serve holds the store open too)
( for i in $(seq 1 8); do issue during$i >/dev/null 2>&1 || echo fail; done ) >during.out &
bg=$!
sleep 0.3
out=$(finca -d data backup bk 2>&1)
has "backup while issuing and serving" "^backup bk: [0-9]+ files, postgresql store" "$out"
wait $bg
same "issuing went on during the backup" "$(cat during.out)" ""
has "the manifest names the store's kind" "^store postgresql$" "$(cat bk/manifest)"
for f in finca.pgdump finca.conf ca/issuing.key ca/issuing.crt ca/root.crt; do
	has "manifest lists $f" " $f\$" "$(grep '^file' bk/manifest)"
done
has "the keys in the backup are still encrypted" "ENCRYPTED PRIVATE KEY" "$(head -1 bk/ca/issuing.key)"
same "the manifest's hashes are what sha256sum says" \
	"$(cd bk && grep '^file' manifest | awk '{print tolower($2) "  " $4}' | sha256sum -c --quiet 2>&1; echo $?)" "0"
toc=$("$PG_BIN/pg_restore" -l bk/finca.pgdump 2>&1)
has "pg_restore reads the dump (custom format)" "TABLE DATA public cert " "$toc"
same "the dump is the backup's only copy of the store (no finca.db)" "$(ls bk/finca.db 2>/dev/null)" ""
same "the dump is 0600" "$(stat -c %a bk/finca.pgdump)" "600"
has "backup is audited in the live store" "ca.backup" "$(finca -d data audit list)"
seq=$(sed -n 's/^audit_seq //p' bk/manifest)
hash=$(sed -n 's/^audit_hash //p' bk/manifest)
in_dump=$("$PG_BIN/pg_restore" -a -t audit -f - bk/finca.pgdump | grep -c "^$seq	")
same "the manifest's audit head is a record of the dump" "$in_dump" 1
live_hash=$(db_sql data "SELECT upper(encode(hash,'hex')) FROM audit WHERE seq=$seq")
same "and the same record as in the live store" "$live_hash" "$hash"
fails "backup into a non-empty directory is refused" "not empty" finca -d data backup bk

for i in 1 2; do ok "issue after the backup $i" issue post$i; done
ok "CRL 3 after the backup" finca -d data crl --out crl3.pem
ok "CRL 4 after the backup" finca -d data crl --delta --out crl4.pem
serve_stop; rc=$?
same "serve stops cleanly" "$rc" 0
[ $rc = 0 ] || tail -30 $SERVE_LOG | sed 's/^/#   /'
db_sql data "SELECT serial FROM cert" | sort >serials.db
for f in pre1 pre2 pre3 post1 post2 $(ls during*.pem 2>/dev/null | sed 's/\.pem$//'); do
	serial_of $f.pem
done | sort >serials.before
same "every certificate issued is in the database (psql)" \
	"$(comm -23 serials.before serials.db)" ""

# --- the loss: the data directory and the database ---
rm -rf data
ok "the database is lost" psql_db "DROP DATABASE $db"
ok "an empty database of the same name" psql_db "CREATE DATABASE $db"
out=$(finca -d data restore bk 2>&1)
has "restore into the backup's own (empty) database" \
	"^restored bk into data: [0-9]+ files, audit chain verified" "$out"
[ -d data ] || echo "$out" | sed 's/^/#   /'
same "the dump is not left in the data directory" "$(ls data/finca.pgdump 2>/dev/null)" ""
same "the restored configuration names the database" \
	"$(sed -n 's/^url *= *//p' data/finca.conf)" "$url"
ok "audit verify after restore" finca -d data audit verify
has "restore is audited" "ca.restore" "$(finca -d data audit list)"
has "the restored trail holds the backup's own record" "ca.backup" "$(finca -d data audit list)"
floor=$(db_sql data "SELECT value FROM meta WHERE key='crl_floor'")
has "the CRL floor is in meta" "^[0-9]{13,}$" "$floor"

finca -d data ca chain >chain.pem 2>/dev/null || cat data/ca/issuing.crt data/ca/root.crt >chain.pem
ok "CRL 5 from the restored CA" finca -d data crl --out crl5.pem
ok "openssl verifies the restored CA's CRL" openssl crl -in crl5.pem -CAfile chain.pem -noout
ok "openssl verifies a certificate against the restored CRL" \
	openssl verify -crl_check -CAfile chain.pem -CRLfile crl5.pem pre1.pem
fails "openssl finds the revoked one in the restored CRL" "revoked" \
	openssl verify -crl_check -CAfile chain.pem -CRLfile crl5.pem pre3.pem
max=0
for c in crl1 crl2 crl3 crl4; do v=$(crlnum $c.pem); [ "$v" -gt "$max" ] && max=$v; done
new=$(crlnum crl5.pem)
if [ "$new" -gt "$max" ]; then echo "ok - CRL number after restore ($new) above every earlier one ($max)"
else echo "not ok - CRL number after restore ($new) not above $max"; fi
same "the floor is the CRL's number" "$new" "$floor"
ok "a delta CRL after restore" finca -d data crl --delta --out crl6.pem
if [ "$(crlnum crl6.pem)" -gt "$new" ]; then echo "ok - CRL numbers go on increasing"
else echo "not ok - CRL numbers go on increasing"; fi

for i in 1 2 3; do ok "issue after restore $i" issue again$i; done
reused=$(for i in 1 2 3; do serial_of again$i.pem; done | sort | comm -12 - serials.before)
same "no serial reused" "$reused" ""
same "the database holds the restored and the new ones, each once" \
	"$(db_sql data "SELECT count(*) - count(DISTINCT serial) FROM cert")" 0
same "the ones issued after the backup are not in the restored database" \
	"$(db_sql data "SELECT count(*) FROM cert WHERE serial IN ('$(serial_of post1.pem)','$(serial_of post2.pem)')")" 0

# --- refusals ---
sum() { (cd "$1" && find . -type f -exec sha256sum {} + | sort | sha256sum); }
before=$(sum data)
rows_before=$(db_sql data "SELECT count(*) FROM audit")
fails "restore over an existing data directory without --force" "data directory is there.*--force" \
	finca -d data restore bk
fails "--force over a database that holds a finca store is refused" \
	"already holds a finca store.*even with --force" finca -d data restore bk --force
same "the data directory is untouched" "$(sum data)" "$before"
same "the database is untouched" "$(db_sql data "SELECT count(*) FROM audit")" "$rows_before"
same "nothing moved aside" "$(ls -d data.old-* 2>/dev/null)" ""
same "no temporary directory left" "$(ls -a | grep restore-)" ""

other=$(pg_newdb)
psql -qAt "$other" -c "CREATE TABLE someone_elses(x int)"
fails "a database with another application's table is refused" "holds 1 tables" \
	finca -d fresh restore bk --store "$other"
same "its table stays" "$(tables "$other")" 1
fails "--store must be a postgresql URL" "not a postgresql:// URL" \
	finca -d fresh restore bk --store /tmp/x.db

empty=$(pg_newdb)
cp -a bk bad
printf '\x01' | dd of=bad/finca.pgdump bs=1 seek=2000 conv=notrunc 2>/dev/null
fails "a flipped byte in the dump is found" "finca.pgdump: SHA-256 differs" \
	finca -d fresh restore bad --store "$empty"
same "the empty database stays empty" "$(tables "$empty")" 0
cp -a bk head
sed -i 's/^audit_seq .*/audit_seq 3/' head/manifest
fails "a manifest naming another audit head" "last audit record is [0-9]+, the manifest names 3" \
	finca -d fresh restore head --store "$empty"
same "what was loaded is taken back: the database is empty again" "$(tables "$empty")" 0
same "no directory made" "$(ls -d fresh .fresh* 2>/dev/null)" ""
fails "a PostgreSQL backup without a URL in its configuration" "holds a postgresql store, the configuration names a sqlite" \
	bash -c "cp -a bk nourl && sed -i '/^url *=/d' nourl/finca.conf &&
		h=\$(sha256sum nourl/finca.conf | cut -d' ' -f1) &&
		s=\$(stat -c %s nourl/finca.conf) &&
		sed -i \"s/^file [0-9A-F]* [0-9]* finca.conf\$/file \${h^^} \$s finca.conf/\" nourl/manifest &&
		$FINCA -d fresh restore nourl"

out=$(finca -d data restore bk --force --store "$empty" 2>&1)
has "restore --force into another empty database" "previous data directory is now data.old-" "$out"
same "the restored configuration names the new database" \
	"$(sed -n 's/^url *= *//p' data/finca.conf)" "$empty"
ok "audit verify after restore --force" finca -d data audit verify
ok "issue on the database restored again" issue last
same "the old directory is kept aside, whole" "$(sum $(ls -d data.old-* | head -1))" "$before"
