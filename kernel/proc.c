/*
 * proc.c — the processes of one node: the run queue and the round-robin
 * scheduler that shares the node's one PE among them, sleeping calls and their
 * wake-ups, process creation by clone (fork, vfork) and by spawn (a family of
 * n children in one call, the Symunix II generalisation of fork), and the end
 * of a process (zombies, orphans, SIGCHLD). docs/kernel.md "Processes" is the
 * description; processes are allocated and freed here too (k_proc_new,
 * k_proc_free); exec is exec.c's, beside the initial-stack builder.
 *
 * Scheduling: RUNNABLE processes wait in a FIFO. The head runs for at most
 * cfg.quantum retired instructions (system calls do not end its turn unless
 * they sleep, exit or sched_yield), then goes to the tail. A sleeping process
 * is on no queue: k_wake or its deadline puts it back. When nobody is runnable
 * the node waits in the network engine (serving this rank's switches and MM)
 * or, without one, sleeps on the host, until the earliest deadline, in slices
 * short enough that kill requests are seen without spinning. A stop at an
 * access to global memory goes to gmem.c (k_net_access, k_net_fetch,
 * k_net_cbo); the network's turn between turns delivers the replies
 * (k_net_reap).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

#include "interconnect/net.h"
#include "kernel/guest_abi.h"
#include "kernel/proc.h"
#include "symunix/abi.h"

/* The flags clone accepts (CLONE_VM only together with CLONE_VFORK). */
#define CLONE_OK                                                                                   \
    (G_CSIGNAL | G_CLONE_VM | G_CLONE_FS | G_CLONE_VFORK | G_CLONE_SYSVSEM | G_CLONE_SETTLS |      \
     G_CLONE_PARENT_SETTID | G_CLONE_CHILD_CLEARTID | G_CLONE_DETACHED | G_CLONE_UNTRACED |        \
     G_CLONE_CHILD_SETTID)

uint64_t k_now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

/* Stand-ins of children on other nodes are not processes of the node. */
struct k_proc *k_proc_find(struct k_kernel *k, int pid)
{
    for (struct k_proc *q = k->procs; q; q = q->next)
        if (q->pid == pid && !q->stub && !k_proc_gone(q)) return q;
    return NULL;
}

/* ---- Run queue ------------------------------------------------------------- */

void k_rq_push(struct k_kernel *k, struct k_proc *p)
{
    if (p->on_rq) return;
    p->on_rq = true;
    p->rq_next = NULL;
    if (k->rq_tail)
        k->rq_tail->rq_next = p;
    else
        k->rq_head = p;
    k->rq_tail = p;
}

struct k_proc *k_rq_pop(struct k_kernel *k)
{
    struct k_proc *p = k->rq_head;
    if (!p) return NULL;
    k->rq_head = p->rq_next;
    if (!k->rq_head) k->rq_tail = NULL;
    p->rq_next = NULL;
    p->on_rq = false;
    return p;
}

void k_rq_remove(struct k_kernel *k, struct k_proc *p)
{
    if (!p->on_rq) return;
    struct k_proc **pp = &k->rq_head, *prev = NULL;
    while (*pp && *pp != p) {
        prev = *pp;
        pp = &(*pp)->rq_next;
    }
    if (*pp) *pp = p->rq_next;
    if (k->rq_tail == p) k->rq_tail = prev;
    p->rq_next = NULL;
    p->on_rq = false;
}

void k_wake(struct k_proc *p)
{
    /* A process waiting for a global-memory reply wakes only with the reply
     * (the instruction must retire exactly once; a signal waits for it). */
    if (p->state != K_SLEEPING || p->net.pending) return;
    p->state = K_RUNNABLE;
    k_rq_push(p->k, p);
}

bool k_wait_match(const struct k_proc *child, int parent_pid, int parent_pgid, int pid)
{
    if (child->ppid != parent_pid) return false;
    if (pid > 0) return child->pid == pid;
    if (pid == -1) return true;
    if (pid == 0) return child->pgid == parent_pgid;
    return child->pgid == -pid;
}

/* ---- The end of a process ------------------------------------------------- */

void k_reap_later(struct k_proc *p)
{
    p->reap = true;
    p->k->sweep_due = true;
}

/* Free zombies marked for reaping (none of them is running). */
static void sweep(struct k_kernel *k)
{
    if (!k->sweep_due) return;
    k->sweep_due = false;
    struct k_proc *q = k->procs;
    while (q) {
        struct k_proc *next = q->next;
        if (q->state == K_ZOMBIE && q->reap) {
            if (q != k->current && q != k->init)
                k_proc_free(q);
            else
                k->sweep_due = true; /* not yet: look again */
        }
        q = next;
    }
}

