/* The fuse-overlayfs storage driver: the overlay driver's layout (the init layer over the
 * stack's layers, an upper and work dir per container) served by a fuse-overlayfs daemon per
 * container instead of the kernel's overlayfs, as rootless podman does without native
 * overlay. The daemon is the mounting process's child (run in the foreground, so it can be
 * reaped) and dies with it (PR_SET_PDEATHSIG): in a container start that is the container's
 * own process, which then executes the agent. */
#include "driver.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/fsutil.h"
#include "common/spawn.h"
#include "common/sys.h"
#include "driver_check.h"
#include "driver_overlay_internal.h"

#ifndef FUSE_SUPER_MAGIC
#define FUSE_SUPER_MAGIC 0x65735546
#endif

/* fuse-overlayfs mounts in tens of ms and exits at once on umount; these bound a hung one. */
#define FUSE_MOUNT_TIMEOUT_MS 5000
#define FUSE_EXIT_TIMEOUT_MS  2000
/* The -o argument; far below execve's MAX_ARG_STRLEN (128 KiB), and room for 64 layers of
 * paths many times longer than the run dir's. */
#define FUSE_OPTS_MAX 65536

static int fuse_overlayfs_available(const struct driver_config *cfg, struct bb_error *err)
{
	char path[512];
	int fd, e;

	(void)cfg;
	if ((e = tool_find("fuse-overlayfs", "fuse-overlayfs", path, sizeof(path), err)))
		return e;
	if ((e = fs_type_known("fuse", "FUSE (CONFIG_FUSE_FS, or modprobe fuse)", err)))
		return e;
	fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return bb_err(err, errno,
			      "cannot open /dev/fuse: %s (modprobe fuse; in a container, pass "
			      "the device in with --device /dev/fuse)",
			      errno_name(errno));
	close(fd);
	return 0;
}

static int fuse_overlayfs_image_open(const struct driver_config *cfg,
				     const struct layer_stack *stack, struct driver_image *img,
				     struct bb_error *err)
{
	char path[512];
	int e;

	(void)cfg;
	memset(img, 0, sizeof(*img));
	img->stack = stack;
	/* The daemon's path, found once: mount runs it without a PATH search. */
	if ((e = tool_find("fuse-overlayfs", "fuse-overlayfs", path, sizeof(path), err)))
		return e;
	if (!(img->priv = strdup(path)))
		return bb_err(err, ENOMEM, "out of memory");
	return driver_image_list_lowers(img, stack, err);
}

static void fuse_overlayfs_image_close(const struct driver_config *cfg, struct driver_image *img)
{
	(void)cfg;
	driver_image_free_lowers(img);
	free(img->priv);
	img->priv = NULL;
}

static int fuse_overlayfs_prepare(const struct driver_config *cfg, const struct driver_image *img,
				  const char *dir, uid_t owner, struct rootfs *rfs,
				  struct bb_error *err)
{
	return rootfs_dirs_make(rfs, img, dir, cfg->read_only, owner, err);
}

/* Appends s to buf (at *at, of size len); a path holding fuse-overlayfs's separators (':'
 * between layers, ',' between options) is refused rather than escaped. */
static int opts_add(char *buf, size_t len, size_t *at, const char *s, bool path,
		    struct bb_error *err)
{
	size_t n = strlen(s);

	if (path && strpbrk(s, ":,"))
		return bb_err(err, EINVAL,
			      "cannot give %s to fuse-overlayfs: it holds ':' or ',', which "
			      "separate its layers and options (use a work dir without them)",
			      s);
	if (*at + n + 1 > len)
		return -E2BIG; /* the caller says how many layers */
	memcpy(buf + *at, s, n + 1);
	*at += n;
	return 0;
}

static int fuse_overlayfs_opts(const struct driver_config *cfg, const struct rootfs *rfs, char *buf,
			       size_t len, struct bb_error *err)
{
	const struct driver_image *img = rfs->image;
	size_t at = 0;
	int e;

	buf[0] = '\0';
	e = opts_add(buf, len, &at, "lowerdir=", false, err);
	e = e ?: opts_add(buf, len, &at, rfs->init, true, err);
	for (unsigned i = 0; !e && i < img->n_lowers; i++) {
		e = opts_add(buf, len, &at, ":", false, err);
		e = e ?: opts_add(buf, len, &at, img->lowers[i], true, err);
	}
	if (!e && !cfg->read_only) {
		e = opts_add(buf, len, &at, ",upperdir=", false, err);
		e = e ?: opts_add(buf, len, &at, rfs->upper, true, err);
		e = e ?: opts_add(buf, len, &at, ",workdir=", false, err);
		e = e ?: opts_add(buf, len, &at, rfs->work, true, err);
	}
	if (e == -E2BIG)
		bb_err(err, E2BIG,
		       "fuse-overlayfs options for %u layers exceed %zu bytes (use a shallower "
		       "stack, or shorter cache and work dirs)",
		       img->n_lowers + 1, len - 1);
	return e;
}

