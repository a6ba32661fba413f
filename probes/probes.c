/* The probe session's loader and its answers: see probes.h. */
#include "probes.h"

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf_log.h"
#include "feature_probe.h"
#include "probes/funcs.skel.h"
#include "probes/syscalls.skel.h"
#include "tracefs.h"

/* The kernel functions each metric may be called, newest name first. A rename across
 * kernel versions is one more name here. */
static const char *const func_candidates[FUNC_METRIC_MAX][4] = {
	[FUNC_COPY_UP] = { "ovl_copy_up_one", "ovl_copy_up_flags" },
	[FUNC_LOOKUP] = { "ovl_lookup" },
	[FUNC_READDIR] = { "ovl_dir_read_merged", "ovl_iterate" },
	[FUNC_FILL_SUPER] = { "ovl_fill_super", "ovl_get_tree" },
	[FUNC_NEW_NS] = { "create_new_namespaces" },
	[FUNC_NET_NS] = { "copy_net_ns" },
	[FUNC_MNT_NS] = { "copy_mnt_ns" },
	[FUNC_PIVOT_ROOT] = { "path_pivot_root", "__x64_sys_pivot_root", "__arm64_sys_pivot_root" },
};

static const char *const metric_names[FUNC_METRIC_MAX] = {
	[FUNC_COPY_UP] = "copy_up",	  [FUNC_LOOKUP] = "lookup",
	[FUNC_READDIR] = "readdir",	  [FUNC_FILL_SUPER] = "fill_super",
	[FUNC_NEW_NS] = "new_namespaces", [FUNC_NET_NS] = "net_ns",
	[FUNC_MNT_NS] = "mnt_ns",	  [FUNC_PIVOT_ROOT] = "pivot_root",
};

const char *func_metric_name(enum func_metric m)
{
	return m < FUNC_METRIC_MAX ? metric_names[m] : "unknown";
}

const char *probe_mode_name(enum probe_mode mode)
{
	static const char *const names[] = { "off", "auto", "tracepoint", "fentry", "kprobe" };

	return mode <= PROBE_MODE_KPROBE ? names[mode] : "unknown";
}

const char *probe_source_name(enum probe_source source)
{
	static const char *const names[] = { "none", "tracepoint", "fentry", "kprobe" };

	return source <= SOURCE_KPROBE ? names[source] : "unknown";
}

int probe_mode_parse(const char *s, enum probe_mode *mode, struct bb_error *err)
{
	for (int m = PROBE_MODE_OFF; m <= PROBE_MODE_KPROBE; m++) {
		if (!strcmp(s, probe_mode_name(m))) {
			*mode = m;
			return 0;
		}
	}
	return bb_err(err, EINVAL,
		      "unknown probe mode '%s': choose auto, tracepoint, fentry, kprobe or off", s);
}

/* ---- the portable set ---- */

static void syscall_programs(struct syscalls_bpf *s, enum attach_kind kind,
			     struct bpf_program **progs, size_t *n)
{
	*n = 0;
	if (kind == ATTACH_TP_BTF) {
		struct bpf_program *p[] = { s->progs.btf_sys_enter,    s->progs.btf_sys_exit,
					    s->progs.btf_fork,	       s->progs.btf_exec,
					    s->progs.btf_exit,	       s->progs.btf_cgroup_mkdir,
					    s->progs.btf_cgroup_rmdir, s->progs.btf_cgroup_attach };

		memcpy(progs, p, sizeof(p));
		*n = sizeof(p) / sizeof(p[0]);
	} else if (kind == ATTACH_RAW_TP) {
		struct bpf_program *p[] = { s->progs.raw_sys_enter,    s->progs.raw_sys_exit,
					    s->progs.raw_fork,	       s->progs.raw_exec,
					    s->progs.raw_exit,	       s->progs.raw_cgroup_mkdir,
					    s->progs.raw_cgroup_rmdir, s->progs.raw_cgroup_attach };

		memcpy(progs, p, sizeof(p));
		*n = sizeof(p) / sizeof(p[0]);
	} else {
		struct bpf_program *p[] = { s->progs.tp_sys_enter,    s->progs.tp_sys_exit,
					    s->progs.tp_fork,	      s->progs.tp_exec,
					    s->progs.tp_exit,	      s->progs.tp_cgroup_mkdir,
					    s->progs.tp_cgroup_rmdir, s->progs.tp_cgroup_attach };

		memcpy(progs, p, sizeof(p));
		*n = sizeof(p) / sizeof(p[0]);
	}
}

