#!/usr/bin/env bash
# Slow and abusive clients at the plain listener (issue 12, point 6), the
# bounded version of bench/slowloris: 300 connections from 127.0.0.1 trickle
# a byte a second for 12 s (reopened when closed) while a relying party at
# 127.0.0.2 asks OCSP every 200 ms: every answer comes, 95% within a second.
# The limits that make it so are each seen at work: the per-address limit
# closes connections at once, the request deadline closes tricklers that
# the idle timeout would keep, an honest slow upload is not cut, one slower
# than body_min_rate is.
. "$(dirname "$0")/../lib.sh"

S=$ROOT/bench/slowloris.py
serve_ports 1
ok "init p256" finca -d ca init --algo p256 --url $base
csr p256 /CN=relying-party dev.csr
ok "issue a device certificate" finca -d ca cert issue --profile device --csr dev.csr --out dev.pem
openssl ocsp -issuer ca/ca/issuing.crt -cert dev.pem -no_nonce -reqout req.der >/dev/null
# a deadline short enough to be seen several times in 12 s (default 20),
# and 100 connections per address (default 128)
printf '\n[server]\nrequest_timeout = 3\nper_ip_connections = 100\n' >>ca/finca.conf

serve_start --no-tls ca --quiet
ok "daemon answers /healthz" curl -sf $base/healthz

python3 "$S" trickle 127.0.0.1 $port --conns 300 --every 1 --seconds 12 >trickle.json &
tpid=$!
# honest and dishonest slow uploads from 127.0.0.3, meanwhile: 64,000
# bytes at 16,000 a second take 4 s, past the 3 s deadline, but each 8,192
# bytes add a second; 8,000 bytes at 1,000 a second earn one second, and
# are cut at 4 s
python3 "$S" slowpost 127.0.0.1 $port --size 64000 --rate 16000 >fastpost.txt &
fpid=$!
python3 "$S" slowpost 127.0.0.1 $port --size 8000 --rate 1000 >slowpost.txt &
spid=$!
sleep 2
probe=$(python3 "$S" probe 127.0.0.1 $port --req req.der --source 127.0.0.2 --every 0.2 --seconds 9)
wait $tpid $fpid $spid
echo "# probe: $probe"
echo "# trickle: $(cat trickle.json)"
val() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }
n=$(val "$probe" count)
[ "$n" -ge 30 ] && echo "ok - the relying party asked $n times" || echo "not ok - only $n OCSP requests sent"
same "every OCSP request answered during the flood" "$(val "$probe" ok)" "$n"
same "95% of them within a second" "$(val "$probe" share_1s | awk '{ print ($1 >= 0.95) }')" 1
closed=$(val "$(cat trickle.json)" closed_by_server)
[ "$closed" -ge 200 ] && echo "ok - the attacker saw $closed connections closed" ||
	echo "not ok - the attacker saw only $closed connections closed"
same "an upload at 16,000 bytes/s longer than the deadline is answered" "$(cat fastpost.txt)" 200
same "an upload slower than body_min_rate is cut at its deadline" "$(cat slowpost.txt)" 0

m=$(curl -sf --interface 127.0.0.2 $base/metrics)
refused=$(awk '/^finca_http_connections_refused_total/ { print $2 }' <<<"$m")
deadline=$(awk '/^finca_http_deadline_closed_total/ { print $2 }' <<<"$m")
[ "${refused:-0}" -ge 200 ] && echo "ok - the per-address limit refused $refused connections" ||
	echo "not ok - the per-address limit refused ${refused:-no} connections"
# 100 held connections, each closed 3 s after it opened, reopened, closed again ...
[ "${deadline:-0}" -ge 100 ] && echo "ok - the deadline closed $deadline tricklers (each held one at least once)" ||
	echo "not ok - the deadline closed ${deadline:-no} tricklers"
same "MHD's per-connection lines do not flood the log" \
	"$(grep -c "connection limit\|closed by remote side\|socket is closed" serve.log)" 0
ok "127.0.0.1 is served again once the flood stops" curl -sf -m 2 $base/healthz

serve_stop
same "SIGTERM: clean exit (no leak, no error)" "$?" 0
