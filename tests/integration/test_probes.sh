# The probes on the real kernel: what auto picks, the kernel's view beside the harness's, and
# that only the tracked processes are seen.

setup_file() {
	BB_CACHE=$(mktemp -d /var/tmp/bbtest-cache.XXXXXX)
	BB_TMP=$(mktemp -d /tmp/bbtest-probes.XXXXXX)
	chmod 755 "$BB_CACHE"
	BB_DOCTOR="$BB_TMP/doctor.json"
	"$BOXBENCH" doctor --json >"$BB_DOCTOR" || return 1
	export BB_CACHE BB_TMP BB_DOCTOR
}

teardown_file() {
	rm -rf "$BB_CACHE" "$BB_TMP"
}

fentry_works() { [ "$(jq -r .bpf.fentry.ok "$BB_DOCTOR")" = true ]; }
kprobe_works() { [ "$(jq -r .bpf.kprobe.ok "$BB_DOCTOR")" = true ]; }

start_json() { # OUT ARGS...
	local out=$1
	shift
	"$BOXBENCH" start --json --cache-dir "$BB_CACHE" "$@" >"$out" 2>"$out.err" ||
		fail "boxbench start $* exited $?: $(cat "$out.err")"
}

test_auto_picks_what_the_kernel_allows_and_records_it() {
	local j="$BB_TMP/auto.json" want
	start_json "$j" --probe-mode auto stat:/probe/found-bottom
	assert_eq auto "$(jq -r .probe.mode "$j")" "probe mode recorded"
	assert_eq tracepoint "$(jq -r .probe.syscalls "$j")" "syscall source"
	if fentry_works; then
		want=fentry
	elif kprobe_works; then
		want=kprobe
	else
		want=none
	fi
	assert_eq "$want" "$(jq -r .probe.functions.copy_up.source "$j")" "copy-up source"
	assert_eq "$want" "$(jq -r .probe.functions.lookup.source "$j")" "lookup source"
	# doctor reports the same plan.
	if [ "$want" = none ]; then
		assert_eq "syscall level" "$(jq -r .probes.copy_up.value "$BB_DOCTOR")" "doctor's plan"
		assert_contains "$(jq -r .probe.functions.copy_up.why "$j")" "EPERM" "why, recorded"
	else
		assert_contains "$(jq -r .probes.copy_up.value "$BB_DOCTOR")" "$want" "doctor's plan"
	fi
}

test_forced_fentry_fails_clearly_where_refused() {
	fentry_works && skip "fentry works on this kernel: nothing to refuse"
	run "$BOXBENCH" start --cache-dir "$BB_CACHE" --probe-mode fentry pid
	assert_eq 1 "$rc" "exit status of --probe-mode fentry"
	assert_contains "$err" "--probe-mode fentry" "the message names the mode"
	assert_contains "$err" "$(jq -r .bpf.fentry.errno "$BB_DOCTOR")" "the message names the errno"
	[ -z "$out" ] || fail "a report was printed anyway"
}

test_forced_kprobe_fails_clearly_where_refused() {
	kprobe_works && skip "kprobes work on this kernel: nothing to refuse"
	run "$BOXBENCH" start --cache-dir "$BB_CACHE" --probe-mode kprobe pid
	assert_eq 1 "$rc" "exit status of --probe-mode kprobe"
	assert_contains "$err" "ENOENT" "the message names the errno"
}

# The function-level programs: compiled always, run only where the kernel takes them.
test_function_level_probes_time_copy_up_and_lookup() {
	local mode j
	if fentry_works; then
		mode=fentry
	elif kprobe_works; then
		mode=kprobe
	else
		skip "no function-level probes on $(uname -r): fentry $(jq -r .bpf.fentry.errno "$BB_DOCTOR"), kprobe $(jq -r .bpf.kprobe.errno "$BB_DOCTOR") (covered by the qemu kernel matrix)"
	fi
	j="$BB_TMP/func.json"
	start_json "$j" --probe-mode "$mode" open-w:/copyup/bottom-4096 stat:/probe/found-bottom
	for i in 0 1; do
		local f k
		f=$(jq -r ".ops[$i].func_ns // empty" "$j")
		k=$(jq -r ".ops[$i].kernel_ns" "$j")
		[ -n "$f" ] && [ "$f" -gt 0 ] || fail "op $i has no func_ns"
		[ "$f" -le "$k" ] || fail "op $i: func_ns $f > kernel_ns $k"
	done
}

