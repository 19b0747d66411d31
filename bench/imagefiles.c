/*
 * imagefiles.c — the cost of image files (guest program).
 *
 * Symunix II backs every segment with an image file, so allocating memory is
 * preceded by a file creation (symunix2-memory-management.txt §4.1). This
 * program measures a short-lived segment's whole life — create, map, touch
 * every page, unmap, destroy — along five paths, for several segment sizes:
 *   lazy   open(dir, SYM_O_ANON|O_RDWR), mapin, touch, mapout, close: the file
 *          is never named, so no directory entry ever reaches the store;
 *   lazyat openat(dirfd, ".", SYM_O_ANON|O_RDWR) and the rest as lazy, with
 *          the directory opened once (untimed, like Linux's O_TMPFILE idiom);
 *   named  open(fresh name, O_CREAT|O_EXCL|O_RDWR), mapin, touch, mapout,
 *          close, unlink: the eagerly created named image file;
 *   brk    sbrk(+size), touch, sbrk(-size): the classic growth path, no file;
 *   mmap   mmap(MAP_PRIVATE|MAP_ANONYMOUS), touch, munmap: the Linux baseline.
 * Each (path, size) is timed in the guest with clock_gettime(CLOCK_MONOTONIC)
 * after one untimed warm-up operation, and printed as one line:
 *   PATH PAGES ITERS NS_PER_OP OPS_PER_S CHECKSUM
 * (lines starting with '#' are comments). Touching reads each page's first
 * word, which must be zero (a fresh segment), and writes a value derived from
 * the iteration; the checksum folds in what was read back, so the work cannot
 * be optimised away and the five paths must agree on it for a given size.
 * Any failing call ends the program with a message and exit status 1.
 * Usage: imagefiles.elf [SCALE [PATH [PAGES]]]   (SCALE default 1; iterations
 * are linear in SCALE, a fractional SCALE such as 0.01 gives the smoke test's
 * tiny run; PATH and PAGES, e.g. "lazy 1", run only that path and/or size,
 * for profiling one of them)
 * bench/run-image.sh runs it several times and prints medians and ratios.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "symunix.h"

#define PAGE 4096UL
/* Fixed region for mapin: page-aligned, far above brk and below the mmap area,
 * inside user space [0x10000, 0x4000000000). */
#define MAPIN_BASE ((void *)0x2000000000UL)
#define DIR        "ibench.d"

static const int sizes[] = {1, 16, 256};           /* segment sizes in pages */
static const int base_iters[] = {4000, 2000, 200}; /* iterations at SCALE 1 */

enum path { P_LAZY, P_LAZYAT, P_NAMED, P_BRK, P_MMAP, NPATHS };
static const char *const path_name[NPATHS] = {"lazy", "lazyat", "named", "brk", "mmap"};

static unsigned long name_seq;
static int dir_fd = -1; /* DIR, open for lazyat */

static void die(const char *what)
{
    fprintf(stderr, "imagefiles: %s: %s\n", what, strerror(errno));
    exit(1);
}

static double now_ns(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) die("clock_gettime");
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Write one word per page of a fresh segment; fold what is read back into the
 * checksum. A non-zero first word means the segment was not fresh. */
static uint64_t touch(volatile uint64_t *base, size_t pages, uint64_t iter, uint64_t sum)
{
    for (size_t i = 0; i < pages; i++) {
        volatile uint64_t *w = base + i * (PAGE / sizeof *base);
        if (*w != 0) {
            fprintf(stderr, "imagefiles: page %zu of a fresh segment reads %#llx, not 0\n", i,
                    (unsigned long long)*w);
            exit(1);
        }
        *w = (iter * 2654435761u) ^ (i + 1);
        sum = sum * 31 + *w;
    }
    return sum;
}

