/* Backing file systems on loop-mounted sparse images, and reflink detection: see
 * backing_fs.h. */
#include "backing_fs.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <unistd.h>

#include "loopdev.h"
#include "common/spawn.h"

#define MiB (1024ULL * 1024)

static const struct {
	const char *name;
	unsigned long magic;
	unsigned long long min_size;
} fs_info[BACKING_FS_COUNT] = {
	[FS_TMPFS] = { "tmpfs", TMPFS_MAGIC, 0 },
	/* Below a few MiB mkfs.ext4 makes a journal-less toy; keep it a real ext4. */
	[FS_EXT4] = { "ext4", EXT4_SUPER_MAGIC, 32 * MiB },
	/* xfsprogs 5.19+ refuses anything under 300 MiB (with a 64 MiB log). */
	[FS_XFS] = { "xfs", XFS_SUPER_MAGIC, 300 * MiB },
	/* btrfs-progs: "minimum size for each btrfs device is 114294784". */
	[FS_BTRFS] = { "btrfs", BTRFS_SUPER_MAGIC, 110 * MiB },
};

#define DEFAULT_IMAGE_SIZE (1024 * MiB)

const char *backing_fs_name(enum backing_fs fs)
{
	if ((unsigned int)fs >= BACKING_FS_COUNT)
		return "unknown";
	return fs_info[fs].name;
}

int backing_fs_parse(const char *name, enum backing_fs *fs, struct bb_error *err)
{
	for (unsigned int i = 0; name && i < BACKING_FS_COUNT; i++) {
		if (!strcmp(name, fs_info[i].name)) {
			*fs = (enum backing_fs)i;
			return 0;
		}
	}
	return bb_err(err, EINVAL,
		      "unknown backing file system '%s' (one of: tmpfs, ext4, xfs, btrfs)",
		      name ? name : "");
}

unsigned long backing_fs_magic(enum backing_fs fs)
{
	return (unsigned int)fs < BACKING_FS_COUNT ? fs_info[fs].magic : 0;
}

unsigned long long backing_fs_min_size(enum backing_fs fs)
{
	return (unsigned int)fs < BACKING_FS_COUNT ? fs_info[fs].min_size : 0;
}

/* mkfs output as one line for an error message: the tool's own words are the useful part. */
static void one_line(char *s)
{
	size_t n;

	for (char *p = s; *p; p++)
		if (*p == '\n' || *p == '\t')
			*p = ' ';
	n = strlen(s);
	while (n && s[n - 1] == ' ')
		s[--n] = '\0';
}

int backing_fs_mkfs(char *const argv[], struct bb_error *err)
{
	char out[512];
	int rc;

	rc = spawn_capture(argv, out, sizeof(out), err);
	if (rc < 0)
		return rc;
	if (rc) {
		one_line(out);
		return bb_err(err, EIO, "%s %s failed (exit %d): %s", argv[0],
			      argv[1] ? argv[1] : "", rc, out);
	}
	return 0;
}

static int mkfs_image(enum backing_fs fs, const char *image, struct bb_error *err)
{
	/* Quiet, and forced: stdin is /dev/null, and the target is a file, not a disk. */
	char *const ext4[] = { "mkfs.ext4", "-q", "-F", (char *)image, NULL };
	char *const xfs[] = { "mkfs.xfs", "-q", "-f", "-m", "reflink=1", (char *)image, NULL };
	char *const btrfs[] = { "mkfs.btrfs", "-q", "-f", (char *)image, NULL };

	switch (fs) {
	case FS_EXT4:
		return backing_fs_mkfs(ext4, err);
	case FS_XFS:
		return backing_fs_mkfs(xfs, err);
	case FS_BTRFS:
		return backing_fs_mkfs(btrfs, err);
	default:
		return bb_err(err, EINVAL, "%s has no image to make", backing_fs_name(fs));
	}
}

static int mount_tmpfs(struct backing_fs_mount *m, unsigned long long size_bytes,
		       struct bb_error *err)
{
	char opts[64] = "mode=0755";

