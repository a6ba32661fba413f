/* boxbench start: one real container on a synthetic layer stack, with every phase of its
 * start timed and the agent's operations reported: where did this start's time go? */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builtin.h"
#include "harness/container.h"
#include "probes/feature_probe.h"
#include "storage/driver.h"
#include "storage/layer_stack.h"
#include "common/parse.h"
#include "probes/probes.h"
#include "harness/session.h"
#include "common/stop.h"

static const char start_help[] =
	"usage: boxbench start [options] [--] [OP...]\n"
	"\n"
	"Starts one real container the way runtimes do (clone3 with namespaces, cgroup limits,\n"
	"overlay root, pivot_root, execve) on a synthetic layer stack, runs the agent's\n"
	"operations inside it, and prints how long each phase of the start took.\n"
	"\n"
	"stack:\n"
	"  --depth N            lower layers, 1..500 (default 8); past what mount(2) takes,\n"
	"                       use --mount-api=fsconfig\n"
	"  --files N            files each layer adds (default 16)\n"
	"  --whiteout FORM      chardev (0/0 device, default) or xattr (6.7+)\n"
	"  --seed N             the stack's seed (default 1)\n"
	"  --cache-dir DIR      where built stacks are kept (default " SESSION_DEFAULT_CACHE_DIR
	")\n"
	"  --work-dir DIR       where the run's dir goes (default " SESSION_DEFAULT_WORK_ROOT ")\n"
	"root file system:\n"
	"  --driver NAME        the storage driver (default overlay): overlay, fuse-overlayfs,\n"
	"                       vfs, btrfs, composefs, overlay-idmap; 'boxbench doctor' says\n"
	"                       which work here\n"
	"  --mount-api API      mount (mount(2), default) or fsconfig (fsopen/fsconfig lowerdir+)\n"
	"  --overlay-opt LIST   redirect_dir,metacopy,index,xino,volatile\n"
	"container:\n"
	"  --ns LIST            namespaces: mnt,uts,ipc,net,pid,cgroup,time,user or all\n"
	"                       (default all: every one but user); with user, root inside is\n"
	"                       mapped to --uid-base outside and the overlay uses userxattr;\n"
	"                       user needs pid as well (the kernel mounts /proc for root of\n"
	"                       a user namespace only in a pid namespace it owns)\n"
	"  --uid-base N         first host uid/gid of the user namespace's map (default 100000)\n"
	"  --memory-max SIZE    memory limit (default 256M; 0: none)\n"
	"  --pids-max N         process limit (default 512; 0: none)\n"
	"  --cpu-max US[/US]    CPU quota per period in microseconds (default: none)\n"
	"  --no-cgroup          no cgroup at all\n"
	"probes:\n"
	"  --probe-mode MODE    auto (default): syscall time in the kernel (kernel_ns) for every\n"
	"                       phase and operation, plus the kernel function's own time\n"
	"                       (func_ns) where fentry or kprobes work; tracepoint: syscalls\n"
	"                       only; fentry or kprobe: insist on that function-level source\n"
	"                       (fails where the kernel refuses it); off: no BPF at all\n"
	"output:\n"
	"  --json               one JSON object instead of the table\n"
	"  -h, --help           this text\n"
	"\n"
	"OP (run in order by the agent, default: pid hostname rootfs stat:/probe/found-bottom):\n"
	"  stat:PATH open-w:PATH truncate:PATH chmod:PATH readdir:PATH exec alloc:SIZE fork:N\n"
	"  hostname rootfs pid uid mntns sleep:MS\n"
	"  The stack plants probe/found-top, probe/found-bottom, probe/wh-top, probe/wh-bottom,\n"
	"  probe/opq/hidden, probe/opq/visible, probe/absent and a merged dir shared/.\n"
	"\n"
	"Ctrl-C, SIGTERM or SIGHUP kill the container and remove everything start made.\n"
	"\n"
	"exit status: 0 the container ran (even if its agent was killed: see the report),\n"
	"1 it could not be started, 2 usage error, 130, 143 or 129 stopped by SIGINT,\n"
	"SIGTERM or SIGHUP. Needs root.\n";

