/* boxbench cleanup: removes what killed runs left on the host: cgroups named boxbench-<pid>,
 * work and scratch dirs, half-built stacks. A live run's things are never touched. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "builtin.h"
#include "harness/cgroup.h"
#include "common/fsutil.h"
#include "image/image_leftovers.h"
#include "harness/leftovers.h"
#include "harness/session.h"

static const char cleanup_help[] =
	"usage: boxbench cleanup [--work-dir DIR] [--cache-dir DIR] [--cache] [--dry-run] [--json]\n"
	"\n"
	"A run that is killed (kill -9, a crash, a lost CI job) cannot clean up after itself.\n"
	"Its mounts die with its private mount namespace, and its containers and the storage\n"
	"drivers' fuse-overlayfs daemons with it (they are bound to it by PR_SET_PDEATHSIG);\n"
	"the btrfs and erofs images of the btrfs and composefs drivers are in its work dir.\n"
	"What can stay behind is removed here:\n"
	"  - cgroups named boxbench-<pid> that no live run holds (every hierarchy, v1 and v2)\n"
	"  - work dirs " SESSION_DEFAULT_WORK_ROOT "/" SESSION_DIR_PREFIX
	"<pid> (or below --work-dir)\n"
	"  - scratch dirs /tmp/boxbench-<what>-<pid>.*\n"
	"  - half-built layer stacks in the cache (<key>.building.<pid>)\n"
	"  - what a killed 'image import' left in its DEST (DEST/l, and DEST if it made it)\n"
	"  - loop devices whose image is such a run's (boxbench-<fs>-<pid>.*.img, or one in\n"
	"    its work dir): detached, after waiting a few seconds for the file system on one\n"
	"    to be written back by the last process of the run's namespace as it exits; one\n"
	"    that something still holds (a mount in a live process's namespace) is named\n"
	"    with what holds it\n"
	"A thing whose pid still runs belongs to a live run and is left alone.\n"
	"\n"
	"options:\n"
	"  --work-dir DIR    also look below DIR (as given to 'boxbench start --work-dir')\n"
	"  --cache-dir DIR   the stack cache to look in (default " SESSION_DEFAULT_CACHE_DIR ")\n"
	"  --cache           also remove the whole stack cache (stacks are rebuilt on demand)\n"
	"  --dry-run         list what would be removed, remove nothing\n"
	"  --json            {\"cgroups_removed\": N, \"dirs\": [...], \"loops\": [{device,\n"
	"                    backing, pid, detached, why}], \"cache_removed\": bool}\n"
	"  -h, --help        this text\n"
	"\n"
	"exit status: 0 done, 1 something could not be removed, 2 usage error. Needs root.\n";

static void print_loops(const struct leftover_loop_list *loops, bool dry)
{
	for (size_t i = 0; i < loops->n; i++) {
		const struct leftover_loop *l = &loops->items[i];
		char run[32] = "";

		if (l->pid)
			snprintf(run, sizeof(run), ", run %d", l->pid);
		if (dry && l->pid)
			printf("would detach %s (%s%s)\n", l->device, l->backing, run);
		else if (l->detached)
			printf("detached %s (%s%s)\n", l->device, l->backing, run);
		else if (l->pid)
			fprintf(stderr, "boxbench cleanup: cannot detach %s (%s%s): %s\n",
				l->device, l->backing, run, l->why);
		else
			printf("left %s (%s): %s\n", l->device, l->backing, l->why);
	}
}

static json_t *loops_json(const struct leftover_loop_list *loops)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < loops->n; i++) {
		const struct leftover_loop *l = &loops->items[i];

		json_array_append_new(arr,
				      json_pack("{s:s,s:s,s:i,s:b,s:s?}", "device", l->device,
						"backing", l->backing, "pid", l->pid, "detached",
						l->detached, "why", l->why[0] ? l->why : NULL));
	}
	return arr;
}

int cmd_cleanup(int argc, char **argv)
{
	static const struct option options[] = {
		{ "work-dir", required_argument, NULL, 'w' },
		{ "cache-dir", required_argument, NULL, 'c' },
		{ "cache", no_argument, NULL, 'C' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *work = NULL, *cache = SESSION_DEFAULT_CACHE_DIR;
	bool dry = false, json = false, whole_cache = false;
	struct leftover_list found = { 0 };
	struct leftover_loop_list loops = { 0 };
	struct cgroup_layout layout;
	struct bb_error err = { 0 };
	int opt, removed = 0, status = 0;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
		switch (opt) {
		case 'w':
			work = optarg;
			break;
		case 'c':
			cache = optarg;
			break;
		case 'C':
			whole_cache = true;
			break;
		case 'n':
			dry = true;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			fputs(cleanup_help, stdout);
			return 0;
		default:
			return usage_bad_option("cleanup", opt, argv);
		}
	}
	if (optind < argc)
		return usage_bad_option("cleanup", -1, argv);
	if (require_root("cleanup", "it removes cgroups and root-owned dirs"))
		return 1;

	/* Loop devices first, so their images are not merely unlinked; then dirs: a dead run's
	 * cgroups can only be removed once nothing runs in them, and removing its dirs cannot
	 * make anything run. */
	if (leftover_loops_remove(dry, &loops, &err))
		goto fail;
	for (size_t i = 0; i < loops.n; i++)
		if (!dry && loops.items[i].pid && !loops.items[i].detached)
			status = 1;
	if (leftovers_remove(SESSION_DEFAULT_WORK_ROOT, dry, &found, &err) ||
	    leftovers_remove("/tmp", dry, &found, &err) ||
	    (work && leftovers_remove(work, dry, &found, &err)) ||
	    leftovers_remove(cache, dry, &found, &err) || image_leftovers_remove(dry, &found, &err))
		goto fail;
	if (!dry) {
		if (cgroup_layout_detect(&layout, &err) ||
		    cgroup_cleanup_leftovers(&layout, &removed, &err))
			goto fail;
		if (whole_cache && remove_tree(cache, &err))
			goto fail;
	}
	goto report;
fail:
	fprintf(stderr, "boxbench cleanup: %s\n", err.msg);
	status = 1;
report:
	if (json) {
		json_t *root = json_object(), *dirs = json_array();

		for (size_t i = 0; i < found.n; i++)
			json_array_append_new(dirs, json_string(found.paths[i]));
		json_object_set_new(root, "dry_run", json_boolean(dry));
		json_object_set_new(root, "cgroups_removed", json_integer(removed));
		json_object_set_new(root, "dirs", dirs);
		json_object_set_new(root, "loops", loops_json(&loops));
		json_object_set_new(root, "cache_removed",
				    json_boolean(whole_cache && !dry && !status));
		json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
		json_decref(root);
	} else {
		print_loops(&loops, dry);
		for (size_t i = 0; i < found.n; i++)
			printf("%s %s\n", dry ? "would remove" : "removed", found.paths[i]);
		if (!dry)
			printf("removed %d cgroup%s and %zu dir%s%s\n", removed,
			       removed == 1 ? "" : "s", found.n, found.n == 1 ? "" : "s",
			       whole_cache && !status ? ", and the stack cache" : "");
	}
	leftover_list_free(&found);
	leftover_loop_list_free(&loops);
	return status;
}
