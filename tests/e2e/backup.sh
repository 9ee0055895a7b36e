#!/usr/bin/env bash
# The backup drill (issue 17 item 4): a CA in use is backed up online while
# certificates are being issued, the data directory is lost, the backup is
# restored; the audit chain verifies, openssl verifies certificates and a
# CRL of the restored CA, new serials are new and the CRL number goes on
# above every CRL published before the loss.  A backup altered by one byte,
# a manifest cut short or of an unknown store, and an existing data
# directory without --force are refused, leaving the target untouched;
# --force moves the old one aside.
. "$(dirname "$0")/../lib.sh"

crlnum() { printf '%d' "$(openssl crl -in "$1" -noout -crlnumber | cut -d= -f2)"; }
n=0
issue() { # NAME: a device certificate from an openssl CSR
	csr p256 "/CN=$1" $1.csr && finca -d data cert issue --profile device --csr $1.csr --out $1.pem
}

serve_ports
ok "init" finca -d data init --algo p256 --url $base
for i in 1 2 3; do ok "issue before $i" issue pre$i; done
ok "revoke one before" finca -d data cert revoke "$(serial_of pre3.pem)" --reason keyCompromise
ok "CRL 1" finca -d data crl --out crl1.pem
serve_start --no-tls data || echo "not ok - serve"
ok "CRL 2 (delta)" finca -d data crl --delta --out crl2.pem

# issuing goes on while the backup runs (serve holds the store open too)
( for i in $(seq 1 8); do issue during$i >/dev/null 2>&1 || echo fail; done ) >during.out &
bg=$!
sleep 0.3
out=$(finca -d data backup bk 2>&1)
has "backup while issuing and serving" "^backup bk: [0-9]+ files, sqlite store" "$out"
wait $bg
same "issuing went on during the backup" "$(cat during.out)" ""
has "the manifest lists the store, the keys, the configuration" \
	"finca.db" "$(grep '^file' bk/manifest)"
for f in finca.conf ca/issuing.key ca/issuing.crt ca/root.crt; do
	has "manifest lists $f" " $f\$" "$(grep '^file' bk/manifest)"
done
has "the keys in the backup are still encrypted" "ENCRYPTED PRIVATE KEY" "$(head -1 bk/ca/issuing.key)"
same "the manifest's hashes are what sha256sum says" \
	"$(cd bk && grep '^file' manifest | awk '{print tolower($2) "  " $4}' | sha256sum -c --quiet 2>&1; echo $?)" "0"
has "backup is audited in the live store" "ca.backup" "$(finca -d data audit list)"
fails "backup into a non-empty directory is refused" "not empty" finca -d data backup bk
fails "backup inside the data directory is refused" "inside the data directory" \
	finca -d data backup data/bk
same "and leaves nothing there" "$(ls -d data/bk 2>/dev/null)" ""

for i in 1 2; do ok "issue after the backup $i" issue post$i; done
ok "CRL 3 after the backup" finca -d data crl --out crl3.pem
ok "CRL 4 after the backup" finca -d data crl --delta --out crl4.pem
serve_stop; rc=$?
same "serve stops cleanly" "$rc" 0
[ $rc = 0 ] || tail -30 $SERVE_LOG | sed 's/^/#   /'
for f in pre1 pre2 pre3 post1 post2 $(ls during*.pem 2>/dev/null | sed 's/\.pem$//'); do
	serial_of $f.pem
done | sort >serials.before

# --- the loss and the restore ---
rm -rf data
fails "restore checks the manifest exists" "no manifest" finca -d data restore nowhere
out=$(finca -d data restore bk 2>&1)
has "restore" "^restored bk into data: [0-9]+ files, audit chain verified" "$out"
ok "audit verify after restore" finca -d data audit verify
has "restore is audited" "ca.restore" "$(finca -d data audit list)"
has "the restored trail holds the backup's own record" "ca.backup" "$(finca -d data audit list)"
same "restored keys are 0600" "$(stat -c %a data/ca/issuing.key)" "600"

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
ok "a delta CRL after restore" finca -d data crl --delta --out crl6.pem
if [ "$(crlnum crl6.pem)" -gt "$new" ]; then echo "ok - CRL numbers go on increasing"
else echo "not ok - CRL numbers go on increasing"; fi

for i in 1 2 3; do ok "issue after restore $i" issue again$i; done
reused=$(for i in 1 2 3; do serial_of again$i.pem; done | sort | comm -12 - serials.before)
same "no serial reused" "$reused" ""

# --- refusals, each leaving the target as it was ---
sum() { (cd "$1" && find . -type f -exec sha256sum {} + | sort | sha256sum); }
before=$(sum data)
fails "restore over an existing data directory without --force" "data directory is there.*--force" \
	finca -d data restore bk
same "the target is untouched" "$(sum data)" "$before"

cp -a bk bad
printf '\x01' | dd of=bad/ca/issuing.crt bs=1 seek=100 conv=notrunc 2>/dev/null
fails "a flipped byte is found" "ca/issuing.crt: SHA-256 differs" finca -d data restore bad --force
same "the target is untouched after a refused restore" "$(sum data)" "$before"
same "nothing moved aside" "$(ls -d data.old-* 2>/dev/null)" ""
fails "a flipped byte into a new directory" "SHA-256 differs" finca -d fresh restore bad
same "no directory made" "$(ls -d fresh .fresh* 2>/dev/null)" ""
same "no temporary directory left" "$(ls -a | grep restore-)" ""

cp -a bk trunc
head -n 5 bk/manifest >trunc/manifest
fails "a manifest cut short" "'audit_seq' missing \\(truncated" finca -d fresh restore trunc
cp -a bk pg
sed -i 's/^store sqlite$/store oracle/' pg/manifest
fails "an unknown store kind" "store kind 'oracle'" finca -d fresh restore pg
cp -a bk newer
sed -i 's/^schema .*/schema 999/' newer/manifest
fails "a newer schema" "schema version 999 is newer" finca -d fresh restore newer
cp -a bk head
sed -i 's/^audit_seq .*/audit_seq 3/' head/manifest
fails "a manifest naming another audit head" "last audit record is [0-9]+, the manifest names 3" \
	finca -d fresh restore head
same "the temporary copy is removed" "$(ls -a | grep restore-)" ""
cp -a bk big
truncate -s +1 big/finca.db
fails "a file of another size" "finca.db: [0-9]+ bytes, the manifest says" finca -d fresh restore big
same "still nothing made" "$(ls -d fresh 2>/dev/null)" ""

out=$(finca -d data restore bk --force 2>&1)
has "restore --force" "previous data directory is now data.old-" "$out"
old=$(ls -d data.old-* | head -1)
same "the old directory is kept aside, whole" "$(sum $old)" "$before"
ok "audit verify after restore --force" finca -d data audit verify
