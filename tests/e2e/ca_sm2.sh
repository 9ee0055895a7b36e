#!/usr/bin/env bash
# An SM2 CA from init to CRLs, checked with openssl and finca's own SM2
# verifier (the openssl CLI cannot verify SM2 CRLs: no way to set the ID).
. "$(dirname "$0")/../lib.sh"

ok "init sm2" finca -d ca init --name 福建省财政 --url http://127.0.0.1:8080
same "data dir: db is private" "$(stat -c %a ca/finca.db)" 600
same "data dir: key is private" "$(stat -c %a ca/ca/issuing.key)" 600
has "CA key is encrypted" "ENCRYPTED PRIVATE KEY" "$(cat ca/ca/issuing.key)"
fails "init refuses an initialised dir" "already initialised" finca -d ca init
chain=$(finca -d ca ca chain)
has "ca chain prints issuing then root" "Issuing CA" "$(openssl x509 -noout -subject -nameopt utf8 <<<"$chain")"
ok "issuing CA verifies under root (openssl)" \
	openssl verify -CAfile ca/ca/root.crt -vfyopt distid:$DISTID ca/ca/issuing.crt

# a person's certificate from a CSR made by openssl, with the ID extension
csr sm2 "/C=CN/O=福建省财政厅/OU=信息中心/CN=张三" u1.csr
ok "issue personal from SM2 CSR" finca -d ca cert issue --profile personal \
	--csr u1.csr --id-number 350102199003071234 --out u1.pem
ok "openssl verifies the leaf (SM2 ID)" \
	openssl verify -partial_chain -CAfile ca/ca/issuing.crt -vfyopt distid:$DISTID u1.pem
txt=$(openssl x509 -in u1.pem -noout -text -nameopt utf8)
has "signature is SM2-with-SM3" "Signature Algorithm: SM2-with-SM3" "$txt"
has "keyUsage critical DS+NR" "Key Usage: critical" "$txt"
has "keyUsage is digitalSignature+nonRepudiation" "^ *Digital Signature, Non Repudiation$" "$txt"
has "CRL distribution point" "URI:http://127.0.0.1:8080/crl/issuing.crl" "$txt"
has "AIA OCSP" "OCSP - URI:http://127.0.0.1:8080/ocsp" "$txt"
has "subject in UTF-8" "CN=张三" "$txt"
# GM/T 0015: no BasicConstraints in an SM2 end entity (TLCP stacks refuse
# CA:FALSE, an empty SEQUENCE); the CAs keep theirs
same "no BasicConstraints in the end entity (GM/T 0015)" "$(grep -c 'Basic Constraints' <<<"$txt")" 0
has "the issuing CA keeps CA:TRUE" "CA:TRUE" "$(openssl x509 -in ca/ca/issuing.crt -noout -text)"
# a profile may ask for them (yes), and a CA profile may not drop them
cp -r ca bc && printf '[profile personal]\nbasic_constraints = yes\n' >>bc/finca.conf
ok "basic_constraints = yes" finca -d bc cert issue --profile personal --csr u1.csr \
	--id-number 350102199003071234 --out bc.pem
has "then CA:FALSE is there" "CA:FALSE" "$(openssl x509 -in bc.pem -noout -text)"
printf '[profile personal]\nbasic_constraints = maybe\n' >>bc/finca.conf
fails "basic_constraints = maybe: named" "basic_constraints: 'maybe' is not yes, no or auto" \
	finca -d bc cert list
# IdentifyCode: [0] EXPLICIT PrintableString (A0 14 13 12 ...)
der=$(openssl x509 -in u1.pem -outform DER | od -An -tx1 | tr -d ' \n')
has "GM/T 0015 IdentifyCode extension" \
	"06082a811cd01404010104.*a0141312$(printf 350102199003071234 | od -An -tx1 | tr -d ' \n')" "$der"
serial=$(serial_of u1.pem)
same "serial has 16 octets" "${#serial}" 32
ok "cert verify: valid" finca -d ca cert verify u1.pem

