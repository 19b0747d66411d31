/*
 * gmem_hot.c — the guest hot-spot benchmark of global memory: N processes
 * (a spawn family) each do K amoadd.d on one word of a global lseg, all at
 * once, and use the values they get back (fetch-and-add, as the anchor's
 * MPI_Fetch_and_op). Prints "ops OPS seconds S mops M check ok|FAILED"; the
 * check is the F&A oracle's totals: the word ends at N*K and the values
 * returned sum to N*K*(N*K-1)/2. spawn spreads the children over the
 * nodes (round-robin); they wait for a start word the parent sets once every
 * family exists, and the time runs from then until the last child is done
 * with its loop (a count of children done; the last one sets a flag the
 * parent polls), process exits not included. bench/run-gmem.sh runs it on P
 * ranks with and without combining, next to netbench's MPI_Fetch_and_op
 * anchor.
 * Usage: gmem_hot.elf [N [K]]  (defaults 64, 2000; N at most 1000, spawned
 * in families of at most SYM_SPAWN_MAX)
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "symunix.h"

#define G  ((volatile int64_t *)0x2000000000ul) /* the hot word */
#define GO (G + 1)                              /* the start word */
#define GS (G + 2)                              /* the sum of the values returned */
#define GD (G + 3)                              /* children done with their loop */
#define GE (G + 4)                              /* set by the last of them */

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 64;
    long k = argc > 2 ? atol(argv[2]) : 2000;
    if (n < 1 || n > 1000 || k < 1) {
        fprintf(stderr, "usage: gmem_hot.elf [N (1..1000) [K]]\n");
        return 2;
    }
    int fd = open("hot.img", O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || mapin((void *)G, 4096, fd, 0,
                        SYM_PROT_READ | SYM_PROT_WRITE | SYM_MEM_GLOBAL | SYM_MEM_STRICT |
                            SYM_SPAWN_INHERIT) != 0) {
        perror("gmem_hot: global mapin");
        return 1;
    }
    int me = 0; /* families of at most SYM_SPAWN_MAX */
    for (int done = 0; done < n && me == 0; done += SYM_SPAWN_MAX) {
        int m = n - done < SYM_SPAWN_MAX ? n - done : SYM_SPAWN_MAX;
        me = spawn(m, 0, NULL);
        if (me < 0) {
            perror("gmem_hot: spawn");
            return 1;
        }
    }
    if (me > 0) {
        struct timespec nap = {0, 200000};
        while (!*GO)
            nanosleep(&nap, NULL);
        int64_t sum = 0;
        for (long i = 0; i < k; i++)
            sum += __atomic_fetch_add(G, 1, __ATOMIC_RELAXED); /* amoadd.d */
        __atomic_fetch_add(GS, sum, __ATOMIC_RELAXED);
        if (__atomic_fetch_add(GD, 1, __ATOMIC_RELAXED) == n - 1) *GE = 1;
        _exit(0);
    }
    double t0 = now();
    *GO = 1;
    /* The time ends when the last child is done with its amoadds (seen
     * within a 50 us poll), not when the last exit is reaped: process exits
     * are not what is measured. */
    struct timespec poll = {0, 50000};
    while (!*GE)
        nanosleep(&poll, NULL);
    double s = now() - t0;
    int bad = 0;
    for (int i = 0; i < n; i++) {
        int st;
        if (wait(&st) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) bad++;
    }
    long ops = (long)n * k;
    printf("ops %ld seconds %.4f mops %.4f check %s\n", ops, s, ops / s / 1e6,
           !bad && *G == ops && *GS == ops * (ops - 1) / 2 ? "ok" : "FAILED");
    return 0;
}
