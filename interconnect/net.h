/*
 * net.h — the interconnect as the rest of the emulator sees it: which node this
 * rank is, how many there are, and (for now) the job-wide agreement on the end
 * of a run. The combining network and the memory modules come later behind the
 * same header. Only files in interconnect/ include <mpi.h>.
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

#define NET_IDLE_MAX_US 20000

struct net;

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

/* Broadcast `len` bytes from rank 0 to all ranks. Returns 0 or a negative errno. */
int net_bcast(struct net *n, void *buf, int len);

#endif /* SYMUNIX_NET_H */
