#!/usr/bin/env bash
# The certificate holder's desk in a real browser (tests/browser/holder.mjs,
# Debian's Chromium driven by playwright-core, the harness of console.sh):
# 张一 logs in with the USBKey through finca agent, is told to change the
# envelope's PIN first, changes it in the agent (the harness's PIN file
# holds the new one as SERIAL/new), sees the expiry banner (a 20-day
# certificate), asks for its renewal; then, logged out, reports a lost
# USBKey from the login page with the envelope's 挂失码.  Checked from
# outside: pkcs11-tool logs in with the new PIN only, the renewal is the
# officer's draft, OCSP says certificateHold.  Screenshots:
# build/screenshots/holder-*.png.
. "$(dirname "$0")/../lib.sh"

NODE_DIR=$ROOT/tests/browser
if ! command -v node >/dev/null || [ ! -x /usr/bin/chromium ] ||
	[ ! -d "$NODE_DIR/node_modules/playwright-core" ]; then
	echo "not ok - browser tests need node, /usr/bin/chromium and playwright-core (make test installs them)"
	exit 0
fi

softhsm
serve_ports 3; aport=$((port + 2))
url=https://127.0.0.1:$tport
out=$(finca -d ca init --algo p256 --url $base) || echo "not ok - init: $out"
export FINCA_ACCOUNT_PASSWORD=$(sed -n 's/^  password    \([^ ]*\) .*/\1/p' <<<"$out")
printf '[token]\nmodule = %s\nalgorithm = p256\n[console]\nagent = http://127.0.0.1:%s\n' \
	$M $aport >>ca/finca.conf
printf '[notify]\nsmtp_url = smtp://127.0.0.1:9\nsmtp_from = ca@example.org\n' >>ca/finca.conf
A() { "$FINCA" -d ca --as "$@"; }

U1=$(uscc 12350100MB0000003)
A admin node add --code 350000 --name 福建省 --level province >/dev/null &&
A admin node add --code 350100 --name 福州市 --level city --parent 350000 >/dev/null &&
A admin dept add --code yusuan --name 预算处 --node 350000 >/dev/null &&
A admin app add --code ysgl --name 预算管理一体化系统 --dept yusuan >/dev/null &&
A admin unit add --code $U1 --name 福州市财政局 --type 行政机关 --node 350100 \
	--email officer@example.org >/dev/null || echo "not ok - organisations"
PW=account-pass-1
mk_tls io1 && mk_tls ap1 && mk_tls op1 &&
	A admin account add io1 --role officer --scope $U1 --cert io1.crt >/dev/null &&
	A admin account add ap1 --role approver --scope yusuan --cert ap1.crt >/dev/null &&
	env FINCA_NEW_PASSWORD=$PW "$FINCA" -d ca --as admin account add op1 --role operator \
	--scope 350100 --cert op1.crt >/dev/null || echo "not ok - the officer's, approver's and operator's accounts"
OP() { env FINCA_ACCOUNT_PASSWORD=$PW "$FINCA" -d ca --as "$@"; }
IDA=$(rid 35010219800101001)
A io1 person add --id-number $IDA --name 张一 --unit $U1 >/dev/null || echo "not ok - person"

# 张一's USBKey: a certificate of 20 days (the banner), the envelope
o=$(finca -d ca token init --label key-zhang 2>&1) || echo "not ok - token init: $o"
OLD=$(sed -n 's/^default PIN for the envelope: //p' <<<"$o")
CODE=$(sed -n 's/^loss-report code (挂失码) for the envelope: //p' <<<"$o")
S=$(sed -n 's/^token \([0-9a-f]*\) initialised.*/\1/p' <<<"$o")
o=$(FINCA_PIN=$OLD "$FINCA" -d ca token enroll --serial $S --profile personal --days 20 \
	--subject "C=CN, O=福州市财政局, CN=张一" --person $IDA 2>&1) || echo "not ok - enroll: $o"
CERT=$(sed -n 's/.*certificate \([0-9A-F]*\) for.*/\1/p' <<<"$o")
# an access grant, so that the renewal knows its system
r=$(A io1 request create --type authorize --subject $IDA --app ysgl \
	--data '{"action":"grant","roles":"录入"}' --json | jq -r .id)
printf '%%PDF-1.4\n%% scan\n%%%%EOF\n' >scan.pdf
{ A io1 request submit $r && A io1 batch attach "$(A io1 request show $r --json | jq -r .batch)" \
	--file scan.pdf && A ap1 request approve $r &&
	OP op1 request accept $r && OP op1 request produce $r &&
	A io1 request complete $r; } >/dev/null 2>&1 || echo "not ok - the access grant"

NEW=Zhang2026x
pins=$T/pins
printf '%s %s\n%s/new %s\n' $S $OLD $S $NEW >"$pins"; chmod 600 "$pins"
serve_start ca
"$FINCA" agent --module $M --listen 127.0.0.1:$aport --origin $url --ca-cert ca/ca/service.crt \
	--pin-file "$pins" 2>agent.log &
apid=$!
at_exit 'kill $apid 2>/dev/null; cp serve.log /tmp/holder-console-serve.log; cp agent.log /tmp/holder-console-agent.log'
for _ in $(seq 50); do curl -s -o /dev/null http://127.0.0.1:$aport/ && break; sleep 0.1; done

# the hook the browser script calls after the PIN change: the agent's PIN
# file now has the new PIN (as the holder would type it next time)
cat >hook.sh <<EOF
#!/bin/sh
case \$1 in
pin-changed) printf '%s %s\n' $S $NEW >"$pins" ;;
*) exit 2 ;;
esac
EOF
chmod +x hook.sh

mkdir -p "$ROOT/build/screenshots"
FINCA_URL=$url FINCA_CA=$T/ca/ca/service.crt FINCA_HOOK=$T/hook.sh SCREENSHOTS=$ROOT/build/screenshots \
	FINCA_HOLDER="{\"cert_serial\":\"$CERT\",\"token\":\"$S\",\"loss_code\":\"$CODE\"}" \
	timeout -k 5 300 node "$NODE_DIR/holder.mjs" || echo "not ok - the browser script crashed"

# what the browser did, checked from outside
P11="pkcs11-tool --module $M --token-label key-zhang --login --list-objects"
ok "pkcs11-tool logs in with the new PIN" $P11 --pin $NEW
if $P11 --pin $OLD >/dev/null 2>&1; then echo "not ok - the envelope's PIN still works"
else echo "ok - the envelope's PIN no longer works"; fi
same "the token's default PIN recorded as changed" \
	"$(sqlite3 ca/finca.db "SELECT pin_default FROM token WHERE serial='$S'")" 0
same "the renewal is the officer's draft" \
	"$(A io1 request list --state draft --json | jq -r "[.items[] | select(.type == \"renew\" and .cert_serial == \"$CERT\")] | length")" 1
has "the loss report froze the certificate: OCSP certificateHold" certificateHold \
	"$(openssl ocsp -issuer ca/ca/issuing.crt -serial 0x$CERT -url $base/ocsp -CAfile ca/ca/root.crt 2>&1)"
same "the officer is told (a notice to the unit's mail)" \
	"$(sqlite3 ca/finca.db "SELECT target FROM notice ORDER BY id DESC LIMIT 1")" officer@example.org
has "the audit chain verifies" "chain ok" "$("$FINCA" -d ca audit verify 2>&1)"
if grep -qF -- "$NEW" agent.log serve.log; then echo "not ok - the new PIN in a log"
else echo "ok - no PIN in the logs"; fi
