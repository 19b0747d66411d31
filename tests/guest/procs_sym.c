/*
 * procs_sym.c — processes where Symunix II differs from what qemu-riscv64 can
 * show (run by procs-sym.sh against procs_sym.expected, with /execee.elf in
 * the store root): spawn of a family with indices and per-lseg spawn actions,
 * spawn's refusals, pinfo/pmemaddr/pmemvect of another pid, pdup into another
 * process, kill to a group and to -1, orphans adopted by the initial process,
 * execve with argv/envp and its refusals, preemption of two CPU-bound
 * processes, and the core file of a child killed by SIGSEGV.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "symunix.h"

#define PG      4096ul
#define SHARED  ((volatile int64_t *)0x1000000000ul) /* an INHERIT lseg: the family's */
#define DROPPED ((char *)0x1000100000ul)             /* SYM_SPAWN_DROP */
#define REALLOC ((char *)0x1000200000ul)             /* SYM_SPAWN_REALLOC */
#define KEPT    ((char *)0x1000400000ul)             /* SYM_EXEC_KEEP (execee reads it) */

static int failures;
static int private_var = 1;
static volatile sig_atomic_t got_usr1;
static volatile int *volatile nowhere;
static char **volatile bad_vector = (char **)8; /* hidden from the compiler */

static void check(int cond, const char *what)
{
    printf("%-56s %s\n", what, cond ? "ok" : "FAIL");
    if (!cond) failures++;
    fflush(stdout);
}

static bool fails(int r, int err)
{
    return r == -1 && errno == err;
}

static void on_usr1(int sig)
{
    (void)sig;
    got_usr1 = 1;
}

static void msleep(long ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000};
    nanosleep(&t, NULL);
}

static int status_of(pid_t pid)
{
    int st;
    if (waitpid(pid, &st, 0) != pid) return -1;
    return WIFSIGNALED(st) ? -WTERMSIG(st) : WEXITSTATUS(st);
}

/* In a child: wait for SIGUSR1 (blocked by the parent before spawning). */
static void await_usr1(void)
{
    sigset_t none;
    sigemptyset(&none);
    while (!got_usr1)
        sigsuspend(&none);
}

static void block_usr1(sigset_t *old)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    signal(SIGUSR1, on_usr1);
    sigprocmask(SIG_BLOCK, &set, old);
}

static void shared_segment(void)
{
    int fd = open("/family.img", O_RDWR | O_CREAT | O_TRUNC, 0600);
    check(fd >= 0 && mapin((void *)SHARED, PG, fd, 0,
                           SYM_PROT_READ | SYM_PROT_WRITE | SYM_SPAWN_INHERIT) == 0,
          "mapin a page with SYM_SPAWN_INHERIT");
    close(fd);
}

static void spawn_refusals(void)
{
    int32_t pids[4];
    check(fails(spawn(0, SIGCHLD, pids), EINVAL), "spawn(0): EINVAL");
    check(fails(spawn(-3, SIGCHLD, pids), EINVAL), "spawn(-3): EINVAL");
    check(fails(spawn(SYM_SPAWN_MAX + 1, SIGCHLD, NULL), EAGAIN), "spawn(SYM_SPAWN_MAX+1): EAGAIN");
    check(fails(spawn(2, 0x800 | SIGCHLD, pids), EINVAL), "spawn with reserved flag bits: EINVAL");
    check(fails(spawn(2, SYM_SPAWN_HERE | SYM_SPAWN_NODE(0) | SIGCHLD, pids), EINVAL),
          "spawn both here and on a node: EINVAL");
    check(fails(spawn(2, SYM_SPAWN_NODE(4096) | SIGCHLD, pids), EINVAL),
          "spawn on a node out of range: EINVAL");
    check(fails(spawn(2, SIGCHLD, (int32_t *)8), EFAULT), "spawn with a bad pids pointer: EFAULT");
    check(wait(NULL) == -1 && errno == ECHILD, "and no child was left behind");
}

