/*
 * gcopy.c — system calls whose buffers lie in global memory (symunix only;
 * run on 1, 2 and 4 ranks and over TCP against gcopy.expected by gcopy.sh).
 * The kernel's copyin/copyout reach a non-cacheable global lseg over the
 * network and a cacheable one (SYM_CACHE) through the node cache. For each
 * kind: write(2) of a string kept there to stdout and to a file, read(2) of
 * a file into it (ragged start, several pages), a path string there for
 * open(2), clock_gettime(2) into a struct there; a buffer spanning a local
 * and a global lseg; a copyout to a cacheable lseg stays in the node cache
 * until flushed (no coherence) and survives eviction (gcopy.sh gives a
 * 16-page node cache); a read-only global lseg refuses a copyout (EFAULT);
 * a forked child (on another node once fork places children there) does
 * the same on the inherited lseg while siblings hammer a global word with
 * amoadd, whose replies arrive while the parent's calls wait (the F&A
 * oracle: the sum is exact).
 * Before the kernel learned this, every such call failed with EFAULT.
 */
#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "symunix.h"

#define PG    4096ul
#define NPG   8                        /* pages of the segment */
#define LOC   ((char *)0x2ffffff000ul) /* a local page just below G */
#define G     ((char *)0x3000000000ul) /* the non-cacheable lseg (pages 0..7) */
#define GC    ((char *)0x3000100000ul) /* a cacheable alias of the same pages */
#define GR    ((char *)0x3000200000ul) /* a read-only alias */
#define GE    ((char *)0x3000300000ul) /* cacheable pages 8..31 (eviction) */
#define GEN   ((char *)0x3000400000ul) /* their non-cacheable view */
#define NE    24
#define RW    (SYM_PROT_READ | SYM_PROT_WRITE)
#define GFLAG (RW | SYM_MEM_GLOBAL | SYM_MEM_STRICT | SYM_SPAWN_INHERIT)
#define DLEN  10000 /* bytes of the data file */
#define NKIDS 4
#define K     200

static int failures;

static void check(const char *what, int ok)
{
    printf("%-56s %s\n", what, ok ? "ok" : "FAIL");
    if (!ok) failures++;
}

static char pattern(size_t i)
{
    return (char)('a' + (i * 7 + i / 26) % 26);
}

static int make_data(void)
{
    static char buf[DLEN];
    for (size_t i = 0; i < DLEN; i++)
        buf[i] = pattern(i);
    int fd = open("data", O_RDWR | O_CREAT | O_TRUNC, 0600);
    return fd >= 0 && write(fd, buf, DLEN) == DLEN && close(fd) == 0;
}

static int is_pattern(const volatile char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != pattern(i)) return 0;
    return 1;
}

/* Copy a string into guest memory byte by byte (the hart's own stores). */
static void put(volatile char *dst, const char *s)
{
    do
        *dst++ = *s;
    while (*s++);
}

/* The calls on one lseg `b` (its name in the output: `tag`). */
static void calls_on(const char *tag, char *b)
{
    char what[80];
    /* write(2) from a string across a page boundary, ragged at both ends. */
    char *s = b + PG - 7;
    put(s, "  a string kept in global memory\n");
    snprintf(what, sizeof what, "%s: write(1) of it:", tag);
    fputs(what, stdout);
    fflush(stdout);
    ssize_t w = write(1, s, strlen("  a string kept in global memory\n"));
    snprintf(what, sizeof what, "%s: write(1) returned its length", tag);
    check(what, w == (ssize_t)strlen("  a string kept in global memory\n"));

    /* read(2) into a ragged buffer over three pages. */
    int fd = open("data", O_RDONLY);
    char *r = b + 2 * PG + 3;
    memset(r, 0, DLEN);
    ssize_t n = fd >= 0 ? read(fd, r, DLEN) : -1;
    snprintf(what, sizeof what, "%s: read(2) of %d bytes into it", tag, DLEN);
    check(what, n == DLEN && is_pattern(r, DLEN));
    close(fd);

    /* A path string there (crossing a page) for open(2). */
    put(b + 2 * PG - 3, "data");
    fd = open(b + 2 * PG - 3, O_RDONLY);
    char local[16];
    snprintf(what, sizeof what, "%s: open(2) of a path kept in it", tag);
    check(what, fd >= 0 && read(fd, local, 16) == 16 && is_pattern(local, 16));
    if (fd >= 0) close(fd);

    /* write(2) from it to a file, read back locally. */
    put(b + PG + 100, "written from global memory");
    fd = open("out", O_RDWR | O_CREAT | O_TRUNC, 0600);
    memset(local, 0, sizeof local);
    snprintf(what, sizeof what, "%s: write(2) to a file, pread back", tag);
    check(what, fd >= 0 && write(fd, b + PG + 100, 26) == 26 && pread(fd, local, 15, 0) == 15 &&
                    memcmp(local, "written from gl", 15) == 0);
    if (fd >= 0) close(fd);

    /* clock_gettime(2) into a struct there. */
    struct timespec here, *there = (struct timespec *)(b + 3 * PG + 16);
    there->tv_sec = 0;
    there->tv_nsec = -1;
    int rc = clock_gettime(CLOCK_REALTIME, there);
    clock_gettime(CLOCK_REALTIME, &here);
    snprintf(what, sizeof what, "%s: clock_gettime(2) into a struct in it", tag);
    check(what, rc == 0 && there->tv_sec > 1600000000 && there->tv_sec <= here.tv_sec &&
                    here.tv_sec - there->tv_sec < 60 && there->tv_nsec >= 0 &&
                    there->tv_nsec < 1000000000);
}

