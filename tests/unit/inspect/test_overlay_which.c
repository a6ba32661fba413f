/* Unit tests for the lookup replay of `inspect --which` (overlay_which): layer dirs made in a
 * temp dir, their marks written as user.overlay.* xattrs, which any user may set, so no root
 * and no mount are needed. Layers are numbered top first, as the replay takes them. That the
 * replay agrees with the kernel's own lookup is tests/integration/test_inspect.sh's job. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/fsutil.h"
#include "inspect/overlay_which.h"
#include "storage/ovl_marks.h"

#define MAX_LAYERS 4

/* The mount options most tests replay: user.overlay.* marks, redirects followed; and a mount
 * that honours trusted.overlay.* instead, for which the user marks are not there. */
static const struct which_opts user_opts = { .prefix = OVL_PREFIX_USER, .follow_redirects = true };
static const struct which_opts trusted_opts = { .prefix = OVL_PREFIX_TRUSTED,
						.follow_redirects = true };

/* cmocka hands no state to the helpers, so the layers are simply globals. */
static char tmp[PATH_MAX];
static struct which_layer layers[MAX_LAYERS];
static size_t n_layers;

static int setup(void **state)
{
	const char *base = getenv("TMPDIR");

	(void)state;
	snprintf(tmp, sizeof(tmp), "%s/bbunit-which.XXXXXX", base && base[0] ? base : "/tmp");
	n_layers = 0;
	return mkdtemp(tmp) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	for (size_t k = 0; k < n_layers; k++)
		close(layers[k].fd);
	n_layers = 0;
	return remove_tree(tmp, NULL);
}

static void path_in(char *buf, size_t len, size_t k, const char *rel)
{
	snprintf(buf, len, "%s/%zu%s%s", tmp, k, rel[0] ? "/" : "", rel);
}

/* Layers 0 .. strlen(roles)-1 (0 on top): 'U' upper, 'L' lower, 'D' data-only. */
static void make_layers(const char *roles)
{
	char dir[PATH_MAX];

	for (n_layers = 0; roles[n_layers]; n_layers++) {
		struct which_layer *l = &layers[n_layers];

		assert_true(n_layers < MAX_LAYERS);
		path_in(dir, sizeof(dir), n_layers, "");
		assert_int_equal(mkdir(dir, 0755), 0);
		l->role = roles[n_layers] == 'U'   ? OVL_LAYER_UPPER
			  : roles[n_layers] == 'D' ? OVL_LAYER_DATA
						   : OVL_LAYER_LOWER;
		l->fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		assert_true(l->fd >= 0);
	}
}

static void make_dir(size_t k, const char *rel)
{
	char p[PATH_MAX];

	path_in(p, sizeof(p), k, rel);
	assert_int_equal(mkdir_p(p, 0755, NULL), 0);
}

/* rel's parent dirs, so that the entry itself can be made. */
static void make_parents(size_t k, const char *rel)
{
	const char *slash = strrchr(rel, '/');
	char parent[PATH_MAX];

	if (!slash)
		return;
	snprintf(parent, sizeof(parent), "%.*s", (int)(slash - rel), rel);
	make_dir(k, parent);
}

static void make_file(size_t k, const char *rel, const char *data)
{
	char p[PATH_MAX];

	make_parents(k, rel);
	path_in(p, sizeof(p), k, rel);
	assert_int_equal(write_file(p, data, strlen(data), NULL), 0);
}

static void make_symlink(size_t k, const char *rel, const char *target)
{
	char p[PATH_MAX];

	make_parents(k, rel);
	path_in(p, sizeof(p), k, rel);
	assert_int_equal(symlink(target, p), 0);
}

/* A whiteout as the kernel makes it: a 0/0 character device, which any user may create
 * (Linux 5.8+) except on overlayfs, which keeps them for its own whiteouts. */
