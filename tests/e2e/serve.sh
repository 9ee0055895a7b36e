#!/usr/bin/env bash
# finca serve on loopback, checked with openssl ocsp and curl: the URLs
# certificates carry answer, statuses change at once, bad input is refused,
# and SIGTERM stops it cleanly (the sanitizer build checks for leaks).
. "$(dirname "$0")/../lib.sh"

serve_ports 1
ok "init p256 with the daemon's URL" finca -d ca init --algo p256 --url $base
for n in good held revoked; do
	csr p256 "/CN=$n" $n.csr
	ok "issue $n" finca -d ca cert issue --profile device --csr $n.csr --out $n.pem
done
ok "freeze one" finca -d ca cert freeze "$(serial_of held.pem)"

serve_start --no-tls ca
ok "daemon answers /healthz" curl -sf $base/healthz

ocsp() { # ocsp CERT [extra openssl ocsp args]
	local c=$1; shift
	openssl ocsp -issuer ca/ca/issuing.crt -cert "$c" -url "$(openssl x509 -in "$c" -noout -ocsp_uri)" \
		-CAfile ca/ca/root.crt -verify_other ca/ca/issuing.crt "$@" 2>&1
}
same "AIA carries the daemon's OCSP URL" "$(openssl x509 -in good.pem -noout -ocsp_uri)" "$base/ocsp"
out=$(ocsp good.pem)
has "openssl ocsp: good" "good.pem: good" "$out"
has "openssl ocsp: the response verifies (delegated signer)" "Response verify OK" "$out"
has "openssl ocsp: frozen is revoked/certificateHold" "Reason: certificateHold" "$(ocsp held.pem)"
ok "revoke (CLI, another process)" finca -d ca cert revoke "$(serial_of revoked.pem)" --reason keyCompromise
has "openssl ocsp: revoked at once, with reason" "Reason: keyCompromise" "$(ocsp revoked.pem)"
ok "unfreeze" finca -d ca cert unfreeze "$(serial_of held.pem)"
has "openssl ocsp: unfrozen is good at once" "held.pem: good" "$(ocsp held.pem)"
has "nonce is echoed" "OCSP Nonce" "$(ocsp good.pem -resp_text)"
same "the signer's certificate is in the response once" \
	"$(ocsp good.pem -resp_text | grep -c 'BEGIN CERTIFICATE')" 1
has "without nonce too" "good.pem: good" "$(ocsp good.pem -no_nonce)"
two=$(ocsp good.pem -cert revoked.pem)
has "two certificates in one request: the first" "good.pem: good" "$two"
has "two certificates in one request: the second" "revoked.pem: revoked" "$two"

# a certificate this CA never issued, and another CA's certificate
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out o.key
openssl req -new -x509 -key o.key -subj /CN=other -days 10 -out other.pem
has "another issuer: unauthorized" "unauthorized" \
	"$(openssl ocsp -issuer other.pem -cert other.pem -url $base/ocsp -noverify 2>&1)"
openssl x509 -in good.pem -out fake.pem   # our issuer, unknown serial:
openssl x509 -x509toreq -in good.pem -key good.csr.key -out fake.csr 2>/dev/null
has "unknown serial: unknown" "unknown" \
	"$(openssl ocsp -issuer ca/ca/issuing.crt -serial 0x0123456789 -url $base/ocsp \
	   -CAfile ca/ca/root.crt -verify_other ca/ca/issuing.crt 2>&1)"

# GET (RFC 6960 A.1) with the request base64 in the URL
openssl ocsp -issuer ca/ca/issuing.crt -cert good.pem -no_nonce -reqout req.der
b64=$(base64 -w0 req.der | sed 's/+/%2B/g; s|/|%2F|g; s/=/%3D/g')
ok "GET /ocsp/{base64}" sh -c "curl -sf $base/ocsp/$b64 -o get.der &&
	openssl ocsp -respin get.der -issuer ca/ca/issuing.crt -cert good.pem \
	-CAfile ca/ca/root.crt -verify_other ca/ca/issuing.crt | grep -q 'good.pem: good'"

ok "GET with broken base64: malformedRequest" sh -c "curl -sf $base/ocsp/%21%21%21 -o badget.der &&
	openssl ocsp -respin badget.der -resp_text -noverify 2>&1 | grep -q malformedrequest"

# malformed requests get malformedRequest, never a crash
head -c 300 /dev/urandom >junk.der
ok "garbage body: malformedRequest" sh -c "curl -sf -H 'Content-Type: application/ocsp-request' \
	--data-binary @junk.der $base/ocsp -o bad.der &&
	openssl ocsp -respin bad.der -resp_text -noverify 2>&1 | grep -q malformedrequest"
same "wrong content type: 415" \
	"$(curl -s -o /dev/null -w '%{http_code}' --data-binary @req.der $base/ocsp)" 415
head -c 26000000 /dev/zero >big.bin
same "26 MB body (over body_max): 413" "$(curl -s -o /dev/null -w '%{http_code}' \
	-H 'Content-Type: application/ocsp-request' --data-binary @big.bin $base/ocsp)" 413

