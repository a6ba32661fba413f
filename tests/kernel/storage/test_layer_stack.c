/* Unit tests for the layer stack generator: determinism, caching, planted answers on disk. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/fsutil.h"
#include "storage/layer_stack.h"

static char tmp[64];

static int setup(void **state)
{
	(void)state;
	snprintf(tmp, sizeof(tmp), "/tmp/boxbench-unit-stack.XXXXXX");
	return mkdtemp(tmp) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return remove_tree(tmp, NULL);
}

/* A digest of a whole tree: names, types, modes, sizes, times, contents and xattrs. */
static unsigned long long digest;
static size_t digest_root_len;

static void mix(const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		digest ^= ((const unsigned char *)p)[i];
		digest *= 0x100000001b3ULL;
	}
}

static int digest_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	char buf[4096], names[1024];
	ssize_t n;

	(void)type, (void)ftw;
	mix(path + digest_root_len, strlen(path + digest_root_len));
	mix(&st->st_mode, sizeof(st->st_mode));
	mix(&st->st_rdev, sizeof(st->st_rdev));
	mix(&st->st_mtim.tv_sec, sizeof(st->st_mtim.tv_sec));
	if (S_ISREG(st->st_mode)) {
		int fd = open(path, O_RDONLY);

		mix(&st->st_size, sizeof(st->st_size));
		while (fd >= 0 && (n = read(fd, buf, sizeof(buf))) > 0)
			mix(buf, (size_t)n);
		if (fd >= 0)
			close(fd);
	}
	n = llistxattr(path, names, sizeof(names));
	for (ssize_t i = 0; i < n; i += (ssize_t)strlen(names + i) + 1) {
		ssize_t v = lgetxattr(path, names + i, buf, sizeof(buf));

		mix(names + i, strlen(names + i));
		if (v > 0)
			mix(buf, (size_t)v);
	}
	return 0;
}

static unsigned long long tree_digest(const char *root)
{
	digest = 0xcbf29ce484222325ULL;
	digest_root_len = strlen(root);
	assert_int_equal(nftw(root, digest_one, 16, FTW_PHYS), 0);
	return digest;
}

static void params_small(struct layer_stack_params *p, unsigned depth, unsigned long long seed)
{
	layer_stack_params_default(p);
	p->depth = depth;
	p->seed = seed;
	p->copyup_sizes[0] = 4096;
	p->copyup_sizes[1] = 1 << 20;
	p->n_copyup_sizes = 2;
}

static void same_seed_gives_same_bytes(void **state)
{
	struct layer_stack a, b, c;
	struct layer_stack_params p;
	struct bb_error err = { 0 };
	char dir[128], dir2[128], dir3[128];

	(void)state;
	snprintf(dir, sizeof(dir), "%s/a", tmp);
	snprintf(dir2, sizeof(dir2), "%s/b", tmp);
	snprintf(dir3, sizeof(dir3), "%s/c", tmp);
	params_small(&p, 6, 42);
	assert_int_equal(layer_stack_build(&a, &p, dir, &err), 0);
	assert_int_equal(layer_stack_build(&b, &p, dir2, &err), 0);
	assert_string_equal(a.key, b.key);
	assert_true(tree_digest(a.dir) == tree_digest(b.dir));
	p.seed = 43;
	assert_int_equal(layer_stack_build(&c, &p, dir3, &err), 0);
	assert_string_not_equal(a.key, c.key);
	assert_true(tree_digest(a.dir) != tree_digest(c.dir));
	layer_stack_free(&a);
	layer_stack_free(&b);
	layer_stack_free(&c);
}

static void second_build_comes_from_cache(void **state)
{
	struct layer_stack a, b;
	struct layer_stack_params p;
	struct bb_error err = { 0 };
	char dir[128];

	(void)state;
	snprintf(dir, sizeof(dir), "%s/cache", tmp);
	params_small(&p, 3, 7);
	assert_int_equal(layer_stack_build(&a, &p, dir, &err), 0);
	assert_true(a.built_now);
	assert_int_equal(layer_stack_build(&b, &p, dir, &err), 0);
	assert_false(b.built_now);
	assert_string_equal(a.dir, b.dir);
	assert_int_equal(a.n_planted, b.n_planted);
	layer_stack_free(&a);
	layer_stack_free(&b);
}

static void depth_out_of_range_is_refused(void **state)
{
	struct layer_stack s;
	struct layer_stack_params p;
	struct bb_error err = { 0 };

	(void)state;
	params_small(&p, 501, 1);
	assert_int_equal(layer_stack_build(&s, &p, tmp, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "500"));
	p.depth = 0;
	assert_int_equal(layer_stack_build(&s, &p, tmp, &err), -EINVAL);
}

