/* SVG plots with gnuplot (see plot.h). Each plot is one scenario's medians against one
 * parameter of the case name (depth or size), with p5-p95 bars; the other parameters that
 * vary between the plotted cases split it into lines, so a suite that adds an api or a target
 * gets its own line without a change here. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/atomic_file.h"
#include "common/fsutil.h"
#include "common/spawn.h"
#include "export.h"
#include "plot.h"

struct plot_spec {
	const char *scenario; /* and the SVG's name */
	const char *x_key; /* the case-name parameter on the x axis */
	const char *only; /* a "key:value" a case must have to be plotted, or NULL */
	const char *title, *x_label;
};

static const struct plot_spec plot_specs[] = {
	{ "mount", "depth", NULL, "Overlay mount and umount", "layer stack depth (lower layers)" },
	{ "lookup", "depth", "cache:cold", "Lookups through the stack, cold dentry cache",
	  "layer stack depth (lower layers)" },
	{ "readdir", "depth", NULL, "Merged readdir of a directory in every layer",
	  "layer stack depth (lower layers)" },
	{ "copyup", "size", NULL, "Copy-up of a lower file to the upper layer", "file size (KiB)" },
};

#define MAX_KEYS 16

/* One plotted case: which line it belongs to and where its point is. */
struct plot_point {
	size_t line;
	double x, median, p5, p95; /* x in the axis' unit, latencies in µs */
};

struct key_seen {
	char key[32], first[64];
	bool varies;
};

/* The value of key in a case name ("8" for depth in ".../depth:8/..."), into buf. */
static bool name_param(const char *name, const char *key, char *buf, size_t len)
{
	size_t klen = strlen(key);

	for (const char *p = strchr(name, '/'); p; p = strchr(p + 1, '/')) {
		if (strncmp(p + 1, key, klen) || p[1 + klen] != ':')
			continue;
		snprintf(buf, len, "%.*s", (int)strcspn(p + 2 + klen, "/"), p + 2 + klen);
		return true;
	}
	return false;
}

static bool has_component(const char *name, const char *comp)
{
	size_t n = strlen(comp);

	for (const char *p = strchr(name, '/'); p; p = strchr(p + 1, '/'))
		if (!strncmp(p + 1, comp, n) && (p[1 + n] == '/' || !p[1 + n]))
			return true;
	return false;
}

/* "4KiB" -> 4, "1MiB" -> 1024: copy-up sizes in KiB, the unit of the axis. */
static double size_kib(const char *v)
{
	char *end;
	double x = strtod(v, &end);

	if (!strcmp(end, "MiB"))
		return x * 1024;
	if (!strcmp(end, "GiB"))
		return x * 1024 * 1024;
	if (!strcmp(end, "KiB"))
		return x;
	return x / 1024;
}

static bool plotted(const struct plot_spec *sp, const char *name)
{
	char scen[64], x[32];

	export_case_scenario(name, scen, sizeof(scen));
	return !strcmp(scen, sp->scenario) && name_param(name, sp->x_key, x, sizeof(x)) &&
	       (!sp->only || has_component(name, sp->only));
}

/* Which parameters take more than one value among the plotted cases of all inputs: only
 * those tell the lines apart (a lone driver:overlay would just lengthen every legend). */
static size_t find_varying(const struct plot_spec *sp, const struct result *res, size_t n,
			   struct key_seen *keys)
{
	size_t n_keys = 0;

	for (size_t r = 0; r < n; r++)
		for (size_t c = 0; c < res[r].n_cases; c++) {
			const char *name = res[r].cases[c].name;

			if (!plotted(sp, name))
				continue;
			for (const char *p = strchr(name, '/'); p; p = strchr(p + 1, '/')) {
				size_t kl = strcspn(p + 1, ":/"), i;
				char key[32], val[64];

				if (p[1 + kl] != ':')
					continue;
				snprintf(key, sizeof(key), "%.*s", (int)kl, p + 1);
				snprintf(val, sizeof(val), "%.*s", (int)strcspn(p + 2 + kl, "/"),
					 p + 2 + kl);
				if (!strcmp(key, sp->x_key))
					continue;
				for (i = 0; i < n_keys && strcmp(keys[i].key, key); i++)
					;
				if (i == n_keys && n_keys < MAX_KEYS) {
					memset(&keys[i], 0, sizeof(keys[i]));
					snprintf(keys[i].key, sizeof(keys[i].key), "%s", key);
					snprintf(keys[i].first, sizeof(keys[i].first), "%s", val);
					n_keys++;
				} else if (i < n_keys && strcmp(keys[i].first, val)) {
					keys[i].varies = true;
				}
			}
		}
	return n_keys;
}