# the CRL at the CDP URL, and the CA certificate at caIssuers
cdp=$(openssl x509 -in good.pem -noout -ext crlDistributionPoints | grep -o 'http://[^ ]*')
ok "curl fetches the CRL from the CDP" curl -sf "$cdp" -o full.crl
ok "openssl crl verifies it" openssl crl -inform DER -in full.crl -noout -CAfile ca/ca/issuing.crt
has "the CRL lists the revoked one" "$(serial_of revoked.pem)" \
	"$(openssl crl -inform DER -in full.crl -noout -text | tr -d ' ')"
ok "delta CRL" sh -c "curl -sf $base/crl/issuing-delta.crl -o delta.crl &&
	openssl crl -inform DER -in delta.crl -noout -CAfile ca/ca/issuing.crt"
aia=$(openssl x509 -in good.pem -noout -ext authorityInfoAccess | grep -o 'CA Issuers - URI:[^ ]*' | cut -d: -f2-)
ok "caIssuers URL gives the issuing CA (DER)" sh -c "curl -sf $aia | openssl x509 -inform DER -noout -subject | grep -q 'Issuing CA'"

m=$(curl -sf $base/metrics)
has "metrics: OCSP cache hits" 'finca_ocsp_cache_total\{result="hit"\} [1-9]' "$m"
has "metrics: requests by route" 'finca_http_requests_total\{route="ocsp",status="2xx"\}' "$m"
has "metrics: certificates by status" 'finca_certificates\{status="revoked"\} 1' "$m"
has "request log line" "POST /ocsp 200 [0-9]+us" "$(cat serve.log)"

# robustness: silent and trickling clients do not stop the others
exec 3<>/dev/tcp/127.0.0.1/$port   # connects, sends nothing
( for i in 1 2 3 4 5; do printf 'G'; sleep 1; done ) >/dev/tcp/127.0.0.1/$port 2>/dev/null &
ok "served while a client idles and another trickles" curl -sf -m 2 $base/healthz
exec 3>&-
# 1,000 idle connections from one address, and a 10 MB upload from
# another, at once; OCSP from a third address is answered (one address
# holds at most [server] per_ip_connections: 128 by default, the others
# are closed at once and counted)
ulimit -n 4096
fds=()
for i in $(seq 1000); do exec {fd}<>/dev/tcp/127.0.0.1/$port && fds+=($fd); done
same "1000 idle connections opened" "${#fds[@]}" 1000
head -c 10000000 /dev/zero >ten.bin
curl -s -o /dev/null --interface 127.0.0.3 -H 'Content-Type: application/ocsp-request' \
	--data-binary @ten.bin $base/ocsp &
big=$!
openssl ocsp -issuer ca/ca/issuing.crt -cert good.pem -no_nonce -reqout idle-req.der >/dev/null
t0=$EPOCHREALTIME
curl -sf -m 5 --interface 127.0.0.2 -H 'Content-Type: application/ocsp-request' \
	--data-binary @idle-req.der -o idle-resp.der $base/ocsp
t1=$EPOCHREALTIME
has "OCSP answers during all that" "good.pem: good" "$(openssl ocsp -respin idle-resp.der -no_nonce \
	-issuer ca/ca/issuing.crt -cert good.pem -CAfile ca/ca/root.crt -verify_other ca/ca/issuing.crt 2>&1)"
same "within a second" "$(awk "BEGIN { print ($t1 - $t0) < 1.0 }")" 1
wait $big
same "the 10 MB upload is answered meanwhile" "$?" 0
has "connections over the per-address limit are refused and counted" \
	'finca_http_connections_refused_total (8[0-9][0-9]|9[0-9][0-9])$' \
	"$(curl -sf --interface 127.0.0.2 $base/metrics)"
for fd in "${fds[@]}"; do exec {fd}>&-; done

# SIGHUP: a broken configuration is refused, a good one is taken
cp ca/finca.conf conf.bak
echo "bogus = 1" >>ca/finca.conf
kill -HUP $pid; sleep 0.5
has "SIGHUP with a bad file keeps running" "keeping the running configuration" "$(cat serve.log)"
ok "still serving after a bad reload" curl -sf $base/healthz
cp conf.bak ca/finca.conf
sed -i 's/^renewal_days = 30$/renewal_days = 45/' ca/finca.conf
kill -HUP $pid; sleep 0.5
has "SIGHUP reloads" "configuration reloaded" "$(cat serve.log)"
has "the change is audited" "config.change" "$(finca -d ca audit list)"
has "OCSP after reload" "good.pem: good" "$(ocsp good.pem)"

serve_stop
same "SIGTERM: clean exit (no leak, no error)" "$?" 0
has "stop is logged" "finca: stopping" "$(cat serve.log)"
ok "audit verify (signer issuance and CRLs audited)" finca -d ca audit verify
has "OCSP signer issuance is audited" "ocsp.signer" "$(finca -d ca audit list)"
