/* Facts about the machine a result was measured on, for its context: CPU, kernel config
 * flags that change the numbers, the file system under the layers. */
#ifndef BOXBENCH_HOST_INFO_H
#define BOXBENCH_HOST_INFO_H

#include <stddef.h>

/* The first "cpu MHz" of /proc/cpuinfo, rounded; 0 when the kernel does not say. */
int host_mhz_per_cpu(void);
/* "ext4", "xfs", "btrfs", "tmpfs", ... for the file system holding path (or, while path does
 * not exist yet, its nearest existing parent); "unknown". */
const char *host_fs_name(const char *path);

/* The kernel config flags that matter to boxbench, from /proc/config.gz or
 * /boot/config-<release>: calls fn for each (name, value) found; returns where they came
 * from ("/proc/config.gz"), or NULL when neither exists. */
const char *host_kernel_config(void (*fn)(void *arg, const char *name, const char *value),
			       void *arg);

#endif
