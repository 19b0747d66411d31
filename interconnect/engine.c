/*
 * engine.c — the network engine: memory requests from this rank's PE travel
 * through the switches of the omega network (topo.h) that the ranks host to
 * the home memory module (memmod.h) and the replies come back, combining and
 * decombining at every switch (combine.h). Hops within a rank are function
 * calls; hops between ranks are records in per-neighbour aggregation buffers
 * (agg.h) sent as one MPI message each. net.h has the API, the life of a
 * request and the invariants; docs/network.md explains the design.
 *
 * Where requests wait (and combine): each switch has an output queue per
 * port. A queue whose next hop is on this rank is drained at every sweep
 * (stages in increasing order, so a request crosses all of this rank's stages
 * in one sweep); a queue whose next hop is another rank is HELD until a flush
 * (or until it holds agg_cap records), so requests that meet there combine
 * and leave as one message. Replies never wait: they are decombined and go
 * straight on (their aggregation buffer leaves at the same flushes).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

#include "interconnect/agg.h"
#include "interconnect/combine.h"
#include "interconnect/memmod.h"
#include "interconnect/net.h"
#include "interconnect/netpriv.h"
#include "interconnect/topo.h"

#define NRECV   8    /* receives kept posted */
#define MSG_TAG 0x53 /* point-to-point tag of network messages */
/* net_eng_wait keeps the busy back-off ceiling this long after work. */
#define NET_RECENT_US 20000
#define STAGE_PE      0xff /* a reply's stage when it goes to the PE next */
#define SLOT_BITS     24   /* pending-request slot in the low bits of a seq */
#define SLOT_MASK     ((1u << SLOT_BITS) - 1)

/* Word index of a queue: the last queued entry per 8-byte word. */
struct widx {
    uint64_t word;
    uint32_t idx;
    uint32_t gen; /* valid only if == the queue's gen */
};

/* One output port's queue. */
struct queue {
    struct net_req *q;
    uint64_t *path;
    int32_t *prev; /* the previous entry to the same 8-byte word, or -1 */
    uint32_t n, cap;
    struct widx *ix;
    uint32_t ixmask, gen;
    bool remote;   /* next hop on another rank: held until a flush */
    uint32_t dest; /* rank of the next hop */
};

struct sw {
    uint32_t stage, idx;
    struct queue out[2];
    struct net_waitbuf *wb;
    uint64_t live; /* entries now in wb: replies skip the lookup when 0 */
    struct net_sw_stats st;
};

/* A request issued here and not yet completed. */
struct pend {
    uint64_t seq; /* 0: free */
    uint64_t cookie;
    uint32_t proc;
    uint32_t next_free;
    bool sync;     /* a sync-segment request (not counted in issued/completed) */
    uint32_t left; /* a sync: MMs yet to answer */
    int32_t err;   /* a sync: the first write-back error */
    uint64_t acc;  /* a sync: pages written so far */
};

/* The first write-back error of a requester's syncs (net_eng_sync_err). */
struct serr {
    uint32_t proc;
    int32_t err;
};

/* Requests outstanding per requester: open addressing, backward-shift delete. */
struct pcount {
    uint32_t proc;
    uint32_t used;
    uint64_t n;
};

struct sendslot {
    MPI_Request req;
    struct net_agg_msg m;
};

struct net_eng {
    struct net *net;
    struct net_bells *bells; /* doorbells of this host's ranks (bell.c), or NULL */
    uint8_t *ring_due;       /* by rank: sent to, bell not rung yet */
    uint32_t *ring_list, nring;
    bool mpi;
    MPI_Comm comm;
    uint32_t rank, P, S;
    struct net_topo t;
    /* net_topo_vpos by rank and net_topo_vrank by endpoint (-1: phantom),
     * tabled: every request and reply needs them, and computing them takes
     * a search with divisions. */
    uint32_t *vpos;
    int32_t *vrank;
    struct net_eng_opts o;
    struct sw *sw;
    uint32_t nsw;
    /* The PE's own queue, when its stage-0 switch is on another rank and
     * combining is on: the requests of this rank's processes combine here
     * before the first hop, as at a switch (pe.out[0], to pe.out[0].dest),
     * and their replies are decombined here on arrival. pe.wb: it exists. */
    struct sw pe;
    struct net_mm *mm;
    struct net_agg *agg;
    /* pending requests: slots, a free list, a sequence counter */
    struct pend *pend;
    uint32_t npend, free_pend;
    uint64_t seqctr;
    uint64_t inflight;
    struct pcount *pc;
    uint32_t pcmask, pcn;
    /* completions, a FIFO */
    struct net_done *done;
    size_t dhead, dn, dcap;
    /* MPI */
    MPI_Request rreq[NRECV];
    uint8_t *rbuf[NRECV];
    int rlen;
    unsigned rhead;
    struct sendslot *sends;
    size_t nsends, capsends;
    struct net_rec *dec;
    uint32_t deccap;
    uint64_t held;         /* requests held in remote queues */
    uint64_t last_work_us; /* net_eng_wait last found work (now_us) */
    struct timespec last_flush;
    struct net_rank_stats st;
    uint64_t syncs; /* sync-segment requests this rank's MM served */
    struct serr *serr;
    size_t nserr, capserr;
    int err; /* sticky: the first fatal error */
};

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int fail(struct net_eng *e, int rc, const char *what)
{
    if (!e->err) {
        fprintf(stderr, "symunix: rank %u (%s): network: %s\n", e->rank, net_host(e->net), what);
        e->err = rc;
    }
    return rc;
}

void net_eng_opts_default(struct net_eng_opts *o)
{
    *o = (struct net_eng_opts){.combining = 1,
                               .agg_cap = 512,
                               .wb_cap = 1u << 16,
                               .flush_us = 500,
                               .idle_max_us = 2000,
                               .busy_max_us = 200,
                               .timer_slack_ns = 1000,
                               .watch_addr = UINT64_MAX};
}

