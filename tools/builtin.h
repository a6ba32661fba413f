/* The subcommands of the boxbench command, one file each (tools/<name>.c). Each returns the
 * process exit status: 0 ok, 1 failure, 2 usage or input error. */
#ifndef BOXBENCH_BUILTIN_H
#define BOXBENCH_BUILTIN_H

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

/* Shared by the subcommands: "boxbench SUB: unknown option '-x'; see 'boxbench SUB --help'". */
int usage_error(const char *sub, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Whether we are root; if not, explains what needs root for `sub` and returns nonzero. */
int require_root(const char *sub, const char *why);

#endif
