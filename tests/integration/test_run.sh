# boxbench run's command line: what it refuses, and what --list plans; and how a run ends:
# stopped by a signal, or with cases that failed.

run_top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

test_run_usage_errors_name_the_problem() {
	run "$BOXBENCH" run --bogus
	assert_eq 2 "$rc" "unknown option"
	assert_contains "$err" "unknown option '--bogus'" "unknown option message"
	run "$BOXBENCH" run --scenario nope
	assert_eq 2 "$rc" "unknown scenario"
	assert_contains "$err" "unknown scenario 'nope'" "unknown scenario message"
	run "$BOXBENCH" run --depth 501
	assert_eq 2 "$rc" "depth 501"
	assert_contains "$err" "--depth" "depth message names the option"
	run "$BOXBENCH" run --suite huge
	assert_eq 2 "$rc" "unknown suite"
	run "$BOXBENCH" run --size lots
	assert_eq 2 "$rc" "bad size"
	run "$BOXBENCH" run --block 0
	assert_eq 2 "$rc" "block 0"
	assert_contains "$err" "--block: '0' is not a whole number" "block message"
	run "$BOXBENCH" run --settle 3xyz
	assert_eq 2 "$rc" "bad settle"
	assert_contains "$err" "--settle: cannot read '3xyz'" "settle message"
	run "$BOXBENCH" run --idle-settle gp+bad
	assert_eq 2 "$rc" "bad idle settle"
	assert_contains "$err" "--idle-settle: cannot read 'gp+bad'" "idle-settle message names it"
	run "$BOXBENCH" run --cache hot
	assert_eq 2 "$rc" "unknown cache state"
	assert_contains "$err" "unknown cache state 'hot'" "cache message"
}

# --cache dropped plans and measures only cache:dropped lookups, and the results' context
# records how the run was scheduled.
test_run_cache_dropped_and_the_schedule_in_the_context() {
	local d names
	d=$(mktemp -d /tmp/bbtest-run-dropped.XXXXXX)
	trap "rm -rf '$d'" EXIT
	mkdir "$d/cache"
	run "$BOXBENCH" run --suite quick --scenario lookup --depth 8 --cache dropped \
		--repetitions 2 --settle gp+1ms --cache-dir "$d/cache" --out "$d/r.json"
	assert_eq 0 "$rc" "run --cache dropped (stderr: $(tail -c 300 <<<"$err"))"
	names=$(jq -r '[.benchmarks[] | select(.run_type == "iteration") | .name] | unique | .[]' \
		"$d/r.json")
	[ -n "$names" ] || fail "no case ran"
	grep -v '/cache:dropped$' <<<"$names" && fail "a case other than cache:dropped ran"
	jq -e '[.benchmarks[] | select(.run_type == "iteration") | .real_time > 0] | all' \
		"$d/r.json" >/dev/null || fail "a dropped lookup has no positive time"
	assert_eq '1 gp+1ms 3gp blocks-random' \
		"$(jq -r '.context | "\(.block) \(.settle) \(.idle_settle) \(.case_order)"' "$d/r.json")" \
		"the context's schedule"
}

test_run_as_nobody_explains_root() {
	run setpriv --reuid=65534 --regid=65534 --clear-groups "$BOXBENCH" run --suite quick
	assert_eq 1 "$rc" "run as nobody"
	assert_contains "$err" "needs root" "run as nobody"
}

test_run_list_plans_every_scenario_and_honours_options() {
	local all names
	all=$("$BOXBENCH" run --list --suite quick) || fail "run --list failed"
	for s in ns cgroup mount pivot copyup lookup readdir start; do
		grep -q "^$s/" <<<"$all" || fail "the quick suite plans no $s case"
	done
	names=$("$BOXBENCH" run --list --scenario lookup --depth 3,5) || fail "--depth list failed"
	grep -q '^lookup/depth:3/' <<<"$names" || fail "--depth 3 gave no depth:3 case"
	grep -qv '^lookup/depth:[35]/' <<<"$names" && fail "--depth 3,5 planned another depth"
	[ "$(sort <<<"$all" | uniq -d | wc -l)" -eq 0 ] || fail "two cases share a name"
	[ "$("$BOXBENCH" run --list --suite full | wc -l)" -gt "$(wc -l <<<"$all")" ] ||
		fail "the full suite plans no more than quick"
}

