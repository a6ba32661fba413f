/* Reading overlayfs' xattr marks: see ovl_marks.h. The l*xattr calls go through
 * /proc/self/fd/<dirfd>/<rel> so a walk that holds directory fds needs no full paths and
 * never opens the files themselves (no atime updates, no device opens). */
#include "ovl_marks.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

static const char *const prefixes[OVL_PREFIX_MAX] = {
	[OVL_PREFIX_TRUSTED] = "trusted.overlay.",
	[OVL_PREFIX_USER] = "user.overlay.",
};

const char *ovl_prefix_name(enum ovl_prefix p)
{
	return p == OVL_PREFIX_USER ? "user" : "trusted";
}

int ovl_prefix_parse(const char *s)
{
	if (!s)
		return -1;
	if (!strncmp(s, "trusted", 7) && (!s[7] || s[7] == '.'))
		return OVL_PREFIX_TRUSTED;
	if (!strncmp(s, "user", 4) && (!s[4] || s[4] == '.'))
		return OVL_PREFIX_USER;
	return -1;
}

bool ovl_is_chardev_whiteout(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0);
}

bool ovl_is_whiteout(const struct stat *st, const struct ovl_mark_set *s)
{
	/* The kernel takes only an empty file for an xattr whiteout: one with data is a file. */
	return ovl_is_chardev_whiteout(st) ||
	       (S_ISREG(st->st_mode) && st->st_size == 0 && s && s->whiteout);
}

const struct ovl_mark_set *ovl_marks_pick(const struct ovl_marks *m, int prefix)
{
	if (prefix == OVL_PREFIX_TRUSTED || prefix == OVL_PREFIX_USER)
		return &m->set[prefix];
	return m->set[OVL_PREFIX_TRUSTED].any ? &m->set[OVL_PREFIX_TRUSTED]
					      : &m->set[OVL_PREFIX_USER];
}

static ssize_t get(int dirfd, const char *path, const char *name, char *buf, size_t len)
{
	return path ? lgetxattr(path, name, buf, len) : fgetxattr(dirfd, name, buf, len);
}

int ovl_marks_read(int dirfd, const char *rel, mode_t mode, struct ovl_marks *m)
{
	char path[PATH_MAX + 32], stackbuf[1024], *list = stackbuf;
	const char *p = NULL;
	ssize_t n;
	int e = 0;

	memset(m, 0, sizeof(*m));
	if (!S_ISREG(mode) && !S_ISDIR(mode))
		return 0;
	if (rel && rel[0]) {
		if (snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", dirfd, rel) >=
		    (int)sizeof(path))
			return -ENAMETOOLONG;
		p = path;
	}
	n = p ? llistxattr(p, list, sizeof(stackbuf)) : flistxattr(dirfd, list, sizeof(stackbuf));
	if (n < 0 && errno == ERANGE) {
		/* Many xattrs (security.*, ACLs, a tool's own): ask for the size, then read. */
		n = p ? llistxattr(p, NULL, 0) : flistxattr(dirfd, NULL, 0);
		if (n > 0 && !(list = malloc((size_t)n)))
			return -ENOMEM;
		if (n > 0)
			n = p ? llistxattr(p, list, (size_t)n) : flistxattr(dirfd, list, (size_t)n);
	}
	if (n < 0) {
		e = errno == ENOTSUP || errno == ENODATA ? 0 : -errno;
		goto out;
	}
	for (ssize_t off = 0; off < n; off += (ssize_t)strlen(list + off) + 1) {
		const char *name = list + off;

		for (int i = 0; i < OVL_PREFIX_MAX; i++) {
			size_t plen = strlen(prefixes[i]);
			struct ovl_mark_set *s = &m->set[i];
			const char *mark = name + plen;
			char v[4];

			if (strncmp(name, prefixes[i], plen))
				continue;
			s->any = true;
			if (!strcmp(mark, "whiteout")) {
				s->whiteout = true;
			} else if (!strcmp(mark, "metacopy")) {
				s->metacopy = true;
			} else if (!strcmp(mark, "opaque")) {
				ssize_t len = get(dirfd, p, name, v, sizeof(v));

				/* The kernel reads exactly one byte: 'y' hides what is
				 * below, 'x' only flags xattr whiteouts inside. */
				if (len == 1 && (v[0] == 'x' || v[0] == 'y'))
					s->opaque = v[0];
			} else if (!strcmp(mark, "redirect")) {
				ssize_t len =
					get(dirfd, p, name, s->redirect, sizeof(s->redirect) - 1);

				if (len > 0) {
					s->redirect[len] = '\0';
					s->has_redirect = true;
				}
			}
		}
	}
out:
	if (list != stackbuf)
		free(list);
	return e;
}
