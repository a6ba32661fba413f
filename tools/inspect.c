/* boxbench inspect: what an overlay is made of. Its options, its layers top to bottom with
 * what each holds, what its upper layer changed, and which layer a path comes from, for a
 * mount point, a container's pid or an image dir. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "builtin.h"
#include "inspect/inspect_target.h"
#include "inspect/layer_scan.h"
#include "inspect/overlay_which.h"
#include "storage/ovl_marks.h"
#include "common/printable.h"
#include "inspect/upper_changes.h"

#define TABLE_LIST_MAX 20 /* changed entries the table shows; --json lists them all */
#define ESC_SLOTS      6 /* names one line of the table may show */

static const char inspect_help[] =
	"usage: boxbench inspect [options] TARGET\n"
	"\n"
	"Shows what an overlay is made of: the options in effect, the layers top to bottom\n"
	"with what each holds, what the upper layer changed (copied up, new, deleted), and\n"
	"with --which, the layer a path comes from. It reads the layer dirs themselves, never\n"
	"the merged view.\n"
	"\n"
	"TARGET is, in this order of checks:\n"
	"  PID          a process whose root is an overlay, as the host numbers it (a\n"
	"               container's init): the mount at \"/\" in /proc/PID/mountinfo. Its\n"
	"               layer paths are read in inspect's own mount namespace, where the\n"
	"               mounting runtime usually named them.\n"
	"  MOUNT_POINT  a directory with an overlay mounted on it (the last mount there)\n"
	"  IMAGE_DIR    a directory holding l/0 (the bottom layer) .. l/N-1 (the top): an\n"
	"               image from 'boxbench image import' (its image.json gives digests and\n"
	"               the xattr prefix), or a synthetic stack from the cache\n"
	"               (/var/cache/boxbench/stacks/<key>)\n"
	"\n"
	"options:\n"
	"  --which PATH   replay overlay's lookup of PATH (from the merged root) on the\n"
	"                 layers: name the layer that provides it and every whiteout, opaque\n"
	"                 directory and redirect met on the way down; for a metacopy file,\n"
	"                 also the layer with its data\n"
	"  --json         one JSON object instead of the table (all changed entries listed)\n"
	"  -h, --help     this text\n"
	"\n"
	"Layers are numbered the way boxbench stacks are: lower layers from the bottom (L0 is\n"
	"the bottom, like l/0), the upper layer above the top lower layer, data-only layers\n"
	"D0, D1... in lowerdir order. The table lists them top to bottom, which is the order\n"
	"lowerdir= takes, and --json gives each as an absolute dir.\n"
	"\n"
	"Per layer: files (regular, xattr whiteouts apart), dirs, symlinks, whiteouts as 0/0\n"
	"character devices and as files with overlay.whiteout, opaque dirs (overlay.opaque=y),\n"
	"dirs marked to hold xattr whiteouts (opaque=x), redirects, metacopy files, and bytes\n"
	"(st_size and allocated). Marks are read under trusted.overlay.* unless the mount has\n"
	"userxattr (or image.json says user); marks under the other prefix, which the kernel\n"
	"ignores, are counted apart. Not root: trusted.* xattrs are invisible, counts are low.\n"
	"\n"
	"Upper layer: each entry is held against the lowers (through its redirect, if it has\n"
	"one). Found below: copied up, with its data or metadata only (metacopy), or a dir\n"
	"copied up itself or as the parent of changes; else new; 0/0 devices and xattr\n"
	"whiteouts delete; entries below a redirect the kernel refuses are refused. The table\n"
	"lists the first 20; --json gives them all as copied_up, new_in_upper,\n"
	"whiteouts_in_upper and refused_in_upper, next to target, kind, mount_point, options,\n"
	"xattr_prefix and layers (role, index, dir and the counts, top to bottom).\n"
	"\n"
	"--which follows the kernel where its lookup fails: a redirect that leads to \".\" or\n"
	"\"..\" (EACCES), a malformed one (EINVAL), one a redirect_dir=nofollow mount meets or\n"
	"a metacopy file on a mount without metacopy=on (EPERM), a metacopy file with no data\n"
	"below (EIO): the answer is \"refused\" with that errno, and nothing outside the layer\n"
	"dirs is ever read. Names are shown with control characters and bytes that are not\n"
	"UTF-8 as \\xHH; --json gives them exactly.\n"
	"\n"
	"exit status (as grep's): 0 inspected, and --which PATH exists in the merged view;\n"
	"1 --which PATH is absent, deleted by a whiteout, hidden by an opaque directory, below\n"
	"a non-directory, or refused by the kernel; 2 usage error, a target that is none of the\n"
	"above, or layers that could not be read.\n";