/* Private pages with the other two spawn actions; returns 0 when both mapped. */
static int spawn_actions(void)
{
    int rw = SYM_PROT_READ | SYM_PROT_WRITE;
    for (int i = 0; i < 2; i++) {
        char *at = i ? REALLOC : DROPPED;
        if (mmap(at, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) !=
            at)
            return -1;
        strcpy(at, "parent data");
    }
    return mapctl(DROPPED, PG, rw | SYM_SPAWN_DROP) | mapctl(REALLOC, PG, rw | SYM_SPAWN_REALLOC);
}

/* In a child: the DROP page absent, the REALLOC page fresh zeros. */
static bool child_sees_actions(void)
{
    struct sym_lseg_info li;
    bool dropped = pmemaddr(0, &li, DROPPED) == -1 && errno == ENOENT;
    bool fresh = pmemaddr(0, &li, REALLOC) == 0 && REALLOC[0] == 0 && REALLOC[PG - 1] == 0;
    return dropped && fresh;
}

static void family(void)
{
    struct sym_pinfo me;
    pinfo(0, &me);
    int32_t pids[4] = {0};
    SHARED[0] = 0;
    private_var = 1;
    check(spawn_actions() == 0, "mapctl: a DROP page and a REALLOC page");
    fflush(stdout);
    int r = spawn(4, SIGCHLD, pids);
    if (r > 0) {
        struct sym_pinfo pi;
        int ok = pinfo(0, &pi) == 0 && pi.index == r && pi.family == me.family &&
                 pi.ppid == me.pid && getppid() == me.pid && child_sees_actions();
        sym_faa((volatile int64_t *)SHARED, r);
        private_var = 100 + r;
        _exit(ok ? 10 + r : 1);
    }
    check(r == 0, "spawn(4) returns 0 to the parent");
    int codes = 1, distinct = 1;
    for (int i = 0; i < 4; i++) {
        codes &= status_of(pids[i]) == 11 + i;
        for (int j = 0; j < i; j++)
            distinct &= pids[i] != pids[j];
    }
    check(distinct, "four distinct pids");
    check(codes, "children 1..4: index, family, parent, DROP, REALLOC");
    check(strcmp(DROPPED, "parent data") == 0 && strcmp(REALLOC, "parent data") == 0,
          "the parent keeps its DROP and REALLOC pages");
    munmap(DROPPED, PG);
    munmap(REALLOC, PG);
    check(SHARED[0] == 1 + 2 + 3 + 4, "INHERIT lseg shared: F&A of the indices sums to 10");
    check(private_var == 1, "COPY lseg private: the parent's copy unchanged");
}

