# boxbench compare on real runs (A/A: no regression; A/B: depth 8 against depth 64 under the same
# names flags the cold negative lookups) and on hand-written inputs: contexts that differ, bad
# files, google/benchmark and hyperfine formats.

setup_file() {
	BB_CACHE=$(mktemp -d /var/tmp/bbtest-cmp-cache.XXXXXX)
	chmod 755 "$BB_CACHE"
	BB_TMP=$(mktemp -d /tmp/bbtest-cmp.XXXXXX)
	export BB_CACHE BB_TMP
}

teardown_file() {
	rm -rf "$BB_CACHE" "$BB_TMP"
}

bb_run() { # OUT ARGS...: a quick run into $BB_TMP/OUT.json
	local name=$1
	shift
	run "$BOXBENCH" run --suite quick --cache-dir "$BB_CACHE" --out "$BB_TMP/$name.json" "$@"
	assert_eq 0 "$rc" "boxbench run $* (stderr: $(tail -n 5 <<<"$err"))"
}

test_a_a_has_no_regression() {
	local a=(--scenario lookup,mount --repetitions 10 --warmup 2)

	bb_run aa1 "${a[@]}"
	bb_run aa2 "${a[@]}"
	# --normalize: a shared machine can run the second run 10% slower as a whole (it did,
	# once, with another boxbench running beside the tests); that is the machine's change,
	# not the code's. The raw A/A pairs are a benchmark, recorded in results/README.md.
	run "$BOXBENCH" compare --normalize "$BB_TMP/aa1.json" "$BB_TMP/aa2.json"
	assert_eq 0 "$rc" "compare A/A exit status (stderr: $err; stdout: $out)"
	grep -q ' regression$' <<<"$out" && fail "A/A flagged a regression: $out"
	assert_contains "$out" "run-wide shift" "the shift is reported"
	run "$BOXBENCH" compare --json "$BB_TMP/aa1.json" "$BB_TMP/aa2.json"
	# Visible when the test fails: how many rows the pair could not decide.
	echo "A/A summary: $(jq -c .summary <<<"$out")" >&2
}

