/*
 * ktypes.h — the kernel object, layer 0 of kernel/ (docs/kernel.md "Layers"):
 * the structures every layer reads (struct k_proc and what it embeds: the
 * address space's regions and layers, descriptors, signal actions, sleeping
 * calls; struct k_kernel, one node's whole state) and the constants they
 * need. Data only: the functions are declared by the layer that implements
 * them (gmem.h, vm.h, files.h, proc.h, syscalls.h), or in hooks.h when a
 * lower layer calls up. Nothing outside kernel/ (but its unit tests)
 * includes a kernel/ header other than kernel.h.
 *
 * Who touches what in struct k_proc:
 *   vm, brk           — vm.c, sys_mem.c, sys_sym.c, elf.c (exec)
 *   files, cwd        — fd.c, sys_path.c (and exec for close-on-exec)
 *   sig*, saved_mask  — signal.c, sys_proc.c
 *   scheduling, family tree, blk, vfork_* — proc.c, sys_proc.c, exec.c
 *   futex             — sys_proc.c
 *   net               — gmem.c
 *   the rest          — proc.c, exec.c, kernel.c, sys_proc.c
 */
#ifndef SYMUNIX_KERNEL_KTYPES_H
#define SYMUNIX_KERNEL_KTYPES_H

#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "kernel/kernel.h"
#include "node/node.h"
#include "shm/cache.h"
#include "shm/names.h"

struct store;
struct store_cache_image;
struct store_cache_frame;

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
    struct store_cache_image *img; /* a reference of the borrow's own */
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
    struct store_cache_image *img; /* its pages (a reference of the layer's own) */
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
    struct store_cache_frame *f;
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

/* ---- Descriptors (fd.c) -------------------------------------------- */

#define K_NFILE 1024

/* An open file description. Shared by dup'ed descriptors (refs counts them). */
struct k_file {
    int hostfd; /* -1 while virtual (vimg set): only vfile.c's k_file_get sees it */
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
     * its data is vimg, a lazy image of the node's cache; vfile.c makes
     * it a host file (materializes it) when a call needs one. */
    struct store_cache_image *vimg;
    int vdirfd;    /* its directory (O_PATH host fd, inside the root; vimg owns it) */
    int vflags;    /* host status flags: access mode, O_APPEND, O_NONBLOCK */
    int vmode;     /* permission bits for the host file */
    int vabnormal; /* an opener ended abnormally (store_names_file_abnormal later) */
    uint64_t vino; /* node-unique inode number fstat shows */
    int64_t vtime; /* creation time (s): fstat's times */
    struct k_file *vnext, *vprev; /* vfile.c's list of virtual files */
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
struct k_fifo_wait;
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
    struct k_rlimit rlim[K_NRLIMIT];    /* prlimit64; only reported, not enforced */
    struct store_names_refdirs refdirs; /* "@name" bindings (sys_path.c, sys_refdir.c) */

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
    struct pollfd *pollv; /* poll/select's host descriptors (sys_poll.c; malloc'd, proc.c frees) */
    int pollcap;
};

struct store_cache;

/* Images of files no lseg maps that a node keeps cached (vm.c k_vm_file_closed). */
#define K_PARKED 32
/* The node's bounce buffer for the file calls' data (sys_rw.c). */
#define K_BOUNCE_SIZE (1u << 20)

struct k_kernel {
    struct k_config cfg;
    struct k_proc *init;       /* the initial process */
    struct k_proc *procs;      /* every process of the node, linked by next */
    struct store_cache *cache; /* the node's frames (vm.c maps them) */
    int next_pid;
    struct k_stats stats;
    volatile sig_atomic_t kill_sig;   /* set by k_request_kill */
    struct store_names *names;        /* the node's open image files (fd.c) */
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
    struct store_cache_image *parked[K_PARKED];
    int nparked;
    struct store_cache_spares layer_spares;
    /* The file calls' state of the node (fd.c, vfile.c, sys_rw.c): the bounce buffer
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
    struct store_cache_spares file_spares;
};

/* translate's answer for a page of a cacheable global lseg not in the node
 * cache: gmem.c fetches it. */
#define K_EFETCH (-EINPROGRESS)

/* translate's answer when a write made copies of pages the running process
 * itself sees (vm.c file_changing): its pins on them are put, nothing of the
 * instruction is done; proc.c flushes its hart and runs the instruction
 * again (flushing inside the hook could drop the decoded page it runs). */
#define K_EREFLUSH (-ERESTART)

/* What the loader tells the process-start code. */
struct k_elf_info {
    uint64_t entry; /* biased entry point */
    uint64_t phdr;  /* guest address of the program headers, 0 if not loaded */
    uint64_t phnum;
    uint64_t brk_start; /* page after the highest PT_LOAD */
    uint64_t bias;      /* 0 for ET_EXEC, K_PIE_BIAS for static-pie */
    void *phdr_copy;    /* malloc'd copy of the program headers (caller frees) */
};

/* A zombie nobody will wait for is gone already, as Linux releases it at
 * exit; only the scheduler's sweep has yet to free it (proc.c). */
static inline bool k_proc_gone(const struct k_proc *p)
{
    return p->state == K_ZOMBIE && p->reap;
}

/* The node a pid lives on (pids are node * K_PID_STRIDE + n). */
static inline int k_pid_node(int pid)
{
    return pid > 0 ? pid / K_PID_STRIDE : -1;
}

/* The kinds of information call about a process (k_info_local, hooks.h). */
enum { K_INFO_PINFO = 1, K_INFO_PMEMADDR, K_INFO_PMEMVECT, K_INFO_IDS, K_INFO_SETPGID };

#define K_WCOREFLAG 0x80 /* in a wait status: a core file was written */

/* Descriptors, cwd's companions and refdirs as they travel (fd.c). */
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

#endif /* SYMUNIX_KERNEL_KTYPES_H */
