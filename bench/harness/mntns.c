/* Private mount namespace and tmpfs scratch dirs: see mntns.h. */
#include "mntns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

/* Whether / is the root of a mount: not so in a chroot into a plain directory. Without the
 * answer (a kernel before 5.8), assume it is. */
static bool root_is_mount_root(void)
{
	struct statx stx;

	if (statx(AT_FDCWD, "/", 0, STATX_BASIC_STATS, &stx) < 0 ||
	    !(stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT))
		return true;
	return stx.stx_attributes & STATX_ATTR_MOUNT_ROOT;
}

int mntns_enter_private(struct bb_error *err)
{
	if (unshare(CLONE_NEWNS) < 0)
		return bb_err(err, errno,
			      "cannot create a private mount namespace: %s (boxbench needs root, "
			      "CAP_SYS_ADMIN; run it as root)",
			      errno_name(errno));
	/* Without this, mounts would propagate back to the host's shared peer groups. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		int e = errno;

		if (e == EINVAL && !root_is_mount_root())
			return bb_err(
				err, e,
				"cannot make / private in boxbench's mount namespace: EINVAL "
				"(/ is not a mount point: boxbench runs in a chroot into a "
				"plain directory, and the kernel changes the propagation of "
				"whole mounts only, so boxbench's mounts could not be kept from "
				"the host; bind-mount the directory onto itself before "
				"chrooting: mount --bind DIR DIR)");
		return bb_err(err, e, "cannot make / private in boxbench's mount namespace: %s",
			      errno_name(e));
	}
	return 0;
}

int scratch_create(struct scratch *s, const char *tag, struct bb_error *err)
{
	memset(s, 0, sizeof(*s));
	/* The pid in the name tells `boxbench cleanup` whether the dir's owner is still alive. */
	snprintf(s->path, sizeof(s->path), "/tmp/boxbench-%s-%d.XXXXXX", tag, (int)getpid());
	if (!mkdtemp(s->path)) {
		int e = errno;

		s->path[0] = '\0';
		return bb_err(err, e, "cannot create a scratch dir under /tmp: %s", errno_name(e));
	}
	if (mount("boxbench", s->path, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0) {
		int e = errno;

		rmdir(s->path);
		s->path[0] = '\0';
		return bb_err(err, e, "cannot mount a tmpfs scratch on /tmp: %s", errno_name(e));
	}
	s->mounted = 1;
	return 0;
}

void scratch_destroy(struct scratch *s)
{
	if (!s->path[0])
		return;
	if (s->mounted)
		umount2(s->path, MNT_DETACH);
	rmdir(s->path);
	s->path[0] = '\0';
	s->mounted = 0;
}
