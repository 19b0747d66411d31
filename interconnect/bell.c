/*
 * bell.c — doorbells between the ranks of one host, so that a waiting rank
 * sleeps until a message is sent to it instead of polling on a timer.
 *
 * Open MPI's shared-memory transport has no way to block in a receive: a
 * waiting rank must test and sleep, and every hop of a request then costs up
 * to one back-off sleep of the rank it goes to (measured: a lone request's
 * round trip over 8 ranks on 2 cores was ~320 us, most of it ranks asleep
 * with the request waiting in their queue). A doorbell is a futex word per
 * rank in an MPI shared-memory window of the ranks on one host: a sender
 * rings it after posting a message to that rank, and a rank naps on its own
 * word (FUTEX_WAIT with the back-off as timeout). The word is a sequence
 * number, read before the rank's last check for work, so a ring between that
 * check and the nap makes the nap return at once; `sleeping` (Dekker-style,
 * sequentially consistent) lets most rings skip the futex system call.
 *
 * A rank on another host has no bell: it is not woken, it is found by its
 * own back-off, as before. Without a shared window (e.g. `--mca osc ^sm`) or
 * with SYMUNIX_DOORBELLS=0 nobody has a bell and every nap is a plain sleep.
 * A bell only ever shortens a sleep, so it can never lose a message.
 */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "interconnect/netpriv.h"

/* One rank's bell, alone on its cache line. */
struct bell {
    _Atomic uint32_t seq;      /* bumped by every ring: the futex word */
    _Atomic uint32_t sleeping; /* the owner is in (or entering) a futex wait */
    char pad[56];
};

struct net_bells {
    MPI_Comm local; /* the ranks of this host */
    MPI_Win win;
    struct bell *mine;
    struct bell **of; /* by rank of the job's communicator: NULL = another host */
    int size;
};

static long futex(_Atomic uint32_t *w, int op, uint32_t val, const struct timespec *ts)
{
    return syscall(SYS_futex, (uint32_t *)w, op, val, ts, NULL, 0);
}

/* Off when SYMUNIX_DOORBELLS is "0" (to measure or to act as if every rank
 * were on its own host). */
static int bells_wanted(void)
{
    const char *v = getenv("SYMUNIX_DOORBELLS");
    return !v || strcmp(v, "0") != 0;
}

/* Collective over comm. Every rank must take the same path: whether every
 * rank has a window is learnt by an allgather, and any later failure is
 * agreed on before the bells are used or freed. */
int net_bells_create(MPI_Comm comm, struct net_bells **out)
{
    *out = NULL;
    int want = bells_wanted(), all = 0, size, rank;
    MPI_Comm_size(comm, &size);
    MPI_Comm_rank(comm, &rank);
    if (MPI_Allreduce(&want, &all, 1, MPI_INT, MPI_LAND, comm) != MPI_SUCCESS || !all) return 0;
    struct net_bells *b = calloc(1, sizeof *b);
    int *lranks = malloc((size_t)size * sizeof *lranks);
    if (!b || !lranks) {
        free(b);
        free(lranks);
        return -ENOMEM;
    }
    b->size = size;
    b->local = MPI_COMM_NULL;
    b->win = MPI_WIN_NULL;
    struct bell *base = NULL;
    int ok = MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &b->local) ==
             MPI_SUCCESS;
    if (ok) MPI_Comm_set_errhandler(b->local, MPI_ERRORS_RETURN);
    ok = ok && MPI_Win_allocate_shared(sizeof(struct bell), (int)sizeof(struct bell), MPI_INFO_NULL,
                                       b->local, &base, &b->win) == MPI_SUCCESS;
    /* Every rank learns each rank's index on its host, or -1 if this rank
     * has no window (then nobody uses bells). */
    int lrank = -1;
    if (ok) MPI_Comm_rank(b->local, &lrank);
    ok = MPI_Allgather(&lrank, 1, MPI_INT, lranks, 1, MPI_INT, comm) == MPI_SUCCESS;
    for (int r = 0; ok && r < size; r++)
        if (lranks[r] < 0) ok = 0;
    if (ok) {
        /* Ranks of this host: those in the same split (colours agree). */
        int lsize = 0, *world = NULL;
        MPI_Comm_size(b->local, &lsize);
        b->of = calloc((size_t)size, sizeof *b->of);
        world = malloc((size_t)lsize * sizeof *world);
        ok = b->of && world &&
             MPI_Allgather(&rank, 1, MPI_INT, world, 1, MPI_INT, b->local) == MPI_SUCCESS;
        for (int l = 0; ok && l < lsize; l++) {
            MPI_Aint sz;
            int disp;
            struct bell *p = NULL;
            if (MPI_Win_shared_query(b->win, l, &sz, &disp, &p) != MPI_SUCCESS || !p ||
                sz < (MPI_Aint)sizeof *p)
                ok = 0;
            else
                b->of[world[l]] = p;
        }
        free(world);
    }
    free(lranks);
    if (ok) { /* before the agreement below: nobody rings before it */
        b->mine = b->of[rank];
        atomic_store(&b->mine->seq, 0);
        atomic_store(&b->mine->sleeping, 0);
    }
    /* A failure on one rank (memory, a query) is everyone's: the window is
     * freed collectively, by all ranks of each host or by none. */
    int agreed = 0;
    if (MPI_Allreduce(&ok, &agreed, 1, MPI_INT, MPI_LAND, comm) != MPI_SUCCESS) agreed = 0;
    if (!agreed) {
        net_bells_destroy(b);
        return 0; /* no bells: plain sleeps */
    }
    *out = b;
    return 0;
}

/* Collective over the host's ranks (MPI_Win_free): at the end of the job. */
void net_bells_destroy(struct net_bells *b)
{
    if (!b) return;
    if (b->local != MPI_COMM_NULL) {
        /* MPI_Win_free synchronises and Open MPI busy-polls in it: meet in a
         * non-blocking barrier first, so that early ranks sleep meanwhile. */
        MPI_Request req;
        if (MPI_Ibarrier(b->local, &req) == MPI_SUCCESS) net_idle_wait(&req, 2000);
    }
    if (b->win != MPI_WIN_NULL) MPI_Win_free(&b->win);
    if (b->local != MPI_COMM_NULL) MPI_Comm_free(&b->local);
    free(b->of);
    free(b);
}

void net_bell_ring(struct net_bells *b, int rank)
{
    if (!b || rank < 0 || rank >= b->size || !b->of[rank]) return;
    struct bell *p = b->of[rank];
    atomic_fetch_add(&p->seq, 1);
    if (atomic_load(&p->sleeping)) futex(&p->seq, FUTEX_WAKE, 1, NULL);
}

uint32_t net_bell_seq(const struct net_bells *b)
{
    return b ? atomic_load(&b->mine->seq) : 0;
}

void net_bell_nap(struct net_bells *b, uint32_t seq, uint64_t us)
{
    struct timespec ts = {(time_t)(us / 1000000), (long)(us % 1000000) * 1000};
    if (!b) {
        nanosleep(&ts, NULL);
        return;
    }
    atomic_store(&b->mine->sleeping, 1);
    if (atomic_load(&b->mine->seq) == seq) futex(&b->mine->seq, FUTEX_WAIT, seq, &ts);
    atomic_store(&b->mine->sleeping, 0);
}
