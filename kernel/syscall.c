/*
 * syscall.c — system-call dispatch, as in xv6: one table indexed by the Linux
 * riscv64 syscall numbers (asm-generic/unistd.h), a second one for the Symunix
 * II calls in their own range (user/include/symunix.h: SYM_NR_BASE up),
 * arguments in a0..a5, number in a7, result back in a0. Unknown numbers answer
 * -ENOSYS and are counted per number in the kernel's statistics so a run can
 * report what a program missed.
 */
#include <errno.h>

#include "kernel/sys_file.h"
#include "symunix/abi.h"

/* Linux riscv64 syscall numbers (asm-generic numbering). */
enum {
    NR_getcwd = 17,
    NR_dup = 23,
    NR_dup3 = 24,
    NR_fcntl = 25,
    NR_ioctl = 29,
    NR_mkdirat = 34,
    NR_unlinkat = 35,
    NR_symlinkat = 36,
    NR_linkat = 37,
    NR_truncate = 45,
    NR_ftruncate = 46,
    NR_faccessat = 48,
    NR_chdir = 49,
    NR_fchdir = 50,
    NR_fchmod = 52,
    NR_fchmodat = 53,
    NR_openat = 56,
    NR_close = 57,
    NR_pipe2 = 59,
    NR_getdents64 = 61,
    NR_lseek = 62,
    NR_read = 63,
    NR_write = 64,
    NR_readv = 65,
    NR_writev = 66,
    NR_pread64 = 67,
    NR_pwrite64 = 68,
    NR_readlinkat = 78,
    NR_newfstatat = 79,
    NR_fstat = 80,
    NR_fsync = 82,
    NR_fdatasync = 83,
    NR_utimensat = 88,
    NR_exit = 93,
    NR_exit_group = 94,
    NR_set_tid_address = 96,
    NR_futex = 98,
    NR_set_robust_list = 99,
    NR_pselect6 = 72,
    NR_ppoll = 73,
    NR_nanosleep = 101,
    NR_getitimer = 102,
    NR_setitimer = 103,
    NR_clock_gettime = 113,
    NR_clock_getres = 114,
    NR_clock_nanosleep = 115,
    NR_sched_yield = 124,
    NR_kill = 129,
    NR_tkill = 130,
    NR_tgkill = 131,
    NR_sigaltstack = 132,
    NR_rt_sigsuspend = 133,
    NR_rt_sigaction = 134,
    NR_rt_sigprocmask = 135,
    NR_rt_sigpending = 136,
    NR_rt_sigreturn = 139,
    NR_getresuid = 148,
    NR_getresgid = 150,
    NR_setpgid = 154,
    NR_getpgid = 155,
    NR_getsid = 156,
    NR_uname = 160,
    NR_getrlimit = 163,
    NR_setrlimit = 164,
    NR_getrusage = 165,
    NR_umask = 166,
    NR_gettimeofday = 169,
    NR_getpid = 172,
    NR_getppid = 173,
    NR_getuid = 174,
    NR_geteuid = 175,
    NR_getgid = 176,
    NR_getegid = 177,
    NR_gettid = 178,
    NR_sysinfo = 179,
    NR_brk = 214,
    NR_munmap = 215,
    NR_mremap = 216,
    NR_clone = 220,
    NR_execve = 221,
    NR_mmap = 222,
    NR_mprotect = 226,
    NR_msync = 227,
    NR_madvise = 233,
    NR_wait4 = 260,
    NR_prlimit64 = 261,
    NR_renameat2 = 276,
    NR_getrandom = 278,
    NR_statx = 291,
    NR_rseq = 293,
    NR_faccessat2 = 439,
    NR_MAX = 512,
};

