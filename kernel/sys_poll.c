/*
 * sys_poll.c — ppoll and pselect6 (glibc's poll, select and pselect on
 * riscv64) on the process's descriptors, without holding the node: the
 * readiness of every host descriptor is asked of the host with a zero
 * timeout, and when none is ready the process sleeps (K_BLOCK) with those
 * descriptors in blk.hostv and its deadline in blk.deadline; the scheduler
 * (proc.c wake_ready_fds, wake_expired) wakes it when one becomes ready, the
 * time is up or a signal comes, and the call looks again.
 *
 * Readiness: a host descriptor (pipe, terminal, regular or store file,
 * directory, device, the emulator's inherited standard streams) answers as
 * the host's poll(2) does — its revents are Linux's, the same numbers on
 * the guest; a virtual anonymous file (no host file yet) is a regular file:
 * always readable and writable, and is left virtual; a closed descriptor is
 * POLLNVAL for poll, EBADF for select; a negative one is ignored by poll.
 * Linux's rules otherwise: readiness wins over a pending signal and over
 * the timeout; a signal that the (temporary) mask lets in ends the wait with
 * EINTR, even after an SA_RESTART handler (ERESTARTNOHAND); the time left is
 * written back to the guest's timespec (not for a zero timeout; a fault
 * there is ignored); ppoll/pselect6's mask is the old one again when the call
 * returns without EINTR, and after the handler when it does (signal.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "kernel/syscalls.h"

/* Linux's select sets, as fs/select.c groups the poll bits. */
#define SEL_IN  (POLLIN | POLLRDNORM | POLLRDBAND | POLLHUP | POLLERR)
#define SEL_OUT (POLLOUT | POLLWRNORM | POLLWRBAND | POLLERR)
#define SEL_EX  (POLLPRI)
/* What a regular file answers (Linux's DEFAULT_POLLMASK). */
#define REG_MASK (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM)

struct g_timespec {
    int64_t sec, nsec;
};

/* ---- The parts both calls share ------------------------------------------ */

/* p->pollv with room for n entries; NULL: out of memory. */
static struct pollfd *pollv(struct k_proc *p, size_t n)
{
    if ((size_t)p->pollcap < n) {
        struct pollfd *v = realloc(p->pollv, n * sizeof *v);
        if (!v) return NULL;
        p->pollv = v;
        p->pollcap = (int)n;
    }
    return p->pollv;
}

/*
 * Fill v[i].revents for v[0..n) (guest numbers in v[i].fd, guest events):
 * negative fds 0, closed ones POLLNVAL, virtual anonymous files REG_MASK,
 * host descriptors by one host poll with a zero timeout. The host
 * descriptors not ready yet are gathered at the front of p->pollv (host
 * numbers) and their count returned in *nwait; -ENOMEM.
 */
static int readiness(struct k_proc *p, struct pollfd *v, size_t n, int *nwait)
{
    struct pollfd *h = pollv(p, n ? n : 1);
    size_t *at = malloc((n ? n : 1) * sizeof *at);
    if (!h || !at) {
        free(at);
        return -ENOMEM;
    }
    size_t nh = 0;
    for (size_t i = 0; i < n; i++) {
        v[i].revents = 0;
        if (v[i].fd < 0) continue;
        struct store_cache_image *img;
        uint64_t ino;
        int flags, virt = k_fd_virtual(p, v[i].fd, &img, &ino, &flags);
        if (virt == 1) { /* left virtual: a regular file's answer */
            v[i].revents = (short)(REG_MASK & v[i].events);
            continue;
        }
        int hfd = virt == 0 ? k_fd_host(p, v[i].fd) : -EBADF;
        if (hfd < 0) {
            v[i].revents = POLLNVAL;
            continue;
        }
        h[nh] = (struct pollfd){.fd = hfd, .events = v[i].events};
        at[nh++] = i;
    }
    if (nh && poll(h, (nfds_t)nh, 0) < 0) {
        for (size_t j = 0; j < nh; j++) /* cannot happen: the fds are ours */
            h[j].revents = POLLERR;
    }
    size_t w = 0;
    for (size_t j = 0; j < nh; j++) {
        v[at[j]].revents = h[j].revents & ~POLLNVAL;
        if (!h[j].revents) h[w++] = h[j]; /* keeps the order: w <= j */
    }
    free(at);
    *nwait = (int)w;
    return 0;
}

/* The deadline of a guest timeout: *deadline 0 for none (wait forever),
 * *zero for a zero timeout (just look). 0, -EFAULT or -EINVAL. */
