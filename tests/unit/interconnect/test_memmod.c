/*
 * test_memmod.c — the memory module (interconnect/memmod.[ch]) and the network
 * engine on one node without mpirun (P = 1: no switch, the PE talks to its
 * own MM): pages appear on first touch as zeros or as the fill callback says,
 * a failed fill has no effect and leaves no page, write-back hands over dirty
 * pages only, forget drops a segment; LR/SC reservations; widths and sign
 * extension; bad requests refused; many pages keep their contents (table
 * growth) against a reference array. The engine: completions carry proc and
 * cookie exactly once, outstanding counts drop to 0, bad requests refused.
 * The page limit: eviction writes dirty pages back and a later touch fills
 * them again (three rounds over 64 pages with a 4-page limit lose nothing);
 * no eviction without callbacks or when a write-back fails. The sync-segment
 * request on one node: one completion, pages written, errors kept.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "interconnect/memmod.h"
#include "interconnect/net.h"

static struct net_req rq(unsigned op, unsigned width, uint64_t addr, uint64_t val, uint32_t proc)
{
    return (struct net_req){
        .op = (uint8_t)op, .width = (uint8_t)width, .addr = addr, .val = val, .tag = {0, proc, 1}};
}

static uint64_t serve(struct net_mm *mm, unsigned op, unsigned width, uint64_t addr, uint64_t val,
                      uint32_t proc)
{
    struct net_req r = rq(op, width, addr, val, proc);
    uint64_t y = 0xdead;
    cr_assert_eq(net_mm_serve(mm, &r, &y), 0, "serve op %u width %u", op, width);
    return y;
}

/* Fill: every 8-byte word holds seg << 32 | page << 16 | index; seg 9 fails. */
static int fills;
static int fill(void *ctx, uint64_t seg, uint64_t page, void *buf)
{
    (void)ctx;
    if (seg == 9) return -EIO;
    fills++;
    uint64_t *w = buf;
    for (unsigned i = 0; i < NET_PAGE_SIZE / 8; i++)
        w[i] = seg << 32 | page << 16 | i;
    return 0;
}

struct wbrec {
    int n;
    uint64_t seg[16], page[16], first[16];
};
static int writeback(void *ctx, uint64_t seg, uint64_t page, const void *buf)
{
    struct wbrec *w = ctx;
    if (w->n < 16) {
        w->seg[w->n] = seg, w->page[w->n] = page;
        memcpy(&w->first[w->n], buf, 8);
    }
    w->n++;
    return 0;
}

Test(memmod, zero_fill_and_widths)
{
    struct net_mm *mm;
    cr_assert_eq(net_mm_create(NULL, NULL, NULL, UINT64_MAX, &mm), 0);
    uint64_t a = NET_GADDR(1, 3 * 4096 + 16);
    cr_assert_eq(serve(mm, NET_OP_LOAD, 8, a, 0, 0), 0);
    cr_assert(net_mm_has_page(mm, 1, 3));
    cr_assert(!net_mm_has_page(mm, 1, 4));
    cr_assert_eq(serve(mm, NET_OP_STORE, 8, a, 0x80000000fffffffeull, 0), NET_ACK);
    cr_assert_eq(serve(mm, NET_OP_LOAD, 4, a, 0, 0), (uint64_t)-2, "lw sign-extends");
    cr_assert_eq(serve(mm, NET_OP_LOAD, 4, a + 4, 0, 0), 0xffffffff80000000ull);
    cr_assert_eq(serve(mm, NET_OP_LOAD, 2, a, 0, 0), 0xfffe, "half zero-extended");
    cr_assert_eq(serve(mm, NET_OP_LOAD, 1, a + 7, 0, 0), 0x80);
    cr_assert_eq(serve(mm, NET_OP_STORE, 1, a + 1, 0x12, 0), NET_ACK);
    cr_assert_eq(serve(mm, NET_OP_LOAD, 8, a, 0, 0), 0x80000000ffff12feull);
    cr_assert_eq(serve(mm, NET_OP_AMOADD, 4, a, 3, 0), 0xffffffffffff12feull, "old, sign-extended");
    cr_assert_eq(serve(mm, NET_OP_LOAD, 8, a, 0, 0), 0x80000000ffff1301ull, ".w leaves bits 32+");
    struct net_mm_stats st;
    net_mm_get_stats(mm, &st);
    cr_assert_eq(st.served, 10);
    cr_assert_eq(st.pages, 1);
    net_mm_destroy(mm);
}

