# The harness on the real kernel: real containers on overlay stacks, driven through
# `boxbench start`, checked from inside (the agent) and from outside (the host).

setup_file() {
	BB_CACHE=$(mktemp -d /var/tmp/bbtest-cache.XXXXXX)
	BB_TMP=$(mktemp -d /tmp/bbtest-start.XXXXXX)
	# A user namespace's root (uid 100000 outside) must be able to reach the layers.
	chmod 755 "$BB_CACHE"
	export BB_CACHE BB_TMP
}

teardown_file() {
	rm -rf "$BB_CACHE" "$BB_TMP"
}

start_json() { # OUT ARGS... -- OPS: runs boxbench start --json, output in file OUT
	local out=$1
	shift
	"$BOXBENCH" start --json --cache-dir "$BB_CACHE" "$@" >"$out" 2>"$out.err" ||
		fail "boxbench start $* exited $?: $(cat "$out.err")"
	jq -e . "$out" >/dev/null || fail "boxbench start --json printed no JSON: $(head -c 300 "$out")"
}

op() { # FILE INDEX FIELD
	jq -r ".ops[$2].$3" "$1"
}

# The merged view a container sees must be the one the stack planted: found names visible,
# whited-out ones gone, an opaque dir hiding its lower entries.
check_merged_view() { # DEPTH
	local depth=$1 j="$BB_TMP/view-$1.json"
	start_json "$j" --depth "$depth" --ns all pid hostname rootfs \
		stat:/probe/found-top stat:/probe/found-bottom stat:/probe/absent \
		stat:/probe/wh-top stat:/probe/wh-bottom stat:/probe/opq/hidden stat:/probe/opq/visible
	assert_eq 1 "$(op "$j" 0 value)" "pid inside a new pid namespace (depth $depth)"
	assert_eq boxbench "$(jq -r .hostname "$j")" "hostname inside a new UTS namespace"
	assert_eq overlay "$(jq -r .rootfs_type "$j")" "the container's / per its own mountinfo"
	assert_eq true "$(op "$j" 3 ok)" "found-top visible (depth $depth)"
	assert_eq true "$(op "$j" 4 ok)" "found-bottom visible (depth $depth)"
	assert_eq ENOENT "$(op "$j" 5 errno)" "absent name (depth $depth)"
	if [ "$depth" -ge 2 ]; then
		assert_eq ENOENT "$(op "$j" 6 errno)" "whited out at the top (depth $depth)"
		assert_eq ENOENT "$(op "$j" 7 errno)" "whited out just above the bottom (depth $depth)"
		assert_eq ENOENT "$(op "$j" 8 errno)" "lower entry under an opaque dir (depth $depth)"
		assert_eq true "$(op "$j" 9 ok)" "the opaque dir's own entry (depth $depth)"
	fi
	assert_eq 0 "$(jq -r .exit_status "$j")" "agent exit status"
	for p in clone mount proc pivot_root exec teardown; do
		[ "$(jq -r ".phases.$p.duration_ns" "$j")" -gt 0 ] || fail "phase $p was not timed"
	done
}

test_start_every_namespace_depth_1() { check_merged_view 1; }
test_start_every_namespace_depth_8() { check_merged_view 8; }
test_start_every_namespace_depth_128() { check_merged_view 128; }

test_start_xattr_whiteouts_hide_names() {
	local j="$BB_TMP/xattr.json"
	start_json "$j" --depth 4 --whiteout xattr stat:/probe/wh-top stat:/probe/opq/hidden \
		stat:/probe/found-bottom
	assert_eq ENOENT "$(op "$j" 0 errno)" "xattr whiteout"
	assert_eq ENOENT "$(op "$j" 1 errno)" "opaque dir"
	assert_eq true "$(op "$j" 2 ok)" "found-bottom"
}

test_start_memory_limit_oom_kills_cleanly() {
	local j="$BB_TMP/oom.json"
	start_json "$j" --memory-max 32M alloc:128M pid
	assert_eq true "$(jq -r .oom_killed "$j")" "oom_killed"
	assert_eq 9 "$(jq -r .term_signal "$j")" "the agent's fatal signal"
	assert_eq 0 "$(jq '.ops | length' "$j")" "ops completed by an agent killed in its first op"
	# Under the limit the same agent lives.
	start_json "$j" --memory-max 32M alloc:8M pid
	assert_eq false "$(jq -r .oom_killed "$j")" "oom_killed under the limit"
	assert_eq true "$(op "$j" 0 ok)" "alloc of 8M under a 32M limit"
}