/* Opens, loads and attaches the portable set with one attach kind, its links into links[];
 * NULL and *e on failure, with nothing left loaded. */
static struct syscalls_bpf *syscalls_try(enum attach_kind kind, struct bpf_link **links, int *e,
					 char *why, size_t len)
{
	struct bpf_program *progs[SYSCALL_PROGS], *prog;
	struct syscalls_bpf *s;
	size_t n;

	bpf_log_reset();
	if (kind == ATTACH_TRACEPOINT && tracefs_ensure(NULL, NULL) < 0) {
		*e = ENOENT;
		snprintf(why, len, "tracefs cannot be mounted");
		return NULL;
	}
	s = syscalls_bpf__open();
	if (!s) {
		*e = errno;
		snprintf(why, len, "open: %s", bpf_log_last());
		return NULL;
	}
	syscall_programs(s, kind, progs, &n);
	bpf_object__for_each_program(prog, s->obj)
	{
		bool on = false;

		for (size_t i = 0; i < n; i++)
			on |= prog == progs[i];
		bpf_program__set_autoload(prog, on);
	}
	*e = -syscalls_bpf__load(s);
	if (*e) {
		snprintf(why, len, "load: %s", bpf_log_last());
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		struct bpf_link *l = bpf_program__attach(progs[i]);

		if (!l) {
			*e = errno;
			snprintf(why, len, "attach %s: %s", bpf_program__name(progs[i]),
				 bpf_log_last());
			goto fail;
		}
		links[i] = l;
	}
	return s;
fail:
	for (size_t i = 0; i < n; i++) {
		bpf_link__destroy(links[i]);
		links[i] = NULL;
	}
	syscalls_bpf__destroy(s);
	return NULL;
}

static int open_syscalls(struct probes *p, struct bb_error *err)
{
	static const enum attach_kind order[] = { ATTACH_TP_BTF, ATTACH_RAW_TP, ATTACH_TRACEPOINT };
	char why[3][300];
	int e = 0;

	for (size_t i = 0; i < 3; i++) {
		p->sys = syscalls_try(order[i], p->sys_links, &e, why[i], sizeof(why[i]));
		if (p->sys) {
			p->plan.syscalls = SOURCE_TRACEPOINT;
			p->plan.syscall_kind = order[i];
			return 0;
		}
	}
	return bb_err(err, e,
		      "cannot load the portable probes (syscall tracepoints): tp_btf: %s; raw_tp: "
		      "%s; tracepoint: %s (does this kernel have BTF? see 'boxbench doctor'; or "
		      "run with --probe-mode off)",
		      why[0], why[1], why[2]);
}

/* ---- the function-level set ---- */

static struct btf *overlay_btf(struct btf *vmlinux)
{
	/* Built in, overlay's functions are in vmlinux; as a module, in its own BTF. */
	struct btf *m = btf__load_module_btf("overlay", vmlinux);

	return m ? m : NULL;
}

/* Picks, per metric, the first candidate this kernel's BTF has. */
static void resolve_targets(struct probe_plan *plan)
{
	struct btf *vmlinux = btf__load_vmlinux_btf(), *ovl = vmlinux ? overlay_btf(vmlinux) : NULL;

	for (int m = 0; m < FUNC_METRIC_MAX; m++) {
		struct func_plan *f = &plan->func[m];

		f->target[0] = '\0';
		for (int c = 0; c < 4 && func_candidates[m][c] && !f->target[0]; c++) {
			const char *name = func_candidates[m][c];

			if ((vmlinux && btf__find_by_name_kind(vmlinux, name, BTF_KIND_FUNC) > 0) ||
			    (ovl && btf__find_by_name_kind(ovl, name, BTF_KIND_FUNC) > 0))
				snprintf(f->target, sizeof(f->target), "%s", name);
		}
		if (!f->target[0]) {
			f->err = ENOENT;
			snprintf(f->why, sizeof(f->why),
				 "none of its functions is in this kernel's BTF");
		}
	}
	btf__free(ovl);
	btf__free(vmlinux);
}

