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
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define KILL_TAG 0x4b /* a rank's host signal, sent to rank 0 (net_job_kill_send) */

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
};

/* Environment variables by which Open MPI, PMIx and Hydra announce a launch. */
static int launched_by_mpirun(void)
{
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        if (getenv(vars[i])) return 1;
    return 0;
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
    }
    *out = n;
    return 0;
}

void net_finalize(struct net *n)
{
    if (!n) return;
    if (n->mpi) {
        MPI_Comm_free(&n->comm);
        MPI_Finalize();
    }
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

/* Complete `req` without spinning: test, then sleep 50 us doubling up to
 * NET_IDLE_MAX_US, so an idle rank costs a fraction of a percent of a core. */
static int idle_wait(MPI_Request *req)
{
    return net_idle_wait(req, NET_IDLE_MAX_US);
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
    return idle_wait(&req);
}

int net_agree_exit(struct net *n, int *value)
{
    return net_bcast(n, value, (int)sizeof *value);
}

int net_all_ok(struct net *n, int ok)
{
    if (!n->mpi) return ok;
    int all = 0;
    MPI_Request req;
    if (MPI_Iallreduce(&ok, &all, 1, MPI_INT, MPI_LAND, n->comm, &req) != MPI_SUCCESS) return 0;
    if (idle_wait(&req) != 0) return 0;
    return all;
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
    return MPI_Ibcast(&n->end_status, 1, MPI_INT, 0, n->comm, &n->end_req) == MPI_SUCCESS ? 0
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
        MPI_Request req;
        if (MPI_Ibcast(&n->end_status, 1, MPI_INT, 0, n->comm, &req) != MPI_SUCCESS) return -EIO;
        if (idle_wait(&req)) return -EIO;
    } else if (!n->job_ended) {
        if (idle_wait(&n->end_req)) return -EIO;
        n->job_ended = 1;
    }
    *status = n->end_status;
    /* Settle the kill requests: rank 0 receives as many as were sent. */
    int sent = n->kills_sent, total = 0;
    MPI_Request req;
    if (MPI_Iallreduce(&sent, &total, 1, MPI_INT, MPI_SUM, n->comm, &req) != MPI_SUCCESS ||
        idle_wait(&req))
        return -EIO;
    if (n->rank == 0) {
        while (n->kills_got < total) {
            if (idle_wait(&n->kill_req)) return -EIO;
            n->kills_got++;
            if (n->kills_got < total && MPI_Irecv(&n->kill_in, 1, MPI_INT, MPI_ANY_SOURCE, KILL_TAG,
                                                  n->comm, &n->kill_req) != MPI_SUCCESS)
                return -EIO;
        }
        if (n->kill_req != MPI_REQUEST_NULL) {
            MPI_Cancel(&n->kill_req);
            MPI_Wait(&n->kill_req, MPI_STATUS_IGNORE);
        }
    } else if (n->sent_req != MPI_REQUEST_NULL && idle_wait(&n->sent_req)) {
        return -EIO;
    }
    n->job_started = 0;
    return 0;
}