static int timeout_of(struct k_proc *p, uint64_t tsp, uint64_t *deadline, bool *zero)
{
    *deadline = 0;
    *zero = false;
    if (!tsp) return 0;
    struct g_timespec t;
    if (k_copyin(p, &t, tsp, sizeof t)) return -EFAULT;
    if (t.sec < 0 || t.nsec < 0 || t.nsec >= 1000000000) return -EINVAL;
    if (!t.sec && !t.nsec) {
        *zero = true;
        return 0;
    }
    uint64_t ns = (uint64_t)t.nsec, cap = 100ull * 365 * 86400; /* a century: forever */
    ns += (uint64_t)(t.sec < (int64_t)cap ? t.sec : (int64_t)cap) * 1000000000ull;
    *deadline = k_now_ns() + ns;
    return 0;
}

/* Linux's poll_select_finish: the old mask back unless the call ends with
 * EINTR (then after the handler), the time left written back; the sleep's
 * deadline is forgotten (blk is clean when the process does not sleep). */
static int64_t finish(struct k_proc *p, uint64_t tsp, int64_t ret)
{
    if (ret != -EINTR && p->has_saved_mask) {
        p->sigmask = p->saved_mask;
        p->has_saved_mask = false;
    }
    if (tsp && p->blk.deadline) {
        uint64_t now = k_now_ns(), left = p->blk.deadline > now ? p->blk.deadline - now : 0;
        struct g_timespec g = {(int64_t)(left / 1000000000ull), (int64_t)(left % 1000000000ull)};
        (void)k_copyout(p, tsp, &g, sizeof g); /* a read-only timespec: not an error */
    }
    p->blk.deadline = 0;
    p->blk.hostv = NULL;
    p->blk.nhostv = 0;
    return ret;
}

/* Nothing is ready: 0 when the time is up (or was zero), -EINTR for a signal
 * the mask lets in, else K_BLOCK with the nwait host descriptors at the front
 * of p->pollv to wake for (and the deadline already in blk). */
static int64_t wait_or_end(struct k_proc *p, bool zero, int nwait)
{
    if (zero || (p->blk.deadline && k_now_ns() >= p->blk.deadline)) return 0;
    if (k_signal_interrupts(p)) return -EINTR;
    p->blk.hostv = p->pollv;
    p->blk.nhostv = nwait;
    return K_BLOCK;
}

/* ppoll/pselect6's signal mask at addr with its size: -EINVAL unless 8. */
static int64_t set_mask(struct k_proc *p, uint64_t addr, uint64_t size)
{
    if (!addr) return 0;
    if (size != 8) return -EINVAL;
    return k_temp_mask(p, addr);
}

/* ---- ppoll ------------------------------------------------------------------ */

/*
 * ppoll(fds, nfds, timeout, sigmask, sigsetsize): nfds above RLIMIT_NOFILE
 * is EINVAL; the number of entries with revents, 0 at the timeout, EINTR.
 * With no descriptors it is a sleep (glibc's pause() is ppoll(NULL, 0, NULL,
 * NULL)). On the first call the timeout and mask are taken; each call after
 * a wake-up looks at the descriptors again.
 */
int64_t sys_ppoll(struct k_proc *p, const uint64_t a[6])
{
    uint64_t fds = a[0], n = a[1], tsp = a[2];
    bool zero = false; /* a zero timeout never sleeps: retries have none */
    if (!p->blk.retry) {
        if (n > p->rlim[RLIMIT_NOFILE].cur || n > K_NFILE) return -EINVAL;
        uint64_t deadline;
        int64_t rc = timeout_of(p, tsp, &deadline, &zero);
        if (!rc) rc = set_mask(p, a[3], a[4]);
        if (rc) return rc;
        p->blk.deadline = deadline;
    }
    struct pollfd *v = malloc((n ? n : 1) * sizeof *v);
    if (!v) return finish(p, tsp, -ENOMEM);
    if (n && k_copyin(p, v, fds, n * sizeof *v)) {
        free(v);
        return finish(p, tsp, -EFAULT);
    }
    int nwait = 0;
    int64_t rc = readiness(p, v, n, &nwait);
    int64_t ready = 0;
    for (uint64_t i = 0; !rc && i < n; i++)
        ready += v[i].revents != 0;
    if (!rc) rc = ready ? ready : wait_or_end(p, zero, nwait);
    /* Linux writes every revents back, also at the timeout and for EINTR. */
    if (rc != K_BLOCK && rc != -ENOMEM && n && k_copyout(p, fds, v, n * sizeof *v)) rc = -EFAULT;
    free(v);
    return rc == K_BLOCK ? rc : finish(p, tsp, rc);
}

