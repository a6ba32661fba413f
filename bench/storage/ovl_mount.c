/* Overlay mounts through mount(2) or fsopen/fsconfig: see ovl_mount.h. mount(2) gets one page
 * of option data, so long stacks switch to names relative to the layers' parent dir. */
#include "ovl_mount.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fsutil.h"

static const struct ovl_options ovl_defaults;

const char *mount_api_name(enum mount_api api)
{
	return api == MOUNT_API_FSCONFIG ? "fsconfig" : "mount";
}

int mount_api_parse(const char *s, enum mount_api *api, struct bb_error *err)
{
	if (!strcmp(s, "mount") || !strcmp(s, "legacy")) {
		*api = MOUNT_API_LEGACY;
		return 0;
	}
	if (!strcmp(s, "fsconfig") || !strcmp(s, "new")) {
		*api = MOUNT_API_FSCONFIG;
		return 0;
	}
	return bb_err(err, EINVAL,
		      "unknown mount API '%s': use 'mount' (mount(2)) or 'fsconfig' "
		      "(fsopen/fsconfig)",
		      s);
}

/* An append-only string that keeps counting past its end, so an overflow reports the length
 * it would have needed. */
struct strbuf {
	char *buf;
	size_t size, len; /* len excludes the NUL and may exceed size */
};

static void sb_putc(struct strbuf *sb, char c)
{
	if (sb->len + 1 < sb->size)
		sb->buf[sb->len] = c;
	sb->len++;
}

static void sb_puts(struct strbuf *sb, const char *s)
{
	while (*s)
		sb_putc(sb, *s++);
}

/* Overlay splits its options at unescaped ',' and lowerdir at unescaped ':', and unescapes
 * every path it is given, so these three need a backslash. */
static void sb_put_path(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		if (*s == ',' || *s == ':' || *s == '\\')
			sb_putc(sb, '\\');
		sb_putc(sb, *s);
	}
}

static void sb_finish(struct strbuf *sb)
{
	if (sb->size)
		sb->buf[sb->len < sb->size ? sb->len : sb->size - 1] = '\0';
}

static int ovl_check_args(const char *what, const char *const *lowers, size_t n_lowers,
			  const char *const *datadirs, size_t n_data, const char *upper,
			  const char *work, struct bb_error *err)
{
	if (n_lowers == 0)
		return bb_err(
			err, EINVAL,
			"cannot %s: EINVAL (no lower layer given; an overlay needs at least one)",
			what);
	if (n_lowers + n_data > OVL_MAX_STACK)
		return bb_err(err, EINVAL,
			      "cannot %s: EINVAL (overlay stacks at most %d lower layers "
			      "(OVL_MAX_STACK); got %zu%s)",
			      what, OVL_MAX_STACK, n_lowers + n_data,
			      n_data ? ", data-only layers included" : "");
	if (!upper != !work)
		return bb_err(err, EINVAL,
			      "cannot %s: EINVAL (%s given without %s; give both for a writable "
			      "overlay, neither for a read-only one)",
			      what, upper ? "upperdir" : "workdir", upper ? "workdir" : "upperdir");
	for (size_t i = 0; i < n_lowers + n_data; i++) {
		const char *p = i < n_lowers ? lowers[i] : datadirs[i - n_lowers];

		if (!p || !*p)
			return bb_err(err, EINVAL, "cannot %s: EINVAL (%s layer %zu has no path)",
				      what, i < n_lowers ? "lower" : "data-only",
				      i < n_lowers ? i : i - n_lowers);
	}
	if ((upper && !*upper) || (work && !*work))
		return bb_err(err, EINVAL, "cannot %s: EINVAL (empty upperdir or workdir path)",
			      what);
	return 0;
}

/* Where p's name starts relative to base (base_len bytes of a path), or NULL when p is not
 * below base. base_len 0 stands for "/". */
static const char *ovl_below(const char *p, const char *base, size_t base_len)
{
	if (p[0] != '/' || strncmp(p, base, base_len) || p[base_len] != '/')
		return NULL;
	p += base_len;
	while (*p == '/')
		p++;
	return *p ? p : NULL;
}

