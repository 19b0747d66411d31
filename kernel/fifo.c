/*
 * fifo.c — opening a FIFO without holding the node.
 *
 * A blocking open(2) of a FIFO waits until the other end is opened. Passed to
 * the host as it is, that wait would stop the whole node (every process of
 * the PE, the network's turns and the kernel's hearing of host signals: a
 * SIGTERM could not end the job), often with the process that would open the
 * other end on the same node. So sys_openat opens through k_fifo_open:
 *
 *   - O_PATH, O_NONBLOCK and O_RDWR opens never wait on Linux: straight
 *     through (a non-blocking write-only open is ENXIO without a reader);
 *   - any other open is made with O_NONBLOCK added, then the flag is taken
 *     off again unless the file is a FIFO that needs waiting for: a read-only
 *     open (it succeeded at once), or a write-only one that failed ENXIO
 *     (the name is looked at again with O_PATH to tell a FIFO from a socket);
 *   - the wait itself is a blocking host open of /proc/self/fd/N (N the
 *     descriptor just made) in a short-lived helper thread, so that the
 *     waiter counts as a reader or writer of the FIFO exactly as on Linux
 *     (a non-blocking writer finds the waiting reader; a waiting writer and a
 *     waiting reader pair up). The process sleeps on an eventfd the thread
 *     signals (k_block.hostfd: proc.c's wake_ready_fds polls it) and takes
 *     the descriptor when its call runs again. A read-only open keeps its
 *     non-blocking reader while it waits (no reader leaves, so no writer
 *     sees a reader come and go); a writer that gets in through it and
 *     leaves before the thread's open began shows as data or a hangup on
 *     it, which the process also sleeps on: that reader is then the result.
 *
 * A signal ends the wait as on Linux (EINTR, or a restart under SA_RESTART):
 * the thread is told to give up and its open interrupted by a host signal
 * (K_FIFO_HOST_SIG, a handler that does nothing, no SA_RESTART; sent again
 * every FIFO_KICK_NS, since one that comes just before the open begins
 * interrupts nothing), and the process sleeps until the thread has left, so
 * that, as on Linux, the interrupted opener is no longer a reader or writer
 * of the FIFO when the call returns; a descriptor the thread got meanwhile is
 * closed (pthread_cancel is not used: with glibc 2.36 a cancel that comes as
 * the open returns loses the descriptor). The process's end and the node's
 * (k_fifo_abandon) cannot wait: the thread is told and signalled once and
 * cleans up by itself (if that signal came just before its open began, it
 * stays a waiting opener until the other end is opened, or the host process
 * ends). The thread is detached and blocks every other host signal (they are
 * the node thread's); the host's exit ends it wherever it is, so it never
 * holds the job. State: k_proc.fifo, shared with its thread (a reference
 * count, a mutex).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel/proc.h"
#include "shm/store.h"

enum { FIFO_WAITING, FIFO_DONE, FIFO_ABANDONED };

/* The host signal that interrupts a helper thread's open (a real-time one
 * nothing else here uses). */
#define K_FIFO_HOST_SIG (SIGRTMIN + 5)
/* How often a process that gave up a wait signals its thread again. */
#define FIFO_KICK_NS 2000000ull

/* One open waiting in its helper thread. */
struct k_fifo_wait {
    atomic_int refs;      /* the process's and the thread's */
    pthread_mutex_t lock; /* guards state, result, finished; held while signalling */
    int state;            /* FIFO_* */
    int result;           /* FIFO_DONE: the host descriptor, or -errno */
    bool finished;        /* the thread has left its open for good */
    bool giving_up;       /* the process waits for the thread to leave its open */
    bool take_held;       /* ... then takes the held reader (else: a signal came) */
    int efd;              /* eventfd: the thread signals it once finished */
    int src;              /* the FIFO's descriptor the thread reopens (the thread's) */
    int held;             /* read-only: the non-blocking reader opened first (-1: none) */
    struct pollfd pv[2];  /* what the process sleeps on: efd, held (k_block.hostv) */
    int flags;            /* host open flags of the reopen */
    pthread_t thread;
};

/* Sleep until the thread is done (efd) or, read-only, the held reader shows
 * a writer came (data or a hangup). */