/* ---- queues ---- */

static int q_reserve(struct queue *q, uint32_t need)
{
    if (need <= q->cap) return 0;
    uint32_t cap = q->cap ? q->cap : 64;
    while (cap < need)
        cap *= 2;
    struct net_req *nq = realloc(q->q, cap * sizeof *nq);
    if (!nq) return -ENOMEM;
    q->q = nq;
    uint64_t *np = realloc(q->path, cap * sizeof *np);
    if (!np) return -ENOMEM;
    q->path = np;
    int32_t *pv = realloc(q->prev, cap * sizeof *pv);
    if (!pv) return -ENOMEM;
    q->prev = pv;
    /* The index: at most half full; rebuilt from the entries. */
    struct widx *ix = calloc((size_t)cap * 2, sizeof *ix);
    if (!ix) return -ENOMEM;
    free(q->ix);
    q->ix = ix, q->ixmask = cap * 2 - 1, q->cap = cap, q->gen = 1;
    return 1; /* rebuilt: the caller re-indexes */
}

static uint32_t ix_slot(const struct queue *q, uint64_t word)
{
    uint64_t h = word * 0x9e3779b97f4a7c15ull;
    uint32_t i = (uint32_t)(h >> 32) & q->ixmask;
    while (q->ix[i].gen == q->gen && q->ix[i].word != word)
        i = (i + 1) & q->ixmask;
    return i;
}

/* Append r to q without indexing it (combining off: nothing looks it up). */
static void q_push_plain(struct queue *q, const struct net_req *r, uint64_t path)
{
    q->q[q->n] = *r;
    q->path[q->n++] = path;
}

/* Append r to q, indexed by its word. */
static void q_push(struct queue *q, const struct net_req *r, uint64_t path)
{
    uint32_t i = ix_slot(q, r->addr >> 3), n = q->n++;
    q->q[n] = *r;
    q->path[n] = path;
    q->prev[n] = q->ix[i].gen == q->gen ? (int32_t)q->ix[i].idx : -1;
    q->ix[i] = (struct widx){r->addr >> 3, n, q->gen};
}

static void q_reset(struct queue *q)
{
    q->n = 0;
    if (++q->gen == 0) { /* wrapped: clear the stamps */
        memset(q->ix, 0, ((size_t)q->ixmask + 1) * sizeof *q->ix);
        q->gen = 1;
    }
}

/* ---- moving records ---- */

static void req_at(struct net_eng *e, const struct net_rec *r);
static void rep_at(struct net_eng *e, const struct net_rec *r);

static void send_rec(struct net_eng *e, uint32_t dest, const struct net_rec *r)
{
    int rc = net_agg_append(e->agg, dest, r);
    if (rc < 0) fail(e, rc, "cannot buffer a record");
}

static struct sw *local_sw(struct net_eng *e, uint32_t stage, uint32_t idx)
{
    uint32_t g = stage * e->t.width + idx;
    return &e->sw[(g - e->rank) / e->P];
}

/* The rank of virtual endpoint v, -1 for a phantom or one out of range. */
static int vrank_of(const struct net_eng *e, uint64_t v)
{
    return v < e->t.vsize ? e->vrank[v] : -1;
}

/* The route state of a request from rank src to rank dst (net_topo_path). */
static uint64_t path_of(const struct net_eng *e, uint32_t src, uint32_t dst)
{
    return (uint64_t)e->vpos[src] << e->S | e->vpos[dst];
}

static uint32_t pe_rank(const struct net_eng *e, uint64_t path)
{
    return (uint32_t)vrank_of(e, path >> e->S);
}

/* A reply goes to stage r->stage (or the PE): locally or over the link. */
static void rep_send(struct net_eng *e, const struct net_rec *r)
{
    uint32_t dest;
    if (r->stage == STAGE_PE) {
        dest = pe_rank(e, r->path);
    } else {
        struct net_hop h;
        net_topo_hop(&e->t, r->path, r->stage, &h);
        dest = h.rank;
    }
    if (dest == e->rank)
        rep_at(e, r);
    else
        send_rec(e, dest, r);
}

/* The home MM serves a request and replies toward the last stage. */
static void mm_serve(struct net_eng *e, const struct net_rec *r)
{
    struct net_req q = {r->op, r->width, r->addr, r->val, r->val2, r->tag};
    uint64_t y = 0;
    int rc = net_mm_serve(e->mm, &q, &y);
    struct net_rec rep = *r;
    rep.kind = NET_REC_REPLY;
    rep.val = y;
    rep.val2 = rc < 0 ? (uint64_t)-rc : 0;
    rep.stage = e->S ? (uint8_t)(e->S - 1) : STAGE_PE;
    rep_send(e, &rep);
}

static void enqueue(struct net_eng *e, struct sw *s, struct queue *q, const struct net_rec *r);

/* A request arrives at a switch of this rank: into the output queue. */
static void sw_request(struct net_eng *e, const struct net_rec *r)
{
    struct net_hop h;
    net_topo_hop(&e->t, r->path, r->stage, &h);
    struct sw *s = local_sw(e, r->stage, h.sw);
    enqueue(e, s, &s->out[h.out_port], r);
}

/* Into output queue q of switch s (or of the PE queue): combined with the
 * last request to its word there, or appended. */