# lifecycle: freeze, refused transitions, unfreeze, CRLs
ok "freeze" finca -d ca cert freeze "$serial"
has "cert verify: frozen" "status +frozen \(certificateHold" "$(finca -d ca cert verify u1.pem)"
fails "freeze twice is refused" "cannot freeze a frozen" finca -d ca cert freeze "$serial"
fails "renew a frozen cert is refused" "cannot renew a frozen" finca -d ca cert renew "$serial" --out x.pem
ok "full CRL" finca -d ca crl --out full1.pem
has "finca verifies the SM2 CRL" "signature ok" "$(finca -d ca crl verify full1.pem)"
crltxt=$(openssl crl -in full1.pem -noout -text)
has "CRL v2" "Version 2" "$crltxt"
has "CRL lists hold" "Certificate Hold" "$crltxt"
has "CRL has AKI" "Authority Key Identifier" "$crltxt"
has "CRL has number" "CRL Number" "$crltxt"
has "CRL points to delta" "Freshest CRL|Delta CRL" "$crltxt"
ok "unfreeze" finca -d ca cert unfreeze "$serial"
ok "delta CRL" finca -d ca crl --delta --out delta1.pem
has "finca verifies the delta" "delta CRL number 2 \(base 1\), 1 entries" "$(finca -d ca crl verify delta1.pem)"
dtxt=$(openssl crl -in delta1.pem -noout -text)
has "delta is critical deltaCRLIndicator" "Delta CRL Indicator: critical" "$dtxt"
has "delta: removeFromCRL for the unfrozen" "Remove From CRL" "$dtxt"

# a CRL whose signature was altered is refused by finca's verifier
openssl crl -in full1.pem -outform DER -out full1.der
cp full1.der bad.der
# one byte of the signature flipped (not set: it may already have that value)
off=$(( $(stat -c %s bad.der) - 5 ))
byte=$(od -An -tu1 -j $off -N1 bad.der)
printf "\\x$(printf %02x $((byte ^ 0xff)))" | dd of=bad.der bs=1 seek=$off conv=notrunc 2>/dev/null
fails "tampered CRL is refused" "does not verify" finca -d ca crl verify bad.der

# renew (延期): new cert, old superseded, same key
ok "renew" finca -d ca cert renew "$serial" --out u1r.pem
ok "renewed cert verifies" openssl verify -partial_chain -CAfile ca/ca/issuing.crt -vfyopt distid:$DISTID u1r.pem
same "renew keeps the key" "$(openssl x509 -in u1r.pem -noout -pubkey)" "$(openssl x509 -in u1.pem -noout -pubkey)"
has "old one is revoked as superseded" '"reason": "superseded"' "$(finca -d ca cert show "$serial" --json)"
has "new one names what it replaces" "\"replaces\": \"$serial\"" "$(finca -d ca cert show "$(serial_of u1r.pem)" --json)"
fails "verify the superseded cert" "status +revoked \(superseded" finca -d ca cert verify u1.pem

# update (更新): changed subject, new CSR
csr sm2 "/C=CN/O=福州市财政局/CN=张三" u1u.csr
ok "update with new subject" finca -d ca cert update "$(serial_of u1r.pem)" \
	--subject "C=CN, O=福州市财政局, CN=张三" --csr u1u.csr --out u1u.pem
has "updated subject" "O=福州市财政局" "$(openssl x509 -in u1u.pem -noout -subject -nameopt utf8)"
has "update keeps the ID number" "350102199003071234" "$(finca -d ca cert show "$(serial_of u1u.pem)")"

ok "revoke keyCompromise" finca -d ca cert revoke "$(serial_of u1u.pem)" --reason keyCompromise
fails "revoke twice is refused" "cannot revoke a revoked" finca -d ca cert revoke "$(serial_of u1u.pem)" --reason keyCompromise
fails "unfreeze a revoked cert is refused" "cannot unfreeze a revoked" finca -d ca cert unfreeze "$(serial_of u1u.pem)"
ok "full CRL 2" finca -d ca crl --der --out full2.crl
has "CRL lists keyCompromise" "Key Compromise" "$(openssl crl -inform DER -in full2.crl -noout -text)"
same "CRL 2 has the 3 revoked" "$(openssl crl -inform DER -in full2.crl -noout -text | grep -c 'Serial Number')" 3

# device with a generated, encrypted key
ok "genkey for a device" env FINCA_KEY_PASSPHRASE=devicepass "$FINCA" -d ca cert issue \
	--profile device --genkey --subject "C=CN, O=福建省财政厅, CN=gw01" --out dev.pem
