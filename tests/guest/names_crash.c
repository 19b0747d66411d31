/*
 * names_crash.c — an abnormal end (symunix only): opens files with each close
 * action in directory "ab" (and two lazy anonymous files, never named), then
 * dies of SIGSEGV. names-abnormal.sh then lists "ab" with names_list: the
 * DELNOTABNORMAL file and the DELNOTABNORMAL anonymous file (named so that it
 * survives for post-mortem use) remain; the DELABNORMAL files (open flag and
 * fcntl), the DELCLOSE file and the DELABNORMAL anonymous file go.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "symunix.h"

int main(void)
{
    mkdir("ab", 0755);
    int fds[] = {
        open("ab/delnotabnormal", O_CREAT | O_RDWR | SYM_O_DELNOTABNORMAL, 0644),
        open("ab/delabnormal", O_CREAT | O_RDWR | SYM_O_DELABNORMAL, 0644),
        open("ab/delclose", O_CREAT | O_RDWR | SYM_O_DELCLOSE, 0644),
        open("ab/fcntl-delabnormal", O_CREAT | O_RDWR, 0644),
        open("ab", SYM_O_ANON | O_RDWR | SYM_O_DELABNORMAL, 0644),
        open("ab", SYM_O_ANON | O_RDWR | SYM_O_DELNOTABNORMAL, 0644),
    };
    fcntl(fds[3], SYM_F_SETCLOSE, SYM_O_DELABNORMAL);
    for (unsigned i = 0; i < sizeof fds / sizeof fds[0]; i++)
        if (fds[i] < 0) printf("open %u failed\n", i);
    printf("opened\n");
    fflush(stdout);
    volatile int *bad = (volatile int *)8;
    __asm__("" : "+r"(bad)); /* hide the constant from the compiler */
    *bad = 1;                /* SIGSEGV: an abnormal end */
    return 0;
}
