#!/usr/bin/env bash
# Runs each test_* function of one integration test file in its own subshell, and checks
# after each that it left nothing behind: mounts, cgroups, temp dirs, processes, BPF programs.
set -uo pipefail
file=$1
here=$(dirname "$0")
top=$(cd "$here/../.." && pwd)
: "${BOXBENCH:=$top/${BUILD:-build}/boxbench}" "${HELPERS:=$top/${BUILD:-build}/tests/helpers}"
export BOXBENCH HELPERS
source "$here/lib.sh"
source "$file"

passed=0
failed=0
skipped=0
# A file may set up what all its tests share (e.g. a stack cache) and take it down after.
if declare -F setup_file >/dev/null; then
	setup_file || { echo "FAIL setup_file of $file"; echo "file: 0 passed, 1 failed ($(basename "$file"))"; exit 1; }
fi
tests=$(declare -F | awk '{print $3}' | grep '^test_')
# A file whose tests all vanished (renamed, or a syntax error that stopped the source) must not
# pass by running nothing.
if [ -z "$tests" ]; then
	echo "FAIL $(basename "$file"): no test_ function in it"
	failed=1
fi
for t in $tests; do
	before=$(leftovers)
	start=$(date +%s%N)
	msg=$( (set -e; "$t") 2>&1)
	rc=$?
	# Only what the test added counts: something that was there before it (a program of
	# an earlier test still being freed) may well go away meanwhile.
	added=$(comm -13 <(sort <<<"$before") <(leftovers | sort) | sed '/^$/d')
	# The kernel frees tracing (tp_btf/fentry) programs after an RCU-tasks grace period,
	# up to a second after their last fd closed: give it that long before calling a leak.
	for _ in $(seq 1 20); do
		[ -z "$added" ] && break
		sleep 0.2
		added=$(comm -13 <(sort <<<"$before") <(leftovers | sort) | sed '/^$/d')
	done
	ms=$((($(date +%s%N) - start) / 1000000))
	if { [ $rc -eq 0 ] || [ $rc -eq 77 ]; } && [ -n "$added" ]; then
		rc=1
		msg+=$'\n'"left behind: $(tr '\n' ' ' <<<"$added")"
	fi
	if [ $rc -eq 0 ]; then
		echo "PASS $t (${ms} ms)"
		passed=$((passed + 1))
	elif [ $rc -eq 77 ] && [ -z "$added" ]; then
		echo "SKIP $t: $(tail -n 1 <<<"$msg")"
		skipped=$((skipped + 1))
	else
		echo "FAIL $t: $(tail -n 20 <<<"$msg")"
		failed=$((failed + 1))
	fi
done
if declare -F teardown_file >/dev/null; then
	teardown_file || { echo "FAIL teardown_file of $file"; failed=$((failed + 1)); }
fi
echo "file: $passed passed, $failed failed, $skipped skipped ($(basename "$file"))"
[ "$failed" -eq 0 ]
