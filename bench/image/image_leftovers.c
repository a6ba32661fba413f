/* Finding and removing what killed imports left: see image_leftovers.h. DEST is opened once,
 * without following a symlink anywhere on its path (the import recorded its real path), and
 * what is removed in it is reached through that fd, so a DEST swapped for a link since the
 * import died cannot turn cleanup against another dir. */
#include "image_leftovers.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "common/fsutil.h"
#include "image_marker.h"

/* A registration that never got its content is an import killed as it began. */
#define UNWRITTEN_AGE_S 60

/* The pid in a registration's name, "<pid>.XXXXXX"; -1 for any other name. */
static int registration_pid(const char *name)
{
	const char *p = name;

	while (isdigit((unsigned char)*p))
		p++;
	return p > name && *p == '.' && p - name < 8 ? atoi(name) : -1;
}

static int open_dest(const char *dest, uid_t owner)
{
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, AT_FDCWD, dest, &how, sizeof(how));
	struct stat st;

	if (fd < 0)
		return -errno;
	if (fstat((int)fd, &st) < 0 || st.st_uid != owner) {
		close((int)fd);
		return -EPERM;
	}
	return (int)fd;
}

/* Whether DEST's marker is the one import pid made, and no one holds it. */
static bool marker_is(int dfd, int pid)
{
	int fd = openat(dfd, IMAGE_MARKER_NAME, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	char text[24] = "";
	struct stat st;
	bool ours;

	if (fd < 0)
		return false;
	ours = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && read(fd, text, sizeof(text) - 1) > 0 &&
	       atoi(text) == pid && flock(fd, LOCK_EX | LOCK_NB) == 0;
	close(fd);
	return ours;
}

/* Whether DEST holds nothing but what cleanup removes (gone is what it removed or would). */
static bool empty_but(int dfd, bool gone)
{
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *de;
	bool empty = true;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return false;
	}
	while (empty && (de = readdir(d)))
		empty = !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
			(gone &&
			 (!strcmp(de->d_name, "l") || !strcmp(de->d_name, IMAGE_MARKER_NAME) ||
			  !strcmp(de->d_name, ".image.json.tmp")));
	closedir(d);
	return empty;
}

/* DEST of a dead import: its layers and marker (or only the marker, once image.json is
 * there), then DEST itself if the import made it. */
static int clean_dest(int dfd, const char *dest, int pid, bool created, bool dry_run,
		      struct leftover_list *found, struct bb_error *err)
{
	char path[PATH_MAX + 32], pinned[64];
	bool ours = marker_is(dfd, pid), finished;
	struct stat st;
	int e;

	finished = ours && fstatat(dfd, "image.json", &st, AT_SYMLINK_NOFOLLOW) == 0;
	if (ours) {
		bool layers = !finished && fstatat(dfd, "l", &st, AT_SYMLINK_NOFOLLOW) == 0;

		snprintf(path, sizeof(path), "%s/%s", dest, layers ? "l" : IMAGE_MARKER_NAME);
		if (leftover_list_add(found, path))
			return bb_err(err, ENOMEM, "out of memory listing leftovers");
		snprintf(pinned, sizeof(pinned), "/proc/self/fd/%d/l", dfd);
		if (!dry_run && layers && (e = remove_tree(pinned, err)))
			return bb_err_wrap(
				err, "cannot remove %s/l, left by an import that was killed", dest);
		if (!dry_run && !finished)
			unlinkat(dfd, ".image.json.tmp", 0);
		if (!dry_run)
			unlinkat(dfd, IMAGE_MARKER_NAME, 0);
	}
	if (created && empty_but(dfd, ours && !finished) && (dry_run || rmdir(dest) == 0) &&
	    leftover_list_add(found, dest))
		return bb_err(err, ENOMEM, "out of memory listing leftovers");
	return 0;
}

/* One registration: left alone while its import runs (its lock is held). */
static int clean_one(const char *reg_path, int pid, bool dry_run, struct leftover_list *found,
		     struct bb_error *err)
{
	int fd = open(reg_path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC), dfd, e = 0;
	char text[PATH_MAX + 32] = "", dest[PATH_MAX];
	bool created = false;
	struct stat st;
	ssize_t n;

	if (fd < 0)
		return 0;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_nlink == 0)
		goto out; /* running, or finished just now */
	n = pread(fd, text, sizeof(text) - 1, 0);
	text[n > 0 ? n : 0] = '\0';
	if (image_registration_parse(text, dest, sizeof(dest), &created)) {
		if (!dry_run && time(NULL) - st.st_mtime > UNWRITTEN_AGE_S)
			unlink(reg_path);
		goto out;
	}
	dfd = open_dest(dest, st.st_uid);
	if (dfd >= 0) {
		e = clean_dest(dfd, dest, pid, created, dry_run, found, err);
		close(dfd);
	}
	/* Gone, or reached through a symlink, or someone else's now: not ours to touch. */
	if (!e && !dry_run)
		unlink(reg_path);
out:
	close(fd);
	return e;
}

int image_leftovers_remove(bool dry_run, struct leftover_list *found, struct bb_error *err)
{
	DIR *d = opendir(IMAGE_IMPORTS_DIR);
	struct dirent *de;
	int e = 0;

	if (!d)
		return errno == ENOENT ? 0
				       : bb_err(err, errno, "cannot list %s: %s", IMAGE_IMPORTS_DIR,
						errno_name(errno));
	while (!e && (de = readdir(d))) {
		char path[PATH_MAX];
		int pid = registration_pid(de->d_name);

		if (pid < 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", IMAGE_IMPORTS_DIR, de->d_name);
		e = clean_one(path, pid, dry_run, found, err);
	}
	closedir(d);
	return e;
}
