/* fork+exec with captured output: see spawn.h. */
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "stop.h"

bool text_version(const char *text, const char *label, char *buf, size_t len)
{
	const char *line = label ? strstr(text, label) : text, *v;
	size_t n;

	if (!line)
		return false;
	v = strstr(line, "version");
	if (!v || memchr(line, '\n', (size_t)(v - line)))
		return false;
	v += strcspn(v, "0123456789\n");
	n = strspn(v, "0123456789.");
	while (n && v[n - 1] == '.')
		n--;
	if (!n || n >= len)
		return false;
	memcpy(buf, v, n);
	buf[n] = '\0';
	return true;
}

void spawn_die_with_parent(pid_t parent)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* The harness may have died before the prctl: then the child is an orphan already. */
	if (getppid() != parent)
		_exit(127);
}

/* Waits until out_fd has data or hangs up, or a stop is asked for (false). */
static bool wait_output(int out_fd)
{
	struct pollfd p[2] = { { .fd = out_fd, .events = POLLIN },
			       { .fd = stop_fd(), .events = POLLIN } };

	while (!stop_requested()) {
		int r = poll(p, 2, -1);

		/* A poll that cannot wait leaves it to the read. */
		if ((r > 0 && p[0].revents) || (r < 0 && errno != EINTR))
			return true;
	}
	return false;
}

int spawn_capture(char *const argv[], char *out, size_t outlen, struct bb_error *err)
{
	int pipefd[2], status, e;
	pid_t pid, parent = getpid();
	size_t used = 0;
	bool stopped = false;

	if (out && outlen)
		out[0] = '\0';
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return bb_err(err, errno, "cannot create a pipe to run %s: %s", argv[0],
			      errno_name(errno));
	pid = fork();
	if (pid < 0) {
		e = errno;
		close(pipefd[0]);
		close(pipefd[1]);
		return bb_err(err, e, "cannot fork to run %s: %s", argv[0], errno_name(e));
	}
	if (pid == 0) {
		int devnull;

		spawn_die_with_parent(parent);
		devnull = open("/dev/null", O_RDONLY);
		if (devnull >= 0)
			dup2(devnull, 0);
		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		execvp(argv[0], argv);
		dprintf(2, "exec %s: %s", argv[0], strerror(errno));
		_exit(127);
	}
	close(pipefd[1]);
	for (;;) {
		char sink[512];
		char *dst = sink;
		size_t room = sizeof(sink);
		ssize_t n;

		if (out && used + 1 < outlen) {
			dst = out + used;
			room = outlen - used - 1;
		}
		if (!wait_output(pipefd[0])) {
			stopped = true;
			kill(pid, SIGKILL);
			break;
		}
		n = read(pipefd[0], dst, room);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (dst != sink) {
			used += (size_t)n;
			out[used] = '\0';
		}
	}
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return bb_err(err, errno, "cannot wait for %s: %s", argv[0],
				      errno_name(errno));
	if (stopped)
		return bb_err(err, EINTR, "%s was killed: stopped by %s", argv[0],
			      stop_signal_name());
	if (WIFSIGNALED(status))
		return bb_err(err, EINTR, "%s was killed by signal %d", argv[0], WTERMSIG(status));
	if (WEXITSTATUS(status) == 127)
		return bb_err(err, ENOENT,
			      "%s could not be run (not installed? run scripts/deps.sh)", argv[0]);
	return WEXITSTATUS(status);
}