/* Does parent want no zombies (SIGCHLD ignored explicitly, or SA_NOCLDWAIT)? */
static bool parent_autoreaps(const struct k_proc *parent)
{
    const struct k_sigaction *a = &parent->sigact[SIGCHLD];
    return a->handler == 1 /* SIG_IGN */ || (a->flags & 2 /* SA_NOCLDWAIT */);
}

/* Tell p's parent that p ended (or mark p for reaping when nobody will wait);
 * a parent on another node hears it from remote.c. */
void k_notify_parent(struct k_proc *p)
{
    if (p == p->k->init) return; /* k_run reports it */
    if (!p->stub && k_pid_remote(p->k, p->ppid)) {
        k_remote_exit(p);
        return;
    }
    struct k_proc *parent = p->ppid ? k_proc_find(p->k, p->ppid) : NULL;
    if (!parent || parent->state == K_ZOMBIE || parent_autoreaps(parent)) {
        k_reap_later(p);
        if (parent) k_wake(parent); /* a wait4 there may now find no child: ECHILD */
        return;
    }
    if (p->exit_signal > 0 && p->exit_signal <= K_NSIG) {
        siginfo_t si;
        memset(&si, 0, sizeof si);
        si.si_signo = p->exit_signal;
        if (WIFEXITED(p->wstatus)) {
            si.si_code = CLD_EXITED;
            si.si_status = WEXITSTATUS(p->wstatus);
        } else {
            si.si_code = (p->wstatus & K_WCOREFLAG) ? CLD_DUMPED : CLD_KILLED;
            si.si_status = WTERMSIG(p->wstatus);
        }
        si.si_pid = p->pid;
        k_signal_post(parent, p->exit_signal, &si);
    }
    k_wake(parent);
}

/* Give p's children to the initial process (or, when it is gone, is p or is
 * on another node, to nobody: they are reaped when they end). A child on
 * another node learns its new parent from remote.c. */
static void reparent_children(struct k_proc *p)
{
    struct k_kernel *k = p->k;
    struct k_proc *init = k->init;
    bool adopt = init && init != p && init->state != K_ZOMBIE;
    for (struct k_proc *q = k->procs; q; q = q->next) {
        if (q->ppid != p->pid || q == p) continue;
        q->ppid = adopt ? init->pid : 0;
        if (q->state == K_REMOTE) {
            k_remote_reparent(k, q->pid, q->rnode, q->ppid);
            if (!adopt) { /* its exit will find nobody: forget it */
                q->state = K_ZOMBIE;
                k_reap_later(q);
            }
            continue;
        }
        if (q->state != K_ZOMBIE) continue;
        if (adopt)
            k_wake(init);
        else
            k_reap_later(q);
    }
}

/* Children a spawn made on this node but has not started (it waits for
 * other nodes): they never run. */
static void drop_unstarted(struct k_proc *p)
{
    for (int i = 0; p->rpc.pids && i < K_SPAWN_MAX; i++) {
        struct k_proc *c = p->rpc.pids[i] ? k_proc_find(p->k, p->rpc.pids[i]) : NULL;
        if (c && c->state == K_EMBRYO) k_proc_free(c);
    }
}

void k_proc_exit(struct k_proc *p, int wstatus)
{
    if (p->state == K_ZOMBIE || p->stub) return;
    struct k_kernel *k = p->k;
    drop_unstarted(p);
    k_rpc_end(p);
    if (p->state == K_SLEEPING && p->blk.fn && p->has_saved_mask) p->sigmask = p->saved_mask;
    p->blk = (struct k_block){0};
    k_fifo_abandon(p); /* an open waiting for a FIFO's other end */
    k_net_unwait(p);   /* a reply still on its way is dropped (k_net_reap) */
    k_rq_remove(k, p);
    p->wstatus = wstatus;
    p->state = K_ZOMBIE;
    p->k->sweep_due = true;
    k->nlive--;
    if (WIFSIGNALED(wstatus)) k_files_abnormal(p); /* an abnormal end */
    k_files_close_all(p);
    k_vm_free(p);
    p->sigpending = 0;
    if (p->vfork_parent) {
        p->vfork_parent->vfork_child = NULL;
        k_wake(p->vfork_parent);
        p->vfork_parent = NULL;
    }
    if (p->vfork_child) p->vfork_child->vfork_parent = NULL;
    p->vfork_child = NULL;
    reparent_children(p);
    k_notify_parent(p);
}

