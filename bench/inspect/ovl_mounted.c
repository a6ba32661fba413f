/* Reading an overlay's layers and options back from mountinfo: see ovl_mounted.h. */
#include "ovl_mounted.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mountinfo.h"

const char *ovl_layer_role_name(enum ovl_layer_role role)
{
	switch (role) {
	case OVL_LAYER_UPPER:
		return "upper";
	case OVL_LAYER_LOWER:
		return "lower";
	case OVL_LAYER_DATA:
		return "data";
	}
	return "?";
}

void ovl_mounted_free(struct ovl_mounted *m)
{
	for (size_t i = 0; i < m->n_layers; i++)
		free(m->layers[i].path);
	for (size_t i = 0; i < m->n_opts; i++) {
		free(m->opts[i].key);
		free(m->opts[i].value);
	}
	free(m->layers);
	free(m->opts);
	free(m->workdir);
	memset(m, 0, sizeof(*m));
}

/* Removes overlay's backslash escapes ("\:" → ':', "\\" → '\') in place. */
static void ovl_unescape(char *s)
{
	char *d = s;

	for (; *s; s++) {
		if (*s == '\\' && s[1])
			s++;
		*d++ = *s;
	}
	*d = '\0';
}

static int add_layer(struct ovl_mounted *m, enum ovl_layer_role role, const char *path, size_t len,
		     struct bb_error *err)
{
	struct ovl_layer_ref *grown, *l;

	if (!len)
		return bb_err(err, EINVAL,
			      "overlay lowerdir has an empty layer name (more than two ':' in a "
			      "row, or a ':' at an end)");
	grown = realloc(m->layers, (m->n_layers + 1) * sizeof(*grown));
	if (!grown)
		return bb_err(err, ENOMEM, "out of memory");
	m->layers = grown;
	l = &m->layers[m->n_layers];
	memset(l, 0, sizeof(*l));
	l->role = role;
	l->path = strndup(path, len);
	if (!l->path)
		return bb_err(err, ENOMEM, "out of memory");
	m->n_layers++;
	if (role == OVL_LAYER_LOWER)
		m->n_lower++;
	else if (role == OVL_LAYER_DATA)
		m->n_data++;
	return 0;
}

/* lowerdir= of mount(2): layers split at unescaped ':', data-only layers after "::". */
static int parse_lowerdir(struct ovl_mounted *m, const char *v, struct bb_error *err)
{
	enum ovl_layer_role role = OVL_LAYER_LOWER;
	const char *start = v, *s = v;
	size_t first = m->n_layers;
	int e;

	for (;; s++) {
		if (*s == '\\' && s[1]) {
			s++;
			continue;
		}
		if (*s && *s != ':')
			continue;
		if ((e = add_layer(m, role, start, (size_t)(s - start), err)))
			return e;
		if (!*s)
			break;
		if (s[1] == ':') {
			s++;
			role = OVL_LAYER_DATA;
		} else if (role == OVL_LAYER_DATA) {
			return bb_err(
				err, EINVAL,
				"overlay lowerdir '%s' has a single ':' after '::' (data-only "
				"layers must each follow '::')",
				v);
		}
		start = s + 1;
	}
	for (size_t i = first; i < m->n_layers; i++)
		ovl_unescape(m->layers[i].path);
	return 0;
}

static int add_opt(struct ovl_mounted *m, const char *key, const char *value, struct bb_error *err)
{
	struct ovl_opt *grown = realloc(m->opts, (m->n_opts + 1) * sizeof(*grown));

	if (!grown)
		return bb_err(err, ENOMEM, "out of memory");
	m->opts = grown;
	grown[m->n_opts].key = strdup(key);
	grown[m->n_opts].value = value ? strdup(value) : NULL;
	if (!grown[m->n_opts].key || (value && !grown[m->n_opts].value)) {
		free(grown[m->n_opts].key);
		free(grown[m->n_opts].value);
		return bb_err(err, ENOMEM, "out of memory");
	}
	m->n_opts++;
	return 0;
}

/* Puts the upper layer first and numbers lowers from the bottom. */
static int finish(struct ovl_mounted *m, char *upper, struct bb_error *err)
{
	unsigned lower_pos = 0, data_pos = 0;

	if (!m->n_lower) {
		free(upper);
		return bb_err(err, EINVAL,
			      "overlay super options name no lower layer (no lowerdir= or "
			      "lowerdir+=)");
	}
	if (upper) {
		struct ovl_layer_ref *grown =
			realloc(m->layers, (m->n_layers + 1) * sizeof(*grown));

		if (!grown) {
			free(upper);
			return bb_err(err, ENOMEM, "out of memory");
		}
		m->layers = grown;
		memmove(&m->layers[1], &m->layers[0], m->n_layers * sizeof(*grown));
		memset(&m->layers[0], 0, sizeof(*grown));
		m->layers[0].role = OVL_LAYER_UPPER;
		m->layers[0].path = upper;
		m->n_layers++;
		m->has_upper = true;
	}
	/* mount(2) lists data-only layers after all lowers; fsconfig lets datadir+ come only
	 * after the last lowerdir+ too, so one stable pass keeps lowers before data. */
	for (size_t i = 0; i < m->n_layers; i++) {
		struct ovl_layer_ref *l = &m->layers[i];

		if (l->role == OVL_LAYER_UPPER)
			l->index = (unsigned)m->n_lower;
		else if (l->role == OVL_LAYER_LOWER)
			l->index = (unsigned)m->n_lower - 1 - lower_pos++;
		else
			l->index = data_pos++;
		l->relative = l->path[0] != '/';
	}
	return 0;
}

int ovl_mounted_parse(const char *super_options, struct ovl_mounted *m, struct bb_error *err)
{
	char *buf = strdup(super_options), *save = NULL, *upper = NULL;
	int e = 0;

	memset(m, 0, sizeof(*m));
	if (!buf)
		return bb_err(err, ENOMEM, "out of memory");
	/* A ',' inside a value is shown octal-escaped: every literal ',' separates options. */
	for (char *opt = strtok_r(buf, ",", &save); opt && !e; opt = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(opt, '=');
		char *value = eq ? eq + 1 : NULL;

		if (eq)
			*eq = '\0';
		if (value)
			mountinfo_unescape(value);
		if (!strcmp(opt, "lowerdir") && value) {
			e = parse_lowerdir(m, value, err);
		} else if ((!strcmp(opt, "lowerdir+") || !strcmp(opt, "datadir+")) && value) {
			m->append_syntax = true;
			e = add_layer(m, opt[0] == 'l' ? OVL_LAYER_LOWER : OVL_LAYER_DATA, value,
				      strlen(value), err);
		} else if (!strcmp(opt, "upperdir") && value) {
			ovl_unescape(value);
			free(upper);
			if (!(upper = strdup(value)))
				e = bb_err(err, ENOMEM, "out of memory");
		} else if (!strcmp(opt, "workdir") && value) {
			ovl_unescape(value);
			free(m->workdir);
			if (!(m->workdir = strdup(value)))
				e = bb_err(err, ENOMEM, "out of memory");
		} else {
			e = add_opt(m, opt, value, err);
		}
	}
	free(buf);
	if (!e)
		e = finish(m, upper, err); /* owns upper from here */
	else
		free(upper);
	if (e)
		ovl_mounted_free(m);
	return e;
}

const char *ovl_mounted_opt(const struct ovl_mounted *m, const char *key)
{
	for (size_t i = 0; i < m->n_opts; i++)
		if (!strcmp(m->opts[i].key, key))
			return m->opts[i].value ? m->opts[i].value : "";
	return NULL;
}
