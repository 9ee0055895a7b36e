#!/usr/bin/env bash
# P-256 and RSA hierarchies, checked with openssl and GnuTLS certtool:
# chains, CRL signatures (openssl crl -CAfile), delta CRLs, batches.
. "$(dirname "$0")/../lib.sh"

for alg in p256 rsa2048; do
	d=ca-$alg
	ok "$alg: init" finca -d $d init --algo $alg --name "Test $alg"
	finca -d $d ca chain >$d.chain
	ok "$alg: certtool verifies the CA chain" \
		certtool --verify --load-ca-certificate $d/ca/root.crt --infile $d/ca/issuing.crt
	csr $alg "/C=CN/O=Unit $alg/CN=李四" $alg.csr
	ok "$alg: issue personal" finca -d $d cert issue --profile personal --csr $alg.csr \
		--id-number 350203198511200044 --out $alg.pem
	has "$alg: the end entity says CA:FALSE (basic_constraints auto, not SM2)" "CA:FALSE" \
		"$(openssl x509 -in $alg.pem -noout -text)"
	ok "$alg: openssl verify with the chain" \
		openssl verify -CAfile $d/ca/root.crt -untrusted $d/ca/issuing.crt $alg.pem
	ok "$alg: certtool verifies leaf + chain" \
		sh -c "cat $alg.pem $d/ca/issuing.crt | certtool --verify --load-ca-certificate $d/ca/root.crt"
	ok "$alg: unit certificate with a credit code" finca -d $d cert issue --profile unit \
		--csr $alg.csr --subject "C=CN, O=福建省财政厅, CN=福建省财政厅" \
		--unit-code 12350000003591045H --out $alg-unit.pem
	has "$alg: credit code extension" "1.2.156.10260.4.1.4" \
		"$(openssl x509 -in $alg-unit.pem -noout -text)"

	# a batch of 20 CSRs in one file, one transaction group per 256
	: >$alg-batch.csr
	for i in $(seq 1 20); do csr $alg "/CN=dev-$i/O=Batch" b$i.csr; cat b$i.csr >>$alg-batch.csr; done
	mkdir -p out-$alg
	ok "$alg: batch of 20 from one file" finca -d $d cert issue --profile device \
		--csr $alg-batch.csr --out-dir out-$alg
	same "$alg: 20 certificates written" "$(ls out-$alg | wc -l)" 20
	same "$alg: 20 distinct serials" "$(for f in out-$alg/*; do serial_of $f; done | sort -u | wc -l)" 20
	ok "$alg: batch certs verify" sh -c "for f in out-$alg/*; do openssl verify -CAfile $d/ca/root.crt -untrusted $d/ca/issuing.crt \$f >/dev/null || exit 1; done"

	s1=$(serial_of $alg.pem)
	s2=$(serial_of out-$alg/$(ls out-$alg | head -1))
	ok "$alg: revoke affiliationChanged" finca -d $d cert revoke $s1 --reason affiliationChanged
	ok "$alg: freeze" finca -d $d cert freeze $s2
	ok "$alg: full CRL (DER)" finca -d $d crl --der --out $alg.crl
	ok "$alg: openssl verifies the CRL signature" \
		openssl crl -inform DER -in $alg.crl -noout -CAfile $d/ca/issuing.crt
	crltxt=$(openssl crl -inform DER -in $alg.crl -noout -text)
	has "$alg: CRL reason affiliationChanged" "Affiliation Changed" "$crltxt"
	has "$alg: CRL hold" "Certificate Hold" "$crltxt"
	ok "$alg: certtool reads the CRL" certtool --crl-info --inder --infile $alg.crl
	ok "$alg: certtool verifies the CRL" sh -c "openssl crl -inform DER -in $alg.crl -out $alg.crl.pem &&
		certtool --verify-crl --infile $alg.crl.pem --load-ca-certificate $d/ca/issuing.crt"
	ok "$alg: openssl verify -crl_check says revoked" \
		sh -c "openssl crl -inform DER -in $alg.crl -out $alg-crl.pem &&
		       ! openssl verify -crl_check -CAfile $d/ca/root.crt -untrusted $d/ca/issuing.crt -CRLfile $alg-crl.pem $alg.pem"
	ok "$alg: unfreeze" finca -d $d cert unfreeze $s2
	ok "$alg: delta CRL" finca -d $d crl --delta --der --out $alg-delta.crl
	ok "$alg: openssl verifies the delta" \
		openssl crl -inform DER -in $alg-delta.crl -noout -CAfile $d/ca/issuing.crt
	has "$alg: delta has removeFromCRL" "Remove From CRL" \
		"$(openssl crl -inform DER -in $alg-delta.crl -noout -text)"
	ok "$alg: audit verify" finca -d $d audit verify
done

# renewal keeps the subject exactly, whatever its shape (the fuzzer's
# multi-valued RDN, "OU=dept + CN=alice", lost its CN through the text form)
mv_csr=$ROOT/fuzz/crashes/csr-multivalued-rdn-renewal.der
ok "issue a multi-valued RDN subject" finca -d ca-p256 cert issue --profile device --csr "$mv_csr" --out mv.pem
ok "renew it" finca -d ca-p256 cert renew "$(serial_of mv.pem)" --out mv2.pem
same "renewal keeps the subject byte for byte" \
	"$(openssl x509 -in mv2.pem -noout -subject -nameopt RFC2253)" \
	"$(openssl x509 -in mv.pem -noout -subject -nameopt RFC2253)"
