/* What the cgroup files share (cgroup.c, cgroup_mode.c, cgroup_v1.c, cgroup_v2.c): reading and
 * writing a group's files with messages that say why a write was refused, flat-keyed values,
 * OOM counts, and emptying a group by SIGKILL to each listed task. See cgroup_internal.h. */
#include "cgroup_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/sys.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

/* Tasks handled per round of emptying; a bigger group just takes more rounds. */
#define KILL_BATCH 512

/* Why a cgroup file refused, and what to do, for the message's parenthesis. */
const char *cgroup_hint(const char *file, int e)
{
	if (e == EACCES || e == EPERM)
		return "boxbench needs root with CAP_SYS_ADMIN over this cgroup tree; run it as "
		       "root";
	if (e == EROFS)
		return "the cgroup file system is mounted read-only, as in most containers; run "
		       "boxbench on the host";
	if (!strcmp(file, "cgroup.subtree_control")) {
		if (e == EBUSY)
			return "the group has processes of its own, and v2 gives controllers only "
			       "to groups without them; move those processes into a child group";
		if (e == ENOENT)
			return "the controller is not in the group's cgroup.controllers: its "
			       "parent does not delegate it";
		if (e == EINVAL)
			return "for cpu: realtime tasks outside the root group block it while "
			       "CONFIG_RT_GROUP_SCHED is on";
	}
	if (!strcmp(file, "cgroup.procs")) {
		if (e == ESRCH)
			return "the process is gone";
		if (e == EBUSY || e == EOPNOTSUPP)
			return "v2 puts processes only in groups that give no controller to groups "
			       "below (no internal processes)";
		if (e == ENOSPC)
			return "a v1 cpuset group needs cpuset.cpus and cpuset.mems set first";
	}
	if (!strncmp(file, "memory.", 7) && e == EBUSY)
		return "the group already uses more than the new limit and the kernel cannot "
		       "reclaim it; raise the limit or set it before attaching";
	if (!strcmp(file, "memory.memsw.limit_in_bytes") && e == EINVAL)
		return "it must be at least memory.limit_in_bytes";
	if (!strncmp(file, "cpu.", 4) && e == EINVAL)
		return "the quota must be at least 1000 us, the period 1000..1000000 us, and both "
		       "within the parent's";
	if (e == ENOENT)
		return "the file is missing: the controller is not enabled for this group";
	if (e == ENODEV)
		return "the group was removed meanwhile";
	return strerror(e);
}

int cgroup_write_at(int dirfd, const char *dir, const char *file, const char *value,
		    const char *what, struct bb_error *err)
{
	size_t len = strlen(value);
	ssize_t n;
	int fd, e;

	fd = openat(dirfd, file, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		goto fail;
	}
	n = write(fd, value, len);
	e = n < 0 ? errno : EIO;
	close(fd);
	if (n == (ssize_t)len)
		return 0;
fail:
	return bb_err(err, e, "cannot %s: %s/%s: %s (%s)", what, dir, file, errno_name(e),
		      cgroup_hint(file, e));
}

long cgroup_read_at(int dirfd, const char *dir, const char *file, char *buf, size_t len,
		    struct bb_error *err)
{
	size_t got = 0;
	ssize_t n;
	int fd, e;

	fd = openat(dirfd, file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		return bb_err(err, e, "cannot read %s/%s: %s (%s)", dir, file, errno_name(e),
			      cgroup_hint(file, e));
	}
	while (got + 1 < len && (n = read(fd, buf + got, len - 1 - got)) != 0) {
		if (n < 0) {
			e = errno;
			close(fd);
			return bb_err(err, e, "cannot read %s/%s: %s", dir, file, errno_name(e));
		}
		got += n;
	}
	close(fd);
	buf[got] = '\0';
	return (long)got;
}

int cgroup_keyed_value(const char *text, const char *key, unsigned long long *val)
{
	size_t n = strlen(key);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, n) && p[n] == ' ')
			return sscanf(p + n + 1, "%llu", val) == 1 ? 0 : -EINVAL;
	return -ENOENT;
}

bool cgroup_file_exists(int dirfd, const char *file)
{
	return faccessat(dirfd, file, F_OK, 0) == 0;
}

