/*
 * net.h — the interconnect as the rest of the emulator sees it: which node this
 * rank is, how many there are, the job-wide agreement on the end of a run, and
 * the network engine: global memory requests travelling through the combining
 * network to the memory modules (MMs) and their replies coming back.
 * Only files in interconnect/ include <mpi.h>.
 *
 * When the process was not started by mpirun (no MPI launcher in the
 * environment) the net is a loopback of one node and MPI is never initialised,
 * so a singleton `symunix run` starts instantly and needs no MPI runtime.
 *
 * Invariants
 *  1. MPI is used through a duplicated communicator, never MPI_COMM_WORLD.
 *  2. A rank that waits does not spin: it tests for progress with a bounded
 *     back-off sleep (at most NET_IDLE_MAX_US between tests).
 */
#ifndef SYMUNIX_NET_H
#define SYMUNIX_NET_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define NET_IDLE_MAX_US 20000

struct net;

/* Before net_init, by a program whose waits never spin in MPI (they test and
 * sleep, as the engine and the node loop do): turn off Open MPI's
 * sched_yield inside every idle MPI_Test when ranks oversubscribe the cores
 * (mpi_yield_when_idle), unless the user set it. */
void net_no_mpi_yield(void);

/* Start the interconnect. Returns 0 or a negative errno (message on stderr). */
int net_init(int *argc, char ***argv, struct net **out);
/* Leave the job; frees n. */
void net_finalize(struct net *n);

int net_rank(const struct net *n);
int net_size(const struct net *n);
/* Host name of this rank, for messages. */
const char *net_host(const struct net *n);

/*
 * Agree on a job-wide value at the end of the run: rank 0 passes its `value`
 * (the job's exit code); every rank returns it. Non-root ranks wait idly.
 * Returns 0 or a negative errno.
 */
int net_agree_exit(struct net *n, int *value);

/* Collective: every rank contributes `ok`; returns 1 only if all ranks passed 1.
 * Used before irreversible steps (e.g. "all ranks loaded the same binary"). */
int net_all_ok(struct net *n, int ok);

/* Collective: rank 0 gets every rank's `count` numbers, rank r's at
 * all[r * count] (all: count * size numbers; ignored elsewhere). 0 or -errno. */
int net_gather_u64(struct net *n, const uint64_t *mine, int count, uint64_t *all);

/* Broadcast `len` bytes from rank 0 to all ranks. Returns 0 or a negative errno. */
int net_bcast(struct net *n, void *buf, int len);

/* ==== The job (net.c): the end of a run, host signals across ranks ====
 *
 * Rank 0 runs the program; every other rank serves the network until rank 0
 * announces the end. net_job_start (collective, once, after net_eng_create)
 * posts the non-blocking operations: on rank 0 a receive for kill requests,
 * on the others a receive for the job's exit status (from rank 0). Then:
 *   rank 0      net_job_kill_test between turns (a host SIGINT/SIGTERM on
 *               another rank arrives as its signal number), and at the end
 *               net_job_end with the status;
 *   other ranks net_job_end_test in their loop (1: the status is in *status),
 *               net_job_kill_send when the host signalled them, and then
 *               net_job_end too.
 * net_job_end is collective and leaves no request pending (every kill
 * request sent is received). Without MPI all of these are trivial.
 */
int net_job_start(struct net *n);
/* Rank 0: the signal a rank asked to end the job with, or 0. */
int net_job_kill_test(struct net *n);
/* Rank != 0: ask rank 0 to end the job with sig (once; later calls do nothing). */
int net_job_kill_send(struct net *n, int sig);
/* Rank != 0: 1 when rank 0 announced the end (status in *status), 0 not yet,
 * or a negative errno. */
int net_job_end_test(struct net *n, int *status);
/* Collective end: rank 0 announces *status (others get it, when they had not
 * yet through net_job_end_test); settles kill requests. 0 or -errno. */
int net_job_end(struct net *n, int *status);

