#!/usr/bin/env bash
# Dual certificates through the registration authority (issue 16): on an
# SM2 CA a unit's apply, approved and produced as any request, yields a
# pair; the KM's envelope is fetched over the API by the operator and
# opened with openssl alone; a renewal through the workflow renews both
# halves (a new KM key), openssl ocsp says so; key recovery is approved by
# two different approvers (refused when the same account tries both
# steps) and delivers the old encryption key enveloped to the current
# signing key; the envelope path refuses the wrong accounts.
. "$(dirname "$0")/../lib.sh"

serve_ports
out=$(finca -d ca init --name 福建省财政 --url $base) || echo "not ok - init: $out"
export FINCA_ACCOUNT_PASSWORD=$(sed -n 's/^  password    \([^ ]*\) .*/\1/p' <<<"$out")
printf '[ra]\npaperless = true\n' >>ca/finca.conf
A() { "$FINCA" -d ca --as "$@"; }

U1=$(uscc 12350100MB0000001); U2=$(uscc 12350200MB0000002)
ok "province node" A admin node add --code 350000 --name 福建省 --level province
ok "city node A" A admin node add --code 350100 --name 福州市 --level city --parent 350000
ok "city node B" A admin node add --code 350200 --name 厦门市 --level city --parent 350000
ok "department" A admin dept add --code yusuan --name 预算处 --node 350100
ok "application system" A admin app add --code ysgl --name 预算管理一体化系统 --dept yusuan
ok "unit A" A admin unit add --code $U1 --name 福州市财政局 --type 行政机关 --node 350100
ok "unit B" A admin unit add --code $U2 --name 厦门市财政局 --type 行政机关 --node 350200
for n in io1 io2 ap1 ap2 op1 opB; do mk_tls $n || echo "not ok - cert $n"; done
PW=account-pass-1
ok "officer of unit A" A admin account add io1 --role officer --scope $U1 --cert io1.crt
ok "officer of unit B" A admin account add io2 --role officer --scope $U2 --cert io2.crt
ok "approver 1" A admin account add ap1 --role approver --scope yusuan --cert ap1.crt
ok "approver 2" A admin account add ap2 --role approver --scope yusuan --cert ap2.crt
for o in op1:350100 opB:350200; do
	ok "operator ${o%:*}" env FINCA_NEW_PASSWORD=$PW "$FINCA" -d ca --as admin account add \
		${o%:*} --role operator --scope ${o#*:} --cert ${o%:*}.crt
done

serve_start ca
at_exit 'cp serve.log /tmp/dual_ra-serve.log'
declare -A TOK
# call ACCOUNT METHOD PATH [JSON]: status in ST, answer in ./body
call() {
	local who=$1 m=$2 p=$3 d=${4-} a=(--cert $1.crt --key $1.key)
	[ -n "${TOK[$who]-}" ] && a+=(-H "Authorization: Bearer ${TOK[$who]}")
	[ -n "$d" ] && a+=(-H 'Content-Type: application/json' --data-binary "$d")
	ST=$(curl -s --cacert ca/ca/service.crt -o body -w '%{http_code}' -X "$m" "${a[@]}" "$api/$p")
}
for who in op1 opB; do
	call $who POST login "{\"password\":\"$PW\"}"
	TOK[$who]=$(jq -r .token body)
done
# step ACCOUNT REQUEST ACTION: one move over the API, must succeed
step() { call $1 POST requests/${2:-none}/${3:-none} '{}'
	case $ST in 2??) ;; *) echo "not ok - $1 $3 request $2: $ST $(cat body)" ;; esac; }
pem() { "$FINCA" -d ca cert show $1 --pem 2>/dev/null; }

# --- apply: a unit's certificate from its SM2 CSR, through the workflow ---
csr sm2 "/C=CN/O=福州市财政局/CN=福州市财政局" u.csr
r=$(A io1 request create --type apply --kind unit --subject $U1 --app ysgl \
	--data "$(jq -n --arg c "$(cat u.csr)" '{csr:$c}')" --json | jq -r .id)
