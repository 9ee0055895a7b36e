#!/bin/sh
# 'make run': creates a demo data directory when there is none, then starts
# finca.  Until the daemon exists (see docs/STATUS.md) it shows the CA and
# what to try next.
set -eu
dir=${1:-demo-data}
F=./build/finca
export FINCA_PASSPHRASE=${FINCA_PASSPHRASE:-demo-passphrase}
if [ ! -f "$dir/finca.db" ]; then
	echo "creating a demo CA in $dir (SM2; passphrase: \$FINCA_PASSPHRASE=$FINCA_PASSPHRASE)"
	$F -d "$dir" init --name "福建省财政厅演示" --url http://127.0.0.1:8080
	FINCA_KEY_PASSPHRASE=demo-device-key $F -d "$dir" cert issue --profile device \
		--genkey --subject "C=CN, O=福建省财政厅, CN=demo-gateway" --out "$dir/demo-gateway.pem"
fi
$F -d "$dir" ca show
echo
$F -d "$dir" cert list
echo
echo "The CA in $dir is ready.  Try:"
echo "  export FINCA_PASSPHRASE=$FINCA_PASSPHRASE"
echo "  $F -d $dir cert issue --profile personal --csr USER.csr --id-number 350102199003071234 --out user.pem"
echo "  $F -d $dir crl --out issuing.crl.pem && $F -d $dir crl verify issuing.crl.pem"
echo "  $F -d $dir audit verify"
echo "(finca serve, the daemon, is the next milestone: docs/STATUS.md)"