static int64_t fifo_sleep(struct k_proc *p, struct k_fifo_wait *w)
{
    p->blk.hostv = w->pv;
    p->blk.nhostv = w->held >= 0 && !w->giving_up ? 2 : 1;
    if (w->giving_up) p->blk.deadline = k_now_ns() + FIFO_KICK_NS;
    return K_BLOCK;
}

static void fifo_unref(struct k_fifo_wait *w)
{
    if (atomic_fetch_sub(&w->refs, 1) != 1) return;
    close(w->efd);
    pthread_mutex_destroy(&w->lock);
    free(w);
}

static void fifo_host_sig(int sig)
{
    (void)sig; /* only interrupts the open */
}

static void *fifo_thread(void *arg)
{
    struct k_fifo_wait *w = arg;
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", w->src);
    int r;
    for (;;) {
        pthread_mutex_lock(&w->lock);
        bool go = w->state == FIFO_WAITING;
        pthread_mutex_unlock(&w->lock);
        if (!go) {
            r = -EINTR;
            break;
        }
        r = open(path, w->flags);
        if (r >= 0 || errno != EINTR) break;
    }
    if (r < 0 && r != -EINTR) r = -errno;
    close(w->src);
    pthread_mutex_lock(&w->lock);
    if (w->state == FIFO_WAITING) {
        w->state = FIFO_DONE;
        w->result = r;
        r = -1;
    }
    w->finished = true; /* no signal for it from now on */
    pthread_mutex_unlock(&w->lock);
    if (r >= 0) close(r); /* given up meanwhile: nobody takes it */
    uint64_t one = 1;
    ssize_t n = write(w->efd, &one, sizeof one);
    (void)n;
    fifo_unref(w);
    return NULL;
}

/* Start waiting for the other end of a FIFO: the thread reopens `src` (given
 * away) with host open flags `hflags`; `held` (given away; -1: none) is the
 * non-blocking reader a read-only open made, kept while it waits. K_BLOCK,
 * or -errno. */
static int64_t fifo_wait_start(struct k_proc *p, int src, int held, int hflags)
{
    struct k_fifo_wait *w = calloc(1, sizeof *w);
    if (!w || (w->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
        int e = w ? errno : ENOMEM;
        free(w);
        close(src);
        if (held >= 0) close(held);
        return -e;
    }
    struct sigaction sa = {.sa_handler = fifo_host_sig}; /* no SA_RESTART */
    sigemptyset(&sa.sa_mask);
    sigaction(K_FIFO_HOST_SIG, &sa, NULL);
    atomic_init(&w->refs, 2);
    pthread_mutex_init(&w->lock, NULL);
    w->state = FIFO_WAITING;
    w->src = src;
    w->held = held;
    w->flags = hflags & ~(O_CREAT | O_EXCL | O_TRUNC | O_NOFOLLOW | O_NONBLOCK | O_DIRECTORY);
    w->pv[0] = (struct pollfd){.fd = w->efd, .events = POLLIN};
    w->pv[1] = (struct pollfd){.fd = held, .events = POLLIN};
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&at, 64 * 1024);
    sigset_t mask, old;
    sigfillset(&mask);                 /* host signals are the node thread's to hear ... */
    sigdelset(&mask, K_FIFO_HOST_SIG); /* ... but the one that interrupts the open */
    pthread_sigmask(SIG_SETMASK, &mask, &old);
    int e = pthread_create(&w->thread, &at, fifo_thread, w);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&at);
    if (e) {
        close(src);
        if (held >= 0) close(held);
        close(w->efd);
        pthread_mutex_destroy(&w->lock);
        free(w);
        return -EAGAIN;
    }
    p->fifo = w;
    return fifo_sleep(p, w);
}

/* Tell the thread to give up (a descriptor it got is closed) and interrupt
 * its open; true once it has finished. */
static bool fifo_give_up(struct k_fifo_wait *w)
{
    pthread_mutex_lock(&w->lock);
    if (w->state == FIFO_DONE && w->result >= 0) close(w->result);
    w->state = FIFO_ABANDONED;
    bool fin = w->finished;
    if (!fin) pthread_kill(w->thread, K_FIFO_HOST_SIG); /* alive: not finished */
    pthread_mutex_unlock(&w->lock);
    return fin;
}

/* The process lets go of its wait (the thread cleans up by itself); returns
 * the held reader (-1: none). */
