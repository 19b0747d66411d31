/*
 * test_gcopy.c — copyin/copyout/copyin_str on global lsegs (vm.c copy_piece,
 * proc.c k_net_kcopy/k_net_kfetch) over a one-node network engine (no
 * mpirun: MPI is never initialised): round trips at ragged offsets across
 * pages, strings, a buffer spanning a local and a global lseg, the node
 * cache for a cacheable lseg (fetched once, written lines dirty, invisible
 * to the non-cacheable view until written back), an MM error reply giving
 * EFAULT with nothing of a read delivered, and no engine at all.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "interconnect/net.h"
#include "kernel/syscalls.h"
#include "kfixture.h"
#include "shm/store.h"
#include "symunix/abi.h"

#define PG   RV_PAGE_SIZE
#define RW   (RV_PROT_R | RV_PROT_W)
#define LOC  0x100000ull /* a local page */
#define GLB  0x101000ull /* 4 global pages right above it */
#define GLOB (SYM_MEM_GLOBAL | SYM_CACHE)

static struct net *net;
static struct net_eng *eng;
static int fail_fills; /* the MM's page fill fails (an error reply) */

static int fill(void *ctx, uint64_t seg, uint64_t page, void *buf)
{
    (void)ctx, (void)seg, (void)page;
    if (fail_fills) return -EIO;
    memset(buf, 0, PG);
    return 0;
}

/* The global segment id mapin would register for the regions of
 * [start, start+len) (set by hand here: k_vm_set_attr only marks them). */
static void give_gseg(uint64_t start, uint64_t len)
{
    for (int i = 0; i < proc->vm.n; i++)
        if (proc->vm.r[i].start < start + len && proc->vm.r[i].end > start) proc->vm.r[i].gseg = 7;
}

/* A kernel over a one-node engine (eng: with one), process 1 with a local
 * page at LOC and 4 non-cacheable global pages at GLB. */
static void setup_with(bool with_eng)
{
    struct k_config cfg = {.ncache_pages = 4};
    if (with_eng) {
        int argc = 1;
        char *args[] = {"test", NULL}, **argv = args;
        cr_assert_eq(net_init(&argc, &argv, &net), 0);
        struct net_eng_opts o;
        net_eng_opts_default(&o);
        o.fill = fill;
        cr_assert_eq(net_eng_create(net, &o, &eng), 0);
        cfg.eng = eng;
    }
    kfix_setup_cfg(cfg);
    cr_assert_eq(k_vm_map(proc, LOC, PG, RW, K_REGION_ANON, -1, 0), 0);
    cr_assert_eq(k_vm_map(proc, GLB, 4 * PG, RW, K_REGION_ANON, -1, 0), 0);
    cr_assert_eq(k_vm_set_attr(proc, GLB, 4 * PG, RW, GLOB, SYM_MEM_GLOBAL), 0);
    give_gseg(GLB, 4 * PG);
}

static void setup(void)
{
    setup_with(true);
}

static void teardown(void)
{
    kfix_teardown();
    if (eng) net_eng_destroy(eng);
    if (net) net_finalize(net);
}

TestSuite(gcopy, .init = setup, .fini = teardown);

static void pattern(uint8_t *b, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)(i * 31 + seed);
}

Test(gcopy, round_trip_ragged_across_pages)
{
    static uint8_t out[3 * PG], in[3 * PG];
    pattern(out, sizeof out, 7);
    /* every head/tail alignment: stores of widths 1, 2, 4 and 8 */
    for (unsigned off = 0; off < 9; off++) {
        uint64_t n = 2 * PG + 13 - off;
        cr_assert_eq(k_copyout(proc, GLB + PG / 2 + off, out + off, n), 0);
        memset(in, 0xee, sizeof in);
        cr_assert_eq(k_copyin(proc, in, GLB + PG / 2 + off, n), 0);
        cr_assert_eq(memcmp(in, out + off, n), 0, "offset %u", off);
        cr_assert_eq(in[n], 0xee, "nothing past the end");
    }
    /* single bytes around a word: neighbours untouched */
    uint8_t z = 0x5a, w[10];
    cr_assert_eq(k_copyout(proc, GLB + 3 * PG + 19, &z, 1), 0);
    cr_assert_eq(k_copyin(proc, w, GLB + 3 * PG + 14, 10), 0);
    for (int i = 0; i < 10; i++)
        cr_assert_eq(w[i], i == 5 ? 0x5a : 0, "byte %d", i);
    cr_assert_eq(net_eng_inflight(eng), 0);
    cr_assert_null(kern->gcopy);
}

Test(gcopy, long_copy_in_several_rounds)
{
    /* 20 pages and a bit: more than one K_NET_KCOPY_MAX piece, ragged ends */
    enum { NP = 24 };
    static uint8_t out[20 * PG + 77], in[sizeof out];
    cr_assert_eq(k_vm_unmap(proc, GLB, 4 * PG), 0);
    cr_assert_eq(k_vm_map(proc, GLB, NP * PG, RW, K_REGION_ANON, -1, 0), 0);
    cr_assert_eq(k_vm_set_attr(proc, GLB, NP * PG, RW, GLOB, SYM_MEM_GLOBAL), 0);
    give_gseg(GLB, NP * PG);
    pattern(out, sizeof out, 5);
    cr_assert_eq(k_copyout(proc, GLB + 1001, out, sizeof out), 0);
    cr_assert_eq(k_copyin(proc, in, GLB + 1001, sizeof in), 0);
    cr_assert_eq(memcmp(in, out, sizeof in), 0);
    uint8_t edge[2];
    cr_assert_eq(k_copyin(proc, edge, GLB + 1000, 1), 0);
    cr_assert_eq(k_copyin(proc, edge + 1, GLB + 1001 + sizeof out, 1), 0);
    cr_assert(edge[0] == 0 && edge[1] == 0, "nothing written outside");
}