test_a_b_flags_negative_lookups() {
	local a=(--scenario lookup --repetitions 10 --warmup 2 --seed 1) row

	bb_run d8 "${a[@]}" --depth 8
	bb_run d64 "${a[@]}" --depth 64
	run "$BOXBENCH" compare --json --strip-param depth "$BB_TMP/d8.json" "$BB_TMP/d64.json"
	row=$(jq -c '.rows[] | select(.name == "lookup/target:absent/cache:cold") |
		{change, interval, q, verdict, why, spread, old_rcv: .old.robust_cv,
		 new_rcv: .new.robust_cv}' <<<"$out")
	echo "A/B absent/cold: $row" >&2
	assert_eq 1 "$rc" "compare A/B exit status (absent/cold: $row; stderr: $err)"
	assert_eq regression "$(jq -r .verdict <<<"$row")" "verdict of the cold negative lookup"
	# The table says the same, under the stripped name.
	run "$BOXBENCH" compare --strip-param depth "$BB_TMP/d8.json" "$BB_TMP/d64.json"
	assert_contains "$(grep 'target:absent/cache:cold ' <<<"$out")" regression "the table's row"
}

example=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/results/examples/minimal.json

# The example has 3 repetitions a case; compare wants 5, so give it 6 (the same values twice).
six_reps() { # OUT [JQ-FILTER]
	jq '.benchmarks |= ([.[] | select(.run_type == "iteration")] | . + .)' "$example" |
		jq "${2:-.}" >"$BB_TMP/$1.json" || fail "jq failed for $1"
	echo "$BB_TMP/$1.json"
}

test_contexts_that_differ_are_refused() {
	local a b
	a=$(six_reps ctx-a)
	b=$(six_reps ctx-b '.context.kernel_release = "6.99.0-test" | .context.driver = "vfs"')
	run "$BOXBENCH" compare "$a" "$b"
	assert_eq 3 "$rc" "exit status when the kernels differ (stderr: $err)"
	assert_eq "" "$out" "stdout when refused"
	assert_contains "$err" 'kernel_release: "6.1.0-28-amd64" (old) vs "6.99.0-test" (new)' \
		"the message"
	assert_contains "$err" 'driver: "overlay" (old) vs "vfs" (new)' "the message"
	assert_contains "$err" "--force" "the message"
	run "$BOXBENCH" compare --force "$a" "$b"
	assert_eq 0 "$rc" "exit status with --force (stderr: $err)"
	assert_contains "$out" "lookup/depth:8/target:absent/cache:cold" "the table with --force"
	# Probe sources are one object: a changed member counts.
	b=$(six_reps ctx-c '.context.probe_sources.lookup = "kprobe"')
	run "$BOXBENCH" compare "$a" "$b"
	assert_eq 3 "$rc" "exit status when a probe source differs"
	assert_contains "$err" "probe_sources:" "the message"
}

test_bad_inputs_exit_2_naming_the_file() {
	local good
	good=$(six_reps good)
	: >"$BB_TMP/empty.json"
	head -c 300 "$good" >"$BB_TMP/truncated.json"
	echo '{"context": {}, "benchmarks": [' >"$BB_TMP/malformed.json"
	echo '{"hello": "world"}' >"$BB_TMP/notresult.json"
	jq '.context.schema_version = 2' "$good" >"$BB_TMP/future.json"

	for f in empty:"is empty" truncated:"not valid JSON" malformed:"not valid JSON" \
		notresult:"no 'benchmarks' array" future:"schema_version 2, newer" \
		missing:"ENOENT"; do
		local name=${f%%:*} why=${f#*:}
		run "$BOXBENCH" compare "$good" "$BB_TMP/$name.json"
		assert_eq 2 "$rc" "exit status for the $name file (stderr: $err)"
		assert_eq "" "$out" "stdout for the $name file"
		assert_contains "$err" "$BB_TMP/$name.json" "the message for the $name file"
		assert_contains "$err" "$why" "the message for the $name file"
		# Either side: the old file is checked as strictly.
		run "$BOXBENCH" compare "$BB_TMP/$name.json" "$good"
		assert_eq 2 "$rc" "exit status for the $name file as OLD"
	done
	run "$BOXBENCH" compare "$good"
	assert_eq 2 "$rc" "one file only"
	run "$BOXBENCH" compare --alpha 2 "$good" "$good"
	assert_eq 2 "$rc" "--alpha 2"
	run "$BOXBENCH" compare --markdown --json "$good" "$good"
	assert_eq 2 "$rc" "--markdown with --json"
}

test_hyperfine_and_google_benchmark_formats() {
	# hyperfine: seconds; "fast" doubled in the new file, "slow" unchanged, "gone" removed.
	cat >"$BB_TMP/hf-old.json" <<-'JSON'
	{"results": [
	 {"command": "fast", "mean": 0.0011, "times": [0.00100, 0.00101, 0.00102, 0.00103, 0.00104, 0.00105, 0.00106, 0.00107]},
	 {"command": "slow", "mean": 0.5, "times": [0.500, 0.501, 0.502, 0.503, 0.504, 0.505, 0.506, 0.507]},
	 {"command": "gone", "mean": 0.1, "times": [0.1, 0.1, 0.1, 0.1, 0.1]}
	]}
	JSON
	cat >"$BB_TMP/hf-new.json" <<-'JSON'
	{"results": [
	 {"command": "fast", "mean": 0.0021, "times": [0.00200, 0.00201, 0.00202, 0.00203, 0.00204, 0.00205, 0.00206, 0.00207]},
	 {"command": "slow", "mean": 0.5, "times": [0.5005, 0.5015, 0.5025, 0.5035, 0.5045, 0.5055, 0.5065, 0.5075]}
	]}
	JSON
	# hyperfine records no context: nothing says the runs are comparable unless --force.
	run "$BOXBENCH" compare --json "$BB_TMP/hf-old.json" "$BB_TMP/hf-new.json"
	assert_eq 3 "$rc" "hyperfine without --force: exit status (stderr: $err)"
	assert_contains "$err" "$BB_TMP/hf-old.json (old): it has no context" "the message"
	assert_contains "$err" "--force" "the message"
	run "$BOXBENCH" compare --force --json "$BB_TMP/hf-old.json" "$BB_TMP/hf-new.json"
	assert_eq 1 "$rc" "hyperfine: exit status (stderr: $err)"
	assert_eq regression "$(jq -r '.rows[] | select(.name == "fast") | .verdict' <<<"$out")" "fast"
	# 1.035 ms -> 2.035 ms, in ns
	assert_eq 1035000 "$(jq '.rows[] | select(.name == "fast") | .old.median | round' <<<"$out")" \
		"fast's old median in ns"
	# 8 against 8 fully separated: the exact interval (k = 14) lies wholly above +5%.
	jq -e '.rows[] | select(.name == "fast") | .interval[0] > 0.05 and .interval[1] < 1.1' \
		<<<"$out" >/dev/null || fail "fast's interval: $(jq -c '.rows[0]' <<<"$out")"
	assert_eq same "$(jq -r '.rows[] | select(.name == "slow") | .verdict' <<<"$out")" "slow"
	assert_eq removed "$(jq -r '.rows[] | select(.name == "gone") | .verdict' <<<"$out")" "gone"

	# google/benchmark: microseconds, repetition rows plus aggregates (which are ignored), and
	# no boxbench context fields (nothing to check them by: --force).
	gb() { # OUT SCALE
		jq -n --argjson s "$2" '{context: {date: "2025-01-01T00:00:00+00:00", host_name: "h",
			num_cpus: 2, library_version: "v1.8.3"},
		  benchmarks: ([range(0; 6) as $i | {name: "BM_Sort/1024", run_name: "BM_Sort/1024",
			run_type: "iteration", repetitions: 6, repetition_index: $i, iterations: 1000,
			real_time: ((10 + $i * 0.01) * $s), cpu_time: 10, time_unit: "us"}]
		  + [{name: "BM_Sort/1024_mean", run_name: "BM_Sort/1024", run_type: "aggregate",
			aggregate_name: "mean", real_time: 1, cpu_time: 1, time_unit: "us"}])}' \
			>"$BB_TMP/$1.json"
	}
	gb gb-old 1
	gb gb-new 0.5
	run "$BOXBENCH" compare --markdown "$BB_TMP/gb-old.json" "$BB_TMP/gb-new.json"
	assert_eq 3 "$rc" "google/benchmark without --force: exit status (stderr: $err)"
	assert_contains "$err" "its context has none of the fields compared" "the message"
	run "$BOXBENCH" compare --force --markdown "$BB_TMP/gb-old.json" "$BB_TMP/gb-new.json"
	assert_eq 0 "$rc" "google/benchmark: exit status (stderr: $err)"
	assert_contains "$out" '| `BM_Sort/1024` | 10.03 us | 5.01 us | -50.0% |' "markdown row"
	assert_contains "$out" "improvement |" "markdown verdict"
	assert_contains "$out" "0 regressions, 1 improvement" "markdown summary"
	grep -q 'BM_Sort/1024_mean' <<<"$out" && fail "an aggregate row was compared: $out"
	return 0
}

