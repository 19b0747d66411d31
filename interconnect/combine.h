/*
 * combine.h — combining and decombining of memory requests at one switch of the
 * combining network: the pure logic, with no MPI and no I/O, so that it can be
 * unit-tested exhaustively and the network (which moves requests between ranks)
 * only has to call it. Internal to interconnect/; docs/combining.md has the rule
 * table and what the network must do with it.
 *
 * Why: requests to one word that meet in a switch queue are merged into one
 * (the NYU Ultracomputer's combining), so a hot word costs its memory module one
 * request instead of n, and the replies are rebuilt on the way back. Combining
 * must never change results: every combined group behaves exactly as its
 * requests executed serially, A just before B (the serialization principle).
 *
 * The model
 *   Every combinable request is a map of the word's value plus a reply:
 *     LOAD        x -> x          reply: old value
 *     STORE v     x -> v          reply: NET_ACK (no value)
 *     SWAP v      x -> v          reply: old value
 *     AMOΦ e      x -> Φ(x, e)    reply: old value   (Φ = ADD AND OR XOR MIN MAX MINU MAXU)
 *   A then B composes to one map of the same kinds (Φ is associative; a
 *   constant map absorbs what comes before it), except AMOΦ then AMOΨ with
 *   Φ != Ψ, which is refused. The forwarded request is a STORE when no one needs
 *   the old value, a SWAP when the map is constant but someone does. B's reply
 *   is A's map applied to Y (the forwarded request's reply): Y itself after a
 *   LOAD, A's constant after a STORE/SWAP, Φ(Y, e) after an AMOΦ e. A's reply is
 *   always Y (or NET_ACK when A is a STORE).
 *
 * Widths: 8 (.d / ld / sd) or 4 (.w / lw / sw). A width-4 request works on the
 * 32-bit word: operands are taken modulo 2^32, MIN/MAX compare as int32, MINU/
 * MAXU as uint32, ADD wraps at 32 bits, and every value this module produces
 * (replies, forwarded operands, entry values) is sign-extended from bit 31, as
 * RISC-V's lw and amo*.w do (the hart zero-extends itself for lwu). Other
 * widths (1, 2) may be carried in a struct net_req but never combine.
 *
 * Invariants
 *  1. Only requests with equal address AND equal width combine, and only ops
 *     LOAD..AMOMAXU; LR, SC, CAS never combine, nor do AMOs with different Φ.
 *  2. The forwarded request carries A's tag (A is the earlier request), so the
 *     reply for the forwarded request *is* A's reply on its way home, and the
 *     wait-buffer entry is keyed by A's tag.
 *  3. For every state x of the word: applying the forwarded request to x and
 *     decombining its reply gives the same final value and the same replies
 *     for A and B as applying A and then B to x. (Tested at random.)
 *  4. A wait buffer holds at most its capacity; a full one refuses an insert
 *     with -ENOSPC and the caller forwards both requests uncombined.
 *  5. Several entries may share a key (a request combined again in the same
 *     switch, or in the tests' single buffer): net_waitbuf_take returns the
 *     most recently inserted one first, which is the outermost combine, so
 *     nesting unwinds in reverse order of combining.
 *  6. net_combine_queue combines an arrival only into the LAST queued request
 *     that overlaps its bytes, so per word the serial order equals the arrival
 *     order (program order of one process to one word is kept) and an arrival's
 *     tag is never a key of the same switch's buffer (it is always the B).
 *
 * The life of a request
 *   issued    the PE builds a struct net_req with a fresh tag (node, process,
 *             sequence) and sends it toward the word's home memory module.
 *   queued    at each switch it waits in an output queue; on arrival the switch
 *             calls net_combine_queue(). If it combined, the arrival vanishes
 *             into the queued request (which keeps its own tag and now carries
 *             the combined op and operand) and one entry goes into the switch's
 *             wait buffer (net_waitbuf_insert, done by net_combine_queue).
 *             A combined request can combine again, here or at later switches.
 *   served    the memory module applies the request (net_apply) and replies
 *             with Y under the request's tag.
 *   unwound   at each switch on the way back, net_waitbuf_unwind() takes every
 *             entry keyed by the reply's tag, latest first (net_waitbuf_take +
 *             net_decombine), sends each B's reply toward B's origin, and what
 *             remains is A's reply, sent on under A's tag. Each reply retraces
 *             its request's path and unwinds the earlier switches' entries.
 */
#ifndef SYMUNIX_COMBINE_H
#define SYMUNIX_COMBINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "interconnect/net.h" /* enum net_op, NET_ACK */

/* Who asked: unique among requests in flight; finds the wait-buffer entry. */
struct net_tag {
    uint32_t node; /* origin node (rank) */
    uint32_t proc; /* process on that node */
    uint64_t seq;  /* the process's request sequence number */
};

struct net_req {
    uint8_t op;    /* enum net_op */
    uint8_t width; /* 4 or 8 (1, 2 are carried but never combine) */
    uint64_t addr; /* physical global address of the word */
    uint64_t val;  /* operand: stored value, swap value, Φ's operand, CAS new */
    uint64_t val2; /* CAS's expected value; 0 otherwise */
    struct net_tag tag;
};

