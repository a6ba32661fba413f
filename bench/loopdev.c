/* Attaching image files to loop devices with autoclear: see loopdev.h. */
#include "loopdev.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* Another process may take the device LOOP_CTL_GET_FREE named before we bind it (EBUSY);
 * asking again gives the next free one. */
#define LOOPDEV_RETRIES 16

static void loop_info_fill(struct loop_info64 *info, const char *backing, unsigned int flags)
{
	memset(info, 0, sizeof(*info));
	info->lo_flags = LO_FLAGS_AUTOCLEAR;
	if (flags & LOOPDEV_READ_ONLY)
		info->lo_flags |= LO_FLAGS_READ_ONLY;
	/* Shown by losetup, so a device a crashed run left can be traced back to boxbench. */
	snprintf((char *)info->lo_file_name, sizeof(info->lo_file_name), "%s", backing);
}

/* Binds file_fd to the open loop device; returns 0, -EBUSY if someone else bound it first, or
 * another negative errno. */
static int loop_bind(struct loopdev *lo, int file_fd, const char *backing, unsigned int flags)
{
	struct loop_config config;
	struct loop_info64 info;

	if (!(flags & LOOPDEV_LEGACY)) {
		memset(&config, 0, sizeof(config));
		config.fd = (unsigned int)file_fd;
		loop_info_fill(&config.info, backing, flags);
		if (ioctl(lo->fd, LOOP_CONFIGURE, &config) == 0)
			return 0;
		/* Kernels before 5.8 answer an unknown loop ioctl with EINVAL (or ENOTTY). */
		if (errno != EINVAL && errno != ENOTTY)
			return -errno;
	}
	if (ioctl(lo->fd, LOOP_SET_FD, file_fd) < 0)
		return -errno;
	loop_info_fill(&info, backing, flags);
	if (ioctl(lo->fd, LOOP_SET_STATUS64, &info) < 0) {
		int e = errno;

		ioctl(lo->fd, LOOP_CLR_FD, 0);
		return -e;
	}
	lo->legacy = true;
	return 0;
}

/* Swaps our read-write hold for a read-only one: where CONFIG_BLK_DEV_WRITE_MOUNTED=n, a mount
 * of the device fails with EBUSY while anyone else has it open for writing. */
static int loop_hold_read_only(struct loopdev *lo, struct bb_error *err)
{
	int ro = open(lo->path, O_RDONLY | O_CLOEXEC);

	if (ro < 0) {
		int e = errno;

		ioctl(lo->fd, LOOP_CLR_FD, 0);
		return bb_err(err, e, "cannot reopen %s read-only: %s", lo->path, errno_name(e));
	}
	close(lo->fd);
	lo->fd = ro;
	return 0;
}

int loopdev_attach(struct loopdev *lo, const char *backing, unsigned int flags,
		   struct bb_error *err)
{
	int ctl = -1, file_fd = -1, e = 0;

	memset(lo, 0, sizeof(*lo));
	lo->fd = -1;
	file_fd = open(backing, ((flags & LOOPDEV_READ_ONLY) ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (file_fd < 0) {
		e = bb_err(err, errno, "cannot open image %s: %s", backing, errno_name(errno));
		goto out;
	}
	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (ctl < 0) {
		e = bb_err(err, errno, "cannot open /dev/loop-control: %s (%s)", errno_name(errno),
			   "the kernel needs CONFIG_BLK_DEV_LOOP, and boxbench needs root");
		goto out;
	}
	for (int attempt = 0; attempt < LOOPDEV_RETRIES; attempt++) {
		int nr = ioctl(ctl, LOOP_CTL_GET_FREE);

		if (nr < 0) {
			e = bb_err(err, errno, "no free loop device: LOOP_CTL_GET_FREE: %s",
				   errno_name(errno));
			goto out;
		}
		snprintf(lo->path, sizeof(lo->path), "/dev/loop%d", nr);
		lo->nr = nr;
		lo->fd = open(lo->path, O_RDWR | O_CLOEXEC);
		if (lo->fd < 0) {
			e = bb_err(err, errno, "cannot open %s: %s", lo->path, errno_name(errno));
			goto out;
		}
		e = loop_bind(lo, file_fd, backing, flags);
		if (e != -EBUSY)
			break;
		close(lo->fd);
		lo->fd = -1;
	}
	if (e == -EBUSY)
		e = bb_err(err, EBUSY,
			   "cannot attach %s to a loop device: EBUSY (other processes took each "
			   "free device first; retry)",
			   backing);
	else if (e)
		e = bb_err(err, e, "cannot attach %s to %s: %s", backing, lo->path, errno_name(e));
	else
		e = loop_hold_read_only(lo, err);
out:
	if (e) {
		if (lo->fd >= 0)
			close(lo->fd);
		memset(lo, 0, sizeof(*lo));
		lo->fd = -1;
	}
	/* The loop device holds its own reference to the file from here on. */
	if (file_fd >= 0)
		close(file_fd);
	if (ctl >= 0)
		close(ctl);
	return e;
}

void loopdev_detach(struct loopdev *lo)
{
	if (!lo->path[0])
		return;
	/* Already autoclear; this only makes the clear happen at our close when we are the last
	 * holder, and is a no-op (the flag is set) while a mount still holds the device. */
	ioctl(lo->fd, LOOP_CLR_FD, 0);
	close(lo->fd);
	lo->fd = -1;
	lo->path[0] = '\0';
}

int loopdev_find_backing(const char *backing)
{
	size_t len = strlen(backing);
	struct dirent *de;
	int found = -ENOENT;
	DIR *dir;

	dir = opendir("/sys/block");
	if (!dir)
		return -errno;
	while (found < 0 && (de = readdir(dir))) {
		char path[300], line[4200];
		int nr;
		FILE *f;

		if (sscanf(de->d_name, "loop%d", &nr) != 1)
			continue;
		snprintf(path, sizeof(path), "/sys/block/%s/loop/backing_file", de->d_name);
		/* Absent while the device is unbound. */
		f = fopen(path, "re");
		if (!f)
			continue;
		if (fgets(line, sizeof(line), f)) {
			line[strcspn(line, "\n")] = '\0';
			if (!strncmp(line, backing, len) &&
			    (!line[len] || !strcmp(line + len, " (deleted)")))
				found = nr;
		}
		fclose(f);
	}
	closedir(dir);
	return found;
}
