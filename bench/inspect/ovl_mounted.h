/* A mounted overlay as its super options in mountinfo show it: the layers top to bottom and
 * the options in effect. What the kernel prints depends on how it was mounted:
 *   mount(2):  lowerdir=/l2:/l1::/data,upperdir=/u,workdir=/w  (the string as given, its
 *              backslash escapes kept: "\:" and "\," in a name stay, and "::" starts the
 *              data-only layers; relative names stay relative)
 *   fsconfig:  lowerdir+=/l2,lowerdir+=/l1,datadir+=/data,upperdir=/u,workdir=/w  (each
 *              layer as it was given, no backslash escapes)
 * In both, mountinfo's octal escapes come on top (\040 space, \054 ',', \134 '\'). The
 * kernel resolves upperdir and workdir after removing backslash escapes, either way. */
#ifndef BOXBENCH_OVL_MOUNTED_H
#define BOXBENCH_OVL_MOUNTED_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

enum ovl_layer_role {
	OVL_LAYER_UPPER,
	OVL_LAYER_LOWER,
	OVL_LAYER_DATA, /* data-only: reached only through a metacopy file's redirect */
};

struct ovl_layer_ref {
	enum ovl_layer_role role;
	/* Lowers count from the bottom, as boxbench stacks do: 0 is the bottom lower layer;
	 * the upper layer is numbered n_lower; data-only layers 0.. in the order given. */
	unsigned index;
	char *path; /* as the kernel shows it, escapes removed */
	bool relative; /* relative to the mounter's cwd then: not resolvable now */
};

struct ovl_opt {
	char *key;
	char *value; /* NULL for a flag ("userxattr", "ro") */
};

struct ovl_mounted {
	struct ovl_layer_ref *layers; /* top to bottom: upper, lowers, data-only layers */
	size_t n_layers, n_lower, n_data;
	bool has_upper;
	bool append_syntax; /* lowerdir+=/datadir+= (fsconfig) rather than lowerdir= */
	char *workdir; /* NULL for a read-only overlay */
	struct ovl_opt *opts; /* every other option, in the kernel's order */
	size_t n_opts;
};

const char *ovl_layer_role_name(enum ovl_layer_role role);

/* Parses a mountinfo super options field (still escaped: mountinfo_entry.super_options).
 * -EINVAL for a lowerdir it cannot read (an empty layer name, ':::') or no lower layer. */
int ovl_mounted_parse(const char *super_options, struct ovl_mounted *m, struct bb_error *err);

/* The value of option key; "" for a flag; NULL when the option is not shown. */
const char *ovl_mounted_opt(const struct ovl_mounted *m, const char *key);

void ovl_mounted_free(struct ovl_mounted *m);

#endif
