# boxbench image import on sources written by tests/helpers/make-image (python's tarfile alone):
# an OCI layout, docker save archives old and new, a list of tarballs; the layer dirs, whiteouts,
# opaque xattrs and image.json checked, the layers mounted as an overlay; and every hostile or
# broken source refused, naming the entry or blob, with nothing left in DEST and a canary next
# to DEST untouched.

img_top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
make_image=$img_top/tests/helpers/make-image

setup_file() {
	# /var/tmp: a disk file system, for trusted.* and user.* xattrs and device nodes.
	BB_TMP=$(mktemp -d /var/tmp/bbtest-img.XXXXXX)
	export BB_TMP
}

teardown_file() {
	rm -rf "$BB_TMP"
}

# fresh NAME: an empty work dir $W for one test, with $W/canary where a hostile archive aims.
fresh() {
	W=$BB_TMP/$1
	rm -rf "$W"
	mkdir -p "$W/canary"
	printf 'host file\n' >"$W/canary/victim"
}

canary_intact() {
	assert_eq victim "$(ls -A "$W/canary")" "the canary dir next to DEST"
	assert_eq "host file" "$(cat "$W/canary/victim")" "the canary file next to DEST"
}

layer() { # OUT ENTRIES-JSON
	"$make_image" layer "$@" || fail "make-image layer $1 failed"
}

# The base image: layer 0 (gzip) lays down a tree, layer 1 (plain tar) deletes, makes a dir
# opaque after writing into it, and deletes and re-adds a name.
base_layers() {
	layer "$W/l0.tar.gz" '[
		{"name": "./", "type": "d"},
		{"name": "./etc/", "type": "d", "mode": 488},
		{"name": "./etc/passwd", "data": "root:x:0:0\n"},
		{"name": "./etc/shadow", "data": "root:*:1\n", "mode": 416, "gid": 42},
		{"name": "./bin/sh", "data": "#!/bin/true\n", "mode": 2541},
		{"name": "./bin/ln", "type": "h", "link": "./bin/sh"},
		{"name": "./bin/rel", "type": "l", "link": "sh"},
		{"name": "./bin/abs", "type": "l", "link": "/etc/passwd"},
		{"name": "./opq/old1", "data": "1"},
		{"name": "./opq/old2", "data": "2"},
		{"name": "./del/me", "data": "me"},
		{"name": "./readd", "data": "old"},
		{"name": "./x.txt", "data": "x", "xattrs": {"user.k": "v"}},
		{"name": "./dev/null", "type": "c"},
		{"name": "./fifo", "type": "p"}]'
	layer "$W/l1.tar" '[
		{"name": "del/.wh.me"},
		{"name": "opq/new", "data": "new"},
		{"name": "opq/.wh..wh..opq"},
		{"name": "readd", "data": "new"},
		{"name": ".wh.readd"},
		{"name": "etc/new", "data": "n"}]'
}

# Sets $img to an OCI layout of the base image plus the layers given (file names in $W).
base_oci() {
	local extra=("$@")
	base_layers
	img=$W/oci
	"$make_image" oci "$img" "$W/l0.tar.gz" "$W/l1.tar" "${extra[@]/#/$W/}" --ref v1 ||
		fail "make-image oci failed"
}

blob_of_layer() { # IMG N: the blob file of layer N of the layout's only manifest
	local m
	m=$(jq -r '.manifests[0].digest | sub("^sha256:"; "")' "$1/index.json")
	echo "$1/blobs/sha256/$(jq -r ".layers[$2].digest | sub(\"^sha256:\"; \"\")" "$1/blobs/sha256/$m")"
}

# refused WANT-RC NEEDLE... -- ARGS...: import ARGS into $W/dest fails with WANT-RC within a
# minute (an import that waits on a fifo would not), stderr has each NEEDLE, and nothing is
# left: no DEST, the canary as it was.
refused() {
	local want=$1 needles=() n
	shift
	while [ "$1" != -- ]; do
		needles+=("$1")
		shift
	done
	shift
	run timeout 60 "$BOXBENCH" image import "$@" "$W/dest"
	[ "$rc" != 124 ] || fail "'image import $*' did not finish within 60 s"
	assert_eq "$want" "$rc" "exit status of 'image import $*' (stderr: $err)"
	for n in "${needles[@]}"; do
		assert_contains "$err" "$n" "the error of 'image import $*'"
	done
	[ ! -e "$W/dest" ] || fail "import left $W/dest behind: $(find "$W/dest" | head -n 5)"
	canary_intact
}

