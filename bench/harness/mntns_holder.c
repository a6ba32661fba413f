/* A mount namespace with n mounts, held by an fd: see mntns_holder.h. */
#include "mntns_holder.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/fsutil.h"
#include "common/spawn.h"

#define HOLDER_TIMEOUT_MS 30000 /* 1000 mounts take well under a second */

struct holder_msg {
	int err;
	char step[48];
};

static __attribute__((noreturn)) void holder(const char *dir, unsigned n, int rep, int hold)
{
	struct holder_msg m = { 0 };
	char path[4200], b;

	/* The harness's namespace is all private, so the copy is too: nothing mounted here
	 * propagates anywhere. */
	if (unshare(CLONE_NEWNS) < 0) {
		m.err = errno;
		snprintf(m.step, sizeof(m.step), "unshare(CLONE_NEWNS)");
	}
	for (unsigned i = 0; i < n && !m.err; i++) {
		snprintf(path, sizeof(path), "%s/%u", dir, i);
		if (mount("boxbench", path, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k") < 0) {
			m.err = errno;
			snprintf(m.step, sizeof(m.step), "mount tmpfs %u", i);
		}
	}
	if (write(rep, &m, sizeof(m)) != sizeof(m) || m.err)
		_exit(1);
	while (read(hold, &b, 1) < 0 && errno == EINTR)
		;
	_exit(0);
}

int mntns_hold_mounts(const char *dir, unsigned n, int *fd, struct bb_error *err)
{
	struct holder_msg m = { 0 };
	int rep[2], hold[2], e;
	char path[4200];
	pid_t pid, parent;

	*fd = -1;
	if (n && (e = mkdir_p(dir, 0755, err)))
		return e;
	for (unsigned i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%u", dir, i);
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			return bb_err(err, errno,
				      "cannot create the mount point %s: %s (free room there or "
				      "choose another --work-dir)",
				      path, errno_name(errno));
	}
	if (pipe2(rep, O_CLOEXEC) < 0)
		return bb_err(err, errno, "cannot make a pipe: %s", errno_name(errno));
	if (pipe2(hold, O_CLOEXEC) < 0) {
		e = bb_err(err, errno, "cannot make a pipe: %s", errno_name(errno));
		close(rep[0]);
		close(rep[1]);
		return e;
	}
	parent = getpid();
	pid = fork();
	if (pid == 0) {
		spawn_die_with_parent(parent);
		close(rep[0]);
		close(hold[1]);
		holder(dir, n, rep[1], hold[0]);
	}
	close(rep[1]);
	close(hold[0]);
	if (pid < 0) {
		e = bb_err(err, errno, "cannot fork the mount holder: %s", errno_name(errno));
		goto out;
	}
	if ((e = read_full_timeout(rep[0], &m, sizeof(m), HOLDER_TIMEOUT_MS))) {
		e = bb_err(err, -e, "the mount holder died before reporting: %s", errno_name(-e));
		goto out;
	}
	if (m.err) {
		e = bb_err(err, m.err,
			   "cannot make %u mounts in a new mount namespace: %s: %s (%s)", n, m.step,
			   errno_name(m.err),
			   m.err == ENOSPC ? "/proc/sys/fs/mount-max is reached; raise it"
					   : strerror(m.err));
		goto out;
	}
	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid);
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		e = bb_err(err, errno, "cannot open %s: %s (is /proc mounted?)", path,
			   errno_name(errno));
out:
	close(hold[1]); /* the holder leaves; the namespace lives on in *fd */
	close(rep[0]);
	if (pid > 0 && e)
		kill(pid, SIGKILL);
	if (pid > 0)
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	return e;
}
