#!/usr/bin/env bash
# The HTTPS listener (issue 12, points 7 and 9): TLS 1.2 with AEAD suites
# and TLS 1.3 only; TLS 1.0, TLS 1.1 and a CBC-SHA1 suite under TLS 1.2 are
# refused by finca (the same client commands succeed against a permissive
# openssl s_server, so the refusal is finca's); HSTS on every HTTPS answer
# and never on plain HTTP; nosniff on every answer; CRLs and CA
# certificates are downloads; a tls_priority GnuTLS rejects is named.
. "$(dirname "$0")/../lib.sh"

serve_ports 3; cport=$((port + 2))
ok "init p256" finca -d ca init --algo p256 --url $base
# a permissive TLS server: the control for the refused handshakes
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=control \
	-keyout control.key -out control.crt -days 1 2>/dev/null
openssl s_server -accept 127.0.0.1:$cport -cert control.crt -key control.key -www \
	-cipher 'ALL@SECLEVEL=0' >control.log 2>&1 &
cpid=$!
at_exit 'kill $cpid 2>/dev/null'
serve_start ca

# hello PORT ARGS...: the cipher a handshake agreed on, or NONE
hello() {
	local p=$1 c; shift
	c=$(echo | timeout 10 openssl s_client -connect 127.0.0.1:$p "$@" 2>&1 |
		sed -n 's/^New, [^,]*, Cipher is \(.*\)/\1/p' | head -1)
	[ -n "$c" ] && [ "$c" != "(NONE)" ] && echo "$c" || echo NONE
}
for v in "TLS 1.0|-tls1 -cipher DEFAULT@SECLEVEL=0" "TLS 1.1|-tls1_1 -cipher DEFAULT@SECLEVEL=0" \
	 "TLS 1.2 with CBC-SHA1|-tls1_2 -cipher ECDHE-ECDSA-AES128-SHA@SECLEVEL=0" \
	 "TLS 1.2 with CBC-SHA384|-tls1_2 -cipher ECDHE-ECDSA-AES256-SHA384"; do
	name=${v%%|*}; read -r -a args <<<"${v#*|}"
	c=$(hello $cport "${args[@]}")
	[ -n "$c" ] && [ "$c" != NONE ] && echo "ok - the control server speaks $name ($c)" ||
		echo "not ok - the control server does not speak $name: the check below proves nothing"
	same "finca refuses $name" "$(hello $tport "${args[@]}")" NONE
done
same "TLS 1.2 with AES-128-GCM" "$(hello $tport -tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256)" \
	ECDHE-ECDSA-AES128-GCM-SHA256
same "TLS 1.2 with AES-256-GCM" "$(hello $tport -tls1_2 -cipher ECDHE-ECDSA-AES256-GCM-SHA384)" \
	ECDHE-ECDSA-AES256-GCM-SHA384
has "TLS 1.3" "^TLS_(AES_256_GCM_SHA384|AES_128_GCM_SHA256|CHACHA20_POLY1305_SHA256)$" \
	"$(hello $tport -tls1_3)"

C="curl -s --cacert ca/ca/service.crt -D - -o /dev/null"
has "HSTS on an HTTPS answer" "^Strict-Transport-Security: max-age=31536000" \
	"$($C https://127.0.0.1:$tport/healthz | tr -d '\r')"
has "HSTS on an API refusal" "^Strict-Transport-Security: max-age=" \
	"$($C https://127.0.0.1:$tport/api/v1/whoami | tr -d '\r')"
has "HSTS on the console" "^Strict-Transport-Security: max-age=" \
	"$($C https://127.0.0.1:$tport/ui/ | tr -d '\r')"
h=$($C $base/healthz | tr -d '\r')
same "no HSTS over plain HTTP (RFC 6797 7.2)" "$(grep -ci '^Strict-Transport-Security' <<<"$h")" 0
has "nosniff on a plain answer" "^X-Content-Type-Options: nosniff" "$h"
has "nosniff on a 404" "^X-Content-Type-Options: nosniff" "$($C $base/nothing | tr -d '\r')"
has "nosniff on an HTTPS answer" "^X-Content-Type-Options: nosniff" \
	"$($C https://127.0.0.1:$tport/api/v1/whoami | tr -d '\r')"
same "nosniff once on a console answer" \
	"$($C https://127.0.0.1:$tport/ui/ | grep -ci '^X-Content-Type-Options')" 1
has "the CRL is a download" '^Content-Disposition: attachment; filename="issuing.crl"' \
	"$($C $base/crl/issuing.crl | tr -d '\r')"
has "the CA certificate is a download" '^Content-Disposition: attachment; filename="root.crt"' \
	"$($C $base/ca/root.crt | tr -d '\r')"
same "an OCSP answer is not a download" \
	"$($C $base/ocsp/MA%3D%3D | grep -ci '^Content-Disposition')" 0

serve_stop
same "SIGTERM: clean exit (no leak, no error)" "$?" 0

# a priority string GnuTLS rejects stops the daemon before it listens
printf '\n[server]\ntls_priority = NORMAL:+NO-SUCH-THING\n' >>ca/finca.conf
fails "a bad tls_priority is named" "tls_priority.*NO-SUCH-THING" \
	"$FINCA" -d ca serve --listen 127.0.0.1:$port --tls-listen 127.0.0.1:$tport