static void make_chardev_whiteout(size_t k, const char *rel)
{
	char p[PATH_MAX];

	make_parents(k, rel);
	path_in(p, sizeof(p), k, rel);
	if (path_on_overlayfs(tmp))
		skip(); /* the temp dir is OVERLAYFS_NO_CHARDEV_WHY: set TMPDIR elsewhere */
	assert_int_equal(mknod(p, S_IFCHR | 0600, makedev(0, 0)), 0);
}

/* Sets user.overlay.NAME on rel (not followed). */
static void mark(size_t k, const char *rel, const char *name, const char *value)
{
	char p[PATH_MAX], xname[64];

	path_in(p, sizeof(p), k, rel);
	snprintf(xname, sizeof(xname), "user.overlay.%s", name);
	if (lsetxattr(p, xname, value, strlen(value), 0) < 0)
		fail_msg("setting %s on %s: %s (the temp dir's file system must take user.* "
			 "xattrs: set TMPDIR to a dir on ext4, xfs, btrfs or tmpfs 6.6+)",
			 xname, p, strerror(errno));
}

/* The replay's answer for path; the caller frees it. */
static struct which_answer which(const char *path, const struct which_opts *o)
{
	struct which_answer a;
	struct bb_error err = { 0 };
	int e = overlay_which(layers, n_layers, o, path, &a, &err);

	if (e)
		fail_msg("overlay_which(%s): %d: %s", path, e, err.msg);
	return a;
}

/* The events, as "kind@layer:path" (">target" for a redirect), space-separated. */
static const char *events_of(const struct which_answer *a)
{
	static char buf[1024];
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < a->n_events; i++) {
		const struct which_event *ev = &a->events[i];

		used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%s@%zu:%s%s%s",
					 i ? " " : "", which_event_name(ev->kind), ev->layer,
					 ev->path, ev->target ? ">" : "",
					 ev->target ? ev->target : "");
		assert_true(used < sizeof(buf));
	}
	return buf;
}

/* The layers below a hidden or deleted name, as "1 2". */
static const char *below_of(const struct which_answer *a)
{
	static char buf[64];
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < a->n_below; i++)
		used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%ld", i ? " " : "",
					 a->below[i]);
	return buf;
}

static void assert_found(const char *path, const struct which_opts *o, long layer,
			 const char *layer_path, mode_t type)
{
	struct which_answer a = which(path, o);

	assert_string_equal(which_result_name(a.result), "found");
	assert_int_equal(a.layer, layer);
	assert_string_equal(a.layer_path, layer_path);
	assert_int_equal(a.type, type);
	which_answer_free(&a);
}

/* A walk that stopped short of a found entry: deleted, hidden, absent, not_a_directory or
 * symlink, where (the merged path) and at which layer; below lists the layers holding the path
 * under a whiteout or opaque dir, events what the walk met on the way. */
static void assert_stopped(const char *path, const struct which_opts *o, const char *result,
			   long layer, const char *stopped_at, const char *below,
			   const char *events)
{
	struct which_answer a = which(path, o);

	assert_string_equal(which_result_name(a.result), result);
	assert_int_equal(a.layer, layer);
	assert_string_equal(a.stopped_at, stopped_at);
	assert_string_equal(below_of(&a), below);
	assert_string_equal(events_of(&a), events);
	which_answer_free(&a);
}

static void assert_refused(const char *path, const struct which_opts *o, int error, long layer,
			   const char *stopped_at)
{
	struct which_answer a = which(path, o);

	assert_string_equal(which_result_name(a.result), "refused");
	assert_int_equal(a.error, error);
	assert_int_equal(a.layer, layer);
	assert_string_equal(a.stopped_at, stopped_at);
	assert_non_null(a.why);
	which_answer_free(&a);
}

/* ---- the first layer holding a name provides it ---- */

