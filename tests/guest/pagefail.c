/*
 * pagefail.c — memory that must be paged out to the store (issue 11 item 4):
 * 512 separate anonymous mappings of 64 KiB (32 MiB, each its own lazy image,
 * so each needs its own host file when paged out), written and read back.
 * pagefail.sh runs it on --mem 4M with a store that is too small (a 1 MiB
 * tmpfs) or with too few host descriptors: the program must end with a clear
 * message on stderr, not a silent SIGSEGV. With room it prints "all ok".
 */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>

#define N    512
#define SIZE (64ul << 10)

int main(void)
{
    static uint64_t *m[N];
    for (int i = 0; i < N; i++) {
        m[i] = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m[i] == MAP_FAILED) {
            printf("mmap %d failed\n", i);
            return 1;
        }
        for (uint64_t j = 0; j < SIZE / 8; j += 512)
            m[i][j] = (uint64_t)i * 1000003 + j;
    }
    long bad = 0;
    for (int i = 0; i < N; i++)
        for (uint64_t j = 0; j < SIZE / 8; j += 512)
            if (m[i][j] != (uint64_t)i * 1000003 + j) bad++;
    printf("%s\n", bad ? "FAIL" : "all ok");
    return bad != 0;
}
