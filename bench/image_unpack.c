/* Unpacking one layer's tar into a directory: see image_unpack.h.
 *
 * Safety comes from doing every path walk ourselves: an entry's parent directory is opened
 * with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS) relative to the layer root, and the
 * entry is created in it by name with the *at() calls, never following a symlink. Names with
 * '..' or a leading '/' never get that far, nor do symlinks whose target climbs above the root
 * or hard links to something the layer does not hold.
 *
 * Everything the layer creates is remembered in a tree keyed by path: hard links may only point
 * at what is there, a whiteout and a file of the same name in one layer keep the file, and
 * opaque markers and directory metadata are applied once the whole layer is down (so the order
 * of the tar does not matter, and a read-only directory does not stop its own contents). */
#include "image_unpack.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <linux/openat2.h>
#include <search.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "fsutil.h"

enum node_kind { N_DIR, N_FILE, N_SYMLINK, N_OTHER, N_WHITEOUT };

struct node {
	char *path; /* relative to the layer root, no leading or trailing '/'; "" is the root */
	enum node_kind kind;
	bool have_meta; /* a tar entry for this directory gave its owner, mode and times */
	bool opaque; /* .wh..wh..opq seen in it */
	bool xwhiteouts; /* holds xattr whiteouts: the parent mark overlay.opaque=x */
	bool fresh; /* took the place of this layer's whiteout: a new directory, not the lower one */
	uid_t uid;
	gid_t gid;
	mode_t mode;
	struct timespec times[2];
};

struct unpacker {
	int root; /* O_PATH fd of the layer directory */
	const struct unpack_opts *o;
	struct unpack_stats *st;
	struct bb_error *err;
	void *tree; /* tsearch tree of struct node */
	bool is_root; /* euid 0: chown failures are errors, not expected */
	const char *entry; /* the current entry's name as the archive gives it, for messages */
	bool at_end; /* the stream ended right after an entry's data: see write_data() */
	char x_whiteout[32], x_opaque[32]; /* "trusted.overlay.whiteout", ... */
};

