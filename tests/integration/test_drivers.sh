# The storage drivers on the real kernel: each one's containers see the stack's planted answers
# (found names, whiteouts, opaque dirs) as on overlay, each runs the quick suite's lookup,
# copyup, mount and start cases (copyup checks the file landed in the container's writable
# layer; lookup checks every planted answer), and none leaves a mount, FUSE daemon, loop
# device or dir behind, also after a kill -9 and `boxbench cleanup`.

DRIVERS="overlay fuse-overlayfs vfs btrfs composefs overlay-idmap"

setup_file() {
	BB_CACHE=$(mktemp -d /var/tmp/bbtest-cache.XXXXXX)
	BB_TMP=$(mktemp -d /tmp/bbtest-drivers.XXXXXX)
	export BB_CACHE BB_TMP
}

teardown_file() {
	rm -rf "$BB_CACHE" "$BB_TMP"
}

# What the container's own mountinfo says / is, per driver.
root_type() { # DRIVER
	case $1 in
	fuse-overlayfs) echo fuse.fuse-overlayfs ;;
	vfs) findmnt -no FSTYPE --target "$BB_TMP" ;; # a bind mount of the work dir's fs
	btrfs) echo btrfs ;;
	*) echo overlay ;;
	esac
}

check_driver_view() { # DRIVER DEPTH
	local d=$1 depth=$2 j="$BB_TMP/view-$1-$2.json"
	"$BOXBENCH" start --json --cache-dir "$BB_CACHE" --work-dir "$BB_TMP" --driver "$d" \
		--depth "$depth" rootfs stat:/probe/found-top stat:/probe/found-bottom \
		stat:/probe/absent stat:/probe/wh-top stat:/probe/wh-bottom \
		stat:/probe/opq/hidden stat:/probe/opq/visible stat:/etc/hosts \
		open-w:/probe/found-bottom >"$j" 2>"$j.err" ||
		fail "start --driver $d --depth $depth exited $?: $(cat "$j.err")"
	op() { jq -r ".ops[$1].$2" "$j"; }
	assert_eq "$(root_type "$d")" "$(jq -r .rootfs_type "$j")" "/ of a $d container"
	assert_eq true "$(op 1 ok)" "$d: found-top visible (depth $depth)"
	assert_eq true "$(op 2 ok)" "$d: found-bottom visible (depth $depth)"
	assert_eq ENOENT "$(op 3 errno)" "$d: absent name (depth $depth)"
	assert_eq ENOENT "$(op 4 errno)" "$d: whited out at the top (depth $depth)"
	assert_eq ENOENT "$(op 5 errno)" "$d: whited out above the bottom (depth $depth)"
	assert_eq ENOENT "$(op 6 errno)" "$d: entry under an opaque dir (depth $depth)"
	assert_eq true "$(op 7 ok)" "$d: the opaque dir's own entry (depth $depth)"
	assert_eq true "$(op 8 ok)" "$d: the init layer's /etc/hosts"
	assert_eq true "$(op 9 ok)" "$d: first write of a lower file"
	[ "$(jq -r .phases.init.duration_ns "$j")" -gt 0 ] || fail "$d: init layer not timed"
}

test_every_driver_shows_the_planted_answers_depth_8() {
	for d in $DRIVERS; do check_driver_view "$d" 8; done
}

test_every_driver_shows_the_planted_answers_depth_64() {
	for d in $DRIVERS; do check_driver_view "$d" 64; done
}

