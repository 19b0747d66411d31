/*
 * test_proc.c — the pieces of proc.c that decide who runs and who is reaped:
 * the FIFO run queue (order, double push, removal from the middle and the
 * tail), k_wake (only SLEEPING processes move), wait4's child selection
 * for each form of pid, the list of timed sleepers the timer walks, and
 * k_proc_find not seeing a zombie nobody will wait for.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "kernel/syscalls.h"

static struct k_kernel kern;
static struct k_proc pr[4];

static void setup(void)
{
    memset(&kern, 0, sizeof kern);
    memset(pr, 0, sizeof pr);
    for (int i = 0; i < 4; i++) {
        pr[i].k = &kern;
        pr[i].pid = 10 + i;
        pr[i].state = K_RUNNABLE;
    }
}

TestSuite(proc, .init = setup);

Test(proc, run_queue_is_fifo_and_push_is_idempotent)
{
    k_rq_push(&kern, &pr[0]);
    k_rq_push(&kern, &pr[1]);
    k_rq_push(&kern, &pr[0]); /* already queued: stays first, not twice */
    k_rq_push(&kern, &pr[2]);
    cr_expect_eq(k_rq_pop(&kern), &pr[0]);
    cr_expect_eq(k_rq_pop(&kern), &pr[1]);
    k_rq_push(&kern, &pr[0]); /* round robin: back at the tail */
    cr_expect_eq(k_rq_pop(&kern), &pr[2]);
    cr_expect_eq(k_rq_pop(&kern), &pr[0]);
    cr_expect_null(k_rq_pop(&kern));
    cr_expect_null(kern.rq_tail);
}

Test(proc, remove_from_middle_and_tail_keeps_the_queue_whole)
{
    for (int i = 0; i < 4; i++)
        k_rq_push(&kern, &pr[i]);
    k_rq_remove(&kern, &pr[1]);
    k_rq_remove(&kern, &pr[3]); /* the tail: the new tail is pr[2] */
    k_rq_remove(&kern, &pr[3]); /* not queued: nothing happens */
    cr_expect_eq(kern.rq_tail, &pr[2]);
    k_rq_push(&kern, &pr[1]);
    cr_expect_eq(k_rq_pop(&kern), &pr[0]);
    cr_expect_eq(k_rq_pop(&kern), &pr[2]);
    cr_expect_eq(k_rq_pop(&kern), &pr[1]);
    cr_expect_null(k_rq_pop(&kern));
    cr_expect(!pr[1].on_rq && !pr[3].on_rq);
}

Test(proc, wake_moves_only_sleepers)
{
    pr[0].state = K_SLEEPING;
    pr[1].state = K_ZOMBIE;
    pr[2].state = K_RUNNING;
    for (int i = 0; i < 3; i++)
        k_wake(&pr[i]);
    cr_expect_eq(pr[0].state, K_RUNNABLE);
    cr_expect_eq(pr[1].state, K_ZOMBIE);
    cr_expect_eq(pr[2].state, K_RUNNING);
    cr_expect_eq(k_rq_pop(&kern), &pr[0]);
    cr_expect_null(k_rq_pop(&kern));
}

Test(proc, wait_matching_by_pid_forms)
{
    struct k_proc c = {.pid = 7, .ppid = 5, .pgid = 20};
    cr_expect(k_wait_match(&c, 5, 20, -1), "-1: any child");
    cr_expect(k_wait_match(&c, 5, 20, 7), "pid: that child");
    cr_expect(!k_wait_match(&c, 5, 20, 8), "another pid");
    cr_expect(k_wait_match(&c, 5, 20, 0), "0: same group as the caller");
    cr_expect(!k_wait_match(&c, 5, 21, 0), "0: the caller in another group");
    cr_expect(k_wait_match(&c, 5, 99, -20), "< -1: group 20");
    cr_expect(!k_wait_match(&c, 5, 20, -21), "< -1: another group");
    cr_expect(!k_wait_match(&c, 6, 20, -1), "not a child of the caller");
    cr_expect(!k_wait_match(&c, 6, 20, 7), "not a child, even by pid");
}

Test(proc, timed_sleepers_are_listed_once_and_leave_when_freed)
{
    pr[0].state = pr[1].state = pr[2].state = K_SLEEPING;
    pr[0].blk.deadline = 5000;
    pr[1].blk.deadline = 3000;
    k_note_sleep(&pr[0]);
    k_note_sleep(&pr[0]); /* slept again: still listed once */
    cr_expect_eq(kern.ntimed, 1);
    cr_expect_eq(kern.timer_hint, 5000);
    k_note_sleep(&pr[1]);
    cr_expect_eq(kern.timer_hint, 3000, "the earliest deadline");
    k_note_sleep(&pr[2]); /* no deadline: not a timed sleeper */
    cr_expect_eq(kern.ntimed, 2);
    cr_expect(!pr[2].timed);
    k_untime(&pr[0]);
    cr_expect_eq(kern.ntimed, 1);
    cr_expect_eq(kern.timed[0], &pr[1]);
    cr_expect(!pr[0].timed && pr[1].timed);
    k_untime(&pr[0]); /* not listed: nothing happens */
    cr_expect_eq(kern.ntimed, 1);
}

Test(proc, find_does_not_see_a_zombie_nobody_waits_for)
{
    pr[0].next = &pr[1];
    pr[1].next = &pr[2];
    kern.procs = &pr[0];
    pr[1].state = pr[2].state = K_ZOMBIE;
    pr[1].reap = true;
    cr_expect_null(k_proc_find(&kern, pr[1].pid), "released at exit, as in Linux");
    cr_expect_eq(k_proc_find(&kern, pr[2].pid), &pr[2], "a zombie to wait for is there");
    cr_expect_eq(k_proc_find(&kern, pr[0].pid), &pr[0]);
}