/* ---- pselect6 --------------------------------------------------------------- */

/* Linux's fd table holds 64 descriptors and doubles as it must: select looks
 * at none past it. (Linux's never shrinks; this one follows the highest
 * open descriptor.) */
static uint64_t table_size(const struct k_proc *p)
{
    int hi = K_NFILE - 1;
    while (hi >= 0 && !p->fd[hi].f)
        hi--;
    uint64_t size = 64;
    while ((int64_t)size <= hi)
        size *= 2;
    return size;
}

#define WORDS(n) (((n) + 63) / 64)

/*
 * pselect6(nfds, readfds, writefds, exceptfds, timeout, sig): sig points at
 * {sigset pointer, its size}. The sets are Linux's fd_sets of 64-bit words;
 * on a success they hold the ready descriptors (all clear at the timeout),
 * and the count of set bits is returned; a closed descriptor in a set is
 * EBADF; EINTR leaves the sets alone.
 */
int64_t sys_pselect6(struct k_proc *p, const uint64_t a[6])
{
    uint64_t tsp = a[4], set[3] = {a[1], a[2], a[3]};
    int64_t nfds = (int64_t)(int32_t)a[0];
    bool zero = false; /* a zero timeout never sleeps: retries have none */
    if (!p->blk.retry) {
        if (nfds < 0) return -EINVAL;
        uint64_t deadline;
        int64_t rc = timeout_of(p, tsp, &deadline, &zero);
        if (rc) return rc;
        if (a[5]) {
            uint64_t sig[2];
            if (k_copyin(p, sig, a[5], sizeof sig)) return -EFAULT;
            if ((rc = set_mask(p, sig[0], sig[1]))) return rc;
        }
        p->blk.deadline = deadline;
    }
    uint64_t n = (uint64_t)nfds, tab = table_size(p);
    if (n > tab) n = tab;
    uint64_t in[3][WORDS(K_NFILE)], out[3][WORDS(K_NFILE)];
    memset(in, 0, sizeof in);
    memset(out, 0, sizeof out);
    for (int s = 0; s < 3; s++) {
        if (!set[s] || !n) continue;
        if (k_copyin(p, in[s], set[s], WORDS(n) * 8)) return finish(p, tsp, -EFAULT);
        if (n % 64) in[s][n / 64] &= (1ull << (n % 64)) - 1;
    }
    /* The descriptors asked about, as poll entries. */
    struct pollfd *v = malloc((n ? n : 1) * sizeof *v);
    if (!v) return finish(p, tsp, -ENOMEM);
    size_t m = 0;
    for (uint64_t fd = 0; fd < n; fd++) {
        uint64_t bit = 1ull << (fd % 64), w = fd / 64;
        short ev = (short)(((in[0][w] & bit) ? POLLIN : 0) | ((in[1][w] & bit) ? POLLOUT : 0) |
                           ((in[2][w] & bit) ? POLLPRI : 0));
        if (ev) v[m++] = (struct pollfd){.fd = (int)fd, .events = ev};
    }
    int nwait = 0;
    int64_t rc = readiness(p, v, m, &nwait);
    int64_t count = 0;
    for (size_t i = 0; !rc && i < m; i++) {
        short r = v[i].revents;
        uint64_t fd = (uint64_t)v[i].fd, bit = 1ull << (fd % 64), w = fd / 64;
        if (r & POLLNVAL) {
            rc = -EBADF;
            break;
        }
        static const short want[3] = {SEL_IN, SEL_OUT, SEL_EX};
        for (int s = 0; s < 3; s++) {
            if (!(in[s][w] & bit) || !(r & want[s])) continue;
            out[s][w] |= bit;
            count++;
        }
    }
    free(v);
    if (rc) return finish(p, tsp, rc);
    if (!count) { /* the sets are written at the timeout, not for EINTR */
        rc = wait_or_end(p, zero, nwait);
        if (rc) return rc == K_BLOCK ? rc : finish(p, tsp, rc);
    }
    for (int s = 0; s < 3; s++)
        if (set[s] && n && k_copyout(p, set[s], out[s], WORDS(n) * 8)) count = -EFAULT;
    return finish(p, tsp, count);
}
