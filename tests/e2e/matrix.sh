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
# other's (out-of-scope); the administrator and the auditor, who have no
# scope, act on side A's.  Lists are not refused: out of scope, the other
# side's rows are hidden.  A refused call must change nothing (the store's
# tables, the audit trail aside) and add an auth.denied audit record.
# Fixtures are made at the command line and through the calls the matrix
# does not test (POST /batches, POST /certs).
. "$(dirname "$0")/../lib.sh"

seq_n=100
person_id() { seq_n=$((seq_n + 1)); PID=$(rid "${REGION[$1]}19900101$seq_n"); } # SIDE -> PID

out=$(finca -d ca init --algo p256 --url http://127.0.0.1:8080) || echo "not ok - init: $out"
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
	setup env FINCA_NEW_PASSWORD=$PW "$FINCA" -d ca --as admin account add operator-$s \
		--role operator --scope ${CITY[$s]} --cert operator-$s.crt
done

# the daemon, on free ports (another test may hold the first ones tried)
serve_start ca

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

# --- persons (command line), with certificates (from CSRs, over the API) ---
csr p256 /CN=holder holder.csr
CSR=$(cat holder.csr)
# person SIDE: a new person of SIDE's unit (by its officer, at the command
# line), its resident ID number in PID
person() {
	person_id $1
	setup A officer-$1 person add --id-number $PID --name 持证人 --unit ${UNIT[$1]}
}
# cert SIDE ID: a valid personal certificate of person ID, its serial printed
cert() {
	must operator-$1 POST certs "$(jq -n --arg csr "$CSR" --arg id $2 --arg u ${UNIT[$1]} \
		'{profile:"personal", csr:$csr, subject:"CN=持证人", id_number:$id, unit_code:$u}')" |
		jq -r .serial
}
NPOOL=8     # fixtures per side and operation: admin, auditor, 3 in scope, 3 out
declare -A P0 W PE POOLP POOLC POOL
# fresh SIDE N: N new persons of SIDE, with no certificate and no request,
# in FRESH.  An apply is refused for someone who has either (ra/duplicate.c),
# so every apply gets its own; made here, in the test's shell, never inside
# $(...), where person_id's counter would be lost and IDs repeat.
fresh() { FRESH=; for _ in $(seq $2); do person $1; FRESH+="$PID "; done; }
for s in A B; do
	person $s; P0[$s]=$PID; W[$s]=$(cert $s $PID)   # witnesses: seen in scope only
	person $s; PE[$s]=$PID                          # to edit
	for i in $(seq $NPOOL); do person $s; POOL[move,$s]+="$PID "; done
	fresh $s $NPOOL; POOL[create,$s]=$FRESH        # to apply for
	for i in $(seq $NPOOL); do
		person $s; POOLP[$s]+="$PID "
		POOLC[$s]+="$(cert $s $PID) "                  # for freeze requests
		POOL[emergency_freeze,$s]+="$(cert $s $PID) "  # for emergency freezes
		POOL[cert_freeze,$s]+="$(cert $s $PID) "       # for the CA's API
	done
done

# --- request fixtures: one batch per side and state (over the API), moved on
# at the command line by whose job each step is ---
# batch SIDE TYPE [PERSON]: a batch of requests, one per pool person (or for
# PERSON alone), its id
batch() {
	local s=$1 type=$2 i=0 p r='['
	local cs=(${POOLC[$1]})
	for p in ${3:-${POOLP[$s]}}; do
		case $type in
		apply) r+="{\"type\":\"apply\",\"subject\":\"$p\",\"app\":\"${APP[$s]}\"}," ;;
		freeze) r+="{\"type\":\"freeze\",\"subject\":\"$p\",\"app\":\"${APP[$s]}\",\"cert_serial\":\"${cs[$i]}\"}," ;;
		authorize) r+="{\"type\":\"authorize\",\"subject\":\"$p\",\"app\":\"${APP[$s]}\",\"data\":{\"action\":\"grant\",\"roles\":\"录入\"}}," ;;
		esac
		i=$((i + 1))
	done
	b=$(must officer-$s POST batches "{\"requests\":${r%,}],\"source\":\"matrix\"}" | jq -r .batch)
	# its stamped paper (art. 19), so that it can be approved
	must officer-$s POST batches/$b/attachments \
		"{\"name\":\"盖章扫描件.pdf\",\"data\":\"$(base64 -w0 scan.pdf)\"}" >/dev/null
	echo $b
}
printf '%%PDF-1.4\n%% a stamped scan\n%%%%EOF\n' >scan.pdf
# move SIDE BATCH STEP...
move() {
	local s=$1 b=$2 step; shift 2
	for step; do
		case $step in
		submit) setup A officer-$s batch submit $b ;;
		approve) setup A approver-$s batch approve $b ;;
		*) setup env FINCA_ACCOUNT_PASSWORD=$PW "$FINCA" -d ca --as operator-$s batch $step $b ;;
		esac
	done
}
declare -A BR RQ PR
ids() { sqlite3 ca/finca.db "SELECT group_concat(id, ' ') FROM (SELECT id FROM request WHERE batch=$1 ORDER BY id)"; }
for s in A B; do
	fresh $s 1; PR[$s]=${FRESH% }                 # with a request: seen by approvers too
	# read only; submitted, for a draft is its unit's alone (the making
	# node and the approving department see requests from submission on)
	BR[$s]=$(batch $s apply ${PR[$s]}); RQ[$s]=$(ids ${BR[$s]}); move $s ${BR[$s]} submit
	fresh $s $NPOOL; b=$(batch $s apply "$FRESH");                 POOL[submit,$s]=$(ids $b)
	fresh $s $NPOOL; b=$(batch $s apply "$FRESH"); move $s $b submit; POOL[withdraw,$s]=$(ids $b)
	fresh $s $NPOOL; b=$(batch $s apply "$FRESH"); move $s $b submit; POOL[approve,$s]=$(ids $b)
	fresh $s $NPOOL; b=$(batch $s apply "$FRESH"); move $s $b submit; POOL[reject,$s]=$(ids $b)
	fresh $s $NPOOL; b=$(batch $s apply "$FRESH"); move $s $b submit approve
	POOL[accept,$s]=$(ids $b)
	b=$(batch $s freeze); move $s $b submit approve accept;       POOL[produce,$s]=$(ids $b)
	b=$(batch $s authorize); move $s $b submit approve accept produce; POOL[complete,$s]=$(ids $b)
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
n=0 nn=40 FP=
op_list_units()     { SEES='[.items[].code] | index($w)'; WIT=${UNIT[$2]}; call $1 GET "units?limit=1000"; }
op_show_unit()      { call $1 GET units/${UNIT[$2]}; }
op_list_persons()   { SEES='[.items[].id_number] | index($w)'; WIT=${PR[$2]}; call $1 GET "persons?limit=1000"; }
op_show_person()    { call $1 GET persons/${PR[$2]}; }
op_add_person()     { person_id $2
	call $1 POST persons "{\"id_number\":\"$PID\",\"name\":\"新人\",\"unit\":\"${UNIT[$2]}\"}"; }
