/*
 * sys_proc.c — process, identity, time and limit system calls: exit, wait4,
 * kill/tkill/tgkill between the processes of the job (remote.c carries them
 * to other nodes), ids and process groups, uname, rlimits, clocks, the sleeping calls (nanosleep,
 * clock_nanosleep, rt_sigsuspend; ppoll and pselect6 are sys_poll.c's) which
 * give up the PE while they wait (proc.c), getrandom, sysinfo, and futex between
 * processes that share memory. Times and ids come from the host; guest
 * structures are written explicitly in their Linux riscv64 layout.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

#include "kernel/guest_abi.h"
#include "kernel/syscalls.h"

struct g_timespec {
    int64_t sec, nsec;
};

static int64_t put_u32(struct k_proc *p, uint64_t addr, uint32_t v)
{
    return addr && k_copyout(p, addr, &v, sizeof v) ? -EFAULT : 0;
}

/* exit(code) — one thread per process, so the same as exit_group. */
int64_t sys_exit(struct k_proc *p, const uint64_t a[6])
{
    k_proc_exit(p, (int)(a[0] & 0xff) << 8);
    return 0;
}

int64_t sys_exit_group(struct k_proc *p, const uint64_t a[6])
{
    return sys_exit(p, a);
}

int64_t sys_set_tid_address(struct k_proc *p, const uint64_t a[6])
{
    p->clear_child_tid = a[0];
    return p->pid;
}

/* set_robust_list(head, len): kept; used when threads come. */
int64_t sys_set_robust_list(struct k_proc *p, const uint64_t a[6])
{
    if (a[1] != 24) return -EINVAL;
    p->robust_list = a[0];
    return 0;
}

/*
 * futex between the processes of a node. A futex word in a shared file
 * mapping (an INHERIT lseg after fork or spawn, or the same image file mapped
 * by two processes) is named by the file and offset, so a FUTEX_WAKE in one
 * process wakes a FUTEX_WAIT in another; any other word (or FUTEX_PRIVATE) by
 * the process and address. A private wait without a timeout could only be
 * woken by another thread of the caller: EDEADLK instead of sleeping forever.
 * WAIT/WAIT_BITSET sleep without holding the PE; WAIT's timeout is relative,
 * WAIT_BITSET's absolute (FUTEX_CLOCK_REALTIME selects the clock).
 */
static void futex_key(struct k_proc *p, uint64_t uaddr, bool priv, uint64_t key[3])
{
    int i = priv ? -1 : k_vm_lookup(&p->vm, uaddr);
    const struct k_region *r = i >= 0 ? &p->vm.r[i] : NULL;
    if (r && r->kind == K_REGION_FILE_SHARED && r->ino) {
        key[0] = r->dev;
        key[1] = r->ino;
        key[2] = r->off + (uaddr - r->start);
    } else {
        key[0] = 0;
        key[1] = (uint64_t)p->pid;
        key[2] = uaddr;
    }
}

static int64_t futex_wake(struct k_proc *p, uint64_t uaddr, bool priv, int64_t n, uint32_t bits)
{
    uint64_t key[3];
    futex_key(p, uaddr, priv, key);
    int64_t woken = 0;
    for (struct k_proc *q = p->k->procs; q && woken < n; q = q->next) {
        if (q->state != K_SLEEPING || q->blk.fn != sys_futex || q->futex.woken) continue;
        if (memcmp(q->futex.key, key, sizeof key) != 0 || !(q->futex.bitset & bits)) continue;
        q->futex.woken = true;
        k_wake(q);
        woken++;
    }
    return woken;
}