/* ==== Kernel messages (net.c): node kernels talking to each other ====
 *
 * Byte messages between ranks for the distributed kernel (spawning on
 * another node, a child's exit, kill and information calls across nodes).
 * Messages from one rank to another arrive in the order they were sent.
 * Sending never blocks (the buffer is copied); receiving polls. net_job_end
 * settles them: every message sent is received (those nobody took are
 * dropped) before it returns. Without MPI (one node) there is nobody to talk
 * to: send gives -EINVAL, recv 0.
 */
/* Send len bytes of buf to rank dest (not this one). 0 or -EINVAL, -ENOMEM, -EIO. */
int net_msg_send(struct net *n, int dest, const void *buf, size_t len);
/* Is a message waiting? (net_eng_wait returns early for one.) */
int net_msg_pending(struct net *n);
/* Take one arrived message: 1 with *src, a malloc'd *buf (the caller frees it)
 * and *len; 0 when none is waiting; or a negative errno. */
int net_msg_recv(struct net *n, int *src, void **buf, size_t *len);

/* ==== The network engine (engine.c, memmod.c; docs/network.md) ====
 *
 * A requester (the kernel's process, a test's thread of requests) on any rank
 * issues memory requests to GLOBAL ADDRESSES: NET_GADDR(segment, offset). A
 * request travels from this rank's PE through the S = ceil(log2 P) stages of
 * the omega network (topo.h) to the MM of the page's home rank (net_home),
 * which serves it, and the reply retraces the path. Hops within a rank are
 * function calls; hops between ranks are records in per-neighbour aggregation
 * buffers (agg.h), one MPI message per neighbour per flush. At every switch,
 * requests to one word that meet in an output queue combine (combine.h) and
 * decombine on the way back.
 *
 * The life of a request
 *   issued     net_eng_issue: gets a sequence number; tag = (rank, proc, seq)
 *   queued     held in switch output queues, where it may combine; a queue
 *              whose next hop is another rank is held until a flush
 *   served     the home MM applies it to the page (filled on first touch)
 *   replied    the reply retraces the path, decombining at every switch
 *   completed  a struct net_done {proc, cookie, value} waits in this rank's
 *              completion list for net_eng_reap; exactly once per request
 *
 * Invariants
 *  1. Every issued request completes exactly once, on the issuing rank, with
 *     the requester's proc and cookie.
 *  2. A requester's requests to one word are served in issue order (one route
 *     per (source, home), FIFO links and queues, combining only into the last
 *     queued request to the word). Requests to different words may overtake
 *     each other: net_eng_outstanding(proc) == 0 is the fence.
 *  3. Combined or not, the results are those of some serial order of the
 *     requests to each word (combine.h invariant 3).
 *  4. Held requests leave at the latest at the next flush: net_eng_flush,
 *     net_eng_wait, or net_eng_progress once flush_us has passed.
 *  5. An idle rank never spins: net_eng_wait sleeps with a bounded back-off.
 *  6. All ranks create and quiesce/destroy their engines collectively, with
 *     the same agg_cap.
 */

/* Global addresses: segment id in the top 24 bits, byte offset in the low 40. */
#define NET_SEG_SHIFT       40
#define NET_GADDR(seg, off) (((uint64_t)(seg) << NET_SEG_SHIFT) | (uint64_t)(off))
#define NET_GADDR_SEG(a)    ((uint64_t)(a) >> NET_SEG_SHIFT)
#define NET_GADDR_OFF(a)    ((uint64_t)(a) & ((1ull << NET_SEG_SHIFT) - 1))
#define NET_MAX_SEG         ((1ull << (64 - NET_SEG_SHIFT)) - 1)
#define NET_PAGE_SIZE       4096u

/* Fill page `page` (4 KiB page number in the segment) of segment seg into buf
 * (NET_PAGE_SIZE bytes, zeroed already) on its first touch. 0 or -errno. */
typedef int (*net_fill_fn)(void *ctx, uint64_t seg, uint64_t page, void *buf);
/* Write a dirty page back. 0 or -errno (the page stays dirty). */
typedef int (*net_writeback_fn)(void *ctx, uint64_t seg, uint64_t page, const void *buf);