	if (size_bytes)
		snprintf(opts, sizeof(opts), "mode=0755,size=%llu", size_bytes);
	if (mount("boxbench", m->mountpoint, "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0)
		return bb_err(err, errno, "cannot mount tmpfs on %s: %s", m->mountpoint,
			      errno_name(errno));
	m->mounted = true;
	return 0;
}

int backing_fs_mount(struct backing_fs_mount *m, enum backing_fs fs, const char *image_dir,
		     const char *mountpoint, unsigned long long size_bytes, struct bb_error *err)
{
	struct loopdev lo = { 0 };
	const char *name = backing_fs_name(fs);
	int fd, e;

	memset(m, 0, sizeof(*m));
	m->fs = fs;
	if ((unsigned int)fs >= BACKING_FS_COUNT)
		return bb_err(err, EINVAL, "unknown backing file system %d", (int)fs);
	/* A truncated path would unmount, or delete, the wrong thing later. */
	if (strlen(mountpoint) >= sizeof(m->mountpoint))
		return bb_err(err, ENAMETOOLONG, "mount point path too long: %s", mountpoint);
	snprintf(m->mountpoint, sizeof(m->mountpoint), "%s", mountpoint);
	if (fs == FS_TMPFS)
		return mount_tmpfs(m, size_bytes, err);

	if (!size_bytes)
		size_bytes = DEFAULT_IMAGE_SIZE;
	if (size_bytes < fs_info[fs].min_size)
		return bb_err(err, EINVAL,
			      "a %s image of %llu bytes is too small: mkfs.%s needs %llu MiB "
			      "(the image is sparse: a bigger one costs nothing)",
			      name, size_bytes, name, fs_info[fs].min_size / MiB);
	if (!image_dir || strlen(image_dir) + 48 >= sizeof(m->image))
		return bb_err(err, EINVAL, "a %s image needs a dir (path under %zu characters)",
			      name, sizeof(m->image) - 48);
	/* The pid in the name tells `boxbench cleanup` whose loop device it is, however the
	 * path to it reads by then. */
	snprintf(m->image, sizeof(m->image), "%s/boxbench-%s-%d.XXXXXX.img", image_dir, name,
		 (int)getpid());
	fd = mkostemps(m->image, 4, O_CLOEXEC);
	if (fd < 0) {
		e = bb_err(err, errno, "cannot create a %s image in %s: %s", name, image_dir,
			   errno_name(errno));
		m->image[0] = '\0';
		goto out;
	}
	e = ftruncate(fd, (off_t)size_bytes) < 0 ? -errno : 0;
	close(fd);
	if (e) {
		e = bb_err(err, e, "cannot size the %s image %s to %llu bytes: %s", name, m->image,
			   size_bytes, errno_name(e));
		goto out;
	}
	e = mkfs_image(fs, m->image, err);
	if (e)
		goto out;
	e = loopdev_attach(&lo, m->image, 0, err);
	if (e)
		goto out;
	snprintf(m->loop, sizeof(m->loop), "%s", lo.path);
	if (mount(lo.path, mountpoint, name, 0, NULL) < 0)
		e = bb_err(err, errno, "cannot mount %s (%s image %s) on %s: %s", lo.path, name,
			   m->image, mountpoint, errno_name(errno));
	else
		m->mounted = true;
	/* From here the mount alone holds the loop device; it is cleared when the mount goes. */
	loopdev_detach(&lo);
out:
	if (e) {
		if (m->image[0])
			unlink(m->image);
		memset(m, 0, sizeof(*m));
	}
	return e;
}

int backing_fs_umount(struct backing_fs_mount *m, struct bb_error *err)
{
	int e = 0;

	if (m->mounted && umount2(m->mountpoint, 0) < 0) {
		e = errno;
		/* Something still uses it; detach it so the namespace is clean, and the loop device
		 * and image go when that user lets go. */
		umount2(m->mountpoint, MNT_DETACH);
		e = bb_err(err, e, "cannot unmount %s from %s: %s (detached it lazily instead)",
			   backing_fs_name(m->fs), m->mountpoint, errno_name(e));
	}
	m->mounted = false;
	if (m->image[0] && unlink(m->image) < 0 && errno != ENOENT && !e)
		e = bb_err(err, errno, "cannot delete the image %s: %s", m->image,
			   errno_name(errno));
	m->image[0] = '\0';
	m->loop[0] = '\0';
	return e;
}

/* An unlinked file of `size` bytes of a pattern in dir, or a negative errno. */
static int patterned_file(const char *dir, size_t size)
{
	char path[4096], buf[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/.boxbench-reflink.XXXXXX", dir);
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	unlink(path);
	memset(buf, 'b', sizeof(buf));
	for (size_t done = 0; done < size; done += sizeof(buf)) {
		errno = 0;
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf)) {
			int e = errno ? errno : ENOSPC;

			close(fd);
			return -e;
		}
	}
	return fd;
}

int fs_supports_reflink(const char *dir, bool *yes, struct bb_error *err)
{
	int src = -1, dst = -1, e = 0;
	char c = 0;

	*yes = false;
	/* 64 KiB: whole blocks on every block size, so only support decides the answer. */
	src = patterned_file(dir, 64 * 1024);
	dst = src < 0 ? src : patterned_file(dir, 0);
	if (src < 0 || dst < 0) {
		e = bb_err(err, src < 0 ? src : dst, "cannot create test files in %s: %s", dir,
			   errno_name(src < 0 ? src : dst));
		goto out;
	}
	if (ioctl(dst, FICLONE, src) < 0) {
		/* The ways a file system says "not here"; anything else is a real failure. */
		if (errno == EOPNOTSUPP || errno == ENOTTY || errno == EINVAL || errno == EXDEV ||
		    errno == ENOSYS)
			goto out;
		e = bb_err(err, errno, "FICLONE in %s failed: %s", dir, errno_name(errno));
		goto out;
	}
	if (pread(dst, &c, 1, 4096) != 1 || c != 'b') {
		e = bb_err(err, EIO, "FICLONE in %s succeeded but the clone does not hold the data",
			   dir);
		goto out;
	}
	*yes = true;
out:
	if (src >= 0)
		close(src);
	if (dst >= 0)
		close(dst);
	return e;
}
