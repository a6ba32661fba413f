/* Fuzz target: `boxbench compare --markdown`, the table a CI job posts as a comment, through
 * cmd_compare() (tools/compare.c, linked in: the Markdown is written there). The input is two
 * result files split at a line "--", OLD then NEW. Checked: each benchmark is one table row of
 * seven cells, a code span in a cell is closed, and nothing from the files reaches the comment
 * as a control character. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builtin.h"
#include "results/compare.h"
#include "glue.h"
#include "results/result.h"

/* How many rows compare's table should have: as many as compare_results() makes. */
static long expected_rows(const char *old, const char *new)
{
	struct compare_opts o = { .alpha = 0.05, .threshold = 0.05, .fdr = 0.05 };
	struct result a = { 0 }, b = { 0 };
	const struct result *olds[] = { &a };
	struct compare_result res;
	struct bb_error err = { 0 };
	long n = -1;

	if (!result_load(old, RESULT_NEED_PRINTABLE, &a, &err) &&
	    !result_load(new, RESULT_NEED_PRINTABLE, &b, &err) &&
	    !compare_results(olds, 1, &b, &o, &res, &err)) {
		n = (long)res.n;
		compare_result_free(&res);
	}
	result_free(&a);
	result_free(&b);
	return n;
}

/* A cell that opens a code span with a run of k backquotes must hold it whole: the first run of
 * exactly k backquotes after the opening one closes the span, and it must end the cell. */
static void check_cell(const char *cell, size_t len, const char *line)
{
	size_t k = 0, i, run;

	while (len && cell[0] == ' ')
		cell++, len--;
	while (len && cell[len - 1] == ' ')
		len--;
	while (k < len && cell[k] == '`')
		k++;
	if (!k || k == len) /* no code span, or only backquotes ("``", an empty name) */
		return;
	for (i = k; i < len; i += run ? run : 1) {
		for (run = 0; i + run < len && cell[i + run] == '`'; run++)
			;
		if (run == k && i + run == len)
			return;
		if (run == k)
			fz_fail("markdown: a backquote in a name ends its code span early in row '%s'",
				line);
	}
	fz_fail("markdown: a code span is not closed in row '%s'", line);
}

static void check_row(const char *line)
{
	const char *cells[9];
	size_t n = 0;

	for (const char *p = line; *p; p++)
		if (*p == '|' && (p == line || p[-1] != '\\')) {
			if (n == 9)
				fz_fail("markdown: more than 7 cells in row '%s'", line);
			cells[n++] = p;
		}
	if (n != 8 || line[0] != '|' || line[strlen(line) - 1] != '|')
		fz_fail("markdown: row '%s' is not 7 cells between pipes", line);
	for (size_t i = 0; i + 1 < n; i++)
		check_cell(cells[i] + 1, (size_t)(cells[i + 1] - cells[i] - 1), line);
}

static void check_markdown(char *text, long want_rows)
{
	long rows = 0;
	char *save = NULL, *line;
	bool table = true;

	for (const char *p = text; *p; p++)
		if ((unsigned char)*p < 0x20 && *p != '\n')
			fz_fail("markdown: control character 0x%02x in the output:\n%.2000s", *p,
				text);
	if (strncmp(text, "| benchmark |", 13))
		fz_fail("markdown: the output does not start with the table:\n%.2000s", text);
	/* Rows run from the header to the first line that is no row. */
	for (line = strtok_r(text, "\n", &save); line && table;
	     line = strtok_r(NULL, "\n", &save)) {
		if (line[0] != '|') {
			table = false;
			break;
		}
		check_row(line);
		rows++;
	}
	if (rows - 2 != want_rows)
		fz_fail("markdown: %ld table rows for %ld benchmarks", rows - 2, want_rows);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_part parts[2];
	char old[64], new[64], *out = NULL;
	int fd_old, fd_new, fd_out, saved, status;
	long want;
	size_t len;

	if (fz_split(data, size, "\n--\n", parts, 2) < 2)
		return 0;
	fd_old = fz_memfd(parts[0].p, parts[0].n, old, sizeof(old));
	fd_new = fz_memfd(parts[1].p, parts[1].n, new, sizeof(new));
	{
		char out_path[64];
		char *argv[] = { "compare", "--markdown", "--force", old, new, NULL };

		fd_out = fz_memfd("", 0, out_path, sizeof(out_path));
		fflush(stdout);
		saved = dup(1);
		dup2(fd_out, 1);
		optind = 0; /* getopt starts afresh in every call */
		status = cmd_compare(5, argv);
		fflush(stdout);
		dup2(saved, 1);
		close(saved);
	}
	len = (size_t)lseek(fd_out, 0, SEEK_END);
	if (status <= 1) {
		out = malloc(len + 1);
		if (!out || pread(fd_out, out, len, 0) != (ssize_t)len)
			fz_fail("cannot read compare's output back");
		out[len] = '\0';
		if (strlen(out) != len)
			fz_fail("markdown: a NUL byte in the output");
		want = expected_rows(old, new);
		check_markdown(out, want);
		free(out);
	} else if (len) {
		fz_fail("compare exited %d and still wrote %zu bytes to stdout", status, len);
	}
	close(fd_out);
	close(fd_old);
	close(fd_new);
	return 0;
}
