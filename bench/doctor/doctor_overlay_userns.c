/* doctor's rootless overlay check: an overlay mounted with userxattr by the root of a user
 * namespace mapped as rootless engines map it, and what it wrote read back from outside. */
#include "doctor_overlay_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

/* The user namespace's root and range on the host, as rootless engines map it. */
#define USERNS_HOST_ID 100000
#define USERNS_COUNT   65536

/* What the user-namespace child reports back through the pipe. */
struct userns_report {
	int err; /* positive errno, 0 when every step worked */
	char step[32]; /* the step that failed */
	char msg[512]; /* ovl_mount's message when the mount failed */
};

/* Runs in the forked child: becomes root of a new user namespace mapped onto
 * USERNS_HOST_ID, mounts with userxattr, and makes a whiteout and an opaque dir, the two
 * things that need xattrs or device nodes on the upper fs. Never returns. */
static void userns_child(const char *merged, const char *lower, const char *upper, const char *work,
			 int in, int out)
{
	const struct ovl_options o = { .userxattr = true };
	struct userns_report r = { 0 };
	struct bb_error err = { 0 };
	char path[PATH_MAX], go = 0;

	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0) {
		r.err = errno;
		snprintf(r.step, sizeof(r.step), "unshare");
		if (write(out, "x", 1) != 1)
			_exit(1);
		goto report;
	}
	if (write(out, "u", 1) != 1 || read(in, &go, 1) != 1 || go != 'g')
		_exit(1); /* the parent gave up; it reports */
	if (setresgid(0, 0, 0) < 0 || setgroups(0, NULL) < 0 || setresuid(0, 0, 0) < 0) {
		r.err = errno;
		snprintf(r.step, sizeof(r.step), "setresuid");
		goto report;
	}
	if (ovl_mount_legacy(merged, &lower, 1, NULL, 0, upper, work, &o, &err)) {
		r.err = err.code;
		snprintf(r.step, sizeof(r.step), "mount");
		snprintf(r.msg, sizeof(r.msg), "%s", err.msg);
		goto report;
	}
	snprintf(path, sizeof(path), "%s/gone", merged);
	if (unlink(path) < 0) {
		r.err = errno;
		snprintf(r.step, sizeof(r.step), "whiteout");
		goto unmount;
	}
	snprintf(path, sizeof(path), "%s/dir/file", merged);
	if (unlink(path) < 0) {
		r.err = errno;
		snprintf(r.step, sizeof(r.step), "whiteout");
		goto unmount;
	}
	snprintf(path, sizeof(path), "%s/dir", merged);
	if (rmdir(path) < 0 || mkdir(path, 0755) < 0) {
		r.err = errno;
		snprintf(r.step, sizeof(r.step), "opaque dir");
	}
unmount:
	ovl_umount(merged, NULL);
report:
	if (write(out, &r, sizeof(r)) != sizeof(r))
		_exit(1);
	_exit(0);
}

static int write_id_map(pid_t pid, const char *file)
{
	char path[64], map[64];
	int fd, e = 0, len;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	len = snprintf(map, sizeof(map), "0 %d %d\n", USERNS_HOST_ID, USERNS_COUNT);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, map, len) != len)
		e = -errno;
	close(fd);
	return e;
}

/* dir/{l,u,w}, with a file to delete (a whiteout) and a dir to replace (an opaque dir) in l,
 * owned by the user namespace's root. */
static int make_owned_tree(const char *dir, char *lower, char *upper, char *work)
{
	char path[PATH_MAX];
	const char *dirs[] = { dir, lower, upper, work, path };
	int e;

	if (path_join(lower, PATH_MAX, dir, "l") || path_join(upper, PATH_MAX, dir, "u") ||
	    path_join(work, PATH_MAX, dir, "w") || path_join(path, PATH_MAX, lower, "dir"))
		return -ENAMETOOLONG;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		e = mkdir_p(dirs[i], 0755, NULL);
		if (e)
			return e;
	}
	if ((e = overlay_marker(lower, "gone")) || (e = overlay_marker(path, "file")))
		return e;
	/* The namespace's root is USERNS_HOST_ID on the host: it must own what it changes. */
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (chown(dirs[i], USERNS_HOST_ID, USERNS_HOST_ID) < 0)
			return -errno;
	return 0;
}

