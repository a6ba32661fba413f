/* Building synthetic layer stacks from a seed: see layer_stack.h. */
#include "layer_stack.h"

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
#include "common/sys.h"

#define STACK_FORMAT 1 /* bump when the on-disk layout changes */
#define FIXED_TIME   1577836800 /* 2020-01-01: fixed times make stacks reproducible */
#define SPARSE_HEAD  4096

void layer_stack_params_default(struct layer_stack_params *p)
{
	memset(p, 0, sizeof(*p));
	p->depth = 8;
	p->files_per_layer = 16;
	p->dirs_per_layer = 2;
	p->file_size = 1024;
	p->whiteouts_per_layer = 2;
	p->opaque_per_layer = 1;
	p->whiteout_form = WHITEOUT_CHARDEV;
	p->seed = 1;
	p->copyup_sizes[0] = 4096;
	p->copyup_sizes[1] = 1 << 20;
	p->n_copyup_sizes = 2;
}

int layer_stack_params_check(const struct layer_stack_params *p, struct bb_error *err)
{
	if (p->depth < 1 || p->depth > LAYER_STACK_MAX_DEPTH)
		return bb_err(
			err, EINVAL,
			"layer stack depth %u is out of range: overlayfs stacks 1 to %d lower "
			"layers (OVL_MAX_STACK); choose a depth in that range",
			p->depth, LAYER_STACK_MAX_DEPTH);
	if (p->n_copyup_sizes > LAYER_STACK_MAX_COPYUP_SIZES)
		return bb_err(err, EINVAL, "at most %d copy-up sizes per stack, got %zu",
			      LAYER_STACK_MAX_COPYUP_SIZES, p->n_copyup_sizes);
	if (p->whiteout_form != WHITEOUT_CHARDEV && p->whiteout_form != WHITEOUT_XATTR)
		return bb_err(err, EINVAL, "unknown whiteout form %d", p->whiteout_form);
	return 0;
}

/* FNV-1a over a canonical text of the parameters: stable across builds and hosts. */
void layer_stack_key(const struct layer_stack_params *p, char key[17])
{
	char text[1024];
	unsigned long long h = 0xcbf29ce484222325ULL;
	int len;

	len = snprintf(text, sizeof(text), "v%d d%u f%u D%u s%llu S%d w%u o%u W%d u%d seed%llu",
		       STACK_FORMAT, p->depth, p->files_per_layer, p->dirs_per_layer, p->file_size,
		       p->sparse, p->whiteouts_per_layer, p->opaque_per_layer, p->whiteout_form,
		       p->userxattr, p->seed);
	for (size_t i = 0; i < p->n_copyup_sizes && len < (int)sizeof(text) - 24; i++)
		len += snprintf(text + len, sizeof(text) - len, " c%llu", p->copyup_sizes[i]);
	for (int i = 0; i < len; i++) {
		h ^= (unsigned char)text[i];
		h *= 0x100000001b3ULL;
	}
	snprintf(key, 17, "%016llx", h);
}