/* A name from the layers, safe for the terminal (printable.h). Each call takes the next of
 * ESC_SLOTS buffers: enough for the names of one printf. */
static const char *esc(const char *s)
{
	static char buf[ESC_SLOTS][PRINTABLE_MAX(PATH_MAX) + 1];
	static unsigned next;

	return s ? printable(buf[next++ % ESC_SLOTS], sizeof(buf[0]), s) : s;
}

static void human(char *buf, size_t len, unsigned long long v)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double d = (double)v;
	int u = 0;

	while (d >= 1024 && u < 4) {
		d /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%llu B", v);
	else
		snprintf(buf, len, "%.1f %s", d, unit[u]);
}

static void layer_label(const struct inspect_layer *l, char *buf, size_t len)
{
	if (l->role == OVL_LAYER_UPPER)
		snprintf(buf, len, "upper");
	else
		snprintf(buf, len, "%c%u", l->role == OVL_LAYER_DATA ? 'D' : 'L', l->index);
}

/* Why a layer could not be read. */
static void layer_problem(const struct inspect_target *t, const struct inspect_layer *l, char *buf,
			  size_t len)
{
	if (l->relative)
		snprintf(buf, len, "'%s' is relative to the mounter's working directory", l->dir);
	else if (l->open_errno == ENOENT && t->kind == INSPECT_PID)
		snprintf(buf, len,
			 "%s: ENOENT: not in inspect's mount namespace (named as the mounting "
			 "process saw it; gone, or private to it)",
			 l->dir);
	else
		snprintf(buf, len, "%s: %s", l->dir, errno_name(l->open_errno));
}

static const char relative_hint[] =
	"relative layer names come from mount(2) called in the layers' parent dir with short\n"
	"names (runtimes do so when lowerdir would pass a page; so does 'boxbench start' for\n"
	"deep stacks); mountinfo does not record that dir. Inspect the stack or image dir\n"
	"that holds the layers instead (it needs l/0, l/1, ...).";

static bool any_relative(const struct inspect_target *t)
{
	for (size_t i = 0; i < t->n_layers; i++)
		if (t->layers[i].relative)
			return true;
	return false;
}

struct report {
	struct inspect_target t;
	struct layer_counts *counts; /* per layer; valid where scanned[i] */
	bool *scanned;
	struct upper_changes changes;
	bool have_changes;
	struct which_layer *wl;
	struct which_answer which;
	const char *which_path;
	bool have_which;
};

static int scan(struct report *r, struct bb_error *err)
{
	struct inspect_target *t = &r->t;
	int e;

	r->counts = calloc(t->n_layers ? t->n_layers : 1, sizeof(*r->counts));
	r->scanned = calloc(t->n_layers ? t->n_layers : 1, sizeof(*r->scanned));
	r->wl = calloc(t->n_layers ? t->n_layers : 1, sizeof(*r->wl));
	if (!r->counts || !r->scanned || !r->wl)
		return bb_err(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < t->n_layers; i++)
		r->wl[i] = (struct which_layer){ .role = t->layers[i].role, .fd = t->layers[i].fd };
	for (size_t i = 0; i < t->n_layers; i++) {
		const struct inspect_layer *l = &t->layers[i];

		if (l->fd < 0)
			continue;
		if (l->role == OVL_LAYER_UPPER) {
			e = upper_changes_scan(r->wl, t->n_layers, l->dir, t->prefix, &r->changes,
					       err);
			if (e)
				return e;
			r->have_changes = true;
			r->counts[i] = r->changes.layer;
		} else if ((e = layer_scan(l->dir, t->prefix, &r->counts[i], NULL, NULL, err))) {
			return e;
		}
		r->scanned[i] = true;
	}
	return 0;
}

