/* Parsing what users type: see parse.h. */
#include "parse.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const struct {
	const char *name;
	unsigned long flag;
} ns_table[] = {
	{ "mnt", CLONE_NEWNS },	   { "uts", CLONE_NEWUTS }, { "ipc", CLONE_NEWIPC },
	{ "net", CLONE_NEWNET },   { "pid", CLONE_NEWPID }, { "cgroup", CLONE_NEWCGROUP },
	{ "time", CLONE_NEWTIME },
};

int parse_size(const char *s, const char *what, unsigned long long *out, struct bb_error *err)
{
	static const struct {
		const char *suffix;
		unsigned shift;
	} units[] = { { "", 0 },     { "B", 0 },  { "K", 10 },	 { "KiB", 10 }, { "M", 20 },
		      { "MiB", 20 }, { "G", 30 }, { "GiB", 30 }, { "T", 40 },	{ "TiB", 40 } };
	unsigned long long v;
	char *end;

	if (!s || !*s || *s == '-')
		goto bad;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		goto bad;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcasecmp(end, units[i].suffix))
			continue;
		if (units[i].shift && v > (~0ULL >> units[i].shift))
			goto bad;
		*out = v << units[i].shift;
		return 0;
	}
bad:
	return bb_err(err, EINVAL,
		      "%s: '%s' is not a size; give bytes or a number with K, M or G "
		      "(e.g. 64M)",
		      what, s ? s : "");
}

int parse_uint(const char *s, const char *what, unsigned long long min, unsigned long long max,
	       unsigned long long *out, struct bb_error *err)
{
	unsigned long long v;
	char *end;

	errno = 0;
	if (!s || !*s || *s == '-')
		goto bad;
	v = strtoull(s, &end, 0);
	if (errno || *end || v < min || v > max)
		goto bad;
	*out = v;
	return 0;
bad:
	return bb_err(err, EINVAL, "%s: '%s' is not a whole number from %llu to %llu", what,
		      s ? s : "", min, max);
}

int parse_namespaces(const char *s, unsigned long *flags, bool *userns, struct bb_error *err)
{
	char buf[256], *save = NULL;

	*flags = 0;
	*userns = false;
	if (!strcmp(s, "none"))
		return 0;
	if (!strcmp(s, "all")) {
		for (size_t i = 0; i < sizeof(ns_table) / sizeof(ns_table[0]); i++)
			*flags |= ns_table[i].flag;
		return 0;
	}
	snprintf(buf, sizeof(buf), "%s", s);
	for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		bool known = false;

		if (!strcmp(tok, "user")) {
			*userns = true;
			continue;
		}
		if (!strcmp(tok, "all")) {
			unsigned long all;
			bool u;

			parse_namespaces("all", &all, &u, NULL);
			*flags |= all;
			continue;
		}
		for (size_t i = 0; i < sizeof(ns_table) / sizeof(ns_table[0]); i++) {
			if (!strcmp(tok, ns_table[i].name)) {
				*flags |= ns_table[i].flag;
				known = true;
			}
		}
		if (!known)
			return bb_err(
				err, EINVAL,
				"unknown namespace '%s': choose from mnt, uts, ipc, net, pid, "
				"user, cgroup, time, or all",
				tok);
	}
	return 0;
}

void namespaces_describe(unsigned long flags, bool userns, char *buf, unsigned len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(ns_table) / sizeof(ns_table[0]); i++)
		if (flags & ns_table[i].flag)
			used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s%s",
						 used ? "," : "", ns_table[i].name);
	if (userns)
		snprintf(buf + used, used < len ? len - used : 0, "%suser", used ? "," : "");
	if (!buf[0])
		snprintf(buf, len, "none");
}
