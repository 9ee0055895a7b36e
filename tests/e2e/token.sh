#!/usr/bin/env bash
# The token station with SoftHSM2 as the USBKey: init, enroll (key made on
# the token), PIN policy, authentication with the token, lost -> revoked,
# reissue onto a second token through the daemon's API, PIN reset, a token
# pulled out mid-enrolment, the state table.  pkcs11-tool, openssl and curl
# check what finca did.
. "$(dirname "$0")/../lib.sh"

softhsm
P11="pkcs11-tool --module $M"
ID1=11010519491231002X

serve_ports
out=$(finca -d ca init --algo p256 --url $base)
has "init a P-256 CA" "administrator account: admin" "$out"
ADMINPW=$(sed -n 's/^  password *\([^ ]*\) .*/\1/p' <<<"$out")

# --- the station on the CA host ---
has "list shows the blank token" "slot" "$(finca -d ca token list --module $M)"
fails "no module anywhere" "no PKCS#11 module" finca -d ca token list
printf '[token]\nmodule = %s\nalgorithm = p256\n' $M >>ca/finca.conf
out=$(finca -d ca token init --label zhangsan-key) || echo "not ok - token init: $out"
pin=$(sed -n 's/^default PIN for the envelope: //p' <<<"$out")
S1=$(sed -n 's/^token \([0-9a-f]*\) initialised.*/\1/p' <<<"$out")
same "a default PIN of 8 characters is printed once" "${#pin}" 8
has "the inventory knows the token" "$S1 initialized  default" "$(finca -d ca token inventory)"
ok "the default PIN opens the token" $P11 --token-label zhangsan-key --login --pin "$pin" -O
so=$(sqlite3 ca/finca.db "select hex(so_pin) from token where serial='$S1'")
[ -n "$so" ] && ! grep -qi "$(printf %s "$pin" | xxd -p)" <<<"$so" &&
	echo "ok - the SO PIN is kept sealed" || echo "not ok - SO PIN not sealed"
fails "init twice is refused by the state table" "cannot become initialized" \
	finca -d ca token init --serial $S1

ncert=$(sqlite3 ca/finca.db 'select count(*) from cert')
fails "wrong PIN" "wrong PIN" env FINCA_PIN=Wrong1234 "$FINCA" -d ca token enroll \
	--profile personal --subject "C=CN, O=福建省财政厅, CN=张三" --person $ID1
fails "SM2 without the vendor's mechanism" "SM2 on a token needs the vendor" \
	env FINCA_PIN=$pin "$FINCA" -d ca token enroll --algo sm2 \
	--profile personal --subject "C=CN, O=福建省财政厅, CN=张三" --person $ID1
same "refusals issued nothing" "$(sqlite3 ca/finca.db 'select count(*) from cert')" "$ncert"
out=$(FINCA_PIN=$pin "$FINCA" -d ca token enroll --profile personal \
	--subject "C=CN, O=福建省财政厅, CN=张三" --person $ID1 2>&1)
has "enroll" "enrolled: certificate" "$out"
C1=$(sed -n 's/.*certificate \([0-9A-F]*\) for.*/\1/p' <<<"$out")
objs=$($P11 --token-label zhangsan-key --login --pin "$pin" -O 2>/dev/null)
has "the private key is on the token" "Private Key Object; EC" "$objs"
has "it never leaves it" "never extractable" "$objs"
has "the certificate is on the token" "Certificate Object; type = X.509 cert" "$objs"
has "under the holder's name" "label:      张三" "$objs"
$P11 --token-label zhangsan-key --read-object --type cert --label 张三 -o c1.der >/dev/null 2>&1
openssl x509 -inform DER -in c1.der -out c1.pem
same "the token's certificate is the one issued" "$(serial_of c1.pem)" "$C1"
ok "openssl verifies it" openssl verify -CAfile ca/ca/root.crt -untrusted ca/ca/issuing.crt c1.pem
has "the inventory binds token, holder and certificate" "$S1 issued       default  张三" \
	"$(finca -d ca token inventory)"
out=$(finca -d ca token init --label spare)
fails "a second token for the same holder is refused" "already has 1 token" \
	env FINCA_PIN="$(sed -n 's/^default PIN for the envelope: //p' <<<"$out")" "$FINCA" -d ca \
	token enroll --serial "$(sed -n 's/^token \([0-9a-f]*\) .*/\1/p' <<<"$out")" \
	--profile personal --subject "CN=张三" --person $ID1