/* ---- Scheduler -------------------------------------------------------------- */

/* Take k->timed[i] out of the list of timed sleepers (its last one moves in). */
static void untime(struct k_kernel *k, int i)
{
    k->timed[i]->timed = false;
    k->timed[i] = k->timed[--k->ntimed];
}

void k_untime(struct k_proc *p)
{
    struct k_kernel *k = p->k;
    for (int i = 0; p->timed && i < k->ntimed; i++)
        if (k->timed[i] == p) untime(k, i);
}

/* What q waits for next on the timed list: its sleep's deadline or its
 * ITIMER_REAL, whichever comes first (0: neither). */
static uint64_t timed_next(const struct k_proc *q)
{
    uint64_t d = q->state == K_SLEEPING ? q->blk.deadline : 0, r = q->itimer.real_due;
    return !d || (r && r < d) ? r : d;
}

/* Wake the sleepers whose deadline passed and fire the ITIMER_REALs that are
 * due; returns the earliest deadline still ahead (0: none). Only processes
 * that slept with a deadline or armed a timer are looked at: one parent
 * polling with nanosleep must not make every turn of its node walk a
 * thousand workers. */
static uint64_t wake_expired(struct k_kernel *k)
{
    if (!k->timer_hint) return 0;
    uint64_t now = k_now_ns(), next = 0;
    if (now < k->timer_hint) return k->timer_hint; /* nothing due */
    for (int i = 0; i < k->ntimed;) {
        struct k_proc *q = k->timed[i];
        k_itimer_fire(q, now); /* SIGALRM wakes q when it does not block it */
        if (q->state == K_SLEEPING && q->blk.deadline && q->blk.deadline <= now) k_wake(q);
        uint64_t d = timed_next(q);
        if (!d) {
            untime(k, i); /* woken, disarmed or ended meanwhile */
            continue;
        }
        if (!next || d < next) next = d;
        i++;
    }
    k->timer_hint = next;
    return next;
}

void k_timed_add(struct k_proc *p, uint64_t when)
{
    struct k_kernel *k = p->k;
    if (!k->timer_hint || when < k->timer_hint) k->timer_hint = when;
    if (!p->timed) { /* at most K_NPROC_MAX processes, each once */
        p->timed = true;
        k->timed[k->ntimed++] = p;
    }
}

/* p went to sleep in a call: keep the scheduler's hints true (k_kernel). */
void k_note_sleep(struct k_proc *p)
{
    if (p->blk.deadline) k_timed_add(p, p->blk.deadline);
    if (p->blk.events || p->blk.nhostv) p->k->fd_sleepers = true;
}

/*
 * Wait up to timeout_ms (0: just look) for the host descriptors sleepers wait
 * on (a pipe, a terminal: sys_rw.c's io gate, or poll/select's several:
 * sys_poll.c), and wake those that became ready (their call looks again).
 * Returns false when no sleeper waits on a descriptor (nothing was waited for).
 */
static bool wake_ready_fds(struct k_kernel *k, int timeout_ms)
{
    struct pollfd sfds[64], *fds = sfds;
    struct k_proc *swho[64], **who = swho;
    size_t n = 0, cap = 64;
    if (!k->fd_sleepers) return false;
    for (struct k_proc *q = k->procs; q; q = q->next) {
        if (q->state != K_SLEEPING || (!q->blk.events && !q->blk.nhostv)) continue;
        size_t m = q->blk.nhostv ? (size_t)q->blk.nhostv : 1;
        if (n + m > cap) { /* many descriptors: a heap array for this walk */
            size_t ncap = 2 * (n + m);
            struct pollfd *nf = malloc(ncap * sizeof *nf);
            struct k_proc **nw = malloc(ncap * sizeof *nw);
            if (!nf || !nw) {
                free(nf);
                free(nw);
                k_wake(q); /* its call looks for itself (and sleeps again) */
                continue;
            }
            memcpy(nf, fds, n * sizeof *fds);
            memcpy(nw, who, n * sizeof *who);
            if (fds != sfds) {
                free(fds);
                free(who);
            }
            fds = nf;
            who = nw;
            cap = ncap;
        }
        if (q->blk.nhostv)
            memcpy(fds + n, q->blk.hostv, m * sizeof *fds);
        else
            fds[n] = (struct pollfd){.fd = q->blk.hostfd, .events = q->blk.events};
        for (size_t j = 0; j < m; j++)
            who[n + j] = q;
        n += m;
    }
    if (!n) {
        k->fd_sleepers = false;
        return false;
    }
    if (poll(fds, (nfds_t)n, timeout_ms) > 0)
        for (size_t i = 0; i < n; i++)
            if (fds[i].revents) k_wake(who[i]);
    if (fds != sfds) {
        free(fds);
        free(who);
    }
    return true;
}

