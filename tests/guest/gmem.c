/*
 * gmem.c — global memory over the combining network (symunix only; run on
 * 1..4 ranks, with and without combining, against gmem.expected by gmem.sh).
 * A global lseg is mapped with mapin(SYM_MEM_GLOBAL) from a fresh image file;
 * its pages live in the memory modules and every access of the hart travels
 * to the page's home. Checked: zeros at first; loads and stores of every
 * width (sign extension, FP); every AMO kind, .w and .d, against the same
 * instructions on local memory (the serial reference); LR/SC; a family of
 * processes doing amoadd on one word (the F&A oracle: the returned values are
 * exactly 0..n*k-1) and an LR/SC counter; one process's stores seen in
 * program order by another (message passing across homes); two lsegs of one
 * global segment (aliasing); fork inheriting it; a misaligned access (SIGBUS);
 * the kernel's own access to global memory (write(2) from it); mapin of
 * a file with data (filled from it); a cacheable alias (SYM_CACHE: the node cache, no
 * coherence) with cbo.clean/flush/inval over ranges, and eviction writing
 * dirty lines back (gmem.sh gives a 16-page node cache).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "symunix.h"

#define PG    4096ul
#define NPG   16 /* pages: a hot word on each, so that some home is remote when P > 1 */
#define G     ((char *)0x2000000000ul) /* the global lseg */
#define G2    ((char *)0x2000100000ul) /* an alias of it */
#define GC    ((char *)0x2000400000ul) /* a cacheable alias of pages 8, 9 */
#define GE    ((char *)0x2000500000ul) /* cacheable pages 16..39 (gmem.sh: a 16-page cache) */
#define NE    24
#define RW    (SYM_PROT_READ | SYM_PROT_WRITE)
#define GFLAG (RW | SYM_MEM_GLOBAL | SYM_MEM_STRICT | SYM_SPAWN_INHERIT)

/* The family: NKIDS processes, K operations each. */
#define NKIDS 8
#define K     64

static int failures;

static void check(const char *what, int ok)
{
    printf("%-48s %s\n", what, ok ? "ok" : "FAIL");
    if (!ok) failures++;
}

/* ---- the instructions, as functions on any pointer ---- */
#define AMO(name, insn, type)                                                                      \
    static type name(volatile type *p, type v)                                                     \
    {                                                                                              \
        type r;                                                                                    \
        __asm__ volatile(insn " %0, %2, (%1)" : "=r"(r) : "r"(p), "r"(v) : "memory");              \
        return r;                                                                                  \
    }
AMO(amoadd_w, "amoadd.w", int32_t)
AMO(amoswap_w, "amoswap.w", int32_t)
AMO(amoxor_w, "amoxor.w", int32_t)
AMO(amoor_w, "amoor.w", int32_t)
AMO(amoand_w, "amoand.w", int32_t)
AMO(amomin_w, "amomin.w", int32_t)
AMO(amomax_w, "amomax.w", int32_t)
AMO(amominu_w, "amominu.w", int32_t)
AMO(amomaxu_w, "amomaxu.w", int32_t)
AMO(amoadd_d, "amoadd.d", int64_t)
AMO(amoswap_d, "amoswap.d", int64_t)
AMO(amoxor_d, "amoxor.d", int64_t)
AMO(amoor_d, "amoor.d", int64_t)
AMO(amoand_d, "amoand.d", int64_t)
AMO(amomin_d, "amomin.d", int64_t)
AMO(amomax_d, "amomax.d", int64_t)
AMO(amominu_d, "amominu.d", int64_t)
AMO(amomaxu_d, "amomaxu.d", int64_t)

typedef int32_t (*amo_w_fn)(volatile int32_t *, int32_t);
typedef int64_t (*amo_d_fn)(volatile int64_t *, int64_t);
static const amo_w_fn amo_w[] = {amoadd_w, amoswap_w, amoxor_w,  amoor_w,  amoand_w,
                                 amomin_w, amomax_w,  amominu_w, amomaxu_w};
static const amo_d_fn amo_d[] = {amoadd_d, amoswap_d, amoxor_d,  amoor_d,  amoand_d,
                                 amomin_d, amomax_d,  amominu_d, amomaxu_d};