/* A buffer spanning the local page below G and G itself. */
static void spanning(void)
{
    check("mmap a local page just below the global lseg",
          mmap(LOC, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) ==
              LOC);
    char *s = G - 12;
    memcpy(s, "local+global", 12);
    put(G, " spanning two lsegs\n");
    fputs("spanning: write(1):", stdout);
    fflush(stdout);
    check("spanning: write(1) returned its length", write(1, s, 32) == 32);
    int fd = open("data", O_RDONLY);
    memset(G - 100, 0, 300);
    check("spanning: read(2) into local then global memory",
          fd >= 0 && read(fd, G - 100, 300) == 300 && is_pattern(G - 100, 300));
    close(fd);
}

/* A copyout to a cacheable lseg lands in the node cache: the non-cacheable
 * view sees it only after a flush; many pages through a 16-page cache make
 * the kernel's own fills evict (write-backs of dirty lines, never lost). */
static void cache_semantics(int sfd)
{
    int fd = open("data", O_RDONLY);
    memset(G + 5 * PG, 0, 200);
    sym_cache_flush(GC + 5 * PG, 200); /* drop any cached copy: the next read fetches */
    check("cacheable: read(2) lands in the node cache",
          fd >= 0 && pread(fd, GC + 5 * PG, 200, 0) == 200 && is_pattern(GC + 5 * PG, 200) &&
              G[5 * PG] == 0);
    sym_cache_flush(GC + 5 * PG, 200);
    check("cacheable: after cbo.flush global memory has it", is_pattern(G + 5 * PG, 200));

    check("mapin NE cacheable pages and their non-cacheable view",
          mapin(GE, NE * PG, sfd, NPG * PG, RW | SYM_MEM_GLOBAL | SYM_MEM_STRICT | SYM_CACHE) ==
                  0 &&
              mapin(GEN, NE * PG, sfd, NPG * PG, RW | SYM_MEM_GLOBAL | SYM_MEM_STRICT) == 0);
    int ok = fd >= 0;
    for (int i = 0; i < NE && ok; i++) /* each page dirtied by the kernel, then by the hart */
        ok = pread(fd, GE + i * PG + 64, 100, i) == 100 && (GE[i * PG] = (char)('A' + i));
    int early = 0;
    for (int i = 0; i < NE; i++)
        early += GEN[i * PG] == 'A' + i && GEN[i * PG + 64] == pattern(i);
    check("cacheable: eviction wrote the kernel's lines back", ok && early >= NE - 16);
    sym_cache_flush(GE, NE * PG);
    int all = 1;
    for (int i = 0; i < NE; i++)
        if (GEN[i * PG] != 'A' + i || memcmp((char *)GEN + i * PG + 64, GE + i * PG + 64, 100) ||
            GEN[i * PG + 64] != pattern(i))
            all = 0;
    check("cacheable: after cbo.flush every page is in global memory", all);
    check("mapout them", mapout(GE, NE * PG) == 0 && mapout(GEN, NE * PG) == 0);
    close(fd);
}

