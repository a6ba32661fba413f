# scripts/vmtest's own logic, with a stand-in qemu and kernel: which accelerator a guest gets
# (a KVM that answers but never boots a guest must fall back to TCG), and what a missing kernel
# package says. The real guests run in make test's kernel matrix.

setup_file() {
	VT=$(mktemp -d /tmp/vmtest-test.XXXXXX)
	mkdir -p "$VT/build" "$VT/kcache/kernels/linux-image-0.0.0-fake-amd64-unsigned"
	ln -s "$BOXBENCH" "$VT/build/boxbench"
	ln -s "$(dirname "$BOXBENCH")/boxbench-agent" "$VT/build/boxbench-agent"
	k=$VT/kcache/kernels/linux-image-0.0.0-fake-amd64-unsigned
	echo not-a-kernel >"$k/vmlinuz"
	echo not-a-module >"$k/overlay.ko"
	echo 0.0.0-fake >"$k/release"
	printf '#!/bin/sh\nexit 0\n' >"$VT/payload.sh"
	: >"$VT/kvm" # a writable stand-in for /dev/kvm
	# The stand-in qemu: logs its accelerator, then behaves as $VT/mode-<accel> says: "hang"
	# (firmware output, then nothing: nested KVM here) or "boot" (a guest whose payload passes).
	cat >"$VT/qemu" <<'EOF'
#!/bin/sh
dir=$(dirname "$0")
accel=
while [ $# -gt 0 ]; do
	[ "$1" = -accel ] && accel=$2
	shift
done
echo "$accel" >>"$dir/accels"
case "$(cat "$dir/mode-$accel")" in
hang)
	echo "Booting from ROM..."
	exec sleep 600
	;;
boot)
	echo "=== vmtest: kernel reached /init ==="
	echo "=== vmtest: payload start ==="
	echo "1 passed, 0 failed"
	echo "=== vmtest: payload end: exit=0 ==="
	;;
esac
EOF
	chmod +x "$VT/qemu"
}

teardown_file() {
	rm -rf "$VT"
}

vmtest() {
	rm -f "$VT/accels"
	run env VMTEST_QEMU="$VT/qemu" VMTEST_KVM_DEV="$VT/kvm" scripts/vmtest --build "$VT/build" \
		--kernel-cache "$VT/kcache" --payload "$VT/payload.sh" --kvm-wait 2 --timeout 60 --quiet "$@"
}

test_vmtest_falls_back_to_tcg_when_a_kvm_guest_never_reaches_its_kernel() {
	echo hang >"$VT/mode-kvm"
	echo boot >"$VT/mode-tcg"
	vmtest linux-image-0.0.0-fake-amd64-unsigned
	assert_eq 0 "$rc" "vmtest exit ($out $err)"
	assert_eq "kvm tcg" "$(tr '\n' ' ' <"$VT/accels" | sed 's/ $//')" "accelerators tried in turn"
	assert_contains "$out" "did not reach its kernel's /init in 2 s: using TCG" "the fallback is said"
	assert_contains "$out" "0.0.0-fake: ok, payload exit 0 (1 passed, 0 failed)" "the guest ran"
	assert_contains "$out" "TCG: $VT/kvm is there, but" "the summary names the accelerator and why"
	pgrep -f "$VT/qemu" >/dev/null && fail "the hung KVM guest was not stopped"
	return 0
}

test_vmtest_keeps_kvm_once_a_guest_reaches_its_kernel() {
	echo boot >"$VT/mode-kvm"
	echo hang >"$VT/mode-tcg"
	vmtest linux-image-0.0.0-fake-amd64-unsigned
	assert_eq 0 "$rc" "vmtest exit ($out $err)"
	assert_eq "kvm" "$(tr '\n' ' ' <"$VT/accels" | sed 's/ $//')" "KVM alone"
	assert_contains "$out" "KVM works" "KVM confirmed"
	grep -q '0.0.0-fake: ok, payload exit 0 (1 passed, 0 failed), [0-9]* s, KVM$' <<<"$out" ||
		fail "the summary does not say KVM: $out"
}

test_vmtest_uses_tcg_without_a_kvm_device() {
	echo boot >"$VT/mode-tcg"
	rm -f "$VT/accels"
	run env VMTEST_QEMU="$VT/qemu" VMTEST_KVM_DEV="$VT/no-such-kvm" scripts/vmtest --build "$VT/build" \
		--kernel-cache "$VT/kcache" --payload "$VT/payload.sh" --quiet linux-image-0.0.0-fake-amd64-unsigned
	assert_eq 0 "$rc" "vmtest exit ($out $err)"
	assert_eq "tcg" "$(cat "$VT/accels")" "TCG straight away"
	assert_contains "$out" "TCG: $VT/no-such-kvm is missing" "the reason"
}

test_vmtest_names_the_apt_suite_of_a_kernel_apt_does_not_know() {
	vmtest 6.99
	assert_eq 1 "$rc" "vmtest exit"
	assert_contains "$err" "linux-image-6.99-*-amd64-unsigned comes from Debian's bookworm-security suite" \
		"the suite"
	assert_contains "$err" "apt-get update" "the fix"
}
