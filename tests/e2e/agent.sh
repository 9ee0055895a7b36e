#!/usr/bin/env bash
# finca agent, the holder's signing agent for the web console, with
# SoftHSM2 as the USBKey: Origin and Host checks, the CORS and Private
# Network Access preflight, the token's certificates as pkcs11-tool and
# openssl read them, a login challenge of the running finca serve signed
# through the agent, checked by openssl and accepted by finca's login; PINs
# from a file (a wrong one offered once, the token not locked) and from a
# command; refusals at start; a clean stop on SIGTERM and SIGINT.
# SoftHSM2 has no SM2 mechanism, so the token key is P-256 (the SM2 path,
# --sm2-sign, needs a vendor module).
. "$(dirname "$0")/../lib.sh"

softhsm
P11="pkcs11-tool --module $M"
SUBJ="C=CN, O=福建省财政厅, CN=张三"

serve_ports 4; aport=$((port + 2)); bport=$((port + 3))
agent=http://127.0.0.1:$aport; agent2=http://127.0.0.1:$bport
ORIGIN=https://127.0.0.1:$tport     # the console's origin: finca serve's HTTPS listener
ok "init a P-256 CA" finca -d ca init --algo p256 --url $base
printf '[token]\nmodule = %s\nalgorithm = p256\n' $M >>ca/finca.conf

# --- a USBKey with the holder's key and certificate ---
out=$(finca -d ca token init --label holder-key) || echo "not ok - token init: $out"
pin=$(sed -n 's/^default PIN for the envelope: //p' <<<"$out")
S1=$(sed -n 's/^token \([0-9a-f]*\) initialised.*/\1/p' <<<"$out")
out=$(FINCA_PIN=$pin "$FINCA" -d ca token enroll --profile personal --subject "$SUBJ" \
	--person 11010519491231002X 2>&1)
