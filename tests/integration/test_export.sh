# boxbench export: each format read back by a parser for it (jq, prometheus_client's OpenMetrics
# parser, python's csv), its numbers checked against the source file; bad input writes nothing.
# Debian's python3 (/usr/bin/python3) is used on purpose: a pyenv python3 on PATH does not see
# the Debian packages (python3-prometheus-client).

export_top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export_example=$export_top/results/examples/minimal.json
PY=/usr/bin/python3

setup_file() {
	BB_TMP=$(mktemp -d /tmp/bbtest-export.XXXXXX)
	export BB_TMP
}

teardown_file() {
	rm -rf "$BB_TMP"
}

# The result to export: a real quick-suite run when the tests may run one (root), which has
# every scenario; else the hand-written example.
result() {
	if [ ! -s "$BB_TMP/quick.json" ] && [ "$(id -u)" = 0 ]; then
		mkdir -p "$BB_TMP/cache" && chmod 755 "$BB_TMP" "$BB_TMP/cache"
		"$BOXBENCH" run --suite quick --cache-dir "$BB_TMP/cache" \
			--out "$BB_TMP/quick.json" >/dev/null 2>&1 || rm -f "$BB_TMP/quick.json"
	fi
	if [ -s "$BB_TMP/quick.json" ]; then echo "$BB_TMP/quick.json"; else echo "$export_example"; fi
}

# Per case, the median/p5/p95/n of real_time over its iteration rows (type 7, like numpy).
expected_stats() { # RESULT
	jq -c 'def q($x; $p): ($x | length) as $n | (($n - 1) * $p) as $h | ($h | floor) as $lo
			| $x[$lo] + ($h - $lo) * ($x[[$lo + 1, $n - 1] | min] - $x[$lo]);
		[.benchmarks[] | select(.run_type == "iteration" and (.error_occurred | not))]
		| group_by(.name) | map(([.[].real_time] | sort) as $x | {key: .[0].name,
			value: {median: q($x; 0.5), p5: q($x; 0.05), p95: q($x; 0.95), n: ($x | length)}})
		| from_entries' "$1"
}

test_bmf_matches_the_medians() {
	local r
	r=$(result)
	run "$BOXBENCH" export "$r" --format bmf
	assert_eq 0 "$rc" "export --format bmf (stderr: $err)"
	jq -e . >/dev/null <<<"$out" || fail "bmf output is not JSON"
	# Same case names, and value/lower/upper within 1e-6 relative of median/p5/p95.
	run jq -n --argjson got "$out" --argjson want "$(expected_stats "$r")" '
		def near($a; $b): (($a - $b) | fabs) <= 1e-6 * ([($b | fabs), 1] | max);
		($got | keys) == ($want | keys) and ([$want | to_entries[] | .key as $k
		| $got[$k].latency as $l | near($l.value; .value.median)
		and near($l.lower_value; .value.p5) and near($l.upper_value; .value.p95)
		and ($l | keys) == ["lower_value", "upper_value", "value"]] | all)'
	assert_eq true "$out" "bmf names and latencies against the iteration rows"
}

test_gh_benchmark_is_custom_smaller_is_better() {
	local r
	r=$(result)
	run "$BOXBENCH" export "$r" --format gh-benchmark
	assert_eq 0 "$rc" "export --format gh-benchmark (stderr: $err)"
	run jq -n --argjson got "$out" --argjson want "$(expected_stats "$r")" '
		def near($a; $b): (($a - $b) | fabs) <= 1e-6 * ([($b | fabs), 1] | max);
		($got | type) == "array" and ($got | length) == ($want | length) and
		([$got[] | .name as $n | (.unit == "ns") and (.value | type) == "number"
		and near(.value; $want[$n].median) and (.range | test("^± [0-9.]+$"))
		and (.extra | test("^samples: \($want[$n].n); kernel share: ([0-9.]+%|n/a); source: [a-z]+$"))]
		| all)'
	assert_eq true "$out" "gh-benchmark entries: name, unit, value = median, range, extra"
}