static void metric_programs(struct funcs_bpf *s, int m, struct bpf_program *out[4])
{
#define PROGS(name)                                 \
	do {                                        \
		out[0] = s->progs.fentry_##name;    \
		out[1] = s->progs.fexit_##name;     \
		out[2] = s->progs.kprobe_##name;    \
		out[3] = s->progs.kretprobe_##name; \
	} while (0)
	switch (m) {
	case FUNC_COPY_UP:
		PROGS(copy_up);
		break;
	case FUNC_LOOKUP:
		PROGS(lookup);
		break;
	case FUNC_READDIR:
		PROGS(readdir);
		break;
	case FUNC_FILL_SUPER:
		PROGS(fill_super);
		break;
	case FUNC_NEW_NS:
		PROGS(new_ns);
		break;
	case FUNC_NET_NS:
		PROGS(net_ns);
		break;
	case FUNC_MNT_NS:
		PROGS(mnt_ns);
		break;
	default:
		PROGS(pivot_root);
		break;
	}
#undef PROGS
}

/* Loads the function set for the metrics in `want` (a bit per metric) with fentry or
 * kprobes, sharing the portable set's tracked map and ring buffer. */
static struct funcs_bpf *funcs_load(struct probes *p, enum probe_source src, unsigned want, int *e,
				    char *why, size_t len)
{
	struct bpf_program *prog, *mp[4];
	struct funcs_bpf *s;

	bpf_log_reset();
	s = funcs_bpf__open();
	if (!s) {
		*e = errno;
		snprintf(why, len, "open: %s", bpf_log_last());
		return NULL;
	}
	bpf_object__for_each_program(prog, s->obj) bpf_program__set_autoload(prog, false);
	for (int m = 0; m < FUNC_METRIC_MAX; m++) {
		if (!(want & (1u << m)))
			continue;
		metric_programs(s, m, mp);
		for (int i = 0; i < 2; i++) {
			struct bpf_program *pr = src == SOURCE_FENTRY ? mp[i] : mp[2 + i];

			bpf_program__set_autoload(pr, true);
			if (src == SOURCE_FENTRY)
				bpf_program__set_attach_target(pr, 0, p->plan.func[m].target);
		}
	}
	if (bpf_map__reuse_fd(s->maps.tracked, bpf_map__fd(p->sys->maps.tracked)) ||
	    bpf_map__reuse_fd(s->maps.events, bpf_map__fd(p->sys->maps.events))) {
		*e = errno;
		snprintf(why, len, "cannot share maps with the portable set");
		goto fail;
	}
	*e = -funcs_bpf__load(s);
	if (*e) {
		snprintf(why, len, "%s", bpf_log_last());
		goto fail;
	}
	return s;
fail:
	funcs_bpf__destroy(s);
	return NULL;
}

static int funcs_attach(struct probes *p, enum probe_source src, unsigned *want, int *e, char *why,
			size_t len)
{
	struct bpf_program *mp[4];
	size_t nl = 0;

	for (int m = 0; m < FUNC_METRIC_MAX; m++) {
		if (!(*want & (1u << m)))
			continue;
		metric_programs(p->fn, m, mp);
		for (int i = 0; i < 2; i++) {
			struct bpf_link *l;

			if (src == SOURCE_FENTRY)
				l = bpf_program__attach(mp[i]);
			else
				l = bpf_program__attach_kprobe(mp[2 + i], i == 1,
							       p->plan.func[m].target);
			if (!l) {
				*e = errno;
				snprintf(why, len, "attach to %s: %s", p->plan.func[m].target,
					 bpf_log_last());
				return -*e;
			}
			p->links[nl++] = l;
		}
	}
	return 0;
}

static void funcs_close(struct probes *p)
{
	for (size_t i = 0; i < FUNC_METRIC_MAX * 2; i++) {
		bpf_link__destroy(p->links[i]);
		p->links[i] = NULL;
	}
	funcs_bpf__destroy(p->fn);
	p->fn = NULL;
}