ok "the officer submits the apply" A io1 request submit $r
step ap1 $r approve
step op1 $r accept
step op1 $r produce
S1=$(jq -r .result_serial body)
call op1 GET certs/$S1
same "production made the signing half of a pair" "$(jq -r .half body)" signing
E1=$(jq -r .pair body)
call op1 GET certs/$E1
same "its encryption half, both halves' states shown" "$(jq -r '[.half, .pair, .status, .pair_status] | join(" ")' body)" \
	"encryption $S1 valid valid"
pem $S1 >s1.pem; pem $E1 >e1.pem
same "the signing half has the CSR's key" "$(openssl x509 -in s1.pem -noout -pubkey)" \
	"$(openssl pkey -in u.csr.key -pubout)"
etxt=$(openssl x509 -in e1.pem -noout -text)
has "encryption half: keyEncipherment, dataEncipherment, keyAgreement" \
	"Key Encipherment, Data Encipherment, Key Agreement" "$etxt"
same "encryption half: no extended key usage" "$(grep -c 'Extended Key Usage' <<<"$etxt")" 0

# --- the envelope over the API, opened with openssl alone ---
# open_env SIGNKEY ENVDER OUTKEY: the SM2EnvelopedKey opened (dual.sh
# shows each field)
open_env() {
	local tree off hl len qoff qhl qlen dhex
	tree=$(openssl asn1parse -inform DER -in $2)
	read off hl len < <(grep -E 'd=1 .*cons: SEQUENCE' <<<"$tree" | sed -n 2p |
		sed -E 's/^ *([0-9]+):d=[0-9]+ +hl= *([0-9]+) +l= *([0-9]+).*/\1 \2 \3/')
	read qoff qhl qlen < <(grep -E 'd=1 .*BIT STRING' <<<"$tree" | sed -n 2p |
		sed -E 's/^ *([0-9]+):d=[0-9]+ +hl= *([0-9]+) +l= *([0-9]+).*/\1 \2 \3/')
	dd if=$2 of=$2.sym bs=1 skip=$off count=$((hl + len)) status=none
	openssl pkeyutl -decrypt -inkey $1 -in $2.sym -out $2.sm4 || return 1
	dd if=$2 of=$2.d bs=1 skip=$((qoff + qhl + 1)) count=32 status=none
	openssl enc -d -sm4-ecb -nopad -K "$(xxd -p $2.sm4 | tr -d '\n')" -in $2.d -out $2.dbin || return 1
	dhex=$(xxd -p $2.dbin | tr -d '\n')
	printf 'asn1=SEQUENCE:ec\n[ec]\nversion=INT:1\npriv=FORMAT:HEX,OCT:%s\nparams=EXP:0,OID:1.2.156.10197.1.301\n' \
		"$dhex" >$2.cnf
	openssl asn1parse -genconf $2.cnf -out $2.k.der -noout && openssl pkey -inform DER -in $2.k.der -out $3
}
call op1 GET certs/$S1/envelope
same "the operator fetches the envelope: 200" "$ST" 200
same "one envelope in each format, for the encryption half" \
	"$(jq -r '[.envelopes[] | .format + ":" + .enc_serial] | sort | join(" ")' body)" "gmt0009:$E1 skf:$E1"
jq -r '.envelopes[] | select(.format == "gmt0009") | .der' body | base64 -d >env1.der
ok "openssl opens the envelope with the signing key" open_env u.csr.key env1.der rec1.key
same "the recovered private key is the encryption certificate's" \
	"$(openssl pkey -in rec1.key -pubout)" "$(openssl x509 -in e1.pem -noout -pubkey)"
echo "预算数据 $(date +%s)" >msg.txt
ok "openssl pkeyutl -encrypt to the encryption certificate" \
	openssl pkeyutl -encrypt -certin -inkey e1.pem -in msg.txt -out msg.ct
same "openssl pkeyutl -decrypt with the recovered key" \
	"$(openssl pkeyutl -decrypt -inkey rec1.key -in msg.ct)" "$(cat msg.txt)"
same "the fetch is audited" "$(sqlite3 ca/finca.db "SELECT count(*) FROM audit WHERE action='km.envelope'")" 1

