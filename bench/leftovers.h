/* What killed runs leave behind on the host, found and removed for `boxbench cleanup`: work
 * and scratch dirs named boxbench-<what>-<pid>[.XXXXXX], and half-built stacks
 * <key>.building.<pid>, whose pid no longer runs. A live run's dirs are never touched (they
 * may hold mounts in its private namespace). Cgroups are cgroup_cleanup_leftovers()'. */
#ifndef BOXBENCH_LEFTOVERS_H
#define BOXBENCH_LEFTOVERS_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

struct leftover_list {
	char (*paths)[512];
	size_t n;
};

/* The pid a leftover's name carries, or -1 if the name is not one of boxbench's. */
int leftover_pid(const char *name);

/* Removes (or with dry_run only lists) the dead runs' dirs directly below dir; every path
 * found is appended to found. A dir that does not exist holds no leftovers. */
int leftovers_remove(const char *dir, bool dry_run, struct leftover_list *found,
		     struct bb_error *err);
/* Appends path (cut at 511 bytes); -ENOMEM. */
int leftover_list_add(struct leftover_list *l, const char *path);
void leftover_list_free(struct leftover_list *l);

#endif
