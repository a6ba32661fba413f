# boxbench inspect on the real kernel: an overlay mounted by hand on layers with every kind
# of mark (and changed through the mount, so the kernel itself makes the redirects, the
# metacopy and the copy-ups), live containers seen through their pid, and a synthetic stack
# as an image dir. Counts are checked against find and getfattr over the same dirs.

setup_file() {
	BB_CACHE=$(mktemp -d /var/tmp/bbtest-cache.XXXXXX)
	BB_TMP=$(mktemp -d /tmp/bbtest-inspect.XXXXXX)
	# A user namespace's root (uid 100000 outside) must be able to reach the layers.
	chmod 755 "$BB_CACHE"
	export BB_CACHE BB_TMP
}

teardown_file() {
	rm -rf "$BB_CACHE" "$BB_TMP"
}

# ---- helpers ----

# What find and getfattr say a layer holds, as a JSON object with inspect's field names.
count_layer() { # DIR PREFIX
	local d=$1 p=$2 marks
	marks=$(getfattr -R -P --absolute-names -d -m "^$p\\.overlay\\." "$d" 2>/dev/null)
	local xwh opq xdir redir meta files
	xwh=$(grep -c "^$p\\.overlay\\.whiteout" <<<"$marks" || true)
	opq=$(grep -c "^$p\\.overlay\\.opaque=\"y\"" <<<"$marks" || true)
	xdir=$(grep -c "^$p\\.overlay\\.opaque=\"x\"" <<<"$marks" || true)
	redir=$(grep -c "^$p\\.overlay\\.redirect=" <<<"$marks" || true)
	meta=$(grep -c "^$p\\.overlay\\.metacopy" <<<"$marks" || true)
	files=$(find "$d" -xdev -type f | wc -l)
	jq -n --argjson files $((files - xwh)) \
		--argjson dirs "$(find "$d" -xdev -mindepth 1 -type d | wc -l)" \
		--argjson symlinks "$(find "$d" -xdev -type l | wc -l)" \
		--argjson whiteouts_chardev "$(find "$d" -xdev -type c | wc -l)" \
		--argjson whiteouts_xattr "$xwh" --argjson opaque_dirs "$opq" \
		--argjson xwhiteout_dirs "$xdir" --argjson redirects "$redir" \
		--argjson metacopy "$meta" \
		--argjson bytes "$(find "$d" -xdev -type f -printf '%s\n' | awk '{s+=$1} END {print s+0}')" \
		--argjson alloc_bytes "$(find "$d" -xdev -type f -printf '%b\n' | awk '{s+=$1} END {print s*512}')" \
		'$ARGS.named'
}

# Every layer inspect could read must hold what find and getfattr count there.
check_counts_independently() { # INSPECT_JSON PREFIX
	local j=$1 p=$2 n i dir mine theirs
	n=$(jq '.layers | length' "$j")
	[ "$n" -gt 0 ] || fail "no layers in $j"
	for i in $(seq 0 $((n - 1))); do
		dir=$(jq -r ".layers[$i].dir" "$j")
		assert_eq true "$(jq -r ".layers[$i].readable" "$j")" "layer $i ($dir) readable"
		theirs=$(count_layer "$dir" "$p" | jq -cS .)
		mine=$(jq -cS ".layers[$i] | {files, dirs, symlinks, whiteouts_chardev,
			whiteouts_xattr, opaque_dirs, xwhiteout_dirs, redirects, metacopy, bytes,
			alloc_bytes}" "$j")
		assert_eq "$theirs" "$mine" "counts of layer $i ($dir), find/getfattr vs inspect"
	done
}

jv() { # FILE FILTER
	jq -r "$2" "$1"
}

# Runs inspect --which PATH --json on TARGET into FILE; the exit status in $rc.
which_json() { # FILE TARGET PATH
	rc=0
	"$BOXBENCH" inspect "$2" --which "$3" --json >"$1" 2>"$1.err" || rc=$?
	jq -e . "$1" >/dev/null || fail "inspect --which $3 printed no JSON (exit $rc): $(cat "$1.err")"
}

# ---- an overlay mounted by hand ----

# l0 (bottom) and l1 with known contents: 7 files, 5 dirs, a symlink in l0; in l1 2 files,
# a chardev whiteout, an xattr whiteout in an opaque=x dir and an opaque dir.
make_hand_layers() { # DIR
	local d=$1
	mkdir -p "$d"/l0/{d,meta,keep,opq,a,c} "$d"/l1/{opq,a} "$d"/{u,w,m}
	echo hi >"$d/l0/d/x"
	echo why >"$d/l0/d/y"
	head -c 5000 /dev/zero >"$d/l0/meta/m"
	echo k >"$d/l0/keep/k"
	echo h >"$d/l0/opq/hidden"
	echo g >"$d/l0/gone"
	echo 1 >"$d/l0/a/f1"
	echo 2 >"$d/l0/a/f2"
	echo c >"$d/l0/c/file"
	ln -s a/f1 "$d/l0/sym"
	mknod "$d/l1/gone" c 0 0
	touch "$d/l1/a/f2"
	setfattr -n trusted.overlay.whiteout "$d/l1/a/f2"
	setfattr -n trusted.overlay.opaque -v x "$d/l1/a"
	setfattr -n trusted.overlay.opaque -v y "$d/l1/opq"
	echo v >"$d/l1/opq/visible"
	echo t >"$d/l1/top"
}

