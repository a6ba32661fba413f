/* Captures libbpf's messages: see bpf_log.h. */
#include "bpf_log.h"

#include <bpf/libbpf.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static char last[512];

static int capture(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[sizeof(last)];
	size_t len;

	if (level == LIBBPF_DEBUG)
		return 0;
	vsnprintf(line, sizeof(line), fmt, ap);
	len = strlen(line);
	while (len && (line[len - 1] == '\n' || line[len - 1] == ' '))
		line[--len] = '\0';
	/* The summary lines libbpf adds after a failure say less than the line before them. */
	if (len && last[0] &&
	    (strstr(line, "failed to load BPF skeleton") || strstr(line, "failed to load object")))
		return 0;
	if (len)
		memcpy(last, line, len + 1);
	return 0;
}

void bpf_log_capture(void)
{
	libbpf_set_print(capture);
}

const char *bpf_log_last(void)
{
	return last;
}

void bpf_log_reset(void)
{
	last[0] = '\0';
}
