/* One image layer, a tar stream, unpacked into a directory of its own: whiteouts converted to
 * overlay's form, and nothing created outside that directory whatever the archive says.
 * image_import.c feeds it each layer of an image; the unit tests feed it archives built in
 * memory. */
#ifndef BOXBENCH_IMAGE_UNPACK_H
#define BOXBENCH_IMAGE_UNPACK_H

#include <stdbool.h>

#include "common/error.h"
#include "storage/ovl_marks.h" /* enum whiteout_form */

struct archive;

enum unpack_failure {
	UNPACK_OK,
	UNPACK_UNSAFE, /* an entry would leave the layer, or is a name no layer may hold */
	UNPACK_CORRUPT, /* not a readable tar: a bad header or checksum, damaged compression */
	UNPACK_TRUNCATED, /* the tar stops without its end-of-archive blocks (see end_optional) */
	UNPACK_INVALID, /* a readable tar whose entries no directory tree can hold: a name too
			 * long, an entry below a file, an unknown type */
	UNPACK_TOO_BIG, /* file data would pass max_bytes */
	UNPACK_IO, /* writing the layer failed: ENOSPC, EPERM, an xattr the fs refuses */
};

/* The symlinks the merged view of an image's layers shows, path -> target (sorted by path):
 * what image_unpack() follows through the layers below, and checks every symlink against.
 * Start with { 0 }; each layer image_unpack() unpacks onto it adds its own and drops those it
 * hides. Release with image_links_free(). */
struct image_link {
	char *path;
	char *target;
};
struct image_links {
	struct image_link *v;
	size_t n;
};

void image_links_free(struct image_links *l);

struct unpack_opts {
	enum whiteout_form whiteout;
	bool userxattr; /* user.overlay.* instead of trusted.overlay.* */
	bool make_devices; /* create block and character devices (CAP_MKNOD); else skip them */
	/* Accept a tar that stops after an entry without the end-of-archive blocks: the layer's
	 * digest vouches that it is whole (Go's archive/tar, umoci 0.4.7's inserted layers), or
	 * the user said so. Otherwise such a tar is UNPACK_TRUNCATED: it may have been cut at an
	 * entry boundary. */
	bool end_optional;
	unsigned long long max_bytes; /* limit on file data, counting bytes_before */
	unsigned long long bytes_before; /* file data earlier layers of the image wrote */
	/* The symlinks of the layers below (NULL: none, a layer on its own). A parent directory
	 * that is a symlink there (usrmerge's lib -> usr/lib) is followed within the image, as
	 * umoci and docker do; and no symlink of the view, this layer's included, may climb out
	 * of it through the others. On success the layer's own are added. */
	struct image_links *links;
	/* Asked before each entry (NULL: never): once true, the unpack stops with EINTR (as
	 * UNPACK_IO) and removes the layer. A read of the stream covers thousands of small
	 * entries, so a stop checked only there comes late. */
	bool (*stop)(void);
	/* For unpack_settle(): the directories of the layers below, nearest first. */
	const char *const *lowers;
	size_t n_lowers;
};

struct unpack_stats {
	unsigned long long entries; /* tar headers read */
	unsigned long long bytes; /* file data written (holes of sparse files not counted) */
	unsigned long long whiteouts; /* whiteouts on disk when done */
	unsigned long long opaque_dirs;
	unsigned long long devices_skipped; /* devices (not root) and sockets */
	bool ended; /* the tar's end-of-archive blocks were there */
	char last_entry[256]; /* the name of the last entry read (shortened), for messages */
	enum unpack_failure failure;
	/* For unpack_settle(), sorted: the directories the layer holds without an entry of
	 * their own (the parents a tar left out), and the whiteouts it made. Release with
	 * unpack_stats_release(). */
	char **implicit_dirs;
	size_t n_implicit_dirs;
	char **whiteout_paths;
	size_t n_whiteout_paths;
};

/* Creates dir (it must not exist; its parent must) and unpacks every entry of tar into it;
 * tar is an archive_read opened on the layer's tar stream, before its first header. On failure
 * dir is removed again, st->failure says what kind of failure it was and err names the entry. */
int image_unpack(struct archive *tar, const char *dir, const struct unpack_opts *o,
		 struct unpack_stats *st, struct bb_error *err);

void unpack_stats_release(struct unpack_stats *st);

/* Fits the layer in dir to the layers below it (o->lowers, nearest first, already settled;
 * none for the bottom layer), as overlayfs will stack them:
 *  - a directory the layer holds only as a parent of its entries takes the owner, mode, times
 *    and xattrs it has below: overlayfs shows a directory's attributes from the topmost layer
 *    holding it, so without this a layer adding a/b/c would turn a and a/b into root-owned
 *    0755 directories of today;
 *  - a whiteout in a directory no layer below has is dropped (st->whiteouts counts down):
 *    overlayfs lists the whiteouts of a directory's lowest layer as entries. */
int unpack_settle(const char *dir, struct unpack_stats *st, const struct unpack_opts *o,
		  struct bb_error *err);

/* rm -rf for unpacked layers: as non-root, first gives back the owner's permissions that the
 * layer's directory modes took away (a 0555 directory cannot be emptied otherwise). */
int unpack_remove_tree(const char *path, struct bb_error *err);

#endif