ok "the spare goes back to stock as damaged" finca -d ca token mark \
	"$(sed -n 's/^token \([0-9a-f]*\) .*/\1/p' <<<"$out")" damaged

# --- PIN policy (art. 23) ---
for bad in "abc12:too short" "abcdefgh:needs a digit" "12345678:needs a letter" \
	"abc12345678:too long" "abc-1234:only digits and letters" "$pin:must differ"; do
	fails "new PIN ${bad%%:*} refused" "${bad#*:}" env FINCA_PIN=$pin FINCA_NEW_PIN="${bad%%:*}" \
		"$FINCA" -d ca token change-pin --serial $S1
done
ok "the old PIN still works" $P11 --token-label zhangsan-key --login --pin "$pin" -O

# --- the daemon: authentication with the token, then a remote station ---
ok "operator certificate" mk_tls op1
ok "app certificate" mk_tls app1
ok "auditor certificate" mk_tls aud1
# the operator works for the province, where 张三 is registered (an
# operator acts only on its node's tokens and holders)
UP=$(uscc 11110000MB0000001)
for c in "node add --code 110000 --name 北京市 --level province" \
	"unit add --code $UP --name 福建省财政厅 --type 行政机关 --node 110000" \
	"person add --id-number $ID1 --name 张三 --unit $UP"; do
	ok "registered: ${c%% --*}" env FINCA_ACCOUNT_PASSWORD=$ADMINPW "$FINCA" -d ca --as admin $c
done
ok "operator account" env FINCA_ACCOUNT_PASSWORD=operator-pass-1 "$FINCA" -d ca account add op1 \
	--role operator --scope 110000 --cert op1.crt
ok "app account" finca -d ca app add app1 --cert app1.crt
ok "auditor account" finca -d ca account add aud1 --role auditor --cert aud1.crt
serve_start ca
at_exit 'cp serve.log /tmp/token-serve.log'
C="curl -s --cacert ca/ca/service.crt"
auth() { # PIN -> the answer of /auth/verify for a challenge signed by the token
	local ch sig
	ch=$($C --cert app1.crt --key app1.key -X POST $api/auth/challenge | jq -r .challenge)
	sig=$(FINCA_PIN=$1 "$FINCA" token sign --module $M --serial ${2:-$S1} --data "$ch") || return 1
	$C --cert app1.crt --key app1.key -X POST $api/auth/verify \
		-d "$(jq -c --arg ch "$ch" '{certificate, signature, challenge: $ch}' <<<"$sig")"
}
v=$(auth "$pin")
same "a challenge signed by the token passes" "$(jq -r .valid <<<"$v")" true
same "the API says the PIN is still the default one" "$(jq -r .default_pin <<<"$v")" true
same "the holder is named" "$(jq -r .holder.name <<<"$v")" 张三
ok "change-pin" env FINCA_PIN=$pin FINCA_NEW_PIN=Fujian2026 "$FINCA" -d ca token change-pin --serial $S1
ok "the new PIN opens the token" $P11 --token-label zhangsan-key --login --pin Fujian2026 -O
same "the change is recorded" "$(finca -d ca token show $S1 | jq -r .default_pin)" false
same "after it the certificate is in use" "$(auth Fujian2026 | jq -r .default_pin)" false
same "an auditor reads the inventory" \
	"$($C --cert aud1.crt --key aud1.key $api/tokens | jq -r ".[] | select(.serial == \"$S1\") | .state")" issued
same "an auditor may not change it: 403" \
	"$($C -o /dev/null -w '%{http_code}' --cert aud1.crt --key aud1.key -X POST -d '{"state":"lost"}' $api/tokens/$S1/state)" 403

# lost: revoked keyCompromise at once, OCSP says so
ok "report the token lost" finca -d ca token mark $S1 lost --note "lost on the train"
o=$(openssl ocsp -issuer ca/ca/issuing.crt -cert c1.pem -url $base/ocsp -CAfile ca/ca/root.crt 2>&1)
has "OCSP: revoked" "c1.pem: revoked" "$o"
has "OCSP: keyCompromise" "Reason: keyCompromise" "$o"
fails "a lost token cannot be re-initialised" "cannot become initialized" \
	finca -d ca token init --serial $S1
