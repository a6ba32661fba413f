#!/usr/bin/env bash
# Runs every test: the cmocka unit tests, then the integration tests that drive the boxbench
# binary on the real kernel. Ends with one line "tests: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD BOXBENCH="$PWD/$BUILD/boxbench" HELPERS="$PWD/$BUILD/tests/helpers"

passed=0
failed=0
skipped=0
failures=()

echo "== unit tests (cmocka)"
for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	out=$("$t" 2>&1)
	rc=$?
	echo "$out"
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' <<<"$out" | tail -1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' <<<"$out" | tail -1)
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
	if [ "$rc" -ne 0 ] && [ "${f:-0}" -eq 0 ]; then
		failed=$((failed + 1))
		failures+=("$(basename "$t") (exit $rc)")
	fi
	[ "${f:-0}" -gt 0 ] && failures+=("$(basename "$t")")
done

echo
echo "== integration tests (real kernel, driving $BUILD/boxbench)"
for file in tests/integration/test_*.sh; do
	out=$(bash tests/integration/run-file.sh "$file" 2>&1)
	echo "$out"
	p=$(sed -n 's/^file: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped.*/\1/p' <<<"$out")
	f=$(sed -n 's/^file: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped.*/\2/p' <<<"$out")
	s=$(sed -n 's/^file: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped.*/\3/p' <<<"$out")
	if [ -z "$p" ]; then
		failed=$((failed + 1))
		failures+=("$file (runner died)")
		continue
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	while read -r name; do failures+=("$name"); done < <(sed -n 's/^FAIL \([^:]*\):.*/\1/p' <<<"$out")
done

# The kernel matrix: the same binary on Debian's 6.1 and 6.12 kernels under qemu, with
# fentry, kprobes and a v2-only cgroup tree (scripts/vmtest). BOXBENCH_VMTEST=0 skips it.
echo
echo "== kernel matrix (qemu: Debian 6.1 and 6.12, cgroup v2, fentry)"
if [ "${BOXBENCH_VMTEST:-1}" = 0 ]; then
	echo "skipped: BOXBENCH_VMTEST=0"
	skipped=$((skipped + 1))
else
	out=$(scripts/vmtest --build "$BUILD" --quiet 2>&1)
	rc=$?
	echo "$out"
	guest_failures=0
	while read -r kernel p f; do
		passed=$((passed + p))
		failed=$((failed + f))
		guest_failures=$((guest_failures + f))
		[ "$f" -gt 0 ] && failures+=("kernel matrix on $kernel")
	done < <(sed -n 's/^vmtest:   \([^:]*\): .*(\([0-9]*\) passed, \([0-9]*\) failed).*/\1 \2 \3/p' <<<"$out")
	# A guest that hung or crashed reports no counts: the matrix itself failed.
	if [ "$rc" -ne 0 ] && [ "$guest_failures" -eq 0 ]; then
		failed=$((failed + 1))
		failures+=("kernel matrix (scripts/vmtest exit $rc, see above)")
	fi
fi

echo
if [ ${#failures[@]} -gt 0 ]; then
	echo "failed:"
	printf '  %s\n' "${failures[@]}"
fi
echo "tests: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
