# boxbench cleanup and the loop devices of killed runs: a dead run's device is detached, a
# live run's left alone, one that something still holds named with what holds it; and a run
# killed with kill -9 in the middle of its set-up leaves no loop device once cleanup ran.

setup_file() {
	BB_TMP=$(mktemp -d /var/tmp/bbtest-cleanup.XXXXXX)
	export BB_TMP
}

teardown_file() {
	rm -rf "$BB_TMP"
}

dead_pid() { # a pid that just exited (and is not reused within a test's time)
	local p
	sleep 0 &
	p=$!
	wait "$p"
	echo "$p"
}

# An image named as a run with pid PID names its memory store's, attached without autoclear
# (as a kill between LOOP_SET_FD and LOOP_SET_STATUS64 leaves one on kernels before 5.8).
# Its device on stdout.
attach_image() { # PID SIZE
	local img
	img=$(mktemp "$BB_TMP/boxbench-ext4-$1.XXXXXX.img")
	truncate -s "$2" "$img"
	losetup -f --show "$img"
}

end_process() { # PID: a test's helper process, whatever the test's outcome
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

detach() { # DEVICE...: what a test attached, whatever the test's outcome
	local d
	for d in "$@"; do losetup -d "$d" 2>/dev/null || true; done
}

test_cleanup_detaches_a_dead_runs_loop_device() {
	local pid dev
	pid=$(dead_pid)
	dev=$(attach_image "$pid" 1M) || fail "losetup could not attach an image"
	trap "detach $dev" EXIT
	run "$BOXBENCH" cleanup
	assert_eq 0 "$rc" "cleanup exit status (stderr: $err)"
	assert_contains "$out" "detached $dev" "cleanup says what it detached"
	assert_contains "$out" "run $pid" "cleanup names the run"
	losetup "$dev" >/dev/null 2>&1 && fail "$dev is still attached after cleanup"
	return 0
}

test_cleanup_dry_run_and_json_list_a_dead_runs_loop_device() {
	local pid dev
	pid=$(dead_pid)
	dev=$(attach_image "$pid" 1M) || fail "losetup could not attach an image"
	trap "detach $dev" EXIT
	run "$BOXBENCH" cleanup --dry-run
	assert_contains "$out" "would detach $dev" "cleanup --dry-run"
	losetup "$dev" >/dev/null 2>&1 || fail "cleanup --dry-run detached $dev"
	run "$BOXBENCH" cleanup --json
	assert_eq 0 "$rc" "cleanup --json exit status (stderr: $err)"
	assert_eq "true $pid" "$(jq -r --arg d "$dev" '.loops[] | select(.device == $d)
		| "\(.detached) \(.pid)"' <<<"$out")" "the device in cleanup --json"
}

test_cleanup_leaves_a_live_runs_loop_device_alone() {
	local live dev
	sleep 60 &
	live=$!
	trap "end_process $live" EXIT
	dev=$(attach_image "$live" 1M) || fail "losetup could not attach an image"
	trap "detach $dev; end_process $live" EXIT
	run "$BOXBENCH" cleanup
	assert_eq 0 "$rc" "cleanup exit status (stderr: $err)"
	grep -q "$dev" <<<"$out$err" && fail "cleanup touched a live run's device: $out $err"
	losetup "$dev" >/dev/null 2>&1 || fail "cleanup detached a live run's $dev"
	return 0
}

# Mounted in another process's private namespace, the device cannot go until that mount
# does: cleanup says so, names the process, and exits 1.
test_cleanup_names_the_process_whose_namespace_holds_a_loop_device() {
	local pid dev holder
	pid=$(dead_pid)
	dev=$(attach_image "$pid" 32M) || fail "losetup could not attach an image"
	mkfs.ext4 -q "$dev" || { detach "$dev"; fail "mkfs.ext4 failed"; }
	mkdir -p "$BB_TMP/m"
	unshare -m --propagation private sh -c 'mount "$1" "$2" && exec sleep 60' sh \
		"$dev" "$BB_TMP/m" &
	holder=$!
	trap "end_process $holder; detach $dev" EXIT
	for _ in $(seq 1 50); do
		grep -q " $BB_TMP/m " "/proc/$holder/mountinfo" 2>/dev/null && break
		sleep 0.1
	done
	run "$BOXBENCH" cleanup
	assert_eq 1 "$rc" "cleanup exit status with a held device"
	assert_contains "$err" "cannot detach $dev" "cleanup says what it could not detach"
	assert_contains "$err" "pid $holder (sleep)" "cleanup names the process that holds it"
	# cleanup marked it autoclear: it goes with the mount.
	end_process "$holder"
	for _ in $(seq 1 50); do
		losetup "$dev" >/dev/null 2>&1 || break
		sleep 0.1
	done
	losetup "$dev" >/dev/null 2>&1 && fail "$dev stayed after the mount holding it went"
	return 0
}

# Killed while it makes its memory store and builds stacks on it: after cleanup no loop
# device of boxbench is left, at any of these points. (The last process of the run's private
# namespace writes the ext4 back as it exits, about half a second with these stacks, and the
# device goes after: cleanup waits for that.)
test_kill_9_during_set_up_leaves_no_loop_device_after_cleanup() {
	local pid delay left
	for delay in 0.3 0.6 0.9 1.2 1.6; do
		"$BOXBENCH" run --suite quick --depth 8,64,128,256 --out "$BB_TMP/r.json" \
			>/dev/null 2>&1 &
		pid=$!
		sleep "$delay"
		kill -9 "$pid"
		wait "$pid" 2>/dev/null || true
		run "$BOXBENCH" cleanup
		left=$(losetup -a | grep boxbench || true)
		[ -z "$left" ] || fail "killed after $delay s, cleanup left: $left (cleanup: $out $err)"
		assert_eq 0 "$rc" "cleanup after the kill at $delay s (stderr: $err)"
	done
}