/* The longest directory every lower and data layer lies strictly below; its length in bytes
 * (0 for "/"), or -1 when the paths are not all absolute. */
static ssize_t ovl_common_base(const char *const *lowers, size_t n_lowers,
			       const char *const *datadirs, size_t n_data)
{
	const char *first = lowers[0];
	size_t len = strlen(first);

	if (first[0] != '/')
		return -1;
	/* Start from the first layer's parent: trailing slashes are not a component. */
	while (len > 1 && first[len - 1] == '/')
		len--;
	while (len > 0 && first[len - 1] != '/')
		len--;
	while (len > 0 && first[len - 1] == '/')
		len--;
	for (size_t i = 0; i < n_lowers + n_data; i++) {
		const char *p = i < n_lowers ? lowers[i] : datadirs[i - n_lowers];

		if (p[0] != '/')
			return -1;
		while (len > 0 && !ovl_below(p, first, len)) {
			while (len > 0 && first[len - 1] != '/')
				len--;
			while (len > 0 && first[len - 1] == '/')
				len--;
		}
		if (len == 0 && !ovl_below(p, first, 0))
			return -1; /* the layer is "/" itself */
	}
	return (ssize_t)len;
}

/* One form of the data: paths relative to base when base_len >= 0, else as given. */
static size_t ovl_build(char *buf, size_t size, const char *const *lowers, size_t n_lowers,
			const char *const *datadirs, size_t n_data, const char *upper,
			const char *work, const struct ovl_options *o, const char *base,
			ssize_t base_len)
{
	struct strbuf sb = { .buf = buf, .size = size };
	const char *rel;

	sb_puts(&sb, "lowerdir=");
	for (size_t i = 0; i < n_lowers + n_data; i++) {
		const char *p = i < n_lowers ? lowers[i] : datadirs[i - n_lowers];

		if (i)
			sb_puts(&sb, i < n_lowers ? ":" : "::");
		rel = base_len >= 0 ? ovl_below(p, base, base_len) : NULL;
		sb_put_path(&sb, rel ? rel : p);
	}
	if (upper) {
		rel = base_len >= 0 ? ovl_below(upper, base, base_len) : NULL;
		sb_puts(&sb, ",upperdir=");
		sb_put_path(&sb, rel ? rel : upper);
		rel = base_len >= 0 ? ovl_below(work, base, base_len) : NULL;
		sb_puts(&sb, ",workdir=");
		sb_put_path(&sb, rel ? rel : work);
	}
	if (o->redirect_dir)
		sb_puts(&sb, ",redirect_dir=on");
	if (o->metacopy)
		sb_puts(&sb, ",metacopy=on");
	if (o->index)
		sb_puts(&sb, ",index=on");
	if (o->xino)
		sb_puts(&sb, ",xino=on");
	if (o->volatile_mount)
		sb_puts(&sb, ",volatile");
	if (o->userxattr)
		sb_puts(&sb, ",userxattr");
	if (o->extra && *o->extra) {
		sb_putc(&sb, ',');
		sb_puts(&sb, o->extra);
	}
	sb_finish(&sb);
	return sb.len + 1;
}

