#!/usr/bin/env bash
# The web console in a real browser: Debian's Chromium driven by
# playwright-core (tests/browser/console.mjs).  Each account logs in as its
# holder would, with a USBKey (a SoftHSM2 token holding the key made on it
# by the token station) through `finca agent`; administrators and operators
# add their password.  The harness makes the CA, the organisations, the
# accounts and their tokens, starts the agent and the daemon, and answers
# the browser script's hooks (work done at the token station between
# pages).  Screenshots go to build/screenshots/.
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
# an SM2 hierarchy; the SoftHSM2 USBKeys hold P-256 keys (no SM2 mechanism)
out=$(finca -d ca init --url $base) || echo "not ok - init: $out"
export FINCA_ACCOUNT_PASSWORD=$(sed -n 's/^  password    \([^ ]*\) .*/\1/p' <<<"$out")
printf '[token]\nmodule = %s\nalgorithm = p256\n[console]\nagent = http://127.0.0.1:%s\n' \
	$M $aport >>ca/finca.conf
A() { "$FINCA" -d ca --as "$@"; }

# --- organisations ---
U1=$(uscc 12350121MB0000001)
A admin node add --code 350000 --name 福建省 --level province >/dev/null &&
A admin node add --code 350100 --name 福州市 --level city --parent 350000 >/dev/null &&
A admin node add --code 350121 --name 闽侯县 --level county --parent 350100 \
	--served-by 350100 >/dev/null &&
A admin dept add --code yusuan --name 预算处 --node 350000 >/dev/null &&
A admin app add --code ysgl --name 预算管理一体化系统 --dept yusuan >/dev/null &&
A admin unit add --code $U1 --name 闽侯县第一中学 --type 事业单位 --node 350121 >/dev/null ||
	echo "not ok - organisations"

# --- one account per role, its certificate made on its own USBKey ---
PW=Console-pass-2026
accounts='['
pins=$T/pins; : >"$pins"; chmod 600 "$pins"
n=0
for spec in "io1 officer $U1" "ap1 approver yusuan" "op1 operator 350100" "adm1 admin -" \
	"aud1 auditor -"; do
	set -- $spec; name=$1 role=$2 scope=$3; n=$((n + 1))
	o=$(finca -d ca token init --label $name 2>&1) || echo "not ok - token init $name: $o"
	pin=$(sed -n 's/^default PIN for the envelope: //p' <<<"$o")
	s=$(sed -n 's/^token \([0-9a-f]*\) initialised.*/\1/p' <<<"$o")
	o=$(FINCA_PIN=$pin "$FINCA" -d ca token enroll --serial $s --profile personal \
		--subject "C=CN, O=福建省财政厅, CN=$name" --person $(rid 35010019800101$(printf %03d $n)) 2>&1) ||
		echo "not ok - enroll $name: $o"
	c=$(sed -n 's/.*certificate \([0-9A-F]*\) for.*/\1/p' <<<"$o")
	pkcs11-tool --module $M --token-label $name --read-object --type cert --label $name \
		-o $name.der >/dev/null 2>&1
	openssl x509 -inform DER -in $name.der -out $name.crt
	[ "$scope" = - ] && scope=""
	pw=null; extra=()
	if [ $role = admin ] || [ $role = operator ]; then pw="\"$PW\""; extra=(env FINCA_NEW_PASSWORD=$PW); fi
	o=$("${extra[@]}" "$FINCA" -d ca --as admin account add $name --role $role --scope "$scope" \
		--cert $name.crt 2>&1) || echo "not ok - account $name: $o"
	echo "$s $pin" >>"$pins"
	accounts+="{\"name\":\"$name\",\"role\":\"$role\",\"password\":$pw,\"cert_serial\":\"$c\",\"token\":\"$s\"},"
done
accounts="${accounts%,}]"
same "five accounts, each with its USBKey" "$(wc -l <"$pins")" 5
# the officer's person name (姓名): the dashboard greets by it
ok "the officer's name" "$FINCA" -d ca account edit io1 --name 王丽萍