# Mounts the hand-made layers in a private mount namespace, changes the merged view so the
# kernel writes a redirect (mv of a lower dir, within its parent and across), a metacopy
# (chmod under metacopy=on) and data copy-ups, and runs inspect there. Nothing outlives the
# namespace.
inspect_hand_overlay() { # DIR
	local d=$1
	unshare -m bash -c '
		set -e
		d=$1
		mount --make-rprivate /
		mount -t overlay bbtest-ov -o "lowerdir=$d/l1:$d/l0,upperdir=$d/u,workdir=$d/w,redirect_dir=on,metacopy=on" "$d/m"
		mv "$d/m/d" "$d/m/dnew"
		mkdir "$d/m/sub"
		mv "$d/m/keep" "$d/m/sub/keep2"
		chmod 600 "$d/m/meta/m"
		echo more >>"$d/m/dnew/x"
		echo more >>"$d/m/c/file"
		touch "$d/m/newfile"
		set +e
		"$BOXBENCH" inspect "$d/m" --json >"$d/all.json" 2>"$d/all.err"
		echo $? >"$d/all.rc"
		"$BOXBENCH" inspect "$d/m" >"$d/table.txt" 2>&1
		"$BOXBENCH" inspect "$d/m/dnew" >/dev/null 2>"$d/inside.err"
		echo $? >"$d/inside.rc"
		for p in dnew/x dnew/y sub/keep2/k meta/m c/file gone a/f2 a/f1 opq/hidden \
			opq/visible d nothing sym; do
			f="$d/which-${p//\//_}.json"
			"$BOXBENCH" inspect "$d/m" --which "$p" --json >"$f" 2>"$f.err"
			echo $? >"$f.rc"
		done
	' bash "$d"
}

