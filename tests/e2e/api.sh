#!/usr/bin/env bash
# The HTTPS JSON API with curl: TLS client certificates, password login,
# signed-challenge login for SM2 holders, roles, bad input, and the
# authentication API for application systems.
. "$(dirname "$0")/../lib.sh"

serve_ports
out=$(finca -d ca init --algo sm2 --url $base)
has "init creates the administrator" "administrator account: admin" "$out"
adminpw=$(sed -n 's/^  password *\([^ ]*\) .*/\1/p' <<<"$out")
same "admin password printed once (20 chars)" "${#adminpw}" 20
ok "admin.key opens with the password" openssl pkey -in ca/admin.key -passin pass:$adminpw -out admin.key.pem

# an operator and an auditor with TLS client certificates (service CA)
ok "operator TLS certificate" mk_tls op1
ok "auditor TLS certificate" mk_tls aud1
ok "app TLS certificate" mk_tls app1
# the province's making unit: its operator acts on certificates of holders
# of no registered unit (operators act only within their node's scope)
ok "province node" env FINCA_ACCOUNT_PASSWORD=$adminpw "$FINCA" -d ca --as admin node add \
	--code 350000 --name 福建省 --level province
# the holder the operator issues for: registered, in a unit of its node
UP=$(uscc 11350000MB0000001)
ok "province unit" env FINCA_ACCOUNT_PASSWORD=$adminpw "$FINCA" -d ca --as admin unit add \
	--code $UP --name 福建省财政厅 --type 行政机关 --node 350000
ok "holder registered" env FINCA_ACCOUNT_PASSWORD=$adminpw "$FINCA" -d ca --as admin person add \
	--id-number 35010419700101001X --name 赵六 --unit $UP
ok "account add operator" env FINCA_ACCOUNT_PASSWORD=operator-pass-1 "$FINCA" -d ca account add op1 --role operator --scope 350000 --cert op1.crt
ok "account add auditor" finca -d ca account add aud1 --role auditor --cert aud1.crt
ok "app add" finca -d ca app add app1 --cert app1.crt
fails "account with an unknown role" "expected admin, operator" finca -d ca account add x --role boss --cert op1.crt
has "account list" "aud1 +auditor" "$(finca -d ca account list)"

serve_start ca
C="curl -s --cacert ca/ca/service.crt"
code() { $C -o /dev/null -w '%{http_code}' "$@"; }

