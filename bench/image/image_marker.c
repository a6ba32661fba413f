/* The import-in-progress marker and registry: see image_marker.h. */
#include "image_marker.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/fsutil.h"
#include "common/json_file.h"

/* LOCK_EX on a file just made: only a reader's brief LOCK_SH (or cleanup's try) can be in
 * the way, so a few tries over a second settle it without ever blocking on a stranger. */
static int lock_fresh(int fd)
{
	for (int i = 0; i < 100; i++) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return 0;
		if (errno != EWOULDBLOCK)
			return -errno;
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
	}
	return -EWOULDBLOCK;
}

static int write_all(int fd, const char *s)
{
	size_t len = strlen(s);

	return write(fd, s, len) == (ssize_t)len ? 0 : -(errno ? errno : EIO);
}

/* The registration, for cleanup; best effort: without root there is no registry. */
static void register_import(struct image_marker *m)
{
	char text[PATH_MAX + 32];

	if (mkdir_p(IMAGE_IMPORTS_DIR, 0700, NULL))
		return;
	snprintf(m->reg_path, sizeof(m->reg_path), "%s/%d.XXXXXX", IMAGE_IMPORTS_DIR,
		 (int)getpid());
	m->reg_fd = mkostemp(m->reg_path, O_CLOEXEC);
	if (m->reg_fd < 0)
		return;
	snprintf(text, sizeof(text), "dest=%s\ncreated=%d\n", m->dest, m->created);
	if (lock_fresh(m->reg_fd) || write_all(m->reg_fd, text)) {
		unlink(m->reg_path);
		close(m->reg_fd);
		m->reg_fd = -1;
	}
}

int image_marker_begin(struct image_marker *m, const char *dest, bool created_dest,
		       struct bb_error *err)
{
	char path[PATH_MAX + 32], pid[24];
	int e;

	memset(m, 0, sizeof(*m));
	m->fd = m->reg_fd = -1;
	m->created = created_dest;
	if (!realpath(dest, m->dest))
		return bb_err(err, errno, "cannot resolve DEST %s: %s", dest, errno_name(errno));
	/* Registered first: cleanup can then find anything the import leaves in DEST. */
	register_import(m);
	snprintf(path, sizeof(path), "%s/%s", m->dest, IMAGE_MARKER_NAME);
	m->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (m->fd < 0) {
		e = bb_err(err, errno, "cannot create %s, which marks DEST as being imported: %s",
			   path, errno_name(errno));
		goto fail;
	}
	snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if ((e = lock_fresh(m->fd)) || (e = write_all(m->fd, pid))) {
		e = bb_err(err, e, "cannot %s %s: %s", e == -EWOULDBLOCK ? "lock" : "write", path,
			   errno_name(e));
		unlink(path);
		goto fail;
	}
	m->active = true;
	return 0;
fail:
	if (m->fd >= 0)
		close(m->fd);
	if (m->reg_fd >= 0) {
		unlink(m->reg_path);
		close(m->reg_fd);
	}
	m->fd = m->reg_fd = -1;
	return e;
}

void image_marker_end(struct image_marker *m, bool failed)
{
	char path[PATH_MAX + 32];
	struct stat st;

	if (!m->active)
		return;
	snprintf(path, sizeof(path), "%s/l", m->dest);
	/* Layers a failed import could not remove: leave the marks, for cleanup to finish. */
	if (!failed || lstat(path, &st) < 0) {
		snprintf(path, sizeof(path), "%s/%s", m->dest, IMAGE_MARKER_NAME);
		unlink(path);
		if (failed && m->created)
			rmdir(m->dest);
		if (m->reg_fd >= 0)
			unlink(m->reg_path);
	}
	close(m->fd);
	if (m->reg_fd >= 0)
		close(m->reg_fd);
	m->fd = m->reg_fd = -1;
	m->active = false;
}

int image_marker_check(const char *dir, struct bb_error *err)
{
	char path[PATH_MAX + 32], text[24] = "";
	int fd, pid = 0, e;
	struct stat st;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, IMAGE_MARKER_NAME);
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		e = fd < 0 ? errno : S_ISREG(st.st_mode) ? errno : EINVAL;
		if (fd >= 0)
			close(fd);
		return bb_err(err, e,
			      "%s is no finished image: it holds %s, the mark of an import, and "
			      "that cannot be read (%s); remove the dir and import again",
			      dir, IMAGE_MARKER_NAME,
			      e == EINVAL ? "not a regular file" : errno_name(e));
	}
	n = read(fd, text, sizeof(text) - 1);
	if (n > 0) {
		text[n] = '\0';
		pid = atoi(text);
	}
	if (flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK) {
		close(fd);
		return bb_err(err, EBUSY,
			      "an import (pid %d) is still writing %s: wait for it to finish", pid,
			      dir);
	}
	close(fd);
	return bb_err(err, ESTALE,
		      "%s is an interrupted import (pid %d is gone): remove it, or run `boxbench "
		      "cleanup`",
		      dir, pid);
}

int image_dir_manifest(const char *dir, json_t **doc, struct bb_error *err)
{
	char path[PATH_MAX + 16], msg[sizeof(err->msg)];
	int e;

	*doc = NULL;
	if ((e = image_marker_check(dir, err)))
		return e;
	snprintf(path, sizeof(path), "%s/image.json", dir);
	e = json_file_load(path, JSON_FILE_MAX, doc, err);
	if (e == -ENOENT) {
		bb_err_clear(err);
		return 0;
	}
	if (e) {
		snprintf(msg, sizeof(msg), "%s", err->msg);
		return bb_err(err, -e,
			      "%s; re-run 'boxbench image import', or remove it to take l/0.. as a "
			      "plain stack",
			      msg);
	}
	return 0;
}

int image_registration_parse(const char *text, char *dest, size_t len, bool *created)
{
	const char *d = strstr(text, "dest="), *c = strstr(text, "\ncreated=");
	size_t n;

	if (d != text || !c)
		return -EINVAL;
	n = (size_t)(c - (d + 5));
	if (n == 0 || n >= len || d[5] != '/')
		return -EINVAL;
	memcpy(dest, d + 5, n);
	dest[n] = '\0';
	*created = c[9] == '1';
	return 0;
}