/* A legend entry for each input when there are several: the kernel or the driver when those
 * tell them apart (the usual reason to plot two results together), else the file name. */
static void file_label(const struct result *res, size_t n, size_t r, char *buf, size_t len)
{
	bool kernels = true, drivers = true;
	const char *base;

	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++) {
			kernels &= !!strcmp(res[i].kernel, res[j].kernel);
			drivers &= !!strcmp(res[i].driver, res[j].driver);
		}
	if (kernels && *res[r].kernel) {
		snprintf(buf, len, "kernel %s", res[r].kernel);
		return;
	}
	if (drivers && *res[r].driver) {
		snprintf(buf, len, "%s", res[r].driver);
		return;
	}
	base = strrchr(res[r].path, '/');
	base = base ? base + 1 : res[r].path;
	snprintf(buf, len, "%.*s",
		 (int)(strstr(base, ".json") ? strstr(base, ".json") - base : (long)strlen(base)),
		 base);
}

static int cmp_point(const void *a, const void *b)
{
	const struct plot_point *p = a, *q = b;

	if (p->line != q->line)
		return p->line < q->line ? -1 : 1;
	return (p->x > q->x) - (p->x < q->x);
}

struct plot_lines {
	char **labels;
	size_t n;
	struct plot_point *points;
	size_t n_points;
};

static void plot_lines_free(struct plot_lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->labels[i]);
	free(l->labels);
	free(l->points);
	memset(l, 0, sizeof(*l));
}

/* More lines than this make no readable plot, and each is a file and a plot clause. */
#define PLOT_MAX_LINES 100
/* The longest legend entry, in characters, that fits the 900-pixel SVG's key (gnuplot drops
 * the whole key when an entry does not fit); longer ones are cut and end in an ellipsis. */
#define PLOT_LABEL_CHARS 72

static int line_index(struct plot_lines *l, const char *label, size_t *idx,
		      const struct plot_spec *sp, struct bb_error *err)
{
	char **labels;

	for (*idx = 0; *idx < l->n; (*idx)++)
		if (!strcmp(l->labels[*idx], label))
			return 0;
	if (l->n == PLOT_MAX_LINES)
		return bb_err(err, E2BIG,
			      "the %s plot would have more than %d lines (one per input file and "
			      "set of parameters): plot fewer results at once",
			      sp->scenario, PLOT_MAX_LINES);
	labels = realloc(l->labels, (l->n + 1) * sizeof(*labels));
	if (!labels)
		return bb_err(err, ENOMEM, "out of memory");
	l->labels = labels;
	l->labels[l->n] = strdup(label);
	if (!l->labels[l->n])
		return bb_err(err, ENOMEM, "out of memory");
	*idx = l->n++;
	return 0;
}

/* A point's line: the input file (when there are several), then each varying parameter. */
static void point_label(const struct result *res, size_t n, size_t r, const char *name,
			const struct key_seen *keys, size_t n_keys, char *label, size_t size)
{
	size_t len = 0;
	char val[64];

	label[0] = '\0';
	if (n > 1) {
		file_label(res, n, r, label, size);
		len = strlen(label);
	}
	for (size_t k = 0; k < n_keys && len + 1 < size; k++)
		if (keys[k].varies && name_param(name, keys[k].key, val, sizeof(val))) {
			snprintf(label + len, size - len, "%s%s:%s", len ? " " : "", keys[k].key,
				 val);
			len += strlen(label + len);
		}
	if (!len)
		snprintf(label, size, "median");
}

static int collect(const struct plot_spec *sp, const struct result *res, size_t n,
		   struct plot_lines *l, struct bb_error *err)
{
	struct key_seen keys[MAX_KEYS];
	size_t n_keys = find_varying(sp, res, n, keys);

