/*
 * signals.c — signal delivery and the synchronous faults a hart raises.
 * Attacks: rt_sigaction + raise (handler runs, sigreturn restores registers),
 * rt_sigprocmask blocking with rt_sigpending, SA_SIGINFO with si_addr on
 * SIGSEGV then siglongjmp out of the handler, SIGILL from an illegal
 * instruction, SIGBUS from a misaligned AMO, and RISC-V division by zero
 * (which must NOT raise SIGFPE: it has defined results).
 */
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int failures;
static volatile sig_atomic_t got_usr1, got_usr2, handler_depth;
static sigjmp_buf jump_back;
static volatile void *fault_addr;
static volatile int fault_code, fault_sig;

static void check(int cond, const char *what)
{
    printf("%-44s %s\n", what, cond ? "ok" : "FAIL");
    if (!cond) failures++;
}

static void on_usr1(int sig)
{
    got_usr1++;
    handler_depth++;
}

static void on_usr2(int sig)
{
    got_usr2++;
}

/* Record the fault and leave the faulting instruction behind for good. */
static void on_fault(int sig, siginfo_t *si, void *uc)
{
    fault_sig = sig;
    fault_addr = si->si_addr;
    fault_code = si->si_code;
    siglongjmp(jump_back, 1);
}

static void install(int sig, void (*fn)(int, siginfo_t *, void *))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = fn;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}

static void test_raise(void)
{
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    check(sigaction(SIGUSR1, &sa, NULL) == 0, "sigaction SIGUSR1");
    check(sigaction(SIGUSR1, NULL, &old) == 0 && old.sa_handler == on_usr1, "sigaction reads back");
    /* Callee-saved registers must survive the handler (sigreturn). */
    register long keep asm("s2") = 0x1234567890abcdefL;
    asm volatile("" : "+r"(keep));
    check(raise(SIGUSR1) == 0 && got_usr1 == 1, "raise SIGUSR1 ran handler");
    asm volatile("" : "+r"(keep));
    check(keep == 0x1234567890abcdefL, "s2 preserved across handler");
    check(kill(getpid(), SIGUSR1) == 0 && got_usr1 == 2, "kill(getpid()) ran handler");
    sa.sa_handler = SIG_IGN;
    sigaction(SIGUSR1, &sa, NULL);
    check(raise(SIGUSR1) == 0 && got_usr1 == 2, "SIG_IGN ignores");
}

static void test_mask(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr2;
    sigaction(SIGUSR2, &sa, NULL);
    sigset_t set, old, pend;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    check(sigprocmask(SIG_BLOCK, &set, &old) == 0, "block SIGUSR2");
    raise(SIGUSR2);
    check(got_usr2 == 0, "blocked signal not delivered");
    check(sigpending(&pend) == 0 && sigismember(&pend, SIGUSR2) == 1, "SIGUSR2 pending");
    check(sigismember(&pend, SIGUSR1) == 0, "SIGUSR1 not pending");
    raise(SIGUSR2); /* standard signals do not queue */
    check(sigprocmask(SIG_SETMASK, &old, NULL) == 0, "unblock");
    check(got_usr2 == 1, "delivered once on unblock");
    check(sigpending(&pend) == 0 && sigismember(&pend, SIGUSR2) == 0, "nothing pending after");
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    check(sigismember(&cur, SIGUSR2) == 0, "mask restored");
    sigemptyset(&set);
    sigaddset(&set, SIGKILL);
    sigaddset(&set, SIGSTOP);
    sigprocmask(SIG_BLOCK, &set, NULL);
    sigprocmask(SIG_BLOCK, NULL, &cur);
    check(!sigismember(&cur, SIGKILL) && !sigismember(&cur, SIGSTOP),
          "SIGKILL/SIGSTOP unblockable");
}

