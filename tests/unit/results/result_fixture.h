/* For the results unit tests: a result file made from a string, in a memfd (nothing on disk
 * to clean up), read by the one reader as a subcommand would read it. */
#ifndef BOXBENCH_TEST_RESULT_FIXTURE_H
#define BOXBENCH_TEST_RESULT_FIXTURE_H

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "results/result.h"

/* Loads json as result_load(path, need, ...) would a file holding it; path gets the file's
 * name (/proc/self/fd/N), for messages. Returns result_load's value. */
static inline int fixture_load(const char *json, unsigned need, struct result *r,
			       struct bb_error *err, char *path, size_t path_len)
{
	int fd = memfd_create("result", MFD_CLOEXEC), ret;
	size_t len = strlen(json);

	if (fd < 0 || write(fd, json, len) != (ssize_t)len) {
		if (fd >= 0)
			close(fd);
		return -EIO;
	}
	snprintf(path, path_len, "/proc/self/fd/%d", fd);
	ret = result_load(path, need, r, err);
	close(fd);
	return ret;
}

#endif
