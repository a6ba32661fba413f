/* doctor's overlay checks: each option, both mount APIs, data-only layers, rootless mounts and
 * the deepest stack each API takes, tried with real mounts (ovl_mount.c) in the scratch dir. */
#include "doctor.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/fsutil.h"
#include "storage/ovl_mount.h"

#define GROUP	 "overlay"
#define N_LAYERS (OVL_MAX_STACK + 1)
/* The user namespace's root and range on the host, as rootless engines map it. */
#define USERNS_HOST_ID 100000
#define USERNS_COUNT   65536

struct probe {
	struct check_list *out;
	char root[PATH_MAX]; /* <scratch>/overlay: all of it is removed at the end */
	char merged[PATH_MAX]; /* the one mount point every check uses in turn */
	char data[PATH_MAX]; /* a data-only layer */
	char layers[N_LAYERS][128]; /* <root>/l/NNN, each holding a file named layer-NNN */
	const char *lowers[N_LAYERS];
};

/* dir/name holding one line: the marker files the checks look for through the overlay. */
static int make_marker(const char *dir, const char *name)
{
	char path[PATH_MAX];
	int e = path_join(path, sizeof(path), dir, name);

	return e ? e : write_file(path, "x\n", 2, NULL);
}

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

/* Mounts the first n layers, checks the bottom one shows through, unmounts. */
static int try_depth(struct probe *p, size_t n, bool fsconfig, enum ovl_paths paths,
		     struct bb_error *err)
{
	const struct ovl_options o = { .paths = paths };
	char marker[32];
	int e;

	e = (fsconfig ? ovl_mount_fsconfig : ovl_mount_legacy)(p->merged, p->lowers, n, NULL, 0,
							       NULL, NULL, &o, err);
	if (e)
		return e;
	snprintf(marker, sizeof(marker), "layer-%03zu", n - 1);
	if (!path_exists_in(p->merged, marker))
		e = bb_err(err, EIO,
			   "%zu layers mounted on %s, but the bottom layer's %s is not visible", n,
			   p->merged, marker);
	if (ovl_umount(p->merged, e ? NULL : err) && !e)
		e = -err->code;
	return e;
}

/* The most layers that mount (0 if none), by binary search between 1 and OVL_MAX_STACK,
 * trying the maximum first since that is the common answer. The failure of the next depth
 * goes to fail. */
static size_t deepest(struct probe *p, bool fsconfig, enum ovl_paths paths, struct bb_error *fail)
{
	size_t good = 0, bad = OVL_MAX_STACK;

	bb_err_clear(fail);
	if (try_depth(p, OVL_MAX_STACK, fsconfig, paths, fail) == 0)
		return OVL_MAX_STACK;
	while (bad - good > 1) {
		size_t mid = good + (bad - good) / 2;
		struct bb_error e = { 0 };

		if (try_depth(p, mid, fsconfig, paths, &e) == 0) {
			good = mid;
		} else {
			bad = mid;
			*fail = e;
		}
	}
	return good;
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
	if (!path_exists_in(p->merged, "layer-001") || make_marker(p->merged, "new") ||
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

/* What the user-namespace child reports back through the pipe. */
struct userns_report {
	int err; /* positive errno, 0 when every step worked */
	char step[32]; /* the step that failed */
	char msg[512]; /* ovl_mount's message when the mount failed */
};

/* Runs in the forked child: becomes root of a new user namespace mapped onto
 * USERNS_HOST_ID, mounts with userxattr, and makes a whiteout and an opaque dir, the two
 * things that need xattrs or device nodes on the upper fs. Never returns. */
static void userns_child(const char *merged, const char *lower, const char *upper, const char *work,
			 int in, int out)
{
	const struct ovl_options o = { .userxattr = true };
	struct userns_report r = { 0 };
	struct bb_error err = { 0 };
	char path[PATH_MAX], go = 0;

	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0) {
		r.err = errno;
		snprintf(r.step, sizeof(r.step), "unshare");
		if (write(out, "x", 1) != 1)
			_exit(1);
		goto report;
	}
	if (write(out, "u", 1) != 1 || read(in, &go, 1) != 1 || go != 'g')
		_exit(1); /* the parent gave up; it reports */
	if (setresgid(0, 0, 0) < 0 || setgroups(0, NULL) < 0 || setresuid(0, 0, 0) < 0) {
		r.err = errno;
		snprintf(r.step, sizeof(r.step), "setresuid");
		goto report;
	}
	if (ovl_mount_legacy(merged, &lower, 1, NULL, 0, upper, work, &o, &err)) {
		r.err = err.code;
		snprintf(r.step, sizeof(r.step), "mount");
		snprintf(r.msg, sizeof(r.msg), "%s", err.msg);
		goto report;
	}
	snprintf(path, sizeof(path), "%s/gone", merged);
	if (unlink(path) < 0) {
		r.err = errno;
		snprintf(r.step, sizeof(r.step), "whiteout");
		goto unmount;
	}
	snprintf(path, sizeof(path), "%s/dir/file", merged);
	if (unlink(path) < 0) {
		r.err = errno;
		snprintf(r.step, sizeof(r.step), "whiteout");
		goto unmount;
	}
	snprintf(path, sizeof(path), "%s/dir", merged);
	if (rmdir(path) < 0 || mkdir(path, 0755) < 0) {
		r.err = errno;
		snprintf(r.step, sizeof(r.step), "opaque dir");
	}
unmount:
	ovl_umount(merged, NULL);
report:
	if (write(out, &r, sizeof(r)) != sizeof(r))
		_exit(1);
	_exit(0);
}

static int write_id_map(pid_t pid, const char *file)
{
	char path[64], map[64];
	int fd, e = 0, len;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	len = snprintf(map, sizeof(map), "0 %d %d\n", USERNS_HOST_ID, USERNS_COUNT);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, map, len) != len)
		e = -errno;
	close(fd);
	return e;
}

