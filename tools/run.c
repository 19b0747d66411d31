/*
 * run.c — `symunix run`: the emulator's driver. Parses the command line, joins
 * the MPI job, opens the store root, has the node kernel load and run the
 * program, and makes every rank leave with the guest's exit status.
 *
 * Every rank creates the network engine (collectively) and runs a node
 * kernel: rank 0 loads the program as the initial process; the others start
 * empty and run what spawn places on them. Each scheduler progresses the
 * engine between turns and waits in it when idle (serving the rank's
 * switches and memory module); node 0 announces the end once the initial
 * process and every descendant on every node are gone (kernel/remote.c,
 * net_job_*). Then all ranks quiesce the engine, gather its statistics and
 * leave with the guest's exit status, so `mpirun` reports it and no rank is
 * left hanging.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <event2/event.h>

#include "interconnect/net.h"
#include "kernel/kernel.h"
#include "shm/store.h"
#include "tools/commands.h"

extern char **environ;

struct run_opts {
    const char *root;
    int stats;
    int no_combining;
    const char *stats_json; /* --stats-json FILE, or NULL */
    uint64_t quantum;
    uint64_t mem;      /* node memory in bytes; 0 = the kernel's default */
    uint64_t ncache;   /* --node-cache in bytes; 0 = the kernel's default */
    uint64_t gmem;     /* --gmem: this rank's memory module, bytes (default 1G) */
    uint32_t flush_us; /* --flush-us; 0 = by where the ranks run (net_opts) */
    int prog_index;    /* argv index of PROG */
};

static void run_usage(FILE *out)
{
    fprintf(out, "usage: symunix run [OPTIONS] PROG [ARGS...]\n"
                 "       mpirun -np N symunix run [OPTIONS] PROG [ARGS...]\n"
                 "\n"
                 "Run the static RISC-V (RV64GC, Linux) executable PROG on the emulated\n"
                 "machine, with ARGS as its arguments and this environment as its own. PROG\n"
                 "is a host path; everything the program itself opens resolves inside the\n"
                 "store root, which is its '/'. Under mpirun every rank is one node: node 0\n"
                 "starts the program, spawn places children round-robin over the nodes, and\n"
                 "every rank serves the combining network (global memory: mapin with\n"
                 "SYM_MEM_GLOBAL). The job ends when the program and all its descendants\n"
                 "have ended.\n"
                 "\n"
                 "options:\n"
                 "  -r, --root DIR     the store root, the guest's '/' (default ./symroot,\n"
                 "                     created if missing; must be a writable directory)\n"
                 "  -s, --stats        print statistics to stderr at exit, as 'key: value'\n"
                 "                     lines (instructions, seconds, mips, syscalls, ...),\n"
                 "                     then node 0 prints the network's cluster summary\n"
                 "      --stats-json FILE  write the cluster-wide network statistics\n"
                 "                     (switches, memory modules, ranks) as JSON to FILE\n"
                 "      --no-combining  requests to one word do not combine at the\n"
                 "                     switches of the network (for comparison)\n"
                 "      --node-cache SIZE  the node cache of cacheable global memory\n"
                 "                     (mapin SYM_MEM_GLOBAL|SYM_CACHE), as for --mem;\n"
                 "                     default 4M, at least 64K\n"
                 "      --gmem SIZE    this rank's memory module (its share of global\n"
                 "                     memory), as for --mem; default 1G. Pages are filled\n"
                 "                     from their image files on first touch; beyond SIZE\n"
                 "                     pages are written back and evicted\n"
                 "      --flush-us US  requests held for combining leave a busy rank\n"
                 "                     within US microseconds (default 50 when every rank\n"
                 "                     runs on one host, 500 across hosts: fewer, larger\n"
                 "                     messages suit TCP)\n"
                 "  -q, --quantum N    instructions per scheduling quantum (default 1000000)\n"
                 "  -m, --mem SIZE     node memory: the frames of the node's page cache, in\n"
                 "                     bytes or with a K, M or G suffix (powers of 1024;\n"
                 "                     default 1G, at least 64K). Pages are filled on first\n"
                 "                     touch; when memory is full, other processes and then\n"
                 "                     the faulting one are swapped out (written back to\n"
                 "                     their image files); a process that cannot fit even\n"
                 "                     so is killed with SIGKILL\n"
                 "  -h, --help         show this help\n"
                 "\n"
                 "environment: SYMUNIX_DOORBELLS=0 ranks of one host do not wake each other\n"
                 "(they find messages by polling, as ranks of different hosts do);\n"
                 "SYMUNIX_NO_DIRCACHE=1 no cache of directories for open(dir, SYM_O_ANON);\n"
                 "SYMUNIX_NO_OPENAT2=1 the store walks paths itself. Open MPI's\n"
                 "mpi_yield_when_idle is turned off unless set (--mca or OMPI_MCA_...).\n"
                 "\n"
                 "host signals: SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGALRM to any rank end the\n"
                 "job (128+N); a second one ends the rank at once. SIGUSR1, SIGUSR2 and\n"
                 "SIGPIPE are ignored.\n"
                 "\n"
                 "exit status: the program's own; 128+N if signal N killed it; 126 if PROG is\n"
                 "not a usable RISC-V executable or not a regular file; 127 if PROG does not\n"
                 "exist; 2 for a bad command line; 125 if the emulator could not start (e.g.\n"
                 "an unusable store root) or failed.\n");
}

