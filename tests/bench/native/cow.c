/* cow.c - COW faults after fork, and wp-reuse faults once the child has gone.
 * usage: cow [PAGES [REPS]]. Each rep: the parent writes PAGES fresh pages and forks; the child
 * writes every page (one COW copy each), times it and reports through a pipe, then exits; the
 * parent then writes every page again (write-protect faults that reuse the page). */
#include "nbench.h"

/* The child's half: time writing every page, send ns/fault and faults/page, exit. */
static void child(char *p, long pages, int wfd)
{
	long f0 = minflt();
	uint64_t t0 = now_ns();
	write_pages(p, pages);
	uint64_t t1 = now_ns();
	long faults = minflt() - f0;
	double out[2] = { (double)(t1 - t0) / (faults ? faults : 1), (double)faults / pages };
	if (write(wfd, out, sizeof(out)) != sizeof(out)) _exit(1);
	_exit(0);
}

/* One rep: stores the child's COW ns/fault and the parent's wp-reuse ns/fault. */
static void one(long pages, double *cow, double *reuse, double *fpp)
{
	char *p = map_anon(pages);
	write_pages(p, pages);
	int fds[2];
	if (pipe(fds)) DIE("pipe");
	pid_t pid = fork();
	if (pid < 0) DIE("fork");
	if (pid == 0) child(p, pages, fds[1]);
	double got[2];
	if (read(fds[0], got, sizeof(got)) != sizeof(got)) DIE("read from child");
	waitpid(pid, NULL, 0);
	close(fds[0]); close(fds[1]);
	long f0 = minflt();
	uint64_t t0 = now_ns();
	write_pages(p, pages);
	uint64_t t1 = now_ns();
	long faults = minflt() - f0;
	munmap(p, pages * PG);
	*cow = got[0];
	fpp[0] = got[1];
	fpp[1] = (double)faults / pages;
	*reuse = (double)(t1 - t0) / (faults ? faults : 1);
}

int main(int argc, char **argv)
{
	long pages; int reps;
	args(argc, argv, &pages, &reps, 4096, 5);
	double cow[MAXREPS], reuse[MAXREPS], fpp[2];
	one(pages, &cow[0], &reuse[0], fpp); /* warm-up */
	for (int r = 0; r < reps; r++) one(pages, &cow[r], &reuse[r], fpp);
	emit("cow", "cow_copy", pages, "ns/fault", cow, reps, "faults_per_page", fpp[0]);
	emit("cow", "wp_reuse", pages, "ns/fault", reuse, reps, "faults_per_page", fpp[1]);
	return 0;
}
