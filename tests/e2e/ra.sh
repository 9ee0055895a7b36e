#!/usr/bin/env bash
# The regulation walked through (art. 19-25): a county unit's information
# officer fills the unified spreadsheet (XLSX) with 20 people and uploads
# it, first with mistakes (each named, nothing created); the approving
# department approves; the city operator (the county is served by its city, 代管)
# produces USBKeys (SoftHSM2) and hands them over; one holder loses the key
# (emergency freeze, then reissue), one retires (revoke, token returned),
# one changes unit (update), one renews.  At each step openssl ocsp / crl
# show the right status and the audit chain verifies; refusals by role or
# scope change nothing.
. "$(dirname "$0")/../lib.sh"

softhsm


serve_ports
out=$(finca -d ca init --algo p256 --url $base) || echo "not ok - init: $out"
export FINCA_ACCOUNT_PASSWORD=$(sed -n 's/^  password    \([^ ]*\) .*/\1/p' <<<"$out")
printf '[token]\nmodule = %s\nalgorithm = p256\n' $M >>ca/finca.conf
A() { "$FINCA" -d ca --as "$@"; }   # A ACCOUNT COMMAND...: act as an account

# --- organisations (the administrator) ---
U1=$(uscc 12350121MB0000001); U2=$(uscc 12350100MB0000002)
ok "province node" A admin node add --code 350000 --name 福建省 --level province
ok "city node" A admin node add --code 350100 --name 福州市 --level city --parent 350000
ok "county served by its city" A admin node add --code 350121 --name 闽侯县 --level county \
	--parent 350100 --served-by 350100
fails "a city cannot be served" "only a county" A admin node add --code 350200 --name 厦门市 \
	--level city --parent 350000 --served-by 350100
ok "approving department" A admin dept add --code yusuan --name 预算处 --node 350000
ok "application system" A admin app add --code ysgl --name 预算管理一体化系统 --dept yusuan
fails "a unit code with a wrong check character" "check" A admin unit add --code ${U1%?}0 \
	--name 闽侯县第一中学 --type 事业单位 --node 350121
ok "county unit" A admin unit add --code $U1 --name 闽侯县第一中学 --type 事业单位 --node 350121
ok "city unit" A admin unit add --code $U2 --name 福州市财政局 --type 行政机关 --node 350100

# --- accounts, one per role ---
for n in io1 io2 ap1 op1 op2 aud1; do mk_tls $n || echo "not ok - cert $n"; done
PW=account-pass-1
ok "officer of the county unit" A admin account add io1 --role officer --scope $U1 --cert io1.crt
ok "officer of the city unit" A admin account add io2 --role officer --scope $U2 --cert io2.crt
ok "approver" A admin account add ap1 --role approver --scope yusuan --cert ap1.crt
ok "city operator" env FINCA_NEW_PASSWORD=$PW "$FINCA" -d ca --as admin account add op1 \
	--role operator --scope 350100 --cert op1.crt
ok "province operator" env FINCA_NEW_PASSWORD=$PW "$FINCA" -d ca --as admin account add op2 \
	--role operator --scope 350000 --cert op2.crt
ok "auditor" A admin account add aud1 --role auditor --scope "" --cert aud1.crt
OP() { env FINCA_ACCOUNT_PASSWORD=$PW "$FINCA" -d ca --as "$@"; }

# the daemon: the spreadsheet upload over the API, OCSP and the CRL
serve_start ca
at_exit 'cp serve.log /tmp/ra-serve.log'
C="curl -s --cacert ca/ca/service.crt"

# --- the officer fills the unified spreadsheet with 20 people and uploads it ---
fails "the officer cannot register into another unit" "request|another unit" \
	A io1 person add --id-number $(rid 35012119800101001) --name 某 --unit $U2
fails "a bad ID number is named" "id_number" A io1 person add --id-number 35012119800101001X \
	--name 某 --unit $U1
