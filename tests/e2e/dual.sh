#!/usr/bin/env bash
# Dual certificates (双证书, issue 16): a signing certificate for the
# holder's key and an encryption certificate for a KM-made key, the
# encryption key escrowed and enveloped to the signing key.  The envelope
# is opened with openssl alone (asn1parse, pkeyutl -decrypt, enc
# -sm4-ecb), the pair is revoked together and openssl ocsp says so.
. "$(dirname "$0")/../lib.sh"

serve_ports 1
ok "init sm2" finca -d ca init --name 福建省财政 --url $base
same "the KM key is made beside the CA keys" "$(ls ca/ca/km.key ca/ca/km.pub | wc -l)" 2
has "KM key is encrypted" "ENCRYPTED PRIVATE KEY" "$(cat ca/ca/km.key)"
has "KM public key is SM2" "SM2|1.2.156.10197.1.301" \
	"$(openssl pkey -pubin -in ca/ca/km.pub -noout -text 2>&1)"

csr sm2 "/C=CN/O=福建省财政厅/OU=信息中心/CN=李四" u1.csr
out=$(finca -d ca cert issue --profile personal --csr u1.csr \
	--id-number 350102199003071234 --dual --out sign.pem 2>&1)
has "cert issue --dual" "issued a dual pair" "$out"
for f in sign.pem sign-enc.pem sign-enc.env sign-enc.skf; do
	ok "$f written" test -s $f
done
sserial=$(serial_of sign.pem) eserial=$(serial_of sign-enc.pem)
has "both serials printed, signing first" "^$sserial"$'\n'"$eserial" "$out"

# the halves: GM/T 0015 key usages, same subject and identity extension
stxt=$(openssl x509 -in sign.pem -noout -text) etxt=$(openssl x509 -in sign-enc.pem -noout -text)
has "signing half: digitalSignature + nonRepudiation" "^ *Digital Signature, Non Repudiation$" "$stxt"
has "encryption half: keyEncipherment + dataEncipherment + keyAgreement" \
	"^ *Key Encipherment, Data Encipherment, Key Agreement$" "$etxt"
same "same subject" "$(openssl x509 -in sign-enc.pem -noout -subject)" \
	"$(openssl x509 -in sign.pem -noout -subject)"
has "encryption half carries the ID extension" "350102199003071234" "$etxt"
same "the signing half has the CSR's key" "$(openssl x509 -in sign.pem -noout -pubkey)" \
	"$(openssl pkey -in u1.csr.key -pubout)"
ok "openssl verifies both halves (SM2 ID)" openssl verify -partial_chain \
	-CAfile ca/ca/issuing.crt -vfyopt distid:$DISTID sign.pem sign-enc.pem
show=$(finca -d ca cert show $sserial)
has "cert show: the pair's other half" "pair +$eserial" "$show"
has "cert show: signing half" "half +signing" "$show"
has "cert show of the encryption half names the signing one" "\"pair\": \"$sserial\"" \
	"$(finca -d ca cert show $eserial --json)"

# the envelope, GM/T 0009 SM2EnvelopedKey, field by field with asn1parse
env=sign-enc.env
tree=$(openssl asn1parse -inform DER -in $env)
has "symAlgID is SM4-ECB (1.2.156.10197.1.104.1)" "OBJECT +:sm4-ecb" "$tree"
same "four top-level fields" "$(grep -c 'd=1 ' <<<"$tree")" 4
# field N TYPE: offset, header length and length of the N-th top-level TYPE
field() { grep -E "d=1 .*$1" <<<"$tree" | sed -n "${2}p" |
	sed -E 's/^ *([0-9]+):d=[0-9]+ +hl= *([0-9]+) +l= *([0-9]+).*/\1 \2 \3/'; }
