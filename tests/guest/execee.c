/*
 * execee.c — the program procs_sym execs (copied into the store root as
 * /execee.elf by procs-sym.sh): reports what exec gave it. argv[2] and argv[3]
 * are descriptors the caller opened without and with close-on-exec; SIGUSR1
 * had a handler (must be back to SIG_DFL) and SIGUSR2 was ignored (stays);
 * the page at 0x1000400000, when the caller marked it SYM_EXEC_KEEP, survives.
 * Exits 33 when everything held.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "symunix.h"

static int failures;

static void check(int cond, const char *what)
{
    printf("  execee: %-42s %s\n", what, cond ? "ok" : "FAIL");
    if (!cond) failures++;
}

int main(int argc, char **argv)
{
    printf("  execee: argc %d:", argc);
    for (int i = 0; i < argc; i++)
        printf(" [%s]", argv[i]);
    printf("\n");
    const char *env = getenv("SYMUNIX_TEST");
    printf("  execee: SYMUNIX_TEST=%s\n", env ? env : "(unset)");
    char exe[256];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = 0;
    printf("  execee: /proc/self/exe -> %s\n", exe);
    if (argc >= 4) {
        check(fcntl(atoi(argv[2]), F_GETFD) >= 0, "plain descriptor kept");
        check(fcntl(atoi(argv[3]), F_GETFD) == -1 && errno == EBADF, "close-on-exec one closed");
    }
    struct sigaction sa;
    sigaction(SIGUSR1, NULL, &sa);
    check(sa.sa_handler == SIG_DFL, "handled signal back to SIG_DFL");
    sigaction(SIGUSR2, NULL, &sa);
    check(sa.sa_handler == SIG_IGN, "ignored signal stays ignored");
    struct sym_lseg_info li;
    const char *kept = (const char *)0x1000400000ul;
    printf("  execee: SYM_EXEC_KEEP lseg: %s\n",
           pmemaddr(0, &li, (void *)kept) == 0 ? kept : "(none)");
    struct sym_pinfo pi;
    check(pinfo(0, &pi) == 0 && pi.family == getpid() && pi.index == 0, "exec began a new family");
    fflush(stdout);
    return failures ? 1 : 33;
}
