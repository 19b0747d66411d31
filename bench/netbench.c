/*
 * netbench.c — host-driven throughput of the network engine (interconnect/
 * engine.c) against the native anchor, MPI_Fetch_and_op, on the same ranks in
 * the same run. Every rank is a PE issuing fetch-and-add requests with W in
 * flight; three workloads:
 *   hot   every request to ONE word (the hot spot)
 *   mix   a fraction h to the hot word, the rest uniform over a table
 *         (Pfister-Norton)
 *   gups  uniform random words of a large table (no locality, no combining)
 * each with combining on and off, and natively: MPI_Fetch_and_op + flush on a
 * passive-target window (lock_all), one op at a time per rank, the same mix
 * of targets. Each measurement is calibrated to last about --seconds; its
 * built-in check (the hot word ends at the number of hot ops) must pass
 * ("ok"); the median of --reps runs is reported. Rank 0 prints one line per
 * measurement: "workload mode P ops seconds mops hot_mm_per_op" (bench/
 * run-net.sh makes the table). This is MPI test/benchmark code, so it
 * includes <mpi.h> itself for the anchor.
 * Usage: mpirun -np P netbench [--seconds S] [--reps N] [--window W] [--h H]
 *        [--table-log2 L] [--only hot|mix|gups] [--flush-us U] [--agg-cap N]
 *        [--idle-max-us U] [--busy-max-us U] [--stats (every engine run's report on stderr)]
 */
#include <getopt.h>
#include <mpi.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "interconnect/net.h"

static int rank, nranks;
static MPI_Comm comm;
static double target_s = 0.6, hfrac = 0.1;
static uint64_t window = 1024;
static unsigned table_log2 = 20, reps = 3;
static int print_stats;
static long flush_us = -1, agg_cap = 0, idle_max_us = 0,
            busy_max_us = -1; /* -1, 0: the engine's defaults */

enum wl { HOT, MIX, GUPS };
static const char *wl_name[] = {"hot", "mix", "gups"};

#define HOT_ADDR NET_GADDR(1, 0)
#define TABLE(i) NET_GADDR(2, (uint64_t)(i)*8)

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t rng;
static uint64_t rnd(void)
{
    uint64_t x = rng; /* xorshift64* */
    x ^= x >> 12, x ^= x << 25, x ^= x >> 27;
    rng = x;
    return x * 0x2545f4914f6cdd1dull;
}

/* Is request i of this rank hot? Deterministic per (rank, i) stream. */
static bool pick_hot(enum wl w)
{
    if (w == HOT) return true;
    if (w == GUPS) return false;
    return (double)(rnd() >> 11) / 9007199254740992.0 < hfrac;
}

struct result {
    double secs;
    uint64_t hot_ops, hot_mm; /* hot requests issued, reaching the hot MM */
    bool ok;
};

/* Idle-friendly barrier (the engine keeps ranks sleeping, not spinning). */
static void barrier(void)
{
    MPI_Request r;
    MPI_Ibarrier(comm, &r);
    int done = 0;
    while (!done) {
        MPI_Test(&r, &done, MPI_STATUS_IGNORE);
        if (!done) {
            struct timespec ts = {0, 100000};
            nanosleep(&ts, NULL);
        }
    }
}

static double max_all(double v)
{
    double m;
    MPI_Allreduce(&v, &m, 1, MPI_DOUBLE, MPI_MAX, comm);
    return m;
}

static uint64_t sum_all(uint64_t v)
{
    uint64_t s;
    MPI_Allreduce(&v, &s, 1, MPI_UINT64_T, MPI_SUM, comm);
    return s;
}

/* ---- the engine ---- */

