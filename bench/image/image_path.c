/* Paths inside one layer: entry names checked and made relative to the layer root, and its
 * directories opened (or made) beneath that root with openat2, never through a symlink.
 *
 * Safety comes from doing every path walk ourselves: an entry's parent directory is opened
 * with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS) relative to the layer root, and the
 * entry is created in it by name with the *at() calls, never following a symlink. Names with
 * '..' or a leading '/' never get that far, nor do symlinks whose target climbs above the root
 * or hard links to something the layer does not hold. */
#include "image_unpack_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/fsutil.h"

/* ---- names ---- */

/* The entry's name as a path below the layer root: leading "./" and empty or "." components
 * dropped. An absolute name or a ".." component is refused, not rewritten. */
int unpack_clean_path(struct unpacker *u, const char *name, const char *what, char *out, size_t len)
{
	const char *p = name;
	size_t o = 0;

	if (name[0] == '/')
		return unpack_refuse(u, UNPACK_UNSAFE, EPERM, "%s leaves the layer (absolute path)",
				     what);
	while (*p) {
		const char *end = strchrnul(p, '/');
		size_t n = (size_t)(end - p);

		if (n == 2 && !strncmp(p, "..", 2))
			return unpack_refuse(u, UNPACK_UNSAFE, EPERM,
					     "%s leaves the layer ('..' component)", what);
		if (n > NAME_MAX)
			return unpack_refuse(u, UNPACK_INVALID, ENAMETOOLONG,
					     "a name in %s is %zu bytes long, more than the %d a "
					     "Linux file system takes (ENAMETOOLONG)",
					     what, n, NAME_MAX);
		if (n && !(n == 1 && *p == '.')) {
			if (o + n + 2 > len)
				return unpack_refuse(u, UNPACK_INVALID, ENAMETOOLONG,
						     "%s is longer than a path may be (PATH_MAX, "
						     "ENAMETOOLONG)",
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
const char *unpack_split_base(char *path)
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
bool symlink_stays_inside(const char *path, const char *target)
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

int unpack_open_beneath(int dfd, const char *path, int flags)
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
int unpack_open_dir(struct unpacker *u, const char *dir)
{
	char walked[PATH_MAX], sym[PATH_MAX];
	int fd = unpack_open_beneath(u->root, dir, O_PATH | O_DIRECTORY), cur;
	size_t w = 0;

	if (fd >= 0)
		return fd;
	if (fd == -ELOOP)
		return unpack_refuse(u, UNPACK_UNSAFE, EPERM,
				     "would write through the symlink '%s'",
				     symlink_on(u, dir, sym, sizeof(sym)));
	if (fd != -ENOENT && fd != -ENOTDIR)
		return unpack_io_error(u, "cannot open its directory", -fd);

	cur = unpack_open_beneath(u->root, "", O_PATH | O_DIRECTORY);
	if (cur < 0)
		return unpack_io_error(u, "cannot open the layer directory", -cur);
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

		fd = unpack_open_beneath(cur, comp, O_PATH | O_DIRECTORY);
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
				return unpack_io_error(u, "cannot create its parent directories",
						       -fd);
			}
			node = node_put(u, walked, N_DIR);
			if (!node) {
				close(cur);
				return unpack_refuse(u, UNPACK_IO, ENOMEM, "out of memory");
			}
			node->fresh = node->opaque = fresh;
			fd = unpack_open_beneath(cur, comp, O_PATH | O_DIRECTORY);
		}
		close(cur);
		if (fd == -ELOOP)
			return unpack_refuse(u, UNPACK_UNSAFE, EPERM,
					     "would write through the symlink '%s'", walked);
		if (fd == -ENOTDIR)
			return unpack_refuse(u, UNPACK_INVALID, ENOTDIR,
					     "its parent '%s' is not a directory: an earlier entry "
					     "of the layer made it a file or device (ENOTDIR)",
					     walked);
		if (fd < 0)
			return unpack_io_error(u, "cannot open its directory", -fd);
		cur = fd;
	}
	return cur;
}
