/* The low-level pieces every layer shares, each once: the clone3 argument struct, the clock of
 * spans, the seeded PRNG, and fallbacks for constants older headers lack. Header-only, so the
 * static agent (harness/agent) takes it too. */
#ifndef BOXBENCH_SYS_H
#define BOXBENCH_SYS_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif
#ifndef CLONE_ARGS_SIZE_VER0
#define CLONE_ARGS_SIZE_VER0 64 /* flags..tls, Linux 5.3 */
#endif
#ifndef CLONE_ARGS_SIZE_VER2
#define CLONE_ARGS_SIZE_VER2 88 /* ..set_tid, set_tid_size, cgroup: Linux 5.7 */
#endif
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22 /* Linux 5.14; older kernels refuse it and fault as before */
#endif

/* The kernel's struct clone_args, size version 2, spelled out so that old <linux/sched.h>
 * headers, or their clash with glibc's <sched.h>, do not matter. */
struct bb_clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	uint64_t set_tid, set_tid_size, cgroup;
};

/* clone3(2) with the first size bytes of a: CLONE_ARGS_SIZE_VER2 (sizeof *a) for every field,
 * CLONE_ARGS_SIZE_VER0 for a call that uses none past tls. Returns as fork() does. */
static inline pid_t bb_clone3(struct bb_clone_args *a, size_t size)
{
	return (pid_t)syscall(SYS_clone3, a, size);
}

/* CLOCK_MONOTONIC in ns: the clock of spans, phases and bpf_ktime_get_ns(). */
static inline unsigned long long clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL + (unsigned long long)ts.tv_nsec;
}

/* The same clock in ms, for deadlines of waits. */
static inline long long clock_ms(void)
{
	return (long long)(clock_ns() / 1000000);
}

/* Sleeps ms milliseconds, through signals. */
static inline void sleep_ms(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* splitmix64: the seeded PRNG of layer stacks and of a run's order. Same seed, same sequence on
 * every host, so a stack of one seed is the same byte for byte. */
static inline unsigned long long splitmix64(unsigned long long *state)
{
	unsigned long long z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

#endif
