# The result schema (results/schema.json) under a real validator (tests/helpers/check-schema):
# the hand-written example passes, copies broken in one way each fail and name what broke.

schema_top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
check_schema=$schema_top/tests/helpers/check-schema
example=$schema_top/results/examples/minimal.json

setup_file() {
	BB_TMP=$(mktemp -d /tmp/bbtest-schema.XXXXXX)
	export BB_TMP
}

teardown_file() {
	rm -rf "$BB_TMP"
}

variant() { # NAME JQ-FILTER: the example changed by the filter, written to $BB_TMP/NAME.json
	jq "$2" "$example" >"$BB_TMP/$1.json" || fail "jq could not apply: $2"
	echo "$BB_TMP/$1.json"
}

expect_valid() { # FILE
	run "$check_schema" "$1"
	assert_eq 0 "$rc" "check-schema on $(basename "$1") (stderr: $err)"
}

expect_invalid() { # FILE PATH-IN-MESSAGE
	run "$check_schema" "$1"
	assert_eq 1 "$rc" "check-schema's exit status on $(basename "$1") (stdout: $out)"
	assert_contains "$err" "$2" "check-schema's message on $(basename "$1")"
}

test_example_is_valid() {
	expect_valid "$example"
	assert_eq true "$(jq -r .context.example "$example")" "the example says it is one"
	# 2 cases x (3 repetitions + 8 aggregates)
	assert_eq 22 "$(jq '.benchmarks | length' "$example")" "rows in the example"
}

test_missing_kernel_release_fails() {
	expect_invalid "$(variant no-kernel 'del(.context.kernel_release)')" \
		"/context/kernel_release: missing"
}

test_unknown_run_type_fails() {
	expect_invalid "$(variant run-type '.benchmarks[1].run_type = "foo"')" "/benchmarks/1/run_type"
}

test_string_real_time_fails() {
	expect_invalid "$(variant string-time '.benchmarks[0].real_time = "412000"')" \
		"/benchmarks/0/real_time: '412000' is not of type 'number'"
}

test_iteration_rows_need_their_index() {
	expect_invalid "$(variant no-index 'del(.benchmarks[2].repetition_index)')" \
		"/benchmarks/2/repetition_index: missing"
}

test_cv_rows_are_percentages() {
	local f
	f=$(variant cv-unit '(.benchmarks[] | select(.aggregate_name == "cv") | .aggregate_unit) = "time"')
	expect_invalid "$f" "aggregate_unit: 'percentage' was expected"
}

test_kernel_share_is_a_fraction() {
	expect_invalid "$(variant share '.benchmarks[3].kernel_share = 1.5')" \
		"/benchmarks/3/kernel_share"
}

test_failed_case_needs_a_message() {
	local failed='{name: "copyup/x", run_name: "copyup/x", run_type: "iteration",
		repetitions: 0, threads: 1, iterations: 1, time_unit: "ns", real_time: 0,
		cpu_time: 0, family_index: 2, per_family_instance_index: 0, error_occurred: true}'

	# A failed case has no repetition_index or source; its message is what it must have.
	expect_valid "$(variant failed ".benchmarks += [$failed + {error_message: \"EPERM\"}]")"
	expect_invalid "$(variant failed-silent ".benchmarks += [$failed]")" \
		"/benchmarks/22/error_message: missing"
}

test_added_keys_are_allowed() {
	# A superset: tools that add keys anywhere keep the file valid.
	expect_valid "$(variant extra '.tool = "x" | .context.caches = [] | .benchmarks[0].label = "l"')"
}

test_not_json_fails() {
	head -c 200 "$example" >"$BB_TMP/truncated.json"
	expect_invalid "$BB_TMP/truncated.json" "not valid JSON"
	sed 's/"real_time": 412000.0/"real_time": NaN/' "$example" >"$BB_TMP/nan.json"
	expect_invalid "$BB_TMP/nan.json" "NaN is not a JSON number"
}

# A boxbench that cannot run (missing, not executable, crashing) fails here: it is no reason
# to skip.
test_quick_suite_result_matches_schema() {
	mkdir -p "$BB_TMP/cache"
	# A user namespace's root (uid 100000 outside) must be able to reach the layers.
	chmod 755 "$BB_TMP" "$BB_TMP/cache"
	run "$BOXBENCH" run --suite quick --cache-dir "$BB_TMP/cache" --out "$BB_TMP/quick.json"
	assert_eq 0 "$rc" "boxbench run --suite quick (stderr: $(tail -c 600 <<<"$err"))"
	expect_valid "$BB_TMP/quick.json"
}