static int fifo_drop(struct k_proc *p)
{
    struct k_fifo_wait *w = p->fifo;
    int held = w->held;
    p->fifo = NULL;
    fifo_unref(w);
    return held;
}

void k_fifo_abandon(struct k_proc *p)
{
    if (!p->fifo) return;
    fifo_give_up(p->fifo);
    int held = fifo_drop(p);
    if (held >= 0) close(held);
}

/* The process gives up the thread's open: K_BLOCK until the thread has left
 * it (so that it is no longer a reader or writer of the FIFO), then the held
 * reader (take_held) or K_ERESTART (a signal). */
static int64_t fifo_leave(struct k_proc *p, struct k_fifo_wait *w)
{
    if (!fifo_give_up(w)) return fifo_sleep(p, w);
    if (!w->take_held) {
        k_fifo_abandon(p);
        return K_ERESTART;
    }
    int h = fifo_drop(p), fl = fcntl(h, F_GETFL);
    if (fl >= 0 && fcntl(h, F_SETFL, fl & ~O_NONBLOCK) == 0) return h;
    int e = errno;
    close(h);
    return -e;
}

/* A retried call: the descriptor (or -errno) once the thread is done or a
 * writer came to the held reader; K_BLOCK while it waits; K_ERESTART when a
 * signal ended the wait and the thread has left its open. */
static int64_t fifo_wait_again(struct k_proc *p)
{
    struct k_fifo_wait *w = p->fifo;
    if (w->giving_up) return fifo_leave(p, w);
    pthread_mutex_lock(&w->lock);
    int done = w->state == FIFO_DONE, r = w->result;
    if (done) w->state = FIFO_ABANDONED; /* taken: the thread has let go of it */
    pthread_mutex_unlock(&w->lock);
    if (done) {
        int held = fifo_drop(p);
        if (held >= 0) close(held);
        return r;
    }
    /* A writer that opened and left before the thread's open began (the held
     * reader let it in) leaves data or a hangup on the held reader: the
     * open is over, with the held reader as its descriptor. */
    struct pollfd pf = {.fd = w->held, .events = POLLIN};
    if (w->held >= 0 && poll(&pf, 1, 0) > 0) {
        w->giving_up = true;
        w->take_held = true;
        return fifo_leave(p, w);
    }
    if (k_signal_interrupts(p)) { /* leave once the thread has left its open */
        w->giving_up = true;
        return fifo_leave(p, w);
    }
    return fifo_sleep(p, w);
}

static bool is_fifo(int h)
{
    struct stat sb;
    return fstat(h, &sb) == 0 && S_ISFIFO(sb.st_mode);
}

int64_t k_fifo_open(struct k_proc *p, struct store *st, const char *g, int hflags, mode_t mode)
{
    if (p->fifo) return fifo_wait_again(p);
    int acc = hflags & O_ACCMODE;
    if ((hflags & (O_PATH | O_NONBLOCK)) || (acc != O_RDONLY && acc != O_WRONLY))
        return store_path_open(st, g, hflags, mode);
    int h = store_path_open(st, g, hflags | O_NONBLOCK, mode);
    if (h >= 0) {
        if (acc == O_RDONLY && is_fifo(h)) { /* it must wait for a writer */
            int src = k_signal_interrupts(p) ? -1 : fcntl(h, F_DUPFD_CLOEXEC, 0);
            if (src < 0) {
                int e = errno;
                close(h);
                return k_signal_interrupts(p) ? K_ERESTART : -e;
            }
            return fifo_wait_start(p, src, h, hflags);
        }
        int fl = fcntl(h, F_GETFL); /* not a FIFO, or one with a reader already */
        if (fl >= 0 && fcntl(h, F_SETFL, fl & ~O_NONBLOCK) < 0) {
            int e = errno;
            close(h);
            return -e;
        }
        return h;
    }
    if (h != -ENXIO || acc != O_WRONLY) return h;
    int o = store_path_open(st, g, O_PATH | (hflags & O_NOFOLLOW), 0);
    if (o < 0) return h;
    if (!is_fifo(o)) { /* a socket, a device without its driver: ENXIO it is */
        close(o);
        return h;
    }
    if (k_signal_interrupts(p)) {
        close(o);
        return K_ERESTART;
    }
    return fifo_wait_start(p, o, -1, hflags); /* no reader yet: wait for one */
}