/* The first call of a wait: checks, then sleep. */
static int64_t futex_wait(struct k_proc *p, const uint64_t a[6], int cmd, bool priv)
{
    uint32_t v, bits = cmd == G_FUTEX_WAIT ? ~0u : (uint32_t)a[5];
    if ((a[0] & 3) || !bits) return -EINVAL;
    if (k_copyin(p, &v, a[0], sizeof v)) return -EFAULT;
    if (v != (uint32_t)a[2]) return -EAGAIN;
    uint64_t deadline = 0;
    if (a[3]) {
        struct g_timespec ts;
        if (k_copyin(p, &ts, a[3], sizeof ts)) return -EFAULT;
        if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= 1000000000) return -EINVAL;
        uint64_t t = (uint64_t)ts.sec * 1000000000ull + (uint64_t)ts.nsec, now = k_now_ns();
        if (cmd == G_FUTEX_WAIT) {
            deadline = now + t;
        } else {
            struct timespec c;
            clock_gettime((a[1] & G_FUTEX_CLOCK_REALTIME) ? CLOCK_REALTIME : CLOCK_MONOTONIC, &c);
            uint64_t cnow = (uint64_t)c.tv_sec * 1000000000ull + (uint64_t)c.tv_nsec;
            if (t <= cnow) return -ETIMEDOUT;
            deadline = now + (t - cnow);
        }
    }
    futex_key(p, a[0], priv, p->futex.key);
    if (!deadline && p->futex.key[0] == 0 && p->futex.key[1] == (uint64_t)p->pid)
        return -EDEADLK; /* private: nobody else can wake it */
    p->futex.bitset = bits;
    p->futex.woken = false;
    p->blk.deadline = deadline;
    return K_BLOCK;
}

int64_t sys_futex(struct k_proc *p, const uint64_t a[6])
{
    int cmd = (int)(a[1] & G_FUTEX_CMD_MASK);
    bool priv = a[1] & G_FUTEX_PRIVATE;
    if (p->blk.retry) { /* woken, timed out or signalled */
        if (p->futex.woken) return 0;
        if (p->blk.deadline && k_now_ns() >= p->blk.deadline) return -ETIMEDOUT;
        if (k_signal_interrupts(p)) return p->blk.deadline ? -EINTR : K_ERESTART;
        return K_BLOCK;
    }
    if (cmd == G_FUTEX_WAKE || cmd == G_FUTEX_WAKE_BITSET) {
        uint32_t bits = cmd == G_FUTEX_WAKE ? ~0u : (uint32_t)a[5];
        if ((a[0] & 3) || !bits) return -EINVAL;
        return futex_wake(p, a[0], priv, (int64_t)(uint32_t)a[2], bits);
    }
    if (cmd != G_FUTEX_WAIT && cmd != G_FUTEX_WAIT_BITSET) return -ENOSYS;
    return futex_wait(p, a, cmd, priv);
}

int64_t sys_getpid(struct k_proc *p, const uint64_t a[6])
{
    return p->pid;
}

int64_t sys_getppid(struct k_proc *p, const uint64_t a[6])
{
    return p->ppid;
}

int64_t sys_gettid(struct k_proc *p, const uint64_t a[6])
{
    return p->pid;
}

int64_t sys_getuid(struct k_proc *p, const uint64_t a[6])
{
    return getuid();
}

int64_t sys_geteuid(struct k_proc *p, const uint64_t a[6])
{
    return geteuid();
}

int64_t sys_getgid(struct k_proc *p, const uint64_t a[6])
{
    return getgid();
}

int64_t sys_getegid(struct k_proc *p, const uint64_t a[6])
{
    return getegid();
}

/* getresuid(ruid, euid, suid) */
int64_t sys_getresuid(struct k_proc *p, const uint64_t a[6])
{
    uint32_t id = getuid(), eid = geteuid();
    return (put_u32(p, a[0], id) || put_u32(p, a[1], eid) || put_u32(p, a[2], eid)) ? -EFAULT : 0;
}

int64_t sys_getresgid(struct k_proc *p, const uint64_t a[6])
{
    uint32_t id = getgid(), eid = getegid();
    return (put_u32(p, a[0], id) || put_u32(p, a[1], eid) || put_u32(p, a[2], eid)) ? -EFAULT : 0;
}

static bool is_self(const struct k_proc *p, int64_t pid)
{
    return pid == 0 || pid == p->pid;
}

