/*
 * test_combine.c — the combining rules of interconnect/combine.[ch] against
 * serial execution: one test per row of the rule table (docs/combining.md) with
 * hand-computed values, the refused pairs, the fetch-and-add oracle of
 * combining.md (n unit F&As in any tree return {V0..V0+n-1} and leave V0+n),
 * a full wait buffer, nesting across switches, and seeded random checks: random
 * request sequences to one word combined in random tree shapes, and random
 * traffic through a switch queue with overlapping words of both widths, each
 * compared with executing the requests one by one in the order combining implies.
 *
 * The serial executor here (oracle_apply) is written independently of the
 * module's net_apply, with explicit int32_t/uint32_t arithmetic for .w.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "interconnect/combine.h"

/* ---- helpers ---- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
    uint64_t x = rng_state; /* xorshift64* */
    x ^= x >> 12, x ^= x << 25, x ^= x >> 27;
    rng_state = x;
    return x * 0x2545f4914f6cdd1dull;
}

static unsigned rnd_below(unsigned n)
{
    return (unsigned)(rnd() % n);
}

static struct net_req mk(unsigned op, unsigned width, uint64_t addr, uint64_t val, uint64_t seq)
{
    return (struct net_req){.op = (uint8_t)op,
                            .width = (uint8_t)width,
                            .addr = addr,
                            .val = val,
                            .tag = {.node = (uint32_t)(seq % 7), .proc = 1, .seq = seq}};
}

static uint64_t sext32(uint32_t v)
{
    return (uint64_t)(int64_t)(int32_t)v;
}

/* Serial semantics of one request on a word holding *mem (width 4: low 32 bits). */
static uint64_t oracle_apply(const struct net_req *r, uint64_t *mem)
{
    if (r->width == 4) {
        uint32_t o = (uint32_t)*mem, e = (uint32_t)r->val, n = o;
        uint64_t reply = sext32(o);
        switch (r->op) {
        case NET_OP_LOAD: break;
        case NET_OP_STORE: n = e, reply = 0; break;
        case NET_OP_SWAP: n = e; break;
        case NET_OP_AMOADD: n = o + e; break;
        case NET_OP_AMOAND: n = o & e; break;
        case NET_OP_AMOOR: n = o | e; break;
        case NET_OP_AMOXOR: n = o ^ e; break;
        case NET_OP_AMOMIN: n = (int32_t)o < (int32_t)e ? o : e; break;
        case NET_OP_AMOMAX: n = (int32_t)o > (int32_t)e ? o : e; break;
        case NET_OP_AMOMINU: n = o < e ? o : e; break;
        case NET_OP_AMOMAXU: n = o > e ? o : e; break;
        case NET_OP_CAS: n = o == (uint32_t)r->val2 ? e : o; break;
        default: cr_assert_fail("oracle: op %u", r->op);
        }
        *mem = sext32(n);
        return reply;
    }
    uint64_t o = *mem, e = r->val, n = o, reply = o;
    switch (r->op) {
    case NET_OP_LOAD: break;
    case NET_OP_STORE: n = e, reply = 0; break;
    case NET_OP_SWAP: n = e; break;
    case NET_OP_AMOADD: n = o + e; break;
    case NET_OP_AMOAND: n = o & e; break;
    case NET_OP_AMOOR: n = o | e; break;
    case NET_OP_AMOXOR: n = o ^ e; break;
    case NET_OP_AMOMIN: n = (int64_t)o < (int64_t)e ? o : e; break;
    case NET_OP_AMOMAX: n = (int64_t)o > (int64_t)e ? o : e; break;
    case NET_OP_AMOMINU: n = o < e ? o : e; break;
    case NET_OP_AMOMAXU: n = o > e ? o : e; break;
    case NET_OP_CAS: n = o == r->val2 ? e : o; break;
    default: cr_assert_fail("oracle: op %u", r->op);
    }
    *mem = n;
    return reply;
}

/* ---- one test per row of the table ---- */

struct row {
    unsigned width;
    unsigned aop;
    uint64_t aval;
    unsigned bop;
    uint64_t bval;
    unsigned fop; /* expected forwarded op and operand */
    uint64_t fval;
    uint64_t mem; /* the word before */
    uint64_t ya, yb;
};

/* Combine, check the forwarded request, serve it, decombine, check replies,
 * and check everything once more against serial execution of A then B. */
