/* Unpacking one layer's tar into a directory (see image_unpack.h): reading the stream, sending
 * each entry on, finishing the layer at its end, and removing it all again on failure.
 *
 * Everything the layer creates is remembered in a tree keyed by path: hard links may only point
 * at what is there, a whiteout and a file of the same name in one layer keep the file, and
 * opaque markers and directory metadata are applied once the whole layer is down (so the order
 * of the tar does not matter, and a read-only directory does not stop its own contents). */
#include "image_unpack_internal.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/fsutil.h"

static int unpack_entry(struct unpacker *u, struct archive *a, struct archive_entry *e)
{
	const char *link = archive_entry_hardlink(e), *base, *dir, *path;
	mode_t type = archive_entry_filetype(e);
	struct node *target, *old;
	struct unpack_place pl;
	char tpath[PATH_MAX];
	bool was_whiteout;
	int pfd, r;

	r = unpack_place(u, u->entry, "path", &pl);
	if (r)
		return r;
	base = pl.base;
	dir = pl.dir;
	path = pl.path;

	if (!strncmp(base, ".wh.", 4)) {
		if (!strcmp(base, ".wh..wh..opq"))
			return unpack_opaque(u, dir);
		if (!strncmp(base, ".wh..wh.", 8))
			return unpack_refuse(
				u, UNPACK_UNSAFE, EPERM,
				"'.wh..wh.' names are reserved and only '.wh..wh..opq' "
				"has a meaning");
		if (!strcmp(base, ".wh.") || !strcmp(base, ".wh..") || !strcmp(base, ".wh..."))
			return unpack_refuse(u, UNPACK_UNSAFE, EPERM,
					     "a whiteout of '%s' names no file", base + 4);
		return unpack_whiteout(u, dir, base + 4);
	}
	if (!*path && (link || type != AE_IFDIR))
		return unpack_refuse(u, UNPACK_UNSAFE, EPERM,
				     "would replace the layer's root directory");
	if (link) {
		r = unpack_link_target(u, link, tpath, sizeof(tpath), &target);
		if (r)
			return r;
		if (!strcmp(tpath, path))
			return 0; /* a link to itself: it is already there */
	}

	old = node_get(u, path);
	was_whiteout = old && old->kind == N_WHITEOUT;
	pfd = unpack_open_dir(u, dir);
	if (pfd < 0)
		return pfd;
	r = *path ? unpack_make_room(u, pfd, base, path, !link && type == AE_IFDIR) : 0;
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
		r = unpack_refuse(u, UNPACK_INVALID, EINVAL, "unknown file type 0%o",
				  (unsigned)type);
out:
	close(pfd);
	return r;
}

/* ---- the end of the layer ---- */

