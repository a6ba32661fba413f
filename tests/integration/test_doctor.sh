# boxbench doctor on the real kernel: its answers checked against independent tries.

doctor_json() {
	"$BOXBENCH" doctor --json >"$1" || fail "doctor --json exited $?"
	jq -e . "$1" >/dev/null || fail "doctor --json is not JSON: $(head -c 300 "$1")"
}

test_doctor_text_names_every_group() {
	run "$BOXBENCH" doctor
	assert_eq 0 "$rc" "doctor exit status (stderr: $err)"
	for group in kernel bpf cgroup overlay fs driver runtime; do
		grep -q "^$group\$" <<<"$out" || fail "doctor output has no '$group' section"
	done
	assert_contains "$out" "fentry" "doctor text"
	assert_contains "$out" "→" "doctor text explains what each answer means"
}

test_doctor_json_has_stable_keys() {
	local j
	j=$(mktemp)
	doctor_json "$j"
	for key in .boxbench.version .kernel.release .kernel.btf.ok .bpf.tracepoint.ok \
		.bpf.raw_tp.ok .bpf.tp_btf.ok .bpf.fentry.ok .bpf.fexit.ok .bpf.kprobe.ok \
		.bpf.kretprobe.ok .cgroup.mode.value .overlay.available.ok; do
		jq -e "$key != null" "$j" >/dev/null || { rm -f "$j"; fail "doctor --json lacks $key"; }
	done
	# Every check has the same five fields.
	jq -e '[to_entries[] | select(.key != "boxbench") | .value[] | keys] | all(. == ["detail","errno","means","ok","value"])' "$j" >/dev/null ||
		{ rm -f "$j"; fail "a check lacks one of ok/value/errno/means/detail"; }
	rm -f "$j"
}

test_doctor_kernel_release_is_uname() {
	local j release
	j=$(mktemp)
	doctor_json "$j"
	release=$(jq -r .kernel.release.value "$j")
	rm -f "$j"
	assert_eq "$(uname -r)" "$release" "kernel.release"
}

# The BPF answers must agree with a second, independent loader (tests/helpers/bpf_try.c),
# which uses raw bpf(2) program loads instead of boxbench's skeleton.
# A helper that prints nothing (it crashed, or lost its output) must fail the test, not pass
# it for want of a line to compare.
test_doctor_bpf_matches_independent_loader() {
	local j kind want got errno_want errno_got answers
	answers=$("$HELPERS/bpf_try") || fail "tests/helpers/bpf_try exited $?: ${answers:0:300}"
	[ -n "$answers" ] || fail "tests/helpers/bpf_try printed nothing: there is nothing to compare"
	j=$(mktemp)
	doctor_json "$j"
	while read -r kind want errno_want; do
		case "$want" in
		yes | no) ;;
		*) rm -f "$j"; fail "bpf_try printed '$kind $want $errno_want', not '<kind> yes|no [errno]'" ;;
		esac
		got=$(jq -r ".bpf.$kind.ok" "$j")
		errno_got=$(jq -r ".bpf.$kind.errno // \"\"" "$j")
		[ "$want" = yes ] && want=true || want=false
		[ "$got" = "$want" ] || { rm -f "$j"; fail "bpf.$kind: doctor says ok=$got, independent loader says $want"; }
		if [ "$want" = false ] && [ -n "$errno_want" ] && [ "$errno_got" != "$errno_want" ]; then
			rm -f "$j"
			fail "bpf.$kind: doctor says $errno_got, independent loader says $errno_want"
		fi
	done <<<"$answers"
	rm -f "$j"
}

# fexit shares fentry's trampoline; the two can only differ if something is badly wrong.
test_doctor_fentry_and_fexit_agree() {
	local j
	j=$(mktemp)
	doctor_json "$j"
	assert_eq "$(jq -r .bpf.fentry.ok "$j")" "$(jq -r .bpf.fexit.ok "$j")" "fentry vs fexit"
	rm -f "$j"
}

test_doctor_cgroup_mode_matches_statfs() {
	local j mode want
	j=$(mktemp)
	doctor_json "$j"
	mode=$(jq -r .cgroup.mode.value "$j")
	rm -f "$j"
	case "$(stat -f -c %T /sys/fs/cgroup)" in
	cgroup2fs) want=v2 ;;
	tmpfs)
		if [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
			want=hybrid
		else
			want=v1
		fi
		;;
	*) fail "unexpected file system type at /sys/fs/cgroup" ;;
	esac
	assert_eq "$want" "$mode" "cgroup.mode"
}

test_doctor_overlay_matches_a_real_mount() {
	local j ok want=false d
	j=$(mktemp)
	doctor_json "$j"
	ok=$(jq -r .overlay.available.ok "$j")
	rm -f "$j"
	d=$(mktemp -d /tmp/bbtest-ovl.XXXXXX)
	mkdir -p "$d"/{l,u,w,m}
	unshare -m sh -c "mount -t overlay x -o lowerdir=$d/l,upperdir=$d/u,workdir=$d/w $d/m" && want=true
	rm -rf "$d"
	assert_eq "$want" "$ok" "overlay.available"
}