/* A size for --mem: decimal bytes, or with a K/M/G suffix (1024-based, either
 * case); at least 64 KiB, at most 1 TiB. 0 or -1. */
static int parse_size(const char *arg, uint64_t *out)
{
    char *end;
    if (!isdigit((unsigned char)arg[0])) return -1;
    errno = 0;
    unsigned long long n = strtoull(arg, &end, 10);
    if (errno) return -1;
    unsigned shift = 0;
    switch (*end) {
    case 'k':
    case 'K':
        shift = 10;
        end++;
        break;
    case 'm':
    case 'M':
        shift = 20;
        end++;
        break;
    case 'g':
    case 'G':
        shift = 30;
        end++;
        break;
    default: break;
    }
    if (*end || n > (1ull << 40) >> shift) return -1;
    n <<= shift;
    if (n < (64u << 10)) return -1;
    *out = n;
    return 0;
}

/* A size option's value (parse_size), or its usage error: 0 or SYM_EXIT_USAGE. */
static int size_opt(const char *opt, const char *example, const char *arg, uint64_t *out)
{
    if (parse_size(arg, out) == 0) return 0;
    fprintf(stderr, "symunix run: %s wants a size of at least 64K such as %s, not '%s'\n", opt,
            example, arg);
    return SYM_EXIT_USAGE;
}

/* A positive decimal count up to max, or its usage error: 0 or SYM_EXIT_USAGE. */
static int count_opt(const char *opt, const char *what, uint64_t max, const char *arg,
                     uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long n = strtoull(arg, &end, 10);
    if (errno || *end || !isdigit((unsigned char)arg[0]) || n == 0 || n > max) {
        fprintf(stderr, "symunix run: %s wants %s, not '%s'\n", opt, what, arg);
        return SYM_EXIT_USAGE;
    }
    *out = n;
    return 0;
}

