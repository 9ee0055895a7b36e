#!/usr/bin/env bash
# People's names (issue 14): an account has a person's name (姓名), given
# at account add --name and changed by an administrator (any account) or
# its holder (their own); whoami, the accounts list and a request's
# submitter_name / approver_name carry it; the annex form prints the
# officer as 信息员：王某 and the making unit (证书制作管理单位) by its name,
# not the node's (a city's).  A wrong account renames nobody, a bad name
# is refused with a Chinese message and changes nothing.
. "$(dirname "$0")/../lib.sh"

serve_ports
out=$(finca -d ca init --algo p256 --url $base)
adminpw=$(sed -n 's/^  password *\([^ ]*\) .*/\1/p' <<<"$out")
ok "demo seed" finca -d ca demo seed
q() { sqlite3 ca/finca.db "$1"; }
A() { local who=$1; shift; "$FINCA" -d ca --as "$who" "$@"; }

# --- the command line ---
same "demo accounts have Chinese names" \
	"$(finca -d ca account list --json | jq -r '.[] | select(.name == "io-minhou" or .name == "ap-yusuan") | .person' | tr '\n' ' ')" \
	"林静 王丽萍 "
has "account list shows the name" "^6 +io-minhou .* 王丽萍$" "$(finca -d ca account list)"
ok "an auditor TLS certificate" mk_tls aud2
ok "account add --name" finca -d ca account add aud2 --role auditor --cert aud2.crt --name 郑晓
same "stored with the account" "$(q "SELECT person FROM account WHERE name='aud2'")" 郑晓
ok "the addition audited with the name" \
	grep -q 郑晓 <<<"$(q "SELECT details FROM audit WHERE action='account.add' AND object='account:aud2'")"
fails "a name with a control character is refused" "person|32 characters" \
	finca -d ca account add aud3 --role auditor --cert aud2.crt --name "$(printf 'a\tb')"
fails "a name of 33 characters is refused" "32 characters" \
	A aud2 account edit aud2 --name "$(printf '王%.0s' $(seq 33))"
same "nothing changed" "$(q "SELECT person FROM account WHERE name='aud2'")" 郑晓
ok "a holder renames themself" A io-fzcz account edit io-fzcz --name 吴建国
same "renamed" "$(q "SELECT person FROM account WHERE name='io-fzcz'")" 吴建国
fails "an officer may not rename another account" "may not" \
	A io-minhou account edit io-fzcz --name 坏人
same "the other account keeps its name" "$(q "SELECT person FROM account WHERE name='io-fzcz'")" 吴建国
fails "no such account" "no account" finca -d ca account edit nobody --name 某人
same "the renaming audited (account.person)" \
	"$(q "SELECT actor || ' ' || object FROM audit WHERE action='account.person'")" \
	"io-fzcz account:io-fzcz"

# --- the API ---
serve_start ca
C="curl -s --cacert ca/ca/service.crt"
D=ca/demo
login() { $C --cert $D/$1.crt --key $D/$1.key -X POST -d "${2:-{\}}" $api/login | jq -r .token; }
call() { local who=$1 t=$2; shift 2; $C --cert $D/$who.crt --key $D/$who.key -H "Authorization: Bearer $t" "$@"; }
tio=$(login io-minhou)
tap=$(login ap-yusuan)
top=$(login op-fuzhou '{"password":"Demo-operator-2026"}')
same "whoami: the person's name" "$(call io-minhou $tio $api/whoami | jq -r '.account + " " + .person')" \
	"io-minhou 王丽萍"
same "the login answer names the person too" \
	"$($C --cert $D/ap-yusuan.crt --key $D/ap-yusuan.key -X POST -d '{}' $api/login | jq -r .person)" 林静

# a request: submitter_name and approver_name beside the account ids
id=$(A io-minhou person list --json | jq -r '.items[0].id_number')
r=$(A io-minhou request create --type apply --subject $id --app ysgl --json | jq -r .id)
ok "submitted" A io-minhou request submit $r
printf '%%PDF-1.4\n%% a stamped scan\n%%%%EOF\n' >scan.pdf
ok "its stamped scan attached (art. 19)" A io-minhou batch attach \
	"$(A io-minhou request show $r --json | jq -r .batch)" --file scan.pdf
