/* The tree of what one layer holds, keyed by path (tsearch), which image_unpack.c keeps while
 * it unpacks: what the layer made at a path, and what a directory still needs at the end. */
#include "image_unpack_internal.h"

#include <errno.h>
#include <search.h>
#include <stdlib.h>
#include <string.h>

int node_cmp(const void *a, const void *b)
{
	return strcmp(((const struct node *)a)->path, ((const struct node *)b)->path);
}

void node_free(void *p)
{
	struct node *n = p;

	free(n->path);
	free(n->target);
	free(n);
}

struct node *node_get(struct unpacker *u, const char *path)
{
	struct node key = { .path = (char *)path };
	void *r = tfind(&key, &u->tree, node_cmp);

	return r ? *(struct node **)r : NULL;
}

struct node *node_put(struct unpacker *u, const char *path, enum node_kind kind)
{
	struct node *n = node_get(u, path);
	void *r;

	if (n) {
		if (n->kind != kind) {
			free(n->target);
			*n = (struct node){ .path = n->path, .kind = kind };
		}
		return n;
	}
	n = calloc(1, sizeof(*n));
	if (!n || !(n->path = strdup(path))) {
		free(n);
		return NULL;
	}
	n->kind = kind;
	r = tsearch(n, &u->tree, node_cmp);
	if (!r) {
		node_free(n);
		return NULL;
	}
	return n;
}

static void collect_one(const void *nodep, VISIT which, void *closure)
{
	struct node_list *l = closure;
	struct node *n = *(struct node *const *)nodep;

	if (which != postorder && which != leaf)
		return;
	if (l->prefix &&
	    (strncmp(n->path, l->prefix, l->prefix_len) || n->path[l->prefix_len] != '/'))
		return;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		struct node **v = realloc(l->v, cap * sizeof(*v));

		if (!v) {
			l->oom = true;
			return;
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = n;
}

int node_collect(struct unpacker *u, const char *below, struct node_list *l)
{
	*l = (struct node_list){ .prefix = below, .prefix_len = below ? strlen(below) : 0 };
	twalk_r(u->tree, collect_one, l);
	if (l->oom) {
		free(l->v);
		return unpack_refuse(u, UNPACK_IO, ENOMEM, "out of memory");
	}
	return 0;
}

int node_set_target(struct node *n, const char *target)
{
	char *t = strdup(target);

	if (!t)
		return -ENOMEM;
	free(n->target);
	n->target = t;
	return 0;
}
