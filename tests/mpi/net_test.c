/*
 * net_test.c — the network engine under mpirun (any P): run by ctest with
 * -np 1, 2, 3, 4 (and once over TCP). Every check runs twice, with combining
 * on and off, and the final memory of both runs must be identical.
 *   fa       every rank issues k amoadd.w of 1 to ONE word, W in flight: the
 *            gathered returned values are exactly {0..n-1}, the word ends at n
 *   amo      every AMO kind (.w and .d) from every rank to one word per kind:
 *            the (operand, result) pairs form a serial order (rebuilt here
 *            with an independent reference), ending at the word's final value
 *   lrsc     LR/SC increment loops from every rank: the successful LRs saw
 *            exactly {0..n-1}; SC without a reservation fails
 *   order    several requesters per rank each send bursts of store/load/amoadd
 *            to their own word without waiting: every reply is the value of
 *            program order; each cookie completes exactly once; fence count 0
 *   stats    combines > 0 at switches and in PE queues with combining on and
 *            P >= 2, 0 with it off; the gathered report's totals match; the
 *            JSON document parses
 *   random   each requester sends a burst of random ops of every kind and
 *            width (CAS, LR/SC, byte and half stores, .w at offset 4 too) to
 *            its own 8-byte word; every reply equals a serial byte-level
 *            reference (bursts combine in nested chains on the way)
 *   fill     pages of segment 6 come from the fill callback at their home
 *            (untouched words read the pattern from any rank); stored pages
 *            are written back once, at their home, with the stored values
 *   sync     the sync-segment request from one rank: every MM writes its
 *            dirty pages of the segment back before it completes, once,
 *            with the cluster-wide page count; then every rank syncs at once
 *   idle     a rank waiting with nothing to do: the wait returns 0 every
 *            time (its CPU use is printed, not checked: a busy machine would
 *            fail any bound; bench/idle-cpu.sh measures the ranks' idle cost)
 *   bell     doorbells (bell.c): present unless SYMUNIX_DOORBELLS=0 (all
 *            ranks share this host); a nap lasts its timeout unless rung; a
 *            ring (or a kernel message) from another rank, before or during
 *            the nap, ends it (a 120 s nap is over well before 60 s: no
 *            tighter bound, the machine may be busy); a nap on a stale count
 *            does not sleep
 * Exits 0 only if every rank passed every check (rank 0 prints the verdict).
 */
#include <errno.h>
#include <jansson.h>
#include <mpi.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "interconnect/net.h"
#include "interconnect/netpriv.h"

static int rank, nranks, failures;
static MPI_Comm comm;

#define CHECK(c, ...)                                                                              \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "rank %d: %s:%d: check failed: %s: ", rank, __FILE__, __LINE__, #c);   \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

/* ---- running a batch of requests with at most W in flight ---- */

struct batch {
    struct net_mreq *req;
    uint64_t *res;
    uint8_t *seen; /* completions per request: must end at exactly 1 */
    size_t n;
};

static void batch_init(struct batch *b, size_t n)
{
    b->req = calloc(n, sizeof *b->req);
    b->res = calloc(n, sizeof *b->res);
    b->seen = calloc(n, 1);
    b->n = n;
}

static void batch_free(struct batch *b)
{
    free(b->req), free(b->res), free(b->seen);
}

static void reap_all(struct net_eng *e, struct batch *b, size_t *done)
{
    struct net_done d[256];
    size_t k;
    while ((k = net_eng_reap(e, d, 256)) > 0) {
        for (size_t i = 0; i < k; i++) {
            CHECK(d[i].cookie < b->n, "cookie %llu", (unsigned long long)d[i].cookie);
            if (d[i].cookie >= b->n) continue;
            CHECK(d[i].err == 0, "request %llu failed: %d", (unsigned long long)d[i].cookie,
                  d[i].err);
            CHECK(d[i].proc == b->req[d[i].cookie].proc, "proc %u", d[i].proc);
            b->res[d[i].cookie] = d[i].val;
            b->seen[d[i].cookie]++;
            (*done)++;
        }
    }
}

/* Issue b's requests in order (cookie = index), at most W in flight. */
static void run_batch(struct net_eng *e, struct batch *b, size_t W)
{
    size_t issued = 0, done = 0;
    while (done < b->n) {
        while (issued < b->n && issued - done < W) {
            b->req[issued].cookie = issued;
            int rc = net_eng_issue(e, &b->req[issued]);
            CHECK(rc == 0, "issue: %d", rc);
            if (rc) return;
            issued++;
        }
        int rc = net_eng_progress(e);
        CHECK(rc >= 0, "progress: %d", rc);
        if (rc < 0) return;
        size_t before = done;
        reap_all(e, b, &done);
        if (done == before && (rc = net_eng_wait(e, 2000)) < 0) {
            CHECK(0, "wait: %d", rc);
            return;
        }
    }
    for (size_t i = 0; i < b->n; i++)
        CHECK(b->seen[i] == 1, "request %zu completed %u times", i, b->seen[i]);
}

