/* The capability report's list: see doctor_check.h. */
#include "doctor_check.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct check *check_append(struct check_list *list)
{
	struct check *grown;

	if (list->n == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 32;

		grown = realloc(list->items, cap * sizeof(*grown));
		if (!grown)
			return NULL;
		list->items = grown;
		list->cap = cap;
	}
	memset(&list->items[list->n], 0, sizeof(list->items[0]));
	return &list->items[list->n++];
}

static struct check *check_begin(struct check_list *list, const char *group, const char *name,
				 bool ok, int err, const char *means)
{
	struct check *c = check_append(list);

	if (!c)
		return NULL;
	snprintf(c->group, sizeof(c->group), "%s", group);
	snprintf(c->name, sizeof(c->name), "%s", name);
	snprintf(c->means, sizeof(c->means), "%s", means ? means : "");
	c->ok = ok;
	c->err = err < 0 ? -err : err;
	return c;
}

int check_add(struct check_list *list, const char *group, const char *name, bool ok, int err,
	      const char *means, const char *value_fmt, ...)
{
	struct check *c = check_begin(list, group, name, ok, err, means);
	va_list ap;

	if (!c)
		return -ENOMEM;
	va_start(ap, value_fmt);
	vsnprintf(c->value, sizeof(c->value), value_fmt, ap);
	va_end(ap);
	return 0;
}

int check_add_num(struct check_list *list, const char *group, const char *name, bool ok, int err,
		  const char *means, long long num)
{
	struct check *c = check_begin(list, group, name, ok, err, means);

	if (!c)
		return -ENOMEM;
	c->has_num = true;
	c->num = num;
	snprintf(c->value, sizeof(c->value), "%lld", num);
	return 0;
}

void check_detail(struct check_list *list, const char *fmt, ...)
{
	va_list ap;

	if (!list->n)
		return;
	va_start(ap, fmt);
	vsnprintf(list->items[list->n - 1].detail, sizeof(list->items[0].detail), fmt, ap);
	va_end(ap);
}

int check_claim(struct check_list *list, enum claim_kind kind, const char *name,
		const char *what_fmt, ...)
{
	struct check *c = list->n ? &list->items[list->n - 1] : NULL;
	struct claim *cl;
	va_list ap;

	if (!c)
		return -EINVAL;
	if (c->n_claims == CHECK_MAX_CLAIMS)
		return -ENOSPC;
	cl = &c->claims[c->n_claims++];
	cl->kind = kind;
	snprintf(cl->name, sizeof(cl->name), "%s", name);
	va_start(ap, what_fmt);
	vsnprintf(cl->what, sizeof(cl->what), what_fmt, ap);
	va_end(ap);
	return 0;
}

const struct check *check_find(const struct check_list *list, const char *group, const char *name)
{
	for (size_t i = 0; i < list->n; i++)
		if (!strcmp(list->items[i].group, group) && !strcmp(list->items[i].name, name))
			return &list->items[i];
	return NULL;
}

void check_list_free(struct check_list *list)
{
	free(list->items);
	list->items = NULL;
	list->n = list->cap = 0;
}
