/*
 * proc.c — the processes of one node: the run queue and the round-robin
 * scheduler that shares the node's one PE among them, sleeping calls and their
 * wake-ups, process creation by clone (fork, vfork) and by spawn (a family of
 * n children in one call, the Symunix II generalisation of fork), and the end
 * of a process (zombies, orphans, SIGCHLD). docs/kernel.md "Processes" is the
 * description; exec is in kernel.c beside the initial-stack builder.
 *
 * Scheduling: RUNNABLE processes wait in a FIFO. The head runs for at most
 * cfg.quantum retired instructions (system calls do not end its turn unless
 * they sleep, exit or sched_yield), then goes to the tail. A sleeping process
 * is on no queue: k_wake or its deadline puts it back. When nobody is runnable
 * the node waits in the network engine (serving this rank's switches and MM)
 * or, without one, sleeps on the host, until the earliest deadline, in slices
 * short enough that kill requests are seen without spinning. A load, store or
 * AMO to a global lseg is sent to the network and its process sleeps until
 * the reply retires the instruction (net_access, net_reap).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "interconnect/net.h"
#include "kernel/internal.h"
#include "kernel/sys_file.h"
#include "symunix/abi.h"

/* Linux clone flags (include/uapi/linux/sched.h). */
enum {
    G_CSIGNAL = 0xff,
    G_CLONE_VM = 0x100,
    G_CLONE_FS = 0x200,
    G_CLONE_FILES = 0x400,
    G_CLONE_SIGHAND = 0x800,
    G_CLONE_PIDFD = 0x1000,
    G_CLONE_PTRACE = 0x2000,
    G_CLONE_VFORK = 0x4000,
    G_CLONE_PARENT = 0x8000,
    G_CLONE_THREAD = 0x10000,
    G_CLONE_SYSVSEM = 0x40000,
    G_CLONE_SETTLS = 0x80000,
    G_CLONE_PARENT_SETTID = 0x100000,
    G_CLONE_CHILD_CLEARTID = 0x200000,
    G_CLONE_DETACHED = 0x400000,
    G_CLONE_UNTRACED = 0x800000,
    G_CLONE_CHILD_SETTID = 0x1000000,
};

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

