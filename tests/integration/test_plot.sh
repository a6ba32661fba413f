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
