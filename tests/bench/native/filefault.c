/* filefault.c - faults on a memfd (tmpfs) whose pages are all in the page cache.
 * usage: filefault [PAGES [REPS]]. Each rep maps the file MAP_SHARED afresh and touches one
 * byte per page: reads (fault-around maps 16 pages per fault) and writes (do_shared_fault). */
#include "nbench.h"

enum { READ, WRITE, NCASES };

/* One rep of case c; stores faults per page in *fpp and returns total ns. */
static double one(int fd, int c, long pages, double *fpp)
{
	int prot = PROT_READ | (c == WRITE ? PROT_WRITE : 0);
	char *p = xmmap(pages * PG, prot, MAP_SHARED, fd);
	long f0 = minflt();
	uint64_t t0 = now_ns();
	if (c == READ) { if (read_pages(p, pages) == -1) puts(""); }
	else write_pages(p, pages);
	uint64_t t1 = now_ns();
	long faults = minflt() - f0;
	munmap(p, pages * PG);
	*fpp = (double)faults / pages;
	return (double)(t1 - t0);
}

int main(int argc, char **argv)
{
	long pages; int reps;
	args(argc, argv, &pages, &reps, 4096, 5);
	int fd = cached_memfd(pages);
	double ns[NCASES][MAXREPS], per_fault[NCASES][MAXREPS], per_page[MAXREPS], fpp[NCASES] = { 0 };
	for (int c = 0; c < NCASES; c++) one(fd, c, pages, &fpp[c]); /* warm-up */
	for (int r = 0; r < reps; r++)
		for (int c = 0; c < NCASES; c++) {
			ns[c][r] = one(fd, c, pages, &fpp[c]);
			per_fault[c][r] = ns[c][r] / (fpp[c] * pages > 0 ? fpp[c] * pages : 1);
		}
	for (int r = 0; r < reps; r++) per_page[r] = ns[READ][r] / pages;
	emit("filefault", "file_read_faultaround", pages, "ns/fault", per_fault[READ], reps, "faults_per_page", fpp[READ]);
	emit("filefault", "file_read_page", pages, "ns/page", per_page, reps, "faults_per_page", fpp[READ]);
	emit("filefault", "shared_write", pages, "ns/fault", per_fault[WRITE], reps, "faults_per_page", fpp[WRITE]);
	return 0;
}