has "a key and certificate on the token" "enrolled: certificate" "$out"
C1=$(sed -n 's/.*certificate \([0-9A-F]*\) for.*/\1/p' <<<"$out")
$P11 --token-label holder-key --read-object --type cert --label 张三 -o c1.der >/dev/null 2>&1
openssl x509 -inform DER -in c1.der -out c1.pem
# the CKA_ID as pkcs11-tool reads it
ckaid=$($P11 --token-label holder-key -O 2>/dev/null | awk '/^Certificate Object/ {c=1}
	c && $1 == "ID:" {print toupper($2); exit}')
ID="$S1:$ckaid"
ok "an auditor account bound to the token's certificate" \
	finca -d ca account add holder --role auditor --cert c1.pem

# --- finca serve: where the console and its login challenges come from ---
serve_start ca
apid=
at_exit 'kill $apid 2>/dev/null; cp serve.log /tmp/agent-serve.log; cp agent*.log /tmp/ 2>/dev/null'
C="curl -s --cacert ca/ca/service.crt"

# start_agent LOG URL ARGS...: an agent with no controlling terminal (setsid),
# so that the PIN comes from --pin-file or --pin-command
start_agent() {
	local log=$1 url=$2; shift 2
	setsid "$FINCA" agent --module $M "$@" 2>"$log" &
	apid=$!
	for _ in $(seq 100); do curl -s -o /dev/null "$url/" && return; sleep 0.1; done
	echo "not ok - the agent did not start"; sed 's/^/#   /' "$log"
}
# stop_agent SIGNAL NAME: the agent stops on it with exit status 0
stop_agent() {
	kill -"$1" $apid
	wait $apid
	same "$2" "$?" 0
	apid=
}
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
O=(-H "Origin: $ORIGIN")
sign() { # ID CHALLENGE [URL]: the agent's answer
	curl -s "${O[@]}" -H 'Content-Type: application/json' \
		-d "$(jq -nc --arg id "$1" --arg ch "$2" '{id: $id, challenge: $ch}')" "${3:-$agent}/v1/sign"
}
signcode() { # ID CHALLENGE: the HTTP status of a signing
	curl -s -o sign.out -w '%{http_code}' "${O[@]}" -H 'Content-Type: application/json' \
		-d "$(jq -nc --arg id "$1" --arg ch "$2" '{id: $id, challenge: $ch}')" $agent/v1/sign
}

# --- refusals at start ---
printf '%s %s\n' "$S1" "$pin" >pins
chmod 644 pins
fails "a PIN file others can read is refused" "mode 644 .*chmod 600" \
	timeout 10 "$FINCA" agent --module $M --listen 127.0.0.1:$aport --origin $ORIGIN --pin-file pins
chmod 600 pins
fails "listening on 0.0.0.0 is refused" "loopback only" \
	timeout 10 "$FINCA" agent --module $M --listen 0.0.0.0:$aport --origin $ORIGIN --pin-file pins
fails "listening on [::] is refused" "loopback only" \
	timeout 10 "$FINCA" agent --module $M --listen "[::]:$aport" --origin $ORIGIN --pin-file pins
fails "no origin is refused" "give --origin" \
	timeout 10 "$FINCA" agent --module $M --listen 127.0.0.1:$aport --pin-file pins
fails "an origin with a path is refused" "nothing after" \
	timeout 10 "$FINCA" agent --module $M --listen 127.0.0.1:$aport --origin $ORIGIN/ --pin-file pins

start_agent agent.log $agent --listen 127.0.0.1:$aport --origin $ORIGIN --pin-file pins

# --- who may ask: Origin and Host ---
same "no Origin: 403" "$(code $agent/v1/certificates)" 403
same "another Origin: 403" "$(code -H 'Origin: https://evil.example' $agent/v1/certificates)" 403
same "an Origin that only begins like the allowed one: 403" \
	"$(code -H "Origin: $ORIGIN.evil.example" $agent/v1/certificates)" 403
same "a DNS-rebinding Host: 403" \
	"$(code "${O[@]}" -H "Host: evil.example:$aport" $agent/v1/certificates)" 403
same "a Host naming another port: 403" \
	"$(code "${O[@]}" -H "Host: 127.0.0.1:1" $agent/v1/certificates)" 403
same "Host localhost:PORT is fine" \
	"$(code "${O[@]}" -H "Host: localhost:$aport" $agent/v1/certificates)" 200
h=$(curl -s -D - -o /dev/null -H 'Origin: https://evil.example' $agent/v1/certificates | tr -d '\r')
if grep -qi '^Access-Control-Allow-Origin' <<<"$h"; then echo "not ok - a refused origin got CORS headers"
else echo "ok - a refused origin gets no CORS headers"; fi
same "an unknown path: 404" "$(code "${O[@]}" $agent/v1/keys)" 404
same "GET /v1/sign: 405" "$(code "${O[@]}" $agent/v1/sign)" 405

# --- the preflight (CORS and Private Network Access) ---
pre=$(curl -s -D - -o /dev/null -X OPTIONS "${O[@]}" -H 'Access-Control-Request-Method: POST' \
	-H 'Access-Control-Request-Headers: content-type' \
	-H 'Access-Control-Request-Private-Network: true' $agent/v1/sign | tr -d '\r')
has "preflight: 204" "^HTTP/1.1 204" "$pre"
has "preflight: the origin allowed" "^Access-Control-Allow-Origin: $ORIGIN$" "$pre"
has "preflight: the methods" "^Access-Control-Allow-Methods: GET, POST$" "$pre"
has "preflight: the header" "^Access-Control-Allow-Headers: Content-Type$" "$pre"
has "preflight: the private network allowed" "^Access-Control-Allow-Private-Network: true$" "$pre"
has "preflight: Vary: Origin" "^Vary: Origin$" "$pre"
has "preflight: cached 600 s" "^Access-Control-Max-Age: 600$" "$pre"
pre=$(curl -s -D - -o /dev/null -X OPTIONS "${O[@]}" -H 'Access-Control-Request-Method: GET' \
	$agent/v1/certificates | tr -d '\r')
if grep -qi '^Access-Control-Allow-Private-Network' <<<"$pre"; then
	echo "not ok - private network allowed unasked"
else echo "ok - private network allowed only when asked"; fi
same "a preflight from another origin: 403" "$(code -X OPTIONS -H 'Origin: https://evil.example' \
	-H 'Access-Control-Request-Private-Network: true' $agent/v1/sign)" 403

# --- the certificates on the token ---
list=$(curl -s -D hdr.txt "${O[@]}" $agent/v1/certificates)
same "one certificate listed" "$(jq '.certificates | length' <<<"$list")" 1
has "the answer allows the origin" "^Access-Control-Allow-Origin: $ORIGIN" "$(tr -d '\r' <hdr.txt)"
jq -r '.certificates[0].certificate' <<<"$list" | base64 -d >listed.der
same "it is the token's certificate, byte for byte (pkcs11-tool)" \
	"$(sha256sum <listed.der)" "$(sha256sum <c1.der)"
same "its serial as openssl reads it" "$(jq -r '.certificates[0].serial' <<<"$list")" \
	"$(serial_of c1.pem)"
same "and as finca issued it" "$(jq -r '.certificates[0].serial' <<<"$list")" "$C1"
same "its id: token serial and CKA_ID (pkcs11-tool)" "$(jq -r '.certificates[0].id' <<<"$list")" "$ID"
same "the token named" "$(jq -r '.certificates[0].token | .serial + " " + .label' <<<"$list")" \
	"$S1 holder-key"
same "the subject" "$(jq -r '.certificates[0].subject' <<<"$list")" "$SUBJ"
same "not_after in ISO 8601 UTC (openssl)" "$(jq -r '.certificates[0].not_after' <<<"$list")" \
	"$(date -u -d "$(openssl x509 -in c1.pem -noout -enddate | cut -d= -f2)" +%Y-%m-%dT%H:%M:%SZ)"
same "the algorithm" "$(jq -r '.certificates[0].algorithm' <<<"$list")" p256

# --- a login: finca's challenge, signed through the agent ---
ch=$($C -X POST $api/login/challenge | jq -r .challenge)
res=$(sign "$ID" "$ch")
sig=$(jq -r .signature <<<"$res")
cert=$(jq -r .certificate <<<"$res")
same "the signing answers with the token's certificate" "$(base64 -d <<<"$cert" | sha256sum)" \
	"$(sha256sum <c1.der)"
base64 -d <<<"$sig" >sig.bin
printf %s "$ch" >challenge.txt
openssl x509 -in c1.pem -noout -pubkey >pub.pem
ok "openssl verifies it: ECDSA P-256 with SHA-256 over the challenge text" \
	openssl dgst -sha256 -verify pub.pem -signature sig.bin challenge.txt
ok "and the signature is DER" openssl asn1parse -inform DER -in sig.bin
login=$($C -X POST -d "$(jq -nc --arg c "$cert" --arg ch "$ch" --arg s "$sig" \
	'{certificate: $c, challenge: $ch, signature: $s}')" $api/login)
tok=$(jq -r .token <<<"$login")
same "finca's login accepts it: a session token" "${#tok}" 43
same "whoami: the holder's account" \
	"$($C -H "Authorization: Bearer $tok" $api/whoami | jq -r '.account + " " + .role + " " + .certificate')" \
	"holder auditor $C1"
ok "the token is logged out after signing" $P11 --token-label holder-key -O

# --- bad requests ---
same "an id on no token: 404" "$(signcode "0000000000000000:$ckaid" abc)" 404
same "an id the token does not hold: 404" "$(signcode "$S1:00" abc)" 404
same "the 404 is JSON" "$(jq -r .error.code <sign.out)" not_found
same "a malformed id: 400" "$(signcode "nocolon" abc)" 400
same "an empty challenge: 400" "$(signcode "$ID" "")" 400
same "a challenge of 257 characters: 400" "$(signcode "$ID" "$(printf 'a%.0s' $(seq 257))")" 400
same "a challenge of 256 is fine" "$(signcode "$ID" "$(printf 'a%.0s' $(seq 256))")" 200
same "a challenge with a line break: 400" "$(signcode "$ID" "$(printf 'a\nb')")" 400
same "a challenge not ASCII: 400" "$(signcode "$ID" "挑战")" 400
same "an unknown field: 400" "$(code "${O[@]}" -d "{\"id\":\"$ID\",\"challenge\":\"x\",\"pin\":\"1\"}" \
	$agent/v1/sign)" 400
same "not JSON: 400" "$(code "${O[@]}" -d 'id=1' $agent/v1/sign)" 400
# --- in the caller's language (Accept-Language), as finca's API ---
ZH=(-H 'Accept-Language: zh-CN,zh;q=0.9')
e=$(curl -s "${ZH[@]}" -H 'Origin: https://evil.example' $agent/v1/certificates | jq -c .error)
same "another Origin, in Chinese" "$(jq -r .message <<<"$e")" "此来源的网页不能使用签名助手（见--origin）"
same "with its reason" "$(jq -r .reason <<<"$e")" agent.origin
has "in English without the header" "may not use the agent" \
	"$(curl -s -H 'Origin: https://evil.example' $agent/v1/certificates | jq -r .error.message)"
e=$(curl -s "${ZH[@]}" "${O[@]}" -H 'Content-Type: application/json' \
	-d "{\"id\":\"$S1:00\",\"challenge\":\"abc\"}" $agent/v1/sign | jq -c .error)
same "a certificate the token does not hold, in Chinese" "$(jq -r .message <<<"$e")" "USBKey $S1中没有此证书"
same "a malformed id, in Chinese, naming the field" "$(curl -s "${ZH[@]}" "${O[@]}" \
	-d '{"id":"nocolon","challenge":"abc"}' $agent/v1/sign | jq -r .error.message)" \
	"id：应为“USBKey序列号:CKA_ID十六进制”，即GET /v1/certificates所列的值"
same "an unknown path, in Chinese" "$(curl -s "${ZH[@]}" "${O[@]}" $agent/v1/keys | jq -r .error.message)" \
	"没有此路径（GET /v1/certificates，POST /v1/sign）"
same "a body over 4 KiB: 400" "$(code "${O[@]}" -d "{\"id\":\"$(printf 'a%.0s' $(seq 5000))\"}" \
	$agent/v1/sign)" 400

# --- PINs: a wrong one is offered once and never again ---
printf '%s %s\n' "$S1" Wrong123 >pins
same "a wrong PIN: 401" "$(signcode "$ID" abc)" 401
same "named wrong_pin" "$(jq -r .error.code <sign.out)" wrong_pin
has "the token's word" "wrong PIN" "$(jq -r .error.message <sign.out)"
same "the same wrong PIN again: 401" "$(signcode "$ID" abc)" 401
has "without offering it to the token again" "not offered again" "$(jq -r .error.message <sign.out)"
same "and in Chinese" "$(curl -s "${ZH[@]}" "${O[@]}" -d "{\"id\":\"$ID\",\"challenge\":\"abc\"}" \
	$agent/v1/sign | jq -r .error.message)" "USBKey $S1此前已拒绝此PIN，不再重试"
printf '%s %s\n' "$S1" "$pin" >pins
same "the good PIN still works: the agent locked nothing" "$(signcode "$ID" abc)" 200
ok "and pkcs11-tool logs in with it" $P11 --token-label holder-key --login --pin "$pin" -O
printf '%s %s\n' 0000000000000000 "$pin" >pins
same "no line for the token in the PIN file: 503" "$(signcode "$ID" abc)" 503
printf '%s %s\n' "$S1" "$pin" >pins
chmod 640 pins
same "a PIN file made group-readable meanwhile: 503" "$(signcode "$ID" abc)" 503
has "saying why" "chmod 600" "$(jq -r .error.message <sign.out)"
chmod 600 pins

log=$(cat agent.log)
stop_agent TERM "SIGTERM stops the agent cleanly (exit 0)"
has "one log line per request: the signing" "POST /v1/sign origin=$ORIGIN 200" "$log"
has "a refusal logged with its origin" "GET /v1/certificates origin=https://evil.example 403" "$log"
has "a request without Origin logged" "GET /v1/certificates origin=- 403" "$log"
if grep -qF -- "$pin" agent.log; then echo "not ok - the PIN is in the log"; else echo "ok - the PIN is not in the log"; fi
if grep -q Sanitizer agent.log; then echo "not ok - the sanitizers report"; sed 's/^/#   /' agent.log | head -40
else echo "ok - no sanitizer report"; fi

# --- the PIN from a command; origins from $FINCA_AGENT_ORIGINS ---
printf '#!/bin/sh\nprintf "%%s|%%s|%%s\\n" "$FINCA_AGENT_TOKEN" "$FINCA_AGENT_ORIGIN" "$FINCA_AGENT_SUBJECT" >asked\nprintf "%%s\\n" "$HOLDER_PIN"\n' >ask.sh
FINCA_AGENT_ORIGINS="https://other.example $ORIGIN" HOLDER_PIN=$pin \
	start_agent agent2.log $agent2 --listen 127.0.0.1:$bport --pin-command 'sh ./ask.sh'
ch=$($C -X POST $api/login/challenge | jq -r .challenge)
res=$(sign "$ID" "$ch" $agent2)
base64 -d <<<"$(jq -r .signature <<<"$res")" >sig2.bin
printf %s "$ch" >challenge2.txt
ok "a PIN from --pin-command: openssl verifies the signature" \
	openssl dgst -sha256 -verify pub.pem -signature sig2.bin challenge2.txt
same "the command is told the token, the origin and the holder" "$(cat asked)" "$S1|$ORIGIN|$SUBJ"
same "a second origin from \$FINCA_AGENT_ORIGINS" \
	"$(code -H 'Origin: https://other.example' $agent2/v1/certificates)" 200
printf '#!/bin/sh\nexit 1\n' >ask.sh
same "a command that gives no PIN: 503" "$(code "${O[@]}" -d "{\"id\":\"$ID\",\"challenge\":\"x\"}" \
	$agent2/v1/sign)" 503
stop_agent INT "SIGINT stops the agent cleanly (exit 0)"
if grep -q Sanitizer agent2.log; then echo "not ok - the sanitizers report (2)"; sed 's/^/#   /' agent2.log | head -40
else echo "ok - no sanitizer report (2)"; fi
ok "the audit chain verifies" finca -d ca audit verify
