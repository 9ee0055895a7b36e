#!/usr/bin/env bash
# The operator makes USBKeys from the console (issue 15, items 4 and 5):
# `finca agent` with SoftHSM2 blank tokens, driven through its HTTP
# operations the way web/pages/production.js drives it.  An accepted batch
# of three person applies (stamped scan attached before approval, art. 19);
# the operator's console session (a signed-challenge login, as the browser
# makes it) asks the server for a signed instruction per request and hands
# it to the agent with the session; the agent initialises the blank token,
# makes the key on it, has the certificate issued and writes it, and
# answers the PIN envelope as a PDF.  pkcs11-tool finds key and
# certificate on each token and logs in with the envelope's PIN
# (pdftotext reads it); the server's database holds no PIN.  Refused, and
# changing nothing: an instruction signed by another key, one altered, an
# expired one (signed with the service CA's key by openssl), one used
# twice, one for another operation, pages that are not the console.  A
# token pulled out mid-write and a crash between issuance and writing
# leave the certificate revoked, and the retry completes.  A PIN reset
# (附件3) goes the same way; a USBKey taken back (returned) is made again
# for a new holder.
. "$(dirname "$0")/../lib.sh"

softhsm
P11="pkcs11-tool --module $M"
serve_ports 3; aport=$((port + 2))
agent=http://127.0.0.1:$aport
URL=https://127.0.0.1:$tport       # the console: finca serve's HTTPS listener
out=$(finca -d ca init --algo p256 --url $base) || echo "not ok - init: $out"
ok "demo seed" finca -d ca demo seed
D=ca/demo
serve_start ca
apid=
at_exit 'kill $apid 2>/dev/null; cp serve.log /tmp/produce-serve.log; cp agent*.log /tmp/ 2>/dev/null'
C="curl -s --cacert ca/ca/service.crt"
q() { sqlite3 ca/finca.db "$1"; }

# --- an accepted batch of three applies of 闽侯县's officer ---
P=(350121198405211177 350121198910111185 350121197902281219)
tio=$($C --cert $D/io-minhou.crt --key $D/io-minhou.key -X POST -d '{}' $api/login | jq -r .token)
io() { $C --cert $D/io-minhou.crt --key $D/io-minhou.key -H "Authorization: Bearer $tio" "$@"; }
r='['; for p in "${P[@]}"; do r+="{\"type\":\"apply\",\"subject\":\"$p\",\"app\":\"ysgl\"},"; done
b=$(io -X POST -d "{\"requests\":${r%,}]}" $api/batches | jq -r .batch)
printf '%%PDF-1.4\n%% a stamped scan\n%%%%EOF\n' >scan.pdf
io -X POST -d "{\"name\":\"盖章扫描件.pdf\",\"data\":\"$(base64 -w0 scan.pdf)\"}" \
	$api/batches/$b/attachments >/dev/null
ok "the batch submitted" finca -d ca --as io-minhou batch submit $b
ok "approved" finca -d ca --as ap-yusuan batch approve $b
ok "accepted by the city's operator" env FINCA_ACCOUNT_PASSWORD=Demo-operator-2026 \
	"$FINCA" -d ca --as op-fuzhou batch accept $b
R=($(q "SELECT id FROM request WHERE batch=$b ORDER BY id"))
same "three accepted requests" "$(q "SELECT count(*) FROM request WHERE batch=$b AND state='accepted'")" 3

# --- the operator's console session: a signed challenge, as the browser
# logs in through the agent (no TLS client certificate: the agent can use it) ---
ch=$($C -X POST $api/login/challenge | jq -r .challenge)
sig=$(printf %s "$ch" | openssl dgst -sha256 -sign $D/op-fuzhou.key | base64 -w0)
crt=$(openssl x509 -in $D/op-fuzhou.crt -outform DER | base64 -w0)
tok=$($C -X POST -d "$(jq -nc --arg c "$crt" --arg ch "$ch" --arg s "$sig" \
	'{certificate: $c, challenge: $ch, signature: $s, password: "Demo-operator-2026"}')" \
	$api/login | jq -r .token)