/* How B's reply is rebuilt from Y. */
enum net_dec_rule {
    NET_DEC_Y,     /* A was a LOAD: B <- Y */
    NET_DEC_CONST, /* A was a STORE/SWAP v: B <- v */
    NET_DEC_PHI,   /* A was AMOΦ e: B <- Φ(Y, e) */
};

/* A wait-buffer entry: everything needed to split the reply of a forwarded request. */
struct net_wbentry {
    struct net_tag key;  /* the forwarded request's tag (== A's tag) */
    struct net_tag btag; /* B's tag: where B's reply goes */
    uint64_t val;        /* e (NET_DEC_PHI) or v (NET_DEC_CONST); else 0 */
    uint8_t rule;        /* enum net_dec_rule */
    uint8_t phi;         /* A's op, for NET_DEC_PHI */
    uint8_t width;       /* 4 or 8 */
    uint8_t a_ack;       /* A was a STORE: its reply is NET_ACK */
    uint8_t b_ack;       /* B was a STORE: its reply is NET_ACK */
};

static inline bool net_tag_eq(struct net_tag a, struct net_tag b)
{
    return a.node == b.node && a.proc == b.proc && a.seq == b.seq;
}

/* True if op may take part in combining at all (LOAD..AMOMAXU). */
bool net_op_combinable(unsigned op);

/* The value v as a reply of the given width (sign-extended from bit 31 for 4). */
uint64_t net_canon(unsigned width, uint64_t v);

/*
 * Combine A (serialized just before) and B, both to the same word. Returns true
 * and fills *fwd (the request to forward in A's place, with A's tag) and *ent
 * (the wait-buffer entry) if they combine; returns false and touches nothing if
 * they do not (invariant 1). Pure: inserting *ent is the caller's business.
 */
bool net_combine(const struct net_req *a, const struct net_req *b, struct net_req *fwd,
                 struct net_wbentry *ent);

/* Given Y, the reply to the forwarded request, the replies for A and B. */
void net_decombine(const struct net_wbentry *ent, uint64_t y, uint64_t *ya, uint64_t *yb);

/*
 * What a memory module does: apply r to the word's value *x (for width 4 the
 * low 32 bits matter; the result is kept sign-extended) and return the reply in
 * *reply (NET_ACK for STORE; for CAS the old value). Returns 0, or -EINVAL for
 * LR/SC (they need the module's reservation state) or a width other than 4, 8.
 */
int net_apply(const struct net_req *r, uint64_t *x, uint64_t *reply);

/* ---- the wait buffer: fixed capacity, keyed by the forwarded request's tag ---- */

struct net_waitbuf;

struct net_waitbuf_stats {
    uint64_t combines; /* entries ever inserted */
    uint64_t refused;  /* inserts refused because the buffer was full */
    uint32_t occupancy;
    uint32_t peak; /* highest occupancy seen */
    uint32_t capacity;
};

/* A wait buffer of cap entries (1 <= cap <= 1<<20). Returns 0, -EINVAL, -ENOMEM. */
int net_waitbuf_create(uint32_t cap, struct net_waitbuf **out);
void net_waitbuf_destroy(struct net_waitbuf *wb);
/* Add an entry. Returns 0, or -ENOSPC if full (invariant 4). */
int net_waitbuf_insert(struct net_waitbuf *wb, const struct net_wbentry *ent);
/* Remove and return the latest entry keyed by tag (invariant 5). 0 or -ENOENT. */
int net_waitbuf_take(struct net_waitbuf *wb, struct net_tag tag, struct net_wbentry *out);
void net_waitbuf_stats(const struct net_waitbuf *wb, struct net_waitbuf_stats *st);

/*
 * Decombine a reply completely at this switch: for every entry keyed by tag,
 * latest first, split y, call emit(ctx, B's tag, B's reply), and continue with
 * A's part. *ya gets what is left: the reply to send on under tag. Returns the
 * number of entries unwound (0: nothing was combined here under this tag).
 */
int net_waitbuf_unwind(struct net_waitbuf *wb, struct net_tag tag, uint64_t y, uint64_t *ya,
                       void (*emit)(void *ctx, struct net_tag btag, uint64_t yb), void *ctx);

/*
 * The queue side: q[] holds the requests waiting in one switch queue, oldest
 * first; arr has just arrived. The candidates are walked newest first from
 * index `last` (-1: none) through prev[k], the next older candidate of q[k]
 * (-1 ends the walk), or, with prev == NULL, through k - 1: every queued
 * request. The walk must include every queued request overlapping arr's bytes
 * (the engine keeps, per 8-byte word, a chain of the requests to it: aligned
 * requests of at most 8 bytes overlap only within their word). Finds the
 * first (newest) candidate overlapping arr's bytes; if it has arr's address
 * and width and combines with arr (queued as A, arr as B), replaces it by the
 * forwarded request, inserts the entry in wb and returns its index. Otherwise
 * returns -ENOENT (no partner: append arr) or -ENOSPC (wait buffer full:
 * append arr); q is then unchanged.
 */
int net_combine_queue(struct net_req *q, int32_t last, const int32_t *prev,
                      const struct net_req *arr, struct net_waitbuf *wb);

#endif /* SYMUNIX_COMBINE_H */
