/* What killed imports leave, found for `boxbench cleanup` through their registrations in
 * /run/boxbench/imports (see image_marker.h): a registration whose lock is free belongs to
 * an import that is gone. */
#ifndef BOXBENCH_IMAGE_LEFTOVERS_H
#define BOXBENCH_IMAGE_LEFTOVERS_H

#include <stdbool.h>

#include "common/error.h"
#include "common/leftover_list.h"

/* For every such import: DEST/l, DEST/.image.json.tmp and the marker go when the marker
 * names that import (only the marker when image.json is in place: the import had finished);
 * DEST itself when the import made it and it is then empty; then the registration. With
 * dry_run nothing is removed. What is (or would be) removed is added to found: DEST/l,
 * or the marker alone, and DEST when it goes. A DEST that is reached through a symlink or
 * is not the registrant's is left alone. */
int image_leftovers_remove(bool dry_run, struct leftover_list *found, struct bb_error *err);

#endif