# The quick suite's driver cases, every driver at once: the lookups check each planted answer,
# the copy-ups that the file is in the writable layer afterwards; exit 0 means all ran.
test_quick_suite_on_every_driver() {
	local r="$BB_TMP/quick.json" n
	run "$BOXBENCH" run --suite quick --driver all --scenario lookup,copyup,mount,start \
		--depth 8 --cache cold --repetitions 2 --out "$r" --cache-dir "$BB_CACHE" \
		--work-dir "$BB_TMP"
	assert_eq 0 "$rc" "quick suite on every driver (stderr: $err)"
	for d in $DRIVERS; do
		n=$(jq --arg d "driver:$d/" '[.benchmarks[] | select(.run_type == "iteration"
			and (.name | contains($d)))] | length' "$r")
		[ "$n" -gt 0 ] || fail "no measured rows for $d"
	done
	[ "$(jq '[.benchmarks[] | select(.error_occurred == true)] | length' "$r")" = 0 ] ||
		fail "failed rows: $(jq -c '[.benchmarks[] | select(.error_occurred == true) | .name]' "$r")"
	assert_contains "$out" "overlay" "the side-by-side table names the reference"
	grep -q 'mount/driver:vfs/depth:8/op:rootfs .* x[0-9.]* overlay' <<<"$out" ||
		fail "no ratio to overlay in the table: $(grep op:rootfs <<<"$out")"
}

test_unknown_driver_is_a_usage_error() {
	run "$BOXBENCH" run --driver overlay,nonesuch --list
	assert_eq 2 "$rc" "exit status for an unknown driver"
	assert_contains "$err" "unknown storage driver 'nonesuch'" "names the bad driver"
	assert_contains "$err" "fuse-overlayfs" "lists the drivers there are"
}

# With fuse-overlayfs hidden (a private mount namespace binds /dev/null over it): naming the
# driver exits 1 with the fix; a full run that did not name it marks its cases skipped.
test_a_driver_that_cannot_work_is_refused_or_skipped() {
	local bin r="$BB_TMP/skip.json"
	bin=$(command -v fuse-overlayfs) || fail "fuse-overlayfs is not installed"
	run unshare -m --propagation private sh -c 'mount --bind /dev/null "$1" && shift &&
		exec "$@"' sh "$bin" "$BOXBENCH" run --driver fuse-overlayfs --scenario mount \
		--depth 1 --repetitions 1 --out "$r"
	assert_eq 1 "$rc" "exit status when the named driver cannot work"
	assert_contains "$err" "apt-get install fuse-overlayfs" "names the fix"
	[ ! -e "$r" ] || fail "results were written for a refused run"
	run unshare -m --propagation private sh -c 'mount --bind /dev/null "$1" && shift &&
		exec "$@"' sh "$bin" "$BOXBENCH" run --suite full --scenario mount --depth 1 \
		--repetitions 1 --out "$r" --cache-dir "$BB_CACHE" --work-dir "$BB_TMP"
	assert_eq 0 "$rc" "a skipped driver is no failure (stderr: $err)"
	assert_eq true "$(jq -r '.benchmarks[] | select(.name ==
		"mount/driver:fuse-overlayfs/depth:1/op:rootfs") | .skipped' "$r")" "skipped row"
	assert_contains "$out" "skipped: fuse-overlayfs is not installed" "the table says why"
}

# Killed with kill -9 while every driver's roots are mounted (FUSE daemons, loop devices,
# btrfs subvolumes): after cleanup nothing of it is left (the runner compares everything).
test_kill_9_mid_run_leaves_nothing_after_cleanup() {
	local pid
	"$BOXBENCH" run --driver all --scenario mount,lookup --depth 8 --cache warm \
		--repetitions 2000 --out "$BB_TMP/k.json" --cache-dir "$BB_CACHE" \
		--work-dir "$BB_TMP" >/dev/null 2>&1 &
	pid=$!
	for _ in $(seq 1 100); do
		pgrep -x fuse-overlayfs >/dev/null && break
		sleep 0.1
	done
	sleep 1
	kill -9 "$pid"
	wait "$pid" 2>/dev/null || true
	for _ in $(seq 1 30); do
		pgrep -x fuse-overlayfs >/dev/null || break
		sleep 0.1
	done
	run "$BOXBENCH" cleanup --work-dir "$BB_TMP"
	assert_eq 0 "$rc" "cleanup after kill -9 (stderr: $err)"
	pgrep -a fuse-overlayfs && fail "a FUSE daemon outlived its run"
	[ -z "$(ls -d "$BB_TMP"/boxbench-* 2>/dev/null)" ] || fail "run dirs left: $(ls "$BB_TMP")"
	return 0
}
