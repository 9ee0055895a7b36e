#!/bin/sh
# 'make run': creates a demo data directory when there is none, then starts
# finca serve in the foreground (Ctrl-C stops it).
set -eu
dir=${1:-demo-data}
F=./build/finca
export FINCA_PASSPHRASE=${FINCA_PASSPHRASE:-demo-passphrase}
if [ ! -f "$dir/finca.db" ]; then
	echo "creating a demo CA in $dir (SM2; CA passphrase: $FINCA_PASSPHRASE)"
	$F -d "$dir" init --name "福建省财政厅演示" --url http://127.0.0.1:8080 | tee "$dir.init.txt"
	FINCA_KEY_PASSPHRASE=demo-device-key $F -d "$dir" cert issue --profile device \
		--genkey --subject "C=CN, O=福建省财政厅, CN=demo-gateway" --out "$dir/demo-gateway.pem"
	# the Fujian node: nodes, departments, systems, units, persons, and one
	# account per role with its TLS client certificate in $dir/demo
	seed=$($F -d "$dir" demo seed)
	echo "$seed" | tee -a "$dir.init.txt"
	echo "(the administrator's and the demo accounts' passwords are also kept in $dir.init.txt for this demo)"
fi
$F -d "$dir" ca show
echo
cat <<EOT
finca serves:
  http://127.0.0.1:8080/ocsp                OCSP (try: openssl ocsp -issuer $dir/ca/issuing.crt -cert $dir/demo-gateway.pem -url http://127.0.0.1:8080/ocsp -noverify)
  http://127.0.0.1:8080/crl/issuing.crl     CRL
  http://127.0.0.1:8080/metrics             metrics
  https://127.0.0.1:8443/api/v1/            JSON API (docs/openapi.yaml), e.g.
    openssl pkey -in $dir/admin.key -out /tmp/admin.pem   (password: see above)
    curl --cacert $dir/ca/service.crt --cert $dir/admin.crt --key /tmp/admin.pem \\
         -d '{"password":"…"}' https://127.0.0.1:8443/api/v1/login
  demo accounts (finca demo seed; certificates and keys in $dir/demo), e.g.
    curl --cacert $dir/ca/service.crt --cert $dir/demo/auditor.crt --key $dir/demo/auditor.key \\
         https://127.0.0.1:8443/api/v1/certs
    curl --cacert $dir/ca/service.crt --cert $dir/demo/op-province.crt --key $dir/demo/op-province.key \\
         -d '{"password":"Demo-operator-2026"}' https://127.0.0.1:8443/api/v1/login
EOT
exec $F -d "$dir" serve