test_run_writes_nothing_when_it_cannot_run() {
	local d
	d=$(mktemp -d /tmp/bbtest-run.XXXXXX)
	run "$BOXBENCH" run --scenario nope --out "$d/r.json"
	[ -z "$(ls -A "$d")" ] || { rm -rf "$d"; fail "a refused run wrote $(ls "$d")"; }
	run "$BOXBENCH" run --suite quick --scenario start --out "$d/no/such/dir/r.json"
	rm -rf "$d"
	# Refused before anything is measured (test_output_paths.sh has the other cases).
	assert_eq 2 "$rc" "run with an unwritable --out"
	assert_contains "$err" "--out: cannot open $d/no: ENOENT (it does not exist" \
		"unwritable --out message"
}

# Waits until a run is measuring: one of its start cases' containers (an agent that is not a
# zombie a killed process left for init to reap) is seen.
wait_for_measuring() { # PID
	local a
	for _ in $(seq 1 600); do
		for a in $(pgrep -f boxbench-agent); do
			[ "$(awk '{print $3}' "/proc/$a/stat" 2>/dev/null)" = Z ] || return 0
		done
		kill -0 "$1" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# Ctrl-C (SIGINT) or SIGTERM: the run stops after the iteration under way, writes what it
# measured marked partial (valid against the schema), removes its cgroups and work dir, and
# exits 128 + the signal.
check_stop_by() { # SIGNAL STATUS
	local d pid rc t0 ms reason
	d=$(mktemp -d /tmp/bbtest-run-stop.XXXXXX)
	trap "rm -rf '$d'" EXIT # each test runs in a subshell of its own
	# A background job of a script starts with SIGINT ignored; a terminal's Ctrl-C finds it
	# at its default.
	env --default-signal=INT "$BOXBENCH" run --suite quick --scenario lookup,start \
		--repetitions 5000 --out "$d/r.json" >"$d/out" 2>"$d/err" &
	pid=$!
	if ! wait_for_measuring "$pid"; then
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		"$BOXBENCH" cleanup >/dev/null 2>&1
		fail "the run never started a container: $(tail -c 400 "$d/err")"
	fi
	sleep 0.5
	t0=$(date +%s%N)
	kill -"$1" "$pid"
	rc=0
	wait "$pid" || rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	assert_eq "$2" "$rc" "exit status after SIG$1 (stderr: $(tail -c 400 "$d/err"))"
	[ "$ms" -lt 10000 ] || fail "the run took $ms ms to stop after SIG$1"
	[ -s "$d/r.json" ] || fail "no partial results after SIG$1 (stderr: $(cat "$d/err"))"
	assert_eq true "$(jq -r .context.partial "$d/r.json")" "context.partial after SIG$1"
	reason=$(jq -r .context.partial_reason "$d/r.json")
	assert_contains "$reason" "stopped by SIG$1 after" "context.partial_reason"
	jq -e '[.benchmarks[] | select(.run_type == "iteration" and (.error_occurred | not)
		and .real_time > 0)] | length > 0' "$d/r.json" >/dev/null ||
		fail "the partial results hold no measured iteration"
	run "$run_top/tests/helpers/check-schema" "$d/r.json"
	assert_eq 0 "$rc" "the partial results against results/schema.json ($err)"
	assert_contains "$(cat "$d/err")" "the results are partial" "the run says its results are partial"
	return 0 # the runner checks that nothing is left: its cgroups, work dir, mounts
}

test_run_sigint_writes_partial_results_and_removes_everything() { check_stop_by INT 130; }
test_run_sigterm_writes_partial_results_and_removes_everything() { check_stop_by TERM 143; }

test_run_cache_dir_that_is_a_file_is_refused_before_measuring() {
	local d
	d=$(mktemp -d /tmp/bbtest-run-cache.XXXXXX)
	touch "$d/file"
	run "$BOXBENCH" run --suite quick --cache-dir "$d/file" --out "$d/r.json"
	local left
	left=$(ls "$d")
	rm -rf "$d"
	assert_eq 1 "$rc" "run with a regular file as --cache-dir"
	assert_contains "$err" "is not a directory" "the message says what is wrong"
	assert_contains "$err" "--cache-dir" "the message names the option"
	assert_eq file "$left" "files written by the refused run"
}