	for (size_t r = 0; r < n; r++)
		for (size_t c = 0; c < res[r].n_cases; c++) {
			const struct result_case *ec = &res[r].cases[c];
			char label[512], val[64];
			struct plot_point *pt;
			double x;
			int ret;

			if (!plotted(sp, ec->name))
				continue;
			name_param(ec->name, sp->x_key, val, sizeof(val));
			x = !strcmp(sp->x_key, "size") ? size_kib(val) : strtod(val, NULL);
			if (!isfinite(x))
				continue;
			point_label(res, n, r, ec->name, keys, n_keys, label, sizeof(label));
			pt = realloc(l->points, (l->n_points + 1) * sizeof(*pt));
			if (!pt)
				return bb_err(err, ENOMEM, "out of memory");
			l->points = pt;
			pt = &l->points[l->n_points];
			ret = line_index(l, label, &pt->line, sp, err);
			if (ret)
				return ret;
			pt->x = x;
			pt->median = ec->sum.wall.median / 1e3;
			pt->p5 = ec->sum.wall.p5 / 1e3;
			pt->p95 = ec->sum.wall.p95 / 1e3;
			l->n_points++;
		}
	/* qsort(NULL, 0) is undefined behaviour (UBSan says so on a google/benchmark file). */
	if (l->n_points > 1)
		qsort(l->points, l->n_points, sizeof(*l->points), cmp_point);
	return 0;
}

