/* doctor's claims in words: see doctor_claims.h. */
#include "doctor_claims.h"

#include <stdio.h>
#include <string.h>

void check_means(const struct check *c, claim_exists_fn exists, char *buf, size_t len)
{
	snprintf(buf, len, "%s", c->means);
	for (size_t i = 0; i < c->n_claims; i++) {
		const struct claim *cl = &c->claims[i];
		/* strlen(buf) < len always: snprintf truncates and terminates. */
		size_t used = strlen(buf);
		const char *sep = used ? "; " : "";

		if (!exists(cl->kind, cl->name))
			continue;
		if (cl->kind == CLAIM_DRIVER)
			snprintf(buf + used, len - used, "%sthe driver:%s cases %s", sep, cl->name,
				 cl->what);
		else
			snprintf(buf + used, len - used, "%s`boxbench %s` %s", sep, cl->name,
				 cl->what);
	}
}
