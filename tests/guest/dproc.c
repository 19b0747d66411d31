/*
 * dproc.c — processes across nodes (issue 4 item 5), run by dproc.sh on 1 to
 * 4 ranks with the number of nodes P as argv[1]; the output does not depend
 * on P, the placement checks compute what they expect from it.
 *
 * spawn places child i on node (0 + i) mod P by default; SYM_SPAWN_HERE and
 * SYM_SPAWN_NODE(n) choose; a parent with a local INHERIT lseg keeps its
 * children. A global lseg is shared at the same address on every node: the
 * children of a family increment one global word with amoadd and the values
 * they got back must be exactly {0..n-1}. wait4, kill (one pid, a group
 * spanning nodes, -1), pinfo, pmemaddr and pmemvect reach children wherever they
 * run; pdup gives a child on another node a file. Last, a child spawns a grandchild elsewhere and
 * ends: the grandchild waits until the initial process is a zombie, then writes grandchild.txt —
 * the job must wait for it (dproc.sh checks the file).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
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
#define G     ((volatile int64_t *)0x2000000000ul) /* the global lseg: 1 page */
#define RW    (SYM_PROT_READ | SYM_PROT_WRITE)
#define GFLAG (RW | SYM_MEM_GLOBAL | SYM_MEM_STRICT | SYM_SPAWN_INHERIT)

/* Words of the global page. */
enum { W_COUNT = 0, W_GO = 1, W_READY = 2, W_NODE = 8, W_GOT = 8 + 64 };

#define N 8 /* the family */

static int failures, nodes;
/* Local memory each child gets a copy of (COPY): siblings on one node must
 * not share it (a node makes its later children as copies of the first). */
static volatile int64_t priv_word;

static void check(const char *what, int ok)
{
    printf("%-52s %s\n", what, ok ? "ok" : "FAIL");
    fflush(stdout);
    if (!ok) failures++;
}

static void msleep(int ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

static int64_t amoadd(volatile int64_t *p, int64_t v)
{
    int64_t r;
    __asm__ volatile("amoadd.d %0, %2, (%1)" : "=r"(r) : "r"(p), "r"(v) : "memory");
    return r;
}

static int my_node(void)
{
    struct sym_pinfo pi;
    return pinfo(0, &pi) == 0 ? pi.node : -1;
}

/* Wait (sleeping) until the global word reaches v. */
static void await(volatile int64_t *w, int64_t v)
{
    while (amoadd(w, 0) < v)
        msleep(1);
}

static void family(void)
{
    int32_t pids[N];
    fflush(stdout);
    priv_word = 1000;
    int me = spawn(N, SIGCHLD, pids);
    if (me < 0) {
        check("spawn a family over the nodes", 0);
        return;
    }
    if (me > 0) { /* child `me` */
        int copied = priv_word == 1000;
        priv_word = me;
        G[W_NODE + me - 1] = my_node();
        G[W_GOT + me - 1] = amoadd(&G[W_COUNT], 1);
        amoadd(&G[W_READY], 1);
        await(&G[W_GO], 1); /* every sibling has written its own by now */
        _exit(copied && priv_word == me ? me : 100 + me);
    }
    check("spawn a family over the nodes", 1);
    await(&G[W_READY], N);
    int placed = 1, fa = 1, seen[N] = {0};
    for (int i = 0; i < N; i++) {
        placed &= G[W_NODE + i] == (i + 1) % nodes;
        int64_t v = G[W_GOT + i];
        if (v < 0 || v >= N || seen[v]++) fa = 0;
    }
    check("child i runs on node i mod P", placed);
    check("F&A oracle: the children got exactly 0..n-1", fa && G[W_COUNT] == N);

    struct sym_pinfo pi;
    int info = 1;
    for (int i = 0; i < N; i++)
        info &= pinfo(pids[i], &pi) == 0 && pi.pid == pids[i] && pi.ppid == getpid() &&
                pi.node == (i + 1) % nodes && pi.index == i + 1 && pi.state != 3;
    check("pinfo of each child, wherever it runs", info);
    struct sym_lseg_info li;
    int last = pids[N - 1];
    check("pmemaddr(child, global lseg): same address, global",
          pmemaddr(last, &li, (void *)G) == 0 && li.vaddr == (uint64_t)G && li.size == PG &&
              (li.flags & SYM_MEM_GLOBAL));
    struct sym_lseg_info v[64];
    int nl = pmemvect(last, v, sizeof v);
    int has = 0;
    for (int i = 0; i < nl && i < 64; i++)
        has |= v[i].vaddr == (uint64_t)G;
    check("pmemvect(child) lists the global lseg", nl > 2 && has);
    check("getpgid and getsid of a child elsewhere: the caller's",
          getpgid(last) == getpgid(0) && getsid(last) == getsid(0));
    check("getpgid of a pid no node has: ESRCH",
          getpgid(1 * 1000000 + 999999) == -1 && errno == ESRCH);
    int far = pids[0]; /* on node 1 when P > 1 */
    check("setpgid(child elsewhere, its pid): its own group",
          setpgid(far, far) == 0 && getpgid(far) == far);
    check("setpgid(child elsewhere, caller's group): back",
          setpgid(far, getpgid(0)) == 0 && getpgid(far) == getpgid(0));
    check("setpgid(child elsewhere, no such group): EPERM",
          setpgid(far, 4242424) == -1 && errno == EPERM && getpgid(far) == getpgid(0));
    check("setpgid of a pid no node has: ESRCH",
          setpgid(1 * 1000000 + 999999, 0) == -1 && errno == ESRCH);
    check("pinfo of a pid no node has: ESRCH",
          pinfo(1 * 1000000 + 999999, &pi) == -1 && errno == ESRCH);

    G[W_GO] = 1;
    int codes = 1;
    for (int i = 0; i < N; i++) {
        int st;
        codes &= waitpid(pids[i], &st, 0) == pids[i] && WIFEXITED(st) && WEXITSTATUS(st) == i + 1;
    }
    check("wait4 for each child: its index as exit status", codes);
    check("each child's copy of memory was its own", codes && priv_word == 1000);
    check("no child left: ECHILD", wait(NULL) == -1 && errno == ECHILD);
}

static volatile sig_atomic_t chld_pid, chld_code;

static void on_chld(int sig, siginfo_t *si, void *uc)
{
    (void)sig, (void)uc;
    chld_pid = si->si_pid;
    chld_code = si->si_code;
}

/* A child's exit on another node reaches the parent as SIGCHLD, with the
 * child's pid in si_pid and CLD_EXITED. */
static void sigchld(void)
{
    struct sigaction sa = {0}, old;
    sa.sa_sigaction = on_chld;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGCHLD, &sa, &old);
    chld_pid = 0;
    int32_t pid;
    fflush(stdout);
    int me = spawn(1, SIGCHLD | SYM_SPAWN_NODE(nodes - 1), &pid);
    if (me > 0) _exit(5);
    for (int i = 0; !chld_pid && i < 5000; i++) /* 5 s at most */
        msleep(1);
    int st;
    check("SIGCHLD from a child on the last node: its pid",
          chld_pid == pid && chld_code == CLD_EXITED);
    check("and wait4 reaps it", waitpid(pid, &st, 0) == pid && WEXITSTATUS(st) == 5);
    sigaction(SIGCHLD, &old, NULL);
}

