#!/usr/bin/env bash
# finca demo seed: the Fujian demo node, its units and persons with valid
# identity numbers, one account per role with a working TLS client
# certificate; idempotent; all or nothing.
. "$(dirname "$0")/../lib.sh"

ok "init" finca -d ca init
out=$(finca -d ca demo seed 2>&1)
has "seed prints the accounts" "^io-minhou +officer +11350121[0-9A-Z]{10} +- +ca/demo/io-minhou.crt" "$out"
has "seed prints the operators' password" "^op-province +operator +350000 +Demo-operator-2026 " "$out"

# XXX: read through 'finca --as auditor node list --json' once the org CLI
# is in; until then straight from the database.
q() { sqlite3 ca/finca.db "$1"; }
same "5 nodes" "$(rows ca node)" 5
same "3 departments" "$(rows ca dept)" 3
same "3 application systems" "$(rows ca app)" 3
same "5 units" "$(rows ca unit)" 5
same "20 persons" "$(rows ca person)" 20
same "8 accounts (admin and 7 demo)" "$(rows ca account)" 8
same "闽侯县 is served by Fuzhou (代管)" "$(q "SELECT parent || ' ' || served_by FROM node WHERE code='350121'")" "350100 350100"
same "思明区 is served by nobody" "$(q "SELECT count(*) FROM node WHERE code='350203' AND served_by IS NULL")" 1
same "systems belong to their departments" \
	"$(q "SELECT group_concat(code || ':' || dept, ' ') FROM (SELECT * FROM app ORDER BY code)")" \
	"fz-ysz:fz-yusuan gkzf:guoku ysgl:yusuan"
same "4 persons in each unit" "$(q "SELECT group_concat(n, ' ') FROM (SELECT count(*) n FROM person GROUP BY unit)")" "4 4 4 4 4"
same "every person's ID number starts with its unit's node" \
	"$(q "SELECT count(*) FROM person p JOIN unit u ON p.unit = u.code WHERE substr(p.id_number, 1, 6) = u.node")" 20
same "officer accounts are their units' officers" \
	"$(q "SELECT group_concat(x, ' ') FROM (SELECT a.name || '=' || u.officer x FROM account a JOIN unit u ON a.scope = u.code WHERE a.role = 'officer' ORDER BY a.id)")" \
	"io-minhou=io-minhou io-fzcz=io-fzcz"
same "roles and scopes" \
	"$(q "SELECT group_concat(name || ':' || role || ':' || coalesce(scope, ''), ' ') FROM (SELECT * FROM account WHERE role IN ('operator','approver','auditor') ORDER BY id)")" \
	"op-province:operator:350000 op-fuzhou:operator:350100 ap-yusuan:approver:yusuan ap-guoku:approver:guoku auditor:auditor:"
same "passwords only where art. 11 asks (admin, operators)" \
	"$(q "SELECT group_concat(name, ' ') FROM (SELECT name FROM account WHERE password IS NOT NULL ORDER BY id)")" \
	"admin op-province op-fuzhou"

# the check characters, recomputed here independently of finca
gb11643() { # ID: prints "ok" when the check digit is right
	awk -v s="$1" 'BEGIN { split("7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2", w, " ");
		for (i = 1; i <= 17; i++) t += substr(s, i, 1) * w[i];
		print (substr("10X98765432", t % 11 + 1, 1) == substr(s, 18, 1)) ? "ok" : "bad " s }'
}
gb32100() { # CODE
	awk -v s="$1" 'BEGIN { a = "0123456789ABCDEFGHJKLMNPQRTUWXY";
		split("1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28", w, " ");
		for (i = 1; i <= 17; i++) t += (index(a, substr(s, i, 1)) - 1) * w[i];
		print (substr(a, (31 - t % 31) % 31 + 1, 1) == substr(s, 18, 1)) ? "ok" : "bad " s }'
}
bad=$(for id in $(q "SELECT id_number FROM person"); do gb11643 "$id"; done | grep -v '^ok$')
same "resident ID numbers carry their GB 11643 check digit" "$bad" ""
bad=$(for c in $(q "SELECT code FROM unit"); do gb32100 "$c"; done | grep -v '^ok$')
same "unit codes carry their GB 32100 check character" "$bad" ""
same "birth dates are plausible (1950-2005)" \
	"$(q "SELECT count(*) FROM person WHERE substr(id_number, 7, 4) BETWEEN '1950' AND '2005'")" 20

names="op-province op-fuzhou ap-yusuan ap-guoku io-minhou io-fzcz auditor"
for n in $names; do
	ok "$n.crt verifies under the service CA" openssl verify -CAfile ca/ca/service.crt ca/demo/$n.crt
	same "$n.key is private (0600)" "$(stat -c %a ca/demo/$n.key)" 600
	same "$n.key belongs to $n.crt" "$(openssl pkey -in ca/demo/$n.key -pubout 2>&1)" \
		"$(openssl x509 -in ca/demo/$n.crt -noout -pubkey 2>&1)"
