#!/usr/bin/env bash
# Expiry reminders end to end: a 10-day personal certificate, its holder,
# unit and making node, a loopback webhook and a loopback SMTP server
# (tests/e2e/sink.py).  'finca remind' tells each once; a webhook on a
# closed port stays pending for a retry; the daemon does the same on its own
# and stops at once on SIGTERM.
. "$(dirname "$0")/../lib.sh"

mkdir hook mail
python3 "$ROOT/tests/e2e/sink.py" http hook & hpid=$!
python3 "$ROOT/tests/e2e/sink.py" smtp mail & spid=$!
at_exit 'kill $hpid $spid 2>/dev/null'
for i in $(seq 50); do [ -f hook/port ] && [ -f mail/port ] && break; sleep 0.1; done
hook=http://127.0.0.1:$(cat hook/port)/hook

ok "init" finca -d ca init --algo p256
cat >>ca/finca.conf <<EOF
[notify]
smtp_url = smtp://127.0.0.1:$(cat mail/port)
smtp_from = ca@example.org
EOF

# The organisation rows go in with sqlite3 until the org commands exist
# (finca org ..., being written): a county node served by its city, a unit
# under the county, two persons of the unit.
sqlite3 ca/finca.db <<EOF
INSERT INTO node(code,name,level,email,created_at) VALUES('350100','福州市','city','city@example.org',0);
INSERT INTO node(code,name,level,parent,served_by,email,created_at)
  VALUES('350121','闽侯县','county','350100','350100','county@example.org',0);
INSERT INTO unit(code,name,type,node,email,webhook,created_at)
  VALUES('91350100M000100Y43','甲单位','gov','350121','officer@example.org','$hook',0);
INSERT INTO person(id_number,name,unit,email,created_at)
  VALUES('350102199003071234','张三','91350100M000100Y43','zs@example.org',0),
        ('350203198511200044','李四','91350100M000100Y43',NULL,0);
EOF

csr p256 "/CN=张三" p.csr
ok "issue a 10-day personal certificate" finca -d ca cert issue --profile personal \
	--csr p.csr --days 10 --id-number 350102199003071234 --out p.pem
serial=$(sqlite3 ca/finca.db "SELECT serial FROM cert WHERE id_number='350102199003071234'")

out=$(finca -d ca remind 2>&1)
# holder mail; unit webhook and mail; the city's mail (it makes for the county)
same "first pass: four notices, all sent" "$out" "queued 4, sent 4, failed 0"
same "one webhook call" "$(ls hook/*.txt | wc -l)" 1
same "three mails" "$(ls mail/*.txt | wc -l)" 3

check_hook() { # FILE SERIAL DAYS: the webhook's JSON
	python3 - "$@" <<'EOF'
import json, sys
b = json.load(open(sys.argv[1], encoding="utf-8"))
c = b["certificates"]
assert b["event"] == "cert.expiring", b
assert b["days"] == int(sys.argv[3]), b
assert len(c) == 1 and c[0]["serial"] == sys.argv[2], c
assert c[0]["name"] == "张三" and c[0]["id_number"] == "350102199003071234", c
assert c[0]["unit"] == "91350100M000100Y43" and c[0]["days_left"] in (9, 10), c
assert c[0]["not_after"].endswith("Z"), c
EOF
}
ok "webhook: cert.expiring at 15 days, the certificate and its holder" \
	check_hook hook/1.txt "$serial" 15
has "webhook: POST to the unit's URL as JSON" "Content-Type: application/json" "$(cat hook/1.env)"

