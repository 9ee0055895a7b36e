#!/usr/bin/env bash
# TLCP (GB/T 38636, the Chinese TLS; issue 16 item 3): finca serve answers
# its public HTTP paths (OCSP, CRLs, CA certificates) over TLCP with a
# server pair made by `finca cert issue --profile server --genkey --dual`.
# The client is tests/e2e/tlcp_client.py (python3-cryptography's SM3 and
# SM4, openssl's SM2), written from the standard; openssl checks what
# comes through it.  A client without ECC_SM4_CBC_SM3, of another version
# or with a wrong Finished is refused with an alert, and the listener
# goes on serving.
. "$(dirname "$0")/../lib.sh"

client() { /usr/bin/python3 "$ROOT/tests/e2e/tlcp_client.py" 127.0.0.1 $gport "$@"; }

serve_ports 3
gport=$((port + 2))
ok "init sm2" finca -d ca init --name 福建省财政 --url $base
export FINCA_KEY_PASSPHRASE=server-key-pass
out=$(finca -d ca cert issue --profile server --genkey --dual --subject /CN=ocsp.czt.test \
	--out ca/tlcp.pem 2>&1)
has "a server pair under an SM2 CA" "issued a dual pair" "$out"
cat >>ca/finca.conf <<EOF
[tlcp]
listen = 127.0.0.1:$gport
sign_cert = tlcp.pem
sign_key = tlcp.pem.key
enc_cert = tlcp-enc.pem
enc_envelope = tlcp-enc.env
EOF

# the configuration is checked before anything listens
serve_bad() { timeout 20 "$FINCA" -d ca serve --listen 127.0.0.1:$port --tls-listen "" "$@"; }
FINCA_TLCP_KEY_PASSPHRASE=wrong-pass fails "a wrong key passphrase stops serve, naming sign_key" \
	"sign_key.*FINCA_TLCP_KEY_PASSPHRASE" serve_bad
finca -d ca cert issue --profile server --genkey --dual --subject /CN=other.czt.test \
	--out ca/other.pem >/dev/null 2>&1
cp ca/finca.conf ca/finca.conf.good
sed -i 's/^enc_envelope = .*/enc_envelope =/' ca/finca.conf
fails "an incomplete [tlcp] is a configuration error" "\\[tlcp\\]: a TLCP listener needs" serve_bad
sed -i 's/^listen = .*/listen =/' ca/finca.conf
LANG=zh_CN.UTF-8 fails "--tlcp-listen with an incomplete [tlcp]: refused, in Chinese" \
	"TLCP监听须配置sign_cert、sign_key、enc_cert和enc_envelope" serve_bad --tlcp-listen 127.0.0.1:$gport
cp ca/finca.conf.good ca/finca.conf
sed -i 's/^enc_cert = .*/enc_cert = other-enc.pem/' ca/finca.conf
FINCA_TLCP_KEY_PASSPHRASE=server-key-pass fails \
	"another pair's encryption certificate is refused" "not its certificate's" serve_bad
cp ca/finca.conf.good ca/finca.conf

export FINCA_TLCP_KEY_PASSPHRASE=server-key-pass
serve_start ca || { echo "not ok - serve with [tlcp]"; exit 1; }

# a whole handshake, then HTTP inside
same "GET /healthz over TLCP" "$(client --certs got --get /healthz 2>/dev/null)" ok
has "serve says it serves TLCP" "serving TLCP on 127.0.0.1:$gport" "$(cat "$SERVE_LOG")"
same "the signing certificate first" "$(openssl x509 -in got/sign.pem -noout -fingerprint)" \
	"$(openssl x509 -in ca/tlcp.pem -noout -fingerprint)"
same "the encryption certificate second" "$(openssl x509 -in got/enc.pem -noout -fingerprint)" \
	"$(openssl x509 -in ca/tlcp-enc.pem -noout -fingerprint)"
same "then the issuing CA certificate" "$(openssl x509 -in got/chain.pem -noout -fingerprint)" \
	"$(openssl x509 -in ca/ca/issuing.crt -noout -fingerprint)"
ok "openssl verifies both (SM2 ID)" openssl verify -partial_chain -vfyopt distid:$DISTID \
	-CAfile got/chain.pem got/sign.pem got/enc.pem