/* The process pid names for the id calls: 0 is the caller; NULL when there is
 * no such live process on the node. */
static struct k_proc *named(struct k_proc *p, int32_t pid)
{
    if (pid == 0) return p;
    struct k_proc *t = pid > 0 ? k_proc_find(p->k, pid) : NULL;
    return t && t->state != K_ZOMBIE ? t : NULL;
}

/* getpgid/getsid of a process of another node: asked of its node (K_BLOCK
 * while the caller sleeps for the answer). */
static int64_t remote_ids(struct k_proc *p, int32_t pid, bool sid)
{
    void *ans = NULL;
    size_t len = 0;
    int64_t rc = k_info_get(p, K_INFO_IDS, (uint64_t)pid, 0, &ans, &len);
    if (!rc) {
        const struct k_ids *ids = ans;
        rc = len == sizeof *ids ? (sid ? ids->sid : ids->pgid) : -EIO;
    }
    free(ans);
    return rc;
}

int64_t sys_getpgid(struct k_proc *p, const uint64_t a[6])
{
    int32_t pid = (int32_t)a[0];
    if (pid > 0 && k_pid_remote(p->k, pid)) return remote_ids(p, pid, false);
    struct k_proc *t = named(p, pid);
    return t ? t->pgid : -ESRCH;
}

/* Does a live process of this node (or a stand-in of a live child of
 * another) belong to group pgid? */
static bool group_here(struct k_kernel *k, int32_t pgid)
{
    for (struct k_proc *q = k->procs; q; q = q->next)
        if (q->pgid == pgid && q->state != K_ZOMBIE) return true;
    return false;
}

int k_setpgid_here(struct k_proc *t, int32_t pgid, bool exists_elsewhere)
{
    if (pgid != t->pid && !exists_elsewhere && !group_here(t->k, pgid)) return -EPERM;
    t->pgid = pgid;
    return 0;
}

/* setpgid on a child of another node: the change is made there, the group
 * must exist on the caller's node or the child's (or be the child's own
 * pid). K_BLOCK while the caller sleeps for the answer. */
static int64_t remote_setpgid(struct k_proc *p, int32_t pid, int32_t pgid)
{
    struct k_proc *s = k_stub_find(p->k, pid);
    if (!s || s->state != K_REMOTE || s->ppid != p->pid) return -ESRCH;
    uint64_t arg = (uint32_t)pgid | (group_here(p->k, pgid) ? K_SETPGID_EXISTS : 0);
    void *ans = NULL;
    size_t len = 0;
    int64_t rc = k_info_get(p, K_INFO_SETPGID, (uint64_t)pid, arg, &ans, &len);
    if (!rc && len != sizeof(struct k_ids)) rc = -EIO;
    if (!rc) s->pgid = ((const struct k_ids *)ans)->pgid;
    free(ans);
    return rc;
}

/* setpgid(pid, pgid): the caller or one of its children (on any node), into
 * its own group or an existing one (of the caller's node or the child's). */
int64_t sys_setpgid(struct k_proc *p, const uint64_t a[6])
{
    int32_t pid = (int32_t)a[0], pgid = (int32_t)a[1];
    if (pgid < 0) return -EINVAL;
    if (pgid == 0) pgid = pid ? pid : p->pid;
    if (pid > 0 && k_pid_remote(p->k, pid)) return remote_setpgid(p, pid, pgid);
    struct k_proc *t = named(p, pid);
    if (!t || (t != p && t->ppid != p->pid)) return -ESRCH;
    return k_setpgid_here(t, pgid, false);
}

int64_t sys_getsid(struct k_proc *p, const uint64_t a[6])
{
    int32_t pid = (int32_t)a[0];
    if (pid > 0 && k_pid_remote(p->k, pid)) return remote_ids(p, pid, true);
    struct k_proc *t = named(p, pid);
    return t ? t->sid : -ESRCH;
}

