/* A capability report: one line per thing boxbench tried on this kernel, with what the
 * answer means for its measurements. Filled by the doctor_*.c probes, printed by tools/doctor.c. */
#ifndef BOXBENCH_DOCTOR_CHECK_H
#define BOXBENCH_DOCTOR_CHECK_H

#include <stdbool.h>
#include <stddef.h>

/* What an answer means for a storage driver or a subcommand by name: doctor words it only if
 * that driver or subcommand exists (doctor_claims.h), so the report follows the driver table
 * and the dispatch table, and a claim about one still to come appears once it lands. */
enum claim_kind {
	CLAIM_DRIVER, /* "the driver:<name> cases <what>" */
	CLAIM_COMMAND, /* "`boxbench <name>` <what>" */
};

struct claim {
	enum claim_kind kind;
	char name[24]; /* "overlay", "fuse-overlayfs"; "trace" */
	char what[96]; /* "run", "are skipped"; "can time crun starts" */
};

#define CHECK_MAX_CLAIMS 4

struct check {
	char group[16]; /* "bpf", "overlay", ...: the JSON object it lands in */
	char name[32]; /* "fentry": the key inside that object */
	bool ok; /* it worked (or, for plain facts, it could be read) */
	int err; /* positive errno of the failure; 0 if none or not an errno */
	bool has_num; /* value is a number (num), not text */
	long long num;
	char value[160]; /* "yes", "no", "6.18.44", "hybrid", "1.8.1", ... */
	char means[256]; /* what this means for boxbench, one short clause: the fact alone */
	char detail[256]; /* how it failed (stage, the kernel's or libbpf's last word); may be "" */
	struct claim claims[CHECK_MAX_CLAIMS]; /* what it means for drivers and subcommands */
	size_t n_claims;
};

struct check_list {
	struct check *items;
	size_t n, cap;
};

/* Appends a check; value is printf-formatted. Returns 0 or -ENOMEM. */
int check_add(struct check_list *list, const char *group, const char *name, bool ok, int err,
	      const char *means, const char *value_fmt, ...) __attribute__((format(printf, 7, 8)));

/* Appends a numeric check (e.g. the most layers that mount). */
int check_add_num(struct check_list *list, const char *group, const char *name, bool ok, int err,
		  const char *means, long long num);

/* Sets the detail of the check added last. */
void check_detail(struct check_list *list, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Adds a claim to the check added last; what is printf-formatted. Returns 0, or -ENOSPC when
 * that check has CHECK_MAX_CLAIMS already (or -EINVAL when there is no check). */
int check_claim(struct check_list *list, enum claim_kind kind, const char *name,
		const char *what_fmt, ...) __attribute__((format(printf, 4, 5)));

const struct check *check_find(const struct check_list *list, const char *group, const char *name);

void check_list_free(struct check_list *list);

#endif