static int refuse(struct unpacker *u, enum unpack_failure kind, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int refuse(struct unpacker *u, enum unpack_failure kind, int code, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	u->st->failure = kind;
	return bb_err(u->err, code, "entry '%.200s': %s", u->entry ? u->entry : "", why);
}

static int io_error(struct unpacker *u, const char *what, int code)
{
	return refuse(u, UNPACK_IO, code, "%s: %s", what, errno_name(code));
}

/* ---- the tree of what this layer holds ---- */

static int node_cmp(const void *a, const void *b)
{
	return strcmp(((const struct node *)a)->path, ((const struct node *)b)->path);
}

static void node_free(void *p)
{
	struct node *n = p;

	free(n->path);
	free(n);
}

static struct node *node_get(struct unpacker *u, const char *path)
{
	struct node key = { .path = (char *)path };
	void *r = tfind(&key, &u->tree, node_cmp);

	return r ? *(struct node **)r : NULL;
}

static struct node *node_put(struct unpacker *u, const char *path, enum node_kind kind)
{
	struct node *n = node_get(u, path);
	void *r;

	if (n) {
		if (n->kind != kind)
			*n = (struct node){ .path = n->path, .kind = kind };
		return n;
	}
	n = calloc(1, sizeof(*n));
	if (!n || !(n->path = strdup(path))) {
		free(n);
		return NULL;
	}
	n->kind = kind;
	r = tsearch(n, &u->tree, node_cmp);
	if (!r) {
		node_free(n);
		return NULL;
	}
	return n;
}

/* The nodes in path order, for passes over the whole layer (twalk_r has no early exit, so
 * the list is the simplest way to act on them, or delete some, afterwards). */
struct node_list {
	struct node **v;
	size_t n, cap;
	const char *prefix; /* only nodes strictly below this directory; NULL for all */
	size_t prefix_len;
	bool oom;
};

static void collect_one(const void *nodep, VISIT which, void *closure)
{
	struct node_list *l = closure;
	struct node *n = *(struct node *const *)nodep;

	if (which != postorder && which != leaf)
		return;
	if (l->prefix &&
	    (strncmp(n->path, l->prefix, l->prefix_len) || n->path[l->prefix_len] != '/'))
		return;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		struct node **v = realloc(l->v, cap * sizeof(*v));

		if (!v) {
			l->oom = true;
			return;
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = n;
}

static int collect(struct unpacker *u, const char *below, struct node_list *l)
{
	*l = (struct node_list){ .prefix = below, .prefix_len = below ? strlen(below) : 0 };
	twalk_r(u->tree, collect_one, l);
	if (l->oom) {
		free(l->v);
		return refuse(u, UNPACK_IO, ENOMEM, "out of memory");
	}
	return 0;
}

/* ---- names ---- */

/* The entry's name as a path below the layer root: leading "./" and empty or "." components
 * dropped. An absolute name or a ".." component is refused, not rewritten. */
static int clean_path(struct unpacker *u, const char *name, const char *what, char *out, size_t len)
{
	const char *p = name;
	size_t o = 0;

	if (name[0] == '/')
		return refuse(u, UNPACK_UNSAFE, EPERM, "%s leaves the layer (absolute path)", what);
	while (*p) {
		const char *end = strchrnul(p, '/');
		size_t n = (size_t)(end - p);

		if (n == 2 && !strncmp(p, "..", 2))
			return refuse(u, UNPACK_UNSAFE, EPERM,
				      "%s leaves the layer ('..' component)", what);
		if (n > NAME_MAX)
			return refuse(u, UNPACK_CORRUPT, ENAMETOOLONG, "a name in %s is too long",
				      what);
		if (n && !(n == 1 && *p == '.')) {
			if (o + n + 2 > len)
				return refuse(u, UNPACK_CORRUPT, ENAMETOOLONG, "%s is too long",
					      what);
			if (o)
				out[o++] = '/';
			memcpy(out + o, p, n);
			o += n;
		}
		p = *end ? end + 1 : end;
	}
	out[o] = '\0';
	return 0;
}

/* Splits "a/b/c" into "a/b" and "c" (in place); "c" gives "" and "c". */
static const char *split_base(char *path)
{
	char *slash = strrchr(path, '/');

	if (!slash) {
		memmove(path + 1, path, strlen(path) + 1);
		path[0] = '\0';
		return path + 1;
	}
	*slash = '\0';
	return slash + 1;
}

/* Whether a symlink at path with this target, read as the container will (relative to the
 * symlink's directory, or to the layer root when absolute), stays below the layer root. Only
 * the text is judged; the extraction itself never follows a symlink anyway. */
static bool symlink_stays_inside(const char *path, const char *target)
{
	long depth = 0;

	if (target[0] != '/')
		for (const char *p = path; *p; p++)
			depth += *p == '/';
	for (const char *p = target; *p;) {
		const char *end = strchrnul(p, '/');
		size_t n = (size_t)(end - p);

		if (n == 2 && !strncmp(p, "..", 2)) {
			if (--depth < 0)
				return false;
		} else if (n && !(n == 1 && *p == '.')) {
			depth++;
		}
		p = *end ? end + 1 : end;
	}
	return true;
}

/* ---- opening directories of the layer without leaving it ---- */

static int open_beneath(int dfd, const char *path, int flags)
{
	struct open_how how = {
		.flags = (unsigned long long)(flags | O_CLOEXEC),
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS |
			   RESOLVE_NO_XDEV,
	};
	long fd = syscall(SYS_openat2, dfd, *path ? path : ".", &how, sizeof(how));

	return fd < 0 ? -errno : (int)fd;
}

/* The first symlink of this layer on path, for the message when a walk meets one. */
static const char *symlink_on(struct unpacker *u, const char *path, char *buf, size_t len)
{
	snprintf(buf, len, "%s", path);
	for (char *p = buf;; p++) {
		if (*p == '/' || !*p) {
			char c = *p;
			struct node *n;

			*p = '\0';
			n = node_get(u, buf);
			if (n && n->kind == N_SYMLINK)
				return buf;
			if (!c)
				break;
			*p = c;
		}
	}
	snprintf(buf, len, "%s", path);
	return buf;
}

/* Opens directory dir (relative to the layer root) as O_PATH, creating missing components
 * as plain 0755 directories (tars often leave parents out) and replacing this layer's own
 * whiteouts in the way. A symlink anywhere on the way is refused: the entry would be written
 * wherever it points. */
static int open_dir(struct unpacker *u, const char *dir)
{
	char walked[PATH_MAX], sym[PATH_MAX];
	int fd = open_beneath(u->root, dir, O_PATH | O_DIRECTORY), cur;
	size_t w = 0;

	if (fd >= 0)
		return fd;
	if (fd == -ELOOP)
		return refuse(u, UNPACK_UNSAFE, EPERM, "would write through the symlink '%s'",
			      symlink_on(u, dir, sym, sizeof(sym)));
	if (fd != -ENOENT && fd != -ENOTDIR)
		return io_error(u, "cannot open its directory", -fd);

	cur = open_beneath(u->root, "", O_PATH | O_DIRECTORY);
	if (cur < 0)
		return io_error(u, "cannot open the layer directory", -cur);
	for (const char *p = dir; *p;) {
		const char *end = strchrnul(p, '/');
		size_t n = (size_t)(end - p);
		char comp[NAME_MAX + 1];
		struct node *node;

		memcpy(comp, p, n);
		comp[n] = '\0';
		if (w)
			walked[w++] = '/';
		memcpy(walked + w, comp, n + 1);
		w += n;
		p = *end ? end + 1 : end;

		fd = open_beneath(cur, comp, O_PATH | O_DIRECTORY);
		node = node_get(u, walked);
		bool fresh = false;

		/* The layer deleted this name and puts something below it: a new directory
		 * that shows nothing of the deleted one, an opaque one. */
		if (fd == -ENOTDIR && node && node->kind == N_WHITEOUT) {
			fd = unlinkat(cur, comp, 0) < 0 ? -errno : -ENOENT;
			fresh = true;
		}
		if (fd == -ENOENT) {
			if (mkdirat(cur, comp, 0755) < 0 && errno != EEXIST) {
				fd = -errno;
				close(cur);
				return io_error(u, "cannot create its parent directories", -fd);
			}
			node = node_put(u, walked, N_DIR);
			if (!node) {
				close(cur);
				return refuse(u, UNPACK_IO, ENOMEM, "out of memory");
			}
			node->fresh = node->opaque = fresh;
			fd = open_beneath(cur, comp, O_PATH | O_DIRECTORY);
		}
		close(cur);
		if (fd == -ELOOP)
			return refuse(u, UNPACK_UNSAFE, EPERM,
				      "would write through the symlink '%s'", walked);
		if (fd == -ENOTDIR)
			return refuse(u, UNPACK_CORRUPT, ENOTDIR,
				      "'%s' is not a directory in this layer", walked);
		if (fd < 0)
			return io_error(u, "cannot open its directory", -fd);
		cur = fd;
	}
	return cur;
}

/* Removes name (a whole tree if a directory) from directory dfd without following symlinks. */
static int remove_at(int dfd, const char *name)
{
	struct dirent *de;
	DIR *d;
	int fd, e = 0;

	if (!unlinkat(dfd, name, 0) || errno == ENOENT)
		return 0;
	if (errno != EISDIR)
		return -errno;
	fchmodat(dfd, name, 0700, AT_SYMLINK_NOFOLLOW);
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		e = -errno;
		close(fd);
		return e;
	}
	while (!e && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			e = remove_at(dirfd(d), de->d_name);
	closedir(d);
	if (!e && unlinkat(dfd, name, AT_REMOVEDIR) < 0)
		e = -errno;
	return e;
}

/* Makes room at (pfd, base) for the entry at path: a directory stays for a directory; anything
 * else there (an earlier entry of the same name, this layer's whiteout) goes. */
static int make_room(struct unpacker *u, int pfd, const char *base, const char *path, bool for_dir)
{
	struct node_list below;
	struct stat st;
	int e;

	if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : io_error(u, "cannot look at what is there", errno);
	if (S_ISDIR(st.st_mode) && for_dir)
		return 0;
	if (S_ISDIR(st.st_mode)) {
		/* A later entry replaces a directory: what this layer put below it goes too. */
		e = collect(u, path, &below);
		if (e)
			return e;
		for (size_t i = 0; i < below.n; i++) {
			tdelete(below.v[i], &u->tree, node_cmp);
			node_free(below.v[i]);
		}
		free(below.v);
	}
	e = remove_at(pfd, base);
	return e ? io_error(u, "cannot replace what an earlier entry put there", -e) : 0;
}

/* ---- metadata ---- */

static bool is_overlay_xattr(const char *name)
{
	return !strncmp(name, "trusted.overlay.", 16) || !strncmp(name, "user.overlay.", 13);
}

/* The entry's xattrs (pax SCHILY.xattr.* and the like), on fd or else on (pfd, base) via
 * /proc/self/fd so that a symlink itself gets them. */
static int apply_xattrs(struct unpacker *u, struct archive_entry *e, int fd, int pfd,
			const char *base)
{
	const char *name;
	const void *value;
	size_t size;
	char proc[PATH_MAX];

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d/%s", pfd, base);
	archive_entry_xattr_reset(e);
	while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
		int r;

		if (is_overlay_xattr(name))
			return refuse(u, UNPACK_UNSAFE, EPERM,
				      "carries the overlayfs xattr '%s', which would change what "
				      "overlayfs shows (whiteouts, redirects, metacopy)",
				      name);
		r = fd >= 0 ? fsetxattr(fd, name, value, size, 0)
			    : lsetxattr(proc, name, value, size, 0);
		if (r == 0)
			continue;
		/* Labels of another LSM, or the file system's own: not ours to insist on. */
		if ((errno == EOPNOTSUPP || errno == EPERM || errno == EACCES) &&
		    !strncmp(name, "security.", 9) && strcmp(name, "security.capability"))
			continue;
		/* Linux allows user.* xattrs on regular files and directories only. */
		if (errno == EPERM && fd < 0 && !strncmp(name, "user.", 5))
			continue;
		return refuse(u, UNPACK_IO, errno, "cannot set the xattr '%s': %s (%s)", name,
			      errno_name(errno),
			      errno == EPERM ? "trusted.* and security.* xattrs need root"
					     : "the file system of the destination refuses it");
	}
	return 0;
}

static void entry_times(struct archive_entry *e, struct timespec ts[2])
{
	ts[1].tv_sec = archive_entry_mtime(e);
	ts[1].tv_nsec = archive_entry_mtime_nsec(e);
	if (archive_entry_atime_is_set(e)) {
		ts[0].tv_sec = archive_entry_atime(e);
		ts[0].tv_nsec = archive_entry_atime_nsec(e);
	} else {
		ts[0] = ts[1];
	}
}

/* Owner, then mode (chown clears setuid and setgid), then xattrs (chown also drops
 * security.capability), then times (xattrs do not touch mtime, but do it last anyway). As
 * non-root the owner cannot be given away; like tar, keep ours. */
static int apply_meta(struct unpacker *u, struct archive_entry *e, int fd, int pfd,
		      const char *base, bool is_symlink)
{
	uid_t uid = (uid_t)archive_entry_uid(e);
	gid_t gid = (gid_t)archive_entry_gid(e);
	mode_t mode = archive_entry_perm(e) & 07777;
	struct timespec ts[2];
	int r;

	r = fd >= 0 ? fchown(fd, uid, gid) : fchownat(pfd, base, uid, gid, AT_SYMLINK_NOFOLLOW);
	if (r < 0 && (u->is_root || errno != EPERM))
		return io_error(u, "cannot set its owner", errno);
	if (!is_symlink) {
		r = fd >= 0 ? fchmod(fd, mode) : fchmodat(pfd, base, mode, AT_SYMLINK_NOFOLLOW);
		if (r < 0)
			return io_error(u, "cannot set its mode", errno);
	}
	r = apply_xattrs(u, e, fd, pfd, base);
	if (r)
		return r;
	entry_times(e, ts);
	r = fd >= 0 ? futimens(fd, ts) : utimensat(pfd, base, ts, AT_SYMLINK_NOFOLLOW);
	return r < 0 ? io_error(u, "cannot set its times", errno) : 0;
}

/* ---- the kinds of entries ---- */

static int write_data(struct unpacker *u, struct archive *a, struct archive_entry *e, int fd)
{
	la_int64_t off, end = 0;
	const void *buf;
	size_t len;
	int r;

	while ((r = archive_read_data_block(a, &buf, &len, &off)) != ARCHIVE_EOF) {
		const char *p = buf;

		/* Go's archive/tar (umoci, docker) may end a layer right after the last file's
		 * data, without the padding to a 512-byte block or the end-of-archive blocks;
		 * libarchive then fails to skip the padding. The whole file is there and the
		 * stream is at its end: take that as the end of the archive. (A compressed
		 * stream's own damage still shows in layer_stream_finish().) */
		if (r < ARCHIVE_WARN && !archive_entry_sparse_count(e) &&
		    end == archive_entry_size(e)) {
			u->at_end = true;
			return 0;
		}
		if (r < ARCHIVE_WARN)
			return refuse(u, UNPACK_CORRUPT, EIO, "cannot read its data: %s",
				      archive_error_string(a) ? archive_error_string(a)
							      : "unknown error");
		if (off + (la_int64_t)len > end)
			end = off + (la_int64_t)len;
		if (u->o->bytes_before + u->st->bytes + len > u->o->max_bytes)
			return refuse(u, UNPACK_TOO_BIG, EFBIG,
				      "file data passes the limit of %llu bytes (--max-bytes)",
				      u->o->max_bytes);
		while (len) {
			ssize_t n = pwrite(fd, p, len, off);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return io_error(u, "cannot write its data", n < 0 ? errno : EIO);
			p += n;
			off += n;
			len -= (size_t)n;
			u->st->bytes += (unsigned long long)n;
		}
	}
	return 0;
}

static int unpack_file(struct unpacker *u, struct archive *a, struct archive_entry *e, int pfd,
		       const char *base, const char *path)
{
	la_int64_t size = archive_entry_size(e);
	int fd, r;

	/* Fail early when the size alone says so; a sparse file's size is no measure of the
	 * data it brings, write_data() counts that. */
	if (archive_entry_size_is_set(e) && size > 0 && !archive_entry_sparse_count(e) &&
	    u->o->bytes_before + u->st->bytes + (unsigned long long)size > u->o->max_bytes)
		return refuse(u, UNPACK_TOO_BIG, EFBIG,
			      "its %lld bytes pass the limit of %llu bytes of file data "
			      "(--max-bytes)",
			      (long long)size, u->o->max_bytes);
	fd = openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return io_error(u, "cannot create it", errno);
	r = write_data(u, a, e, fd);
	/* A sparse file's data ends before its size: the rest is a hole. */
	if (!r && archive_entry_size_is_set(e) && ftruncate(fd, size) < 0)
		r = io_error(u, "cannot set its size", errno);
	if (!r)
		r = apply_meta(u, e, fd, pfd, base, false);
	close(fd);
	if (!r && !node_put(u, path, N_FILE))
		r = refuse(u, UNPACK_IO, ENOMEM, "out of memory");
	return r;
}

/* fresh: the layer deleted this name before (a whiteout): the directory is a new one, see
 * open_dir(). */
static int unpack_dir(struct unpacker *u, struct archive_entry *e, int pfd, const char *base,
		      const char *path, bool fresh)
{
	struct node *n;
	int fd, r;

	if (*path && mkdirat(pfd, base, 0755) < 0 && errno != EEXIST)
		return io_error(u, "cannot create it", errno);
	n = node_put(u, path, N_DIR);
	if (!n)
		return refuse(u, UNPACK_IO, ENOMEM, "out of memory");
	/* Owner, mode and times wait for the end of the layer; xattrs go on now. */
	n->have_meta = true;
	if (fresh)
		n->fresh = n->opaque = true;
	n->uid = (uid_t)archive_entry_uid(e);
	n->gid = (gid_t)archive_entry_gid(e);
	n->mode = archive_entry_perm(e) & 07777;
	entry_times(e, n->times);
	fd = openat(pfd, *path ? base : ".", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return io_error(u, "cannot open it", errno);
	r = apply_xattrs(u, e, fd, pfd, base);
	close(fd);
	return r;
}

static int unpack_symlink(struct unpacker *u, struct archive_entry *e, int pfd, const char *base,
			  const char *path)
{
	const char *target = archive_entry_symlink(e);

	if (!target || !*target)
		return refuse(u, UNPACK_CORRUPT, EINVAL, "symlink without a target");
	if (!symlink_stays_inside(path, target))
		return refuse(u, UNPACK_UNSAFE, EPERM,
			      "symlink to '%.200s' points outside the layer", target);
	if (symlinkat(target, pfd, base) < 0)
		return io_error(u, "cannot create it", errno);
	if (!node_put(u, path, N_SYMLINK))
		return refuse(u, UNPACK_IO, ENOMEM, "out of memory");
	return apply_meta(u, e, -1, pfd, base, true);
}

/* The target of a hard link entry: inside the layer, and something the layer already holds
 * that a link can point at. Checked before anything at the link's own path is replaced. */
static int link_target(struct unpacker *u, const char *link, char *tpath, size_t len,
		       struct node **t)
{
	int r = clean_path(u, link, "its hard link target", tpath, len);

	if (r)
		return r;
	*t = node_get(u, tpath);
	if (!*t || (*t)->kind == N_DIR || (*t)->kind == N_WHITEOUT)
		return refuse(u, UNPACK_UNSAFE, EPERM,
			      "hard link to '%.200s', which this layer does not hold (links "
			      "may only point at files the layer unpacked before them)",
			      link);
	return 0;
}

static int unpack_hardlink(struct unpacker *u, int pfd, const char *base, const char *path,
			   const char *tpath)
{
	char tdir[PATH_MAX];
	const char *tbase;
	struct node *t;
	int tfd, r = 0;

	memcpy(tdir, tpath, strlen(tpath) + 1);
	tbase = split_base(tdir);
	tfd = open_dir(u, tdir);
	if (tfd < 0)
		return tfd;
	if (linkat(tfd, tbase, pfd, base, 0) < 0)
		r = io_error(u, "cannot create the hard link", errno);
	close(tfd);
	t = node_get(u, tpath);
	if (!r && !node_put(u, path, t ? t->kind : N_FILE))
		r = refuse(u, UNPACK_IO, ENOMEM, "out of memory");
	return r;
}

static int unpack_special(struct unpacker *u, struct archive_entry *e, int pfd, const char *base,
			  const char *path, mode_t type)
{
	if (type == AE_IFSOCK || ((type == AE_IFCHR || type == AE_IFBLK) && !u->o->make_devices)) {
		u->st->devices_skipped++;
		return 0;
	}
	if (mknodat(pfd, base, type | 0600, type == AE_IFIFO ? 0 : archive_entry_rdev(e)) < 0)
		return io_error(u, "cannot create it", errno);
	if (!node_put(u, path, N_OTHER))
		return refuse(u, UNPACK_IO, ENOMEM, "out of memory");
	return apply_meta(u, e, -1, pfd, base, false);
}

/* Whether this layer made dir (with self) or one of its parents something other than a
 * directory: a symlink, a file, a whiteout. Whiteouts below such a name have nothing left to
 * delete (umoci writes them for the contents of a directory it replaced by a symlink), and
 * following the name to apply them could leave the layer. */
static bool under_non_dir(struct unpacker *u, const char *dir, bool self)
{
	char buf[PATH_MAX];
	size_t len = strlen(dir);

	memcpy(buf, dir, len + 1);
	for (size_t i = 0; i <= len; i++) {
		struct node *n;

		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		if (i == len && !self)
			break;
		buf[i] = '\0';
		n = node_get(u, buf);
		buf[i] = dir[i];
		if (n && n->kind != N_DIR)
			return true;
	}
	return false;
}

/* .wh.NAME: NAME is deleted from the layers below. Unless this layer adds NAME itself (before
 * or after the whiteout: a layer that re-adds a deleted name), an overlay whiteout goes in its
 * place. */
static int unpack_whiteout(struct unpacker *u, const char *dir, const char *name)
{
	char path[PATH_MAX];
	struct node *n;
	int pfd, fd, r = 0;

	snprintf(path, sizeof(path), "%s%s%s", dir, *dir ? "/" : "", name);
	if (under_non_dir(u, dir, true))
		return 0;
	n = node_get(u, path);
	if (n) {
		/* Lower layers lose NAME, the layer's own NAME stays: a directory of this
		 * layer must then no longer show the lower one's contents. */
		n->opaque |= n->kind == N_DIR;
		return 0;
	}
	pfd = open_dir(u, dir);
	if (pfd < 0)
		return pfd;
	if (u->o->whiteout == WHITEOUT_CHARDEV) {
		if (mknodat(pfd, name, S_IFCHR | 0000, makedev(0, 0)) < 0)
			r = io_error(u, "cannot create the whiteout (a 0/0 character device)",
				     errno);
	} else {
		fd = openat(pfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd < 0) {
			r = io_error(u, "cannot create the whiteout", errno);
		} else {
			if (fsetxattr(fd, u->x_whiteout, "y", 1, 0) < 0)
				r = refuse(u, UNPACK_IO, errno,
					   "cannot set %s: %s (the destination's file system must "
					   "take %s xattrs%s)",
					   u->x_whiteout, errno_name(errno),
					   u->o->userxattr ? "user." : "trusted.",
					   u->o->userxattr ? "" : "; as non-root use --userxattr");
			close(fd);
		}
	}
	close(pfd);
	if (r)
		return r;
	if (!node_put(u, path, N_WHITEOUT))
		return refuse(u, UNPACK_IO, ENOMEM, "out of memory");
	if (u->o->whiteout == WHITEOUT_XATTR) {
		n = node_put(u, dir, N_DIR);
		if (!n)
			return refuse(u, UNPACK_IO, ENOMEM, "out of memory");
		n->xwhiteouts = true;
	}
	return 0;
}

/* .wh..wh..opq in D: D hides what the layers below hold in it. Only marked here; the xattr goes
 * on at the end of the layer, so entries of D in this same layer stay whatever the order. */
static int unpack_opaque(struct unpacker *u, const char *dir)
{
	struct node *n;
	int fd;

	if (under_non_dir(u, dir, false))
		return 0;
	fd = open_dir(u, dir);
	if (fd < 0)
		return fd;
	close(fd);
	n = node_put(u, dir, N_DIR);
	if (!n)
		return refuse(u, UNPACK_IO, ENOMEM, "out of memory");
	n->opaque = true;
	return 0;
}

static int unpack_entry(struct unpacker *u, struct archive *a, struct archive_entry *e)
{
	char path[PATH_MAX], dir[PATH_MAX], tpath[PATH_MAX];
	const char *base, *link = archive_entry_hardlink(e);
	mode_t type = archive_entry_filetype(e);
	struct node *target, *old;
	bool was_whiteout;
	int pfd, r;

	r = clean_path(u, u->entry, "path", path, sizeof(path));
	if (r)
		return r;
	memcpy(dir, path, strlen(path) + 1);
	base = split_base(dir);

	if (!strncmp(base, ".wh.", 4)) {
		if (!strcmp(base, ".wh..wh..opq"))
			return unpack_opaque(u, dir);
		if (!strncmp(base, ".wh..wh.", 8))
			return refuse(u, UNPACK_UNSAFE, EPERM,
				      "'.wh..wh.' names are reserved and only '.wh..wh..opq' "
				      "has a meaning");
		if (!strcmp(base, ".wh.") || !strcmp(base, ".wh..") || !strcmp(base, ".wh..."))
			return refuse(u, UNPACK_UNSAFE, EPERM, "a whiteout of '%s' names no file",
				      base + 4);
		return unpack_whiteout(u, dir, base + 4);
	}
	if (!*path && (link || type != AE_IFDIR))
		return refuse(u, UNPACK_UNSAFE, EPERM, "would replace the layer's root directory");
	if (link) {
		r = link_target(u, link, tpath, sizeof(tpath), &target);
		if (r)
			return r;
		if (!strcmp(tpath, path))
			return 0; /* a link to itself: it is already there */
	}

	old = node_get(u, path);
	was_whiteout = old && old->kind == N_WHITEOUT;
	pfd = open_dir(u, dir);
	if (pfd < 0)
		return pfd;
	r = *path ? make_room(u, pfd, base, path, !link && type == AE_IFDIR) : 0;
	if (r)
		goto out;
	if (link)
		r = unpack_hardlink(u, pfd, base, path, tpath);
	else if (type == AE_IFREG)
		r = unpack_file(u, a, e, pfd, base, path);
	else if (type == AE_IFDIR)
		r = unpack_dir(u, e, pfd, base, path, was_whiteout);
	else if (type == AE_IFLNK)
		r = unpack_symlink(u, e, pfd, base, path);
	else if (type == AE_IFCHR || type == AE_IFBLK || type == AE_IFIFO || type == AE_IFSOCK)
		r = unpack_special(u, e, pfd, base, path, type);
	else
		r = refuse(u, UNPACK_CORRUPT, EINVAL, "unknown file type 0%o", (unsigned)type);
out:
	close(pfd);
	return r;
}

/* ---- the end of the layer ---- */

static int finish_dir(struct unpacker *u, struct node *n)
{
	int fd = open_beneath(u->root, n->path, O_RDONLY | O_DIRECTORY);
	const char *opaque = n->opaque ? "y" : n->xwhiteouts ? "x" : NULL;
	int r = 0;

	u->entry = n->path;
	if (fd < 0)
		return io_error(u, "cannot open the directory to finish it", -fd);
	if (opaque && fsetxattr(fd, u->x_opaque, opaque, 1, 0) < 0) {
		r = refuse(u, UNPACK_IO, errno,
			   "cannot set %s: %s (the destination's file system must take %s "
			   "xattrs%s)",
			   u->x_opaque, errno_name(errno), u->o->userxattr ? "user." : "trusted.",
			   u->o->userxattr ? "" : "; as non-root use --userxattr");
		goto out;
	}
	u->st->opaque_dirs += n->opaque;
	if (!n->have_meta)
		goto out;
	if (fchown(fd, n->uid, n->gid) < 0 && (u->is_root || errno != EPERM)) {
		r = io_error(u, "cannot set its owner", errno);
		goto out;
	}
	if (fchmod(fd, n->mode) < 0 || futimens(fd, n->times) < 0)
		r = io_error(u, "cannot set its mode and times", errno);
out:
	close(fd);
	return r;
}

/* A directory the layer has without an entry for it, which is the lower layers' directory
 * (not a new one: not made in place of a whiteout, nor below an opaque directory). */
static bool is_implicit(struct unpacker *u, const struct node *n)
{
	char buf[PATH_MAX];

	if (n->kind != N_DIR || n->have_meta || n->fresh)
		return false;
	memcpy(buf, n->path, strlen(n->path) + 1);
	while (*buf) {
		const struct node *p;

		split_base(buf);
		p = node_get(u, buf);
		if (p && p->opaque)
			return false;
	}
	return true;
}

static int add_path(struct unpacker *u, char ***list, size_t *n, const char *path)
{
	char **v = realloc(*list, (*n + 1) * sizeof(*v));

	if (!v)
		return refuse(u, UNPACK_IO, ENOMEM, "out of memory");
	*list = v;
	v[*n] = strdup(path);
	if (!v[*n])
		return refuse(u, UNPACK_IO, ENOMEM, "out of memory");
	(*n)++;
	return 0;
}

/* Whether dir or a directory above it is opaque in this layer. */
static bool under_opaque(struct unpacker *u, const char *dir)
{
	char buf[PATH_MAX];
	const struct node *n;

	memcpy(buf, dir, strlen(dir) + 1);
	for (;;) {
		n = node_get(u, buf);
		if (n && n->opaque)
			return true;
		if (!*buf)
			return false;
		split_base(buf);
	}
}

/* Opaque markers and directory metadata, deepest directories first (a parent's times must
 * come after its children changed it, and its mode after they no longer need to be written).
 *
 * A whiteout in a directory this layer makes opaque (or below one) is dropped: nothing is left
 * under it to hide, and overlayfs would show it. readdir lists the whiteouts of a directory's
 * lowest layer as entries (only upper layers' are checked), and an opaque directory is the
 * lowest of its merge; xattr whiteouts are not even recognised in an opaque=y directory. */
static int finish_layer(struct unpacker *u)
{
	struct node_list all;
	int r = collect(u, NULL, &all);

	for (size_t i = 0; !r && i < all.n; i++) {
		struct node *n = all.v[i];
		char dir[PATH_MAX];

		if (n->kind != N_WHITEOUT)
			continue;
		memcpy(dir, n->path, strlen(n->path) + 1);
		split_base(dir);
		if (under_opaque(u, dir)) {
			int pfd = open_beneath(u->root, dir, O_PATH | O_DIRECTORY);

			if (pfd < 0 || unlinkat(pfd, n->path + strlen(dir) + !!*dir, 0) < 0) {
				u->entry = n->path;
				r = io_error(u, "cannot drop a whiteout in an opaque directory",
					     pfd < 0 ? -pfd : errno);
			}
			if (pfd >= 0)
				close(pfd);
			n->kind = N_OTHER;
			continue;
		}
		u->st->whiteouts++;
		r = add_path(u, &u->st->whiteout_paths, &u->st->n_whiteout_paths, n->path);
	}
	for (size_t i = all.n; !r && i-- > 0;)
		if (all.v[i]->kind == N_DIR)
			r = finish_dir(u, all.v[i]);
	for (size_t i = 0; !r && i < all.n; i++)
		if (is_implicit(u, all.v[i]))
			r = add_path(u, &u->st->implicit_dirs, &u->st->n_implicit_dirs,
				     all.v[i]->path);
	free(all.v);
	return r;
}

int image_unpack(struct archive *tar, const char *dir, const struct unpack_opts *o,
		 struct unpack_stats *st, struct bb_error *err)
{
	struct unpacker u = { .root = -1, .o = o, .st = st, .err = err, .is_root = !geteuid() };
	const char *prefix = o->userxattr ? "user" : "trusted";
	struct archive_entry *e;
	int r = 0, h;

	*st = (struct unpack_stats){ 0 };
	snprintf(u.x_whiteout, sizeof(u.x_whiteout), "%s.overlay.whiteout", prefix);
	snprintf(u.x_opaque, sizeof(u.x_opaque), "%s.overlay.opaque", prefix);
	if (mkdir(dir, 0755) < 0) {
		st->failure = UNPACK_IO;
		return bb_err(err, errno, "cannot create the layer directory %s: %s", dir,
			      errno_name(errno));
	}
	u.root = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (u.root < 0) {
		r = bb_err(err, errno, "cannot open %s: %s", dir, errno_name(errno));
		st->failure = UNPACK_IO;
		goto out;
	}
	if (!node_put(&u, "", N_DIR)) {
		r = refuse(&u, UNPACK_IO, ENOMEM, "out of memory");
		goto out;
	}
	while ((h = archive_read_next_header(tar, &e)) != ARCHIVE_EOF) {
		if (h < ARCHIVE_WARN) {
			st->failure = UNPACK_CORRUPT;
			r = bb_err(err, EIO, "%s%.200s%s%s", u.entry ? "after entry '" : "",
				   u.entry ? u.entry : "", u.entry ? "': " : "",
				   archive_error_string(tar) ? archive_error_string(tar)
							     : "not a tar archive");
			goto out;
		}
		u.entry = archive_entry_pathname(e);
		if (!u.entry)
			u.entry = archive_entry_pathname_utf8(e);
		if (!u.entry) {
			r = refuse(&u, UNPACK_CORRUPT, EINVAL, "a name libarchive cannot decode");
			goto out;
		}
		st->entries++;
		r = unpack_entry(&u, tar, e);
		if (r)
			goto out;
		if (u.at_end)
			break;
	}
	r = finish_layer(&u);
out:
	if (u.root >= 0)
		close(u.root);
	tdestroy(u.tree, node_free);
	if (r) {
		unpack_remove_tree(dir, NULL);
		unpack_stats_release(st);
	}
	return r;
}

static void free_paths(char ***list, size_t *n)
{
	for (size_t i = 0; i < *n; i++)
		free((*list)[i]);
	free(*list);
	*list = NULL;
	*n = 0;
}

void unpack_stats_release(struct unpack_stats *st)
{
	free_paths(&st->implicit_dirs, &st->n_implicit_dirs);
	free_paths(&st->whiteout_paths, &st->n_whiteout_paths);
}

/* ---- implicit directories take after the layers below ---- */

enum lower_find { LOWER_ABSENT, LOWER_HIDDEN, LOWER_FOUND };

static bool dir_is_opaque(int fd, const char *x_opaque)
{
	char proc[64], v[2];

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	return getxattr(proc, x_opaque, v, sizeof(v)) == 1 && v[0] == 'y';
}

/* Looks path up in one lower layer as overlayfs would: a non-directory on the way (a whiteout,
 * a symlink, a file) hides the layers further down, and so does an opaque parent. On
 * LOWER_FOUND, *fd is the directory (O_PATH). */
static enum lower_find find_in_lower(const char *lower, const char *path, const char *x_opaque,
				     int *fd)
{
	int cur = open(lower, O_PATH | O_DIRECTORY | O_CLOEXEC);
	bool opaque = false;
	struct stat st;

	if (cur < 0)
		return LOWER_ABSENT;
	for (const char *p = path; *p;) {
		const char *end = strchrnul(p, '/');
		char comp[NAME_MAX + 1];
		int next;

		snprintf(comp, sizeof(comp), "%.*s", (int)(end - p), p);
		p = *end ? end + 1 : end;
		if (fstatat(cur, comp, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			close(cur);
			return opaque ? LOWER_HIDDEN : LOWER_ABSENT;
		}
		next = S_ISDIR(st.st_mode) ? open_beneath(cur, comp, O_PATH | O_DIRECTORY) : -1;
		close(cur);
		if (next < 0)
			return LOWER_HIDDEN;
		cur = next;
		if (*p)
			opaque |= dir_is_opaque(cur, x_opaque);
	}
	*fd = cur;
	return LOWER_FOUND;
}

static int copy_xattrs(int from, int to)
{
	char proc[64], names[4096], value[65536];
	ssize_t len;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", from);
	len = listxattr(proc, names, sizeof(names));
	for (ssize_t i = 0; i < len; i += (ssize_t)strlen(names + i) + 1) {
		ssize_t v;

		if (is_overlay_xattr(names + i))
			continue;
		v = getxattr(proc, names + i, value, sizeof(value));
		if (v >= 0 && fsetxattr(to, names + i, value, (size_t)v, 0) < 0 &&
		    strncmp(names + i, "security.", 9))
			return -errno;
	}
	return 0;
}

/* The directory path as the layers below show it: *fd is it (O_PATH) in the nearest layer that
 * has it, unless a layer above that one hides it. */
static bool find_below(const char *const *lowers, size_t n_lowers, const char *path,
		       const char *x_opaque, int *fd)
{
	enum lower_find f = LOWER_ABSENT;

	for (size_t k = 0; k < n_lowers && f == LOWER_ABSENT; k++)
		f = find_in_lower(lowers[k], path, x_opaque, fd);
	return f == LOWER_FOUND;
}

/* Removes the whiteout at path of the layer at root, keeping its directory's times (and, as
 * non-root, getting past a mode without write permission for a moment). */
static int drop_whiteout(int root, const char *path)
{
	char dir[PATH_MAX];
	const char *base;
	struct stat st;
	int fd, e = 0;

	memcpy(dir, path, strlen(path) + 1);
	base = split_base(dir);
	fd = open_beneath(root, dir, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0) {
		e = -errno;
	} else {
		struct timespec ts[2] = { st.st_atim, st.st_mtim };
		bool loosen = geteuid() != 0 && !(st.st_mode & 0200);

		if (loosen)
			fchmod(fd, st.st_mode | 0200);
		if (unlinkat(fd, base, 0) < 0)
			e = -errno;
		if (loosen)
			fchmod(fd, st.st_mode & 07777);
		if (!e && futimens(fd, ts) < 0)
			e = -errno;
	}
	close(fd);
	return e;
}

int unpack_settle(const char *dir, struct unpack_stats *st, const char *const *lowers,
		  size_t n_lowers, const struct unpack_opts *o, struct bb_error *err)
{
	const char *prefix = o->userxattr ? "user" : "trusted";
	int root = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC), r = 0;
	char x_opaque[32];

	snprintf(x_opaque, sizeof(x_opaque), "%s.overlay.opaque", prefix);
	if (root < 0)
		return bb_err(err, errno, "cannot open %s: %s", dir, errno_name(errno));
	/* A whiteout whose directory no layer below has: it is the lowest layer of that
	 * directory, where overlayfs lists whiteouts as entries (see finish_layer()). */
	for (size_t i = 0; !r && i < st->n_whiteout_paths; i++) {
		char parent[PATH_MAX];
		int fd = -1;

		memcpy(parent, st->whiteout_paths[i], strlen(st->whiteout_paths[i]) + 1);
		split_base(parent);
		if (find_below(lowers, n_lowers, parent, x_opaque, &fd)) {
			close(fd);
			continue;
		}
		r = drop_whiteout(root, st->whiteout_paths[i]);
		if (r)
			r = bb_err(err, -r,
				   "cannot drop the whiteout %s/%s, which has nothing below "
				   "it to hide: %s",
				   dir, st->whiteout_paths[i], errno_name(-r));
		else
			st->whiteouts--;
	}
	/* Deepest first, as at the end of a layer: a parent's mode may shut its children. */
	for (size_t i = st->n_implicit_dirs; !r && i-- > 0;) {
		const char *path = st->implicit_dirs[i];
		int from = -1, to;
		struct stat lst;

		if (!find_below(lowers, n_lowers, path, x_opaque, &from))
			continue;
		to = open_beneath(root, path, O_RDONLY | O_DIRECTORY);
		if (to < 0 || fstat(from, &lst) < 0) {
			r = bb_err(err, to < 0 ? -to : errno, "cannot open %s/%s: %s", dir, path,
				   errno_name(to < 0 ? -to : errno));
		} else {
			struct timespec ts[2] = { lst.st_atim, lst.st_mtim };
			int e = 0;

			if (fchown(to, lst.st_uid, lst.st_gid) < 0 &&
			    (!geteuid() || errno != EPERM))
				e = errno;
			if (!e)
				e = -copy_xattrs(from, to);
			if (!e && (fchmod(to, lst.st_mode & 07777) < 0 || futimens(to, ts) < 0))
				e = errno;
			if (e)
				r = bb_err(err, e,
					   "cannot give %s/%s the owner, mode and xattrs it has in "
					   "the layer below: %s",
					   dir, path, errno_name(e));
		}
		if (to >= 0)
			close(to);
		close(from);
	}
	close(root);
	return r;
}

/* ---- removal ---- */

static bool unreadable_seen;

static int loosen_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)ftw;
	if ((type == FTW_D || type == FTW_DNR) && (st->st_mode & 0700) != 0700) {
		chmod(path, (st->st_mode & 07777) | 0700);
		unreadable_seen |= type == FTW_DNR;
	}
	return 0;
}

int unpack_remove_tree(const char *path, struct bb_error *err)
{
	/* Each pass opens up one more level of unreadable directories; root needs none. */
	if (geteuid() != 0) {
		for (int pass = 0; pass < 64; pass++) {
			unreadable_seen = false;
			nftw(path, loosen_one, 32, FTW_PHYS | FTW_MOUNT);
			if (!unreadable_seen)
				break;
		}
	}
	return remove_tree(path, err);
}