static const k_syscall_fn table[NR_MAX] = {
    /* files and descriptors: fd.c, sys_open.c, sys_rw.c, sys_stat.c, sys_names.c, sys_path.c */
    [NR_getcwd] = sys_getcwd,
    [NR_dup] = sys_dup,
    [NR_dup3] = sys_dup3,
    [NR_fcntl] = sys_fcntl,
    [NR_ioctl] = sys_ioctl,
    [NR_mkdirat] = sys_mkdirat,
    [NR_unlinkat] = sys_unlinkat,
    [NR_symlinkat] = sys_symlinkat,
    [NR_linkat] = sys_linkat,
    [NR_renameat2] = sys_renameat2,
    [NR_truncate] = sys_truncate,
    [NR_ftruncate] = sys_ftruncate,
    [NR_faccessat] = sys_faccessat,
    [NR_faccessat2] = sys_faccessat2,
    [NR_chdir] = sys_chdir,
    [NR_fchdir] = sys_fchdir,
    [NR_fchmod] = sys_fchmod,
    [NR_fchmodat] = sys_fchmodat,
    [NR_openat] = sys_openat,
    [NR_close] = sys_close,
    [NR_pipe2] = sys_pipe2,
    [NR_getdents64] = sys_getdents64,
    [NR_lseek] = sys_lseek,
    [NR_read] = sys_read,
    [NR_write] = sys_write,
    [NR_readv] = sys_readv,
    [NR_writev] = sys_writev,
    [NR_pread64] = sys_pread64,
    [NR_pwrite64] = sys_pwrite64,
    [NR_readlinkat] = sys_readlinkat,
    [NR_newfstatat] = sys_newfstatat,
    [NR_fstat] = sys_fstat,
    [NR_fsync] = sys_fsync,
    [NR_fdatasync] = sys_fdatasync,
    [NR_utimensat] = sys_utimensat,
    [NR_statx] = sys_statx,
    [NR_umask] = sys_umask,

    /* memory: sys_mem.c */
    [NR_brk] = sys_brk,
    [NR_mmap] = sys_mmap,
    [NR_munmap] = sys_munmap,
    [NR_mprotect] = sys_mprotect,
    [NR_madvise] = sys_madvise,
    [NR_msync] = sys_msync,
    [NR_mremap] = sys_mremap,

    /* processes, ids, time: sys_proc.c */
    [NR_exit] = sys_exit,
    [NR_exit_group] = sys_exit_group,
    [NR_set_tid_address] = sys_set_tid_address,
    [NR_set_robust_list] = sys_set_robust_list,
    [NR_futex] = sys_futex,
    [NR_getpid] = sys_getpid,
    [NR_getppid] = sys_getppid,
    [NR_gettid] = sys_gettid,
    [NR_getuid] = sys_getuid,
    [NR_geteuid] = sys_geteuid,
    [NR_getgid] = sys_getgid,
    [NR_getegid] = sys_getegid,
    [NR_getresuid] = sys_getresuid,
    [NR_getresgid] = sys_getresgid,
    [NR_getpgid] = sys_getpgid,
    [NR_setpgid] = sys_setpgid,
    [NR_getsid] = sys_getsid,
    [NR_uname] = sys_uname,
    [NR_prlimit64] = sys_prlimit64,
    [NR_getrlimit] = sys_getrlimit,
    [NR_setrlimit] = sys_setrlimit,
    [NR_getrusage] = sys_getrusage,
    [NR_clock_gettime] = sys_clock_gettime,
    [NR_clock_getres] = sys_clock_getres,
    [NR_gettimeofday] = sys_gettimeofday,
    [NR_nanosleep] = sys_nanosleep,
    [NR_clock_nanosleep] = sys_clock_nanosleep,
    [NR_sched_yield] = sys_sched_yield,
    [NR_getrandom] = sys_getrandom,
    [NR_sysinfo] = sys_sysinfo,
    [NR_kill] = sys_kill,
    [NR_tkill] = sys_tkill,
    [NR_tgkill] = sys_tgkill,
    [NR_wait4] = sys_wait4,
    [NR_rt_sigsuspend] = sys_rt_sigsuspend,
    /* poll and select: sys_poll.c; interval timers: itimer.c */
    [NR_ppoll] = sys_ppoll,
    [NR_pselect6] = sys_pselect6,
    [NR_getitimer] = sys_getitimer,
    [NR_setitimer] = sys_setitimer,
    /* processes: proc.c, exec.c */
    [NR_clone] = sys_clone,
    [NR_execve] = sys_execve,
    /* NR_clone3: ENOSYS on purpose; glibc then falls back to clone.
     * NR_rseq: ENOSYS on purpose; glibc then runs without restartable sequences. */

    /* signals: signal.c */
    [NR_rt_sigaction] = sys_rt_sigaction,
    [NR_rt_sigprocmask] = sys_rt_sigprocmask,
    [NR_rt_sigpending] = sys_rt_sigpending,
    [NR_rt_sigreturn] = sys_rt_sigreturn,
    [NR_sigaltstack] = sys_sigaltstack,
};

