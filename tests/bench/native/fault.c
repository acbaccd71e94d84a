/* fault.c - anonymous faults: zero-page read faults and zeroed-page write faults.
 * usage: fault [PAGES [REPS]]. Each rep maps PAGES fresh pages and touches one byte per page;
 * ns/fault = elapsed time / minor-fault delta. Cases interleave within each rep. */
#include "nbench.h"

enum { READ, WRITE, NCASES };

/* One rep of case c over a fresh mapping; stores faults per page in *fpp, returns ns/fault. */
static double one(int c, long pages, double *fpp)
{
	char *p = map_anon(pages);
	long f0 = minflt();
	uint64_t t0 = now_ns();
	if (c == READ) { if (read_pages(p, pages) == -1) puts(""); }
	else write_pages(p, pages);
	uint64_t t1 = now_ns();
	long faults = minflt() - f0;
	munmap(p, pages * PG);
	*fpp = (double)faults / pages;
	return (double)(t1 - t0) / (faults ? faults : 1);
}

int main(int argc, char **argv)
{
	long pages; int reps;
	args(argc, argv, &pages, &reps, 4096, 5);
	static const char *names[NCASES] = { "zero_read", "anon_write" };
	double v[NCASES][MAXREPS], fpp[NCASES] = { 0 };
	for (int c = 0; c < NCASES; c++) one(c, pages, &fpp[c]); /* warm-up */
	for (int r = 0; r < reps; r++)
		for (int c = 0; c < NCASES; c++) v[c][r] = one(c, pages, &fpp[c]);
	for (int c = 0; c < NCASES; c++) emit("fault", names[c], pages, "ns/fault", v[c], reps, "faults_per_page", fpp[c]);
	return 0;
}
