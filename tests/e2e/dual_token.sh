#!/usr/bin/env bash
# The encryption key of a dual pair imported onto the USBKey (issue 16):
# a P-256 CA with [profile personal] dual = yes, SoftHSM2 as the USBKey.
# The station (local and remote) makes the signing key on the token, has
# the pair issued, writes the signing certificate, and imports the KM's
# encryption key from its PKCS#11 envelope (ECDH with the signing key,
# AES-KWP unwrap, on the token) with the encryption certificate beside it.
# pkcs11-tool lists both; an ECDH round trip on the token against openssl
# with the encryption certificate's public key proves the imported key is
# the certificate's.  A token pulled out mid-import revokes the pair and
# leaves nothing on the token.
. "$(dirname "$0")/../lib.sh"

softhsm
P11="pkcs11-tool --module $M"
ID1=$(rid 35010219900307123) ID2=$(rid 35010219850101456) ID3=$(rid 35010219700101789)

serve_ports
out=$(finca -d ca init --algo p256 --url $base)
has "init a P-256 CA" "administrator account: admin" "$out"
ADMINPW=$(sed -n 's/^  password *\([^ ]*\) .*/\1/p' <<<"$out")
printf '[token]\nmodule = %s\nalgorithm = p256\n[profile personal]\ndual = yes\n[ra]\npaperless = true\n' $M >>ca/finca.conf

# --- the station on the CA host ---
out=$(finca -d ca token init --label li-key)
pin=$(sed -n 's/^default PIN for the envelope: //p' <<<"$out")
S1=$(sed -n 's/^token \([0-9a-f]*\) initialised.*/\1/p' <<<"$out")
out=$(FINCA_PIN=$pin "$FINCA" -d ca token enroll --profile personal \
	--subject "C=CN, O=福建省财政厅, CN=李四" --person $ID1 2>&1)
has "enroll" "enrolled: certificate" "$out"
has "the encryption key is imported" "encryption key imported: certificate" "$out"
SC=$(sed -n 's/.*enrolled: certificate \([0-9A-F]*\) for.*/\1/p' <<<"$out")
EC=$(sed -n 's/^encryption key imported: certificate //p' <<<"$out")
has "the pair is linked" "\"pair\": \"$EC\"" "$(finca -d ca cert show $SC --json)"
objs=$($P11 --token-label li-key --login --pin "$pin" -O 2>/dev/null)
same "two private keys on the token" "$(grep -c 'Private Key Object; EC' <<<"$objs")" 2
same "two public keys" "$(grep -c 'Public Key Object; EC' <<<"$objs")" 2
same "two certificates" "$(grep -c 'Certificate Object; type = X.509 cert' <<<"$objs")" 2
has "the encryption key says what it is" "label: *李四 \(enc\)" "$objs"
enc=$(awk '/Private Key Object/{p=1} p&&/label:/{l=$0} p&&/ID:/{id=$2} p&&/Access:/{if (l ~ /\(enc\)/) print id; p=0}' <<<"$objs")
same "it has its own CKA_ID" "${#enc}" 32
encobj=$(awk '/Object;/{p=/Private Key/} p' <<<"$objs" | grep -A3 '李四 (enc)')
has "the imported key is sensitive" "Access: *sensitive" "$encobj"
grep -qE "Access:.*(:|,) *extractable" <<<"$encobj" &&
	echo "not ok - the imported key is extractable" || echo "ok - and not extractable"
has "it is for key agreement and decryption" "Usage: *decrypt, derive$" "$encobj"
$P11 --token-label li-key --read-object --type cert --id $enc -o enc.der >/dev/null 2>&1
openssl x509 -inform DER -in enc.der -out enc.pem
same "the certificate under its CKA_ID is the encryption certificate" "$(serial_of enc.pem)" "$EC"
has "with the encryption key usages" "Key Encipherment, Data Encipherment, Key Agreement" \
	"$(openssl x509 -in enc.pem -noout -text)"
ok "openssl verifies it" openssl verify -CAfile ca/ca/root.crt -untrusted ca/ca/issuing.crt enc.pem