$C --cert io1.crt --key io1.key -o template.xlsx $api/template.xlsx
# the officer's template: notes under the headers, dropdowns of the
# registered systems, the reasons and the officer's own unit (data
# validation from the hidden 列表 sheet), a sample row that would import
same "the template made for the officer" "$(/usr/bin/python3 - template.xlsx <<'EOF'
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
ws, ls = wb["申请"], wb["列表"]
cols = {c.value: c.column_letter for c in ws[1]}
dv = {str(d.sqref).split(":")[0][0]: d.formula1 for d in ws.data_validations.dataValidation}
lists = {c.value: [x.value for x in ls[c.column_letter][1:] if x.value] for c in ls[1]}
print(ls.sheet_state, ws["A2"].value, ws[cols["单位编码"] + "3"].value, ws[cols["应用系统编码"] + "3"].value,
      dv[cols["应用系统编码"]].startswith("'列表'!"), lists["单位编码"], "ysgl" in lists["应用系统编码"],
      lists["补办原因"], dv.get(cols["姓名"]))
EOF
)" "hidden 必填：证书持有人的姓名 $U1 ysgl True ['$U1'] True ['丢失', '遗失', '损坏'] None"
ids=()
for i in $(seq 1 20); do
	id=$(rid 350121198$((i % 10))0101$(printf %03d $i)); ids+=($id)
	printf '%s,%s,%s,%s,%s,%s\n' "用户$i" "$id" $U1 ysgl "1380000$(printf %04d $i)" "u$i@example.cn"
done >people.csv
# fill ROWS.csv into the 申请 sheet of the template, below its sample row,
# as the officer does in Excel (openpyxl: a writer nobody on this team wrote;
# the phone numbers typed as numbers)
fill() { /usr/bin/python3 - template.xlsx "$@" <<'EOF'
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
ws = wb["申请"]
for line in open(sys.argv[3], encoding="utf-8"):
    name, id_number, unit, app, phone, mail = line.rstrip("\n").split(",")
    ws.append([name, id_number, unit, app, int(phone), mail, "新入职"])
wb.save(sys.argv[2])
EOF
}
upload() { printf '{"filename":"%s","file":"%s"}' "$1" "$(base64 -w0 "$1")" >body.json
	$C --cert io1.crt --key io1.key -H 'Content-Type: application/json' -d @body.json \
		$api/batches; }
# a first try with three mistakes: a wrong check character, a unit not
# registered, the same person twice
{ head -3 people.csv
  sed -n 4p people.csv | sed "s/,${ids[3]},/,${ids[3]%?}0,/"
  sed -n 5p people.csv | sed "s/,$U1,/,$(uscc 12350121MB0000009),/"
  sed -n 6,20p people.csv; sed -n 2p people.csv; } >bad.csv
fill 申请-错.xlsx bad.csv
o=$(A io1 batch import 申请-错.xlsx 2>&1) && echo "not ok - a bad spreadsheet was imported"
has "each bad row and column is named: the check character" "申请 row 7, 身份证号: .*check" "$o"
has "the unit not registered" "申请 row 8, 单位编码: .*" "$o"
has "the person twice" "申请 row 24, 身份证号: .*(twice|duplicate|row 5)" "$o"
b=$(upload 申请-错.xlsx)
same "the API lists the same three problems" "$(jq -c '[.problems[] | [.row, .column]]' <<<"$b")" \
	'[[7,"身份证号"],[8,"单位编码"],[24,"身份证号"]]'
same "a bad file created nothing" "$(A io1 person list --json | jq '.items | length')/$(
	A io1 request list --json | jq '.items | length')" 0/0
fill 申请.xlsx people.csv
b=$(upload 申请.xlsx)
B=$(jq -r .batch <<<"$b"); [ "$B" != null ] || echo "# $b"
same "one batch of 20 drafts" "$(jq -r .requests <<<"$b")" 20
same "the 20 people registered by the upload" "$(jq -r .persons_registered <<<"$b")/$(
	A io1 person list --json | jq '.items | length')" 20/20
has "the batch is named after the file" "申请.xlsx" "$(A io1 batch show $B --json)"
# names beside codes: the API's answers name the unit, system and node
r1=$($C --cert io1.crt --key io1.key "$api/requests?batch=$B&limit=1" | jq -c '.items[0] | [.unit_name, .app_name, .node_name]')
same "a request names its unit, system and node" "$r1" '["闽侯县第一中学","预算管理一体化系统","福州市"]'
same "a batch names its unit" "$($C --cert io1.crt --key io1.key $api/batches/$B | jq -r .unit_name)" 闽侯县第一中学
has "the phone typed as a number reads as digits" '"13800000001"' \
	"$(A io1 person show ${ids[0]} --json)"