struct start_opts {
	struct layer_stack_params stack;
	struct driver_config driver;
	struct container_spec spec;
	struct session_options session;
	enum probe_mode probe_mode;
	bool json;
};

static int parse_overlay_opts(const char *s, struct ovl_options *o, struct bb_error *err)
{
	char buf[256], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", s);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (!strcmp(t, "redirect_dir"))
			o->redirect_dir = true;
		else if (!strcmp(t, "metacopy"))
			o->metacopy = true;
		else if (!strcmp(t, "index"))
			o->index = true;
		else if (!strcmp(t, "xino"))
			o->xino = true;
		else if (!strcmp(t, "volatile"))
			o->volatile_mount = true;
		else
			return bb_err(err, EINVAL,
				      "--overlay-opt: unknown option '%s'; choose from "
				      "redirect_dir, metacopy, index, xino, volatile",
				      t);
	}
	return 0;
}

static int parse_cpu_max(const char *s, struct cgroup_limits *lim, struct bb_error *err)
{
	char quota[32];
	const char *slash = strchr(s, '/');
	unsigned long long v;
	int e;

	snprintf(quota, sizeof(quota), "%.*s", slash ? (int)(slash - s) : (int)strlen(s), s);
	if ((e = parse_uint(quota, "--cpu-max quota", 1000, 1000000000ULL, &v, err)))
		return e;
	lim->cpu_quota_us = v;
	if (slash) {
		if ((e = parse_uint(slash + 1, "--cpu-max period", 1000, 1000000, &v, err)))
			return e;
		lim->cpu_period_us = v;
	}
	return 0;
}

enum {
	OPT_DEPTH = 256,
	OPT_FILES,
	OPT_DRIVER,
	OPT_WHITEOUT,
	OPT_SEED,
	OPT_CACHE,
	OPT_WORK,
	OPT_API,
	OPT_OVL,
	OPT_NS,
	OPT_UID,
	OPT_MEM,
	OPT_PIDS,
	OPT_CPU,
	OPT_NOCG,
	OPT_JSON,
	OPT_PROBE,
};