read off hl len < <(field "cons: SEQUENCE" 2)
dd if=$env of=sym.der bs=1 skip=$off count=$((hl + len)) status=none
sym=$(openssl asn1parse -inform DER -in sym.der)
same "symEncryptedKey: SM2Cipher x, y, 32-octet hash, 16-octet ciphertext" \
	"$(grep -Ec 'INTEGER|l= *32 prim: OCTET|l= *16 prim: OCTET' <<<"$sym")" 4
read poff phl plen < <(field "BIT STRING" 1)
same "sm2PublicKey: 04||x||y (65 octets + unused-bits octet)" "$plen" 66
read qoff qhl qlen < <(field "BIT STRING" 2)
same "sm2EncryptedPrivateKey: 32 octets" "$qlen" 33

# opened with the signing private key and openssl only
ok "openssl pkeyutl -decrypt opens symEncryptedKey with the signing key" \
	openssl pkeyutl -decrypt -inkey u1.csr.key -in sym.der -out sym.bin
same "the SM4 key is 16 octets" "$(stat -c %s sym.bin)" 16
dd if=$env of=encd.bin bs=1 skip=$((qoff + qhl + 1)) count=32 status=none
ok "openssl enc -d -sm4-ecb -nopad opens the private key" openssl enc -d -sm4-ecb -nopad \
	-K "$(xxd -p sym.bin | tr -d '\n')" -in encd.bin -out d.bin
dhex=$(xxd -p d.bin | tr -d '\n')
printf 'asn1=SEQUENCE:ec\n[ec]\nversion=INT:1\npriv=FORMAT:HEX,OCT:%s\nparams=EXP:0,OID:1.2.156.10197.1.301\n' \
	"$dhex" >k.cnf
ok "the scalar as an SEC1 key (openssl computes its public point)" sh -c \
	"openssl asn1parse -genconf k.cnf -out k.der -noout && openssl pkey -inform DER -in k.der -out rec.key"
same "the recovered key is the encryption certificate's" "$(openssl pkey -in rec.key -pubout)" \
	"$(openssl x509 -in sign-enc.pem -noout -pubkey)"
dd if=$env of=pub.bin bs=1 skip=$((poff + phl + 1)) count=65 status=none
same "sm2PublicKey is the certificate's point" "$(xxd -p pub.bin | tr -d '\n')" \
	"$(openssl x509 -in sign-enc.pem -noout -pubkey | openssl pkey -pubin -outform DER | tail -c 65 | xxd -p | tr -d '\n')"
other=$(openssl genpkey -algorithm SM2 2>/dev/null)
fails "another SM2 key does not open the envelope" "." \
	openssl pkeyutl -decrypt -inkey <(echo "$other") -in sym.der -out /dev/null

# an SM2 encryption round trip with the pair
echo "财政数据 $(date +%s)" >msg.txt
ok "encrypt to the encryption certificate" \
	openssl pkeyutl -encrypt -certin -inkey sign-enc.pem -in msg.txt -out msg.ct
same "the recovered key decrypts it" "$(openssl pkeyutl -decrypt -inkey rec.key -in msg.ct)" \
	"$(cat msg.txt)"
fails "the signing key does not" "." openssl pkeyutl -decrypt -inkey u1.csr.key -in msg.ct

# the SKF blob (GM/T 0016 ENVELOPEDKEYBLOB, little-endian ULONGs)
skf=sign-enc.skf
u32() { od -An -tu4 -j "$1" -N4 --endian=little $skf | tr -d ' '; }
same "SKF: fixed part + 16-octet cipher" "$(stat -c %s $skf)" $((12 + 64 + 132 + 164 + 16))
same "SKF: Version 1" "$(u32 0)" 1
same "SKF: ulSymmAlgID SGD_SM4_ECB" "$(u32 4)" $((0x401))
same "SKF: ulBits 256" "$(u32 8)" 256
same "SKF: cbEncryptedPriKey right-aligned = the DER's" \
	"$(dd if=$skf bs=1 skip=12 count=64 status=none | xxd -p | tr -d '\n')" \
	"$(printf '%064d' 0)$(xxd -p encd.bin | tr -d '\n')"
