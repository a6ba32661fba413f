# Helpers for the integration tests: assertions that print what went wrong, and a snapshot of
# everything a test could leave behind on the machine.

fail() {
	echo "$*" >&2
	exit 1
}

# skip REASON: the test cannot run on this kernel; the runner reports it with the reason.
skip() {
	echo "$*" >&2
	exit 77
}

# run CMD...: runs it, keeping stdout in $out, stderr in $err and the exit status in $rc.
run() {
	local o e
	o=$(mktemp) e=$(mktemp)
	rc=0
	"$@" >"$o" 2>"$e" || rc=$?
	out=$(cat "$o")
	err=$(cat "$e")
	rm -f "$o" "$e"
	return 0
}

assert_eq() { # expected actual what
	[ "$1" = "$2" ] || fail "$3: expected '$1', got '$2'"
}

assert_contains() { # haystack needle what
	grep -qF -- "$2" <<<"$1" || fail "$3: '$2' not found in: $(head -c 600 <<<"$1")"
}

# Everything a test could leave behind, one line per thing, sorted.
leftovers() {
	grep boxbench /proc/self/mountinfo | awk '{print "mount " $5}'
	find /sys/fs/cgroup -maxdepth 4 -type d -name '*boxbench*' 2>/dev/null | sed 's/^/cgroup /'
	ls -d /tmp/boxbench* /var/tmp/boxbench* 2>/dev/null | sed 's/^/dir /'
	pgrep -x boxbench | sed 's/^/process /'
	pgrep -x fuse-overlayfs | sed "s/^/fuse-daemon /"
	bpftool prog show 2>/dev/null | sed -n 's/^\([0-9]*\): .*name \([^ ]*\).*/bpf-prog \1 \2/p'
	bpftool map show 2>/dev/null | sed -n 's/^\([0-9]*\): .*name \([^ ]*\).*/bpf-map \1 \2/p'
	bpftool link show 2>/dev/null | sed -n 's/^\([0-9]*\): .*/bpf-link \1/p'
	losetup -a 2>/dev/null | grep boxbench | sed 's/^/loop /'
}
