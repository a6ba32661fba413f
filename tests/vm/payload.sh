#!/bin/sh
# The kernel matrix's payload: runs inside the qemu guest (busybox sh, as /payload/run),
# drives boxbench on a v2-only cgroup tree with fentry and kprobes available, and prints
# one line per check, "PASS name" or "FAIL name: why", then "N passed, N failed".
# Exit status: 0 when every check passed.
# vmtest-needs: jq
CACHE=/var/tmp/cache
OUT=/tmp/vmtest-payload
mkdir -p "$OUT"
passed=0
failed=0

pass() {
	echo "PASS $1"
	passed=$((passed + 1))
}
fail() {
	echo "FAIL $1: $2"
	failed=$((failed + 1))
}

# check NAME JSON-FILE JQ-FILTER EXPECTED: PASS when the filter's value is EXPECTED.
check() {
	got=$(jq -M -r "$3" "$2" 2>&1)
	if [ "$got" = "$4" ]; then
		pass "$1"
	else
		fail "$1" "$3 is '$got', expected '$4'"
	fi
}

# run_json NAME FILE CMD...: runs CMD (stdout to FILE), prints it compactly, and says
# whether it exited 0 with JSON on stdout; stderr is shown when it did not.
run_json() {
	name=$1 file=$2
	shift 2
	echo "+ $*"
	"$@" >"$file" 2>"$file.err"
	rc=$?
	if ! jq -e . "$file" >/dev/null 2>&1; then
		fail "$name" "exit $rc, no JSON on stdout; stdout: $(head -c 400 "$file"); stderr: $(head -c 1500 "$file.err")"
		return 1
	fi
	jq -M -c . "$file"
	if [ "$rc" -ne 0 ]; then
		fail "$name" "exit $rc; stderr: $(head -c 1500 "$file.err")"
		return 1
	fi
	[ -s "$file.err" ] && echo "stderr: $(head -c 600 "$file.err")"
	return 0
}

echo "payload: kernel $(uname -r), boxbench $(boxbench --version 2>/dev/null | head -1)"

# --- doctor: fentry, kprobe and cgroup v2 --------------------------------------------------
d=$OUT/doctor.json
if run_json doctor "$d" boxbench doctor --json; then
	jq -M -r '(.bpf, .cgroup) | to_entries[] |
		"doctor \(.key): \(.value.value)\(if .value.errno then " (\(.value.errno))" else "" end)"' "$d"
	check doctor_bpf_fentry "$d" .bpf.fentry.ok true
	check doctor_bpf_kprobe "$d" .bpf.kprobe.ok true
	check doctor_cgroup_v2 "$d" .cgroup.mode.value v2
fi

# --- containers: limits enforced by the v2 controllers ---------------------------------
j=$OUT/oom.json
if run_json start_oom "$j" boxbench start --json --cache-dir "$CACHE" --ns all --memory-max 32M alloc:128M; then
	check start_memory_max_oom_kills "$j" .oom_killed true
	check start_limited_clone_into_cgroup "$j" .into_cgroup true
fi

j=$OUT/pids.json
if run_json start_pids "$j" boxbench start --json --cache-dir "$CACHE" --pids-max 16 fork:32; then
	check start_pids_max_eagain "$j" '.ops[0].errno' EAGAIN
fi

j=$OUT/into.json
if run_json start_plain "$j" boxbench start --json --cache-dir "$CACHE"; then
	check start_clone_into_cgroup "$j" .into_cgroup true
	check start_agent_exit_status "$j" .exit_status 0
fi

# --- probes: auto picks the function-level source and func_ns fits inside kernel_ns ------
j=$OUT/probes.json
if run_json start_probes "$j" boxbench start --json --cache-dir "$CACHE" --probe-mode auto \
	open-w:/copyup/bottom-4096 stat:/probe/found-bottom stat:/probe/absent; then
	check probes_auto_copy_up_fentry "$j" .probe.functions.copy_up.source fentry
	check probes_auto_lookup_fentry "$j" .probe.functions.lookup.source fentry
	check probes_copy_up_func_ns "$j" '.ops[0].func_ns > 0 and .ops[0].func_ns <= .ops[0].kernel_ns' true
	check probes_lookup_func_ns "$j" '[.ops[1,2] | .func_ns > 0 and .func_ns <= .kernel_ns] | all' true
	check probes_copy_up_target "$j" '.ops[0].func | startswith("ovl_copy_up")' true
fi
for mode in fentry kprobe; do
	j=$OUT/probes-$mode.json
	if run_json "start_probes_$mode" "$j" boxbench start --json --cache-dir "$CACHE" \
		--probe-mode $mode open-w:/copyup/top-4096; then
		check "probes_${mode}_copy_up" "$j" "(.probe.functions.copy_up.source == \"$mode\") and (.ops[0].func_ns <= .ops[0].kernel_ns)" true
	fi
done

# --- a quick run: the function-level source recorded, func_ns inside kernel_ns ------------
j=$OUT/run.json
echo "+ boxbench run --suite quick --scenario copyup,lookup --repetitions 3 --warmup 1"
if boxbench run --suite quick --scenario copyup,lookup --repetitions 3 --warmup 1 \
	--cache-dir "$CACHE" --out "$j" >"$OUT/run.txt" 2>&1; then
	cat "$OUT/run.txt"
	check run_records_fentry_copy_up "$j" .context.probe_sources.copy_up fentry
	check run_records_fentry_lookup "$j" .context.probe_sources.lookup fentry
	check run_copyup_rows_fentry "$j" '[.benchmarks[] | select(.run_type == "iteration" and (.name | startswith("copyup/"))) | .source] | unique | join(",")' fentry
	check run_copyup_func_within_kernel "$j" '[.benchmarks[] | select(.run_type == "iteration" and (.name | startswith("copyup/"))) | (.func_ns != null and .func_ns > 0 and .func_ns <= .kernel_ns)] | (length > 0 and all)' true
	check run_lookup_func_within_kernel "$j" '[.benchmarks[] | select(.run_type == "iteration" and (.name | startswith("lookup/"))) | (.func_ns != null and .func_ns <= .kernel_ns)] | (length > 0 and all)' true
	check run_no_failed_case "$j" '[.benchmarks[] | select(.error_occurred)] | length' 0
else
	fail run_quick "exit $?: $(tail -c 1500 "$OUT/run.txt")"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
