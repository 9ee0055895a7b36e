#!/usr/bin/env bash
# Bad input gets a clear error naming what is wrong, and changes nothing.
. "$(dirname "$0")/../lib.sh"

ok "init" finca -d ca init --algo p256
csr p256 "/C=CN/CN=王五" good.csr
before_c=$(rows ca cert); before_a=$(rows ca audit)

fails "ID number with a bad check digit" "check character is 5, expected 4" \
	finca -d ca cert issue --profile personal --csr good.csr --id-number 350102199003071235 --out x.pem
fails "ID number with an impossible birth date" "birth date 19900230 is not a date" \
	finca -d ca cert issue --profile personal --csr good.csr --id-number 350102199002301237 --out x.pem
fails "ID number too short" "must be 18 characters" \
	finca -d ca cert issue --profile personal --csr good.csr --id-number 3501021990 --out x.pem
fails "personal without an ID number" "resident ID number is required" \
	finca -d ca cert issue --profile personal --csr good.csr --out x.pem
fails "credit code with a bad check character" "check character is A, expected H" \
	finca -d ca cert issue --profile unit --csr good.csr --subject "O=x, CN=y" \
	--unit-code 12350000003591045A --out x.pem
fails "credit code with a forbidden letter" "is not allowed \(GB 32100\)" \
	finca -d ca cert issue --profile unit --csr good.csr --subject "O=x, CN=y" \
	--unit-code 1235000000359104SH --out x.pem

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out weak.key 2>/dev/null
openssl req -new -key weak.key -subj /CN=weak -out weak.csr
fails "RSA 1024 is too weak" "RSA key of 1024 bits is too weak" \
	finca -d ca cert issue --profile device --csr weak.csr --out x.pem
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:secp256k1 -out k1.key
openssl req -new -key k1.key -subj /CN=k1 -out k1.csr
fails "secp256k1 is not accepted" "curve 'secp256k1' is not accepted" \
	finca -d ca cert issue --profile device --csr k1.csr --out x.pem
# a CSR whose signature no longer matches: flip a byte of the subject
openssl req -in good.csr -outform DER -out good.der
python3 - <<'PY' 2>/dev/null || perl -e 'open F,"+<","good.der";binmode F;local $/;my $d=<F>;$d=~s/\x{e7}\x{8e}\x{8b}/\x{e7}\x{8e}\x{8c}/;seek F,0,0;print F $d;close F;rename "good.der","bad.der"'
d = open("good.der","rb").read().replace("王".encode(), "玉".encode())
open("bad.der","wb").write(d)
PY
fails "CSR with a bad signature" "no proof of possession" \
	finca -d ca cert issue --profile device --csr bad.der --out x.pem
fails "subject attribute the profile does not allow" "subject attribute serialNumber is not allowed" \
	finca -d ca cert issue --profile device --csr good.csr --subject "CN=a, serialNumber=1" --out x.pem
fails "subject lacking a required attribute" "subject lacks O" \
	finca -d ca cert issue --profile unit --csr good.csr --subject "CN=a" \
	--unit-code 12350000003591045H --out x.pem
fails "unknown profile" "profile 'nope': no such profile" \
	finca -d ca cert issue --profile nope --csr good.csr --out x.pem
fails "validity beyond the profile" "validity of 5000 days is outside 1..1095" \
	finca -d ca cert issue --profile device --csr good.csr --days 5000 --out x.pem
fails "garbage instead of a CSR" "no certificate request" \
	finca -d ca cert issue --profile device --csr /etc/hostname --out x.pem
fails "a malformed subject" "lacks '='" \
	finca -d ca cert issue --profile device --csr good.csr --subject "CN" --out x.pem
fails "wrong passphrase" "wrong passphrase" \
	env FINCA_PASSPHRASE=not-the-one "$FINCA" -d ca cert issue --profile device --csr good.csr --out x.pem
fails "unknown serial" "not issued by this CA" finca -d ca cert revoke 0123ABCD --reason keyCompromise
fails "not a serial" "expected up to 40 hex digits" finca -d ca cert freeze xyz
fails "certificateHold is not a revocation reason" "use freeze" \
	finca -d ca cert revoke 0123ABCD --reason certificateHold

# one bad CSR in a batch refuses the whole batch
cat good.csr good.csr weak.csr good.csr >mixed.csr
fails "a batch with one bad CSR" "request 3: .*too weak.*nothing was issued" \
	finca -d ca cert issue --profile device --csr mixed.csr --out-dir .
same "nothing was stored" "$(rows ca cert)" "$before_c"
same "nothing was audited" "$(rows ca audit)" "$before_a"
[ ! -e x.pem ] && echo "ok - no certificate file was written" || echo "not ok - x.pem exists"