static void net_poll(struct k_kernel *k);

/* While processes are runnable, the network's turn (and the scheduler's
 * walks over all processes) comes at most this often. */
#define NET_POLL_NS    25000
#define NET_POLL_TURNS 8

/* Do other node kernels talk to this one? (Their messages cut the idle wait
 * short: net_eng_wait returns when one is waiting.) */
static bool distributed(const struct k_kernel *k)
{
    return k->cfg.net && k->cfg.nodes > 1;
}

/* Nothing to run: sleep on the host until the earliest deadline (at most 1 s;
 * a host signal cuts it short), or until a descriptor a sleeper waits on is
 * ready. */
static void idle(struct k_kernel *k)
{
    uint64_t next = wake_expired(k);
    if (k->rq_head || k->kill_sig) return;
    uint64_t now = k_now_ns(), span = 1000000000ull;
    if (next && next <= now) return; /* passed meanwhile: wake it on the next round */
    if (next && next - now < span) span = next - now;
    if (k->cfg.eng) {
        /* The engine's wait sleeps with a back-off while serving this rank's
         * switches and MM; short slices keep descriptors and kill requests
         * heard (2 ms while a sleeper waits on a descriptor, else 20 ms). */
        uint64_t cap = wake_ready_fds(k, 0) ? 2000 : NET_IDLE_MAX_US, us = span / 1000;
        if (us > cap) us = cap;
        int rc = net_eng_wait(k->cfg.eng, (uint32_t)(us ? us : 1));
        if (rc < 0 && !k->net_err) {
            k->net_err = rc;
            k_request_kill(k, SIGKILL);
        }
        net_poll(k);
        return;
    }
    if (wake_ready_fds(k, (int)((span + 999999) / 1000000))) return;
    struct timespec t = {(time_t)(span / 1000000000ull), (long)(span % 1000000000ull)};
    nanosleep(&t, NULL);
}

/* Call again the sleeping call of a woken process; false if it still sleeps. */
static bool retry_call(struct k_proc *p)
{
    if (!p->blk.fn) return true;
    if (p->sigpending & (1ull << (SIGKILL - 1))) { /* killed: the call is abandoned */
        p->blk = (struct k_block){0};
        return true;
    }
    p->blk.retry = 1;
    int64_t ret = p->blk.fn(p, p->blk.a);
    if (ret == K_BLOCK) {
        p->blk.retry = 0;
        p->state = K_SLEEPING;
        k_note_sleep(p);
        return false;
    }
    uint64_t a0 = p->blk.a[0];
    p->blk = (struct k_block){0};
    k_syscall_finish(p, ret, a0);
    return true;
}

/*
 * The cache had no frame for the page p faulted on, with every other process
 * of the node swapped out (vm.c): p gives up its own pages and runs again,
 * refaulting only what the instruction needs. When that happens twice with no
 * instruction retired between, p alone cannot fit: it ends with SIGKILL.
 */
static void out_of_memory(struct k_proc *p, const struct rv_fault *f)
{
    uint64_t n = rv_instret(p->hart);
    if (p->vm.oom_repeat && p->vm.oom_instret == n) {
        struct k_stats st;
        k_get_stats(p->k, &st);
        fprintf(stderr,
                "symunix: pid %d: out of memory at %#llx (node memory %llu bytes; see --mem): "
                "killed\n",
                p->pid, (unsigned long long)f->addr, (unsigned long long)st.mem_bytes);
        k_proc_exit(p, SIGKILL);
        return;
    }
    p->vm.oom_repeat = 1;
    p->vm.oom_instret = n;
    k_vm_swap_out(p);
}

/* Between turns: move the network along, take replies, hear kill requests. */
static void net_poll(struct k_kernel *k)
{
    if (k->cfg.kill_poll) {
        int sig = k->cfg.kill_poll(k->cfg.kill_ctx);
        if (sig) k_request_kill(k, sig);
    }
    k_remote_poll(k);
    if (!k->cfg.eng) return;
    int rc = net_eng_progress(k->cfg.eng);
    if (rc < 0 && !k->net_err) {
        k->net_err = rc;
        k_request_kill(k, SIGKILL);
    }
    k_net_reap(k);
}

