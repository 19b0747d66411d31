/*
 * proc.h — layer 4 of kernel/ (docs/kernel.md "Layers"): processes
 * (proc.c: allocation, run queue, scheduler, sleeping calls, clone and
 * spawn, the end of a process; signal.c; itimer.c; remote.c: processes
 * across nodes; core.c; migrate.c: a process shipped to another node;
 * kernel.c: the kernel's life cycle). Below it: descriptors, address spaces,
 * the global-memory client. The sys_* handlers declared here are implemented
 * in this layer (they are the process calls proc.c, signal.c, itimer.c hold).
 */
#ifndef SYMUNIX_KERNEL_PROC_H
#define SYMUNIX_KERNEL_PROC_H

#include "kernel/files.h"

/* Map the signal trampoline page (li a7,139; ecall) at K_TRAMP_ADDR. */
int k_signal_map_trampoline(struct k_proc *p);

/* Make signal `sig` pending for p with the given info (si_code, si_addr...). */
void k_signal_post(struct k_proc *p, int sig, const siginfo_t *info);

/* Before returning to the guest: deliver one pending unblocked signal, by
 * default action or by building a frame for the handler. */
void k_signal_deliver(struct k_proc *p);

/* The signal k_signal_deliver would act on next (0: none); does p's action for
 * sig ask for restarting an interrupted call (a handler with SA_RESTART)? */
int k_signal_next(const struct k_proc *p);
bool k_signal_restarts(const struct k_proc *p, int sig);

/* Would a pending signal interrupt a sleeping call now? */
static inline bool k_signal_interrupts(const struct k_proc *p)
{
    return k_signal_next(p) != 0;
}

/* exec: handled signals go back to their default action; the alternate stack
 * and a sigsuspend mask are forgotten. */
void k_signal_exec_reset(struct k_proc *p);

/* FIFO opens (fifo.c): sys_openat's host open of guest path g; a blocking
 * open of a FIFO sleeps (K_BLOCK) until the other end is opened, never
 * holding the node; called again while it sleeps. Returns the host fd,
 * -errno, K_BLOCK or K_ERESTART. k_fifo_abandon: the process ends while it
 * waits (nothing leaks; the waiter leaves the FIFO). */
int64_t k_fifo_open(struct k_proc *p, struct store *st, const char *g, int hflags, mode_t mode);
void k_fifo_abandon(struct k_proc *p);

/* proc.c: a new EMBRYO process with a pid, a hart and default limits, linked
 * into k->procs (NULL: out of memory); unlink and release one (not RUNNING). */
struct k_proc *k_proc_new(struct k_kernel *k);
void k_proc_free(struct k_proc *p);

/* The process with this pid on the node (any state), or NULL. */
struct k_proc *k_proc_find(struct k_kernel *k, int pid);

/* The run queue: FIFO; push is a no-op for a process already queued. */
void k_rq_push(struct k_kernel *k, struct k_proc *p);
struct k_proc *k_rq_pop(struct k_kernel *k);
void k_rq_remove(struct k_kernel *k, struct k_proc *p);

/* Nobody will wait for p: free it once it is a zombie (the sweep's hint set). */
void k_reap_later(struct k_proc *p);

/* p went to sleep in a call (state K_SLEEPING, blk set): the scheduler's hints. */
void k_note_sleep(struct k_proc *p);

/* p has something due at `when` (CLOCK_MONOTONIC ns): a sleep's deadline or
 * its ITIMER_REAL. It goes on k_kernel.timed and the timer hint is kept true,
 * so that the scheduler wakes for it even when every process sleeps. */
void k_timed_add(struct k_proc *p, uint64_t when);

/* p leaves the list of timed sleepers (it is being freed). */
void k_untime(struct k_proc *p);

/* Does wait4(pid, ...) by `parent` (pid, pgid) select `child`? */
bool k_wait_match(const struct k_proc *child, int parent_pid, int parent_pgid, int pid);

/* CLOCK_MONOTONIC in ns. */
uint64_t k_now_ns(void);

/* Run every process of the node until none is left alive (k_run's loop). */
void k_sched_run(struct k_kernel *k);

/* Is the pid one of another node's of this job? */
bool k_pid_remote(const struct k_kernel *k, int pid);

/* Between turns and while idle: take the messages of other nodes and act on
 * them; settle this node's part of the job's termination. */
void k_remote_poll(struct k_kernel *k);

/* Is this node's part of the job over (node 0: the job; others: announced)? */
bool k_remote_done(struct k_kernel *k);

/* proc.c's notify_parent for a process whose parent is on another node:
 * the exit goes there. */
void k_remote_exit(struct k_proc *p);

/* A stand-in's parent ended: tell node, where child pid runs, its new parent
 * (0: none, it is reaped when it ends). */
void k_remote_reparent(struct k_kernel *k, int pid, int node, int ppid);

/* spawn's remote part: send the children of `idx` (indexes 1..n, count m)
 * that go to node `node`; the caller sleeps until every node answered. */
int k_remote_spawn(struct k_proc *p, int node, const uint8_t *img, size_t len, const int32_t *idx,
                   int m, int exit_signal);

/* Start a request (a fresh p->rpc.id) expecting `replies` answers. */
void k_rpc_begin(struct k_proc *p, int replies);

/* Forget p's request (its end, or the answers consumed). */
void k_rpc_end(struct k_proc *p);

/* kill/tkill on another node's process or group: mode K_KILL_*; the
 * caller sleeps; the result is in p->rpc.ret (hits, or -errno) when
 * p->rpc.waiting is 0. Returns 0 or -errno (the request could not be sent). */
