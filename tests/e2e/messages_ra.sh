#!/usr/bin/env bash
# The registration authority's messages in the caller's language: a
# request naming an application system not registered, a move from the
# wrong state, a refusal by scope and a spreadsheet with a bad ID number
# and a unit not registered, each through the API in Chinese
# (Accept-Language: zh-CN) and in English (no header), with the same code,
# reason, field and parameters; the spreadsheet's problems name the sheet,
# the row and the column ("申请 第3行 单位编码：…"); the command line says
# them in Chinese under LANG=zh_CN.UTF-8.
. "$(dirname "$0")/../lib.sh"

ok "every reason in src/ has its Chinese text" python3 "$ROOT/scripts/msgcheck.py"

serve_ports
out=$(finca -d ca init --algo p256 --url $base) || echo "not ok - init: $out"
export FINCA_ACCOUNT_PASSWORD=$(sed -n 's/^  password    \([^ ]*\) .*/\1/p' <<<"$out")
A() { "$FINCA" -d ca --as "$@"; }
U1=$(uscc 12350121MB0000001); U2=$(uscc 12350100MB0000002); U9=$(uscc 12350121MB0000009)
ok "province node" A admin node add --code 350000 --name 福建省 --level province
ok "approving department" A admin dept add --code yusuan --name 预算处 --node 350000
ok "application system" A admin app add --code ysgl --name 预算管理一体化系统 --dept yusuan
ok "unit 1" A admin unit add --code $U1 --name 闽侯县第一中学 --type 事业单位 --node 350000
ok "unit 2" A admin unit add --code $U2 --name 福州市财政局 --type 行政机关 --node 350000
for n in io1 io2 ap1; do mk_tls $n || echo "not ok - cert $n"; done
ok "officer of unit 1" A admin account add io1 --role officer --scope $U1 --cert io1.crt
ok "officer of unit 2" A admin account add io2 --role officer --scope $U2 --cert io2.crt
ok "approver" A admin account add ap1 --role approver --scope yusuan --cert ap1.crt
ID1=$(rid 35012119800101001) ID2=$(rid 35012119800101002)
ok "a person of unit 1" A io1 person add --id-number $ID1 --name 张三 --unit $U1
serve_start ca
C="curl -s --cacert ca/ca/service.crt"

# call LANG WHO [curl args]: the answer
call() {
	local lang=$1 who=$2; shift 2
	$C --cert $who.crt --key $who.key -H 'Content-Type: application/json' \
		${lang:+-H "Accept-Language: $lang"} "$@"
}
# check NAME ZH EN WHO [curl args]: the error in both languages, the same
# code, reason, field and parameters
check() {
	local name=$1 zh=$2 en=$3; shift 3
	local ez ee
	ez=$(call zh-CN "$@" | jq -c .error) ee=$(call "" "$@" | jq -c .error)
	same "$name: 中文" "$(jq -r .message <<<"$ez")" "$zh"
	same "$name: English" "$(jq -r .message <<<"$ee")" "$en"
	same "$name: the same code, reason, field and parameters" \
		"$(jq -c '[.code, .reason, .field, .params]' <<<"$ez")" \
		"$(jq -c '[.code, .reason, .field, .params]' <<<"$ee")"
}

check "an application system not registered" "应用系统：“nosuch”未登记" \
	"app: no application system 'nosuch'" io1 -X POST \
	-d "{\"type\":\"apply\",\"subject\":\"$ID1\",\"app\":\"nosuch\"}" $api/requests
R=$(call "" io1 -X POST -d "{\"type\":\"apply\",\"subject\":\"$ID1\",\"app\":\"ysgl\"}" \
	$api/requests | jq -r .id)
[ "$R" != null ] || echo "not ok - a draft request"
check "a draft approved" "第${R}号申请不是待审批状态，不能批准" \
	"request $R is draft: cannot approve it (only from submitted)" ap1 -X POST -d '{}' \
	$api/requests/$R/approve
check "another unit's request" "无权办理：该对象属于其他单位" \
	"request.submit (officer io2): it belongs to another unit" io2 -X POST -d '{}' \
	$api/requests/$R/submit
# what the subject already has (ra/duplicate.c): a second apply while one
# is pending
check "an apply while one is pending" \
	"主体：张三（$ID1）已有预算管理一体化系统 (ysgl)的新申请（申请$R）正在办理，不要重复申请" \
	"subject: 张三 ($ID1) already has apply request $R pending for 预算管理一体化系统 (ysgl)" io1 -X POST \
	-d "{\"type\":\"apply\",\"subject\":\"$ID1\",\"app\":\"ysgl\"}" $api/requests
ok "the pending one is withdrawn" A io1 request withdraw $R

# a batch of requests: each bad item named by its number and field
batch='{"requests":[{"type":"apply","subject":"'$ID1'","app":"ysgl"},{"type":"apply","subject":"'$ID1'","app":"nosuch"}]}'
same "a batch's item: 中文" "$(call zh-CN io1 -d "$batch" $api/batches | jq -c '[.error.message, .problems[0].text, .problems[0].field_name]')" \
	'["申请中有1处问题，未创建任何申请","第2项 应用系统：“nosuch”未登记","应用系统"]'
