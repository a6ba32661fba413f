/* File-system chores: see fsutil.h. */
#include "fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st, (void)ftw;
	if (type == FTW_DP)
		return rmdir(path) < 0 && errno != ENOENT ? -1 : 0;
	return unlink(path) < 0 && errno != ENOENT ? -1 : 0;
}

int remove_tree(const char *path, struct bb_error *err)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0
				       : bb_err(err, errno, "cannot remove %s: %s", path,
						errno_name(errno));
	if (nftw(path, remove_one, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) < 0)
		return bb_err(err, errno,
			      "cannot remove %s: %s (is something still mounted below it?)", path,
			      errno_name(errno));
	return 0;
}

int mkdir_p(const char *path, unsigned mode, struct bb_error *err)
{
	char buf[4096];
	size_t len = strlen(path);

	if (len >= sizeof(buf))
		return bb_err(err, ENAMETOOLONG, "path too long: %s", path);
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return bb_err(err, errno, "cannot create directory %s: %s", buf,
				      errno_name(errno));
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return bb_err(err, errno, "cannot create directory %s: %s", buf, errno_name(errno));
	return 0;
}

int write_file(const char *path, const char *buf, size_t len, struct bb_error *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ssize_t n;

	if (fd < 0)
		return bb_err(err, errno, "cannot open %s for writing: %s", path,
			      errno_name(errno));
	n = write(fd, buf, len);
	if (n < 0 || (size_t)n != len) {
		int e = n < 0 ? errno : EIO;

		close(fd);
		return bb_err(err, e, "cannot write %s: %s", path, errno_name(e));
	}
	if (close(fd) < 0)
		return bb_err(err, errno, "cannot write %s: %s", path, errno_name(errno));
	return 0;
}

long read_file(const char *path, char *buf, size_t len, struct bb_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return bb_err(err, errno, "cannot open %s: %s", path, errno_name(errno));
	n = read(fd, buf, len ? len - 1 : 0);
	close(fd);
	if (n < 0)
		return bb_err(err, errno, "cannot read %s: %s", path, errno_name(errno));
	if (len)
		buf[n] = '\0';
	return n;
}

int read_full_timeout(int fd, void *buf, size_t len, int timeout_ms)
{
	size_t got = 0;

	while (got < len) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int r = poll(&p, 1, timeout_ms);
		ssize_t n;

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : -ETIMEDOUT;
		n = read(fd, (char *)buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EPIPE;
		got += (size_t)n;
	}
	return 0;
}

int path_join(char *out, size_t size, const char *dir, const char *name)
{
	if ((size_t)snprintf(out, size, "%s/%s", dir, name) >= size)
		return -ENAMETOOLONG;
	return 0;
}

bool path_exists_in(const char *dir, const char *name)
{
	char path[PATH_MAX];

	return !path_join(path, sizeof(path), dir, name) && access(path, F_OK) == 0;
}

bool fd_on_overlayfs(int fd)
{
	struct statfs sfs;

	return fstatfs(fd, &sfs) == 0 && sfs.f_type == OVERLAYFS_SUPER_MAGIC;
}

bool path_on_overlayfs(const char *path)
{
	struct statfs sfs;

	return statfs(path, &sfs) == 0 && sfs.f_type == OVERLAYFS_SUPER_MAGIC;
}

int sync_fs(const char *path, struct bb_error *err)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), e;

	if (fd < 0 && errno == ENOENT)
		return -ENOENT;
	if (fd < 0 || syncfs(fd) < 0) {
		e = errno;
		if (fd >= 0)
			close(fd);
		return bb_err(err, e, "cannot sync the file system of %s: %s", path, errno_name(e));
	}
	close(fd);
	return 0;
}