# every mail: recipient, headers, subject (RFC 2047) and the Chinese text
check_mail() { # FILE TO
	python3 - "$@" <<'EOF'
import email, email.header, sys
raw = open(sys.argv[1], "rb").read()
m = email.message_from_bytes(raw)
subj = str(email.header.make_header(email.header.decode_header(m["Subject"])))
text = m.get_payload(decode=True).decode("utf-8")
assert m["To"] == sys.argv[2], m["To"]
assert m["From"] == "ca@example.org", m["From"]
assert m["Date"], "no Date"
assert m.get_content_type() == "text/plain" and m.get_content_charset() == "utf-8"
assert "15 天内到期" in subj, subj
assert "以下证书将于15天内到期，请及时办理延期" in text, text
assert "张三" in text and "350102********1234" in text, text
assert "350102199003071234" not in text, "the full ID number travels in clear"
assert all(len(l) <= 78 for l in raw.split(b"\r\n")), "a line longer than 78"
EOF
}
for to in zs@example.org officer@example.org city@example.org; do
	f=$(grep -l "RCPT TO:<$to>" mail/*.env | sed 's/env$/txt/')
	ok "mail to $to: headers, subject and text" check_mail "$f" "$to"
done
same "nothing for the county (the city makes for it)" \
	"$(grep -c county@ mail/*.env | awk -F: '{s+=$2} END {print s}')" 0
same "three mail notices, all sent" "$(rows ca "notice WHERE channel='smtp' AND state='sent'")" 3
same "one remind.scan audit record" "$(rows ca "audit WHERE action='remind.scan'")" 1
has "the audit record counts the notices" '"queued":4' \
	"$(sqlite3 ca/finca.db "SELECT details FROM audit WHERE action='remind.scan'")"
same "reminded at 30 and 15 days" \
	"$(sqlite3 ca/finca.db "SELECT group_concat(days) FROM (SELECT days FROM reminder ORDER BY days)")" "15,30"

same "second pass: nothing new" "$(finca -d ca remind 2>&1)" "queued 0, sent 0, failed 0"
same "no second webhook call" "$(ls hook/*.txt | wc -l)" 1
same "no second mail" "$(ls mail/*.txt | wc -l)" 3

# the unit's webhook on a closed port: four days later (7-day threshold)
# the call fails and waits for a retry
sqlite3 ca/finca.db "UPDATE unit SET webhook='http://127.0.0.1:9/closed'"
now=$(( $(date +%s) + 4 * 86400 ))
same "7 days: the webhook fails, the mails go" "$(finca -d ca remind --now $now 2>&1)" \
	"queued 4, sent 3, failed 1"
same "the failed webhook notice is pending, tried once" \
	"$(sqlite3 ca/finca.db "SELECT state, attempts, last_error IS NOT NULL FROM notice WHERE target LIKE '%/closed'")" \
	"pending|1|1"
has "its error is kept" "webhook: .*(connect|refused)" \
	"$(sqlite3 ca/finca.db "SELECT last_error FROM notice WHERE target LIKE '%/closed'")"
same "its next try is a minute later" \
	"$(sqlite3 ca/finca.db "SELECT next_at - $now FROM notice WHERE target LIKE '%/closed'")" 60
same "not tried again before" "$(finca -d ca remind --now $((now + 30)) 2>&1)" \
	"queued 0, sent 0, failed 0"
same "tried again after" "$(finca -d ca remind --now $((now + 60)) 2>&1)" \
	"queued 0, sent 0, failed 1"
same "backoff doubles" \
	"$(sqlite3 ca/finca.db "SELECT attempts, next_at - $now FROM notice WHERE target LIKE '%/closed'")" \
	"2|180"
fails "a bad --now is refused" "expected YYYY-MM-DD" finca -d ca remind --now tomorrow

# the daemon: a pass at start, then every [notify] interval; SIGTERM at once
sqlite3 ca/finca.db "UPDATE unit SET webhook='$hook'"
csr p256 "/CN=李四" q.csr
ok "issue a 20-day certificate for another holder" finca -d ca cert issue --profile personal \
	--csr q.csr --days 20 --id-number 350203198511200044 --out q.pem
serve_start --no-tls ca
for i in $(seq 100); do [ -f hook/2.txt ] && break; sleep 0.1; done
check_hook30() { # FILE: the second holder's certificate at 30 days
	python3 - "$1" <<'EOF'
import json, sys
b = json.load(open(sys.argv[1], encoding="utf-8"))
assert b["days"] == 30 and b["certificates"][0]["id_number"] == "350203198511200044", b
EOF
}
ok "the daemon calls the webhook on its own: the new certificate at 30 days" \
	check_hook30 hook/2.txt
for i in $(seq 50); do grep -q "remind: queued" serve.log && break; sleep 0.1; done
has "the daemon logs its pass" "finca: remind: queued 3, sent 3, failed 0" "$(cat serve.log)"
same "its audit record names the system as actor" \
	"$(sqlite3 ca/finca.db "SELECT actor FROM audit WHERE action='remind.scan' ORDER BY seq DESC LIMIT 1")" system
start=$(date +%s%N)
serve_stop
rc=$?
same "SIGTERM: the daemon stops cleanly" "$rc" 0
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ $ms -lt 3000 ] && echo "ok - SIGTERM: stopped in ${ms} ms (a 300 s interval does not hold it)" ||
	echo "not ok - SIGTERM: took ${ms} ms"