static void placement(void)
{
    int32_t pids[2];
    G[W_COUNT] = 0;
    fflush(stdout);
    int me = spawn(2, SIGCHLD | SYM_SPAWN_HERE, pids);
    if (me > 0) _exit(my_node());
    int here = 1, st;
    for (int i = 0; i < 2; i++)
        here &= waitpid(pids[i], &st, 0) == pids[i] && WEXITSTATUS(st) == 0;
    check("SYM_SPAWN_HERE: both children on node 0", here);

    fflush(stdout);
    me = spawn(2, SIGCHLD | SYM_SPAWN_NODE(nodes - 1), pids);
    if (me > 0) _exit(my_node());
    int there = 1;
    for (int i = 0; i < 2; i++)
        there &= waitpid(pids[i], &st, 0) == pids[i] && WEXITSTATUS(st) == nodes - 1;
    check("SYM_SPAWN_NODE(P-1): both children on the last node", there);

    /* A local INHERIT lseg cannot be shared across nodes: the family stays. */
    char *sh = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    fflush(stdout);
    me = spawn(3, SIGCHLD, NULL);
    if (me > 0) {
        sh[me] = (char)my_node() + 1;
        _exit(0);
    }
    for (int i = 0; i < 3; i++)
        wait(&st);
    check("a local INHERIT lseg keeps the family on node 0",
          sh[1] == 1 && sh[2] == 1 && sh[3] == 1);
    munmap(sh, PG);
}

/* Spawn n children that say they are ready, then pause until a signal ends
 * them (restoring `mask` first, if given); returns once all are ready. */
static void spawn_sleepers(int n, int32_t *pids, const sigset_t *mask)
{
    G[W_READY] = 0;
    fflush(stdout);
    if (spawn(n, SIGCHLD, pids) > 0) {
        if (mask) sigprocmask(SIG_SETMASK, mask, NULL);
        amoadd(&G[W_READY], 1);
        for (;;)
            pause();
    }
    await(&G[W_READY], n);
}