op_edit_person()    { n=$((n + 1)); call $1 PATCH persons/${PE[$2]} "{\"phone\":\"1390000$(printf %04d $n)\"}"; }
op_move_person()    { take move $2; call $1 PATCH persons/$FIX "{\"unit\":\"${UNIT[${OTHER[$2]}]}\"}"; }
op_add_node()       { nn=$((nn + 1)); call $1 POST nodes \
	"{\"code\":\"${CITY[$2]:0:4}$nn\",\"name\":\"新县$nn\",\"level\":\"county\",\"parent\":\"${CITY[$2]}\"}"; }
op_add_dept()       { n=$((n + 1)); call $1 POST depts "{\"code\":\"d$n\",\"name\":\"处$n\",\"node\":\"${CITY[$2]}\"}"; }
op_add_app()        { n=$((n + 1)); call $1 POST apps "{\"code\":\"a$n\",\"name\":\"系统$n\",\"dept\":\"${DEPT[$2]}\"}"; }
op_add_unit()       { n=$((n + 1)); call $1 POST units \
	"{\"code\":\"$(uscc 12${REGION[$2]}MB$(printf %07d $n))\",\"name\":\"新单位$n\",\"type\":\"事业单位\",\"node\":\"${NODE[$2]}\"}"; }
op_list_requests()  { SEES='[.items[].id] | index($w | tonumber)'; WIT=${RQ[$2]}; call $1 GET "requests?limit=1000"; }
op_show_request()   { call $1 GET requests/${RQ[$2]}; }
op_create_request() { take create $2
	call $1 POST requests "{\"type\":\"apply\",\"subject\":\"$FIX\",\"app\":\"${APP[$2]}\"}"; }