static const char *const amo_name[] = {"add", "swap", "xor",  "or",  "and",
                                       "min", "max",  "minu", "maxu"};

/* lr then sc at once (no access between): 0 on success. */
static int64_t lr_sc_d(volatile int64_t *p, int64_t add)
{
    int64_t old, rc;
    __asm__ volatile("lr.d %0, (%2)\n\tadd %0, %0, %3\n\tsc.d %1, %0, (%2)"
                     : "=&r"(old), "=&r"(rc)
                     : "r"(p), "r"(add)
                     : "memory");
    return rc;
}

static int64_t lr_d(volatile int64_t *p)
{
    int64_t r;
    __asm__ volatile("lr.d %0, (%1)" : "=r"(r) : "r"(p) : "memory");
    return r;
}

static int64_t sc_d(volatile int64_t *p, int64_t v)
{
    int64_t r;
    __asm__ volatile("sc.d %0, %2, (%1)" : "=r"(r) : "r"(p), "r"(v) : "memory");
    return r;
}

static int32_t lr_w(volatile int32_t *p)
{
    int32_t r;
    __asm__ volatile("lr.w %0, (%1)" : "=r"(r) : "r"(p) : "memory");
    return r;
}

static int32_t sc_w(volatile int32_t *p, int32_t v)
{
    int32_t r;
    __asm__ volatile("sc.w %0, %2, (%1)" : "=r"(r) : "r"(p), "r"(v) : "memory");
    return r;
}

static int global_image(const char *name)
{
    int fd = open(name, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) return -1;
    return fd;
}

static void test_widths(void)
{
    volatile uint8_t *b = (volatile uint8_t *)G;
    int zero = 1;
    for (unsigned long i = 0; i < NPG * PG; i += 509)
        if (b[i]) zero = 0;
    check("global pages start as zeros", zero);
    volatile uint64_t *d = (volatile uint64_t *)(G + 64);
    *d = 0x8070605040302010ull;
    check("sd then ld", *d == 0x8070605040302010ull);
    check("lbu of each byte", b[64] == 0x10 && b[65] == 0x20 && b[71] == 0x80);
    check("lb sign-extends", ((volatile int8_t *)G)[71] == -128);
    check("lhu, lh",
          ((volatile uint16_t *)G)[35] == 0x8070 && ((volatile int16_t *)G)[35] == (int16_t)0x8070);
    check("lwu, lw", ((volatile uint32_t *)G)[17] == 0x80706050u &&
                         ((volatile int32_t *)G)[17] == (int32_t)0x80706050u);
    b[65] = 0xee;
    ((volatile uint16_t *)G)[33] = 0xbeef;
    ((volatile uint32_t *)G)[17] = 0x11223344;
    check("sb, sh, sw merge into the word", *d == 0x11223344beefee10ull);
    volatile double *fd = (volatile double *)(G + 128);
    volatile float *ff = (volatile float *)(G + 136);
    *fd = 3.25;
    *ff = -1.5f;
    double x = *fd;
    float y = *ff;
    check("fsd/fld, fsw/flw", x == 3.25 && y == -1.5f);
    volatile uint64_t *far = (volatile uint64_t *)(G + (NPG - 1) * PG + PG - 8);
    *far = 77;
    check("last word of the lseg", *far == 77);
}

static void test_amos(void)
{
    static const int64_t operands[] = {
        5, -3, 0x7fffffff, INT64_MIN + 7, 0x123456789abcdefll, -1, 0, 0x80000000ll, 42};
    const int nops = sizeof operands / sizeof operands[0];
    int ok_w = 1, ok_d = 1, ok_hi = 1;
    for (int k = 0; k < 9; k++) {
        volatile int64_t *gd = (volatile int64_t *)(G + PG + 8 * k);
        volatile int32_t *gw = (volatile int32_t *)(G + 2 * PG + 8 * k);
        volatile int32_t *gh = (volatile int32_t *)(G + 2 * PG + 512 + 8 * k + 4); /* high half */
        volatile int64_t ld = 0;
        volatile int32_t lw = 0, lh = 0;
        for (int i = 0; i < nops; i++) {
            int64_t v = operands[i];
            if (amo_d[k](gd, v) != amo_d[k](&ld, v)) ok_d = 0;
            if (amo_w[k](gw, (int32_t)v) != amo_w[k](&lw, (int32_t)v)) ok_w = 0;
            if (amo_w[k](gh, (int32_t)(v >> 3)) != amo_w[k](&lh, (int32_t)(v >> 3))) ok_hi = 0;
        }
        if (*gd != ld) ok_d = 0;
        if (*gw != lw || *gh != lh) ok_w = ok_hi = 0;
        if (*(volatile int32_t *)((volatile char *)gh - 4) != 0) ok_hi = 0; /* low half untouched */
        if (!ok_d || !ok_w || !ok_hi) {
            printf("  (amo%s differs)\n", amo_name[k]);
            break;
        }
    }
    check("every AMO .d equals the serial reference", ok_d);
    check("every AMO .w equals the serial reference", ok_w);
    check("AMO .w on a word's high half", ok_hi);
}

