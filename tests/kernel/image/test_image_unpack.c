/* Unit tests for unpacking one layer: tar archives are built in memory with libarchive's writer,
 * unpacked into a temp dir, and the tree checked: whiteout forms, opaque markers in any order,
 * hard links, metadata, and every kind of hostile entry refused with nothing left behind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/fsutil.h"
#include "image/image_unpack.h"

static char tmp[64], layer[128], outside[128];

/* One entry of a test archive. type: 'f' file (data), 'd' dir, 'l' symlink (target), 'h' hard
 * link (target), 'c' character device, 'p' fifo. */
struct ent {
	const char *name;
	char type;
	const char *data; /* file contents, or the link's target */
	unsigned mode; /* 0: 0644 for files, 0755 for dirs */
	const char *xattr; /* "name=value" */
	long long size; /* > 0: a file of this many 'z' bytes instead of data */
};

static char archive_buf[4 << 20];
static size_t archive_len;

static void build(const struct ent *e, size_t n)
{
	struct archive *a = archive_write_new();
	static char big[1 << 20];

	memset(big, 'z', sizeof(big));
	assert_non_null(a);
	assert_int_equal(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
	assert_int_equal(
		archive_write_open_memory(a, archive_buf, sizeof(archive_buf), &archive_len),
		ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *ae = archive_entry_new();
		long long size = e[i].size   ? e[i].size
				 : e[i].data ? (long long)strlen(e[i].data)
					     : 0;

		archive_entry_set_pathname(ae, e[i].name);
		archive_entry_set_mtime(ae, 1500000000 + (time_t)i, 0);
		archive_entry_set_uid(ae, 0);
		archive_entry_set_gid(ae, 0);
		switch (e[i].type) {
		case 'f':
			archive_entry_set_filetype(ae, AE_IFREG);
			archive_entry_set_perm(ae, e[i].mode ? e[i].mode : 0644);
			archive_entry_set_size(ae, size);
			break;
		case 'd':
			archive_entry_set_filetype(ae, AE_IFDIR);
			archive_entry_set_perm(ae, e[i].mode ? e[i].mode : 0755);
			break;
		case 'l':
			archive_entry_set_filetype(ae, AE_IFLNK);
			archive_entry_set_perm(ae, 0777);
			archive_entry_set_symlink(ae, e[i].data);
			break;
		case 'h':
			archive_entry_set_filetype(ae, AE_IFREG);
			archive_entry_set_perm(ae, 0644);
			archive_entry_set_hardlink(ae, e[i].data);
			break;
		case 'c':
			archive_entry_set_filetype(ae, AE_IFCHR);
			archive_entry_set_perm(ae, 0666);
			archive_entry_set_rdev(ae, makedev(1, 3));
			break;
		case 'p':
			archive_entry_set_filetype(ae, AE_IFIFO);
			archive_entry_set_perm(ae, 0600);
			break;
		}
		if (e[i].xattr) {
			const char *eq = strchr(e[i].xattr, '=');
			char name[64];

			snprintf(name, sizeof(name), "%.*s", (int)(eq - e[i].xattr), e[i].xattr);
			archive_entry_xattr_add_entry(ae, name, eq + 1, strlen(eq + 1));
		}
		assert_int_equal(archive_write_header(a, ae), ARCHIVE_OK);
		if (e[i].type == 'f') {
			for (long long left = size; left > 0;) {
				const char *src = e[i].size ? big : e[i].data;
				size_t chunk =
					left > (long long)sizeof(big) ? sizeof(big) : (size_t)left;

				assert_int_equal(archive_write_data(a, src, chunk),
						 (la_ssize_t)chunk);
				left -= (long long)chunk;
			}
		}
		archive_entry_free(ae);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
}

static struct unpack_opts opts(void)
{
	return (struct unpack_opts){ .whiteout = WHITEOUT_CHARDEV,
				     .make_devices = geteuid() == 0,
				     .max_bytes = 1ULL << 30 };
}

/* Unpacks the first len bytes of the built archive into layer. */
static int unpack_n(size_t len, const struct unpack_opts *o, struct unpack_stats *st,
		    struct bb_error *err)
{
	struct archive *a = archive_read_new();
	int r;

	archive_read_support_format_tar(a);
	assert_int_equal(archive_read_open_memory(a, archive_buf, len), ARCHIVE_OK);
	r = image_unpack(a, layer, o, st, err);
	archive_read_free(a);
	return r;
}

static int unpack(const struct ent *e, size_t n, const struct unpack_opts *o,
		  struct unpack_stats *st, struct bb_error *err)
{
	build(e, n);
	return unpack_n(archive_len, o, st, err);
}

#define UNPACK(ents, o, st, err) unpack(ents, sizeof(ents) / sizeof(ents[0]), o, st, err)

static int setup(void **state)
{
	(void)state;
	snprintf(tmp, sizeof(tmp), "/tmp/boxbench-unit-unpack.XXXXXX");
	if (!mkdtemp(tmp))
		return -1;
	snprintf(layer, sizeof(layer), "%s/layer", tmp);
	/* A sibling of the layer, as a hostile archive would aim at it. */
	snprintf(outside, sizeof(outside), "%s/outside", tmp);
	return mkdir(outside, 0755);
}

static int teardown(void **state)
{
	(void)state;
	return remove_tree(tmp, NULL);
}

/* After each test, so that one failing midway does not fail the next ones too. */
static int clean_layers(void **state)
{
	char lower[160], lower0[160], lower1[160];

	(void)state;
	snprintf(lower, sizeof(lower), "%s/lower", tmp);
	snprintf(lower0, sizeof(lower0), "%s/lower0", tmp);
	snprintf(lower1, sizeof(lower1), "%s/lower1", tmp);
	return remove_tree(layer, NULL) || remove_tree(lower, NULL) || remove_tree(lower0, NULL) ||
	       remove_tree(lower1, NULL);
}

static const char *at(const char *rel)
{
	static char buf[4][256];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", layer, rel);
	return buf[k];
}

static bool exists(const char *rel)
{
	struct stat st;

	return lstat(at(rel), &st) == 0;
}

static void assert_xattr(const char *rel, const char *name, const char *want)
{
	char v[64];
	ssize_t n = lgetxattr(at(rel), name, v, sizeof(v) - 1);

	if (!want) {
		assert_true(n < 0);
		return;
	}
	assert_true(n >= 0);
	v[n] = '\0';
	assert_string_equal(v, want);
}

static bool outside_is_empty(void)
{
	struct stat st;
	char p[256];

	snprintf(p, sizeof(p), "%s/x", outside);
	return lstat(p, &st) < 0 && errno == ENOENT;
}

/* A refusal: the right kind, the entry named, and the layer dir gone. */
static void assert_refused(int r, const struct unpack_stats *st, const struct bb_error *err,
			   enum unpack_failure kind, const char *entry, const char *why)
{
	assert_true(r < 0);
	assert_int_equal(st->failure, kind);
	if (!strstr(err->msg, entry) || !strstr(err->msg, why))
		fail_msg("message '%s' should name '%s' and say '%s'", err->msg, entry, why);
	assert_false(access(layer, F_OK) == 0);
	assert_true(outside_is_empty());
}

static void tree_modes_links_and_times(void **state)
{
	const struct ent e[] = {
		{ "./", 'd', NULL, 0755, NULL, 0 },
		{ "./etc/", 'd', NULL, 0750, NULL, 0 },
		{ "./etc/passwd", 'f', "root:x:0:0\n", 0644, "user.note=hi", 0 },
		{ "./bin/sh", 'f', "#!\n", 04755, NULL, 0 },
		{ "./bin/hard", 'h', "./bin/sh", 0, NULL, 0 },
		{ "./bin/rel", 'l', "sh", 0, NULL, 0 },
		{ "./bin/abs", 'l', "/etc/passwd", 0, NULL, 0 },
		{ "./fifo", 'p', NULL, 0, NULL, 0 },
		{ "./dev/null", 'c', NULL, 0, NULL, 0 },
		{ "./bin/", 'd', NULL, 0711, NULL, 0 },
	};
	struct unpack_opts o = opts();
	struct unpack_stats st;
	struct bb_error err = { 0 };
	struct stat a, b;
	char target[64];

	(void)state;
	assert_int_equal(UNPACK(e, &o, &st, &err), 0);
	assert_int_equal(st.entries, 10);
	assert_int_equal(st.bytes, strlen("root:x:0:0\n") + 3);
	assert_int_equal(stat(at("etc"), &a), 0);
	assert_int_equal(a.st_mode & 07777, 0750);
	/* Directory times are set after their contents were written. */
	assert_int_equal(a.st_mtime, 1500000000 + 1);
	assert_int_equal(stat(at("bin"), &a), 0);
	assert_int_equal(a.st_mode & 07777, 0711);
	assert_int_equal(a.st_mtime, 1500000000 + 9);
	assert_int_equal(stat(at("bin/sh"), &a), 0);
	assert_int_equal(a.st_mode & 07777, 04755);
	assert_int_equal(stat(at("bin/hard"), &b), 0);
	assert_true(a.st_ino == b.st_ino);
	assert_int_equal(a.st_nlink, 2);
	assert_int_equal(readlink(at("bin/abs"), target, sizeof(target)), strlen("/etc/passwd"));
	assert_int_equal(lstat(at("fifo"), &a), 0);
	assert_true(S_ISFIFO(a.st_mode));
	assert_xattr("etc/passwd", "user.note", "hi");
	if (geteuid() == 0) {
		assert_int_equal(lstat(at("dev/null"), &a), 0);
		assert_true(S_ISCHR(a.st_mode) && a.st_rdev == makedev(1, 3));
		assert_int_equal(st.devices_skipped, 0);
	}
	unpack_stats_release(&st);
	o.make_devices = false;
	unpack_stats_release(&st);
	assert_int_equal(remove_tree(layer, NULL), 0);
	assert_int_equal(UNPACK(e, &o, &st, &err), 0);
	assert_false(exists("dev/null"));
	assert_int_equal(st.devices_skipped, 1);
	unpack_stats_release(&st);
	assert_int_equal(remove_tree(layer, NULL), 0);
}

static void chardev_whiteouts_and_opaque_dirs(void **state)
{
	/* The opaque marker comes before, between and after entries of its dir, and a later
	 * entry for the dir itself must not drop it. */
	const struct ent e[] = {
		{ "a/.wh..wh..opq", 'f', "", 0, NULL, 0 },
		{ "a/kept", 'f', "k", 0, NULL, 0 },
		{ "a/", 'd', NULL, 0700, NULL, 0 },
		{ "b/new", 'f', "n", 0, NULL, 0 },
		{ "b/.wh..wh..opq", 'f', "", 0, NULL, 0 },
		{ "c/.wh..wh..opq", 'f', "", 0, NULL, 0 },
		{ ".wh.gone", 'f', "", 0, NULL, 0 },
		{ "d/.wh.gone2", 'f', "", 0, NULL, 0 },
		{ "b/.wh.in-opaque", 'f', "", 0, NULL, 0 },
		{ "c/sub/.wh.below", 'f', "", 0, NULL, 0 },
	};
	struct unpack_opts o = opts();
	struct unpack_stats st;
	struct bb_error err = { 0 };
	struct stat s;

	(void)state;
	assert_int_equal(UNPACK(e, &o, &st, &err), 0);
	assert_int_equal(lstat(at("gone"), &s), 0);
	assert_true(S_ISCHR(s.st_mode) && s.st_rdev == makedev(0, 0));
	assert_int_equal(lstat(at("d/gone2"), &s), 0);
	assert_true(S_ISCHR(s.st_mode));
	assert_false(exists(".wh.gone"));
	/* Whiteouts under an opaque dir hide nothing, and overlayfs would list them. */
	assert_false(exists("b/in-opaque"));
	assert_false(exists("c/sub/below"));
	assert_true(exists("c/sub"));
	assert_false(exists("a/.wh..wh..opq"));
	assert_true(exists("a/kept") && exists("b/new"));
	assert_xattr("a", "trusted.overlay.opaque", "y");
	assert_xattr("b", "trusted.overlay.opaque", "y");
	assert_xattr("c", "trusted.overlay.opaque", "y"); /* made for the marker */
	assert_xattr("d", "trusted.overlay.opaque", NULL);
	assert_int_equal(stat(at("a"), &s), 0);
	assert_int_equal(s.st_mode & 07777, 0700);
	assert_int_equal(st.whiteouts, 2);
	assert_int_equal(st.opaque_dirs, 3);
	unpack_stats_release(&st);
	assert_int_equal(remove_tree(layer, NULL), 0);
}

static void xattr_whiteouts_with_user_prefix(void **state)
{
	const struct ent e[] = {
		{ "dir/.wh.f", 'f', "", 0, NULL, 0 },
		{ ".wh.top", 'f', "", 0, NULL, 0 },
		{ "opq/.wh.x", 'f', "", 0, NULL, 0 },
		{ "opq/.wh..wh..opq", 'f', "", 0, NULL, 0 },
	};
	struct unpack_opts o = opts();
	struct unpack_stats st;
	struct bb_error err = { 0 };
	struct stat s;

	(void)state;
	o.whiteout = WHITEOUT_XATTR;
	o.userxattr = true;
	assert_int_equal(UNPACK(e, &o, &st, &err), 0);
	assert_int_equal(lstat(at("dir/f"), &s), 0);
	assert_true(S_ISREG(s.st_mode) && s.st_size == 0);
	assert_xattr("dir/f", "user.overlay.whiteout", "y");
	assert_xattr("dir", "user.overlay.opaque", "x");
	assert_xattr("top", "user.overlay.whiteout", "y");
	assert_xattr("", "user.overlay.opaque", "x");
	assert_xattr("dir/f", "trusted.overlay.whiteout", NULL);
	/* An opaque dir hides everything below already; overlayfs would show an xattr
	 * whiteout in an opaque=y dir as an empty file, so it is dropped. */
	assert_false(exists("opq/x"));
	assert_xattr("opq", "user.overlay.opaque", "y");
	assert_int_equal(st.whiteouts, 2);
	unpack_stats_release(&st);
	assert_int_equal(remove_tree(layer, NULL), 0);
}

static void a_layer_that_deletes_and_adds_a_name_keeps_it(void **state)
{
	const struct ent e[] = {
		{ "f1", 'f', "added after", 0, NULL, 0 }, { ".wh.f1", 'f', "", 0, NULL, 0 },
		{ ".wh.f2", 'f', "", 0, NULL, 0 },	  { "f2", 'f', "added before", 0, NULL, 0 },
		{ ".wh.d1", 'f', "", 0, NULL, 0 },	  { "d1/x", 'f', "x", 0, NULL, 0 },
		{ "d2/", 'd', NULL, 0, NULL, 0 },	  { ".wh.d2", 'f', "", 0, NULL, 0 },
		{ "sym", 'l', "/elsewhere", 0, NULL, 0 }, { "sym/.wh.y", 'f', "", 0, NULL, 0 },
		{ ".wh.gone", 'f', "", 0, NULL, 0 },	  { "gone/.wh.z", 'f', "", 0, NULL, 0 },
	};
	struct unpack_opts o = opts();
	struct unpack_stats st;
	struct bb_error err = { 0 };
	struct stat s;

	(void)state;
	assert_int_equal(UNPACK(e, &o, &st, &err), 0);
	assert_int_equal(lstat(at("f1"), &s), 0);
	assert_true(S_ISREG(s.st_mode) && s.st_size == 11);
	assert_int_equal(lstat(at("f2"), &s), 0);
	assert_true(S_ISREG(s.st_mode) && s.st_size == 12);
	/* A directory deleted and made again in one layer shows nothing of the lower one. */
	assert_true(exists("d1/x"));
	assert_xattr("d1", "trusted.overlay.opaque", "y");
	assert_xattr("d2", "trusted.overlay.opaque", "y");
	/* Whiteouts below a name the layer made a symlink or deleted have nothing to delete. */
	assert_int_equal(lstat(at("sym"), &s), 0);
	assert_true(S_ISLNK(s.st_mode));
	assert_int_equal(lstat(at("gone"), &s), 0);
	assert_true(S_ISCHR(s.st_mode));
	assert_int_equal(st.whiteouts, 1);
	unpack_stats_release(&st);
	assert_int_equal(remove_tree(layer, NULL), 0);
}

static void reserved_whiteout_names_are_refused(void **state)
{
	static const char *const bad[] = { "d/.wh.", ".wh..", "x/.wh...", ".wh..wh.plnk" };
	struct unpack_opts o = opts();
	struct unpack_stats st;
	struct bb_error err = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const struct ent e[] = { { "ok", 'f', "fine", 0, NULL, 0 },
					 { bad[i], 'f', "", 0, NULL, 0 } };

		assert_refused(UNPACK(e, &o, &st, &err), &st, &err, UNPACK_UNSAFE, bad[i], "");
	}
}

static void paths_that_leave_the_layer_are_refused(void **state)
{
	const struct ent dotdot[] = { { "./ok", 'f', "x", 0, NULL, 0 },
				      { "a/../../outside/x", 'f', "evil", 0, NULL, 0 } };
	const struct ent absolute[] = { { "/outside/x", 'f', "evil", 0, NULL, 0 } };
	const struct ent sym_up[] = { { "a/b/link", 'l', "../../../outside", 0, NULL, 0 } };
	const struct ent sym_abs_up[] = { { "link", 'l', "/../outside", 0, NULL, 0 } };
	const struct ent through[] = { { "d/", 'd', NULL, 0, NULL, 0 },
				       { "link", 'l', "d", 0, NULL, 0 },
				       { "link/x", 'f', "through the link", 0, NULL, 0 } };
	const struct ent hl_out[] = { { "hl", 'h', "../outside/x", 0, NULL, 0 } };
	const struct ent hl_missing[] = { { "hl", 'h', "not/here", 0, NULL, 0 } };
	const struct ent hl_dir[] = { { "d/", 'd', NULL, 0, NULL, 0 },
				      { "hl", 'h', "d", 0, NULL, 0 } };
	const struct ent ovl_xattr[] = {
		{ "d/", 'd', NULL, 0, "trusted.overlay.redirect=/etc", 0 },
	};
	struct unpack_opts o = opts();
	struct unpack_stats st;
	struct bb_error err = { 0 };

	(void)state;
	assert_refused(UNPACK(dotdot, &o, &st, &err), &st, &err, UNPACK_UNSAFE,
		       "'a/../../outside/x'", "'..' component");
	assert_refused(UNPACK(absolute, &o, &st, &err), &st, &err, UNPACK_UNSAFE, "'/outside/x'",
		       "absolute path");
	assert_refused(UNPACK(sym_up, &o, &st, &err), &st, &err, UNPACK_UNSAFE, "'a/b/link'",
		       "points outside the layer");
	assert_refused(UNPACK(sym_abs_up, &o, &st, &err), &st, &err, UNPACK_UNSAFE, "'link'",
		       "points outside the layer");
	assert_refused(UNPACK(through, &o, &st, &err), &st, &err, UNPACK_UNSAFE, "'link/x'",
		       "through the symlink 'link'");
	assert_refused(UNPACK(hl_out, &o, &st, &err), &st, &err, UNPACK_UNSAFE, "'hl'",
		       "leaves the layer");
	assert_refused(UNPACK(hl_missing, &o, &st, &err), &st, &err, UNPACK_UNSAFE, "'hl'",
		       "does not hold");
	assert_refused(UNPACK(hl_dir, &o, &st, &err), &st, &err, UNPACK_UNSAFE, "'hl'",
		       "does not hold");
	assert_refused(UNPACK(ovl_xattr, &o, &st, &err), &st, &err, UNPACK_UNSAFE, "'d/'",
		       "trusted.overlay.redirect");
}

/* The same symlink is fine when it stays inside, absolute or not: extraction never follows it. */
static void symlinks_inside_the_layer_are_kept(void **state)
{
	const struct ent e[] = { { "a/b/up", 'l', "../../c", 0, NULL, 0 },
				 { "a/abs", 'l', "/usr/../etc/x", 0, NULL, 0 },
				 { "dot", 'l', "./././x", 0, NULL, 0 } };
	struct unpack_opts o = opts();
	struct unpack_stats st;
	struct bb_error err = { 0 };

	(void)state;
	assert_int_equal(UNPACK(e, &o, &st, &err), 0);
	assert_true(exists("a/b/up") && exists("a/abs") && exists("dot"));
	unpack_stats_release(&st);
	assert_int_equal(remove_tree(layer, NULL), 0);
}

static void max_bytes_stops_a_tar_bomb(void **state)
{
	const struct ent e[] = { { "small", 'f', "0123456789", 0, NULL, 0 },
				 { "bomb", 'f', NULL, 0, NULL, 3 << 20 } };
	struct unpack_opts o = opts();
	struct unpack_stats st;
	struct bb_error err = { 0 };

	(void)state;
	o.max_bytes = 1 << 20;
	assert_refused(UNPACK(e, &o, &st, &err), &st, &err, UNPACK_TOO_BIG, "'bomb'",
		       "--max-bytes");
	/* Earlier layers' bytes count against the same limit. */
	o.max_bytes = 4 << 20;
	o.bytes_before = (4 << 20) - 5;
	assert_refused(UNPACK(e, &o, &st, &err), &st, &err, UNPACK_TOO_BIG, "'small'",
		       "--max-bytes");
	o.bytes_before = 0;
	assert_int_equal(UNPACK(e, &o, &st, &err), 0);
	assert_int_equal(st.bytes, 10 + (3 << 20));
	unpack_stats_release(&st);
	assert_int_equal(remove_tree(layer, NULL), 0);
}

/* A sparse file: its holes stay holes and do not count, its data does, mid-stream. */
static void sparse_files_count_their_data(void **state)
{
	struct archive *a = archive_write_new();
	struct archive_entry *ae = archive_entry_new();
	struct unpack_opts o = opts();
	struct unpack_stats st;
	struct bb_error err = { 0 };
	static char data[8192];
	struct stat s;

	(void)state;
	memset(data, 's', sizeof(data));
	archive_write_set_format_pax_restricted(a);
	assert_int_equal(
		archive_write_open_memory(a, archive_buf, sizeof(archive_buf), &archive_len),
		ARCHIVE_OK);
	archive_entry_set_pathname(ae, "sparse");
	archive_entry_set_filetype(ae, AE_IFREG);
	archive_entry_set_perm(ae, 0644);
	archive_entry_set_size(ae, 64 << 20);
	archive_entry_sparse_add_entry(ae, 0, 4096);
	archive_entry_sparse_add_entry(ae, 32 << 20, 4096);
	assert_int_equal(archive_write_header(a, ae), ARCHIVE_OK);
	assert_int_equal(archive_write_data(a, data, sizeof(data)), sizeof(data));
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	archive_entry_free(ae);

	o.max_bytes = 1 << 20;
	assert_int_equal(unpack_n(archive_len, &o, &st, &err), 0);
	assert_int_equal(st.bytes, 8192);
	assert_int_equal(stat(at("sparse"), &s), 0);
	assert_int_equal(s.st_size, 64 << 20);
	assert_true(s.st_blocks * 512 < (1 << 20));
	unpack_stats_release(&st);
	assert_int_equal(remove_tree(layer, NULL), 0);

	o.max_bytes = 6000;
	assert_refused(unpack_n(archive_len, &o, &st, &err), &st, &err, UNPACK_TOO_BIG, "'sparse'",
		       "--max-bytes");
}

static void a_truncated_tar_is_corrupt(void **state)
{
	const struct ent e[] = { { "a", 'f', "aaaa", 0, NULL, 0 },
				 { "big", 'f', NULL, 0, NULL, 100000 } };
	struct unpack_opts o = opts();
	struct unpack_stats st;
	struct bb_error err = { 0 };

	(void)state;
	build(e, 2);
	assert_refused(unpack_n(archive_len / 2, &o, &st, &err), &st, &err, UNPACK_CORRUPT, "'big'",
		       "cannot read its data");
	/* Cut inside the last file's data: still corrupt, even where padding would be. */
	build(e, 1);
	assert_refused(unpack_n(512 + 2, &o, &st, &err), &st, &err, UNPACK_CORRUPT, "'a'", "");
}

/* Go's tar writers may stop right after the last file's data: no padding, no end blocks. */
static void a_tar_ending_after_the_last_data_is_whole(void **state)
{
	const struct ent e[] = { { "d/", 'd', NULL, 0, NULL, 0 },
				 { "d/a", 'f', "aaaa", 0, NULL, 0 } };
	struct unpack_opts o = opts();
	struct unpack_stats st;
	struct bb_error err = { 0 };
	char buf[8] = "";
	FILE *f;

	(void)state;
	build(e, 2);
	/* Unless its digest vouches for it, such a tar could also have been cut. */
	assert_refused(unpack_n(2 * 512 + 4, &o, &st, &err), &st, &err, UNPACK_TRUNCATED, "'d/a'",
		       "without its end-of-archive blocks");
	o.end_optional = true;
	assert_int_equal(unpack_n(2 * 512 + 4, &o, &st, &err), 0);
	assert_false(st.ended);
	f = fopen(at("d/a"), "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_string_equal(buf, "aaaa");
	assert_int_equal(st.entries, 2);
	unpack_stats_release(&st);
}

/* A tar cut where a header should start: libarchive sees the end of the archive there, so only
 * the missing end-of-archive blocks tell it from a whole one. Cut inside a header, the message
 * names the entry before it, which the archive freed when it read on (ASan caught that). */
static void a_tar_cut_at_or_in_a_header_is_refused(void **state)
{
	const struct ent e[] = { { "a", 'f', "1", 0, NULL, 0 },
				 { "b", 'f', "22", 0, NULL, 0 },
				 { "c", 'f', "333", 0, NULL, 0 } };
	struct unpack_opts o = opts();
	struct unpack_stats st;
	struct bb_error err = { 0 };

	(void)state;
	build(e, 3);
	/* pax_restricted writes plain ustar headers for these: 1 KiB an entry. */
	assert_refused(unpack_n(1024, &o, &st, &err), &st, &err, UNPACK_TRUNCATED,
		       "after entry 'a' (1 entries)", "--allow-truncated");
	assert_refused(unpack_n(2048, &o, &st, &err), &st, &err, UNPACK_TRUNCATED, "entry 'b'",
		       "without its end-of-archive blocks");
	assert_refused(unpack_n(512 + 5, &o, &st, &err), &st, &err, UNPACK_TRUNCATED, "'a'", "");
	assert_refused(unpack_n(1124, &o, &st, &err), &st, &err, UNPACK_CORRUPT, "after entry 'a'",
		       "runcated");
	/* Cut after the first of the two zero blocks: nothing is lost, as GNU tar has it. */
	assert_int_equal(unpack_n(3 * 1024 + 512, &o, &st, &err), 0);
	assert_true(st.ended);
	assert_int_equal(st.entries, 3);
	unpack_stats_release(&st);
	assert_int_equal(remove_tree(layer, NULL), 0);
	assert_int_equal(unpack_n(archive_len, &o, &st, &err), 0);
	assert_true(st.ended);
	unpack_stats_release(&st);
}

/* Names no Linux directory tree holds are refused for what they are, not as damage. */
static void impossible_entries_say_why(void **state)
{
	char longname[300];
	struct ent too_long[] = { { longname, 'f', "x", 0, NULL, 0 } };
	const struct ent below_file[] = { { "f", 'f', "x", 0, NULL, 0 },
					  { "f/g", 'f', "y", 0, NULL, 0 } };
	struct unpack_opts o = opts();
	struct unpack_stats st;
	struct bb_error err = { 0 };

	(void)state;
	memset(longname, 'n', 256);
	longname[256] = '\0';
	assert_refused(UNPACK(too_long, &o, &st, &err), &st, &err, UNPACK_INVALID, "'nnnn",
		       "ENAMETOOLONG");
	assert_refused(UNPACK(below_file, &o, &st, &err), &st, &err, UNPACK_INVALID, "'f/g'",
		       "its parent 'f' is not a directory");
}

/* Layer k below (tmp/lowerK), unpacked onto the links of those before it, as image_import.c
 * stacks them; its symlinks join links. */
static void lower_layer(const struct ent *e, size_t n, int k, struct image_links *links)
{
	struct unpack_opts o = opts();
	struct unpack_stats st;
	struct bb_error err = { 0 };
	char dir[160];

	o.links = links;
	if (unpack(e, n, &o, &st, &err))
		fail_msg("lower layer %d: %s", k, err.msg);
	unpack_stats_release(&st);
	snprintf(dir, sizeof(dir), "%s/lower%d", tmp, k);
	assert_int_equal(rename(layer, dir), 0);
}

#define LOWER(ents, k, links) lower_layer(ents, sizeof(ents) / sizeof(ents[0]), k, links)

/* usrmerge: lib -> usr/lib below, lib/x in the layer: x goes to usr/lib/x, as umoci unpack and
 * docker put it, and the lower lib stays the symlink (else libc would be gone from the merged
 * view). The symlink and the directory it names may come from different layers, chained. */
static void parents_that_are_symlinks_below_are_followed(void **state)
{
	const struct ent l0[] = { { "real/usr/lib/libc.so", 'f', "libc", 0, NULL, 0 },
				  { "real/usr/bin/sh", 'f', "sh", 0, NULL, 0 } };
	const struct ent l1[] = { { "usr", 'l', "real/usr", 0, NULL, 0 },
				  { "lib", 'l', "usr/lib", 0, NULL, 0 },
				  { "lib64", 'l', "lib", 0, NULL, 0 },
				  { "bin", 'l', "/usr/bin", 0, NULL, 0 } };
	const struct ent upper[] = { { "lib/x", 'f', "x", 0, NULL, 0 },
				     { "lib64/sub/deep", 'f', "d", 0, NULL, 0 },
				     { "bin/y", 'f', "y", 0, NULL, 0 },
				     { "lib/.wh.libc.so", 'f', "", 0, NULL, 0 },
				     { "hl", 'h', "lib64/x", 0, NULL, 0 },
				     { "own/", 'd', NULL, 0, NULL, 0 },
				     { "own/lib", 'l', "../real", 0, NULL, 0 },
				     { "own/lib/z", 'f', "z", 0, NULL, 0 } };
	const struct ent replaced[] = { { "lib/", 'd', NULL, 0, NULL, 0 },
					{ "lib/x", 'f', "x", 0, NULL, 0 } };
	struct image_links links = { 0 };
	struct unpack_opts o = opts();
	struct unpack_stats st;
	struct bb_error err = { 0 };
	struct stat a, b;

	(void)state;
	LOWER(l0, 0, &links);
	LOWER(l1, 1, &links);
	assert_int_equal(links.n, 4);
	o.links = &links;
	/* A symlink of the layer itself is still not written through. */
	assert_refused(UNPACK(upper, &o, &st, &err), &st, &err, UNPACK_UNSAFE, "'own/lib/z'",
		       "through the symlink 'own/lib'");
	assert_int_equal(unpack(upper, 6, &o, &st, &err), 0);
	assert_true(exists("real/usr/lib/x") && exists("real/usr/lib/sub/deep") &&
		    exists("real/usr/bin/y"));
	assert_false(exists("lib") || exists("lib64") || exists("bin") || exists("usr"));
	assert_int_equal(lstat(at("real/usr/lib/libc.so"), &a), 0);
	assert_true(S_ISCHR(a.st_mode) && a.st_rdev == makedev(0, 0));
	assert_int_equal(stat(at("real/usr/lib/x"), &a), 0);
	assert_int_equal(stat(at("hl"), &b), 0);
	assert_true(a.st_ino == b.st_ino);
	unpack_stats_release(&st);
	assert_int_equal(remove_tree(layer, NULL), 0);
	/* The layer's own directory takes the symlink's place: nothing to follow. */
	assert_int_equal(UNPACK(replaced, &o, &st, &err), 0);
	assert_true(exists("lib/x"));
	assert_false(exists("real"));
	unpack_stats_release(&st);
	image_links_free(&links);
}

/* Each link of the chain stays inside, the chain does not: a/b/c/d/e/f/l is the root, so
 * passwd's six '..' after it climb out. Refused in either order, and when the two come from
 * different layers, whichever is on top. */
static void a_symlink_chain_that_climbs_out_is_refused(void **state)
{
	const struct ent l[] = { { "a/b/c/d/e/f/l", 'l', "../../../../../..", 0, NULL, 0 } };
	const struct ent p[] = { { "passwd", 'l', "a/b/c/d/e/f/l/../../../../../../etc/passwd", 0,
				   NULL, 0 } };
	const struct ent both[] = { l[0], p[0] };
	const struct ent reversed[] = { p[0], l[0] };
	const struct ent fine[] = { { "lib64", 'l', "lib", 0, NULL, 0 },
				    { "lib", 'l', "usr/lib", 0, NULL, 0 },
				    { "usr/lib/ld.so", 'l', "../../lib64/../lib/x", 0, NULL, 0 },
				    { "loop1", 'l', "loop2", 0, NULL, 0 },
				    { "loop2", 'l', "loop1/..", 0, NULL, 0 } };
	struct image_links links = { 0 };
	struct unpack_opts o = opts();
	struct unpack_stats st;
	struct bb_error err = { 0 };
	char lower0[160];

	(void)state;
	snprintf(lower0, sizeof(lower0), "%s/lower0", tmp);
	assert_refused(UNPACK(both, &o, &st, &err), &st, &err, UNPACK_UNSAFE, "entry 'passwd'",
		       "through the symlink 'a/b/c/d/e/f/l'");
	assert_refused(UNPACK(reversed, &o, &st, &err), &st, &err, UNPACK_UNSAFE, "entry 'passwd'",
		       "points outside the layer");
	assert_int_equal(UNPACK(fine, &o, &st, &err), 0);
	unpack_stats_release(&st);
	assert_int_equal(remove_tree(layer, NULL), 0);

	LOWER(l, 0, &links);
	o.links = &links;
	assert_refused(UNPACK(p, &o, &st, &err), &st, &err, UNPACK_UNSAFE, "entry 'passwd'",
		       "of a layer below");
	assert_int_equal(links.n, 1); /* a refused layer adds nothing */
	image_links_free(&links);
	assert_int_equal(remove_tree(lower0, NULL), 0);

	LOWER(p, 0, &links);
	assert_refused(UNPACK(l, &o, &st, &err), &st, &err, UNPACK_UNSAFE, "entry 'a/b/c/d/e/f/l'",
		       "makes the symlink 'passwd' of a layer below");
	image_links_free(&links);
}

/* Parents a layer's tar leaves out take after the same directory in the layer below; whiteouts
 * in directories the layer below lacks go. */
static void settled_on_the_layer_below(void **state)
{
	const struct ent lower[] = {
		{ "a/", 'd', NULL, 0700, "user.k=lower", 0 }, { "a/b/", 'd', NULL, 0751, NULL, 0 },
		{ "a/b/old", 'f', "o", 0, NULL, 0 },	      { "x/", 'd', NULL, 0700, NULL, 0 },
		{ "x/.wh..wh..opq", 'f', "", 0, NULL, 0 },    { "o/sub/", 'd', NULL, 0700, NULL, 0 }
	};
	const struct ent upper[] = {
		{ "a/b/new", 'f', "n", 0, NULL, 0 },	 { "x/y/z", 'f', "z", 0, NULL, 0 },
		{ "fresh/f", 'f', "f", 0, NULL, 0 },	 { "o/.wh..wh..opq", 'f', "", 0, NULL, 0 },
		{ "o/sub/f", 'f', "f", 0, NULL, 0 },	 { "a/b/.wh.old", 'f', "", 0, NULL, 0 },
		{ ".wh.gone", 'f', "", 0, NULL, 0 },	 { "nowhere/", 'd', NULL, 0, NULL, 0 },
		{ "nowhere/.wh.z", 'f', "", 0, NULL, 0 }
	};
	struct unpack_opts o = opts();
	struct unpack_stats st_lower, st;
	struct bb_error err = { 0 };
	char lower_dir[160];
	const char *lowers[1] = { lower_dir };
	struct stat s;

	(void)state;
	snprintf(lower_dir, sizeof(lower_dir), "%s/lower", tmp);
	assert_int_equal(UNPACK(lower, &o, &st_lower, &err), 0);
	assert_int_equal(rename(layer, lower_dir), 0);
	o.lowers = lowers;
	o.n_lowers = 1;
	assert_int_equal(UNPACK(upper, &o, &st, &err), 0);
	assert_int_equal(st.whiteouts, 3);
	assert_int_equal(unpack_settle(layer, &st, &o, &err), 0);
	assert_int_equal(st.whiteouts, 2);
	assert_true(exists("a/b/old") && exists("gone"));
	assert_false(exists("nowhere/z"));
	assert_int_equal(stat(at("nowhere"), &s), 0);
	assert_int_equal(s.st_mtime, 1500000000 + 7); /* its times stay */
	assert_int_equal(stat(at("a"), &s), 0);
	assert_int_equal(s.st_mode & 07777, 0700);
	assert_int_equal(s.st_mtime, 1500000000);
	assert_xattr("a", "user.k", "lower");
	assert_int_equal(stat(at("a/b"), &s), 0);
	assert_int_equal(s.st_mode & 07777, 0751);
	assert_int_equal(stat(at("x"), &s), 0);
	assert_int_equal(s.st_mode & 07777, 0700);
	assert_int_equal(stat(at("fresh"), &s), 0);
	assert_int_equal(s.st_mode & 07777, 0755);
	/* o is opaque in this layer: its o/sub is a new one, not the lower 0700 one. */
	assert_int_equal(stat(at("o"), &s), 0);
	assert_int_equal(s.st_mode & 07777, 0755);
	assert_int_equal(stat(at("o/sub"), &s), 0);
	assert_int_equal(s.st_mode & 07777, 0755);
	unpack_stats_release(&st);
	unpack_stats_release(&st_lower);
	assert_int_equal(remove_tree(layer, NULL), 0);
	assert_int_equal(remove_tree(lower_dir, NULL), 0);
}

static void an_existing_layer_dir_is_not_reused(void **state)
{
	const struct ent e[] = { { "a", 'f', "a", 0, NULL, 0 } };
	struct unpack_opts o = opts();
	struct unpack_stats st;
	struct bb_error err = { 0 };

	(void)state;
	assert_int_equal(mkdir(layer, 0755), 0);
	assert_int_equal(UNPACK(e, &o, &st, &err), -EEXIST);
	assert_int_equal(st.failure, UNPACK_IO);
	assert_false(exists("a"));
	assert_int_equal(rmdir(layer), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(tree_modes_links_and_times, clean_layers),
		cmocka_unit_test_teardown(chardev_whiteouts_and_opaque_dirs, clean_layers),
		cmocka_unit_test_teardown(xattr_whiteouts_with_user_prefix, clean_layers),
		cmocka_unit_test_teardown(a_layer_that_deletes_and_adds_a_name_keeps_it,
					  clean_layers),
		cmocka_unit_test_teardown(reserved_whiteout_names_are_refused, clean_layers),
		cmocka_unit_test_teardown(paths_that_leave_the_layer_are_refused, clean_layers),
		cmocka_unit_test_teardown(symlinks_inside_the_layer_are_kept, clean_layers),
		cmocka_unit_test_teardown(max_bytes_stops_a_tar_bomb, clean_layers),
		cmocka_unit_test_teardown(sparse_files_count_their_data, clean_layers),
		cmocka_unit_test_teardown(a_truncated_tar_is_corrupt, clean_layers),
		cmocka_unit_test_teardown(a_tar_ending_after_the_last_data_is_whole, clean_layers),
		cmocka_unit_test_teardown(a_tar_cut_at_or_in_a_header_is_refused, clean_layers),
		cmocka_unit_test_teardown(impossible_entries_say_why, clean_layers),
		cmocka_unit_test_teardown(parents_that_are_symlinks_below_are_followed,
					  clean_layers),
		cmocka_unit_test_teardown(a_symlink_chain_that_climbs_out_is_refused, clean_layers),
		cmocka_unit_test_teardown(settled_on_the_layer_below, clean_layers),
		cmocka_unit_test_teardown(an_existing_layer_dir_is_not_reused, clean_layers),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
