/* Parsing what users type: sizes ("64M"), counts, namespace lists ("mnt,pid" or "all"). */
#ifndef BOXBENCH_PARSE_H
#define BOXBENCH_PARSE_H

#include <stdbool.h>

#include "error.h"

/* "4096", "4K", "64KiB", "1M", "16MiB", "1G": binary multiples. what names the option. */
int parse_size(const char *s, const char *what, unsigned long long *out, struct bb_error *err);
/* A whole number within [min, max]. */
int parse_uint(const char *s, const char *what, unsigned long long min, unsigned long long max,
	       unsigned long long *out, struct bb_error *err);
/* "mnt,uts,ipc,net,pid,user,cgroup,time", "all" (every one but user), "none"; *userns is set
 * when "user" is listed (a user namespace takes uid maps, not just a flag). */
int parse_namespaces(const char *s, unsigned long *flags, bool *userns, struct bb_error *err);
/* The inverse, for reports: "mnt,uts,..." */
void namespaces_describe(unsigned long flags, bool userns, char *buf, unsigned len);

#endif
