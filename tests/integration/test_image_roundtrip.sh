# `boxbench image import` against an independent tool: an OCI image built by Debian's umoci
# alone, imported, mounted as a read-only overlay of its layer dirs, and compared path by path
# (tests/helpers/tree-manifest) with what `umoci unpack` makes of the same image.

rt_top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
tree_manifest=$rt_top/tests/helpers/tree-manifest

setup_file() {
	# /var/tmp: a disk file system, so xattrs, devices and hard links behave as in a real store.
	BB_TMP=$(mktemp -d /var/tmp/bbtest-rt.XXXXXX)
	export BB_TMP
	# A host dir the image points a symlink at (see umoci_image): no unpack may reach it.
	mkdir "$BB_TMP/canary"
	printf 'host file\n' >"$BB_TMP/canary/victim"
}

teardown_file() {
	rm -rf "$BB_TMP"
}

need_umoci() {
	command -v umoci >/dev/null || skip "umoci is not installed (apt-get install umoci)"
	command -v setfattr >/dev/null || skip "setfattr is not installed (apt-get install attr)"
}

# bytes N TAG: N bytes that depend on TAG only, not compressible to nothing.
bytes() {
	/usr/bin/python3 -c 'import hashlib, sys
sys.stdout.buffer.write(hashlib.shake_256(sys.argv[2].encode()).digest(int(sys.argv[1])))' "$1" "$2"
}

put() { # PATH MODE UID:GID SIZE|-TEXT: a regular file with that mode, owner and content
	mkdir -p "$(dirname "$1")"
	case $4 in
	-*) printf '%s\n' "${4#-}" >"$1" ;;
	*) bytes "$4" "${1##*/rootfs/}" >"$1" ;;
	esac
	chown "$3" "$1"
	chmod "$2" "$1"
}

# unpack_to TAG BUNDLE: a fresh bundle of the image at TAG, for the next layer to be made in.
unpack_to() {
	umoci unpack --image "$BB_TMP/oci:$1" "$BB_TMP/$2" >/dev/null ||
		fail "umoci unpack of $1 failed"
}

# repack_from BUNDLE TAG K: makes layer K of what changed in BUNDLE since its unpack.
#
# umoci compares mtimes in whole seconds (go-mtree's tar_time), so a dir whose entries changed
# within the second of its unpack would be left out of the layer or not, by chance. Every layer
# therefore stamps what it changed with its own time, T0 + K hours, and everything else keeps the
# stamp of the layer it came from: a dir is in a layer exactly when this layer changed it.
repack_from() {
	find "$BB_TMP/$1/rootfs" -newermt @$((T0 + 86400)) -exec touch -h -d @$((T0 + $3 * 3600)) {} +
	umoci repack --image "$BB_TMP/oci:$2" "$BB_TMP/$1" >/dev/null ||
		fail "umoci repack to $2 failed"
}

T0=1500000000

