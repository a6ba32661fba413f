# The kernel-object scenarios of `boxbench run` (ns, cgroup, pivot) on the real kernel: one
# quick run, its JSON checked for completeness and for effects large enough that a broken
# measurement cannot hide them.

setup_file() {
	BB_CACHE=$(mktemp -d /var/tmp/bbtest-ns-cache.XXXXXX)
	BB_TMP=$(mktemp -d /tmp/bbtest-ns.XXXXXX)
	export BB_CACHE BB_TMP
}

teardown_file() {
	rm -rf "$BB_CACHE" "$BB_TMP"
}

SCENARIOS=ns,cgroup,pivot

# The quick run all tests read, made by the first test that needs it (so the runner's leftover
# check covers it).
quick_run() {
	local r="$BB_TMP/r.json"
	[ -s "$r" ] && return 0
	run "$BOXBENCH" run --suite quick --scenario "$SCENARIOS" --repetitions 3 --warmup 1 \
		--out "$r" --cache-dir "$BB_CACHE"
	[ "$rc" = 0 ] || fail "boxbench run exited $rc: $err"
	jq -e .benchmarks "$r" >/dev/null || fail "no benchmarks in $r: $(head -c 300 "$r")"
}

median() { # NAME
	jq -r --arg n "$1" '.benchmarks[] | select(.run_type == "aggregate" and
		.aggregate_name == "median" and .run_name == $n) | .real_time' "$BB_TMP/r.json"
}

slower() { # A B WHAT: asserts A > B (numbers, ns)
	{ [ -n "$1" ] && [ -n "$2" ]; } || fail "$3: a case is missing from the results ('$1' vs '$2')"
	awk -v a="$1" -v b="$2" 'BEGIN { exit !(a > b) }' ||
		fail "$3: expected $(awk -v a="$1" 'BEGIN{print a/1000}') µs > $(awk -v b="$2" 'BEGIN{print b/1000}') µs"
}

