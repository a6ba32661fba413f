/* The words of doctor's claims (doctor_check.h): one function turns a check's fact and claims
 * into the sentence the report prints, leaving out every claim whose driver or subcommand
 * does not exist. */
#ifndef BOXBENCH_DOCTOR_CLAIMS_H
#define BOXBENCH_DOCTOR_CLAIMS_H

#include <stdbool.h>
#include <stddef.h>

#include "doctor_check.h"

/* Whether the storage driver or subcommand of that name exists. The caller knows: the driver
 * table is storage's, the dispatch table the boxbench command's. */
typedef bool (*claim_exists_fn)(enum claim_kind kind, const char *name);

/* Room for a fact and CHECK_MAX_CLAIMS sentences. */
#define CHECK_MEANS_MAX 1024

/* Writes the check's fact, then "; <sentence>" for each claim whose target exists: "the
 * driver:overlay cases run", "`boxbench trace` can time crun starts". A claim of a driver or
 * subcommand that does not exist adds nothing. Truncates to len (> 0). */
void check_means(const struct check *c, claim_exists_fn exists, char *buf, size_t len);

#endif
