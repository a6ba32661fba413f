/* The agent's wire format, shared by bench/agent/agent.c (inside the container) and
 * bench/container.c (the harness). One text line per event, each under PIPE_BUF so a write
 * is atomic:
 *   op <name> <rc> <errno> <start_ns> <end_ns> <value>\n
 * rc is 0 or -1, errno the failure's errno (0 if none), times are CLOCK_MONOTONIC, value an
 * op-specific number (bytes, count, ...). The first line is "start <ns>", the time of the
 * agent's first instruction; the last is "done <ns>". */
#ifndef BOXBENCH_AGENT_PROTOCOL_H
#define BOXBENCH_AGENT_PROTOCOL_H

#include <stdint.h>

#define AGENT_FD_ENV	  "BOXBENCH_REPORT_FD" /* the report pipe's fd number */
#define AGENT_SELF_FD_ENV "BOXBENCH_SELF_FD" /* an fd of the agent binary, for the exec op */
#define AGENT_LINE_MAX	  256

/* The ns scenario's clone3 worker: argv[1] "ns-clone3:<flags>:<release fd>", the report fd in
 * AGENT_FD_ENV. It calls clone3() with <flags> from the agent's own small, fixed address space,
 * not the harness's, whose size (and so the cost of copying it) depends on the rest of the run.
 * It reports in binary struct agent_ns_msg records, each one write(2) under PIPE_BUF: first
 * "ready" (err set if it cannot go on), then, once <release fd> reads EOF, the clone3's times.
 * The ns scenario's unshare workers send the same records. */
#define AGENT_NS_CLONE3 "ns-clone3:"

struct agent_ns_msg {
	int32_t pid;
	int32_t err; /* errno of the failed step, 0 if none */
	uint64_t t0, t1;
	char step[24]; /* the failed step: "setns", "unshare", "clone3", "exec" */
};

/* Operations, given as argv words "<name>[:<arg>]":
 *   stat:PATH     fstatat(2) of PATH (lookup cost)
 *   open-w:PATH   open(2) for write of PATH (copy-up on overlay)
 *   truncate:PATH truncate(2) to its own size (copy-up)
 *   chmod:PATH    chmod(2) 0644 (metadata copy-up)
 *   readdir:PATH  open and list PATH; value = entries
 *   exec          re-exec the agent (exec cost); value = 0
 *   alloc:BYTES   allocate and touch BYTES of memory (memory limit)
 *   fork:N        fork N children that wait; value = how many forks worked (pids limit);
 *                 N up to 4194304 (the kernel's most pids), else E2BIG; not a number: EINVAL
 *   hostname      value = length; the name itself on a "hostname <name>" line
 *   rootfs        the file system type of / from /proc/self/mountinfo on a "rootfs <type>" line
 *   pid           value = getpid() (1 in a new pid namespace)
 *   uid           value = getuid() (0 inside a user namespace)
 *   mntns         value = the inode of the agent's mount namespace
 *   sleep:MS      sleep MS milliseconds (for tests that kill things midway)
 */

#endif