/* Parse options up to PROG; returns 0, or the exit status to leave with. */
static int parse_run_opts(int argc, char **argv, struct run_opts *o)
{
    static const struct option longopts[] = {
        {"root", required_argument, NULL, 'r'},
        {"stats", no_argument, NULL, 's'},
        {"quantum", required_argument, NULL, 'q'},
        {"mem", required_argument, NULL, 'm'},
        {"help", no_argument, NULL, 'h'},
        {"stats-json", required_argument, NULL, 'J'},
        {"no-combining", no_argument, NULL, 'C'},
        {"node-cache", required_argument, NULL, 'N'},
        {"gmem", required_argument, NULL, 'G'},
        {"flush-us", required_argument, NULL, 'F'},
        {NULL, 0, NULL, 0},
    };
    *o = (struct run_opts){.root = "symroot", .gmem = 1ull << 30};
    optind = 1;
    int c, rc = 0;
    uint64_t n = 0;
    /* '+': stop at PROG, so the program's own options are left alone. */
    while (!rc && (c = getopt_long(argc, argv, "+r:sq:m:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'r': o->root = optarg; break;
        case 's': o->stats = 1; break;
        case 'J': o->stats_json = optarg; break;
        case 'C': o->no_combining = 1; break;
        case 'N': rc = size_opt("--node-cache", "4M", optarg, &o->ncache); break;
        case 'G': rc = size_opt("--gmem", "256M", optarg, &o->gmem); break;
        case 'm':
            rc = size_opt("--mem", "4M or 1073741824 (K, M, G: powers of 1024)", optarg, &o->mem);
            break;
        case 'F':
            rc = count_opt("--flush-us", "microseconds from 1 to 1000000", 1000000, optarg, &n);
            o->flush_us = (uint32_t)n;
            break;
        case 'q':
            rc = count_opt("--quantum", "a positive count", 1ull << 40, optarg, &o->quantum);
            break;
        case 'h': run_usage(stdout); return -1;
        default:
            fprintf(stderr,
                    "usage: symunix run [--root DIR] [--stats] [--stats-json FILE] "
                    "[--no-combining] [--quantum N] [--mem SIZE] [--gmem SIZE] [--flush-us US] "
                    "PROG [ARGS...]  (symunix run --help)\n");
            return SYM_EXIT_USAGE;
        }
    }
    if (rc) return rc;
    if (optind >= argc) {
        fprintf(stderr, "symunix run: no program given (symunix run --help)\n");
        return SYM_EXIT_USAGE;
    }
    o->prog_index = optind;
    return 0;
}

/*
 * Host signals to a rank (README "Running programs", docs/kernel.md "Host
 * signals"):
 *   SIGINT SIGTERM SIGHUP SIGQUIT SIGALRM  end the job: every rank leaves with
 *                                          128+signal;
 *   SIGUSR1 SIGUSR2  ignored, with a message (SIGUSR1 is kept for checkpoints);
 *   SIGPIPE          ignored: a guest's write to a broken pipe gets EPIPE (and
 *                    its own SIGPIPE) from its kernel.
 * While the node loop runs (k_run) an ending signal is heard through a
 * libevent base the kernel polls between turns and while idle (poll_kill):
 * the guest is killed with the signal (another rank's kernel asks node 0 to,
 * through net_job_kill_send) and every rank agrees on the status and leaves.
 * Outside the loop (start-up, the job's end) and once an ending signal has
 * been heard, the next one ends this rank at once (leave_now: a message and
 * _exit(128+signal); mpirun then ends the other ranks): so a rank never
 * waits for something that cannot come while signals are ignored.
 */
static const int end_sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGALRM};
#define NEND_SIGS (sizeof end_sigs / sizeof end_sigs[0])

static k_kernel *g_kernel;
static int g_rank; /* for the messages of signal handlers */
static struct event_base *g_events;
static struct event *g_sigev[NEND_SIGS];
static int g_heard; /* an ending signal reached the node loop */

/* "SIGTERM" and so on, for the signals above; async-signal-safe. */
static const char *sig_name(int sig)
{
    switch (sig) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    case SIGHUP: return "SIGHUP";
    case SIGQUIT: return "SIGQUIT";
    case SIGALRM: return "SIGALRM";
    case SIGUSR1: return "SIGUSR1";
    case SIGUSR2: return "SIGUSR2";
    default: return "a signal";
    }
}

/* A message from a signal handler: write(2) of "symunix: rank R: NAME: what". */
static void sig_message(int sig, const char *what)
{
    char buf[160], num[12];
    size_t len = 0, k = 0;
    unsigned r = (unsigned)g_rank;
    do
        num[k++] = (char)('0' + r % 10);
    while ((r /= 10) && k < sizeof num);
    const char *parts[] = {"symunix: rank ", "", ": ", sig_name(sig), ": ", what, "\n"};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        if (i == 1) {
            while (k && len < sizeof buf)
                buf[len++] = num[--k];
            continue;
        }
        for (const char *c = parts[i]; *c && len < sizeof buf; c++)
            buf[len++] = *c;
    }
    ssize_t w = write(STDERR_FILENO, buf, len);
    (void)w;
}

/* An ending signal outside the node loop, or a second one. */
static void leave_now(int sig)
{
    sig_message(sig, "leaving at once");
    _exit(128 + sig);
}

static void note_ignored(int sig)
{
    sig_message(sig, "ignored");
}

/* The node loop heard an ending signal: end the job (orderly, through the
 * kernel); from now on the next one leaves at once. */
