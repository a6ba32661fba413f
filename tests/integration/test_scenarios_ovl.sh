# The overlay scenarios of `boxbench run` (mount, copyup, lookup, readdir) on the real kernel:
# one quick run, its JSON checked for completeness and for effects large enough that a broken
# measurement cannot hide them.

setup_file() {
	BB_CACHE=$(mktemp -d /var/tmp/bbtest-ovl-cache.XXXXXX)
	BB_TMP=$(mktemp -d /tmp/bbtest-ovl.XXXXXX)
	chmod 755 "$BB_CACHE"
	export BB_CACHE BB_TMP
}

teardown_file() {
	rm -rf "$BB_CACHE" "$BB_TMP"
}

SCENARIOS=mount,copyup,lookup,readdir

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

iterations() { # JQ-FILTER-ON-NAME: the iteration rows of the matching cases
	jq -c "[.benchmarks[] | select(.run_type == \"iteration\" and (.name | $1))]" "$BB_TMP/r.json"
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

test_ovl_every_planned_case_ran_three_times() {
	local planned got bad
	quick_run
	planned=$("$BOXBENCH" run --list --suite quick --scenario "$SCENARIOS" --cache-dir "$BB_CACHE" | sort)
	got=$(jq -r '[.benchmarks[] | select(.run_type == "iteration") | .name] | unique | .[]' \
		"$BB_TMP/r.json" | sort)
	assert_eq "$planned" "$got" "cases with iteration rows vs the planned cases"
	for s in mount copyup lookup readdir; do
		grep -q "^$s/" <<<"$got" || fail "no $s case ran"
	done
	bad=$(jq -r '[.benchmarks[] | select(.run_type == "iteration")] | group_by(.name)
		| map(select(length != 3)) | map("\(.[0].name): \(length)") | .[]' "$BB_TMP/r.json")
	[ -z "$bad" ] || fail "cases without exactly 3 iteration rows: $bad"
	bad=$(jq -r '.benchmarks[] | select(.error_occurred == true)
		| "\(.name): \(.error_message)"' "$BB_TMP/r.json")
	[ -z "$bad" ] || fail "failed cases: $bad"
}

test_ovl_kernel_time_within_wall_time() {
	local bad n
	quick_run
	n=$(iterations 'test(".")' | jq '[.[] | select(.kernel_ns != null)] | length')
	[ "$n" -gt 0 ] || skip "no kernel_ns in the results: the probes are off on this kernel"
	bad=$(iterations 'test(".")' | jq -r '.[] | select(.kernel_ns != null and
		.kernel_ns > .real_time) | "\(.name) #\(.repetition_index): kernel \(.kernel_ns) > wall \(.real_time)"')
	[ -z "$bad" ] || fail "kernel time over wall time: $bad"
	iterations 'test(".")' | jq -e 'all(.[]; .real_time > 0)' >/dev/null ||
		fail "an iteration has no wall time"
}

test_ovl_mount_more_layers_cost_more() {
	local res="$BB_TMP/mount-depth.json" api
	# Seven layers add ~30 µs to a ~150 µs mount: on a shared 2-core machine the medians of
	# 3 samples at depths 1 and 8 cross in about one run of ten. 63 layers add ~400 µs.
	run "$BOXBENCH" run --scenario mount --depth 1,64 --repetitions 5 --warmup 1 \
		--out "$res" --cache-dir "$BB_CACHE"
	[ "$rc" = 0 ] || fail "boxbench run of mount at depths 1 and 64 exited $rc: $err"
	for api in mount fsconfig; do
		slower "$(jq -r --arg n "mount/driver:overlay/api:$api/depth:64/op:mount" \
			'.benchmarks[] | select(.aggregate_name == "median" and .run_name == $n)
			| .real_time' "$res")" \
			"$(jq -r --arg n "mount/driver:overlay/api:$api/depth:1/op:mount" \
			'.benchmarks[] | select(.aggregate_name == "median" and .run_name == $n)
			| .real_time' "$res")" \
			"mount with the $api API, depth 64 vs depth 1"
	done
}

test_ovl_lookup_cold_walks_the_layers() {
	quick_run
	slower "$(median lookup/depth:64/target:found-bottom/cache:cold)" \
		"$(median lookup/depth:8/target:found-bottom/cache:cold)" \
		"cold lookup of a name in the bottom layer, depth 64 vs 8"
	slower "$(median lookup/depth:64/target:absent/cache:cold)" \
		"$(median lookup/depth:64/target:absent/cache:warm)" \
		"negative lookup at depth 64, cold vs warm"
}

test_ovl_copyup_copies_the_data() {
	local pfx
	quick_run
	pfx=$(jq -r '[.benchmarks[].name | select(startswith("copyup/"))][0] | sub("/depth:.*"; "")' \
		"$BB_TMP/r.json")
	slower "$(median "$pfx/depth:8/size:1MiB/at:bottom/trigger:open-w/opts:default")" \
		"$(median "$pfx/depth:8/size:4KiB/at:bottom/trigger:open-w/opts:default")" \
		"copy-up on open for write, 1 MiB vs 4 KiB"
	# metacopy: chmod copies the inode and xattrs only, whatever the size.
	slower "$(median "$pfx/depth:8/size:1MiB/at:bottom/trigger:open-w/opts:default")" \
		"$(median "$pfx/depth:8/size:1MiB/at:bottom/trigger:chmod/opts:metacopy")" \
		"1 MiB: data copy-up (open-w) vs metadata-only (chmod with metacopy)"
}

test_ovl_wrong_stack_is_named_not_timed() {
	local cache="$BB_CACHE/broken" res="$BB_TMP/broken.json" stack msg
	mkdir -m 755 "$cache"
	"$BOXBENCH" run --scenario lookup --depth 2 --repetitions 1 --warmup 0 --out "$res" \
		--cache-dir "$cache" >/dev/null 2>&1 || fail "first run at depth 2 failed"
	# Delete the top layer's whiteout: the name now resolves, and the case must say why.
	stack=$(dirname "$(ls "$cache"/*/stack.json)")
	rm "$stack/l/1/probe/wh-top"
	run "$BOXBENCH" run --scenario lookup --depth 2 --repetitions 1 --warmup 0 --out "$res" \
		--cache-dir "$cache"
	assert_eq 1 "$rc" "exit status with one failed case"
	assert_contains "$err" "1 of " "the last line counts the failed case"
	msg=$(jq -r '.benchmarks[] | select(.name == "lookup/depth:2/target:whiteout-top/cache:cold")
		| .error_message' "$res")
	assert_contains "$msg" "probe/wh-top" "the message names the path"
	assert_contains "$msg" "not ENOENT" "the message says what was wrong"
	assert_contains "$msg" "rebuilt" "the message gives the fix"
	assert_eq null "$(jq -r '.benchmarks[] | select(.name == "lookup/depth:2/target:found-top/cache:cold")
		| .error_message' "$res")" "an intact case of the same stack"
}

# The default memory store: a file system made in RAM for the run, named in the cases and the
# context, and gone afterwards (the runner's leftover check covers mounts and loop devices).
test_ovl_memory_store_runs_and_is_named() {
	local res="$BB_TMP/mem.json" fs
	for fs in ext4 tmpfs; do
		run "$BOXBENCH" run --backing "$fs" --scenario copyup,lookup --depth 8 --size 4K \
			--repetitions 2 --warmup 0 --out "$res"
		[ "$rc" = 0 ] || fail "boxbench run --backing $fs exited $rc: $err"
		assert_eq "" "$err" "stderr of a clean run on --backing $fs"
		assert_eq memory "$(jq -r .context.backing_store "$res")" "backing_store on $fs"
		assert_eq "$fs" "$(jq -r .context.backing_fs "$res")" "backing_fs on $fs"
		jq -e --arg fs "$fs" '[.benchmarks[] | select(.run_type == "iteration" and
			(.name | startswith("copyup/")))] | length > 0 and
			all(.[]; (.name | contains("/fs:" + $fs + "/")) and .error_occurred != true)' \
			"$res" >/dev/null || fail "copyup cases on --backing $fs: not all named fs:$fs and ok"
	done
	run "$BOXBENCH" run --backing host --scenario lookup --depth 8 --repetitions 1 --warmup 0 \
		--out "$res" --cache-dir "$BB_CACHE"
	[ "$rc" = 0 ] || fail "boxbench run --backing host exited $rc: $err"
	assert_eq host "$(jq -r .context.backing_store "$res")" "backing_store with --backing host"
	run "$BOXBENCH" run --backing xfs --cache-dir "$BB_CACHE" --list
	assert_eq 2 "$rc" "--cache-dir with a memory store"
	assert_contains "$err" "--backing host" "the refusal names the fix"
}
