#!/usr/bin/env bash
# The operator makes USBKeys in the console, in a real browser
# (tests/browser/produce.mjs: playwright-core + Debian's Chromium): the
# operator logs in with its own USBKey (a SoftHSM2 token) through
# `finca agent`, which also has the blank tokens to make, and makes an
# accepted batch of three person applies from the production queue; the
# envelopes it opens are PDFs whose default PIN (pdftotext) logs in to the
# token that holds the key and the certificate issued (pkcs11-tool), and
# the server's database holds no PIN.  Then the walk goes on to the holder
# of the first USBKey (tests/browser/holder.mjs): handover, login, PIN
# change, expiry banner, renewal, loss report.  Screenshots:
# build/screenshots/operator-produce*.png, walk-*.png.
. "$(dirname "$0")/../lib.sh"

NODE_DIR=$ROOT/tests/browser
if ! command -v node >/dev/null || [ ! -x /usr/bin/chromium ] ||
	[ ! -d "$NODE_DIR/node_modules/playwright-core" ]; then
	echo "not ok - browser tests need node, /usr/bin/chromium and playwright-core (make test installs them)"
	exit 0
fi

softhsm
P11="pkcs11-tool --module $M"
serve_ports 3; aport=$((port + 2))
URL=https://127.0.0.1:$tport
out=$(finca -d ca init --algo p256 --url $base) || echo "not ok - init: $out"
export FINCA_ACCOUNT_PASSWORD=$(sed -n 's/^  password    \([^ ]*\) .*/\1/p' <<<"$out")
ok "demo seed" finca -d ca demo seed
printf '[token]\nmodule = %s\nalgorithm = p256\n[console]\nagent = http://127.0.0.1:%s\n' \
	$M $aport >>ca/finca.conf
D=ca/demo
q() { sqlite3 ca/finca.db "$1"; }

# --- the operator, its certificate made on its own USBKey ---
PW=Operator-pass-2026
o=$(finca -d ca token init --label op-usb 2>&1) || echo "not ok - token init: $o"
opin=$(sed -n 's/^default PIN for the envelope: //p' <<<"$o")
os=$(sed -n 's/^token \([0-9a-f]*\) initialised.*/\1/p' <<<"$o")
o=$(FINCA_PIN=$opin "$FINCA" -d ca token enroll --serial $os --profile personal \
	--subject "C=CN, O=福州市财政局, CN=op-usb" --person $(rid 35010019800101001) 2>&1) ||
	echo "not ok - enroll the operator's key: $o"
oc=$(sed -n 's/.*certificate \([0-9A-F]*\) for.*/\1/p' <<<"$o")
$P11 --token-label op-usb --read-object --type cert --label op-usb -o op.der >/dev/null 2>&1
openssl x509 -inform DER -in op.der -out op.crt
ok "the operator's account (city of Fuzhou, serving 闽侯县)" env FINCA_NEW_PASSWORD=$PW \
	"$FINCA" -d ca --as admin account add op-usb --role operator --scope 350100 --cert op.crt
pins=$T/pins; echo "$os $opin" >"$pins"; chmod 600 "$pins"

# --- an accepted batch of three applies of 闽侯县's officer ---
serve_start ca
at_exit 'kill $apid 2>/dev/null; cp serve.log /tmp/produce-browser-serve.log; cp agent.log /tmp/produce-browser-agent.log'
C="curl -s --cacert ca/ca/service.crt"
P=(350121198405211177 350121198910111185 350121197902281219)
tio=$($C --cert $D/io-minhou.crt --key $D/io-minhou.key -X POST -d '{}' $api/login | jq -r .token)
io() { $C --cert $D/io-minhou.crt --key $D/io-minhou.key -H "Authorization: Bearer $tio" "$@"; }
r='['; for p in "${P[@]}"; do r+="{\"type\":\"apply\",\"subject\":\"$p\",\"app\":\"ysgl\"},"; done
b=$(io -X POST -d "{\"requests\":${r%,}]}" $api/batches | jq -r .batch)
printf '%%PDF-1.4\n%% a stamped scan\n%%%%EOF\n' >scan.pdf
io -X POST -d "{\"name\":\"盖章扫描件.pdf\",\"data\":\"$(base64 -w0 scan.pdf)\"}" \
	$api/batches/$b/attachments >/dev/null
finca -d ca --as io-minhou batch submit $b >/dev/null &&
	finca -d ca --as ap-yusuan batch approve $b >/dev/null &&
	env FINCA_ACCOUNT_PASSWORD=$PW "$FINCA" -d ca --as op-usb batch accept $b >/dev/null ||
	echo "not ok - the batch could not be accepted"