void doctor_overlay_userxattr(struct probe *p)
{
	static const char means_yes[] =
		"rootless overlay works (user namespace, user.overlay.* "
		"xattrs): user-namespace containers (--ns user) mount kernel overlay";
	static const char means_no[] = "no rootless kernel overlay: user-namespace containers "
				       "(--ns user) cannot mount it";
	char dir[PATH_MAX], lower[PATH_MAX], upper[PATH_MAX], work[PATH_MAX], path[PATH_MAX];
	int to_child[2] = { -1, -1 }, to_parent[2] = { -1, -1 }, e, status;
	struct userns_report r = { 0 };
	char opaque[4] = "", ready = 0;
	const char *whiteout = "something else";
	struct stat st;
	pid_t pid = -1;
	ssize_t n;

	e = path_join(dir, sizeof(dir), p->root, "userns");
	if (!e)
		e = make_owned_tree(dir, lower, upper, work);
	if (e) {
		snprintf(r.step, sizeof(r.step), "layers");
		r.err = -e;
		goto report;
	}
	if (pipe2(to_child, O_CLOEXEC) < 0 || pipe2(to_parent, O_CLOEXEC) < 0) {
		snprintf(r.step, sizeof(r.step), "pipe");
		r.err = errno;
		goto report;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(r.step, sizeof(r.step), "fork");
		r.err = errno;
		goto report;
	}
	if (pid == 0) {
		close(to_child[1]);
		close(to_parent[0]);
		userns_child(p->merged, lower, upper, work, to_child[0], to_parent[1]);
	}
	close(to_child[0]);
	close(to_parent[1]);
	to_child[0] = to_parent[1] = -1;

	/* The child says it has unshared ('u'), so that we write its maps, or failed ('x'). */
	n = read(to_parent[0], &ready, 1);
	if (n == 1 && ready == 'u') {
		e = write_id_map(pid, "uid_map");
		if (!e)
			e = write_id_map(pid, "gid_map");
		if (e) {
			snprintf(r.step, sizeof(r.step), "uid_map");
			r.err = -e;
			goto report;
		}
		if (write(to_child[1], "g", 1) != 1) {
			snprintf(r.step, sizeof(r.step), "pipe");
			r.err = errno;
			goto report;
		}
	}
	if (n == 1)
		n = read(to_parent[0], &r, sizeof(r));
	if (n != sizeof(r)) {
		memset(&r, 0, sizeof(r));
		snprintf(r.step, sizeof(r.step), "child");
		r.err = ECHILD;
	}
report:
	/* Closing our end first tells a child still waiting for its maps to give up. */
	if (to_child[1] >= 0)
		close(to_child[1]);
	if (pid > 0)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	if (to_child[0] >= 0)
		close(to_child[0]);
	if (to_parent[0] >= 0)
		close(to_parent[0]);
	if (to_parent[1] >= 0)
		close(to_parent[1]);

	if (!r.err) {
		/* Read back, from outside, what the overlay wrote: tmpfs keeps user.* xattrs
		 * only since Linux 6.6, and an opaque dir without its mark lets lower files in. */
		if (path_join(path, sizeof(path), upper, "dir") == 0)
			getxattr(path, "user.overlay.opaque", opaque, sizeof(opaque) - 1);
		if (path_join(path, sizeof(path), upper, "gone") || lstat(path, &st) < 0)
			whiteout = "missing";
		else if (S_ISCHR(st.st_mode) && st.st_rdev == 0)
			whiteout = "a 0/0 char device";
		else if (S_ISREG(st.st_mode))
			whiteout = "an xattr-marked file";
		if (opaque[0] != 'y') {
			snprintf(r.step, sizeof(r.step), "opaque dir");
			r.err = ENODATA;
		}
	}
	if (!r.err) {
		check_add(p->out, GROUP, "userxattr", true, 0, means_yes, "yes");
		check_detail(p->out,
			     "uid/gid 0 -> %d (%d ids), tmpfs upper: whiteout as %s, opaque dir "
			     "as user.overlay.opaque=y",
			     USERNS_HOST_ID, USERNS_COUNT, whiteout);
	} else if (!strcmp(r.step, "whiteout") || !strcmp(r.step, "opaque dir")) {
		check_add(p->out, GROUP, "userxattr", false, r.err,
			  "rootless overlay mounts, but this upper fs cannot hold its whiteouts or "
			  "user.* xattrs: rootless cases skipped",
			  "mounts only");
		check_detail(p->out, "mounted in a user namespace; creating its %s failed: %s%s",
			     r.step, errno_name(r.err),
			     r.err == ENODATA ? " (no user.overlay.opaque on the upper dir)" : "");
	} else {
		check_add(p->out, GROUP, "userxattr", false, r.err, means_no, "no");
		check_claim(p->out, CLAIM_DRIVER, "fuse-overlayfs", "are the rootless way here");
		if (r.msg[0])
			check_detail(p->out, "in a user namespace (0 -> %d): %s", USERNS_HOST_ID,
				     r.msg);
		else
			check_detail(p->out, "failed at %s: %s", r.step, errno_name(r.err));
	}
}
