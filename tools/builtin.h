/* The subcommands of the boxbench command, one file each (tools/<name>.c), their table
 * (commands.c) and the usage helpers they share (usage.c). Each returns the process exit
 * status: 0 ok, 1 failure, 2 usage or input error. */
#ifndef BOXBENCH_BUILTIN_H
#define BOXBENCH_BUILTIN_H

#include <stddef.h>

#include "common/error.h"

#define EXIT_USAGE 2

int cmd_doctor(int argc, char **argv);
int cmd_start(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_cleanup(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_image(int argc, char **argv);
int cmd_inspect(int argc, char **argv);

/* commands.c: the dispatch table, the one list of what `boxbench <command>` accepts. */
struct subcommand {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary; /* one line for `boxbench --help` */
};

/* The subcommand named name ("run"); NULL if there is none. */
const struct subcommand *subcommand_find(const char *name);
/* The i-th subcommand in --help's order; NULL past the last. */
const struct subcommand *subcommand_at(size_t i);

/* usage.c. "boxbench SUB: unknown option '-x'; see 'boxbench SUB --help'" on stderr; returns
 * EXIT_USAGE. sub may be NULL (the command itself). */
int usage_error(const char *sub, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* What getopt_long's refusal means, in err: opt is its answer (':' for an option without its
 * value, which needs an optstring starting with ':'; anything else for an unknown option),
 * and argv[optind - 1] the option. With opt -1, getopt's end of options, argv[optind] is an
 * argument the subcommand does not take. Returns -EINVAL. */
int usage_option_error(int opt, char **argv, struct bb_error *err);

/* The same, printed as usage_error(sub, ...): returns EXIT_USAGE. For the `default:` of a
 * subcommand's getopt switch, and for a left-over argument (opt -1). */
int usage_bad_option(const char *sub, int opt, char **argv);

/* Whether we are root; if not, explains what needs root for `sub` and returns nonzero. */
int require_root(const char *sub, const char *why);

#endif