test_doctor_help_and_usage_errors() {
	run "$BOXBENCH" --help
	assert_eq 0 "$rc" "boxbench --help"
	assert_contains "$out" "doctor" "boxbench --help lists doctor"
	run "$BOXBENCH" doctor --help
	assert_eq 0 "$rc" "boxbench doctor --help"
	assert_contains "$out" "--json" "doctor --help documents --json"
	run "$BOXBENCH" frobnicate
	assert_eq 2 "$rc" "unknown subcommand exit status"
	assert_contains "$err" "'frobnicate' is not a boxbench command" "unknown subcommand message"
	run "$BOXBENCH" doctor --frobnicate
	assert_eq 2 "$rc" "unknown option exit status"
	assert_contains "$err" "unknown option '--frobnicate'" "unknown option message"
	run "$BOXBENCH"
	assert_eq 2 "$rc" "no subcommand exit status"
}

test_doctor_as_nobody_explains_root() {
	run setpriv --reuid=65534 --regid=65534 --clear-groups "$BOXBENCH" doctor
	[ "$rc" -ne 0 ] || fail "doctor as nobody exited 0"
	assert_contains "$err" "needs root" "doctor as nobody"
	[ -z "$out" ] || fail "doctor as nobody printed a report anyway: $out"
}

# The runner checks leftovers after every test; this one makes sure the BPF side is counted:
# no program of doctor's survives it, even though doctor loads seven of them.
test_doctor_leaves_no_bpf_program() {
	local before after
	before=$(bpftool prog show | grep -c '^[0-9]*:' || true)
	"$BOXBENCH" doctor >/dev/null || fail "doctor failed"
	# Tracing programs are freed after an RCU-tasks grace period: allow up to 4 s for it.
	for _ in $(seq 1 20); do
		after=$(bpftool prog show | grep -c '^[0-9]*:' || true)
		[ "$after" = "$before" ] && break
		sleep 0.2
	done
	assert_eq "$before" "$after" "BPF programs loaded before and after doctor"
	grep -q probe_ <<<"$(bpftool prog show)" && fail "a probe_* program survived doctor"
	return 0
}

# The names doctor's words give (`driver:X` and "X driver(s)" as storage drivers, `boxbench X`
# as subcommands), one "driver X" or "command X" a line.
doctor_claimed_names() { # FILE: doctor's text
	grep -oE 'driver:[A-Za-z0-9_.-]+' "$1" | sed 's/^driver:/driver /'
	grep -oE '[A-Za-z0-9_.-]+ drivers?(:?[^:A-Za-z0-9_-]|:?$)' "$1" |
		sed -E 's/^([^ ]+) drivers?.*$/driver \1/'
	grep -oE "[\`']boxbench [a-z][a-z0-9-]*" "$1" | sed -E 's/^.boxbench /command /'
}

# doctor may name a driver only if `run --list` has cases of it, and a subcommand only if
# `boxbench --help` lists it: "the driver:fuse-overlayfs cases run" or "`boxbench trace` can
# time crun starts" told users of things that do not exist. Both outputs, every field.
test_doctor_names_only_drivers_and_commands_that_exist() {
	local t drivers commands kind name n=0 bad=""
	t=$(mktemp)
	doctor_json "$t.json"
	jq -r '.[] | objects | .[] | objects | .means, .detail' "$t.json" >"$t"
	"$BOXBENCH" doctor >>"$t" || { rm -f "$t" "$t.json"; fail "doctor exited $?"; }
	drivers=$("$BOXBENCH" run --list --suite full | grep -oE 'driver:[^/]+' | sort -u | sed 's/^driver://')
	commands=$("$BOXBENCH" --help | sed -n '/^commands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }')
	[ -n "$drivers" ] && [ -n "$commands" ] ||
		{ rm -f "$t" "$t.json"; fail "no drivers in run --list ($drivers) or no commands in --help ($commands)"; }
	while read -r kind name; do
		[ -n "$kind" ] || continue
		n=$((n + 1))
		if [ "$kind" = driver ]; then
			grep -qxF -- "$name" <<<"$drivers" || bad+=" driver '$name';"
		else
			grep -qxF -- "$name" <<<"$commands" || bad+=" command '$name';"
		fi
	done < <(doctor_claimed_names "$t" | sort -u)
	[ -z "$bad" ] || {
		grep -E "driver|boxbench [a-z]" "$t" | head -20 >&2
		rm -f "$t" "$t.json"
		fail "doctor names what does not exist:$bad (drivers: $(echo $drivers); commands: $(echo $commands))"
	}
	rm -f "$t" "$t.json"
	# overlay.available says whether the driver:overlay cases run: a test that found no name
	# at all would be testing nothing.
	[ "$n" -gt 0 ] || fail "found no driver or command named in doctor's text: is the pattern wrong?"
}