/* Forks the daemon: stdin from /dev/null, stdout and stderr into a pipe whose read end goes
 * to *out_fd (non-blocking), no other fd of ours (the container's report pipe must not be
 * held open by it). Returns its pid or a negative errno. */
static pid_t daemon_spawn(const char *tool, char *opts, char *mnt, int *out_fd)
{
	char *argv[] = { (char *)tool, "-f", "-o", opts, mnt, NULL };
	pid_t parent = getpid(), pid;
	int pipefd[2];

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		int e = errno;

		close(pipefd[0]);
		close(pipefd[1]);
		return -e;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);

		/* Dies with the process that mounted: a daemon that outlived it would pin the
		 * mount namespace and its mounts. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		/* Its stderr's reader goes away after the mount: a late message must not kill
		 * it with SIGPIPE. */
		signal(SIGPIPE, SIG_IGN);
		if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(pipefd[1], 1) < 0 ||
		    dup2(pipefd[1], 2) < 0)
			_exit(127);
		if (syscall(SYS_close_range, 3U, ~0U, 0U) < 0)
			for (int fd = 3; fd < 1024; fd++)
				close(fd);
		execv(tool, argv);
		dprintf(2, "cannot execute %s: %s", tool, strerror(errno));
		_exit(127);
	}
	close(pipefd[1]);
	fcntl(pipefd[0], F_SETFL, O_NONBLOCK);
	*out_fd = pipefd[0];
	return pid;
}

/* What the daemon said, on one line. */
static void drain_output(int fd, char *buf, size_t len)
{
	size_t have = 0;
	ssize_t n;

	while (have + 1 < len && (n = read(fd, buf + have, len - 1 - have)) > 0)
		have += (size_t)n;
	buf[have] = '\0';
	while (have && (buf[have - 1] == '\n' || buf[have - 1] == ' '))
		buf[--have] = '\0';
	for (char *p = buf; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	if (!buf[0])
		snprintf(buf, len, "(it said nothing)");
}

/* When the daemon could not open /dev/fuse, why and the fix, after what it said: root of a
 * user namespace is a mapped uid outside, and opens the device only when it is 0666, Debian's
 * default (a host or a container runtime may make it 0600). */
static void dev_fuse_hint(char *said, size_t len)
{
	size_t n = strlen(said);
	struct stat st;

	if (!strstr(said, "/dev/fuse") || stat("/dev/fuse", &st) < 0 || (st.st_mode & 0666) == 0666)
		return;
	snprintf(said + n, len - n,
		 " (/dev/fuse is mode %03o: root of a user namespace opens it only when it is "
		 "0666, Debian's default; chmod 0666 /dev/fuse, or leave out --ns user)",
		 (unsigned)(st.st_mode & 0777));
}

/* A FUSE mount at merged: a file system of FUSE's type on another device than its parent's
 * (merged's own file system may be FUSE too). */
static bool fuse_mounted(const char *merged, dev_t parent_dev)
{
	struct statfs sf;
	struct stat st;

	return stat(merged, &st) == 0 && st.st_dev != parent_dev && statfs(merged, &sf) == 0 &&
	       (unsigned long)sf.f_type == FUSE_SUPER_MAGIC;
}

/* Waits up to timeout_ms for the child's exit; true once it is reaped (status into *status
 * when given). */
static bool reap_within(pid_t pid, long timeout_ms, int *status)
{
	long long deadline = clock_ms() + timeout_ms;
	int st = 0;

	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid || (r < 0 && errno == ECHILD)) {
			if (status)
				*status = r == pid ? st : 0;
			return true;
		}
		if (clock_ms() >= deadline)
			return false;
		sleep_ms(1);
	}
}