static void found_at_the_topmost_layer_holding_the_name(void **state)
{
	struct which_answer a;
	struct bb_error err = { 0 };

	(void)state;
	make_layers("LLL");
	make_file(2, "a/f", "bottom");
	make_file(1, "a/f", "middle");
	make_file(2, "a/g", "bottom");
	make_dir(0, "a");
	assert_found("a/f", &user_opts, 1, "a/f", S_IFREG);
	assert_found("a/g", &user_opts, 2, "a/g", S_IFREG);
	/* The user's spelling is not the layers': "/a//./g" is a/g. */
	assert_found("/a//./g", &user_opts, 2, "a/g", S_IFREG);

	/* A directory merges every layer that has it, top first. */
	a = which("a", &user_opts);
	assert_string_equal(which_result_name(a.result), "found");
	assert_int_equal(a.type, S_IFDIR);
	assert_int_equal(a.n_merged, 3);
	assert_int_equal(a.merged[0], 0);
	assert_int_equal(a.merged[2], 2);
	assert_string_equal(events_of(&a), "");
	which_answer_free(&a);

	assert_stopped("a/nothing", &user_opts, "absent", -1, "a/nothing", "", "");
	assert_stopped("a/f/x", &user_opts, "not_a_directory", 1, "a/f", "", "");

	assert_int_equal(overlay_which(layers, n_layers, &user_opts, "a/../a/f", &a, &err),
			 -EINVAL);
	assert_non_null(strstr(err.msg, "'..'"));
}

/* An upper layer takes part in the lookup as the topmost layer. */
static void an_upper_layer_is_looked_up_first(void **state)
{
	struct which_answer a;

	(void)state;
	make_layers("UL");
	make_file(0, "d/new", "upper");
	make_file(1, "d/old", "lower");
	make_file(1, "d/both", "lower");
	make_file(0, "d/both", "upper");
	assert_found("d/new", &user_opts, 0, "d/new", S_IFREG);
	assert_found("d/old", &user_opts, 1, "d/old", S_IFREG);
	assert_found("d/both", &user_opts, 0, "d/both", S_IFREG);
	a = which("d", &user_opts);
	assert_int_equal(a.n_merged, 2);
	assert_int_equal(layers[a.merged[0]].role, OVL_LAYER_UPPER);
	which_answer_free(&a);
}

/* The replay reads the layers only: a symlink is the VFS's to resolve, never followed. */
static void a_symlink_on_the_way_stops_the_walk(void **state)
{
	(void)state;
	make_layers("LL");
	make_symlink(0, "s", "/etc");
	make_file(1, "s/passwd", "lower");
	assert_stopped("s/passwd", &user_opts, "symlink", 0, "s", "", "");
	assert_found("s", &user_opts, 0, "s", S_IFLNK);
}

/* ---- whiteouts, both forms ---- */

static void a_chardev_whiteout_deletes_the_names_below(void **state)
{
	(void)state;
	make_layers("LLL");
	make_file(2, "a/f", "bottom");
	make_chardev_whiteout(1, "a/f");
	assert_stopped("a/f", &user_opts, "deleted", 1, "a/f", "2", "whiteout@1:a/f");

	/* A whited-out directory takes what is below it along. */
	make_file(2, "d/x", "bottom");
	make_chardev_whiteout(1, "d");
	assert_stopped("d/x", &user_opts, "deleted", 1, "d", "2", "whiteout@1:d");

	/* A name made again above its whiteout is the new one. */
	make_file(0, "a/f", "top");
	assert_found("a/f", &user_opts, 0, "a/f", S_IFREG);
}

/* The 6.7+ form: an empty regular file marked .whiteout, in a dir marked opaque "x" (which
 * flags whiteouts inside and hides nothing). */
