# boxbench run's command line: what it refuses, and what --list plans.

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