static void on_host_signal(evutil_socket_t sig, short what, void *arg)
{
    (void)what, (void)arg;
    if (g_heard++) return;
    fprintf(stderr,
            "symunix: rank %d: %s: ending the job (another signal ends this rank at once)\n",
            g_rank, sig_name((int)sig));
    for (size_t i = 0; i < NEND_SIGS; i++)
        event_del(g_sigev[i]); /* libevent restores leave_now */
    if (g_kernel) k_request_kill(g_kernel, (int)sig);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* The kernel's kill_poll: the host events; on node 0 also a host signal
 * that reached another rank (its signal number, or 0). */
static int poll_kill(void *ctx)
{
    /* The kernel calls this every 100 us while busy: libevent's look (an
     * epoll_wait) at most every millisecond is soon enough for a person's
     * Ctrl-C and keeps the syscall off the hot path. */
    static double last;
    double now = now_seconds();
    if (now - last >= 1e-3) {
        last = now;
        event_base_loop(g_events, EVLOOP_NONBLOCK);
    }
    struct net *n = ctx;
    return net_rank(n) == 0 ? net_job_kill_test(n) : 0;
}

/* From the start: the handlers outside the node loop. 0, or -1 when libevent
 * cannot work (a message says so). */
static int install_host_signals(void)
{
    struct sigaction sa = {.sa_handler = leave_now};
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < NEND_SIGS; i++)
        sigaction(end_sigs[i], &sa, NULL);
    sa.sa_handler = note_ignored;
    sa.sa_flags = SA_RESTART; /* host calls under way go on */
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR2, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (!(g_events = event_base_new())) goto fail;
    for (size_t i = 0; i < NEND_SIGS; i++)
        if (!(g_sigev[i] = evsignal_new(g_events, end_sigs[i], on_host_signal, NULL))) goto fail;
    return 0;
fail:
    fprintf(stderr, "symunix: cannot watch host signals (libevent)\n");
    return -1;
}

/* The node loop begins (1) or ended (0): ending signals go through libevent
 * to the kernel, or leave at once. */
static void loop_signals(int on)
{
    for (size_t i = 0; i < NEND_SIGS; i++)
        if (on && !g_heard)
            event_add(g_sigev[i], NULL);
        else
            event_del(g_sigev[i]);
}

static void remove_host_signals(void)
{
    for (size_t i = 0; i < NEND_SIGS; i++)
        if (g_sigev[i]) event_free(g_sigev[i]);
    if (g_events) event_base_free(g_events);
}

/* The node counters --stats adds up over the cluster, in print order. */
#define STAT(name, field)                                                                          \
    {                                                                                              \
        name, offsetof(struct k_stats, field)                                                      \
    }
static const struct {
    const char *name;
    size_t off;
} stat_fields[] = {
    STAT("instructions", instructions),
    STAT("syscalls", syscalls),
    STAT("signals_delivered", signals),
    STAT("tlb_misses", tlb_misses),
    STAT("pages_decoded", pages_decoded),
    STAT("mem_bytes", mem_bytes),
    STAT("page_misses", page_misses),
    STAT("page_reclaims", page_reclaims),
    STAT("page_evictions", page_evictions),
    STAT("page_writebacks", page_writebacks),
    STAT("swap_outs", swap_outs),
    STAT("global_loads", global_loads),
    STAT("global_stores", global_stores),
    STAT("global_amos", global_amos),
    STAT("global_lrsc", global_lrsc),
    STAT("ncache_fills", ncache_fills),
    STAT("ncache_evictions", ncache_evictions),
    STAT("ncache_lines_written", ncache_lines_written),
    STAT("ncache_lines_discarded", ncache_lines_discarded),
    STAT("enosys", enosys),
};
#define NSTAT (sizeof stat_fields / sizeof stat_fields[0])

static uint64_t stat_of(const struct k_stats *s, size_t i)
{
    uint64_t v;
    memcpy(&v, (const char *)s + stat_fields[i].off, sizeof v);
    return v;
}

/*
 * --stats, collectively on every rank: node 0 prints the counters of all
 * nodes added up (mem_bytes is the whole cluster's memory), the instructions
 * of each node, and its own unknown calls, as 'key: value' lines on stderr.
 * `mine` is this node's (zeros when it ran nothing). 0 or -errno.
 */
