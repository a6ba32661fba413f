/* Fuzz target: what inspect reads of the kernel's mount table: mountinfo lines
 * (mountinfo_parse_line, mountinfo_find, mountinfo_find_containing, mountinfo_unescape) and an
 * overlay's super options (ovl_mounted_parse). The input is a mountinfo file. Checked: a
 * parsed overlay's layer counts add up, and every option it lists is found by name. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "glue.h"
#include "inspect/mountinfo.h"
#include "inspect/ovl_mounted.h"

static void check_overlay(const char *super_options)
{
	struct ovl_mounted m;
	struct bb_error err = { 0 };
	size_t upper = 0, lower = 0, data = 0;

	if (ovl_mounted_parse(super_options, &m, &err))
		return;
	for (size_t i = 0; i < m.n_layers; i++) {
		if (!m.layers[i].path)
			fz_fail("layer %zu has no path", i);
		upper += m.layers[i].role == OVL_LAYER_UPPER;
		lower += m.layers[i].role == OVL_LAYER_LOWER;
		data += m.layers[i].role == OVL_LAYER_DATA;
		ovl_layer_role_name(m.layers[i].role);
	}
	if (upper != m.has_upper || upper > 1 || lower != m.n_lower || data != m.n_data ||
	    m.n_layers != upper + lower + data || !m.n_lower)
		fz_fail("'%s': %zu layers: %zu upper, %zu lower (says %zu), %zu data (says %zu)",
			super_options, m.n_layers, upper, lower, m.n_lower, data, m.n_data);
	for (size_t i = 0; i < m.n_opts; i++)
		if (!m.opts[i].key || !ovl_mounted_opt(&m, m.opts[i].key))
			fz_fail("'%s': option %zu is not found by its name", super_options, i);
	ovl_mounted_free(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64], *text = strndup((const char *)data, size), *save = NULL;
	int fd = fz_memfd(data, size, path, sizeof(path));
	struct mountinfo_entry e;
	struct bb_error err = { 0 };

	if (!text)
		fz_fail("out of memory");
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *copy = strdup(line);
		size_t len;

		if (!mountinfo_parse_line(line, &e, &err)) {
			struct mountinfo_entry found;

			if (!e.root || !e.mount_point || !e.mount_options || !e.fstype ||
			    !e.source || !e.super_options)
				fz_fail("a parsed line lacks a field: '%s'", line);
			check_overlay(e.super_options);
			if (!mountinfo_find(path, e.mount_point, &found, &err))
				mountinfo_entry_free(&found);
			if (!mountinfo_find_containing(path, e.mount_point, e.major, e.minor,
						       &found, &err))
				mountinfo_entry_free(&found);
			mountinfo_entry_free(&e);
		}
		check_overlay(line);
		len = mountinfo_unescape(copy);
		if (len > strlen(line) || copy[len])
			fz_fail("mountinfo_unescape('%s') says %zu bytes of %zu", line, len,
				strlen(line));
		free(copy);
	}
	free(text);
	close(fd);
	return 0;
}