static void enqueue(struct net_eng *e, struct sw *s, struct queue *q, const struct net_rec *r)
{
    struct net_req a = {r->op, r->width, r->addr, r->val, r->val2, r->tag};
    s->st.req_in++;
    if (e->o.combining && q->n) {
        /* The last queued request to a's word (combine.h invariant 6). */
        uint32_t i = ix_slot(q, r->addr >> 3);
        int32_t last = q->ix[i].gen == q->gen ? (int32_t)q->ix[i].idx : -1;
        int rc = net_combine_queue(q->q, last, q->prev, &a, s->wb);
        if (rc >= 0) {
            s->st.combines++;
            s->live++;
            return;
        }
        if (rc == -ENOSPC) s->st.wb_refused++;
    }
    int rc = q_reserve(q, q->n + 1);
    if (rc < 0) {
        fail(e, rc, "out of memory in a switch queue");
        return;
    }
    if (rc == 1 && e->o.combining) { /* grown: re-index what is queued */
        uint32_t n = q->n;
        q->n = 0;
        for (uint32_t i = 0; i < n; i++) {
            struct net_req c = q->q[i];
            q_push(q, &c, q->path[i]);
        }
    }
    if (e->o.combining)
        q_push(q, &a, r->path);
    else
        q_push_plain(q, &a, r->path);
    if (q->n > s->st.q_peak) s->st.q_peak = q->n;
    if (q->remote) e->held++;
}

/* Handle a request that is at this rank: a switch's, or the MM's. */
static void req_at(struct net_eng *e, const struct net_rec *r)
{
    if (r->stage >= e->S)
        mm_serve(e, r);
    else
        sw_request(e, r);
}

/* Forward every request queued at q to its next hop. */
static void q_drain(struct net_eng *e, struct sw *s, struct queue *q)
{
    uint32_t n = q->n;
    /* The PE queue feeds stage 0. */
    uint8_t next = s == &e->pe ? 0 : (uint8_t)(s->stage + 1);
    struct net_rec r = {.kind = NET_REC_REQUEST, .stage = next};
    for (uint32_t i = 0; i < n; i++) {
        const struct net_req *a = &q->q[i];
        r.op = a->op, r.width = a->width, r.addr = a->addr, r.val = a->val, r.val2 = a->val2;
        r.tag = a->tag, r.path = q->path[i];
        if (q->remote)
            send_rec(e, q->dest, &r);
        else
            req_at(e, &r);
    }
    s->st.req_out += n;
    if (q->remote) e->held -= n;
    q_reset(q);
}

/* Move requests on: local queues always; remote ones if full or flushing. */
static int sweep(struct net_eng *e, bool flushing)
{
    int moved = 0;
    struct queue *pq = &e->pe.out[0];
    if (pq->n && (flushing || pq->n >= e->o.agg_cap)) {
        moved += (int)pq->n;
        q_drain(e, &e->pe, pq);
    }
    for (uint32_t k = 0; k < e->nsw; k++) {
        struct sw *s = &e->sw[k];
        for (int p = 0; p < 2; p++) {
            struct queue *q = &s->out[p];
            if (!q->n) continue;
            if (q->remote && !flushing && q->n < e->o.agg_cap) continue;
            moved += (int)q->n;
            q_drain(e, s, q);
        }
    }
    return moved;
}

/* Decombining: each B's reply goes back along B's own path. */
struct unwind_ctx {
    struct net_eng *e;
    struct sw *s;
    const struct net_rec *r;
};

static void emit_b(void *vctx, struct net_tag btag, uint64_t yb)
{
    struct unwind_ctx *c = vctx;
    struct net_eng *e = c->e;
    struct net_rec b = *c->r;
    uint64_t dmask = ((uint64_t)1 << e->S) - 1;
    b.tag = btag;
    b.val = yb;
    /* (a tag's node comes off the wire: out of range, as net_topo_vpos says) */
    uint32_t v = btag.node < e->P ? e->vpos[btag.node] : net_topo_vpos(&e->t, btag.node);
    b.path = (uint64_t)v << e->S | (c->r->path & dmask);
    b.stage = c->r->stage ? (uint8_t)(c->r->stage - 1) : STAGE_PE;
    c->s->st.rep_out++;
    rep_send(e, &b);
}

static void complete(struct net_eng *e, const struct net_rec *r);

/* Decombining at the PE: B's reply is a completion here. */
static void emit_pe_b(void *vctx, struct net_tag btag, uint64_t yb)
{
    struct unwind_ctx *c = vctx;
    struct net_rec b = *c->r;
    b.tag = btag;
    b.val = yb;
    c->s->st.rep_out++;
    complete(c->e, &b);
}

/* A reply home at its PE: the PE queue's combined requests come apart. */
static void pe_reply(struct net_eng *e, const struct net_rec *r)
{
    struct sw *s = &e->pe;
    if (!s->live) { /* nothing combined here (or no PE queue at all) */
        complete(e, r);
        return;
    }
    s->st.rep_in++;
    struct unwind_ctx c = {e, s, r};
    uint64_t ya = r->val;
    s->live -= (uint64_t)net_waitbuf_unwind(s->wb, r->tag, r->val, &ya, emit_pe_b, &c);
    struct net_rec a = *r;
    a.val = ya;
    s->st.rep_out++;
    complete(e, &a);
}

/* A reply at this rank: at a switch (decombine, send on) or at the PE. */
static void rep_at(struct net_eng *e, const struct net_rec *r)
{
    if (r->stage == STAGE_PE) {
        pe_reply(e, r);
        return;
    }
    struct net_hop h;
    net_topo_hop(&e->t, r->path, r->stage, &h);
    struct sw *s = local_sw(e, r->stage, h.sw);
    s->st.rep_in++;
    struct unwind_ctx c = {e, s, r};
    uint64_t ya = r->val;
    if (s->live) s->live -= (uint64_t)net_waitbuf_unwind(s->wb, r->tag, r->val, &ya, emit_b, &c);
    struct net_rec a = *r;
    a.val = ya;
    a.stage = r->stage ? (uint8_t)(r->stage - 1) : STAGE_PE;
    s->st.rep_out++;
    rep_send(e, &a);
}

/* ---- requesters: pending slots, per-proc counts, completions ---- */

static struct pcount *pc_find(const struct net_eng *e, uint32_t proc)
{
    uint32_t i = (proc * 0x9e3779b1u) & e->pcmask;
    while (e->pc[i].used && e->pc[i].proc != proc)
        i = (i + 1) & e->pcmask;
    return &e->pc[i];
}

