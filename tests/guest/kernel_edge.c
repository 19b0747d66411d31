/*
 * kernel_edge.c — edge cases of the kernel's memory, signal and process calls,
 * each a CHECK that prints the failing line: SEGV_ACCERR vs SEGV_MAPERR,
 * mprotect splitting a mapping, MAP_SHARED file mappings with msync, sbrk up
 * and down, sigaltstack with SA_ONSTACK, FP registers preserved across a
 * handler, SA_RESETHAND, a SIGILL handler that edits the saved pc to skip the
 * instruction, uname/rlimits/clocks/getrandom/kill/wait, and a 1 GiB mremap.
 * Exits with the number of failed checks; the output must equal qemu's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>
static sigjmp_buf env;
static volatile int code;
static volatile long nest;
static volatile double fsave;
static void onsegv(int sig, siginfo_t *si, void *uc)
{
    code = si->si_code;
    siglongjmp(env, 1);
}
static void onalt(int sig, siginfo_t *si, void *ucv)
{
    int x;
    code = (char *)&x > (char *)si ? 0 : 0;
    nest = (long)&x;
    (void)code;
}
static void onfp(int sig)
{
    volatile double d = 3.0;
    for (int i = 0; i < 10; i++)
        d = d * 1.7 + 0.1;
    fsave = d;
}
static void skip(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    uc->uc_mcontext.__gregs[0] += 4;
    code = sig;
}
#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            printf("FAIL line %d: %s\n", __LINE__, #c);                                            \
            fails++;                                                                               \
        }                                                                                          \
    } while (0)
int main(void)
{
    int fails = 0;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = onsegv;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, 0);
    char *p = mmap(0, 8192, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED);
    if (!sigsetjmp(env, 1)) {
        p[0] = 1;
        CHECK(0);
    }
    CHECK(code == SEGV_ACCERR);
    if (!sigsetjmp(env, 1)) {
        volatile unsigned long low = 16; /* never mapped */
        *(volatile int *)low = 1;
        CHECK(0);
    }
    CHECK(code == SEGV_MAPERR);
    CHECK(mprotect(p, 4096, PROT_READ | PROT_WRITE) == 0);
    p[0] = 5;
    CHECK(p[0] == 5);
    if (!sigsetjmp(env, 1)) {
        p[4096] = 1;
        CHECK(0);
    }
    CHECK(code == SEGV_ACCERR);
    CHECK(munmap(p, 4096) == 0);
    if (!sigsetjmp(env, 1)) {
        (void)*(volatile char *)p;
        CHECK(0);
    }
    CHECK(code == SEGV_MAPERR);
    CHECK(mprotect(p, 8192, PROT_READ) == -1 && errno == ENOMEM);
    CHECK(mmap((void *)1, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) ==
              MAP_FAILED &&
          errno == EINVAL);
    /* file mapping shared */
    int fd = open("mapfile", O_RDWR | O_CREAT | O_TRUNC, 0600);
    CHECK(fd >= 0);
    CHECK(ftruncate(fd, 4096) == 0);
    char *m = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(m != MAP_FAILED);
    strcpy(m, "shared!");
    CHECK(msync(m, 4096, MS_SYNC) == 0);
    char buf[8] = {0};
    CHECK(pread(fd, buf, 7, 0) == 7);
    CHECK(!strcmp(buf, "shared!"));
    munmap(m, 4096);
    close(fd);
    unlink("mapfile");
    /* brk */
    char *b0 = sbrk(0);
    CHECK(sbrk(100000) == b0);
    memset(b0, 7, 100000);
    CHECK(sbrk(-100000) != (void *)-1);
    CHECK(sbrk(0) == b0);
    /* altstack */
    stack_t ss = {.ss_sp = malloc(65536), .ss_size = 65536};
    CHECK(sigaltstack(&ss, 0) == 0);
    sa.sa_sigaction = onalt;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigaction(SIGUSR2, &sa, 0);
    raise(SIGUSR2);
    CHECK((char *)nest >= (char *)ss.ss_sp && (char *)nest < (char *)ss.ss_sp + 65536);
    stack_t o;
    CHECK(sigaltstack(0, &o) == 0 && o.ss_size == 65536 && o.ss_flags == 0);
    /* FP state preserved across a handler */
    signal(SIGUSR1, onfp);
    volatile double a = 1.25;
    double before = a * 2;
    raise(SIGUSR1);
    CHECK(a * 2 == before && fsave > 100);
    /* resethand */
    sa.sa_handler = onfp;
    sa.sa_flags = SA_RESETHAND;
    sigaction(SIGUSR1, &sa, 0);
    raise(SIGUSR1);
    struct sigaction cur;
    sigaction(SIGUSR1, 0, &cur);
    CHECK(cur.sa_handler == SIG_DFL);
    /* handler that skips the faulting instruction by editing the saved pc */
    sa.sa_sigaction = skip;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGILL, &sa, 0);
    code = 0;
    __asm__ volatile(".word 0x00000000\n.word 0x00000000" ::
                         : "memory"); /* an all-zero word is illegal */
    CHECK(code == SIGILL);
    /* misc */
    struct utsname u;
    CHECK(uname(&u) == 0 && !strcmp(u.machine, "riscv64") && !strcmp(u.sysname, "Linux"));
    struct rlimit rl;
    CHECK(getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur == 8 << 20);
    CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur >= 1024);
    struct timespec t1, t2;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    struct timespec d = {0, 20000000};
    CHECK(nanosleep(&d, 0) == 0);
    clock_gettime(CLOCK_MONOTONIC, &t2);
    CHECK((t2.tv_sec - t1.tv_sec) * 1000000000L + t2.tv_nsec - t1.tv_nsec >= 20000000);
    char r[64];
    CHECK(getrandom(r, 64, 0) == 64);
    CHECK(kill(999999, 0) == -1 && errno == ESRCH);
    CHECK(kill(getpid(), 0) == 0);
    CHECK(wait(0) == -1 && errno == ECHILD);
    CHECK(getppid() >= 0 && getpgid(0) > 0);
    void *big = mmap(0, 1ul << 30, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(big != MAP_FAILED);
    void *bigger = mremap(big, 1ul << 30, 2ul << 30, MREMAP_MAYMOVE);
    CHECK(bigger != MAP_FAILED);
    ((char *)bigger)[(2ul << 30) - 1] = 1;
    printf("kernel_edge: %d failed checks\n", fails);
    return fails;
}