static void check_row(const struct row *r)
{
    struct net_req a = mk(r->aop, r->width, 0x1000, r->aval, 1);
    struct net_req b = mk(r->bop, r->width, 0x1000, r->bval, 2);
    struct net_req f;
    struct net_wbentry e;
    cr_assert(net_combine(&a, &b, &f, &e), "pair refused");
    cr_assert_eq(f.op, r->fop, "forwarded op %u, want %u", f.op, r->fop);
    if (r->fop != NET_OP_LOAD) cr_assert_eq(f.val, r->fval, "forwarded %#llx", (long long)f.val);
    cr_assert(net_tag_eq(f.tag, a.tag) && net_tag_eq(e.key, a.tag) && net_tag_eq(e.btag, b.tag));
    uint64_t mem = r->mem, y = oracle_apply(&f, &mem), ya, yb;
    net_decombine(&e, y, &ya, &yb);
    cr_assert_eq(ya, r->ya, "A got %#llx, want %#llx", (long long)ya, (long long)r->ya);
    cr_assert_eq(yb, r->yb, "B got %#llx, want %#llx", (long long)yb, (long long)r->yb);
    uint64_t smem = r->mem, sa = oracle_apply(&a, &smem), sb = oracle_apply(&b, &smem);
    cr_assert(sa == ya && sb == yb && smem == mem, "differs from serial A;B");
}

#define L  NET_OP_LOAD
#define S  NET_OP_STORE
#define W  NET_OP_SWAP
#define FA NET_OP_AMOADD

/* Rows of combining.md. */
Test(rows, load_load)
{
    check_row(&(struct row){8, L, 0, L, 0, L, 0, 42, 42, 42});
}
Test(rows, store_store)
{
    check_row(&(struct row){8, S, 5, S, 7, S, 7, 1, 0, 0});
}
Test(rows, store_then_load)
{
    check_row(&(struct row){8, S, 9, L, 0, S, 9, 1, 0, 9});
}
Test(rows, fa_fa)
{
    check_row(&(struct row){8, FA, 3, FA, 4, FA, 7, 10, 10, 13});
}
Test(rows, fphi_fphi_or)
{
    check_row(&(struct row){8, NET_OP_AMOOR, 0x0f, NET_OP_AMOOR, 0xf0, NET_OP_AMOOR, 0xff, 0x100,
                            0x100, 0x10f});
}
Test(rows, fphi_fphi_min_w_signed)
{
    /* amomin.w -5, amomin.w 3 -> amomin.w -5; word 0: A <- 0, B <- min(0,-5) = -5 */
    check_row(&(struct row){4, NET_OP_AMOMIN, (uint32_t)-5, NET_OP_AMOMIN, 3, NET_OP_AMOMIN,
                            (uint64_t)-5, 0, 0, (uint64_t)-5});
}
Test(rows, fphi_fphi_maxu_w_unsigned)
{
    /* amomaxu.w 0xffffffff, 1 -> 0xffffffff (sign-extended); word 2: B <- 0xffffffff sext */
    check_row(&(struct row){4, NET_OP_AMOMAXU, 0xffffffffu, NET_OP_AMOMAXU, 1, NET_OP_AMOMAXU,
                            UINT64_MAX, 2, 2, UINT64_MAX});
}
Test(rows, fphi_fphi_max_d_signed)
{
    check_row(&(struct row){8, NET_OP_AMOMAX, (uint64_t)-7, NET_OP_AMOMAX, (uint64_t)-9,
                            NET_OP_AMOMAX, (uint64_t)-7, (uint64_t)-8, (uint64_t)-8, (uint64_t)-7});
}
Test(rows, fphi_fphi_xor_and)
{
    check_row(&(struct row){8, NET_OP_AMOXOR, 0x3, NET_OP_AMOXOR, 0x5, NET_OP_AMOXOR, 0x6, 0x1, 0x1,
                            0x2});
    check_row(&(struct row){8, NET_OP_AMOAND, 0xfe, NET_OP_AMOAND, 0x7f, NET_OP_AMOAND, 0x7e, 0xff,
                            0xff, 0xfe});
    check_row(&(struct row){8, NET_OP_AMOMINU, 5, NET_OP_AMOMINU, UINT64_MAX, NET_OP_AMOMINU, 5, 9,
                            9, 5});
}
Test(rows, swap_swap)
{
    check_row(&(struct row){8, W, 1, W, 2, W, 2, 0, 0, 1});
}
Test(rows, load_then_fa)
{
    check_row(&(struct row){8, L, 0, FA, 5, FA, 5, 100, 100, 100});
}
Test(rows, store_then_fa)
{
    check_row(&(struct row){8, S, 10, FA, 3, S, 13, 77, 0, 10});
}
Test(rows, fa_w_sign_extension)
{
    /* amoadd.w 0x7fffffff then amoadd.w 1 -> amoadd.w 0x80000000 (sext); word 0 */
    check_row(&(struct row){4, FA, 0x7fffffff, FA, 1, FA, 0xffffffff80000000ull, 0, 0, 0x7fffffff});
}

