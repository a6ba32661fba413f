/* The probe session: loads the portable set (every syscall of tracked processes, timed in the
 * kernel) and, where the kernel allows, the function-level set; collects their events; and
 * answers "how much of this wall-clock span did the kernel spend, and in which function".
 *
 * The plan is decided by really loading and attaching: for syscalls tp_btf, then raw_tp,
 * then tracefs tracepoints; for functions fentry/fexit, then kprobes, per metric. */
#ifndef BOXBENCH_PROBES_H
#define BOXBENCH_PROBES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/error.h"
#include "feature_probe.h"
#include <linux/types.h>
#include "events.h"

enum probe_mode {
	PROBE_MODE_OFF, /* no BPF at all: wall clock only */
	PROBE_MODE_AUTO, /* syscalls, plus functions wherever fentry or kprobes work */
	PROBE_MODE_TRACEPOINT, /* syscalls only */
	PROBE_MODE_FENTRY, /* syscalls, plus functions by fentry/fexit, or fail */
	PROBE_MODE_KPROBE, /* syscalls, plus functions by kprobes, or fail */
};

/* Where a number comes from; recorded with every result, and compare refuses to mix them. */
enum probe_source {
	SOURCE_NONE,
	SOURCE_TRACEPOINT, /* syscall enter/exit */
	SOURCE_FENTRY,
	SOURCE_KPROBE,
};

struct func_plan {
	enum probe_source source; /* SOURCE_NONE: timed at syscall level only */
	char target[64]; /* the kernel function probed, "" if none */
	int err; /* why not, as an errno (0 if it works) */
	char why[96]; /* why not, short: "fentry EPERM; kprobe ENOENT" */
	char detail[400]; /* why not, with libbpf's and the kernel's words */
};

struct probe_plan {
	enum probe_mode mode;
	enum probe_source syscalls; /* SOURCE_TRACEPOINT, or SOURCE_NONE when off */
	enum attach_kind syscall_kind; /* which of tp_btf, raw_tp, tracepoint */
	struct func_plan func[FUNC_METRIC_MAX];
};

#define SYSCALL_PROGS 8 /* sys_enter, sys_exit, fork, exec, exit, cgroup mkdir/rmdir/attach */

struct probes {
	struct probe_plan plan;
	struct syscalls_bpf *sys;
	struct bpf_link *sys_links[SYSCALL_PROGS];
	struct funcs_bpf *fn;
	struct bpf_link *links[FUNC_METRIC_MAX * 2];
	struct ring_buffer *rb;
	struct event *ev;
	size_t n_ev, cap_ev;
	size_t lost; /* events that did not fit the collected array */
	bool paused; /* loaded, but detached: the kernel runs none of it */
};

/* Time the kernel spent on one thread within a wall-clock span. */
struct kernel_time {
	unsigned long long ns;
	unsigned calls; /* syscalls (or function calls) that fell inside the span */
};

/* The kernel's view of one wall-clock span (probes_span_kernel()). */
struct span_kernel {
	bool has_kernel; /* the syscall probes saw this span */
	bool has_func; /* a function-level probe covers it */
	unsigned long long kernel_ns; /* its thread's syscall time inside the span */
	unsigned long long func_ns; /* the probed function's time inside the span */
	unsigned calls; /* syscalls counted in kernel_ns */
	const char *func; /* the probed function, or NULL */
};

int probe_mode_parse(const char *s, enum probe_mode *mode, struct bb_error *err);
const char *probe_mode_name(enum probe_mode mode);
const char *probe_source_name(enum probe_source source);
const char *func_metric_name(enum func_metric m);

/* Loads and attaches what the mode asks for and tracks pid (and its descendants from now
 * on). PROBE_MODE_OFF loads nothing and succeeds. A mode that cannot be honoured (fentry on
 * a kernel that refuses it) fails with the kernel's errno and says what to use instead. Call
 * from inside the private mount namespace: tracefs may be mounted there. */
int probes_open(struct probes *p, enum probe_mode mode, pid_t pid, struct bb_error *err);
/* Adds a process (and its future children) to the tracked set. */
int probes_track(struct probes *p, pid_t pid, struct bb_error *err);
/* Detaches every program (keeping them loaded) and attaches them again: for measuring the
 * probes' own overhead side by side within one run. */
int probes_pause(struct probes *p);
int probes_resume(struct probes *p, struct bb_error *err);
/* Moves the events the kernel has sent so far into p->ev. */
int probes_drain(struct probes *p);
/* Forgets collected events (between containers of a long run). */
void probes_reset(struct probes *p);
/* Sums the syscalls of tid that ran wholly inside [t0, t1]. */
void probes_kernel_time(const struct probes *p, pid_t tid, unsigned long long t0,
			unsigned long long t1, struct kernel_time *out);
/* Sums the calls of one probed function by tid wholly inside [t0, t1]. */
void probes_func_time(const struct probes *p, pid_t tid, enum func_metric m, unsigned long long t0,
		      unsigned long long t1, struct kernel_time *out);
/* tid's syscalls wholly inside [t0, t1] and the time of function metric (-1: none) in the same
 * window, into k. Leaves k zeroed when the probes are off or the span is empty. */
void probes_span_kernel(const struct probes *p, pid_t tid, int metric, unsigned long long t0,
			unsigned long long t1, struct span_kernel *k);
/* Whether the probes are loaded (PROBE_MODE_OFF loads none). Paused probes count: they are
 * loaded, and what they collected before the pause is still there. */
bool probes_active(const struct probes *p);
/* Detaches and unloads everything; safe on a zeroed or failed session. */
void probes_close(struct probes *p);

#endif
