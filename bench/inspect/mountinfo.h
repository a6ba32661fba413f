/* /proc/<pid>/mountinfo, parsed: one mount per line, with the kernel's octal escapes (\040 for
 * a space, \134 for a backslash, ...) undone. inspect reads it to find an overlay and the
 * super options that name its layers (ovl_mounted.h). */
#ifndef BOXBENCH_MOUNTINFO_H
#define BOXBENCH_MOUNTINFO_H

#include <stddef.h>

#include "common/error.h"

struct mountinfo_entry {
	int mount_id, parent_id;
	unsigned major, minor;
	char *root; /* the mount's root within its file system */
	char *mount_point; /* relative to the reading process's root */
	char *mount_options; /* per mount: "rw,relatime" */
	char *fstype; /* "overlay"; "fuse.x" keeps its subtype */
	char *source;
	/* Per super block, still escaped: split on ',' first (a ',' inside a value is shown as
	 * \054), then mountinfo_unescape() each option. */
	char *super_options;
};

/* Undoes the kernel's \ooo escapes in place; a '\' not followed by three octal digits stays.
 * Returns the new length. */
size_t mountinfo_unescape(char *s);

/* Parses one line (with or without its '\n'). Fills e with copies the caller frees with
 * mountinfo_entry_free(). -EINVAL names what is malformed. */
int mountinfo_parse_line(const char *line, struct mountinfo_entry *e, struct bb_error *err);

/* The mount on top at mount_point (the last of the mounts there) in the mountinfo file at
 * path ("/proc/self/mountinfo", "/proc/123/mountinfo"). -ENOENT when nothing is mounted
 * there; other errors from reading the file. */
int mountinfo_find(const char *path, const char *mount_point, struct mountinfo_entry *e,
		   struct bb_error *err);

/* The mount holding the file system of device major:minor whose mount point is the longest
 * prefix of path: where a path that is no mount point lives. -ENOENT if none. */
int mountinfo_find_containing(const char *mountinfo, const char *path, unsigned major,
			      unsigned minor, struct mountinfo_entry *e, struct bb_error *err);

void mountinfo_entry_free(struct mountinfo_entry *e);

#endif
