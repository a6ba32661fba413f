/* Resolving inspect's TARGET to layer dirs: see inspect_target.h. */
#include "inspect_target.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/fsutil.h"
#include "image/image_marker.h"
#include "common/json_file.h"
#include "storage/ovl_marks.h"

const char *inspect_kind_name(enum inspect_kind k)
{
	return k == INSPECT_PID ? "pid" : k == INSPECT_MOUNT ? "mount" : "image";
}

void inspect_target_close(struct inspect_target *t)
{
	for (size_t i = 0; i < t->n_layers; i++) {
		if (t->layers[i].fd >= 0)
			close(t->layers[i].fd);
		free(t->layers[i].dir);
		free(t->layers[i].digest);
	}
	free(t->layers);
	free(t->mount_point);
	free(t->dir);
	free(t->manifest);
	free(t->whiteout_form);
	mountinfo_entry_free(&t->mnt);
	ovl_mounted_free(&t->ovl);
	memset(t, 0, sizeof(*t));
}

static int add_layer(struct inspect_target *t, enum ovl_layer_role role, unsigned index,
		     const char *dir, bool relative, const char *digest)
{
	struct inspect_layer *grown = realloc(t->layers, (t->n_layers + 1) * sizeof(*grown));
	struct inspect_layer *l;

	if (!grown)
		return -ENOMEM;
	t->layers = grown;
	l = &grown[t->n_layers];
	memset(l, 0, sizeof(*l));
	l->role = role;
	l->index = index;
	l->relative = relative;
	l->fd = -1;
	l->dir = strdup(dir);
	l->digest = digest ? strdup(digest) : NULL;
	t->n_layers++;
	if (!l->dir || (digest && !l->digest))
		return -ENOMEM;
	if (role == OVL_LAYER_UPPER)
		t->has_upper = true;
	/* A relative name is relative to a cwd that is gone: opening it here would find
	 * whatever happens to have that name under ours. */
	if (!relative) {
		l->fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		l->open_errno = l->fd < 0 ? errno : 0;
	}
	return 0;
}

/* A Y/N module parameter of overlay; dflt when it cannot be read. */
static bool overlay_param(const char *name, bool dflt)
{
	char path[128], v[8] = "";

	snprintf(path, sizeof(path), "/sys/module/overlay/parameters/%s", name);
	if (read_file(path, v, sizeof(v), NULL) <= 0)
		return dflt;
	return v[0] == 'Y';
}

/* Whether the kernel follows redirects under this redirect_dir= (NULL: not shown, the
 * module's default): "off" creates none but follows them if redirect_always_follow says so;
 * only "nofollow" refuses them. */
static bool follows_redirects(const char *mode)
{
	if (!mode)
		return overlay_param("redirect_dir", false) ||
		       overlay_param("redirect_always_follow", true);
	if (!strcmp(mode, "off"))
		return overlay_param("redirect_always_follow", true);
	return strcmp(mode, "nofollow") != 0;
}