same "another unit's officer sees none of them" "$(A io2 person list --json | jq '.items | length')" 0
ok "submit the batch" A io1 batch submit $B
# --- art. 19: the stamped paper before approval ---
same "the batch says its paper is due" "$(A ap1 batch show $B --json | jq -c '[.paper_due, .requests[0].paper_due]')" \
	'[true,true]'
fails "no approval before the stamped scan is attached (art. 19)" \
	"batch $B has no scan of its stamped paper forms attached yet \\(art. 19\\)" A ap1 batch approve $B
fails "nor of one request of the batch" "batch $B has no scan" A ap1 request approve $(
	A aud1 request list --batch $B --json | jq -r '.items[0].id')
fails "in Chinese" "批次${B}尚未上传加盖公章的纸质申请表扫描件（第十九条）" \
	env LANG=zh_CN.UTF-8 "$FINCA" -d ca --as ap1 batch approve $B
o=$($C --cert ap1.crt --key ap1.key -H 'Accept-Language: zh-CN' -X POST $api/batches/$B/approve)
same "the API refuses it, in Chinese" "$(jq -r '.error | [.reason, .message] | join(" ")' <<<"$o")" \
	"batch.paper_missing 批次${B}尚未上传加盖公章的纸质申请表扫描件（第十九条）"
o=$($C --cert ap1.crt --key ap1.key -H 'Accept-Language: en' -X POST $api/batches/$B/approve)
has "and in English" "batch $B has no scan of its stamped paper forms attached yet" "$(jq -r .error.message <<<"$o")"
same "a refused approval changed nothing" "$(A aud1 request list --batch $B --state submitted --json |
	jq '.items | length')" 20
ok "the officer prints the batch's forms" A io1 batch forms $B --out stamped.pdf
ok "and attaches their stamped scan" A io1 batch attach $B --file stamped.pdf
same "the paper is no longer due" "$(A ap1 batch show $B --json | jq -c '[.paper_due, .requests[0].paper_due]')" \
	'[false,false]'
# paper R: the stamped scan of request R's batch attached (a request made
# alone is a batch of one)
paper() { A io1 batch attach "$(A io1 request show $1 --json | jq -r .batch)" --file stamped.pdf \
	>/dev/null || echo "not ok - attach the scan of request $1"; }
fails "the officer cannot approve" "request.approve.*officer" A io1 batch approve $B
fails "the operator cannot approve either" "request.approve.*operator" OP op1 batch approve $B
ok "the approving department approves" A ap1 batch approve $B
fails "the province operator does not make for the county" "another node makes it" \
	OP op2 batch accept $B
same "a refusal changed nothing" "$(A aud1 request list --batch $B --state approved --json |
	jq '.items | length')" 20
ok "the city operator accepts" OP op1 batch accept $B

# --- production at the token station, handover, completion ---
R=($(A aud1 request list --batch $B --json | jq -r '.items[].id'))
serials=(); certs=(); pins=()
for i in $(seq 0 19); do
	o=$(OP op1 token init --label key$i 2>&1) || echo "not ok - token init $i: $o"
	pin=$(sed -n 's/^default PIN for the envelope: //p' <<<"$o")
	s=$(sed -n 's/^token \([0-9a-f]*\) initialised.*/\1/p' <<<"$o")
	o=$(FINCA_PIN=$pin OP op1 token enroll --serial $s --request ${R[$i]} 2>&1) ||
		echo "not ok - enroll $i: $o"
	serials+=($s); pins+=($pin); certs+=($(sed -n 's/.*certificate \([0-9A-F]*\) for.*/\1/p' <<<"$o"))
done
same "20 certificates made on 20 USBKeys" "$(A aud1 request list --batch $B --state produced \
	--json | jq '.items | length')" 20
has "the subject names the holder and the unit" "O=闽侯县第一中学.*CN=用户1|CN=用户1.*O=闽侯县第一中学" \
	"$(A aud1 cert show ${certs[0]} 2>/dev/null || "$FINCA" -d ca cert show ${certs[0]})"
fails "handover names the handler" "handler" OP op1 request handover ${R[0]}
ok "handover of the batch" OP op1 batch handover $B --handler 王经办
ok "the officer confirms receipt" A io1 batch complete $B
same "all 20 completed" "$(A aud1 request list --batch $B --state completed --json |
	jq '.items | length')" 20
"$FINCA" -d ca cert show ${certs[0]} --pem >c0.pem 2>/dev/null ||
	db_sql ca "select hex(der) from cert where serial='${certs[0]}'" | xxd -r -p |
	openssl x509 -inform DER -out c0.pem