/* Tries one source for every metric that has a target; fills the plan either way. */
static int open_funcs_with(struct probes *p, enum probe_source src)
{
	unsigned want = 0;
	char why[300] = "";
	int e = 0;

	for (int m = 0; m < FUNC_METRIC_MAX; m++)
		if (p->plan.func[m].target[0])
			want |= 1u << m;
	if (!want)
		return -ENOENT;
	p->fn = funcs_load(p, src, want, &e, why, sizeof(why));
	if (p->fn && funcs_attach(p, src, &want, &e, why, sizeof(why)) == 0) {
		for (int m = 0; m < FUNC_METRIC_MAX; m++)
			if (want & (1u << m))
				p->plan.func[m].source = src;
		return 0;
	}
	funcs_close(p);
	for (int m = 0; m < FUNC_METRIC_MAX; m++) {
		struct func_plan *f = &p->plan.func[m];
		size_t used = strlen(f->why);

		if (!(want & (1u << m)))
			continue;
		f->err = e;
		snprintf(f->why + used, sizeof(f->why) - used, "%s%s %s", used ? "; " : "",
			 probe_source_name(src), errno_name(e));
		used = strlen(f->detail);
		snprintf(f->detail + used, sizeof(f->detail) - used, "%s%s: %s", used ? "; " : "",
			 probe_source_name(src), why);
	}
	return -e;
}

static int open_funcs(struct probes *p, struct bb_error *err)
{
	enum probe_mode mode = p->plan.mode;
	int e;

	resolve_targets(&p->plan);
	if (mode == PROBE_MODE_TRACEPOINT)
		return 0;
	if (mode == PROBE_MODE_AUTO || mode == PROBE_MODE_FENTRY) {
		e = open_funcs_with(p, SOURCE_FENTRY);
		if (!e || mode == PROBE_MODE_FENTRY)
			goto done;
	}
	e = open_funcs_with(p, SOURCE_KPROBE);
done:
	if (e && mode != PROBE_MODE_AUTO)
		return bb_err(err, -e,
			      "--probe-mode %s: the kernel refuses %s programs: %s (%s); use "
			      "--probe-mode auto (syscall-level timing where functions cannot be "
			      "probed) or tracepoint",
			      probe_mode_name(mode), probe_mode_name(mode), errno_name(-e),
			      p->plan.func[FUNC_COPY_UP].detail);
	return 0;
}

/* ---- the session ---- */

static int on_event(void *ctx, void *data, size_t size)
{
	struct probes *p = ctx;

	if (size < sizeof(struct event))
		return 0;
	if (p->n_ev == p->cap_ev) {
		size_t cap = p->cap_ev ? p->cap_ev * 2 : 4096;
		struct event *grown = realloc(p->ev, cap * sizeof(*grown));

		if (!grown) {
			p->lost++;
			return 0;
		}
		p->ev = grown;
		p->cap_ev = cap;
	}
	memcpy(&p->ev[p->n_ev++], data, sizeof(struct event));
	return 0;
}

int probes_open(struct probes *p, enum probe_mode mode, pid_t pid, struct bb_error *err)
{
	int e;

	memset(p, 0, sizeof(*p));
	p->plan.mode = mode;
	if (mode == PROBE_MODE_OFF) {
		for (int m = 0; m < FUNC_METRIC_MAX; m++)
			snprintf(p->plan.func[m].why, sizeof(p->plan.func[m].why), "probes off");
		return 0;
	}
	bpf_log_capture();
	if ((e = open_syscalls(p, err)))
		goto fail;
	if ((e = open_funcs(p, err)))
		goto fail;
	p->rb = ring_buffer__new(bpf_map__fd(p->sys->maps.events), on_event, p, NULL);
	if (!p->rb) {
		e = bb_err(err, errno, "cannot read the probes' ring buffer: %s",
			   errno_name(errno));
		goto fail;
	}
	if ((e = probes_track(p, pid, err)))
		goto fail;
	return 0;
fail:
	probes_close(p);
	return e;
}

int probes_pause(struct probes *p)
{
	if (!p->sys || p->paused)
		return 0;
	for (size_t i = 0; i < SYSCALL_PROGS; i++) {
		bpf_link__destroy(p->sys_links[i]);
		p->sys_links[i] = NULL;
	}
	for (size_t i = 0; i < FUNC_METRIC_MAX * 2; i++) {
		bpf_link__destroy(p->links[i]);
		p->links[i] = NULL;
	}
	p->paused = true;
	return 0;
}

