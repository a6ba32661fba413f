/* The front of the cgroup layer: runs, container groups and leftover cleanup, each operation sent
 * to the v1 or v2 side per hierarchy (the helpers they share are cgroup_util.c's). See cgroup.h. */
#include "cgroup_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/sys.h"

/* The option a user drops when a controller is missing; the harness's names for the limits. */
static const char *const limit_options[CGROUP_NR_CTRLS] = {
	[CGROUP_MEMORY] = "--memory-max",
	[CGROUP_CPU] = "--cpu-max",
	[CGROUP_PIDS] = "--pids-max",
};

static const char *mkdir_hint(int e)
{
	if (e == EAGAIN)
		return "a parent's cgroup.max.descendants or cgroup.max.depth is reached";
	if (e == ENOENT)
		return "the parent group was removed meanwhile";
	return cgroup_hint("", e);
}

static int check_name(const char *name, const char *what, struct bb_error *err)
{
	if (!name || !name[0] || strlen(name) >= CGROUP_NAME_MAX || strchr(name, '/') ||
	    strchr(name, '\n') || !strcmp(name, ".") || !strcmp(name, ".."))
		return bb_err(err, EINVAL,
			      "invalid %s name '%s': use 1..%d characters, no '/' or newline", what,
			      name ? name : "(null)", CGROUP_NAME_MAX - 1);
	return 0;
}

static int join_path(char *out, const char *dir, const char *name, struct bb_error *err)
{
	if (snprintf(out, CGROUP_PATH_MAX, "%s/%s", dir, name) >= CGROUP_PATH_MAX)
		return bb_err(err, ENAMETOOLONG, "cgroup path %s/%s is longer than %d bytes", dir,
			      name, CGROUP_PATH_MAX - 1);
	return 0;
}

/* rmdir, retried while the kernel still counts tasks that have left cgroup.procs but not yet
 * the group (a dying process between exit and its cgroup unlink). */
static int rmdir_settled(int parent_fd, const char *name, const char *path, struct bb_error *err)
{
	long long deadline = clock_ms() + CGROUP_EMPTY_TIMEOUT_MS;
	int delay = 1;

	while (unlinkat(parent_fd, name, AT_REMOVEDIR) < 0) {
		int e = errno;

		if (e == ENOENT)
			return 0;
		if (e != EBUSY || clock_ms() > deadline)
			return bb_err(err, e, "cannot remove cgroup %s: %s (%s)", path,
				      errno_name(e),
				      e == EBUSY ? "still populated after its tasks were killed"
						 : strerror(e));
		sleep_ms(delay);
		delay = delay < 32 ? delay * 2 : delay;
	}
	return 0;
}

/* Removes parent/name and every group below it, bottom-up, killing the tasks found on the way.
 * The plain rmdir comes first: for an empty group it is all there is to do. */
static int remove_group(int parent_fd, const char *parent, const char *name, bool v2,
			struct bb_error *err)
{
	char path[CGROUP_PATH_MAX];
	struct dirent *de;
	bool found;
	DIR *d;
	int fd, ret, e;

	ret = join_path(path, parent, name, err);
	if (ret)
		return ret;
	if (unlinkat(parent_fd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
		return 0;
	e = errno;
	if (e != EBUSY)
		return bb_err(err, e, "cannot remove cgroup %s: %s (%s)", path, errno_name(e),
			      strerror(e));
	fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		e = errno;
		if (fd >= 0)
			close(fd);
		return e == ENOENT
			       ? 0
			       : bb_err(err, e, "cannot open cgroup %s: %s", path, errno_name(e));
	}
	/* Removing entries while listing may make readdir skip some: list again until none. */
	do {
		found = false;
		rewinddir(d);
		while ((de = readdir(d))) {
			if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") ||
			    !strcmp(de->d_name, ".."))
				continue;
			found = true;
			ret = remove_group(dirfd(d), path, de->d_name, v2, err);
			if (ret)
				goto out;
		}
	} while (found);
	ret = v2 ? cgroup_v2_empty(dirfd(d), path, err) : cgroup_kill_listed(dirfd(d), path, err);
	if (ret)
		goto out;
	ret = rmdir_settled(parent_fd, name, path, err);
out:
	closedir(d);
	return ret;
}

/* Keeps the first failure of a sequence that goes on past failures. */
static void keep_first(int *ret, struct bb_error *err, int e, const struct bb_error *this)
{
	if (!e || *ret)
		return;
	*ret = e;
	if (err)
		*err = *this;
}

static struct cgroup_hier *hier_for(struct cgroup_run *run, const char *root, bool v2)
{
	struct cgroup_hier *h;