ocsp() { openssl ocsp -issuer ca/ca/issuing.crt -serial 0x$1 -url $base/ocsp \
	-CAfile ca/ca/root.crt 2>&1; }
has "OCSP: the new certificate is good" ": good" "$(ocsp ${certs[0]})"

# --- 1: a lost key: emergency freeze at once, then reissue ---
fails "another unit's officer cannot freeze it" "another unit" A io2 request freeze-now ${certs[0]}
ok "emergency freeze by the officer" A io1 request freeze-now ${certs[0]} --note "钥匙丢失"
has "OCSP: on hold" "certificateHold" "$(ocsp ${certs[0]})"
has "the freeze is recorded as an emergency request" '"emergency": true' \
	"$(A aud1 request list --q 用户1 --json)"
same "the emergency freeze keeps the certificate's system (the console's reissue link takes it)" \
	"$(A aud1 request list --q 用户1 --json | jq -r '[.items[] | select(.emergency) | .app] | first')" ysgl
r=$(A io1 request create --type reissue --subject ${ids[0]} --app ysgl --cert ${certs[0]} \
	--reason lost --json | jq -r .id)
ok "submit the reissue" A io1 request submit $r
paper $r
fails "rejection needs a reason" "reason" A ap1 request reject $r
ok "approve" A ap1 request approve $r
ok "accept" OP op1 request accept $r
fails "the operator cannot produce it without a USBKey" "token station" OP op1 request produce $r
o=$(OP op1 token init --label key-new0 2>&1); pin=$(sed -n 's/^default PIN for the envelope: //p' <<<"$o")
s=$(sed -n 's/^token \([0-9a-f]*\) initialised.*/\1/p' <<<"$o")
o=$(FINCA_PIN=$pin OP op1 token enroll --serial $s --request $r 2>&1)
has "reissued onto a new USBKey" "enrolled: certificate" "$o"
new0=$(sed -n 's/.*certificate \([0-9A-F]*\) for.*/\1/p' <<<"$o")
has "OCSP: the lost key's certificate is revoked (keyCompromise)" "keyCompromise" "$(ocsp ${certs[0]})"
has "OCSP: the new one is good" ": good" "$(ocsp $new0)"
has "the lost token is marked lost" "lost" "$(OP op1 token show ${serials[0]})"
ok "handover and completion" sh -c "env FINCA_ACCOUNT_PASSWORD=$PW $FINCA -d ca --as op1 \
	request handover $r --handler 王经办 && $FINCA -d ca --as io1 request complete $r"

# --- 2: retirement: revoke, the token comes back ---
r=$(A io1 request create --type revoke --subject ${ids[1]} --app ysgl --cert ${certs[1]} \
	--reason cessationOfOperation --json | jq -r .id)
paper $r
for step in "io1 request submit" "ap1 request approve"; do ok "revoke: $step" A $step $r; done
ok "revoke: accept" OP op1 request accept $r
ok "revoke: produce (the certificate is revoked)" OP op1 request produce $r
has "OCSP: revoked, cessationOfOperation" "cessationOfOperation" "$(ocsp ${certs[1]})"
fails "no completion before the handover" "handover first" A io1 request complete $r
ok "handover, the key not brought" OP op1 request handover $r --handler 李经办
fails "no completion before the old USBKey is back (art. 22)" "must be returned" \
	A io1 request complete $r
ok "the old key comes back" OP op1 request return $r --handler 李经办
ok "complete" A io1 request complete $r
has "the token is returned" "returned" "$(OP op1 token show ${serials[1]})"

# --- 3: a change of unit: update ---
r=$(A io1 request create --type update --subject ${ids[2]} --app ysgl --cert ${certs[2]} \
	--data "{\"unit\":\"$U2\"}" --json | jq -r .id)
paper $r
for step in "io1 request submit" "ap1 request approve"; do ok "update: $step" A $step $r; done
ok "update: accept" OP op1 request accept $r
o=$(OP op1 token init --label key-new2 2>&1); pin=$(sed -n 's/^default PIN for the envelope: //p' <<<"$o")
s=$(sed -n 's/^token \([0-9a-f]*\) initialised.*/\1/p' <<<"$o")
o=$(FINCA_PIN=$pin OP op1 token enroll --serial $s --request $r 2>&1)
has "update: made on a new USBKey" "enrolled: certificate" "$o"
new2=$(sed -n 's/.*certificate \([0-9A-F]*\) for.*/\1/p' <<<"$o")
has "update: the new certificate names the new unit" "福州市财政局" "$("$FINCA" -d ca cert show $new2)"
has "OCSP: the old one is superseded" "superseded" "$(ocsp ${certs[2]})"
ok "update: handover with the old key back" OP op1 request handover $r --handler 王经办 --old-returned
ok "update: complete" A io1 request complete $r

