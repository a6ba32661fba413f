/* Idmapped mounts: see idmap_mount.h. */
#include "idmap_mount.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/fsutil.h"

int idmap_supported(struct bb_error *err)
{
	/* A size of 0 is refused with EINVAL by every kernel that has the call. */
	if (mount_setattr(-1, "", AT_EMPTY_PATH, NULL, 0) < 0 && errno == ENOSYS)
		return bb_err(err, ENOSYS,
			      "mount_setattr(2) is missing: ENOSYS (idmapped mounts need Linux "
			      "5.12, overlay over idmapped layers 5.19; use another driver or a "
			      "newer kernel)");
	return 0;
}

static ssize_t read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, (char *)buf + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -1 : (ssize_t)got;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* The child: a new user namespace, its pid as the /proc it sees names it (not fork()'s, which
 * is in the caller's pid namespace), then a wait for the parent's end of go to close. */
static __attribute__((noreturn)) void userns_child(int ready, int go)
{
	char self[32];
	ssize_t n;
	int pid, status = 0;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (unshare(CLONE_NEWUSER) < 0) {
		status = errno;
		pid = -status;
	} else {
		n = readlink("/proc/self", self, sizeof(self) - 1);
		if (n <= 0) {
			status = n < 0 ? errno : ENOENT;
			pid = -status;
		} else {
			self[n] = '\0';
			pid = atoi(self);
		}
	}
	if (write(ready, &pid, sizeof(pid)) != (ssize_t)sizeof(pid))
		_exit(1);
	close(ready);
	if (!status) {
		char c;

		while (read(go, &c, 1) < 0 && errno == EINTR)
			;
	}
	_exit(status ? 1 : 0);
}

int idmap_userns_open(uid_t inside, uid_t outside, unsigned count, int *fd, struct bb_error *err)
{
	int ready[2] = { -1, -1 }, go[2] = { -1, -1 }, child_pid = 0, status, e = 0;
	char path[64], map[64];
	int len = snprintf(map, sizeof(map), "%u %u %u\n", (unsigned)inside, (unsigned)outside,
			   count);
	pid_t pid;

	*fd = -1;
	if (pipe2(ready, O_CLOEXEC) < 0 || pipe2(go, O_CLOEXEC) < 0) {
		e = bb_err(err, errno,
			   "cannot make a user namespace for idmapped layers: %s at pipe2",
			   errno_name(errno));
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		e = bb_err(err, errno,
			   "cannot make a user namespace for idmapped layers: %s at fork (a limit "
			   "on processes?)",
			   errno_name(errno));
		goto out;
	}
	if (pid == 0) {
		close(ready[0]);
		close(go[1]);
		userns_child(ready[1], go[0]);
	}
	close(ready[1]);
	ready[1] = -1;
	close(go[0]);
	go[0] = -1;

	if (read_full(ready[0], &child_pid, sizeof(child_pid)) != (ssize_t)sizeof(child_pid)) {
		e = bb_err(
			err, ECHILD,
			"cannot make a user namespace for idmapped layers: the child died before "
			"it said its pid");
		goto reap;
	}
	if (child_pid <= 0) {
		e = bb_err(err, -child_pid,
			   "cannot make a user namespace for idmapped layers: %s at %s (%s)",
			   errno_name(-child_pid),
			   child_pid == -ENOENT ? "readlink /proc/self" : "unshare(CLONE_NEWUSER)",
			   -child_pid == ENOSPC ? "user.max_user_namespaces is reached; raise it"
			   : -child_pid == EPERM
				   ? "user namespaces are not allowed here (kernel.unprivileged_"
				     "userns_clone, a seccomp filter, or a chroot)"
				   : "is /proc mounted?");
		goto reap;
	}
	snprintf(path, sizeof(path), "/proc/%d/uid_map", child_pid);
	if ((e = write_file(path, map, (size_t)len, err)))
		goto maps;
	snprintf(path, sizeof(path), "/proc/%d/gid_map", child_pid);
	if ((e = write_file(path, map, (size_t)len, err)))
		goto maps;
	snprintf(path, sizeof(path), "/proc/%d/ns/user", child_pid);
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		e = bb_err(err, errno, "cannot open %s for idmapped layers: %s", path,
			   errno_name(errno));
	goto reap;
maps:
	bb_err_wrap(err,
		    "cannot map %u ids at %u to %u for idmapped layers (needs CAP_SETUID and "
		    "CAP_SETGID over uids %u-%u: root of the initial user namespace; inside a "
		    "user namespace they are not mapped)",
		    count, (unsigned)inside, (unsigned)outside, (unsigned)outside,
		    (unsigned)(outside + count - 1));
reap:
	close(go[1]); /* the child's read sees EOF and it exits */
	go[1] = -1;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
out:
	for (int i = 0; i < 2; i++) {
		if (ready[i] >= 0)
			close(ready[i]);
		if (go[i] >= 0)
			close(go[i]);
	}
	return e;
}

/* The file system type of path, for messages ("ext4", "tmpfs", or the magic in hex). */
static void fs_name(const char *path, char *out, size_t len)
{
	struct statfs s;

	if (statfs(path, &s) < 0) {
		snprintf(out, len, "unknown");
		return;
	}
	switch ((unsigned long)s.f_type) {
	case 0xEF53:
		snprintf(out, len, "ext4");
		break;
	case 0x01021994:
		snprintf(out, len, "tmpfs");
		break;
	case 0x9123683E:
		snprintf(out, len, "btrfs");
		break;
	case 0x58465342:
		snprintf(out, len, "xfs");
		break;
	case 0x794c7630:
		snprintf(out, len, "overlay");
		break;
	default:
		snprintf(out, len, "f_type 0x%lx", (unsigned long)s.f_type);
	}
}

int idmap_clone(const char *path, int userns_fd, int *fd, struct bb_error *err)
{
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (__u64)userns_fd };
	char fs[32];
	int e;

	*fd = open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (*fd < 0)
		return bb_err(err, errno,
			      "cannot clone the mount of layer %s: %s at open_tree (%s)", path,
			      errno_name(errno),
			      errno == ENOSYS	? "needs Linux 5.2"
			      : errno == EPERM	? "needs CAP_SYS_ADMIN; run as root"
			      : errno == ENOENT ? "the layer is missing; rebuild the stack"
						: "see dmesg");
	if (mount_setattr(*fd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) == 0)
		return 0;
	e = errno;
	fs_name(path, fs, sizeof(fs));
	bb_err(err, e, "cannot idmap layer %s (on %s): %s at mount_setattr(MOUNT_ATTR_IDMAP) (%s)",
	       path, fs, errno_name(e),
	       e == EINVAL   ? "this file system lacks FS_ALLOW_IDMAP, or the mount is idmapped "
			       "already; put the stack on ext4, xfs, btrfs or tmpfs"
	       : e == EPERM  ? "needs CAP_SYS_ADMIN over the file system's user namespace: the "
			       "host's root, not a user namespace's; engines idmap the layers "
			       "before they enter the container's namespace"
	       : e == ENOSYS ? "needs Linux 5.12"
			     : "see dmesg");
	close(*fd);
	*fd = -1;
	return -e;
}

int idmap_attach(int fd, const char *target, struct bb_error *err)
{
	if (move_mount(fd, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) == 0)
		return 0;
	return bb_err(err, errno, "cannot attach an idmapped layer on %s: %s at move_mount (%s)",
		      target, errno_name(errno),
		      errno == ENOENT ? "the mount point is missing" : "see dmesg");
}