static void an_xattr_whiteout_deletes_the_names_below(void **state)
{
	(void)state;
	make_layers("LL");
	make_file(1, "a/f", "bottom");
	make_file(1, "a/g", "bottom");
	make_file(1, "a/h", "bottom");
	make_file(0, "a/f", "");
	make_file(0, "a/h", "data");
	mark(0, "a", "opaque", "x");
	mark(0, "a/f", "whiteout", "");
	mark(0, "a/h", "whiteout", "");
	assert_stopped("a/f", &user_opts, "deleted", 0, "a/f", "1", "whiteout@0:a/f");
	assert_found("a/g", &user_opts, 1, "a/g", S_IFREG);
	/* The kernel takes only an empty file for one: with data it is a file. */
	assert_found("a/h", &user_opts, 0, "a/h", S_IFREG);
	/* A mount that honours trusted.overlay.* sees a plain empty file. */
	assert_found("a/f", &trusted_opts, 0, "a/f", S_IFREG);
}

/* ---- opaque directories ---- */

static void an_opaque_dir_hides_the_layers_below(void **state)
{
	struct which_answer a;

	(void)state;
	make_layers("LLL");
	make_file(0, "o/top", "top");
	make_file(1, "o/x", "middle");
	make_file(2, "o/x", "bottom");
	mark(0, "o", "opaque", "y");
	a = which("o", &user_opts);
	assert_string_equal(which_result_name(a.result), "found");
	assert_int_equal(a.n_merged, 1);
	assert_string_equal(events_of(&a), "opaque@0:o");
	which_answer_free(&a);

	assert_stopped("o/x", &user_opts, "hidden", 0, "o/x", "1 2", "opaque@0:o");
	assert_stopped("o/none", &user_opts, "absent", -1, "o/none", "", "opaque@0:o");
	assert_found("o/top", &user_opts, 0, "o/top", S_IFREG);
	/* Marked for another prefix than the mount's, the dir is not opaque. */
	assert_found("o/x", &trusted_opts, 1, "o/x", S_IFREG);
}

/* ---- redirects ---- */

/* A lower dir renamed on the upper side: the layers below are asked for its old name. */
static void a_relative_redirect_renames_a_lower_dir(void **state)
{
	const struct which_opts nofollow = { .prefix = OVL_PREFIX_USER };
	struct which_answer a;

	(void)state;
	make_layers("LL");
	make_dir(0, "b");
	mark(0, "b", "redirect", "a");
	make_file(1, "a/f", "lower");
	make_file(1, "b/g", "not reached");
	a = which("b/f", &user_opts);
	assert_string_equal(which_result_name(a.result), "found");
	assert_int_equal(a.layer, 1);
	assert_string_equal(a.layer_path, "a/f");
	assert_string_equal(events_of(&a), "redirect@0:b>a");
	which_answer_free(&a);
	assert_stopped("b/g", &user_opts, "absent", -1, "b/g", "", "redirect@0:b>a");
	/* redirect_dir=nofollow: the kernel refuses the lookup. */
	assert_refused("b/f", &nofollow, EPERM, 0, "b");
}

/* An absolute redirect names the dir from the layers' roots, whatever its parent is. */
static void an_absolute_redirect_is_taken_from_the_root(void **state)
{
	(void)state;
	make_layers("LLL");
	make_dir(0, "x/y");
	mark(0, "x/y", "redirect", "/real");
	make_dir(1, "x");
	make_file(2, "real/f", "bottom");
	assert_found("x/y/f", &user_opts, 2, "real/f", S_IFREG);
}

/* A redirect that climbs out of the layers, or is malformed, fails the kernel's lookup: the
 * replay says so, and never answers from the dir outside it names. */