/* Rows added here (docs/combining.md), from the serialization principle. */
Test(rows, load_then_store_is_swap)
{
    check_row(&(struct row){8, L, 0, S, 8, W, 8, 3, 3, 0});
}
Test(rows, load_then_swap)
{
    check_row(&(struct row){8, L, 0, W, 8, W, 8, 3, 3, 3});
}
Test(rows, store_then_swap)
{
    check_row(&(struct row){8, S, 4, W, 8, S, 8, 3, 0, 4});
}
Test(rows, swap_then_load)
{
    check_row(&(struct row){8, W, 4, L, 0, W, 4, 3, 3, 4});
}
Test(rows, swap_then_store)
{
    check_row(&(struct row){8, W, 4, S, 6, W, 6, 3, 3, 0});
}
Test(rows, swap_then_fphi)
{
    check_row(&(struct row){8, W, 4, FA, 6, W, 10, 3, 3, 4});
    check_row(&(struct row){8, W, 0xc, NET_OP_AMOAND, 0xa, W, 0x8, 3, 3, 0xc});
}
Test(rows, fphi_then_load)
{
    check_row(&(struct row){8, FA, 5, L, 0, FA, 5, 3, 3, 8});
    check_row(&(struct row){4, NET_OP_AMOMAXU, 0x80000000u, L, 0, NET_OP_AMOMAXU,
                            0xffffffff80000000ull, 3, 3, 0xffffffff80000000ull});
}
Test(rows, fphi_then_store_is_swap)
{
    check_row(&(struct row){8, FA, 5, S, 1, W, 1, 3, 3, 0});
}
Test(rows, fphi_then_swap)
{
    check_row(&(struct row){8, NET_OP_AMOOR, 4, W, 1, W, 1, 3, 3, 7});
}
Test(rows, store_then_fphi)
{
    check_row(&(struct row){8, S, 0xff, NET_OP_AMOAND, 0x0f, S, 0x0f, 3, 0, 0xff});
    check_row(&(struct row){4, S, 0x7fffffff, FA, 1, S, 0xffffffff80000000ull, 3, 0, 0x7fffffff});
}
Test(rows, load_then_fphi)
{
    check_row(&(struct row){8, L, 0, NET_OP_AMOMAX, 9, NET_OP_AMOMAX, 9, 3, 3, 3});
}

/* ---- refusals ---- */

static void refused(struct net_req a, struct net_req b)
{
    struct net_req f = {.op = 0xee};
    struct net_wbentry e = {.rule = 0xee};
    cr_assert_not(net_combine(&a, &b, &f, &e), "ops %u,%u combined", a.op, b.op);
    cr_assert(f.op == 0xee && e.rule == 0xee, "refusal wrote its outputs");
}

Test(refuse, mixed_phi)
{
    for (unsigned p = NET_OP_AMOADD; p <= NET_OP_AMOMAXU; p++)
        for (unsigned q = NET_OP_AMOADD; q <= NET_OP_AMOMAXU; q++)
            if (p != q) refused(mk(p, 8, 0, 1, 1), mk(q, 8, 0, 1, 2));
}

Test(refuse, width_address_and_never_ops)
{
    refused(mk(FA, 4, 0, 1, 1), mk(FA, 8, 0, 1, 2));
    refused(mk(L, 8, 0, 0, 1), mk(L, 4, 0, 0, 2));
    refused(mk(FA, 8, 0, 1, 1), mk(FA, 8, 8, 1, 2));
    refused(mk(L, 4, 0, 0, 1), mk(L, 4, 4, 0, 2));
    refused(mk(L, 2, 0, 0, 1), mk(L, 2, 0, 0, 2));
    refused(mk(S, 1, 0, 0, 1), mk(S, 1, 0, 0, 2));
    for (unsigned op = NET_OP_LR; op <= NET_OP_CAS; op++)
        for (unsigned other = 0; other < NET_OP_COUNT; other++) {
            refused(mk(op, 8, 0, 1, 1), mk(other, 8, 0, 1, 2));
            refused(mk(other, 8, 0, 1, 1), mk(op, 8, 0, 1, 2));
        }
}

