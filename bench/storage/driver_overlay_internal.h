/* What the overlay-based drivers (overlay, overlay-idmap, composefs) share. */
#ifndef BOXBENCH_DRIVER_OVERLAY_INTERNAL_H
#define BOXBENCH_DRIVER_OVERLAY_INTERNAL_H

#include "driver.h"

/* The init layer (rfs->init) on top of lowers (top first): a new array the caller frees (the
 * strings are not copied). Returns 1 when the init layer is in it, 0 when it is not (its
 * files are in the upper: rfs->init == rfs->upper), or a negative errno. */
int overlay_lowers_with_init(const struct rootfs *rfs, const char *const *lowers, unsigned n,
			     const char ***out, struct bb_error *err);
/* Whether the init layer can be a lower of its own: overlay takes one more layer and, with
 * mount(2), the option string still fits in a page. When not, prepare writes it in the upper
 * (rfs->init = rfs->upper). */
bool overlay_init_as_lower(const struct driver_config *cfg, const struct rootfs *rfs,
			   const char *const *lowers, unsigned n);
/* Mounts an overlay of rfs->init over lowers (top first) and the data-only layers, with
 * rfs's upper and work unless cfg->read_only, by cfg->api, with options o. */
int overlay_mount_layers(const struct driver_config *cfg, const struct rootfs *rfs,
			 const char *const *lowers, unsigned n, const char *const *data,
			 unsigned n_data, const struct ovl_options *o, struct bb_error *err);
/* Detaches rfs->merged if still mounted and removes rfs->dir. */
int overlay_release(const struct driver_config *cfg, struct rootfs *rfs, struct bb_error *err);
/* "<name> (fsconfig, metacopy=on, ...)" */
void overlay_options_describe(const struct driver_config *cfg, const char *name, char *buf,
			      size_t len);

#endif