test_oci_layout_to_overlay_layers() {
	local j m s
	fresh oci
	base_oci
	run "$BOXBENCH" image import "$img" "$W/dest"
	assert_eq 0 "$rc" "import of the OCI layout (stderr: $err)"
	assert_contains "$out" "imported 2 layers (oci-layout, ref 'v1')" "the summary"
	assert_contains "$out" "total: " "the summary's total line"
	d=$W/dest/l

	# Layer 0: modes (setgid kept after chown), hard links, symlinks, xattrs, owners.
	assert_eq "4755 0:0 0:42" "$(stat -c '%a %u:%g' "$d/0/bin/sh") $(stat -c '%u:%g' "$d/0/etc/shadow")" \
		"bin/sh mode and etc/shadow owner"
	assert_eq "$(stat -c %i "$d/0/bin/sh")" "$(stat -c %i "$d/0/bin/ln")" "bin/ln is a hard link of bin/sh"
	assert_eq "/etc/passwd" "$(readlink "$d/0/bin/abs")" "bin/abs's target"
	assert_eq "750" "$(stat -c %a "$d/0/etc")" "etc's mode"
	assert_eq "v" "$(getfattr --absolute-names --only-values -n user.k "$d/0/x.txt")" "x.txt's user.k"
	[ -p "$d/0/fifo" ] || fail "fifo is not a fifo"
	if [ "$(id -u)" = 0 ]; then
		assert_eq "character special file 1:3" "$(stat -c '%F %t:%T' "$d/0/dev/null")" "dev/null"
	fi

	# Layer 1: the whiteout, the opaque dir (its marker came after its contents), the name
	# deleted and re-added, and parents the tar left out taking layer 0's mode.
	assert_eq "character special file 0:0" "$(stat -c '%F %t:%T' "$d/1/del/me")" "del/me whiteout"
	assert_eq y "$(getfattr --absolute-names --only-values -n trusted.overlay.opaque "$d/1/opq")" "opq's opaque xattr"
	assert_eq new "$(cat "$d/1/opq/new")" "opq/new"
	assert_eq new "$(cat "$d/1/readd")" "readd, deleted and re-added in one layer"
	assert_eq 750 "$(stat -c %a "$d/1/etc")" "etc in layer 1 (implicit) takes layer 0's mode"
	[ ! -e "$d/1/.wh.readd" ] && [ ! -e "$d/1/opq/.wh..wh..opq" ] || fail "a .wh. file was unpacked as is"

	# image.json against the layout and the layers themselves.
	j=$W/dest/image.json
	m=$(jq -r '.manifests[0].digest | sub("^sha256:"; "")' "$img/index.json")
	run jq -e --slurpfile man "$img/blobs/sha256/$m" --arg src "$img" '
		.boxbench_image == 1 and .source == $src and .source_kind == "oci-layout" and
		.ref == "v1" and .whiteout == "chardev" and .xattr_prefix == "trusted" and
		([.layers[].dir] == ["l/0", "l/1"]) and
		([.layers[].digest] == [$man[0].layers[].digest]) and
		([.layers[].compressed_bytes] == [$man[0].layers[].size]) and
		([.layers[].media_type] == [$man[0].layers[].mediaType]) and
		(.layers[1].whiteouts == 1 and .layers[1].opaque_dirs == 1 and .layers[0].entries == 15
		 and .layers[1].entries == 6) and
		(.total_bytes == ([.layers[].bytes] | add))' "$j"
	assert_eq 0 "$rc" "image.json fields: $(cat "$j")"
	assert_eq "$(gzip -dc "$W/l0.tar.gz" | sha256sum | cut -c1-64) $(sha256sum <"$W/l1.tar" | cut -c1-64)" \
		"$(jq -r '[.layers[].diff_id | sub("^sha256:"; "")] | join(" ")' "$j")" "diff_ids"
	s=$(find "$d/0" -type f -printf '%i %s\n' | sort -u | awk '{ s += $2 } END { print s }')
	assert_eq "$s" "$(jq '.layers[0].bytes' "$j")" "layer 0's bytes against its files (one per inode)"

	# Mounted, the layers show what the image means.
	[ "$(id -u)" = 0 ] || return 0
	mkdir "$W/mnt"
	run unshare -m --propagation private sh -c 'mount -t overlay boxbench-img -o "ro,lowerdir=$1/1:$1/0" "$2" &&
		cd "$2" && ls -A del && ls -A opq && cat readd && echo && cat etc/passwd' sh "$d" "$W/mnt"
	rmdir "$W/mnt"
	assert_eq 0 "$rc" "mounting the layers (stderr: $err)"
	assert_eq "new
new
root:x:0:0" "$out" "the merged view: del/me and opq/old* gone, readd new"
}

test_xattr_whiteouts_with_userxattr() {
	fresh xattr
	base_oci
	run "$BOXBENCH" image import --whiteout xattr --userxattr "$img" "$W/dest"
	assert_eq 0 "$rc" "import --whiteout xattr --userxattr (stderr: $err)"
	d=$W/dest/l/1
	assert_eq "regular empty file" "$(stat -c %F "$d/del/me")" "del/me as an xattr whiteout"
	assert_eq y "$(getfattr --absolute-names --only-values -n user.overlay.whiteout "$d/del/me")" "del/me's whiteout xattr"
	assert_eq x "$(getfattr --absolute-names --only-values -n user.overlay.opaque "$d/del")" "del's opaque=x"
	assert_eq y "$(getfattr --absolute-names --only-values -n user.overlay.opaque "$d/opq")" "opq's opaque=y"
	getfattr --absolute-names -n trusted.overlay.opaque "$d/opq" >/dev/null 2>&1 && fail "trusted.overlay.opaque set with --userxattr"
	run jq -r '.whiteout + " " + .xattr_prefix' "$W/dest/image.json"
	assert_eq "xattr user" "$out" "image.json's whiteout and xattr_prefix"
}

test_ref_picks_one_of_several_images() {
	fresh refs
	base_layers
	"$make_image" oci "$W/oci" "$W/l0.tar.gz" --ref a --ref b || fail "make-image failed"
	refused 2 "lists 2 images ('a', 'b'); choose one with --ref" -- "$W/oci"
	refused 2 "no image named 'c' (refs: 'a', 'b')" -- --ref c "$W/oci"
	run "$BOXBENCH" image import --ref b --json "$W/oci" "$W/dest"
	assert_eq 0 "$rc" "import --ref b (stderr: $err)"
	run jq -r '.ref + " " + (.layers | length | tostring) + " " + (.elapsed_ns > 0 | tostring)
		+ " " + (.mb_per_s | type)' <<<"$out"
	assert_eq "b 1 true number" "$out" "--json: ref, layers, elapsed_ns, mb_per_s"
	jq -e 'has("elapsed_ns") | not' "$W/dest/image.json" >/dev/null || fail "elapsed_ns leaked into image.json"
}