static int pc_grow(struct net_eng *e)
{
    uint32_t ocap = e->pcmask + 1;
    struct pcount *old = e->pc;
    e->pc = calloc((size_t)ocap * 2, sizeof *e->pc);
    if (!e->pc) {
        e->pc = old;
        return -ENOMEM;
    }
    e->pcmask = ocap * 2 - 1;
    for (uint32_t i = 0; i < ocap; i++)
        if (old[i].used) *pc_find(e, old[i].proc) = old[i];
    free(old);
    return 0;
}

static int pc_inc(struct net_eng *e, uint32_t proc)
{
    struct pcount *p = pc_find(e, proc);
    if (!p->used) {
        if ((e->pcn + 1) * 2 > e->pcmask + 1) {
            if (pc_grow(e) < 0) return -ENOMEM;
            p = pc_find(e, proc);
        }
        *p = (struct pcount){proc, 1, 0};
        e->pcn++;
    }
    p->n++;
    return 0;
}

/* Decrement; at zero, delete by backward shift (linear probing). */
static void pc_dec(struct net_eng *e, uint32_t proc)
{
    struct pcount *p = pc_find(e, proc);
    if (!p->used || --p->n) return;
    uint32_t i = (uint32_t)(p - e->pc), j = i;
    for (;;) {
        e->pc[i].used = 0;
        for (;;) {
            j = (j + 1) & e->pcmask;
            if (!e->pc[j].used) {
                e->pcn--;
                return;
            }
            uint32_t home = (e->pc[j].proc * 0x9e3779b1u) & e->pcmask;
            /* Move j to i unless its home lies cyclically in (i, j]. */
            if (i <= j ? (home <= i || home > j) : (home <= i && home > j)) break;
        }
        e->pc[i] = e->pc[j];
        i = j;
    }
}

uint64_t net_eng_outstanding(const struct net_eng *e, uint32_t proc)
{
    const struct pcount *p = pc_find(e, proc);
    return p->used ? p->n : 0;
}

uint64_t net_eng_inflight(const struct net_eng *e)
{
    return e->inflight;
}

/* The pending slot a reply's tag names, or NULL (after failing). */
static struct pend *pend_of(struct net_eng *e, struct net_tag t)
{
    uint32_t slot = (uint32_t)(t.seq & SLOT_MASK);
    if (t.node != e->rank || slot >= e->npend || e->pend[slot].seq != t.seq) {
        fail(e, -EPROTO, "a reply for no pending request");
        return NULL;
    }
    return &e->pend[slot];
}

/* Request p is done: its completion waits for net_eng_reap; p is free. */
static void finish(struct net_eng *e, struct pend *p, int32_t err, uint64_t val)
{
    uint32_t slot = (uint32_t)(p - e->pend);
    if (e->dn == e->dcap) { /* grow the FIFO, unrolling it */
        size_t nc = e->dcap ? e->dcap * 2 : 256;
        struct net_done *nd = malloc(nc * sizeof *nd);
        if (!nd) {
            fail(e, -ENOMEM, "out of memory for completions");
            return;
        }
        for (size_t i = 0; i < e->dn; i++)
            nd[i] = e->done[(e->dhead + i) % e->dcap];
        free(e->done);
        e->done = nd, e->dcap = nc, e->dhead = 0;
    }
    e->done[(e->dhead + e->dn++) % e->dcap] =
        (struct net_done){.proc = p->proc, .err = err, .cookie = p->cookie, .val = val};
    pc_dec(e, p->proc);
    p->seq = 0;
    p->next_free = e->free_pend;
    e->free_pend = slot;
    e->inflight--;
    if (!p->sync) e->st.completed++;
}

static void complete(struct net_eng *e, const struct net_rec *r)
{
    struct pend *p = pend_of(e, r->tag);
    if (p) finish(e, p, -(int32_t)r->val2, r->val);
}

/* Keep the first error of proc's syncs for net_eng_sync_err. */
static void serr_note(struct net_eng *e, uint32_t proc, int32_t err)
{
    for (size_t i = 0; i < e->nserr; i++)
        if (e->serr[i].proc == proc) return; /* the first stays */
    if (e->nserr == e->capserr) {
        size_t nc = e->capserr ? e->capserr * 2 : 8;
        struct serr *ns = realloc(e->serr, nc * sizeof *ns);
        if (!ns) return; /* lost: the sync still completes */
        e->serr = ns, e->capserr = nc;
    }
    e->serr[e->nserr++] = (struct serr){proc, err};
}

int net_eng_sync_err(struct net_eng *e, uint32_t proc)
{
    for (size_t i = 0; i < e->nserr; i++) {
        if (e->serr[i].proc != proc) continue;
        int err = e->serr[i].err;
        e->serr[i] = e->serr[--e->nserr];
        return err;
    }
    return 0;
}

/* One MM's answer to a sync of this rank: the last one completes it. */
static void sync_part(struct net_eng *e, struct net_tag t, uint64_t pages, int32_t err)
{
    struct pend *p = pend_of(e, t);
    if (!p) return;
    p->acc += pages;
    if (err && !p->err) p->err = err;
    if (--p->left) return;
    if (p->err) serr_note(e, p->proc, p->err);
    finish(e, p, 0, p->acc);
}

/* This rank's MM serves a sync (of tag's rank): write back, answer. */
static void mm_sync(struct net_eng *e, uint64_t seg, struct net_tag t)
{
    long n = net_mm_writeback(e->mm, seg);
    e->syncs++;
    uint64_t pages = n > 0 ? (uint64_t)n : 0;
    int32_t err = n < 0 ? (int32_t)n : 0;
    if (t.node == e->rank) {
        sync_part(e, t, pages, err);
        return;
    }
    struct net_rec r = {.kind = NET_REC_SYNCED,
                        .op = NET_OP_LOAD,
                        .width = 8,
                        .addr = NET_GADDR(seg, 0),
                        .val = pages,
                        .val2 = (uint64_t) - (int64_t)err,
                        .tag = t};
    send_rec(e, t.node, &r);
}