# A run that is slower as a whole (a busy CI runner): every row moves together. Without
# --normalize that is a regression of every row; with it, only the row that moved against the
# others is one, and the shift is reported either way.
test_normalize_judges_rows_against_the_machine_shift() {
	local base slow
	base=$(six_reps shift-base '.benchmarks |= [.[] | .real_time += ((.repetition_index // 0) * 3)]')
	slow=$(six_reps shift-slow '.benchmarks |= [.[] | .real_time += ((.repetition_index // 0) * 3)
		| .real_time *= 1.3]')
	run "$BOXBENCH" compare "$base" "$slow"
	assert_eq 1 "$rc" "exit status of an all-slower run without --normalize (stdout: $out)"
	assert_contains "$out" "run-wide shift: new/old 1.300x" "the shift is reported"
	run "$BOXBENCH" compare --normalize "$base" "$slow"
	assert_eq 0 "$rc" "exit status with --normalize (stdout: $out)"
	grep -q ' regression$' <<<"$out" && fail "--normalize still flags a row: $out"
	run "$BOXBENCH" compare --normalize --json "$base" "$slow"
	assert_eq 1.3 "$(jq '.shift.ratio * 1000 | round / 1000' <<<"$out")" "shift in --json"
	assert_eq true "$(jq .normalized <<<"$out")" "normalized in --json"
}

