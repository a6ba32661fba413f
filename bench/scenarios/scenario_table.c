/* The list of scenarios, in the order `--scenario` and the results list them, and the lookup
 * by name. Each lives in its own scenarios/scenario_<name>.c. */
#include "scenario.h"

#include <string.h>

extern const struct scenario scenario_ns;
extern const struct scenario scenario_cgroup;
extern const struct scenario scenario_mount;
extern const struct scenario scenario_pivot;
extern const struct scenario scenario_copyup;
extern const struct scenario scenario_lookup;
extern const struct scenario scenario_readdir;
extern const struct scenario scenario_start;

const struct scenario *const scenarios[] = {
	&scenario_ns,	  &scenario_cgroup, &scenario_mount,   &scenario_pivot,
	&scenario_copyup, &scenario_lookup, &scenario_readdir, &scenario_start,
};

const size_t n_scenarios = sizeof(scenarios) / sizeof(scenarios[0]);

const struct scenario *scenario_find(const char *name)
{
	for (size_t i = 0; i < n_scenarios; i++)
		if (!strcmp(scenarios[i]->name, name))
			return scenarios[i];
	return NULL;
}