static void planted_names_are_where_the_plan_says(void **state)
{
	struct layer_stack s;
	struct layer_stack_params p;
	struct bb_error err = { 0 };
	char dir[128], path[1024], layer[700], value[8];
	struct stat st;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/planted", tmp);
	params_small(&p, 5, 3);
	assert_int_equal(layer_stack_build(&s, &p, dir, &err), 0);

	layer_stack_layer_path(&s, 0, layer, sizeof(layer));
	snprintf(path, sizeof(path), "%s/probe/found-bottom", layer);
	assert_int_equal(stat(path, &st), 0);
	snprintf(path, sizeof(path), "%s/probe/wh-top", layer);
	assert_int_equal(stat(path, &st), 0); /* present at the bottom ... */
	layer_stack_layer_path(&s, 4, layer, sizeof(layer));
	snprintf(path, sizeof(path), "%s/probe/wh-top", layer);
	assert_int_equal(lstat(path, &st), 0); /* ... and a 0/0 whiteout at the top */
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(st.st_rdev, makedev(0, 0));
	snprintf(path, sizeof(path), "%s/probe/found-bottom", layer);
	assert_int_equal(stat(path, &st), -1); /* only the bottom has it */
	snprintf(path, sizeof(path), "%s/probe/opq", layer);
	assert_int_equal(getxattr(path, "trusted.overlay.opaque", value, sizeof(value)), 1);
	assert_int_equal(value[0], 'y');
	snprintf(path, sizeof(path), "%s/copyup/top-1048576", layer);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 1 << 20);
	for (unsigned k = 0; k < 5; k++) { /* probe/ is in every layer */
		layer_stack_layer_path(&s, k, layer, sizeof(layer));
		snprintf(path, sizeof(path), "%s/probe/l%u", layer, k);
		assert_int_equal(stat(path, &st), 0);
	}
	assert_int_equal(layer_stack_find_role(&s, "whiteout-bottom")->layer, 1);
	assert_int_equal(layer_stack_find_role(&s, "absent")->kind, PLANT_ABSENT);
	layer_stack_free(&s);
}

static void xattr_whiteouts_use_the_chosen_prefix(void **state)
{
	struct layer_stack s;
	struct layer_stack_params p;
	struct bb_error err = { 0 };
	char dir[128], path[1024], layer[700], value[8];
	struct stat st;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/xattr", tmp);
	params_small(&p, 2, 3);
	p.whiteout_form = WHITEOUT_XATTR;
	p.userxattr = true;
	assert_int_equal(layer_stack_build(&s, &p, dir, &err), 0);
	layer_stack_layer_path(&s, 1, layer, sizeof(layer));
	snprintf(path, sizeof(path), "%s/probe/wh-top", layer);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_size, 0);
	assert_int_equal(getxattr(path, "user.overlay.whiteout", value, sizeof(value)), 0);
	snprintf(path, sizeof(path), "%s/probe", layer);
	assert_int_equal(getxattr(path, "user.overlay.opaque", value, sizeof(value)), 1);
	assert_int_equal(value[0], 'x');
	layer_stack_free(&s);
}

static void sparse_files_take_little_room(void **state)
{
	struct layer_stack s;
	struct layer_stack_params p;
	struct bb_error err = { 0 };
	char dir[128], path[1024], layer[700];
	struct stat st;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/sparse", tmp);
	params_small(&p, 1, 3);
	p.sparse = true;
	p.copyup_sizes[0] = 64ULL << 20;
	p.n_copyup_sizes = 1;
	assert_int_equal(layer_stack_build(&s, &p, dir, &err), 0);
	layer_stack_layer_path(&s, 0, layer, sizeof(layer));
	snprintf(path, sizeof(path), "%s/copyup/bottom-67108864", layer);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 64 << 20);
	assert_true(st.st_blocks * 512 < 1 << 20);
	layer_stack_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(same_seed_gives_same_bytes),
		cmocka_unit_test(second_build_comes_from_cache),
		cmocka_unit_test(depth_out_of_range_is_refused),
		cmocka_unit_test(planted_names_are_where_the_plan_says),
		cmocka_unit_test(xattr_whiteouts_use_the_chosen_prefix),
		cmocka_unit_test(sparse_files_take_little_room),
	};
	return cmocka_run_group_tests_name("layer_stack", tests, setup, teardown);
}