/* The Symunix II calls, indexed by number - SYM_NR_BASE. */
static const k_syscall_fn sym_table[SYM_NR_LIMIT - SYM_NR_BASE] = {
    [SYM_NR_mapin - SYM_NR_BASE] = sys_mapin,
    [SYM_NR_mapout - SYM_NR_BASE] = sys_mapout,
    [SYM_NR_mapctl - SYM_NR_BASE] = sys_mapctl,
    [SYM_NR_pinfo - SYM_NR_BASE] = sys_pinfo,
    [SYM_NR_pmemaddr - SYM_NR_BASE] = sys_pmemaddr,
    [SYM_NR_pmemvect - SYM_NR_BASE] = sys_pmemvect,
    [SYM_NR_mkrefdir - SYM_NR_BASE] = sys_mkrefdir,
    [SYM_NR_fmkrefdir - SYM_NR_BASE] = sys_fmkrefdir,
    [SYM_NR_rmrefdir - SYM_NR_BASE] = sys_rmrefdir,
    [SYM_NR_fdname - SYM_NR_BASE] = sys_fdname,
    [SYM_NR_pdup - SYM_NR_BASE] = sys_pdup,
    [SYM_NR_spawn - SYM_NR_BASE] = sys_spawn,
    /* filled as the calls are implemented (the memory-management issue) */
};

/* Count an unknown call by number (the first 32 distinct numbers are kept). */
static void count_enosys(struct k_stats *s, int nr)
{
    s->enosys++;
    for (int i = 0; i < s->enosys_distinct; i++) {
        if (s->enosys_nr[i] == nr) {
            s->enosys_count[i]++;
            return;
        }
    }
    if (s->enosys_distinct < 32) {
        s->enosys_nr[s->enosys_distinct] = nr;
        s->enosys_count[s->enosys_distinct++] = 1;
    }
}

void k_syscall(struct k_proc *p)
{
    struct rv_state *st = rv_state(p->hart);
    uint64_t nr = st->x[17];
    uint64_t args[6]; /* a copy: a handler may rewrite the registers (rt_sigreturn) */
    int64_t ret;
    for (int i = 0; i < 6; i++)
        args[i] = st->x[10 + i];
    p->k->stats.syscalls++;
    k_syscall_fn fn = NULL;
    if (nr < NR_MAX)
        fn = table[nr];
    else if (nr >= SYM_NR_BASE && nr < SYM_NR_LIMIT)
        fn = sym_table[nr - SYM_NR_BASE];
    if (fn) {
        ret = fn(p, args);
    } else {
        count_enosys(&p->k->stats, nr <= INT32_MAX ? (int)nr : -1);
        ret = -ENOSYS;
    }
    if (ret == K_BLOCK) { /* sleeps: proc.c calls it again when woken */
        if (!p->blk.fn) {
            p->blk.fn = fn;
            for (int i = 0; i < 6; i++)
                p->blk.a[i] = args[i];
        }
        p->state = K_SLEEPING;
        k_note_sleep(p);
        return;
    }
    k_syscall_finish(p, ret, args[0]);
}

/* K_ERESTART: after a handler with SA_RESTART the call runs again (a0 and the
 * pc of the ecall back, as Linux does), else it fails with EINTR. */
void k_syscall_finish(struct k_proc *p, int64_t ret, uint64_t a0)
{
    struct rv_state *st = rv_state(p->hart);
    if (p->state == K_ZOMBIE) return;
    if (ret == K_ERESTART) {
        int sig = k_signal_next(p);
        if (!sig || k_signal_restarts(p, sig)) {
            st->pc -= 4; /* ecall has no compressed form */
            st->x[10] = a0;
            return;
        }
        ret = -EINTR;
    }
    st->x[10] = (uint64_t)ret;
}