/* p no longer waits for a global-memory reply: its slot is free. */
static void net_unwait(struct k_proc *p)
{
    if (p->net.inflight) p->k->net_waiter[p->net.slot] = NULL;
    p->net.inflight = 0;
    p->net.pending = p->net.has_op = p->net.err = false;
    free(p->net.fill);
    p->net.fill = NULL;
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
    net_unwait(p); /* a reply still on its way is dropped (net_reap) */
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

/* Wake the sleepers whose deadline passed; returns the earliest deadline still
 * ahead (0: none). Only processes that slept with a deadline are looked at:
 * one parent polling with nanosleep must not make every turn of its node
 * walk a thousand workers. */
static uint64_t wake_expired(struct k_kernel *k)
{
    if (!k->timer_hint) return 0;
    uint64_t now = k_now_ns(), next = 0;
    if (now < k->timer_hint) return k->timer_hint; /* nothing due */
    for (int i = 0; i < k->ntimed;) {
        struct k_proc *q = k->timed[i];
        if (q->state != K_SLEEPING || !q->blk.deadline) {
            untime(k, i); /* woken otherwise meanwhile */
            continue;
        }
        if (q->blk.deadline <= now) {
            untime(k, i);
            k_wake(q);
            continue;
        }
        if (!next || q->blk.deadline < next) next = q->blk.deadline;
        i++;
    }
    k->timer_hint = next;
    return next;
}

/* p went to sleep in a call: keep the scheduler's hints true (k_kernel). */
void k_note_sleep(struct k_proc *p)
{
    struct k_kernel *k = p->k;
    if (p->blk.deadline) {
        if (!k->timer_hint || p->blk.deadline < k->timer_hint) k->timer_hint = p->blk.deadline;
        if (!p->timed) { /* at most K_NPROC_MAX processes, each once */
            p->timed = true;
            k->timed[k->ntimed++] = p;
        }
    }
    if (p->blk.events) k->fd_sleepers = true;
}

/*
 * Wait up to timeout_ms (0: just look) for the host descriptors sleepers wait
 * on (a pipe, a terminal: sys_file.c), and wake those that became ready.
 * Returns false when no sleeper waits on a descriptor (nothing was waited for).
 */
static bool wake_ready_fds(struct k_kernel *k, int timeout_ms)
{
    struct pollfd fds[64];
    struct k_proc *who[64];
    nfds_t n = 0;
    if (!k->fd_sleepers) return false;
    for (struct k_proc *q = k->procs; q && n < 64; q = q->next) {
        if (q->state != K_SLEEPING || !q->blk.events) continue;
        fds[n] = (struct pollfd){.fd = q->blk.hostfd, .events = q->blk.events};
        who[n++] = q;
    }
    if (!n) {
        k->fd_sleepers = false;
        return false;
    }
    if (poll(fds, n, timeout_ms) > 0)
        for (nfds_t i = 0; i < n; i++)
            if (fds[i].revents) k_wake(who[i]);
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

/* ---- Global memory over the network --------------------------------------- */

/*
 * A request's cookie (net_mreq.cookie, handed back in its net_done): who
 * waits for the reply, and which of the node's requests it is.
 *   bits  0..15  slot: a process's waiter slot (k->net_waiter[], below
 *                K_NPROC_MAX), COOKIE_GCOPY (the kernel's own copy, below) or
 *                COOKIE_NODE (the node's own write-back: nobody waits)
 *   bits 16..63  seq: the node's request sequence number (k->net_seq)
 */
#define COOKIE_SLOT_BITS 16
#define COOKIE_GCOPY     0xfffe
#define COOKIE_NODE      0xffff
_Static_assert(K_NPROC_MAX < COOKIE_GCOPY, "the copy's slot must not be a process's");

static inline uint64_t cookie_make(uint64_t seq, unsigned slot)
{
    return seq << COOKIE_SLOT_BITS | slot;
}

static inline unsigned cookie_slot(uint64_t c)
{
    return (unsigned)(c & ((1u << COOKIE_SLOT_BITS) - 1));
}

static inline uint64_t cookie_seq(uint64_t c)
{
    return c >> COOKIE_SLOT_BITS;
}

/* The engine's op for a memory instruction. */
static int net_op_of(const struct rv_memop *m)
{
    switch (m->kind) {
    case RV_MEMOP_LOAD: return NET_OP_LOAD;
    case RV_MEMOP_STORE: return NET_OP_STORE;
    case RV_MEMOP_LR: return NET_OP_LR;
    case RV_MEMOP_SC: return NET_OP_SC;
    default: break;
    }
    switch (m->amo) {
    case RV_AMO_ADD: return NET_OP_AMOADD;
    case RV_AMO_SWAP: return NET_OP_SWAP;
    case RV_AMO_XOR: return NET_OP_AMOXOR;
    case RV_AMO_OR: return NET_OP_AMOOR;
    case RV_AMO_AND: return NET_OP_AMOAND;
    case RV_AMO_MIN: return NET_OP_AMOMIN;
    case RV_AMO_MAX: return NET_OP_AMOMAX;
    case RV_AMO_MINU: return NET_OP_AMOMINU;
    case RV_AMO_MAXU: return NET_OP_AMOMAXU;
    default: return -1;
    }
}

/* Send one request on behalf of p (NULL: the node's own, at the job's end,
 * whose replies nobody waits for). p's requests share a waiter slot while any
 * is in flight. 0 or -errno from the engine (nothing was sent). */
static int net_send(struct k_kernel *k, struct k_proc *p, int op, unsigned width, uint64_t g,
                    uint64_t val, uint64_t *cookie)
{
    int slot = COOKIE_NODE;
    if (p && !p->net.inflight) {
        slot = k->net_free_hint;
        while (k->net_waiter[slot]) /* a free slot exists: at most K_NPROC_MAX processes */
            slot = (slot + 1) % K_NPROC_MAX;
    } else if (p) {
        slot = p->net.slot;
    }
    uint64_t c = cookie_make(k->net_seq + 1, (unsigned)slot);
    struct net_mreq r = {.op = (uint8_t)op,
                         .width = (uint8_t)width,
                         .addr = g,
                         .val = val,
                         .proc = p ? (uint32_t)p->pid : 0,
                         .cookie = c};
    int rc = net_eng_issue(k->cfg.eng, &r);
    if (rc) return rc;
    k->net_seq++;
    if (p) {
        if (!p->net.inflight) {
            p->net.slot = slot;
            p->net.seq0 = k->net_seq;
            k->net_waiter[slot] = p;
            k->net_free_hint = (slot + 1) % K_NPROC_MAX;
        }
        p->net.inflight++;
    }
    if (cookie) *cookie = c;
    return 0;
}

/* p waits for its requests (if any) without holding the PE. */
static void net_sleep(struct k_proc *p)
{
    if (!p->net.inflight) return;
    p->net.pending = true;
    p->state = K_SLEEPING;
}

/* Is the instruction at p's pc a cbo.clean/flush/inval (MISC-MEM, funct3 2)? */
static bool at_cbo(struct k_proc *p)
{
    uint32_t insn = 0;
    uint64_t pc = rv_state(p->hart)->pc;
    return k_copyin(p, &insn, pc, 4) == 0 && (insn & 0x707f) == 0x200f;
}

/* Retire the 4-byte instruction at p's pc without effect (a cbo on global
 * memory that has no cached copy: nothing to write back or drop). */
static void skip_insn(struct k_proc *p)
{
    struct rv_memop m = {.kind = RV_MEMOP_STORE, .len = 4};
    rv_memop_finish(p->hart, &m, 0);
}

/*
 * p stopped at a load, store, AMO, LR or SC whose page is global and not
 * cached (translate said -EREMOTE): send it to its home MM and put p to sleep
 * without holding the PE; net_reap retires the instruction with the reply.
 * Every access waits for its reply (stores too), so a process's accesses are
 * in program order.
 */
static void net_access(struct k_proc *p, const struct rv_fault *f)
{
    struct k_kernel *k = p->k;
    struct rv_memop m;
    uint64_t g;
    if (rv_memop_at_pc(p->hart, &m) != 0) {
        if (at_cbo(p))
            skip_insn(p); /* no node-cache copy of non-cacheable memory */
        else
            k_signal_fault(p, SIGSEGV, SEGV_MAPERR, f->addr);
        return;
    }
    /* The hart's fault names the page's global address when it knows it. */
    bool named = f->remote != RV_REMOTE_NONE && (f->addr ^ m.addr) < RV_PAGE_SIZE;
    if (named) g = f->remote + (m.addr - f->addr);
    if ((!named && k_vm_gaddr(p, m.addr, &g) != 0) || !k->cfg.eng) {
        k_signal_fault(p, SIGSEGV, SEGV_MAPERR, f->addr);
        return;
    }
    int op = net_op_of(&m);
    /* Misaligned (or a page-crossing) access: SIGBUS as for local atomics. */
    if (op < 0 || (m.addr & (m.width - 1)) ||
        net_send(k, p, op, m.width, g, m.val, &p->net.op_cookie)) {
        k_signal_fault(p, SIGBUS, BUS_ADRALN, m.addr);
        return;
    }
    switch (m.kind) {
    case RV_MEMOP_LOAD: k->stats.global_loads++; break;
    case RV_MEMOP_STORE: k->stats.global_stores++; break;
    case RV_MEMOP_AMO: k->stats.global_amos++; break;
    default: k->stats.global_lrsc++; break;
    }
    p->net.has_op = true;
    p->net.op = m;
    net_sleep(p);
}

/*
 * p touched a page of a cacheable global lseg that is not in the node cache
 * (translate said K_EFETCH): fetch the page as loads of its 512 words, p
 * asleep; when the last arrives net_done puts it in the cache and p runs the
 * instruction again (it has not happened). A cbo there has nothing to act on.
 */
static void net_fetch(struct k_proc *p, const struct rv_fault *f)
{
    struct k_kernel *k = p->k;
    uint64_t g;
    if (at_cbo(p)) {
        skip_insn(p);
        return;
    }
    if (k_vm_gaddr(p, f->addr & ~(RV_PAGE_SIZE - 1), &g) != 0 ||
        !(p->net.fill = malloc(RV_PAGE_SIZE))) {
        k_signal_fault(p, SIGSEGV, SEGV_MAPERR, f->addr);
        return;
    }
    p->net.fill_key = g / RV_PAGE_SIZE;
    p->net.fill_seq0 = k->net_seq + 1;
    for (unsigned i = 0; i < RV_PAGE_SIZE / 8; i++) {
        if (net_send(k, p, NET_OP_LOAD, 8, g + 8 * i, 0, NULL) != 0) {
            /* cannot happen for aligned loads short of memory: end p */
            p->net.err = true;
            p->net.err_addr = f->addr;
            break;
        }
    }
    net_sleep(p);
}

/* A cbo on a cacheable global page in the node cache: write back (clean,
 * flush), drop (flush, inval); p waits for its write-backs. */
static void net_cbo(struct k_proc *p, const struct rv_fault *f)
{
    struct k_kernel *k = p->k;
    uint64_t g;
    int i = k_vm_lookup(&p->vm, f->addr);
    if (i < 0 || !k->ncache) return;
    const struct k_region *r = &p->vm.r[i];
    if ((r->attr & (SYM_MEM_GLOBAL | SYM_CACHE)) != (SYM_MEM_GLOBAL | SYM_CACHE)) return;
    if (k_vm_gaddr(p, f->addr, &g) != 0) return;
    static const enum rv_ncache_opkind kinds[] = {RV_NCACHE_INVAL, RV_NCACHE_CLEAN,
                                                  RV_NCACHE_FLUSH};
    int dropped = 0;
    k->wb_proc = p;
    int rc = rv_ncache_op(k->ncache, g / RV_PAGE_SIZE, (unsigned)(g % RV_PAGE_SIZE),
                          kinds[f->insn <= RV_CBO_FLUSH ? f->insn : RV_CBO_FLUSH], &dropped);
    k->wb_proc = NULL;
    if (dropped) k_vm_ncache_dropped(k, g / RV_PAGE_SIZE);
    if (rc) {
        k_signal_fault(p, SIGBUS, BUS_ADRERR, f->addr);
        return;
    }
    net_sleep(p);
}

static int gcopy_issue(struct k_kernel *k, int op, unsigned width, uint64_t g, uint64_t val);

/* The node cache's write-backs: stores on behalf of wb_proc, or of the
 * kernel's synchronous copy when it is the one filling the cache (below). */
int k_net_ncache_wb(void *ctx, uint64_t key, unsigned off, const uint8_t *line)
{
    struct k_kernel *k = ctx;
    for (unsigned i = 0; i < RV_NCACHE_LINE; i += 8) {
        uint64_t v, g = key * RV_PAGE_SIZE + off + i;
        memcpy(&v, line + i, 8);
        int rc = !k->wb_proc && k->gcopy ? gcopy_issue(k, NET_OP_STORE, 8, g, v)
                                         : net_send(k, k->wb_proc, NET_OP_STORE, 8, g, v, NULL);
        if (rc) return rc;
    }
    return 0;
}

int k_net_sync_seg(struct k_proc *p, uint64_t seg)
{
    struct k_kernel *k = p->k;
    if (!k->cfg.eng) return -ENODEV;
    if (k->ncache && !p->net.inflight) { /* every dirty line: a superset of seg's */
        k->wb_proc = p;
        int rc = rv_ncache_writeback_all(k->ncache);
        k->wb_proc = NULL;
        if (rc) return -EIO;
    }
    if (p->net.inflight) return 1; /* the sync must not overtake them */
    return net_send(k, p, NET_MREQ_SYNC, 8, NET_GADDR(seg, 0), 0, NULL);
}

/* All of p's requests are in: a fetched page enters the cache (its eviction
 * may send write-backs that p waits for in turn), then p runs again, or gets
 * SIGBUS if a reply carried an error. */
static void net_done(struct k_proc *p)
{
    struct k_kernel *k = p->k;
    k->net_waiter[p->net.slot] = NULL;
    if (p->net.fill) {
        uint8_t *out;
        uint64_t evicted = UINT64_MAX;
        int rc = 0;
        if (!p->net.err) {
            k->wb_proc = p;
            rc = rv_ncache_fill(k->ncache, p->net.fill_key, p->net.fill, &out, &evicted);
            k->wb_proc = NULL;
        }
        if (evicted != UINT64_MAX) k_vm_ncache_dropped(k, evicted);
        if (rc && !p->net.err) {
            p->net.err = true;
            p->net.err_addr = p->net.fill_key * RV_PAGE_SIZE;
        }
        free(p->net.fill);
        p->net.fill = NULL;
        if (p->net.inflight) return; /* the evicted page's write-backs */
    }
    p->net.pending = false;
    if (p->net.err) {
        p->net.err = false;
        k->stats.global_errors++;
        k_signal_fault(p, SIGBUS, BUS_ADRERR, p->net.err_addr);
    }
    k_wake(p);
}

/* Requests per round: the words of K_NET_KCOPY_MAX bytes at any alignment. */
#define GCOPY_MAX (K_NET_KCOPY_MAX / 8 + 1)

static void gcopy_reply(struct k_kernel *k, const struct net_done *d);

/*
 * One completion to its owner: the kernel's synchronous copy (COOKIE_GCOPY),
 * the node's own write-back (no owner), or a process's slot. The one
 * dispatcher of net_reap, whichever loop reaps (the scheduler's or a copy's
 * wait): each completion is delivered exactly once.
 */
static void net_deliver(struct k_kernel *k, const struct net_done *d)
{
    uint64_t c = d->cookie, seq = cookie_seq(c);
    unsigned slot = cookie_slot(c);
    if (slot == COOKIE_GCOPY) {
        gcopy_reply(k, d);
        return;
    }
    if (slot >= K_NPROC_MAX) return; /* the node's own write-back (COOKIE_NODE) */
    struct k_proc *q = k->net_waiter[slot];
    if (!q || !q->net.inflight || seq < q->net.seq0) return; /* it ended */
    if (d->err && !q->net.err) {
        q->net.err = true;
        q->net.err_addr = q->net.has_op ? q->net.op.addr : q->net.fill_key * RV_PAGE_SIZE;
    }
    if (q->net.has_op && c == q->net.op_cookie) {
        if (!d->err) rv_memop_finish(q->hart, &q->net.op, d->val);
        q->net.has_op = false;
    } else if (q->net.fill && seq >= q->net.fill_seq0 &&
               seq < q->net.fill_seq0 + RV_PAGE_SIZE / 8) {
        memcpy(q->net.fill + 8 * (seq - q->net.fill_seq0), &d->val, 8);
    }
    if (--q->net.inflight == 0) net_done(q);
}

/* Retire the instructions whose replies came: their processes run again. */
static void net_reap(struct k_kernel *k)
{
    struct net_done d[64];
    size_t n;
    while ((n = net_eng_reap(k->cfg.eng, d, 64)) > 0)
        for (size_t i = 0; i < n; i++)
            net_deliver(k, &d[i]);
}

void k_net_end(struct k_kernel *k)
{
    if (!k->cfg.eng || !k->ncache) return;
    k->wb_proc = NULL;
    if (rv_ncache_writeback_all(k->ncache) != 0 && !k->net_err) k->net_err = -EIO;
    while (net_eng_inflight(k->cfg.eng) > 0) {
        int rc = net_eng_wait(k->cfg.eng, NET_IDLE_MAX_US);
        if (rc < 0) {
            if (!k->net_err) k->net_err = rc;
            break;
        }
        net_reap(k);
    }
}

/* ---- The kernel's own accesses to global memory (copyin, copyout) ------- */

/*
 * A system call's buffer in a global lseg (kernel/vm.c walk): the kernel
 * sends the loads and stores itself and waits in place, progressing the
 * engine (net_eng_wait sleeps, it does not spin) until all are in, so the
 * call holds the node's PE for its round trips. Meanwhile the completions of
 * other processes arrive through the same dispatcher (net_deliver) and wake
 * them as usual. Requests go out in rounds of at most GCOPY_MAX (16 pages'
 * worth in flight at once, so a long copy pays a round trip per 64 KiB, not
 * per page); a round's replies land in val[] by sequence number. One copy at
 * a time per node (k->gcopy); the context lives on the copier's stack.
 */

struct k_gcopy {
    struct k_proc *p; /* on whose behalf (proc = its pid: its program order) */
    uint64_t seq0;    /* seq of the round's first request */
    unsigned n;       /* requests issued in this round */
    unsigned inflight;
    bool err; /* a reply carried an error: the copy fails with EFAULT */
    uint64_t val[GCOPY_MAX];
};

/* A reply for the copy under way (a stale one, of a copy abandoned when the
 * engine failed, is dropped). */
static void gcopy_reply(struct k_kernel *k, const struct net_done *d)
{
    struct k_gcopy *gc = k->gcopy;
    uint64_t seq = cookie_seq(d->cookie);
    if (!gc || !gc->inflight || seq < gc->seq0 || seq - gc->seq0 >= gc->n) return;
    if (d->err) gc->err = true;
    gc->val[seq - gc->seq0] = d->val;
    gc->inflight--;
}

/* The engine failed: the job ends (as in idle). */
static int gcopy_engine_failed(struct k_kernel *k, int rc)
{
    if (!k->net_err) {
        k->net_err = rc;
        k_request_kill(k, SIGKILL);
    }
    return -EFAULT;
}

/* Wait until nothing of pid is outstanding in the engine (its fence), taking
 * every completion meanwhile. 0 or -EFAULT (the engine failed). */
static int gcopy_fence(struct k_kernel *k, uint32_t pid)
{
    net_reap(k);
    while (net_eng_outstanding(k->cfg.eng, pid) > 0) {
        int rc = net_eng_wait(k->cfg.eng, NET_IDLE_MAX_US);
        if (rc < 0) return gcopy_engine_failed(k, rc);
        net_reap(k);
    }
    return 0;
}

/* Wait for the round's replies. 0, or -EFAULT (an error reply, or the engine
 * failed). */
static int gcopy_round(struct k_kernel *k)
{
    struct k_gcopy *gc = k->gcopy;
    while (gc->inflight) {
        int rc = net_eng_wait(k->cfg.eng, NET_IDLE_MAX_US);
        if (rc < 0) return gcopy_engine_failed(k, rc);
        net_reap(k);
    }
    gc->n = 0;
    return gc->err ? -EFAULT : 0;
}

/* Send one request of the copy; a full round of stores is waited for first
 * (loads never fill more than one round: their values are read after it). */
static int gcopy_issue(struct k_kernel *k, int op, unsigned width, uint64_t g, uint64_t val)
{
    struct k_gcopy *gc = k->gcopy;
    if (gc->n == GCOPY_MAX) {
        int rc = gcopy_round(k);
        if (rc) return rc;
    }
    uint64_t c = cookie_make(k->net_seq + 1, COOKIE_GCOPY);
    struct net_mreq r = {.op = (uint8_t)op,
                         .width = (uint8_t)width,
                         .addr = g,
                         .val = val,
                         .proc = (uint32_t)gc->p->pid,
                         .cookie = c};
    int rc = net_eng_issue(k->cfg.eng, &r);
    if (rc) return -EFAULT;
    k->net_seq++;
    if (gc->n == 0) gc->seq0 = k->net_seq;
    gc->n++;
    gc->inflight++;
    return 0;
}

/* Start a copy for p: no engine, a copy already under way (a nested one,
 * which nothing does today) or the node's processes being ended (a long
 * copy stops between pieces): -EFAULT. Then p's fence: its earlier requests
 * complete first, so the copy's accesses follow them in program order. */
static int gcopy_begin(struct k_proc *p, struct k_gcopy *gc)
{
    struct k_kernel *k = p->k;
    if (!k->cfg.eng || k->gcopy || k->kill_sig) return -EFAULT;
    gc->p = p;
    gc->n = gc->inflight = 0;
    gc->err = false;
    k->gcopy = gc;
    int rc = gcopy_fence(k, (uint32_t)p->pid);
    if (rc) k->gcopy = NULL;
    return rc;
}

/* End the copy: what it sent is in before p goes on (after a failed issue
 * too), unless the engine failed. */
static int gcopy_end(struct k_kernel *k, int rc)
{
    if (k->gcopy->inflight) gcopy_round(k);
    k->gcopy = NULL;
    return rc;
}

/* Read n bytes at g into buf: loads of the aligned words that cover them,
 * all in one round (at most GCOPY_MAX). */
static int gcopy_read(struct k_kernel *k, uint64_t g, uint8_t *buf, uint64_t n)
{
    uint64_t a0 = g & ~7ull, a1 = (g + n + 7) & ~7ull;
    for (uint64_t a = a0; a < a1; a += 8) {
        int rc = gcopy_issue(k, NET_OP_LOAD, 8, a, 0);
        if (rc) return rc;
    }
    int rc = gcopy_round(k);
    if (!rc) memcpy(buf, (const uint8_t *)k->gcopy->val + (g - a0), n);
    return rc;
}

/* Write n bytes of buf at g: stores of the widest aligned widths (bytes and
 * halves at ragged edges), then their replies. */
static int gcopy_write(struct k_kernel *k, uint64_t g, const uint8_t *buf, uint64_t n)
{
    for (uint64_t a = g, end = g + n; a < end;) {
        unsigned w = 8;
        while (w > 1 && ((a & (w - 1)) || a + w > end))
            w >>= 1;
        uint64_t v = 0;
        memcpy(&v, buf + (a - g), w);
        int rc = gcopy_issue(k, NET_OP_STORE, w, a, v);
        if (rc) return rc;
        a += w;
    }
    return gcopy_round(k);
}

int k_net_kcopy(struct k_proc *p, uint64_t g, uint8_t *buf, uint64_t n, bool write)
{
    struct k_gcopy gc;
    if (n > K_NET_KCOPY_MAX) return -EFAULT;
    int rc = gcopy_begin(p, &gc);
    if (rc) return rc;
    rc = write ? gcopy_write(p->k, g, buf, n) : gcopy_read(p->k, g, buf, n);
    return gcopy_end(p->k, rc);
}

int k_net_kfetch(struct k_proc *p, uint64_t g)
{
    struct k_kernel *k = p->k;
    struct k_gcopy gc;
    g &= ~(uint64_t)(RV_PAGE_SIZE - 1);
    if (!k->ncache) return -EFAULT;
    int rc = gcopy_begin(p, &gc);
    if (rc) return rc;
    for (unsigned i = 0; i < RV_PAGE_SIZE / 8 && !rc; i++)
        rc = gcopy_issue(k, NET_OP_LOAD, 8, g + 8 * i, 0);
    if (!rc) rc = gcopy_round(k);
    if (!rc) {
        uint8_t *out;
        uint64_t evicted = UINT64_MAX;
        /* An eviction's write-backs are the copy's stores (k_net_ncache_wb). */
        rc = rv_ncache_fill(k->ncache, g / RV_PAGE_SIZE, gc.val, &out, &evicted);
        if (evicted != UINT64_MAX) k_vm_ncache_dropped(k, evicted);
        int wrc = gcopy_round(k);
        rc = rc ? -EFAULT : wrc;
    }
    return gcopy_end(k, rc);
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
    net_reap(k);
}

/* Turn a hart stop into a syscall or a signal. */
static void handle_stop(struct k_proc *p, enum rv_stop why, const struct rv_fault *f)
{
    uint64_t pc = rv_state(p->hart)->pc;
    switch (why) {
    case RV_STOP_BUDGET: break;
    case RV_STOP_ECALL: k_syscall(p); break;
    case RV_STOP_CBO: net_cbo(p, f); break; /* local memory: nothing to do */
    case RV_STOP_EBREAK: k_signal_fault(p, SIGTRAP, TRAP_BRKPT, pc); break;
    case RV_STOP_ILLEGAL: k_signal_fault(p, SIGILL, ILL_ILLOPC, pc); break;
    case RV_STOP_FAULT:
        if (f->err == -EREMOTE)
            net_access(p, f);
        else if (f->err == K_EFETCH)
            net_fetch(p, f);
        else if (f->err == -ENOMEM)
            out_of_memory(p, f);
        else if (f->err == -EBUSY)
            k_signal_fault(p, SIGBUS, BUS_ADRALN, f->addr);
        else
            k_signal_fault(p, SIGSEGV, f->err == -EACCES ? SEGV_ACCERR : SEGV_MAPERR, f->addr);
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
        enum rv_stop why = rv_run(p->hart, quantum - used, &f);
        used += rv_instret(p->hart) - before;
        handle_stop(p, why, &f);
        if (why == RV_STOP_BUDGET) break;
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