static void test_lrsc(void)
{
    volatile int64_t *g = (volatile int64_t *)(G + 3 * PG);
    volatile int32_t *gw = (volatile int32_t *)(G + 3 * PG + 64);
    *g = 10;
    check("lr.d; sc.d succeeds", lr_sc_d(g, 5) == 0 && *g == 15);
    check("sc.d with no reservation fails", sc_d(g, 99) != 0 && *g == 15);
    check("lr.d reads the value", lr_d(g) == 15);
    *g = 16; /* a store to the reserved word: the reservation goes */
    check("sc.d after a store fails", sc_d(g, 99) != 0 && *g == 16);
    *gw = -7;
    check("lr.w sign-extends", lr_w(gw) == -7);
    check("sc.w succeeds", sc_w(gw, 8) == 0 && *gw == 8);
}

static void wait_all(int n, int *bad)
{
    for (int i = 0; i < n; i++) {
        int st;
        if (wait(&st) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) (*bad)++;
    }
}

/* The F&A oracle: NKIDS children do K amoadds each on one word; every value
 * returned is counted (amoadd on seen[old]); each must be seen exactly once. */
static void test_family(void)
{
    volatile int64_t *ctr = (volatile int64_t *)(G + 4 * PG);
    volatile int32_t *seen = (volatile int32_t *)(G + 5 * PG); /* NKIDS*K <= 1024 slots */
    volatile int64_t *lrsc = (volatile int64_t *)(G + 4 * PG + 64);
    *ctr = 0;
    *lrsc = 0;
    int32_t pids[NKIDS];
    int me = spawn(NKIDS, SIGCHLD, pids);
    if (me < 0) {
        check("spawn a family", 0);
        return;
    }
    if (me > 0) {
        int ok = 1;
        for (int i = 0; i < K; i++) {
            int64_t old = amoadd_d(ctr, 1);
            if (old < 0 || old >= NKIDS * K)
                ok = 0;
            else
                amoadd_w(&seen[old], 1);
            while (lr_sc_d(lrsc, 1) != 0) {
            }
            amoadd_d((volatile int64_t *)(G + (i % NPG) * PG + 3840), 1);
        }
        _exit(ok ? 0 : 1);
    }
    int bad = 0;
    wait_all(NKIDS, &bad);
    check("family of spawn children all exited 0", bad == 0);
    check("amoadd counter is n*k", *ctr == NKIDS * K);
    int once = 1;
    for (int i = 0; i < NKIDS * K; i++)
        if (seen[i] != 1) once = 0;
    check("F&A oracle: returned values are exactly 0..n*k-1", once);
    check("LR/SC counter is n*k", *lrsc == NKIDS * K);
    int hot = 1;
    for (int p = 0; p < NPG; p++)
        if (*(volatile int64_t *)(G + p * PG + 3840) != NKIDS * K / NPG) hot = 0;
    check("a hot word on every page: n*k/pages each", hot);
}

/* One process's stores are seen in program order by another: data on one
 * page, the flag on another (different homes when P > 1). */
