/* An independent second opinion for the doctor test: loads and attaches minimal BPF programs
 * through libbpf's low-level syscall wrappers (no skeleton, no boxbench code) and prints
 * "<kind> yes" or "<kind> no <ERRNO>" per line. */
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/error.h"

/* r0 = 0; exit */
static const struct bpf_insn return_zero[] = {
	{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
	{ .code = BPF_JMP | BPF_EXIT },
};

static int silent(enum libbpf_print_level l, const char *f, va_list ap)
{
	(void)l, (void)f, (void)ap;
	return 0;
}

static void report(const char *kind, int fd)
{
	if (fd >= 0)
		printf("%s yes\n", kind);
	else
		printf("%s no %s\n", kind, errno_name(errno));
}

static int load(enum bpf_prog_type type, enum bpf_attach_type attach, __u32 btf_id)
{
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = attach,
		    .attach_btf_id = btf_id);

	return bpf_prog_load(type, NULL, "GPL", return_zero, 2, &opts);
}

static void try_fentry(void)
{
	struct btf *btf = btf__load_vmlinux_btf();
	int id, prog;

	if (!btf) {
		report("fentry", -1);
		return;
	}
	id = btf__find_by_name_kind(btf, "do_unlinkat", BTF_KIND_FUNC);
	btf__free(btf);
	if (id < 0) {
		errno = ENOENT;
		report("fentry", -1);
		return;
	}
	prog = load(BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY, id);
	if (prog < 0) {
		report("fentry", -1);
		return;
	}
	report("fentry", bpf_raw_tracepoint_open(NULL, prog));
}

static void try_raw_tp(void)
{
	int prog = load(BPF_PROG_TYPE_RAW_TRACEPOINT, 0, 0);

	report("raw_tp", prog < 0 ? prog : bpf_raw_tracepoint_open("sys_enter", prog));
}

/* kprobes are a perf PMU; without CONFIG_KPROBES it is simply not registered. */
static void try_kprobe(void)
{
	struct perf_event_attr attr = { .size = sizeof(attr) };
	char buf[32] = { 0 };
	int fd, prog, type;

	fd = open("/sys/bus/event_source/devices/kprobe/type", O_RDONLY);
	if (fd < 0) {
		report("kprobe", -1);
		return;
	}
	if (read(fd, buf, sizeof(buf) - 1) <= 0 || sscanf(buf, "%d", &type) != 1) {
		close(fd);
		errno = EIO;
		report("kprobe", -1);
		return;
	}
	close(fd);
	attr.type = type;
	attr.config1 = (__u64)(unsigned long)"do_unlinkat";
	fd = syscall(SYS_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0) {
		report("kprobe", -1);
		return;
	}
	prog = load(BPF_PROG_TYPE_KPROBE, 0, 0);
	if (prog < 0) {
		report("kprobe", -1);
		return;
	}
	report("kprobe", ioctl(fd, PERF_EVENT_IOC_SET_BPF, prog) == 0 ? 0 : -1);
}

int main(void)
{
	libbpf_set_print(silent);
	try_raw_tp();
	try_fentry();
	try_kprobe();
	return 0;
}