test_inspect_hand_mounted_overlay() {
	local d="$BB_TMP/hand" j w
	rm -rf "$d"
	mkdir -p "$d"
	make_hand_layers "$d"
	inspect_hand_overlay "$d" || fail "mounting or changing the hand-made overlay failed"
	j="$d/all.json"
	assert_eq 0 "$(cat "$d/all.rc")" "inspect exit status (stderr: $(cat "$d/all.err"))"
	assert_eq mount "$(jv "$j" .kind)" "kind"
	assert_eq "$d/m" "$(jv "$j" .mount_point)" "mount point"
	assert_eq on "$(jv "$j" .options.redirect_dir)" "redirect_dir in effect"
	assert_eq on "$(jv "$j" .options.metacopy)" "metacopy in effect"
	assert_eq true "$(jv "$j" .options.rw)" "rw flag"
	assert_eq lowerdir "$(jv "$j" .layer_syntax)" "mount(2) syntax"
	assert_eq "$d/w" "$(jv "$j" .workdir)" "workdir"
	assert_eq trusted "$(jv "$j" .xattr_prefix)" "xattr prefix"
	assert_eq "upper:2:$d/u lower:1:$d/l1 lower:0:$d/l0" \
		"$(jv "$j" '[.layers[] | "\(.role):\(.index):\(.dir)"] | join(" ")')" "layers top to bottom"
	# The lowers as made.
	assert_eq '{"dirs":6,"files":9,"metacopy":0,"opaque_dirs":0,"redirects":0,"symlinks":1,"whiteouts_chardev":0,"whiteouts_xattr":0,"xwhiteout_dirs":0}' \
		"$(jv "$j" '.layers[2] | {files, dirs, symlinks, whiteouts_chardev, whiteouts_xattr, opaque_dirs, xwhiteout_dirs, redirects, metacopy}' | jq -cS .)" "bottom layer counts"
	assert_eq '{"dirs":2,"files":2,"metacopy":0,"opaque_dirs":1,"redirects":0,"symlinks":0,"whiteouts_chardev":1,"whiteouts_xattr":1,"xwhiteout_dirs":1}' \
		"$(jv "$j" '.layers[1] | {files, dirs, symlinks, whiteouts_chardev, whiteouts_xattr, opaque_dirs, xwhiteout_dirs, redirects, metacopy}' | jq -cS .)" "top lower layer counts"
	assert_eq 5019 "$(jv "$j" '.layers[2].bytes')" "bottom layer bytes"
	# What the kernel wrote to the upper layer: two renames (redirects, whiteouts for the
	# old names), one metacopy, two data copy-ups and a new file.
	assert_eq 2 "$(jv "$j" '.layers[0].redirects')" "redirects in upper"
	assert_eq 1 "$(jv "$j" '.layers[0].metacopy')" "metacopy files in upper"
	assert_eq 2 "$(jv "$j" '.layers[0].whiteouts_chardev')" "whiteouts in upper"
	assert_eq 4 "$(jv "$j" '.layers[0].files')" "files in upper"
	check_counts_independently "$j" trusted
	# Copied up, new, deleted.
	assert_eq "c:dir:true c/file:data dnew:dir:true dnew/x:data meta:dir:true meta/m:metacopy sub/keep2:dir:false" \
		"$(jv "$j" '[.copied_up[] | [.path, .kind, (.parent | select(. != null) | tostring)] | join(":")] | join(" ")')" "copied_up"
	assert_eq d "$(jv "$j" '.copied_up[] | select(.path == "dnew") | .lower_path')" "dnew's lower path"
	assert_eq keep "$(jv "$j" '.copied_up[] | select(.path == "sub/keep2") | .lower_path')" "sub/keep2's lower path"
	assert_eq "newfile sub" "$(jv "$j" '[.new_in_upper[].path] | join(" ")')" "new in upper"
	assert_eq "d keep" "$(jv "$j" '[.whiteouts_in_upper[].path] | join(" ")')" "whiteouts in upper"
	assert_eq 2 "$(jv "$j" .upper_summary.data)" "data copy-ups"
	assert_eq 1 "$(jv "$j" .upper_summary.metacopy)" "metacopy copy-ups"
	assert_contains "$(cat "$d/table.txt")" "metacopy  meta/m" "the table lists the metacopy file"
	assert_contains "$(cat "$d/table.txt")" "L0" "the table names the bottom layer"
	# A dir inside the overlay is not its mount point: the message says which one is.
	assert_eq 2 "$(cat "$d/inside.rc")" "inspect of a dir inside the overlay"
	assert_contains "$(cat "$d/inside.err")" "inspect $d/m" "the message names the mount point"

	# --which: the layer that provides each planted path, and what was met on the way.
	w="$d/which-dnew_y.json"
	assert_eq "0 found lower 0 d/y" "$(cat "$w.rc") $(jv "$w" '"\(.which.result) \(.which.layer.role) \(.which.layer.index) \(.which.layer_path)"')" "dnew/y: through the redirect to L0"
	assert_eq "redirect upper dnew d" "$(jv "$w" '.which.events[] | "\(.kind) \(.role) \(.path) \(.target)"')" "dnew/y: the relative redirect"
	w="$d/which-dnew_x.json"
	assert_eq "0 found upper" "$(cat "$w.rc") $(jv "$w" '"\(.which.result) \(.which.layer.role)"')" "dnew/x: copied up"
	w="$d/which-sub_keep2_k.json"
	assert_eq "0 found 0 keep/k" "$(cat "$w.rc") $(jv "$w" '"\(.which.result) \(.which.layer.index) \(.which.layer_path)"')" "sub/keep2/k: through the absolute redirect"
	assert_eq "opaque:sub redirect:sub/keep2:/keep" \
		"$(jv "$w" '[.which.events[] | [.kind, .path, (.target // empty)] | join(":")] | join(" ")')" "sub/keep2/k: opaque new dir, absolute redirect"
	w="$d/which-meta_m.json"
	assert_eq "0 found upper lower:0 meta/m" "$(cat "$w.rc") $(jv "$w" '"\(.which.result) \(.which.layer.role) \(.which.data_layer.role):\(.which.data_layer.index) \(.which.data_path)"')" "meta/m: metadata in upper, data in L0"
	assert_eq metacopy "$(jv "$w" '.which.events[0].kind')" "meta/m: the metacopy event"
	w="$d/which-c_file.json"
	assert_eq "0 found upper null" "$(cat "$w.rc") $(jv "$w" '"\(.which.result) \(.which.layer.role) \(.which.data_layer)"')" "c/file: a full copy-up"
	w="$d/which-gone.json"
	assert_eq "1 deleted lower 1" "$(cat "$w.rc") $(jv "$w" '"\(.which.result) \(.which.layer.role) \(.which.layer.index)"')" "gone: chardev whiteout at L1"
	assert_eq "whiteout 1 gone" "$(jv "$w" '.which.events[] | "\(.kind) \(.index) \(.path)"')" "gone: the whiteout event"
	assert_eq "0" "$(jv "$w" '[.which.below[].index] | join(" ")')" "gone: still in L0"
	w="$d/which-a_f2.json"
	assert_eq "1 deleted 1" "$(cat "$w.rc") $(jv "$w" '"\(.which.result) \(.which.layer.index)"')" "a/f2: xattr whiteout at L1"
	w="$d/which-a_f1.json"
	assert_eq "0 found 0" "$(cat "$w.rc") $(jv "$w" '"\(.which.result) \(.which.layer.index)"')" "a/f1: in L0 under an opaque=x dir"
	w="$d/which-opq_hidden.json"
	assert_eq "1 hidden 1" "$(cat "$w.rc") $(jv "$w" '"\(.which.result) \(.which.layer.index)"')" "opq/hidden: hidden by L1's opaque dir"
	assert_eq "opaque 1 opq" "$(jv "$w" '.which.events[] | "\(.kind) \(.index) \(.path)"')" "opq/hidden: the opaque event"
	w="$d/which-opq_visible.json"
	assert_eq "0 found 1" "$(cat "$w.rc") $(jv "$w" '"\(.which.result) \(.which.layer.index)"')" "opq/visible"
	w="$d/which-d.json"
	assert_eq "1 deleted upper" "$(cat "$w.rc") $(jv "$w" '"\(.which.result) \(.which.layer.role)"')" "d: renamed away, whiteout in upper"
	w="$d/which-nothing.json"
	assert_eq "1 absent null" "$(cat "$w.rc") $(jv "$w" '"\(.which.result) \(.which.layer)"')" "nothing: absent"
	w="$d/which-sym.json"
	assert_eq "0 found symlink 0" "$(cat "$w.rc") $(jv "$w" '"\(.which.result) \(.which.type) \(.which.layer.index)"')" "sym"
}