test_docker_save_archives_old_and_new() {
	local kind
	fresh docker
	base_layers
	for kind in old new; do
		"$make_image" docker "$W/$kind.tar" "$W/l0.tar.gz" "$W/l1.tar" --tag "img:$kind" \
			$([ $kind = new ] && echo --oci) || fail "make-image docker failed"
		run "$BOXBENCH" image import "$W/$kind.tar" "$W/dest-$kind"
		assert_eq 0 "$rc" "import of the $kind docker archive (stderr: $err)"
		run jq -r '[.source_kind, .ref, (.layers | length), .layers[1].whiteouts,
			(.layers[0].digest // "null"), .layers[0].diff_id] | join(" ")' "$W/dest-$kind/image.json"
		[ "$kind" = old ] && want="docker-archive img:old 2 1 null" ||
			want="docker-archive img:new 2 1 sha256:$(gzip -dc "$W/l0.tar.gz" | sha256sum | cut -c1-64)"
		assert_eq "$want sha256:$(gzip -dc "$W/l0.tar.gz" | sha256sum | cut -c1-64)" "$out" \
			"image.json of the $kind archive"
		assert_eq new "$(cat "$W/dest-$kind/l/1/opq/new")" "opq/new from the $kind archive"
	done

	# One blob used by two layers: stored once, unpacked twice.
	"$make_image" docker "$W/dup.tar" "$W/l0.tar.gz" "$W/l1.tar" "$W/l0.tar.gz" --oci ||
		fail "make-image docker failed"
	run "$BOXBENCH" image import "$W/dup.tar" "$W/dest-dup"
	assert_eq 0 "$rc" "import of an archive with a repeated layer (stderr: $err)"
	run jq -r '[.layers[].dir] + [.layers[0].digest == .layers[2].digest | tostring] | join(" ")' \
		"$W/dest-dup/image.json"
	assert_eq "l/0 l/1 l/2 true" "$out" "layers of the archive with a repeated layer"
	assert_eq "root:x:0:0" "$(cat "$W/dest-dup/l/2/etc/passwd")" "the repeated layer's files"

	# A layer.tar that does not match the config's diff_id.
	python3 - "$W/old.tar" "$W/bad.tar" <<-'EOF' || fail "could not alter the archive"
	import sys, tarfile, io
	src, dst = tarfile.open(sys.argv[1]), tarfile.open(sys.argv[2], "w", format=tarfile.PAX_FORMAT)
	for m in src.getmembers():
	    data = src.extractfile(m).read() if m.isfile() else None
	    if m.name.endswith("/layer.tar"):
	        data = data.replace(b"root:x:0:0\n", b"ROOT:x:0:0\n")
	    dst.addfile(m, io.BytesIO(data) if data is not None else None)
	dst.close()
	EOF
	refused 1 "refusing layer 0" "the config's diff_id says" -- "$W/bad.tar"
}

test_tarball_list_bottom_first() {
	fresh tarballs
	base_layers
	run "$BOXBENCH" image import "$W/l0.tar.gz" "$W/l1.tar" "$W/dest"
	assert_eq 0 "$rc" "import of two tarballs (stderr: $err)"
	run jq -r '[.source_kind, (.ref // "null"), (.layers[0].digest // "null"), .layers[0].media_type,
		.layers[1].media_type, .sources[1]] | join(" ")' "$W/dest/image.json"
	assert_eq "tarballs null null application/vnd.oci.image.layer.v1.tar+gzip application/vnd.oci.image.layer.v1.tar $W/l1.tar" \
		"$out" "image.json of a tarball list"
	assert_eq "4755" "$(stat -c %a "$W/dest/l/0/bin/sh")" "layer 0 is the first tarball"
	[ -c "$W/dest/l/1/del/me" ] || fail "layer 1 is not the second tarball"
}

test_dest_must_be_new_or_empty() {
	fresh dest
	base_layers
	mkdir "$W/dest"
	echo keep >"$W/dest/mine"
	run "$BOXBENCH" image import "$W/l0.tar.gz" "$W/dest"
	assert_eq 2 "$rc" "import into a non-empty DEST (stderr: $err)"
	assert_contains "$err" "is not empty (it holds 'mine')" "the refusal"
	assert_eq mine "$(ls -A "$W/dest")" "DEST untouched"
	rm "$W/dest/mine"
	# An empty DEST that import did not make stays after a failure, empty.
	layer "$W/bad.tar" '[{"name": "../canary/x", "data": "evil"}]'
	run "$BOXBENCH" image import "$W/l0.tar.gz" "$W/bad.tar" "$W/dest"
	assert_eq 1 "$rc" "a refused import into an empty DEST (stderr: $err)"
	assert_eq "" "$(ls -A "$W/dest")" "the empty DEST after the refusal"
	run "$BOXBENCH" image import "$W/l0.tar.gz" "$W/dest"
	assert_eq 0 "$rc" "import into an empty DEST (stderr: $err)"
	run "$BOXBENCH" image import "$W/l0.tar.gz" "$W/nodir/dest"
	assert_eq 2 "$rc" "import with DEST's parent missing (stderr: $err)"
	assert_contains "$err" "parent directory does not exist" "the refusal"
	canary_intact
}

test_refuses_dotdot_traversal() {
	fresh dotdot
	layer "$W/evil.tar" '[{"name": "ok", "data": "fine"}, {"name": "a/../../../canary/x", "data": "evil"}]'
	base_oci evil.tar
	refused 1 "refusing layer 2 (sha256:" "entry 'a/../../../canary/x': path leaves the layer ('..' component)" \
		"the archive is unsafe to unpack — nothing was written" -- "$img"
}

test_refuses_absolute_paths() {
	fresh absolute
	layer "$W/evil.tar" "[{\"name\": \"$W/canary/x\", \"data\": \"evil\"}]"
	refused 1 "refusing layer 0 ($W/evil.tar) entry '$W/canary/x': path leaves the layer (absolute path)" \
		-- "$W/evil.tar"
}