static int from_overlay(struct inspect_target *t, const char *what, struct bb_error *err)
{
	const char *redirect, *metacopy;
	int e;

	if ((e = ovl_mounted_parse(t->mnt.super_options, &t->ovl, err)))
		return bb_err_wrap(err, "%s", what);
	if (ovl_mounted_opt(&t->ovl, "userxattr")) {
		t->prefix = OVL_PREFIX_USER;
		t->prefix_source = "userxattr option";
	} else {
		t->prefix = OVL_PREFIX_TRUSTED;
		t->prefix_source = "no userxattr option";
	}
	redirect = ovl_mounted_opt(&t->ovl, "redirect_dir");
	t->follow_redirects = follows_redirects(redirect);
	/* The kernel shows metacopy= only when it differs from the module's default. */
	metacopy = ovl_mounted_opt(&t->ovl, "metacopy");
	t->refuse_metacopy =
		metacopy ? strcmp(metacopy, "on") != 0 : !overlay_param("metacopy", false);
	for (size_t i = 0; i < t->ovl.n_layers; i++) {
		const struct ovl_layer_ref *l = &t->ovl.layers[i];

		if (add_layer(t, l->role, l->index, l->path, l->relative, NULL))
			return bb_err(err, ENOMEM, "out of memory");
	}
	return 0;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* Why a mount that is not kernel overlay cannot be inspected, in a clause. */
static const char *not_overlay_why(const char *fstype)
{
	if (!strncmp(fstype, "fuse.", 5) && strstr(fstype, "overlay"))
		return "a FUSE overlay keeps its layers in its daemon's command line, not in "
		       "mountinfo, and inspect reads kernel overlay mounts only (the daemon's "
		       "'ps -o args' names its lowerdir)";
	return "nothing to inspect";
}

static int open_pid(struct inspect_target *t, const char *target, struct bb_error *err)
{
	char path[64], what[128];
	unsigned long long v = strtoull(target, NULL, 10);
	struct stat st;
	int e;

	if (v == 0 || v > 4194304 || strlen(target) > 8)
		return bb_err(err, EINVAL,
			      "'%s' is no pid (pids are 1 to 4194304); give a pid, an overlay "
			      "mount point or an image dir",
			      target);
	t->kind = INSPECT_PID;
	t->pid = (pid_t)v;
	snprintf(path, sizeof(path), "/proc/%d", t->pid);
	if (stat(path, &st) < 0)
		return bb_err(err, ESRCH,
			      "no process %d (%s gone or never there; a pid in a container's "
			      "own pid namespace must be given as the host sees it)",
			      t->pid, path);
	snprintf(path, sizeof(path), "/proc/%d/mountinfo", t->pid);
	/* mountinfo paths are relative to the process's root: after pivot_root, its "/" is
	 * the container's root file system. */
	e = mountinfo_find(path, "/", &t->mnt, err);
	if (e == -ENOENT)
		return bb_err(err, ENOENT,
			      "process %d has no mount at its root (its root is a directory "
			      "inside a mount, as after chroot): inspect the mount point that "
			      "holds it instead",
			      t->pid);
	if (e)
		return bb_err_wrap(err, "process %d", t->pid);
	if (!(t->mount_point = strdup("/")))
		return bb_err(err, ENOMEM, "out of memory");
	if (strcmp(t->mnt.fstype, "overlay"))
		return bb_err(err, EINVAL,
			      "process %d's root is a mount of type %s (%s), not overlay: %s",
			      t->pid, t->mnt.fstype, t->mnt.source, not_overlay_why(t->mnt.fstype));
	snprintf(what, sizeof(what), "process %d's root overlay", t->pid);
	return from_overlay(t, what, err);
}

static int manifest_prefix(struct inspect_target *t, json_t *root)
{
	const char *p = json_string_value(json_object_get(root, "xattr_prefix"));

	if (p && ovl_prefix_parse(p) >= 0) {
		t->prefix = ovl_prefix_parse(p);
		t->prefix_source = t->manifest;
	}
	return 0;
}

/* image.json's layers, bottom first: [{"dir": "l/0", "digest": ...}, ...]. */
static int image_layers(struct inspect_target *t, json_t *root, struct bb_error *err)
{
	json_t *layers = json_object_get(root, "layers"), *l;
	size_t n = json_array_size(layers), i;
	const char *wh = json_string_value(json_object_get(root, "whiteout"));

	if (!json_is_array(layers) || !n)
		return bb_err(err, EINVAL,
			      "%s/image.json lists no layers (expected \"layers\": [{\"dir\": "
			      "\"l/0\", ...}, ...], bottom first)",
			      t->dir);
	if (wh && !(t->whiteout_form = strdup(wh)))
		return bb_err(err, ENOMEM, "out of memory");
	for (i = n; i-- > 0;) {
		const char *dir, *digest;
		char path[PATH_MAX * 2];

		l = json_array_get(layers, i);
		dir = json_string_value(json_object_get(l, "dir"));
		digest = json_string_value(json_object_get(l, "digest"));
		if (!dir || !dir[0] || strstr(dir, ".."))
			return bb_err(err, EINVAL,
				      "%s/image.json: layer %zu has no usable \"dir\" (a path "
				      "inside the image dir, like \"l/%zu\")",
				      t->dir, i, i);
		if (dir[0] == '/')
			snprintf(path, sizeof(path), "%s", dir);
		else
			snprintf(path, sizeof(path), "%s/%s", t->dir, dir);
		if (add_layer(t, OVL_LAYER_LOWER, (unsigned)i, path, false, digest))
			return bb_err(err, ENOMEM, "out of memory");
	}
	return 0;
}

/* A stack without image.json: l/0, l/1, ... as far as they go. */
static int stack_layers(struct inspect_target *t, struct bb_error *err)
{
	char path[PATH_MAX + 32];
	struct stat st;
	unsigned n = 0;

	for (;; n++) {
		snprintf(path, sizeof(path), "%s/l/%u", t->dir, n);
		if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode))
			break;
	}
	for (unsigned i = n; i-- > 0;) {
		snprintf(path, sizeof(path), "%s/l/%u", t->dir, i);
		if (add_layer(t, OVL_LAYER_LOWER, i, path, false, NULL))
			return bb_err(err, ENOMEM, "out of memory");
	}
	return 0;
}