/* ---- the table ---- */

static void print_header(const struct inspect_target *t)
{
	const struct ovl_mounted *o = &t->ovl;

	if (t->kind == INSPECT_IMAGE) {
		printf("image dir %s: %zu layer%s (%s)\n", esc(t->dir), t->n_layers,
		       t->n_layers == 1 ? "" : "s",
		       t->manifest ? t->manifest : "no image.json: a plain stack of l/<n>");
		if (t->whiteout_form)
			printf("  whiteouts: %s\n", esc(t->whiteout_form));
	} else {
		if (t->kind == INSPECT_PID)
			printf("overlay at the root of process %d (mount %d, source '%s')\n",
			       t->pid, t->mnt.mount_id, esc(t->mnt.source));
		else
			printf("overlay mounted at %s (mount %d, source '%s')\n",
			       esc(t->mount_point), t->mnt.mount_id, esc(t->mnt.source));
		printf("  options: ");
		for (size_t i = 0; i < o->n_opts; i++)
			printf("%s%s%s%s", i ? "," : "", esc(o->opts[i].key),
			       o->opts[i].value ? "=" : "",
			       o->opts[i].value ? esc(o->opts[i].value) : "");
		printf("%s(layers given as %s)\n", o->n_opts ? " " : "",
		       o->append_syntax ? "lowerdir+=/datadir+=, fsconfig" : "lowerdir=, mount(2)");
		if (o->workdir)
			printf("  workdir: %s\n", esc(o->workdir));
	}
	printf("  xattrs:  %s (%s); redirects %s\n",
	       t->prefix >= 0
		       ? (t->prefix == OVL_PREFIX_USER ? "user.overlay.*" : "trusted.overlay.*")
		       : "trusted.overlay.* or user.overlay.*",
	       t->prefix_source, t->follow_redirects ? "followed" : "not followed");
}

static void print_layers(const struct report *r)
{
	const struct inspect_target *t = &r->t;
	bool problems = false, foreign = false;

	printf("\n  %-6s %7s %6s %5s %6s %8s %6s %6s %5s %5s %10s %10s  %s\n", "layer", "files",
	       "dirs", "links", "wh:dev", "wh:xattr", "opaque", "x-dirs", "redir", "meta", "bytes",
	       "on disk", "dir");
	for (size_t i = 0; i < t->n_layers; i++) {
		const struct inspect_layer *l = &t->layers[i];
		const struct layer_counts *c = &r->counts[i];
		char label[16], b[32], a[32];

		layer_label(l, label, sizeof(label));
		if (!r->scanned[i]) {
			printf("  %-6s %7s %6s %5s %6s %8s %6s %6s %5s %5s %10s %10s  %s\n", label,
			       "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", esc(l->dir));
			problems = true;
			continue;
		}
		human(b, sizeof(b), c->bytes);
		human(a, sizeof(a), c->alloc_bytes);
		printf("  %-6s %7llu %6llu %5llu %6llu %8llu %6llu %6llu %5llu %5llu %10s %10s  %s\n",
		       label, c->files, c->dirs, c->symlinks, c->whiteouts_chardev,
		       c->whiteouts_xattr, c->opaque_dirs, c->xwhiteout_dirs, c->redirects,
		       c->metacopy, b, a, esc(l->dir));
		foreign |= c->foreign_marks > 0;
	}
	for (size_t i = 0; i < t->n_layers; i++) {
		const struct layer_counts *c = &r->counts[i];
		char label[16];

		if (!r->scanned[i] || t->layers[i].role != OVL_LAYER_LOWER || c->files || c->dirs ||
		    c->symlinks || c->whiteouts_chardev || c->whiteouts_xattr)
			continue;
		layer_label(&t->layers[i], label, sizeof(label));
		printf("\n  %s is empty from here: a lower that is a mount in another mount "
		       "namespace (a boxbench run's composefs erofs image is one, in the run's "
		       "private namespace) shows only as its empty mount point; its counts are "
		       "not the overlay's\n",
		       label);
	}
	if (problems) {
		printf("\n  not read:\n");
		for (size_t i = 0; i < t->n_layers; i++) {
			char label[16], why[PATH_MAX + 300];

			if (r->scanned[i])
				continue;
			layer_label(&t->layers[i], label, sizeof(label));
			layer_problem(t, &t->layers[i], why, sizeof(why));
			printf("  %-6s %s\n", label, esc(why));
		}
		if (any_relative(t))
			printf("\n%s\n", relative_hint);
	}
	if (foreign) {
		printf("\n  marks the kernel ignores (under %s.overlay.*, the prefix this overlay "
		       "does not read):\n",
		       ovl_prefix_name(!t->prefix));
		for (size_t i = 0; i < t->n_layers; i++) {
			char label[16];

			if (!r->scanned[i] || !r->counts[i].foreign_marks)
				continue;
			layer_label(&t->layers[i], label, sizeof(label));
			printf("  %-6s %llu entries\n", label, r->counts[i].foreign_marks);
		}
	}
}