test_refuses_symlink_escapes_and_writes_through_symlinks() {
	fresh symlink
	# A symlink climbing out, then a file through it.
	layer "$W/up.tar" '[{"name": "esc", "type": "l", "link": "../../../../canary"},
		{"name": "esc/x", "data": "evil"}]'
	refused 1 "entry 'esc': symlink to '../../../../canary' points outside the layer" -- "$W/up.tar"
	# A symlink that is fine inside a container (absolute, read from the layer root) but names
	# the canary on the host: writing through it is what is refused.
	layer "$W/abs.tar" "[{\"name\": \"esc\", \"type\": \"l\", \"link\": \"$W/canary\"},
		{\"name\": \"esc/x\", \"data\": \"evil\"}]"
	refused 1 "entry 'esc/x': would write through the symlink 'esc'" -- "$W/abs.tar"
	# Same, a hard link through it to the host's file.
	layer "$W/abs-hl.tar" "[{\"name\": \"esc\", \"type\": \"l\", \"link\": \"$W/canary\"},
		{\"name\": \"hl\", \"type\": \"h\", \"link\": \"esc/victim\"}]"
	refused 1 "entry 'hl': hard link to 'esc/victim', which this layer does not hold" -- "$W/abs-hl.tar"
}

test_refuses_hard_links_out_of_the_layer() {
	fresh hardlink
	layer "$W/evil.tar" '[{"name": "hl", "type": "h", "link": "../canary/victim"}]'
	refused 1 "entry 'hl': its hard link target leaves the layer ('..' component)" -- "$W/evil.tar"
	layer "$W/evil2.tar" "[{\"name\": \"hl\", \"type\": \"h\", \"link\": \"$W/canary/victim\"}]"
	refused 1 "entry 'hl': its hard link target leaves the layer (absolute path)" -- "$W/evil2.tar"
	assert_eq 1 "$(stat -c %h "$W/canary/victim")" "links of the canary file"
}

test_refuses_blobs_that_do_not_match_their_digest() {
	local b m
	fresh digest
	base_oci
	b=$(blob_of_layer "$img" 1)
	# Still a good tar, one file's data changed: only the digest can tell.
	python3 - "$b" <<-'EOF'
	import sys
	data = bytearray(open(sys.argv[1], "rb").read())
	at = next(o for o in range(0, len(data), 512) if data[o:o + 4] == b"new\0")
	data[at:at + 3] = b"NEW"
	open(sys.argv[1], "wb").write(data)
	EOF
	refused 1 "refusing layer 1 (sha256:" "does not match its digest" "$(basename "$b")" -- "$img"
	# A manifest changed after the index named it.
	base_oci
	m=$img/blobs/sha256/$(jq -r '.manifests[0].digest | sub("^sha256:"; "")' "$img/index.json")
	sed -i 's/"schemaVersion": 2/"schemaVersion":  2/' "$m"
	refused 1 "the manifest blob blobs/sha256/$(basename "$m") does not match its digest" -- "$img"
}

test_refuses_truncated_gzip() {
	fresh truncated
	layer "$W/big.tar.gz" '[{"name": "a", "data": "aaaa"}, {"name": "zeros", "size": 4000000}]'
	head -c "$(($(stat -c %s "$W/big.tar.gz") - 40))" "$W/big.tar.gz" >"$W/trunc.tar.gz"
	base_layers
	refused 1 "cannot read layer 1 ($W/trunc.tar.gz)" "damaged or truncated" -- "$W/l0.tar.gz" "$W/trunc.tar.gz"
}

test_max_bytes_stops_a_tar_bomb() {
	fresh bomb
	# 64 MiB of zeros: a few hundred KiB compressed.
	layer "$W/bomb.tar.gz" '[{"name": "zeros", "size": 67108864}]'
	base_layers
	refused 1 "refusing layer 1 ($W/bomb.tar.gz) entry 'zeros'" "--max-bytes" -- \
		--max-bytes 16M "$W/l0.tar.gz" "$W/bomb.tar.gz"
	run "$BOXBENCH" image import --max-bytes 65M "$W/bomb.tar.gz" "$W/dest"
	assert_eq 0 "$rc" "the same layer under a higher --max-bytes (stderr: $err)"
}

test_refuses_broken_sources_as_input_errors() {
	local m
	fresh broken
	base_oci
	rm "$(blob_of_layer "$img" 0)"
	refused 2 "layer 0's blob sha256:" "is missing from $img" -- "$img"
	base_oci
	echo '{"schemaVersion": 2, "manifests": [' >"$img/index.json"
	refused 2 "index.json is not valid JSON" -- "$img"
	rm "$img/oci-layout"
	refused 2 "$img is not an OCI image layout: it has no oci-layout file" -- "$img"
	base_oci
	m=$img/blobs/sha256/$(jq -r '.manifests[0].digest | sub("^sha256:"; "")' "$img/index.json")
	sed -i 's/layer.v1.tar"/layer.v1.tar+bzip2"/' "$m"
	# The index still names the old manifest digest: fix it so the media type is what fails.
	python3 - "$img" "$m" <<-'EOF'
	import hashlib, json, os, sys
	img, m = sys.argv[1], sys.argv[2]
	data = open(m, "rb").read()
	d = hashlib.sha256(data).hexdigest()
	os.rename(m, os.path.join(img, "blobs/sha256", d))
	idx = json.load(open(os.path.join(img, "index.json")))
	idx["manifests"][0].update(digest="sha256:" + d, size=len(data))
	json.dump(idx, open(os.path.join(img, "index.json"), "w"))
	EOF
	refused 2 "layer 1 has media type 'application/vnd.oci.image.layer.v1.tar+bzip2', which boxbench does not unpack" -- "$img"
	refused 2 "cannot read $W/missing: ENOENT" -- "$W/missing"
}

test_usage_errors_and_help() {
	fresh usage
	refused 2 "give SRC and DEST" -- 
	refused 2 "--whiteout: 'lots' is neither chardev nor xattr" -- --whiteout lots "$W/x"
	refused 2 "--max-bytes: 'big' is not a size" -- --max-bytes big "$W/x"
	run "$BOXBENCH" image import --help
	assert_eq 0 "$rc" "image import --help"
	for s in "SRC is one of" ".wh..wh..opq" "--max-bytes SIZE" "default 16G" "exit status:" "example:"; do
		assert_contains "$out" "$s" "image import --help"
	done
	run "$BOXBENCH" image frobnicate
	assert_eq 2 "$rc" "an unknown image command"
	run "$BOXBENCH" image --help
	assert_eq 0 "$rc" "image --help"
	assert_contains "$out" "import" "image --help"
}

# What a review found: DESTs another user could redirect, blobs that are no files of the image,
# and an archive whose blob links loop. Each refused, nothing written outside DEST.
test_unsafe_dest_and_blobs_are_refused() {
	local blob
	fresh unsafe
	base_oci
	# A DEST others can write to (they could swap l/ for a symlink mid-import).
	mkdir -m 0777 "$W/dest"
	run "$BOXBENCH" image import "$img" "$W/dest"
	assert_eq 2 "$rc" "exit status for a world-writable DEST (stderr: $err)"
	assert_contains "$err" "writable by group or others" "the reason"
	assert_eq "" "$(ls -A "$W/dest")" "the world-writable DEST stays empty"
	chown 65534 "$W/dest"
	chmod 0755 "$W/dest"
	run "$BOXBENCH" image import "$img" "$W/dest"
	assert_eq 2 "$rc" "exit status for a DEST of another user"
	assert_contains "$err" "owned by another user" "the reason"
	rmdir "$W/dest"
	# A DEST that is a symlink.
	mkdir "$W/elsewhere"
	ln -s "$W/elsewhere" "$W/dest"
	run "$BOXBENCH" image import "$img" "$W/dest"
	assert_eq 2 "$rc" "exit status for a symlinked DEST"
	assert_contains "$err" "is a symlink" "the reason"
	assert_eq "" "$(ls -A "$W/elsewhere")" "the symlink's target stays empty"
	rm "$W/dest"
	# The layers land in a dir only root can enter: device nodes and setuid files of an
	# image are not for every user of the host.
	run "$BOXBENCH" image import "$img" "$W/dest"
	assert_eq 0 "$rc" "import into a fresh DEST (stderr: $err)"
	assert_eq 700 "$(stat -c %a "$W/dest/l")" "mode of DEST/l"
	rm -rf "$W/dest"
	# A layer blob that is a symlink out of the image.
	blob=$(blob_of_layer "$img" 1)
	mv "$blob" "$W/real-blob"
	ln -s "$W/real-blob" "$blob"
	refused 2 "ELOOP" "blobs must be files of the image" -- "$img"
	rm "$blob"
	mkfifo "$blob"
	refused 2 "is not a regular file" -- "$img"
}

test_docker_archive_with_a_blob_link_loop_is_refused() {
	fresh loop
	python3 - "$W/loop.tar" <<'PY' || fail "could not write the looping archive"
import io, json, sys, tarfile
cfg = json.dumps({"architecture": "amd64"}).encode()
man = json.dumps([{"Config": "cfg.json", "Layers": ["aaa/layer.tar"]}]).encode()
with tarfile.open(sys.argv[1], "w") as t:
    for name, data in (("manifest.json", man), ("cfg.json", cfg)):
        i = tarfile.TarInfo(name)
        i.size = len(data)
        t.addfile(i, io.BytesIO(data))
    i = tarfile.TarInfo("aaa/layer.tar")
    i.type = tarfile.LNKTYPE
    i.linkname = "aaa/layer.tar"
    t.addfile(i)
PY
	rc=0
	timeout 20 "$BOXBENCH" image import "$W/loop.tar" "$W/dest" >/dev/null 2>"$W/err" || rc=$?
	[ "$rc" != 124 ] || fail "import of a looping archive did not finish in 20 s"
	assert_eq 2 "$rc" "exit status for a looping archive ($(cat "$W/err"))"
	assert_contains "$(cat "$W/err")" "loop of hard links" "the reason"
	[ ! -e "$W/dest" ] || fail "import left $W/dest behind"
	canary_intact
}

# A symlink that stays inside from where it is, given a second name higher up by a hard link.
test_hard_link_to_a_symlink_that_escapes_from_its_new_place_is_refused() {
	fresh hlsym
	layer "$W/l.tar" '[{"name": "a/b/c/d/s", "type": "l", "link": "../../../../canary/victim"},
		{"name": "h", "type": "h", "link": "a/b/c/d/s"}]'
	refused 1 "entry 'h'" "points outside the layer" -- "$W/l.tar"
}

