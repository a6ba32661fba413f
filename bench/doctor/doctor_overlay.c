/* doctor's overlay checks: each option, both mount APIs, data-only layers, rootless mounts
 * (doctor_overlay_userns.c) and the deepest stack each API takes (doctor_overlay_depth.c),
 * tried with real mounts (ovl_mount.c) on layer dirs made once in the scratch dir. */
#include "doctor_overlay_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

/* A fresh upper/work pair under <root>/<name>: options such as index and volatile mark the
 * pair, so no two checks share one. */
static int fresh_upper(const char *base, const char *name, char *upper, char *work)
{
	char dir[PATH_MAX];
	int e;

	if (path_join(dir, sizeof(dir), base, name) || path_join(upper, PATH_MAX, dir, "u") ||
	    path_join(work, PATH_MAX, dir, "w"))
		return -ENAMETOOLONG;
	e = mkdir_p(dir, 0755, NULL);
	if (!e)
		e = mkdir_p(upper, 0755, NULL);
	if (!e)
		e = mkdir_p(work, 0755, NULL);
	return e;
}

/* The super options of the mount on target ("rw,lowerdir=...,index=on"), from mountinfo. */
static int super_options(const char *target, char *out, size_t size)
{
	struct statx stx;
	char *line = NULL, *sep, *opts;
	size_t cap = 0;
	FILE *f;
	int e = -ENOENT;

	if (statx(AT_FDCWD, target, AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &stx) < 0)
		return -errno;
	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		if (strtoull(line, NULL, 10) != stx.stx_mnt_id)
			continue;
		/* "... - overlay overlay rw,lowerdir=..." */
		sep = strstr(line, " - ");
		opts = sep ? strchr(sep + 3, ' ') : NULL;
		opts = opts ? strchr(opts + 1, ' ') : NULL;
		if (!opts)
			break;
		snprintf(out, size, "%s", opts + 1);
		out[strcspn(out, "\n")] = '\0';
		e = 0;
		break;
	}
	free(line);
	fclose(f);
	return e;
}

static bool has_option(const char *opts, const char *opt)
{
	size_t len = strlen(opt);

	for (const char *s = opts; (s = strstr(s, opt)); s += len)
		if ((s == opts || s[-1] == ',') && (s[len] == ',' || s[len] == '\0'))
			return true;
	return false;
}

static void report_mount_failure(struct probe *p, const char *name, int e, const char *means,
				 const struct bb_error *err)
{
	check_add(p->out, GROUP, name, false, e, means, "no");
	check_detail(p->out, "%s", err->msg);
}

/* ---- the checks ---- */

static bool probe_available(struct probe *p)
{
	char upper[PATH_MAX], work[PATH_MAX];
	struct bb_error err = { 0 };
	int e;

	e = fresh_upper(p->root, "available", upper, work);
	if (!e)
		e = ovl_mount_legacy(p->merged, p->lowers, 2, NULL, 0, upper, work, NULL, &err);
	else
		bb_err(&err, e, "cannot make the upper dir under %s: %s", p->root, errno_name(e));
	if (e) {
		report_mount_failure(p, "available", e,
				     "no kernel overlay: the lookup and readdir cases are skipped",
				     &err);
		check_claim(p->out, CLAIM_DRIVER, "overlay", "are skipped");
		/* The drivers that do without kernel overlay (composefs-style stacks need it). */
		check_claim(p->out, CLAIM_DRIVER, "vfs", "do not need it");
		check_claim(p->out, CLAIM_DRIVER, "btrfs", "do not need it");
		check_claim(p->out, CLAIM_DRIVER, "fuse-overlayfs", "do not need it");
		return false;
	}
	if (!path_exists_in(p->merged, "layer-001") || overlay_marker(p->merged, "new") ||
	    !path_exists_in(upper, "new")) {
		check_add(p->out, GROUP, "available", false, EIO,
			  "overlay mounts but does not merge layers as expected: the lookup and "
			  "readdir cases are not trustworthy",
			  "broken");
		check_claim(p->out, CLAIM_DRIVER, "overlay", "are not trustworthy");
		check_detail(p->out, "2 lowers + upper mounted, but a lower file is missing or a "
				     "write did not land in the upper dir");
		ovl_umount(p->merged, NULL);
		return false;
	}
	e = ovl_umount(p->merged, &err);
	check_add(p->out, GROUP, "available", e == 0, e,
		  e ? "overlay mounts and merges layers, but its unmount failed"
		    : "kernel overlay merges layers and takes writes: the lookup and readdir cases "
		      "run",
		  "yes");
	if (e)
		check_detail(p->out, "%s", err.msg);
	else
		check_claim(p->out, CLAIM_DRIVER, "overlay", "run");
	return e == 0;
}

enum feature { F_REDIRECT_DIR, F_METACOPY, F_INDEX, F_XINO, F_VOLATILE };

