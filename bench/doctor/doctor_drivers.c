/* The "driver" group of `boxbench doctor`: each storage driver tried for real on a small
 * stack in the scratch dir (its image made, a root prepared, its init layer written,
 * mounted, a planted name found and a whited-out one not, unmounted, removed), so a line says
 * what that driver's cases will do here. */
#include "doctor.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fsutil.h"
#include "storage/driver.h"
#include "storage/init_layer.h"
#include "storage/layer_stack.h"

#define GROUP "driver"

/* The merged view holds what the stack planted: a found name there, a whited-out one not. */
static int check_view(const struct rootfs *rfs, const struct layer_stack *s, struct bb_error *err)
{
	const struct planted *found = layer_stack_find_role(s, "found-bottom");
	const struct planted *gone = layer_stack_find_role(s, "whiteout-top");
	char path[900];
	struct stat st;

	if (!found || !gone)
		return bb_err(err, ENOENT, "the test stack plants no found-bottom or whiteout-top");
	snprintf(path, sizeof(path), "%s/%s", rfs->merged, found->path);
	if (lstat(path, &st) < 0)
		return bb_err(err, errno, "mounted, but %s is missing from the merged view: %s",
			      found->path, errno_name(errno));
	snprintf(path, sizeof(path), "%s/%s", rfs->merged, gone->path);
	if (lstat(path, &st) == 0)
		return bb_err(err, EEXIST,
			      "mounted, but the whited-out %s shows in the merged view",
			      gone->path);
	return 0;
}

static int try_driver(const struct storage_driver *d, const struct layer_stack *s,
		      const char *scratch, struct bb_error *err)
{
	struct driver_config cfg = { .driver = d, .api = MOUNT_API_FSCONFIG };
	struct driver_image img = { 0 };
	struct rootfs rfs = { 0 };
	char store[400], dir[420];
	bool prepared = false, mounted = false;
	int e;

	snprintf(store, sizeof(store), "%s/driver-%s", scratch, d->name);
	snprintf(dir, sizeof(dir), "%s/c", store);
	cfg.store_dir = store;
	if ((e = d->available(&cfg, err)) || (e = mkdir_p(store, 0755, err)))
		return e;
	if ((e = d->image_open(&cfg, s, &img, err)))
		goto out;
	img.driver = d;
	prepared = true;
	if ((e = d->prepare(&cfg, &img, dir, 0, &rfs, err)) ||
	    (e = init_layer_write(rfs.init, "boxbench", 0, err)) || (e = d->mount(&cfg, &rfs, err)))
		goto out;
	mounted = true;
	e = check_view(&rfs, s, err);
	if (!e)
		e = d->umount(&cfg, &rfs, err);
	mounted = e != 0;
out:
	if (mounted)
		d->umount(&cfg, &rfs, NULL);
	if (rfs.dir[0])
		d->release(&cfg, &rfs, NULL);
	if (prepared || img.dir[0] || img.lowers)
		d->image_close(&cfg, &img);
	remove_tree(store, NULL);
	return e;
}

static void cfg_describe(const struct storage_driver *d, char *buf, size_t len)
{
	struct driver_config cfg = { .driver = d, .api = MOUNT_API_FSCONFIG };

	if (d->describe)
		d->describe(&cfg, buf, len);
	else
		snprintf(buf, len, "%s", d->name);
}

int doctor_drivers_probe(struct check_list *out, const char *scratch, struct bb_error *err)
{
	struct layer_stack_params p;
	struct layer_stack s = { 0 };
	char cache[400];
	int e;

	layer_stack_params_default(&p);
	p.depth = 2;
	p.n_copyup_sizes = 0;
	snprintf(cache, sizeof(cache), "%s/driver-stacks", scratch);
	if ((e = mkdir_p(cache, 0755, err)) || (e = layer_stack_build(&s, &p, cache, err)))
		return e;
	for (size_t i = 0; i < n_storage_drivers; i++) {
		const struct storage_driver *d = storage_drivers[i];
		struct bb_error why = { 0 };
		char desc[200];

		e = try_driver(d, &s, scratch, &why);
		cfg_describe(d, desc, sizeof(desc));
		check_add(out, GROUP, d->name, !e, e ? why.code : 0,
			  e ? "it could not make a root here"
			    : "it made, mounted and removed a root on a depth-2 stack, with the "
			      "planted answers",
			  "%s", e ? "no" : "yes");
		check_claim(out, CLAIM_DRIVER, d->name, e ? "are skipped" : "run");
		check_detail(out, "%s", e ? why.msg : desc);
	}
	layer_stack_free(&s);
	remove_tree(cache, NULL);
	return 0;
}
