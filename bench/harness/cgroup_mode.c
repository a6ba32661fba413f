/* The host's cgroup mode and the hierarchy each of memory, cpu and pids lives on, read from
 * statfs magics, /proc/self/mountinfo and the v2 root's cgroup.controllers: see cgroup.h. */
#include "cgroup_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>

static const char *const ctrl_names[CGROUP_NR_CTRLS] = {
	[CGROUP_MEMORY] = "memory",
	[CGROUP_CPU] = "cpu",
	[CGROUP_PIDS] = "pids",
};

const char *cgroup_ctrl_name(enum cgroup_ctrl c)
{
	return c >= 0 && c < CGROUP_NR_CTRLS ? ctrl_names[c] : "?";
}

const char *cgroup_mode_name(enum cgroup_mode mode)
{
	switch (mode) {
	case CGROUP_V1:
		return "v1";
	case CGROUP_V2:
		return "v2";
	case CGROUP_HYBRID:
		return "hybrid";
	}
	return "?";
}

static long fs_magic(const char *path)
{
	struct statfs st;

	if (statfs(path, &st) < 0)
		return -errno;
	return st.f_type;
}

/* Whether the comma-separated list holds tok as a whole item: "cpu" is not in "cpuset". */
static bool list_has(const char *list, const char *tok)
{
	size_t n = strlen(tok);

	for (const char *p = list; p; p = strchr(p, ',')) {
		if (*p == ',')
			p++;
		if (!strncmp(p, tok, n) && (p[n] == ',' || p[n] == '\0'))
			return true;
	}
	return false;
}

/* mountinfo writes space, tab, newline and backslash in paths as \ooo. */
static void unescape_octal(char *s)
{
	char *out = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*out++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
			s += 3;
		} else {
			*out++ = *s;
		}
	}
	*out = '\0';
}

static bool under_sys_fs_cgroup(const char *path)
{
	return !strncmp(path, "/sys/fs/cgroup/", 15);
}

/* One cgroup or cgroup2 line of mountinfo: "id parent maj:min root mountpoint opts [tags] -
 * fstype source superopts". Returns false for other lines. */
static bool parse_cgroup_mount(char *line, char **dev, char **point, char **fstype, char **super)
{
	char *f[6], *save = NULL, *tok;
	int i = 0;

	for (tok = strtok_r(line, " \n", &save); tok && i < 6; tok = strtok_r(NULL, " \n", &save))
		f[i++] = tok;
	if (i < 6)
		return false;
	while (tok && strcmp(tok, "-"))
		tok = strtok_r(NULL, " \n", &save);
	if (!tok)
		return false;
	*fstype = strtok_r(NULL, " \n", &save);
	if (!*fstype || (strcmp(*fstype, "cgroup") && strcmp(*fstype, "cgroup2")))
		return false;
	if (!strtok_r(NULL, " \n", &save))
		return false;
	*super = strtok_r(NULL, " \n", &save);
	if (!*super)
		*super = "";
	*dev = f[2];
	*point = f[4];
	unescape_octal(*point);
	return true;
}

static int read_mountinfo(struct cgroup_layout *l, char *v2_seen, size_t v2_len,
			  struct bb_error *err)
{
	char devs[CGROUP_MAX_V1][16], *line = NULL, *dev, *point, *fstype, *super;
	size_t cap = 0;
	FILE *f;

	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return bb_err(err, errno,
			      "cannot read /proc/self/mountinfo: %s (is /proc mounted?)",
			      errno_name(errno));
	while (getline(&line, &cap, f) > 0) {
		bool seen = false;

		if (!parse_cgroup_mount(line, &dev, &point, &fstype, &super))
			continue;
		if (!strcmp(fstype, "cgroup2")) {
			if (!v2_seen[0])
				snprintf(v2_seen, v2_len, "%s", point);
			continue;
		}
		/* A hierarchy bind-mounted twice is one hierarchy: its device number says so. */
		for (int i = 0; i < l->nr_v1 && !seen; i++)
			seen = !strcmp(devs[i], dev);
		if (!seen && l->nr_v1 < CGROUP_MAX_V1) {
			snprintf(devs[l->nr_v1], sizeof(devs[0]), "%s", dev);
			snprintf(l->v1_roots[l->nr_v1++], CGROUP_PATH_MAX, "%s", point);
		}
		for (int c = 0; c < CGROUP_NR_CTRLS; c++) {
			if (!list_has(super, ctrl_names[c]))
				continue;
			/* The first mount wins, unless a later one is where tools look for it. */
			if (l->ctrl[c].where == CGROUP_NOWHERE ||
			    (!under_sys_fs_cgroup(l->ctrl[c].root) && under_sys_fs_cgroup(point))) {
				l->ctrl[c].where = CGROUP_ON_V1;
				snprintf(l->ctrl[c].root, CGROUP_PATH_MAX, "%s", point);
			}
		}
	}
	free(line);
	fclose(f);
	return 0;
}

