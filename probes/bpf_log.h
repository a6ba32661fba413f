/* libbpf prints to stderr by default; library code must not. This routes libbpf's messages
 * into a buffer so an error can quote the verifier's or the kernel's last word. */
#ifndef BOXBENCH_BPF_LOG_H
#define BOXBENCH_BPF_LOG_H

/* Installs the capturing print callback (idempotent). */
void bpf_log_capture(void);
/* The last warning libbpf emitted, one line, "" if none. */
const char *bpf_log_last(void);
void bpf_log_reset(void);

#endif
