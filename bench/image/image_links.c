/* The symlinks the merged view of an image's layers shows (struct image_links, image_unpack.h),
 * kept in memory as the layers are unpacked bottom up: found by path, and brought up to date
 * with each layer. A walk through the layers below needs nothing else of them: a name that is
 * not a symlink there is walked into as if it were a directory (image_resolve.c). */
#include "image_unpack_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int link_cmp(const void *a, const void *b)
{
	return strcmp(((const struct image_link *)a)->path, ((const struct image_link *)b)->path);
}

const char *image_links_find(const struct image_links *l, const char *path)
{
	struct image_link key = { .path = (char *)path };
	const struct image_link *f =
		l && l->n ? bsearch(&key, l->v, l->n, sizeof(*l->v), link_cmp) : NULL;

	return f ? f->target : NULL;
}

void image_links_free(struct image_links *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].path);
		free(l->v[i].target);
	}
	free(l->v);
	*l = (struct image_links){ 0 };
}

/* The index of the first link whose path is not before path. */
static size_t first_from(const struct image_links *l, const char *path)
{
	size_t lo = 0, hi = l->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(l->v[mid].path, path) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Marks in hidden[] the links of l below dir ("" for the root: all of them). */
static void hide_below(const struct image_links *l, const char *dir, bool *hidden)
{
	size_t n = strlen(dir);

	for (size_t i = *dir ? first_from(l, dir) : 0; i < l->n; i++) {
		if (*dir && strncmp(l->v[i].path, dir, n))
			break;
		if (!*dir || l->v[i].path[n] == '/')
			hidden[i] = true;
	}
}

/* Which links of the layers below this layer hides (an array as long as u->o->links, NULL if
 * that is empty): those at a path it holds, and those below a non-directory or an opaque
 * directory of it. *changed: whether the view's links differ from those below (some hidden, or
 * the layer has symlinks of its own). -ENOMEM when out of memory. */
int image_links_hidden(struct unpacker *u, const struct node_list *all, bool **hidden,
		       bool *changed)
{
	const struct image_links *l = u->o->links;
	bool *h = l && l->n ? calloc(l->n, sizeof(*h)) : NULL;

	*hidden = NULL;
	*changed = false;
	if (l && l->n && !h)
		return unpack_refuse(u, UNPACK_IO, ENOMEM, "out of memory");
	for (size_t i = 0; i < all->n; i++) {
		const struct node *n = all->v[i];

		*changed |= n->kind == N_SYMLINK;
		if (!h)
			continue;
		if (*n->path) {
			struct image_link key = { .path = n->path };
			struct image_link *f = bsearch(&key, l->v, l->n, sizeof(*l->v), link_cmp);

			if (f)
				h[f - l->v] = true;
		}
		if (n->kind != N_DIR || n->opaque)
			hide_below(l, n->path, h);
	}
	for (size_t i = 0; h && i < l->n; i++)
		*changed |= h[i];
	*hidden = h;
	return 0;
}

/* Once the layer is complete: the links it hides go, its own come in. */
int image_links_add_layer(struct unpacker *u, const struct node_list *all, const bool *hidden)
{
	struct image_links *l = u->o->links;
	size_t n = 0, add = 0;
	struct image_link *v;

	if (!l)
		return 0;
	for (size_t i = 0; i < all->n; i++)
		add += all->v[i]->kind == N_SYMLINK && all->v[i]->target;
	if (!l->n && !add)
		return 0;
	v = realloc(l->v, (l->n + add) * sizeof(*v));
	if (!v)
		return unpack_refuse(u, UNPACK_IO, ENOMEM, "out of memory");
	l->v = v;
	for (size_t i = 0; i < l->n; i++) {
		if (hidden && hidden[i]) {
			free(v[i].path);
			free(v[i].target);
		} else {
			v[n++] = v[i];
		}
	}
	l->n = n;
	for (size_t i = 0; i < all->n; i++) {
		const struct node *nd = all->v[i];

		if (nd->kind != N_SYMLINK || !nd->target)
			continue;
		v[l->n].path = strdup(nd->path);
		v[l->n].target = strdup(nd->target);
		if (!v[l->n].path || !v[l->n].target) {
			free(v[l->n].path);
			free(v[l->n].target);
			qsort(v, l->n, sizeof(*v), link_cmp);
			return unpack_refuse(u, UNPACK_IO, ENOMEM, "out of memory");
		}
		l->n++;
	}
	qsort(v, l->n, sizeof(*v), link_cmp);
	return 0;
}
