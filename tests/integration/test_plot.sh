# boxbench plot: SVGs of a real quick-suite result (and of two results together) that parse as
# XML and carry their axis labels; a missing input exits 2 and draws nothing.

plot_top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PY=/usr/bin/python3

setup_file() {
	BB_TMP=$(mktemp -d /tmp/bbtest-plot.XXXXXX)
	export BB_TMP
}

teardown_file() {
	rm -rf "$BB_TMP"
}

quick_result() {
	[ "$(id -u)" = 0 ] || skip "a quick-suite run needs root"
	if [ ! -s "$BB_TMP/quick.json" ]; then
		mkdir -p "$BB_TMP/cache" && chmod 755 "$BB_TMP" "$BB_TMP/cache"
		run "$BOXBENCH" run --suite quick --cache-dir "$BB_TMP/cache" --out "$BB_TMP/quick.json"
		assert_eq 0 "$rc" "boxbench run --suite quick (stderr: $(tail -c 600 <<<"$err"))"
	fi
	echo "$BB_TMP/quick.json"
}

# SVG FILE X-LABEL...: FILE parses as XML, is an <svg>, and its text holds each label.
check_svg() {
	local f=$1
	shift
	[ -s "$f" ] || fail "$f is missing or empty"
	"$PY" - "$f" "$@" <<-'PYEOF' || fail "$f: not the SVG expected"
		import sys, xml.dom.minidom
		doc = xml.dom.minidom.parse(sys.argv[1])
		assert doc.documentElement.tagName == "svg", doc.documentElement.tagName
		text = "".join(n.data for n in doc.getElementsByTagName("text")
			       for n in [c for c in n.childNodes if c.nodeType == c.TEXT_NODE]
			       ) + "".join(t.toxml() for t in doc.getElementsByTagName("text"))
		for label in sys.argv[2:]:
		    assert label in text, "label %r not in %s" % (label, sys.argv[1])
	PYEOF
}

test_plots_of_a_quick_result() {
	local r depth='layer stack depth (lower layers)' lat='latency (µs): median, bars p5–p95'
	r=$(quick_result)
	command -v gnuplot >/dev/null || skip "gnuplot is not installed (gnuplot-nox)"
	run "$BOXBENCH" plot "$r" --out "$BB_TMP/plots"
	assert_eq 0 "$rc" "boxbench plot (stderr: $err)"
	assert_eq "$(printf '%s\n' "$BB_TMP"/plots/{mount,lookup,readdir,copyup}.svg)" "$out" \
		"the SVG paths printed"
	check_svg "$BB_TMP/plots/mount.svg" "$depth" "$lat" "api:fsconfig op:mount"
	check_svg "$BB_TMP/plots/lookup.svg" "$depth" "$lat" "target:absent" "target:found-top"
	check_svg "$BB_TMP/plots/readdir.svg" "$depth" "$lat"
	check_svg "$BB_TMP/plots/copyup.svg" "file size (KiB)" "$lat"
	# Only cold lookups are plotted: a warm one would be a line of its own.
	! grep -q 'cache:warm' "$BB_TMP/plots/lookup.svg" || fail "lookup.svg has warm lookups"
}

test_two_results_get_a_line_each() {
	local r
	r=$(quick_result)
	command -v gnuplot >/dev/null || skip "gnuplot is not installed (gnuplot-nox)"
	jq '.context.kernel_release = "6.1.0-test"' "$r" >"$BB_TMP/other.json"
	run "$BOXBENCH" plot "$r" "$BB_TMP/other.json" --out "$BB_TMP/two"
	assert_eq 0 "$rc" "boxbench plot with two results (stderr: $err)"
	check_svg "$BB_TMP/two/lookup.svg" "kernel 6.1.0-test target:absent" \
		"kernel $(jq -r .context.kernel_release "$r") target:absent"
	rm -rf "$BB_TMP/two" "$BB_TMP/other.json"
}

test_missing_input_exits_2() {
	run "$BOXBENCH" plot "$BB_TMP/nope.json" --out "$BB_TMP/none"
	assert_eq 2 "$rc" "exit status on a missing result"
	assert_contains "$err" "$BB_TMP/nope.json" "the message names the file"
	[ ! -e "$BB_TMP/none" ] || fail "an output dir was made for a missing input"
	run "$BOXBENCH" plot "$plot_top/results/examples/minimal.json" --out "$BB_TMP/none"
	# The example has a mount and a cold lookup case, and no readdir or copy-up.
	assert_eq 0 "$rc" "plot of the example (stderr: $err)"
	assert_eq "$(printf '%s\n' "$BB_TMP"/none/{mount,lookup}.svg)" "$out" "the example's plots"
	rm -rf "$BB_TMP/none"
}

