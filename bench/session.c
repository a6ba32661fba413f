/* A harness session's set-up and tear-down: see session.h. */
#include "session.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container.h"
#include "fsutil.h"
#include "mntns.h"

int session_open(struct session *s, const struct session_options *o, struct bb_error *err)
{
	const char *root = o->work_root ? o->work_root : SESSION_DEFAULT_WORK_ROOT;
	char name[64];
	int e;

	memset(s, 0, sizeof(*s));
	s->agent_fd = -1;
	snprintf(s->cache_dir, sizeof(s->cache_dir), "%s",
		 o->cache_dir ? o->cache_dir : SESSION_DEFAULT_CACHE_DIR);
	if ((e = mntns_enter_private(err)))
		return e;
	if ((s->agent_fd = container_open_agent(err)) < 0)
		return s->agent_fd;

	snprintf(s->workdir, sizeof(s->workdir), "%s/%s%d", root, SESSION_DIR_PREFIX,
		 (int)getpid());
	/* A dir with our pid can only be a dead run's whose pid came round again. */
	remove_tree(s->workdir, NULL);
	if (mkdir(s->workdir, 0755) < 0) {
		e = bb_err(err, errno,
			   "cannot create the work dir %s: %s (is %s writable? choose "
			   "another with --work-dir)",
			   s->workdir, errno_name(errno), root);
		s->workdir[0] = '\0';
		goto fail;
	}
	if (o->cgroups) {
		unsigned want = o->cgroup_want;

		if ((e = cgroup_layout_detect(&s->layout, err)))
			goto fail;
		/* A v2 group beside the v1 ones gives every container a cgroup id for the BPF
		 * probes to attribute events by. */
		if (s->layout.v2_root[0])
			want |= CGROUP_WANT_V2_GROUP;
		/* A v1-only host and no limits: there is no group worth making. */
		if (!want)
			return 0;
		snprintf(name, sizeof(name), "boxbench-%d", (int)getpid());
		if ((e = cgroup_run_create(&s->cgroups, &s->layout, name, want, err)))
			goto fail;
		s->have_cgroups = true;
	}
	return 0;
fail:
	session_close(s, NULL);
	return e;
}

int session_close(struct session *s, struct bb_error *err)
{
	struct bb_error local = { 0 };
	int e = 0, r;

	if (s->have_cgroups) {
		r = cgroup_run_destroy(&s->cgroups, &local);
		if (r && !e)
			e = bb_err(err, local.code, "%s", local.msg);
		s->have_cgroups = false;
	}
	if (s->workdir[0]) {
		r = remove_tree(s->workdir, &local);
		if (r && !e)
			e = bb_err(err, local.code, "%s", local.msg);
		s->workdir[0] = '\0';
	}
	if (s->agent_fd >= 0) {
		close(s->agent_fd);
		s->agent_fd = -1;
	}
	return e;
}