same "the operator's session" "${#tok}" 43
# a second operator of the same node: an instruction given to op-fuzhou is
# no use with its session (below)
ok "a second operator of Fuzhou" mk_tls op2
ok "  its account" env FINCA_ACCOUNT_PASSWORD=operator-pass-2 "$FINCA" -d ca account add op2 \
	--role operator --scope 350100 --cert op2.crt
ch=$($C -X POST $api/login/challenge | jq -r .challenge)
tok2=$($C -X POST -d "$(jq -nc --arg c "$(openssl x509 -in op2.crt -outform DER | base64 -w0)" --arg ch "$ch" \
	--arg s "$(printf %s "$ch" | openssl dgst -sha256 -sign op2.key | base64 -w0)" \
	'{certificate: $c, challenge: $ch, signature: $s, password: "operator-pass-2"}')" $api/login | jq -r .token)

# --- the agent: the console is its --server, the service CA checks instructions ---
start_agent() { # LOG [ENV...]
	local log=$1; shift
	setsid env "$@" "$FINCA" agent --module $M --listen 127.0.0.1:$aport --server $URL \
		--ca-cert ca/ca/service.crt --origin https://other.example 2>"$log" &
	apid=$!
	for _ in $(seq 100); do curl -s -o /dev/null $agent/ && return; sleep 0.1; done
	echo "not ok - the agent did not start"; sed 's/^/#   /' "$log"
}
start_agent agent.log
O=(-H "Origin: $URL")
tokens() { curl -s "${O[@]}" $agent/v1/tokens; }
# instr OP REQUEST [TOKEN]: what the console asks the server for
instr() {
	$C -H "Authorization: Bearer $tok" -X POST \
		-d "$(jq -nc --arg op "$1" --argjson r "$2" --arg t "${3-}" '{op: $op, request: $r, token: $t}')" \
		$api/instructions
}
# produce INSTRUCTION [ORIGIN] [PATH]: the agent's status; its answer in prod.out
produce() {
	curl -s -o prod.out -w '%{http_code}' -H "Origin: ${2:-$URL}" -H 'Content-Type: application/json' \
		-d "$(jq -c --arg s "$tok" '{instruction: {payload, signature}, session: $s}' <<<"$1")" \
		$agent${3:-/v1/produce}
}
# slot SERIAL: the PKCS#11 slot id of a token, as pkcs11-tool lists it
slot() { $P11 -L 2>/dev/null | awk -v s="$1" '/^Slot/ {id = $3; gsub(/[()]/, "", id); sub(/:$/, "", id)}
	$1 == "serial" && $NF == s {print id}'; }
# state: what a refusal must not change (tokens present, certificates, requests)
state() { echo "$(tokens | jq -c '[.tokens[] | .initialized]') $(q 'SELECT count(*) FROM cert') \
$(q "SELECT group_concat(state) FROM request WHERE batch=$b") $(q 'SELECT count(*) FROM token')"; }

same "one blank token present" "$(tokens | jq -c '[.tokens[] | select(.initialized | not)] | length')" 1
same "another origin may not list the tokens" \
	"$(curl -s -o /dev/null -w '%{http_code}' -H 'Origin: https://evil.example' $agent/v1/tokens)" 403

# --- refusals: none changes anything ---
s0=$(state)
i1=$(instr produce ${R[0]})
same "the server signs an instruction for an accepted request" "$(jq -r '.payload | @base64d | fromjson | .op' <<<"$i1")" produce
same "instructions are audited" "$(q "SELECT count(*) FROM audit WHERE action='request.instruction'")" 1
same "no instruction for a request not accepted" \
	"$($C -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tok" -X POST \
	-d "{\"op\":\"produce\",\"request\":999}" $api/instructions)" 404
same "no instruction without a session" \
	"$($C -o /dev/null -w '%{http_code}' -X POST -d "{\"op\":\"produce\",\"request\":${R[0]}}" $api/instructions)" 401
