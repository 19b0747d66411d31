/*
 * bigmem.c — large and many allocations through glibc malloc.
 * Attacks: brk growth and mmap-backed chunks (256 MiB), first touch of every
 * page (demand-zero frames), free returning memory (munmap), thousands of
 * small malloc/free pairs (brk arena reuse), realloc growth that moves data
 * (mremap or copy), and calloc returning zeroed memory after reuse.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

static void check(int cond, const char *what)
{
    printf("%-40s %s\n", what, cond ? "ok" : "FAIL");
    if (!cond) failures++;
}

static void big(void)
{
    size_t size = 256UL << 20;
    unsigned char *p = malloc(size);
    check(p != NULL, "malloc 256 MiB");
    if (!p) return;
    int zero = 1;
    for (size_t off = 0; off < size; off += 4096)
        zero &= p[off] == 0;
    check(zero, "fresh pages read zero");
    for (size_t off = 0; off < size; off += 4096)
        p[off] = (unsigned char)(off >> 12);
    uint64_t sum = 0;
    for (size_t off = 0; off < size; off += 4096)
        sum += p[off];
    printf("page stamp sum: %llu\n", (unsigned long long)sum);
    p[size - 1] = 0x5a;
    check(p[size - 1] == 0x5a, "last byte writable");
    free(p);
}

static void small(void)
{
    enum { N = 20000 };
    static void *ptrs[N];
    uint64_t x = 12345;
    for (int round = 0; round < 4; round++) {
        for (int i = 0; i < N; i++) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            size_t n = 1 + (x >> 33) % 200;
            ptrs[i] = malloc(n);
            memset(ptrs[i], i & 0xff, n);
        }
        for (int i = 0; i < N; i += 1 + round)
            free(ptrs[i]), ptrs[i] = NULL;
        for (int i = 0; i < N; i++)
            if (ptrs[i]) free(ptrs[i]), ptrs[i] = NULL;
    }
    check(1, "80000 small malloc/free");
}

static void grow(void)
{
    size_t n = 16;
    unsigned *a = malloc(n * sizeof *a);
    for (size_t i = 0; i < n; i++)
        a[i] = (unsigned)(i * 2654435761u);
    while (n < (8u << 20)) {
        size_t m = n * 2;
        a = realloc(a, m * sizeof *a);
        if (!a) break;
        for (size_t i = n; i < m; i++)
            a[i] = (unsigned)(i * 2654435761u);
        n = m;
    }
    int ok = a != NULL;
    for (size_t i = 0; ok && i < n; i += 4099)
        ok = a[i] == (unsigned)(i * 2654435761u);
    check(ok, "realloc growth to 32 MiB keeps data");
    free(a);
}

static void zeroed(void)
{
    for (int i = 0; i < 8; i++) {
        unsigned char *d = malloc(100000);
        memset(d, 0xff, 100000);
        free(d);
        unsigned char *z = calloc(100000, 1);
        int ok = 1;
        for (int j = 0; j < 100000; j++)
            ok &= z[j] == 0;
        if (!ok) {
            check(0, "calloc zeroed after reuse");
            return;
        }
        free(z);
    }
    unsigned char *huge = calloc(64, 1 << 20);
    int ok = huge != NULL;
    for (size_t j = 0; ok && j < (64u << 20); j += 4096)
        ok &= huge[j] == 0;
    check(ok, "calloc zeroed (small and 64 MiB)");
    free(huge);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    big();
    small();
    grow();
    zeroed();
    printf("failures: %d\n", failures);
    return failures ? 1 : 0;
}
