/* Settling between blocks: see run_settle.h. */
#include "run_settle.h"

#include <errno.h>
#include <linux/membarrier.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* One term: "gp", "3gp", "5ms", "250us". */
static int parse_term(const char *t, size_t len, struct run_settle *out)
{
	char buf[32], *end;
	unsigned long v = 1;

	if (!len || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, t, len);
	buf[len] = '\0';
	if (buf[0] >= '0' && buf[0] <= '9') {
		errno = 0;
		v = strtoul(buf, &end, 10);
		if (errno || v > 100000)
			return -EINVAL;
	} else {
		end = buf;
	}
	if (!strcmp(end, "gp"))
		out->grace_periods += (unsigned)v;
	else if (!strcmp(end, "ms") && end != buf)
		out->sleep_us += (unsigned)v * 1000;
	else if (!strcmp(end, "us") && end != buf)
		out->sleep_us += (unsigned)v;
	else
		return -EINVAL;
	return 0;
}

int run_settle_parse(const char *what, const char *text, struct run_settle *out,
		     struct bb_error *err)
{
	const char *p = text;

	memset(out, 0, sizeof(*out));
	if (!strcmp(text, "none"))
		return 0;
	for (;;) {
		size_t len = strcspn(p, "+");

		if (parse_term(p, len, out) < 0)
			return bb_err(err, EINVAL,
				      "%s: cannot read '%s': give none, or grace periods and a "
				      "sleep joined by '+' (gp, 2gp, 5ms, gp+2ms, 500us)",
				      what, text);
		if (!p[len])
			return 0;
		p += len + 1;
	}
}

void run_settle_name(const struct run_settle *s, char *buf, size_t len)
{
	char gp[16] = "", sl[24] = "";

	if (!s->grace_periods && !s->sleep_us) {
		snprintf(buf, len, "none");
		return;
	}
	if (s->grace_periods == 1)
		snprintf(gp, sizeof(gp), "gp");
	else if (s->grace_periods)
		snprintf(gp, sizeof(gp), "%ugp", s->grace_periods);
	if (s->sleep_us % 1000 == 0 && s->sleep_us)
		snprintf(sl, sizeof(sl), "%ums", s->sleep_us / 1000);
	else if (s->sleep_us)
		snprintf(sl, sizeof(sl), "%uus", s->sleep_us);
	snprintf(buf, len, "%s%s%s", gp, *gp && *sl ? "+" : "", sl);
}

int run_settle_wait(const struct run_settle *s)
{
	struct timespec ts = { s->sleep_us / 1000000, (long)(s->sleep_us % 1000000) * 1000 };

	for (unsigned i = 0; i < s->grace_periods; i++)
		if (syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0) < 0)
			return -errno;
	/* A signal ends the sleep early: the run loop then looks at its stop flag. */
	if (s->sleep_us)
		nanosleep(&ts, NULL);
	return 0;
}
