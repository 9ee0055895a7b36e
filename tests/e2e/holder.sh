#!/usr/bin/env bash
# The certificate holder's desk (issue 15), with SoftHSM2 as the USBKeys
# and finca agent between the page and the token: a holder logs in with the
# token's key over a signed challenge (its account made at the first login,
# role holder, audited, hidden from the administrator's list); /me and its
# certificates, USBKeys, grants and requests; another holder's data out of
# reach; the other roles on /me; refusals (an unregistered holder, a frozen
# or expired certificate); the PIN change through the agent (the policy,
# a bad proof changing nothing, pkcs11-tool then logging in with the new
# PIN only, /auth/verify's default_pin false); the expiry banner from 30
# days (test clock); the renewal asked by the holder as the officer's
# draft, a second one refused; the loss report of the console's page
# (serial and 挂失码, no login) freezing at once (OCSP certificateHold)
# with the officer told.
. "$(dirname "$0")/../lib.sh"

softhsm
P11="pkcs11-tool --module $M"
serve_ports 3; aport=$((port + 2))
agent=http://127.0.0.1:$aport
ORIGIN=https://127.0.0.1:$tport
out=$(finca -d ca init --algo p256 --url $base) || echo "not ok - init: $out"
export FINCA_ACCOUNT_PASSWORD=$(sed -n 's/^  password    \([^ ]*\) .*/\1/p' <<<"$out")
ADMINPW=$FINCA_ACCOUNT_PASSWORD
cat >>ca/finca.conf <<EOF
[token]
module = $M
algorithm = p256
[notify]
smtp_url = smtp://127.0.0.1:9
smtp_from = ca@example.org
EOF
A() { "$FINCA" -d ca --as "$@"; }
PW=account-pass-1
OP() { env FINCA_ACCOUNT_PASSWORD=$PW "$FINCA" -d ca --as "$@"; }
setup() { local o; o=$("$@" 2>&1) || { echo "not ok - setup: $*"; echo "$o" | sed 's/^/#   /'; }; }

# --- a unit of the city, its officer, approver, operator; three persons ---
U1=$(uscc 12350100MB0000003)
setup A admin node add --code 350000 --name 福建省 --level province
setup A admin node add --code 350100 --name 福州市 --level city --parent 350000
setup A admin dept add --code yusuan --name 预算处 --node 350000
setup A admin app add --code ysgl --name 预算管理一体化系统 --dept yusuan
setup A admin unit add --code $U1 --name 福州市财政局 --type 行政机关 --node 350100 \
	--email officer@example.org
for n in io1 ap1 op1 ysgl; do mk_tls $n || echo "not ok - TLS certificate $n"; done
cp ca/admin.crt admin.crt
openssl pkey -in ca/admin.key -passin pass:$ADMINPW -out admin.key
setup A admin account add io1 --role officer --scope $U1 --cert io1.crt
setup A admin account add ap1 --role approver --scope yusuan --cert ap1.crt
setup env FINCA_NEW_PASSWORD=$PW "$FINCA" -d ca --as admin account add op1 --role operator \
	--scope 350100 --cert op1.crt
setup A admin app add ysgl --cert ysgl.crt
IDA=$(rid 35010219800101001); IDB=$(rid 35010219800101002); IDX=$(rid 35010219800101005); IDC=$(rid 35010219800101003)
setup A io1 person add --id-number $IDA --name 张一 --unit $U1
setup A io1 person add --id-number $IDB --name 王二 --unit $U1

