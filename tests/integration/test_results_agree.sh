# One number, one place (issue 13): for every case, the median and the in-kernel share agree
# wherever boxbench shows them: the table `run` prints, the JSON's <case>_median row,
# `export --format gh-benchmark` and `--format bmf`, and the median of `--format csv`'s rows,
# each to the precision it is printed with. On a real quick run, and on a hand-made result
# whose kernel times no share describes (above the wall time, or on some samples only): there
# the JSON has no kernel_share, and export printed 125% before the summary was one.

agree_top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PY=/usr/bin/python3

setup_file() {
	BB_TMP=$(mktemp -d /tmp/bbtest-agree.XXXXXX)
	mkdir -p "$BB_TMP/cache"
	# A user namespace's root (uid 100000 outside) must be able to reach the layers.
	chmod 755 "$BB_TMP" "$BB_TMP/cache"
	export BB_TMP
}

teardown_file() {
	rm -rf "$BB_TMP"
}

# agree RESULT [TABLE]: every case of RESULT the same in the JSON, the exports and the table
# (when given); prints how many cases it checked and how many have a share.
agree() {
	local r=$1 table=${2:-}
	"$BOXBENCH" export "$r" --format gh-benchmark >"$BB_TMP/gh.json" || fail "export gh-benchmark of $r"
	"$BOXBENCH" export "$r" --format bmf >"$BB_TMP/bmf.json" || fail "export bmf of $r"
	"$BOXBENCH" export "$r" --format csv >"$BB_TMP/r.csv" || fail "export csv of $r"
	"$PY" - "$r" "$BB_TMP/gh.json" "$BB_TMP/bmf.json" "$BB_TMP/r.csv" "$table" <<-'PYEOF'
		import csv, json, math, re, sys
		res, gh, bmf = (json.load(open(p)) for p in sys.argv[1:4])
		rows = list(csv.reader(open(sys.argv[4], newline="")))[1:]
		bad = []
		def near(a, b):
		    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
		def median(x):  # type 7, as stats.h defines it
		    x = sorted(x); h = (len(x) - 1) * 0.5; lo = math.floor(h)
		    return x[lo] + (h - lo) * (x[min(lo + 1, len(x) - 1)] - x[lo])
		med = {b["name"][:-len("_median")]: b for b in res["benchmarks"]
		       if b.get("run_type") == "aggregate" and b.get("aggregate_name") == "median"}
		walls = {}
		for row in rows:
		    walls.setdefault(row[0], []).append(float(row[2]))
		ghs = {e["name"]: e for e in gh}
		table = {}
		if sys.argv[5]:
		    lines = open(sys.argv[5]).read().split("\n")
		    start = next(i for i, l in enumerate(lines) if l.startswith("case "))
		    for l in lines[start + 1:]:
		        if not l.strip():
		            break
		        f = l.split()
		        assert len(f) == 7, "a table row that is no measured case: %r" % l
		        table[f[0]] = f
		for what, names in (("the exported CSV", walls), ("gh-benchmark", ghs), ("bmf", bmf)) + \
		        ((("the table", table),) if sys.argv[5] else ()):
		    if set(names) != set(med):
		        bad.append("%s has other cases than the JSON: %s" % (what, sorted(set(names) ^ set(med))[:5]))
		shares = 0
		for name, m in med.items():
		    want, share = m["real_time"], m.get("kernel_share")
		    shares += share is not None
		    got = {"the median of the CSV rows": median(walls.get(name, [0])),
		           "bmf": bmf.get(name, {}).get("latency", {}).get("value", 0),
		           "gh-benchmark": ghs.get(name, {}).get("value", 0)}
		    for what, v in got.items():
		        if not near(v, want):
		            bad.append("%s: %s says median %r, the JSON %r" % (name, what, v, want))
		    g = re.search(r"kernel share: ([0-9.]+%|n/a);", ghs.get(name, {}).get("extra", ""))
		    g = g.group(1) if g else "?"
		    if g != ("%.1f%%" % (100 * share) if share is not None else "n/a"):
		        bad.append("%s: gh-benchmark says kernel share %s, the JSON %r" % (name, g, share))
		    if name in table:
		        t = table[name]
		        if t[1] != "%.1f" % (want / 1e3):
		            bad.append("%s: the table says median %s us, the JSON %r ns" % (name, t[1], want))
		        if t[4] != ("%.0f%%" % (100 * share) if share is not None else "-"):
		            bad.append("%s: the table says kernel %s, the JSON %r" % (name, t[4], share))
		if bad:
		    sys.exit("\n".join(bad[:20]))
		print(len(med), shares)
	PYEOF
}

# A real run: the scenarios that time syscalls in one thread (ns, cgroup, pivot), mounts,
# lookups and whole starts (with their phases), at one depth to stay within seconds.
test_a_quick_run_agrees_everywhere() {
	[ "$(id -u)" = 0 ] || skip "a quick-suite run needs root"
	run "$BOXBENCH" run --suite quick --scenario ns,cgroup,mount,pivot,lookup,start --depth 8 \
		--cache-dir "$BB_TMP/cache" --out "$BB_TMP/quick.json"
	assert_eq 0 "$rc" "boxbench run --suite quick (stderr: $(tail -c 600 <<<"$err"))"
	printf '%s\n' "$out" >"$BB_TMP/table.txt"
	run agree "$BB_TMP/quick.json" "$BB_TMP/table.txt"
	assert_eq 0 "$rc" "table, JSON and exports of a quick run (stderr: $err)"
	echo "quick run: $out (cases, cases with a kernel share)" >&2
	[ "${out%% *}" -ge 20 ] || fail "only ${out%% *} cases checked"
}

# The example's mount case with every kernel time above its wall time, its lookup case with
# a kernel time on two of three samples: the aggregate rows as the writer writes them for such
# samples (no kernel_share), which export and the JSON must then agree on.
test_kernel_times_no_share_describes_agree() {
	jq '.benchmarks |= map(
		if (.name | startswith("mount/")) then
			del(.kernel_share)
			| if .run_type == "iteration" or .aggregate_unit == "time"
			  then .kernel_ns = .real_time * 1.25 else . end
		elif .run_type == "iteration" and .repetition_index == 1 then del(.kernel_ns)
		else del(.kernel_share) end)' "$agree_top/results/examples/minimal.json" \
		>"$BB_TMP/no-share.json" || fail "jq failed"
	assert_eq "" "$(jq -r '.benchmarks[] | .kernel_share // empty' "$BB_TMP/no-share.json")" \
		"kernel_share in the hand-made result"
	run agree "$BB_TMP/no-share.json"
	assert_eq 0 "$rc" "JSON and exports of kernel times no share describes (stderr: $err)"
	assert_eq "2 0" "$out" "cases checked, cases with a share"
	# The example itself has a share for both cases, which must agree too.
	run agree "$agree_top/results/examples/minimal.json"
	assert_eq 0 "$rc" "JSON and exports of the example (stderr: $err)"
	assert_eq "2 2" "$out" "the example's cases checked, cases with a share"
}