static int parse_args(int argc, char **argv, struct start_opts *o, struct bb_error *err)
{
	static const struct option options[] = {
		{ "depth", required_argument, NULL, OPT_DEPTH },
		{ "files", required_argument, NULL, OPT_FILES },
		{ "whiteout", required_argument, NULL, OPT_WHITEOUT },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "cache-dir", required_argument, NULL, OPT_CACHE },
		{ "work-dir", required_argument, NULL, OPT_WORK },
		{ "driver", required_argument, NULL, OPT_DRIVER },
		{ "mount-api", required_argument, NULL, OPT_API },
		{ "overlay-opt", required_argument, NULL, OPT_OVL },
		{ "ns", required_argument, NULL, OPT_NS },
		{ "uid-base", required_argument, NULL, OPT_UID },
		{ "memory-max", required_argument, NULL, OPT_MEM },
		{ "pids-max", required_argument, NULL, OPT_PIDS },
		{ "cpu-max", required_argument, NULL, OPT_CPU },
		{ "no-cgroup", no_argument, NULL, OPT_NOCG },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "probe-mode", required_argument, NULL, OPT_PROBE },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	unsigned long long v;
	bool no_cgroup = false;
	int opt, e = 0;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:h", options, NULL)) != -1 && !e) {
		switch (opt) {
		case OPT_DEPTH:
			/* The stack checks the range with the kernel's reason in its message. */
			e = parse_uint(optarg, "--depth", 0, 100000, &v, err);
			o->stack.depth = (unsigned)v;
			if (!e)
				e = layer_stack_params_check(&o->stack, err);
			break;
		case OPT_FILES:
			e = parse_uint(optarg, "--files", 0, 100000, &v, err);
			o->stack.files_per_layer = (unsigned)v;
			break;
		case OPT_WHITEOUT:
			if (!strcmp(optarg, "chardev"))
				o->stack.whiteout_form = WHITEOUT_CHARDEV;
			else if (!strcmp(optarg, "xattr"))
				o->stack.whiteout_form = WHITEOUT_XATTR;
			else
				e = bb_err(err, EINVAL,
					   "--whiteout: '%s' is neither chardev nor xattr", optarg);
			break;
		case OPT_SEED:
			e = parse_uint(optarg, "--seed", 0, ~0ULL, &o->stack.seed, err);
			break;
		case OPT_CACHE:
			o->session.cache_dir = optarg;
			break;
		case OPT_WORK:
			o->session.work_root = optarg;
			break;
		case OPT_DRIVER: {
			const struct storage_driver *d[1];

			e = driver_list_parse(optarg, d, 1, err);
			if (e == 1) {
				o->driver.driver = d[0];
				e = 0;
			}
			break;
		}
		case OPT_API:
			e = mount_api_parse(optarg, &o->driver.api, err);
			break;
		case OPT_OVL:
			e = parse_overlay_opts(optarg, &o->driver.ovl, err);
			break;
		case OPT_NS:
			e = parse_namespaces(optarg, &o->spec.namespaces, &o->spec.userns, err);
			break;
		case OPT_UID:
			e = parse_uint(optarg, "--uid-base", 1, 0xffffffffULL - 65536, &v, err);
			o->spec.uid_base = (uid_t)v;
			break;
		case OPT_MEM:
			e = parse_size(optarg, "--memory-max", &v, err);
			o->spec.limits.memory_max = v;
			break;
		case OPT_PIDS:
			e = parse_uint(optarg, "--pids-max", 0, 4194304, &v, err);
			o->spec.limits.pids_max = v;
			break;
		case OPT_CPU:
			e = parse_cpu_max(optarg, &o->spec.limits, err);
			break;
		case OPT_NOCG:
			no_cgroup = true;
			break;
		case OPT_JSON:
			o->json = true;
			break;
		case OPT_PROBE:
			e = probe_mode_parse(optarg, &o->probe_mode, err);
			break;
		case 'h':
			return 1;
		default:
			e = usage_option_error(opt, argv, err);
		}
	}
	if (e)
		return e;
	if (!no_cgroup) {
		const struct cgroup_limits *l = &o->spec.limits;

		o->session.cgroups = true;
		o->session.cgroup_want = (l->memory_max ? CGROUP_WANT(CGROUP_MEMORY) : 0) |
					 (l->pids_max ? CGROUP_WANT(CGROUP_PIDS) : 0) |
					 (l->cpu_quota_us ? CGROUP_WANT(CGROUP_CPU) : 0);
	}
	if (o->spec.userns) {
		/* Overlay in a user namespace reads user.overlay.* xattrs only. */
		o->driver.ovl.userxattr = true;
		o->stack.userxattr = true;
	}
	return 0;
}

static double us(const struct phase_span *p)
{
	return p->end > p->start ? (double)(p->end - p->start) / 1000.0 : 0;
}

static unsigned long long start_to_exec(const struct container_result *r)
{
	const struct phase_span *c = &r->phase[PHASE_CLONE], *x = &r->phase[PHASE_EXEC];

	return x->end > c->start && c->start ? x->end - c->start : 0;
}

static const char *fate(const struct container_result *r, char *buf, size_t len)
{
	if (r->oom_killed)
		snprintf(buf, len, "was killed by the OOM killer (memory limit reached)");
	else if (r->term_signal)
		snprintf(buf, len, "was killed by signal %d", r->term_signal);
	else
		snprintf(buf, len, "exited with status %d", r->exit_status);
	return buf;
}

static void print_span(const char *name, double wall_us, const struct span_kernel *k)
{
	printf("  %-14s %11.1f", name, wall_us);
	if (k->has_kernel)
		printf(" %11.1f", k->kernel_ns / 1000.0);
	else
		printf(" %11s", "-");
	if (k->has_func)
		printf(" %11.1f  %s", k->func_ns / 1000.0, k->func);
	printf("\n");
}

