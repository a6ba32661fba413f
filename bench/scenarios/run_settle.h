/* Letting the kernel's deferred work finish between blocks of iterations, outside every timed
 * span: RCU callbacks and grace periods (a dropped mount, a namespace's last reference), the
 * net namespace cleanup workqueue, cgroup offlining, delayed fput and mntput. What one case
 * leaves behind would otherwise land on whatever runs next. A settle is a number of RCU grace
 * periods waited for (membarrier(MEMBARRIER_CMD_GLOBAL) returns after one), then a sleep that
 * leaves the CPUs to the workqueues and softirqs that run the callbacks. */
#ifndef BOXBENCH_RUN_SETTLE_H
#define BOXBENCH_RUN_SETTLE_H

#include <stddef.h>

#include "common/error.h"

struct run_settle {
	unsigned grace_periods;
	unsigned sleep_us;
};

/* "none", "gp", "2gp", "5ms", "gp+2ms", "500us", ...: into *out. -EINVAL with a message. */
int run_settle_parse(const char *what, const char *text, struct run_settle *out,
		     struct bb_error *err);

/* "gp+2ms", "none": what the results' context records. */
void run_settle_name(const struct run_settle *s, char *buf, size_t len);

/* Waits as s says; 0, or a negative errno when membarrier fails (no grace period waited). */
int run_settle_wait(const struct run_settle *s);

#endif