# prometheus_client's strict OpenMetrics parser (it rejects a missing # EOF, interleaved
# families, bad escapes, non-cumulative buckets); then the histograms against the source.
test_openmetrics_parses() {
	local r
	"$PY" -c 'import prometheus_client' 2>/dev/null ||
		skip "python3-prometheus-client is not installed (apt-get install python3-prometheus-client)"
	r=$(result)
	mkdir -p "$BB_TMP/textfile"
	run "$BOXBENCH" export "$r" --format openmetrics --out "$BB_TMP/textfile/boxbench.prom"
	assert_eq 0 "$rc" "export --format openmetrics --out (stderr: $err)"
	assert_eq "boxbench.prom" "$(ls -A "$BB_TMP/textfile")" \
		"files in the collector's dir (no temp file left behind)"
	assert_eq "-rw-r--r--" "$(stat -c %A "$BB_TMP/textfile/boxbench.prom")" \
		"mode of the .prom file (a collector running as another user reads it)"
	run "$PY" - "$BB_TMP/textfile/boxbench.prom" "$r" <<-'PYEOF'
		import json, math, sys
		from prometheus_client.openmetrics.parser import text_string_to_metric_families
		fams = {f.name: f for f in text_string_to_metric_families(open(sys.argv[1]).read())}
		res = json.load(open(sys.argv[2]))
		want = {}
		for row in res["benchmarks"]:
		    if row["run_type"] == "iteration" and not row.get("error_occurred"):
		        want.setdefault(row["name"], []).append(row["real_time"] / 1e9)
		info = fams["boxbench_host_info"]
		assert info.type == "gauge", info.type
		labels = info.samples[0].labels
		assert labels["kernel"] == res["context"]["kernel_release"], labels
		assert labels["host"] == res["context"]["host_name"], labels
		assert info.samples[0].value == 1
		seen = 0
		for name, times in want.items():
		    scen, case = name.split("/", 1)
		    fam = fams["boxbench_%s_duration_seconds" % scen]
		    assert fam.type == "histogram" and fam.unit == "seconds", (fam.type, fam.unit)
		    s = [x for x in fam.samples if x.labels.get("case") == case]
		    buckets = [x for x in s if x.name.endswith("_bucket")]
		    assert buckets[-1].labels["le"] == "+Inf" and buckets[-1].value == len(times)
		    for b in buckets:
		        le = float(b.labels["le"])
		        assert b.value == sum(1 for t in times if t <= le), (name, b)
		    count = [x for x in s if x.name.endswith("_count")][0].value
		    total = [x for x in s if x.name.endswith("_sum")][0].value
		    assert count == len(times), (name, count)
		    assert math.isclose(total, sum(times), rel_tol=1e-6), (name, total, sum(times))
		    seen += 1
		print(seen)
	PYEOF
	assert_eq 0 "$rc" "the OpenMetrics parser and checks (stderr: $err)"
	assert_eq "$(expected_stats "$r" | jq length)" "$out" "cases found as histograms"
}

test_csv_parses() {
	local r
	r=$(result)
	run "$BOXBENCH" export "$r" --format csv --out "$BB_TMP/r.csv"
	assert_eq 0 "$rc" "export --format csv (stderr: $err)"
	run "$PY" - "$BB_TMP/r.csv" "$r" <<-'PYEOF'
		import csv, json, sys
		rows = list(csv.reader(open(sys.argv[1], newline="")))
		res = json.load(open(sys.argv[2]))
		assert rows[0] == ["name", "repetition", "wall_ns", "kernel_ns", "func_ns", "source"], rows[0]
		assert all(len(r) == 6 for r in rows), [r for r in rows if len(r) != 6][:1]
		want = [b for b in res["benchmarks"]
		        if b["run_type"] == "iteration" and not b.get("error_occurred")]
		got = {(r[0], int(r[1])): r for r in rows[1:]}
		assert len(got) == len(want) == len(rows) - 1, (len(got), len(want))
		for b in want:
		    r = got[(b["name"], b["repetition_index"])]
		    assert float(r[2]) == b["real_time"], (r, b["real_time"])
		    for col, key in ((3, "kernel_ns"), (4, "func_ns")):
		        assert (r[col] == "") == (key not in b), (r, key)
		        assert r[col] == "" or float(r[col]) == b[key], (r, key)
		    assert r[5] == b["source"], r
		print(len(want))
	PYEOF
	assert_eq 0 "$rc" "python's csv reader and checks (stderr: $err)"
}