/* Turn a hart stop into a syscall or a signal. */
static void handle_stop(struct k_proc *p, enum rv_stop why, const struct rv_fault *f)
{
    uint64_t pc = rv_state(p->hart)->pc;
    switch (why) {
    case RV_STOP_BUDGET: break;
    case RV_STOP_ECALL: k_syscall(p); break;
    case RV_STOP_CBO: k_net_cbo(p, f); break; /* local memory: nothing to do */
    case RV_STOP_EBREAK: k_signal_fault(p, SIGTRAP, TRAP_BRKPT, pc); break;
    case RV_STOP_ILLEGAL: k_signal_fault(p, SIGILL, ILL_ILLOPC, pc); break;
    case RV_STOP_FAULT:
        if (f->err == -EREMOTE)
            k_net_access(p, f);
        else if (f->err == K_EFETCH)
            k_net_fetch(p, f);
        else if (f->err == -ENOMEM)
            out_of_memory(p, f);
        else if (f->err == K_EREFLUSH) /* vm.c put pins of p: its hart forgets them */
            rv_flush_all(p->hart);
        else if (f->err == -EBUSY)
            k_signal_fault(p, SIGBUS, BUS_ADRALN, f->addr);
        else if (f->err == 0 || f->err == -EFAULT || f->err == -EACCES)
            k_signal_fault(p, SIGSEGV, f->err == -EACCES ? SEGV_ACCERR : SEGV_MAPERR, f->addr);
        else /* the store could not page it (ENOSPC, EMFILE, EIO...) */
            k_vm_paging_failed(p, f->addr, f->err);
        break;
    }
}

/* One turn of p on the PE: up to a quantum of instructions. */
static void run_turn(struct k_kernel *k, struct k_proc *p)
{
    if (!retry_call(p)) return;
    uint64_t quantum = k->cfg.quantum, used = 0;
    k->current = p;
    p->state = K_RUNNING;
    p->yield = false;
    rv_clear_reservation(p->hart); /* a context switch, as Linux does */
    while (p->state == K_RUNNING && used < quantum && !k->kill_sig && !p->yield) {
        k_signal_deliver(p);
        if (p->state != K_RUNNING) break;
        struct rv_fault f;
        uint64_t before = rv_instret(p->hart);
        /* A CPU timer due sooner cuts the budget: its signal comes at its
         * instruction and the turn goes on (itimer.c). */
        uint64_t left = quantum - used, budget = k_itimer_budget(p, left);
        enum rv_stop why = rv_run(p->hart, budget, &f);
        uint64_t ran = rv_instret(p->hart) - before;
        used += ran;
        k_itimer_charge(p, ran);
        handle_stop(p, why, &f);
        if (why == RV_STOP_BUDGET && budget == left) break;
    }
    k->current = NULL;
    if (p->state == K_RUNNING) {
        p->state = K_RUNNABLE;
        k_rq_push(k, p);
    }
}

/* End every process of the node with signal sig (the job is being killed). */
static void kill_all(struct k_kernel *k, int sig)
{
    for (struct k_proc *q = k->procs; q; q = q->next)
        k_proc_exit(q, sig & 0x7f);
}

void k_sched_run(struct k_kernel *k)
{
    for (;;) {
        if (k->kill_sig) {
            /* Node 0 ends the job; another node asks node 0 to (a host signal
             * there, a network failure) and goes on until it is told. */
            kill_all(k, k->kill_sig);
            if (!distributed(k) || k->cfg.node == 0) break;
            net_job_kill_send(k->cfg.net, k->kill_sig);
            k->kill_sig = 0;
        }
        if (k_remote_done(k)) {
            if (k->job_ended) kill_all(k, SIGKILL); /* node 0 was killed */
            break;
        }
        struct k_proc *p = k_rq_pop(k);
        if (!p) {
            idle(k);
            continue;
        }
        run_turn(k, p);
        /* The network between turns, at most every NET_POLL_NS while others
         * are runnable: requests issued meanwhile wait together in the
         * switches' queues, where those to one word combine. The clock is
         * read every NET_POLL_TURNS turns (a turn that stops for a global
         * access is well under a microsecond). */
        if (k->rq_head && ++k->turns < NET_POLL_TURNS) continue;
        k->turns = 0;
        uint64_t now = k_now_ns();
        if (!k->rq_head || now - k->net_polled >= NET_POLL_NS) {
            k->net_polled = now;
            net_poll(k);
            /* The walks over every process, at the same pace (a node of many
             * processes would spend its time here after each short turn). */
            sweep(k);
            wake_expired(k);
            wake_ready_fds(k, 0);
        }
    }
    sweep(k);
}