static void print_probe_plan(const struct probes *p)
{
	const struct probe_plan *plan = &p->plan;
	bool any = false;

	if (plan->mode == PROBE_MODE_OFF) {
		printf("\n  probes off: wall-clock times only\n");
		return;
	}
	printf("\n  probes: syscalls via %s (%s)", probe_source_name(plan->syscalls),
	       attach_kind_name(plan->syscall_kind));
	for (int m = 0; m < FUNC_METRIC_MAX; m++)
		any |= plan->func[m].source != SOURCE_NONE;
	if (any)
		printf("; functions via %s\n",
		       probe_source_name(plan->func[FUNC_COPY_UP].source != SOURCE_NONE
						 ? plan->func[FUNC_COPY_UP].source
						 : plan->func[FUNC_LOOKUP].source));
	else
		printf("; no function-level probes here (%s): kernel time is syscall time\n",
		       plan->func[FUNC_COPY_UP].why);
}

static void print_text(const struct start_opts *o, const struct layer_stack *s,
		       const struct container_result *r, const struct probes *p)
{
	struct span_kernel none = { 0 };
	char drv[200], ns[128], buf[128];

	o->driver.driver->describe(&o->driver, drv, sizeof(drv));
	namespaces_describe(o->spec.namespaces | CLONE_NEWNS, o->spec.userns, ns, sizeof(ns));
	printf("container on a depth-%u stack (%s), namespaces %s%s\n", s->params.depth, drv, ns,
	       r->into_cgroup ? ", placed by CLONE_INTO_CGROUP" : "");
	printf("\n  %-14s %11s %11s %11s\n", "phase", "wall µs", "kernel µs", "func µs");
	for (int ph = 0; ph < PHASE_MAX; ph++)
		if (r->phase[ph].start)
			print_span(phase_name(ph), us(&r->phase[ph]), &r->kphase[ph]);
	print_span("start→exec", start_to_exec(r) / 1000.0, &none);
	if (r->n_ops) {
		printf("\n  %-14s %11s %11s %11s  %s\n", "operation", "wall µs", "kernel µs",
		       "func µs", "");
		for (size_t i = 0; i < r->n_ops; i++) {
			const struct agent_op *op = &r->ops[i];
			char label[48];

			snprintf(label, sizeof(label), "%s%s%s", op->name, op->rc ? " " : "",
				 op->rc ? errno_name(op->err) : "");
			print_span(label, (double)(op->end - op->start) / 1000.0, &op->k);
		}
	}
	print_probe_plan(p);
	if (r->hostname[0] || r->rootfs_type[0])
		printf("  inside: hostname '%s', / is %s\n", r->hostname,
		       r->rootfs_type[0] ? r->rootfs_type : "?");
	printf("  the agent %s\n", fate(r, buf, sizeof(buf)));
}

static void kernel_json(json_t *obj, const struct span_kernel *k)
{
	if (k->has_kernel) {
		json_object_set_new(obj, "kernel_ns", json_integer((json_int_t)k->kernel_ns));
		json_object_set_new(obj, "syscalls", json_integer(k->calls));
	}
	if (k->has_func) {
		json_object_set_new(obj, "func_ns", json_integer((json_int_t)k->func_ns));
		json_object_set_new(obj, "func", json_string(k->func));
	}
}

/* The distinct values of one field over the agent's own events (after its exec): the cgroup
 * and mount namespace the kernel saw it in. */
static json_t *agent_event_values(const struct probes *p, const struct container_result *r,
				  bool mntns)
{
	json_t *values = json_array();

	for (size_t i = 0; i < p->n_ev; i++) {
		const struct event *e = &p->ev[i];
		unsigned long long v = mntns ? e->mntns : e->cgroup_id;
		bool seen = false;

		if (e->pid != (__u32)r->pid || e->start_ns < r->phase[PHASE_EXEC].end)
			continue;
		for (size_t j = 0; j < json_array_size(values) && !seen; j++)
			seen = (unsigned long long)json_integer_value(json_array_get(values, j)) ==
			       v;
		if (!seen)
			json_array_append_new(values, json_integer((json_int_t)v));
	}
	return values;
}

