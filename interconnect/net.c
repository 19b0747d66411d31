/*
 * net.c — the MPI side of a node: start-up, rank and size, and the few
 * collectives the run driver needs. With engine.c (which reaches the
 * communicator through netpriv.h), the only file that includes <mpi.h>. A
 * process not started by an MPI launcher runs as a one-node loopback without
 * initialising MPI at all (see net.h).
 *
 * Waiting ranks never call a blocking MPI collective: Open MPI's blocking
 * calls busy-poll, which on a 2-core machine would steal the CPU from the rank
 * doing the work. Instead they post the non-blocking form and test it with a
 * growing sleep in between (idle_wait below).
 */
#include "interconnect/net.h"
#include "interconnect/netpriv.h"

#include <errno.h>
#include <limits.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define KILL_TAG 0x4b /* a rank's host signal, sent to rank 0 (net_job_kill_send) */
#define MSG_TAG  0x4d /* kernel messages (net_msg_*): one tag, so each pair keeps order */
#define END_TAG  0x45 /* the job's end status, rank 0 to each other rank (net_job_*) */

/* A kernel message on its way out: MPI owns buf until req completes. */
struct msg_out {
    MPI_Request req;
    void *buf;
};

struct net {
    int mpi; /* MPI was initialised (launched by mpirun) */
    int rank, size;
    MPI_Comm comm; /* duplicate of MPI_COMM_WORLD */
    char host[256];
    /* The job (net_job_*): rank 0's receive of kill requests, the others'
     * broadcast of the end status; the kill request a rank sent. */
    int job_started, job_ended;
    MPI_Request kill_req, end_req, sent_req;
    int kill_in, end_status, kill_out, kills_sent, kills_got;
    /* Kernel messages (net_msg_*): sends in flight, and per peer the counts
     * sent and received, which the end of the job settles. */
    struct msg_out *out;
    size_t nout, capout;
    uint64_t *sent_to, *got_from;
    struct net_bells *bells; /* bell.c: NULL if none */
    struct net_eng *eng;     /* the engine the waits below serve (NULL: none) */
};

/* Environment variables by which Open MPI, PMIx and Hydra announce a launch. */
static int launched_by_mpirun(void)
{
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        if (getenv(vars[i])) return 1;
    return 0;
}

/* Under --oversubscribe Open MPI's progress loop calls sched_yield whenever a
 * test finds nothing: about 3 system calls per guest global access on 8 ranks
 * of 2 cores, each a chance to hand the core to a rank that has nothing to
 * do either. MCA parameters are read from the environment at MPI_Init. */
void net_no_mpi_yield(void)
{
    setenv("OMPI_MCA_mpi_yield_when_idle", "0", 0);
}

int net_init(int *argc, char ***argv, struct net **out)
{
    struct net *n = calloc(1, sizeof *n);
    if (!n) return -ENOMEM;
    if (gethostname(n->host, sizeof n->host - 1) != 0) strcpy(n->host, "?");
    n->size = 1;
    if (launched_by_mpirun()) {
        int provided = 0;
        if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
            fprintf(stderr, "symunix: MPI_Init_thread failed on %s\n", n->host);
            free(n);
            return -EIO;
        }
        n->mpi = 1;
        MPI_Comm_dup(MPI_COMM_WORLD, &n->comm);
        MPI_Comm_set_errhandler(n->comm, MPI_ERRORS_RETURN);
        MPI_Comm_rank(n->comm, &n->rank);
        MPI_Comm_size(n->comm, &n->size);
        n->sent_to = calloc((size_t)n->size, sizeof *n->sent_to);
        n->got_from = calloc((size_t)n->size, sizeof *n->got_from);
        if (!n->sent_to || !n->got_from || net_bells_create(n->comm, &n->bells) != 0) {
            fprintf(stderr, "symunix: out of memory on %s\n", n->host);
            MPI_Abort(MPI_COMM_WORLD, 1);
        }
    }
    *out = n;
    return 0;
}