# ---- where the kernel's lookup fails: a differential test ----

# Three layers (l2 on top) whose redirects and marks were written by hand, as a hostile image
# or upper dir could hold them: redirects that climb out with "..", name "." or are
# malformed; a whited-out parent and a renamed parent on an absolute redirect's way; a
# redirect on the lowest layer; metacopy files with and without data.
make_crafted_layers() { # DIR
	local d=$1 r
	mkdir -p "$d"/l0/{d,real,a/b,c/b,w/b,o,lowest,mcd} "$d"/l1/{a,o} "$d"/l2 "$d"/{m,w2}
	echo f >"$d/l0/d/file"
	echo r >"$d/l0/real/f"
	echo ab >"$d/l0/a/b/fa"
	echo cb >"$d/l0/c/b/fc"
	echo wb >"$d/l0/w/b/f"
	echo o >"$d/l0/o/x"
	echo data >"$d/l0/mc"
	mknod "$d/l1/w" c 0 0
	setfattr -n trusted.overlay.redirect -v c "$d/l1/a"
	setfattr -n trusted.overlay.opaque -v y "$d/l1/o"
	setfattr -n trusted.overlay.redirect -v /../x "$d/l0/lowest"
	for r in "up1=/../../../../etc" "up2=.." "up3=." "up4=/a/../real" "bad1=/a//b" "bad2=a/b" \
		"bad3=/real/" "bad4=/" "ok1=/real" "ok2=d" "wh=/w/b" "ir=/a/b" "op=/o"; do
		mkdir "$d/l2/${r%%=*}"
		setfattr -n trusted.overlay.redirect -v "${r#*=}" "$d/l2/${r%%=*}"
	done
	truncate -s 5 "$d/l2/mc" "$d/l2/mcnodata" "$d/l2/mcup"
	setfattr -n trusted.overlay.metacopy "$d/l2/mc"
	setfattr -n trusted.overlay.metacopy "$d/l2/mcnodata"
	setfattr -n trusted.overlay.metacopy "$d/l2/mcup"
	setfattr -n trusted.overlay.redirect -v /../../etc/passwd "$d/l2/mcup"
}

crafted_paths="up1 up1/passwd up2 up3 up4 up4/f bad1 bad2 bad3 bad4 ok1 ok1/f ok2 ok2/file wh
	wh/f ir ir/fa ir/fc op op/x lowest mc mcnodata mcup d/file nothing"

# For each crafted path, what the kernel's stat says and what inspect --which says, as
# "PATH kernel=X inspect=Y", in each of four mounts: read-only with the defaults, with
# redirect_dir=nofollow, with metacopy=on, and l2 as the upper layer of a writable mount.
# Each path gets a fresh mount: one lookup can change the next (two names that reach one
# lower dir share an inode, and the second gets ESTALE), and the replay answers for a fresh
# mount.
which_vs_kernel() { # DIR
	unshare -m bash -c '
		d=$1 paths=$2
		mount --make-rprivate / || exit 9
		answer() { # PATH: inspect'"'"'s answer in the words stat uses
			"$BOXBENCH" inspect "$d/m" --which "$1" --json 2>/dev/null | jq -r ".which |
				if .result == \"found\" then .type
				elif .result == \"refused\" then .errno
				elif .result == \"not_a_directory\" then \"ENOTDIR\"
				else \"ENOENT\" end"
		}
		for opts in "ro,lowerdir=$d/l2:$d/l1:$d/l0" \
			"ro,lowerdir=$d/l2:$d/l1:$d/l0,redirect_dir=nofollow" \
			"ro,lowerdir=$d/l2:$d/l1:$d/l0,metacopy=on" \
			"lowerdir=$d/l1:$d/l0,upperdir=$d/l2,workdir=$d/w2,metacopy=on"; do
			for p in $paths; do
				mount -t overlay bbtest-ov -o "$opts" "$d/m" || { echo "mount $opts failed"; exit 9; }
				k=$(stat -c %F "$d/m/$p" 2>&1) || k=${k##*: }
				case $k in
				directory) k=dir ;; "regular file" | "regular empty file") k=file ;;
				"symbolic link") k=symlink ;; "Permission denied") k=EACCES ;;
				"Invalid argument") k=EINVAL ;; "Operation not permitted") k=EPERM ;;
				"Input/output error") k=EIO ;; "No such file or directory") k=ENOENT ;;
				"Not a directory") k=ENOTDIR ;;
				esac
				echo "${opts##*l0} $p kernel=$k inspect=$(answer "$p")"
				umount "$d/m"
			done
		done
	' bash "$1" "$crafted_paths"
}

