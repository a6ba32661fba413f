# Every file boxbench writes (run --out, plot --out, export --out) goes through one atomic
# writer: links another local user plants, at the temporary names the writers used to take or
# at the target itself, are never followed, and a directory another user owns or can write to
# is refused with a message that names it. The canary a planted link points to stays as it was.

PY=/usr/bin/python3
out_example=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/results/examples/minimal.json

setup_file() {
	BB_TMP=$(mktemp -d /tmp/bbtest-out.XXXXXX)
	chmod 755 "$BB_TMP"
	export BB_TMP
}

teardown_file() {
	rm -rf "$BB_TMP"
}

# A fresh canary file and the dirs a hostile user would plant in: a sticky world-writable dir
# (as /tmp is), one owned by nobody, and a plain one anyone can write to.
arena() {
	rm -rf "$BB_TMP/a" && mkdir -p "$BB_TMP/a"/{sticky,nobody,open,mine}
	chmod 1777 "$BB_TMP/a/sticky"
	chmod 0777 "$BB_TMP/a/open"
	chown nobody "$BB_TMP/a/nobody"
	echo canary >"$BB_TMP/a/canary"
}

canary_untouched() { # WHAT
	assert_eq canary "$(head -c 100 "$BB_TMP/a/canary")" "the canary after $1"
	[ -f "$BB_TMP/a/canary" ] && [ ! -L "$BB_TMP/a/canary" ] || fail "$1: the canary was replaced"
}

# A link owned by nobody, as another user would plant it.
plant() { # LINK
	ln -s "$BB_TMP/a/canary" "$1" && chown -h nobody "$1"
}

tiny_run() { # OUT: the quickest real run there is
	"$BOXBENCH" run --suite quick --scenario ns --repetitions 1 --warmup 0 --backing tmpfs \
		--out "$1"
}

test_run_out_ignores_links_planted_at_temporary_names() {
	[ "$(id -u)" = 0 ] || skip "run needs root"
	arena
	# The old writer used OUT.tmp.<pid>: plant that name for the next few thousand pids.
	local next
	next=$(sh -c 'echo $$')
	"$PY" - "$BB_TMP/a/canary" "$BB_TMP/a/sticky/out.json" "$next" <<-'PYEOF'
		import os, sys
		canary, out, first = sys.argv[1], sys.argv[2], int(sys.argv[3])
		for pid in range(first, first + 4000):
		    os.symlink(canary, "%s.tmp.%d" % (out, pid))
		    os.chown("%s.tmp.%d" % (out, pid), 65534, 65534, follow_symlinks=False)
	PYEOF
	run tiny_run "$BB_TMP/a/sticky/out.json"
	assert_eq 0 "$rc" "run --out into a sticky dir (stderr: $(tail -c 600 <<<"$err"))"
	canary_untouched "run --out with links at OUT.tmp.<pid>"
	[ -f "$BB_TMP/a/sticky/out.json" ] && [ ! -L "$BB_TMP/a/sticky/out.json" ] ||
		fail "out.json is not a regular file"
	jq -e '.benchmarks | length > 0' "$BB_TMP/a/sticky/out.json" >/dev/null ||
		fail "out.json holds no results"
	assert_eq "-rw-r--r--" "$(stat -c %A "$BB_TMP/a/sticky/out.json")" "the result's mode"
	# Nothing but the planted links and the result: no temporary left behind.
	assert_eq 4001 "$(find "$BB_TMP/a/sticky" -mindepth 1 | wc -l)" "entries in the dir"
}

