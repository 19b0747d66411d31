/*
 * syscalls.h — layer 5 of kernel/, the top (docs/kernel.md "Layers"): the
 * system-call handlers of syscall.c's tables implemented in sys_*.c and
 * exec.c (the file calls' are in sys_file.h). A handler may call every layer
 * below it; nothing below calls a handler except through hooks.h.
 */
#ifndef SYMUNIX_KERNEL_SYSCALLS_H
#define SYMUNIX_KERNEL_SYSCALLS_H

#include "kernel/proc.h"

/* sys_proc.c: put live process t of this node in group pgid, which must be
 * t's pid, have a live member here, or (exists_elsewhere) on the caller's
 * node. 0 or -EPERM. */
int k_setpgid_here(struct k_proc *t, int32_t pgid, bool exists_elsewhere);

/* The answer of kind about process pid (0: the caller), computed here or
 * asked of its node: K_BLOCK while the caller sleeps for the reply (the
 * handler is called again). 0 with *ans (malloc'd) and *len, or -errno. */
int64_t k_info_get(struct k_proc *p, int kind, uint64_t pid, uint64_t arg, void **ans, size_t *len);

/* sys_mem.c */
int64_t sys_brk(struct k_proc *p, const uint64_t a[6]);
int64_t sys_mmap(struct k_proc *p, const uint64_t a[6]);
int64_t sys_munmap(struct k_proc *p, const uint64_t a[6]);
int64_t sys_mprotect(struct k_proc *p, const uint64_t a[6]);
int64_t sys_madvise(struct k_proc *p, const uint64_t a[6]);
int64_t sys_msync(struct k_proc *p, const uint64_t a[6]);
int64_t sys_mremap(struct k_proc *p, const uint64_t a[6]);

/* sys_proc.c */
int64_t sys_exit(struct k_proc *p, const uint64_t a[6]);
int64_t sys_exit_group(struct k_proc *p, const uint64_t a[6]);
int64_t sys_set_tid_address(struct k_proc *p, const uint64_t a[6]);
int64_t sys_set_robust_list(struct k_proc *p, const uint64_t a[6]);
int64_t sys_futex(struct k_proc *p, const uint64_t a[6]);
int64_t sys_getpid(struct k_proc *p, const uint64_t a[6]);
int64_t sys_getppid(struct k_proc *p, const uint64_t a[6]);
int64_t sys_gettid(struct k_proc *p, const uint64_t a[6]);
int64_t sys_getuid(struct k_proc *p, const uint64_t a[6]);
int64_t sys_geteuid(struct k_proc *p, const uint64_t a[6]);
int64_t sys_getgid(struct k_proc *p, const uint64_t a[6]);
int64_t sys_getegid(struct k_proc *p, const uint64_t a[6]);
int64_t sys_getresuid(struct k_proc *p, const uint64_t a[6]);
int64_t sys_getresgid(struct k_proc *p, const uint64_t a[6]);
int64_t sys_getpgid(struct k_proc *p, const uint64_t a[6]);
int64_t sys_setpgid(struct k_proc *p, const uint64_t a[6]);
int64_t sys_getsid(struct k_proc *p, const uint64_t a[6]);
int64_t sys_uname(struct k_proc *p, const uint64_t a[6]);
int64_t sys_prlimit64(struct k_proc *p, const uint64_t a[6]);
int64_t sys_getrlimit(struct k_proc *p, const uint64_t a[6]);
int64_t sys_setrlimit(struct k_proc *p, const uint64_t a[6]);
int64_t sys_getrusage(struct k_proc *p, const uint64_t a[6]);
int64_t sys_clock_gettime(struct k_proc *p, const uint64_t a[6]);
int64_t sys_clock_getres(struct k_proc *p, const uint64_t a[6]);
int64_t sys_gettimeofday(struct k_proc *p, const uint64_t a[6]);
int64_t sys_nanosleep(struct k_proc *p, const uint64_t a[6]);
int64_t sys_clock_nanosleep(struct k_proc *p, const uint64_t a[6]);
int64_t sys_sched_yield(struct k_proc *p, const uint64_t a[6]);
int64_t sys_getrandom(struct k_proc *p, const uint64_t a[6]);
int64_t sys_sysinfo(struct k_proc *p, const uint64_t a[6]);
int64_t sys_kill(struct k_proc *p, const uint64_t a[6]);
int64_t sys_tkill(struct k_proc *p, const uint64_t a[6]);
int64_t sys_tgkill(struct k_proc *p, const uint64_t a[6]);
int64_t sys_wait4(struct k_proc *p, const uint64_t a[6]);
int64_t sys_rt_sigsuspend(struct k_proc *p, const uint64_t a[6]);

/* Swap in a temporary signal mask (sigsuspend, ppoll, pselect6) from the
 * guest set at addr (saved_mask keeps the old one). 0 or -EFAULT. */
int64_t k_temp_mask(struct k_proc *p, uint64_t addr);

/* sys_poll.c */
int64_t sys_ppoll(struct k_proc *p, const uint64_t a[6]);
int64_t sys_pselect6(struct k_proc *p, const uint64_t a[6]);

/* exec.c */
int64_t sys_execve(struct k_proc *p, const uint64_t a[6]);

/* sys_sym.c: the Symunix II memory calls */
int64_t sys_mapin(struct k_proc *p, const uint64_t a[6]);
int64_t sys_mapout(struct k_proc *p, const uint64_t a[6]);
int64_t sys_mapctl(struct k_proc *p, const uint64_t a[6]);
int64_t sys_pinfo(struct k_proc *p, const uint64_t a[6]);
int64_t sys_pmemaddr(struct k_proc *p, const uint64_t a[6]);
int64_t sys_pmemvect(struct k_proc *p, const uint64_t a[6]);

#endif /* SYMUNIX_KERNEL_SYSCALLS_H */