/* ---- Allocating processes --------------------------------------------------- */

static void default_rlimits(struct k_proc *p)
{
    for (int i = 0; i < K_NRLIMIT; i++)
        p->rlim[i] = (struct k_rlimit){K_RLIM_INF, K_RLIM_INF};
    p->rlim[RLIMIT_STACK].cur = K_STACK_SIZE;
    p->rlim[RLIMIT_NOFILE] = (struct k_rlimit){K_NFILE, K_NFILE};
    p->rlim[RLIMIT_CORE].cur = 0;
}

struct k_proc *k_proc_new(struct k_kernel *k)
{
    struct k_proc *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->k = k;
    p->pid = k->cfg.node * K_PID_STRIDE + k->next_pid++;
    p->ppid = 0;
    p->pgid = p->sid = p->family = p->pid;
    p->exit_signal = SIGCHLD;
    k_vm_init(&p->vm);
    default_rlimits(p);
    p->hart = rv_hart_new(k_vm_translate, p);
    if (!p->hart) {
        free(p);
        return NULL;
    }
    p->next = k->procs;
    k->procs = p;
    k->nprocs++;
    k->nlive++; /* EMBRYO counts as alive until k_proc_exit or proc_free */
    return p;
}

/* Release everything a process holds (it must not be running). */
void k_proc_free(struct k_proc *p)
{
    struct k_kernel *k = p->k;
    if (p->net.inflight) k->net_waiter[p->net.slot] = NULL; /* its replies are dropped */
    free(p->net.fill);
    free(p->pollv);
    k_fifo_abandon(p);
    for (struct k_proc **pp = &k->procs; *pp; pp = &(*pp)->next) {
        if (*pp == p) {
            *pp = p->next;
            k->nprocs--;
            break;
        }
    }
    k_rq_remove(k, p);
    k_untime(p);
    k_rpc_end(p);
    if (k->init == p) k->init = NULL;
    if (p->state != K_ZOMBIE && !p->stub) {
        k->nlive--;
        k_files_close_all(p);
    }
    k_vm_free(p);
    if (p->hart) {
        struct rv_stats st;
        rv_get_stats(p->hart, &st);
        k->stats.instructions += st.instret;
        k->stats.tlb_misses += st.tlb_misses;
        k->stats.pages_decoded += st.pages_decoded;
        rv_hart_free(p->hart);
    }
    free(p);
}

/* ---- Creating processes ------------------------------------------------------ */

/* What a child takes over besides memory and descriptors. */
static void inherit(struct k_proc *c, const struct k_proc *parent)
{
    c->ppid = parent->pid;
    c->pgid = parent->pgid;
    c->sid = parent->sid;
    c->family = parent->family;
    memcpy(c->exe, parent->exe, sizeof c->exe);
    memcpy(c->sigact, parent->sigact, sizeof c->sigact);
    c->sigmask = parent->sigmask;
    c->altstack_sp = parent->altstack_sp;
    c->altstack_size = parent->altstack_size;
    c->altstack_flags = parent->altstack_flags;
    memcpy(c->rlim, parent->rlim, sizeof c->rlim);
}

int k_proc_copy(struct k_proc *parent, int exit_signal, bool start, struct k_proc **out)
{
    struct k_kernel *k = parent->k;
    if (k->nprocs >= K_NPROC_MAX) return -EAGAIN;
    struct k_proc *c = k_proc_new(k);
    if (!c) return -ENOMEM;
    c->state = K_EMBRYO;
    rv_sync_fflags(parent->hart);
    *rv_state(c->hart) = *rv_state(parent->hart);
    rv_state(c->hart)->x[10] = 0;
    /* Descriptors and refdirs first: the child's lazy images go to its @image. */
    int rc = k_files_fork(c, parent);
    if (!rc) rc = k_vm_fork(parent, c);
    if (rc) {
        k_proc_free(c); /* closes what k_files_fork shared, if it got that far */
        return rc;
    }
    inherit(c, parent);
    c->exit_signal = exit_signal;
    if (start) {
        c->state = K_RUNNABLE;
        k_rq_push(k, c);
    }
    *out = c;
    return 0;
}

/* vfork's parent: sleeps until the child execs or ends; then returns its pid. */
static int64_t vfork_wait(struct k_proc *p, const uint64_t a[6])
{
    return p->vfork_child ? K_BLOCK : (int64_t)a[0];
}

