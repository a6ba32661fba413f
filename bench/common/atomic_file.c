/* Checked directories and atomic file writes: see atomic_file.h. */
#include "atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

bool atomic_file_test_no_tmpfile;

/* Symlinks one path may go through, as the kernel allows (MAXSYMLINKS). */
#define MAX_LINKS 40
/* Attempts at a free random name: 62^10 names make a collision a sign of something else. */
#define NAME_TRIES 16

static bool sudo_id(const char *var, unsigned *id)
{
	const char *s = getuid() == 0 ? getenv(var) : NULL;
	char *end;
	unsigned long v;

	if (!s || !*s)
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (*end || errno || v > UINT_MAX)
		return false;
	*id = (unsigned)v;
	return true;
}

static bool trusted_uid(uid_t uid)
{
	unsigned sudo;

	return uid == 0 || uid == geteuid() || (sudo_id("SUDO_UID", &sudo) && uid == sudo);
}

/* Not the sudo user's group: a primary group may have other members ("users"). */
static bool trusted_gid(gid_t gid)
{
	return gid == 0 || gid == getegid();
}

/* prefix + 10 random letters and digits, into buf. */
static int random_name(char *buf, size_t len, const char *prefix, struct bb_error *err)
{
	static const char abc[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	unsigned char r[10];
	size_t n = (size_t)snprintf(buf, len, "%s", prefix);

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return bb_err(err, errno ? errno : EIO,
			      "cannot get random bytes for a temporary "
			      "name: %s",
			      errno_name(errno ? errno : EIO));
	if (n + sizeof(r) >= len)
		return bb_err(err, ENAMETOOLONG, "name too long: %s", prefix);
	for (size_t i = 0; i < sizeof(r); i++)
		buf[n + i] = abc[r[i] % (sizeof(abc) - 1)];
	buf[n + sizeof(r)] = '\0';
	return 0;
}

struct walk {
	const char *whole; /* the directory the caller named, for messages */
	bool create;
	int links;
	struct bb_error *err;
};

static int walk_from(struct walk *w, int at, const char *path);

/* Follows link_fd (an O_PATH fd of the symlink `shown`, in dir_fd) when a trusted user owns
 * it: the owner of a link decides where it leads, and a link's target cannot change under an
 * fd of the link itself. */
static int follow_link(struct walk *w, int dir_fd, int link_fd, const char *shown)
{
	char target[PATH_MAX];
	struct stat st;
	ssize_t n;

	if (fstat(link_fd, &st) < 0)
		return bb_err(w->err, errno, "cannot stat %s: %s", shown, errno_name(errno));
	if (!trusted_uid(st.st_uid))
		return bb_err(
			w->err, EPERM,
			"will not write into %s: %s is a symbolic link owned by uid %u, not by "
			"root or you, so its owner decides where it leads; give a path without "
			"it",
			w->whole, shown, (unsigned)st.st_uid);
	if (++w->links > MAX_LINKS)
		return bb_err(w->err, ELOOP, "cannot open %s: more than %d symbolic links",
			      w->whole, MAX_LINKS);
	n = readlinkat(link_fd, "", target, sizeof(target) - 1);
	if (n < 0)
		return bb_err(w->err, errno, "cannot read the symbolic link %s: %s", shown,
			      errno_name(errno));
	target[n] = '\0';
	return walk_from(w, dir_fd, target);
}

/* One component in dir fd: an O_PATH fd of the directory it is or (trusted) leads to. */
static int walk_step(struct walk *w, int fd, const char *c, const char *shown)
{
	struct stat st;
	int next = openat(fd, c, O_PATH | O_NOFOLLOW | O_CLOEXEC), r;

	if (next < 0 && errno == ENOENT && w->create) {
		if (mkdirat(fd, c, 0755) < 0 && errno != EEXIST)
			return bb_err(w->err, errno, "cannot create directory %s: %s", shown,
				      errno_name(errno));
		next = openat(fd, c, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	}
	if (next < 0)
		return bb_err(w->err, errno, "cannot open %s: %s%s", shown, errno_name(errno),
			      errno == ENOENT ? " (it does not exist: create it first)" : "");
	if (fstat(next, &st) < 0) {
		r = bb_err(w->err, errno, "cannot stat %s: %s", shown, errno_name(errno));
	} else if (S_ISLNK(st.st_mode)) {
		r = follow_link(w, fd, next, shown);
	} else if (!S_ISDIR(st.st_mode)) {
		r = bb_err(w->err, ENOTDIR, "cannot use %s as a directory: it is not one", shown);
	} else {
		return next;
	}
	close(next);
	return r;
}

static int walk_from(struct walk *w, int at, const char *path)
{
	char buf[PATH_MAX], shown[PATH_MAX];
	size_t len = strlen(path);
	int fd;

	if (len >= sizeof(buf))
		return bb_err(w->err, ENAMETOOLONG, "path too long: %.200s...", path);
	memcpy(buf, path, len + 1);
	fd = openat(*path == '/' ? AT_FDCWD : at, *path == '/' ? "/" : ".",
		    O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return bb_err(w->err, errno, "cannot open %s: %s", *path == '/' ? "/" : ".",
			      errno_name(errno));
	for (char *c = buf, *end; *c; c = end) {
		int next;

		while (*c == '/')
			c++;
		if (!*c)
			break;
		end = c + strcspn(c, "/");
		if (*end)
			*end++ = '\0';
		snprintf(shown, sizeof(shown), "%.*s", (int)(c - buf + strlen(c)), path);
		next = walk_step(w, fd, c, shown);
		close(fd);
		if (next < 0)
			return next;
		fd = next;
	}
	return fd;
}

/* Another user who can write into the dir could swap a name boxbench writes for a link. */
static int dir_check(int fd, const char *dir, struct bb_error *err)
{
	struct stat st;
	bool others;

	if (fstat(fd, &st) < 0)
		return bb_err(err, errno, "cannot stat %s: %s", dir, errno_name(errno));
	if (!trusted_uid(st.st_uid))
		return bb_err(
			err, EPERM,
			"will not write into %s: it belongs to uid %u, not to root or you, and "
			"its owner could replace what boxbench writes there with a link to any "
			"file; write somewhere else, or chown it to root",
			dir, (unsigned)st.st_uid);
	others = (st.st_mode & S_IWOTH) || ((st.st_mode & S_IWGRP) && !trusted_gid(st.st_gid));
	if (others && !(st.st_mode & S_ISVTX))
		return bb_err(
			err, EPERM,
			"will not write into %s: other users can write to it (mode %04o) and it "
			"is not sticky, so any of them could swap what boxbench writes there for "
			"a link; chmod go-w %s, or write somewhere else",
			dir, (unsigned)(st.st_mode & 07777), dir);
	return 0;
}

int out_dir_open(const char *dir, bool create, struct bb_error *err)
{
	struct walk w = { .whole = dir, .create = create, .err = err };
	int pfd, fd, r;

	if (!*dir)
		return bb_err(err, EINVAL, "an empty directory name");
	pfd = walk_from(&w, AT_FDCWD, dir);
	if (pfd < 0)
		return pfd;
	fd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	close(pfd);
	if (fd < 0)
		return bb_err(err, errno, "cannot open %s: %s", dir, errno_name(errno));
	r = dir_check(fd, dir, err);
	if (r) {
		close(fd);
		return r;
	}
	return fd;
}

int out_dir_mkdtemp(const char *parent, const char *prefix, char *path, size_t len,
		    struct bb_error *err)
{
	char pre[NAME_MAX], name[NAME_MAX + 1];
	int pfd = out_dir_open(parent, false, err), fd = -1, r = 0;

	if (pfd < 0)
		return pfd;
	snprintf(pre, sizeof(pre), "%s.", prefix);
	for (int i = 1;; i++) {
		r = random_name(name, sizeof(name), pre, err);
		if (r)
			goto out;
		if (mkdirat(pfd, name, 0700) == 0)
			break;
		if (errno != EEXIST || i == NAME_TRIES) {
			r = bb_err(err, errno, "cannot create a directory in %s: %s", parent,
				   errno_name(errno));
			goto out;
		}
	}
	fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		r = bb_err(err, errno, "cannot open %s/%s: %s", parent, name, errno_name(errno));
	else
		snprintf(path, len, "%s/%s", parent, name);
out:
	close(pfd);
	return fd >= 0 ? fd : r;
}

/* boxbench replaces a regular file or makes a new one; nothing else is its to replace. */
static int target_check(int dir_fd, const char *name, const char *path, struct bb_error *err)
{
	struct stat st;

	if (!*name || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
		return bb_err(err, EISDIR, "cannot write %s: give a file name, not a directory",
			      path);
	if (strlen(name) > NAME_MAX)
		return bb_err(err, ENAMETOOLONG, "cannot write %s: the name is too long", path);
	if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT
			       ? 0
			       : bb_err(err, errno, "cannot stat %s: %s", path, errno_name(errno));
	if (S_ISLNK(st.st_mode))
		return bb_err(
			err, ELOOP,
			"will not write %s: it is a symbolic link, and boxbench replaces only "
			"regular files, never what a link points to; remove the link or write "
			"somewhere else",
			path);
	if (S_ISDIR(st.st_mode))
		return bb_err(err, EISDIR, "cannot write %s: it is a directory; give a file name",
			      path);
	if (!S_ISREG(st.st_mode))
		return bb_err(err, EEXIST,
			      "will not write %s: it exists and is not a regular file (a device, "
			      "FIFO or socket); remove it or give another name",
			      path);
	return 0;
}

/* The fallback where the file system has no O_TMPFILE: a new name nobody can have planted. */
static int create_named(struct atomic_file *af, unsigned mode, struct bb_error *err)
{
	char pre[NAME_MAX];

	snprintf(pre, sizeof(pre), ".%.200s.", af->name);
	for (int i = 0; i < NAME_TRIES; i++) {
		int r = random_name(af->tmp, sizeof(af->tmp), pre, err), fd;

		if (r)
			return r;
		fd = openat(af->dir_fd, af->tmp,
			    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
		if (fd >= 0) {
			af->named = true;
			return fd;
		}
		if (errno != EEXIST)
			break;
	}
	return bb_err(err, errno, "cannot create a temporary file next to %s: %s", af->path,
		      errno_name(errno));
}

int atomic_file_openat(struct atomic_file *af, int dir_fd, const char *name, const char *path,
		       unsigned mode, struct bb_error *err)
{
	int fd, r;

	memset(af, 0, sizeof(*af));
	af->dir_fd = -1;
	snprintf(af->path, sizeof(af->path), "%s", path);
	snprintf(af->name, sizeof(af->name), "%s", name);
	r = target_check(dir_fd, name, path, err);
	if (r)
		return r;
	af->dir_fd = fcntl(dir_fd, F_DUPFD_CLOEXEC, 0);
	if (af->dir_fd < 0)
		return bb_err(err, errno, "cannot write %s: %s", path, errno_name(errno));
	fd = atomic_file_test_no_tmpfile
		     ? (errno = EOPNOTSUPP, -1)
		     : openat(af->dir_fd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, mode);
	/* EISDIR: a kernel older than O_TMPFILE; EOPNOTSUPP: a file system without it. */
	if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL))
		fd = create_named(af, mode, err);
	else if (fd < 0)
		fd = bb_err(err, errno, "cannot write %s: %s", path, errno_name(errno));
	if (fd >= 0 && fchmod(fd, mode) == 0)
		af->f = fdopen(fd, "w");
	if (!af->f) {
		if (fd >= 0) {
			r = bb_err(err, errno, "cannot write %s: %s", path, errno_name(errno));
			close(fd);
			fd = r;
		}
		atomic_file_abort(af);
		return fd;
	}
	return 0;
}

/* "a/b/c.json" -> "a/b" and "c.json"; "c.json" -> "." and "c.json"; "/c" -> "/" and "c". */
static int split_path(const char *path, char *dir, size_t len, const char **base,
		      struct bb_error *err)
{
	const char *slash = strrchr(path, '/');

	if (!*path)
		return bb_err(err, EINVAL, "an empty file name");
	*base = slash ? slash + 1 : path;
	if (!slash)
		snprintf(dir, len, ".");
	else
		snprintf(dir, len, "%.*s", slash == path ? 1 : (int)(slash - path), path);
	return 0;
}

int atomic_file_open(struct atomic_file *af, const char *path, unsigned mode, struct bb_error *err)
{
	char dir[PATH_MAX];
	const char *base;
	int dfd, r;

	memset(af, 0, sizeof(*af));
	af->dir_fd = -1;
	r = split_path(path, dir, sizeof(dir), &base, err);
	if (r)
		return r;
	dfd = out_dir_open(dir, false, err);
	if (dfd < 0)
		return dfd;
	r = atomic_file_openat(af, dfd, base, path, mode, err);
	close(dfd);
	return r;
}

/* An O_TMPFILE gets a name only once it is whole: a random one, renamed over the target
 * next (linkat cannot replace). AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH before Linux 6.10;
 * /proc/self/fd does not. */
static int link_tmpfile(struct atomic_file *af, int fd, struct bb_error *err)
{
	char pre[NAME_MAX], proc[64];

	snprintf(pre, sizeof(pre), ".%.200s.", af->name);
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	for (int i = 0; i < NAME_TRIES; i++) {
		int r = random_name(af->tmp, sizeof(af->tmp), pre, err);

		if (r)
			return r;
		if (!linkat(fd, "", af->dir_fd, af->tmp, AT_EMPTY_PATH) ||
		    ((errno == ENOENT || errno == EPERM) &&
		     !linkat(AT_FDCWD, proc, af->dir_fd, af->tmp, AT_SYMLINK_FOLLOW))) {
			af->named = true;
			return 0;
		}
		if (errno != EEXIST)
			break;
	}
	return bb_err(err, errno, "cannot give %s a name: %s%s", af->path, errno_name(errno),
		      errno == ENOENT ? " (is /proc mounted?)" : "");
}

int atomic_file_commit(struct atomic_file *af, struct bb_error *err)
{
	int fd = fileno(af->f), r = 0;

	if (fflush(af->f) || ferror(af->f))
		r = bb_err(err, errno ? errno : EIO, "cannot write %s: %s", af->path,
			   errno_name(errno ? errno : EIO));
	else if (fsync(fd) < 0)
		r = bb_err(err, errno, "cannot write %s: fsync: %s", af->path, errno_name(errno));
	if (!r && !af->named)
		r = link_tmpfile(af, fd, err);
	if (!r)
		r = target_check(af->dir_fd, af->name, af->path, err);
	if (!r && renameat(af->dir_fd, af->tmp, af->dir_fd, af->name) < 0)
		r = bb_err(err, errno, "cannot move %s into place: %s", af->path,
			   errno_name(errno));
	if (!r) {
		af->named = false;
		/* The rename itself survives a crash only once the directory is on disk. */
		fsync(af->dir_fd);
	}
	atomic_file_abort(af);
	return r;
}

void atomic_file_abort(struct atomic_file *af)
{
	if (af->f)
		fclose(af->f);
	if (af->named)
		unlinkat(af->dir_fd, af->tmp, 0);
	if (af->dir_fd >= 0)
		close(af->dir_fd);
	af->f = NULL;
	af->named = false;
	af->dir_fd = -1;
}

int atomic_file_check(const char *path, struct bb_error *err)
{
	char dir[PATH_MAX];
	const char *base;
	int dfd, r = split_path(path, dir, sizeof(dir), &base, err);

	if (r)
		return r;
	dfd = out_dir_open(dir, false, err);
	if (dfd < 0)
		return dfd;
	r = target_check(dfd, base, path, err);
	/* Root may write anywhere but on a read-only file system: access(2) says EROFS. */
	if (!r && faccessat(dfd, ".", W_OK, AT_EACCESS) < 0)
		r = bb_err(err, errno, "cannot write into %s: %s", dir, errno_name(errno));
	close(dfd);
	return r;
}