	for (int i = 0; i < run->nr_hiers; i++)
		if (!strcmp(run->hiers[i].root, root))
			return &run->hiers[i];
	h = &run->hiers[run->nr_hiers++];
	h->v2 = v2;
	snprintf(h->root, sizeof(h->root), "%s", root);
	return h;
}

/* Decides the run's hierarchies from the layout, touching nothing. */
static int plan_run(struct cgroup_run *run, const struct cgroup_layout *l, struct bb_error *err)
{
	int ret;

	for (int c = 0; c < CGROUP_NR_CTRLS; c++) {
		if (!(run->want & CGROUP_WANT(c)))
			continue;
		if (l->ctrl[c].where == CGROUP_NOWHERE)
			return bb_err(
				err, ENOENT,
				"the %s controller is not mounted on any cgroup hierarchy (v1 "
				"or v2); mount it or run without %s",
				cgroup_ctrl_name(c), limit_options[c]);
		hier_for(run, l->ctrl[c].root, l->ctrl[c].where == CGROUP_ON_V2)->ctrls |=
			CGROUP_WANT(c);
	}
	if (run->want & CGROUP_WANT_V2_GROUP) {
		if (!l->v2_root[0])
			return bb_err(
				err, ENOENT,
				"no cgroup2 file system is mounted, so containers cannot have "
				"a v2 group (for CLONE_INTO_CGROUP and BPF cgroup ids); mount "
				"one: mount -t cgroup2 none /sys/fs/cgroup/unified");
		hier_for(run, l->v2_root, true);
	}
	if (!run->nr_hiers)
		return bb_err(err, EINVAL,
			      "cgroup run %s wants neither a controller nor a v2 group: nothing to "
			      "create",
			      run->name);
	for (int i = 0; i < run->nr_hiers; i++) {
		ret = join_path(run->hiers[i].path, run->hiers[i].root, run->name, err);
		if (ret)
			return ret;
	}
	return 0;
}