/* Issue a sync (pending slot p, tag t): to every rank's MM, this one's last
 * (so that a P = 1 sync completes here and now). */
static void sync_issue(struct net_eng *e, struct pend *p, uint64_t seg, struct net_tag t)
{
    p->left = e->P, p->err = 0, p->acc = 0;
    struct net_rec r = {
        .kind = NET_REC_SYNC, .op = NET_OP_LOAD, .width = 8, .addr = NET_GADDR(seg, 0), .tag = t};
    for (uint32_t k = 1; k <= e->P; k++) {
        uint32_t dest = (e->rank + k) % e->P;
        if (dest == e->rank)
            mm_sync(e, seg, t);
        else
            send_rec(e, dest, &r);
    }
}

size_t net_eng_reap(struct net_eng *e, struct net_done *out, size_t max)
{
    size_t n = 0;
    while (n < max && e->dn) {
        out[n++] = e->done[e->dhead];
        e->dhead = (e->dhead + 1) % e->dcap;
        e->dn--;
    }
    return n;
}

static bool valid_mreq(const struct net_mreq *r)
{
    unsigned w = r->width;
    if (r->op == NET_MREQ_SYNC) return NET_GADDR_SEG(r->addr) != 0;
    if (r->op >= NET_OP_COUNT) return false;
    if (w != 1 && w != 2 && w != 4 && w != 8) return false;
    if (w < 4 && r->op != NET_OP_LOAD && r->op != NET_OP_STORE) return false;
    return (r->addr & (w - 1)) == 0;
}

int net_eng_issue(struct net_eng *e, const struct net_mreq *r)
{
    if (e->err) return e->err;
    if (!valid_mreq(r)) return -EINVAL;
    if (e->free_pend == UINT32_MAX) {
        uint32_t nn = e->npend ? e->npend * 2 : 1024;
        if (nn > SLOT_MASK + 1) return -EAGAIN;
        struct pend *np = realloc(e->pend, nn * sizeof *np);
        if (!np) return -ENOMEM;
        e->pend = np;
        for (uint32_t i = e->npend; i < nn; i++)
            np[i] = (struct pend){.next_free = i + 1 < nn ? i + 1 : UINT32_MAX};
        e->free_pend = e->npend;
        e->npend = nn;
    }
    if (pc_inc(e, r->proc) < 0) return -ENOMEM;
    uint32_t slot = e->free_pend;
    struct pend *p = &e->pend[slot];
    e->free_pend = p->next_free;
    p->seq = ++e->seqctr << SLOT_BITS | slot;
    p->cookie = r->cookie;
    p->proc = r->proc;
    p->sync = r->op == NET_MREQ_SYNC;
    e->inflight++;
    if (p->sync) {
        sync_issue(e, p, NET_GADDR_SEG(r->addr), (struct net_tag){e->rank, r->proc, p->seq});
        return e->err;
    }
    e->st.issued++;

    uint64_t seg = NET_GADDR_SEG(r->addr), off = NET_GADDR_OFF(r->addr);
    uint32_t home = net_home(seg, off / NET_PAGE_SIZE, e->P);
    struct net_rec rec = {.kind = NET_REC_REQUEST,
                          .op = r->op,
                          .width = r->width,
                          .stage = 0,
                          .addr = r->addr,
                          .val = r->val,
                          .val2 = r->val2,
                          .tag = {e->rank, r->proc, p->seq},
                          .path = path_of(e, e->rank, home)};
    uint32_t dest = home;
    if (e->S) {
        struct net_hop h;
        net_topo_hop(&e->t, rec.path, 0, &h);
        dest = h.rank;
    }
    if (dest == e->rank)
        req_at(e, &rec);
    else if (e->pe.wb)
        enqueue(e, &e->pe, &e->pe.out[0], &rec);
    else
        send_rec(e, dest, &rec);
    return e->err;
}

/* ---- MPI ---- */

/* Ring the bells of the ranks sent to since the last rings. Rung after a
 * burst of sends rather than at each: a woken rank may preempt this one. */
static void ring_due(struct net_eng *e)
{
    for (uint32_t i = 0; i < e->nring; i++) {
        e->ring_due[e->ring_list[i]] = 0;
        net_bell_ring(e->bells, (int)e->ring_list[i]);
    }
    e->nring = 0;
}

static void post_sends(struct net_eng *e)
{
    struct net_agg_msg m;
    while (net_agg_next(e->agg, &m) == 0) {
        if (e->nsends == e->capsends) {
            size_t nc = e->capsends ? e->capsends * 2 : 16;
            struct sendslot *ns = realloc(e->sends, nc * sizeof *ns);
            if (!ns) {
                fail(e, -ENOMEM, "out of memory for sends");
                return;
            }
            e->sends = ns, e->capsends = nc;
        }
        struct sendslot *s = &e->sends[e->nsends];
        if (MPI_Isend(m.data, (int)m.len, MPI_BYTE, (int)m.dest, MSG_TAG, e->comm, &s->req) !=
            MPI_SUCCESS) {
            fail(e, -EIO, "MPI_Isend failed");
            net_agg_release(e->agg, &m);
            return;
        }
        s->m = m;
        e->nsends++;
        if (e->bells && !e->ring_due[m.dest]) {
            e->ring_due[m.dest] = 1;
            e->ring_list[e->nring++] = m.dest;
        }
        e->st.msgs_sent++;
        e->st.bytes_sent += m.len;
    }
    ring_due(e);
}

static int test_sends(struct net_eng *e)
{
    for (size_t i = 0; i < e->nsends;) {
        int done = 0;
        if (MPI_Test(&e->sends[i].req, &done, MPI_STATUS_IGNORE) != MPI_SUCCESS)
            return fail(e, -EIO, "MPI_Test of a send failed");
        if (!done) {
            i++;
            continue;
        }
        net_agg_release(e->agg, &e->sends[i].m);
        e->sends[i] = e->sends[--e->nsends];
    }
    return 0;
}

