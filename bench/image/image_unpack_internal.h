/* What the files unpacking one layer share (image_unpack.c, image_nodes.c, image_path.c,
 * image_entry.c, image_whiteout.c, image_settle.c, image_links.c, image_resolve.c,
 * image_unpack_error.c); not part of the API in image_unpack.h. image_unpack.c calls the others,
 * and they call only each other one way, and image_unpack_error.c. */
#ifndef BOXBENCH_IMAGE_UNPACK_INTERNAL_H
#define BOXBENCH_IMAGE_UNPACK_INTERNAL_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "image_unpack.h"

struct archive_entry;

enum node_kind { N_DIR, N_FILE, N_SYMLINK, N_OTHER, N_WHITEOUT };

struct node {
	char *path; /* relative to the layer root, no leading or trailing '/'; "" is the root */
	enum node_kind kind;
	bool have_meta; /* a tar entry for this directory gave its owner, mode and times */
	bool opaque; /* .wh..wh..opq seen in it */
	bool xwhiteouts; /* holds xattr whiteouts: the parent mark overlay.opaque=x */
	bool fresh; /* took the place of this layer's whiteout: a new directory, not the lower one */
	char *target; /* a symlink's target */
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
	/* The current entry's name as the archive gives it, for messages; NULL between entries
	 * (the archive frees it with the next header). */
	const char *entry;
	bool at_end; /* the stream ended right after an entry's data: see write_data() */
	char x_whiteout[32], x_opaque[32]; /* "trusted.overlay.whiteout", ... */
};

/* The nodes in path order, for passes over the whole layer (twalk_r has no early exit, so
 * the list is the simplest way to act on them, or delete some, afterwards). */
struct node_list {
	struct node **v;
	size_t n, cap;
	const char *prefix; /* only nodes strictly below this directory; NULL for all */
	size_t prefix_len;
	bool oom;
};

/* image_unpack_error.c: failing an entry, with the kind of failure in st->failure. */
int unpack_refuse(struct unpacker *u, enum unpack_failure kind, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int unpack_io_error(struct unpacker *u, const char *what, int code);

/* image_nodes.c: the tree of what this layer holds. */
int node_cmp(const void *a, const void *b);
void node_free(void *p);
struct node *node_get(struct unpacker *u, const char *path);
struct node *node_put(struct unpacker *u, const char *path, enum node_kind kind);
int node_set_target(struct node *n, const char *target);
int node_collect(struct unpacker *u, const char *below, struct node_list *l);

/* image_path.c: names, and directories opened beneath the layer root. */
int unpack_clean_path(struct unpacker *u, const char *name, const char *what, char *out,
		      size_t len);
const char *unpack_split_base(char *path);
bool symlink_stays_inside(const char *path, const char *target);
int unpack_open_beneath(int dfd, const char *path, int flags);
int unpack_open_dir(struct unpacker *u, const char *dir);

/* image_entry.c: one entry of each kind created at (pfd, base), with its metadata. */
int unpack_make_room(struct unpacker *u, int pfd, const char *base, const char *path, bool for_dir);
bool is_overlay_xattr(const char *name);
int unpack_file(struct unpacker *u, struct archive *a, struct archive_entry *e, int pfd,
		const char *base, const char *path);
int unpack_dir(struct unpacker *u, struct archive_entry *e, int pfd, const char *base,
	       const char *path, bool fresh);
int unpack_symlink(struct unpacker *u, struct archive_entry *e, int pfd, const char *base,
		   const char *path);
int unpack_link_target(struct unpacker *u, const char *link, char *tpath, size_t len,
		       struct node **t);
int unpack_hardlink(struct unpacker *u, int pfd, const char *base, const char *path,
		    const char *tpath);
int unpack_special(struct unpacker *u, struct archive_entry *e, int pfd, const char *base,
		   const char *path, mode_t type);

/* image_links.c: the symlinks of the layers below (struct image_links). */
const char *image_links_find(const struct image_links *l, const char *path);
int image_links_hidden(struct unpacker *u, const struct node_list *all, bool **hidden,
		       bool *changed);
int image_links_add_layer(struct unpacker *u, const struct node_list *all, const bool *hidden);

/* image_resolve.c: paths as the image resolves them, through the symlinks of its layers. */
int unpack_resolve_dir(struct unpacker *u, const char *dir, char *out, size_t len);

/* Where an entry's name (or a hard link's target) puts it in the layer. */
struct unpack_place {
	char clean[PATH_MAX]; /* the name, cleaned; base points into it */
	const char *base; /* its last component */
	char dir[PATH_MAX]; /* its directory through the symlinks of the layers below */
	char path[PATH_MAX]; /* dir/base */
};
/* name cleaned (unpack_clean_path(), what naming it in messages), split, and its directory
 * resolved (unpack_resolve_dir()) into pl. */
int unpack_place(struct unpacker *u, const char *name, const char *what, struct unpack_place *pl);
int unpack_check_links(struct unpacker *u, const struct node_list *all, const bool *hidden,
		       bool changed);

/* image_whiteout.c: .wh.NAME and .wh..wh..opq. */
int unpack_whiteout(struct unpacker *u, const char *dir, const char *name);
int unpack_opaque(struct unpacker *u, const char *dir);

#endif