Test(memmod, bad_requests)
{
    struct net_mm *mm;
    cr_assert_eq(net_mm_create(NULL, NULL, NULL, UINT64_MAX, &mm), 0);
    uint64_t y;
    struct net_req r = rq(NET_OP_LOAD, 8, NET_GADDR(1, 4), 0, 0);
    cr_assert_eq(net_mm_serve(mm, &r, &y), -EINVAL, "misaligned");
    r = rq(NET_OP_AMOADD, 2, NET_GADDR(1, 2), 1, 0);
    cr_assert_eq(net_mm_serve(mm, &r, &y), -EINVAL, "AMO of width 2");
    r = rq(NET_OP_LOAD, 3, NET_GADDR(1, 0), 0, 0);
    cr_assert_eq(net_mm_serve(mm, &r, &y), -EINVAL, "width 3");
    r = rq(NET_OP_COUNT, 8, NET_GADDR(1, 0), 0, 0);
    cr_assert_eq(net_mm_serve(mm, &r, &y), -EINVAL, "op");
    cr_assert(!net_mm_has_page(mm, 1, 0), "refused requests touch nothing");
    net_mm_destroy(mm);
}

Test(memmod, fill_writeback_forget)
{
    struct wbrec w = {0};
    struct net_mm *mm;
    fills = 0;
    cr_assert_eq(net_mm_create(fill, writeback, &w, UINT64_MAX, &mm), 0);
    cr_assert_eq(serve(mm, NET_OP_LOAD, 8, NET_GADDR(2, 5 * 4096 + 8 * 7), 0, 0),
                 2ull << 32 | 5 << 16 | 7);
    cr_assert_eq(serve(mm, NET_OP_LOAD, 8, NET_GADDR(2, 6 * 4096), 0, 0), 2ull << 32 | 6 << 16);
    cr_assert_eq(fills, 2);
    /* A failed fill: the callback's errno, no page, no effect. */
    uint64_t y;
    struct net_req r = rq(NET_OP_STORE, 8, NET_GADDR(9, 0), 1, 0);
    cr_assert_eq(net_mm_serve(mm, &r, &y), -EIO);
    cr_assert(!net_mm_has_page(mm, 9, 0));
    /* Only dirty pages are written back, once. */
    cr_assert_eq(net_mm_writeback(mm, UINT64_MAX), 0, "nothing dirty yet");
    serve(mm, NET_OP_AMOOR, 8, NET_GADDR(2, 5 * 4096), 1ull << 60, 0);
    serve(mm, NET_OP_STORE, 8, NET_GADDR(3, 0), 42, 0);
    cr_assert_eq(net_mm_writeback(mm, 2), 1, "segment 2 only");
    cr_assert_eq(w.seg[0], 2);
    cr_assert_eq(w.page[0], 5);
    cr_assert_eq(w.first[0], 1ull << 60 | 2ull << 32 | 5 << 16);
    cr_assert_eq(net_mm_writeback(mm, UINT64_MAX), 1, "then segment 3");
    cr_assert_eq(net_mm_writeback(mm, UINT64_MAX), 0, "all clean");
    /* A load or a CAS that fails does not dirty. */
    serve(mm, NET_OP_LOAD, 8, NET_GADDR(3, 0), 0, 0);
    r = rq(NET_OP_CAS, 8, NET_GADDR(3, 0), 7, 0);
    r.val2 = 41;
    cr_assert_eq(net_mm_serve(mm, &r, &y), 0);
    cr_assert_eq(y, 42);
    cr_assert_eq(net_mm_writeback(mm, UINT64_MAX), 0);
    /* Forget: the segment's pages go, others stay. */
    net_mm_forget(mm, 2);
    cr_assert(!net_mm_has_page(mm, 2, 5));
    cr_assert(net_mm_has_page(mm, 3, 0));
    cr_assert_eq(serve(mm, NET_OP_LOAD, 8, NET_GADDR(3, 0), 0, 0), 42);
    cr_assert_eq(serve(mm, NET_OP_LOAD, 8, NET_GADDR(2, 5 * 4096), 0, 0), 2ull << 32 | 5 << 16,
                 "refilled, not the old value");
    net_mm_destroy(mm);
}