# The image, made by umoci alone, once for all tests. Tag tK holds layers 1..K (t0 is umoci's
# empty image, so the index has several manifests and --ref must pick one): t1-t3 from
# `umoci repack` only, t4-t6 add layers of `umoci insert` (an opaque dir, a lone whiteout).
umoci_image() {
	local r
	[ -e "$BB_TMP/oci.done" ] && return 0
	umoci init --layout "$BB_TMP/oci" || fail "umoci init failed"
	umoci new --image "$BB_TMP/oci:t0" || fail "umoci new failed"

	# Layer 1: the base. Sizes around the 512-byte tar block and the 4 KiB page, modes with
	# the special bits, several owners, hard links within and across dirs, symlinks of every
	# kind, names that need PAX headers, a fifo, a device, xattrs on a file and a dir.
	unpack_to t0 b1
	r=$BB_TMP/b1/rootfs
	mkdir -m 0755 "$r/etc" "$r/bin" "$r/data" "$r/hl" "$r/other" "$r/lnk" "$r/dev"
	put "$r/etc/hostname" 0644 0:0 -one
	put "$r/etc/motd" 0644 0:0 4096
	put "$r/bin/tool" 0755 0:0 100001
	put "$r/bin/suid" 04755 0:0 4095
	put "$r/bin/sgid" 02711 0:1000 513
	put "$r/secret" 0600 1000:1000 1
	put "$r/empty" 0444 0:0 0
	put "$r/data/big" 0644 0:0 3145735
	truncate -s 2M "$r/data/sparse"
	printf 'middle' | dd of="$r/data/sparse" bs=1 seek=1048576 conv=notrunc status=none
	put "$r/data/with space" 0644 0:0 -space
	put "$r/data/ünïcødé" 0644 0:0 -utf8
	put "$r/data/$(printf 'n%.0s' {1..150})/$(printf 'm%.0s' {1..120})" 0640 0:0 511
	put "$r/a/b/c/d/deep.txt" 0644 0:0 -deep
	chown 65534:65534 "$r/a/b/c"
	chmod 0711 "$r/a/b"
	chmod 0700 "$r/a/b/c/d"
	mkdir -m 1777 "$r/tmp"
	mkdir "$r/shared" && chown 0:100 "$r/shared" && chmod 2775 "$r/shared"
	mkdir "$r/emptydir"
	put "$r/doomed.txt" 0644 0:0 -doomed
	put "$r/gone/one" 0644 0:0 -one
	put "$r/gone/sub/two" 0644 0:0 -two
	put "$r/olddir/x" 0644 0:0 -old-x
	put "$r/olddir/y" 0644 0:0 -old-y
	put "$r/olddir/sub/z" 0644 0:0 -old-z
	put "$r/olddir/sub/deeper/w" 0644 0:0 -old-w
	put "$r/d2f/s/q" 0644 0:0 -q
	put "$r/d2f/t" 0644 0:0 -t
	put "$r/f2d" 0644 0:0 -was-a-file
	ln -s etc/hostname "$r/l2f"
	ln -s a "$r/relink"
	put "$r/hl/a" 0640 0:1000 5000
	ln "$r/hl/a" "$r/hl/b"
	ln "$r/hl/a" "$r/other/hl-c"
	put "$r/hl/pair1" 0644 0:0 -pair
	ln "$r/hl/pair1" "$r/hl/pair2"
	ln -s ../etc/hostname "$r/lnk/rel"
	ln -s /etc/hostname "$r/lnk/abs"
	ln -s ../nowhere "$r/lnk/dangling"
	ln -s ../a/b "$r/lnk/dir"
	ln -s "/$(printf 't%.0s' {1..200})" "$r/lnk/long"
	ln -s /etc/hostname "$r/lnk/own"
	chown -h 1000:1000 "$r/lnk/own"
	put "$r/xattr.txt" 0644 0:0 -xattrs
	setfattr -n user.test -v hello "$r/xattr.txt"
	setfattr -n user.bin -v 0x00ff0a3d "$r/xattr.txt"
	mkdir "$r/xdir" && setfattr -n user.dirattr -v 1 "$r/xdir"
	mkfifo -m 0620 "$r/dev/fifo"
	mknod -m 0666 "$r/dev/null" c 1 3
	put "$r/opq/k1" 0644 0:0 -k1
	put "$r/opq/k2" 0644 0:0 -k2
	put "$r/opq/sub/k3" 0644 0:0 -k3
	put "$r/esc/victim" 0644 0:0 -in-the-image
	# usrmerge, as Debian 12 has it: /lib is a symlink to usr/lib (layers 7-9 write through it).
	put "$r/usr/lib/libc.so.6" 0755 0:0 4097
	put "$r/usr/lib/old.so" 0644 0:0 -old
	ln -s usr/lib "$r/lib"
	repack_from b1 t1 1

	# Layer 2: deletions and replacements. umoci writes .wh.NAME for each deleted name that
	# was directly in a dir the layer keeps, including the old contents of a dir removed and
	# made again; a dir replaced by a file leaves a .wh. entry below that file's name.
	unpack_to t1 b2
	r=$BB_TMP/b2/rootfs
	rm "$r/doomed.txt"
	rm -r "$r/gone"
	rm -r "$r/olddir"
	mkdir -m 0750 "$r/olddir" && chown 1000:1000 "$r/olddir"
	put "$r/olddir/x" 0600 1000:1000 -new-x
	put "$r/olddir/n" 0644 0:0 -new-n
	rm -r "$r/d2f"
	put "$r/d2f" 0755 0:0 -was-a-dir
	rm "$r/f2d"
	put "$r/f2d/inner/file" 0644 0:0 -now-a-dir
	rm "$r/l2f"
	put "$r/l2f" 0644 0:0 -was-a-symlink
	ln -sfn a/b "$r/relink"
	put "$r/etc/hostname" 0644 0:0 -two
	chmod 0700 "$r/bin/tool"
	chown 65534:65534 "$r/secret"
	ln "$r/hl/a" "$r/hl/d"
	setfattr -n user.test -v changed "$r/xattr.txt"
	setfattr -x user.bin "$r/xattr.txt"
	put "$r/opq/k4" 0644 0:0 -k4
	# A file in a dir no other change of this layer touches: with the dir's mtime kept, umoci
	# writes a/b/c/d/new.txt and none of its parents, so an importer has to make a, a/b, a/b/c
	# and a/b/c/d in this layer's dir with the owners and modes they have below.
	put "$r/a/b/c/d/new.txt" 0644 0:0 -new-deep
	touch -h -d @$((T0 + 3600)) "$r/a/b/c/d"
	repack_from b2 t2 2

	# Layer 3: on top of earlier whiteouts: a name deleted below is made again, a dir deleted
	# below comes back with one entry, one link of a group goes.
	unpack_to t2 b3
	r=$BB_TMP/b3/rootfs
	put "$r/doomed.txt" 0600 0:0 -back
	mkdir -p "$r/gone/again"
	rm "$r/hl/b"
	rm "$r/hl/pair2"
	rm -r "$r/f2d"
	ln -s olddir "$r/f2d"
	# A dir replaced by a symlink out of the image: umoci writes esc, then esc/.wh.victim,
	# which an importer that follows the link would apply to the host's $BB_TMP/canary.
	rm -r "$r/esc"
	ln -s "$BB_TMP/canary" "$r/esc"
	repack_from b3 t3 3

	# Layers 4-6 come from `umoci insert`, the only way umoci writes an opaque dir. umoci 0.4.7
	# never closes an inserted layer's tar: the stream ends right after the last entry's data,
	# without its padding to 512 bytes or the two zero blocks (GNU tar: "Unexpected EOF in
	# archive"). Go's tar reader takes that as the end, so umoci unpack and docker accept it.
	# Layer 4: /opq made opaque and refilled.
	mkdir -p "$BB_TMP/ins/fresh"
	printf 'k1 again\n' >"$BB_TMP/ins/k1"
	printf 'k5\n' >"$BB_TMP/ins/fresh/k5"
	find "$BB_TMP/ins" -exec touch -h -d @$((T0 + 4 * 3600)) {} +
	umoci insert --image "$BB_TMP/oci:t3" --tag t4 --opaque "$BB_TMP/ins" /opq >/dev/null ||
		fail "umoci insert --opaque failed"

	# Layer 5 (repack): a whiteout in the dir a lower layer made opaque, and a new name there.
	unpack_to t4 b5
	r=$BB_TMP/b5/rootfs
	rm "$r/opq/k1"
	put "$r/opq/k6" 0644 0:0 -k6
	repack_from b5 t5 5

	# Layer 6: one whiteout and nothing else, a single tar header.
	umoci insert --image "$BB_TMP/oci:t5" --tag t6 --whiteout /etc/motd >/dev/null ||
		fail "umoci insert --whiteout failed"

	# Layers 7-9 (umoci insert): a file, a dir and a whiteout under /lib, which layer 1 made a
	# symlink to usr/lib. Each tar names lib/... only; umoci unpack (and docker) resolve lib
	# through the symlink and write usr/lib/...: an importer that makes lib a directory in
	# the upper layer hides the symlink, and libc with it.
	mkdir -p "$BB_TMP/ins7/sub"
	printf 'x\n' >"$BB_TMP/ins7/x"
	printf 'f\n' >"$BB_TMP/ins7/sub/f"
	find "$BB_TMP/ins7" -exec touch -h -d @$((T0 + 7 * 3600)) {} +
	umoci insert --image "$BB_TMP/oci:t6" --tag t7 "$BB_TMP/ins7/x" /lib/x >/dev/null ||
		fail "umoci insert /lib/x failed"
	umoci insert --image "$BB_TMP/oci:t7" --tag t8 "$BB_TMP/ins7/sub" /lib/sub >/dev/null ||
		fail "umoci insert /lib/sub failed"
	umoci insert --image "$BB_TMP/oci:t8" --tag t9 --whiteout /lib/old.so >/dev/null ||
		fail "umoci insert --whiteout /lib/old.so failed"
	rm -rf "$BB_TMP/b1" "$BB_TMP/b2" "$BB_TMP/b3" "$BB_TMP/b5" "$BB_TMP/ins" "$BB_TMP/ins7"
	touch "$BB_TMP/oci.done"
}

