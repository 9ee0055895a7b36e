#!/usr/bin/env bash
# Messages in the caller's language: every reason an error names has its
# Chinese text (scripts/msgcheck.py), the API answers in Chinese to
# Accept-Language: zh-CN and in English otherwise, with the same code,
# reason, field and parameters; the command line speaks Chinese under
# LANG=zh_CN.UTF-8.
. "$(dirname "$0")/../lib.sh"

ok "every reason in src/ has its Chinese text" python3 "$ROOT/scripts/msgcheck.py"

serve_ports
out=$(finca -d ca init --algo p256 --url $base)
adminpw=$(sed -n 's/^  password *\([^ ]*\) .*/\1/p' <<<"$out")
# wrong and missing passwords below count as failed logins: not so many
# that op1 is locked
printf '\n[auth]\nfailures = 50\n' >>ca/finca.conf
ok "operator TLS certificate" mk_tls op1
ok "province node" env FINCA_ACCOUNT_PASSWORD=$adminpw "$FINCA" -d ca --as admin node add --code 350000 --name 福建省 --level province
ok "auditor TLS certificate" mk_tls aud1
ok "account add auditor" finca -d ca account add aud1 --role auditor --cert aud1.crt
ok "account add operator" env FINCA_ACCOUNT_PASSWORD=operator-pass-1 "$FINCA" -d ca account add op1 \
	--role operator --scope 350000 --cert op1.crt
serve_start ca
C="curl -s --cacert ca/ca/service.crt"
tok=$($C --cert op1.crt --key op1.key -X POST -d '{"password":"operator-pass-1"}' $api/login | jq -r .token)
atok=$($C --cert aud1.crt --key aud1.key -X POST -d '{}' $api/login | jq -r .token)
# call LANG WHO TOKEN [curl args]: the error object
call() {
	local lang=$1 who=$2 t=$3; shift 3
	$C --cert $who.crt --key $who.key -H "Authorization: Bearer $t" ${lang:+-H "Accept-Language: $lang"} "$@" | jq -c .error
}
# case NAME ARGS...: the same error in both languages; checks the Chinese
# message and that nothing but message and detail differ
check() {
	local name=$1 zh=$2; shift 2
	local ez ee
	ez=$(call zh-CN,zh\;q=0.9 "$@") ee=$(call "" "$@")
	same "$name: 中文" "$(jq -r .message <<<"$ez")" "$zh"
	same "$name: the same code, reason, field and parameters" \
		"$(jq -c '[.code, .reason, .field, .params]' <<<"$ez")" \
		"$(jq -c '[.code, .reason, .field, .params]' <<<"$ee")"
	has "$name: English without the header" '[a-z]' "$(jq -r .message <<<"$ee")"
}
check "an unknown field" "colour：未知字段" op1 "$tok" -X POST -d '{"colour":"red"}' $api/certs
check "a number out of range" "到期天数：应为0到36500之间的数字" op1 "$tok" "$api/certs?expiring_within=99999"
check "a field of the wrong type" "有效天数：应为整数" op1 "$tok" -X POST -d '{"profile":"personal","csr":"x","days":"ten"}' $api/certs
check "403" "您的角色无权进行此操作" aud1 "$atok" -X POST -d '{}' $api/crl
check "no such resource" "没有此资源" op1 "$tok" $api/nothing
check "not JSON" "请求内容不是有效的JSON" op1 "$tok" -X POST -d 'x=1' $api/certs
# check2 NAME ZH EN ARGS...: check, and the English message exactly
check2() {
	local name=$1 zh=$2 en=$3; shift 3
	check "$name" "$zh" "$@"
	same "$name: English" "$(call "" "$@" | jq -r .message)" "$en"
}
# the issue's list (issue 14): bad ID, wrong and missing password, no such
# certificate, wrong state
csr p256 "/C=CN/CN=王五" w.csr
bad=$(jq -n --arg csr "$(cat w.csr)" '{profile:"personal", csr:$csr, id_number:"350104197001010010"}')
check2 "a bad ID number" "身份证号：校验码应为X，实为0（GB 11643）" \
	"resident ID number '350104197001010010': check character is 0, expected X (GB 11643)" \
	op1 "$tok" -X POST -d "$bad" $api/certs