static int post_recv(struct net_eng *e, unsigned i)
{
    if (MPI_Irecv(e->rbuf[i], e->rlen, MPI_BYTE, MPI_ANY_SOURCE, MSG_TAG, e->comm, &e->rreq[i]) !=
        MPI_SUCCESS)
        return fail(e, -EIO, "MPI_Irecv failed");
    return 0;
}

/* Does a received record belong here? Its route state must name a switch of
 * this rank, this rank's MM, or this rank's PE (a damaged record must not
 * index outside the switch table). */
static bool rec_ok(const struct net_eng *e, const struct net_rec *r)
{
    uint64_t vmask = ((uint64_t)1 << e->S) - 1;
    if (r->path >> (2 * e->S)) return false;
    int src = vrank_of(e, r->path >> e->S);
    int dst = vrank_of(e, r->path & vmask);
    if (src < 0 || dst < 0) return false;
    if (r->kind == NET_REC_REPLY && r->stage == STAGE_PE) return (uint32_t)src == e->rank;
    if (r->kind == NET_REC_REQUEST && r->stage == e->S) return (uint32_t)dst == e->rank;
    if (r->stage >= e->S) return false;
    struct net_hop h;
    net_topo_hop(&e->t, r->path, r->stage, &h);
    return h.rank == e->rank;
}

/* Take arrived messages in posting order (MPI keeps each sender's order). */
static int receive(struct net_eng *e)
{
    int handled = 0;
    for (;;) {
        unsigned i = e->rhead;
        int done = 0, len = 0;
        MPI_Status st;
        if (MPI_Test(&e->rreq[i], &done, &st) != MPI_SUCCESS)
            return fail(e, -EIO, "MPI_Test of a receive failed");
        if (!done) return handled;
        MPI_Get_count(&st, MPI_BYTE, &len);
        struct net_agg_hdr hdr;
        long n = net_agg_decode(e->rbuf[i], (size_t)len, &hdr, e->dec, e->deccap);
        if (n < 0 || hdr.receiver != e->rank || (int)hdr.sender != st.MPI_SOURCE) {
            char msg[96];
            snprintf(msg, sizeof msg, "damaged message from rank %d (%d bytes)", st.MPI_SOURCE,
                     len);
            return fail(e, -EBADMSG, msg);
        }
        e->st.msgs_recv++;
        e->st.bytes_recv += (uint64_t)len;
        for (long k = 0; k < n; k++) {
            const struct net_rec *r = &e->dec[k];
            if (r->kind == NET_REC_SYNC && r->tag.node < e->P) {
                mm_sync(e, NET_GADDR_SEG(r->addr), r->tag);
                continue;
            }
            if (r->kind == NET_REC_SYNCED && r->tag.node == e->rank) {
                sync_part(e, r->tag, r->val, -(int32_t)r->val2);
                continue;
            }
            if (r->kind > NET_REC_REPLY || !rec_ok(e, r)) {
                char msg[96];
                snprintf(msg, sizeof msg, "misrouted record from rank %d", st.MPI_SOURCE);
                return fail(e, -EBADMSG, msg);
            }
            if (r->kind == NET_REC_REQUEST)
                req_at(e, r);
            else
                rep_at(e, r);
        }
        handled += (int)n;
        e->rhead = (i + 1) % NRECV;
        if (post_recv(e, i) < 0) return e->err;
    }
}

/* ---- progress, flush, wait ---- */

static int do_flush(struct net_eng *e, enum net_flush_cause cause)
{
    sweep(e, true);
    net_agg_flush(e->agg, cause);
    clock_gettime(CLOCK_MONOTONIC, &e->last_flush);
    if (e->mpi) post_sends(e);
    return e->err;
}

int net_eng_flush(struct net_eng *e)
{
    return do_flush(e, NET_FLUSH_IDLE);
}

int net_eng_progress(struct net_eng *e)
{
    if (e->err) return e->err;
    int h = 0;
    if (e->mpi) {
        if (test_sends(e) < 0) return e->err;
        int r = receive(e);
        if (r < 0) return r;
        h += r;
    }
    h += sweep(e, false);
    if (e->mpi) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        int64_t dt = (ts.tv_sec - e->last_flush.tv_sec) * 1000000 +
                     (ts.tv_nsec - e->last_flush.tv_nsec) / 1000;
        if (dt >= (int64_t)e->o.flush_us) do_flush(e, NET_FLUSH_FORCE);
        post_sends(e);
    }
    return e->err ? e->err : h;
}

int net_eng_wait(struct net_eng *e, uint32_t max_us)
{
    if (e->err) return e->err;
    if (e->dn) return (int)e->dn;
    if (do_flush(e, NET_FLUSH_IDLE) < 0) return e->err;
    uint64_t start = now_us(), back = 50;
    for (;;) {
        uint32_t bell = net_bell_seq(e->bells); /* before the check: see bell.c */
        int h = net_eng_progress(e);
        if (h < 0) return h;
        if (e->dn) return (int)e->dn;
        if (net_msg_pending(e->net)) return 0; /* the kernel has mail */
        uint64_t t = now_us();
        if (h > 0) { /* real work: send it on at once, no sleep */
            if (do_flush(e, NET_FLUSH_IDLE) < 0) return e->err;
            back = 50;
            e->last_work_us = t;
        }
        uint64_t el = t - start;
        if (el >= max_us) return 0;
        if (h > 0) continue;
        net_bell_nap(e->bells, bell, back < max_us - el ? back : max_us - el);
        /* Own requests in flight: their replies are due; work in the last
         * NET_RECENT_US: traffic is passing through (a switch or MM serving
         * others), more is due. Keep polling often; a quiet rank backs off
         * to idle_max_us. */
        uint64_t cap = e->o.idle_max_us;
        bool busy = e->inflight || now_us() - e->last_work_us < NET_RECENT_US;
        if (busy && e->o.busy_max_us && e->o.busy_max_us < cap) cap = e->o.busy_max_us;
        back = back * 2 < cap ? back * 2 : cap;
    }
}