static void print_changes(const struct report *r)
{
	const struct upper_changes *c = &r->changes;
	size_t shown = 0;

	printf("\n  upper vs lowers: copied up %llu with data, %llu metadata only (metacopy), "
	       "%llu dirs (%llu as parents of changes), %llu other; %llu replaced; %llu new; "
	       "%llu whiteouts\n",
	       c->count[UPPER_DATA], c->count[UPPER_METACOPY], c->count[UPPER_DIR], c->parents,
	       c->count[UPPER_OTHER], c->count[UPPER_REPLACED], c->count[UPPER_NEW],
	       c->count[UPPER_WHITEOUT]);
	if (c->count[UPPER_REFUSED])
		printf("  %llu refused: below a redirect the kernel refuses (\"..\", \".\" or "
		       "malformed), not in the merged view\n",
		       c->count[UPPER_REFUSED]);
	for (size_t i = 0; i < c->n && shown < TABLE_LIST_MAX; i++, shown++) {
		const struct upper_change *u = &c->v[i];
		char from[PATH_MAX + 32] = "";

		if (u->lower >= 0 && u->lower_path && strcmp(u->lower_path, u->path))
			snprintf(from, sizeof(from), "  (from %s)", esc(u->lower_path));
		printf("    %-9s %s%s%s\n", upper_change_kind_name(u->kind), esc(u->path),
		       u->kind == UPPER_DIR && u->parent ? "/ (parent)" : "", from);
	}
	if (c->n > shown)
		printf("    ... %zu more (--json lists them all)\n", c->n - shown);
}

static void print_layer_ref(const struct inspect_target *t, size_t pos)
{
	char label[16];

	layer_label(&t->layers[pos], label, sizeof(label));
	printf("%s (%s)", label, esc(t->layers[pos].dir));
}

static const char *type_name(mode_t m)
{
	switch (m & S_IFMT) {
	case S_IFREG:
		return "file";
	case S_IFDIR:
		return "dir";
	case S_IFLNK:
		return "symlink";
	case S_IFCHR:
		return "char device";
	case S_IFBLK:
		return "block device";
	case S_IFIFO:
		return "fifo";
	case S_IFSOCK:
		return "socket";
	}
	return "?";
}