static struct result run_engine(struct net *net, enum wl w, int combining, uint64_t ops)
{
    struct result res = {0};
    struct net_eng_opts o;
    net_eng_opts_default(&o);
    o.combining = combining;
    o.watch_addr = HOT_ADDR;
    if (flush_us >= 0) o.flush_us = (uint32_t)flush_us;
    if (agg_cap > 0) o.agg_cap = (uint32_t)agg_cap;
    if (idle_max_us > 0) o.idle_max_us = (uint32_t)idle_max_us;
    if (busy_max_us >= 0) o.busy_max_us = (uint32_t)busy_max_us;
    struct net_eng *e;
    if (net_eng_create(net, &o, &e) < 0) exit(2);
    uint64_t tmask = (1ull << table_log2) - 1, hot = 0;
    rng = 0x9e3779b97f4a7c15ull * (uint64_t)(rank + 1);
    barrier();
    double t0 = now();
    uint64_t issued = 0, done = 0;
    struct net_done d[512];
    while (done < ops) {
        while (issued < ops && issued - done < window) {
            bool h = pick_hot(w);
            hot += h;
            struct net_mreq r = {.op = NET_OP_AMOADD,
                                 .width = 8,
                                 .val = 1,
                                 .proc = 0,
                                 .addr = h ? HOT_ADDR : TABLE(rnd() & tmask),
                                 .cookie = issued};
            if (net_eng_issue(e, &r) < 0) exit(3);
            issued++;
        }
        if (net_eng_progress(e) < 0) exit(4);
        size_t k, got = 0;
        while ((k = net_eng_reap(e, d, 512)) > 0)
            got += k;
        done += got;
        if (!got && net_eng_wait(e, 2000) < 0) exit(5);
    }
    double t1 = now();
    net_eng_quiesce(e);
    res.secs = max_all(t1 - t0);
    res.hot_ops = sum_all(hot);
    struct net_rank_stats st;
    net_eng_rank_stats(e, &st);
    res.hot_mm = sum_all(st.mm.watched);
    /* The check: the hot word counts every hot op. */
    uint64_t v = 0;
    if (rank == 0) {
        struct net_mreq r = {.op = NET_OP_LOAD, .width = 8, .addr = HOT_ADDR, .proc = 1};
        net_eng_issue(e, &r);
        while (net_eng_reap(e, d, 1) == 0)
            net_eng_wait(e, 2000);
        v = d[0].val;
    }
    net_eng_quiesce(e);
    MPI_Bcast(&v, 1, MPI_UINT64_T, 0, comm);
    res.ok = v == res.hot_ops;
    if (print_stats) {
        struct net_report *rep;
        if (net_eng_gather(e, &rep) == 0 && rep) {
            net_report_print(rep, stderr);
            net_report_free(rep);
        }
    }
    net_eng_destroy(e);
    return res;
}

/* ---- the anchor: MPI_Fetch_and_op, passive target ---- */

static struct result run_native(enum wl w, uint64_t ops)
{
    struct result res = {0};
    uint64_t local = (1ull << table_log2) / (uint64_t)nranks + 1, *base;
    MPI_Win win;
    MPI_Win_allocate((MPI_Aint)((local + 1) * 8), 8, MPI_INFO_NULL, comm, &base, &win);
    memset(base, 0, (local + 1) * 8);
    barrier();
    MPI_Win_lock_all(0, win);
    rng = 0x9e3779b97f4a7c15ull * (uint64_t)(rank + 1);
    uint64_t one = 1, old, hot = 0;
    barrier();
    double t0 = now();
    for (uint64_t i = 0; i < ops; i++) {
        bool h = pick_hot(w);
        int target = 0;
        MPI_Aint disp = 0; /* the hot word: word 0 of rank 0 */
        if (!h) {
            uint64_t x = rnd();
            target = (int)(x % (uint64_t)nranks);
            disp = (MPI_Aint)(1 + (x >> 32) % local);
        }
        hot += h;
        MPI_Fetch_and_op(&one, &old, MPI_UINT64_T, target, disp, MPI_SUM, win);
        MPI_Win_flush(target, win);
    }
    double t1 = now();
    MPI_Win_unlock_all(win);
    barrier();
    res.secs = max_all(t1 - t0);
    res.hot_ops = sum_all(hot);
    res.hot_mm = res.hot_ops; /* no combining: every op reaches the word */
    uint64_t v = base[0];
    MPI_Bcast(&v, 1, MPI_UINT64_T, 0, comm);
    res.ok = v == res.hot_ops;
    MPI_Win_free(&win);
    return res;
}

static int by_secs(const void *a, const void *b)
{
    double x = ((const struct result *)a)->secs, y = ((const struct result *)b)->secs;
    return x < y ? -1 : x > y;
}

/* Calibrate on a short run, then measure `reps` times for about target_s
 * each; report the median run (every run's check must pass). */
