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
same "English when English comes first" "$(call 'en-GB,zh;q=0.5' op1 "$tok" $api/nothing | jq -r .message)" "no such resource"
same "a parameter as printed" "$(call zh-CN op1 "$tok" "$api/certs?limit=0" | jq -c .params)" '["1","1000"]'

# the command line: LANG
fails_zh() { LANG=zh_CN.UTF-8 LC_ALL= "$FINCA" "$@" 2>&1 >/dev/null; }
has "the command line in Chinese under zh_CN" "^finca: " "$(fails_zh -d ca cert show 00)"