same "a batch's item: English" "$(call "" io1 -d "$batch" $api/batches | jq -c '[.problems[0].text, .problems[0].message]')" \
	'["item 2, app: no application system '"'nosuch'"'","no application system '"'nosuch'"'"]'

# art. 19: approval waits for the batch's stamped scan
R2=$(call "" io1 -X POST -d "{\"type\":\"apply\",\"subject\":\"$ID1\",\"app\":\"ysgl\"}" \
	$api/requests | jq -r .id)
ok "a request submitted" A io1 request submit $R2
B2=$(call "" io1 $api/requests/$R2 | jq -r .batch)
check "an approval before the stamped scan" "批次${B2}尚未上传加盖公章的纸质申请表扫描件（第十九条）" \
	"batch $B2 has no scan of its stamped paper forms attached yet (art. 19): attach it before approving" \
	ap1 -X POST -d '{}' $api/requests/$R2/approve
o=$(LANG=zh_CN.UTF-8 LC_ALL= A ap1 batch approve $B2 2>&1)
same "the command line says it in Chinese" "$o" "finca: 批次${B2}尚未上传加盖公章的纸质申请表扫描件（第十九条）"

# a spreadsheet (CSV, named after its sheet): a wrong check character in
# row 2, a unit not registered in row 3
printf '姓名,身份证号,单位编码,应用系统编码\n李四,%s,%s,ysgl\n王五,%s,%s,ysgl\n' \
	"${ID2%?}$(( (${ID2: -1} + 1) % 10 ))" $U1 $ID2 $U9 >申请.csv
[ "${ID2: -1}" != X ] || echo "not ok - the test's ID number ends in X"
# upload LANG [FILE]: the answer to the upload of FILE (申请.csv)
upload() { local f=${2:-申请.csv}
	printf '{"filename":"%s","file":"%s"}' "$f" "$(base64 -w0 "$f")" >body.json
	call "$1" io1 -d @body.json $api/batches; }
bz=$(upload zh-CN) be=$(upload "")
same "the upload: 中文" "$(jq -r .error.message <<<"$bz")" "表格中有2处问题，未创建任何申请"
same "the problems' places" "$(jq -c '[.problems[] | [.sheet, .row, .column]]' <<<"$bz")" \
	'[["申请",2,"身份证号"],["申请",3,"单位编码"]]'
same "the same reasons and parameters in both languages" \
	"$(jq -c '[.problems[] | [.reason, .params]]' <<<"$bz")" \
	"$(jq -c '[.problems[] | [.reason, .params]]' <<<"$be")"
same "a unit not registered: 中文" "$(jq -r '.problems[1].text' <<<"$bz")" \
	"申请 第3行 单位编码：未登记编码为${U9}的单位"
same "a unit not registered: its message in Chinese" "$(jq -r '.problems[1].message' <<<"$bz")" \
	"未登记编码为${U9}的单位"
same "a unit not registered: English" "$(jq -r '.problems[1].text' <<<"$be")" \
	"申请 row 3, 单位编码: no unit is registered with code $U9"
same "a unit not registered: its message in English" "$(jq -r '.problems[1].message' <<<"$be")" \
	"no unit is registered with code $U9"
# the ID number's text is the core's (ca/ident.c's reason and its Chinese)
has "a bad ID number: 中文" "^申请 第2行 身份证号：" "$(jq -r '.problems[0].text' <<<"$bz")"
has "a bad ID number: English" "^申请 row 2, 身份证号: resident ID number .*check" \
	"$(jq -r '.problems[0].text' <<<"$be")"

# a file that is not what the template makes (src/doc/sheet.c)
printf '\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1 an old workbook' >申请.xls
same "an .xls: 中文" "$(upload zh-CN 申请.xls | jq -r '.problems[0].text')" \
	"这是Excel 97-2003（.xls）格式或设有密码的工作簿：请另存为不设密码的.xlsx文件或CSV文件"
has "an .xls: English" "^an Excel 97-2003 \(.xls\) or password-protected workbook" \
	"$(upload "" 申请.xls | jq -r '.problems[0].text')"

# the command line: LANG
o=$(LANG=zh_CN.UTF-8 LC_ALL= A io1 batch import 申请.csv 2>&1) &&
	echo "not ok - a bad spreadsheet was imported"
has "the command line: the problem in Chinese" "^申请 第3行 单位编码：未登记编码为${U9}的单位$" "$o"
has "the command line: the error in Chinese" "^finca: 表格中有2处问题，未创建任何申请$" "$o"
o=$(LANG=C LC_ALL= A io1 batch import 申请.csv 2>&1)
has "the command line: English otherwise" "^申请 row 3, 单位编码: no unit is registered with code $U9$" "$o"