/* Did each of the n children end by signal sig? (Reaps them.) */
static int all_killed_by(int n, const int32_t *pids, int sig)
{
    int all = 1, st;
    for (int i = 0; i < n; i++)
        all &= waitpid(pids[i], &st, 0) == pids[i] && WIFSIGNALED(st) && WTERMSIG(st) == sig;
    return all;
}

static void kills(void)
{
    int32_t pids[3];
    /* One pid on another node: SIGTERM's default action ends it. */
    spawn_sleepers(1, pids, NULL);
    check("kill(child elsewhere, SIGTERM)", kill(pids[0], SIGTERM) == 0);
    check("wait4: killed by SIGTERM", all_killed_by(1, pids, SIGTERM));
    check("kill of a pid no node has: ESRCH",
          kill(1 * 1000000 + 999999, 0) == -1 && errno == ESRCH);

    /* A group spanning the nodes: kill(0, SIGUSR2) reaches every member. */
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR2);
    sigprocmask(SIG_BLOCK, &block, &old);
    spawn_sleepers(3, pids, &old);
    check("kill(0, SIGUSR2): the caller's group, on every node", kill(0, SIGUSR2) == 0);
    check("all three children ended by SIGUSR2", all_killed_by(3, pids, SIGUSR2));
    signal(SIGUSR2, SIG_IGN); /* discard the caller's own, pending */
    signal(SIGUSR2, SIG_DFL);

    /* kill(-1): every process of the job but the caller, on every node. */
    spawn_sleepers(2, pids, &old);
    check("kill(-1, SIGUSR2): every other process", kill(-1, SIGUSR2) == 0);
    int all = all_killed_by(2, pids, SIGUSR2);
    sigset_t pend;
    sigpending(&pend);
    check("both children ended, the caller has none pending", all && !sigismember(&pend, SIGUSR2));
    sigprocmask(SIG_SETMASK, &old, NULL);
}

/* pdup to a child on the last node: the file reopened there (its own offset,
 * so the child appends); a pipe cannot travel (EXDEV) but is a dup on one
 * node. */
static void pdups(void)
{
    int32_t pid;
    int fd = open("/pdup.txt", O_RDWR | O_CREAT | O_TRUNC | O_APPEND, 0644);
    write(fd, "parent\n", 7);
    G[W_GO] = 0;
    fflush(stdout);
    int me = spawn(1, SIGCHLD | SYM_SPAWN_NODE(nodes - 1), &pid);
    if (me > 0) {
        await(&G[W_GO], 1);
        int there = (int)G[W_GO + 1];
        _exit(write(there, "child\n", 6) == 6 ? 0 : 1);
    }
    int n = pdup(pid, fd);
    check("pdup(child on the last node, a file)", n >= 0);
    int pfd[2];
    pipe(pfd);
    int r = pdup(pid, pfd[0]);
    check("pdup of a pipe: EXDEV across nodes, a dup on one",
          nodes > 1 ? r == -1 && errno == EXDEV : r >= 0);
    G[W_GO + 1] = n;
    G[W_GO] = 1;
    int st;
    check("the child wrote through it",
          waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    char buf[32] = {0};
    pread(fd, buf, sizeof buf - 1, 0);
    check("the file holds both lines", strcmp(buf, "parent\nchild\n") == 0);
    check("pdup to a pid no node has: ESRCH",
          pdup(1 * 1000000 + 999999, fd) == -1 && errno == ESRCH);
    close(fd);
    close(pfd[0]);
    close(pfd[1]);
}

/* A grandchild that outlives the initial process: the job waits for it. */
static void grandchild(void)
{
    int32_t pid;
    fflush(stdout);
    int me = spawn(1, SIGCHLD, &pid);
    if (me > 0) {
        int g = spawn(1, 0, NULL); /* on the next node again */
        if (g > 0) {
            struct sym_pinfo pi;
            while (pinfo(1, &pi) == 0 && pi.state != 3) /* the initial process */
                msleep(5);
            int fd = open("/grandchild.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
            char line[64];
            int n =
                snprintf(line, sizeof line, "grandchild on node %d outlived pid 1\n", my_node());
            write(fd, line, (size_t)n);
            close(fd);
        }
        _exit(0);
    }
    int st;
    check("the middle child ended", waitpid(pid, &st, 0) == pid && WIFEXITED(st));
}

int main(int argc, char **argv)
{
    nodes = argc > 1 ? atoi(argv[1]) : 1;
    int fd = open("/", O_RDWR | SYM_O_ANON, 0600);
    check("mapin a global page (lazy anonymous image)",
          fd >= 0 && mapin((void *)G, PG, fd, 0, GFLAG) == 0);
    close(fd);
    check("the initial process runs on node 0", my_node() == 0);
    family();
    sigchld();
    placement();
    kills();
    pdups();
    grandchild();
    printf("%s\n", failures ? "SOME FAILED" : "ALL OK");
    return failures ? 1 : 0;
}