static void print_which(const struct report *r)
{
	const struct which_answer *a = &r->which;
	const struct inspect_target *t = &r->t;

	printf("\n  --which %s: ", esc(r->which_path));
	switch (a->result) {
	case WHICH_FOUND:
		printf("%s from ", type_name(a->type));
		print_layer_ref(t, (size_t)a->layer);
		if (a->layer_path[0] &&
		    strcmp(a->layer_path,
			   r->which_path[0] == '/' ? r->which_path + 1 : r->which_path))
			printf(" as %s", esc(a->layer_path));
		printf("\n");
		if (a->n_merged > 1) {
			printf("    merged dir of %zu layers:", a->n_merged);
			for (size_t i = 0; i < a->n_merged; i++) {
				char label[16];

				layer_label(&t->layers[a->merged[i]], label, sizeof(label));
				printf(" %s", label);
			}
			printf("\n");
		}
		if (a->data_layer >= 0) {
			printf("    data from ");
			print_layer_ref(t, (size_t)a->data_layer);
			printf(" as %s\n", esc(a->data_path));
		} else if (a->metacopy) {
			printf("    data: in no layer below (a metacopy file without its data: "
			       "reading it fails)\n");
		}
		break;
	case WHICH_DELETED:
		printf("deleted at ");
		print_layer_ref(t, (size_t)a->layer);
		printf(": a whiteout for %s\n", esc(a->stopped_at));
		break;
	case WHICH_HIDDEN:
		printf("hidden: an opaque directory at ");
		print_layer_ref(t, (size_t)a->layer);
		printf(" covers it\n");
		break;
	case WHICH_ABSENT:
		printf("absent from every layer the lookup reaches (stopped at %s)\n",
		       esc(a->stopped_at));
		break;
	case WHICH_NOT_DIR:
		printf("%s is no directory in ", esc(a->stopped_at));
		print_layer_ref(t, (size_t)a->layer);
		printf(": nothing below it\n");
		break;
	case WHICH_SYMLINK:
		printf("%s is a symlink in ", esc(a->stopped_at));
		print_layer_ref(t, (size_t)a->layer);
		printf(": resolve it and ask for the target (inspect follows no symlinks)\n");
		break;
	case WHICH_REFUSED:
		printf("refused: the kernel's lookup of %s fails with %s: %s, at ",
		       esc(a->stopped_at), errno_name(a->error), a->why);
		print_layer_ref(t, (size_t)a->layer);
		printf("\n");
		break;
	}
	if (a->n_below) {
		printf("    still there below:");
		for (size_t i = 0; i < a->n_below; i++) {
			char label[16];

			layer_label(&t->layers[a->below[i]], label, sizeof(label));
			printf(" %s", label);
		}
		printf("\n");
	}
	for (size_t i = 0; i < a->n_events; i++) {
		const struct which_event *ev = &a->events[i];
		char label[16];

		layer_label(&t->layers[ev->layer], label, sizeof(label));
		switch (ev->kind) {
		case WHICH_EV_WHITEOUT:
			printf("    whiteout   %-6s %s\n", label, esc(ev->path));
			break;
		case WHICH_EV_OPAQUE:
			printf("    opaque     %-6s %s/ (layers below it are not read)\n", label,
			       esc(ev->path));
			break;
		case WHICH_EV_REDIRECT:
			printf("    redirect   %-6s %s -> %s\n", label, esc(ev->path),
			       esc(ev->target));
			break;
		case WHICH_EV_REDIRECT_IGNORED:
			printf("    redirect   %-6s %s -> %s (not read: nothing is below the lowest "
			       "layer)\n",
			       label, esc(ev->path), esc(ev->target));
			break;
		case WHICH_EV_METACOPY:
			printf("    metacopy   %-6s %s (metadata only)\n", label, esc(ev->path));
			break;
		case WHICH_EV_UNREADABLE:
			printf("    unreadable %-6s %s (skipped: the answer may be wrong)\n", label,
			       esc(t->layers[ev->layer].dir));
			break;
		}
	}
}

/* ---- JSON ---- */

/* A name for --json: exact when it is UTF-8 (jansson escapes the controls); a JSON string
 * cannot hold other bytes, so such a name comes \xHH-escaped as in the table. */
