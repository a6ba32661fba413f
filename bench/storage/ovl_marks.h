/* overlayfs' marks on the entries of a layer: the xattrs that make a file a whiteout, a
 * directory opaque, a rename a redirect, a copy-up metadata-only. They live under
 * trusted.overlay.* or, on userxattr mounts, user.overlay.*; both are read, and the caller
 * picks the one the mount honours. A 0/0 character device is a whiteout without any xattr. */
#ifndef BOXBENCH_OVL_MARKS_H
#define BOXBENCH_OVL_MARKS_H

#include <limits.h>
#include <stdbool.h>
#include <sys/stat.h>

enum ovl_prefix { OVL_PREFIX_TRUSTED, OVL_PREFIX_USER, OVL_PREFIX_MAX };

/* The two forms of a whiteout a layer can be written in (stacks and imports choose one). */
enum whiteout_form {
	WHITEOUT_CHARDEV, /* 0/0 character device: every kernel with overlayfs */
	WHITEOUT_XATTR, /* empty file with overlay.whiteout, parent overlay.opaque=x: 6.7+ */
};

struct ovl_mark_set {
	bool any; /* some <prefix>.overlay.* xattr is there, marks or not (origin, impure...) */
	bool whiteout; /* .whiteout: a regular file carrying it is a whiteout (6.7+) */
	char opaque; /* .opaque: 'y' opaque directory, 'x' holds xattr whiteouts, 0 none */
	bool metacopy; /* .metacopy: only metadata was copied up; data is below */
	bool has_redirect;
	char redirect[PATH_MAX]; /* .redirect: "/abs/path" from a layer's root, or a name */
};

struct ovl_marks {
	struct ovl_mark_set set[OVL_PREFIX_MAX];
};

const char *ovl_prefix_name(enum ovl_prefix p);
/* "trusted" or "user" (also "trusted.overlay."-style spellings); -1 for anything else. */
int ovl_prefix_parse(const char *s);

/* Reads the marks of rel (relative to dirfd, not followed if a symlink; "" for dirfd itself,
 * which must then be a real fd, not O_PATH). Symlinks and devices carry none overlay reads:
 * they get an empty set without a syscall. Returns 0 or a negative errno (a file system
 * without xattrs is no error: no marks). */
int ovl_marks_read(int dirfd, const char *rel, mode_t mode, struct ovl_marks *m);

/* The set the kernel would honour: prefix's; or, when the prefix is unknown (-1), trusted's
 * if it has marks, else user's. */
const struct ovl_mark_set *ovl_marks_pick(const struct ovl_marks *m, int prefix);

/* Whether e is a whiteout in either form, honouring set s for the xattr form. */
bool ovl_is_whiteout(const struct stat *st, const struct ovl_mark_set *s);
bool ovl_is_chardev_whiteout(const struct stat *st);

#endif