test_start_pids_limit_gives_eagain() {
	local j="$BB_TMP/pids.json" made
	start_json "$j" --pids-max 16 fork:32
	assert_eq EAGAIN "$(op "$j" 0 errno)" "fork past pids.max"
	made=$(op "$j" 0 value)
	[ "$made" -lt 16 ] && [ "$made" -ge 1 ] || fail "forks made under pids.max 16: $made"
}

test_start_user_namespace_with_userxattr() {
	local j="$BB_TMP/userns.json"
	start_json "$j" --depth 8 --ns all,user uid pid rootfs stat:/probe/opq/hidden \
		stat:/probe/wh-top stat:/probe/found-bottom
	assert_eq 0 "$(op "$j" 0 value)" "uid inside the user namespace"
	assert_eq 1 "$(op "$j" 1 value)" "pid inside"
	assert_eq overlay "$(jq -r .rootfs_type "$j")" "rootfs inside the user namespace"
	assert_contains "$(jq -r .driver "$j")" "userxattr" "driver options"
	# The opaque dir is marked with user.overlay.opaque: only honoured with userxattr.
	assert_eq ENOENT "$(op "$j" 3 errno)" "opaque dir in a userxattr stack"
	assert_eq ENOENT "$(op "$j" 4 errno)" "whiteout in a user namespace"
	assert_eq true "$(op "$j" 5 ok)" "found-bottom in a user namespace"
	[ "$(jq -r .phases.idmap.duration_ns "$j")" -gt 0 ] || fail "idmap phase not timed"
}

test_start_depth_500_and_501() {
	local j="$BB_TMP/d500.json"
	start_json "$j" --depth 500 --mount-api fsconfig stat:/probe/found-bottom rootfs
	assert_eq true "$(op "$j" 0 ok)" "found-bottom through 500 layers (fsconfig)"
	start_json "$j" --depth 500 --mount-api mount stat:/probe/found-bottom
	assert_eq true "$(op "$j" 0 ok)" "found-bottom through 500 layers (mount(2), short names)"
	run "$BOXBENCH" start --cache-dir "$BB_CACHE" --depth 501
	assert_eq 2 "$rc" "depth 501 exit status"
	assert_contains "$err" "500" "depth 501 message names the limit"
	assert_contains "$err" "OVL_MAX_STACK" "depth 501 message names the kernel's reason"
}

test_start_unreachable_layers_in_userns_are_explained() {
	local cache="$BB_TMP/private-cache"
	mkdir -m 700 "$cache"
	run "$BOXBENCH" start --cache-dir "$cache/stacks" --depth 2 --ns all,user pid
	rm -rf "$cache"
	assert_eq 1 "$rc" "exit status with layers the mapped uid cannot reach"
	assert_contains "$err" "searchable by the mapped uid" "the message explains the fix"
}

test_start_missing_layer_is_named() {
	local cache="$BB_TMP/broken-cache" key
	"$BOXBENCH" start --json --cache-dir "$cache" --depth 4 --seed 99 pid >/dev/null ||
		fail "first start failed"
	key=$(ls "$cache")
	rm -rf "$cache/$key/l/2"
	run "$BOXBENCH" start --cache-dir "$cache" --depth 4 --seed 99 pid
	rm -rf "$cache"
	assert_eq 1 "$rc" "exit status with a layer missing"
	assert_contains "$err" "$key/l/2" "the message names the missing layer"
	assert_contains "$err" "ENOENT" "the message names the errno"
}

test_start_full_cache_fs_leaves_no_partial_stack() {
	local d="$BB_TMP/full"
	mkdir -p "$d"
	run unshare -m sh -c "mount -t tmpfs -o size=256k bbtest '$d' && \
		'$BOXBENCH' start --cache-dir '$d/cache' --depth 64 pid; rc=\$?; \
		echo left=\$(ls -A '$d/cache' 2>/dev/null | wc -l) >&2; exit \$rc"
	assert_eq 1 "$rc" "exit status on a full cache file system"
	assert_contains "$err" "ENOSPC" "the message names ENOSPC"
	assert_contains "$err" "left=0" "nothing half-built remains in the cache"
}