# --- each holder's USBKey and its envelope (PIN, 挂失码) ---
declare -A SER CERT CODE PIN CKA
usbkey() { # ID NAME
	local o
	o=$(finca -d ca token init --label "key-$1" 2>&1) || { echo "# $o"; return 1; }
	PIN[$1]=$(sed -n 's/^default PIN for the envelope: //p' <<<"$o")
	CODE[$1]=$(sed -n 's/^loss-report code (挂失码) for the envelope: //p' <<<"$o")
	SER[$1]=$(sed -n 's/^token \([0-9a-f]*\) initialised.*/\1/p' <<<"$o")
	o=$(FINCA_PIN=${PIN[$1]} "$FINCA" -d ca token enroll --serial ${SER[$1]} --profile personal \
		--subject "C=CN, O=福州市财政局, CN=$2" --person $1 2>&1) || { echo "# $o"; return 1; }
	CERT[$1]=$(sed -n 's/.*certificate \([0-9A-F]*\) for.*/\1/p' <<<"$o")
	CKA[$1]=$($P11 --token-label "key-$1" -O 2>/dev/null | awk '/^Certificate Object/ {c=1}
		c && $1 == "ID:" {print toupper($2); exit}')
}
for p in "$IDA 张一" "$IDB 王二"; do  # not in a subshell: SER, CERT, CODE, PIN
	usbkey ${p% *} ${p#* } && [ -n "${CERT[${p% *}]}" ] && echo "ok - ${p#* }'s USBKey" ||
		echo "not ok - ${p#* }'s USBKey"
done

# requests naming each: an access grant for 张一 (through to completed),
# a freeze draft for 王二
printf '%%PDF-1.4\n%% the stamped scan (art. 19)\n%%%%EOF\n' >scan.pdf
RA=$(A io1 request create --type authorize --subject $IDA --app ysgl \
	--data '{"action":"grant","roles":"录入,查询","not_after":"2030-01-01"}' --json | jq -r .id)
setup A io1 request submit $RA
setup A io1 batch attach "$(A io1 request show $RA --json | jq -r .batch)" --file scan.pdf
setup A ap1 request approve $RA
setup OP op1 request accept $RA
setup OP op1 request produce $RA
setup A io1 request complete $RA
RB=$(A io1 request create --type freeze --subject $IDB --app ysgl --cert ${CERT[$IDB]} \
	--json | jq -r .id)
[ -n "$RB" ] && [ "$RB" != null ] && echo "ok - a request naming 王二" ||
	echo "not ok - a request naming 王二"

# --- the daemon and the agent ---
serve_start ca
apid=
at_exit 'kill $apid 2>/dev/null; cp serve.log /tmp/holder-serve.log; cp agent.log /tmp/holder-agent.log 2>/dev/null'
C="curl -s --cacert ca/ca/service.crt"
printf '%s %s\n%s %s\n' ${SER[$IDA]} ${PIN[$IDA]} ${SER[$IDB]} ${PIN[$IDB]} >pins
chmod 600 pins
setsid "$FINCA" agent --module $M --listen 127.0.0.1:$aport --origin $ORIGIN \
	--ca-cert ca/ca/service.crt --pin-file pins 2>agent.log &
apid=$!
for _ in $(seq 100); do curl -s -o /dev/null "$agent/" && break; sleep 0.1; done
O=(-H "Origin: $ORIGIN" -H 'Content-Type: application/json')
ID_A="${SER[$IDA]}:${CKA[$IDA]}"; ID_B="${SER[$IDB]}:${CKA[$IDB]}"

# login ID: the console's login: our challenge, signed through the agent;
# the session token printed, the answer in login.json
login() {
	local ch res
	ch=$($C -X POST $api/login/challenge | jq -r .challenge)
	res=$(curl -s "${O[@]}" -d "$(jq -nc --arg id "$1" --arg ch "$ch" '{id: $id, challenge: $ch}')" \
		$agent/v1/sign)
	$C -o login.json -X POST -d "$(jq -c --arg ch "$ch" \
		'{certificate, signature, challenge: $ch}' <<<"$res")" $api/login
	jq -r '.token // empty' login.json
}
# call WHO METHOD PATH [JSON]: status in ST, answer in ./body; WHO is a
# session token (a holder) or the name of a TLS client certificate
declare -A TOK
call() {
	local who=$1 m=$2 p=$3 d=${4-} a=()
	if [ -f "$who.crt" ]; then a=(--cert $who.crt --key $who.key)
		[ -n "${TOK[$who]-}" ] && a+=(-H "Authorization: Bearer ${TOK[$who]}")
	else a=(-H "Authorization: Bearer $who"); fi
	[ -n "$d" ] && a+=(-H 'Content-Type: application/json' --data-binary "$d")
	ST=$($C -o body -w '%{http_code}' -X "$m" "${a[@]}" "$api/$p")
}
get() { call "$1" GET "$2"; jq -c "$3" body; }
call op1 POST login "{\"password\":\"$PW\"}"; TOK[op1]=$(jq -r .token body)
call admin POST login "{\"password\":\"$ADMINPW\"}"; TOK[admin]=$(jq -r .token body)

# --- the holder logs in with the USBKey ---
HA=$(login "$ID_A")
same "张一 logs in with the USBKey through the agent: a session" "${#HA}" 43
same "as role holder, its account bound to the certificate" \
	"$(get $HA whoami '[.role, .certificate] | join(" ")' | tr -d '"')" "holder ${CERT[$IDA]}"
same "the account: role holder, scope its ID number, the person's name" \
	"$(sqlite3 ca/finca.db "SELECT role || ' ' || scope || ' ' || person FROM account \
		WHERE cert_serial='${CERT[$IDA]}'")" "holder $IDA 张一"
has "made at the first login, audited" "\"id_number\":\"$IDA\"" \
	"$(sqlite3 ca/finca.db "SELECT details FROM audit WHERE action='account.holder'")"
HA2=$(login "$ID_A")
same "a second login: the same account, no second row" \
	"$(sqlite3 ca/finca.db "SELECT count(*) FROM account WHERE role='holder'")" 1
same "the administrator's account list leaves holders out" \
	"$(get admin accounts '[.accounts[] | select(.role == "holder")] | length')" 0
same "and shows them when asked (?holders=1)" \
	"$(get admin 'accounts?holders=1' '[.accounts[] | select(.role == "holder")] | length')" 1

# keylogin CERT KEY: a login signed by openssl; status in st, answer in ./body
keylogin() {
	local ch
	ch=$($C -X POST $api/login/challenge | jq -r .challenge)
	printf %s "$ch" >ch.txt
	openssl dgst -sha256 -sign $2 -out ch.sig ch.txt
	st=$($C -o body -w '%{http_code}' -X POST -d "$(jq -nc --arg c "$(cat $1)" --arg ch "$ch" \
		--arg s "$(base64 -w0 ch.sig)" '{certificate: $c, challenge: $ch, signature: $s}')" \
		$api/login)
}

# --- refusals at login ---
csr p256 "/C=CN/CN=无名" x.csr
SX=$(finca -d ca cert issue --profile personal --csr x.csr --id-number $IDX --out x.pem \
	>/dev/null 2>&1 && serial_of x.pem)
keylogin x.pem x.csr.key
same "a personal certificate of no registered person: 401" "$st" 401
same "saying so" "$(jq -r .error.reason body)" auth.holder_unregistered
same "no account made for it" \
	"$(sqlite3 ca/finca.db "SELECT count(*) FROM account WHERE cert_serial='$SX'")" 0

# --- the holder's pages ---
me=$(get $HA me .)
same "/me: who, person and unit by name" \
	"$(jq -r '[.role, .person.name, .person.id_number, .unit.name] | join(" ")' <<<"$me")" \
	"holder 张一 $IDA 福州市财政局"
same "/me: the envelope's PIN not changed yet (art. 23)" "$(jq .default_pin <<<"$me")" true
same "/me: no renewal due a year ahead" "$(jq .renewal_due <<<"$me")" false
certs=$(get $HA me/certs .)
same "/me/certs: its one certificate, valid, on its USBKey" \
	"$(jq -r '[.[] | .serial + " " + .status + " " + .token] | join(",")' <<<"$certs")" \
	"${CERT[$IDA]} valid ${SER[$IDA]}"
days=$(jq '.[0].days_to_expiry' <<<"$certs")
na=$(jq -r '.[0].not_after' <<<"$certs")
same "days to expiry as not_after says" "$days" $(( ($(date -d "$na" +%s) - $(date +%s)) / 86400 ))
same "not due for renewal" "$(jq '.[0].renewal_due' <<<"$certs")" false
same "/me/tokens: its USBKey, default PIN" \
	"$(get $HA me/tokens '[.[] | .serial + " " + .state + " " + (.default_pin|tostring)] | join(",")' | tr -d '"')" \
	"${SER[$IDA]} issued true"
same "/me/grants: its access to 预算管理一体化系统" \
	"$(get $HA me/grants '[.[] | .app + " " + .app_name + " " + .roles] | join(",")' | tr -d '"')" \
	"ysgl 预算管理一体化系统 录入,查询"
same "/me/requests: the request naming it, completed" \
	"$(get $HA me/requests '[.items[] | (.id|tostring) + " " + .type + " " + .state] | join(",")' | tr -d '"')" \
	"$RA authorize completed"

same "the dashboard answers the holder too (工作台 is in its menu)" \
	"$(call $HA GET dashboard; echo $ST)" 200

# --- another holder's data is out of reach ---
same "王二's request by id: 403" "$(call $HA GET requests/$RB; echo $ST)" 403
same "王二's certificate over /certs: 403" "$(call $HA GET certs/${CERT[$IDB]}; echo $ST)" 403
same "the certificate list: 403 (no cert.read)" "$(call $HA GET certs; echo $ST)" 403
same "王二's USBKey over /tokens: 403" "$(call $HA GET tokens/${SER[$IDB]}; echo $ST)" 403
same "/me/certs names none of 王二's" "$(grep -c "${CERT[$IDB]}" <<<"$certs")" 0
same "/me/requests names none of 王二's" "$(get $HA me/requests "[.items[] | select(.id == $RB)] | length")" 0
same "a renewal of 王二's certificate: 404, as if it did not exist" \
	"$(call $HA POST me/renew "{\"cert_serial\":\"${CERT[$IDB]}\"}"; echo $ST)" 404
HB=$(login "$ID_B")
same "王二 logs in too, and sees only its own" \
	"$(get $HB me/certs '[.[].serial] | join(",")' | tr -d '"')" "${CERT[$IDB]}"

# --- the other roles ---
for who in io1 ap1 op1 admin; do
	call $who GET me; r=$(jq -r '[.role, .holder] | map(tostring) | join(" ")' body)
	same "$who: GET /me says who it is, no holder ($ST)" "$ST $r" \
		"200 $(sqlite3 ca/finca.db "SELECT role FROM account WHERE name='$who'") false"
	for p in certs tokens grants requests; do
		call $who GET me/$p; codes+="$ST "
	done
	same "$who: /me/{certs,tokens,grants,requests}: 403 (the holder's desk)" "$codes" \
		"403 403 403 403 "; codes=
	same "$who: POST /me/renew: 403" \
		"$(call $who POST me/renew "{\"cert_serial\":\"${CERT[$IDA]}\"}"; echo $ST)" 403
done

# --- /auth/verify before the PIN change ---
verify() { # ID: /auth/verify's answer for the holder's token signing our challenge
	local ch res
	ch=$($C --cert ysgl.crt --key ysgl.key -X POST $api/auth/challenge | jq -r .challenge)
	res=$(curl -s "${O[@]}" -d "$(jq -nc --arg id "$1" --arg ch "$ch" '{id: $id, challenge: $ch}')" \
		$agent/v1/sign)
	$C --cert ysgl.crt --key ysgl.key -X POST $api/auth/verify \
		-d "$(jq -c --arg ch "$ch" '{certificate, signature, challenge: $ch}' <<<"$res")"
}
same "/auth/verify: default_pin true before the change" "$(verify "$ID_A" | jq .default_pin)" true

# --- the PIN change, through the agent (art. 23) ---
# chpin ID [INSTRUCTION]: the agent's change with our challenge and the
# server's instruction (by default one 张一 asks for ID's token); its answer
# in chpin.json
chpin() {
	local ch ins=${2-}
	if [ -z "$ins" ]; then call $HA POST "me/tokens/${1%%:*}/instruction"; ins=$(cat body); fi
	ch=$($C -X POST $api/login/challenge | jq -r .challenge)
	curl -s -o chpin.json -w '%{http_code}' "${O[@]}" -d "$(jq -nc --arg id "$1" --arg ch "$ch" \
		--argjson ins "$ins" '{id: $id, challenge: $ch, instruction: $ins | {payload, signature}}')" \
		$agent/v1/change-pin
}
SA=${SER[$IDA]}; OLD=${PIN[$IDA]}; NEW1=Holder2024; NEW2=Zhang1Yi9
p11login() { $P11 --token-label "key-$IDA" --login --pin "$1" --list-objects >/dev/null 2>&1; }
printf '%s %s\n%s/new %s\n' $SA $OLD $SA $NEW1 >pins
# the server's instruction (art. 23 through the agent, issue 15 item 5)
st=$(curl -s -o chpin.json -w '%{http_code}' "${O[@]}" \
	-d "$(jq -nc --arg id "$ID_A" '{id: $id, challenge: "x"}')" $agent/v1/change-pin)
same "without the server's instruction: 400, named" "$st $(jq -r .error.reason chpin.json)" \
	"400 instr.form"
call $HA POST "me/tokens/${SER[$IDB]}/instruction"
same "张一 asking an instruction for 王二's USBKey: 404" "$ST $(jq -r .error.reason body)" \
	"404 me.no_token"
call op1 POST instructions "{\"op\":\"change_pin\",\"request\":0,\"token\":\"$SA\"}"
same "an operator asking a PIN change instruction: 403" "$ST" 403
call $HB POST "me/tokens/${SER[$IDB]}/instruction"
same "王二's instruction for his own USBKey: 201" "$ST" 201
same "王二's instruction used on 张一's USBKey: 403, named" \
	"$(chpin "$ID_A" "$(cat body)") $(jq -r .error.reason chpin.json)" "403 agent.instr_other_token"
call $HA POST "me/tokens/$SA/instruction"; INS=$(cat body)
python3 - "$INS" >forged.json <<'EOF2'
import base64, json, sys
i = json.loads(sys.argv[1])
p = json.loads(base64.b64decode(i["payload"])); p["expires"] += 3600
i["payload"] = base64.b64encode(json.dumps(p).encode()).decode()
json.dump(i, sys.stdout)
EOF2
same "an instruction whose payload was edited: 403, not the server's" \
	"$(chpin "$ID_A" "$(cat forged.json)") $(jq -r .error.reason chpin.json)" "403 instr.signature"
has "the instruction given is audited on the token" "^holder-${CERT[$IDA]} token:$SA$" \
	"$(sqlite3 ca/finca.db "SELECT actor || ' ' || object FROM audit WHERE action='token.instruction'")"
ok "the token still takes the envelope's PIN" p11login $OLD
printf '%s %s\n%s/new %s\n' $SA $OLD $SA abc >pins
same "a new PIN against the policy (abc): 400, in the agent" "$(chpin "$ID_A" "$INS")" 400
same "named by the policy's reason" "$(jq -r .error.reason chpin.json)" pin.short
same "an instruction serves once: 403, named" \
	"$(chpin "$ID_A" "$INS") $(jq -r .error.reason chpin.json)" "403 agent.instr_replay"
ok "the token still takes the envelope's PIN" p11login $OLD
printf '%s %s\n%s/new %s\n' $SA $OLD $SA $OLD >pins
same "the same PIN again: 400" "$(chpin "$ID_A")" 400
printf '%s %s\n%s/new %s\n' $SA Wrong9999 $SA $NEW1 >pins
same "a wrong current PIN: 401" "$(chpin "$ID_A")" 401
printf '%s %s\n%s/new %s\n' $SA $OLD $SA $NEW1 >pins
same "the change: 200, with the proof" "$(chpin "$ID_A")" 200
same "the proof names the token" "$(jq -r .token chpin.json)" $SA
ok "pkcs11-tool logs in with the new PIN" p11login $NEW1
if p11login $OLD; then echo "not ok - the envelope's PIN still works"
else echo "ok - the envelope's PIN no longer works"; fi
# a bad proof: one byte of the signature flipped
python3 - chpin.json >bad.json <<'EOF'
import base64, json, sys
p = json.load(open(sys.argv[1]))
s = bytearray(base64.b64decode(p["signature"])); s[10] ^= 1
p["signature"] = base64.b64encode(bytes(s)).decode()
json.dump({k: p[k] for k in ("certificate", "challenge", "signature")}, sys.stdout)
EOF
call $HA POST me/tokens/$SA/pin-changed "$(cat bad.json)"
same "a proof with a flipped byte: 403" "$ST" 403
same "saying the signature is bad" "$(jq -r .error.reason body)" challenge.sig_bad
same "and nothing changed: the USBKey still has its default PIN" \
	"$(get $HA me/tokens '.[0].default_pin')" true
# a login signature is no proof: the agent's /v1/sign of the same challenge
ch=$($C -X POST $api/login/challenge | jq -r .challenge)
printf '%s %s\n' $SA $NEW1 >pins
res=$(curl -s "${O[@]}" -d "$(jq -nc --arg id "$ID_A" --arg ch "$ch" '{id: $id, challenge: $ch}')" \
	$agent/v1/sign)
call $HA POST me/tokens/$SA/pin-changed "$(jq -c --arg ch "$ch" '{certificate, signature, challenge: $ch}' <<<"$res")"
same "a login signature over the challenge is no proof: 403" "$ST" 403
same "the proof text cannot be had from /v1/sign (one line only)" \
	"$(curl -s -o /dev/null -w '%{http_code}' "${O[@]}" -d "$(jq -nc --arg id "$ID_A" \
	--arg ch "$(printf 'finca: USBKey PIN changed\nabc')" '{id: $id, challenge: $ch}')" $agent/v1/sign)" 400
# another holder posting 张一's proof, a proof posted for another USBKey
printf '%s %s\n%s/new %s\n' $SA $NEW1 $SA $NEW2 >pins
same "a second change (the first proof's challenge is spent): 200" "$(chpin "$ID_A")" 200
call $HB POST me/tokens/$SA/pin-changed "$(jq -c '{certificate, challenge, signature}' chpin.json)"
same "王二 posting 张一's proof: 403, not its certificate" "$ST $(jq -r .error.reason body)" \
	"403 me.proof_not_yours"
printf '%s %s\n%s/new %s\n' $SA $NEW2 $SA $NEW1 >pins
same "a third change: 200" "$(chpin "$ID_A")" 200
call $HA POST me/tokens/${SER[$IDB]}/pin-changed "$(jq -c '{certificate, challenge, signature}' chpin.json)"
same "the proof posted for 王二's USBKey: 403" "$ST $(jq -r .error.reason body)" \
	"403 me.proof_other_token"
same "王二's USBKey unchanged" "$(get $HB me/tokens '.[0].default_pin')" true
printf '%s %s\n%s/new %s\n' $SA $NEW1 $SA $NEW2 >pins
same "a fourth change: 200" "$(chpin "$ID_A")" 200
NOW_PIN=$NEW2
call $HA POST me/tokens/$SA/pin-changed "$(jq -c '{certificate, challenge, signature}' chpin.json)"
same "the proof for its own USBKey: 200" "$ST" 200
same "default_pin false in the answer" "$(jq -r ".[] | select(.serial == \"$SA\") | .default_pin" body)" false
same "the proof cannot be used twice (the challenge is spent): 403" \
	"$(call $HA POST me/tokens/$SA/pin-changed "$(jq -c '{certificate, challenge, signature}' chpin.json)"; echo $ST)" 403
has "recorded as the holder's change, audited" "default PIN changed by the holder" \
	"$(sqlite3 ca/finca.db "SELECT actor || ' ' || details FROM audit WHERE action='token.pin' \
		ORDER BY seq DESC LIMIT 1")"
has "by the holder's account" "^holder-${CERT[$IDA]}$" \
	"$(sqlite3 ca/finca.db "SELECT actor FROM audit WHERE action='token.pin' ORDER BY seq DESC LIMIT 1")"
ok "pkcs11-tool logs in with the newest PIN" p11login $NOW_PIN
for p in $OLD $NEW1; do
	if p11login $p; then echo "not ok - an old PIN ($p) still works"
	else echo "ok - an old PIN no longer works"; fi
done
printf '%s %s\n' $SA $NOW_PIN >pins
same "/auth/verify: default_pin false after the change" "$(verify "$ID_A" | jq .default_pin)" false
same "/me: no PIN to change any more" "$(get $HA me .default_pin)" false

# --- the renewal the holder asks for (art. 14) ---
call io1 GET dashboard; drafts=$(jq -r '.todo[] | select(.task == "submit") | .count' body)
call $HA POST me/renew "{\"cert_serial\":\"${CERT[$IDA]}\"}"
same "the holder asks for renewal: 201" "$ST" 201
RN=$(jq -r .id body)
same "a renew draft of its certificate in its unit" \
	"$(jq -r '[.type, .state, .cert_serial, .unit, .app] | join(" ")' body)" \
	"renew draft ${CERT[$IDA]} $U1 ysgl"
call io1 GET dashboard
same "the officer's to-do: one more draft to submit" \
	"$(jq -r '.todo[] | select(.task == "submit") | .count' body)" $((drafts + 1))
same "the officer sees it among its drafts" \
	"$(get io1 'requests?state=draft' "[.items[] | select(.id == $RN)] | length")" 1
call $HA POST me/renew "{\"cert_serial\":\"${CERT[$IDA]}\"}"
same "a second renewal while one is pending: refused (400)" "$ST" 400
same "as a duplicate: the pending request named" \
	"$(jq -r '.error.reason + " " + (.error.message | test("request '$RN'") | tostring)' body)" \
	"request.duplicate_replace true"
same "/me/certs: the renewal in hand" "$(get $HA me/certs '.[0].renewal_request')" $RN
same "/me/requests shows its progress" \
	"$(get $HA me/requests "[.items[] | select(.id == $RN) | .state] | join(\"\")" | tr -d '"')" draft
ok "the officer submits it" A io1 request submit $RN

# --- the banner from 30 days before the end (art. 14) ---
# 李三's certificate lasts 20 days; its key is openssl's (a login is a
# signed challenge whatever holds the key)
csr p256 "/C=CN/CN=李三" c.csr
setup A io1 person add --id-number $IDC --name 李三 --unit $U1
SC=$(finca -d ca cert issue --profile personal --csr c.csr --id-number $IDC --days 20 \
	--out c.pem >/dev/null 2>&1 && serial_of c.pem)
HC=$(keylogin c.pem c.csr.key; jq -r '.token // empty' body)
same "李三 logs in with its certificate" "${#HC}" 43
same "20 days before the end: renewal due (/me)" "$(get $HC me .renewal_due)" true
same "/me/certs: 19 or 20 whole days to go (as the seconds fall), due" \
	"$(get $HC me/certs '.[0] | [(.days_to_expiry | . == 19 or . == 20), .renewal_due]')" "[true,true]"
same "王二, a year ahead: not due" "$(get $HB me .renewal_due)" false

# --- an expired certificate: issued 30 days ago for 20 (the CA host's clock
# set back for the issuance alone) ---
IDE=$(rid 35010219800101006)
setup A io1 person add --id-number $IDE --name 周五 --unit $U1
csr p256 "/C=CN/CN=周五" e.csr
FINCA_FAKE_TIME=$(( $(date +%s) - 30 * 86400 )) finca -d ca cert issue --profile personal \
	--csr e.csr --id-number $IDE --days 20 --out e.pem >/dev/null 2>&1
keylogin e.pem e.csr.key
same "an expired certificate's login: 401" "$st" 401
same "saying it expired" "$(jq -r .error.reason body)" auth.cert_expired

# --- the loss report of the console's page: serial and 挂失码, no login ---
ocsp() { openssl ocsp -issuer ca/ca/issuing.crt -serial 0x$1 -url $base/ocsp \
	-CAfile ca/ca/root.crt 2>&1; }
HA=$(login "$ID_A")
n=$(sqlite3 ca/finca.db "SELECT count(*) FROM notice")
st=$($C -o body -w '%{http_code}' -H 'Content-Type: application/json' \
	-d "{\"serial\":\"${CERT[$IDA]}\",\"loss_code\":\"${CODE[$IDA]}\"}" $api/emergency-freeze)
same "the page's loss report: 201" "$st" 201
has "OCSP: certificateHold at once" "certificateHold" "$(ocsp ${CERT[$IDA]})"
same "the unit's information officer is told (a notice queued to its mail)" \
	"$(sqlite3 ca/finca.db "SELECT count(*) || ' ' || max(target) FROM notice")" \
	"$((n + 1)) officer@example.org"
same "the holder's session ends with the certificate frozen" \
	"$(call $HA GET me; echo $ST $(jq -r .error.reason body))" "401 session.cert_frozen"
same "and a new login is refused: frozen" "$(login "$ID_A"; jq -r .error.reason login.json)" \
	auth.cert_frozen
same "the console's login page serves the loss report page" \
	"$($C -o /dev/null -w '%{http_code}' https://127.0.0.1:$tport/ui/pages/loss.js)" 200
ok "the audit chain verifies" finca -d ca audit verify
kill $apid; wait $apid 2>/dev/null; apid=
if grep -q Sanitizer agent.log; then echo "not ok - the agent's sanitizers report"
	sed 's/^/#   /' agent.log | head -30
else echo "ok - no sanitizer report in the agent"; fi
for p in $OLD $NEW1 $NEW2; do
	if grep -qF -- "$p" agent.log serve.log; then echo "not ok - a PIN in a log"; fi
done