test_inspect_which_fails_where_the_kernel_lookup_fails() {
	local d="$BB_TMP/crafted" out bad
	rm -rf "$d"
	mkdir -p "$d"
	make_crafted_layers "$d"
	out=$(which_vs_kernel "$d") || fail "mounting the crafted layers failed: $out"
	[ "$(wc -l <<<"$out")" -eq $((4 * $(wc -w <<<"$crafted_paths"))) ] || fail "not every answer came: $out"
	bad=$(awk '{ k = $(NF - 1); i = $NF; sub("kernel=", "", k); sub("inspect=", "", i); if (k != i) print }' <<<"$out")
	[ -z "$bad" ] || fail "inspect --which differs from the kernel: $bad"
	# The kernel refuses what the issue found reported as a host file "from L1".
	assert_contains "$out" " up1/passwd kernel=EACCES inspect=EACCES" "a redirect climbing out with '..'"
	assert_contains "$out" ",redirect_dir=nofollow ok1 kernel=EPERM" "nofollow refuses a redirect"
	assert_contains "$out" " bad1 kernel=EINVAL" "a malformed redirect"
	assert_contains "$out" ",metacopy=on mcnodata kernel=EIO" "a metacopy file without data"
	# The table says why, and names the layer with the redirect.
	run unshare -m bash -c 'mount --make-rprivate / && mount -t overlay bbtest-ov -o "ro,lowerdir=$1/l2:$1/l1:$1/l0" "$1/m" && "$BOXBENCH" inspect "$1/m" --which up1/passwd' bash "$d"
	assert_eq 1 "$rc" "exit status of a refused lookup (stderr: $err)"
	assert_contains "$out" "refused: the kernel's lookup of up1 fails with EACCES" "the table's answer"
	assert_contains "$out" "at L2 ($d/l2)" "the layer holding the redirect"
	# As an upper layer, l2's entries are held against the lowers: one whose redirect
	# climbs out is refused, never "copied up" from a host dir.
	run unshare -m bash -c 'mount --make-rprivate / && mount -t overlay bbtest-ov -o "lowerdir=$1/l1:$1/l0,upperdir=$1/l2,workdir=$1/w2" "$1/m" && "$BOXBENCH" inspect "$1/m" --json' bash "$d"
	assert_eq 0 "$rc" "inspect of the crafted upper (stderr: $err)"
	assert_eq "bad1 bad2 bad3 bad4 mcup up1 up2 up3 up4" "$(jq -r '[.refused_in_upper[].path] | join(" ")' <<<"$out")" "refused upper entries"
	assert_eq "" "$(jq -r '.copied_up[] | select(.lower_path | test("\\.\\.")) | .path' <<<"$out")" "nothing copied up from outside the layers"
	assert_eq "real d" "$(jq -r '[.copied_up[] | select(.path == "ok2" or .path == "ok1") | .lower_path] | join(" ")' <<<"$out")" "valid redirects still map down"
	rm -rf "$d"
}

