/* Mounting overlayfs through either kernel API: mount(2) with its one-page option string, or
 * fsopen/fsconfig with one lowerdir+ per layer. The storage drivers build on it. */
#ifndef BOXBENCH_OVL_MOUNT_H
#define BOXBENCH_OVL_MOUNT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

/* The kernel's OVL_MAX_STACK: lower layers per overlay, data-only layers included. */
#define OVL_MAX_STACK 500
/* mount(2) copies one page of option data; the string and its NUL must fit. */
#define OVL_MOUNT_DATA_MAX 4096

/* The two kernel APIs an overlay is mounted with. */
enum mount_api {
	MOUNT_API_LEGACY, /* mount(2): one page of options, short relative names past it */
	MOUNT_API_FSCONFIG, /* fsopen/fsconfig lowerdir+ (Linux 6.8+): no length limit */
};

/* "mount" or "fsconfig", as --mount-api and the results name them. */
const char *mount_api_name(enum mount_api api);
/* "mount" (or "legacy"), "fsconfig" (or "new"); anything else is EINVAL naming both. */
int mount_api_parse(const char *s, enum mount_api *api, struct bb_error *err);

/* How mount(2)'s lowerdir names the layers. */
enum ovl_paths {
	OVL_PATHS_AUTO = 0, /* absolute; relative to the layers' common parent if over a page */
	OVL_PATHS_ABSOLUTE, /* always absolute; over a page is an error */
	OVL_PATHS_RELATIVE, /* always relative to the common parent (as containers/storage does) */
};

/* Each false leaves the kernel's default (its CONFIG_OVERLAY_FS_* and module parameters);
 * true asks for the feature: "redirect_dir=on", "metacopy=on", "index=on", "xino=on",
 * "volatile", "userxattr". */
struct ovl_options {
	bool redirect_dir;
	bool metacopy;
	bool index;
	bool xino; /* the kernel ignores it when all layers are on one file system */
	bool volatile_mount; /* no syncs; the upper/work pair must be wiped before reuse */
	bool userxattr; /* user.overlay.* xattrs: needed inside a user namespace */
	const char *extra; /* more options, comma-separated ("fsync=strict,verity=on"), or NULL */
	enum ovl_paths paths; /* mount(2) only */
};

/* The mount(2) data for one overlay, as ovl_options_string() plans it. */
struct ovl_mount_data {
	char data[OVL_MOUNT_DATA_MAX]; /* "lowerdir=...,upperdir=...,workdir=...,<options>" */
	char base[PATH_MAX]; /* "" when data's paths are absolute; else mount from this cwd */
	size_t abs_len; /* bytes (with NUL) the absolute form needs; 0 if not built */
	size_t rel_len; /* bytes (with NUL) the relative form needs; 0 if not built */
};

/* Builds the mount(2) data for the layers (lowers top to bottom, then data-only layers; upper
 * and work both NULL for a read-only overlay; o NULL for all defaults). Under OVL_PATHS_AUTO
 * it uses absolute paths when they fit in a page, else names relative to the longest
 * directory all lower and data layers share (base). ',', ':' and '\' in paths are escaped.
 * Pure: touches no file. Returns 0; -E2BIG when no form fits (abs_len and rel_len say by how
 * much); -EINVAL for bad arguments, more than OVL_MAX_STACK layers, or relative names without
 * absolute paths. */
int ovl_options_string(struct ovl_mount_data *out, const char *const *lowers, size_t n_lowers,
		       const char *const *datadirs, size_t n_data, const char *upper,
		       const char *work, const struct ovl_options *o, struct bb_error *err);

/* Mounts with mount(2), planned by ovl_options_string(). When the names are relative it
 * changes into base for the one call and back (the cwd is per process: not for threaded
 * callers). mount(2) gives no reason for EINVAL; for ENOENT it names the missing dir. */
int ovl_mount_legacy(const char *target, const char *const *lowers /* top to bottom */,
		     size_t n_lowers, const char *const *datadirs, size_t n_data, const char *upper,
		     const char *work /* upper/work may be NULL for read-only */,
		     const struct ovl_options *o, struct bb_error *err);

/* Mounts with fsopen/fsconfig (lowerdir+ and datadir+, Linux 6.8+)/fsmount/move_mount; no
 * length limit. A refusal carries the kernel's own message from the fs context. */
int ovl_mount_fsconfig(const char *target, const char *const *lowers /* top to bottom */,
		       size_t n_lowers, const char *const *datadirs, size_t n_data,
		       const char *upper,
		       const char *work /* upper/work may be NULL for read-only */,
		       const struct ovl_options *o, struct bb_error *err);

/* Unmounts an overlay (either API); -EBUSY while something inside is open. */
int ovl_umount(const char *target, struct bb_error *err);

#endif