# A case that fails makes the run exit 1, with a last line that says how many and why; the
# results are still written, the failed cases marked. (An agent that cannot be executed fails
# every start case and nothing else.)
test_run_exits_1_and_says_why_when_cases_failed() {
	local d n total
	d=$(mktemp -d /tmp/bbtest-run-fail.XXXXXX)
	trap "rm -rf '$d'" EXIT
	n=$("$BOXBENCH" run --list --suite quick --scenario start | wc -l)
	total=$("$BOXBENCH" run --list --suite quick --scenario lookup,start | wc -l)
	run env BOXBENCH_AGENT=/etc/hostname "$BOXBENCH" run --suite quick --scenario lookup,start \
		--repetitions 2 --warmup 0 --out "$d/r.json"
	assert_eq 1 "$rc" "exit status with failed cases (stderr: $(tail -c 300 <<<"$err"))"
	assert_contains "$err" "$n of $total cases failed (start $n)" "the summary line"
	assert_contains "$err" "cannot execute the agent" "the summary gives the first failure's reason"
	assert_eq "$n" "$(jq '[.benchmarks[] | select(.error_occurred == true)] | length' "$d/r.json")" \
		"failed rows in the results"
	jq -e '[.benchmarks[] | select(.run_type == "iteration" and (.error_occurred | not))]
		| length > 0' "$d/r.json" >/dev/null || fail "the lookup cases were not measured"
}

# Every option the README's run row names is one that run --help documents (and so parses).
test_run_readme_names_only_options_that_exist() {
	local row help opt missing=
	row=$(grep '^| `boxbench run \[options\]`' "$run_top/README.md") || fail "no run row in README.md"
	help=$("$BOXBENCH" run --help) || fail "run --help failed"
	for opt in $(grep -o -- '`--[a-z-]*' <<<"$row" | tr -d '`' | sort -u); do
		# The option itself, not one it is the start of (--cache of --cache-dir).
		grep -qE -- "^  $opt( |$)" <<<"$help" || missing="$missing $opt"
	done
	[ -z "$missing" ] || fail "README's run row names options run --help does not have:$missing"
}

# pace:after-teardown: each measured start follows one untimed start of its case, torn down,
# both after the idle settle. The primer's attach leaves the cgroup threadgroup rwsem's
# rcu_sync in its fast state, so the measured attach is the back-to-back one (microseconds),
# not pace:idle's synchronize_rcu (milliseconds): a schedule that skipped the primer fails this.
test_run_after_teardown_starts_follow_a_torn_down_one() {
	local d idle after
	d=$(mktemp -d /tmp/bbtest-run-teardown.XXXXXX)
	trap "rm -rf '$d'" EXIT
	mkdir "$d/cache"
	run "$BOXBENCH" run --suite quick --scenario start --repetitions 5 --cache-dir "$d/cache" \
		--out "$d/r.json"
	assert_eq 0 "$rc" "run --scenario start (stderr: $(tail -c 300 <<<"$err"))"
	for net in yes no; do
		jq -e --arg n "start/driver:overlay/depth:8/netns:$net/pace:after-teardown" \
			'[.benchmarks[] | select(.run_type == "iteration" and .name == $n)] | length == 5' \
			"$d/r.json" >/dev/null || fail "no 5 samples of the netns:$net after-teardown case"
	done
	attach() { # PACE: the median attach phase of the netns:yes case at PACE
		jq -r --arg n "start/driver:overlay/depth:8/netns:yes/pace:$1" '.benchmarks[] |
			select(.run_type == "aggregate" and .aggregate_name == "median" and
			.run_name == $n) | .attach_ns // empty' "$d/r.json"
	}
	idle=$(attach idle)
	after=$(attach after-teardown)
	[ -n "$idle" ] && [ -n "$after" ] || fail "no attach phase in the start cases' results"
	# On a v2-only host the start is placed by CLONE_INTO_CGROUP: no cgroup.procs write.
	awk -v i="$idle" 'BEGIN { exit !(i > 1000000) }' ||
		skip "pace:idle's attach took $idle ns, no grace period: this host's attach does not wait for one"
	awk -v i="$idle" -v a="$after" 'BEGIN { exit !(a * 5 < i) }' ||
		fail "after-teardown's attach ($after ns) is not a fifth of pace:idle's ($idle ns): was the primer run?"
}
