/*
 * gmem.c — the kernel's client of global memory: what a node sends to the
 * network engine (interconnect/net.h) and how the replies come back to whoever
 * waits for them. A process's load, store, AMO, LR or SC to a global lseg
 * that is not cached goes to the network and the process sleeps until the
 * reply retires the instruction (k_net_access); a page of a cacheable global
 * lseg is fetched into the node cache as loads of its words (k_net_fetch),
 * cbo.* and the cache's evictions write dirty lines back (k_net_cbo,
 * k_net_ncache_wb); fsync of a global segment's file is the sync-segment
 * request (k_net_sync_seg). System calls on buffers in global memory copy
 * synchronously (k_net_kcopy, k_net_kfetch: the gcopy_* functions), and at
 * the node's end the node cache is written back (k_net_end). One dispatcher
 * (net_deliver, through k_net_reap) hands every completion to its owner by
 * its cookie. The scheduler (proc.c) calls k_net_reap between turns.
 * docs/kernel.md describes global memory from the process's side.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "interconnect/net.h"
#include "kernel/gmem.h"
#include "symunix/abi.h"

/* p no longer waits for a global-memory reply: its slot is free. */
void k_net_unwait(struct k_proc *p)
{
    if (p->net.inflight) p->k->net_waiter[p->net.slot] = NULL;
    p->net.inflight = 0;
    p->net.pending = p->net.has_op = p->net.err = false;
    free(p->net.fill);
    p->net.fill = NULL;
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
 * without holding the PE; k_net_reap retires the instruction with the reply.
 * Every access waits for its reply (stores too), so a process's accesses are
 * in program order.
 */
void k_net_access(struct k_proc *p, const struct rv_fault *f)
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
void k_net_fetch(struct k_proc *p, const struct rv_fault *f)
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
void k_net_cbo(struct k_proc *p, const struct rv_fault *f)
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
 * dispatcher of k_net_reap, whichever loop reaps (the scheduler's or a copy's
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
void k_net_reap(struct k_kernel *k)
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
        k_net_reap(k);
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
    k_net_reap(k);
    while (net_eng_outstanding(k->cfg.eng, pid) > 0) {
        int rc = net_eng_wait(k->cfg.eng, NET_IDLE_MAX_US);
        if (rc < 0) return gcopy_engine_failed(k, rc);
        k_net_reap(k);
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
        k_net_reap(k);
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
