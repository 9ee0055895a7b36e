#!/usr/bin/env bash
# CA keys in a PKCS#11 module (SoftHSM2): made in the token with
# pkcs11-tool, used by finca through the module, never on disk.
. "$(dirname "$0")/../lib.sh"

softhsm
PIN=hsm-user-pin-1
export FINCA_PASSPHRASE=$PIN
ok "token" softhsm2-util --init-token --free --label finca-ca --so-pin so-pin-12345 --pin $PIN
for k in root issuing; do
	ok "key finca-$k made in the token" pkcs11-tool --module $M --token-label finca-ca --login \
		--pin $PIN --keypairgen --key-type EC:prime256v1 --label finca-$k --id 0$((${#k} % 9))
done

ok "init with the HSM" finca -d ca init --algo p256 --pkcs11-module $M --pkcs11-token finca-ca
[ ! -e ca/ca/issuing.key ] && [ ! -e ca/ca/root.key ] &&
	echo "ok - no root or issuing key file on disk" || echo "not ok - a CA key file exists"
has "finca.conf names the module" "key_store = pkcs11" "$(cat ca/finca.conf)"
# the token's public key is the issuing CA's
pkcs11-tool --module $M --token-label finca-ca --read-object --type pubkey --label finca-issuing \
	-o issuing.pub.der 2>/dev/null
same "the issuing certificate carries the token's key" \
	"$(openssl pkey -pubin -inform DER -in issuing.pub.der -outform DER | sha256sum)" \
	"$(openssl x509 -in ca/ca/issuing.crt -noout -pubkey | openssl pkey -pubin -outform DER | sha256sum)"
ok "openssl verifies the CA chain" openssl verify -CAfile ca/ca/root.crt ca/ca/issuing.crt

csr p256 "/CN=hsm-user/O=Unit" u.csr
ok "issue with the HSM key" finca -d ca cert issue --profile device --csr u.csr --out u.pem
ok "openssl verifies the leaf" openssl verify -CAfile ca/ca/root.crt -untrusted ca/ca/issuing.crt u.pem
: >batch.csr; for i in 1 2 3 4 5 6 7 8 9 10; do csr p256 "/CN=b$i" b$i.csr; cat b$i.csr >>batch.csr; done
mkdir out
ok "a batch signed by the HSM" finca -d ca cert issue --profile device --csr batch.csr --out-dir out
same "10 certificates" "$(ls out | wc -l)" 10
ok "revoke" finca -d ca cert revoke "$(serial_of u.pem)" --reason keyCompromise
ok "CRL signed by the HSM" finca -d ca crl --der --out h.crl
ok "openssl verifies the CRL" openssl crl -inform DER -in h.crl -noout -CAfile ca/ca/issuing.crt
ok "audit checkpoints signed by the HSM verify" finca -d ca audit verify
fails "wrong PIN is refused" "login refused" env FINCA_PASSPHRASE=wrong-pin-0 "$FINCA" -d ca crl --out x.crl
fails "a token without the keys" "no token labelled 'nope'" \
	finca -d ca2 init --algo p256 --pkcs11-module $M --pkcs11-token nope