static json_t *json_name(const char *s)
{
	static char buf[PRINTABLE_MAX(PATH_MAX) + 1];

	if (!s)
		return json_null();
	return json_string(printable_is_utf8(s) ? s : printable(buf, sizeof(buf), s));
}

static json_t *layer_ref_json(const struct inspect_target *t, long pos)
{
	const struct inspect_layer *l;

	if (pos < 0)
		return json_null();
	l = &t->layers[pos];
	return json_pack("{s:s,s:i,s:o}", "role", ovl_layer_role_name(l->role), "index",
			 (int)l->index, "dir", json_name(l->dir));
}

static json_t *counts_json(json_t *o, const struct layer_counts *c)
{
	json_object_set_new(o, "files", json_integer((json_int_t)c->files));
	json_object_set_new(o, "dirs", json_integer((json_int_t)c->dirs));
	json_object_set_new(o, "symlinks", json_integer((json_int_t)c->symlinks));
	json_object_set_new(o, "others", json_integer((json_int_t)c->others));
	json_object_set_new(o, "whiteouts_chardev", json_integer((json_int_t)c->whiteouts_chardev));
	json_object_set_new(o, "whiteouts_xattr", json_integer((json_int_t)c->whiteouts_xattr));
	json_object_set_new(o, "opaque_dirs", json_integer((json_int_t)c->opaque_dirs));
	json_object_set_new(o, "xwhiteout_dirs", json_integer((json_int_t)c->xwhiteout_dirs));
	json_object_set_new(o, "redirects", json_integer((json_int_t)c->redirects));
	json_object_set_new(o, "metacopy", json_integer((json_int_t)c->metacopy));
	json_object_set_new(o, "bytes", json_integer((json_int_t)c->bytes));
	json_object_set_new(o, "alloc_bytes", json_integer((json_int_t)c->alloc_bytes));
	json_object_set_new(o, "foreign_marks", json_integer((json_int_t)c->foreign_marks));
	json_object_set_new(o, "other_fs_dirs", json_integer((json_int_t)c->other_fs));
	return o;
}

static json_t *layers_json(const struct report *r)
{
	const struct inspect_target *t = &r->t;
	json_t *arr = json_array();

	for (size_t i = 0; i < t->n_layers; i++) {
		const struct inspect_layer *l = &t->layers[i];
		json_t *o = layer_ref_json(t, (long)i);

		if (l->digest)
			json_object_set_new(o, "digest", json_string(l->digest));
		json_object_set_new(o, "relative", json_boolean(l->relative));
		json_object_set_new(o, "readable", json_boolean(r->scanned[i]));
		if (r->scanned[i]) {
			counts_json(o, &r->counts[i]);
		} else {
			char why[PATH_MAX + 300];

			layer_problem(t, l, why, sizeof(why));
			json_object_set_new(o, "error", json_name(why));
		}
		json_array_append_new(arr, o);
	}
	return arr;
}

static json_t *options_json(const struct ovl_mounted *o)
{
	json_t *obj = json_object();

	for (size_t i = 0; i < o->n_opts; i++)
		json_object_set_new(obj, o->opts[i].key,
				    o->opts[i].value ? json_name(o->opts[i].value) : json_true());
	return obj;
}