static int open_image(struct inspect_target *t, const char *dir, struct bb_error *err)
{
	char path[PATH_MAX + 16];
	json_t *root = NULL;
	int e;

	t->kind = INSPECT_IMAGE;
	t->follow_redirects = true;
	if (!(t->dir = strdup(dir)))
		return bb_err(err, ENOMEM, "out of memory");
	/* Refuses a dir an import is writing or left half-written, and a planted image.json
	 * (a FIFO would hang the read). */
	if ((e = image_dir_manifest(dir, &root, err)))
		return e;
	if (root) {
		if (!(t->manifest = strdup("image.json")))
			e = bb_err(err, ENOMEM, "out of memory");
		manifest_prefix(t, root);
		if (!e)
			e = image_layers(t, root, err);
		json_decref(root);
		return e;
	}
	/* A synthetic stack: its stack.json says which prefix its marks use. */
	snprintf(path, sizeof(path), "%s/stack.json", dir);
	e = json_file_load(path, JSON_FILE_MAX, &root, err);
	if (e && e != -ENOENT)
		return bb_err_wrap(err,
				   "%s holds l/0 but no image.json, and its stack.json cannot "
				   "be read (remove it to inspect l/0.. as a plain stack)",
				   dir);
	if (root) {
		if (!(t->manifest = strdup("stack.json"))) {
			json_decref(root);
			return bb_err(err, ENOMEM, "out of memory");
		}
		manifest_prefix(t, root);
		json_decref(root);
	}
	bb_err_clear(err);
	return stack_layers(t, err);
}

static bool has_bottom_layer(const char *dir)
{
	char path[PATH_MAX + 8];
	struct stat st;

	snprintf(path, sizeof(path), "%s/l/0", dir);
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int inspect_target_open(const char *target, struct inspect_target *t, struct bb_error *err)
{
	char real[PATH_MAX];
	struct mountinfo_entry here = { 0 };
	struct stat st;
	int e;

	memset(t, 0, sizeof(*t));
	t->prefix = -1;
	t->prefix_source = "unknown: either prefix counts";
	if (all_digits(target))
		return open_pid(t, target, err);
	if (stat(target, &st) < 0)
		return bb_err(err, errno,
			      "%s: %s (give an overlay mount point, a pid or an image dir)", target,
			      errno_name(errno));
	if (!S_ISDIR(st.st_mode))
		return bb_err(err, ENOTDIR,
			      "%s is not a directory (give an overlay mount point, a pid or an "
			      "image dir holding l/0)",
			      target);
	if (!realpath(target, real))
		return bb_err(err, errno, "cannot resolve %s: %s", target, errno_name(errno));
	e = mountinfo_find("/proc/self/mountinfo", real, &t->mnt, NULL);
	if (!e && !strcmp(t->mnt.fstype, "overlay")) {
		t->kind = INSPECT_MOUNT;
		if (!(t->mount_point = strdup(real)))
			return bb_err(err, ENOMEM, "out of memory");
		return from_overlay(t, real, err);
	}
	/* An import's marker says what the dir is, even before it has an l/0. */
	if (has_bottom_layer(real) || image_marker_check(real, NULL)) {
		mountinfo_entry_free(&t->mnt);
		return open_image(t, real, err);
	}
	if (!e)
		return bb_err(
			err, EINVAL,
			"%s is a mount of type %s (%s), not overlay, and no image dir (no l/0): "
			"%s",
			real, t->mnt.fstype, t->mnt.source, not_overlay_why(t->mnt.fstype));
	if (e != -ENOENT)
		return bb_err(err, -e, "cannot read /proc/self/mountinfo: %s", errno_name(-e));
	if (!mountinfo_find_containing("/proc/self/mountinfo", real, major(st.st_dev),
				       minor(st.st_dev), &here, NULL) &&
	    !strcmp(here.fstype, "overlay")) {
		e = bb_err(err, EINVAL,
			   "%s is inside the overlay mounted at %s, not its mount point: inspect "
			   "%s",
			   real, here.mount_point, here.mount_point);
		mountinfo_entry_free(&here);
		return e;
	}
	mountinfo_entry_free(&here);
	return bb_err(err, EINVAL,
		      "%s is neither an overlay mount point nor an image dir (a dir holding "
		      "l/0, the bottom layer, as 'image import' and the stack cache make)",
		      real);
}
