/* Parsing /proc/<pid>/mountinfo: see mountinfo.h. Line format (proc(5)):
 *   36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
 * with any number of optional fields before the " - " separator. */
#include "mountinfo.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_octal(char c)
{
	return c >= '0' && c <= '7';
}

size_t mountinfo_unescape(char *s)
{
	char *d = s, *start = s;

	while (*s) {
		if (s[0] == '\\' && is_octal(s[1]) && is_octal(s[2]) && is_octal(s[3])) {
			*d++ = (char)(((s[1] - '0') << 6) | ((s[2] - '0') << 3) | (s[3] - '0'));
			s += 4;
		} else {
			*d++ = *s++;
		}
	}
	*d = '\0';
	return (size_t)(d - start);
}

void mountinfo_entry_free(struct mountinfo_entry *e)
{
	free(e->root);
	free(e->mount_point);
	free(e->mount_options);
	free(e->fstype);
	free(e->source);
	free(e->super_options);
	memset(e, 0, sizeof(*e));
}

/* The next space-separated field of *s, NUL-terminated in place; NULL at the end. */
static char *next_field(char **s)
{
	char *f = *s, *end;

	while (*f == ' ')
		f++;
	if (!*f)
		return NULL;
	end = strchr(f, ' ');
	if (end) {
		*end = '\0';
		*s = end + 1;
	} else {
		*s = f + strlen(f);
	}
	return f;
}

static char *dup_unescaped(const char *s)
{
	char *d = strdup(s);

	if (d)
		mountinfo_unescape(d);
	return d;
}

int mountinfo_parse_line(const char *line, struct mountinfo_entry *e, struct bb_error *err)
{
	char *buf = strdup(line), *s = buf, *f[6], *opt;
	int n, e2 = 0;

	memset(e, 0, sizeof(*e));
	if (!buf)
		return bb_err(err, ENOMEM, "out of memory parsing mountinfo");
	buf[strcspn(buf, "\n")] = '\0';
	for (n = 0; n < 6 && (f[n] = next_field(&s)); n++)
		;
	if (n < 6 || sscanf(f[0], "%d", &e->mount_id) != 1 ||
	    sscanf(f[1], "%d", &e->parent_id) != 1 ||
	    sscanf(f[2], "%u:%u", &e->major, &e->minor) != 2) {
		e2 = bb_err(err, EINVAL,
			    "malformed mountinfo line (expected 'ID PARENT MAJ:MIN "
			    "ROOT MOUNT_POINT OPTIONS ...'): %.200s",
			    line);
		goto out;
	}
	/* Optional fields ("shared:1", "master:2", ...) until the lone "-". */
	while ((opt = next_field(&s)) && strcmp(opt, "-"))
		;
	if (!opt) {
		e2 = bb_err(err, EINVAL, "malformed mountinfo line (no ' - ' separator): %.200s",
			    line);
		goto out;
	}
	{
		char *type = next_field(&s), *source = next_field(&s), *super = next_field(&s);

		if (!type || !source) {
			e2 = bb_err(err, EINVAL,
				    "malformed mountinfo line (no fs type or source after ' - '): "
				    "%.200s",
				    line);
			goto out;
		}
		e->fstype = dup_unescaped(type);
		e->source = dup_unescaped(source);
		e->super_options = strdup(super ? super : "");
	}
	e->root = dup_unescaped(f[3]);
	e->mount_point = dup_unescaped(f[4]);
	e->mount_options = strdup(f[5]);
	if (!e->fstype || !e->source || !e->super_options || !e->root || !e->mount_point ||
	    !e->mount_options)
		e2 = bb_err(err, ENOMEM, "out of memory parsing mountinfo");
out:
	if (e2)
		mountinfo_entry_free(e);
	free(buf);
	return e2;
}

/* Calls match on every entry of the file; keeps in *e the last one it accepted. */
static int mountinfo_scan(const char *path, bool (*match)(const struct mountinfo_entry *, void *),
			  void *ctx, struct mountinfo_entry *e, struct bb_error *err)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	bool found = false;
	int ret = 0;

	memset(e, 0, sizeof(*e));
	if (!f)
		return bb_err(err, errno, "cannot read %s: %s", path, errno_name(errno));
	while (getline(&line, &cap, f) > 0) {
		struct mountinfo_entry cur;

		if ((ret = mountinfo_parse_line(line, &cur, err)))
			break;
		if (match(&cur, ctx)) {
			mountinfo_entry_free(e);
			*e = cur;
			found = true;
		} else {
			mountinfo_entry_free(&cur);
		}
	}
	if (!ret && ferror(f))
		ret = bb_err(err, EIO, "cannot read %s: %s", path, errno_name(EIO));
	free(line);
	fclose(f);
	if (ret) {
		mountinfo_entry_free(e);
		return ret;
	}
	return found ? 0 : -ENOENT;
}

static bool at_mount_point(const struct mountinfo_entry *e, void *ctx)
{
	return !strcmp(e->mount_point, ctx);
}

int mountinfo_find(const char *path, const char *mount_point, struct mountinfo_entry *e,
		   struct bb_error *err)
{
	int ret = mountinfo_scan(path, at_mount_point, (void *)mount_point, e, err);

	if (ret == -ENOENT)
		return bb_err(err, ENOENT, "nothing is mounted at %s (per %s)", mount_point, path);
	return ret;
}

struct containing {
	const char *path;
	unsigned major, minor;
	size_t best;
};

static bool holds_path(const struct mountinfo_entry *e, void *ctx)
{
	struct containing *c = ctx;
	size_t len = strlen(e->mount_point);

	if (e->major != c->major || e->minor != c->minor)
		return false;
	if (strcmp(e->mount_point, "/") &&
	    (strncmp(c->path, e->mount_point, len) || (c->path[len] && c->path[len] != '/')))
		return false;
	if (len < c->best)
		return false;
	c->best = len;
	return true;
}

int mountinfo_find_containing(const char *mountinfo, const char *path, unsigned major,
			      unsigned minor, struct mountinfo_entry *e, struct bb_error *err)
{
	struct containing c = { .path = path, .major = major, .minor = minor };
	int ret = mountinfo_scan(mountinfo, holds_path, &c, e, err);

	if (ret == -ENOENT)
		return bb_err(err, ENOENT, "no mount in %s holds %s", mountinfo, path);
	return ret;
}