static json_t *probe_json(const struct probes *p, const struct container_result *r)
{
	json_t *root = json_object(), *funcs = json_object(), *pids = json_array();

	json_object_set_new(root, "mode", json_string(probe_mode_name(p->plan.mode)));
	json_object_set_new(root, "syscalls", json_string(probe_source_name(p->plan.syscalls)));
	if (p->plan.syscalls != SOURCE_NONE)
		json_object_set_new(root, "syscall_attach",
				    json_string(attach_kind_name(p->plan.syscall_kind)));
	for (int m = 0; m < FUNC_METRIC_MAX; m++) {
		const struct func_plan *f = &p->plan.func[m];

		json_object_set_new(funcs, func_metric_name(m),
				    json_pack("{s:s,s:s?,s:s?,s:s,s:s}", "source",
					      probe_source_name(f->source), "target",
					      f->target[0] ? f->target : NULL, "errno",
					      f->err ? errno_name(f->err) : NULL, "why", f->why,
					      "detail", f->detail));
	}
	json_object_set_new(root, "functions", funcs);
	json_object_set_new(root, "events", json_integer((json_int_t)p->n_ev));
	for (size_t i = 0; i < p->n_ev; i++) {
		bool seen = false;

		for (size_t j = 0; j < json_array_size(pids) && !seen; j++)
			seen = json_integer_value(json_array_get(pids, j)) == p->ev[i].pid;
		if (!seen)
			json_array_append_new(pids, json_integer(p->ev[i].pid));
	}
	json_object_set_new(root, "pids", pids);
	json_object_set_new(root, "agent_cgroup_ids", agent_event_values(p, r, false));
	json_object_set_new(root, "agent_mntns", agent_event_values(p, r, true));
	return root;
}

static void print_json(const struct start_opts *o, const struct layer_stack *s,
		       const struct container_result *r, const struct probes *p)
{
	json_t *root = json_object(), *phases = json_object(), *ops = json_array();
	char drv[200], ns[128];

	o->driver.driver->describe(&o->driver, drv, sizeof(drv));
	namespaces_describe(o->spec.namespaces | CLONE_NEWNS, o->spec.userns, ns, sizeof(ns));
	json_object_set_new(root, "depth", json_integer(s->params.depth));
	json_object_set_new(root, "stack_key", json_string(s->key));
	json_object_set_new(root, "driver", json_string(drv));
	json_object_set_new(root, "namespaces", json_string(ns));
	json_object_set_new(root, "into_cgroup", json_boolean(r->into_cgroup));
	for (int i = 0; i < PHASE_MAX; i++) {
		const struct phase_span *ph = &r->phase[i];

		if (!ph->start)
			continue;
		json_t *obj =
			json_pack("{s:I,s:I,s:I}", "start_ns", (json_int_t)ph->start, "end_ns",
				  (json_int_t)ph->end, "duration_ns",
				  (json_int_t)(ph->end > ph->start ? ph->end - ph->start : 0));

		kernel_json(obj, &r->kphase[i]);
		json_object_set_new(phases, phase_name(i), obj);
	}
	json_object_set_new(root, "phases", phases);
	json_object_set_new(root, "start_to_exec_ns", json_integer((json_int_t)start_to_exec(r)));
	for (size_t i = 0; i < r->n_ops; i++) {
		const struct agent_op *op = &r->ops[i];

		json_t *obj = json_pack("{s:s,s:b,s:s?,s:I,s:I}", "op", op->name, "ok", op->rc == 0,
					"errno", op->rc ? errno_name(op->err) : NULL, "duration_ns",
					(json_int_t)(op->end - op->start), "value",
					(json_int_t)op->value);

		kernel_json(obj, &op->k);
		json_array_append_new(ops, obj);
	}
	json_object_set_new(root, "ops", ops);
	json_object_set_new(root, "hostname", json_string(r->hostname));
	json_object_set_new(root, "rootfs_type", json_string(r->rootfs_type));
	json_object_set_new(root, "exit_status", json_integer(r->exit_status));
	json_object_set_new(root, "term_signal", json_integer(r->term_signal));
	json_object_set_new(root, "oom_killed", json_boolean(r->oom_killed));
	json_object_set_new(root, "container_pid", json_integer(r->pid));
	json_object_set_new(root, "cgroup_id", json_integer((json_int_t)r->cgroup_id));
	json_object_set_new(root, "probe", probe_json(p, r));
	json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	json_decref(root);
}