/* One code point of UTF-8 at p: its length, or 0 when p does not start a valid one. */
static size_t utf8_char(const unsigned char *p, unsigned *cp)
{
	size_t n = *p < 0x80	     ? 1
		   : (*p >> 5) == 6  ? 2
		   : (*p >> 4) == 14 ? 3
		   : (*p >> 3) == 30 ? 4
				     : 0;
	unsigned c = *p & (n == 1 ? 0x7f : n == 2 ? 0x1f : n == 3 ? 0x0f : 0x07);

	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	if ((n == 2 && c < 0x80) || (n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
	    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

/* A legend entry, as the header line of its data file, which the script reads back with
 * `title columnheader(1)`: gnuplot reads a data file as data and never as commands, so
 * nothing in a result or a file name can run anything, whatever it holds. What gnuplot does
 * to a quoted header is split it at the closing '"' and process backslash escapes, so '"'
 * and '\' go as the octal escapes \042 and \134; the SVG must stay well-formed XML (and show
 * no terminal codes), so a control character, U+FFFE/U+FFFF or a byte that is not UTF-8
 * goes as U+FFFD. Every other character passes as itself, up to PLOT_LABEL_CHARS. */
static void gp_label(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t shown = 0;

	fputc('"', f);
	for (; *p; shown++) {
		unsigned c = 0;
		size_t n = utf8_char(p, &c);

		if (!n || c < 0x20 || (c >= 0x7f && c < 0xa0) || c == 0xfffe || c == 0xffff)
			fputs("\xef\xbf\xbd", f);
		else if (c == '"')
			fputs("\\042", f);
		else if (c == '\\')
			fputs("\\134", f);
		else
			fwrite(p, 1, n, f);
		p += n ? n : 1;
		/* gnuplot drops the whole key when an entry is wider than the plot. */
		if (shown == PLOT_LABEL_CHARS - 1 && *p) {
			fputs("…", f);
			break;
		}
	}
	fputs("\"\n", f);
}

/* The script's own strings (titles, axis labels, paths in plot's private temp dir) are
 * program text: each is checked to need no quoting inside '...' and to hold nothing gnuplot
 * would expand (` for commands, @ for macros, $ for data blocks, \ for escapes). */
static int gp_string(FILE *f, const char *s, struct bb_error *err)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f || strchr("'`@$\\", *p))
			return bb_err(err, EINVAL,
				      "'%s' cannot go into a gnuplot script as it is (it holds "
				      "'%c'); plot into another directory",
				      s, *p < 0x20 ? '?' : *p);
	fprintf(f, "'%s'", s);
	return 0;
}

/* A new file in plot's private temp dir. */
static FILE *tmp_create(int dir_fd, const char *name, const char *tmp, struct bb_error *err)
{
	int fd = openat(dir_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	FILE *f = fd < 0 ? NULL : fdopen(fd, "w");

	if (!f) {
		bb_err(err, errno, "cannot write %s/%s: %s", tmp, name, errno_name(errno));
		if (fd >= 0)
			close(fd);
	}
	return f;
}

static int tmp_close(FILE *f, const char *tmp, const char *name, struct bb_error *err)
{
	if (ferror(f) | fclose(f))
		return bb_err(err, EIO, "cannot write %s/%s", tmp, name);
	return 0;
}

/* <tmp>/<scenario>-<line>.dat: the legend entry, then x median p5 p95 per point. */
static int write_data(const struct plot_spec *sp, const struct plot_lines *l, const char *tmp,
		      int tmp_fd, struct bb_error *err)
{
	for (size_t line = 0, p = 0; line < l->n; line++) {
		char name[64];
		FILE *f;
		int ret;

		snprintf(name, sizeof(name), "%s-%zu.dat", sp->scenario, line);
		f = tmp_create(tmp_fd, name, tmp, err);
		if (!f)
			return -err->code;
		gp_label(f, l->labels[line]);
		for (; p < l->n_points && l->points[p].line == line; p++) {
			const struct plot_point *pt = &l->points[p];

			fprintf(f, "%.9g %.9g %.9g %.9g\n", pt->x, pt->median, pt->p5, pt->p95);
		}
		ret = tmp_close(f, tmp, name, err);
		if (ret)
			return ret;
	}
	return 0;
}

static void point_ranges(const struct plot_lines *l, double *xmin, double *xmax, double *ymin,
			 double *ymax)
{
	*xmin = *ymin = INFINITY;
	*xmax = *ymax = 0;
	for (size_t p = 0; p < l->n_points; p++) {
		*xmin = fmin(*xmin, l->points[p].x), *xmax = fmax(*xmax, l->points[p].x);
		*ymin = fmin(*ymin, l->points[p].p5), *ymax = fmax(*ymax, l->points[p].p95);
	}
}

/* <tmp>/<scenario>.gp, which draws <tmp>/<scenario>.svg from the data files. */
static int write_script(const struct plot_spec *sp, const struct plot_lines *l, const char *tmp,
			int tmp_fd, struct bb_error *err)
{
	char path[PATH_MAX], name[64];
	double xmin, xmax, ymin, ymax;
	FILE *f;
	int ret;

	snprintf(name, sizeof(name), "%s.gp", sp->scenario);
	f = tmp_create(tmp_fd, name, tmp, err);
	if (!f)
		return -err->code;
	point_ranges(l, &xmin, &xmax, &ymin, &ymax);
	/* noenhanced: case names hold '_' and '^' that gnuplot would turn into sub/superscripts. */
	fputs("set terminal svg size 900,560 dynamic noenhanced font 'sans,12' background "
	      "rgb 'white'\nset encoding utf8\nset output ",
	      f);
	snprintf(path, sizeof(path), "%s/%s.svg", tmp, sp->scenario);
	ret = gp_string(f, path, err);
	fputs("\nset title ", f);
	ret = ret ?: gp_string(f, sp->title, err);
	fputs("\nset xlabel ", f);
	ret = ret ?: gp_string(f, sp->x_label, err);
	fputs("\nset ylabel 'latency (µs): median, bars p5–p95'\n"
	      "set grid\nset key below\nset offsets graph 0.05, graph 0.05, 0, 0\n",
	      f);
	/* Depths and sizes double from one case to the next: a log axis spaces them evenly.
	 * A y range over two decades would squash the fast lines flat on a linear axis. */
	if (xmin > 0 && xmax / xmin >= 8)
		fputs("set logscale x 2\n", f);
	if (ymin > 0 && ymax / ymin >= 100)
		fputs("set logscale y 10\n", f);
	else
		fputs("set yrange [0:*]\n", f);
	fputs("plot ", f);
	for (size_t line = 0; line < l->n && !ret; line++) {
		snprintf(path, sizeof(path), "%s/%s-%zu.dat", tmp, sp->scenario, line);
		fprintf(f, "%s", line ? ", \\\n     " : "");
		ret = gp_string(f, path, err);
		fputs(" using 1:2:3:4 with yerrorlines pointtype 7 title columnheader(1)", f);
	}
	fputc('\n', f);
	if (ret) {
		fclose(f);
		return ret;
	}
	return tmp_close(f, tmp, name, err);
}

/* --default-settings: no gnuplotrc or ~/.gnuplot, whose commands would run as root. */
static int run_gnuplot(const char *tmp, const char *scenario, struct bb_error *err)
{
	char script[PATH_MAX], out[2048] = "";
	char *argv[] = { "gnuplot", "--default-settings", script, NULL };
	int ret;

	snprintf(script, sizeof(script), "%s/%s.gp", tmp, scenario);
	ret = spawn_capture(argv, out, sizeof(out), err);
	if (ret < 0)
		return bb_err_wrap(err, "cannot run gnuplot (is gnuplot-nox installed?)");
	if (ret)
		return bb_err(err, EIO, "gnuplot failed on %s (exit %d): %.1500s", script, ret,
			      out);
	return 0;
}

/* Copies gnuplot's <tmp>/<scenario>.svg to the out dir through the atomic writer: gnuplot
 * itself only ever writes into plot's private temp dir. */
static int publish_svg(const char *tmp, int tmp_fd, const char *scenario, int out_fd,
		       const char *svg, struct bb_error *err)
{
	char name[64], buf[65536];
	struct atomic_file af;
	struct stat st;
	ssize_t n;
	int fd, ret;

	snprintf(name, sizeof(name), "%s.svg", scenario);
	fd = openat(tmp_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size == 0) {
		ret = bb_err(err, EIO, "gnuplot wrote no %s/%s", tmp, name);
		goto out;
	}
	ret = atomic_file_openat(&af, out_fd, name, svg, 0644, err);
	if (ret)
		goto out;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (fwrite(buf, 1, (size_t)n, af.f) != (size_t)n)
			break;
	if (n) {
		ret = bb_err(err, errno ? errno : EIO, "cannot copy %s/%s to %s: %s", tmp, name,
			     svg, errno_name(errno ? errno : EIO));
		atomic_file_abort(&af);
		goto out;
	}
	ret = atomic_file_commit(&af, err);
out:
	if (fd >= 0)
		close(fd);
	return ret;
}

static int add_path(struct plot_paths *w, const char *path)
{
	char **p = realloc(w->paths, (w->n + 1) * sizeof(*p));

	if (!p)
		return -ENOMEM;
	w->paths = p;
	w->paths[w->n] = strdup(path);
	if (!w->paths[w->n])
		return -ENOMEM;
	w->n++;
	return 0;
}

static int plot_one(const struct plot_spec *sp, const struct plot_lines *l, const char *tmp,
		    int tmp_fd, const char *out_dir, int out_fd, struct plot_paths *written,
		    struct bb_error *err)
{
	char svg[PATH_MAX];
	int ret;

	snprintf(svg, sizeof(svg), "%s/%s.svg", out_dir, sp->scenario);
	ret = write_data(sp, l, tmp, tmp_fd, err);
	ret = ret ?: write_script(sp, l, tmp, tmp_fd, err);
	ret = ret ?: run_gnuplot(tmp, sp->scenario, err);
	ret = ret ?: publish_svg(tmp, tmp_fd, sp->scenario, out_fd, svg, err);
	if (!ret && add_path(written, svg))
		ret = bb_err(err, ENOMEM, "out of memory");
	return ret;
}

int plot_results(const struct result *res, size_t n, const char *out_dir,
		 struct plot_paths *written, struct bb_error *err)
{
	char tmp[PATH_MAX], prefix[64];
	int out_fd, tmp_fd, ret = 0;

	memset(written, 0, sizeof(*written));
	out_fd = out_dir_open(out_dir, true, err);
	if (out_fd < 0)
		return out_fd;
	/* Named like the other scratch dirs, so 'boxbench cleanup' finds one a crash left. */
	snprintf(prefix, sizeof(prefix), "boxbench-plot-%d", (int)getpid());
	tmp_fd = out_dir_mkdtemp("/tmp", prefix, tmp, sizeof(tmp), err);
	if (tmp_fd < 0) {
		close(out_fd);
		return tmp_fd;
	}
	for (size_t s = 0; s < sizeof(plot_specs) / sizeof(plot_specs[0]) && !ret; s++) {
		struct plot_lines l = { 0 };

		ret = collect(&plot_specs[s], res, n, &l, err);
		if (!ret && l.n_points)
			ret = plot_one(&plot_specs[s], &l, tmp, tmp_fd, out_dir, out_fd, written,
				       err);
		plot_lines_free(&l);
	}
	if (!ret && !written->n)
		ret = bb_err(
			err, ENOENT,
			"no mount, lookup (cold), readdir or copyup case in the input: nothing "
			"to plot");
	close(tmp_fd);
	close(out_fd);
	if (remove_tree(tmp, ret ? NULL : err) && !ret)
		ret = -err->code;
	return ret;
}

void plot_paths_free(struct plot_paths *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->paths[i]);
	free(p->paths);
	memset(p, 0, sizeof(*p));
}