Test(refuse, net_apply_lr_sc_bad_width)
{
    uint64_t x = 0, y;
    cr_assert_eq(net_apply(&(struct net_req){.op = NET_OP_LR, .width = 8}, &x, &y), -EINVAL);
    cr_assert_eq(net_apply(&(struct net_req){.op = NET_OP_SC, .width = 4}, &x, &y), -EINVAL);
    cr_assert_eq(net_apply(&(struct net_req){.op = NET_OP_LOAD, .width = 2}, &x, &y), -EINVAL);
}

/* ---- wait buffer ---- */

Test(waitbuf, full_refuses_and_counts)
{
    struct net_waitbuf *wb;
    cr_assert_eq(net_waitbuf_create(0, &wb), -EINVAL);
    cr_assert_eq(net_waitbuf_create(2, &wb), 0);
    struct net_req q[4] = {mk(FA, 8, 0, 1, 1)};
    size_t n = 1;
    for (uint64_t s = 2; s <= 3; s++) {
        struct net_req arr = mk(FA, 8, 0, 1, s);
        cr_assert_eq(net_combine_queue(q, (int32_t)n - 1, NULL, &arr, wb), 0);
    }
    cr_assert_eq(q[0].val, 3);
    struct net_req arr = mk(FA, 8, 0, 1, 4), before = q[0];
    cr_assert_eq(net_combine_queue(q, (int32_t)n - 1, NULL, &arr, wb), -ENOSPC);
    cr_assert(memcmp(&before, &q[0], sizeof before) == 0, "queue changed on refusal");
    struct net_waitbuf_stats st;
    net_waitbuf_stats(wb, &st);
    cr_assert(st.combines == 2 && st.refused == 1 && st.occupancy == 2 && st.peak == 2 &&
              st.capacity == 2);
    /* Serve it: F&A 3 on 10 -> replies 10 (seq 1), 11 (seq 2), 12 (seq 3). */
    uint64_t got[4] = {0};
    struct net_wbentry e;
    uint64_t y = 10;
    while (net_waitbuf_take(wb, q[0].tag, &e) == 0) {
        uint64_t ya, yb;
        net_decombine(&e, y, &ya, &yb);
        got[e.btag.seq] = yb;
        y = ya;
    }
    got[1] = y;
    cr_assert(got[1] == 10 && got[2] == 11 && got[3] == 12);
    cr_assert_eq(net_waitbuf_take(wb, q[0].tag, &e), -ENOENT);
    net_waitbuf_stats(wb, &st);
    cr_assert(st.occupancy == 0 && st.peak == 2);
    net_waitbuf_destroy(wb);
}

Test(waitbuf, many_keys_lifo_per_key)
{
    struct net_waitbuf *wb;
    cr_assert_eq(net_waitbuf_create(300, &wb), 0);
    for (uint32_t i = 0; i < 300; i++) {
        struct net_wbentry e = {.key = {.node = i % 3, .proc = 0, .seq = i % 100},
                                .btag = {.seq = i}};
        cr_assert_eq(net_waitbuf_insert(wb, &e), 0);
    }
    struct net_wbentry e = {0};
    cr_assert_eq(net_waitbuf_insert(wb, &e), -ENOSPC);
    /* Key (node i%3, seq i%100) repeats every 300: each key once; take them in reverse. */
    for (uint32_t i = 300; i-- > 0;) {
        struct net_tag t = {.node = i % 3, .proc = 0, .seq = i % 100};
        cr_assert_eq(net_waitbuf_take(wb, t, &e), 0);
        cr_assert_eq(e.btag.seq, i);
    }
    net_waitbuf_destroy(wb);
}

/* ---- nesting across switches ---- */

struct emitted {
    struct net_tag tag[8];
    uint64_t y[8];
    int n;
};

static void emit(void *ctx, struct net_tag t, uint64_t y)
{
    struct emitted *em = ctx;
    em->tag[em->n] = t, em->y[em->n] = y, em->n++;
}

