/* The run's storage drivers and their shared images: see run_driver.h. */
#include "run_driver.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fsutil.h"

size_t run_drivers(const struct run_ctx *ctx, const struct storage_driver **out)
{
	const struct run_config *cfg = ctx->cfg;

	if (cfg->n_drivers) {
		memcpy(out, cfg->drivers, cfg->n_drivers * sizeof(*out));
		return cfg->n_drivers;
	}
	if (cfg->suite != SUITE_FULL) {
		out[0] = &driver_overlay;
		return 1;
	}
	memcpy(out, storage_drivers, n_storage_drivers * sizeof(*out));
	return n_storage_drivers;
}

void run_driver_names(const struct run_ctx *ctx, char *buf, size_t len)
{
	const struct storage_driver *d[RUN_LIST_MAX > 8 ? RUN_LIST_MAX : 8];
	size_t n = run_drivers(ctx, d), used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? "," : "", d[i]->name);
}

/* Whether each driver can work here, asked once per process: planning asks for every case. */
static struct {
	const struct storage_driver *driver;
	int e;
	char why[sizeof(((struct bb_error *)0)->msg)];
} availability[16];

static int driver_available(const struct storage_driver *d, const char **why)
{
	size_t i;

	for (i = 0; i < sizeof(availability) / sizeof(availability[0]) && availability[i].driver;
	     i++)
		if (availability[i].driver == d)
			break;
	if (i == sizeof(availability) / sizeof(availability[0]))
		i = 0; /* more drivers than slots: ask again */
	if (availability[i].driver != d) {
		struct driver_config cfg = { .driver = d };
		struct bb_error err = { 0 };

		availability[i].driver = d;
		availability[i].e = d->available(&cfg, &err);
		snprintf(availability[i].why, sizeof(availability[i].why), "%s", err.msg);
	}
	*why = availability[i].why;
	return availability[i].e;
}

void case_driver_param(struct bench_case *c, const struct storage_driver *d)
{
	const char *why;

	case_param(c, "driver", "%s", d->name);
	c->driver = d;
	if (driver_available(d, &why) < 0) {
		c->skipped = true;
		snprintf(c->error, sizeof(c->error), "%s", why);
	}
}

int run_drivers_check(const struct run_config *cfg, struct bb_error *err)
{
	for (size_t i = 0; i < cfg->n_drivers; i++) {
		struct driver_config dc = { .driver = cfg->drivers[i] };
		int e = cfg->drivers[i]->available(&dc, err);

		if (e < 0)
			return bb_err_wrap(err, "--driver %s cannot work here",
					   cfg->drivers[i]->name);
	}
	return 0;
}

void case_name_without_driver(const char *name, char *out, size_t len)
{
	const char *p = strstr(name, "/driver:");
	const char *end = p ? strchr(p + 1, '/') : NULL;

	if (!p) {
		snprintf(out, len, "%s", name);
		return;
	}
	snprintf(out, len, "%.*s%s", (int)(p - name), name, end ? end : "");
}

void run_driver_config(const struct run_ctx *ctx, const struct storage_driver *d,
		       struct driver_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->driver = d;
	cfg->api = MOUNT_API_FSCONFIG;
	cfg->store_dir = ctx->session->workdir;
}

/* One driver's image of one stack, and how many cases hold it. */
struct shared_image {
	struct shared_image *next;
	struct driver_config cfg;
	struct layer_stack stack; /* a copy: the image points into it */
	struct driver_image img;
	unsigned refs;
};

static struct shared_image *images; /* the harness is one thread */

int run_driver_image_get(const struct driver_config *cfg, const struct layer_stack *stack,
			 const struct driver_image **out, struct bb_error *err)
{
	struct shared_image *si;
	int e;

	for (si = images; si; si = si->next)
		if (si->cfg.driver == cfg->driver && !strcmp(si->stack.dir, stack->dir)) {
			si->refs++;
			*out = &si->img;
			return 0;
		}
	if (!(si = calloc(1, sizeof(*si))))
		return bb_err(err, ENOMEM, "out of memory");
	si->cfg = *cfg;
	if ((e = layer_stack_copy(&si->stack, stack, err))) {
		free(si);
		return e;
	}
	if ((e = cfg->driver->image_open(&si->cfg, &si->stack, &si->img, err))) {
		cfg->driver->image_close(&si->cfg, &si->img);
		layer_stack_free(&si->stack);
		free(si);
		return e;
	}
	si->img.driver = cfg->driver;
	si->refs = 1;
	si->next = images;
	images = si;
	*out = &si->img;
	return 0;
}

void run_driver_image_put(const struct driver_image *img)
{
	for (struct shared_image **p = &images; *p; p = &(*p)->next) {
		struct shared_image *si = *p;

		if (&si->img != img)
			continue;
		if (--si->refs)
			return;
		*p = si->next;
		si->cfg.driver->image_close(&si->cfg, &si->img);
		layer_stack_free(&si->stack);
		free(si);
		return;
	}
}