/* One step of an idle loop: progress; after work, flush at once; else sleep. */
static int idle_step(struct net_eng *e, uint64_t *back)
{
    uint32_t bell = net_bell_seq(e->bells);
    int h = net_eng_progress(e);
    if (h < 0) return h;
    if (h > 0) {
        *back = 50;
        return do_flush(e, NET_FLUSH_IDLE);
    }
    net_bell_nap(e->bells, bell, *back);
    *back = *back * 2 < e->o.idle_max_us ? *back * 2 : e->o.idle_max_us;
    return 0;
}

int net_eng_serve(struct net_eng *e, uint64_t *back_us)
{
    return idle_step(e, back_us);
}

int net_eng_quiesce(struct net_eng *e)
{
    uint64_t back = 50;
    if (do_flush(e, NET_FLUSH_IDLE) < 0) return e->err;
    while (e->inflight) /* completions stay for the caller to reap */
        if (idle_step(e, &back) < 0) return e->err;
    if (!e->mpi) return e->err;
    MPI_Request req;
    if (MPI_Ibarrier(e->comm, &req) != MPI_SUCCESS) return fail(e, -EIO, "MPI_Ibarrier failed");
    for (;;) {
        int done = 0;
        if (MPI_Test(&req, &done, MPI_STATUS_IGNORE) != MPI_SUCCESS)
            return fail(e, -EIO, "MPI_Test of the barrier failed");
        if (done) return e->err;
        if (idle_step(e, &back) < 0) return e->err;
    }
}

/* ---- create, destroy ---- */

/* Where output port p of switch s leads (a phantom MM: nowhere, unused). */
static void port_dest(struct net_eng *e, struct sw *s, unsigned p)
{
    struct queue *q = &s->out[p];
    if (s->stage + 1 < e->S) {
        uint32_t nsw;
        unsigned nin;
        net_topo_link(&e->t, s->stage, s->idx, p, &nsw, &nin);
        q->dest = net_topo_host(&e->t, s->stage + 1, nsw);
    } else {
        int r = net_topo_vrank(&e->t, s->idx << 1 | p);
        q->dest = r < 0 ? e->rank : (uint32_t)r;
    }
    q->remote = q->dest != e->rank;
}

static int create_topo_tables(struct net_eng *e)
{
    e->vpos = malloc(e->P * sizeof *e->vpos);
    e->vrank = malloc(e->t.vsize * sizeof *e->vrank);
    if (!e->vpos || !e->vrank) return -ENOMEM;
    for (uint32_t r = 0; r < e->P; r++)
        e->vpos[r] = net_topo_vpos(&e->t, r);
    for (uint32_t v = 0; v < e->t.vsize; v++)
        e->vrank[v] = net_topo_vrank(&e->t, v);
    return 0;
}

static int create_switches(struct net_eng *e)
{
    e->nsw = net_topo_nhosted(&e->t, e->rank);
    e->sw = calloc(e->nsw ? e->nsw : 1, sizeof *e->sw);
    if (!e->sw) return -ENOMEM;
    for (uint32_t k = 0; k < e->nsw; k++) {
        struct sw *s = &e->sw[k];
        net_topo_hosted(&e->t, e->rank, k, &s->stage, &s->idx);
        s->st.rank = e->rank, s->st.stage = s->stage, s->st.sw = s->idx;
        int rc = net_waitbuf_create(e->o.wb_cap, &s->wb);
        if (rc < 0) return rc;
        for (unsigned p = 0; p < 2; p++) {
            port_dest(e, s, p);
            if (q_reserve(&s->out[p], 64) < 0) return -ENOMEM;
        }
    }
    return 0;
}

/* The PE queue, if requests leave this rank for their first switch. */
static int create_pe_queue(struct net_eng *e)
{
    if (!e->S || !e->o.combining) return 0;
    struct net_hop h;
    net_topo_hop(&e->t, net_topo_path(&e->t, e->rank, 0), 0, &h); /* any home: same switch */
    if (h.rank == e->rank) return 0;
    struct sw *s = &e->pe;
    s->st.rank = e->rank, s->st.stage = UINT32_MAX, s->st.sw = UINT32_MAX;
    int rc = net_waitbuf_create(e->o.wb_cap, &s->wb);
    if (rc < 0) return rc;
    if (q_reserve(&s->out[0], 64) < 0) return -ENOMEM;
    s->out[0].dest = h.rank;
    s->out[0].remote = true;
    return 0;
}

static int create_mpi(struct net_eng *e)
{
    MPI_Request req;
    if (MPI_Comm_idup(net_comm(e->net), &e->comm, &req) != MPI_SUCCESS) return -EIO;
    if (net_idle_wait(&req, 1000) < 0) return -EIO;
    MPI_Comm_set_errhandler(e->comm, MPI_ERRORS_RETURN);
    /* Receive buffers fit the largest agg_cap of any rank. */
    int mine = (int)e->o.agg_cap, most = 0;
    if (MPI_Iallreduce(&mine, &most, 1, MPI_INT, MPI_MAX, e->comm, &req) != MPI_SUCCESS)
        return -EIO;
    if (net_idle_wait(&req, 1000) < 0) return -EIO;
    e->deccap = (uint32_t)most;
    e->rlen = (int)net_agg_wire_size(e->deccap);
    e->dec = malloc(e->deccap * sizeof *e->dec);
    if (!e->dec) return -ENOMEM;
    for (unsigned i = 0; i < NRECV; i++) {
        if (!(e->rbuf[i] = malloc((size_t)e->rlen))) return -ENOMEM;
        if (post_recv(e, i) < 0) return -EIO;
    }
    return 0;
}