static unsigned long long hash_path(const char *s)
{
	unsigned long long h = 0xcbf29ce484222325ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* The build's state: where layers go and the names already deleted or made opaque. */
struct builder {
	const struct layer_stack_params *p;
	char root[600]; /* the temporary build dir */
	const char *xattr_prefix;
	unsigned char *gone; /* per (layer, file index): already whited out */
	unsigned char *opaqued; /* per (layer, dir index): already made opaque */
	unsigned long long rng;
	struct bb_error *err;
};

static void layer_path(const char *root, unsigned n, const char *rel, char *buf, size_t len)
{
	snprintf(buf, len, "%s/l/%u%s%s", root, n, rel[0] ? "/" : "", rel);
}

static int make_dir(struct builder *b, unsigned layer, const char *rel)
{
	char path[1024];

	layer_path(b->root, layer, rel, path, sizeof(path));
	return mkdir_p(path, 0755, b->err);
}

/* A file whose bytes depend only on the seed and its path, so any build order gives the
 * same bytes. */
static int make_file(struct builder *b, unsigned layer, const char *rel, unsigned long long size,
		     bool sparse)
{
	unsigned long long state = b->p->seed ^ hash_path(rel) ^ layer;
	unsigned long long done = 0, dense = sparse && size > SPARSE_HEAD ? SPARSE_HEAD : size;
	struct timespec times[2] = { { FIXED_TIME, 0 }, { FIXED_TIME, 0 } };
	static unsigned long long chunk[8192];
	char path[1024];
	int fd, e = 0;

	layer_path(b->root, layer, rel, path, sizeof(path));
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return bb_err(b->err, errno, "cannot create %s: %s", path, errno_name(errno));
	while (done < dense) {
		size_t n = dense - done < sizeof(chunk) ? dense - done : sizeof(chunk);

		for (size_t i = 0; i < (n + 7) / 8; i++)
			chunk[i] = splitmix64(&state);
		if (write(fd, chunk, n) != (ssize_t)n) {
			e = bb_err(b->err, errno ? errno : ENOSPC, "cannot write %s: %s", path,
				   errno_name(errno ? errno : ENOSPC));
			goto out;
		}
		done += n;
	}
	if (size > dense && ftruncate(fd, (off_t)size) < 0) {
		e = bb_err(b->err, errno, "cannot extend %s: %s", path, errno_name(errno));
		goto out;
	}
	fchmod(fd, 0644);
	futimens(fd, times);
out:
	close(fd);
	return e;
}

static int set_xattr(struct builder *b, const char *path, const char *name, const char *value)
{
	char full[64];

	snprintf(full, sizeof(full), "%s%s", b->xattr_prefix, name);
	if (lsetxattr(path, full, value, strlen(value), 0) < 0)
		return bb_err(b->err, errno,
			      "cannot set %s on %s: %s (the cache dir's file system must support "
			      "%s xattrs; choose another --cache-dir)",
			      full, path, errno_name(errno),
			      b->p->userxattr ? "user." : "trusted.");
	return 0;
}

static int make_whiteout(struct builder *b, unsigned layer, const char *rel)
{
	char path[1024], parent[1024];
	int e;

	layer_path(b->root, layer, rel, path, sizeof(path));
	if (b->p->whiteout_form == WHITEOUT_CHARDEV) {
		if (mknod(path, S_IFCHR | 0000, makedev(0, 0)) < 0) {
			e = errno;
			if (e == EPERM && path_on_overlayfs(b->root))
				return bb_err(b->err, e,
					      "cannot create whiteout %s: EPERM: the stack cache "
					      "dir is " OVERLAYFS_NO_CHARDEV_WHY "; use --whiteout "
					      "xattr, or a --cache-dir on another file system (a "
					      "volume or bind mount from the host, a tmpfs)",
					      path);
			return bb_err(b->err, e,
				      "cannot create whiteout %s: %s (0/0 character devices need "
				      "CAP_MKNOD; run as root or use --whiteout=xattr)",
				      path, errno_name(e));
		}
		return 0;
	}
	e = make_file(b, layer, rel, 0, false);
	if (!e)
		e = set_xattr(b, path, "whiteout", "");
	/* The parent says "I hold xattr whiteouts" so readdir need not check every entry. */
	snprintf(parent, sizeof(parent), "%s", path);
	*strrchr(parent, '/') = '\0';
	if (!e)
		e = set_xattr(b, parent, "opaque", "x");
	return e;
}

static int make_opaque_dir(struct builder *b, unsigned layer, const char *rel)
{
	char path[1024];
	int e = make_dir(b, layer, rel);

	layer_path(b->root, layer, rel, path, sizeof(path));
	return e ? e : set_xattr(b, path, "opaque", "y");
}

/* Everything but the planted names: shared/ grows by files and dirs in every layer, and
 * upper layers delete some lower files and make some lower dirs opaque. */
static int build_bulk(struct builder *b, unsigned k)
{
	const struct layer_stack_params *p = b->p;
	char rel[128];
	int e;

	/* The mount points a container's start needs (/proc) come with the base layer, as they
	 * do in real images. */
	if (k == 0) {
		static const char *const skeleton[] = { "proc", "dev", "tmp", "etc", "sys" };

		for (size_t i = 0; i < sizeof(skeleton) / sizeof(skeleton[0]); i++)
			if ((e = make_dir(b, k, skeleton[i])))
				return e;
	}
	if ((e = make_dir(b, k, "shared")))
		return e;
	for (unsigned i = 0; i < p->files_per_layer; i++) {
		snprintf(rel, sizeof(rel), "shared/f%u-%u", k, i);
		if ((e = make_file(b, k, rel, p->file_size, p->sparse)))
			return e;
	}
	for (unsigned j = 0; j < p->dirs_per_layer; j++) {
		snprintf(rel, sizeof(rel), "shared/d%u-%u", k, j);
		if ((e = make_dir(b, k, rel)))
			return e;
		snprintf(rel, sizeof(rel), "shared/d%u-%u/x", k, j);
		if ((e = make_file(b, k, rel, 64, false)))
			return e;
	}
	for (unsigned w = 0; k > 0 && p->files_per_layer && w < p->whiteouts_per_layer; w++) {
		/* Bounded tries: a stack may run out of names to delete, and that is fine. */
		for (int tries = 0; tries < 64; tries++) {
			unsigned lk = splitmix64(&b->rng) % k;
			unsigned li = splitmix64(&b->rng) % p->files_per_layer;
			unsigned char *g = &b->gone[(size_t)lk * p->files_per_layer + li];

			if (*g)
				continue;
			*g = 1;
			snprintf(rel, sizeof(rel), "shared/f%u-%u", lk, li);
			if ((e = make_whiteout(b, k, rel)))
				return e;
			break;
		}
	}
	for (unsigned o = 0; k > 0 && p->dirs_per_layer && o < p->opaque_per_layer; o++) {
		for (int tries = 0; tries < 64; tries++) {
			unsigned lk = splitmix64(&b->rng) % k;
			unsigned lj = splitmix64(&b->rng) % p->dirs_per_layer;
			unsigned char *g = &b->opaqued[(size_t)lk * p->dirs_per_layer + lj];

			if (*g)
				continue;
			*g = 1;
			snprintf(rel, sizeof(rel), "shared/d%u-%u", lk, lj);
			if ((e = make_opaque_dir(b, k, rel)))
				return e;
			snprintf(rel, sizeof(rel), "shared/d%u-%u/y%u", lk, lj, k);
			if ((e = make_file(b, k, rel, 64, false)))
				return e;
			break;
		}
	}
	/* probe/ exists in every layer, as /usr/bin does in real images: a lookup below it
	 * must consult every layer's probe/. */
	if ((e = make_dir(b, k, "probe")))
		return e;
	snprintf(rel, sizeof(rel), "probe/l%u", k);
	return make_file(b, k, rel, 16, false);
}

int layer_stack_plant(struct layer_stack *s, const char *path, enum planted_kind kind, int layer,
		      const char *role, unsigned long long size)
{
	struct planted *grown = realloc(s->planted, (s->n_planted + 1) * sizeof(*grown));

	if (!grown)
		return -ENOMEM;
	s->planted = grown;
	grown = &s->planted[s->n_planted++];
	memset(grown, 0, sizeof(*grown));
	snprintf(grown->path, sizeof(grown->path), "%s", path);
	grown->kind = kind;
	grown->layer = layer;
	grown->role = role;
	grown->size = size;
	return 0;
}

static int add_planted(struct layer_stack *s, const char *path, enum planted_kind kind, int layer,
		       const char *role)
{
	return layer_stack_plant(s, path, kind, layer, role, 0);
}

/* The planted names and their answers: a pure function of the parameters, so a cached stack
 * needs no manifest parsing to know them. */
static int plan_planted(struct layer_stack *s)
{
	const struct layer_stack_params *p = &s->params;
	int top = (int)p->depth - 1, e = 0;
	static char copyup_paths[2 * LAYER_STACK_MAX_COPYUP_SIZES][48];

	e |= add_planted(s, "probe/found-top", PLANT_FOUND, top, "found-top");
	e |= add_planted(s, "probe/found-bottom", PLANT_FOUND, 0, "found-bottom");
	e |= add_planted(s, "probe/absent", PLANT_ABSENT, -1, "absent");
	if (p->depth >= 2) {
		e |= add_planted(s, "probe/wh-top", PLANT_WHITEOUT, top, "whiteout-top");
		e |= add_planted(s, "probe/wh-bottom", PLANT_WHITEOUT, 1, "whiteout-bottom");
		e |= add_planted(s, "probe/opq", PLANT_OPAQUE, top, "opaque-dir");
		e |= add_planted(s, "probe/opq/hidden", PLANT_HIDDEN, 0, "opaque");
		e |= add_planted(s, "probe/opq/visible", PLANT_FOUND, top, "opaque-visible");
	}
	for (size_t i = 0; i < p->n_copyup_sizes; i++) {
		snprintf(copyup_paths[2 * i], sizeof(copyup_paths[0]), "copyup/bottom-%llu",
			 p->copyup_sizes[i]);
		snprintf(copyup_paths[2 * i + 1], sizeof(copyup_paths[0]), "copyup/top-%llu",
			 p->copyup_sizes[i]);
		e |= add_planted(s, copyup_paths[2 * i], PLANT_FOUND, 0, "copyup-bottom");
		e |= add_planted(s, copyup_paths[2 * i + 1], PLANT_FOUND, top, "copyup-top");
	}
	return e ? -ENOMEM : 0;
}

static int build_planted(struct builder *b, const struct layer_stack *s)
{
	unsigned top = b->p->depth - 1;
	int e = 0;

	for (size_t i = 0; i < s->n_planted && !e; i++) {
		const struct planted *pl = &s->planted[i];
		const char *slash = strrchr(pl->path, '/');
		char dir[96];

		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - pl->path), pl->path);
		switch (pl->kind) {
		case PLANT_FOUND:
			if (!strcmp(pl->path, "probe/opq/visible"))
				break; /* made with its opaque dir */
			e = make_dir(b, pl->layer, dir);
			if (!e)
				e = make_file(
					b, pl->layer, pl->path,
					!strncmp(pl->path, "copyup/", 7)
						? strtoull(strrchr(pl->path, '-') + 1, NULL, 10)
						: 16,
					b->p->sparse && !strncmp(pl->path, "copyup/", 7));
			break;
		case PLANT_WHITEOUT:
			/* Present at the bottom, deleted at its layer. */
			e = make_file(b, 0, pl->path, 16, false);
			if (!e)
				e = make_whiteout(b, pl->layer, pl->path);
			break;
		case PLANT_OPAQUE:
			e = make_opaque_dir(b, top, pl->path);
			if (!e)
				e = make_file(b, top, "probe/opq/visible", 16, false);
			break;
		case PLANT_HIDDEN:
			e = make_dir(b, 0, dir);
			if (!e)
				e = make_file(b, 0, pl->path, 16, false);
			break;
		case PLANT_ABSENT:
			break;
		}
	}
	return e;
}

