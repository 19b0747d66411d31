/*
 * gfile.c — global memory backed by its image file (symunix only; run by
 * gfile.sh on 1, 2, 4 ranks, over TCP, and with a small --gmem so that the
 * memory modules evict). A file with known data (written with write(2)) is
 * mapped with mapin(SYM_MEM_GLOBAL): its pages come from the file (every word
 * checked); a family of processes on the node changes even pages (stores)
 * and one hot word (amoadd); every word is read back (pages evicted under
 * --gmem come back from the file with the writes); fsync returns 0 and
 * another process then reads the file with read(2) and sees every write;
 * a word written through a cacheable alias (the node cache) just before
 * fsync reaches the file too; msync of the global lseg writes it back too;
 * after fsync one more word is written and not
 * synced: the job's end writes it back (gfile.sh checks the file on disk
 * after the run, word by word); the store's registry directory is refused to
 * guest paths.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "symunix.h"

#define PG    4096ul
#define NPG   64 /* 256 KiB: four times a 64K --gmem on one rank */
#define NW    (NPG * PG / 8)
#define WPP   (PG / 8)
#define G     ((volatile uint64_t *)0x2000000000ul)
#define RW    (SYM_PROT_READ | SYM_PROT_WRITE)
#define NKIDS 4
#define HOT   (NW - 1) /* the last word of the last (odd) page */
#define K     50
#define LATE  1             /* word 1 of page 0: written after fsync */
#define CW    (3 * WPP + 7) /* written through a cacheable alias before fsync */
#define GC    ((volatile uint64_t *)0x2000400000ul) /* cacheable alias of page 3 */
#define MSW   (5 * WPP + 9)                         /* msync'ed, then restored */

static int failures;

static void check(const char *what, int ok)
{
    printf("%-48s %s\n", what, ok ? "ok" : "FAIL");
    if (!ok) failures++;
}

/* The file's words before the run, and after it (gfile.sh computes the same). */
static uint64_t before(uint64_t i)
{
    return i * 3 + 5;
}

static uint64_t after(uint64_t i)
{
    if (i == LATE) return 777777;
    if (i == CW) return 424242;
    if (i == HOT) return before(i) + NKIDS * K;
    return (i / WPP) % 2 == 0 ? before(i) + 1000000 : before(i);
}

static int write_file(int fd)
{
    static uint64_t buf[WPP];
    for (uint64_t p = 0; p < NPG; p++) {
        for (uint64_t k = 0; k < WPP; k++)
            buf[k] = before(p * WPP + k);
        if (write(fd, buf, sizeof buf) != (ssize_t)sizeof buf) return -1;
    }
    return 0;
}

/* Words [lo, hi) of global memory: how many differ from f(i). */
static long differ(uint64_t lo, uint64_t hi, uint64_t (*f)(uint64_t))
{
    long bad = 0;
    for (uint64_t i = lo; i < hi; i++)
        if (G[i] != f(i)) bad++;
    return bad;
}

/* After the family and before LATE: after() except for LATE itself. */
static uint64_t synced(uint64_t i)
{
    return i == LATE ? before(i) + 1000000 : after(i);
}

/* Child k of the family: the even pages k, k + NKIDS, ... and K amoadds. */
static void kid(int k)
{
    for (uint64_t p = 2 * (uint64_t)k; p < NPG; p += 2 * NKIDS)
        for (uint64_t w = 0; w < WPP; w++)
            G[p * WPP + w] += 1000000;
    for (int j = 0; j < K; j++)
        sym_faa((volatile int64_t *)&G[HOT], 1);
    _exit(0);
}

/* Another process reads the file with read(2): does it hold synced()? */
static int reader_sees_sync(void)
{
    pid_t c = fork();
    if (c == 0) {
        int fd = open("gdata", O_RDONLY);
        static uint64_t buf[WPP];
        long bad = 0;
        for (uint64_t p = 0; fd >= 0 && p < NPG; p++) {
            if (read(fd, buf, sizeof buf) != (ssize_t)sizeof buf) _exit(2);
            for (uint64_t w = 0; w < WPP; w++)
                if (buf[w] != synced(p * WPP + w)) bad++;
        }
        _exit(fd >= 0 && bad == 0 ? 0 : 1);
    }
    int st;
    return c > 0 && waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    int fd = open("gdata", O_RDWR | O_CREAT | O_TRUNC, 0600);
    check("write the data file with write(2)", fd >= 0 && write_file(fd) == 0);
    check("mapin it global, strict",
          mapin((void *)G, NPG * PG, fd, 0,
                RW | SYM_MEM_GLOBAL | SYM_MEM_STRICT | SYM_SPAWN_INHERIT) == 0);
    struct sym_lseg_info li;
    check("pmemaddr: global", pmemaddr(0, &li, (void *)G) == 0 && (li.flags & SYM_MEM_GLOBAL));
    check("every word holds the file's data", differ(0, NW, before) == 0);

    pid_t kids[NKIDS];
    for (int k = 0; k < NKIDS; k++)
        if ((kids[k] = fork()) == 0) kid(k);
    int ok = 1;
    for (int k = 0; k < NKIDS; k++) {
        int st;
        ok &= kids[k] > 0 && waitpid(kids[k], &st, 0) == kids[k] && WIFEXITED(st) &&
              WEXITSTATUS(st) == 0;
    }
    check("the family changed even pages and the hot word", ok);
    check("every word reads back as written", /* all but CW, written below */
          differ(0, NW, synced) == 1 && G[CW] == before(CW));
    check("a cacheable alias of page 3",
          mapin((void *)GC, PG, fd, 3 * PG, RW | SYM_MEM_GLOBAL | SYM_MEM_STRICT | SYM_CACHE) == 0);
    GC[7] = 424242; /* in the node cache only, until fsync */
    errno = 0;
    check("fsync of the global file", fsync(fd) == 0);
    check("read(2) by another process sees every write", reader_sees_sync());
    check("fdatasync of it too", fdatasync(fd) == 0);
    /* msync of the global lseg: a word of an odd page (the family leaves
     * those alone) reaches the file, then its old value again. */
    int rd = open("gdata", O_RDONLY);
    uint64_t disk = 0;
    G[MSW] = 31337;
    check("msync(MS_SYNC) of the global lseg", msync((void *)G, NPG * PG, MS_SYNC) == 0);
    check("the file has the word at once",
          rd >= 0 && pread(rd, &disk, 8, MSW * 8) == 8 && disk == 31337);
    G[MSW] = before(MSW);
    check("msync of one page, the old value back",
          msync((void *)(G + MSW / WPP * WPP), PG, MS_SYNC) == 0 &&
              pread(rd, &disk, 8, MSW * 8) == 8 && disk == before(MSW));
    close(rd);
    G[LATE] = 777777; /* no fsync: the job's end writes it back */
    check("a write after fsync reads back", G[LATE] == 777777 && differ(0, NW, after) == 0);
    close(fd);
    /* The registry that names the segment is not reachable by guest paths. */
    errno = 0;
    int h = open("/.symunix/gseg", O_RDONLY | O_DIRECTORY);
    check("the registry directory: EACCES", h == -1 && errno == EACCES);
    printf("%s\n", failures ? "FAILED" : "all passed");
    return failures != 0;
}
