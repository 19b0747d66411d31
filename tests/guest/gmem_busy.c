/*
 * gmem_busy.c — global-memory traffic that never ends: the guest of
 * host-signal.sh's "gmem" load, which ends the job with a host signal while
 * requests are in flight on every node. The parent maps one global page
 * (strict: every access goes through the network) and one cacheable global
 * page (the node cache holds dirty lines for the job's end to write back),
 * spawns N children (spread over the nodes round-robin), and all of them do
 * fetch-and-add, loads and stores on both pages until they are killed.
 * Prints "running" once every child has started.
 * Usage: gmem_busy.elf [N]  (default 6, at most SYM_SPAWN_MAX)
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "symunix.h"

#define G ((volatile int64_t *)0x2000000000ul) /* strict global page */
#define C ((volatile int64_t *)0x2000100000ul) /* cacheable global page */

static int map(const char *name, volatile int64_t *at, int flags)
{
    int fd = open(name, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 ||
        mapin((void *)at, 4096, fd, 0,
              SYM_PROT_READ | SYM_PROT_WRITE | SYM_MEM_GLOBAL | SYM_SPAWN_INHERIT | flags) != 0) {
        perror("gmem_busy: global mapin");
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 6;
    if (n < 1 || n > SYM_SPAWN_MAX) {
        fprintf(stderr, "gmem_busy: N from 1 to %d\n", SYM_SPAWN_MAX);
        return 2;
    }
    if (map("busy.img", G, SYM_MEM_STRICT) || map("busyc.img", C, SYM_CACHE)) return 1;
    int me = spawn(n, 0, NULL);
    if (me < 0) {
        perror("gmem_busy: spawn");
        return 1;
    }
    if (me > 0)
        __atomic_fetch_add(G + 1, 1, __ATOMIC_RELAXED);
    else {
        struct timespec nap = {0, 1000000};
        while (G[1] < n)
            nanosleep(&nap, NULL);
        printf("running\n");
        fflush(stdout);
    }
    for (uint64_t i = 0;; i++) {
        __atomic_fetch_add(G, 1, __ATOMIC_RELAXED); /* amoadd.d */
        G[8 + me] = (int64_t)i;                     /* store */
        C[8 * (me % 64) + (i & 7)] += G[8 + me];    /* load, cached store */
    }
}
