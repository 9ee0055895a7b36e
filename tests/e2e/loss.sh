#!/usr/bin/env bash
# 挂失 without login (art. 25): each USBKey's PIN envelope carries a
# loss-report code (挂失码); POST /api/v1/emergency-freeze without a login
# freezes only with it.  What is printed in the certificate (serial, name,
# ID number) is refused (403), a wrong code too, and each refusal changes
# nothing (OCSP still good, no request row, token and notices as they were)
# and is audited; the sixth try an hour for one holder gets 429 with
# Retry-After, and so does the 21st from one address; the right code
# freezes at once (OCSP: certificateHold) and the unit's information
# officer is told (webhook, mail, from the daemon); after a reissue or a
# PIN reset the old envelope's code no longer counts, the new one does.
. "$(dirname "$0")/../lib.sh"

softhsm
mkdir hook mail
python3 "$ROOT/tests/e2e/sink.py" http hook & hpid=$!
python3 "$ROOT/tests/e2e/sink.py" smtp mail & spid=$!
at_exit 'kill $hpid $spid 2>/dev/null; serve_stop 2>/dev/null
	cp serve.log /tmp/loss-serve.log 2>/dev/null'
for _ in $(seq 50); do [ -f hook/port ] && [ -f mail/port ] && break; sleep 0.1; done
hook=http://127.0.0.1:$(cat hook/port)/hook

serve_ports
out=$(finca -d ca init --algo p256 --url $base) || echo "not ok - init: $out"
export FINCA_ACCOUNT_PASSWORD=$(sed -n 's/^  password    \([^ ]*\) .*/\1/p' <<<"$out")
cat >>ca/finca.conf <<EOF
[token]
module = $M
algorithm = p256
[notify]
smtp_url = smtp://127.0.0.1:$(cat mail/port)
smtp_from = ca@example.org
interval = 1
EOF
A() { "$FINCA" -d ca --as "$@"; }
PW=account-pass-1
OP() { env FINCA_ACCOUNT_PASSWORD=$PW "$FINCA" -d ca --as "$@"; }

# --- a unit of the city, its officer (email, webhook), three holders ---
U1=$(uscc 12350100MB0000003)
A admin node add --code 350000 --name 福建省 --level province >/dev/null
A admin node add --code 350100 --name 福州市 --level city --parent 350000 >/dev/null
A admin dept add --code yusuan --name 预算处 --node 350000 >/dev/null
A admin app add --code ysgl --name 预算管理一体化系统 --dept yusuan >/dev/null
ok "the unit, with its officer's mail and webhook" A admin unit add --code $U1 \
	--name 福州市财政局 --type 行政机关 --node 350100 --email officer@example.org --webhook "$hook"
for n in io1 ap1 op1; do mk_tls $n || echo "not ok - cert $n"; done
A admin account add io1 --role officer --scope $U1 --cert io1.crt >/dev/null
A admin account add ap1 --role approver --scope yusuan --cert ap1.crt >/dev/null
env FINCA_NEW_PASSWORD=$PW "$FINCA" -d ca --as admin account add op1 --role operator \
	--scope 350100 --cert op1.crt >/dev/null || echo "not ok - operator account"