static void measure(struct net *net, enum wl w, int mode /* 1 on, 0 off, -1 native */)
{
    uint64_t pilot = mode < 0 ? 200 : 4 * window > 2000 ? 4 * window : 2000, ops;
    struct result r = mode < 0 ? run_native(w, pilot) : run_engine(net, w, mode, pilot);
    double rate = (double)pilot / (r.secs > 1e-6 ? r.secs : 1e-6); /* per rank */
    ops = (uint64_t)(rate * target_s);
    if (ops < 200) ops = 200;
    if (ops > 20000000) ops = 20000000;
    MPI_Bcast(&ops, 1, MPI_UINT64_T, 0, comm);
    struct result runs[16];
    bool ok = r.ok;
    for (unsigned i = 0; i < reps; i++) {
        runs[i] = mode < 0 ? run_native(w, ops) : run_engine(net, w, mode, ops);
        ok = ok && runs[i].ok;
    }
    qsort(runs, reps, sizeof runs[0], by_secs);
    r = runs[reps / 2];
    r.ok = ok;
    if (rank == 0) {
        uint64_t total = ops * (uint64_t)nranks;
        printf("%s %s %d %llu %.4f %.4f %.4f %s\n", wl_name[w],
               mode < 0 ? "native"
               : mode   ? "comb"
                        : "nocomb",
               nranks, (unsigned long long)total, r.secs, (double)total / r.secs / 1e6,
               r.hot_ops ? (double)r.hot_mm / (double)r.hot_ops : 0.0,
               r.ok ? "ok" : "CHECK-FAILED");
        fflush(stdout);
    }
}

static void usage(FILE *out)
{
    fprintf(out, "usage: mpirun -np P netbench [OPTIONS]\n"
                 "\n"
                 "Host-driven throughput of the network engine (hot spot, hot fraction h,\n"
                 "GUPS-like; combining on and off) against MPI_Fetch_and_op on the same\n"
                 "ranks. Rank 0 prints one line per measurement: workload mode P ops\n"
                 "seconds mops hot_mm_per_op (bench/run-net.sh makes the table).\n"
                 "\n"
                 "options:\n"
                 "  --seconds S       length of each measurement (calibrated)\n"
                 "  --reps N          runs per measurement, the median is reported (1-16)\n"
                 "  --window W        requests in flight per rank\n"
                 "  --h H             hot fraction of the mix workload\n"
                 "  --table-log2 L    table of 2^L words for mix and gups\n"
                 "  --only WORKLOAD   hot, mix or gups only\n"
                 "  --flush-us U, --agg-cap N, --idle-max-us U, --busy-max-us U\n"
                 "                    engine options (docs/network.md)\n"
                 "  --stats           every engine run's report on stderr\n"
                 "  -h, --help        show this help\n");
}

int main(int argc, char **argv)
{
    const char *only = NULL;
    enum {
        O_SECONDS = 256,
        O_WINDOW,
        O_H,
        O_TABLE,
        O_FLUSH,
        O_STATS,
        O_BUSY,
        O_IDLE,
        O_AGG,
        O_REPS,
        O_ONLY
    };
    static const struct option longopts[] = {
        {"seconds", required_argument, NULL, O_SECONDS},
        {"window", required_argument, NULL, O_WINDOW},
        {"h", required_argument, NULL, O_H},
        {"table-log2", required_argument, NULL, O_TABLE},
        {"flush-us", required_argument, NULL, O_FLUSH},
        {"stats", no_argument, NULL, O_STATS},
        {"busy-max-us", required_argument, NULL, O_BUSY},
        {"idle-max-us", required_argument, NULL, O_IDLE},
        {"agg-cap", required_argument, NULL, O_AGG},
        {"reps", required_argument, NULL, O_REPS},
        {"only", required_argument, NULL, O_ONLY},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case O_SECONDS: target_s = atof(optarg); break;
        case O_WINDOW: window = strtoull(optarg, NULL, 0); break;
        case O_H: hfrac = atof(optarg); break;
        case O_TABLE: table_log2 = (unsigned)atoi(optarg); break;
        case O_FLUSH: flush_us = atol(optarg); break;
        case O_STATS: print_stats = 1; break;
        case O_BUSY: busy_max_us = atol(optarg); break;
        case O_IDLE: idle_max_us = atol(optarg); break;
        case O_AGG: agg_cap = atol(optarg); break;
        case O_REPS: reps = (unsigned)atoi(optarg); break;
        case O_ONLY: only = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "netbench: unexpected argument %s (try --help)\n", argv[optind]);
        return 2;
    }
    if (reps < 1 || reps > 16) reps = 3;
    struct net *net;
    if (net_init(&argc, &argv, &net) < 0) return 2;
    int mpi = 0;
    MPI_Initialized(&mpi);
    if (!mpi) {
        fprintf(stderr, "netbench: run me under mpirun\n");
        return 2;
    }
    MPI_Comm_dup(MPI_COMM_WORLD, &comm);
    rank = net_rank(net), nranks = net_size(net);
    for (int w = HOT; w <= GUPS; w++) {
        if (only && strcmp(only, wl_name[w])) continue;
        measure(net, (enum wl)w, -1);
        measure(net, (enum wl)w, 1);
        measure(net, (enum wl)w, 0);
    }
    MPI_Comm_free(&comm);
    net_finalize(net);
    return 0;
}