void net_finalize(struct net *n)
{
    if (!n) return;
    if (n->mpi) {
        net_bells_destroy(n->bells);
        MPI_Comm_free(&n->comm);
        MPI_Finalize();
    }
    for (size_t i = 0; i < n->nout; i++)
        free(n->out[i].buf); /* only after an error: net_job_end completes them */
    free(n->out);
    free(n->sent_to);
    free(n->got_from);
    free(n);
}

int net_rank(const struct net *n)
{
    return n->rank;
}

int net_size(const struct net *n)
{
    return n->size;
}

const char *net_host(const struct net *n)
{
    return n->host;
}

int net_mpi_active(const struct net *n)
{
    return n->mpi;
}

MPI_Comm net_comm(const struct net *n)
{
    return n->comm;
}

struct net_bells *net_bells_of(const struct net *n)
{
    return n->bells;
}

void net_set_engine(struct net *n, struct net_eng *e)
{
    n->eng = e;
}

/* Complete `req` without spinning: test, then sleep 50 us doubling up to
 * NET_IDLE_MAX_US, so an idle rank costs a fraction of a percent of a core.
 * While an engine exists the sleep is the engine's idle step instead: a rank
 * waiting here (at the job's end, for the others) keeps its switches and MM
 * serving, since a rank still in its node loop or in k_net_end may wait for
 * a reply that passes through them (a host signal ends the job while
 * requests are in flight). An engine that fails is left alone. */
static int idle_wait(struct net *n, MPI_Request *req)
{
    if (!n->eng) return net_idle_wait(req, NET_IDLE_MAX_US);
    uint64_t back = 50;
    for (;;) {
        int done = 0;
        if (MPI_Test(req, &done, MPI_STATUS_IGNORE) != MPI_SUCCESS) return -EIO;
        if (done) return 0;
        if (net_eng_serve(n->eng, &back) < 0) return net_idle_wait(req, NET_IDLE_MAX_US);
    }
}

int net_idle_wait(MPI_Request *req, long max_us)
{
    long sleep_us = 50;
    for (;;) {
        int done = 0;
        if (MPI_Test(req, &done, MPI_STATUS_IGNORE) != MPI_SUCCESS) return -EIO;
        if (done) return 0;
        struct timespec ts = {0, sleep_us * 1000};
        nanosleep(&ts, NULL);
        if (sleep_us < max_us) sleep_us *= 2;
        if (sleep_us > max_us) sleep_us = max_us;
    }
}

int net_bcast(struct net *n, void *buf, int len)
{
    if (!n->mpi) return 0;
    MPI_Request req;
    if (MPI_Ibcast(buf, len, MPI_BYTE, 0, n->comm, &req) != MPI_SUCCESS) return -EIO;
    return idle_wait(n, &req);
}

int net_agree_exit(struct net *n, int *value)
{
    return net_bcast(n, value, (int)sizeof *value);
}

int net_gather_u64(struct net *n, const uint64_t *mine, int count, uint64_t *all)
{
    if (!n->mpi) {
        memcpy(all, mine, (size_t)count * sizeof *mine);
        return 0;
    }
    MPI_Request req;
    if (MPI_Igather(mine, count, MPI_UINT64_T, all, count, MPI_UINT64_T, 0, n->comm, &req) !=
        MPI_SUCCESS)
        return -EIO;
    return idle_wait(n, &req);
}

int net_all_ok(struct net *n, int ok)
{
    if (!n->mpi) return ok;
    int all = 0;
    MPI_Request req;
    if (MPI_Iallreduce(&ok, &all, 1, MPI_INT, MPI_LAND, n->comm, &req) != MPI_SUCCESS) return 0;
    if (idle_wait(n, &req) != 0) return 0;
    return all;
}

/* ---- Kernel messages ------------------------------------------------------------ */

/* Free the buffers of sends that completed. */
static int msg_reap_sends(struct net *n)
{
    size_t j = 0;
    for (size_t i = 0; i < n->nout; i++) {
        int done = 0;
        if (MPI_Test(&n->out[i].req, &done, MPI_STATUS_IGNORE) != MPI_SUCCESS) return -EIO;
        if (done)
            free(n->out[i].buf);
        else
            n->out[j++] = n->out[i];
    }
    n->nout = j;
    return 0;
}