IDA=$(rid 35010219800101001); IDB=$(rid 35010219800101002); IDC=$(rid 35010219800101003)
IDD=$(rid 35010219800101004)
for p in "$IDA 张一" "$IDB 王二" "$IDC 李三" "$IDD 赵四"; do
	A io1 person add --id-number ${p% *} --name ${p#* } --unit $U1 >/dev/null ||
		echo "not ok - person ${p#* }"
done

# --- the token station: each holder's USBKey and its envelope ---
declare -A SER CERT CODE
usbkey() { # ID NAME: init (the envelope) and enroll
	local o pin
	o=$(finca -d ca token init --label "key-$1" 2>&1) || { echo "# $o"; return 1; }
	pin=$(sed -n 's/^default PIN for the envelope: //p' <<<"$o")
	CODE[$1]=$(sed -n 's/^loss-report code (挂失码) for the envelope: //p' <<<"$o")
	SER[$1]=$(sed -n 's/^token \([0-9a-f]*\) initialised.*/\1/p' <<<"$o")
	o=$(FINCA_PIN=$pin "$FINCA" -d ca token enroll --serial ${SER[$1]} --profile personal \
		--subject "C=CN, O=福州市财政局, CN=$2" --person $1 2>&1) || { echo "# $o"; return 1; }
	CERT[$1]=$(sed -n 's/.*certificate \([0-9A-F]*\) for.*/\1/p' <<<"$o")
}
for p in "$IDA 张一" "$IDB 王二" "$IDC 李三" "$IDD 赵四"; do  # not in ok's subshell: SER, CERT, CODE
	usbkey ${p% *} ${p#* } && [ -n "${CERT[${p% *}]}" ] && echo "ok - ${p#* }'s USBKey" ||
		echo "not ok - ${p#* }'s USBKey"
done
has "the envelope shows the loss-report code, grouped for reading" \
	'^[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$' "${CODE[$IDA]}"
[ "${CODE[$IDA]}" != "${CODE[$IDB]}" ] && echo "ok - each envelope has its own code" ||
	echo "not ok - two envelopes share a code"
h=$(sqlite3 ca/finca.db "SELECT hash FROM loss_code WHERE token='${SER[$IDA]}'")
has "the store keeps it as argon2id only" '^\$argon2id\$' "$h"
if sqlite3 ca/finca.db .dump | grep -q "${CODE[$IDA]//-/}"; then
	echo "not ok - the code is in the store in clear"
else echo "ok - the code is nowhere in the store in clear"; fi

# --- the daemon ---
serve_start ca
C="curl -s --cacert ca/ca/service.crt"
claim() { # JSON -> "STATUS" with the answer in claim.json, headers in claim.hdr
	$C -o claim.json -D claim.hdr -w '%{http_code}' -H 'Content-Type: application/json' \
		-d "$1" $api/emergency-freeze
}
ocsp() { openssl ocsp -issuer ca/ca/issuing.crt -serial 0x$1 -url $base/ocsp \
	-CAfile ca/ca/root.crt 2>&1; }
state() { # what a refusal must leave as it was
	sqlite3 ca/finca.db "SELECT (SELECT count(*) FROM request), (SELECT count(*) FROM notice),
		(SELECT group_concat(serial || ':' || status) FROM cert WHERE id_number IS NOT NULL),
		(SELECT group_concat(serial || ':' || state) FROM token)"
}
refused() { # NAME AUDIT-WHY: the last claim was refused and changed nothing
	local s
	s=$(state)
	same "$1: nothing changed (requests, notices, certificates, tokens)" "$s" "$before"
	has "$1: OCSP still says good" ": good" "$(ocsp ${CERT[$IDA]})"
	has "$1: audited" "$2" "$(sqlite3 ca/finca.db "SELECT details FROM audit \
		WHERE action='loss_report.refused' ORDER BY seq DESC LIMIT 1")"
}
has "OCSP: A's certificate is good" ": good" "$(ocsp ${CERT[$IDA]})"
before=$(state)

# what is printed in the certificate is not enough
name=张一
st=$(claim "{\"serial\":\"${CERT[$IDA]}\",\"id_number\":\"$IDA\",\"name\":\"$name\"}")
same "serial, ID number and name alone: 403" "$st" 403
has "the refusal says the 挂失码 of the envelope is needed" \
	"loss-report code \(挂失码\).*PIN envelope.*printed in the certificate" "$(jq -r .error.message claim.json)"
same "the refusal names the field" "$(jq -r .error.field claim.json)" loss_code
refused "certificate data only" '"why":"no loss-report code"'

# a wrong code (another holder's), by serial and by ID number
st=$(claim "{\"serial\":\"${CERT[$IDA]}\",\"loss_code\":\"${CODE[$IDB]}\"}")
same "another envelope's code: 403" "$st" 403
has "the refusal says the code does not match" "does not match" "$(jq -r .error.message claim.json)"
refused "a wrong code" '"why":"wrong loss-report code"'
st=$(claim "{\"id_number\":\"$IDA\",\"loss_code\":\"ABCD-EFGH-JKMN\"}")
same "a wrong code with the ID number: 403" "$st" 403
refused "a wrong code by ID number" '"why":"wrong loss-report code"'

# guessing: the sixth try an hour for one holder is refused before any check
codes=
for i in 1 2 3 4 5 6; do
	codes+="$(claim "{\"serial\":\"${CERT[$IDC]}\",\"loss_code\":\"2222-3333-444$((i + 3))\"}") "
done
same "six wrong tries for one holder: five 403, then 429" "$codes" "403 403 403 403 403 429 "
has "429 says when to come back (Retry-After)" "^Retry-After: [0-9]+" "$(tr -d '\r' <claim.hdr)"
has "429 says why, and what else to do" "too many loss reports for certificate.*information officer" \
	"$(jq -r .error.message claim.json)"
same "the right code is refused too while the limit lasts" \
	"$(claim "{\"serial\":\"${CERT[$IDC]}\",\"loss_code\":\"${CODE[$IDC]}\"}")" 429
same "past the limit, nothing changed" "$(state)" "$before"
has "OCSP: C's certificate still good" ": good" "$(ocsp ${CERT[$IDC]})"

# --- the right code: frozen at once, the officer told ---
st=$(claim "{\"serial\":\"${CERT[$IDB]}\",\"loss_code\":\"$(tr 'A-Z-' 'a-z ' <<<"${CODE[$IDB]}")\",\"note\":\"地铁上遗失\"}")
same "B's code (typed in lower case, spaces for dashes): 201" "$st" 201
same "recorded as a completed emergency freeze request" \
	"$(jq -r '[.type, .state, .emergency, .cert_serial] | join(" ")' claim.json)" \
	"freeze completed true ${CERT[$IDB]}"
has "OCSP: revoked, certificateHold" "certificateHold" "$(ocsp ${CERT[$IDB]})"
same "the USBKey is suspended" "$(sqlite3 ca/finca.db "SELECT state FROM token \
	WHERE serial='${SER[$IDB]}'")" suspended
has "audited as a loss report from the caller's address" '"source":"127.0.0.1"' \
	"$(sqlite3 ca/finca.db "SELECT details FROM audit WHERE action='loss_report'")"
for _ in $(seq 100); do [ -f hook/1.txt ] && [ -f mail/1.txt ] && break; sleep 0.1; done
check_hook() { python3 - "$@" <<'EOF'
import json, sys
b = json.load(open(sys.argv[1], encoding="utf-8"))
assert b["event"] == "cert.loss_report", b
assert b["certificate"]["serial"] == sys.argv[2] and b["certificate"]["name"] == "王二", b
assert b["recipient"]["kind"] == "unit" and b["token"] == sys.argv[3], b
assert b["source"] == "127.0.0.1" and b["note"] == "地铁上遗失", b
EOF
}
ok "the daemon calls the unit's webhook: cert.loss_report" check_hook hook/1.txt \
	${CERT[$IDB]} ${SER[$IDB]}
check_mail() { python3 - "$@" <<'EOF'
import email, email.header, sys
m = email.message_from_bytes(open(sys.argv[1], "rb").read())
subj = str(email.header.make_header(email.header.decode_header(m["Subject"])))
text = m.get_payload(decode=True).decode("utf-8")
assert m["To"] == "officer@example.org", m["To"]
assert "紧急冻结通知" in subj and "王二" in subj, subj
assert "挂失码紧急冻结" in text and sys.argv[2] in text and "地铁上遗失" in text, text
assert sys.argv[3] not in text, "the full ID number travels in clear"
EOF
}
ok "and mails the unit's officer" check_mail mail/1.txt ${CERT[$IDB]} $IDB
st=$(claim "{\"serial\":\"${CERT[$IDB]}\",\"loss_code\":\"${CODE[$IDB]}\"}")
same "a second report of a frozen certificate: 409" "$st" 409

# --- reissue (lost): a new envelope, a new code; the old one stops ---
r=$(A io1 request create --type reissue --subject $IDB --app ysgl --cert ${CERT[$IDB]} \
	--reason lost --json | jq -r .id)
printf '%%PDF-1.4\n%% the stamped scan (art. 19)\n%%%%EOF\n' >scan.pdf
A io1 request submit $r >/dev/null &&
	A io1 batch attach "$(A io1 request show $r --json | jq -r .batch)" --file scan.pdf >/dev/null &&
	A ap1 request approve $r >/dev/null &&
	OP op1 request accept $r >/dev/null || echo "not ok - reissue request $r"
o=$(OP op1 token init --label key-new 2>&1)
pin=$(sed -n 's/^default PIN for the envelope: //p' <<<"$o")
new=$(sed -n 's/^loss-report code (挂失码) for the envelope: //p' <<<"$o")
s=$(sed -n 's/^token \([0-9a-f]*\) initialised.*/\1/p' <<<"$o")
o=$(FINCA_PIN=$pin OP op1 token enroll --serial $s --request $r 2>&1)
has "reissued onto a new USBKey" "enrolled: certificate" "$o"
newcert=$(sed -n 's/.*certificate \([0-9A-F]*\) for.*/\1/p' <<<"$o")
before=$(state)
st=$(claim "{\"serial\":\"${CERT[$IDB]}\",\"loss_code\":\"${CODE[$IDB]}\"}")
same "the old envelope's code for the old certificate: 403" "$st" 403
same "the old code by ID number: 403" \
	"$(claim "{\"id_number\":\"$IDB\",\"loss_code\":\"${CODE[$IDB]}\"}")" 403
same "nothing changed" "$(state)" "$before"
has "OCSP: the new certificate is good" ": good" "$(ocsp $newcert)"
same "the new envelope's code freezes the new certificate" \
	"$(claim "{\"id_number\":\"$IDB\",\"loss_code\":\"$new\"}")/$(jq -r .cert_serial claim.json)" \
	"201/$newcert"

# --- a PIN reset's envelope has a new code; the first one stops ---
o=$(finca -d ca token reset-pin --serial ${SER[$IDD]} 2>&1)
resetcode=$(sed -n 's/^new loss-report code (挂失码) for the envelope: //p' <<<"$o")
has "the PIN reset prints a new code for its envelope" '^[2-9A-HJ-NP-Z]{4}-' "$resetcode"
same "the first envelope's code no longer counts: 403" \
	"$(claim "{\"serial\":\"${CERT[$IDD]}\",\"loss_code\":\"${CODE[$IDD]}\"}")" 403
same "the new one does: 201" \
	"$(claim "{\"serial\":\"${CERT[$IDD]}\",\"loss_code\":\"$resetcode\"}")" 201

# --- one address: 20 tries an hour, whatever it names ---
n=$(sqlite3 ca/finca.db "SELECT count(*) FROM audit WHERE action LIKE 'loss_report%'")
codes=
for i in $(seq 1 8); do
	codes+="$(claim "{\"serial\":\"7777$i\",\"loss_code\":\"2222-3333-4444\"}") "
done
# 17 tries so far from here: the 21st is refused
same "the 21st try from one address: 429" "$codes" "403 403 403 429 429 429 429 429 "
has "and says so" "too many loss reports from 127.0.0.1" "$(jq -r .error.message claim.json)"
same "tries past a limit are not audited (nobody fills the trail)" \
	"$(sqlite3 ca/finca.db "SELECT count(*) FROM audit WHERE action LIKE 'loss_report%'")" $((n + 3))

# --- the officer's own emergency freeze is as it was ---
st=$($C -o claim.json -w '%{http_code}' --cert io1.crt --key io1.key -H 'Content-Type: application/json' \
	-d "{\"serial\":\"${CERT[$IDA]}\",\"note\":\"钥匙丢失\"}" $api/emergency-freeze)
same "the officer freezes with the serial alone (logged in): 201" "$st" 201
has "OCSP: A's certificate on hold" "certificateHold" "$(ocsp ${CERT[$IDA]})"
ok "the audit chain verifies" finca -d ca audit verify
