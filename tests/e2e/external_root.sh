#!/usr/bin/env bash
# An issuing CA under an external (national) root: init makes only the key
# and a CSR; the root signs it elsewhere; 'ca install' checks and installs.
. "$(dirname "$0")/../lib.sh"

ok "init --external-root" finca -d ca init --algo sm2 --external-root --name 财政
has "a CSR awaits the root" "CERTIFICATE REQUEST" "$(cat ca/ca/issuing.csr)"
ok "the CSR is signed with the SM2 ID" \
	openssl req -in ca/ca/issuing.csr -verify -noout -vfyopt distid:$DISTID
fails "no issuance before install" "not installed" \
	env FINCA_KEY_PASSPHRASE=devpass1 "$FINCA" -d ca cert issue --profile device --genkey --subject CN=x --out x.pem

# the "national root", played by openssl
openssl genpkey -algorithm SM2 -out root.key 2>/dev/null
openssl req -new -x509 -key root.key -subj "/C=CN/O=National/CN=National Root" -days 3650 \
	-addext "keyUsage=critical,keyCertSign,cRLSign" -sigopt distid:$DISTID -out root.crt
cat >ext.cnf <<'X'
[v3]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
X
openssl x509 -req -in ca/ca/issuing.csr -CA root.crt -CAkey root.key -CAcreateserial \
	-days 1825 -extfile ext.cnf -extensions v3 -sigopt distid:$DISTID \
	-vfyopt distid:$DISTID -out issuing.crt 2>/dev/null
cat issuing.crt root.crt >bundle.pem

# a certificate for another key is refused
openssl genpkey -algorithm SM2 -out other.key 2>/dev/null
openssl req -new -key other.key -subj /CN=other -sigopt distid:$DISTID -out other.csr
openssl x509 -req -in other.csr -CA root.crt -CAkey root.key -CAcreateserial -days 100 \
	-extfile ext.cnf -extensions v3 -sigopt distid:$DISTID -vfyopt distid:$DISTID -out other.crt 2>/dev/null
cat other.crt root.crt >wrong.pem
fails "install refuses a certificate for another key" "not ca/issuing.key's" finca -d ca ca install wrong.pem
fails "install refuses a lone certificate" "followed by its chain" finca -d ca ca install issuing.crt

ok "install" finca -d ca ca install bundle.pem
ok "issue under the installed CA" env FINCA_KEY_PASSPHRASE=devpass1 "$FINCA" -d ca cert issue \
	--profile device --genkey --subject "CN=gw" --out gw.pem
ok "openssl verifies the leaf" openssl verify -partial_chain -CAfile ca/ca/issuing.crt -vfyopt distid:$DISTID gw.pem
ok "finca verifies the leaf up to the national root" finca -d ca cert verify gw.pem
ok "audit verify" finca -d ca audit verify