same "three accepted requests" "$(q "SELECT count(*) FROM request WHERE batch=$b AND state='accepted'")" 3

# --- the agent on the operator's computer: its login, and USBKey production ---
"$FINCA" agent --module $M --listen 127.0.0.1:$aport --server $URL --ca-cert ca/ca/service.crt \
	--pin-file "$pins" 2>agent.log &
apid=$!
for _ in $(seq 50); do curl -s -o /dev/null http://127.0.0.1:$aport/ && break; sleep 0.1; done

mkdir -p "$ROOT/build/screenshots" env
rm -f "$ROOT/build/screenshots/operator-produce-envelope.png"
# the browser's hook: the last USBKey made is taken back (art. 22)
cat >return.sh <<EOF
#!/bin/sh
[ "\$1" = returned ] || exit 2
exec "$FINCA" -d "$T/ca" token return "\$2" --from 王芳 --reason affiliationChanged >/dev/null
EOF
chmod +x return.sh
FINCA_URL=$URL FINCA_BATCH=$b FINCA_N=3 ENVELOPES=$T/env SCREENSHOTS=$ROOT/build/screenshots \
	FINCA_HOOK=$T/return.sh \
	FINCA_OPERATOR="{\"name\":\"op-usb\",\"password\":\"$PW\",\"cert_serial\":\"$oc\"}" \
	timeout -k 5 300 node "$NODE_DIR/produce.mjs" | tee browser.out || echo "not ok - the browser script crashed"

# --- what the browser made, checked from outside ---
same "three envelopes saved" "$(grep -c '^# made' browser.out)" 3
slot() { $P11 -L 2>/dev/null | awk -v s="$1" '/^Slot/ {id = $3; gsub(/[()]/, "", id); sub(/:$/, "", id)}
	$1 == "serial" && $NF == s {print id}'; }
pinsfound=
read -r _ _ W < <(grep '^# wiped' browser.out)
while read -r _ _ serial file; do
	pin=$(pdftotext -layout "$file" - | sed -n 's/.*默认PIN码 *\([A-Za-z0-9]\{8\}\).*/\1/p')
	same "envelope of $serial: pdftotext finds the default PIN" "${#pin}" 8
	if [ "$serial" = "$W" ]; then   # taken back and wiped in the browser
		if $P11 --slot "$(slot $serial)" --login --pin "$pin" -O >/dev/null 2>&1; then
			echo "not ok - the wiped $serial still opens with its envelope's PIN"
		else echo "ok - the wiped $serial no longer opens with its envelope's PIN"; fi
		pinsfound+=" $pin"
		continue
	fi
	objs=$($P11 --slot "$(slot $serial)" --login --pin "$pin" -O 2>/dev/null)
	has "token $serial: the PIN logs in; key and certificate on it" \
		"Private Key Object; EC.*Certificate Object|Certificate Object.*Private Key Object; EC" "$(tr '\n' ' ' <<<"$objs")"
	cert=$(finca -d ca token show $serial | jq -r .certificate)
	same "token $serial: issued, bound to a valid certificate" \
		"$(finca -d ca token show $serial | jq -r .state) $(finca -d ca cert show $cert --json | jq -r .status)" "issued valid"
	pinsfound+=" $pin"
	# the first envelope as it prints (a test PIN only)
	[ -f "$ROOT/build/screenshots/operator-produce-envelope.png" ] ||
		pdftoppm -png -r 60 -singlefile "$file" "$ROOT/build/screenshots/operator-produce-envelope"
done < <(grep '^# made' browser.out)
same "the batch is produced" "$(q "SELECT group_concat(DISTINCT state) FROM request WHERE batch=$b")" produced
same "the wiped USBKey is initialised again on the server, no holder" \
	"$(finca -d ca token show "$W" | jq -r '.state + "/" + .holder')" "initialized/"
same "  and nothing is left on it (pkcs11-tool)" "$($P11 --slot "$(slot "$W")" -O 2>/dev/null | grep -c 'Object;')" 0
leak=0
for pin in $pinsfound; do grep -aq -- "$pin" ca/finca.db* serve.log && leak=1; done
same "no default PIN on the server (database, WAL, log)" "$leak" 0

# --- the walk goes on at the holder's desk (tests/browser/holder.mjs): the
# first USBKey handed over and the request completed, its holder logs in
# with it through the same agent, changes the envelope's PIN, sees the
# expiry banner with the server's and the agent's clocks moved to 20 days
# before the end (FINCA_FAKE_TIME), asks for the renewal, and reports the
# key lost with the envelope's 挂失码.  Screenshots: walk-*.png. ---
read -r _ _ S1 F1 < <(grep '^# made' browser.out | head -1)
txt=$(pdftotext -layout "$F1" -)
PIN1=$(sed -n 's/.*默认PIN码 *\([A-Za-z0-9]\{8\}\).*/\1/p' <<<"$txt")
CODE1=$(sed -n 's/.*挂失码 *\([0-9A-Za-z]\{4\}-[0-9A-Za-z]\{4\}-[0-9A-Za-z]\{4\}\).*/\1/p' <<<"$txt")
same "the envelope of $S1 has the 挂失码" "${#CODE1}" 14
C1=$(finca -d ca token show $S1 | jq -r .certificate)
R1=$(q "SELECT id FROM request WHERE new_token='$S1'")
OPW() { env FINCA_ACCOUNT_PASSWORD=$PW "$FINCA" -d ca --as "$@"; }
ok "the operator hands USBKey $S1 over" OPW op-usb request handover $R1 --handler 王经办
ok "the officer completes the request" finca -d ca --as io-minhou request complete $R1
# and an access grant to the system, through its own request (授权)
ra=$(finca -d ca --as io-minhou request create --type authorize --subject ${P[0]} --app ysgl \
	--data '{"action":"grant","roles":"录入"}' --json | jq -r .id)
{ finca -d ca --as io-minhou request submit $ra &&
	finca -d ca --as io-minhou batch attach "$(finca -d ca --as io-minhou request show $ra --json |
		jq -r .batch)" --file scan.pdf &&
	finca -d ca --as ap-yusuan request approve $ra && OPW op-usb request accept $ra &&
	OPW op-usb request produce $ra && finca -d ca --as io-minhou request complete $ra; } >/dev/null ||
	echo "not ok - the access grant"