static uint64_t one_op(enum path p, size_t pages, uint64_t iter, uint64_t sum)
{
    size_t size = pages * PAGE;
    const unsigned prot = SYM_PROT_READ | SYM_PROT_WRITE;
    int fd;
    char name[64];
    void *a;

    switch (p) {
    case P_LAZY:
        if ((fd = open(DIR, SYM_O_ANON | O_RDWR)) < 0) die("open(" DIR ", SYM_O_ANON|O_RDWR)");
        if (mapin(MAPIN_BASE, size, fd, 0, prot) != 0) die("mapin (lazy)");
        sum = touch(MAPIN_BASE, pages, iter, sum);
        if (mapout(MAPIN_BASE, size) != 0) die("mapout (lazy)");
        if (close(fd) != 0) die("close (lazy)");
        break;
    case P_LAZYAT:
        if ((fd = openat(dir_fd, ".", SYM_O_ANON | O_RDWR)) < 0)
            die("openat(dirfd, \".\", SYM_O_ANON|O_RDWR)");
        if (mapin(MAPIN_BASE, size, fd, 0, prot) != 0) die("mapin (lazyat)");
        sum = touch(MAPIN_BASE, pages, iter, sum);
        if (mapout(MAPIN_BASE, size) != 0) die("mapout (lazyat)");
        if (close(fd) != 0) die("close (lazyat)");
        break;
    case P_NAMED:
        snprintf(name, sizeof name, DIR "/img.%lu", name_seq++);
        if ((fd = open(name, O_CREAT | O_EXCL | O_RDWR, 0600)) < 0)
            die("open(O_CREAT|O_EXCL|O_RDWR)");
        if (mapin(MAPIN_BASE, size, fd, 0, prot) != 0) die("mapin (named)");
        sum = touch(MAPIN_BASE, pages, iter, sum);
        if (mapout(MAPIN_BASE, size) != 0) die("mapout (named)");
        if (close(fd) != 0) die("close (named)");
        if (unlink(name) != 0) die("unlink (named)");
        break;
    case P_BRK:
        if ((a = sbrk((intptr_t)size)) == (void *)-1) die("sbrk(+size)");
        sum = touch(a, pages, iter, sum);
        if (sbrk(-(intptr_t)size) == (void *)-1) die("sbrk(-size)");
        break;
    case P_MMAP:
        a = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (a == MAP_FAILED) die("mmap(MAP_ANONYMOUS)");
        sum = touch(a, pages, iter, sum);
        if (munmap(a, size) != 0) die("munmap");
        break;
    default: abort();
    }
    return sum;
}

int main(int argc, char **argv)
{
    double scale = 1.0;
    const char *only_path = argc > 2 ? argv[2] : NULL;
    long only_pages = argc > 3 ? atol(argv[3]) : 0;
    if (argc > 1) {
        char *end;
        scale = strtod(argv[1], &end);
        if (*end != '\0' || !(scale > 0) || argc > 4) {
            fprintf(stderr, "usage: imagefiles.elf [SCALE [PATH [PAGES]]]   (SCALE > 0, default 1;"
                            " PATH lazy|lazyat|named|brk|mmap)\n");
            return 2;
        }
    }
    if (mkdir(DIR, 0700) != 0 && errno != EEXIST) die("mkdir " DIR);
    if ((dir_fd = open(DIR, O_RDONLY | O_DIRECTORY)) < 0) die("open " DIR);

    printf("# imagefiles: scale %g, page %lu bytes\n", scale, PAGE);
    printf("# path pages iters ns/op ops/s checksum\n");
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        size_t pages = (size_t)sizes[s];
        long iters = (long)(base_iters[s] * scale + 0.5);
        if (iters < 1) iters = 1;
        if (only_pages > 0 && (long)pages != only_pages) continue;
        for (int p = 0; p < NPATHS; p++) {
            if (only_path && strcmp(only_path, path_name[p]) != 0) continue;
            (void)one_op((enum path)p, pages, 0, 0); /* warm-up, untimed */
            uint64_t sum = 0;
            double t0 = now_ns();
            for (long i = 0; i < iters; i++)
                sum = one_op((enum path)p, pages, (uint64_t)i, sum);
            double ns = (now_ns() - t0) / (double)iters;
            printf("%-6s %4zu %7ld %12.0f %12.1f %016llx\n", path_name[p], pages, iters, ns,
                   ns > 0 ? 1e9 / ns : 0.0, (unsigned long long)sum);
            fflush(stdout);
        }
    }
    if (close(dir_fd) != 0) die("close " DIR);
    if (rmdir(DIR) != 0) die("rmdir " DIR);
    return 0;
}