same "SKF: PubKey.BitLen 256" "$(u32 76)" 256
same "SKF: PubKey X||Y right-aligned = the DER's" \
	"$(dd if=$skf bs=1 skip=80 count=128 status=none | xxd -p | tr -d '\n')" \
	"$(printf '%064d' 0)$(xxd -p -s 1 -l 32 pub.bin | tr -d '\n')$(printf '%064d' 0)$(xxd -p -s 33 -l 32 pub.bin | tr -d '\n')"
same "SKF: ECCCipherBlob.CipherLen 16" "$(u32 368)" 16
same "SKF: ECCCipherBlob.HASH = the SM2Cipher's" \
	"$(dd if=$skf bs=1 skip=336 count=32 status=none | xxd -p | tr -d '\n')" \
	"$(grep -E 'l= *32 prim: OCTET' <<<"$sym" | sed 's/.*DUMP]://' | tr 'A-F' 'a-f')"

# escrow: a row per pair, linked, never the clear key
same "one escrow row" "$(rows ca km_escrow)" 1
same "the pair is linked" "$(sqlite3 ca/finca.db "SELECT count(*) FROM cert_pair p JOIN cert s ON s.id=p.sign_cert JOIN cert e ON e.id=p.enc_cert WHERE s.serial='$sserial' AND e.serial='$eserial'")" 1
same "escrow linked to both halves" "$(sqlite3 ca/finca.db "SELECT count(*) FROM km_escrow k JOIN cert s ON s.id=k.sign_cert JOIN cert e ON e.id=k.enc_cert WHERE s.serial='$sserial' AND e.serial='$eserial'")" 1
sealed=$(sqlite3 ca/finca.db "SELECT hex(sealed) FROM km_escrow")
has "the sealed key is an SM2Cipher (SEQUENCE)" "^30" "$sealed"
D=$(tr 'a-f' 'A-F' <<<"$dhex")
same "the escrow row does not hold the clear key" "$(grep -c "$D" <<<"$sealed")" 0
same "finca.db does not hold the clear key anywhere" \
	"$(cat ca/finca.db ca/finca.db-wal 2>/dev/null | xxd -p | tr -d '\n' | grep -c "$dhex")" 0

# other profiles, other deployments
fails "a profile without pairs is refused" "issues no dual certificates" \
	finca -d ca cert issue --profile ocsp --csr u1.csr --dual --out x.pem
fails "--dual needs --out FILE" "use --out FILE" \
	finca -d ca cert issue --profile personal --csr u1.csr --dual --out-dir .
cp -r ca nodual && printf '[profile personal]\ndual = no\n' >>nodual/finca.conf
fails "dual = no refuses" "issues no dual" finca -d nodual cert issue --profile personal \
	--csr u1.csr --id-number 350102199003071234 --dual --out nd.pem
# renewing either half renews the pair (in a copy: the pair is revoked below)
cp -r ca rn
ok "renew the pair from its encryption half" finca -d rn cert renew $eserial --out r.pem
has "the old signing half is superseded" "status +revoked" "$(finca -d rn cert show $sserial)"
has "the old encryption half too" "status +revoked" "$(finca -d rn cert show $eserial)"
rs=$(serial_of r.pem)
has "the new signing half has a new encryption half" '"half": "signing"' \
	"$(finca -d rn cert show $rs --json)"
ren=$(finca -d rn cert show $rs --json | jq -r .pair)
same "a new KM key pair for the new encryption half" "$(sqlite3 rn/finca.db "SELECT count(*) FROM km_escrow")" 2
has "the new encryption half replaces the old" "$eserial" "$(finca -d rn cert show $ren --json | jq -r .replaces)"
same "its envelope is kept for the USBKey side" "$(sqlite3 rn/finca.db "SELECT count(*) FROM km_envelope WHERE sign_serial='$rs' AND enc_serial='$ren'")" 2

