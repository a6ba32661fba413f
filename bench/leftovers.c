/* Finding and removing dead runs' dirs: see leftovers.h. */
#include "leftovers.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"

int leftover_pid(const char *name)
{
	const char *p, *digits;
	char *end;
	long pid;

	if (!strncmp(name, "boxbench-", 9)) {
		/* boxbench-<what>-<pid> or boxbench-<what>-<pid>.XXXXXX */
		const char *dot = strchr(name, '.');
		size_t len = dot ? (size_t)(dot - name) : strlen(name);

		for (p = name + len; p > name && p[-1] != '-'; p--)
			;
		digits = p;
		if (digits == name + len)
			return -1;
		pid = strtol(digits, &end, 10);
		return end == name + len && pid > 0 ? (int)pid : -1;
	}
	p = strstr(name, ".building.");
	if (p) {
		pid = strtol(p + 10, &end, 10);
		return !*end && pid > 0 ? (int)pid : -1;
	}
	return -1;
}

/* A zombie still answers kill(pid, 0) but holds nothing: it counts as dead. */
static bool pid_alive(int pid)
{
	char path[32], stat[256], *paren;

	if (kill(pid, 0) < 0 && errno != EPERM)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_file(path, stat, sizeof(stat), NULL) < 0)
		return false;
	paren = strrchr(stat, ')');
	return !(paren && (paren[2] == 'Z' || paren[2] == 'X'));
}

int leftover_list_add(struct leftover_list *l, const char *path)
{
	char(*grown)[512] = realloc(l->paths, (l->n + 1) * sizeof(*grown));

	if (!grown)
		return -ENOMEM;
	l->paths = grown;
	snprintf(l->paths[l->n++], sizeof(l->paths[0]), "%s", path);
	return 0;
}

int leftovers_remove(const char *dir, bool dry_run, struct leftover_list *found,
		     struct bb_error *err)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int e = 0;

	if (!d)
		return errno == ENOENT
			       ? 0
			       : bb_err(err, errno, "cannot list %s: %s", dir, errno_name(errno));
	while ((de = readdir(d)) && !e) {
		char path[512];
		int pid = leftover_pid(de->d_name);

		if (pid < 0 || pid_alive(pid))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (!dry_run && (e = remove_tree(path, err)))
			break;
		if (leftover_list_add(found, path) < 0)
			e = bb_err(err, ENOMEM, "out of memory listing leftovers");
	}
	closedir(d);
	return e;
}

void leftover_list_free(struct leftover_list *l)
{
	free(l->paths);
	l->paths = NULL;
	l->n = 0;
}