static int read_v2_root(struct cgroup_layout *l, struct bb_error *err)
{
	long n;
	int fd;

	fd = open(l->v2_root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return bb_err(err, errno, "cannot open cgroup2 root %s: %s", l->v2_root,
			      errno_name(errno));
	n = cgroup_read_at(fd, l->v2_root, "cgroup.controllers", l->v2_controllers,
			   sizeof(l->v2_controllers), err);
	if (n >= 0)
		n = cgroup_read_at(fd, l->v2_root, "cgroup.subtree_control", l->v2_subtree_control,
				   sizeof(l->v2_subtree_control), err);
	close(fd);
	if (n < 0)
		return (int)n;
	l->v2_controllers[strcspn(l->v2_controllers, "\n")] = '\0';
	l->v2_subtree_control[strcspn(l->v2_subtree_control, "\n")] = '\0';
	for (int c = 0; c < CGROUP_NR_CTRLS; c++) {
		if (l->ctrl[c].where != CGROUP_NOWHERE ||
		    !cgroup_words_have(l->v2_controllers, ctrl_names[c]))
			continue;
		l->ctrl[c].where = CGROUP_ON_V2;
		snprintf(l->ctrl[c].root, CGROUP_PATH_MAX, "%s", l->v2_root);
		l->ctrl[c].v2_enabled = cgroup_words_have(l->v2_subtree_control, ctrl_names[c]);
	}
	return 0;
}

int cgroup_layout_detect(struct cgroup_layout *l, struct bb_error *err)
{
	char v2_seen[CGROUP_PATH_MAX] = "";
	long magic;
	int ret;

	memset(l, 0, sizeof(*l));
	ret = read_mountinfo(l, v2_seen, sizeof(v2_seen), err);
	if (ret)
		return ret;

	magic = fs_magic("/sys/fs/cgroup");
	if (magic < 0)
		return bb_err(err, (int)-magic,
			      "cannot statfs /sys/fs/cgroup: %s (mount sysfs on /sys and a cgroup "
			      "file system on /sys/fs/cgroup)",
			      errno_name((int)-magic));
	if (magic == CGROUP2_SUPER_MAGIC) {
		l->mode = CGROUP_V2;
		snprintf(l->v2_root, sizeof(l->v2_root), "/sys/fs/cgroup");
	} else if (fs_magic("/sys/fs/cgroup/unified") == CGROUP2_SUPER_MAGIC) {
		l->mode = CGROUP_HYBRID;
		snprintf(l->v2_root, sizeof(l->v2_root), "/sys/fs/cgroup/unified");
	} else if (v2_seen[0]) {
		/* cgroup2 mounted somewhere unusual: same mode, as its hierarchies go. */
		l->mode = l->nr_v1 ? CGROUP_HYBRID : CGROUP_V2;
		snprintf(l->v2_root, sizeof(l->v2_root), "%s", v2_seen);
	} else {
		l->mode = CGROUP_V1;
	}
	if (l->mode == CGROUP_V1 && !l->nr_v1)
		return bb_err(err, ENOENT,
			      "no cgroup file system is mounted (neither cgroup2 nor a v1 "
			      "hierarchy in /proc/self/mountinfo); mount one: mount -t cgroup2 "
			      "none /sys/fs/cgroup");
	if (l->v2_root[0])
		return read_v2_root(l, err);
	return 0;
}
