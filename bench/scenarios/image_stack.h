/* An imported image (boxbench image import: DIR/l/0..N-1, 0 at the bottom, and DIR/image.json)
 * seen as a layer stack, so the scenarios run on real layers: the stack's planted roles are
 * paths that exist in the image, chosen by replaying overlay's lookup on its layers. */
#ifndef BOXBENCH_IMAGE_STACK_H
#define BOXBENCH_IMAGE_STACK_H

#include "common/error.h"
#include "storage/layer_stack.h"

/* Fills s from the image at dir (absolute or not; s->dir is made absolute). The roles it
 * plants, where the image has them:
 *   found-top, copyup-top         the largest regular file the top layer provides
 *   found-bottom, copyup-bottom   the largest regular file the bottom layer provides
 *   whiteout-top, whiteout-bottom a name a whiteout deletes, in the highest and the lowest
 *                                 layer holding whiteouts
 *   opaque                        a name of a lower layer hidden by an opaque directory
 *   absent                        a name in no layer
 *   readdir                       the directory with the most entries in one layer
 * Each is checked: the lookup replay must give the answer the role claims. -ENOENT (with the
 * fix in the message) when dir is no image. */
int image_stack_open(const char *dir, struct layer_stack *s, struct bb_error *err);

#endif
