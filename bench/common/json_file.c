/* Loading a small JSON file without trusting what is at its path: see json_file.h. */
#include "json_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *file_type(mode_t m)
{
	switch (m & S_IFMT) {
	case S_IFDIR:
		return "a directory";
	case S_IFIFO:
		return "a FIFO";
	case S_IFSOCK:
		return "a socket";
	case S_IFCHR:
		return "a character device";
	case S_IFBLK:
		return "a block device";
	}
	return "not a regular file";
}

static int read_all(int fd, char *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (int)got;
}

int json_file_load(const char *path, size_t max, json_t **out, struct bb_error *err)
{
	/* O_NONBLOCK: opening a FIFO for reading waits for a writer otherwise. */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC), n = 0, e = 0;
	json_error_t jerr;
	struct stat st;
	char *buf = NULL;

	*out = NULL;
	if (fd < 0) {
		if (errno == ENOENT)
			return bb_err(err, ENOENT, "%s does not exist", path);
		if (errno == ELOOP)
			return bb_err(err, ELOOP,
				      "%s is a symlink (read only as a file of its own)", path);
		return bb_err(err, errno, "cannot open %s: %s", path, errno_name(errno));
	}
	if (fstat(fd, &st) < 0) {
		e = bb_err(err, errno, "cannot stat %s: %s", path, errno_name(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		e = bb_err(err, EINVAL, "%s is %s, not a regular file", path,
			   file_type(st.st_mode));
		goto out;
	}
	if ((unsigned long long)st.st_size > max) {
		e = bb_err(err, EFBIG, "%s has %lld bytes, more than the %zu such a file can have",
			   path, (long long)st.st_size, max);
		goto out;
	}
	/* One byte more than it says: a file that grows meanwhile is caught, not cut. */
	if (!(buf = malloc((size_t)st.st_size + 1))) {
		e = bb_err(err, ENOMEM, "out of memory reading %s", path);
		goto out;
	}
	n = read_all(fd, buf, (size_t)st.st_size + 1);
	if (n < 0) {
		e = bb_err(err, -n, "cannot read %s: %s", path, errno_name(-n));
		goto out;
	}
	if ((size_t)n > (size_t)st.st_size) {
		e = bb_err(err, EAGAIN, "%s changed while it was read: try again", path);
		goto out;
	}
	*out = json_loadb(buf, (size_t)n, 0, &jerr);
	if (!*out)
		e = bb_err(err, EBADMSG, "%s is not valid JSON (line %d: %s)", path, jerr.line,
			   jerr.text);
out:
	free(buf);
	close(fd);
	return e;
}
