#!/usr/bin/env bash
# Runs every unit test (cmocka, sanitizers on) and every end-to-end test
# (tests/e2e/*.sh driving the sanitized build/san/finca), then prints one
# closing line: "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export FINCA=${FINCA:-$PWD/build/san/finca}
pass=0 fail=0 failed=()

for t in build/san/test_*; do
	[ -x "$t" ] || continue
	out=$(timeout -k 10 300 "$t" 2>&1)
	rc=$?
	n_ok=$(grep -c '^\[       OK \]' <<<"$out")
	n_bad=$(grep -c '^\[  FAILED  \] [a-z_]*$' <<<"$out" || true)
	echo "$out" | grep -E '^\[ *(PASSED|FAILED) *\]' | sed "s|^|$(basename "$t"): |"
	pass=$((pass + n_ok))
	if [ $rc -ne 0 ]; then
		fail=$((fail + (n_bad > 0 ? n_bad : 1)))
		failed+=("$t")
		echo "$out" | tail -30
	fi
done

for t in tests/e2e/*.sh; do
	log=build/e2e-$(basename "$t" .sh).log
	timeout -k 10 600 bash "$t" >"$log" 2>&1
	rc=$?
	n_ok=$(grep -c '^ok ' "$log")
	n_bad=$(grep -c '^not ok ' "$log")
	pass=$((pass + n_ok))
	fail=$((fail + n_bad))
	if [ $rc -ne 0 ] || [ "$n_bad" -gt 0 ]; then
		[ "$n_bad" -gt 0 ] || fail=$((fail + 1))
		failed+=("$t")
		echo "--- $t failed (log $log):"
		grep -E '^not ok|^#' "$log" | head -40
		tail -20 "$log"
	else
		echo "$(basename "$t"): $n_ok checks ok"
	fi
done

[ ${#failed[@]} -eq 0 ] || echo "failed: ${failed[*]}"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
