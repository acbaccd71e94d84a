/* handoff.c - a spinlock handed between two CPUs (the lab's cost_lock_handoff).
 * usage: handoff [HANDOFFS [REPS]]. Two threads, pinned to CPUs 0 and 1, take turns holding one
 * spinlock (a CAS to take it, a store to release it); the turn word sits in the lock's cache
 * line, as a waiter spins on the lock word itself. Each acquisition finds the line in the other
 * core's cache, so ns per acquisition is the cost of a lock hand-off between the two CPUs.
 * Needs 2 CPUs; prints nothing (exit 0) where it cannot pin to CPUs 0 and 1. */
#include "nbench.h"
#include <pthread.h>
#include <stdatomic.h>

static struct { atomic_int lock, turn; } line __attribute__((aligned(64)));
static long handoffs;
static atomic_int pinned, failed;

/* One side: once both sides are pinned, `handoffs` / 2 times wait for its turn, take the lock,
 * pass the turn, release. Neither side starts unless both could be pinned. */
static void *side(void *arg)
{
	int me = (int)(long)arg;
	atomic_fetch_add(pin_to(me) ? &failed : &pinned, 1);
	while (atomic_load(&pinned) + atomic_load(&failed) < 2) ;
	if (atomic_load(&failed)) return NULL;
	for (long i = 0; i < handoffs / 2; i++) {
		while (atomic_load_explicit(&line.turn, memory_order_acquire) != me) ;
		for (int z = 0; !atomic_compare_exchange_weak(&line.lock, &z, 1); z = 0) ;
		atomic_store_explicit(&line.turn, 1 - me, memory_order_relaxed);
		atomic_store_explicit(&line.lock, 0, memory_order_release);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	long n;
	int reps;
	double v[MAXREPS];
	args(argc, argv, &n, &reps, 1000000, 7);
	handoffs = n < 2 ? 2 : n;
	for (int r = 0; r < reps; r++) {
		pthread_t a, b;
		atomic_store(&line.turn, 0);
		atomic_store(&pinned, 0);
		atomic_store(&failed, 0);
		uint64_t t0 = now_ns();
		pthread_create(&a, NULL, side, (void *)0L);
		pthread_create(&b, NULL, side, (void *)1L);
		pthread_join(a, NULL);
		pthread_join(b, NULL);
		if (atomic_load(&failed)) return 0; /* fewer than 2 CPUs to pin to: no figure */
		v[r] = (double)(now_ns() - t0) / (double)handoffs;
	}
	emit("handoff", "lock_handoff", 0, "ns/handoff", v, reps, NULL, 0);
	return 0;
}