# --- 4: renewal ---
r=$(A io1 request create --type renew --subject ${ids[3]} --app ysgl --cert ${certs[3]} --json |
	jq -r .id)
paper $r
for step in "io1 request submit" "ap1 request approve"; do ok "renew: $step" A $step $r; done
ok "renew: accept" OP op1 request accept $r
o=$(OP op1 token init --label key-new3 2>&1); pin=$(sed -n 's/^default PIN for the envelope: //p' <<<"$o")
s=$(sed -n 's/^token \([0-9a-f]*\) initialised.*/\1/p' <<<"$o")
o=$(FINCA_PIN=$pin OP op1 token enroll --serial $s --request $r 2>&1)
has "renew: made" "enrolled: certificate" "$o"
new3=$(sed -n 's/.*certificate \([0-9A-F]*\) for.*/\1/p' <<<"$o")
has "OCSP: the renewed one is good" ": good" "$(ocsp $new3)"
has "OCSP: the old one is superseded" "superseded" "$(ocsp ${certs[3]})"
ok "renew: handover with the old key back" OP op1 request handover $r --handler 王经办 --old-returned
ok "renew: complete" A io1 request complete $r

# --- mistakes caught early (issue 14): what the subject already has ---
fails "an apply for a holder of a valid certificate is refused, naming it" \
	"用户6 \(${ids[5]}\) already has certificate ${certs[5]} for 预算管理一体化系统 \(ysgl\)" \
	A io1 request create --type apply --subject ${ids[5]} --app ysgl
fails "in Chinese" "用户6（${ids[5]}）已持有预算管理一体化系统 \(ysgl\)的有效证书${certs[5]}" \
	env LANG=zh_CN.UTF-8 "$FINCA" -d ca --as io1 request create --type apply --subject ${ids[5]} --app ysgl
o=$($C --cert io1.crt --key io1.key -H 'Accept-Language: zh-CN' -H 'Content-Type: application/json' \
	-d "{\"type\":\"apply\",\"subject\":\"${ids[5]}\",\"app\":\"ysgl\"}" $api/requests)
same "the API says so in Chinese, with the certificate" "$(jq -r '.error | [.reason, .field, .params[2]] | join(" ")' <<<"$o")" \
	"request.duplicate_cert subject ${certs[5]}"
printf '用户7,%s,%s,ysgl,13800000007,u7@example.cn\n' ${ids[6]} $U1 >dup.csv
fill 申请-重复.xlsx dup.csv
fails "the spreadsheet names the row of a holder" "申请 row 4, 身份证号: 用户7 .*already has certificate ${certs[6]}" \
	A io1 batch import 申请-重复.xlsx
b=$(upload 申请-重复.xlsx)
same "and the API, in its problems" "$(jq -c '[.problems[] | [.row, .column, .reason]]' <<<"$b")" \
	'[[4,"身份证号","request.duplicate_cert"]]'
N1=$(rid 35012119850101201); N2=$(rid 35012119850101202)
ok "a new person" A io1 person add --id-number $N1 --name 新人甲 --unit $U1
ok "another" A io1 person add --id-number $N2 --name 新人乙 --unit $U1
r1=$(A io1 request create --type apply --subject $N1 --app ysgl --json | jq -r .id)
fails "a second apply while one is pending is refused, naming it" \
	"新人甲 \($N1\) already has apply request $r1 pending" \
	A io1 request create --type apply --subject $N1 --app ysgl
fails "in Chinese" "新人甲（$N1）已有预算管理一体化系统 \(ysgl\)的新申请（申请$r1）正在办理" \
	env LANG=zh_CN.UTF-8 "$FINCA" -d ca --as io1 request create --type apply --subject $N1 --app ysgl
ok "the first is submitted" A io1 request submit $r1
ok "and rejected" A ap1 request reject $r1 --reason 材料不全
r2=$(A io1 request create --type apply --subject $N1 --app ysgl --json | jq -r .id)
ok "a rejected apply is not pending: a new one is made" A io1 request submit $r2
fails "resubmitting the rejected one is caught at submit" "apply request $r2 pending" \
	A io1 request resubmit $r1
