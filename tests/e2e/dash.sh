#!/usr/bin/env bash
# The console's dashboard and certificate list over HTTPS (src/ra/dash.c,
# store_cert_list): counts by status, requests by state and the weeks of
# expiry as each role may see them, and the list's search (q), status
# filter, scope and keyset pages.  City A (350100) serves its county
# 350121 (代管); city B (350200) is the other side.
. "$(dirname "$0")/../lib.sh"


out=$(finca -d ca init --algo p256 --url http://127.0.0.1:8080) || echo "not ok - init: $out"
export FINCA_ACCOUNT_PASSWORD=$(sed -n 's/^  password    \([^ ]*\) .*/\1/p' <<<"$out")
ADMINPW=$FINCA_ACCOUNT_PASSWORD
A() { "$FINCA" -d ca --as "$@"; }
setup() { local o; o=$("$@" 2>&1) || { echo "not ok - setup: $*"; echo "$o" | sed 's/^/#   /'; }; }

UA1=$(uscc 12350121MB0000001); UA2=$(uscc 12350100MB0000002); UB=$(uscc 12350200MB0000003)
setup A admin node add --code 350000 --name 福建省 --level province
setup A admin node add --code 350100 --name 福州市 --level city --parent 350000
setup A admin node add --code 350121 --name 闽侯县 --level county --parent 350100 --served-by 350100
setup A admin node add --code 350200 --name 厦门市 --level city --parent 350000
setup A admin dept add --code dept-a --name 预算处A --node 350100
setup A admin app add --code app-a --name 预算系统A --dept dept-a
setup A admin unit add --code $UA1 --name 闽侯县第一中学 --type 事业单位 --node 350121
setup A admin unit add --code $UA2 --name 福州市财政局 --type 行政机关 --node 350100
setup A admin unit add --code $UB --name 厦门市实验小学 --type 事业单位 --node 350200

PW=account-pass-1
for n in opa opb ioa apa aud app1; do mk_tls $n || echo "not ok - TLS certificate $n"; done
cp ca/admin.crt admin.crt
openssl pkey -in ca/admin.key -passin pass:$ADMINPW -out admin.key
setup env FINCA_NEW_PASSWORD=$PW "$FINCA" -d ca --as admin account add opa --role operator \
	--scope 350100 --cert opa.crt
setup env FINCA_NEW_PASSWORD=$PW "$FINCA" -d ca --as admin account add opb --role operator \
	--scope 350200 --cert opb.crt
setup A admin account add ioa --role officer --scope $UA1 --cert ioa.crt
setup A admin account add apa --role approver --scope dept-a --cert apa.crt
setup A admin account add aud --role auditor --scope "" --cert aud.crt
setup finca -d ca app add app1 --cert app1.crt

# persons: two in the county unit, one in the city unit, one in city B
ZS=$(rid 35012119800101001); LS=$(rid 35012119810202002)
WW=$(rid 35010019820303003); ZL=$(rid 35020019830404004)
setup A ioa person add --id-number $ZS --name 张三 --unit $UA1
setup A ioa person add --id-number $LS --name 李四 --unit $UA1
setup A admin person add --id-number $WW --name 王五 --unit $UA2
setup A admin person add --id-number $ZL --name 赵六 --unit $UB

serve_start ca

# call ACCOUNT METHOD PATH [JSON]: status in ST, answer in ./body
declare -A TOK
call() {
	local who=$1 m=$2 p=$3 d=${4-} a=(--cert $1.crt --key $1.key)
	[ -n "${TOK[$who]-}" ] && a+=(-H "Authorization: Bearer ${TOK[$who]}")
	[ -n "$d" ] && a+=(-H 'Content-Type: application/json' --data-binary "$d")
	ST=$(curl -s --cacert ca/ca/service.crt -o body -w '%{http_code}' -X "$m" "${a[@]}" "$api/$p")
}
for who in admin opa opb; do
	pw=$PW; [ $who = admin ] && pw=$ADMINPW
	call $who POST login "{\"password\":\"$pw\"}"
	TOK[$who]=$(jq -r .token body)
done
# get ACCOUNT PATH JQ: the jq result of a GET (ST set)
get() { call $1 GET "$2"; jq -c "$3" body; }

csr p256 /CN=holder h.csr
# issue ID UNIT [DAYS]: a personal certificate over the API (operator A or
# B by the unit; UNIT - for none), its serial printed
issue() {
	local op=opa; [ $2 = $UB ] && op=opb
	call $op POST certs "$(jq -n --arg csr "$(cat h.csr)" --arg id $1 --arg u $2 --argjson d ${3:-0} \
		'{profile:"personal", csr:$csr, id_number:$id} + (if $u != "-" then {unit_code:$u} else {} end)
		 + (if $d > 0 then {days:$d} else {} end)')"
	[ "$ST" = 201 ] || { echo "not ok - issue for $1: $ST $(head -c 200 body)" >&2; return; }
	jq -r .serial body
}
S_ZS=$(issue $ZS $UA1); S_LS=$(issue $LS $UA1 10); S_WW=$(issue $WW $UA2); S_ZL=$(issue $ZL $UB)
# a holder of no registered unit: the province makes for it (no operator
# may issue for an unregistered holder: made on the CA host)
S_EX=$(finca -d ca cert issue --profile personal --csr h.csr --id-number $(rid 35010219900101009) \
	--out ex.pem >/dev/null 2>&1 && serial_of ex.pem)
ok "four persons' certificates and one of no registered holder" test -n "$S_ZS$S_LS$S_WW$S_ZL$S_EX"

# --- the dashboard ---
certs='.certificates | [.valid, .frozen, .revoked, .expired]'
same "operator A: its node's and its county's certificates" "$(get opa dashboard "$certs")" "[3,0,0,0]"
same "operator B: its own" "$(get opb dashboard "$certs")" "[1,0,0,0]"
same "officer: its unit's" "$(get ioa dashboard "$certs")" "[2,0,0,0]"
total=$(sqlite3 ca/finca.db "SELECT count(*) FROM cert WHERE status=0 AND not_after>=strftime('%s','now')")
same "administrator: every certificate (the accounts' TLS ones too)" \
	"$(get admin dashboard '.certificates.valid')" "$total"
same "auditor: the same" "$(get aud dashboard '.certificates.valid')" "$total"
same "the answer's shape" "$(get ioa dashboard 'keys')" \
	'["certificates","expiring_weeks","requests","todo","week_start"]'
same "every request state, in the machine's order" "$(get ioa dashboard '.requests | keys_unsorted')" \
	'["draft","submitted","approved","rejected","accepted","produced","handed_over","completed","withdrawn"]'
same "26 weeks" "$(get ioa dashboard '.expiring_weeks | length')" 26
same "李四's 10-day certificate expires in week 1 (days 7-13)" \
	"$(get ioa dashboard '.expiring_weeks | [.[0], .[1], add]')" "[0,1,1]"
same "operator B does not see it" "$(get opb dashboard '.expiring_weeks | add')" 0
# the chart's bar opens its week of the expiry list
same "week 1's bar: the expiry list from day 7 to 14" \
	"$(get ioa 'expiring?from=7&days=14' '[.items[].serial]')" "[\"$S_LS\"]"
same "week 0's: none" "$(get ioa 'expiring?from=0&days=7' '.items | length')" 0
call ioa GET 'expiring?from=x'; same "a bad from" "$ST $(jq -r .error.field body)" "400 from"
same "an approver has no chart (it opens the expiry list)" "$(get apa dashboard 'has("expiring_weeks")')" false
same "week 0 starts today, Beijing time" "$(get ioa dashboard .week_start | tr -d '"')" \
	"$(TZ=Asia/Shanghai date +%F)"

call opa POST certs/$S_ZS/freeze; same "operator A freezes 张三's" "$ST" 200
call opa POST certs/$S_WW/revoke '{"reason":"affiliationChanged"}'; same "and revokes 王五's" "$ST" 200
same "operator A: counts follow" "$(get opa dashboard "$certs")" "[1,1,1,0]"
same "officer: its frozen one" "$(get ioa dashboard "$certs")" "[1,1,0,0]"
same "operator B: unchanged" "$(get opb dashboard "$certs")" "[1,0,0,0]"
same "administrator: one fewer valid" "$(get admin dashboard '.certificates | [.valid, .frozen, .revoked]')" \
	"[$((total - 2)),1,1]"
# what the daemon renews itself is not art. 14 work: an OCSP signer
# expiring in 10 days counts nowhere
admin_weeks=$(get admin dashboard '.expiring_weeks | add')
csr p256 /CN=internal in.csr
setup finca -d ca cert issue --profile ocsp --csr in.csr --days 10 --out ocsp10.pem
same "administrator: internal certificates not in the chart" \
	"$(get admin dashboard '.expiring_weeks | add')" "$admin_weeks"
same "nor in the expiry list" "$(get admin 'expiring?days=30' '[.items[].profile] | unique')" '["personal"]'

# requests: the officer asks for two, submits one (for their certificates:
# an apply is refused to a holder, ra/duplicate.c; a freeze is no renewal,
# 李四's certificate stays due)
call ioa POST requests "{\"type\":\"unfreeze\",\"subject\":\"$ZS\",\"app\":\"app-a\",\"cert_serial\":\"$S_ZS\"}"
R1=$(jq -r .id body) B1=$(jq -r .batch body)
call ioa POST requests "{\"type\":\"freeze\",\"subject\":\"$LS\",\"app\":\"app-a\",\"cert_serial\":\"$S_LS\"}"
same "two requests made" "$ST" 201
printf '%%PDF-1.4\n%% a stamped scan\n%%%%EOF\n' >scan.pdf
call ioa POST batches/$B1/attachments "{\"name\":\"scan.pdf\",\"data\":\"$(base64 -w0 scan.pdf)\"}"
same "the stamped scan attached (art. 19)" "$ST" 201
call ioa POST requests/$R1/submit; same "submitted" "$ST" 200
reqs='.requests | [.draft, .submitted, .approved]'
same "officer: its requests by state" "$(get ioa dashboard "$reqs")" "[1,1,0]"
same "operator A: its node's, drafts aside (the unit's until submitted)" \
	"$(get opa dashboard "$reqs")" "[0,1,0]"
same "operator B: none" "$(get opb dashboard "$reqs")" "[0,0,0]"
same "approver of app-a's department: the submitted one" "$(get apa dashboard "$reqs")" "[0,1,0]"
same "approver: the draft is not in its list" "$(get apa 'requests?state=draft' '.items | length')" 0

# --- the to-do (待办): each role's next work, in its scope ---
todo='[.todo[] | select(.task != "renew") | {(.task): .count}] | add'
same "officer: a draft to submit, nothing else" "$(get ioa dashboard "$todo")" \
	'{"submit":1,"resubmit":0,"collect":0,"complete":0}'
same "officer: 李四's certificate due within 30 days, listed" \
	"$(get ioa dashboard '.todo[] | select(.task == "renew") | [.count, .days, .items[0].serial]')" \
	"[1,30,\"$S_LS\"]"
same "approver: one to approve" "$(get apa dashboard "$todo")" '{"approve":1}'
same "operator A: its queues" "$(get opa dashboard "$todo")" \
	'{"accept":0,"produce":0,"handover":0,"complete":0}'
same "auditor: no to-do" "$(get aud dashboard '.todo')" '[]'
call apa POST requests/$R1/approve '{}'; same "approved" "$ST" 200
same "approver: done" "$(get apa dashboard "$todo")" '{"approve":0}'
same "operator A: one to accept" "$(get opa dashboard "$todo | .accept")" 1
same "operator B: none (another node)" "$(get opb dashboard "$todo | .accept")" 0
# the officer's renewal from the to-do: the certificate leaves the list
call ioa POST expiring/renew '{"days":30,"app":"app-a"}'; same "renew requests made" "$ST" 201
same "officer: 李四's renewal in hand, not due any more" \
	"$(get ioa dashboard '.todo[] | select(.task == "renew") | .count')" 0
same "and a second draft to submit" "$(get ioa dashboard "$todo | .submit")" 2
same "approver: the certificates of those holders" "$(get apa dashboard "$certs")" "[1,1,0,0]"
call app1 GET dashboard; same "an application system has no dashboard" "$ST" 403

# --- the list: scope, q, status, pages ---
serials='[.certificates[].serial] | sort'
same "officer lists its unit's certificates" "$(get ioa certs "$serials")" \
	"$(jq -nc --arg a $S_ZS --arg b $S_LS '[$a, $b] | sort')"
same "with the holder's name and unit" "$(get ioa "certs?q=%E6%9D%8E%E5%9B%9B" \
	'.certificates[0] | [.holder_name, .unit, .unit_name]')" "[\"李四\",\"$UA1\",\"闽侯县第一中学\"]"
call ioa GET certs/$S_LS; same "officer reads its unit's certificate" "$ST" 200
call ioa GET certs/$S_ZL; same "officer: another unit's is refused" "$ST" 403
call ioa POST certs/$S_LS/freeze; same "officer may not freeze over the CA API" "$ST" 403
same "operator A: q by name" "$(get opa "certs?q=%E5%BC%A0%E4%B8%89" "$serials")" "[\"$S_ZS\"]"
same "operator A: q by ID number prefix" "$(get opa "certs?q=${LS:0:12}" "$serials")" "[\"$S_LS\"]"
same "operator A: q by serial prefix, lower case" \
	"$(get opa "certs?q=$(tr A-F a-f <<<"${S_WW:0:24}")" "$serials")" "[\"$S_WW\"]"
same "operator A: q by part of a unit's name (闽侯)" "$(get opa "certs?q=%E9%97%BD%E4%BE%AF" "$serials")" \
	"$(jq -nc --arg a $S_ZS --arg b $S_LS '[$a, $b] | sort')"
same "operator A: q by unit code" "$(get opa "certs?q=$UA2" '.certificates | length')" 1
same "operator B never sees A's holder by name" "$(get opb "certs?q=%E5%BC%A0%E4%B8%89" '.certificates | length')" 0
same "nor by serial" "$(get opb "certs?q=$S_ZS" '.certificates | length')" 0
same "a short serial prefix (the issuing time's) finds all three of A's" \
	"$(get opa "certs?q=${S_ZS:0:2}" '.certificates | length')" 3
call opb GET certs/$S_ZS; same "nor one by one" "$ST" 403
same "operator B finds its own" "$(get opb "certs?q=%E8%B5%B5" "$serials")" "[\"$S_ZL\"]"
same "the administrator finds the holder of no registered unit by serial" \
	"$(get admin "certs?q=${S_EX:0:24}" "$serials")" "[\"$S_EX\"]"
same "operator A does not see it (the province makes for it)" \
	"$(get opa "certs?q=${S_EX:0:24}" '.certificates | length')" 0
same "status filter in scope" "$(get opa "certs?status=frozen" "$serials")" "[\"$S_ZS\"]"
same "status and q together" "$(get opa "certs?status=valid&q=%E5%BC%A0%E4%B8%89" '.certificates | length')" 0
call opa GET "certs?status=lost"; same "an unknown status: 400" "$ST" 400
call opa GET "certs?q=$(printf 'a%.0s' $(seq 65))"; same "q over 64 bytes: 400" "$ST" 400

# keyset pages of one: operator A's three, each once, then next is null
after=0 seen=() pages=0
while :; do
	call opa GET "certs?limit=1&after=$after"
	[ "$ST" = 200 ] || break
	seen+=($(jq -r '.certificates[].serial' body))
	pages=$((pages + 1))
	n=$(jq -r .next body)
	[ "$n" = null ] && break
	after=$n
	[ $pages -lt 10 ] || break
done
same "pages of one: three, each once" "$(printf '%s\n' "${seen[@]}" | sort -u | wc -l) $pages" "3 3"
same "the last page says no more" "$(jq -c .next body)" null
same "a full page says where the next starts" "$(get admin "certs?limit=2" '.next | type')" '"number"'

# the certificate profiles, read as configured (the console's 证书模板 page)
same "the administrator reads the profiles" "$(get admin profiles \
	'[.profiles[] | select(.name == "personal") | .identity, .issuer]')" '["person","issuing"]'
same "each profile has its Chinese and English name" "$(get admin profiles \
	'[.profiles[] | select(.name == "personal" or .name == "ocsp") | .title_zh, .title_en]')" \
	'["个人证书","Personal certificate","OCSP签名证书","OCSP signing certificate"]'
same "usage, keys and identity extension in words" "$(get admin profiles \
	'.profiles[] | select(.name == "personal") | [.key_usage, .extended_key_usage, .keys[0], .identity_extensions[0].kind, .validity_days]')" \
	'[["digitalSignature","nonRepudiation"],["clientAuth","emailProtection"],"SM2","resident_id",730]'
same "an auditor reads them too" "$(get aud profiles '.profiles | length > 5')" true
get ioa profiles . >/dev/null
same "an officer may not: 403" "$ST" 403

# the CA certificates, described by the server (the console's CA证书 page)
same "the administrator reads the CAs by their Chinese names" "$(get admin ca '[.cas[].title_zh]')" \
	'["根CA","签发CA（用户CA）","服务CA"]'
same "the issuing CA: serial, validity, fingerprint, CRL and OCSP addresses" "$(get admin ca \
	'.cas[1] | [(.serial | test("^[0-9A-F]+$")), (.not_after | test("^20")), (.sha256 | length), (.crl | test("/crl/issuing.crl$")), (.ocsp | test("/ocsp$")), (.subject | length > 0)]')" \
	'[true,true,64,true,true,true]'
same "an auditor reads them too" "$(get aud ca '.cas | length')" 3
get ioa ca . >/dev/null
same "an officer may not read the CAs: 403" "$ST" 403

serve_stop
rc=$?; same "the daemon stops cleanly (under the sanitizers: nothing leaked)" $rc 0
[ $rc = 0 ] || grep -A12 -m3 'ERROR: \|SUMMARY' serve.log | sed 's/^/#   /'
ok "the audit chain verifies" finca -d ca audit verify