# the round trip: ECDH on the token with the imported key, and in openssl
# with the encryption certificate's public key, give the same secret
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out peer.key
openssl pkey -in peer.key -pubout -outform DER -out peer.der
ok "ECDH on the token with the imported key" $P11 --token-label li-key --login --pin "$pin" \
	--derive -m ECDH1-DERIVE --id $enc --input-file peer.der --output-file z.token
openssl x509 -in enc.pem -noout -pubkey >enc.pub
ok "ECDH in openssl with the certificate's key" openssl pkeyutl -derive -inkey peer.key \
	-peerkey enc.pub -out z.ossl
same "the same secret: the imported key is the certificate's" "$(xxd -p z.token)" \
	"$(xxd -p z.ossl)"
[ "$(stat -c %s z.ossl)" = 32 ] && echo "ok - a 32-octet secret" || echo "not ok - secret size"

# the holder's side still signs with the signing key
sig=$(FINCA_PIN=$pin "$FINCA" token sign --module $M --serial $S1 --data hello)
same "token sign uses the signing certificate, not the encryption one" \
	"$(jq -r .certificate <<<"$sig" | openssl x509 -noout -serial | cut -d= -f2)" "$SC"
jq -r .certificate <<<"$sig" >s.pem
printf hello >m.txt
jq -r .signature <<<"$sig" | base64 -d >m.sig
ok "the signature verifies with the signing certificate" openssl dgst -sha256 \
	-verify <(openssl x509 -in s.pem -noout -pubkey) -signature m.sig m.txt
a=$(finca -d ca audit list)
has "the import is audited" "token.key_import" "$a"
has "the envelope's fetch is audited" "km.envelope" "$a"
same "the envelope stays with the CA for a later import" \
	"$(sqlite3 ca/finca.db "select format from km_envelope where sign_serial='$SC'")" p11ecdh
ok "audit verify" finca -d ca audit verify

# --- a token pulled out after the key went on: the pair is revoked ---
out=$(finca -d ca token init --label wang-key)
pin2=$(sed -n 's/^default PIN for the envelope: //p' <<<"$out")
S2=$(sed -n 's/^token \([0-9a-f]*\) initialised.*/\1/p' <<<"$out")
n0=$(sqlite3 ca/finca.db "select count(*) from cert where status=0")
fails "token removed mid-import" "removed" env FINCA_FAULT=import-removed FINCA_PIN=$pin2 \
	"$FINCA" -d ca token enroll --serial $S2 --profile personal --subject "CN=王五" --person $ID2
same "no valid certificate was left behind (neither half)" \
	"$(sqlite3 ca/finca.db "select count(*) from cert where status=0")" "$n0"
same "both halves were issued and revoked" \
	"$(sqlite3 ca/finca.db "select count(*) from cert where status=2 and subject like '%王五%'")" 2
same "the token stays initialised" "$(finca -d ca token show $S2 | jq -r .state)" initialized
same "nothing is left on the token" \
	"$($P11 --token-label wang-key --login --pin $pin2 -O 2>/dev/null | grep -c Object)" 0
out=$(FINCA_PIN=$pin2 "$FINCA" -d ca token enroll --serial $S2 --profile personal \
	--subject "CN=王五" --person $ID2 2>&1)
has "the next try imports the key" "encryption key imported" "$out"

# --- the remote station, through the daemon's API ---
ok "operator certificate" mk_tls op1
UP=$(uscc 11350000MB0000001)
for c in "node add --code 350000 --name 福建省 --level province" \
	"unit add --code $UP --name 福建省财政厅 --type 行政机关 --node 350000" \
	"person add --id-number $ID3 --name 赵六 --unit $UP"; do
	ok "registered: ${c%% --*}" env FINCA_ACCOUNT_PASSWORD=$ADMINPW "$FINCA" -d ca --as admin $c
done
ok "operator account" env FINCA_ACCOUNT_PASSWORD=operator-pass-1 "$FINCA" -d ca account add op1 \
	--role operator --scope 350000 --cert op1.crt
serve_start ca
R="--server https://127.0.0.1:$tport --cert op1.crt --key op1.key --cacert ca/ca/service.crt"
export FINCA_ACCOUNT_PASSWORD=operator-pass-1
out=$("$FINCA" token init --module $M --label zhao-key $R 2>&1)
pin3=$(sed -n 's/^default PIN for the envelope: //p' <<<"$out")
S3=$(sed -n 's/^token \([0-9a-f]*\) initialised.*/\1/p' <<<"$out")
out=$(FINCA_PIN=$pin3 "$FINCA" token enroll --module $M --serial $S3 $R --profile personal \
	--subject "C=CN, O=福建省财政厅, CN=赵六" --person $ID3 2>&1)