# A boxbench file whose context was dropped cannot be checked against one that has it: the
# differences it would show are unknown, so it is refused like a difference (exit 3).
test_a_missing_context_is_refused_unless_forced() {
	local a b
	a=$(six_reps noctx-a)
	b=$(six_reps noctx-b 'del(.context)')
	run "$BOXBENCH" compare "$a" "$b"
	assert_eq 3 "$rc" "exit status when NEW has no context (stderr: $err)"
	assert_eq "" "$out" "stdout when refused"
	assert_contains "$err" "cannot check the conditions" "the message"
	assert_contains "$err" "$b (new): it has no context" "the message names the file"
	run "$BOXBENCH" compare "$b" "$a"
	assert_eq 3 "$rc" "exit status when OLD has no context"
	assert_contains "$err" "$b (old): it has no context" "the message names the file"
	run "$BOXBENCH" compare --force "$a" "$b"
	assert_eq 0 "$rc" "exit status with --force (stderr: $err)"
	assert_contains "$err" "comparing anyway (--force)" "the --force message"
	assert_contains "$out" "lookup/depth:8/target:absent/cache:cold" "the table with --force"
}

# A time of zero or less would make any old time look like a regression and any new one an
# improvement; one too large to be a time (here 1e300 s, infinite in ns) breaks the means.
test_non_positive_and_endless_times_are_refused() {
	local good bad f why
	good=$(six_reps times-good)
	six_reps times-zero '.benchmarks[2].real_time = 0' >/dev/null
	six_reps times-negative '.benchmarks[4].real_time = -5' >/dev/null
	six_reps times-huge '.benchmarks[1].real_time = 1e300 | .benchmarks[1].time_unit = "s"' \
		>/dev/null
	for f in "zero:benchmarks[2] ('mount/driver:overlay/api:fsconfig/depth:8/op:mount') has real_time 0 ns" \
		"negative:benchmarks[4] ('lookup/depth:8/target:absent/cache:cold') has real_time -5 ns" \
		"huge:benchmarks[1] ('mount/driver:overlay/api:fsconfig/depth:8/op:mount') has real_time inf ns"; do
		bad=$BB_TMP/times-${f%%:*}.json why=${f#*:}
		for order in "$good $bad" "$bad $good"; do
			run "$BOXBENCH" compare --force $order
			assert_eq 2 "$rc" "exit status for ${f%%:*} times ($order; stdout: $out)"
			assert_eq "" "$out" "stdout for ${f%%:*} times"
			assert_contains "$err" "$bad: $why" "the message names the file, the row and the value"
		done
	done
	jq -n '{results: [{command: "c", times: [0.1, 0.1, -0.001, 0.1, 0.1]}]}' >"$BB_TMP/hf-neg.json"
	run "$BOXBENCH" compare --force "$BB_TMP/hf-neg.json" "$BB_TMP/hf-neg.json"
	assert_eq 2 "$rc" "exit status for a negative hyperfine time"
	assert_contains "$err" "results[0].times[2] ('c') has a time of -1e+06 ns" "the message"
}

# Names go to a terminal and into a CI comment: an escape sequence is refused, not printed.
test_names_with_control_characters_are_refused() {
	local good bad
	good=$(six_reps ctl-good)
	bad=$(six_reps ctl-bad '.benchmarks[3].name = "lookup/\u001b[2J\u001b]0;pwned\u0007"')
	run "$BOXBENCH" compare "$good" "$bad"
	assert_eq 2 "$rc" "exit status (stdout: $out)"
	assert_contains "$err" "$bad: benchmarks[3] has a name with a control character (byte 0x1b at offset 7)" \
		"the message"
	grep -q $'\e' <<<"$out$err" && fail "an escape character was printed"
	return 0
}

# hyperfine's names are shell commands, with '|' and '`': each Markdown row keeps its six cells
# and shows the command whole, in a code span.
test_markdown_rows_keep_their_cells() {
	jq -n '{results: [{command: "cat x | wc -l", times: [1, 1, 1, 1, 1]},
		{command: "echo `date` ``x``", times: [1, 1, 1, 1, 1]}]}' >"$BB_TMP/hf-md.json"
	run "$BOXBENCH" compare --force --markdown "$BB_TMP/hf-md.json" "$BB_TMP/hf-md.json"
	assert_eq 0 "$rc" "exit status (stderr: $err)"
	printf '%s\n' "$out" >"$BB_TMP/md.txt"
	/usr/bin/python3 - "$BB_TMP/md.txt" <<-'PYEOF' || fail "the Markdown table: $out"
		import re, sys
		rows = [l for l in open(sys.argv[1]).read().splitlines()
		        if l.startswith("| ") and "median" not in l]
		assert len(rows) == 2, rows
		names = []
		for row in rows:
		    # GFM splits cells at '|' not escaped by a backslash, even inside code spans.
		    cells = re.split(r"(?<!\\)\|", row)[1:-1]
		    assert len(cells) == 7, (row, cells)
		    code = cells[0].strip().replace("\\|", "|")
		    fence = re.match(r"`+", code).group(0)
		    assert code.endswith(fence), code
		    inner = code[len(fence):-len(fence)]
		    assert fence not in inner, (fence, inner)
		    names.append(inner.strip() if inner.startswith(" ") and inner.endswith(" ") else inner)
		assert names == ["cat x | wc -l", "echo `date` ``x``"], names
	PYEOF
}