Test(nesting, three_switches_unwind_in_reverse)
{
    /* Switch 1: A(+1) B(+2) -> F1 = +3 tag A. Switch 2: C(+10) then F1 -> F2 = +13 tag C.
     * Switch 3: F2 then D(+100) -> F3 = +113 tag C. Memory 1000. Serial: C A B D. */
    struct net_waitbuf *s1, *s2, *s3;
    cr_assert_eq(net_waitbuf_create(4, &s1), 0);
    cr_assert_eq(net_waitbuf_create(4, &s2), 0);
    cr_assert_eq(net_waitbuf_create(4, &s3), 0);
    struct net_req A = mk(FA, 8, 64, 1, 1), B = mk(FA, 8, 64, 2, 2), C = mk(FA, 8, 64, 10, 3),
                   D = mk(FA, 8, 64, 100, 4);
    struct net_req q1[1] = {A}, q2[1] = {C}, q3[1];
    cr_assert_eq(net_combine_queue(q1, 0, NULL, &B, s1), 0);
    cr_assert_eq(net_combine_queue(q2, 0, NULL, &q1[0], s2), 0);
    q3[0] = q2[0];
    cr_assert_eq(net_combine_queue(q3, 0, NULL, &D, s3), 0);
    cr_assert(q3[0].op == FA && q3[0].val == 113 && net_tag_eq(q3[0].tag, C.tag));
    uint64_t mem = 1000, y = oracle_apply(&q3[0], &mem), yc, ya;
    cr_assert_eq(mem, 1113);
    struct emitted em3 = {0}, em2 = {0}, em1 = {0};
    cr_assert_eq(net_waitbuf_unwind(s3, C.tag, y, &yc, emit, &em3), 1);
    cr_assert(em3.n == 1 && net_tag_eq(em3.tag[0], D.tag) && em3.y[0] == 1013);
    cr_assert_eq(net_waitbuf_unwind(s2, C.tag, yc, &yc, emit, &em2), 1);
    cr_assert(yc == 1000 && em2.n == 1 && net_tag_eq(em2.tag[0], A.tag) && em2.y[0] == 1010);
    cr_assert_eq(net_waitbuf_unwind(s1, A.tag, em2.y[0], &ya, emit, &em1), 1);
    cr_assert(ya == 1010 && em1.n == 1 && net_tag_eq(em1.tag[0], B.tag) && em1.y[0] == 1011);
    /* Nothing left anywhere. */
    cr_assert_eq(net_waitbuf_unwind(s1, B.tag, 0, &ya, emit, &em1), 0);
    net_waitbuf_destroy(s1);
    net_waitbuf_destroy(s2);
    net_waitbuf_destroy(s3);
}

/* ---- random trees over one word ---- */

#define MAXN 80

/* Reply with y to the request tagged t: unwind its entries (latest first),
 * recursing into each B, and record the final replies by sequence number. */
static void resolve(struct net_waitbuf *wb, struct net_tag t, uint64_t y, uint64_t *reply)
{
    struct net_wbentry e;
    while (net_waitbuf_take(wb, t, &e) == 0) {
        uint64_t ya, yb;
        net_decombine(&e, y, &ya, &yb);
        resolve(wb, e.btag, yb, reply);
        y = ya;
    }
    reply[t.seq] = y;
}

/* Merge random adjacent pairs of list[0..*n) (A = left, B = right) until one
 * remains or `tries` attempts were made; refused pairs stay separate. */
static void random_tree(struct net_req *list, size_t *n, struct net_waitbuf *wb, int tries)
{
    while (*n > 1 && tries-- > 0) {
        size_t i = rnd_below((unsigned)*n - 1);
        struct net_req f;
        struct net_wbentry e;
        if (!net_combine(&list[i], &list[i + 1], &f, &e)) continue;
        cr_assert_eq(net_waitbuf_insert(wb, &e), 0);
        list[i] = f;
        memmove(&list[i + 1], &list[i + 2], (*n - i - 2) * sizeof *list);
        (*n)--;
    }
}