r3=$(A io1 request create --type apply --subject $N2 --app ysgl --json | jq -r .id)
csr p256 /CN=新人乙 n2.csr
s=$("$FINCA" -d ca cert issue --profile personal --csr n2.csr --subject CN=新人乙 --id-number $N2 \
	--unit-code $U1 --out n2.crt 2>&1 | grep -oE '[0-9A-F]{16,}' | head -1)
fails "a draft whose subject got a certificate meanwhile is caught at submit" \
	"新人乙 \($N2\) already has certificate $s" A io1 request submit $r3
same "a refused submit changed nothing" "$(A io1 request show $r3 --json | jq -r .state)" draft
r=$(A io1 request create --type renew --subject ${ids[6]} --app ysgl --json | jq -r '[.id, .cert_serial] | join(" ")')
same "a renew without its certificate takes the subject's one" "${r#* }" "${certs[6]}"
fails "a second renew of it is refused" "request ${r% *} for certificate ${certs[6]} is pending already" \
	A io1 request create --type renew --subject ${ids[6]} --app ysgl --cert ${certs[6]}
ok "the renew is withdrawn" A io1 request withdraw ${r% *}
fails "a renew of a replaced certificate points at the current one" \
	"certificate ${certs[3]} is revoked or replaced: act on $new3" \
	A io1 request create --type renew --subject ${ids[3]} --app ysgl --cert ${certs[3]}
fails "a renew for someone with no certificate says apply" \
	"新人甲 \($N1\) has no current certificate for 预算管理一体化系统 \(ysgl\): apply instead" \
	A io1 request create --type renew --subject $N1 --app ysgl
fails "in Chinese" "新人甲（$N1）没有预算管理一体化系统 \(ysgl\)的有效证书，请办理新申请" \
	env LANG=zh_CN.UTF-8 "$FINCA" -d ca --as io1 request create --type renew --subject $N1 --app ysgl

# --- the CRL agrees ---
ok "a CRL" OP op1 crl --out full.crl
crl=$(openssl crl -in full.crl -noout -text)
has "the CRL lists the lost key's certificate" "${certs[0]}" "$crl"
has "the CRL lists the retired holder's" "${certs[1]}" "$crl"
if grep -q "$new0" <<<"$crl"; then echo "not ok - the reissued certificate is on the CRL"
else echo "ok - the reissued certificate is not on the CRL"; fi

# --- access authorization, and grants suspended by a freeze ---
r=$(A io1 request create --type authorize --subject ${ids[4]} --app ysgl \
	--data '{"action":"grant","roles":"录入,查询","not_after":"2030-01-01"}' --json | jq -r .id)
paper $r
for step in "io1 request submit" "ap1 request approve"; do ok "grant: $step" A $step $r; done
ok "grant: accept" OP op1 request accept $r
ok "grant: produce" OP op1 request produce $r
ok "grant: complete (nothing to hand over)" A io1 request complete $r
mk_tls ysgl && A admin app add ysgl --cert ysgl.crt >/dev/null || echo "not ok - app account"
auth() { # -> /auth/verify's answer for the 5th holder's token signing a challenge
	local ch sig
	ch=$($C --cert ysgl.crt --key ysgl.key -X POST $api/auth/challenge | jq -r .challenge)
	sig=$(FINCA_PIN=${pins[4]} "$FINCA" token sign --module $M --serial ${serials[4]} \
		--data "$ch") || return 1
	$C --cert ysgl.crt --key ysgl.key -X POST $api/auth/verify \
		-d "$(jq -c --arg ch "$ch" '{certificate, signature, challenge: $ch}' <<<"$sig")"
}
v=$(auth)
same "the application system sees the grant" "$(jq -c '[.grants[] | [.app, .roles]]' <<<"$v")" \
	'[["ysgl","录入,查询"]]'
ok "a freeze (emergency)" A io1 request freeze-now ${certs[4]}
has "a frozen holder is refused" "refused|frozen" "$(auth)"
same "its grants are suspended" "$(db_sql ca "select count(*) from access_grant g where \
	exists(select 1 from cert where id_number=g.person and status=0)")" 0
r=$(A io1 request create --type unfreeze --subject ${ids[4]} --app ysgl --cert ${certs[4]} \
	--json | jq -r .id)