Test(memmod, lr_sc)
{
    struct net_mm *mm;
    cr_assert_eq(net_mm_create(NULL, NULL, NULL, UINT64_MAX, &mm), 0);
    uint64_t a = NET_GADDR(1, 64), b = NET_GADDR(1, 72);
    cr_assert_eq(serve(mm, NET_OP_SC, 8, a, 5, 1), 1, "no reservation: fail");
    cr_assert_eq(serve(mm, NET_OP_LOAD, 8, a, 0, 1), 0, "failed sc stores nothing");
    serve(mm, NET_OP_LR, 8, a, 0, 1);
    cr_assert_eq(serve(mm, NET_OP_SC, 8, a, 5, 1), 0, "success");
    cr_assert_eq(serve(mm, NET_OP_LOAD, 8, a, 0, 1), 5);
    cr_assert_eq(serve(mm, NET_OP_SC, 8, a, 6, 1), 1, "reservation used up");
    /* Another requester's write to the word kills the reservation. */
    serve(mm, NET_OP_LR, 8, a, 0, 1);
    serve(mm, NET_OP_AMOADD, 8, a, 1, 2);
    cr_assert_eq(serve(mm, NET_OP_SC, 8, a, 9, 1), 1);
    cr_assert_eq(serve(mm, NET_OP_LOAD, 8, a, 0, 1), 6);
    /* A write to a neighbouring word does not; a load does not. */
    serve(mm, NET_OP_LR, 8, a, 0, 1);
    serve(mm, NET_OP_STORE, 8, b, 1, 2);
    serve(mm, NET_OP_LOAD, 8, a, 0, 2);
    cr_assert_eq(serve(mm, NET_OP_SC, 8, a, 10, 1), 0);
    /* Two requesters hold reservations; the first SC wins. */
    serve(mm, NET_OP_LR, 4, a, 0, 1);
    serve(mm, NET_OP_LR, 4, a, 0, 2);
    cr_assert_eq(serve(mm, NET_OP_SC, 4, a, 11, 2), 0);
    cr_assert_eq(serve(mm, NET_OP_SC, 4, a, 12, 1), 1);
    /* SC to another address than the LR's fails. */
    serve(mm, NET_OP_LR, 8, a, 0, 3);
    cr_assert_eq(serve(mm, NET_OP_SC, 8, b, 1, 3), 1);
    /* A byte store into the word kills it too. */
    serve(mm, NET_OP_LR, 8, a, 0, 4);
    serve(mm, NET_OP_STORE, 1, a + 3, 1, 5);
    cr_assert_eq(serve(mm, NET_OP_SC, 8, a, 1, 4), 1);
    net_mm_destroy(mm);
}

Test(memmod, many_pages_against_reference)
{
    struct net_mm *mm;
    cr_assert_eq(net_mm_create(NULL, NULL, NULL, UINT64_MAX, &mm), 0);
    enum { N = 3000 };
    static uint64_t ref[N];
    uint64_t x = 12345;
    for (int round = 0; round < 5; round++)
        for (int i = 0; i < N; i++) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            uint64_t seg = 1 + i % 3, a = NET_GADDR(seg, (uint64_t)(i / 3) * 4096 + 8 * (i % 5));
            cr_assert_eq(serve(mm, NET_OP_SWAP, 8, a, x, 0), ref[i]);
            ref[i] = x;
        }
    struct net_mm_stats st;
    net_mm_get_stats(mm, &st);
    cr_assert_eq(st.pages, N);
    net_mm_destroy(mm);
}

/* ---- the engine on one node (no mpirun: MPI is never initialised) ---- */

