/* The cheap checks behind a driver's available(): see driver_check.h. */
#include "driver_check.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

static bool in_proc_filesystems(const char *fstype)
{
	FILE *f = fopen("/proc/filesystems", "re");
	char line[128];
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *name = strrchr(line, '\t');

		name = name ? name + 1 : line;
		name[strcspn(name, "\n")] = '\0';
		found = !strcmp(name, fstype);
	}
	fclose(f);
	return found;
}

static bool module_installed(const char *fstype)
{
	struct utsname u;
	char path[400], line[512], want[80];
	bool found = false;
	FILE *f;

	if (uname(&u) < 0)
		return false;
	snprintf(path, sizeof(path), "/lib/modules/%s/modules.dep", u.release);
	snprintf(want, sizeof(want), "/%s.ko", fstype);
	if (!(f = fopen(path, "re")))
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (colon) {
			*colon = '\0';
			found = strstr(line, want) != NULL;
		}
	}
	fclose(f);
	return found;
}

int fs_type_known(const char *fstype, const char *what, struct bb_error *err)
{
	if (in_proc_filesystems(fstype) || module_installed(fstype))
		return 0;
	return bb_err(err, ENODEV,
		      "the kernel has no %s file system (not in /proc/filesystems, no module): "
		      "needs %s",
		      fstype, what);
}

int tool_find(const char *tool, const char *package, char *path, size_t len, struct bb_error *err)
{
	const char *env = getenv("PATH");
	char dirs[2048];
	char *save = NULL;

	snprintf(dirs, sizeof(dirs), "%s:/usr/sbin:/sbin", env ? env : "/usr/bin:/bin");
	for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		if (!*d)
			continue;
		snprintf(path, len, "%s/%s", d, tool);
		if (access(path, X_OK) == 0)
			return 0;
	}
	path[0] = '\0';
	return bb_err(err, ENOENT, "%s is not installed (apt-get install %s, or scripts/deps.sh)",
		      tool, package);
}
