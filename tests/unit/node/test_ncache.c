/*
 * test_ncache.c — the node cache of global memory (node/ncache.c) against a
 * model of global memory: the write-back callback stores lines into `global`.
 * Attacks: only dirty lines go back, and each once; cbo.clean keeps the page,
 * flush drops it, inval drops it and discards exactly its own line; LRU
 * eviction writes the victim back and names it; a failing callback loses
 * nothing; and a random single-writer run loses no write.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "node/node.h"

#define NKEYS 8
static uint8_t global[NKEYS][RV_PAGE_SIZE];
static int lines_written, fail_writes;

static int wb(void *ctx, uint64_t key, unsigned off, const uint8_t *line)
{
    (void)ctx;
    cr_assert_lt(key, NKEYS);
    cr_assert_eq(off % RV_NCACHE_LINE, 0);
    if (fail_writes) return -EIO;
    memcpy(&global[key][off], line, RV_NCACHE_LINE);
    lines_written++;
    return 0;
}

static rv_ncache *c;

static void setup(void)
{
    memset(global, 0, sizeof global);
    for (int k = 0; k < NKEYS; k++)
        memset(global[k], 'a' + k, RV_PAGE_SIZE);
    lines_written = fail_writes = 0;
    cr_assert_eq(rv_ncache_new(2, wb, NULL, &c), 0);
}

static void teardown(void)
{
    rv_ncache_free(c);
}

TestSuite(ncache, .init = setup, .fini = teardown);

static uint8_t *fill(uint64_t key)
{
    uint8_t *p;
    uint64_t ev;
    cr_assert_eq(rv_ncache_fill(c, key, global[key], &p, &ev), 0);
    return p;
}

Test(ncache, bad_arguments)
{
    rv_ncache *x;
    cr_assert_eq(rv_ncache_new(0, wb, NULL, &x), -EINVAL);
    cr_assert_eq(rv_ncache_new(4, NULL, NULL, &x), -EINVAL);
}

Test(ncache, fill_then_hit_sees_global_data)
{
    cr_assert_null(rv_ncache_lookup(c, 1));
    uint8_t *p = fill(1);
    cr_assert_eq(((uintptr_t)p) % RV_PAGE_SIZE, 0);
    cr_assert_eq(p[100], 'b');
    cr_assert_eq(rv_ncache_lookup(c, 1), p);
    struct rv_ncache_stats st;
    rv_ncache_get_stats(c, &st);
    cr_assert_eq(st.hits, 1);
    cr_assert_eq(st.misses, 1);
    cr_assert_eq(st.pages, 1);
}

Test(ncache, clean_writes_only_that_dirty_line_once)
{
    uint8_t *p = fill(0);
    p[10] = 'X';  /* line 0 */
    p[200] = 'Y'; /* line 3 */
    int dropped;
    cr_assert_eq(rv_ncache_op(c, 0, 5, RV_NCACHE_CLEAN, &dropped), 0);
    cr_assert_eq(dropped, 0);
    cr_assert_eq(lines_written, 1);
    cr_assert_eq(global[0][10], 'X');
    cr_assert_eq(global[0][200], 'a', "line 3 is not written by a clean of line 0");
    cr_assert_eq(rv_ncache_op(c, 0, 5, RV_NCACHE_CLEAN, &dropped), 0);
    cr_assert_eq(lines_written, 1, "a clean line is not written again");
    cr_assert_eq(rv_ncache_lookup(c, 0), p, "clean keeps the page");
}

Test(ncache, flush_writes_every_dirty_line_and_drops)
{
    uint8_t *p = fill(0);
    p[10] = 'X';
    p[4095] = 'Z';
    int dropped;
    cr_assert_eq(rv_ncache_op(c, 0, 0, RV_NCACHE_FLUSH, &dropped), 0);
    cr_assert_eq(dropped, 1);
    cr_assert_eq(lines_written, 2);
    cr_assert_eq(global[0][10], 'X');
    cr_assert_eq(global[0][4095], 'Z');
    cr_assert_null(rv_ncache_lookup(c, 0));
    /* A cbo on an uncached page has nothing to do. */
    cr_assert_eq(rv_ncache_op(c, 0, 0, RV_NCACHE_FLUSH, &dropped), 0);
    cr_assert_eq(dropped, 0);
}

