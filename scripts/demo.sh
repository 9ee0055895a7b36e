#!/bin/sh
# 'make run': creates a demo data directory when there is none, then starts
# finca serve in the foreground (Ctrl-C stops it).
set -eu
dir=${1:-demo-data}
F=./build/finca
# the ports: FINCA_DEMO_PORTS="HTTP HTTPS AGENT" (tests run the demo on others)
set -- ${FINCA_DEMO_PORTS:-8080 8443 8765}
H=$1 S=$2 G=$3
export FINCA_PASSPHRASE=${FINCA_PASSPHRASE:-demo-passphrase}
if [ ! -f "$dir/finca.db" ]; then
	echo "creating a demo CA in $dir (SM2; CA passphrase: $FINCA_PASSPHRASE)"
	$F -d "$dir" init --name "福建省财政厅演示" --url http://127.0.0.1:$H | tee "$dir.init.txt"
	printf '\n[console]\nagent = http://127.0.0.1:%s\n' $G >>"$dir/finca.conf"
	FINCA_KEY_PASSPHRASE=demo-device-key $F -d "$dir" cert issue --profile device \
		--genkey --subject "C=CN, O=福建省财政厅, CN=demo-gateway" --out "$dir/demo-gateway.pem"
	# the Fujian node: nodes, departments, systems, units, persons, and one
	# account per role with its TLS client certificate in $dir/demo
	seed=$($F -d "$dir" demo seed)
	echo "$seed" | tee -a "$dir.init.txt"
	echo "(the administrator's and the demo accounts' passwords are also kept in $dir.init.txt for this demo)"
fi

# The console's demo USBKeys: one SoftHSM2 token per account holding its
# key and certificate (imported: a demo; real keys are made on the token
# by 'finca token enroll'), and their PINs in a file the agent reads.
M=/usr/lib/softhsm/libsofthsm2.so
adir=$(cd "$dir" && pwd)
export SOFTHSM2_CONF="$adir/softhsm2.conf"
PIN=demo1234
if [ ! -f "$dir/demo/pins" ]; then
	mkdir -p "$dir/tokens"
	printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' \
		"$adir/tokens" >"$SOFTHSM2_CONF"
	adminpw=$(sed -n 's/^  password    \([^ ]*\) .*/\1/p' "$dir.init.txt")
	openssl pkey -in "$dir/admin.key" -passin "pass:$adminpw" -out "$dir/demo/admin.key"
	chmod 600 "$dir/demo/admin.key"
	cp "$dir/admin.crt" "$dir/demo/admin.crt"
	(umask 077; : >"$dir/demo/pins.new")
	for a in admin op-province op-fuzhou ap-yusuan ap-guoku io-minhou io-fzcz auditor; do
		softhsm2-util --init-token --free --label "$a" --pin $PIN --so-pin demo-so-1234 >/dev/null
		softhsm2-util --import "$dir/demo/$a.key" --token "$a" --label "$a" --id 01 \
			--pin $PIN >/dev/null
		openssl x509 -in "$dir/demo/$a.crt" -outform DER -out "$dir/demo/$a.der"
		pkcs11-tool --module $M --token-label "$a" --login --pin $PIN --write-object \
			"$dir/demo/$a.der" --type cert --id 01 --label "$a" >/dev/null 2>&1
		serial=$(pkcs11-tool --module $M -L 2>/dev/null | awk -v l="$a" \
			'/token label/ {lab = $NF} /serial num/ && lab == l {print $NF}')
		echo "$serial $PIN" >>"$dir/demo/pins.new"
	done
	mv "$dir/demo/pins.new" "$dir/demo/pins"
fi
$F -d "$dir" ca show
echo
cat <<EOT
finca serves:
  http://127.0.0.1:$H/ocsp                OCSP (try: openssl ocsp -issuer $dir/ca/issuing.crt -cert $dir/demo-gateway.pem -url http://127.0.0.1:$H/ocsp -noverify)
  http://127.0.0.1:$H/crl/issuing.crl     CRL
  http://127.0.0.1:$H/metrics             metrics
  https://127.0.0.1:$S/api/v1/            JSON API (docs/openapi.yaml), e.g.
    openssl pkey -in $dir/admin.key -out /tmp/admin.pem   (password: see above)
    curl --cacert $dir/ca/service.crt --cert $dir/admin.crt --key /tmp/admin.pem \\
         -d '{"password":"…"}' https://127.0.0.1:$S/api/v1/login
  demo accounts (finca demo seed; certificates and keys in $dir/demo), e.g.
    curl --cacert $dir/ca/service.crt --cert $dir/demo/auditor.crt --key $dir/demo/auditor.key \\
         https://127.0.0.1:$S/api/v1/certs
    curl --cacert $dir/ca/service.crt --cert $dir/demo/op-province.crt --key $dir/demo/op-province.key \\
         -d '{"password":"Demo-operator-2026"}' https://127.0.0.1:$S/api/v1/login

The console (管理控制台): https://127.0.0.1:$S/ui/  (the service CA: $dir/ca/service.crt)
  log in with a demo USBKey through the signing agent (finca agent, started
  now on http://127.0.0.1:$G over the SoftHSM2 tokens in $dir/tokens; the
  PIN of every demo token is $PIN, answered by the agent from $dir/demo/pins)
    account       role       password
    admin         admin      (in $dir.init.txt)
    op-province   operator   Demo-operator-2026
    op-fuzhou     operator   Demo-operator-2026
    ap-yusuan     approver   -
    io-minhou     officer    -
    auditor       auditor    -
EOT
$F agent --module $M --listen 127.0.0.1:$G --origin https://127.0.0.1:$S \
	--origin https://localhost:$S --pin-file "$dir/demo/pins" \
	--server https://127.0.0.1:$S --ca-cert "$dir/ca/service.crt" &
agent=$!
trap 'kill $agent 2>/dev/null' EXIT INT TERM
$F -d "$dir" serve --listen 127.0.0.1:$H --tls-listen 127.0.0.1:$S