test_ns_every_planned_case_ran_three_times() {
	local planned got bad
	quick_run
	planned=$("$BOXBENCH" run --list --suite quick --scenario "$SCENARIOS" | sort)
	got=$(jq -r '[.benchmarks[] | select(.run_type == "iteration") | .name] | unique | .[]' \
		"$BB_TMP/r.json" | sort)
	assert_eq "$planned" "$got" "cases with iteration rows vs the planned cases"
	for s in ns cgroup pivot; do
		grep -q "^$s/" <<<"$got" || fail "no $s case ran"
	done
	bad=$(jq -r '[.benchmarks[] | select(.run_type == "iteration")] | group_by(.name)
		| map(select(length != 3)) | map("\(.[0].name): \(length)") | .[]' "$BB_TMP/r.json")
	[ -z "$bad" ] || fail "cases without exactly 3 iteration rows: $bad"
	bad=$(jq -r '.benchmarks[] | select(.error_occurred == true)
		| "\(.name): \(.error_message)"' "$BB_TMP/r.json")
	[ -z "$bad" ] || fail "failed cases: $bad"
}

test_ns_times_positive_and_kernel_within_wall() {
	local bad n
	quick_run
	bad=$(jq -r '.benchmarks[] | select(.run_type == "iteration" and (.real_time > 0 | not))
		| .name' "$BB_TMP/r.json")
	[ -z "$bad" ] || fail "iterations without a wall time: $bad"
	bad=$(jq -r '.benchmarks[] | select(.run_type == "iteration" and .kernel_ns != null
		and .kernel_ns > .real_time) | "\(.name): kernel \(.kernel_ns) > wall \(.real_time)"' \
		"$BB_TMP/r.json")
	[ -z "$bad" ] || fail "kernel time past the wall time: $bad"
	# With the syscall probes loaded, every case's own syscall falls inside its span.
	if [ "$(jq -r '.context.probe_sources.syscalls' "$BB_TMP/r.json")" = tracepoint ]; then
		n=$(jq '[.benchmarks[] | select(.run_type == "iteration" and
			(.kernel_ns // 0) == 0)] | length' "$BB_TMP/r.json")
		assert_eq 0 "$n" "iterations whose syscall the probes did not see"
	fi
}

test_ns_net_costs_more_than_uts() {
	quick_run
	# A network namespace registers a loopback device and runs every pernet init; a UTS
	# namespace copies one struct.
	slower "$(median ns/type:net/method:unshare/concurrency:1)" \
		"$(median ns/type:uts/method:unshare/concurrency:1)" "net vs uts namespace"
	slower "$(median ns/type:all/method:unshare/concurrency:1)" \
		"$(median ns/type:mnt/method:unshare/concurrency:1)" "all namespaces vs mnt alone"
}

test_ns_mount_namespace_copies_every_mount() {
	quick_run
	slower "$(median ns/type:mnt/method:unshare/mounts:1000)" \
		"$(median ns/type:mnt/method:unshare/mounts:0)" "mnt namespace over 1000 mounts vs 0"
}

test_ns_concurrent_samples_within_their_batch() {
	local bad
	quick_run
	# The sample is one worker's latency: never more than the slowest worker's, nor than the
	# span from the first worker's start to the last one's end.
	bad=$(jq -r '.benchmarks[] | select(.run_type == "iteration" and
		(.name | test("/concurrency:[2-9]"))) | select(.all_ns == null or .slowest_ns == null
		or .real_time > .slowest_ns or .slowest_ns > .all_ns)
		| "\(.name): \(.real_time) \(.slowest_ns) \(.all_ns)"' "$BB_TMP/r.json")
	[ -z "$bad" ] || fail "concurrent samples out of order (sample, slowest, all): $bad"
	jq -e '[.benchmarks[] | select(.name | test("^ns/.*/concurrency:2$"))] | length > 0' \
		"$BB_TMP/r.json" >/dev/null || fail "no concurrent ns case in the quick suite"
}

test_cgroup_cases_follow_the_host() {
	local names
	quick_run
	names=$(jq -r '[.benchmarks[] | select(.run_type == "iteration") | .name] | unique | .[]' \
		"$BB_TMP/r.json" | grep '^cgroup/')
	if [ -d /sys/fs/cgroup/memory ] && grep -qw memory /proc/self/cgroup; then
		for op in mkdir limit attach rmdir; do
			assert_contains "$names" "cgroup/op:$op/version:v1/controller:memory" "v1 memory $op"
		done
	fi
	if grep -q ' - cgroup2 ' /proc/self/mountinfo; then
		assert_contains "$names" "op:clone-into/version:v2" "CLONE_INTO_CGROUP on v2"
	fi
	! grep -q 'op:clone-into/version:v1' <<<"$names" || fail "clone-into planned on v1: $names"
	! grep -q 'op:limit/.*controller:none' <<<"$names" || fail "a limit without a controller: $names"
}

test_pivot_cases_with_mounts() {
	local m
	quick_run
	for m in pivot_root/mounts:100/settled:no pivot_root/mounts:100/settled:yes chroot/mounts:100 \
		move/mounts:100; do
		[ -n "$(median "pivot/method:$m")" ] || fail "no pivot/method:$m case"
	done
	# pivot_root detaches the whole old tree; chroot only swaps a pointer.
	slower "$(median pivot/method:pivot_root/mounts:0/settled:yes)" \
		"$(median pivot/method:chroot/mounts:0)" "pivot_root + umount vs chroot"
}

# Writing cgroup.procs takes the threadgroup rwsem for write, whose rcu_sync waits a grace
# period unless another writer used it within the last one: back to back an attach is
# microseconds, after the kernel went idle (pace:idle) it is a synchronize_rcu, milliseconds.
# (A cgroup2 mounted with favordynmods would make both fast.)
test_cgroup_attach_after_idle_waits_for_a_grace_period() {
	local c n=0
	quick_run
	for c in $(jq -r '.benchmarks[] | select(.run_type == "aggregate" and
			.aggregate_name == "median" and (.run_name | test("^cgroup/op:attach/.*/pace:idle$")))
			| .run_name' "$BB_TMP/r.json"); do
		slower "$(median "$c")" "$(awk -v b="$(median "${c%pace:idle}pace:back-to-back")" \
			'BEGIN { print b * 10 }')" "$c against ten times its back-to-back median"
		n=$((n + 1))
	done
	[ "$n" -gt 0 ] || fail "no cgroup attach case with pace:idle ran"
}