# Issue 12, item 3: a tar cut inside its second header. The message names the entry before it;
# it used to take that name from memory libarchive had freed (ASan: heap-use-after-free), and a
# release build printed garbage there.
test_a_layer_cut_inside_a_header_names_the_entry_before_it() {
	fresh cut-header
	layer "$W/three.tar" '[{"name": "a", "data": "1"}, {"name": "b", "data": "22"},
		{"name": "c", "data": "333"}]'
	head -c 1124 "$W/three.tar" >"$W/cut.tar"
	refused 1 "cannot read layer 0 ($W/cut.tar): after entry 'a': Truncated tar archive" \
		"damaged or truncated" -- "$W/cut.tar"
}

# Item 4: cut at an entry boundary (517: in the first entry's padding; 1024: where the second
# header would start), a tar reader sees the end of the archive. Only the missing
# end-of-archive blocks tell, and nothing vouches for a plain tarball: refused, unless the user
# says it is whole.
test_a_tarball_cut_at_an_entry_boundary_is_refused() {
	local n
	fresh cut-boundary
	layer "$W/three.tar" '[{"name": "a", "data": "1"}, {"name": "b", "data": "22"},
		{"name": "c", "data": "333"}]'
	for n in 517 1024; do
		head -c $n "$W/three.tar" >"$W/cut$n.tar"
		refused 1 "refusing layer 0 ($W/cut$n.tar): the tar stops after entry 'a' (1 entries) without its end-of-archive blocks" \
			"--allow-truncated" -- "$W/cut$n.tar"
	done
	run "$BOXBENCH" image import --allow-truncated "$W/cut1024.tar" "$W/dest"
	assert_eq 0 "$rc" "import --allow-truncated of the cut tarball (stderr: $err)"
	assert_eq 1 "$(cat "$W/dest/l/0/a")" "the one entry of the cut tarball"
	rm -rf "$W/dest"
	# The whole tarball, and the same cut one inside an OCI layout: its digest vouches for it
	# (Go's archive/tar writes such layers, see test_image_roundtrip.sh).
	run "$BOXBENCH" image import "$W/three.tar" "$W/dest"
	assert_eq 0 "$rc" "import of the whole tarball (stderr: $err)"
	rm -rf "$W/dest"
	"$make_image" oci "$W/oci" "$W/cut1024.tar" || fail "make-image oci failed"
	run "$BOXBENCH" image import "$W/oci" "$W/dest"
	assert_eq 0 "$rc" "import of an OCI layout with the tar without end blocks (stderr: $err)"
	run "$BOXBENCH" image import --help
	assert_contains "$out" "--allow-truncated" "image import --help"
}

