# The dependency rules of the tree (issue 13), checked by tests/helpers/check-layers on the
# sources and the objects of the build under test: probes/ includes nothing of bench/ but
# common/error.h, no .c files call each other, and includes go only down the layers. Then the
# checker itself, on a small tree made to break each rule.

layers_top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
check_layers=$layers_top/tests/helpers/check-layers

# One reference both ways is allowed, and it is no call either way: tools/commands.c's table
# holds cmd_doctor's address (main.c makes the call), and doctor asks the table which
# subcommands exist, so that it names only those (issue 13's claims).
layers_allowed=(--allow "tools/commands.c:tools/doctor.c")

setup_file() {
	BB_TMP=$(mktemp -d /tmp/bbtest-layers.XXXXXX)
	export BB_TMP
}

teardown_file() {
	rm -rf "$BB_TMP"
}

# The tree $BOXBENCH was built from: its build dir's parent, with the objects in build/obj.
test_dependencies_point_one_way() {
	local build src
	build=$(dirname "$BOXBENCH")
	src=$(dirname "$build")
	[ -d "$build/obj/bench" ] && [ -d "$src/bench" ] ||
		skip "$BOXBENCH is not in the build dir of a source tree (no $build/obj/bench)"
	run "$check_layers" --src "$src" --obj "$build/obj" "${layers_allowed[@]}"
	assert_eq 0 "$rc" "check-layers on $src (stdout: $out; stderr: $err)"
	assert_eq "" "$out" "what check-layers found"
}

# A tree with one of each violation, compiled here: the check must name each.
make_bad_tree() {
	local t=$BB_TMP/tree o=$BB_TMP/tree/build/obj
	mkdir -p "$t/bench/common" "$t/bench/storage" "$t/bench/harness" "$t/probes" "$t/tools" \
		"$o/bench/common" "$o/bench/storage" "$o/bench/harness" "$o/probes" "$o/tools"
	printf 'int a(void);\nint b(void) { return a(); }\n' >"$t/bench/common/b.c"
	printf 'int b(void);\nint a(void) { return b(); }\n' >"$t/bench/common/a.c"
	# x -> y -> z -> x: a circle of three, no pair
	printf 'int y(void);\nint x(void) { return y(); }\n' >"$t/bench/storage/x.c"
	printf 'int z(void);\nint y(void) { return z(); }\n' >"$t/bench/storage/y.c"
	printf 'int x(void);\nint z(void) { return x() + 1; }\n' >"$t/bench/storage/z.c"
	printf '#include "harness/h.h"\n#include "common/error.h"\n' >"$t/probes/p.h"
	printf '#include "harness/h.h"\n' >"$t/bench/storage/s.h"
	printf 'int ok(void);\n' >"$t/bench/harness/h.h"
	printf 'int err;\n' >"$t/bench/common/error.h"
	printf 'int lone(void) { return 0; }\n' >"$t/tools/lone.c"
	printf 'int alone(void) { return 1; }\n' >"$t/tools/alone.c"
	for c in bench/common/a bench/common/b bench/storage/x bench/storage/y bench/storage/z \
		tools/lone tools/alone; do
		cc -c -o "$o/$c.o" "$t/$c.c" || fail "cannot compile $c.c"
	done
	echo "$t"
}

test_check_layers_names_each_violation() {
	local t
	t=$(make_bad_tree)
	run "$check_layers" --src "$t" --obj "$t/build/obj" --allow tools/alone.c:tools/lone.c
	assert_eq 1 "$rc" "check-layers' exit status on the bad tree (stdout: $out; stderr: $err)"
	assert_contains "$out" "probes/p.h: includes bench/harness/h.h: probes/ includes nothing" \
		"an include from probes/ to bench/"
	assert_contains "$out" \
		"bench/storage/s.h: includes bench/harness/h.h: storage/ may use only lower layers" \
		"an include up the layers"
	assert_contains "$out" \
		"bench/common/a.c <-> bench/common/b.c: bench/common/a.c uses b; bench/common/b.c uses a" \
		"two files that call each other"
	assert_contains "$out" \
		"call cycle through 3 files: bench/storage/x.c, bench/storage/y.c, bench/storage/z.c" \
		"a circle of three"
	assert_contains "$out" "--allow tools/alone.c:tools/lone.c: they no longer call each other" \
		"an --allow that is no longer needed"
	assert_eq 5 "$(wc -l <<<"$out")" "lines: one per violation, and nothing about common/error.h"
}

test_check_layers_refuses_stale_objects() {
	local t
	t=$(make_bad_tree)
	rm "$t/build/obj/bench/common/a.o"
	run "$check_layers" --src "$t" --obj "$t/build/obj"
	assert_eq 2 "$rc" "check-layers' exit status without an object (stdout: $out)"
	assert_contains "$err" "build/obj/bench/common/a.o: missing, for bench/common/a.c" \
		"the message"
}
