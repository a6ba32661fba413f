/* boxbench-agent: the static program the harness executes as a container's first process. It
 * performs the operations named on its command line, timing each from inside the container,
 * and reports over the pipe named by BOXBENCH_REPORT_FD (see protocol.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/sys.h"
#include "protocol.h"

static int report_fd = -1;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char line[AGENT_LINE_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > 0 && report_fd >= 0)
		(void)!write(report_fd, line,
			     (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

static void report_op(const char *name, int rc, int err, unsigned long long t0,
		      unsigned long long t1, long long value)
{
	say("op %s %d %d %llu %llu %lld\n", name, rc, rc < 0 ? err : 0, t0, t1, value);
}

/* "64M" style sizes: the agent has no libboxbench, so it parses its own. */
static unsigned long long size_arg(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);

	switch (*end) {
	case 'k':
	case 'K':
		return v << 10;
	case 'm':
	case 'M':
		return v << 20;
	case 'g':
	case 'G':
		return v << 30;
	default:
		return v;
	}
}

static int op_readdir(const char *path, long long *entries)
{
	DIR *d = opendir(path);
	struct dirent *de;

	if (!d)
		return -1;
	*entries = 0;
	while ((de = readdir(d)))
		(*entries)++;
	closedir(d);
	return 0;
}

static int op_alloc(unsigned long long bytes)
{
	char *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -1;
	/* Touch every page: the memory limit counts pages used, not address space. */
	for (unsigned long long off = 0; off < bytes; off += 4096)
		p[off] = 1;
	munmap(p, bytes);
	return 0;
}

/* The kernel's most pids (PID_MAX_LIMIT on 64-bit): more forks than that cannot be. */
#define FORK_MAX (4 * 1024 * 1024)

/* Forks n children that block on a pipe, then releases and reaps them all. */
static int op_fork(const char *arg, long long *made)
{
	char *end;
	long n = strtol(arg, &end, 10);
	int gate[2], saved = 0;
	pid_t *pids;

	*made = 0;
	if (end == arg || *end || n < 0 || n > FORK_MAX) {
		errno = n > FORK_MAX ? E2BIG : EINVAL;
		return -1;
	}
	pids = malloc((size_t)(n ? n : 1) * sizeof(*pids));
	if (!pids)
		return -1;
	if (pipe(gate) < 0) {
		saved = errno;
		free(pids);
		errno = saved;
		return -1;
	}
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			saved = errno;
			break;
		}
		if (pid == 0) {
			char c;

			close(gate[1]);
			(void)!read(gate[0], &c, 1);
			_exit(0);
		}
		pids[(*made)++] = pid;
	}
	close(gate[0]);
	close(gate[1]);
	for (long long i = 0; i < *made; i++)
		waitpid(pids[i], NULL, 0);
	free(pids);
	errno = saved;
	return saved ? -1 : 0;
}

static int op_rootfs(char *type, size_t len)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[1024], mnt[512], fstype[64];
	int rc = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *dash = strstr(line, " - ");

		if (!dash || sscanf(line, "%*s %*s %*s %*s %511s", mnt) != 1)
			continue;
		if (strcmp(mnt, "/") || sscanf(dash + 3, "%63s", fstype) != 1)
			continue;
		snprintf(type, len, "%s", fstype); /* the last "/" entry is the one in effect */
		rc = 0;
	}
	fclose(f);
	if (rc < 0)
		errno = ENOENT;
	return rc;
}

static unsigned long long agent_start;

/* The ns scenario's clone3 worker (protocol.h): one clone3, the child leaving at once. */
static int ns_clone3_worker(const char *spec)
{
	struct agent_ns_msg m = { .pid = getpid() };
	unsigned long long flags = strtoull(spec, NULL, 0);
	const char *colon = strchr(spec, ':');
	int release = colon ? atoi(colon + 1) : -1;
	struct bb_clone_args a = { .flags = flags, .exit_signal = SIGCHLD };
	long r;
	char b;

	/* The wrapper's page and the syscall's path, once, outside the span: EFAULT. */
	bb_clone3(NULL, 0);
	if (write(report_fd, &m, sizeof(m)) != sizeof(m))
		return 1;
	while (read(release, &b, 1) < 0 && errno == EINTR)
		;
	m.t0 = clock_ns();
	/* Size version 0, as this scenario has always passed: the kernel copies 64 bytes. */
	r = bb_clone3(&a, CLONE_ARGS_SIZE_VER0);
	if (r == 0)
		_exit(0);
	m.t1 = clock_ns();
	if (r < 0) {
		m.err = errno;
		snprintf(m.step, sizeof(m.step), "clone3");
	}
	if (write(report_fd, &m, sizeof(m)) != sizeof(m))
		return 1;
	if (r > 0)
		while (waitpid((pid_t)r, NULL, 0) < 0 && errno == EINTR)
			;
	return m.err ? 1 : 0;
}