/*
 * clone(flags, newsp, ptid, tls, ctid) — riscv64's argument order. Without
 * CLONE_VM it is fork: flags & 0xff is the signal sent to the parent at exit.
 * CLONE_VM|CLONE_VFORK (vfork, posix_spawn) is served as a fork whose parent
 * sleeps until the child execs or ends: the child gets a copy of the memory,
 * not the parent's own (docs/kernel.md). Threads (CLONE_VM alone, CLONE_THREAD,
 * CLONE_SIGHAND, CLONE_FILES) are refused: ENOSYS for CLONE_VM, EINVAL else.
 */
int64_t sys_clone(struct k_proc *p, const uint64_t a[6])
{
    uint64_t flags = a[0], newsp = a[1], ptid = a[2], tls = a[3], ctid = a[4];
    if (flags & ~(uint64_t)CLONE_OK) return -EINVAL;
    if ((flags & G_CLONE_VM) && !(flags & G_CLONE_VFORK)) return -ENOSYS;
    int sig = (int)(flags & G_CSIGNAL);
    if (sig > K_NSIG) return -EINVAL;
    struct k_proc *c;
    int rc = k_proc_copy(p, sig, true, &c);
    if (rc) return rc;
    struct rv_state *cs = rv_state(c->hart);
    if (newsp) cs->x[2] = newsp;
    if (flags & G_CLONE_SETTLS) cs->x[4] = tls;
    uint32_t pid = (uint32_t)c->pid;
    if ((flags & G_CLONE_PARENT_SETTID) && ptid) k_copyout(p, ptid, &pid, sizeof pid);
    if ((flags & G_CLONE_CHILD_SETTID) && ctid) k_copyout(c, ctid, &pid, sizeof pid);
    if (flags & G_CLONE_CHILD_CLEARTID) c->clear_child_tid = ctid;
    if (flags & G_CLONE_VFORK) {
        p->vfork_child = c;
        c->vfork_parent = p;
        p->blk.fn = vfork_wait;
        p->blk.a[0] = (uint64_t)c->pid;
        return K_BLOCK;
    }
    return c->pid;
}

/*
 * spawn(n, flags, pids): n children in one call, a family (docs/symunix-calls.md).
 * Each child is a fork-style copy whose call returns its index 1..n; the
 * caller's returns 0 and, when pids is not NULL, it gets the children's pids in
 * index order. flags & 0xff is the signal each child sends at exit (as clone's
 * low byte; 0 = none); SYM_SPAWN_HERE / SYM_SPAWN_NODE(n) choose the nodes
 * (default: child i on node (this + i) mod P); other bits EINVAL, as a node
 * out of range. n < 1: EINVAL; n above K_SPAWN_MAX or a node's process limit:
 * EAGAIN. A caller with a local lseg to INHERIT keeps the whole family on its
 * node (a local segment cannot be shared across nodes). All or nothing: the
 * children here start only once every other node made its own; on a failure
 * none is left (those made elsewhere are killed at once).
 */
#define SPAWN_FLAGS (G_CSIGNAL | SYM_SPAWN_HERE | SYM_SPAWN_ONNODE | (0x7fffu << 16))

/* The node child i (1..n) goes to. */
static int spawn_node(const struct k_kernel *k, uint64_t flags, int64_t i)
{
    int nodes = k->cfg.net ? k->cfg.nodes : 1, self = k->cfg.node;
    if (nodes < 2 || (flags & SYM_SPAWN_HERE)) return self;
    if (flags & SYM_SPAWN_ONNODE) return (int)SYM_SPAWN_NODE_OF(flags);
    return (int)((self + i) % nodes);
}

/* Every node answered: start the children made here, or undo everything. */
static int64_t spawn_finish(struct k_proc *p, const uint64_t a[6])
{
    if (p->rpc.waiting > 0) return K_BLOCK;
    struct k_kernel *k = p->k;
    int64_t n = (int64_t)a[0], err = p->rpc.ret;
    int32_t *got = p->rpc.pids;
    for (int64_t i = 0; i < n; i++) {
        if (!got[i]) continue;
        if (k_pid_remote(k, got[i])) {
            if (!err) continue;
            struct k_proc *s = NULL;
            for (struct k_proc *q = k->procs; q && !s; q = q->next)
                if (q->stub && q->pid == got[i]) s = q;
            if (s) { /* nobody waits for it */
                s->state = K_ZOMBIE;
                k_reap_later(s);
            }
            k_remote_kill_send(k, p->pid, got[i], SIGKILL);
            continue;
        }
        struct k_proc *c = k_proc_find(k, got[i]);
        if (!c || c->state != K_EMBRYO) continue;
        if (err) {
            k_proc_free(c);
        } else {
            c->state = K_RUNNABLE;
            k_rq_push(k, c);
        }
    }
    if (!err && a[2]) k_copyout(p, a[2], got, (uint64_t)n * sizeof got[0]);
    k_rpc_end(p);
    return err;
}