has "remote enroll" "enrolled: certificate" "$out"
has "remote import" "encryption key imported: certificate" "$out"
EC3=$(sed -n 's/^encryption key imported: certificate //p' <<<"$out")
SC3=$(sed -n 's/.*enrolled: certificate \([0-9A-F]*\) for.*/\1/p' <<<"$out")
unset FINCA_ACCOUNT_PASSWORD
objs=$($P11 --token-label zhao-key --login --pin "$pin3" -O 2>/dev/null)
same "sign and encryption keys on the remote station's token" \
	"$(grep -c 'Private Key Object; EC' <<<"$objs")" 2
enc=$(awk '/Private Key Object/{p=1} p&&/label:/{l=$0} p&&/ID:/{id=$2} p&&/Access:/{if (l ~ /\(enc\)/) print id; p=0}' <<<"$objs")
$P11 --token-label zhao-key --read-object --type cert --id $enc -o enc3.der >/dev/null 2>&1
same "its encryption certificate" "$(openssl x509 -inform DER -in enc3.der -noout -serial | cut -d= -f2)" "$EC3"
ok "ECDH on the remote station's token" $P11 --token-label zhao-key --login --pin "$pin3" \
	--derive -m ECDH1-DERIVE --id $enc --input-file peer.der --output-file z3.token
openssl x509 -inform DER -in enc3.der -noout -pubkey >enc3.pub
openssl pkeyutl -derive -inkey peer.key -peerkey enc3.pub -out z3.ossl
same "the same secret as openssl's" "$(xxd -p z3.token)" "$(xxd -p z3.ossl)"
has "the remote import is audited as the operator" "op1.*token.key_import|token.key_import.*op1" \
	"$(finca -d ca audit list)"

# --- key recovery (密钥恢复): 赵六's USBKey breaks; a new one is made, and
# the old encryption key goes onto it after a recovery approved twice ---
AD() { env FINCA_ACCOUNT_PASSWORD=$ADMINPW "$FINCA" -d ca --as admin "$@"; }
A() { "$FINCA" -d ca --as "$@"; }
ok "department" AD dept add --code yusuan --name 预算处 --node 350000
ok "application system" AD app add --code ysgl --name 预算管理一体化系统 --dept yusuan
for n in io1 ap1 ap2; do mk_tls $n || echo "not ok - cert $n"; done
ok "officer of the unit" AD account add io1 --role officer --scope $UP --cert io1.crt
ok "approver 1" AD account add ap1 --role approver --scope yusuan --cert ap1.crt
ok "approver 2" AD account add ap2 --role approver --scope yusuan --cert ap2.crt
ok "token 1 breaks (damaged: its pair revoked)" finca -d ca token mark $S3 damaged
export FINCA_ACCOUNT_PASSWORD=operator-pass-1
out=$("$FINCA" token init --module $M --label zhao-key2 $R 2>&1)
pin4=$(sed -n 's/^default PIN for the envelope: //p' <<<"$out")
S4=$(sed -n 's/^token \([0-9a-f]*\) initialised.*/\1/p' <<<"$out")
out=$(FINCA_PIN=$pin4 "$FINCA" token enroll --module $M --serial $S4 $R --profile personal \
	--subject "C=CN, O=福建省财政厅, CN=赵六" --person $ID3 2>&1)
has "a new USBKey (token 2) for the holder" "encryption key imported: certificate" "$out"
SC4=$(sed -n 's/.*enrolled: certificate \([0-9A-F]*\) for.*/\1/p' <<<"$out")
unset FINCA_ACCOUNT_PASSWORD
lsobj() { $P11 --token-label zhao-key2 --login --pin "$pin4" -O 2>/dev/null; }
n4=$(lsobj | grep -c Object)
same "token 2 holds its own pair: six objects" "$n4" 6
out=$(FINCA_PIN=$pin4 "$FINCA" -d ca token import-keys --serial $S4 2>&1)
has "import-keys before any recovery: its own key is there already" \
	"nothing to import \(1 encryption key already on the token\)" "$out"

