/*
 * kernel.h — the Symunix II kernel of one node, as the `symunix run` driver sees it.
 *
 * The kernel owns policy: processes, their address spaces, files, signals and
 * the Linux-compatible system calls. It drives the hart (node/node.h) with
 * rv_run() and interprets each stop reason (ecall → syscall, fault → signal).
 *
 * Invariants
 *  1. Guest memory is touched only through the kernel's copyin/copyout layer;
 *     a bad guest pointer yields -EFAULT to the guest, never a host fault.
 *  2. Guest file names resolve inside the store root only (shm/store.h).
 *  3. The guest sees Linux riscv64 errno values and syscall numbers.
 *
 * Process states (several processes per node, docs/kernel.md "Processes"):
 *   EMBRYO --k_exec_initial, fork, spawn--> RUNNABLE --scheduled--> RUNNING
 *   RUNNING --quantum used--> RUNNABLE;  RUNNING --waiting call--> SLEEPING
 *   SLEEPING --event, deadline, signal--> RUNNABLE
 *   RUNNING --exit/fatal signal--> ZOMBIE --reaped by wait4 (or at once
 *   when no parent will wait)--> gone; the initial process's by k_run.
 * A child spawned onto another node has, on its parent's node, a stand-in
 *   REMOTE --its node reports the exit--> ZOMBIE (kernel/remote.c).
 */
#ifndef SYMUNIX_KERNEL_H
#define SYMUNIX_KERNEL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct store;
struct net;
struct net_eng;

/* How the driver configures a node's kernel. */
struct k_config {
    struct store *store;   /* the guest's "/" (owned by the caller) */
    uint64_t quantum;      /* instructions per scheduling quantum; 0 = default */
    int node;              /* this node's number (MPI rank) */
    int nodes;             /* number of nodes */
    uint64_t mem_bytes;    /* node memory (frames); 0 = default */
    uint64_t ncache_pages; /* the node cache of global memory, pages; 0 = default (1024) */
    /* The network engine, created by the driver on every rank (NULL: no
     * global memory; a non-strict global mapin then falls back to local).
     * The scheduler progresses it between turns and waits in it when idle. */
    struct net_eng *eng;
    /* The job's ranks (interconnect/net.h), through which node kernels talk:
     * spawning on other nodes, exits, kill and information calls across
     * nodes, the end of the job. NULL or one node: everything is local. */
    struct net *net;
    /* Called between turns and while idle: a signal number to end the job
     * with (a host signal that reached another rank), or 0. NULL: none. */
    int (*kill_poll)(void *ctx);
    void *kill_ctx;
};

/* What the initial process's end looked like. */
struct k_exit {
    int wstatus; /* wait(2)-style status of the initial process */
    int code;    /* shell-style: exit code, or 128+signal when killed */
};

/* Counters for --stats (also the input of later cluster-wide summaries). */
struct k_stats {
    uint64_t instructions; /* retired by all processes of this node */
    uint64_t syscalls;     /* system calls served */
    uint64_t enosys;       /* calls answered with ENOSYS */
    uint64_t signals;      /* signals delivered to guest handlers */
    uint64_t tlb_misses;
    uint64_t pages_decoded;
    /* Node memory (the cache of image-file pages, kernel/vm.c). */
    uint64_t mem_bytes;       /* its size */
    uint64_t page_misses;     /* pages that needed a frame */
    uint64_t page_reclaims;   /* pages found again on the available list (no I/O) */
    uint64_t page_evictions;  /* frames taken from another page */
    uint64_t page_writebacks; /* dirty pages written to their image file */
    uint64_t swap_outs;       /* processes swapped out (their pins put) */
    /* Global memory (non-cacheable global lsegs, over the network). */
    uint64_t global_loads, global_stores, global_amos, global_lrsc;
    uint64_t global_errors; /* requests completed with an error (SIGBUS) */
    /* The node cache of cacheable global lsegs. */
    uint64_t ncache_fills, ncache_evictions, ncache_lines_written, ncache_lines_discarded;
    /* Numbers of the unknown calls (distinct, in first-seen order). */
    int enosys_nr[32];
    uint64_t enosys_count[32];
    int enosys_distinct;
};

typedef struct k_kernel k_kernel;

/* Create a node kernel. Returns 0 or a negative errno. */
int k_kernel_new(const struct k_config *cfg, k_kernel **out);
void k_kernel_free(k_kernel *k);

/*
 * Load the static RISC-V ELF at host path `path` as the initial process, with
 * the given argument and environment vectors (NULL-terminated). On failure
 * returns a negative errno (-ENOENT/-EACCES: cannot open; -ENOEXEC: not a usable
 * RV64 executable; -ENOMEM) and writes a one-line reason into err.
 */
int k_exec_initial(k_kernel *k, const char *path, char *const argv[], char *const envp[], char *err,
                   size_t errlen);

/* Node 0 (which holds the initial process): run until the initial process
 * and all its descendants, on every node, have ended; fills *out with the
 * initial process's end. Other nodes (no initial process): run the
 * processes spawned onto this node until node 0 announces the job's end;
 * *out gets the job's status. Returns 0 or a negative errno for an emulator
 * (not guest) failure. */
int k_run(k_kernel *k, struct k_exit *out);

/* Ask k_run to end the job, every process of the node, as if `sig` (SIGKILL
 * when out of range) had been sent uncatchably (host SIGINT/SIGTERM);
 * async-signal-safe. */
void k_request_kill(k_kernel *k, int sig);

void k_get_stats(const k_kernel *k, struct k_stats *out);

#endif /* SYMUNIX_KERNEL_H */