bool cgroup_words_have(const char *words, const char *tok)
{
	size_t n = strlen(tok);

	for (const char *p = words; (p = strstr(p, tok)); p += n)
		if ((p == words || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\n' || p[n] == '\0'))
			return true;
	return false;
}

long cgroup_read_pids(int dirfd, const char *dir, pid_t *pids, size_t max, struct bb_error *err)
{
	size_t n = 0;
	FILE *f;
	int fd, pid;

	fd = openat(dirfd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || !(f = fdopen(fd, "r"))) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		return bb_err(err, e, "cannot read %s/cgroup.procs: %s", dir, errno_name(e));
	}
	while (n < max && fscanf(f, "%d", &pid) == 1)
		pids[n++] = pid;
	fclose(f);
	return (long)n;
}

int cgroup_oom_killed_at(int dirfd, const char *dir, const char *file, const char *hint,
			 bool *killed, struct bb_error *err)
{
	unsigned long long n;
	char buf[256];
	long len;

	len = cgroup_read_at(dirfd, dir, file, buf, sizeof(buf), err);
	if (len < 0)
		return (int)len;
	if (cgroup_keyed_value(buf, "oom_kill", &n))
		return bb_err(err, EOPNOTSUPP,
			      "cannot tell OOM kills: %s/%s has no oom_kill line%s", dir, file,
			      hint);
	*killed = n > 0;
	return 0;
}

static bool listed(const pid_t *pids, long n, pid_t pid)
{
	for (long i = 0; i < n; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

/* SIGKILLs the listed tasks, guarding against pid reuse: a pidfd pins the process a pid named
 * when it was opened, and only those still listed after the pidfds exist are signalled, so a
 * pid that left the group and was reused outside it is never hit. */
static int kill_round(int dirfd, const char *dir, const pid_t *pids, long n, struct bb_error *err)
{
	pid_t again[KILL_BATCH];
	int pidfds[KILL_BATCH];
	bool no_pidfd = false;
	long m;

	for (long i = 0; i < n; i++) {
		pidfds[i] = (int)syscall(SYS_pidfd_open, pids[i], 0);
		if (pidfds[i] < 0 && errno == ENOSYS)
			no_pidfd = true;
	}
	m = cgroup_read_pids(dirfd, dir, again, KILL_BATCH, err);
	for (long i = 0; i < n; i++) {
		if (m > 0 && listed(again, m, pids[i])) {
			if (pidfds[i] >= 0)
				syscall(SYS_pidfd_send_signal, pidfds[i], SIGKILL, NULL, 0);
			else if (no_pidfd) /* before 5.3: kill(), with its pid-reuse race */
				kill(pids[i], SIGKILL);
		}
		if (pidfds[i] >= 0)
			close(pidfds[i]);
	}
	return m < 0 ? (int)m : 0;
}

int cgroup_kill_listed(int dirfd, const char *dir, struct bb_error *err)
{
	long long deadline = clock_ms() + CGROUP_EMPTY_TIMEOUT_MS;
	pid_t pids[KILL_BATCH];
	int delay = 1, ret;
	long n;

	for (;;) {
		n = cgroup_read_pids(dirfd, dir, pids, KILL_BATCH, err);
		if (n <= 0)
			return (int)n;
		if (listed(pids, n, getpid()))
			return bb_err(
				err, EBUSY,
				"boxbench itself (pid %d) is in cgroup %s and will not kill "
				"itself; move it out (echo %d > <hierarchy root>/cgroup.procs) "
				"and retry",
				(int)getpid(), dir, (int)getpid());
		if (clock_ms() > deadline)
			return bb_err(
				err, EBUSY,
				"tasks in %s/cgroup.procs (pid %d first) outlived SIGKILL for "
				"%d s, stuck in the kernel (D state?); retry `boxbench cleanup` "
				"once they are gone",
				dir, (int)pids[0], CGROUP_EMPTY_TIMEOUT_MS / 1000);
		ret = kill_round(dirfd, dir, pids, n, err);
		if (ret)
			return ret;
		sleep_ms(delay);
		delay = delay < 32 ? delay * 2 : delay;
	}
}