/* uname(buf): struct utsname is six 65-byte strings. */
int64_t sys_uname(struct k_proc *p, const uint64_t a[6])
{
    char u[6][65];
    memset(u, 0, sizeof u);
    snprintf(u[0], 65, "Linux");
    snprintf(u[1], 65, "symunix-node%d", p->k->cfg.node);
    snprintf(u[2], 65, "6.1.0-symunix");
    snprintf(u[3], 65, "#1 SMP Symunix II on MPI");
    snprintf(u[4], 65, "riscv64");
    snprintf(u[5], 65, "(none)");
    return k_copyout(p, a[0], u, sizeof u) ? -EFAULT : 0;
}

/* Read and change one limit; shared by prlimit64, getrlimit, setrlimit. */
static int64_t rlimit_op(struct k_proc *p, unsigned res, uint64_t newp, uint64_t oldp)
{
    struct k_rlimit nw, old;
    if (res >= K_NRLIMIT) return -EINVAL;
    if (newp && k_copyin(p, &nw, newp, sizeof nw)) return -EFAULT;
    if (newp && nw.cur > nw.max) return -EINVAL;
    if (newp && nw.max > p->rlim[res].max)
        return -EPERM; /* an unprivileged process cannot raise its hard limit */
    old = p->rlim[res];
    if (oldp && k_copyout(p, oldp, &old, sizeof old)) return -EFAULT;
    if (newp) p->rlim[res] = nw;
    return 0;
}

/* prlimit64(pid, resource, new, old) */
int64_t sys_prlimit64(struct k_proc *p, const uint64_t a[6])
{
    if (!is_self(p, (int32_t)a[0])) return -ESRCH;
    return rlimit_op(p, (unsigned)a[1], a[2], a[3]);
}

int64_t sys_getrlimit(struct k_proc *p, const uint64_t a[6])
{
    return rlimit_op(p, (unsigned)a[0], 0, a[1]);
}

int64_t sys_setrlimit(struct k_proc *p, const uint64_t a[6])
{
    return rlimit_op(p, (unsigned)a[0], a[1], 0);
}

/* getrusage(who, buf): the emulator's own usage stands for the guest's. */
int64_t sys_getrusage(struct k_proc *p, const uint64_t a[6])
{
    int who = (int)a[0];
    if (who != G_RUSAGE_SELF && who != G_RUSAGE_CHILDREN && who != G_RUSAGE_THREAD) return -EINVAL;
    int64_t g[18] = {0}; /* utime, stime (timevals), then 14 longs */
    struct rusage ru;
    if (who != G_RUSAGE_CHILDREN && getrusage(RUSAGE_SELF, &ru) == 0) {
        g[0] = ru.ru_utime.tv_sec;
        g[1] = ru.ru_utime.tv_usec;
        g[2] = ru.ru_stime.tv_sec;
        g[3] = ru.ru_stime.tv_usec;
        g[4] = ru.ru_maxrss;
        g[8] = ru.ru_minflt;
        g[9] = ru.ru_majflt;
    }
    return k_copyout(p, a[1], g, sizeof g) ? -EFAULT : 0;
}

/* Guest clock id to host clock id (the numbers are Linux's on both sides);
 * negative ids (per-process CPU clocks of other pids) are refused. */
static int host_clock(uint64_t id, clockid_t *out)
{
    int32_t c = (int32_t)id;
    if (c < 0 || (c > 7 && c != 11)) return -EINVAL;
    *out = (clockid_t)c;
    return 0;
}

int64_t sys_clock_gettime(struct k_proc *p, const uint64_t a[6])
{
    clockid_t c;
    struct timespec t;
    if (host_clock(a[0], &c) || clock_gettime(c, &t) < 0) return -EINVAL;
    struct g_timespec g = {t.tv_sec, t.tv_nsec};
    return k_copyout(p, a[1], &g, sizeof g) ? -EFAULT : 0;
}

int64_t sys_clock_getres(struct k_proc *p, const uint64_t a[6])
{
    clockid_t c;
    struct timespec t;
    if (host_clock(a[0], &c) || clock_getres(c, &t) < 0) return -EINVAL;
    struct g_timespec g = {t.tv_sec, t.tv_nsec};
    return a[1] && k_copyout(p, a[1], &g, sizeof g) ? -EFAULT : 0;
}

