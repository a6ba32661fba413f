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
	wait_for_agent || true
	kill -9 "$pid"
	wait "$pid" 2>/dev/null || true
	grep -q boxbench /proc/self/mountinfo && fail "a mount survived kill -9"
	for _ in $(seq 1 50); do # the agent dies by PDEATHSIG, asynchronously
		[ -z "$(agent_pids)" ] && break
		sleep 0.1
	done
	[ -n "$(agent_pids)" ] && fail "the container's agent survived kill -9"
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

# The agents running now. A killed start's agent is reaped by init, here about every 2 s: a
# zombie has done its dying.
agent_pids() {
	local p
	for p in $(pgrep -f boxbench-agent); do
		[ "$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)" = Z ] || echo "$p"
	done
}

wait_for_agent() {
	for _ in $(seq 1 100); do
		[ -n "$(agent_pids)" ] && return 0
		sleep 0.1
	done
	return 1
}

# An agent told to sleep for a minute must not hold up Ctrl-C or SIGTERM: start kills the
# container, removes its cgroups and work dir, and exits 128 + the signal at once.
check_start_stopped_by() { # SIGNAL STATUS
	local pid rc t0 ms e
	e=$(mktemp /tmp/bbtest-start-stop.XXXXXX)
	trap "rm -f '$e'" EXIT
	env --default-signal=INT "$BOXBENCH" start --cache-dir "$BB_CACHE" sleep:60000 \
		>/dev/null 2>"$e" &
	pid=$!
	wait_for_agent || fail "the container never ran: $(cat "$e")"
	t0=$(date +%s%N)
	kill -"$1" "$pid"
	rc=0
	wait "$pid" || rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	assert_eq "$2" "$rc" "exit status after SIG$1 (stderr: $(cat "$e"))"
	[ "$ms" -lt 5000 ] || fail "start took $ms ms to stop after SIG$1"
	assert_contains "$(cat "$e")" "stopped by SIG$1" "start says what stopped it"
	[ -z "$(agent_pids)" ] || fail "the agent outlived the stopped start"
	return 0 # the runner checks that nothing is left: its cgroups, work dir, mounts
}

test_start_sigint_kills_a_sleeping_agent_and_removes_everything() { check_start_stopped_by INT 130; }
test_start_sigterm_kills_a_sleeping_agent_and_removes_everything() { check_start_stopped_by TERM 143; }

# Setting uid 0 inside the user namespace clears the parent-death signal: unless it is set
# again, a container in a user namespace outlives a killed start.
test_start_kill_9_kills_a_user_namespace_container_too() {
	local pid a
	"$BOXBENCH" start --cache-dir "$BB_CACHE" --ns all,user sleep:60000 >/dev/null 2>&1 &
	pid=$!
	wait_for_agent || fail "the container never ran"
	kill -9 "$pid"
	wait "$pid" 2>/dev/null || true
	for _ in $(seq 1 50); do
		a=$(agent_pids)
		[ -z "$a" ] && break
		sleep 0.1
	done
	# The runner's leftover check does not see a process not named boxbench: end it here.
	[ -n "$a" ] && kill -9 $a
	for _ in $(seq 1 100); do # until init reaped it: the next test waits for an agent
		pgrep -f boxbench-agent >/dev/null || break
		sleep 0.1
	done
	run "$BOXBENCH" cleanup
	[ -z "$a" ] || fail "the user namespace container (pid $a) outlived kill -9 of start"
	assert_eq 0 "$rc" "cleanup after the killed start ($err)"
}

test_start_user_namespace_without_pid_namespace_is_refused_with_the_fix() {
	run "$BOXBENCH" start --cache-dir "$BB_CACHE" --ns mnt,user pid
	assert_eq 2 "$rc" "exit status of --ns user without pid"
	assert_contains "$err" "pid namespace" "the message says what is missing"
	assert_contains "$err" "--ns user,pid" "the message gives the fix"
	start_json "$BB_TMP/userpid.json" --ns mnt,user,pid pid uid
	assert_eq 1 "$(op "$BB_TMP/userpid.json" 0 value)" "pid inside --ns mnt,user,pid"
	assert_eq 0 "$(op "$BB_TMP/userpid.json" 1 value)" "uid inside --ns mnt,user,pid"
}

test_start_fork_takes_more_than_4096_children() {
	local j="$BB_TMP/fork.json"
	start_json "$j" --pids-max 0 --memory-max 1G fork:5000 fork:lots fork:99999999
	assert_eq true "$(op "$j" 0 ok)" "fork:5000 without a pids limit"
	assert_eq 5000 "$(op "$j" 0 value)" "children fork:5000 made"
	assert_eq EINVAL "$(op "$j" 1 errno)" "fork:lots"
	assert_eq E2BIG "$(op "$j" 2 errno)" "fork past the kernel's most pids"
}