same "a bad ID number: the field" "$(call zh-CN op1 "$tok" -X POST -d "$bad" $api/certs | jq -r .field)" id_number
# login LANG BODY: the error of POST /login as op1
login() {
	$C --cert op1.crt --key op1.key ${1:+-H "Accept-Language: $1"} -X POST -d "$2" $api/login | jq -c .error
}
for c in 'wrong password|{"password":"nope-nope-nope"}|账户 op1：密码错误|account op1: wrong password' \
	 'missing password|{}|账户 op1：此角色须以证书和密码登录，请输入密码（第十一条）|account op1 (operator): password: this role logs in with its certificate and a password (art. 11)'; do
	IFS='|' read -r name body zh en <<<"$c"
	ez=$(login zh-CN "$body") ee=$(login "" "$body")
	same "$name: 中文" "$(jq -r .message <<<"$ez")" "$zh"
	same "$name: English" "$(jq -r .message <<<"$ee")" "$en"
	same "$name: the same code, reason, field" "$(jq -c '[.code, .reason, .field]' <<<"$ez")" \
		"$(jq -c '[.code, .reason, .field]' <<<"$ee")"
	same "$name: the field" "$(jq -r .field <<<"$ez")" password
done
check2 "a serial that is not one" "序列号“00XX”：应为不超过40位的十六进制数" \
	"serial '00XX': expected up to 40 hex digits" op1 "$tok" $api/certs/00XX
# the store's "not issued by this CA" (src/store/store_cert.c): cert.none
ez=$(call zh-CN op1 "$tok" $api/certs/00AA) ee=$(call "" op1 "$tok" $api/certs/00AA)
same "no such certificate: not_found" "$(jq -r .code <<<"$ez") $(jq -r .code <<<"$ee")" "not_found not_found"
same "no such certificate: its reason" "$(jq -r .reason <<<"$ez") $(jq -r .reason <<<"$ee")" "cert.none cert.none"
same "no such certificate: 中文" "$(jq -r .message <<<"$ez")" "没有序列号为AA的证书"
same "no such certificate: English" "$(jq -r .message <<<"$ee")" "certificate AA: not issued by this CA"
ok "a certificate to freeze" finca -d ca cert issue --profile personal --csr w.csr \
	--id-number 35010419700101001X --out w.pem
sw=$(serial_of w.pem)
ok "freeze it" finca -d ca cert freeze $sw
check2 "a wrong state: freeze a frozen certificate" "证书 $sw已冻结，不能再次冻结" \
	"certificate $sw: cannot freeze a frozen certificate" op1 "$tok" -X POST $api/certs/$sw/freeze
same "a wrong state: 409" "$($C -o /dev/null -w '%{http_code}' --cert op1.crt --key op1.key \
	-H "Authorization: Bearer $tok" -X POST $api/certs/$sw/freeze)" 409
same "English when English comes first" "$(call 'en-GB,zh;q=0.5' op1 "$tok" $api/nothing | jq -r .message)" "no such resource"
same "a parameter as printed" "$(call zh-CN op1 "$tok" "$api/certs?limit=0" | jq -c .params)" '["1","1000"]'

# the command line: LANG
fails_zh() { LANG=zh_CN.UTF-8 LC_ALL= "$FINCA" "$@" 2>&1 >/dev/null; }
has "the command line in Chinese under zh_CN" "^finca: " "$(fails_zh -d ca cert show 00)"
same "the command line: a serial that is not one" "$(fails_zh -d ca cert show NOSUCH)" \
	"finca: 序列号“NOSUCH”：应为不超过40位的十六进制数"
same "the command line: a bad ID number" "$(fails_zh -d ca cert issue --profile personal --csr w.csr \
	--id-number 350102199003071235 --out x.pem)" "finca: 身份证号：校验码应为4，实为5（GB 11643）"
same "the command line: a wrong state" "$(fails_zh -d ca cert freeze $sw)" \
	"finca: 证书 $sw已冻结，不能再次冻结"
same "the command line in English otherwise" "$(LANG=C LC_ALL= "$FINCA" -d ca cert freeze $sw 2>&1 >/dev/null)" \
	"finca: certificate $sw: cannot freeze a frozen certificate"