/* Runs argv[i]; the exec op never returns when it works: the new image runs argv[i+1..]. */
static int run_op(int i, int argc, char **argv, char **envp)
{
	const char *word = argv[i];
	char name[32], arg[200] = "";
	const char *colon = strchr(word, ':');
	unsigned long long t0, t1;
	long long value = 0;
	int rc = 0, e;

	snprintf(name, sizeof(name), "%.*s", colon ? (int)(colon - word) : (int)strlen(word), word);
	if (colon)
		snprintf(arg, sizeof(arg), "%s", colon + 1);

	t0 = clock_ns();
	if (!strcmp(name, "stat")) {
		struct stat st;

		rc = fstatat(AT_FDCWD, arg, &st, AT_SYMLINK_NOFOLLOW);
	} else if (!strcmp(name, "open-w")) {
		int fd = open(arg, O_WRONLY | O_CLOEXEC);

		rc = fd < 0 ? -1 : 0;
		if (fd >= 0)
			close(fd);
	} else if (!strcmp(name, "truncate")) {
		struct stat st;

		rc = stat(arg, &st);
		t0 = clock_ns(); /* time the truncate alone */
		if (rc == 0)
			rc = truncate(arg, st.st_size);
	} else if (!strcmp(name, "chmod")) {
		rc = chmod(arg, 0644);
	} else if (!strcmp(name, "readdir")) {
		rc = op_readdir(arg, &value);
	} else if (!strcmp(name, "alloc")) {
		value = (long long)size_arg(arg);
		rc = op_alloc((unsigned long long)value);
	} else if (!strcmp(name, "fork")) {
		rc = op_fork(arg, &value);
	} else if (!strcmp(name, "pid")) {
		value = getpid();
	} else if (!strcmp(name, "uid")) {
		value = getuid();
	} else if (!strcmp(name, "mntns")) {
		struct stat st;

		rc = stat("/proc/self/ns/mnt", &st);
		value = (long long)st.st_ino;
	} else if (!strcmp(name, "sleep")) {
		usleep((useconds_t)strtoul(arg, NULL, 0) * 1000);
	} else if (!strcmp(name, "hostname")) {
		char host[65] = "";

		rc = gethostname(host, sizeof(host) - 1);
		value = (long long)strlen(host);
		t1 = clock_ns();
		e = errno;
		say("hostname %s\n", host);
		report_op(name, rc, e, t0, t1, value);
		return 0;
	} else if (!strcmp(name, "rootfs")) {
		char type[64] = "?";

		rc = op_rootfs(type, sizeof(type));
		t1 = clock_ns();
		e = errno;
		say("rootfs %s\n", type);
		report_op(name, rc, e, t0, t1, value);
		return 0;
	} else if (!strcmp(name, "exec")) {
		const char *self = getenv(AGENT_SELF_FD_ENV);
		char landed[64], *next[256];
		int n = 0;

		/* The new image reports the exec, ending at its own first instruction. */
		snprintf(landed, sizeof(landed), "exec-landed:%llu", t0);
		next[n++] = argv[0];
		next[n++] = landed;
		for (int j = i + 1; j < argc && n < 255; j++)
			next[n++] = argv[j];
		next[n] = NULL;
		syscall(SYS_execveat, self ? atoi(self) : -1, "", next, envp, AT_EMPTY_PATH);
		rc = -1;
	} else if (!strcmp(name, "exec-landed")) {
		report_op("exec", 0, 0, strtoull(arg, NULL, 10), agent_start, 0);
		return 0;
	} else {
		errno = EINVAL;
		rc = -1;
	}
	e = errno;
	t1 = clock_ns();
	report_op(name, rc, e, t0, t1, value);
	return 0;
}

int main(int argc, char **argv, char **envp)
{
	const char *fd = getenv(AGENT_FD_ENV);

	agent_start = clock_ns();

	if (!fd) {
		fprintf(stderr, "boxbench-agent: runs inside containers started by boxbench; "
				"it is not meant to be run by hand\n");
		return 2;
	}
	report_fd = atoi(fd);
	if (argc > 1 && !strncmp(argv[1], AGENT_NS_CLONE3, strlen(AGENT_NS_CLONE3)))
		return ns_clone3_worker(argv[1] + strlen(AGENT_NS_CLONE3));
	/* A re-executed agent is the same container process: it does not start over. */
	if (argc < 2 || strncmp(argv[1], "exec-landed:", 12))
		say("start %llu\n", agent_start);
	for (int i = 1; i < argc; i++)
		run_op(i, argc, argv, envp);
	say("done %llu\n", clock_ns());
	return 0;
}