# A metacopy file whose data is in a data-only layer, reached by its absolute redirect: the
# mount reads it back, and inspect names the data layer.
test_inspect_data_only_layer() {
	local d="$BB_TMP/dataonly" out
	rm -rf "$d"
	mkdir -p "$d"/{meta,data/blob,m}
	echo "the data" >"$d/data/blob/f"
	truncate -s 9 "$d/meta/f"
	setfattr -n trusted.overlay.metacopy "$d/meta/f"
	setfattr -n trusted.overlay.redirect -v /blob/f "$d/meta/f"
	out=$(unshare -m bash -c '
		d=$1
		mount --make-rprivate / &&
		mount -t overlay bbtest-ov -o "lowerdir=$d/meta::$d/data,metacopy=on" "$d/m" || exit 9
		cat "$d/m/f"
		"$BOXBENCH" inspect "$d/m" --which f --json >"$d/which.json"
		echo rc=$?
	' bash "$d") || fail "the data-only overlay did not mount: $out"
	assert_contains "$out" "the data" "the kernel reads the data through the redirect"
	assert_contains "$out" "rc=0" "inspect exit status"
	assert_eq "lower:0:$d/meta data:0:$d/data" \
		"$(jv "$d/which.json" '[.layers[] | "\(.role):\(.index):\(.dir)"] | join(" ")')" "layers with a data-only one"
	assert_eq "found lower data blob/f" \
		"$(jv "$d/which.json" '"\(.which.result) \(.which.layer.role) \(.which.data_layer.role) \(.which.data_path)"')" "data from the data-only layer"
}

# ---- live containers ----

# Starts a container in the background; sets startpid and cpid (its init as the host sees
# it: the start process's child once it runs the agent, by which time its root is the
# overlay). The agent's last op should be a long sleep: stop_container ends it.
start_container() { # START_ARGS... -- OPS...
	cpid=
	"$BOXBENCH" start --cache-dir "$BB_CACHE" "$@" >"$BB_TMP/start.out" 2>&1 &
	startpid=$!
	trap stop_container EXIT
	for _ in $(seq 1 600); do
		for c in $(cat /proc/"$startpid"/task/*/children 2>/dev/null); do
			[ "$(cat /proc/"$c"/comm 2>/dev/null)" = boxbench-agent ] && cpid=$c
		done
		[ -n "$cpid" ] && break
		kill -0 "$startpid" 2>/dev/null || fail "start exited early: $(cat "$BB_TMP/start.out")"
		sleep 0.1
	done
	[ -n "$cpid" ] || fail "no container appeared under start ($startpid) in 60 s"
}

# Ends the agent early: start reports a killed agent as a run and tears everything down.
# Without an agent yet (a failed test), start itself is stopped.
stop_container() {
	if [ -n "${cpid:-}" ]; then
		kill -9 "$cpid" 2>/dev/null
	else
		kill "$startpid" 2>/dev/null
	fi
	wait "$startpid" 2>/dev/null || true
}

# Waits for the agent's chmod to copy up copyup/bottom-4096, then inspects into FILE.
inspect_after_copy_up() { # FILE
	for _ in $(seq 1 50); do
		"$BOXBENCH" inspect "$cpid" --json >"$1" 2>"$1.err" ||
			fail "inspect $cpid exited $?: $(cat "$1.err")"
		[ "$(jv "$1" '.upper_summary.data')" -ge 1 ] && return 0
		sleep 0.1
	done
	fail "the agent's chmod never showed up as a copy-up: $(head -c 600 "$1")"
}

test_inspect_live_container_by_pid() {
	local j="$BB_TMP/pid.json" w="$BB_TMP/pid-which.json" stack
	start_container --depth 4 --files 8 -- chmod:/copyup/bottom-4096 sleep:120000
	inspect_after_copy_up "$j"
	assert_eq pid "$(jv "$j" .kind)" "kind"
	assert_eq "$cpid" "$(jv "$j" .pid)" "pid"
	assert_eq / "$(jv "$j" .mount_point)" "the root as the container sees it"
	# The container's init layer (/etc/hosts, mount points) is the top lower.
	assert_eq "upper 4 3 2 1 0" "$(jv "$j" '[.layers[] | if .role == "upper" then "upper" else .index end] | join(" ")')" "layers top to bottom"
	assert_eq "/var/tmp/boxbench-run-$startpid/c0/init" "$(jv "$j" '.layers[1].dir')" "the init layer"
	stack=$(dirname "$(dirname "$(jv "$j" '.layers[2].dir')")")
	for i in 0 1 2 3; do
		assert_eq "$stack/l/$i" "$(jv "$j" ".layers[] | select(.role == \"lower\" and .index == $i) | .dir")" "lower $i is the stack's l/$i"
	done
	assert_eq "/var/tmp/boxbench-run-$startpid/c0/upper" "$(jv "$j" '.layers[0].dir')" "the upper dir"
	check_counts_independently "$j" trusted
	assert_eq "copyup:dir:true copyup/bottom-4096:data" \
		"$(jv "$j" '[.copied_up[] | [.path, .kind, (.parent | select(. != null) | tostring)] | join(":")] | join(" ")')" "the agent's chmod copied one file up"
	which_json "$w" "$cpid" probe/found-bottom
	assert_eq "0 found lower 0" "$rc $(jv "$w" '"\(.which.result) \(.which.layer.role) \(.which.layer.index)"')" "found-bottom"
	assert_eq "$stack/l/0" "$(jv "$w" .which.layer.dir)" "found-bottom's dir"
	which_json "$w" "$cpid" /probe/found-top
	assert_eq "0 found 3" "$rc $(jv "$w" '"\(.which.result) \(.which.layer.index)"')" "found-top"
	which_json "$w" "$cpid" probe/wh-top
	assert_eq "1 deleted 3" "$rc $(jv "$w" '"\(.which.result) \(.which.layer.index)"')" "wh-top"
	assert_eq "whiteout 3 probe/wh-top" "$(jv "$w" '.which.events[] | "\(.kind) \(.index) \(.path)"')" "wh-top: the whiteout"
	which_json "$w" "$cpid" probe/opq/hidden
	assert_eq "1 hidden 3" "$rc $(jv "$w" '"\(.which.result) \(.which.layer.index)"')" "opq/hidden"
	assert_eq "opaque 3 probe/opq" "$(jv "$w" '.which.events[] | "\(.kind) \(.index) \(.path)"')" "opq/hidden: the opaque dir"
	assert_eq "0" "$(jv "$w" '[.which.below[].index] | join(" ")')" "opq/hidden: still in L0"
	which_json "$w" "$cpid" copyup/bottom-4096
	assert_eq "0 found upper" "$rc $(jv "$w" '"\(.which.result) \(.which.layer.role)"')" "the copied-up file comes from upper"
	which_json "$w" "$cpid" probe/absent
	assert_eq "1 absent" "$rc $(jv "$w" .which.result)" "absent"
}

# fsconfig shows each layer as lowerdir+=; a user namespace's overlay reads user.overlay.*.
test_inspect_container_fsconfig_and_userxattr() {
	local j="$BB_TMP/fsc.json" w="$BB_TMP/fsc-which.json"
	start_container --depth 4 --files 8 --mount-api fsconfig --ns all,user -- sleep:120000
	run "$BOXBENCH" inspect "$cpid" --json
	assert_eq 0 "$rc" "inspect exit status (stderr: $err)"
	echo "$out" >"$j"
	assert_eq lowerdir+ "$(jv "$j" .layer_syntax)" "fsconfig's syntax"
	assert_eq true "$(jv "$j" .options.userxattr)" "userxattr option"
	assert_eq user "$(jv "$j" .xattr_prefix)" "the prefix a userxattr mount reads"
	assert_eq 6 "$(jv "$j" '.layers | length')" "upper, the init layer and four lowers"
	check_counts_independently "$j" user
	[ "$(jv "$j" '[.layers[].opaque_dirs] | add')" -gt 0 ] || fail "no user.overlay.opaque dirs counted"
	which_json "$w" "$cpid" probe/opq/hidden
	assert_eq "1 hidden 3" "$rc $(jv "$w" '"\(.which.result) \(.which.layer.index)"')" "opq/hidden under userxattr"
}

# Past one page of options, mount(2) gets short names relative to the layers' parent: the
# kernel shows them relative, and inspect says why it cannot read them.
test_inspect_relative_layer_names_are_explained() {
	start_container --depth 200 --files 1 --mount-api mount -- sleep:120000
	run "$BOXBENCH" inspect "$cpid" --json
	assert_eq 0 "$rc" "inspect exit status with relative layers (stderr: $err)"
	assert_eq true "$(jq -r '.layers[1].relative' <<<"$out")" "a lower layer is relative"
	assert_eq false "$(jq -r '.layers[1].readable' <<<"$out")" "and cannot be read"
	assert_eq 201 "$(jq -r '.layers | length' <<<"$out")" "upper and 200 lowers"
	run "$BOXBENCH" inspect "$cpid"
	assert_contains "$out" "mountinfo does not record" "the table explains relative names"
	run "$BOXBENCH" inspect "$cpid" --which probe/found-bottom
	assert_eq 2 "$rc" "--which with unreadable layers"
	assert_contains "$err" "cannot be read" "--which says why"
}

# ---- an image dir ----

test_inspect_stack_and_image_dirs() {
	local cache="$BB_TMP/imgcache" img="$BB_TMP/img" j="$BB_TMP/img.json" key
	rm -rf "$cache" "$img"
	"$BOXBENCH" start --cache-dir "$cache" --depth 4 --files 8 --whiteout xattr pid >/dev/null 2>&1 ||
		fail "could not build the stack"
	key=$(ls "$cache")
	run "$BOXBENCH" inspect "$cache/$key" --json --which probe/found-bottom
	assert_eq 0 "$rc" "inspect of a stack dir (stderr: $err)"
	echo "$out" >"$j"
	assert_eq image "$(jv "$j" .kind)" "kind"
	assert_eq stack.json "$(jv "$j" .manifest)" "the stack's manifest"
	assert_eq "lower:3:$cache/$key/l/3 lower:2:$cache/$key/l/2 lower:1:$cache/$key/l/1 lower:0:$cache/$key/l/0" \
		"$(jv "$j" '[.layers[] | "\(.role):\(.index):\(.dir)"] | join(" ")')" "layers top to bottom"
	check_counts_independently "$j" trusted
	[ "$(jv "$j" '[.layers[].whiteouts_xattr] | add')" -gt 0 ] || fail "no xattr whiteouts counted"
	assert_eq "found 0" "$(jv "$j" '"\(.which.result) \(.which.layer.index)"')" "found-bottom in the stack"
	assert_eq null "$(jv "$j" .copied_up)" "no upper, no copy-up list"
	# The same layers as an imported image: image.json gives the order and digests.
	mkdir -p "$img"
	cp -a "$cache/$key/l" "$img/l"
	cat >"$img/image.json" <<-'EOF'
		{"boxbench_image": 1, "whiteout": "xattr", "xattr_prefix": "trusted",
		 "layers": [{"dir": "l/0", "digest": "sha256:00"}, {"dir": "l/1", "digest": "sha256:11"},
		            {"dir": "l/2", "digest": "sha256:22"}, {"dir": "l/3", "digest": "sha256:33"}]}
	EOF
	run "$BOXBENCH" inspect "$img" --json --which probe/wh-top
	assert_eq 1 "$rc" "--which of a deleted name"
	echo "$out" >"$j"
	assert_eq image.json "$(jv "$j" .manifest)" "the image's manifest"
	assert_eq "sha256:33 sha256:22 sha256:11 sha256:00" "$(jv "$j" '[.layers[].digest] | join(" ")')" "digests top to bottom"
	assert_eq "$img/l/0" "$(jv "$j" '.layers[3].dir')" "the bottom layer's dir"
	assert_eq "deleted 3" "$(jv "$j" '"\(.which.result) \(.which.layer.index)"')" "wh-top: an xattr whiteout at the top"
	check_counts_independently "$j" trusted
	run "$BOXBENCH" inspect "$img"
	assert_contains "$out" "image.json" "the table names the manifest"
	rm -rf "$cache" "$img"
}

# ---- names that are not text ----

# Entry names from a layer (and dir names) can hold terminal controls and bytes that are not
# UTF-8: the table shows them as \xHH, --json exactly where JSON can (UTF-8), and error
# messages escape them too.
test_inspect_escapes_control_characters_in_names() {
	local img="$BB_TMP/img"$'\e[31m' evil=$'evil\e]0;pwned\a\rfake' bad=$'bad\xff' j="$BB_TMP/esc.json"
	local ctl=$'[\x01-\x08\x0b-\x1f\x7f\x80-\xff]'
	rm -rf "$img"
	mkdir -p "$img/l/0"
	echo x >"$img/l/0/$evil"
	echo y >"$img/l/0/$bad"
	run "$BOXBENCH" inspect "$img" --which "$evil"
	assert_eq 0 "$rc" "inspect --which of a name with controls (stderr: $err)"
	! LC_ALL=C grep -q "$ctl" <<<"$out" || fail "raw control bytes reached the table: $(od -c <<<"$out" | head)"
	assert_contains "$out" "image dir $BB_TMP/img\\x1b[31m:" "the dir name, escaped"
	assert_contains "$out" '--which evil\x1b]0;pwned\x07\x0dfake: file from L0' "the entry name, escaped"
	"$BOXBENCH" inspect "$img" --which "$evil" --json >"$j" || fail "inspect --json exited $?"
	assert_eq "$(printf '%s' "$evil" | od -An -tx1)" "$(jq -j .which.path "$j" | od -An -tx1)" "--json has the name exactly"
	assert_eq "$(printf '%s' "$img/l/0" | od -An -tx1)" "$(jq -j '.layers[0].dir' "$j" | od -An -tx1)" "--json has the dir exactly"
	run "$BOXBENCH" inspect "$img" --which "$bad" --json
	assert_eq 0 "$rc" "inspect --which of a name that is not UTF-8 (stderr: $err)"
	assert_eq 'bad\xff' "$(jq -r .which.path <<<"$out")" "JSON cannot hold it: escaped"
	run "$BOXBENCH" inspect "$img/l/0/$evil"
	assert_eq 2 "$rc" "a target that is a file"
	! LC_ALL=C grep -q "$ctl" <<<"$err" || fail "raw control bytes reached the error message: $(od -c <<<"$err" | head)"
	assert_contains "$err" 'evil\x1b]0;pwned\x07\x0dfake is not a directory' "the message, escaped"
	# The same for a message from deep inside the import: an entry refused by name.
	"$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/tests/helpers/make-image" layer \
		"$BB_TMP/esc.tar" '[{"name": "../x\u001b]0;pwned\u0007", "type": "f", "data": "x"}]' ||
		fail "make-image failed"
	run "$BOXBENCH" image import "$BB_TMP/esc.tar" "$BB_TMP/esc-dest"
	assert_eq 1 "$rc" "import of a layer with an entry that leaves it"
	! LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' <<<"$err" || fail "raw control bytes in the import's message: $(od -c <<<"$err" | head)"
	assert_contains "$err" "entry '../x\x1b]0;pwned\x07'" "the entry's name, escaped"
	rm -rf "$img" "$BB_TMP/esc.tar"
}

# ---- bad targets and usage ----

test_inspect_bad_targets_and_usage() {
	local nopid=4194000 f="$BB_TMP/plain-file"
	while [ -d "/proc/$nopid" ]; do nopid=$((nopid + 1)); done
	run "$BOXBENCH" inspect "$BB_TMP/does-not-exist"
	assert_eq 2 "$rc" "nonexistent path"
	assert_contains "$err" "$BB_TMP/does-not-exist: ENOENT" "the message names the path"
	run "$BOXBENCH" inspect /
	assert_eq 2 "$rc" "a mount that is not overlay"
	assert_contains "$err" "mount of type $(findmnt -n -o FSTYPE /)" "the message names its type"
	run "$BOXBENCH" inspect "$nopid"
	assert_eq 2 "$rc" "a pid that does not exist"
	assert_contains "$err" "no process $nopid" "the message names the pid"
	run "$BOXBENCH" inspect 1
	assert_eq 2 "$rc" "a pid whose root is not overlay"
	assert_contains "$err" "process 1's root is a mount of type" "the message says what its root is"
	run "$BOXBENCH" inspect "$BB_TMP"
	assert_eq 2 "$rc" "a plain dir"
	assert_contains "$err" "neither an overlay mount point nor an image dir" "what was expected"
	touch "$f"
	run "$BOXBENCH" inspect "$f"
	assert_eq 2 "$rc" "a plain file"
	assert_contains "$err" "not a directory" "a file is no target"
	run "$BOXBENCH" inspect
	assert_eq 2 "$rc" "no target"
	assert_contains "$err" "see 'boxbench inspect --help'" "usage hint"
	run "$BOXBENCH" inspect / /tmp
	assert_eq 2 "$rc" "two targets"
	run "$BOXBENCH" inspect --bogus /
	assert_eq 2 "$rc" "unknown option"
	assert_contains "$err" "unknown option '--bogus'" "unknown option message"
	run "$BOXBENCH" inspect / --which
	assert_eq 2 "$rc" "--which without a value"
	run "$BOXBENCH" inspect --help
	assert_eq 0 "$rc" "--help"
	assert_contains "$out" "--which PATH" "--help documents --which"
	assert_contains "$out" "exit status" "--help documents the exit status"
}
