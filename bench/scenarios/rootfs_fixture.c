/* A driver's root without a container: see rootfs_fixture.h. */
#include "rootfs_fixture.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/fsutil.h"
#include "run_driver.h"
#include "storage/init_layer.h"

static int prepare(struct rootfs_fixture *f, struct bb_error *err)
{
	int e = f->cfg.driver->prepare(&f->cfg, f->image, f->dir, 0, &f->rfs, err);

	f->prepared = true; /* even a half-made root is released */
	if (!e)
		e = init_layer_write(f->rfs.init, "boxbench", 0, err);
	return e;
}

int rootfs_fixture_init(struct rootfs_fixture *f, const struct run_ctx *ctx,
			const struct storage_driver *d, const struct layer_stack *stack,
			const char *tag, struct bb_error *err)
{
	static unsigned seq; /* one dir per fixture of the run; the harness is one thread */
	int e;

	memset(f, 0, sizeof(*f));
	run_driver_config(ctx, d, &f->cfg);
	snprintf(f->dir, sizeof(f->dir), "%s/%s-%s-%u", ctx->session->workdir, tag, d->name, ++seq);
	if ((e = run_driver_image_get(&f->cfg, stack, &f->image, err)))
		return e;
	return prepare(f, err);
}

int rootfs_fixture_mount(struct rootfs_fixture *f, unsigned long long *t, struct bb_error *err)
{
	unsigned long long t0 = clock_ns();
	int e = f->cfg.driver->mount(&f->cfg, &f->rfs, err);

	if (t) {
		t[0] = t0;
		t[1] = clock_ns();
	}
	f->mounted = !e;
	return e;
}

int rootfs_fixture_umount(struct rootfs_fixture *f, unsigned long long *t, struct bb_error *err)
{
	unsigned long long t0 = clock_ns();
	int e = f->cfg.driver->umount(&f->cfg, &f->rfs, err);

	if (t) {
		t[0] = t0;
		t[1] = clock_ns();
	}
	if (!e)
		f->mounted = false;
	return e;
}

int rootfs_fixture_wipe(struct rootfs_fixture *f, struct bb_error *err)
{
	int e;

	if (f->mounted)
		return bb_err(err, EBUSY, "cannot wipe %s while it is mounted", f->rfs.merged);
	if ((e = f->cfg.driver->release(&f->cfg, &f->rfs, err)))
		return e;
	f->prepared = false;
	if ((e = prepare(f, err)))
		return e;
	/* Committed now, untimed, as ovl_fixture_wipe does. */
	return sync_fs(f->dir, err);
}

void rootfs_fixture_release(struct rootfs_fixture *f)
{
	if (f->prepared)
		f->cfg.driver->release(&f->cfg, &f->rfs, NULL);
	if (f->image)
		run_driver_image_put(f->image);
	memset(f, 0, sizeof(*f));
}
