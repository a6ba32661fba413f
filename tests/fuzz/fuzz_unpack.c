/* Fuzz target: `boxbench image import` of hostile archives, through image_import(): the
 * input is one SRC (a layer tarball, plain, gzip or zstd, or a docker save / OCI archive
 * holding its layers) or up to four layer tarballs split at "BBFZ-LAYER", bottom first.
 * After each input: a failed import left no DEST, and nothing outside DEST changed, neither a
 * canary dir beside it (../canary from DEST) nor one in the temp dir (../../bbfz-canary),
 * nor, in the runner's sandbox, the list of what /tmp holds. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "glue.h"
#include "image/image_import.h"

#define MAX_LAYERS 4

static char global_canary[PATH_MAX], *global_print, *tmp_list;

static void make_canary(const char *dir)
{
	char path[PATH_MAX];

	if (mkdir(dir, 0755) && errno != EEXIST)
		fz_fail("mkdir %s: %s", dir, strerror(errno));
	snprintf(path, sizeof(path), "%s/d", dir);
	if (mkdir(path, 0755) && errno != EEXIST)
		fz_fail("mkdir %s: %s", path, strerror(errno));
	snprintf(path, sizeof(path), "%s/f", dir);
	if (access(path, F_OK))
		fz_write_file(dir, "f", "canary\n", 7);
	snprintf(path, sizeof(path), "%s/l", dir);
	if (symlink("f", path) && errno != EEXIST)
		fz_fail("symlink %s: %s", path, strerror(errno));
}

/* The names in dir, sorted, one a line. */
static char *list_dir(const char *dir)
{
	struct dirent **ents;
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	int n = scandir(dir, &ents, NULL, alphasort);

	for (int i = 0; i < n; i++) {
		fprintf(f, "%s\n", ents[i]->d_name);
		free(ents[i]);
	}
	if (n >= 0)
		free(ents);
	fclose(f);
	return out;
}

static const char *tmp_dir(void)
{
	const char *t = getenv("TMPDIR");

	return t && *t ? t : "/tmp";
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(global_canary, sizeof(global_canary), "%s/bbfz-canary", tmp_dir());
	make_canary(global_canary);
	global_print = fz_tree_print(global_canary);
	tmp_list = list_dir(tmp_dir());
	return 0;
}

static void check_unchanged(const char *what, const char *before, const char *dir)
{
	char *now = fz_tree_print(dir);

	if (strcmp(before, now))
		fz_fail("the import changed %s, outside DEST:\n--- before\n%s--- after\n%s", what,
			before, now);
	free(now);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_part parts[MAX_LAYERS];
	size_t n = fz_split(data, size, "BBFZ-LAYER", parts, MAX_LAYERS);
	char root[PATH_MAX], canary[PATH_MAX], in[PATH_MAX], dest[PATH_MAX], *canary_print;
	char names[MAX_LAYERS][PATH_MAX];
	const char *srcs[MAX_LAYERS];
	struct image_import_result res;
	struct bb_error err = { 0 };
	struct stat st;
	char *listing;
	int r;
	/* The options come from the input's length, so the seeds stay plain archives and a
	 * crashing input reproduces with the options it crashed with. */
	struct image_import_opts o = {
		.srcs = srcs,
		.n_srcs = n,
		.dest = dest,
		.whiteout = size & 1 ? WHITEOUT_XATTR : WHITEOUT_CHARDEV,
		.userxattr = size & 2,
		.max_bytes = 64ULL << 20,
	};

	fz_tempdir("unpack", root, sizeof(root));
	snprintf(canary, sizeof(canary), "%s/canary", root);
	snprintf(in, sizeof(in), "%s/in", root);
	snprintf(dest, sizeof(dest), "%s/dest", root);
	make_canary(canary);
	if (mkdir(in, 0755))
		fz_fail("mkdir %s: %s", in, strerror(errno));
	for (size_t i = 0; i < n; i++) {
		char name[32];

		snprintf(name, sizeof(name), "%zu.tar", i);
		fz_write_file(in, name, parts[i].p, parts[i].n);
		snprintf(names[i], sizeof(names[i]), "%s/%s", in, name);
		srcs[i] = names[i];
	}
	canary_print = fz_tree_print(canary);
	listing = fz_tree_print(in);

	r = image_import(&o, &res, &err);
	if (!r) {
		char json[PATH_MAX + 16];

		snprintf(json, sizeof(json), "%s/image.json", dest);
		if (stat(json, &st) || !S_ISREG(st.st_mode))
			fz_fail("the import succeeded without writing %s", json);
		json_decref(res.image);
	} else {
		if (!lstat(dest, &st))
			fz_fail("the import failed (%s) and left DEST %s behind", err.msg, dest);
		if (err.code == EROFS && fz_sandboxed())
			fz_fail("the import wrote outside its temp dir (the sandbox's read-only "
				"mounts refused it): %s",
				err.msg);
	}
	check_unchanged("the canary beside DEST", canary_print, canary);
	check_unchanged("the layer files it read", listing, in);
	check_unchanged("the canary in the temp dir", global_print, global_canary);
	free(canary_print);
	free(listing);

	listing = list_dir(root);
	if (strcmp(listing, r ? ".\n..\ncanary\nin\n" : ".\n..\ncanary\ndest\nin\n"))
		fz_fail("the import made something beside DEST in %s:\n%s", root, listing);
	free(listing);
	fz_rmtree(root);
	if (fz_sandboxed()) {
		listing = list_dir(tmp_dir());
		if (strcmp(listing, tmp_list))
			fz_fail("the import made something in %s:\n--- before\n%s--- after\n%s",
				tmp_dir(), tmp_list, listing);
		free(listing);
	}
	return 0;
}