# revoke the signing half: both revoked, in the CRL and in OCSP
ok "revoke the signing certificate" finca -d ca cert revoke $sserial --reason keyCompromise
has "the encryption half is revoked with it" "status +revoked" "$(finca -d ca cert show $eserial)"
has "audit: the pair's half is recorded" "with_pair" "$(finca -d ca audit list --json)"
ok "CRL" finca -d ca crl --out full.crl
crl=$(openssl crl -in full.crl -noout -text)
has "the CRL lists the signing half" "$sserial" "$crl"
has "the CRL lists the encryption half" "$eserial" "$crl"
serve_start --no-tls ca
ocsp() { openssl ocsp -issuer ca/ca/issuing.crt -cert "$1" -url $base/ocsp -noverify 2>&1; }
has "openssl ocsp: signing half revoked" "sign.pem: revoked" "$(ocsp sign.pem)"
has "openssl ocsp: encryption half revoked" "sign-enc.pem: revoked" "$(ocsp sign-enc.pem)"
serve_stop
same "SIGTERM: clean exit (no leak, no error)" "$?" 0

# freezing the encryption half freezes the signing one, and back
csr sm2 "/C=CN/O=福建省财政厅/CN=王五" u2.csr
ok "a second pair" finca -d ca cert issue --profile personal --csr u2.csr \
	--id-number 350102199003071234 --dual --out two.pem
ok "freeze the encryption half" finca -d ca cert freeze "$(serial_of two-enc.pem)"
has "the signing half is frozen too" "status +frozen" "$(finca -d ca cert show "$(serial_of two.pem)")"
ok "unfreeze the signing half" finca -d ca cert unfreeze "$(serial_of two.pem)"
has "the encryption half is valid again" "status +valid" "$(finca -d ca cert show "$(serial_of two-enc.pem)")"
ok "audit verify" finca -d ca audit verify

# P-256: pairs only where the profile turns them on; the KM makes a P-256
# encryption key, escrowed the same way (SM2 to the KM key); no GM envelope
ok "init p256" finca -d pc init --algo p256 --name P --url $base
csr p256 "/CN=赵六" p1.csr
fails "dual = auto: no pairs under a P-256 CA" "issues no dual" finca -d pc cert issue \
	--profile personal --csr p1.csr --id-number 350102199003071234 --dual --out p.pem
printf '[profile personal]\ndual = yes\n' >>pc/finca.conf
ok "dual = yes: a P-256 pair" finca -d pc cert issue --profile personal --csr p1.csr \
	--id-number 350102199003071234 --dual --out p.pem
has "its encryption half is a P-256 key" "prime256v1|P-256" \
	"$(openssl x509 -in p-enc.pem -noout -text)"
has "with the encryption key usages" "Key Encipherment, Data Encipherment, Key Agreement" \
	"$(openssl x509 -in p-enc.pem -noout -text)"
same "escrowed" "$(rows pc km_escrow)" 1
same "no GM envelope for a P-256 key" "$(ls p-enc.env p-enc.skf 2>/dev/null | wc -l)" 0
# its PKCS#11 envelope instead (km/envelope.c): version 1, the ephemeral
# point, the key's point, the AES-KWP of its PKCS#8; opened on a token in
# dual_token.sh
tree=$(openssl asn1parse -inform DER -in p-enc.p11env)
has "PKCS#11 envelope: version 1" "d=1 .*INTEGER +:01" "$tree"
same "PKCS#11 envelope: four fields, three of them octet strings" \
	"$(grep -c 'd=1 .*prim: OCTET STRING' <<<"$tree")" 3
same "its encPublicKey is the certificate's point" \
	"$(grep 'd=1 .*OCTET' <<<"$tree" | sed -n 2p | sed 's/.*\[HEX DUMP\]://')" \
	"$(openssl x509 -in p-enc.pem -noout -pubkey | openssl pkey -pubin -outform DER | tail -c 65 | xxd -p -u | tr -d '\n')"
same "kept for the token (format p11ecdh)" \
	"$(sqlite3 pc/finca.db "select format from km_envelope")" p11ecdh