int probes_resume(struct probes *p, struct bb_error *err)
{
	struct bpf_program *progs[SYSCALL_PROGS];
	unsigned want = 0;
	char why[300];
	size_t n;
	int e = 0;

	if (!p->sys || !p->paused)
		return 0;
	syscall_programs(p->sys, p->plan.syscall_kind, progs, &n);
	for (size_t i = 0; i < n; i++) {
		p->sys_links[i] = bpf_program__attach(progs[i]);
		if (!p->sys_links[i])
			return bb_err(err, errno, "cannot re-attach %s: %s",
				      bpf_program__name(progs[i]), errno_name(errno));
	}
	for (int m = 0; m < FUNC_METRIC_MAX; m++)
		if (p->plan.func[m].source != SOURCE_NONE)
			want |= 1u << m;
	if (p->fn && want &&
	    funcs_attach(p,
			 p->plan.func[FUNC_COPY_UP].source != SOURCE_NONE
				 ? p->plan.func[FUNC_COPY_UP].source
				 : p->plan.func[FUNC_LOOKUP].source,
			 &want, &e, why, sizeof(why)) < 0)
		return bb_err(err, e, "cannot re-attach the function-level probes: %s", why);
	p->paused = false;
	return 0;
}

int probes_track(struct probes *p, pid_t pid, struct bb_error *err)
{
	__u32 key = (__u32)pid;
	__u8 one = 1;

	if (!p->sys)
		return 0;
	if (bpf_map__update_elem(p->sys->maps.tracked, &key, sizeof(key), &one, sizeof(one),
				 BPF_ANY))
		return bb_err(err, errno, "cannot track pid %d: %s", (int)pid, errno_name(errno));
	return 0;
}

int probes_drain(struct probes *p)
{
	return p->rb ? ring_buffer__consume(p->rb) : 0;
}

void probes_reset(struct probes *p)
{
	p->n_ev = 0;
	p->lost = 0;
}

static void sum_events(const struct probes *p, __u32 kind, int id, pid_t tid, unsigned long long t0,
		       unsigned long long t1, struct kernel_time *out)
{
	out->ns = 0;
	out->calls = 0;
	for (size_t i = 0; i < p->n_ev; i++) {
		const struct event *e = &p->ev[i];

		if (e->kind != kind || e->tid != (__u32)tid || (id >= 0 && e->id != (__u32)id))
			continue;
		if (e->start_ns < t0 || e->end_ns > t1)
			continue;
		out->ns += e->end_ns - e->start_ns;
		out->calls++;
	}
}

void probes_kernel_time(const struct probes *p, pid_t tid, unsigned long long t0,
			unsigned long long t1, struct kernel_time *out)
{
	sum_events(p, EV_SYSCALL, -1, tid, t0, t1, out);
}

void probes_func_time(const struct probes *p, pid_t tid, enum func_metric m, unsigned long long t0,
		      unsigned long long t1, struct kernel_time *out)
{
	sum_events(p, EV_FUNC, (int)m, tid, t0, t1, out);
}

void probes_span_kernel(const struct probes *p, pid_t tid, int metric, unsigned long long t0,
			unsigned long long t1, struct span_kernel *k)
{
	struct kernel_time kt;

	memset(k, 0, sizeof(*k));
	if (!probes_active(p) || !t0 || t1 < t0)
		return;
	probes_kernel_time(p, tid, t0, t1, &kt);
	k->has_kernel = true;
	k->kernel_ns = kt.ns;
	k->calls = kt.calls;
	if (metric < 0 || p->plan.func[metric].source == SOURCE_NONE)
		return;
	probes_func_time(p, tid, metric, t0, t1, &kt);
	k->has_func = true;
	k->func_ns = kt.ns;
	k->func = p->plan.func[metric].target;
}

bool probes_active(const struct probes *p)
{
	return p && p->sys;
}

void probes_close(struct probes *p)
{
	ring_buffer__free(p->rb);
	p->rb = NULL;
	funcs_close(p);
	for (size_t i = 0; i < SYSCALL_PROGS; i++) {
		bpf_link__destroy(p->sys_links[i]);
		p->sys_links[i] = NULL;
	}
	syscalls_bpf__destroy(p->sys);
	p->sys = NULL;
	free(p->ev);
	p->ev = NULL;
	p->n_ev = p->cap_ev = 0;
}
