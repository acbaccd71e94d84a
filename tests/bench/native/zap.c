/* zap.c - zap throughput: the time of one call that clears PAGES populated ptes.
 * usage: zap [PAGES [REPS]]. Cases, interleaved per rep, each on a freshly populated range:
 *   anon_dontneed   written anon range, madvise(MADV_DONTNEED)  (zap + free)
 *   anon_munmap     written anon range, munmap
 *   file_dontneed   MAP_SHARED memfd range, every page written, MADV_DONTNEED (page cache kept:
 *                   the work of unmap_mapping_range)
 *   ftrunc_mapped   the same mapping, ftruncate(fd, 0) (unmap_mapping_range + truncate) */
#include "nbench.h"

enum { ANON_DONTNEED, ANON_MUNMAP, FILE_DONTNEED, FTRUNC_MAPPED, NCASES };

/* One rep of case c; returns ns per page of the timed call. */
static double one(int c, long pages)
{
	size_t len = pages * PG;
	int fd = -1;
	char *p;
	if (c <= ANON_MUNMAP) {
		p = map_anon(pages);
	} else {
		fd = cached_memfd(pages);
		p = xmmap(len, PROT_READ | PROT_WRITE, MAP_SHARED, fd);
	}
	write_pages(p, pages);
	uint64_t t0 = now_ns();
	int r = c == ANON_MUNMAP ? munmap(p, len)
	      : c == FTRUNC_MAPPED ? ftruncate(fd, 0)
	      : madvise(p, len, MADV_DONTNEED);
	uint64_t t1 = now_ns();
	if (r) DIE("zap case %d", c);
	if (c != ANON_MUNMAP) munmap(p, len);
	if (fd >= 0) close(fd);
	return (double)(t1 - t0) / pages;
}

int main(int argc, char **argv)
{
	long pages; int reps;
	args(argc, argv, &pages, &reps, 65536, 5);
	static const char *names[NCASES] = { "anon_dontneed", "anon_munmap", "file_dontneed", "ftrunc_mapped" };
	double v[NCASES][MAXREPS];
	for (int c = 0; c < NCASES; c++) one(c, pages); /* warm-up */
	for (int r = 0; r < reps; r++)
		for (int c = 0; c < NCASES; c++) v[c][r] = one(c, pages);
	for (int c = 0; c < NCASES; c++) emit("zap", names[c], pages, "ns/page", v[c], reps, NULL, 0);
	return 0;
}