test_start_full_work_fs_is_reported() {
	local d="$BB_TMP/fullwork"
	mkdir -p "$d"
	run unshare -m sh -c "mount -t tmpfs -o nr_inodes=2 bbtest '$d' && \
		'$BOXBENCH' start --cache-dir '$BB_CACHE' --work-dir '$d' pid; rc=\$?; \
		echo left=\$(ls -A '$d' | wc -l) >&2; exit \$rc"
	assert_eq 1 "$rc" "exit status on a full work file system"
	assert_contains "$err" "work dir" "the message says which dir"
	assert_contains "$err" "left=0" "nothing is left in the work dir"
}

test_start_missing_controller_is_named() {
	run unshare -m sh -c "umount /sys/fs/cgroup/pids 2>/dev/null; \
		[ \"\$(stat -f -c %T /sys/fs/cgroup)\" = cgroup2fs ] && exit 99; \
		'$BOXBENCH' start --cache-dir '$BB_CACHE' --pids-max 10 pid"
	[ "$rc" = 99 ] && return 0 # v2-only host: pids cannot be unmounted on its own
	assert_eq 1 "$rc" "exit status without the pids controller"
	assert_contains "$err" "pids" "the message names the controller"
}

test_start_kill_9_leaves_no_mount_and_cleanup_removes_the_rest() {
	local pid
	"$BOXBENCH" start --cache-dir "$BB_CACHE" sleep:10000 >/dev/null 2>&1 &
	pid=$!
	# Wait until the container runs: its cgroup exists and the agent sleeps.
	for _ in $(seq 1 50); do
		pgrep -f boxbench-agent >/dev/null && break
		sleep 0.1
	done
	kill -9 "$pid"
	wait "$pid" 2>/dev/null || true
	grep -q boxbench /proc/self/mountinfo && fail "a mount survived kill -9"
	for _ in $(seq 1 50); do # the agent dies by PDEATHSIG, asynchronously
		pgrep -f boxbench-agent >/dev/null || break
		sleep 0.1
	done
	pgrep -f boxbench-agent >/dev/null && fail "the container's agent survived kill -9"
	[ -d "/var/tmp/boxbench-run-$pid" ] || fail "expected the killed run's work dir to remain"
	find /sys/fs/cgroup -maxdepth 2 -name "boxbench-$pid" | grep -q . ||
		fail "expected the killed run's cgroups to remain"
	run "$BOXBENCH" cleanup
	assert_eq 0 "$rc" "cleanup exit status (stderr: $err)"
	[ -d "/var/tmp/boxbench-run-$pid" ] && fail "cleanup left the work dir"
	find /sys/fs/cgroup -maxdepth 2 -name "boxbench-$pid" | grep -q . && fail "cleanup left cgroups"
	return 0
}

test_start_usage_errors() {
	run "$BOXBENCH" start --ns mnt,bogus
	assert_eq 2 "$rc" "unknown namespace exit status"
	assert_contains "$err" "unknown namespace 'bogus'" "unknown namespace message"
	run "$BOXBENCH" start --memory-max lots
	assert_eq 2 "$rc" "bad size exit status"
	assert_contains "$err" "--memory-max" "bad size message names the option"
	run "$BOXBENCH" start --help
	assert_eq 0 "$rc" "start --help"
	assert_contains "$out" "--depth" "start --help documents --depth"
	run setpriv --reuid=65534 --regid=65534 --clear-groups "$BOXBENCH" start
	assert_eq 1 "$rc" "start as nobody"
	assert_contains "$err" "needs root" "start as nobody"
}

# Without limits the container's only cgroup is the run's v2 group, so clone3 can place it
# there itself (CLONE_INTO_CGROUP) instead of a write to cgroup.procs after the clone.
test_start_clone_into_cgroup_when_v2_is_the_only_group() {
	local j="$BB_TMP/into.json"
	[ -n "$(grep -w cgroup2 /proc/self/mountinfo)" ] || return 0
	start_json "$j" --memory-max 0 --pids-max 0 pid
	assert_eq true "$(jq -r .into_cgroup "$j")" "into_cgroup without v1 limits"
	assert_eq null "$(jq -r .phases.attach "$j")" "no attach phase when clone3 placed it"
	if [ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ]; then
		# Hybrid or v1: limits live on v1, so attaching takes a cgroup.procs write.
		start_json "$j" --memory-max 64M pid
		assert_eq false "$(jq -r .into_cgroup "$j")" "into_cgroup with a v1 memory limit"
		[ "$(jq -r .phases.attach.duration_ns "$j")" -gt 0 ] || fail "attach phase not timed"
	fi
}