# --- the envelope refused to the wrong accounts ---
denied=$(sqlite3 ca/finca.db "SELECT max(seq) FROM audit")
call opB GET certs/$S1/envelope
same "another node's operator: 403" "$ST" 403
call io1 GET certs/$S1/envelope
same "an officer (no km.envelope right): 403" "$ST" 403
call ap1 GET certs/$S1/envelope
same "an approver: 403" "$ST" 403
same "each refusal audited" "$(sqlite3 ca/finca.db "SELECT count(*) FROM audit WHERE action='auth.denied' AND seq>$denied")" 3
call op1 GET certs/$E1/envelope
same "the encryption half has no envelope: 404" "$ST" 404

# holders: a person's pair issued over the API (POST /certs goes through
# the same entry point); the holder fetches its own envelope, not another's
P1=$(rid 35010019900101001); P2=$(rid 35010019900101002)
ok "a person of unit A" A io1 person add --id-number $P1 --name 张一 --unit $U1
ok "another person of unit A" A io1 person add --id-number $P2 --name 张二 --unit $U1
for i in 1 2; do
	csr sm2 "/C=CN/O=福州市财政局/CN=张$i" p$i.csr
	pv=P$i
	call op1 POST certs "$(jq -n --arg c "$(cat p$i.csr)" --arg id ${!pv} --arg u $U1 \
		'{profile:"personal", csr:$c, id_number:$id, unit_code:$u}')"
	same "POST /certs: person $i gets a pair" "$ST $(jq -r .half body)" "201 signing"
	jq -r .pem body >p$i.pem
done
PS1=$(serial_of p1.pem) PS2=$(serial_of p2.pem)
ch=$(curl -s --cacert ca/ca/service.crt -X POST $api/login/challenge | jq -r .challenge)
printf '%s' "$ch" | openssl dgst -sm3 -sign p1.csr.key -sigopt distid:$DISTID -out sig.bin
curl -s --cacert ca/ca/service.crt -o login.json -X POST -d "$(jq -n --arg c "$(openssl x509 \
	-in p1.pem -outform DER | base64 -w0)" --arg ch "$ch" --arg s "$(base64 -w0 sig.bin)" \
	'{certificate:$c, challenge:$ch, signature:$s}')" $api/login
H1=$(jq -r '.token // empty' login.json)
same "holder 1 logs in with its signing key" "${#H1}" 43
hcall() { ST=$(curl -s --cacert ca/ca/service.crt -o body -w '%{http_code}' \
	-H "Authorization: Bearer $H1" "$api/$1"); }
hcall certs/$PS1/envelope
same "the holder fetches its own envelope: 200" "$ST" 200
jq -r '.envelopes[] | select(.format == "gmt0009") | .der' body | base64 -d >envp1.der
ok "and opens it with its signing key" open_env p1.csr.key envp1.der recp1.key
hcall certs/$PS2/envelope
same "another holder's envelope: 403" "$ST" 403
hcall certs/$S1/envelope
same "a unit's envelope: 403" "$ST" 403

# --- renewal through the workflow: both halves, a new KM key ---
esc0=$(rows ca km_escrow)
r=$(A io1 request create --type renew --kind unit --subject $U1 --app ysgl --cert $S1 --json | jq -r .id)
ok "the officer submits the renewal" A io1 request submit $r
step ap1 $r approve
step op1 $r accept
step op1 $r produce
S2=$(jq -r .result_serial body)
call op1 GET certs/$S2
E2=$(jq -r .pair body)
same "the renewal made a new pair" "$(jq -r '[.half, .replaces] | join(" ")' body)" "signing $S1"
call op1 GET certs/$E2
same "the new encryption half replaces the old" "$(jq -r '.replaces' body)" "$E1"
pem $S2 >s2.pem; pem $E2 >e2.pem
ok "a new encryption key (not extended)" test "$(openssl x509 -in e2.pem -noout -pubkey)" != \
	"$(openssl x509 -in e1.pem -noout -pubkey)"