static int ovl_plan(struct ovl_mount_data *out, const char *what, const char *const *lowers,
		    size_t n_lowers, const char *const *datadirs, size_t n_data, const char *upper,
		    const char *work, const struct ovl_options *o, struct bb_error *err)
{
	ssize_t base_len;
	int e;

	if (!o)
		o = &ovl_defaults;
	memset(out, 0, sizeof(*out));
	e = ovl_check_args(what, lowers, n_lowers, datadirs, n_data, upper, work, err);
	if (e)
		return e;
	out->abs_len = ovl_build(out->data, sizeof(out->data), lowers, n_lowers, datadirs, n_data,
				 upper, work, o, NULL, -1);
	if (o->paths != OVL_PATHS_RELATIVE && out->abs_len <= sizeof(out->data))
		return 0;
	if (o->paths == OVL_PATHS_ABSOLUTE)
		return bb_err(err, E2BIG,
			      "cannot %s: E2BIG (lowerdir too long for mount(2): %zu bytes with "
			      "absolute paths, one page is %d; retry with --mount-api=fsconfig)",
			      what, out->abs_len, OVL_MOUNT_DATA_MAX);

	base_len = ovl_common_base(lowers, n_lowers, datadirs, n_data);
	if (base_len < 0 || (upper && (upper[0] != '/' || work[0] != '/'))) {
		if (o->paths == OVL_PATHS_RELATIVE)
			return bb_err(err, EINVAL,
				      "cannot %s: EINVAL (relative layer names need absolute "
				      "layer, upper and work paths)",
				      what);
		return bb_err(err, E2BIG,
			      "cannot %s: E2BIG (lowerdir too long for mount(2): %zu bytes, one "
			      "page is %d, and the layer paths are not all absolute, so they "
			      "cannot be shortened; retry with --mount-api=fsconfig)",
			      what, out->abs_len, OVL_MOUNT_DATA_MAX);
	}
	if ((size_t)base_len >= sizeof(out->base))
		return bb_err(err, ENAMETOOLONG,
			      "cannot %s: ENAMETOOLONG (the layers' parent dir is longer than "
			      "PATH_MAX)",
			      what);
	if (base_len == 0)
		strcpy(out->base, "/");
	else
		memcpy(out->base, lowers[0], base_len);
	out->rel_len = ovl_build(out->data, sizeof(out->data), lowers, n_lowers, datadirs, n_data,
				 upper, work, o, lowers[0], base_len);
	if (out->rel_len <= sizeof(out->data))
		return 0;
	return bb_err(err, E2BIG,
		      "cannot %s: E2BIG (lowerdir too long for mount(2): %zu bytes with absolute "
		      "paths, %zu relative to %s, one page is %d; retry with --mount-api=fsconfig)",
		      what, out->abs_len, out->rel_len, out->base, OVL_MOUNT_DATA_MAX);
}

int ovl_options_string(struct ovl_mount_data *out, const char *const *lowers, size_t n_lowers,
		       const char *const *datadirs, size_t n_data, const char *upper,
		       const char *work, const struct ovl_options *o, struct bb_error *err)
{
	return ovl_plan(out, "build overlay mount data", lowers, n_lowers, datadirs, n_data, upper,
			work, o, err);
}

/* mount(2) says only ENOENT, never which path: find the first that does not resolve, and say
 * what it was meant to be ("lower layer 3") in role. */
static const char *ovl_missing_path(const char *const *lowers, size_t n_lowers,
				    const char *const *datadirs, size_t n_data, const char *upper,
				    const char *work, const char *target, char *role,
				    size_t role_size, int *code)
{
	const size_t n = n_lowers + n_data;
	struct stat st;

	for (size_t i = 0; i < n + 3; i++) {
		const char *p = i < n_lowers ? lowers[i]
				: i < n	     ? datadirs[i - n_lowers]
				: i == n     ? upper
				: i == n + 1 ? work
					     : target;

		if (!p)
			continue;
		if (stat(p, &st) < 0)
			*code = errno;
		else if (!S_ISDIR(st.st_mode))
			*code = ENOTDIR;
		else
			continue;
		if (i < n_lowers)
			snprintf(role, role_size, "lower layer %zu of %zu", i + 1, n_lowers);
		else if (i < n)
			snprintf(role, role_size, "data-only layer %zu of %zu", i - n_lowers + 1,
				 n_data);
		else
			snprintf(role, role_size, "%s",
				 i == n	      ? "upper dir"
				 : i == n + 1 ? "work dir"
					      : "mount point");
		return p;
	}
	return NULL;
}

static int ovl_legacy_error(int code, const char *target, const char *const *lowers,
			    size_t n_lowers, const char *const *datadirs, size_t n_data,
			    const char *upper, const char *work, const struct ovl_mount_data *md,
			    struct bb_error *err)
{
	const char *missing;
	char role[64];
	int why;

