/* SVG plots with gnuplot (see plot.h). Each plot is one scenario's medians against one
 * parameter of the case name (depth or size), with p5-p95 bars; the other parameters that
 * vary between the plotted cases split it into lines, so a suite that adds an api or a target
 * gets its own line without a change here. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "plot.h"
#include "spawn.h"

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
static size_t find_varying(const struct plot_spec *sp, const struct export_result *res, size_t n,
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
static void file_label(const struct export_result *res, size_t n, size_t r, char *buf, size_t len)
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

/* gnuplot's single-quoted strings take everything literally except '' for a quote. */
static void gp_string(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s; s++) {
		if (*s == '\'')
			fputc('\'', f);
		fputc(*s, f);
	}
	fputc('\'', f);
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

static int line_index(struct plot_lines *l, const char *label, size_t *idx)
{
	char **labels;

	for (*idx = 0; *idx < l->n; (*idx)++)
		if (!strcmp(l->labels[*idx], label))
			return 0;
	labels = realloc(l->labels, (l->n + 1) * sizeof(*labels));
	if (!labels)
		return -ENOMEM;
	l->labels = labels;
	l->labels[l->n] = strdup(label);
	if (!l->labels[l->n])
		return -ENOMEM;
	*idx = l->n++;
	return 0;
}

static int collect(const struct plot_spec *sp, const struct export_result *res, size_t n,
		   struct plot_lines *l)
{
	struct key_seen keys[MAX_KEYS];
	size_t n_keys = find_varying(sp, res, n, keys);

	for (size_t r = 0; r < n; r++)
		for (size_t c = 0; c < res[r].n_cases; c++) {
			const struct export_case *ec = &res[r].cases[c];
			char label[512] = "", val[64];
			struct plot_point *pt;
			size_t len = 0;

			if (!plotted(sp, ec->name))
				continue;
			if (n > 1) {
				file_label(res, n, r, label, sizeof(label) - 2);
				len = strlen(label);
			}
			for (size_t k = 0; k < n_keys; k++)
				if (keys[k].varies &&
				    name_param(ec->name, keys[k].key, val, sizeof(val)))
					len += snprintf(label + len, sizeof(label) - len, "%s%s:%s",
							len ? " " : "", keys[k].key, val);
			if (!len)
				snprintf(label, sizeof(label), "median");
			pt = realloc(l->points, (l->n_points + 1) * sizeof(*pt));
			if (!pt)
				return -ENOMEM;
			l->points = pt;
			pt = &l->points[l->n_points];
			if (line_index(l, label, &pt->line))
				return -ENOMEM;
			name_param(ec->name, sp->x_key, val, sizeof(val));
			pt->x = !strcmp(sp->x_key, "size") ? size_kib(val) : strtod(val, NULL);
			pt->median = ec->wall.median / 1e3;
			pt->p5 = ec->wall.p5 / 1e3;
			pt->p95 = ec->wall.p95 / 1e3;
			l->n_points++;
		}
	qsort(l->points, l->n_points, sizeof(*l->points), cmp_point);
	return 0;
}