# The host's canary must be as umoci_image left it: nothing in the image reaches out of it.
canary_intact() { # AFTER-WHAT
	assert_eq victim "$(ls -A "$BB_TMP/canary")" "the host dir $BB_TMP/canary after $1"
	assert_eq "host file" "$(cat "$BB_TMP/canary/victim")" "the host file canary/victim after $1"
}

# reference TAG [LAYOUT]: the manifest of what `umoci unpack` makes of TAG (of $BB_TMP/oci
# unless LAYOUT is given), in $BB_TMP/ref-TAG.txt.
reference() {
	local b=$BB_TMP/ref-$1 lay=${2:-$BB_TMP/oci}
	[ -s "$b.txt" ] && return 0
	umoci unpack --image "$lay:$1" "$b" >/dev/null || fail "umoci unpack of $1 failed"
	canary_intact "umoci unpack of $1"
	"$tree_manifest" "$b/rootfs" >"$b.txt" || fail "tree-manifest of umoci's rootfs failed"
	rm -rf "$b"
}

# imported TAG [LAYOUT]: imports TAG with boxbench, checks image.json against the image's manifest,
# mounts the layer dirs as a read-only overlay in a private mount namespace and writes the
# merged tree's manifest to $BB_TMP/imp-TAG.txt.
imported() {
	local tag=$1 lay=${2:-$BB_TMP/oci} dest=$BB_TMP/imp-$1 m=$BB_TMP/mnt-$1 mdig want got n lower
	rm -rf "$dest"
	run "$BOXBENCH" image import "$lay" "$dest" --ref "$tag"
	[ "$rc" = 0 ] || fail "boxbench image import --ref $tag exited $rc: $err"
	canary_intact "boxbench image import of $tag"
	[ -s "$dest/image.json" ] || fail "no $dest/image.json after the import"
	mdig=$(jq -r --arg t "$tag" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $t)
		| .digest | sub("^sha256:"; "")' "$lay/index.json")
	n=$(jq '.layers | length' "$lay/blobs/sha256/$mdig")
	assert_eq "$n" "$(jq '.layers | length' "$dest/image.json")" "layers in image.json for $tag"
	want=$(seq 0 $((n - 1)) | sed 's,^,l/,')
	got=$(jq -r '.layers[].dir' "$dest/image.json")
	assert_eq "$want" "$got" "layer dirs in image.json, bottom first"
	# The digest may be the compressed blob's or the diff_id: either names the layer.
	jq -r '.layers[].digest' "$dest/image.json" | paste - <(jq -r '.layers[].digest' \
		"$lay/blobs/sha256/$mdig") <(jq -r '.rootfs.diff_ids[]' "$lay/blobs/sha256/$(
			jq -r '.config.digest | sub("^sha256:"; "")' "$lay/blobs/sha256/$mdig")") |
		awk -F'\t' '$1 != $2 && $1 != $3 { print "layer " NR - 1 ": " $1 " is neither " $2 " nor " $3; bad = 1 }
			END { exit bad }' || fail "image.json digests do not match the manifest"
	lower=$(jq -r '[.layers[].dir] | reverse | join(":")' "$dest/image.json")
	mkdir "$m"
	run unshare -m --propagation private sh -c 'cd "$1" && mount -t overlay boxbench-rt \
		-o "ro,lowerdir=$2" "$3" && "$4" "$3"' sh "$dest" "$lower" "$m" "$tree_manifest"
	rmdir "$m"
	[ "$rc" = 0 ] || fail "mounting or reading the overlay of $dest (lowerdir=$lower) failed: $err"
	printf '%s\n' "$out" >"$BB_TMP/imp-$tag.txt"
}

