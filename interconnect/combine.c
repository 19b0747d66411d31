/*
 * combine.c — the combining rules, decombining, and the wait buffer of one
 * switch (see combine.h for the model and invariants, docs/combining.md for
 * the table). Pure logic: no MPI, no I/O, so the unit tests can check every
 * rule against serial execution.
 *
 * Each combinable request is seen as a map of the word's value (identity for
 * LOAD, constant for STORE/SWAP, x -> Φ(x,e) for AMOΦ); combining composes two
 * maps and decides whether the forwarded request must return the old value.
 */
#include "interconnect/combine.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>

/* The three kinds of map a combinable request applies to the word. */
enum kind { K_ID, K_CONST, K_PHI };

static enum kind kind_of(unsigned op)
{
    if (op == NET_OP_LOAD) return K_ID;
    if (op == NET_OP_STORE || op == NET_OP_SWAP) return K_CONST;
    return K_PHI;
}

bool net_op_combinable(unsigned op)
{
    return op <= NET_OP_AMOMAXU;
}

uint64_t net_canon(unsigned width, uint64_t v)
{
    return width == 4 ? (uint64_t)(int64_t)(int32_t)(uint32_t)v : v;
}

/* Φ(x, e) at the given width, canonical (combine.h: widths). */
static uint64_t phi(unsigned op, unsigned width, uint64_t x, uint64_t e)
{
    x = net_canon(width, x);
    e = net_canon(width, e); /* width 4: int64 order of sign-extended = int32 order */
    if (width == 4 && (op == NET_OP_AMOMINU || op == NET_OP_AMOMAXU)) {
        x = (uint32_t)x; /* compare as uint32 */
        e = (uint32_t)e;
    }
    uint64_t r;
    switch (op) {
    case NET_OP_AMOADD: r = x + e; break;
    case NET_OP_AMOAND: r = x & e; break;
    case NET_OP_AMOOR: r = x | e; break;
    case NET_OP_AMOXOR: r = x ^ e; break;
    case NET_OP_AMOMIN: r = (int64_t)x < (int64_t)e ? x : e; break;
    case NET_OP_AMOMAX: r = (int64_t)x > (int64_t)e ? x : e; break;
    case NET_OP_AMOMINU: r = x < e ? x : e; break;
    case NET_OP_AMOMAXU: r = x > e ? x : e; break;
    default: assert(!"phi: not an AMO"); r = x;
    }
    return net_canon(width, r);
}

/* The request returns the word's old value (all but STORE). */
static bool returns_value(unsigned op)
{
    return op != NET_OP_STORE;
}

static bool same_word(const struct net_req *a, const struct net_req *b)
{
    return a->addr == b->addr && a->width == b->width && (a->width == 4 || a->width == 8);
}

/* The entry's rule for B: A's map applied to Y. */
static void fill_entry(const struct net_req *a, const struct net_req *b, struct net_wbentry *ent)
{
    unsigned w = a->width;
    *ent = (struct net_wbentry){.key = a->tag, .btag = b->tag, .width = (uint8_t)w};
    switch (kind_of(a->op)) {
    case K_ID: ent->rule = NET_DEC_Y; break;
    case K_CONST:
        ent->rule = NET_DEC_CONST;
        ent->val = net_canon(w, a->val);
        break;
    case K_PHI:
        ent->rule = NET_DEC_PHI;
        ent->phi = a->op;
        ent->val = net_canon(w, a->val);
        break;
    }
    ent->a_ack = a->op == NET_OP_STORE;
    ent->b_ack = b->op == NET_OP_STORE;
}

bool net_combine(const struct net_req *a, const struct net_req *b, struct net_req *fwd,
                 struct net_wbentry *ent)
{
    if (!net_op_combinable(a->op) || !net_op_combinable(b->op) || !same_word(a, b)) return false;
    enum kind ka = kind_of(a->op), kb = kind_of(b->op);
    if (ka == K_PHI && kb == K_PHI && a->op != b->op) return false; /* mixed Φ */
    unsigned w = a->width;