# Each refused before a single case is measured: no table on stdout, and at once.
test_run_out_refuses_bad_paths_before_measuring() {
	[ "$(id -u)" = 0 ] || skip "run needs root"
	local t0 ms bad why
	arena
	plant "$BB_TMP/a/sticky/link.json"
	for bad in "$BB_TMP/a/mine:is a directory" "$BB_TMP/a/sticky/link.json:symbolic link" \
		"$BB_TMP/a/nobody/out.json:belongs to uid 65534" \
		"$BB_TMP/a/open/out.json:chmod go-w $BB_TMP/a/open" \
		"$BB_TMP/a/none/out.json:does not exist"; do
		why=${bad#*:}
		bad=${bad%%:*}
		t0=$(date +%s%N)
		run tiny_run "$bad"
		ms=$((($(date +%s%N) - t0) / 1000000))
		assert_eq 2 "$rc" "run --out $bad: exit status (stderr: $err)"
		assert_contains "$err" "$why" "run --out $bad: the message"
		assert_contains "$err" "--out" "run --out $bad: the message names the option"
		assert_eq "" "$out" "run --out $bad: stdout (nothing was measured)"
		[ "$ms" -lt 2000 ] || fail "run --out $bad took $ms ms: it measured first"
	done
	canary_untouched "run --out onto a planted link"
	[ ! -e "$BB_TMP/a/nobody/out.json" ] || fail "a result was written into nobody's dir"
}

test_plot_out_never_writes_through_a_planted_link() {
	command -v gnuplot >/dev/null || skip "gnuplot is not installed (gnuplot-nox)"
	arena
	# A dir another user owns, with their link where the SVG goes.
	plant "$BB_TMP/a/nobody/mount.svg"
	run "$BOXBENCH" plot "$out_example" --out "$BB_TMP/a/nobody"
	assert_eq 1 "$rc" "plot --out a dir of nobody's: exit status (stderr: $err)"
	assert_contains "$err" "will not write into $BB_TMP/a/nobody: it belongs to uid 65534" \
		"the message"
	canary_untouched "plot --out into nobody's dir"
	# A sticky dir anyone may plant in: the dir is fine, the planted link is not.
	plant "$BB_TMP/a/sticky/mount.svg"
	run "$BOXBENCH" plot "$out_example" --out "$BB_TMP/a/sticky"
	assert_eq 1 "$rc" "plot --out a sticky dir with a planted link: exit status"
	assert_contains "$err" "will not write $BB_TMP/a/sticky/mount.svg: it is a symbolic link" \
		"the message"
	canary_untouched "plot --out with a link at mount.svg"
	# Without the link the same dir takes the plots, and nothing else is left there.
	rm "$BB_TMP/a/sticky/mount.svg"
	run "$BOXBENCH" plot "$out_example" --out "$BB_TMP/a/sticky"
	assert_eq 0 "$rc" "plot --out a sticky dir (stderr: $err)"
	assert_eq "lookup.svg mount.svg" "$(ls "$BB_TMP/a/sticky" | tr '\n' ' ' | sed 's/ $//')" \
		"the sticky dir's files"
	# A dir that does not exist is made, 0755.
	run "$BOXBENCH" plot "$out_example" --out "$BB_TMP/a/new/plots"
	assert_eq 0 "$rc" "plot --out a new dir (stderr: $err)"
	assert_eq "drwxr-xr-x" "$(stat -c %A "$BB_TMP/a/new/plots")" "mode of the new dir"
}

test_export_out_refuses_links_and_foreign_dirs() {
	arena
	plant "$BB_TMP/a/sticky/boxbench.prom"
	run "$BOXBENCH" export "$out_example" --format openmetrics --out "$BB_TMP/a/sticky/boxbench.prom"
	assert_eq 1 "$rc" "export --out onto a planted link: exit status (stderr: $err)"
	assert_contains "$err" "it is a symbolic link" "the message"
	[ -L "$BB_TMP/a/sticky/boxbench.prom" ] || fail "the planted link was replaced"
	canary_untouched "export --out onto a planted link"
	run "$BOXBENCH" export "$out_example" --format csv --out "$BB_TMP/a/nobody/r.csv"
	assert_eq 1 "$rc" "export --out into nobody's dir: exit status"
	assert_contains "$err" "belongs to uid 65534" "the message"
	[ ! -e "$BB_TMP/a/nobody/r.csv" ] || fail "export wrote into nobody's dir"
	run "$BOXBENCH" export "$out_example" --format csv --out "$BB_TMP/a/open/r.csv"
	assert_eq 1 "$rc" "export --out into a dir anyone can write: exit status"
	assert_contains "$err" "other users can write to it (mode 0777)" "the message"
	run "$BOXBENCH" export "$out_example" --format csv --out "$BB_TMP/a/mine"
	assert_eq 1 "$rc" "export --out a directory: exit status"
	assert_contains "$err" "it is a directory" "the message"
}
