#!/usr/bin/env bash
# Runs every test: the cmocka unit tests, the integration tests that drive the boxbench binary
# on the real kernel, the unit tests again under ASan+UBSan with a short libFuzzer run of each
# target (tests/fuzz), then the kernel matrix. Ends with one line "tests: N passed, N failed".
#
#   BUILD=DIR          the build the unit and integration tests use (default build)
#   SANITIZED=1        that build is sanitized (make test SANITIZE=1): a sanitizer report in
#                      any tier fails it, and the fuzz smoke runs from it
#   SAN_BUILD=DIR      a sanitized build whose unit tests run after the integration tests and
#                      whose fuzz targets the smoke runs (make test sets build-san)
#   FUZZ_SECONDS=N     seconds per fuzz target in the smoke (default 3; 0 skips it)
#   BOXBENCH_VMTEST=0  skips the kernel matrix
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD BOXBENCH="$PWD/$BUILD/boxbench" HELPERS="$PWD/$BUILD/tests/helpers"

passed=0
failed=0
skipped=0
failures=()

# Sanitizer reports go to files, one per process, so that one from a child, or from a
# boxbench whose exit status a test expected to be non-zero, still fails the test.
san_logs=
sanitize() { # LOGDIR
	san_logs=$1
	rm -rf "$san_logs"
	mkdir -p "$san_logs"
	chmod 1777 "$san_logs" # tests run boxbench as other users too
	export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:halt_on_error=1:log_path=$san_logs/report"
	export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1:log_path=$san_logs/report"
	export LSAN_OPTIONS="log_path=$san_logs/report"
}

# new_reports NAME: whether reports appeared since the last call; prints each kind once (by
# its SUMMARY line: one bug in a loop writes one report per process) and fails NAME.
new_reports() {
	local f sum kinds=() n=0
	[ -n "$san_logs" ] || return 1
	mkdir -p "$san_logs/seen"
	for f in "$san_logs"/report.*; do
		[ -e "$f" ] || continue
		n=$((n + 1))
		sum=$(grep -m1 '^SUMMARY' "$f")
		if ! printf '%s\n' "${kinds[@]}" | grep -qxF -- "$sum"; then
			kinds+=("$sum")
			echo "sanitizer report ($1): $f"
			sed 's/^/  /' "$f" | head -40
		fi
		mv "$f" "$san_logs/seen/"
	done
	[ $n -eq 0 ] && return 1
	echo "sanitizer: $n report(s) of ${#kinds[@]} kind(s) from $1 (all in $san_logs/seen/)"
	failed=$((failed + 1))
	failures+=("$1 (sanitizer report)")
	return 0
}

# tier NAME: ends the tier before (printing its time) and starts NAME.
tier_start=
tier() {
	[ -n "$tier_start" ] && echo "(took $((SECONDS - tier_start)) s)"
	tier_start=$SECONDS
	[ -n "$1" ] && printf '\n== %s\n' "$1"
}

unit_tier() { # BUILD LABEL
	local t out rc p f
	for t in "$1"/tests/unit/*/test_* "$1"/tests/kernel/*/test_*; do
		[ -x "$t" ] || continue
		out=$("$t" 2>&1)
		rc=$?
		echo "$out"
		p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' <<<"$out" | tail -1)
		f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' <<<"$out" | tail -1)
		passed=$((passed + ${p:-0}))
		failed=$((failed + ${f:-0}))
		new_reports "$(basename "$t")$2" && continue
		if [ "$rc" -ne 0 ] && [ "${f:-0}" -eq 0 ]; then
			failed=$((failed + 1))
			failures+=("$(basename "$t")$2 (exit $rc)")
		fi
		[ "${f:-0}" -gt 0 ] && failures+=("$(basename "$t")$2")
	done
}

[ "${SANITIZED:-0}" = 1 ] && sanitize "$PWD/$BUILD/sanitizer-reports"

tier "unit tests (cmocka${SANITIZED:+, ASan+UBSan})"
unit_tier "$BUILD" ""

tier "integration tests (real kernel, driving $BUILD/boxbench)"
for file in tests/integration/test_*.sh; do
	out=$(bash tests/integration/run-file.sh "$file" 2>&1)
	echo "$out"
	new_reports "$file"
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

# The sanitized tier of a plain `make test`: the unit tests of the ASan+UBSan build. (The
# integration tests run sanitized with `make test SANITIZE=1`; the time is spent once here.)
fuzz_build=
if [ "${SANITIZED:-0}" = 1 ]; then
	fuzz_build=$BUILD
elif [ -n "${SAN_BUILD:-}" ]; then
	tier "unit tests under ASan+UBSan ($SAN_BUILD)"
	sanitize "$PWD/$SAN_BUILD/sanitizer-reports"
	unit_tier "$SAN_BUILD" " (sanitized)"
	fuzz_build=$SAN_BUILD
fi
# The fuzz runner has its own sanitizer options (reports on stderr, where libFuzzer is).
unset ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS
san_logs=

# A few seconds of each libFuzzer target: a regression that crashes on the seeds or close to
# them fails here; the long runs are `make fuzz`.
if [ -n "$fuzz_build" ] && [ "${FUZZ_SECONDS:-3}" != 0 ]; then
	tier "fuzz smoke (libFuzzer, ${FUZZ_SECONDS:-3} s per target)"
	out=$(tests/fuzz/run.sh --build "$fuzz_build" --seconds "${FUZZ_SECONDS:-3}" --smoke 2>&1)
	rc=$?
	echo "$out"
	p=$(grep -c '^fuzz: [a-z_]*: ok' <<<"$out")
	f=$(grep -c '^fuzz: [a-z_]*: FAILED' <<<"$out")
	passed=$((passed + p))
	failed=$((failed + f))
	while read -r name; do failures+=("fuzz target $name"); done < <(sed -n 's/^fuzz: \([a-z_]*\): FAILED.*/\1/p' <<<"$out")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		failed=$((failed + 1))
		failures+=("fuzz smoke (tests/fuzz/run.sh exit $rc, see above)")
	fi
else
	tier "fuzz smoke: skipped (${fuzz_build:+FUZZ_SECONDS=0}${fuzz_build:-no sanitized build})"
	skipped=$((skipped + 1))
fi

# The kernel matrix: the same binary on Debian's 6.1 and 6.12 kernels under qemu, with
# fentry, kprobes and a v2-only cgroup tree (scripts/vmtest). BOXBENCH_VMTEST=0 skips it.
tier "kernel matrix (qemu: Debian 6.1 and 6.12, cgroup v2, fentry)"
if [ "${BOXBENCH_VMTEST:-1}" = 0 ]; then
	echo "skipped: BOXBENCH_VMTEST=0${SANITIZED:+ (a sanitized build: the guests need the static, unsanitized one)}"
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

tier ""
echo
if [ ${#failures[@]} -gt 0 ]; then
	echo "failed:"
	printf '  %s\n' "${failures[@]}"
fi
echo "tests: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
