#!/usr/bin/env bash
# The fuzzers' kept findings, fixed in src/ (fuzz/crashes/, see its
# README.md), replayed through their libFuzzer harnesses under ASan and
# UBSan by `make -C fuzz repro`: one check per input, and every input is
# replayed (a name no harness claims would be skipped by repro).  The
# harnesses are built with clang (scripts/deps.sh installs it; make test
# builds them first).
. "$(dirname "$0")/../lib.sh"

out=$(make -s --no-print-directory -C "$ROOT/fuzz" repro 2>&1)
rc=$?
n=0
while IFS= read -r line; do
	case $line in
	"passes: "*) echo "ok - ${line#passes: } passes"; n=$((n + 1)) ;;
	"FAILS: "*)  echo "not ok - ${line#FAILS: } fails"; n=$((n + 1)) ;;
	"#"*)        echo "$line" ;;
	esac
done <<<"$out"
if [ $rc -ne 0 ] && [ $n -eq 0 ]; then   # the harnesses did not build
	echo "not ok - make -C fuzz repro"; echo "$out" | tail -30 | sed 's/^/#   /'
fi
same "every input in fuzz/crashes/ is replayed" "$n" \
	"$(ls "$ROOT/fuzz/crashes" | grep -vc '^README\.md$')"
