/* The "runtime" group of `boxbench doctor`: which OCI runtimes (crun, runc) run here, their
 * versions, and whether they take this host's cgroup layout. */
#include "doctor.h"

#include <errno.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/statfs.h>

#include "common/fsutil.h"
#include "common/spawn.h"

#define GROUP "runtime"

/* The controllers on the v2 side of a hybrid host (tmpfs at /sys/fs/cgroup, cgroup2 at
 * unified, as crun tells the modes apart), e.g. "hugetlb"; "" on any other host. */
static void hybrid_v2_controllers(char *buf, size_t len)
{
	struct statfs root, unified;

	buf[0] = '\0';
	if (statfs("/sys/fs/cgroup", &root) || root.f_type != TMPFS_MAGIC ||
	    statfs("/sys/fs/cgroup/unified", &unified) || unified.f_type != CGROUP2_SUPER_MAGIC)
		return;
	if (read_file("/sys/fs/cgroup/unified/cgroup.controllers", buf, len, NULL) < 0)
		buf[0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

/* refused_by: the v2 controllers of a hybrid host, which this runtime refuses to run on. */
static int probe_runtime(struct check_list *out, const char *prog, const char *refused_by)
{
	char *const argv[] = { (char *)prog, "--version", NULL };
	char text[1024], version[32], means[256];
	struct bb_error e = { 0 };
	int rc;

	rc = spawn_capture(argv, text, sizeof(text), &e);
	if (rc == 0 && text_version(text, NULL, version, sizeof(version))) {
		/* Seen with crun 1.8.1: "cgroups in hybrid mode not supported, drop all controllers
		 * from cgroupv2"; with the v2 mount out of sight it takes the host for plain v1. */
		if (refused_by && refused_by[0])
			snprintf(
				means, sizeof(means),
				"%1$s %2$s runs; it refuses this hybrid host (%3$.40s on cgroup v2) "
				"unless /sys/fs/cgroup/unified is unmounted in its mount namespace",
				prog, version, refused_by);
		else
			snprintf(means, sizeof(means), "%s %s runs", prog, version);
		if (check_add(out, GROUP, prog, true, 0, means, "%s", version))
			return -ENOMEM;
		return check_claim(out, CLAIM_COMMAND, "trace", "can time %s starts", prog);
	}
	if (rc == 0)
		bb_err(&e, EPROTO, "no version in the first line of `%s --version`: %.100s", prog,
		       text);
	else if (rc > 0)
		bb_err(&e, EIO, "`%s --version` failed (exit %d)", prog, rc);
	snprintf(means, sizeof(means), "%s does not run here", prog);
	if (check_add(out, GROUP, prog, false, e.code, means, "no"))
		return -ENOMEM;
	check_detail(out, "%s",
		     e.code == ENOENT ? "not installed; scripts/deps.sh installs it" : e.msg);
	return check_claim(out, CLAIM_COMMAND, "trace", "cannot time %s starts here", prog);
}

int doctor_runtime_probe(struct check_list *out, struct bb_error *err)
{
	char v2[128];
	int e;

	hybrid_v2_controllers(v2, sizeof(v2));
	e = probe_runtime(out, "crun", v2);
	/* runc 1.1 runs on hybrid hosts as they are. */
	if (!e)
		e = probe_runtime(out, "runc", NULL);
	if (e)
		return bb_err(err, e, "cannot record the runtime checks: %s", errno_name(e));
	return 0;
}
