/* A list of the paths `boxbench cleanup` removed (or, in a dry run, would remove), filled by
 * each kind of leftover's finder: runs' dirs (harness/leftovers.c), imports
 * (image/image_leftovers.c). */
#ifndef BOXBENCH_LEFTOVER_LIST_H
#define BOXBENCH_LEFTOVER_LIST_H

#include <stddef.h>

struct leftover_list {
	char (*paths)[512];
	size_t n;
};

/* Appends path (cut at 511 bytes); -ENOMEM. */
int leftover_list_add(struct leftover_list *l, const char *path);
void leftover_list_free(struct leftover_list *l);

#endif
