/*
 * swapanon.c — a lazy anonymous image file bigger than the node's memory (run
 * by swapmem.sh with `symunix run --mem 4M`): the file starts as a memory
 * file, not a file of the store (its st_dev differs from the directory's);
 * mapin of 8 MiB of it, a pattern written over every page and read back
 * forces write-backs, and the first write-back makes it a file of the store
 * (same st_dev as the directory), still unnamed: swapmem.sh checks from the
 * host that anon.d is empty afterwards (the guest cannot look: reading a
 * directory names its anonymous files). Symunix only (the Symunix II calls).
 * Prints one line per check.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "symunix.h"

#define SIZE (8UL << 20)
#define BASE ((void *)0x2000000000UL)

static int failures;

static void check(int cond, const char *what)
{
    printf("%-44s %s\n", what, cond ? "ok" : "FAIL");
    if (!cond) failures++;
}

int main(void)
{
    struct stat dir, st;
    check(mkdir("anon.d", 0700) == 0 && stat("anon.d", &dir) == 0, "mkdir anon.d");
    int fd = open("anon.d", SYM_O_ANON | O_RDWR, 0600);
    check(fd >= 0, "open anon.d SYM_O_ANON");
    check(fstat(fd, &st) == 0 && st.st_dev != dir.st_dev, "a memory file, not in the store yet");
    check(mapin(BASE, SIZE, fd, 0, SYM_PROT_READ | SYM_PROT_WRITE) == 0, "mapin 8 MiB of it");
    uint64_t *w = BASE;
    for (size_t i = 0; i < SIZE / 8; i += 512)
        w[i] = i * 2654435761u + 7;
    int ok = 1;
    for (size_t i = 0; i < SIZE / 8; i += 512)
        ok &= w[i] == i * 2654435761u + 7;
    check(ok, "every page read back");
    check(fstat(fd, &st) == 0 && st.st_dev == dir.st_dev, "written back: now a file of the store");
    check(mapout(BASE, SIZE) == 0 && close(fd) == 0, "mapout, close");
    printf("%s\n", failures ? "FAILED" : "all ok");
    return failures ? 1 : 0;
}
