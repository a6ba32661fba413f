/* Fuzz target: `boxbench plot` of hostile result files, through plot_results(), with the
 * stand-in gnuplot of gnuplot_check.c first on PATH: it fails the input when a script holds
 * anything from a result file (case names, kernel_release, driver, the file's name) other than
 * as data. The input is parts split at a line "--": a file name, its JSON, and optionally a
 * second file name and JSON (with two files, the legend names them). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "glue.h"
#include "results/plot.h"
#include "results/result.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char exe[PATH_MAX], *path;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	const char *old = getenv("PATH");

	(void)argc;
	(void)argv;
	if (n <= 0)
		fz_fail("cannot read /proc/self/exe");
	exe[n] = '\0';
	*strrchr(exe, '/') = '\0';
	if (asprintf(&path, "%s/bin:%s", exe, old ? old : "/usr/bin:/bin") < 0)
		fz_fail("out of memory");
	setenv("PATH", path, 1);
	free(path);
	return 0;
}

/* A file name from the input: anything but '/' and NUL, which no file name holds. */
static char *file_name(const struct fz_part *part, size_t i)
{
	char *s = fz_strdup(part);

	for (char *p = s; *p; p++)
		if (*p == '/')
			*p = '_';
	if (!*s || !strcmp(s, ".") || !strcmp(s, "..") || strlen(s) > 200) {
		free(s);
		if (asprintf(&s, "result-%zu.json", i) < 0)
			fz_fail("out of memory");
	}
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_part parts[4];
	size_t n_parts = fz_split(data, size, "\n--\n", parts, 4), n = n_parts == 4 ? 2 : 1;
	char root[PATH_MAX], in[PATH_MAX], out[PATH_MAX], report[PATH_MAX], path[PATH_MAX];
	struct result res[2];
	struct plot_paths written;
	struct bb_error err = { 0 };
	size_t loaded = 0;
	FILE *f;

	if (n_parts < 2)
		return 0;
	fz_tempdir("plot", root, sizeof(root));
	snprintf(in, sizeof(in), "%s/in", root);
	snprintf(out, sizeof(out), "%s/out", root);
	snprintf(report, sizeof(report), "%s/gnuplot-report", root);
	if (mkdir(in, 0755))
		fz_fail("mkdir %s: %s", in, strerror(errno));
	for (size_t i = 0; i < n; i++) {
		char *name = file_name(&parts[2 * i], i);
		const struct fz_part *json = &parts[2 * i + 1];

		snprintf(path, sizeof(path), "%s/%s", in, name);
		if (access(path, F_OK))
			fz_write_file(in, name, json->p, json->n);
		free(name);
		if (result_load(path, RESULT_NEED_CONTEXT, &res[loaded], &err))
			break;
		loaded++;
	}
	if (loaded == n) {
		setenv("BBFZ_GNUPLOT_REPORT", report, 1);
		plot_results(res, n, out, &written, &err);
		for (size_t i = 0; i < written.n; i++)
			if (strncmp(written.paths[i], out, strlen(out)) ||
			    written.paths[i][strlen(out)] != '/' ||
			    strchr(written.paths[i] + strlen(out) + 1, '/'))
				fz_fail("plot wrote %s, outside its dir %s", written.paths[i], out);
		plot_paths_free(&written);
		f = fopen(report, "r");
		if (f) {
			char why[8192];
			size_t len = fread(why, 1, sizeof(why) - 1, f);

			why[len] = '\0';
			fz_fail("%s", why);
		}
	}
	for (size_t i = 0; i < loaded; i++)
		result_free(&res[i]);
	fz_rmtree(root);
	return 0;
}
