/* Deciding what the kernel lets boxbench attach, by really loading, attaching and firing a
 * tiny program of each kind (never by reading kallsyms or the config, which lie when
 * trampolines are forbidden). */
#ifndef BOXBENCH_FEATURE_PROBE_H
#define BOXBENCH_FEATURE_PROBE_H

#include <stdbool.h>

#include "common/error.h"
#include "feature.h"

enum attach_stage {
	STAGE_OPEN, /* the object could not even be opened (BTF missing?) */
	STAGE_LOAD, /* the kernel refused the program */
	STAGE_ATTACH, /* loaded, but attaching failed */
	STAGE_FIRE, /* attached, but never ran when its event happened */
	STAGE_DONE, /* works */
};

struct attach_result {
	bool ok;
	int err; /* positive errno of the failing stage, 0 when ok */
	enum attach_stage stage;
	char detail[256]; /* libbpf's last word on the failure, if any */
};

const char *attach_kind_name(enum attach_kind kind);
const char *attach_stage_name(enum attach_stage stage);

/* Tries one attach kind. Returns 0 when the try itself could be made (the verdict is in
 * *res, which may well be "no"), or a negative errno when it could not be made at all. */
int attach_kind_try(enum attach_kind kind, struct attach_result *res, struct bb_error *err);

#endif