static int print_stats(struct net *n, const struct k_stats *mine, double seconds)
{
    int nodes = net_size(n);
    uint64_t v[NSTAT], *all = calloc((size_t)nodes * NSTAT, sizeof *all);
    if (!all) return -ENOMEM;
    for (size_t i = 0; i < NSTAT; i++)
        v[i] = stat_of(mine, i);
    int rc = net_gather_u64(n, v, (int)NSTAT, all);
    if (rc || net_rank(n) != 0) {
        free(all);
        return rc;
    }
    uint64_t sum[NSTAT] = {0};
    for (int r = 0; r < nodes; r++)
        for (size_t i = 0; i < NSTAT; i++)
            sum[i] += all[(size_t)r * NSTAT + i];
    fprintf(stderr, "nodes: %d\n", nodes);
    fprintf(stderr, "instructions: %" PRIu64 "\n", sum[0]);
    fprintf(stderr, "seconds: %.6f\n", seconds);
    fprintf(stderr, "mips: %.1f\n", seconds > 0 ? sum[0] / seconds / 1e6 : 0.0);
    for (size_t i = 1; i < NSTAT; i++)
        fprintf(stderr, "%s: %" PRIu64 "\n", stat_fields[i].name, sum[i]);
    fprintf(stderr, "instructions_per_node:");
    for (int r = 0; r < nodes; r++)
        fprintf(stderr, " %" PRIu64, all[(size_t)r * NSTAT]);
    fprintf(stderr, "\n");
    if (mine->enosys_distinct > 0) {
        fprintf(stderr, "enosys_calls:");
        for (int i = 0; i < mine->enosys_distinct; i++)
            fprintf(stderr, " %d(x%" PRIu64 ")", mine->enosys_nr[i], mine->enosys_count[i]);
        fprintf(stderr, "\n");
    }
    free(all);
    return 0;
}

/* Exit status for a failed k_exec_initial, as a shell would give. */
static int exec_error_status(int err)
{
    return (err == -ENOENT || err == -ENOTDIR) ? SYM_EXIT_NOENT : SYM_EXIT_NOEXEC;
}

/* A rank's node kernel: node 0 loads and runs the program, the others run
 * what is spawned on them. Returns the job's exit status; *stats and
 * *seconds get the node's counters and running time (zeros if it did not
 * run). */
static int run_node(const struct run_opts *o, struct store *st, struct net *n, struct net_eng *eng,
                    char **argv, struct k_stats *stats, double *seconds)
{
    struct k_config cfg = {.store = st,
                           .quantum = o->quantum,
                           .mem_bytes = o->mem,
                           .ncache_pages = o->ncache / 4096,
                           .node = net_rank(n),
                           .nodes = net_size(n),
                           .eng = eng,
                           .net = n,
                           .kill_poll = poll_kill,
                           .kill_ctx = n};
    k_kernel *k;
    int err = k_kernel_new(&cfg, &k);
    if (err) {
        fprintf(stderr, "symunix: cannot create the node kernel: %s\n", strerror(-err));
        return SYM_EXIT_INTERNAL;
    }
    const char *prog = argv[o->prog_index];
    char why[512] = "";
    if (net_rank(n) == 0)
        err = k_exec_initial(k, prog, &argv[o->prog_index], environ, why, sizeof why);
    if (err) {
        /* The loader's reason already names the file. */
        if (why[0])
            fprintf(stderr, "symunix: %s\n", why);
        else
            fprintf(stderr, "symunix: %s: %s\n", prog, strerror(-err));
        k_kernel_free(k);
        return exec_error_status(err);
    }
    g_kernel = k;
    loop_signals(1);
    double t0 = now_seconds();
    struct k_exit ex = {0};
    err = k_run(k, &ex);
    *seconds = now_seconds() - t0;
    loop_signals(0);
    g_kernel = NULL;
    int status = ex.code;
    if (err) {
        fprintf(stderr, "symunix: node %d: emulator failure: %s\n", net_rank(n), strerror(-err));
        status = SYM_EXIT_INTERNAL;
    }
    fflush(stdout);
    k_get_stats(k, stats);
    k_kernel_free(k);
    return status;
}

/* crc32 of the whole file at path; 0xffffffff when it cannot be read or is
 * no regular file (then every rank that cannot read it agrees, and the
 * loader names the error). O_NONBLOCK: a FIFO nobody writes must not hold
 * the rank in open(2). */