static void other_pid_info(void)
{
    sigset_t old;
    block_usr1(&old);
    int32_t kid;
    fflush(stdout);
    int r = spawn(1, SIGCHLD, &kid);
    if (r > 0) {
        await_usr1();
        int fd = (int)SHARED[1];
        const char msg[] = "written by the child through pdup\n";
        _exit(write(fd, msg, sizeof msg - 1) == sizeof msg - 1 ? 0 : 1);
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    msleep(50);
    struct sym_pinfo pi;
    check(pinfo(kid, &pi) == 0 && pi.pid == kid && pi.ppid == getpid() && pi.index == 1,
          "pinfo(child): pid, ppid, index");
    check(pi.state == 2, "pinfo(child): sleeping in sigsuspend");
    int n = pmemvect(kid, NULL, 0);
    check(n > 0 && n == pi.nlsegs, "pmemvect(child): its lseg count");
    struct sym_lseg_info li;
    check(pmemaddr(kid, &li, (void *)SHARED) == 0 && li.vaddr == (uint64_t)SHARED &&
              (li.flags & SYM_SPAWN_MASK) == SYM_SPAWN_INHERIT,
          "pmemaddr(child): the inherited lseg");
    check(fails(pinfo(999999, &pi), ESRCH), "pinfo of an unknown pid: ESRCH");

    int fd = open("/pdup.txt", O_RDWR | O_CREAT | O_TRUNC, 0600);
    check(fails(pdup(999999, fd), ESRCH), "pdup to an unknown pid: ESRCH");
    int self = pdup(0, fd);
    check(self > fd && close(self) == 0, "pdup(0, fd): a dup in the caller");
    int there = pdup(kid, fd);
    check(there >= 0, "pdup(child, fd): a descriptor in the child");
    SHARED[1] = there;
    kill(kid, SIGUSR1);
    check(status_of(kid) == 0, "child wrote through it and exited 0");
    char buf[64] = {0};
    pread(fd, buf, sizeof buf - 1, 0);
    check(strcmp(buf, "written by the child through pdup\n") == 0,
          "the file holds the child's line");
    close(fd);
}

static void kill_groups(void)
{
    sigset_t old, pend;
    block_usr1(&old);
    int32_t kids[2];
    got_usr1 = 0;
    fflush(stdout);
    int r = spawn(2, SIGCHLD, kids);
    if (r > 0) {
        await_usr1();
        _exit(20 + r);
    }
    msleep(20);
    check(kill(0, SIGUSR1) == 0, "kill(0, SIGUSR1): the caller's group");
    check(status_of(kids[0]) == 21 && status_of(kids[1]) == 22, "both children got it");
    sigpending(&pend);
    check(sigismember(&pend, SIGUSR1), "and so did the caller (pending, blocked)");
    signal(SIGUSR1, SIG_IGN); /* discard it */
    r = spawn(1, SIGCHLD, kids);
    if (r > 0) {
        signal(SIGUSR1, on_usr1);
        await_usr1();
        _exit(23);
    }
    signal(SIGUSR1, on_usr1);
    msleep(20);
    check(kill(-1, SIGUSR1) == 0 && status_of(kids[0]) == 23, "kill(-1, SIGUSR1): the child");
    sigpending(&pend);
    check(!sigismember(&pend, SIGUSR1), "but not the caller");
    sigprocmask(SIG_SETMASK, &old, NULL);
    check(fails(kill(-999999, 0), ESRCH), "kill of an empty group: ESRCH");
}

static void orphans(void)
{
    pid_t top = getpid();
    fflush(stdout);
    pid_t mid = fork();
    if (mid == 0) {
        pid_t me = getpid();
        if (fork() == 0) {
            while (getppid() == me)
                msleep(5);
            _exit(getppid() == top ? 21 : 22);
        }
        _exit(0);
    }
    check(status_of(mid) == 0, "middle process exits, leaving its child");
    int st;
    pid_t got = wait(&st);
    check(got > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 21,
          "orphan adopted by the initial process, reaped by it");
}

static void exec_tests(void)
{
    int keep = open("/keep.txt", O_RDWR | O_CREAT, 0600);
    int gone = open("/gone.txt", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    char k[16], g[16];
    snprintf(k, sizeof k, "%d", keep);
    snprintf(g, sizeof g, "%d", gone);
    char *argv[] = {"execee", "arg one", k, g, NULL};
    char *envp[] = {"SYMUNIX_TEST=exec-env", NULL};
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGUSR1, on_usr1);
        signal(SIGUSR2, SIG_IGN);
        if (mmap(KEPT, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1,
                 0) == KEPT) {
            strcpy(KEPT, "kept across exec");
            mapctl(KEPT, PG, SYM_PROT_READ | SYM_PROT_WRITE | SYM_EXEC_KEEP);
        }
        execve("/execee.elf", argv, envp);
        _exit(99);
    }
    check(status_of(pid) == 33, "fork + execve(/execee.elf): exit 33");
    signal(SIGUSR2, SIG_IGN); /* inherited by the vfork child, kept by exec */
    fflush(stdout);
    pid = vfork();
    if (pid == 0) {
        execve("execee.elf", (char *[]){"vforked", NULL}, envp);
        _exit(98);
    }
    check(status_of(pid) == 33, "vfork + execve of a relative path: exit 33");
    signal(SIGUSR2, SIG_DFL);
    close(keep);
    close(gone);

    int fd = open("/text.sh", O_WRONLY | O_CREAT | O_TRUNC, 0755);
    write(fd, "not an ELF file\n", 16);
    close(fd);
    fd = open("/noexec.elf", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    close(fd);
    check(fails(execve("/missing.elf", argv, envp), ENOENT), "execve of a missing file: ENOENT");
    check(fails(execve("/noexec.elf", argv, envp), EACCES), "execve without x permission: EACCES");
    check(fails(execve("/", argv, envp), EACCES), "execve of a directory: EACCES");
    check(fails(execve("/text.sh", argv, envp), ENOEXEC), "execve of a non-ELF file: ENOEXEC");
    check(fails(execve("/execee.elf", bad_vector, envp), EFAULT), "execve with a bad argv: EFAULT");
    check(fails(execve("/../../execee.elf", argv, bad_vector), EFAULT),
          "execve with a bad envp: EFAULT");
    static char big[200000];
    memset(big, 'x', sizeof big - 1);
    char *bigv[] = {"execee", big, NULL};
    check(fails(execve("/execee.elf", bigv, envp), E2BIG), "execve with a 200 KB argument: E2BIG");
    check(private_var == 1 && SHARED[0] == 10, "after every failure the caller is intact");
}

#define WORK  3000000
#define STEPS 64

/* Each child counts to WORK, writing its progress to /progN; at the end it
 * records the other's progress in /seenN. */
static void preemption(void)
{
    for (int i = 1; i <= 2; i++) {
        char name[32];
        snprintf(name, sizeof name, "/prog%d", i);
        int fd = open(name, O_RDWR | O_CREAT | O_TRUNC, 0600);
        long zero = 0;
        write(fd, &zero, sizeof zero);
        close(fd);
    }
    int32_t kids[2];
    fflush(stdout);
    int r = spawn(2, SIGCHLD, kids);
    if (r > 0) {
        char name[32];
        snprintf(name, sizeof name, "/prog%d", r);
        int mine = open(name, O_RDWR);
        snprintf(name, sizeof name, "/prog%d", 3 - r);
        int other = open(name, O_RDONLY);
        volatile long x = 0;
        for (long i = 1; i <= WORK; i++) {
            x += i;
            if (i % (WORK / STEPS) == 0) pwrite(mine, &i, sizeof i, 0);
        }
        long seen = -1;
        pread(other, &seen, sizeof seen, 0);
        snprintf(name, sizeof name, "/seen%d", r);
        int out = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        write(out, &seen, sizeof seen);
        _exit(0);
    }
    check(status_of(kids[0]) == 0 && status_of(kids[1]) == 0, "two CPU-bound children exit 0");
    int between = 0;
    for (int i = 1; i <= 2; i++) {
        char name[32];
        long seen = -1;
        snprintf(name, sizeof name, "/seen%d", i);
        int fd = open(name, O_RDONLY);
        read(fd, &seen, sizeof seen);
        close(fd);
        between |= seen > 0 && seen < WORK;
    }
    check(between, "preemption: the first to finish saw the other advanced");
}

static void core_of_child(void)
{
    char name[48];
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        *nowhere = 1;
        _exit(1);
    }
    int st;
    check(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV &&
              WCOREDUMP(st),
          "child killed by SIGSEGV, core flag set");
    snprintf(name, sizeof name, "/core.%d", (int)pid);
    check(access(name, F_OK) == 0, "core.<child pid> in @image");
}

int main(void)
{
    setvbuf(stdout, NULL, _IOFBF, 1 << 16);
    shared_segment();
    spawn_refusals();
    family();
    other_pid_info();
    kill_groups();
    orphans();
    exec_tests();
    preemption();
    core_of_child();
    printf("%s\n", failures ? "SOME FAILED" : "all passed");
    return failures != 0;
}