/* Data files <tmp>/<scenario>-<line>.dat and the script <tmp>/<scenario>.gp. */
static int write_script(const struct plot_spec *sp, const struct plot_lines *l, const char *tmp,
			const char *svg, char *script, size_t script_len, struct bb_error *err)
{
	double xmin = INFINITY, xmax = 0, ymin = INFINITY, ymax = 0;
	char path[4096];
	FILE *f;

	for (size_t line = 0, p = 0; line < l->n; line++) {
		snprintf(path, sizeof(path), "%s/%s-%zu.dat", tmp, sp->scenario, line);
		f = fopen(path, "w");
		if (!f)
			return bb_err(err, errno, "cannot write %s: %s", path, errno_name(errno));
		fprintf(f, "# x median_us p5_us p95_us\n");
		for (; p < l->n_points && l->points[p].line == line; p++) {
			const struct plot_point *pt = &l->points[p];

			fprintf(f, "%.9g %.9g %.9g %.9g\n", pt->x, pt->median, pt->p5, pt->p95);
			xmin = fmin(xmin, pt->x), xmax = fmax(xmax, pt->x);
			ymin = fmin(ymin, pt->p5), ymax = fmax(ymax, pt->p95);
		}
		if (fclose(f))
			return bb_err(err, EIO, "cannot write %s", path);
	}

	snprintf(script, script_len, "%s/%s.gp", tmp, sp->scenario);
	f = fopen(script, "w");
	if (!f)
		return bb_err(err, errno, "cannot write %s: %s", script, errno_name(errno));
	/* noenhanced: case names hold '_' and '^' that gnuplot would turn into sub/superscripts. */
	fputs("set terminal svg size 900,560 dynamic noenhanced font 'sans,12' background "
	      "rgb 'white'\nset encoding utf8\nset output ",
	      f);
	gp_string(f, svg);
	fputs("\nset title ", f);
	gp_string(f, sp->title);
	fputs("\nset xlabel ", f);
	gp_string(f, sp->x_label);
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
	for (size_t line = 0; line < l->n; line++) {
		snprintf(path, sizeof(path), "%s/%s-%zu.dat", tmp, sp->scenario, line);
		fprintf(f, "%s", line ? ", \\\n     " : "");
		gp_string(f, path);
		fputs(" using 1:2:3:4 with yerrorlines pointtype 7 title ", f);
		gp_string(f, l->labels[line]);
	}
	fputc('\n', f);
	if (fclose(f))
		return bb_err(err, EIO, "cannot write %s", script);
	return 0;
}

static int run_gnuplot(const char *script, const char *svg, struct bb_error *err)
{
	char *argv[] = { "gnuplot", (char *)script, NULL };
	char out[2048] = "";
	struct stat st;
	int ret = spawn_capture(argv, out, sizeof(out), err);

	if (ret < 0)
		return bb_err_wrap(err, "cannot run gnuplot (is gnuplot-nox installed?)");
	if (ret)
		return bb_err(err, EIO, "gnuplot failed on %s (exit %d): %.1500s", script, ret,
			      out);
	if (stat(svg, &st) || st.st_size == 0)
		return bb_err(err, EIO, "gnuplot wrote no %s: %.1500s", svg, out);
	return 0;
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

int plot_results(const struct export_result *res, size_t n, const char *out_dir,
		 struct plot_paths *written, struct bb_error *err)
{
	char tmp[64], svg[4096], script[4200];
	int ret;

	memset(written, 0, sizeof(*written));
	ret = mkdir_p(out_dir, 0755, err);
	if (ret)
		return ret;
	/* Named like the other scratch dirs, so 'boxbench cleanup' finds one a crash left. */
	snprintf(tmp, sizeof(tmp), "/tmp/boxbench-plot-%d.XXXXXX", (int)getpid());
	if (!mkdtemp(tmp))
		return bb_err(err, errno, "cannot create a temp dir in /tmp: %s",
			      errno_name(errno));
	for (size_t s = 0; s < sizeof(plot_specs) / sizeof(plot_specs[0]); s++) {
		const struct plot_spec *sp = &plot_specs[s];
		struct plot_lines l = { 0 };

		ret = collect(sp, res, n, &l);
		if (ret) {
			bb_err(err, -ret, "out of memory");
		} else if (l.n_points) {
			snprintf(svg, sizeof(svg), "%s/%s.svg", out_dir, sp->scenario);
			ret = write_script(sp, &l, tmp, svg, script, sizeof(script), err);
			if (!ret)
				ret = run_gnuplot(script, svg, err);
			if (!ret && add_path(written, svg))
				ret = bb_err(err, ENOMEM, "out of memory");
		}
		plot_lines_free(&l);
		if (ret)
			break;
	}
	if (!ret && !written->n)
		ret = bb_err(
			err, ENOENT,
			"no mount, lookup (cold), readdir or copyup case in the input: nothing "
			"to plot");
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
