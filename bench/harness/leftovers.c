/* Finding and removing dead runs' dirs: see leftovers.h. */
#include "leftovers.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fsutil.h"
#include "storage/loopdev.h"
#include "inspect/mountinfo.h"

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

#define PF_EXITING 0x00000004 /* include/linux/sched.h: the task is in do_exit() */

/* A zombie still answers kill(pid, 0) but holds nothing, and a task in do_exit() (its private
 * namespace being torn down, a file system written back) is past its last own step: both
 * count as dead. */
static bool pid_alive(int pid)
{
	char path[32], stat[512], *paren, state = '?';
	unsigned flags = 0;

	if (kill(pid, 0) < 0 && errno != EPERM)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_file(path, stat, sizeof(stat), NULL) < 0)
		return false;
	paren = strrchr(stat, ')');
	if (!paren || sscanf(paren + 1, " %c %*d %*d %*d %*d %*d %u", &state, &flags) != 2)
		return true;
	return state != 'Z' && state != 'X' && !(flags & PF_EXITING);
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

/* ---- loop devices -------------------------------------------------------------------- */

/* The run a loop device belongs to: the pid in the first boxbench-<what>-<pid> component of
 * its image's path (boxbench-ext4-<pid>.XXXXXX.img, /var/tmp/boxbench-run-<pid>/...). 0 when
 * the path has a boxbench- component but no pid (an older boxbench's image); -1 when it is
 * not boxbench's at all. */
static int loop_owner(const char *path)
{
	char buf[4096], *save = NULL;
	int owner = -1;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *t = strtok_r(buf, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
		int pid;

		if (strncmp(t, "boxbench-", 9))
			continue;
		if ((pid = leftover_pid(t)) > 0)
			return pid;
		owner = 0;
	}
	return owner;
}

struct ns_seen {
	unsigned long long ino[256];
	size_t n;
};

/* Whether mountinfo (of some process) has a mount of device major:minor. */
static bool mountinfo_has_dev(const char *mountinfo, unsigned major, unsigned minor)
{
	char line[8192];
	bool found = false;
	FILE *f = fopen(mountinfo, "re");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		struct mountinfo_entry e;

		if (mountinfo_parse_line(line, &e, NULL) < 0)
			continue;
		found = e.major == major && e.minor == minor;
		mountinfo_entry_free(&e);
	}
	fclose(f);
	return found;
}

/* A live process whose mount namespace has the device mounted: "pid 123 (boxbench-agent)".
 * Each namespace is read once; one whose process is exiting is going with it. False when no
 * namespace a live process is in has it. */
static bool loop_mounted_by(const struct loopdev_info *lo, char *who, size_t len)
{
	struct ns_seen *seen = calloc(1, sizeof(*seen));
	DIR *d = opendir("/proc");
	struct dirent *de;
	bool found = false;

	while (seen && d && !found && (de = readdir(d))) {
		char path[64], comm[32] = "?";
		int pid = atoi(de->d_name);
		struct stat st;
		size_t i;

		snprintf(path, sizeof(path), "/proc/%d/ns/mnt", pid);
		if (pid <= 0 || stat(path, &st) < 0 || !pid_alive(pid))
			continue;
		for (i = 0; i < seen->n && seen->ino[i] != st.st_ino; i++)
			;
		if (i < seen->n)
			continue;
		if (seen->n < sizeof(seen->ino) / sizeof(seen->ino[0]))
			seen->ino[seen->n++] = st.st_ino;
		snprintf(path, sizeof(path), "/proc/%d/mountinfo", pid);
		if (!mountinfo_has_dev(path, lo->major, lo->minor))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/comm", pid);
		if (read_file(path, comm, sizeof(comm), NULL) > 0)
			comm[strcspn(comm, "\n")] = '\0';
		snprintf(who, len, "pid %d (%s)", pid, comm);
		found = true;
	}
	if (d)
		closedir(d);
	free(seen);
	return found;
}

struct loop_scan {
	bool dry_run;
	struct leftover_loop_list *found;
};

/* How long a dead run's device may take to go by itself: its namespace's last process writes
 * the file system back as it exits (about half a second here after building stacks). */
#define LOOP_SETTLE_MS 5000

static void loop_try_detach(const struct loopdev_info *lo, struct leftover_loop *l)
{
	char who[64];
	int r;

	/* Mounted in a live namespace: the device goes when that mount does, not before. */
	if (loop_mounted_by(lo, who, sizeof(who))) {
		loopdev_clear(lo->nr, 0);
		snprintf(l->why, sizeof(l->why),
			 "still mounted in the mount namespace of %s: it goes when that "
			 "namespace's last process exits (or the mount is unmounted there)",
			 who);
		return;
	}
	r = loopdev_clear(lo->nr, LOOP_SETTLE_MS);
	if (r == 0)
		l->detached = true;
	else if (r == -EBUSY)
		snprintf(l->why, sizeof(l->why),
			 "still held after %d s, though no process has it mounted: by an open "
			 "file (lsof %s), or by a mount in no namespace (unmounted lazily, or "
			 "the image of another loop device is on it: losetup -l); it goes when "
			 "that does",
			 LOOP_SETTLE_MS / 1000, l->device);
	else
		snprintf(l->why, sizeof(l->why), "LOOP_CLR_FD on it failed: %s", errno_name(-r));
}

static int loop_leftover(const struct loopdev_info *lo, void *arg)
{
	struct loop_scan *scan = arg;
	struct leftover_loop_list *found = scan->found;
	struct leftover_loop *grown, *l;
	int pid = loop_owner(lo->backing);

	/* lo_file_name keeps the whole path the attacher gave (where backing_file may show only
	 * the part below a mount that is in no namespace), but cut at 63 characters: it counts
	 * only when whole. */
	if (pid <= 0 && strlen(lo->name) < sizeof(lo->name) - 1 && loop_owner(lo->name) > 0)
		pid = loop_owner(lo->name);
	if (pid < 0 || (pid > 0 && pid_alive(pid)))
		return 0;
	grown = realloc(found->items, (found->n + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	found->items = grown;
	l = &found->items[found->n++];
	memset(l, 0, sizeof(*l));
	snprintf(l->device, sizeof(l->device), "/dev/loop%d", lo->nr);
	snprintf(l->backing, sizeof(l->backing), "%s", lo->backing);
	l->pid = pid;
	if (!pid)
		snprintf(l->why, sizeof(l->why),
			 "its image names no run (an older boxbench's?), so whether that run "
			 "still lives is unknown: left alone (losetup -d %s once no boxbench runs)",
			 l->device);
	else if (!scan->dry_run)
		loop_try_detach(lo, l);
	return 0;
}

int leftover_loops_remove(bool dry_run, struct leftover_loop_list *found, struct bb_error *err)
{
	struct loop_scan scan = { dry_run, found };
	int r = loopdev_each(loop_leftover, &scan);

	if (r < 0)
		return bb_err(err, -r, "cannot list the loop devices in /sys/block: %s",
			      errno_name(-r));
	return 0;
}

void leftover_loop_list_free(struct leftover_loop_list *l)
{
	free(l->items);
	l->items = NULL;
	l->n = 0;
}