v=$(auth Fujian2026)
same "the lost token no longer authenticates" "$(jq -r .valid <<<"$v")" null

# reissue onto a second token from a remote station (operator's client
# certificate and password over HTTPS; no data directory)
R="--server https://127.0.0.1:$tport --cert op1.crt --key op1.key --cacert ca/ca/service.crt"
export FINCA_ACCOUNT_PASSWORD=operator-pass-1
out=$("$FINCA" token init --module $M --label zhangsan-key2 $R 2>&1)
has "remote init" "initialised" "$out"
pin2=$(sed -n 's/^default PIN for the envelope: //p' <<<"$out")
S2=$(sed -n 's/^token \([0-9a-f]*\) initialised.*/\1/p' <<<"$out")
out=$(FINCA_PIN=$pin2 "$FINCA" token enroll --module $M --serial $S2 $R --profile personal \
	--subject "C=CN, O=福建省财政厅, CN=张三" --person $ID1 2>&1)
has "remote reissue" "enrolled: certificate" "$out"
C2=$(sed -n 's/.*certificate \([0-9A-F]*\) for.*/\1/p' <<<"$out")
same "the new certificate is valid" "$(finca -d ca cert show $C2 --json | jq -r .status)" valid
ok "handover recorded remotely" "$FINCA" token handover $S2 --to "张三 (holder)" --note "signed receipt" $R
has "the record names who got it" '"party": "张三 .holder."' "$(finca -d ca token show $S2)"
same "the second token authenticates" "$(auth $pin2 $S2 | jq -r .valid)" true
out=$("$FINCA" token reset-pin --module $M --serial $S2 $R 2>&1)
has "PIN reset with the kept SO PIN" "new default PIN for the envelope" "$out"
pin3=$(sed -n 's/^new default PIN for the envelope: //p' <<<"$out")
ok "the new default PIN opens the token" $P11 --token-label zhangsan-key2 --login --pin "$pin3" -O
same "and must be changed again" "$(finca -d ca token show $S2 | jq -r .default_pin)" true
has "the SO PIN hand-out is audited" "token.so_pin" "$(finca -d ca audit list)"
unset FINCA_ACCOUNT_PASSWORD

# a token pulled out while the certificate is written: nothing half-done
out=$(finca -d ca token init --label third)
pin4=$(sed -n 's/^default PIN for the envelope: //p' <<<"$out")
S3=$(sed -n 's/^token \([0-9a-f]*\) initialised.*/\1/p' <<<"$out")
n0=$(sqlite3 ca/finca.db "select count(*) from cert where status=0")
fails "token removed mid-enrolment" "removed" env FINCA_FAULT=token-removed FINCA_PIN=$pin4 \
	"$FINCA" -d ca token enroll --serial $S3 --profile personal --subject "CN=李四" --person 350102199003070012
same "the token stays initialised, bound to nothing" \
	"$(finca -d ca token show $S3 | jq -r '.state + " " + .certificate')" "initialized "
same "no valid certificate was left behind" \
	"$(sqlite3 ca/finca.db "select count(*) from cert where status=0")" "$n0"
same "no key was left on the token" \
	"$($P11 --token-label third --login --pin $pin4 -O 2>/dev/null | grep -c Object)" 0
ok "the next try works" env FINCA_PIN=$pin4 "$FINCA" -d ca token enroll --serial $S3 \
	--profile personal --subject "CN=李四" --person 350102199003070012

# the state table
fails "issued -> in_stock is refused, naming the ways out" "allowed: suspended, lost, damaged, returned" \
	finca -d ca token mark $S3 in_stock
ok "suspend (temporarily lost)" finca -d ca token mark $S3 suspended
same "its certificate is on hold" "$(finca -d ca cert list --json | jq -r '.[] | select(.subject | test("李四")) | select(.status != "revoked") | .status')" frozen
ok "found again" finca -d ca token mark $S3 issued
ok "returned at revocation" finca -d ca token return $S3 --from "李四" --reason affiliationChanged
has "revoked as the request says" "affiliationChanged" "$(finca -d ca cert list --json | jq -r '.[] | select(.subject | test("李四")) | .reason')"
ok "a returned token is re-initialised with the kept SO PIN" finca -d ca token init --serial $S3 --label reused
ok "the audit chain verifies" finca -d ca audit verify