Test(gcopy, string_and_spanning_local_global)
{
    const char *s = "@image/some/path/name";
    cr_assert_eq(k_copyout(proc, GLB + PG - 5, s, strlen(s) + 1), 0);
    char buf[64];
    cr_assert_eq(k_copyin_str(proc, buf, GLB + PG - 5, sizeof buf), 0);
    cr_assert_str_eq(buf, s);
    cr_assert_eq(k_copyin_str(proc, buf, GLB + PG - 5, 8), -ENAMETOOLONG);
    /* 100 bytes: 40 in the local page, 60 in the global one above it */
    uint8_t out[100], in[100];
    pattern(out, sizeof out, 3);
    cr_assert_eq(k_copyout(proc, GLB - 40, out, sizeof out), 0);
    cr_assert_eq(k_copyin(proc, in, GLB - 40, sizeof in), 0);
    cr_assert_eq(memcmp(in, out, sizeof in), 0);
    /* past the global lseg's end: EFAULT */
    cr_assert_eq(k_copyin(proc, in, GLB + 4 * PG - 10, 20), -EFAULT);
}

Test(gcopy, cacheable_through_the_node_cache)
{
    cr_assert_eq(k_vm_set_attr(proc, GLB + 2 * PG, 2 * PG, RW, GLOB, GLOB), 0);
    give_gseg(GLB + 2 * PG, 2 * PG);
    uint8_t out[200], in[200];
    pattern(out, sizeof out, 11);
    cr_assert_eq(k_copyout(proc, GLB + 2 * PG + 8, out, sizeof out), 0);
    cr_assert_eq(k_copyin(proc, in, GLB + 2 * PG + 8, sizeof in), 0);
    cr_assert_eq(memcmp(in, out, sizeof in), 0);
    struct k_stats st;
    k_get_stats(kern, &st);
    cr_assert_eq(st.ncache_fills, 1, "one fetch, then the cached copy");
    /* the MM has not seen it: the lines are dirty in the node cache */
    cr_assert_eq(k_vm_set_attr(proc, GLB + 2 * PG, 2 * PG, RW, GLOB, SYM_MEM_GLOBAL), 0);
    give_gseg(GLB + 2 * PG, 2 * PG);
    cr_assert_eq(k_copyin(proc, in, GLB + 2 * PG + 8, sizeof in), 0);
    cr_assert_eq(in[0], 0, "no coherence: global memory still zero");
    cr_assert_eq(rv_ncache_writeback_all(kern->ncache), 0);
    k_net_end(kern); /* waits for the write-backs */
    cr_assert_eq(k_copyin(proc, in, GLB + 2 * PG + 8, sizeof in), 0);
    cr_assert_eq(memcmp(in, out, sizeof in), 0, "written back");
}

Test(gcopy, eviction_by_the_kernels_fill)
{
    /* 4-page cache; dirty 4 cacheable pages, then fill a fifth: the victim's
     * lines go back as the copy's own stores */
    cr_assert_eq(k_vm_unmap(proc, GLB, 4 * PG), 0);
    cr_assert_eq(k_vm_map(proc, GLB, 8 * PG, RW, K_REGION_ANON, -1, 0), 0);
    cr_assert_eq(k_vm_set_attr(proc, GLB, 8 * PG, RW, GLOB, GLOB), 0);
    give_gseg(GLB, 8 * PG);
    for (unsigned i = 0; i < 5; i++) {
        uint64_t v = 0x1000 + i;
        cr_assert_eq(k_copyout(proc, GLB + i * PG + 64, &v, 8), 0);
    }
    struct k_stats st;
    k_get_stats(kern, &st);
    cr_assert_eq(st.ncache_evictions, 1);
    cr_assert_eq(st.ncache_lines_written, 1);
    cr_assert_eq(net_eng_inflight(eng), 0, "the copy waited for its write-back");
    cr_assert_eq(k_vm_set_attr(proc, GLB, PG, RW, GLOB, SYM_MEM_GLOBAL), 0);
    give_gseg(GLB, PG);
    uint64_t v = 0;
    cr_assert_eq(k_copyin(proc, &v, GLB + 64, 8), 0);
    cr_assert_eq(v, 0x1000, "the evicted page's line reached global memory");
}

Test(gcopy, error_reply_is_efault)
{
    uint8_t in[32];
    memset(in, 0xab, sizeof in);
    fail_fills = 1;
    cr_assert_eq(k_copyin(proc, in, GLB + 100, sizeof in), -EFAULT);
    for (size_t i = 0; i < sizeof in; i++)
        cr_assert_eq(in[i], 0xab, "nothing of a failed read delivered");
    cr_assert_eq(k_copyout(proc, GLB + 100, in, sizeof in), -EFAULT);
    cr_assert_null(kern->gcopy);
    fail_fills = 0;
    cr_assert_eq(k_copyin(proc, in, GLB + 100, sizeof in), 0, "the next copy works");
    cr_assert_eq(in[0], 0);
}

static void setup_no_eng(void)
{
    setup_with(false);
}

TestSuite(gcopy_noeng, .init = setup_no_eng, .fini = teardown);

Test(gcopy_noeng, no_engine_is_efault)
{
    uint8_t b[8] = {0};
    cr_assert_eq(k_copyin(proc, b, GLB, 8), -EFAULT);
    cr_assert_eq(k_copyout(proc, GLB, b, 8), -EFAULT);
    cr_assert_eq(k_copyout(proc, LOC, b, 8), 0, "local memory as ever");
}
