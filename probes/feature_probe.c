/* Load, attach and fire one tiny program per attach kind: see feature_probe.h. */
#include "feature_probe.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bpf_log.h"
#include "probes/feature.skel.h"

static const char *const kind_names[ATTACH_KIND_MAX] = {
	[ATTACH_TRACEPOINT] = "tracepoint", [ATTACH_RAW_TP] = "raw_tp", [ATTACH_TP_BTF] = "tp_btf",
	[ATTACH_FENTRY] = "fentry",	    [ATTACH_FEXIT] = "fexit",	[ATTACH_KPROBE] = "kprobe",
	[ATTACH_KRETPROBE] = "kretprobe",
};

static const char *const stage_names[] = {
	[STAGE_OPEN] = "open", [STAGE_LOAD] = "load", [STAGE_ATTACH] = "attach",
	[STAGE_FIRE] = "fire", [STAGE_DONE] = "done",
};

const char *attach_kind_name(enum attach_kind kind)
{
	return kind < ATTACH_KIND_MAX ? kind_names[kind] : "unknown";
}

const char *attach_stage_name(enum attach_stage stage)
{
	return stage <= STAGE_DONE ? stage_names[stage] : "unknown";
}

static struct bpf_program *program_of(struct feature_bpf *skel, enum attach_kind kind)
{
	switch (kind) {
	case ATTACH_TRACEPOINT:
		return skel->progs.probe_tracepoint;
	case ATTACH_RAW_TP:
		return skel->progs.probe_raw_tp;
	case ATTACH_TP_BTF:
		return skel->progs.probe_tp_btf;
	case ATTACH_FENTRY:
		return skel->progs.probe_fentry;
	case ATTACH_FEXIT:
		return skel->progs.probe_fexit;
	case ATTACH_KPROBE:
		return skel->progs.probe_kprobe;
	case ATTACH_KRETPROBE:
		return skel->progs.probe_kretprobe;
	default:
		return NULL;
	}
}

static void fail(struct attach_result *res, enum attach_stage stage, int e)
{
	res->ok = false;
	res->stage = stage;
	res->err = e < 0 ? -e : e;
	snprintf(res->detail, sizeof(res->detail), "%s", bpf_log_last());
}

int attach_kind_try(enum attach_kind kind, struct attach_result *res, struct bb_error *err)
{
	struct bpf_program *prog, *want;
	struct feature_bpf *skel;
	struct bpf_link *link;
	int e;

	memset(res, 0, sizeof(*res));
	if (kind >= ATTACH_KIND_MAX)
		return bb_err(err, EINVAL, "unknown BPF attach kind %d", kind);
	bpf_log_capture();
	bpf_log_reset();

	skel = feature_bpf__open();
	if (!skel) {
		fail(res, STAGE_OPEN, errno);
		return 0;
	}
	want = program_of(skel, kind);
	bpf_object__for_each_program(prog, skel->obj) bpf_program__set_autoload(prog, prog == want);
	skel->rodata->target_tgid = (__u32)getpid();

	e = feature_bpf__load(skel);
	if (e) {
		fail(res, STAGE_LOAD, e);
		goto out;
	}
	link = bpf_program__attach(want);
	if (!link) {
		fail(res, STAGE_ATTACH, errno);
		goto out;
	}
	/* The event every program listens for: an unlinkat(2) of a name that does not exist. */
	unlinkat(AT_FDCWD, "/nonexistent/boxbench-feature-probe", 0);
	bpf_link__destroy(link);

	if (skel->bss->hits[kind] == 0) {
		fail(res, STAGE_FIRE, ENODATA);
		snprintf(res->detail, sizeof(res->detail),
			 "attached, but did not run when unlinkat(2) was called");
		goto out;
	}
	res->ok = true;
	res->stage = STAGE_DONE;
out:
	feature_bpf__destroy(skel);
	return 0;
}
