/*
 * hooks.h — the narrow calls that go up the kernel's layers (docs/kernel.md
 * "Layers"), declared at the bottom so that a lower layer never includes a
 * higher layer's header. Each names who defines it and which lower file
 * calls it:
 *   k_copyin, k_copyout, k_vm_gaddr, k_vm_lookup, k_vm_ncache_dropped (vm.c)
 *       — gmem.c: the instruction a process stopped at (is it a cbo?), the
 *         global address of its access; the node cache's evictions reach
 *         the harts
 *   k_wake, k_signal_fault, k_proc_exit (proc.c, signal.c) — gmem.c: a
 *         reply wakes its process, an error reply is a fault; vm.c: a paging
 *         failure ends the process
 *   k_request_kill (kernel.c; public, in kernel.h) — gmem.c: a failed
 *         engine ends the node
 *   k_remote_abnormal (remote.c) — fd.c: an abnormal end marks the files on
 *         every node
 *   k_syscall, k_syscall_finish (syscall.c) — proc.c: the scheduler runs
 *         the system call a process stopped at, and finishes a sleeping one
 *   k_kill_local (sys_proc.c), k_info_local (sys_sym.c) — remote.c: another
 *         node's kill, pinfo, pmemaddr, pmemvect served here
 */
#ifndef SYMUNIX_KERNEL_HOOKS_H
#define SYMUNIX_KERNEL_HOOKS_H

#include "kernel/ktypes.h"

/* Copy between host and guest memory; 0 or -EFAULT (nothing is copied partially
 * into host memory the caller relies on). Protection is checked: copyout needs
 * W, copyin needs R. */
int k_copyin(struct k_proc *p, void *dst, uint64_t gsrc, uint64_t len);
int k_copyout(struct k_proc *p, uint64_t gdst, const void *src, uint64_t len);

/* The global address (net.h NET_GADDR) of vaddr in a global lseg: 0 or -EFAULT. */
int k_vm_gaddr(const struct k_proc *p, uint64_t vaddr, uint64_t *gaddr);

/* The node cache dropped global page `key`: every hart of the node forgets
 * its translations of it. */
void k_vm_ncache_dropped(struct k_kernel *k, uint64_t key);

/* Dispatch the ecall the process just made (a7 = number); writes a0. */
void k_syscall(struct k_proc *p);

/* Index of the region holding addr, or -1. */
int k_vm_lookup(const struct k_vm *vm, uint64_t addr);

/* A synchronous fault: delivers sig to the handler if the guest has one that is
 * not blocked, otherwise ends the process with sig. */
void k_signal_fault(struct k_proc *p, int sig, int code, uint64_t addr);

/* End the process (exit or fatal signal): sets ZOMBIE and wstatus, closes its
 * descriptors, frees its memory, hands its children to the initial process and
 * tells its parent (exit_signal, wake). */
void k_proc_exit(struct k_proc *p, int wstatus);

/* Make a SLEEPING process RUNNABLE (its call is retried); others unchanged. */
void k_wake(struct k_proc *p);

/* Finish a system call with result ret: a0 = ret, or for K_ERESTART a restart
 * (a0 = the call's first argument a0 again) or EINTR. */
void k_syscall_finish(struct k_proc *p, int64_t ret, uint64_t a0);

/* Post sig from sender pid to the processes of this node that mode/target
 * select (never a stand-in; K_KILL_ALL spares `sender`). The number matched. */
int k_kill_local(struct k_kernel *k, int sender, int mode, int target, int sig);

/* A process of this node ended abnormally holding the named image files
 * ids[2i] (st_dev), ids[2i+1] (st_ino), i < n: every other node marks them
 * (store_names_file_abnormal_id), so that their close actions see it. */
void k_remote_abnormal(struct k_kernel *k, const uint64_t *ids, size_t n);

/* sys_sym.c: the answer to an information call about process pid of this
 * node: kind K_INFO_* (ktypes.h); 0 and a malloc'd answer, or -errno
 * (-ESRCH...). K_INFO_SETPGID's arg: the new group, and K_SETPGID_EXISTS if the caller's
 * node has a live member of it; the answer is a struct k_ids after the change. */
#define K_SETPGID_EXISTS (1ull << 32)
struct k_ids { /* K_INFO_IDS' (and SETPGID's) answer: the pgid and sid of a live process */
    int32_t pgid, sid;
};
int k_info_local(struct k_kernel *k, int kind, int pid, uint64_t arg, void **out, size_t *len);

#endif /* SYMUNIX_KERNEL_HOOKS_H */
