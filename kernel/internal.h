/*
 * internal.h — shared by the files of kernel/ only: the process structure, the
 * copyin/copyout discipline, the descriptor table and the system-call handler
 * signature. Nothing outside kernel/ includes this file.
 *
 * Who touches what in struct k_proc:
 *   vm, brk           — vm.c, sys_mem.c, sys_sym.c, elf.c (exec)
 *   files, cwd        — sys_file.c (and exec for close-on-exec)
 *   sig*, saved_mask  — signal.c, sys_proc.c
 *   scheduling, family tree, blk, vfork_* — proc.c, sys_proc.c, kernel.c (exec)
 *   futex             — sys_proc.c
 *   net               — gmem.c
 *   the rest          — kernel.c, proc.c, sys_proc.c
 */
#ifndef SYMUNIX_KERNEL_INTERNAL_H
#define SYMUNIX_KERNEL_INTERNAL_H

#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "kernel/kernel.h"
#include "node/node.h"
#include "shm/cache.h"
#include "shm/image.h"

struct store;
struct store_image;
struct store_frame;

/* ---- Address space (vm.c) ------------------------------------------------ */

/*
 * Guest memory layout (docs/kernel.md): user space is [K_USER_MIN, K_USER_TOP),
 * Sv39's lower half. From the top: the signal trampoline page, a gap, the 8 MiB
 * stack, a gap, then mmap space growing down from K_MMAP_TOP. Executables load
 * low (ET_EXEC at their link address, static-pie at K_PIE_BIAS) and brk grows up
 * from the page after the highest PT_LOAD.
 */
#define K_USER_MIN   0x10000ull      /* like Linux's mmap_min_addr */
#define K_USER_TOP   0x4000000000ull /* 256 GiB */
#define K_TRAMP_ADDR (K_USER_TOP - 0x1000)
#define K_STACK_TOP  (K_USER_TOP - 0x1000000)
#define K_STACK_SIZE (8ull << 20)
#define K_MMAP_TOP   (K_STACK_TOP - K_STACK_SIZE - 0x10000000)
#define K_PIE_BIAS   0x2aaaaaa000ull /* 2/3 of user space, as Linux's ELF_ET_DYN_BASE */
#define K_ELF_MAX    (64ull << 30)   /* largest total memsz of an executable */

/*
 * One layer of memory objects (vm.c): an image of the node's cache, and for a
 * copy-on-write shadow the layer below it. A page of a region is taken from
 * the newest layer that has it: a base layer (`below` NULL) has every page; a
 * shadow has the pages written since it was made (`present`, page numbers of
 * its image, which are those of every layer below: no offsets between
 * layers). A layer below a shadow is frozen: nobody writes it again.
 */
struct k_pgset {
    uint64_t *keys; /* open addressing; 0 = empty, else page number + 1 */
    size_t cap, n;
};
/* Pages of a layer that are a file's pages, mapped copy-on-write by read(2)
 * (vm.c k_vm_read_cow): page pg of the layer reads page fpg of img until the
 * layer writes it or the file is about to change. Open addressing by pg + 1. */
struct k_borrow {
    uint64_t key; /* 0 = empty, else the layer's page number + 1 */
    uint64_t fpg;
    struct store_image *img; /* a reference of the borrow's own */
};
struct k_borrows {
    struct k_borrow *e;
    size_t cap, n;
};
/* A snapshot of an executable (vm.c text_layer): the file's identity and
 * version when it was copied; `shareable` when a later exec of the same
 * version may use it too. */
struct k_snap {
    uint64_t dev, ino, size;
    int64_t mtime_ns, ctime_ns;
    bool shareable;
};
struct k_layer {
    int refs;                      /* regions and shadows that use it */
    int nabove;                    /* shadows whose `below` is this layer */
    struct store_image *img;       /* its pages (a reference of the layer's own) */
    struct k_layer *below;         /* NULL: a base layer */
    bool priv;                     /* a lazy image only its mappers see (anonymous or shadow) */
    bool shared;                   /* priv, but also mapped by another process (INHERIT) */
    bool writable;                 /* the image may be written (file open for writing) */
    bool direct;                   /* a virtual anonymous file's image: closed, never parked */
    struct k_pgset present;        /* shadow: the pages it has */
    struct k_layer *fnext, *fprev; /* shadow over a file, or borrower: on vm.c's list */
    struct k_borrows bor;          /* pages borrowed from files (copy-on-write read) */
    struct k_snap *snap;           /* a base layer that is an executable's snapshot */
};

/*
 * One mapped range of guest virtual memory: a Symunix II logical segment
 * (lseg) mapping pages of a layer (an image file, or a copy-on-write stack of
 * them). Besides the protection it carries the lseg's other attributes as
 * symunix/abi.h spells them, in `attr`: the virtual ones (SYM_CACHE,
 * SYM_SPAWN_*, SYM_EXEC_KEEP; mapctl changes them) and the physical ones fixed
 * at creation (SYM_MEM_GLOBAL, SYM_MEM_STRICT). `off` is the offset of `start`
 * in the layer's image; (dev, ino) identify the image file a guest named (0, 0
 * for anonymous memory). Splitting a region copies all of these (one more
 * reference to the layer) and advances the right-hand piece's `off`.
 */
struct k_region {
    uint64_t start, end; /* page-aligned guest range [start, end) */
    unsigned prot;       /* RV_PROT_* */
    int kind;            /* K_REGION_* */
    unsigned attr;       /* SYM_CACHE | SYM_SPAWN_* | SYM_EXEC_KEEP | SYM_MEM_* */
    uint64_t off;        /* offset of `start` in the layer's image */
    uint64_t dev, ino;   /* the image file (host identity, as fstat reports it) */
    uint64_t gseg;       /* global: the segment id (store registry), set by mapin; else 0 */
    struct k_layer *layer;
};
enum {
    K_REGION_ANON = 0,
    K_REGION_FILE_SHARED,
    K_REGION_FILE_PRIVATE,
    K_REGION_STACK,
    K_REGION_BRK,
    K_REGION_TRAMPOLINE,
    K_REGION_TEXT /* a PT_LOAD segment of the executable */
};