# corrupt FILE OFFSET: flips one bit of FILE's byte at OFFSET (negative: from the end).
corrupt() {
	python3 - "$1" "$2" <<-'PY' || fail "could not corrupt $1"
	import sys
	data = bytearray(open(sys.argv[1], "rb").read())
	data[int(sys.argv[2])] ^= 1
	open(sys.argv[1], "wb").write(data)
	PY
}

# Item 4: damage inside a compressed layer. The data does not compress, so deflate stores it
# as is and a flipped bit decodes cleanly into a wrong byte: only gzip's CRC-32 tells (which
# libarchive does not check). zstd's own frame checksum, a zstd frame cut short, and bytes
# appended after the gzip stream are refused too.
test_damaged_compressed_layers_are_refused() {
	local size
	fresh damaged
	layer "$W/r.tar" '[{"name": "rand", "random": 200000}]'
	gzip -c -n "$W/r.tar" >"$W/r.tar.gz"
	run "$BOXBENCH" image import "$W/r.tar.gz" "$W/dest"
	assert_eq 0 "$rc" "import of the undamaged gzip layer (stderr: $err)"
	rm -rf "$W/dest"
	cp "$W/r.tar.gz" "$W/flip.tar.gz"
	corrupt "$W/flip.tar.gz" 100000
	refused 1 "cannot read layer 0 ($W/flip.tar.gz)" "CRC-32" "damaged or truncated" -- \
		"$W/flip.tar.gz"
	cp "$W/r.tar.gz" "$W/crc.tar.gz"
	corrupt "$W/crc.tar.gz" -6
	refused 1 "the gzip stream is damaged" -- "$W/crc.tar.gz"
	{ cat "$W/r.tar.gz"; printf 'junk after the stream'; } >"$W/junk.tar.gz"
	refused 1 "not gzip" -- "$W/junk.tar.gz"
	# Two members, as 'cat a.gz b.gz' makes: one stream to gzip -d, and to boxbench.
	size=$(stat -c %s "$W/r.tar")
	head -c 100000 "$W/r.tar" | gzip -n >"$W/two.tar.gz"
	tail -c $((size - 100000)) "$W/r.tar" | gzip -n >>"$W/two.tar.gz"
	run "$BOXBENCH" image import "$W/two.tar.gz" "$W/dest"
	assert_eq 0 "$rc" "import of a layer in two gzip members (stderr: $err)"
	cmp -s "$W/dest/l/0/rand" <(tar -xOf "$W/r.tar" rand) || fail "the two-member layer's file differs"
	rm -rf "$W/dest"
	command -v zstd >/dev/null || return 0
	zstd -q -c "$W/r.tar" >"$W/r.tar.zst"
	run "$BOXBENCH" image import "$W/r.tar.zst" "$W/dest"
	assert_eq 0 "$rc" "import of the undamaged zstd layer (stderr: $err)"
	cmp -s "$W/dest/l/0/rand" <(tar -xOf "$W/r.tar" rand) || fail "the zstd layer's file differs"
	rm -rf "$W/dest"
	cp "$W/r.tar.zst" "$W/flip.tar.zst"
	corrupt "$W/flip.tar.zst" 100000
	refused 1 "cannot read layer 0 ($W/flip.tar.zst)" "checksum" -- "$W/flip.tar.zst"
	head -c 150000 "$W/r.tar.zst" >"$W/cut.tar.zst"
	refused 1 "cannot read layer 0 ($W/cut.tar.zst)" "runcated" -- "$W/cut.tar.zst"
}