Test(oracle, unit_fetch_and_add_any_tree)
{
    rng_state = 0x5eed0001;
    struct net_waitbuf *wb;
    cr_assert_eq(net_waitbuf_create(MAXN, &wb), 0);
    for (int trial = 0; trial < 3000; trial++) {
        size_t n = 1 + rnd_below(MAXN), m = n;
        unsigned width = rnd_below(2) ? 8 : 4;
        uint64_t v0 = width == 4 ? sext32((uint32_t)rnd()) : rnd();
        struct net_req list[MAXN];
        for (size_t i = 0; i < n; i++)
            list[i] = mk(FA, width, 0x40, 1, i);
        random_tree(list, &m, wb, 1 << 30);
        cr_assert_eq(m, 1);
        uint64_t mem = v0, reply[MAXN];
        uint64_t y = oracle_apply(&list[0], &mem);
        resolve(wb, list[0].tag, y, reply);
        uint64_t want_end = width == 4 ? sext32((uint32_t)(v0 + n)) : v0 + n;
        cr_assert_eq(mem, want_end, "trial %d: final", trial);
        /* The replies are exactly {V0 .. V0+n-1} (and, this being one combined
         * tree in leaf order, reply i = V0+i). */
        bool seen[MAXN] = {0};
        for (size_t i = 0; i < n; i++) {
            uint64_t k = (width == 4 ? (uint32_t)(reply[i] - v0) : reply[i] - v0);
            cr_assert(k < n && !seen[k], "trial %d: reply %zu", trial, i);
            seen[k] = true;
            cr_assert_eq(k, i);
        }
        struct net_waitbuf_stats st;
        net_waitbuf_stats(wb, &st);
        cr_assert_eq(st.occupancy, 0);
    }
    net_waitbuf_destroy(wb);
}

static uint64_t random_value(void)
{
    static const uint64_t special[] = {0,          1,          (uint64_t)-1, 2,
                                       0x7fffffff, 0x80000000, 0xffffffff,   INT64_MAX,
                                       INT64_MIN,  0x100000000};
    switch (rnd_below(3)) {
    case 0: return special[rnd_below(sizeof special / sizeof special[0])];
    case 1: return rnd_below(16) - 8;
    default: return rnd();
    }
}

/* A combinable op: mostly the sequence's theme Φ, sometimes LOAD/STORE/SWAP or another Φ. */
static unsigned random_op(unsigned theme)
{
    unsigned r = rnd_below(10);
    if (r < 5) return theme;
    if (r < 9) return rnd_below(3); /* LOAD STORE SWAP */
    return NET_OP_AMOADD + rnd_below(8);
}

Test(random, sequences_in_random_trees_equal_serial)
{
    rng_state = 0x5eed0002;
    struct net_waitbuf *wb;
    cr_assert_eq(net_waitbuf_create(64, &wb), 0);
    unsigned combined = 0, separate = 0;
    for (int c = 0; c < 20000; c++) {
        size_t n = 1 + rnd_below(16), m = n;
        unsigned width = rnd_below(2) ? 8 : 4, theme = NET_OP_AMOADD + rnd_below(8);
        struct net_req orig[MAXN], list[MAXN];
        for (size_t i = 0; i < n; i++)
            orig[i] = list[i] = mk(random_op(theme), width, 0x80, random_value(), i);
        random_tree(list, &m, wb, (int)(4 * n));
        combined += (unsigned)(n - m), separate += (unsigned)m;
        uint64_t v0 = random_value(), mem = net_canon(width, v0), reply[MAXN];
        for (size_t k = 0; k < m; k++) {
            uint64_t y = oracle_apply(&list[k], &mem);
            resolve(wb, list[k].tag, y, reply);
        }
        uint64_t smem = net_canon(width, v0);
        for (size_t i = 0; i < n; i++) {
            uint64_t want = oracle_apply(&orig[i], &smem);
            cr_assert_eq(reply[i], want, "case %d req %zu op %u w %u: got %#llx want %#llx", c, i,
                         orig[i].op, width, (long long)reply[i], (long long)want);
        }
        cr_assert_eq(mem, smem, "case %d: final %#llx want %#llx", c, (long long)mem,
                     (long long)smem);
    }
    cr_assert(combined > 50000 && separate > 20000, "coverage: %u combined, %u separate", combined,
              separate);
    net_waitbuf_destroy(wb);
}

Test(random, net_apply_equals_serial)
{
    rng_state = 0x5eed0003;
    for (int c = 0; c < 100000; c++) {
        unsigned width = rnd_below(2) ? 8 : 4;
        unsigned op = rnd_below(12);
        if (op == 11) op = NET_OP_CAS;
        struct net_req r = mk(op, width, 0, random_value(), 0);
        r.val2 = random_value();
        uint64_t x = net_canon(width, random_value());
        if (op == NET_OP_CAS && rnd_below(2)) r.val2 = x;
        uint64_t y = x, got;
        cr_assert_eq(net_apply(&r, &x, &got), 0);
        uint64_t want = oracle_apply(&r, &y);
        cr_assert(got == want && x == y, "case %d op %u width %u", c, op, width);
    }
}