# A minimal chroot: boxbench, its agent and the libraries ldd names; /proc, /sys and /dev of
# the host. Runs CMD... in it from a private mount namespace, so nothing mounted for it stays;
# MODE bind makes the dir a mount point first. chroot runs as the shell's child, as typed at a
# prompt (exec'd by the process that made the namespace, /proc/self/exe read right even before
# the fix, for reasons not pinned down).
in_chroot() { # MODE CMD...
	local mode=$1 root lib
	shift
	root=$(mktemp -d /var/tmp/bbtest-chroot.XXXXXX)
	mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev" "$root/tmp" "$root/var/tmp"
	cp "$BOXBENCH" "$(dirname "$BOXBENCH")/boxbench-agent" "$root/bin/"
	for lib in $(ldd "$BOXBENCH" | grep -o '/[^ ]*'); do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
	run unshare -m --propagation private sh -c '
		root=$1 mode=$2; shift 2
		if [ "$mode" = bind ]; then mount --bind "$root" "$root" || exit 90; fi
		mount -t proc proc "$root/proc" && mount --rbind /sys "$root/sys" &&
			mount --rbind /dev "$root/dev" || exit 91
		chroot "$root" "$@"' sh "$root" "$mode" "$@"
	rm -rf "$root"
}

test_start_and_run_in_a_chroot_find_their_agent() {
	in_chroot bind /bin/boxbench start --json --cache-dir /var/tmp/cache pid rootfs
	assert_eq 0 "$rc" "start in a chroot (stderr: $err)"
	assert_eq 1 "$(jq -r '.ops[0].value' <<<"$out")" "pid inside, started from a chroot"
	assert_eq overlay "$(jq -r .rootfs_type <<<"$out")" "the container's / from a chroot"
	# tmpfs: the chroot has no mkfs for the default ext4 store.
	in_chroot bind /bin/boxbench run --suite quick --backing tmpfs --scenario start \
		--repetitions 1 --warmup 0 --out /tmp/r.json
	assert_eq 0 "$rc" "run in a chroot (stderr: $err)"
	assert_contains "$out" "start/driver:overlay/depth:8/netns:yes" "run's start cases in a chroot"
}

test_start_in_a_chroot_that_is_no_mount_point_says_why() {
	in_chroot plain /bin/boxbench start --cache-dir /var/tmp/cache pid
	assert_eq 1 "$rc" "start in a chroot into a plain dir"
	assert_contains "$err" "/ is not a mount point" "the message says why"
	assert_contains "$err" "mount --bind DIR DIR" "the message gives the fix"
}

# A CI job inside a container: the cache and work dirs are on overlayfs. 0/0 whiteouts and an
# upper dir there are refused by the kernel whoever asks; each refusal says so and what works.
test_start_with_cache_and_work_dir_on_overlayfs_says_why_and_what_works() {
	local d=$BB_TMP/ovl-host
	mkdir -p "$d"/{l,u,w,m} "$BB_TMP/ovl-tmpfs"
	run unshare -m --propagation private sh -c "
		mount -t overlay overlay -o lowerdir=$d/l,upperdir=$d/u,workdir=$d/w $d/m &&
		mkdir -p $d/m/cache $d/m/work && mount -t tmpfs tmpfs $BB_TMP/ovl-tmpfs &&
		echo '== chardev' && $BOXBENCH start --depth 4 --cache-dir $d/m/cache --work-dir $d/m/work 2>&1;
		echo '== xattr' && $BOXBENCH start --depth 4 --whiteout xattr --cache-dir $d/m/cache --work-dir $d/m/work 2>&1;
		echo '== tmpfs work dir' && $BOXBENCH start --depth 4 --whiteout xattr --cache-dir $d/m/cache --work-dir $BB_TMP/ovl-tmpfs 2>&1"
	assert_contains "$out" "the stack cache dir is on overlayfs, which refuses to create 0/0 devices" \
		"the chardev whiteout refusal says why"
	assert_contains "$out" "use --whiteout xattr, or a --cache-dir on another file system" "and the fix"
	assert_contains "$out" "is on overlayfs, which overlay cannot use as an upper layer" \
		"the upper dir refusal says why"
	assert_contains "$(sed -n '/== tmpfs work dir/,$p' <<<"$out")" "the agent exited with status 0" \
		"xattr whiteouts and a work dir off the overlay work"
	rm -rf "$d" "$BB_TMP/ovl-tmpfs"
}
