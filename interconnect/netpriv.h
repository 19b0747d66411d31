/*
 * netpriv.h — what net.c shares with the other MPI files of interconnect/
 * (engine.c): the communicator and the idle wait. Internal; includes <mpi.h>,
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

/* net_eng_gather's work (netstats.c), over n's communicator. */
int net_eng_gather_comm(struct net_eng *e, struct net *n, int combining, struct net_report **out);

#endif /* SYMUNIX_NETPRIV_H */
