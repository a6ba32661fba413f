/* The usage messages every subcommand shares (builtin.h): a usage error, getopt's refusals,
 * and the root check. Apart from main.c and the dispatch table, so that a subcommand calls
 * down into this file, never back into main. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "builtin.h"

int usage_error(const char *sub, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "boxbench%s%s: ", sub ? " " : "", sub ? sub : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "; see 'boxbench%s%s --help'\n", sub ? " " : "", sub ? sub : "");
	return EXIT_USAGE;
}

int usage_option_error(int opt, char **argv, struct bb_error *err)
{
	if (opt == -1)
		return bb_err(err, EINVAL, "unexpected argument '%s'", argv[optind]);
	if (opt == ':')
		return bb_err(err, EINVAL, "option '%s' needs a value", argv[optind - 1]);
	return bb_err(err, EINVAL, "unknown option '%s'", argv[optind - 1]);
}

int usage_bad_option(const char *sub, int opt, char **argv)
{
	struct bb_error err = { 0 };

	usage_option_error(opt, argv, &err);
	return usage_error(sub, "%s", err.msg);
}

int require_root(const char *sub, const char *why)
{
	if (geteuid() == 0)
		return 0;
	fprintf(stderr,
		"boxbench %s: needs root: %s. Run it as root (e.g. 'sudo boxbench %s'); it changes "
		"nothing on the host.\n",
		sub, why, sub);
	return 1;
}