/* A page the process holds pinned in the cache (what its hart may cache). */
struct k_pin {
    uint64_t vpage; /* 0 = empty slot */
    struct store_frame *f;
    int flags; /* STORE_PAGE_WRITE when pinned for writing */
    bool top;  /* the frame belongs to the region's top layer */
};

struct k_vm {
    struct k_region *r; /* sorted by start, disjoint */
    int n, cap;
    uint64_t brk_start, brk_cur; /* program break */
    uint64_t mmap_base;          /* next top-down mmap hint */
    struct k_pin *pins;          /* open addressing by vpage */
    size_t pcap, npins;
    uint64_t oom_instret; /* instret at the last self swap-out (livelock guard) */
    int oom_repeat;
};

/* ---- Descriptors (sys_file.c) -------------------------------------------- */

#define K_NFILE 1024

/* An open file description. Shared by dup'ed descriptors (refs counts them). */
struct k_file {
    int hostfd; /* -1 while virtual (vimg set): only sys_file.c's accessor sees it */
    int refs;
    char *dirpath;    /* guest absolute path when this is a directory, else NULL */
    int image;        /* a regular file recorded in the node's store_names */
    int close_action; /* SYM_O_DEL* set through this description (fcntl reads it) */
    int stream;       /* 0 not known yet, 1 may block (pipe, terminal, socket), 2 never */
    int host;         /* a host object: inherited from the host or a passed-through device; read,
                       * write, stat, never changed, named, listed or mapped (docs/store.md) */
    /* A directory's identity (st_dev, st_ino), 0 until known. */
    uint64_t ddev, dino;
    /* A virtual anonymous file (SYM_O_ANON, never needed a host file yet):
     * its data is vimg, a lazy image of the node's cache; sys_file.c makes
     * it a host file (materializes it) when a call needs one. */
    struct store_image *vimg;
    int vdirfd;    /* its directory (O_PATH host fd, inside the root; vimg owns it) */
    int vflags;    /* host status flags: access mode, O_APPEND, O_NONBLOCK */
    int vmode;     /* permission bits for the host file */
    int vabnormal; /* an opener ended abnormally (store_file_abnormal later) */
    uint64_t vino; /* node-unique inode number fstat shows */
    int64_t vtime; /* creation time (s): fstat's times */
    struct k_file *vnext, *vprev; /* sys_file.c's list of virtual files */
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

/* Resource limits as prlimit64 reports them (Linux RLIMIT_* numbering). */
#define K_NRLIMIT  16
#define K_RLIM_INF (~0ull)
struct k_rlimit {
    uint64_t cur, max;
};

/*
 * Process ids are cluster-wide names: pid = node * K_PID_STRIDE + local number,
 * local numbers counting from 1 on each node.
 */
#define K_PID_STRIDE 1000000

/*
 * Process states (docs/kernel.md "Processes"): EMBRYO while being built;
 * RUNNABLE on the node's run queue; RUNNING on the node's one PE (k->current);
 * SLEEPING in a system call that waits (blk below says for what); ZOMBIE after
 * exit until the parent's wait4 reaps it (or at once when nobody will).
 * REMOTE: not a process of this node but the stand-in of a child that runs on
 * another node (rnode): it has no hart, memory or descriptors; wait4 sees it
 * as a child, and it turns ZOMBIE when the child's exit is reported (remote.c).
 */
enum k_pstate { K_EMBRYO = 0, K_RUNNABLE, K_RUNNING, K_SLEEPING, K_ZOMBIE, K_REMOTE };

/* A handler gets the six argument registers and returns the value for a0
 * (a negative Linux errno on failure), or one of the K_BLOCK/K_ERESTART codes. */
struct k_proc;
typedef int64_t (*k_syscall_fn)(struct k_proc *p, const uint64_t a[6]);

/*
 * Sleeping system calls. A handler that must wait returns K_BLOCK: the process
 * sleeps and the handler (blk.fn, or the handler itself when it left blk.fn
 * NULL) is called again with the same arguments and blk.retry = 1 each time
 * the process is woken (k_wake: a child ended, a signal came, a vfork child
 * let go, blk.hostfd became ready for blk.events) or blk.deadline (CLOCK_MONOTONIC ns, 0 = none)
 * passed. A handler interrupted by a signal returns -EINTR, or K_ERESTART to be restarted after the
 * handler when its action has SA_RESTART (EINTR otherwise), as Linux's ERESTARTSYS. These codes
 * never reach the guest.
 */
#define K_BLOCK    (-100000)
#define K_ERESTART (-512)
struct k_block {
    k_syscall_fn fn;   /* what to call again; NULL: not sleeping in a call */
    uint64_t a[6];     /* its arguments */
    uint64_t deadline; /* CLOCK_MONOTONIC ns to wake at; 0 = only an event */
    int retry;         /* set while the handler is called again */
    int hostfd;        /* with events: a host descriptor whose readiness wakes it */
    short events;      /* POLLIN / POLLOUT on hostfd; 0 = none */
    /* poll/select (sys_poll.c): several host descriptors, any of which wakes
     * it when ready for its events (k_proc.pollv's storage); nhostv 0: none. */
    const struct pollfd *hostv;
    int nhostv;
};

/*
 * Interval timers (itimer.c; docs/kernel.md "Interval timers"). ITIMER_REAL
 * counts CLOCK_MONOTONIC time; ITIMER_VIRTUAL and ITIMER_PROF count the
 * process's emulated CPU time: the instructions it retires in its turns, one
 * nanosecond each (a nominal 1 GHz PE; the kernel's own work is not counted,
 * so PROF runs as VIRTUAL does). Not inherited by fork or spawn children
 * (Linux clears them in a fork child); kept across execve.
 */
struct k_itimers {
    uint64_t real_due;        /* CLOCK_MONOTONIC ns of the next SIGALRM; 0: disarmed */
    uint64_t real_interval;   /* ns; 0: one shot */
    uint64_t cpu_left[2];     /* VIRTUAL, PROF: instructions to go; 0: disarmed */
    uint64_t cpu_interval[2]; /* instructions; 0: one shot */
};

#define K_NPROC_MAX 1024 /* processes (zombies included) per node: fork/spawn EAGAIN beyond */
#define K_SPAWN_MAX 256  /* children one spawn call may create (EAGAIN beyond) */

struct k_proc {
    struct k_kernel *k;
    struct k_proc *next; /* the node's process list (k_kernel.procs) */
    int pid, ppid, pgid;
    enum k_pstate state;
    int wstatus; /* valid when ZOMBIE */
    rv_hart *hart;
    /* What every turn and every global access touches, together (a node
     * switches among many processes: their cold lines are its cost). */
    uint64_t sigmask;       /* blocked signals */
    uint64_t sigpending;    /* pending, not yet delivered */
    struct k_proc *rq_next; /* the node's run queue */
    bool on_rq;
    bool yield;                  /* sched_yield: end the quantum now */
    bool reap;                   /* a zombie nobody will wait for: free it */
    bool timed;                  /* in k_kernel.timed */
    struct k_block blk;          /* the call it sleeps in */
    struct k_fifo_wait *fifo;    /* an open waiting for a FIFO's other end (fifo.c) */
    struct k_proc *vfork_child;  /* vfork: the child this process waits for */
    struct k_proc *vfork_parent; /* vfork: the parent waiting for this child */
    uint64_t saved_mask;         /* sigsuspend/ppoll: the mask to restore */
    bool has_saved_mask;
    struct {           /* global-memory requests in flight (gmem.c): it sleeps until all reply */
        bool pending;  /* asleep for them */
        int inflight;  /* requests not yet replied (an access, a page's words, write-backs) */
        int slot;      /* k_kernel.net_waiter[slot] while inflight > 0 (cookies: gmem.c) */
        uint64_t seq0; /* the first seq since the slot was taken: older replies are stale */
        bool has_op;   /* an instruction to retire with the reply of op_cookie */
        uint64_t op_cookie;
        struct rv_memop op;
        bool err; /* a reply carried an error: SIGBUS once all are in */
        uint64_t err_addr;
        uint8_t *fill;      /* a page being fetched into the node cache (4 KiB) */
        uint64_t fill_key;  /* its global page number (gaddr >> 12) */
        uint64_t fill_seq0; /* seq of its first word's load */
    } net;
    struct k_vm vm;