/* The run's group in one hierarchy, its lock, and its v2 controllers. */
static int make_run_group(struct cgroup_run *run, struct cgroup_hier *h, struct bb_error *err)
{
	unsigned enabled = 0;
	int root_fd, ret = 0, e;

	root_fd = open(h->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		return bb_err(err, errno, "cannot open cgroup hierarchy %s: %s", h->root,
			      errno_name(errno));
	if (h->v2 && h->ctrls) {
		ret = cgroup_v2_enable(root_fd, h->root, h->ctrls, &enabled, err);
		run->v2_root_enabled |= enabled;
		if (ret)
			goto out;
	}
	if (mkdirat(root_fd, run->name, 0755) < 0) {
		e = errno;
		ret = bb_err(err, e, "cannot create cgroup %s: %s (%s)", h->path, errno_name(e),
			     e == EEXIST ? "a run of that name is alive, or a killed one left it; "
					   "`boxbench cleanup` removes what killed runs left"
					 : mkdir_hint(e));
		goto out;
	}
	h->fd = openat(root_fd, run->name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (h->fd < 0) {
		e = errno;
		unlinkat(root_fd, run->name, AT_REMOVEDIR);
		ret = bb_err(err, e, "cannot open cgroup %s: %s", h->path, errno_name(e));
		goto out;
	}
	if (flock(h->fd, LOCK_EX | LOCK_NB) < 0) {
		ret = bb_err(err, errno,
			     "cannot lock cgroup %s: %s (another boxbench, likely `boxbench "
			     "cleanup`, holds it; retry)",
			     h->path, errno_name(errno));
		goto out;
	}
	if (h->v2 && h->ctrls)
		ret = cgroup_v2_enable(h->fd, h->path, h->ctrls, &enabled, err);
out:
	close(root_fd);
	return ret;
}

int cgroup_run_create(struct cgroup_run *run, const struct cgroup_layout *l, const char *name,
		      unsigned want, struct bb_error *err)
{
	struct bb_error undo;
	int ret;

	memset(run, 0, sizeof(*run));
	for (int i = 0; i < CGROUP_MAX_HIERS; i++)
		run->hiers[i].fd = -1;
	ret = check_name(name, "cgroup run", err);
	if (ret)
		return ret;
	if (strncmp(name, "boxbench", 8))
		return bb_err(err, EINVAL,
			      "invalid cgroup run name '%s': it must start with \"boxbench\", "
			      "which is how `boxbench cleanup` finds what a killed run left",
			      name);
	snprintf(run->name, sizeof(run->name), "%s", name);
	run->want = want;
	ret = plan_run(run, l, err);
	if (ret)
		return ret;
	for (int i = 0; i < run->nr_hiers; i++) {
		ret = make_run_group(run, &run->hiers[i], err);
		if (ret) {
			cgroup_run_destroy(run, &undo);
			return ret;
		}
	}
	return 0;
}

int cgroup_run_destroy(struct cgroup_run *run, struct bb_error *err)
{
	struct bb_error this;
	int ret = 0, root_fd;

	for (int i = 0; i < run->nr_hiers; i++) {
		struct cgroup_hier *h = &run->hiers[i];

		root_fd = open(h->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (root_fd < 0) {
			keep_first(&ret, err,
				   bb_err(&this, errno, "cannot open cgroup hierarchy %s: %s",
					  h->root, errno_name(errno)),
				   &this);
			continue;
		}
		/* The lock goes last, so cleanup never sees the run half removed and unlocked. */
		if (h->fd >= 0) {
			int e = remove_group(root_fd, h->root, run->name, h->v2, &this);

			keep_first(&ret, err, e, &this);
			if (!e) {
				close(h->fd);
				h->fd = -1;
			}
		}
		if (h->v2 && run->v2_root_enabled) {
			keep_first(&ret, err,
				   cgroup_v2_disable(root_fd, h->root, run->v2_root_enabled, &this),
				   &this);
			run->v2_root_enabled = 0;
		}
		close(root_fd);
	}
	return ret;
}

static int hier_of(const struct cgroup_run *run, enum cgroup_ctrl c)
{
	for (int i = 0; i < run->nr_hiers; i++)
		if (run->hiers[i].ctrls & CGROUP_WANT(c))
			return i;
	return -1;
}

int cgroup_create(struct cgroup *cg, struct cgroup_run *run, const char *name,
		  const struct cgroup_limits *lim, struct bb_error *err)
{
	struct bb_error undo;
	int ret, e;

	memset(cg, 0, sizeof(*cg));
	cg->run = run;
	cg->nr_hiers = run->nr_hiers;
	for (int i = 0; i < CGROUP_MAX_HIERS; i++)
		cg->h[i].dir_fd = cg->h[i].procs_fd = -1;
	ret = check_name(name, "container cgroup", err);
	if (ret)
		return ret;
	snprintf(cg->name, sizeof(cg->name), "%s", name);
	for (int i = 0; i < cg->nr_hiers; i++) {
		if (run->hiers[i].fd < 0)
			return bb_err(err, EINVAL, "cannot create cgroup %s: run %s is not created",
				      name, run->name);
		ret = join_path(cg->h[i].path, run->hiers[i].path, name, err);
		if (ret)
			return ret;
	}
	for (int i = 0; i < cg->nr_hiers; i++) {
		if (mkdirat(run->hiers[i].fd, name, 0755) < 0) {
			e = errno;
			ret = bb_err(err, e, "cannot create cgroup %s: %s (%s)", cg->h[i].path,
				     errno_name(e),
				     e == EEXIST ? "a container of that name exists in this run"
						 : mkdir_hint(e));
			goto fail;
		}
		cg->h[i].dir_fd = openat(run->hiers[i].fd, name, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (cg->h[i].dir_fd < 0) {
			e = errno;
			unlinkat(run->hiers[i].fd, name, AT_REMOVEDIR);
			ret = bb_err(err, e, "cannot open cgroup %s: %s", cg->h[i].path,
				     errno_name(e));
			goto fail;
		}
		cg->h[i].procs_fd = openat(cg->h[i].dir_fd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
		if (cg->h[i].procs_fd < 0) {
			e = errno;
			ret = bb_err(err, e, "cannot open %s/cgroup.procs: %s (%s)", cg->h[i].path,
				     errno_name(e), cgroup_hint("cgroup.procs", e));
			goto fail;
		}
	}
	if (lim) {
		ret = cgroup_set_limits(cg, lim, err);
		if (ret)
			goto fail;
	}
	return 0;
fail:
	cgroup_destroy(cg, &undo);
	return ret;
}

static bool limit_set(const struct cgroup_limits *lim, enum cgroup_ctrl c)
{
	switch (c) {
	case CGROUP_MEMORY:
		return lim->memory_max;
	case CGROUP_CPU:
		return lim->cpu_quota_us;
	case CGROUP_PIDS:
		return lim->pids_max;
	default:
		return false;
	}
}

int cgroup_set_limits(struct cgroup *cg, const struct cgroup_limits *lim, struct bb_error *err)
{
	int ret;

	/* All checked before any is written: a refused limit leaves the group as it was. */
	for (int c = 0; c < CGROUP_NR_CTRLS; c++)
		if (limit_set(lim, c) && hier_of(cg->run, c) < 0)
			return bb_err(err, EINVAL,
				      "cannot set a %s limit on cgroup %s: its run %s was created "
				      "without the %s controller",
				      cgroup_ctrl_name(c), cg->name, cg->run->name,
				      cgroup_ctrl_name(c));
	for (int c = 0; c < CGROUP_NR_CTRLS; c++) {
		int i = hier_of(cg->run, c);

		if (!limit_set(lim, c))
			continue;
		if (cg->run->hiers[i].v2)
			ret = cgroup_v2_set_limit(cg->h[i].dir_fd, cg->h[i].path, c, lim, err);
		else
			ret = cgroup_v1_set_limit(cg->h[i].dir_fd, cg->h[i].path, c, lim, err);
		if (ret)
			return ret;
	}
	return 0;
}

int cgroup_attach(struct cgroup *cg, pid_t pid, struct bb_error *err)
{
	char buf[24];
	int len = snprintf(buf, sizeof(buf), "%d", (int)pid);

	for (int i = 0; i < cg->nr_hiers; i++) {
		ssize_t n = write(cg->h[i].procs_fd, buf, len);
		int e = n < 0 ? errno : EIO;

		if (n != len)
			return bb_err(err, e, "cannot attach process %d: %s/cgroup.procs: %s (%s)",
				      (int)pid, cg->h[i].path, errno_name(e),
				      cgroup_hint("cgroup.procs", e));
	}
	return 0;
}

int cgroup_v2_dirfd(const struct cgroup *cg)
{
	if (cg->nr_hiers == 1 && cg->run->hiers[0].v2)
		return cg->h[0].dir_fd;
	return -1;
}

uint64_t cgroup_v2_id(const struct cgroup *cg)
{
	struct stat st;

	/* kernfs numbers a cgroup's inode with its id, the one BPF helpers return. */
	for (int i = 0; i < cg->nr_hiers; i++)
		if (cg->run->hiers[i].v2 && !fstat(cg->h[i].dir_fd, &st))
			return st.st_ino;
	return 0;
}

int cgroup_oom_killed(const struct cgroup *cg, bool *killed, struct bb_error *err)
{
	int i = hier_of(cg->run, CGROUP_MEMORY);

	*killed = false;
	if (i < 0)
		return bb_err(err, EINVAL,
			      "cannot tell OOM kills in cgroup %s: its run %s was created without "
			      "the memory controller",
			      cg->name, cg->run->name);
	if (cg->run->hiers[i].v2)
		return cgroup_v2_oom_killed(cg->h[i].dir_fd, cg->h[i].path, killed, err);
	return cgroup_v1_oom_killed(cg->h[i].dir_fd, cg->h[i].path, killed, err);
}

int cgroup_destroy(struct cgroup *cg, struct bb_error *err)
{
	struct bb_error this;
	int ret = 0;

	for (int i = 0; i < cg->nr_hiers; i++) {
		const struct cgroup_hier *h = &cg->run->hiers[i];
		int e = 0;

		if (cg->h[i].procs_fd >= 0) {
			close(cg->h[i].procs_fd);
			cg->h[i].procs_fd = -1;
		}
		if (cg->h[i].dir_fd < 0)
			continue;
		/* A run destroyed first took its groups along. */
		if (h->fd >= 0)
			e = remove_group(h->fd, h->path, cg->name, h->v2, &this);
		keep_first(&ret, err, e, &this);
		if (!e) {
			close(cg->h[i].dir_fd);
			cg->h[i].dir_fd = -1;
		}
	}
	return ret;
}

/* One hierarchy's top level. Listing again after each pass catches entries readdir skipped
 * while others were removed; a pass that removes nothing ends it. */
static int cleanup_root(const char *root, bool v2, int *removed, struct bb_error *err)
{
	struct dirent *de;
	int fd, ret = 0, gone;
	DIR *d;

	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		return bb_err(err, e, "cannot list cgroup hierarchy %s: %s", root, errno_name(e));
	}
	do {
		gone = 0;
		rewinddir(d);
		while ((de = readdir(d))) {
			int gfd;

			if (de->d_type != DT_DIR || strncmp(de->d_name, "boxbench", 8))
				continue;
			gfd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (gfd < 0)
				continue;
			/* A live run holds its lock: leave it alone. */
			if (flock(gfd, LOCK_EX | LOCK_NB) < 0) {
				close(gfd);
				continue;
			}
			ret = remove_group(dirfd(d), root, de->d_name, v2, err);
			close(gfd);
			if (ret)
				goto out;
			gone++;
			(*removed)++;
		}
	} while (gone);
out:
	closedir(d);
	return ret;
}

int cgroup_cleanup_leftovers(const struct cgroup_layout *l, int *removed, struct bb_error *err)
{
	struct bb_error this;
	int ret = 0;

	*removed = 0;
	if (l->v2_root[0])
		keep_first(&ret, err, cleanup_root(l->v2_root, true, removed, &this), &this);
	for (int i = 0; i < l->nr_v1; i++)
		keep_first(&ret, err, cleanup_root(l->v1_roots[i], false, removed, &this), &this);
	return ret;
}