# --- the spreadsheets the officer uploads: 5 people, and a copy with mistakes ---
"$FINCA" batch template --out template.xlsx >/dev/null
fill() { /usr/bin/python3 - template.xlsx "$@" <<'EOF'
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
ws = wb["申请"]
for line in open(sys.argv[3], encoding="utf-8"):
    ws.append(line.rstrip("\n").split(",") + ["新入职"])
wb.save(sys.argv[2])
EOF
}
for i in 1 2 3 4 5; do
	printf '%s,%s,%s,ysgl,1380000%04d,u%s@example.cn\n' "员工$i" \
		"$(rid 35012119900101$(printf %03d $i))" $U1 $i $i
done >people.csv
fill 申请.xlsx people.csv
id2=$(sed -n '2s/^[^,]*,\([^,]*\),.*/\1/p' people.csv)
bad2=${id2%?}$([ "${id2: -1}" = 0 ] && echo 1 || echo 0) # a wrong check character
sed "2s/,$id2,/,$bad2,/; 3s/,$U1,/,$(uscc 12350121MB0000009),/" people.csv >bad.csv
fill 申请-错.xlsx bad.csv

# --- the daemon and the agent ---
serve_start ca
"$FINCA" agent --module $M --listen 127.0.0.1:$aport --origin $url --pin-file "$pins" \
	2>agent.log &
apid=$!
at_exit 'kill $apid 2>/dev/null; cp serve.log /tmp/console-serve.log; cp agent.log /tmp/console-agent.log'
for _ in $(seq 50); do curl -s -o /dev/null http://127.0.0.1:$aport/ && break; sleep 0.1; done

# hooks the browser script calls between pages: work at the token station
cat >hook.sh <<EOF
#!/usr/bin/env bash
# hook produce: each accepted person request of the officer's unit gets a
# new USBKey and its certificate, made by the operator at the token station
cd "$T"
export SOFTHSM2_CONF=$SOFTHSM2_CONF FINCA_PASSPHRASE=$FINCA_PASSPHRASE
case \$1 in
produce)
	for r in \$(FINCA_ACCOUNT_PASSWORD=$PW "$FINCA" -d ca --as op1 request list --state accepted \\
		--json | jq -r '.items[] | select(.type == "apply") | .id'); do
		o=\$(FINCA_ACCOUNT_PASSWORD=$PW "$FINCA" -d ca --as op1 token init --label key\$r 2>&1) ||
			{ echo "\$o" >&2; exit 1; }
		pin=\$(sed -n 's/^default PIN for the envelope: //p' <<<"\$o")
		s=\$(sed -n 's/^token \([0-9a-f]*\) initialised.*/\1/p' <<<"\$o")
		FINCA_PIN=\$pin FINCA_ACCOUNT_PASSWORD=$PW "$FINCA" -d ca --as op1 token enroll \\
			--serial \$s --request \$r >&2 || exit 1
		echo "\$r \$s"
	done ;;
attach) # the officer attaches the stamped scan of batch \$2 (art. 19)
	"$FINCA" -d ca --as io1 batch attach \$2 --file "$T/盖章扫描件.pdf" >&2 ;;
*) echo "unknown hook \$1" >&2; exit 2 ;;
esac
EOF
chmod +x hook.sh
printf '%%PDF-1.4\n%% a stamped scan\n%%%%EOF\n' >盖章扫描件.pdf

mkdir -p "$ROOT/build/screenshots"
FINCA_URL=$url FINCA_CA=$T/ca/ca/service.crt FINCA_ACCOUNTS=$accounts FINCA_HOOK=$T/hook.sh \
	FINCA_AGENT=http://127.0.0.1:$aport SCREENSHOTS=$ROOT/build/screenshots \
	FINCA_SPREADSHEET=$T/申请.xlsx FINCA_BAD_SPREADSHEET=$T/申请-错.xlsx \
	timeout -k 5 420 node "$NODE_DIR/console.mjs" || echo "not ok - the browser script crashed"

# what the browser did, checked from outside
has "the audit chain verifies after the browser session" "chain ok" \
	"$("$FINCA" -d ca audit verify 2>&1)"
has "the logins went through the signed challenge" "auth.login" \
	"$(sqlite3 ca/finca.db "select action from audit where action = 'auth.login' limit 1")"
