/* shootdown.c - TLB-shootdown round trip between two CPUs.
 * usage: shootdown [OPS [REPS]]. The main thread, pinned to CPU 0, writes OPS pages, then
 * zaps them with one single-page MADV_DONTNEED each. In the "remote" case a second thread of
 * the process spins on CPU 1 (so the mm is loaded there and each zap sends it an IPI); in the
 * "local" case no other thread runs. Reports ns per zap for both, with the TLB-shootdown
 * interrupts per zap read from /proc/interrupts; the difference of the two is the round trip.
 * Needs 2 CPUs; prints nothing (exit 0) where it cannot pin to CPUs 0 and 1. */
#include "nbench.h"
#include <pthread.h>
#include <stdatomic.h>

static atomic_int stop, running;

/* The remote CPU: say it runs, then touch the process's memory until told to stop. */
static void *spinner(void *arg)
{
	volatile long *x = arg;
	if (pin_to(1)) return NULL;
	atomic_store(&running, 1);
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) (void)*x;
	return NULL;
}

/* TLB-shootdown interrupts taken so far, all CPUs (the "TLB:" row of /proc/interrupts); -1 if unknown. */
static long tlb_irqs(void)
{
	FILE *f = fopen("/proc/interrupts", "r");
	char line[4096];
	long sum = -1;
	if (!f) return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p = line;
		while (*p == ' ') p++;
		if (strncmp(p, "TLB:", 4)) continue;
		sum = 0;
		for (p += 4;;) {
			char *end;
			long v = strtol(p, &end, 10);
			if (end == p) break;
			sum += v;
			p = end;
		}
	}
	fclose(f);
	return sum;
}

/* One rep: ns per single-page MADV_DONTNEED over `ops` freshly written pages; adds the IPIs to *irqs. */
static double one(long ops, long *irqs)
{
	char *p = map_anon(ops);
	write_pages(p, ops);
	long i0 = tlb_irqs();
	uint64_t t0 = now_ns();
	for (long i = 0; i < ops; i++)
		if (madvise(p + i * PG, PG, MADV_DONTNEED)) DIE("madvise");
	uint64_t t1 = now_ns();
	*irqs += tlb_irqs() - i0;
	munmap(p, ops * PG);
	return (double)(t1 - t0) / ops;
}

int main(int argc, char **argv)
{
	long ops; int reps;
	args(argc, argv, &ops, &reps, 4096, 5);
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2 || pin_to(0)) return 0;
	static long word;
	double remote[MAXREPS], local[MAXREPS];
	long remote_irqs = 0, local_irqs = 0, junk = 0;
	one(ops, &junk); /* warm-up */
	for (int r = 0; r < reps; r++) {
		pthread_t t;
		atomic_store(&stop, 0);
		atomic_store(&running, 0);
		if (pthread_create(&t, NULL, spinner, &word)) DIE("pthread_create");
		while (!atomic_load(&running)) usleep(100);
		remote[r] = one(ops, &remote_irqs);
		atomic_store(&stop, 1);
		pthread_join(t, NULL);
		local[r] = one(ops, &local_irqs);
	}
	emit("shootdown", "madvise_1page_remote", ops, "ns/op", remote, reps, "ipis_per_op", (double)remote_irqs / ops / reps);
	emit("shootdown", "madvise_1page_local", ops, "ns/op", local, reps, "ipis_per_op", (double)local_irqs / ops / reps);
	return 0;
}