same "no certificate, no token: 401" "$(code $api/certs)" 401
same "auditor by client certificate: reads" "$(code --cert aud1.crt --key aud1.key $api/certs)" 200
same "auditor may not revoke: 403" "$(code --cert aud1.crt --key aud1.key -X POST -d '{"reason":"keyCompromise"}' $api/certs/01/revoke)" 403
has "the refusal is audited" "auth.denied" "$(finca -d ca audit list)"
same "operator needs a password first: 401" "$(code --cert op1.crt --key op1.key $api/certs)" 401
same "wrong password: 401" "$(code --cert op1.crt --key op1.key -X POST -d '{"password":"nope-nope-nope"}' $api/login)" 401
tok=$($C --cert op1.crt --key op1.key -X POST -d '{"password":"operator-pass-1"}' $api/login | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
same "operator login gives a token" "${#tok}" 43
O="$C --cert op1.crt --key op1.key -H Authorization:\ Bearer\ $tok"
opc() { $C -o /dev/null -w '%{http_code}' --cert op1.crt --key op1.key -H "Authorization: Bearer $tok" "$@"; }
opb() { $C --cert op1.crt --key op1.key -H "Authorization: Bearer $tok" "$@"; }
same "the token alone, without the TLS certificate it came with: 401" \
	"$(code -H "Authorization: Bearer $tok" $api/whoami)" 401
has "whoami" '"role":"operator"' "$($C --cert op1.crt --key op1.key -H "Authorization: Bearer $tok" $api/whoami)"

# issue through the API, then lifecycle
csr sm2 "/C=CN/O=福建省财政厅/CN=赵六" u.csr
body=$(jq -n --arg csr "$(cat u.csr)" '{profile:"personal", csr:$csr, id_number:"35010419700101001X"}')
res=$($C --cert op1.crt --key op1.key -H "Authorization: Bearer $tok" -X POST -d "$body" $api/certs)
serial=$(sed -n 's/.*"serial":"\([0-9A-F]*\)".*/\1/p' <<<"$res")
same "POST /certs issues (serial)" "${#serial}" 32
printf '%b' "$(sed -n 's/.*"pem":"\([^"]*\)".*/\1/p' <<<"$res")" >u.pem
ok "the issued certificate verifies (openssl, SM2 ID)" \
	openssl verify -partial_chain -CAfile ca/ca/issuing.crt -vfyopt distid:$DISTID u.pem
same "freeze" "$(opc -X POST $api/certs/$serial/freeze)" 200
has "OCSP says hold at once" "certificateHold" "$(openssl ocsp -issuer ca/ca/issuing.crt -cert u.pem -url $base/ocsp -noverify 2>&1)"
same "freeze twice: 409" "$(opc -X POST $api/certs/$serial/freeze)" 409
same "unfreeze" "$(opc -X POST $api/certs/$serial/unfreeze)" 200
has "list with filter" "$serial" "$($C --cert op1.crt --key op1.key -H "Authorization: Bearer $tok" "$api/certs?status=valid&limit=10")"

# bad input: named fields, nothing changes
before=$(rows ca cert)
has "unknown field named" '"field":"colour"' "$($C --cert op1.crt --key op1.key -H "Authorization: Bearer $tok" -X POST -d '{"profile":"personal","csr":"x","colour":"red"}' $api/certs)"
has "wrong type named" '"field":"days"' "$($C --cert op1.crt --key op1.key -H "Authorization: Bearer $tok" -X POST -d '{"profile":"personal","csr":"x","days":"ten"}' $api/certs)"
has "missing field named" '"field":"csr"' "$($C --cert op1.crt --key op1.key -H "Authorization: Bearer $tok" -X POST -d '{"profile":"personal"}' $api/certs)"
# every error object has the same members: class, reason, field, params
e=$($C --cert op1.crt --key op1.key -H "Authorization: Bearer $tok" -X POST -d '{"profile":"personal","csr":"x","colour":"red"}' $api/certs)
same "an error's members" "$(jq -c '.error | keys' <<<"$e")" '["code","detail","field","message","params","reason"]'
same "an error's stable reason" "$(jq -r .error.reason <<<"$e")" body.unknown_field
e=$(opb "$api/certs?status=lost")
same "a door's error: reason and field" "$(jq -r '[.error.code, .error.reason, .error.field] | join(" ")' <<<"$e")" "invalid api.cert_status status"
e=$(opb "$api/certs/0ABC")
same "a core error of no field: field null" "$(jq -c '[.error.code, .error.field]' <<<"$e")" '["not_found",null]'
has "not JSON" "not a JSON object" "$($C --cert op1.crt --key op1.key -H "Authorization: Bearer $tok" -X POST -d 'profile=x' $api/certs)"
long=$(printf 'x%.0s' $(seq 600))
has "a core error names its field" '"field":"subject"' "$($C --cert op1.crt --key op1.key -H "Authorization: Bearer $tok" -X POST -d "$(jq -c --arg s "CN=$long" '. + {subject: $s}' <<<"$body")" $api/certs)"
has "bad ID number explained" "check character" "$($C --cert op1.crt --key op1.key -H "Authorization: Bearer $tok" -X POST -d "$(sed 's/35010419700101001X/350104197001010010/' <<<"$body")" $api/certs)"
same "bad serial: 400" "$(opc -X POST -d '{"reason":"keyCompromise"}' $api/certs/xyz/revoke)" 400
head -c 26000000 /dev/zero | tr '\0' 'a' >big.json
same "26 MB body (over body_max): 413" "$(opc -X POST --data-binary @big.json $api/certs)" 413
same "nothing was stored by bad input" "$(rows ca cert)" "$before"

# SM2 holder logs in by signed challenge (no TLS client certificate)
ok "holder account" finca -d ca account add zhao --role officer --cert u.pem
ch=$($C -X POST $api/login/challenge | sed -n 's/.*"challenge":"\([^"]*\)".*/\1/p')
printf '%s' "$ch" | openssl dgst -sm3 -sign u.csr.key -sigopt distid:$DISTID -out sig.bin
sig=$(base64 -w0 sig.bin); cert=$(base64 -w0 <(openssl x509 -in u.pem -outform DER))
login=$($C -X POST -d "{\"certificate\":\"$cert\",\"challenge\":\"$ch\",\"signature\":\"$sig\"}" $api/login)
has "SM2 signed-challenge login" '"role":"officer"' "$login"
has "a challenge is single-use" "unknown or already used" \
	"$($C -X POST -d "{\"certificate\":\"$cert\",\"challenge\":\"$ch\",\"signature\":\"$sig\"}" $api/login)"

# application system: mutual TLS, challenge, verify
A="$C --cert app1.crt --key app1.key"
ach=$($A -X POST $api/auth/challenge | sed -n 's/.*"challenge":"\([^"]*\)".*/\1/p')
same "app challenge" "${#ach}" 43
printf '%s' "$ach" | openssl dgst -sm3 -sign u.csr.key -sigopt distid:$DISTID -out asig.bin
v=$($A -X POST -d "{\"certificate\":\"$cert\",\"challenge\":\"$ach\",\"signature\":\"$(base64 -w0 asig.bin)\"}" $api/auth/verify)
has "verify: who the holder is" '"name":"赵六".*"id_number":"35010419700101001X"' "$v"
has "verify: expiry prompt" '"days_to_expiry":[0-9]+,"renewal_due":false' "$v"
has "verify: grants (none yet)" '"grants":\[\]' "$v"
has "verify: replay refused" "already used" \
	"$($A -X POST -d "{\"certificate\":\"$cert\",\"challenge\":\"$ach\",\"signature\":\"$(base64 -w0 asig.bin)\"}" $api/auth/verify)"
ach=$($A -X POST $api/auth/challenge | sed -n 's/.*"challenge":"\([^"]*\)".*/\1/p')
printf '%s' "$ach" | openssl dgst -sha256 -sign op1.key -out bsig.bin
has "verify: another key's signature refused as a bad signature" "bad signature" \
	"$($A -X POST -d "{\"certificate\":\"$cert\",\"challenge\":\"$ach\",\"signature\":\"$(base64 -w0 bsig.bin)\"}" $api/auth/verify)"
# USBKeys (SKF, GM/T 0016) give SM2 signatures raw: r||s, 64 bytes.  raw
# DER OUT: the DER signature's two INTEGERs, each padded to 32 bytes.
raw() { openssl asn1parse -inform DER -in "$1" | sed -n 's/.*INTEGER *:\([0-9A-F]*\)$/\1/p' |
	perl -ne 'chomp; print pack("H*", ("0" x (64 - length)) . $_)' >"$2"; }
# sigv FILE: /auth/verify over a fresh challenge, FILE made by SIGNER
sigv() { ach=$($A -X POST $api/auth/challenge | sed -n 's/.*"challenge":"\([^"]*\)".*/\1/p')
	printf '%s' "$ach" | openssl dgst -sm3 -sign u.csr.key -sigopt distid:$DISTID -out d.bin
	raw d.bin r.bin; "$@"
	$A -X POST -d "{\"certificate\":\"$cert\",\"challenge\":\"$ach\",\"signature\":\"$(base64 -w0 sig.use)\"}" \
		$api/auth/verify; }
same "a raw r||s is 64 bytes" "$(raw asig.bin x.bin; stat -c %s x.bin)" 64
has "verify: a DER signature" '"valid":true' "$(sigv cp d.bin sig.use)"
has "verify: a raw r||s signature (as a USBKey makes it)" '"valid":true' "$(sigv cp r.bin sig.use)"
flip() { cp "$1" sig.use; local b; b=$(printf %02x $(( $(od -An -tu1 -j20 -N1 sig.use) ^ 1 )))
	printf "\\x$b" | dd of=sig.use bs=1 seek=20 conv=notrunc status=none
	cmp -s "$1" sig.use && echo "not ok - the byte did not flip" >&2; }
has "verify: a raw r||s with a flipped byte: a bad signature" '"reason":"challenge.sig_bad"' \
	"$(sigv flip r.bin)"
has "verify: a DER one with a flipped byte: a bad signature too" '"reason":"challenge.sig_bad"' \
	"$(sigv flip d.bin)"
has "verify: 63 bytes: neither form, named so" '"reason":"challenge.sig_form"' \
	"$(sigv sh -c 'head -c 63 r.bin >sig.use')"
# challenges answered out of order are all good (several users at once)
c1=$($A -X POST $api/auth/challenge | sed -n 's/.*"challenge":"\([^"]*\)".*/\1/p')
c2=$($A -X POST $api/auth/challenge | sed -n 's/.*"challenge":"\([^"]*\)".*/\1/p')
vfy() { printf '%s' "$1" | openssl dgst -sm3 -sign u.csr.key -sigopt distid:$DISTID -out o.bin
	$A -X POST -d "{\"certificate\":\"$cert\",\"challenge\":\"$1\",\"signature\":\"$(base64 -w0 o.bin)\"}" $api/auth/verify; }
has "the newer challenge first" '"valid":true' "$(vfy $c2)"
has "then the older one" '"valid":true' "$(vfy $c1)"
same "operator may not use the app API: 403" "$(opc -X POST $api/auth/challenge)" 403
ok "revoke the holder" finca -d ca cert revoke $serial --reason affiliationChanged
ach=$($A -X POST $api/auth/challenge | sed -n 's/.*"challenge":"\([^"]*\)".*/\1/p')
printf '%s' "$ach" | openssl dgst -sm3 -sign u.csr.key -sigopt distid:$DISTID -out rsig.bin
has "verify: revoked refused with the reason" "is revoked affiliationChanged" \
	"$($A -X POST -d "{\"certificate\":\"$cert\",\"challenge\":\"$ach\",\"signature\":\"$(base64 -w0 rsig.bin)\"}" $api/auth/verify)"

# the audit trail searched on the server (as the auditor)
U="$C --cert aud1.crt --key aud1.key"
q() { db_sql ca "$1"; }
r=$($U "$api/audit?action=auth.&limit=10000")
same "action prefix: only auth.* records" "$(jq '[.records[].action | select(startswith("auth.") | not)] | length' <<<"$r")" 0
same "action prefix: all of them" "$(jq '.records | length' <<<"$r")" \
	"$(q "SELECT count(*) FROM audit WHERE action LIKE 'auth.%' AND seq<=$(jq '.records[-1].seq' <<<"$r")")"
same "action exact: auth.denied" "$($U "$api/audit?action=auth.denied" | jq -r '[.records[].action] | unique | join(",")')" auth.denied
r=$($U "$api/audit?actor=op1")
same "actor op1: only op1's records" "$(jq -r '[.records[].actor] | unique | join(",")' <<<"$r")" op1
has "actor op1: some" '^[1-9]' "$(jq '.records | length' <<<"$r")"
same "object prefix" "$($U "$api/audit?object=acc&limit=10000" | jq '[.records[].object | select(startswith("acc") | not)] | length')" 0
same "since and limit as before: the oldest two, oldest first" \
	"$($U "$api/audit?since=2000-01-01&limit=2" | jq -c '[.records[].seq]')" "$(q "SELECT seq FROM audit ORDER BY seq LIMIT 2" | jq -sc .)"
same "until before the first record: none, next null" "$($U "$api/audit?until=2000-01-01" | jq -c '[.records, .next]')" '[[],null]'
seqs=(); nxt=; pages=0
while :; do
	r=$($U "$api/audit?order=desc&limit=4${nxt:+&before=$nxt}")
	seqs+=($(jq '.records[].seq' <<<"$r")); pages=$((pages + 1))
	nxt=$(jq -r '.next // empty' <<<"$r")
	[ -n "$nxt" ] && [ $pages -lt 100 ] || break
done
has "desc pages: several" '^([3-9]|[1-9][0-9])$' "$pages"
same "desc pages with before=: disjoint, newest first, covering every record" "${seqs[*]}" \
	"$(q "SELECT seq FROM audit WHERE seq<=${seqs[0]} ORDER BY seq DESC" | tr '\n' ' ' | sed 's/ $//')"
r=$($U "$api/audit?limit=3")
same "asc page after= continues after next" "$($U "$api/audit?limit=1&after=$(jq .next <<<"$r")" | jq '.records[0].seq')" \
	"$(($(jq '.records[-1].seq' <<<"$r") + 1))"
r=$($U "$api/audit?order=desc&before=abc")
same "bad before: 400" "$($U -o /dev/null -w '%{http_code}' "$api/audit?order=desc&before=abc")" 400
has "bad before: named" '"field":"before"' "$r"
has "before without order=desc: named" '"field":"before"' "$($U "$api/audit?before=5")"
same "bad order: 400" "$($U -o /dev/null -w '%{http_code}' "$api/audit?order=up")" 400

# a frozen TLS client certificate cannot log in
ok "freeze the auditor's certificate" finca -d ca cert freeze "$(serial_of aud1.crt)"
same "frozen client certificate: 401" "$(code --cert aud1.crt --key aud1.key $api/certs)" 401
same "the API is not served over plain HTTP" "$(curl -s -o /dev/null -w '%{http_code}' $base/api/v1/certs)" 403

# the administrator: certificate + password
atok=$($C --cert ca/admin.crt --key admin.key.pem -X POST -d "{\"password\":\"$adminpw\"}" $api/login | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
same "admin login" "${#atok}" 43
ok "app2 TLS certificate" mk_tls app2
body=$(jq -n --arg c "$(cat app2.crt)" '{name:"app2", role:"app", certificate:$c}')
same "admin registers an application system over the API" \
	"$(code --cert ca/admin.crt --key admin.key.pem -H "Authorization: Bearer $atok" -X POST -d "$body" $api/accounts)" 201
has "it is listed" '"name":"app2","role":"app"' "$($C --cert ca/admin.crt --key admin.key.pem -H "Authorization: Bearer $atok" $api/accounts)"
same "the new app can ask for challenges" "$(code --cert app2.crt --key app2.key -X POST $api/auth/challenge)" 200
same "an operator may not add accounts" "$(opc -X POST -d "$body" $api/accounts)" 403
# certificates that bind accounts are the administrator's; subscribers'
# are the operators' (issue 12)
body=$(jq -n --arg csr "$(cat u.csr)" '{profile:"personal", csr:$csr, id_number:"35010419700101001X"}')
s2=$($C --cert op1.crt --key op1.key -H "Authorization: Bearer $tok" -X POST -d "$body" $api/certs | sed -n 's/.*"serial":"\([0-9A-F]*\)".*/\1/p')
same "admin may not revoke a subscriber's certificate" "$(code --cert ca/admin.crt --key admin.key.pem -H "Authorization: Bearer $atok" -X POST -d '{"reason":"keyCompromise"}' $api/certs/$s2/revoke)" 403
same "an operator may not freeze an account's certificate" "$(opc -X POST $api/certs/$(serial_of app2.crt)/freeze)" 403
same "the administrator may" "$(code --cert ca/admin.crt --key admin.key.pem -H "Authorization: Bearer $atok" -X POST $api/certs/$(serial_of app2.crt)/freeze)" 200
same "and app2 is locked out" "$(code --cert app2.crt --key app2.key -X POST $api/auth/challenge)" 401

serve_stop
same "clean stop" "$?" 0
ok "audit verify" finca -d ca audit verify
has "logins are audited" "auth.login " "$(finca -d ca audit list)"

# the API's description parses (PyYAML) and names every agent operation
paths=$(/usr/bin/python3 -c 'import sys, yaml; print(" ".join(yaml.safe_load(open(sys.argv[1]))["paths"]))' \
	"$ROOT/docs/openapi.yaml" 2>&1)
has "docs/openapi.yaml is YAML with the agent's paths" "/v1/produce /v1/pin-reset /v1/wipe" "$paths"