# signed by another key
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out evil.key 2>/dev/null
pl=$(jq -r .payload <<<"$i1")
forge() { # PAYLOADB64 KEY [PASS]
	base64 -d <<<"$1" >pl.bin
	openssl dgst -sha256 -sign "$2" ${3:+-passin pass:$3} pl.bin | base64 -w0
}
same "an instruction signed by another key: 403" \
	"$(produce "$(jq -nc --arg p "$pl" --arg s "$(forge "$pl" evil.key)" '{payload: $p, signature: $s}')")" 403
has "  says it is not the server's" "not signed by the server" "$(jq -r .error.message prod.out)"
other=$(base64 -d <<<"$pl" | jq -c ".request = ${R[1]}" | base64 -w0)
same "an altered instruction (another request): 403" \
	"$(produce "$(jq -nc --arg p "$other" --arg s "$(jq -r .signature <<<"$i1")" '{payload: $p, signature: $s}')")" 403
old=$(base64 -d <<<"$pl" | jq -c ".expires = $(($(date +%s) - 10))" | base64 -w0)
same "an expired instruction, signed with the service CA's key: 403" \
	"$(produce "$(jq -nc --arg p "$old" --arg s "$(forge "$old" ca/ca/service.key $FINCA_PASSPHRASE)" \
	'{payload: $p, signature: $s}')")" 403
has "  says it expired" "expired" "$(jq -r .error.message prod.out)"
same "an Origin that is not the console: 403" "$(produce "$i1" https://evil.example)" 403
same "another allowed page that is not the console: 403" "$(produce "$i1" https://other.example)" 403
has "  only the console may change a USBKey" "only the console" "$(jq -r .error.message prod.out)"
same "a produce instruction used for a PIN reset: 403" "$(produce "$i1" "" /v1/pin-reset)" 403
same "an instruction names the operator it was given to" \
	"$(jq -r '.payload | @base64d | fromjson | .account' <<<"$i1")" op-fuzhou
same "op-fuzhou's instruction with op2's session: 403" "$(curl -s -o prod.out -w '%{http_code}' "${O[@]}" \
	-H 'Content-Type: application/json' -d "$(jq -c --arg s "$tok2" '{instruction: {payload, signature}, session: $s}' \
	<<<"$(instr produce ${R[1]})")" $agent/v1/produce)" 403
has "  says whose it is" "given to op-fuzhou" "$(jq -r .error.message prod.out)"
bogus=$(printf 'A%.0s' $(seq 43))
same "a session the server does not know: refused by the server, through the agent" \
	"$(curl -s -o prod.out -w '%{http_code}' "${O[@]}" -H 'Accept-Language: zh-CN' \
	-H 'Content-Type: application/json' -d "$(jq -c --arg s "$bogus" '{instruction: {payload, signature}, session: $s}' \
	<<<"$(instr produce ${R[1]})")" $agent/v1/produce)" 403
has "  in the page's language (Chinese), as the server said it" "请重新登录（HTTP 401）" "$(jq -r .error.message prod.out)"
same "no session: 400" "$(curl -s -o /dev/null -w '%{http_code}' "${O[@]}" -d \
	"$(jq -c '{instruction: {payload, signature}}' <<<"$i1")" $agent/v1/produce)" 400
same "the refusals changed nothing" "$(state)" "$s0"

