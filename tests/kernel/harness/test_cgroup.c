/* Tests of the cgroup layer on the real kernel (as root): layout against mountinfo, limits that
 * really bite (OOM kill, fork refused), CLONE_INTO_CGROUP, destroy, leftover cleanup, and the
 * doctor's cgroup probe. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/sys.h"
#include "doctor/doctor.h"
#include "harness/cgroup.h"

static struct cgroup_layout layout;

/* What a test made, so the teardown can undo it when an assertion jumps out half way. */
static struct {
	struct cgroup_run runs[4];
	int nr_runs;
	pid_t kids[8];
	int nr_kids;
	char dirs[16][CGROUP_PATH_MAX]; /* plain mkdirs, removed deepest first */
	int nr_dirs;
} made;

static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static void read_text(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	assert_true(fd >= 0);
	n = read(fd, buf, len - 1);
	close(fd);
	assert_true(n >= 0);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

static bool listed_in(const char *dir, pid_t pid)
{
	char path[CGROUP_PATH_MAX + 16];
	bool found = false;
	FILE *f;
	int p;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	f = fopen(path, "re");
	assert_non_null(f);
	while (!found && fscanf(f, "%d", &p) == 1)
		found = p == pid;
	fclose(f);
	return found;
}

static struct cgroup_run *new_run(const char *tag, unsigned want)
{
	struct cgroup_run *run = &made.runs[made.nr_runs];
	struct bb_error err = { 0 };
	char name[CGROUP_NAME_MAX];
	int ret;

	assert_true(made.nr_runs < 4);
	snprintf(name, sizeof(name), "boxbench-test-%s-%d", tag, (int)getpid());
	ret = cgroup_run_create(run, &layout, name, want, &err);
	if (ret)
		fail_msg("cgroup_run_create %s: %s", name, err.msg);
	made.nr_runs++;
	return run;
}

static void make_dir(const char *path)
{
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(made.dirs[made.nr_dirs++], CGROUP_PATH_MAX, "%s", path);
}

static void forget_kid(pid_t pid)
{
	for (int i = 0; i < made.nr_kids; i++)
		if (made.kids[i] == pid)
			made.kids[i] = made.kids[--made.nr_kids];
}

static int reap(pid_t pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	forget_kid(pid);
	return status;
}

/* A child that runs fn once the gate opens, so it can be put in its group first. A gate closed
 * without a byte (the test gave up) makes it exit at once. */
static pid_t start_gated(int (*fn)(void), int *gate)
{
	int fds[2];
	pid_t pid;
	char c;

	assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[1]);
		if (read(fds[0], &c, 1) != 1)
			_exit(99);
		_exit(fn());
	}
	close(fds[0]);
	made.kids[made.nr_kids++] = pid;
	*gate = fds[1];
	return pid;
}

static void open_gate(int *gate)
{
	assert_int_equal(write(*gate, "go", 1), 1);
	close(*gate);
	*gate = -1;
}

static int wait_forever(void)
{
	pause();
	return 0;
}

static int hog_128m(void)
{
	size_t len = 128 << 20;
	/* volatile: the compiler would otherwise drop stores nobody reads, and the malloc too. */
	volatile char *p = malloc(len);

	if (!p)
		return 3;
	for (size_t i = 0; i < len; i += 4096)
		p[i] = 1;
	return 0;
}

/* Exit status: how many forks worked before EAGAIN; 200 if none was refused, 201 if one was
 * refused with another errno. */
static int fork_32(void)
{
	int hold[2], e = 0, n;
	pid_t kids[32];
	char c;

	if (pipe(hold))
		return 202;
	for (n = 0; n < 32; n++) {
		kids[n] = fork();
		if (kids[n] == 0) {
			close(hold[1]);
			while (read(hold[0], &c, 1) < 0 && errno == EINTR)
				;
			_exit(0);
		}
		if (kids[n] < 0) {
			e = errno;
			break;
		}
	}
	close(hold[1]);
	close(hold[0]);
	for (int i = 0; i < n; i++)
		waitpid(kids[i], NULL, 0);
	return n == 32 ? 200 : e != EAGAIN ? 201 : n;
}

static int hier_of(const struct cgroup_run *run, enum cgroup_ctrl c)
{
	for (int i = 0; i < run->nr_hiers; i++)
		if (run->hiers[i].ctrls & CGROUP_WANT(c))
			return i;
	return -1;
}

