/* The list of leftover paths: see leftover_list.h. */
#include "leftover_list.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

int leftover_list_add(struct leftover_list *l, const char *path)
{
	char(*grown)[512] = realloc(l->paths, (l->n + 1) * sizeof(*grown));

	if (!grown)
		return -ENOMEM;
	l->paths = grown;
	snprintf(l->paths[l->n++], sizeof(l->paths[0]), "%s", path);
	return 0;
}

void leftover_list_free(struct leftover_list *l)
{
	free(l->paths);
	l->paths = NULL;
	l->n = 0;
}