static void a_redirect_out_of_the_layers_is_refused(void **state)
{
	(void)state;
	make_layers("LL");
	/* What a lookup that followed "/../outside" from layer 1's root would reach. */
	make_dir(0, "../outside");
	make_file(0, "../outside/passwd", "host file");
	make_dir(0, "up");
	mark(0, "up", "redirect", "/../outside");
	make_dir(0, "up2");
	mark(0, "up2", "redirect", "..");
	make_dir(0, "bad");
	mark(0, "bad", "redirect", "a/b");
	make_dir(0, "bad2");
	mark(0, "bad2", "redirect", "/a//b");
	make_file(1, "a/b/f", "lower");
	assert_refused("up/passwd", &user_opts, EACCES, 0, "up");
	assert_refused("up", &user_opts, EACCES, 0, "up");
	assert_refused("up2/x", &user_opts, EACCES, 0, "up2");
	assert_refused("bad/f", &user_opts, EINVAL, 0, "bad");
	assert_refused("bad2", &user_opts, EINVAL, 0, "bad2");
}

/* ---- metacopy ---- */

static void a_metacopy_file_takes_its_data_from_below(void **state)
{
	const struct which_opts off = { .prefix = OVL_PREFIX_USER,
					.follow_redirects = true,
					.refuse_metacopy = true };
	struct which_answer a;

	(void)state;
	make_layers("LL");
	make_file(0, "mc", "");
	mark(0, "mc", "metacopy", "");
	make_file(1, "mc", "data");
	make_file(0, "nodata", "");
	mark(0, "nodata", "metacopy", "");
	a = which("mc", &user_opts);
	assert_string_equal(which_result_name(a.result), "found");
	assert_int_equal(a.layer, 0);
	assert_true(a.metacopy);
	assert_int_equal(a.data_layer, 1);
	assert_string_equal(a.data_path, "mc");
	assert_string_equal(events_of(&a), "metacopy@0:mc");
	which_answer_free(&a);
	/* No data below: the kernel aborts the lookup. */
	assert_refused("nodata", &user_opts, EIO, 0, "nodata");
	/* metacopy=off: the kernel refuses to follow one. */
	assert_refused("mc", &off, EPERM, 0, "mc");
}

/* A metacopy file whose absolute redirect names its data in a data-only layer. */
static void a_metacopy_file_finds_its_data_in_a_data_only_layer(void **state)
{
	struct which_answer a;

	(void)state;
	make_layers("LD");
	make_file(0, "m", "");
	mark(0, "m", "metacopy", "");
	mark(0, "m", "redirect", "/blob/f");
	make_file(1, "blob/f", "data");
	a = which("m", &user_opts);
	assert_string_equal(which_result_name(a.result), "found");
	assert_int_equal(a.layer, 0);
	assert_true(a.metacopy);
	assert_int_equal(a.data_layer, 1);
	assert_string_equal(a.data_path, "blob/f");
	which_answer_free(&a);
	/* A data-only layer is reached only that way: its names are not in the merged view. */
	assert_stopped("blob/f", &user_opts, "absent", -1, "blob", "", "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(found_at_the_topmost_layer_holding_the_name, setup,
						teardown),
		cmocka_unit_test_setup_teardown(an_upper_layer_is_looked_up_first, setup, teardown),
		cmocka_unit_test_setup_teardown(a_symlink_on_the_way_stops_the_walk, setup,
						teardown),
		cmocka_unit_test_setup_teardown(a_chardev_whiteout_deletes_the_names_below, setup,
						teardown),
		cmocka_unit_test_setup_teardown(an_xattr_whiteout_deletes_the_names_below, setup,
						teardown),
		cmocka_unit_test_setup_teardown(an_opaque_dir_hides_the_layers_below, setup,
						teardown),
		cmocka_unit_test_setup_teardown(a_relative_redirect_renames_a_lower_dir, setup,
						teardown),
		cmocka_unit_test_setup_teardown(an_absolute_redirect_is_taken_from_the_root, setup,
						teardown),
		cmocka_unit_test_setup_teardown(a_redirect_out_of_the_layers_is_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(a_metacopy_file_takes_its_data_from_below, setup,
						teardown),
		cmocka_unit_test_setup_teardown(a_metacopy_file_finds_its_data_in_a_data_only_layer,
						setup, teardown),
	};

	return cmocka_run_group_tests_name("overlay_which", tests, NULL, NULL);
}