static void changes_json(json_t *root, const struct report *r)
{
	const struct upper_changes *c = &r->changes;
	json_t *copied = json_array(), *added = json_array(), *wh = json_array(),
	       *refused = json_array(), *summary = json_object();

	for (size_t i = 0; i < c->n; i++) {
		const struct upper_change *u = &c->v[i];
		json_t *o = json_pack("{s:o,s:s,s:s}", "path", json_name(u->path), "kind",
				      upper_change_kind_name(u->kind), "type", type_name(u->type));

		if (u->lower >= 0) {
			json_object_set_new(o, "lower", layer_ref_json(&r->t, u->lower));
			json_object_set_new(o, "lower_path", json_name(u->lower_path));
		}
		if (u->type == S_IFDIR)
			json_object_set_new(o, "parent", json_boolean(u->parent));
		json_array_append_new(u->kind == UPPER_NEW	  ? added
				      : u->kind == UPPER_WHITEOUT ? wh
				      : u->kind == UPPER_REFUSED  ? refused
								  : copied,
				      o);
	}
	for (int k = 0; k < UPPER_KIND_MAX; k++)
		json_object_set_new(summary, upper_change_kind_name(k),
				    json_integer((json_int_t)c->count[k]));
	json_object_set_new(summary, "parent_dirs", json_integer((json_int_t)c->parents));
	json_object_set_new(root, "upper_summary", summary);
	json_object_set_new(root, "copied_up", copied);
	json_object_set_new(root, "new_in_upper", added);
	json_object_set_new(root, "whiteouts_in_upper", wh);
	json_object_set_new(root, "refused_in_upper", refused);
}

static json_t *which_json(const struct report *r)
{
	const struct which_answer *a = &r->which;
	json_t *o = json_object(), *events = json_array();

	json_object_set_new(o, "path", json_name(r->which_path));
	json_object_set_new(o, "result", json_string(which_result_name(a->result)));
	json_object_set_new(o, "layer", layer_ref_json(&r->t, a->layer));
	if (a->result == WHICH_FOUND) {
		json_object_set_new(o, "type", json_string(type_name(a->type)));
		json_object_set_new(o, "layer_path", json_name(a->layer_path));
		json_object_set_new(o, "metacopy", json_boolean(a->metacopy));
		if (a->n_merged) {
			json_t *m = json_array();

			for (size_t i = 0; i < a->n_merged; i++)
				json_array_append_new(m, layer_ref_json(&r->t, (long)a->merged[i]));
			json_object_set_new(o, "merged", m);
		}
		if (a->data_layer >= 0) {
			json_object_set_new(o, "data_layer", layer_ref_json(&r->t, a->data_layer));
			json_object_set_new(o, "data_path", json_name(a->data_path));
		}
	} else {
		json_object_set_new(o, "stopped_at", json_name(a->stopped_at));
	}
	if (a->result == WHICH_REFUSED) {
		json_object_set_new(o, "errno", json_string(errno_name(a->error)));
		json_object_set_new(o, "why", json_string(a->why));
	}
	if (a->n_below) {
		json_t *b = json_array();

		for (size_t i = 0; i < a->n_below; i++)
			json_array_append_new(b, layer_ref_json(&r->t, a->below[i]));
		json_object_set_new(o, "below", b);
	}
	for (size_t i = 0; i < a->n_events; i++) {
		const struct which_event *ev = &a->events[i];
		json_t *e = layer_ref_json(&r->t, (long)ev->layer);

		json_object_set_new(e, "kind", json_string(which_event_name(ev->kind)));
		json_object_set_new(e, "path", json_name(ev->path));
		if (ev->target)
			json_object_set_new(e, "target", json_name(ev->target));
		json_array_append_new(events, e);
	}
	json_object_set_new(o, "events", events);
	return o;
}

static void print_json(const struct report *r, const char *target)
{
	const struct inspect_target *t = &r->t;
	json_t *root = json_object();

	json_object_set_new(root, "target", json_name(target));
	json_object_set_new(root, "kind", json_string(inspect_kind_name(t->kind)));
	if (t->kind == INSPECT_PID)
		json_object_set_new(root, "pid", json_integer(t->pid));
	if (t->kind == INSPECT_IMAGE) {
		json_object_set_new(root, "dir", json_name(t->dir));
		json_object_set_new(root, "manifest",
				    t->manifest ? json_string(t->manifest) : json_null());
		json_object_set_new(root, "whiteout", json_name(t->whiteout_form));
	} else {
		json_object_set_new(root, "mount_point", json_name(t->mount_point));
		json_object_set_new(root, "mount_id", json_integer(t->mnt.mount_id));
		json_object_set_new(root, "source", json_name(t->mnt.source));
		json_object_set_new(root, "mount_options", json_name(t->mnt.mount_options));
		json_object_set_new(root, "options", options_json(&t->ovl));
		json_object_set_new(root, "layer_syntax",
				    json_string(t->ovl.append_syntax ? "lowerdir+" : "lowerdir"));
		json_object_set_new(root, "workdir", json_name(t->ovl.workdir));
	}
	json_object_set_new(root, "xattr_prefix",
			    t->prefix >= 0 ? json_string(ovl_prefix_name(t->prefix)) : json_null());
	json_object_set_new(root, "xattr_prefix_source", json_string(t->prefix_source));
	json_object_set_new(root, "follow_redirects", json_boolean(t->follow_redirects));
	json_object_set_new(root, "layers", layers_json(r));
	if (r->have_changes)
		changes_json(root, r);
	if (r->have_which)
		json_object_set_new(root, "which", which_json(r));
	json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	json_decref(root);
}

