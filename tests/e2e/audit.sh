#!/usr/bin/env bash
# The audit chain finds edited, removed and reordered records, and forged
# checkpoints; edits are made behind finca's back with the database's tool (db_sql).
# Then the trail as the auditors read it over the API: Chinese names and
# summaries, the filter's names, and the export for inspectors as CSV and
# XLSX, itself audited.
. "$(dirname "$0")/../lib.sh"

serve_ports
out=$(finca -d ca init --algo p256 --url $base 2>&1)
same "init" "$?" 0
adminpw=$(sed -n 's/^  password *\([^ ]*\) .*/\1/p' <<<"$out")
for i in 1 2 3; do
	csr p256 "/CN=d$i" d$i.csr
	ok "issue $i" finca -d ca cert issue --profile device --csr d$i.csr --out d$i.pem
done
ok "freeze" finca -d ca cert freeze "$(serial_of d1.pem)"
ok "audit verify on a clean chain" finca -d ca audit verify
ok "checkpoint" finca -d ca audit checkpoint
has "every record is covered" "chain ok: [0-9]+ records, [0-9]+ signed checkpoints" "$(finca -d ca audit verify)"
db_save ca

db_sql ca "UPDATE audit SET actor='someone-else' WHERE seq=4"
fails "an edited record is found" "audit record 4: content does not match its hash" finca -d ca audit verify
db_restore ca

db_sql ca "DELETE FROM audit WHERE seq=3"
fails "a removed record is found" "audit record 3: missing" finca -d ca audit verify
db_restore ca

db_sql ca "UPDATE audit SET seq=-seq WHERE seq IN (3,4); UPDATE audit SET seq=4 WHERE seq=-3; UPDATE audit SET seq=3 WHERE seq=-4;"
fails "reordered records are found" "audit record 3: does not follow record 2" finca -d ca audit verify
db_restore ca

last=$(db_sql ca "SELECT max(seq) FROM audit")
db_sql ca "DELETE FROM audit WHERE seq=$last"
fails "a removed tail is found by the checkpoint" "records after $((last - 1)) were removed" finca -d ca audit verify
db_restore ca

db_sql ca "UPDATE audit_checkpoint SET sig=randomblob(70) WHERE seq=(SELECT max(seq) FROM audit_checkpoint)"
fails "a forged checkpoint is found" "signature does not verify" finca -d ca audit verify
db_restore ca
ok "restored chain verifies" finca -d ca audit verify

# --- the trail read by people ---
ok "auditor TLS certificate" mk_tls aud1
ok "application TLS certificate" mk_tls app1
ok "account add auditor" finca -d ca account add aud1 --role auditor --cert aud1.crt
ok "app add (no right to the trail)" finca -d ca app add app1 --cert app1.crt
ok "a node" env FINCA_ACCOUNT_PASSWORD=$adminpw "$FINCA" -d ca --as admin node add \
	--code 350000 --name 福建省 --level province
ok "a department of it" env FINCA_ACCOUNT_PASSWORD=$adminpw "$FINCA" -d ca --as admin dept add \
	--code yusuan --name 预算处 --node 350000
serve_start ca
A="curl -s --cacert ca/ca/service.crt --cert aud1.crt --key aud1.key -H Accept-Language:zh-CN"
code() { curl -s --cacert ca/ca/service.crt -o /dev/null -w '%{http_code}' "$@"; }

r=$($A "$api/audit?action=cert.freeze")
same "a record's action named in Chinese" "$(jq -r '.records[0].action_name' <<<"$r")" "证书冻结"
has "its summary in Chinese, codes named" "^证书 [0-9A-F]+（原状态：有效），主题 " \
	"$(jq -r '.records[0].summary' <<<"$r")"
same "the raw record stays" "$(jq -r '.records[0].action + " " + .records[0].details.from' <<<"$r")" \
	"cert.freeze valid"
has "in English for an English caller" "^Certificate [0-9A-F]+ \(was Valid\)" \
	"$(curl -s --cacert ca/ca/service.crt --cert aud1.crt --key aud1.key -H Accept-Language:en \
		"$api/audit?action=cert.freeze" | jq -r '.records[0].summary')"
