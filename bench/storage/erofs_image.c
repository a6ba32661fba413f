/* Read-only erofs images of a directory, loop-mounted: see erofs_image.h. */
#include "erofs_image.h"

#include <errno.h>
#include <sys/mount.h>
#include <unistd.h>

#include "backing_fs.h"
#include "loopdev.h"

int erofs_image_mount(const char *src_dir, const char *image_path, const char *mountpoint,
		      struct bb_error *err)
{
	char *const mkfs[] = { "mkfs.erofs", "--quiet", (char *)image_path, (char *)src_dir, NULL };
	struct loopdev lo = { 0 };
	int e;

	e = backing_fs_mkfs(mkfs, err);
	if (e)
		goto out;
	e = loopdev_attach(&lo, image_path, LOOPDEV_READ_ONLY, err);
	if (e)
		goto out;
	if (mount(lo.path, mountpoint, "erofs", MS_RDONLY, NULL) < 0)
		e = bb_err(err, errno, "cannot mount %s (erofs image %s) on %s: %s", lo.path,
			   image_path, mountpoint, errno_name(errno));
	loopdev_detach(&lo);
out:
	if (e)
		unlink(image_path);
	return e;
}

int erofs_image_umount(const char *image_path, const char *mountpoint, struct bb_error *err)
{
	int e = 0;

	if (umount2(mountpoint, 0) < 0) {
		e = errno;
		umount2(mountpoint, MNT_DETACH);
		e = bb_err(err, e, "cannot unmount erofs from %s: %s (detached it lazily instead)",
			   mountpoint, errno_name(e));
	}
	if (unlink(image_path) < 0 && errno != ENOENT && !e)
		e = bb_err(err, errno, "cannot delete the image %s: %s", image_path,
			   errno_name(errno));
	return e;
}