# --- three USBKeys, one after another, as the console drives the batch ---
n=0
make_one() { # REQUEST INDEX [INSTRUCTION]: one token; its serial, cert, PIN in S[i] C[i] PIN[i]
	local i=$2 ins=${3:-$(instr produce $1)} st
	st=$(produce "$ins")
	same "request $1: the agent made the USBKey" "$st" 200
	[ "$st" = 200 ] || { sed 's/^/#   /' prod.out; return; }
	S[$i]=$(jq -r .token prod.out); TC[$i]=$(jq -r .certificate prod.out)
	jq -r .envelope prod.out | base64 -d >env$i.pdf
	PIN[$i]=$(pdftotext -layout env$i.pdf - | sed -n 's/.*默认PIN码 *\([A-Za-z0-9]\{8\}\).*/\1/p')
	CODE[$i]=$(pdftotext -layout env$i.pdf - | grep -oE '[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}' | head -1)
}
declare -a S TC PIN CODE
make_one ${R[0]} 0 "$i1"
same "a used instruction is refused the second time" "$(produce "$i1")" 403
has "  as used" "used already" "$(jq -r .error.message prod.out)"
make_one ${R[1]} 1
for i in 0 1; do
	same "token $i: the envelope names the holder" \
		"$(pdftotext env$i.pdf - | grep -c "$(q "SELECT name FROM person WHERE id_number='${P[$i]}'")")" 1
	same "token $i: pdftotext finds an 8-character default PIN" "${#PIN[$i]}" 8
	has "token $i: and the loss-report code (挂失码)" "^[A-Z0-9]{4}-" "${CODE[$i]}"
	sl=$(slot ${S[$i]})
	objs=$($P11 --slot $sl --login --pin "${PIN[$i]}" -O 2>/dev/null)
	has "token $i: the envelope's PIN logs in, the key is on the token" "Private Key Object; EC" "$objs"
	has "token $i: never extractable" "never extractable" "$objs"
	has "token $i: the certificate next to it" "Certificate Object; type = X.509 cert" "$objs"
	$P11 --slot $sl --read-object --type cert --label "$(q "SELECT name FROM person WHERE id_number='${P[$i]}'")" -o c$i.der >/dev/null 2>&1
	openssl x509 -inform DER -in c$i.der -out c$i.pem 2>/dev/null
	same "token $i: its certificate is the one issued" "$(serial_of c$i.pem)" "${TC[$i]}"
	has "token $i: for the person of the request" "${P[$i]}|CN *= *$(q "SELECT name FROM person WHERE id_number='${P[$i]}'")" \
		"$(openssl x509 -in c$i.pem -noout -subject -nameopt utf8,sep_comma_plus_space) $(openssl x509 -in c$i.pem -noout -text)"
	same "token $i: the inventory binds it, default PIN" \
		"$(finca -d ca token show ${S[$i]} | jq -r '.state + " " + (.default_pin | tostring) + " " + .certificate')" \
		"issued true ${TC[$i]}"
	same "token $i: the request is produced" "$(q "SELECT state FROM request WHERE id=${R[$i]}")" produced
done

# --- the third: a token pulled out mid-write, then a crash between issuance
# and writing; the retry completes and nothing valid is left without its token ---
# stop_agent: SIGTERM, and a clean exit (the sanitizer build fails on a leak)
stop_agent() { kill -TERM $apid 2>/dev/null; wait $apid; same "the agent stops cleanly" "$?" 0; apid=; }
stop_agent
start_agent agent-removed.log FINCA_FAULT=token-removed
st=$(produce "$(instr produce ${R[2]})")
same "a token pulled out while the certificate is written: the agent says so" "$st" 500
has "  and that the certificate was revoked" "revoked" "$(jq -r .error.message prod.out)"
S[2]=$(tokens | jq -r '[.tokens[] | select(.initialized and .label == "finca") | .serial] - ['"\"${S[0]}\",\"${S[1]}\""'] | .[0]')
c1=$(q "SELECT serial FROM cert WHERE subject LIKE '%$(q "SELECT name FROM person WHERE id_number='${P[2]}'")%' ORDER BY rowid DESC LIMIT 1")
same "the certificate that never reached the token is revoked" \
	"$(finca -d ca cert show $c1 --json | jq -r .status)" revoked
same "the token stays initialised, bound to nothing" \
	"$(finca -d ca token show ${S[2]} | jq -r '.state + " " + .certificate')" "initialized "
same "the request is still accepted" "$(q "SELECT state FROM request WHERE id=${R[2]}")" accepted
stop_agent
start_agent agent-crash.log FINCA_FAULT=crash-before-write
st=$(produce "$(instr produce ${R[2]} ${S[2]})")
wait $apid; same "the agent died between issuance and writing" "$?" 86
apid=
c2=$(finca -d ca token show ${S[2]} | jq -r '.events[-1].certificate // empty')
has "the crash left a certificate pending on the token" "^[0-9A-F]+$" "$c2"
start_agent agent2.log
make_one ${R[2]} 2 "$(instr produce ${R[2]} ${S[2]})"
same "the retry resumed the initialised token" "$(jq -r .resumed prod.out)" true
same "the certificate the crash left pending is revoked" \
	"$(finca -d ca cert show $c2 --json | jq -r .status)" revoked
