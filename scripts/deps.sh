#!/usr/bin/env bash
# Installs what boxbench needs to build, test and run, and nothing that is already there.
# Each line of NEEDS pairs a Debian/Ubuntu package with a file that proves it is installed,
# so "--missing" can answer from the file system alone (the Makefile asks it on every build).
#
#   scripts/deps.sh            install what is missing (apt-get; needs root)
#   scripts/deps.sh --missing  print the packages that are missing, exit 0 either way
#   scripts/deps.sh --list     print every package boxbench uses
set -euo pipefail

NEEDS=(
	# build
	"clang            /usr/bin/clang"
	"llvm             /usr/bin/llvm-strip"
	"make             /usr/bin/make"
	"gcc              /usr/bin/gcc"
	"libc6-dev        /usr/include/stdio.h"
	"pkg-config       /usr/bin/pkg-config"
	"libbpf-dev       /usr/include/bpf/libbpf.h"
	"libelf-dev       /usr/include/gelf.h"
	"zlib1g-dev       /usr/include/zlib.h"
	"libarchive-dev   /usr/include/archive.h"
	"libjansson-dev   /usr/include/jansson.h"
	"libcmocka-dev    /usr/include/cmocka.h"
	"libssl-dev       /usr/include/openssl/evp.h"
	"BPFTOOL          BPFTOOL"
	# the sanitized build and the fuzz targets: clang's ASan, UBSan and libFuzzer runtimes
	# (a Recommends of clang's, which --no-install-recommends leaves out)
	"libclang-rt-dev  CLANG_RT"
	# make test checks the code's format (make format-check) with Debian 12's clang-format 14
	"clang-format     /usr/bin/clang-format"
	# run and test: storage drivers, backing file systems, runtimes, plots
	"gnuplot-nox      /usr/bin/gnuplot"
	"util-linux       /usr/bin/unshare"
	"jq               /usr/bin/jq"
	"procps           /usr/bin/pgrep"
	"python3-jsonschema /usr/lib/python3/dist-packages/jsonschema/__init__.py"
	"python3-prometheus-client /usr/lib/python3/dist-packages/prometheus_client/__init__.py"
	"mount            /sbin/losetup"
	"e2fsprogs        /sbin/mkfs.ext4"
	"xfsprogs         /sbin/mkfs.xfs"
	"btrfs-progs      /sbin/mkfs.btrfs"
	"erofs-utils      /usr/bin/mkfs.erofs"
	"fuse-overlayfs   /usr/bin/fuse-overlayfs"
	"crun             /usr/bin/crun"
	"runc             /usr/sbin/runc"
	# images: umoci builds the OCI images the import tests check against; getfattr reads xattrs
	"umoci            /usr/bin/umoci"
	"attr             /usr/bin/getfattr"
	# the kernel matrix: Debian's kernels booted under qemu (scripts/vmtest)
	"qemu-system-x86  /usr/bin/qemu-system-x86_64"
	"busybox-static   /bin/busybox"
	"cpio             /usr/bin/cpio"
	"xz-utils         /usr/bin/xz"
)

# bpftool is its own package on Debian; on Ubuntu it ships in linux-tools.
bpftool_package() {
	if grep -qi '^ID=ubuntu' /etc/os-release 2>/dev/null; then
		echo "linux-tools-common linux-tools-$(uname -r)"
	else
		echo bpftool
	fi
}

have_bpftool() {
	command -v bpftool >/dev/null 2>&1 || [ -x /usr/sbin/bpftool ]
}

# Where the runtimes are depends on clang's version: ask clang (none yet: missing too).
have_clang_rt() {
	local dir
	dir=$(clang --print-runtime-dir 2>/dev/null) &&
		[ -e "$dir/libclang_rt.fuzzer-$(uname -m).a" ] &&
		[ -e "$dir/libclang_rt.asan-$(uname -m).a" ]
}

missing_packages() {
	local line pkg proof
	for line in "${NEEDS[@]}"; do
		read -r pkg proof <<<"$line"
		if [ "$pkg" = BPFTOOL ]; then
			have_bpftool || bpftool_package
		elif [ "$proof" = CLANG_RT ]; then
			have_clang_rt || echo "$pkg"
		elif [ ! -e "$proof" ]; then
			echo "$pkg"
		fi
	done
}

all_packages() {
	local line pkg proof
	for line in "${NEEDS[@]}"; do
		read -r pkg proof <<<"$line"
		[ "$pkg" = BPFTOOL ] && pkg=$(bpftool_package)
		echo "$pkg"
	done
}

case "${1:-}" in
--missing)
	missing_packages | tr ' ' '\n' | sed '/^$/d'
	exit 0
	;;
--list)
	all_packages | tr ' ' '\n'
	exit 0
	;;
"") ;;
*)
	echo "deps.sh: unknown option '$1' (use --missing, --list or no option)" >&2
	exit 2
	;;
esac

mapfile -t missing < <(missing_packages | tr ' ' '\n' | sed '/^$/d')
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
	echo "deps.sh: no apt-get here; install these packages (Debian names) by hand:" >&2
	printf '  %s\n' "${missing[@]}" >&2
	exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages: ${missing[*]}; run 'sudo scripts/deps.sh' or 'make' as root" >&2
	exit 1
fi

echo "deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "deps.sh: done" >&2
