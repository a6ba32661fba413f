#!/usr/bin/env bash
# Runs every test: the cmocka unit tests (pure: run as nobody, to show they need no root), the
# cmocka kernel tests (root, real mounts, cgroups, loop devices), the integration tests that
# drive the boxbench binary on the real kernel, the unit and kernel tests again under
# ASan+UBSan with a short libFuzzer run of each target (tests/fuzz), then the kernel matrix.
# Ends with one line "tests: N passed, N failed, N skipped". A tier that reports nothing (no
# binary, no summary, no count) fails: silence is no pass.
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

# The sum of the numbers the sed PATTERN picks from TEXT's lines (0 when none matches).
sum_of() { # PATTERN TEXT
	sed -n "s/$1/\1/p" <<<"$2" | awk '{ n += $1 } END { print n + 0 }'
}

# cmocka_tier DIR SUFFIX [RUNNER...]: runs each cmocka binary DIR/<folder>/test_* (through
# RUNNER when given) and adds its summaries (one per group) to the tally: passed, failed, and
# skipped tests. A test that errored (its setup failed) is failed; a binary that exits non-zero
# with none failed, or prints no summary (it crashed, or ran no group), fails; so does a tier
# with no binary at all.
cmocka_tier() {
	local dir=$1 suffix=$2 t name out rc runs p f s n=0
	shift 2
	for t in "$dir"/*/test_*; do
		[ -x "$t" ] || continue
		n=$((n + 1))
		name=${t#"$dir"/}$suffix
		out=$("$@" "$t" 2>&1)
		rc=$?
		echo "$out"
		runs=$(grep -c '^\[==========\] [0-9]* test(s) run\.$' <<<"$out")
		p=$(sum_of '^\[  PASSED  \] \([0-9]*\) test(s)\.$' "$out")
		f=$(sum_of '^\[  FAILED  \] \([0-9]*\) test(s), listed below:$' "$out")
		f=$((f + $(grep -c '^\[  ERROR   \] [^-]' <<<"$out")))
		s=$(sum_of '^\[  SKIPPED \] \([0-9]*\) test(s), listed below:$' "$out")
		passed=$((passed + p))
		failed=$((failed + f))
		skipped=$((skipped + s))
		new_reports "$name" && continue
		if [ "$runs" -eq 0 ] && [ "$f" -eq 0 ]; then
			failed=$((failed + 1))
			failures+=("$name (no cmocka summary: it crashed or ran nothing; exit $rc)")
		elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
			failed=$((failed + 1))
			failures+=("$name (exit $rc)")
		elif [ "$f" -gt 0 ]; then
			failures+=("$name")
		fi
	done
	if [ "$n" -eq 0 ]; then
		echo "no test binaries in $dir (make unit-tests builds them)"
		failed=$((failed + 1))
		failures+=("$dir (no test binaries)")
	fi
}

# unit_tier BUILD SUFFIX: the pure cmocka tests. As root they run as nobody: a unit test that
# needs root fails here, instead of passing only because make test runs as root.
unit_tier() {
	local dir=$1/tests/unit nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)

	if [ "$(id -u)" != 0 ] || [ ! -d "$dir" ]; then
		cmocka_tier "$dir" "$2"
	elif "${nobody[@]}" test -x "$dir"; then
		cmocka_tier "$dir" "$2" "${nobody[@]}"
	else
		echo "skipped running them as nobody: nobody cannot reach $dir (a dir on the way is not searchable by others); they run as root"
		skipped=$((skipped + 1))
		cmocka_tier "$dir" "$2"
	fi
}

# kernel_tier BUILD SUFFIX: the cmocka tests that need root and the real kernel.
kernel_tier() {
	if [ "$(id -u)" != 0 ]; then
		echo "skipped: these need root (mounts, cgroups, loop devices, trusted.* xattrs)"
		skipped=$((skipped + 1))
		return
	fi
	cmocka_tier "$1/tests/kernel" "$2"
}

[ "${SANITIZED:-0}" = 1 ] && sanitize "$PWD/$BUILD/sanitizer-reports"

tier "unit tests (cmocka, no root: as nobody${SANITIZED:+; ASan+UBSan})"
unit_tier "$BUILD" ""
tier "kernel tests (cmocka, root on the real kernel: mounts, cgroups, loop devices${SANITIZED:+; ASan+UBSan})"
kernel_tier "$BUILD" ""

tier "integration tests (real kernel, driving $BUILD/boxbench)"
files=0
for file in tests/integration/test_*.sh; do
	[ -e "$file" ] || continue
	files=$((files + 1))
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
if [ "$files" -eq 0 ]; then
	failed=$((failed + 1))
	failures+=("tests/integration (no test_*.sh file)")
fi

# The sanitized tier of a plain `make test`: the unit and kernel tests of the ASan+UBSan build.
# (The integration tests run sanitized with `make test SANITIZE=1`; the time is spent once here.)
fuzz_build=
if [ "${SANITIZED:-0}" = 1 ]; then
	fuzz_build=$BUILD
elif [ -n "${SAN_BUILD:-}" ]; then
	tier "unit tests under ASan+UBSan ($SAN_BUILD, as nobody)"
	sanitize "$PWD/$SAN_BUILD/sanitizer-reports"
	unit_tier "$SAN_BUILD" " (sanitized)"
	tier "kernel tests under ASan+UBSan ($SAN_BUILD)"
	kernel_tier "$SAN_BUILD" " (sanitized)"
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
	elif [ $((p + f)) -eq 0 ]; then
		failed=$((failed + 1))
		failures+=("fuzz smoke (tests/fuzz/run.sh named no target)")
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
	guests=0
	guest_failures=0
	while read -r kernel p f; do
		guests=$((guests + 1))
		passed=$((passed + p))
		failed=$((failed + f))
		guest_failures=$((guest_failures + f))
		[ "$f" -gt 0 ] && failures+=("kernel matrix on $kernel")
		if [ $((p + f)) -eq 0 ]; then
			failed=$((failed + 1))
			guest_failures=$((guest_failures + 1))
			failures+=("kernel matrix on $kernel (the payload ran no check)")
		fi
	done < <(sed -n 's/^vmtest:   \([^:]*\): .*(\([0-9]*\) passed, \([0-9]*\) failed).*/\1 \2 \3/p' <<<"$out")
	# A guest that hung or crashed reports no counts: the matrix itself failed.
	if [ "$rc" -ne 0 ] && [ "$guest_failures" -eq 0 ]; then
		failed=$((failed + 1))
		failures+=("kernel matrix (scripts/vmtest exit $rc, see above)")
	elif [ "$guests" -eq 0 ]; then
		failed=$((failed + 1))
		failures+=("kernel matrix (no guest reported its counts)")
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
