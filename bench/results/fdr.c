/* Benjamini-Hochberg adjusted p-values: see fdr.h. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "fdr.h"

struct ranked_p {
	double p;
	size_t at;
};

static int cmp_p(const void *pa, const void *pb)
{
	const struct ranked_p *a = pa, *b = pb;

	if (a->p != b->p)
		return a->p < b->p ? -1 : 1;
	return (a->at > b->at) - (a->at < b->at);
}

int fdr_bh_adjust(const double *p, size_t n, double *adj)
{
	struct ranked_p *r;
	double running = 1;

	if (!n)
		return 0;
	r = malloc(n * sizeof(*r));
	if (!r)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		r[i] = (struct ranked_p){ isnan(p[i]) ? 1 : fmin(fmax(p[i], 0), 1), i };
	qsort(r, n, sizeof(*r), cmp_p);
	/* From the largest p down, the running minimum of p * n / rank. Equal p: the last of
	 * them (the highest rank) sets the value for all, which the running minimum gives. */
	for (size_t i = n; i-- > 0;) {
		running = fmin(running, r[i].p * (double)n / (double)(i + 1));
		adj[r[i].at] = running;
	}
	free(r);
	return 0;
}