# kernel_ns is the syscall time of the span's own thread inside the span: never more than the
# wall-clock span, and present for every step the harness or the agent does.
test_kernel_ns_within_wall_for_every_step() {
	local j="$BB_TMP/steps.json"
	start_json "$j" --depth 16 --ns all stat:/probe/found-bottom stat:/probe/wh-top \
		stat:/probe/absent open-w:/copyup/bottom-4096 open-w:/copyup/top-1048576 \
		readdir:/shared
	for p in clone mount proc pivot_root exec; do
		local k w
		k=$(jq -r ".phases.$p.kernel_ns // empty" "$j")
		w=$(jq -r ".phases.$p.duration_ns" "$j")
		[ -n "$k" ] || fail "phase $p has no kernel_ns"
		[ "$k" -gt 0 ] || fail "phase $p: kernel_ns is 0 (no syscall matched)"
		[ "$k" -le "$w" ] || fail "phase $p: kernel_ns $k > wall $w"
	done
	for i in 0 1 2 3 4 5; do
		local k w
		k=$(jq -r ".ops[$i].kernel_ns // empty" "$j")
		w=$(jq -r ".ops[$i].duration_ns" "$j")
		[ -n "$k" ] && [ "$k" -gt 0 ] || fail "op $i ($(jq -r ".ops[$i].op" "$j")) has no kernel_ns"
		[ "$k" -le "$w" ] || fail "op $i: kernel_ns $k > wall $w"
	done
	# A copy-up of 1 MiB costs the kernel more than a lookup that hits.
	[ "$(jq -r '.ops[4].kernel_ns' "$j")" -gt "$(jq -r '.ops[0].kernel_ns' "$j")" ] ||
		fail "a 1 MiB copy-up took less kernel time than a stat"
}

test_unrelated_process_making_the_same_syscalls_is_ignored() {
	local j="$BB_TMP/noise.json" noise
	# Same syscalls as the harness and the agent: stat, open, mount in a namespace.
	( while :; do stat / >/dev/null; cat /proc/self/stat >/dev/null; done ) &
	noise=$!
	start_json "$j" stat:/probe/found-bottom readdir:/shared
	kill "$noise"
	wait "$noise" 2>/dev/null || true
	jq -e --argjson n "$noise" '.probe.pids | index($n) == null' "$j" >/dev/null ||
		fail "events of the unrelated process $noise were collected"
	[ "$(jq '.probe.pids | length' "$j")" -ge 2 ] || fail "expected harness and container pids"
	jq -e '.probe.pids | index(.[0]) != null' "$j" >/dev/null || fail "no pids at all"
	jq -e --argjson c "$(jq .container_pid "$j")" '.probe.pids | index($c) != null' "$j" \
		>/dev/null || fail "the container's own pid has no events"
}

test_container_events_carry_its_cgroup_and_mount_namespace() {
	local j="$BB_TMP/attr.json"
	[ -n "$(grep -w cgroup2 /proc/self/mountinfo)" ] || skip "no cgroup2 hierarchy: no cgroup ids"
	start_json "$j" mntns stat:/probe/found-bottom
	assert_eq "[$(jq .cgroup_id "$j")]" "$(jq -c .probe.agent_cgroup_ids "$j")" \
		"cgroup ids on the agent's events"
	assert_eq "[$(jq '.ops[0].value' "$j")]" "$(jq -c .probe.agent_mntns "$j")" \
		"mount namespace on the agent's events (the agent's own /proc/self/ns/mnt)"
	[ "$(jq '.ops[0].value' "$j")" != "$(stat -L -c %i /proc/self/ns/mnt)" ] ||
		fail "the agent reported the host's mount namespace"
}

test_probe_mode_off_loads_nothing() {
	local j="$BB_TMP/off.json"
	start_json "$j" --probe-mode off stat:/probe/found-bottom
	assert_eq none "$(jq -r .probe.syscalls "$j")" "syscall source when off"
	assert_eq 0 "$(jq -r .probe.events "$j")" "events when off"
	assert_eq null "$(jq -r '.ops[0].kernel_ns' "$j")" "kernel_ns when off"
}

test_kill_9_leaves_no_bpf_program_map_or_link() {
	local pid
	"$BOXBENCH" start --cache-dir "$BB_CACHE" sleep:10000 >/dev/null 2>&1 &
	pid=$!
	for _ in $(seq 1 50); do
		grep -q btf_sys_enter <<<"$(bpftool prog show)" && break
		sleep 0.1
	done
	grep -q btf_sys_enter <<<"$(bpftool prog show)" || fail "the probes never loaded"
	kill -9 "$pid"
	wait "$pid" 2>/dev/null || true
	"$BOXBENCH" cleanup >/dev/null || fail "cleanup failed"
	# The runner's leftover check (programs, maps, links) does the rest, with the grace
	# period the kernel needs to free tracing programs.
}

test_unknown_probe_mode_is_a_usage_error() {
	run "$BOXBENCH" start --probe-mode sometimes
	assert_eq 2 "$rc" "exit status"
	assert_contains "$err" "unknown probe mode 'sometimes'" "message"
}