static void faults(int sfd)
{
    check("mapin a read-only alias",
          mapin(GR, PG, sfd, 0, SYM_PROT_READ | SYM_MEM_GLOBAL | SYM_MEM_STRICT) == 0);
    int fd = open("data", O_RDONLY);
    errno = 0;
    check("read(2) into a read-only global lseg: EFAULT",
          read(fd, GR, 10) == -1 && errno == EFAULT);
    put(G + 200, " [from a read-only alias]\n");
    fputs("read-only: write(1):", stdout);
    fflush(stdout);
    check("read-only: write(1) returned its length", write(1, GR + 200, 26) == 26);
    errno = 0;
    check("read(2) past the end of a global lseg: EFAULT",
          read(fd, G + NPG * PG - 4, 10) == -1 && errno == EFAULT);
    close(fd);
    mapout(GR, PG);
}

static int64_t amoadd(volatile int64_t *p, int64_t v)
{
    int64_t r;
    __asm__ volatile("amoadd.d %0, %2, (%1)" : "=r"(r) : "r"(p), "r"(v) : "memory");
    return r;
}

/* A child (on this node today; on another once fork places children there)
 * on the inherited lseg: a path, a read and a write there; siblings add to a
 * global word meanwhile. */
static void family(void)
{
    volatile int64_t *hot = (volatile int64_t *)(G + 4 * PG);
    *hot = 0;
    pid_t kids[NKIDS + 1];
    for (int i = 0; i < NKIDS; i++) {
        kids[i] = fork();
        if (kids[i] == 0) {
            for (int j = 0; j < K; j++)
                amoadd(hot, 1);
            _exit(0);
        }
    }
    kids[NKIDS] = fork();
    if (kids[NKIDS] == 0) {
        char *b = G + 6 * PG;
        put(b, "child.txt");
        int fd = open(b, O_RDWR | O_CREAT | O_TRUNC, 0600);
        put(b + 100, "from the child's global buffer");
        int ok = fd >= 0 && write(fd, b + 100, 30) == 30;
        memset(b + 200, 0, 30);
        ok = ok && pread(fd, b + 205, 30, 0) == 30 &&
             memcmp(b + 205, "from the child's global buffer", 30) == 0;
        _exit(ok ? 0 : 1);
    }
    int ok = 1, fd = open("data", O_RDONLY);
    /* Meanwhile the parent's own calls on global buffers; sched_yield lets
     * the siblings issue their amoadds, whose replies come while the
     * parent's next call waits for its own. */
    for (int j = 0; j < 200 && ok; j++) {
        sched_yield();
        ok = pread(fd, G + 7 * PG + j % 64, 64, j % 64) == 64 &&
             (G + 7 * PG)[j % 64] == pattern(j % 64);
    }
    close(fd);
    check("parent: 200 reads into global memory while the family runs", ok);
    int all = 1;
    for (int i = 0; i <= NKIDS; i++) {
        int st = 0;
        if (waitpid(kids[i], &st, 0) != kids[i] || !WIFEXITED(st) || WEXITSTATUS(st)) all = 0;
    }
    check("the family exited 0 (the child's calls on global memory)", all);
    check("amoadd total exact", *hot == NKIDS * K);
    char local[31] = {0};
    fd = open("child.txt", O_RDONLY);
    check("the child's file holds its global buffer",
          fd >= 0 && read(fd, local, 30) == 30 &&
              strcmp(local, "from the child's global buffer") == 0);
    if (fd >= 0) close(fd);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    int sfd = open("gseg", O_RDWR | O_CREAT | O_TRUNC, 0600);
    check("open a fresh image file", sfd >= 0);
    check("mapin it global, non-cacheable", mapin(G, NPG * PG, sfd, 0, GFLAG) == 0);
    check("mapin a cacheable alias", mapin(GC, NPG * PG, sfd, 0, GFLAG | SYM_CACHE) == 0);
    check("a data file", make_data());
    calls_on("non-cacheable", G);
    calls_on("cacheable", GC);
    sym_cache_flush(GC, NPG * PG);
    spanning();
    cache_semantics(sfd);
    faults(sfd);
    family();
    printf("%s\n", failures ? "FAILED" : "all passed");
    return failures ? 1 : 0;
}