static void daemon_kill(pid_t pid)
{
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

static int fuse_overlayfs_mount(const struct driver_config *cfg, struct rootfs *rfs,
				struct bb_error *err)
{
	const char *tool = rfs->image->priv;
	char *opts, said[512], parent[600];
	struct stat pst;
	long long deadline;
	int out_fd = -1, status, e;
	pid_t pid;

	if (rfs->daemon > 0)
		return bb_err(err, EBUSY, "fuse-overlayfs already serves %s (pid %d)", rfs->merged,
			      (int)rfs->daemon);
	snprintf(parent, sizeof(parent), "%s/..", rfs->merged);
	if (stat(parent, &pst) < 0)
		return bb_err(err, errno, "cannot stat %s: %s", parent, errno_name(errno));
	if (!(opts = malloc(FUSE_OPTS_MAX)))
		return bb_err(err, ENOMEM, "out of memory");
	if ((e = fuse_overlayfs_opts(cfg, rfs, opts, FUSE_OPTS_MAX, err)))
		goto out;

	pid = daemon_spawn(tool, opts, rfs->merged, &out_fd);
	if (pid < 0) {
		e = bb_err(err, (int)-pid, "cannot start %s: %s", tool, errno_name((int)-pid));
		goto out;
	}
	deadline = clock_ms() + FUSE_MOUNT_TIMEOUT_MS;
	for (;;) {
		if (fuse_mounted(rfs->merged, pst.st_dev))
			break;
		if (waitpid(pid, &status, WNOHANG) == pid) {
			drain_output(out_fd, said, sizeof(said));
			dev_fuse_hint(said, sizeof(said));
			if (WIFEXITED(status))
				e = bb_err(err, EIO,
					   "fuse-overlayfs exited (status %d) without mounting "
					   "%s: %s",
					   WEXITSTATUS(status), rfs->merged, said);
			else
				e = bb_err(err, EIO,
					   "fuse-overlayfs was killed (signal %d) before mounting "
					   "%s: %s",
					   WTERMSIG(status), rfs->merged, said);
			goto out;
		}
		if (clock_ms() >= deadline) {
			/* It may have mounted just now: take the mount down with it. */
			umount2(rfs->merged, MNT_DETACH);
			daemon_kill(pid);
			drain_output(out_fd, said, sizeof(said));
			e = bb_err(err, ETIMEDOUT,
				   "fuse-overlayfs did not mount %s within %d ms (killed; it said: "
				   "%s)",
				   rfs->merged, FUSE_MOUNT_TIMEOUT_MS, said);
			goto out;
		}
		sleep_ms(1);
	}
	rfs->daemon = pid;
	e = 0;
out:
	if (out_fd >= 0)
		close(out_fd);
	free(opts);
	return e;
}

static int fuse_overlayfs_umount(const struct driver_config *cfg, struct rootfs *rfs,
				 struct bb_error *err)
{
	int e = 0;

	(void)cfg;
	if (umount2(rfs->merged, 0) < 0) {
		int u = errno;

		if (u != EINVAL && u != ENOENT && umount2(rfs->merged, MNT_DETACH) < 0)
			e = bb_err(err, u, "cannot unmount fuse-overlayfs from %s: %s", rfs->merged,
				   errno_name(u));
	}
	/* Unmounting ends the FUSE connection, and with it the daemon; a hung one is killed. */
	if (rfs->daemon > 0) {
		if (!reap_within(rfs->daemon, FUSE_EXIT_TIMEOUT_MS, NULL)) {
			daemon_kill(rfs->daemon);
			if (!e)
				e = bb_err(err, ETIMEDOUT,
					   "fuse-overlayfs (pid %d) did not exit within %d ms of "
					   "the umount of %s (killed)",
					   (int)rfs->daemon, FUSE_EXIT_TIMEOUT_MS, rfs->merged);
		}
		rfs->daemon = 0;
	}
	return e;
}

static int fuse_overlayfs_release(const struct driver_config *cfg, struct rootfs *rfs,
				  struct bb_error *err)
{
	if (rfs->daemon > 0) {
		umount2(rfs->merged, MNT_DETACH);
		daemon_kill(rfs->daemon);
		rfs->daemon = 0;
	}
	return overlay_release(cfg, rfs, err);
}

static void fuse_overlayfs_describe(const struct driver_config *cfg, char *buf, size_t len)
{
	/* Asked once per case at most; the version is asked of the tool once per run. */
	static char version[32];
	static bool asked;

	if (!asked) {
		char *const argv[] = { "fuse-overlayfs", "--version", NULL };
		char text[1024];
		struct bb_error e = { 0 };

		asked = true;
		if (spawn_capture(argv, text, sizeof(text), &e) != 0 ||
		    !text_version(text, "fuse-overlayfs:", version, sizeof(version)))
			version[0] = '\0';
	}
	snprintf(buf, len, "fuse-overlayfs (%s%sdaemon per container%s)", version,
		 version[0] ? ", " : "", cfg->read_only ? ", read-only" : "");
}

const struct storage_driver driver_fuse_overlayfs = {
	.name = "fuse-overlayfs",
	.summary = "fuse-overlayfs: overlay's layout served by a FUSE daemon per container",
	.available = fuse_overlayfs_available,
	.image_open = fuse_overlayfs_image_open,
	.image_close = fuse_overlayfs_image_close,
	.prepare = fuse_overlayfs_prepare,
	.mount = fuse_overlayfs_mount,
	.umount = fuse_overlayfs_umount,
	.release = fuse_overlayfs_release,
	.describe = fuse_overlayfs_describe,
};