# What follows the tar's end in a blob is decompressed to hash it, never written: it counts
# against --max-bytes, or 200 KiB of gzip would keep the import busy with 200 MiB of zeros.
test_data_after_the_end_of_the_tar_counts_against_max_bytes() {
	fresh trailing
	layer "$W/small.tar" '[{"name": "a", "data": "a"}]'
	{ cat "$W/small.tar"; head -c 64M /dev/zero; } | gzip -1 -n >"$W/padded.tar.gz"
	refused 1 "follow the end of the tar" "--max-bytes" -- --max-bytes 16M "$W/padded.tar.gz"
	run "$BOXBENCH" image import --max-bytes 65M "$W/padded.tar.gz" "$W/dest"
	assert_eq 0 "$rc" "the same layer under a higher --max-bytes (stderr: $err)"
}

# Item 5: 'tar czf img.tar.gz -C DIR .' of a docker save or an OCI layout: the members start
# with "./", the first is "./" itself. It used to import as one layer holding manifest.json and
# the blobs; it is an image archive, refused with the way to read it. Uncompressed, the same
# archives import as what they are; given among other tarballs, one is refused for what it is.
test_image_archives_packed_with_dot_slash_names() {
	local kind
	fresh dotslash
	base_layers
	"$make_image" docker "$W/docker.tar" "$W/l0.tar.gz" "$W/l1.tar" || fail "make-image docker failed"
	mkdir "$W/docker" && tar -xf "$W/docker.tar" -C "$W/docker" || fail "cannot unpack docker.tar"
	"$make_image" oci "$W/oci" "$W/l0.tar.gz" "$W/l1.tar" || fail "make-image oci failed"
	for kind in docker oci; do
		tar -czf "$W/$kind-dot.tar.gz" -C "$W/$kind" .
		tar -cf "$W/$kind-dot.tar" -C "$W/$kind" .
		[ "$(tar -tf "$W/$kind-dot.tar" | sed -n 1p)" = ./ ] || fail "$kind-dot.tar does not start with ./"
		refused 2 "$W/$kind-dot.tar.gz is a compressed image archive; decompress it first" -- \
			"$W/$kind-dot.tar.gz"
		run "$BOXBENCH" image import "$W/$kind-dot.tar" "$W/dest"
		assert_eq 0 "$rc" "import of $kind-dot.tar (stderr: $err)"
		assert_contains "$out" "imported 2 layers" "the summary for $kind-dot.tar"
		assert_eq new "$(cat "$W/dest/l/1/opq/new")" "opq/new from $kind-dot.tar"
		rm -rf "$W/dest"
		refused 2 "$W/$kind-dot.tar is an image archive" "give it as the only SRC" -- \
			"$W/l0.tar.gz" "$W/$kind-dot.tar"
	done
	# A real layer whose top has a manifest.json among its files stays a layer.
	layer "$W/app.tar" '[{"name": "./", "type": "d"}, {"name": "./manifest.json", "data": "{}"},
		{"name": "./etc/app.conf", "data": "x"}]'
	run "$BOXBENCH" image import "$W/l0.tar.gz" "$W/app.tar" "$W/dest"
	assert_eq 0 "$rc" "import of a layer with a manifest.json of its own (stderr: $err)"
}

# Item 6, usrmerge: a lower layer has lib -> usr/lib, an upper layer's tar holds lib/x. umoci
# unpack and docker resolve the parent through the symlink within the image root and write
# usr/lib/x; a directory lib in the upper layer would hide the symlink and with it libc. Also
# from an old docker archive, which lists the top layer first: layers are unpacked bottom up.
test_usrmerge_symlinks_of_lower_layers_are_followed() {
	local src d
	fresh usrmerge
	layer "$W/base.tar" '[{"name": "usr/lib/libc.so.6", "data": "libc"},
		{"name": "usr/bin/sh", "data": "sh"}]'
	layer "$W/merge.tar" '[{"name": "lib", "type": "l", "link": "usr/lib"},
		{"name": "bin", "type": "l", "link": "/usr/bin"}]'
	layer "$W/app.tar" '[{"name": "lib/x", "data": "x"}, {"name": "bin/tool", "data": "t"},
		{"name": "lib/sub/", "type": "d", "mode": 448}, {"name": "lib/sub/f", "data": "f"}]'
	"$make_image" docker "$W/docker.tar" "$W/base.tar" "$W/merge.tar" "$W/app.tar" ||
		fail "make-image docker failed"
	for src in tarballs docker; do
		if [ $src = tarballs ]; then
			run "$BOXBENCH" image import "$W/base.tar" "$W/merge.tar" "$W/app.tar" "$W/dest"
		else
			run "$BOXBENCH" image import "$W/docker.tar" "$W/dest"
		fi
		assert_eq 0 "$rc" "import of the usrmerge image from $src (stderr: $err)"
		d=$W/dest/l/2
		assert_eq "x t 700" "$(cat "$d/usr/lib/x") $(cat "$d/usr/bin/tool") $(stat -c %a "$d/usr/lib/sub")" \
			"layer 2's files in usr/lib and usr/bin ($src)"
		[ ! -e "$d/lib" ] && [ ! -e "$d/bin" ] || fail "layer 2 has lib or bin of its own ($src)"
		if [ "$(id -u)" = 0 ]; then
			mkdir "$W/mnt"
			run unshare -m --propagation private sh -c 'mount -t overlay boxbench-img \
				-o "ro,lowerdir=$1/2:$1/1:$1/0" "$2" && cd "$2" && readlink lib &&
				ls lib/ && cat lib/sub/f' sh "$W/dest/l" "$W/mnt"
			rmdir "$W/mnt"
			assert_eq 0 "$rc" "mounting the usrmerge image (stderr: $err)"
			assert_eq "usr/lib
