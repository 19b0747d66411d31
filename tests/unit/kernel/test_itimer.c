/*
 * test_itimer.c — the interval timers' arithmetic (itimer.c) and their place
 * on the scheduler's list of timed processes (proc.c k_timed_add): the CPU
 * timers cut a turn's budget and fire at their instruction, re-arm by their
 * interval minus the overshoot of the hart's block ends, and stay quiet when
 * disarmed; ITIMER_REAL fires once per due time however many intervals were
 * missed (a standard signal is not queued), and a zombie's timer is
 * disarmed instead of fired; a process with a timer is listed once.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <string.h>

#include "kernel/syscalls.h"

static struct k_kernel kern;
static struct k_proc pr[2];

#define PENDING(p, sig) (((p)->sigpending >> ((sig)-1)) & 1)

static void setup(void)
{
    memset(&kern, 0, sizeof kern);
    memset(pr, 0, sizeof pr);
    for (int i = 0; i < 2; i++) {
        pr[i].k = &kern;
        pr[i].pid = 10 + i;
        pr[i].state = K_RUNNABLE;
    }
}

TestSuite(itimer, .init = setup);

Test(itimer, budget_is_cut_by_the_nearest_cpu_timer)
{
    struct k_proc *p = &pr[0];
    cr_expect_eq(k_itimer_budget(p, 1000), 1000); /* none armed */
    p->itimer.cpu_left[0] = 300;
    p->itimer.cpu_left[1] = 200;
    cr_expect_eq(k_itimer_budget(p, 1000), 200);
    cr_expect_eq(k_itimer_budget(p, 100), 100);
    cr_expect_eq(k_itimer_budget(p, 0), 1); /* never a zero budget */
}

Test(itimer, virtual_fires_at_its_instruction_and_rearms_less_the_overshoot)
{
    struct k_proc *p = &pr[0];
    p->itimer.cpu_left[0] = 100;
    p->itimer.cpu_interval[0] = 50;
    k_itimer_charge(p, 99);
    cr_expect(!PENDING(p, SIGVTALRM));
    cr_expect_eq(p->itimer.cpu_left[0], 1);
    k_itimer_charge(p, 5); /* 4 past the expiry (a block's end) */
    cr_expect(PENDING(p, SIGVTALRM));
    cr_expect_eq(p->siginfo[SIGVTALRM].si_code, SI_KERNEL);
    cr_expect_eq(p->itimer.cpu_left[0], 46);
    cr_expect(!PENDING(p, SIGPROF));
}

Test(itimer, one_shot_prof_disarms_after_firing)
{
    struct k_proc *p = &pr[0];
    p->itimer.cpu_left[1] = 10;
    k_itimer_charge(p, 10);
    cr_expect(PENDING(p, SIGPROF));
    cr_expect_eq(p->itimer.cpu_left[1], 0);
    p->sigpending = 0;
    k_itimer_charge(p, 1000000);
    cr_expect(!PENDING(p, SIGPROF));
}

Test(itimer, real_fires_once_for_missed_intervals_and_stays_in_phase)
{
    struct k_proc *p = &pr[0];
    p->itimer.real_due = 1000;
    p->itimer.real_interval = 100;
    k_itimer_fire(p, 999); /* not due */
    cr_expect(!PENDING(p, SIGALRM));
    k_itimer_fire(p, 1350); /* 1000, 1100, 1200, 1300 missed: one signal */
    cr_expect(PENDING(p, SIGALRM));
    cr_expect_eq(p->itimer.real_due, 1400);
    p->itimer.real_interval = 0;
    k_itimer_fire(p, 1400);
    cr_expect_eq(p->itimer.real_due, 0); /* one shot: disarmed */
}

Test(itimer, a_zombie_timer_is_disarmed_not_fired)
{
    struct k_proc *p = &pr[0];
    p->state = K_ZOMBIE;
    p->itimer.real_due = 5;
    p->itimer.real_interval = 5;
    k_itimer_fire(p, 10);
    cr_expect(!PENDING(p, SIGALRM));
    cr_expect_eq(p->itimer.real_due, 0);
}

Test(itimer, an_armed_process_is_timed_once_and_the_hint_is_the_earliest)
{
    k_timed_add(&pr[0], 500);
    k_timed_add(&pr[0], 300);
    k_timed_add(&pr[1], 400);
    cr_expect_eq(kern.ntimed, 2);
    cr_expect_eq(kern.timer_hint, 300);
    k_untime(&pr[0]);
    cr_expect_eq(kern.ntimed, 1);
    cr_expect_eq(kern.timed[0], &pr[1]);
}