same "escrowed: the old encryption key kept beside the new" "$(rows ca km_escrow)" $((esc0 + 1))
ocsp() { openssl ocsp -issuer ca/ca/issuing.crt -cert "$1" -url $base/ocsp -noverify 2>&1; }
has "openssl ocsp: old signing half revoked" "s1.pem: revoked" "$(ocsp s1.pem)"
has "openssl ocsp: old encryption half revoked" "e1.pem: revoked" "$(ocsp e1.pem)"
has "openssl ocsp: new signing half good" "s2.pem: good" "$(ocsp s2.pem)"
has "openssl ocsp: new encryption half good" "e2.pem: good" "$(ocsp e2.pem)"

# --- key recovery: two approvers; the same one twice is refused ---
r=$(A io1 request create --type recover --kind unit --subject $U1 --app ysgl --cert $S2 \
	--json | jq -r .id)
ok "the officer files a key recovery" A io1 request submit $r
step ap1 $r approve
same "after one approval the recovery still waits" "$(A ap1 request show $r --json | jq -r .state)" submitted
same "the first approver is not offered the second approval" \
	"$(A ap1 request show $r --json | jq -c '.actions | index("approve")')" null
has "  another approver is" "^[0-9]+$" "$(A ap2 request show $r --json | jq -c '.actions | index("approve")')"
call ap1 POST requests/$r/approve '{}'
same "the same approver again: refused" "$ST/$(jq -r .error.reason body)" "403/request.two_person"
o=$(LANG=zh_CN.UTF-8 "$FINCA" -d ca --as ap1 request approve $r 2>&1)
has "in Chinese" "双人规则" "$o"
same "the refusal changed nothing" "$(A ap1 request show $r --json | jq -r .state)" submitted
step ap2 $r approve
same "a second approver approves it" "$(A ap1 request show $r --json | jq -r .state)" approved
step op1 $r accept
step op1 $r produce
same "produced: the old encryption key recovered" "$(jq -r .result body)" "$E1"
call op1 GET certs/$S2/envelope
same "the new signing certificate's envelopes: its own and the recovered one" \
	"$(jq -r '[.envelopes[] | select(.format == "gmt0009") | .enc_serial + ":" + (.recovered | tostring)] | sort | join(" ")' body)" \
	"$(printf '%s\n' "$E1:true" "$E2:false" | sort | tr '\n' ' ' | sed 's/ $//')"
jq -r --arg e $E1 '.envelopes[] | select(.format == "gmt0009" and .enc_serial == $e) | .der' body |
	base64 -d >env2.der
ok "openssl opens the recovered envelope with the signing key" open_env u.csr.key env2.der rec2.key
same "it is the OLD encryption key" "$(openssl pkey -in rec2.key -pubout)" \
	"$(openssl x509 -in e1.pem -noout -pubkey)"
same "which still decrypts what was sent to the old certificate" \
	"$(openssl pkeyutl -decrypt -inkey rec2.key -in msg.ct)" "$(cat msg.txt)"
has "the recovery is audited" "km.recover" "$(sqlite3 ca/finca.db "SELECT action FROM audit WHERE action='km.recover'")"

# --- freeze and unfreeze through the workflow move both halves ---
has "openssl ocsp: the encryption half good (the answer cached)" "e2.pem: good" "$(ocsp e2.pem)"
r=$(A io1 request create --type freeze --kind unit --subject $U1 --app ysgl --cert $S2 --json | jq -r .id)
ok "the officer submits a freeze of the signing half" A io1 request submit $r
step ap1 $r approve
step op1 $r accept
step op1 $r produce
call op1 GET certs/$S2
same "both halves frozen" "$(jq -r '[.status, .pair_status] | join(" ")' body)" "frozen frozen"
has "openssl ocsp: the encryption half on hold" "certificateHold" "$(ocsp e2.pem)"
r=$(A io1 request create --type unfreeze --kind unit --subject $U1 --app ysgl --cert $E2 --json | jq -r .id)
ok "the officer submits an unfreeze of the encryption half" A io1 request submit $r
step ap1 $r approve
step op1 $r accept
step op1 $r produce
call op1 GET certs/$S2
same "both halves valid again" "$(jq -r '[.status, .pair_status] | join(" ")' body)" "valid valid"
has "openssl ocsp: the signing half good again" "s2.pem: good" "$(ocsp s2.pem)"
ok "audit verify" finca -d ca audit verify
serve_stop
same "SIGTERM: clean exit (no leak, no error)" "$?" 0
