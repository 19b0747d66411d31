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

struct net {
    int mpi; /* MPI was initialised (launched by mpirun) */
    int rank, size;
    MPI_Comm comm; /* duplicate of MPI_COMM_WORLD */
    char host[256];
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