r=$(A io1 request create --type recover --subject $ID3 --app ysgl --cert $SC4 --json | jq -r .id)
ok "the officer files a key recovery to the new signing certificate" A io1 request submit $r
ok "the department approves" A ap1 request approve $r
same "one approval: it still waits" "$(A ap1 request show $r --json | jq -r .state)" submitted
ok "a second approver approves" A ap2 request approve $r
ok "the operator accepts" env FINCA_ACCOUNT_PASSWORD=operator-pass-1 "$FINCA" -d ca --as op1 \
	request accept $r
c() { curl -s --cacert ca/ca/service.crt --cert op1.crt --key op1.key "$@"; }
tok=$(c -H 'Content-Type: application/json' -d '{"password":"operator-pass-1"}' $api/login | jq -r .token)
st=$(c -o body -w '%{http_code}' -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' \
	-d '{}' $api/requests/$r/produce)
same "produced by the daemon (KM key open): the old encryption key recovered" \
	"$st $(jq -r .result body)" "200 $EC3"

# the attack: someone with the USBKey but not its PIN
fails "import-keys with a wrong PIN" "wrong PIN" env FINCA_PIN=Wrong9999x "$FINCA" -d ca \
	token import-keys --serial $S4
same "it changed nothing on the token" "$(lsobj | grep -c Object)" "$n4"

# a token pulled out after the key went on, before it is recorded
a0=$(sqlite3 ca/finca.db "select count(*) from audit where action='token.key_import'")
fails "token removed mid-import" "removed" env FINCA_FAULT=import-removed FINCA_PIN=$pin4 \
	"$FINCA" -d ca token import-keys --serial $S4
same "the key this run put on is gone again" "$(lsobj | grep -c Object)" "$n4"
same "and nothing was recorded" \
	"$(sqlite3 ca/finca.db "select count(*) from audit where action='token.key_import'")" "$a0"

export FINCA_ACCOUNT_PASSWORD=operator-pass-1
out=$(FINCA_PIN=$pin4 "$FINCA" token import-keys --module $M --serial $S4 $R 2>&1)
same "import-keys (remote station) imports the recovered key, only it" "$out" \
	"encryption key imported: certificate $EC3"
objs=$(lsobj)
same "three private keys on token 2" "$(grep -c 'Private Key Object; EC' <<<"$objs")" 3
same "three certificates" "$(grep -c 'Certificate Object; type = X.509 cert' <<<"$objs")" 3
old=
for id in $(awk '/Private Key Object/{p=1} p&&/label:/{l=$0} p&&/ID:/{id=$2} p&&/Access:/{if (l ~ /\(enc\)/) print id; p=0}' <<<"$objs"); do
	$P11 --token-label zhao-key2 --read-object --type cert --id $id -o rc.der >/dev/null 2>&1
	[ "$(openssl x509 -inform DER -in rc.der -noout -serial | cut -d= -f2)" = "$EC3" ] && old=$id
done
same "the OLD encryption certificate is on token 2, its private key under its CKA_ID" "${#old}" 32
ok "ECDH on token 2 with the recovered key" $P11 --token-label zhao-key2 --login --pin "$pin4" \
	--derive -m ECDH1-DERIVE --id $old --input-file peer.der --output-file z4.token
same "the same secret as openssl's with the old certificate's key" "$(xxd -p z4.token)" \
	"$(xxd -p z3.ossl)"
out=$(FINCA_PIN=$pin4 "$FINCA" token import-keys --module $M --serial $S4 $R 2>&1)
unset FINCA_ACCOUNT_PASSWORD
has "import-keys again imports nothing, and says so" \
	"nothing to import \(2 encryption keys already on the token\)" "$out"
same "no key was added twice" "$(lsobj | grep -c Object)" $((n4 + 3))
same "the recovered key's import is audited once, for token 2" "$(sqlite3 ca/finca.db \
	"select count(*) from audit where action='token.key_import' and object='token:$S4' and details like '%$EC3%'")" 1
has "audit list shows it" "token.key_import" "$(finca -d ca audit list | grep "token:$S4")"
ok "audit verify" finca -d ca audit verify
