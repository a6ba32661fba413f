/* The storage drivers a run compares, and what they made of its stacks.
 *
 * --driver LIST chooses the drivers; without it the full suite runs every driver and the
 * others overlay alone. A driver that cannot work here (its available() says why) still gets
 * its cases, marked skipped with the reason, unless the user named it: then the run refuses
 * to start.
 *
 * A driver's image of a stack (vfs's copies, btrfs's subvolumes, composefs's erofs image) is
 * made once per run by the first case that needs it and shared by every case on the same
 * stack and driver; the last one's teardown removes it. */
#ifndef BOXBENCH_RUN_DRIVER_H
#define BOXBENCH_RUN_DRIVER_H

#include "scenario.h"
#include "storage/driver.h"

/* The other drivers' cases stop at this depth: vfs's copies grow with its square. */
#define RUN_DRIVER_MAX_DEPTH 64

/* The drivers to plan cases for, into out (at most n_storage_drivers). */
size_t run_drivers(const struct run_ctx *ctx, const struct storage_driver **out);
/* "overlay,vfs": the drivers planned, for the results' context. */
void run_driver_names(const struct run_ctx *ctx, char *buf, size_t len);
/* Adds driver:<name> to c and keeps the driver in c->driver; marks c skipped with the reason
 * when the driver cannot work here. */
void case_driver_param(struct bench_case *c, const struct storage_driver *d);
/* The drivers the user named that cannot work here: -ENODEV with the first one's reason and
 * fix; 0 when all can. */
int run_drivers_check(const struct run_config *cfg, struct bb_error *err);

/* The case's name without its driver:<name> part: the key its drivers share in a
 * side-by-side view ("lookup/driver:vfs/depth:8" and "lookup/depth:8" both give the latter;
 * kernel overlay's lookup and readdir names carry no driver). */
void case_name_without_driver(const char *name, char *out, size_t len);

/* A driver_config for d on this run: fsconfig, the kernel's default options, the run's store
 * dir. */
void run_driver_config(const struct run_ctx *ctx, const struct storage_driver *d,
		       struct driver_config *cfg);
/* The image of stack made by cfg's driver, made now or shared; put it back with
 * run_driver_image_put(). */
int run_driver_image_get(const struct driver_config *cfg, const struct layer_stack *stack,
			 const struct driver_image **out, struct bb_error *err);
void run_driver_image_put(const struct driver_image *img);

#endif