NEW1=Minhou2026
printf '%s %s\n%s %s\n%s/new %s\n' $os $opin $S1 $PIN1 $S1 $NEW1 >"$pins"
cat >hook.sh <<EOF
#!/bin/sh
case \$1 in
pin-changed) printf '%s %s\n%s %s\n' $os $opin $S1 $NEW1 >"$pins" ;;
*) exit 2 ;;
esac
EOF
chmod +x hook.sh

na=$(finca -d ca cert show $C1 --json | jq -r .not_after)
export FINCA_FAKE_TIME=$(($(date -d "$na" +%s) - 20 * 86400 - 3600))
serve_stop; serve_start ca
kill $apid; wait $apid 2>/dev/null
"$FINCA" agent --module $M --listen 127.0.0.1:$aport --server $URL --ca-cert ca/ca/service.crt \
	--pin-file "$pins" 2>>agent.log &
apid=$!
unset FINCA_FAKE_TIME
for _ in $(seq 50); do curl -s -o /dev/null http://127.0.0.1:$aport/ && break; sleep 0.1; done

FINCA_URL=$URL FINCA_HOOK=$T/hook.sh SCREENSHOTS=$ROOT/build/screenshots SHOT_PREFIX=walk \
	FINCA_HOLDER="{\"cert_serial\":\"$C1\",\"token\":\"$S1\",\"loss_code\":\"$CODE1\"}" \
	timeout -k 5 300 node "$NODE_DIR/holder.mjs" || echo "not ok - the holder's browser script crashed"

# what the holder did, checked from outside, on the real clock again
serve_stop; serve_start ca
P11H="$P11 --slot $(slot $S1) --login --list-objects"
ok "pkcs11-tool logs in to $S1 with the holder's new PIN" $P11H --pin $NEW1
if $P11H --pin $PIN1 >/dev/null 2>&1; then echo "not ok - the envelope's PIN still works"
else echo "ok - the envelope's PIN no longer works"; fi
same "the token's default PIN recorded as changed" \
	"$(q "SELECT pin_default FROM token WHERE serial='$S1'")" 0
same "the renewal is the officer's draft" \
	"$(finca -d ca --as io-minhou request list --state draft --json |
		jq -r "[.items[] | select(.type == \"renew\" and .cert_serial == \"$C1\")] | length")" 1
has "the loss report froze the certificate: OCSP certificateHold" certificateHold \
	"$(openssl ocsp -issuer ca/ca/issuing.crt -serial 0x$C1 -url $base/ocsp -CAfile ca/ca/root.crt 2>&1)"
for pin in $PIN1 $NEW1; do
	grep -aq -- "$pin" ca/finca.db* serve.log && echo "not ok - PIN $pin on the server"
done
has "the audit chain verifies" "chain ok" "$(finca -d ca audit verify 2>&1)"
