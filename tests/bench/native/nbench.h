/* nbench.h - helpers shared by the native counterparts of `npm run bench`.
 *
 * Every program takes "PAGES REPS" (or its own documented arguments) and prints one JSON line
 * per case to stdout:
 *   {"prog":"fault","case":"anon_write","pages":4096,"unit":"ns/fault","values":[...],"faults_per_page":1.0}
 * `values` holds one number per repetition (tests/bench/native.ts summarizes them); one optional
 * extra field (faults_per_page, ipis_per_op) says what the run really did.
 */
#ifndef NBENCH_H
#define NBENCH_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PG 4096UL
#define MAXREPS 64

#define DIE(...) do { fprintf(stderr, __VA_ARGS__); fprintf(stderr, " (errno %d: %s)\n", errno, strerror(errno)); exit(1); } while (0)

/* Monotonic nanoseconds. */
static inline uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Minor faults this process has taken so far. */
static inline long minflt(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

/* mmap or die. */
static inline char *xmmap(size_t len, int prot, int flags, int fd)
{
	void *p = mmap(NULL, len, prot, flags, fd, 0);
	if (p == MAP_FAILED) DIE("mmap of %zu bytes", len);
	return p;
}

/* A private anonymous read-write mapping of `pages` pages that uses 4 KiB pages only. */
static inline char *map_anon(long pages)
{
	char *p = xmmap(pages * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
	madvise(p, pages * PG, MADV_NOHUGEPAGE);
	return p;
}

/* Writes one byte in each of `pages` pages from p. */
static inline void write_pages(char *p, long pages)
{
	for (long i = 0; i < pages; i++) ((volatile char *)p)[i * PG] = 1;
}

/* Reads one byte in each of `pages` pages from p; returns their sum so the loads stay. */
static inline long read_pages(const char *p, long pages)
{
	long s = 0;
	for (long i = 0; i < pages; i++) s += ((const volatile char *)p)[i * PG];
	return s;
}

/* A memfd (tmpfs) of `pages` pages, all written, so they sit in the page cache. */
static inline int cached_memfd(long pages)
{
	int fd = memfd_create("nbench", 0);
	if (fd < 0) DIE("memfd_create");
	static char buf[1 << 20];
	memset(buf, 0x5a, sizeof(buf));
	for (size_t done = 0, len = pages * PG; done < len;) {
		size_t c = len - done < sizeof(buf) ? len - done : sizeof(buf);
		ssize_t w = pwrite(fd, buf, c, done);
		if (w <= 0) DIE("pwrite");
		done += w;
	}
	return fd;
}

/* Pins the calling thread to `cpu`; returns 0, or -1 if the machine refuses. */
static inline int pin_to(int cpu)
{
	cpu_set_t s;
	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	return sched_setaffinity(0, sizeof(s), &s);
}

/* PAGES and REPS from argv (defaults d_pages, d_reps), REPS clamped to [1, MAXREPS]. */
static inline void args(int argc, char **argv, long *pages, int *reps, long d_pages, int d_reps)
{
	*pages = argc > 1 ? atol(argv[1]) : d_pages;
	*reps = argc > 2 ? atoi(argv[2]) : d_reps;
	if (*pages < 1) *pages = 1;
	if (*reps < 1) *reps = 1;
	if (*reps > MAXREPS) *reps = MAXREPS;
}

/* Prints one result line, with the extra field "xkey": xval unless xkey is NULL. */
static inline void emit(const char *prog, const char *cas, long pages, const char *unit,
			const double *v, int reps, const char *xkey, double xval)
{
	printf("{\"prog\":\"%s\",\"case\":\"%s\",\"pages\":%ld,\"unit\":\"%s\",\"values\":[", prog, cas, pages, unit);
	for (int i = 0; i < reps; i++) printf("%s%.6g", i ? "," : "", v[i]);
	printf("]");
	if (xkey) printf(",\"%s\":%.6g", xkey, xval);
	printf("}\n");
	fflush(stdout);
}

#endif
