/*
 * itimer.c — interval timers and alarm(). Attacks: alarm(1); pause() with
 * every process of the node asleep (the timer alone must wake it); alarm's
 * seconds left; getitimer's remaining time (at most what was set) and
 * interval; setitimer's old value and disarming; an interval timer firing
 * again and again; SIGALRM reaching a process that never sleeps;
 * ITIMER_VIRTUAL and ITIMER_PROF firing under a busy loop and not running
 * while the process sleeps; a blocked SIGALRM staying pending; SIGALRM's
 * default action ending a process; fork children not inheriting timers;
 * bad arguments (EINVAL, EFAULT). Built with -DSYMUNIX_ONNODE it runs the
 * same checks in a spawn child placed on the last node (itimer_node.sh).
 * Only comparisons are printed: times differ.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int failures;
static volatile sig_atomic_t alrm, vtalrm, prof;

static void check(int cond, const char *what)
{
    printf("%-56s %s\n", what, cond ? "ok" : "FAIL");
    if (!cond) failures++;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void on_sig(int sig)
{
    if (sig == SIGALRM) alrm++;
    if (sig == SIGVTALRM) vtalrm++;
    if (sig == SIGPROF) prof++;
}

static void handle(int sig, int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sig;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}

static long us(const struct timeval *t)
{
    return t->tv_sec * 1000000L + t->tv_usec;
}

static int arm(int which, long value_us, long interval_us)
{
    struct itimerval v = {{interval_us / 1000000, interval_us % 1000000},
                          {value_us / 1000000, value_us % 1000000}};
    return setitimer(which, &v, NULL);
}

static void alarm_pause(void)
{
    double t0 = now();
    alrm = 0;
    alarm(1);
    errno = 0;
    int r = pause();
    check(r == -1 && errno == EINTR && alrm == 1, "alarm(1); pause(): EINTR after SIGALRM");
    check(now() - t0 >= 0.999, "alarm(1): not before a second");
    alarm(5);
    check(alarm(0) == 5, "alarm(5) then alarm(0) returns 5");
    check(alarm(0) == 0, "alarm(0) when none is set returns 0");
}

static void real_values(void)
{
    struct itimerval v = {{1, 500000}, {10, 0}}, cur, old;
    check(setitimer(ITIMER_REAL, &v, NULL) == 0, "setitimer REAL 10 s, interval 1.5 s");
    check(getitimer(ITIMER_REAL, &cur) == 0, "getitimer REAL");
    check(us(&cur.it_interval) == 1500000, "getitimer: the interval as set");
    check(us(&cur.it_value) <= 10000000 && us(&cur.it_value) > 5000000,
          "getitimer: remaining at most the value set");
    struct itimerval zero;
    memset(&zero, 0, sizeof zero);
    check(setitimer(ITIMER_REAL, &zero, &old) == 0, "setitimer REAL 0 disarms");
    check(us(&old.it_interval) == 1500000 && us(&old.it_value) <= 10000000 &&
              us(&old.it_value) > 5000000,
          "setitimer: the old value");
    check(getitimer(ITIMER_REAL, &cur) == 0 && us(&cur.it_value) == 0 && us(&cur.it_interval) == 0,
          "getitimer after disarming: zero");
}

static void real_interval(void)
{
    alrm = 0;
    arm(ITIMER_REAL, 20000, 20000);
    while (alrm < 5)
        pause();
    arm(ITIMER_REAL, 0, 0);
    check(alrm >= 5, "REAL interval 20 ms: fires again and again");
    struct itimerval cur;
    getitimer(ITIMER_REAL, &cur);
    check(us(&cur.it_value) == 0, "and disarmed stays quiet");

    alrm = 0;
    arm(ITIMER_REAL, 30000, 0);
    volatile unsigned long spin = 0;
    while (!alrm)
        spin++;
    check(alrm == 1, "SIGALRM reaches a process that never sleeps");
}

static void cpu_timers(void)
{
    volatile unsigned long spin = 0;
    vtalrm = 0;
    check(arm(ITIMER_VIRTUAL, 50000, 0) == 0, "setitimer VIRTUAL 50 ms");
    while (!vtalrm)
        spin++;
    check(vtalrm == 1, "ITIMER_VIRTUAL fires under a busy loop");
    struct itimerval cur;
    getitimer(ITIMER_VIRTUAL, &cur);
    check(us(&cur.it_value) == 0, "one-shot VIRTUAL is disarmed after firing");

    prof = 0;
    check(arm(ITIMER_PROF, 10000, 10000) == 0, "setitimer PROF 10 ms, interval 10 ms");
    while (prof < 3)
        spin++;
    arm(ITIMER_PROF, 0, 0);
    check(prof >= 3, "ITIMER_PROF fires again and again under a busy loop");

    /* Sleeping uses no CPU time: a VIRTUAL timer hardly moves. */
    vtalrm = 0;
    arm(ITIMER_VIRTUAL, 400000, 0);
    struct timespec req = {0, 100 * 1000 * 1000};
    nanosleep(&req, NULL);
    getitimer(ITIMER_VIRTUAL, &cur);
    /* (Linux rounds CPU timers up to its tick: a little above 400 ms.) */
    check(us(&cur.it_value) > 200000 && us(&cur.it_value) <= 500000,
          "VIRTUAL does not run while the process sleeps");
    arm(ITIMER_VIRTUAL, 0, 0);
    check(vtalrm == 0, "no SIGVTALRM after disarming");
}