int net_msg_send(struct net *n, int dest, const void *buf, size_t len)
{
    if (!n->mpi || dest < 0 || dest >= n->size || dest == n->rank || len > INT_MAX) return -EINVAL;
    if (msg_reap_sends(n)) return -EIO;
    if (n->nout == n->capout) {
        size_t cap = n->capout ? 2 * n->capout : 16;
        struct msg_out *o = realloc(n->out, cap * sizeof *o);
        if (!o) return -ENOMEM;
        n->out = o, n->capout = cap;
    }
    void *copy = malloc(len ? len : 1);
    if (!copy) return -ENOMEM;
    memcpy(copy, buf, len);
    struct msg_out *o = &n->out[n->nout];
    if (MPI_Isend(copy, (int)len, MPI_BYTE, dest, MSG_TAG, n->comm, &o->req) != MPI_SUCCESS) {
        free(copy);
        return -EIO;
    }
    o->buf = copy;
    n->nout++;
    n->sent_to[dest]++;
    net_bell_ring(n->bells, dest);
    return 0;
}

int net_msg_pending(struct net *n)
{
    int flag = 0;
    if (!n->mpi) return 0;
    if (MPI_Iprobe(MPI_ANY_SOURCE, MSG_TAG, n->comm, &flag, MPI_STATUS_IGNORE) != MPI_SUCCESS)
        return 0;
    return flag;
}

int net_msg_recv(struct net *n, int *src, void **buf, size_t *len)
{
    if (!n->mpi) return 0;
    if (n->nout && msg_reap_sends(n)) return -EIO;
    int flag = 0, count = 0;
    MPI_Message m;
    MPI_Status st;
    if (MPI_Improbe(MPI_ANY_SOURCE, MSG_TAG, n->comm, &flag, &m, &st) != MPI_SUCCESS) return -EIO;
    if (!flag) return 0;
    if (MPI_Get_count(&st, MPI_BYTE, &count) != MPI_SUCCESS || count < 0) return -EIO;
    void *b = malloc(count ? (size_t)count : 1);
    if (!b) return -ENOMEM; /* the message stays matched but unreceived: the job is failing */
    if (MPI_Mrecv(b, count, MPI_BYTE, &m, &st) != MPI_SUCCESS) {
        free(b);
        return -EIO;
    }
    n->got_from[st.MPI_SOURCE]++;
    *src = st.MPI_SOURCE;
    *buf = b;
    *len = (size_t)count;
    return 1;
}

/* The end of the job: every kernel message sent is received (late ones are
 * dropped: nobody is left to act on them) and every send completed, so that
 * nothing is pending when MPI finalizes. Collective. */
static int msg_settle(struct net *n)
{
    uint64_t *expect = calloc((size_t)n->size, sizeof *expect);
    if (!expect) return -ENOMEM;
    MPI_Request req;
    int rc = 0;
    if (MPI_Ialltoall(n->sent_to, 1, MPI_UINT64_T, expect, 1, MPI_UINT64_T, n->comm, &req) !=
            MPI_SUCCESS ||
        idle_wait(n, &req))
        rc = -EIO;
    long sleep_us = 50;
    for (int s = 0; !rc && s < n->size;) {
        if (n->got_from[s] >= expect[s]) {
            s++;
            continue;
        }
        int src;
        void *b;
        size_t len;
        int got = net_msg_recv(n, &src, &b, &len);
        if (got < 0) rc = got;
        if (got > 0) {
            free(b);
            sleep_us = 50;
            continue;
        }
        struct timespec ts = {0, sleep_us * 1000};
        nanosleep(&ts, NULL);
        if (sleep_us < NET_IDLE_MAX_US) sleep_us *= 2;
    }
    while (!rc && n->nout) {
        if ((rc = msg_reap_sends(n)) != 0) break;
        struct timespec ts = {0, 200000};
        if (n->nout) nanosleep(&ts, NULL);
    }
    free(expect);
    return rc;
}

/* ---- The job ---------------------------------------------------------------------- */