# compare TAG: the overlay of the import and umoci's unpack must agree line by line. The runner
# shows a failure's last 20 lines, so the message is the changed lines only, at most 16 of them.
compare() {
	local d n
	d=$(diff -U0 --label "umoci unpack $1" --label "boxbench image import $1 (overlay)" \
		"$BB_TMP/ref-$1.txt" "$BB_TMP/imp-$1.txt") && return 0
	d=$(grep -v '^@@' <<<"$d")
	n=$(($(wc -l <<<"$d") - 2))
	fail "the imported image differs from umoci's unpack of $1 in $n lines (- umoci, + import):"$'\n'"$(
		sed -n '3,18p' <<<"$d")$([ "$n" -gt 16 ] && printf '\n... %d more' $((n - 16)))"
}

expect_line() { # TAG REGEX WHAT: umoci's tree has a line matching REGEX (the case is real)
	grep -qE -- "$2" "$BB_TMP/ref-$1.txt" || fail "umoci's unpack of $1 lacks $3 (/$2/)"
}

expect_no_line() { # TAG REGEX WHAT
	! grep -qE -- "$2" "$BB_TMP/ref-$1.txt" || fail "umoci's unpack of $1 still has $3 (/$2/)"
}

# The cases must be in the image for the comparison to mean anything: checked on umoci's side,
# so a change in umoci's behaviour shows here rather than as a silent pass.
test_roundtrip_reference_has_every_case() {
	need_umoci
	umoci_image
	reference t3
	expect_line t3 '^doomed\.txt f 00600 .*size=5 ' "doomed.txt made again in layer 3"
	expect_no_line t3 '^gone/(one|sub)' "the contents of gone/ (deleted in layer 2)"
	expect_line t3 '^gone/again d ' "gone/again (layer 3)"
	expect_line t3 '^olddir d 00750 uid=1000 gid=1000' "olddir made again with a new owner"
	expect_no_line t3 '^olddir/(y|sub)' "olddir's old contents"
	expect_line t3 '^a/b/c d 00755 uid=65534 gid=65534' "a/b/c, implicit in layer 2, as layer 1 made it"
	expect_line t3 '^a/b/c/d/new\.txt f ' "the file layer 2 added without its parents"
	expect_line t3 '^d2f f 00755 ' "d2f, a dir replaced by a file"
	expect_no_line t3 '^d2f/' "anything below the file d2f"
	expect_line t3 '^f2d l .*target=olddir$' "f2d: file, then dir, then symlink"
	expect_line t3 "^esc l .*target=$BB_TMP/canary\$" "esc, a dir replaced by a symlink to the host"
	expect_no_line t3 '^esc/' "anything below the symlink esc"
	expect_line t3 '^l2f f ' "l2f, a symlink replaced by a file"
	expect_line t3 '^relink l .*target=a/b$' "relink's new target"
	expect_line t3 '^hl/a f 00640 uid=0 gid=1000 size=5000 .* links=hl/d,other/hl-c$' \
		"the hard-link group hl/a, hl/d, other/hl-c"
	expect_line t3 '^hl/pair1 f .*size=5 sha256=[0-9a-f]*$' "hl/pair1 without its deleted twin"
	expect_line t3 '^bin/suid f 04755 ' "the setuid file"
	expect_line t3 '^bin/tool f 00700 ' "bin/tool's mode changed in layer 2"
	expect_line t3 '^secret f 00600 uid=65534 gid=65534 size=1 ' "secret's owner changed in layer 2"
	expect_line t3 '^tmp d 01777 ' "the sticky dir"
	expect_line t3 '^xattr\.txt f .* xattr\.user\.test=changed$' "the xattr changed in layer 2"
	expect_line t3 '^xdir d .* xattr\.user\.dirattr=1$' "the dir's xattr"
	expect_line t3 '^dev/null c 00666 .* rdev=1:3$' "the char device"
	expect_line t3 '^lnk/own l 00777 uid=1000 gid=1000 ' "the symlink owned by 1000"
	expect_line t3 '^data/n{150}/m{120} f ' "the path longer than 255 bytes"
	expect_line t3 '^opq/k2 f ' "opq/k2 (before the opaque layer)"

	reference t6
	expect_line t6 '^opq/k6 f ' "opq/k6 above the opaque layer"
	expect_line t6 '^opq/fresh/k5 f ' "the opaque layer's own contents"
	expect_no_line t6 '^opq/(k1|k2|k4|sub)' "names hidden by the opaque dir or whited out above it"
	expect_no_line t6 '^etc/motd ' "etc/motd (whited out by the top layer)"
}