same "the third request is produced" "$(q "SELECT state FROM request WHERE id=${R[2]}")" produced
sl=$(slot ${S[2]})
has "the retry's PIN logs in, key and certificate on the token" "Certificate Object" \
	"$($P11 --slot $sl --login --pin "${PIN[2]}" -O 2>/dev/null)"
$P11 --slot $sl --read-object --type cert --label "$(q "SELECT name FROM person WHERE id_number='${P[2]}'")" -o c2.der >/dev/null 2>&1
same "the token holds the certificate issued" "$(openssl x509 -inform DER -in c2.der -noout -serial | cut -d= -f2)" "${TC[2]}"
name3=$(q "SELECT name FROM person WHERE id_number='${P[2]}'")
same "of all certificates made for the third holder, only the one on the token is valid" \
	"$(finca -d ca cert list --json | jq -r --arg n "$name3" '[.[] | select(.subject | test($n)) | select(.status == "valid") | .serial] | join(" ")')" "${TC[2]}"

# --- the server never held a PIN ---
found=0
for i in 0 1 2; do
	for f in ca/finca.db ca/finca.db-wal; do
		[ -f $f ] && grep -aq -- "${PIN[$i]}" $f && found=1
	done
	grep -q -- "${PIN[$i]}" serve.log && found=1
done
same "no default PIN in the server's database or log" "$found" 0
same "no loss-report code in clear either" \
	"$(for i in 0 1 2; do grep -ac -- "${CODE[$i]}" ca/finca.db; done | sort -u)" 0
same "the PIN is nowhere in the agent's log" "$(cat agent*.log | grep -c -- "${PIN[2]}")" 0

# --- a PIN reset (附件3) from the console, for the first holder ---
ok "the holder changed the PIN" env FINCA_PIN=${PIN[0]} FINCA_NEW_PIN=Fujian2026 "$FINCA" -d ca \
	token change-pin --module $M --serial ${S[0]}
rq=$(io -X POST -d "{\"requests\":[{\"type\":\"pin-reset\",\"subject\":\"${P[0]}\",\"app\":\"ysgl\",\"cert_serial\":\"${TC[0]}\"}]}" $api/batches | jq -r .batch)
io -X POST -d "{\"name\":\"盖章扫描件.pdf\",\"data\":\"$(base64 -w0 scan.pdf)\"}" $api/batches/$rq/attachments >/dev/null
finca -d ca --as io-minhou batch submit $rq >/dev/null 2>&1
finca -d ca --as ap-yusuan batch approve $rq >/dev/null 2>&1
FINCA_ACCOUNT_PASSWORD=Demo-operator-2026 "$FINCA" -d ca --as op-fuzhou batch accept $rq >/dev/null 2>&1
rr=$(q "SELECT id FROM request WHERE batch=$rq")
if [ "$(q "SELECT state FROM request WHERE id=$rr")" = accepted ]; then
	ir=$(instr pin_reset $rr ${S[0]})
	same "a produce path refuses a PIN reset instruction" "$(produce "$ir")" 403
	same "the PIN reset through the agent" "$(produce "$ir" "" /v1/pin-reset)" 200
	jq -r .envelope prod.out | base64 -d >reset.pdf
	np=$(pdftotext -layout reset.pdf - | sed -n 's/.*默认PIN码 *\([A-Za-z0-9]\{8\}\).*/\1/p')
	ok "the new envelope's PIN logs in" $P11 --slot $(slot ${S[0]}) --login --pin "$np" -O
	same "the reset request is produced" "$(q "SELECT state FROM request WHERE id=$rr")" produced
	same "and the PIN must be changed again" "$(finca -d ca token show ${S[0]} | jq -r .default_pin)" true
else
	echo "not ok - the PIN reset request was not accepted ($(q "SELECT state FROM request WHERE id=$rr"))"
