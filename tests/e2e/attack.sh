#!/usr/bin/env bash
# Issue 12, tried as an attacker would, over HTTPS against `finca serve`:
# every refusal is checked together with "nothing changed" (the store's
# rows, the certificate's status by OCSP, the token's state) and an
# auth.denied record.
#   1. profiles by role and door: an operator never has CA-internal
#      certificates made (OCSP signer, TLS server, sub-CA, account
#      certificates), nor certificates for subjects outside its node;
#   2. scope on every token path;
#   3. account certificates belong to the administrator;
#   4. sessions: end with their certificate, stay on their TLS connection,
#      idle out, survive a restart, and an account evicts only its own;
#  10. the command line's --as is the actor in the audit trail.
. "$(dirname "$0")/../lib.sh"
softhsm

out=$(finca -d ca init --algo p256 --url http://127.0.0.1:8080) || echo "not ok - init: $out"
export FINCA_ACCOUNT_PASSWORD=$(sed -n 's/^  password *\([^ ]*\) .*/\1/p' <<<"$out")
ADMINPW=$FINCA_ACCOUNT_PASSWORD
printf '[token]\nmodule = %s\nalgorithm = p256\n' $M >>ca/finca.conf
A() { "$FINCA" -d ca --as "$@"; }
setup() { local o; o=$("$@" 2>&1) || { echo "not ok - setup: $*"; echo "$o" | sed 's/^/#   /'; }; }

# the province (350000), city A (350100, serving county 350121) and city B
UA=$(uscc 12350121MB0000001) UB=$(uscc 12350200MB0000002)
PA=$(rid 35012119800101001) PB=$(rid 35020019800101002)
setup A admin node add --code 350000 --name 福建省 --level province
setup A admin node add --code 350100 --name 福州市 --level city --parent 350000
setup A admin node add --code 350121 --name 闽侯县 --level county --parent 350100 --served-by 350100
setup A admin node add --code 350200 --name 厦门市 --level city --parent 350000
setup A admin unit add --code $UA --name 闽侯县第一中学 --type 事业单位 --node 350121
setup A admin unit add --code $UB --name 厦门市财政局 --type 行政机关 --node 350200
setup A admin person add --id-number $PA --name 甲 --unit $UA
setup A admin person add --id-number $PB --name 乙 --unit $UB

PW=operator-pass-1
for n in opA opB opP aud io; do mk_tls $n || echo "not ok - TLS certificate $n"; done
cp ca/admin.crt admin.crt
openssl pkey -in ca/admin.key -passin pass:$ADMINPW -out admin.key
declare -A SCOPE=([opA]=350100 [opB]=350200 [opP]=350000)
for n in opA opB opP; do
	setup env FINCA_NEW_PASSWORD=$PW "$FINCA" -d ca --as admin account add $n --role operator \
		--scope ${SCOPE[$n]} --cert $n.crt
done
setup A admin account add aud --role auditor --scope "" --cert aud.crt
setup A admin dept add --code dA --name 预算处 --node 350100
setup A admin app add --code appA --name 预算系统 --dept dA
setup A admin device add --code devA --name 服务器 --unit $UA
setup A admin account add io --role officer --scope $UA --cert io.crt

# a USBKey of city B's holder, made on the CA host for node 350200
out=$("$FINCA" -d ca token init --label keyB --node 350200 2>&1)
TB=$(sed -n 's/^token \([0-9a-f]*\) initialised.*/\1/p' <<<"$out")
pinB=$(sed -n 's/^default PIN for the envelope: //p' <<<"$out")
out=$(FINCA_PIN=$pinB "$FINCA" -d ca token enroll --serial $TB --profile personal \
	--subject "C=CN, O=厦门市财政局, CN=乙" --person $PB 2>&1)
CB=$(sed -n 's/.*certificate \([0-9A-F]*\) for.*/\1/p' <<<"$out")
same "B's USBKey holds its holder's certificate" "${#CB}" 32

serve_start ca

# call WHO METHOD PATH [JSON]: status in ST, answer in ./body; TOK[WHO] is
# sent when set, on WHO's own TLS connection (AS: another's certificate)
declare -A TOK
call() {
	local who=$1 m=$2 p=$3 d=${4-} c=${AS:-$1}
	local a=(--cert $c.crt --key $c.key)
	[ -n "${TOK[$who]-}" ] && a+=(-H "Authorization: Bearer ${TOK[$who]}")
	[ -n "$d" ] && a+=(-H 'Content-Type: application/json' --data-binary "$d")
	ST=$(curl -s --cacert ca/ca/service.crt -o body -w '%{http_code}' -X "$m" "${a[@]}" "$api/$p")
}
login() { # WHO PASSWORD
	call $1 POST login "{\"password\":\"$2\"}"
	TOK[$1]=$(jq -r .token body)
	[ ${#TOK[$1]} = 43 ] || echo "not ok - login $1: $(cat body)"
}
for n in opA opB opP; do login $n $PW; done
login admin $ADMINPW
denied() { sqlite3 ca/finca.db "SELECT count(*) FROM audit WHERE action='auth.denied'"; }
ocsp() { # SERIAL -> good|revoked
	openssl ocsp -issuer ca/ca/issuing.crt -serial 0x$1 -url $base/ocsp -CAfile ca/ca/root.crt \
		-no_nonce 2>/dev/null | sed -n "s/^0x$1: //p"
}

# --- 1. profiles by role and door ---
csr p256 "/CN=x" x.csr
certs=$(rows ca cert)
for p in ocsp tls-server tls-client server operator subca; do
	d=$(denied)
	call opA POST certs "$(jq -n --arg c "$(cat x.csr)" --arg p $p --arg i $PA \
		'{profile:$p, csr:$c, id_number:$i, subject:"CN=x"}')"
	same "API: an operator asks for a $p certificate: 403" "$ST" 403
	has "  the refusal names the rule" "profile $p \\(class [a-z]+\\) is issued only by" "$(cat body)"
	same "  and is audited" "$(denied)" $((d + 1))
	fails "CLI --as: an operator asks for a $p certificate" "is issued only by" env \
		FINCA_ACCOUNT_PASSWORD=$PW "$FINCA" -d ca --as opA cert issue --profile $p \
		--csr x.csr --subject CN=x --id-number $PA --out x-$p.pem
done
call opA POST tokens/$TB/enroll "$(jq -n --arg c "$(cat x.csr)" --arg i $PB \
	'{profile:"ocsp", csr:$c, id_number:$i}')"
same "token door: an OCSP signer on a USBKey: 403" "$ST" 403
# the registration authority's door: an officer (of unit UA) files a
# device request naming the OCSP profile
reqs=$(rows ca request)
fails "RA: an officer asks for an OCSP signer for a device" "data.profile: ocsp is not a subscriber" \
	"$FINCA" -d ca --as io request create --type apply --kind device --subject devA --app appA \
	--data "$(jq -n --arg c "$(cat x.csr)" '{profile:"ocsp", csr:$c}')"
same "  no request was filed" "$(rows ca request)" "$reqs"
same "no certificate was made by any of these" "$(rows ca cert)" "$certs"
ok "the CA host itself makes an OCSP signer (the ceremony's door)" \
	finca -d ca cert issue --profile ocsp --csr x.csr --subject "CN=OCSP 2" --out ocsp2.pem
certs=$(rows ca cert)
body() { jq -n --arg c "$(cat x.csr)" --arg i "$1" '{profile:"personal", csr:$c, id_number:$i}'; }
call opA POST certs "$(body $PB)"
same "an operator of city A issues for a holder of city B: 403" "$ST" 403
call opA POST certs "$(body $(rid 35012119800101999))"
same "  for an unregistered holder: 403" "$ST" 403
call opA POST certs "$(jq -n --arg c "$(cat x.csr)" '{profile:"device", csr:$c, subject:"CN=dev"}')"
same "  for nobody named: 403" "$ST" 403
same "  nothing issued" "$(rows ca cert)" "$certs"
call opA POST certs "$(body $PA)"
same "for a holder of the county it serves (art. 6): 201" "$ST" 201
CA_=$(jq -r .serial body)

# --- 2. scope on every token path ---
call opP GET tokens
same "province operator lists tokens: B's is not shown" \
	"$(jq -r --arg s $TB '[.[] | select(.serial == $s)] | length' body)" 0
call opP GET tokens/$TB
same "  reads B's token: 403" "$ST" 403
call opP POST tokens/$TB/so-pin '{}'
same "  fetches its SO PIN: 403" "$ST" 403
has "  not in the answer" '"error"' "$(cat body)"
call opP POST tokens/$TB/state '{"state":"lost"}'
same "  marks it lost: 403" "$ST" 403
call opA POST tokens/$TB/handover '{"to":"x"}'
same "city A's operator records its handover: 403" "$ST" 403
same "the token is still issued" "$(sqlite3 ca/finca.db "SELECT state FROM token WHERE serial='$TB'")" issued
same "its holder's certificate is still good (OCSP)" "$(ocsp $CB)" good
call opB GET tokens/$TB
same "B's own operator reads it: 200" "$ST" 200
call opP POST certs/$CB/freeze
same "the province operator freezes B's holder: 403" "$ST" 403
same "  still good" "$(ocsp $CB)" good

# --- 3. account certificates belong to the administrator ---
AUD=$(serial_of aud.crt)
OCSPS=$(sqlite3 ca/finca.db "SELECT serial FROM cert WHERE profile='ocsp' ORDER BY id LIMIT 1")
for s in $AUD $OCSPS; do
	call opP POST certs/$s/freeze
	same "the province operator freezes ${s:0:8}… (account or service): 403" "$ST" 403
	call opP POST certs/$s/revoke '{"reason":"keyCompromise"}'
	same "  revokes it: 403" "$ST" 403
done
has "  the refusal says whose it is" "only the administrator changes it" "$(cat body)"
same "the auditor still reads" "$(curl -s -o /dev/null -w '%{http_code}' --cacert ca/ca/service.crt \
	--cert aud.crt --key aud.key $api/audit)" 200

# --- 4. sessions ---
call opA GET whoami
same "opA's session works" "$ST" 200
AS=opB call opA GET whoami
same "opA's token on opB's TLS connection: 401" "$ST" 401
call admin POST certs/$(serial_of opA.crt)/freeze
same "the administrator freezes opA's certificate" "$ST" 200
call opA GET whoami
same "opA's session ended with it: 401" "$ST" 401
has "  saying why" "frozen" "$(cat body)"
call admin POST certs/$(serial_of opA.crt)/unfreeze
call opA GET whoami
same "  and stays ended after the unfreeze" "$ST" 401
login opA $PW
first=${TOK[opA]}
for _ in $(seq 20); do login opA $PW; done
TOK[opA]=$first; call opA GET whoami
same "an account's 21st session ends its own oldest" "$ST" 401
call opB GET whoami
same "  and nobody else's" "$ST" 200
login opA $PW
serve_restart
call opA GET whoami
same "a session survives a restart" "$ST" 200
same "sessions are kept" "$(rows ca session)" "$(sqlite3 ca/finca.db "SELECT count(*) FROM session WHERE length(hash)=32")"
same "  hashed: no token in the data directory" "$(grep -rl -- "${TOK[opA]}" ca | wc -l)" 0
serve_stop
printf '[auth]\nsession_idle = 5\n' >>ca/finca.conf
serve_start ca
# a fresh session: the restart may itself take longer than 5 s on a busy machine
login opA $PW
call opA GET whoami
same "idle 5 s: still alive at once" "$ST" 200
sleep 7
call opA GET whoami
same "  ended after 7 s without a call" "$ST" 401

# --- 10. the command line's --as acts as that account ---
out=$(env FINCA_ACCOUNT_PASSWORD=$PW "$FINCA" -d ca --as opB token mark $TB suspended --note test 2>&1)
same "opB suspends its node's token from the command line" "$?" 0
same "  the audit record names opB" "$(sqlite3 ca/finca.db "SELECT actor FROM audit WHERE action='token.state' ORDER BY seq DESC LIMIT 1")" opB
same "  so does the certificate's freeze" "$(sqlite3 ca/finca.db "SELECT actor FROM audit WHERE action='cert.freeze' AND object='cert:$CB'")" opB
fails "opA may not from the command line either" "another node" env FINCA_ACCOUNT_PASSWORD=$PW \
	"$FINCA" -d ca --as opA token mark $TB issued
same "  the token stays suspended" "$(sqlite3 ca/finca.db "SELECT state FROM token WHERE serial='$TB'")" suspended
same "no audit record names the command line's user for an --as action" \
	"$(sqlite3 ca/finca.db "SELECT count(*) FROM audit WHERE actor LIKE 'cli:%' AND action IN ('token.state','cert.freeze')")" 0
ok "the audit chain verifies" finca -d ca audit verify
