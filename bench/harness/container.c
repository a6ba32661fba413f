/* Starting one container and timing its phases: see container.h. */
#include "container.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent/protocol.h"
#include "common/fsutil.h"
#include "storage/init_layer.h"
#include "common/stop.h"
#include "common/sys.h"

#define CHILD_FAILED 125
#define ID_MAP_RANGE 65536

static const char *const phase_names[PHASE_MAX] = {
	[PHASE_PREPARE] = "prepare",   [PHASE_INIT] = "init",	      [PHASE_CGROUP] = "cgroup",
	[PHASE_CLONE] = "clone",       [PHASE_IDMAP] = "idmap",	      [PHASE_ATTACH] = "attach",
	[PHASE_MOUNT] = "mount",       [PHASE_PROC] = "proc",	      [PHASE_PIVOT] = "pivot_root",
	[PHASE_EXEC] = "exec",	       [PHASE_FIRST_OP] = "first_op", [PHASE_EXIT] = "exit",
	[PHASE_TEARDOWN] = "teardown",
};

const char *phase_name(enum phase p)
{
	return p < PHASE_MAX ? phase_names[p] : "unknown";
}

int container_open_agent(struct bb_error *err)
{
	char self[PATH_MAX], path[PATH_MAX + 32];
	const char *env = getenv("BOXBENCH_AGENT");
	ssize_t n;
	int fd;

	if (env && *env) {
		fd = open(env, O_RDONLY);
		if (fd < 0)
			return bb_err(err, errno,
				      "cannot open the agent %s (from BOXBENCH_AGENT): %s", env,
				      errno_name(errno));
		return fd;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return bb_err(
			err, n < 0 ? errno : ENOENT,
			"cannot find boxbench-agent: /proc/self/exe does not say where boxbench "
			"is (%s; is /proc mounted?); point BOXBENCH_AGENT at the agent",
			errno_name(n < 0 ? errno : ENOENT));
	self[n] = '\0';
	*strrchr(self, '/') = '\0';
	snprintf(path, sizeof(path), "%s/boxbench-agent", self);
	/* No O_CLOEXEC: the agent's exec op re-executes itself through this fd. */
	fd = open(path, O_RDONLY);
	if (fd >= 0)
		return fd;
	snprintf(path, sizeof(path), "%s/../lib/boxbench/boxbench-agent", self);
	fd = open(path, O_RDONLY);
	if (fd >= 0)
		return fd;
	return bb_err(err, ENOENT,
		      "cannot find boxbench-agent in %s or %s/../lib/boxbench: build it with "
		      "'make' or point BOXBENCH_AGENT at it",
		      self, self);
}

int container_spec_check(const struct container_spec *spec, struct bb_error *err)
{
	/* proc's superblock belongs to the user namespace that owns the mounter's pid namespace,
	 * and only a CAP_SYS_ADMIN there may mount it: root of a new user namespace is that only
	 * for a pid namespace made with it, never for the host's. */
	if (spec->userns && !(spec->namespaces & CLONE_NEWPID))
		return bb_err(
			err, EINVAL,
			"a user namespace needs a pid namespace of its own here: the "
			"container mounts /proc, and the kernel lets root of a user namespace "
			"mount proc only for a pid namespace that user namespace owns (the "
			"host's belongs to the initial one, so the mount fails with EPERM); "
			"add pid: --ns user,pid");
	return 0;
}

/* ---- the child, between clone3() and execve() ---------------------------------------- */

struct child_ctx {
	const struct container_spec *spec;
	struct rootfs *rfs;
	int report_fd, sync_fd;
};

static void child_say(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void child_say(int fd, const char *fmt, ...)
{
	char line[AGENT_LINE_MAX * 3];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > 0)
		(void)!write(fd, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

static void child_phase(int fd, enum phase p, unsigned long long start)
{
	child_say(fd, "phase %s %llu %llu\n", phase_name(p), start, clock_ns());
}

static __attribute__((noreturn)) void child_fail(int fd, int e, const char *msg)
{
	char clean[AGENT_LINE_MAX * 2];

	/* One line on the wire: newlines in a message would split it. */
	snprintf(clean, sizeof(clean), "%s", msg);
	for (char *p = clean; *p; p++)
		if (*p == '\n')
			*p = ' ';
	child_say(fd, "error %d %s\n", e, clean);
	_exit(CHILD_FAILED);
}

/* The sync pipe has no writer left: the harness is gone. */
static bool harness_gone(int sync_fd)
{
	struct pollfd p = { .fd = sync_fd, .events = POLLIN };

	return poll(&p, 1, 0) != 0 && (p.revents & (POLLHUP | POLLERR));
}

static __attribute__((noreturn)) void child_main(struct child_ctx *c)
{
	const struct container_spec *spec = c->spec;
	struct bb_error err = { 0 };
	char procdir[700], env_report[48], env_self[48], *envp[4], *argv[256];
	unsigned long long t;
	char go;
	int n = 0;

	/* Never outlive the harness: a killed run must leave no container behind. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (read(c->sync_fd, &go, 1) != 1)
		_exit(CHILD_FAILED); /* the harness gave up on us */

	if (spec->userns) {
		/* Become root of the new namespace (uid_base outside): files created in the
		 * upper layer then belong to a mapped uid. */
		if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0 || setgroups(0, NULL) < 0)
			child_fail(c->report_fd, errno, "cannot become root in the user namespace");
		/* A change of uid clears the parent-death signal: set it again, then check that
		 * the harness did not die in between (it holds the sync pipe's write end open
		 * until it has reaped us). */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (harness_gone(c->sync_fd))
			_exit(CHILD_FAILED);
	}
	close(c->sync_fd);

	t = clock_ns();
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		child_fail(c->report_fd, errno, "cannot make the container's mounts private");
	if (spec->driver->driver->mount(spec->driver, c->rfs, &err) < 0)
		child_fail(c->report_fd, err.code, err.msg);
	child_phase(c->report_fd, PHASE_MOUNT, t);

	/* /proc goes in before pivot_root: in a user namespace the kernel allows a new proc
	 * only while a fully visible one is still in the mount namespace. */
	t = clock_ns();
	snprintf(procdir, sizeof(procdir), "%s/proc", c->rfs->merged);
	if (mount("proc", procdir, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		child_fail(c->report_fd, errno, "cannot mount /proc in the container");
	child_phase(c->report_fd, PHASE_PROC, t);

	t = clock_ns();
	if (chdir(c->rfs->merged) < 0 || syscall(SYS_pivot_root, ".", ".") < 0 ||
	    umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
		child_fail(c->report_fd, errno, "cannot pivot_root into the container's root");
	child_phase(c->report_fd, PHASE_PIVOT, t);

	if (spec->namespaces & CLONE_NEWUTS) {
		const char *host = spec->hostname ? spec->hostname : "boxbench";

		if (sethostname(host, strlen(host)) < 0)
			child_fail(c->report_fd, errno, "cannot set the container's hostname");
	}

	snprintf(env_report, sizeof(env_report), "%s=%d", AGENT_FD_ENV, c->report_fd);
	snprintf(env_self, sizeof(env_self), "%s=%d", AGENT_SELF_FD_ENV, spec->agent_fd);
	envp[0] = env_report;
	envp[1] = env_self;
	envp[2] = "PATH=/";
	envp[3] = NULL;
	argv[n++] = "boxbench-agent";
	for (size_t i = 0; spec->ops && spec->ops[i] && n < 255; i++)
		argv[n++] = spec->ops[i];
	argv[n] = NULL;
	child_say(c->report_fd, "exec-start %llu\n", clock_ns());
	syscall(SYS_execveat, spec->agent_fd, "", argv, envp, AT_EMPTY_PATH);
	child_fail(c->report_fd, errno, "cannot execute the agent in the container");
}

/* ---- the harness's side ------------------------------------------------------------ */

static int write_id_maps(pid_t pid, uid_t base, struct bb_error *err)
{
	char path[64], map[64];
	int len = snprintf(map, sizeof(map), "0 %u %u\n", (unsigned)base, ID_MAP_RANGE);
	int e;

	snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
	if ((e = write_file(path, map, (size_t)len, err)))
		return bb_err_wrap(err, "cannot map the container's uids");
	snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)pid);
	if ((e = write_file(path, map, (size_t)len, err)))
		return bb_err_wrap(err, "cannot map the container's gids");
	return 0;
}

static int add_op(struct container_result *res, const char *line)
{
	struct agent_op op = { 0 }, *grown;

	if (sscanf(line, "op %23s %d %d %llu %llu %lld", op.name, &op.rc, &op.err, &op.start,
		   &op.end, &op.value) != 6)
		return 0; /* not ours to judge: an unparsable line is ignored */
	grown = realloc(res->ops, (res->n_ops + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	res->ops = grown;
	res->ops[res->n_ops++] = op;
	return 0;
}

static int parse_line(struct container_result *res, const char *line,
		      unsigned long long *agent_done)
{
	unsigned long long a, b;
	char word[32];
	int e;

	if (sscanf(line, "phase %31s %llu %llu", word, &a, &b) == 3) {
		for (int p = 0; p < PHASE_MAX; p++)
			if (!strcmp(word, phase_names[p]))
				res->phase[p] = (struct phase_span){ a, b };
	} else if (sscanf(line, "exec-start %llu", &a) == 1) {
		res->phase[PHASE_EXEC].start = a;
	} else if (sscanf(line, "start %llu", &a) == 1) {
		res->phase[PHASE_EXEC].end = a;
	} else if (sscanf(line, "done %llu", &a) == 1) {
		*agent_done = a;
	} else if (!strncmp(line, "op ", 3)) {
		return add_op(res, line);
	} else if (sscanf(line, "hostname %64s", res->hostname) == 1) {
	} else if (sscanf(line, "rootfs %31s", res->rootfs_type) == 1) {
	} else if (sscanf(line, "error %d %n", &e, &(int){ 0 }) >= 1) {
		const char *msg = strchr(line + 6, ' ');

		snprintf(res->child_error, sizeof(res->child_error), "%s (%s)", msg ? msg + 1 : "",
			 errno_name(e));
	}
	return 0;
}

/* Reads the child's and the agent's lines until the last of them closes the pipe, or a stop
 * is asked for (-EINTR): an agent told to sleep for an hour must not hold up a Ctrl-C. */
static int read_reports(int fd, struct container_result *res, unsigned long long *agent_done)
{
	struct pollfd p[2] = { { .fd = fd, .events = POLLIN },
			       { .fd = stop_fd(), .events = POLLIN } };
	char buf[8192];
	size_t used = 0;

	for (;;) {
		ssize_t n;
		char *line, *nl;

		if (stop_requested())
			return -EINTR;
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (!p[0].revents)
			continue;
		n = read(fd, buf + used, sizeof(buf) - 1 - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		used += (size_t)n;
		buf[used] = '\0';
		line = buf;
		while ((nl = strchr(line, '\n'))) {
			*nl = '\0';
			if (parse_line(res, line, agent_done) < 0)
				return -ENOMEM;
			line = nl + 1;
		}
		used = strlen(line);
		memmove(buf, line, used);
		if (used == sizeof(buf) - 1)
			used = 0; /* a line longer than the buffer is garbage: drop it */
	}
	return 0;
}

int container_run(const struct container_spec *spec, struct container_result *res,
		  struct bb_error *err)
{
	struct bb_clone_args args = { .exit_signal = SIGCHLD };
	int report[2] = { -1, -1 }, sync[2] = { -1, -1 }, status, e = 0, cgfd = -1;
	unsigned long long t, agent_done = 0;
	struct cgroup cg = { 0 };
	bool have_cg = false;
	struct rootfs rfs;
	pid_t pid = -1;

	memset(res, 0, sizeof(*res));
	memset(&rfs, 0, sizeof(rfs));
	if ((e = container_spec_check(spec, err)))
		return e;
	t = clock_ns();
	e = spec->driver->driver->prepare(spec->driver, spec->image, spec->dir,
					  spec->userns ? spec->uid_base : 0, &rfs, err);
	if (e) {
		bb_err_wrap(err, "cannot prepare the container's dirs in the work dir (free room "
				 "there or choose another --work-dir)");
		goto out;
	}
	res->phase[PHASE_PREPARE] = (struct phase_span){ t, clock_ns() };
	/* The per-container files and the mount points an image lacks, in its init layer. */
	t = clock_ns();
	e = init_layer_write(rfs.init, spec->hostname ? spec->hostname : "boxbench",
			     spec->userns ? spec->uid_base : 0, err);
	if (e)
		goto out;
	res->phase[PHASE_INIT] = (struct phase_span){ t, clock_ns() };

	if (spec->cgroups) {
		t = clock_ns();
		e = cgroup_create(&cg, spec->cgroups, spec->name, &spec->limits, err);
		if (e)
			goto out;
		have_cg = true;
		res->phase[PHASE_CGROUP] = (struct phase_span){ t, clock_ns() };
		cgfd = cgroup_v2_dirfd(&cg);
		res->cgroup_id = cgroup_v2_id(&cg);
	}

	/* The write end of report stays open across the agent's execve (it reports over it). */
	if (pipe(report) < 0 || pipe2(sync, O_CLOEXEC) < 0) {
		e = bb_err(err, errno, "cannot create the container's pipes: %s",
			   errno_name(errno));
		goto out;
	}
	fcntl(report[0], F_SETFD, FD_CLOEXEC);

	args.flags = spec->namespaces | CLONE_NEWNS | (spec->userns ? CLONE_NEWUSER : 0);
	if (cgfd >= 0) {
		args.flags |= CLONE_INTO_CGROUP;
		args.cgroup = (unsigned long long)cgfd;
	}
	t = clock_ns();
	pid = bb_clone3(&args, sizeof(args));
	if (pid == 0) {
		struct child_ctx c = { spec, &rfs, report[1], sync[0] };

		close(report[0]);
		close(sync[1]);
		child_main(&c);
	}
	if (pid < 0) {
		e = bb_err(err, errno,
			   "cannot start the container: clone3 with flags 0x%llx: %s (does this "
			   "kernel have every namespace asked for? see 'boxbench doctor')",
			   (unsigned long long)args.flags, errno_name(errno));
		goto out;
	}
	res->phase[PHASE_CLONE] = (struct phase_span){ t, clock_ns() };
	res->pid = pid;
	res->into_cgroup = cgfd >= 0;
	close(report[1]);
	report[1] = -1;
	close(sync[0]);
	sync[0] = -1;

	if (spec->userns) {
		t = clock_ns();
		if ((e = write_id_maps(pid, spec->uid_base, err)))
			goto kill;
		res->phase[PHASE_IDMAP] = (struct phase_span){ t, clock_ns() };
	}
	if (have_cg && !res->into_cgroup) {
		t = clock_ns();
		if ((e = cgroup_attach(&cg, pid, err)))
			goto kill;
		res->phase[PHASE_ATTACH] = (struct phase_span){ t, clock_ns() };
	}
	/* sync[1] stays open until the child is reaped: the child checks it (harness_gone). */
	if (write(sync[1], "g", 1) != 1) {
		e = bb_err(err, errno, "cannot release the container: %s", errno_name(errno));
		goto kill;
	}

	if ((e = read_reports(report[0], res, &agent_done)) < 0) {
		if (e == -EINTR)
			bb_err(err, EINTR, "stopped by %s while the container ran; it was killed",
			       stop_signal_name());
		else
			bb_err(err, -e, "cannot read the container's reports: %s", errno_name(-e));
		goto kill;
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	/* An agent that was killed never said "done": its exit phase starts at its last op. */
	if (!agent_done && res->n_ops)
		agent_done = res->ops[res->n_ops - 1].end;
	res->phase[PHASE_EXIT] = (struct phase_span){ agent_done, clock_ns() };
	pid = -1;
	if (WIFEXITED(status))
		res->exit_status = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		res->term_signal = WTERMSIG(status);
	if (res->n_ops)
		res->phase[PHASE_FIRST_OP] =
			(struct phase_span){ res->ops[0].start, res->ops[0].end };
	if (have_cg)
		cgroup_oom_killed(&cg, &res->oom_killed, NULL);
	goto teardown;

kill:
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	pid = -1;
teardown:
out:
	t = clock_ns();
	for (int i = 0; i < 2; i++) {
		if (report[i] >= 0)
			close(report[i]);
		if (sync[i] >= 0)
			close(sync[i]);
	}
	if (have_cg) {
		struct bb_error cerr = { 0 };

		if (cgroup_destroy(&cg, &cerr) < 0 && !e)
			e = bb_err(err, cerr.code, "%s", cerr.msg);
	}
	if (rfs.dir[0]) {
		struct bb_error rerr = { 0 };

		if (spec->driver->driver->release(spec->driver, &rfs, &rerr) < 0 && !e)
			e = bb_err(err, rerr.code, "%s", rerr.msg);
	}
	res->phase[PHASE_TEARDOWN] = (struct phase_span){ t, clock_ns() };
	return e;
}

void container_result_free(struct container_result *res)
{
	free(res->ops);
	res->ops = NULL;
	res->n_ops = 0;
}

const struct agent_op *container_find_op(const struct container_result *res, const char *name)
{
	for (size_t i = 0; i < res->n_ops; i++)
		if (!strcmp(res->ops[i].name, name))
			return &res->ops[i];
	return NULL;
}
