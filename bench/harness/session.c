/* A harness session's set-up and tear-down: see session.h. */
#include "session.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container.h"
#include "common/fsutil.h"
#include "mntns.h"

/* rundir/ram: a tmpfs for the image; rundir/fs: the file system on it, holding stacks/ and
 * the scenarios' dirs. Both mounts are in the private namespace: they go with it. */
static int memory_store_open(struct session *s, enum backing_fs fs, struct bb_error *err)
{
	char mnt[sizeof(s->rundir) + 8];
	int e;

	snprintf(mnt, sizeof(mnt), "%s/fs", s->rundir);
	if (mkdir(mnt, 0755) < 0)
		return bb_err(err, errno, "cannot create %s: %s", mnt, errno_name(errno));
	if (fs != FS_TMPFS) {
		snprintf(s->ram_dir, sizeof(s->ram_dir), "%s/ram", s->rundir);
		if (mkdir(s->ram_dir, 0700) < 0 ||
		    mount("boxbench-ram", s->ram_dir, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0700")) {
			e = bb_err(err, errno,
				   "cannot mount a tmpfs on %s for the memory store: %s",
				   s->ram_dir, errno_name(errno));
			rmdir(s->ram_dir);
			s->ram_dir[0] = '\0';
			return e;
		}
	}
	e = backing_fs_mount(&s->memory, fs, s->ram_dir, mnt,
			     fs == FS_TMPFS ? 0 : SESSION_MEMORY_IMAGE_SIZE, err);
	if (e)
		return bb_err_wrap(err,
				   "cannot make the memory store (%s; --backing host runs on "
				   "the host's disk instead)",
				   backing_fs_name(fs));
	s->store = STORE_MEMORY;
	snprintf(s->workdir, sizeof(s->workdir), "%s", mnt);
	snprintf(s->cache_dir, sizeof(s->cache_dir), "%s/stacks", mnt);
	return 0;
}

static void memory_store_close(struct session *s, struct bb_error *err)
{
	struct bb_error local = { 0 };

	if (s->memory.mounted && backing_fs_umount(&s->memory, &local) && !err->code)
		bb_err(err, local.code, "%s", local.msg);
	if (s->ram_dir[0]) {
		if (umount2(s->ram_dir, MNT_DETACH) && !err->code)
			bb_err(err, errno, "cannot unmount %s: %s", s->ram_dir, errno_name(errno));
		s->ram_dir[0] = '\0';
	}
}

/* The host store's stack cache, made before anything is measured: a cache that cannot hold
 * stacks would otherwise fail every stack-based case, one by one. */
static int cache_dir_ready(const char *dir, struct bb_error *err)
{
	struct stat st;
	int e;

	if ((e = mkdir_p(dir, 0755, err)))
		return bb_err_wrap(err, "cannot make the stack cache %s (--cache-dir)", dir);
	if (stat(dir, &st) < 0)
		return bb_err(err, errno, "cannot use the stack cache %s (--cache-dir): %s", dir,
			      errno_name(errno));
	if (!S_ISDIR(st.st_mode))
		return bb_err(err, ENOTDIR,
			      "the stack cache %s (--cache-dir) is not a directory: give a "
			      "directory for the layer stacks (it is made if missing)",
			      dir);
	return 0;
}

int session_open(struct session *s, const struct session_options *o, struct bb_error *err)
{
	const char *root = o->work_root ? o->work_root : SESSION_DEFAULT_WORK_ROOT;
	char name[64];
	int e;

	memset(s, 0, sizeof(*s));
	s->agent_fd = -1;
	snprintf(s->cache_dir, sizeof(s->cache_dir), "%s",
		 o->cache_dir ? o->cache_dir : SESSION_DEFAULT_CACHE_DIR);
	/* Before the namespace changes: after it, /proc/self/exe may name a path of the old
	 * namespace (under a chroot, the host's), and the agent is then looked for there. */
	if ((s->agent_fd = container_open_agent(err)) < 0)
		return s->agent_fd;
	if ((e = mntns_enter_private(err)))
		goto fail;
	if (o->store == STORE_HOST && (e = cache_dir_ready(s->cache_dir, err)))
		goto fail;

	snprintf(s->rundir, sizeof(s->rundir), "%s/%s%d", root, SESSION_DIR_PREFIX, (int)getpid());
	/* A dir with our pid can only be a dead run's whose pid came round again. */
	remove_tree(s->rundir, NULL);
	if (mkdir(s->rundir, 0755) < 0) {
		e = bb_err(err, errno,
			   "cannot create the work dir %s: %s (is %s writable? choose "
			   "another with --work-dir)",
			   s->rundir, errno_name(errno), root);
		s->rundir[0] = '\0';
		goto fail;
	}
	snprintf(s->workdir, sizeof(s->workdir), "%s", s->rundir);
	if (o->store == STORE_MEMORY && (e = memory_store_open(s, o->memory_fs, err)))
		goto fail;
	if (o->cgroups) {
		unsigned want = o->cgroup_want;

		if ((e = cgroup_layout_detect(&s->layout, err)))
			goto fail;
		/* A v2 group beside the v1 ones gives every container a cgroup id for the BPF
		 * probes to attribute events by. */
		if (s->layout.v2_root[0])
			want |= CGROUP_WANT_V2_GROUP;
		/* A v1-only host and no limits: there is no group worth making. */
		if (!want)
			return 0;
		snprintf(name, sizeof(name), "boxbench-%d", (int)getpid());
		if ((e = cgroup_run_create(&s->cgroups, &s->layout, name, want, err)))
			goto fail;
		s->have_cgroups = true;
	}
	return 0;
fail:
	session_close(s, NULL);
	return e;
}

int session_close(struct session *s, struct bb_error *err)
{
	struct bb_error local = { 0 };
	int e = 0, r;

	if (s->have_cgroups) {
		r = cgroup_run_destroy(&s->cgroups, &local);
		if (r && !e)
			e = bb_err(err, local.code, "%s", local.msg);
		s->have_cgroups = false;
	}
	memory_store_close(s, &local);
	if (local.code && !e)
		e = bb_err(err, local.code, "%s", local.msg);
	if (s->rundir[0]) {
		bb_err_clear(&local);
		r = remove_tree(s->rundir, &local);
		if (r && !e)
			e = bb_err(err, local.code, "%s", local.msg);
		s->rundir[0] = s->workdir[0] = '\0';
	}
	if (s->agent_fd >= 0) {
		close(s->agent_fd);
		s->agent_fd = -1;
	}
	return e;
}