static const struct {
	const char *name;
	const char *shown[2]; /* super options that say it took effect */
	const char *yes, *no;
} features[] = {
	[F_REDIRECT_DIR] = { "redirect_dir",
			     { "redirect_dir=on" },
			     "renaming a lower dir records a redirect instead of copying it up",
			     "renaming a lower dir fails with EXDEV" },
	[F_METACOPY] = { "metacopy",
			 { "metacopy=on" },
			 "copy-up of chmod'd files copies metadata only; the metacopy copyup "
			 "cases run",
			 "chmod/chown copy up whole files; metacopy copyup cases skipped" },
	[F_INDEX] = { "index",
		      { "index=on" },
		      "hard links to lower files stay links after copy-up",
		      "copy-up breaks hard links" },
	[F_XINO] = { "xino",
		     { "xino=on" },
		     "inode numbers stay unique across layers on different file systems",
		     "inode numbers may collide across file systems" },
	[F_VOLATILE] = { "volatile",
			 { "fsync=volatile", "volatile" },
			 "copy-up without fsync; the volatile copyup cases run and show the sync "
			 "share",
			 "every copy-up syncs; volatile cases skipped" },
};

static void probe_feature(struct probe *p, enum feature f)
{
	struct ovl_options o = { 0 };
	char base[PATH_MAX], upper[PATH_MAX], work[PATH_MAX], opts[2048];
	struct bb_error err = { 0 };
	bool other_fs = f == F_XINO, fs_mounted = false, shown;
	int e;

	switch (f) {
	case F_REDIRECT_DIR:
		o.redirect_dir = true;
		break;
	case F_METACOPY:
		o.metacopy = true;
		break;
	case F_INDEX:
		o.index = true;
		break;
	case F_XINO:
		o.xino = true;
		break;
	case F_VOLATILE:
		o.volatile_mount = true;
		break;
	}
	/* xino only matters, and the kernel only keeps it, when layers span file systems. */
	snprintf(base, sizeof(base), "%s", p->root);
	if (other_fs) {
		e = path_join(base, sizeof(base), p->root, "other-fs");
		if (!e)
			e = mkdir_p(base, 0755, NULL);
		if (!e && mount("boxbench", base, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0)
			e = -errno;
		if (e) {
			bb_err(&err, e, "cannot mount a second tmpfs on %s for the upper dir: %s",
			       base, errno_name(e));
			goto failed;
		}
		fs_mounted = true;
	}
	e = fresh_upper(base, features[f].name, upper, work);
	if (e) {
		bb_err(&err, e, "cannot make the upper dir under %s: %s", base, errno_name(e));
		goto failed;
	}
	e = ovl_mount_legacy(p->merged, p->lowers, 2, NULL, 0, upper, work, &o, &err);
	if (e)
		goto failed;
	e = super_options(p->merged, opts, sizeof(opts));
	ovl_umount(p->merged, NULL);
	if (e) {
		bb_err(&err, e, "mounted, but cannot read its options from mountinfo: %s",
		       errno_name(e));
		goto failed;
	}
	shown = has_option(opts, features[f].shown[0]) ||
		(features[f].shown[1] && has_option(opts, features[f].shown[1]));
	if (shown) {
		check_add(p->out, GROUP, features[f].name, true, 0, features[f].yes, "yes");
		if (other_fs)
			check_detail(p->out, "upper on a second tmpfs; with every layer on one "
					     "file system the kernel drops xino as needless");
	} else {
		check_add(p->out, GROUP, features[f].name, false, 0, features[f].no, "ignored");
		check_detail(p->out, "mounted, but the kernel dropped it; mountinfo shows %.200s",
			     strchr(opts, ',') ? strchr(opts, ',') + 1 : opts);
	}
	goto out;
failed:
	report_mount_failure(p, features[f].name, e, features[f].no, &err);
out:
	if (fs_mounted)
		umount2(base, MNT_DETACH);
}

static void probe_fsconfig(struct probe *p)
{
	char upper[PATH_MAX], work[PATH_MAX];
	struct bb_error err = { 0 };
	int e;

	e = fresh_upper(p->root, "fsconfig", upper, work);
	if (e)
		bb_err(&err, e, "cannot make the upper dir under %s: %s", p->root, errno_name(e));
	else
		e = ovl_mount_fsconfig(p->merged, p->lowers, 2, NULL, 0, upper, work, NULL, &err);
	if (e) {
		report_mount_failure(p, "fsconfig", e,
				     "mount(2) only: stack depth is limited by its one page of "
				     "options",
				     &err);
		return;
	}
	e = path_exists_in(p->merged, "layer-001") ? 0 : -EIO;
	ovl_umount(p->merged, NULL);
	check_add(p->out, GROUP, "fsconfig", !e, e,
		  e ? "fsconfig mounts an overlay that hides its lower layer: fsconfig cases "
		      "are not trustworthy"
		    : "mount cases run with both APIs; deep stacks use fsopen/fsconfig lowerdir+",
		  e ? "broken" : "yes");
}

static void probe_data_only(struct probe *p, bool fsconfig)
{
	const char *name = fsconfig ? "data_only_fsconfig" : "data_only";
	const char *data[] = { p->data };
	struct bb_error err = { 0 };
	bool hidden;
	int e;

	/* Data-only layers are reached through metacopy redirects: kernels whose metacopy is
	 * off by default (Debian's 6.12) refuse them without metacopy=on, as composefs sets. */
	struct ovl_options o = { .metacopy = true };

	e = (fsconfig ? ovl_mount_fsconfig : ovl_mount_legacy)(p->merged, p->lowers, 1, data, 1,
							       NULL, NULL, &o, &err);
	if (e) {
		report_mount_failure(p, name, e,
				     fsconfig ? "no datadir+: data-only layers mount with "
						"mount(2) '::' only, if at all"
					      : "no data-only layers (mount(2) 'lowerdir=a::data')",
				     &err);
		if (!fsconfig)
			check_claim(p->out, CLAIM_DRIVER, "composefs", "are skipped");
		return;
	}
	/* Data-only files are reached through metacopy redirects, never by name. */
	hidden = path_exists_in(p->merged, "layer-000") && !path_exists_in(p->merged, "data-only");
	ovl_umount(p->merged, NULL);
	if (!hidden) {
		check_add(p->out, GROUP, name, false, 0,
			  "data-only layers are merged like normal ones, not reached through "
			  "metacopy redirects only",
			  "not data-only");
		check_claim(p->out, CLAIM_DRIVER, "composefs", "are not trustworthy");
		check_detail(p->out, "a file of the data-only layer shows in the merged dir");
		return;
	}
	check_add(p->out, GROUP, name, true, 0,
		  fsconfig ? "data-only layers mount with fsconfig datadir+ too"
			   : "composefs-style stacks (metadata layer + data-only layers) mount "
			     "with mount(2) 'lowerdir=a::data'",
		  "yes");
}

/* ---- setup and cleanup ---- */

static int make_layers(struct probe *p)
{
	char dir[PATH_MAX], name[32];
	int e;

	if ((e = path_join(p->merged, sizeof(p->merged), p->root, "merged")) ||
	    (e = path_join(p->data, sizeof(p->data), p->root, "data")) ||
	    (e = path_join(dir, sizeof(dir), p->root, "l")))
		return e;
	if ((e = mkdir_p(p->root, 0755, NULL)) || (e = mkdir_p(p->merged, 0755, NULL)) ||
	    (e = mkdir_p(p->data, 0755, NULL)) || (e = mkdir_p(dir, 0755, NULL)) ||
	    (e = overlay_marker(p->data, "data-only")))
		return e;
	for (int i = 0; i < N_LAYERS; i++) {
		if ((size_t)snprintf(p->layers[i], sizeof(p->layers[i]), "%s/%03d", dir, i) >=
		    sizeof(p->layers[i]))
			return -ENAMETOOLONG;
		p->lowers[i] = p->layers[i];
		snprintf(name, sizeof(name), "layer-%03d", i);
		if ((e = mkdir_p(p->layers[i], 0755, NULL)) ||
		    (e = overlay_marker(p->layers[i], name)))
			return e;
	}
	return 0;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	remove(path);
	return 0;
}

static void report_not_tried(struct probe *p)
{
	static const char *const named[] = { "redirect_dir", "metacopy",  "index",
					     "xino",	     "volatile",  "userxattr",
					     "fsconfig",     "data_only", "data_only_fsconfig" };
	static const char *const numbers[] = { "max_layers_abs", "max_layers_rel",
					       "max_layers_fsconfig" };

	for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
		check_add(p->out, GROUP, named[i], false, 0, "no overlay cases", "no");
		check_detail(p->out, "not tried: overlay does not mount");
	}
	for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
		check_add_num(p->out, GROUP, numbers[i], false, 0, "no overlay cases", 0);
		check_detail(p->out, "not tried: overlay does not mount");
	}
}