static void test_order(void)
{
    volatile int64_t *data = (volatile int64_t *)(G + 6 * PG);
    volatile int64_t *flag = (volatile int64_t *)(G + 7 * PG + 2048);
    *flag = 0;
    pid_t c = fork();
    if (c == 0) {
        for (int r = 1; r <= 20; r++) {
            for (int i = 0; i < 8; i++)
                data[i * 64] = r * 100 + i; /* 8 words, 512 bytes apart */
            *flag = r;
            while (*flag != -r) { /* the parent's turn */
            }
        }
        _exit(0);
    }
    int ok = 1;
    for (int r = 1; r <= 20; r++) {
        while (*flag != r) {
        }
        for (int i = 0; i < 8; i++)
            if (data[i * 64] != r * 100 + i) ok = 0;
        *flag = -r;
    }
    int st = 0;
    waitpid(c, &st, 0);
    check("stores seen in program order by another process",
          ok && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    /* read your own writes across pages */
    int own = 1;
    for (int i = 0; i < NPG; i++) {
        volatile int64_t *w = (volatile int64_t *)(G + i * PG + 3000);
        *w = i * 7 + 1;
        if (*w != i * 7 + 1) own = 0;
    }
    check("a process reads its own writes", own);
}

static void test_alias_and_fork(int fd)
{
    check("mapin a second lseg of the segment",
          mapin(G2, 2 * PG, fd, PG, RW | SYM_MEM_GLOBAL | SYM_MEM_STRICT) == 0);
    volatile int64_t *a = (volatile int64_t *)(G + PG + 1024), *b = (volatile int64_t *)(G2 + 1024);
    *a = 1234;
    check("the alias sees the lseg's write", *b == 1234);
    *b = 4321;
    check("the lseg sees the alias's write", *a == 4321);
    pid_t c = fork();
    if (c == 0) {
        int ok = *a == 4321;
        *a = 999; /* COPY is INHERIT for global lsegs, and this one is INHERIT */
        _exit(ok ? 0 : 1);
    }
    int st = 0;
    waitpid(c, &st, 0);
    check("fork: the child shares the global lseg",
          WIFEXITED(st) && WEXITSTATUS(st) == 0 && *a == 999 && *b == 999);
    check("mapout the alias", mapout(G2, 2 * PG) == 0);
}

static void test_faults(void)
{
    pid_t c = fork();
    if (c == 0) {
        amoadd_w((volatile int32_t *)(G + 4 * PG + 2), 1);
        _exit(0);
    }
    int st = 0;
    waitpid(c, &st, 0);
    check("misaligned global AMO: SIGBUS", WIFSIGNALED(st) && WTERMSIG(st) == SIGBUS);
    c = fork();
    if (c == 0) {
        int32_t v; /* lw itself: the compiler would split a known-misaligned load */
        __asm__ volatile("lw %0, 0(%1)" : "=r"(v) : "r"(G + 4 * PG + 6) : "memory");
        _exit(v == 12345);
    }
    waitpid(c, &st, 0);
    check("misaligned global load: SIGBUS", WIFSIGNALED(st) && WTERMSIG(st) == SIGBUS);
    int w = open("gw", O_RDWR | O_CREAT | O_TRUNC, 0600);
    check("write(2) from global memory (gcopy.c has more)", w >= 0 && write(w, G, 8) == 8);
    close(w);
}

static void test_mapin(int fd)
{
    struct sym_lseg_info li;
    check("pmemaddr: global and strict",
          pmemaddr(0, &li, G) == 0 &&
              (li.flags & (SYM_MEM_GLOBAL | SYM_MEM_STRICT)) == (SYM_MEM_GLOBAL | SYM_MEM_STRICT) &&
              li.size == NPG * PG);
    /* A file with data: global memory filled from the file (gfile.c has more). */
    int d = open("withdata", O_RDWR | O_CREAT | O_TRUNC, 0600);
    check("write a data file", d >= 0 && write(d, "hello", 5) == 5);
    void *L = (void *)0x2000200000ul;
    volatile char *lc = L;
    check("strict global mapin of a file with data",
          mapin(L, PG, d, 0, RW | SYM_MEM_GLOBAL | SYM_MEM_STRICT) == 0 &&
              pmemaddr(0, &li, L) == 0 && (li.flags & SYM_MEM_GLOBAL));
    check("... reads the file's data", lc[0] == 'h' && lc[4] == 'o' && lc[5] == 0);
    mapout(L, PG);
    close(d);
    /* A lazy anonymous file (no host file yet) mapped global: the network's
     * memory, named by the file's identity once it has its host file. */
    int a = open(".", SYM_O_ANON | O_RDWR);
    check("global mapin of an anonymous file",
          a >= 0 && mapin(L, PG, a, 0, RW | SYM_MEM_GLOBAL | SYM_MEM_STRICT) == 0 &&
              pmemaddr(0, &li, L) == 0 && (li.flags & SYM_MEM_GLOBAL));
    volatile int64_t *w = (volatile int64_t *)L;
    check("... amoadd on it from zero", sym_faa(w, 5) == 0 && sym_faa(w, 1) == 5 && *w == 6);
    mapout(L, PG);
    close(a);
    (void)fd;
}

/* Cacheable global lsegs: the node cache's copy, no coherence with the
 * non-cacheable view of the same global memory until cbo clean/flush/inval. */
static void test_cache(int fd)
{
    check("mapin a cacheable alias (pages 8, 9)",
          mapin(GC, 2 * PG, fd, 8 * PG, RW | SYM_MEM_GLOBAL | SYM_MEM_STRICT | SYM_CACHE) == 0);
    volatile int64_t *u = (volatile int64_t *)(G + 8 * PG), *c = (volatile int64_t *)GC;
    u[0] = 5;
    check("a cached read fetches the page", c[0] == 5);
    c[0] = 6;
    check("no coherence: the MM keeps the old value", u[0] == 5 && c[0] == 6);
    sym_cache_clean(&c[0], 8);
    check("cbo.clean writes the line back", u[0] == 6 && c[0] == 6);
    u[1] = 7;
    check("the cached copy is stale", c[1] == 0);
    sym_cache_inval(&c[1], 8);
    check("cbo.inval drops it: the next read fetches", c[1] == 7);
    c[8] = 9;  /* line 1 */
    c[0] = 10; /* line 0 */
    sym_cache_inval(&c[0], 8);
    check("cbo.inval discards its line, writes back the others",
          u[8] == 9 && u[0] == 6 && c[0] == 6 && c[8] == 9);
    c[16] = 11;
    ((volatile int64_t *)(GC + PG))[3] = 12;
    sym_cache_flush(GC, 2 * PG);
    check("cbo.flush over a range writes both pages back",
          u[16] == 11 && ((volatile int64_t *)(G + 9 * PG))[3] == 12);
    check("cbo on non-cacheable global memory does nothing", (sym_cache_flush(G, 64), u[0] == 6));
    /* Eviction: more cacheable pages written than the cache holds. */
    check("mapin NE cacheable pages and their non-cacheable view",
          mapin(GE, NE * PG, fd, 16 * PG, RW | SYM_MEM_GLOBAL | SYM_MEM_STRICT | SYM_CACHE) == 0 &&
              mapin(GE + NE * PG, NE * PG, fd, 16 * PG, RW | SYM_MEM_GLOBAL | SYM_MEM_STRICT) == 0);
    for (int i = 0; i < NE; i++)
        ((volatile int64_t *)(GE + i * PG))[i] = 1000 + i;
    int early = 0;
    for (int i = 0; i < NE; i++)
        early += ((volatile int64_t *)(GE + (NE + i) * PG))[i] == 1000 + i;
    check("eviction wrote the first pages back", early >= NE - 16);
    sym_cache_flush(GE, NE * PG);
    int all = 1;
    for (int i = 0; i < NE; i++)
        if (((volatile int64_t *)(GE + (NE + i) * PG))[i] != 1000 + i) all = 0;
    check("after cbo.flush every page is in global memory", all);
    check("mapout the cacheable lsegs", mapout(GC, 2 * PG) == 0 && mapout(GE, 2 * NE * PG) == 0);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    int fd = global_image("gseg");
    check("open a fresh image file", fd >= 0);
    check("mapin it global", mapin(G, NPG * PG, fd, 0, GFLAG) == 0);
    test_mapin(fd);
    test_widths();
    test_amos();
    test_lrsc();
    test_family();
    test_order();
    test_alias_and_fork(fd);
    test_faults();
    test_cache(fd);
    printf("%s\n", failures ? "FAILED" : "all passed");
    return failures ? 1 : 0;
}