Test(engine, singleton)
{
    int argc = 1;
    char *args[] = {"test", NULL}, **argv = args;
    struct net *n;
    cr_assert_eq(net_init(&argc, &argv, &n), 0);
    cr_assert_eq(net_size(n), 1);
    struct net_eng *e;
    cr_assert_eq(net_eng_create(n, NULL, &e), 0);
    struct net_mreq bad = {.op = NET_OP_LOAD, .width = 8, .addr = NET_GADDR(1, 4)};
    cr_assert_eq(net_eng_issue(e, &bad), -EINVAL);
    bad = (struct net_mreq){.op = NET_OP_AMOADD, .width = 1, .addr = NET_GADDR(1, 0)};
    cr_assert_eq(net_eng_issue(e, &bad), -EINVAL);
    enum { K = 5000 };
    for (uint64_t i = 0; i < K; i++) {
        struct net_mreq r = {.op = NET_OP_AMOADD,
                             .width = 8,
                             .addr = NET_GADDR(1, 8),
                             .val = 1,
                             .proc = (uint32_t)(i % 7),
                             .cookie = 1000 + i};
        cr_assert_eq(net_eng_issue(e, &r), 0);
    }
    cr_assert_eq(net_eng_quiesce(e), 0);
    for (uint32_t p = 0; p < 7; p++)
        cr_assert_eq(net_eng_outstanding(e, p), 0);
    static uint8_t seen[K];
    struct net_done d[100];
    size_t k, total = 0;
    while ((k = net_eng_reap(e, d, 100)) > 0)
        for (size_t i = 0; i < k; i++, total++) {
            uint64_t c = d[i].cookie - 1000;
            cr_assert_lt(c, K);
            cr_assert_eq(d[i].proc, c % 7);
            cr_assert_eq(d[i].val, c, "one node serves in issue order");
            cr_assert_eq(seen[c]++, 0, "completed twice");
        }
    cr_assert_eq(total, K);
    cr_assert_eq(net_eng_inflight(e), 0);
    cr_assert_eq(net_eng_wait(e, 1000), 0, "nothing more to come");
    struct net_report *r;
    cr_assert_eq(net_eng_gather(e, &r), 0);
    cr_assert_eq(r->nranks, 1);
    cr_assert_eq(r->nsw, 0);
    cr_assert_eq(r->ranks[0].mm.served, K);
    net_report_free(r);
    net_eng_destroy(e);
    net_finalize(n);
}

/* ---- a page limit over a "disk": fill from it, write back to it ---- */

enum { DISK_PAGES = 64 };
struct disk {
    uint8_t d[DISK_PAGES][NET_PAGE_SIZE];
    int fills, wbs, fail_wb; /* fail_wb: write-back refuses */
};
static int dfill(void *ctx, uint64_t seg, uint64_t page, void *buf)
{
    struct disk *k = ctx;
    cr_assert_eq(seg, 2);
    cr_assert_lt(page, DISK_PAGES);
    memcpy(buf, k->d[page], NET_PAGE_SIZE);
    k->fills++;
    return 0;
}
static int dwb(void *ctx, uint64_t seg, uint64_t page, const void *buf)
{
    struct disk *k = ctx;
    cr_assert_eq(seg, 2);
    if (k->fail_wb) return -EIO;
    memcpy(k->d[page], buf, NET_PAGE_SIZE);
    k->wbs++;
    return 0;
}

Test(memmod, page_limit_evicts_and_loses_nothing)
{
    static struct disk k;
    memset(&k, 0, sizeof k);
    for (uint64_t p = 0; p < DISK_PAGES; p++) /* the file's data: 1000 * page on word 5 */
        memcpy(&k.d[p][40], &(uint64_t){1000 * p}, 8);
    struct net_mm *mm;
    cr_assert_eq(net_mm_create(dfill, dwb, &k, UINT64_MAX, &mm), 0);
    net_mm_set_limit(mm, 4);
    /* Three rounds over every page: read the file's value, add the round. */
    for (uint64_t round = 1; round <= 3; round++)
        for (uint64_t p = 0; p < DISK_PAGES; p++) {
            uint64_t a = NET_GADDR(2, p * NET_PAGE_SIZE + 40);
            cr_assert_eq(serve(mm, NET_OP_AMOADD, 8, a, round, 0),
                         1000 * p + (round - 1) * round / 2, "page %llu round %llu",
                         (unsigned long long)p, (unsigned long long)round);
        }
    struct net_mm_stats s;
    net_mm_get_stats(mm, &s);
    cr_assert_leq(s.pages, 4, "at most the limit");
    cr_assert_geq(s.evictions, 3 * DISK_PAGES - 4);
    cr_assert_eq(s.writebacks, (uint64_t)k.wbs);
    cr_assert_eq(net_mm_writeback(mm, UINT64_MAX), (long)s.pages, "the resident ones are dirty");
    for (uint64_t p = 0; p < DISK_PAGES; p++) {
        uint64_t v;
        memcpy(&v, &k.d[p][40], 8);
        cr_assert_eq(v, 1000 * p + 6, "page %llu on disk", (unsigned long long)p);
    }
    /* A write-back that fails: the dirty page cannot go; the MM grows. */
    k.fail_wb = 1;
    net_mm_forget(mm, 2);
    for (uint64_t p = 0; p < 8; p++)
        serve(mm, NET_OP_STORE, 8, NET_GADDR(2, p * NET_PAGE_SIZE), 7, 0);
    net_mm_get_stats(mm, &s);
    cr_assert_geq(s.pages, 5, "dirty pages that cannot be written stay");
    for (uint64_t p = 0; p < 8; p++)
        cr_assert_eq(serve(mm, NET_OP_LOAD, 8, NET_GADDR(2, p * NET_PAGE_SIZE), 0, 0), 7);
    net_mm_destroy(mm);
}

