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
for t in $(declare -F | awk '{print $3}' | grep '^test_'); do
	before=$(leftovers)
	start=$(date +%s%N)
	msg=$( (set -e; "$t") 2>&1)
	rc=$?
	after=$(leftovers)
	# The kernel frees tracing (tp_btf/fentry) programs after an RCU-tasks grace period,
	# up to a second after their last fd closed: give it that long before calling a leak.
	for _ in $(seq 1 20); do
		[ "$before" = "$after" ] && break
		sleep 0.2
		after=$(leftovers)
	done
	ms=$((($(date +%s%N) - start) / 1000000))
	if [ $rc -eq 0 ] && [ "$before" != "$after" ]; then
		rc=1
		msg+=$'\n'"left behind: $(diff <(echo "$before") <(echo "$after") | grep '^>' | tr '\n' ' ')"
	fi
	if [ $rc -eq 0 ]; then
		echo "PASS $t (${ms} ms)"
		passed=$((passed + 1))
	else
		echo "FAIL $t: $(tail -n 20 <<<"$msg")"
		failed=$((failed + 1))
	fi
done
echo "file: $passed passed, $failed failed ($(basename "$file"))"
