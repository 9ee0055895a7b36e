#!/usr/bin/env bash
# Login throttling and the login challenges' quota per address (issue 12,
# point 5): wrong passwords lock the account and the address for a while
# (429, Retry-After, a message naming the rule, audited); naming an account
# without its key cannot lock it; a flood of challenges from one address
# does not push out another address's.  Sources: curl --interface 127.0.0.N.
. "$(dirname "$0")/../lib.sh"

serve_ports
out=$(finca -d ca init --algo p256 --url $base)
adminpw=$(sed -n 's/^  password *\([^ ]*\) .*/\1/p' <<<"$out")
# short settings: the third failure locks, 2 s at first, 4 s at most
cat >>ca/finca.conf <<'EOF'

[auth]
failures = 3
lock = 2
account_lock_max = 4
address_lock_max = 4
window = 60
challenges_per_address = 16
EOF
ok "operator TLS certificate" mk_tls op1
ok "auditor TLS certificate" mk_tls aud1
ok "a certificate of no account" mk_tls nobody
ok "province node" env FINCA_ACCOUNT_PASSWORD=$adminpw "$FINCA" -d ca --as admin node add --code 350000 --name 福建省 --level province
ok "account add operator" env FINCA_ACCOUNT_PASSWORD=operator-pass-1 "$FINCA" -d ca account add op1 \
	--role operator --scope 350000 --cert op1.crt
ok "account add auditor" finca -d ca account add aud1 --role auditor --cert aud1.crt

serve_start ca
C="curl -s --cacert ca/ca/service.crt"
# login FROM PASSWORD [curl args]: prints "STATUS RETRY-AFTER MESSAGE"
login() {
	local from=$1 pw=$2; shift 2
	$C --interface 127.0.0.$from --cert op1.crt --key op1.key -D hdr -o body "$@" \
		-X POST -d "{\"password\":\"$pw\"}" $api/login
	printf '%s %s %s\n' "$(sed -n '1s/^HTTP[^ ]* \([0-9]*\).*/\1/p' hdr)" \
		"$(tr -d '\r' <hdr | sed -n 's/^[Rr]etry-[Aa]fter: //p')" \
		"$(jq -r '.error.message // "ok"' body)"
}

# 30 wrong passwords from one address
codes=() msgs=() retry=()
for i in $(seq 30); do
	read -r c r m < <(login 1 wrong-password-$i)
	codes+=("$c"); retry+=("${r:--}"); msgs+=("$m")
done
same "the first two wrong passwords: 401" "${codes[0]} ${codes[1]}" "401 401"
same "then 429, every time" "$(printf '%s\n' "${codes[@]:2}" | sort -u)" 429
same "every 429 says Retry-After" "$(printf '%s\n' "${retry[@]:2}" | grep -cE '^[1-4]$')" 28
has "the third names the failure and the rule" \
	"^account op1: wrong password; account op1: 3 failed logins, try again in 2 s$" "${msgs[2]}"
has "later ones name the rule" "account op1: [0-9]+ failed logins, try again in [1-4] s$" "${msgs[29]}"
# wait for a lock started by a failure, then the right password at once
for i in $(seq 20); do
	read -r c r m < <(login 1 wrong-again)
	grep -q "wrong password;" <<<"$m" && break
	sleep 0.5
done
lockmsg=${m#*; }
read -r c r m < <(login 1 operator-pass-1)
same "the right password while locked: 429" "$c" 429
same "with the same message (failures counted)" "${m% in *}" "${lockmsg% in *}"
has "and a Retry-After" '^[1-4]$' "$r"
sleep "$r"
read -r c r m < <(login 1 operator-pass-1)
same "the right password once the lock passed: 200" "$c" 200
n=$(sqlite3 ca/finca.db "SELECT count(*) FROM audit WHERE action='auth.throttled'")
has "locks are audited (auth.throttled)" '^[1-9][0-9]*$' "$n"
has "the record names the rule and the address" '"address":"127.0.0.1".*"rule":"account op1: 3 failed' \
	"$(sqlite3 ca/finca.db "SELECT details FROM audit WHERE action='auth.throttled' ORDER BY seq LIMIT 1")"
same "refusals during a lock are not audited one by one" \
	"$(sqlite3 ca/finca.db "SELECT count(*) FROM audit WHERE action='auth.login.denied'")" \
	"$(($(sqlite3 ca/finca.db "SELECT count(*) FROM audit WHERE action='auth.throttled'") + 2))"

# the account's count holds across addresses (a stolen key, many machines)
for i in 10 11 12; do login $i wrong-password >/dev/null; done
read -r c r m < <(login 13 operator-pass-1)
same "three addresses, one failure each: the account is locked" "$c" 429
has "and the message names the account" "^account op1: 3 failed logins, try again in [0-9] s" "$m"
sleep "$r"
same "accepted after the lock" "$(login 13 operator-pass-1 | cut -d' ' -f1)" 200

# naming an account without its key locks only the caller's address
opcert=$(base64 -w0 <(openssl x509 -in op1.crt -outform DER))
for i in $(seq 6); do
	ch=$($C --interface 127.0.0.20 -X POST $api/login/challenge | jq -r .challenge)
	res=$($C --interface 127.0.0.20 -w ' %{http_code}' -X POST \
		-d "{\"certificate\":\"$opcert\",\"challenge\":\"$ch\",\"signature\":\"AAAA\",\"password\":\"x\"}" \
		$api/login)
done
has "bad signatures with op1's certificate: the address is locked" \
	'address 127.0.0.20: [0-9]+ failed logins, try again in [0-9] s".* 429$' "$res"
same "op1 itself, from elsewhere, is not" "$(login 21 operator-pass-1 | cut -d' ' -f1)" 200
has "a certificate of no account counts for the address" "belongs to no account" \
	"$($C --interface 127.0.0.22 --cert nobody.crt --key nobody.key -X POST -d '{}' $api/login)"

# a flood of login challenges from one address keeps another's
challenge() { $C --interface 127.0.0.$1 -X POST $api/login/challenge | jq -r .challenge; }
mine=$(challenge 1)
theirs=$(challenge 2)
flood=$($C --interface 127.0.0.1 -w '%{http_code}\n' -X POST "$api/login/challenge?n=[1-5000]" |
	grep -c '200$')
same "5000 challenges from 127.0.0.1" "$flood" 5000
auditor_login() { # FROM CHALLENGE
	printf '%s' "$2" | openssl dgst -sha256 -sign aud1.key -out sig.bin
	$C --interface 127.0.0.$1 -X POST -d "{\"certificate\":\"$(base64 -w0 <(openssl x509 -in aud1.crt \
		-outform DER))\",\"challenge\":\"$2\",\"signature\":\"$(base64 -w0 sig.bin)\"}" $api/login
}
has "127.0.0.2's challenge from before the flood still logs in" '"role":"auditor"' "$(auditor_login 2 "$theirs")"
has "127.0.0.1 still gets challenges that work" '"role":"auditor"' "$(auditor_login 1 "$(challenge 1)")"
has "127.0.0.1's own from before the flood was pushed out (quota 16)" "unknown or already used" \
	"$(auditor_login 1 "$mine")"

serve_stop
same "clean stop" "$?" 0
ok "audit verify" finca -d ca audit verify
