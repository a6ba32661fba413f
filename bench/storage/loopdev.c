/* Attaching image files to loop devices with autoclear: see loopdev.h. */
#include "loopdev.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <stdio.h>
#include <stdlib.h>
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

/* The sysfs file of /dev/loopN's attribute attr, read to its first line; false when absent
 * (backing_file is, while the device is unbound). */
static bool loop_sysfs(int nr, const char *attr, char *buf, size_t len)
{
	char path[96];
	bool ok;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/block/loop%d/%s", nr, attr);
	f = fopen(path, "re");
	if (!f)
		return false;
	ok = fgets(buf, (int)len, f) != NULL;
	fclose(f);
	if (ok)
		buf[strcspn(buf, "\n")] = '\0';
	return ok;
}

static void loop_info_read(struct loopdev_info *lo)
{
	char path[32], line[32];
	struct loop_info64 info;
	int fd;

	if (loop_sysfs(lo->nr, "loop/autoclear", line, sizeof(line)))
		lo->autoclear = atoi(line) != 0;
	if (loop_sysfs(lo->nr, "dev", line, sizeof(line)))
		sscanf(line, "%u:%u", &lo->major, &lo->minor);
	/* Opening the device only counts as one more holder while it is open. */
	snprintf(path, sizeof(path), "/dev/loop%d", lo->nr);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (ioctl(fd, LOOP_GET_STATUS64, &info) == 0)
		snprintf(lo->name, sizeof(lo->name), "%.*s", (int)sizeof(info.lo_file_name),
			 (const char *)info.lo_file_name);
	close(fd);
}

int loopdev_each(int (*fn)(const struct loopdev_info *lo, void *arg), void *arg)
{
	struct loopdev_info *lo = malloc(sizeof(*lo));
	struct dirent *de;
	int r = 0;
	DIR *dir;

	if (!lo)
		return -ENOMEM;
	dir = opendir("/sys/block");
	if (!dir) {
		r = -errno;
		free(lo);
		return r;
	}
	while (!r && (de = readdir(dir))) {
		int nr;

		if (sscanf(de->d_name, "loop%d", &nr) != 1)
			continue;
		memset(lo, 0, sizeof(*lo));
		lo->nr = nr;
		if (!loop_sysfs(nr, "loop/backing_file", lo->backing, sizeof(lo->backing)))
			continue;
		loop_info_read(lo);
		r = fn(lo, arg);
	}
	closedir(dir);
	free(lo);
	return r;
}

struct find_backing {
	const char *backing;
	size_t len;
};

static int backing_matches(const struct loopdev_info *lo, void *arg)
{
	const struct find_backing *f = arg;
	const char *rest = lo->backing + f->len;

	if (strncmp(lo->backing, f->backing, f->len) || (*rest && strcmp(rest, " (deleted)")))
		return 0;
	return lo->nr + 1; /* nonzero, even for loop0 */
}

int loopdev_find_backing(const char *backing)
{
	struct find_backing f = { backing, strlen(backing) };
	int r = loopdev_each(backing_matches, &f);

	return r > 0 ? r - 1 : r < 0 ? r : -ENOENT;
}

bool loopdev_bound(int nr)
{
	char line[8];

	return loop_sysfs(nr, "loop/backing_file", line, sizeof(line));
}

int loopdev_clear(int nr, int wait_ms)
{
	char path[32];
	int fd, e = 0;

	snprintf(path, sizeof(path), "/dev/loop%d", nr);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ENXIO ? 0 : -errno;
	/* ENXIO: it came unbound meanwhile. */
	if (ioctl(fd, LOOP_CLR_FD, 0) < 0 && errno != ENXIO)
		e = -errno;
	close(fd);
	if (e)
		return e;
	for (int waited = 0; loopdev_bound(nr); waited += 50) {
		if (waited >= wait_ms)
			return -EBUSY;
		usleep(50 * 1000);
	}
	return 0;
}