r=$($A "$api/audit?action=dept.add")
same "a department's record summarized" "$(jq -r '.records[0].summary' <<<"$r")" "审批部门 yusuan 预算处，所属节点 350000"
same "its details as recorded: no node_name added beside the code" \
	"$(jq -c '.records[0].details' <<<"$r")" '{"code":"yusuan","name":"预算处","node":"350000"}'
acts=$($A $api/audit/actions)
same "the filter's actions have Chinese names" \
	"$(jq -r '.actions[] | select(.action == "request.move") | .name' <<<"$acts")" "申请流转"
same "and the families their prefixes" \
	"$(jq -r '.families[] | select(.prefix == "cert.") | .name' <<<"$acts")" "证书（全部）"
same "no right to the trail, no list of actions: 403" \
	"$(code --cert app1.crt --key app1.key $api/audit/actions)" 403

# the export: the API's records of the filter, no more, no fewer
$A "$api/audit?action=cert.&order=asc&limit=10000" | jq -r '.records[].seq' >api-seqs
same "the filter finds the issued and the frozen" "$(wc -l <api-seqs)" 6
$A -D csv.h -o trail.csv "$api/audit/export?format=csv&action=cert.&order=asc"
has "the CSV is a download" '^Content-Disposition: attachment; filename=.*filename\*=UTF-8.*\.csv' \
	"$(tr -d '\r' <csv.h)"
has "as UTF-8 text" '^Content-Type: text/csv; charset=utf-8' "$(tr -d '\r' <csv.h)"
same "with a BOM for Excel" "$(head -c3 trail.csv | od -An -tx1 | tr -d ' ')" efbbbf
# check_rows FILE csv|xlsx: the export's seqs, after checking its header
# and cells (openpyxl for XLSX, as tests/e2e/ra.sh)
check_rows() {
	/usr/bin/python3 - "$1" "$2" <<'EOF'
import csv, json, re, sys
path, fmt = sys.argv[1], sys.argv[2]
if fmt == "csv":
    raw = open(path, "rb").read()
    assert raw.startswith(b"\xef\xbb\xbf"), "no BOM"
    rows = list(csv.reader(raw[3:].decode("utf-8").splitlines(True)))
else:
    import openpyxl
    ws = openpyxl.load_workbook(path).active
    assert ws.freeze_panes == "A2", ws.freeze_panes
    assert ws["A1"].font.b, "header not bold"
    rows = [["" if c is None else str(c) for c in r] for r in ws.iter_rows(values_only=True)]
assert rows[0] == ["序号", "时间", "操作者", "操作", "对象", "摘要", "详细内容"], rows[0]
for r in rows[1:]:
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", r[1]), r[1]
    assert r[3] in ("证书签发", "证书冻结"), r[3]
    assert r[4].startswith("cert:") and r[5].startswith("证书 "), r
    json.loads(r[6])
    print(r[0])
EOF
}
same "the CSV parses: Chinese headers and cells, the API's records" \
	"$(check_rows trail.csv csv 2>&1)" "$(cat api-seqs)"
$A -D xlsx.h -o trail.xlsx "$api/audit/export?format=xlsx&action=cert.&order=asc"
has "the XLSX is a download" '^Content-Disposition: attachment; filename=.*\.xlsx' "$(tr -d '\r' <xlsx.h)"
same "the XLSX opens (openpyxl): bold frozen header, the same records" \
	"$(check_rows trail.xlsx xlsx 2>&1)" "$(cat api-seqs)"
same "an unknown format: 400" "$(code --cert aud1.crt --key aud1.key "$api/audit/export?format=pdf")" 400
same "no right to the trail, no export: 403" \
	"$(code --cert app1.crt --key app1.key "$api/audit/export?format=csv")" 403
r=$($A "$api/audit?action=audit.export&order=asc")
same "each export is audited, with its filter and count" \
	"$(jq -r '.records[] | [.actor, .details.format, (.details.rows | tostring), .details.filter.action] | join(" ")' <<<"$r")" \
	"aud1 csv 6 cert.
aud1 xlsx 6 cert."
same "and summarized in Chinese" "$(jq -r '.records[0].summary' <<<"$r")" "导出审计日志（csv），6 条，操作 cert."
serve_stop
same "the server stops cleanly (no leak)" "$?" 0
ok "the chain with the exports verifies" finca -d ca audit verify