Test(memmod, page_limit_without_callbacks_keeps_everything)
{
    struct net_mm *mm;
    cr_assert_eq(net_mm_create(NULL, NULL, NULL, UINT64_MAX, &mm), 0);
    net_mm_set_limit(mm, 2);
    for (uint64_t p = 0; p < 10; p++)
        serve(mm, NET_OP_STORE, 8, NET_GADDR(1, p * NET_PAGE_SIZE), p + 1, 0);
    for (uint64_t p = 0; p < 10; p++)
        cr_assert_eq(serve(mm, NET_OP_LOAD, 8, NET_GADDR(1, p * NET_PAGE_SIZE), 0, 0), p + 1);
    struct net_mm_stats s;
    net_mm_get_stats(mm, &s);
    cr_assert_eq(s.pages, 10);
    cr_assert_eq(s.evictions, 0);
    net_mm_destroy(mm);
}

/* The sync-segment request on one node: completes once, with the pages
 * written; only its segment; write-back errors reach net_eng_sync_err. */
Test(engine, sync_segment_singleton)
{
    static struct disk k;
    memset(&k, 0, sizeof k);
    int argc = 1;
    char *args[] = {"test", NULL}, **argv = args;
    struct net *n;
    cr_assert_eq(net_init(&argc, &argv, &n), 0);
    struct net_eng_opts o;
    net_eng_opts_default(&o);
    o.fill = dfill, o.writeback = dwb, o.ctx = &k;
    struct net_eng *e;
    cr_assert_eq(net_eng_create(n, &o, &e), 0);
    for (uint64_t p = 0; p < 5; p++) {
        struct net_mreq r = {.op = NET_OP_STORE,
                             .width = 8,
                             .addr = NET_GADDR(2, p * NET_PAGE_SIZE),
                             .val = 40 + p,
                             .proc = 3,
                             .cookie = p};
        cr_assert_eq(net_eng_issue(e, &r), 0);
    }
    cr_assert_eq(net_eng_quiesce(e), 0);
    struct net_done d[8];
    cr_assert_eq(net_eng_reap(e, d, 8), 5);
    cr_assert_eq(k.wbs, 0);
    struct net_mreq bad = {.op = NET_MREQ_SYNC, .addr = 0};
    cr_assert_eq(net_eng_issue(e, &bad), -EINVAL, "segment 0 is no segment");
    struct net_mreq s = {.op = NET_MREQ_SYNC, .addr = NET_GADDR(2, 0), .proc = 3, .cookie = 99};
    cr_assert_eq(net_eng_issue(e, &s), 0);
    cr_assert_eq(net_eng_quiesce(e), 0);
    cr_assert_eq(net_eng_reap(e, d, 8), 1, "one completion");
    cr_assert(d[0].cookie == 99 && d[0].proc == 3 && d[0].err == 0 && d[0].val == 5);
    cr_assert_eq(k.wbs, 5);
    for (uint64_t p = 0; p < 5; p++)
        cr_assert_eq(k.d[p][0], 40 + p);
    cr_assert_eq(net_eng_sync_err(e, 3), 0);
    /* Again: nothing dirty. Then a failing write-back. */
    cr_assert_eq(net_eng_issue(e, &s), 0);
    cr_assert_eq(net_eng_quiesce(e), 0);
    cr_assert_eq(net_eng_reap(e, d, 8), 1);
    cr_assert_eq(d[0].val, 0);
    struct net_mreq st = {.op = NET_OP_STORE, .width = 8, .addr = NET_GADDR(2, 0), .val = 1};
    cr_assert_eq(net_eng_issue(e, &st), 0);
    k.fail_wb = 1;
    cr_assert_eq(net_eng_issue(e, &s), 0);
    cr_assert_eq(net_eng_quiesce(e), 0);
    cr_assert_eq(net_eng_reap(e, d, 8), 2);
    cr_assert_eq(d[1].err, 0, "the sync itself completes");
    cr_assert_eq(net_eng_sync_err(e, 3), -EIO);
    cr_assert_eq(net_eng_sync_err(e, 3), 0, "read once");
    struct net_rank_stats rs;
    net_eng_rank_stats(e, &rs);
    cr_assert_eq(rs.mm.syncs, 3);
    net_eng_destroy(e);
    net_finalize(n);
}
