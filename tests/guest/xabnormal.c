/*
 * xabnormal.c — close actions see the abnormal end of a holder on another
 * node (issue 11 item 2), run by xabnormal.sh on 1 to 4 ranks with the
 * number of nodes P as argv[1]; the output does not depend on P.
 *
 * Each case opens a DELNOTABNORMAL ("delete unless a process that had it
 * open ended abnormally") and a DELABNORMAL ("delete if one did") file in
 * xab/ and lets a process on another node hold them:
 *   ok  a spawn child on the last node inherits them and exits normally;
 *   in  a spawn child on the last node inherits them and dies of SIGSEGV;
 *   pd  a child on the last node gets them by pdup and is killed (SIGKILL);
 *   rv  the reverse: a child on the last node opens them, its own child on
 *       node 0 inherits them and dies of SIGSEGV, the opener closes last.
 * The last close then happens on the opener's node, after the holder ended:
 * what survives must be what the paper says for one machine (ok-delabn,
 * in-delnot, pd-delnot, rv-delnot), not what each node saw by itself.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "symunix.h"

static int nodes, failures;

static void check(const char *what, int ok)
{
    printf("%-60s %s\n", what, ok ? "ok" : "FAIL");
    fflush(stdout);
    if (!ok) failures++;
}

/* The two files of case `tag`, opened with their close actions. */
static void open_two(const char *tag, int fd[2])
{
    char a[64], b[64];
    snprintf(a, sizeof a, "xab/%s-delnot", tag);
    snprintf(b, sizeof b, "xab/%s-delabn", tag);
    fd[0] = open(a, O_CREAT | O_RDWR | SYM_O_DELNOTABNORMAL, 0644);
    fd[1] = open(b, O_CREAT | O_RDWR | SYM_O_DELABNORMAL, 0644);
}

static void segv(void)
{
    volatile int *bad = (volatile int *)8;
    __asm__("" : "+r"(bad)); /* hide the constant from the compiler */
    *bad = 1;
}

/* The last node (node 0 when alone). */
static int last(void)
{
    return nodes > 1 ? nodes - 1 : 0;
}

/* Spawn one child on node n; the child gets 1, the parent 0 and *pid. */
static int spawn_on(int n, int32_t *pid)
{
    fflush(stdout);
    return spawn(1, SIGCHLD | SYM_SPAWN_NODE(n), pid);
}

static int wait_status(int32_t pid)
{
    int st = -1;
    return waitpid(pid, &st, 0) == pid ? st : -1;
}

/* ok and in: the child inherits the files, then ends normally or not. */
static void inherit(const char *tag, int crash)
{
    int fd[2], st;
    int32_t pid;
    open_two(tag, fd);
    if (spawn_on(last(), &pid) > 0) {
        if (crash) segv();
        _exit(0);
    }
    st = wait_status(pid);
    check(crash ? "in: the child on the last node died of SIGSEGV"
                : "ok: the child on the last node exited normally",
          crash ? WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV : WIFEXITED(st));
    close(fd[0]);
    close(fd[1]);
}

/* pd: the files reach a waiting child on the last node by pdup; it is killed. */
static void pdupped(void)
{
    int fd[2];
    int32_t pid;
    if (spawn_on(last(), &pid) > 0) {
        for (;;)
            pause();
    }
    open_two("pd", fd);
    check("pd: pdup both files to the child on the last node",
          pdup(pid, fd[0]) >= 0 && pdup(pid, fd[1]) >= 0);
    kill(pid, SIGKILL);
    int st = wait_status(pid);
    check("pd: the child was killed", WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    close(fd[0]);
    close(fd[1]);
}

/* rv: a child on the last node opens the files; its child on node 0 dies. */
static void reverse(void)
{
    int32_t pid;
    if (spawn_on(last(), &pid) > 0) {
        int fd[2];
        int32_t gpid;
        open_two("rv", fd);
        if (spawn_on(0, &gpid) > 0) {
            segv();
            _exit(0);
        }
        int st = wait_status(gpid);
        int ok = WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV;
        close(fd[0]);
        close(fd[1]);
        _exit(ok ? 0 : 1);
    }
    int st = wait_status(pid);
    check("rv: the grandchild on node 0 died of SIGSEGV", WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    nodes = argc > 1 ? atoi(argv[1]) : 1;
    mkdir("xab", 0755);
    inherit("ok", 0);
    inherit("in", 1);
    pdupped();
    reverse();
    char *names[32];
    int n = 0;
    DIR *d = opendir("xab");
    struct dirent *e;
    while (d && (e = readdir(d)) && n < 32)
        if (e->d_name[0] != '.') names[n++] = strdup(e->d_name);
    if (d) closedir(d);
    qsort(names, n, sizeof names[0], cmp);
    printf("survivors:");
    for (int i = 0; i < n; i++)
        printf(" %s", names[i]);
    printf("\n%s\n", failures ? "SOME FAILED" : "ALL OK");
    return failures ? 1 : 0;
}
