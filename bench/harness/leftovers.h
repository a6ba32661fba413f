/* What killed runs leave behind on the host, found and removed for `boxbench cleanup`: work
 * and scratch dirs named boxbench-<what>-<pid>[.XXXXXX], half-built stacks
 * <key>.building.<pid>, and loop devices whose image is such a run's, whose pid no longer
 * runs. A live run's things are never touched (they may hold mounts in its private namespace).
 * Cgroups are cgroup_cleanup_leftovers()'. */
#ifndef BOXBENCH_LEFTOVERS_H
#define BOXBENCH_LEFTOVERS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "common/leftover_list.h"

/* The pid a leftover's name carries, or -1 if the name is not one of boxbench's. */
int leftover_pid(const char *name);

/* Removes (or with dry_run only lists) the dead runs' dirs directly below dir; every path
 * found is appended to found. A dir that does not exist holds no leftovers. */
int leftovers_remove(const char *dir, bool dry_run, struct leftover_list *found,
		     struct bb_error *err);

/* A dead run's loop device, and what became of it. */
struct leftover_loop {
	char device[32]; /* /dev/loopN */
	char backing[512]; /* its image, as /sys/block/loopN/loop/backing_file shows it */
	int pid; /* the run that made it; 0 when its image does not say */
	bool detached;
	char why[400]; /* when not detached (and not a dry run): what holds it, what to do */
};

struct leftover_loop_list {
	struct leftover_loop *items;
	size_t n;
};

/* Lists the loop devices whose image is a dead run's and, unless dry_run, detaches each:
 * at once when nothing holds it, or after the file system on it is written back by the last
 * process of its namespace as that exits (waited for, up to a few seconds). One still held
 * (mounted in a live process's namespace, say) is listed with why. A device whose image has
 * boxbench's name but no pid is listed and left alone. */
int leftover_loops_remove(bool dry_run, struct leftover_loop_list *found, struct bb_error *err);
void leftover_loop_list_free(struct leftover_loop_list *l);

#endif