enum { K_KILL_PID = 1, K_KILL_TID, K_KILL_GROUP, K_KILL_ALL };
int k_remote_kill(struct k_proc *p, int mode, int target, int sig);

/* Send sig to process pid on its node, not waiting for the answer. */
void k_remote_kill_send(struct k_kernel *k, int sender, int pid, int sig);

/* pinfo, pmemaddr, pmemvect on another node's process: the answer (as
 * sys_sym.c's k_info_local makes it) comes back in p->rpc.data. */
int k_remote_info(struct k_proc *p, int kind, int pid, uint64_t arg);

/* pdup(pid, fd) for a process of another node: the file reopened there
 * (k_file_ship_one); the caller sleeps, called again for the answer.
 * K_BLOCK, or the descriptor number in pid's table, or -errno. */
int64_t k_remote_pdup(struct k_proc *p, int pid, int fd);

/* getdents64 of the directory (dev, ino): every other node names its lazy
 * anonymous files there (k_files_name_dir); the caller sleeps until all
 * answered (p->rpc.waiting 0). 0 or -errno (not sent). */
int k_remote_namedir(struct k_proc *p, uint64_t dev, uint64_t ino);

/* proc.c: what notify_parent does for a child that ended (a stand-in whose
 * child's exit came in, too). */
void k_notify_parent(struct k_proc *p);

/* A stand-in for child pid running on node `node`, linked into k->procs
 * (not counted alive). NULL: out of memory. */
struct k_proc *k_stub_new(struct k_kernel *k, int pid, int node);

/* The stand-in of remote child pid (any state), or NULL. */
struct k_proc *k_stub_find(struct k_kernel *k, int pid);

/* Is sig one whose default action dumps core? */
bool k_core_signal(int sig);

/* Write "core.<pid>" describing p (about to end with wstatus; the signal's
 * si_code and si_addr) into p's "@image" directory. 0 or a negative errno;
 * never prints. Call before k_proc_exit (the descriptors are still open). */
int k_core_dump(struct k_proc *p, int wstatus, int code, uint64_t addr);

/* itimer.c: the calls, and what the scheduler (proc.c) asks of the timers. */
int64_t sys_setitimer(struct k_proc *p, const uint64_t a[6]);
int64_t sys_getitimer(struct k_proc *p, const uint64_t a[6]);

/* p's ITIMER_REAL is due (real_due <= now): SIGALRM, and the next expiry
 * after now by its interval (or disarmed); a zombie's timer is disarmed. */
void k_itimer_fire(struct k_proc *p, uint64_t now);

/* The most instructions p may run before a CPU timer expires: budget, or
 * less when ITIMER_VIRTUAL or ITIMER_PROF is armed (at least 1). */
uint64_t k_itimer_budget(const struct k_proc *p, uint64_t budget);

/* p retired n instructions in its turn: the CPU timers count them down;
 * one that reaches 0 posts SIGVTALRM or SIGPROF and re-arms by its interval. */
void k_itimer_charge(struct k_proc *p, uint64_t n);

/* proc.c: process creation */
int64_t sys_clone(struct k_proc *p, const uint64_t a[6]);
int64_t sys_spawn(struct k_proc *p, const uint64_t a[6]);

/* signal.c */
int64_t sys_rt_sigaction(struct k_proc *p, const uint64_t a[6]);
int64_t sys_rt_sigprocmask(struct k_proc *p, const uint64_t a[6]);
int64_t sys_rt_sigpending(struct k_proc *p, const uint64_t a[6]);
int64_t sys_rt_sigreturn(struct k_proc *p, const uint64_t a[6]);
int64_t sys_sigaltstack(struct k_proc *p, const uint64_t a[6]);

/*
 * What a spawn child placed on another node takes from its parent, as bytes:
 * registers (the caller later sets a0), signal actions and mask (nothing pending),
 * the alternate stack, limits, cwd, exe, pgid, sid, family, refdirs (by guest path),
 * brk/mmap state, the lsegs by their spawn action, and descriptors (below).
 * -EXDEV: p has a local lseg whose spawn action is INHERIT (a local segment cannot
 * be shared across nodes: the caller places such a child on p's own node).
 * -ENOMEM. *buf is malloc'd.
 */
int k_proc_pack(struct k_proc *p, uint8_t **buf, size_t *len);

/*
 * A new process on k from k_proc_pack's bytes: a fresh pid of k, state EMBRYO,
 * not queued, ppid 0, family_index 0 (the caller sets ppid, family_index, a0,
 * exit_signal, then makes it RUNNABLE). -EBADMSG for damaged or truncated bytes
 * (never a crash), -ENOMEM, or the errno of a failed reopen/map. On failure
 * nothing is left behind.
 */
int k_proc_unpack(struct k_kernel *k, const uint8_t *buf, size_t len, struct k_proc **out);

/* A copy of parent as fork and spawn make it (proc.c): registers (a0 = 0),
 * memory by each lseg's spawn action, descriptors, cwd, refdirs, signal
 * actions and mask (nothing pending), limits, ids. RUNNABLE and queued when
 * `start`, else left EMBRYO. -EAGAIN beyond K_NPROC_MAX, -ENOMEM. */
int k_proc_copy(struct k_proc *parent, int exit_signal, bool start, struct k_proc **out);

/* core.c: describe p in c (the caller zeroes c and frees it with
 * ckpt_core_free): ids, registers, signal mask and actions, exe; no
 * descriptors and no lsegs (each user adds its own). 0 or -ENOMEM. */
struct ckpt_core;
int k_core_describe(struct k_proc *p, struct ckpt_core *c);

#endif /* SYMUNIX_KERNEL_PROC_H */
