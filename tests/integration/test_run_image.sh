# boxbench run --image: the stack-based scenarios on an image's own layers, with the roles
# (found, whited out, hidden, absent, the fullest dir) found by replaying overlay's lookup.
# A synthetic stack dir has an image's layout (l/0 at the bottom), and its planted names are
# known, so the roles the run picks can be checked against them.

setup_file() {
	BB_CACHE=$(mktemp -d /var/tmp/bbtest-runimg-cache.XXXXXX)
	BB_TMP=$(mktemp -d /tmp/bbtest-runimg.XXXXXX)
	chmod 755 "$BB_CACHE"
	export BB_CACHE BB_TMP
}

teardown_file() {
	rm -rf "$BB_CACHE" "$BB_TMP"
}

# A depth-4 synthetic stack to stand in for an image; its dir on stdout.
stand_in() {
	local m
	"$BOXBENCH" run --scenario lookup --depth 4 --repetitions 1 --warmup 0 \
		--cache-dir "$BB_CACHE" --out "$BB_TMP/build.json" >/dev/null 2>&1 ||
		fail "could not build a depth-4 stack"
	m=$(ls "$BB_CACHE"/*/stack.json | head -n 1)
	[ -n "$m" ] || fail "no stack in $BB_CACHE"
	dirname "$m"
}

test_run_image_finds_the_planted_roles_and_runs() {
	local img res="$BB_TMP/img.json" name bad
	img=$(stand_in)
	name=$(basename "$img")
	run "$BOXBENCH" run --image "$img" --scenario mount,copyup,lookup,readdir \
		--repetitions 2 --warmup 0 --out "$res"
	[ "$rc" = 0 ] || fail "run --image exited $rc: $err"
	assert_eq 4 "$(jq .context.image.layers "$res")" "layers in the context"
	assert_eq probe/wh-top "$(jq -r '.context.image.roles["whiteout-top"]' "$res")" \
		"whiteout-top: the top layer's whiteout"
	assert_eq probe/wh-bottom "$(jq -r '.context.image.roles["whiteout-bottom"]' "$res")" \
		"whiteout-bottom: the lowest layer's whiteout"
	assert_eq probe/opq/hidden "$(jq -r '.context.image.roles.opaque' "$res")" \
		"opaque: the name the opaque dir hides"
	jq -e '.context.image.roles["copyup-bottom"] | startswith("copyup/bottom-")' "$res" \
		>/dev/null || fail "copyup-bottom is not a bottom-layer file: $(jq -c .context.image.roles "$res")"
	for s in mount copyup lookup readdir; do
		jq -e --arg s "$s/" --arg i "image:$name" '[.benchmarks[] | select(.run_type ==
			"iteration" and (.name | startswith($s)))] | length > 0 and
			all(.[]; .name | contains($i))' "$res" >/dev/null ||
			fail "no $s case, or one without image:$name"
	done
	bad=$(jq -r '.benchmarks[] | select(.error_occurred == true) | "\(.name): \(.error_message)"' "$res")
	[ -z "$bad" ] || fail "failed cases: $bad"
	# Every lookup of a name the image deletes or hides must miss: the case checks it, and
	# would have failed above otherwise. 4 layers, so depth 4 everywhere.
	jq -e '[.benchmarks[] | select(.run_type == "iteration")
		| select(.name | test("/depth:[0-9]+/")) | .name | test("/depth:4/")] | all' "$res" \
		>/dev/null || fail "a case ran at another depth than the image's"
}

test_run_image_refuses_what_is_no_image() {
	run "$BOXBENCH" run --image "$BB_TMP/nothing-here" --list
	assert_eq 2 "$rc" "exit status for a missing image"
	assert_contains "$err" "nothing-here" "the message names the dir"
	mkdir -p "$BB_TMP/empty"
	run "$BOXBENCH" run --image "$BB_TMP/empty" --list
	assert_eq 2 "$rc" "exit status for a dir with no layers"
	assert_contains "$err" "image import" "the message says how to make one"
	run "$BOXBENCH" run --image "$BB_TMP/empty" --depth 8 --list
	assert_eq 2 "$rc" "exit status for --image with --depth"
	assert_contains "$err" "leave out --depth" "the message gives the fix"
}

# A real import: three layers written by tests/helpers/make-image (python's tarfile), with a
# file deleted and a directory made opaque above; the run must pick those and nothing else.
test_run_image_on_an_imported_image() {
	local mk W res="$BB_TMP/real.json" bad
	mk=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/tests/helpers/make-image
	W=$BB_TMP/real
	mkdir -p "$W"
	"$mk" layer "$W/l0.tar.gz" '[{"name": "usr", "type": "d"}, {"name": "usr/bin", "type": "d"},
		{"name": "usr/bin/big", "type": "f", "size": 300000},
		{"name": "usr/bin/small", "type": "f", "data": "x"},
		{"name": "etc", "type": "d"}, {"name": "etc/old.conf", "type": "f", "data": "old"},
		{"name": "var", "type": "d"}, {"name": "var/cache", "type": "d"},
		{"name": "var/cache/stale", "type": "f", "data": "s"}]' || fail "layer 0"
	"$mk" layer "$W/l1.tar.gz" '[{"name": "etc", "type": "d"},
		{"name": "etc/.wh.old.conf", "type": "f"},
		{"name": "etc/new.conf", "type": "f", "data": "new"}]' || fail "layer 1"
	"$mk" layer "$W/l2.tar.gz" '[{"name": "var", "type": "d"}, {"name": "var/cache", "type": "d"},
		{"name": "var/cache/.wh..wh..opq", "type": "f"},
		{"name": "app", "type": "d"}, {"name": "app/main", "type": "f", "size": 70000}]' ||
		fail "layer 2"
	"$mk" oci "$W/oci" "$W/l0.tar.gz" "$W/l1.tar.gz" "$W/l2.tar.gz" --ref t ||
		fail "make-image oci failed"
	run "$BOXBENCH" image import "$W/oci" "$W/img"
	[ "$rc" = 0 ] || fail "image import exited $rc: $err"
	run "$BOXBENCH" run --image "$W/img" --scenario copyup,lookup --repetitions 2 --warmup 0 \
		--out "$res"
	[ "$rc" = 0 ] || fail "run --image on the import exited $rc: $err"
	assert_eq usr/bin/big "$(jq -r '.context.image.roles["found-bottom"]' "$res")" \
		"found-bottom: the bottom layer's largest file"
	assert_eq app/main "$(jq -r '.context.image.roles["found-top"]' "$res")" \
		"found-top: the top layer's largest file"
	assert_eq etc/old.conf "$(jq -r '.context.image.roles["whiteout-top"]' "$res")" \
		"whiteout-top: the one deleted file"
	assert_eq var/cache/stale "$(jq -r '.context.image.roles.opaque' "$res")" \
		"opaque: the file the opaque dir hides"
	jq -e '[.benchmarks[] | select(.run_type == "iteration" and
		(.name | startswith("copyup/")) and (.name | contains("/size:292.97KiB/")
		or contains("/size:293KiB/") or contains("/at:bottom/")))] | length > 0' "$res" \
		>/dev/null || fail "no copy-up of the bottom layer's file"
	bad=$(jq -r '.benchmarks[] | select(.error_occurred == true) | "\(.name): \(.error_message)"' "$res")
	[ -z "$bad" ] || fail "failed cases: $bad"
	run "$(dirname "$mk")/check-schema" "$res"
	assert_eq 0 "$rc" "the result of run --image against results/schema.json ($err)"
	# inspect agrees on the roles' layers.
	run "$BOXBENCH" inspect "$W/img" --which etc/old.conf --json
	assert_eq 1 "$rc" "inspect --which of the deleted file"
	assert_eq deleted "$(jq -r .which.result <<<"$out")" "inspect's answer for etc/old.conf"
	rm -rf "$W"
}

# What a differential test against the kernel found: a file with data that carries the xattr
# whiteout mark is a file to overlay (only an empty one is a whiteout), and a dir a layer above
# deletes is no dir to list.
test_run_image_roles_follow_the_kernel_on_marks_and_deleted_dirs() {
	local W=$BB_TMP/marks res
	mkdir -p "$W/l/0/d" "$W/l/1" "$W/l/2/keep"
	echo x >"$W/l/0/d/x"
	echo y >"$W/l/0/d/y"
	echo z >"$W/l/0/d/z"
	echo L0 >"$W/l/0/f"
	mknod "$W/l/1/d" c 0 0
	echo a >"$W/l/2/keep/a"
	echo b >"$W/l/2/keep/b"
	echo L2 >"$W/l/2/f"
	setfattr -n trusted.overlay.whiteout -v y "$W/l/2/f"
	run "$BOXBENCH" inspect "$W" --which f --json
	assert_eq 0 "$rc" "inspect --which of a marked file with data (stderr: $err)"
	assert_eq found "$(jq -r .which.result <<<"$out")" "the kernel shows a marked file with data"
	res=$BB_TMP/marks.json
	run "$BOXBENCH" run --image "$W" --scenario lookup,readdir --repetitions 1 --warmup 0 \
		--out "$res"
	[ "$rc" = 0 ] || fail "run --image exited $rc: $err"
	assert_eq keep "$(jq -r .context.image.roles.readdir "$res")" \
		"readdir: the dir the merged view still has, not the deleted one"
	assert_eq d "$(jq -r '.context.image.roles["whiteout-top"]' "$res")" \
		"whiteout-top: the real whiteout, not the marked file with data"
	jq -e '[.benchmarks[] | select(.error_occurred == true)] | length == 0' "$res" >/dev/null ||
		fail "failed cases: $(jq -c '[.benchmarks[] | select(.error_occurred == true) | .error_message]' "$res")"
	rm -rf "$W"
}

# An image without /proc (or with a /proc that is no directory: here a symlink out of the
# image) still starts: the mount point is made where runtimes make it, in the container's upper
# layer, and the image's layers are left as they are.
test_run_image_starts_on_an_image_without_proc() {
	local W=$BB_TMP/noproc res=$BB_TMP/noproc.json bad
	mkdir -p "$W/l/0/etc" "$W/l/1"
	echo a >"$W/l/0/etc/a"
	echo b >"$W/l/1/b"
	for shape in missing symlink; do
		[ "$shape" = symlink ] && ln -s /etc "$W/l/0/proc"
		run "$BOXBENCH" run --image "$W" --scenario start --repetitions 1 --warmup 0 --out "$res"
		[ "$rc" = 0 ] || fail "run --image ($shape /proc) exited $rc: $err"
		bad=$(jq -r '.benchmarks[] | select(.error_occurred == true) | "\(.name): \(.error_message)"' "$res")
		[ -z "$bad" ] || fail "start cases failed on an image with a $shape /proc: $bad"
		[ "$(jq '[.benchmarks[] | select(.run_type == "iteration" and (.name | startswith("start/")))] | length' "$res")" -gt 0 ] ||
			fail "no start case ran"
	done
	[ -L "$W/l/0/proc" ] && [ ! -e "$W/l/1/proc" ] || fail "the image's layers were changed: $(ls -la "$W"/l/*)"
	rm -rf "$W" "$res"
}

# ---- dirs that are no finished image ----

# A planted image.json that is a FIFO used to hang inspect and run --image for ever: it is
# read only as a regular file of bounded size.
test_image_json_that_is_no_regular_file_is_refused() {
	local W=$BB_TMP/fifo
	mkdir -p "$W/l/0"
	echo x >"$W/l/0/f"
	mkfifo "$W/image.json"
	run timeout 20 "$BOXBENCH" inspect "$W"
	assert_eq 2 "$rc" "inspect of a dir whose image.json is a FIFO (124: it hung)"
	assert_contains "$err" "$W/image.json is a FIFO, not a regular file" "inspect's message"
	run timeout 20 "$BOXBENCH" run --image "$W" --list
	assert_eq 2 "$rc" "run --image of a dir whose image.json is a FIFO (124: it hung)"
	assert_contains "$err" "$W/image.json is a FIFO, not a regular file" "run's message"
	rm -f "$W/image.json"
	ln -s /etc/passwd "$W/image.json"
	run timeout 20 "$BOXBENCH" inspect "$W"
	assert_eq 2 "$rc" "inspect of a dir whose image.json is a symlink"
	assert_contains "$err" "is a symlink" "the message says so"
	rm -rf "$W"
}

# A layer of many empty files: an import of it takes seconds, long enough to be caught.
many_files_layer() { # OUT
	python3 - "$1" <<-'EOF'
		import sys, tarfile
		with tarfile.open(sys.argv[1], "w:gz", compresslevel=1) as t:
		    d = tarfile.TarInfo("d"); d.type = tarfile.DIRTYPE; d.mode = 0o755; t.addfile(d)
		    for i in range(20000):
		        t.addfile(tarfile.TarInfo("d/f%05d" % i))
	EOF
}

# An import stopped midway, then killed: while it runs, and once it is gone, inspect and
# run --image refuse its DEST and say which; cleanup leaves the running one alone and removes
# the dead one's DEST and registration. A hand-made dir of layers is still an image.
test_interrupted_import_is_refused_and_cleaned_up() {
	local src=$BB_TMP/many.tar.gz dest=$BB_TMP/killed pid reg
	many_files_layer "$src" || fail "could not write the layer"
	"$BOXBENCH" image import "$src" "$dest" >/dev/null 2>&1 &
	pid=$!
	for _ in $(seq 1 1000); do
		[ -d "$dest/l/0/d" ] && break
		sleep 0.01
	done
	kill -STOP "$pid"
	[ -d "$dest/l/0/d" ] && [ ! -e "$dest/image.json" ] ||
		{ kill -9 "$pid"; fail "the import could not be caught midway: $(ls -la "$dest" 2>&1)"; }
	trap "kill -9 $pid 2>/dev/null || true" EXIT
	run "$BOXBENCH" inspect "$dest"
	assert_eq 2 "$rc" "inspect of a dir being imported"
	assert_contains "$err" "an import (pid $pid) is still writing $dest" "inspect's message"
	run "$BOXBENCH" run --image "$dest" --list
	assert_eq 2 "$rc" "run --image of a dir being imported"
	assert_contains "$err" "still writing" "run's message"
	reg=$(grep -lx "dest=$dest" /run/boxbench/imports/"$pid".* 2>/dev/null) ||
		fail "no registration for import $pid in /run/boxbench/imports"
	assert_eq "$pid" "$(cat "$dest/.boxbench-import")" "the marker holds the importer's pid"
	run "$BOXBENCH" cleanup --dry-run
	! grep -qF "$dest" <<<"$out" || fail "cleanup would touch a running import: $out"
	kill -9 "$pid"
	wait "$pid" 2>/dev/null || true
	trap - EXIT
	run "$BOXBENCH" inspect "$dest"
	assert_eq 2 "$rc" "inspect of an interrupted import"
	assert_contains "$err" "$dest is an interrupted import (pid $pid is gone): remove it, or run \`boxbench cleanup\`" "inspect's message"
	run "$BOXBENCH" run --image "$dest" --list
	assert_eq 2 "$rc" "run --image of an interrupted import"
	assert_contains "$err" "is an interrupted import" "run's message"
	run "$BOXBENCH" cleanup --dry-run --json
	assert_eq 0 "$rc" "cleanup --dry-run (stderr: $err)"
	assert_eq "$dest/l $dest" "$(jq -r --arg d "$dest" '[.dirs[] | select(startswith($d))] | join(" ")' <<<"$out")" "what cleanup would remove"
	[ -d "$dest/l/0" ] || fail "cleanup --dry-run removed something"
	run "$BOXBENCH" cleanup
	assert_eq 0 "$rc" "cleanup (stderr: $err)"
	assert_contains "$out" "removed $dest/l" "cleanup lists the layers"
	[ ! -e "$dest" ] || fail "cleanup left $dest: $(ls -la "$dest")"
	[ ! -e "$reg" ] || fail "cleanup left the registration $reg"
	# Without marker or image.json, l/0.. is a plain stack, as ever.
	mkdir -p "$BB_TMP/bare/l/0" "$BB_TMP/bare/l/1"
	echo x >"$BB_TMP/bare/l/1/f"
	run "$BOXBENCH" inspect "$BB_TMP/bare" --which f
	assert_eq 0 "$rc" "inspect of a hand-made dir of layers (stderr: $err)"
	rm -rf "$src" "$BB_TMP/bare"
}

# import_until_midway SRC DEST [PRE]: starts an import in the background (pid in $ipid), PRE
# (e.g. "trap '' HUP") run first in its shell, and returns once it has written into DEST.
import_until_midway() {
	# A job started with & in a shell without job control has SIGINT ignored, and so would
	# the import (it keeps a disposition it inherits, as nohup expects): reset it.
	(eval "${3:-:}"; exec env --default-signal=INT,TERM "$BOXBENCH" image import "$1" "$2") \
		>/dev/null 2>"$BB_TMP/import.err" &
	ipid=$!
	for _ in $(seq 1 1000); do
		[ -d "$2/l/0/d" ] && return 0
		sleep 0.01
	done
	kill -9 "$ipid"
	fail "the import could not be caught midway"
}

# Ctrl-C or SIGTERM stops an import as they stop run and start: DEST removed, the signal's
# exit status, its name in the message. A hangup that nohup ignores does not stop it.
test_import_stopped_by_a_signal_removes_dest_and_exits_as_killed_by_it() {
	local src=$BB_TMP/many-sig.tar.gz sig code rc2
	many_files_layer "$src" || fail "could not write the layer"
	for sig in INT:130 TERM:143; do
		code=${sig#*:} sig=${sig%%:*}
		import_until_midway "$src" "$BB_TMP/sig-$sig"
		kill -"$sig" "$ipid"
		rc2=0
		wait "$ipid" || rc2=$?
		assert_eq "$code" "$rc2" "exit status after SIG$sig"
		assert_contains "$(cat "$BB_TMP/import.err")" "stopped by SIG$sig" "the message names the signal"
		[ ! -e "$BB_TMP/sig-$sig" ] || fail "SIG$sig left $BB_TMP/sig-$sig"
	done
	import_until_midway "$src" "$BB_TMP/sig-hup" "trap '' HUP"
	kill -HUP "$ipid"
	rc2=0
	wait "$ipid" || rc2=$?
	assert_eq 0 "$rc2" "an import whose SIGHUP is ignored (nohup) goes on ($(cat "$BB_TMP/import.err"))"
	[ -f "$BB_TMP/sig-hup/image.json" ] || fail "the nohup'd import did not finish"
	rm -rf "$BB_TMP/sig-hup"
}
