#!/bin/sh
# Remakes the seed CA of fuzz_ocsp (ocsp_seed_ca.h) and its seed requests
# (corpus/ocsp/), then rebuilds build/fuzz_ocsp.  See README.md.
#
# build/fuzz_ocsp with FUZZ_OCSP_KEEP=1 creates a CA as it always does
# (good, revoked, frozen certificates and the OCSP signer) and keeps its
# data directory; `openssl ocsp -reqout` makes requests against it; the
# header records its issuing certificate and serials, which the harness
# replaces with those of the CA it makes on each start.
#
# Every fuzz_ocsp input that gets past the issuer check (seeds, the
# corpus the fuzzer grew in build/corpus/ocsp, reproducers) names the seed
# CA, so a new seed CA turns them into requests for another issuer.  The
# reproducers in crashes/ and findings/ are remade below; delete
# build/corpus/ocsp.
set -eu
cd "$(dirname "$0")"

make --no-print-directory build/fuzz_ocsp >/dev/null
line=$(FUZZ_OCSP_KEEP=1 FUZZ_OCSP_RAW=1 build/fuzz_ocsp -runs=0 2>&1 |
	grep '^fuzz_ocsp: dir=')
set -- $line
for kv in "$@"; do
	case $kv in
	dir=*) dir=${kv#dir=} ;;
	good=*) good=${kv#good=} ;;
	revoked=*) revoked=${kv#revoked=} ;;
	frozen=*) frozen=${kv#frozen=} ;;
	signer=*) signer=${kv#signer=} ;;
	esac
done
case $dir in /tmp/fuzz-ocsp.*) ;; *) echo "no data directory" >&2; exit 1 ;; esac
iss=$dir/ca/issuing.crt
other=$dir/ca/service.crt   # another issuer: the P-256 service CA
out=corpus/ocsp
mkdir -p "$out"
rm -f "$out"/*

req() { # name, then openssl ocsp arguments
	name=$1
	shift
	openssl ocsp "$@" -reqout "$out/$name.der" >/dev/null
}
req good-sha1-nonce         -issuer "$iss" -serial "0x$good"
req good-sha1-no-nonce      -issuer "$iss" -serial "0x$good" -no_nonce
req good-sha256-nonce       -issuer "$iss" -sha256 -serial "0x$good"
req good-sha256-no-nonce    -issuer "$iss" -sha256 -serial "0x$good" -no_nonce
req good-sm3-nonce          -issuer "$iss" -sm3 -serial "0x$good"
# the responder takes SHA-1, SHA-256 and SM3 CertIDs: unauthorized
req sha384-certid-no-nonce  -issuer "$iss" -sha384 -serial "0x$good" -no_nonce
req revoked-sha1-no-nonce   -issuer "$iss" -serial "0x$revoked" -no_nonce
req revoked-sha256-nonce    -issuer "$iss" -sha256 -serial "0x$revoked"
req frozen-sha1-nonce       -issuer "$iss" -serial "0x$frozen"
req frozen-sha256-no-nonce  -issuer "$iss" -sha256 -serial "0x$frozen" -no_nonce
req signer-sha1-no-nonce    -issuer "$iss" -serial "0x$signer" -no_nonce
req unknown-sha1-nonce      -issuer "$iss" -serial 0x1122334455667788990011223344556677
req unknown-sha256-no-nonce -issuer "$iss" -sha256 -serial 0x7f -no_nonce
req serial-zero-sha1        -issuer "$iss" -serial 0 -no_nonce
req two-certids-sha1        -issuer "$iss" -serial "0x$good" -serial "0x$revoked"
req other-issuer-sha1-nonce -issuer "$other" -serial "0x$good"
req other-issuer-sha256     -issuer "$other" -sha256 -serial 0x01 -no_nonce
# the same request base64-encoded, as in GET /ocsp/{base64}, is not an
# OCSPRequest: it must get malformedRequest
base64 -w0 "$out/good-sha1-no-nonce.der" >"$out/good-sha1-base64.txt"

# Reproducers are tied to the seed CA too, so they are remade here.
# crashes/ (fixed, must pass): every response carried the signer twice.
cp "$out/good-sha1-no-nonce.der" crashes/fuzz_ocsp-signer-cert-twice.der
# findings/ (open): hashAlgorithm parameters NULL (05 00) changed into a
# constructed [UNIVERSAL 0] (20 00); ocsp_respond makes no response.
mkdir -p findings
perl -0777 -pe 's/\x06\x05\x2b\x0e\x03\x02\x1a\x05\x00/\x06\x05\x2b\x0e\x03\x02\x1a\x20\x00/' \
	"$out/good-sha1-no-nonce.der" >findings/fuzz_ocsp-certid-eoc-params.der

{
	echo "/* The seed CA of corpus/ocsp, made by ocsp-seeds.sh: its issuing"
	echo " * certificate and the serials of its good, revoked and frozen"
	echo " * certificates and of its OCSP signer.  fuzz_ocsp replaces their"
	echo " * hashes and serials in an input with those of the CA it makes. */"
	echo "static const char seed_issuer_pem[] ="
	sed 's/.*/\t"&\\n"/' "$iss"
	echo "\t;"
	echo "static const char *const seed_serial[4] = {"
	echo "\t\"$good\", \"$revoked\","
	echo "\t\"$frozen\", \"$signer\","
	echo "};"
} >ocsp_seed_ca.h
rm -rf "$dir"
make --no-print-directory build/fuzz_ocsp >/dev/null
ls "$out"
