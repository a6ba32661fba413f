/* fork+exec with captured output: see spawn.h. */
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

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

int spawn_capture(char *const argv[], char *out, size_t outlen, struct bb_error *err)
{
	int pipefd[2], status, e;
	size_t used = 0;
	pid_t pid;

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
		int devnull = open("/dev/null", O_RDONLY);

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
	if (WIFSIGNALED(status))
		return bb_err(err, EINTR, "%s was killed by signal %d", argv[0], WTERMSIG(status));
	if (WEXITSTATUS(status) == 127)
		return bb_err(err, ENOENT,
			      "%s could not be run (not installed? run scripts/deps.sh)", argv[0]);
	return WEXITSTATUS(status);
}
