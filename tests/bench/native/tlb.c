/* tlb.c - translation cost: a dependent pointer chase, one node per 4 KiB page at a random
 * 64-byte line, all pages in one random cycle (Sattolo), 4 KiB pages only.
 * usage: tlb PAGES [REPS [ACCESSES]]. Reports ns per access after a warm-up pass. PAGES = 32
 * stays in the L1 dTLB; PAGES = 16384 misses the 2048-entry STLB on every access (a walk). */
#include "nbench.h"

static uint64_t rs = 0x9E3779B97F4A7C15ull;

/* xorshift64: the next pseudo-random number. */
static inline uint64_t rnd(void)
{
	rs ^= rs << 13; rs ^= rs >> 7; rs ^= rs << 17;
	return rs;
}

static void *volatile sink;

/* Follows `accesses` pointers from start; returns ns per access. */
static double chase(void **start, long accesses)
{
	void **p = start;
	uint64_t t0 = now_ns();
	for (long i = 0; i < accesses; i++) p = (void **)*p;
	uint64_t t1 = now_ns();
	sink = p;
	return (double)(t1 - t0) / accesses;
}

/* Builds the cycle over `pages` pages of region p; returns the first node. */
static void **build(char *p, long pages)
{
	long *order = malloc(pages * sizeof(long)), *line = malloc(pages * sizeof(long));
	if (!order || !line) DIE("malloc");
	for (long i = 0; i < pages; i++) { order[i] = i; line[i] = (long)(rnd() % (PG / 64)) * 64; }
	for (long i = pages - 1; i > 0; i--) { long j = (long)(rnd() % i), t = order[i]; order[i] = order[j]; order[j] = t; }
	for (long i = 0; i < pages; i++) {
		long a = order[i], b = order[(i + 1) % pages];
		*(void **)(p + a * PG + line[a]) = p + b * PG + line[b];
	}
	void **first = (void **)(p + order[0] * PG + line[order[0]]);
	free(order); free(line);
	return first;
}

int main(int argc, char **argv)
{
	long pages = argc > 1 ? atol(argv[1]) : 32;
	int reps = argc > 2 ? atoi(argv[2]) : 5;
	long accesses = argc > 3 ? atol(argv[3]) : 1L << 22;
	if (pages < 2 || reps < 1 || reps > MAXREPS || accesses < 1) DIE("usage: tlb PAGES [REPS [ACCESSES]]");
	char *p = map_anon(pages);
	void **first = build(p, pages);
	double v[MAXREPS];
	chase(first, pages * 4 > accesses ? pages * 4 : accesses); /* warm-up */
	for (int r = 0; r < reps; r++) v[r] = chase(first, accesses);
	emit("tlb", pages <= 64 ? "tlb_hit" : "tlb_walk", pages, "ns/access", v, reps, NULL, 0);
	return 0;
}