# Strings that would be gnuplot commands if they were ever program text: a line break then
# system(), a backquote command and a quote that ends a '...' string. Each names its own
# canary, a file in the dir plot runs in (a case name's parameter holds no '/'). Keys are
# kept under 32 bytes, values under 64: the lengths a case name's parameters are read to.
hostile() { # TAG
	printf '%s\nsystem("touch c%s")\n#`touch b%s`'"'"'.system("touch q%s").'"'" x "$1" "$1" "$1"
}

# The example with two cold lookups whose target and an extra key differ (so both are in the
# legend), the second one's target VALUE and the key KEY; then KERNEL and DRIVER set.
hostile_result() { # OUT KERNEL DRIVER [KEY VALUE]
	jq --arg key "${4:-k}" --arg val "${5:-found}" --arg kernel "$2" --arg driver "$3" '
		.context.kernel_release = $kernel | .context.driver = $driver
		| .benchmarks |= ([.[] | select(.run_type == "iteration")]
			| map(if (.name | startswith("lookup/")) then .name += "/\($key):v1" else . end)
			+ [.[] | select(.name | startswith("lookup/"))
				| .name = "lookup/depth:8/target:\($val)/cache:cold/\($key):v2"
				| .real_time *= 2])' "$plot_top/results/examples/minimal.json" >"$1" ||
		fail "jq failed for $1"
}

# plot FILE... in an empty dir, which must stay empty; LABEL... are in lookup.svg's legend.
plot_hostile() { # DIR "FILE..." LABEL...
	local d=$1 files=()
	mapfile -d '' -t files < <(printf '%s' "$2" | tr '\t' '\0')
	shift 2
	rm -rf "$d/work" "$d/out" && mkdir "$d/work"
	(cd "$d/work" && "$BOXBENCH" plot "${files[@]}" --out "$d/out" >/dev/null 2>"$d/err") ||
		fail "plot of ${files[*]}: $(cat "$d/err")"
	assert_eq "" "$(ls -A "$d/work")" "files that gnuplot commands made (plot of ${files[*]})"
	check_svg "$d/out/lookup.svg" "$@"
	check_svg "$d/out/mount.svg"
}

# Nothing a result holds, nor its file name, reaches gnuplot as program text: with hostile
# strings in the kernel release, the driver, case names' keys and values and the file name,
# nothing runs, and the SVGs come out with the strings in their legends, as text.
test_hostile_strings_reach_gnuplot_only_as_data() {
	command -v gnuplot >/dev/null || skip "gnuplot is not installed (gnuplot-nox)"
	local d=$BB_TMP/hostile f
	rm -rf "$d" && mkdir -p "$d"
	f=$d/$(hostile F).json
	# One file: the case names' hostile parameter value, then key, name the lines.
	hostile_result "$d/one.json" 6.1 overlay k "$(hostile V)"
	plot_hostile "$d" "$d/one.json" 'system("touch cV")' '`touch bV`' \
		"'.system(\"touch qV\").'"
	hostile_result "$d/one.json" 6.1 overlay "$(printf 'k\nsystem("touch cK")\n#')"
	plot_hostile "$d" "$d/one.json" 'system("touch cK")'
	# Two files told apart by their kernels, then by their drivers, then by their names.
	hostile_result "$d/k1.json" "$(hostile K1)" overlay
	hostile_result "$d/k2.json" "$(hostile K2)" overlay
	plot_hostile "$d" "$d/k1.json	$d/k2.json" 'system("touch cK1")' 'system("touch cK2")' \
		"'.system(\"touch qK2\").'"
	hostile_result "$d/d1.json" 6.1 "$(hostile D1)"
	hostile_result "$d/d2.json" 6.1 "$(hostile D2)"
	plot_hostile "$d" "$d/d1.json	$d/d2.json" 'system("touch cD1")' '`touch bD2`'
	hostile_result "$f" 6.1 overlay
	plot_hostile "$d" "$d/one.json	$f" 'system("touch cF")' "'.system(\"touch qF\").'"
	rm -rf "$d"
}

# A google/benchmark file has no plotted scenario: nothing to plot (exit 2). The plot code's
# qsort(NULL, 0) on it was undefined behaviour (a UBSan build of 9fe45da stops there).
test_google_benchmark_file_has_nothing_to_plot() {
	jq -n '{context: {date: "2025-01-01T00:00:00+00:00", host_name: "h", num_cpus: 2},
		benchmarks: [range(0; 3) as $i | {name: "BM_Sort/1024", run_type: "iteration",
		repetition_index: $i, real_time: 10, cpu_time: 10, time_unit: "ns"}]}' \
		>"$BB_TMP/gb.json"
	run "$BOXBENCH" plot "$BB_TMP/gb.json" --out "$BB_TMP/gb-plots"
	assert_eq 2 "$rc" "exit status (stderr: $err)"
	assert_contains "$err" "nothing to plot" "the message"
	rm -rf "$BB_TMP/gb.json" "$BB_TMP/gb-plots"
}