act()               { take $2 $3; call $1 POST requests/$FIX/$2 "${4:-{\}}"; } # ACCOUNT OP SIDE [JSON]
op_submit()         { act $1 submit $2; }
op_withdraw()       { act $1 withdraw $2; }
op_approve()        { act $1 approve $2; }
op_reject()         { act $1 reject $2 '{"reason":"材料不全"}'; }
op_accept()         { act $1 accept $2; }
op_produce()        { act $1 produce $2; }   # a freeze: no USBKey
op_complete()       { act $1 complete $2; }  # an access grant: nothing to hand over
op_emergency_freeze() { take emergency_freeze $2
	call $1 POST emergency-freeze "{\"serial\":\"$FIX\",\"note\":\"遗失\"}"; }
op_batch_forms()    { call $1 GET batches/${BR[$2]}/forms.pdf; }
op_list_expiring()  { SEES='[.items[].serial] | index($w)'; WIT=${W[$2]}; call $1 GET "expiring?days=3650&limit=1000"; }
op_account_list()   { call $1 GET accounts; }
op_account_add()    { n=$((n + 1)); call $1 POST accounts "$(jq -n --arg c "$(cat spare.crt)" --arg n new$n \
	'{name:$n, role:"auditor", certificate:$c}')"; }
op_audit_list()     { call $1 GET "audit?limit=5"; }
op_list_certs()     { SEES='[.certificates[].serial] | index($w)'; WIT=${W[$2]}; call $1 GET "certs?limit=1000"; }
op_cert_freeze()    { take cert_freeze $2; call $1 POST certs/$FIX/freeze; }
op_show_cert()      { call $1 GET certs/${W[$2]}; }
op_cert_envelope()  { call $1 GET certs/${W[$2]}/envelope; } # a P-256 CA: no pair, 404 in scope
op_dashboard()      { call $1 GET dashboard; }

# --- what actor.c allows: per operation, the administrator, the auditor and
# the officers, approvers and operators.  A scoped cell is IN/OUT: on its own
# side's fixture, on the other side's; a single value: scope does not apply.
# "hide": 200, and the other side's rows are not in the list.
MATRIX="
#                   admin auditor officer   approver  operator
list_units          200   200     200/hide  200/hide  200/hide
show_unit           200   200     200/403   200/403   200/403
list_persons        200   200     200/hide  200/hide  200/hide
show_person         200   200     200/403   200/403   200/403
add_person          201   403     201/403   403/403   403/403
edit_person         200   403     200/403   403/403   403/403
move_person         200   403     403/403   403/403   403/403
add_node            201   403     403/403   403/403   403/403
add_dept            201   403     403/403   403/403   403/403
add_app             201   403     403/403   403/403   403/403
add_unit            201   403     403/403   403/403   403/403
list_requests       200   200     200/hide  200/hide  200/hide
show_request        200   200     200/403   200/403   200/403
create_request      403   403     201/403   403/403   403/403
submit              403   403     200/403   403/403   403/403
withdraw            403   403     200/403   403/403   403/403
approve             403   403     403/403   200/403   403/403
reject              403   403     403/403   200/403   403/403
accept              403   403     403/403   403/403   200/403
produce             403   403     403/403   403/403   200/403
complete            403   403     200/403   403/403   200/403
emergency_freeze    403   403     201/403   403/403   403/403
batch_forms         403   403     200/403   200/403   200/403
list_expiring       200   200     200/hide  403/403   200/hide
account_list        200   200     403       403       403
account_add         201   403     403       403       403
audit_list          403   200     403       403       403
# the CA's certificate API (the same table) under the same scope rule: an
# operator acts for its node and the counties it serves; an officer reads
# its unit's certificates (the console's unit page)
list_certs          200   200     200/hide  403       200/hide
show_cert           200   200     200/403   403       200/403
cert_freeze         403   403     403       403       200/403
cert_envelope       403   403     403/403   403/403   404/403
dashboard           200   200     200       200       200
"

# snap: the store as a refused call must leave it (FP: every table but the
# audit trail; certificates by their status) and the number of auth.denied
# audit records (DENIED)
SNAP="SELECT count(*) FROM audit WHERE action='auth.denied';
SELECT id, serial, status, reason, revoked_at, superseded_by FROM cert ORDER BY id;"
for t in node dept app unit person device batch request request_event \
	access_grant token_event account; do SNAP+="SELECT * FROM $t ORDER BY id;"; done