struct net_eng_opts {
    int combining;              /* 1: combine at switches (default); 0: --no-combining */
    uint32_t agg_cap;           /* records per MPI message (default 512; equal on all ranks) */
    uint32_t wb_cap;            /* wait-buffer entries per switch (default 65536) */
    uint32_t flush_us;          /* a busy caller's held records leave within this (default 500) */
    uint32_t idle_max_us;       /* net_eng_wait's back-off ceiling (default 2000) */
    uint32_t busy_max_us;       /* the ceiling while own requests are in flight (200) */
    uint32_t timer_slack_ns;    /* set the PROCESS's timer slack (1000); 0: leave it */
    net_fill_fn fill;           /* NULL: pages start as zeros */
    net_writeback_fn writeback; /* NULL: net_eng_writeback only cleans */
    void *ctx;                  /* for fill and writeback */
    uint64_t watch_addr;        /* MM counts requests to this word (stats); UINT64_MAX: none */
    uint64_t mm_max_pages;      /* the MM keeps at most this many pages, evicting (0: no limit) */
};

/*
 * The sync-segment control request: net_mreq.op = NET_MREQ_SYNC, addr =
 * NET_GADDR(seg, 0) (width, val, val2 ignored). It goes from the PE straight
 * to the MM of EVERY rank (one message each, not through the switches), each
 * writes its dirty pages of seg back (net_eng_writeback), and it completes
 * ONCE, on the issuing rank, when all have answered: net_done.val = pages
 * written cluster-wide, net_done.err = 0 always; the first write-back error of
 * a requester's syncs is kept for net_eng_sync_err. It is not ordered after
 * the requester's earlier requests: fence first (net_eng_outstanding == 0).
 */
#define NET_MREQ_SYNC 0xff

/* The operations of a request. LOAD..AMOMAXU may combine at the switches
 * (combine.h, docs/combining.md); LR, SC, CAS never do. */
enum net_op {
    NET_OP_LOAD,
    NET_OP_STORE,
    NET_OP_SWAP, /* amoswap: fetch-and-store */
    NET_OP_AMOADD,
    NET_OP_AMOAND,
    NET_OP_AMOOR,
    NET_OP_AMOXOR,
    NET_OP_AMOMIN,
    NET_OP_AMOMAX,
    NET_OP_AMOMINU,
    NET_OP_AMOMAXU,
    NET_OP_LR,
    NET_OP_SC,
    NET_OP_CAS, /* val: new value, val2: expected value */
    NET_OP_COUNT
};

/* The reply value of a STORE (and of any request whose reply is an ack). */
#define NET_ACK 0

/* A request. op: enum net_op: LOAD STORE SWAP AMO* LR SC CAS, or
 * NET_MREQ_SYNC. width: 4 or 8 for all ops, 1 or 2 for LOAD and STORE; addr
 * aligned to width. */
struct net_mreq {
    uint8_t op;
    uint8_t width;
    uint64_t addr;   /* NET_GADDR(seg, off) */
    uint64_t val;    /* store / swap / AMO operand; SC's and CAS's new value */
    uint64_t val2;   /* CAS's expected value */
    uint32_t proc;   /* the requester */
    uint64_t cookie; /* returned untouched in the completion */
};

/* A completed request. val: the old value (LOAD, SWAP, AMOs, LR, CAS; width 4
 * sign-extended from bit 31, widths 1, 2 zero-extended), 0 for a STORE, 0/1
 * for SC (success/failure, as RISC-V's sc). err: 0 or a negative errno from
 * the MM (a fill that failed: the request had no effect). */
struct net_done {
    uint32_t proc;
    int32_t err;
    uint64_t cookie;
    uint64_t val;
};

struct net_eng;

void net_eng_opts_default(struct net_eng_opts *o);
/* Collective over all ranks of n. Returns 0, -EINVAL, -ENOMEM or -EIO. */
int net_eng_create(struct net *n, const struct net_eng_opts *o, struct net_eng **out);
/* Frees e. Call net_eng_quiesce first when P > 1 (others may still route
 * through this rank's switches). */
void net_eng_destroy(struct net_eng *e);

/* Issue a request. 0, or -EINVAL (bad op, width, alignment). Non-blocking. */
int net_eng_issue(struct net_eng *e, const struct net_mreq *r);
/* Make progress without blocking: finish sends, take arrived messages,
 * move requests through this rank's switches and MM, post sends. Returns the
 * number of records handled (0: nothing happened) or a negative errno
 * (-EBADMSG: a damaged message, -EIO: MPI failed; the message names ranks). */