/* dir/{l,u,w}, with a file to delete (a whiteout) and a dir to replace (an opaque dir) in l,
 * owned by the user namespace's root. */
static int make_owned_tree(const char *dir, char *lower, char *upper, char *work)
{
	char path[PATH_MAX];
	const char *dirs[] = { dir, lower, upper, work, path };
	int e;

	if (path_join(lower, PATH_MAX, dir, "l") || path_join(upper, PATH_MAX, dir, "u") ||
	    path_join(work, PATH_MAX, dir, "w") || path_join(path, PATH_MAX, lower, "dir"))
		return -ENAMETOOLONG;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		e = mkdir_p(dirs[i], 0755, NULL);
		if (e)
			return e;
	}
	if ((e = make_marker(lower, "gone")) || (e = make_marker(path, "file")))
		return e;
	/* The namespace's root is USERNS_HOST_ID on the host: it must own what it changes. */
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (chown(dirs[i], USERNS_HOST_ID, USERNS_HOST_ID) < 0)
			return -errno;
	return 0;
}

static void probe_userxattr(struct probe *p)
{
	static const char means_yes[] =
		"rootless overlay works (user namespace, user.overlay.* "
		"xattrs): user-namespace containers (--ns user) mount kernel overlay";
	static const char means_no[] = "no rootless kernel overlay: user-namespace containers "
				       "(--ns user) cannot mount it";
	char dir[PATH_MAX], lower[PATH_MAX], upper[PATH_MAX], work[PATH_MAX], path[PATH_MAX];
	int to_child[2] = { -1, -1 }, to_parent[2] = { -1, -1 }, e, status;
	struct userns_report r = { 0 };
	char opaque[4] = "", ready = 0;
	const char *whiteout = "something else";
	struct stat st;
	pid_t pid = -1;
	ssize_t n;

	e = path_join(dir, sizeof(dir), p->root, "userns");
	if (!e)
		e = make_owned_tree(dir, lower, upper, work);
	if (e) {
		snprintf(r.step, sizeof(r.step), "layers");
		r.err = -e;
		goto report;
	}
	if (pipe2(to_child, O_CLOEXEC) < 0 || pipe2(to_parent, O_CLOEXEC) < 0) {
		snprintf(r.step, sizeof(r.step), "pipe");
		r.err = errno;
		goto report;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(r.step, sizeof(r.step), "fork");
		r.err = errno;
		goto report;
	}
	if (pid == 0) {
		close(to_child[1]);
		close(to_parent[0]);
		userns_child(p->merged, lower, upper, work, to_child[0], to_parent[1]);
	}
	close(to_child[0]);
	close(to_parent[1]);
	to_child[0] = to_parent[1] = -1;

	/* The child says it has unshared ('u'), so that we write its maps, or failed ('x'). */
	n = read(to_parent[0], &ready, 1);
	if (n == 1 && ready == 'u') {
		e = write_id_map(pid, "uid_map");
		if (!e)
			e = write_id_map(pid, "gid_map");
		if (e) {
			snprintf(r.step, sizeof(r.step), "uid_map");
			r.err = -e;
			goto report;
		}
		if (write(to_child[1], "g", 1) != 1) {
			snprintf(r.step, sizeof(r.step), "pipe");
			r.err = errno;
			goto report;
		}
	}
	if (n == 1)
		n = read(to_parent[0], &r, sizeof(r));
	if (n != sizeof(r)) {
		memset(&r, 0, sizeof(r));
		snprintf(r.step, sizeof(r.step), "child");
		r.err = ECHILD;
	}
report:
	/* Closing our end first tells a child still waiting for its maps to give up. */
	if (to_child[1] >= 0)
		close(to_child[1]);
	if (pid > 0)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	if (to_child[0] >= 0)
		close(to_child[0]);
	if (to_parent[0] >= 0)
		close(to_parent[0]);
	if (to_parent[1] >= 0)
		close(to_parent[1]);

	if (!r.err) {
		/* Read back, from outside, what the overlay wrote: tmpfs keeps user.* xattrs
		 * only since Linux 6.6, and an opaque dir without its mark lets lower files in. */
		if (path_join(path, sizeof(path), upper, "dir") == 0)
			getxattr(path, "user.overlay.opaque", opaque, sizeof(opaque) - 1);
		if (path_join(path, sizeof(path), upper, "gone") || lstat(path, &st) < 0)
			whiteout = "missing";
		else if (S_ISCHR(st.st_mode) && st.st_rdev == 0)
			whiteout = "a 0/0 char device";
		else if (S_ISREG(st.st_mode))
			whiteout = "an xattr-marked file";
		if (opaque[0] != 'y') {
			snprintf(r.step, sizeof(r.step), "opaque dir");
			r.err = ENODATA;
		}
	}
	if (!r.err) {
		check_add(p->out, GROUP, "userxattr", true, 0, means_yes, "yes");
		check_detail(p->out,
			     "uid/gid 0 -> %d (%d ids), tmpfs upper: whiteout as %s, opaque dir "
			     "as user.overlay.opaque=y",
			     USERNS_HOST_ID, USERNS_COUNT, whiteout);
	} else if (!strcmp(r.step, "whiteout") || !strcmp(r.step, "opaque dir")) {
		check_add(p->out, GROUP, "userxattr", false, r.err,
			  "rootless overlay mounts, but this upper fs cannot hold its whiteouts or "
			  "user.* xattrs: rootless cases skipped",
			  "mounts only");
		check_detail(p->out, "mounted in a user namespace; creating its %s failed: %s%s",
			     r.step, errno_name(r.err),
			     r.err == ENODATA ? " (no user.overlay.opaque on the upper dir)" : "");
	} else {
		check_add(p->out, GROUP, "userxattr", false, r.err, means_no, "no");
		check_claim(p->out, CLAIM_DRIVER, "fuse-overlayfs", "are the rootless way here");
		if (r.msg[0])
			check_detail(p->out, "in a user namespace (0 -> %d): %s", USERNS_HOST_ID,
				     r.msg);
		else
			check_detail(p->out, "failed at %s: %s", r.step, errno_name(r.err));
	}
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

static void probe_max_legacy(struct probe *p, enum ovl_paths paths)
{
	bool abs = paths == OVL_PATHS_ABSOLUTE;
	const char *name = abs ? "max_layers_abs" : "max_layers_rel";
	struct ovl_mount_data md;
	struct bb_error fail;
	size_t n = deepest(p, false, paths, &fail);

	check_add_num(p->out, GROUP, name, n > 0, n > 0 ? 0 : fail.code,
		      abs ? "deepest stack mount(2) takes with absolute layer paths this long; "
			    "deeper ones switch to relative names or fsconfig"
			  : "deepest stack mount(2) takes with short names relative to the layers' "
			    "parent (the chdir trick of containers/storage)",
		      (long long)n);
	if (n == OVL_MAX_STACK)
		check_detail(p->out,
			     "names like %s relative to %.*s: OVL_MAX_STACK, not the "
			     "page, is the limit",
			     strrchr(p->layers[n - 1], '/') + 1,
			     (int)(strrchr(p->layers[0], '/') - p->layers[0]), p->layers[0]);
	else if (fail.code == E2BIG &&
		 ovl_options_string(&md, p->lowers, n + 1, NULL, 0, NULL, NULL,
				    &(struct ovl_options){ .paths = paths }, NULL) == -E2BIG)
		check_detail(p->out,
			     "paths of %zu bytes like %s; %zu layers need %zu bytes, "
			     "mount(2) takes one page (%d)",
			     strlen(p->layers[0]), p->layers[0], n + 1,
			     abs ? md.abs_len : md.rel_len, OVL_MOUNT_DATA_MAX);
	else
		check_detail(p->out, "%zu layers: %s", n + 1, fail.msg);
}

/* Our own layer refuses 501 before the kernel sees it, so ask the kernel directly. */
static void kernel_limit(struct probe *p, char *out, size_t size)
{
	char log[256] = "";
	int fd, i;
	ssize_t n;

	fd = fsopen("overlay", FSOPEN_CLOEXEC);
	if (fd < 0) {
		snprintf(out, size, "fsopen: %s", errno_name(errno));
		return;
	}
	for (i = 0; i < N_LAYERS; i++)
		if (fsconfig(fd, FSCONFIG_SET_STRING, "lowerdir+", p->layers[i], 0) < 0)
			break;
	if (i == N_LAYERS) {
		snprintf(out, size,
			 "the kernel takes %d lowerdir+ too: its limit is above "
			 "boxbench's OVL_MAX_STACK",
			 N_LAYERS);
	} else {
		int code = errno;

		n = read(fd, log, sizeof(log) - 1);
		log[n > 0 ? n : 0] = '\0';
		log[strcspn(log, "\n")] = '\0';
		snprintf(out, size, "lowerdir+ #%d refused: %s%s%s", i + 1, errno_name(code),
			 log[0] ? " (kernel: " : "", log[0] ? log + 2 : "");
		if (log[0])
			strncat(out, ")", size - strlen(out) - 1);
	}
	close(fd);
}

static void probe_max_fsconfig(struct probe *p)
{
	struct bb_error fail;
	size_t n = deepest(p, true, OVL_PATHS_AUTO, &fail);
	char limit[200];

	check_add_num(p->out, GROUP, "max_layers_fsconfig", n > 0, n > 0 ? 0 : fail.code,
		      "deepest stack the kernel takes through lowerdir+; depth cases run up to "
		      "this",
		      (long long)n);
	if (n < OVL_MAX_STACK) {
		check_detail(p->out, "%zu layers: %s", n + 1, fail.msg);
		return;
	}
	kernel_limit(p, limit, sizeof(limit));
	check_detail(p->out, "%s", limit);
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
	    (e = make_marker(p->data, "data-only")))
		return e;
	for (int i = 0; i < N_LAYERS; i++) {
		if ((size_t)snprintf(p->layers[i], sizeof(p->layers[i]), "%s/%03d", dir, i) >=
		    sizeof(p->layers[i]))
			return -ENAMETOOLONG;
		p->lowers[i] = p->layers[i];
		snprintf(name, sizeof(name), "layer-%03d", i);
		if ((e = mkdir_p(p->layers[i], 0755, NULL)) ||
		    (e = make_marker(p->layers[i], name)))
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
		probe_userxattr(p);
		probe_fsconfig(p);
		probe_data_only(p, false);
		probe_data_only(p, true);
		probe_max_legacy(p, OVL_PATHS_ABSOLUTE);
		probe_max_legacy(p, OVL_PATHS_RELATIVE);
		probe_max_fsconfig(p);
	}
out:
	/* Whatever a failed check left mounted goes before the tree does. */
	while (umount2(p->merged, MNT_DETACH) == 0)
		;
	nftw(p->root, remove_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
	free(p);
	return e;
}
