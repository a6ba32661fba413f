/* Which layer provides a path: overlay's lookup replayed on the layer dirs, component by
 * component from the top layer down. The first layer holding a name decides; a whiteout
 * stops the walk ("deleted"); an opaque directory stops it for the names below; a redirect
 * on a directory (a renamed lower dir) changes the path looked up in the layers below; a
 * metacopy file takes its metadata from where it is found and its data from further down
 * (or, through an absolute redirect, from a data-only layer). Where the kernel's lookup
 * fails (a redirect naming "..", a malformed one, one the mount does not follow, a metacopy
 * file without data), the answer is that failure and its errno ("refused"). Nothing is ever
 * read from outside the layer dirs. */
#ifndef BOXBENCH_OVERLAY_WHICH_H
#define BOXBENCH_OVERLAY_WHICH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "common/error.h"
#include "ovl_mounted.h"

struct which_layer {
	enum ovl_layer_role role;
	int fd; /* the layer's root (O_RDONLY|O_DIRECTORY); -1 when it could not be opened */
};

struct which_opts {
	int prefix; /* enum ovl_prefix the mount honours; -1 when unknown */
	/* false under redirect_dir=nofollow (or off without redirect_always_follow): the
	 * kernel then refuses a lookup that meets a redirect (EPERM) */
	bool follow_redirects;
	bool refuse_metacopy; /* metacopy=off: a metacopy file makes the lookup fail (EPERM) */
};

enum which_event_kind {
	WHICH_EV_WHITEOUT, /* a whiteout deleted the name here */
	WHICH_EV_OPAQUE, /* an opaque directory hid the layers below it */
	WHICH_EV_REDIRECT, /* the layers below are asked for `target` instead */
	WHICH_EV_REDIRECT_IGNORED, /* a redirect on the lowest layer, which the kernel never reads */
	WHICH_EV_METACOPY, /* metadata here, data further down */
	WHICH_EV_UNREADABLE, /* this layer could not be opened: the answer ignores it */
};

struct which_event {
	enum which_event_kind kind;
	size_t layer; /* position in the layers array */
	char *path; /* the entry's path in that layer */
	char *target; /* WHICH_EV_REDIRECT*: the redirect's value */
};

enum which_result {
	WHICH_FOUND,
	WHICH_DELETED, /* a whiteout at `layer` deleted `stopped_at` */
	WHICH_HIDDEN, /* absent from the merged view, but there below an opaque dir */
	WHICH_ABSENT, /* in no layer the lookup reaches */
	WHICH_NOT_DIR, /* `stopped_at`, a component before the last, is no directory */
	WHICH_SYMLINK, /* `stopped_at` is a symlink: resolving it is the VFS's job, not done */
	WHICH_REFUSED, /* the kernel's lookup of `stopped_at` fails with `error` (see `why`) */
};

struct which_answer {
	enum which_result result;
	/* found: the providing layer; deleted: the whiteout's; refused: the one holding the
	 * redirect or metacopy file the kernel fails on; else -1 */
	long layer;
	char *layer_path; /* found: the path inside that layer (a redirect may change it) */
	mode_t type; /* found: S_IFREG, S_IFDIR, ... */
	bool metacopy; /* found a metacopy file: metadata at `layer`, data at data_layer */
	long data_layer; /* metacopy: the layer with the data; -1 when none has it */
	char *data_path;
	size_t *merged; /* found directory: every layer merged into it, top first */
	size_t n_merged;
	long *below; /* hidden or deleted: layers below holding the very path, top first */
	size_t n_below;
	char *stopped_at; /* the merged path where the walk stopped (deleted, not_dir...) */
	int error; /* refused: the errno the kernel's lookup returns (EACCES, EINVAL, ...) */
	const char *why; /* refused: the kernel's reason, a static string */
	struct which_event *events;
	size_t n_events;
};

const char *which_result_name(enum which_result r);
const char *which_event_name(enum which_event_kind k);

/* Looks path up (relative to the merged root; a leading '/' is ignored) in layers[0..n), top
 * first. Unreadable layers (fd -1) are skipped with an event. -EINVAL for a path with "..";
 * other errors from reading the layers. A lookup the kernel refuses is no error: its answer
 * is WHICH_REFUSED. */
int overlay_which(const struct which_layer *layers, size_t n, const struct which_opts *o,
		  const char *path, struct which_answer *a, struct bb_error *err);
void which_answer_free(struct which_answer *a);

/* lstat of rel (no "." or ".." components) inside the layer whose root is layer_fd, with
 * no symlink followed on the way: 0, -ENOENT when it is not there (or a parent is no
 * directory), or another negative errno. For anyone who looks up names in layers. */
int layer_lstat(int layer_fd, const char *rel, struct stat *st);

/* Whether the kernel would take this redirect value when it reads it: 0, -EINVAL for a
 * malformed one (empty components, a relative one with '/'), -EACCES when a component is
 * "." or ".." (the lookup that reaches it fails). */
int redirect_check(const char *redirect);

#endif