static void blocked(void)
{
    sigset_t set, old, pend;
    sigemptyset(&set);
    sigaddset(&set, SIGALRM);
    sigprocmask(SIG_BLOCK, &set, &old);
    alrm = 0;
    arm(ITIMER_REAL, 10000, 0);
    struct timespec req = {0, 100 * 1000 * 1000};
    check(nanosleep(&req, NULL) == 0, "a blocked SIGALRM does not interrupt nanosleep");
    sigpending(&pend);
    check(sigismember(&pend, SIGALRM) && alrm == 0, "and stays pending");
    sigprocmask(SIG_SETMASK, &old, NULL);
    check(alrm == 1, "unblocked: the handler runs");
}

static void with_children(void)
{
    /* fork: the child has no timer; the parent keeps its own. */
    arm(ITIMER_REAL, 10000000, 0);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        struct itimerval cur;
        getitimer(ITIMER_REAL, &cur);
        _exit(us(&cur.it_value) == 0 ? 0 : 1);
    }
    int st;
    check(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
          "fork: the child inherits no timer");
    struct itimerval cur;
    getitimer(ITIMER_REAL, &cur);
    check(us(&cur.it_value) > 0, "fork: the parent keeps its timer");
    arm(ITIMER_REAL, 0, 0);

    /* SIGALRM's default action ends the process; the parent sleeps in
     * wait4 meanwhile (every process of the node asleep). */
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        signal(SIGALRM, SIG_DFL);
        arm(ITIMER_REAL, 20000, 0);
        pause();
        _exit(0);
    }
    check(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM,
          "SIGALRM by default ends the process");
}

static void bad_args(void)
{
    struct itimerval v = {{0, 0}, {1, 0}}, cur;
    errno = 0;
    check(setitimer(3, &v, NULL) == -1 && errno == EINVAL, "setitimer(3) -> EINVAL");
    v.it_value.tv_usec = 1000000;
    errno = 0;
    check(setitimer(ITIMER_REAL, &v, NULL) == -1 && errno == EINVAL,
          "setitimer tv_usec 1000000 -> EINVAL");
    v.it_value = (struct timeval){-1, 0};
    errno = 0;
    check(setitimer(ITIMER_REAL, &v, NULL) == -1 && errno == EINVAL,
          "setitimer negative tv_sec -> EINVAL");
    v.it_value = (struct timeval){0, 0};
    v.it_interval.tv_usec = -1;
    errno = 0;
    check(setitimer(ITIMER_REAL, &v, NULL) == -1 && errno == EINVAL,
          "setitimer negative interval -> EINVAL");
    errno = 0;
    check(getitimer(7, &cur) == -1 && errno == EINVAL, "getitimer(7) -> EINVAL");
    errno = 0;
    check(syscall(SYS_getitimer, ITIMER_REAL, (void *)8) == -1 && errno == EFAULT,
          "getitimer to a bad pointer -> EFAULT");
    errno = 0;
    check(syscall(SYS_setitimer, ITIMER_REAL, (void *)8, NULL) == -1 && errno == EFAULT,
          "setitimer from a bad pointer -> EFAULT");
}

static int run_all(void)
{
    handle(SIGALRM, 0);
    handle(SIGVTALRM, SA_RESTART);
    handle(SIGPROF, SA_RESTART);
    alarm_pause();
    real_values();
    real_interval();
    cpu_timers();
    blocked();
    with_children();
    bad_args();
    printf("failures: %d\n", failures);
    return failures ? 1 : 0;
}

#ifdef SYMUNIX_ONNODE
#include "onnode.h"
#else
int main(void)
{
    return run_all();
}
#endif