# Layers 1-3: what `umoci repack` writes for additions, deletions and replacements.
test_roundtrip_import_matches_umoci_unpack() {
	local d
	need_umoci
	umoci_image
	reference t3
	imported t3
	compare t3
	# The same comparison between the merged tree and its bottom layer alone must fail, and
	# name what the upper layers changed.
	d=$(diff "$BB_TMP/ref-t3.txt" <("$tree_manifest" "$BB_TMP/imp-t3/l/0")) &&
		fail "the bottom layer alone has the same manifest as the merged tree"
	grep -q '^> doomed\.txt f 00644 .*size=7 ' <<<"$d" ||
		fail "the bottom layer's doomed.txt (deleted, then made again) is not in the diff: $d"
}

# Layers 1-6: with umoci insert's layers, an opaque dir and a lone whiteout, in tars that end
# without padding or end-of-archive blocks (see umoci_image): an importer that insists on them
# refuses an image umoci and docker take.
test_roundtrip_umoci_insert_layers() {
	need_umoci
	umoci_image
	reference t6
	imported t6
	compare t6
}

# Layers 7-9: usrmerge. Written through layer 1's lib -> usr/lib, as umoci unpack does.
test_roundtrip_usrmerge_layers_write_through_lower_symlinks() {
	need_umoci
	umoci_image
	reference t9
	expect_line t9 '^lib l .*target=usr/lib$' "lib, still the symlink"
	expect_line t9 '^usr/lib/libc\.so\.6 f ' "libc, still there"
	expect_line t9 '^usr/lib/x f ' "x, written through lib"
	expect_line t9 '^usr/lib/sub/f f ' "sub/f, a dir written through lib"
	expect_no_line t9 '^usr/lib/old\.so ' "old.so, whited out through lib"
	imported t9
	compare t9
}