# Files of 100,000 rows: reading and pairing take linear time (they took more than two minutes
# on 9fe45da, which searched the names one by one).
test_many_rows_compare_in_linear_time() {
	local t0 s
	/usr/bin/python3 - "$BB_TMP" <<-'PYEOF'
		import json, sys
		for side, scale in (("big-old", 1.0), ("big-new", 1.1)):
		    rows = [{"name": "BM_%06d" % i, "run_type": "iteration", "real_time": 100.0 * scale,
		             "time_unit": "ns"} for i in range(100000)]
		    json.dump({"context": {"kernel_release": "6.1"}, "benchmarks": rows},
		              open("%s/%s.json" % (sys.argv[1], side), "w"))
	PYEOF
	t0=$(date +%s)
	run timeout 90 "$BOXBENCH" compare --json "$BB_TMP/big-old.json" "$BB_TMP/big-new.json"
	s=$(($(date +%s) - t0))
	# One sample a row: nothing can be judged, and a gate that judged nothing does not pass.
	assert_eq 2 "$rc" "exit status (stderr: $err)"
	assert_contains "$err" "no row could be judged" "the message"
	[ "$s" -le 45 ] || fail "comparing 100,000 rows took $s s"
	rm -f "$BB_TMP"/big-{old,new}.json
}

# A run stopped by a signal is compared for the rows it has, and compare says it is partial.
test_a_partial_run_is_compared_with_a_warning() {
	local ex
	ex=$(six_reps partial-base)
	jq '.context.partial = true | .context.partial_reason = "stopped by SIGINT after 10 of 20 iterations"' \
		"$ex" >"$BB_TMP/partial.json"
	run "$BOXBENCH" compare "$ex" "$BB_TMP/partial.json"
	assert_eq 0 "$rc" "compare with a partial new run (stderr: $err)"
	assert_contains "$err" "$BB_TMP/partial.json (new) is a partial run (stopped by SIGINT after 10 of 20 iterations)" \
		"the warning names the file and the reason"
	run "$BOXBENCH" compare "$ex" "$ex"
	! grep -q partial <<<"$err" || fail "a whole run is called partial: $err"
}