has "device key is encrypted" "ENCRYPTED" "$(cat dev.pem.key)"
# An SM2 key is written in the GM form (PBKDF2-HMAC-SM3, SM4-CBC), which
# OpenSSL 3.0 cannot open itself: opened here by hand with its KDF and
# cipher, field by field.  gm_open FILE PASS: the DER PrivateKeyInfo.
gm_open() {
	local a; a=$(openssl asn1parse -in "$1")
	v() { grep "$1" <<<"$a" | sed -n "$2p" | sed 's/.*://'; }
	[ "$(v OBJECT 1)" = PBES2 ] && [ "$(v OBJECT 2)" = PBKDF2 ] &&
		[ "$(v OBJECT 3)" = 1.2.156.10197.1.401.2 ] && [ "$(v OBJECT 4)" = sm4-cbc ] ||
		{ echo "not ok - $1: not PBES2 / PBKDF2 / HMAC-SM3 / SM4-CBC" >&2; return 1; }
	local k; k=$(openssl kdf -keylen $((16#$(v INTEGER 2))) -kdfopt digest:SM3 -kdfopt "pass:$2" \
		-kdfopt hexsalt:"$(v 'OCTET STRING' 1)" -kdfopt iter:$((16#$(v INTEGER 1))) PBKDF2 | tr -d :)
	perl -e 'print pack("H*", $ARGV[0])' "$(v 'OCTET STRING' 3)" |
		openssl enc -d -sm4-cbc -K "$k" -iv "$(v 'OCTET STRING' 2)"
}
pub() { openssl x509 -in "$1" -noout -pubkey; }
same "the device key (GM form) opens by hand: PBKDF2-HMAC-SM3, SM4-CBC" \
	"$(gm_open dev.pem.key devicepass | openssl pkey -inform DER -pubout)" "$(pub dev.pem)"
same "and so does the CA's issuing key" \
	"$(gm_open ca/ca/issuing.key "$FINCA_PASSPHRASE" | openssl pkey -inform DER -pubout)" \
	"$(pub ca/ca/issuing.crt)"
ok "--key-form std: OpenSSL's form" env FINCA_KEY_PASSPHRASE=devicepass "$FINCA" -d ca cert issue \
	--profile device --genkey --key-form std --subject "C=CN, O=福建省财政厅, CN=gw02" --out dev2.pem
ok "which openssl opens with the passphrase" openssl pkey -in dev2.pem.key -passin pass:devicepass -noout
fails "--key-form other: named" "--key-form other: expected auto, gm or std" \
	env FINCA_KEY_PASSPHRASE=x "$FINCA" -d ca cert issue --profile device --genkey \
	--key-form other --subject CN=x --out x.pem
# finca reads both forms: the issuing key put back in OpenSSL's form
cp -r ca std && gm_open ca/ca/issuing.key "$FINCA_PASSPHRASE" |
	openssl pkcs8 -inform DER -topk8 -v2 aes-256-cbc -passout env:FINCA_PASSPHRASE -out std/ca/issuing.key
has "finca reads the issuing key in OpenSSL's form too" "Certificate:" \
	"$(finca -d std cert issue --profile personal --csr u1.csr --id-number 350102199003071234 \
		--out std.pem 2>/dev/null && openssl x509 -in std.pem -noout -text | head -1)"
fails "genkey refused for personal (keys live on the USBKey)" "genkey = no" \
	env FINCA_KEY_PASSPHRASE=x "$FINCA" -d ca cert issue --profile personal --genkey \
	--subject CN=x --id-number 350102199003071234 --out p.pem

# expiry, with the test build's clock
now=$(date +%s)
has "expiring-within 800 days lists the device? no: 1095 days" "^$" \
	"$(finca -d ca cert list --expiring-within 800 | grep gw01 || true)"
has "expiring-within 1100 days lists the device" "gw01" "$(finca -d ca cert list --expiring-within 1100)"
late=$((now + 1200 * 86400))
has "in 1200 days the device cert is expired" "expired" \
	"$(FINCA_FAKE_TIME=$late finca -d ca cert list --status expired)"
fails "freeze an expired cert is refused" "cannot freeze an expired" \
	env FINCA_FAKE_TIME=$late "$FINCA" -d ca cert freeze "$(serial_of dev.pem)"

# JSON listing and the audit trail
n=$(finca -d ca cert list --json | grep -c '"serial"')
same "cert list --json lists all 6 (4, gw02 + the administrator's)" "$n" 6
ok "audit verify" finca -d ca audit verify
has "audit lists the revocation" "cert.revoke" "$(finca -d ca audit list)"
has "audit list --json" '"action": "ca.init"' "$(finca -d ca audit list --json)"
