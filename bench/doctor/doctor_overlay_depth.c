/* doctor's deepest-stack checks: the most layers mount(2) takes with absolute and with
 * relative layer paths, and fsconfig's lowerdir+, each found by mounting (doctor_overlay.c). */
#include "doctor_overlay_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

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

void doctor_overlay_max_legacy(struct probe *p, enum ovl_paths paths)
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

void doctor_overlay_max_fsconfig(struct probe *p)
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