paper $r
for step in "io1 request submit" "ap1 request approve"; do ok "unfreeze: $step" A $step $r; done
ok "unfreeze: accept" OP op1 request accept $r
ok "unfreeze: produce" OP op1 request produce $r
has "OCSP: good again" ": good" "$(ocsp ${certs[4]})"
same "the grant is back" "$(auth | jq -c '[.grants[].app]')" '["ysgl"]'

# --- expiry (art. 14): the unit's list, and renew requests in one step ---
n=$(A io1 expiring --days 800 --json | jq '.items | length')
[ "$n" -ge 15 ] && echo "ok - the officer's expiry list ($n)" || echo "not ok - expiry list: $n"
same "another unit's officer sees only its own" "$(A io2 expiring --days 800 --json |
	jq -c '[.items[].unit] | unique')" "[\"$U2\"]"
b=$(A io1 expiring --days 800 --renew --app ysgl --json)
same "one batch of renew requests for them" "$(jq -r .requests <<<"$b")" "$n"

# --- forms, attachments, audit ---
ok "the personal form of the batch" A io1 batch forms $B --out batch.pdf
has "it is a PDF in Chinese" "个人数字证书申请表" "$(pdftotext batch.pdf - 2>/dev/null)"
ok "the stamped scan is attached" A io1 batch attach $B --file batch.pdf
fails "a text file is not a scan" "PDF, PNG or JPEG" A io1 batch attach $B --file people.csv
has "the batch lists its attachment" "batch.pdf" "$(A ap1 batch show $B --json)"
# downloads (issue 12, point 9): saved, not shown; a Chinese name in
# filename* (RFC 6266), an ASCII stand-in in filename
cp batch.pdf 盖章扫描件.pdf
ok "a scan with a Chinese name is attached" A io1 batch attach $B --file 盖章扫描件.pdf
aid=$(A io1 batch show $B --json | jq -r '.attachments[] | select(.name == "盖章扫描件.pdf") | .id')
enc=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' 盖章扫描件.pdf)
h=$($C --cert io1.crt --key io1.key -D - -o got.pdf $api/batches/$B/attachments/$aid | tr -d '\r')
has "the attachment is a download named in UTF-8" \
	"^Content-Disposition: attachment; filename=\"_+\.pdf\"; filename\*=UTF-8''$enc$" "$h"
has "the attachment: nosniff" "^X-Content-Type-Options: nosniff" "$h"
ok "the attachment comes back whole" cmp got.pdf 盖章扫描件.pdf
h=$($C --cert io1.crt --key io1.key -D - -o /dev/null $api/batches/$B/forms.pdf | tr -d '\r')
has "the batch's forms are a download" \
	"^Content-Disposition: attachment; filename=\"[_0-9-]+\.pdf\"; filename\*=UTF-8''%E7%94%B3%E8%AF%B7%E8%A1%A8-%E6%89%B9%E6%AC%A1$B\.pdf$" "$h"
has "the forms: nosniff" "^X-Content-Type-Options: nosniff" "$h"
h=$($C --cert io1.crt --key io1.key -D - -o /dev/null $api/template.xlsx | tr -d '\r')
has "the template is a download" "^Content-Disposition: attachment; filename=\"[_]+\.xlsx\"; filename\*=UTF-8''" "$h"
has "the template: nosniff" "^X-Content-Type-Options: nosniff" "$h"
# --- a paperless deployment ([ra] paperless): approval needs no scan ---
cp ca/finca.conf finca.conf.paper
printf '[ra]\npaperless = maybe\n' >>ca/finca.conf
fails "a bad paperless setting is named" "\[ra\] paperless: 'maybe' is not true or false" \
	A io1 request list
cp finca.conf.paper ca/finca.conf
printf '[ra]\npaperless = true\n' >>ca/finca.conf
r=$(A io1 request create --type authorize --subject ${ids[7]} --app ysgl \
	--data '{"action":"grant","roles":"查询"}' --json | jq -r .id)
ok "paperless: submit" A io1 request submit $r
same "paperless: no paper is due" "$(A ap1 request show $r --json | jq -r .paper_due)" false
ok "paperless: approved without a scan" A ap1 request approve $r
cp finca.conf.paper ca/finca.conf
has "refusals are audited" "auth.denied" "$("$FINCA" -d ca audit list)"
ok "the audit chain verifies" finca -d ca audit verify