has "no BasicConstraints on the server's certificates (GM TLS stacks)" "^$" \
	"$(openssl x509 -in got/sign.pem -noout -ext basicConstraints 2>/dev/null)"

client --get /crl/issuing.crl >crl.der 2>/dev/null
ok "the CRL over TLCP verifies (openssl crl)" openssl crl -inform DER -in crl.der -noout \
	-CAfile ca/ca/issuing.crt
client --get /ca/issuing.crt >issuing.der 2>/dev/null
same "the issuing CA certificate over TLCP" \
	"$(openssl x509 -inform DER -in issuing.der -noout -fingerprint 2>&1)" \
	"$(openssl x509 -in ca/ca/issuing.crt -noout -fingerprint)"

# OCSP by GET (RFC 6960 A.1) over TLCP: the server pair's own status
# (-noverify: OpenSSL 3.0's ocsp command cannot give SM2 its ID)
openssl ocsp -issuer ca/ca/issuing.crt -cert ca/tlcp.pem -no_nonce -reqout req.der >/dev/null 2>&1
q=$(base64 -w0 req.der | sed 's/+/%2B/g; s/\//%2F/g; s/=/%3D/g')
client --get "/ocsp/$q" >resp.der 2>/dev/null
has "OCSP over TLCP: the server certificate is good" "tlcp.pem: good" \
	"$(openssl ocsp -respin resp.der -issuer ca/ca/issuing.crt -cert ca/tlcp.pem -noverify 2>&1)"

# refusals: each with its alert, and the listener keeps serving
out=$(client --suite c02f,002f 2>&1)
has "no ECC_SM4_CBC_SM3 offered: handshake_failure (40)" "^alert 40$" "$out"
out=$(client --version 0303 2>&1)
has "TLS 1.2's version: protocol_version (70)" "^alert 70$" "$out"
out=$(client --bad-finished 2>&1)
has "a wrong client Finished: decrypt_error (51)" "^alert 51$" "$out"
has "the server says why" "client's Finished is wrong" "$(cat "$SERVE_LOG")"
printf 'GET / HTTP/1.1\r\n\r\n' | timeout 5 bash -c "cat >/dev/tcp/127.0.0.1/$gport" 2>/dev/null
same "after plain HTTP on the TLCP port, a good client still gets through" \
	"$(client 2>/dev/null)" ok

# several clients at once
pids=()
for i in 1 2 3 4 5 6; do client >par$i.out 2>&1 & pids+=($!); done
wait "${pids[@]}"
same "six clients at once" "$(cat par*.out | grep -c '^ok')" 6

# revoke the server pair: OCSP over TLCP says so for both halves
ok "revoke the server pair" finca -d ca cert revoke "$(serial_of ca/tlcp.pem)" --reason keyCompromise
openssl ocsp -issuer ca/ca/issuing.crt -cert ca/tlcp-enc.pem -no_nonce -reqout req2.der >/dev/null 2>&1
q=$(base64 -w0 req2.der | sed 's/+/%2B/g; s/\//%2F/g; s/=/%3D/g')
client --get "/ocsp/$q" >resp2.der 2>/dev/null
has "OCSP over TLCP: the encryption half revoked with it" "tlcp-enc.pem: revoked" \
	"$(openssl ocsp -respin resp2.der -issuer ca/ca/issuing.crt -cert ca/tlcp-enc.pem -noverify 2>&1)"

# a kept-alive relay and a connection that never says hello (30 s for
# its handshake) do not hold the stop: the TLCP connections end first
client --hold 60 >held.out 2>held.err &
hpid=$!
for ((i = 0; i < 100; i++)); do [ -s held.out ] && break; sleep 0.1; done
same "a kept-alive connection over TLCP" "$(cat held.out)" ok
exec 7<>/dev/tcp/127.0.0.1/$gport
start=$(date +%s)
serve_stop; rc=$?
same "serve stops cleanly with a TLCP connection open" "$rc" 0
[ $rc = 0 ] || tail -30 "$SERVE_LOG" | sed 's/^/#   /'
has "and at once" "^[0-5]$" "$(($(date +%s) - start))"
exec 7<&-
wait $hpid
has "the kept-alive client was told" "the server closed the connection" "$(cat held.err)"