	switch (code) {
	case ENOENT:
	case ENOTDIR:
	case EACCES:
		missing = ovl_missing_path(lowers, n_lowers, datadirs, n_data, upper, work, target,
					   role, sizeof(role), &why);
		if (missing && why == EACCES)
			return bb_err(
				err, code,
				"cannot mount overlay on %s: EACCES (%s %s cannot be reached: "
				"a dir on its path is not searchable by the mounter; in a user "
				"namespace every dir up to the layers must be searchable by "
				"the mapped uid (chmod o+x))",
				target, role, missing);
		if (missing)
			return bb_err(err, code,
				      "cannot mount overlay on %s: %s (%s %s: %s; create it as a "
				      "directory or fix the path)",
				      target, errno_name(code), role, missing, errno_name(why));
		break;
	case EINVAL:
		if (!upper && n_lowers + n_data < 2)
			return bb_err(err, code,
				      "cannot mount overlay on %s: EINVAL (a read-only overlay "
				      "needs at least 2 lower layers; add one or an upper dir)",
				      target);
		/* The kernel's reason goes to dmesg only; this one is common in CI jobs that
		 * run inside a container. */
		if (upper && path_on_overlayfs(upper))
			return bb_err(err, code,
				      "cannot mount overlay on %s: EINVAL (the upper dir %s is on "
				      "overlayfs, which overlay cannot use as an upper layer; put "
				      "the work dir on another file system: --work-dir on a tmpfs, "
				      "a volume or a bind mount from the host)",
				      target, upper);
		return bb_err(err, code,
			      "cannot mount overlay on %s: EINVAL (the kernel refused these %zu "
			      "bytes of options%s%s; mount(2) carries no reason: see dmesg)",
			      target, md->base[0] ? md->rel_len : md->abs_len,
			      md->base[0] ? " relative to " : "", md->base);
	case EPERM:
		return bb_err(err, code,
			      "cannot mount overlay on %s: EPERM (needs CAP_SYS_ADMIN over the "
			      "mount namespace; run as root)",
			      target);
	case ENODEV:
		return bb_err(err, code,
			      "cannot mount overlay on %s: ENODEV (this kernel has no overlay file "
			      "system; modprobe overlay, or build with CONFIG_OVERLAY_FS)",
			      target);
	case EBUSY:
		return bb_err(err, code,
			      "cannot mount overlay on %s: EBUSY (the upper or work dir is in use "
			      "by another overlay; give each mount its own pair)",
			      target);
	}
	return bb_err(err, code, "cannot mount overlay on %s: %s (mount(2) refused; see dmesg)",
		      target, errno_name(code));
}

int ovl_mount_legacy(const char *target, const char *const *lowers, size_t n_lowers,
		     const char *const *datadirs, size_t n_data, const char *upper,
		     const char *work, const struct ovl_options *o, struct bb_error *err)
{
	struct ovl_mount_data *md;
	char what[PATH_MAX + 32], *abs_target = NULL;
	const char *mnt_target = target;
	int cwd = -1, e, code;

	md = malloc(sizeof(*md));
	if (!md)
		return bb_err(err, ENOMEM, "cannot mount overlay on %s: ENOMEM", target);
	snprintf(what, sizeof(what), "mount overlay on %s", target);
	e = ovl_plan(md, what, lowers, n_lowers, datadirs, n_data, upper, work, o, err);
	if (e)
		goto out;

	if (md->base[0]) {
		/* The names are relative to base, so the target must not be relative to ours. */
		if (target[0] != '/') {
			abs_target = realpath(target, NULL);
			if (!abs_target) {
				e = bb_err(err, errno,
					   "cannot mount overlay on %s: %s (the mount "
					   "point does not resolve; create it)",
					   target, errno_name(errno));
				goto out;
			}
			mnt_target = abs_target;
		}
		cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (cwd < 0) {
			e = bb_err(err, errno,
				   "cannot mount overlay on %s: %s (cannot hold on to the current "
				   "dir to return to it after mounting from %s)",
				   target, errno_name(errno), md->base);
			goto out;
		}
		if (chdir(md->base) < 0) {
			e = bb_err(err, errno,
				   "cannot mount overlay on %s: %s (cannot change into the layers' "
				   "parent %s to use short names)",
				   target, errno_name(errno), md->base);
			goto out;
		}
	}

	e = mount("overlay", mnt_target, "overlay", 0, md->data) < 0 ? -errno : 0;
	code = -e;

	if (cwd >= 0 && fchdir(cwd) < 0) {
		int back = errno;

		/* We report a failure, so no mount may stay behind. */
		if (!e)
			umount2(mnt_target, MNT_DETACH);
		e = bb_err(err, back,
			   "cannot mount overlay on %s: %s (cannot return to the previous dir "
			   "after mounting from %s)",
			   target, errno_name(back), md->base);
		goto out;
	}
	if (e)
		e = ovl_legacy_error(code, target, lowers, n_lowers, datadirs, n_data, upper, work,
				     md, err);
out:
	if (cwd >= 0)
		close(cwd);
	free(abs_target);
	free(md);
	return e;
}

