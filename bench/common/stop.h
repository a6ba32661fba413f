/* Stopping a long command on Ctrl-C, SIGTERM or SIGHUP without losing what it did: the handler
 * only notes the signal; the loops that can take long ask stop_requested() between steps (never
 * inside a timed span), and waits on a child also wait on stop_fd(), so a child stuck in a long
 * step is killed instead of holding the stop up. The caller then keeps what was measured,
 * removes everything it made and exits with stop_exit_status(). */
#ifndef BOXBENCH_STOP_H
#define BOXBENCH_STOP_H

#include <stdbool.h>

/* Catches SIGINT, SIGTERM and SIGHUP from here on, without SA_RESTART, so a blocking call
 * returns EINTR. A signal that is ignored on entry (nohup's SIGHUP, SIGINT of a background
 * job) stays ignored. Returns 0 or a negative errno. */
int stop_signals_catch(void);

/* The signal that asked to stop, or 0. */
int stop_signal(void);

static inline bool stop_requested(void)
{
	return stop_signal() != 0;
}

/* Readable once a stop is asked for; -1 before stop_signals_catch(). */
int stop_fd(void);

/* "SIGINT", "SIGTERM", "SIGHUP"; "" when no stop was asked for. */
const char *stop_signal_name(void);

/* 128 + the signal, as a shell reports a command the signal killed: 130, 143, 129. */
int stop_exit_status(void);

#endif
