/* boxbench doctor: what this kernel lets boxbench measure and how, each answer found by
 * trying it (load and attach a program, mount an overlay) in a private mount namespace. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "builtin.h"
#include "doctor/doctor.h"
#include "doctor/doctor_claims.h"
#include "harness/mntns.h"
#include "storage/driver.h"

static const char doctor_help[] =
	"usage: boxbench doctor [--json]\n"
	"\n"
	"Tries, on this kernel, everything boxbench's measurements depend on and says what\n"
	"each answer means: BTF and tracefs; which BPF attach kinds load, attach and fire\n"
	"(tracepoint, raw_tp, tp_btf, fentry/fexit, kprobe/kretprobe); the cgroup mode and\n"
	"which controllers work on which hierarchy; overlayfs and its options, both mount\n"
	"APIs, data-only layers and the most layers each API mounts; backing file systems\n"
	"for loop images; fuse-overlayfs; erofs; crun and runc. The probes group is the\n"
	"plan '--probe-mode auto' follows here: which source times each metric.\n"
	"\n"
	"Everything runs in a private mount namespace on a tmpfs scratch dir and is undone\n"
	"before it exits: no mount, cgroup, file or BPF program is left behind. Needs root.\n"
	"\n"
	"options:\n"
	"  --json     one JSON object: {\"boxbench\": {...}, \"<group>\": {\"<check>\": {\"ok\",\n"
	"             \"value\", \"errno\", \"means\", \"detail\"}}}; keys are stable\n"
	"             (documented in results/README.md)\n"
	"  -h, --help this text\n"
	"\n"
	"exit status: 0 report made, 1 could not run (e.g. not root), 2 usage error\n";

/* A claim names a driver of the driver table or a subcommand of the dispatch table, or is
 * left out: doctor tells of nothing that does not exist. */
static bool claim_exists(enum claim_kind kind, const char *name)
{
	if (kind == CLAIM_DRIVER)
		return driver_find(name) != NULL;
	return subcommand_find(name) != NULL;
}

static json_t *checks_to_json(const struct check_list *list)
{
	json_t *root = json_object(), *meta = json_object();
	char means[CHECK_MEANS_MAX];

	json_object_set_new(meta, "version", json_string(BOXBENCH_VERSION));
	json_object_set_new(meta, "commit", json_string(BOXBENCH_COMMIT));
	json_object_set_new(root, "boxbench", meta);
	for (size_t i = 0; i < list->n; i++) {
		const struct check *c = &list->items[i];
		json_t *group = json_object_get(root, c->group), *item = json_object();

		if (!group) {
			group = json_object();
			json_object_set_new(root, c->group, group);
		}
		json_object_set_new(item, "ok", json_boolean(c->ok));
		json_object_set_new(item, "value",
				    c->has_num ? json_integer(c->num) : json_string(c->value));
		json_object_set_new(item, "errno",
				    c->err ? json_string(errno_name(c->err)) : json_null());
		check_means(c, claim_exists, means, sizeof(means));
		json_object_set_new(item, "means", json_string(means));
		json_object_set_new(item, "detail", json_string(c->detail));
		json_object_set_new(group, c->name, item);
	}
	return root;
}

static void print_text(const struct check_list *list)
{
	char means[CHECK_MEANS_MAX];
	const char *group = "";

	printf("boxbench doctor: what this kernel lets boxbench measure\n");
	for (size_t i = 0; i < list->n; i++) {
		const struct check *c = &list->items[i];
		char value[200];

		if (strcmp(group, c->group)) {
			group = c->group;
			printf("\n%s\n", group);
		}
		if (c->err)
			snprintf(value, sizeof(value), "%s (%s)", c->value, errno_name(c->err));
		else
			snprintf(value, sizeof(value), "%s", c->value);
		printf("  %-20s %-22s", c->name, value);
		check_means(c, claim_exists, means, sizeof(means));
		if (means[0])
			printf(" → %s", means);
		printf("\n");
		if (c->detail[0])
			printf("  %-20s %-22s   (%s)\n", "", "", c->detail);
	}
}

typedef int (*probe_fn)(struct check_list *, struct bb_error *);
typedef int (*scratch_probe_fn)(struct check_list *, const char *, struct bb_error *);

static int run_probes(struct check_list *list, struct bb_error *err)
{
	static const probe_fn plain[] = { doctor_kernel_probe, doctor_bpf_probe,
					  doctor_probes_probe, doctor_cgroup_probe };
	static const scratch_probe_fn in_scratch[] = { doctor_overlay_probe, doctor_fs_probe,
						       doctor_drivers_probe };
	struct scratch scratch;
	int e;

	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		e = plain[i](list, err);
		if (e)
			return e;
	}
	e = scratch_create(&scratch, "doctor", err);
	if (e)
		return e;
	for (size_t i = 0; i < sizeof(in_scratch) / sizeof(in_scratch[0]) && !e; i++)
		e = in_scratch[i](list, scratch.path, err);
	scratch_destroy(&scratch);
	if (e)
		return e;
	return doctor_runtime_probe(list, err);
}

int cmd_doctor(int argc, char **argv)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct check_list list = { 0 };
	struct bb_error err = { 0 };
	bool json = false;
	int opt, status = 0;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = true;
			break;
		case 'h':
			fputs(doctor_help, stdout);
			return 0;
		default:
			return usage_bad_option("doctor", opt, argv);
		}
	}
	if (optind < argc)
		return usage_bad_option("doctor", -1, argv);
	if (require_root("doctor", "it loads BPF programs, mounts overlays and creates cgroups "
				   "to see what works (CAP_SYS_ADMIN, CAP_BPF)"))
		return 1;

	if (mntns_enter_private(&err) || run_probes(&list, &err)) {
		fprintf(stderr, "boxbench doctor: %s\n", err.msg);
		status = 1;
		goto out;
	}
	if (json) {
		json_t *root = checks_to_json(&list);

		json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
		json_decref(root);
	} else {
		print_text(&list);
	}
out:
	check_list_free(&list);
	return status;
}