    struct k_fdent fd[K_NFILE];
    char cwd[PATH_MAX]; /* guest absolute path, normalised, no trailing '/' except "/" */
    char exe[PATH_MAX]; /* what readlink("/proc/self/exe") answers */

    struct k_sigaction sigact[K_NSIG + 1];
    siginfo_t
        siginfo[K_NSIG + 1]; /* info of each pending signal (host layout, converted on delivery) */
    uint64_t altstack_sp, altstack_size;
    int altstack_flags;

    uint64_t clear_child_tid; /* set_tid_address */
    uint64_t robust_list;
    struct k_rlimit rlim[K_NRLIMIT]; /* prlimit64; only reported, not enforced */
    struct store_refdirs refdirs;    /* "@name" bindings (sys_file.c) */

    /* Scheduling and the family tree (proc.c). */
    int sid;          /* session: inherited, as the pgid */
    int family;       /* spawn family: pid of the process whose exec began it */
    int family_index; /* 1..n in a spawn's children, 0 otherwise */
    int exit_signal;  /* sent to the parent at exit (clone's low byte) */
    bool stub;        /* a stand-in for a child on another node (rnode): see K_REMOTE */
    int rnode;
    /* A request to other nodes this process sleeps on (remote.c): spawn's
     * children there, kill and information calls on their processes. */
    struct {
        uint64_t id; /* 0: none; else matches the replies */
        int waiting; /* replies still to come */
        int64_t ret; /* the first error, or the sum of kill's hits */
        void *data;  /* an information call's answer (malloc'd) */
        size_t len;
        int32_t *pids; /* spawn: pids by index - 1 (malloc'd) */
    } rpc;
    struct {             /* a futex wait (sys_proc.c) */
        uint64_t key[3]; /* (dev, ino, offset) shared; (0, pid, address) private */
        uint32_t bitset;
        bool woken;
    } futex;
    struct k_itimers itimer; /* setitimer (itimer.c) */
    struct pollfd
        *pollv; /* poll/select's host descriptors (sys_poll.c; malloc'd, kernel.c frees) */
    int pollcap;
};

struct store_cache;

/* Images of files no lseg maps that a node keeps cached (vm.c k_vm_file_closed). */
#define K_PARKED 32
/* The node's bounce buffer for the file calls' data (sys_file.c). */
#define K_BOUNCE_SIZE (1u << 20)

struct k_kernel {
    struct k_config cfg;
    struct k_proc *init;       /* the initial process */
    struct k_proc *procs;      /* every process of the node, linked by next */
    struct store_cache *cache; /* the node's frames (vm.c maps them) */
    int next_pid;
    struct k_stats stats;
    volatile sig_atomic_t kill_sig;   /* set by k_request_kill */
    struct store_names *names;        /* the node's open image files (sys_file.c) */
    struct k_proc *rq_head, *rq_tail; /* RUNNABLE processes, FIFO (proc.c) */
    struct k_proc *volatile current;  /* the RUNNING one, or NULL */
    int nprocs;                       /* processes in procs, zombies included */
    /* Hints that spare the scheduler its walks over every process (proc.c):
     * sweep_due: a zombie may be ready to free; timer_hint: at most the
     * earliest deadline of a sleeper (0: none has one); fd_sleepers: a
     * sleeper may wait on a host descriptor. Set when a process ends or
     * sleeps, cleared by a walk that finds nothing. */
    bool sweep_due;
    bool fd_sleepers;
    uint64_t timer_hint;
    /* Processes that went to sleep with a deadline (k_proc.timed), some of
     * them since woken: wake_expired walks these, not every process. */
    struct k_proc *timed[K_NPROC_MAX];
    int ntimed;
    unsigned turns;      /* turns since the scheduler last read the clock */
    int nlive;           /* processes not yet ZOMBIE */
    uint64_t net_seq;    /* cookies of global-memory requests */
    uint64_t net_polled; /* k_now_ns of the last net_poll between turns */
    /* The processes waiting for a reply, by slot (a reply finds its process
     * in O(1)); free slots are NULL. At most one request per process. */
    struct k_proc *net_waiter[K_NPROC_MAX];
    int net_free_hint;
    /* The node cache of cacheable global lsegs (node.h rv_ncache), keyed by
     * global page number; its write-backs are stores on behalf of wb_proc
     * (NULL: the node's own, at the job's end). */
    rv_ncache *ncache;
    struct k_proc *wb_proc;
    struct k_gcopy *gcopy; /* the kernel's copy to or from global memory under way (gmem.c) */
    int net_err;           /* the engine failed (k_run returns it) */
    /* Termination of the job (remote.c), Dijkstra-Scholten over the spawns
     * between nodes: a node taking children from another is engaged to it
     * until it has no process left and its own spawns elsewhere are all
     * acknowledged; node 0 ends the job when that holds for it. */
    bool ds_engaged;
    int ds_parent;
    uint64_t ds_deficit;
    uint64_t rpc_seq;
    bool job_ended; /* another node: node 0 announced the end */
    int job_status;
    /* The address spaces' tables of the node (vm.c): every shadow layer over
     * a file's layer (linked by fnext, for k_vm_file_before_write), the
     * parked images (oldest first), freed layers kept for reuse. */
    struct k_layer *file_shadows;
    struct store_image *parked[K_PARKED];
    int nparked;
    struct store_spares layer_spares;
    /* The file calls' state of the node (sys_file.c): the bounce buffer
     * (K_BOUNCE_SIZE bytes), every virtual k_file (linked by vnext) and the
     * last inode number one got (they show bit 63 set), the host umask and
     * effective ids (known once read), freed k_files kept for reuse. */
    uint8_t *bounce;
    struct k_file *vfiles;
    uint64_t vino_last;
    mode_t umask_v;
    bool umask_known;
    uid_t uid_v;
    gid_t gid_v;
    bool ids_known;
    struct store_spares file_spares;
};

/* ---- Guest memory access (vm.c): the only way kernel code touches guest memory. */

/* Copy between host and guest memory; 0 or -EFAULT (nothing is copied partially
 * into host memory the caller relies on). Protection is checked: copyout needs
 * W, copyin needs R. */
int k_copyin(struct k_proc *p, void *dst, uint64_t gsrc, uint64_t len);
int k_copyout(struct k_proc *p, uint64_t gdst, const void *src, uint64_t len);
/* Copy a NUL-terminated string of at most max-1 bytes; -EFAULT or -ENAMETOOLONG. */
int k_copyin_str(struct k_proc *p, char *dst, uint64_t gsrc, uint64_t max);

/* The hart's translate hook (ctx is the struct k_proc). A page of a global
 * lseg is not host memory: -EREMOTE (gmem.c sends the access to the network). */
int k_vm_translate(void *ctx, uint64_t vaddr, enum rv_access access, struct rv_page *out);
/* The global address (net.h NET_GADDR) of vaddr in a global lseg: 0 or -EFAULT. */
int k_vm_gaddr(const struct k_proc *p, uint64_t vaddr, uint64_t *gaddr);
/* fsync/fdatasync of a global segment's file (gmem.c, sys_file.c): write the
 * node cache back (stores on p's behalf), and once none are left in flight
 * issue the sync-segment request on p's behalf (net.h NET_MREQ_SYNC). 1: p
 * has requests in flight, call again when they are in; 0: the sync is
 * issued (it completes when p->net.inflight is 0); or a negative errno. */
int k_net_sync_seg(struct k_proc *p, uint64_t seg);
/* translate's answer for a page of a cacheable global lseg not in the node
 * cache: gmem.c fetches it. */
#define K_EFETCH (-EINPROGRESS)
/* translate's answer when a write made copies of pages the running process
 * itself sees (vm.c file_changing): its pins on them are put, nothing of the
 * instruction is done; proc.c flushes its hart and runs the instruction
 * again (flushing inside the hook could drop the decoded page it runs). */
#define K_EREFLUSH (-ERESTART)
/* The node cache dropped global page `key`: every hart of the node forgets
 * its translations of it. */
void k_vm_ncache_dropped(struct k_kernel *k, uint64_t key);
/* The node cache's write-back callback (gmem.c): a dirty line as 8 stores. */
int k_net_ncache_wb(void *ctx, uint64_t key, unsigned off, const uint8_t *line);
/* After the last process: write the node cache back and wait for it (gmem.c). */
void k_net_end(struct k_kernel *k);
/* copyin/copyout on global memory (vm.c walk), synchronous: the caller waits
 * in place, the engine progressing and other processes' replies delivered,
 * after p's own earlier requests (its fence). k_net_kcopy moves n bytes
 * (at most K_NET_KCOPY_MAX) between buf and global address g of a
 * non-cacheable lseg
 * (loads and stores over the network); k_net_kfetch brings the page holding
 * g into the node cache (a cacheable lseg). 0, or -EFAULT: a reply carried an
 * error (nothing of a read reaches buf), no engine, or the engine failed. */
#define K_NET_KCOPY_MAX (16 * RV_PAGE_SIZE)
int k_net_kcopy(struct k_proc *p, uint64_t g, uint8_t *buf, uint64_t n, bool write);
int k_net_kfetch(struct k_proc *p, uint64_t g);
/* The hart stopped at an access to global memory (gmem.c): p's load, store,
 * AMO, LR or SC goes to the network (translate said -EREMOTE), p's page of a
 * cacheable global lseg is fetched into the node cache (K_EFETCH), p's cbo.*
 * writes back or drops cached lines. p sleeps until the replies are in. */
void k_net_access(struct k_proc *p, const struct rv_fault *f);
void k_net_fetch(struct k_proc *p, const struct rv_fault *f);
void k_net_cbo(struct k_proc *p, const struct rv_fault *f);
/* Deliver the engine's completions: instructions retire, processes run again. */
void k_net_reap(struct k_kernel *k);
/* p no longer waits for global-memory replies (it ends): its slot is free. */
void k_net_unwait(struct k_proc *p);

/* ---- Descriptors (sys_file.c) ---------------------------------------------- */

/* Host fd behind guest fd (poll, core files), or -EBADF. */
int k_fd_host(struct k_proc *p, int fd);
/* The same for a descriptor that is to back memory (mmap, mapin): -ENODEV for
 * a host descriptor, which may be read and written but never mapped
 * (docs/store.md "Host descriptors"). */
int k_fd_backing(struct k_proc *p, int fd);
/* mapin of descriptor fd: 1 and its lazy image, inode number and host
 * status flags when it is a virtual anonymous file (nothing materialized),
 * 0 when it is not (use k_fd_host), -EBADF. */
int k_fd_virtual(struct k_proc *p, int fd, struct store_image **img, uint64_t *ino, int *flags);
/* Set up fds 0, 1, 2 on the host's and cwd "/" for a new initial process. */
int k_files_init(struct k_proc *p);
/* Close every descriptor (exit) / the close-on-exec ones (exec). */
void k_files_close_all(struct k_proc *p);
void k_files_close_on_exec(struct k_proc *p);
/* The process is ending abnormally (fatal signal): mark its open image files
 * so that their close actions see it (call before k_files_close_all). */
void k_files_abnormal(struct k_proc *p);

/* ---- System calls (syscall.c dispatches; sys_*.c implement) -------------- */

/* Dispatch the ecall the process just made (a7 = number); writes a0. */
void k_syscall(struct k_proc *p);

/* ---- Address-space operations (vm.c) ------------------------------------- *
 * Ranges are page-aligned and inside user space (callers check); every function
 * that changes mappings flushes the hart's view of the range. */

void k_vm_init(struct k_vm *vm);
/* Unmap everything (exit, exec). */
void k_vm_free(struct k_proc *p);
/* Map [start, start+len), which must be free: anonymous zero memory when
 * hostfd < 0, else the host file at `off` (shared or private by `kind`). */
/* A shared file mapping (K_REGION_FILE_SHARED) of lazy image img (a virtual
 * anonymous file's; the layer takes its own reference) at off, reported as
 * inode `ino` on device 0, with protection prot and the attributes in `mask`
 * taken from `attr` (the others as k_vm_map gives them): what mapin would
 * get from k_vm_map then k_vm_set_attr. 0 or a negative errno. */
int k_vm_map_image(struct k_proc *p, uint64_t start, uint64_t len, unsigned prot, unsigned mask,
                   unsigned attr, struct store_image *img, uint64_t ino, uint64_t off);
/* A virtual file's image has just got its host file: the file's reference
 * moves to the parked images (kept cached until the file's last close). */
void k_vm_park_image(struct k_kernel *k, struct store_image *img);
int k_vm_map(struct k_proc *p, uint64_t start, uint64_t len, unsigned prot, int kind, int hostfd,
             uint64_t off);
/* Remove every mapping inside the range (holes are fine). */
int k_vm_unmap(struct k_proc *p, uint64_t start, uint64_t len);
/* Change protection of a fully mapped range: 0, -ENOMEM (hole) or host errno. */
int k_vm_protect(struct k_proc *p, uint64_t start, uint64_t len, unsigned prot);
/* Set the protection and the attribute bits selected by mask (a k_region attr
 * mask) of a fully mapped range, splitting regions at its ends; as k_vm_protect
 * otherwise (k_vm_protect is this with mask 0). */
int k_vm_set_attr(struct k_proc *p, uint64_t start, uint64_t len, unsigned prot, unsigned mask,
                  unsigned attr);
/* Is any page of the range mapped? Is every page? */
bool k_vm_any_mapped(const struct k_vm *vm, uint64_t start, uint64_t len);
bool k_vm_all_mapped(const struct k_vm *vm, uint64_t start, uint64_t len);
/* Find a free range of len bytes: at hint when it is free, else the highest
 * free range below K_MMAP_TOP. 0 or -ENOMEM. */
int k_vm_find_free(const struct k_vm *vm, uint64_t hint, uint64_t len, uint64_t *out);
/* Index of the region holding addr, or -1. */
int k_vm_lookup(const struct k_vm *vm, uint64_t addr);
/* Kernel write into guest memory ignoring protection (loader, trampoline). */
int k_vm_poke(struct k_proc *p, uint64_t gdst, const void *src, uint64_t len);
/* Move the program break; returns the new break (the old one on failure). */
uint64_t k_vm_set_brk(struct k_proc *p, uint64_t newbrk);
/* Resize (and maybe move) the mapping at old; returns the address or -errno. */
int64_t k_vm_remap(struct k_proc *p, uint64_t old, uint64_t oldlen, uint64_t newlen, bool maymove);
/* The pages of [start, start+len), fully mapped by private file mappings
 * (shadows), read as zeros from now on (the loader's bss). 0 or -errno. */
int k_vm_map_zero(struct k_proc *p, uint64_t start, uint64_t len);
/* madvise(DONTNEED): drop the pages of the range; private anonymous memory
 * reads back as zeros, a private file mapping as the file. */
int k_vm_discard(struct k_proc *p, uint64_t start, uint64_t len);
/* msync: write the dirty pages of the shared file mappings in the range back
 * (and fsync when `wait`). 0 or the first error. */
int k_vm_sync(struct k_proc *p, uint64_t start, uint64_t len, bool wait);
/* Put every page p holds pinned (its frames become AVAILABLE, reclaimable
 * without I/O if touched again before reuse) and flush its hart. The number
 * of pages put. The scheduler calls this to swap a process out; translate
 * calls it for the node's other processes when the cache is full. */
int k_vm_swap_out(struct k_proc *p);
/* Coherence of file system calls with mapped pages of the same file (sys_file.c
 * calls these with the host fd): before a read, dirty pages reach the file;
 * before a write likewise, and after it the cached pages are refilled;
 * ftruncate and fsync go through the cache when the file has an image.
 * k_vm_file_truncate/k_vm_file_sync return 1 when they did nothing (no image:
 * the caller makes the host call), else 0 or a negative errno. */
void k_vm_file_before_io(struct k_kernel *k, int hostfd);
/* Before a write(2) of [off, off+len) (off < 0: at the file position): as
 * k_vm_file_before_io, and the private (copy-on-write) mappers of the file,
 * e.g. a running executable, and the buffers read(2) mapped from them get
 * their copy of those pages first. 0, or the errno of a copy that could not
 * be made (the write must fail: nothing was written). */
int k_vm_file_before_write(struct k_kernel *k, int hostfd, int64_t off, uint64_t len);
void k_vm_file_after_write(struct k_kernel *k, int hostfd);
int k_vm_file_truncate(struct k_kernel *k, int hostfd, uint64_t len);
/* truncate(path) and open(O_TRUNC) of the file at hostfd (any fd, O_PATH
 * too): before the host call, the private (copy-on-write) mappers of the
 * file and the buffers read(2) mapped from it get their own copy of every
 * page from len on; after it, the cached pages learn the new size. */
int k_vm_file_before_truncate(struct k_kernel *k, int hostfd, uint64_t len);
void k_vm_file_truncated(struct k_kernel *k, int hostfd);
/* read(2) of the file at hostfd from off (< 0: the file position, advanced)
 * into guest buf, len bytes: the whole pages that are resident in the cache,
 * page-aligned on both sides and going into private memory only this
 * process maps, are mapped copy-on-write instead of copied (§4.3(3)). The
 * number of bytes so served from the start of the buffer (0: none; the
 * caller reads the rest). */
int64_t k_vm_read_cow(struct k_proc *p, int hostfd, int64_t off, uint64_t buf, uint64_t len);
/* A page of p could not be had from the node's cache for an I/O reason (no
 * space on the store, no host descriptor left, a read error): one line on
 * stderr naming the failure, the file and what to do; p ends with SIGBUS. */
void k_vm_paging_failed(struct k_proc *p, uint64_t addr, int err);
/* The image of a file no lseg maps stays in the cache ("parked") until a
 * process's last descriptor of the file is closed; sys_file.c then calls
 * this (vanished: store_file_close returned 1, the file is gone): the pages
 * of a vanished file are dropped unwritten, others written back.
 * k_vm_unpark_all closes every parked image (kernel end). */
void k_vm_file_closed(struct k_kernel *k, int hostfd, bool vanished);
/* The cache's materialize hook (ctx: the node's struct store_names): a lazy
 * anonymous file about to be written back gets its host file. */
int k_vm_materialize(void *names, int hostfd);
void k_vm_unpark_all(struct k_kernel *k);
int k_vm_file_sync(struct k_kernel *k, int hostfd);
/* Give child (same kernel, empty address space) what a fork/spawn child gets:
 * each region of parent by its SYM_SPAWN_* action (DROP: absent; COPY: a
 * private copy-on-write copy; INHERIT: the same pages, shared; REALLOC: fresh
 * zero memory, same range and protection), plus the brk and mmap state.
 * 0 or a negative errno (the caller then frees the child's vm). */
int k_vm_fork(struct k_proc *parent, struct k_proc *child);
/* exec: remove every region not marked SYM_EXEC_KEEP; reset brk and mmap base. */
void k_vm_exec_drop(struct k_proc *p);

/* ---- Executables (elf.c) --------------------------------------------------- */

/* What the loader tells the process-start code. */
struct k_elf_info {
    uint64_t entry; /* biased entry point */
    uint64_t phdr;  /* guest address of the program headers, 0 if not loaded */
    uint64_t phnum;
    uint64_t brk_start; /* page after the highest PT_LOAD */
    uint64_t bias;      /* 0 for ET_EXEC, K_PIE_BIAS for static-pie */
    void *phdr_copy;    /* malloc'd copy of the program headers (caller frees) */
};

/* Map the static RISC-V executable at host path `path` into p's (empty) address
 * space. 0, or a negative errno with a one-line reason in err. */
int k_elf_load(struct k_proc *p, const char *path, struct k_elf_info *info, char *err,
               size_t errlen);
/* Every check k_elf_load makes before it maps anything (exec calls it before
 * destroying the old image): 0 or the errno k_elf_load would return. */
int k_elf_check(const char *path, char *err, size_t errlen);

/* ---- Signals (signal.c) --------------------------------------------------- */

/* A synchronous fault: delivers sig to the handler if the guest has one that is
 * not blocked, otherwise ends the process with sig. */
void k_signal_fault(struct k_proc *p, int sig, int code, uint64_t addr);
/* Map the signal trampoline page (li a7,139; ecall) at K_TRAMP_ADDR. */
int k_signal_map_trampoline(struct k_proc *p);

/* Make signal `sig` pending for p with the given info (si_code, si_addr...). */
void k_signal_post(struct k_proc *p, int sig, const siginfo_t *info);
/* Before returning to the guest: deliver one pending unblocked signal, by
 * default action or by building a frame for the handler. */
void k_signal_deliver(struct k_proc *p);
/* End the process (exit or fatal signal): sets ZOMBIE and wstatus, closes its
 * descriptors, frees its memory, hands its children to the initial process and
 * tells its parent (exit_signal, wake). */
void k_proc_exit(struct k_proc *p, int wstatus);
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

/* ---- Processes and the scheduler (kernel.c, proc.c) ------------------------ */

/* kernel.c: a new EMBRYO process with a pid, a hart and default limits, linked
 * into k->procs (NULL: out of memory); unlink and release one (not RUNNING). */
struct k_proc *k_proc_new(struct k_kernel *k);
void k_proc_free(struct k_proc *p);
/* The process with this pid on the node (any state), or NULL. */
struct k_proc *k_proc_find(struct k_kernel *k, int pid);
/* The run queue: FIFO; push is a no-op for a process already queued. */
void k_rq_push(struct k_kernel *k, struct k_proc *p);
struct k_proc *k_rq_pop(struct k_kernel *k);
void k_rq_remove(struct k_kernel *k, struct k_proc *p);
/* Make a SLEEPING process RUNNABLE (its call is retried); others unchanged. */
void k_wake(struct k_proc *p);
/* Nobody will wait for p: free it once it is a zombie (the sweep's hint set). */
void k_reap_later(struct k_proc *p);
/* p went to sleep in a call (state K_SLEEPING, blk set): the scheduler's hints. */
void k_note_sleep(struct k_proc *p);
/* p has something due at `when` (CLOCK_MONOTONIC ns): a sleep's deadline or
 * its ITIMER_REAL. It goes on k_kernel.timed and the timer hint is kept true,
 * so that the scheduler wakes for it even when every process sleeps. */
void k_timed_add(struct k_proc *p, uint64_t when);
/* A zombie nobody will wait for is gone already, as Linux releases it at
 * exit; only the scheduler's sweep has yet to free it (proc.c). */
static inline bool k_proc_gone(const struct k_proc *p)
{
    return p->state == K_ZOMBIE && p->reap;
}
/* p leaves the list of timed sleepers (it is being freed). */
void k_untime(struct k_proc *p);
/* Does wait4(pid, ...) by `parent` (pid, pgid) select `child`? */
bool k_wait_match(const struct k_proc *child, int parent_pid, int parent_pgid, int pid);
/* CLOCK_MONOTONIC in ns. */
uint64_t k_now_ns(void);
/* Run every process of the node until none is left alive (k_run's loop). */
void k_sched_run(struct k_kernel *k);
/* Finish a system call with result ret: a0 = ret, or for K_ERESTART a restart
 * (a0 = the call's first argument a0 again) or EINTR. */
void k_syscall_finish(struct k_proc *p, int64_t ret, uint64_t a0);

/* ---- Processes across nodes (remote.c) ------------------------------------ */

/* The node a pid lives on (pids are node * K_PID_STRIDE + n). */
static inline int k_pid_node(int pid)
{
    return pid > 0 ? pid / K_PID_STRIDE : -1;
}
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
/* Post sig from sender pid to the processes of this node that mode/target
 * select (never a stand-in; K_KILL_ALL spares `sender`). The number matched. */
int k_kill_local(struct k_kernel *k, int sender, int mode, int target, int sig);
/* pinfo, pmemaddr, pmemvect on another node's process: the answer (as
 * sys_sym.c's k_info_local makes it) comes back in p->rpc.data. */
int k_remote_info(struct k_proc *p, int kind, int pid, uint64_t arg);
/* pdup(pid, fd) for a process of another node: the file reopened there
 * (k_file_ship_one); the caller sleeps, called again for the answer.
 * K_BLOCK, or the descriptor number in pid's table, or -errno. */
int64_t k_remote_pdup(struct k_proc *p, int pid, int fd);
/* A process of this node ended abnormally holding the named image files
 * ids[2i] (st_dev), ids[2i+1] (st_ino), i < n: every other node marks them
 * (store_file_abnormal_id), so that their close actions see it. */
void k_remote_abnormal(struct k_kernel *k, const uint64_t *ids, size_t n);
/* getdents64 of the directory (dev, ino): every other node names its lazy
 * anonymous files there (k_files_name_dir); the caller sleeps until all
 * answered (p->rpc.waiting 0). 0 or -errno (not sent). */
int k_remote_namedir(struct k_proc *p, uint64_t dev, uint64_t ino);
/* sys_file.c: name every lazy anonymous file of this node (virtual or not)
 * made in the directory (dev, ino), as before a listing of it. */
void k_files_name_dir(struct k_kernel *k, uint64_t dev, uint64_t ino);
/* sys_sym.c: the answer to an information call about process pid of this
 * node: kind K_INFO_*; 0 and a malloc'd answer, or -errno (-ESRCH...). */
enum { K_INFO_PINFO = 1, K_INFO_PMEMADDR, K_INFO_PMEMVECT, K_INFO_IDS, K_INFO_SETPGID };
/* K_INFO_SETPGID's arg: the new group, and K_SETPGID_EXISTS if the caller's
 * node has a live member of it; the answer is a struct k_ids after the change. */
#define K_SETPGID_EXISTS (1ull << 32)
struct k_ids { /* K_INFO_IDS' (and SETPGID's) answer: the pgid and sid of a live process */
    int32_t pgid, sid;
};
int k_info_local(struct k_kernel *k, int kind, int pid, uint64_t arg, void **out, size_t *len);
/* sys_proc.c: put live process t of this node in group pgid, which must be
 * t's pid, have a live member here, or (exists_elsewhere) on the caller's
 * node. 0 or -EPERM. */
int k_setpgid_here(struct k_proc *t, int32_t pgid, bool exists_elsewhere);
/* The answer of kind about process pid (0: the caller), computed here or
 * asked of its node: K_BLOCK while the caller sleeps for the reply (the
 * handler is called again). 0 with *ans (malloc'd) and *len, or -errno. */
int64_t k_info_get(struct k_proc *p, int kind, uint64_t pid, uint64_t arg, void **ans, size_t *len);
/* proc.c: what notify_parent does for a child that ended (a stand-in whose
 * child's exit came in, too). */
void k_notify_parent(struct k_proc *p);
/* A stand-in for child pid running on node `node`, linked into k->procs
 * (not counted alive). NULL: out of memory. */
struct k_proc *k_stub_new(struct k_kernel *k, int pid, int node);
/* The stand-in of remote child pid (any state), or NULL. */
struct k_proc *k_stub_find(struct k_kernel *k, int pid);

/* ---- Core dumps (core.c) --------------------------------------------------- */

#define K_WCOREFLAG 0x80 /* in a wait status: a core file was written */

/* Is sig one whose default action dumps core? */
bool k_core_signal(int sig);
/* Write "core.<pid>" describing p (about to end with wstatus; the signal's
 * si_code and si_addr) into p's "@image" directory. 0 or a negative errno;
 * never prints. Call before k_proc_exit (the descriptors are still open). */
int k_core_dump(struct k_proc *p, int wstatus, int code, uint64_t addr);

/* ---- System-call handlers of this folder (syscall.c's table) -------------- */

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

/* kernel.c */
int64_t sys_execve(struct k_proc *p, const uint64_t a[6]);

/* signal.c */
int64_t sys_rt_sigaction(struct k_proc *p, const uint64_t a[6]);
int64_t sys_rt_sigprocmask(struct k_proc *p, const uint64_t a[6]);
int64_t sys_rt_sigpending(struct k_proc *p, const uint64_t a[6]);
int64_t sys_rt_sigreturn(struct k_proc *p, const uint64_t a[6]);
int64_t sys_sigaltstack(struct k_proc *p, const uint64_t a[6]);

/* sys_sym.c: the Symunix II memory calls */
int64_t sys_mapin(struct k_proc *p, const uint64_t a[6]);
int64_t sys_mapout(struct k_proc *p, const uint64_t a[6]);
int64_t sys_mapctl(struct k_proc *p, const uint64_t a[6]);
int64_t sys_pinfo(struct k_proc *p, const uint64_t a[6]);
int64_t sys_pmemaddr(struct k_proc *p, const uint64_t a[6]);
int64_t sys_pmemvect(struct k_proc *p, const uint64_t a[6]);

/* ---- Shipping a process to another node (migrate.c; docs/kernel.md) -------- */

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

/* Descriptors, cwd's companions and refdirs as they travel (sys_file.c). */
struct k_ship_fd {
    int32_t fd;     /* guest number */
    int32_t stream; /* 0..2: the node's own standard stream of that number; -1: by path */
    uint32_t flags; /* host status flags to reopen with (access mode, O_APPEND...) */
    uint32_t cloexec;
    int64_t offset; /* by path: the file offset to take (regular files), else 0 */
    char *path;     /* by path: guest absolute path (malloc'd); NULL for a stream */
};
struct k_ship_refdir {
    char name[STORE_REFNAME_MAX]; /* "@..." */
    char *path;                   /* the directory's guest path (malloc'd) */
};
struct k_ship_files {
    size_t nfd, nref;
    struct k_ship_fd *fd;
    struct k_ship_refdir *ref;
};
/* Describe the descriptors of p that can travel into *s (zeroed by the
 * caller; free it with k_ship_files_free even on failure): the emulator's
 * own standard streams, and regular files and directories inside the store
 * (by guest path, status flags and offset). Pipes, sockets, virtual
 * anonymous files, deleted files and files outside the store are left out
 * (the child has them closed); so are refdirs whose directory is gone.
 * 0 or -ENOMEM. */
int k_files_ship(struct k_proc *p, struct k_ship_files *s);
/* Give p (no descriptors, no refdirs) what s describes: streams of p's node,
 * files reopened by path with their flags and offset, refdirs bound by path.
 * 0 or the errno of the first failed reopen (what was installed stays, for
 * the caller's k_files_close_all). -EBADMSG for a malformed entry. */
int k_files_land(struct k_proc *p, const struct k_ship_files *s);
void k_ship_files_free(struct k_ship_files *s);
/* pdup to another node: describe p's descriptor fd as it can travel (d->path
 * malloc'd): 0, -EBADF, or -EXDEV when it cannot (a pipe, socket, device,
 * virtual anonymous, deleted or outside the store). */
int k_file_ship_one(struct k_proc *p, int fd, struct k_ship_fd *d);
/* ... and on the target's node: open it into t's lowest free slot with
 * close-on-exec clear. The descriptor number, or -errno (-EMFILE...). */
int k_file_land_free(struct k_proc *t, const struct k_ship_fd *d);

/* vm.c: call fn(arg, vaddr, page) for each page of p's region i that may hold
 * data, in address order, reading through its layers whatever its protection;
 * pages of a lazy image never written are skipped without taking a frame
 * (pages may still be all zeros: fn checks). 0, fn's nonzero return, or the
 * cache's errno. The region must be local. */
int k_vm_ship_pages(struct k_proc *p, int i, int (*fn)(void *arg, uint64_t vaddr, const void *page),
                    void *arg);
/* vm.c: append to p's address space a region like r (start, end, prot, kind,
 * attr, off, dev, ino; r->layer ignored) on a fresh lazy anonymous image:
 * -EBADMSG when r is empty, not page-aligned, outside user space, not above
 * every region p has, or local with an image file or offset; -ENOMEM. */
int k_vm_land_region(struct k_proc *p, const struct k_region *r);
/* vm.c: write one page (4 KiB at vaddr) of a local region of p, ignoring its
 * protection. -EBADMSG when vaddr is not page-aligned or not in a local region. */
int k_vm_land_page(struct k_proc *p, uint64_t vaddr, const void *data);

/* core.c: describe p in c (the caller zeroes c and frees it with
 * ckpt_core_free): ids, registers, signal mask and actions, exe; no
 * descriptors and no lsegs (each user adds its own). 0 or -ENOMEM. */
struct ckpt_core;
int k_core_describe(struct k_proc *p, struct ckpt_core *c);

#endif /* SYMUNIX_KERNEL_INTERNAL_H */