int net_job_start(struct net *n)
{
    if (!n->mpi || n->job_started) return 0;
    n->job_started = 1;
    n->kill_req = n->end_req = n->sent_req = MPI_REQUEST_NULL;
    if (n->rank == 0)
        return MPI_Irecv(&n->kill_in, 1, MPI_INT, MPI_ANY_SOURCE, KILL_TAG, n->comm,
                         &n->kill_req) == MPI_SUCCESS
                   ? 0
                   : -EIO;
    /* A receive, not a broadcast: a pending non-blocking collective is
     * progressed by every MPI_Test of the whole job (libnbc), a receive is
     * only matched when its message comes. */
    return MPI_Irecv(&n->end_status, 1, MPI_INT, 0, END_TAG, n->comm, &n->end_req) == MPI_SUCCESS
               ? 0
               : -EIO;
}

int net_job_kill_test(struct net *n)
{
    if (!n->mpi || n->rank != 0 || n->kill_req == MPI_REQUEST_NULL) return 0;
    int done = 0;
    if (MPI_Test(&n->kill_req, &done, MPI_STATUS_IGNORE) != MPI_SUCCESS || !done) return 0;
    n->kills_got++;
    int sig = n->kill_in;
    if (MPI_Irecv(&n->kill_in, 1, MPI_INT, MPI_ANY_SOURCE, KILL_TAG, n->comm, &n->kill_req) !=
        MPI_SUCCESS)
        n->kill_req = MPI_REQUEST_NULL;
    return sig > 0 ? sig : 9;
}

int net_job_kill_send(struct net *n, int sig)
{
    if (!n->mpi || n->rank == 0 || n->kills_sent || n->job_ended) return 0;
    n->kill_out = sig;
    if (MPI_Isend(&n->kill_out, 1, MPI_INT, 0, KILL_TAG, n->comm, &n->sent_req) != MPI_SUCCESS)
        return -EIO;
    n->kills_sent = 1;
    net_bell_ring(n->bells, 0);
    return 0;
}

int net_job_end_test(struct net *n, int *status)
{
    if (!n->mpi || n->rank == 0) return 0;
    if (n->job_ended) {
        *status = n->end_status;
        return 1;
    }
    int done = 0;
    if (MPI_Test(&n->end_req, &done, MPI_STATUS_IGNORE) != MPI_SUCCESS) return -EIO;
    if (!done) return 0;
    n->job_ended = 1;
    *status = n->end_status;
    return 1;
}

int net_job_end(struct net *n, int *status)
{
    if (!n->mpi) return 0;
    if (!n->job_started) return net_agree_exit(n, status);
    if (n->rank == 0) {
        n->end_status = *status;
        for (int r = 1; r < n->size; r++) {
            MPI_Request req;
            if (MPI_Isend(&n->end_status, 1, MPI_INT, r, END_TAG, n->comm, &req) != MPI_SUCCESS)
                return -EIO;
            net_bell_ring(n->bells, r);
            if (idle_wait(n, &req)) return -EIO;
        }
    } else if (!n->job_ended) {
        if (idle_wait(n, &n->end_req)) return -EIO;
        n->job_ended = 1;
    }
    *status = n->end_status;
    /* Settle the kill requests: rank 0 receives as many as were sent. */
    int sent = n->kills_sent, total = 0;
    MPI_Request req;
    if (MPI_Iallreduce(&sent, &total, 1, MPI_INT, MPI_SUM, n->comm, &req) != MPI_SUCCESS ||
        idle_wait(n, &req))
        return -EIO;
    if (n->rank == 0) {
        while (n->kills_got < total) {
            if (idle_wait(n, &n->kill_req)) return -EIO;
            n->kills_got++;
            if (n->kills_got < total && MPI_Irecv(&n->kill_in, 1, MPI_INT, MPI_ANY_SOURCE, KILL_TAG,
                                                  n->comm, &n->kill_req) != MPI_SUCCESS)
                return -EIO;
        }
        if (n->kill_req != MPI_REQUEST_NULL) {
            MPI_Cancel(&n->kill_req);
            MPI_Wait(&n->kill_req, MPI_STATUS_IGNORE);
        }
    } else if (n->sent_req != MPI_REQUEST_NULL && idle_wait(n, &n->sent_req)) {
        return -EIO;
    }
    n->job_started = 0;
    return msg_settle(n);
}