/* gettimeofday(tv, tz): the timezone is always UTC. */
int64_t sys_gettimeofday(struct k_proc *p, const uint64_t a[6])
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    int64_t tv[2] = {t.tv_sec, t.tv_nsec / 1000};
    int32_t tz[2] = {0, 0};
    if (a[0] && k_copyout(p, a[0], tv, sizeof tv)) return -EFAULT;
    return a[1] && k_copyout(p, a[1], tz, sizeof tz) ? -EFAULT : 0;
}

static int get_timespec(struct k_proc *p, uint64_t addr, struct timespec *out)
{
    struct g_timespec g;
    if (k_copyin(p, &g, addr, sizeof g)) return -EFAULT;
    if (g.sec < 0 || g.nsec < 0 || g.nsec >= 1000000000) return -EINVAL;
    *out = (struct timespec){g.sec, g.nsec};
    return 0;
}

/* Write the time left until deadline (ns, monotonic) to remp. */
static int64_t put_remaining(struct k_proc *p, uint64_t deadline, uint64_t remp)
{
    uint64_t now = k_now_ns(), left = deadline > now ? deadline - now : 0;
    struct g_timespec g = {(int64_t)(left / 1000000000ull), (int64_t)(left % 1000000000ull)};
    return remp && k_copyout(p, remp, &g, sizeof g) ? -EFAULT : 0;
}

static uint64_t ts_ns(const struct timespec *t)
{
    return (uint64_t)t->tv_sec * 1000000000ull + (uint64_t)t->tv_nsec;
}

/* The sleeping part of nanosleep and clock_nanosleep: the first call sets the
 * deadline and sleeps; when woken: 0 once the deadline passed, -EINTR (time
 * left to remp) for a signal. */
static int64_t sleep_until(struct k_proc *p, uint64_t deadline, uint64_t remp)
{
    if (k_now_ns() >= deadline) return 0;
    if (k_signal_interrupts(p)) {
        int64_t rc = put_remaining(p, deadline, remp);
        return rc ? rc : -EINTR;
    }
    p->blk.deadline = deadline;
    return K_BLOCK;
}

int64_t sys_nanosleep(struct k_proc *p, const uint64_t a[6])
{
    if (p->blk.retry) return sleep_until(p, p->blk.deadline, a[1]);
    struct timespec req;
    int rc = get_timespec(p, a[0], &req);
    if (rc) return rc;
    return sleep_until(p, k_now_ns() + ts_ns(&req), a[1]);
}

/* clock_nanosleep(clock, flags, req, rem): every clock sleeps on the monotonic
 * one; an absolute time on another clock is converted once, at the call. */
int64_t sys_clock_nanosleep(struct k_proc *p, const uint64_t a[6])
{
    clockid_t c;
    bool abs = a[1] & G_TIMER_ABSTIME;
    if (p->blk.retry) return sleep_until(p, p->blk.deadline, abs ? 0 : a[3]);
    struct timespec req, now;
    if (host_clock(a[0], &c) || (a[1] & ~(uint64_t)G_TIMER_ABSTIME)) return -EINVAL;
    int rc = get_timespec(p, a[2], &req);
    if (rc) return rc;
    uint64_t deadline = k_now_ns();
    if (!abs) {
        deadline += ts_ns(&req);
    } else {
        if (clock_gettime(c, &now) < 0) return -EINVAL;
        if (ts_ns(&req) <= ts_ns(&now)) return 0;
        deadline += ts_ns(&req) - ts_ns(&now);
    }
    return sleep_until(p, deadline, abs ? 0 : a[3]);
}

int64_t k_temp_mask(struct k_proc *p, uint64_t addr)
{
    uint64_t set;
    if (k_copyin(p, &set, addr, 8)) return -EFAULT;
    p->saved_mask = p->sigmask;
    p->has_saved_mask = true;
    p->sigmask = set & ~((1ull << (SIGKILL - 1)) | (1ull << (SIGSTOP - 1)));
    return 0;
}