ok "approved" A ap-yusuan request approve $r
j=$(call io-minhou $tio $api/requests/$r)
same "submitter and its name" "$(jq -r '.submitter + " " + .submitter_name' <<<"$j")" "io-minhou 王丽萍"
same "approver and its name" "$(jq -r '.approver + " " + .approver_name' <<<"$j")" "ap-yusuan 林静"
same "the unit's officer by name" \
	"$(call io-minhou $tio "$api/units?limit=10" | jq -r '.items[] | select(.officer == "io-minhou") | .officer_name')" 王丽萍

# the annex form: 信息员 by name, the making unit by its name
call io-minhou $tio -o form.pdf $api/requests/$r/form.pdf
text=$(pdftotext -layout form.pdf - 2>/dev/null)
has "the form is the personal one" "个人数字证书申请表" "$text"
has "信息员：王丽萍 (the account's person), not the account" "信息员：王丽萍" "$text"
if grep -q "io-minhou" <<<"$text"; then echo "not ok - the account id is on the form"
else echo "ok - the account id is not on the form"; fi
# 闽侯县 is served by Fuzhou (代管): Fuzhou's making unit makes its keys
has "the making unit by name (福州市财政局信息中心, serving 闽侯县)" "福州市财政局信息中心" "$text"
ok "the CLI's form says the same" A io-minhou request form $r --out cli.pdf
has "信息员 on the CLI's form" "信息员：王丽萍" "$(pdftotext -layout cli.pdf - 2>/dev/null)"
# a node without a making unit's name: the node's name, as before
ok "the administrator clears Fuzhou's making unit" env FINCA_ACCOUNT_PASSWORD=$adminpw \
	"$FINCA" -d ca --as admin node edit 350100 --making-unit ''
call io-minhou $tio -o form2.pdf $api/requests/$r/form.pdf
text=$(pdftotext -layout form2.pdf - 2>/dev/null)
has "without a making unit's name, the node's name" "福州市" "$text"
if grep -q "信息中心" <<<"$text"; then echo "not ok - a making unit's name from nowhere"
else echo "ok - no making unit's name from nowhere"; fi
ok "and names it again" env FINCA_ACCOUNT_PASSWORD=$adminpw \
	"$FINCA" -d ca --as admin node edit 350100 --making-unit 福州市财政局信息中心
same "the node lists its making unit" \
	"$(call op-fuzhou $top "$api/nodes?limit=10" | jq -r '.items[] | select(.code == "350100") | .making_unit')" \
	福州市财政局信息中心

# renaming through the API
same "an officer renames themself: 200" "$(call io-minhou $tio -o out.json -w '%{http_code}' \
	-X PATCH -d '{"person":"王丽"}' $api/accounts/io-minhou)" 200
same "whoami says the new name" "$(call io-minhou $tio $api/whoami | jq -r .person)" 王丽
same "another account: 403" "$(call io-minhou $tio -o out.json -w '%{http_code}' \
	-X PATCH -d '{"person":"坏人"}' $api/accounts/ap-yusuan)" 403
same "refused in Chinese" "$(call io-minhou $tio -H 'Accept-Language: zh-CN' \
	-X PATCH -d '{"person":"坏人"}' $api/accounts/ap-yusuan | jq -r .error.message)" "您的角色无权进行此操作"
same "the approver keeps its name" "$(q "SELECT person FROM account WHERE name='ap-yusuan'")" 林静
e=$(call io-minhou $tio -H 'Accept-Language: zh-CN' -X PATCH -d '{"person":" 王丽"}' $api/accounts/io-minhou)
same "a name with a space in front: reason and field" "$(jq -r '.error.reason + " " + .error.field' <<<"$e")" \
	"account.person person"
same "said in Chinese" "$(jq -r .error.message <<<"$e")" "姓名：姓名最多32个字，不能含控制字符，首尾不能有空格"
same "unchanged" "$(q "SELECT person FROM account WHERE name='io-minhou'")" 王丽
same "the approver sees the submitter's new name" \
	"$(call ap-yusuan $tap $api/requests/$r | jq -r .submitter_name)" 王丽
same "an account without a name: no submitter_name" \
	"$(q "UPDATE account SET person='' WHERE name='io-minhou'"; call io-minhou $tio $api/requests/$r | jq -r '.submitter_name // "none"')" none
tad=$($C --cert $D/auditor.crt --key $D/auditor.key -X POST -d '{}' $api/login | jq -r .token)
same "the accounts list carries the names" \
	"$(call auditor $tad $api/accounts | jq -r '.accounts[] | select(.name == "ap-yusuan") | .person')" 林静
