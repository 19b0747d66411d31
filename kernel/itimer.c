/*
 * itimer.c — interval timers: setitimer and getitimer (glibc's alarm() is
 * setitimer(ITIMER_REAL) on riscv64), and what the scheduler asks of them.
 * The state is the process's (struct k_itimers in k_proc); docs/kernel.md
 * "Interval timers" is the description.
 *
 * ITIMER_REAL is a CLOCK_MONOTONIC deadline: the process goes on the node's
 * list of timed processes (k_timed_add, proc.c), whose walk (wake_expired)
 * calls k_itimer_fire when it is due, also while every process of the node
 * sleeps. ITIMER_VIRTUAL and ITIMER_PROF count emulated CPU time: the
 * instructions the process retires, one nanosecond each; the scheduler cuts
 * a turn's budget where one would expire (k_itimer_budget) and charges what
 * ran (k_itimer_charge), so the signal comes at that instruction.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "kernel/proc.h"

enum { G_ITIMER_REAL = 0, G_ITIMER_VIRTUAL = 1, G_ITIMER_PROF = 2 };

#define NS_PER_S  1000000000ull
#define NS_PER_US 1000ull

/* struct itimerval of Linux riscv64: two timevals of two longs. */
struct g_itimerval {
    int64_t interval_sec, interval_usec;
    int64_t value_sec, value_usec;
};

static void post(struct k_proc *p, int sig)
{
    siginfo_t si;
    memset(&si, 0, sizeof si);
    si.si_signo = sig;
    si.si_code = SI_KERNEL; /* as Linux sends the timers' signals */
    k_signal_post(p, sig, &si);
}

void k_itimer_fire(struct k_proc *p, uint64_t now)
{
    struct k_itimers *t = &p->itimer;
    if (!t->real_due || t->real_due > now) return;
    if (p->state == K_ZOMBIE || p->stub) {
        t->real_due = 0;
        return;
    }
    post(p, SIGALRM);
    if (!t->real_interval) {
        t->real_due = 0;
        return;
    }
    /* The next expiry after now (missed ones are one signal: not queued). */
    t->real_due += t->real_interval * (1 + (now - t->real_due) / t->real_interval);
}

uint64_t k_itimer_budget(const struct k_proc *p, uint64_t budget)
{
    for (int i = 0; i < 2; i++) {
        uint64_t left = p->itimer.cpu_left[i];
        if (left && left < budget) budget = left;
    }
    return budget ? budget : 1;
}

void k_itimer_charge(struct k_proc *p, uint64_t n)
{
    static const int sig[2] = {SIGVTALRM, SIGPROF};
    struct k_itimers *t = &p->itimer;
    for (int i = 0; i < 2; i++) {
        if (!t->cpu_left[i]) continue;
        if (n < t->cpu_left[i]) {
            t->cpu_left[i] -= n;
            continue;
        }
        uint64_t over = n - t->cpu_left[i]; /* the hart stops at block ends */
        if (p->state != K_ZOMBIE) post(p, sig[i]);
        uint64_t iv = t->cpu_interval[i];
        t->cpu_left[i] = iv ? (over < iv ? iv - over : 1) : 0;
    }
}

/* A timeval to ns: -EINVAL unless 0 <= sec and 0 <= usec < 10^6 (Linux). */
static int tv_ns(int64_t sec, int64_t usec, uint64_t *ns)
{
    if (sec < 0 || usec < 0 || usec >= 1000000) return -EINVAL;
    if ((uint64_t)sec > UINT64_MAX / NS_PER_S / 2) sec = (int64_t)(UINT64_MAX / NS_PER_S / 2);
    *ns = (uint64_t)sec * NS_PER_S + (uint64_t)usec * NS_PER_US;
    return 0;
}

static void ns_tv(uint64_t ns, int64_t *sec, int64_t *usec)
{
    *sec = (int64_t)(ns / NS_PER_S);
    *usec = (int64_t)(ns % NS_PER_S / NS_PER_US);
}

/* The timer `which` of p as getitimer reports it. */
static void current(struct k_proc *p, int which, struct g_itimerval *out)
{
    const struct k_itimers *t = &p->itimer;
    uint64_t value = 0, interval;
    if (which == G_ITIMER_REAL) {
        interval = t->real_interval;
        if (t->real_due) {
            uint64_t now = k_now_ns();
            /* Due but not yet fired: Linux reports 1 µs, never 0 for an armed timer. */
            value = t->real_due > now + NS_PER_US ? t->real_due - now : NS_PER_US;
        }
    } else {
        interval = t->cpu_interval[which - 1];
        value = t->cpu_left[which - 1];
        if (value && value < NS_PER_US) value = NS_PER_US;
    }
    ns_tv(interval, &out->interval_sec, &out->interval_usec);
    ns_tv(value, &out->value_sec, &out->value_usec);
}

/* getitimer(which, value) */
int64_t sys_getitimer(struct k_proc *p, const uint64_t a[6])
{
    int which = (int)a[0];
    if (which < G_ITIMER_REAL || which > G_ITIMER_PROF) return -EINVAL;
    struct g_itimerval v;
    current(p, which, &v);
    return k_copyout(p, a[1], &v, sizeof v) ? -EFAULT : 0;
}

/*
 * setitimer(which, new, old): new NULL disarms (a Linux misfeature kept for
 * old programs); a zero value disarms, and then the interval is zero too.
 * The old value is written after the change (a bad pointer: EFAULT, the
 * timer changed all the same, as on Linux).
 */
int64_t sys_setitimer(struct k_proc *p, const uint64_t a[6])
{
    int which = (int)a[0];
    struct g_itimerval nv, ov;
    uint64_t value = 0, interval = 0;
    memset(&nv, 0, sizeof nv);
    if (a[1] && k_copyin(p, &nv, a[1], sizeof nv)) return -EFAULT;
    if (tv_ns(nv.value_sec, nv.value_usec, &value) ||
        tv_ns(nv.interval_sec, nv.interval_usec, &interval))
        return -EINVAL;
    if (which < G_ITIMER_REAL || which > G_ITIMER_PROF) return -EINVAL;
    current(p, which, &ov);
    if (!value) interval = 0;
    struct k_itimers *t = &p->itimer;
    if (which == G_ITIMER_REAL) {
        t->real_interval = interval;
        t->real_due = value ? k_now_ns() + value : 0;
        if (value) k_timed_add(p, t->real_due);
    } else {
        t->cpu_interval[which - 1] = interval; /* ns = instructions */
        t->cpu_left[which - 1] = value;
    }
    return a[2] && k_copyout(p, a[2], &ov, sizeof ov) ? -EFAULT : 0;
}
