/*
 * netpriv.h — what net.c shares with the other MPI files of interconnect/
 * (engine.c): the communicator, the idle wait and the doorbells. Internal; includes <mpi.h>,
 * so only interconnect/ may include it.
 */
#ifndef SYMUNIX_NETPRIV_H
#define SYMUNIX_NETPRIV_H

#include <mpi.h>

#include "interconnect/net.h"

/* 1 if MPI was initialised (launched by mpirun), else 0 (one-node loopback). */
int net_mpi_active(const struct net *n);
/* The net's duplicated communicator (only if net_mpi_active). */
MPI_Comm net_comm(const struct net *n);
/* Complete req without spinning: MPI_Test, then sleep 50 us doubling up to
 * max_us between tests. 0 or -EIO. */
int net_idle_wait(MPI_Request *req, long max_us);

/* The engine of n, if one exists (engine.c registers it at net_eng_create
 * and drops it at net_eng_destroy): net.c's waits at the job's end serve it,
 * so that a rank that has left its node loop still routes and answers the
 * requests of ranks that have not (net_job_end). */
void net_set_engine(struct net *n, struct net_eng *e);
/* One step of a rank waiting for something else: progress the engine; after
 * work, flush at once (*back_us back to 50); else nap on the bell for
 * *back_us, doubling it up to the engine's idle maximum. 0 or -errno. */
int net_eng_serve(struct net_eng *e, uint64_t *back_us);

/* Doorbells (bell.c): a futex word per rank in a shared-memory window of the
 * ranks of one host. A NULL `struct net_bells *` (no MPI, no shared window,
 * SYMUNIX_DOORBELLS=0) is valid everywhere: rings do nothing, naps sleep. */
struct net_bells;
/* Collective over comm: *out = the bells, or NULL if unavailable. 0 or -ENOMEM. */
int net_bells_create(MPI_Comm comm, struct net_bells **out);
/* Collective over the ranks of the host; NULL is a no-op. */
void net_bells_destroy(struct net_bells *b);
/* After posting a message to rank: wake it if it naps (no-op for a rank
 * of another host). */
void net_bell_ring(struct net_bells *b, int rank);
/* This rank's bell count: read it BEFORE the last check for work, pass it
 * to net_bell_nap, and a ring after the check cuts the nap short. */
uint32_t net_bell_seq(const struct net_bells *b);
/* Sleep us microseconds, or until this rank's bell rings after `seq`. */
void net_bell_nap(struct net_bells *b, uint32_t seq, uint64_t us);
/* The bells of n (NULL if none). */
struct net_bells *net_bells_of(const struct net *n);

/* net_eng_gather's work (netstats.c), over n's communicator. */
int net_eng_gather_comm(struct net_eng *e, struct net *n, int combining, struct net_report **out);

#endif /* SYMUNIX_NETPRIV_H */