static int finish_dir(struct unpacker *u, struct node *n)
{
	int fd = unpack_open_beneath(u->root, n->path, O_RDONLY | O_DIRECTORY);
	const char *opaque = n->opaque ? "y" : n->xwhiteouts ? "x" : NULL;
	int r = 0;

	u->entry = n->path;
	if (fd < 0)
		return unpack_io_error(u, "cannot open the directory to finish it", -fd);
	if (opaque && fsetxattr(fd, u->x_opaque, opaque, 1, 0) < 0) {
		r = unpack_refuse(u, UNPACK_IO, errno,
				  "cannot set %s: %s (the destination's file system must take %s "
				  "xattrs%s)",
				  u->x_opaque, errno_name(errno),
				  u->o->userxattr ? "user." : "trusted.",
				  u->o->userxattr ? "" : "; as non-root use --userxattr");
		goto out;
	}
	u->st->opaque_dirs += n->opaque;
	if (!n->have_meta)
		goto out;
	if (fchown(fd, n->uid, n->gid) < 0 && (u->is_root || errno != EPERM)) {
		r = unpack_io_error(u, "cannot set its owner", errno);
		goto out;
	}
	if (fchmod(fd, n->mode) < 0 || futimens(fd, n->times) < 0)
		r = unpack_io_error(u, "cannot set its mode and times", errno);
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

		unpack_split_base(buf);
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
		return unpack_refuse(u, UNPACK_IO, ENOMEM, "out of memory");
	*list = v;
	v[*n] = strdup(path);
	if (!v[*n])
		return unpack_refuse(u, UNPACK_IO, ENOMEM, "out of memory");
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
		unpack_split_base(buf);
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
	bool *hidden = NULL, changed = false;
	struct node_list all;
	int r = node_collect(u, NULL, &all);

	/* With all of the layer known: no symlink of the view it makes climbs out of it. */
	if (!r)
		r = image_links_hidden(u, &all, &hidden, &changed);
	if (!r)
		r = unpack_check_links(u, &all, hidden, changed);
	for (size_t i = 0; !r && i < all.n; i++) {
		struct node *n = all.v[i];
		char dir[PATH_MAX];

		if (n->kind != N_WHITEOUT)
			continue;
		memcpy(dir, n->path, strlen(n->path) + 1);
		unpack_split_base(dir);
		if (under_opaque(u, dir)) {
			int pfd = unpack_open_beneath(u->root, dir, O_PATH | O_DIRECTORY);

			if (pfd < 0 || unlinkat(pfd, n->path + strlen(dir) + !!*dir, 0) < 0) {
				u->entry = n->path;
				r = unpack_io_error(u,
						    "cannot drop a whiteout in an opaque directory",
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
	if (!r)
		r = image_links_add_layer(u, &all, hidden);
	free(hidden);
	free(all.v);
	return r;
}

/* Whether the tar reader stopped at the end-of-archive blocks (a zero block: GNU tar takes one
 * alone too) rather than where the stream ended right after an entry. libarchive takes both as
 * the end of the archive; only its position tells them apart: at the end-of-archive blocks it
 * has read past the place the next header would have started. */
static bool end_blocks_seen(struct archive *tar)
{
	la_int64_t at = archive_read_header_position(tar);

	return at >= 0 && archive_filter_bytes(tar, 0) >= at + 512;
}

static int read_entries(struct unpacker *u, struct archive *tar)
{
	struct unpack_stats *st = u->st;
	struct archive_entry *e;
	int r, h;

	while ((h = archive_read_next_header(tar, &e)) != ARCHIVE_EOF) {
		if (u->o->stop && u->o->stop()) {
			st->failure = UNPACK_IO;
			return bb_err(u->err, EINTR,
				      "stopped by a signal; what was unpacked is removed");
		}
		if (h < ARCHIVE_WARN) {
			st->failure = UNPACK_CORRUPT;
			return bb_err(u->err, EIO, "%s%s%s%s",
				      *st->last_entry ? "after entry '" : "", st->last_entry,
				      *st->last_entry ? "': " : "",
				      archive_error_string(tar) ? archive_error_string(tar)
								: "not a tar archive");
		}
		/* The name lives until the next header is read: u->entry never outlives it. */
		u->entry = archive_entry_pathname(e);
		if (!u->entry)
			u->entry = archive_entry_pathname_utf8(e);
		if (!u->entry)
			return unpack_refuse(u, UNPACK_INVALID, EILSEQ,
					     "a name libarchive cannot decode (after entry '%s')",
					     st->last_entry);
		snprintf(st->last_entry, sizeof(st->last_entry), "%.200s", u->entry);
		st->entries++;
		r = unpack_entry(u, tar, e);
		u->entry = NULL;
		if (r)
			return r;
		if (u->at_end)
			break;
	}
	st->ended = !u->at_end && end_blocks_seen(tar);
	if (st->ended || u->o->end_optional)
		return 0;
	st->failure = UNPACK_TRUNCATED;
	if (!st->entries)
		return bb_err(u->err, EIO,
			      "the tar is empty: not even its end-of-archive blocks are there");
	return bb_err(u->err, EIO,
		      "the tar stops after entry '%s' (%llu entries) without its end-of-archive "
		      "blocks: it may have been cut short at an entry boundary. If the tarball "
		      "is whole and its writer left them out, import it with --allow-truncated",
		      st->last_entry, st->entries);
}

int image_unpack(struct archive *tar, const char *dir, const struct unpack_opts *o,
		 struct unpack_stats *st, struct bb_error *err)
{
	struct unpacker u = { .root = -1, .o = o, .st = st, .err = err, .is_root = !geteuid() };
	const char *prefix = o->userxattr ? "user" : "trusted";
	int r = 0;

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
		r = unpack_refuse(&u, UNPACK_IO, ENOMEM, "out of memory");
		goto out;
	}
	r = read_entries(&u, tar);
	if (!r)
		r = finish_layer(&u);
	u.entry = NULL;
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