test_csv_quotes_per_rfc4180() {
	jq '.benchmarks |= map(.name |= sub("depth:8"; "depth:8,\"q\""))' "$export_example" \
		>"$BB_TMP/quote.json"
	run "$BOXBENCH" export "$BB_TMP/quote.json" --format csv
	assert_eq 0 "$rc" "export of names with a comma and a quote (stderr: $err)"
	run "$PY" -c 'import csv, sys; rows = list(csv.reader(sys.stdin)); \
		assert all(len(r) == 6 for r in rows); print(rows[1][0])' <<<"$out"
	assert_eq 'mount/driver:overlay/api:fsconfig/depth:8,"q"/op:mount' "$out" "quoted name"
}

test_bad_input_exits_2_and_writes_nothing() {
	: >"$BB_TMP/empty.json"
	head -c 300 "$export_example" >"$BB_TMP/truncated.json"
	echo '{"context": {}, "benchmarks": []}' >"$BB_TMP/no-rows.json"
	jq '.context.schema_version = 99' "$export_example" >"$BB_TMP/future.json"
	for bad in missing empty truncated no-rows future; do
		run "$BOXBENCH" export "$BB_TMP/$bad.json" --format bmf --out "$BB_TMP/out.json"
		assert_eq 2 "$rc" "exit status on $bad.json"
		assert_contains "$err" "$BB_TMP/$bad.json" "message on $bad.json names the file"
		[ ! -e "$BB_TMP/out.json" ] || fail "$bad.json: an output was written"
	done
	assert_contains "$err" "schema_version 99, newer" "the future schema's message"
	run "$BOXBENCH" export "$export_example" --format yaml --out "$BB_TMP/out.json"
	assert_eq 2 "$rc" "exit status on an unknown format"
	assert_contains "$err" "unknown format 'yaml'" "message on an unknown format"
	[ ! -e "$BB_TMP/out.json" ] || fail "unknown format: an output was written"
	rm -f "$BB_TMP"/{empty,truncated,no-rows,future}.json
}

# Names made to break the text format: a line break and '# EOF' in the scenario (which reaches
# the HELP line) and in the case, quotes, backslashes, a CR, and two scenarios ('a.b', 'a_b')
# that one metric name must hold. prometheus_client's parser reads it whole, and the case
# labels come back as they were (the CR, which has no escape, as U+FFFD).
test_openmetrics_of_hostile_names_parses() {
	"$PY" -c 'import prometheus_client' 2>/dev/null ||
		skip "python3-prometheus-client is not installed (apt-get install python3-prometheus-client)"
	jq '.benchmarks |= ([.[] | select(.run_type == "iteration")] as $it
		| [$it[] | .name = "x\n# EOF\nboxbench_fake 1/q\"uo\\te\r\n# EOF"]
		+ [$it[] | .name = "a.b/one"] + [$it[] | .name = "a_b/two"])' "$export_example" \
		>"$BB_TMP/hostile.json"
	run "$BOXBENCH" export "$BB_TMP/hostile.json" --format openmetrics --out "$BB_TMP/h.prom"
	assert_eq 0 "$rc" "export of hostile names (stderr: $err)"
	run "$PY" - "$BB_TMP/h.prom" <<-'PYEOF'
		import sys
		from prometheus_client.openmetrics.parser import text_string_to_metric_families
		fams = {f.name: f for f in text_string_to_metric_families(open(sys.argv[1]).read())}
		assert set(fams) == {"boxbench_x___EOF_boxbench_fake_1_duration_seconds",
		                     "boxbench_a_b_duration_seconds", "boxbench_host_info"}, set(fams)
		cases = {s.labels["case"] for f in fams.values() for s in f.samples if "case" in s.labels}
		assert cases == {"q\"uo\\te\ufffd\n# EOF", "one", "two"}, cases
		print("ok")
	PYEOF
	assert_eq 0 "$rc" "the OpenMetrics parser (stderr: $err)"
	rm -f "$BB_TMP/hostile.json" "$BB_TMP/h.prom"
}

