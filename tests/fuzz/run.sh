#!/usr/bin/env bash
# Runs libFuzzer targets (built by `make fuzz-targets`, tests/fuzz/fuzz.mk) for a time each,
# one after the other, from their seeds in tests/fuzz/corpus/<target>/ and what earlier runs
# found in OUT/<target>/corpus/. One line per target; a finding (a crash, a sanitizer report,
# a broken invariant, a timeout, a leak) fails the run and leaves the input in OUT/<target>/
# with the command that reproduces it.
#
#   tests/fuzz/run.sh [--build DIR] [--out DIR] [--seconds N] [--smoke] [TARGET...]
#     --smoke: from the committed seeds only, with the same mutations each time (-seed=1),
#     so that make test's few seconds neither depend on nor grow what long runs gathered
#   tests/fuzz/run.sh [--build DIR] --reproduce TARGET INPUT   one input, in the same sandbox
#
# As root, each target runs in a mount namespace of its own with a fresh /tmp (tmpfs, nodev)
# and every other mount read-only but OUT: an unpacker that writes outside its dir meets
# EROFS there, not the machine's files (and the scratch dirs a target's library code makes,
# /tmp/boxbench-plot-*, are no one else's business). Elsewhere it tries the same in a user
# namespace, and runs without one if that is refused.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=$top/build-san
out=$top/build-fuzz
seconds=60
targets=()
reproduce=
smoke=0

while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$(cd "$2" && pwd) || exit 2; shift 2 ;;
	--out) mkdir -p "$2" && out=$(cd "$2" && pwd) || exit 2; shift 2 ;;
	--seconds) seconds=$2; shift 2 ;;
	--smoke) smoke=1; shift ;;
	--reproduce) reproduce=$3; targets=("$2"); shift 3 ;;
	-h | --help) sed -n '2,/^set /p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	-*) echo "run.sh: unknown option '$1'" >&2; exit 2 ;;
	*) targets+=("$1"); shift ;;
	esac
done
if [ ${#targets[@]} -eq 0 ]; then
	for f in "$here"/fuzz_*.c; do
		t=${f##*/fuzz_}
		targets+=("${t%.c}")
	done
fi
mkdir -p "$out"

# sandboxed CMD...: CMD in its own mount namespace, writing only to $out and a fresh /tmp.
sandbox_script='
	set -e
	out=$1; shift
	mount -t tmpfs -o mode=1777,nodev,nosuid,size=1g bbfz-tmp /tmp
	mount --bind "$out" "$out"
	awk "{print \$5}" /proc/self/mountinfo | while read -r mp; do
		mp=$(printf "%b" "$mp")
		case $mp in /tmp | "$out" | /proc | /proc/* | /sys | /sys/* | /dev | /dev/*) continue ;; esac
		mount -o remount,bind,ro "$mp" 2>/dev/null || true
	done
	export BBFZ_SANDBOX=1 TMPDIR=/tmp
	exec "$@"'
sandbox=none
if unshare --mount --propagation private true 2>/dev/null; then
	sandbox=(unshare --mount --propagation private)
elif unshare --user --map-root-user --mount --propagation private true 2>/dev/null; then
	sandbox=(unshare --user --map-root-user --mount --propagation private)
else
	echo "fuzz: no mount namespace here: the targets run unsandboxed, writing to ${TMPDIR:-/tmp}"
fi
sandboxed() {
	if [ "$sandbox" = none ]; then
		"$@"
	else
		"${sandbox[@]}" bash -c "$sandbox_script" sandbox "$out" "$@"
	fi
}

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:halt_on_error=1:symbolize=1"
export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1"

if [ -n "$reproduce" ]; then
	# A copy in OUT: the sandbox's /tmp is a new one.
	input=$out/reproduce-input.$$
	cp "$reproduce" "$input" || exit 2
	sandboxed "$build/fuzz/fuzz_${targets[0]}" "$input"
	rc=$?
	rm -f "$input"
	exit $rc
fi

ok=0
bad=0
for t in "${targets[@]}"; do
	bin=$build/fuzz/fuzz_$t
	dir=$out/$t
	log=$dir/last-run.log
	if [ ! -x "$bin" ]; then
		echo "fuzz: $t: FAILED: no $bin (make fuzz-targets builds it)"
		bad=$((bad + 1))
		continue
	fi
	corpus=$dir/corpus
	seed=()
	if [ $smoke = 1 ]; then
		corpus=$dir/smoke-corpus
		log=$dir/smoke.log
		rm -rf "$corpus"
		seed=(-seed=1)
	fi
	mkdir -p "$corpus"
	seeds=()
	[ -d "$here/corpus/$t" ] && seeds+=("$here/corpus/$t")
	dict=()
	[ -f "$here/$t.dict" ] && dict=("-dict=$here/$t.dict")
	before=$(ls "$dir" | grep -E '^(crash|leak|timeout|oom|slow-unit)-' | sort)
	start=$(date +%s)
	sandboxed "$bin" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2560 \
		-max_len=65536 -print_final_stats=1 -artifact_prefix="$dir/" "${dict[@]}" "${seed[@]}" \
		"$corpus" "${seeds[@]}" >"$log" 2>&1
	rc=$?
	took=$(($(date +%s) - start))
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
	found=$(comm -13 <(echo "$before") <(ls "$dir" | grep -E '^(crash|leak|timeout|oom|slow-unit)-' | sort) | grep -v '^$')
	if [ "$rc" -eq 0 ] && [ -z "$found" ]; then
		echo "fuzz: $t: ok, ${runs:-?} runs in $took s (${cov:-cov: ?}, corpus $(ls "$corpus" | wc -l) + seeds)"
		ok=$((ok + 1))
		continue
	fi
	bad=$((bad + 1))
	echo "fuzz: $t: FAILED (exit $rc after $took s); the fuzzer's report:"
	grep -E -A40 '^==[0-9]+==ERROR|runtime error|^fuzz: invariant|libFuzzer: (deadly|timeout|out-of-memory)' "$log" |
		head -60 | sed 's/^/  /'
	for f in $found; do
		echo "  input saved: $dir/$f"
		echo "  reproduce:   tests/fuzz/run.sh --build $build --reproduce $t $dir/$f"
	done
	[ -n "$found" ] || echo "  (no input saved; the whole log is $log)"
done
echo "fuzz: $ok passed, $bad failed"
[ "$bad" -eq 0 ]