/* rt_sigsuspend(set, sigsetsize): wait for a signal with mask set; always
 * -EINTR, the old mask back after the handler (signal.c). */
int64_t sys_rt_sigsuspend(struct k_proc *p, const uint64_t a[6])
{
    if (!p->blk.retry) {
        if (a[1] != 8) return -EINVAL;
        int64_t rc = k_temp_mask(p, a[0]);
        if (rc) return rc;
    }
    return k_signal_interrupts(p) ? -EINTR : K_BLOCK;
}

/* sched_yield: the rest of the quantum goes to the next runnable process. */
int64_t sys_sched_yield(struct k_proc *p, const uint64_t a[6])
{
    p->yield = true;
    return 0;
}

/* getrandom(buf, len, flags) from the host, in chunks. */
int64_t sys_getrandom(struct k_proc *p, const uint64_t a[6])
{
    if (a[2] & ~(uint64_t)G_GRND_ALL) return -EINVAL;
    uint64_t len = a[1] > (1u << 25) ? (1u << 25) : a[1], done = 0;
    uint8_t buf[4096];
    while (done < len) {
        size_t n = len - done < sizeof buf ? len - done : sizeof buf;
        ssize_t got = getrandom(buf, n, 0);
        if (got <= 0) return done ? (int64_t)done : -EIO;
        if (k_copyout(p, a[0] + done, buf, (uint64_t)got)) return done ? (int64_t)done : -EFAULT;
        done += (uint64_t)got;
    }
    return (int64_t)done;
}

/* sysinfo(buf): the host's figures (the layouts of LP64 Linux agree); procs
 * counts the node's processes. */
int64_t sys_sysinfo(struct k_proc *p, const uint64_t a[6])
{
    _Static_assert(sizeof(struct sysinfo) == 112, "LP64 struct sysinfo");
    struct sysinfo si;
    if (sysinfo(&si) < 0) return -errno;
    si.procs = (unsigned short)p->k->nprocs;
    return k_copyout(p, a[0], &si, sizeof si) ? -EFAULT : 0;
}

/* Post sig to t as sent by process `sender` (si_code = code); sig 0 only checks. */
static void send(int sender, struct k_proc *t, int sig, int code)
{
    if (sig == 0 || t->state == K_ZOMBIE) return;
    siginfo_t si;
    memset(&si, 0, sizeof si);
    si.si_signo = sig;
    si.si_code = code;
    si.si_pid = sender;
    si.si_uid = getuid();
    k_signal_post(t, sig, &si);
}

int k_kill_local(struct k_kernel *k, int sender, int mode, int target, int sig)
{
    int hits = 0;
    for (struct k_proc *q = k->procs; q; q = q->next) {
        bool match;
        if (q->stub || k_proc_gone(q)) continue; /* its own node answers for a stub */
        switch (mode) {
        case K_KILL_PID: match = q->pid == target; break;
        case K_KILL_TID: match = q->pid == target && q->state != K_ZOMBIE; break;
        case K_KILL_GROUP: match = q->pgid == target; break;
        default: match = q->pid != sender; break;
        }
        if (!match) continue;
        hits++;
        send(sender, q, sig, mode == K_KILL_TID ? SI_TKILL : SI_USER);
    }
    return hits;
}

/* kill/tkill: the processes mode/target select, on this node and, when they
 * may be elsewhere, on the others (the caller sleeps until they answer).
 * ESRCH when nothing matched anywhere. */