int cmd_inspect(int argc, char **argv)
{
	static const struct option options[] = {
		{ "which", required_argument, NULL, 'w' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct report r = { 0 };
	struct bb_error err = { 0 };
	const char *target;
	bool json = false, hint = false;
	int opt, status = 2;

	opterr = 0;
	/* Options may follow the target ("inspect 4242 --which /etc/passwd"). */
	while ((opt = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
		switch (opt) {
		case 'w':
			r.which_path = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			fputs(inspect_help, stdout);
			return 0;
		default:
			return usage_bad_option("inspect", opt, argv);
		}
	}
	if (optind >= argc)
		return usage_error("inspect", "what should it inspect? Give a pid, an overlay "
					      "mount point or an image dir");
	if (optind + 1 < argc)
		return usage_error("inspect", "unexpected argument '%s' (one target at a time)",
				   argv[optind + 1]);
	target = argv[optind];

	if (inspect_target_open(target, &r.t, &err) || scan(&r, &err))
		goto fail;
	if (geteuid() != 0 && r.t.prefix != OVL_PREFIX_USER)
		fprintf(stderr,
			"boxbench inspect: not root: trusted.overlay.* xattrs are invisible, so "
			"xattr whiteouts, opaque dirs, redirects and metacopy read as absent\n");
	if (r.which_path) {
		struct which_opts wo = { .prefix = r.t.prefix,
					 .follow_redirects = r.t.follow_redirects,
					 .refuse_metacopy = r.t.refuse_metacopy };
		/* A layer it cannot read could hold the answer: say so rather than guess. */
		for (size_t i = 0; i < r.t.n_layers; i++) {
			const struct inspect_layer *l = &r.t.layers[i];
			char why[PATH_MAX + 300], label[16];

			if (l->fd >= 0 || l->role == OVL_LAYER_DATA)
				continue;
			layer_label(l, label, sizeof(label));
			layer_problem(&r.t, l, why, sizeof(why));
			bb_err(&err, l->relative ? ENOENT : l->open_errno,
			       "--which %s: layer %s cannot be read (%s), and could hold the answer",
			       r.which_path, label, why);
			hint = l->relative;
			goto fail;
		}
		if (overlay_which(r.wl, r.t.n_layers, &wo, r.which_path, &r.which, &err))
			goto fail;
		r.have_which = true;
	}
	if (json) {
		print_json(&r, target);
	} else {
		print_header(&r.t);
		print_layers(&r);
		if (r.have_changes)
			print_changes(&r);
		if (r.have_which)
			print_which(&r);
	}
	status = r.have_which && r.which.result != WHICH_FOUND ? 1 : 0;
	goto out;
fail:
	fprintf(stderr, "boxbench inspect: %s\n", err.msg);
	if (hint)
		fprintf(stderr, "%s\n", relative_hint);
out:
	if (r.have_which)
		which_answer_free(&r.which);
	if (r.have_changes)
		upper_changes_free(&r.changes);
	free(r.counts);
	free(r.scanned);
	free(r.wl);
	inspect_target_close(&r.t);
	return status;
}