libc.so.6
sub
x
f" "$out" "the merged view: lib still the symlink, libc and x both in it"
		fi
		rm -rf "$W/dest"
	done
	# Within the image root, never outside it: a lower symlink to the host's canary dir (the
	# path is absolute, so in the container it names the image's own $W/canary).
	layer "$W/esc.tar" "[{\"name\": \"esc\", \"type\": \"l\", \"link\": \"$W/canary\"},
		{\"name\": \"up\", \"type\": \"l\", \"link\": \"../../../..$W/canary\"}]"
	refused 1 "entry 'up': symlink to '../../../..$W/canary' points outside the layer" -- "$W/esc.tar"
	layer "$W/esc.tar" "[{\"name\": \"esc\", \"type\": \"l\", \"link\": \"$W/canary\"}]"
	layer "$W/into.tar" '[{"name": "esc/x", "data": "evil"}, {"name": "esc/.wh.victim"}]'
	run "$BOXBENCH" image import "$W/esc.tar" "$W/into.tar" "$W/dest"
	assert_eq 0 "$rc" "import through a lower symlink to a host path (stderr: $err)"
	assert_eq evil "$(cat "$W/dest/l/1$W/canary/x")" "esc/x, in the image's own $W/canary"
	canary_intact
}

# Item 7: each link stays inside from where it is, the chain does not: a/b/c/d/e/f/l is the
# layer root, so passwd's six '..' after it climb out of the layer, to the host's /etc/passwd
# when followed on the host. Refused naming the entry, in either order and across layers.
test_a_symlink_chain_that_climbs_out_is_refused() {
	fresh chain
	layer "$W/l.tar" '[{"name": "a/b/c/d/e/f/l", "type": "l", "link": "../../../../../.."}]'
	layer "$W/p.tar" '[{"name": "passwd", "type": "l",
		"link": "a/b/c/d/e/f/l/../../../../../../etc/passwd"}]'
	layer "$W/both.tar" '[{"name": "a/b/c/d/e/f/l", "type": "l", "link": "../../../../../.."},
		{"name": "passwd", "type": "l", "link": "a/b/c/d/e/f/l/../../../../../../etc/passwd"}]'
	refused 1 "refusing layer 0 ($W/both.tar) entry 'passwd': symlink to 'a/b/c/d/e/f/l/../../../../../../etc/passwd' points outside the layer through the symlink 'a/b/c/d/e/f/l'" \
		"unsafe" -- "$W/both.tar"
	refused 1 "refusing layer 1 ($W/p.tar) entry 'passwd'" "through the symlink 'a/b/c/d/e/f/l' of a layer below" -- \
		"$W/l.tar" "$W/p.tar"
	refused 1 "refusing layer 1 ($W/l.tar) entry 'a/b/c/d/e/f/l'" "makes the symlink 'passwd' of a layer below" -- \
		"$W/p.tar" "$W/l.tar"
	run "$BOXBENCH" image import "$W/l.tar" "$W/dest"
	assert_eq 0 "$rc" "a layer with only the link to its root (stderr: $err)"
}

# Item 8 (SRC): a fifo as SRC, or as a layout's index.json, used to hang the import for good.
test_a_fifo_as_src_is_refused_without_waiting() {
	fresh fifo
	mkfifo "$W/fifo"
	refused 2 "$W/fifo is a fifo, not a file or directory" -- "$W/fifo"
	base_oci
	rm "$img/index.json"
	mkfifo "$img/index.json"
	refused 2 "index.json: not a regular file" -- "$img"
}

# Item 14: a DEST on overlayfs (a CI job inside a container). overlayfs refuses to create 0/0
# devices through its merged view; the error says so and names the way out, which works.
test_a_dest_on_overlayfs_explains_chardev_whiteouts() {
	[ "$(id -u)" = 0 ] || skip "mounting an overlay needs root"
	fresh on-overlay
	layer "$W/wh.tar" '[{"name": "d/f", "data": "f"}, {"name": "d/.wh.gone"}]'
	mkdir "$W/lo" "$W/up" "$W/wk" "$W/m"
	run unshare -m --propagation private sh -c '
		mount -t overlay boxbench-ci -o "lowerdir=$1/lo,upperdir=$1/up,workdir=$1/wk" "$1/m" || exit 99
		"$2" image import "$1/wh.tar" "$1/m/dest"; echo "rc=$?"
		"$2" image import --whiteout xattr "$1/wh.tar" "$1/m/dest2"; echo "rc=$?"' sh "$W" "$BOXBENCH"
	[ "$rc" != 99 ] || fail "cannot mount an overlay for DEST: $err"
	assert_contains "$err" "entry 'd/.wh.gone': cannot create the whiteout (a 0/0 character device): EPERM: the destination is on overlayfs" \
		"the chardev refusal on overlayfs"
	assert_contains "$err" "--whiteout xattr" "the way out"
	assert_eq "rc=1
rc=0" "$(grep '^rc=' <<<"$out")" "exit status of chardev, then xattr whiteouts on overlayfs (stderr: $err)"
	[ ! -e "$W/up/dest" ] || fail "the refused import left its DEST in the overlay"
}

# Item 15: each refusal says its own reason; neither is damage to the blob.
test_impossible_entries_are_refused_for_their_reason() {
	local long
	fresh reasons
	long=$(printf 'n%.0s' {1..256})
	layer "$W/long.tar" "[{\"name\": \"$long\", \"data\": \"x\"}]"
	refused 1 "refusing layer 0 ($W/long.tar) entry '${long:0:200}': a name in path is 256 bytes long" \
		"ENAMETOOLONG" -- "$W/long.tar"
	! grep -qF damaged <<<"$err" || fail "the name-too-long refusal blames damage: $err"
	layer "$W/below.tar" '[{"name": "f", "data": "x"}, {"name": "f/g", "data": "y"}]'
	refused 1 "refusing layer 0 ($W/below.tar) entry 'f/g': its parent 'f' is not a directory" "ENOTDIR" -- "$W/below.tar"
	! grep -qF damaged <<<"$err" || fail "the not-a-directory refusal blames damage: $err"
}