# A spreadsheet runs a cell that starts with = + - or @ as a formula: such a name (only a
# crafted file has one) is written with a leading ', and reads back as text.
test_csv_names_never_start_a_formula() {
	jq '.benchmarks |= map(.name |= sub("^mount"; "=HYPERLINK(\"http://x\")"))' "$export_example" \
		>"$BB_TMP/formula.json"
	run "$BOXBENCH" export "$BB_TMP/formula.json" --format csv
	assert_eq 0 "$rc" "export (stderr: $err)"
	run "$PY" -c 'import csv, sys; rows = list(csv.reader(sys.stdin))
print(sorted({r[0][0] for r in rows[1:]}))' <<<"$out"
	assert_eq "[\"'\", 'l']" "$out" "the first characters of the names"
	rm -f "$BB_TMP/formula.json"
}

test_times_that_are_no_times_are_refused() {
	local bad why
	jq '.benchmarks[0].real_time = 0' "$export_example" >"$BB_TMP/t-zero.json"
	jq '.benchmarks[1].real_time = 1e300' "$export_example" >"$BB_TMP/t-huge.json"
	jq '.benchmarks[2].kernel_ns = -1' "$export_example" >"$BB_TMP/t-kernel.json"
	for bad in "zero:benchmarks[0] ('mount/driver:overlay/api:fsconfig/depth:8/op:mount') has real_time 0" \
		"huge:benchmarks[1] ('mount/driver:overlay/api:fsconfig/depth:8/op:mount') has real_time 1e+300" \
		"kernel:benchmarks[2] ('mount/driver:overlay/api:fsconfig/depth:8/op:mount') has kernel_ns -1"; do
		why=${bad#*:} bad=$BB_TMP/t-${bad%%:*}.json
		run "$BOXBENCH" export "$bad" --format csv --out "$BB_TMP/t.csv"
		assert_eq 2 "$rc" "exit status for $bad"
		assert_contains "$err" "$bad: $why" "the message names the file, the row and the value"
		[ ! -e "$BB_TMP/t.csv" ] || fail "$bad: an output was written"
	done
	rm -f "$BB_TMP"/t-*.json
}

# 100,000 cases load and export in linear time (9fe45da searched them one by one, and the
# OpenMetrics writer grouped them pair by pair: more than a minute).
test_many_cases_export_in_linear_time() {
	local t0 s
	"$PY" - "$BB_TMP/many.json" <<-'PYEOF'
		import json, sys
		rows = [{"name": "lookup/n:%06d" % i, "run_type": "iteration", "real_time": 100.0,
		         "source": "wall"} for i in range(100000)]
		json.dump({"context": {"schema_version": 1}, "benchmarks": rows}, open(sys.argv[1], "w"))
	PYEOF
	t0=$(date +%s)
	run timeout 90 "$BOXBENCH" export "$BB_TMP/many.json" --format openmetrics --out "$BB_TMP/m.prom"
	s=$(($(date +%s) - t0))
	assert_eq 0 "$rc" "exit status (stderr: $err)"
	assert_eq 100000 "$(grep -c '_count{' "$BB_TMP/m.prom")" "histograms written"
	[ "$s" -le 45 ] || fail "exporting 100,000 cases took $s s"
	rm -f "$BB_TMP/many.json" "$BB_TMP/m.prom"
}