    /* Compose: the map of "A then B" and its operand. */
    enum kind k;
    unsigned phiop = 0;
    uint64_t val = 0;
    if (kb == K_ID) {
        k = ka, phiop = a->op, val = a->val;
    } else if (kb == K_CONST) {
        k = K_CONST, val = b->val;
    } else if (ka == K_ID) {
        k = K_PHI, phiop = b->op, val = b->val;
    } else if (ka == K_CONST) {
        k = K_CONST, val = phi(b->op, w, a->val, b->val);
    } else {
        k = K_PHI, phiop = a->op, val = phi(a->op, w, a->val, b->val);
    }
    /* The old value is needed by A, or by B unless A's map is constant. */
    bool need_y = returns_value(a->op) || (returns_value(b->op) && ka != K_CONST);

    unsigned op;
    switch (k) {
    case K_ID: op = NET_OP_LOAD; break;
    case K_CONST: op = need_y ? NET_OP_SWAP : NET_OP_STORE; break;
    default: op = phiop; break;
    }
    assert(need_y || op == NET_OP_STORE);
    fill_entry(a, b, ent);
    *fwd = (struct net_req){.op = (uint8_t)op,
                            .width = (uint8_t)w,
                            .addr = a->addr,
                            .val = k == K_ID ? 0 : net_canon(w, val),
                            .tag = a->tag};
    return true;
}

void net_decombine(const struct net_wbentry *ent, uint64_t y, uint64_t *ya, uint64_t *yb)
{
    unsigned w = ent->width;
    y = net_canon(w, y);
    uint64_t b;
    switch (ent->rule) {
    case NET_DEC_Y: b = y; break;
    case NET_DEC_CONST: b = net_canon(w, ent->val); break;
    case NET_DEC_PHI: b = phi(ent->phi, w, y, ent->val); break;
    default: assert(!"net_decombine: bad rule"); b = 0;
    }
    *ya = ent->a_ack ? NET_ACK : y;
    *yb = ent->b_ack ? NET_ACK : b;
}

int net_apply(const struct net_req *r, uint64_t *x, uint64_t *reply)
{
    unsigned w = r->width;
    if (w != 4 && w != 8) return -EINVAL;
    uint64_t old = net_canon(w, *x);
    switch (r->op) {
    case NET_OP_LOAD: *reply = old; return 0;
    case NET_OP_STORE: *x = net_canon(w, r->val), *reply = NET_ACK; return 0;
    case NET_OP_SWAP: *x = net_canon(w, r->val), *reply = old; return 0;
    case NET_OP_CAS:
        if (old == net_canon(w, r->val2)) *x = net_canon(w, r->val);
        *reply = old;
        return 0;
    case NET_OP_LR:
    case NET_OP_SC: return -EINVAL;
    default:
        if (r->op >= NET_OP_COUNT) return -EINVAL;
        *x = phi(r->op, w, old, r->val);
        *reply = old;
        return 0;
    }
}

/* ---- wait buffer: a hash of chains through a fixed slot array ---- */

#define NIL UINT32_MAX

struct slot {
    struct net_wbentry e;
    uint32_t next; /* next in bucket chain, or in the free list */
};

struct net_waitbuf {
    uint32_t cap, nbucket; /* nbucket: a power of two >= cap */
    uint32_t free;         /* head of the free list */
    struct net_waitbuf_stats st;
    uint32_t *bucket; /* chain heads; newest entry first (invariant 5) */
    struct slot *slot;
};

static uint32_t hash_tag(struct net_tag t, uint32_t nbucket)
{
    uint64_t h = t.seq * 0x9e3779b97f4a7c15ull;
    h ^= ((uint64_t)t.node << 32 | t.proc) * 0xc2b2ae3d27d4eb4full;
    h ^= h >> 29;
    return (uint32_t)h & (nbucket - 1);
}