static int fix_dir_time(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	struct timespec times[2] = { { FIXED_TIME, 0 }, { FIXED_TIME, 0 } };

	(void)st, (void)ftw;
	if (type == FTW_DP || type == FTW_F || type == FTW_SL)
		utimensat(AT_FDCWD, path, times, AT_SYMLINK_NOFOLLOW);
	return 0;
}

static int write_manifest(struct builder *b, const struct layer_stack *s)
{
	char path[700], text[2048];
	int len;

	len = snprintf(text, sizeof(text),
		       "{\"format\": %d, \"key\": \"%s\", \"depth\": %u, \"files_per_layer\": %u, "
		       "\"dirs_per_layer\": %u, \"file_size\": %llu, \"sparse\": %s, "
		       "\"whiteouts_per_layer\": %u, \"opaque_per_layer\": %u, "
		       "\"whiteout_form\": \"%s\", \"xattr_prefix\": \"%s\", \"seed\": %llu}\n",
		       STACK_FORMAT, s->key, b->p->depth, b->p->files_per_layer,
		       b->p->dirs_per_layer, b->p->file_size, b->p->sparse ? "true" : "false",
		       b->p->whiteouts_per_layer, b->p->opaque_per_layer,
		       b->p->whiteout_form == WHITEOUT_XATTR ? "xattr" : "chardev", b->xattr_prefix,
		       b->p->seed);
	snprintf(path, sizeof(path), "%s/stack.json", b->root);
	return write_file(path, text, (size_t)len, b->err);
}