static void test_segv(void)
{
    install(SIGSEGV, on_fault);
    volatile int *bad = (volatile int *)0x10;
    if (sigsetjmp(jump_back, 1) == 0) {
        *bad = 1;
        check(0, "store to 0x10 faulted");
    } else {
        check(fault_sig == SIGSEGV, "store to 0x10 -> SIGSEGV");
        check(fault_addr == (void *)0x10, "si_addr == 0x10");
        check(fault_code == SEGV_MAPERR, "si_code SEGV_MAPERR");
    }
    bad = (volatile int *)0x2000000008UL;
    if (sigsetjmp(jump_back, 1) == 0) {
        (void)*bad;
        check(0, "load from wild address faulted");
    } else {
        check(fault_sig == SIGSEGV && fault_addr == (void *)bad, "wild load -> SIGSEGV, si_addr");
    }
    /* The mask saved by sigsetjmp(…, 1) must be back: a second fault works too. */
    if (sigsetjmp(jump_back, 1) == 0) {
        bad = (volatile int *)0x20;
        asm("" : "+r"(bad)); /* hide the constant from -Warray-bounds */
        *bad = 0;
    }
    check(fault_addr == (void *)0x20, "second SIGSEGV after siglongjmp");
}

static void test_sigill(void)
{
    install(SIGILL, on_fault);
    fault_sig = 0;
    if (sigsetjmp(jump_back, 1) == 0) {
        asm volatile(".4byte 0xffffffff"); /* not a valid RV64GC encoding */
        check(0, "illegal instruction trapped");
    } else {
        check(fault_sig == SIGILL && fault_code == ILL_ILLOPC, "SIGILL ILL_ILLOPC (32-bit)");
    }
    fault_sig = 0;
    if (sigsetjmp(jump_back, 1) == 0) {
        asm volatile(".2byte 0x0000"); /* c.unimp: the all-zero halfword */
        check(0, "c.unimp trapped");
    } else {
        check(fault_sig == SIGILL, "SIGILL from c.unimp");
    }
    fault_sig = 0;
    if (sigsetjmp(jump_back, 1) == 0) {
        asm volatile("csrw cycle, zero"); /* writing a read-only CSR */
        check(0, "write to cycle trapped");
    } else {
        check(fault_sig == SIGILL, "SIGILL from csrw cycle");
    }
}

static void test_sigbus(void)
{
    install(SIGBUS, on_fault);
    static uint64_t words[4];
    volatile char *p = (volatile char *)words + 2;
    long old = 0;
    fault_sig = 0;
    if (sigsetjmp(jump_back, 1) == 0) {
        asm volatile("amoadd.w %0, %2, (%1)" : "=r"(old) : "r"(p), "r"(1L) : "memory");
        check(0, "misaligned amoadd.w trapped");
    } else {
        check(fault_sig == SIGBUS && fault_code == BUS_ADRALN, "misaligned amoadd.w -> SIGBUS");
        check(fault_addr == (void *)p, "si_addr is the misaligned address");
    }
    fault_sig = 0;
    if (sigsetjmp(jump_back, 1) == 0) {
        asm volatile("lr.d %0, (%1)" : "=r"(old) : "r"((char *)words + 4) : "memory");
        check(0, "misaligned lr.d trapped");
    } else {
        check(fault_sig == SIGBUS, "misaligned lr.d -> SIGBUS");
    }
    (void)old;
}

static long div_asm(long a, long b)
{
    long r;
    asm volatile("div %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
    return r;
}

static long rem_asm(long a, long b)
{
    long r;
    asm volatile("rem %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
    return r;
}

static unsigned long divu_asm(unsigned long a, unsigned long b)
{
    unsigned long r;
    asm volatile("divu %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
    return r;
}

static long divw_asm(long a, long b)
{
    long r;
    asm volatile("divw %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
    return r;
}

static long remw_asm(long a, long b)
{
    long r;
    asm volatile("remw %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
    return r;
}

static void test_div(void)
{
    install(SIGFPE, on_fault);
    fault_sig = 0;
    printf("div 7/0=%ld rem 7%%0=%ld divu 7/0=%#lx\n", div_asm(7, 0), rem_asm(7, 0),
           divu_asm(7, 0));
    printf("div MIN/-1=%#lx rem MIN%%-1=%ld\n", div_asm(INT64_MIN, -1), rem_asm(INT64_MIN, -1));
    printf("divw 5/0=%ld remw -5%%0=%ld divw MIN32/-1=%ld remw MIN32%%-1=%ld\n", divw_asm(5, 0),
           remw_asm(-5, 0), divw_asm(INT32_MIN, -1), remw_asm(INT32_MIN, -1));
    check(fault_sig == 0, "division by zero raised no signal");
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    test_raise();
    test_mask();
    test_segv();
    test_sigill();
    test_sigbus();
    test_div();
    printf("failures: %d\n", failures);
    return failures ? 1 : 0;
}