# --baseline: the old side is every run the pattern matches; with three, each row gets its own
# between-run spread. A pattern that matches nothing, or a second positional file, is a usage
# error that names the fix.
test_baseline_of_runs_gives_rows_their_own_spread() {
	local new
	mkdir -p "$BB_TMP/base"
	for f in 1.00 1.04 0.96; do
		six_reps "base-$f" ".benchmarks |= [.[] | .real_time *= $f]" >/dev/null
		mv "$BB_TMP/base-$f.json" "$BB_TMP/base/"
	done
	new=$(six_reps base-new)
	run "$BOXBENCH" compare --json --baseline "$BB_TMP/base/*.json" "$new"
	assert_eq 0 "$rc" "compare --baseline (stderr: $err)"
	assert_eq 3 "$(jq '.old | length' <<<"$out")" "baseline runs read"
	assert_eq 3 "$(jq .baseline_runs <<<"$out")" "baseline_runs in --json"
	# Medians 4% apart each way: the row's own spread is about 4% (log sd 0.04), times
	# sqrt(1 + 1/3) for one new run against the mean of three.
	jq -e '[.rows[] | select(.spread != null) | .spread_from == "baseline" and .spread > 0.03
		and .spread < 0.07] | all and length > 0' <<<"$out" >/dev/null ||
		fail "rows' own spreads: $(jq -c '[.rows[] | [.spread, .spread_from]]' <<<"$out")"
	run "$BOXBENCH" compare --baseline "$BB_TMP/base/*.json" "$BB_TMP/base/base-1.00.json"
	assert_eq 2 "$rc" "a --baseline that holds the new run"
	assert_contains "$err" "is the new run and one of the old ones" "the message"
	run "$BOXBENCH" compare --baseline "$BB_TMP/none/*.json" "$new"
	assert_eq 2 "$rc" "a --baseline that matches nothing"
	assert_contains "$err" "matches no file" "the message"
	assert_contains "$err" "quoted" "the message says how to give it"
	run "$BOXBENCH" compare --baseline "$BB_TMP/base/*.json" "$new" "$new"
	assert_eq 2 "$rc" "--baseline with two files"
	assert_contains "$err" "with --baseline wants one result file" "the message"
}

# A row too noisy to decide does not fail the gate, unless --fail-on-inconclusive.
test_fail_on_inconclusive() {
	local base noisy
	base=$(six_reps inc-base)
	noisy=$(six_reps inc-noisy '.benchmarks |= [.[] | .real_time *= (1 + 0.4 * (((.repetition_index // 0) % 3) - 1))]')
	run "$BOXBENCH" compare "$base" "$noisy"
	assert_eq 0 "$rc" "inconclusive rows, no flag (stdout: $out)"
	assert_contains "$out" "inconclusive" "a row is inconclusive"
	run "$BOXBENCH" compare --fail-on-inconclusive "$base" "$noisy"
	assert_eq 1 "$rc" "inconclusive rows with --fail-on-inconclusive"
}

# Every option the README gives compare (its row and the CI job) is one compare --help has.
test_readme_names_only_compare_options_that_exist() {
	local top text help opt missing=
	top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
	text=$(grep '^| `boxbench compare' "$top/README.md"; grep 'boxbench compare ' "$top/README.md")
	help=$("$BOXBENCH" compare --help) || fail "compare --help failed"
	for opt in $(grep -o -- '--[a-z][a-z-]*' <<<"$text" | sort -u); do
		grep -qE -- "^  $opt( |$)" <<<"$help" || missing="$missing $opt"
	done
	[ -z "$missing" ] || fail "README names compare options that --help does not have:$missing"
}