/* ---- random traffic through one switch queue ---- */

/* Memory of 16 bytes, little-endian; words: .w at 0, 4, 8 and .d at 0, 8 overlap. */
static uint64_t mem_read(const uint8_t *m, const struct net_req *r)
{
    uint64_t v = 0;
    memcpy(&v, m + r->addr, r->width);
    return r->width == 4 ? sext32((uint32_t)v) : v;
}

static uint64_t mem_apply(uint8_t *m, const struct net_req *r)
{
    uint64_t v = mem_read(m, r), y = oracle_apply(r, &v);
    memcpy(m + r->addr, &v, r->width);
    return y;
}

/* Combine arr into q[0..qn): every queued request a candidate (as the tests
 * above), or (by_word) only the chain of requests to arr's 8-byte word, as
 * the engine's word index hands it over. */
static int queue_combine(struct net_req *q, size_t qn, const struct net_req *arr,
                         struct net_waitbuf *wb, bool by_word)
{
    if (!by_word) return net_combine_queue(q, (int32_t)qn - 1, NULL, arr, wb);
    int32_t prev[16], last = -1;
    for (size_t k = 0; k < qn; k++) {
        int32_t j = (int32_t)k - 1;
        while (j >= 0 && q[j].addr >> 3 != q[k].addr >> 3)
            j--;
        prev[k] = j;
        if (q[k].addr >> 3 == arr->addr >> 3) last = (int32_t)k;
    }
    return net_combine_queue(q, last, prev, arr, wb);
}

Test(random, switch_queue_equals_arrival_order)
{
    rng_state = 0x5eed0004;
    static const struct {
        uint64_t addr;
        unsigned width;
    } words[] = {{0, 4}, {4, 4}, {8, 4}, {0, 8}, {8, 8}};
    uint64_t total_combines = 0, total_refused = 0;
    for (int c = 0; c < 3000; c++) {
        struct net_waitbuf *wb;
        cr_assert_eq(net_waitbuf_create(1 + rnd_below(6), &wb), 0);
        uint8_t mem[16], smem[16];
        for (int i = 0; i < 16; i++)
            mem[i] = smem[i] = (uint8_t)rnd();
        enum { NARR = 60, QCAP = 8 };
        struct net_req arr[NARR], q[QCAP];
        uint64_t reply[NARR];
        size_t qn = 0, next = 0;
        unsigned theme = NET_OP_AMOADD + rnd_below(8);
        while (next < NARR || qn > 0) {
            if (next < NARR && (qn == 0 || rnd_below(3) != 0)) {
                unsigned wi = rnd_below(5);
                unsigned op = rnd_below(12) == 0 ? NET_OP_CAS : random_op(theme);
                arr[next] = mk(op, words[wi].width, words[wi].addr, random_value(), next);
                arr[next].val2 = rnd_below(4) - 1;
                if (queue_combine(q, qn, &arr[next], wb, c & 1) < 0) {
                    if (qn == QCAP) { /* drain the oldest to make room */
                        uint64_t y = mem_apply(mem, &q[0]);
                        resolve(wb, q[0].tag, y, reply);
                        memmove(q, q + 1, --qn * sizeof *q);
                    }
                    q[qn++] = arr[next];
                }
                next++;
            } else {
                uint64_t y = mem_apply(mem, &q[0]);
                resolve(wb, q[0].tag, y, reply);
                memmove(q, q + 1, --qn * sizeof *q);
            }
        }
        for (size_t i = 0; i < NARR; i++) {
            uint64_t want = mem_apply(smem, &arr[i]);
            cr_assert_eq(reply[i], want, "case %d arrival %zu op %u", c, i, arr[i].op);
        }
        cr_assert(memcmp(mem, smem, sizeof mem) == 0, "case %d: final memory", c);
        struct net_waitbuf_stats st;
        net_waitbuf_stats(wb, &st);
        cr_assert_eq(st.occupancy, 0);
        total_combines += st.combines, total_refused += st.refused;
        net_waitbuf_destroy(wb);
    }
    cr_assert(total_combines > 10000 && total_refused > 100, "coverage: %llu combines, %llu full",
              (unsigned long long)total_combines, (unsigned long long)total_refused);
}