/* One request, waited for. */
static uint64_t one(struct net_eng *e, unsigned op, unsigned width, uint64_t addr, uint64_t val,
                    uint32_t proc)
{
    struct batch b;
    batch_init(&b, 1);
    b.req[0] = (struct net_mreq){.op = op, .width = width, .addr = addr, .val = val, .proc = proc};
    run_batch(e, &b, 1);
    uint64_t v = b.res[0];
    batch_free(&b);
    return v;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Gather n64 u64s from every rank at rank 0 (all[P * n64]). */
static void gather(const uint64_t *mine, size_t n64, uint64_t *all)
{
    MPI_Gather(mine, (int)n64, MPI_UINT64_T, all, (int)n64, MPI_UINT64_T, 0, comm);
}

/* ---- fa: the F&A oracle on one hot word ---- */

#define FA_K 2000
#define FA_W 64

static uint64_t test_fa(struct net_eng *e)
{
    const uint64_t hot = NET_GADDR(1, 4096 + 64);
    struct batch b;
    batch_init(&b, FA_K);
    for (size_t i = 0; i < FA_K; i++)
        b.req[i] = (struct net_mreq){
            .op = NET_OP_AMOADD, .width = 4, .addr = hot, .val = 1, .proc = (uint32_t)(i % 3)};
    run_batch(e, &b, FA_W);
    net_eng_quiesce(e);
    uint64_t *all = rank == 0 ? malloc(sizeof *all * FA_K * nranks) : NULL;
    gather(b.res, FA_K, all);
    uint64_t n = (uint64_t)FA_K * nranks, fin = 0;
    if (rank == 0) {
        qsort(all, n, sizeof *all, cmp_u64);
        size_t bad = 0;
        for (uint64_t i = 0; i < n; i++)
            bad += all[i] != i;
        CHECK(bad == 0, "F&A oracle: %zu of %llu returned values out of place", bad,
              (unsigned long long)n);
        fin = one(e, NET_OP_LOAD, 4, hot, 0, 99);
        CHECK(fin == n, "hot word %llu, want %llu", (unsigned long long)fin, (unsigned long long)n);
    }
    free(all);
    batch_free(&b);
    net_eng_quiesce(e);
    return fin;
}

/* ---- amo: every kind against a serial reference ---- */

/* The reference: op at width on x with operand v (independent of combine.c). */
static uint64_t ref_apply(unsigned op, unsigned w, uint64_t x, uint64_t v)
{
    uint64_t m = w == 4 ? 0xffffffffull : ~0ull, r;
    x &= m, v &= m;
    int64_t sx = w == 4 ? (int32_t)x : (int64_t)x, sv = w == 4 ? (int32_t)v : (int64_t)v;
    switch (op) {
    case NET_OP_SWAP: r = v; break;
    case NET_OP_AMOADD: r = x + v; break;
    case NET_OP_AMOAND: r = x & v; break;
    case NET_OP_AMOOR: r = x | v; break;
    case NET_OP_AMOXOR: r = x ^ v; break;
    case NET_OP_AMOMIN: r = sx < sv ? x : v; break;
    case NET_OP_AMOMAX: r = sx > sv ? x : v; break;
    case NET_OP_AMOMINU: r = x < v ? x : v; break;
    case NET_OP_AMOMAXU: r = x > v ? x : v; break;
    default: abort();
    }
    r &= m;
    return w == 4 ? (uint64_t)(int64_t)(int32_t)r : r; /* as the hart sees .w */
}

static const unsigned amo_ops[] = {NET_OP_SWAP,   NET_OP_AMOADD,  NET_OP_AMOAND,
                                   NET_OP_AMOOR,  NET_OP_AMOXOR,  NET_OP_AMOMIN,
                                   NET_OP_AMOMAX, NET_OP_AMOMINU, NET_OP_AMOMAXU};
#define NOPS (sizeof amo_ops / sizeof amo_ops[0])

static uint64_t amo_init(unsigned op, unsigned w)
{
    uint64_t top = w == 4 ? 0x7fffffffull : 0x7fffffffffffffffull;
    switch (op) {
    case NET_OP_AMOAND: return ~0ull;
    case NET_OP_AMOMIN: return top;
    case NET_OP_AMOMAX: return ~top; /* the most negative */
    case NET_OP_AMOMINU: return ~0ull;
    case NET_OP_SWAP: return 12345;
    default: return 0;
    }
}

/* Operand j of n: designed so that every valid history is reconstructible. */
static uint64_t amo_operand(unsigned op, unsigned w, unsigned j)
{
    uint64_t h = (j + 1) * 0x9e3779b97f4a7c15ull; /* distinct, both signs */
    h ^= h >> 29;
    switch (op) {
    case NET_OP_SWAP: return 1000 + j;
    case NET_OP_AMOADD: return j + 1;
    case NET_OP_AMOAND: return ~(1ull << j);
    case NET_OP_AMOOR:
    case NET_OP_AMOXOR: return 1ull << j;
    default: return (w == 4 ? (h ^ (h >> 32)) & 0xffffffffull : h) | 1; /* min/max */
    }
}

static uint64_t canon(unsigned w, uint64_t v)
{
    return w == 4 ? (uint64_t)(int64_t)(int32_t)v : v;
}

/* Rebuild a serial order of n (operand, result) pairs from init; returns the
 * final value, or sets *ok = false if no serial order explains them. */
static uint64_t serialize(unsigned op, unsigned w, uint64_t init, const uint64_t *opnd,
                          const uint64_t *res, unsigned n, bool *ok)
{
    bool *used = calloc(n, 1);
    uint64_t x = canon(w, init);
    for (unsigned step = 0; step < n && *ok; step++) {
        int pick = -1;
        for (unsigned j = 0; j < n; j++) { /* ops that leave x alone first */
            if (used[j] || res[j] != x) continue;
            if (ref_apply(op, w, x, opnd[j]) == x) {
                pick = (int)j;
                break;
            }
            if (pick < 0) pick = (int)j;
        }
        if (pick < 0) {
            *ok = false;
            break;
        }
        used[pick] = true;
        x = ref_apply(op, w, x, opnd[pick]);
    }
    free(used);
    return x;
}

static uint64_t test_amo(struct net_eng *e, uint64_t digest)
{
    unsigned m = 32 / (unsigned)nranks, n = m * (unsigned)nranks;
    if (n > 32) n = 32; /* bit-per-op kinds fit in 32 bits */
    /* One word per (kind, width), on several pages (several homes). */
    if (rank == 0) {
        struct batch b;
        batch_init(&b, NOPS * 2);
        for (unsigned k = 0; k < NOPS * 2; k++) {
            unsigned op = amo_ops[k / 2], w = k % 2 ? 8 : 4;
            b.req[k] = (struct net_mreq){.op = NET_OP_STORE,
                                         .width = (uint8_t)w,
                                         .addr = NET_GADDR(3, k * 4096 + 8 * k),
                                         .val = amo_init(op, w)};
        }
        run_batch(e, &b, 64);
        batch_free(&b);
    }
    net_eng_quiesce(e);
    struct batch b;
    batch_init(&b, NOPS * 2 * m);
    for (unsigned i = 0; i < m; i++)
        for (unsigned k = 0; k < NOPS * 2; k++) {
            unsigned op = amo_ops[k / 2], w = k % 2 ? 8 : 4, j = (unsigned)rank * m + i;
            b.req[i * NOPS * 2 + k] = (struct net_mreq){.op = (uint8_t)op,
                                                        .width = (uint8_t)w,
                                                        .addr = NET_GADDR(3, k * 4096 + 8 * k),
                                                        .val = amo_operand(op, w, j),
                                                        .proc = k};
        }
    run_batch(e, &b, 32);
    net_eng_quiesce(e);
    uint64_t *all = rank == 0 ? malloc(sizeof *all * b.n * nranks) : NULL;
    gather(b.res, b.n, all);
    if (rank == 0) {
        uint64_t *opnd = malloc(n * sizeof *opnd), *res = malloc(n * sizeof *res);
        for (unsigned k = 0; k < NOPS * 2; k++) {
            unsigned op = amo_ops[k / 2], w = k % 2 ? 8 : 4;
            for (unsigned j = 0; j < n; j++) {
                unsigned r = j / m, i = j % m;
                opnd[j] = amo_operand(op, w, j);
                res[j] = all[(size_t)r * b.n + i * NOPS * 2 + k];
            }
            bool ok = true;
            uint64_t want = serialize(op, w, amo_init(op, w), opnd, res, n, &ok);
            CHECK(ok, "AMO kind %u width %u: the results fit no serial order", op, w);
            uint64_t got = one(e, NET_OP_LOAD, w, NET_GADDR(3, k * 4096 + 8 * k), 0, 99);
            CHECK(got == want, "AMO kind %u width %u: final %#llx, serial %#llx", op, w,
                  (unsigned long long)got, (unsigned long long)want);
            if (op != NET_OP_SWAP) /* the last swapper wins: order-dependent */
                digest = digest * 1000003u ^ got;
        }
        free(opnd), free(res);
    }
    free(all);
    batch_free(&b);
    net_eng_quiesce(e);
    return digest;
}

/* ---- lrsc ---- */

#define LRSC_K 100

static uint64_t test_lrsc(struct net_eng *e, uint64_t digest)
{
    const uint64_t ctr = NET_GADDR(4, 8192 + 16);
    uint64_t seen[LRSC_K];
    uint32_t me = 7;
    /* SC with no reservation fails and stores nothing. */
    uint64_t f = one(e, NET_OP_SC, 8, NET_GADDR(4, 64), 5, me);
    CHECK(f == 1, "sc without lr: %llu", (unsigned long long)f);
    CHECK(one(e, NET_OP_LOAD, 8, NET_GADDR(4, 64), 0, me) == 0, "failed sc stored");
    uint64_t tries = 0;
    for (unsigned i = 0; i < LRSC_K; i++) {
        for (;;) {
            tries++;
            uint64_t v = one(e, NET_OP_LR, 8, ctr, 0, me);
            if (one(e, NET_OP_SC, 8, ctr, v + 1, me) == 0) {
                seen[i] = v;
                break;
            }
        }
    }
    net_eng_quiesce(e);
    uint64_t *all = rank == 0 ? malloc(sizeof *all * LRSC_K * nranks) : NULL;
    gather(seen, LRSC_K, all);
    if (rank == 0) {
        uint64_t n = (uint64_t)LRSC_K * nranks;
        qsort(all, n, sizeof *all, cmp_u64);
        size_t bad = 0;
        for (uint64_t i = 0; i < n; i++)
            bad += all[i] != i;
        CHECK(bad == 0, "LR/SC: %zu values out of place", bad);
        uint64_t fin = one(e, NET_OP_LOAD, 8, ctr, 0, me);
        CHECK(fin == n, "LR/SC counter %llu, want %llu", (unsigned long long)fin,
              (unsigned long long)n);
        digest = digest * 1000003u ^ fin;
    }
    free(all);
    net_eng_quiesce(e);
    return digest;
}

/* ---- order: per-requester program order to one word ---- */

#define ORD_R 4  /* requesters per rank */
#define ORD_L 60 /* rounds of (store i, load, amoadd 1, load, sb, lbu) */

static uint64_t test_order(struct net_eng *e, uint64_t digest)
{
    struct batch b;
    batch_init(&b, ORD_R * ORD_L * 6);
    size_t k = 0;
    for (unsigned i = 1; i <= ORD_L; i++)
        for (unsigned p = 0; p < ORD_R; p++) {
            uint32_t proc = 100 + p;
            uint64_t w = NET_GADDR(5, ((unsigned)rank * ORD_R + p) * 8);
            struct net_mreq base = {.width = 8, .addr = w, .proc = proc};
            b.req[k] = base, b.req[k].op = NET_OP_STORE, b.req[k++].val = i * 1000;
            b.req[k] = base, b.req[k++].op = NET_OP_LOAD;
            b.req[k] = base, b.req[k].op = NET_OP_AMOADD, b.req[k++].val = 1;
            b.req[k] = base, b.req[k++].op = NET_OP_LOAD;
            b.req[k] = base, b.req[k].op = NET_OP_STORE, b.req[k].width = 1, b.req[k].val = 0x7;
            k++; /* low byte of i*1000+1 becomes 7 */
            b.req[k] = base, b.req[k].width = 4, b.req[k++].op = NET_OP_LOAD;
        }
    /* Issue everything at once: no request waits for an earlier one. */
    run_batch(e, &b, b.n);
    for (unsigned p = 0; p < ORD_R; p++)
        CHECK(net_eng_outstanding(e, 100 + p) == 0, "requester %u not fenced", 100 + p);
    size_t bad = 0;
    k = 0;
    for (unsigned i = 1; i <= ORD_L; i++)
        for (unsigned p = 0; p < ORD_R; p++, k += 6) {
            uint64_t v = i * 1000, lo = ((v + 1) & ~0xffull) | 7;
            bad += b.res[k] != NET_ACK || b.res[k + 1] != v || b.res[k + 2] != v ||
                   b.res[k + 3] != v + 1 || b.res[k + 5] != canon(4, lo);
        }
    CHECK(bad == 0, "program order broken in %zu of %u rounds", bad, ORD_L * ORD_R);
    digest = digest * 1000003u ^ b.res[k - 1];
    batch_free(&b);
    net_eng_quiesce(e);
    return digest;
}

/* ---- stats ---- */

static void test_stats(struct net_eng *e, int combining)
{
    struct net_report *r = NULL;
    int rc = net_eng_gather(e, &r);
    CHECK(rc == 0, "gather: %d", rc);
    if (rank != 0) {
        CHECK(r == NULL, "report on rank %d", rank);
        return;
    }
    if (!r) return;
    uint64_t combines = 0, issued = 0, served = 0, pe = 0;
    for (uint32_t j = 0; j < r->nsw; j++)
        combines += r->sw[j].combines;
    for (uint32_t k = 0; k < r->nranks; k++) {
        issued += r->ranks[k].issued, served += r->ranks[k].mm.served;
        pe += r->ranks[k].pe_combines;
    }
    combines += pe; /* the totals count the PE queues' combines too */
    CHECK(r->nranks == (uint32_t)nranks, "report of %u ranks", r->nranks);
    if (combining && nranks >= 2) {
        CHECK(combines > pe, "no combines at switches with combining on");
        /* On 2+ ranks some rank's stage-0 switch is elsewhere: its bursts of
         * requests to one word (fa, amo) meet in its PE queue first. */
        CHECK(pe > 0, "no combines in PE queues with combining on");
    }
    if (!combining) {
        CHECK(combines == 0, "%llu combines with combining off", (unsigned long long)combines);
        CHECK(served == issued, "served %llu != issued %llu without combining",
              (unsigned long long)served, (unsigned long long)issued);
    } else {
        CHECK(served <= issued, "served %llu > issued %llu", (unsigned long long)served,
              (unsigned long long)issued);
    }
    printf("combining %s: %llu requests, %llu served at MMs, %llu combines\n",
           combining ? "on " : "off", (unsigned long long)issued, (unsigned long long)served,
           (unsigned long long)combines);
    char path[] = "/tmp/net_test_json.XXXXXX";
    int fd = mkstemp(path);
    if (fd >= 0) close(fd);
    CHECK(net_report_json(r, path) == 0, "json write");
    json_error_t err;
    json_t *doc = json_load_file(path, 0, &err);
    CHECK(doc != NULL, "json parse: %s", err.text);
    if (doc) {
        json_t *t = json_object_get(doc, "totals");
        CHECK(json_integer_value(json_object_get(t, "combines")) == (json_int_t)combines,
              "json combines");
        CHECK(json_array_size(json_object_get(doc, "ranks")) == (size_t)nranks, "json ranks");
        json_decref(doc);
    }
    unlink(path);
    if (getenv("NET_TEST_VERBOSE")) net_report_print(r, stdout);
    net_report_free(r);
}

/* ---- random: bursts of every op against a serial byte-level reference ---- */

#define RND_R 3   /* requesters per rank */
#define RND_L 400 /* ops per requester */

struct refword {
    uint8_t b[8];
    int resv; /* reservation: -1 none, else offset | width << 4 */
};

static uint64_t ref_read(const struct refword *w, unsigned off, unsigned width)
{
    uint64_t v = 0;
    memcpy(&v, w->b + off, width);
    return v;
}

static void ref_write(struct refword *w, unsigned off, unsigned width, uint64_t v)
{
    memcpy(w->b + off, &v, width);
    if (w->resv >= 0) {
        unsigned ro = (unsigned)w->resv & 15, rw = (unsigned)w->resv >> 4;
        if (ro < off + width && off < ro + rw) w->resv = -1;
    }
}

/* Apply one op to the reference; returns the reply the MM must give. */
static uint64_t ref_op(struct refword *w, struct net_mreq *r, unsigned off, uint64_t *rng)
{
    unsigned width = r->width;
    uint64_t old = ref_read(w, off, width), cv = width == 4 ? canon(4, old) : old;
    switch (r->op) {
    case NET_OP_LOAD: return cv;
    case NET_OP_STORE: ref_write(w, off, width, r->val); return NET_ACK;
    case NET_OP_LR: w->resv = (int)(off | width << 4); return cv;
    case NET_OP_SC: {
        bool ok = w->resv == (int)(off | width << 4);
        w->resv = -1;
        if (ok) ref_write(w, off, width, r->val);
        return ok ? 0 : 1;
    }
    case NET_OP_CAS:
        /* Half the time expect the current value (it must then swap). */
        r->val2 = (*rng >> 7) & 1 ? cv : cv ^ 0x10;
        if (canon(width, r->val2) == cv) ref_write(w, off, width, r->val);
        return cv;
    default: ref_write(w, off, width, ref_apply(r->op, width, old, r->val)); return cv;
    }
}

static void test_random(struct net_eng *e)
{
    static const unsigned kinds[] = {NET_OP_LOAD,   NET_OP_STORE,   NET_OP_SWAP,    NET_OP_AMOADD,
                                     NET_OP_AMOAND, NET_OP_AMOOR,   NET_OP_AMOXOR,  NET_OP_AMOMIN,
                                     NET_OP_AMOMAX, NET_OP_AMOMINU, NET_OP_AMOMAXU, NET_OP_LR,
                                     NET_OP_SC,     NET_OP_CAS};
    struct batch b;
    batch_init(&b, RND_R * RND_L);
    uint64_t *want = calloc(b.n, sizeof *want);
    struct refword ref[RND_R];
    memset(ref, 0, sizeof ref);
    uint64_t rng = 0x243f6a8885a308d3ull ^ (uint64_t)rank << 40;
    for (unsigned p = 0; p < RND_R; p++)
        ref[p].resv = -1;
    /* Interleave the requesters' streams; each stream is in program order. */
    for (unsigned i = 0; i < RND_L; i++)
        for (unsigned p = 0; p < RND_R; p++) {
            size_t k = (size_t)i * RND_R + p;
            rng = rng * 6364136223846793005ull + 1442695040888963407ull;
            unsigned op = kinds[(rng >> 33) % (sizeof kinds / sizeof kinds[0])];
            unsigned width = (rng >> 40) & 1 ? 8 : 4;
            if ((op == NET_OP_STORE || op == NET_OP_LOAD) && ((rng >> 41) & 3) == 0)
                width = (rng >> 43) & 1 ? 2 : 1;
            unsigned off = ((unsigned)(rng >> 45) % (8 / width)) * width;
            uint64_t val = rng >> 3 ^ rng << 29;
            if ((rng >> 50) & 1) val &= 0xff; /* small values: min/max both ways */
            struct net_mreq r = {.op = (uint8_t)op,
                                 .width = (uint8_t)width,
                                 .val = val,
                                 .proc = 200 + p,
                                 .addr = NET_GADDR(7, (uint64_t)(rank * RND_R + p) * 4096 + off)};
            want[k] = ref_op(&ref[p], &r, off, &rng);
            b.req[k] = r;
        }
    run_batch(e, &b, b.n); /* everything in flight at once */
    size_t bad = 0;
    for (size_t k = 0; k < b.n; k++)
        if (b.res[k] != want[k] && bad++ < 5)
            CHECK(0, "random op %zu (op %u width %u): got %#llx want %#llx", k, b.req[k].op,
                  b.req[k].width, (unsigned long long)b.res[k], (unsigned long long)want[k]);
    CHECK(bad == 0, "%zu of %zu random ops differ from the serial reference", bad, b.n);
    free(want);
    batch_free(&b);
    net_eng_quiesce(e);
}

/* ---- fill and write-back through the network ---- */

#define FILL_SEG          6
#define FILL_PAT(page, i) (0x5eed000000000000ull | (uint64_t)(page) << 16 | (i))

static int fill_pattern(void *ctx, uint64_t seg, uint64_t page, void *buf)
{
    (void)ctx;
    if (seg != FILL_SEG) return 0; /* other segments: zeros */
    uint64_t *w = buf;
    for (unsigned i = 0; i < NET_PAGE_SIZE / 8; i++)
        w[i] = FILL_PAT(page, i);
    return 0;
}

struct wb_count {
    uint64_t pages, bad;
};

static int wb_check(void *ctx, uint64_t seg, uint64_t page, const void *buf)
{
    struct wb_count *c = ctx;
    if (seg != FILL_SEG) return 0;
    c->pages++;
    uint64_t w0;
    memcpy(&w0, buf, 8);
    if (w0 != (page * 7 + 1)) c->bad++; /* word 0 of every stored page */
    return 0;
}

static struct wb_count wbc;

static void test_fill(struct net_eng *e)
{
    enum { PAGES = 40 };
    struct batch b;
    batch_init(&b, PAGES * 2);
    /* Every rank reads word 5 of every page; rank 0 also stores word 0 of
     * the even pages (after the loads, program order keeps them apart). */
    for (unsigned p = 0; p < PAGES; p++)
        b.req[p] = (struct net_mreq){
            .op = NET_OP_LOAD, .width = 8, .addr = NET_GADDR(FILL_SEG, p * 4096 + 5 * 8)};
    size_t n = PAGES;
    if (rank == 0)
        for (unsigned p = 0; p < PAGES; p += 2)
            b.req[n++] = (struct net_mreq){.op = NET_OP_STORE,
                                           .width = 8,
                                           .addr = NET_GADDR(FILL_SEG, p * 4096),
                                           .val = p * 7 + 1};
    b.n = n;
    run_batch(e, &b, 16);
    for (unsigned p = 0; p < PAGES; p++)
        CHECK(b.res[p] == FILL_PAT(p, 5), "page %u word 5: %#llx", p, (unsigned long long)b.res[p]);
    net_eng_quiesce(e);
    wbc = (struct wb_count){0};
    long w = net_eng_writeback(e, FILL_SEG);
    CHECK(w >= 0, "writeback: %ld", w);
    CHECK(wbc.bad == 0, "%llu pages written back with a wrong word 0", (unsigned long long)wbc.bad);
    uint64_t total = 0;
    MPI_Allreduce(&wbc.pages, &total, 1, MPI_UINT64_T, MPI_SUM, comm);
    CHECK(total == PAGES / 2, "%llu pages written back, want %d", (unsigned long long)total,
          PAGES / 2);
    CHECK(net_eng_writeback(e, FILL_SEG) == 0, "clean pages written back again");
    batch_free(&b);
    net_eng_quiesce(e);
}

/* ---- the sync-segment control request ---- */

static void test_sync(struct net_eng *e)
{
    enum { PAGES = 40 };
    struct batch b;
    batch_init(&b, PAGES);
    size_t n = 0; /* page p is stored by rank p mod P: every MM gets dirty pages */
    for (unsigned p = (unsigned)rank; p < PAGES; p += (unsigned)nranks)
        b.req[n++] = (struct net_mreq){.op = NET_OP_STORE,
                                       .width = 8,
                                       .addr = NET_GADDR(FILL_SEG, p * 4096),
                                       .val = p * 7 + 1};
    b.n = n;
    run_batch(e, &b, 16);
    batch_free(&b);
    /* Counted from here: another rank's sync may reach this MM while this
     * rank is still in the quiesce below. */
    wbc = (struct wb_count){0};
    struct net_rank_stats s0, s1;
    net_eng_rank_stats(e, &s0);
    net_eng_quiesce(e); /* every store served: the fence before the sync */
    /* One requester on the last rank syncs; the others serve meanwhile. */
    if (rank == nranks - 1) {
        struct net_mreq r = {
            .op = NET_MREQ_SYNC, .addr = NET_GADDR(FILL_SEG, 0), .proc = 77, .cookie = 4242};
        CHECK(net_eng_issue(e, &r) == 0, "sync issue");
    }
    net_eng_quiesce(e);
    uint64_t total = 0;
    MPI_Allreduce(&wbc.pages, &total, 1, MPI_UINT64_T, MPI_SUM, comm);
    CHECK(total == PAGES, "sync wrote %llu pages back, want %d", (unsigned long long)total, PAGES);
    CHECK(wbc.bad == 0, "sync wrote %llu wrong pages", (unsigned long long)wbc.bad);
    struct net_done d[4];
    size_t k = net_eng_reap(e, d, 4);
    if (rank == nranks - 1) {
        CHECK(k == 1, "sync: %zu completions, want 1", k);
        CHECK(k == 1 && d[0].cookie == 4242 && d[0].proc == 77 && d[0].err == 0 &&
                  d[0].val == PAGES,
              "sync completion: cookie %llu val %llu", (unsigned long long)d[0].cookie,
              (unsigned long long)d[0].val);
        CHECK(net_eng_sync_err(e, 77) == 0, "sync error");
    } else {
        CHECK(k == 0, "rank %d: %zu completions of nothing", rank, k);
    }
    /* Every rank at once, nothing dirty left: each completes once, 0 pages. */
    struct net_mreq r = {.op = NET_MREQ_SYNC,
                         .addr = NET_GADDR(FILL_SEG, 0),
                         .proc = (uint32_t)rank,
                         .cookie = 5000 + (uint64_t)rank};
    CHECK(net_eng_issue(e, &r) == 0, "sync issue");
    net_eng_quiesce(e);
    k = net_eng_reap(e, d, 4);
    CHECK(k == 1 && d[0].cookie == r.cookie && d[0].val == 0, "concurrent syncs: %zu", k);
    net_eng_rank_stats(e, &s1);
    CHECK(s1.mm.syncs - s0.mm.syncs == (uint64_t)nranks + 1, /* each MM: every sync */
          "MM served %llu syncs", (unsigned long long)(s1.mm.syncs - s0.mm.syncs));
}

/* ---- idle ---- */

static double cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

static void test_idle(struct net_eng *e)
{
    struct timespec t0, t1;
    double c0 = cpu_seconds();
    clock_gettime(CLOCK_MONOTONIC, &t0);
    double el;
    do {
        int rc = net_eng_wait(e, 100000);
        CHECK(rc == 0, "idle wait returned %d", rc);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        el = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    } while (el < 1.0);
    double cpu = cpu_seconds() - c0;
    if (rank == 0 || getenv("NET_TEST_VERBOSE"))
        printf("rank %d idle: %.2f%% of a core\n", rank, 100 * cpu / el);
}

/* ---- doorbells (bell.c) ---- */

static double secs_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Rank 1 naps for up to 10 s on the count it read before telling rank 0 to
 * go; rank 0 waits `delay_us` (0: the ring may come before the nap starts)
 * and then rings it, by a raw ring or by a kernel message. */
static void bell_wake(struct net *net, struct net_bells *b, long delay_us, bool by_msg)
{
    int token = 0;
    if (rank == 1) {
        uint32_t seq = net_bell_seq(b);
        MPI_Send(&token, 1, MPI_INT, 0, 99, comm);
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        net_bell_nap(b, seq, 120000000);
        double el = secs_since(&t0);
        CHECK(el < 60.0, "a rung nap (delay %ld us, %s) lasted %.3f s", delay_us,
              by_msg ? "message" : "ring", el);
        if (by_msg) { /* take the message: the job's end counts it */
            int src = -1, rc;
            void *buf = NULL;
            size_t len = 0;
            while ((rc = net_msg_recv(net, &src, &buf, &len)) == 0)
                usleep(100);
            CHECK(rc == 1 && src == 0 && len == 4, "the waking message: rc %d src %d", rc, src);
            free(buf);
        }
    } else if (rank == 0) {
        MPI_Recv(&token, 1, MPI_INT, 1, 99, comm, MPI_STATUS_IGNORE);
        if (delay_us) usleep((useconds_t)delay_us);
        if (by_msg)
            CHECK(net_msg_send(net, 1, "bell", 4) == 0, "message to rank 1");
        else
            net_bell_ring(b, 1);
    }
    MPI_Barrier(comm);
}

static void test_bell(struct net *net)
{
    struct net_bells *b = net_bells_of(net);
    const char *env = getenv("SYMUNIX_DOORBELLS");
    bool want = !env || strcmp(env, "0") != 0;
    CHECK((b != NULL) == want, "bells %s, expected %s", b ? "on" : "off", want ? "on" : "off");
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    net_bell_nap(b, net_bell_seq(b), 20000);
    double el = secs_since(&t0);
    CHECK(el >= 0.019, "an unrung 20 ms nap lasted %.4f s", el);
    if (!b || nranks < 2) return;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    net_bell_nap(b, net_bell_seq(b) - 1, 120000000);
    el = secs_since(&t0);
    CHECK(el < 60.0, "a nap on a stale count lasted %.3f s", el);
    MPI_Barrier(comm);
    bell_wake(net, b, 0, false);
    bell_wake(net, b, 50000, false);
    bell_wake(net, b, 50000, true);
}

/* ---- kernel messages (net_msg_*) ---- */

/* Every rank sends K messages of growing sizes (up to 256 KiB: past the eager
 * limit, so rendezvous sends too) to every other rank; each checks it gets
 * them in order, intact. Then a few more that nobody receives: net_job_end
 * must settle them (take them and complete the sends) without hanging. */
static void test_msg(struct net *net)
{
    enum { K = 12 };
    CHECK(net_msg_send(net, rank, "x", 1) == -EINVAL, "send to self must be refused");
    for (int k = 0; k < K; k++)
        for (int d = 0; d < nranks; d++) {
            if (d == rank) continue;
            size_t len = (size_t)1 << (k + 6);
            uint8_t *b = malloc(len);
            for (size_t i = 0; i < len; i++)
                b[i] = (uint8_t)(rank * 31 + d * 7 + k + i);
            CHECK(net_msg_send(net, d, b, len) == 0, "send %d to %d", k, d);
            free(b);
        }
    int next[64] = {0};
    int want = K * (nranks - 1), got = 0;
    while (got < want) {
        int src;
        void *buf;
        size_t len;
        int rc = net_msg_recv(net, &src, &buf, &len);
        CHECK(rc >= 0, "recv: %d", rc);
        if (rc < 0) break;
        if (rc == 0) {
            usleep(100);
            continue;
        }
        int k = next[src]++;
        CHECK(len == (size_t)1 << (k + 6), "from %d: message %d has %zu bytes", src, k, len);
        const uint8_t *b = buf;
        size_t bad = 0;
        for (size_t i = 0; i < len; i++)
            bad += b[i] != (uint8_t)(src * 31 + rank * 7 + k + i);
        CHECK(bad == 0, "from %d: message %d damaged in %zu bytes", src, k, bad);
        free(buf);
        got++;
    }
    /* Every rank has taken its K from each before any sends a late one (a fast
     * rank's late message would otherwise arrive as the K+1-th of its source
     * while this one still waits for a slower source). */
    MPI_Barrier(comm);
    for (int d = 0; d < nranks; d++)
        if (d != rank) CHECK(net_msg_send(net, d, "late", 4) == 0, "late send");
    CHECK(net_job_start(net) == 0, "job start");
    int status = rank == 0 ? 7 : 0;
    CHECK(net_job_end(net, &status) == 0 && status == 7, "job end with messages left: %d", status);
}

static uint64_t run_all(struct net *net, int combining, bool idle)
{
    struct net_eng_opts o;
    net_eng_opts_default(&o);
    o.combining = combining;
    o.agg_cap = 64; /* small: full buffers happen too */
    o.fill = fill_pattern;
    o.writeback = wb_check;
    o.ctx = &wbc;
    struct net_eng *e;
    int rc = net_eng_create(net, &o, &e);
    CHECK(rc == 0, "create: %d", rc);
    if (rc) return 0;
    uint64_t d = test_fa(e);
    d = test_amo(e, d);
    d = test_lrsc(e, d);
    d = test_order(e, d);
    test_random(e);
    test_fill(e);
    test_sync(e);
    test_stats(e, combining);
    if (idle) test_idle(e);
    net_eng_quiesce(e);
    net_eng_destroy(e);
    return d;
}

int main(int argc, char **argv)
{
    struct net *net;
    if (net_init(&argc, &argv, &net) < 0) return 2;
    rank = net_rank(net), nranks = net_size(net);
    int mpi = 0;
    MPI_Initialized(&mpi);
    if (!mpi) {
        fprintf(stderr, "net_test: run me under mpirun\n");
        return 2;
    }
    MPI_Comm_dup(MPI_COMM_WORLD, &comm);
    test_bell(net);
    test_msg(net);
    uint64_t on = run_all(net, 1, false);
    uint64_t off = run_all(net, 0, true);
    if (rank == 0)
        CHECK(on == off, "results differ with combining off: %#llx vs %#llx",
              (unsigned long long)on, (unsigned long long)off);
    int ok = net_all_ok(net, failures == 0);
    if (rank == 0) printf("net_test: %d ranks: %s\n", nranks, ok ? "PASS" : "FAIL");
    MPI_Comm_free(&comm);
    net_finalize(net);
    return ok ? 0 : 1;
}