int doctor_overlay_probe(struct check_list *out, const char *scratch, struct bb_error *err)
{
	struct probe *p = calloc(1, sizeof(*p));
	int e;

	if (!p)
		return bb_err(err, ENOMEM, "cannot probe overlay: ENOMEM");
	p->out = out;
	e = path_join(p->root, sizeof(p->root), scratch, "overlay");
	if (!e)
		e = make_layers(p);
	if (e) {
		e = bb_err(err, e,
			   "cannot probe overlay: %s (cannot lay out %d layer dirs under "
			   "%s)",
			   errno_name(e), N_LAYERS, scratch);
		goto out;
	}
	if (!probe_available(p)) {
		report_not_tried(p);
	} else {
		for (int f = 0; f < (int)(sizeof(features) / sizeof(features[0])); f++)
			probe_feature(p, f);
		doctor_overlay_userxattr(p);
		probe_fsconfig(p);
		probe_data_only(p, false);
		probe_data_only(p, true);
		doctor_overlay_max_legacy(p, OVL_PATHS_ABSOLUTE);
		doctor_overlay_max_legacy(p, OVL_PATHS_RELATIVE);
		doctor_overlay_max_fsconfig(p);
	}
out:
	/* Whatever a failed check left mounted goes before the tree does. */
	while (umount2(p->merged, MNT_DETACH) == 0)
		;
	nftw(p->root, remove_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
	free(p);
	return e;
}
