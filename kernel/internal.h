/*
 * internal.h — shared by the files of kernel/ only: the process structure, the
 * copyin/copyout discipline, the descriptor table and the system-call handler
 * signature. Nothing outside kernel/ includes this file.
 *
 * Who touches what in struct k_proc:
 *   vm, brk           — vm.c, sys_mem.c, elf.c (exec)
 *   files, cwd        — sys_file.c (and exec for close-on-exec)
 *   sig*              — signal.c, sys_proc.c
 *   the rest          — kernel.c, sys_proc.c
 */
#ifndef SYMUNIX_KERNEL_INTERNAL_H
#define SYMUNIX_KERNEL_INTERNAL_H

#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "kernel/kernel.h"
#include "node/node.h"

struct store;

/* ---- Address space (vm.c) ------------------------------------------------ */

/* One mapped range of guest virtual memory, backed by host memory from mmap. */
struct k_region {
    uint64_t start, end; /* page-aligned guest range [start, end) */
    unsigned prot;       /* RV_PROT_* */
    uint8_t *host;       /* host address of `start` */
    uint64_t host_len;   /* length of the host mapping that `host` begins */
    int kind;            /* K_REGION_* */
};
enum { K_REGION_ANON = 0, K_REGION_FILE_SHARED, K_REGION_FILE_PRIVATE, K_REGION_STACK,
       K_REGION_BRK, K_REGION_TRAMPOLINE };

struct k_vm {
    struct k_region *r; /* sorted by start, disjoint */
    int n, cap;
    uint64_t brk_start, brk_cur; /* program break */
    uint64_t mmap_base;          /* next top-down mmap hint */
};

/* ---- Descriptors (sys_file.c) -------------------------------------------- */

#define K_NFILE 1024

/* An open file description. Shared by dup'ed descriptors (refs counts them). */
struct k_file {
    int hostfd;
    int refs;
    char *dirpath; /* guest absolute path when this is a directory, else NULL */
};
struct k_fdent {
    struct k_file *f; /* NULL = free slot */
    int cloexec;
};

/* ---- Signals (signal.c) -------------------------------------------------- */

#define K_NSIG 64
struct k_sigaction {
    uint64_t handler; /* guest address, or SIG_DFL (0) / SIG_IGN (1) */
    uint64_t flags;   /* SA_* as on Linux riscv64 */
    uint64_t mask;    /* blocked during the handler (bit n-1 = signal n) */
};

/* ---- The process --------------------------------------------------------- */

enum k_pstate { K_EMBRYO = 0, K_RUNNABLE, K_RUNNING, K_ZOMBIE };

struct k_proc {
    struct k_kernel *k;
    int pid, ppid, pgid;
    enum k_pstate state;
    int wstatus; /* valid when ZOMBIE */
    rv_hart *hart;
    struct k_vm vm;

    struct k_fdent fd[K_NFILE];
    char cwd[PATH_MAX]; /* guest absolute path, normalised, no trailing '/' except "/" */
    char exe[PATH_MAX]; /* what readlink("/proc/self/exe") answers */

    struct k_sigaction sigact[K_NSIG + 1];
    uint64_t sigmask;        /* blocked signals */
    uint64_t sigpending;     /* pending, not yet delivered */
    siginfo_t siginfo[K_NSIG + 1]; /* info of each pending signal (host layout, converted on delivery) */
    uint64_t altstack_sp, altstack_size;
    int altstack_flags;

    uint64_t clear_child_tid; /* set_tid_address */
    uint64_t robust_list;
};

struct k_kernel {
    struct k_config cfg;
    struct k_proc *init; /* the initial process (one per node for now) */
    int next_pid;
    struct k_stats stats;
    volatile sig_atomic_t kill_sig; /* set by k_request_kill */
};

/* ---- Guest memory access (vm.c): the only way kernel code touches guest memory. */

/* Copy between host and guest memory; 0 or -EFAULT (nothing is copied partially
 * into host memory the caller relies on). Protection is checked: copyout needs
 * W, copyin needs R. */
int k_copyin(struct k_proc *p, void *dst, uint64_t gsrc, uint64_t len);
int k_copyout(struct k_proc *p, uint64_t gdst, const void *src, uint64_t len);
/* Copy a NUL-terminated string of at most max-1 bytes; -EFAULT or -ENAMETOOLONG. */
int k_copyin_str(struct k_proc *p, char *dst, uint64_t gsrc, uint64_t max);

/* The hart's translate hook (ctx is the struct k_proc). */
int k_vm_translate(void *ctx, uint64_t vaddr, enum rv_access access, struct rv_page *out);

/* ---- Descriptors (sys_file.c) ---------------------------------------------- */

/* Host fd behind guest fd, or -EBADF. */
int k_fd_host(struct k_proc *p, int fd);
/* Set up fds 0, 1, 2 on the host's and cwd "/" for a new initial process. */
int k_files_init(struct k_proc *p);
/* Close every descriptor (exit) / the close-on-exec ones (exec). */
void k_files_close_all(struct k_proc *p);
void k_files_close_on_exec(struct k_proc *p);

/* ---- System calls (syscall.c dispatches; sys_*.c implement) -------------- */

/* A handler gets the six argument registers and returns the value for a0
 * (a negative Linux errno on failure). */
typedef int64_t (*k_syscall_fn)(struct k_proc *p, const uint64_t a[6]);

/* Dispatch the ecall the process just made (a7 = number); writes a0. */
void k_syscall(struct k_proc *p);

/* ---- Signals (signal.c) --------------------------------------------------- */

/* Make signal `sig` pending for p with the given info (si_code, si_addr...). */
void k_signal_post(struct k_proc *p, int sig, const siginfo_t *info);
/* Before returning to the guest: deliver one pending unblocked signal, by
 * default action or by building a frame for the handler. */
void k_signal_deliver(struct k_proc *p);
/* End the process (exit or fatal signal): sets ZOMBIE and wstatus. */
void k_proc_exit(struct k_proc *p, int wstatus);

#endif /* SYMUNIX_KERNEL_INTERNAL_H */