/* The kernel's messages about a failed fsconfig, from the fs context: "e overlay: ..." lines,
 * one per read(), joined with "; " and without their level letter. */
static void ovl_fc_log(int fd, char *out, size_t size)
{
	char line[512];
	size_t len = 0;
	ssize_t n;

	out[0] = '\0';
	while ((n = read(fd, line, sizeof(line) - 1)) > 0) {
		line[n] = '\0';
		if (n > 0 && line[n - 1] == '\n')
			line[n - 1] = '\0';
		/* Drop the level letter ("e ", "w ", "i "): the caller says it failed. */
		len += snprintf(out + len, size - len, "%s%s", len ? "; " : "",
				line[0] && line[1] == ' ' ? line + 2 : line);
		if (len >= size)
			break;
	}
}

static int ovl_fc_error(int fd, int code, const char *target, const char *step, const char *value,
			struct bb_error *err)
{
	char log[384];
	const char *fix = "";

	ovl_fc_log(fd, log, sizeof(log));
	if (strstr(log, "nknown parameter") && strchr(step, '+'))
		fix = "lowerdir+/datadir+ need Linux 6.8; retry with --mount-api=mount";
	else if (code == ENOENT || code == ENOTDIR)
		fix = "create it as a directory or fix the path";
	else if (code == EPERM)
		fix = "needs CAP_SYS_ADMIN; run as root";
	else if (!log[0])
		/* Checks made while filling the superblock go to the kernel log only. */
		fix = "the kernel gave no reason to the fs context; see dmesg";
	return bb_err(err, code, "cannot mount overlay on %s: %s at %s%s%s (%s%s%s%s)", target,
		      errno_name(code), step, value ? " " : "", value ? value : "",
		      log[0] ? "kernel: " : "", log, log[0] && fix[0] ? "; " : "", fix);
}

static int ovl_fc_set(int fd, const char *key, const char *value)
{
	return fsconfig(fd, value ? FSCONFIG_SET_STRING : FSCONFIG_SET_FLAG, key, value, 0) < 0
		       ? -errno
		       : 0;
}

/* extra is "a=b,c": each item becomes its own fsconfig call, as mount(2) data would. */
static int ovl_fc_set_extra(int fd, const char *extra, const char *target, struct bb_error *err)
{
	char *copy, *item, *save = NULL, *eq;
	int e = 0;

	copy = strdup(extra);
	if (!copy)
		return bb_err(err, ENOMEM, "cannot mount overlay on %s: ENOMEM", target);
	for (item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		eq = strchr(item, '=');
		if (eq)
			*eq = '\0';
		e = ovl_fc_set(fd, item, eq ? eq + 1 : NULL);
		if (e) {
			if (eq)
				*eq = '=';
			e = ovl_fc_error(fd, -e, target, "option", item, err);
			break;
		}
	}
	free(copy);
	return e;
}

