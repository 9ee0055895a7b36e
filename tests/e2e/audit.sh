#!/usr/bin/env bash
# The audit chain finds edited, removed and reordered records, and forged
# checkpoints; edits are made behind finca's back with the sqlite3 tool.
. "$(dirname "$0")/../lib.sh"

ok "init" finca -d ca init --algo p256
for i in 1 2 3; do
	csr p256 "/CN=d$i" d$i.csr
	ok "issue $i" finca -d ca cert issue --profile device --csr d$i.csr --out d$i.pem
done
ok "freeze" finca -d ca cert freeze "$(serial_of d1.pem)"
ok "audit verify on a clean chain" finca -d ca audit verify
ok "checkpoint" finca -d ca audit checkpoint
has "every record is covered" "chain ok: [0-9]+ records, [0-9]+ signed checkpoints" "$(finca -d ca audit verify)"
cp ca/finca.db clean.db

sqlite3 ca/finca.db "UPDATE audit SET actor='someone-else' WHERE seq=4"
fails "an edited record is found" "audit record 4: content does not match its hash" finca -d ca audit verify
cp clean.db ca/finca.db

sqlite3 ca/finca.db "DELETE FROM audit WHERE seq=3"
fails "a removed record is found" "audit record 3: missing" finca -d ca audit verify
cp clean.db ca/finca.db

sqlite3 ca/finca.db "UPDATE audit SET seq=-seq WHERE seq IN (3,4); UPDATE audit SET seq=4 WHERE seq=-3; UPDATE audit SET seq=3 WHERE seq=-4;"
fails "reordered records are found" "audit record 3: does not follow record 2" finca -d ca audit verify
cp clean.db ca/finca.db

last=$(sqlite3 ca/finca.db "SELECT max(seq) FROM audit")
sqlite3 ca/finca.db "DELETE FROM audit WHERE seq=$last"
fails "a removed tail is found by the checkpoint" "records after $((last - 1)) were removed" finca -d ca audit verify
cp clean.db ca/finca.db

sqlite3 ca/finca.db "UPDATE audit_checkpoint SET sig=randomblob(70) WHERE seq=(SELECT max(seq) FROM audit_checkpoint)"
fails "a forged checkpoint is found" "signature does not verify" finca -d ca audit verify
cp clean.db ca/finca.db
ok "restored chain verifies" finca -d ca audit verify