static int64_t kill_where(struct k_proc *p, int mode, int target, int sig)
{
    struct k_kernel *k = p->k;
    if (p->rpc.id) { /* called again: the answers */
        if (p->rpc.waiting > 0) return K_BLOCK;
        int64_t hits = p->rpc.ret;
        k_rpc_end(p);
        return hits > 0 ? 0 : -ESRCH;
    }
    bool one = mode == K_KILL_PID || mode == K_KILL_TID;
    if (one && k_pid_remote(k, target)) {
        int rc = k_remote_kill(p, mode, target, sig);
        return rc ? rc : K_BLOCK;
    }
    int hits = k_kill_local(k, p->pid, mode, target, sig);
    if (one || !k->cfg.net || k->cfg.nodes < 2) return hits ? 0 : -ESRCH;
    int rc = k_remote_kill(p, mode, target, sig);
    if (rc) return rc;
    p->rpc.ret = hits;
    return K_BLOCK;
}

/*
 * kill(pid, sig): pid > 0 that process, on whichever node; 0 the caller's
 * process group; -1 every process of the job but the caller; < -1 the group
 * -pid (groups span nodes). ESRCH when nothing matched (zombies match, as on
 * Linux, and ignore it).
 */
int64_t sys_kill(struct k_proc *p, const uint64_t a[6])
{
    int32_t pid = (int32_t)a[0];
    int sig = (int)(int32_t)a[1];
    if (sig < 0 || sig > K_NSIG) return -EINVAL;
    if (pid == INT32_MIN) return -ESRCH;
    if (pid > 0) return kill_where(p, K_KILL_PID, pid, sig);
    if (pid == -1) return kill_where(p, K_KILL_ALL, 0, sig);
    return kill_where(p, K_KILL_GROUP, pid == 0 ? p->pgid : -pid, sig);
}

/* One thread per process: a tid is a pid. */
int64_t sys_tkill(struct k_proc *p, const uint64_t a[6])
{
    int32_t tid = (int32_t)a[0];
    int sig = (int)(int32_t)a[1];
    if (tid <= 0 || sig < 0 || sig > K_NSIG) return -EINVAL;
    return kill_where(p, K_KILL_TID, tid, sig);
}

/* tgkill(tgid, tid, sig) */
int64_t sys_tgkill(struct k_proc *p, const uint64_t a[6])
{
    if ((int32_t)a[0] <= 0 || (int32_t)a[1] <= 0) return -EINVAL;
    if ((int32_t)a[0] != (int32_t)a[1]) return -ESRCH;
    const uint64_t b[6] = {a[1], a[2], 0, 0, 0, 0};
    return sys_tkill(p, b);
}

/*
 * wait4(pid, wstatus, options, rusage): pid > 0 that child, -1 any, 0 any in
 * the caller's group, < -1 any in group -pid. A zombie is reaped: its status
 * (exit code << 8, or the signal with 0x80 for a core) and a zeroed rusage
 * are written. None ended yet: 0 with WNOHANG, else the caller sleeps until a
 * child ends (a signal: restart per SA_RESTART, else EINTR). No child matches:
 * ECHILD. WUNTRACED and WCONTINUED are accepted (nothing ever stops).
 */
int64_t sys_wait4(struct k_proc *p, const uint64_t a[6])
{
    int32_t pid = (int32_t)a[0];
    int opts = (int)a[2];
    if (opts & ~(G_WNOHANG | G_WUNTRACED | G_WCONTINUED | G_WNOTHREAD | G_WALL | G_WCLONE))
        return -EINVAL;
    if (pid == INT32_MIN) return -ESRCH;
    bool any = false;
    for (struct k_proc *q = p->k->procs; q; q = q->next) {
        if (!k_wait_match(q, p->pid, p->pgid, pid) || q->reap) continue; /* reap: not waitable */
        any = true;
        if (q->state != K_ZOMBIE) continue;
        int32_t st = q->wstatus;
        int64_t ru[18] = {0};
        if (a[1] && k_copyout(p, a[1], &st, sizeof st)) return -EFAULT;
        if (a[3] && k_copyout(p, a[3], ru, sizeof ru)) return -EFAULT;
        int got = q->pid;
        k_proc_free(q);
        return got;
    }
    if (!any) return -ECHILD;
    if (opts & G_WNOHANG) return 0;
    return k_signal_interrupts(p) ? K_ERESTART : K_BLOCK;
}