int ovl_mount_fsconfig(const char *target, const char *const *lowers, size_t n_lowers,
		       const char *const *datadirs, size_t n_data, const char *upper,
		       const char *work, const struct ovl_options *o, struct bb_error *err)
{
	const struct ovl_options *opts = o ? o : &ovl_defaults;
	const struct {
		bool on;
		const char *key, *value; /* value NULL: a flag */
	} flags[] = {
		{ opts->redirect_dir, "redirect_dir", "on" },
		{ opts->metacopy, "metacopy", "on" },
		{ opts->index, "index", "on" },
		{ opts->xino, "xino", "on" },
		{ opts->volatile_mount, "volatile", NULL },
		{ opts->userxattr, "userxattr", NULL },
	};
	char what[PATH_MAX + 32];
	int fd = -1, mfd = -1, e;

	snprintf(what, sizeof(what), "mount overlay on %s", target);
	e = ovl_check_args(what, lowers, n_lowers, datadirs, n_data, upper, work, err);
	if (e)
		return e;

	fd = fsopen("overlay", FSOPEN_CLOEXEC);
	if (fd < 0) {
		e = bb_err(err, errno,
			   "cannot mount overlay on %s: %s (fsopen(\"overlay\") failed; %s)",
			   target, errno_name(errno),
			   errno == ENOSYS   ? "the new mount API needs Linux 5.2; retry with "
					       "--mount-api=mount"
			   : errno == ENODEV ? "this kernel has no overlay file system; modprobe "
					       "overlay"
			   : errno == EPERM  ? "needs CAP_SYS_ADMIN; run as root"
					     : "see dmesg");
		goto out;
	}
	for (size_t i = 0; i < n_lowers + n_data; i++) {
		const char *key = i < n_lowers ? "lowerdir+" : "datadir+";
		const char *p = i < n_lowers ? lowers[i] : datadirs[i - n_lowers];

		e = ovl_fc_set(fd, key, p);
		if (e) {
			e = ovl_fc_error(fd, -e, target, key, p, err);
			goto out;
		}
	}
	if (upper) {
		e = ovl_fc_set(fd, "upperdir", upper);
		if (e) {
			e = ovl_fc_error(fd, -e, target, "upperdir", upper, err);
			goto out;
		}
		e = ovl_fc_set(fd, "workdir", work);
		if (e) {
			e = ovl_fc_error(fd, -e, target, "workdir", work, err);
			goto out;
		}
	}
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		if (!flags[i].on)
			continue;
		e = ovl_fc_set(fd, flags[i].key, flags[i].value);
		if (e) {
			e = ovl_fc_error(fd, -e, target, "option", flags[i].key, err);
			goto out;
		}
	}
	if (opts->extra && *opts->extra) {
		e = ovl_fc_set_extra(fd, opts->extra, target, err);
		if (e)
			goto out;
	}
	if (fsconfig(fd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
		if (errno == EINVAL && !upper && n_lowers + n_data < 2)
			e = bb_err(err, EINVAL,
				   "cannot mount overlay on %s: EINVAL at FSCONFIG_CMD_CREATE (the "
				   "reason is in dmesg: a read-only overlay needs at least 2 lower "
				   "layers, and kernels before 6.8 do not know lowerdir+, which "
				   "--mount-api=mount avoids)",
				   target);
		else
			e = ovl_fc_error(fd, errno, target, "FSCONFIG_CMD_CREATE", NULL, err);
		goto out;
	}
	mfd = fsmount(fd, FSMOUNT_CLOEXEC, 0);
	if (mfd < 0) {
		e = ovl_fc_error(fd, errno, target, "fsmount", NULL, err);
		goto out;
	}
	if (move_mount(mfd, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		e = bb_err(err, errno, "cannot mount overlay on %s: %s at move_mount (%s)", target,
			   errno_name(errno),
			   errno == ENOENT || errno == ENOTDIR
				   ? "the mount point does not exist; create it as a directory"
				   : "the overlay was made but cannot be attached there");
out:
	/* An fsmount fd never attached takes its mount with it when closed. */
	if (mfd >= 0)
		close(mfd);
	if (fd >= 0)
		close(fd);
	return e;
}

int ovl_umount(const char *target, struct bb_error *err)
{
	if (umount2(target, UMOUNT_NOFOLLOW) == 0)
		return 0;
	switch (errno) {
	case EBUSY:
		return bb_err(
			err, EBUSY,
			"cannot unmount overlay on %s: EBUSY (a file or cwd inside it is still "
			"open; close it first)",
			target);
	case EINVAL:
		return bb_err(err, EINVAL,
			      "cannot unmount overlay on %s: EINVAL (nothing is mounted there)",
			      target);
	default:
		return bb_err(err, errno, "cannot unmount overlay on %s: %s", target,
			      errno_name(errno));
	}
}
