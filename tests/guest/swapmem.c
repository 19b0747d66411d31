/*
 * swapmem.c — more memory than the node has (run with `symunix run --mem 4M`
 * by swapmem.sh): writes a pattern over 16 MiB of brk memory and 16 MiB of
 * anonymous mmap memory, then reads every word back. With 4 MiB of frames
 * the pages must be evicted to their image files and read back in; nothing
 * may be lost. Also correct (and quick) on any ordinary Linux or qemu.
 * Prints one line per check and exits 0 when all hold.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MIB (1024UL * 1024UL)

static int failures;

static void check(int cond, const char *what)
{
    printf("%-44s %s\n", what, cond ? "ok" : "FAIL");
    if (!cond) failures++;
}

static uint64_t pattern(uint64_t seed, uint64_t i)
{
    uint64_t x = (seed + i) * 0x9e3779b97f4a7c15ULL;
    return x ^ (x >> 31);
}

/* Write the pattern over n bytes (one word in every 64 bytes, all words of
 * the first and last page), then check it all: 1 when intact. */
static int fill_and_check(uint64_t *w, size_t n, uint64_t seed)
{
    size_t words = n / sizeof *w;
    for (size_t i = 0; i < words; i += 8)
        w[i] = pattern(seed, i);
    for (size_t i = 1; i < 512; i++)
        w[i] = pattern(seed, i);
    int zero_ok = 1;
    for (size_t i = 1; i < words; i++) /* untouched words stay zero */
        if (i % 8 && i >= 512 && w[i] != 0) zero_ok = 0;
    int ok = zero_ok;
    for (size_t i = 0; i < words; i += 8)
        if (w[i] != pattern(seed, i)) ok = 0;
    for (size_t i = 1; i < 512; i++)
        if (w[i] != pattern(seed, i)) ok = 0;
    return ok;
}

int main(void)
{
    size_t n = 16 * MIB;
    uint64_t *b = sbrk(n);
    check(b != (void *)-1, "sbrk 16 MiB");
    uint64_t *m = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    check(m != MAP_FAILED, "mmap 16 MiB");
    if (b == (void *)-1 || m == MAP_FAILED) return 1;
    check(fill_and_check(b, n, 1), "brk pattern read back");
    check(fill_and_check(m, n, 2), "mmap pattern read back");
    /* Both again, interleaved: every page has been evicted by now. */
    int ok = 1;
    for (size_t i = 0; i < n / 8; i += 512)
        ok &= b[i] == pattern(1, i) && m[i] == pattern(2, i);
    check(ok, "both still intact after the other");
    /* A write(2) from memory that is not resident. */
    FILE *f = fopen("swapmem.out", "w");
    check(f && fwrite(m, 1, 4 * MIB, f) == 4 * MIB && fclose(f) == 0, "fwrite 4 MiB from mmap");
    f = fopen("swapmem.out", "r");
    uint64_t back[8];
    check(f && fseek(f, 3 * MIB, SEEK_SET) == 0 && fread(back, 8, 8, f) == 8 &&
              back[0] == pattern(2, 3 * MIB / 8),
          "the file holds the pattern");
    if (f) fclose(f);
    munmap(m, n);
    sbrk(-(intptr_t)n);
    printf("%s\n", failures ? "FAILED" : "all ok");
    return failures ? 1 : 0;
}