SNAP+="SELECT * FROM status_log ORDER BY seq;
SELECT id, batch, name, sha256 FROM attachment ORDER BY id;
SELECT id, serial, state, holder, cert_serial, pending_serial FROM token ORDER BY id;"
snap() {
	local out; out=$(sqlite3 ca/finca.db "$SNAP")
	DENIED=${out%%$'\n'*} FP=${out#*$'\n'}
}

# cell OP ACCOUNT SIDE WANT [LABEL]
cell() {
	local op=$1 who=$2 side=$3 want=$4 name="$2 ${1//_/ }${5:+ $5}" got before d0 why=""
	SEES='' WIT=''
	# a refusal's "after" is the next one's "before"; anything else may change
	# the store
	if [ "$want" = 403 ]; then [ -n "$FP" ] || snap; before=$FP d0=$DENIED; else FP=; fi
	op_$op $who $side; got=$ST
	case $want in
	hide) [ "$got" = 200 ] || why="status $got"
	      [ -n "$why" ] || ! jq -e --arg w "$WIT" "$SEES != null" body >/dev/null ||
		why="the other side's $WIT is listed" ;;
	2??)  [ "$got" = "$want" ] || why="status $got"
	      [ -n "$why" ] || [ -z "$SEES" ] || jq -e --arg w "$WIT" "$SEES != null" body >/dev/null ||
		why="$WIT is not listed" ;;
	404)  [ "$got" = 404 ] || why="status $got" ;;
	403)  [ "$got" = 403 ] || why="status $got"
	      snap
	      [ "$FP" = "$before" ] || why="${why:+$why, }the store changed"
	      [ "$DENIED" -gt "$d0" ] || why="${why:+$why, }no auth.denied record" ;;
	esac
	[ $want = hide ] && want="200, the other side's rows hidden"
	if [ -z "$why" ]; then echo "ok - $name: $want"
	else echo "not ok - $name: $want ($why)"
		{ head -c 300 body; echo; } | sed '/^$/d; s/^/#   /'; fi
}

while read -r op admin auditor officer approver operator; do
	case $op in '' | '#'*) continue ;; esac
	cell $op admin A $admin
	cell $op auditor A $auditor
	for role in officer approver operator; do
		want=${!role}
		for s in A B; do
			case $want in
			*/*) cell $op $role-$s $s ${want%/*} in-scope
			     cell $op $role-$s ${OTHER[$s]} ${want#*/} out-of-scope ;;
			*)   cell $op $role-$s $s $want ;;
			esac
		done
	done
done <<<"$MATRIX"

# --- what the server says each caller may do (ra/moves.c: moves[] and
# reqtype.c); the console shows exactly these buttons ---
# sees ACCOUNT ID WANT: the request's actions as ACCOUNT sees them
sees() {
	call $1 GET requests/$2
	same "$1 on a request $(jq -r .state body): actions [$3]" \
		"$(jq -r '(.actions // ["none"]) | join(" ")' body)" "$3"
}
fresh A 1; b=$(batch A apply $FRESH); r=$(ids $b)
sees officer-A $r "submit withdraw"; sees approver-A $r ""; sees operator-A $r ""
move A $b submit
sees officer-A $r "withdraw"; sees approver-A $r "approve reject"; sees operator-A $r ""
move A $b approve accept
sees operator-A $r ""; sees officer-A $r ""; sees approver-A $r ""
call operator-A GET requests/$r
same "a person's key is made at the token station" \
	"$(jq -r '[.at_station, .handover_due, .old_token_due, .station_command] | join(" ")' body)" \
	"true true false finca token enroll --request $r"
b=$(must officer-A POST batches "{\"requests\":[{\"type\":\"freeze\",\"subject\":\"${P0[A]}\",\
\"app\":\"${APP[A]}\",\"cert_serial\":\"${W[A]}\"}]}" | jq -r .batch)
must officer-A POST batches/$b/attachments \
	"{\"name\":\"scan.pdf\",\"data\":\"$(base64 -w0 scan.pdf)\"}" >/dev/null
r=$(ids $b); move A $b submit approve accept
sees operator-A $r "produce"; sees officer-A $r ""
move A $b produce
sees operator-A $r "complete"; sees officer-A $r "complete"; sees approver-A $r ""

ok "the daemon is still up" kill -0 $pid
serve_stop
rc=$?; same "the daemon stops cleanly (under the sanitizers: nothing leaked)" $rc 0
[ $rc = 0 ] || grep -A12 -m3 'ERROR: \|SUMMARY' serve.log | sed 's/^/#   /'
ok "the audit chain verifies" finca -d ca audit verify