int net_eng_create(struct net *n, const struct net_eng_opts *o, struct net_eng **out)
{
    struct net_eng_opts def;
    if (!o) {
        net_eng_opts_default(&def);
        o = &def;
    }
    if (o->agg_cap < 1 || o->agg_cap > 65536 || o->wb_cap < 1 || o->wb_cap > (1u << 20))
        return -EINVAL;
    struct net_eng *e = calloc(1, sizeof *e);
    if (!e) return -ENOMEM;
    e->net = n, e->o = *o, e->mpi = net_mpi_active(n) != 0;
    e->bells = e->mpi ? net_bells_of(n) : NULL;
    if (!e->o.idle_max_us) e->o.idle_max_us = 1000;
    e->rank = (uint32_t)net_rank(n), e->P = (uint32_t)net_size(n);
    for (unsigned i = 0; i < NRECV; i++)
        e->rreq[i] = MPI_REQUEST_NULL;
    e->free_pend = UINT32_MAX;
    e->pcmask = 63;
    int rc = net_topo_init(&e->t, e->P);
    if (rc == 0) {
        e->S = e->t.stages;
        e->pc = calloc(e->pcmask + 1, sizeof *e->pc);
        e->ring_due = calloc(e->P, 1);
        e->ring_list = calloc(e->P, sizeof *e->ring_list);
        rc = e->pc && e->ring_due && e->ring_list ? 0 : -ENOMEM;
    }
    if (rc == 0) rc = create_topo_tables(e);
    if (rc == 0) rc = net_mm_create(o->fill, o->writeback, o->ctx, o->watch_addr, &e->mm);
    if (rc == 0) net_mm_set_limit(e->mm, o->mm_max_pages);
    if (rc == 0) rc = net_agg_create(e->rank, e->P, o->agg_cap, &e->agg);
    if (rc == 0) rc = create_switches(e);
    if (rc == 0) rc = create_pe_queue(e);
    if (rc == 0 && e->mpi) rc = create_mpi(e);
    if (rc < 0) {
        fprintf(stderr, "symunix: rank %u: network engine: %s\n", e->rank, strerror(-rc));
        net_eng_destroy(e);
        return rc;
    }
    /* Precise sleeps: the default 50 us slack stretches every back-off step
     * (a 1-request round trip on 2 ranks: 290 -> 180 us). Process-wide. */
    if (o->timer_slack_ns) prctl(PR_SET_TIMERSLACK, (unsigned long)o->timer_slack_ns);
    clock_gettime(CLOCK_MONOTONIC, &e->last_flush);
    net_set_engine(n, e);
    *out = e;
    return 0;
}

void net_eng_destroy(struct net_eng *e)
{
    if (!e) return;
    if (e->net) net_set_engine(e->net, NULL);
    if (e->mpi && e->comm != MPI_COMM_NULL && e->rbuf[0]) {
        for (unsigned i = 0; i < NRECV; i++) {
            if (e->rreq[i] == MPI_REQUEST_NULL) continue;
            MPI_Cancel(&e->rreq[i]);
            MPI_Wait(&e->rreq[i], MPI_STATUS_IGNORE);
        }
        for (size_t i = 0; i < e->nsends; i++)
            MPI_Wait(&e->sends[i].req, MPI_STATUS_IGNORE);
    }
    if (e->mpi && e->comm != MPI_COMM_NULL) MPI_Comm_free(&e->comm);
    for (unsigned i = 0; i < NRECV; i++)
        free(e->rbuf[i]);
    for (uint32_t k = 0; e->sw && k < e->nsw; k++) {
        net_waitbuf_destroy(e->sw[k].wb);
        for (int p = 0; p < 2; p++) {
            free(e->sw[k].out[p].q);
            free(e->sw[k].out[p].path);
            free(e->sw[k].out[p].prev);
            free(e->sw[k].out[p].ix);
        }
    }
    free(e->sw);
    net_waitbuf_destroy(e->pe.wb);
    free(e->pe.out[0].q);
    free(e->pe.out[0].path);
    free(e->pe.out[0].prev);
    free(e->pe.out[0].ix);
    free(e->ring_due);
    free(e->vpos);
    free(e->vrank);
    free(e->ring_list);
    net_mm_destroy(e->mm);
    net_agg_destroy(e->agg);
    free(e->pend);
    free(e->pc);
    free(e->done);
    free(e->sends);
    free(e->dec);
    free(e->serr);
    free(e);
}

long net_eng_writeback(struct net_eng *e, uint64_t seg)
{
    return net_mm_writeback(e->mm, seg);
}

void net_eng_forget(struct net_eng *e, uint64_t seg)
{
    net_mm_forget(e->mm, seg);
}

/* ---- statistics ---- */

void net_eng_rank_stats(const struct net_eng *e, struct net_rank_stats *st)
{
    struct net_agg_stats as;
    net_agg_stats(e->agg, &as);
    *st = e->st;
    st->flush_full = as.flushes[NET_FLUSH_FULL];
    st->flush_idle = as.flushes[NET_FLUSH_IDLE];
    st->flush_force = as.flushes[NET_FLUSH_FORCE];
    net_mm_get_stats(e->mm, &st->mm);
    st->mm.syncs = e->syncs;
    st->pe_combines = e->pe.st.combines;
}

uint32_t net_eng_nsw(const struct net_eng *e)
{
    return e->nsw;
}

void net_eng_sw_stats(const struct net_eng *e, uint32_t k, struct net_sw_stats *st)
{
    const struct sw *s = &e->sw[k];
    struct net_waitbuf_stats ws;
    net_waitbuf_stats(s->wb, &ws);
    *st = s->st;
    st->wb_peak = ws.peak;
}

int net_eng_gather(struct net_eng *e, struct net_report **out)
{
    return net_eng_gather_comm(e, e->net, e->o.combining, out);
}