int cmd_start(int argc, char **argv)
{
	static char *default_ops[] = { "pid", "hostname", "rootfs", "stat:/probe/found-bottom",
				       NULL };
	struct start_opts o = { 0 };
	struct container_result res = { 0 };
	struct layer_stack stack = { 0 };
	struct driver_image image = { 0 };
	bool have_image = false;
	struct session session = { 0 };
	struct probes probes = { 0 };
	struct bb_error err = { 0 };
	char dir[400];
	int e, status = 1;

	layer_stack_params_default(&o.stack);
	o.driver.driver = &driver_overlay;
	parse_namespaces("all", &o.spec.namespaces, &o.spec.userns, NULL);
	o.spec.uid_base = 100000;
	o.probe_mode = PROBE_MODE_AUTO;
	o.spec.limits.memory_max = 256ULL << 20;
	o.spec.limits.pids_max = 512;

	e = parse_args(argc, argv, &o, &err);
	if (e == 1) {
		fputs(start_help, stdout);
		return 0;
	}
	if (!e)
		e = container_spec_check(&o.spec, &err);
	if (e)
		return usage_error("start", "%s", err.msg);
	o.spec.ops = optind < argc ? argv + optind : default_ops;
	if (require_root("start", "it creates namespaces, cgroups and overlay mounts"))
		return 1;

	if ((e = stop_signals_catch())) {
		bb_err(&err, -e, "cannot catch SIGINT and SIGTERM: %s", errno_name(-e));
		goto fail;
	}
	if ((e = session_open(&session, &o.session, &err)))
		goto fail;
	if ((e = layer_stack_build(&stack, &o.stack, session.cache_dir, &err)) || stop_requested())
		goto fail;
	o.driver.store_dir = session.workdir;
	if ((e = o.driver.driver->available(&o.driver, &err)) ||
	    (e = o.driver.driver->image_open(&o.driver, &stack, &image, &err)))
		goto fail;
	have_image = true;
	/* After the stack: building it makes thousands of syscalls nobody asked to see. */
	if ((e = probes_open(&probes, o.probe_mode, getpid(), &err)))
		goto fail;
	snprintf(dir, sizeof(dir), "%s/c0", session.workdir);
	o.spec.driver = &o.driver;
	o.spec.image = &image;
	o.spec.dir = dir;
	o.spec.cgroups = session.have_cgroups ? &session.cgroups : NULL;
	o.spec.name = "c0";
	o.spec.agent_fd = session.agent_fd;
	if ((e = container_run(&o.spec, &res, &err)))
		goto fail;
	probes_drain(&probes);
	container_annotate(&probes, getpid(), &res);
	if (res.child_error[0]) {
		bb_err(&err, EIO, "the container failed before its agent ran: %s", res.child_error);
		goto fail;
	}
	if (o.json)
		print_json(&o, &stack, &res, &probes);
	else
		print_text(&o, &stack, &res, &probes);
	status = 0;
	goto out;
fail:
	if (stop_requested()) {
		/* Whatever failed, the signal did it: say that, not its EINTR. */
		fprintf(stderr, "boxbench start: stopped by %s; what start made is removed\n",
			stop_signal_name());
		status = stop_exit_status();
	} else {
		fprintf(stderr, "boxbench start: %s\n", err.msg);
	}
out:
	probes_close(&probes);
	container_result_free(&res);
	if (have_image)
		o.driver.driver->image_close(&o.driver, &image);
	layer_stack_free(&stack);
	if (session_close(&session, &err) && status == 0) {
		fprintf(stderr, "boxbench start: %s\n", err.msg);
		status = 1;
	}
	return status;
}