int64_t sys_spawn(struct k_proc *p, const uint64_t a[6])
{
    if (p->rpc.id && p->rpc.pids) return spawn_finish(p, a);
    struct k_kernel *k = p->k;
    int64_t n = (int64_t)a[0];
    uint64_t flags = a[1], pids = a[2];
    int nodes = k->cfg.net ? k->cfg.nodes : 1;
    if ((flags & ~(uint64_t)SPAWN_FLAGS) || (flags & G_CSIGNAL) > K_NSIG || n < 1) return -EINVAL;
    if ((flags & SYM_SPAWN_HERE) && (flags & SYM_SPAWN_ONNODE)) return -EINVAL;
    if (!(flags & SYM_SPAWN_ONNODE) && (flags >> 16)) return -EINVAL;
    if ((flags & SYM_SPAWN_ONNODE) && SYM_SPAWN_NODE_OF(flags) >= (unsigned)nodes) return -EINVAL;
    if (n > K_SPAWN_MAX) return -EAGAIN;
    int32_t got[K_SPAWN_MAX];
    memset(got, 0, sizeof got);
    if (pids && k_copyout(p, pids, got, (uint64_t)n * sizeof got[0])) return -EFAULT;

    /* Who goes where; the image the others take, made once. */
    int where[K_SPAWN_MAX], here = 0;
    for (int64_t i = 0; i < n; i++)
        here += (where[i] = spawn_node(k, flags, i + 1)) == k->cfg.node;
    uint8_t *img = NULL;
    size_t ilen = 0;
    if (here < n) {
        int rc = k_proc_pack(p, &img, &ilen);
        if (rc == -EXDEV) { /* a local INHERIT lseg: the family stays here */
            for (int64_t i = 0; i < n; i++)
                where[i] = k->cfg.node;
            here = (int)n;
        } else if (rc) {
            return rc;
        }
    }
    if (k->nprocs + here > K_NPROC_MAX) {
        free(img);
        return -EAGAIN;
    }

    /* This node's children, held back until the others answered. */
    int sig = (int)(flags & G_CSIGNAL);
    bool wait = here < n;
    struct k_proc *kids[K_SPAWN_MAX];
    int made = 0;
    for (int64_t i = 0; i < n; i++) {
        if (where[i] != k->cfg.node) continue;
        int rc = k_proc_copy(p, sig, !wait, &kids[made]);
        if (rc) {
            while (made-- > 0) /* never ran: undo without a trace */
                k_proc_free(kids[made]);
            free(img);
            return rc;
        }
        kids[made]->family_index = (int)(i + 1);
        rv_state(kids[made]->hart)->x[10] = (uint64_t)(i + 1);
        got[i] = kids[made++]->pid;
    }
    if (!wait) {
        if (pids) k_copyout(p, pids, got, (uint64_t)n * sizeof got[0]);
        return 0;
    }

    /* One SPAWN per other node; the caller sleeps until all answered. */
    int asked = 0;
    for (int d = 0; d < nodes; d++) {
        if (d == k->cfg.node) continue;
        for (int64_t i = 0; i < n; i++)
            if (where[i] == d) {
                asked++;
                break;
            }
    }
    k_rpc_begin(p, asked);
    p->rpc.pids = calloc(K_SPAWN_MAX, sizeof *p->rpc.pids);
    if (!p->rpc.pids) {
        k_rpc_end(p);
        while (made-- > 0)
            k_proc_free(kids[made]);
        free(img);
        return -ENOMEM;
    }
    memcpy(p->rpc.pids, got, (size_t)n * sizeof got[0]);
    for (int d = 0; d < nodes; d++) {
        if (d == k->cfg.node) continue;
        int32_t idx[K_SPAWN_MAX];
        int m = 0;
        for (int64_t i = 0; i < n; i++)
            if (where[i] == d) idx[m++] = (int32_t)(i + 1);
        if (m && k_remote_spawn(p, d, img, ilen, idx, m, sig) != 0) {
            p->rpc.waiting--; /* the job is ending (km_send asked for it) */
            if (!p->rpc.ret) p->rpc.ret = -EIO;
        }
    }
    free(img);
    return spawn_finish(p, a);
}
