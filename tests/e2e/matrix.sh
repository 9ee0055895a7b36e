#!/usr/bin/env bash
# The registration authority's rights, role by role and operation by
# operation, over HTTPS against `finca serve` (src/ra/actor.c: one table of
# rights, one scope rule per role).  Two of everything: city A (350100, also
# serving its county 350121, 代管) and city B (350200), a department and an
# application system in each, a unit in each city's scope with its persons,
# and an officer, an approver and an operator on each side; one administrator
# and one auditor for the whole deployment.
#
# Every cell is one HTTP call: "officer-A approve in-scope: 403".  Scoped
# roles act once on their own side's fixture (in-scope) and once on the
# other's (out-of-scope); the administrator and the auditor act on both.
# Lists are not refused: out of scope, the other side's rows are hidden.
# A refused call must change nothing (the store's tables, the audit trail
# aside) and add an auth.denied audit record.
. "$(dirname "$0")/../lib.sh"

# --- GB 11643 resident ID numbers and GB 32100 unit codes, check characters ---
rid() { # 17 DIGITS
	local b=$1 w=(7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2) s=0 i c=10X98765432
	for i in {0..16}; do s=$((s + ${b:i:1} * w[i])); done
	echo "$b${c:s%11:1}"
}
uscc() { # 17 CHARACTERS
	local a=0123456789ABCDEFGHJKLMNPQRTUWXY b=$1 s=0 i p
	local w=(1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28)
	for i in {0..16}; do p=${a%%"${b:i:1}"*}; s=$((s + ${#p} * w[i])); done
	echo "$b${a:(31 - s % 31) % 31:1}"
}
seq_n=100
person_id() { seq_n=$((seq_n + 1)); PID=$(rid "${REGION[$1]}19900101$seq_n"); } # SIDE -> PID

port=$((20000 + RANDOM % 20000)); tport=$((port + 1))
base=http://127.0.0.1:$port; api=https://127.0.0.1:$tport/api/v1
out=$(finca -d ca init --algo p256 --url $base) || echo "not ok - init: $out"
ADMINPW=$(sed -n 's/^  password *\([^ ]*\) .*/\1/p' <<<"$out")
export FINCA_ACCOUNT_PASSWORD=$ADMINPW
A() { "$FINCA" -d ca --as "$@"; }
setup() { local out; out=$("$@" 2>&1) || { echo "not ok - setup: $*"; echo "$out" | sed 's/^/#   /'; }; }

# --- two of everything ---
declare -A CITY=([A]=350100 [B]=350200) NODE=([A]=350121 [B]=350200) REGION=([A]=350121 [B]=350200)
declare -A DEPT=([A]=dept-a [B]=dept-b) APP=([A]=app-a [B]=app-b)
declare -A UNIT=([A]=$(uscc 12350121MB0000001) [B]=$(uscc 12350200MB0000002))
declare -A OTHER=([A]=B [B]=A)
setup A admin node add --code 350000 --name 福建省 --level province
setup A admin node add --code 350100 --name 福州市 --level city --parent 350000
setup A admin node add --code 350121 --name 闽侯县 --level county --parent 350100 --served-by 350100
setup A admin node add --code 350200 --name 厦门市 --level city --parent 350000
for s in A B; do
	setup A admin dept add --code ${DEPT[$s]} --name 预算处$s --node ${CITY[$s]}
	setup A admin app add --code ${APP[$s]} --name 预算系统$s --dept ${DEPT[$s]}
	setup A admin unit add --code ${UNIT[$s]} --name 单位$s --type 事业单位 --node ${NODE[$s]}
done

# --- accounts of every role, each with a TLS client certificate ---
PW=account-pass-1
ROLES=(admin auditor officer-A officer-B approver-A approver-B operator-A operator-B)
for n in "${ROLES[@]:1}" spare; do mk_tls $n || echo "not ok - TLS certificate $n"; done
cp ca/admin.crt admin.crt
openssl pkey -in ca/admin.key -passin pass:$ADMINPW -out admin.key
setup A admin account add auditor --role auditor --scope "" --cert auditor.crt
for s in A B; do
	setup A admin account add officer-$s --role officer --scope ${UNIT[$s]} --cert officer-$s.crt
	setup A admin account add approver-$s --role approver --scope ${DEPT[$s]} --cert approver-$s.crt
	setup env FINCA_ACCOUNT_PASSWORD=$PW "$FINCA" -d ca --as admin account add operator-$s \
		--role operator --scope ${CITY[$s]} --cert operator-$s.crt
done

"$FINCA" -d ca serve --listen 127.0.0.1:$port --tls-listen 127.0.0.1:$tport 2>serve.log &
pid=$!
trap 'kill $pid 2>/dev/null; cp serve.log /tmp/matrix-serve.log 2>/dev/null; rm -rf "$T"' EXIT
for _ in $(seq 50); do curl -sf $base/healthz >/dev/null && break; sleep 0.1; done

# call ACCOUNT METHOD PATH [JSON]: the HTTP status in ST, the answer in ./body.
# Administrators and operators log in first (certificate and password).
declare -A TOK
call() {
	local who=$1 m=$2 p=$3 d=${4-} a=(--cert $1.crt --key $1.key)
	[ -n "${TOK[$who]-}" ] && a+=(-H "Authorization: Bearer ${TOK[$who]}")
	[ -n "$d" ] && a+=(-H 'Content-Type: application/json' --data-binary "$d")
	ST=$(curl -s --cacert ca/ca/service.crt -o body -w '%{http_code}' -X "$m" "${a[@]}" "$api/$p")
}
for who in admin operator-A operator-B; do
	pw=$PW; [ $who = admin ] && pw=$ADMINPW
	call $who POST login "{\"password\":\"$pw\"}"
	TOK[$who]=$(jq -r .token body)
	[ ${#TOK[$who]} = 43 ] || echo "not ok - login $who: $(cat body)"
done
# must ACCOUNT METHOD PATH [JSON]: a setup call that has to succeed; prints the answer
must() {
	call "$@"
	case $ST in 2??) cat body ;; *) echo "not ok - setup: $* -> $ST" >&2; sed 's/^/#   /' body >&2 ;; esac
}

# --- persons, with certificates (issued from CSRs over the API) ---
csr p256 /CN=holder holder.csr
CSR=$(cat holder.csr)
# person SIDE: a new person of SIDE's unit, its resident ID number in PID
person() {
	person_id $1
	must officer-$1 POST persons "{\"id_number\":\"$PID\",\"name\":\"持证人\",\"unit\":\"${UNIT[$1]}\"}" >/dev/null
}
# cert SIDE ID: a valid personal certificate of person ID, its serial printed
cert() {
	must operator-$1 POST certs "$(jq -n --arg csr "$CSR" --arg id $2 --arg u ${UNIT[$1]} \
		'{profile:"personal", csr:$csr, subject:"CN=持证人", id_number:$id, unit_code:$u}')" |
		jq -r .serial
}
NPOOL=8     # fixtures per side and operation: 2 (admin, auditor) + 3 in + 3 out
declare -A P0 W PE PM POOLP POOLC POOLE
for s in A B; do
	person $s; P0[$s]=$PID; W[$s]=$(cert $s $PID)   # witnesses: seen in scope only
	person $s; PE[$s]=$PID                          # to edit
	person $s; PM[$s]=$PID                          # to move
	for i in $(seq $NPOOL); do
		person $s; POOLP[$s]+="$PID "
		POOLC[$s]+="$(cert $s $PID) "  # for freeze requests
		POOLE[$s]+="$(cert $s $PID) "  # for emergency freezes
	done
done

# --- request fixtures: one batch per side and state, moved on by batch ---
# batch SIDE TYPE: a batch of NPOOL requests (one per pool person), its id
batch() {
	local s=$1 type=$2 i=0 p c cs=(${POOLC[$s]}) r='['
	for p in ${POOLP[$s]}; do
		case $type in
		apply) r+="{\"type\":\"apply\",\"subject\":\"$p\",\"app\":\"${APP[$s]}\"}," ;;
		freeze) r+="{\"type\":\"freeze\",\"subject\":\"$p\",\"app\":\"${APP[$s]}\",\"cert_serial\":\"${cs[$i]}\"}," ;;
		authorize) r+="{\"type\":\"authorize\",\"subject\":\"$p\",\"app\":\"${APP[$s]}\",\"data\":{\"action\":\"grant\",\"roles\":\"录入\"}}," ;;
		esac
		i=$((i + 1))
	done
	must officer-$s POST batches "{\"requests\":${r%,}],\"source\":\"matrix\"}" | jq -r .batch
}
# move SIDE BATCH STEP...: each step by the account whose job it is
move() {
	local s=$1 b=$2 step who; shift 2
	for step; do
		case $step in submit) who=officer-$s ;; approve) who=approver-$s ;; *) who=operator-$s ;; esac
		must $who POST batches/$b/$step '{}' >/dev/null
	done
}
declare -A POOL BR RQ
ids() { must auditor GET "requests?batch=$1&limit=1000" | jq -r '[.items[].id] | join(" ")'; }
for s in A B; do
	BR[$s]=$(batch $s apply); RQ[$s]=$(ids ${BR[$s]} | cut -d' ' -f1)  # read only
	b=$(batch $s apply);                                          POOL[submit,$s]=$(ids $b)
	b=$(batch $s apply); move $s $b submit;                       POOL[withdraw,$s]=$(ids $b)
	b=$(batch $s apply); move $s $b submit;                       POOL[approve,$s]=$(ids $b)
	b=$(batch $s apply); move $s $b submit;                       POOL[reject,$s]=$(ids $b)
	b=$(batch $s apply); move $s $b submit approve;               POOL[accept,$s]=$(ids $b)
	b=$(batch $s freeze); move $s $b submit approve accept;       POOL[produce,$s]=$(ids $b)
	b=$(batch $s authorize); move $s $b submit approve accept produce; POOL[complete,$s]=$(ids $b)
	POOL[efreeze,$s]=${POOLE[$s]}