static void skip_unless_all_controllers(void)
{
	for (int c = 0; c < CGROUP_NR_CTRLS; c++)
		if (layout.ctrl[c].where == CGROUP_NOWHERE)
			skip();
}

static void assert_gone(const struct cgroup_run *run)
{
	for (int i = 0; i < run->nr_hiers; i++)
		if (exists(run->hiers[i].path))
			fail_msg("%s is still there", run->hiers[i].path);
}

static int setup_layout(void **state)
{
	struct bb_error err = { 0 };

	(void)state;
	if (geteuid() != 0) {
		fprintf(stderr, "test_cgroup: needs root (creates cgroups)\n");
		return -1;
	}
	if (cgroup_layout_detect(&layout, &err)) {
		fprintf(stderr, "test_cgroup: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static int undo_made(void **state)
{
	struct bb_error err;

	(void)state;
	while (made.nr_kids) {
		pid_t pid = made.kids[--made.nr_kids];

		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	while (made.nr_runs)
		cgroup_run_destroy(&made.runs[--made.nr_runs], &err);
	while (made.nr_dirs)
		rmdir(made.dirs[--made.nr_dirs]);
	return 0;
}

/* Parses mountinfo its own way (sscanf, not the layer's tokenizer) and compares. */
static void layout_matches_mountinfo(void **state)
{
	char line[4096], dev[32], point[CGROUP_PATH_MAX], fstype[32], super[512];
	char want_root[CGROUP_NR_CTRLS][CGROUP_PATH_MAX] = { "" }, devs[32][32];
	char v2_point[CGROUP_PATH_MAX] = "";
	enum cgroup_mode mode;
	int nr_devs = 0;
	FILE *f;

	(void)state;
	f = fopen("/proc/self/mountinfo", "re");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		char *dash = strstr(line, " - "), *tok, *save;
		bool seen = false;

		if (!dash || sscanf(line, "%*d %*d %31s %*s %255s", dev, point) != 2 ||
		    sscanf(dash + 3, "%31s %*s %511s", fstype, super) != 2)
			continue;
		if (!strcmp(fstype, "cgroup2") && !v2_point[0])
			snprintf(v2_point, sizeof(v2_point), "%s", point);
		if (strcmp(fstype, "cgroup"))
			continue;
		for (int i = 0; i < nr_devs; i++)
			seen |= !strcmp(devs[i], dev);
		if (!seen && nr_devs < 32)
			snprintf(devs[nr_devs++], sizeof(devs[0]), "%s", dev);
		for (tok = strtok_r(super, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
			for (int c = 0; c < CGROUP_NR_CTRLS; c++)
				if (!strcmp(tok, cgroup_ctrl_name(c)) && !want_root[c][0])
					snprintf(want_root[c], CGROUP_PATH_MAX, "%s", point);
	}
	fclose(f);

	if (!strcmp(v2_point, "/sys/fs/cgroup"))
		mode = CGROUP_V2;
	else if (v2_point[0])
		mode = nr_devs ? CGROUP_HYBRID : CGROUP_V2;
	else
		mode = CGROUP_V1;
	assert_int_equal(layout.mode, mode);
	assert_string_equal(layout.v2_root, v2_point);
	assert_int_equal(layout.nr_v1, nr_devs);
	for (int c = 0; c < CGROUP_NR_CTRLS; c++) {
		char controllers[256] = "", path[CGROUP_PATH_MAX + 32];

		if (want_root[c][0]) {
			assert_int_equal(layout.ctrl[c].where, CGROUP_ON_V1);
			assert_string_equal(layout.ctrl[c].root, want_root[c]);
			continue;
		}
		if (v2_point[0]) {
			snprintf(path, sizeof(path), "%s/cgroup.controllers", v2_point);
			read_text(path, controllers, sizeof(controllers));
		}
		/* " memory " in " hugetlb memory ", so "cpu" never matches "cpuset". */
		snprintf(path, sizeof(path), " %s ", controllers);
		snprintf(line, sizeof(line), " %s ", cgroup_ctrl_name(c));
		assert_int_equal(layout.ctrl[c].where,
				 strstr(path, line) ? CGROUP_ON_V2 : CGROUP_NOWHERE);
	}
}

static void limits_are_written(void **state)
{
	struct cgroup_limits lim = { .memory_max = 32 << 20,
				     .cpu_quota_us = 50000,
				     .cpu_period_us = 100000,
				     .pids_max = 16 };
	char path[CGROUP_PATH_MAX + 32], text[64];
	struct bb_error err = { 0 };
	struct cgroup_run *run;
	struct cgroup cg;
	int m, p, c;
	bool v2;

	(void)state;
	skip_unless_all_controllers();
	run = new_run("limits", CGROUP_WANT_ALL);
	if (cgroup_create(&cg, run, "c0", &lim, &err))
		fail_msg("cgroup_create: %s", err.msg);
	m = hier_of(run, CGROUP_MEMORY);
	v2 = run->hiers[m].v2;
	snprintf(path, sizeof(path), "%s/%s", cg.h[m].path,
		 v2 ? "memory.max" : "memory.limit_in_bytes");
	read_text(path, text, sizeof(text));
	assert_string_equal(text, "33554432");
	/* Raising works too (on v1 memsw, kept equal to the limit, must then go first). */
	lim.memory_max = 64 << 20;
	if (cgroup_set_limits(&cg, &lim, &err))
		fail_msg("cgroup_set_limits: %s", err.msg);
	read_text(path, text, sizeof(text));
	assert_string_equal(text, "67108864");
	p = hier_of(run, CGROUP_PIDS);
	snprintf(path, sizeof(path), "%s/pids.max", cg.h[p].path);
	read_text(path, text, sizeof(text));
	assert_string_equal(text, "16");
	c = hier_of(run, CGROUP_CPU);
	if (run->hiers[c].v2) {
		snprintf(path, sizeof(path), "%s/cpu.max", cg.h[c].path);
		read_text(path, text, sizeof(text));
		assert_string_equal(text, "50000 100000");
	} else {
		snprintf(path, sizeof(path), "%s/cpu.cfs_quota_us", cg.h[c].path);
		read_text(path, text, sizeof(text));
		assert_string_equal(text, "50000");
	}
	/* Each container dir exists in its hierarchy, and goes with a plain destroy. */
	for (int i = 0; i < cg.nr_hiers; i++)
		assert_true(exists(cg.h[i].path));
	assert_int_equal(cgroup_destroy(&cg, &err), 0);
	for (int i = 0; i < cg.nr_hiers; i++)
		assert_false(exists(cg.h[i].path));
	assert_int_equal(cgroup_destroy(&cg, &err), 0);
	assert_int_equal(cgroup_run_destroy(run, &err), 0);
	assert_gone(run);
}

static void memory_hog_is_oom_killed(void **state)
{
	struct cgroup_limits lim = { .memory_max = 32 << 20,
				     .pids_max = 16,
				     .cpu_quota_us = 50000 };
	struct bb_error err = { 0 };
	struct cgroup_run *run;
	struct cgroup cg;
	bool killed = true;
	int gate, status;
	pid_t pid;

	(void)state;
	skip_unless_all_controllers();
	run = new_run("oom", CGROUP_WANT_ALL);
	if (cgroup_create(&cg, run, "c0", &lim, &err))
		fail_msg("cgroup_create: %s", err.msg);
	pid = start_gated(hog_128m, &gate);
	if (cgroup_attach(&cg, pid, &err))
		fail_msg("cgroup_attach: %s", err.msg);
	for (int i = 0; i < cg.nr_hiers; i++)
		assert_true(listed_in(cg.h[i].path, pid));
	assert_int_equal(cgroup_oom_killed(&cg, &killed, &err), 0);
	assert_false(killed);
	open_gate(&gate);
	status = reap(pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
	assert_int_equal(cgroup_oom_killed(&cg, &killed, &err), 0);
	assert_true(killed);
	assert_int_equal(cgroup_destroy(&cg, &err), 0);
	assert_int_equal(cgroup_run_destroy(run, &err), 0);
	assert_gone(run);
}

static void forks_stop_at_pids_max(void **state)
{
	struct cgroup_limits lim = { .memory_max = 32 << 20,
				     .pids_max = 16,
				     .cpu_quota_us = 50000 };
	struct bb_error err = { 0 };
	struct cgroup_run *run;
	struct cgroup cg;
	int gate, status;
	pid_t pid;

	(void)state;
	skip_unless_all_controllers();
	run = new_run("pids", CGROUP_WANT_ALL);
	if (cgroup_create(&cg, run, "c0", &lim, &err))
		fail_msg("cgroup_create: %s", err.msg);
	pid = start_gated(fork_32, &gate);
	if (cgroup_attach(&cg, pid, &err))
		fail_msg("cgroup_attach: %s", err.msg);
	open_gate(&gate);
	status = reap(pid);
	assert_true(WIFEXITED(status));
	/* The child itself is one of the 16: the 16th fork is refused with EAGAIN. */
	assert_int_equal(WEXITSTATUS(status), 15);
	assert_int_equal(cgroup_destroy(&cg, &err), 0);
	assert_int_equal(cgroup_run_destroy(run, &err), 0);
	assert_gone(run);
}

/* A run destroyed with a live task and a nested group inside its container kills and removes
 * all of it; the container's own destroy afterwards finds nothing to do. */
static void run_destroy_kills_and_removes_all(void **state)
{
	unsigned want = CGROUP_WANT_ALL | (layout.v2_root[0] ? CGROUP_WANT_V2_GROUP : 0);
	char nested[CGROUP_PATH_MAX + 16];
	struct bb_error err = { 0 };
	struct cgroup_run *run;
	struct cgroup cg;
	int gate, status;
	pid_t pid;

	(void)state;
	skip_unless_all_controllers();
	run = new_run("destroy", want);
	if (cgroup_create(&cg, run, "c0", NULL, &err))
		fail_msg("cgroup_create: %s", err.msg);
	pid = start_gated(wait_forever, &gate);
	if (cgroup_attach(&cg, pid, &err))
		fail_msg("cgroup_attach: %s", err.msg);
	open_gate(&gate);
	snprintf(nested, sizeof(nested), "%s/nested", cg.h[0].path);
	assert_int_equal(mkdir(nested, 0755), 0);
	if (cgroup_run_destroy(run, &err))
		fail_msg("cgroup_run_destroy: %s", err.msg);
	status = reap(pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
	assert_false(exists(nested));
	assert_gone(run);
	assert_int_equal(cgroup_destroy(&cg, &err), 0);
}

/* Also the v2 side of destroy: the parked child must fall to cgroup.kill. */
static void clone_into_cgroup_places_child(void **state)
{
	struct bb_clone_args args = { .flags = CLONE_INTO_CGROUP, .exit_signal = SIGCHLD };
	struct bb_error err = { 0 };
	struct cgroup_run *run, *mem;
	struct cgroup cg, cg_mem;
	int fds[2], fd, status;
	struct stat st;
	pid_t pid;
	char c;

	(void)state;
	if (!layout.v2_root[0])
		skip();
	run = new_run("clone", CGROUP_WANT_V2_GROUP);
	if (cgroup_create(&cg, run, "c0", NULL, &err))
		fail_msg("cgroup_create: %s", err.msg);
	fd = cgroup_v2_dirfd(&cg);
	assert_true(fd >= 0);
	assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	args.cgroup = (uint64_t)fd;
	pid = bb_clone3(&args, sizeof(args));
	if (pid == 0) {
		close(fds[1]);
		while (read(fds[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(fds[0]);
	assert_true(pid > 0);
	made.kids[made.nr_kids++] = pid;
	assert_true(listed_in(cg.h[0].path, pid));
	assert_int_equal(stat(cg.h[0].path, &st), 0);
	assert_true(cgroup_v2_id(&cg) != 0);
	assert_int_equal(cgroup_v2_id(&cg), st.st_ino);
	/* The child still parked, the run goes: cgroup.kill must take it. */
	if (cgroup_run_destroy(run, &err))
		fail_msg("cgroup_run_destroy: %s", err.msg);
	status = reap(pid);
	close(fds[1]);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
	assert_gone(run);
	assert_int_equal(cgroup_destroy(&cg, &err), 0);

	/* With memory on v1, clone3 alone cannot place a container: no fd then. */
	if (layout.ctrl[CGROUP_MEMORY].where != CGROUP_NOWHERE) {
		mem = new_run("clone-mem", CGROUP_WANT(CGROUP_MEMORY) | CGROUP_WANT_V2_GROUP);
		if (cgroup_create(&cg_mem, mem, "c0", NULL, &err))
			fail_msg("cgroup_create: %s", err.msg);
		if (layout.ctrl[CGROUP_MEMORY].where == CGROUP_ON_V1)
			assert_int_equal(cgroup_v2_dirfd(&cg_mem), -1);
		else
			assert_true(cgroup_v2_dirfd(&cg_mem) >= 0);
		assert_int_equal(cgroup_destroy(&cg_mem, &err), 0);
		assert_int_equal(cgroup_run_destroy(mem, &err), 0);
		assert_gone(mem);
	}
}

static void cleanup_removes_leftovers_not_live_runs(void **state)
{
	char top[CGROUP_MAX_HIERS + 1][CGROUP_PATH_MAX], inner[CGROUP_PATH_MAX + 8];
	struct bb_error err = { 0 };
	struct cgroup_run *live;
	int nr_top = 0, removed = -1, gate, status;
	char procs[CGROUP_PATH_MAX + 32], buf[16];
	pid_t pid;
	int fd;

	(void)state;
	skip_unless_all_controllers();
	live = new_run("live", CGROUP_WANT_ALL);
	/* What a killed run leaves: a group in each hierarchy, a group inside, a task in it. */
	for (int i = 0; i < live->nr_hiers; i++)
		snprintf(top[nr_top++], CGROUP_PATH_MAX, "%s/boxbench-test-leftover",
			 live->hiers[i].root);
	if (layout.v2_root[0] && !live->hiers[0].v2 && !live->hiers[live->nr_hiers - 1].v2)
		snprintf(top[nr_top++], CGROUP_PATH_MAX, "%s/boxbench-test-leftover",
			 layout.v2_root);
	for (int i = 0; i < nr_top; i++)
		make_dir(top[i]);
	snprintf(inner, sizeof(inner), "%s/c0", top[0]);
	make_dir(inner);
	pid = start_gated(wait_forever, &gate);
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", inner);
	fd = open(procs, O_WRONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	assert_int_equal(write(fd, buf, strlen(buf)), (ssize_t)strlen(buf));
	close(fd);
	open_gate(&gate);

	if (cgroup_cleanup_leftovers(&layout, &removed, &err))
		fail_msg("cgroup_cleanup_leftovers: %s", err.msg);
	assert_true(removed >= nr_top);
	for (int i = 0; i < nr_top; i++)
		if (exists(top[i]))
			fail_msg("%s survived cleanup", top[i]);
	made.nr_dirs = 0;
	status = reap(pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
	/* The live run holds its lock, so cleanup left it alone. */
	for (int i = 0; i < live->nr_hiers; i++)
		if (!exists(live->hiers[i].path))
			fail_msg("cleanup removed %s of a live run", live->hiers[i].path);
	assert_int_equal(cgroup_run_destroy(live, &err), 0);
	assert_gone(live);
}

static void errors_name_the_file_and_the_fix(void **state)
{
	struct cgroup_layout fake = layout;
	struct cgroup_limits bad_cpu = { .cpu_quota_us = 1 };
	struct bb_error err = { 0 };
	struct cgroup_run run, *real;
	struct cgroup cg;
	char want[256];
	int c, ret;

	(void)state;
	fake.ctrl[CGROUP_PIDS].where = CGROUP_NOWHERE;
	/* Should either be made after all, it goes at once: the test leaves nothing either way. */
	ret = cgroup_run_create(&run, &fake, "boxbench-test-nopids", CGROUP_WANT(CGROUP_PIDS),
				&err);
	if (!ret)
		cgroup_run_destroy(&run, NULL);
	assert_int_equal(ret, -ENOENT);
	assert_string_equal(err.msg, "the pids controller is not mounted on any cgroup hierarchy "
				     "(v1 or v2); mount it or run without --pids-max");
	ret = cgroup_run_create(&run, &layout, "test-noprefix", CGROUP_WANT_ALL, &err);
	if (!ret)
		cgroup_run_destroy(&run, NULL);
	assert_int_equal(ret, -EINVAL);
	assert_non_null(strstr(err.msg, "must start with \"boxbench\""));

	if (layout.ctrl[CGROUP_CPU].where == CGROUP_NOWHERE)
		skip();
	real = new_run("errors", CGROUP_WANT(CGROUP_CPU));
	/* The kernel refuses a quota under 1 ms; the failed create leaves no directory. */
	assert_int_equal(cgroup_create(&cg, real, "c0", &bad_cpu, &err), -EINVAL);
	c = hier_of(real, CGROUP_CPU);
	snprintf(want, sizeof(want), "cannot set CPU quota: %s/c0/%s: EINVAL (the quota must be",
		 real->hiers[c].path, real->hiers[c].v2 ? "cpu.max" : "cpu.cfs_quota_us");
	if (strncmp(err.msg, want, strlen(want)))
		fail_msg("got \"%s\", want it to start \"%s\"", err.msg, want);
	snprintf(want, sizeof(want), "%s/c0", real->hiers[c].path);
	assert_false(exists(want));
	/* A limit whose controller the run lacks is refused before anything is written. */
	assert_int_equal(cgroup_create(&cg, real, "c1", NULL, &err), 0);
	bad_cpu.pids_max = 8;
	assert_int_equal(cgroup_set_limits(&cg, &bad_cpu, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "without the pids controller"));
	assert_int_equal(cgroup_destroy(&cg, &err), 0);
	assert_int_equal(cgroup_run_destroy(real, &err), 0);
	assert_gone(real);
}

/* The doctor's probe, with its memory group name already taken: memory is reported unusable
 * with the reason, the other checks still run, and nothing of the probe's is left. */
static void doctor_probe_reports_failure_and_cleans_up(void **state)
{
	struct check_list list = { 0 };
	struct bb_error err = { 0 };
	const struct check *ck;
	char taken[CGROUP_PATH_MAX + 32];

	(void)state;
	if (layout.ctrl[CGROUP_MEMORY].where == CGROUP_NOWHERE)
		skip();
	snprintf(taken, sizeof(taken), "%s/boxbench-doctor-%d", layout.ctrl[CGROUP_MEMORY].root,
		 (int)getpid());
	make_dir(taken);
	assert_int_equal(doctor_cgroup_probe(&list, &err), 0);
	ck = check_find(&list, "cgroup", "mode");
	assert_non_null(ck);
	assert_true(ck->ok);
	assert_string_equal(ck->value, cgroup_mode_name(layout.mode));
	ck = check_find(&list, "cgroup", "memory");
	assert_non_null(ck);
	assert_false(ck->ok);
	assert_int_equal(ck->err, EEXIST);
	assert_non_null(strstr(ck->detail, taken));
	for (int c = CGROUP_CPU; c < CGROUP_NR_CTRLS; c++) {
		ck = check_find(&list, "cgroup", cgroup_ctrl_name(c));
		assert_non_null(ck);
		assert_int_equal(ck->ok, layout.ctrl[c].where != CGROUP_NOWHERE);
	}
	ck = check_find(&list, "cgroup", "clone_into_cgroup");
	assert_non_null(ck);
	assert_int_equal(ck->ok, layout.v2_root[0] != '\0');
	check_list_free(&list);
	/* Only the dir made here is there; the probe left nothing below it or elsewhere. */
	for (int i = -1; i < layout.nr_v1; i++) {
		const char *root = i < 0 ? layout.v2_root : layout.v1_roots[i];
		char path[CGROUP_PATH_MAX + 32];

		if (!root[0])
			continue;
		snprintf(path, sizeof(path), "%s/boxbench-doctor-%d", root, (int)getpid());
		if (strcmp(path, taken))
			assert_false(exists(path));
	}
	snprintf(taken + strlen(taken), sizeof(taken) - strlen(taken), "/probe");
	assert_false(exists(taken));
}

/* Last: no test left a group of this process, nor a leftover, in any hierarchy. */
static void nothing_is_left(void **state)
{
	char suffix[32];
	struct dirent *de;
	DIR *d;

	(void)state;
	snprintf(suffix, sizeof(suffix), "-%d", (int)getpid());
	for (int i = -1; i < layout.nr_v1; i++) {
		const char *root = i < 0 ? layout.v2_root : layout.v1_roots[i];

		if (!root[0])
			continue;
		d = opendir(root);
		assert_non_null(d);
		while ((de = readdir(d))) {
			size_t n = strlen(de->d_name);
			bool mine = n > strlen(suffix) &&
				    !strcmp(de->d_name + n - strlen(suffix), suffix);
			bool ours = (!strncmp(de->d_name, "boxbench-", 9) && mine) ||
				    !strcmp(de->d_name, "boxbench-test-leftover");

			if (ours) {
				closedir(d);
				fail_msg("%s/%s was left behind", root, de->d_name);
			}
		}
		closedir(d);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(layout_matches_mountinfo),
		cmocka_unit_test_teardown(limits_are_written, undo_made),
		cmocka_unit_test_teardown(memory_hog_is_oom_killed, undo_made),
		cmocka_unit_test_teardown(forks_stop_at_pids_max, undo_made),
		cmocka_unit_test_teardown(run_destroy_kills_and_removes_all, undo_made),
		cmocka_unit_test_teardown(clone_into_cgroup_places_child, undo_made),
		cmocka_unit_test_teardown(cleanup_removes_leftovers_not_live_runs, undo_made),
		cmocka_unit_test_teardown(errors_name_the_file_and_the_fix, undo_made),
		cmocka_unit_test_teardown(doctor_probe_reports_failure_and_cleans_up, undo_made),
		cmocka_unit_test(nothing_is_left),
	};
	return cmocka_run_group_tests_name("cgroup", tests, setup_layout, NULL);
}