fi

# --- an old USBKey taken back (art. 22) is made again for a new holder ---
ok "the second holder's USBKey is taken back (its certificate revoked)" finca -d ca token return \
	${S[1]} --from 许美玲 --reason affiliationChanged
P4=350121199308031224
b4=$(io -X POST -d "{\"requests\":[{\"type\":\"apply\",\"subject\":\"$P4\",\"app\":\"ysgl\"}]}" $api/batches | jq -r .batch)
io -X POST -d "{\"name\":\"盖章扫描件.pdf\",\"data\":\"$(base64 -w0 scan.pdf)\"}" $api/batches/$b4/attachments >/dev/null
finca -d ca --as io-minhou batch submit $b4 >/dev/null 2>&1
finca -d ca --as ap-yusuan batch approve $b4 >/dev/null 2>&1
FINCA_ACCOUNT_PASSWORD=Demo-operator-2026 "$FINCA" -d ca --as op-fuzhou batch accept $b4 >/dev/null 2>&1
r4=$(q "SELECT id FROM request WHERE batch=$b4")
old4=${PIN[1]}
make_one $r4 3 "$(instr produce $r4 ${S[1]})"
same "the returned USBKey was made again (the same token)" "${S[3]}" "${S[1]}"
same "re-initialised for the new holder" \
	"$(finca -d ca token show ${S[3]} | jq -r '.state + " " + .holder + " " + .certificate')" "issued $P4 ${TC[3]}"
has "its new envelope's PIN logs in" "Certificate Object" \
	"$($P11 --slot $(slot ${S[3]}) --login --pin "${PIN[3]}" -O 2>/dev/null)"
if $P11 --slot $(slot ${S[3]}) --login --pin "$old4" -O >/dev/null 2>&1; then
	echo "not ok - the former holder's PIN still opens it"
else echo "ok - the former holder's PIN no longer opens it"; fi

# --- a USBKey taken back is wiped at once (art. 22): nothing of its holder stays on it ---
wipe_instr() { # CURL...: the status of asking for a wipe of the third USBKey
	"$@" -o /dev/null -w '%{http_code}' -X POST -d "{\"op\":\"wipe\",\"token\":\"${S[2]}\"}" \
		$api/instructions
}
same "a USBKey in use is not wiped: 409" "$(wipe_instr $C -H "Authorization: Bearer $tok")" 409
same "an information officer gets no wipe instruction: 403" "$(wipe_instr io)" 403
ok "the third holder's USBKey is taken back" finca -d ca token return ${S[2]} --from 王芳 \
	--reason affiliationChanged
iw=$(instr wipe 0 ${S[2]})
same "the server signs a wipe for a returned USBKey" \
	"$(jq -r '.payload | @base64d | fromjson | .op + " " + .token' <<<"$iw")" "wipe ${S[2]}"
same "a wipe instruction does not make a USBKey: 403" "$(produce "$iw")" 403
same "the agent wipes it" "$(produce "$iw" "" /v1/wipe)" 200
same "  and says so" "$(jq -r '.token + " " + .state' prod.out)" "${S[2]} initialized"
same "the server has it initialised, no holder, no certificate" \
	"$(finca -d ca token show ${S[2]} | jq -r '.state + "/" + .holder + "/" + .certificate')" "initialized//"
same "the same instruction twice: 403" "$(produce "$iw" "" /v1/wipe)" 403
if $P11 --slot $(slot ${S[2]}) --login --pin "${PIN[2]}" -O >/dev/null 2>&1; then
	echo "not ok - the former holder's PIN still opens it"
else echo "ok - the former holder's PIN no longer opens it"; fi
same "no certificate or key left on it (pkcs11-tool)" \
	"$($P11 --slot $(slot ${S[2]}) -O 2>/dev/null | grep -c 'Object;')" 0
same "the wipe is audited on the token" \
	"$(q "SELECT json_extract(details,'$.op') FROM audit WHERE action='token.instruction' AND object='token:${S[2]}'")" wipe

ok "the audit chain verifies" finca -d ca audit verify
stop_agent
