/* Overlays on layer stacks for the overlay scenarios: see ovl_fixture.h. */
#include "ovl_fixture.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fsutil.h"
#include "common/host_info.h"
#include "scenario.h"

int ovl_fixture_init(struct ovl_fixture *f, const struct layer_stack *stack, const char *workdir,
		     const char *tag, enum mount_api api, const struct ovl_options *o,
		     struct bb_error *err)
{
	static unsigned seq; /* one dir per fixture of the run; the harness is one thread */
	unsigned depth = stack->params.depth;
	int e;

	memset(f, 0, sizeof(*f));
	f->stack = stack;
	f->api = api;
	if (o)
		f->opts = *o;
	snprintf(f->dir, sizeof(f->dir), "%s/%s-%u", workdir, tag, ++seq);
	snprintf(f->upper, sizeof(f->upper), "%s/upper", f->dir);
	snprintf(f->work, sizeof(f->work), "%s/work", f->dir);
	snprintf(f->merged, sizeof(f->merged), "%s/merged", f->dir);
	if (f->merged[0] != '/')
		return bb_err(
			err, EINVAL,
			"the run's work dir %s is not absolute: overlay layers named relative "
			"to the stack need an absolute mount point; give --work-dir as an "
			"absolute path",
			workdir);
	if ((e = mkdir_p(f->merged, 0755, err)) || (e = mkdir_p(f->upper, 0755, err)) ||
	    (e = mkdir_p(f->work, 0755, err)))
		return e;

	f->lowers = calloc(depth, sizeof(*f->lowers));
	if (!f->lowers)
		return bb_err(err, ENOMEM, "out of memory listing %u layers", depth);
	f->n_lowers = depth;
	for (unsigned i = 0; i < depth; i++) {
		char path[700];

		/* overlay lists lower layers top first; the stack numbers them from the bottom. */
		layer_stack_layer_path(stack, depth - 1 - i, path, sizeof(path));
		f->lowers[i] = strdup(path);
		if (!f->lowers[i])
			return bb_err(err, ENOMEM, "out of memory listing %u layers", depth);
	}
	if (api != MOUNT_API_LEGACY)
		return 0;

	/* Planned once, so a timed mount(2) spends no time building a page of text. */
	f->md = malloc(sizeof(*f->md));
	if (!f->md)
		return bb_err(err, ENOMEM, "out of memory planning a mount");
	e = ovl_options_string(f->md, (const char *const *)f->lowers, depth, NULL, 0, f->upper,
			       f->work, &f->opts, err);
	if (e)
		return e;
	if (f->md->base[0]) {
		f->cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (f->cwd < 0)
			return bb_err(err, errno,
				      "cannot hold on to the current dir: %s (mount(2) of %u "
				      "layers uses names relative to %s and must come back)",
				      errno_name(errno), depth, f->md->base);
		f->have_cwd = true;
	}
	return 0;
}

int ovl_fixture_wipe(struct ovl_fixture *f, struct bb_error *err)
{
	int e;

	if (f->mounted)
		return bb_err(err, EBUSY, "cannot wipe %s while the overlay on %s is mounted",
			      f->upper, f->merged);
	if ((e = remove_tree(f->upper, err)) || (e = remove_tree(f->work, err)) ||
	    (e = mkdir_p(f->upper, 0755, err)) || (e = mkdir_p(f->work, 0755, err)))
		return e;
	/* Committed now, untimed: otherwise the next copy-up's fsync commits the journal of this
	 * removal (a 64 MiB file's, or a 4 KiB one's) and its cost depends on which case ran
	 * before it. */
	return sync_fs(f->upper, err);
}

static int mount_legacy(struct ovl_fixture *f, unsigned long long *t, struct bb_error *err)
{
	unsigned long long t0, t1;
	int r, code, e;

	if (f->md->base[0] && chdir(f->md->base) < 0)
		return bb_err(err, errno,
			      "cannot change into %s: %s (mount(2) of %u layers names them "
			      "relative to it; is the stack cache still there?)",
			      f->md->base, errno_name(errno), f->n_lowers);
	t0 = clock_ns();
	r = mount("overlay", f->merged, "overlay", 0, f->md->data);
	t1 = clock_ns();
	code = errno;
	if (f->have_cwd && fchdir(f->cwd) < 0) {
		int back = errno;

		if (r == 0)
			umount2(f->merged, MNT_DETACH);
		return bb_err(err, back,
			      "cannot return to the previous dir after mounting from %s: %s",
			      f->md->base, errno_name(back));
	}
	if (r < 0) {
		/* mount(2) carries no reason; the library's own mount finds the missing path
		 * or the likely cause and says so. */
		e = ovl_mount_legacy(f->merged, (const char *const *)f->lowers, f->n_lowers, NULL,
				     0, f->upper, f->work, &f->opts, err);
		if (e)
			return e;
		umount2(f->merged, MNT_DETACH);
		return bb_err(err, code,
			      "cannot mount overlay on %s: %s (mount(2) refused it once, then took "
			      "it on a retry: something else changes the stack or the dirs; see "
			      "dmesg)",
			      f->merged, errno_name(code));
	}
	if (t) {
		t[0] = t0;
		t[1] = t1;
	}
	return 0;
}

int ovl_fixture_mount(struct ovl_fixture *f, unsigned long long *t, struct bb_error *err)
{
	unsigned long long t0;
	int e;

	if (f->mounted)
		return bb_err(err, EBUSY, "the overlay on %s is already mounted", f->merged);
	if (f->api == MOUNT_API_LEGACY) {
		e = mount_legacy(f, t, err);
	} else {
		t0 = clock_ns();
		e = ovl_mount_fsconfig(f->merged, (const char *const *)f->lowers, f->n_lowers, NULL,
				       0, f->upper, f->work, &f->opts, err);
		if (t) {
			t[0] = t0;
			t[1] = clock_ns();
		}
	}
	if (!e)
		f->mounted = true;
	return e;
}

int ovl_fixture_umount(struct ovl_fixture *f, unsigned long long *t, struct bb_error *err)
{
	unsigned long long t0 = clock_ns();
	int e = ovl_umount(f->merged, err);

	if (t) {
		t[0] = t0;
		t[1] = clock_ns();
	}
	if (!e)
		f->mounted = false;
	return e;
}

void ovl_fixture_release(struct ovl_fixture *f)
{
	/* Detached: a teardown after a failed iteration must not fail on a stray open fd. */
	if (f->mounted && umount2(f->merged, MNT_DETACH) == 0)
		f->mounted = false;
	if (f->dir[0] && !f->mounted)
		remove_tree(f->dir, NULL);
	for (unsigned i = 0; f->lowers && i < f->n_lowers; i++)
		free(f->lowers[i]);
	free(f->lowers);
	free(f->md);
	if (f->have_cwd)
		close(f->cwd);
	memset(f, 0, sizeof(*f));
}

const char *ovl_fixture_fs_name(const char *path)
{
	char buf[512];
	char *slash;

	snprintf(buf, sizeof(buf), "%s", path[0] ? path : ".");
	for (;;) {
		struct stat st;

		if (stat(buf, &st) == 0)
			return host_fs_name(buf);
		slash = strrchr(buf, '/');
		if (!slash)
			return host_fs_name(".");
		if (slash == buf) {
			buf[1] = '\0';
			return host_fs_name(buf);
		}
		*slash = '\0';
	}
}