# an output that cannot be written is refused before anything is issued
# (tests run as root: chmod stops nothing, so the directories below fail
# for root too)
for i in $(seq 10); do cat good.csr; done >ten.csr
touch plain
fails "--out-dir that does not exist" "--out-dir nodir: no such directory; nothing was issued" \
	finca -d ca cert issue --profile device --csr ten.csr --out-dir nodir
fails "--out-dir under a regular file" "--out-dir plain/sub: Not a directory; nothing was issued" \
	finca -d ca cert issue --profile device --csr ten.csr --out-dir plain/sub
fails "--out-dir that is a file" "--out-dir plain: not a directory; nothing was issued" \
	finca -d ca cert issue --profile device --csr ten.csr --out-dir plain
fails "--out-dir that cannot be written (/proc/self)" \
	"--out-dir /proc/self: cannot create a file in it: .*; nothing was issued" \
	finca -d ca cert issue --profile device --csr ten.csr --out-dir /proc/self
fails "--out in a directory that does not exist" "--out nodir/x.pem: nodir: no such directory" \
	finca -d ca cert issue --profile device --csr good.csr --out nodir/x.pem
same "unwritable outputs stored nothing" "$(rows ca cert)" "$before_c"
same "unwritable outputs audited nothing" "$(rows ca audit)" "$before_a"
[ ! -e nodir ] && echo "ok - no directory was made" || echo "not ok - nodir exists"

# a batch stopped after its commit is finished without issuing again: the
# serials printed, 'cert export' writes the missing files
mkdir batch
finca -d ca cert issue --profile device --csr ten.csr --out-dir batch >serials 2>/dev/null
same "a batch prints one serial per certificate" "$(sort -u serials | wc -l)" 10
same "and writes one file per serial" "$(ls batch | sort | tr '\n' ' ')" \
	"$(sed 's/$/.pem/' serials | sort | tr '\n' ' ')"
cp -r batch whole
rm batch/"$(sed -n 3p serials)".pem batch/"$(sed -n 7p serials)".pem
issued=$(rows ca cert)
fails "export of an unknown serial writes nothing" "0123ABCD.*nothing was written" \
	finca -d ca cert export --out-dir batch "$(sed -n 3p serials)" 0123ABCD
[ ! -e batch/"$(sed -n 3p serials)".pem ] && echo "ok - still missing" || echo "not ok - a file was written"
fails "export into a directory that does not exist" "--out-dir nodir: no such directory; nothing was written" \
	finca -d ca cert export --out-dir nodir $(cat serials)
ok "cert export writes the missing files" finca -d ca cert export --out-dir batch $(cat serials)
same "the batch is whole again, byte for byte" "$(cd batch && sha256sum * | sha256sum)" \
	"$(cd whole && sha256sum * | sha256sum)"
same "nothing was issued again" "$(rows ca cert)" "$issued"
same "cert show --pem gives the same certificate" "$(finca -d ca cert show "$(sed -n 7p serials)" --pem)" \
	"$(cat whole/"$(sed -n 7p serials)".pem)"
before_c=$(rows ca cert); before_a=$(rows ca audit)

# configuration errors name file, line and field
cp ca/finca.conf conf.bak
sed -i '0,/^key_usage = digitalSignature, nonRepudiation$/s//key_usage = digitalSig, nonRepudiation/' ca/finca.conf
fails "bad key usage in finca.conf" "finca.conf:[0-9]+: \[profile personal\] key_usage: unknown usage 'digitalSig'" \
	finca -d ca cert list
cp conf.bak ca/finca.conf
printf '\n[profile broken]\nkey_usage = digitalSignature\nsubject = CN\n' >>ca/finca.conf
fails "profile missing a field" "\[profile broken\] validity_days: missing" finca -d ca cert list
cp conf.bak ca/finca.conf
printf '\n[profile ee]\nvalidity_days = 10\nkey_usage = keyCertSign\nsubject = CN\n' >>ca/finca.conf
fails "keyCertSign outside a CA profile" "only in CA profiles" finca -d ca cert list
cp conf.bak ca/finca.conf
for kv in "server threads 999 0 256" "ca workers -1 0 256" "auth session_idle 2 5 604800"; do
	set -- $kv
	printf '\n[%s]\n%s = %s\n' $1 $2 $3 >>ca/finca.conf
	fails "[$1] $2 = $3: the range is named" "\[$1\] $2: '$3' is not a number from $4 to $5" \
		finca -d ca cert list
	cp conf.bak ca/finca.conf
done
same "config errors changed nothing" "$(rows ca audit)" "$before_a"

# a real configuration change is audited
sed -i 's/^crl_validity_hours = 24$/crl_validity_hours = 12/' ca/finca.conf
ok "changed configuration loads" finca -d ca cert list
has "config change is audited" "config.change" "$(finca -d ca audit list)"