int net_eng_progress(struct net_eng *e);
/* The caller has nothing runnable: send every held request and reply now. */
int net_eng_flush(struct net_eng *e);
/* Flush, then progress until a completion is ready, a kernel message waits
 * (net_msg_pending) or max_us have passed,
 * sleeping with a back-off (50 us doubling to idle_max_us) while nothing
 * happens. Returns the number of completions ready, or a negative errno. */
int net_eng_wait(struct net_eng *e, uint32_t max_us);
/* Move up to max completions to out. Returns how many. */
size_t net_eng_reap(struct net_eng *e, struct net_done *out, size_t max);
/* Requests of proc issued and not yet reaped-ready (0: proc's fence is done). */
uint64_t net_eng_outstanding(const struct net_eng *e, uint32_t proc);
/* Requests of this rank not yet completed. */
uint64_t net_eng_inflight(const struct net_eng *e);
/* Collective: wait (progressing, not spinning) until every rank has no
 * request in flight and has called this. 0 or a negative errno. */
int net_eng_quiesce(struct net_eng *e);

/* The first write-back error (negative errno) of proc's completed syncs
 * since the last call, 0 if none; clears it. */
int net_eng_sync_err(struct net_eng *e, uint32_t proc);

/* This rank's MM: write back dirty pages of segment seg (all segments if
 * seg == UINT64_MAX) through the writeback callback. Returns pages written or
 * the first negative errno. Drop a segment's pages (no write-back). */
long net_eng_writeback(struct net_eng *e, uint64_t seg);
void net_eng_forget(struct net_eng *e, uint64_t seg);

/* ---- statistics ---- */
struct net_sw_stats {
    uint32_t rank, stage, sw;
    uint64_t req_in, req_out; /* requests arriving / forwarded */
    uint64_t rep_in, rep_out; /* replies arriving / sent on (decombined ones included) */
    uint64_t combines;        /* wait-buffer entries made */
    uint64_t wb_refused;      /* combines refused: wait buffer full */
    uint64_t wb_peak, q_peak; /* wait-buffer occupancy, output-queue depth peaks */
};
struct net_mm_stats {
    uint64_t served;                    /* requests served */
    uint64_t loads, stores, amos, lrsc; /* by kind (SWAP and CAS count as amos) */
    uint64_t pages, fills, writebacks;
    uint64_t evictions; /* pages dropped under the page limit (mm_max_pages) */
    uint64_t syncs;     /* sync-segment control requests served */
    uint64_t watched;   /* requests to opts.watch_addr */
};
struct net_rank_stats {
    uint64_t issued, completed; /* memory requests (sync-segment requests not counted) */
    uint64_t msgs_sent, bytes_sent, msgs_recv, bytes_recv;
    uint64_t flush_full, flush_idle, flush_force;
    uint64_t pe_combines; /* in the PE's own queue, before the first hop */
    struct net_mm_stats mm;
};
/* The cluster-wide gather: ranks[nranks], switches[nsw]. */
struct net_report {
    uint32_t nranks, stages, nsw;
    int combining;
    struct net_rank_stats *ranks;
    struct net_sw_stats *sw;
};
/* This rank's counters (switch counters: net_eng_sw_stats for k < nhosted). */
void net_eng_rank_stats(const struct net_eng *e, struct net_rank_stats *st);
uint32_t net_eng_nsw(const struct net_eng *e);
void net_eng_sw_stats(const struct net_eng *e, uint32_t k, struct net_sw_stats *st);
/* Collective: rank 0 gets the report (*out), others NULL. 0 or -errno. */
int net_eng_gather(struct net_eng *e, struct net_report **out);
void net_report_free(struct net_report *r);
/* The --stats summary: totals, the busiest switches, the MMs. */
void net_report_print(const struct net_report *r, FILE *f);
/* The --stats-json document (docs/network.md). 0 or -errno. */
int net_report_json(const struct net_report *r, const char *path);

#endif /* SYMUNIX_NET_H */
