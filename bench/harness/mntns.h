/* The harness's own private mount namespace: every mount boxbench makes lives there, so even
 * kill -9 of boxbench leaves no mount on the host. */
#ifndef BOXBENCH_MNTNS_H
#define BOXBENCH_MNTNS_H

#include "common/error.h"

/* Moves the calling process (which must be single-threaded) into a new mount namespace in
 * which every mount is private. */
int mntns_enter_private(struct bb_error *err);

/* A tmpfs scratch dir: /tmp/boxbench-<tag>-<pid>.XXXXXX with a tmpfs on it (inside the private
 * namespace, so the tmpfs and its contents vanish with the namespace). */
struct scratch {
	char path[256];
	int mounted;
};

int scratch_create(struct scratch *s, const char *tag, struct bb_error *err);
/* Unmounts and removes the dir; safe to call on a zeroed or half-made scratch. */
void scratch_destroy(struct scratch *s);

#endif
