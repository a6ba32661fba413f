/* Read-only erofs images of a directory, made with mkfs.erofs and loop-mounted. Only doctor
 * uses them so far, to find whether erofs mounts here. */
#ifndef BOXBENCH_EROFS_IMAGE_H
#define BOXBENCH_EROFS_IMAGE_H

#include "common/error.h"

/* Builds (or replaces) an erofs image of src_dir at image_path with mkfs.erofs and loop-mounts
 * it read-only on mountpoint. On failure the image is removed and nothing stays mounted. */
int erofs_image_mount(const char *src_dir, const char *image_path, const char *mountpoint,
		      struct bb_error *err);

/* Unmounts what erofs_image_mount() mounted and deletes the image. */
int erofs_image_umount(const char *image_path, const char *mountpoint, struct bb_error *err);

#endif