static int build_into(struct builder *b, const struct layer_stack *s)
{
	const struct layer_stack_params *p = b->p;
	int e;

	for (unsigned k = 0; k < p->depth; k++) {
		if ((e = make_dir(b, k, "")))
			return e;
		if ((e = build_bulk(b, k)))
			return e;
	}
	if ((e = build_planted(b, s)))
		return e;
	/* The manifest before the times, or the stack's own dir takes the clock's time and two
	 * builds of one seed differ by the second they finished in. Only the rename into place
	 * makes the stack visible, so stack.json need not be the last write. */
	if ((e = write_manifest(b, s)))
		return e;
	nftw(b->root, fix_dir_time, 32, FTW_DEPTH | FTW_PHYS);
	return 0;
}

int layer_stack_build(struct layer_stack *s, const struct layer_stack_params *p,
		      const char *cache_dir, struct bb_error *err)
{
	struct builder b = { .p = p, .err = err, .rng = p->seed };
	char manifest[700];
	int e;

	memset(s, 0, sizeof(*s));
	if ((e = layer_stack_params_check(p, err)))
		return e;
	s->params = *p;
	layer_stack_key(p, s->key);
	snprintf(s->dir, sizeof(s->dir), "%s/%s", cache_dir, s->key);
	if ((e = plan_planted(s)))
		goto fail_nomem;

	/* The stack is built in <key>.building.<pid> and renamed into place only when complete
	 * (stack.json included): stack.json's presence means a complete stack. */
	snprintf(manifest, sizeof(manifest), "%s/stack.json", s->dir);
	if (access(manifest, F_OK) == 0)
		return 0;
	if ((e = mkdir_p(cache_dir, 0755, err)))
		goto fail;

	b.xattr_prefix = p->userxattr ? "user.overlay." : "trusted.overlay.";
	b.gone = calloc((size_t)p->depth * (p->files_per_layer ? p->files_per_layer : 1), 1);
	b.opaqued = calloc((size_t)p->depth * (p->dirs_per_layer ? p->dirs_per_layer : 1), 1);
	if (!b.gone || !b.opaqued) {
		free(b.gone);
		free(b.opaqued);
		goto fail_nomem;
	}
	snprintf(b.root, sizeof(b.root), "%s/%s.building.%d", cache_dir, s->key, (int)getpid());
	remove_tree(b.root, NULL);
	e = build_into(&b, s);
	free(b.gone);
	free(b.opaqued);
	if (e) {
		remove_tree(b.root, NULL);
		bb_err_wrap(err, "cannot build the depth-%u layer stack in %s", p->depth,
			    cache_dir);
		goto fail;
	}
	if (rename(b.root, s->dir) < 0) {
		e = -errno;
		remove_tree(b.root, NULL);
		/* Another run built the same stack meanwhile: theirs is as good as ours. */
		if ((e == -EEXIST || e == -ENOTEMPTY) && access(manifest, F_OK) == 0)
			return 0;
		bb_err(err, -e, "cannot move the built stack into %s: %s", s->dir, errno_name(-e));
		goto fail;
	}
	s->built_now = true;
	return 0;
fail_nomem:
	e = bb_err(err, ENOMEM, "out of memory planning a layer stack");
fail:
	layer_stack_free(s);
	return e;
}