static uint32_t file_crc(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return 0xffffffffu;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return 0xffffffffu;
    }
    static unsigned char buf[1 << 16];
    uLong crc = crc32(0L, Z_NULL, 0);
    ssize_t got;
    while ((got = read(fd, buf, sizeof buf)) > 0)
        crc = crc32(crc, buf, (uInt)got);
    close(fd);
    return got < 0 ? 0xffffffffu : (uint32_t)crc;
}

/*
 * Every rank must run the same emulator on the same program with the same
 * arguments: a job started with different binaries on different ranks (an
 * mpirun MPMD line by mistake, hosts with different builds) would fail much
 * later in ways that do not name the cause. Node 0's fingerprint goes to all
 * and each compares its own; the job starts only if every rank agrees.
 */
static int same_binaries(struct net *n, char **argv, int prog_index)
{
    if (net_size(n) == 1) return 1;
    uint32_t mine[3] = {file_crc("/proc/self/exe"), file_crc(argv[prog_index]), 0};
    uLong a = crc32(0L, Z_NULL, 0);
    for (int i = prog_index; argv[i]; i++)
        a = crc32(a, (const Bytef *)argv[i], (uInt)strlen(argv[i]) + 1);
    mine[2] = (uint32_t)a;
    uint32_t root[3];
    memcpy(root, mine, sizeof root);
    int ok = net_bcast(n, root, sizeof root) == 0;
    static const char *const what[3] = {"the symunix executable", "the program", "the arguments"};
    for (int i = 0; ok && i < 3; i++) {
        if (root[i] == mine[i]) continue;
        fprintf(stderr,
                "symunix: node %d (%s): %s differs from node 0's (%s): every rank must run the "
                "same symunix build on the same program and arguments\n",
                net_rank(n), net_host(n), what[i], i == 1 ? argv[prog_index] : "crc32");
        ok = 0;
    }
    return net_all_ok(n, ok);
}

/* Collective: do all ranks run on node 0's host? Then MPI carries messages
 * through shared memory, where sending held requests sooner pays; between
 * hosts fewer, larger messages do (the --flush-us default). */
static int one_host(struct net *n)
{
    if (net_size(n) == 1) return 1;
    char h0[256];
    snprintf(h0, sizeof h0, "%s", net_host(n));
    if (net_bcast(n, h0, sizeof h0) != 0) return 0;
    return net_all_ok(n, strcmp(h0, net_host(n)) == 0);
}

/* The end of the job on every rank: quiesce the engine, gather its
 * statistics (node 0 prints them for --stats and writes --stats-json), free
 * it. 0 or a negative errno. */
static int finish_network(const struct run_opts *o, struct net *n, struct net_eng *eng)
{
    int rc = net_eng_quiesce(eng);
    struct net_report *rep = NULL;
    if (!rc) rc = net_eng_gather(eng, &rep);
    if (!rc && rep) {
        if (o->stats) net_report_print(rep, stderr);
        if (o->stats_json && net_report_json(rep, o->stats_json) != 0) {
            fprintf(stderr, "symunix: cannot write %s\n", o->stats_json);
            rc = -EIO;
        }
    }
    if (rc && !rep)
        fprintf(stderr, "symunix: node %d: network shutdown: %s\n", net_rank(n), strerror(-rc));
    net_report_free(rep);
    net_eng_destroy(eng);
    return rc;
}

/* Global memory's backing (docs/network.md "MM fill and write-back"): the
 * MMs fill pages from, and write them back to, the image files the store's
 * registry names, keeping at most --gmem bytes. */
static int gmem_opts(const struct run_opts *o, struct store *st, struct net_eng_opts *eo,
                     struct store_gseg_io **io)
{
    int rc = store_gseg_io_new(st, io);
    if (rc) return rc;
    eo->fill = store_gseg_fill;
    eo->writeback = store_gseg_writeback;
    eo->ctx = *io;
    eo->mm_max_pages = o->gmem / NET_PAGE_SIZE;
    return 0;
}

/* The job's end, every rank (after net_job_end: no request in flight): write
 * this rank's MM back to the image files, agree that all did, then drop the
 * registry entries this rank made. 0 or -EIO (a write-back failed somewhere). */