done
has "P-256 keys" "prime256v1|P-256" "$(openssl pkey -in ca/demo/auditor.key -noout -text)"
has "TLS client certificates" "TLS Web Client Authentication" "$(openssl x509 -in ca/demo/auditor.crt -noout -text)"
same "the service CA beside them" "$(openssl x509 -in ca/demo/service-ca.crt -noout -fingerprint)" \
	"$(openssl x509 -in ca/ca/service.crt -noout -fingerprint)"
same "every addition audited (with init's admin)" "$(q "SELECT count(*) FROM audit WHERE action IN ('node.add','dept.add','app.add','unit.add','person.add','account.add','unit.edit')")" 46
ok "audit verify" finca -d ca audit verify

out=$(finca -d ca demo seed 2>&1); rc=$?
same "a second seed exits 0" "$rc" 0
same "a second seed says so" "$out" "demo data present"
same "a second seed adds nothing" "$(rows ca person) $(rows ca account)" "20 8"

# the accounts work: client certificates over HTTPS, the operator's password
serve_start ca
C="curl -s --cacert ca/ca/service.crt"
same "auditor reads by its demo certificate" \
	"$($C -o /dev/null -w '%{http_code}' --cert ca/demo/auditor.crt --key ca/demo/auditor.key $api/certs)" 200
tok=$($C --cert ca/demo/op-province.crt --key ca/demo/op-province.key -X POST \
	-d '{"password":"Demo-operator-2026"}' $api/login | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
same "op-province logs in with Demo-operator-2026" "${#tok}" 43
serve_stop

# all or nothing: a name already taken stops the seed and keeps nothing
ok "init a second directory" finca -d ca2 init --algo p256
ok "an account named auditor already" bash -c "FINCA_KEY_PASSPHRASE=keypass1234 '$FINCA' -d ca2 cert issue \
	--profile tls-client --genkey --subject CN=aud --out aud.crt && '$FINCA' -d ca2 account add auditor --role auditor --cert aud.crt"
fails "the seed refuses" "demo seed \(nothing was kept\): .*auditor" finca -d ca2 demo seed
same "no node kept" "$(rows ca2 node)" 0
same "no person kept" "$(rows ca2 person)" 0
same "no certificate left behind" "$(ls ca2/demo 2>/dev/null | wc -l)" 0
ok "audit verify after the refusal" finca -d ca2 audit verify

# 'make run' (scripts/demo.sh): the demo a person logs into at once, with a
# demo USBKey for each account through the signing agent
serve_ports 3; p=$port
(cd "$ROOT" && FINCA_DEMO_PORTS="$p $((p + 1)) $((p + 2))" exec ./scripts/demo.sh "$T/run") \
	>run.log 2>&1 &
rpid=$!
at_exit 'kill $rpid 2>/dev/null; pkill -P $rpid 2>/dev/null'
for _ in $(seq 300); do curl -s -o /dev/null http://127.0.0.1:$p/healthz && break; sleep 0.2; done
has "make run prints the console and its accounts" "console.*https://127.0.0.1:$((p + 1))/ui/" \
	"$(cat run.log)"
O="Origin: https://127.0.0.1:$((p + 1))"; G=http://127.0.0.1:$((p + 2))
certs=$(curl -s -H "$O" $G/v1/certificates)
same "the agent holds a demo USBKey per account" "$(jq '.certificates | length' <<<"$certs")" 8
C="curl -s --cacert $T/run/ca/service.crt"
ch=$($C -X POST https://127.0.0.1:$((p + 1))/api/v1/login/challenge | jq -r .challenge)
id=$(jq -r '.certificates[] | select(.subject | test("io-minhou")) | .id' <<<"$certs")
sig=$(curl -s -H "$O" -H 'Content-Type: application/json' \
	-d "{\"id\":\"$id\",\"challenge\":\"$ch\"}" $G/v1/sign)
tok=$($C -H 'Content-Type: application/json' -d "$(jq -c --arg c "$ch" \
	'{certificate, signature, challenge: $c}' <<<"$sig")" https://127.0.0.1:$((p + 1))/api/v1/login |
	jq -r .token)
same "io-minhou logs in with its USBKey, the PIN answered by the agent" "$($C -H \
	"Authorization: Bearer $tok" https://127.0.0.1:$((p + 1))/api/v1/whoami | jq -r .role)" officer
has "the console is served" "<html" "$($C https://127.0.0.1:$((p + 1))/ui/)"
kill $rpid 2>/dev/null