# The comparison itself must be able to fail: a copy of umoci's tree changed in one way at a
# time must show in the diff, each change on the line of the path it touched.
test_roundtrip_manifest_sees_each_change() {
	local t=$BB_TMP/sensitivity base d
	need_umoci
	umoci_image
	umoci unpack --image "$BB_TMP/oci:t6" "$t" >/dev/null || fail "umoci unpack of t6 failed"
	base=$("$tree_manifest" "$t/rootfs") || fail "tree-manifest failed on $t/rootfs"
	# change CMD REGEX: CMD changes the tree; the diff must hold a line matching REGEX.
	change() {
		(cd "$t/rootfs" && eval "$1") || fail "could not apply: $1"
		d=$(diff <(printf '%s\n' "$base") <("$tree_manifest" "$t/rootfs")) &&
			fail "tree-manifest did not see: $1"
		grep -qE -- "$2" <<<"$d" || fail "the diff after '$1' lacks /$2/: $d"
		base=$("$tree_manifest" "$t/rootfs")
	}
	change 'chmod 4700 bin/tool' '^> bin/tool f 04700 '
	change 'printf X | dd of=data/big bs=1 seek=1000000 conv=notrunc status=none' '^> data/big f .*size=3145735 '
	change 'ln -sfn /elsewhere lnk/abs' '^> lnk/abs l .*target=/elsewhere$'
	change 'cp --preserve=all other/hl-c x && mv x other/hl-c' '^> hl/a f .*links=hl/d$'
	change 'chown 1:1 empty' '^> empty f 00444 uid=1 gid=1 '
	change 'setfattr -n user.test -v other xattr.txt' '^> xattr\.txt .*xattr\.user\.test=other$'
	change 'mknod .wh.x c 0 0' '^> \.wh\.x c 00644 .*rdev=0:0$'
	change 'rm -r gone' '^< gone/again d '
	change 'chmod 0700 .' '^> \. d 00700 '
	rm -rf "$t"
}

# The image scripts/unpack-bench times, small: written by Python's tarfile rather than Go's, with
# whiteouts as regular files, the opaque marker after its dir, hard links across dirs, and
# whiteouts inside the dir the same layer makes opaque (the kernel would list those in readdir:
# an importer must drop them). umoci reading it also checks the generator's digests.
test_roundtrip_generated_bench_image() {
	need_umoci
	"$rt_top/scripts/unpack-bench-image" --size-mb 4 --layers 3 "$BB_TMP/gen" >/dev/null ||
		fail "scripts/unpack-bench-image failed"
	reference bench "$BB_TMP/gen"
	expect_line bench '^l0/d00/e0/f00/refilled f ' "the refilled opaque dir"
	expect_no_line bench '^l0/d00/e0/f00/file' "the opaque dir's lower files"
	imported bench "$BB_TMP/gen"
	compare bench
}
