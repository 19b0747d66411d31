/*
 * guest_abi.h — the Linux constants of the guest's ABI (riscv64, asm-generic
 * numbering) that the kernel's system calls decode: the G_* names, one place
 * for all of them. Private to kernel/: the guest's own programs take these
 * from their Linux headers (user/include/symunix/abi.h holds only what the
 * Symunix II calls add). The values are Linux's, written out so that the host's
 * differing values (x86_64's are mostly the same, not all) never leak in.
 */
#ifndef SYMUNIX_KERNEL_GUEST_ABI_H
#define SYMUNIX_KERNEL_GUEST_ABI_H

/* ---- Files (fd.c, sys_open.c, sys_rw.c, ...): *at calls, open, fcntl, ioctl, readv/writev - */

#define G_AT_FDCWD            (-100)
#define G_AT_SYMLINK_NOFOLLOW 0x100
#define G_AT_REMOVEDIR        0x200
#define G_AT_EACCESS          0x200
#define G_AT_SYMLINK_FOLLOW   0x400
#define G_AT_NO_AUTOMOUNT     0x800
#define G_AT_EMPTY_PATH       0x1000
#define G_AT_STATX_SYNC_TYPE  0x6000

#define G_O_ACCMODE   03
#define G_O_CLOEXEC   02000000
#define G_O_NONBLOCK  04000
#define G_O_APPEND    02000
#define G_O_DIRECT    040000
#define G_O_PATH      010000000
#define G_O_DIRECTORY 0200000
#define G_O_WRONLY    01
#define G_O_RDWR      02
#define G_O_TMPFILE   020000000
#define G_O_CREAT     0100

#define G_F_DUPFD         0
#define G_F_GETFD         1
#define G_F_SETFD         2
#define G_F_GETFL         3
#define G_F_SETFL         4
#define G_F_GETLK         5
#define G_F_SETLK         6
#define G_F_SETLKW        7
#define G_F_OFD_GETLK     36
#define G_F_OFD_SETLK     37
#define G_F_OFD_SETLKW    38
#define G_F_DUPFD_CLOEXEC 1030
#define G_F_SETPIPE_SZ    1031
#define G_F_GETPIPE_SZ    1032
#define G_FD_CLOEXEC      1

#define G_TCGETS     0x5401
#define G_TCSETS     0x5402
#define G_TCSETSW    0x5403
#define G_TCSETSF    0x5404
#define G_TIOCGWINSZ 0x5413
#define G_FIONREAD   0x541B

#define G_IOV_MAX 1024
/* Linux caps one transfer at INT_MAX rounded down to a page. */
#define G_MAX_RW       0x7ffff000ull
#define G_TERMIOS_SIZE 36 /* kernel struct termios: 4 x u32, c_line, c_cc[19] */
#define G_WINSIZE_SIZE 8  /* 4 x u16 */

/* ---- Memory (sys_mem.c) ---------------------------------------------------- */

/* mmap, mprotect, msync, madvise, mremap. */
enum {
    G_PROT_MASK = 0x7,
    G_MAP_SHARED = 0x01,
    G_MAP_PRIVATE = 0x02,
    G_MAP_SHARED_VALIDATE = 0x03,
    G_MAP_TYPE = 0x0f,
    G_MAP_FIXED = 0x10,
    G_MAP_ANONYMOUS = 0x20,
    G_MAP_FIXED_NOREPLACE = 0x100000,
    /* flags accepted and ignored: GROWSDOWN DENYWRITE EXECUTABLE LOCKED NORESERVE
     * POPULATE NONBLOCK STACK SYNC */
    G_MAP_KNOWN = 0x0100 | 0x0800 | 0x1000 | 0x2000 | 0x4000 | 0x8000 | 0x10000 | 0x20000 |
                  0x80000 | G_MAP_TYPE | G_MAP_FIXED | G_MAP_ANONYMOUS | G_MAP_FIXED_NOREPLACE,
    G_MS_ASYNC = 1,
    G_MS_INVALIDATE = 2,
    G_MS_SYNC = 4,
    G_MADV_DONTNEED = 4,
    G_MADV_FREE = 8,
    G_MREMAP_MAYMOVE = 1,
};

/* ---- Signals (signal.c) ---------------------------------------------------- */

/* sigaction, sigaltstack, sigprocmask. */
enum {
    G_SIG_DFL = 0,
    G_SIG_IGN = 1,
    G_SA_SIGINFO = 0x4,
    G_SA_RESTART = 0x10000000,
    G_SA_ONSTACK = 0x08000000,
    G_SA_NODEFER = 0x40000000,
    G_SA_RESETHAND = (int)0x80000000u,
    G_SS_ONSTACK = 1,
    G_SS_DISABLE = 2,
    G_MINSIGSTKSZ = 2048,
    G_SIG_BLOCK = 0,
    G_SIG_UNBLOCK = 1,
    G_SIG_SETMASK = 2,
};
#define G_SS_AUTODISARM (1u << 31)

/* ---- Processes (proc.c, sys_proc.c) ---------------------------------------- */

/* Linux clone flags (include/uapi/linux/sched.h). */
enum {
    G_CSIGNAL = 0xff,
    G_CLONE_VM = 0x100,
    G_CLONE_FS = 0x200,
    G_CLONE_FILES = 0x400,
    G_CLONE_SIGHAND = 0x800,
    G_CLONE_PIDFD = 0x1000,
    G_CLONE_PTRACE = 0x2000,
    G_CLONE_VFORK = 0x4000,
    G_CLONE_PARENT = 0x8000,
    G_CLONE_THREAD = 0x10000,
    G_CLONE_SYSVSEM = 0x40000,
    G_CLONE_SETTLS = 0x80000,
    G_CLONE_PARENT_SETTID = 0x100000,
    G_CLONE_CHILD_CLEARTID = 0x200000,
    G_CLONE_DETACHED = 0x400000,
    G_CLONE_UNTRACED = 0x800000,
    G_CLONE_CHILD_SETTID = 0x1000000,
};

/* futex, clock_nanosleep, getrandom, getrusage. */
enum {
    G_FUTEX_WAIT = 0,
    G_FUTEX_WAKE = 1,
    G_FUTEX_WAIT_BITSET = 9,
    G_FUTEX_WAKE_BITSET = 10,
    G_FUTEX_CMD_MASK = 0x7f,
    G_FUTEX_PRIVATE = 128,
    G_FUTEX_CLOCK_REALTIME = 256,
    G_TIMER_ABSTIME = 1,
    G_GRND_ALL = 0x7, /* NONBLOCK | RANDOM | INSECURE */
    G_RUSAGE_SELF = 0,
    G_RUSAGE_CHILDREN = -1,
    G_RUSAGE_THREAD = 1,
};

/* Linux wait4 options. */
enum {
    G_WNOHANG = 1,
    G_WUNTRACED = 2,
    G_WCONTINUED = 8,
    G_WNOTHREAD = 0x20000000,
    G_WALL = 0x40000000,
    G_WCLONE = (int)0x80000000u,
};

#endif /* SYMUNIX_KERNEL_GUEST_ABI_H */
