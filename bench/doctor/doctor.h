/* The capability probes behind `boxbench doctor`. Each tries things for real on this kernel
 * and appends one check per thing to the list. They expect to run as root, inside the private
 * mount namespace (mntns_enter_private), and those taking `scratch` do their work in that
 * tmpfs dir. Each returns 0 once it has reported (a "no" is a report, not an error), or a
 * negative errno when it could not try at all. */
#ifndef BOXBENCH_DOCTOR_H
#define BOXBENCH_DOCTOR_H

#include "doctor_check.h"
#include "common/error.h"

int doctor_kernel_probe(struct check_list *out, struct bb_error *err);
int doctor_bpf_probe(struct check_list *out, struct bb_error *err);
/* What --probe-mode auto picks, per metric (group "probes"). */
int doctor_probes_probe(struct check_list *out, struct bb_error *err);
int doctor_cgroup_probe(struct check_list *out, struct bb_error *err);
int doctor_overlay_probe(struct check_list *out, const char *scratch, struct bb_error *err);
int doctor_fs_probe(struct check_list *out, const char *scratch, struct bb_error *err);
/* Each storage driver tried on a depth-2 stack (group "driver"). */
int doctor_drivers_probe(struct check_list *out, const char *scratch, struct bb_error *err);
int doctor_runtime_probe(struct check_list *out, struct bb_error *err);

#endif