done
# take OP SIDE: the next unused fixture of OP on SIDE, in FIX
take() {
	local k=$1,$2
	FIX=${POOL[$k]%% *}; POOL[$k]=${POOL[$k]#"$FIX"}; POOL[$k]=${POOL[$k]# }
	[ -n "$FIX" ] || echo "# no fixture left for $k"
}

# --- the operations: op_NAME ACCOUNT SIDE (the fixture's side), one call ---
# A list sets SEES (a jq test of the answer, given $w) and WIT (the fixture's
# row): in scope the row is listed, out of scope it is hidden.
n=0 nn=40
op_list_units()     { SEES='[.items[].code] | index($w)'; WIT=${UNIT[$2]}; call $1 GET "units?limit=1000"; }
op_show_unit()      { call $1 GET units/${UNIT[$2]}; }
op_list_persons()   { SEES='[.items[].id_number] | index($w)'; WIT=${P0[$2]}; call $1 GET "persons?limit=1000"; }
op_show_person()    { call $1 GET persons/${P0[$2]}; }
op_add_person()     { person_id $2
	call $1 POST persons "{\"id_number\":\"$PID\",\"name\":\"新人\",\"unit\":\"${UNIT[$2]}\"}"; }
op_edit_person()    { n=$((n + 1)); call $1 PATCH persons/${PE[$2]} "{\"phone\":\"1390000$(printf %04d $n)\"}"; }
op_move_person()    { call $1 PATCH persons/${PM[$2]} "{\"unit\":\"${UNIT[${OTHER[$2]}]}\"}"; }
op_add_node()       { nn=$((nn + 1)); call $1 POST nodes \
	"{\"code\":\"${CITY[$2]:0:4}$nn\",\"name\":\"新县$n\",\"level\":\"county\",\"parent\":\"${CITY[$2]}\"}"; }
op_add_dept()       { n=$((n + 1)); call $1 POST depts "{\"code\":\"d$n\",\"name\":\"处$n\",\"node\":\"${CITY[$2]}\"}"; }
op_add_app()        { n=$((n + 1)); call $1 POST apps "{\"code\":\"a$n\",\"name\":\"系统$n\",\"dept\":\"${DEPT[$2]}\"}"; }
op_add_unit()       { n=$((n + 1)); call $1 POST units \
	"{\"code\":\"$(uscc 12${REGION[$2]}MB$(printf %07d $n))\",\"name\":\"新单位$n\",\"type\":\"事业单位\",\"node\":\"${NODE[$2]}\"}"; }
op_list_requests()  { SEES='[.items[].id] | index($w | tonumber)'; WIT=${RQ[$2]}; call $1 GET "requests?limit=1000"; }
op_show_request()   { call $1 GET requests/${RQ[$2]}; }
op_create_request() { call $1 POST requests "{\"type\":\"apply\",\"subject\":\"${P0[$2]}\",\"app\":\"${APP[$2]}\"}"; }
move1()             { take $2 $3; call $1 POST requests/$FIX/$2 "${4:-{\}}"; } # ACCOUNT OP SIDE [JSON]
op_submit()         { move1 $1 submit $2; }
op_withdraw()       { move1 $1 withdraw $2; }
op_approve()        { move1 $1 approve $2; }
op_reject()         { move1 $1 reject $2 '{"reason":"材料不全"}'; }
op_accept()         { move1 $1 accept $2; }
op_produce()        { move1 $1 produce $2; }
op_complete()       { move1 $1 complete $2; }
op_efreeze()        { take efreeze $2; call $1 POST emergency-freeze "{\"serial\":\"$FIX\",\"note\":\"遗失\"}"; }
op_forms()          { call $1 GET batches/${BR[$2]}/forms.pdf; }
op_expiring()       { SEES='[.items[].serial] | index($w)'; WIT=${W[$2]}; call $1 GET "expiring?days=3650&limit=1000"; }
op_account_list()   { call $1 GET accounts; }
op_account_add()    { n=$((n + 1)); call $1 POST accounts "$(jq -n --arg c "$(cat spare.crt)" --arg n new$n \
	'{name:$n, role:"auditor", certificate:$c}')"; }
op_audit_list()     { call $1 GET "audit?limit=5"; }

# --- what actor.c allows: per operation, admin auditor officer approver
# operator; a scoped role's cell is IN/OUT (its own side's fixture, the
# other's).  "hide": 200 without the other side's rows.  Status 2xx or 403.
MATRIX="
list_units      200 200 200/hide 200/hide 200/hide
show_unit       200 200 200/403  200/403  200/403
list_persons    200 200 200/hide 200/hide 200/hide
show_person     200 200 200/403  200/403  200/403
add_person      201 403 201/403  403/403  403/403
edit_person     200 403 200/403  403/403  403/403
move_person     200 403 403/403  403/403  403/403
add_node        201 403 403/403  403/403  403/403
add_dept        201 403 403/403  403/403  403/403
add_app         201 403 403/403  403/403  403/403
add_unit        201 403 403/403  403/403  403/403
list_requests   200 200 200/hide 200/hide 200/hide
show_request    200 200 200/403  200/403  200/403
create_request  403 403 201/403  403/403  403/403
submit          403 403 200/403  403/403  403/403
withdraw        403 403 200/403  403/403  403/403
approve         403 403 403/403  200/403  403/403
reject          403 403 403/403  200/403  403/403
accept          403 403 403/403  403/403  200/403
produce         403 403 403/403  403/403  200/403
complete        403 403 200/403  403/403  200/403
efreeze         403 403 201/403  403/403  403/403
forms           403 403 200/403  200/403  200/403
expiring        200 200 200/hide 403/403  200/hide
account_list    200 200 403/403  403/403  403/403
account_add     201 403 403/403  403/403  403/403
audit_list      403 200 403/403  403/403  403/403
"

# the store as a refused call must leave it: every table but the audit trail
TABLES="node dept app unit person device batch request request_event attachment
	access_grant cert status_log token token_event account"
fp() { for t in $TABLES; do sqlite3 ca/finca.db "SELECT * FROM $t ORDER BY 1"; done | md5sum; }
denied() { sqlite3 ca/finca.db "SELECT count(*) FROM audit WHERE action='auth.denied'"; }

# cell OP ACCOUNT SIDE WANT LABEL
cell() {
	local op=$1 who=$2 side=$3 want=$4 label=$5 got before d0 why=""
	SEES= WIT=
	if [ "$want" != 200 ] && [ "$want" != 201 ]; then before=$(fp); d0=$(denied); fi
	op_$op $who $side; got=$ST
	case $want in
	hide) [ "$got" = 200 ] || why="status $got"
	      [ -n "$why" ] || ! jq -e --arg w "$WIT" "$SEES != null" body >/dev/null ||
		why="the other side's $WIT is listed" ;;
	2??)  [ "$got" = "$want" ] || why="status $got"
	      [ -n "$why" ] || [ -z "$SEES" ] || jq -e --arg w "$WIT" "$SEES != null" body >/dev/null ||
		why="$WIT is not listed" ;;
	403)  [ "$got" = 403 ] || why="status $got"
	      [ "$(fp)" = "$before" ] || why="${why:+$why, }the store changed"
	      [ "$(denied)" -gt "$d0" ] || why="${why:+$why, }no auth.denied record" ;;
	esac
	if [ -z "$why" ]; then echo "ok - $who ${op//_/ } $label: $want"
	else echo "not ok - $who ${op//_/ } $label: $want ($why)"; sed 's/^/#   /' body | head -c 300; echo; fi
}

while read -r op admin auditor officer approver operator; do
	[ -n "$op" ] || continue
	for s in A B; do
		cell $op admin $s $admin "(side $s)"
		cell $op auditor $s $auditor "(side $s)"
	done
	for role in officer approver operator; do
		w=${!role}
		for s in A B; do
			cell $op $role-$s $s ${w%/*} in-scope
			cell $op $role-$s ${OTHER[$s]} ${w#*/} out-of-scope
		done
	done
done <<<"$MATRIX"

ok "the audit chain verifies" finca -d ca audit verify