Test(ncache, inval_discards_its_line_only)
{
    uint8_t *p = fill(2);
    p[70] = 'X';  /* line 1: discarded */
    p[300] = 'Y'; /* line 4: must survive */
    int dropped;
    cr_assert_eq(rv_ncache_op(c, 2, 64, RV_NCACHE_INVAL, &dropped), 0);
    cr_assert_eq(dropped, 1);
    cr_assert_eq(global[2][70], 'c');
    cr_assert_eq(global[2][300], 'Y');
    struct rv_ncache_stats st;
    rv_ncache_get_stats(c, &st);
    cr_assert_eq(st.lines_discarded, 1);
    cr_assert_eq(st.lines_written, 1);
}

Test(ncache, eviction_is_lru_and_writes_back)
{
    uint8_t *p0 = fill(0);
    fill(1);
    p0[1] = 'X';
    cr_assert_not_null(rv_ncache_lookup(c, 0)); /* 0 is now the most recent */
    uint8_t *p;
    uint64_t ev;
    cr_assert_eq(rv_ncache_fill(c, 3, global[3], &p, &ev), 0);
    cr_assert_eq(ev, 1, "the least recently used page goes");
    cr_assert_eq(lines_written, 0, "page 1 was clean");
    p = rv_ncache_lookup(c, 3);
    cr_assert_eq(rv_ncache_fill(c, 4, global[4], &p, &ev), 0);
    cr_assert_eq(ev, 0);
    cr_assert_eq(global[0][1], 'X', "the dirty victim was written back");
}

Test(ncache, failing_writeback_loses_nothing)
{
    uint8_t *p = fill(0);
    fill(1);
    p[1] = 'X';
    rv_ncache_lookup(c, 1); /* 0 is the victim */
    fail_writes = 1;
    uint8_t *q;
    uint64_t ev;
    cr_assert_eq(rv_ncache_fill(c, 2, global[2], &q, &ev), -EIO);
    int dropped;
    cr_assert_eq(rv_ncache_op(c, 0, 0, RV_NCACHE_FLUSH, &dropped), -EIO);
    cr_assert_eq(dropped, 0);
    cr_assert_eq(rv_ncache_lookup(c, 0), p, "still cached, still dirty");
    fail_writes = 0;
    cr_assert_eq(rv_ncache_writeback_all(c), 0);
    cr_assert_eq(global[0][1], 'X');
}

/* One writer, random writes and operations over more pages than fit: after a
 * final write-back, global memory holds every write. */
Test(ncache, random_single_writer_loses_no_write)
{
    static uint8_t want[NKEYS][RV_PAGE_SIZE];
    memcpy(want, global, sizeof want);
    srand(12345);
    for (int step = 0; step < 20000; step++) {
        uint64_t key = (uint64_t)(rand() % NKEYS);
        unsigned off = (unsigned)(rand() % RV_PAGE_SIZE);
        int what = rand() % 10, dropped;
        if (what < 7) {
            uint8_t *p = rv_ncache_lookup(c, key);
            if (!p) {
                uint64_t ev;
                cr_assert_eq(rv_ncache_fill(c, key, global[key], &p, &ev), 0);
            }
            uint8_t v = (uint8_t)rand();
            p[off] = v;
            want[key][off] = v;
        } else {
            enum rv_ncache_opkind op = what == 7 ? RV_NCACHE_CLEAN : RV_NCACHE_FLUSH;
            cr_assert_eq(rv_ncache_op(c, key, off, op, &dropped), 0);
        }
    }
    cr_assert_eq(rv_ncache_writeback_all(c), 0);
    for (int k = 0; k < NKEYS; k++)
        cr_assert_eq(memcmp(global[k], want[k], RV_PAGE_SIZE), 0, "page %d differs", k);
}