static int gmem_end(struct net *n, struct net_eng *eng, struct store *st)
{
    long w = net_eng_writeback(eng, UINT64_MAX);
    if (w < 0)
        fprintf(stderr, "symunix: node %d (%s): writing global memory back: %s\n", net_rank(n),
                net_host(n), strerror((int)-w));
    int ok = net_all_ok(n, w >= 0);
    store_gseg_cleanup(st);
    return ok ? 0 : -EIO;
}

int sym_cmd_run(int argc, char **argv)
{
    struct run_opts o;
    int rc = parse_run_opts(argc, argv, &o);
    if (rc) return rc < 0 ? 0 : rc;

    struct net *n;
    net_no_mpi_yield(); /* the node loop sleeps itself (kernel/proc.c idle) */
    if (install_host_signals() != 0) {
        remove_host_signals();
        return SYM_EXIT_INTERNAL;
    }
    if (net_init(NULL, NULL, &n) != 0) {
        remove_host_signals();
        return SYM_EXIT_INTERNAL;
    }
    g_rank = net_rank(n);

    /* Every node will serve the store; all must reach it before anyone runs. */
    struct store *st = NULL;
    char why[512] = "";
    int err = store_open(o.root, 1, &st, why, sizeof why);
    if (!net_all_ok(n, err == 0)) {
        /* The store's reason already names the directory. */
        if (err && why[0])
            fprintf(stderr, "symunix: node %d (%s): store root %s\n", net_rank(n), net_host(n),
                    why);
        else if (err)
            fprintf(stderr, "symunix: node %d (%s): store root %s: %s\n", net_rank(n), net_host(n),
                    o.root, strerror(-err));
        if (st) store_close(st);
        remove_host_signals();
        net_finalize(n);
        return SYM_EXIT_INTERNAL;
    }

    if (!same_binaries(n, argv, o.prog_index)) {
        store_close(st);
        remove_host_signals();
        net_finalize(n);
        return SYM_EXIT_INTERNAL;
    }

    struct net_eng_opts eo;
    net_eng_opts_default(&eo);
    eo.combining = !o.no_combining;
    /* A guest access holds its process until the reply: the round trip is the
     * cost, so a rank waiting for replies polls more often than the engine's
     * default (200 us), and on one host held requests leave sooner (500 us):
     * on 4 and 8 ranks of the 2-core machine this took bench/run-gmem.sh from
     * 0.30 and 0.23 to about 0.5 and 0.3 Mops/s. Over TCP the 50 us flush
     * halved it (more, smaller messages): across hosts it stays 500 us
     * (docs/network.md). An idle rank still backs off to 2 ms. */
    eo.flush_us = o.flush_us ? o.flush_us : one_host(n) ? 50 : 500;
    eo.busy_max_us = 50;
    struct store_gseg_io *gio = NULL;
    struct net_eng *eng = NULL;
    err = gmem_opts(&o, st, &eo, &gio);
    if (!err) err = net_eng_create(n, &eo, &eng);
    /* Collectives are posted in one order on every rank: this check, then
     * net_job_start's broadcast, which completes only at the job's end. */
    if (!net_all_ok(n, err == 0) || (err = net_job_start(n)) != 0) {
        fprintf(stderr, "symunix: node %d (%s): cannot start the network: %s\n", net_rank(n),
                net_host(n), strerror(err ? -err : EIO));
        if (eng) net_eng_destroy(eng);
        store_gseg_io_free(gio);
        store_close(st);
        remove_host_signals();
        net_finalize(n);
        return SYM_EXIT_INTERNAL;
    }

    struct k_stats stats = {0};
    double seconds = 0;
    int status = run_node(&o, st, n, eng, argv, &stats, &seconds);
    if (net_job_end(n, &status) != 0) {
        fprintf(stderr, "symunix: node %d (%s): lost contact with node 0\n", net_rank(n),
                net_host(n));
        status = SYM_EXIT_INTERNAL;
    }
    if (gmem_end(n, eng, st) != 0 && status == 0) status = SYM_EXIT_INTERNAL;
    if (o.stats && print_stats(n, &stats, seconds) != 0) status = SYM_EXIT_INTERNAL;
    if (finish_network(&o, n, eng) != 0 && status == 0) status = SYM_EXIT_INTERNAL;
    store_gseg_io_free(gio);
    store_close(st);
    remove_host_signals();
    net_finalize(n);
    return status;
}
