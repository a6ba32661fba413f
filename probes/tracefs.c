/* Finding or mounting tracefs: see tracefs.h. */
#include "tracefs.h"

#include <errno.h>
#include <sys/mount.h>
#include <sys/vfs.h>

#define TRACEFS_MAGIC 0x74726163

bool tracefs_mounted(void)
{
	struct statfs st;

	return statfs(TRACEFS_PATH, &st) == 0 && st.f_type == TRACEFS_MAGIC;
}

int tracefs_ensure(bool *mounted_here, struct bb_error *err)
{
	if (mounted_here)
		*mounted_here = false;
	if (tracefs_mounted())
		return 0;
	if (mount("tracefs", TRACEFS_PATH, "tracefs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return bb_err(err, errno,
			      "cannot mount tracefs on %s: %s (tracepoint probes need it; raw_tp "
			      "and tp_btf probes do not)",
			      TRACEFS_PATH, errno_name(errno));
	if (mounted_here)
		*mounted_here = true;
	return 0;
}