void layer_stack_layer_path(const struct layer_stack *s, unsigned n, char *buf, size_t len)
{
	snprintf(buf, len, "%s/l/%u", s->dir, n);
}

const struct planted *layer_stack_find_role(const struct layer_stack *s, const char *role)
{
	for (size_t i = 0; i < s->n_planted; i++)
		if (!strcmp(s->planted[i].role, role))
			return &s->planted[i];
	return NULL;
}

void layer_stack_free(struct layer_stack *s)
{
	free(s->planted);
	s->planted = NULL;
	s->n_planted = 0;
}

const char *planted_kind_name(enum planted_kind kind)
{
	static const char *const names[] = {
		[PLANT_FOUND] = "found",   [PLANT_WHITEOUT] = "whiteout", [PLANT_OPAQUE] = "opaque",
		[PLANT_HIDDEN] = "hidden", [PLANT_ABSENT] = "absent",
	};
	return kind <= PLANT_ABSENT ? names[kind] : "unknown";
}

int layer_stack_copy(struct layer_stack *dst, const struct layer_stack *src, struct bb_error *err)
{
	*dst = *src;
	dst->planted = NULL;
	if (!src->n_planted)
		return 0;
	dst->planted = malloc(src->n_planted * sizeof(*dst->planted));
	if (!dst->planted)
		return bb_err(err, ENOMEM, "out of memory");
	memcpy(dst->planted, src->planted, src->n_planted * sizeof(*dst->planted));
	return 0;
}