int net_waitbuf_create(uint32_t cap, struct net_waitbuf **out)
{
    if (cap < 1 || cap > (1u << 20)) return -EINVAL;
    struct net_waitbuf *wb = calloc(1, sizeof *wb);
    if (!wb) return -ENOMEM;
    uint32_t nb = 1;
    while (nb < cap)
        nb <<= 1;
    wb->cap = cap, wb->nbucket = nb, wb->st.capacity = cap;
    wb->bucket = malloc(nb * sizeof *wb->bucket);
    wb->slot = malloc(cap * sizeof *wb->slot);
    if (!wb->bucket || !wb->slot) {
        net_waitbuf_destroy(wb);
        return -ENOMEM;
    }
    for (uint32_t i = 0; i < nb; i++)
        wb->bucket[i] = NIL;
    for (uint32_t i = 0; i < cap; i++)
        wb->slot[i].next = i + 1 < cap ? i + 1 : NIL;
    wb->free = 0;
    *out = wb;
    return 0;
}

void net_waitbuf_destroy(struct net_waitbuf *wb)
{
    if (!wb) return;
    free(wb->bucket);
    free(wb->slot);
    free(wb);
}

int net_waitbuf_insert(struct net_waitbuf *wb, const struct net_wbentry *ent)
{
    if (wb->free == NIL) {
        wb->st.refused++;
        return -ENOSPC;
    }
    uint32_t i = wb->free, b = hash_tag(ent->key, wb->nbucket);
    wb->free = wb->slot[i].next;
    wb->slot[i].e = *ent;
    wb->slot[i].next = wb->bucket[b]; /* push at the head: newest first */
    wb->bucket[b] = i;
    wb->st.combines++;
    if (++wb->st.occupancy > wb->st.peak) wb->st.peak = wb->st.occupancy;
    return 0;
}

int net_waitbuf_take(struct net_waitbuf *wb, struct net_tag tag, struct net_wbentry *out)
{
    uint32_t *link = &wb->bucket[hash_tag(tag, wb->nbucket)];
    for (uint32_t i = *link; i != NIL; link = &wb->slot[i].next, i = *link) {
        if (!net_tag_eq(wb->slot[i].e.key, tag)) continue;
        *out = wb->slot[i].e;
        *link = wb->slot[i].next;
        wb->slot[i].next = wb->free;
        wb->free = i;
        wb->st.occupancy--;
        return 0;
    }
    return -ENOENT;
}

void net_waitbuf_stats(const struct net_waitbuf *wb, struct net_waitbuf_stats *st)
{
    *st = wb->st;
}

int net_waitbuf_unwind(struct net_waitbuf *wb, struct net_tag tag, uint64_t y, uint64_t *ya,
                       void (*emit)(void *ctx, struct net_tag btag, uint64_t yb), void *ctx)
{
    struct net_wbentry e;
    int n = 0;
    while (net_waitbuf_take(wb, tag, &e) == 0) {
        uint64_t a, b;
        net_decombine(&e, y, &a, &b);
        emit(ctx, e.btag, b);
        y = a;
        n++;
    }
    *ya = y;
    return n;
}

/* ---- the queue side ---- */

static bool overlap(const struct net_req *a, const struct net_req *b)
{
    return a->addr < b->addr + b->width && b->addr < a->addr + a->width;
}

int net_combine_queue(struct net_req *q, int32_t last, const int32_t *prev,
                      const struct net_req *arr, struct net_waitbuf *wb)
{
    for (int32_t i = last; i >= 0; i = prev ? prev[i] : i - 1) {
        if (!overlap(&q[i], arr)) continue;
        /* Only the last overlapping request is a partner (invariant 6). */
        struct net_req fwd;
        struct net_wbentry ent;
        if (!net_combine(&q[i], arr, &fwd, &ent)) return -ENOENT;
        int rc = net_waitbuf_insert(wb, &ent);
        if (rc < 0) return rc;
        q[i] = fwd;
        return (int)i;
    }
    return -ENOENT;
}
